"""Grade MyTorch: ``python autograder/runner.py [section ...] [options]`` from any folder.

Run with ``--help`` for the options; ``autograder/cli.py`` holds the command line.
"""

import sys

from bootstrap import load_grader  # this script's folder is first on sys.path

if __name__ == "__main__":
    load_grader()
    from autograder.cli import main

    sys.exit(main())

"""Grade MyTorch: ``python autograder/runner.py [section ...] [options]`` from any folder.

Run with ``--help`` for the options; ``autograder/cli.py`` holds the command line.
"""

import sys

# Written so that any Python parses it (until 2026-12-04 a student's Python 3.8 printed a traceback).
if sys.version_info < (3, 10):  # noqa: UP036 - the check is for Pythons the project does not support
    sys.exit("runner.py: error: the grader needs Python 3.10 or newer; this is Python %s (%s)"  # noqa: UP031
             % (sys.version.split()[0], sys.executable))  # fmt: skip

from bootstrap import load_grader  # noqa: E402 - this script's folder is first on sys.path

if __name__ == "__main__":
    load_grader()
    if sys.platform.startswith("linux"):
        from autograder.cli import main
    else:  # macOS, Windows: no containment; a student's check of their own code (autograder/selfcheck.py)
        from autograder.selfcheck import main

    sys.exit(main())

"""``mytorch-grade``: the installed command, which chooses as ``python autograder/runner.py`` does.

On Linux it is the grader (``autograder/cli.py``: each test contained); on macOS and Windows the
in-process check of the ``mytorch`` installed beside ``autograder`` (``autograder/selfcheck.py``).
"""

from __future__ import annotations

import sys


def main() -> int:
    """Run the grader's command line for this platform; returns its exit status."""
    if sys.platform.startswith("linux"):
        from autograder.cli import main as run
    else:  # (until 2026-12-05 the command ran the Linux grader everywhere)
        from autograder.selfcheck import main as run
    return run()

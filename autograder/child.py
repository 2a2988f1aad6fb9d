"""One graded test in a process of its own: the child side of ``isolation.run_isolated``.

Usage: ``python child.py TEST_ID ROOT RESULT MEMORY_MB``. The grader is imported as the package
``autograder`` from this file's folder (never from the hand-in); ``mytorch`` must come from
``ROOT``. The outcome is written atomically to ``RESULT`` as JSON: ``{"passed", "output"}``,
or ``{"wrong_package": reason}`` when ``mytorch`` was found somewhere else.
"""

import json
import os
import sys
from pathlib import Path

from bootstrap import load_grader  # this script's folder is first on sys.path


def _wrong_package(root: Path) -> str | None:
    """Why the ``mytorch`` that imports is not the graded one, or None (also when it does not
    import at all: its tests then fail with the import error)."""
    try:
        import mytorch
    except Exception:  # noqa: BLE001 - any error of the hand-in's import
        return None
    origin = Path(mytorch.__file__).resolve()
    if root not in origin.parents:
        return f"the test imported mytorch from {origin}, not from the graded folder {root}"
    return None


def _limit_memory(megabytes: int) -> None:
    """Cap this process's address space, so that a runaway allocation fails with MemoryError
    instead of exhausting the grading machine (where the platform allows it)."""
    try:
        import resource

        limit = megabytes * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass


def main(test_id: str, root: str, result_path: str, memory_mb: str) -> None:
    """Run the graded test ``test_id`` on the ``mytorch`` in ``root`` (at most ``memory_mb`` MiB)
    and write its outcome to ``result_path``."""
    _limit_memory(int(memory_mb))
    load_grader()
    from autograder.grading import collect, execute

    reason = _wrong_package(Path(root).resolve())
    if reason:
        report = {"wrong_package": reason}
    else:
        test = {t.id: t for t in collect()}[test_id]
        print("ready", flush=True)  # the parent's time limit for the test starts now
        outcome = execute(test)
        report = {"passed": outcome.passed, "output": outcome.output}
    tmp = result_path + ".tmp"
    with open(tmp, "w") as out:
        json.dump(report, out)
    os.replace(tmp, result_path)


if __name__ == "__main__":
    main(*sys.argv[1:5])

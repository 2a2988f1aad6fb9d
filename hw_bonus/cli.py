"""How MyTorch's command lines end: one line on stderr and a documented exit status.

Every expected failure of ``python -m hw_bonus.mlp_runner`` (``mytorch-train``) and of the
demos ends the same way, without a traceback:

====  =====================================================================================
0     done
1     an output could not be written: a folder that cannot be created or written to, a file
      where a folder should be (``--out FILE/sub``), a full disk
2     bad input: an option, a data file or a checkpoint refused (the line names the file and
      the field or row), a training run that diverged, or a network or batch too large for
      the memory (``--hidden 10000000000``)
130   interrupted (Ctrl-C)
141   stdout was closed before the output ended (``| head -1``); nothing more is written
====  =====================================================================================
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_BROKEN_PIPE",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_SUMMARY",
    "EXIT_WRITE_FAILED",
    "OutputError",
    "install_hint",
    "make_output_folder",
    "run_command",
]

EXIT_OK = 0
EXIT_WRITE_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a program killed by a closed pipe

EXIT_SUMMARY = (
    "exit status: 0 done, 1 an output could not be written, 2 bad input or a diverged run, "
    "130 interrupted, 141 stdout closed"
)
"""The table above in one line, for a command's ``--help``."""


class OutputError(OSError):
    """An output that cannot be written (exit 1) whatever the system's reason: a missing folder
    above ``--out /proc/x`` is no missing input (a ``FileNotFoundError`` is exit 2)."""


def make_output_folder(folder: Path) -> None:
    """Create ``folder`` (and its parents) for a command's outputs; a folder that cannot be made
    is an ``OutputError`` (exit 1, "cannot write"), also when the system says "No such file or
    directory" (``--out /proc/x``), which would otherwise read as a missing input (exit 2)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileNotFoundError as err:
        raise OutputError(err.errno, err.strerror, str(folder)) from None


def _say(prog: str, message: str) -> None:
    """One line on stderr (nothing if stderr itself is gone)."""
    try:
        print(f"{prog}: {message}", file=sys.stderr, flush=True)
    except OSError:
        pass


def _describe(err: Exception, unnamed: str) -> str:
    """``path: reason`` for an OSError from the system, e.g. ``runs/x/sub: Not a directory``
    (``unnamed: reason`` when it names no file, as stdout on a full disk); else the message."""
    if isinstance(err, OSError) and err.strerror:
        return f"{err.filename or unnamed}: {err.strerror}"
    return str(err)


def _abandon_stdout() -> None:
    """After a failed write to stdout, point it at /dev/null: the interpreter's own flush at
    exit would otherwise fail again and print a second message."""
    try:
        sys.stdout.flush()
    except OSError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def run_command(prog: str, body: Callable[[], Any], interrupted: Callable[[], str] | None = None) -> int:
    """Run ``body()`` and turn its expected failures into one stderr line and an exit status.

    Args:
        prog: the command's name, the first word of every line it prints on stderr.
        body: the command's work; ``FileNotFoundError``, ``ValueError`` and ``MemoryError``
            mean bad input, any other ``OSError`` an output that could not be written.
        interrupted: what to say after Ctrl-C (default: ``interrupted``).

    Returns:
        The exit status (see the module's table).
    """
    try:
        body()
        sys.stdout.flush()  # a closed pipe or a full disk shows here at the latest
    except BrokenPipeError:
        _abandon_stdout()
        _say(prog, "stdout was closed (broken pipe); stopped")
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        if sys.stdout.isatty():  # end a progress line drawn in place
            print(file=sys.stdout, flush=True)
        _say(prog, interrupted() if interrupted else "interrupted")
        return EXIT_INTERRUPTED
    except OutputError as err:
        _abandon_stdout()
        _say(prog, f"error: cannot write {_describe(err, 'output')}")
        return EXIT_WRITE_FAILED
    except (FileNotFoundError, ValueError) as err:
        _say(prog, f"error: {_describe(err, 'input')}")
        return EXIT_BAD_INPUT
    except MemoryError as err:  # NumPy's says what it could not allocate
        _say(prog, f"error: out of memory: {err or 'an allocation failed'}")
        return EXIT_BAD_INPUT
    except OSError as err:
        _abandon_stdout()
        _say(prog, f"error: cannot write {_describe(err, 'output')}")
        return EXIT_WRITE_FAILED
    return EXIT_OK


def install_hint(extra: str) -> str:
    """How to install the optional extra ``extra`` (``plot``), for this kind of installation:
    ``pip install -e '.[plot]'`` in a source checkout, ``pip install 'mytorch[plot]'`` otherwise."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "mytorch").is_dir():
        return f"pip install -e '.[{extra}]' in {checkout}"
    return f"pip install 'mytorch[{extra}]'"

"""A worker: the student-side half of one graded test, run on a hand-in, contained.

Started by the runner only (``isolation.run_worker``), as ``python -I worker.py CONFIG_FILE`` (JSON),
with its output going to a pipe the runner reads (never to the runner's own terminal) and
a second pipe for the result (``config["result_fd"]``, see ``protocol``). It imports NumPy and the student-side
functions of ``autograder.compute`` (never the references, the comparisons or the
reports), reads the test's inputs, contains itself (``jail.contain``) and says ``CONTAINED``, imports the
hand-in's ``mytorch``, says ``READY``, runs the function and sends back the arrays it returned, or the
text of the error it raised.
"""

import json
import os
import sys
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bootstrap import load_grader  # noqa: E402 - this folder is put on sys.path just above


def _student_function(config: dict):
    """The ``autograder.compute`` function the runner named (nothing else may be run)."""
    import importlib

    module = config["module"]
    if module != "autograder.compute" and not module.startswith("autograder.compute."):
        raise ValueError(f"worker: {module} is not a student-side module of autograder.compute")
    return getattr(importlib.import_module(module), config["function"])


def _computed(value: object) -> dict:
    """What the student-side function returned, as named numeric arrays."""
    import numpy as np

    if not isinstance(value, dict):
        raise TypeError(f"the test's student side returned a {type(value).__name__}, not a dict of arrays")
    return {str(key): np.asarray(array) for key, array in value.items()}


def _package_problem(folder: str) -> BaseException | None:
    """Import the hand-in's ``mytorch``: what its import raised, an ImportError when the
    ``mytorch`` that imports is not the hand-in's, or None.

    A package whose ``__init__`` fails fails every test, with its error. (Its submodules
    imported before the failure stay in ``sys.modules``: a test importing one of them again
    would run as if the package had imported.)
    """
    try:
        import mytorch
    except BaseException as error:  # noqa: BLE001 - any error of the hand-in's import
        return error
    origin = os.path.realpath(mytorch.__file__ or "")
    if not origin.startswith(os.path.realpath(folder) + os.sep):
        return ImportError(f"the test imported mytorch from {origin}, not from the hand-in")
    return None


def main(config: dict) -> None:
    """Run one test's student side as ``config`` says and write the result to its result pipe."""
    import ctypes
    import signal

    ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: end with the process that started it
    load_grader()
    import numpy as np

    from autograder import jail, protocol

    function = _student_function(config) if config["module"] else None
    with np.load(config["inputs"], allow_pickle=False) as data:
        inputs = {name: data[name] for name in data.files}
    result = os.fdopen(config["result_fd"], "wb", buffering=0)
    folder = jail.contain(config)
    result.write(protocol.CONTAINED)  # (before anything of the hand-in's runs: the runner may now read every process)
    if function is None:  # the runner's probe: containment works
        result.write(protocol.READY + protocol.frame(protocol.encode_arrays({})))
        os._exit(0)
    sys.path.insert(0, folder)
    problem = _package_problem(folder)
    result.write(protocol.READY)
    try:
        if problem is not None:
            raise problem
        payload = protocol.encode_arrays(_computed(function(inputs, **config["params"])))
    except BaseException as error:  # noqa: BLE001 - anything the student's code raises is a failed test
        text = "".join(traceback.format_exception(error)[-12:])
        payload = protocol.encode_arrays(protocol.error_text(text))
    for stream in (sys.stdout, sys.stderr):  # before the result: the runner stops reading once it has it
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001 - a stream the student's code closed or replaced
            pass
    result.write(protocol.frame(payload))
    result.close()
    os._exit(0)  # no exit handlers: nothing the student's code registered runs after the result


if __name__ == "__main__":
    # Stderr joins stdout, before anything of the hand-in's runs: under ``namespaces`` the stderr this process was
    # given is ``unshare``'s own, where the runner reads what the sandbox says (``isolation._sandbox_said``), such as
    # that the worker was killed by a signal; no process the hand-in starts holds it (until 2026-12-04 both went to
    # one pipe, and a hand-in that printed ``unshare``'s line and exited 1 was reported KILLED, not CRASH).
    os.dup2(1, 2)
    # The runner's file, read and closed before anything of the hand-in's runs (until 2026-12-04 it stayed open
    # through the test, on descriptor 3: the hand-in read the paths hidden from it, in every sandbox mode).
    with open(sys.argv[1]) as instructions:
        config = json.load(instructions)
    main(config)

"""Pin the process before NumPy loads: one BLAS thread, and glibc's malloc thresholds.

glibc hands large blocks out with ``mmap`` and returns freed memory to the system once enough
is free; both depend on the heap's history (the thresholds grow as blocks are freed), so an
implementation measured after another may page-fault on every step while the first did not.
Fixing ``MALLOC_MMAP_THRESHOLD_`` and ``MALLOC_TRIM_THRESHOLD_`` makes every implementation
allocate from the same, never-trimmed heap. glibc reads them only when a process starts, so
``pin_malloc`` re-executes the benchmark with them set.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
MALLOC_VARIABLES = {
    "MALLOC_MMAP_THRESHOLD_": str(32 * 2**20),  # glibc's largest allowed value: blocks up to 32 MiB from the heap
    "MALLOC_TRIM_THRESHOLD_": str(2**30),  # never give freed memory back during a run
}


def pin_blas_threads() -> bool:
    """Ask every BLAS for a single thread; True if NumPy was not loaded yet (the pin holds)."""
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    return "numpy" not in sys.modules


def malloc_pinned() -> bool:
    """Whether this process started with the malloc thresholds of ``MALLOC_VARIABLES``."""
    return all(os.environ.get(name) == value for name, value in MALLOC_VARIABLES.items())


def pin_malloc(command: Sequence[str]) -> None:
    """Re-execute ``python *command *arguments`` with the malloc thresholds set, unless this
    process already has them (then return). ``command`` is ``["-m", "bench"]`` or a script."""
    if malloc_pinned():
        return
    os.environ.update(MALLOC_VARIABLES)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    sys.stdout.flush()
    os.execv(sys.executable, [sys.executable, *command, *sys.argv[1:]])

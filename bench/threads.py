"""Pin the BLAS to one thread: must run before NumPy (or PyTorch) is first imported."""

from __future__ import annotations

import os
import sys

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def pin_blas_threads() -> bool:
    """Ask every BLAS for a single thread; True if NumPy was not loaded yet (the pin holds)."""
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"
    return "numpy" not in sys.modules

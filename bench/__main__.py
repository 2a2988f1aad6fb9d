"""``python -m bench [--quick]``: run the benchmarks and write ``bench/results.md``."""

import sys

from bench.threads import pin_blas_threads, pin_malloc

pin_malloc(["-m", "bench"])  # re-executes with glibc's thresholds fixed (see bench.threads)
PINNED = pin_blas_threads()

from bench.cli import main  # noqa: E402  (NumPy must load after the thread pin)

sys.exit(main(blas_pinned=PINNED))

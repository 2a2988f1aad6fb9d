"""``python -m bench [--quick]``: run the benchmarks and write ``bench/results.md``."""

import sys

from bench.threads import pin_blas_threads

PINNED = pin_blas_threads()

from bench.cli import main  # noqa: E402  (NumPy must load after the thread pin)

sys.exit(main(blas_pinned=PINNED))

"""``python bench/run.py [--quick]``: the same as ``python -m bench``, as a script."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.threads import pin_blas_threads, pin_malloc  # noqa: E402

if __name__ == "__main__":
    pin_malloc([str(Path(__file__).resolve())])

PINNED = pin_blas_threads()

from bench.cli import main  # noqa: E402  (NumPy must load after the thread pin)

if __name__ == "__main__":
    sys.exit(main(blas_pinned=PINNED))

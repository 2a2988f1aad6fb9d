"""``python -m bench [--quick]`` (or ``mytorch-bench``): run the benchmarks, write ``bench/results.md``."""

import sys


def main() -> int:
    """Pin BLAS to one thread, then run the benchmark command line (NumPy loads after the pin)."""
    from bench.threads import pin_blas_threads

    pinned = pin_blas_threads()
    from bench.cli import main as run

    return run(blas_pinned=pinned)


if __name__ == "__main__":
    sys.exit(main())

"""``python -m bench [--quick]`` from a checkout: run the benchmarks, write ``bench/results.md``."""

import sys


def main() -> int:
    """Pin glibc's malloc thresholds (by re-executing) and BLAS to one thread, then run the
    benchmark command line; NumPy loads only after both pins."""
    from bench.threads import pin_blas_threads, pin_malloc

    pin_malloc(["-m", "bench"])  # re-executes with glibc's thresholds fixed (see bench.threads)
    pinned = pin_blas_threads()
    from bench.cli import main as run

    return run(blas_pinned=pinned)


if __name__ == "__main__":
    sys.exit(main())

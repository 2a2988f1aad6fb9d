"""Time training steps against hand-written NumPy: every case in float64 and float32, peak memory on the wide
case, the long chain (docs/performance.md says how it measures)."""

from __future__ import annotations

import argparse
import dataclasses
import gc
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bench import report
from bench.problems import CONFIGS, make_problem
from bench.timing import Budget, measure, page_faults, peak_memory
from bench.trainers import DESCRIPTIONS, IMPLEMENTATIONS, build_all, check_gradients

RESULTS = Path(__file__).resolve().parent / "results.md"
QUICK_RESULTS = RESULTS.with_name("results-quick.md")  # not committed: a quick run never replaces results.md
BUDGETS = {
    "quick": Budget(seconds=0.8, warmup=2, min_steps=5, max_steps=1000),
    "full": Budget(seconds=8.0, warmup=5, min_steps=30, max_steps=20000),
}
LONG_CHAIN_FRONT_ENDS = ("numpy", "tensor", "tape")


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short budgets: the whole run in under two minutes")
    parser.add_argument(
        "--cases",
        nargs="+",
        choices=list(CONFIGS),
        default=list(CONFIGS),
        metavar="CASE",
        help=f"cases to run (default: all of {', '.join(CONFIGS)})",
    )
    parser.add_argument(
        "--impls",
        nargs="+",
        choices=list(IMPLEMENTATIONS),
        default=list(IMPLEMENTATIONS),
        metavar="IMPL",
        help=f"implementations (default: all of {', '.join(IMPLEMENTATIONS)})",
    )
    parser.add_argument(
        "--dtypes",
        nargs="+",
        choices=["float64", "float32"],
        default=["float64", "float32"],
        help="dtypes to time (default: both)",
    )
    parser.add_argument(
        "--long-chain",
        type=int,
        default=None,
        metavar="N",
        help="ops in the long chain timed against the 10,000-op one (default 1,000,000; 200,000 with --quick; 0: skip)",
    )
    parser.add_argument(
        "--branches",
        type=int,
        default=None,
        metavar="N",
        help="terms of the sum of branch results timed on the Tensor front-end (default 8,000; "
        "2,000 with --quick; 0: skip)",
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory measurement on wide")
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="where to write the Markdown results (default bench/results.md; bench/results-quick.md with --quick)",
    )
    parser.add_argument("--no-write", action="store_true", help="print only; do not write the results file")
    args = parser.parse_args(argv)
    if args.output is None:
        args.output = QUICK_RESULTS if args.quick else RESULTS
    if "numpy" not in args.impls:
        args.impls.insert(0, "numpy")
    if args.long_chain is None:
        args.long_chain = 200_000 if args.quick else 1_000_000
    if args.branches is None:
        args.branches = 2_000 if args.quick else 8_000
    return args


def run_case(name: str, dtype: str, impls: list[str], budget: Budget) -> report.Row:
    """Build, gradient-check and time every implementation on one case."""
    problem = make_problem(CONFIGS[name], np.dtype(dtype))
    trainers, skipped = build_all(problem, impls)
    check_gradients(trainers)
    return report.Row(problem.config, dtype, measure(trainers, budget), skipped)


def memory_lines(impls: list[str]) -> list[str]:
    """Peak memory of one ``wide`` float64 step per implementation, against NumPy's; and the
    page faults per step on ``mnist`` and ``wide``."""
    problem = make_problem(CONFIGS["wide"], np.float64)
    peaks = {}
    for name in impls:
        if name == "torch":
            continue
        try:
            peak = peak_memory(IMPLEMENTATIONS[name], problem)
        except ImportError:
            continue
        if peak is not None:
            peaks[name] = peak
        gc.collect()
    base = peaks["numpy"]
    cells = [f"{name} {peak / 2**20:.1f} MiB ({peak / base:.2f}×)" for name, peak in peaks.items()]
    faults = []
    for case in ("mnist", "wide"):
        trainers, _ = build_all(make_problem(CONFIGS[case], np.float64), impls)
        faults.append(f"{case}: " + ", ".join(f"{name} {page_faults(t):.0f}" for name, t in trainers.items()))
        del trainers
        gc.collect()
    return [
        "Peak memory of one `wide` float64 step (tracemalloc: the arrays NumPy allocates, parameters "
        "and gradients included; PyTorch's own allocator is not visible to it; target ≤ 1.15× NumPy):",
        "",
        ", ".join(cells),
        "",
        "Minor page faults per step, float64 (memory freshly mapped by the kernel: glibc returns large "
        "freed blocks to the system unless its threshold has grown):",
        "",
        *(f"- {line}" for line in faults),
    ]


def long_chain_lines(n: int, short: report.Row | None, impls: list[str]) -> list[str]:
    """Time per op of one step of an ``n``-op chain against the 10,000-op chain's median."""
    config = dataclasses.replace(CONFIGS["chain"], name=f"chain-{n}", chain_ops=n)
    problem = make_problem(config, np.float64)
    cells = []
    for name in (i for i in LONG_CHAIN_FRONT_ENDS if i in impls):
        trainers, _ = build_all(problem, [name])
        if name not in trainers:
            continue
        start = time.process_time()
        trainers[name].step()
        per_op = (time.process_time() - start) / n * 1e6
        del trainers
        gc.collect()
        cells.append((name, per_op))
    base = dict(cells).get("numpy")
    text = [
        f"{name} {per_op:.2f} µs/op" + (f" (+{per_op - base:.2f})" if base is not None and name != "numpy" else "")
        for name, per_op in cells
    ]
    if short is not None:
        text = [
            t
            + (
                f", {per_op / (short.seconds[name] / short.config.chain_ops * 1e6):.2f}× the 10,000-op chain's"
                if name in short.seconds
                else ""
            )
            for t, (name, per_op) in zip(text, cells)
        ]
    return [
        f"One step of a {n:,}-op chain, float64, garbage collector on (target: the Tensor front-end within "
        "+3 µs per op of NumPy):",
        "",
        "; ".join(text),
    ]


_BRANCH_SUM = """
import gc, statistics, sys, time
import numpy as np
from mytorch import Tensor
n, repeats = int(sys.argv[1]), int(sys.argv[2])
times = []
for _ in range(repeats):
    leaves = [Tensor(np.array([0.5 + 1e-4 * i]), requires_grad=True) for i in range(n)]
    gc.collect()
    start = time.process_time()
    sum([leaf.sin() for leaf in leaves]).backward()
    times.append((time.process_time() - start) / n * 1e6)
print(statistics.median(times), min(times), max(times))
"""


def branch_sum_lines(n: int, repeats: int = 3) -> list[str]:
    """``sum([leaf.sin() for leaf in leaves])`` and its backward on ``n`` separate leaves: every
    term starts a graph of its own, and the sum merges them one by one. Measured in a fresh
    process of MyTorch alone (the median of ``repeats`` runs, each after a full collection):
    in the benchmark's own process the collections this case triggers also walk every object
    of the peers (with PyTorch imported it took about 75 % longer)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)}
    done = subprocess.run([sys.executable, "-c", _BRANCH_SUM, str(n), str(repeats)], env=env,
                          capture_output=True, text=True, check=True)  # fmt: skip
    median, low, high = (float(v) for v in done.stdout.split())
    return [
        f"`sum` of {n:,} branch results (`leaf.sin()` of separate leaves) and its backward, Tensor front-end, "
        f"in a process of MyTorch alone: {median:.1f} µs per branch, the median of {repeats} runs "
        f"({low:.1f}–{high:.1f}; target ≤ 20)."
    ]


def _write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


MISSES = Path(__file__).with_name("misses.md")
"""Why the targets a run misses are missed: written by hand, copied into every results file."""


def main(argv: list[str] | None = None, blas_pinned: bool = True) -> int:
    """Run the benchmark; print the tables and write them to ``--output``."""
    args = _parse(argv)
    mode = "quick" if args.quick else "full"
    started = time.perf_counter()
    head = ["# MyTorch benchmarks", "", *report.machine()]
    if not blas_pinned:
        head.append("- warning: NumPy was imported before the BLAS could be pinned to one thread")
    print("\n".join(head), flush=True)
    rows = []
    for name in args.cases:
        for dtype in args.dtypes:
            rows.append(run_case(name, dtype, args.impls, BUDGETS[mode]))
            print(report.table(rows[-1:], args.impls)[-1], flush=True)
    lines = [
        *head,
        f"- mode: {mode} (`python -m bench{' --quick' if args.quick else ''}`)",
        "",
        "Median time of one training step (forward, loss, backward, SGD update); in parentheses its "
        "ratio to hand-written NumPy: the median over rounds of the ratio within each round (the "
        "implementations take turns in one process). For the chain: µs per op, and µs per op above NumPy.",
        "",
        *report.table(rows, args.impls),
        "",
        *report.pairs(rows, "replay", "numpy-reuse", "Replay / hand-written NumPy with buffers (numpy-reuse)"),
        "",
        *report.pairs(rows, "tensor", "mytorch", "Tensor / modules (target ≤ 1.2×)"),
        "",
        *report.pairs(rows, "nn", "mytorch", "nn + optim / modules (target ≤ 1.3×)"),
        "",
    ]
    if not args.no_memory and "wide" in args.cases:
        lines += [*memory_lines(args.impls), ""]
    if args.long_chain:
        short = next((r for r in rows if r.config.is_chain and r.dtype == "float64"), None)
        lines += [*long_chain_lines(args.long_chain, short, args.impls), ""]
    if args.branches and "tensor" in args.impls:
        lines += [*branch_sum_lines(args.branches), ""]
    if MISSES.exists():  # the why of each missed target, kept by hand beside the code
        lines += [MISSES.read_text(encoding="utf-8").rstrip(), ""]
    skipped = sorted({f"{name}: {why}" for row in rows for name, why in row.skipped.items() if why != "not applicable"})
    lines += ["Implementations:", "", *(f"- `{n}`: {DESCRIPTIONS[n]}" for n in args.impls)]
    lines += [f"- skipped: {s}" for s in skipped]
    lines += ["", f"Total run time: {time.perf_counter() - started:.0f} s."]
    text = "\n".join(lines) + "\n"
    print("\n".join(lines[len(head) :]))
    if not args.no_write:
        _write(args.output, text)
    return 0

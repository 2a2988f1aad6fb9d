"""The machine description and the Markdown tables the benchmark prints and writes."""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
from dataclasses import dataclass, field

import numpy as np

from bench.problems import Config
from bench.threads import MALLOC_VARIABLES, malloc_pinned
from bench.timing import Timing

MYTORCH_FRONT_ENDS = ("mytorch", "replay", "tensor", "tape")


@dataclass
class Row:
    """One case in one dtype: the timings by implementation, and skip reasons."""

    config: Config
    dtype: str
    timings: dict[str, Timing] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def seconds(self) -> dict[str, float]:
        """Median seconds per step by implementation."""
        return {name: t.seconds for name, t in self.timings.items()}

    def ratio(self, name: str, base: str = "numpy") -> float:
        """``name``'s time over ``base``'s: the median of the per-round ratios."""
        return self.timings[name].ratio_to(self.timings[base])


def machine() -> list[str]:
    """CPU, cores and versions, one ``- key: value`` line each."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    versions = [f"Python {platform.python_version()}", f"NumPy {np.__version__}"]
    for package, label in (("torch", "PyTorch"), ("autograd", "HIPS autograd")):
        try:
            versions.append(f"{label} {importlib.metadata.version(package)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{label} not installed")
    blas = np.__config__.CONFIG.get("Build Dependencies", {}).get("blas", {})
    threads = ", ".join(f"{v}={os.environ.get(v, 'unset')}" for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"))
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores ({platform.system()} {platform.release()})",
        f"- versions: {', '.join(versions)}",
        f"- BLAS: {blas.get('name', 'unknown')} {blas.get('version', '')}".rstrip() + f" ({threads})",
        f"- malloc: {_malloc()}",
        f"- run: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
    ]


def _malloc() -> str:
    values = ", ".join(f"{v}={os.environ.get(v, 'unset')}" for v in MALLOC_VARIABLES)
    if malloc_pinned():
        return f"{values} (set at start-up, for every implementation alike)"
    return f"{values} (not pinned: this run was started in-process; see the page faults below)"


def _duration(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def _per_op(row: Row, name: str) -> float:
    return row.seconds[name] / row.config.chain_ops * 1e6


def _cell(row: Row, name: str) -> str:
    if name not in row.timings:
        return "—"
    has_base = "numpy" in row.timings and name != "numpy"
    if row.config.is_chain:
        text = f"{_per_op(row, name):.2f} µs/op"
        return f"{text} (+{_per_op(row, name) - _per_op(row, 'numpy'):.2f})" if has_base else text
    text = _duration(row.seconds[name])
    return f"{text} ({row.ratio(name):.2f}×)" if has_base else text


def _judge(row: Row, name: str, target: float) -> str:
    if row.config.is_chain:
        value = _per_op(row, name) - _per_op(row, "numpy")
        goal, got = f"≤ +{target:g} µs/op", f"+{value:.2f}"
    else:
        value = row.ratio(name)
        goal, got = f"≤ {target:g}×", f"{value:.2f}×"
    return f"{name} {goal}: {'met' if value <= target else 'MISSED'} ({got})"


def verdict(row: Row) -> str:
    """``mytorch ≤ 1.5×: met (1.31×); replay ≤ 0.95×: MISSED (1.02×)``: the row's targets.

    The dynamic target is judged on the modules (for a chain, the Tensor front-end), the
    replay target on the replay.
    """
    if "numpy" not in row.timings:
        return "—"
    dynamic = next((n for n in (("tensor", "tape") if row.config.is_chain else ("mytorch",)) if n in row.timings), None)
    parts = [_judge(row, dynamic, row.config.target)] if dynamic else []
    if "replay" in row.timings and row.config.replay_target:
        parts.append(_judge(row, "replay", row.config.replay_target))
    return "; ".join(parts) or "—"


def table(rows: list[Row], names: list[str]) -> list[str]:
    """The main table: median time per step, median per-round ratio to NumPy in parentheses."""
    lines = [
        "| case | dtype | " + " | ".join(names) + " | target |",
        "|---|---|" + "---|" * len(names) + "---|",
    ]
    for row in rows:
        cells = [_cell(row, name) for name in names]
        lines.append(f"| {row.config.name} | {row.dtype} | " + " | ".join(cells) + f" | {verdict(row)} |")
    return lines


def pairs(rows: list[Row], name: str, base: str, label: str) -> list[str]:
    """``name``'s time over ``base``'s (median of per-round ratios), per network case."""
    parts = [
        f"{row.config.name}/{row.dtype} {row.ratio(name, base):.2f}×"
        for row in rows
        if name in row.timings and base in row.timings
    ]
    return [f"{label}: {', '.join(parts) or 'not measured'}"]

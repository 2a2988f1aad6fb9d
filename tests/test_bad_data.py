"""Bad data through the user-facing paths: refused with a message naming what and where, never
turned into a silently wrong number (a loss, an accuracy, a checkpoint)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import numpy as np
import pytest

import mytorch
import mytorch.nn as nn
from hw_bonus.checkpoint import save_checkpoint
from hw_bonus.datasets import MNIST_FILES, load_dataset
from hw_bonus.demos import custom_op, lab_trace
from hw_bonus.metrics import write_metrics
from hw_bonus.mlp import MLP, evaluate, get_training_stats, one_hot, train_epoch
from hw_bonus.mlp_runner import main
from hw_bonus.npz import load_npz, save_npz
from mytorch import Autograd
from mytorch.nn.modules import BCELoss

P = np.array([[0.2, 0.7], [0.5, 0.9]])


# ---------------------------------------------------------------------------- the runner
def test_a_run_whose_last_update_diverges_prints_no_accuracy_and_writes_nothing(tmp_path, capsys):
    # One batch per epoch: the training loss (measured before the update) is finite, the
    # update sends the weights to inf, so the validation loss is NaN. The run used to print
    # "test accuracy 75.00%" (argmax of NaN rows), exit 0 and save a NaN checkpoint.
    argv = ["--dataset", "and", "--lr", "1e300", "--epochs", "1", "--out", str(tmp_path), "--no-plots"]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "training diverged in epoch 1" in captured.err and "validation loss nan" in captured.err
    assert "test accuracy" not in captured.out
    assert not (tmp_path / "checkpoint.npz").exists() and not (tmp_path / "metrics.json").exists()


# ---------------------------------------------------------------------------- losses
@pytest.mark.parametrize("bad", [2.0, -1.0, np.nan])
def test_bce_targets_outside_0_1_are_refused_at_every_level(bad):
    y = np.array([[0.0, 1.0], [bad, 0.0]])
    with pytest.raises(ValueError, match=r"BCELoss: the targets y must be probabilities in \[0, 1\]"):
        BCELoss(Autograd())(y, P)
    for reduction in ("mean", "sum", "none"):
        with pytest.raises(ValueError, match=r"F.binary_cross_entropy: the targets must be probabilities"):
            nn.BCELoss(reduction=reduction)(mytorch.tensor(P), mytorch.tensor(y))


def test_bce_targets_inside_0_1_agree_with_pytorch():
    torch = pytest.importorskip("torch")
    y = np.array([[0.0, 1.0], [0.25, 1.0]])
    for reduction in ("mean", "sum", "none"):
        ours = nn.BCELoss(reduction=reduction)(mytorch.tensor(P), mytorch.tensor(y)).numpy()
        theirs = torch.nn.BCELoss(reduction=reduction)(torch.tensor(P), torch.tensor(y)).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    np.testing.assert_allclose(BCELoss(Autograd())(y, P), [theirs.mean()], rtol=1e-12)


def test_bce_with_reduction_none_refuses_predictions_outside_0_1():
    # reduction="mean" went through the kernel's check; "none" and "sum" gave NaN with a warning
    with pytest.raises(ValueError, match=r"F.binary_cross_entropy: the predictions must be .*with_logits"):
        nn.BCELoss(reduction="none")(mytorch.tensor(P + 1.0), mytorch.tensor(P))


@pytest.mark.parametrize("loss", [nn.MSELoss, nn.BCELoss, nn.BCEWithLogitsLoss])
@pytest.mark.parametrize("target", [np.full((2, 2), "a"), np.ones((2, 2), dtype=object)])
def test_an_elementwise_loss_refuses_a_target_that_is_not_numbers(loss, target):
    with pytest.raises(TypeError, match=r"target must hold numbers, got dtype (<U1|object)"):
        loss()(mytorch.tensor(P), target)


# ---------------------------------------------------------------------------- the course MNIST files
def course_mnist(folder: Path, **changes: np.ndarray) -> Path:
    """A small course MNIST (0..255 pixels, 6 rows a split) with some files replaced."""
    rng = np.random.default_rng(0)
    for name in MNIST_FILES:
        data = rng.integers(0, 256, (6, 784)).astype(np.uint8) if "_data" in name else np.arange(6) % 10
        np.save(folder / name, changes.get(name.removesuffix(".npy"), data))
    return folder


def test_a_split_on_the_0_1_scale_beside_0_255_ones_is_refused(tmp_path):
    # It was divided by 255 with the others: every validation pixel nearly 0, a wrong accuracy.
    val = np.random.default_rng(1).uniform(0.0, 1.0, (6, 784))
    with pytest.raises(ValueError, match=r"val_data\.npy: pixels from .* \(the 0\.\.1 scale\), but train_data\.npy"):
        load_dataset("mnist", course_mnist(tmp_path, val_data=val))
    all_fractions = {f"{s}_data": val for s in ("train", "val", "test")}
    data = load_dataset("mnist", course_mnist(tmp_path, **all_fractions), dtype=np.float64)
    np.testing.assert_allclose(data.val[0], (val - val.mean()) / val.std())  # one scale: not divided


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"val_data": np.zeros((6, 100), np.uint8)},
            r"val_data\.npy: 100 features per row, but train_data\.npy has 784",
        ),
        ({"train_data": np.arange(6.0)}, r"train_data\.npy: need rows \(N, features\) .* got shape \(6,\)"),
        ({"test_data": np.zeros((6, 0))}, r"test_data\.npy: need rows .* got shape \(6, 0\)"),
    ],
    ids=["other width", "1-D", "no columns"],
)
def test_features_of_the_wrong_shape_are_refused_naming_the_file(tmp_path, change, message):
    with pytest.raises(ValueError, match=message):
        load_dataset("mnist", course_mnist(tmp_path, **change))


def test_an_npz_archive_named_npy_is_refused_naming_the_file(tmp_path):
    course_mnist(tmp_path)
    with open(tmp_path / "train_data.npy", "wb") as f:
        np.savez(f, x=np.zeros(3))
    with pytest.raises(ValueError, match=r"train_data\.npy: a \.npz archive, not a \.npy file"):
        load_dataset("mnist", tmp_path)


def test_features_too_large_to_standardise_are_refused(tmp_path):
    huge = np.full((6, 784), 1e308)
    huge[0, 0] = 9e307  # (rows that differ: six identical images are refused for that)
    with pytest.raises(ValueError, match="mnist: the training features are too large to standardise"):
        load_dataset("mnist", course_mnist(tmp_path, train_data=huge))


def test_a_data_dir_is_refused_where_it_would_be_ignored_and_named_where_it_is_read(tmp_path):
    with pytest.raises(ValueError, match="disc is generated, not read from files"):
        load_dataset("disc", tmp_path)
    with pytest.raises(FileNotFoundError, match=r"mnist_5k\.npz: missing \(a data_dir for mnist-5k is a folder"):
        load_dataset("mnist-5k", tmp_path)


# ---------------------------------------------------------------------------- files that are folders
def test_a_folder_where_a_file_should_be_is_named_before_training(tmp_path, capsys):
    (tmp_path / "checkpoint.npz").mkdir()
    with pytest.raises(ValueError, match=r"checkpoint\.npz: a folder, not a \.npz file"):
        load_npz(tmp_path / "checkpoint.npz")  # it said "no such file"
    with pytest.raises(IsADirectoryError, match=r"checkpoint\.npz"):
        save_npz(tmp_path / "checkpoint.npz", {"x": np.zeros(1)})  # it named its temporary file
    assert main(["--dataset", "and", "--out", str(tmp_path), "--no-plots", "--resume"]) == 2
    assert "checkpoint.npz: a folder, not a .npz file" in capsys.readouterr().err
    assert main(["--dataset", "and", "--out", str(tmp_path), "--no-plots"]) == 1
    captured = capsys.readouterr()
    assert f"cannot write {tmp_path / 'checkpoint.npz'}: a folder where the run writes a file" in captured.err
    assert "epoch 1/" not in captured.out  # refused before training, not after it
    assert not list(tmp_path.glob(".*.tmp"))


# ---------------------------------------------------------------------------- train_epoch and evaluate
def mlp(dtype=np.float32, replay=False, criterion="cross_entropy"):
    return MLP(4, 3, [5], ["relu", "identity"], criterion, 0.1, Autograd(), dtype=dtype, seed=0, replay=replay)


X = np.random.default_rng(0).standard_normal((8, 4))
Y = np.arange(8) % 3


@pytest.mark.parametrize("replay", [False, True])
def test_data_of_another_dtype_trains_in_the_networks_dtype(replay):
    # float64 data into a float32 network: the dynamic step computed in float64, the replayed
    # one stopped with NumPy's "output array is not acceptable"
    reference = mlp(replay=replay)
    expected = train_epoch(reference, X.astype(np.float32), Y, 4)
    for data in (X, X.astype(np.float16).astype(np.float32)):
        net = mlp(replay=replay)
        got = train_epoch(net, data, Y, 4)
        assert net.output.dtype == np.float32
        if data is X:
            assert got == expected
    assert train_epoch(mlp(replay=replay), (X > 0).astype(np.int8), Y, 4)[1] <= 1.0


def test_load_dataset_refuses_an_integer_dtype_which_cut_the_inputs_to_whole_numbers():
    with pytest.raises(TypeError, match="load_dataset: dtype must be a floating-point type, got int64"):
        load_dataset("and", dtype=np.int64)


def test_a_float32_network_stays_float32_whatever_the_dtype_of_its_data():
    # float64 data into MLP.forward, or uint8 pixels into a first layer of its own, made the
    # forward (and the gradients below a float64 loss) float64 with no word said
    net = mlp()
    assert net.forward(X).dtype == np.float32
    assert net.forward((X > 0).astype(np.uint8)).dtype == np.float32
    engine = Autograd()
    first = mytorch.nn.modules.Linear(4, 3, engine, dtype=np.float32, input_grad=False, rng=0)
    pixels = np.arange(8, dtype=np.uint8).reshape(2, 4)
    out = first(pixels)
    loss = mytorch.nn.modules.MSELoss(engine)(np.ones((2, 3), np.float32), out)
    engine.backward(1.0, output=loss)
    assert out.dtype == loss.dtype == first.dW.dtype == np.float32
    np.testing.assert_array_equal(out, pixels.astype(np.float32) @ first.W.T + first.b)
    np.testing.assert_array_equal(first(pixels.astype(np.float16)), out)  # cast, exactly
    with pytest.raises(TypeError, match="the input is float16 but the layer's parameters are float32"):
        mytorch.nn.modules.Linear(4, 3, engine, dtype=np.float32)(pixels.astype(np.float16))  # its gradient: float32


def test_a_complex_divergence_is_refused_not_cut_to_its_real_part():
    engine = Autograd()
    layer = mytorch.nn.modules.Linear(4, 3, engine, rng=0)
    out = layer(X)
    with pytest.raises(TypeError, match=r"divergence must be integers or floats, got a ndarray of dtype complex128"):
        engine.backward(np.ones((8, 3), complex), output=out)
    assert not layer.dW.any()


@pytest.mark.parametrize(
    ("value", "error", "message"),
    [(np.full((5, 4), "x"), TypeError, "W.0 must hold real numbers, got dtype <U1"),
     (np.ones((5, 4), complex), TypeError, "W.0 must hold real numbers, got dtype complex128"),
     (np.full((5, 4), np.nan), ValueError, "W.0 holds NaN or infinite values"),
     (np.full((5, 4), 1e300), ValueError, "W.0 holds 1e+300, beyond float32's range (it would be inf)"),
     (np.full((5, 4), 2**200), TypeError, "W.0 must hold real numbers, got dtype object")],
    ids=["strings", "complex", "nan", "float32 overflow", "huge ints"],
)  # fmt: skip
def test_mlp_load_state_dict_refuses_weights_that_are_not_finite_numbers_changing_nothing(value, error, message):
    # strings raised NumPy's conversion error after the optimizer's state had been loaded;
    # complex weights lost their imaginary part with a warning; NaN weights went in; float64
    # weights beyond float32's range passed the NaN check and went in as inf
    net = MLP(4, 3, [5], ["relu", "identity"], "cross_entropy", 0.1, Autograd(), 0.9, seed=0, dtype=np.float32)
    before = net.state_dict()
    state = {k: v + 1 if k.startswith("optim.velocity") else v for k, v in before.items()}
    with pytest.raises(error, match=re.escape(f"MLP.load_state_dict: {message}")):
        net.load_state_dict({**state, "W.0": value})
    for key, array in net.state_dict().items():
        np.testing.assert_array_equal(array, before[key])


@pytest.mark.parametrize(
    ("x", "y", "error", "message"),
    [
        (X[:0], Y[:0], ValueError, r"no examples"),  # ZeroDivisionError before
        (np.where(np.arange(8)[:, None] == 3, np.nan, X), Y, ValueError, r"example 3 has a NaN or infinite input"),
        (X, np.where(np.eye(3)[Y] == 1, np.inf, 0.0), ValueError, r"example 0 has a NaN or infinite target"),
        (X.astype(object), Y, TypeError, r"inputs and labels must be numbers, got dtypes object and int64"),
        (X, np.zeros((8, 3)), ValueError, r"the target row of example 0 is \[0\.0, 0\.0, 0\.0\]"),
        (X, 2 * np.eye(3)[Y], ValueError, r"the target row of example 0 is \[2\.0, 0\.0, 0\.0\]"),
    ],
    ids=["empty", "nan input", "inf target", "object", "zero row", "row sums to 2"],
)
def test_bad_data_sets_are_refused_by_train_epoch_and_evaluate(x, y, error, message):
    with pytest.raises(error, match="train_epoch: " + message):
        train_epoch(mlp(), x, y, 4)
    with pytest.raises(error, match="evaluate: " + message):
        evaluate(mlp(), x, y)


def test_soft_targets_and_non_probability_targets_of_other_losses_still_train():
    soft = np.full((8, 3), 1 / 3)
    assert np.isfinite(train_epoch(mlp(), X, soft, 4)[0])
    assert np.isfinite(train_epoch(mlp(criterion="mse"), X, 5.0 * np.eye(3)[Y], 4)[0])


def test_a_batch_size_that_is_not_a_whole_number_is_a_type_error():
    with pytest.raises(TypeError, match=r"train_epoch: batch_size must be a whole number, got 2\.5"):
        train_epoch(mlp(), X, Y, 2.5)


# ---------------------------------------------------------------------------- checkpoints
@pytest.fixture(scope="module")
def checkpoint_arrays(tmp_path_factory) -> dict[str, np.ndarray]:
    out = tmp_path_factory.mktemp("run")
    assert main(["--dataset", "and", "--epochs", "2", "--out", str(out), "--no-plots", "--quiet"]) == 0
    return load_npz(out / "checkpoint.npz")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"W.5": np.zeros((3, 3))}, r"array\(s\) W\.5 belong to no part of this network"),
        ({"optim.extra": np.zeros(2)}, r"array\(s\) optim\.extra belong to no part"),
        ({"W.0": np.ones((4, 2), dtype=np.int64)}, r"array 'W\.0' holds int64; this network's is float32"),
        ({"rng": np.full(6, 0.5)}, r"expected 6 uint64 state words, got float64 of shape \(6,\)"),
        ({"rng": np.full(6, -1)}, r"expected 6 uint64 state words, got int64"),  # OverflowError traceback before
        ({"rng": np.array([1, 2, 3, 5, 7, 0], dtype=np.uint64)}, r"words 4 and 5 are 7 and 0, not a flag"),
    ],
    ids=["unknown layer", "unknown optimizer array", "integer weights", "float rng", "negative rng", "bad flag"],
)
def test_a_checkpoint_with_arrays_a_run_never_writes_is_refused(tmp_path, capsys, checkpoint_arrays, change, message):
    # each was accepted: extra arrays ignored, integer weights cast, float rng words cast to
    # another state (another shuffling order after the resume)
    save_npz(tmp_path / "checkpoint.npz", {**checkpoint_arrays, **change})
    assert main(["--dataset", "and", "--epochs", "3", "--out", str(tmp_path), "--no-plots", "--resume"]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path / "checkpoint.npz") in err and len(err.splitlines()) == 1
    assert re.search(message, err), err


def test_a_network_too_large_for_the_memory_is_one_line_not_a_traceback(tmp_path, capsys):
    # 10^13 hidden units: NumPy cannot allocate 146 TiB (more than any address space), at once
    argv = ["--dataset", "and", "--hidden", "10000000000000", "--out", str(tmp_path), "--no-plots"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "error: out of memory: Unable to allocate" in err and len(err.splitlines()) == 1


def test_the_splits_of_a_data_set_share_no_memory():
    # the AND gate's three splits were one label array: relabelling the training split in
    # place relabelled the test split too
    data = load_dataset("and")
    data.train[1][:] = 1
    assert data.test[1].tolist() == [0, 0, 0, 1]
    arrays = [a for split in (data.train, data.val, data.test) for a in split]
    assert not any(np.shares_memory(a, b) for i, a in enumerate(arrays) for b in arrays[i + 1 :])


@pytest.mark.parametrize("dtype", [np.int64, bool])
def test_cross_entropy_names_the_dtype_of_integer_one_hot_rows(dtype):
    # it said "must be ... probabilities of shape (4, 3), got shape (4, 3)"
    rows = np.eye(3, dtype=dtype)[[0, 1, 2, 0]]
    with pytest.raises(TypeError, match=rf"must be floating point, got {np.dtype(dtype)}; give class labels of shape"):
        nn.CrossEntropyLoss()(mytorch.tensor(np.zeros((4, 3))), rows)


@pytest.mark.parametrize("batch_size", [-1, 0])
def test_evaluate_refuses_a_batch_size_that_measures_nothing(batch_size):
    # -1 measured no batch and reported (loss 0.0, error 0.0): a perfect score for any network
    with pytest.raises(ValueError, match=rf"evaluate: batch_size must be positive, got {batch_size}"):
        evaluate(mlp(), X, Y, batch_size)


def test_get_training_stats_and_one_hot_name_their_bad_arguments():
    with pytest.raises(TypeError, match=r"get_training_stats: nepochs must be a whole number, got 2\.5"):
        get_training_stats(mlp(), [(X, Y), (X, Y)], 2.5)
    with pytest.raises(ValueError, match=r"dset must be \(train, val, \.\.\.\), each \(x, labels\), got 1 part"):
        get_training_stats(mlp(), [(X, Y)], 1)
    for n_classes in (0, -1):
        with pytest.raises(ValueError, match=rf"one_hot: n_classes must be a whole number >= 1, got {n_classes}"):
            one_hot(Y, n_classes)


def test_cross_entropy_over_one_output_is_refused_it_cannot_train():
    # the softmax of one logit is 1: the loss is 0 for every weight, and nothing trained, silently
    with pytest.raises(ValueError, match=r"MLP: cross-entropy over 1 output is always 0.*'bce_with_logits'"):
        MLP(4, 1, [5], ["relu", "identity"], "cross_entropy", 0.1, Autograd())
    net = MLP(4, 1, [5], ["relu", "identity"], "bce_with_logits", 0.1, Autograd(), seed=0)
    assert train_epoch(net, X, Y % 2, 4)[0] > 0


# ---------------------------------------------------------------------------- the demos' command lines
@pytest.mark.parametrize(
    ("demo", "argv", "message"),
    [
        (lab_trace, ["--x1", "0"], "argument --x1: must be a positive number, got 0"),  # ZeroDivisionError traceback
        (lab_trace, ["--x1", "-1"], "argument --x1: must be a positive number"),  # NaN traces, exit 0
        (lab_trace, ["--x2", "nan"], "argument --x2: must be a finite number, got nan"),
        (custom_op, ["--seed", "-1"], "argument --seed: must be a whole number >= 0, got -1"),  # no option named
        (custom_op, ["--lr", "inf"], "argument --lr: must be a positive number, got inf"),  # accepted
    ],
)
def test_the_demos_refuse_impossible_numbers_naming_the_option(capsys, demo, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        demo.main(argv)
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


def test_save_checkpoint_refuses_what_load_checkpoint_would_refuse(tmp_path):
    net = mlp()
    save_checkpoint(tmp_path / "checkpoint.npz", {}, net, np.random.default_rng(0), 1, np.zeros((1, 6)))
    before = (tmp_path / "checkpoint.npz").read_bytes()
    net.linear_layers[1].W[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"save_checkpoint: array 'W\.1' holds NaN or infinite values; .* not written"):
        save_checkpoint(tmp_path / "checkpoint.npz", {}, net, np.random.default_rng(0), 2, np.zeros((2, 6)))
    assert (tmp_path / "checkpoint.npz").read_bytes() == before


@pytest.mark.parametrize(
    ("start", "end", "error"),
    [(2, -1, IndexError), (-3, -1, IndexError), (0, 5, IndexError), (1, 0, ValueError)],
)
def test_flatten_refuses_axes_the_input_does_not_have(start, end, error):
    # Flatten(2) on (2, 3) gave (6,) (the batch axis merged: 2 % 2 == 0), Flatten(1, 0) gave (2, 1, 3)
    with pytest.raises(error, match="flatten: "):
        nn.Flatten(start, end)(mytorch.tensor(np.ones((2, 3))))


def test_flatten_agrees_with_pytorch_on_the_axes_it_has():
    torch = pytest.importorskip("torch")
    x = np.arange(24.0).reshape(2, 3, 4)
    for start, end in [(1, -1), (0, -1), (1, 1), (-2, -1), (0, 1)]:
        ours = nn.Flatten(start, end)(mytorch.tensor(x)).numpy()
        np.testing.assert_array_equal(ours, torch.nn.Flatten(start, end)(torch.tensor(x)).numpy())


def test_metrics_with_nan_are_not_written_as_invalid_json(tmp_path):
    # json.dumps wrote the token NaN, which JSON readers other than Python's refuse
    history = np.array([[1, 0.5, 0.1, np.nan, 0.2, 1.0]])
    with pytest.raises(ValueError, match=r"metrics\.json: a metric is NaN or infinite; not written"):
        write_metrics(tmp_path, {}, history, {"loss": 0.1})
    assert not list(tmp_path.iterdir())
    write_metrics(tmp_path, {}, np.nan_to_num(history), {"loss": 0.1})
    assert "NaN" not in (tmp_path / "metrics.json").read_text()


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_a_replayed_step_on_data_of_another_dtype_matches_the_dynamic_one(optimizer):
    # MLP.train_step with float64 data on a float32 network: the replay wrote a float64 weight
    # gradient into the float32 dW with np.dot(out=...): "output array is not acceptable"
    nets = [
        MLP(4, 3, [5, 6], ["relu", "tanh", "identity"], "cross_entropy", 0.1, Autograd(), 0.9,
            dtype=np.float32, seed=0, replay=replay, optimizer=optimizer)
        for replay in (False, True)
    ]  # fmt: skip
    rng = np.random.default_rng(0)
    for n in (8, 8, 8, 8, 3):
        x, y = rng.standard_normal((n, 4)), one_hot(rng.integers(0, 3, n), 3, np.float32)
        losses = [net.train_step(x, y) for net in nets]
        np.testing.assert_array_equal(*losses)
    assert nets[1]._replayer.replays >= 2
    for dynamic, replayed in zip(nets[0].linear_layers, nets[1].linear_layers):
        np.testing.assert_array_equal(dynamic.W, replayed.W)
        np.testing.assert_array_equal(dynamic.b, replayed.b)


def test_boolean_labels_are_refused_a_mask_is_not_class_numbers(tmp_path):
    # a saved `labels == 3` trained a 10-class network on classes 0 and 1, silently
    mask = np.arange(6) % 10 == 3
    with pytest.raises(ValueError, match=r"train_labels\.npy .*labels must be whole numbers, got dtype bool"):
        load_dataset("mnist", course_mnist(tmp_path, train_labels=mask))


def test_optimizer_and_mlp_state_beyond_the_parameters_dtype_is_refused_not_made_inf():
    # a float64 velocity of 1e300 went into the float32 optimizer state as inf (a warning only)
    net = MLP(4, 3, [5], ["relu", "identity"], "cross_entropy", 0.1, Autograd(), 0.9, seed=0, dtype=np.float32)
    state = net.state_dict()
    with pytest.raises(ValueError, match=r"SGD.load_state_dict: 'velocity.0' holds 1e\+300, beyond float32's range"):
        net.load_state_dict({**state, "optim.velocity.0": np.full(state["W.0"].shape, 1e300)})
    assert np.isfinite(net.state_dict()["optim.velocity.0"]).all()
    with pytest.raises(TypeError, match="MLP.load_state_dict: expected a dict of names to arrays, got list"):
        net.load_state_dict([state])
    net.load_state_dict({**state, "W.0": state["W.0"].astype(np.float64) + 1e30})  # within float32: taken, rounded
    assert net.state_dict()["W.0"].dtype == np.float32


def test_a_seed_given_where_a_generator_goes_and_a_negative_seed_are_named():
    # train_epoch(..., rng=5) was "'int' object has no attribute 'permutation'"; MLP(seed=-1)
    # NumPy's "expected non-negative integer", naming neither MLP nor the seed
    with pytest.raises(TypeError, match=r"train_epoch: rng must be a numpy.random.Generator or None, got int"):
        train_epoch(mlp(), X, Y, 4, 5)
    with pytest.raises(ValueError, match=r"MLP: seed must be None or a whole number >= 0, got -1"):
        MLP(4, 3, [5], ["relu", "identity"], "cross_entropy", 0.1, Autograd(), 0.9, seed=-1)
    assert train_epoch(mlp(), X, Y, 4, np.random.default_rng(5)) == train_epoch(
        mlp(), X, Y, 4, np.random.default_rng(5)
    )


def test_matrix_and_masked_arrays_are_refused_not_computed_by_their_own_rules():
    """np.matrix's * is a matrix product, and a masked array's masked entries are numbers to the
    kernels: a matrix through Linear and GELU gave the loss 0.925 where the same values as an
    array give 1.615, a masked target another loss than the gradient's, and train_epoch's
    np.asarray dropped the mask (trained on the masked entries). Memory-mapped data is a plain
    array to them and still trains."""
    from mytorch.nn.modules import GELU, Linear, MSELoss

    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    y = np.array([[0.5, 0.1], [0.2, 0.9]])
    cases = {"matrix": np.matrix(x), "masked": np.ma.array(x, mask=[[0, 1, 0], [0, 0, 0]])}
    words = {"matrix": r"a numpy\.matrix, whose \* and \*\* are matrix products", "masked": r"a masked array, whose"}
    for kind, bad in cases.items():
        engine = Autograd()
        with pytest.raises(TypeError, match=rf"Linear\(3, 2\)\.forward: got {words[kind]}"):
            Linear(3, 2, engine, rng=0)(bad)
        with pytest.raises(TypeError, match=rf"GELU\.forward: got {words[kind]}"):
            GELU(engine)(bad)
        with pytest.raises(TypeError, match=rf"MSELoss: y is {words[kind]}"):
            MSELoss(engine)(bad[:, :2], y)
        with pytest.raises(TypeError, match=rf"add_operation\(add_backward\): input 1 is {words[kind]}"):
            engine.add_operation([x, bad], x + np.asarray(bad), [None, None], mytorch.nn.functional.add_backward)
    rows = np.ma.array(X, mask=np.arange(X.size).reshape(X.shape) == 5)
    with pytest.raises(TypeError, match=r"train_epoch: the inputs are a masked array"):
        train_epoch(mlp(), rows, Y, 4)
    with pytest.raises(TypeError, match=r"evaluate: the labels are a masked array"):
        evaluate(mlp(), X, np.ma.array(Y, mask=Y == 1))
    with pytest.raises(TypeError, match=r"tensor: got a masked array"):
        mytorch.tensor(rows)
    with pytest.raises(TypeError, match=r"Tensor: got a masked array"):
        mytorch.from_numpy(rows)
    assert mytorch.tensor(np.matrix(x)).shape == (2, 3)  # (its values, as PyTorch takes them)


def test_memory_mapped_data_trains_as_an_array(tmp_path):
    np.save(tmp_path / "x.npy", X)
    mapped = np.load(tmp_path / "x.npy", mmap_mode="r")
    assert train_epoch(mlp(), mapped, Y, 4) == train_epoch(mlp(), X, Y, 4)


def test_the_sign_of_a_complex_number_is_the_same_on_every_numpy():
    """np.sign of a complex number is the sign of its real part on NumPy 1.x and z / |z| on NumPy 2:
    on NumPy 1.26 the gradients of abs and norm(p=1, 3, inf) of a complex tensor were those of the
    real parts' signs ([1, -1, 1] for [1+2j, -3+0.5j, 0.5-1j], PyTorch's z / |z|) and sgn() gave
    1+0j. sign() of a complex tensor is refused, as PyTorch refuses it."""
    z0 = np.array([1 + 2j, -3 + 0.5j, 0.5 - 1j, 0j])
    unit = np.array([z / abs(z) if z else 0j for z in z0])
    moduli = np.abs(z0)
    for p, expected in [(1, unit), (3, moduli**2 * unit / np.sum(moduli**3) ** (2 / 3)), (np.inf, [0, unit[1], 0, 0])]:
        z = mytorch.tensor(z0, requires_grad=True)
        z.norm(p=p).backward()
        np.testing.assert_allclose(z.grad.numpy(), expected, rtol=1e-12, atol=1e-15)
    z = mytorch.tensor(z0, requires_grad=True)
    z.abs().sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), unit, rtol=1e-15)
    np.testing.assert_allclose(mytorch.sgn(mytorch.tensor(z0)).numpy(), unit, rtol=1e-15)
    np.testing.assert_allclose(mytorch.nn.functional.sign(z0), unit, rtol=1e-15)  # the kernel
    assert mytorch.sgn(mytorch.tensor([-2.0, 0.0, 3.0])).tolist() == [-1.0, 0.0, 1.0]
    assert mytorch.sgn(mytorch.tensor(z0, dtype=mytorch.complex64)).dtype == mytorch.complex64
    with pytest.raises(TypeError, match=r"sign: complex numbers have no sign \(got complex128\); sgn gives"):
        mytorch.tensor(z0).sign()


def test_gradients_through_complex_operations_follow_pytorchs_convention():
    """PyTorch's gradient of a real loss in a complex z is dL/d(re z) + 1j dL/d(im z) (what real, imag,
    abs and norm gave); the kernels gave g * f'(z), its conjugate for every holomorphic operation:
    Re(sum(w * z)) had z.grad = w (PyTorch: conj(w)), and |z * w| mixed the two conventions into
    neither. A real tensor made complex (x * 1j, x.to(complex128)) left the graph: x.grad stayed None.
    Complex matrices into linalg's functions (rules for real matrices) are refused when they need a
    gradient."""
    rng = np.random.default_rng(7)
    z0 = rng.normal(size=3) + 1j * rng.normal(size=3)
    w0 = rng.normal(size=3) + 1j * rng.normal(size=3)
    w = mytorch.tensor(w0)
    cases = {
        "w z": (lambda z: (w * z).real.sum(), np.conj(w0)),
        "z z w": (lambda z: (z * z * w).real.sum(), np.conj(2 * z0 * w0)),
        "exp": (lambda z: (z.exp() * w).real.sum(), np.conj(np.exp(z0) * w0)),
        "|z w|": (lambda z: (z * w).abs().sum(), np.conj(w0) * (z0 * w0) / np.abs(z0 * w0)),
        "|z| z": (lambda z: (z.abs() * z * w).real.sum(), np.conj(abs(z0) * w0) + (z0 / abs(z0)) * (z0 * w0).real),
        "0-d": (lambda z: ((z * z).sum() * w[0]).real, np.conj(2 * z0 * w0[0])),
    }
    for name, (loss, expected) in cases.items():
        z = mytorch.tensor(z0, requires_grad=True)
        loss(z).backward()
        np.testing.assert_allclose(z.grad.numpy(), expected, rtol=1e-12, err_msg=name)
    x = mytorch.tensor([1.0, 2.0, 3.0], dtype=mytorch.float64, requires_grad=True)
    ((x * 1j) * w).real.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), -w0.imag, rtol=1e-15)
    assert x.to(mytorch.complex128).requires_grad and (x + 0j).requires_grad
    with pytest.raises(TypeError, match=r"linalg\.inv: gradients through complex matrices are not implemented"):
        mytorch.linalg.inv(mytorch.tensor(np.eye(2) + 1j, requires_grad=True))
    assert mytorch.linalg.inv(mytorch.tensor(np.eye(2) * 2j)).numpy()[0, 0] == -0.5j  # (without a gradient: computed)


def test_complex_gradients_agree_with_pytorch_and_replay():
    from mytorch.replay import Replay

    rng = np.random.default_rng(8)
    w0 = rng.normal(size=(3, 3)) + 1j * rng.normal(size=(3, 3))
    x0 = rng.normal(size=(4, 3)) + 1j * rng.normal(size=(4, 3))

    def train(replay: bool) -> np.ndarray:
        w = mytorch.tensor(w0 * 0.3, requires_grad=True)
        opt = mytorch.optim.SGD([w], lr=0.01)
        x = mytorch.tensor(x0)

        def step(x):
            opt.zero_grad()
            loss = (((x @ w).tanh() @ w).sigmoid().abs() ** 2).sum()
            loss.backward()
            opt.step()
            return loss

        run = Replay(step, optimizer=opt) if replay else step
        for _ in range(4):
            run(x)
        return w.detach().numpy()

    dynamic = train(False)
    np.testing.assert_array_equal(train(True), dynamic)  # (the replay's matmul and tanh rules do not conjugate)
    torch = pytest.importorskip("torch")
    w = torch.tensor(w0 * 0.3, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.01)
    for _ in range(4):
        opt.zero_grad()
        (((torch.tensor(x0) @ w).tanh() @ w).sigmoid().abs() ** 2).sum().backward()
        opt.step()
    np.testing.assert_allclose(dynamic, w.detach().numpy(), rtol=1e-12)
    programs = {
        "sgn": lambda L, z: z.sgn() * z[0],
        "cumprod": lambda L, z: z.cumprod(0),
        "var": lambda L, z: z.var() * z,
        "where": lambda L, z: L.where(z.real > 0, z, z * 3j),
        "rsqrt": lambda L, z: z.rsqrt(),
        "real pow": lambda L, z: z.abs() ** z,
        "z ** 2.5": lambda L, z: z**2.5,  # (its backward raised isneginf's TypeError)
        "z ** complex": lambda L, z: z ** (1.5 + 0.5j),  # (float() of the exponent raised)
        "z ** z": lambda L, z: z**z,
    }
    z0, v0 = x0[0], w0[0]
    for name, program in programs.items():
        grads = []
        for L in (mytorch, torch):
            z = L.tensor(z0, requires_grad=True)
            (program(L, z) * L.tensor(v0)).real.sum().backward()
            grads.append(np.asarray(z.grad.numpy() if L is mytorch else z.grad.detach().numpy()))
        np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10, err_msg=name)


def test_a_float16_mean_squared_error_is_summed_in_float32():
    """The squared errors of float16 predictions were summed in float16: 120 errors of about 30 gave
    the loss inf (max 65,504) where their mean is 826.5 (PyTorch sums in float32), in mse_loss, nn.MSELoss,
    the handout's MSELoss and a replayed step alike; training went on with an inf loss."""
    from mytorch.nn.modules import MSELoss
    from mytorch.replay import Replay

    rng = np.random.default_rng(0)
    a = (rng.normal(size=(4, 30)) * 30).astype(np.float16)
    expected = np.mean(a.astype(np.float64) ** 2)
    zero = mytorch.zeros(4, 30, dtype=mytorch.float16)
    assert float(mytorch.nn.functional.mse_loss(mytorch.tensor(a), zero)) == pytest.approx(expected, rel=1e-3)
    assert float(nn.MSELoss()(mytorch.tensor(a), zero)) == pytest.approx(expected, rel=1e-3)
    assert float(MSELoss(Autograd())(np.zeros_like(a), a)[0]) == pytest.approx(expected, rel=1e-3)

    def run(replay: bool) -> list[float]:
        w = mytorch.tensor(np.eye(30, dtype=np.float16), requires_grad=True)
        opt = mytorch.optim.SGD([w], lr=1e-5)

        def step(x):
            opt.zero_grad()
            loss = mytorch.nn.functional.mse_loss(x @ w, zero)
            loss.backward()
            opt.step()
            return loss

        f = Replay(step, optimizer=opt) if replay else step
        x = mytorch.tensor(a)
        return [float(f(x)) for _ in range(3)]

    dynamic = run(False)
    assert dynamic[0] == pytest.approx(expected, rel=1e-3) and run(True) == dynamic


def test_a_memory_mapped_array_keeps_its_dtype_and_memory_in_a_tensor(tmp_path):
    """An ndarray subclass (np.load(..., mmap_mode=...), a user's subclass) took the legacy
    constructor's path for Python lists: from_numpy, Tensor and as_tensor of float64 memory-mapped
    weights gave a float32 copy (0.1 became 0.10000000149), so a step updated neither the file nor
    the float64 values. PyTorch's from_numpy keeps the dtype and shares the memory."""
    np.save(tmp_path / "w.npy", np.full(3, 0.1))
    mapped = np.load(tmp_path / "w.npy", mmap_mode="r+")
    for make in (mytorch.from_numpy, mytorch.Tensor, mytorch.as_tensor):
        t = make(mapped)
        assert t.dtype == mytorch.float64 and np.shares_memory(t.numpy(), mapped) and t.tolist() == [0.1] * 3
    p = mytorch.from_numpy(mapped).requires_grad_()
    opt = mytorch.optim.SGD([p], lr=0.5)
    (p * 2).sum().backward()
    opt.step()
    mapped.flush()
    np.testing.assert_array_equal(np.load(tmp_path / "w.npy"), np.full(3, 0.1 - 1.0))

    class Sub(np.ndarray):
        pass

    sub = np.array([0.1, 0.2]).view(Sub)
    assert mytorch.from_numpy(sub).dtype == mytorch.float64 and np.shares_memory(mytorch.from_numpy(sub).numpy(), sub)
    assert mytorch.Tensor([0.1, 0.2]).dtype == mytorch.float32  # (Python lists: the legacy constructor's dtype)


@pytest.mark.parametrize("criterion", ["bce_with_logits", "bce"])
def test_binary_cross_entropy_targets_outside_0_1_are_refused_by_train_epoch_and_evaluate(criterion):
    """Class labels 0, 1, 2 given as a column to a one-output network trained with
    bce_with_logits: the loss -y x + log(1 + e^x) is unbounded below for y = 2, so train_epoch
    reported the loss -10.8 after 30 epochs (a cross-entropy below 0) and evaluate an accuracy,
    silently. (BCELoss refused it inside the step, naming no example.)"""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(12, 4)), rng.integers(0, 3, 12)[:, None].astype(float)
    row = int(np.argmax(y[:, 0] == 2))
    last = "sigmoid" if criterion == "bce" else "identity"
    for run in (lambda m: train_epoch(m, x, y, 4), lambda m: evaluate(m, x, y)):
        net = MLP(4, 1, [5], ["relu", last], criterion, 0.5, Autograd(), seed=0)
        with pytest.raises(ValueError, match=rf"the target row of example {row} is \[2\.0\]; binary cross-entropy"):
            run(net)
    net = MLP(4, 1, [5], ["relu", last], criterion, 0.5, Autograd(), seed=0)
    assert train_epoch(net, x, np.minimum(y, 1.0), 4)[0] > 0  # (0 / 1 rows train)


def test_a_0d_complex64_power_stays_complex64_on_numpy_1():
    """NumPy 1.x computes a 0-d array with a Python or NumPy number by value (NEP 50 ended it in
    NumPy 2): a 0-d complex64 tensor ** 3 (or 2.5, np.float64(2.5), -3) was complex128 on NumPy 1.26
    and complex64 on NumPy 2 and in PyTorch; the kernels kept float32 in float32 only."""
    z = mytorch.tensor(1.5 - 0.5j, dtype=mytorch.complex64, requires_grad=True)
    for p in (3, 2.5, np.float64(2.5), -3, np.int64(3)):
        y = z**p
        assert y.dtype == mytorch.complex64, p
        np.testing.assert_allclose(y.item(), (1.5 - 0.5j) ** float(p), rtol=1e-6)
    (z**3).real.backward()
    assert z.grad.dtype == mytorch.complex64
    np.testing.assert_allclose(z.grad.item(), np.conj(3 * (1.5 - 0.5j) ** 2), rtol=1e-6)
    assert mytorch.tensor([3 + 4j]).norm().dtype == mytorch.float32  # (a real result of complex input stays real)


def test_an_array_header_too_long_to_trust_is_named_in_one_line(tmp_path):
    """NumPy refuses a .npy header over 10,000 characters from a file it does not trust, in three
    lines advising allow_pickle=True (which these loaders never pass); mytorch.load called it a
    file that 'would need pickle'. Each loader names the header and the file in one line."""
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }" + " " * 20000 + "\n"
    member = b"\x93NUMPY\x02\x00" + len(header).to_bytes(4, "little") + header.encode() + np.zeros(3).tobytes()
    mytorch.save({"w": mytorch.ones(3)}, tmp_path / "good.pt")
    with zipfile.ZipFile(tmp_path / "good.pt") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    with zipfile.ZipFile(tmp_path / "long.pt", "w") as archive:
        for name, data in {**members, "0.npy": member}.items():
            archive.writestr(name, data)
    course_mnist(tmp_path)
    (tmp_path / "val_data.npy").write_bytes(member)
    words = "an array header of 20058 characters, more than NumPy reads from a file it does not trust"
    for call in (
        lambda: mytorch.load(tmp_path / "long.pt"),
        lambda: load_npz(tmp_path / "long.pt"),
        lambda: load_dataset("mnist", data_dir=tmp_path),
    ):
        with pytest.raises(ValueError) as refused:
            call()
        message = str(refused.value)
        assert words in message and "\n" not in message and "pickle" not in message, message


def test_python_ints_beyond_int64_are_refused_in_every_list():
    """tensor([2**63]) was refused, but tensor([2**63, 1]), [2**63, -1] or [2**64 - 1, 0] (which NumPy
    reads as float64) became float32 tensors, 9.223372e18 with the next ints rounded, silently;
    PyTorch refuses them all. A list with a float in it is floats, as before."""
    for data in ([2**63, 1], [2**63, -1], [2**64 - 1, 0], [[1, 2], [2**63, 3]], (2**63, 1)):
        with pytest.raises(RuntimeError, match=r"tensor: the value \d+ cannot be stored in a int64 tensor without"):
            mytorch.tensor(data)
    assert mytorch.tensor([2**63, 1.5]).dtype == mytorch.float32
    assert mytorch.tensor([2**62, 1]).tolist() == [2**62, 1]


def test_a_save_to_a_symbolic_link_writes_the_file_it_names(tmp_path):
    """The atomic rename replaced a link by a new file: with checkpoint.npz a link to a shared
    copy, the shared copy kept the old weights and a run resumed from it started from them, with no
    word. mytorch.save, save_npz (checkpoints) and the runner's other outputs write through the link, as
    open(path, 'w') and torch.save do."""
    (tmp_path / "shared").mkdir()
    target, link = tmp_path / "shared" / "ck.npz", tmp_path / "ck.npz"
    save_npz(target, {"W.0": np.zeros(2)})
    link.symlink_to(target)
    save_npz(link, {"W.0": np.ones(2)})
    assert link.is_symlink() and load_npz(target)["W.0"].tolist() == [1.0, 1.0]
    mytorch.save({"w": mytorch.full((2,), 3.0)}, link)
    assert link.is_symlink() and mytorch.load(target)["w"].tolist() == [3.0, 3.0]
    assert sorted(p.name for p in (tmp_path / "shared").iterdir()) == ["ck.npz"]  # (no temporary file left)


@pytest.mark.parametrize(("criterion", "outputs"), [("cross_entropy", 3), ("mse", 3), ("bce_with_logits", 1)])
def test_a_network_giving_nan_is_wrong_on_every_example_not_class_0(criterion, outputs):
    """argmax of a NaN row is 0 (and NaN > cut is False, class 0 too): a diverged network's error rate
    from evaluate and train_epoch was 1 - the share of class 0 (0.67 here) beside the NaN loss; a
    NaN row is no prediction, so it counts as misclassified."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(12, 4)), np.arange(12) % (3 if outputs == 3 else 2)
    labels = y[:, None].astype(float) if outputs == 1 else y
    net = MLP(4, outputs, [5], ["relu", "identity"], criterion, 0.1, Autograd(), seed=0)
    net.linear_layers[0].W[...] = np.nan
    loss, error = evaluate(net, x, labels)
    assert np.isnan(loss) and error == 1.0
    loss, error = train_epoch(net, x, labels, 4)
    assert np.isnan(loss) and error == 1.0


def test_a_float16_cross_entropy_gradient_graph_stays_float16_on_numpy_1():
    """The recorded cross-entropy gradient (create_graph=True) multiplied by grad_output[0] / N, a
    NumPy float16 scalar divided by an int: float64 on NumPy 1.26 (float16 on 2), so the product took
    the float32 path of a float16 tensor times a wider number, casts recorded on both sides, and the
    gradient differed from NumPy 2's by up to 3 float16 ulps (5 of 12 values)."""
    rng = np.random.default_rng(3)
    x = mytorch.tensor(rng.normal(size=(3, 4)), dtype=mytorch.float16, requires_grad=True)
    loss = mytorch.nn.functional.cross_entropy(x, mytorch.tensor([0, 1, 3]))
    (g,) = mytorch.autograd.grad(loss, x, create_graph=True)
    names, stack = [], [g.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None:
            names.append(node.name())
            stack.extend(n for n, _ in node.next_functions)
    assert g.dtype == mytorch.float16 and "ToCopyBackward0" not in names, names

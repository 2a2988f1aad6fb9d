"""``python -m hw_bonus.mlp_runner``, run in-process through ``main(argv)``."""

from __future__ import annotations

import io
import json
import sys

import numpy as np
import pytest

import hw_bonus.mlp_runner as runner
from hw_bonus.checkpoint import load_checkpoint, rng_from_array, rng_to_array
from hw_bonus.mlp_runner import main
from hw_bonus.progress import Progress, format_seconds


def run_ok(capsys, *argv):
    assert main([*argv]) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def run_fails(capsys, *argv):
    assert main([*argv]) == 2
    return capsys.readouterr().err


def test_and_gate_run_prints_progress_and_writes_its_files(tmp_path, capsys):
    out = run_ok(capsys, "--dataset", "and", "--out", str(tmp_path), "--no-plots")
    assert "epoch 100/100" in out and "left 0:00" in out and "ex/s" in out
    assert "test accuracy 100.00% (4/4)" in out
    record = json.loads((tmp_path / "metrics.json").read_text())
    assert len(record["epochs"]) == 100 and record["test"]["accuracy"] == 1.0
    assert record["config"]["hidden"] == [4] and record["config"]["activation"] == "tanh"
    header, *rows = (tmp_path / "metrics.csv").read_text().splitlines()
    assert header == "epoch,train_loss,train_error,val_loss,val_error,seconds" and len(rows) == 100
    assert (tmp_path / "checkpoint.npz").is_file() and not (tmp_path / "curves.png").exists()


def test_default_mnist_5k_network_passes_93_percent_quickly(tmp_path, capsys):
    out = run_ok(capsys, "--epochs", "4", "--out", str(tmp_path), "--no-plots")
    assert "784 -> 256 -> 128 -> 10" in out
    accuracy = json.loads((tmp_path / "metrics.json").read_text())["test"]["accuracy"]
    assert accuracy >= 0.93


def test_curves_png_is_drawn_with_matplotlib(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    run_ok(capsys, "--dataset", "and", "--epochs", "3", "--out", str(tmp_path))
    assert (tmp_path / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_without_matplotlib_a_one_line_note(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    out = run_ok(capsys, "--dataset", "and", "--epochs", "3", "--out", str(tmp_path))
    assert "note: matplotlib is not installed" in out
    assert not (tmp_path / "curves.png").exists()


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_resume_ends_bit_identical_to_an_uninterrupted_run(tmp_path, capsys, optimizer):
    common = ["--dataset", "gaussians", "--optimizer", optimizer, "--no-plots", "--lr", "0.01"]
    run_ok(capsys, *common, "--epochs", "4", "--out", str(tmp_path / "whole"))
    run_ok(capsys, *common, "--epochs", "2", "--out", str(tmp_path / "parts"))
    out = run_ok(capsys, *common, "--epochs", "4", "--out", str(tmp_path / "parts"), "--resume")
    assert "resuming" in out and "after epoch 2" in out and "epoch 3/4" in out and "epoch 1/4" not in out
    whole = load_checkpoint(tmp_path / "whole" / "checkpoint.npz")
    parts = load_checkpoint(tmp_path / "parts" / "checkpoint.npz")
    assert whole.epoch == parts.epoch == 4
    assert set(whole.state) == set(parts.state) and any(k.startswith("optim.") for k in whole.state)
    for key in whole.state:
        np.testing.assert_array_equal(whole.state[key], parts.state[key], err_msg=key)
    np.testing.assert_array_equal(whole.history[:, 1:5], parts.history[:, 1:5])


def test_checkpoint_of_another_architecture_is_refused(tmp_path, capsys):
    run_ok(capsys, "--dataset", "and", "--epochs", "2", "--hidden", "4", "--out", str(tmp_path), "--no-plots")
    err = run_fails(capsys, "--dataset", "and", "--hidden", "8", "--out", str(tmp_path), "--resume")
    assert "checkpoint.npz" in err and "another architecture" in err and "hidden=[4]" in err
    err = run_fails(capsys, "--dataset", "and", "--lr", "0.9", "--out", str(tmp_path), "--resume")
    assert "other training options" in err and "lr=0.5" in err


def test_a_diverging_run_stops_with_advice_and_writes_no_nan_checkpoint(tmp_path, capsys):
    err = run_fails(
        capsys,
        "--dataset",
        "gaussians",
        "--activation",
        "relu",
        "--lr",
        "1e4",
        "--epochs",
        "1",
        "--out",
        str(tmp_path),
        "--no-plots",
    )
    assert "training diverged in epoch" in err and "smaller --lr" in err
    assert not (tmp_path / "checkpoint.npz").exists()


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_corrupt_or_truncated_checkpoint_is_refused(tmp_path, capsys, damage):
    run_ok(capsys, "--dataset", "and", "--epochs", "2", "--out", str(tmp_path), "--no-plots")
    path = tmp_path / "checkpoint.npz"
    raw = path.read_bytes()
    path.write_bytes(b"garbage" if damage == "garbage" else raw[: len(raw) // 2])
    err = run_fails(capsys, "--dataset", "and", "--out", str(tmp_path), "--resume")
    assert str(path) in err and "not a readable .npz" in err


def test_resume_without_a_checkpoint(tmp_path, capsys):
    err = run_fails(capsys, "--dataset", "and", "--out", str(tmp_path), "--resume")
    assert "no checkpoint to resume" in err and str(tmp_path / "checkpoint.npz") in err


def test_missing_data_file_names_the_path_and_how_to_get_it(tmp_path, capsys):
    err = run_fails(capsys, "--dataset", "mnist", "--data-dir", str(tmp_path), "--out", str(tmp_path / "run"))
    assert str(tmp_path / "train_data.npy") in err and "--dataset mnist-5k" in err


@pytest.mark.parametrize(
    "argv",
    [["--hidden", "-5"], ["--hidden", "0"], ["--epochs", "0"], ["--batch-size", "-1"], ["--lr", "-0.1"],
     ["--momentum", "1.5"], ["--epochs", "two"], ["--dataset", "cifar"]],
)  # fmt: skip
def test_argument_parser_rejects_impossible_options(capsys, argv):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "error: argument" in capsys.readouterr().err


def test_rng_state_round_trips_through_an_array():
    rng = np.random.default_rng(123)
    rng.random(5)
    rng.integers(0, 10, 3, dtype=np.uint32)  # leaves a buffered 32-bit half behind
    words = rng_to_array(rng)
    assert words.dtype == np.uint64 and words.shape == (6,)
    copy = rng_from_array(words)
    np.testing.assert_array_equal(copy.permutation(50), rng.permutation(50))


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_redraws_in_place_on_a_terminal_and_prints_plain_lines_otherwise():
    tty, log = FakeTerminal(), io.StringIO()
    for stream in (tty, log):
        progress = Progress(2, 100, stream=stream)
        progress.start_epoch(1)
        progress._last_draw = -1.0
        progress.batch_done(50)
        progress.end_epoch(0.5, 0.25, 0.4, 0.2)
    assert "\repoch 1/2   50.0%" in tty.getvalue()
    assert "\r" not in log.getvalue()
    assert "epoch 1/2  train loss 0.5000 error 25.00%  val loss 0.4000 error 20.00%" in log.getvalue()
    assert format_seconds(65) == "1:05" and format_seconds(3725) == "1:02:05"


def test_interrupted_run_resumes_to_the_uninterrupted_weights(tmp_path, capsys, monkeypatch):
    common = ["--dataset", "gaussians", "--epochs", "4", "--no-plots"]
    run_ok(capsys, *common, "--out", str(tmp_path / "whole"))

    real_train_epoch, calls = runner.train_epoch, []

    def interrupted_in_epoch_3(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_train_epoch(*args, **kwargs)

    monkeypatch.setattr(runner, "CHECKPOINT_INTERVAL", 0.0)
    monkeypatch.setattr(runner, "train_epoch", interrupted_in_epoch_3)
    assert main([*common, "--out", str(tmp_path / "cut")]) == 130
    assert "--resume" in capsys.readouterr().err
    assert load_checkpoint(tmp_path / "cut" / "checkpoint.npz").epoch == 2
    monkeypatch.setattr(runner, "train_epoch", real_train_epoch)
    run_ok(capsys, *common, "--out", str(tmp_path / "cut"), "--resume")
    whole = load_checkpoint(tmp_path / "whole" / "checkpoint.npz").state
    cut = load_checkpoint(tmp_path / "cut" / "checkpoint.npz").state
    for key in whole:
        np.testing.assert_array_equal(whole[key], cut[key], err_msg=key)


def test_runner_parser_rejects_a_negative_seed(capsys: pytest.CaptureFixture[str]) -> None:
    """--seed -1 reached NumPy's default_rng and failed with 'expected non-negative integer'."""
    with pytest.raises(SystemExit) as exit_info:
        runner.build_parser().parse_args(["--seed", "-1"])
    assert exit_info.value.code == 2
    assert "argument --seed: '-1' must be a non-negative integer" in capsys.readouterr().err


def test_the_runner_asks_for_one_blas_thread_unless_told_otherwise():
    import os
    import subprocess

    code = "import hw_bonus, os; print(os.environ['OPENBLAS_NUM_THREADS'], os.environ['OMP_NUM_THREADS'])"
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["1", "1"], done.stderr
    env["OPENBLAS_NUM_THREADS"] = "2"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["2", "1"], done.stderr


def test_replayed_and_dynamic_runs_end_with_the_same_weights(tmp_path, capsys):
    """The runner replays its training step by default; ``--no-replay`` runs it dynamically."""
    argv = ["--dataset", "disc", "--epochs", "2", "--no-plots"]
    run_ok(capsys, *argv, "--out", str(tmp_path / "replay"))
    run_ok(capsys, *argv, "--out", str(tmp_path / "dynamic"), "--no-replay")
    replayed = load_checkpoint(tmp_path / "replay" / "checkpoint.npz").state
    dynamic = load_checkpoint(tmp_path / "dynamic" / "checkpoint.npz").state
    assert replayed.keys() == dynamic.keys()
    for key in dynamic:
        assert np.array_equal(replayed[key], dynamic[key]), key


# ------------------------------------------------------------------ damaged checkpoints: refused at the door
def _damage(path, **changes):
    """Rewrite the checkpoint at ``path`` with some arrays replaced (``config`` given as a JSON text or object)."""
    from hw_bonus.npz import load_npz, save_npz

    arrays = load_npz(path)
    for key, value in changes.items():
        arrays[key] = np.array(value if key != "config" or isinstance(value, str) else json.dumps(value))
    save_npz(path, arrays)


def _config_of(path):
    from hw_bonus.npz import load_npz

    return json.loads(str(load_npz(path)["config"]))


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda c: "[1, 2]", "'config' is list JSON, not an object"),
        (lambda c: {k: v for k, v in c.items() if k != "epochs"}, "config fields missing epochs"),
        (lambda c: c | {"colour": "red"}, "config fields unknown colour"),
        (lambda c: c | {"epochs": -3}, "config field 'epochs' is -3; it must be a whole number >= 1"),
        (lambda c: c | {"epochs": 2.5}, "config field 'epochs' is 2.5"),
        (lambda c: c | {"epochs": True}, "config field 'epochs' is True"),
        (lambda c: c | {"lr": "fast"}, "config field 'lr' is 'fast'; it must be a number > 0"),
        (lambda c: c | {"momentum": 1.5}, "config field 'momentum' is 1.5"),
        (lambda c: c | {"hidden": [4, 0]}, "config field 'hidden' is [4, 0]"),
        (lambda c: c | {"activation": "swish!"}, "config field 'activation' is 'swish!'"),
        (lambda c: c | {"dataset": "cifar"}, "config field 'dataset' is 'cifar'"),
    ],
    ids=["not an object", "no epochs", "unknown field", "epochs -3", "epochs 2.5", "epochs true", "lr text",
         "momentum 1.5", "hidden 0", "activation", "dataset"],
)  # fmt: skip
def test_a_damaged_checkpoint_config_is_refused_in_one_line(tmp_path, capsys, change, named):
    run_ok(capsys, "--dataset", "and", "--epochs", "2", "--out", str(tmp_path), "--no-plots")
    path = tmp_path / "checkpoint.npz"
    _damage(path, config=change(_config_of(path)))
    err = run_fails(capsys, "--dataset", "and", "--out", str(tmp_path), "--resume")
    assert err.count("\n") == 1 and str(path) in err and named in err, err


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"epoch": -3}, "'epoch' is -3, not a whole number from 1 to the config's epochs (2)"),
        ({"epoch": 10**6}, "'epoch' is 1000000"),
        ({"epoch": 1.0}, "'epoch' is 1.0"),
        ({"history": np.zeros((1, 6))}, "'history' has shape (1, 6), 2 epochs need (2, 6)"),
        ({"W.0": np.full((4, 2), np.nan)}, "damaged checkpoint: array 'W.0' holds NaN or infinite values"),
        ({"b.1": np.array([np.inf, 0.0])}, "array 'b.1' holds NaN or infinite values"),
        ({"optim.group.0.lr": 5.0}, "'optim.group.0.lr' is 5.0; the config gives 0.5"),
        ({"optim.group.0.nesterov": True}, "'optim.group.0.nesterov' is True; the config gives False"),
        ({"optim.group.0.lr": [0.1, 0.1]}, "'optim.group.0.lr' is [0.1, 0.1]"),
    ],
    ids=["epoch -3", "epoch 10**6", "epoch float", "history short", "nan weights", "inf bias", "lr", "nesterov",
         "lr pair"],
)  # fmt: skip
def test_a_damaged_checkpoint_array_is_refused_not_called_a_divergence(tmp_path, capsys, changes, named):
    run_ok(capsys, "--dataset", "and", "--epochs", "2", "--hidden", "4", "--out", str(tmp_path), "--no-plots")
    path = tmp_path / "checkpoint.npz"
    _damage(path, **changes)
    err = run_fails(capsys, "--dataset", "and", "--out", str(tmp_path), "--resume", "--epochs", "3")
    assert err.count("\n") == 1 and str(path) in err and named in err and "--lr" not in err, err


def test_resuming_to_fewer_epochs_than_done_is_refused(tmp_path, capsys):
    run_ok(capsys, "--dataset", "and", "--epochs", "3", "--out", str(tmp_path), "--no-plots")
    err = run_fails(capsys, "--dataset", "and", "--out", str(tmp_path), "--resume", "--epochs", "2")
    assert "3 epochs are done already; --epochs 2 is fewer" in err


def test_curves_have_whole_epoch_ticks_and_error_in_percent():
    pytest.importorskip("matplotlib")
    from hw_bonus.metrics import curves_figure

    history = np.array([[1, 0.9, 0.30, 1.0, 0.35, 1.0], [2, 0.5, 0.12, 0.6, 0.15, 1.0], [3, 0.3, 0.05, 0.4, 0.08, 1.0]])
    fig = curves_figure(history, "three epochs")
    fig.canvas.draw()
    ax_loss, ax_err = fig.axes
    for ax in (ax_loss, ax_err):
        ticks = [t for t in ax.get_xticks() if 1 <= t <= 3]
        assert ticks and all(float(t).is_integer() for t in ticks), ticks
    assert ax_err.lines[0].get_ydata().tolist() == pytest.approx([30.0, 12.0, 5.0])
    labels = [t.get_text() for t in ax_err.get_yticklabels() if t.get_text()]
    assert labels and all(label.endswith("%") for label in labels), labels

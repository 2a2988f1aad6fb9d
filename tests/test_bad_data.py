"""Bad data through the user-facing paths: refused with a message naming what and where, never
turned into a silently wrong number (a loss, an accuracy, a checkpoint)."""

from __future__ import annotations

import numpy as np
import pytest

import mytorch
import mytorch.nn as nn
from hw_bonus.mlp_runner import main
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

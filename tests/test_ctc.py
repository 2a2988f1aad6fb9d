"""F.ctc_loss / nn.CTCLoss: closed forms on small alphabets, gradients against finite
differences, PyTorch's numbers where it is installed."""

import math

import numpy as np
import pytest

import mytorch as mt
import mytorch.nn as nn
import mytorch.nn.functional as F

LOGITS = np.random.default_rng(0).normal(size=(12, 4, 6))
TARGETS = np.array([[1, 2, 2, 3, 0], [4, 4, 0, 0, 0], [5, 1, 3, 2, 2], [1, 0, 0, 0, 0]])
TARGET_LENGTHS = [4, 2, 5, 1]
INPUT_LENGTHS = [12, 9, 12, 3]


def test_ctc_in_closed_form():
    # nn.CTCLoss was NotInMyTorchError (speech and OCR models)
    uniform = mt.tensor(np.log(np.full((3, 1, 3), 1 / 3)))
    loss = nn.CTCLoss(reduction="none")
    # "a" in 2 steps: a-, -a, aa: 3 paths of probability 1/9
    assert loss(uniform[:2], mt.tensor([[1]]), [2], [1]).item() == pytest.approx(-math.log(3 / 9))
    # "aa" in 3 steps: only a-a (the blank must separate the repeats)
    assert loss(uniform, mt.tensor([[1, 1]]), [3], [2]).item() == pytest.approx(math.log(27))
    # "ab" in 3 steps: ab-, a-b, -ab, aab, abb: 5 paths
    assert loss(uniform, mt.tensor([[1, 2]]), [3], [2]).item() == pytest.approx(-math.log(5 / 27))
    # "aa" in 2 steps is impossible: inf, or 0 with zero_infinity
    assert loss(uniform[:2], mt.tensor([[1, 1]]), [2], [2]).item() == math.inf
    assert F.ctc_loss(uniform[:2], mt.tensor([[1, 1]]), [2], [2], zero_infinity=True).item() == 0.0
    # an empty target: every step blank
    assert loss(uniform, mt.tensor([[0]]), [3], [0]).item() == pytest.approx(3 * math.log(3))
    # mean divides each loss by its target length, then averages; concatenated targets as padded ones
    lp = mt.tensor(LOGITS).log_softmax(2)
    each = F.ctc_loss(lp, mt.tensor(TARGETS), INPUT_LENGTHS, TARGET_LENGTHS, reduction="none").numpy()
    flat = np.concatenate([TARGETS[n, :k] for n, k in enumerate(TARGET_LENGTHS)])
    mean = F.ctc_loss(lp, mt.tensor(flat), mt.tensor(INPUT_LENGTHS), mt.tensor(TARGET_LENGTHS)).item()
    assert mean == pytest.approx((each / TARGET_LENGTHS).mean(), rel=1e-13)
    with pytest.raises(ValueError, match="differ from the blank"):
        F.ctc_loss(lp, mt.tensor([[0, 1]]).expand(4, 2), INPUT_LENGTHS, [2] * 4)
    with pytest.raises(ValueError, match="reduction"):
        F.ctc_loss(lp, mt.tensor(TARGETS), INPUT_LENGTHS, TARGET_LENGTHS, reduction="avg")


def test_ctc_gradient_is_exact():
    # the gradient with respect to log_probs itself (a leaf), and through log_softmax
    x = mt.tensor(LOGITS[:6, :2, :4], requires_grad=True)
    targets, lengths = mt.tensor([[1, 3], [2, 2]]), [2, 2]
    assert mt.autograd.gradcheck(lambda t: F.ctc_loss(t, targets, [6, 5], lengths, reduction="sum"), (x,))
    assert mt.autograd.gradcheck(lambda t: F.ctc_loss(t.log_softmax(2), targets, [6, 5], lengths), (x,))


def test_ctc_matches_pytorch():
    torch = pytest.importorskip("torch")

    def run(lib, reduction, targets):
        x = lib.tensor(LOGITS, requires_grad=True)
        loss = lib.nn.functional.ctc_loss(
            x.log_softmax(2),
            lib.tensor(targets),
            lib.tensor(INPUT_LENGTHS),
            lib.tensor(TARGET_LENGTHS),
            reduction=reduction,
        )
        weights = np.random.default_rng(1).normal(size=tuple(loss.shape))
        (loss * lib.tensor(weights)).sum().backward()
        return np.concatenate([loss.detach().numpy().ravel(), x.grad.numpy().ravel()])

    flat = np.concatenate([TARGETS[n, :k] for n, k in enumerate(TARGET_LENGTHS)])
    for reduction in ("none", "sum", "mean"):
        for targets in (TARGETS, flat):
            np.testing.assert_allclose(
                run(mt, reduction, targets), run(torch, reduction, targets), rtol=1e-12, atol=1e-14
            )

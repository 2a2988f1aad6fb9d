"""Every row's ``reads`` declaration is true: a backward never reads what its row says it does not.

``Kernel.reads[i]`` lists the arrays (input indices, ``OUTPUT``) the gradient of input i is
computed from; the Tensor front-end saves, locks and version-checks only those (and the
engine's ``detect_anomaly`` snapshots only those), so an array declared unread may be
written in place between the forward and the backward. For every sample case of every row
(``tests/test_kernels.py``'s ``CASES``), each array the gradient of input i is declared not
to read is replaced by NaN of the same shape and dtype (no guard is involved: the kernels
are called directly), and the gradient must come out bit for bit the same. The per-input
rules (``partials``, used when an input is ``NO_GRAD``) are checked the same way, and the
losses also with their cached forward values (``log_probs``, ``diff``), as the modules and
the Tensor front-end call them.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from test_kernels import CASE_IDS, sample

from mytorch import Tensor
from mytorch.nn import functional as F
from mytorch.nn import functional_tensor as TF
from mytorch.saved import OUTPUT

CACHED_FORWARDS = {
    "softmax_cross_entropy": (F.softmax_cross_entropy_and_log_probs, "log_probs"),
    "mse_loss": (F.mse_loss_and_diff, "diff"),
}
"""Losses whose callers hand the backward a value of the forward (see ``F.CACHED_PARAMS``)."""


def _nan_like(x: np.ndarray) -> np.ndarray:
    """NaN of x's shape and float dtype (an integer array becomes its most negative value)."""
    if x.dtype.kind in "fc":
        return np.full(x.shape, np.nan, dtype=x.dtype)
    return np.full(x.shape, np.iinfo(x.dtype).min, dtype=x.dtype)


def _poisoned(xs: tuple[np.ndarray, ...], out: np.ndarray, read: set[int]) -> tuple[list[np.ndarray], np.ndarray]:
    """The inputs and output with every array not in ``read`` replaced by NaN."""
    return [x if i in read else _nan_like(x) for i, x in enumerate(xs)], out if OUTPUT in read else _nan_like(out)


def _call(rule: Any, g: np.ndarray, xs: list[np.ndarray], params: dict[str, Any]) -> Any:
    """``rule(g, *xs, **params)``, quiet about NaN (an array a gradient does not read may warn elsewhere)."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return rule(g, *xs, **params)


def _variants(name: str, xs: tuple[np.ndarray, ...], params: dict[str, Any]) -> list[dict[str, Any]]:
    """The params the backward is called with: as recorded plainly, and with a loss's cached value."""
    variants = [params]
    if name in CACHED_FORWARDS:
        forward, key = CACHED_FORWARDS[name]
        variants.append({**params, key: forward(*xs, **params)[1]})
    return variants


def test_every_row_declares_what_its_backward_reads() -> None:
    undeclared = sorted(name for name, kernel in F.KERNELS.items() if kernel.reads is None)
    assert not undeclared, f"rows without reads=: {undeclared} (the front-end then saves every array)"


@pytest.mark.parametrize(("name", "k"), CASE_IDS)
def test_a_gradient_does_not_read_what_its_row_declares_unread(name: str, k: int) -> None:
    case, xs = sample(name, k)
    kernel = F.KERNELS[name]
    out = np.asarray(kernel.forward(*xs, **case.params))
    g = np.random.default_rng(k).standard_normal(out.shape).astype(out.dtype)
    reads = kernel.reads or ()
    partials = getattr(kernel.backward, "partials", None)
    for params in _variants(name, xs, case.params):
        if kernel.saves_output:
            params = {**params, "out": out}
        expected = _call(kernel.backward, g, list(xs), params)
        for i in range(len(xs)):
            read = set(reads[i]) if i < len(reads) else set()
            ins, poisoned_out = _poisoned(xs, out, read)
            poisoned = {**params, "out": poisoned_out} if kernel.saves_output else params
            why = f"{name}: gradient {i} changed when arrays outside reads[{i}] = {sorted(read)} were NaN"
            got = _call(kernel.backward, g, ins, poisoned)[i]
            np.testing.assert_array_equal(got, expected[i], err_msg=why)
            if partials is not None:  # its own numbers (the order of its operations may differ)
                alone = _call(partials[i], g, list(xs), params)
                got = _call(partials[i], g, ins, poisoned)
                np.testing.assert_array_equal(got, alone, err_msg=f"{why} (per-input rule)")


def test_the_check_catches_a_false_declaration(monkeypatch: pytest.MonkeyPatch) -> None:
    """``mul`` declared as reading nothing: its gradients read the other factor, so NaN shows."""
    false = F.Kernel("mul", F.mul, F.mul_backward, F.mul_jvp, 2, reads=F.NOTHING)
    monkeypatch.setitem(F.KERNELS, "mul", false)
    with pytest.raises(AssertionError, match="mul: gradient 0 changed"):
        test_a_gradient_does_not_read_what_its_row_declares_unread("mul", 0)


@pytest.mark.parametrize("loss", ["mse_loss", "cross_entropy", "binary_cross_entropy_with_logits"])
def test_a_fused_tensor_loss_saves_what_its_row_declares(loss: str) -> None:
    """``F.mse_loss(x, t)`` and the other fused means record the row's backward behind a 0-d
    wrapper: they save (lock read-only) the inputs their row reads, and not the loss itself."""
    x = Tensor(np.random.default_rng(0).standard_normal((4, 3)), requires_grad=True)
    target = np.array([0, 2, 1, 1]) if loss == "cross_entropy" else np.full((4, 3), 0.5)
    out = getattr(TF, loss)(x, target)
    assert not x.numpy().flags.writeable  # read by the backward: locked until it has run
    assert out.numpy().flags.writeable  # read by no rule: not saved
    out.backward()
    assert x.grad is not None and np.isfinite(x.grad.numpy()).all() and x.numpy().flags.writeable

"""PyTorch functions MyTorch composes of recorded operations: frac, lerp, addcmul, addcdiv,
nan_to_num, true_divide (mytorch/tensor_pointwise.py); median, aminmax, std_mean, var_mean, cumprod
(mytorch/tensor_stats.py); roll, narrow, movedim, meshgrid, mT (mytorch/tensor_shape.py, methods);
index_add; cdist, linalg.norm/vector_norm, F.pairwise_distance. Values and gradients against
closed forms and, where installed, PyTorch."""

import math

import numpy as np
import pytest
from torch_compare import assert_like_torch

import mytorch as mt
import mytorch.nn.functional as F

A = np.array([[1.5, -2.0, 3.0, 0.0], [4.0, 0.5, -6.0, 2.0], [-0.5, 1.0, 2.5, -3.0]])


def test_closed_forms_and_refusals():
    x = mt.tensor([[1.0, 0.0, 2.0], [3.0, -1.0, 0.5]], dtype=mt.float64, requires_grad=True)
    mt.cumprod(x, 1).sum().backward()  # d/dx0 (x0 + x0 x1 + x0 x1 x2) = 1 + x1 + x1 x2
    np.testing.assert_allclose(x.grad.numpy()[:, 0], [1 + 0 + 0, 1 - 1 - 0.5])
    assert mt.cumprod(x, 1).tolist()[1] == [3.0, -3.0, -1.5]
    y = mt.nan_to_num(mt.tensor([float("nan"), float("inf"), -float("inf"), 1.0], requires_grad=True))
    assert y.tolist() == [0.0, float(np.finfo(np.float32).max), float(np.finfo(np.float32).min), 1.0]
    m = mt.tensor([3.0, float("nan"), 1.0]).median()
    assert math.isnan(m.item()) and mt.tensor([4.0, 1.0, 3.0, 2.0]).median().item() == 2.0  # the lower middle
    assert mt.roll(mt.arange(5), 2).tolist() == [3, 4, 0, 1, 2]
    with pytest.raises(ValueError, match="narrow: start 3 and length 2 do not fit"):
        mt.arange(4).narrow(0, 3, 2)
    with pytest.raises(ValueError, match="roll: 2 shifts for 1 dims"):
        mt.ones(2, 2).roll((1, 1), 0)
    with pytest.raises(ValueError, match="linalg.matrix_norm: ord must be one of"):
        mt.linalg.norm(mt.ones(2, 2), 3)


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    a32 = A.astype(np.float32)
    calls = [
        lambda lib, x: lib.frac(x * 1.3) + lib.lerp(x, x * x, 0.25) + lib.true_divide(x, 3),
        lambda lib, x: lib.addcmul(x, x, x.exp(), value=0.5) + x.addcdiv(x, x.abs() + 1, value=2),
        lambda lib, x: lib.nan_to_num(x.log(), nan=-1.0, neginf=-5.0),
        lambda lib, x: lib.cumprod(x, 1) + x.cumprod(0),
        lambda lib, x: x.median(dim=1).values * 2 + lib.median(x) + x.median(0, keepdim=True)[0].sum(),
        lambda lib, x: lib.stack(lib.aminmax(x, dim=0)) + lib.stack(x.aminmax(dim=0)),
        lambda lib, x: lib.stack(lib.std_mean(x, 1)) + lib.stack(lib.var_mean(x, 0, correction=0))[:, :3],
        lambda lib, x: lib.roll(x, (1, -1), (0, 1)) + x.roll(2),
        lambda lib, x: x.narrow(1, 1, 2) * 3 + lib.movedim(x, 0, 1)[1:3].mT,
        lambda lib, x: lib.stack(lib.meshgrid(x[0], x[1, :3], indexing="xy")).sum(0) + x.mT[:3, :2].sum(),
        lambda lib, x: x.index_add(1, lib.tensor([0, 2, 0]), x[:, :3] * 2, alpha=0.5),
        lambda lib, x: lib.cdist(x, x[:2] + 1) + lib.cdist(x, x, p=1.0)[:, :2],
        lambda lib, x: lib.linalg.norm(x) + lib.linalg.norm(x, dim=1) + lib.linalg.vector_norm(x, 1),
        lambda lib, x: lib.nn.functional.pairwise_distance(x, x.flip(0)),
        lambda lib, x: lib.clamp_min(x, 0.5) + x.clamp_max(1.0) * 2,
    ]
    assert_like_torch(torch, a32, calls, rtol=2e-5, atol=2e-5)
    got = mt.median(mt.tensor(A), dim=1)
    want = torch.median(torch.tensor(A), dim=1)
    assert got.indices.tolist() == want.indices.tolist()
    assert F.pairwise_distance is mt.nn.functional.pairwise_distance


def test_factories_init_in_place_index_add_and_anomaly_mode():
    assert mt.logspace(0, 2, 3, dtype=mt.float64).tolist() == [1.0, 10.0, 100.0]
    r = mt.randint_like(mt.zeros(4, 5, dtype=mt.int32), 2, 6)
    assert r.shape == (4, 5) and r.dtype == np.int32 and r.min().item() >= 2 and r.max().item() < 6
    w = mt.nn.init.trunc_normal_(mt.empty(2000), std=1.0, a=-0.5, b=1.0)
    assert -0.5 <= w.min().item() and w.max().item() <= 1.0
    with pytest.raises(ValueError, match="too unlikely"):
        mt.nn.init.trunc_normal_(mt.empty(3), mean=100.0, std=0.01, a=-1.0, b=1.0)
    t = mt.zeros(3)
    assert t.index_add_(0, mt.tensor([0, 0, 2]), mt.tensor([1.0, 2.0, 3.0])) is t and t.tolist() == [3.0, 0.0, 3.0]
    x = mt.tensor([0.0, 1.0], requires_grad=True)
    with mt.autograd.set_detect_anomaly(True):
        with pytest.raises(FloatingPointError):
            x.sqrt().sum().backward()  # the gradient 1 / (2 sqrt(0)) is inf
    x.sqrt().sum().backward()  # the mode is off again: the inf gradient is delivered
    assert math.isinf(x.grad[0].item())


def test_var_mean_and_std_mean_take_a_bool_as_unbiased_over_every_element():
    """``var_mean(x, False)`` is PyTorch's ``unbiased=False`` over all elements: the mean was
    taken along dim 0 (a bool read as a dim), a (3,) mean beside a 0-d variance."""
    data = np.array([[0.5, -1.0, 3.0], [2.0, 0.1, 1.0]])
    x = mt.tensor(data)
    for unbiased in (False, True):
        var, mean = mt.var_mean(x, unbiased)
        std, mean2 = mt.std_mean(x, unbiased)
        assert mean.shape == mean2.shape == ()
        assert mean.item() == pytest.approx(data.mean()) and mean2.item() == pytest.approx(data.mean())
        assert var.item() == pytest.approx(data.var(ddof=int(unbiased)))
        assert std.item() == pytest.approx(data.std(ddof=int(unbiased)))

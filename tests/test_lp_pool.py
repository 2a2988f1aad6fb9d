"""F.lp_pool1d / 2d / 3d and nn.LPPool1d / 2d / 3d: the p-norm of each window, against
PyTorch (where installed) and finite differences, to second order."""

import numpy as np
import pytest

import mytorch as mt
from mytorch.autograd import gradcheck, gradgradcheck

try:
    import torch
except ImportError:  # pragma: no cover - PyTorch is optional
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

R = np.random.default_rng(5)
CASES = [  # (nd, input shape, norm_type, kernel_size, stride, ceil_mode)
    (1, (2, 3, 11), 2, 3, None, False),
    (1, (3, 8), 3, 2, 2, True),
    (1, (2, 2, 9), 1.5, 3, 1, False),
    (2, (2, 3, 7, 9), 2, (3, 2), None, False),
    (2, (3, 6, 5), 3, 2, 2, True),
    (2, (1, 2, 6, 8), 1.5, (3, 2), (1, 2), False),
    (3, (1, 2, 4, 5, 3), 2, (2, 2, 3), None, False),
    (3, (2, 3, 4, 3), 1.5, 2, (1, 2, 1), True),
]


def _run(lib, case, x):
    nd, _, p, k, s, c = case
    return getattr(lib.nn.functional, f"lp_pool{nd}d")(x, p, k, s, c)


def test_lp_pool_is_the_p_norm_of_each_window():
    x = R.random((1, 2, 7, 6)) + 0.1
    y = mt.nn.functional.lp_pool2d(mt.tensor(x), 3, (3, 2))
    expected = (x[:, :, :6, :].reshape(1, 2, 2, 3, 3, 2) ** 3).sum((3, 5)) ** (1 / 3)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-12)
    module = mt.nn.LPPool1d(2, 3)
    assert repr(module) == "LPPool1d(norm_type=2, kernel_size=3, stride=None, ceil_mode=False)"
    np.testing.assert_allclose(module(mt.tensor([[3.0, 4.0, 0.0]])).numpy(), [[5.0]])
    x3 = R.random((2, 4, 6, 3)) + 0.1
    y3 = mt.nn.LPPool3d(2.5, (2, 3, 1))(mt.tensor(x3))  # (lp_pool3d and LPPool3d were missing until 2026-12-04)
    expected = (x3.reshape(2, 2, 2, 2, 3, 3, 1) ** 2.5).sum((2, 4, 6)) ** (1 / 2.5)
    np.testing.assert_allclose(y3.numpy(), expected, rtol=1e-12)
    assert repr(mt.nn.LPPool3d(2, 2, 1)) == "LPPool3d(norm_type=2, kernel_size=2, stride=1, ceil_mode=False)"
    with pytest.raises(ValueError, match="lp_pool1d: kernel_size must be at least 1"):
        mt.nn.functional.lp_pool1d(mt.tensor([[1.0, 2.0]]), 2, 0)


@pytest.mark.parametrize("case", CASES)
def test_lp_pool_gradients_match_finite_differences(case):
    x = mt.tensor(R.random(case[1]) + 0.1, requires_grad=True)  # (positive: x^1.5 of a negative is NaN)
    assert gradcheck(lambda t: _run(mt, case, t), (x,))
    assert gradgradcheck(lambda t: _run(mt, case, t), (x,))


@needs_torch
@pytest.mark.parametrize("case", CASES)
def test_lp_pool_matches_pytorch(case):
    data = R.standard_normal(case[1])
    data = data if case[2] == 2 else np.abs(data) + 0.1
    results = []
    for lib in (mt, torch):
        x = lib.tensor(data, requires_grad=True)
        y = _run(lib, case, x)
        (g,) = lib.autograd.grad((y * y * y).sum(), x, create_graph=True)
        (h,) = lib.autograd.grad((g * g).sum(), x)
        module = getattr(lib.nn, f"LPPool{case[0]}d")(*case[2:])
        results.append(
            [y.detach().numpy(), g.detach().numpy(), h.numpy(), module(lib.tensor(data)).numpy(), repr(module)]
        )
    for ours, theirs in zip(*results, strict=True):
        if isinstance(ours, str):
            assert ours == theirs
        else:
            np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("p", [2.0, 3.0, 1.5])
def test_a_window_of_zeros_has_the_gradient_zero_after_a_relu(p):
    """An LP pool after a ReLU meets windows of zeros: their gradient is 0, as PyTorch's, where the
    p-th root's infinite slope gave NaN through the whole input until 2026-12-04."""
    rows = [[[-1.0, -2.0, 0.5, -0.3, 0.0, 0.0], [2.0, 1.0, -0.5, 0.0, 0.2, -3.0]]]
    x = mt.tensor(rows, dtype=mt.float64, requires_grad=True)
    y = mt.nn.functional.lp_pool1d(x.relu(), p, 2)
    (g,) = mt.autograd.grad((y * y).sum() + y.sum(), x)
    relu = np.maximum(x.detach().numpy(), 0.0)
    windows = relu.reshape(1, 2, 3, 2)
    norms = (windows**p).sum(-1, keepdims=True) ** (1 / p)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(norms > 0, (2 * norms + 1) * (windows / norms) ** (p - 1), 0.0).reshape(1, 2, 6)
    np.testing.assert_allclose(g.numpy(), expected * (x.detach().numpy() > 0), rtol=1e-12)
    if torch is not None:
        t = torch.tensor(x.detach().numpy(), requires_grad=True)
        ty = torch.nn.functional.lp_pool1d(t.relu(), p, 2)
        (tg,) = torch.autograd.grad((ty * ty).sum() + ty.sum(), t)
        np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-12)

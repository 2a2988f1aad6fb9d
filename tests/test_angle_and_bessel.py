"""torch.angle / t.angle() and special.i0, i0e, i1, i1e (with torch.i0, t.i0()): values and
gradients against PyTorch (where installed), finite differences, second derivatives."""

import numpy as np
import pytest

import mytorch as mt
from mytorch.autograd import gradcheck, gradgradcheck

try:
    import torch
except ImportError:  # pragma: no cover - PyTorch is optional
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

EDGES = [-2.0, 0.0, -0.0, 3.0, np.nan, -np.inf, np.inf]
BESSEL = ["i0", "i0e", "i1", "i1e"]
POINTS = np.array([-800.0, -35, -30, -29.9, -3, -1e-3, 0, 1e-3, 0.5, 2, 10, 29.99, 30, 30.01, 50, 100, 700, 710])


def test_angle_of_reals_is_0_or_pi_with_gradient_0_and_of_complex_numbers_atan2():
    x = mt.tensor(EDGES, requires_grad=True)
    y = mt.angle(x)
    pi = np.float32(np.pi)
    np.testing.assert_array_equal(y.detach().numpy(), np.array([pi, 0, 0, 0, np.nan, pi, 0], np.float32))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(7))
    assert (
        mt.tensor([1, -2]).angle().dtype == mt.float32
        and mt.tensor([1.0], dtype=mt.float64).angle().dtype == mt.float64
    )
    z = mt.tensor([1 + 1j, -2 + 0j, 0j, -1 - 1j], requires_grad=True)
    a = z.angle()
    assert a.dtype == mt.float32
    np.testing.assert_allclose(a.detach().numpy(), [np.pi / 4, np.pi, 0, -3 * np.pi / 4], rtol=1e-6)
    a.sum().backward()  # (PyTorch's convention: g z / |z|^2 * 1j; 0 at z = 0)
    np.testing.assert_allclose(z.grad.numpy(), [-0.5 + 0.5j, -0.5j, 0, 0.5 - 0.5j], rtol=1e-6, atol=1e-7)


@needs_torch
def test_angle_matches_pytorch():
    for values in (EDGES, [1 + 1j, -2 + 0j, 0j, -1 - 1j, 3 - 4j]):
        x, t = mt.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
        y, u = mt.angle(x), torch.angle(t)
        np.testing.assert_allclose(y.detach().numpy(), u.detach().numpy(), rtol=1e-6)
        (y * mt.arange(len(values))).sum().backward()
        (u * torch.arange(len(values))).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_bessel_functions_satisfy_their_closed_forms_and_edges():
    x = mt.tensor(POINTS)
    i0, i0e, i1, i1e = (getattr(mt.special, n)(x).numpy() for n in BESSEL)
    inner = np.abs(POINTS) < 700  # (NumPy's i0 overflows beyond)
    np.testing.assert_allclose(i0[inner], np.i0(POINTS[inner]), rtol=1e-13)
    np.testing.assert_allclose(i0e[inner], np.i0(POINTS[inner]) * np.exp(-np.abs(POINTS[inner])), rtol=1e-13)
    np.testing.assert_allclose(i1e[inner], i1[inner] * np.exp(-np.abs(POINTS[inner])), rtol=1e-13)
    np.testing.assert_allclose(i1[7], 5e-4 + (1e-3) ** 3 / 16, rtol=1e-12)  # x/2 + x^3/16
    np.testing.assert_array_equal(i1, -mt.special.i1(-x).numpy())  # odd
    edges = mt.tensor([np.inf, -np.inf, np.nan])
    np.testing.assert_array_equal(mt.special.i0(edges).numpy(), [np.inf, np.inf, np.nan])
    np.testing.assert_array_equal(mt.special.i1(edges).numpy(), [np.inf, -np.inf, np.nan])
    np.testing.assert_array_equal(mt.special.i1e(edges).numpy(), [0.0, -0.0, np.nan])
    assert mt.i0(mt.tensor([1, 2])).dtype == mt.float32 and mt.tensor([1.0]).i0().dtype == mt.float32
    with pytest.raises(TypeError, match="special.i1: expected a real tensor"):
        mt.special.i1(mt.tensor([1j]))


@pytest.mark.parametrize("name", BESSEL)
def test_bessel_gradients_match_finite_differences_to_second_order(name):
    f = getattr(mt.special, name)
    x = mt.tensor([-31.0, -2.5, -0.3, 0.0, 0.7, 4.0, 29.0, 45.0], dtype=mt.float64, requires_grad=True)
    assert gradcheck(f, (x,))
    smooth = mt.tensor(x.detach().numpy()[x.detach().numpy() != 0], requires_grad=True)  # (i0e, i1e: a kink at 0)
    assert gradgradcheck(f, (smooth if name.endswith("e") else x,))


@needs_torch
@pytest.mark.parametrize("name", BESSEL)
def test_bessel_values_and_gradients_match_pytorch(name):
    for dtype, tol in ((np.float64, 1e-12), (np.float32, 1e-6)):
        points = POINTS if dtype == np.float64 else POINTS[np.abs(POINTS) < 80]  # (float32's I0 overflows at 89)
        x = mt.tensor(points.astype(dtype), requires_grad=True)
        t = torch.tensor(points, requires_grad=True)  # (float64: PyTorch's float32 gradients are off by 3e-4)
        y, u = getattr(mt.special, name)(x), getattr(torch.special, name)(t)
        assert y.dtype == dtype
        np.testing.assert_allclose(y.detach().numpy(), u.detach().numpy(), rtol=tol * 10)
        (g,) = mt.autograd.grad(y.sum(), x, create_graph=True)
        (h,) = torch.autograd.grad(u.sum(), t, create_graph=True)
        finite = np.isfinite(h.detach().numpy())
        np.testing.assert_allclose(g.detach().numpy()[finite], h.detach().numpy()[finite], rtol=tol * 10, atol=1e-300)
        if dtype == np.float64:
            (gg,) = mt.autograd.grad(g.sum(), x)
            (hh,) = torch.autograd.grad(h.sum(), t)
            np.testing.assert_allclose(gg.numpy()[finite], hh.numpy()[finite], rtol=1e-9)

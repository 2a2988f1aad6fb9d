"""Reparameterised Gamma, Chi2, Beta, Dirichlet and StudentT draws (``mytorch/distributions/implicit.py``):
the implicit slope dx/da against finite differences of SciPy's incomplete gamma function and
PyTorch's ``_standard_gamma_grad``, expectations of gradients against closed forms, forward mode
against reverse mode, and the second derivative refused as PyTorch refuses it."""

from __future__ import annotations

import numpy as np
import pytest

import mytorch as mt
from mytorch.distributions import Beta, Chi2, Dirichlet, Gamma, StudentT
from mytorch.distributions.implicit import gamma_slope

CONCENTRATIONS = [0.01, 0.3, 1.0, 2.5, 9.0, 80.0, 3000.0]


def _draws(a: float, n: int = 400) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(int(a * 1000))
    alpha = np.full(n, a)
    return alpha, np.maximum(rng.standard_gamma(alpha), np.finfo(float).tiny)


@pytest.mark.parametrize("a", CONCENTRATIONS)
def test_slope_is_minus_dF_da_over_the_density(a):
    special = pytest.importorskip("scipy.special")
    alpha, x = _draws(a)
    x = np.concatenate([x, [a + np.sqrt(a) + 0.99, a + np.sqrt(a) + 1.01, 3 * a + 30]])  # both sides of the switch
    alpha = np.full(x.shape, a)
    h = 1e-6 * a
    d_cdf = (special.gammainc(alpha + h, x) - special.gammainc(alpha - h, x)) / (2 * h)
    d_tail = (special.gammaincc(alpha + h, x) - special.gammaincc(alpha - h, x)) / (2 * h)  # (= -d_cdf, more digits)
    density = np.exp((alpha - 1) * np.log(x) - x - special.gammaln(alpha))
    with np.errstate(invalid="ignore", divide="ignore"):  # (a density that underflows to 0 is left out)
        expected = np.where(x > alpha, d_tail, -d_cdf) / density
    kept = np.isfinite(expected) & (density > 1e-250)
    np.testing.assert_allclose(gamma_slope(alpha, x)[kept], expected[kept], rtol=2e-6, atol=1e-300)


@pytest.mark.parametrize("a", CONCENTRATIONS)
def test_slope_agrees_with_pytorch(a):
    torch = pytest.importorskip("torch")
    alpha, x = _draws(a)
    theirs = torch._standard_gamma_grad(torch.tensor(alpha), torch.tensor(x)).numpy()
    np.testing.assert_allclose(gamma_slope(alpha, x), theirs, rtol=2e-3)  # (PyTorch's is an approximation)


def test_gradients_average_to_the_gradients_of_the_moments():
    mt.manual_seed(0)
    a = mt.tensor([0.4, 2.0, 30.0], dtype=mt.float64, requires_grad=True)
    rate = mt.tensor([1.0, 2.0, 0.5], dtype=mt.float64, requires_grad=True)
    draws = Gamma(a, rate).rsample((40000,))
    (draws.pow(2).mean(0)).sum().backward()  # E x^2 = a (a + 1) / rate^2
    a0, r0 = a.detach().numpy(), rate.detach().numpy()
    np.testing.assert_allclose(a.grad.numpy(), (2 * a0 + 1) / r0**2, rtol=0.03)
    np.testing.assert_allclose(rate.grad.numpy(), -2 * a0 * (a0 + 1) / r0**3, rtol=0.03)
    c = mt.tensor([0.5, 2.0, 3.0], dtype=mt.float64, requires_grad=True)
    Dirichlet(c).rsample((40000,)).mean(0)[0].backward()  # E x_0 = c_0 / sum c
    np.testing.assert_allclose(c.grad.numpy(), np.array([5.0, -0.5, -0.5]) / 5.5**2, rtol=0.03)
    c1 = mt.tensor(2.0, dtype=mt.float64, requires_grad=True)
    c0 = mt.tensor(3.0, dtype=mt.float64, requires_grad=True)
    Beta(c1, c0).rsample((40000,)).mean().backward()
    assert c1.grad.item() == pytest.approx(3 / 25, rel=0.03) and c0.grad.item() == pytest.approx(-2 / 25, rel=0.03)
    df = mt.tensor(6.0, dtype=mt.float64, requires_grad=True)
    Chi2(df).rsample((40000,)).mean().backward()  # E = df
    assert df.grad.item() == pytest.approx(1.0, rel=0.03)
    df.grad = None
    scale = mt.tensor(2.0, dtype=mt.float64, requires_grad=True)
    (StudentT(df, 1.0, scale).rsample((200000,)) - 1).pow(2).mean().backward()  # scale^2 df / (df - 2)
    assert df.grad.item() == pytest.approx(-2 * 4.0 / 16, rel=0.05)
    assert scale.grad.item() == pytest.approx(2 * 2.0 * 6 / 4, rel=0.05)


def test_draws_keep_dtype_shape_and_stay_positive():
    mt.manual_seed(1)
    tiny = Gamma(mt.tensor([1e-3, 1.0]), 1.0).rsample((500,))  # float32 draws of a = 1e-3 underflow to 0
    assert tiny.dtype == mt.float32 and tiny.shape == (500, 2) and (tiny.numpy() > 0).all()
    x = Dirichlet(mt.ones(2, 3, dtype=mt.float64)).rsample((4,))
    assert x.shape == (4, 2, 3) and np.allclose(x.sum(-1).numpy(), 1.0)
    a = mt.tensor([1e-3, 0.5], requires_grad=True)
    Gamma(a, 1.0).rsample((50,)).sum().backward()
    assert np.isfinite(a.grad.numpy()).all()
    with mt.no_grad():
        assert not Gamma(a, 1.0).rsample().requires_grad
    assert not Gamma(a, 1.0).sample().requires_grad


def test_forward_mode_gives_the_reverse_mode_slope():
    import mytorch.autograd.forward_ad as fwAD

    a = mt.tensor([0.7, 4.0], dtype=mt.float64)
    mt.manual_seed(3)
    with fwAD.dual_level():
        out = Gamma(fwAD.make_dual(a, mt.ones(2, dtype=mt.float64)), 1.0).rsample()
        primal, tangent = fwAD.unpack_dual(out)
    mt.manual_seed(3)
    leaf = a.clone().requires_grad_()
    again = Gamma(leaf, 1.0).rsample()
    again.sum().backward()
    np.testing.assert_array_equal(primal.numpy(), again.detach().numpy())
    np.testing.assert_allclose(tangent.numpy(), leaf.grad.numpy(), rtol=1e-14)


def _second_order(lib):
    a = lib.tensor([0.5, 2.0], dtype=lib.float64, requires_grad=True)
    w = lib.tensor(3.0, dtype=lib.float64, requires_grad=True)
    x = lib.distributions.Gamma(a, 1.0).rsample()
    (g,) = lib.autograd.grad((w * x).sum(), a, create_graph=True)
    (gw,) = lib.autograd.grad(g.sum(), w, retain_graph=True)
    with pytest.raises(NotImplementedError):
        lib.autograd.grad(g.sum(), a)
    return g, gw


def test_second_derivatives_reach_other_inputs_and_refuse_the_slope_as_pytorch():
    g, gw = _second_order(mt)
    assert gw.item() == pytest.approx(g.sum().item() / 3.0, rel=1e-14)
    torch = pytest.importorskip("torch")
    g, gw = _second_order(torch)
    assert gw.item() == pytest.approx(g.sum().item() / 3.0, rel=1e-14)


@pytest.mark.parametrize("shape", [(), (2,)], ids=["0-d", "1-d"])
def test_the_slope_is_refused_under_a_constant_incoming_gradient(shape):
    """d²/da² of rsample().sum() + a²: the draw's gradient arrives as a constant there. Until
    2026-12-04 the slope was then taken as a constant, so the second derivative of a 1-d draw was
    [2, 2] (silently wrong), and a 0-d draw's create_graph backward crashed ("'numpy.float64'
    object is not iterable"); PyTorch refuses, as now MyTorch."""
    a = mt.tensor(np.full(shape, 2.0), requires_grad=True)
    x = Gamma(a, mt.tensor(1.0, dtype=mt.float64)).rsample()
    (g,) = mt.grad(x.sum() + (a**2).sum(), a, create_graph=True)
    assert g.requires_grad
    np.testing.assert_allclose(g.detach().numpy(), gamma_slope(a.numpy(), x.detach().numpy()) + 4.0, rtol=1e-14)
    with pytest.raises(NotImplementedError, match="second derivative of a Gamma"):
        mt.grad(g.sum(), a)

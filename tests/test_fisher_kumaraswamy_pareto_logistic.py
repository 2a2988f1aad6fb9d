"""``FisherSnedecor``, ``Kumaraswamy``, ``GeneralizedPareto`` and ``LogisticNormal``: densities that
integrate to 1 and moments by Gauss-Legendre quadrature, sample moments for a fixed seed, log_prob
gradients against central differences, argument checks; and values, moments and gradients against
PyTorch 2.13 where it is installed."""

from __future__ import annotations

import math

import numpy as np
import pytest

import mytorch as mt
from mytorch.distributions import FisherSnedecor, GeneralizedPareto, Kumaraswamy, LogisticNormal

NODES, WEIGHTS = np.polynomial.legendre.leggauss(400)


def _on_unit_interval(lo: float = 0.0, hi: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre points and weights on (lo, hi)."""
    half = (hi - lo) / 2
    return lo + half * (NODES + 1), half * WEIGHTS


def _on_unit_interval_flattened() -> tuple[np.ndarray, np.ndarray]:
    """Points and weights on (0, 1) through x = t^3 (10 - 15 t + 6 t^2), whose derivative 30 t^2 (1 - t)^2
    flattens a density that grows like x^(p - 1) or (1 - x)^(p - 1) at either end."""
    t, w = _on_unit_interval()
    return t**3 * (10 - 15 * t + 6 * t**2), w * 30 * t**2 * (1 - t) ** 2


def _on_half_line(start: float) -> tuple[np.ndarray, np.ndarray]:
    """Points and weights on (start, inf) through x = start + t^2 / (1 - t)^2, t in (0, 1) (the square
    flattens a density that grows like x^(p - 1) near start)."""
    t, w = _on_unit_interval()
    return start + (t / (1 - t)) ** 2, w * 2 * t / (1 - t) ** 3


def _f64(values) -> mt.Tensor:
    return mt.tensor(np.asarray(values, dtype=np.float64))


def _moments_by_quadrature(d, x: np.ndarray, w: np.ndarray) -> tuple[float, float, float, float]:
    """The total mass, mean, variance and entropy of the density ``d.log_prob`` on the points ``x``."""
    log_p = d.log_prob(_f64(x)).numpy()
    p = np.exp(log_p)
    mass, mean = np.sum(w * p), np.sum(w * p * x)
    entropy = -np.sum(w * p * np.where(p > 0, log_p, 0.0))  # (0 log 0 = 0 where x rounds onto an end)
    return mass, mean, np.sum(w * p * (x - mean) ** 2), entropy


def test_densities_integrate_to_one_and_moments_match_by_quadrature():
    f = FisherSnedecor(_f64(3.0), _f64(11.0))
    mass, mean, variance, _ = _moments_by_quadrature(f, *_on_half_line(0.0))
    np.testing.assert_allclose([mass, mean, variance], [1.0, f.mean.item(), f.variance.item()], rtol=1e-6)
    assert f.mean.item() == pytest.approx(11 / 9) and f.mode.item() == pytest.approx(1 / 3 * 11 / 13)
    for a, b in ((2.0, 3.0), (0.7, 1.6), (4.0, 0.8)):
        k = Kumaraswamy(_f64(a), _f64(b))
        mass, mean, variance, entropy = _moments_by_quadrature(k, *_on_unit_interval_flattened())
        expected = [1.0, k.mean.item(), k.variance.item(), k.entropy().item()]
        np.testing.assert_allclose([mass, mean, variance, entropy], expected, rtol=1e-6, err_msg=str((a, b)))
    for loc, scale, c in ((0.5, 2.0, 0.2), (-1.0, 0.5, 0.0), (0.0, 1.5, -0.4), (1.0, 1.0, -1.0)):
        g = GeneralizedPareto(_f64(loc), _f64(scale), _f64(c))
        points = _on_half_line(loc) if c >= 0 else _on_unit_interval(loc, loc - scale / c)
        mass, mean, variance, entropy = _moments_by_quadrature(g, *points)
        expected = [1.0, g.mean.item(), g.variance.item(), g.entropy().item()]
        np.testing.assert_allclose([mass, mean, variance, entropy], expected, rtol=1e-6, err_msg=str(c))
    # A two-point LogisticNormal is a logit-normal: its density over y1 integrates to 1.
    y1, w = _on_unit_interval()
    ln = LogisticNormal(_f64([0.4]), _f64([0.8]))
    density = np.exp(ln.log_prob(_f64(np.stack([y1, 1 - y1], -1))).numpy())
    np.testing.assert_allclose(np.sum(w * density), 1.0, rtol=1e-8)


def test_closed_forms_quantiles_and_modes():
    x = np.array([0.1, 0.45, 0.9])
    a, b = 2.5, 1.7
    k = Kumaraswamy(_f64(a), _f64(b))
    closed = np.log(a * b) + (a - 1) * np.log(x) + (b - 1) * np.log1p(-(x**a))
    np.testing.assert_allclose(k.log_prob(_f64(x)).numpy(), closed, rtol=1e-12)
    np.testing.assert_allclose(k.cdf(k.icdf(_f64(x))).numpy(), x, rtol=1e-12)
    grid = np.linspace(1e-4, 1 - 1e-4, 200001)
    argmax = grid[np.argmax(k.log_prob(_f64(grid)).numpy())]
    assert k.mode.item() == pytest.approx(argmax, abs=1e-4)  # (PyTorch 2.13's mode is NaN here)
    assert math.isnan(Kumaraswamy(_f64(0.5), _f64(2.0)).mode.item())
    g = GeneralizedPareto(_f64(0.0), _f64(2.0), _f64(0.0))  # concentration 0: Exponential of rate 1/2
    np.testing.assert_allclose(g.log_prob(_f64(x)).numpy(), np.log(0.5) - x / 2, rtol=1e-12)
    np.testing.assert_allclose(g.cdf(_f64(x)).numpy(), 1 - np.exp(-x / 2), rtol=1e-12)
    for c in (0.3, 0.0, -0.6):
        g = GeneralizedPareto(_f64(1.0), _f64(2.0), _f64(c))
        np.testing.assert_allclose(g.cdf(g.icdf(_f64(x))).numpy(), x, rtol=1e-12)
        np.testing.assert_allclose(np.exp(g.log_survival_function(g.icdf(_f64(x))).numpy()), 1 - x, rtol=1e-12)
    uniform = GeneralizedPareto(_f64(1.0), _f64(3.0), _f64(-1.0))  # concentration -1: uniform on [1, 4]
    assert uniform.log_prob(_f64(2.0)).item() == pytest.approx(-math.log(3))
    assert math.isnan(GeneralizedPareto(0.0, 1.0, 1.5).mean.item())
    assert math.isnan(FisherSnedecor(3.0, 2.0).mean.item()) and math.isnan(FisherSnedecor(3.0, 4.0).variance.item())
    assert math.isnan(FisherSnedecor(2.0, 4.0).mode.item())


def test_sample_moments_for_a_fixed_seed():
    mt.manual_seed(0)
    n = 200000
    cases = [
        (FisherSnedecor(_f64(5.0), _f64(12.0)), 0.01, 0.05),
        (Kumaraswamy(_f64(2.0), _f64(3.0)), 0.005, 0.02),
        (GeneralizedPareto(_f64(0.5), _f64(1.5), _f64(0.1)), 0.01, 0.05),
        (GeneralizedPareto(_f64(0.0), _f64(1.0), _f64(-0.5)), 0.01, 0.03),
    ]
    for d, mean_tol, variance_tol in cases:
        s = d.sample((n,)).numpy()
        assert d.support.check(_f64(s)).numpy().all()
        np.testing.assert_allclose(s.mean(), d.mean.item(), rtol=mean_tol, err_msg=repr(d))
        np.testing.assert_allclose(s.var(), d.variance.item(), rtol=variance_tol, err_msg=repr(d))
    ln = LogisticNormal(_f64([0.5, -0.5]), _f64([0.3, 0.6]))
    s = ln.sample((n,)).numpy()
    assert s.shape == (n, 3) and np.allclose(s.sum(-1), 1.0)
    # the logit of each stick's broken share is the normal draw less the offset log(K - 1 - k)
    logits = np.stack([np.log(s[:, 0] / (s[:, 1] + s[:, 2])), np.log(s[:, 1] / s[:, 2])], -1)
    np.testing.assert_allclose(logits.mean(0), [0.5 - math.log(2), -0.5], atol=0.01)
    np.testing.assert_allclose(logits.std(0), [0.3, 0.6], rtol=0.01)


def _central_difference(f, values: list[np.ndarray], h: float = 1e-6) -> list[np.ndarray]:
    out = []
    for i, v in enumerate(values):
        grad = np.zeros_like(v)
        for j in range(v.size):
            up, down = [u.copy() for u in values], [u.copy() for u in values]
            up[i].flat[j] += h
            down[i].flat[j] -= h
            grad.flat[j] = (f(*up) - f(*down)) / (2 * h)
        out.append(grad)
    return out


@pytest.mark.parametrize(
    "make, parameters, value",
    [
        (FisherSnedecor, [[1.5, 4.0], [3.0, 0.8]], [0.7, 2.0]),
        (Kumaraswamy, [[0.6, 2.5], [1.4, 3.0]], [0.3, 0.8]),
        (GeneralizedPareto, [[0.0, 1.0], [1.5, 0.7], [0.3, -0.4]], [0.5, 1.9]),
        (LogisticNormal, [[[0.2, -0.3]], [[0.9, 1.4]]], [[0.2, 0.5, 0.3]]),
    ],
)
def test_log_prob_gradients_match_central_differences(make, parameters, value):
    arrays = [np.array(p, dtype=np.float64) for p in parameters]
    x = _f64(value)

    def total(*ps):
        return make(*[_f64(p) for p in ps]).log_prob(x).sum().item()

    leaves = [mt.tensor(a, requires_grad=True) for a in arrays]
    make(*leaves).log_prob(x).sum().backward()
    for leaf, expected in zip(leaves, _central_difference(total, arrays)):
        np.testing.assert_allclose(leaf.grad.numpy(), expected, rtol=1e-6, atol=1e-8)


def test_rsample_gradients_match_central_differences_for_the_quantile_draws():
    # Kumaraswamy and GeneralizedPareto draw by the quantile of a uniform: the same seed gives the
    # same uniforms, so the draw is a smooth function of the parameters.
    for make, parameters in ((Kumaraswamy, [1.3, 2.2]), (GeneralizedPareto, [0.5, 1.5, 0.25])):
        arrays = [np.array(p, dtype=np.float64) for p in parameters]

        def total(*ps, make=make):
            mt.manual_seed(3)
            return make(*[_f64(p) for p in ps]).rsample((4,)).sum().item()

        leaves = [mt.tensor(a, requires_grad=True) for a in arrays]
        mt.manual_seed(3)
        make(*leaves).rsample((4,)).sum().backward()
        for leaf, expected in zip(leaves, _central_difference(total, arrays)):
            np.testing.assert_allclose(leaf.grad.item(), expected, rtol=1e-6)
    df1, df2 = mt.tensor(3.0, requires_grad=True), mt.tensor(7.0, requires_grad=True)
    draws = FisherSnedecor(df1, df2).rsample((50,))
    draws.sum().backward()
    assert draws.shape == (50,) and np.isfinite([df1.grad.item(), df2.grad.item()]).all()


def test_bad_arguments_raise_value_errors():
    with pytest.raises(ValueError, match="FisherSnedecor: parameter df2"):
        FisherSnedecor(1.0, -2.0)
    with pytest.raises(ValueError, match="Kumaraswamy: parameter concentration1"):
        Kumaraswamy(0.0, 1.0)
    with pytest.raises(ValueError, match="GeneralizedPareto: parameter scale"):
        GeneralizedPareto(0.0, 0.0, 0.1)
    with pytest.raises(ValueError, match="GeneralizedPareto: parameter concentration"):
        GeneralizedPareto(0.0, 1.0, math.nan)
    with pytest.raises(ValueError, match="LogisticNormal|Normal: parameter scale"):
        LogisticNormal([0.0], [-1.0])
    with pytest.raises(ValueError, match="outside the support"):
        FisherSnedecor(1.0, 2.0).log_prob(mt.tensor(-0.5))
    with pytest.raises(ValueError, match="outside the support"):
        Kumaraswamy(1.0, 2.0).log_prob(mt.tensor(1.5))
    with pytest.raises(ValueError, match="outside the support"):
        GeneralizedPareto(0.0, 1.0, -0.5).log_prob(mt.tensor(2.5))  # (the support ends at 2)
    with pytest.raises(ValueError, match="outside the support"):
        LogisticNormal([0.0], [1.0]).log_prob(mt.tensor([0.3, 0.3]))
    assert GeneralizedPareto(0.0, 1.0, -0.5, validate_args=False).log_prob(mt.tensor(1.0)).item() == pytest.approx(
        math.log(0.5)
    )


def test_shapes_and_supports_as_torchs():
    ln = LogisticNormal(mt.zeros(2, 3), 1.0)
    assert (ln.batch_shape, ln.event_shape, ln.rsample((5,)).shape) == ((2,), (4,), (5, 2, 4))
    assert (LogisticNormal(0.0, 1.0).batch_shape, LogisticNormal(0.0, 1.0).event_shape) == ((), (2,))
    assert isinstance(ln, mt.distributions.TransformedDistribution) and ln.loc.shape == (2, 3)
    g = GeneralizedPareto(mt.tensor([0.0, 1.0]), 2.0, mt.tensor([0.5, -0.5]))
    assert g.batch_shape == (2,) and g.support.upper_bound.tolist() == [math.inf, 5.0]
    k = Kumaraswamy(mt.ones(3), mt.ones(2, 1))
    assert k.batch_shape == (2, 3) and k.rsample((4,)).shape == (4, 2, 3)
    assert FisherSnedecor(mt.ones(3), 2.0).sample((2,)).shape == (2, 3)


def _run(lib, dtype):
    """Every number of the four families that PyTorch defines, and the parameters' gradients."""
    dists = lib.distributions

    def t(values):
        return lib.tensor(np.array(values, dtype=dtype), requires_grad=True)

    def v(values):
        return lib.tensor(np.array(values, dtype=dtype))

    d1, d2 = t([1.5, 3.0, 6.0]), t([1.0, 4.5, 9.0])
    a, b = t([1.5, 3.0, 0.6]), t([1.0, 4.5, 0.8])
    m, s, c = t([0.0, 1.0, -1.0]), t([1.0, 2.0, 0.5]), t([0.3, 0.0, -0.4])
    loc, scale = t([[0.3, -0.5, 1.0], [0.0, 0.2, -1.0]]), t([[1.0, 0.5, 2.0], [0.7, 1.2, 0.3]])
    x, q = v([0.3, 0.7, 0.95]), v([0.1, 0.5, 0.9])
    f, k = dists.FisherSnedecor(d1, d2), dists.Kumaraswamy(a, b)
    g, ln = dists.GeneralizedPareto(m, s, c), dists.LogisticNormal(loc, scale)
    y = v([[0.1, 0.2, 0.3, 0.4], [0.25, 0.25, 0.4, 0.1]])
    out = [f.log_prob(x * 3), f.mean, f.mode, f.variance]
    out += [k.log_prob(x), k.mean, k.variance, k.entropy(), k.cdf(x), k.icdf(q)]
    out += [g.mean, g.variance, g.entropy(), g.icdf(q), ln.log_prob(y)]
    if dtype == np.float32:  # (PyTorch 2.13's fail in float64: a float32 zero meets the concentration)
        above = x + m.detach()
        out += [g.log_prob(above), g.cdf(above), g.log_survival_function(above), g.log_cdf(above)]
    finite = [o for o in out if np.isfinite(o.detach().numpy()).all()]
    total = sum((o * (i + 1)).sum() for i, o in enumerate(finite))
    grads = lib.autograd.grad(total, [d1, d2, a, b, m, s, c, loc, scale])
    return [o.detach().numpy() for o in out] + [gr.numpy() for gr in grads]


@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-9), (np.float32, 2e-5)])
def test_values_moments_and_gradients_match_pytorchs(dtype, rtol):
    torch = pytest.importorskip("torch")
    mine, theirs = _run(mt, dtype), _run(torch, dtype)
    for i, (a, b) in enumerate(zip(mine, theirs)):
        assert a.shape == b.shape and a.dtype == b.dtype, i
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * 1e-3, err_msg=str(i))

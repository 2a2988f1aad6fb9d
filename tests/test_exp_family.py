"""``ExponentialFamily``: the Bregman entropy and KL divergence from the natural parameters and log
normaliser equal the closed forms of Normal, Exponential, Gamma, Chi2, Bernoulli, Beta, Dirichlet,
Poisson and Wishart; a user's subclass gets its entropy from them; which classes are exponential
families, and the numbers, as PyTorch 2.13's (its batched Wishart KL excepted)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import mytorch as mt
from mytorch.distributions import (
    Bernoulli,
    Beta,
    Chi2,
    Dirichlet,
    Exponential,
    ExponentialFamily,
    Gamma,
    Normal,
    Poisson,
    Wishart,
    kl_divergence,
)
from mytorch.distributions.exp_family import kl_exponential_family


def _t(values) -> mt.Tensor:
    return mt.tensor(np.asarray(values, dtype=np.float64))


S = np.array([[2.0, 0.5], [0.5, 1.0]])


def _pairs() -> list[tuple[ExponentialFamily, ExponentialFamily]]:
    return [
        (Normal(_t([0.3, -1.0]), _t([0.5, 2.0])), Normal(_t([1.0, 0.0]), _t([1.5, 0.7]))),
        (Exponential(_t([0.5, 3.0])), Exponential(_t([2.0, 1.0]))),
        (Gamma(_t([0.7, 4.0]), _t([2.0, 0.5])), Gamma(_t([1.5, 2.0]), _t([1.0, 1.0]))),
        (Bernoulli(probs=_t([0.2, 0.9])), Bernoulli(probs=_t([0.5, 0.6]))),
        (Beta(_t([0.7, 2.0]), _t([1.5, 3.0])), Beta(_t([1.0, 1.0]), _t([2.0, 0.5]))),
        (Dirichlet(_t([[1.0, 2.0, 0.5]])), Dirichlet(_t([[2.0, 2.0, 2.0]]))),
        (Poisson(_t([2.0, 0.3])), Poisson(_t([1.0, 1.5]))),
    ]


def test_bregman_entropy_and_kl_equal_the_closed_forms():
    for p, q in _pairs():
        np.testing.assert_allclose(kl_exponential_family(p, q).numpy(), kl_divergence(p, q).numpy(), rtol=1e-12)
        if p._mean_carrier_measure is not None:
            bregman = ExponentialFamily.entropy(p).numpy()
            np.testing.assert_allclose(bregman, p.entropy().numpy(), rtol=1e-12, err_msg=type(p).__name__)
    chi2 = Chi2(_t([3.0, 7.5]))
    np.testing.assert_allclose(ExponentialFamily.entropy(chi2).numpy(), chi2.entropy().numpy(), rtol=1e-12)
    with pytest.raises(NotImplementedError, match="two of one kind"):
        kl_exponential_family(Normal(0.0, 1.0), Exponential(1.0))


def _wishart_kl(n1, s1, n2, s2) -> float:
    """KL(W(n1, S1) || W(n2, S2)), written out."""
    p = s1.shape[-1]

    def log_multi_gamma(a):
        return p * (p - 1) / 4 * math.log(math.pi) + sum(math.lgamma(a - j / 2) for j in range(p))

    def multi_digamma(a):
        h = 1e-5  # (the derivative of log Gamma_p by central differences, good to 1e-10 here)
        return (log_multi_gamma(a + h) - log_multi_gamma(a - h)) / (2 * h)

    log_det = np.linalg.slogdet(s2)[1] - np.linalg.slogdet(s1)[1]
    trace = np.trace(np.linalg.solve(s2, s1))
    return (
        n2 / 2 * log_det
        + n1 / 2 * (trace - p)
        + log_multi_gamma(n2 / 2)
        - log_multi_gamma(n1 / 2)
        + (n1 - n2) / 2 * multi_digamma(n1 / 2)
    )


def test_wishart_kl_by_the_bregman_divergence():
    p, q = Wishart(_t([3.0, 5.0]), _t(S)), Wishart(_t([4.0, 2.5]), _t(np.eye(2) * 1.5))
    expected = [_wishart_kl(n1, S, n2, np.eye(2) * 1.5) for n1, n2 in ((3.0, 4.0), (5.0, 2.5))]
    np.testing.assert_allclose(kl_divergence(p, q).numpy(), expected, rtol=1e-8)
    assert kl_divergence(p, p).numpy() == pytest.approx([0.0, 0.0], abs=1e-12)


class _Rayleigh(ExponentialFamily):
    """A user's family: density (x / s^2) exp(-x^2 / (2 s^2)); theta = -1 / (2 s^2), t(x) = x^2,
    F(theta) = -log(-2 theta), h(x) = x, so E[log h(X)] = log s + (log 2 - gamma) / 2."""

    def __init__(self, scale):
        self.scale = scale
        self.batch_shape = tuple(scale.shape)

    @property
    def _natural_params(self):
        return (-0.5 / self.scale**2,)

    def _log_normalizer(self, *natural_params):
        return -(-2 * natural_params[0]).log()

    @property
    def _mean_carrier_measure(self):
        return self.scale.log() + (math.log(2) - 0.5772156649015329) / 2


def test_a_users_subclass_gets_its_entropy_from_the_log_normalizer():
    scale = _t([0.5, 1.0, 3.0])
    closed = 1 + np.log(scale.numpy() / math.sqrt(2)) + 0.5772156649015329 / 2
    np.testing.assert_allclose(_Rayleigh(scale).entropy().numpy(), closed, rtol=1e-12)


def test_which_are_exponential_families_and_the_numbers_match_pytorchs():
    torch = pytest.importorskip("torch")
    names = ["Normal", "Exponential", "Gamma", "Chi2", "Bernoulli", "Beta", "Dirichlet", "Poisson", "Wishart"]
    names += ["Laplace", "Categorical", "StudentT", "Uniform", "LogNormal", "Binomial", "Cauchy"]
    for name in names:
        mine = issubclass(getattr(mt.distributions, name), mt.distributions.ExponentialFamily)
        assert mine == issubclass(getattr(torch.distributions, name), torch.distributions.ExponentialFamily), name

    def numbers(lib):
        D = lib.distributions
        t = lambda v: lib.tensor(np.asarray(v, dtype=np.float64))  # noqa: E731
        made = [
            D.Normal(t([0.3, -1.0]), t([0.5, 2.0])),
            D.Gamma(t([0.7, 4.0]), t([2.0, 0.5])),
            D.Bernoulli(probs=t([0.2, 0.9])),
            D.Dirichlet(t([[1.0, 2.0, 0.5]])),
            D.Wishart(t([3.0, 5.0]), t(S)),
        ]
        out = [d._log_normalizer(*d._natural_params) for d in made]
        out += [D.ExponentialFamily.entropy(d) for d in made[:3]]
        out.append(D.kl_divergence(D.Wishart(t(3.0), t(S)), D.Wishart(t(4.0), t(np.eye(2) * 1.5))))
        return [o.detach().numpy() for o in out]

    for i, (a, b) in enumerate(zip(numbers(mt), numbers(torch))):
        np.testing.assert_allclose(a, b, rtol=1e-12, err_msg=str(i))

"""``kl_divergence`` of the pairs in ``mytorch/distributions/kl_pairs.py`` and ``register_kl``: values
against sums over the support or Monte Carlo means of log p - log q, values, gradients in both
distributions' parameters and second derivatives against PyTorch 2.13's where it is installed."""

from __future__ import annotations

import math

import numpy as np
import pytest

import mytorch as mt
from mytorch.distributions import kl_divergence, register_kl


def _pairs(lib, leaf):
    d = lib.distributions
    return {
        "Uniform-Uniform": lambda: (d.Uniform(leaf(0.2), leaf(1.0)), d.Uniform(leaf(0.0), leaf(1.5))),
        "Uniform-Normal": lambda: (d.Uniform(leaf(-0.5), leaf(1.0)), d.Normal(leaf(0.3), leaf(0.8))),
        "Poisson-Poisson": lambda: (d.Poisson(leaf(2.5)), d.Poisson(leaf(4.0))),
        "Geometric-Geometric": lambda: (d.Geometric(leaf(0.3)), d.Geometric(leaf(0.6))),
        "Binomial-Binomial": lambda: (d.Binomial(6, probs=leaf(0.3)), d.Binomial(6, probs=leaf(0.55))),
        "HalfNormal-HalfNormal": lambda: (d.HalfNormal(leaf(0.7)), d.HalfNormal(leaf(1.6))),
        "Gumbel-Gumbel": lambda: (d.Gumbel(leaf(0.3), leaf(1.2)), d.Gumbel(leaf(-0.4), leaf(0.7))),
        "Exponential-Gamma": lambda: (d.Exponential(leaf(1.7)), d.Gamma(leaf(2.5), leaf(0.9))),
        "Gamma-Exponential": lambda: (d.Gamma(leaf(2.5), leaf(0.9)), d.Exponential(leaf(1.7))),
    }


def _leaf(lib, params):
    def leaf(v):
        t = lib.tensor(v, dtype=lib.float64, requires_grad=True)
        params.append(t)
        return t

    return leaf


def test_values_are_means_of_the_log_ratio():
    mt.manual_seed(0)
    for name, make in _pairs(mt, _leaf(mt, [])).items():
        p, q = make()
        kl = kl_divergence(p, q).item()
        if name in ("Poisson-Poisson", "Geometric-Geometric", "Binomial-Binomial"):
            k = (
                mt.arange(0, 200, dtype=mt.float64)
                if name != "Binomial-Binomial"
                else mt.arange(0, 7, dtype=mt.float64)
            )
            lp, lq = p.log_prob(k), q.log_prob(k)
            assert kl == pytest.approx((lp.exp() * (lp - lq)).sum().item(), rel=1e-10)
            continue
        x = p.sample((400000,))
        estimate = (p.log_prob(x) - q.log_prob(x)).mean().item()
        assert kl == pytest.approx(estimate, abs=0.01), name


def test_outside_the_support_and_refused_pairs():
    D = mt.distributions
    assert kl_divergence(D.Uniform(0.0, 2.0), D.Uniform(0.5, 3.0)).item() == math.inf
    for q in (D.Uniform(0.0, 1.0), D.Exponential(1.0), D.Gamma(2.0, 1.0), D.Beta(2.0, 2.0)):
        assert kl_divergence(D.Normal(mt.zeros(3), 1.0), q).tolist() == [math.inf] * 3
    with pytest.raises(NotImplementedError, match="total_count"):
        kl_divergence(D.Binomial(3, probs=0.5), D.Binomial(4, probs=0.5))
    with pytest.raises(NotImplementedError, match="no rule for Normal and Cauchy"):
        kl_divergence(D.Normal(0.0, 1.0), D.Cauchy(0.0, 1.0))


def test_register_kl_adds_a_pair_and_the_nearest_wins():
    D = mt.distributions

    class Wide(D.Normal):
        pass

    @register_kl(D.Normal, D.Cauchy)
    def _normal_cauchy(p, q):
        return mt.tensor(1.0)

    @register_kl(Wide, D.Cauchy)
    def _wide_cauchy(p, q):
        return mt.tensor(2.0)

    try:
        assert kl_divergence(D.Normal(0.0, 1.0), D.Cauchy(0.0, 1.0)).item() == 1.0
        assert kl_divergence(Wide(0.0, 1.0), D.Cauchy(0.0, 1.0)).item() == 2.0
    finally:
        from mytorch.distributions import kl_pairs

        del kl_pairs._REGISTRY[D.Normal, D.Cauchy], kl_pairs._REGISTRY[Wide, D.Cauchy]
    with pytest.raises(TypeError, match="Distribution subclasses"):
        register_kl(int, D.Normal)


@pytest.mark.parametrize("name", list(_pairs(mt, None)))
def test_values_and_gradients_agree_with_pytorch(name):
    torch = pytest.importorskip("torch")
    results = []
    for lib in (mt, torch):
        params: list = []
        p, q = _pairs(lib, _leaf(lib, params))[name]()
        kl = lib.distributions.kl_divergence(p, q)
        grads = lib.autograd.grad(kl, params, create_graph=True, allow_unused=True)
        total = sum(g.square() for g in grads if g is not None and g.requires_grad)
        seconds = lib.autograd.grad(total, params, allow_unused=True) if not isinstance(total, int) else []
        row = [kl.item()] + [0.0 if g is None else g.item() for g in grads]
        results.append(row + [0.0 if g is None else g.item() for g in seconds])
    np.testing.assert_allclose(results[0], results[1], rtol=1e-8, atol=1e-12)  # (PyTorch's trigamma: 1e-10)


# Probabilities of exactly 0 or 1: KL(Bernoulli(0) || Bernoulli(0.5)) was NaN (0 * log 0) for log 2,
# Categorical and OneHotCategorical gave a finite number where q has no mass that p puts (17.3 for
# inf: the logits are clamped), Binomial too (73.9 for inf at q = 1, 108.1 for inf at p = 1, q = 0),
# and Geometric(1) to itself NaN for 0. PyTorch 2.13's Binomial gives -inf at p = 1 and a finite
# number at q = 0: MyTorch's is n times the Bernoulli rule.
def _d(kind, *args, **kwargs):
    return getattr(mt.distributions, kind)(*args, **kwargs)


def _t(values):
    return mt.tensor(values, dtype=mt.float64)


_EDGES = {
    "bernoulli 0 | 0.5": (("Bernoulli", {"probs": _t([0.0])}), ("Bernoulli", {"probs": _t([0.5])}), math.log(2)),
    "bernoulli 1 | 0.5": (("Bernoulli", {"probs": _t([1.0])}), ("Bernoulli", {"probs": _t([0.5])}), math.log(2)),
    "bernoulli 1 | 1": (("Bernoulli", {"probs": _t([1.0])}), ("Bernoulli", {"probs": _t([1.0])}), 0.0),
    "bernoulli 0.3 | 1": (("Bernoulli", {"probs": _t([0.3])}), ("Bernoulli", {"probs": _t([1.0])}), math.inf),
    "bernoulli 1 | 0": (("Bernoulli", {"probs": _t([1.0])}), ("Bernoulli", {"probs": _t([0.0])}), math.inf),
    "bernoulli logits 40 | -40": (
        ("Bernoulli", {"logits": _t([40.0])}),
        ("Bernoulli", {"logits": _t([-40.0])}),
        40 * math.tanh(20),
    ),
    "categorical q 0": (
        ("Categorical", {"probs": _t([0.5, 0.5, 0.0])}),
        ("Categorical", {"probs": _t([1.0, 0.0, 0.0])}),
        math.inf,
    ),
    "categorical p 0": (
        ("Categorical", {"probs": _t([0.0, 0.5, 0.5])}),
        ("Categorical", {"probs": _t([0.2, 0.3, 0.5])}),
        0.5 * math.log(0.5 / 0.3),
    ),
    "categorical logits -inf": (
        ("Categorical", {"logits": _t([0.0, -math.inf])}),
        ("Categorical", {"logits": _t([0.0, 0.0])}),
        math.log(2),
    ),
    "one-hot q 0": (
        ("OneHotCategorical", {"probs": _t([0.2, 0.3, 0.5])}),
        ("OneHotCategorical", {"probs": _t([0.0, 0.5, 0.5])}),
        math.inf,
    ),
}
_EDGES_OF_MYTORCH_ONLY = {
    "binomial 0.3 | 1": (("Binomial", 3, {"probs": _t([0.3])}), ("Binomial", 3, {"probs": _t([1.0])}), math.inf),
    "binomial 0.3 | 0": (("Binomial", 3, {"probs": _t([0.3])}), ("Binomial", 3, {"probs": _t([0.0])}), math.inf),
    "binomial 1 | 0.5": (("Binomial", 3, {"probs": _t([1.0])}), ("Binomial", 3, {"probs": _t([0.5])}), 3 * math.log(2)),
    "geometric 1 | 1": (("Geometric", {"probs": _t([1.0])}), ("Geometric", {"probs": _t([1.0])}), 0.0),
}


def _made(spec):
    kind, *args, kwargs = spec
    return _d(kind, *args, **kwargs)


@pytest.mark.parametrize("name", sorted({**_EDGES, **_EDGES_OF_MYTORCH_ONLY}))
def test_probabilities_of_0_and_1_give_the_exact_divergence(name):
    p, q, exact = {**_EDGES, **_EDGES_OF_MYTORCH_ONLY}[name]
    value = float(kl_divergence(_made(p), _made(q)).sum())
    assert value == exact if math.isinf(exact) else abs(value - exact) <= 1e-12, f"{value} for {exact}"


@pytest.mark.parametrize("name", sorted(_EDGES))
def test_probabilities_of_0_and_1_agree_with_pytorch(name):
    torch = pytest.importorskip("torch")
    p, q, _ = _EDGES[name]

    def theirs(spec):
        kind, *args, kwargs = spec
        return getattr(torch.distributions, kind)(*args, **{k: torch.tensor(v.numpy()) for k, v in kwargs.items()})

    ours = kl_divergence(_made(p), _made(q)).numpy()
    np.testing.assert_allclose(ours, torch.distributions.kl_divergence(theirs(p), theirs(q)).numpy(), rtol=1e-12)

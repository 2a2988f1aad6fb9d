"""Distributions print as PyTorch 2.13's do (``Normal(loc: 0.0, scale: 1.0)``): literal strings
from PyTorch 2.13, and a set of distributions of every family compared with PyTorch's where it is
installed."""

from __future__ import annotations

import numpy as np
import pytest

import mytorch as mt


def _every_family(lib) -> list:
    """One or more distributions of each family MyTorch has, given numbers, scalars and batches."""
    D = lib.distributions

    def t(values):
        return lib.tensor(np.array(values, dtype=np.float32))

    thirds, eye = t([1 / 3] * 3), t(np.eye(2))
    return [
        D.Normal(0.0, 1.0),
        D.Normal(t([0.0, 1.0, 2.0]), 1.0),
        D.Normal(t([0.5]), t([2.0])),
        D.Normal(lib.tensor(0.25, dtype=lib.float64), 1.0),
        D.Bernoulli(probs=0.3),
        D.Bernoulli(logits=t([0.1, 0.2])),
        D.Categorical(probs=thirds),
        D.Categorical(logits=t([0.0, 1.0])),
        D.OneHotCategorical(probs=thirds),
        D.OneHotCategoricalStraightThrough(logits=thirds),
        D.Uniform(0.0, 1.0),
        D.Uniform(t([0.0, 1.0]), 3.0),
        D.Laplace(0.0, 1.0),
        D.Exponential(t([1.0, 2.0])),
        D.LogNormal(0.0, 1.0),
        D.Gamma(1.0, 2.0),
        D.Beta(1.0, 2.0),
        D.Dirichlet(thirds),
        D.Chi2(3.0),
        D.InverseGamma(2.0, 3.0),
        D.HalfCauchy(1.0),
        D.Weibull(1.0, 2.0),
        D.Pareto(1.0, 2.0),
        D.StudentT(t([3.0, 4.0]), 0.0, 2.0),
        D.Cauchy(0.0, 1.0),
        D.Gumbel(0.0, 1.0),
        D.HalfNormal(1.0),
        D.VonMises(0.0, 1.0),
        D.Poisson(2.0),
        D.Geometric(probs=0.3),
        D.Binomial(10, probs=t(0.3)),
        D.Binomial(5, logits=t([0.1, -0.2])),
        D.NegativeBinomial(3.0, probs=0.3),
        D.Multinomial(5, probs=thirds),
        D.MultivariateNormal(t([0.0, 0.0]), eye),
        D.MultivariateNormal(t([0.0, 0.0]), scale_tril=eye),
        D.MultivariateNormal(t(np.zeros((3, 2))), precision_matrix=eye),
        D.LowRankMultivariateNormal(t([0.0, 0.0]), t([[1.0], [1.0]]), t([1.0, 1.0])),
        D.RelaxedBernoulli(t(0.5), probs=t(0.3)),
        D.RelaxedOneHotCategorical(t(0.5), probs=thirds),
        D.ContinuousBernoulli(logits=t([0.3, 0.1])),
        D.Independent(D.Normal(t([0.0, 1.0]), 1.0), 1),
        D.TransformedDistribution(D.Normal(0.0, 1.0), [D.ExpTransform()]),
        D.MixtureSameFamily(D.Categorical(probs=t([0.5, 0.5])), D.Normal(t([0.0, 1.0]), 1.0)),
        D.FisherSnedecor(3.0, 4.0),
        D.Kumaraswamy(t([1.0, 2.0]), 3.0),
        D.GeneralizedPareto(0.0, 1.0, 0.2),
        D.LogisticNormal(t([0.0, 1.0]), 1.0),
        D.LKJCholesky(3, t([0.5, 2.0])),
        D.Wishart(t([4.0, 5.0]), eye),
        D.Wishart(3.0, precision_matrix=eye),
        D.Normal(t([0.0, 1.0]), 1.0).expand((3, 2)),
    ]


def test_reprs_are_pytorchs_strings():
    D = mt.distributions
    assert repr(D.Normal(0.0, 1.0)) == "Normal(loc: 0.0, scale: 1.0)"  # (was "Normal(batch_shape=())")
    assert repr(D.Normal(mt.zeros(3), 1.0)) == "Normal(loc: torch.Size([3]), scale: torch.Size([3]))"
    assert repr(D.Normal(mt.zeros(1), 1.0)) == "Normal(loc: tensor([0.]), scale: tensor([1.]))"
    assert repr(D.Bernoulli(logits=mt.tensor(0.3))) == "Bernoulli(logits: 0.30000001192092896)"
    assert repr(D.Categorical(probs=mt.ones(4) / 4)) == "Categorical(probs: torch.Size([4]))"
    assert repr(D.Beta(1.0, 2.0)) == "Beta()"  # (PyTorch's holds its concentrations as properties)
    assert repr(D.MultivariateNormal(mt.zeros(2), scale_tril=mt.eye(2))) == (
        "MultivariateNormal(loc: torch.Size([2]), scale_tril: torch.Size([2, 2]))"
    )
    assert repr(D.Independent(D.Normal(mt.zeros(2), 1.0), 1)) == (
        "Independent(Normal(loc: torch.Size([2]), scale: torch.Size([2])), 1)"
    )
    assert repr(D.Binomial(10, probs=mt.tensor(0.5))) == "Binomial(total_count: 10.0, probs: 0.5)"
    assert repr(D.TransformedDistribution(D.Normal(0.0, 1.0), [D.ExpTransform()])) == "TransformedDistribution()"
    assert repr(D.Kumaraswamy(1.0, 2.0)) == "Kumaraswamy(concentration1: 1.0, concentration0: 2.0)"


def test_reprs_match_pytorchs_for_every_family():
    torch = pytest.importorskip("torch")
    mine, theirs = _every_family(mt), _every_family(torch)
    assert len(mine) == len(theirs) == 52
    for a, b in zip(mine, theirs):
        assert repr(a) == repr(b)

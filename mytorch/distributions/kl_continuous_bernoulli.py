"""``kl_divergence`` with a ``ContinuousBernoulli``, the pairs PyTorch has: two of them, one against an
Exponential, a Normal, a Uniform or a Pareto, and a Beta or a Uniform against one; inf for an
Exponential, Gamma, Gumbel, Laplace, Normal or Pareto against one (their mass outside [0, 1]).

Each is -H(p) + E_p[-log q(X)], with the continuous Bernoulli's log density
log q(x) = theta x - softplus(theta) + log C (theta its logit, C its normaliser), so the cross term
needs only E_p[X] (and E_p[X^2] for a Normal), recorded: gradients reach both distributions.

A Uniform that covers [0, 1] exactly, on either side, gives a finite number where PyTorch 2.13's
gives inf (it tests the ends with >= and <=: its ``kl_divergence(ContinuousBernoulli(p),
Uniform(0, 1))`` is inf, for the true -H(p)).
"""

from __future__ import annotations

import math

from mytorch.distributions.continuous import Beta, Exponential, Gamma, Laplace, Normal, Uniform
from mytorch.distributions.kl_pairs import _infinite, _infinite_where, register_kl
from mytorch.distributions.positive import Pareto
from mytorch.distributions.relaxed import ContinuousBernoulli
from mytorch.distributions.tails import Gumbel
from mytorch.nn import functional_tensor as TF
from mytorch.tensor import Tensor, log

__all__: list[str] = []


def _cross_entropy(mean: Tensor, q: ContinuousBernoulli) -> Tensor:
    """E_p[-log q(X)] for a p of mean ``mean`` on [0, 1]: softplus(theta) - theta E[X] - log C."""
    return TF.softplus(q.logits) - mean * q.logits - q._log_norm()


@register_kl(ContinuousBernoulli, ContinuousBernoulli)
def _continuous_bernoulli_continuous_bernoulli(p: ContinuousBernoulli, q: ContinuousBernoulli) -> Tensor:
    """E_p[X] (theta_p - theta_q) + log C_p - softplus(theta_p) - log C_q + softplus(theta_q)."""
    own = p.mean * p.logits - TF.softplus(p.logits) + p._log_norm()
    return own + _cross_entropy(p.mean, q)


@register_kl(ContinuousBernoulli, Exponential)
def _continuous_bernoulli_exponential(p: ContinuousBernoulli, q: Exponential) -> Tensor:
    """-H(p) - log l + l E_p[X]."""
    return -p.entropy() - log(q.rate) + q.rate * p.mean


@register_kl(ContinuousBernoulli, Normal)
def _continuous_bernoulli_normal(p: ContinuousBernoulli, q: Normal) -> Tensor:
    """-H(p) + log(sigma sqrt(2 pi)) + (Var_p X + (E_p X - mu)^2) / (2 sigma^2)."""
    spread = p.variance + (p.mean - q.loc).pow(2)
    return -p.entropy() + log(q.scale) + 0.5 * math.log(2 * math.pi) + spread / (2 * q.scale.pow(2))


@register_kl(ContinuousBernoulli, Uniform)
def _continuous_bernoulli_uniform(p: ContinuousBernoulli, q: Uniform) -> Tensor:
    """-H(p) + log(b - a) where [a, b] covers [0, 1], inf elsewhere."""
    value = -p.entropy() + log(q.high - q.low)
    return _infinite_where((q.low._data > 0) | (q.high._data < 1), value)


@register_kl(ContinuousBernoulli, Pareto)
def _continuous_bernoulli_pareto(p: ContinuousBernoulli, q: Pareto) -> Tensor:
    """inf: a Pareto has no mass below its scale (> 0), where p has."""
    return _infinite(p, q)


@register_kl(Beta, ContinuousBernoulli)
def _beta_continuous_bernoulli(p: Beta, q: ContinuousBernoulli) -> Tensor:
    """-H(p) + E_p[-log q(X)]: a Beta lives on [0, 1]."""
    return -p.entropy() + _cross_entropy(p.mean, q)


@register_kl(Uniform, ContinuousBernoulli)
def _uniform_continuous_bernoulli(p: Uniform, q: ContinuousBernoulli) -> Tensor:
    """-log(b - a) + E_p[-log q(X)] where [a, b] lies in [0, 1], inf elsewhere."""
    value = -log(p.high - p.low) + _cross_entropy((p.low + p.high) / 2, q)
    return _infinite_where((p.low._data < 0) | (p.high._data > 1), value)


for _p in (Exponential, Gamma, Gumbel, Laplace, Normal, Pareto):
    register_kl(_p, ContinuousBernoulli)(_infinite)

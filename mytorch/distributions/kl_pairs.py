"""More of ``kl_divergence``: ``register_kl`` (a closed form for a pair of distribution classes,
PyTorch's decorator) and the pairs learners reach for beyond two Normals: two Uniform, Poisson,
Geometric, Binomial (one ``total_count``), HalfNormal or Gumbel distributions, and Uniform to
Normal, Exponential to Gamma, Gamma to Exponential, and inf for a Normal, Laplace or Gumbel
against a Uniform, Exponential, Gamma or Beta (p puts mass where q has none). Each is written
from E_p[log p - log q] with the moments of p, recorded, so gradients reach both distributions'
parameters."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from mytorch.distributions.base import Distribution
from mytorch.distributions.continuous import Beta, Exponential, Gamma, Laplace, Normal, Uniform
from mytorch.distributions.tails import Binomial, Geometric, Gumbel, HalfNormal, Poisson
from mytorch.nn import functional_tensor as TF
from mytorch.tensor import Tensor, log
from mytorch.tensor_special import lgamma

__all__ = ["register_kl"]

_EULER = 0.5772156649015329
_REGISTRY: dict[tuple[type, type], Callable[[Any, Any], Tensor]] = {}


def register_kl(type_p: type, type_q: type) -> Callable[[Callable[[Any, Any], Tensor]], Callable[[Any, Any], Tensor]]:
    """Decorator: ``@register_kl(P, Q) def kl(p, q)`` makes ``kl_divergence(p, q)`` use ``kl`` for
    instances of P and Q (and their subclasses; the pair nearest in the classes' ancestry wins)."""
    for kind in (type_p, type_q):
        if not (isinstance(kind, type) and issubclass(kind, Distribution)):
            raise TypeError(f"register_kl: expected Distribution subclasses, got {kind!r}")

    def register(fn: Callable[[Any, Any], Tensor]) -> Callable[[Any, Any], Tensor]:
        _REGISTRY[type_p, type_q] = fn
        return fn

    return register


def registered(p: Distribution, q: Distribution) -> Callable[[Any, Any], Tensor] | None:
    """The registered rule for ``p`` and ``q``: the pair whose classes are nearest theirs in their MROs."""
    mro_p, mro_q = type(p).__mro__, type(q).__mro__
    matches = [
        (mro_p.index(kp) + mro_q.index(kq), fn) for (kp, kq), fn in _REGISTRY.items() if kp in mro_p and kq in mro_q
    ]
    return min(matches, key=lambda m: m[0])[1] if matches else None


def _infinite_where(outside: np.ndarray, value: Tensor) -> Tensor:
    """``value`` with inf where ``outside`` (p puts mass where q has none)."""
    return value.masked_fill(Tensor(np.broadcast_to(outside, value.shape)), math.inf)


def weighted_log_ratio(p: Tensor, q: Tensor, log_ratio: Tensor) -> Tensor:
    """``p log(p / q)`` of masses ``p`` and ``q`` given ``log_ratio`` = log(p / q) from (clamped,
    finite) logits: 0 where p is 0 (0 log 0), inf where q is 0 and p is not, as PyTorch's
    Bernoulli and Categorical rules (clamped logits alone gave a finite number, 17.3 for inf)."""
    value = _infinite_where((q._data == 0) & (p._data != 0), p * log_ratio)
    return value.masked_fill(Tensor(np.broadcast_to(p._data == 0, value.shape)), 0.0)


def bernoulli_kl(p: Tensor, p_logits: Tensor, q: Tensor, q_logits: Tensor) -> Tensor:
    """KL of one Bernoulli trial of success probability ``p`` to one of ``q``, from their logits
    (log p = -softplus(-logit), log(1 - p) = -softplus(logit)): exact at p or q = 0 or 1."""
    success = weighted_log_ratio(p, q, TF.softplus(-q_logits) - TF.softplus(-p_logits))
    return success + weighted_log_ratio(1 - p, 1 - q, TF.softplus(q_logits) - TF.softplus(p_logits))


@register_kl(Uniform, Uniform)
def _uniform_uniform(p: Uniform, q: Uniform) -> Tensor:
    """log((b_q - a_q) / (b_p - a_p)) where p's interval lies in q's, inf elsewhere."""
    value = log((q.high - q.low) / (p.high - p.low))
    return _infinite_where((q.low._data > p.low._data) | (q.high._data < p.high._data), value)


@register_kl(Uniform, Normal)
def _uniform_normal(p: Uniform, q: Normal) -> Tensor:
    """-log(b - a) + log(sigma sqrt(2 pi)) + E_p (x - mu)^2 / (2 sigma^2)."""
    width = p.high - p.low
    spread = width.pow(2) / 12 + ((p.high + p.low) / 2 - q.loc).pow(2)
    return -log(width) + log(q.scale) + 0.5 * math.log(2 * math.pi) + spread / (2 * q.scale.pow(2))


@register_kl(Poisson, Poisson)
def _poisson_poisson(p: Poisson, q: Poisson) -> Tensor:
    """r_p log(r_p / r_q) - r_p + r_q."""
    return p.rate * (log(p.rate) - log(q.rate)) - p.rate + q.rate


@register_kl(Geometric, Geometric)
def _geometric_geometric(p: Geometric, q: Geometric) -> Tensor:
    """-H(p) - E_p[k] log(1 - q) - log q, E_p[k] = (1 - p) / p."""
    failures = (1 - p.probs) / p.probs
    spent = failures * (-q.probs).log1p()
    certain = (failures._data == 0) & (q.probs._data == 1)  # 0 log 0 at p = q = 1 (it was NaN)
    spent = spent.masked_fill(Tensor(np.broadcast_to(certain, spent.shape)), 0.0)
    return -p.entropy() - spent - log(q.probs)


@register_kl(Binomial, Binomial)
def _binomial_binomial(p: Binomial, q: Binomial) -> Tensor:
    """n times one trial's KL: inf where q is 0 or 1 and p puts mass where q has none (PyTorch 2.13
    gives a finite number there, and -inf for p = 1)."""
    if not np.array_equal(p.total_count._data, q.total_count._data):
        raise NotImplementedError("kl_divergence: two Binomial with different total_count (PyTorch has none either)")
    return p.total_count * bernoulli_kl(p.probs, p.logits, q.probs, q.logits)


@register_kl(HalfNormal, HalfNormal)
def _half_normal_half_normal(p: HalfNormal, q: HalfNormal) -> Tensor:
    """The two Normals' KL with loc 0: log(s_q / s_p) + s_p^2 / (2 s_q^2) - 1/2."""
    ratio = (p.scale / q.scale).pow(2)
    return 0.5 * (ratio - 1 - log(ratio))


@register_kl(Gumbel, Gumbel)
def _gumbel_gumbel(p: Gumbel, q: Gumbel) -> Tensor:
    """log(b_q / b_p) - gamma - 1 + (m_p - m_q) / b_q + gamma b_p / b_q + exp((m_q - m_p) / b_q) G(1 + b_p / b_q),
    G the gamma function and gamma Euler's constant (E_p e^(-x / b_q) from the Gumbel's moment generating function)."""
    ratio = p.scale / q.scale
    shift = (p.loc - q.loc) / q.scale
    return -log(ratio) - _EULER - 1 + shift + _EULER * ratio + (lgamma(1 + ratio) - shift).exp()


@register_kl(Exponential, Gamma)
def _exponential_gamma(p: Exponential, q: Gamma) -> Tensor:
    """-H(p) - a log b + (a - 1)(gamma + log l) + b / l + lgamma(a), E_p log x = -gamma - log l."""
    a, b, rate = q.concentration, q.rate, p.rate
    return log(rate) - 1 - a * log(b) + (a - 1) * (_EULER + log(rate)) + b / rate + lgamma(a)


@register_kl(Gamma, Exponential)
def _gamma_exponential(p: Gamma, q: Exponential) -> Tensor:
    """-H(p) - log l + l a / b."""
    return -p.entropy() - log(q.rate) + q.rate * p.concentration / p.rate


def _infinite(p: Distribution, q: Distribution) -> Tensor:
    """inf of the pair's batch shape: p puts mass on the whole line, q only on part of it."""
    shape = np.broadcast_shapes(tuple(p.batch_shape), tuple(q.batch_shape))
    return Tensor(np.full(shape, math.inf))


for _p in (Normal, Laplace, Gumbel):
    for _q in (Uniform, Exponential, Gamma, Beta):
        register_kl(_p, _q)(_infinite)

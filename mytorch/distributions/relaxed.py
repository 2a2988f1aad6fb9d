"""Relaxed (Concrete / Gumbel-softmax) distributions and the continuous Bernoulli, as PyTorch's:
``RelaxedOneHotCategorical`` (``ExpRelaxedCategorical`` through ``exp``), ``RelaxedBernoulli``
(``LogitRelaxedBernoulli`` through ``sigmoid``) and ``ContinuousBernoulli``, the VAE likelihood
of pixel intensities in [0, 1] (Loaiza-Ganem & Cunningham 2019).

Densities, moments and reparameterised samples are recorded from Tensor operations, with
PyTorch's formulas (the continuous Bernoulli's Taylor expansions near p = 1/2 too), so gradients
reach the temperature, the probabilities or logits, and the values. Draws come from MyTorch's
generator, so they differ from PyTorch's for one seed.
"""

from __future__ import annotations

import math
from typing import Any, cast

import numpy as np

from mytorch.distributions import constraints
from mytorch.distributions.base import Distribution, _shape, _tensor
from mytorch.distributions.discrete import Bernoulli, Categorical
from mytorch.distributions.exp_family import ExponentialFamily
from mytorch.distributions.transforms import ExpTransform, SigmoidTransform
from mytorch.distributions.wrappers import TransformedDistribution
from mytorch.factories import default_generator
from mytorch.nn import functional_tensor as TF
from mytorch.tensor import Tensor, log
from mytorch.tensor_math import logsumexp, where

__all__ = [
    "ContinuousBernoulli",
    "ExpRelaxedCategorical",
    "LogitRelaxedBernoulli",
    "RelaxedBernoulli",
    "RelaxedOneHotCategorical",
]


def _uniforms(shape: tuple[int, ...], dtype: Any) -> Tensor:
    """Uniform draws kept within [eps, 1 - eps] of ``dtype``, as PyTorch's ``clamp_probs``."""
    eps = float(np.finfo(dtype).eps)
    return Tensor(np.clip(default_generator.random(shape), eps, 1 - eps).astype(dtype))


class _Tempered(Distribution):
    """A temperature and the Categorical or Bernoulli (``_inner``) whose logits and probs it relaxes."""

    _inner: Any
    temperature: Tensor

    @property
    def logits(self) -> Tensor:
        """The (normalised) logits."""
        return cast(Tensor, self._inner.logits)

    @property
    def probs(self) -> Tensor:
        """The probabilities."""
        return cast(Tensor, self._inner.probs)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """A recorded draw."""
        raise NotImplementedError

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """``rsample`` without a gradient."""
        return self.rsample(sample_shape).detach()


class ExpRelaxedCategorical(_Tempered):
    """The log of a relaxed one-hot categorical sample: ``(logits + Gumbel) / temperature`` less
    its ``logsumexp``, of event shape (K,)."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, temperature: Any, probs: Any = None, logits: Any = None, validate_args: Any = None) -> None:
        self._inner = Categorical(probs, logits, validate_args)
        self.temperature = _tensor(temperature, self._inner.logits.dtype)
        self._validating(validate_args)
        self.batch_shape = self._inner.batch_shape
        self.event_shape = (int(self._inner.logits.shape[-1]),)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """A recorded draw of shape ``sample_shape + batch_shape + event_shape``."""
        shape = (*_shape(sample_shape), *self.batch_shape, *self.event_shape)
        gumbels = -log(-log(_uniforms(shape, self.logits.dtype)))
        scores = (self.logits + gumbels) / self.temperature
        return scores - logsumexp(scores, dim=-1, keepdim=True)

    def log_prob(self, value: Any) -> Tensor:
        """PyTorch's density of the log-simplex value, recorded."""
        from mytorch import lgamma

        x = _tensor(value, self.logits.dtype)
        k = self.event_shape[0]
        log_scale = lgamma(Tensor(np.full((), float(k), x.dtype))) + (k - 1) * log(self.temperature)
        score = self.logits - x * self.temperature
        return (score - logsumexp(score, dim=-1, keepdim=True)).sum(-1) + log_scale


class LogitRelaxedBernoulli(_Tempered):
    """The logit of a relaxed Bernoulli sample: ``(logit(u) + logits) / temperature``."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.real

    def __init__(self, temperature: Any, probs: Any = None, logits: Any = None, validate_args: Any = None) -> None:
        self._inner = Bernoulli(probs, logits, validate_args)
        self.temperature = _tensor(temperature, self._inner.logits.dtype)
        self._validating(validate_args)
        self.batch_shape = self._inner.batch_shape

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """A recorded draw of shape ``sample_shape + batch_shape``."""
        u = _uniforms((*_shape(sample_shape), *self.batch_shape), self.logits.dtype)
        return (log(u) - (-u).log1p() + self.logits) / self.temperature

    def log_prob(self, value: Any) -> Tensor:
        """log t + d - 2 log(1 + e^d), d = logits - t value, recorded."""
        diff = self.logits - _tensor(value, self.logits.dtype) * self.temperature
        return log(self.temperature) + diff - 2 * diff.exp().log1p()


class _Relaxed(TransformedDistribution):
    """A relaxed distribution: ``_base(temperature, probs, logits)`` through ``_transform``, its
    values checked to lie in ``_support``."""

    _base: Any
    _transform: Any
    _support: str

    def __init__(self, temperature: Any, probs: Any = None, logits: Any = None, validate_args: Any = None) -> None:
        base = self._base(temperature, probs, logits, validate_args)
        super().__init__(base, self._transform(), validate_args)
        self._validate_args = base._validate_args

    @property
    def temperature(self) -> Tensor:
        """The temperature."""
        return cast(Tensor, self.base_dist.temperature)  # type: ignore[attr-defined]

    @property
    def logits(self) -> Tensor:
        """The (normalised) logits."""
        return cast(Tensor, self.base_dist.logits)  # type: ignore[attr-defined]

    @property
    def probs(self) -> Tensor:
        """The probabilities."""
        return cast(Tensor, self.base_dist.probs)  # type: ignore[attr-defined]

    def log_prob(self, value: Any) -> Tensor:
        """The density of a value of the support, recorded."""
        return super().log_prob(self._checked_value(value, self._support, self.logits.dtype))


class RelaxedOneHotCategorical(_Relaxed):
    """``RelaxedOneHotCategorical(temperature, probs=None, logits=None)``: points of the simplex
    that approach one-hot vectors as the temperature goes to 0; ``rsample`` is the Gumbel-softmax
    sample (``F.gumbel_softmax``'s soft form), ``log_prob`` its density."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.simplex
    has_rsample = True

    _base, _transform, _support = ExpRelaxedCategorical, ExpTransform, "Simplex()"


class RelaxedBernoulli(_Relaxed):
    """``RelaxedBernoulli(temperature, probs=None, logits=None)``: values in (0, 1) that approach 0
    or 1 as the temperature goes to 0; ``rsample`` is the binary Concrete sample."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    _base, _transform = LogitRelaxedBernoulli, SigmoidTransform
    _support = "Interval(lower_bound=0.0, upper_bound=1.0)"


class ContinuousBernoulli(ExponentialFamily):
    """``ContinuousBernoulli(probs=None, logits=None, lims=(0.499, 0.501))``: the density
    C(p) p^x (1 - p)^(1 - x) on [0, 1]; within ``lims`` of p = 1/2, where C(p)'s formula loses its
    digits, PyTorch's Taylor expansions are used (for C, the mean and the variance). An
    ``ExponentialFamily``, as PyTorch's: the density is exp(theta x - F(theta)) with theta the logit
    (``_natural_params``), F(theta) = log((e^theta - 1) / theta) (``_log_normalizer``) and no carrier
    term (``_mean_carrier_measure`` 0)."""

    _mean_carrier_measure = 0

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(
        self,
        probs: Any = None,
        logits: Any = None,
        lims: tuple[float, float] = (0.499, 0.501),
        validate_args: Any = None,
    ) -> None:
        self._bernoulli = Bernoulli(probs, logits, validate_args)
        self.probs, self.logits = self._bernoulli.probs, self._bernoulli.logits
        self._repr_omits = self._bernoulli._repr_omits
        self._lims = (float(lims[0]), float(lims[1]))
        self._validating(validate_args)
        self.batch_shape = self._bernoulli.batch_shape

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        """theta, the logit."""
        return (self.logits,)

    def _log_normalizer(self, theta: Tensor) -> Tensor:  # type: ignore[override]
        """F(theta) = log((e^theta - 1) / theta), recorded: max(theta, 0) + log(1 - e^-|theta|) - log|theta|
        (finite for any logit; PyTorch's overflows past 88 in float32), and its Taylor series
        theta / 2 + theta^2 / 24 - theta^4 / 2880 where theta is within PyTorch's cut, ``lims`` less 1/2."""
        outside = (theta._data <= self._lims[0] - 0.5) | (theta._data > self._lims[1] - 0.5)
        cut = cast(Tensor, where(Tensor(outside), theta, self._lims[0] - 0.5)).abs()
        general = theta.clamp(min=0.0) + (-(-cut).expm1()).log() - cut.log()
        taylor = 0.5 * theta + theta**2 / 24.0 - theta**4 / 2880.0
        return cast(Tensor, where(Tensor(outside), general, taylor))

    def _outside(self) -> np.ndarray:
        p = self.probs._data
        return (p <= self._lims[0]) | (p > self._lims[1])

    def _cut_probs(self) -> Tensor:
        return cast(Tensor, where(Tensor(self._outside()), self.probs, self._lims[0]))

    def _log_norm(self) -> Tensor:
        """log C(p)."""
        p = self._cut_probs()
        below = p._data <= 0.5
        low = cast(Tensor, where(Tensor(below), p, 0.0))
        high = cast(Tensor, where(Tensor(p._data >= 0.5), p, 1.0))
        general = log((log(-p + 1) - log(p)).abs()) - where(Tensor(below), (-2.0 * low).log1p(), log(2.0 * high - 1.0))
        x = (self.probs - 0.5) ** 2
        taylor = math.log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * x) * x
        return cast(Tensor, where(Tensor(self._outside()), general, taylor))

    @property
    def mean(self) -> Tensor:
        """The mean, p / (2p - 1) + 1 / (log(1 - p) - log p)."""
        p = self._cut_probs()
        general = p / (2.0 * p - 1.0) + 1.0 / (log(-p + 1) - log(p))
        x = self.probs - 0.5
        taylor = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * x**2) * x
        return cast(Tensor, where(Tensor(self._outside()), general, taylor))

    @property
    def variance(self) -> Tensor:
        """The variance, p (p - 1) / (1 - 2p)^2 + 1 / (log(1 - p) - log p)^2."""
        p = self._cut_probs()
        general = p * (p - 1.0) / (1.0 - 2.0 * p) ** 2 + 1.0 / (log(-p + 1) - log(p)) ** 2
        x = (self.probs - 0.5) ** 2
        taylor = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x) * x
        return cast(Tensor, where(Tensor(self._outside()), general, taylor))

    @property
    def stddev(self) -> Tensor:
        """The square root of ``variance``."""
        return self.variance.sqrt()

    def log_prob(self, value: Any) -> Tensor:
        """x log p + (1 - x) log(1 - p) + log C(p), recorded."""
        x = self._checked_value(value, "Interval(lower_bound=0.0, upper_bound=1.0)", self.probs.dtype)
        logits = self.logits + x * 0  # (broadcast, as PyTorch's broadcast_all)
        bce = TF.binary_cross_entropy_with_logits(logits, x + logits * 0, reduction="none")
        return -bce + self._log_norm()

    def cdf(self, value: Any) -> Tensor:
        """(p^x (1 - p)^(1 - x) + p - 1) / (2p - 1), 0 below 0 and 1 above 1, recorded."""
        x = _tensor(value, self.probs.dtype)
        within = x.clamp(0.0, 1.0)  # (the formula at x = inf was NaN, and so was the gradient through it)
        p = self._cut_probs()
        cdfs = (p**within * (1.0 - p) ** (1.0 - within) + p - 1.0) / (2.0 * p - 1.0)
        inside = where(Tensor(self._outside()), cdfs, within)
        shape = np.broadcast_shapes(x.shape, p.shape)  # (0 * inf was NaN)
        zero, one = Tensor(np.zeros(shape, x.dtype)), Tensor(np.ones(shape, x.dtype))
        return cast(Tensor, where(Tensor(x._data <= 0), zero, where(Tensor(x._data >= 1), one, inside)))

    def icdf(self, value: Any) -> Tensor:
        """The inverse of ``cdf``, recorded."""
        q = _tensor(value, self.probs.dtype)
        p = self._cut_probs()
        general = ((-p + q * (2.0 * p - 1.0)).log1p() - (-p).log1p()) / (log(p) - (-p).log1p())
        return cast(Tensor, where(Tensor(self._outside()), general, q))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``icdf`` of uniform draws, of shape ``sample_shape + batch_shape``, recorded."""
        shape = (*_shape(sample_shape), *self.batch_shape)
        return self.icdf(_uniforms(shape, self.probs.dtype))

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """``rsample`` without a gradient."""
        return self.rsample(sample_shape).detach()

    def entropy(self) -> Tensor:
        """mean (log(1 - p) - log p) - log C(p) - log(1 - p), recorded."""
        log0, log1 = (-self.probs).log1p(), log(self.probs)
        return self.mean * (log0 - log1) - self._log_norm() - log0

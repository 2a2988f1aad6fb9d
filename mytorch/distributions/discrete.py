"""Distributions over classes and bits: ``Categorical``, ``OneHotCategorical``, ``Bernoulli``."""

from __future__ import annotations

from typing import Any

import numpy as np

from mytorch.distributions import constraints
from mytorch.distributions.base import Distribution, _clamped, _shape, _tensor
from mytorch.distributions.exp_family import ExponentialFamily
from mytorch.factories import default_generator
from mytorch.nn import functional_tensor as TF
from mytorch.tensor import Tensor, log
from mytorch.tensor_math import logsumexp


class Categorical(Distribution):
    """Classes 0..K-1 with ``probs`` (normalised along the last axis) or ``logits`` (log-odds)."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    has_enumerate_support = True

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> Any:
        """``integer_interval(0, number of classes - 1)``."""
        return constraints.integer_interval(0, self.probs.shape[-1] - 1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """The classes 0..K-1 (int64) on a new first axis, expanded over the batch unless ``expand=False``."""
        return self._enumerated(np.arange(self.probs.shape[-1]), expand)

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: Any = None) -> None:
        self._probs_or_logits(probs, logits)
        if probs is not None:
            p = _tensor(probs)
            self.probs = p / p.sum(-1, keepdim=True)
            self.logits = log(_clamped(self.probs))  # (a class of probability 0: log(eps), as PyTorch's)
        else:
            raw = _tensor(logits)
            self.logits = raw - logsumexp(raw, dim=-1, keepdim=True)
            self.probs = self.logits.exp()
        self.batch_shape = tuple(self.logits.shape[:-1])
        if self._validating(validate_args):
            with np.errstate(invalid="ignore"):
                if probs is not None:  # (normalised: all zeros or a NaN fail)
                    normalised = np.asarray(self.probs._data)
                    simplex = (normalised >= 0).all(-1) & (abs(normalised.sum(-1) - 1) < 1e-6)
                    self._check_parameter("probs", self.probs, simplex, "Simplex()")
                else:  # (normalised: NaN, or +inf beside +inf, fail)
                    self._check_parameter("logits", self.logits, ~np.isnan(self.logits._data), "Real()")

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape`` (no gradient)."""
        p = self.probs._data.astype(np.float64)
        cumulative = np.cumsum(p / p.sum(-1, keepdims=True), axis=-1)
        u = default_generator.random((*_shape(sample_shape), *self.batch_shape, 1))
        picks = (u >= cumulative).sum(-1)
        return Tensor(np.minimum(picks, p.shape[-1] - 1).astype(np.int64))

    def log_prob(self, value: Any) -> Tensor:
        """The log density (or log probability) of ``value``, recorded."""
        given = np.asarray(value._data if isinstance(value, Tensor) else value)
        if self._validate_args:
            k = self.logits.shape[-1]
            with np.errstate(invalid="ignore"):
                ok = (given % 1 == 0) & (given >= 0) & (given <= k - 1) if given.dtype.kind != "b" else True
            self._check_value(_tensor(value), ok, f"IntegerInterval(lower_bound=0, upper_bound={k - 1})")
        index = given.astype(np.int64)
        logits = self.logits.expand(*np.broadcast_shapes(index.shape, self.batch_shape), self.logits.shape[-1])
        return logits.gather(-1, Tensor(np.broadcast_to(index, logits.shape[:-1])[..., None])).squeeze(-1)

    def entropy(self) -> Tensor:
        """The entropy, recorded."""
        # a logit of -inf (a masked class) counts as the dtype's lowest number: 0 * -inf was NaN
        lowest = float(np.finfo(self.logits.dtype).min)
        return -(self.probs * self.logits.clamp(min=lowest)).sum(-1)

    @property
    def mean(self) -> Tensor:
        """NaN for each of the batch, as PyTorch's (its classes are labels, with no mean); it was
        a NotImplementedError that said PyTorch refused it too."""
        return Tensor(np.full(self.batch_shape, np.nan, dtype=self.probs.dtype))

    @property
    def variance(self) -> Tensor:
        """NaN for each of the batch, as PyTorch's."""
        return self.mean

    @property
    def mode(self) -> Tensor:
        """The most probable class of each of the batch (the first of equal ones), as PyTorch's."""
        return Tensor(np.argmax(np.asarray(self.probs._data), axis=-1).astype(np.int64))


class _OnOff(Distribution):
    """The moments of 0/1 outcomes with probabilities ``probs``: Bernoulli's, OneHotCategorical's."""

    probs: Tensor

    @property
    def mean(self) -> Tensor:
        """The probabilities."""
        return self.probs

    @property
    def variance(self) -> Tensor:
        """probs (1 - probs)."""
        return self.probs * (1 - self.probs)


class Bernoulli(_OnOff, ExponentialFamily):
    """0 or 1, 1 with probability ``probs`` (or ``sigmoid(logits)``)."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True
    _mean_carrier_measure = 0

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        """(logit(probs),)."""
        return (log(self.probs) - (-self.probs).log1p(),)

    def _log_normalizer(self, *natural_params: Tensor) -> Tensor:
        """log(1 + e^x)."""
        return natural_params[0].exp().log1p()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """0 and 1 (in the probabilities' dtype) on a new first axis."""
        return self._enumerated(np.arange(2, dtype=self.probs.dtype), expand)

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: Any = None) -> None:
        self._probs_or_logits(probs, logits)
        if probs is not None:
            self.probs = _tensor(probs)
            kept = _clamped(self.probs)  # (a probability of 0 or 1: finite logits, as PyTorch's; they were NaN)
            self.logits = log(kept) - (-kept).log1p()
        else:
            self.logits = _tensor(logits)
            self.probs = self.logits.sigmoid()
        self.batch_shape = tuple(self.probs.shape)
        if self._validating(validate_args):
            with np.errstate(invalid="ignore"):
                if probs is not None:
                    p = np.asarray(self.probs._data)
                    self._check_parameter(
                        "probs", self.probs, (p >= 0) & (p <= 1), "Interval(lower_bound=0.0, upper_bound=1.0)"
                    )
                else:
                    self._check_parameter("logits", self.logits, ~np.isnan(self.logits._data), "Real()")

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape`` (no gradient)."""
        u = default_generator.random((*_shape(sample_shape), *self.batch_shape))
        return Tensor((u < self.probs._data).astype(self.probs.dtype))

    def log_prob(self, value: Any) -> Tensor:
        """The log density (or log probability) of ``value``, recorded."""
        given = _tensor(value)
        self._check_value(given, (given._data == 0) | (given._data == 1), "Boolean()")
        target = given.to(self.logits.dtype)
        logits, target = self.logits.expand_as(target + self.logits), target.expand_as(target + self.logits)
        return -TF.binary_cross_entropy_with_logits(logits, target, reduction="none")

    def entropy(self) -> Tensor:
        """The entropy, recorded."""
        return TF.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")


class OneHotCategorical(_OnOff):
    """A ``Categorical`` whose samples are one-hot vectors (event_shape (k,)): ``log_prob`` of a
    one-hot value is the log probability of its class."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    _repr_omits = ("probs", "logits")  # (PyTorch's repr shows neither)
    support = constraints.one_hot
    has_enumerate_support = True

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """The K one-hot vectors on a new first axis."""
        return self._enumerated(np.eye(self.probs.shape[-1], dtype=self.probs.dtype), expand)

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: Any = None) -> None:
        self._categorical = Categorical(probs, logits, validate_args)
        self._validating(validate_args)
        self.probs, self.logits = self._categorical.probs, self._categorical.logits
        self.batch_shape = self._categorical.batch_shape
        self.event_shape = tuple(self.probs.shape[-1:])

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """One-hot samples of shape ``sample_shape + batch_shape + event_shape`` (no gradient)."""
        picks = self._categorical.sample(sample_shape)._data
        return Tensor((picks[..., None] == np.arange(self.event_shape[0])).astype(self.probs.dtype))

    def log_prob(self, value: Any) -> Tensor:
        """The log probability of the class each one-hot ``value`` marks (its largest entry), recorded."""
        given = _tensor(value, self.probs.dtype)
        a = given._data
        one_hot = ((a == 0) | (a == 1)).all(-1) & (a.sum(-1) == 1)
        self._check_value(given, one_hot, "OneHot()")
        return self._categorical.log_prob(a.argmax(-1))

    def entropy(self) -> Tensor:
        """The Categorical's entropy, recorded."""
        return self._categorical.entropy()


class OneHotCategoricalStraightThrough(OneHotCategorical):
    """A ``OneHotCategorical`` with the straight-through gradient: ``rsample`` is the one-hot draw
    plus ``probs - probs.detach()``, so the forward value is the draw and the gradient that of
    the probabilities, as PyTorch's."""

    has_rsample = True

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """One-hot samples whose gradient reaches ``probs`` (or ``logits``) as if they were ``probs``."""
        probs = self.probs
        return self.sample(sample_shape) + (probs - probs.detach())

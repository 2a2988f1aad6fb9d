"""More distributions with PyTorch's formulas: counts (``Poisson``, ``Geometric``, ``Binomial``,
``NegativeBinomial``, ``Multinomial``) and heavier or one-sided tails (``StudentT``, ``Cauchy``, ``Gumbel``,
``HalfNormal``). Densities, entropies and moments are recorded; ``rsample`` where PyTorch's is a
function of the parameters and a fixed draw (Cauchy, Gumbel, HalfNormal); StudentT's (implicit in
``df``) is refused; samples come from MyTorch's generator."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mytorch.distributions import constraints
from mytorch.distributions.base import Distribution, _clamped, _parameters, _shape, _tensor
from mytorch.distributions.continuous import Gamma, Normal, _LocationScale
from mytorch.distributions.exp_family import ExponentialFamily
from mytorch.factories import default_generator
from mytorch.nn.activations import logsigmoid
from mytorch.tensor import Tensor, log
from mytorch.tensor_composed import xlogy
from mytorch.tensor_special import digamma, lgamma

__all__ = [
    "Binomial",
    "Cauchy",
    "Geometric",
    "Gumbel",
    "HalfNormal",
    "Multinomial",
    "NegativeBinomial",
    "Poisson",
    "StudentT",
]

_EULER = 0.5772156649015329


def _filled(value: float, like: Tensor, shape: tuple[int, ...]) -> Tensor:
    return Tensor(np.full(shape, value, dtype=like.dtype))


class Poisson(ExponentialFamily):
    """Counts of rate ``rate``: P(k) = rate^k exp(-rate) / k!."""

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        """(log rate,)."""
        return (log(self.rate),)

    def _log_normalizer(self, *natural_params: Tensor) -> Tensor:
        """e^x."""
        return natural_params[0].exp()

    def __init__(self, rate: Any, validate_args: Any = None) -> None:
        (self.rate,) = _parameters(rate)
        self.batch_shape = tuple(self.rate.shape)
        if self._validating(validate_args):
            with np.errstate(invalid="ignore"):
                self._check_parameter("rate", self.rate, self.rate._data >= 0, "GreaterThanEq(lower_bound=0.0)")

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Counts of shape ``sample_shape + batch_shape``, as floats (PyTorch's dtype), no gradient."""
        draws = default_generator.poisson(self.rate._data, (*_shape(sample_shape), *self.batch_shape))
        return Tensor(draws.astype(self.rate.dtype))

    def log_prob(self, value: Any) -> Tensor:
        """k log(rate) - rate - log(k!), recorded."""
        k = self._checked_value(value, "GreaterThanEq(lower_bound=0.0)", self.rate.dtype)
        self._check_value(k, np.mod(k._data, 1) == 0, "IntegerGreaterThan(lower_bound=0)")
        return xlogy(k, self.rate) - self.rate - lgamma(k + 1)

    @property
    def mean(self) -> Tensor:
        """The rate."""
        return self.rate

    @property
    def mode(self) -> Tensor:
        """floor(rate)."""
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        """The rate."""
        return self.rate


class Geometric(Distribution):
    """The number of failures before the first success of probability ``probs`` (or ``logits``)."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: Any = None) -> None:
        self._probs_or_logits(probs, logits)
        if probs is not None:
            (self.probs,) = _parameters(probs)
            kept = _clamped(self.probs)  # (a probability of 1: a finite logit, as PyTorch's)
            self.logits = log(kept) - (-kept).log1p()
        else:
            (self.logits,) = _parameters(logits)
            self.probs = self.logits.sigmoid()
        self.batch_shape = tuple(self.probs.shape)
        if self._validating(validate_args) and probs is not None:
            with np.errstate(invalid="ignore"):
                inside = (self.probs._data > 0) & (self.probs._data <= 1)
            self._check_parameter("probs", self.probs, inside, "Interval(lower_bound=0.0, upper_bound=1.0)")

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Failure counts of shape ``sample_shape + batch_shape``, as floats, no gradient."""
        draws = default_generator.geometric(self.probs._data, (*_shape(sample_shape), *self.batch_shape)) - 1
        return Tensor(draws.astype(self.probs.dtype))

    def log_prob(self, value: Any) -> Tensor:
        """k log(1 - p) + log(p), recorded (0 for k = 0 at p = 1, as PyTorch's)."""
        k = self._checked_value(value, "GreaterThanEq(lower_bound=0.0)", self.probs.dtype)
        self._check_value(k, np.mod(k._data, 1) == 0, "IntegerGreaterThan(lower_bound=0)")
        return xlogy(k, 1 - self.probs) + log(self.probs)

    def entropy(self) -> Tensor:
        """(-(1 - p) log(1 - p) - p log p) / p, recorded."""
        p = self.probs
        return -(xlogy(1 - p, 1 - p) + xlogy(p, p)) / p

    @property
    def mean(self) -> Tensor:
        """1 / p - 1."""
        return self.probs.reciprocal() - 1

    @property
    def variance(self) -> Tensor:
        """(1 / p - 1) / p."""
        return (self.probs.reciprocal() - 1) / self.probs


class NegativeBinomial(Distribution):
    """The number of successes (each of probability ``probs``, or log-odds ``logits``) before
    ``total_count`` failures, as PyTorch's: a Gamma-Poisson mixture, the count model of
    overdispersed data."""

    arg_constraints = {
        "total_count": constraints.greater_than_eq(0),
        "probs": constraints.half_open_interval(0.0, 1.0),
        "logits": constraints.real,
    }
    support = constraints.nonnegative_integer

    def __init__(self, total_count: Any, probs: Any = None, logits: Any = None, validate_args: Any = None) -> None:
        self._probs_or_logits(probs, logits)
        self.total_count, given = _parameters(total_count, probs if logits is None else logits)
        self.total_count = self.total_count.expand(*np.broadcast_shapes(self.total_count.shape, given.shape))
        given = given.expand(*self.total_count.shape)
        if logits is None:
            self.probs = given
            kept = _clamped(given)  # (a probability of 0: a finite logit, as PyTorch's)
            self.logits = log(kept) - (-kept).log1p()
        else:
            self.logits, self.probs = given, given.sigmoid()
        self.batch_shape = tuple(self.total_count.shape)
        if self._validating(validate_args):
            with np.errstate(invalid="ignore"):
                self._check_parameter(
                    "total_count", self.total_count, self.total_count._data >= 0, "GreaterThanEq(lower_bound=0)"
                )
                if logits is None:
                    inside = (self.probs._data >= 0) & (self.probs._data < 1)
                    self._check_parameter(
                        "probs", self.probs, inside, "HalfOpenInterval(lower_bound=0.0, upper_bound=1.0)"
                    )

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Counts of shape ``sample_shape + batch_shape``: Poisson draws of Gamma(total_count,
        (1 - p) / p) rates, as floats, no gradient."""
        shape = (*_shape(sample_shape), *self.batch_shape)
        odds = np.exp(np.asarray(self.logits._data, dtype=np.float64))
        rates = default_generator.gamma(np.broadcast_to(self.total_count._data, shape), 1.0) * odds
        return Tensor(np.asarray(default_generator.poisson(rates), dtype=self.probs.dtype))

    def log_prob(self, value: Any) -> Tensor:
        """log C(k + r - 1, k) + r log(1 - p) + k log p, by log-sigmoids of the logits, recorded
        (0 where k = r = 0, as PyTorch's)."""
        k = self._checked_value(value, "GreaterThanEq(lower_bound=0.0)", self.probs.dtype)
        self._check_value(k, np.mod(k._data, 1) == 0, "IntegerGreaterThan(lower_bound=0)")
        r, z = self.total_count, self.logits
        unnormalized = r * logsigmoid(-z) + k * logsigmoid(z)  # r log(1 - p) + k log p
        normalization = lgamma(k + 1) + lgamma(r) - lgamma(r + k)
        both_zero = Tensor(np.asarray((np.asarray(r._data) + np.asarray(k._data)) == 0))
        return unnormalized - normalization.masked_fill(both_zero, 0.0)

    @property
    def mean(self) -> Tensor:
        """r p / (1 - p), as r exp(logits)."""
        return self.total_count * self.logits.exp()

    @property
    def mode(self) -> Tensor:
        """floor((r - 1) p / (1 - p)), at least 0."""
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self) -> Tensor:
        """The mean / (1 - p)."""
        return self.mean / (-self.logits).sigmoid()


class Binomial(Distribution):
    """Successes in ``total_count`` trials of probability ``probs`` (or log-odds ``logits``)."""

    arg_constraints = {
        "total_count": constraints.nonnegative_integer,
        "probs": constraints.unit_interval,
        "logits": constraints.real,
    }
    has_enumerate_support = True

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> Any:
        """``integer_interval(0, total_count)``."""
        return constraints.integer_interval(0, self.total_count)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """0..total_count on a new first axis (one ``total_count`` for the batch, as PyTorch asks)."""
        counts = np.unique(self.total_count._data)
        if counts.size != 1:
            raise NotImplementedError("Binomial.enumerate_support: one total_count for the whole batch, as PyTorch's")
        return self._enumerated(np.arange(int(counts[0]) + 1, dtype=self.probs.dtype), expand)

    def __init__(self, total_count: Any = 1, probs: Any = None, logits: Any = None, validate_args: Any = None) -> None:
        self._probs_or_logits(probs, logits)
        if probs is not None:
            self.total_count, self.probs = _parameters(total_count, probs)
            # (a probability of 0 or 1 within [eps, 1 - eps] first, as PyTorch's probs_to_logits: its
            # logit was -inf or inf, and log_prob, which reads the logits, NaN, with NaN gradients)
            kept = _clamped(self.probs)
            self.logits = log(kept) - (-kept).log1p()
        else:
            self.total_count, self.logits = _parameters(total_count, logits)
            self.probs = self.logits.sigmoid()
        self.batch_shape = tuple(np.broadcast_shapes(self.total_count.shape, self.probs.shape))
        if self._validating(validate_args):
            n = self.total_count._data
            self._check_parameter(
                "total_count", self.total_count, (n >= 0) & (np.mod(n, 1) == 0), "IntegerGreaterThan(lower_bound=0)"
            )
            if probs is not None:
                with np.errstate(invalid="ignore"):
                    inside = (self.probs._data >= 0) & (self.probs._data <= 1)
                self._check_parameter("probs", self.probs, inside, "Interval(lower_bound=0.0, upper_bound=1.0)")

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Success counts of shape ``sample_shape + batch_shape``, as floats, no gradient."""
        shape = (*_shape(sample_shape), *self.batch_shape)
        n = np.broadcast_to(self.total_count._data, shape).astype(np.int64)
        return Tensor(default_generator.binomial(n, np.broadcast_to(self.probs._data, shape)).astype(self.probs.dtype))

    def log_prob(self, value: Any) -> Tensor:
        """log C(n, k) + k log p + (n - k) log(1 - p), by PyTorch's formula in the logits, recorded."""
        k = self._checked_value(value, "GreaterThanEq(lower_bound=0.0)", self.probs.dtype)
        self._check_value(
            k, (np.mod(k._data, 1) == 0) & (k._data <= self.total_count._data), "IntegerInterval(0, total_count)"
        )
        n, z = self.total_count, self.logits
        positive = (z.clamp(min=0) + z - z.clamp(max=0)) / 2  # (max(z, 0), with PyTorch's gradient 1/2 at 0)
        normalizer = n * positive + n * (-z.abs()).exp().log1p() - lgamma(n + 1)
        return k * z - normalizer - lgamma(k + 1) - lgamma(n - k + 1)

    def entropy(self) -> Tensor:
        """-sum over k of P(k) log P(k), k = 0..n (one total_count for the batch, as PyTorch asks)."""
        counts = np.unique(self.total_count._data)
        if len(counts) != 1:
            raise NotImplementedError("Binomial.entropy: the total_count must be the same for the whole batch")
        support = Tensor(
            np.arange(int(counts[0]) + 1, dtype=self.probs.dtype).reshape(-1, *(1,) * len(self.batch_shape))
        )
        lp = (
            self.log_prob(support.expand(-1, *self.batch_shape))
            if self.batch_shape
            else self.log_prob(support.reshape(-1))
        )
        return -(lp.exp() * lp).sum(0)

    @property
    def mean(self) -> Tensor:
        """n p."""
        return self.total_count * self.probs

    @property
    def variance(self) -> Tensor:
        """n p (1 - p)."""
        return self.total_count * self.probs * (1 - self.probs)


class Multinomial(Distribution):
    """Counts of each of K classes in ``total_count`` draws of a ``Categorical(probs or logits)``."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    _repr_omits = ("probs", "logits")  # (PyTorch's repr shows neither)

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self) -> Any:
        """``multinomial(total_count)``."""
        return constraints.multinomial(self.total_count)

    def __init__(self, total_count: int = 1, probs: Any = None, logits: Any = None, validate_args: Any = None) -> None:
        from mytorch.distributions.discrete import Categorical

        if isinstance(total_count, bool) or not isinstance(total_count, (int, np.integer)) or total_count < 0:
            raise ValueError(f"Multinomial: total_count must be a nonnegative integer, got {total_count!r}")
        self.total_count = int(total_count)
        self._categorical = Categorical(probs=probs, logits=logits, validate_args=validate_args)
        self._validate_args = self._categorical._validate_args
        self.probs, self.logits = self._categorical.probs, self._categorical.logits
        self.batch_shape, self.event_shape = self._categorical.batch_shape, tuple(self.probs.shape[-1:])

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Count vectors of shape ``sample_shape + batch_shape + (K,)``, as floats, no gradient."""
        p = self.probs._data.astype(np.float64)
        p = p / p.sum(-1, keepdims=True)
        shape = (*_shape(sample_shape), *self.batch_shape)
        flat = np.broadcast_to(p, (*shape, p.shape[-1])).reshape(-1, p.shape[-1])
        draws = np.stack([default_generator.multinomial(self.total_count, row) for row in flat]) if len(flat) else flat
        return Tensor(draws.reshape(*shape, p.shape[-1]).astype(self.probs.dtype))

    def log_prob(self, value: Any) -> Tensor:
        """log(n! / prod k_i!) + sum k_i log p_i, recorded (a class of probability 0 counted 0 times adds 0)."""
        k = self._checked_value(value, "GreaterThanEq(lower_bound=0.0)", self.probs.dtype)
        self._check_value(
            k, (np.mod(k._data, 1) == 0).all(-1) & (k._data.sum(-1) == self.total_count), "Multinomial(total_count)"
        )
        logits = self.logits.masked_fill(Tensor((k._data == 0) & np.isneginf(self.logits._data)), 0.0)
        return lgamma(k.sum(-1) + 1) - lgamma(k + 1).sum(-1) + (logits * k).sum(-1)

    @property
    def mean(self) -> Tensor:
        """n p."""
        return self.probs * self.total_count

    @property
    def variance(self) -> Tensor:
        """n p (1 - p)."""
        return self.probs * (1 - self.probs) * self.total_count


class _Located(_LocationScale):
    """``_LocationScale`` with draws of a uniform in (0, 1] moved by each family (Cauchy's, Gumbel's)."""

    def _uniform(self, sample_shape: Any) -> Tensor:
        dtype = np.result_type(self.loc.dtype, self.scale.dtype)
        tiny = float(np.finfo(dtype).tiny)
        draws = default_generator.uniform(tiny, 1.0, (*_shape(sample_shape), *self.batch_shape))
        return Tensor(draws.astype(dtype))

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape`` (no gradient)."""
        return self.rsample(sample_shape).detach()

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """A draw moved and scaled by the parameters, recorded (defined by each family)."""
        raise NotImplementedError


class Cauchy(_Located):
    """Cauchy (Lorentz) of location ``loc`` and half-width ``scale``; no mean or variance."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """loc + scale tan(pi (u - 1/2)), recorded."""
        return self.loc + self.scale * (math.pi * (self._uniform(sample_shape) - 0.5)).tan()

    def log_prob(self, value: Any) -> Tensor:
        """-log(pi scale) - log(1 + ((value - loc) / scale)^2), recorded."""
        z = (self._checked_value(value, "Real()") - self.loc) / self.scale
        return -math.log(math.pi) - log(self.scale) - (z * z).log1p()

    def entropy(self) -> Tensor:
        """log(4 pi scale), recorded."""
        return (math.log(4 * math.pi) + log(self.scale)).expand(*self.batch_shape)

    def cdf(self, value: Any) -> Tensor:
        """atan((value - loc) / scale) / pi + 1/2, recorded."""
        return ((self._checked_value(value, "Real()") - self.loc) / self.scale).atan() / math.pi + 0.5

    def icdf(self, value: Any) -> Tensor:
        """loc + scale tan(pi (value - 1/2)), recorded."""
        return self.loc + self.scale * (math.pi * (_tensor(value, self.loc.dtype) - 0.5)).tan()

    @property
    def mean(self) -> Tensor:
        """NaN: the Cauchy has no mean (PyTorch's)."""
        return _filled(math.nan, self.loc, self.batch_shape)

    @property
    def variance(self) -> Tensor:
        """inf (PyTorch's)."""
        return _filled(math.inf, self.loc, self.batch_shape)


class Gumbel(_Located):
    """Gumbel (type I extreme value) of location ``loc`` and scale ``scale``."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """loc - scale log(-log u), recorded."""
        return self.loc - self.scale * (-(self._uniform(sample_shape).log())).log()

    def log_prob(self, value: Any) -> Tensor:
        """-(log(scale) + z + exp(-z)), z = (value - loc) / scale, recorded."""
        z = (self._checked_value(value, "Real()") - self.loc) / self.scale
        return -(log(self.scale) + z + (-z).exp())

    def entropy(self) -> Tensor:
        """log(scale) + 1 + Euler's gamma, recorded."""
        return (log(self.scale) + 1 + _EULER).expand(*self.batch_shape)

    def cdf(self, value: Any) -> Tensor:
        """exp(-exp(-z)), recorded."""
        z = (self._checked_value(value, "Real()") - self.loc) / self.scale
        return (-(-z).exp()).exp()

    def icdf(self, value: Any) -> Tensor:
        """The quantile of probability ``value``: loc - scale log(-log value), recorded."""
        return self.loc - self.scale * (-(_tensor(value, self.loc.dtype).log())).log()

    @property
    def mean(self) -> Tensor:
        """loc + scale * Euler's gamma."""
        return (self.loc + self.scale * _EULER).expand(*self.batch_shape)

    @property
    def stddev(self) -> Tensor:
        """pi scale / sqrt(6)."""
        return (self.scale * (math.pi / math.sqrt(6))).expand(*self.batch_shape)

    @property
    def variance(self) -> Tensor:
        """(pi scale)^2 / 6."""
        return self.stddev**2


class HalfNormal(Distribution):
    """|X| for X normal of mean 0 and standard deviation ``scale`` (PyTorch's: that normal folded)."""

    arg_constraints = {"scale": constraints.positive}
    _repr_omits = ("scale",)  # (PyTorch's holds it as a property: its repr shows none)
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale: Any, validate_args: Any = None) -> None:
        (given,) = _parameters(scale)
        self.base_dist = Normal(Tensor(np.zeros((), dtype=given.dtype)), given, validate_args)
        self.scale, self.batch_shape = given, self.base_dist.batch_shape
        self._validate_args = self.base_dist._validate_args

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """|scale * eps|, eps standard normal, recorded."""
        return self.base_dist.rsample(sample_shape).abs()

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape`` (no gradient)."""
        return self.rsample(sample_shape).detach()

    def log_prob(self, value: Any) -> Tensor:
        """log 2 + the normal log density, recorded."""
        return self.base_dist.log_prob(self._checked_value(value, "GreaterThanEq(lower_bound=0.0)")) + math.log(2)

    def cdf(self, value: Any) -> Tensor:
        """2 F(value) - 1 of the normal, recorded."""
        return 2 * self.base_dist.cdf(self._checked_value(value, "GreaterThanEq(lower_bound=0.0)")) - 1

    def icdf(self, value: Any) -> Tensor:
        """The quantile of probability ``value``: the normal's of (value + 1) / 2, recorded."""
        return self.base_dist.icdf((_tensor(value, self.scale.dtype) + 1) / 2)

    def entropy(self) -> Tensor:
        """The normal's entropy less log 2, recorded."""
        return self.base_dist.entropy() - math.log(2)

    @property
    def mean(self) -> Tensor:
        """scale sqrt(2 / pi)."""
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def variance(self) -> Tensor:
        """scale^2 (1 - 2 / pi)."""
        return self.scale**2 * (1 - 2 / math.pi)


class StudentT(Distribution):
    """Student's t with ``df`` degrees of freedom, location ``loc`` and scale ``scale``."""

    arg_constraints = {"df": constraints.positive, "loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, df: Any, loc: Any = 0.0, scale: Any = 1.0, validate_args: Any = None) -> None:
        self.df, self.loc, self.scale = _parameters(df, loc, scale)
        self.batch_shape = tuple(np.broadcast_shapes(self.df.shape, self.loc.shape, self.scale.shape))
        if self._validating(validate_args):
            self._check_positive(df=self.df, scale=self.scale)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape`` (no gradient)."""
        shape = (*_shape(sample_shape), *self.batch_shape)
        t = default_generator.standard_t(np.broadcast_to(self.df._data, self.batch_shape), shape)
        return (self.loc + self.scale * Tensor(t.astype(self.df.dtype))).detach()

    def log_prob(self, value: Any) -> Tensor:
        """The t log density, recorded (in ``df`` too)."""
        y = (self._checked_value(value, "Real()") - self.loc) / self.scale
        half = 0.5 * self.df
        z = log(self.scale) + 0.5 * log(self.df) + 0.5 * math.log(math.pi) + lgamma(half) - lgamma(half + 0.5)
        return -(half + 0.5) * (y * y / self.df).log1p() - z

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``loc + scale z / sqrt(v / df)``, z standard normal and v a chi-squared ``df`` draw (a
        ``Gamma(df / 2, 1 / 2)`` ``rsample``), as PyTorch's: a gradient flows to ``loc``, ``scale``
        and, implicitly through the Gamma draw, ``df``."""
        shape = (*_shape(sample_shape), *self.batch_shape)
        df = self.df.expand(*shape)
        z = Tensor(default_generator.standard_normal(shape).astype(self.df.dtype))
        v = Gamma(0.5 * df, 0.5 * df.new_ones(()), validate_args=False).rsample()
        return self.loc + self.scale * z * (v / df).rsqrt()

    def entropy(self) -> Tensor:
        """PyTorch's closed form, recorded."""
        half = 0.5 * self.df
        lbeta = lgamma(half) + math.lgamma(0.5) - lgamma(half + 0.5)
        value = log(self.scale) + (half + 0.5) * (digamma(half + 0.5) - digamma(half)) + 0.5 * log(self.df) + lbeta
        return value.expand(*self.batch_shape)

    @property
    def mean(self) -> Tensor:
        """loc where df > 1, else NaN."""
        mean = self.loc.expand(*self.batch_shape)
        return mean.masked_fill(Tensor(np.broadcast_to(self.df._data <= 1, self.batch_shape)), math.nan)

    @property
    def variance(self) -> Tensor:
        """scale^2 df / (df - 2) where df > 2, inf where 1 < df <= 2, NaN where df <= 1."""
        df = np.broadcast_to(self.df._data, self.batch_shape)
        var = (self.scale**2 * self.df / (self.df - 2)).expand(*self.batch_shape)
        var = var.masked_fill(Tensor((df <= 2) & (df > 1)), math.inf)
        return var.masked_fill(Tensor(df <= 1), math.nan)

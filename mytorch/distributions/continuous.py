"""Distributions over real numbers, one number per batch entry (and Dirichlet over a simplex):
``Normal``, ``Uniform``, ``Laplace``, ``Exponential``, ``LogNormal``, ``Gamma``, ``Beta``, ``Dirichlet``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mytorch.autograd_engine import no_grad
from mytorch.distributions import constraints
from mytorch.distributions.base import Distribution, _parameters, _shape, _tensor
from mytorch.distributions.exp_family import ExponentialFamily
from mytorch.distributions.implicit import standard_gamma
from mytorch.factories import default_generator
from mytorch.tensor import Tensor, log


class _LocationScale(Distribution):
    """A family of a real location ``loc`` and a positive ``scale``, broadcast together: Normal's, Laplace's."""

    def __init__(self, loc: Any, scale: Any, validate_args: Any = None) -> None:
        self.loc, self.scale = _parameters(loc, scale)
        self.batch_shape = tuple(np.broadcast_shapes(self.loc.shape, self.scale.shape))
        if self._validating(validate_args):
            self._check_parameter("loc", self.loc, ~np.isnan(self.loc._data), "Real()")
            self._check_positive(scale=self.scale)


class Normal(_LocationScale, ExponentialFamily):
    """Gaussian with mean ``loc`` and standard deviation ``scale`` (broadcast together)."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        """(loc / scale^2, -1 / (2 scale^2))."""
        return self.loc / self.scale**2, -0.5 / self.scale**2

    def _log_normalizer(self, *natural_params: Tensor) -> Tensor:
        """-x^2 / (4 y) + log(-pi / y) / 2."""
        x, y = natural_params
        return -0.25 * x**2 / y + 0.5 * log(-math.pi / y)

    def _real(self, value: Any) -> Tensor:
        x = _tensor(value)
        self._check_value(x, ~np.isnan(x._data), "Real()")
        return x

    def _noise(self, sample_shape: Any) -> Tensor:
        shape = (*_shape(sample_shape), *self.batch_shape)
        return Tensor(default_generator.standard_normal(shape).astype(np.result_type(self.loc.dtype, self.scale.dtype)))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``loc + scale * eps``, eps standard normal: a gradient flows to ``loc`` and ``scale``."""
        return self.loc + self.scale * self._noise(sample_shape)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape`` (no gradient)."""
        return self.rsample(sample_shape).detach()

    def log_prob(self, value: Any) -> Tensor:
        """The log density (or log probability) of ``value``, recorded."""
        x = self._real(value)
        return -((x - self.loc) ** 2) / (2 * self.scale**2) - log(self.scale) - math.log(math.sqrt(2 * math.pi))

    def entropy(self) -> Tensor:
        """The entropy, recorded."""
        return (0.5 + 0.5 * math.log(2 * math.pi) + log(self.scale)).expand(*self.batch_shape)

    def cdf(self, value: Any) -> Tensor:
        """P(X <= value): ``(1 + erf((value - loc) / (scale sqrt 2))) / 2``, recorded."""
        from mytorch.special import erf

        return 0.5 * (1 + erf((self._real(value) - self.loc) * self.scale.reciprocal() / math.sqrt(2)))

    def icdf(self, value: Any) -> Tensor:
        """The quantile of probability ``value``: ``loc + scale ndtri(value)``, recorded (finite in
        the tails: PyTorch's sqrt(2) erfinv(2 value - 1) is -inf below 1e-16)."""
        from mytorch.special import ndtri

        return self.loc + self.scale * ndtri(_tensor(value, self.loc.dtype))

    @property
    def mean(self) -> Tensor:
        """The mean."""
        return self.loc.expand(*self.batch_shape)

    @property
    def stddev(self) -> Tensor:
        """The standard deviation."""
        return self.scale.expand(*self.batch_shape)

    @property
    def variance(self) -> Tensor:
        """The variance."""
        return self.stddev**2


class Uniform(Distribution):
    """Uniform on ``[low, high)``."""

    @property
    def arg_constraints(self) -> dict[str, Any]:  # type: ignore[override]
        """``low`` below ``high``, as PyTorch's: ``{"low": less_than(high), "high": greater_than(low)}``."""
        return {"low": constraints.less_than(self.high), "high": constraints.greater_than(self.low)}

    has_rsample = True

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> Any:
        """``interval(low, high)``."""
        return constraints.interval(self.low, self.high)

    def __init__(self, low: Any, high: Any, validate_args: Any = None) -> None:
        self.low, self.high = _parameters(low, high)
        self.batch_shape = tuple(np.broadcast_shapes(self.low.shape, self.high.shape))
        if self._validating(validate_args):
            with np.errstate(invalid="ignore"):
                self._check_parameter("low", self.low, self.low._data < self.high._data, "LessThan(upper_bound=high)")

    def _inside(self, value: Any) -> Tensor:
        x = _tensor(value)
        with np.errstate(invalid="ignore"):
            ok = (self.low._data <= x._data) & (x._data <= self.high._data)
        self._check_value(x, ok, "Interval(lower_bound=low, upper_bound=high)")
        return x

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``low + (high - low) * u``, u uniform in [0, 1): a gradient flows to both ends."""
        u = default_generator.random((*_shape(sample_shape), *self.batch_shape))
        return self.low + (self.high - self.low) * Tensor(u.astype(self.low.dtype))

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape`` (no gradient)."""
        return self.rsample(sample_shape).detach()

    def log_prob(self, value: Any) -> Tensor:
        """The log density (or log probability) of ``value``, recorded."""
        x = self._inside(value)
        inside = Tensor(((x._data >= self.low._data) & (x._data < self.high._data)).astype(x.dtype))
        return log(inside) - log(self.high - self.low)

    def entropy(self) -> Tensor:
        """The entropy, recorded."""
        return log(self.high - self.low)

    def cdf(self, value: Any) -> Tensor:
        """P(X <= value): ``(value - low) / (high - low)`` clamped to [0, 1], recorded."""
        return ((self._inside(value) - self.low) / (self.high - self.low)).clamp(0, 1)

    def icdf(self, value: Any) -> Tensor:
        """The quantile of probability ``value``: ``low + value (high - low)``, recorded."""
        return self.low + _tensor(value, self.low.dtype) * (self.high - self.low)

    @property
    def mean(self) -> Tensor:
        """The mean."""
        return (self.low + self.high) / 2

    @property
    def variance(self) -> Tensor:
        """The variance, (high - low)^2 / 12."""
        return (self.high - self.low) ** 2 / 12

    @property
    def stddev(self) -> Tensor:
        """The standard deviation."""
        return self.variance.sqrt()


class Laplace(_LocationScale):
    """Laplace with location ``loc`` and scale ``scale``: density exp(-|x - loc| / scale) / (2 scale)."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``loc - scale sign(u) log(1 - |u|)``, u uniform in (-1, 1) (PyTorch's): recorded."""
        dtype = np.result_type(self.loc.dtype, self.scale.dtype)
        eps = float(np.finfo(dtype).eps)
        u = Tensor(default_generator.uniform(eps - 1, 1, (*_shape(sample_shape), *self.batch_shape)).astype(dtype))
        return self.loc - self.scale * u.sign() * (-u.abs()).log1p()

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape`` (no gradient)."""
        return self.rsample(sample_shape).detach()

    def log_prob(self, value: Any) -> Tensor:
        """The log density of ``value``, recorded."""
        return -log(2 * self.scale) - (self._checked_value(value, "Real()") - self.loc).abs() / self.scale

    def entropy(self) -> Tensor:
        """The entropy, 1 + log(2 scale), recorded."""
        return (1 + log(2 * self.scale)).expand(*self.batch_shape)

    def cdf(self, value: Any) -> Tensor:
        """P(X <= value), recorded."""
        d = self._checked_value(value, "Real()") - self.loc
        return 0.5 - 0.5 * d.sign() * (-d.abs() / self.scale).expm1()

    def icdf(self, value: Any) -> Tensor:
        """The quantile of probability ``value``, recorded."""
        term = _tensor(value) - 0.5
        return self.loc - self.scale * term.sign() * (-2 * term.abs()).log1p()

    @property
    def mean(self) -> Tensor:
        """The mean (``loc``)."""
        return self.loc.expand(*self.batch_shape)

    @property
    def stddev(self) -> Tensor:
        """sqrt(2) scale."""
        return (math.sqrt(2) * self.scale).expand(*self.batch_shape)

    @property
    def variance(self) -> Tensor:
        """2 scale^2."""
        return (2 * self.scale**2).expand(*self.batch_shape)


class Exponential(ExponentialFamily):
    """Exponential of rate ``rate``: density rate exp(-rate x) for x >= 0."""

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        """(-rate,)."""
        return (-self.rate,)

    def _log_normalizer(self, *natural_params: Tensor) -> Tensor:
        """-log(-x)."""
        return -log(-natural_params[0])

    def __init__(self, rate: Any, validate_args: Any = None) -> None:
        (self.rate,) = _parameters(rate)
        self.batch_shape = tuple(self.rate.shape)
        if self._validating(validate_args):
            self._check_positive(rate=self.rate)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """A standard exponential draw divided by ``rate``: recorded."""
        e = default_generator.standard_exponential((*_shape(sample_shape), *self.batch_shape))
        return Tensor(e.astype(self.rate.dtype)) / self.rate

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape`` (no gradient)."""
        return self.rsample(sample_shape).detach()

    def log_prob(self, value: Any) -> Tensor:
        """log(rate) - rate value, recorded."""
        return log(self.rate) - self.rate * self._checked_value(value, "GreaterThanEq(lower_bound=0.0)")

    def entropy(self) -> Tensor:
        """1 - log(rate), recorded."""
        return 1.0 - log(self.rate)

    def cdf(self, value: Any) -> Tensor:
        """1 - exp(-rate value), recorded."""
        return 1 - (-self.rate * self._checked_value(value, "GreaterThanEq(lower_bound=0.0)")).exp()

    def icdf(self, value: Any) -> Tensor:
        """-log(1 - value) / rate, recorded."""
        return -(-_tensor(value)).log1p() / self.rate

    @property
    def mean(self) -> Tensor:
        """1 / rate."""
        return self.rate.reciprocal()

    @property
    def stddev(self) -> Tensor:
        """1 / rate."""
        return self.rate.reciprocal()

    @property
    def variance(self) -> Tensor:
        """1 / rate^2."""
        return self.rate.pow(-2)


class LogNormal(Distribution):
    """exp of a Normal(``loc``, ``scale``): ``base_dist`` is that Normal."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    _repr_omits = ("loc", "scale")  # (PyTorch's holds them as properties: its repr shows none)
    support = constraints.positive
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: Any = None) -> None:
        self.base_dist = Normal(loc, scale, validate_args)
        self.loc, self.scale = self.base_dist.loc, self.base_dist.scale
        self.batch_shape = self.base_dist.batch_shape
        self._validating(validate_args)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """exp of the Normal's reparameterised sample: recorded."""
        return self.base_dist.rsample(sample_shape).exp()

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape`` (no gradient)."""
        return self.rsample(sample_shape).detach()

    def log_prob(self, value: Any) -> Tensor:
        """The Normal's log density of log(value), less log(value), recorded."""
        y = log(self._checked_value(value, "GreaterThan(lower_bound=0.0)"))
        return self.base_dist.log_prob(y) - y

    def entropy(self) -> Tensor:
        """The Normal's entropy plus ``loc``, recorded."""
        return self.base_dist.entropy() + self.loc

    @property
    def mean(self) -> Tensor:
        """exp(loc + scale^2 / 2)."""
        return (self.loc + self.scale.pow(2) / 2).exp().expand(*self.batch_shape)

    @property
    def variance(self) -> Tensor:
        """(exp(scale^2) - 1) exp(2 loc + scale^2)."""
        square = self.scale.pow(2)
        return (square.expm1() * (2 * self.loc + square).exp()).expand(*self.batch_shape)

    @property
    def stddev(self) -> Tensor:
        """The square root of ``variance``."""
        return self.variance.sqrt()


class Gamma(ExponentialFamily):
    """Gamma of shape ``concentration`` and ``rate``: density rate^a x^(a-1) exp(-rate x) / Gamma(a).
    ``rsample`` differentiates the draw implicitly in ``concentration`` (``implicit.py``)."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        """(concentration - 1, -rate)."""
        return self.concentration - 1, -self.rate

    def _log_normalizer(self, *natural_params: Tensor) -> Tensor:
        """lgamma(x + 1) + (x + 1) log(-1 / y)."""
        from mytorch import lgamma

        x, y = natural_params
        return lgamma(x + 1) + (x + 1) * log(-y.reciprocal())

    def __init__(self, concentration: Any, rate: Any, validate_args: Any = None) -> None:
        self.concentration, self.rate = _parameters(concentration, rate)
        self.batch_shape = tuple(np.broadcast_shapes(self.concentration.shape, self.rate.shape))
        if self._validating(validate_args):
            self._check_positive(concentration=self.concentration, rate=self.rate)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``standard_gamma(concentration) / rate`` of shape ``sample_shape + batch_shape``: a gradient
        flows to ``rate`` and, by implicit differentiation, to ``concentration`` (PyTorch's)."""
        shape = (*_shape(sample_shape), *self.batch_shape)
        return standard_gamma(self.concentration.expand(*shape)) / self.rate.expand(*shape)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape`` (no gradient)."""
        with no_grad():
            return self.rsample(sample_shape)

    def log_prob(self, value: Any) -> Tensor:
        """a log(rate) + (a - 1) log(value) - rate value - lgamma(a), recorded."""
        from mytorch import lgamma, xlogy

        a, rate, x = self.concentration, self.rate, self._checked_value(value, "GreaterThanEq(lower_bound=0.0)")
        return xlogy(a, rate) + xlogy(a - 1, x) - rate * x - lgamma(a)

    def cdf(self, value: Any) -> Tensor:
        """gammainc(a, rate value), the regularized lower incomplete gamma function (gradient in
        ``rate`` and ``value``; none in ``a``, as PyTorch's)."""
        from mytorch.special_gamma import gammainc

        x = self._checked_value(value, "GreaterThanEq(lower_bound=0.0)")
        return gammainc(self.concentration, self.rate * x)

    def entropy(self) -> Tensor:
        """a - log(rate) + lgamma(a) + (1 - a) digamma(a), recorded."""
        from mytorch import digamma, lgamma

        a = self.concentration
        return a - log(self.rate) + lgamma(a) + (1.0 - a) * digamma(a)

    @property
    def mean(self) -> Tensor:
        """a / rate."""
        return (self.concentration / self.rate).expand(*self.batch_shape)

    @property
    def variance(self) -> Tensor:
        """a / rate^2."""
        return (self.concentration / self.rate.pow(2)).expand(*self.batch_shape)


class Dirichlet(ExponentialFamily):
    """Dirichlet on the simplex of the last axis of ``concentration`` (event_shape (k,)); ``rsample``
    normalises Gamma draws, so its gradient is theirs (implicit) through the normalisation."""

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        """(concentration,)."""
        return (self.concentration,)

    def _log_normalizer(self, *natural_params: Tensor) -> Tensor:
        """sum lgamma(x) - lgamma(sum x)."""
        from mytorch import lgamma

        (x,) = natural_params
        return lgamma(x).sum(-1) - lgamma(x.sum(-1))

    def __init__(self, concentration: Any, validate_args: Any = None) -> None:
        (self.concentration,) = _parameters(concentration)
        if self.concentration.ndim < 1:
            raise ValueError("Dirichlet: concentration needs at least one axis (the categories)")
        self.batch_shape = tuple(self.concentration.shape[:-1])
        self.event_shape = tuple(self.concentration.shape[-1:])
        if self._validating(validate_args):
            with np.errstate(invalid="ignore"):
                positive = self.concentration._data > 0
            constraint = "IndependentConstraint(GreaterThan(lower_bound=0.0), 1)"
            self._check_parameter("concentration", self.concentration, positive, constraint)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``g / sum g`` of Gamma(concentration, 1) draws g, of shape ``sample_shape + batch_shape +
        event_shape``, recorded: a gradient flows to ``concentration``. (PyTorch differentiates the
        Dirichlet's own quantile, so one draw's gradient differs; their expectations agree.)"""
        shape = (*_shape(sample_shape), *self.batch_shape, *self.event_shape)
        g = standard_gamma(self.concentration.expand(*shape))
        return g / g.sum(-1, keepdim=True)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape + event_shape`` (no gradient)."""
        with no_grad():
            return self.rsample(sample_shape)

    def log_prob(self, value: Any) -> Tensor:
        """sum (a - 1) log(value) + lgamma(sum a) - sum lgamma(a), recorded."""
        from mytorch import lgamma, xlogy

        a = self.concentration
        x = self._checked_value(value, "Simplex()", a.dtype)
        return xlogy(a - 1.0, x).sum(-1) + lgamma(a.sum(-1)) - lgamma(a).sum(-1)

    def entropy(self) -> Tensor:
        """log B(a) + (a0 - k) digamma(a0) - sum (a - 1) digamma(a), recorded."""
        from mytorch import digamma, lgamma

        a = self.concentration
        k, total = a.shape[-1], a.sum(-1)
        return lgamma(a).sum(-1) - lgamma(total) - (k - total) * digamma(total) - ((a - 1.0) * digamma(a)).sum(-1)

    @property
    def mean(self) -> Tensor:
        """a / sum a."""
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def variance(self) -> Tensor:
        """a (a0 - a) / (a0^2 (a0 + 1))."""
        a = self.concentration
        total = a.sum(-1, keepdim=True)
        return a * (total - a) / (total.pow(2) * (total + 1))


class Beta(ExponentialFamily):
    """Beta(``concentration1``, ``concentration0``) on (0, 1): a two-category Dirichlet (as
    PyTorch's): ``rsample`` is the Dirichlet's first coordinate."""

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    _repr_omits = ("concentration1", "concentration0")  # (PyTorch's holds them as properties: its repr shows none)
    support = constraints.unit_interval
    has_rsample = True

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        """(concentration1, concentration0)."""
        return self.concentration1, self.concentration0

    def _log_normalizer(self, *natural_params: Tensor) -> Tensor:
        """lgamma(x) + lgamma(y) - lgamma(x + y)."""
        from mytorch import lgamma

        x, y = natural_params
        return lgamma(x) + lgamma(y) - lgamma(x + y)

    def __init__(self, concentration1: Any, concentration0: Any, validate_args: Any = None) -> None:
        from mytorch.tensor_shape import stack

        self.concentration1, self.concentration0 = _parameters(concentration1, concentration0)
        self.batch_shape = tuple(np.broadcast_shapes(self.concentration1.shape, self.concentration0.shape))
        if self._validating(validate_args):
            self._check_positive(concentration1=self.concentration1, concentration0=self.concentration0)
        both = [c.expand(*self.batch_shape) for c in (self.concentration1, self.concentration0)]
        self._dirichlet = Dirichlet(stack(both, -1), validate_args=False)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """The first coordinate of the two-category Dirichlet's ``rsample``: a gradient flows to both
        concentrations."""
        return self._dirichlet.rsample(sample_shape)[..., 0]

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape`` (no gradient)."""
        return self._dirichlet.sample(sample_shape)[..., 0]

    def log_prob(self, value: Any) -> Tensor:
        """The Dirichlet's log density of (value, 1 - value), recorded."""
        from mytorch.tensor_shape import stack

        x = self._checked_value(value, "Interval(lower_bound=0.0, upper_bound=1.0)")
        return self._dirichlet.log_prob(stack([x, 1.0 - x], -1))

    def entropy(self) -> Tensor:
        """The entropy, recorded."""
        return self._dirichlet.entropy()

    @property
    def mean(self) -> Tensor:
        """c1 / (c1 + c0)."""
        return (self.concentration1 / (self.concentration1 + self.concentration0)).expand(*self.batch_shape)

    @property
    def variance(self) -> Tensor:
        """c1 c0 / ((c1 + c0)^2 (c1 + c0 + 1))."""
        total = self.concentration1 + self.concentration0
        return (self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))).expand(*self.batch_shape)

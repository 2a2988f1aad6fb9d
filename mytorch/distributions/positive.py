"""Distributions on the positive half-line, as PyTorch's: ``HalfCauchy(scale)``, ``Weibull(scale,
concentration)``, ``Pareto(scale, alpha)``, ``Chi2(df)`` (a ``Gamma``) and ``InverseGamma(concentration, rate)``.

PyTorch builds the first three as transformed distributions (``|Cauchy|``; ``Exponential(1)``
through x -> scale x^(1 / k); ``Exponential(alpha)`` through x -> scale e^x); here they are written
out with the same densities, moments and quantiles, recorded, so gradients reach the parameters
and the values; ``rsample`` is the quantile of a uniform draw (MyTorch's generator: other draws
than PyTorch's).
"""

from __future__ import annotations

import math
from typing import Any, cast

import numpy as np

from mytorch.distributions import constraints
from mytorch.distributions.base import Distribution, _parameters, _shape, _tensor
from mytorch.distributions.continuous import Gamma
from mytorch.distributions.transforms import PowerTransform
from mytorch.distributions.wrappers import TransformedDistribution
from mytorch.factories import default_generator
from mytorch.tensor import Tensor, log
from mytorch.tensor_math import where

__all__ = ["Chi2", "HalfCauchy", "InverseGamma", "Pareto", "Weibull"]

_EULER = 0.57721566490153286060


class _Quantiled(Distribution):
    """``rsample`` as ``icdf`` of uniform draws in (0, 1), of the parameters' dtype."""

    _dtype: Any
    scale: Tensor

    def _setup(self, validate_args: Any, **parameters: Any) -> None:
        """The (positive) parameters as attributes, broadcast into ``batch_shape``, and checked."""
        values = _parameters(*parameters.values())
        for name, value in zip(parameters, values):
            setattr(self, name, value)
        self._dtype = values[0].dtype
        self.batch_shape = tuple(np.broadcast_shapes(*(tuple(v.shape) for v in values)))
        if self._validating(validate_args):
            self._check_positive(**dict(zip(parameters, values)))

    def icdf(self, value: Any) -> Tensor:
        """The quantile function (defined by each family)."""
        raise NotImplementedError

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``icdf`` of uniform draws, of shape ``sample_shape + batch_shape``, recorded."""
        eps = float(np.finfo(self._dtype).eps)
        u = default_generator.uniform(eps, 1 - eps, (*_shape(sample_shape), *self.batch_shape))
        return self.icdf(Tensor(u.astype(self._dtype)))

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """``rsample`` without a gradient."""
        return self.rsample(sample_shape).detach()


def _constant(value: float, like: Tensor, shape: tuple[int, ...]) -> Tensor:
    return Tensor(np.full(shape, value, dtype=like.dtype))


class HalfCauchy(_Quantiled):
    """|X| for X Cauchy of location 0 and ``scale``: density 2 / (pi scale (1 + (x / scale)^2)) on x >= 0."""

    arg_constraints = {"scale": constraints.positive}
    _repr_omits = ("scale",)  # (PyTorch's holds it as a property: its repr shows none)
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, scale: Any, validate_args: Any = None) -> None:
        self._setup(validate_args, scale=scale)

    def log_prob(self, value: Any) -> Tensor:
        """log(2 / pi) - log scale - log(1 + (value / scale)^2) at value >= 0, -inf below."""
        x = self._checked_value(value, "GreaterThanEq(lower_bound=0.0)", self._dtype)
        z = x / self.scale
        inside = math.log(2 / math.pi) - log(self.scale) - (z * z).log1p()
        return where(Tensor(x._data >= 0), inside, -math.inf)  # type: ignore[return-value]

    def cdf(self, value: Any) -> Tensor:
        """2 atan(value / scale) / pi."""
        return (self._checked_value(value, "GreaterThanEq(lower_bound=0.0)", self._dtype) / self.scale).atan() * (
            2 / math.pi
        )

    def icdf(self, value: Any) -> Tensor:
        """scale tan(pi q / 2)."""
        return self.scale * (_tensor(value, self._dtype) * (math.pi / 2)).tan()

    def entropy(self) -> Tensor:
        """log(2 pi scale)."""
        return (math.log(2 * math.pi) + log(self.scale)).expand(*self.batch_shape)

    @property
    def mean(self) -> Tensor:
        """inf (PyTorch's)."""
        return _constant(math.inf, self.scale, self.batch_shape)

    @property
    def mode(self) -> Tensor:
        """0."""
        return _constant(0.0, self.scale, self.batch_shape)

    @property
    def variance(self) -> Tensor:
        """inf (PyTorch's)."""
        return _constant(math.inf, self.scale, self.batch_shape)


class Weibull(_Quantiled):
    """Weibull of ``scale`` l and ``concentration`` k: density (k / l) (x / l)^(k - 1) e^(-(x / l)^k)."""

    arg_constraints = {"scale": constraints.positive, "concentration": constraints.positive}
    support = constraints.positive
    has_rsample = True

    concentration: Tensor

    def __init__(self, scale: Any, concentration: Any, validate_args: Any = None) -> None:
        self._setup(validate_args, scale=scale, concentration=concentration)

    def log_prob(self, value: Any) -> Tensor:
        """log(k / l) + (k - 1) log(x / l) - (x / l)^k."""
        z = self._checked_value(value, "GreaterThan(lower_bound=0.0)", self._dtype) / self.scale
        k = self.concentration
        return log(k / self.scale) + (k - 1) * log(z) - z**k

    def cdf(self, value: Any) -> Tensor:
        """1 - e^(-(x / l)^k)."""
        z = self._checked_value(value, "GreaterThan(lower_bound=0.0)", self._dtype) / self.scale
        return -((-(z**self.concentration)).expm1())

    def icdf(self, value: Any) -> Tensor:
        """l (-log(1 - q))^(1 / k)."""
        return self.scale * (-(-_tensor(value, self._dtype)).log1p()) ** (1 / self.concentration)

    def entropy(self) -> Tensor:
        """gamma (1 - 1 / k) + log(l / k) + 1 (gamma: Euler's constant)."""
        k = self.concentration
        return (_EULER * (1 - 1 / k) + log(self.scale / k) + 1).expand(*self.batch_shape)

    @property
    def mean(self) -> Tensor:
        """l Gamma(1 + 1 / k)."""
        from mytorch import lgamma

        return (self.scale * lgamma(1 + 1 / self.concentration).exp()).expand(*self.batch_shape)

    @property
    def mode(self) -> Tensor:
        """l ((k - 1) / k)^(1 / k)."""
        k = self.concentration
        return (self.scale * ((k - 1) / k) ** (1 / k)).expand(*self.batch_shape)

    @property
    def variance(self) -> Tensor:
        """l^2 (Gamma(1 + 2 / k) - Gamma(1 + 1 / k)^2)."""
        from mytorch import lgamma

        k = self.concentration
        spread = lgamma(1 + 2 / k).exp() - (2 * lgamma(1 + 1 / k)).exp()
        return (self.scale**2 * spread).expand(*self.batch_shape)


class Pareto(_Quantiled):
    """Pareto of ``scale`` s and ``alpha`` a: density a s^a / x^(a + 1) on x >= s."""

    arg_constraints = {"alpha": constraints.positive, "scale": constraints.positive}
    has_rsample = True

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> Any:
        """``greater_than_eq(scale)``."""
        return constraints.greater_than_eq(self.scale)

    alpha: Tensor

    def _value(self, value: Any) -> Tensor:
        """``value`` as a Tensor, checked to be at least ``scale``."""
        x = _tensor(value, self._dtype)
        with np.errstate(invalid="ignore"):
            self._check_value(x, x._data >= self.scale._data, "GreaterThanEq(lower_bound=scale)")
        return x

    def __init__(self, scale: Any, alpha: Any, validate_args: Any = None) -> None:
        self._setup(validate_args, scale=scale, alpha=alpha)

    def log_prob(self, value: Any) -> Tensor:
        """log a - a log(x / s) - log x."""
        x = self._value(value)
        return log(self.alpha) - self.alpha * log(x / self.scale) - log(x)

    def cdf(self, value: Any) -> Tensor:
        """1 - (s / x)^a."""
        return 1 - (self.scale / self._value(value)) ** self.alpha

    def icdf(self, value: Any) -> Tensor:
        """s (1 - q)^(-1 / a)."""
        return self.scale * (1 - _tensor(value, self._dtype)) ** (-1 / self.alpha)

    def entropy(self) -> Tensor:
        """log(s / a) + 1 / a + 1."""
        return (log(self.scale / self.alpha) + 1 / self.alpha + 1).expand(*self.batch_shape)

    @property
    def mean(self) -> Tensor:
        """a s / (a - 1), inf for a <= 1 (PyTorch's: a clamped at 1)."""
        a = self.alpha.clamp(min=1)
        return (a * self.scale / (a - 1)).expand(*self.batch_shape)

    @property
    def mode(self) -> Tensor:
        """s."""
        return self.scale.expand(*self.batch_shape)

    @property
    def variance(self) -> Tensor:
        """s^2 a / ((a - 1)^2 (a - 2)), inf for a <= 2 (PyTorch's: a clamped at 2)."""
        a = self.alpha.clamp(min=2)
        return (self.scale**2 * a / ((a - 1) ** 2 * (a - 2))).expand(*self.batch_shape)


class Chi2(Gamma):
    """Chi-squared of ``df`` degrees of freedom: ``Gamma(df / 2, 1 / 2)`` (``rsample``: implicit gradients)."""

    arg_constraints = {"df": constraints.positive}

    def __init__(self, df: Any, validate_args: Any = None) -> None:
        (df,) = _parameters(df)
        super().__init__(df * 0.5, Tensor(np.full((), 0.5, dtype=df.dtype)), validate_args)

    @property
    def df(self) -> Tensor:
        """The degrees of freedom, 2 concentration."""
        return self.concentration * 2


class InverseGamma(TransformedDistribution):
    """1 / X for X ~ ``Gamma(concentration, rate)``, as PyTorch's (a ``TransformedDistribution``
    through ``PowerTransform(-1)``): ``log_prob``, ``rsample`` (through the Gamma's), ``mean``
    (inf for concentration <= 1), ``mode``, ``variance`` (inf for concentration <= 2), ``entropy``."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.positive

    def __init__(self, concentration: Any, rate: Any, validate_args: Any = None) -> None:
        base = Gamma(concentration, rate, validate_args=validate_args)
        super().__init__(base, [PowerTransform(-1.0)], validate_args=validate_args)

    @property
    def concentration(self) -> Tensor:
        """The Gamma's concentration (alpha)."""
        return cast(Gamma, self.base_dist).concentration

    @property
    def rate(self) -> Tensor:
        """The Gamma's rate (beta: the inverse's scale)."""
        return cast(Gamma, self.base_dist).rate

    @property
    def mean(self) -> Tensor:
        """rate / (concentration - 1), inf for concentration <= 1."""
        a = self.concentration
        return where(a > 1, self.rate / (a - 1), _constant(math.inf, a, tuple(a.shape)))  # type: ignore[return-value]

    @property
    def mode(self) -> Tensor:
        """rate / (concentration + 1)."""
        return self.rate / (self.concentration + 1)

    @property
    def variance(self) -> Tensor:
        """rate^2 / ((concentration - 1)^2 (concentration - 2)), inf for concentration <= 2."""
        a, rate = self.concentration, self.rate
        value = rate * rate / ((a - 1) * (a - 1) * (a - 2))
        return where(a > 2, value, _constant(math.inf, value, tuple(value.shape)))  # type: ignore[return-value]

    def entropy(self) -> Tensor:
        """concentration + log(rate) + lgamma(concentration) - (1 + concentration) digamma(concentration)."""
        from mytorch import digamma, lgamma

        a = self.concentration
        return a + log(self.rate) + lgamma(a) - (1 + a) * digamma(a)

"""``GeneralizedPareto(loc, scale, concentration)``, the law of exceedances over a high threshold
(peaks over threshold), as PyTorch's: ``log_prob``, ``cdf``, ``log_cdf``, ``log_survival_function``,
``icdf``, ``rsample`` (the quantile of a uniform draw), ``mean``, ``variance`` (NaN where they do not
exist), ``mode``, ``entropy``; a concentration within 1e-8 of 0 is read as 0 (the exponential
tail), as PyTorch's ``isclose`` test does."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mytorch.distributions import constraints
from mytorch.distributions.base import Distribution, _guarded, _parameters, _shape, _tensor, _where
from mytorch.factories import default_generator
from mytorch.tensor import Tensor, log

__all__ = ["GeneralizedPareto"]


class GeneralizedPareto(Distribution):
    """Generalized Pareto of ``loc`` m, ``scale`` s > 0 and ``concentration`` k (broadcast together):
    survival (1 + k (x - m) / s)^(-1 / k) for x >= m (and x <= m - s / k when k < 0); k = 0 is
    the exponential exp(-(x - m) / s), k = -1 the uniform on [m, m + s]."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive, "concentration": constraints.real}
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, concentration: Any, validate_args: Any = None) -> None:
        loc, scale, concentration = _parameters(loc, scale, concentration)
        shapes = (tuple(loc.shape), tuple(scale.shape), tuple(concentration.shape))
        self.batch_shape = tuple(np.broadcast_shapes(*shapes))
        self.loc, self.scale, self.concentration = (v.expand(*self.batch_shape) for v in (loc, scale, concentration))
        if self._validating(validate_args):
            for name, value in (("loc", self.loc), ("concentration", self.concentration)):
                self._check_parameter(name, value, ~np.isnan(value._data), "Real()")
            self._check_positive(scale=self.scale)

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> Any:
        """``interval(loc, upper)``: upper is loc - scale / concentration where that is negative, else inf."""
        upper = _where(self.concentration < 0, self.loc - self.scale / self.concentration, math.inf)
        return constraints.interval(self.loc, upper)

    def _z(self, value: Any) -> Tensor:
        """(value - loc) / scale, ``value`` checked to lie in the support."""
        x = _tensor(value, self.loc.dtype)
        if self._validate_args:
            k, m, s = self.concentration._data, self.loc._data, self.scale._data
            with np.errstate(invalid="ignore", divide="ignore"):
                ok = (x._data >= m) & (x._data <= np.where(k < 0, m - s / k, np.inf))
            self._check_value(x, ok, "Interval(lower_bound=loc, upper_bound=loc - scale / concentration)")
        return (x - self.loc) / self.scale

    def _safe_concentration(self) -> tuple[Tensor, Tensor]:
        """Where the concentration is 0 (within 1e-8, PyTorch's isclose), and the concentration
        with 1 there, so the k != 0 branch stays finite where it is discarded."""
        zero = self.concentration.abs() <= 1e-8
        return zero, _where(zero, 1.0, self.concentration)

    def log_prob(self, value: Any) -> Tensor:
        """-log s - (1 + 1 / k) log(1 + k z) (-log s - z at k = 0; -log s at k = -1), z = (x - m) / s."""
        z = self._z(value)
        zero, k = self._safe_concentration()
        power = 1 / k + 1
        tail = _where(power == 0, power, power * (k * z).log1p())
        return -log(self.scale) - _where(zero, z, tail)

    def log_survival_function(self, value: Any) -> Tensor:
        """log P(X > value): -log(1 + k z) / k (-z at k = 0), recorded."""
        z = self._z(value)
        zero, k = self._safe_concentration()
        return _where(zero, -z, -(k * z).log1p() / k)

    def log_cdf(self, value: Any) -> Tensor:
        """log P(X <= value) = log(1 - exp(log survival)), recorded."""
        return (-self.log_survival_function(value).exp()).log1p()

    def cdf(self, value: Any) -> Tensor:
        """P(X <= value), recorded."""
        return self.log_cdf(value).exp()

    def icdf(self, value: Any) -> Tensor:
        """m + s ((1 - q)^(-k) - 1) / k (m - s log(1 - q) at k = 0), recorded."""
        zero, k = self._safe_concentration()
        log_rest = (-_tensor(value, self.loc.dtype)).log1p()
        nonzero = self.loc + self.scale / k * (-k * log_rest).expm1()
        return _where(zero, self.loc - self.scale * log_rest, nonzero)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``icdf`` of uniform draws in [0, 1), of shape ``sample_shape + batch_shape``, recorded."""
        u = default_generator.uniform(0.0, 1.0, (*_shape(sample_shape), *self.batch_shape))
        return self.icdf(Tensor(u.astype(self.loc.dtype)))

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """``rsample`` without a gradient."""
        return self.rsample(sample_shape).detach()

    @property
    def mean(self) -> Tensor:
        """m + s / (1 - k), NaN for k >= 1."""
        return _guarded(self.concentration < 1, (self.concentration,), 0.5, lambda k: self.loc + self.scale / (1 - k))

    @property
    def variance(self) -> Tensor:
        """s^2 / ((1 - k)^2 (1 - 2k)), NaN for k >= 1/2."""
        return _guarded(
            self.concentration < 0.5,
            (self.concentration,),
            0.25,
            lambda k: self.scale**2 / ((1 - k) ** 2 * (1 - 2 * k)),
        )

    @property
    def mode(self) -> Tensor:
        """m."""
        return self.loc

    def entropy(self) -> Tensor:
        """log s + k + 1."""
        return log(self.scale) + self.concentration + 1

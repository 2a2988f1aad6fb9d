"""``Kumaraswamy(concentration1, concentration0)``, a Beta-like distribution on (0, 1) whose cdf
and quantile are closed forms, built as PyTorch's: a uniform draw u through u^(1 / b), 1 - that and
its power 1 / a (a ``TransformedDistribution``), so ``rsample`` and ``log_prob`` are recorded through
the transforms; ``mean``, ``mode``, ``variance``, ``entropy``, ``cdf`` and ``icdf`` written out."""

from __future__ import annotations

from typing import Any

import numpy as np

from mytorch.distributions import constraints
from mytorch.distributions.base import _guarded, _parameters, _tensor
from mytorch.distributions.continuous import Uniform
from mytorch.distributions.transforms import AffineTransform, PowerTransform
from mytorch.distributions.wrappers import TransformedDistribution
from mytorch.tensor import Tensor, log
from mytorch.tensor_special import digamma, lgamma

__all__ = ["Kumaraswamy"]

_EULER = 0.57721566490153286060


def _moment(a: Tensor, b: Tensor, n: int) -> Tensor:
    """E[X^n] = b B(1 + n / a, b) = b Gamma(1 + n / a) Gamma(b) / Gamma(1 + n / a + b)."""
    shifted = 1 + n / a
    return b * (lgamma(shifted) + lgamma(b) - lgamma(shifted + b)).exp()


class Kumaraswamy(TransformedDistribution):
    """Kumaraswamy of ``concentration1`` a and ``concentration0`` b (both positive, broadcast
    together): density a b x^(a - 1) (1 - x^a)^(b - 1) on (0, 1), cdf 1 - (1 - x^a)^b."""

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1: Any, concentration0: Any, validate_args: Any = None) -> None:
        a, b = _parameters(concentration1, concentration0)
        shape = tuple(np.broadcast_shapes(tuple(a.shape), tuple(b.shape)))
        self.concentration1, self.concentration0 = a.expand(*shape), b.expand(*shape)
        if self._validating(validate_args):
            self._check_positive(concentration1=self.concentration1, concentration0=self.concentration0)
        zeros = self.concentration0.detach() * 0
        base = Uniform(zeros, zeros + 1, validate_args=validate_args)
        transforms = [
            PowerTransform(self.concentration0.reciprocal()),
            AffineTransform(1.0, -1.0),
            PowerTransform(self.concentration1.reciprocal()),
        ]
        super().__init__(base, transforms, validate_args=validate_args)

    def log_prob(self, value: Any) -> Tensor:
        """The uniform's log density of the inverted value less each transform's log |det J|
        (log a + log b + (a - 1) log x + (b - 1) log(1 - x^a)), recorded."""
        return super().log_prob(self._checked_value(value, "Interval(lower_bound=0.0, upper_bound=1.0)", self._dtype))

    @property
    def _dtype(self) -> Any:
        return self.concentration1.dtype

    def cdf(self, value: Any) -> Tensor:
        """1 - (1 - x^a)^b, recorded."""
        x = self._checked_value(value, "Interval(lower_bound=0.0, upper_bound=1.0)", self._dtype)
        return 1 - (1 - x**self.concentration1) ** self.concentration0

    def icdf(self, value: Any) -> Tensor:
        """(1 - (1 - q)^(1 / b))^(1 / a), recorded."""
        q = _tensor(value, self._dtype)
        return (1 - (1 - q) ** self.concentration0.reciprocal()) ** self.concentration1.reciprocal()

    @property
    def mean(self) -> Tensor:
        """b B(1 + 1 / a, b)."""
        return _moment(self.concentration1, self.concentration0, 1)

    @property
    def mode(self) -> Tensor:
        """((a - 1) / (a b - 1))^(1 / a) where a >= 1 and b >= 1 (not both 1), NaN elsewhere.
        (PyTorch 2.13's is NaN everywhere: its log form takes log1p(-b), the log of a negative
        number, for every b >= 1.)"""
        a, b = self.concentration1, self.concentration0
        valid = (a >= 1) & (b >= 1) & ((a > 1) | (b > 1))
        return _guarded(valid, (a, b), 2.0, lambda a, b: ((a - 1) / (a * b - 1)) ** a.reciprocal())

    @property
    def variance(self) -> Tensor:
        """E[X^2] - E[X]^2."""
        return _moment(self.concentration1, self.concentration0, 2) - self.mean**2

    def entropy(self) -> Tensor:
        """(1 - 1 / b) + (1 - 1 / a) H_b - log a - log b (H_b = digamma(b + 1) + Euler's constant)."""
        a, b = self.concentration1, self.concentration0
        harmonic = digamma(b + 1) + _EULER
        return (1 - b.reciprocal()) + (1 - a.reciprocal()) * harmonic - log(a) - log(b)

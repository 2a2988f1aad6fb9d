"""``VonMises(loc, concentration)``: the circular distribution of angles, density
exp(k cos(x - loc)) / (2 pi I0(k)), and ``log_bessel_i``, the log of the modified Bessel function
of the first kind of order 0 or 1 it needs, recorded from Tensor operations (so its derivatives
of every order are recorded too).

``log_bessel_i(order, k)`` for k > 0: up to k = 30 the power series
``I_v(k) = (k/2)^v sum_m (k^2/4)^m / (m! (m + v)!)`` (64 terms, Horner's rule), above it the
large-argument expansion ``e^k / sqrt(2 pi k) sum_m (-1)^m prod_j (4v^2 - (2j - 1)^2) / (m! (8k)^m)``
(12 terms); both within 1e-14 of each other at the switch.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mytorch.distributions import constraints
from mytorch.distributions.base import Distribution, _parameters, _shape
from mytorch.factories import default_generator
from mytorch.special_bessel import EXPANSION, SERIES, SWITCH, horner
from mytorch.tensor import Tensor, log
from mytorch.tensor_composed import where

__all__ = ["VonMises", "log_bessel_i"]


def log_bessel_i(order: int, k: Tensor) -> Tensor:
    """log I_order(k) for order 0 or 1 and k > 0, elementwise, recorded (see the module's notes)."""
    if order not in (0, 1):
        raise ValueError(f"log_bessel_i: order must be 0 or 1, got {order!r}")
    small = k._data <= SWITCH
    near = where(Tensor(small), k, k * 0 + 1.0)  # (the other branch sees a harmless argument)
    far = where(Tensor(small), k * 0 + 2 * SWITCH, k)
    series = log(horner(SERIES[order], near * near / 4)) + order * log(near / 2)
    expansion = far - 0.5 * log(2 * math.pi * far) + log(horner(EXPANSION[order], far.reciprocal()))
    return where(Tensor(small), series, expansion)


class VonMises(Distribution):
    """Von Mises on the circle: angle ``loc`` (any real), ``concentration`` k > 0. ``log_prob``,
    ``mean`` and ``mode`` (``loc``) and ``variance`` (1 - I1(k)/I0(k), the circular variance) are
    recorded, as PyTorch's; ``sample`` (NumPy's rejection sampler) gives angles in [-pi, pi)
    around ``loc``, no ``rsample`` (PyTorch has none)."""

    arg_constraints = {"loc": constraints.real, "concentration": constraints.positive}
    support = constraints.real

    def __init__(self, loc: Any, concentration: Any, validate_args: Any = None) -> None:
        self.loc, self.concentration = _parameters(loc, concentration)
        self.batch_shape = tuple(np.broadcast_shapes(self.loc.shape, self.concentration.shape))
        if self._validating(validate_args):
            self._check_parameter("loc", self.loc, ~np.isnan(self.loc._data), "Real()")
            self._check_positive(concentration=self.concentration)

    def log_prob(self, value: Any) -> Tensor:
        """k cos(value - loc) - log(2 pi) - log I0(k), recorded."""
        x = self._checked_value(value, "Real()", self.loc.dtype)
        k = self.concentration
        return k * (x - self.loc).cos() - math.log(2 * math.pi) - log_bessel_i(0, k)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Angles in [-pi, pi) of shape ``sample_shape + batch_shape`` (no gradient)."""
        shape = (*_shape(sample_shape), *self.batch_shape)
        k = np.broadcast_to(self.concentration._data.astype(np.float64), shape)
        x = default_generator.vonmises(0.0, k) + self.loc._data + math.pi
        return Tensor((np.mod(x, 2 * math.pi) - math.pi).astype(self.loc.dtype))

    @property
    def mean(self) -> Tensor:
        """The mean direction, ``loc``."""
        return self.loc.expand(*self.batch_shape)

    @property
    def mode(self) -> Tensor:
        """``loc``."""
        return self.loc.expand(*self.batch_shape)

    @property
    def variance(self) -> Tensor:
        """The circular variance 1 - I1(k) / I0(k), recorded."""
        k = self.concentration
        return (1 - (log_bessel_i(1, k) - log_bessel_i(0, k)).exp()).expand(*self.batch_shape)

"""``FisherSnedecor(df1, df2)``, the F distribution of a ratio of two scaled chi-squared variables,
as PyTorch's: ``log_prob``, ``rsample`` (a ratio of two Gamma draws, differentiated implicitly in
the degrees of freedom), ``mean``, ``mode``, ``variance`` (NaN where they do not exist, as
PyTorch's); PyTorch defines no entropy or cdf for it, nor does MyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np

from mytorch.distributions import constraints
from mytorch.distributions.base import Distribution, _guarded, _parameters, _shape
from mytorch.distributions.continuous import Gamma
from mytorch.tensor import Tensor, log
from mytorch.tensor_special import lgamma

__all__ = ["FisherSnedecor"]


class FisherSnedecor(Distribution):
    """F(df1, df2): (X1 / df1) / (X2 / df2) for independent chi-squared X1, X2 of ``df1`` and ``df2``
    degrees of freedom; density on x > 0, both parameters positive and broadcast together."""

    arg_constraints = {"df1": constraints.positive, "df2": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, df1: Any, df2: Any, validate_args: Any = None) -> None:
        df1, df2 = _parameters(df1, df2)
        self.batch_shape = tuple(np.broadcast_shapes(tuple(df1.shape), tuple(df2.shape)))
        self.df1, self.df2 = df1.expand(*self.batch_shape), df2.expand(*self.batch_shape)
        if self._validating(validate_args):
            self._check_positive(df1=self.df1, df2=self.df2)
        self._gamma1 = Gamma(self.df1 * 0.5, self.df1, validate_args=False)
        self._gamma2 = Gamma(self.df2 * 0.5, self.df2, validate_args=False)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """X1 / X2 for X1 ~ Gamma(df1 / 2, df1) and X2 ~ Gamma(df2 / 2, df2), both kept at or above
        the dtype's smallest normal number (PyTorch's), recorded: gradients reach df1 and df2."""
        tiny = float(np.finfo(self.df1.dtype).tiny)
        first = self._gamma1.rsample(_shape(sample_shape))
        second = self._gamma2.rsample(_shape(sample_shape)).clamp(min=tiny)
        return (first / second).clamp(min=tiny)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape`` (no gradient)."""
        return self.rsample(sample_shape).detach()

    def log_prob(self, value: Any) -> Tensor:
        """lgamma((d1 + d2) / 2) - lgamma(d1 / 2) - lgamma(d2 / 2) + (d1 / 2) log(d1 / d2)
        + (d1 / 2 - 1) log x - ((d1 + d2) / 2) log(1 + d1 x / d2), recorded."""
        x = self._checked_value(value, "GreaterThan(lower_bound=0.0)", self.df1.dtype)
        half1, half2, ratio = self.df1 * 0.5, self.df2 * 0.5, self.df1 / self.df2
        normaliser = lgamma(half1 + half2) - lgamma(half1) - lgamma(half2)
        return normaliser + half1 * log(ratio) + (half1 - 1) * log(x) - (half1 + half2) * (ratio * x).log1p()

    @property
    def mean(self) -> Tensor:
        """d2 / (d2 - 2), NaN for d2 <= 2."""
        return _guarded(self.df2 > 2, (self.df2,), 3.0, lambda d2: d2 / (d2 - 2))

    @property
    def mode(self) -> Tensor:
        """((d1 - 2) / d1) (d2 / (d2 + 2)), NaN for d1 <= 2."""
        d2 = self.df2
        return _guarded(self.df1 > 2, (self.df1,), 3.0, lambda d1: (d1 - 2) / d1 * d2 / (d2 + 2))

    @property
    def variance(self) -> Tensor:
        """2 d2^2 (d1 + d2 - 2) / (d1 (d2 - 2)^2 (d2 - 4)), NaN for d2 <= 4."""
        d1 = self.df1
        return _guarded(
            self.df2 > 4, (self.df2,), 5.0, lambda d2: 2 * d2 * d2 * (d1 + d2 - 2) / (d1 * (d2 - 2) ** 2 * (d2 - 4))
        )

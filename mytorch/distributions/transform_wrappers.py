"""Transforms made from another transform or from a distribution, as PyTorch's:
``IndependentTransform(base_transform, reinterpreted_batch_ndims)`` (the base's map, its last
batch axes read as its event: log |det J| summed over them) and
``CumulativeDistributionTransform(distribution)`` (y = the distribution's cdf, onto [0, 1]: its
inverse the quantile, log |det J| the log density). Recorded, so gradients flow through them."""

from __future__ import annotations

from typing import Any

from mytorch.distributions import constraints
from mytorch.distributions.transforms import Transform, _sum_rightmost
from mytorch.tensor import Tensor

__all__ = ["CumulativeDistributionTransform", "IndependentTransform"]


class IndependentTransform(Transform):
    """``base_transform`` with its last ``reinterpreted_batch_ndims`` batch axes read as part of
    one event: the same values, log |det J| summed over those axes."""

    def __init__(self, base_transform: Transform, reinterpreted_batch_ndims: int, cache_size: int = 0) -> None:
        super().__init__(cache_size)
        if not isinstance(base_transform, Transform):
            raise TypeError(
                f"IndependentTransform: base_transform must be a Transform, got {type(base_transform).__name__}"
            )
        if isinstance(reinterpreted_batch_ndims, bool) or int(reinterpreted_batch_ndims) != reinterpreted_batch_ndims:
            raise ValueError(
                f"IndependentTransform: reinterpreted_batch_ndims must be an integer, got {reinterpreted_batch_ndims!r}"
            )
        if reinterpreted_batch_ndims < 0:
            raise ValueError(
                f"IndependentTransform: reinterpreted_batch_ndims must be >= 0, got {reinterpreted_batch_ndims}"
            )
        self.base_transform, self.reinterpreted_batch_ndims = base_transform, int(reinterpreted_batch_ndims)
        self.domain = constraints.independent(base_transform.domain, self.reinterpreted_batch_ndims)
        self.codomain = constraints.independent(base_transform.codomain, self.reinterpreted_batch_ndims)
        self.event_dim = self.domain.event_dim

    def _forward(self, x: Tensor) -> Tensor:
        return self.base_transform(x)

    def _inverse(self, y: Tensor) -> Tensor:
        return self.base_transform.inv(y)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """The base's log |det J| summed over the reinterpreted axes."""
        return _sum_rightmost(self.base_transform.log_abs_det_jacobian(x, y), self.reinterpreted_batch_ndims)

    @property
    def sign(self) -> Any:
        """The base's."""
        return self.base_transform.sign

    def forward_shape(self, shape: Any) -> tuple[int, ...]:
        """The base's."""
        return self.base_transform.forward_shape(shape)

    def inverse_shape(self, shape: Any) -> tuple[int, ...]:
        """The base's."""
        return self.base_transform.inverse_shape(shape)

    def __repr__(self) -> str:
        return f"IndependentTransform({self.base_transform!r}, {self.reinterpreted_batch_ndims})"


class CumulativeDistributionTransform(Transform):
    """y = ``distribution.cdf(x)``, from the distribution's support onto [0, 1] (a copula's
    margins); the inverse is its ``icdf``, log |det J| its ``log_prob``."""

    codomain = constraints.unit_interval
    sign = 1

    def __init__(self, distribution: Any, cache_size: int = 0) -> None:
        super().__init__(cache_size)
        from mytorch.distributions.base import Distribution

        if not isinstance(distribution, Distribution):
            raise TypeError(
                f"CumulativeDistributionTransform: expected a Distribution, got {type(distribution).__name__}"
            )
        self.distribution = distribution

    @property
    def domain(self) -> Any:
        """The distribution's support."""
        return self.distribution.support

    def _forward(self, x: Tensor) -> Tensor:
        return self.distribution.cdf(x)

    def _inverse(self, y: Tensor) -> Tensor:
        return self.distribution.icdf(y)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """The distribution's log density at x."""
        return self.distribution.log_prob(x)

"""Distributions made from another: ``Independent`` (batch axes read as event axes) and
``TransformedDistribution`` (a base pushed through transforms)."""

from __future__ import annotations

from typing import Any

from mytorch.distributions import constraints
from mytorch.distributions.base import Distribution
from mytorch.distributions.transforms import Transform
from mytorch.tensor import Tensor


class Independent(Distribution):
    """PyTorch's ``Independent(base, reinterpreted_batch_ndims)``: the last
    ``reinterpreted_batch_ndims`` axes of ``base``'s batch read as one event (a diagonal Gaussian
    policy: ``Independent(Normal(mu, std), 1)``): ``log_prob`` and ``entropy`` summed over them."""

    def __init__(
        self, base_distribution: Distribution, reinterpreted_batch_ndims: int, validate_args: Any = None
    ) -> None:
        n = int(reinterpreted_batch_ndims)
        if not 0 <= n <= len(base_distribution.batch_shape):
            raise ValueError(
                f"Independent: reinterpreted_batch_ndims must lie in [0, {len(base_distribution.batch_shape)}] for a "
                f"base of batch_shape {base_distribution.batch_shape}, got {reinterpreted_batch_ndims}"
            )
        self.base_dist, self.reinterpreted_batch_ndims = base_distribution, n
        cut = len(base_distribution.batch_shape) - n
        self.batch_shape = tuple(base_distribution.batch_shape[:cut])
        self.event_shape = tuple(base_distribution.batch_shape[cut:]) + tuple(base_distribution.event_shape)

    @property
    def has_rsample(self) -> bool:  # type: ignore[override]
        """Whether the base has a reparameterised sample."""
        return bool(self.base_dist.has_rsample)

    @constraints.dependent_property
    def support(self) -> Any:
        """The base's support over the event's axes: ``independent(base.support, reinterpreted_batch_ndims)``."""
        n = self.reinterpreted_batch_ndims
        return constraints.independent(self.base_dist.support, n) if n else self.base_dist.support

    def _summed(self, value: Tensor) -> Tensor:
        n = self.reinterpreted_batch_ndims
        return value.sum(tuple(range(-n, 0))) if n else value

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """The base's reparameterised samples."""
        return self.base_dist.rsample(sample_shape)  # type: ignore[attr-defined]

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """The base's samples (no gradient)."""
        return self.base_dist.sample(sample_shape)

    def log_prob(self, value: Any) -> Tensor:
        """The base's log density summed over the event's axes, recorded."""
        return self._summed(self.base_dist.log_prob(value))

    def entropy(self) -> Tensor:
        """The base's entropy summed over the event's axes, recorded."""
        return self._summed(self.base_dist.entropy())

    @property
    def mean(self) -> Tensor:
        """The base's mean."""
        return self.base_dist.mean  # type: ignore[attr-defined]

    @property
    def variance(self) -> Tensor:
        """The base's variance."""
        return self.base_dist.variance  # type: ignore[attr-defined]

    @property
    def stddev(self) -> Tensor:
        """The base's standard deviation."""
        return self.base_dist.stddev  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return f"Independent({self.base_dist!r}, {self.reinterpreted_batch_ndims})"


class TransformedDistribution(Distribution):
    """``base_distribution`` pushed through ``transforms`` (one, or a list applied in order; the
    elementwise ones of ``distributions.transforms``): ``rsample`` / ``sample`` transform the base's
    draws, ``log_prob(y)`` inverts them and subtracts each log |det J|, summed over the event axes
    (a squashed Gaussian: ``TransformedDistribution(Independent(Normal(mu, std), 1), [TanhTransform()])``)."""

    def __init__(self, base_distribution: Distribution, transforms: Any, validate_args: Any = None) -> None:
        self.base_dist = base_distribution
        self.transforms = list(transforms) if isinstance(transforms, (list, tuple)) else [transforms]
        if not all(isinstance(t, Transform) for t in self.transforms):
            raise TypeError("TransformedDistribution: transforms must be distributions.transforms Transforms")
        if any(t.event_dim for t in self.transforms):
            raise NotImplementedError(
                "TransformedDistribution: MyTorch's takes elementwise transforms (event_dim 0), not "
                + ", ".join(type(t).__name__ for t in self.transforms if t.event_dim)
            )
        self.batch_shape, self.event_shape = base_distribution.batch_shape, base_distribution.event_shape

    @property
    def has_rsample(self) -> bool:  # type: ignore[override]
        """Whether the base has a reparameterised sample."""
        return bool(self.base_dist.has_rsample)

    @constraints.dependent_property
    def support(self) -> Any:
        """The last transform's codomain (over the event's axes)."""
        codomain = self.transforms[-1].codomain
        n = len(self.event_shape) - codomain.event_dim
        return constraints.independent(codomain, n) if n > 0 else codomain

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """The base's reparameterised sample through each transform: recorded."""
        x = self.base_dist.rsample(sample_shape)  # type: ignore[attr-defined]
        for transform in self.transforms:
            x = transform(x)
        return x

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """The base's sample through each transform (no gradient)."""
        x = self.base_dist.sample(sample_shape)
        for transform in self.transforms:
            x = transform(x)
        return x.detach()

    def log_prob(self, value: Any) -> Tensor:
        """The base's log density of the inverted value, less each transform's log |det J|, recorded."""
        axes = len(self.event_shape)
        total: Any = 0.0
        y = value
        for transform in reversed(self.transforms):
            x = transform.inv(y)
            jacobian = transform.log_abs_det_jacobian(x, y)
            total = total - (jacobian.sum(tuple(range(-axes, 0))) if axes else jacobian)
            y = x
        return total + self.base_dist.log_prob(y)

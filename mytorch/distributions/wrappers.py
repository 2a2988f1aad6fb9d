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
                f"base of batch_shape {tuple(base_distribution.batch_shape)}, got {reinterpreted_batch_ndims}"
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
    """``base_distribution`` pushed through ``transforms`` (one, or a list applied in order):
    ``rsample`` / ``sample`` transform the base's draws, ``log_prob(y)`` inverts them and subtracts
    each log |det J|, summed over the event axes (a squashed Gaussian:
    ``TransformedDistribution(Independent(Normal(mu, std), 1), [TanhTransform()])``). A transform
    of vectors or matrices (``StickBreakingTransform``, ``ReshapeTransform``, ...) reads as many of
    the base's last batch axes as its event as it needs, and changes the shapes as it does, as PyTorch's."""

    def __init__(self, base_distribution: Distribution, transforms: Any, validate_args: Any = None) -> None:
        from mytorch.distributions.transforms import ComposeTransform

        self.transforms = list(transforms) if isinstance(transforms, (list, tuple)) else [transforms]
        if not all(isinstance(t, Transform) for t in self.transforms):
            raise TypeError("TransformedDistribution: transforms must be distributions.transforms Transforms")
        base_shape = (*base_distribution.batch_shape, *base_distribution.event_shape)
        base_event_dim = len(base_distribution.event_shape)
        chain = ComposeTransform(self.transforms)
        if len(base_shape) < chain.domain.event_dim:
            raise ValueError(
                f"TransformedDistribution: the transforms need a base of at least {chain.domain.event_dim} axes, "
                f"got batch_shape + event_shape {base_shape}"
            )
        forward_shape = chain.forward_shape(base_shape)
        expanded = chain.inverse_shape(forward_shape)
        if expanded != base_shape:
            base_distribution = base_distribution.expand(expanded[: len(expanded) - base_event_dim])
        if chain.domain.event_dim > base_event_dim:
            base_distribution = Independent(base_distribution, chain.domain.event_dim - base_event_dim)
        self.base_dist = base_distribution
        change = chain.codomain.event_dim - chain.domain.event_dim
        event_dim = max(chain.codomain.event_dim, base_event_dim + change)
        cut = len(forward_shape) - event_dim
        self.batch_shape, self.event_shape = tuple(forward_shape[:cut]), tuple(forward_shape[cut:])

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

    def _monotonized(self, probability: Any) -> Any:
        """``probability`` as is through increasing maps, 1 - it through decreasing ones (the
        product of the transforms' ``sign``: NotImplementedError for a map that is not monotone)."""
        sign: Any = 1
        for transform in self.transforms:
            sign = sign * transform.sign
        return probability if isinstance(sign, (int, float)) and sign == 1 else sign * (probability - 0.5) + 0.5

    def cdf(self, value: Any) -> Tensor:
        """The base's cdf of the inverted value (flipped through decreasing maps), recorded; the
        transforms must be monotone maps of numbers (their ``sign``), as PyTorch's."""
        self._monotonized(0.5)  # (a map that is not monotone is refused before anything is computed)
        for transform in reversed(self.transforms):
            value = transform.inv(value)
        return self._monotonized(self.base_dist.cdf(value))

    def icdf(self, value: Any) -> Tensor:
        """The transforms of the base's quantile (of 1 - value through decreasing maps), recorded."""
        x = self.base_dist.icdf(self._monotonized(value))
        for transform in self.transforms:
            x = transform(x)
        return x

    def log_prob(self, value: Any) -> Tensor:
        """The base's log density of the inverted value, less each transform's log |det J| (each
        summed over the event axes it does not span itself), recorded."""
        from mytorch.distributions.transforms import _sum_rightmost

        event_dim = len(self.event_shape)
        total: Any = 0.0
        y = value
        for transform in reversed(self.transforms):
            x = transform.inv(y)
            event_dim += transform.domain.event_dim - transform.codomain.event_dim
            jacobian = transform.log_abs_det_jacobian(x, y)
            total = total - _sum_rightmost(jacobian, event_dim - transform.domain.event_dim)
            y = x
        return total + _sum_rightmost(self.base_dist.log_prob(y), event_dim - len(self.base_dist.event_shape))

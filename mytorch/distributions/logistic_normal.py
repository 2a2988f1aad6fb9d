"""``LogisticNormal(loc, scale)``: a diagonal Gaussian on R^(K-1) pushed onto the K-simplex by
``StickBreakingTransform``, as PyTorch's (a ``TransformedDistribution`` whose ``base_dist`` is
``Independent(Normal(loc, scale), 1)``): ``rsample``, ``sample``, ``log_prob``; PyTorch defines no
mean, variance or entropy for it, nor does MyTorch."""

from __future__ import annotations

from typing import Any

from mytorch.distributions import constraints
from mytorch.distributions.continuous import Normal
from mytorch.distributions.transforms import StickBreakingTransform
from mytorch.distributions.wrappers import TransformedDistribution
from mytorch.tensor import Tensor

__all__ = ["LogisticNormal"]


class LogisticNormal(TransformedDistribution):
    """The stick-breaking image of Normal(``loc``, ``scale``) over the last axis: ``loc`` and
    ``scale`` of K - 1 entries give points of the K-simplex (a number gives the 2-simplex);
    ``batch_shape`` is the parameters' shape less its last axis, ``event_shape`` (K,)."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: Any = None) -> None:
        normal = Normal(loc, scale, validate_args=validate_args)
        if not normal.batch_shape:
            normal = normal.expand((1,))  # type: ignore[assignment]
        self._validating(validate_args)
        super().__init__(normal, StickBreakingTransform(), validate_args=validate_args)

    @property
    def loc(self) -> Tensor:
        """The Normal's ``loc`` (over the first K - 1 coordinates)."""
        return self.base_dist.base_dist.loc  # type: ignore[attr-defined]

    @property
    def scale(self) -> Tensor:
        """The Normal's ``scale``."""
        return self.base_dist.base_dist.scale  # type: ignore[attr-defined]

    def log_prob(self, value: Any) -> Tensor:
        """The Normal's log density of the stick-breaking pre-image of ``value`` (a point of the
        simplex, checked) less the transform's log |det J|, recorded."""
        return super().log_prob(self._checked_value(value, "Simplex()", self.loc.dtype))

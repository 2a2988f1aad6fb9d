"""``MixtureSameFamily``: a mixture of K distributions of one family (a Gaussian mixture model, a
mixture density network's output), as PyTorch's."""

from __future__ import annotations

from typing import Any

import numpy as np

from mytorch.distributions import constraints
from mytorch.distributions.base import Distribution, _shape, _tensor
from mytorch.distributions.discrete import Categorical
from mytorch.tensor import Tensor
from mytorch.tensor_index import gather
from mytorch.tensor_math import logsumexp


class MixtureSameFamily(Distribution):
    """``MixtureSameFamily(mixture_distribution, component_distribution)``: the weights a
    ``Categorical`` of batch shape B and K classes, the components one distribution of batch shape
    (*B, K) (``Independent(Normal(mu, sigma), 1)`` for diagonal Gaussians in d dimensions).
    ``log_prob`` is the ``logsumexp`` over components of their log densities plus the log weights,
    recorded (gradients reach the weights and the components' parameters); ``sample`` draws a
    component, then from it; ``mean`` and ``variance`` (total variance) are recorded; ``cdf`` for
    one-dimensional components."""

    @constraints.dependent_property
    def support(self) -> Any:
        """``MixtureSameFamilyConstraint`` of the components' support (PyTorch's)."""
        return constraints.MixtureSameFamilyConstraint(self.component_distribution.support)

    def __init__(
        self, mixture_distribution: Categorical, component_distribution: Distribution, validate_args: Any = None
    ) -> None:
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError("MixtureSameFamily: mixture_distribution must be a Categorical")
        components = tuple(component_distribution.batch_shape)
        count = int(mixture_distribution.logits.shape[-1])
        if not components or components[-1] != count:
            raise ValueError(
                f"MixtureSameFamily: the components' batch_shape {components} must end with the {count} classes "
                "of mixture_distribution"
            )
        if tuple(mixture_distribution.batch_shape) != components[:-1]:
            raise ValueError(
                f"MixtureSameFamily: mixture_distribution's batch_shape {tuple(mixture_distribution.batch_shape)} "
                f"must be the components' batch_shape without its last axis, {components[:-1]}"
            )
        self._validating(validate_args)
        self.mixture_distribution = mixture_distribution
        mixture_distribution._repr_omits = ()  # (PyTorch's reads both its probs and logits here: both print since)
        self.component_distribution = component_distribution
        self.batch_shape = components[:-1]
        self.event_shape = tuple(component_distribution.event_shape)
        self._events = len(self.event_shape)

    def _pad(self, value: Any) -> Tensor:
        """``value`` with an axis for the components before its event axes."""
        x = _tensor(value, self.mixture_distribution.logits.dtype)
        return x.unsqueeze(-1 - self._events)

    def log_prob(self, value: Any) -> Tensor:
        """log sum_k pi_k p_k(value), recorded."""
        per_component = self.component_distribution.log_prob(self._pad(value))
        return logsumexp(per_component + self.mixture_distribution.logits, dim=-1)

    def cdf(self, value: Any) -> Tensor:
        """sum_k pi_k F_k(value), for components with a ``cdf``."""
        return (self.component_distribution.cdf(self._pad(value)) * self.mixture_distribution.probs).sum(-1)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape + event_shape`` (no gradient)."""
        shape = _shape(sample_shape)
        which = self.mixture_distribution.sample(shape)._data  # (*S, *B)
        draws = self.component_distribution.sample(shape)  # (*S, *B, K, *E)
        index = which.reshape(which.shape + (1,) * (1 + self._events))
        index = np.broadcast_to(index, which.shape + (1,) + tuple(draws.shape[len(which.shape) + 1 :]))
        picked = gather(draws, len(which.shape), Tensor(np.ascontiguousarray(index)))
        return picked.squeeze(len(which.shape)).detach()

    def _weights(self) -> Tensor:
        """The mixture weights shaped to broadcast over the components' event axes."""
        probs = self.mixture_distribution.probs
        return probs.reshape(*probs.shape, *(1,) * self._events)

    @property
    def mean(self) -> Tensor:
        """sum_k pi_k mean_k, recorded."""
        return (self._weights() * self.component_distribution.mean).sum(-1 - self._events)  # type: ignore[attr-defined]

    @property
    def variance(self) -> Tensor:
        """sum_k pi_k var_k + sum_k pi_k (mean_k - mean)^2, recorded."""
        axis = -1 - self._events
        weights = self._weights()
        means = self.component_distribution.mean  # type: ignore[attr-defined]
        inside = (weights * self.component_distribution.variance).sum(axis)  # type: ignore[attr-defined]
        spread = (weights * (means - self.mean.unsqueeze(axis)) ** 2).sum(axis)
        return inside + spread

    @property
    def stddev(self) -> Tensor:
        """The square root of ``variance``."""
        return self.variance.sqrt()

    def __repr__(self) -> str:
        return f"MixtureSameFamily(\n  {self.mixture_distribution!r},\n  {self.component_distribution!r})"

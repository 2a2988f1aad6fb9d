"""``ExponentialFamily``: the base of the distributions whose density is
h(x) exp(<theta, t(x)> - F(theta)), as PyTorch's. A subclass names its natural parameters theta
(``_natural_params``), the log normaliser F (``_log_normalizer``, recorded) and E[log h(X)]
(``_mean_carrier_measure``); then ``entropy`` follows by the Bregman identity
H = F(theta) - <theta, grad F(theta)> - E[log h(X)], and the KL divergence of two of one kind by
F(theta_q) - F(theta_p) - <theta_q - theta_p, grad F(theta_p)> (``kl_divergence``'s fallback)."""

from __future__ import annotations

from typing import Any

import numpy as np

from mytorch.distributions.base import Distribution
from mytorch.tensor import Tensor

__all__ = ["ExponentialFamily"]


def _over_batch(value: Tensor, batch: tuple[int, ...]) -> Tensor:
    """``value`` (a natural parameter, perhaps shared by the batch: Chi2's rate) expanded over
    ``batch``, its axes past the batch kept (a Wishart's matrix has two, its df term none)."""
    event = tuple(value.shape[len(batch) :]) if value.ndim > len(batch) else ()
    return value.expand(*batch, *event)


def _log_normalizer_and_slopes(d: Any) -> tuple[list[Tensor], Tensor, tuple[Any, ...]]:
    """d's natural parameters as fresh leaves, one per batch member, F at them, and F's gradient
    there (kept recorded)."""
    from mytorch.autograd import grad

    batch = tuple(d.batch_shape)
    leaves = [_over_batch(p, batch).detach().requires_grad_() for p in d._natural_params]
    value = d._log_normalizer(*leaves)
    return leaves, value, grad(value.sum(), leaves, create_graph=True)


def _summed_past(term: Tensor, batch: tuple[int, ...]) -> Tensor:
    """``term`` summed over its axes past ``batch``: one number per batch member."""
    return _over_batch(term, batch).reshape(*batch, -1).sum(-1)


class ExponentialFamily(Distribution):
    """A distribution of an exponential family: ``entropy`` by the Bregman identity unless the
    family gives a closed form (Normal, Exponential, Gamma, Bernoulli, Beta, Dirichlet, Poisson
    and Wishart are ExponentialFamily subclasses, as PyTorch's, each with its own)."""

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        """theta, the natural parameters."""
        raise NotImplementedError(f"{type(self).__name__} does not define _natural_params")

    def _log_normalizer(self, *natural_params: Tensor) -> Tensor:
        """F(theta), the log normaliser, recorded."""
        raise NotImplementedError(f"{type(self).__name__} does not define _log_normalizer")

    _mean_carrier_measure: Any = None
    """E[log h(X)] (None: the family does not give it, so ``entropy`` needs its own closed form)."""

    def entropy(self) -> Tensor:
        """F(theta) - <theta, grad F(theta)> - E[log h(X)], recorded through F's gradient (as
        PyTorch's, the natural parameters are taken as constants: no gradient reaches the
        distribution's own parameters)."""
        if self._mean_carrier_measure is None:
            raise NotImplementedError(f"{type(self).__name__} does not define _mean_carrier_measure")
        leaves, value, slopes = _log_normalizer_and_slopes(self)
        result = value - self._mean_carrier_measure
        for theta, slope in zip(leaves, slopes):
            result = result - _summed_past(theta * slope, tuple(self.batch_shape))
        return result


def kl_exponential_family(p: ExponentialFamily, q: ExponentialFamily) -> Tensor:
    """KL(p || q) of two distributions of one exponential family, by the Bregman divergence of F:
    F(theta_q) - F(theta_p) - <theta_q - theta_p, grad F(theta_p)> (p's parameters as constants,
    as PyTorch's)."""
    if type(p) is not type(q):
        raise NotImplementedError(
            f"kl_divergence: the exponential-family rule needs two of one kind, got {type(p).__name__} "
            f"and {type(q).__name__}"
        )
    leaves, value, slopes = _log_normalizer_and_slopes(p)
    q_params = q._natural_params
    result = q._log_normalizer(*q_params) - value
    batch = tuple(np.broadcast_shapes(tuple(p.batch_shape), tuple(q.batch_shape)))
    for theta_p, theta_q, slope in zip(leaves, q_params, slopes):
        # (PyTorch 2.13 sums every term over the event's axes, two for a Wishart, so a batch of
        # Wisharts has its df terms added across the batch)
        result = result - _summed_past((theta_q - theta_p) * slope, batch)
    return result

"""``LKJCholesky(dim, concentration)``, the LKJ prior over correlation matrices given through
their Cholesky factors, as PyTorch's: ``sample`` by the onion method (a Beta draw for each row's
squared length, a uniform direction), ``log_prob`` (recorded, so a gradient reaches the
concentration and the factor; PyTorch's numbers); PyTorch defines no ``rsample``, mean or entropy
for it. The draws follow the density, where PyTorch 2.13's do not from the third row on (below)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mytorch.distributions import constraints
from mytorch.distributions.base import Distribution, _parameters, _shape, _tensor
from mytorch.distributions.continuous import Beta
from mytorch.factories import default_generator
from mytorch.tensor import Tensor, log
from mytorch.tensor_special import lgamma, mvlgamma

__all__ = ["LKJCholesky"]


class LKJCholesky(Distribution):
    """Lower Cholesky factors L of ``dim`` x ``dim`` correlation matrices L L^T, with density
    proportional to det(L L^T)^(concentration - 1) over the correlation matrices: 1 is uniform over
    them, a larger concentration favours the identity. ``batch_shape`` is the concentration's."""

    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(self, dim: int, concentration: Any = 1.0, validate_args: Any = None) -> None:
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)) or dim < 2:
            raise ValueError(f"LKJCholesky: dim must be an integer of at least 2, got {dim!r}")
        self.dim = int(dim)
        (self.concentration,) = _parameters(concentration)
        self.batch_shape = tuple(self.concentration.shape)
        self.event_shape = (self.dim, self.dim)
        if self._validating(validate_args):
            self._check_positive(concentration=self.concentration)
        # Row i's squared length off the diagonal is Beta(i / 2, concentration + (dim - 1 - i) / 2)
        # (the onion method; row 0's draw is unused: that row is (1, 0, ..., 0)). PyTorch 2.13 draws
        # Beta(i - 1/2, ...), the same for row 1 only, so its correlations beyond the second row
        # spread wider than the density says (variance 0.214 where 1 / (2 concentration + dim - 1)
        # is 0.167 at dim 4, concentration 1.5).
        rows = np.maximum(np.arange(self.dim), 1).astype(self.concentration.dtype)  # (row 0 drawn as row 1)
        second = self.concentration.unsqueeze(-1) + Tensor(0.5 * (self.dim - 1 - rows))
        self._beta = Beta(Tensor(0.5 * rows), second, validate_args=False)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Factors of shape ``sample_shape + batch_shape + (dim, dim)`` (no gradient): row i is
        sqrt(y_i) times a uniform direction in its first i coordinates, y_i the Beta draw, and the
        rest of its unit length on the diagonal."""
        lengths = self._beta.sample(_shape(sample_shape))._data[..., None]
        shape = (*_shape(sample_shape), *self.batch_shape, *self.event_shape)
        normal = np.tril(default_generator.standard_normal(shape).astype(lengths.dtype), -1)
        norms = np.linalg.norm(normal, axis=-1, keepdims=True)
        direction = np.divide(normal, norms, out=np.zeros_like(normal), where=norms > 0)  # (row 0: zeros)
        w = np.sqrt(lengths) * direction
        diagonal = np.sqrt(np.clip(1 - (w**2).sum(-1), np.finfo(w.dtype).tiny, None))
        idx = np.arange(self.dim)
        w[..., idx, idx] = diagonal
        return Tensor(w)

    def log_prob(self, value: Any) -> Tensor:
        """sum over i >= 1 of (2 (concentration - 1) + dim - i - 1) log L_ii, less the log of the
        normalising constant, recorded."""
        x = _tensor(value, self.concentration.dtype)
        self._check_value(x, constraints.corr_cholesky.check(x)._data, "CorrCholesky()")
        diagonal = x.diagonal(dim1=-2, dim2=-1)[..., 1:]
        powers = 2 * (self.concentration - 1).unsqueeze(-1) + Tensor(
            (self.dim - np.arange(2, self.dim + 1)).astype(x.dtype)
        )
        unnormalised = (powers * log(diagonal)).sum(-1)
        rows = self.dim - 1
        alpha = self.concentration + 0.5 * rows
        normaliser = 0.5 * rows * math.log(math.pi) + mvlgamma(alpha - 0.5, rows) - lgamma(alpha) * rows
        return unnormalised - normaliser

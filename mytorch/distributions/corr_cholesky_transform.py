"""``CorrCholeskyTransform``: unconstrained vectors of D (D - 1) / 2 numbers onto Cholesky factors
of D x D correlation matrices (``biject_to`` / ``transform_to(constraints.corr_cholesky)``, the
support of ``LKJCholesky``), as PyTorch's: tanh of each number, laid row by row below the diagonal,
then each row's entries scaled by a signed stick-breaking so the row has unit length. Recorded."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mytorch.distributions import constraints
from mytorch.distributions.transforms import Transform
from mytorch.distributions.utils import tril_matrix_to_vec, vec_to_tril_matrix
from mytorch.nn import functional_tensor as TF
from mytorch.tensor import Tensor, log
from mytorch.tensor_shape import cat

__all__ = ["CorrCholeskyTransform"]


def _size(count: int) -> int:
    """D with D (D - 1) / 2 == count (ValueError if there is none)."""
    d = round((0.25 + 2 * count) ** 0.5 + 0.5)
    if d * (d - 1) // 2 != count:
        raise ValueError(
            f"CorrCholeskyTransform: a last axis of {count} entries is not D (D - 1) / 2 for any D "
            "(the strict lower triangle of a D x D matrix)"
        )
    return d


def _shifted_right(x: Tensor) -> Tensor:
    """``x`` with a 1 put before its last axis and that axis's last entry dropped."""
    return cat([x.new_ones(*x.shape[:-1], 1), x[..., :-1]], -1)


class CorrCholeskyTransform(Transform):
    """R^(D (D - 1) / 2) onto the Cholesky factors of D x D correlation matrices: r = tanh(x) (kept
    within 1 - eps of +-1) below the diagonal, row i's entries y_ij = r_ij sqrt(1 - sum_(k<j) y_ik^2),
    and the rest of its unit length on the diagonal."""

    domain = constraints.real_vector
    codomain = constraints.corr_cholesky
    event_dim = 1

    def forward_shape(self, shape: Any) -> tuple[int, ...]:
        """(..., N) to (..., D, D), N = D (D - 1) / 2."""
        d = _size(int(tuple(shape)[-1]))
        return (*tuple(shape)[:-1], d, d)

    def inverse_shape(self, shape: Any) -> tuple[int, ...]:
        """(..., D, D) to (..., D (D - 1) / 2)."""
        shape = tuple(shape)
        if len(shape) < 2 or shape[-1] != shape[-2]:
            raise ValueError(f"CorrCholeskyTransform: a value of shape {shape} is not a (..., D, D) matrix")
        return (*shape[:-2], shape[-1] * (shape[-1] - 1) // 2)

    def _forward(self, x: Tensor) -> Tensor:
        eps = float(np.finfo(x.dtype).eps)
        d = _size(int(x.shape[-1]))
        r = vec_to_tril_matrix(x.tanh().clamp(-1 + eps, 1 - eps), -1)
        remaining = (1 - r * r).sqrt().cumprod(-1)  # sqrt of what each row has left, entry by entry
        return (r + Tensor(np.eye(d, dtype=x.dtype))) * _shifted_right(remaining)

    def _inverse(self, y: Tensor) -> Tensor:
        left = _shifted_right(1 - (y * y).cumsum(-1))
        t = tril_matrix_to_vec(y, -1) / tril_matrix_to_vec(left, -1).sqrt()
        return (t.log1p() - (-t).log1p()) / 2

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """log |det J| of x onto the strict lower triangle of y (the two have different numbers of
        entries with the diagonal): the stick-breaking's half sums of log(1 - cumulative squares)
        and tanh's log(1 - tanh(x)^2), summed over the last axis."""
        kept = tril_matrix_to_vec(1 - (y * y).cumsum(-1), -2)
        stick_breaking = 0.5 * log(kept).sum(-1)
        return stick_breaking - 2 * (x + TF.softplus(-2 * x) - math.log(2.0)).sum(-1)

"""``LowRankMultivariateNormal``: a Gaussian whose covariance is W W^T + diag(D), W of shape
(n, m) with m usually much smaller than n (factor analysis, a probabilistic PCA, a mixture
density network's full-covariance output), as PyTorch's.

Every quantity goes through the m x m capacitance matrix C = I + W^T D^-1 W and its Cholesky
factor (Woodbury's identity and the matrix determinant lemma), never an n x n inverse:
log det(W W^T + D) = 2 sum log diag chol(C) + sum log D, and
x^T (W W^T + D)^-1 x = |x / sqrt(D)|^2 - |chol(C)^-1 W^T D^-1 x|^2. All of it is recorded, so
gradients reach ``loc``, ``cov_factor`` and ``cov_diag``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mytorch.distributions import constraints
from mytorch.distributions.base import _parameters, _shape
from mytorch.distributions.multivariate_normal import _Gaussian
from mytorch.factories import default_generator
from mytorch.tensor import Tensor, log


class LowRankMultivariateNormal(_Gaussian):
    """``LowRankMultivariateNormal(loc, cov_factor, cov_diag)``: mean ``loc`` (..., n),
    covariance ``cov_factor @ cov_factor.mT + diag(cov_diag)``, ``cov_factor`` (..., n, m),
    ``cov_diag`` (..., n) positive; the batch axes broadcast. ``log_prob``, ``entropy``,
    ``rsample`` (loc + W eps_m + sqrt(D) eps_n), ``mean``, ``mode``, ``variance``,
    ``covariance_matrix``, ``precision_matrix``, ``scale_tril``, and ``kl_divergence`` with
    another one or a ``MultivariateNormal``, all recorded."""

    arg_constraints = {
        "loc": constraints.real_vector,
        "cov_factor": constraints.independent(constraints.real, 2),
        "cov_diag": constraints.independent(constraints.positive, 1),
    }
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc: Any, cov_factor: Any, cov_diag: Any, validate_args: Any = None) -> None:
        from mytorch.linalg import cholesky

        loc, cov_factor, cov_diag = _parameters(loc, cov_factor, cov_diag)
        if loc.ndim < 1:
            raise ValueError("LowRankMultivariateNormal: loc must be at least one-dimensional")
        n = loc.shape[-1]
        if cov_factor.ndim < 2:
            raise ValueError(
                "LowRankMultivariateNormal: cov_factor must be at least two-dimensional, with optional leading "
                f"batch dimensions; got shape {tuple(cov_factor.shape)}"
            )
        if cov_factor.shape[-2] != n:
            raise ValueError(
                f"LowRankMultivariateNormal: cov_factor must be a batch of matrices with shape {n} x m, "
                f"got {tuple(cov_factor.shape)}"
            )
        if cov_diag.ndim < 1 or cov_diag.shape[-1] != n:
            raise ValueError(
                f"LowRankMultivariateNormal: cov_diag must be a batch of vectors with shape ({n},), "
                f"got {tuple(cov_diag.shape)}"
            )
        if self._validating(validate_args):
            self._check_parameter("loc", loc, ~np.isnan(loc._data), "IndependentConstraint(Real(), 1)")
            with np.errstate(invalid="ignore"):
                finite = ~np.isnan(cov_factor._data)
                self._check_parameter("cov_factor", cov_factor, finite, "IndependentConstraint(Real(), 2)")
                positive = cov_diag._data > 0
                self._check_parameter("cov_diag", cov_diag, positive, "IndependentConstraint(GreaterThan(0.0), 1)")
        m = cov_factor.shape[-1]
        batch = tuple(
            np.broadcast_shapes(tuple(loc.shape[:-1]), tuple(cov_factor.shape[:-2]), tuple(cov_diag.shape[:-1]))
        )
        self.batch_shape, self.event_shape = batch, (n,)
        self.loc = loc.expand(*batch, n)
        self.cov_factor = cov_factor.expand(*batch, n, m)
        self.cov_diag = cov_diag.expand(*batch, n)
        self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag = cov_factor, cov_diag
        # W^T D^-1 (..., m, n) and the capacitance's Cholesky factor, on the parameters' own batch
        self._wt_dinv = cov_factor.transpose(-1, -2) / cov_diag.unsqueeze(-2)
        eye = Tensor(np.eye(m, dtype=cov_factor.dtype))
        self._capacitance_tril = cholesky(self._wt_dinv @ cov_factor + eye)

    @property
    def variance(self) -> Tensor:
        """The covariance's diagonal: the squared rows of W summed, plus D."""
        w, d = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        return ((w**2).sum(-1) + d).expand(*self.batch_shape, *self.event_shape)

    @property
    def covariance_matrix(self) -> Tensor:
        """W W^T + diag(D)."""
        from mytorch.tensor_layout import diag_embed

        w, d = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        n = self.event_shape[0]
        return (w @ w.transpose(-1, -2) + diag_embed(d)).expand(*self.batch_shape, n, n)

    @property
    def precision_matrix(self) -> Tensor:
        """(W W^T + D)^-1 = D^-1 - A^T A, A = chol(C)^-1 W^T D^-1 (Woodbury)."""
        from mytorch.linalg import solve_triangular
        from mytorch.tensor_layout import diag_embed

        a = solve_triangular(self._capacitance_tril, self._wt_dinv, upper=False)
        n = self.event_shape[0]
        inverse = diag_embed(1 / self._unbroadcasted_cov_diag) - a.transpose(-1, -2) @ a
        return inverse.expand(*self.batch_shape, n, n)

    def _tril(self) -> Tensor:
        """The lower Cholesky factor of the covariance on the parameters' own batch:
        sqrt(D) chol(I + D^-1/2 W W^T D^-1/2), as PyTorch's."""
        from mytorch.linalg import cholesky

        w, d = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        root = d.sqrt().unsqueeze(-1)
        scaled = w / root
        n = self.event_shape[0]
        return root * cholesky(scaled @ scaled.transpose(-1, -2) + Tensor(np.eye(n, dtype=w.dtype)))

    def _half_log_det(self) -> Tensor:
        """log sqrt(det(W W^T + D)) = sum log diag chol(C) + sum log D / 2, per member of the batch."""
        from mytorch.tensor_matrix import diagonal

        capacitance = log(diagonal(self._capacitance_tril, 0, -2, -1)).sum(-1)
        return capacitance + 0.5 * log(self._unbroadcasted_cov_diag).sum(-1)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``loc + W eps_m + sqrt(D) eps_n``, the eps standard normal, of shape ``sample_shape +
        batch_shape + event_shape``: a gradient flows to every parameter."""
        shape = (*_shape(sample_shape), *self.batch_shape, *self.event_shape)
        m = self._unbroadcasted_cov_factor.shape[-1]
        dtype = self.loc.dtype
        eps_w = Tensor(default_generator.standard_normal((*shape[:-1], m)).astype(dtype))
        eps_d = Tensor(default_generator.standard_normal(shape).astype(dtype))
        spread = (self._unbroadcasted_cov_factor @ eps_w.unsqueeze(-1)).squeeze(-1)
        return self.loc + spread + self._unbroadcasted_cov_diag.sqrt() * eps_d

    def _mahalanobis(self, diff: Tensor) -> Tensor:
        """|diff / sqrt(D)|^2 - |chol(C)^-1 W^T D^-1 diff|^2 (Woodbury's identity)."""
        from mytorch.linalg import solve_triangular

        n, m = self.event_shape[0], self._capacitance_tril.shape[-1]
        batch = tuple(diff.shape[:-1])
        projected = self._wt_dinv.expand(*batch, m, n) @ diff.unsqueeze(-1)
        lower = self._capacitance_tril.expand(*batch, m, m)
        whitened = solve_triangular(lower, projected, upper=False)
        return (diff**2 / self._unbroadcasted_cov_diag).sum(-1) - (whitened**2).sum((-2, -1))

"""``MultivariateNormal`` (by covariance, precision or Cholesky factor) and the KL divergence of
two Gaussians (``LowRankMultivariateNormal`` too, whose base ``_Gaussian`` is here)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mytorch.distributions import constraints
from mytorch.distributions.base import Distribution, _parameters, _shape, _tensor
from mytorch.factories import default_generator
from mytorch.tensor import Tensor, log


def _positive_definite(m: np.ndarray) -> bool:
    """Symmetric (to rounding) with a Cholesky factor, for every matrix of the batch."""
    if not np.isfinite(m).all() or not np.allclose(m, np.swapaxes(m, -1, -2), rtol=1e-6, atol=1e-12):
        return False
    try:
        np.linalg.cholesky(m)
    except np.linalg.LinAlgError:
        return False
    return True


_MATRICES = ("covariance_matrix", "precision_matrix", "scale_tril")


def _one_matrix(kind: str, covariance_matrix: Any, precision_matrix: Any, scale_tril: Any) -> tuple[str, Any]:
    """The name and value of the one matrix given (``MultivariateNormal``'s and ``Wishart``'s)."""
    given = [(n, m) for n, m in zip(_MATRICES, (covariance_matrix, precision_matrix, scale_tril)) if m is not None]
    if len(given) != 1:
        raise ValueError(f"{kind}: give exactly one of covariance_matrix, precision_matrix or scale_tril")
    return given[0]


def _check_matrix(owner: Distribution, name: str, matrix: Tensor) -> None:
    """Raise the owner's ValueError unless ``matrix`` is a lower Cholesky factor (``scale_tril``) or
    positive definite (a covariance or precision matrix), every one of the batch."""
    m = np.asarray(matrix._data)
    if name == "scale_tril":
        with np.errstate(invalid="ignore"):
            lower = (np.tril(m) == m).all((-2, -1)) & (np.diagonal(m, 0, -2, -1) > 0).all(-1)
        owner._check_parameter("scale_tril", matrix, lower, "LowerCholesky()")
    else:
        owner._check_parameter(name, matrix, _positive_definite(m), "PositiveDefinite()")


def _lower_factor(name: str, matrix: Tensor) -> Tensor:
    """L, the lower Cholesky factor of the covariance, from the matrix given, recorded."""
    from mytorch.linalg import cholesky, inv

    if name == "scale_tril":
        return matrix
    return cholesky(matrix if name == "covariance_matrix" else inv(matrix))


class _Gaussian(Distribution):
    """What MultivariateNormal and LowRankMultivariateNormal share: ``loc`` (of shape
    ``batch_shape + event_shape``), a lower Cholesky factor of the covariance on the parameters'
    own batch (``_tril()``), ``_half_log_det`` and ``_mahalanobis``; the log
    density, the entropy and the moments follow from them."""

    loc: Tensor

    @property
    def mean(self) -> Tensor:
        """The mean, ``loc`` (also the ``mode``)."""
        return self.loc

    mode = mean

    def _tril(self) -> Tensor:
        """L, the lower Cholesky factor of the covariance, on the parameters' own batch."""
        raise NotImplementedError

    @property
    def scale_tril(self) -> Tensor:
        """L, the lower Cholesky factor of the covariance (L L^T), for each of the batch."""
        k = self.event_shape[0]
        return self._tril().expand(*self.batch_shape, k, k)

    @property
    def variance(self) -> Tensor:
        """The covariance's diagonal: the squared rows of L summed."""
        return (self._tril() ** 2).sum(-1).expand(*self.batch_shape, *self.event_shape)

    @property
    def stddev(self) -> Tensor:
        """The square root of ``variance``."""
        return self.variance.sqrt()

    def _half_log_det(self) -> Tensor:
        """log sqrt(det covariance), per member of the parameters' batch."""
        raise NotImplementedError

    def _mahalanobis(self, diff: Tensor) -> Tensor:
        """diff^T covariance^-1 diff over the last axis of ``diff`` (values minus ``loc``)."""
        raise NotImplementedError

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape + event_shape`` (no gradient)."""
        return self.rsample(sample_shape).detach()

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """Reparameterised samples of shape ``sample_shape + batch_shape + event_shape``."""
        raise NotImplementedError

    def log_prob(self, value: Any) -> Tensor:
        """The log density of ``value`` (of shape ``(..., k)``), recorded:
        -(k log 2 pi + Mahalanobis distance) / 2 - log sqrt(det covariance)."""
        x = _tensor(value, self.loc.dtype)
        self._check_value(x, ~np.isnan(x._data), "IndependentConstraint(Real(), 1)")
        k = self.event_shape[0]
        return -0.5 * (k * math.log(2 * math.pi) + self._mahalanobis(x - self.loc)) - self._half_log_det()

    def entropy(self) -> Tensor:
        """The entropy, k (1 + log 2 pi) / 2 + log sqrt(det covariance), recorded."""
        k = self.event_shape[0]
        return (0.5 * k * (1.0 + math.log(2 * math.pi)) + self._half_log_det()).expand(*self.batch_shape)


class MultivariateNormal(_Gaussian):
    """Gaussian with mean vector ``loc`` and one of ``covariance_matrix``, ``precision_matrix`` or
    ``scale_tril`` (the lower Cholesky factor L of the covariance, L L^T); batches of both
    broadcast. Everything goes through L: ``log_prob`` is -(k log 2 pi + |L^-1 (x - loc)|^2) / 2
    - sum log diag L, ``rsample`` is loc + L eps, recorded, so gradients reach ``loc`` and the
    matrix given (a precision matrix is inverted before its Cholesky factor: the same L to rounding)."""

    arg_constraints = {
        "loc": constraints.real_vector,
        "covariance_matrix": constraints.positive_definite,
        "precision_matrix": constraints.positive_definite,
        "scale_tril": constraints.lower_cholesky,
    }
    support = constraints.real_vector
    has_rsample = True

    def __init__(
        self,
        loc: Any,
        covariance_matrix: Any = None,
        precision_matrix: Any = None,
        scale_tril: Any = None,
        validate_args: Any = None,
    ) -> None:
        name, matrix = _one_matrix("MultivariateNormal", covariance_matrix, precision_matrix, scale_tril)
        self.loc, matrix = _parameters(loc, matrix)
        if self.loc.ndim < 1 or matrix.ndim < 2 or tuple(matrix.shape[-2:]) != (self.loc.shape[-1],) * 2:
            raise ValueError(
                f"MultivariateNormal: loc of shape {tuple(self.loc.shape)} needs (..., k, k) matrices, "
                f"got {tuple(matrix.shape)}"
            )
        if self._validating(validate_args):
            self._check_parameter("loc", self.loc, ~np.isnan(self.loc._data), "IndependentConstraint(Real(), 1)")
            _check_matrix(self, name, matrix)
        self._given = (name, matrix)
        self._unbroadcast_scale_tril = _lower_factor(name, matrix)
        k = self.loc.shape[-1]
        self.batch_shape = tuple(np.broadcast_shapes(tuple(self.loc.shape[:-1]), tuple(matrix.shape[:-2])))
        self.event_shape = (k,)
        self.loc = self.loc.expand(*self.batch_shape, k)

    def _held_parameters(self) -> dict[str, Any]:
        """``loc`` and the matrix given (PyTorch's repr shows that one)."""
        return {**vars(self), self._given[0]: self._given[1]}

    @property
    def covariance_matrix(self) -> Tensor:
        """L L^T."""
        lower = self._unbroadcast_scale_tril
        k = self.event_shape[0]
        return (lower @ lower.transpose(-1, -2)).expand(*self.batch_shape, k, k)

    @property
    def precision_matrix(self) -> Tensor:
        """The inverse of the covariance."""
        from mytorch.linalg import inv

        return inv(self.covariance_matrix)

    def _tril(self) -> Tensor:
        return self._unbroadcast_scale_tril

    def _half_log_det(self) -> Tensor:
        """log sqrt(det covariance) = sum log diag L, per member of the batch."""
        from mytorch.tensor_matrix import diagonal

        return log(diagonal(self._unbroadcast_scale_tril, 0, -2, -1)).sum(-1)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``loc + L eps``, eps standard normal of shape ``sample_shape + batch_shape + event_shape``:
        a gradient flows to ``loc`` and the matrix."""
        shape = (*_shape(sample_shape), *self.batch_shape, *self.event_shape)
        eps = Tensor(default_generator.standard_normal(shape).astype(self.loc.dtype))
        return self.loc + (self._unbroadcast_scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def _mahalanobis(self, diff: Tensor) -> Tensor:
        """|L^-1 diff|^2."""
        from mytorch.linalg import solve_triangular

        k = self.event_shape[0]
        lower = self._unbroadcast_scale_tril.expand(*diff.shape[:-1], k, k)
        whitened = solve_triangular(lower, diff.unsqueeze(-1), upper=False).squeeze(-1)
        return (whitened**2).sum(-1)


def _kl_multivariate_normal(p: _Gaussian, q: _Gaussian) -> Tensor:
    """KL(p || q) of two Gaussians: (|Lq^-1 Lp|_F^2 + |Lq^-1 (loc_q - loc_p)|^2 - k) / 2 +
    log det Lq - log det Lp."""
    from mytorch.linalg import solve_triangular

    k = p.event_shape[0]
    if q.event_shape != p.event_shape:
        raise ValueError(f"kl_divergence: MultivariateNormals of sizes {k} and {q.event_shape[0]}")
    batch = tuple(np.broadcast_shapes(p.batch_shape, q.batch_shape))
    lq = q._tril().expand(*batch, k, k)
    lp = p._tril().expand(*batch, k, k)
    spread = (solve_triangular(lq, lp, upper=False) ** 2).sum((-2, -1))
    shift = solve_triangular(lq, (q.loc - p.loc).expand(*batch, k).unsqueeze(-1), upper=False)
    distance = (shift**2).sum((-2, -1))
    return q._half_log_det() - p._half_log_det() + 0.5 * (spread + distance - k)

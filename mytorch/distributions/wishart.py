"""``Wishart(df, covariance_matrix / precision_matrix / scale_tril)``, the law of sums of ``df``
outer products of Gaussian vectors (a prior over covariance matrices), as PyTorch's: ``log_prob``,
``rsample`` (Bartlett's decomposition: chi-squared draws on the diagonal, differentiated
implicitly in ``df``, and normal draws below it), ``mean``, ``mode``, ``variance``, ``entropy``,
recorded, with the scale matrix given as ``MultivariateNormal``'s."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from mytorch.distributions import constraints
from mytorch.distributions.base import _guarded, _parameters, _shape, _tensor
from mytorch.distributions.exp_family import ExponentialFamily
from mytorch.distributions.multivariate_normal import _check_matrix, _lower_factor, _one_matrix
from mytorch.distributions.positive import Chi2
from mytorch.factories import default_generator
from mytorch.tensor import Tensor, log
from mytorch.tensor_special import digamma, mvlgamma

__all__ = ["Wishart"]


def _singular(samples: np.ndarray) -> np.ndarray:
    """Which matrices of ``samples`` (over the leading axes) are not positive definite."""
    return ~np.asarray(constraints.positive_definite.check(samples)._data, dtype=bool)


class Wishart(ExponentialFamily):
    """Wishart of ``df`` degrees of freedom (above dim - 1) and scale matrix S (the
    ``covariance_matrix``, or the inverse of ``precision_matrix``, or L L^T for ``scale_tril``):
    density |X|^((df - p - 1) / 2) exp(-tr(S^-1 X) / 2) / (2^(df p / 2) |S|^(df / 2) Gamma_p(df / 2))
    over p x p positive-definite X. ``batch_shape`` is df's and the matrix's batch broadcast."""

    support = constraints.positive_definite
    has_rsample = True

    @property
    def arg_constraints(self) -> dict[str, Any]:  # type: ignore[override]
        """The three ways of giving the matrix, and ``df`` above dim - 1 (PyTorch's)."""
        return {
            "covariance_matrix": constraints.positive_definite,
            "precision_matrix": constraints.positive_definite,
            "scale_tril": constraints.lower_cholesky,
            "df": constraints.greater_than(self.event_shape[-1] - 1),
        }

    def __init__(
        self,
        df: Any,
        covariance_matrix: Any = None,
        precision_matrix: Any = None,
        scale_tril: Any = None,
        validate_args: Any = None,
    ) -> None:
        name, matrix = _one_matrix("Wishart", covariance_matrix, precision_matrix, scale_tril)
        matrix, df = _parameters(matrix, df)
        if matrix.ndim < 2 or matrix.shape[-1] != matrix.shape[-2]:
            raise ValueError(f"Wishart: {name} must be a (..., p, p) matrix, got shape {tuple(matrix.shape)}")
        p = int(matrix.shape[-1])
        self.batch_shape = tuple(np.broadcast_shapes(tuple(matrix.shape[:-2]), tuple(df.shape)))
        self.event_shape = (p, p)
        self.df = df.expand(*self.batch_shape)
        with np.errstate(invalid="ignore"):
            if not (self.df._data > p - 1).all():
                raise ValueError(f"Wishart: df must be greater than dim - 1 = {p - 1}, got {df}")
            if (self.df._data < p).any():
                warnings.warn(
                    f"Wishart: a df below dim = {p} makes singular samples likely (PyTorch warns too)", stacklevel=2
                )
        if self._validating(validate_args):
            _check_matrix(self, name, matrix)
        self._given = (name, matrix.expand(*self.batch_shape, p, p))
        self._unbroadcast_scale_tril = _lower_factor(name, matrix)
        # Bartlett: the i-th diagonal entry of the factor is the root of a chi-squared of df - i
        steps = Tensor(np.arange(p, dtype=self.df.dtype))
        self._chi2 = Chi2(self.df.unsqueeze(-1) - steps, validate_args=False)

    def _held_parameters(self) -> dict[str, Any]:
        """``df`` and the matrix given (PyTorch's repr shows those)."""
        return {**vars(self), self._given[0]: self._given[1]}

    @property
    def scale_tril(self) -> Tensor:
        """L, the lower Cholesky factor of the scale matrix, for each of the batch."""
        return self._unbroadcast_scale_tril.expand(*self.batch_shape, *self.event_shape)

    @property
    def covariance_matrix(self) -> Tensor:
        """The scale matrix S = L L^T."""
        lower = self._unbroadcast_scale_tril
        return (lower @ lower.mT).expand(*self.batch_shape, *self.event_shape)

    @property
    def precision_matrix(self) -> Tensor:
        """S^-1."""
        from mytorch.linalg import inv

        return inv(self.covariance_matrix)

    def _df_matrix(self) -> Tensor:
        return self.df.reshape(*self.batch_shape, 1, 1)

    @property
    def mean(self) -> Tensor:
        """df S."""
        return self._df_matrix() * self.covariance_matrix

    @property
    def mode(self) -> Tensor:
        """(df - p - 1) S, NaN where df <= p + 1."""
        p, scale = self.event_shape[-1], self.covariance_matrix
        factor = self._df_matrix() - p - 1
        return _guarded(factor > 0, (factor,), 1.0, lambda f: f * scale)

    @property
    def variance(self) -> Tensor:
        """df (S_ij^2 + S_ii S_jj), entrywise."""
        scale = self.covariance_matrix
        diagonal = scale.diagonal(dim1=-2, dim2=-1)
        return self._df_matrix() * (scale**2 + diagonal.unsqueeze(-1) * diagonal.unsqueeze(-2))

    def _bartlett(self, sample_shape: tuple[int, ...]) -> Tensor:
        """L A A^T L^T with A lower-triangular: sqrt of the chi-squared draws (at least eps) on its
        diagonal, standard normals below; recorded through the chi-squared draws and L."""
        from mytorch.tensor_layout import diag_embed

        p = self.event_shape[-1]
        roots = self._chi2.rsample(sample_shape).sqrt().clamp(min=float(np.finfo(self.df.dtype).eps))
        normals = default_generator.standard_normal((*sample_shape, *self.batch_shape, p, p))
        factor = diag_embed(roots) + Tensor(np.tril(normals, -1).astype(self.df.dtype))
        chol = self._unbroadcast_scale_tril @ factor
        return chol @ chol.mT

    def rsample(self, sample_shape: Any = (), max_try_correction: int | None = None) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape + (p, p)`` by Bartlett's decomposition,
        recorded (gradients reach df, implicitly, and the matrix). A draw that is not positive
        definite (likely for df < p) is drawn again, up to ``max_try_correction`` times (10), with a
        warning if one still is."""
        shape = _shape(sample_shape)
        sample = self._bartlett(shape)
        singular = _singular(sample._data)
        for _ in range(10 if max_try_correction is None else int(max_try_correction)):
            if not singular.any():
                break
            again = self._bartlett(shape)
            keep = Tensor(singular[..., None, None])
            sample = sample * (1 - keep) + again * keep
            singular = singular & _singular(again._data)
        if singular.any():
            warnings.warn(f"Wishart.rsample: {int(singular.sum())} sample(s) still singular", stacklevel=2)
        return sample

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """``rsample`` without a gradient."""
        return self.rsample(sample_shape).detach()

    def _log_det_scale(self) -> Tensor:
        """log |S| / 2 = sum log diag L, per member of the matrix's batch."""
        return log(self._unbroadcast_scale_tril.diagonal(dim1=-2, dim2=-1)).sum(-1)

    def log_prob(self, value: Any) -> Tensor:
        """-df (p log 2 / 2 + log |S| / 2) - log Gamma_p(df / 2) + (df - p - 1) / 2 log |X|
        - tr(S^-1 X) / 2, recorded (``value`` checked to be positive definite)."""
        from mytorch.linalg import slogdet, solve_triangular

        x = _tensor(value, self.df.dtype)
        self._check_value(x, constraints.positive_definite.check(x)._data, "PositiveDefinite()")
        nu, p = self.df, self.event_shape[-1]
        lower = self._unbroadcast_scale_tril
        batch = np.broadcast_shapes(tuple(x.shape[:-2]), tuple(lower.shape[:-2]))
        lower = lower.expand(*batch, p, p)
        whitened = solve_triangular(lower, x.expand(*batch, p, p), upper=False)  # L^-1 X
        trace = solve_triangular(lower.mT, whitened, upper=True).diagonal(dim1=-2, dim2=-1).sum(-1)  # tr(S^-1 X)
        return (
            -nu * (p * math.log(2) / 2 + self._log_det_scale())
            - mvlgamma(nu / 2, p)
            + (nu - p - 1) / 2 * slogdet(x).logabsdet
            - trace / 2
        )

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        """(-S^-1 / 2, (df - p - 1) / 2)."""
        return -self.precision_matrix / 2, (self.df - self.event_shape[-1] - 1) / 2

    def _log_normalizer(self, *natural_params: Tensor) -> Tensor:
        """(y + (p + 1) / 2) (p log 2 - log |-2 x|) + log Gamma_p(y + (p + 1) / 2)."""
        from mytorch.linalg import slogdet

        x, y = natural_params
        p = self.event_shape[-1]
        shifted = y + (p + 1) / 2
        return shifted * (p * math.log(2) - slogdet(-2 * x).logabsdet) + mvlgamma(shifted, p)

    def entropy(self) -> Tensor:
        """(p + 1) (p log 2 / 2 + log |S| / 2) + log Gamma_p(df / 2) - (df - p - 1) / 2 psi_p(df / 2)
        + df p / 2, psi_p the multivariate digamma function, recorded."""
        nu, p = self.df, self.event_shape[-1]
        halves = Tensor(np.arange(p, dtype=nu.dtype) / 2)
        multi_digamma = digamma((nu / 2).unsqueeze(-1) - halves).sum(-1)
        return (
            (p + 1) * (p * math.log(2) / 2 + self._log_det_scale())
            + mvlgamma(nu / 2, p)
            - (nu - p - 1) / 2 * multi_digamma
            + nu * p / 2
        )

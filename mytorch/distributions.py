"""``torch.distributions`` (``mytorch.distributions``), the part a policy gradient or a VAE uses:
``Categorical``, ``OneHotCategorical``, ``Bernoulli``, ``Normal``, ``MultivariateNormal``,
``LogNormal``, ``Laplace``, ``Exponential``, ``Gamma``, ``Beta``, ``Dirichlet`` and ``Uniform`` with
``sample``, ``log_prob``, ``entropy``, ``mean``, ``stddev``, ``variance``; ``rsample`` (the
reparameterised sample a gradient flows through; not for Gamma, Beta and Dirichlet, which refuse
it), ``cdf`` / ``icdf`` of Normal, Laplace and Exponential, and ``kl_divergence`` of two of a kind.

Every density is recorded from Tensor operations, so ``log_prob(action) * reward`` and
``kl_divergence(q, p)`` have gradients in the parameters. Samples come from
``mytorch.default_generator`` (seeded by ``manual_seed``), so they differ from PyTorch's for the
same seed, as all of MyTorch's random numbers do. Arguments are validated as PyTorch's are
(``validate_args``, on unless ``Distribution.set_default_validate_args(False)``): a parameter
outside its constraint (a scale of 0, a probability of 1.2, negative class weights) and a value
outside the support given to ``log_prob`` or ``cdf`` (a Bernoulli value of 0.5, a Uniform value
beyond its ends, a class index of -1 or 0.5, NaN) raise ``ValueError`` instead of giving a number.
"""

from __future__ import annotations

import math
import sys
import types
from typing import Any

import numpy as np

from mytorch.dtypes import get_default_dtype
from mytorch.factories import default_generator
from mytorch.nn import functional_tensor as TF
from mytorch.tensor import Tensor, log
from mytorch.tensor_math import logsumexp

__all__ = [
    "Bernoulli",
    "Beta",
    "Categorical",
    "Dirichlet",
    "Distribution",
    "Exponential",
    "Gamma",
    "Independent",
    "Laplace",
    "LogNormal",
    "MultivariateNormal",
    "Normal",
    "OneHotCategorical",
    "TransformedDistribution",
    "Uniform",
    "kl_divergence",
    "transforms",
]


def _tensor(value: Any, dtype: Any = None) -> Tensor:
    """``value`` as a Tensor: a number or an integer array in ``dtype`` (the default float dtype if None)."""
    if isinstance(value, Tensor):
        return value
    array = np.asarray(value)
    if array.dtype.kind in "iub" or array.ndim == 0:
        array = array.astype(get_default_dtype() if dtype is None else dtype)
    return Tensor(array)


def _parameters(*values: Any) -> list[Tensor]:
    """The parameters as Tensors, numbers taking the dtype of the first floating-point Tensor among
    them (as PyTorch's broadcast_all: ``Normal(mu, 1.0)`` of a float64 ``mu`` is float64)."""
    dtype = next((v.dtype for v in values if isinstance(v, Tensor) and v.dtype.kind == "f"), None)
    return [_tensor(v, dtype) for v in values]


def _clamped(probs: Tensor) -> Tensor:
    """``probs`` kept within [eps, 1 - eps] of their dtype before a log, as PyTorch's
    ``probs_to_logits``: a probability of 0 or 1 then has a finite logit (its log_prob and
    entropy were NaN: log(0) beside 0, or -inf - -inf)."""
    eps = float(np.finfo(probs.dtype).eps)
    return probs.clamp(eps, 1 - eps)


def _shape(sample_shape: Any) -> tuple[int, ...]:
    return (int(sample_shape),) if isinstance(sample_shape, (int, np.integer)) else tuple(sample_shape)


_VALIDATE = [True]  # Distribution.set_default_validate_args


class Distribution:
    """What every distribution here has: ``batch_shape``, ``sample(sample_shape)`` (no gradient),
    ``log_prob``, ``entropy``; PyTorch's argument validation."""

    batch_shape: tuple[int, ...] = ()
    event_shape: tuple[int, ...] = ()
    _validate_args: bool = True

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Whether distributions made without ``validate_args`` check their arguments (True at
        start, as in PyTorch)."""
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args: expected True or False, got {value!r}")
        _VALIDATE[0] = bool(value)

    def _validating(self, validate_args: Any) -> bool:
        self._validate_args = _VALIDATE[0] if validate_args is None else bool(validate_args)
        return self._validate_args

    def _check_parameter(self, name: str, value: Tensor, ok: Any, constraint: str) -> None:
        """Raise a ValueError, as PyTorch's check does, unless ``ok`` holds everywhere (NaN fails every check)."""
        if self._validate_args and not np.all(ok):
            raise ValueError(
                f"{type(self).__name__}: parameter {name} of shape {tuple(value.shape)} must satisfy {constraint}, "
                f"and some of its values do not (validate_args=False skips the check):\n{value}"
            )

    def _check_value(self, value: Tensor, ok: Any, support: str) -> None:
        """Raise a ValueError, as PyTorch's check does, unless ``value`` lies in the support (``ok`` everywhere)."""
        if self._validate_args and not np.all(ok):
            raise ValueError(
                f"{type(self).__name__}: a value of shape {tuple(value.shape)} lies outside the support {support} "
                f"(validate_args=False skips the check):\n{value}"
            )

    def _check_positive(self, **parameters: Tensor) -> None:
        """PyTorch's ``GreaterThan(lower_bound=0.0)`` for each parameter given."""
        for name, value in parameters.items():
            with np.errstate(invalid="ignore"):
                self._check_parameter(name, value, value._data > 0, "GreaterThan(lower_bound=0.0)")

    def _checked_value(self, value: Any, support: str, dtype: Any = None) -> Tensor:
        """``value`` as a Tensor, checked to lie in ``support``: "Real()", "GreaterThanEq(lower_bound=0.0)",
        "GreaterThan(lower_bound=0.0)", "Interval(lower_bound=0.0, upper_bound=1.0)", "Simplex()"."""
        x = _tensor(value, dtype)
        if not self._validate_args:
            return x
        a = x._data
        with np.errstate(invalid="ignore"):
            ok = {
                "Real()": lambda: ~np.isnan(a),
                "GreaterThanEq(lower_bound=0.0)": lambda: a >= 0,
                "GreaterThan(lower_bound=0.0)": lambda: a > 0,
                "Interval(lower_bound=0.0, upper_bound=1.0)": lambda: (a >= 0) & (a <= 1),
                "Simplex()": lambda: (a >= 0).all(-1) & (np.abs(a.sum(-1) - 1) < 1e-6),
            }[support]()
        self._check_value(x, ok, support)
        return x

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape`` (no gradient)."""
        raise NotImplementedError(f"{type(self).__name__} does not define sample")

    def log_prob(self, value: Any) -> Tensor:
        """The log density (or log probability) of ``value``, recorded."""
        raise NotImplementedError(f"{type(self).__name__} does not define log_prob")

    def entropy(self) -> Tensor:
        """The entropy, recorded."""
        raise NotImplementedError(f"{type(self).__name__} does not define entropy")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(batch_shape={self.batch_shape})"


class Categorical(Distribution):
    """Classes 0..K-1 with ``probs`` (normalised along the last axis) or ``logits`` (log-odds)."""

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: Any = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Categorical: give either probs or logits, not both")
        if probs is not None:
            p = _tensor(probs)
            self.probs = p / p.sum(-1, keepdim=True)
            self.logits = log(_clamped(self.probs))  # (a class of probability 0: log(eps), as PyTorch's)
        else:
            raw = _tensor(logits)
            self.logits = raw - logsumexp(raw, dim=-1, keepdim=True)
            self.probs = self.logits.exp()
        self.batch_shape = tuple(self.logits.shape[:-1])
        if self._validating(validate_args):
            with np.errstate(invalid="ignore"):
                if probs is not None:  # (normalised: all zeros or a NaN fail)
                    normalised = np.asarray(self.probs._data)
                    simplex = (normalised >= 0).all(-1) & (abs(normalised.sum(-1) - 1) < 1e-6)
                    self._check_parameter("probs", self.probs, simplex, "Simplex()")
                else:  # (normalised: NaN, or +inf beside +inf, fail)
                    self._check_parameter("logits", self.logits, ~np.isnan(self.logits._data), "Real()")

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape`` (no gradient)."""
        p = self.probs._data.astype(np.float64)
        cumulative = np.cumsum(p / p.sum(-1, keepdims=True), axis=-1)
        u = default_generator.random((*_shape(sample_shape), *self.batch_shape, 1))
        picks = (u >= cumulative).sum(-1)
        return Tensor(np.minimum(picks, p.shape[-1] - 1).astype(np.int64))

    def log_prob(self, value: Any) -> Tensor:
        """The log density (or log probability) of ``value``, recorded."""
        given = np.asarray(value._data if isinstance(value, Tensor) else value)
        if self._validate_args:
            k = self.logits.shape[-1]
            with np.errstate(invalid="ignore"):
                ok = (given % 1 == 0) & (given >= 0) & (given <= k - 1) if given.dtype.kind != "b" else True
            self._check_value(_tensor(value), ok, f"IntegerInterval(lower_bound=0, upper_bound={k - 1})")
        index = given.astype(np.int64)
        logits = self.logits.expand(*np.broadcast_shapes(index.shape, self.batch_shape), self.logits.shape[-1])
        return logits.gather(-1, Tensor(np.broadcast_to(index, logits.shape[:-1])[..., None])).squeeze(-1)

    def entropy(self) -> Tensor:
        """The entropy, recorded."""
        # a logit of -inf (a masked class) counts as the dtype's lowest number: 0 * -inf was NaN
        lowest = float(np.finfo(self.logits.dtype).min)
        return -(self.probs * self.logits.clamp(min=lowest)).sum(-1)

    @property
    def mean(self) -> Tensor:
        """NaN for each of the batch, as PyTorch's (its classes are labels, with no mean); it was
        a NotImplementedError that said PyTorch refused it too."""
        return Tensor(np.full(self.batch_shape, np.nan, dtype=self.probs.dtype))

    @property
    def variance(self) -> Tensor:
        """NaN for each of the batch, as PyTorch's."""
        return self.mean

    @property
    def mode(self) -> Tensor:
        """The most probable class of each of the batch (the first of equal ones), as PyTorch's."""
        return Tensor(np.argmax(np.asarray(self.probs._data), axis=-1).astype(np.int64))


class _OnOff(Distribution):
    """The moments of 0/1 outcomes with probabilities ``probs``: Bernoulli's, OneHotCategorical's."""

    probs: Tensor

    @property
    def mean(self) -> Tensor:
        """The probabilities."""
        return self.probs

    @property
    def variance(self) -> Tensor:
        """probs (1 - probs)."""
        return self.probs * (1 - self.probs)


class Bernoulli(_OnOff):
    """0 or 1, 1 with probability ``probs`` (or ``sigmoid(logits)``)."""

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: Any = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Bernoulli: give either probs or logits, not both")
        if probs is not None:
            self.probs = _tensor(probs)
            kept = _clamped(self.probs)  # (a probability of 0 or 1: finite logits, as PyTorch's; they were NaN)
            self.logits = log(kept) - (-kept).log1p()
        else:
            self.logits = _tensor(logits)
            self.probs = self.logits.sigmoid()
        self.batch_shape = tuple(self.probs.shape)
        if self._validating(validate_args):
            with np.errstate(invalid="ignore"):
                if probs is not None:
                    p = np.asarray(self.probs._data)
                    self._check_parameter(
                        "probs", self.probs, (p >= 0) & (p <= 1), "Interval(lower_bound=0.0, upper_bound=1.0)"
                    )
                else:
                    self._check_parameter("logits", self.logits, ~np.isnan(self.logits._data), "Real()")

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape`` (no gradient)."""
        u = default_generator.random((*_shape(sample_shape), *self.batch_shape))
        return Tensor((u < self.probs._data).astype(self.probs.dtype))

    def log_prob(self, value: Any) -> Tensor:
        """The log density (or log probability) of ``value``, recorded."""
        given = _tensor(value)
        self._check_value(given, (given._data == 0) | (given._data == 1), "Boolean()")
        target = given.to(self.logits.dtype)
        logits, target = self.logits.expand_as(target + self.logits), target.expand_as(target + self.logits)
        return -TF.binary_cross_entropy_with_logits(logits, target, reduction="none")

    def entropy(self) -> Tensor:
        """The entropy, recorded."""
        return TF.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")


class _LocationScale(Distribution):
    """A family of a real location ``loc`` and a positive ``scale``, broadcast together: Normal's, Laplace's."""

    def __init__(self, loc: Any, scale: Any, validate_args: Any = None) -> None:
        self.loc, self.scale = _parameters(loc, scale)
        self.batch_shape = tuple(np.broadcast_shapes(self.loc.shape, self.scale.shape))
        if self._validating(validate_args):
            self._check_parameter("loc", self.loc, ~np.isnan(self.loc._data), "Real()")
            self._check_positive(scale=self.scale)


class Normal(_LocationScale):
    """Gaussian with mean ``loc`` and standard deviation ``scale`` (broadcast together)."""

    def _real(self, value: Any) -> Tensor:
        x = _tensor(value)
        self._check_value(x, ~np.isnan(x._data), "Real()")
        return x

    def _noise(self, sample_shape: Any) -> Tensor:
        shape = (*_shape(sample_shape), *self.batch_shape)
        return Tensor(default_generator.standard_normal(shape).astype(np.result_type(self.loc.dtype, self.scale.dtype)))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``loc + scale * eps``, eps standard normal: a gradient flows to ``loc`` and ``scale``."""
        return self.loc + self.scale * self._noise(sample_shape)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape`` (no gradient)."""
        return self.rsample(sample_shape).detach()

    def log_prob(self, value: Any) -> Tensor:
        """The log density (or log probability) of ``value``, recorded."""
        x = self._real(value)
        return -((x - self.loc) ** 2) / (2 * self.scale**2) - log(self.scale) - math.log(math.sqrt(2 * math.pi))

    def entropy(self) -> Tensor:
        """The entropy, recorded."""
        return (0.5 + 0.5 * math.log(2 * math.pi) + log(self.scale)).expand(*self.batch_shape)

    def cdf(self, value: Any) -> Tensor:
        """P(X <= value): ``(1 + erf((value - loc) / (scale sqrt 2))) / 2``, recorded."""
        from mytorch.special import erf

        return 0.5 * (1 + erf((self._real(value) - self.loc) * self.scale.reciprocal() / math.sqrt(2)))

    def icdf(self, value: Any) -> Tensor:
        """The quantile of probability ``value``: ``loc + scale ndtri(value)``, recorded (finite in
        the tails: PyTorch's sqrt(2) erfinv(2 value - 1) is -inf below 1e-16)."""
        from mytorch.special import ndtri

        return self.loc + self.scale * ndtri(_tensor(value, self.loc.dtype))

    @property
    def mean(self) -> Tensor:
        """The mean."""
        return self.loc.expand(*self.batch_shape)

    @property
    def stddev(self) -> Tensor:
        """The standard deviation."""
        return self.scale.expand(*self.batch_shape)

    @property
    def variance(self) -> Tensor:
        """The variance."""
        return self.stddev**2


class Uniform(Distribution):
    """Uniform on ``[low, high)``."""

    def __init__(self, low: Any, high: Any, validate_args: Any = None) -> None:
        self.low, self.high = _parameters(low, high)
        self.batch_shape = tuple(np.broadcast_shapes(self.low.shape, self.high.shape))
        if self._validating(validate_args):
            with np.errstate(invalid="ignore"):
                self._check_parameter("low", self.low, self.low._data < self.high._data, "LessThan(upper_bound=high)")

    def _inside(self, value: Any) -> Tensor:
        x = _tensor(value)
        with np.errstate(invalid="ignore"):
            ok = (self.low._data <= x._data) & (x._data <= self.high._data)
        self._check_value(x, ok, "Interval(lower_bound=low, upper_bound=high)")
        return x

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``low + (high - low) * u``, u uniform in [0, 1): a gradient flows to both ends."""
        u = default_generator.random((*_shape(sample_shape), *self.batch_shape))
        return self.low + (self.high - self.low) * Tensor(u.astype(self.low.dtype))

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape`` (no gradient)."""
        return self.rsample(sample_shape).detach()

    def log_prob(self, value: Any) -> Tensor:
        """The log density (or log probability) of ``value``, recorded."""
        x = self._inside(value)
        inside = Tensor(((x._data >= self.low._data) & (x._data < self.high._data)).astype(x.dtype))
        return log(inside) - log(self.high - self.low)

    def entropy(self) -> Tensor:
        """The entropy, recorded."""
        return log(self.high - self.low)

    def cdf(self, value: Any) -> Tensor:
        """P(X <= value): ``(value - low) / (high - low)`` clamped to [0, 1], recorded."""
        return ((self._inside(value) - self.low) / (self.high - self.low)).clamp(0, 1)

    def icdf(self, value: Any) -> Tensor:
        """The quantile of probability ``value``: ``low + value (high - low)``, recorded."""
        return self.low + _tensor(value, self.low.dtype) * (self.high - self.low)

    @property
    def mean(self) -> Tensor:
        """The mean."""
        return (self.low + self.high) / 2

    @property
    def variance(self) -> Tensor:
        """The variance, (high - low)^2 / 12."""
        return (self.high - self.low) ** 2 / 12

    @property
    def stddev(self) -> Tensor:
        """The standard deviation."""
        return self.variance.sqrt()


def _positive_definite(m: np.ndarray) -> bool:
    """Symmetric (to rounding) with a Cholesky factor, for every matrix of the batch."""
    if not np.isfinite(m).all() or not np.allclose(m, np.swapaxes(m, -1, -2), rtol=1e-6, atol=1e-12):
        return False
    try:
        np.linalg.cholesky(m)
    except np.linalg.LinAlgError:
        return False
    return True


class MultivariateNormal(Distribution):
    """Gaussian with mean vector ``loc`` and one of ``covariance_matrix``, ``precision_matrix`` or
    ``scale_tril`` (the lower Cholesky factor L of the covariance, L L^T); batches of both
    broadcast. Everything goes through L: ``log_prob`` is -(k log 2 pi + |L^-1 (x - loc)|^2) / 2
    - sum log diag L, ``rsample`` is loc + L eps, recorded, so gradients reach ``loc`` and the
    matrix given (a precision matrix is inverted before its Cholesky factor: the same L to rounding)."""

    def __init__(
        self,
        loc: Any,
        covariance_matrix: Any = None,
        precision_matrix: Any = None,
        scale_tril: Any = None,
        validate_args: Any = None,
    ) -> None:
        from mytorch.linalg import cholesky, inv

        given = [m is not None for m in (covariance_matrix, precision_matrix, scale_tril)]
        if sum(given) != 1:
            raise ValueError(
                "MultivariateNormal: give exactly one of covariance_matrix, precision_matrix or scale_tril"
            )
        matrix = next(m for m in (covariance_matrix, precision_matrix, scale_tril) if m is not None)
        self.loc, matrix = _parameters(loc, matrix)
        if self.loc.ndim < 1 or matrix.ndim < 2 or tuple(matrix.shape[-2:]) != (self.loc.shape[-1],) * 2:
            raise ValueError(
                f"MultivariateNormal: loc of shape {tuple(self.loc.shape)} needs (..., k, k) matrices, "
                f"got {tuple(matrix.shape)}"
            )
        if self._validating(validate_args):
            self._check_parameter("loc", self.loc, ~np.isnan(self.loc._data), "IndependentConstraint(Real(), 1)")
            if scale_tril is not None:
                m = np.asarray(matrix._data)
                with np.errstate(invalid="ignore"):
                    lower = (np.tril(m) == m).all((-2, -1)) & (np.diagonal(m, 0, -2, -1) > 0).all(-1)
                self._check_parameter("scale_tril", matrix, lower, "LowerCholesky()")
            else:
                m = np.asarray(matrix._data)
                name = "covariance_matrix" if covariance_matrix is not None else "precision_matrix"
                self._check_parameter(name, matrix, _positive_definite(m), "PositiveDefinite()")
        if scale_tril is not None:
            self._unbroadcast_scale_tril = matrix
        elif covariance_matrix is not None:
            self._unbroadcast_scale_tril = cholesky(matrix)
        else:
            self._unbroadcast_scale_tril = cholesky(inv(matrix))
        k = self.loc.shape[-1]
        self.batch_shape = tuple(np.broadcast_shapes(tuple(self.loc.shape[:-1]), tuple(matrix.shape[:-2])))
        self.event_shape = (k,)
        self.loc = self.loc.expand(*self.batch_shape, k)

    @property
    def scale_tril(self) -> Tensor:
        """L, the lower Cholesky factor of the covariance, for each of the batch."""
        k = self.event_shape[0]
        return self._unbroadcast_scale_tril.expand(*self.batch_shape, k, k)

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

    @property
    def mean(self) -> Tensor:
        """The mean (``loc``)."""
        return self.loc

    @property
    def variance(self) -> Tensor:
        """The covariance's diagonal: the squared rows of L summed."""
        return (self._unbroadcast_scale_tril**2).sum(-1).expand(*self.batch_shape, *self.event_shape)

    @property
    def stddev(self) -> Tensor:
        """The square root of ``variance``."""
        return self.variance.sqrt()

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

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape + event_shape`` (no gradient)."""
        return self.rsample(sample_shape).detach()

    def log_prob(self, value: Any) -> Tensor:
        """The log density of ``value`` (of shape ``(..., k)``), recorded."""
        from mytorch.linalg import solve_triangular

        x = _tensor(value, self.loc.dtype)
        self._check_value(x, ~np.isnan(x._data), "IndependentConstraint(Real(), 1)")
        diff = x - self.loc
        k = self.event_shape[0]
        lower = self._unbroadcast_scale_tril.expand(*diff.shape[:-1], k, k)
        whitened = solve_triangular(lower, diff.unsqueeze(-1), upper=False).squeeze(-1)
        mahalanobis = (whitened**2).sum(-1)
        return -0.5 * (k * math.log(2 * math.pi) + mahalanobis) - self._half_log_det()

    def entropy(self) -> Tensor:
        """The entropy, k (1 + log 2 pi) / 2 + sum log diag L, recorded."""
        k = self.event_shape[0]
        return (0.5 * k * (1.0 + math.log(2 * math.pi)) + self._half_log_det()).expand(*self.batch_shape)


def _no_rsample(name: str) -> NotImplementedError:
    return NotImplementedError(
        f"{name}.rsample: MyTorch has no reparameterised {name} sample (PyTorch's differentiates the sample "
        "implicitly); sample() draws one without a gradient"
    )


class Laplace(_LocationScale):
    """Laplace with location ``loc`` and scale ``scale``: density exp(-|x - loc| / scale) / (2 scale)."""

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """``loc - scale sign(u) log(1 - |u|)``, u uniform in (-1, 1) (PyTorch's): recorded."""
        dtype = np.result_type(self.loc.dtype, self.scale.dtype)
        eps = float(np.finfo(dtype).eps)
        u = Tensor(default_generator.uniform(eps - 1, 1, (*_shape(sample_shape), *self.batch_shape)).astype(dtype))
        return self.loc - self.scale * u.sign() * (-u.abs()).log1p()

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape`` (no gradient)."""
        return self.rsample(sample_shape).detach()

    def log_prob(self, value: Any) -> Tensor:
        """The log density of ``value``, recorded."""
        return -log(2 * self.scale) - (self._checked_value(value, "Real()") - self.loc).abs() / self.scale

    def entropy(self) -> Tensor:
        """The entropy, 1 + log(2 scale), recorded."""
        return (1 + log(2 * self.scale)).expand(*self.batch_shape)

    def cdf(self, value: Any) -> Tensor:
        """P(X <= value), recorded."""
        d = self._checked_value(value, "Real()") - self.loc
        return 0.5 - 0.5 * d.sign() * (-d.abs() / self.scale).expm1()

    def icdf(self, value: Any) -> Tensor:
        """The quantile of probability ``value``, recorded."""
        term = _tensor(value) - 0.5
        return self.loc - self.scale * term.sign() * (-2 * term.abs()).log1p()

    @property
    def mean(self) -> Tensor:
        """The mean (``loc``)."""
        return self.loc.expand(*self.batch_shape)

    @property
    def stddev(self) -> Tensor:
        """sqrt(2) scale."""
        return (math.sqrt(2) * self.scale).expand(*self.batch_shape)

    @property
    def variance(self) -> Tensor:
        """2 scale^2."""
        return (2 * self.scale**2).expand(*self.batch_shape)


class Exponential(Distribution):
    """Exponential of rate ``rate``: density rate exp(-rate x) for x >= 0."""

    def __init__(self, rate: Any, validate_args: Any = None) -> None:
        (self.rate,) = _parameters(rate)
        self.batch_shape = tuple(self.rate.shape)
        if self._validating(validate_args):
            self._check_positive(rate=self.rate)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """A standard exponential draw divided by ``rate``: recorded."""
        e = default_generator.standard_exponential((*_shape(sample_shape), *self.batch_shape))
        return Tensor(e.astype(self.rate.dtype)) / self.rate

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape`` (no gradient)."""
        return self.rsample(sample_shape).detach()

    def log_prob(self, value: Any) -> Tensor:
        """log(rate) - rate value, recorded."""
        return log(self.rate) - self.rate * self._checked_value(value, "GreaterThanEq(lower_bound=0.0)")

    def entropy(self) -> Tensor:
        """1 - log(rate), recorded."""
        return 1.0 - log(self.rate)

    def cdf(self, value: Any) -> Tensor:
        """1 - exp(-rate value), recorded."""
        return 1 - (-self.rate * self._checked_value(value, "GreaterThanEq(lower_bound=0.0)")).exp()

    def icdf(self, value: Any) -> Tensor:
        """-log(1 - value) / rate, recorded."""
        return -(-_tensor(value)).log1p() / self.rate

    @property
    def mean(self) -> Tensor:
        """1 / rate."""
        return self.rate.reciprocal()

    @property
    def stddev(self) -> Tensor:
        """1 / rate."""
        return self.rate.reciprocal()

    @property
    def variance(self) -> Tensor:
        """1 / rate^2."""
        return self.rate.pow(-2)


class LogNormal(Distribution):
    """exp of a Normal(``loc``, ``scale``): ``base_dist`` is that Normal."""

    def __init__(self, loc: Any, scale: Any, validate_args: Any = None) -> None:
        self.base_dist = Normal(loc, scale, validate_args)
        self.loc, self.scale = self.base_dist.loc, self.base_dist.scale
        self.batch_shape = self.base_dist.batch_shape
        self._validating(validate_args)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """exp of the Normal's reparameterised sample: recorded."""
        return self.base_dist.rsample(sample_shape).exp()

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape`` (no gradient)."""
        return self.rsample(sample_shape).detach()

    def log_prob(self, value: Any) -> Tensor:
        """The Normal's log density of log(value), less log(value), recorded."""
        y = log(self._checked_value(value, "GreaterThan(lower_bound=0.0)"))
        return self.base_dist.log_prob(y) - y

    def entropy(self) -> Tensor:
        """The Normal's entropy plus ``loc``, recorded."""
        return self.base_dist.entropy() + self.loc

    @property
    def mean(self) -> Tensor:
        """exp(loc + scale^2 / 2)."""
        return (self.loc + self.scale.pow(2) / 2).exp().expand(*self.batch_shape)

    @property
    def variance(self) -> Tensor:
        """(exp(scale^2) - 1) exp(2 loc + scale^2)."""
        square = self.scale.pow(2)
        return (square.expm1() * (2 * self.loc + square).exp()).expand(*self.batch_shape)

    @property
    def stddev(self) -> Tensor:
        """The square root of ``variance``."""
        return self.variance.sqrt()


class Gamma(Distribution):
    """Gamma of shape ``concentration`` and ``rate``: density rate^a x^(a-1) exp(-rate x) / Gamma(a).
    ``sample`` only: no ``rsample`` (see its error)."""

    def __init__(self, concentration: Any, rate: Any, validate_args: Any = None) -> None:
        self.concentration, self.rate = _parameters(concentration, rate)
        self.batch_shape = tuple(np.broadcast_shapes(self.concentration.shape, self.rate.shape))
        if self._validating(validate_args):
            self._check_positive(concentration=self.concentration, rate=self.rate)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """Refused (no reparameterised sample here)."""
        raise _no_rsample("Gamma")

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape`` (no gradient)."""
        shape = (*_shape(sample_shape), *self.batch_shape)
        a = np.broadcast_to(self.concentration._data, shape)
        g = default_generator.standard_gamma(a) / np.broadcast_to(self.rate._data, shape)
        return Tensor(np.asarray(g, dtype=self.concentration.dtype))

    def log_prob(self, value: Any) -> Tensor:
        """a log(rate) + (a - 1) log(value) - rate value - lgamma(a), recorded."""
        from mytorch import lgamma, xlogy

        a, rate, x = self.concentration, self.rate, self._checked_value(value, "GreaterThanEq(lower_bound=0.0)")
        return xlogy(a, rate) + xlogy(a - 1, x) - rate * x - lgamma(a)

    def entropy(self) -> Tensor:
        """a - log(rate) + lgamma(a) + (1 - a) digamma(a), recorded."""
        from mytorch import digamma, lgamma

        a = self.concentration
        return a - log(self.rate) + lgamma(a) + (1.0 - a) * digamma(a)

    @property
    def mean(self) -> Tensor:
        """a / rate."""
        return (self.concentration / self.rate).expand(*self.batch_shape)

    @property
    def variance(self) -> Tensor:
        """a / rate^2."""
        return (self.concentration / self.rate.pow(2)).expand(*self.batch_shape)


class Dirichlet(Distribution):
    """Dirichlet on the simplex of the last axis of ``concentration`` (event_shape (k,)).
    ``sample`` only: no ``rsample`` (see its error)."""

    def __init__(self, concentration: Any, validate_args: Any = None) -> None:
        (self.concentration,) = _parameters(concentration)
        if self.concentration.ndim < 1:
            raise ValueError("Dirichlet: concentration needs at least one axis (the categories)")
        self.batch_shape = tuple(self.concentration.shape[:-1])
        self.event_shape = tuple(self.concentration.shape[-1:])
        if self._validating(validate_args):
            with np.errstate(invalid="ignore"):
                positive = self.concentration._data > 0
            constraint = "IndependentConstraint(GreaterThan(lower_bound=0.0), 1)"
            self._check_parameter("concentration", self.concentration, positive, constraint)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """Refused (no reparameterised sample here)."""
        raise _no_rsample("Dirichlet")

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape + event_shape`` (no gradient)."""
        shape = (*_shape(sample_shape), *self.batch_shape, *self.event_shape)
        g = default_generator.standard_gamma(np.broadcast_to(self.concentration._data, shape))
        return Tensor((g / g.sum(-1, keepdims=True)).astype(self.concentration.dtype))

    def log_prob(self, value: Any) -> Tensor:
        """sum (a - 1) log(value) + lgamma(sum a) - sum lgamma(a), recorded."""
        from mytorch import lgamma, xlogy

        a = self.concentration
        x = self._checked_value(value, "Simplex()", a.dtype)
        return xlogy(a - 1.0, x).sum(-1) + lgamma(a.sum(-1)) - lgamma(a).sum(-1)

    def entropy(self) -> Tensor:
        """log B(a) + (a0 - k) digamma(a0) - sum (a - 1) digamma(a), recorded."""
        from mytorch import digamma, lgamma

        a = self.concentration
        k, total = a.shape[-1], a.sum(-1)
        return lgamma(a).sum(-1) - lgamma(total) - (k - total) * digamma(total) - ((a - 1.0) * digamma(a)).sum(-1)

    @property
    def mean(self) -> Tensor:
        """a / sum a."""
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def variance(self) -> Tensor:
        """a (a0 - a) / (a0^2 (a0 + 1))."""
        a = self.concentration
        total = a.sum(-1, keepdim=True)
        return a * (total - a) / (total.pow(2) * (total + 1))


class Beta(Distribution):
    """Beta(``concentration1``, ``concentration0``) on (0, 1): a two-category Dirichlet (as
    PyTorch's); ``sample`` only: no ``rsample`` (see its error)."""

    def __init__(self, concentration1: Any, concentration0: Any, validate_args: Any = None) -> None:
        from mytorch.tensor_shape import stack

        self.concentration1, self.concentration0 = _parameters(concentration1, concentration0)
        self.batch_shape = tuple(np.broadcast_shapes(self.concentration1.shape, self.concentration0.shape))
        if self._validating(validate_args):
            self._check_positive(concentration1=self.concentration1, concentration0=self.concentration0)
        both = [c.expand(*self.batch_shape) for c in (self.concentration1, self.concentration0)]
        self._dirichlet = Dirichlet(stack(both, -1), validate_args=False)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """Refused (no reparameterised sample here)."""
        raise _no_rsample("Beta")

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape`` (no gradient)."""
        return self._dirichlet.sample(sample_shape)[..., 0]

    def log_prob(self, value: Any) -> Tensor:
        """The Dirichlet's log density of (value, 1 - value), recorded."""
        from mytorch.tensor_shape import stack

        x = self._checked_value(value, "Interval(lower_bound=0.0, upper_bound=1.0)")
        return self._dirichlet.log_prob(stack([x, 1.0 - x], -1))

    def entropy(self) -> Tensor:
        """The entropy, recorded."""
        return self._dirichlet.entropy()

    @property
    def mean(self) -> Tensor:
        """c1 / (c1 + c0)."""
        return (self.concentration1 / (self.concentration1 + self.concentration0)).expand(*self.batch_shape)

    @property
    def variance(self) -> Tensor:
        """c1 c0 / ((c1 + c0)^2 (c1 + c0 + 1))."""
        total = self.concentration1 + self.concentration0
        return (self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))).expand(*self.batch_shape)


class OneHotCategorical(_OnOff):
    """A ``Categorical`` whose samples are one-hot vectors (event_shape (k,)): ``log_prob`` of a
    one-hot value is the log probability of its class."""

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: Any = None) -> None:
        self._categorical = Categorical(probs, logits, validate_args)
        self._validating(validate_args)
        self.probs, self.logits = self._categorical.probs, self._categorical.logits
        self.batch_shape = self._categorical.batch_shape
        self.event_shape = tuple(self.probs.shape[-1:])

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """One-hot samples of shape ``sample_shape + batch_shape + event_shape`` (no gradient)."""
        picks = self._categorical.sample(sample_shape)._data
        return Tensor((picks[..., None] == np.arange(self.event_shape[0])).astype(self.probs.dtype))

    def log_prob(self, value: Any) -> Tensor:
        """The log probability of the class each one-hot ``value`` marks (its largest entry), recorded."""
        given = _tensor(value, self.probs.dtype)
        a = given._data
        one_hot = ((a == 0) | (a == 1)).all(-1) & (a.sum(-1) == 1)
        self._check_value(given, one_hot, "OneHot()")
        return self._categorical.log_prob(a.argmax(-1))

    def entropy(self) -> Tensor:
        """The Categorical's entropy, recorded."""
        return self._categorical.entropy()


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


def _kl_multivariate_normal(p: MultivariateNormal, q: MultivariateNormal) -> Tensor:
    """KL(p || q) of two Gaussians: (|Lq^-1 Lp|_F^2 + |Lq^-1 (loc_q - loc_p)|^2 - k) / 2 +
    log det Lq - log det Lp."""
    from mytorch.linalg import solve_triangular

    k = p.event_shape[0]
    if q.event_shape != p.event_shape:
        raise ValueError(f"kl_divergence: MultivariateNormals of sizes {k} and {q.event_shape[0]}")
    batch = tuple(np.broadcast_shapes(p.batch_shape, q.batch_shape))
    lq = q._unbroadcast_scale_tril.expand(*batch, k, k)
    lp = p._unbroadcast_scale_tril.expand(*batch, k, k)
    spread = (solve_triangular(lq, lp, upper=False) ** 2).sum((-2, -1))
    shift = solve_triangular(lq, (q.loc - p.loc).expand(*batch, k).unsqueeze(-1), upper=False)
    distance = (shift**2).sum((-2, -1))
    return q._half_log_det() - p._half_log_det() + 0.5 * (spread + distance - k)


class _Transform:
    """An elementwise bijection of ``torch.distributions.transforms``: ``t(x)``, ``t.inv(y)`` and
    ``t.log_abs_det_jacobian(x, y)``, recorded. With ``cache_size=1`` the inverse of the last
    output is the input that made it (exact, as PyTorch's: atanh of a tanh near +-1 is not)."""

    def __init__(self, cache_size: int = 0) -> None:
        if cache_size not in (0, 1):
            raise ValueError(f"{type(self).__name__}: cache_size must be 0 or 1, got {cache_size!r}")
        self._cache_size = cache_size
        self._cached: tuple[Any, Any] | None = None

    def _forward(self, x: Tensor) -> Tensor:
        raise NotImplementedError

    def _inverse(self, y: Tensor) -> Tensor:
        raise NotImplementedError

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """log |dy/dx| elementwise, recorded."""
        raise NotImplementedError

    def __call__(self, x: Any) -> Tensor:
        y = self._forward(_tensor(x))
        if self._cache_size:
            self._cached = (x, y)
        return y

    @property
    def inv(self) -> Any:
        """The inverse map (``t.inv(y)``)."""

        def inverse(y: Any) -> Tensor:
            if self._cached is not None and self._cached[1] is y:
                return self._cached[0]
            return self._inverse(_tensor(y))

        return inverse

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class ExpTransform(_Transform):
    """y = exp(x)."""

    def _forward(self, x: Tensor) -> Tensor:
        return x.exp()

    def _inverse(self, y: Tensor) -> Tensor:
        return log(y)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """x."""
        return x


class TanhTransform(_Transform):
    """y = tanh(x) (a squashed Gaussian policy's action)."""

    def _forward(self, x: Tensor) -> Tensor:
        return x.tanh()

    def _inverse(self, y: Tensor) -> Tensor:
        return y.atanh()

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """2 (log 2 - x - softplus(-2x)), PyTorch's stable form of log(1 - tanh(x)^2)."""
        return 2.0 * (math.log(2.0) - x - TF.softplus(-2.0 * x))


class SigmoidTransform(_Transform):
    """y = sigmoid(x)."""

    def _forward(self, x: Tensor) -> Tensor:
        return x.sigmoid()

    def _inverse(self, y: Tensor) -> Tensor:
        return log(y) - (-y).log1p()

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """-softplus(-x) - softplus(x)."""
        return -TF.softplus(-x) - TF.softplus(x)


class AffineTransform(_Transform):
    """y = loc + scale x (elementwise: ``event_dim`` 0 only)."""

    def __init__(self, loc: Any, scale: Any, event_dim: int = 0, cache_size: int = 0) -> None:
        super().__init__(cache_size)
        if event_dim != 0:
            raise NotImplementedError("AffineTransform: MyTorch has the elementwise one only (event_dim=0)")
        self.loc, self.scale = loc, scale

    def _forward(self, x: Tensor) -> Tensor:
        return self.loc + self.scale * x

    def _inverse(self, y: Tensor) -> Tensor:
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """log |scale|, in x's shape."""
        scale = _tensor(self.scale, x.dtype)
        return log(scale.abs()).expand(*np.broadcast_shapes(tuple(scale.shape), tuple(x.shape)))


class TransformedDistribution(Distribution):
    """``base_distribution`` pushed through ``transforms`` (one, or a list applied in order; the
    elementwise ones of ``distributions.transforms``): ``rsample`` / ``sample`` transform the base's
    draws, ``log_prob(y)`` inverts them and subtracts each log |det J|, summed over the event axes
    (a squashed Gaussian: ``TransformedDistribution(Independent(Normal(mu, std), 1), [TanhTransform()])``)."""

    def __init__(self, base_distribution: Distribution, transforms: Any, validate_args: Any = None) -> None:
        self.base_dist = base_distribution
        self.transforms = list(transforms) if isinstance(transforms, (list, tuple)) else [transforms]
        if not all(isinstance(t, _Transform) for t in self.transforms):
            raise TypeError("TransformedDistribution: transforms must be distributions.transforms Transforms")
        self.batch_shape, self.event_shape = base_distribution.batch_shape, base_distribution.event_shape

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

    def __repr__(self) -> str:
        return f"TransformedDistribution({self.base_dist!r}, {self.transforms!r})"


transforms = types.ModuleType("mytorch.distributions.transforms", "Elementwise bijections for TransformedDistribution.")
for _kind in (ExpTransform, TanhTransform, SigmoidTransform, AffineTransform):
    setattr(transforms, _kind.__name__, _kind)
transforms.Transform = _Transform  # type: ignore[attr-defined]
sys.modules[transforms.__name__] = transforms  # (``from mytorch.distributions.transforms import TanhTransform``)


def _kl_more(p: Any, q: Any) -> Tensor:
    """KL(p || q) of two Laplace, Exponential, Gamma, Beta, Dirichlet, LogNormal or OneHotCategorical
    distributions of one kind, by PyTorch's closed forms."""
    from mytorch import digamma, lgamma

    if isinstance(p, Laplace):
        ratio, gap = p.scale / q.scale, (p.loc - q.loc).abs()
        return -log(ratio) + gap / q.scale + ratio * (-gap / p.scale).exp() - 1
    if isinstance(p, Exponential):
        ratio = q.rate / p.rate
        return -log(ratio) + ratio - 1
    if isinstance(p, Gamma):
        a, b = p.concentration, q.concentration
        return (
            b * log(p.rate / q.rate) + lgamma(b) - lgamma(a) + (a - b) * digamma(a) + (q.rate - p.rate) * (a / p.rate)
        )
    if isinstance(p, Beta):
        total_p, total_q = p.concentration1 + p.concentration0, q.concentration1 + q.concentration0
        t1 = lgamma(q.concentration1) + lgamma(q.concentration0) + lgamma(total_p)
        t2 = lgamma(p.concentration1) + lgamma(p.concentration0) + lgamma(total_q)
        t3 = (p.concentration1 - q.concentration1) * digamma(p.concentration1)
        t4 = (p.concentration0 - q.concentration0) * digamma(p.concentration0)
        return t1 - t2 + t3 + t4 + (total_q - total_p) * digamma(total_p)
    if isinstance(p, Dirichlet):
        a, b = p.concentration, q.concentration
        total_p, total_q = a.sum(-1), b.sum(-1)
        spread = (a - b) * (digamma(a) - digamma(total_p).unsqueeze(-1))
        return lgamma(total_p) - lgamma(total_q) - (lgamma(a) - lgamma(b)).sum(-1) + spread.sum(-1)
    if isinstance(p, LogNormal):
        return kl_divergence(p.base_dist, q.base_dist)
    return kl_divergence(p._categorical, q._categorical)


def kl_divergence(p: Distribution, q: Distribution) -> Tensor:
    """KL(p || q) for two distributions of one kind (all but Uniform), or two ``Independent`` of
    such bases with the same number of event axes (recorded)."""
    if isinstance(p, Independent) and isinstance(q, Independent):
        if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
            raise NotImplementedError("kl_divergence: two Independent with different reinterpreted_batch_ndims")
        return p._summed(kl_divergence(p.base_dist, q.base_dist))
    if isinstance(p, MultivariateNormal) and isinstance(q, MultivariateNormal):
        return _kl_multivariate_normal(p, q)
    for kind in (Laplace, Exponential, Gamma, Beta, Dirichlet, LogNormal, OneHotCategorical):
        if isinstance(p, kind) and isinstance(q, kind):
            return _kl_more(p, q)
    if isinstance(p, Normal) and isinstance(q, Normal):
        ratio = (p.scale / q.scale) ** 2
        return 0.5 * (ratio + ((p.loc - q.loc) / q.scale) ** 2 - 1 - log(ratio))
    if isinstance(p, Categorical) and isinstance(q, Categorical):
        return (p.probs * (p.logits - q.logits)).sum(-1)
    if isinstance(p, Bernoulli) and isinstance(q, Bernoulli):
        return p.probs * (log(p.probs) - log(q.probs)) + (1 - p.probs) * (log(1 - p.probs) - log(1 - q.probs))
    raise NotImplementedError(
        "kl_divergence: MyTorch has it for two of a kind (Normal, MultivariateNormal, Categorical, Bernoulli, "
        f"Laplace, Exponential, Gamma, Beta, Dirichlet, LogNormal, OneHotCategorical), not {type(p).__name__} "
        f"and {type(q).__name__}"
    )

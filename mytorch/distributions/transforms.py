"""Elementwise bijections for ``TransformedDistribution``: ``ExpTransform``, ``TanhTransform``,
``SigmoidTransform``, ``PowerTransform``, ``SoftplusTransform``, ``AffineTransform`` (and the
``AbsTransform`` fold) and ``ComposeTransform`` of them (``identity_transform``
is the composition of none); and two maps of vectors onto the simplex for ``biject_to`` /
``transform_to``, ``StickBreakingTransform`` and ``SoftmaxTransform``, and two of matrices for
``transform_to``, ``LowerCholeskyTransform`` and ``PositiveDefiniteTransform``; each with PyTorch's
domain and codomain, so ``TransformedDistribution`` reads the event axes a map of vectors or
matrices needs (``mytorch.distributions.transforms``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mytorch.distributions import constraints
from mytorch.distributions.base import _tensor
from mytorch.nn import functional_tensor as TF
from mytorch.tensor import Tensor, log


class Transform:
    """An elementwise bijection of ``torch.distributions.transforms``: ``t(x)``, ``t.inv(y)`` and
    ``t.log_abs_det_jacobian(x, y)``, recorded. With ``cache_size=1`` the inverse of the last
    output is the input that made it (exact, as PyTorch's: atanh of a tanh near +-1 is not)."""

    domain: Any = constraints.real
    codomain: Any = constraints.real
    """The ``constraints`` sets of the inputs and of the outputs."""
    event_dim = 0
    """How many last axes one value of the map spans (0: elementwise)."""

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

    @property
    def sign(self) -> Any:
        """1 for an increasing map of numbers, -1 for a decreasing one (a Tensor of them where it
        depends on a parameter); ``TransformedDistribution.cdf`` / ``icdf`` use it."""
        raise NotImplementedError(f"{type(self).__name__} is not a monotone map of numbers: it has no sign")

    def forward_shape(self, shape: Any) -> tuple[int, ...]:
        """The shape of ``t(x)`` for an ``x`` of ``shape`` (the same, unless the map changes it)."""
        return tuple(shape)

    def inverse_shape(self, shape: Any) -> tuple[int, ...]:
        """The shape of ``t.inv(y)`` for a ``y`` of ``shape``."""
        return tuple(shape)

    def __call__(self, x: Any) -> Tensor:
        """``t(x)``, recorded (kept with ``x`` when ``cache_size=1``)."""
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


class ExpTransform(Transform):
    """y = exp(x)."""

    codomain = constraints.positive
    sign = 1

    def _forward(self, x: Tensor) -> Tensor:
        return x.exp()

    def _inverse(self, y: Tensor) -> Tensor:
        return log(y)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """x."""
        return x


class TanhTransform(Transform):
    """y = tanh(x) (a squashed Gaussian policy's action)."""

    codomain = constraints.interval(-1.0, 1.0)
    sign = 1

    def _forward(self, x: Tensor) -> Tensor:
        return x.tanh()

    def _inverse(self, y: Tensor) -> Tensor:
        return y.atanh()

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """2 (log 2 - x - softplus(-2x)), PyTorch's stable form of log(1 - tanh(x)^2)."""
        return 2.0 * (math.log(2.0) - x - TF.softplus(-2.0 * x))


def _clipped(y: Tensor) -> Tensor:
    """``y`` within [tiny, 1 - eps] of its dtype (its gradient 0 outside)."""
    info = np.finfo(y.dtype)
    return y.clamp(float(info.tiny), float(1.0 - info.eps))


class SigmoidTransform(Transform):
    """y = sigmoid(x), kept within [tiny, 1 - eps] of the dtype both ways, as PyTorch's (so y = 1 or
    a value just past it maps to a finite x, 36.7 in float64, and a far x does not reach 1)."""

    codomain = constraints.unit_interval
    sign = 1

    def _forward(self, x: Tensor) -> Tensor:
        return _clipped(x.sigmoid())

    def _inverse(self, y: Tensor) -> Tensor:
        y = _clipped(y)
        return log(y) - (-y).log1p()

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """-softplus(-x) - softplus(x)."""
        return -TF.softplus(-x) - TF.softplus(x)


class PowerTransform(Transform):
    """y = x^exponent on the positive half-line (``InverseGamma``'s exponent -1)."""

    domain = constraints.positive
    codomain = constraints.positive

    def __init__(self, exponent: Any, cache_size: int = 0) -> None:
        super().__init__(cache_size)
        self.exponent = exponent

    @property
    def sign(self) -> Any:
        """The exponent's sign."""
        return _tensor(self.exponent).sign() if isinstance(self.exponent, Tensor) else float(np.sign(self.exponent))

    def _forward(self, x: Tensor) -> Tensor:
        return x ** _tensor(self.exponent, x.dtype)

    def _inverse(self, y: Tensor) -> Tensor:
        return y ** (1 / _tensor(self.exponent, y.dtype))

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """log |exponent y / x|."""
        return log((_tensor(self.exponent, x.dtype) * y / x).abs())


class SoftplusTransform(Transform):
    """y = log(1 + e^x), onto the positive half-line."""

    codomain = constraints.positive
    sign = 1

    def _forward(self, x: Tensor) -> Tensor:
        return TF.softplus(x)

    def _inverse(self, y: Tensor) -> Tensor:
        return log(-((-y).expm1())) + y

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """-softplus(-x) (the log of sigmoid(x))."""
        return -TF.softplus(-x)


class AbsTransform(Transform):
    """y = |x|: not one to one; ``inv`` gives y itself (the positive pre-image) and there is no
    log |det J|, as PyTorch's."""

    codomain = constraints.positive

    def _forward(self, x: Tensor) -> Tensor:
        return x.abs()

    def _inverse(self, y: Tensor) -> Tensor:
        return y


class AffineTransform(Transform):
    """y = loc + scale x (elementwise: ``event_dim`` 0 only)."""

    def __init__(self, loc: Any, scale: Any, event_dim: int = 0, cache_size: int = 0) -> None:
        super().__init__(cache_size)
        if event_dim != 0:
            raise NotImplementedError("AffineTransform: MyTorch has the elementwise one only (event_dim=0)")
        self.loc, self.scale = loc, scale

    @property
    def sign(self) -> Any:
        """The scale's sign."""
        return self.scale.sign() if isinstance(self.scale, Tensor) else float(np.sign(self.scale))

    def _forward(self, x: Tensor) -> Tensor:
        return self.loc + self.scale * x

    def _inverse(self, y: Tensor) -> Tensor:
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """log |scale|, in x's shape."""
        scale = _tensor(self.scale, x.dtype)
        return log(scale.abs()).expand(*np.broadcast_shapes(tuple(scale.shape), tuple(x.shape)))


def _sum_rightmost(value: Tensor, axes: int) -> Tensor:
    """``value`` summed over its last ``axes`` axes (none for 0)."""
    return value.sum(tuple(range(-axes, 0))) if axes > 0 else value


class ComposeTransform(Transform):
    """``parts`` applied in order (the inverse in reverse); log |det J| the sum of theirs at the
    values each part sees, each summed over the axes its event lacks of the chain's. The chain's
    domain and codomain span as many axes as its widest part needs there (PyTorch's). No parts:
    the identity (``identity_transform``)."""

    def __init__(self, parts: Any, cache_size: int = 0) -> None:
        super().__init__(cache_size)
        self.parts = list(parts)
        if not all(isinstance(t, Transform) for t in self.parts):
            raise TypeError("ComposeTransform: parts must be distributions.transforms Transforms")
        if self.parts:
            event_dim = self.parts[-1].codomain.event_dim
            for part in reversed(self.parts):
                event_dim = max(event_dim + part.domain.event_dim - part.codomain.event_dim, part.domain.event_dim)
            self.domain = self._widened(self.parts[0].domain, event_dim)
            event_dim = self.parts[0].domain.event_dim
            for part in self.parts:
                event_dim = max(event_dim + part.codomain.event_dim - part.domain.event_dim, part.codomain.event_dim)
            self.codomain = self._widened(self.parts[-1].codomain, event_dim)
            self.event_dim = self.domain.event_dim

    @staticmethod
    def _widened(constraint: Any, event_dim: int) -> Any:
        extra = event_dim - constraint.event_dim
        return constraints.independent(constraint, extra) if extra > 0 else constraint

    @property
    def sign(self) -> Any:
        """The product of the parts' signs."""
        sign: Any = 1
        for part in self.parts:
            sign = sign * part.sign
        return sign

    def forward_shape(self, shape: Any) -> tuple[int, ...]:
        """The shape after every part."""
        for part in self.parts:
            shape = part.forward_shape(shape)
        return tuple(shape)

    def inverse_shape(self, shape: Any) -> tuple[int, ...]:
        """The shape before every part."""
        for part in reversed(self.parts):
            shape = part.inverse_shape(shape)
        return tuple(shape)

    def _forward(self, x: Tensor) -> Tensor:
        for part in self.parts:
            x = part(x)
        return x

    def _inverse(self, y: Tensor) -> Tensor:
        for part in reversed(self.parts):
            y = part.inv(y)
        return y

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """The parts' log |det J| summed, each at its own input and output, over the chain's batch
        (x's shape for elementwise parts)."""
        if not self.parts:
            return x * 0.0
        total: Any = 0.0
        event_dim = self.domain.event_dim
        for part in self.parts:
            out = part(x)
            total = total + _sum_rightmost(part.log_abs_det_jacobian(x, out), event_dim - part.domain.event_dim)
            event_dim += part.codomain.event_dim - part.domain.event_dim
            x = out
        return total

    def __repr__(self) -> str:
        return "ComposeTransform(\n    " + ",\n    ".join(repr(part) for part in self.parts) + "\n)"


identity_transform = ComposeTransform([])


class StickBreakingTransform(Transform):
    """R^(K-1) onto the K-simplex by breaking a stick: z_k = sigmoid(x_k - log(K - 1 - k)) of what is
    left, y_k = z_k prod_(j<k) (1 - z_j), the last y what remains (x = 0 gives the uniform point)."""

    domain = constraints.real_vector
    codomain = constraints.simplex
    event_dim = 1

    @staticmethod
    def _shifts(k: int) -> np.ndarray:
        return np.log(np.arange(k, 0, -1, dtype=np.float64))  # log(K - 1 - k) for k = 0 .. K - 2

    def _forward(self, x: Tensor) -> Tensor:
        from mytorch.tensor_shape import cat

        z = _clipped((x - Tensor(self._shifts(x.shape[-1]).astype(x.dtype))).sigmoid())  # (PyTorch's clip)
        left = (1 - z).cumprod(-1)
        ones = x.new_ones(*x.shape[:-1], 1)
        return cat([z, ones], -1) * cat([ones, left], -1)

    def _inverse(self, y: Tensor) -> Tensor:
        head = y[..., :-1]
        left = (1 - head.cumsum(-1)).clamp(float(np.finfo(y.dtype).tiny), None)
        return log(head) - log(left) + Tensor(self._shifts(head.shape[-1]).astype(y.dtype))

    def forward_shape(self, shape: Any) -> tuple[int, ...]:
        """One more entry on the last axis (K - 1 numbers make a point of the K-simplex)."""
        return (*tuple(shape)[:-1], tuple(shape)[-1] + 1)

    def inverse_shape(self, shape: Any) -> tuple[int, ...]:
        """One entry fewer on the last axis."""
        return (*tuple(shape)[:-1], tuple(shape)[-1] - 1)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """sum_k log y_k + log(1 - z_k), over the last axis (the map of the first K - 1 outputs)."""
        u = x - Tensor(self._shifts(x.shape[-1]).astype(x.dtype))
        return (log(y[..., :-1]) - TF.softplus(u)).sum(-1)


class SoftmaxTransform(Transform):
    """R^K onto the K-simplex by ``softmax`` over the last axis (not one to one: ``inv`` gives the
    logarithm, one of the pre-images; no log |det J|), PyTorch's ``transform_to(simplex)``."""

    domain = constraints.real_vector
    codomain = constraints.simplex
    event_dim = 1

    def _forward(self, x: Tensor) -> Tensor:
        return TF.softmax(x, dim=-1)

    def _inverse(self, y: Tensor) -> Tensor:
        return log(y)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """Refused: the map is not one to one."""
        raise NotImplementedError("SoftmaxTransform: not a bijection, so it has no log |det J| (as PyTorch's)")


class LowerCholeskyTransform(Transform):
    """Square matrices onto lower-triangular ones with a positive diagonal: the strict lower triangle
    kept, the diagonal exponentiated (PyTorch's ``transform_to(lower_cholesky)``; no log |det J|)."""

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.lower_cholesky
    event_dim = 2

    def _forward(self, x: Tensor) -> Tensor:
        return x.tril(-1) + x.diagonal(dim1=-2, dim2=-1).exp().diag_embed()

    def _inverse(self, y: Tensor) -> Tensor:
        return y.tril(-1) + log(y.diagonal(dim1=-2, dim2=-1)).diag_embed()

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """Refused, as PyTorch's."""
        raise NotImplementedError("LowerCholeskyTransform: no log |det J| (as PyTorch's)")


class PositiveDefiniteTransform(Transform):
    """Square matrices onto positive-definite ones: L L^T of ``LowerCholeskyTransform``'s L
    (PyTorch's ``transform_to(positive_definite)``; no log |det J|)."""

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.positive_definite
    event_dim = 2

    def _forward(self, x: Tensor) -> Tensor:
        lower = LowerCholeskyTransform()(x)
        return lower @ lower.mT

    def _inverse(self, y: Tensor) -> Tensor:
        from mytorch.linalg import cholesky

        return LowerCholeskyTransform().inv(cholesky(y))

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """Refused, as PyTorch's."""
        raise NotImplementedError("PositiveDefiniteTransform: no log |det J| (as PyTorch's)")


# Transforms that build on Transform above live in files of their own; they are PyTorch's
# distributions.transforms names too.
from mytorch.distributions.corr_cholesky_transform import CorrCholeskyTransform  # noqa: E402
from mytorch.distributions.shape_transforms import CatTransform, ReshapeTransform, StackTransform  # noqa: E402
from mytorch.distributions.transform_wrappers import CumulativeDistributionTransform, IndependentTransform  # noqa: E402

__all__ = [
    "AbsTransform",
    "AffineTransform",
    "CatTransform",
    "ComposeTransform",
    "CorrCholeskyTransform",
    "CumulativeDistributionTransform",
    "ExpTransform",
    "IndependentTransform",
    "LowerCholeskyTransform",
    "PositiveDefiniteTransform",
    "PowerTransform",
    "ReshapeTransform",
    "SigmoidTransform",
    "SoftmaxTransform",
    "SoftplusTransform",
    "StackTransform",
    "StickBreakingTransform",
    "TanhTransform",
    "Transform",
    "identity_transform",
]

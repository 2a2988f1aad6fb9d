"""``mytorch.linalg``: PyTorch's ``torch.linalg.norm``, ``vector_norm``, ``matrix_norm`` and ``svdvals``.

Vector norms and the Frobenius norm are the ``norm`` kernel. The matrix norms of orders 1, -1,
inf and -inf are sums of absolute values along one axis reduced by ``amax``/``amin`` along the
other (kernels ``abs``, ``sum``, ``max``/``min``), as PyTorch computes them. The orders 2, -2 and
``"nuc"`` are the largest, the smallest and the sum of the singular values (``svdvals``): the
gradient of singular value i is ``u_i v_i^T`` (so the 2-norm's is ``u_1 v_1^T``), first order only.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mytorch.function import Context, Function
from mytorch.tensor import Tensor, matmul
from mytorch.tensor_math import _floating_only, amax, amin
from mytorch.tensor_math import norm as _norm
from mytorch.tensor_math import sum as _sum
from mytorch.tensor_order import cross as _cross
from mytorch.tensor_shape import movedim, unsqueeze

__all__ = ["cross", "matmul", "matrix_norm", "norm", "svdvals", "vector_norm"]

_NUMERIC_ORDERS = (2, -2, 1, -1, math.inf, -math.inf)


def cross(input: Any, other: Any, *, dim: int = -1) -> Tensor:  # noqa: A002
    """The cross product of 3-vectors along ``dim`` (the last axis by default)."""
    return _cross(input, other, dim)


def vector_norm(x: Any, ord: Any = 2, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """The ``ord``-norm of the elements (over ``dim``, all of them by default): ``ord`` 2, 1, inf
    or any number > 0."""
    return _norm(x, ord, dim, keepdim)


class LinalgSvd(Function):
    """The singular values of each matrix (the last two axes), in descending order."""

    @staticmethod
    def forward(ctx: Context, *inputs: np.ndarray, **params: Any) -> np.ndarray:
        (x,) = inputs
        u, s, vt = np.linalg.svd(x, full_matrices=False)
        ctx.save_for_backward(x, u, vt)
        return s

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        x, u, vt = ctx.saved_arrays
        if not isinstance(x, np.ndarray):  # a recorded backward: u and vt would be constants
            raise RuntimeError(
                "linalg.svdvals (matrix_norm of ord 2, -2 or 'nuc'): the gradient of singular values is "
                "first-order only in MyTorch; create_graph=True through it is not supported"
            )
        return (u * grad_output[..., None, :]) @ vt

    @staticmethod
    def jvp(ctx: Context, *tangents: np.ndarray) -> np.ndarray:
        _, u, vt = ctx.saved_arrays
        return np.einsum("...ik,...ij,...kj->...k", u, tangents[0], vt)


def svdvals(x: Any) -> Tensor:
    """The singular values of a matrix (or of each in a batch: the last two axes), descending;
    the gradient of the i-th is ``u_i v_i^T`` (first order only: a ``create_graph`` backward
    through it raises ``RuntimeError``)."""
    t = _floating_only(x if isinstance(x, Tensor) else Tensor(x), "linalg.svdvals")
    if t.ndim < 2:
        raise ValueError(f"linalg.svdvals: needs a matrix (at least 2 axes), got shape {t.shape}")
    return LinalgSvd.apply(t)


def _matrix_dims(what: str, dim: Any, ndim: int) -> tuple[int, int]:
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise ValueError(f"{what}: dim must be a pair of axes, got {dim!r}")
    if ndim < 2:
        raise ValueError(f"{what}: needs a matrix (at least 2 axes), got {ndim}")
    d0, d1 = (int(d) + ndim if int(d) < 0 else int(d) for d in dim)
    if not (0 <= d0 < ndim and 0 <= d1 < ndim) or d0 == d1:
        raise ValueError(f"{what}: dim {tuple(dim)} must name two different axes of a {ndim}-d tensor")
    return d0, d1


def matrix_norm(x: Any, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False) -> Tensor:  # noqa: A002
    """The matrix norm of each matrix in the axes ``dim``: ``"fro"`` (the default), ``"nuc"`` (the
    sum of the singular values), 2 / -2 (the largest / smallest singular value), 1 / -1 (the largest
    / smallest sum of absolute values of a column), inf / -inf (... of a row).

    Raises:
        ValueError: another ``ord``, or ``dim`` not two different axes.
    """
    t = _floating_only(x if isinstance(x, Tensor) else Tensor(x), "linalg.matrix_norm")
    if not (ord in ("fro", "nuc") if isinstance(ord, str) else ord in _NUMERIC_ORDERS):
        raise ValueError(f"linalg.matrix_norm: ord must be one of 'fro', 'nuc', 2, -2, 1, -1, inf, -inf; got {ord!r}")
    d0, d1 = _matrix_dims("linalg.matrix_norm", dim, t.ndim)
    if ord == "fro":
        return _norm(t, 2.0, (d0, d1), keepdim)
    if ord == "nuc" or abs(ord) == 2:
        s = svdvals(movedim(t, (d0, d1), (-2, -1)))
        out = _sum(s, -1) if ord == "nuc" else amax(s, -1) if ord == 2 else amin(s, -1)
        if keepdim:
            for d in sorted((d0, d1)):
                out = unsqueeze(out, d)
        return out
    summed, reduced = (d0, d1) if abs(ord) == 1 else (d1, d0)  # 1: column sums; inf: row sums
    sums = _sum(t.abs(), summed, keepdim)
    if not keepdim and reduced > summed:
        reduced -= 1
    return amax(sums, reduced, keepdim) if ord > 0 else amin(sums, reduced, keepdim)


def norm(x: Any, ord: Any = None, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """``torch.linalg.norm``: without ``ord``, the 2-norm of all elements (over ``dim``), which is
    the Frobenius norm of a matrix; with ``ord``, a matrix norm (``matrix_norm``) when ``dim`` is a
    pair of axes or, without ``dim``, the tensor is a matrix, else the vector norm.

    Raises:
        ValueError: ``ord`` given without ``dim`` for a tensor of other than 1 or 2 axes, as in
            PyTorch; a string ``ord`` for a vector norm.
    """
    t = x if isinstance(x, Tensor) else Tensor(x)
    if isinstance(dim, int):
        dim = (dim,)
    matrix = (dim is not None and len(dim) == 2) or (dim is None and ord is not None and t.ndim == 2)
    if ord is not None and dim is None and t.ndim not in (1, 2):
        raise ValueError(f"linalg.norm: with ord and no dim the input must have 1 or 2 axes, got {t.ndim}")
    if matrix:
        return matrix_norm(t, "fro" if ord is None else ord, (-2, -1) if dim is None else dim, keepdim)
    if isinstance(ord, str):
        raise ValueError(f"linalg.norm: ord={ord!r} is a matrix norm; give dim as a pair of axes (or a matrix)")
    return _norm(t, 2.0 if ord is None else ord, dim, keepdim)

"""``mytorch.linalg``: PyTorch's ``torch.linalg.norm``, ``vector_norm``, ``matrix_norm``, ``svdvals``,
``det``, ``slogdet``, ``inv``, ``solve``, ``solve_triangular`` and ``cholesky``; ``eigh``, ``eigvalsh``,
``svd``, ``qr``, ``pinv``, ``lstsq`` and ``matrix_rank`` come from ``mytorch/linalg_decompositions.py``,
``lu``, ``lu_factor``, ``lu_factor_ex``, ``lu_solve``, ``solve_ex`` and ``inv_ex`` from ``mytorch/linalg_lu.py``.

Vector norms and the Frobenius norm are the ``norm`` kernel. The matrix norms of orders 1, -1,
inf and -inf are sums of absolute values along one axis reduced by ``amax``/``amin`` along the
other (kernels ``abs``, ``sum``, ``max``/``min``), as PyTorch computes them. The orders 2, -2 and
``"nuc"`` are the largest, the smallest and the sum of the singular values (``svdvals``): the
gradient of singular value i is ``u_i v_i^T`` (so the 2-norm's is ``u_1 v_1^T``), differentiable again
for singular values above 0 (recorded from ``eigh`` of x^T x).

``det``, ``slogdet``, ``inv``, ``solve`` and ``cholesky`` are ``Function``s on NumPy's
``np.linalg``; their backward rules are written with operations that run on arrays and on Tensors
alike (``inv`` and ``solve`` calling these functions again on Tensors), so a ``create_graph``
backward differentiates them again: ``inv``'s gradient is ``-A^-T G A^-T``, ``det``'s
``G det A^-T``, ``slogdet``'s ``G A^-T``, ``solve``'s ``B: solve(A^T, G)`` and ``A: -gB X^T``,
``cholesky``'s ``L^-T Phi(L^T G) L^-1`` made symmetric (Phi: the lower triangle, its diagonal halved).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple, cast

import numpy as np

from mytorch.autograd_engine import is_grad_enabled
from mytorch.function import Context, Function
from mytorch.linalg_decompositions import (
    eig,
    eigh,
    eigvals,
    eigvalsh,
    finite_only,
    lstsq,
    matrix_rank,
    pinv,
    qr,
    svd,
)
from mytorch.linalg_lu import inv_ex, lu, lu_factor, lu_factor_ex, lu_solve, solve_ex
from mytorch.tensor import Tensor, matmul
from mytorch.tensor_math import _floating_only, amax, amin, where
from mytorch.tensor_math import norm as _norm
from mytorch.tensor_math import sum as _sum
from mytorch.tensor_order import cross as _cross
from mytorch.tensor_shape import movedim, squeeze, transpose, unsqueeze

__all__ = [
    "LinAlgError",
    "cholesky",
    "cholesky_ex",
    "cond",
    "cross",
    "det",
    "diagonal",
    "eig",
    "eigh",
    "eigvals",
    "eigvalsh",
    "inv",
    "inv_ex",
    "lstsq",
    "lu",
    "lu_factor",
    "lu_factor_ex",
    "lu_solve",
    "matmul",
    "matrix_exp",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "multi_dot",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "solve_ex",
    "solve_triangular",
    "svd",
    "svdvals",
    "vecdot",
    "vector_norm",
]

_NUMERIC_ORDERS = (2, -2, 1, -1, math.inf, -math.inf)


def cross(input: Any, other: Any, *, dim: int = -1) -> Tensor:  # noqa: A002
    """The cross product of 3-vectors along ``dim`` (the last axis by default)."""
    return _cross(input, other, dim)


def vector_norm(x: Any, ord: Any = 2, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """The ``ord``-norm of the elements (over ``dim``, all of them by default): ``ord`` 2, 1, inf,
    any number (below 0: ``(sum |x|^ord)^(1/ord)``, -inf the smallest |x|)."""
    return _norm(x, ord, dim, keepdim)


class LinalgSvd(Function):
    """The singular values of each matrix (the last two axes), in descending order."""

    @staticmethod
    def forward(ctx: Context, *inputs: np.ndarray, **params: Any) -> np.ndarray:
        (x,) = inputs
        u, s, vt = finite_only(x, lambda a: np.linalg.svd(a, full_matrices=False))
        ctx.save_for_backward(x, u, vt)
        return s

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        x, u, vt = ctx.saved_arrays
        if not isinstance(x, np.ndarray):  # a recorded backward: u and vt would be constants
            return _recorded_singular_gradient(x, grad_output)
        return (u * grad_output[..., None, :]) @ vt

    @staticmethod
    def jvp(ctx: Context, *tangents: np.ndarray) -> np.ndarray:
        _, u, vt = ctx.saved_arrays
        return np.einsum("...ik,...ij,...kj->...k", u, tangents[0], vt)


def _recorded_singular_gradient(x: Tensor, g: Any) -> Any:
    """``U diag(g) V^T`` as a recorded function of x (a ``create_graph`` backward), from ``eigh`` of
    x^T x (or x x^T for a wide x), whose derivatives have every order: with x^T x = V diag(s²) V^T,
    U = x V diag(1/s), so the gradient is ``x V diag(g / s) V^T``. Singular values of 0 (a
    rank-deficient x) are refused: 1/s has no limit there."""
    values = np.linalg.svd(x._data, compute_uv=False)
    if not (values[..., -1:] > values[..., :1] * np.finfo(values.dtype).eps * max(x.shape[-2:])).all():
        raise RuntimeError(
            "linalg.svdvals (matrix_norm of ord 2, -2 or 'nuc'): a create_graph backward needs singular values "
            f"above 0; the input of shape {tuple(x.shape)} is rank-deficient (a first-order backward takes it)"
        )
    tall = x.shape[-2] >= x.shape[-1]
    w, basis = eigh(_mT(x) @ x if tall else x @ _mT(x))
    w, basis = w.flip(-1), basis.flip(-1)  # (descending, as the singular values)
    weighted = basis * unsqueeze(g / w**0.5, -2)
    return x @ weighted @ _mT(basis) if tall else weighted @ _mT(basis) @ x


def svdvals(x: Any) -> Tensor:
    """The singular values of a matrix (or of each in a batch: the last two axes), descending;
    the gradient of the i-th is ``u_i v_i^T``, differentiable again for singular values above 0
    (``eigh`` of x^T x, recorded; a rank-deficient input's ``create_graph`` backward raises)."""
    t = _no_complex_gradient(
        "linalg.svdvals", _floating_only(x if isinstance(x, Tensor) else Tensor(x), "linalg.svdvals")
    )
    if t.ndim < 2:
        raise ValueError(f"linalg.svdvals: needs a matrix (at least 2 axes), got shape {tuple(t.shape)}")
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


def cond(A: Any, p: Any = None) -> Tensor:  # noqa: N803 - PyTorch's name
    """The condition number of each matrix, as PyTorch's ``torch.linalg.cond``: for ``p`` None, 2
    or -2 the ratio of the largest to the smallest singular value (its inverse for -2; any shape),
    else ``matrix_norm(A, p) * matrix_norm(inv(A), p)`` (square, invertible matrices), recorded.

    Raises:
        ValueError: another ``p``; ``LinAlgError`` for a singular matrix with a ``p`` that inverts it.
    """
    t = _floating_only(A if isinstance(A, Tensor) else Tensor(A), "linalg.cond")
    if p is None or p in (2, -2):
        s = svdvals(t)
        largest, smallest = amax(s, -1), amin(s, -1)
        return smallest / largest if p == -2 else largest / smallest
    if not (p in ("fro", "nuc") if isinstance(p, str) else p in _NUMERIC_ORDERS):
        raise ValueError(f"linalg.cond: p must be one of None, 'fro', 'nuc', 2, -2, 1, -1, inf, -inf; got {p!r}")
    return matrix_norm(t, p) * matrix_norm(inv(t), p)


def matrix_power(A: Any, n: int) -> Tensor:  # noqa: N803 - PyTorch's name
    """``torch.matrix_power`` under ``linalg``'s name: A multiplied by itself ``n`` times (the
    identity for 0, powers of ``inv(A)`` for n < 0), recorded."""
    from mytorch.tensor_composed import matrix_power as power

    return power(A, n)


def diagonal(A: Any, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:  # noqa: N803
    """The diagonals of the matrices in the last two axes (``torch.diagonal`` with ``linalg``'s defaults)."""
    from mytorch.tensor_matrix import diagonal as along

    return along(A, offset, dim1, dim2)


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


# --------------------------------------------------------------------------- det, inv, solve, cholesky
class LinAlgError(RuntimeError):
    """A matrix the operation cannot take: singular (``inv``, ``solve``) or not positive-definite
    (``cholesky``). A ``RuntimeError``, as PyTorch's ``torch.linalg.LinAlgError``."""


def _square(op: str, x: Any) -> Tensor:
    t = _no_complex_gradient(op, _floating_only(x if isinstance(x, Tensor) else Tensor(x), op))
    if t.ndim < 2 or t.shape[-1] != t.shape[-2]:
        raise ValueError(f"{op}: needs square matrices (the last two axes), got shape {tuple(t.shape)}")
    return t


def _no_complex_gradient(op: str, t: Tensor) -> Tensor:
    """``t``, unless it is complex and needs a gradient: the backward rules here are written for real
    matrices (transposes, not conjugate transposes), and gave other numbers than PyTorch's."""
    if t.requires_grad and t.dtype.kind == "c" and is_grad_enabled():
        raise TypeError(
            f"{op}: gradients through complex matrices are not implemented in MyTorch (got {t.dtype} that "
            "requires grad); compute it on a detached tensor, or on the real and imaginary parts"
        )
    return t


def _mT(a: Any) -> Any:
    """The last two axes swapped, of an array or a Tensor (recorded)."""
    return transpose(a, -2, -1) if isinstance(a, Tensor) else np.swapaxes(a, -2, -1)


def _inv_any(a: Any) -> Any:
    return inv(a) if isinstance(a, Tensor) else np.linalg.inv(a)


def _saving(ctx: Context, out: np.ndarray) -> np.ndarray:
    """``out``, saved for the backward (which reads only the output)."""
    ctx.save_for_backward(out)
    return out


_SINGULAR = "a singular matrix (it has no inverse)"


def _checked(op: str, problem: str, fn: Any, *arrays: np.ndarray) -> np.ndarray:
    """``fn(*arrays)``, NumPy's ``LinAlgError`` raised as MyTorch's, naming the op and the shape."""
    try:
        return np.asarray(fn(*arrays))
    except np.linalg.LinAlgError:
        raise LinAlgError(f"{op}: {problem} in the input of shape {tuple(arrays[0].shape)}") from None


class LinalgInv(Function):
    """The inverse of each matrix."""

    @staticmethod
    def forward(ctx: Context, *inputs: np.ndarray, **params: Any) -> np.ndarray:
        return _saving(ctx, _checked(params["op"], _SINGULAR, np.linalg.inv, inputs[0]))

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        (y,) = ctx.saved_arrays
        yt = _mT(y)
        return -(yt @ grad_output @ yt)

    @staticmethod
    def jvp(ctx: Context, *tangents: np.ndarray) -> np.ndarray:
        (y,) = ctx.saved_arrays
        return -(y @ tangents[0] @ y)


def inv(A: Any) -> Tensor:  # noqa: N803
    """The inverse of a square matrix (or of each in a batch); the gradient ``-A^-T G A^-T``.

    Raises:
        ValueError: not square matrices.
        LinAlgError: a singular matrix (exactly: NumPy's LU finds a zero pivot).
    """
    return LinalgInv.apply(_square("linalg.inv", A), op="linalg.inv")


class LinalgDet(Function):
    """The determinant of each matrix."""

    @staticmethod
    def forward(ctx: Context, *inputs: np.ndarray, **params: Any) -> np.ndarray:
        out = np.asarray(np.linalg.det(inputs[0]))  # (an array: a NumPy scalar would be saved as a copy)
        ctx.save_for_backward(inputs[0], out)
        return out

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        a, d = ctx.saved_arrays
        if isinstance(a, np.ndarray):  # the adjugate through the SVD: right for singular matrices too
            return (grad_output[..., None, None]) * _adjugate_transposed(a)
        try:
            inverse = inv(a)
        except LinAlgError:
            raise LinAlgError(
                f"linalg.det: a create_graph backward needs invertible matrices; {_SINGULAR} in the input "
                f"of shape {tuple(a.shape)} (a first-order backward takes it)"
            ) from None
        return unsqueeze(unsqueeze(grad_output * d, -1), -1) * _mT(inverse)

    @staticmethod
    def jvp(ctx: Context, *tangents: np.ndarray) -> np.ndarray:
        a, _ = ctx.saved_arrays
        return np.einsum("...ij,...ij->...", _adjugate_transposed(a), tangents[0])


def _adjugate_transposed(a: np.ndarray) -> np.ndarray:
    """``det(A) A^-T`` (the cofactor matrix), from A = U S V^T: ``det(U V^T) U diag(prod_{j != i} s_j) V^T``."""
    u, s, vt = finite_only(a, np.linalg.svd)
    n = s.shape[-1]
    ones = np.ones(s.shape[:-1] + (1,), s.dtype)
    before = np.cumprod(np.concatenate([ones, s[..., : n - 1]], -1), -1)
    after = np.cumprod(np.concatenate([ones, s[..., :0:-1]], -1), -1)[..., ::-1]
    sign = np.linalg.det(u) * np.linalg.det(vt)
    return (u * (before * after * sign[..., None])[..., None, :]) @ vt


def det(A: Any) -> Tensor:  # noqa: N803
    """The determinant of a square matrix (or of each in a batch); the gradient ``G det(A) A^-T``
    (the cofactors, also for a singular matrix; a ``create_graph`` backward needs A invertible).

    Raises:
        ValueError: not square matrices.
    """
    return LinalgDet.apply(_square("linalg.det", A))


class LinalgLogAbsDet(Function):
    """log |det| of each matrix."""

    @staticmethod
    def forward(ctx: Context, *inputs: np.ndarray, **params: Any) -> np.ndarray:
        ctx.save_for_backward(inputs[0], params["sign"])
        return np.array(params["logabs"], inputs[0].dtype)

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        a, sign = ctx.saved_arrays
        if isinstance(a, np.ndarray):
            if (sign == 0).any():
                raise LinAlgError(f"linalg.slogdet (backward): {_SINGULAR} in the input of shape {tuple(a.shape)}")
            return grad_output[..., None, None] * _mT(np.linalg.inv(a))
        return unsqueeze(unsqueeze(grad_output, -1), -1) * _mT(inv(a))

    @staticmethod
    def jvp(ctx: Context, *tangents: np.ndarray) -> np.ndarray:
        a, _ = ctx.saved_arrays
        return np.einsum("...ij,...ji->...", np.linalg.inv(a), tangents[0])


class SlogdetResult(NamedTuple):
    """``linalg.slogdet``'s ``(sign, logabsdet)``, by name as in PyTorch."""

    sign: Tensor
    logabsdet: Tensor


class CholeskyExResult(NamedTuple):
    """``linalg.cholesky_ex``'s ``(L, info)``, by name as in PyTorch."""

    L: Tensor  # noqa: N815 - PyTorch's name
    info: Tensor


def slogdet(A: Any) -> SlogdetResult:  # noqa: N803
    """``(sign, logabsdet)`` of a square matrix (or each in a batch): the sign of the determinant
    (-1, 0 or 1; a constant) and log |det| (-inf for a singular matrix), whose gradient is ``G A^-T``.

    Raises:
        ValueError: not square matrices.
        LinAlgError: in backward, a singular matrix.
    """
    t = _square("linalg.slogdet", A)
    sign, logabs = np.linalg.slogdet(t._data)
    return SlogdetResult(Tensor(np.array(sign, t.dtype)), LinalgLogAbsDet.apply(t, sign=sign, logabs=logabs))


def solve(A: Any, B: Any, *, left: bool = True) -> Tensor:  # noqa: N803
    """X with ``A X = B`` (``X A = B`` with ``left=False``), for a square A (or a batch; the batch
    axes broadcast). B is a vector (or a batch of them) when it has one axis or A's shape less one
    axis, as in PyTorch. The gradient: ``gB = solve(A^T, G)``, ``gA = -gB X^T``.

    Raises:
        ValueError: A not square, or B's rows not A's size.
        LinAlgError: A singular.
    """
    a = _square("linalg.solve", A)
    b = _no_complex_gradient("linalg.solve", _floating_only(B if isinstance(B, Tensor) else Tensor(B), "linalg.solve"))
    if not left:  # X A = B  <=>  A^T X^T = B^T
        return _mT(solve(_mT(a), _mT(b)))
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and tuple(b.shape) == tuple(a.shape[:-1]))
    if vector:
        b = unsqueeze(b, -1)
    if b.ndim < 2 or b.shape[-2] != a.shape[-1]:
        raise ValueError(
            f"linalg.solve: B of shape {tuple(B.shape if hasattr(B, 'shape') else b.shape)} "
            f"does not fit A of shape {tuple(a.shape)}"
        )
    if a.dtype != b.dtype:
        common = np.promote_types(a.dtype, b.dtype)
        a, b = a.to(common), b.to(common)
    batch = np.broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2]))
    if tuple(a.shape[:-2]) != batch:
        a = a.expand(*batch, *a.shape[-2:])
    if tuple(b.shape[:-2]) != batch:
        b = b.expand(*batch, *b.shape[-2:])
    x = LinalgSolve.apply(a, b)
    return squeeze(x, -1) if vector else x


_PADE13 = (
    64764752532480000.0,
    32382376266240000.0,
    7771770303897600.0,
    1187353796428800.0,
    129060195264000.0,
    10559470521600.0,
    670442572800.0,
    33522128640.0,
    1323241920.0,
    40840800.0,
    960960.0,
    16380.0,
    182.0,
    1.0,
)
_THETA13 = 5.371920351148152  # the 1-norm below which the degree-13 Pade approximant is exact to double precision


def _expm(a: np.ndarray) -> np.ndarray:
    """exp of each square matrix of ``a`` (..., n, n): scaling and squaring with the degree-13
    Pade approximant (Higham 2005), in float64 (complex128 for complex input)."""
    wide = np.complex128 if a.dtype.kind == "c" else np.float64
    flat = a.astype(wide).reshape(-1, *a.shape[-2:])
    out = np.empty_like(flat)
    n = a.shape[-1]
    eye = np.eye(n, dtype=wide)
    b = _PADE13
    for k, m in enumerate(flat):
        norm = np.abs(m).sum(0).max() if n else 0.0
        squarings = max(0, int(np.ceil(np.log2(norm / _THETA13)))) if norm > _THETA13 else 0
        m = m / 2.0**squarings
        m2 = m @ m
        m4 = m2 @ m2
        m6 = m4 @ m2
        u = m @ (m6 @ (b[13] * m6 + b[11] * m4 + b[9] * m2) + b[7] * m6 + b[5] * m4 + b[3] * m2 + b[1] * eye)
        v = m6 @ (b[12] * m6 + b[10] * m4 + b[8] * m2) + b[6] * m6 + b[4] * m4 + b[2] * m2 + b[0] * eye
        r = np.linalg.solve(v - u, v + u)
        for _ in range(squarings):
            r = r @ r
        out[k] = r
    return out.reshape(a.shape).astype(a.dtype, copy=False)


def _expm_any(a: Any) -> Any:
    return matrix_exp(a) if isinstance(a, Tensor) else _expm(a)


def _upper_block(a: Any, b: Any) -> Any:
    """The matrices [[a, b], [0, a]] (of arrays, or recorded if either is a Tensor)."""
    from mytorch.tensor_shape import cat

    if isinstance(a, Tensor) or isinstance(b, Tensor):
        a = a if isinstance(a, Tensor) else Tensor(a)
        b = b if isinstance(b, Tensor) else Tensor(b)
        zeros = Tensor(np.zeros(tuple(a.shape), dtype=a.dtype))
        return cat([cat([a, b], -1), cat([zeros, a], -1)], -2)
    return np.concatenate([np.concatenate([a, b], -1), np.concatenate([np.zeros_like(a), a], -1)], -2)


class LinalgMatrixExp(Function):
    """exp of each matrix. Its derivative in the direction E is the upper-right block of
    exp([[A, E], [0, A]]); the gradient of G is that block for A^T and G."""

    @staticmethod
    def forward(ctx: Context, *inputs: np.ndarray, **params: Any) -> np.ndarray:
        ctx.save_for_backward(inputs[0])
        return _expm(inputs[0])

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        (a,) = ctx.saved_arrays
        n = a.shape[-1]
        at = _mT(a)
        if a.dtype.kind == "c":
            at = at.conj()
        return _expm_any(_upper_block(at, grad_output))[..., :n, n:]

    @staticmethod
    def jvp(ctx: Context, *tangents: np.ndarray) -> np.ndarray:
        (a,) = ctx.saved_arrays
        n = a.shape[-1]
        return _expm(_upper_block(a, tangents[0]))[..., :n, n:]


def matrix_exp(A: Any) -> Tensor:  # noqa: N803
    """The matrix exponential of a square matrix (or of each in a batch), by scaling and squaring
    with a degree-13 Pade approximant (PyTorch uses Taylor polynomials: the same to rounding);
    differentiable to any order (the gradient is itself a matrix exponential of a block matrix).
    Also ``mytorch.matrix_exp`` and ``t.matrix_exp()``.

    Raises:
        ValueError: not square matrices.
    """
    return LinalgMatrixExp.apply(_square("linalg.matrix_exp", A))


def vecdot(x: Any, y: Any, *, dim: int = -1) -> Tensor:
    """The dot products of ``x`` and ``y`` along ``dim`` (broadcast together; ``x`` conjugated,
    as PyTorch's): ``(x.conj() * y).sum(dim)``, recorded."""
    a = x if isinstance(x, Tensor) else Tensor(np.asarray(x))
    b = y if isinstance(y, Tensor) else Tensor(np.asarray(y))
    if a.dtype.kind == "c":
        a = a.real - a.imag * 1j  # (the conjugate, recorded through the parts)
    return _sum(a * b, dim)


def multi_dot(tensors: Any) -> Tensor:
    """The product of a chain of matrices (``A @ B @ C ...``); the first may be a row vector and
    the last a column vector given as 1-D, as in PyTorch. Multiplied in the order that costs
    fewest scalar products (PyTorch's choice too), so the rounding is a different order's than
    a plain left-to-right product's."""
    items = [t if isinstance(t, Tensor) else Tensor(np.asarray(t)) for t in tensors]
    if len(items) < 2:
        raise ValueError(f"linalg.multi_dot: needs at least 2 tensors, got {len(items)}")
    first_vector, last_vector = items[0].ndim == 1, items[-1].ndim == 1
    if first_vector:
        items[0] = unsqueeze(items[0], 0)
    if last_vector:
        items[-1] = unsqueeze(items[-1], -1)
    if any(t.ndim != 2 for t in items):
        raise ValueError(
            "linalg.multi_dot: takes 2-D tensors (the first and the last may be 1-D), got "
            f"{[tuple(t.shape) for t in tensors]}"
        )
    dims = [items[0].shape[0]] + [t.shape[1] for t in items]
    n = len(items)
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for span in range(1, n):  # the classic chain-order table
        for i in range(n - span):
            j = i + span
            cost[i][j] = -1
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] < 0 or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k

    def product(i: int, j: int) -> Tensor:
        if i == j:
            return items[i]
        k = split[i][j]
        return matmul(product(i, k), product(k + 1, j))

    out = product(0, n - 1)
    if first_vector:
        out = squeeze(out, 0)
    if last_vector:
        out = squeeze(out, -1)
    return out


def solve_triangular(
    A: Any,  # noqa: N803
    B: Any,  # noqa: N803
    *,
    upper: bool,
    left: bool = True,
    unitriangular: bool = False,
) -> Tensor:
    """X with ``A X = B`` (``X A = B`` with ``left=False``) for a triangular A: only A's upper
    (``upper=True``) or lower triangle is read, its diagonal taken as ones with
    ``unitriangular``, and the gradient reaches only that triangle, as in PyTorch. It is
    ``solve`` of that triangle (an LU solve: the same X to rounding, not the cheaper substitution)."""
    from mytorch.tensor_layout import diag_embed
    from mytorch.tensor_matrix import diagonal, tril, triu

    a = _square("linalg.solve_triangular", A)
    triangle = triu(a) if upper else tril(a)
    if unitriangular:
        ones = np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), tuple(a.shape))
        triangle = triangle - diag_embed(diagonal(triangle, 0, -2, -1)) + Tensor(ones)
    return solve(triangle, B, left=left)


class LinalgSolve(Function):
    """X with A X = B, for matrices of the same batch shape."""

    @staticmethod
    def forward(ctx: Context, *inputs: np.ndarray, **params: Any) -> np.ndarray:
        a, b = inputs
        out = _checked("linalg.solve", _SINGULAR, np.linalg.solve, a, b)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        a, x = ctx.saved_arrays
        gb = solve(_mT(a), grad_output) if isinstance(a, Tensor) else np.linalg.solve(_mT(a), grad_output)
        return -(gb @ _mT(x)), gb

    @staticmethod
    def jvp(ctx: Context, *tangents: np.ndarray) -> np.ndarray:
        a, x = ctx.saved_arrays
        return np.linalg.solve(a, tangents[1] - tangents[0] @ x)


def _phi(x: Any) -> Any:
    """The lower triangle with the diagonal halved."""
    n = x.shape[-1]
    mask = np.tril(np.ones((n, n), x.dtype)) - 0.5 * np.eye(n, dtype=x.dtype)
    return x * (Tensor(mask) if isinstance(x, Tensor) else mask)


class LinalgCholesky(Function):
    """The lower Cholesky factor L (A = L L^T) of each matrix, from A's lower triangle."""

    @staticmethod
    def forward(ctx: Context, *inputs: np.ndarray, **params: Any) -> np.ndarray:
        problem = "a matrix that is not positive-definite"
        return _saving(ctx, _checked("linalg.cholesky", problem, np.linalg.cholesky, inputs[0]))

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        (lower,) = ctx.saved_arrays
        li = _inv_any(lower)
        g = _mT(li) @ _phi(_mT(lower) @ grad_output) @ li
        return (g + _mT(g)) * 0.5

    @staticmethod
    def jvp(ctx: Context, *tangents: np.ndarray) -> np.ndarray:
        (lower,) = ctx.saved_arrays
        li = np.linalg.inv(lower)
        da = tangents[0]
        return lower @ _phi(li @ ((da + _mT(da)) * 0.5) @ _mT(li))


def cholesky(A: Any, *, upper: bool = False) -> Tensor:  # noqa: N803
    """The Cholesky factor of a symmetric positive-definite matrix (or each in a batch): lower L with
    ``A = L L^T`` (only A's lower triangle is read), ``L^T`` with ``upper=True``. The gradient is
    ``L^-T Phi(L^T G) L^-1`` made symmetric (Phi: the lower triangle, its diagonal halved), as PyTorch's.

    Raises:
        ValueError: not square matrices.
        LinAlgError: a matrix that is not positive-definite.
    """
    lower = LinalgCholesky.apply(_square("linalg.cholesky", A))
    return _mT(lower) if upper else lower


def _failed_minor(a: np.ndarray) -> int:
    """The order (from 1) of ``a``'s first leading minor that is not positive-definite; 0 if none.
    One factorisation of ``a`` where it is positive-definite, else a bisection over the orders
    (a leading minor is positive-definite when a larger one is): about log2(n) more, where one per
    order made an n x n matrix cost about n / 4 factorisations of it (14 x cholesky's time at n = 300)."""
    try:
        np.linalg.cholesky(a)
        return 0
    except np.linalg.LinAlgError:
        pass
    good, bad = 0, a.shape[-1]  # (the minor of order ``good`` is positive-definite, of order ``bad`` not)
    while bad - good > 1:
        k = (good + bad) // 2
        try:
            np.linalg.cholesky(a[:k, :k])
            good = k
        except np.linalg.LinAlgError:
            bad = k
    return bad


def cholesky_ex(A: Any, *, upper: bool = False, check_errors: bool = False) -> CholeskyExResult:  # noqa: N803
    """``(L, info)`` as PyTorch's ``linalg.cholesky_ex``: ``info`` (int32, one per matrix) is 0
    where the factor exists, else the order of the first leading minor that is not
    positive-definite (the jitter loop of Gaussian-process code reads it). A failed matrix's
    factor is NaN here (PyTorch's holds a partial factorisation); the others are ``cholesky``'s,
    recorded.

    Raises:
        LinAlgError: ``check_errors`` and a matrix that is not positive-definite.
    """
    a = _square("linalg.cholesky_ex", A)
    lower_half = np.tril(a._data) + np.swapaxes(np.tril(a._data, -1), -1, -2)  # (only the lower triangle is read)
    flat = lower_half.reshape(-1, *a.shape[-2:])
    info = np.array([_failed_minor(m) for m in flat], dtype=np.int32).reshape(a.shape[:-2])
    if not info.any():
        return CholeskyExResult(cholesky(a, upper=upper), Tensor(info))
    if check_errors:
        raise LinAlgError(f"linalg.cholesky_ex: a matrix that is not positive-definite (info {info.max()})")
    bad = Tensor((info > 0).reshape(*info.shape, 1, 1))
    identity = Tensor(np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape).copy())
    factor = cholesky(where(bad, identity, a), upper=upper)
    return CholeskyExResult(cast(Tensor, where(bad, Tensor(np.full((), np.nan, a.dtype)), factor)), Tensor(info))


def __getattr__(name: str) -> Any:
    """A name this module lacks: an error saying MyTorch does not have PyTorch's."""
    from mytorch.arguments import not_in_mytorch

    raise not_in_mytorch("mytorch.linalg", name)

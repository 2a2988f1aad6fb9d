"""LU factorisation with partial pivoting, as PyTorch's ``torch.linalg.lu``, ``lu_factor``,
``lu_factor_ex``, ``lu_solve`` and ``torch.lu_unpack`` (with the older ``torch.lu`` and
``torch.lu_solve``), for real matrices of any shape (m x n) and batches of them; with
``linalg.solve_ex`` and ``inv_ex`` (their ``info`` is the LU's) and the older
``torch.triangular_solve``.

The factorisation is LAPACK's ``getrf`` done in NumPy, one column at a time over the whole
batch: the pivot is the first entry of largest magnitude in the column (so the pivots are
LAPACK's, and PyTorch's), a zero column is left as it is and counted in ``info``. ``P A``'s
rows are swapped into ``L U`` with L unit lower triangular (m x k) and U upper triangular
(k x n), k = min(m, n); ``lu_factor`` packs both into one m x n matrix and returns the row
swaps as ``pivots`` (int32, counted from 1, as LAPACK's).

The gradient of ``L`` and ``U`` in A is PyTorch's (square, wide and tall cases), written
with Tensor operations (``solve_triangular``, ``tril``, ``triu``, ``matmul``): a
``create_graph`` backward records it, so second derivatives work. ``lu_solve`` and
``lu_unpack`` are recorded from ``tril``/``triu`` of the packed matrix and triangular solves,
so gradients reach the packed factors and the right-hand side.
"""

from __future__ import annotations

from typing import Any, NamedTuple, cast

import numpy as np

from mytorch.function import Context, Function
from mytorch.tensor import Tensor, matmul

__all__ = ["inv_ex", "lu", "lu_factor", "lu_factor_ex", "lu_solve", "lu_unpack", "solve_ex", "triangular_solve"]


class LUResult(NamedTuple):
    P: Tensor
    L: Tensor
    U: Tensor


class LUFactorResult(NamedTuple):
    LU: Tensor
    pivots: Tensor


class LUFactorExResult(NamedTuple):
    LU: Tensor
    pivots: Tensor
    info: Tensor


def _getrf(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(packed, pivots, info)`` of each m x n matrix of ``a`` (..., m, n): LAPACK's ``getrf``
    with partial pivoting; pivots counted from 1, info the first zero pivot's place (from 1) or 0."""
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    lu = a.reshape(-1, m, n).copy()
    count = lu.shape[0]
    rows = np.arange(count)
    pivots = np.zeros((count, k), dtype=np.int32)
    info = np.zeros(count, dtype=np.int32)
    for j in range(k):
        p = j + np.argmax(np.abs(lu[:, j:, j]), axis=1)
        pivots[:, j] = p + 1
        swap = p != j
        if swap.any():
            top, chosen = lu[rows[swap], j].copy(), lu[rows[swap], p[swap]].copy()
            lu[rows[swap], j], lu[rows[swap], p[swap]] = chosen, top
        head = lu[:, j, j]
        zero = head == 0
        info[(info == 0) & zero] = j + 1
        lu[:, j + 1 :, j] /= np.where(zero, 1, head)[:, None]  # (a zero column stays zero, as LAPACK leaves it)
        lu[:, j + 1 :, j + 1 :] -= lu[:, j + 1 :, j, None] * lu[:, j, None, j + 1 :]
    return lu.reshape(*batch, m, n), pivots.reshape(*batch, k), info.reshape(batch)


def _permutation(pivots: np.ndarray, m: int, dtype: Any) -> np.ndarray:
    """P (..., m, m) with A = P L U, from LAPACK's row swaps (counted from 1)."""
    batch = pivots.shape[:-1]
    flat = pivots.reshape(-1, pivots.shape[-1]).astype(np.intp) - 1
    order = np.tile(np.arange(m), (flat.shape[0], 1))  # (row i of P^T A is row order[i] of A)
    rows = np.arange(flat.shape[0])
    for j in range(flat.shape[1]):
        p = flat[:, j]
        order[rows, j], order[rows, p] = order[rows, p], order[rows, j].copy()
    eye = np.zeros((flat.shape[0], m, m), dtype=dtype)
    eye[rows[:, None], order, np.arange(m)] = 1
    return eye.reshape(*batch, m, m)


def _unpacked(packed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """L (m x k, unit lower) and U (k x n) of a packed LU."""
    m, n = packed.shape[-2:]
    k = min(m, n)
    lower = np.tril(packed[..., :, :k], -1) + np.eye(m, k, dtype=packed.dtype)
    return lower, np.triu(packed[..., :k, :])


def _tensor_lu_grad(p: Tensor, lower: Tensor, upper: Tensor, gl: Tensor | None, gu: Tensor | None) -> Tensor:
    """The gradient in A of L and U (A = P L U) given theirs (``gl``, ``gu``; either may be None), as
    PyTorch's ``linalg_lu_backward``, in Tensor operations (recorded in a ``create_graph`` backward)."""
    from mytorch.linalg import solve_triangular
    from mytorch.tensor_matrix import tril, triu
    from mytorch.tensor_shape import cat

    m, n = lower.shape[-2], upper.shape[-1]

    def mt(x: Tensor) -> Tensor:
        return x.transpose(-2, -1)

    if m == n:
        terms = [tril(mt(lower) @ gl, -1)] if gl is not None else []
        terms += [triu(gu @ mt(upper))] if gu is not None else []
        grad = terms[0] if len(terms) == 1 else terms[0] + terms[1]
        grad = solve_triangular(mt(upper), grad, upper=False, left=False)
        grad = solve_triangular(mt(lower), grad, upper=True, unitriangular=True)
    elif m < n:  # wide: U = [U1 | U2], U1 square
        u1 = upper[..., :, :m]
        terms = [mt(lower) @ gl] if gl is not None else []
        terms += [-(triu(gu) @ mt(upper))] if gu is not None else []
        grad = terms[0] if len(terms) == 1 else terms[0] + terms[1]
        grad = solve_triangular(mt(u1), tril(grad, -1), upper=False, left=False)
        if gu is not None:
            grad = cat([grad + triu(gu[..., :, :m]), gu[..., :, m:]], -1)
        grad = solve_triangular(mt(lower), grad, upper=True, unitriangular=True)
        if gu is None:
            grad = cat([grad, Tensor(np.zeros((*grad.shape[:-1], n - m), dtype=grad.dtype))], -1)
    else:  # tall: L = [L1; L2], L1 square
        l1 = lower[..., :n, :]
        terms = [gu @ mt(upper)] if gu is not None else []
        terms += [-(mt(lower) @ tril(gl, -1))] if gl is not None else []
        grad = terms[0] if len(terms) == 1 else terms[0] + terms[1]
        grad = solve_triangular(mt(l1), triu(grad), upper=True, unitriangular=True)
        if gl is not None:
            grad = cat([grad + tril(gl[..., :n, :], -1), gl[..., n:, :]], -2)
        grad = solve_triangular(mt(upper), grad, upper=False, left=False)
        if gl is None:
            grad = cat([grad, Tensor(np.zeros((*grad.shape[:-2], m - n, n), dtype=grad.dtype))], -2)
    return matmul(p, grad)


class _LuPart(Function):
    """L, U or the packed LU (``part``) of A's LU factorisation with partial pivoting."""

    @staticmethod
    def forward(ctx: Context, *inputs: np.ndarray, **params: Any) -> np.ndarray:
        (a,) = inputs
        packed, pivots, _ = _getrf(a)
        ctx.save_for_backward(a)
        setattr(ctx, "part", params["part"])  # noqa: B010 - (Context's attributes are free-form)
        setattr(ctx, "factors", (packed, pivots))  # noqa: B010
        if params["part"] == "LU":
            return packed
        lower, upper = _unpacked(packed)
        return lower if params["part"] == "L" else upper

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        (a,) = ctx.saved_arrays
        part = getattr(ctx, "part")  # noqa: B009
        packed, pivots = getattr(ctx, "factors")  # noqa: B009
        m, n = packed.shape[-2:]
        k = min(m, n)
        p = Tensor(_permutation(pivots, m, packed.dtype))
        recorded = isinstance(a, Tensor)  # (a create_graph backward: A is given as the Tensor it is)
        if recorded:  # L and U recorded from A, so this gradient differentiates again
            lower, upper = _LuPart.apply(a, part="L"), _LuPart.apply(a, part="U")
        else:
            lower, upper = (Tensor(x) for x in _unpacked(packed))
        g = grad_output if isinstance(grad_output, Tensor) else Tensor(grad_output)
        gl: Tensor | None
        gu: Tensor | None
        if part == "LU":
            from mytorch.tensor_matrix import tril, triu

            gl, gu = tril(g[..., :, :k], -1), triu(g[..., :k, :])
        else:
            gl, gu = (g, None) if part == "L" else (None, g)
        grad = _tensor_lu_grad(p, lower, upper, gl, gu)
        return grad if recorded else grad._data

    @staticmethod
    def jvp(ctx: Context, *tangents: np.ndarray) -> np.ndarray:
        """Forward mode, as PyTorch's ``linalg_lu_jvp``: with P^T dA split as A is (the square
        block first), X = L1^-1 (P^T dA)1 U1^-1 gives dL1 = L1 tril(X, -1) and dU1 = triu(X) U1;
        a wide matrix's other columns dU2 = L^-1 ((P^T dA)2 - dL U2), a tall one's other rows
        dL2 = ((P^T dA)2 - L2 dU) U^-1."""
        packed, pivots = getattr(ctx, "factors")  # noqa: B009
        m, n = packed.shape[-2:]
        k = min(m, n)
        lower, upper = _unpacked(packed)
        moved = np.swapaxes(_permutation(pivots, m, packed.dtype), -2, -1) @ tangents[0]
        l1, u1 = lower[..., :k, :], upper[..., :, :k]

        def right_solve(b: np.ndarray) -> np.ndarray:  # b U1^-1
            return np.swapaxes(np.linalg.solve(np.swapaxes(u1, -2, -1), np.swapaxes(b, -2, -1)), -2, -1)

        x = right_solve(np.linalg.solve(l1, moved[..., :k, :k]))
        d_lower, d_upper = l1 @ np.tril(x, -1), np.triu(x) @ u1
        if n > m:
            rest = moved[..., :, k:] - d_lower @ upper[..., :, k:]
            d_upper = np.concatenate([d_upper, np.linalg.solve(l1, rest)], -1)
        elif m > n:
            d_lower = np.concatenate([d_lower, right_solve(moved[..., k:, :] - lower[..., k:, :] @ d_upper)], -2)
        part = getattr(ctx, "part")  # noqa: B009
        if part == "L":
            return d_lower
        if part == "U":
            return d_upper
        out = np.zeros_like(packed)
        out[..., :, :k] = np.tril(d_lower, -1)
        out[..., :k, :] += d_upper
        return out


def _matrices(op: str, A: Any) -> Tensor:  # noqa: N803 - PyTorch's name
    from mytorch.linalg import _no_complex_gradient
    from mytorch.tensor_math import _floating_only

    t = _no_complex_gradient(op, _floating_only(A if isinstance(A, Tensor) else Tensor(A), op))
    if t.ndim < 2:
        raise ValueError(f"{op}: needs matrices (the last two axes), got shape {tuple(t.shape)}")
    return t


def _no_pivot(op: str, pivot: bool) -> None:
    if not pivot:  # (PyTorch's CPU error; its GPU path alone factors without pivoting)
        raise RuntimeError(f"{op}: LU without pivoting is not implemented on the CPU")


def lu(A: Any, *, pivot: bool = True) -> LUResult:  # noqa: N803
    """``(P, L, U)`` with ``A = P L U``: P a permutation (m x m), L unit lower triangular (m x k),
    U upper triangular (k x n), k = min(m, n); recorded in A (not P).

    Raises:
        ValueError: fewer than two axes.
        RuntimeError: ``pivot=False`` (PyTorch's CPU refuses it too).
    """
    t = _matrices("linalg.lu", A)
    _no_pivot("linalg.lu", pivot)
    _, pivots, _ = _getrf(t._data)
    p = Tensor(_permutation(pivots, t.shape[-2], t.dtype))
    return LUResult(p, _LuPart.apply(t, part="L"), _LuPart.apply(t, part="U"))


def lu_factor_ex(A: Any, *, pivot: bool = True, check_errors: bool = False) -> LUFactorExResult:  # noqa: N803
    """``(LU, pivots, info)``: L (below the diagonal, its unit diagonal implied) and U packed in one
    m x n matrix, recorded in A; the row swaps (int32, from 1, as LAPACK's); ``info`` (int32, one
    per matrix) 0, or the place (from 1) of U's first zero diagonal entry.

    Raises:
        RuntimeError: ``pivot=False``; ``check_errors`` and a zero on U's diagonal.
    """
    t = _matrices("linalg.lu_factor_ex", A)
    _no_pivot("linalg.lu_factor_ex", pivot)
    _, pivots, info = _getrf(t._data)
    if check_errors and info.any():
        raise RuntimeError(f"linalg.lu_factor_ex: U[{info.max()},{info.max()}] is zero (the matrix is singular)")
    return LUFactorExResult(_LuPart.apply(t, part="LU"), Tensor(pivots), Tensor(info))


def lu_factor(A: Any, *, pivot: bool = True) -> LUFactorResult:  # noqa: N803
    """``(LU, pivots)`` of ``lu_factor_ex``, for ``lu_solve``.

    Raises:
        RuntimeError: a singular matrix (a zero on U's diagonal: ``lu_solve`` would divide by
            it), as PyTorch's; ``lu_factor_ex`` returns it with ``info``. ``pivot=False``.
    """
    t = _matrices("linalg.lu_factor", A)
    _no_pivot("linalg.lu_factor", pivot)
    packed, pivots, info = lu_factor_ex(t)
    if info._data.any():
        i = int(info._data.reshape(-1)[np.flatnonzero(info._data)[0]])
        raise RuntimeError(
            f"torch.linalg.lu_factor: U[{i},{i}] is zero and using it on lu_solve would result in a division by "
            "zero. If you still want to perform the factorization, consider calling linalg.lu(A, pivot) or "
            "linalg.lu_factor_ex(A, pivot)"
        )
    return LUFactorResult(packed, pivots)


def _pivot_array(op: str, LU: Tensor, pivots: Any) -> np.ndarray:  # noqa: N803
    array = np.asarray(pivots._data if isinstance(pivots, Tensor) else pivots)
    k = min(LU.shape[-2:])
    if array.dtype.kind not in "iu" or array.shape[-1:] != (k,) or array.shape[:-1] != tuple(LU.shape[:-2]):
        raise ValueError(
            f"{op}: pivots must be integers of shape {(*LU.shape[:-2], k)} for LU of shape {tuple(LU.shape)}, "
            f"got {array.dtype} of shape {tuple(array.shape)}"
        )
    if array.size and (array.min() < 1 or array.max() > LU.shape[-2]):
        raise ValueError(f"{op}: pivots must lie in [1, {LU.shape[-2]}] (LAPACK's, counted from 1)")
    return array


def lu_unpack(LU_data: Any, LU_pivots: Any, unpack_data: bool = True, unpack_pivots: bool = True) -> LUResult:  # noqa: N803
    """``(P, L, U)`` from ``lu_factor``'s packed matrix and pivots, L and U recorded from it (the
    parts not asked for are empty tensors, as PyTorch's)."""
    from mytorch.tensor_matrix import tril, triu

    packed = _matrices("lu_unpack", LU_data)
    pivots = _pivot_array("lu_unpack", packed, LU_pivots)
    m, n = packed.shape[-2:]
    k = min(m, n)
    empty = Tensor(np.empty(0, dtype=packed.dtype))
    p = Tensor(_permutation(pivots, m, packed.dtype)) if unpack_pivots else empty
    if not unpack_data:
        return LUResult(p, empty, empty)
    lower = tril(packed[..., :, :k], -1) + Tensor(np.eye(m, k, dtype=packed.dtype))
    return LUResult(p, lower, triu(packed[..., :k, :]))


def lu_solve(LU: Any, pivots: Any, B: Any, *, left: bool = True, adjoint: bool = False) -> Tensor:  # noqa: N803
    """X with ``A X = B`` (``X A = B`` with ``left=False``; A^T in A's place with ``adjoint``),
    A given by ``lu_factor``'s ``LU`` and ``pivots``: two triangular solves and a permutation,
    recorded, so gradients reach ``LU`` and ``B``.

    Raises:
        ValueError: ``LU`` not square, pivots not ``lu_factor``'s, or B's shape does not fit.
    """
    from mytorch.linalg import solve_triangular

    packed = _matrices("linalg.lu_solve", LU)
    if packed.shape[-1] != packed.shape[-2]:
        raise ValueError(f"linalg.lu_solve: LU must be square, got shape {tuple(packed.shape)}")
    b = _matrices("linalg.lu_solve", B)
    p, lower, upper = lu_unpack(packed, pivots)
    pt = p.transpose(-2, -1)
    if not left:  # X A = B  <=>  A^T X^T = B^T
        return lu_solve(packed, pivots, b.transpose(-2, -1), adjoint=not adjoint).transpose(-2, -1)
    if adjoint:  # A^T = U^T L^T P^T
        y = solve_triangular(upper.transpose(-2, -1), b, upper=False)
        return matmul(p, solve_triangular(lower.transpose(-2, -1), y, upper=True, unitriangular=True))
    y = solve_triangular(lower, matmul(pt, b), upper=False, unitriangular=True)
    return solve_triangular(upper, y, upper=True)


def lu_solve_old(b: Any, LU_data: Any, LU_pivots: Any) -> Tensor:  # noqa: N803
    """PyTorch's older ``torch.lu_solve(b, LU_data, LU_pivots)``: ``linalg.lu_solve`` with its
    arguments in the other order."""
    return lu_solve(LU_data, LU_pivots, b)


def lu_old(A: Any, pivot: bool = True, get_infos: bool = False) -> tuple[Tensor, ...]:  # noqa: N803
    """PyTorch's older ``torch.lu(A, pivot, get_infos)``: ``(LU, pivots)`` of ``linalg.lu_factor``,
    or ``(LU, pivots, infos)`` of ``linalg.lu_factor_ex`` with ``get_infos``."""
    if get_infos:
        return tuple(lu_factor_ex(A, pivot=pivot))
    return tuple(lu_factor(A, pivot=pivot))


class SolveExResult(NamedTuple):
    result: Tensor
    info: Tensor


class InvExResult(NamedTuple):
    inverse: Tensor
    info: Tensor


class TriangularSolveResult(NamedTuple):
    solution: Tensor
    cloned_coefficient: Tensor


def _singular_apart(op: str, a: Tensor, check_errors: bool, message: str) -> tuple[np.ndarray, Tensor | None]:
    """``(info, bad)`` for ``op``'s ``_ex`` form: info (int32 per matrix) from the LU, as LAPACK's;
    ``bad`` None when every matrix is invertible, else a boolean Tensor of shape (..., 1, 1)."""
    from mytorch.linalg import LinAlgError

    _, _, info = _getrf(a._data)
    if not info.any():
        return info, None
    if check_errors:
        first = int(info.reshape(-1)[np.flatnonzero(info)[0]])
        raise LinAlgError(f"{op}: " + message.format(first))
    return info, Tensor((info > 0).reshape(*info.shape, 1, 1))


def _nan_where(bad: Tensor, x: Tensor, vector: bool) -> Tensor:
    from mytorch.tensor_math import where

    mask = bad.reshape(*bad.shape[:-2], 1) if vector else bad
    return cast(Tensor, where(mask, Tensor(np.full((), np.nan, x.dtype)), x))


def solve_ex(A: Any, B: Any, *, left: bool = True, check_errors: bool = False) -> SolveExResult:  # noqa: N803
    """``(result, info)`` as PyTorch's ``linalg.solve_ex``: ``linalg.solve``'s X, recorded, and
    ``info`` (int32, one per matrix of A) 0, or the place (from 1) of the first zero pivot of A's
    LU. A singular matrix's X is NaN here (PyTorch's holds LAPACK's infinities).

    Raises:
        LinAlgError: ``check_errors`` and a singular matrix.
    """
    from mytorch.linalg import _square, solve
    from mytorch.tensor_math import where

    a = _square("linalg.solve_ex", A)
    info, bad = _singular_apart(
        "linalg.solve_ex", a, check_errors, "The solver failed because the input matrix is singular."
    )
    if bad is None:
        return SolveExResult(solve(a, B, left=left), Tensor(info))
    eye = Tensor(np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape).copy())
    x = solve(where(bad, eye, a), B, left=left)
    return SolveExResult(_nan_where(bad, x, x.ndim == a.ndim - 1), Tensor(info))


def inv_ex(A: Any, *, check_errors: bool = False) -> InvExResult:  # noqa: N803
    """``(inverse, info)`` as PyTorch's ``linalg.inv_ex``: ``linalg.inv``, recorded, and ``info``
    as ``solve_ex``'s; a singular matrix's inverse is NaN here (PyTorch's holds infinities).

    Raises:
        LinAlgError: ``check_errors`` and a singular matrix.
    """
    from mytorch.linalg import _square, inv
    from mytorch.tensor_math import where

    a = _square("linalg.inv_ex", A)
    message = (
        "The diagonal element {} is zero, the inversion could not be completed because the input matrix is singular."
    )
    info, bad = _singular_apart("linalg.inv_ex", a, check_errors, message)
    if bad is None:
        return InvExResult(inv(a), Tensor(info))
    eye = Tensor(np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape).copy())
    return InvExResult(_nan_where(bad, inv(where(bad, eye, a)), False), Tensor(info))


def triangular_solve(
    b: Any,
    A: Any,
    upper: bool = True,
    transpose: bool = False,
    unitriangular: bool = False,  # noqa: N803
) -> TriangularSolveResult:
    """PyTorch's older ``torch.triangular_solve(b, A, upper=True, transpose=False,
    unitriangular=False)``: ``(X, A's copy)`` with ``A X = b`` (``A^T X = b`` with ``transpose``),
    only A's upper (or lower) triangle read; ``linalg.solve_triangular`` with the arguments in the
    other order, recorded."""
    from mytorch.linalg import _mT, _square, solve_triangular

    a = _square("triangular_solve", A)
    if transpose:  # (the triangle read is A's, then transposed: the other one of A^T)
        from mytorch.tensor_matrix import tril, triu

        x = solve_triangular(_mT(triu(a) if upper else tril(a)), b, upper=not upper, unitriangular=unitriangular)
    else:
        x = solve_triangular(a, b, upper=upper, unitriangular=unitriangular)
    return TriangularSolveResult(x, a.clone())

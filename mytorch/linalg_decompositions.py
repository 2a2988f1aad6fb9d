"""``linalg.eigh``, ``eigvalsh``, ``svd`` (and ``torch.svd``), ``qr``, ``pinv``, ``lstsq`` and
``matrix_rank``: ``Function``s on ``np.linalg``, each output its own ``Function`` (the backward
of a decomposition is linear in the gradients of its outputs, so their rules add up).

Gradients of every order: ``pinv``'s rule is matrix products, and the recorded rules of ``eigh``
and ``qr`` (``create_graph``) read the other outputs recomputed as recorded functions of A, so a
backward through them is differentiated again; ``eigh`` and ``qr`` have forward-mode rules too:

* ``eigh``: eigenvalues ``V diag(g) V^T``; eigenvectors ``V (S / E) V^T``, S the skew part of
  ``V^T G``, E_ij = w_j - w_i (undefined for repeated eigenvalues, as in PyTorch);
* ``svd``: the singular values' ``U diag(g) V^T``; the singular vectors' ``U [F o skew(U^T G_U) S
  + S F o skew(V^T G_V)] V^T`` plus, for a non-square matrix, the terms of the complements,
  F_ij = 1 / (s_j^2 - s_i^2) (``RuntimeError`` for repeated singular values); forward mode too;
* ``qr`` (m >= n): ``[G_Q + Q copyltu(M)] R^-T``, M = R G_R^T - G_Q^T Q; a wide A = [X | Y]
  that of X = Q R1 with G_Q + Y G_R2^T, and Y's Q G_R2;
* ``pinv``: the Golub-Pereyra formula (the rank held fixed), so ``lstsq``'s solution
  ``pinv(A) B`` has a gradient in A and B.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from mytorch.function import Context, Function
from mytorch.tensor import Tensor, matmul

__all__ = ["eig", "eigh", "eigvals", "eigvalsh", "lstsq", "matrix_rank", "pinv", "pinverse", "qr", "svd", "svd_torch"]


def finite_only(a: np.ndarray, compute: Any) -> Any:
    """``compute(a)`` (an SVD, a pseudo-inverse), NaN for each matrix of ``a`` holding an inf or a
    NaN: LAPACK's SVD can loop forever on one (NumPy's svd of [[1e300, -3, 1], [1, -1, 2],
    [inf, -2, -1]] never returns, in NumPy 1.26 and 2.x alike); PyTorch gives NaN there."""
    bad = ~np.isfinite(a).all(axis=(-2, -1))
    if not bad.any():
        return compute(a)
    out = compute(np.where(bad[..., None, None], 0, a).astype(a.dtype))

    def spoil(o: np.ndarray) -> np.ndarray:
        mask = bad.reshape(bad.shape + (1,) * (o.ndim - bad.ndim))
        return np.where(mask, np.nan, o).astype(o.dtype)

    return tuple(spoil(o) for o in out) if isinstance(out, tuple) else spoil(out)


def _matrices(op: str, x: Any, square: bool = False) -> Tensor:
    t = x if isinstance(x, Tensor) else Tensor(np.asarray(x))
    if t.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating-point tensor, got {t.dtype}")
    if t.ndim < 2 or (square and t.shape[-1] != t.shape[-2]):
        kind = "square matrices" if square else "matrices"
        raise ValueError(f"{op}: needs {kind} (the last two axes), got shape {tuple(t.shape)}")
    return t


def _t(a: Any) -> Any:
    return np.swapaxes(a, -2, -1) if isinstance(a, np.ndarray) else a.transpose(-2, -1)


def _eigh(a: np.ndarray, upper: bool) -> tuple[np.ndarray, np.ndarray]:
    return np.linalg.eigh(a, UPLO="U" if upper else "L")


class _EighValues(Function):
    @staticmethod
    def forward(ctx: Any, *inputs: np.ndarray, **params: Any) -> np.ndarray:
        w, v = _eigh(inputs[0], params["upper"])
        ctx.save_for_backward(inputs[0], v)
        ctx.upper = params["upper"]
        return w

    @staticmethod
    def backward(ctx: Any, grad_output: Any) -> Any:
        a, v = ctx.saved_arrays
        if isinstance(a, Tensor):  # a recorded backward: the eigenvectors as a recorded function of A
            v = _EighVectors.apply(a, upper=ctx.upper)
        return (v * grad_output[..., None, :]) @ _t(v)

    @staticmethod
    def jvp(ctx: Context, *tangents: np.ndarray) -> np.ndarray:
        _, v = ctx.saved_arrays
        return np.einsum("...ik,...ij,...jk->...k", v, tangents[0], v)


def _gaps(w: Any) -> Any:
    """1 / (w_j - w_i) off the diagonal, 0 on it (of a Tensor too, recorded)."""
    gaps = w[..., None, :] - w[..., :, None]
    diagonal = np.eye(w.shape[-1], dtype=bool)
    if isinstance(w, Tensor):
        return np.where(diagonal, 0.0, 1.0 / np.where(diagonal, 1.0, gaps))
    with np.errstate(divide="ignore"):
        inverse = 1.0 / gaps
    return np.where(diagonal, 0.0, inverse).astype(w.dtype)


class _EighVectors(Function):
    @staticmethod
    def forward(ctx: Any, *inputs: np.ndarray, **params: Any) -> np.ndarray:
        w, v = _eigh(inputs[0], params["upper"])
        ctx.save_for_backward(inputs[0], w, v)
        ctx.upper = params["upper"]
        return v

    @staticmethod
    def backward(ctx: Any, grad_output: Any) -> Any:
        a, w, v = ctx.saved_arrays
        if isinstance(a, Tensor):  # a recorded backward: v is this op's output; w recorded from A too
            w = _EighValues.apply(a, upper=ctx.upper)
        vg = _t(v) @ grad_output
        return v @ ((vg - _t(vg)) * 0.5 * _gaps(w)) @ _t(v)

    @staticmethod
    def jvp(ctx: Context, *tangents: np.ndarray) -> np.ndarray:
        _, w, v = ctx.saved_arrays
        da = _t(v) @ tangents[0] @ v
        return v @ (_gaps(w) * da)


class EighResult(NamedTuple):
    eigenvalues: Tensor
    eigenvectors: Tensor


def eigh(A: Any, UPLO: str = "L") -> EighResult:  # noqa: N803
    """The eigenvalues (ascending) and eigenvectors (columns) of a symmetric matrix, of which only
    the ``UPLO`` triangle is read (``"L"``: the lower, as PyTorch). The eigenvectors' signs are
    LAPACK's (PyTorch's may differ)."""
    t = _matrices("linalg.eigh", A, square=True)
    if UPLO not in ("L", "U"):
        raise ValueError(f"linalg.eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
    upper = UPLO == "U"
    return EighResult(_EighValues.apply(t, upper=upper), _EighVectors.apply(t, upper=upper))


def eigvalsh(A: Any, UPLO: str = "L") -> Tensor:  # noqa: N803
    """The eigenvalues of a symmetric matrix, ascending (``eigh``'s first output)."""
    t = _matrices("linalg.eigvalsh", A, square=True)
    return _EighValues.apply(t, upper=UPLO == "U")


class _ForwardOnly(Function):
    """A decomposition's output without a gradient: a ``backward`` reaching it raises ``refusal``."""

    refusal = ""

    @classmethod
    def _backward(cls, ctx: Any, grad_output: Any, inputs: Any, recorded: bool) -> Any:
        raise RuntimeError(cls.refusal)


class _Eig(_ForwardOnly):
    refusal = (
        "linalg.eig, linalg.eigvals: the gradient is not implemented in MyTorch; for a symmetric matrix "
        "use linalg.eigh or linalg.eigvalsh, which have one"
    )

    @staticmethod
    def forward(ctx: Context, *inputs: np.ndarray, **params: Any) -> np.ndarray:
        a = inputs[0]
        complex_dtype = np.result_type(a.dtype, np.complex64)
        if params["which"] == "values":
            return np.linalg.eigvals(a).astype(complex_dtype)
        w, v = np.linalg.eig(a)
        return (w if params["which"] == "w" else v).astype(complex_dtype)


class EigResult(NamedTuple):
    eigenvalues: Tensor
    eigenvectors: Tensor


def eigvals(A: Any) -> Tensor:  # noqa: N803
    """The eigenvalues of a square matrix (or a batch), complex (complex64 from float32, complex128
    from float64), in LAPACK's order (PyTorch's is LAPACK's too). Forward only: a loss through them
    raises ``RuntimeError`` at ``backward`` (``eigvalsh`` has a gradient, for symmetric matrices)."""
    return _Eig.apply(_matrices("linalg.eigvals", A, square=True), which="values")


def eig(A: Any) -> EigResult:  # noqa: N803
    """The eigenvalues and eigenvectors (columns, unit norm) of a square matrix, complex; forward only,
    as ``eigvals``. The eigenvectors' phases are LAPACK's (PyTorch's may differ)."""
    t = _matrices("linalg.eig", A, square=True)
    return EigResult(_Eig.apply(t, which="w"), _Eig.apply(t, which="v"))


def _svd_vectors_grad(u: Any, s: Any, vh: Any, g: Any, which: str) -> Any:
    """The VJP of A -> U (``which`` "U") or A -> Vh of the reduced SVD, given the gradient ``g`` of
    that output, on arrays or on Tensors in a recorded backward. With F_ij = 1 / (s_j^2 - s_i^2)
    (0 on the diagonal) and skew(X) = X - X^T:
    U:  U [(F o skew(U^T gU)) S] Vh + (I - U U^T) gU S^-1 Vh (the second term for m > n only);
    Vh: U [S (F o skew(Vh gVh^T))] Vh + U S^-1 (gVh - gVh Vh^T Vh) (for n > m only)."""
    f = _gaps(s * s)
    if which == "U":
        j = _t(u) @ g
        grad = u @ ((j - _t(j)) * f * s[..., None, :]) @ vh
        if u.shape[-2] > s.shape[-1]:
            grad = grad + ((g - u @ j) / s[..., None, :]) @ vh
        return grad
    k = vh @ _t(g)
    grad = u @ (s[..., :, None] * ((k - _t(k)) * f)) @ vh
    if vh.shape[-1] > s.shape[-1]:
        grad = grad + u @ ((g - _t(k) @ vh) / s[..., :, None])
    return grad


def _check_separated(s: np.ndarray, shape: tuple[int, ...]) -> None:
    """Refuse singular values the gradient of U or Vh divides by 0 at: two within max(m, n) eps of
    the largest of each other (PyTorch gives inf or NaN there), or, for a non-square matrix, one
    that small (S^-1)."""
    limit = max(shape[-2:]) * np.finfo(s.dtype).eps * s.max(-1, initial=0.0)[..., None]
    close = np.abs(s[..., :, None] - s[..., None, :]) <= limit[..., None]
    repeated = (close & ~np.eye(s.shape[-1], dtype=bool)).any()
    vanishing = shape[-2] != shape[-1] and (s <= limit).any()
    if repeated or vanishing:
        what = "repeated singular values" if repeated else "a singular value of 0"
        raise RuntimeError(
            f"linalg.svd: the gradient through U or Vh is undefined for a matrix with {what} "
            f"(input of shape {tuple(shape)}): the singular vectors are not unique there; "
            "use linalg.svdvals, linalg.pinv or linalg.eigh, or a loss of U diag(S) Vh"
        )


class _SvdVectors(Function):
    """U or Vh (``which``) of ``np.linalg.svd``; the gradient reads the reduced factors (with
    ``full_matrices=True`` the extra columns of U and rows of Vh get none, as in PyTorch)."""

    @staticmethod
    def forward(ctx: Any, *inputs: np.ndarray, **params: Any) -> np.ndarray:
        u, s, vh = finite_only(inputs[0], lambda a: np.linalg.svd(a, full_matrices=params["full"]))
        k = s.shape[-1]
        ctx.save_for_backward(inputs[0], u[..., :k], s, vh[..., :k, :])
        ctx.which, ctx.full = params["which"], params["full"]
        return u if params["which"] == "U" else vh

    @staticmethod
    def backward(ctx: Any, grad_output: Any) -> Any:
        a, u, s, vh = ctx.saved_arrays
        _check_separated(s, a.shape)
        if isinstance(a, Tensor):  # a recorded backward: every factor a recorded function of A
            from mytorch.linalg import svdvals  # (it imports this module)

            u, s, vh = (
                _SvdVectors.apply(a, which="U", full=False),
                svdvals(a),
                _SvdVectors.apply(a, which="Vh", full=False),
            )
        k = s.shape[-1]
        g = grad_output[..., :k] if ctx.which == "U" else grad_output[..., :k, :]
        return _svd_vectors_grad(u, s, vh, g, ctx.which)

    @staticmethod
    def jvp(ctx: Any, *tangents: np.ndarray) -> np.ndarray:
        """With dP = U^T dA V: dU = U (F o (dP S + S dP^T)) + (I - U U^T) dA V S^-1 and
        dV = V (F o (S dP + dP^T S)) + (I - V V^T) dA^T U S^-1 (F as in the backward)."""
        a, u, s, vh = ctx.saved_arrays
        _check_separated(s, a.shape)
        full_shape = (a.shape[-2],) * 2 if ctx.which == "U" else (a.shape[-1],) * 2
        if ctx.full and full_shape[0] > s.shape[-1]:
            raise RuntimeError("linalg.svd: forward mode is implemented for full_matrices=False (or a square matrix)")
        da, f = tangents[0], _gaps(s * s)
        left, right = (u, vh) if ctx.which == "U" else (_t(vh), _t(u))  # (V's rule is U's of A^T)
        dp = _t(left) @ (da if ctx.which == "U" else _t(da)) @ _t(right)
        d = left @ (f * (dp * s[..., None, :] + s[..., :, None] * _t(dp)))
        if left.shape[-2] > s.shape[-1]:
            projected = (da if ctx.which == "U" else _t(da)) @ _t(right)
            d = d + (projected - left @ (_t(left) @ projected)) / s[..., None, :]
        return d if ctx.which == "U" else _t(d)


class SvdResult(NamedTuple):
    U: Tensor
    S: Tensor
    Vh: Tensor


def svd(A: Any, full_matrices: bool = True) -> SvdResult:  # noqa: N803
    """``U, S, Vh`` with ``A = U diag(S) Vh`` (the last two axes), S descending, the signs of the
    singular vectors LAPACK's. The gradient of S is ``svdvals``'; that of U and Vh the reduced
    SVD's (with ``full_matrices=True`` the columns of U and rows of Vh past min(m, n) get none, as
    in PyTorch), undefined (``RuntimeError``) for repeated singular values or, m != n, a zero one.
    A meaningful loss does not depend on the signs (a function of U diag(S) Vh, of |U|, of U U^T)."""
    from mytorch.linalg import svdvals

    t = _matrices("linalg.svd", A)
    full = bool(full_matrices)
    return SvdResult(
        _SvdVectors.apply(t, which="U", full=full), svdvals(t), _SvdVectors.apply(t, which="Vh", full=full)
    )


class _SvdV(NamedTuple):
    U: Tensor
    S: Tensor
    V: Tensor


def svd_torch(input: Any, some: bool = True, compute_uv: bool = True) -> _SvdV:  # noqa: A002
    """PyTorch's older ``torch.svd``: ``U, S, V`` (V, not its transpose); reduced unless ``some=False``."""
    u, s, vh = svd(input, full_matrices=not some)
    if not compute_uv:
        return _SvdV(Tensor(np.zeros_like(u._data)), s, Tensor(np.zeros_like(vh._data)))
    return _SvdV(u, s, vh.transpose(-2, -1))


def _copyltu(m: Any) -> Any:
    lower = m.tril(-1) if isinstance(m, Tensor) else np.tril(m, -1)
    diagonal = m.diagonal(0, -2, -1) if isinstance(m, Tensor) else np.diagonal(m, 0, -2, -1)
    return lower + _t(lower) + np.eye(m.shape[-1], dtype=m.dtype) * diagonal[..., None, :]


def _qr_grad(a: Any, q: Any, r: Any, gq: Any, gr: Any) -> Any:
    """The VJP of A -> (Q, R), on arrays, or on Tensors in a recorded backward (so differentiable again).
    A wide A = [X | Y] (m < n) is X = Q R1 and Y = Q R2, as PyTorch's: R2 = Q^T Y gives Y the
    gradient Q gR2 and Q the extra Y gR2^T; X's is the square case's."""
    rows, columns = q.shape[-2], r.shape[-1]
    if q.shape[-1] > columns:  # (it was NumPy's "operands could not be broadcast together")
        raise RuntimeError(
            f"linalg.qr: mode='complete' of a tall matrix (shape {tuple(a.shape)}) has no gradient, as in "
            "PyTorch (its extra columns of Q are not unique): use mode='reduced'"
        )
    if rows < columns:
        gq_x, gr_x = gq, None if gr is None else gr[..., :, :rows]
        gy: Any = np.zeros(a.shape[:-1] + (columns - rows,), dtype=a.dtype)
        if gr is not None:
            extra = a[..., :, rows:] @ _t(gr[..., :, rows:])
            gq_x = extra if gq is None else gq + extra
            gy = q @ gr[..., :, rows:]
        gx = _qr_grad(a[..., :, :rows], q, r[..., :, :rows], gq_x, gr_x)
        if isinstance(gx, Tensor) or isinstance(gy, Tensor):
            from mytorch.tensor_shape import cat

            return cat([gx if isinstance(gx, Tensor) else Tensor(gx), gy if isinstance(gy, Tensor) else Tensor(gy)], -1)
        return np.concatenate([gx, gy], -1)
    m: Any = np.zeros(r.shape[:-2] + (r.shape[-1],) * 2, dtype=r.dtype)
    base: Any = np.zeros(q.shape, dtype=q.dtype)
    if gr is not None:
        m = m + r @ _t(gr)
    if gq is not None:
        m = m - _t(gq) @ q
        base = gq
    b = base + q @ _copyltu(m)
    if isinstance(b, Tensor) or isinstance(r, Tensor):
        from mytorch.linalg import solve  # (it imports this module)

        return _t(solve(r if isinstance(r, Tensor) else Tensor(r), _t(b if isinstance(b, Tensor) else Tensor(b))))
    return np.swapaxes(np.linalg.solve(r, np.swapaxes(b, -2, -1)), -2, -1)  # b R^-T


class _QrPart(Function):
    """Q or R (``part``) of ``np.linalg.qr``."""

    @staticmethod
    def forward(ctx: Context, *inputs: np.ndarray, **params: Any) -> np.ndarray:
        q, r = np.linalg.qr(inputs[0], mode=params["mode"])
        ctx.save_for_backward(inputs[0], q, r)
        setattr(ctx, "part", params["part"])  # noqa: B010 - (Context's attributes are free-form)
        setattr(ctx, "mode", params["mode"])  # noqa: B010
        return q if params["part"] == "Q" else r

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        a, q, r = ctx.saved_arrays
        is_q = getattr(ctx, "part") == "Q"  # noqa: B009
        if isinstance(a, Tensor):  # a recorded backward: the other factor recorded from A too
            mode = getattr(ctx, "mode")  # noqa: B009
            if is_q:
                r = _QrPart.apply(a, mode=mode, part="R")
            else:
                q = _QrPart.apply(a, mode=mode, part="Q")
        return _qr_grad(a, q, r, grad_output if is_q else None, None if is_q else grad_output)

    @staticmethod
    def jvp(ctx: Context, *tangents: np.ndarray) -> np.ndarray:
        """dA = dQ R + Q dR with Q^T dQ skew and dR upper triangular (m >= n): C = Q^T dA R^-1,
        Omega = L - L^T for L the strict lower triangle of C, dR = (C - Omega) R, dQ = dA R^-1 - Q (C - Omega).
        A wide A = [X | Y]: that of X, and dR2 = dQ^T Y + Q^T dY."""
        a, q, r = ctx.saved_arrays
        rows, columns = q.shape[-2], r.shape[-1]
        wide = rows < columns
        if (q.shape[-1] != r.shape[-1] and not wide) or (wide and getattr(ctx, "mode") != "reduced"):  # noqa: B009
            raise RuntimeError("linalg.qr: forward mode is implemented for the reduced mode")
        da, r1 = (tangents[0][..., :, :rows], r[..., :, :rows]) if wide else (tangents[0], r)
        da_r = np.swapaxes(np.linalg.solve(np.swapaxes(r1, -2, -1), np.swapaxes(da, -2, -1)), -2, -1)
        c = np.swapaxes(q, -2, -1) @ da_r
        lower = np.tril(c, -1)
        upper = c - (lower - np.swapaxes(lower, -2, -1))
        dq = da_r - q @ upper
        if getattr(ctx, "part") == "Q":  # noqa: B009
            return dq
        if not wide:
            return upper @ r
        d_rest = np.swapaxes(dq, -2, -1) @ a[..., :, rows:] + np.swapaxes(q, -2, -1) @ tangents[0][..., :, rows:]
        return np.concatenate([upper @ r1, d_rest], -1)


class QrResult(NamedTuple):
    Q: Tensor
    R: Tensor


def qr(A: Any, mode: str = "reduced") -> QrResult:  # noqa: N803
    """``Q, R`` with ``A = Q R``, Q with orthonormal columns, R upper triangular (``mode``
    ``"reduced"`` or ``"complete"``); the gradient for any shape in the reduced mode (and m <= n
    in the complete one, where the two agree)."""
    t = _matrices("linalg.qr", A)
    if mode not in ("reduced", "complete"):
        raise ValueError(f"linalg.qr: mode must be 'reduced' or 'complete' (MyTorch has no 'r'), got {mode!r}")
    return QrResult(_QrPart.apply(t, mode=mode, part="Q"), _QrPart.apply(t, mode=mode, part="R"))


def _pinv_grad(a: Any, p: Any, g: Any) -> Any:
    """The Golub-Pereyra VJP of A -> A+: -A+^T G A+^T + (I - A A+) G^T A+ A+^T + A+^T A+ G^T (I - A+ A),
    written with matrix products only (arrays or Tensors alike)."""
    pt, gt = _t(p), _t(g)
    return -(pt @ g @ pt) + (gt - a @ (p @ gt)) @ (p @ pt) + (pt @ p) @ (gt - (gt @ p) @ a)


class _Pinv(Function):
    @staticmethod
    def forward(ctx: Context, *inputs: np.ndarray, **params: Any) -> np.ndarray:
        (a,) = inputs
        p = finite_only(a, lambda m: np.linalg.pinv(m, rcond=params["rcond"], hermitian=params["hermitian"]))
        ctx.save_for_backward(a, p)
        return p

    @staticmethod
    def backward(ctx: Context, grad_output: Any) -> Any:
        a, p = ctx.saved_arrays
        return _pinv_grad(a, p, grad_output)

    @staticmethod
    def jvp(ctx: Context, *tangents: np.ndarray) -> np.ndarray:
        a, p = ctx.saved_arrays
        da = tangents[0]
        eye_m, eye_n = np.eye(a.shape[-2], dtype=a.dtype), np.eye(a.shape[-1], dtype=a.dtype)
        return -(p @ da @ p) + p @ _t(p) @ _t(da) @ (eye_m - a @ p) + (eye_n - p @ a) @ _t(da) @ _t(p) @ p


def pinverse(input: Any, rcond: float = 1e-15) -> Tensor:  # noqa: A002
    """PyTorch's older ``torch.pinverse``: ``linalg.pinv`` with ``rtol=rcond``."""
    return pinv(input, rtol=rcond)


def pinv(A: Any, *, atol: Any = None, rtol: Any = None, hermitian: bool = False) -> Tensor:  # noqa: N803
    """The Moore-Penrose pseudo-inverse: singular values below ``rtol`` times the largest are
    treated as 0 (``rtol`` by default max(m, n) eps, as PyTorch; ``atol`` is not supported)."""
    t = _matrices("linalg.pinv", A)
    if atol is not None:
        raise NotImplementedError("linalg.pinv: atol is not supported by MyTorch; give rtol")
    eps = float(np.finfo(t.dtype).eps)
    rcond = max(t.shape[-2:]) * eps if rtol is None else float(rtol)
    return _Pinv.apply(t, rcond=rcond, hermitian=bool(hermitian))


def matrix_rank(A: Any, *, atol: Any = None, rtol: Any = None, hermitian: bool = False) -> Tensor:  # noqa: N803
    """The number of singular values above ``max(atol, rtol * largest)`` (by default rtol =
    max(m, n) eps), int64 (a constant).

    Raises:
        linalg.LinAlgError: a matrix holding an inf or a NaN (it has no rank; PyTorch raises for a
            NaN, and its count for an inf depends on whether LAPACK gave up on the SVD).
    """
    t = _matrices("linalg.matrix_rank", A)
    bad = ~np.isfinite(t._data).all(axis=(-2, -1))
    if bad.any():
        from mytorch.linalg import LinAlgError

        where = f" (batch element {int(np.flatnonzero(bad.reshape(-1))[0])})" if bad.ndim else ""
        raise LinAlgError(f"linalg.matrix_rank: the matrix{where} holds an inf or a NaN; it has no rank")
    s = np.linalg.svd(t._data, compute_uv=False)
    eps = float(np.finfo(t.dtype).eps)
    relative = max(t.shape[-2:]) * eps if rtol is None and atol is None else (0.0 if rtol is None else float(rtol))
    limit = np.maximum(0.0 if atol is None else float(atol), relative * s.max(-1, initial=0.0))
    return Tensor(np.asarray((s > np.expand_dims(limit, -1)).sum(-1), dtype=np.int64))


class LstsqResult(NamedTuple):
    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


def lstsq(A: Any, B: Any, rcond: Any = None, *, driver: str | None = None) -> LstsqResult:  # noqa: N803
    """The least-squares (minimum-norm) solution X of ``A X = B`` as ``pinv(A) @ B``, with its
    gradient in A and B; ``rank`` as ``matrix_rank``; ``residuals`` and ``singular_values``
    empty, as PyTorch's default driver (``gelsy``) gives them. A 1-D B is not taken (PyTorch's
    neither)."""
    a = _matrices("linalg.lstsq", A)
    b = B if isinstance(B, Tensor) else Tensor(np.asarray(B, dtype=a.dtype))
    if b.ndim < 2 or b.shape[-2] != a.shape[-2]:
        raise ValueError(f"linalg.lstsq: B must have shape (..., {a.shape[-2]}, k), got {tuple(b.shape)}")
    solution = matmul(pinv(a, rtol=rcond), b)
    empty = Tensor(np.zeros(0, dtype=a.dtype))
    return LstsqResult(solution, empty, matrix_rank(a, rtol=rcond), empty)

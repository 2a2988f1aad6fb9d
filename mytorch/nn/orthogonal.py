"""``torch.nn.utils.parametrizations.orthogonal``: a weight kept orthogonal (its columns, or rows
when it is wide, orthonormal) while an optimizer updates an unconstrained tensor.

``orthogonal(module, "weight", orthogonal_map, use_trivialization=True)`` registers a
parametrization that maps ``original`` to an orthogonal matrix, as PyTorch's:

- ``"matrix_exp"`` (the default for square weights): exp(A) of the skew-symmetric A = L - L^T,
  L the lower triangle of ``original`` (a tall weight is embedded in a square one and cut back);
- ``"cayley"``: (I - A/2)^-1 (I + A/2) of the same A;
- ``"householder"`` (the default for rectangular weights): the product of the Householder
  reflections whose vectors are the columns of ``original`` below its diagonal.

With ``use_trivialization`` (the default) the map is applied around a ``base`` buffer: the
weight is ``base @ map(original)``, and assigning an orthogonal matrix (as registering does with
the weight it finds) stores it, made orthogonal by its QR factor if it is not (a tall one first
completed with random columns), in ``base`` and puts ``original`` back to -I. Every map is
recorded from Tensor operations (``matrix_exp``, ``linalg.solve``, products), so gradients of
every order reach ``original``.
"""

from __future__ import annotations

import numpy as np

from mytorch.autograd_engine import no_grad
from mytorch.nn.module import Module
from mytorch.tensor import Tensor

__all__ = ["householder_product", "orthogonal"]

_MAPS = ("matrix_exp", "cayley", "householder")


def householder_product(A: Tensor, tau: Tensor) -> Tensor:  # noqa: N803 - PyTorch's names
    """The first k columns of H_1 ... H_k, H_i = I - tau_i v_i v_i^T, v_i the i-th column of A below
    its diagonal with a 1 on it (PyTorch's ``linalg.householder_product``), recorded; batches too."""
    from mytorch.factories import eye

    n, k = A.shape[-2], A.shape[-1]
    identity = eye(n, k, dtype=A.dtype)
    vectors = A.tril(-1) + identity
    q = identity.expand(*A.shape)
    for i in reversed(range(tau.shape[-1])):
        v = vectors[..., :, i : i + 1]
        q = q - tau[..., i : i + 1].unsqueeze(-1) * (v @ (v.mT @ q))
    return q


def _qr_factor(a: np.ndarray) -> np.ndarray:
    """The Q of a = QR with R's diagonal non-negative (a tall, batches too), in float64."""
    q, r = np.linalg.qr(a.astype(np.float64))
    signs = np.sign(np.diagonal(r, axis1=-2, axis2=-1))
    return q * np.where(signs == 0, 1.0, signs)[..., None, :]


def _is_orthogonal(q: np.ndarray) -> bool:
    n, k = q.shape[-2:]
    return bool(np.allclose(np.swapaxes(q, -1, -2) @ q, np.eye(k), rtol=1e-5, atol=10.0 * n * np.finfo(q.dtype).eps))


class _Orthogonal(Module):
    """The parametrization ``orthogonal`` registers (see the module's notes)."""

    def __init__(self, weight: Tensor, orthogonal_map: str, *, use_trivialization: bool = True) -> None:
        super().__init__()
        self.shape = tuple(weight.shape)
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X: Tensor) -> Tensor:  # noqa: N803 - PyTorch's name
        from mytorch.factories import eye
        from mytorch.linalg import matrix_exp, solve
        from mytorch.tensor_shape import cat

        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:
            X, (n, k) = X.mT, (k, n)
        if self.orthogonal_map == "householder":
            reflectors = X.tril(-1)
            tau = 2.0 / (1.0 + (reflectors * reflectors).sum(-2))
            signs = Tensor(np.trunc(np.diagonal(X._data, axis1=-2, axis2=-1)))  # (as PyTorch's: not differentiated)
            q = householder_product(reflectors, tau) * signs.unsqueeze(-2)
        else:
            lower = X.tril()
            if n != k:
                lower = cat([lower, lower.new_zeros(n, n - k).expand(*lower.shape[:-2], n, n - k)], -1)
            skew = lower - lower.mT
            if self.orthogonal_map == "matrix_exp":
                q = matrix_exp(skew)
            else:
                identity = eye(n, dtype=skew.dtype)
                q = solve(identity - 0.5 * skew, identity + 0.5 * skew)
            q = q[..., :k]
        if getattr(self, "base", None) is not None:
            q = self.base @ q
        return q.mT if transposed else q

    def right_inverse(self, Q: Tensor) -> Tensor:  # noqa: N803 - PyTorch's name
        """With a ``base``: store ``Q`` (made orthogonal) there and return -I; without: the
        Householder reflectors of Q's QR factorisation (the other maps have no inverse)."""
        if tuple(Q.shape) != self.shape:
            raise ValueError(
                f"orthogonal: expected a matrix or batch of matrices of shape {tuple(self.shape)}, got {tuple(Q.shape)}"
            )
        q = Q.detach()._data
        transposed = q.shape[-2] < q.shape[-1]
        if transposed:
            q = np.swapaxes(q, -1, -2)
        n, k = q.shape[-2:]
        if not hasattr(self, "base"):
            if self.orthogonal_map != "householder":
                raise NotImplementedError(
                    "orthogonal: with use_trivialization=False the matrix_exp and cayley maps cannot be assigned to "
                    "(they have no inverse); use householder or use_trivialization=True"
                )
            reflectors = _householder_reflectors(q)
            out = np.swapaxes(reflectors, -1, -2) if transposed else reflectors
            return Tensor(out.astype(Q.dtype))
        with no_grad():
            if n == k and _is_orthogonal(q):
                base = q.astype(np.float64)
            else:
                if n != k:
                    from mytorch.factories import default_generator

                    fill = default_generator.standard_normal((*q.shape[:-2], n, n - k))
                    q = np.concatenate([q, fill.astype(q.dtype)], -1)
                base = _qr_factor(q)
        self.base = Tensor(base.astype(Q.dtype))
        minus_identity = np.zeros(Q.shape, dtype=Q.dtype)
        diagonal = np.arange(min(Q.shape[-2:]))
        minus_identity[..., diagonal, diagonal] = -1.0
        return Tensor(minus_identity)


def _householder_reflectors(q: np.ndarray) -> np.ndarray:
    """The reflector vectors (below the diagonal) and the signs of R's diagonal (on it) of q = QR,
    such that the ``householder`` map gives back q's orthogonal factor with R's diagonal positive."""
    n, k = q.shape[-2:]
    work = q.astype(np.float64).copy()
    out = np.zeros_like(work)
    for i in range(k):
        x = work[..., i:, i]
        norm = np.linalg.norm(x, axis=-1)
        alpha = np.where(x[..., 0] > 0, -norm, norm)  # (R's diagonal entry: the reflection away from x, as LAPACK's)
        v = x.copy()
        v[..., 0] -= alpha
        v = v / np.where(v[..., 0] == 0, 1.0, v[..., 0])[..., None]  # (x = 0: any reflection will do)
        v[..., 0] = 1.0
        tau = 2.0 / (v * v).sum(-1)  # (what the map computes again from the stored vector)
        work[..., i:, i:] -= tau[..., None, None] * v[..., :, None] * (v[..., None, :] @ work[..., i:, i:])
        out[..., i + 1 :, i] = v[..., 1:]
        out[..., i, i] = np.where(alpha < 0, -1.0, 1.0)
    return out


def orthogonal(
    module: Module, name: str = "weight", orthogonal_map: str | None = None, *, use_trivialization: bool = True
) -> Module:
    """PyTorch's ``nn.utils.parametrizations.orthogonal``: ``module.<name>`` (a matrix or a batch
    of them) becomes orthogonal, computed from ``parametrizations.<name>.original`` by
    ``orthogonal_map`` (``"matrix_exp"``, ``"cayley"`` or ``"householder"``; default ``"matrix_exp"``
    for a square weight, ``"householder"`` otherwise). Returns ``module``."""
    from mytorch.nn.parametrize import register_parametrization

    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"orthogonal: module {type(module).__name__} has no parameter or buffer named {name!r}")
    if weight.ndim < 2:
        raise ValueError(
            f"orthogonal: expected a matrix or a batch of matrices, got a tensor of {weight.ndim} dimensions"
        )
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.shape[-2] == weight.shape[-1] else "householder"
    if orthogonal_map not in _MAPS:
        raise ValueError(
            f'orthogonal: orthogonal_map has to be one of "matrix_exp", "cayley", "householder", got {orthogonal_map!r}'
        )
    parametrization = _Orthogonal(weight, orthogonal_map, use_trivialization=use_trivialization)
    return register_parametrization(module, name, parametrization, unsafe=True)

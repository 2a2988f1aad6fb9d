"""``mytorch.linalg``: PyTorch's ``torch.linalg.norm`` and ``vector_norm``, on the ``norm`` kernel."""

from __future__ import annotations

from typing import Any

from mytorch.tensor import Tensor
from mytorch.tensor_math import norm as _norm

__all__ = ["norm", "vector_norm"]


def vector_norm(x: Any, ord: Any = 2, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """The ``ord``-norm of the elements (over ``dim``, all of them by default): ``ord`` 2, 1, inf
    or any number > 0."""
    return _norm(x, ord, dim, keepdim)


def norm(x: Any, ord: Any = None, dim: Any = None, keepdim: bool = False) -> Tensor:  # noqa: A002
    """``torch.linalg.norm``: without ``ord``, the 2-norm of all elements (over ``dim``), which is
    the Frobenius norm of a matrix; ``ord="fro"`` that; a number, the vector norm over ``dim``.

    Raises:
        ValueError: a matrix norm other than the Frobenius one (``"nuc"``, or a number with two dims
            or on a matrix without ``dim``), which MyTorch does not compute.
    """
    ndim = len(x.shape) if isinstance(x, Tensor) else None
    two_dims = isinstance(dim, (tuple, list)) and len(dim) == 2
    if ord is None or ord == "fro":
        return _norm(x, 2.0, dim, keepdim)
    if isinstance(ord, str) or two_dims or (dim is None and ndim == 2):
        raise ValueError(f"linalg.norm: the matrix norm ord={ord!r} is not available (only 'fro', or vector norms)")
    return _norm(x, ord, dim, keepdim)

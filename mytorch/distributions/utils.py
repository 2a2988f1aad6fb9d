"""``torch.distributions.utils`` (``mytorch.distributions.utils``): the helpers PyTorch's
distributions are written with, for a user's own: ``broadcast_all``, ``probs_to_logits`` /
``logits_to_probs``, ``clamp_probs``, ``lazy_property``, and ``vec_to_tril_matrix`` /
``tril_matrix_to_vec`` (a vector laid row by row into a lower triangle, and back). Recorded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from mytorch.dtypes import get_default_dtype
from mytorch.tensor import Tensor, log

__all__ = [
    "broadcast_all",
    "clamp_probs",
    "lazy_property",
    "logits_to_probs",
    "probs_to_logits",
    "tril_matrix_to_vec",
    "vec_to_tril_matrix",
]


def broadcast_all(*values: Any) -> tuple[Tensor, ...]:
    """The values broadcast to one shape: numbers become tensors of the first tensor's dtype (the
    default dtype if there is none), as PyTorch's.

    Raises:
        ValueError: a value is neither a Tensor nor a number.
    """
    from mytorch import broadcast_tensors

    if not all(isinstance(v, (Tensor, int, float, np.number)) and not isinstance(v, bool) for v in values):
        raise ValueError(
            "broadcast_all: every value must be a Tensor or a number, got "
            + ", ".join(type(v).__name__ for v in values)
        )
    dtype = next((v.dtype for v in values if isinstance(v, Tensor)), get_default_dtype())
    tensors = [v if isinstance(v, Tensor) else Tensor(np.asarray(v, dtype=dtype)) for v in values]
    return tuple(broadcast_tensors(*tensors))


def clamp_probs(probs: Tensor) -> Tensor:
    """``probs`` kept within [eps, 1 - eps] of their dtype."""
    eps = float(np.finfo(probs.dtype).eps)
    return probs.clamp(eps, 1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """log p (of the clamped probabilities), or log(p / (1 - p)) for ``is_binary``."""
    p = clamp_probs(probs)
    return log(p) - (-p).log1p() if is_binary else log(p)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """softmax over the last axis, or the sigmoid for ``is_binary``."""
    from mytorch.nn import functional_tensor as TF

    return logits.sigmoid() if is_binary else TF.softmax(logits, dim=-1)


class lazy_property:  # noqa: N801 - PyTorch's name
    """A property computed once per instance, on first use, then kept in its ``__dict__``."""

    def __init__(self, wrapped: Callable[[Any], Any]) -> None:
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__

    def __get__(self, instance: Any, owner: Any = None) -> Any:
        if instance is None:
            return self
        value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


def _placement(n: int, diag: int, dtype: Any) -> np.ndarray:
    """The 0/1 matrix that lays a vector, row by row, into the lower triangle of an n x n matrix on
    and below diagonal ``diag``, flattened: vector @ it = the matrix's entries."""
    rows, columns = np.tril_indices(n, diag)
    out = np.zeros((len(rows), n * n), dtype=dtype)
    out[np.arange(len(rows)), rows * n + columns] = 1.0
    return out


def _side(count: int, diag: int) -> int:
    """n whose lower triangle on and below ``diag`` has ``count`` entries (ValueError if none)."""
    n = 0
    while len(np.tril_indices(n, diag)[0]) < count:
        n += 1
    if len(np.tril_indices(n, diag)[0]) != count:
        raise ValueError(
            f"vec_to_tril_matrix: a last axis of {count} entries is not the lower triangle (below diagonal "
            f"{diag}) of any square matrix"
        )
    return n


def vec_to_tril_matrix(vec: Tensor, diag: int = 0) -> Tensor:
    """The n x n lower-triangular matrices (on and below diagonal ``diag``) holding ``vec``'s last
    axis row by row, recorded."""
    n = _side(int(vec.shape[-1]), diag)
    return (vec @ Tensor(_placement(n, diag, vec.dtype))).reshape(*vec.shape[:-1], n, n)


def tril_matrix_to_vec(mat: Tensor, diag: int = 0) -> Tensor:
    """The entries on and below diagonal ``diag`` of the last two axes, row by row, recorded."""
    n = int(mat.shape[-1])
    return mat.reshape(*mat.shape[:-2], n * n) @ Tensor(_placement(n, diag, mat.dtype).T)

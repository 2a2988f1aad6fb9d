"""Similarities and distances: ``F.normalize``, ``F.cosine_similarity``, ``F.pairwise_distance`` and
``nn.CosineSimilarity``, ``nn.PairwiseDistance``, composed of recorded kernels (``norm``, ``clamp``,
``div``, ``mul``, ``sum``), so their gradients, forward mode and second derivatives are those rows'."""

from __future__ import annotations

from typing import Any

import numpy as np

from mytorch.nn.functional_tensor import _tensor
from mytorch.nn.layers import expect_tensor
from mytorch.nn.module import Module
from mytorch.tensor import Tensor, check_setting

__all__ = ["CosineSimilarity", "PairwiseDistance", "cosine_similarity", "normalize", "pairwise_distance"]


def normalize(input: Any, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:  # noqa: A002
    """``input`` divided by its p-norm along ``dim``, the norm floored at ``eps`` (so a zero row
    stays zero), as PyTorch's."""
    x = _tensor("normalize", input)
    return x / x.norm(p, dim, keepdim=True).clamp(min=eps)


def cosine_similarity(x1: Any, x2: Any, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """The cosine of the angle between ``x1`` and ``x2`` along ``dim`` (they broadcast; that axis is
    summed away): each is divided by its norm floored at ``eps``, then their product summed.

    As in PyTorch, the floor is not differentiated: a norm below ``eps`` divides by ``eps`` but
    its gradient is the norm's own (PyTorch clamps it in place without recording), unlike
    ``normalize``, whose floor is a recorded clamp."""
    a, b = _tensor("cosine_similarity", x1, "x1"), _tensor("cosine_similarity", x2, "x2")
    check_setting("F.cosine_similarity", "eps", eps, a._data.dtype, opmath=True)  # (as PyTorch: 1e39 was inf)
    if not eps >= 0:  # (a negative or NaN floor, as PyTorch refuses it)
        raise RuntimeError(f"F.cosine_similarity: eps must be at least 0, got {eps}")
    shape = np.broadcast_shapes(a.shape, b.shape)
    a, b = a.expand(shape), b.expand(shape)
    return ((a / _floored_norm(a, dim, eps)) * (b / _floored_norm(b, dim, eps))).sum(dim)


def _floored_norm(x: Tensor, dim: int, eps: float) -> Tensor:
    """The 2-norm along ``dim`` (kept), valued at least ``eps``, with the unfloored norm's gradient."""
    norm = x.norm(2.0, dim, keepdim=True)
    value = norm.detach()
    with np.errstate(over="ignore"):  # (float16 floors at 70000.0 as at inf, as PyTorch's: not refused as clamp's)
        floor = Tensor(np.maximum(value._data, np.asarray(float(eps)).astype(value._data.dtype)))
    return norm + (floor - value)


class CosineSimilarity(Module):
    """``F.cosine_similarity(x1, x2, dim, eps)`` as a module."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """The cosine similarity of ``x1`` and ``x2`` along ``dim``."""
        return cosine_similarity(expect_tensor(self, x1), expect_tensor(self, x2), self.dim, self.eps)


def pairwise_distance(x1: Any, x2: Any, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """The p-norm of ``x1 - x2 + eps`` along the last axis (they broadcast), as PyTorch's (the
    ``eps`` keeps the gradient finite where the two rows are equal)."""
    a, b = _tensor("pairwise_distance", x1, "x1"), _tensor("pairwise_distance", x2, "x2")
    return (a - b + eps).norm(p, dim=-1, keepdim=keepdim)


class PairwiseDistance(Module):
    """``F.pairwise_distance(x1, x2, p, eps, keepdim)`` as a module."""

    def __init__(self, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        """The distance of ``x1`` and ``x2`` along the last axis."""
        return pairwise_distance(expect_tensor(self, x1), expect_tensor(self, x2), self.norm, self.eps, self.keepdim)

"""``nn.EmbeddingBag`` and ``F.embedding_bag``, PyTorch's: the embeddings of each bag of indices
(the rows of a 2-D input, or the runs of a 1-D input that ``offsets`` start) reduced by
``mode`` (``"sum"``, ``"mean"``, ``"max"``; ``per_sample_weights`` with ``"sum"``). Composed of
kernels (the embedding lookup, ``index_add`` of the rows into their bags, ``max`` per bag), so
the gradient reaches the rows used; an empty bag gives zeros, as PyTorch's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mytorch.dtypes import get_default_dtype
from mytorch.nn import functional_tensor as TF
from mytorch.nn import init
from mytorch.nn.module import Module
from mytorch.nn.parameter import Parameter
from mytorch.tensor import Tensor
from mytorch.tensor_shape import stack

__all__ = ["EmbeddingBag", "embedding_bag"]


def embedding_bag(
    input: Any,  # noqa: A002 - PyTorch's name
    weight: Tensor,
    offsets: Any = None,
    max_norm: Any = None,
    norm_type: float = 2,
    scale_grad_by_freq: bool = False,
    mode: str = "mean",
    sparse: bool = False,
    per_sample_weights: Any = None,
    include_last_offset: bool = False,
    padding_idx: int | None = None,
) -> Tensor:
    """The bags' reduced embeddings, (B, embedding_dim).

    Raises:
        ValueError: an unknown mode, ``per_sample_weights`` without mode ``"sum"``, a 1-D input
            without ``offsets`` or a 2-D one with them.
        NotImplementedError: ``max_norm`` or ``scale_grad_by_freq`` (not supported by MyTorch).
    """
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"embedding_bag: mode must be 'sum', 'mean' or 'max', got {mode!r}")
    if sparse:  # (the gradient stays dense; optim.SparseAdam takes such a weight)
        TF.mark_sparse_gradient(weight)
    if max_norm is not None or scale_grad_by_freq:
        raise NotImplementedError("embedding_bag: max_norm and scale_grad_by_freq are not supported by MyTorch")
    if per_sample_weights is not None and mode != "sum":
        raise ValueError("embedding_bag: per_sample_weights is only supported with mode='sum' (as in PyTorch)")
    indices = np.asarray(input._data if isinstance(input, Tensor) else input).astype(np.int64)
    if indices.ndim == 2:
        if offsets is not None:
            raise ValueError("embedding_bag: offsets must be None for a 2-D input (each row is a bag)")
        bag_of = np.repeat(np.arange(indices.shape[0]), indices.shape[1])
        bags, flat = indices.shape[0], indices.reshape(-1)
    elif indices.ndim == 1:
        if offsets is None:
            raise ValueError("embedding_bag: a 1-D input needs offsets (where each bag starts)")
        starts = np.asarray(offsets._data if isinstance(offsets, Tensor) else offsets).astype(np.int64).reshape(-1)
        end = len(indices)
        if include_last_offset and len(starts):
            if int(starts[-1]) != end:  # PyTorch's own answer then depends on the dtype and mode
                raise ValueError(
                    f"embedding_bag: with include_last_offset the last offset must be the input's length "
                    f"({end}), got {int(starts[-1])}: PyTorch then sums to it in float32 and reads on to the "
                    "input's end in float64 (and for mean's counts and max), so no answer is PyTorch's"
                )
            starts = starts[:-1]
        _check_offsets(starts, end, len(indices))
        bags, flat = len(starts), indices[:end]
        bag_of = np.searchsorted(starts, np.arange(end), side="right") - 1
    else:
        raise ValueError(f"embedding_bag: expected a 1-D or 2-D input, got shape {tuple(indices.shape)}")
    keep = np.ones(len(flat), dtype=bool) if padding_idx is None else flat != padding_idx % weight.shape[0]
    flat, bag_of = flat[keep], bag_of[keep]
    rows = TF.embedding(Tensor(flat), weight)
    if per_sample_weights is not None:
        w = per_sample_weights if isinstance(per_sample_weights, Tensor) else Tensor(np.asarray(per_sample_weights))
        rows = rows * w.reshape(-1)[Tensor(np.flatnonzero(keep))].unsqueeze(1)
    dim = weight.shape[1]
    zeros = Tensor(np.zeros((bags, dim), dtype=weight.dtype))
    if mode == "max":
        picked = [
            rows[Tensor(np.flatnonzero(bag_of == b))].max(0).values if (bag_of == b).any() else zeros[b]
            for b in range(bags)
        ]
        return stack(picked, 0)
    total = zeros.index_add(0, Tensor(bag_of), rows)
    if mode == "sum":
        return total
    counts = np.bincount(bag_of, minlength=bags).astype(weight.dtype)
    return total / Tensor(np.maximum(counts, 1).reshape(-1, 1))


def _check_offsets(starts: np.ndarray, end: int, length: int) -> None:
    """Refuse offsets that do not cut ``length`` indices into runs: the first not 0, one
    decreasing, one past ``end`` (the input's length, or the last offset with
    ``include_last_offset``), or an ``end`` past the input, as PyTorch does."""
    if end > length or end < 0:
        raise ValueError(f"embedding_bag: the last offset ({end}) must lie in [0, {length}] (the input's length)")
    first = int(starts[0]) if len(starts) else end  # (no bag: no index may be left over)
    if first != 0:
        raise ValueError(f"embedding_bag: offsets[0] must be 0 (the first bag starts at the first index), got {first}")
    if len(starts) and ((np.diff(starts) < 0).any() or starts[-1] > end):
        raise ValueError(f"embedding_bag: offsets must be non-decreasing and at most {end}, got {starts.tolist()}")


class EmbeddingBag(Module):
    """PyTorch's ``nn.EmbeddingBag(num_embeddings, embedding_dim, mode="mean", padding_idx=None,
    include_last_offset=False, dtype=None)``: a weight (num_embeddings, embedding_dim) drawn
    standard normal; ``forward(input, offsets=None, per_sample_weights=None)``."""

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        max_norm: Any = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        mode: str = "mean",
        sparse: bool = False,
        _weight: Any = None,
        include_last_offset: bool = False,
        padding_idx: int | None = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if max_norm is not None or scale_grad_by_freq:
            raise NotImplementedError("EmbeddingBag: max_norm and scale_grad_by_freq are not supported by MyTorch")
        self.num_embeddings, self.embedding_dim, self.mode = int(num_embeddings), int(embedding_dim), mode
        self.include_last_offset, self.padding_idx = bool(include_last_offset), padding_idx
        self.sparse = bool(sparse)
        dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
        if _weight is None:
            self.weight = Parameter(np.empty((self.num_embeddings, self.embedding_dim), dtype=dtype))
            init.normal_(self.weight)
            if padding_idx is not None:
                init.zeros_(self.weight[padding_idx])
        else:
            self.weight = Parameter(np.array(_weight._data if isinstance(_weight, Tensor) else _weight))

    def forward(self, input: Any, offsets: Any = None, per_sample_weights: Any = None) -> Tensor:  # noqa: A002
        """``F.embedding_bag`` with this module's weight and settings."""
        return embedding_bag(
            input,
            self.weight,
            offsets,
            mode=self.mode,
            per_sample_weights=per_sample_weights,
            include_last_offset=self.include_last_offset,
            padding_idx=self.padding_idx,
            sparse=self.sparse,
        )

    def extra_repr(self) -> str:
        """``num_embeddings, embedding_dim, mode=...`` (and ``padding_idx=...``), as PyTorch's."""
        padding = "" if self.padding_idx is None else f", padding_idx={self.padding_idx}"
        return f"{self.num_embeddings}, {self.embedding_dim}, mode={self.mode!r}{padding}"

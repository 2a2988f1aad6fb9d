"""Transforms that rearrange or split their input, as PyTorch's: ``ReshapeTransform(in_shape,
out_shape)`` (the last axes reshaped; log |det J| 0), ``CatTransform(tseq, dim, lengths)`` (each
transform on its slice of an axis) and ``StackTransform(tseq, dim)`` (each on its entry of an axis).
On their own or in a ``TransformedDistribution`` (``ReshapeTransform`` changes its event shape);
all recorded, so gradients flow through them."""

from __future__ import annotations

import math
from typing import Any

from mytorch.distributions import constraints
from mytorch.distributions.transforms import Transform
from mytorch.tensor import Tensor
from mytorch.tensor_shape import cat, narrow, select, stack

__all__ = ["CatTransform", "ReshapeTransform", "StackTransform"]


def _sizes(shape: Any) -> tuple[int, ...]:
    return tuple(int(n) for n in shape)


class ReshapeTransform(Transform):
    """The last ``len(in_shape)`` axes, of sizes ``in_shape``, reshaped to ``out_shape`` (the same
    number of entries); the axes before them are a batch. A bijection of unit Jacobian."""

    def __init__(self, in_shape: Any, out_shape: Any, cache_size: int = 0) -> None:
        super().__init__(cache_size)
        self.in_shape, self.out_shape = _sizes(in_shape), _sizes(out_shape)
        if math.prod(self.in_shape) != math.prod(self.out_shape):
            raise ValueError(
                f"ReshapeTransform: in_shape {self.in_shape} and out_shape {self.out_shape} hold different numbers "
                f"of entries ({math.prod(self.in_shape)} and {math.prod(self.out_shape)})"
            )
        self.domain = constraints.independent(constraints.real, len(self.in_shape))
        self.codomain = constraints.independent(constraints.real, len(self.out_shape))
        self.event_dim = len(self.in_shape)

    @staticmethod
    def _batch(shape: tuple[int, ...], event: tuple[int, ...], side: str) -> tuple[int, ...]:
        """The batch axes of ``shape``, whose last axes must be ``event``."""
        cut = len(shape) - len(event)
        if cut < 0 or tuple(shape[cut:]) != event:
            raise ValueError(f"ReshapeTransform: a shape of {shape} does not end with the {side} {event}")
        return tuple(shape[:cut])

    def forward_shape(self, shape: Any) -> tuple[int, ...]:
        """``shape`` with its last axes ``in_shape`` replaced by ``out_shape``."""
        return self._batch(_sizes(shape), self.in_shape, "in_shape") + self.out_shape

    def inverse_shape(self, shape: Any) -> tuple[int, ...]:
        """``shape`` with its last axes ``out_shape`` replaced by ``in_shape``."""
        return self._batch(_sizes(shape), self.out_shape, "out_shape") + self.in_shape

    def _forward(self, x: Tensor) -> Tensor:
        return x.reshape(*self.forward_shape(x.shape))

    def _inverse(self, y: Tensor) -> Tensor:
        return y.reshape(*self.inverse_shape(y.shape))

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """Zeros, one per batch entry (x's shape less ``in_shape``)."""
        return x.new_zeros(*self._batch(_sizes(x.shape), self.in_shape, "in_shape"))


def _transforms(kind: str, tseq: Any) -> list[Transform]:
    parts = list(tseq)
    if not parts or not all(isinstance(t, Transform) for t in parts):
        raise TypeError(f"{kind}: tseq must be a non-empty sequence of distributions.transforms Transforms")
    return parts


def _check_axis(kind: str, dim: int, x: Tensor) -> None:
    if not -x.ndim <= dim < x.ndim:
        raise ValueError(f"{kind}: dim {dim} is out of range for an input of shape {tuple(x.shape)}")


class CatTransform(Transform):
    """``tseq[i]`` applied to the i-th slice, of ``lengths[i]`` entries (1 each by default), along
    axis ``dim``, the outputs concatenated there (``torch.cat``'s layout)."""

    def __init__(self, tseq: Any, dim: int = 0, lengths: Any = None, cache_size: int = 0) -> None:
        super().__init__(cache_size)
        self.transforms = _transforms("CatTransform", tseq)
        self.lengths = [1] * len(self.transforms) if lengths is None else [int(n) for n in lengths]
        if len(self.lengths) != len(self.transforms):
            raise ValueError(f"CatTransform: {len(self.lengths)} lengths for {len(self.transforms)} transforms")
        self.dim = int(dim)
        self.length = sum(self.lengths)
        self.event_dim = max(t.event_dim for t in self.transforms)
        self.domain = constraints.cat([t.domain for t in self.transforms], self.dim, self.lengths)
        self.codomain = constraints.cat([t.codomain for t in self.transforms], self.dim, self.lengths)

    def _slices(self, x: Tensor) -> list[Tensor]:
        _check_axis("CatTransform", self.dim, x)
        if x.shape[self.dim] != self.length:
            raise ValueError(
                f"CatTransform: axis {self.dim} of an input of shape {tuple(x.shape)} must have the "
                f"{self.length} entries of lengths {self.lengths}"
            )
        starts = [sum(self.lengths[:i]) for i in range(len(self.lengths))]
        return [narrow(x, self.dim, start, n) for start, n in zip(starts, self.lengths)]

    def _forward(self, x: Tensor) -> Tensor:
        return cat([t(piece) for t, piece in zip(self.transforms, self._slices(x))], self.dim)

    def _inverse(self, y: Tensor) -> Tensor:
        return cat([t.inv(piece) for t, piece in zip(self.transforms, self._slices(y))], self.dim)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """Each transform's log |det J| on its slice, summed over the axes of its event up to this
        one's ``event_dim``; concatenated along ``dim`` when that axis is a batch axis, added up when
        it lies within the event (PyTorch's)."""
        pieces = []
        for t, x_piece, y_piece in zip(self.transforms, self._slices(x), self._slices(y)):
            jacobian = t.log_abs_det_jacobian(x_piece, y_piece)
            extra = self.event_dim - t.event_dim
            pieces.append(jacobian.sum(tuple(range(-extra, 0))) if extra else jacobian)
        axis = (self.dim - x.ndim if self.dim >= 0 else self.dim) + self.event_dim
        if axis < 0:
            return cat(pieces, axis)
        total = pieces[0]
        for piece in pieces[1:]:
            total = total + piece
        return total


class StackTransform(Transform):
    """``tseq[i]`` applied to the i-th entry along axis ``dim`` (which must have one entry per
    transform), the outputs stacked there (``torch.stack``'s layout)."""

    def __init__(self, tseq: Any, dim: int = 0, cache_size: int = 0) -> None:
        super().__init__(cache_size)
        self.transforms = _transforms("StackTransform", tseq)
        self.dim = int(dim)
        self.domain = constraints.stack([t.domain for t in self.transforms], self.dim)
        self.codomain = constraints.stack([t.codomain for t in self.transforms], self.dim)
        self.event_dim = self.domain.event_dim

    def _entries(self, x: Tensor) -> list[Tensor]:
        _check_axis("StackTransform", self.dim, x)
        if x.shape[self.dim] != len(self.transforms):
            raise ValueError(
                f"StackTransform: axis {self.dim} of an input of shape {tuple(x.shape)} must have one entry for "
                f"each of the {len(self.transforms)} transforms"
            )
        return [select(x, self.dim, i) for i in range(len(self.transforms))]

    def _forward(self, x: Tensor) -> Tensor:
        return stack([t(entry) for t, entry in zip(self.transforms, self._entries(x))], self.dim)

    def _inverse(self, y: Tensor) -> Tensor:
        return stack([t.inv(entry) for t, entry in zip(self.transforms, self._entries(y))], self.dim)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        """Each transform's log |det J| on its entry, stacked along ``dim``."""
        entries = zip(self.transforms, self._entries(x), self._entries(y))
        return stack([t.log_abs_det_jacobian(a, b) for t, a, b in entries], self.dim)

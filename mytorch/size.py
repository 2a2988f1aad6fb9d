"""``Size``: PyTorch's ``torch.Size``, what ``t.shape`` and ``t.size()`` return.

A tuple of ints, so it equals and hashes as the plain tuple (``t.shape == (2, 3)``), unpacks,
indexes to ints and is a shape NumPy takes (``np.zeros(t.shape)``); it prints as PyTorch's
(``torch.Size([2, 3])``), counts its elements (``numel()``), and stays a ``Size`` when sliced,
joined with a tuple or repeated, as PyTorch's does. No MyTorch import: the Tensor's ``shape``
makes one per read.
"""

from __future__ import annotations

import math
import operator
from typing import Any, SupportsIndex, overload

__all__ = ["Size"]


class Size(tuple[int, ...]):
    """PyTorch's ``torch.Size``: a tuple of ints (see the module's text)."""

    def __new__(cls, sizes: Any = ()) -> Size:
        """``Size([2, 3])``, ``Size((2, 3))``, ``Size(range(3))``: each item an int (a NumPy integer or a
        one-element integer tensor is read as its int, as PyTorch's).

        Raises:
            TypeError: an item that is not an integer (``Size([2.5])``), or ``sizes`` not iterable.
        """
        items = tuple(sizes)
        try:
            return tuple.__new__(cls, [operator.index(n) for n in items])
        except TypeError:
            bad = next(i for i, n in enumerate(items) if not hasattr(n, "__index__"))
            raise TypeError(
                f"torch.Size() takes an iterable of 'int' (item {bad} is '{type(items[bad]).__name__}')"
            ) from None

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds (1 for ``Size([])``)."""
        return math.prod(self)

    def __repr__(self) -> str:
        return f"torch.Size({list(self)})"

    @overload
    def __getitem__(self, index: SupportsIndex) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> Size: ...

    def __getitem__(self, index: SupportsIndex | slice) -> int | Size:
        """An int, or a ``Size`` for a slice (``x.shape[1:]``), as PyTorch's."""
        if isinstance(index, slice):
            return tuple.__new__(Size, tuple.__getitem__(self, index))
        return tuple.__getitem__(self, index)

    def __add__(self, other: tuple[Any, ...]) -> Size:
        """``shape + (4,)``: a ``Size`` (of ints only, as PyTorch's)."""
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(self, other))

    def __radd__(self, other: tuple[Any, ...]) -> Size:
        """``(4,) + shape``: a ``Size``, as PyTorch's."""
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(other, self))

    def __mul__(self, count: SupportsIndex) -> Size:
        """``shape * 2``: the sizes repeated, a ``Size``."""
        repeated = tuple.__mul__(self, count)
        return repeated if repeated is NotImplemented else tuple.__new__(Size, repeated)

    __rmul__ = __mul__

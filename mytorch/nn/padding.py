"""``F.pad``: PyTorch's padding of a tensor's last axes, in four modes.

No derivative of its own; each mode is an index of the kernel table:

* ``"constant"``: a tensor of ``value`` with the input written into its middle (kernel
  ``setitem``: the input's gradient is the output's gradient there); a negative pad first
  crops the input (kernel ``index``);
* ``"reflect"``, ``"replicate"``, ``"circular"``: along each padded axis, the input taken at
  an index vector (kernel ``index``: a repeated element adds up its gradients), the vector
  being the axis mirrored without its edge, its edge repeated, or wrapped around (a negative
  pad leaves out that many elements, except in ``"circular"``, which refuses it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from mytorch.tensor import Tensor, _apply, _stored

__all__ = ["pad"]

MODES = ("constant", "reflect", "replicate", "circular")


def _pairs(pad: Sequence[int], shape: tuple[int, ...]) -> list[tuple[int, int, int]]:
    """``(axis, before, after)`` for each padded axis: ``pad`` is (last axis before, after,
    the one before it before, after, ...), as in PyTorch."""
    if not isinstance(pad, Sequence) or not all(isinstance(p, (int, np.integer)) for p in pad):
        raise TypeError(f"pad: pad must be a sequence of ints, got {pad!r}")
    if len(pad) % 2:
        raise ValueError(f"pad: the padding length must be even (pairs of before, after), got {tuple(pad)}")
    if len(pad) // 2 > len(shape):
        raise ValueError(
            f"pad: {len(pad) // 2} padded axes for an input of shape {tuple(shape)} (at most one pair per axis), "
            f"got {tuple(pad)}"
        )
    return [(len(shape) - 1 - i, int(pad[2 * i]), int(pad[2 * i + 1])) for i in range(len(pad) // 2)]


def _constant(x: Tensor, pairs: list[tuple[int, int, int]], value: float) -> Tensor:
    crop = [slice(None)] * x.ndim
    for axis, before, after in pairs:
        n = x.shape[axis]
        if max(-before, 0) + max(-after, 0) > n:  # (as PyTorch refuses it; (1, -4) of 3 cropped 1, not 4)
            raise ValueError(
                f"pad: padding {before, after} crops more than the {n} elements of axis {axis} (shape {tuple(x.shape)})"
            )
        crop[axis] = slice(max(-before, 0), n - max(-after, 0))
    if any(s != slice(None) for s in crop):
        x = _apply("index", (x,), {"index": tuple(crop)})
    shape = list(x.shape)
    place = [slice(None)] * x.ndim
    for axis, before, after in pairs:
        shape[axis] += max(before, 0) + max(after, 0)
        place[axis] = slice(max(before, 0), max(before, 0) + x.shape[axis])
    filled = np.full(shape, _stored(value, x.dtype, "pad"), dtype=x.dtype)  # (300 into uint8 raises, -1 is 255)
    return _apply("setitem", (Tensor(filled), x), {"index": tuple(place)})


def _positions(mode: str, n: int, before: int, after: int, axis: int, shape: tuple[int, ...]) -> np.ndarray:
    """Where each element along a padded axis comes from."""
    limit = n - 1 if mode == "reflect" else n
    # a negative pad crops (reflect, replicate: as in PyTorch, whose circular mode reads outside the input there)
    if (mode == "circular" and min(before, after) < 0) or (mode != "replicate" and max(before, after) > limit):
        rule = {"reflect": "less than", "circular": "at least 0 and at most"}[mode]
        raise ValueError(
            f"pad: mode {mode!r} needs padding {rule} the axis length, got {(before, after)} for axis {axis} "
            f"of length {n} (input of shape {tuple(shape)})"
        )
    if n == 0 or before + n + after <= 0:
        raise ValueError(
            f"pad: mode {mode!r} cannot pad an empty axis nor crop it away, got {(before, after)} for axis {axis} "
            f"of length {n} (input of shape {tuple(shape)})"
        )
    steps = np.arange(-before, n + after)
    if mode == "reflect":
        return np.abs(steps) - 2 * np.maximum(steps - (n - 1), 0)
    if mode == "replicate":
        return np.clip(steps, 0, n - 1)
    return steps % n


def pad(input: Any, pad: Sequence[int], mode: str = "constant", value: float | None = None) -> Tensor:  # noqa: A002
    """``input`` padded on its last ``len(pad) // 2`` axes, as PyTorch's ``F.pad``: ``pad`` is
    ``(before, after)`` for the last axis, then for the one before it, and so on.

    ``mode="constant"`` fills with ``value`` (default 0); ``"reflect"`` mirrors the input
    without its edge (pads less than the axis length), ``"replicate"`` repeats the edge (in
    these three a negative pad crops, as in PyTorch), ``"circular"`` wraps around (pads from 0
    to the axis length: PyTorch's result for a negative one holds values from outside the input). Unlike
    PyTorch, the last three take any number of leading axes (PyTorch wants a batch and
    channel axis: a 1-D input is refused there).

    Raises:
        TypeError: ``input`` is not a Tensor, or ``pad`` is not a sequence of ints.
        ValueError: an odd padding length, more pairs than axes, an unknown mode, a ``value``
            given to a mode other than ``"constant"``, or pads a mode cannot make.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"pad: input must be a mytorch Tensor, got {type(input).__name__}")
    pairs = _pairs(pad, input.shape)
    if mode not in MODES:
        raise ValueError(f"pad: mode must be one of {', '.join(MODES)}; got {mode!r}")
    if mode == "constant":
        return _constant(input, pairs, 0.0 if value is None else value)
    if value is not None:
        raise ValueError(f"pad: mode {mode!r} takes no value argument (as in PyTorch), got value={value!r}")
    x = input
    for axis, before, after in pairs:
        if before or after:
            where = _positions(mode, x.shape[axis], before, after, axis, input.shape)
            x = _apply("index", (x,), {"index": (slice(None),) * axis + (where,)})
    return x

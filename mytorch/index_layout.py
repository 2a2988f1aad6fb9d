"""The memory layout PyTorch gives the result of advanced indexing, for MyTorch's ``index`` kernel.

Whether ``t.flatten()``, ``t.view(-1)`` or ``t.reshape(...)`` of a result is a view (so that an
in-place write through it changes the result) depends on the result's strides. NumPy lays out
``x[:, idx]`` of a C-contiguous ``x`` with the indexed axis outermost (not C-contiguous, so
``flatten`` copies); PyTorch lays it out C-contiguous (``flatten`` is a view). Then
``y = x[:, idx]; y.flatten().mul_(2)`` doubled ``y`` in PyTorch and left it unchanged in MyTorch.

PyTorch orders the result's axes as its elementwise iterator orders any operands: by the strides
of the source (the indexed axes count as broadcast, stride 0) and of the index arrays (stride 0 on
the source's axes), stride 0 on either side leaving two axes' order to the other operands.
``torch_layout`` copies a result into that order when NumPy's differs.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _iteration_order(operands: list[list[int]], shape: list[int]) -> list[int]:
    """The result's axes, fastest first, as PyTorch's iterator sorts them: an insertion sort
    from the last axis, two axes swapped when an operand has a smaller nonzero stride on the
    later one (equal strides: the smaller axis first), kept when one has a smaller stride on
    the earlier one, and compared further when every operand is broadcast on one of them."""

    def should_swap(a: int, b: int) -> int:
        for strides in operands:
            sa, sb = strides[a], strides[b]
            if sa == 0 or sb == 0:
                continue
            if sa != sb:
                return 1 if sa > sb else -1
            if shape[a] > shape[b]:
                return 1
        return 0

    perm = list(range(len(shape) - 1, -1, -1))
    for i in range(1, len(shape)):
        later = i
        for earlier in range(i - 1, -1, -1):
            verdict = should_swap(perm[earlier], perm[later])
            if verdict > 0:
                perm[earlier], perm[later] = perm[later], perm[earlier]
                later = earlier
            elif verdict < 0:
                break
    return perm


def _parts(x: np.ndarray, index: Any) -> list[Any] | None:
    """``index`` as one entry per source axis (Ellipsis spelled out, a mask as the index arrays of
    its true elements, as PyTorch reads it), None entries kept; None for an index this module
    does not model (an integer among index arrays, which MyTorch turns into arrays before)."""
    parts: list[Any] = []
    for p in index if isinstance(index, tuple) else (index,):
        if isinstance(p, np.ndarray) and p.dtype == np.bool_ and p.ndim:
            found = np.stack(np.nonzero(p), 1)  # (PyTorch's nonzero: one row per element)
            parts.extend(found[:, k] for k in range(p.ndim))
        elif isinstance(p, (slice, np.ndarray)) or p is None or p is Ellipsis:
            parts.append(np.asarray(p) if isinstance(p, np.ndarray) and p.dtype == np.bool_ else p)
        else:
            return None
    if any(isinstance(p, np.ndarray) and p.dtype == np.bool_ for p in parts):
        return None  # (a 0-d mask)
    used = sum(p is not None and p is not Ellipsis for p in parts)
    rest = [slice(None)] * (x.ndim - used)
    if Ellipsis in [p for p in parts if not isinstance(p, np.ndarray)]:
        k = next(i for i, p in enumerate(parts) if p is Ellipsis and not isinstance(p, np.ndarray))
        return parts[:k] + rest + parts[k + 1 :]
    return parts + rest


def torch_layout(out: np.ndarray, x: np.ndarray, index: Any) -> np.ndarray:
    """``out = x[index]`` (advanced indexing: a new array), in the layout PyTorch gives it."""
    if out.ndim < 2 or (type(index) is np.ndarray and x.flags.c_contiguous):
        return out  # (one index array of a C-contiguous source: both C-contiguous)
    parts = _parts(x, index)
    if parts is None:
        return out
    adv = [i for i, p in enumerate(parts) if isinstance(p, np.ndarray)]
    if not adv:
        return out
    arrays = np.broadcast_arrays(*[parts[i] for i in adv])
    bshape = arrays[0].shape
    source: list[int] = []
    indices: list[list[int]] = [[] for _ in arrays]
    shape: list[int] = []

    def axis(size: int, stride: int, index_strides: list[int]) -> None:
        shape.append(size)
        source.append(stride)
        for strides, s in zip(indices, index_strides, strict=True):
            strides.append(s)

    def index_axes() -> None:
        for k, size in enumerate(bshape):
            axis(size, 0, [a.strides[k] // a.itemsize for a in arrays])

    adjacent = adv == list(range(adv[0], adv[-1] + 1))
    if not adjacent:
        index_axes()
    zeros = [0] * len(arrays)
    d = 0
    for i, p in enumerate(parts):
        if isinstance(p, np.ndarray):
            if adjacent and i == adv[0]:
                index_axes()
            d += 1
        elif p is None:  # (PyTorch's unsqueeze: the stride of the next axis times its length)
            after = not adjacent or i > adv[0]  # (PyTorch's reshape of an index array: 1 after it, its size before)
            axis(
                1,
                x.strides[d] // x.itemsize * x.shape[d] if d < x.ndim else 1,
                [1 if after else int(np.prod(bshape))] * len(arrays),
            )
        else:
            start, stop, step = p.indices(x.shape[d])
            axis(len(range(start, stop, step)), x.strides[d] // x.itemsize * step, zeros)
            d += 1
    if tuple(shape) != out.shape:
        return out
    slowest_first = _iteration_order([source, *indices], shape)[::-1]
    wanted = np.empty([shape[k] for k in slowest_first], dtype=out.dtype).transpose(np.argsort(slowest_first))
    if all(a == b for a, b, n in zip(wanted.strides, out.strides, shape, strict=True) if n > 1):
        return out
    wanted[...] = out
    return wanted

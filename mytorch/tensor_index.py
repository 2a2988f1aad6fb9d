"""Indexing along one axis with PyTorch's names: ``gather``, ``index_select``, ``scatter``,
``scatter_add``, ``index_fill`` (and the in-place ``scatter_``, ``scatter_add_``, ``index_fill_``),
and the reorderings built on them: ``flip`` (``fliplr``, ``flipud``) and ``repeat_interleave``.

None has a derivative of its own: each is an index of the kernel table, so the gradients,
forward mode and second derivatives are the ``index`` / ``index_scatter`` / ``setitem`` rows'
(repeated indices accumulate their gradients, as in PyTorch):

* ``gather(x, dim, index)`` is ``x[coordinates]`` (kernel ``index``), the coordinates being
  ``index`` along ``dim`` and the position itself along every other axis;
* ``index_select(x, dim, index)`` is ``x[:, ..., index]`` (kernel ``index``);
* ``scatter_add(x, dim, index, src)`` is ``x + index_scatter(src, coordinates)`` (kernels
  ``index_scatter`` and ``add``);
* ``scatter(x, dim, index, src)`` is ``x`` with ``x[coordinates] = src`` (kernel ``setitem``);
* ``index_fill(x, dim, index, value)`` is ``masked_fill`` with the mask true at ``index`` along
  ``dim`` (kernel ``where``);
* ``flip(x, dims)`` and ``repeat_interleave(x, repeats, dim)`` are ``index_select`` with the
  reversed or repeated positions (kernel ``index``: copies, as PyTorch's, never views).

Indices must be integer tensors (or arrays) inside the axis, ``0 <= i < x.shape[dim]``: a
negative index is refused, as PyTorch refuses it. Bad input raises ``TypeError`` (an index
that is not integers, a ``src`` of another dtype) or ``IndexOutOfRangeError`` (a ``ValueError``
and an ``IndexError``: an index outside the axis, shapes that do not fit), each naming the
function and the shapes.
"""

from __future__ import annotations

import builtins
import functools
from typing import Any

import numpy as np

from mytorch.arguments import GatherIndexError, IndexOutOfRangeError, check_dim, size_arg, sizes_or
from mytorch.autograd_engine import is_grad_enabled
from mytorch.op_names import named
from mytorch.tensor import Tensor, _apply, _assign, _stored, check_setting
from mytorch.tensor_math import _fill_value
from mytorch.tensor_pointwise import whole_setting

__all__ = [
    "fliplr",
    "flipud",
    "flip",
    "gather",
    "index_add",
    "index_copy",
    "index_put",
    "masked_scatter",
    "put",
    "index_fill",
    "index_select",
    "repeat_interleave",
    "scatter",
    "scatter_add",
]


def _data(x: Any) -> np.ndarray:
    return x._data if isinstance(x, Tensor) else np.asarray(x)


def _indices(op: str, index: Any, x_shape: tuple[int, ...], dim: int) -> np.ndarray:
    """``index`` as an int64 array, checked to be integers in [0, x_shape[dim])."""
    values = _data(index)
    if values.dtype.kind not in "iu":
        raise TypeError(f"{op}: the index must be an integer tensor (int64, as torch.long), got dtype {values.dtype}")
    n = x_shape[dim] if x_shape else 1
    if values.size and (values.min() < 0 or values.max() >= n):
        raise (GatherIndexError if op.startswith(("gather", "scatter")) else IndexOutOfRangeError)(
            f"{op}: index values must lie in [0, {n}) along dim {dim} of a tensor of shape {x_shape}; "
            f"got {values.min()} .. {values.max()} (negative indices are refused, as in PyTorch)"
        )
    return values.astype(np.int64, copy=False)


def _dim(op: str, dim: Any, ndim: int) -> int:
    if isinstance(dim, builtins.bool) or not isinstance(dim, (builtins.int, np.integer)):
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}")
    return check_dim(op, dim, builtins.max(ndim, 1))


def _coordinates(index: np.ndarray, dim: int) -> tuple[Any, ...]:
    """The advanced index of the elements ``gather`` reads: ``index`` along ``dim``, each
    position's own coordinate along the other axes (broadcast ``arange``s)."""
    ndim = index.ndim
    return tuple(index if d == dim else _arange(n, d, ndim) for d, n in enumerate(index.shape))


def _arange(n: int, d: int, ndim: int) -> np.ndarray:
    """``arange(n)`` along axis ``d`` of ``ndim``, read-only: memory nobody else holds, which the
    graph's saves (``mytorch.saved``) then pass over (an index the user handed over is saved)."""
    grid = np.arange(n)
    grid.setflags(write=False)
    return grid.reshape([n if k == d else 1 for k in range(ndim)])


def _check_along(op: str, index: np.ndarray, dim: int, shape: tuple[int, ...], what: str, every: bool) -> None:
    """``index`` has ``shape``'s number of axes and is no longer than it (along every axis, or
    every axis but ``dim``)."""
    too_long = [d for d, (i, n) in enumerate(zip(index.shape, shape)) if i > n and (every or d != dim)]
    if index.ndim != len(shape) or too_long:
        where = "any axis" if every else f"any axis but dim {dim}"
        raise IndexOutOfRangeError(
            f"{op}: the index (shape {tuple(index.shape)}) must have as many axes as {what} (shape {shape}) and be "
            f"no longer than it along {where}"
        )


def gather(input: Any, dim: Any, index: Any, *, sparse_grad: builtins.bool = False) -> Tensor:  # noqa: A002
    """``out[i][j][k] = input[i][index[i][j][k]][k]`` for ``dim=1`` (likewise for any dim): the
    elements ``index`` names along ``dim``; the result has ``index``'s shape. Kernel ``index``.

    Raises:
        TypeError: the index is not integers.
        IndexOutOfRangeError: an index outside ``[0, input.shape[dim])``, or an index with another
            number of axes than ``input``, or longer than it along an axis other than ``dim``.
    """
    x = _data(input)
    d = _dim("gather", dim, x.ndim)
    values = _data(index)
    if x.ndim == 0:  # one element: a 0-d or 1-D index of zeros, as in PyTorch
        _check_along("gather", values.reshape(-1), 0, (1,), "the input", every=False)
        idx = _indices("gather", values, x.shape, d)
        return _apply("index", (_apply("reshape", (input,), {"shape": (1,)}),), {"index": idx})
    _check_along("gather", values, d, x.shape, "the input", every=False)
    idx = _indices("gather", values, x.shape, d)
    return _apply("index", (input,), named({"index": _coordinates(idx, d)}, "GatherBackward0"))


def index_select(input: Any, dim: Any, index: Any) -> Tensor:  # noqa: A002
    """The slices of ``input`` at positions ``index`` (one axis of integers) along ``dim``, in
    that order (repeats allowed). Kernel ``index``.

    Raises:
        TypeError: the index is not integers.
        IndexOutOfRangeError: an index outside ``[0, input.shape[dim])``, or an index of more than one axis.
    """
    x = _data(input)
    d = _dim("index_select", dim, x.ndim)
    values = _data(index)
    if values.ndim > 1:
        raise IndexOutOfRangeError(
            f"index_select: the index must have one axis (a vector), got shape {tuple(values.shape)}"
        )
    vector = values if values.ndim == 1 else values.reshape(-1)  # a vector as it is: replay needs the same object
    idx = _indices("index_select", vector, x.shape, d)
    if x.ndim == 0:  # one element along its one "axis": a 0-d result, as in PyTorch
        if idx.size != 1:
            raise IndexOutOfRangeError(f"index_select: a 0-d input takes one index, got {idx.size}")
        return _apply("reshape", (input,), {"shape": ()})
    return _apply("index", (input,), named({"index": (slice(None),) * d + (idx,)}, "IndexSelectBackward0"))


def _source(op: str, x: np.ndarray, d: int, index: Any, src: Any) -> tuple[tuple[Any, ...], Any]:
    """The coordinates ``scatter`` and ``scatter_add`` write to, and what they write: ``src``
    cut to the index's shape (a number stays a number, cast to an integer or boolean input's dtype)."""
    values = _data(index)
    _check_along(op, values, d, x.shape, "the input", every=False)
    idx = _indices(op, values, x.shape, d)
    if isinstance(src, (builtins.int, builtins.float, np.number)) and not isinstance(src, builtins.bool):
        # in the tensor's dtype (1.7 into int64 is 1; 300 into uint8 raises, 70000.0 into float16 too), as in PyTorch
        return _coordinates(idx, d), _stored(src, x.dtype, op)
    s = _data(src)
    if s.dtype != x.dtype:
        raise TypeError(f"{op}: src has dtype {s.dtype} and the input {x.dtype}; they must be the same, as in PyTorch")
    _check_along(op, idx, d, s.shape, "src", every=True)
    if s.shape != idx.shape:  # only the part of src the index covers is used
        src = _apply("index", (src,), {"index": tuple(slice(0, n) for n in idx.shape)})
    return _coordinates(idx, d), src


def scatter_add(input: Any, dim: Any, index: Any, src: Any) -> Tensor:  # noqa: A002
    """A copy of ``input`` with ``src`` added at the places ``index`` names along ``dim``:
    ``out[i][index[i][j]] += src[i][j]`` for ``dim=1``; repeated places add up. ``src`` has
    the input's dtype and at least the index's lengths (only that part of it is used).
    Kernels ``index_scatter`` and ``add``.

    Raises:
        TypeError: the index is not integers, or ``src`` has another dtype.
        IndexOutOfRangeError: an index outside the axis, or shapes that do not fit.
    """
    x = _data(input)
    d = _dim("scatter_add", dim, x.ndim)
    if isinstance(src, (builtins.int, builtins.float)):
        raise TypeError("scatter_add: src must be a tensor (torch.full_like(index, value, dtype=...) for a number)")
    where, part = _source("scatter_add", x, d, index, src)
    added = _apply("index_scatter", (part,), {"index": where, "shape": x.shape})
    return _apply("add", (input, added))


def _reduced_scatter(op: str, input: Any, dim: Any, index: Any, src: Any, reduce: str) -> Tensor:  # noqa: A002
    """PyTorch's older ``scatter(..., reduce="add" | "multiply")``: repeated places add up (as
    ``scatter_add``, with its gradient) or multiply (NumPy's ``multiply.at``, without one: PyTorch
    has none either, so a tensor that needs a gradient is refused)."""
    x = _data(input)
    d = _dim(op, dim, x.ndim)
    if isinstance(src, (builtins.int, builtins.float)) and not isinstance(src, builtins.bool):
        src = Tensor(np.full(_data(index).shape, _stored(src, x.dtype, op), dtype=x.dtype))
    if reduce == "add":
        return scatter_add(input, d, index, src)
    if reduce != "multiply":
        raise ValueError(f"{op}: reduce must be 'add' or 'multiply', got {reduce!r} (scatter_reduce has the others)")
    if is_grad_enabled() and any(isinstance(t, Tensor) and t.requires_grad for t in (input, src)):
        raise RuntimeError(f"{op}: reduce='multiply' has no gradient, as in PyTorch (scatter_reduce(..., 'prod'))")
    where, part = _source(op, x, d, index, src)
    out = x.copy()
    np.multiply.at(out, where, _data(part))
    return Tensor(out)


def scatter(
    input: Any,  # noqa: A002
    dim: Any,
    index: Any,
    src: Any = None,
    *,
    value: Any = None,
    reduce: str | None = None,
) -> Tensor:
    """A copy of ``input`` with ``src`` (a tensor, or a number: ``value``) written at the places
    ``index`` names along ``dim``: ``out[i][index[i][j]] = src[i][j]`` for ``dim=1``. Where
    the index repeats a place, one of the values lands there (which one is not defined, as in
    PyTorch); each of them gets the gradient there, as in PyTorch. Kernel ``setitem``.
    ``reduce="add"`` or ``"multiply"`` combines the values with what is there instead.

    Raises:
        TypeError: the index is not integers, ``src`` has another dtype, or both or neither of
            ``src`` and ``value`` are given.
        IndexOutOfRangeError: an index outside the axis, or shapes that do not fit.
    """
    if (src is None) == (value is None):
        raise TypeError("scatter: give src (a tensor or a number) or value, not both")
    if reduce is not None:
        return _reduced_scatter("scatter", input, dim, index, value if src is None else src, reduce)
    x = _data(input)
    d = _dim("scatter", dim, x.ndim)
    where, part = _source("scatter", x, d, index, value if src is None else src)
    return _apply("setitem", (input, part), {"index": where})


def scatter_(
    self: Tensor, dim: Any, index: Any, src: Any = None, *, value: Any = None, reduce: str | None = None
) -> Tensor:
    """``scatter`` written into this tensor (an in-place operation; returns it)."""
    if (src is None) == (value is None):
        raise TypeError("scatter_: give src (a tensor or a number) or value, not both")
    if reduce is not None:
        reduced = _reduced_scatter("scatter_", self, dim, index, value if src is None else src, reduce)
        return _assign(self, Ellipsis, reduced, "scatter_")
    d = _dim("scatter_", dim, self.ndim)
    where, part = _source("scatter_", self._data, d, index, value if src is None else src)
    return _assign(self, where, part, "scatter_")


def scatter_add_(self: Tensor, dim: Any, index: Any, src: Any) -> Tensor:
    """``scatter_add`` written into this tensor (an in-place operation; returns it)."""
    return _assign(self, Ellipsis, scatter_add(self, dim, index, src), "scatter_add_")


def _filled(op: str, shape: tuple[int, ...], dim: Any, index: Any) -> np.ndarray:
    """The bool mask of ``index_fill``: true at the positions ``index`` (a vector or one integer,
    negative ones counted from the end, as PyTorch's) along ``dim``, broadcastable to ``shape``."""
    d = _dim(op, dim, len(shape))
    values = _data(index)
    if values.ndim > 1:
        raise IndexOutOfRangeError(f"{op}: the index must be a vector or one integer, got shape {tuple(values.shape)}")
    n = shape[d] if shape else 1
    if values.dtype.kind not in "iu":
        raise TypeError(f"{op}: the index must be an integer tensor (int64, as torch.long), got dtype {values.dtype}")
    if values.size and (values.min() < -n or values.max() >= n):
        raise IndexOutOfRangeError(
            f"{op}: index values must lie in [-{n}, {n}) along dim {d} of a tensor of shape {shape}; "
            f"got {values.min()} .. {values.max()}"
        )
    along = np.zeros(n, dtype=bool)
    along[values.reshape(-1)] = True
    return along.reshape([n if k == d else 1 for k in range(len(shape))])


def index_fill(input: Any, dim: Any, index: Any, value: Any) -> Tensor:  # noqa: A002
    """A copy of ``input`` with ``value`` (a number, or a 0-d tensor whose gradient is the sum of
    the gradient at the filled places) in the slices ``index`` names along ``dim``. Kernel ``where``.

    Raises:
        TypeError: the index is not integers, or the value not a number or a 0-d tensor.
        IndexOutOfRangeError: an index outside ``[-n, n)`` for an axis of length ``n``, or an index
            of more than one axis.
    """
    x = _data(input)
    mask = _filled("index_fill", x.shape, dim, index)
    fill = _fill_value("index_fill", value, x)
    return _apply("where", (fill, input if isinstance(input, Tensor) else Tensor(x)), {"condition": mask})


def index_fill_(self: Tensor, dim: Any, index: Any, value: Any) -> Tensor:
    """``index_fill`` written into this tensor (an in-place operation; returns it)."""
    mask = _filled("index_fill_", self.shape, dim, index)
    fill = _fill_value("index_fill_", value, self._data)
    return _assign(self, np.broadcast_to(mask, self.shape), fill, "index_fill_")


def _reordered(x: Any, d: int, positions: np.ndarray, name: str = "IndexBackward0") -> Tensor:
    """``x`` with the slices along axis ``d`` taken at ``positions`` (a copy; the node named ``name``)."""
    return _apply("index", (x,), named({"index": (slice(None),) * d + (positions,)}, name))


def flip(input: Any, *axes: Any, dims: Any = None) -> Tensor:  # noqa: A002
    """``input`` with the order of its elements reversed along each axis in ``dims`` (ints, or one
    list or tuple of them: ``flip(x, [0, 1])``, ``x.flip(0, 1)``, ``flip(x, dims=[1])``), copied,
    as ``torch.flip``.
    Kernel ``index``, once per axis.

    Raises:
        TypeError: a dim is not an int. IndexError: a dim outside the axes.
        RuntimeError: an axis given twice, as in PyTorch.
    """
    x = _data(input)
    dims = sizes_or("flip", axes, dims, "dims")
    flipped = [_dim("flip", d, max(x.ndim, 1)) for d in size_arg("flip", dims)]  # (0-d: 0 and -1 only)
    flipped = flipped if x.ndim else []
    if len(set(flipped)) != len(flipped):
        raise RuntimeError(f"flip: dims {dims} name an axis more than once")
    out = input if isinstance(input, Tensor) else Tensor(x)
    if not flipped:
        return _apply("clone", (out,), named({}, "FlipBackward0"))
    for d in flipped:
        out = _reordered(out, d, _reversed_positions(x.shape[d]), "FlipBackward0")
    return out


@functools.lru_cache(maxsize=256)
def _reversed_positions(n: int) -> np.ndarray:
    """``[n - 1, ..., 1, 0]``, read-only, one array per length: a step that flips reads the same
    index array at every call, so that replay can repeat it."""
    positions = np.arange(n - 1, -1, -1)
    positions.flags.writeable = False
    return positions


def fliplr(input: Any) -> Tensor:  # noqa: A002
    """``flip(input, 1)`` of a tensor of at least 2 axes: the columns in reverse order."""
    if _data(input).ndim < 2:
        raise ValueError(f"fliplr: the input must have at least 2 axes, got shape {_data(input).shape}")
    return flip(input, 1)


def flipud(input: Any) -> Tensor:  # noqa: A002
    """``flip(input, 0)`` of a tensor of at least 1 axis: the rows in reverse order."""
    if _data(input).ndim < 1:
        raise ValueError("flipud: the input must have at least 1 axis, got a 0-d tensor")
    return flip(input, 0)


def repeat_interleave(input: Any, repeats: Any = None, dim: Any = None) -> Tensor:  # noqa: A002
    """Each element of ``input`` (flattened when ``dim`` is None), or each slice along ``dim``,
    repeated ``repeats`` times in place: ``[1, 2] -> [1, 1, 2, 2]`` (``tile`` and ``repeat`` repeat
    the whole). ``repeats`` is an int or an integer tensor with one count per slice; the gradient
    of a slice is the sum over its copies (kernel ``index``). ``repeat_interleave(counts)`` alone
    gives the positions ``0..n-1``, each repeated its count, as PyTorch's.

    Raises:
        TypeError: ``repeats`` is not an integer or an integer tensor.
        RuntimeError: a negative count, or one count per slice was not given.
    """
    if repeats is None:  # torch.repeat_interleave(counts)
        counts = _data(input)
        if counts.ndim > 1 or counts.dtype.kind not in "iu":
            raise TypeError(
                f"repeat_interleave: the counts must be a vector of integers, got {counts.dtype} {tuple(counts.shape)}"
            )
        input, repeats, dim = Tensor(np.arange(counts.size)), counts.reshape(-1), 0  # noqa: A001
    x = _data(input)
    if dim is None:
        input = _apply("reshape", (input if isinstance(input, Tensor) else Tensor(x),), {"shape": (-1,)})  # noqa: A001
        x, d = x.reshape(-1), 0
    else:
        d = _dim("repeat_interleave", dim, x.ndim)
    n = x.shape[d] if x.ndim else 1
    counts = np.asarray(_data(repeats))
    if counts.dtype.kind not in "iu" or counts.ndim > 1:
        raise TypeError(
            f"repeat_interleave: repeats must be an int or a vector of integers, got {counts.dtype} "
            f"{tuple(counts.shape)}"
        )
    if (counts < 0).any():
        raise RuntimeError(f"repeat_interleave: repeats must be non-negative, got {counts.tolist()}")
    if counts.size not in (1, n):
        raise RuntimeError(
            f"repeat_interleave: {counts.size} repeats for {n} slices along dim {d} (give one, or one per slice)"
        )
    if x.ndim == 0:
        input = _apply("reshape", (input,), {"shape": (1,)})  # noqa: A001
    return _reordered(input, d, np.repeat(np.arange(n), counts.reshape(-1)))


def _source_dtype(op: str, dtype: np.dtype, source: Any) -> None:
    """A ``source`` tensor of another dtype than the tensor's refused, as PyTorch's ``index_add``,
    ``index_copy``, ``index_put`` and ``put`` refuse it (a float source into an int64 tensor was
    truncated, or made index_add's result float64). Lists, arrays and numbers are taken in the
    tensor's dtype."""
    if isinstance(source, Tensor) and source.dtype != dtype:
        raise TypeError(f"{op}: source has dtype {source.dtype}, the tensor {dtype}: they must be the same")


def index_add(input: Any, dim: Any, index: Any, source: Any, *, alpha: Any = 1) -> Tensor:  # noqa: A002
    """A copy of ``input`` with ``alpha * source``'s slices added at the positions ``index`` (a
    vector, repeats adding up) names along ``dim``: ``out[:, index[j]] += alpha * source[:, j]``
    for ``dim=1``. Kernels ``index_scatter`` and ``add``.

    Raises:
        TypeError: the index is not integers.
        IndexOutOfRangeError: an index outside the axis, or ``source`` not of the input's shape
            with the index's length along ``dim``.
        RuntimeError: a fractional ``alpha`` for an integer tensor (a whole one is taken as an int).
    """
    x, s = _data(input), _data(source)
    _source_dtype("index_add", x.dtype, source)
    d = _dim("index_add", dim, x.ndim)
    values = _data(index).reshape(-1)
    idx = _indices("index_add", values, x.shape, d)
    expected = x.shape[:d] + (len(idx),) + x.shape[d + 1 :] if x.ndim else (len(idx),)
    if s.shape != expected:
        raise IndexOutOfRangeError(
            f"index_add: source has shape {tuple(s.shape)}; an input of shape {tuple(x.shape)} and {len(idx)} "
            f"indices along dim {d} need {expected}"
        )
    part = source if isinstance(source, Tensor) else Tensor(s)
    if x.dtype.kind in "biu" and isinstance(alpha, (float, np.floating)):
        # (an integer tensor: 2.5 made a float result, and ``index_add_`` truncated it, until 2026-12-05)
        alpha = whole_setting("index_add", "alpha", alpha, f"the tensor is {x.dtype}")
    if alpha != 1:
        check_setting("index_add", "alpha", alpha, x.dtype)  # (70000.0 for float16 was inf)
        part = part * alpha
    added = _apply("index_scatter", (part,), {"index": (slice(None),) * d + (idx,), "shape": x.shape})
    return _apply("add", (input, added))


def index_add_(self: Tensor, dim: Any, index: Any, source: Any, *, alpha: Any = 1) -> Tensor:
    """``index_add`` written into this tensor (an in-place operation; returns it)."""
    return _assign(self, Ellipsis, index_add(self, dim, index, source, alpha=alpha), "index_add_")


def _flat_key(indices: Any) -> tuple[Any, ...]:
    """An ``index_put_`` index (a tuple of index tensors or masks) as arrays."""
    return tuple(
        _data(i) if isinstance(i, Tensor) else i for i in (indices if isinstance(indices, tuple) else (indices,))
    )


def _put(self: Tensor, key: Any, values: Any, accumulate: builtins.bool, what: str) -> Tensor:
    """``self[key] = values`` (or ``+=``, repeats adding up, with ``accumulate``), in place."""
    _source_dtype(what, self.dtype, values)
    if not accumulate:
        return _assign(self, key, values, what)
    part = values if isinstance(values, Tensor) else Tensor(np.asarray(values, self.dtype))
    target_shape = np.empty(self.shape, np.int8)[key].shape
    if part.shape != target_shape:
        part = part.expand(*target_shape)
    added = _apply("index_scatter", (part,), {"index": key, "shape": self.shape})
    return _assign(self, Ellipsis, self + added, what)


def index_copy(input: Any, dim: Any, index: Any, source: Any) -> Tensor:  # noqa: A002
    """A copy of ``input`` with its slices at ``index`` along ``dim`` replaced by ``source``'s
    (kernel ``setitem``: the replaced elements get no gradient)."""
    x = (input if isinstance(input, Tensor) else Tensor(_data(input))).clone()
    return index_copy_(x, dim, index, source)


def index_copy_(self: Tensor, dim: Any, index: Any, source: Any) -> Tensor:
    """``index_copy`` written into this tensor (returns it)."""
    _source_dtype("index_copy_", self.dtype, source)
    d = _dim("index_copy_", dim, self.ndim)
    idx = _indices("index_copy_", _data(index).reshape(-1), self.shape, d)
    return _assign(self, (slice(None),) * d + (idx,), source, "index_copy_")


def index_put_(self: Tensor, indices: Any, values: Any, accumulate: builtins.bool = False) -> Tensor:
    """``self[indices] = values`` for a tuple of index tensors (or masks); with ``accumulate``,
    added, repeated indices adding up. In place; returns self."""
    return _put(self, _flat_key(indices), values, accumulate, "index_put_")


def index_put(input: Any, indices: Any, values: Any, accumulate: builtins.bool = False) -> Tensor:  # noqa: A002
    """``index_put_`` on a copy of ``input``."""
    x = (input if isinstance(input, Tensor) else Tensor(_data(input))).clone()
    return index_put_(x, indices, values, accumulate)


def _scatter_mask(op: str, mask: Any, source: Any, dtype: np.dtype) -> np.ndarray:
    """``mask``'s array, refused unless bool, and ``source``'s dtype refused unless ``dtype``, as
    PyTorch's: a mask of 0.0 / 1.0 or a source of another dtype was taken (cast) silently."""
    m = _data(mask)
    if m.dtype != np.bool_:
        raise TypeError(f"{op}: the mask must be a bool tensor (a comparison such as x > 0), got dtype {m.dtype}")
    if isinstance(source, Tensor) and source.dtype != dtype:  # (a list or array is taken in the tensor's dtype)
        raise TypeError(f"{op}: source has dtype {source.dtype}, the tensor {dtype}: they must be the same")
    return m


def masked_scatter_(self: Tensor, mask: Any, source: Any) -> Tensor:
    """The places where ``mask`` (a bool tensor broadcast to this tensor) is true, in row-major
    order, take ``source``'s first elements (``source`` of this tensor's dtype). In place; returns self."""
    m = _scatter_mask("masked_scatter_", mask, source, self.dtype)
    try:
        m = np.broadcast_to(m, self.shape)
    except ValueError:
        raise ValueError(
            f"masked_scatter_: a mask of shape {tuple(m.shape)} does not broadcast to the tensor's shape "
            f"{tuple(self.shape)}"
        ) from None
    count = int(m.sum())
    flat = source.reshape(-1) if isinstance(source, Tensor) else Tensor(_data(source).reshape(-1))
    if flat.shape[0] < count:
        raise IndexOutOfRangeError(
            f"masked_scatter_: the mask selects {count} places, source has {flat.shape[0]} elements"
        )
    return _assign(self, m, flat[:count], "masked_scatter_")


def masked_scatter(input: Any, mask: Any, source: Any) -> Tensor:  # noqa: A002
    """``masked_scatter_`` on a copy of ``input`` broadcast with ``mask``, as PyTorch's."""
    x = input if isinstance(input, Tensor) else Tensor(_data(input))
    m = _scatter_mask("masked_scatter", mask, source, x.dtype)
    shape = np.broadcast_shapes(tuple(x.shape), m.shape)
    x = x.expand(*shape).clone() if shape != tuple(x.shape) else x.clone()
    return masked_scatter_(x, m, source)


def put_(self: Tensor, index: Any, source: Any, accumulate: builtins.bool = False) -> Tensor:
    """The elements at flat positions ``index`` (of the row-major tensor; negative from the end) set
    to ``source``'s (added, with ``accumulate``). In place; returns self."""
    flat = _data(index).reshape(-1).astype(np.int64)
    if flat.size and (flat.max() >= max(self.numel(), 1) or flat.min() < -self.numel()):
        raise IndexOutOfRangeError(f"put_: an index outside {self.numel()} elements")
    key = np.unravel_index(flat % max(self.numel(), 1), self.shape) if self.ndim else ()
    values = source.reshape(-1) if isinstance(source, Tensor) else Tensor(_data(source).reshape(-1))
    return _put(self, key, values, accumulate, "put_")


def put(input: Any, index: Any, source: Any, accumulate: builtins.bool = False) -> Tensor:  # noqa: A002
    """``put_`` on a copy of ``input``."""
    x = (input if isinstance(input, Tensor) else Tensor(_data(input))).clone()
    return put_(x, index, source, accumulate)

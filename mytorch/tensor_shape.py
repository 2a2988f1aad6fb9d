"""Shape functions with PyTorch's names: ``view``, ``squeeze``, ``permute``, ``cat``, ``split``, ...

Each is recorded through the kernel table: ``view``, ``reshape``, ``squeeze``, ``unsqueeze``
and ``flatten`` are the ``reshape`` kernel; ``permute``, ``transpose`` and ``t`` the
``transpose`` kernel; ``expand`` its own kernel; ``cat`` the ``concatenate`` kernel; ``stack``
a ``reshape`` of each input and a ``concatenate``; ``split``, ``chunk`` and ``unbind`` an
``index`` of each piece. They are also methods of ``Tensor`` (``t.view(2, -1)``).

Differences from PyTorch: ``view`` does not require contiguous memory (it is ``reshape``),
and no result shares its gradient with its input's storage: an in-place change to a view
does not reach the tensor it was taken from.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from mytorch.arguments import ShapeRuntimeError, check_dim, dim_arg, size_arg, sizes_or
from mytorch.op_names import named
from mytorch.tensor import Tensor, _apply
from mytorch.tensor_views import mark_together

__all__ = [
    "cat",
    "chunk",
    "concat",
    "concatenate",
    "expand",
    "expand_as",
    "flatten",
    "hstack",
    "meshgrid",
    "movedim",
    "narrow",
    "permute",
    "reshape",
    "reshape_as",
    "resize_",
    "resize_as_",
    "roll",
    "select",
    "split",
    "squeeze",
    "stack",
    "t",
    "tile",
    "transpose",
    "unbind",
    "unsqueeze",
    "view",
    "view_as",
    "vstack",
]


def _shape(x: Any) -> tuple[int, ...]:
    return x.shape if isinstance(x, Tensor) else Tensor(x).shape


def _new_shape(op: str, shape: tuple[Any, ...]) -> tuple[int, ...]:
    """The sizes of ``reshape`` / ``view``: at most one -1 (inferred), no other negative size
    (NumPy's reshape reads any negative size as -1: ``reshape(-2)`` gave a vector, PyTorch raises)."""
    sizes = size_arg(op, shape)
    for k, n in enumerate(sizes):
        if n < -1:
            raise ValueError(f"{op}: size {n} at position {k} of {sizes} is negative (only -1, inferred, is allowed)")
    if sizes.count(-1) > 1:
        raise ValueError(f"{op}: only one size can be inferred (-1), got {sizes}")
    return sizes


def reshape(input: Any, *sizes: Any, shape: Any = None) -> Tensor:  # noqa: A002 - PyTorch's name
    """``input`` with a new shape (``reshape(x, 2, -1)``, ``reshape(x, (2, -1))`` or ``shape=(2, -1)``;
    -1 is inferred)."""
    return _apply("reshape", (input,), {"shape": _new_shape("reshape", sizes_or("reshape", sizes, shape, "shape"))})


def view(input: Any, *sizes: Any, size: Any = None) -> Tensor:  # noqa: A002
    """``input`` with a new shape, as ``reshape`` (MyTorch needs no contiguous memory: where
    PyTorch's ``view`` raises, the result is a copy, read-only so that a write into it raises
    instead of missing ``input``); or, given
    one dtype, ``input``'s bytes read as that dtype (``t.view(torch.int32)``: the last axis
    scaled by the ratio of the sizes), a new tensor outside the graph. PyTorch's ``size=`` too."""
    shape = sizes_or("view", sizes, size, "size")
    if len(shape) == 1 and isinstance(shape[0], (np.dtype, type)) and not isinstance(shape[0], int):
        data = np.ascontiguousarray(input._data if isinstance(input, Tensor) else np.asarray(input))
        try:
            return Tensor(data.view(np.dtype(shape[0])))
        except (TypeError, ValueError) as error:
            raise RuntimeError(
                f"view: cannot read a tensor of shape {tuple(data.shape)} as {shape[0]}: {error}"
            ) from None
    result = _apply("reshape", (input,), {"shape": _new_shape("view", shape)})
    source = input._data if isinstance(input, Tensor) else None
    if (
        source is not None
        and not source.flags.c_contiguous
        and source.size
        and not np.may_share_memory(result._data, source)
    ):
        # A copy (PyTorch's view raises here: "view size is not compatible with input tensor's
        # size and stride"): read-only, so that a write into it raises instead of missing input.
        result._data.flags.writeable = False
    return result


def view_as(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input`` in ``other``'s shape."""
    return reshape(input, _shape(other))


reshape_as = view_as


def squeeze(input: Any, dim: Any = None, *, axis: Any = None) -> Tensor:  # noqa: A002
    """``input`` without its axes of length 1 (only those among ``dim``, if given; others stay)."""
    shape = _shape(input)
    dim = dim_arg("squeeze", dim, axis)
    if dim is None:
        dropped = {i for i, n in enumerate(shape) if n == 1}
    else:
        dims = (dim,) if isinstance(dim, int) else dim
        ndim = len(shape) or 1  # (dim 0 or -1 of a 0-d tensor names the tensor itself, as in PyTorch)
        dropped = {i for i in (check_dim("squeeze", d, ndim) for d in dims) if shape and shape[i] == 1}
    kept = tuple(n for i, n in enumerate(shape) if i not in dropped)
    version = 0 if dim is None else 1 if isinstance(dim, int) else 2  # (PyTorch's three squeeze overloads)
    return _apply("reshape", (input,), named({"shape": kept}, f"SqueezeBackward{version}"))


def unsqueeze(input: Any, dim: int) -> Tensor:  # noqa: A002
    """``input`` with a new axis of length 1 at position ``dim`` (-1: last)."""
    shape = _shape(input)
    position = check_dim("unsqueeze", dim, len(shape) + 1)
    new = shape[:position] + (1,) + shape[position:]
    return _apply("reshape", (input,), named({"shape": new}, "UnsqueezeBackward0"))


def flatten(input: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:  # noqa: A002
    """``input`` with axes ``start_dim`` to ``end_dim`` (both included) merged into one."""
    shape = _shape(input)
    if not shape:
        return _apply("reshape", (input,), {"shape": (1,)})
    start, end = check_dim("flatten", start_dim, len(shape)), check_dim("flatten", end_dim, len(shape))
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    merged = 1
    for n in shape[start : end + 1]:
        merged *= n
    return _apply("reshape", (input,), {"shape": shape[:start] + (merged,) + shape[end + 1 :]})


def permute(input: Any, *axes: Any, dims: Any = None) -> Tensor:  # noqa: A002
    """``input`` with its axes reordered: axis i of the result is axis ``dims[i]`` of the input
    (``permute(x, 2, 0, 1)``, ``permute(x, (2, 0, 1))`` or ``dims=(2, 0, 1)``)."""
    dims = size_arg("permute", sizes_or("permute", axes, dims, "dims"))
    ndim = len(_shape(input))
    if len(dims) != ndim or sorted(check_dim("permute", d, ndim) for d in dims) != list(range(ndim)):
        raise ShapeRuntimeError(
            f"permute: {dims} is not a permutation of the axes of a tensor of shape {_shape(input)}"
        )
    return _apply("transpose", (input,), named({"axes": dims}, "PermuteBackward0"))


def transpose(input: Any, dim0: int, dim1: int) -> Tensor:  # noqa: A002
    """``input`` with axes ``dim0`` and ``dim1`` swapped."""
    ndim = len(_shape(input))
    axes = list(range(ndim))
    a, b = check_dim("transpose", dim0, ndim or 1), check_dim("transpose", dim1, ndim or 1)
    if ndim:  # (a 0-d tensor's dims 0 and -1 are itself, as in PyTorch: nothing to swap)
        axes[a], axes[b] = b, a
    return _apply("transpose", (input,), named({"axes": tuple(axes)}, "TransposeBackward0"))


def t(input: Any) -> Tensor:  # noqa: A002
    """The transpose of a matrix (a tensor of at most 2 axes is returned transposed, 0-D and 1-D unchanged)."""
    ndim = len(_shape(input))
    if ndim > 2:
        raise ValueError(f"t: expects a tensor of at most 2 axes, got {ndim} (use transpose or permute)")
    return _apply("transpose", (input,), named({"axes": None}, "TBackward0"))


def expand(input: Any, *sizes: Any, size: Any = None) -> Tensor:  # noqa: A002
    """``input`` repeated (without copying) along its axes of length 1 to ``sizes`` (or ``size=``);
    -1 keeps an axis, new axes may be added in front."""
    shape = _shape(input)
    sizes = size_arg("expand", sizes_or("expand", sizes, size, "size"))
    extra = len(sizes) - len(shape)
    if extra < 0:
        raise ValueError(f"expand: {sizes} has fewer axes than the tensor's shape {shape}")
    target = tuple(shape[i - extra] if n == -1 and i >= extra else n for i, n in enumerate(sizes))
    for i, n in enumerate(shape):
        if n != 1 and target[i + extra] != n:
            raise ShapeRuntimeError(f"expand: cannot expand shape {shape} to {sizes} (axis {i} has length {n}, not 1)")
    return _apply("expand", (input,), {"shape": target})


def repeat(input: Any, *sizes: Any, repeats: Any = None) -> Tensor:  # noqa: A002
    """``input`` tiled ``sizes[i]`` times along each axis (``x.repeat(2, 3)``; more sizes than
    axes add axes in front), copying, as PyTorch's ``Tensor.repeat``: recorded as a reshape, an
    expand and a reshape (and a copy where that reshape is a view), so the gradient of each tile
    adds up into the input; the result never shares the input's memory."""
    shape, sizes = _shape(input), size_arg("repeat", sizes_or("repeat", sizes, repeats, "repeats"))
    if len(sizes) < len(shape):
        raise RuntimeError(
            f"repeat: {len(sizes)} repeat sizes for a tensor of {len(shape)} axes (give at least one per axis)"
        )
    if any(n < 0 for n in sizes):
        raise RuntimeError(f"repeat: sizes must be non-negative, got {sizes}")
    shape = (1,) * (len(sizes) - len(shape)) + shape
    spread = tuple(k for n in shape for k in (1, n))
    tiled = tuple(k for r, n in zip(sizes, shape) for k in (r, n))
    out = expand(reshape(input, spread), tiled)
    out = _apply("reshape", (out,), named({"shape": tuple(r * n for r, n in zip(sizes, shape))}, "RepeatBackward0"))
    if np.may_share_memory(out._data, input._data if isinstance(input, Tensor) else input):
        # (the reshape of the expanded array was a view: every size 1, or only axes of length 1
        # repeated, x.repeat(4, 1) of a (1, 3) row; the result then followed the input's later
        # in-place changes, an optimizer's step of a repeated weight, and refused writes)
        out = _apply("clone", (out,), named({}, "RepeatBackward0"))
    return out


def tile(input: Any, dims: Any) -> Tensor:  # noqa: A002
    """``input`` repeated ``dims[i]`` times along each axis; fewer dims than axes are padded with
    1s in front (``torch.tile``; ``repeat`` needs one per axis)."""
    dims = size_arg("tile", (dims,))
    return repeat(input, (1,) * (len(_shape(input)) - len(dims)) + dims)


def expand_as(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``input`` expanded to ``other``'s shape."""
    return expand(input, _shape(other))


def cat(tensors: Sequence[Any], dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """The tensors joined along axis ``dim`` (default 0; their other axes must match)."""
    tensors = tuple(tensors)
    if not tensors:
        raise ValueError("cat: needs at least one tensor")
    return _apply("concatenate", tensors, {"axis": dim_arg("cat", dim, axis) or 0})


concat = concatenate = cat


def hstack(tensors: Sequence[Any]) -> Tensor:
    """The tensors joined along axis 1 (axis 0 for vectors), as ``torch.hstack``."""
    tensors = tuple(tensors)
    return cat(tensors, 0 if tensors and len(_shape(tensors[0])) == 1 else 1)


def vstack(tensors: Sequence[Any]) -> Tensor:
    """The tensors joined along axis 0, vectors first made rows (1, n), as ``torch.vstack``."""
    return cat([unsqueeze(x, 0) if len(_shape(x)) == 1 else x for x in tensors], 0)


def stack(tensors: Sequence[Any], dim: int | None = None, *, axis: int | None = None) -> Tensor:
    """The tensors (all of one shape) joined along a new axis ``dim`` (default 0)."""
    tensors = tuple(tensors)
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    new_axis = dim_arg("stack", dim, axis) or 0
    if isinstance(new_axis, tuple):
        raise TypeError(f"stack: dim must be one int, got {new_axis}")
    shapes = {_shape(x) for x in tensors}
    if len(shapes) > 1:
        raise ShapeRuntimeError(f"stack: the tensors must have one shape, got {sorted(shapes)}")
    return cat([unsqueeze(x, new_axis) for x in tensors], check_dim("stack", new_axis, len(shapes.pop()) + 1))


def _pieces(input: Any, sizes: Sequence[int], dim: int, name: str) -> tuple[Tensor, ...]:  # noqa: A002
    """Consecutive slices of ``input`` of the given lengths along ``dim``, one ``index`` op each
    (each node named ``name``)."""
    ndim = len(_shape(input))
    dim = check_dim("split", dim, ndim)
    pieces, start = [], 0
    for n in sizes:
        index = (slice(None),) * dim + (slice(start, start + n),)
        pieces.append(_apply("index", (input,), named({"index": index}, name)))
        start += n
    mark_together(pieces, name)
    return tuple(pieces)


def split(tensor: Any, split_size_or_sections: int | Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
    """``tensor`` cut along ``dim`` into pieces of ``split_size`` (the last may be shorter) or of the
    listed lengths (which must add up to the axis' length)."""
    shape = _shape(tensor)
    length = shape[check_dim("split", dim, len(shape))]
    if isinstance(split_size_or_sections, (int, np.integer)):  # (a NumPy integer: "not iterable")
        size = int(split_size_or_sections)
        if size <= 0:
            raise ValueError(f"split: split_size must be positive, got {size}")
        sizes = [min(size, length - start) for start in range(0, length, size)] or [0]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != length:
            raise ValueError(f"split: sections {sizes} add up to {sum(sizes)}, but axis {dim} has length {length}")
        return _pieces(tensor, sizes, dim, "SplitWithSizesBackward0")
    return _pieces(tensor, sizes, dim, "SplitBackward0")


def chunk(input: Any, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """``input`` cut along ``dim`` into ``chunks`` pieces of equal length (the last may be shorter,
    and there may be fewer pieces, as in PyTorch)."""
    if not isinstance(chunks, (int, np.integer)) or isinstance(chunks, bool):  # ("'float' object is not iterable")
        raise TypeError(f"chunk: chunks must be an integer, got {type(chunks).__name__} {chunks!r}")
    chunks = int(chunks)  # (an np.int16's -(-length // chunks) stayed an np.int16, which split took for a list)
    if chunks <= 0:
        raise ShapeRuntimeError(f"chunk: chunks must be positive, got {chunks}")
    shape = _shape(input)
    length = shape[check_dim("chunk", dim, len(shape))]
    if length == 0:  # PyTorch's pieces of an empty axis: ``chunks`` empty ones
        return split(input, [0] * chunks, dim)
    return split(input, -(-length // chunks), dim)


def unbind(input: Any, dim: int = 0) -> tuple[Tensor, ...]:  # noqa: A002
    """The slices of ``input`` along ``dim``, each without that axis."""
    ndim = len(_shape(input))
    dim = check_dim("unbind", dim, ndim)
    length = _shape(input)[dim]
    # (i, ...): a 0-d piece of a 1-D tensor is a view too, as in PyTorch
    pieces = tuple(
        _apply("index", (input,), named({"index": (slice(None),) * dim + (i, Ellipsis)}, "UnbindBackward0"))
        for i in range(length)
    )
    mark_together(pieces, "UnbindBackward0")
    return pieces


def select(input: Any, dim: int, index: int) -> Tensor:  # noqa: A002
    """The slice at position ``index`` (negative counts from the end) along ``dim``, without that
    axis: ``x.select(1, 0)`` is ``x[:, 0]`` (a view; kernel ``index``).

    Raises:
        IndexError: ``dim`` or ``index`` outside the axes.
    """
    shape = _shape(input)
    d = check_dim("select", dim, max(len(shape), 1))
    n = shape[d] if shape else 1
    if not -n <= index < n:
        raise IndexError(f"select: index {index} is outside axis {d} of length {n} (shape {shape})")
    key = (slice(None),) * d + (index % n, Ellipsis)
    return _apply("index", (input,), named({"index": key}, "SelectBackward0"))


def resize_(self: Tensor, *sizes: Any, memory_format: Any = None) -> Tensor:
    """``self`` given the shape ``sizes``, in place, as PyTorch's ``resize_``: the elements in
    row-major order, cut short when there are fewer, and continued with zeros when more (PyTorch
    leaves those uninitialised). The result shares memory with the old shape when it has no more
    elements. Returns ``self``.

    Raises:
        RuntimeError: ``self`` requires grad (PyTorch refuses it too: the graph could not follow).
        ValueError: a negative size.
    """
    shape = size_arg("resize_", sizes)
    if any(n < 0 for n in shape):
        raise ValueError(f"resize_: sizes must be non-negative, got {shape}")
    if self.requires_grad:
        raise RuntimeError("resize_: cannot resize a tensor that requires grad (use reshape, or resize a detached one)")
    flat = self._data.reshape(-1)
    count = int(np.prod(shape, dtype=np.int64))
    if count <= flat.size:
        self._data = flat[:count].reshape(shape)
    else:
        grown = np.zeros(count, dtype=flat.dtype)
        grown[: flat.size] = flat
        self._data = grown.reshape(shape)
    return self


def resize_as_(self: Tensor, other: Any, memory_format: Any = None) -> Tensor:
    """``resize_`` to ``other``'s shape."""
    return resize_(self, _shape(other))


def movedim(input: Any, source: Any, destination: Any) -> Tensor:  # noqa: A002
    """``input`` with axis ``source`` (an int or a sequence) moved to ``destination``, the other
    axes keeping their order; kernel ``transpose``."""
    ndim = len(_shape(input))
    src = [check_dim("movedim", d, max(ndim, 1)) for d in size_arg("movedim", (source,))]
    dst = [check_dim("movedim", d, max(ndim, 1)) for d in size_arg("movedim", (destination,))]
    if not ndim:  # dim 0 or -1 of a 0-d tensor is the tensor, as in PyTorch
        return permute(input)
    if len(src) != len(dst) or len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise ValueError(f"movedim: source {source} and destination {destination} must be as many distinct axes")
    rest = iter(d for d in range(ndim) if d not in src)
    where = dict(zip(dst, src))
    return permute(input, *[where[k] if k in where else next(rest) for k in range(ndim)])


def narrow(input: Any, dim: int, start: int, length: int) -> Tensor:  # noqa: A002
    """The slice ``start:start + length`` along ``dim`` (a view, as PyTorch's); kernel ``index``.

    Raises:
        ValueError: the slice does not lie inside the axis.
    """
    shape = _shape(input)
    d = check_dim("narrow", dim, max(len(shape), 1))
    n = shape[d]
    begin = start + n if start < 0 else start
    if not (0 <= begin <= n and 0 <= length <= n - begin):
        raise ShapeRuntimeError(f"narrow: start {start} and length {length} do not fit axis {d} of shape {shape}")
    key = (slice(None),) * d + (slice(begin, begin + length),)
    return _apply("index", (input,), named({"index": key}, "SliceBackward0"))


def roll(input: Any, shifts: Any, dims: Any = None) -> Tensor:  # noqa: A002
    """``input`` with its elements shifted ``shifts`` places along ``dims`` (wrapping around);
    without ``dims`` the flattened tensor is rolled and reshaped back. A copy; kernel ``index``.

    Raises:
        ValueError: as many shifts as dims are needed.
    """
    shape = _shape(input)
    if dims is None:
        (shift,) = size_arg("roll", (shifts,))
        flat = reshape(input, -1)
        n = len(flat._data)
        rolled = _apply("index", (flat,), {"index": (np.arange(n) - shift) % max(n, 1)})
        return _apply("reshape", (rolled,), named({"shape": shape}, "RollBackward0"))
    moves, axes = size_arg("roll", (shifts,)), size_arg("roll", (dims,))
    if len(moves) != len(axes):
        raise ValueError(f"roll: {len(moves)} shifts for {len(axes)} dims (give one shift per dim)")
    out = input
    for shift, dim in zip(moves, axes):
        d = check_dim("roll", dim, len(shape))
        positions = (np.arange(shape[d]) - shift) % max(shape[d], 1)
        out = _apply("index", (out,), named({"index": (slice(None),) * d + (positions,)}, "RollBackward0"))
    return out


def meshgrid(*tensors: Any, indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids from vectors (``meshgrid(x, y)`` or one list): each vector expanded along
    the others' axes, ``indexing="ij"`` (matrix order, PyTorch's default) or ``"xy"`` (the first
    two axes swapped, NumPy's default). Kernels ``reshape``, ``expand``.

    Raises:
        ValueError: an unknown indexing, or an input that is not a vector.
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    if any(len(_shape(t)) > 1 for t in tensors):
        raise ValueError(f"meshgrid: expects vectors, got shapes {[_shape(t) for t in tensors]}")
    lengths = [_shape(t)[0] if _shape(t) else 1 for t in tensors]
    order = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) > 1:
        order[0], order[1] = 1, 0
    grid = tuple(lengths[k] for k in order)
    out = []
    for i, t in enumerate(tensors):
        axis = order.index(i)
        shaped = reshape(t, tuple(lengths[i] if k == axis else 1 for k in range(len(tensors))))
        out.append(expand(shaped, grid))
    return tuple(out)

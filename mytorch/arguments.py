"""PyTorch's and NumPy's spellings of the same arguments, read in one place.

The Tensor functions take PyTorch's names (``dim=``, ``keepdim=``, sizes as ``f(2, 3)`` or
``f((2, 3))``) and also NumPy's (``axis=``, ``keepdims=``), so that code written for either
library runs. Giving both spellings of one argument is an error.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

Dim = int | tuple[int, ...] | None


def dim_arg(op: str, dim: Any, axis: Any) -> Dim:
    """The axis (or axes) to work on: ``dim`` or its NumPy name ``axis``; a list becomes a tuple."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op}: give dim or axis, not both")
        dim = axis
    if isinstance(dim, list):
        dim = tuple(dim)
    if dim is None or isinstance(dim, tuple):
        return dim
    try:
        return int(dim.__index__())
    except AttributeError:
        raise TypeError(f"{op}: dim must be an int, a tuple of ints or None, got {type(dim).__name__}") from None


def keepdim_arg(op: str, keepdim: bool, keepdims: bool | None) -> bool:
    """Whether to keep reduced axes: ``keepdim`` or its NumPy name ``keepdims``."""
    if keepdims is None:
        return bool(keepdim)
    if keepdim:
        raise TypeError(f"{op}: give keepdim or keepdims, not both")
    return bool(keepdims)


def size_arg(op: str, size: tuple[Any, ...]) -> tuple[int, ...]:
    """A shape given as ``f(2, 3)``, ``f((2, 3))`` or ``f([2, 3])``."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    try:
        return tuple(int(n.__index__()) for n in size)
    except AttributeError:
        raise TypeError(f"{op}: sizes must be integers, got {size!r}") from None


def sizes_or(op: str, given: tuple[Any, ...], keyword: Any, name: str) -> tuple[Any, ...]:
    """Sizes or dims given by position, or by PyTorch's keyword ``name`` (``zeros(size=(2, 3))``,
    ``flip(x, dims=[1])``): what ``size_arg`` takes.

    Raises:
        TypeError: both.
    """
    if keyword is None:
        return given
    if given:
        raise TypeError(f"{op}() got multiple values for argument {name!r}")
    return (keyword,)


def check_dim(op: str, dim: Any, ndim: int) -> int:
    """``dim`` as a non-negative axis of an ``ndim``-D tensor; IndexError when out of range,
    TypeError when not an integer (``median(x, 1.7)`` took axis 1)."""
    try:
        dim = int(dim.__index__())
    except AttributeError:
        raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}") from None
    if not -ndim <= dim < ndim:
        raise IndexError(f"{op}: dimension {dim} out of range for a {ndim}-D tensor (expected {-ndim} to {ndim - 1})")
    return dim % ndim


def check_in(op: str, name: str, value: Any, holds: Any, needed: str) -> None:
    """Refuse (``RuntimeError``, as PyTorch) a setting ``value`` outside its domain, ``holds`` telling
    whether it is inside (a NaN compares False, so it is refused): ``normal_``'s std >= 0,
    ``exponential_``'s lambd > 0, ``bernoulli_``'s p in [0, 1], ``renorm``'s maxnorm >= 0."""
    if not holds:
        raise RuntimeError(f"{op}: {name} must be {needed}, got {value}")


class ShapeRuntimeError(RuntimeError, ValueError):
    """Bad input PyTorch refuses with ``RuntimeError`` (shapes that do not fit a product, a
    concatenation, a view or a layer, an empty reduction, an integer to a negative power,
    ``backward()`` of a non-scalar with no gradient); a ``ValueError`` too, as MyTorch's other bad
    input is, so either ``except`` catches it."""


class SettingOverflowError(RuntimeError, OverflowError):
    """A number setting of an operation (``add``'s ``alpha``, ``lerp``'s weight) that the dtype the
    operation takes it into cannot hold: PyTorch's ``RuntimeError`` ("value cannot be converted to
    type float without overflow"), and an ``OverflowError`` as PyTorch's for a Python int beyond
    int64."""


class IndexOutOfRangeError(IndexError, ValueError):
    """An index outside its axis, or index and tensor shapes that do not fit (both an
    ``IndexError``, as NumPy's and PyTorch's indexing raise, and a ``ValueError``); a position
    asked of an empty axis (``argmax``, ``max(dim)``), as PyTorch's."""


class GatherIndexError(IndexOutOfRangeError, RuntimeError):
    """An index outside its axis given to ``gather``, ``scatter``, ``scatter_add``,
    ``scatter_reduce`` or ``take_along_dim``, which PyTorch refuses with ``RuntimeError`` (its
    ``index_select``, ``index_add`` ... with ``IndexError``): all three, so any of them catches it."""


class GradDtypeError(RuntimeError, TypeError):
    """A tensor of an integer or bool dtype asked to require gradients: PyTorch's
    ``RuntimeError``, and a ``TypeError`` as MyTorch's other wrong dtypes are."""


class NotInMyTorchError(AttributeError):
    """A PyTorch name that MyTorch does not have (``torch.lgamma``, ``nn.LSTM``): an
    ``AttributeError``, so ``hasattr`` and ``getattr(module, name, default)`` work as before, whose
    message says so at the line that used the name."""


_WHY_MISSING = {
    "bfloat16": "NumPy has no bfloat16 dtype; use torch.float32 (or float16, NumPy's half)",
    "complex32": "NumPy has no complex32 dtype; use torch.complex64",
    "chalf": "NumPy has no complex32 dtype; use torch.complex64",
}
"""Why a PyTorch name MyTorch lacks cannot be had, said in its error (the dtypes NumPy has not)."""


def not_in_mytorch(module: str, name: str) -> AttributeError:
    """The error for reading ``name`` from the MyTorch module ``module`` that lacks it: a plain
    ``AttributeError`` for a private or special name (Python's own probes: copy, pickle,
    inspect), else a ``NotInMyTorchError`` naming PyTorch's counterpart and where the supported names
    are listed."""
    if name.startswith("_"):
        return AttributeError(f"module {module!r} has no attribute {name!r}")
    pytorch = "torch" + module[len("mytorch") :]
    why = f": {_WHY_MISSING[name]}" if name in _WHY_MISSING and module == "mytorch" else ""
    return NotInMyTorchError(
        f"module {module!r} has no attribute {name!r}: MyTorch does not have PyTorch's {pytorch}.{name}{why} "
        "(docs/tensor.md lists what a ported script can use)"
    )


def ragged(data: Any) -> str | None:
    """Where the nested lists ``data`` stop being rectangular, as PyTorch says it ("expected a
    sequence of length 2 at dim 1 (got 1)"); None if they are rectangular."""
    level, depth = [data], 0
    while True:
        sequences = [isinstance(item, (list, tuple)) for item in level]
        if not any(sequences):
            return None
        if not all(sequences):
            return f"numbers and lists mixed at nesting level {depth}"
        lengths = [len(item) for item in level]
        if len(set(lengths)) > 1:
            other = next(n for n in lengths if n != lengths[0])
            return f"expected a sequence of length {lengths[0]} at dim {depth} (got {other})"
        level, depth = [child for item in level for child in item], depth + 1


def odd_array(x: Any) -> str | None:
    """Why the array ``x``, of an ndarray subclass whose operations follow other rules, is not
    taken as plain values (None for any other): a ``numpy.matrix``, whose ``*`` and ``**`` are
    matrix products (a kernel's elementwise product became one: silently other numbers), or a
    masked array, whose masked entries NumPy's functions compute with as numbers (``np.asarray``
    drops the mask). Called on the paths that already found ``type(x) is not np.ndarray``."""
    if isinstance(x, np.matrix):
        return "a numpy.matrix, whose * and ** are matrix products; pass np.asarray(x)"
    if masked(x):
        return (
            "a masked array, whose masked entries would be computed with as numbers; fill them "
            "(x.filled(value)) or drop those rows"
        )
    return None


def masked(x: Any) -> bool:
    """Whether ``x`` is a NumPy masked array (``np.asarray`` would drop its mask)."""
    module = sys.modules.get("numpy.ma")  # (NumPy 2 imports it on first use: no masked array before that)
    return module is not None and isinstance(x, module.MaskedArray)


def unreadable(error: Exception) -> str:
    """NumPy's reason for refusing a ``.npy`` file (or an ``.npz`` member), in one line: a header
    longer than NumPy reads from an untrusted file is named as such (NumPy's own words span three
    lines and advise ``allow_pickle=True``, which these loaders never pass)."""
    text = str(error)
    if "max_header_size" in text:
        length = text.split("(", 1)[1].split(")", 1)[0] if "(" in text else "?"
        return f"an array header of {length} characters, more than NumPy reads from a file it does not trust"
    return text.splitlines()[0] if text else type(error).__name__

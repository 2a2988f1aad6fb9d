"""PyTorch names that older and simpler scripts use, loaded on first use: the typed constructors
(``FloatTensor``, ``LongTensor``, ...), ``Size``, ``finfo`` and ``iinfo``, and
``autograd.Variable``."""

from __future__ import annotations

from typing import Any

import numpy as np

from mytorch.arguments import size_arg
from mytorch.dtypes import get_default_dtype
from mytorch.factories import tensor
from mytorch.size import Size
from mytorch.tensor import Tensor

__all__ = [
    "BoolTensor",
    "ByteTensor",
    "DoubleTensor",
    "FloatTensor",
    "HalfTensor",
    "IntTensor",
    "LongTensor",
    "Size",
    "Variable",
    "finfo",
    "iinfo",
]


class _TypedTensor(type):
    """The type of ``FloatTensor`` and the others: ``isinstance(t, FloatTensor)`` asks whether
    ``t`` is a Tensor of that dtype, as it does in PyTorch."""

    dtype: np.dtype

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype


class _Typed(metaclass=_TypedTensor):
    """``FloatTensor([1, 2])`` (the data in the class's dtype), ``FloatTensor(2, 3)`` (a tensor of
    that shape, its values not initialised), ``FloatTensor()`` (empty)."""

    dtype: np.dtype = np.dtype(np.float32)

    def __new__(cls, *args: Any) -> Any:  # noqa: PYI034 - a Tensor, as in PyTorch
        if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
            return tensor(args[0], dtype=cls.dtype)
        return Tensor(np.empty(size_arg(cls.__name__, args) if args else (0,), dtype=cls.dtype))


def _typed(name: str, dtype: Any) -> Any:
    """The constructor ``name`` (a ``_Typed`` subclass) of ``dtype``."""
    doc = f"PyTorch's ``{name}``: tensors of {np.dtype(dtype)} (see ``_Typed``)."
    return _TypedTensor(name, (_Typed,), {"dtype": np.dtype(dtype), "__doc__": doc, "__module__": __name__})


FloatTensor = _typed("FloatTensor", np.float32)
DoubleTensor = _typed("DoubleTensor", np.float64)
HalfTensor = _typed("HalfTensor", np.float16)
LongTensor = _typed("LongTensor", np.int64)  # (floats truncated, as in PyTorch)
IntTensor = _typed("IntTensor", np.int32)
ByteTensor = _typed("ByteTensor", np.uint8)
BoolTensor = _typed("BoolTensor", np.bool_)


class finfo:  # noqa: N801 - PyTorch's name
    """The limits of a floating-point dtype, as Python numbers (as PyTorch's): ``bits``, ``eps``,
    ``max``, ``min``, ``tiny`` (= ``smallest_normal``), ``resolution``, ``dtype``; the default
    dtype's without an argument."""

    def __init__(self, type: Any = None) -> None:  # noqa: A002 - PyTorch's name
        info = np.finfo(get_default_dtype() if type is None else type)
        self.bits, self.dtype = int(info.bits), str(info.dtype)
        self.eps, self.max, self.min = float(info.eps), float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.tiny)
        self.resolution = 10.0 ** -int(info.precision)

    def __repr__(self) -> str:
        return (
            f"finfo(resolution={self.resolution}, min={self.min}, max={self.max}, eps={self.eps}, "
            f"smallest_normal={self.tiny}, tiny={self.tiny}, dtype={self.dtype})"
        )


iinfo = np.iinfo
"""The limits of an integer dtype (``max``, ``min``, ``bits``)."""


def Variable(data: Any, requires_grad: bool = False, volatile: bool = False) -> Tensor:  # noqa: N802 - PyTorch's name
    """PyTorch's deprecated ``autograd.Variable``: a new tensor sharing ``data``'s values (outside
    its graph), requiring a gradient when asked. ``volatile`` is accepted and ignored (PyTorch
    only warns about it)."""
    if not isinstance(data, Tensor):
        raise TypeError(f"Variable: data must be a Tensor, got {type(data).__name__} (wrap arrays with mytorch.tensor)")
    out = data.detach()
    return out.requires_grad_() if requires_grad else out

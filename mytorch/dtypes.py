"""Data types with PyTorch's names, and the default floating-point type.

MyTorch's dtypes *are* NumPy's (``mytorch.float32 is numpy.dtype("float32")``), so
``t.dtype == mytorch.float32`` and ``t.numpy().dtype == numpy.float32`` agree, and NumPy's
dtypes may be passed wherever a dtype is asked for.

The default dtype is PyTorch's, float32: it is what ``mytorch.tensor([1.0])``, ``zeros``,
``rand`` and the other factories make from Python numbers. ``set_default_dtype(float64)``
changes it (for gradient checks, or to compare with a float64 run).
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

__all__ = [
    "DtypeMismatchError",
    "bool",
    "cdouble",
    "cfloat",
    "complex64",
    "complex128",
    "double",
    "float",
    "float16",
    "float32",
    "float64",
    "get_default_dtype",
    "half",
    "int",
    "int8",
    "int16",
    "int32",
    "int64",
    "long",
    "set_default_dtype",
    "short",
    "uint8",
]

float16 = half = np.dtype(np.float16)
float32 = float = np.dtype(np.float32)  # noqa: A001 - PyTorch's name
float64 = double = np.dtype(np.float64)
uint8 = np.dtype(np.uint8)
int8 = np.dtype(np.int8)
int16 = short = np.dtype(np.int16)
complex64 = cfloat = np.dtype(np.complex64)
complex128 = cdouble = np.dtype(np.complex128)
int32 = int = np.dtype(np.int32)  # noqa: A001 - PyTorch's name
int64 = long = np.dtype(np.int64)
bool = np.dtype(np.bool_)  # noqa: A001 - PyTorch's name

_default = float32


def get_default_dtype() -> np.dtype:
    """The floating-point dtype that factories give Python numbers (float32 unless changed)."""
    return _default


def set_default_dtype(dtype: Any) -> None:
    """Make ``dtype`` (float32 or float64) the default floating-point dtype."""
    global _default
    dtype = np.dtype(dtype)
    if dtype not in (float32, float64):
        raise TypeError(f"set_default_dtype: only float32 and float64 can be the default, got {dtype}")
    _default = dtype


def as_dtype(dtype: Any, op: str) -> np.dtype | None:
    """``dtype`` (a MyTorch/NumPy dtype, a Python type or a name such as "float32") as a NumPy
    dtype; None stays None."""
    if dtype is None:
        return None
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{op}: {dtype!r} is not a dtype (use mytorch.float32, mytorch.int64, ...)") from None


class DtypeMismatchError(RuntimeError, TypeError):
    """Two operands of a matrix product (``@``, ``matmul``, ``mm``, ``bmm``, ``dot``, ``mv``,
    ``F.linear``) of different dtypes: PyTorch refuses them with ``RuntimeError`` rather than
    promoting (a float32 layer given float64 input); a ``TypeError`` too, as MyTorch's bad input is."""


def check_same_dtype(op: str, *arrays: np.ndarray) -> None:
    """Raise ``DtypeMismatchError`` naming ``op`` and the dtypes unless all ``arrays`` share one."""
    first = arrays[0].dtype
    if any(a.dtype != first for a in arrays[1:]):
        names = ", ".join(str(a.dtype) for a in arrays)
        raise DtypeMismatchError(
            f"{op}: the operands must have the same dtype, got {names} "
            "(convert one with .to(dtype), .float() or .double(), as PyTorch asks)"
        )


def unordered(op: str, dtype: np.dtype) -> TypeError:
    """The error of an ordering function (a comparison, ``max``, ``clamp``, ``relu``...) given complex
    numbers: NumPy orders them by real part, then imaginary part, and so gave numbers where PyTorch
    refuses (relu kept 1+2j and zeroed -3+0.5j)."""
    return TypeError(
        f"{op}: complex numbers have no order (got {dtype}); work on their moduli (x.abs()) or real "
        "parts (x.real), as PyTorch refuses complex input here"
    )


def check_castable(value: np.ndarray, dtype: np.dtype, what: str) -> None:
    """Refuse to load the numbers ``value`` into an array of ``dtype`` where the cast would change
    them beyond rounding, naming ``what``: complex into real (the imaginary part dropped), a NaN,
    an infinity, a fraction or a number out of range into an integer or bool array (cut, or
    wrapped), a finite number beyond a float dtype's range (inf). For loaded state, checked once
    per load (``load_state_dict``), never per operation.

    Raises:
        TypeError: complex numbers into a real dtype.
        ValueError: any other number the cast would change.
    """
    kind = value.dtype.kind
    if kind == "c" and dtype.kind != "c":
        raise TypeError(f"{what} holds complex numbers ({value.dtype}); {dtype} cannot keep their imaginary parts")
    if kind not in "biuf" or not value.size or value.dtype == dtype:
        return
    if dtype.kind in "biu":
        with np.errstate(invalid="ignore"):
            info = (0, 1) if dtype.kind == "b" else (np.iinfo(dtype).min, np.iinfo(dtype).max)
            bad = ~((value >= info[0]) & (value <= info[1]))
            if kind == "f":
                bad |= value != np.round(value)
        if bad.any():
            raise ValueError(
                f"{what} holds {value[bad].flat[0].item()!r}, which {dtype} cannot hold without change "
                "(a fraction, NaN, inf or a number out of range)"
            )
    elif dtype.kind == "f" and kind in "iuf":
        limit = np.finfo(dtype).max.item()  # (``float`` here is float32, PyTorch's name)
        with np.errstate(invalid="ignore"):
            bad = np.isfinite(value) & (np.abs(value.astype(np.float64)) > limit)
        if bad.any():
            raise ValueError(f"{what} holds {value[bad].flat[0].item()!r}, beyond {dtype}'s range (it would be inf)")


def check_finite_into(values: np.ndarray, dtype: np.dtype, what: str) -> None:
    """Refuse NaN and infinities among the floating-point ``values`` going into the integer
    ``dtype`` (a conversion ``t.long()``, ``tensor(array, dtype=int64)``, a write into an integer
    tensor), naming the first: NumPy and PyTorch give an arbitrary number there (-2**63 for NaN
    into int64). Any other values, and any other dtypes, pass."""
    if dtype.kind not in "iu" or values.dtype.kind != "f":
        return
    finite = np.isfinite(values)
    if not finite.all():
        at = tuple(i.item() for i in np.argwhere(~finite)[0])
        raise ValueError(
            f"{what}: a NaN or infinite value cannot be converted to {dtype} ({values[at]} at index {at} of "
            f"values of shape {tuple(values.shape)}); replace it first, e.g. t.nan_to_num(0.0)"
        )


def gradient_array(given: Any, dtype: np.dtype, what: str) -> np.ndarray:
    """A gradient given to start ``backward`` (``gradient=``, ``grad_outputs``) as an array of the
    output's ``dtype``: refused, naming ``what``, unless it holds numbers the cast keeps
    (``check_castable``: not complex for a real output, not beyond the dtype's range)."""
    array = np.asarray(given)
    if array.dtype.kind not in "biufc":  # (NumPy's "could not convert string to float")
        raise TypeError(f"{what} must hold numbers, got dtype {array.dtype}")
    check_castable(array, dtype, what)
    return array.astype(dtype, copy=False)


def operand(value: builtins.float, dtype: np.dtype) -> np.ndarray:
    """``value`` as a read-only 0-d array of ``dtype``, to be given to a ufunc beside arrays of that
    same dtype in place of the Python number: NumPy converts a Python number operand to the
    array's dtype at each call (about 1.4 K instructions of a small call's 4-5 K), while an operand
    already of that dtype gives the same value to the same elementwise operation, so the same bits
    (``tests/test_modules.py`` compares them)."""
    array = np.array(value, dtype)
    array.setflags(write=False)
    return array


ZERO64, ONE64 = operand(0.0, float64), operand(1.0, float64)
ZERO32, ONE32 = operand(0.0, float32), operand(1.0, float32)
"""0 and 1 for the modules' arithmetic on float64 and float32 arrays (see ``operand``); each
caller tells the dtype by identity (``dtype is float64``), since hashing a dtype costs more than
the conversion it saves."""


def operand_for(value: Any, dtype: np.dtype) -> Any:
    """``operand(value, dtype)`` for a Python float and arrays of float64 or float32 (a float32
    only for a value within its range, which NumPy would refuse or widen otherwise); any other
    ``value`` as it is. For a number kept over many calls (a learning rate)."""
    if type(value) is builtins.float and (
        dtype is float64 or (dtype is float32 and abs(value) <= np.finfo(np.float32).max)
    ):
        return operand(value, dtype)
    return value

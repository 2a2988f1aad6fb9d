"""Elementwise helpers with PyTorch's names, composed of recorded operations (so gradients,
forward mode and second derivatives come with them): ``frac``, ``lerp``, ``addcmul``, ``addcdiv``,
``nan_to_num``, ``true_divide``, ``clamp_min``, ``clamp_max``.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from mytorch.tensor import Tensor, check_setting, ordinary_float
from mytorch.tensor_complex import complex as complex_
from mytorch.tensor_math import clamp, div, masked_fill, trunc
from mytorch.tensor_math import where as _where

__all__ = [
    "addcdiv",
    "addcmul",
    "clamp_max",
    "clamp_min",
    "frac",
    "lerp",
    "nan_to_num",
    "true_divide",
    "whole_setting",
]


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(np.asarray(x))


def frac(input: Any) -> Tensor:  # noqa: A002
    """The fractional part, ``x - trunc(x)`` (sign of x kept: frac(-1.5) is -0.5); gradient 1."""
    x = _tensor(input)
    return x - trunc(x)


def lerp(input: Any, end: Any, weight: Any) -> Tensor:  # noqa: A002
    """``input + weight * (end - input)``: the straight line from ``input`` to ``end``; where
    ``end - input`` overflows (inputs finite), ``(1 - weight) input + weight end``, which does not
    (float64 lerp(1e308, -1e308, 0.3) was -inf, for 4e307). float16 is computed in float32 and
    rounded once, as PyTorch does (lerp(6e4, -6e4, 0.3) was -inf in float16, for 24000), into the
    dtype the three promote to (a 0-d float16 weight of float64 tensors gave float16 until
    2026-12-05; PyTorch's is float64)."""
    if _unusual_number(weight):  # (1e39 for float32 made NaN)
        check_setting("lerp", "weight", weight, _operands_dtype(input, end), opmath=True)
    half = [t for t in (input, end, weight) if isinstance(t, Tensor) and t.dtype == np.float16]
    if half:
        single = np.dtype(np.float32)
        wide = [t.to(single) if isinstance(t, Tensor) and t.dtype == np.float16 else t for t in (input, end, weight)]
        return lerp(*wide).to(_promoted(input, end, weight))
    start, stop = (np.asarray(t._data if isinstance(t, Tensor) else t) for t in (input, end))
    if start.dtype.kind == "f" or stop.dtype.kind == "f":
        with np.errstate(over="ignore", invalid="ignore"):
            overflow = np.isinf(stop - start) & np.isfinite(start) & np.isfinite(stop)
        if overflow.any():
            # each form only where it is chosen, 0 elsewhere: a gradient through the other form
            # would meet its inf (end - input) or an infinite end, and 0 * inf is NaN (weight's
            # gradient at lerp(1e308, -1e308, 0.3) was NaN, for -inf as PyTorch's)
            chosen = Tensor(overflow)

            def pick(a: Any, b: Any) -> Tensor:
                return cast(Tensor, _where(chosen, a, b))

            far = pick(input, 0.0) * (1 - weight) + pick(end, 0.0) * weight
            near_start, near_end = pick(0.0, input), pick(0.0, end)
            return pick(far, near_start + weight * (near_end - near_start))
    return input + weight * (end - input)


def _promoted(*operands: Any) -> np.dtype:
    """The dtype MyTorch's arithmetic gives the operands together (one-element stand-ins of the
    tensors, 0-d ones kept 0-d, so that a 0-d tensor promotes as a number does)."""
    stand_ins = [Tensor(np.zeros((1,) * t.ndim, t.dtype)) if isinstance(t, Tensor) else t for t in operands]
    total = stand_ins[0]
    for x in stand_ins[1:]:
        total = total + x
    return cast(Tensor, total).dtype


def _operands_dtype(*operands: Any) -> np.dtype:
    """The dtype of the operands together: their own when the tensors among them share one (no
    work), else ``_promoted``'s."""
    first = operands[0]
    if not isinstance(first, Tensor):
        return _promoted(*operands)
    dtype = first._data.dtype
    for t in operands[1:]:
        if not isinstance(t, Tensor) or t._data.dtype != dtype:
            return _promoted(*operands)
    return dtype


def _floats_first(tensor1: Any, tensor2: Any) -> Any:
    """``tensor1``, an integer tensor next to a float ``tensor2`` taken in its dtype first, so that
    ``value * tensor1`` is not computed in the default dtype (int64 and float32 gave float64 with a
    float64 default; PyTorch: float32)."""
    if isinstance(tensor1, Tensor) and isinstance(tensor2, Tensor):
        if tensor1.dtype.kind in "biu" and tensor2.dtype.kind == "f":
            return tensor1.to(tensor2.dtype)
    return tensor1


def _integer_value(input: Any, tensor1: Any, tensor2: Any, value: Any) -> Any:  # noqa: A002
    """``value`` for ``addcmul`` of three integer (or bool) operands: a whole float as an int (the
    result stays an integer tensor, as PyTorch's); a fraction is refused, since PyTorch
    truncates it (``value=0.5`` adds nothing, ``-1.5`` adds -1 times the product)."""
    if not isinstance(value, (float, np.floating)):
        return value
    if any(
        np.asarray(x._data if isinstance(x, Tensor) else x).dtype.kind not in "biu" for x in (input, tensor1, tensor2)
    ):
        return value
    return whole_setting("addcmul", "value", value, "every operand is an integer tensor")


def whole_setting(what: str, name: str, value: Any, why: str) -> int:
    """A float setting ``value`` of an op on integer tensors as an int when it is whole; a fraction
    is refused (``RuntimeError``), since PyTorch truncates it toward 0 silently."""
    if not float(value).is_integer():
        raise RuntimeError(
            f"{what}: {name}={value!r} is not a whole number and {why} (PyTorch would truncate it toward 0); "
            "cast the tensors to a float dtype first"
        )
    return int(value)


def _check_value(op: str, value: Any, *operands: Any) -> None:
    """``value`` of ``addcmul`` / ``addcdiv`` checked as PyTorch does (``check_setting``: 1e39 beside
    float32 made inf), in the operands' dtype (float16's in float32)."""
    if _unusual_number(value):
        check_setting(op, "value", value, _operands_dtype(*operands), opmath=True)


def _unusual_number(value: Any) -> bool:
    """Whether the setting ``value`` is a number that ``check_setting`` must look at: not a tensor or
    an array (a tensor ``value`` of several elements made the test ``value != 1`` raise "ambiguous"),
    not 1, not a float every float dtype holds."""
    return isinstance(value, (int, float, np.number)) and value != 1 and not ordinary_float(value)


def addcmul(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:  # noqa: A002
    """``input + value * tensor1 * tensor2``. Of integer tensors only, ``value`` must be a whole
    number (``RuntimeError`` otherwise: PyTorch truncates it silently)."""
    value = _integer_value(input, tensor1, tensor2, value)  # (of integers an int: checked in their dtype)
    _check_value("addcmul", value, input, tensor1, tensor2)
    return input + value * _floats_first(tensor1, tensor2) * tensor2


def addcdiv(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:  # noqa: A002
    """``input + value * tensor1 / tensor2``; of integer tensors, the true quotient in the default
    float dtype (PyTorch refuses integer division here and announces this result)."""
    _check_value("addcdiv", value, input, tensor1, tensor2)
    return input + value * _floats_first(tensor1, tensor2) / tensor2


def nan_to_num(input: Any, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:  # noqa: A002
    """``input`` with NaN, +inf and -inf replaced (by ``nan``, and by default by the dtype's largest
    and smallest finite values), as PyTorch's; the gradient is 0 at the replaced places (kernel
    ``where``, through ``masked_fill``). Integer and bool tensors come back unchanged (a copy); a
    complex tensor's real and imaginary parts are replaced each on its own, as in PyTorch."""
    x = _tensor(input)
    if x.dtype.kind == "c":
        return complex_(nan_to_num(x.real, nan, posinf, neginf), nan_to_num(x.imag, nan, posinf, neginf))
    if x.dtype.kind != "f":
        return x.clone()
    info = np.finfo(x.dtype)
    values = x._data
    out = x
    for mask, fill in (
        (np.isnan(values), nan),
        (np.isposinf(values), info.max if posinf is None else posinf),
        (np.isneginf(values), info.min if neginf is None else neginf),
    ):
        if mask.any():
            out = masked_fill(out, mask, fill)
    return out if out is not x else x.clone()


def true_divide(input: Any, other: Any) -> Tensor:  # noqa: A002
    """``div``: true division (integers divide into the default float dtype)."""
    return div(input, other)


def clamp_min(input: Any, min: Any) -> Tensor:  # noqa: A001, A002
    """``clamp(input, min=min)``."""
    return clamp(input, min=min)


def clamp_max(input: Any, max: Any) -> Tensor:  # noqa: A001, A002
    """``clamp(input, max=max)``."""
    return clamp(input, max=max)

"""``t.real``, ``t.imag`` and ``t.conj()``: the parts and the conjugate of a complex tensor, recorded
(a gradient flows back to the complex tensor with PyTorch's convention: ``real`` passes ``g``, ``imag``
passes ``g * 1j``, ``conj`` passes ``conj(g)``), in forward mode too, and in a recorded backward
(``create_graph``), so to any order. Of a real tensor, ``real`` and ``conj()`` are the tensor itself
and ``imag`` is refused, as in PyTorch."""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from mytorch.function import Function
from mytorch.tensor import Tensor

__all__ = ["METHODS", "angle", "complex", "conj", "polar", "view_as_complex", "view_as_real"]


class _Part(Function):
    @staticmethod
    def forward(ctx: Any, *inputs: np.ndarray, **params: Any) -> np.ndarray:
        z = inputs[0]
        ctx.dtype, ctx.imaginary = z.dtype, params["imaginary"]
        return (z.imag if ctx.imaginary else z.real).copy()

    @staticmethod
    def backward(ctx: Any, grad_output: Any) -> Any:
        if isinstance(grad_output, Tensor):  # a recorded backward: a recorded cast into complex
            return (grad_output * 1j if ctx.imaginary else grad_output).to(ctx.dtype)
        return (grad_output * 1j if ctx.imaginary else grad_output + 0j).astype(ctx.dtype)  # (a scalar if 0-d)

    @staticmethod
    def jvp(ctx: Any, tangent: Any) -> Any:
        return tangent.imag if ctx.imaginary else tangent.real


class _Conj(Function):
    @staticmethod
    def forward(ctx: Any, *inputs: np.ndarray, **params: Any) -> np.ndarray:
        return np.conj(inputs[0])

    @staticmethod
    def backward(ctx: Any, grad_output: Any) -> Any:
        return conj(grad_output)

    @staticmethod
    def jvp(ctx: Any, tangent: Any) -> Any:
        return conj(tangent)


def conj(value: Any) -> Any:
    """The complex conjugate: of a complex tensor recorded (its gradient is the conjugate of the
    result's, PyTorch's), of a real one the tensor itself, as PyTorch's ``conj``; an array's by NumPy."""
    if isinstance(value, Tensor):
        return _Conj.apply(value) if value._data.dtype.kind == "c" else value
    if isinstance(value, (np.ndarray, np.generic)):
        return np.asarray(np.conj(value)) if value.dtype.kind == "c" else value  # (0-d: an array)
    return np.conj(value)


def _part(self: Tensor, imaginary: bool) -> Tensor:
    if self._data.dtype.kind != "c":
        if imaginary:
            raise RuntimeError("imag is not implemented for tensors with non-complex dtypes (as in PyTorch)")
        return self
    return _Part.apply(self, imaginary=imaginary)


def _real_pair(what: str, a: Any, b: Any) -> tuple[Tensor, Tensor]:
    x = a if isinstance(a, Tensor) else Tensor(np.asarray(a))
    y = b if isinstance(b, Tensor) else Tensor(np.asarray(b))
    if x.dtype != y.dtype or x.dtype.kind != "f" or x.dtype.itemsize < 4:
        raise TypeError(f"{what}: expects two float32 or float64 tensors of one dtype, got {x.dtype} and {y.dtype}")
    return x, y


def complex(real: Any, imag: Any) -> Tensor:  # noqa: A001 - PyTorch's name
    """``real + 1j imag`` (complex64 from float32, complex128 from float64), recorded: the gradients
    of the parts are the real and imaginary parts of the result's, as PyTorch's ``torch.complex``."""
    x, y = _real_pair("complex", real, imag)
    return x + y * 1j


def polar(abs: Any, angle: Any) -> Tensor:  # noqa: A002 - PyTorch's names
    """``abs * (cos(angle) + 1j sin(angle))``, recorded, as PyTorch's ``torch.polar``."""
    r, theta = _real_pair("polar", abs, angle)
    return r * theta.cos() + (r * theta.sin()) * 1j


def view_as_real(input: Any) -> Tensor:  # noqa: A002
    """A complex tensor's real and imaginary parts along a new last axis of 2, recorded, as
    PyTorch's ``torch.view_as_real``, but a copy (PyTorch's shares the memory: writing into it
    changes the complex tensor, here it does not)."""
    from mytorch.tensor_shape import stack

    z = input if isinstance(input, Tensor) else Tensor(np.asarray(input))
    if z.dtype.kind != "c":
        raise RuntimeError(f"view_as_real is only supported for complex tensors, got {z.dtype}")
    return stack([_part(z, False), _part(z, True)], -1)


def view_as_complex(input: Any) -> Tensor:  # noqa: A002
    """The complex tensor whose real and imaginary parts are the last axis (of 2) of ``input``,
    recorded, as PyTorch's ``torch.view_as_complex`` (a copy here)."""
    x = input if isinstance(input, Tensor) else Tensor(np.asarray(input))
    if x.ndim == 0 or x.shape[-1] != 2:
        raise RuntimeError(f"view_as_complex: the last dimension must have size 2, got shape {tuple(x.shape)}")
    return complex(x[..., 0], x[..., 1])


def angle(input: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """The argument of each element, in radians (-pi, pi], as PyTorch's ``torch.angle``: of a
    complex z ``atan2(z.imag, z.real)``, recorded (gradient ``g z / |z|^2 * 1j``, 0 at z = 0); of a
    real x pi where x < 0, else 0 (-0.0 and +inf included), NaN for NaN, with gradient 0. Integers
    give the default float dtype."""
    from mytorch.dtypes import get_default_dtype
    from mytorch.tensor_composed import _ZeroWithSlope, atan2
    from mytorch.tensor_math import where

    z = input if isinstance(input, Tensor) else Tensor(np.asarray(input))
    if z.dtype.kind == "c":
        origin = z._data == 0
        if origin.any():  # (atan2's gradient is 0 / 0 there; PyTorch's is 0)
            z = cast(Tensor, where(Tensor(origin), Tensor(np.ones((), z.dtype)), z))
        return atan2(_part(z, True), _part(z, False))
    x = z if z.dtype.kind == "f" else Tensor(z._data.astype(get_default_dtype()))
    value = np.where(np.isnan(x._data), np.nan, np.where(x._data < 0, np.pi, 0.0)).astype(x.dtype)
    if not x.requires_grad:
        return Tensor(value)
    return _ZeroWithSlope.apply(x, slope=np.zeros((), x.dtype)) + Tensor(value)


def _i0(self: Tensor) -> Tensor:
    from mytorch.special_bessel import i0

    return i0(self)


def _igamma(self: Tensor, other: Any) -> Tensor:
    from mytorch.special_gamma import gammainc

    return gammainc(self, other)


def _igammac(self: Tensor, other: Any) -> Tensor:
    from mytorch.special_gamma import gammaincc

    return gammaincc(self, other)


METHODS = {
    "angle": angle,
    "i0": _i0,
    "igamma": _igamma,
    "igammac": _igammac,
    "real": property(lambda self: _part(self, False), doc="The real part (the tensor itself if it is real)."),
    "imag": property(lambda self: _part(self, True), doc="The imaginary part of a complex tensor."),
    "conj": conj,
}

"""``t.real``, ``t.imag`` and ``t.conj()``: the parts and the conjugate of a complex tensor, recorded
(a gradient flows back to the complex tensor with PyTorch's convention: ``real`` passes ``g``, ``imag``
passes ``g * 1j``, ``conj`` passes ``conj(g)``), in forward mode too, and in a recorded backward
(``create_graph``), so to any order. Of a real tensor, ``real`` and ``conj()`` are the tensor itself
and ``imag`` is refused, as in PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np

from mytorch.function import Function
from mytorch.tensor import Tensor

__all__ = ["METHODS", "conj"]


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


METHODS = {
    "real": property(lambda self: _part(self, False), doc="The real part (the tensor itself if it is real)."),
    "imag": property(lambda self: _part(self, True), doc="The imaginary part of a complex tensor."),
    "conj": conj,
}

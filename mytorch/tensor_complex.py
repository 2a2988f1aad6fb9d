"""``t.real`` and ``t.imag``: the parts of a complex tensor, recorded (a gradient flows back to the
complex tensor with PyTorch's convention: ``real`` passes ``g``, ``imag`` passes ``g * 1j``). Of a
real tensor, ``real`` is the tensor itself and ``imag`` is refused, as in PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np

from mytorch.function import Function
from mytorch.tensor import Tensor

__all__ = ["METHODS"]


class _Part(Function):
    @staticmethod
    def forward(ctx: Any, *inputs: np.ndarray, **params: Any) -> np.ndarray:
        z = inputs[0]
        ctx.dtype, ctx.imaginary = z.dtype, params["imaginary"]
        return (z.imag if ctx.imaginary else z.real).copy()

    @staticmethod
    def backward(ctx: Any, grad_output: Any) -> Any:
        return (grad_output * 1j if ctx.imaginary else grad_output + 0j).astype(ctx.dtype)  # (a scalar if 0-d)


def _part(self: Tensor, imaginary: bool) -> Tensor:
    if self._data.dtype.kind != "c":
        if imaginary:
            raise RuntimeError("imag is not implemented for tensors with non-complex dtypes (as in PyTorch)")
        return self
    return _Part.apply(self, imaginary=imaginary)


METHODS = {
    "real": property(lambda self: _part(self, False), doc="The real part (the tensor itself if it is real)."),
    "imag": property(lambda self: _part(self, True), doc="The imaginary part of a complex tensor."),
}

"""Activations: each one is a single row of the kernel table, recorded as one operation.

The handout builds an activation as a chain of primitive operations (sigmoid as neg, exp,
add, div); MyTorch records the whole function as one fused kernel instead, which is faster
and saves memory. ``tests/test_modules.py`` shows that the fused gradient equals the one
obtained through the primitive chain.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from mytorch.dtypes import ONE32 as _ONE32
from mytorch.dtypes import ONE64 as _ONE64
from mytorch.nn import functional as F
from mytorch.nn.modules.module import Module, Resolved, expect_array, record

__all__ = ["ACTIVATIONS", "GELU", "Activation", "Identity", "LeakyReLU", "ReLU", "Sigmoid", "Softplus", "Tanh"]


# NumPy's names used on every step, read once: NumPy's module has a ``__getattr__``, so Python 3.11
# looks each ``np.name`` up in full (a few hundred instructions), where a global of this module is cached.
_ndarray = np.ndarray
_FLOAT64, _FLOAT32 = np.dtype(np.float64), np.dtype(np.float32)  # (the native ones, each one object)
_subtract, _multiply = np.subtract, np.multiply


_VJPS: dict[str, Callable[..., tuple[np.ndarray]]] = {}
"""``{kernel name: VJP}``: what an activation records to be differentiated by instead of its kernel
(``self._vjp``). Empty in the starter: these VJPs are the answers to the graded kernels."""


# BEGIN SOLUTION NO PROMPT
# The VJPs the modules differentiate tanh and sigmoid with: the kernels' own arithmetic, in the
# same order (so the same bits), without their helper calls. Used for arrays of one dimension
# or more, where NumPy keeps a float32 array float32 against a Python number on every version.
# (The slope is computed in one temporary of y's dtype, its second step written over its first.)
# (1 is a 0-d array of y's dtype for float64 and float32: the same numbers as the Python 1.0,
# without NumPy's conversion of the number at each call; see ``mytorch.dtypes.operand``)
def _tanh_vjp(grad_output: np.ndarray, x: np.ndarray, out: np.ndarray) -> tuple[np.ndarray]:
    """``tanh_backward(g, x, out=y)``: g (1 - y**2)."""
    dtype = out.dtype
    slope = out * out
    one = _ONE64 if dtype is _FLOAT64 else _ONE32 if dtype is _FLOAT32 else 1.0
    return (grad_output * _subtract(one, slope, slope),)


def _sigmoid_vjp(grad_output: np.ndarray, x: np.ndarray, out: np.ndarray) -> tuple[np.ndarray]:
    """``sigmoid_backward(g, x, out=y)``: g y (1 - y)."""
    dtype = out.dtype
    slope = _subtract(_ONE64 if dtype is _FLOAT64 else _ONE32 if dtype is _FLOAT32 else 1.0, out)
    return (grad_output * _multiply(out, slope, slope),)


_VJPS.update(tanh=_tanh_vjp, sigmoid=_sigmoid_vjp)
# END SOLUTION

_FORWARDS = {"tanh": np.tanh}  # the kernel's forward is exactly this ufunc: called without a Python frame


class Activation(Resolved, Module):
    """Base class: applies the kernel named ``kernel`` elementwise and records it.

    Subclasses set ``kernel`` (a name in ``mytorch.nn.functional.KERNELS``) and may put
    keyword parameters for it in ``self.params``.
    """

    kernel = "identity"

    def __init__(self, autograd_engine: Any) -> None:
        super().__init__(autograd_engine)
        self.params: dict[str, Any] = {}
        self.state: np.ndarray | None = None
        self._resolve()

    def _resolve(self) -> None:
        """Look up the kernel's functions, once: forward() runs on every step."""
        self._row = F.get_kernel(self.kernel)
        self._forward = _FORWARDS.get(self.kernel, self._row.forward)
        self._vjp = _VJPS.get(self.kernel, self._row.backward)  # what backward calls

    def forward(self, x: np.ndarray) -> np.ndarray:
        """The activation of ``x`` (any shape); also kept as ``self.state``."""
        if type(x) is not _ndarray:  # the message is built only for a wrong input
            name = type(self).__name__
            expect_array(f"{name}.forward", x, f"mytorch.nn.{name}()")
        dtype = x.dtype
        floating = dtype is _FLOAT64 or dtype is _FLOAT32 or dtype.kind in "fc"  # (the common two without .kind)
        if not floating and (self.autograd_engine is not None or x.dtype.kind not in "biu"):
            raise TypeError(
                f"{type(self).__name__}.forward: expected a floating-point array, got dtype {x.dtype} "
                "(only floating-point values have a gradient; cast the input)"
            )
        # BEGIN SOLUTION: apply the kernel named self.kernel to x, record it with add_operation, return the result
        params = self.params
        y = self._forward(x, **params) if params else self._forward(x)
        if type(y) is not _ndarray:  # NumPy gives a scalar for a 0-d input: record an array
            y = np.asarray(y)
        engine = self.autograd_engine
        if engine is not None:
            row = self._row
            saved = ({**params, "out": y} if params else {"out": y}) if row.saves_output else (params or None)
            if floating and type(x) is _ndarray and x.ndim:
                engine.record((x,), y, (None,), row.backward, saved, self._vjp, 0, 0)  # (link 0: see Linear)
            else:  # the checked path: its message for a wrong input, NumPy's 0-d scalars handled
                record(engine, False, [x], y, [None], row.backward, saved)
        self.state = y
        return y
        # END SOLUTION


class Identity(Activation):
    """y = x."""

    kernel = "identity"


class Sigmoid(Activation):
    """y = 1 / (1 + e^-x)."""

    kernel = "sigmoid"


class Tanh(Activation):
    """y = tanh x."""

    kernel = "tanh"


class ReLU(Activation):
    """y = max(x, 0)."""

    kernel = "relu"


class LeakyReLU(Activation):
    """y = x for x > 0, else ``slope * x``."""

    kernel = "leaky_relu"

    def __init__(self, autograd_engine: Any, slope: float = 0.01) -> None:
        super().__init__(autograd_engine)
        self.params = {"slope": float(slope)}


class Softplus(Activation):
    """y = ln(1 + e^x)."""

    kernel = "softplus"


class GELU(Activation):
    """y = x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""

    kernel = "gelu"


ACTIVATIONS: dict[str, type[Activation]] = {
    "identity": Identity,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "softplus": Softplus,
    "gelu": GELU,
}
"""Every activation by its lower-case name (the runner's ``--activation`` choices)."""

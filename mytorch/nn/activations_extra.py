"""The less common activations, each composed of recorded kernels (so gradients, forward mode
and second derivatives come from the table): ``Hardsigmoid``, ``Hardswish``, ``CELU``,
``Softmin``, ``GLU``, ``Threshold``, ``Tanhshrink``, ``Softshrink``, ``Hardshrink`` and their
``F.`` functions, with PyTorch's arguments and its slopes at the kinks (0 at the ends of
Hardsigmoid and of the shrinks' dead zones, Threshold's slope 0 at the threshold)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from mytorch.nn import functional as F
from mytorch.nn import functional_tensor as TF
from mytorch.nn.layers import expect_tensor
from mytorch.nn.module import Module
from mytorch.tensor import _LARGEST, Tensor, _apply, _check_storable, check_setting
from mytorch.tensor_composed import where

__all__ = [
    "CELU",
    "GLU",
    "Hardshrink",
    "Hardsigmoid",
    "Hardswish",
    "Softmin",
    "Softshrink",
    "Tanhshrink",
    "Threshold",
    "celu",
    "glu",
    "hardshrink",
    "hardsigmoid",
    "hardswish",
    "softmin",
    "softshrink",
    "tanhshrink",
    "threshold",
]


def _in_place(name: str, input: Any, f: Callable[[Tensor], Tensor], inplace: bool) -> Tensor:  # noqa: A002
    """``f`` of ``input``; with ``inplace``, computed on a clone and copied into ``input``."""
    x = TF._tensor(name, input)
    return x.copy_(f(x.clone())) if inplace else f(x)


def hardsigmoid(input: Any, inplace: bool = False) -> Tensor:  # noqa: A002 - PyTorch's name
    """relu6(x + 3) / 6: 0 below -3, 1 above 3 (slope 0 at both ends, as PyTorch's)."""
    return _in_place("hardsigmoid", input, lambda x: TF.hardtanh(x + 3.0, 0.0, 6.0) / 6.0, inplace)


def hardswish(input: Any, inplace: bool = False) -> Tensor:  # noqa: A002
    """x hardsigmoid(x)."""
    return _in_place("hardswish", input, _hardswish, inplace)


def _hardswish(x: Tensor) -> Tensor:
    """``x relu6(x + 3) / 6``, PyTorch's value; at x = +-inf ``x`` or ``x * 0`` (inf and NaN, as
    PyTorch's), whose slopes 1 and 0 are PyTorch's in both modes: the product rule's ``x *
    d relu6`` was inf * 0 = NaN there in forward mode (reverse mode selects before multiplying)."""
    infinite = np.isinf(x._data)
    if not infinite.any():
        return x * TF.hardtanh(x + 3.0, 0.0, 6.0) / 6.0
    edge = Tensor(infinite)
    finite = where(edge, Tensor(np.zeros((), x.dtype)), x)
    return where(edge, where(x > 0, x, x * 0.0), finite * TF.hardtanh(finite + 3.0, 0.0, 6.0) / 6.0)


def celu(input: Any, alpha: float = 1.0, inplace: bool = False) -> Tensor:  # noqa: A002
    """x where x > 0, else alpha (e^(x / alpha) - 1), for either sign of alpha, as PyTorch's:
    the kernel ``elu`` with ``input_scale = 1 / alpha``.

    Raises:
        ValueError: ``alpha`` 0 (PyTorch: "ZeroDivisionError").
    """
    if alpha == 0:
        raise ValueError("F.celu: alpha must not be 0 (it divides x)")
    alpha = TF.float32_setting("F.celu", "alpha", alpha, input)  # (a float: an np.float16's 1 / alpha was rounded)
    if alpha == 1:
        return TF.elu(input, 1.0, inplace)
    return TF._activation("elu", input, {"alpha": alpha, "input_scale": 1.0 / alpha}, inplace)


def softmin(input: Any, dim: int | None = None) -> Tensor:  # noqa: A002
    """softmax(-x) along ``dim``."""
    return TF.softmax(-TF._tensor("softmin", input), dim=dim)


def glu(input: Any, dim: int = -1) -> Tensor:  # noqa: A002
    """a sigmoid(b), a and b the two halves of ``input`` along ``dim``.

    Raises:
        RuntimeError: an odd length along ``dim`` (PyTorch's error).
    """
    x = TF._tensor("glu", input)
    size = x.shape[dim]
    if size % 2:
        raise RuntimeError(f"glu: halving dimension must be even, but dimension {dim} is size {size}")
    a, b = x.chunk(2, dim)
    return a * b.sigmoid()


def threshold(input: Any, threshold: float, value: float, inplace: bool = False) -> Tensor:  # noqa: A002
    """x where x > threshold, else ``value`` (a NaN stays NaN, as in PyTorch). NumPy numbers act as
    Python numbers; float16 is compared with ``threshold`` in float32, as PyTorch compares it; a
    threshold beyond float32's range is a ValueError unless ``input`` is float64, a ``value`` the
    input's dtype cannot hold a RuntimeError, as PyTorch's."""
    threshold = TF.float32_setting("F.threshold", "threshold", threshold, input)  # (NumPy 1 and 2 differed beyond it)
    value = value.item() if isinstance(value, np.generic) else value
    dtype = np.asarray(TF._tensor("threshold", input)._data).dtype
    if dtype.kind == "f" and isinstance(value, (int, float)):  # (1e5 in float16 was inf; PyTorch refuses it)
        _check_storable(value, dtype, "F.threshold")
    return _in_place(
        "threshold",
        input,
        lambda x: _apply(
            "where", (x, value), {"condition": ~(F._opmath(x._data) <= threshold), "slope_recorded": True}
        ),
        inplace,
    )


def tanhshrink(input: Any) -> Tensor:  # noqa: A002
    """x - tanh(x)."""
    x = TF._tensor("tanhshrink", input)
    return x - x.tanh()


def _shrunk(x: Tensor, y: Tensor, lambd: float) -> Tensor:
    """``y`` where |x| > lambd (or x is NaN), else 0, selected as PyTorch's shrinks select: with
    ``create_graph`` the gradient stays in the graph with derivative 0 (``where``'s
    ``slope_recorded``), so differentiating it again gives zeros rather than raising."""
    return _apply("where", (y, 0.0), {"condition": ~(abs(x._data) <= lambd), "slope_recorded": True})


def softshrink(input: Any, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """x - lambd above lambd, x + lambd below -lambd, else 0: ``x - clamp(x, -lambd, lambd)``."""
    x = TF._tensor("softshrink", input)
    largest = _LARGEST.get(x.dtype, np.inf)  # (a negative lambd gave other numbers; NaN, inf or 1e39 a NaN)
    if not 0 <= lambd <= largest:
        raise RuntimeError(f"F.softshrink: lambd={lambd!r} must be in [0, {largest:g}] for a {x.dtype} input")
    return _shrunk(x, x - x.clamp(-lambd, lambd), lambd)


def hardshrink(input: Any, lambd: float = 0.5) -> Tensor:  # noqa: A002
    """x where |x| > lambd, else 0 (a NaN stays NaN, as in PyTorch)."""
    x = TF._tensor("hardshrink", input)
    check_setting("F.hardshrink", "lambd", lambd, x.dtype)  # (1e39 for float32 was inf: all zeros)
    return _shrunk(x, x, lambd)


class _Composed(Module):
    """A module calling one of the functions above (``function``) with its attributes named in
    ``options`` as keyword arguments, shown in ``repr`` as PyTorch shows them."""

    function: Any = None
    options: tuple[str, ...] = ()

    def __init__(self, **settings: Any) -> None:
        super().__init__()
        for name, value in settings.items():
            setattr(self, name, value)

    def forward(self, x: Tensor) -> Tensor:
        """The activation of ``x`` (a Tensor)."""
        settings = {name: getattr(self, name) for name in self.options}
        return type(self).function(expect_tensor(self, x), **settings)

    def extra_repr(self) -> str:
        """The settings (``inplace`` only when set), as in PyTorch's ``repr``."""
        shown = [f"{n}={getattr(self, n)}" for n in self.options if n != "inplace"]
        return ", ".join(shown + (["inplace=True"] if getattr(self, "inplace", False) else []))


class Hardsigmoid(_Composed):
    """``F.hardsigmoid``."""

    function, options = staticmethod(hardsigmoid), ("inplace",)

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(inplace=bool(inplace))

    def extra_repr(self) -> str:
        """Nothing, as PyTorch shows it (``inplace`` included)."""
        return ""


class Hardswish(Hardsigmoid):
    """``F.hardswish``."""

    function = staticmethod(hardswish)


class CELU(_Composed):
    """``F.celu`` with ``alpha``."""

    function, options = staticmethod(celu), ("alpha", "inplace")

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__(alpha=alpha, inplace=bool(inplace))


class Threshold(_Composed):
    """``F.threshold`` with ``threshold`` and ``value``."""

    function, options = staticmethod(threshold), ("threshold", "value", "inplace")

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__(threshold=threshold, value=value, inplace=bool(inplace))


class Softmin(_Composed):
    """``F.softmin`` along ``dim``."""

    function, options = staticmethod(softmin), ("dim",)

    def __init__(self, dim: int | None = None) -> None:
        super().__init__(dim=dim)


class GLU(_Composed):
    """``F.glu`` along ``dim`` (-1)."""

    function, options = staticmethod(glu), ("dim",)

    def __init__(self, dim: int = -1) -> None:
        super().__init__(dim=dim)


class Tanhshrink(_Composed):
    """``F.tanhshrink``."""

    function = staticmethod(tanhshrink)


class Softshrink(_Composed):
    """``F.softshrink`` with ``lambd`` (0.5)."""

    function, options = staticmethod(softshrink), ("lambd",)

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__(lambd=lambd)

    def extra_repr(self) -> str:
        """The bare ``lambd``, as PyTorch shows it."""
        return str(getattr(self, "lambd"))  # noqa: B009 - (set by _Composed)


class Hardshrink(Softshrink):
    """``F.hardshrink`` with ``lambd`` (0.5)."""

    function = staticmethod(hardshrink)

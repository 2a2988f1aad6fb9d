"""``F.interpolate`` (``F.upsample``) and ``nn.Upsample``, ``nn.UpsamplingNearest2d``,
``nn.UpsamplingBilinear2d``, as PyTorch's, in the modes ``"nearest"``, ``"nearest-exact"``,
``"linear"``, ``"bilinear"``, ``"trilinear"``, ``"bicubic"`` (``align_corners`` both ways) and
``"area"``. Each spatial axis is resampled in
turn by taking the input at index vectors (``index_select``, kernel ``index``) and, for the linear
modes, mixing the two neighbours with constant weights: gradients come with the kernels. Also
the padding modules of ``F.pad``'s other modes (``ReflectionPad1d/2d``, ``ReplicationPad1d/2d``,
``CircularPad1d/2d``), ``Softmax2d``, ``ChannelShuffle`` and ``F.gumbel_softmax``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mytorch.nn.module import Module
from mytorch.tensor import Tensor

__all__ = [
    "ChannelShuffle",
    "CircularPad1d",
    "CircularPad2d",
    "ReflectionPad1d",
    "ReflectionPad2d",
    "ReplicationPad1d",
    "ReplicationPad2d",
    "Softmax2d",
    "Upsample",
    "UpsamplingBilinear2d",
    "UpsamplingNearest2d",
    "gumbel_softmax",
    "interpolate",
    "upsample",
]

_MODES = {"nearest": 0, "nearest-exact": 0, "area": 0, "linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
_CUBIC = -0.75  # PyTorch's bicubic kernel parameter (Keys' a)


def _cubic_weights(t: np.ndarray) -> list[np.ndarray]:
    """The four taps' weights of cubic convolution at fraction ``t`` (taps at -1, 0, 1, 2)."""
    a = _CUBIC

    def near(x: np.ndarray) -> np.ndarray:  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x: np.ndarray) -> np.ndarray:  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _area_matrix(n_in: int, n_out: int) -> np.ndarray:
    """The (n_out, n_in) matrix averaging adaptive pooling's windows [floor(i n/m), ceil((i+1) n/m))."""
    matrix = np.zeros((n_out, n_in))
    for i in range(n_out):
        start, end = (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)
        matrix[i, start:end] = 1.0 / (end - start)
    return matrix


def _sizes(x: Tensor, size: Any, scale_factor: Any, nd: int) -> tuple[list[int], list[float | None]]:
    """The output's spatial sizes and the factors asked, refused unless every size is a whole
    number >= 1 (PyTorch's "Input and output sizes should be greater than 0"): a scale_factor of
    -1 or 0.1 gave an empty tensor, a size of 2.7 was cut to 2."""
    sizes, factors = _asked_sizes(x, size, scale_factor, nd)
    fractional = [s for s in (size if isinstance(size, (tuple, list)) else [size]) if s is not None and s != int(s)]
    if fractional or min(sizes, default=1) < 1 or min(x.shape[2:], default=1) < 1:
        asked = f"size={size!r}" if size is not None else f"scale_factor={scale_factor!r}"
        raise ValueError(
            f"interpolate: input and output sizes must be whole numbers greater than 0, got input {tuple(x.shape[2:])} "
            f"and output {tuple(sizes)} ({asked})"
        )
    return sizes, factors


def _asked_sizes(x: Tensor, size: Any, scale_factor: Any, nd: int) -> tuple[list[int], list[float | None]]:
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    if size is not None:
        sizes = list(size) if isinstance(size, (tuple, list)) else [size] * nd
        if len(sizes) != nd:
            raise ValueError(f"interpolate: size must have {nd} entries for an input of shape {tuple(x.shape)}")
        return [int(s) for s in sizes], [None] * nd
    factors = list(scale_factor) if isinstance(scale_factor, (tuple, list)) else [scale_factor] * nd
    if len(factors) != nd:
        raise ValueError(f"interpolate: scale_factor must have {nd} entries for an input of shape {tuple(x.shape)}")
    return [math.floor(n * float(f)) for n, f in zip(x.shape[2:], factors, strict=True)], [float(f) for f in factors]


def interpolate(
    input: Any,  # noqa: A002 - PyTorch's name
    size: Any = None,
    scale_factor: Any = None,
    mode: str = "nearest",
    align_corners: bool | None = None,
    recompute_scale_factor: bool | None = None,
    antialias: bool = False,
) -> Tensor:
    """Resample the spatial axes of ``input`` (N, C, *spatial) to ``size`` or by ``scale_factor``.

    Modes: "nearest", "nearest-exact", "area" (adaptive average pooling to the size),
    "linear", "bilinear", "trilinear", "bicubic" (cubic convolution with a = -0.75, the taps past
    an edge reading the edge, as PyTorch's).

    Raises:
        ValueError: an unknown mode, a mode for another number of axes, both or neither of size
            and scale_factor, or ``align_corners`` given to a nearest or area mode.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"interpolate takes a mytorch Tensor, got {type(input).__name__}")
    if mode not in _MODES:
        raise ValueError(f"interpolate: mode must be one of {', '.join(_MODES)} in MyTorch, got {mode!r}")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported by MyTorch")
    nd = input.ndim - 2
    if nd < 1 or (_MODES[mode] and _MODES[mode] != nd):
        raise ValueError(f"interpolate: mode {mode!r} does not take an input of shape {tuple(input.shape)}")
    linear = _MODES[mode] > 0
    if align_corners is not None and not linear:
        raise ValueError(f"interpolate: align_corners is for the linear modes only, got mode {mode!r}")
    corners = bool(align_corners)
    sizes, factors = _sizes(input, size, scale_factor, nd)
    out = input
    for axis, (n_in, n_out, factor) in enumerate(zip(input.shape[2:], sizes, factors, strict=True), start=2):
        if factor is not None and not recompute_scale_factor:
            scale = 1.0 / factor
        else:
            scale = n_in / n_out
        dst = np.arange(n_out, dtype=np.float64)
        if mode == "area":
            averaging = Tensor(_area_matrix(n_in, n_out).T.astype(input.dtype))
            out = (out.movedim(axis, -1) @ averaging).movedim(-1, axis)
            continue
        if mode == "bicubic":
            if corners:
                src = dst * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
            else:
                src = (dst + 0.5) * scale - 0.5  # (not kept at 0 or above, as the linear modes' is)
            start = np.floor(src)
            shape = [1] * input.ndim
            shape[axis] = n_out
            mixed = None
            for k, w in enumerate(_cubic_weights(src - start)):
                taps = np.clip(start + k - 1, 0, n_in - 1).astype(np.int64)
                term = out.index_select(axis, Tensor(taps)) * Tensor(w.astype(input.dtype).reshape(shape))
                mixed = term if mixed is None else mixed + term
            assert mixed is not None
            out = mixed
            continue
        if not linear:
            src = np.floor((dst + (0.5 if mode == "nearest-exact" else 0.0)) * scale)
            out = out.index_select(axis, Tensor(np.minimum(src, n_in - 1).astype(np.int64)))
            continue
        if corners:
            src = dst * ((n_in - 1) / (n_out - 1) if n_out > 1 else 0.0)
        else:
            src = np.maximum((dst + 0.5) * scale - 0.5, 0.0)
        low = np.minimum(np.floor(src), n_in - 1).astype(np.int64)
        high = np.minimum(low + 1, n_in - 1)
        weight = (src - low).astype(input.dtype)
        shape = [1] * input.ndim
        shape[axis] = n_out
        w_high = Tensor(weight.reshape(shape))
        w_low = Tensor((1 - weight).reshape(shape))
        out = out.index_select(axis, Tensor(low)) * w_low + out.index_select(axis, Tensor(high)) * w_high
    return out


upsample = interpolate


class Upsample(Module):
    """PyTorch's ``nn.Upsample(size=None, scale_factor=None, mode="nearest", align_corners=None)``."""

    def __init__(
        self,
        size: Any = None,
        scale_factor: Any = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
        recompute_scale_factor: bool | None = None,
    ) -> None:
        super().__init__()
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, x: Tensor) -> Tensor:
        """``F.interpolate`` with the module's arguments."""
        return interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners, self.recompute_scale_factor)

    def extra_repr(self) -> str:
        """PyTorch's."""
        scale = self.scale_factor
        if isinstance(scale, (int, float)):  # (PyTorch keeps a scale factor as a float)
            scale = float(scale)
        elif isinstance(scale, tuple):
            scale = tuple(float(f) for f in scale)
        what = f"scale_factor={scale}" if scale is not None else f"size={self.size}"
        return f"{what}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """PyTorch's ``nn.UpsamplingNearest2d``: ``Upsample`` in mode ``"nearest"``."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, "nearest")


class UpsamplingBilinear2d(Upsample):
    """PyTorch's ``nn.UpsamplingBilinear2d``: ``Upsample`` in mode ``"bilinear"`` with ``align_corners=True``."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, "bilinear", True)


# --------------------------------------------------------------------------- padding modules of the other modes
class _ModePad(Module):
    """``F.pad(x, padding, mode=mode)`` on the last ``axes`` axes (one int pads every side)."""

    axes, mode = 1, "reflect"

    def __init__(self, padding: Any) -> None:
        super().__init__()
        self.padding = (padding,) * (2 * self.axes) if isinstance(padding, int) else tuple(padding)

    def forward(self, x: Tensor) -> Tensor:
        """``x`` padded."""
        from mytorch.nn.padding import pad

        return pad(x, self.padding, mode=self.mode)

    def extra_repr(self) -> str:
        """``padding``."""
        return f"{self.padding}"


def _mode_pad(name: str, axes: int, mode: str) -> Any:
    doc = f"PyTorch's ``nn.{name}``: ``F.pad`` in mode {mode!r} on the last {axes} axes."
    return type(name, (_ModePad,), {"__doc__": doc, "__module__": __name__, "axes": axes, "mode": mode})


ReflectionPad1d, ReflectionPad2d = (
    _mode_pad("ReflectionPad1d", 1, "reflect"),
    _mode_pad("ReflectionPad2d", 2, "reflect"),
)
ReplicationPad1d = _mode_pad("ReplicationPad1d", 1, "replicate")
ReplicationPad2d = _mode_pad("ReplicationPad2d", 2, "replicate")
CircularPad1d, CircularPad2d = _mode_pad("CircularPad1d", 1, "circular"), _mode_pad("CircularPad2d", 2, "circular")


class Softmax2d(Module):
    """PyTorch's ``nn.Softmax2d``: softmax over the channels of (N, C, H, W) or (C, H, W)."""

    def forward(self, x: Tensor) -> Tensor:
        """``x.softmax(-3)``."""
        if x.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected an input of shape (N, C, H, W) or (C, H, W), got {tuple(x.shape)}")
        return x.softmax(-3)


class ChannelShuffle(Module):
    """PyTorch's ``nn.ChannelShuffle(groups)``: (N, g c, ...) seen as (N, g, c, ...) and read as (N, c, g, ...)."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = int(groups)

    def forward(self, x: Tensor) -> Tensor:
        """The channels interleaved across the groups."""
        n, c, *rest = x.shape
        if c % self.groups:
            raise ValueError(f"ChannelShuffle: {c} channels do not split into {self.groups} groups")
        return x.reshape(n, self.groups, c // self.groups, *rest).transpose(1, 2).reshape(n, c, *rest)

    def extra_repr(self) -> str:
        """``groups=...``, as PyTorch's."""
        return f"groups={self.groups}"


def gumbel_softmax(logits: Any, tau: float = 1.0, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Tensor:
    """PyTorch's ``F.gumbel_softmax``: ``softmax((logits + g) / tau)`` with Gumbel noise g from the
    generator ``manual_seed`` seeds; ``hard=True`` gives the one-hot of the largest, with the soft
    sample's gradient (the straight-through estimator)."""
    from mytorch.factories import default_generator

    x = logits if isinstance(logits, Tensor) else Tensor(np.asarray(logits))
    noise = -np.log(default_generator.exponential(size=x.shape)).astype(x.dtype)
    soft = ((x + Tensor(noise)) / tau).softmax(dim)
    if not hard:
        return soft
    data = np.asarray(soft._data)
    hot = (data == data.max(axis=dim, keepdims=True)).astype(x.dtype)
    return soft + Tensor(hot - data)  # the value one-hot, the gradient the soft sample's

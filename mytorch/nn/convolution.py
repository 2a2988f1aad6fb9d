"""Convolution and pooling on Tensors: ``F.conv1d``/``conv2d``/``conv3d``, ``F.max_pool1d``/``2d``,
``F.avg_pool1d``/``2d``, ``F.adaptive_avg_pool1d``/``2d``, ``F.adaptive_max_pool1d``/``2d``, and
their modules ``nn.Conv1d``, ``nn.Conv2d``, ``nn.Conv3d``, ``nn.MaxPool1d``, ``nn.MaxPool2d``,
``nn.AvgPool1d``, ``nn.AvgPool2d``, ``nn.AdaptiveAvgPool1d``, ``nn.AdaptiveAvgPool2d``,
``nn.AdaptiveMaxPool1d``, ``nn.AdaptiveMaxPool2d``, as PyTorch's.

No kernel of their own: each is composed of kernels of the table, so gradients, forward mode and
higher derivatives come with them. The input (padded with ``F.pad``) is cut into one strided
slice per position of the kernel window (kernel ``index``), the slices stacked on a new axis
(``stack``); a convolution is then one ``matmul`` of the weight, as a (out, in * window) matrix,
with those windows; a max pool is ``max`` over the window axis (its gradient goes to the first
largest element of each window, as PyTorch's), an average pool ``mean``. The cost is one slice
per window position (9 for a 3x3 kernel), not one per output element.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import math
from typing import Any, cast

import numpy as np

from mytorch.arguments import ShapeRuntimeError
from mytorch.dtypes import get_default_dtype
from mytorch.nn import init
from mytorch.nn.module import Module
from mytorch.nn.padding import pad as _pad
from mytorch.nn.parameter import Parameter
from mytorch.tensor import Tensor, matmul
from mytorch.tensor_math import slope_in_graph, where
from mytorch.tensor_shape import stack

__all__ = [
    "Fold",
    "fold",
    "MaxPool3d",
    "AvgPool3d",
    "AdaptiveAvgPool3d",
    "AdaptiveMaxPool3d",
    "Unfold",
    "PixelShuffle",
    "PixelUnshuffle",
    "max_pool3d",
    "avg_pool3d",
    "adaptive_avg_pool3d",
    "adaptive_max_pool3d",
    "unfold",
    "pixel_shuffle",
    "pixel_unshuffle",
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AvgPool1d",
    "AvgPool2d",
    "Dropout1d",
    "Dropout2d",
    "Dropout3d",
    "LocalResponseNorm",
    "Conv1d",
    "Conv2d",
    "Conv3d",
    "ConvTranspose1d",
    "ConvTranspose2d",
    "ConvTranspose3d",
    "MaxPool1d",
    "MaxPool2d",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "local_response_norm",
    "max_pool1d",
    "max_pool2d",
]

_PADDING_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "replicate", "circular": "circular"}


def _tuple(op: str, name: str, value: Any, nd: int, low: int = 1) -> tuple[int, ...]:
    """``value`` (an int, or a sequence of ``nd`` ints) as ``nd`` ints, each at least ``low``."""
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * nd
    if len(values) != nd or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
        raise TypeError(f"{op}: {name} must be an int or {nd} ints, got {value!r}")
    if any(v < low for v in values):
        raise ValueError(f"{op}: {name} must be at least {low}, got {value!r}")
    return tuple(int(v) for v in values)


def _input(op: str, x: Any, nd: int) -> tuple[Tensor, bool]:
    """``x`` as a batched (N, C, *spatial) Tensor, and whether it came without the batch axis."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op} takes a mytorch Tensor, got {type(x).__name__}; wrap arrays with mytorch.tensor(x)")
    if x.ndim == nd + 1:
        return x.unsqueeze(0), True
    if x.ndim != nd + 2:
        raise ValueError(
            f"{op}: expected an input of shape (N, C, {nd} spatial axes) or (C, ...), got {tuple(x.shape)}"
        )
    return x, False


def _windows(
    x: Tensor, kernel: tuple[int, ...], stride: tuple[int, ...], dilation: tuple[int, ...], op: str
) -> tuple[Tensor, tuple[int, ...]]:
    """The windows of ``x`` (N, C, *spatial), already padded: (N, C, prod(kernel), *out), window
    positions in row-major order, and ``out``."""
    spatial = x.shape[2:]
    out = tuple((n - d * (k - 1) - 1) // s + 1 for n, k, s, d in zip(spatial, kernel, stride, dilation, strict=True))
    if any(o <= 0 for o in out):
        raise ValueError(
            f"{op}: the kernel {kernel} (dilation {dilation}) is larger than the padded input's spatial size {spatial}"
        )
    slices = []
    for offsets in itertools.product(*(range(k) for k in kernel)):
        index = (slice(None), slice(None)) + tuple(
            slice(o * d, o * d + (m - 1) * s + 1, s) for o, d, m, s in zip(offsets, dilation, out, stride, strict=True)
        )
        slices.append(x[index])
    return (slices[0].unsqueeze(2) if len(slices) == 1 else stack(slices, dim=2)), out


def _padding(
    op: str, padding: Any, nd: int, kernel: tuple[int, ...], dilation: tuple[int, ...], stride: Any
) -> list[int]:
    """``F.pad``'s list (last axis first, before and after) for PyTorch's ``padding``: ints,
    ``"valid"`` (none) or ``"same"`` (the output as large as the input; stride 1 only)."""
    if isinstance(padding, str):
        if padding == "valid":
            return [0] * (2 * nd)
        if padding != "same":
            raise ValueError(f"{op}: padding must be 'valid', 'same' or ints, got {padding!r}")
        if any(s != 1 for s in _tuple(op, "stride", stride, nd)):
            raise ValueError(f"{op}: padding='same' needs stride 1, got stride={stride!r}")
        pairs = []
        for k, d in zip(kernel, dilation, strict=True):
            total = d * (k - 1)
            pairs.append((total // 2, total - total // 2))
    else:
        pairs = [(p, p) for p in _tuple(op, "padding", padding, nd, low=0)]
    return [p for pair in reversed(pairs) for p in pair]


def _conv(
    op: str,
    nd: int,
    input: Any,  # noqa: A002 - PyTorch's name
    weight: Any,
    bias: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: int,
    padding_mode: str = "zeros",
) -> Tensor:
    x, unbatched = _input(op, input, nd)
    if not isinstance(weight, Tensor) or weight.ndim != nd + 2:
        raise ValueError(f"{op}: weight must be a Tensor of shape (out, in / groups, {nd} kernel sizes)")
    out_channels, per_group = weight.shape[:2]
    kernel = tuple(weight.shape[2:])
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive integer, got {groups!r}")
    channels = x.shape[1]
    if channels != per_group * groups or out_channels % groups:
        raise ShapeRuntimeError(
            f"{op}: an input of {channels} channels and {groups} group(s) needs a weight of shape (out, in / groups, "
            f"...) with out a multiple of groups and in = {channels}, got {tuple(weight.shape)}"
        )
    stride_t = _tuple(op, "stride", stride, nd)
    dilation_t = _tuple(op, "dilation", dilation, nd)
    pads = _padding(op, padding, nd, kernel, dilation_t, stride)
    if any(pads):
        x = _pad(x, pads, mode=_PADDING_MODES[padding_mode])
    cols, out = _windows(x, kernel, stride_t, dilation_t, op)  # (N, C, K, *out)
    n, window = x.shape[0], math.prod(kernel)
    positions = math.prod(out)
    if groups == 1:
        y = matmul(weight.reshape(out_channels, channels * window), cols.reshape(n, channels * window, positions))
    else:
        w = weight.reshape(groups, out_channels // groups, per_group * window)
        y = matmul(w, cols.reshape(n, groups, per_group * window, positions))
    y = y.reshape(n, out_channels, *out)
    if bias is not None:
        y = y + bias.reshape(out_channels, *(1,) * nd)
    return y.squeeze(0) if unbatched else y


def _conv_function(nd: int, doc: str) -> Any:
    name = f"conv{nd}d"

    def conv(
        input: Any,  # noqa: A002 - PyTorch's name
        weight: Any,
        bias: Any = None,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
    ) -> Tensor:
        return _conv(name, nd, input, weight, bias, stride, padding, dilation, groups)

    conv.__name__ = conv.__qualname__ = name
    conv.__doc__ = doc
    return conv


conv1d = _conv_function(1, "PyTorch's ``F.conv1d``: (N, C, L) or (C, L) with a weight (out, C / groups, k).")
conv2d = _conv_function(
    2,
    """PyTorch's ``F.conv2d``: (N, C, H, W) or (C, H, W) with a weight (out, C / groups, kh, kw);
    ``padding`` ints, ``"valid"`` or ``"same"``.""",
)
conv3d = _conv_function(3, "PyTorch's ``F.conv3d``: (N, C, D, H, W) or (C, D, H, W).")


class _ConvNd(Module):
    """PyTorch's ``nn.ConvNd`` for ``nd`` spatial axes: weight (out, in / groups, *kernel_size) and
    bias (out,), drawn as PyTorch draws them; ``padding`` ints, ``"valid"`` or ``"same"``;
    ``padding_mode`` zeros, reflect, replicate or circular."""

    nd = 0
    transposed = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any,
        stride: Any = 1,
        padding: Any = 0,
        dilation: Any = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        for what, value in (("in_channels", in_channels), ("out_channels", out_channels), ("groups", groups)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f"{name}: {what} must be a positive integer, got {value!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"{name}: in_channels and out_channels must be multiples of groups ({groups})")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {', '.join(_PADDING_MODES)}, got {padding_mode!r}")
        self.in_channels, self.out_channels, self.groups = int(in_channels), int(out_channels), int(groups)
        self.kernel_size = _tuple(name, "kernel_size", kernel_size, self.nd)
        self.stride = _tuple(name, "stride", stride, self.nd)
        self.dilation = _tuple(name, "dilation", dilation, self.nd)
        self.padding = padding if isinstance(padding, str) else _tuple(name, "padding", padding, self.nd, low=0)
        _padding(name, self.padding, self.nd, self.kernel_size, self.dilation, self.stride)  # checked now
        self.padding_mode = padding_mode
        dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
        shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        if self.transposed:  # PyTorch's layout for a transposed convolution: (in, out / groups, *kernel)
            shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        self.bias = Parameter(np.empty(self.out_channels, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh weights and bias as PyTorch does: uniform in +-1/sqrt(fan_in), fan_in =
        the weight's second axis times prod(kernel_size)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1.0 / math.sqrt(self.weight.shape[1] * math.prod(self.kernel_size))
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        """The convolution of ``x`` (N, in_channels, *spatial) or unbatched (in_channels, *spatial)."""
        name = type(self).__name__
        return _conv(
            name,
            self.nd,
            x,
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self.dilation,
            self.groups,
            self.padding_mode,
        )

    def extra_repr(self) -> str:
        """PyTorch's: ``in, out, kernel_size=..., stride=...`` and what differs from the defaults."""
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self.nd:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * self.nd:
            text += f", dilation={self.dilation}"
        output_padding = getattr(self, "output_padding", (0,) * self.nd)  # (a transposed convolution's)
        if output_padding != (0,) * self.nd:
            text += f", output_padding={output_padding}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


# --------------------------------------------------------------------------- pooling
def _pool(
    op: str,
    nd: int,
    input: Any,  # noqa: A002
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    ceil_mode: bool,
    how: str,
    count_include_pad: bool = True,
    divisor_override: Any = None,
    indices: bool = False,
) -> Any:
    x, unbatched = _input(op, input, nd)
    kernel = _tuple(op, "kernel_size", kernel_size, nd)
    stride_t = (
        kernel
        if stride is None or (isinstance(stride, (tuple, list)) and not stride)
        else _tuple(op, "stride", stride, nd)
    )
    dilation_t = _tuple(op, "dilation", dilation, nd)
    pads = _tuple(op, "padding", padding, nd, low=0)
    if any(2 * p > k for p, k in zip(pads, kernel, strict=True)):
        raise ValueError(
            f"{op}: padding should be at most half of the kernel size, got padding={padding!r}, kernel_size={kernel}"
        )
    extra = [0] * nd
    if ceil_mode:  # one more window where the last would start inside the input (or its left padding)
        for i, (n, k, s, d, p) in enumerate(zip(x.shape[2:], kernel, stride_t, dilation_t, pads, strict=True)):
            span = n + 2 * p - d * (k - 1) - 1
            out = -(-span // s) + 1
            if (out - 1) * s >= n + p:
                out -= 1
            extra[i] = max((out - 1) * s + d * (k - 1) + 1 - (n + 2 * p), 0)
    spec = [v for p, e in zip(reversed(pads), reversed(extra), strict=True) for v in (p, p + e)]
    if any(pads) or any(extra):
        fill = -math.inf if how == "max" else 0.0
        if how == "max" and x.dtype.kind != "f":
            raise TypeError(f"{op}: padding an integer input is not supported")
        x_padded = _pad(x, spec, value=fill)
    else:
        x_padded = x
    cols, _ = _windows(x_padded, kernel, stride_t, dilation_t, op)
    if how == "max":
        y = cols.max(dim=2).values
        if x_padded is not x and np.isneginf(x._data).any():
            y = _first_inside(y, cols, x.shape, spec, kernel, stride_t, dilation_t, op)
        if x.dtype.kind == "f" and np.isnan(x._data).any():
            y = _last_nan(y, cols)
        if indices:
            where_max = _max_positions(cols._data, x.shape[2:], spec, (kernel, stride_t, dilation_t), op)
            y = slope_in_graph(y)  # (see below)
            return (y.squeeze(0), where_max.squeeze(0)) if unbatched else (y, where_max)
    elif divisor_override is not None:
        y = cols.sum(dim=2) / divisor_override
    elif count_include_pad and not any(extra):
        y = cols.mean(dim=2)
    else:  # divide by the count of the window's elements inside the input (and, with count_include_pad, its padding)
        ones = Tensor(np.ones((1, 1, *x.shape[2:]), dtype=x.dtype))
        if any(pads):
            ones = _pad(ones, [v for p in reversed(pads) for v in (p, p)], value=1.0 if count_include_pad else 0.0)
        if any(extra):
            ones = _pad(ones, [v for e in reversed(extra) for v in (0, e)], value=0.0)
        counts, _ = _windows(ones, kernel, stride_t, dilation_t, op)
        y = cols.sum(dim=2) / counts.sum(dim=2)
    y = slope_in_graph(y)  # PyTorch's pool backward is a function of its input: differentiated, zeros
    return y.squeeze(0) if unbatched else y


def _max_positions(
    values: np.ndarray, spatial: tuple[int, ...], spec: list[int], windows: tuple[tuple[int, ...], ...], op: str
) -> Tensor:
    """``return_indices``: for each window of ``values`` (N, C, window, *out), where in the input's
    flattened spatial plane its result comes from, as PyTorch's: the first largest element, the
    last NaN, and for a window of -inf only the first element inside the input (int64, a constant).
    ``windows`` is (kernel, stride, dilation)."""
    plane = Tensor(np.arange(math.prod(spatial), dtype=np.float64).reshape(1, 1, *spatial))
    if any(spec):
        plane = _pad(plane, spec, value=-1.0)
    kernel, stride, dilation = windows
    positions = _windows(plane, kernel, stride, dilation, op)[0]._data  # (1, 1, window, *out)
    with np.errstate(invalid="ignore"):
        top = np.max(values, axis=2, keepdims=True)
        slot = np.argmax(values == top, axis=2)
    nans = np.isnan(values)
    if nans.any():
        last = nans.shape[2] - 1 - np.argmax(nans[:, :, ::-1], axis=2)
        slot = np.where(nans.any(axis=2), last, slot)
    lowest = np.isneginf(top[:, :, 0])
    if lowest.any():  # (padding ties with them: the first slot inside the input)
        slot = np.where(lowest, np.argmax(positions >= 0, axis=2), slot)
    chosen = np.take_along_axis(np.broadcast_to(positions, values.shape), slot[:, :, None], axis=2)[:, :, 0]
    return Tensor(chosen.astype(np.int64))


def _first_inside(
    y: Tensor,
    cols: Tensor,
    shape: tuple[int, ...],
    spec: list[int],
    kernel: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...],
    op: str,
) -> Tensor:
    """A max pool's windows whose elements are all -inf, with the gradient on the window's first
    element inside the input, as PyTorch's: the -inf padding tied with them and, coming first in
    the window, took the gradient, which was lost (all -inf in 3x3 windows of padding 1: 4 of 9)."""
    inside = _pad(Tensor(np.ones((1, 1, *shape[2:]), dtype=cols.dtype)), spec, value=0.0)
    marks, _ = _windows(inside, kernel, stride, dilation, op)
    first = np.argmax(marks._data, axis=2)[:, :, None]  # (1, 1, 1, *out): the first slot inside
    picked = cols.gather(2, Tensor(np.broadcast_to(first, (*cols.shape[:2], 1, *cols.shape[3:])).copy()))
    lost = Tensor(np.isneginf(np.asarray(y._data)))
    return cast(Tensor, where(lost, picked.squeeze(2), y))


def _last_nan(y: Tensor, cols: Tensor) -> Tensor:
    """A max pool's windows holding several NaNs, with the result (NaN) and its gradient taken
    from the window's last NaN, as PyTorch's (its loop keeps an element that is NaN or larger);
    ``max`` took the first, as PyTorch's ``max(dim)`` does."""
    nans = np.isnan(cols._data)
    several = nans.sum(axis=2) > 1
    if not several.any():
        return y
    last = nans.shape[2] - 1 - np.argmax(nans[:, :, ::-1], axis=2)
    picked = cols.gather(2, Tensor(last[:, :, None]))
    return cast(Tensor, where(Tensor(several), picked.squeeze(2), y))


def _pool_functions(nd: int) -> tuple[Any, Any]:
    """PyTorch's ``F.max_poolNd`` and ``F.avg_poolNd`` for ``nd`` spatial axes."""
    max_name, avg_name = f"max_pool{nd}d", f"avg_pool{nd}d"

    def max_pool(
        input: Any,  # noqa: A002 - PyTorch's name
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        dilation: Any = 1,
        ceil_mode: bool = False,
        return_indices: bool = False,
    ) -> Any:
        return _pool(
            max_name, nd, input, kernel_size, stride, padding, dilation, ceil_mode, "max", indices=return_indices
        )

    def avg_pool(
        input: Any,  # noqa: A002 - PyTorch's name
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: Any = None,
    ) -> Tensor:
        return _pool(
            avg_name, nd, input, kernel_size, stride, padding, 1, ceil_mode, "avg", count_include_pad, divisor_override
        )

    max_pool.__name__ = max_pool.__qualname__ = max_name
    max_pool.__doc__ = (
        f"PyTorch's ``F.{max_name}``: the gradient goes to each window's first largest element (its last NaN); "
        "``return_indices=True`` also gives where each came from in the flattened spatial plane (for ``max_unpool``)."
    )
    avg_pool.__name__ = avg_pool.__qualname__ = avg_name
    avg_pool.__doc__ = f"PyTorch's ``F.{avg_name}`` (``count_include_pad``, ``divisor_override``)."
    return max_pool, avg_pool


max_pool1d, avg_pool1d = _pool_functions(1)
max_pool2d, avg_pool2d = _pool_functions(2)
max_pool3d, avg_pool3d = _pool_functions(3)


def _no_indices(op: str, return_indices: bool) -> None:
    if return_indices:
        raise NotImplementedError(f"{op}: return_indices=True is not supported by MyTorch's adaptive pooling")


def _adaptive(op: str, nd: int, input: Any, output_size: Any, how: str) -> Tensor:  # noqa: A002
    x, unbatched = _input(op, input, nd)
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * nd
    if len(sizes) != nd:
        raise ValueError(f"{op}: output_size must be an int or {nd} ints (or None), got {output_size!r}")
    spatial = x.shape[2:]
    sizes = tuple(n if s is None else int(s) for s, n in zip(sizes, spatial, strict=True))
    if any(s <= 0 for s in sizes):
        raise ValueError(f"{op}: output_size must be positive, got {output_size!r}")
    if all(n % s == 0 for n, s in zip(spatial, sizes, strict=True)):  # equal windows: one pool
        kernel = tuple(n // s for n, s in zip(spatial, sizes, strict=True))
        y = _pool(op, nd, x, kernel, kernel, 0, 1, False, how)
    else:  # window i spans [floor(i n / s), ceil((i + 1) n / s)) along each axis
        cells = []
        nans = x.dtype.kind == "f" and bool(np.isnan(x._data).any())
        for cell in itertools.product(*(range(s) for s in sizes)):
            index = (slice(None), slice(None)) + tuple(
                slice((i * n) // s, -((-(i + 1) * n) // s)) for i, n, s in zip(cell, spatial, sizes, strict=True)
            )
            part = x[index].flatten(2)
            if how == "max":
                top = part.max(dim=2).values
                cells.append(_last_nan(top, part) if nans else top)
            else:
                cells.append(part.mean(dim=2))
        y = slope_in_graph(stack(cells, dim=2).reshape(x.shape[0], x.shape[1], *sizes))  # (see ``_pool``)
    return y.squeeze(0) if unbatched else y


def _adaptive_function(nd: int, how: str) -> Any:
    name = f"adaptive_{how}_pool{nd}d"

    def adaptive(input: Any, output_size: Any, return_indices: bool = False) -> Tensor:  # noqa: A002
        _no_indices(name, return_indices)
        return _adaptive(name, nd, input, output_size, how)

    adaptive.__name__ = adaptive.__qualname__ = name
    adaptive.__doc__ = (
        f"PyTorch's ``F.{name}``: window i of n elements into s spans [floor(i n / s), ceil((i + 1) n / s))."
    )
    return adaptive


adaptive_avg_pool1d, adaptive_avg_pool2d = _adaptive_function(1, "avg"), _adaptive_function(2, "avg")
adaptive_max_pool1d, adaptive_max_pool2d = _adaptive_function(1, "max"), _adaptive_function(2, "max")
adaptive_avg_pool3d, adaptive_max_pool3d = _adaptive_function(3, "avg"), _adaptive_function(3, "max")


class _PoolNd(Module):
    """A pooling module: its arguments are those of its function (``F.max_pool2d`` for
    ``MaxPool2d``) but the input, kept as attributes and given to the function in ``forward``."""

    function: Any = None  # the F. function, a staticmethod of each class
    repr_names: tuple[str, ...] = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        signature = inspect.signature(self.function)
        try:
            bound = signature.bind(None, *args, **kwargs)
        except TypeError as error:
            raise TypeError(f"{type(self).__name__}: {error}") from None
        bound.apply_defaults()
        options = dict(bound.arguments)
        del options["input"]
        if self.function.__name__.startswith("adaptive"):
            _no_indices(type(self).__name__, options.get("return_indices", False))
        if "stride" in options and options["stride"] is None:
            options["stride"] = options["kernel_size"]
        self._options = list(options)
        for name, value in options.items():
            setattr(self, name, value)

    def forward(self, x: Tensor) -> Any:
        """The function applied to ``x`` with the module's arguments."""
        return self.function(x, **{name: getattr(self, name) for name in self._options})

    def extra_repr(self) -> str:
        """PyTorch's (``AvgPool1d`` shows its sizes as 1-tuples, ``kernel_size=(3,)``)."""
        single = type(self).__name__ == "AvgPool1d"
        values = {name: getattr(self, name) for name in self.repr_names}
        return ", ".join(f"{k}={(v,) if single and isinstance(v, int) else v}" for k, v in values.items())


_MAX, _AVG = ("kernel_size", "stride", "padding", "dilation", "ceil_mode"), ("kernel_size", "stride", "padding")


def _sized(base: type, name: str, doc: str, **attributes: Any) -> Any:
    """The module class ``name``: ``base`` for a number of spatial axes (``nd``) and pool (``how``)."""
    return type(name, (base,), {"__doc__": doc, "__module__": __name__, **attributes})


Conv1d = _sized(_ConvNd, "Conv1d", "PyTorch's ``nn.Conv1d``: weight (out, in / groups, k), bias (out,).", nd=1)
Conv2d = _sized(_ConvNd, "Conv2d", "PyTorch's ``nn.Conv2d``: weight (out, in / groups, kh, kw), bias (out,).", nd=2)
Conv3d = _sized(_ConvNd, "Conv3d", "PyTorch's ``nn.Conv3d``: weight (out, in / groups, kd, kh, kw), bias (out,).", nd=3)


def _pool_module(name: str, function: Any, repr_names: tuple[str, ...] = ("output_size",)) -> Any:
    doc = f"PyTorch's ``nn.{name}``: ``F.{function.__name__}`` as a module."
    return _sized(_PoolNd, name, doc, function=staticmethod(function), repr_names=repr_names)


MaxPool1d, MaxPool2d = _pool_module("MaxPool1d", max_pool1d, _MAX), _pool_module("MaxPool2d", max_pool2d, _MAX)
AvgPool1d, AvgPool2d = _pool_module("AvgPool1d", avg_pool1d, _AVG), _pool_module("AvgPool2d", avg_pool2d, _AVG)
AdaptiveAvgPool1d = _pool_module("AdaptiveAvgPool1d", adaptive_avg_pool1d)
AdaptiveAvgPool2d = _pool_module("AdaptiveAvgPool2d", adaptive_avg_pool2d)
MaxPool3d, AvgPool3d = _pool_module("MaxPool3d", max_pool3d, _MAX), _pool_module("AvgPool3d", avg_pool3d, _AVG)
AdaptiveAvgPool3d = _pool_module("AdaptiveAvgPool3d", adaptive_avg_pool3d)
AdaptiveMaxPool3d = _pool_module("AdaptiveMaxPool3d", adaptive_max_pool3d)
AdaptiveMaxPool1d = _pool_module("AdaptiveMaxPool1d", adaptive_max_pool1d)
AdaptiveMaxPool2d = _pool_module("AdaptiveMaxPool2d", adaptive_max_pool2d)


# --------------------------------------------------------------------------- channel dropout
def _channel_dropout(op: str, nd: int, input: Any, p: float, training: bool, inplace: bool = False) -> Tensor:  # noqa: A002
    """Zero whole channels (each with probability ``p``) and scale the rest by 1 / (1 - p); with
    ``inplace``, written into ``input`` (it was ignored)."""
    from mytorch.factories import default_generator

    if inplace and training and p > 0 and isinstance(input, Tensor):
        return input.copy_(_channel_dropout(op, nd, input.clone(), p, training))
    x, unbatched = _input(op, input, nd)
    if not 0 <= p <= 1:
        raise ValueError(f"{op}: p must be a probability in [0, 1], got {p!r}")
    if training and p > 0:
        keep = default_generator.random(x.shape[:2]) >= p
        scale = np.zeros(x.shape[:2]) if p == 1 else keep / (1.0 - float(p))
        x = x * Tensor(scale.astype(x.dtype).reshape(*x.shape[:2], *(1,) * nd))
    return x.squeeze(0) if unbatched else x


def dropout1d(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """PyTorch's ``F.dropout1d``: whole channels of (N, C, L) or (C, L) zeroed in training."""
    return _channel_dropout("dropout1d", 1, input, p, training, inplace)


def dropout2d(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """PyTorch's ``F.dropout2d``: whole channels of (N, C, H, W) or (C, H, W) zeroed in training."""
    return _channel_dropout("dropout2d", 2, input, p, training, inplace)


def dropout3d(input: Any, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:  # noqa: A002
    """PyTorch's ``F.dropout3d``: whole channels of (N, C, D, H, W) or (C, D, H, W) zeroed in training."""
    return _channel_dropout("dropout3d", 3, input, p, training, inplace)


def local_response_norm(
    input: Any,  # noqa: A002 - PyTorch's name
    size: int,
    alpha: float = 1e-4,
    beta: float = 0.75,
    k: float = 1.0,
) -> Tensor:
    """AlexNet's local response normalisation across channels: ``x / (k + alpha * mean(x^2))^beta``,
    the mean over ``size`` neighbouring channels (the window starting ``size // 2`` before,
    zeros past the ends, always divided by ``size``), as PyTorch's. Recorded.

    Raises:
        ValueError: fewer than 3 axes.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"local_response_norm takes a mytorch Tensor, got {type(input).__name__}")
    if input.ndim < 3:
        raise ValueError(
            f"local_response_norm: expected 3 or more axes (N, C, ...), got input of shape {tuple(input.shape)}"
        )
    if input.numel() == 0:
        return input
    if input.dtype == np.float16:  # in float32: float16 squares overflow from 256 (it gave 0, as PyTorch 2.13)
        return local_response_norm(input.to(np.float32), size, alpha, beta, k).to(np.float16)
    channels = input.shape[1]
    squares = input * input
    before, after = size // 2, (size - 1) // 2
    zeros = [np.zeros((input.shape[0], n, *input.shape[2:]), dtype=input.dtype) for n in (before, after)]
    from mytorch.tensor_shape import cat

    padded = cat([Tensor(zeros[0]), squares, Tensor(zeros[1])], 1)
    window = padded[:, 0:channels]
    for j in range(1, size):
        window = window + padded[:, j : j + channels]
    return input / (window / size * alpha + k) ** beta


class LocalResponseNorm(Module):
    """PyTorch's ``nn.LocalResponseNorm(size, alpha=1e-4, beta=0.75, k=1.0)`` (``F.local_response_norm``)."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, x: Tensor) -> Tensor:
        """``x`` normalised across neighbouring channels."""
        return local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        """``size, alpha=..., beta=..., k=...``, as PyTorch's."""
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class _ChannelDropout(Module):
    nd = 2

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"{type(self).__name__}: p must be a probability in [0, 1], got {p!r}")
        self.p, self.inplace = float(p), bool(inplace)

    def forward(self, x: Tensor) -> Tensor:
        """``x`` with whole channels dropped in training mode; ``x`` itself in evaluation mode."""
        return _channel_dropout(type(self).__name__, self.nd, x, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        """``p=..., inplace=...``."""
        return f"p={self.p}, inplace={self.inplace}"


Dropout1d = _sized(_ChannelDropout, "Dropout1d", "PyTorch's ``nn.Dropout1d``: whole channels dropped.", nd=1)
Dropout2d = _sized(_ChannelDropout, "Dropout2d", "PyTorch's ``nn.Dropout2d``: whole channels dropped.", nd=2)
Dropout3d = _sized(_ChannelDropout, "Dropout3d", "PyTorch's ``nn.Dropout3d``: whole channels dropped.", nd=3)


# --------------------------------------------------------------------------- transposed convolution
def _conv_transpose(
    op: str,
    nd: int,
    input: Any,  # noqa: A002 - PyTorch's name
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """The gradient of a convolution with respect to its input, as a convolution: ``input`` with
    stride - 1 zeros between its elements (kernel ``setitem``), padded by dilation (k - 1) -
    padding (and ``output_padding`` after), convolved with the weight flipped and its two channel
    axes swapped, with stride 1."""
    from mytorch.tensor import _apply

    x, unbatched = _input(op, input, nd)
    if not isinstance(weight, Tensor) or weight.ndim != nd + 2 or weight.shape[0] != x.shape[1]:
        raise ValueError(f"{op}: weight must be a Tensor of shape ({x.shape[1]}, out / groups, {nd} kernel sizes)")
    kernel = tuple(weight.shape[2:])
    s, p = _tuple(op, "stride", stride, nd), _tuple(op, "padding", padding, nd, low=0)
    extra, d = _tuple(op, "output_padding", output_padding, nd, low=0), _tuple(op, "dilation", dilation, nd)
    if any(e >= max(si, di) for e, si, di in zip(extra, s, d, strict=True)):
        raise ValueError(
            f"{op}: output_padding must be smaller than the stride or the dilation, got {output_padding!r}"
        )
    if any(si > 1 for si in s):
        spread = [(n - 1) * si + 1 for n, si in zip(x.shape[2:], s, strict=True)]
        zeros = Tensor(np.zeros((*x.shape[:2], *spread), dtype=x.dtype))
        x = _apply(
            "setitem", (zeros, x), {"index": (slice(None), slice(None)) + tuple(slice(None, None, si) for si in s)}
        )
    pads = []
    for k, pi, e, di in reversed(list(zip(kernel, p, extra, d, strict=True))):
        pads += [di * (k - 1) - pi, di * (k - 1) - pi + e]
    x = _pad(x, pads)
    channels, per_group = weight.shape[0], weight.shape[1]
    w = weight.reshape(groups, channels // groups, per_group, *kernel).transpose(1, 2)
    w = w.reshape(groups * per_group, channels // groups, *kernel).flip(tuple(range(2, nd + 2)))
    y = _conv(op, nd, x, w, bias, 1, 0, d, groups)
    return y.squeeze(0) if unbatched else y


conv_transpose1d = functools.partial(_conv_transpose, "conv_transpose1d", 1)
conv_transpose1d.__doc__ = (
    "PyTorch's ``F.conv_transpose1d(input, weight, bias, stride, padding, output_padding, groups, dilation)``."
)
conv_transpose2d = functools.partial(_conv_transpose, "conv_transpose2d", 2)
conv_transpose2d.__doc__ = (
    "PyTorch's ``F.conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation)``."
)
conv_transpose3d = functools.partial(_conv_transpose, "conv_transpose3d", 3)
conv_transpose3d.__doc__ = (
    "PyTorch's ``F.conv_transpose3d(input, weight, bias, stride, padding, output_padding, groups, dilation)``:"
    " (N, C, D, H, W) or (C, D, H, W)."
)


class _ConvTransposeNd(_ConvNd):
    """PyTorch's ``nn.ConvTransposeNd``: weight (in, out / groups, *kernel_size), ``output_padding``."""

    transposed = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """PyTorch's arguments: ``in_channels, out_channels, kernel_size, stride=1, padding=0,
        output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros", device=None,
        dtype=None`` (those of ``_ConvNd`` with ``output_padding`` sixth and ``dilation`` ninth)."""
        name = type(self).__name__
        head, tail = args[:5], args[5:]
        if len(tail) > 7:
            raise TypeError(f"{name}: takes at most 12 positional arguments")
        kwargs.update(zip(("output_padding", "groups", "bias", "dilation", "padding_mode", "device", "dtype"), tail))
        if kwargs.get("padding_mode", "zeros") != "zeros":
            raise ValueError(f"{name}: only padding_mode='zeros' is supported (as in PyTorch)")
        self.output_padding = _tuple(name, "output_padding", kwargs.pop("output_padding", 0), self.nd, low=0)
        super().__init__(*head, **kwargs)

    def _output_padding(self, x: Tensor, output_size: Any) -> tuple[int, ...]:
        """The output padding that makes the output's last ``nd`` sizes ``output_size`` (its last
        ``nd`` entries), as PyTorch's: each must lie within stride - 1 (or dilation - 1) above the
        smallest size the convolution gives."""
        name, nd = type(self).__name__, self.nd
        sizes = [int(n) for n in output_size]
        if len(sizes) not in (nd, nd + 2):
            raise ValueError(f"{name}: output_size must have {nd} or {nd + 2} entries, got {tuple(output_size)}")
        padding = []
        for i, want in enumerate(sizes[-nd:]):
            k, st, p, d = self.kernel_size[i], self.stride[i], int(self.padding[i]), self.dilation[i]  # (ints here)
            least = (x.shape[x.ndim - nd + i] - 1) * st - 2 * p + d * (k - 1) + 1
            if not least <= want < least + max(st, d):
                raise ValueError(
                    f"{name}: requested an output size of {tuple(sizes[-nd:])}, but axis {i} can only be between "
                    f"{least} and {least + max(st, d) - 1} for an input of shape {tuple(x.shape)}"
                )
            padding.append(want - least)
        return tuple(padding)

    def forward(self, x: Tensor, output_size: Any = None) -> Tensor:
        """The transposed convolution of ``x``; ``output_size`` (PyTorch's: the sizes wanted, as
        ``skip.shape`` in a U-Net) sets the output padding in place of ``output_padding``."""
        extra = self.output_padding if output_size is None else self._output_padding(x, output_size)
        args = (self.weight, self.bias, self.stride, self.padding, extra, self.groups, self.dilation)
        return _conv_transpose(type(self).__name__, self.nd, x, *args)


ConvTranspose1d = _sized(_ConvTransposeNd, "ConvTranspose1d", "PyTorch's ``nn.ConvTranspose1d``.", nd=1)
ConvTranspose2d = _sized(_ConvTransposeNd, "ConvTranspose2d", "PyTorch's ``nn.ConvTranspose2d``.", nd=2)
ConvTranspose3d = _sized(_ConvTransposeNd, "ConvTranspose3d", "PyTorch's ``nn.ConvTranspose3d``.", nd=3)


# --------------------------------------------------------------------------- im2col, pixel shuffle
def unfold(input: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> Tensor:  # noqa: A002
    """PyTorch's ``F.unfold`` (im2col): the sliding blocks of (N, C, H, W) as columns, (N, C kh kw,
    L), channel-major, the blocks in row order (``_windows``, the same cut a convolution makes)."""
    x, unbatched = _input("unfold", input, 2)
    kernel, d = _tuple("unfold", "kernel_size", kernel_size, 2), _tuple("unfold", "dilation", dilation, 2)
    p, st = _tuple("unfold", "padding", padding, 2, low=0), _tuple("unfold", "stride", stride, 2)
    if any(p):
        x = _pad(x, [p[1], p[1], p[0], p[0]])
    cols, out = _windows(x, kernel, st, d, "unfold")
    y = cols.reshape(x.shape[0], x.shape[1] * math.prod(kernel), math.prod(out))
    return y.squeeze(0) if unbatched else y


def fold(
    input: Any,  # noqa: A002 - PyTorch's name
    output_size: Any,
    kernel_size: Any,
    dilation: Any = 1,
    padding: Any = 0,
    stride: Any = 1,
) -> Tensor:
    """PyTorch's ``F.fold`` (col2im), the adjoint of ``unfold``: columns (N, C kh kw, L) summed
    into (N, C, H, W) where their blocks overlap; each window position's slice written into
    zeros (kernel ``setitem``) and the slices added."""
    from mytorch.tensor import _apply

    cols = input if isinstance(input, Tensor) else Tensor(np.asarray(input))
    unbatched = cols.ndim == 2
    if unbatched:
        cols = cols.unsqueeze(0)
    size = _tuple("fold", "output_size", output_size, 2)
    kernel, d = _tuple("fold", "kernel_size", kernel_size, 2), _tuple("fold", "dilation", dilation, 2)
    p, st = _tuple("fold", "padding", padding, 2, low=0), _tuple("fold", "stride", stride, 2)
    padded = [n + 2 * q for n, q in zip(size, p, strict=True)]
    out = [(n - di * (k - 1) - 1) // s + 1 for n, k, s, di in zip(padded, kernel, st, d, strict=True)]
    window = math.prod(kernel)
    if cols.ndim != 3 or cols.shape[1] % window or cols.shape[2] != math.prod(out):
        raise ValueError(
            f"fold: expected columns of shape (N, C * {window}, {math.prod(out)}) for output_size {size}, "
            f"got {tuple(cols.shape)}"
        )
    n, c = cols.shape[0], cols.shape[1] // window
    blocks = cols.reshape(n, c, *kernel, *out)
    total: Tensor | None = None
    for i, j in itertools.product(range(kernel[0]), range(kernel[1])):
        place = (slice(None), slice(None)) + tuple(
            slice(o * di, o * di + (m - 1) * s + 1, s) for o, di, m, s in zip((i, j), d, out, st, strict=True)
        )
        zeros = Tensor(np.zeros((n, c, *padded), dtype=cols.dtype))
        part = _apply("setitem", (zeros, blocks[:, :, i, j]), {"index": place})
        total = part if total is None else total + part
    assert total is not None
    y = total[:, :, p[0] : p[0] + size[0], p[1] : p[1] + size[1]]
    return y.squeeze(0) if unbatched else y


def _blocks_repr(module: Any) -> str:
    """``kernel_size=..., dilation=..., padding=..., stride=...`` of a ``Fold`` or ``Unfold``."""
    return ", ".join(f"{name}={getattr(module, name)}" for name in ("kernel_size", "dilation", "padding", "stride"))


class Fold(Module):
    """PyTorch's ``nn.Fold(output_size, kernel_size, dilation=1, padding=0, stride=1)``."""

    def __init__(
        self, output_size: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
    ) -> None:
        super().__init__()
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, x: Tensor) -> Tensor:
        """``F.fold`` of the columns ``x``."""
        return fold(x, self.output_size, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        """PyTorch's: the output size, then the sliding blocks' settings."""
        return f"output_size={self.output_size}, " + _blocks_repr(self)


def pixel_shuffle(input: Any, upscale_factor: int) -> Tensor:  # noqa: A002
    """PyTorch's ``F.pixel_shuffle``: (*, C r², H, W) to (*, C, H r, W r)."""
    x, r = input, int(upscale_factor)
    *lead, c, h, w = x.shape
    if c % (r * r):
        raise ValueError(f"pixel_shuffle: the channels ({c}) must be divisible by upscale_factor² ({r * r})")
    n = len(lead)
    y = x.reshape(*lead, c // (r * r), r, r, h, w)
    y = y.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    y = y.reshape(*lead, c // (r * r), h * r, w * r)
    return y.clone() if r == 1 else y  # (r 1: the reshapes were views; a copy, as PyTorch's)


def pixel_unshuffle(input: Any, downscale_factor: int) -> Tensor:  # noqa: A002
    """PyTorch's ``F.pixel_unshuffle``: (*, C, H r, W r) to (*, C r², H, W)."""
    x, r = input, int(downscale_factor)
    *lead, c, h, w = x.shape
    if h % r or w % r:
        raise ValueError(f"pixel_unshuffle: height and width ({h}, {w}) must be divisible by {r}")
    n = len(lead)
    y = x.reshape(*lead, c, h // r, r, w // r, r)
    y = y.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    y = y.reshape(*lead, c * r * r, h // r, w // r)
    return y.clone() if r == 1 else y  # (r 1: the reshapes were views; a copy, as PyTorch's)


class Unfold(Module):
    """PyTorch's ``nn.Unfold(kernel_size, dilation=1, padding=0, stride=1)``: ``F.unfold`` as a module."""

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1) -> None:
        super().__init__()
        self.kernel_size, self.dilation, self.padding, self.stride = kernel_size, dilation, padding, stride

    def forward(self, x: Tensor) -> Tensor:
        """The columns of ``x``."""
        return unfold(x, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        """PyTorch's: the sliding blocks' settings."""
        return _blocks_repr(self)


class PixelShuffle(Module):
    """PyTorch's ``nn.PixelShuffle(upscale_factor)``."""

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = int(upscale_factor)

    def forward(self, x: Tensor) -> Tensor:
        """``F.pixel_shuffle``."""
        return pixel_shuffle(x, self.upscale_factor)

    def extra_repr(self) -> str:
        """``upscale_factor=...``, as PyTorch's."""
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """PyTorch's ``nn.PixelUnshuffle(downscale_factor)``."""

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = int(downscale_factor)

    def forward(self, x: Tensor) -> Tensor:
        """``F.pixel_unshuffle``."""
        return pixel_unshuffle(x, self.downscale_factor)

    def extra_repr(self) -> str:
        """``downscale_factor=...``, as PyTorch's."""
        return f"downscale_factor={self.downscale_factor}"

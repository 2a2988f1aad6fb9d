"""More of PyTorch's layers and functions, composed of the kernel table's operations:
``F.bilinear`` / ``nn.Bilinear``, ``F.scaled_dot_product_attention``, ``F.pdist``,
``F.alpha_dropout`` / ``nn.AlphaDropout``, ``F.rrelu`` / ``nn.RReLU``, and the constant-padding
modules ``nn.ConstantPad1d/2d/3d`` and ``nn.ZeroPad1d/2d`` (``F.pad``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mytorch.dtypes import get_default_dtype
from mytorch.factories import default_generator
from mytorch.nn.distance import pairwise_distance
from mytorch.nn.module import Module
from mytorch.nn.padding import pad
from mytorch.nn.parameter import Parameter
from mytorch.tensor import Tensor, check_setting
from mytorch.tensor_einsum import einsum
from mytorch.tensor_math import slope_in_graph, softmax, where
from mytorch.tensor_pointwise import _tensor

__all__ = [
    "AlphaDropout",
    "Bilinear",
    "ConstantPad1d",
    "ConstantPad2d",
    "ConstantPad3d",
    "RReLU",
    "ZeroPad1d",
    "ZeroPad2d",
    "alpha_dropout",
    "bilinear",
    "pdist",
    "rrelu",
    "scaled_dot_product_attention",
]


def bilinear(input1: Any, input2: Any, weight: Any, bias: Any = None) -> Tensor:
    """``y[..., o] = x1[..., i] weight[o, i, j] x2[..., j] + bias[o]``."""
    out = einsum("...i,oij,...j->...o", _tensor(input1), _tensor(weight), _tensor(input2))
    return out if bias is None else out + bias


class Bilinear(Module):
    """``F.bilinear`` with a learnable ``weight`` (out, in1, in2) and ``bias`` (out,), both
    uniform in +-1/sqrt(in1), as PyTorch initializes them."""

    def __init__(
        self,
        in1_features: int,
        in2_features: int,
        out_features: int,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.in1_features, self.in2_features, self.out_features = in1_features, in2_features, out_features
        kind = get_default_dtype() if dtype is None else np.dtype(dtype)
        bound = 1 / math.sqrt(in1_features)
        draw = default_generator.uniform
        self.weight = Parameter(draw(-bound, bound, (out_features, in1_features, in2_features)).astype(kind))
        if bias:
            self.bias = Parameter(draw(-bound, bound, out_features).astype(kind))
        else:
            self.register_parameter("bias", None)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        """``F.bilinear(input1, input2, weight, bias)``."""
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        """``in1_features=..., in2_features=..., out_features=..., bias=...``."""
        return (
            f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
            f"out_features={self.out_features}, bias={self.bias is not None}"
        )


def scaled_dot_product_attention(
    query: Any,
    key: Any,
    value: Any,
    attn_mask: Any = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """``softmax(q k^T * scale + mask) v`` over the last two axes (scale 1/sqrt(d) by default);
    a bool ``attn_mask`` keeps where True, a float one is added; ``is_causal`` keeps the lower
    triangle; ``dropout_p`` drops attention weights (training code passes 0 in evaluation). A
    query whose keys are all masked gets 0 and no gradient, as PyTorch's (not NaN). ``attn_mask``
    with ``is_causal`` is a ``ValueError``, as PyTorch refuses it (the two were combined)."""
    if is_causal and attn_mask is not None:
        raise ValueError(
            "scaled_dot_product_attention: give attn_mask or is_causal=True, not both (as PyTorch refuses): "
            "fold the causal triangle into the mask"
        )
    q, k, v = _tensor(query), _tensor(key), _tensor(value)
    if q.dtype == k.dtype == v.dtype == np.float16:  # in float32, as PyTorch: q k^T overflows from |q|, |k| ~ 256
        q32, k32, v32 = (t.to(np.float32) for t in (q, k, v))
        out = scaled_dot_product_attention(q32, k32, v32, attn_mask, dropout_p, is_causal, scale, enable_gqa)
        return out.to(np.float16)
    factor = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = (q @ k.transpose(-2, -1)) * factor
    length, source = q.shape[-2], k.shape[-2]
    if is_causal:
        keep = np.tril(np.ones((length, source), dtype=bool))
        scores = scores.masked_fill(Tensor(~keep), -math.inf)
    if attn_mask is not None:
        mask = _tensor(attn_mask)
        scores = scores.masked_fill(Tensor(~np.asarray(mask._data)), -math.inf) if mask.dtype == bool else scores + mask
    dead = np.isneginf(np.asarray(scores._data)).all(-1, keepdims=True)  # every key masked: weights 0
    if dead.any():
        held = Tensor(dead)
        weights = softmax(scores.masked_fill(held, 0.0), -1).masked_fill(held, 0.0)
    else:
        weights = softmax(scores, -1)
    if dropout_p > 0:
        from mytorch.nn.functional_tensor import dropout

        weights = dropout(weights, dropout_p, True)
    return weights @ v


def pdist(input: Any, p: float = 2.0) -> Tensor:  # noqa: A002
    """The p-norm distance of every pair of rows i < j of an (N, M) tensor, in row order: N (N - 1) / 2 values."""
    x = _tensor(input)
    if x.ndim != 2:
        raise ValueError(f"pdist: expects a 2-D tensor, got shape {tuple(x.shape)}")
    rows, cols = np.triu_indices(x.shape[0], 1)
    return pairwise_distance(x[rows], x[cols], p, eps=0.0)


_SELU_ALPHA, _SELU_SCALE = 1.6732632423543772, 1.0507009873554805


def alpha_dropout(input: Any, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:  # noqa: A002
    """Dropout that keeps SELU's mean and variance: dropped elements are set to SELU's negative
    saturation, then everything is scaled and shifted back (PyTorch's formula); the identity out
    of training. ``inplace=True`` writes the result into ``input`` (it was ignored)."""
    x = _tensor(input)
    if not 0 <= p <= 1:
        raise ValueError(f"alpha_dropout: p must be a probability in [0, 1], got {p!r}")
    if not training or p == 0:
        return x
    if inplace:
        return x.copy_(alpha_dropout(x.clone(), p, training))
    if p == 1:
        return x * 0.0
    saturation, p = -_SELU_ALPHA * _SELU_SCALE, float(p)
    a = 1 / math.sqrt((saturation**2 * p + 1) * (1 - p))
    b = -a * saturation * p
    kept = default_generator.random(x.shape) >= p
    dropped = where(Tensor(kept), x, Tensor(np.asarray(saturation, x.dtype)))
    assert isinstance(dropped, Tensor)
    return dropped * a + b


class AlphaDropout(Module):
    """``F.alpha_dropout`` in training mode, the identity in evaluation mode."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        self.p, self.inplace = p, inplace

    def forward(self, x: Tensor) -> Tensor:
        """``F.alpha_dropout(x, p, self.training, self.inplace)``."""
        return alpha_dropout(x, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        """``p=..., inplace=...``, as PyTorch's dropouts."""
        return f"p={self.p}, inplace={self.inplace}"


def rrelu(
    input: Any,  # noqa: A002
    lower: float = 1.0 / 8,
    upper: float = 1.0 / 3,
    training: bool = False,
    inplace: bool = False,
) -> Tensor:
    """Leaky ReLU with the slope of inputs <= 0 drawn uniformly from [lower, upper] per element
    in training, and ``(lower + upper) / 2`` otherwise (at 0 the gradient is the slope, as
    PyTorch's; it was 1); ``inplace=True`` writes the result into ``input`` (it was ignored)."""
    x = _tensor(input)
    for name, bound in (("lower", lower), ("upper", upper)):  # (as PyTorch refuses them: inf slopes, NaN)
        if not math.isfinite(bound):
            raise RuntimeError(f"F.rrelu: the {name} bound must be finite, got {bound}")
    if lower > upper:  # (slopes were drawn from [upper, lower])
        raise RuntimeError(f"F.rrelu: the lower bound {lower} must not be above the upper bound {upper}")
    # the slopes the dtype must hold, as PyTorch's: both bounds in training, their mean otherwise (1e39 was inf)
    settings = (("lower", lower), ("upper", upper)) if training else (("(lower + upper) / 2", (lower + upper) / 2),)
    for name, setting in settings:
        check_setting("F.rrelu", name, setting, x._data.dtype, opmath=True)
    if training:
        slopes = Tensor(default_generator.uniform(lower, upper, x.shape).astype(x.dtype))
    else:
        slopes = Tensor(np.asarray((float(lower) + float(upper)) / 2, x.dtype))
    source = x.clone() if inplace else x
    out = slope_in_graph(source, np.asarray(x._data) > 0, source * slopes)  # recorded as PyTorch's, see there
    return x.copy_(out) if inplace else out


class RReLU(Module):
    """``F.rrelu`` with random slopes in training mode, their mean in evaluation mode."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False) -> None:
        super().__init__()
        self.lower, self.upper, self.inplace = lower, upper, inplace

    def forward(self, x: Tensor) -> Tensor:
        """``F.rrelu(x, lower, upper, self.training, self.inplace)``."""
        return rrelu(x, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self) -> str:
        """``lower=..., upper=...`` (and ``inplace=True``)."""
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace else "")


class _ConstantPad(Module):
    """``F.pad(x, padding, value=value)`` on the last ``axes`` axes (one int pads every side)."""

    axes = 1

    def __init__(self, padding: Any, value: float = 0.0) -> None:
        super().__init__()
        self.padding = (padding,) * (2 * self.axes) if isinstance(padding, int) else tuple(padding)
        self.value = value

    def forward(self, x: Tensor) -> Tensor:
        """``x`` padded."""
        return pad(x, self.padding, value=self.value)

    def extra_repr(self) -> str:
        """``padding=..., value=...``."""
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPad):
    """Pad the last axis with ``value``."""


class ConstantPad2d(_ConstantPad):
    """Pad the last two axes with ``value``."""

    axes = 2


class ConstantPad3d(_ConstantPad):
    """Pad the last three axes with ``value``."""

    axes = 3


class ZeroPad1d(_ConstantPad):
    """Pad the last axis with zeros."""

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        """The padding alone, as PyTorch's: ``ZeroPad1d((1, 2))``."""
        return f"{self.padding}"


class ZeroPad2d(_ConstantPad):
    """Pad the last two axes with zeros."""

    axes = 2

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)

    extra_repr = ZeroPad1d.extra_repr

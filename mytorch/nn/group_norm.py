"""``F.group_norm`` / ``nn.GroupNorm`` and ``F.rms_norm`` / ``nn.RMSNorm``, composed of the kernel
table's operations (``reshape``, ``mean``, ``sqrt``, division), as PyTorch defines them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from mytorch.dtypes import get_default_dtype
from mytorch.nn.module import Module
from mytorch.nn.normalization import channel_affine
from mytorch.nn.parameter import Parameter
from mytorch.tensor import Tensor, sqrt

__all__ = ["GroupNorm", "RMSNorm", "group_norm", "rms_norm"]


def group_norm(
    input: Any,  # noqa: A002
    num_groups: int,
    weight: Any = None,
    bias: Any = None,
    eps: float = 1e-5,
) -> Tensor:
    """``x`` of shape (N, C, ...) normalized over each group of ``C / num_groups`` channels (and
    every position): ``(x - mean) / sqrt(var + eps)``, the variance biased; then ``* weight + bias``
    per channel (shape (C,)).

    Raises:
        ValueError: C not divisible by ``num_groups``, or fewer than 2 axes.
    """
    x = input if isinstance(input, Tensor) else Tensor(np.asarray(input))
    if x.dtype == np.float16:  # in float32, as PyTorch: float16's variance overflows from |x - mean| ~ 256
        return group_norm(x.to(np.float32), num_groups, weight, bias, eps).to(np.float16)
    if x.ndim < 2 or x.shape[1] % num_groups:
        raise ValueError(
            f"group_norm: expects (N, C, ...) with C divisible by num_groups={num_groups}, got {tuple(x.shape)}"
        )
    grouped = x.reshape(x.shape[0], num_groups, -1)
    mean = grouped.mean(-1, keepdim=True)
    centered = grouped - mean
    var = (centered * centered).mean(-1, keepdim=True)
    out = (centered / sqrt(var + eps)).reshape(x.shape)
    per_channel = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(per_channel)
    if bias is not None:
        out = out + bias.reshape(per_channel)
    return out


def rms_norm(
    input: Any,  # noqa: A002
    normalized_shape: int | Sequence[int],
    weight: Any = None,
    eps: float | None = None,
) -> Tensor:
    """``x / sqrt(mean(x**2) + eps) * weight`` over the last ``len(normalized_shape)`` axes; ``eps``
    by default the dtype's machine epsilon, as PyTorch's; float16 is computed in float32 (its mean
    square overflows from |x| ~ 256), with float32's epsilon, as PyTorch's."""
    x = input if isinstance(input, Tensor) else Tensor(np.asarray(input))
    if x.dtype == np.float16:
        return rms_norm(x.to(np.float32), normalized_shape, weight, eps).to(np.float16)
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(x.shape[x.ndim - len(shape) :]) != shape:
        raise ValueError(f"rms_norm: the last axes of {tuple(x.shape)} must be normalized_shape {shape}")
    axes = tuple(range(x.ndim - len(shape), x.ndim))
    step = float(np.finfo(x.dtype).eps) if eps is None else eps
    out = x / sqrt((x * x).mean(axes, keepdim=True) + step)
    return out if weight is None else out * weight


class GroupNorm(Module):
    """``F.group_norm`` with a learnable per-channel ``weight`` (ones) and ``bias`` (zeros) when ``affine``."""

    weight: Parameter | None
    bias: Parameter | None

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels {num_channels} must be divisible by num_groups {num_groups}")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, float(eps), bool(affine)
        dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
        channel_affine(self, dtype, bias, num_channels)

    def forward(self, x: Tensor) -> Tensor:
        """``F.group_norm(x, num_groups, weight, bias, eps)``."""
        return group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        """``num_groups, num_channels, eps=..., affine=..., bias=...``, shown in ``repr``."""
        shape = f"{self.num_groups}, {self.num_channels}"
        return f"{shape}, eps={self.eps}, affine={self.affine}, bias={self.bias is not None}"


class RMSNorm(Module):
    """``F.rms_norm`` over the last axes, with a learnable ``weight`` (ones) when ``elementwise_affine``."""

    weight: Parameter | None

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float | None = None,
        elementwise_affine: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, bool(elementwise_affine)
        dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
        if self.elementwise_affine:
            self.weight = Parameter(np.ones(shape, dtype=dtype))
        else:
            self.register_parameter("weight", None)

    def forward(self, x: Tensor) -> Tensor:
        """``F.rms_norm(x, normalized_shape, weight, eps)``."""
        return rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        """``normalized_shape, eps=..., elementwise_affine=...``, shown in ``repr``."""
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"

"""Normalization layers: ``F.layer_norm`` / ``nn.LayerNorm`` and ``F.batch_norm`` / ``nn.BatchNorm1d``.

Both are composed of the kernel table's recorded operations (``mean``, ``var`` with
correction 0, ``sub``, ``rsqrt``, ``mul``, ``add``), so their gradients, forward mode and
second derivatives are those rows' (exact, not approximated):

    y = (x - mean) * rsqrt(var + eps) * weight + bias

with the statistics over the normalized axes (``layer_norm``: the last ones; ``batch_norm``:
every axis but the channels, axis 1). ``BatchNorm1d`` in training mode also updates its
running statistics off the tape (buffers ``running_mean``, ``running_var`` with the unbiased
variance, ``num_batches_tracked``), as PyTorch does; they go into ``state_dict`` as arrays.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from mytorch.arguments import ShapeRuntimeError
from mytorch.autograd_engine import no_grad
from mytorch.dtypes import get_default_dtype
from mytorch.nn.module import Module
from mytorch.nn.parameter import Parameter
from mytorch.tensor import CAPTURE, Tensor, capturing, rsqrt
from mytorch.tensor_math import mean, slope_in_graph, var

__all__ = [
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "InstanceNorm1d",
    "InstanceNorm2d",
    "InstanceNorm3d",
    "LayerNorm",
    "SyncBatchNorm",
    "batch_norm",
    "instance_norm",
    "layer_norm",
]


def _tensor(op: str, value: Any, what: str = "input") -> Tensor:
    if isinstance(value, Tensor):
        return value
    raise TypeError(f"{op}: {what} must be a mytorch Tensor, got {type(value).__name__}")


def _input(op: str, value: Any) -> Tensor:
    """The input to normalize: a bool or integer tensor in the default float dtype (its statistics
    were float64, as NumPy's mean of integers; PyTorch refuses integers here)."""
    x = _tensor(op, value)
    return x if x.dtype.kind in "fc" else x.to(get_default_dtype())


def _normalized(x: Tensor, axes: tuple[int, ...], eps: float) -> tuple[Tensor, Tensor, Tensor]:
    """``((x - mean) * rsqrt(var + eps), mean, var)`` over ``axes`` (biased variance), recorded."""
    centre = mean(x, axes, keepdim=True)
    spread = var(x, axes, keepdim=True, correction=0)
    return (x - centre) * rsqrt(spread + eps), centre, spread


def _affine(op: str, y: Tensor, weight: Any, bias: Any, shape: tuple[int, ...], view: tuple[int, ...]) -> Tensor:
    """``y * weight + bias`` for a weight and bias of ``shape`` (either may be None), seen as ``view``."""
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and tuple(_tensor(op, value, name).shape) != shape:
            raise ValueError(f"{op}: {name} must have shape {shape}, got {tuple(value.shape)}")
    if weight is not None:
        y = y * weight.reshape(view)
    if bias is not None:
        # the bias's gradient, sum(g), in the graph with derivative 0: differentiated on its own it
        # gives zeros, as PyTorch's fused op records it, not "does not require a gradient"
        y = y + slope_in_graph(bias.reshape(view))
    return y


# --------------------------------------------------------------------------- layer norm
def _shape_arg(op: str, shape: Any) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        return (int(shape),)
    if isinstance(shape, Sequence) and all(isinstance(n, (int, np.integer)) for n in shape):
        return tuple(int(n) for n in shape)
    raise TypeError(f"{op}: normalized_shape must be an int or a sequence of ints, got {shape!r}")


def layer_norm(
    input: Any,  # noqa: A002 - PyTorch's name
    normalized_shape: int | Sequence[int],
    weight: Any = None,
    bias: Any = None,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize over the last ``len(normalized_shape)`` axes (which must be ``normalized_shape``):
    ``(x - mean) / sqrt(var + eps) * weight + bias``, the variance biased, as PyTorch's
    ``F.layer_norm``. ``weight`` and ``bias`` (shape ``normalized_shape``) are optional.

    Raises:
        TypeError: ``input`` (or weight, bias) is not a Tensor.
        ValueError: the last axes of ``input`` are not ``normalized_shape``.
    """
    x = _input("layer_norm", input)
    if x.dtype == np.float16:  # in float32, as PyTorch: float16's variance overflows from |x| ~ 256
        return layer_norm(x.to(np.float32), normalized_shape, weight, bias, eps).to(np.float16)
    shape = _shape_arg("layer_norm", normalized_shape)
    k = len(shape)
    if k == 0 or tuple(x.shape[x.ndim - k :]) != shape or x.ndim < k:
        raise ShapeRuntimeError(
            f"layer_norm: normalized_shape {shape} must be the last axes of the input, got input of shape "
            f"{tuple(x.shape)}"
        )
    y, _, _ = _normalized(x, tuple(range(x.ndim - k, x.ndim)), eps)
    return _affine("layer_norm", y, weight, bias, shape, shape)


class LayerNorm(Module):
    """``F.layer_norm`` over the last axes, of shape ``normalized_shape``, with a learnable
    ``weight`` (ones) and ``bias`` (zeros) of that shape when ``elementwise_affine``."""

    weight: Parameter | None
    bias: Parameter | None

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        self.normalized_shape = _shape_arg("LayerNorm", normalized_shape)
        self.eps = float(eps)
        self.elementwise_affine = bool(elementwise_affine)
        dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
        if self.elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=dtype))
            self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dtype)) if bias else None
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x: Tensor) -> Tensor:
        """``F.layer_norm(x, normalized_shape, weight, bias, eps)``."""
        return layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        """``normalized_shape, eps=..., elementwise_affine=...``, shown in ``repr``."""
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
            f"bias={self.bias is not None}"
        )


def channel_affine(module: Any, dtype: np.dtype, bias: bool = True, size: int | None = None) -> None:
    """``module.weight`` (ones) and ``module.bias`` (zeros; None unless ``bias``, PyTorch's keyword)
    of shape (``size``, by default num_features) when ``module.affine``, else both registered as None."""
    size = module.num_features if size is None else size
    if module.affine:
        module.weight = Parameter(np.ones(size, dtype=dtype))
    else:
        module.register_parameter("weight", None)
    if module.affine and bias:
        module.bias = Parameter(np.zeros(size, dtype=dtype))
    else:
        module.register_parameter("bias", None)


def _running_buffers(module: Any, dtype: np.dtype) -> None:
    """``running_mean`` (zeros), ``running_var`` (ones) and ``num_batches_tracked`` (int64 0) of
    shape (num_features,) when ``module.track_running_stats``, else the three registered as None."""
    if module.track_running_stats:
        module.register_buffer("running_mean", Tensor(np.zeros(module.num_features, dtype=dtype)))
        module.register_buffer("running_var", Tensor(np.ones(module.num_features, dtype=dtype)))
        module.register_buffer("num_batches_tracked", Tensor(np.zeros((), dtype=np.int64)))
    else:
        for name in ("running_mean", "running_var", "num_batches_tracked"):
            module.register_buffer(name, None)


# --------------------------------------------------------------------------- batch norm
def _off_tape(what: str) -> None:
    """Tell a Replay capturing this step that ``what`` changes outside the tape (it refuses the step:
    a replay would not repeat the change)."""
    recorder = capturing() if CAPTURE else None
    if recorder is not None:
        recorder.off_tape(what)


def _update_running(stat: Tensor, batch: np.ndarray, momentum: float) -> None:
    """``stat = (1 - momentum) stat + momentum batch``, in place, off the tape."""
    _off_tape("batch_norm's running statistics")
    with no_grad():
        stat.copy_(Tensor(((1 - momentum) * stat._data + momentum * batch).astype(stat.dtype, copy=False)))


def batch_norm(
    input: Any,  # noqa: A002 - PyTorch's name
    running_mean: Tensor | None,
    running_var: Tensor | None,
    weight: Any = None,
    bias: Any = None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Normalize each channel (axis 1) of ``input`` (N, C, ...) over every other axis, as
    PyTorch's ``F.batch_norm``. In training mode with the batch's statistics (biased variance),
    and ``running_mean``/``running_var`` (when given) moved toward the batch's mean and unbiased
    variance by ``momentum``, in place; otherwise with the running statistics.

    Raises:
        TypeError: ``input`` is not a Tensor.
        ValueError: ``input`` has fewer than 2 axes, a running statistic, weight or bias is
            not of shape (C,), the running statistics are missing outside training, a
            training batch has one value per channel, or ``eps`` is not positive in training
            (negative outside it), as PyTorch's: a channel of equal values is then 0 / 0.
    """
    if eps < 0 or (training and eps <= 0):
        need = "positive in training" if training else "at least 0"
        raise ValueError(f"batch_norm: eps must be {need}, got {eps}")
    x = _input("batch_norm", input)
    if x.dtype == np.float16:  # in float32, as layer_norm (the running statistics keep their dtype)
        wide = batch_norm(x.to(np.float32), running_mean, running_var, weight, bias, training, momentum, eps)
        return wide.to(np.float16)
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of shape (N, C, ...), got {tuple(x.shape)}")
    channels = x.shape[1]
    view = (1, channels) + (1,) * (x.ndim - 2)
    for name, stat in (("running_mean", running_mean), ("running_var", running_var)):
        if stat is not None and tuple(_tensor("batch_norm", stat, name).shape) != (channels,):
            raise ValueError(f"batch_norm: {name} must have shape ({channels},), got {tuple(stat.shape)}")
    if training:
        count = x._data.size // max(channels, 1)
        if count <= 1:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, got input of shape {tuple(x.shape)}"
            )
        axes = (0,) + tuple(range(2, x.ndim))
        y, centre, spread = _normalized(x, axes, eps)
        if running_mean is not None:
            _update_running(running_mean, centre._data.reshape(channels), momentum)
        if running_var is not None:
            _update_running(running_var, spread._data.reshape(channels) * (count / (count - 1)), momentum)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are needed outside training mode")
        y = (x - running_mean.reshape(view)) * rsqrt(running_var.reshape(view) + eps)
    return _affine("batch_norm", y, weight, bias, (channels,), view)


class BatchNorm1d(Module):
    """Batch normalization of (N, C) or (N, C, L) inputs over the batch (and length) axes, per
    channel, as PyTorch's ``nn.BatchNorm1d``.

    Args:
        num_features: C.
        eps: added to the variance.
        momentum: the running statistics' update factor; None: a cumulative average
            (1 / num_batches_tracked).
        affine: learn ``weight`` (ones) and ``bias`` (zeros) of shape (C,).
        track_running_stats: keep the buffers ``running_mean`` (zeros), ``running_var`` (ones)
            and ``num_batches_tracked`` (int64), used in evaluation mode; without them the
            batch's statistics are used in both modes.
    """

    _ranks: tuple[int, ...] = (2, 3)  # the input's accepted numbers of axes

    weight: Parameter | None
    bias: Parameter | None
    running_mean: Tensor | None
    running_var: Tensor | None
    num_batches_tracked: Tensor | None
    _version = 2  # (1: before num_batches_tracked was saved)

    def _keys_older_versions_lack(self, version: int | None) -> tuple[str, ...]:
        """``num_batches_tracked``, when tracked, for a state dict of version 1 or without
        versions (PyTorch's rule: it keeps its value)."""
        if (version is None or version < 2) and self.num_batches_tracked is not None:
            return ("num_batches_tracked",)
        return ()

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if isinstance(num_features, bool) or not isinstance(num_features, (int, np.integer)) or num_features <= 0:
            raise ValueError(f"{type(self).__name__}: num_features must be a positive integer, got {num_features!r}")
        self.num_features = int(num_features)
        self.eps = float(eps)
        self.momentum = None if momentum is None else float(momentum)
        self.affine = bool(affine)
        self.track_running_stats = bool(track_running_stats)
        dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
        channel_affine(self, dtype, bias)
        _running_buffers(self, dtype)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches tracked (in place)."""
        with no_grad():
            for stat, value in ((self.running_mean, 0), (self.running_var, 1), (self.num_batches_tracked, 0)):
                if stat is not None:
                    stat.fill_(value)

    def forward(self, x: Tensor) -> Tensor:
        """``F.batch_norm`` with the batch's statistics in training mode (updating the running
        ones) and the running ones in evaluation mode.

        Raises:
            ValueError: ``x`` is not (N, C) or (N, C, L) with C = num_features.
        """
        name = type(self).__name__
        x = _tensor(name, x)
        if x.ndim not in self._ranks or x.shape[1] != self.num_features:
            raise ShapeRuntimeError(
                f"{name}({self.num_features}): expected input of shape {self._shapes()}, got {tuple(x.shape)}"
            )
        factor = 0.0 if self.momentum is None else self.momentum
        counter = self.num_batches_tracked
        if self.training and self.track_running_stats and counter is not None:
            _off_tape("BatchNorm1d's running statistics")
            with no_grad():
                counter.add_(1)
            if self.momentum is None:
                factor = 1.0 / float(counter.item())
        use_batch = self.training or self.running_mean is None
        track = not self.training or self.track_running_stats
        return batch_norm(
            x,
            self.running_mean if track else None,
            self.running_var if track else None,
            self.weight,
            self.bias,
            use_batch,
            factor,
            self.eps,
        )

    def _shapes(self) -> str:
        c = self.num_features
        return f"(N, {c}) or (N, {c}, L)"

    def extra_repr(self) -> str:
        """``num_features, eps=..., momentum=..., affine=..., bias=..., track_running_stats=...``."""
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm2d(BatchNorm1d):
    """Batch normalization of (N, C, H, W) inputs over the batch and spatial axes, per channel,
    as PyTorch's ``nn.BatchNorm2d`` (the arguments and buffers of ``BatchNorm1d``)."""

    _ranks = (4,)

    def _shapes(self) -> str:
        return f"(N, {self.num_features}, H, W)"


class BatchNorm3d(BatchNorm1d):
    """``BatchNorm1d`` for (N, C, D, H, W) inputs, as PyTorch's ``nn.BatchNorm3d``."""

    _ranks = (5,)

    def _shapes(self) -> str:
        return f"(N, {self.num_features}, D, H, W)"


class SyncBatchNorm(BatchNorm1d):
    """PyTorch's ``nn.SyncBatchNorm`` on one process: ``BatchNorm1d``/``2d``/``3d`` of inputs (N, C, ...)
    of any rank from 2, the statistics of this process's batch (MyTorch runs one; a
    ``process_group`` is accepted and not used). ``SyncBatchNorm.convert_sync_batchnorm(model)``
    swaps a model's batch norms for it, as a distributed script does before wrapping the model."""

    _ranks = tuple(range(2, 33))

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        process_group: Any = None,
        **options: Any,
    ) -> None:
        """``BatchNorm1d``'s arguments, with ``process_group`` before its ``device``, ``dtype`` and
        ``bias`` (given by name here)."""
        super().__init__(num_features, eps, momentum, affine, track_running_stats, **options)
        self.process_group = process_group

    def _shapes(self) -> str:
        return f"(N, {self.num_features}, ...)"

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any = None) -> Module:
        """``module`` with every ``BatchNorm1d``/``2d``/``3d`` in it (itself too) replaced by a
        ``SyncBatchNorm`` holding the same parameters and running statistics (the same Tensors, so
        an optimizer made before still updates them) and training mode, as PyTorch's."""
        converted = module
        if isinstance(module, BatchNorm1d) and not isinstance(module, SyncBatchNorm):
            converted = cls(
                module.num_features,
                module.eps,
                module.momentum,
                module.affine,
                module.track_running_stats,
                process_group,
                dtype=next((t.dtype for t in (module.weight, module.running_mean) if t is not None), None),
                bias=module.bias is not None,
            )
            for name in ("weight", "bias"):
                if getattr(module, name) is not None:
                    setattr(converted, name, getattr(module, name))
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                converted.register_buffer(name, getattr(module, name))
            converted.train(module.training)
        for name, child in module.named_children():
            converted.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return converted


def instance_norm(
    input: Any,  # noqa: A002 - PyTorch's name
    running_mean: Any = None,
    running_var: Any = None,
    weight: Any = None,
    bias: Any = None,
    use_input_stats: bool = True,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """PyTorch's ``F.instance_norm``: each (sample, channel) of (N, C, *spatial) normalized over its
    spatial axes, then ``weight``/``bias`` per channel. With ``use_input_stats`` (the default) the
    instance's own statistics are used, and ``running_mean``/``running_var`` (when given, shape (C,))
    move by ``momentum`` toward the batch's average of the instances' means and unbiased variances,
    in place, as PyTorch's; without it, the running statistics normalize every instance.

    Raises:
        ValueError: ``input`` is not (N, C, ...), a running statistic is not of shape (C,), or
            the instance statistics of a single spatial element are asked for (each value would
            be its own mean), as PyTorch's.
        RuntimeError: ``use_input_stats`` is False without both running statistics.
    """
    x = _input("instance_norm", input)
    if x.dtype == np.float16:  # in float32, as layer_norm (the running statistics keep their dtype)
        stats = (running_mean, running_var, weight, bias, use_input_stats, momentum, eps)
        return instance_norm(x.to(np.float32), *stats).to(np.float16)
    if x.ndim < 3:
        raise ValueError(f"instance_norm: expected an input of shape (N, C, ...), got {tuple(x.shape)}")
    channels = x.shape[1]
    view = (1, channels) + (1,) * (x.ndim - 2)
    for name, stat in (("running_mean", running_mean), ("running_var", running_var)):
        if stat is not None and tuple(_tensor("instance_norm", stat, name).shape) != (channels,):
            raise ValueError(f"instance_norm: {name} must have shape ({channels},), got {tuple(stat.shape)}")
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise RuntimeError(
                "instance_norm: Expected running_mean and running_var to be defined when use_input_stats is false"
            )
        y = (x - running_mean.reshape(view)) * rsqrt(running_var.reshape(view) + eps)
        return _affine("instance_norm", y, weight, bias, (channels,), view)
    count = math.prod(x.shape[2:])
    if count <= 1:  # each value is its own mean: every output would be 0, as PyTorch refuses
        raise ValueError(f"instance_norm: expected more than 1 spatial element, got input of shape {tuple(x.shape)}")
    y, centre, spread = _normalized(x, tuple(range(2, x.ndim)), eps)
    if running_mean is not None:  # (each instance's update, averaged over the batch: PyTorch's)
        _update_running(running_mean, centre._data.reshape(-1, channels).mean(0), momentum)
    if running_var is not None:
        _update_running(running_var, spread._data.reshape(-1, channels).mean(0) * (count / (count - 1)), momentum)
    return _affine("instance_norm", y, weight, bias, (channels,), view)


class _InstanceNorm(Module):
    nd = 2
    weight: Parameter | None
    bias: Parameter | None
    running_mean: Tensor | None
    running_var: Tensor | None
    num_batches_tracked: Tensor | None
    _version = 2
    _keys_older_versions_lack = BatchNorm1d._keys_older_versions_lack
    reset_running_stats = BatchNorm1d.reset_running_stats

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        device: Any = None,
        dtype: Any = None,
        *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        self.num_features, self.eps, self.affine = int(num_features), float(eps), bool(affine)
        self.momentum = None if momentum is None else float(momentum)
        self.track_running_stats = bool(track_running_stats)
        dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
        channel_affine(self, dtype, bias)
        _running_buffers(self, dtype)  # (num_batches_tracked is kept and saved, never counted: PyTorch's)

    def forward(self, x: Tensor) -> Tensor:
        """``F.instance_norm``; an unbatched (C, *spatial) input too. With ``track_running_stats``,
        training updates the running statistics (``momentum=None``: they stay, as PyTorch's) and
        evaluation normalizes with them."""
        x = _tensor(type(self).__name__, x)
        unbatched = x.ndim == self.nd + 1
        y = instance_norm(
            x.unsqueeze(0) if unbatched else x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            0.0 if self.momentum is None else self.momentum,
            self.eps,
        )
        return y.squeeze(0) if unbatched else y

    def extra_repr(self) -> str:
        """``num_features, eps=..., momentum=..., affine=..., bias=..., track_running_stats=...``."""
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )


InstanceNorm1d = type("InstanceNorm1d", (_InstanceNorm,), {"__doc__": "PyTorch's ``nn.InstanceNorm1d``.", "nd": 1})
InstanceNorm2d = type("InstanceNorm2d", (_InstanceNorm,), {"__doc__": "PyTorch's ``nn.InstanceNorm2d``.", "nd": 2})
InstanceNorm3d = type("InstanceNorm3d", (_InstanceNorm,), {"__doc__": "PyTorch's ``nn.InstanceNorm3d``.", "nd": 3})

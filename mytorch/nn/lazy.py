"""PyTorch's lazy modules: ``LazyLinear(out_features)``, ``LazyConv1d/2d/3d(out_channels, ...)``,
``LazyConvTranspose1d/2d/3d``, ``LazyBatchNorm1d/2d/3d``, ``LazyInstanceNorm1d/2d/3d``, whose input size
is read from the first input (as in the d2l.ai book's networks: ``nn.Sequential(nn.LazyLinear(256),
nn.ReLU(), nn.LazyLinear(10))``).

Until that first call the module's parameters are uninitialized: empty ``Parameter`` objects
(``is_uninitialized()`` tells), which ``parameters()`` lists and an optimizer may already hold.
The first call makes the full module (``cls_to_become``, drawing its initial values as that class
does), puts its values into those same ``Parameter`` objects, and the module becomes an instance of
that class, as PyTorch's do; an optimizer made before then makes its state for them at its next
step.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mytorch.nn import convolution, layers, normalization
from mytorch.nn.module import Module, _edited
from mytorch.nn.parameter import Parameter
from mytorch.tensor import Tensor

__all__ = [
    "LazyBatchNorm1d",
    "LazyBatchNorm2d",
    "LazyBatchNorm3d",
    "LazyConv1d",
    "LazyConv2d",
    "LazyConv3d",
    "LazyConvTranspose1d",
    "LazyConvTranspose2d",
    "LazyConvTranspose3d",
    "LazyInstanceNorm1d",
    "LazyInstanceNorm2d",
    "LazyInstanceNorm3d",
    "LazyLinear",
]


class _LazyModule(Module):
    """A module whose first argument (the input size) comes from its first input."""

    cls_to_become: Any  # (a Module class taking the input size first)
    _spatial = 0  # a convolution's or a norm's spatial axes (the channels are axis 1, or 0 unbatched)
    _batch_channels = False  # the channels are axis 1 always (a batch norm's)

    # PyTorch's own defaults where the full class's differ, by name: (place among the arguments, value)
    _defaults: dict[str, tuple[int, Any]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        for name, (place, value) in self._defaults.items():
            if name not in kwargs and len(args) <= place:
                kwargs[name] = value
        probe = self.cls_to_become(1, *args, **kwargs)  # (its parameters' and buffers' names, and the checks)
        self._lazy_arguments = (args, kwargs)
        for size in ("in_features", "in_channels", "num_features"):  # (PyTorch's repr shows the size as 0)
            if size in probe.__dict__:
                object.__setattr__(probe, size, 0)
        self._lazy_repr = probe.extra_repr()
        for name, param in probe._parameters.items():  # (an empty slot too: BatchNorm's weight when not affine)
            self.register_parameter(name, None if param is None else Parameter(np.empty(0, dtype=param._data.dtype)))
        for name, buffer in probe._buffers.items():
            self.register_buffer(name, None if buffer is None else Tensor(np.empty(0, dtype=buffer._data.dtype)))

    def has_uninitialized_params(self) -> bool:
        """True until the first call."""
        return True

    def initialize_parameters(self, x: Any) -> None:
        """Make the parameters for inputs like ``x`` (the first call does this)."""
        if not isinstance(x, Tensor) or x.ndim == 0:
            raise TypeError(f"{type(self).__name__}: expected a Tensor input, got {type(x).__name__}")
        if not self._spatial:  # (features: the last axis)
            size = x.shape[-1]
        elif self._batch_channels:  # (a batch norm's channels: axis 1)
            size = x.shape[1]
        else:  # (channels: axis 1, or 0 without a batch axis)
            size = x.shape[0 if x.ndim == self._spatial + 1 else 1]
        args, kwargs = self._lazy_arguments
        full = self.cls_to_become(size, *args, **kwargs)
        for name, value in full._parameters.items():
            mine = self._parameters[name]
            if value is not None and mine is not None:
                mine.data = value.detach()  # (the same Parameter: an optimizer may hold it)
        for name, value in full.__dict__.items():  # (buffers, their registry, the sizes and settings)
            if name not in ("_parameters", "training") and name not in full._parameters:
                object.__setattr__(self, name, value)
        del self.__dict__["_lazy_arguments"], self.__dict__["_lazy_repr"]
        self.__class__ = self.cls_to_become
        _edited()

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        """The first call: make the parameters from ``inputs[0]``, then run the full module's forward."""
        self.initialize_parameters(inputs[0] if inputs else None)
        return self.forward(*inputs, **kwargs)

    def extra_repr(self) -> str:
        """The full module's, with the input size 0 (not known yet), as PyTorch shows it."""
        return str(self._lazy_repr)


def _lazy(
    name: str,
    become: type[Module],
    spatial: int,
    batch_channels: bool = False,
    defaults: dict[str, tuple[int, Any]] | None = None,
) -> type[_LazyModule]:
    settings = {"cls_to_become": become, "_spatial": spatial, "_batch_channels": batch_channels}
    settings["_defaults"] = defaults or {}
    cls = type(name, (_LazyModule,), {**settings, "__module__": __name__})
    cls.__doc__ = (
        f"PyTorch's ``nn.{name}``: ``{become.__name__}`` with its input size read from the first input "
        "(the other arguments as that class takes them)."
    )
    return cls


LazyLinear = _lazy("LazyLinear", layers.Linear, 0)
LazyConv1d = _lazy("LazyConv1d", convolution.Conv1d, 1)
LazyConv2d = _lazy("LazyConv2d", convolution.Conv2d, 2)
LazyConv3d = _lazy("LazyConv3d", convolution.Conv3d, 3)
LazyConvTranspose1d = _lazy("LazyConvTranspose1d", convolution.ConvTranspose1d, 1)
LazyConvTranspose2d = _lazy("LazyConvTranspose2d", convolution.ConvTranspose2d, 2)
LazyConvTranspose3d = _lazy("LazyConvTranspose3d", convolution.ConvTranspose3d, 3)
LazyBatchNorm1d = _lazy("LazyBatchNorm1d", normalization.BatchNorm1d, 1, batch_channels=True)
LazyBatchNorm2d = _lazy("LazyBatchNorm2d", normalization.BatchNorm2d, 2, batch_channels=True)
LazyBatchNorm3d = _lazy("LazyBatchNorm3d", normalization.BatchNorm3d, 3, batch_channels=True)
# PyTorch's lazy instance norms are affine and track running statistics unless told otherwise
# (the eager ones are neither): eps, momentum, affine, track_running_stats
_INSTANCE = {"affine": (2, True), "track_running_stats": (3, True)}
LazyInstanceNorm1d = _lazy("LazyInstanceNorm1d", normalization.InstanceNorm1d, 1, defaults=_INSTANCE)
LazyInstanceNorm2d = _lazy("LazyInstanceNorm2d", normalization.InstanceNorm2d, 2, defaults=_INSTANCE)
LazyInstanceNorm3d = _lazy("LazyInstanceNorm3d", normalization.InstanceNorm3d, 3, defaults=_INSTANCE)

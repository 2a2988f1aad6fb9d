"""``torch.amp`` for scripts written for PyTorch: ``GradScaler`` and ``autocast``.

A mixed-precision loop reads the same on MyTorch::

    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)   # or torch.cuda.amp.GradScaler()
    with torch.autocast(device_type=device, enabled=use_amp):
        loss = loss_fn(model(x), y)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)                                 # optional: clip the true gradients
    scaler.step(optimizer)                                     # skipped if a gradient is inf or NaN
    scaler.update()

``autocast`` changes nothing (every operation keeps its tensors' dtype). ``GradScaler`` is
PyTorch's: the loss times the scale, the gradients divided by it before the step, a step with an
infinite or NaN gradient skipped and the scale multiplied by ``backoff_factor``, the scale
multiplied by ``growth_factor`` after ``growth_interval`` steps in a row without one. A scale that
is a power of two changes no number of a run. For ``device="cuda"`` (the default), there being no
CUDA device, it is disabled with a warning, as PyTorch's is without a GPU: ``scale`` returns the
loss, ``step`` steps, ``update`` and ``unscale_`` do nothing, ``get_scale()`` is 1.0.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

import numpy as np

from mytorch.porting import autocast
from mytorch.tensor import Tensor

__all__ = ["GradScaler", "autocast"]


class GradScaler:
    """PyTorch's ``torch.amp.GradScaler`` (see the module's docstring)."""

    def __init__(
        self,
        device: str = "cuda",
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        enabled: bool = True,
    ) -> None:
        if enabled and str(device).split(":")[0] != "cpu":
            warnings.warn(
                f"GradScaler is enabled for device {device!r}, but MyTorch runs on the CPU only. Disabling.",
                stacklevel=2,
            )
            enabled = False
        if growth_factor <= 1.0:
            raise ValueError("GradScaler: growth_factor should be > 1.0")
        if not 0.0 < backoff_factor < 1.0:
            raise ValueError("GradScaler: backoff_factor should be < 1.0")
        self._enabled = bool(enabled)
        self._scale = float(np.float32(init_scale))
        self._growth_factor, self._backoff_factor = float(growth_factor), float(backoff_factor)
        self._growth_interval, self._growth_tracker = int(growth_interval), 0
        self._stages: dict[int, tuple[str, bool]] = {}  # id(optimizer) -> ("unscaled" | "stepped", found inf)

    def is_enabled(self) -> bool:
        """Whether the scaler scales (False for ``device="cuda"`` or ``enabled=False``)."""
        return self._enabled

    def scale(self, outputs: Any) -> Any:
        """``outputs`` (a Tensor, or lists and tuples of them) times the scale, as float32 tensors do."""
        if not self._enabled:
            return outputs
        if isinstance(outputs, Tensor):
            return outputs * Tensor(np.asarray(self._scale, np.float32))
        if isinstance(outputs, Iterable):
            scaled = [self.scale(o) for o in outputs]
            return type(outputs)(scaled) if isinstance(outputs, tuple) else scaled
        raise ValueError("GradScaler.scale: outputs must be a Tensor or an iterable of Tensors")

    def unscale_(self, optimizer: Any) -> None:
        """Divide the gradients of ``optimizer``'s parameters by the scale (once per step), noting
        whether one holds an infinity or NaN."""
        if not self._enabled:
            return
        stage = self._stages.get(id(optimizer), ("", False))[0]
        if stage == "unscaled":
            raise RuntimeError("unscale_() has already been called on this optimizer since the last update().")
        if stage == "stepped":
            raise RuntimeError("unscale_() is being called after step().")
        inverse = np.float32(1.0 / self._scale)  # (the reciprocal in float64, then float32, as PyTorch's)
        found = False
        for group in optimizer.param_groups:
            for p in group["params"]:
                if isinstance(p, Tensor) and p.grad is not None:
                    grad = p.grad._data * inverse.astype(p.grad._data.dtype)
                    found = found or not np.isfinite(grad).all()
                    p.grad = Tensor(grad)
        self._stages[id(optimizer)] = ("unscaled", found)

    def step(self, optimizer: Any, *args: Any, **kwargs: Any) -> Any:
        """``optimizer.step()`` on the unscaled gradients, skipped if one holds an infinity or NaN."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is enabled.")
        stage = self._stages.get(id(optimizer), ("", False))[0]
        if stage == "stepped":
            raise RuntimeError("step() has already been called since the last update().")
        if stage != "unscaled":
            self.unscale_(optimizer)
        found = self._stages[id(optimizer)][1]
        result = None if found else optimizer.step(*args, **kwargs)
        self._stages[id(optimizer)] = ("stepped", found)
        return result

    def update(self, new_scale: float | Tensor | None = None) -> None:
        """The next scale: ``new_scale`` if given; else backed off after a skipped step, grown after
        ``growth_interval`` steps in a row without one."""
        if not self._enabled:
            return
        if new_scale is not None:
            self._scale = float(np.float32(new_scale.item() if isinstance(new_scale, Tensor) else new_scale))
        else:
            if not self._stages:
                raise AssertionError("No inf checks were recorded prior to update.")
            if any(found for _, found in self._stages.values()):
                self._scale = float(np.float32(self._scale * self._backoff_factor))
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    self._scale = float(np.float32(self._scale * self._growth_factor))
                    self._growth_tracker = 0
        self._stages = {}

    def get_scale(self) -> float:
        """The scale (1.0 when disabled)."""
        return self._scale if self._enabled else 1.0

    def get_growth_factor(self) -> float:
        """The factor the scale grows by."""
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        """Set the factor the scale grows by."""
        self._growth_factor = float(new_factor)

    def get_backoff_factor(self) -> float:
        """The factor the scale shrinks by after a skipped step."""
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        """Set the factor the scale shrinks by."""
        self._backoff_factor = float(new_factor)

    def get_growth_interval(self) -> int:
        """The steps in a row without an infinity before the scale grows."""
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        """Set the steps in a row before the scale grows."""
        self._growth_interval = int(new_interval)

    def state_dict(self) -> dict[str, Any]:
        """PyTorch's: the scale, the factors, the interval and ``_growth_tracker`` (empty when disabled)."""
        if not self._enabled:
            return {}
        return {
            "scale": self._scale,
            "growth_factor": self._growth_factor,
            "backoff_factor": self._backoff_factor,
            "growth_interval": self._growth_interval,
            "_growth_tracker": self._growth_tracker,
        }

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Take back what ``state_dict`` gave (refused by a disabled scaler, as PyTorch's)."""
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError(
                "The source state dict is empty, possibly because it was saved from a disabled instance of GradScaler."
            )
        self._scale = float(np.float32(state_dict["scale"]))
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])

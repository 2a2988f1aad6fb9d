"""``torch.cuda`` for scripts written for PyTorch: MyTorch computes with NumPy on the CPU, so
there is no CUDA device. ``is_available()`` is False and ``device_count()`` 0; the seeding and
cache calls that scripts make unconditionally do nothing, as PyTorch's do without a GPU."""

from __future__ import annotations

import sys
import types
from typing import Any

from mytorch import amp as _amp

__all__ = ["amp", "device_count", "empty_cache", "is_available", "manual_seed", "manual_seed_all"]


def is_available() -> bool:
    """False: there is no CUDA device."""
    return False


def device_count() -> int:
    """0 devices."""
    return 0


def manual_seed(seed: int) -> None:
    """Nothing to seed (``mytorch.manual_seed`` seeds the CPU's generator)."""


def manual_seed_all(seed: int) -> None:
    """Nothing to seed."""


def empty_cache() -> None:
    """No cache to empty."""


class _autocast(_amp.autocast):  # noqa: N801 - PyTorch's name
    """PyTorch's ``torch.cuda.amp.autocast(enabled=True, dtype=torch.float16, cache_enabled=True)``:
    changes nothing, as ``mytorch.autocast``."""

    def __init__(self, enabled: bool = True, dtype: Any = None, cache_enabled: Any = True) -> None:
        super().__init__("cuda", dtype, enabled)


amp = types.ModuleType("mytorch.cuda.amp", "PyTorch's torch.cuda.amp: GradScaler (disabled: no CUDA) and autocast.")
amp.GradScaler, amp.autocast = _amp.GradScaler, _autocast  # type: ignore[attr-defined]
sys.modules[amp.__name__] = amp  # (``from mytorch.cuda.amp import GradScaler``)

"""``torch.cuda`` for scripts written for PyTorch: MyTorch computes with NumPy on the CPU, so
there is no CUDA device. ``is_available()`` is False and ``device_count()`` 0; the seeding and
cache calls that scripts make unconditionally do nothing, as PyTorch's do without a GPU."""

from __future__ import annotations

__all__ = ["device_count", "empty_cache", "is_available", "manual_seed", "manual_seed_all"]


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

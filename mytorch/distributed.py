"""PyTorch's ``torch.distributed``, as far as single-process code asks it: MyTorch runs in one
process, so ``is_available()`` and ``is_initialized()`` are False, and the guards written for
multi-process training (``if dist.is_available() and dist.is_initialized(): ...``) skip their
branch. Any other name says that MyTorch does not have it. Loaded on first use."""

from __future__ import annotations

from typing import Any

__all__ = ["is_available", "is_initialized"]


def is_available() -> bool:
    """False: MyTorch has no distributed package (no process groups, no collectives)."""
    return False


def is_initialized() -> bool:
    """False: no default process group is ever set up."""
    return False


def __getattr__(name: str) -> Any:
    """A name this module lacks: an error saying MyTorch does not have PyTorch's."""
    from mytorch.arguments import not_in_mytorch

    raise not_in_mytorch("mytorch.distributed", name)

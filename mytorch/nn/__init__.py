"""Neural-network pieces: the kernel table (``functional``) and the modules.

``Linear``, the activations and the losses are loaded on first use (see
``mytorch.nn.modules``), so importing the kernel table never depends on the module files.
"""

from __future__ import annotations

from typing import Any

from mytorch.nn import functional, modules

__all__ = ["functional", *modules.__all__]


def __getattr__(name: str) -> Any:
    """``mytorch.nn.Linear`` and friends, from ``mytorch.nn.modules``."""
    if name in modules.__all__:
        return getattr(modules, name)
    raise AttributeError(f"module 'mytorch.nn' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

"""Atomic file writes for the runner's outputs: ``mytorch.atomic.atomic_write`` (the library
writes its own files, ``mytorch.save`` and the graph pictures, the same way)."""

from mytorch.atomic import atomic_write

__all__ = ["atomic_write"]

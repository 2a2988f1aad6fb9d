"""Neural-network pieces: the kernel table (``functional``) and the modules."""

from mytorch.nn import functional

__all__ = ["functional"]

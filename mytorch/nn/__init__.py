"""Neural-network pieces: the kernel table (``functional``) and the modules."""

from mytorch.nn import functional
from mytorch.nn.modules import *  # noqa: F403 - Linear, the activations, the losses
from mytorch.nn.modules import __all__ as _modules_all

__all__ = ["functional"]
__all__ += _modules_all

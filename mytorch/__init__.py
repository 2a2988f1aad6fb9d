"""MyTorch: a tape-based automatic-differentiation engine in pure NumPy."""

from mytorch.autograd_engine import NO_GRAD, Autograd, Operation, detect_anomaly, is_grad_enabled, no_grad
from mytorch.backward_graph import grad
from mytorch.function import Context, Function
from mytorch.tensor import *  # noqa: F403 - Tensor and its ops (log, sin, exp, tanh, ...)
from mytorch.tensor import __all__ as _tensor_all
from mytorch.utils import GradientBuffer

__version__ = "0.1.0"

__all__ = [
    "NO_GRAD",
    "Autograd",
    "Context",
    "Function",
    "GradientBuffer",
    "Operation",
    "detect_anomaly",
    "grad",
    "is_grad_enabled",
    "no_grad",
]
__all__ += _tensor_all

"""Tensor-level activation modules: each applies one kernel of the table elementwise (or, for
``Softmax`` and ``LogSoftmax``, along ``dim``).

(The handout's engine-level activations are in ``mytorch.nn.modules.activation``.)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mytorch.dtypes import get_default_dtype
from mytorch.nn import functional_tensor as TF
from mytorch.nn.functional import KERNELS
from mytorch.nn.layers import expect_tensor
from mytorch.nn.module import Module
from mytorch.nn.parameter import Parameter
from mytorch.tensor import DIRECT_FORWARDS, FRESH_FORWARDS, Tensor, _apply, _plans_of, _record_one, _run

__all__ = [
    "ELU",
    "LogSigmoid",
    "PReLU",
    "Softsign",
    "logsigmoid",
    "prelu",
    "softsign",
    "GELU",
    "SELU",
    "Hardtanh",
    "LeakyReLU",
    "LogSoftmax",
    "Mish",
    "ReLU",
    "ReLU6",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Tanh",
]


_KEEPS_INTEGERS = frozenset(("identity", "relu"))
"""The kernels whose module keeps an integer input's dtype (the others give the default float dtype)."""


class _Elementwise(Module):
    """An activation that is one kernel of the table (``kernel``), with the keyword parameters
    ``kernel_params()`` reads from the module's attributes at each call (so that changing, say,
    ``negative_slope`` after construction takes effect, as in PyTorch)."""

    kernel = "identity"

    def __init__(self) -> None:
        super().__init__()
        self._kernel = KERNELS[self.kernel]

    def kernel_params(self) -> dict[str, Any] | None:
        """The kernel's keyword parameters now (None: it takes none)."""
        return None

    handout = True  # the handout has an engine-level module of this name

    def forward(self, x: Tensor) -> Tensor:
        handout = f"mytorch.nn.modules.activation.{type(self).__name__}(autograd_engine)" if self.handout else None
        x = expect_tensor(self, x, handout)
        if self.kernel not in _KEEPS_INTEGERS and x._data.dtype.kind in "biu":
            x = x.to(get_default_dtype())  # (as F.sigmoid: nn.Sigmoid of int64 was float64, nn.GELU's too)
        return _run(self._kernel, (x,), (x._data,), self.kernel_params())


class _ParameterFree(_Elementwise):
    """An activation whose kernel takes no parameter and keeps a floating-point input's dtype
    (``relu``, ``sigmoid``, ``tanh``): a Tensor of floats is recorded as ``_run`` records it,
    without its tests for two operands and the module's ``kernel_params`` call. Its forward is
    the one the Tensor's function calls (``np.tanh`` for ``tanh``: a frame less), and a result the
    kernel makes in new memory for certain is recorded as such (``FRESH_FORWARDS``)."""

    _resolved: Any = None  # (the class's kernel, its forward and freshness: ``__init_subclass__``)
    _forward: Any = None
    _fresh = False
    _plans: Any = None  # (its kernel's plans: ``mytorch.tensor._plans_of``)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._resolved = KERNELS[cls.kernel]
        cls._plans = _plans_of(cls._resolved.backward)
        cls._forward = staticmethod(DIRECT_FORWARDS.get(cls.kernel, cls._resolved.forward))
        cls._fresh = cls.kernel in FRESH_FORWARDS

    def forward(self, x: Tensor) -> Tensor:
        if isinstance(x, Tensor):
            data = x._data
            dtype = data.dtype
            if dtype.kind == "f":
                kernel = self._kernel
                if kernel is self._resolved:  # (the class's kernel: its forward and plans resolved above)
                    out = self._forward(data)
                    fresh, plans = self._fresh, self._plans
                else:
                    out, fresh, plans = kernel.forward(data), False, _plans_of(kernel.backward)
                return _record_one(
                    out, x, data, dtype, kernel.backward, plans, kernel.saves_output, kernel.reads, fresh
                )
        return super().forward(x)


class ReLU(_ParameterFree):
    """y = max(x, 0); with ``inplace=True`` written into x (see ``F.relu``)."""

    kernel = "relu"

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = bool(inplace)

    def forward(self, x: Tensor) -> Tensor:
        """max(x, 0), into ``x`` itself when ``inplace``."""
        return TF.relu(expect_tensor(self, x), inplace=True) if self.inplace else super().forward(x)

    def extra_repr(self) -> str:
        """``inplace=True`` when set, as PyTorch shows it."""
        return "inplace=True" if self.inplace else ""


class Sigmoid(_ParameterFree):
    """y = 1 / (1 + e^-x)."""

    kernel = "sigmoid"


class Tanh(_ParameterFree):
    """y = tanh x."""

    kernel = "tanh"


class LeakyReLU(_Elementwise):
    """y = x for x > 0, else ``negative_slope * x``."""

    kernel = "leaky_relu"

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = float(negative_slope)
        self.inplace = bool(inplace)

    def kernel_params(self) -> dict[str, Any]:
        """``{"slope": negative_slope}``."""
        return {"slope": float(self.negative_slope)}

    def forward(self, x: Tensor) -> Tensor:
        """The leaky ReLU of ``x``, into ``x`` itself when ``inplace``."""
        if self.inplace:
            return TF.leaky_relu(expect_tensor(self, x), self.negative_slope, inplace=True)
        return super().forward(x)

    def extra_repr(self) -> str:
        """``negative_slope=...``, shown in ``repr``."""
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class GELU(_Elementwise):
    """y = x Phi(x) (``approximate="none"``, the default) or its tanh form (``"tanh"``)."""

    kernel = "gelu"

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def kernel_params(self) -> dict[str, Any]:
        """``{"approximate": approximate}``."""
        return {"approximate": self.approximate}

    def extra_repr(self) -> str:
        """``approximate=...``, shown in ``repr``."""
        return f"approximate={self.approximate!r}"


class _InPlace(_Elementwise):
    """An activation with PyTorch's ``inplace`` flag: with it, written into its input (see
    ``F.elu``)."""

    handout = False

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = bool(inplace)

    def forward(self, x: Tensor) -> Tensor:
        """The activation of ``x``, into ``x`` itself when ``inplace``."""
        if self.inplace:
            return TF._activation(self.kernel, expect_tensor(self, x), self.kernel_params(), inplace=True)
        return super().forward(x)

    def extra_repr(self) -> str:
        """``inplace=True`` when set, as PyTorch shows it."""
        return "inplace=True" if self.inplace else ""

    def _with_inplace(self, text: str) -> str:
        return text + (", inplace=True" if self.inplace else "")


class ELU(_InPlace):
    """y = x for x > 0, else ``alpha`` (e^x - 1)."""

    kernel = "elu"

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__(inplace)
        self.alpha = alpha

    def kernel_params(self) -> dict[str, Any]:
        """``{"alpha": alpha}``."""
        return {"alpha": float(self.alpha)}

    def extra_repr(self) -> str:
        """``alpha=...``, shown in ``repr``."""
        return self._with_inplace(f"alpha={self.alpha}")


class SELU(_InPlace):
    """y = scale * ELU(x, alpha) with PyTorch's constants (alpha 1.6733, scale 1.0507)."""

    kernel = "elu"

    def kernel_params(self) -> dict[str, Any]:
        """PyTorch's alpha and scale."""
        return {"alpha": TF.SELU_ALPHA, "scale": TF.SELU_SCALE}


class SiLU(_InPlace):
    """y = x sigmoid(x) ("swish")."""

    kernel = "silu"


class Mish(_InPlace):
    """y = x tanh(softplus(x))."""

    kernel = "mish"


class Hardtanh(_InPlace):
    """y = x clipped to [min_val, max_val]; the gradient is 0 at and beyond the bounds.

    Raises:
        ValueError: ``max_val`` not greater than ``min_val`` (PyTorch: AssertionError).
    """

    kernel = "hardtanh"

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__(inplace)
        if not max_val > min_val:
            raise ValueError(f"{type(self).__name__}: max_val ({max_val}) must be greater than min_val ({min_val})")
        self.min_val, self.max_val = min_val, max_val

    def kernel_params(self) -> dict[str, Any]:
        """``{"min_val": min_val, "max_val": max_val}``."""
        return {"min_val": self.min_val, "max_val": self.max_val}

    def forward(self, x: Tensor) -> Tensor:
        """``F.hardtanh(x, min_val, max_val, inplace)`` (integers stay integers, as in PyTorch)."""
        return TF.hardtanh(expect_tensor(self, x), self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        """``min_val=..., max_val=...``, shown in ``repr``."""
        return self._with_inplace(f"min_val={self.min_val}, max_val={self.max_val}")


class ReLU6(Hardtanh):
    """y = min(max(x, 0), 6): ``Hardtanh(0, 6)``."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        """``inplace=True`` when set, as PyTorch shows it."""
        return _InPlace.extra_repr(self)


class Softplus(Module):
    """y = ln(1 + e^(beta x)) / beta, x itself where beta x > threshold (``F.softplus``)."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold  # (as given: repr shows beta=2 for 2, as PyTorch's)

    def forward(self, x: Tensor) -> Tensor:
        """Softplus of ``x`` (a Tensor), elementwise."""
        x = expect_tensor(self, x, "mytorch.nn.modules.activation.Softplus(autograd_engine)")
        return TF.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        """``beta=..., threshold=...``, shown in ``repr``."""
        return f"beta={self.beta}, threshold={self.threshold}"


class Softmax(Module):
    """y = e^x / sum(e^x) along ``dim``."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, x: Tensor) -> Tensor:
        """Softmax of ``x`` (a Tensor) along ``self.dim``."""
        return TF.softmax(expect_tensor(self, x), dim=self.dim)

    def extra_repr(self) -> str:
        """``dim=...``, shown in ``repr``."""
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """y = x - log(sum(e^x)) along ``dim``."""

    def forward(self, x: Tensor) -> Tensor:
        """Log-softmax of ``x`` (a Tensor) along ``self.dim``."""
        return TF.log_softmax(expect_tensor(self, x), dim=self.dim)


# --------------------------------------------------------------------------- composed of kernels
def prelu(input: Any, weight: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """x where x > 0, else weight * x, ``weight`` one slope or one per channel (axis 1), learnable:
    a recorded ``where`` of x and weight * x, so x's slope at 0 is the weight's, as in PyTorch.

    Raises:
        RuntimeError: a number of slopes that is neither 1 nor the input's channels (PyTorch's).
    """
    x, w = TF._tensor("prelu", input), TF._tensor("prelu", weight, "weight")
    slopes = w.numel()
    if slopes != 1:
        channels = x.shape[1] if x.ndim >= 2 else 1
        if slopes != channels:
            raise RuntimeError(
                f"prelu: mismatch of parameter numbers and input channel size: {slopes} slopes for "
                f"{channels} channel(s) (input of shape {tuple(x.shape)})"
            )
        w = w.reshape((slopes,) + (1,) * (x.ndim - 2))
    elif w.ndim:
        w = w.reshape(())
    return _apply("where", (x, w * x), {"condition": x._data > 0})


def logsigmoid(input: Any) -> Tensor:  # noqa: A002
    """log sigmoid(x) = -softplus(-x), stable for any x (the softplus kernel itself: no
    threshold, as PyTorch's logsigmoid has none)."""
    return -TF._apply("softplus", (-TF._floating("logsigmoid", input),))


def softsign(input: Any) -> Tensor:  # noqa: A002
    """x / (1 + |x|)."""
    x = TF._tensor("softsign", input)
    return x / (1 + abs(x))


class PReLU(Module):
    """``F.prelu`` with a learnable ``weight``: ``num_parameters`` slopes (1, or one per channel),
    each starting at ``init`` (0.25)."""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.num_parameters = int(num_parameters)
        dtype = get_default_dtype() if dtype is None else dtype
        self.weight = Parameter(np.full(self.num_parameters, init, dtype=dtype))

    def forward(self, x: Tensor) -> Tensor:
        """``F.prelu(x, weight)``."""
        return prelu(expect_tensor(self, x), self.weight)

    def extra_repr(self) -> str:
        """``num_parameters=...``, shown in ``repr``."""
        return f"num_parameters={self.num_parameters}"


class LogSigmoid(Module):
    """y = log sigmoid(x)."""

    def forward(self, x: Tensor) -> Tensor:
        """``F.logsigmoid(x)``."""
        return logsigmoid(expect_tensor(self, x))


class Softsign(Module):
    """y = x / (1 + |x|)."""

    def forward(self, x: Tensor) -> Tensor:
        """``F.softsign(x)``."""
        return softsign(expect_tensor(self, x))

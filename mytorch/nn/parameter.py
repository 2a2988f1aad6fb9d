"""``Parameter``: a leaf Tensor that a ``Module`` registers as one of its learnable weights."""

from __future__ import annotations

from typing import Any

import numpy as np

from mytorch.arguments import GradDtypeError
from mytorch.tensor import Tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A Tensor that is a module's weight: assigning it to a ``Module`` attribute registers it,
    so that ``parameters()``, ``state_dict()`` and the optimizers find it.

    Args:
        data: the initial values (a Tensor's array is shared, not copied); must be floating
            point when ``requires_grad`` (the default).
        requires_grad: whether ``backward`` computes this parameter's gradient.
    """

    __slots__ = ()
    _deepcopy_keeps_grad = False  # (PyTorch's Parameter.__deepcopy__ leaves .grad behind)
    _deepcopy_shares_memory = False  # (and gives each parameter memory of its own)

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.empty(0, dtype=np.float32)
        array = data._data if isinstance(data, Tensor) else np.asarray(data)
        if requires_grad and array.dtype.kind != "f":
            raise GradDtypeError(
                f"Parameter: only floating-point values can require a gradient, got dtype {array.dtype}; "
                "convert with .float() or pass requires_grad=False"
            )
        super().__init__(array, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return f"Parameter containing:\n{super().__repr__()}"

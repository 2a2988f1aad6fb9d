"""PyTorch's ``grad_fn`` name for an operation that MyTorch records through a more general
kernel: ``squeeze`` is the ``reshape`` kernel, ``flip`` and ``split`` the ``index`` kernel, but
their nodes are named ``SqueezeBackward1``, ``FlipBackward0``, ``SplitBackward0`` as in PyTorch.

The name rides on the operation's keyword parameters: ``named(params, name)`` returns them as a
``Named`` dict (a ``dict`` to the kernel, which reads only its keys) carrying ``pytorch_name``;
``mytorch.tensor_graph`` reads it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["NAMING_KEYS", "Named", "named", "naming_params"]


class Named(dict):
    """A kernel's keyword parameters, plus the PyTorch name of the node they were recorded for."""

    __slots__ = ("pytorch_name",)

    pytorch_name: str


def named(params: dict[str, Any], name: str) -> Named:
    """``params`` as a ``Named`` dict with ``pytorch_name`` ``name``."""
    result = Named(params)
    result.pytorch_name = name
    return result


NAMING_KEYS = ("axis", "axes", "index")
"""The keyword parameters a node's name depends on (``mytorch.tensor_graph.pytorch_name`` reads
them, besides ``pytorch_name``)."""


def naming_params(params: Any) -> Any:
    """``params`` reduced to what names its node (``NAMING_KEYS`` and ``pytorch_name``): what a
    released graph keeps of its last operation, without the arrays a kernel saved in them."""
    if not params:
        return params
    keys = params.keys()
    if keys.isdisjoint(_NAMING):  # (the common case, a loss's saved arrays: nothing to keep)
        return None if type(params) is not Named else named({}, params.pytorch_name)
    if keys <= _NAMING:
        return params
    kept = {key: params[key] for key in NAMING_KEYS if key in params}
    return named(kept, params.pytorch_name) if type(params) is Named else kept


_NAMING = frozenset(NAMING_KEYS)

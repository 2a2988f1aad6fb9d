"""``set_printoptions``: how ``repr``/``print`` of a Tensor shows its values, as PyTorch's.

The options are MyTorch's own (NumPy's global print options are left alone): a Tensor prints
its array with ``numpy.array2string`` and these settings on top of NumPy's defaults.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from mytorch.dtypes import get_default_dtype

__all__ = ["set_printoptions"]

_OPTIONS: dict[str, Any] = {}
_PROFILES: dict[str, dict[str, Any]] = {
    "default": {},
    "short": {"precision": 2, "edgeitems": 2},
    "full": {"threshold": sys.maxsize},
}


def set_printoptions(
    precision: int | None = None,
    threshold: int | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set how tensors print: ``precision`` (digits after the point), ``threshold`` (more elements
    than this are summarised with ``...``), ``edgeitems`` (shown at each end when summarised),
    ``linewidth``, ``sci_mode`` (True: always scientific; False: never; None: NumPy's choice), and
    ``profile`` (``"default"`` restores MyTorch's defaults, which are NumPy's: 8 digits, where
    PyTorch shows 4; ``"short"``; ``"full"``: never summarise), applied before the other arguments.

    Raises:
        ValueError: an unknown profile.
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(_PROFILES)}, got {profile!r}")
        _OPTIONS.clear()
        _OPTIONS.update(_PROFILES[profile])
    given = {"precision": precision, "threshold": threshold, "edgeitems": edgeitems, "max_line_width": linewidth}
    _OPTIONS.update({k: v for k, v in given.items() if v is not None})
    if sci_mode is not None:
        _OPTIONS["sci_mode"] = sci_mode


def array_text(array: np.ndarray, prefix: str) -> str:
    """``array`` as ``repr`` of a Tensor shows it, with the options set."""
    options = dict(_OPTIONS)
    sci_mode = options.pop("sci_mode", None)
    if sci_mode is False:
        options["suppress_small"] = True
    elif sci_mode and array.dtype.kind == "f":
        digits = options.get("precision", 4)
        options["formatter"] = {"float_kind": lambda v: np.format_float_scientific(v, precision=digits, unique=False)}
    return np.array2string(array, separator=", ", prefix=prefix, **options)


_UNSHOWN_DTYPES = (np.dtype(np.int64), np.dtype(np.bool_))


def suffix(tensor: Any) -> str:
    """What ``repr`` of a Tensor shows after its values, as PyTorch: an empty tensor's shape
    unless it is 1-D (``size=(0, 3)``); the dtype unless it is the default float dtype, its
    complex counterpart, int64 or bool (an empty tensor's unless it is the default float dtype:
    no value shows it), as ``dtype=torch.float64``, the text PyTorch prints (a script imports
    MyTorch as ``torch``); then
    ``grad_fn=<MulBackward0>`` for a result recorded in a graph or ``requires_grad=True`` for a
    leaf that requires grad."""
    parts = []
    dtype, default = tensor.dtype, get_default_dtype()
    if tensor.numel() == 0:
        if tensor.ndim != 1:
            parts.append(f"size={tuple(tensor.shape)}")
        shown = dtype != default
    else:
        shown = dtype != default and dtype != np.result_type(default, np.complex64) and dtype not in _UNSHOWN_DTYPES
    if shown:
        parts.append(f"dtype=torch.{dtype}")
    if tensor.requires_grad:
        node = None if tensor.is_leaf else tensor.grad_fn
        parts.append(f"grad_fn=<{node.name()}>" if node is not None else "requires_grad=True")
    return "".join(", " + part for part in parts)

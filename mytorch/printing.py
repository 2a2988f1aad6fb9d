"""How ``repr``/``print`` of a Tensor shows it, with PyTorch's rules, and ``set_printoptions``.

The text is PyTorch's: ``tensor(0.1000)``, ``tensor([1., 2.])``, ``tensor([1.0000e-05,
1.0000e+00])``. One width serves every element (so columns line up), chosen from the values shown
(the first and last ``edgeitems`` of each axis when there are more than ``threshold`` elements):

- integers and bools: as Python writes them, right-aligned;
- floats: scientific (``1.0000e+08``) when the largest finite nonzero magnitude is above 1e8 or
  more than 1000 times the smallest, or the smallest is below 1e-4 (or as ``sci_mode`` says);
  else ``1.`` when all are whole numbers, ``precision`` digits after the point when not. NaN
  and inf are written as ``nan``, ``inf`` and do not count towards the width;
- complex numbers: the real and imaginary parts each so, joined as ``1.+2.j``.

Rows wrap at ``linewidth`` characters (as many elements per line as fit after the indent), and
what follows the values (``dtype=...``, ``requires_grad=True``) goes on a new line when it would
pass it. NumPy's own print options are left alone.
"""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np

from mytorch.dtypes import get_default_dtype

__all__ = ["set_printoptions"]

_DEFAULTS: dict[str, Any] = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}
_PROFILES: dict[str, dict[str, Any]] = {
    "default": _DEFAULTS,
    "short": {**_DEFAULTS, "precision": 2, "edgeitems": 2},
    "full": {**_DEFAULTS, "threshold": sys.maxsize},
}
_OPTIONS: dict[str, Any] = dict(_DEFAULTS)


def set_printoptions(
    precision: int | None = None,
    threshold: int | None = None,
    edgeitems: int | None = None,
    linewidth: int | None = None,
    profile: str | None = None,
    sci_mode: bool | None = None,
) -> None:
    """Set how tensors print, as PyTorch's: ``precision`` (digits after the point, 4),
    ``threshold`` (more elements than this, 1000, are summarised with ``...``), ``edgeitems`` (shown
    at each end of an axis when summarised, 3), ``linewidth`` (80), ``sci_mode`` (True: always
    scientific; False: never; None: chosen from the values), and ``profile`` (``"default"``,
    ``"short"``: 2 digits and 2 edge items, ``"full"``: never summarise), applied before the other
    arguments.

    Raises:
        ValueError: an unknown profile.
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(_PROFILES)}, got {profile!r}")
        _OPTIONS.update(_PROFILES[profile])
    given = {"precision": precision, "threshold": threshold, "edgeitems": edgeitems, "linewidth": linewidth}
    _OPTIONS.update({k: v for k, v in given.items() if v is not None})
    _OPTIONS["sci_mode"] = sci_mode


class _Formatter:
    """One width and one notation for every element of a tensor (PyTorch's rules; module doc)."""

    def __init__(self, values: np.ndarray) -> None:
        self.floating = values.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        digits = _OPTIONS["precision"]
        if not self.floating:
            self.width = max([1, *(len(str(v)) for v in values.ravel().tolist())])
        else:
            shown = values[np.isfinite(values) & (values != 0)].astype(np.float64)
            if shown.size == 0:
                return  # (zeros, NaN and inf only: whole-number form, no padding)
            low, high = np.abs(shown).min(), np.abs(shown).max()
            self.int_mode = bool((shown == np.ceil(shown)).all())
            chosen = _OPTIONS["sci_mode"]
            self.sci_mode = bool(high / low > 1000.0 or high > 1.0e8 or low < 1.0e-4) if chosen is None else chosen
            if self.sci_mode:
                texts = [f"{v:.{digits}e}" for v in shown.tolist()]
            elif self.int_mode:
                texts = [f"{v:.0f}." for v in shown.tolist()]
            else:
                texts = [f"{v:.{digits}f}" for v in shown.tolist()]
            self.width = max(self.width, *map(len, texts))

    def format(self, value: Any) -> str:
        """``value`` (a Python number) written and padded on the left to the common width."""
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{_OPTIONS['precision']}e}"
        elif self.int_mode:
            text = f"{value:.0f}" + ("" if math.isinf(value) or math.isnan(value) else ".")
        else:
            text = f"{value:.{_OPTIONS['precision']}f}"
        return text.rjust(self.width)


class _Formatters:
    """The formatter of the values, or of the real and imaginary parts of complex ones."""

    def __init__(self, shown: np.ndarray) -> None:
        self.complex = shown.dtype.kind == "c"
        self.parts = [_Formatter(shown.real), _Formatter(shown.imag)] if self.complex else [_Formatter(shown)]

    def width(self) -> int:
        """The characters one element takes."""
        return sum(f.width for f in self.parts) + (1 if self.complex else 0)

    def format(self, value: Any) -> str:
        """One element as text."""
        if not self.complex:
            return self.parts[0].format(value)
        imaginary = (self.parts[1].format(value.imag) + "j").lstrip()
        return self.parts[0].format(value.real) + ("" if imaginary[0] in "+-" else "+") + imaginary


def _summarised(array: np.ndarray, edge: int) -> np.ndarray:
    """The elements shown when ``array`` is summarised: ``edge`` at each end of every axis."""
    if array.ndim == 0:
        return array
    if array.ndim > 1 and edge == 0:
        return array[(slice(0, 0),) * array.ndim]
    rows = list(range(edge)) + list(range(len(array) - edge, len(array))) if len(array) > 2 * edge else None
    if array.ndim == 1:
        return array if rows is None else array[rows]
    return np.stack([_summarised(row, edge) for row in (array if rows is None else array[rows])])


def _vector(array: np.ndarray, indent: int, summarise: bool, formatters: _Formatters) -> str:
    edge, values = _OPTIONS["edgeitems"], array.tolist()
    per_line = max(1, (_OPTIONS["linewidth"] - indent) // (formatters.width() + 2))
    if summarise and not edge:
        data = ["..."]
    elif summarise and len(values) > 2 * edge:
        data = [*map(formatters.format, values[:edge]), " ...", *map(formatters.format, values[-edge:])]
    else:
        data = list(map(formatters.format, values))
    lines = [", ".join(data[i : i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(array: np.ndarray, indent: int, summarise: bool, formatters: _Formatters) -> str:
    if array.ndim == 0:
        return formatters.format(array.item())
    if array.ndim == 1:
        return _vector(array, indent, summarise, formatters)
    edge = _OPTIONS["edgeitems"]
    if summarise and len(array) > 2 * edge:
        head = [_nested(row, indent + 1, summarise, formatters) for row in array[:edge]]
        tail = [_nested(row, indent + 1, summarise, formatters) for row in array[len(array) - edge :]]
        slices = [*head, "...", *tail]
    else:
        slices = [_nested(row, indent + 1, summarise, formatters) for row in array]
    return "[" + ("," + "\n" * (array.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def array_text(array: np.ndarray, indent: int) -> str:
    """``array``'s values as ``repr`` of a Tensor shows them, ``indent`` characters in."""
    if array.size == 0:
        return "[]"
    summarise = array.size > _OPTIONS["threshold"]
    if array.dtype.kind == "f" and array.dtype.itemsize < 4:
        array = array.astype(np.float32)  # (float16 as PyTorch prints it: through float32)
    formatters = _Formatters(_summarised(array, _OPTIONS["edgeitems"]) if summarise else array)
    return _nested(array, indent, summarise, formatters)


_UNSHOWN_DTYPES = (np.dtype(np.int64), np.dtype(np.bool_))


def suffixes(tensor: Any) -> list[str]:
    """What ``repr`` of a Tensor shows after its values, as PyTorch: an empty tensor's shape
    unless it is 1-D (``size=(0, 3)``), and any tensor's with ``edgeitems=0``; the dtype unless it
    is the default float dtype, its complex counterpart, int64 or bool (an empty tensor's unless
    it is the default float dtype: no value shows it), as ``dtype=torch.float64``, the text
    PyTorch prints (a script imports MyTorch as ``torch``); then ``grad_fn=<MulBackward0>`` for a
    result recorded in a graph or ``requires_grad=True`` for a leaf that requires grad."""
    parts = []
    dtype, default = tensor.dtype, get_default_dtype()
    if tensor.numel() == 0:
        if tensor.ndim != 1:
            parts.append(f"size={tuple(tensor.shape)}")
        shown = dtype != default
    else:
        if not _OPTIONS["edgeitems"]:  # (no value is shown, nor so the shape)
            parts.append(f"size={tuple(tensor.shape)}")
        shown = dtype != default and dtype != np.result_type(default, np.complex64) and dtype not in _UNSHOWN_DTYPES
    if shown:
        parts.append(f"dtype=torch.{dtype}")
    if tensor.requires_grad:
        from mytorch.tensor_graph import released_name

        node = None if tensor.is_leaf else tensor.grad_fn
        name = node.name() if node is not None else None if tensor.is_leaf else released_name(tensor)
        parts.append(f"grad_fn=<{name}>" if name is not None else "requires_grad=True")
    return parts


def tensor_text(tensor: Any) -> str:
    """``repr`` of ``tensor``: ``tensor(`` its values, then its suffixes, each on a new line
    when it would pass ``linewidth``."""
    prefix = "tensor("
    text = prefix + array_text(tensor._data, len(prefix))
    line = len(text) - text.rfind("\n") + 1  # (PyTorch's count of the last line, one over on the first)
    pieces = [text]
    for part in suffixes(tensor):
        if line + len(part) + 2 > _OPTIONS["linewidth"]:
            pieces.append(",\n" + " " * len(prefix) + part)
            line = len(prefix) + len(part)
        else:
            pieces.append(", " + part)
            line += len(part) + 2
    return "".join([*pieces, ")"])

"""``torch.testing`` (``mytorch.testing``): ``assert_close``, PyTorch's comparison of results in tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from mytorch.tensor import Tensor

__all__ = ["assert_close"]

_TOLERANCES = {"float16": (1e-3, 1e-5), "float32": (1.3e-6, 1e-5), "float64": (1e-7, 1e-7)}
"""PyTorch's default (rtol, atol) by dtype (a complex dtype takes its parts'; integers and bools: exact)."""


def _tolerances(dtype: np.dtype) -> tuple[float, float]:
    if dtype.kind == "c":
        dtype = np.empty(0, dtype).real.dtype
    return _TOLERANCES.get(dtype.name, (0.0, 0.0))


def assert_close(
    actual: Any,
    expected: Any,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = False,
    check_dtype: bool = True,
    msg: str | None = None,
    **_: Any,
) -> None:
    """Raise ``AssertionError`` unless ``actual`` and ``expected`` (Tensors, arrays, numbers, or
    sequences and mappings of them) have the same shapes (and dtypes, with ``check_dtype``) and
    ``|actual - expected| <= atol + rtol * |expected|`` everywhere; by default the tolerances are
    PyTorch's for the dtype (float32: rtol 1.3e-6, atol 1e-5; float64: 1e-7 both; integers: exact).
    NaNs are equal only with ``equal_nan``."""
    if (rtol is None) != (atol is None):
        raise ValueError("assert_close: give both rtol and atol, or neither")
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        if list(actual) != list(expected):
            raise AssertionError(msg or f"assert_close: the keys differ: {list(actual)} and {list(expected)}")
        for key in actual:
            assert_close(
                actual[key], expected[key], rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=check_dtype, msg=msg
            )
        return
    if isinstance(actual, Sequence) and isinstance(expected, Sequence) and not isinstance(actual, str):
        if len(actual) != len(expected):
            raise AssertionError(msg or f"assert_close: the lengths differ: {len(actual)} and {len(expected)}")
        for a, e in zip(actual, expected):
            assert_close(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan, check_dtype=check_dtype, msg=msg)
        return
    a = np.asarray(actual._data if isinstance(actual, Tensor) else actual)
    e = np.asarray(expected._data if isinstance(expected, Tensor) else expected)
    if a.shape != e.shape:
        raise AssertionError(msg or f"assert_close: the shapes differ: {tuple(a.shape)} and {tuple(e.shape)}")
    if check_dtype and a.dtype != e.dtype and (isinstance(actual, Tensor) or isinstance(expected, Tensor)):
        raise AssertionError(msg or f"assert_close: the dtypes differ: {a.dtype} and {e.dtype}")
    if rtol is None or atol is None:
        rtol, atol = _tolerances(np.result_type(a.dtype, e.dtype))
    close = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if not close.all():
        bad = int((~close).sum())
        worst = float(np.nanmax(np.abs(a.astype(np.complex128) - e.astype(np.complex128))[~close]))
        raise AssertionError(
            msg
            or f"assert_close: {bad} of {close.size} elements are not close (rtol={rtol}, atol={atol}); "
            f"the greatest absolute difference is {worst:.6g}"
        )

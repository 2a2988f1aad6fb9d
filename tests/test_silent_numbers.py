"""Numbers that came out wrong with no error, each checked against a closed form or float64 and
against PyTorch where it is installed (those parts skip without it):

* float32 sums NumPy adds one term after another (over an axis other than the last): the sum of
  0.1 taken 2e6 times down the rows was 1.5% high, and the variance of 2e6 values near 1000 was
  272 for 0.083. Past 256 terms such sums are accumulated in float64 (``F._add_reduce``), in
  ``sum``, ``mean``, ``var``, ``std``, ``norm`` and ``logsumexp``.
* ``renorm`` of a slice holding a NaN (a slice kept as it is, its norm NaN): the NaN reached the
  whole slice's gradient through the unused scale (PyTorch: the gradient passed through).
"""

from __future__ import annotations

import numpy as np
import pytest

import mytorch as mt


def _offset_columns() -> np.ndarray:
    return (np.random.default_rng(0).random((50_000, 3)) + 1000).astype(np.float32)


def test_float32_sums_down_the_rows_are_accurate() -> None:
    x = _offset_columns()
    exact = x.astype(np.float64)
    t = mt.tensor(x)
    # (naively accumulated, each of these was off by 3e-4 relative; the variance by far more)
    np.testing.assert_allclose(t.sum(0).numpy(), exact.sum(0), rtol=1e-6)
    np.testing.assert_allclose(t.mean(0).numpy(), exact.mean(0), rtol=1e-6)
    np.testing.assert_allclose(t.var(0).numpy(), exact.var(0, ddof=1), rtol=1e-5)
    np.testing.assert_allclose(t.std(0, keepdim=True).numpy(), exact.std(0, ddof=1, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(t.T.sum().numpy(), exact.sum(), rtol=1e-6)  # (all of a transposed array)
    middle = mt.tensor(x.reshape(1, -1, 3)).sum(1)  # (a middle axis)
    np.testing.assert_allclose(middle.numpy(), exact.sum(0)[None], rtol=1e-6)
    assert t.sum(0).dtype == mt.float32 and t.var(0).dtype == mt.float32
    normal = x - np.float32(1000.5)
    exact = normal.astype(np.float64)
    np.testing.assert_allclose(mt.tensor(normal).norm(dim=0).numpy(), np.sqrt((exact**2).sum(0)), rtol=1e-6)
    lse = np.log(np.exp(exact).sum(0))
    np.testing.assert_allclose(mt.logsumexp(mt.tensor(normal), 0).numpy(), lse, rtol=0, atol=2e-6)
    half = mt.tensor(np.full((4096, 2), 0.1, np.float16)).mean(0)
    assert half.dtype == mt.float16
    np.testing.assert_allclose(half.numpy().astype(np.float64), float(np.float16(0.1)), rtol=1e-3)


def test_float32_sums_down_the_rows_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    x = _offset_columns()
    for name in ("sum", "mean", "var", "std"):
        ours = getattr(mt, name)(mt.tensor(x), 0).numpy()
        theirs = getattr(torch, name)(torch.tensor(x), 0).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-5)


def _renorm_with_a_nan(lib: object, dtype: str, p: float) -> list[np.ndarray]:
    x = np.array([[np.nan, 1.0, 2.0], [3.0, 4.0, 0.0], [0.1, 0.1, 0.1]], dtype)
    a = lib.tensor(x, requires_grad=True)  # type: ignore[attr-defined]
    weights = lib.tensor(np.arange(9.0, dtype=dtype).reshape(3, 3))  # type: ignore[attr-defined]
    y = lib.renorm(a, p, 0, 2.0)  # type: ignore[attr-defined]
    (g,) = lib.autograd.grad((y * weights).sum(), a)  # type: ignore[attr-defined]
    return [y.detach().numpy(), g.numpy()]


@pytest.mark.parametrize("p", [2.0, 1.0, np.inf])
def test_renorm_keeps_a_nan_to_its_value(p: float) -> None:
    y, g = _renorm_with_a_nan(mt, "float64", p)
    assert np.isnan(y[0, 0]) and (y[0, 1:] == [1.0, 2.0]).all() and (y[2] == 0.1).all()
    np.testing.assert_array_equal(g[0], [0.0, 1.0, 2.0])  # kept as it is: the weights (it was NaN)
    np.testing.assert_array_equal(g[2], [6.0, 7.0, 8.0])
    norm = np.linalg.norm([3.0, 4.0, 0.0], p)
    assert np.isclose(np.linalg.norm(y[1], p), 2.0 * norm / (norm + 1e-7))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_renorm_with_a_nan_matches_pytorch(dtype: str) -> None:
    torch = pytest.importorskip("torch")
    for p in (2.0, 1.0, np.inf, 0.5):
        for ours, theirs in zip(_renorm_with_a_nan(mt, dtype, p), _renorm_with_a_nan(torch, dtype, p)):
            np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)

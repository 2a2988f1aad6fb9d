"""Numbers that came out wrong with no error, each checked against a closed form or float64 and
against PyTorch where it is installed (those parts skip without it):

* float32 sums NumPy adds one term after another (over an axis other than the last): the sum of
  0.1 taken 2e6 times down the rows was 1.5% high, and the variance of 2e6 values near 1000 was
  272 for 0.083. Past 256 terms such sums are accumulated in float64 (``F._add_reduce``), in
  ``sum``, ``mean``, ``var``, ``std``, ``norm`` and ``logsumexp``; float16 ones of any length (0.1
  summed 256 times down the rows in float16 was 25.16 for 25.6).
* ``renorm`` of a slice holding a NaN (a slice kept as it is, its norm NaN): the NaN reached the
  whole slice's gradient through the unused scale (PyTorch: the gradient passed through).
* ``softplus(x, beta)`` where beta x overflows the dtype (float16 x = 700, beta = 100): inf for
  PyTorch's x; float16 ``elu``/``celu`` with a setting float16 cannot hold: NaN gradients.
"""

from __future__ import annotations

import numpy as np
import pytest
from replay_compare import assert_replay_trains_like_the_dynamic_step

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
    rows = mt.tensor(np.full((256, 3), 0.1, np.float16)).sum(0)  # (added in float16: 25.16)
    assert rows.dtype == mt.float16 and (rows.numpy() == np.float16(256 * float(np.float16(0.1)))).all()
    half = mt.tensor(np.full((4096, 2), 0.1, np.float16)).mean(0)
    assert half.dtype == mt.float16
    np.testing.assert_allclose(half.numpy().astype(np.float64), float(np.float16(0.1)), rtol=1e-3)


def test_float32_sums_along_the_rows_of_a_transposed_tensor_are_accurate() -> None:
    # NumPy runs a reduction in memory order: along the rows of x.T (columns of x) it added the
    # terms one after another, though they are x.T's last axis (cov of 250,000 observations near
    # 1000 was off by a factor 4.6e6: the mean drifted, and the deviations with it)
    x = _offset_columns()
    exact = x.astype(np.float64)
    rows = mt.tensor(x).T  # (3, 50000), not contiguous
    np.testing.assert_allclose(rows.sum(1).numpy(), exact.sum(0), rtol=1e-6)
    np.testing.assert_allclose(rows.var(-1).numpy(), exact.var(0, ddof=1), rtol=1e-5)
    np.testing.assert_allclose(mt.cov(rows).numpy(), np.cov(exact.T), rtol=1e-4, atol=1e-6)


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


def _second_derivatives(lib: object, name: str, x: list[float], dtype: str) -> list[np.ndarray]:
    a = lib.tensor(np.array(x, dtype), requires_grad=True)  # type: ignore[attr-defined]
    y = getattr(lib, name)(a)
    (g,) = lib.autograd.grad(y.sum(), a, create_graph=True)  # type: ignore[attr-defined]
    (h,) = lib.autograd.grad(g.sum(), a)  # type: ignore[attr-defined]
    return [y.detach().numpy(), g.detach().numpy(), h.numpy()]


_SMALL = [1e-30, -1e-8, 1e-4, 0.3, -0.9, 0.999]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sinh_cosh_atanh_second_derivatives_near_0(dtype: str) -> None:
    x = np.array(_SMALL, dtype).astype(np.float64)  # (the inputs as rounded to the dtype)
    rtol = 2e-7 if dtype == "float32" else 1e-15
    # (as differences of exponentials or of log1p they were 0 at 1e-30 and -1e-8 in float32,
    # 1.7e-4 off at 1e-4; 5e-9 off at 1e-8 in float64)
    _, g, h = _second_derivatives(mt, "sinh", _SMALL, dtype)
    np.testing.assert_allclose(g, np.cosh(x), rtol=rtol)
    np.testing.assert_allclose(h, np.sinh(x), rtol=rtol)
    _, g, h = _second_derivatives(mt, "cosh", _SMALL, dtype)
    np.testing.assert_allclose(g, np.sinh(x), rtol=rtol)
    np.testing.assert_allclose(h, np.cosh(x), rtol=rtol)
    _, g, h = _second_derivatives(mt, "atanh", _SMALL, dtype)
    np.testing.assert_allclose(g, 1 / ((1 - x) * (1 + x)), rtol=4 * rtol)
    np.testing.assert_allclose(h, 2 * x / ((1 - x) * (1 + x)) ** 2, rtol=4 * rtol)
    (tangent,) = mt.func.jvp(
        mt.atanh, (mt.tensor(np.array(_SMALL, dtype)),), (mt.ones(len(_SMALL), dtype=getattr(mt, dtype)),)
    )[1:]
    np.testing.assert_allclose(tangent.numpy(), 1 / ((1 - x) * (1 + x)), rtol=4 * rtol)


@pytest.mark.parametrize("name", ["sinh", "cosh", "atanh"])
def test_sinh_cosh_atanh_second_derivatives_match_pytorch(name: str) -> None:
    torch = pytest.importorskip("torch")
    for dtype in ("float32", "float64"):
        for ours, theirs in zip(
            _second_derivatives(mt, name, _SMALL, dtype), _second_derivatives(torch, name, _SMALL, dtype)
        ):
            # (PyTorch's atanh'' at 0.999 in float32 is 1.3e-5 off; ours is exact)
            np.testing.assert_allclose(ours, theirs, rtol=2e-5 if dtype == "float32" else 1e-12)


def test_ndtri_below_0_is_nan() -> None:
    for dtype in (mt.float32, mt.float64):
        p = mt.tensor([-1e-30, -0.5, -0.0, 0.0, 0.5, 1.0, 1.5], dtype=dtype)
        y = mt.special.ndtri(p).numpy()  # (-1e-30 gave -inf: 2p - 1 rounds to -1)
        assert np.isnan(y[[0, 1, 6]]).all() and (y[2:4] == -np.inf).all() and y[4] == 0.0 and y[5] == np.inf


def test_unique_counts_each_nan_apart() -> None:
    t = mt.tensor([1.0, np.nan, 2.0, np.nan, 1.0])
    values, inverse, counts = mt.unique(t, return_inverse=True, return_counts=True)
    # NaN != NaN: two values, as PyTorch's (NumPy's default made them one, counted twice)
    np.testing.assert_array_equal(values.numpy(), [1.0, 2.0, np.nan, np.nan])
    np.testing.assert_array_equal(inverse.numpy(), [0, 2, 1, 3, 0])
    np.testing.assert_array_equal(counts.numpy(), [2, 1, 1, 1])
    assert counts.numpy().sum() == t.numel()


_NEGATIVE_ROWS = [[3.0, -4.0, 0.5], [1.0, 2.0, 0.0], [np.inf, 2.0, 1.0], [1e-200, 2e-200, 1.0]]


@pytest.mark.parametrize("p", [-1.0, -2.0, -0.5, -np.inf])
def test_negative_norms_closed_forms(p: float) -> None:
    x = mt.tensor(_NEGATIVE_ROWS, dtype=mt.float64, requires_grad=True)
    y = mt.linalg.vector_norm(x, ord=p, dim=1)
    (g,) = mt.autograd.grad(y.sum(), x)
    a = np.abs(np.array(_NEGATIVE_ROWS))
    if p == -np.inf:
        np.testing.assert_array_equal(y.detach().numpy(), a.min(1))
        np.testing.assert_array_equal(g.numpy()[0], [0.0, 0.0, 1.0])
        return
    with np.errstate(divide="ignore", invalid="ignore"):
        exact = [(r**p).sum() ** (1 / p) for r in a[:3]] + [1e-200 * (1 + 2**p + 1e200**p) ** (1 / p)]
        # d/dx_j = sign(x_j) (|x_j| / y)^(p - 1); a slice holding a zero: 0 with gradient 0; an inf adds 0
        slope = np.sign(np.array(_NEGATIVE_ROWS)) * (a / np.array(exact)[:, None]) ** (p - 1)
    np.testing.assert_allclose(y.detach().numpy(), exact, rtol=1e-14)
    np.testing.assert_allclose(g.numpy()[0], slope[0], rtol=1e-12)
    np.testing.assert_array_equal(g.numpy()[1], [0.0, 0.0, 0.0])
    np.testing.assert_allclose(g.numpy()[2], [0.0, *slope[2, 1:]], rtol=1e-12)
    np.testing.assert_allclose(g.numpy()[3, 0], (1 + 2**p) ** (1 / p - 1), rtol=1e-12)  # (no overflow)
    assert mt.norm(mt.tensor([3.0, 4.0]), p=p).item() == pytest.approx((3.0**p + 4.0**p) ** (1 / p))
    with pytest.raises(ValueError, match="no elements"):
        mt.linalg.vector_norm(mt.zeros(2, 0), ord=p, dim=1)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_negative_norms_match_pytorch(dtype: str) -> None:
    torch = pytest.importorskip("torch")
    rows = np.array(_NEGATIVE_ROWS[:3], dtype)
    for p in (-1.0, -2.0, -3.5, -np.inf):
        results = []
        for lib in (mt, torch):
            x = lib.tensor(rows, requires_grad=True)
            y = lib.linalg.vector_norm(x, ord=p, dim=1, keepdim=True)
            (g,) = lib.autograd.grad((y * lib.tensor(np.array([[1.0], [2.0], [3.0]], dtype))).sum(), x)
            results.append([y.detach().numpy(), g.numpy()])
        for ours, theirs in zip(*results):
            np.testing.assert_allclose(ours, theirs, rtol=2e-6 if dtype == "float32" else 1e-12)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_exact_gelu_in_the_left_tail(dtype: str) -> None:
    import math

    xs = np.array([-3.0, -4.0, -5.0, -6.0, -8.0, -10.0, 0.5, 3.0], dtype)
    x = mt.tensor(xs, requires_grad=True)
    y = mt.nn.functional.gelu(x)  # (PyTorch's default: the exact form)
    y.sum().backward()
    w = xs.astype(np.float64)
    phi = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in w])
    # x Phi(x) rounded once (as 1 + erf(x / sqrt 2) it cancelled: float32 at -5 4% off and 0 from -6,
    # float16 at -3 8.5% off and 0 from -4)
    rtol = {"float16": 1e-3, "float32": 2e-7, "float64": 1e-13}[
        dtype
    ]  # (erfc(7) moves 1e-14 with its argument's rounding)
    normal = np.abs(w * phi) > np.finfo(dtype).tiny  # (float16's -5 and beyond: below its normal range)
    np.testing.assert_allclose(y.detach().numpy().astype(np.float64)[normal], (w * phi)[normal], rtol=rtol)
    slope = phi + w * np.exp(-0.5 * w * w) / math.sqrt(2 * math.pi)
    kept = np.abs(slope) > np.finfo(dtype).tiny
    np.testing.assert_allclose(x.grad.numpy().astype(np.float64)[kept], slope[kept], rtol=rtol)


def test_arange_into_integers_from_fractional_numbers() -> None:
    # PyTorch's int64 truncates start, end and step first; NumPy counted the fractional steps
    # and truncated each value ([0, 1, 2] for arange(2.5), 0 twice for arange(-2.5, 3, 1))
    assert mt.arange(5 / 2, dtype=mt.int64).tolist() == [0, 1]
    assert mt.arange(0, 5, 1.5, dtype=mt.int64).tolist() == [0, 1, 2, 3, 4]
    assert mt.arange(-2.5, 3, 1, dtype=mt.int64).tolist() == [-2, -1, 0, 1, 2]
    assert mt.arange(0.9, -3.9, -1, dtype=mt.int64).tolist() == [0, -1, -2]
    # the narrower integers: ceil((end - start) / step) values of trunc(start) + i trunc(step)
    assert mt.arange(-2.7, 3, 1, dtype=mt.int32).tolist() == [-2, -1, 0, 1, 2, 3]
    assert mt.arange(0, 5, 1.5, dtype=mt.int8).tolist() == [0, 1, 2, 3]
    assert mt.arange(-2.7, 3, 1, dtype=mt.uint8).tolist() == [254, 255, 0, 1, 2, 3]
    with pytest.raises(ValueError, match="step must be nonzero"):
        mt.arange(0, 1, 0.1, dtype=mt.int64)
    assert mt.arange(0, 1, 0.25).tolist() == [0.0, 0.25, 0.5, 0.75]  # (floats as before)


def test_arange_into_integers_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for args in [(0, 5, 1.5), (-2.7, 3, 1), (0.9, -3.9, -1), (0, 3.9), (2.5,), (-0.5, 2, 1), (0.5, 4.7, 2)]:
        for name in ("int64", "int32", "int16", "int8", "uint8"):
            ours = mt.arange(*args, dtype=getattr(mt, name))
            theirs = torch.arange(*args, dtype=getattr(torch, name))
            assert ours.tolist() == theirs.tolist(), (args, name)


def test_histc_with_equal_bounds_takes_the_datas_range() -> None:
    x = mt.tensor([0.0, 1.0, 2.0, 2.0, 3.0, 5.0, 5.5, -1.0, 6.0])
    # bins of 1.75 over [-1, 6], as for min = max = 0 (it counted over [0, 2]: [1, 0, 1, 2])
    assert mt.histc(x, bins=4, min=1, max=1).tolist() == [2.0, 3.0, 1.0, 3.0]
    assert mt.histc(x, bins=4).tolist() == [2.0, 3.0, 1.0, 3.0]
    assert mt.histc(mt.tensor([3.0, 3.0]), bins=4, min=1, max=1).tolist() == [0.0, 0.0, 2.0, 0.0]  # ([2, 4])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_acosh_derivatives_at_and_near_1(dtype: str) -> None:
    x = [1.0, 1.0001, 2.0, 1e30]
    y, g, h = _second_derivatives(mt, "acosh", x, dtype)
    w = np.array(x, dtype).astype(np.float64)
    with np.errstate(divide="ignore"):
        slope = 1 / np.sqrt((w - 1) * (w + 1))
        curve = -w * slope**3
    rtol = 2e-7 if dtype == "float32" else 1e-14
    np.testing.assert_allclose(y.astype(np.float64), np.arccosh(w), rtol=rtol)
    assert g[0] == np.inf and h[0] == -np.inf  # (the second derivative at 1 was NaN; PyTorch's is -inf)
    np.testing.assert_allclose(g[1:].astype(np.float64), slope[1:], rtol=rtol)
    np.testing.assert_allclose(h[1:3].astype(np.float64), curve[1:3], rtol=4 * rtol)
    assert np.isnan(mt.acosh(mt.tensor([0.5, -2.0], dtype=getattr(mt, dtype))).numpy()).all()


# --------------------------------------------------------------------------- bias gradients over many rows
_ROWS = 100_000  # of a gradient of 0.1: NumPy added them one after another, 0.1% high in float32


def _bias_gradients(dtype: type, rows: int, g: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The bias gradient of each path that sums a batch's gradient (of 0.1 by default) down its rows."""
    from mytorch.autograd_engine import Autograd
    from mytorch.nn.modules.linear import Linear

    g = np.full((rows, 3), 0.1, dtype) if g is None else g
    x = np.random.default_rng(0).standard_normal((rows, 4)).astype(dtype)
    found = {}
    layer = mt.nn.Linear(4, 3, dtype=dtype)
    layer(mt.tensor(x)).backward(mt.tensor(g))
    found["nn.Linear"] = layer.bias.grad.numpy()
    weight = mt.zeros((3, 4), dtype=dtype, requires_grad=True)
    for name, inputs in (("h + b", ()), ("x @ W.T + b", (weight,))):
        b = mt.zeros(3, dtype=dtype, requires_grad=True)
        h = mt.tensor(x) @ weight.T if inputs else mt.tensor(np.zeros((rows, 3), dtype))
        (h + b).backward(mt.tensor(g))
        found[name] = b.grad.numpy()
    b = mt.zeros(3, dtype=dtype, requires_grad=True)
    mt.nn.functional.linear(mt.tensor(x), weight, b).backward(mt.tensor(g))
    found["F.linear"] = b.grad.numpy()
    engine = Autograd()
    handout = Linear(4, 3, engine, dtype=dtype)
    handout(x)
    engine.backward(g)
    found["handout Linear"] = handout.db.copy()
    engine.zero_grad()
    handout.gradients_zeroed()  # (the backward writes the sum straight into a blank db)
    handout(x)
    engine.backward(g)
    found["handout Linear, blank db"] = handout.db.copy()
    found["F.add_backward"] = mt.nn.functional.add_backward(g, g, np.zeros(3, dtype))[1]
    return found


@pytest.mark.parametrize(("dtype", "rows"), [(np.float32, _ROWS), (np.float16, 256)])
def test_bias_gradients_over_many_rows_are_accurate(dtype: type, rows: int) -> None:
    exact = rows * float(dtype(0.1))  # (float16: 25.16 for 25.6, added in float16)
    for name, grad in _bias_gradients(dtype, rows).items():
        assert grad.dtype == dtype, name
        np.testing.assert_allclose(grad.astype(np.float64), exact, rtol=float(np.finfo(dtype).eps), err_msg=name)


def test_bias_gradients_of_few_rows_are_blas_sums_at_least_as_accurate_as_numpys() -> None:
    # Up to 256 float32 rows (and float64 ones) of more than one column are summed as ones @ g
    # (F.sums_by_product): faster than NumPy's sum down the rows, which adds them one after
    # another; over random batches its worst error is no larger than NumPy's.
    rng = np.random.default_rng(4)
    worst = {"blas": 0.0, "numpy": 0.0}
    for trial in range(300):
        rows, cols = int(rng.integers(2, 257)), int(rng.integers(2, 40))
        g = (rng.standard_normal((rows, cols)) * 10.0 ** rng.integers(-3, 4)).astype(np.float32)
        b = mt.zeros(cols, requires_grad=True)
        (mt.tensor(np.zeros((rows, cols), np.float32)) + b).backward(mt.tensor(g))
        ours = b.grad.numpy()
        assert ours.dtype == np.float32
        assert np.array_equal(ours, np.dot(np.ones(rows, np.float32), g)), trial
        exact, scale = g.astype(np.float64).sum(0), np.abs(g).astype(np.float64).sum(0)
        for name, found in (("blas", ours), ("numpy", np.add.reduce(g, 0))):
            worst[name] = max(worst[name], float((np.abs(found - exact) / scale).max()))
    assert worst["blas"] <= worst["numpy"], worst
    assert worst["blas"] < 256 * float(np.finfo(np.float32).eps), worst


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rows", [2, 64, 256, 300])
def test_every_path_sums_a_bias_gradient_to_the_same_bits(dtype: type, rows: int) -> None:
    # The modules (blank db or not), the Tensor front-end, F.add_backward, F.sum_rows and the
    # replay follow one rule (F.sums_by_product), whatever the alignment of the gradient's memory
    # (BLAS's result must not depend on it, or a replay's buffers would change the bits).
    rng = np.random.default_rng(rows)
    g = rng.standard_normal((rows, 3)).astype(dtype)
    found = _bias_gradients(dtype, rows, g)
    found["F.sum_rows"] = mt.nn.functional.sum_rows(g, 0)
    for offset in range(1, 8):  # the same numbers at each of 7 other places in memory
        raw = np.zeros(g.nbytes + 128, np.uint8)
        start = (-raw.ctypes.data) % 64 + offset * g.itemsize
        moved = raw[start : start + g.nbytes].view(dtype).reshape(g.shape)
        moved[...] = g
        found[f"F.sum_rows at +{offset * g.itemsize} bytes"] = mt.nn.functional.sum_rows(moved, 0)
    for name, grad in found.items():
        assert grad.dtype == dtype and np.array_equal(grad, found["nn.Linear"]), name
    exact = g.astype(np.float64).sum(0)
    np.testing.assert_allclose(found["nn.Linear"], exact, rtol=rows * float(np.finfo(dtype).eps))


def test_the_ones_bias_gradients_are_summed_by_are_read_only_and_their_cache_bounded() -> None:
    F = mt.nn.functional
    small = F.batch_ones(64, np.dtype(np.float32))
    assert small is F.batch_ones(64, np.dtype(np.float32)) and not small.flags.writeable
    with pytest.raises(ValueError):
        small[0] = 2.0  # (a write would change every later bias gradient)
    for n in range(2, 200):  # many batch sizes: the cache keeps at most 64 vectors
        F.batch_ones(n, np.dtype(np.float64))
    assert len(F._ONES) <= 64
    large = F.batch_ones(100_000, np.dtype(np.float64))  # made each time: 800 KB is not kept
    assert large is not F.batch_ones(100_000, np.dtype(np.float64)) and not large.flags.writeable
    assert all(len(v) <= 4096 for v in F._ONES.values())


def test_bias_gradients_over_many_rows_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    g = np.random.default_rng(5).random((_ROWS, 3)).astype(np.float32) + np.float32(0.05)
    b = torch.zeros(3, requires_grad=True)
    (torch.zeros(_ROWS, 3) + b).backward(torch.tensor(g))
    ours = mt.zeros(3, requires_grad=True)
    (mt.zeros(_ROWS, 3) + ours).backward(mt.tensor(g))
    exact = g.astype(np.float64).sum(0)
    np.testing.assert_allclose(b.grad.numpy(), exact, rtol=1e-6)
    np.testing.assert_allclose(ours.grad.numpy(), exact, rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_replayed_bias_gradients_over_many_rows_are_the_dynamic_ones(dtype: type) -> None:
    from hw_bonus.mlp import MLP
    from mytorch.autograd_engine import Autograd

    rows = 50_000 if dtype is np.float32 else 200
    rng = np.random.default_rng(6)
    x = rng.standard_normal((rows, 5)).astype(dtype)
    y = rng.random((rows, 3)).astype(dtype)
    nets = [MLP(5, 3, [4], ["tanh", "identity"], "mse", 0.0, Autograd(), seed=0, dtype=dtype, replay=r) for r in (0, 1)]
    for _ in range(3):
        losses = [net.train_step(x, y) for net in nets]
        assert np.array_equal(*losses)
        for dynamic, replayed in zip(nets[0].linear_layers, nets[1].linear_layers):
            assert np.array_equal(dynamic.db, replayed.db) and np.array_equal(dynamic.dW, replayed.dW)
    assert nets[1]._replayer.replays == 2
    # the last layer's bias gradient is the mean squared error's gradient summed down the rows
    output = nets[0].forward(x).astype(np.float64)
    exact = (2 * (output - y) / output.size).sum(0)
    for net in nets:
        np.testing.assert_allclose(net.linear_layers[-1].db, exact, rtol=4 * float(np.finfo(dtype).eps), atol=0)


# --------------------------------------------------------------------------- mse_loss of many elements
def _mse_losses(prediction: np.ndarray, target: np.ndarray) -> dict[str, float]:
    from mytorch.autograd_engine import Autograd
    from mytorch.nn.modules.loss import MSELoss

    found = {
        "F.mse_loss": mt.nn.functional.mse_loss(mt.tensor(prediction), mt.tensor(target)).item(),
        "nn.MSELoss": mt.nn.MSELoss()(mt.tensor(prediction), mt.tensor(target)).item(),
        "kernel": float(mt.nn.functional.mse_loss(target, prediction)[0]),
        "handout MSELoss": float(np.asarray(MSELoss(Autograd())(target, prediction)).reshape(())),
    }
    return found


def _a_million_squared_errors() -> tuple[np.ndarray, np.ndarray, float]:
    rng = np.random.default_rng(7)
    prediction = rng.standard_normal((1000, 1000)).astype(np.float32)
    target = (rng.random((1000, 1000)) + 0.5).astype(np.float32)
    return prediction, target, float(((prediction.astype(np.float64) - target) ** 2).mean())


def test_mse_loss_of_a_million_float32_values_is_accurate() -> None:
    prediction, target, exact = _a_million_squared_errors()
    for name, value in _mse_losses(prediction, target).items():  # (BLAS's float32 dot: 9e-7 off)
        assert abs(value - exact) <= 1e-7 * exact, f"{name}: {value} for {exact}"


def test_mse_loss_of_a_million_float32_values_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    prediction, target, exact = _a_million_squared_errors()
    theirs = torch.nn.functional.mse_loss(torch.tensor(prediction), torch.tensor(target)).item()
    ours = mt.nn.functional.mse_loss(mt.tensor(prediction), mt.tensor(target)).item()
    assert abs(theirs - exact) <= 1e-7 * exact and abs(ours - exact) <= 1e-7 * exact


def test_a_float32_vector_dot_is_blas_as_pytorchs_and_sum_of_squares_is_the_accurate_one() -> None:
    """The decision in docs/tensor.md: ``x @ x`` of float32 vectors stays BLAS's dot (PyTorch's
    ``torch.dot`` is the same sdot: 8e-7 off at 1e6 elements in [0, 1), 2e-5 at 1e7), so it agrees
    with ``x[None] @ x[:, None]`` and with PyTorch; ``(x * x).sum()`` and ``x.norm() ** 2`` are
    the accurate forms (pairwise sums)."""
    x = np.random.default_rng(0).uniform(0.0, 1.0, 1_000_000).astype(np.float32)
    exact = float(np.dot(x.astype(np.float64), x.astype(np.float64)))
    t = mt.tensor(x)
    assert (t @ t).item() == np.dot(x, x) and mt.dot(t, t).item() == np.dot(x, x)
    for name, value in {"(x * x).sum()": (t * t).sum().item(), "x.norm() ** 2": t.norm().item() ** 2}.items():
        assert abs(value - exact) <= 2e-7 * exact, f"{name}: {value} for {exact}"


# --------------------------------------------------------------------------- float16 over more than 65,504 elements
_HALF_COUNT = 70_000  # past float16's largest number, 65,504: NumPy 2 made such a count inf (NEP 50)


def _half_problem() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(9)
    return rng.uniform(0.05, 0.95, _HALF_COUNT).astype(np.float16), rng.random(_HALF_COUNT).astype(np.float16)


_HALF_LOSSES = {
    "mse_loss": lambda p, t: (p - t) ** 2,
    "l1_loss": lambda p, t: np.abs(p - t),
    "binary_cross_entropy": lambda p, t: -(t * np.log(p) + (1 - t) * np.log1p(-p)),
    "binary_cross_entropy_with_logits": lambda z, t: np.logaddexp(0, z) - t * z,
}


@pytest.mark.parametrize("name", sorted(_HALF_LOSSES))
def test_float16_mean_losses_over_more_than_65504_elements(name: str) -> None:
    # (on NumPy 2 every gradient was 0, and the logits' loss 0.0, the probabilities' NaN)
    x, t = _half_problem()
    prediction = mt.tensor(x, requires_grad=True)
    loss = getattr(mt.nn.functional, name)(prediction, mt.tensor(t))
    loss.backward()
    exact = _HALF_LOSSES[name](x.astype(np.float64), t.astype(np.float64)).mean()
    assert loss.dtype == mt.float16 and abs(loss.item() - exact) <= 1e-3 * exact
    grad = prediction.grad.numpy()
    assert grad.dtype == np.float16 and np.count_nonzero(grad) > 0.99 * _HALF_COUNT


def test_float16_mean_and_nanmean_over_more_than_65504_elements() -> None:
    x, _ = _half_problem()
    exact = x.astype(np.float64).mean()
    a = mt.tensor(x, requires_grad=True)
    a.mean().backward()  # (its gradient was 0 on NumPy 2)
    assert np.array_equal(a.grad.numpy(), np.full(_HALF_COUNT, 1 / _HALF_COUNT, np.float16))
    assert abs(mt.nanmean(mt.tensor(x)).item() - exact) <= 1e-3  # (0.0 on either NumPy)
    with_nan = x.copy()
    with_nan[::2] = np.nan
    assert abs(mt.nanmean(mt.tensor(np.tile(with_nan, 2))).item() - x[1::2].astype(np.float64).mean()) <= 1e-3
    # a float16 sum rounds the exact sum once, on NumPy 1.26 too (there 34976 for 35008)
    assert mt.tensor(x).sum().item() == float(np.float16(x.astype(np.float64).sum()))


def test_float16_cross_entropy_over_more_than_65504_rows_is_replayed_as_computed() -> None:
    from hw_bonus.mlp import MLP
    from mytorch.autograd_engine import Autograd

    rng = np.random.default_rng(10)
    x = rng.standard_normal((_HALF_COUNT, 2)).astype(np.float16)
    y = np.eye(2, dtype=np.float16)[rng.integers(0, 2, _HALF_COUNT)]
    nets = [
        MLP(2, 2, [], ["identity"], "cross_entropy", 0.0, Autograd(), seed=0, dtype=np.float16, replay=r)
        for r in (0, 1)
    ]
    for _ in range(3):
        losses = [net.train_step(x, y) for net in nets]
        assert np.array_equal(*losses)
        assert np.array_equal(nets[0].linear_layers[0].dW, nets[1].linear_layers[0].dW)
    dW = nets[0].linear_layers[0].dW
    assert np.count_nonzero(dW) == dW.size  # (all 0 on NumPy 2)
    z = x.astype(np.float64) @ nets[0].linear_layers[0].W.T.astype(np.float64) + nets[0].linear_layers[0].b
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    np.testing.assert_allclose(dW, (p - y).T @ x.astype(np.float64) / _HALF_COUNT, rtol=2e-2, atol=1e-4)


def test_float16_mean_losses_over_more_than_65504_elements_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    x, t = _half_problem()
    for name in sorted(_HALF_LOSSES):
        ours, theirs = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        getattr(mt.nn.functional, name)(ours, mt.tensor(t)).backward()
        getattr(torch.nn.functional, name)(theirs, torch.tensor(t)).backward()
        # (the gradients are float16 subnormals here: a few quanta apart)
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=0.05, atol=4e-7, err_msg=name)


def test_float16_cross_entropy_over_more_than_65504_rows() -> None:
    # (its float16 sum overflowed: NaN, and PyTorch 2.13's too, for class labels; NaN for probabilities)
    rng = np.random.default_rng(11)
    logits = rng.standard_normal((_HALF_COUNT, 3)).astype(np.float16)
    labels = rng.integers(0, 3, _HALF_COUNT)
    wide = logits.astype(np.float64)
    log_probs = wide - np.log(np.exp(wide).sum(1, keepdims=True))
    by_label = mt.nn.functional.cross_entropy(mt.tensor(logits), mt.tensor(labels))
    uniform = mt.nn.functional.cross_entropy(mt.tensor(logits), mt.tensor(np.full((_HALF_COUNT, 3), 1 / 3, np.float16)))
    assert by_label.dtype == uniform.dtype == mt.float16
    assert abs(by_label.item() + log_probs[np.arange(_HALF_COUNT), labels].mean()) <= 2e-3
    assert abs(uniform.item() + float(np.float16(1 / 3)) * log_probs.sum(1).mean()) <= 2e-3


# --------------------------------------------------------------------------- float16 normalizations beyond |x| ~ 256
# Squares of float16 values past 256 overflow (65,504 is its largest): group_norm, instance_norm and
# rms_norm gave 0 for every element of such a group, scaled_dot_product_attention NaN, the
# weight_norm parametrization NaN weights, embedding(max_norm=) zero rows, and InstanceNorm's
# running variance inf. Each is now computed in float32 (float64 for the renorm), as PyTorch does.
_WIDE_HALF = np.array([[300.0, -300.0, 200.0, -100.0]])


def _half_cases(lib) -> dict:
    f = lib.nn.functional
    return {
        "group_norm": lambda x: f.group_norm(x.reshape(1, 4, 1), 2),
        "instance_norm": lambda x: f.instance_norm(x.reshape(1, 2, 2)),
        "rms_norm": lambda x: f.rms_norm(x, (4,)),
        "rms_norm_small": lambda x: f.rms_norm(x / 30000, (4,)),  # (the default eps is float32's, as PyTorch's)
        "sdpa": lambda x: f.scaled_dot_product_attention(*[x.reshape(1, 2, 2)] * 3),
    }


def _half_reference(name: str) -> np.ndarray:
    x = _WIDE_HALF.astype(np.float64)
    if name in ("group_norm", "instance_norm"):
        pairs = x.reshape(2, 2)
        return ((pairs - pairs.mean(1, keepdims=True)) / np.sqrt(pairs.var(1, keepdims=True) + 1e-5)).reshape(1, 4)
    if name.startswith("rms_norm"):
        x = x / 30000 if name == "rms_norm_small" else x
        return x / np.sqrt((x * x).mean() + float(np.finfo(np.float32).eps))
    q = x.reshape(2, 2)
    scores = q @ q.T / np.sqrt(2)
    weights = np.exp(scores - scores.max(1, keepdims=True))
    return ((weights / weights.sum(1, keepdims=True)) @ q).reshape(1, 4)


@pytest.mark.parametrize("name", sorted(_half_cases(mt)))
def test_float16_normalizations_beyond_256_are_computed_in_float32(name: str) -> None:
    x = mt.tensor(_WIDE_HALF.astype(np.float16), requires_grad=True)
    y = _half_cases(mt)[name](x)
    y.sum().backward()
    assert y.dtype == x.grad.dtype == mt.float16 and np.isfinite(x.grad.numpy()).all()
    np.testing.assert_allclose(y.detach().numpy().reshape(1, 4), _half_reference(name), rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize("name", sorted(_half_cases(mt)))
def test_float16_normalizations_beyond_256_match_pytorch(name: str) -> None:
    torch = pytest.importorskip("torch")
    results = []
    for lib in (mt, torch):
        x = lib.tensor(_WIDE_HALF.astype(np.float16), requires_grad=True)
        y = _half_cases(lib)[name](x)
        y.float().sum().backward()
        results.append((y.detach().float().numpy(), x.grad.float().numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=2e-3, atol=2e-3)


def test_float16_weight_norm_embedding_max_norm_and_instance_norm_statistics_beyond_256() -> None:
    rows = np.array([[300.0, -300.0], [200.0, 100.0]], np.float16)
    linear = mt.nn.Linear(2, 2, dtype=mt.float16)
    with mt.no_grad():
        linear.weight.copy_(mt.tensor(rows))
    linear = mt.nn.utils.parametrizations.weight_norm(linear)
    g = linear.parametrizations.weight.original0.detach().numpy()
    np.testing.assert_allclose(g.ravel(), np.hypot(*rows.astype(np.float64).T), rtol=1e-3)  # (was inf)
    np.testing.assert_allclose(linear.weight.detach().numpy(), rows, rtol=1e-3)  # (was NaN)
    table = mt.tensor(np.array([[300.0, 400.0]], np.float16))
    looked_up = mt.nn.functional.embedding(mt.tensor([0]), table, max_norm=1.0)
    np.testing.assert_allclose(looked_up.numpy(), [[0.6, 0.8]], rtol=1e-3)  # (was 0, 0)
    norm = mt.nn.InstanceNorm1d(1, track_running_stats=True, dtype=mt.float16)
    norm(mt.tensor(np.array([[[300.0, -300.0, 0.0]]], np.float16)))
    np.testing.assert_allclose(norm.running_var.numpy(), [0.9 + 0.1 * 90000], rtol=1e-3)  # (was inf)


def _identity_attention(lib, dtype):
    """A 4-wide, 2-head MultiheadAttention whose projections are identities (queries = keys = values = x)."""
    lib.manual_seed(0)
    attention = lib.nn.MultiheadAttention(4, 2, dtype=dtype)
    with lib.no_grad():
        attention.in_proj_weight.copy_(lib.tensor(np.tile(np.eye(4), (3, 1)), dtype=dtype))
        attention.in_proj_bias.zero_()
        attention.out_proj.weight.copy_(lib.eye(4, dtype=dtype))
        attention.out_proj.bias.zero_()
    return attention


_WIDE_SEQUENCE = np.array([[[300.0, -300.0, 10.0, 20.0]], [[200.0, 100.0, -50.0, 0.0]], [[-100.0, 250.0, 30.0, 5.0]]])


@pytest.mark.parametrize("need_weights", [True, False])
def test_float16_multihead_attention_beyond_256_is_computed_in_float32(need_weights: bool) -> None:
    # (its q k^T overflowed: NaN outputs, weights and gradients; PyTorch's fused path is finite)
    x = mt.tensor(_WIDE_SEQUENCE.astype(np.float16), requires_grad=True)
    out, weights = _identity_attention(mt, mt.float16)(x, x, x, need_weights=need_weights)
    out.sum().backward()
    wide = _WIDE_SEQUENCE[:, 0].reshape(3, 2, 2).transpose(1, 0, 2)  # (heads, positions, 2)
    scores = wide @ wide.transpose(0, 2, 1) / np.sqrt(2)
    expected = np.exp(scores - scores.max(-1, keepdims=True))
    expected /= expected.sum(-1, keepdims=True)
    reference = (expected @ wide).transpose(1, 0, 2).reshape(3, 1, 4)
    assert out.dtype == x.grad.dtype == mt.float16 and np.isfinite(x.grad.numpy()).all()
    np.testing.assert_allclose(out.detach().numpy(), reference, rtol=2e-3, atol=1e-2)
    if need_weights:
        assert weights.dtype == mt.float16
        np.testing.assert_allclose(weights.detach().numpy()[0], expected.mean(0), atol=1e-3)


def test_float16_multihead_attention_beyond_256_matches_pytorchs_fused_path() -> None:
    torch = pytest.importorskip("torch")
    results = []
    for lib in (mt, torch):
        x = lib.tensor(_WIDE_SEQUENCE.astype(np.float16), requires_grad=True)
        out, _ = _identity_attention(lib, lib.float16)(x, x, x, need_weights=False)
        out.float().sum().backward()
        results.append((out.detach().float().numpy(), x.grad.float().numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=2e-3, atol=1e-2)


def test_float16_spectral_norm_beyond_256_is_finite_and_divides_by_the_largest_singular_value() -> None:
    # (u and v were normalised by a float16 norm, inf from entries ~256: both 0, the weight NaN)
    rows = np.array([[300.0, -300.0, 100.0], [200.0, 100.0, -50.0]], np.float16)
    sigma = np.linalg.svd(rows.astype(np.float64), compute_uv=False)[0]
    for wrap in (mt.nn.utils.parametrizations.spectral_norm, mt.nn.utils.spectral_norm):
        mt.manual_seed(0)
        linear = mt.nn.Linear(3, 2, dtype=mt.float16)
        with mt.no_grad():
            linear.weight.copy_(mt.tensor(rows))
        linear = wrap(linear)
        for _ in range(20):  # (the older API takes one power step per call)
            linear(mt.tensor(np.ones((1, 3), np.float16)))
        weight = linear.weight
        assert weight.dtype == mt.float16
        np.testing.assert_allclose(weight.detach().numpy(), rows / sigma, rtol=5e-3, atol=1e-3)


def test_float16_cosine_embedding_loss_beyond_256_is_computed_in_float32() -> None:
    # (its squared norms overflowed: NaN loss and gradient, as PyTorch 2.13's still are)
    a = np.array([[300.0, 300.0], [3.0, 4.0]], np.float16)
    b = np.array([[300.0, -100.0], [3.0, 4.0]], np.float16)
    x = mt.tensor(a, requires_grad=True)
    loss = mt.nn.functional.cosine_embedding_loss(x, mt.tensor(b), mt.tensor([1, -1]), reduction="none")
    loss.sum().backward()
    wide_a, wide_b = a.astype(np.float64), b.astype(np.float64)
    cos = (wide_a * wide_b).sum(1) / np.linalg.norm(wide_a, axis=1) / np.linalg.norm(wide_b, axis=1)
    assert loss.dtype == x.grad.dtype == mt.float16 and np.isfinite(x.grad.numpy()).all()
    np.testing.assert_allclose(loss.detach().numpy(), [1 - cos[0], cos[1]], rtol=2e-3)


def test_float16_local_response_norm_beyond_256_is_computed_in_float32() -> None:
    # (its squares overflowed: 0 for 83.5 and 44.1 here, as PyTorch 2.13 still gives)
    a = np.array([[[300.0], [200.0], [-100.0], [50.0]]], np.float16)
    x = mt.tensor(a, requires_grad=True)
    y = mt.nn.functional.local_response_norm(x, 2)
    y.sum().backward()
    wide = a.astype(np.float64)[0, :, 0]
    window = (np.concatenate([[0.0], wide[:-1]]) ** 2 + wide**2) / 2  # (size 2: the channel before and itself)
    assert y.dtype == x.grad.dtype == mt.float16 and np.isfinite(x.grad.numpy()).all()
    np.testing.assert_allclose(y.detach().numpy().ravel(), wide / (1 + 1e-4 * window) ** 0.75, rtol=2e-3)


def test_float16_cov_corrcoef_and_gaussian_nll_loss_beyond_256_are_computed_in_float32() -> None:
    # (products past 65,504 midway: cov inf for 62,500, corrcoef NaN for 0.992, the Gaussian
    # NLL inf for 11,250; PyTorch 2.13 gives the same infs and NaNs)
    a = np.array([[300.0, -300.0, 100.0, 0.0], [250.0, -200.0, 50.0, 10.0]], np.float16)
    wide = a.astype(np.float64)
    x = mt.tensor(a, requires_grad=True)
    np.testing.assert_allclose(mt.cov(x).detach().numpy(), np.cov(wide), rtol=2e-3)
    np.testing.assert_allclose(mt.corrcoef(x).detach().numpy(), np.corrcoef(wide), rtol=2e-3)
    var = mt.full((4,), 4.0, dtype=mt.float16, requires_grad=True)
    losses = mt.nn.functional.gaussian_nll_loss(x[0], mt.zeros(4, dtype=mt.float16), var, reduction="none")
    losses.sum().backward()
    assert losses.dtype == x.grad.dtype == var.grad.dtype == mt.float16
    np.testing.assert_allclose(losses.detach().numpy(), 0.5 * (np.log(4.0) + wide[0] ** 2 / 4), rtol=2e-3)
    np.testing.assert_allclose(x.grad.numpy()[0], wide[0] / 4, rtol=2e-3)
    np.testing.assert_allclose(var.grad.numpy(), 0.5 * (1 / 4 - wide[0] ** 2 / 16), rtol=2e-3)


def test_float16_weighted_mean_cross_entropy_past_65504_total_weight() -> None:
    # (the labels' total weight overflowed float16: the mean was -0.0 for 1.371, nll_loss 0.0 for
    # 0.0449, and every gradient 0; PyTorch 2.13 gives NaN and 0.0)
    rng = np.random.default_rng(0)
    logits = rng.standard_normal((100, 3)).astype(np.float16)
    labels = rng.integers(0, 3, 100)
    weight = np.array([1000.0, 2000.0, 500.0], np.float16)
    wide = logits.astype(np.float64)
    log_probs = wide - np.log(np.exp(wide).sum(1, keepdims=True))
    w = weight.astype(np.float64)[labels]
    f, rows = mt.nn.functional, np.arange(100)
    for loss, exact in [
        (f.cross_entropy(mt.tensor(logits), mt.tensor(labels), weight=mt.tensor(weight)), log_probs[rows, labels]),
        (f.nll_loss(mt.tensor(logits), mt.tensor(labels), weight=mt.tensor(weight)), wide[rows, labels]),
    ]:
        exact = -(w * exact).sum() / w.sum()
        assert loss.dtype == mt.float16 and abs(loss.item() - exact) <= 2e-3 * abs(exact), f"{loss.item()} for {exact}"
    x = mt.tensor(logits, requires_grad=True)
    f.cross_entropy(x, mt.tensor(labels), weight=mt.tensor(weight)).backward()
    expected = (np.exp(log_probs) - np.eye(3)[labels]) * w[:, None] / w.sum()
    assert x.grad.dtype == mt.float16
    np.testing.assert_allclose(x.grad.numpy(), expected, atol=2e-4)


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_softplus_is_linear_where_beta_x_overflows(dtype) -> None:
    """PyTorch's ``x`` where beta x > threshold holds where beta x overflows the dtype too: it was
    ``softplus(beta x) / beta`` = inf (float16 x = 700 with beta = 100; float32 with beta = 1e36)."""
    beta = 100.0 if dtype == np.float16 else 1e36
    x = mt.tensor(np.array([1000.0, 700.0, -1000.0, 0.5], dtype), requires_grad=True)
    y = mt.nn.functional.softplus(x, beta=beta)
    y.sum().backward()
    np.testing.assert_array_equal(y.detach().numpy(), np.array([1000.0, 700.0, 0.0, 0.5], dtype))
    np.testing.assert_array_equal(x.grad.numpy(), np.array([1.0, 1.0, 0.0, 1.0], dtype))
    assert mt.nn.Softplus(beta=beta)(x).detach().numpy()[1] == 700.0


def test_float16_softplus_scales_in_float32_and_a_beta_beyond_float32_is_refused() -> None:
    """beta = 1e5 is beyond float16: beta x at x = 0 was 0 * inf = NaN in the gradient (PyTorch
    scales in float32: 1/2). A beta float32 cannot hold is refused, as PyTorch refuses it (NumPy 1
    and 2 gave different numbers)."""
    x = mt.tensor(np.array([0.0, 700.0, -3.0], np.float16), requires_grad=True)
    (g,) = mt.autograd.grad(mt.nn.functional.softplus(x, beta=1e5).sum(), x, create_graph=True)
    (h,) = mt.autograd.grad(g.sum(), x)
    assert g.dtype == np.float16 and g.detach().numpy().tolist() == [0.5, 1.0, 0.0]
    assert h.numpy().tolist() == [np.float16(1e5 / 4), 0.0, 0.0]
    with pytest.raises(ValueError, match="F.softplus: beta 1e[+]39 is beyond float32's range"):
        mt.nn.functional.softplus(mt.ones(2), beta=1e39)


def test_softplus_with_beta_derivatives_closed_forms_and_replay() -> None:
    """ln(1 + e^(b x)) / b: slope sigmoid(b x), curvature b sigmoid(b x) (1 - sigmoid(b x)), in both
    modes; a replayed step recomputes the linear branch from the new data."""
    beta, values = 2.5, np.array([-3.0, -0.4, 0.0, 0.7, 7.9, 8.1])
    x = mt.tensor(values, requires_grad=True)
    (g,) = mt.autograd.grad(mt.nn.functional.softplus(x, beta=beta).sum(), x, create_graph=True)
    (h,) = mt.autograd.grad(g.sum(), x)
    s = 1 / (1 + np.exp(-beta * values))
    linear = beta * values > 20
    np.testing.assert_allclose(g.detach().numpy(), np.where(linear, 1.0, s), rtol=1e-14)
    np.testing.assert_allclose(h.numpy(), np.where(linear, 0.0, beta * s * (1 - s)), rtol=1e-13)
    _, tangent = mt.func.jvp(lambda t: mt.nn.functional.softplus(t, beta=beta), (mt.tensor(values),), (mt.ones(6),))
    np.testing.assert_allclose(tangent.numpy(), np.where(linear, 1.0, s), rtol=1e-14)
    assert_replay_trains_like_the_dynamic_step(
        values.reshape(2, 3),
        np.array([[1.0, 2.0, 3.0], [-1.0, 4.0, 0.5]]),
        lambda w: mt.optim.SGD([w], lr=0.5),
        lambda data, w: mt.nn.functional.softplus(data * w, beta=beta, threshold=3.0).sum(),
        steps=6,
        verify=2,
    )


def test_softplus_with_beta_matches_pytorch_to_second_order() -> None:
    torch = pytest.importorskip("torch")
    values = np.array([[-3.0, -0.4, 0.0], [0.7, 7.9, 8.1]])
    out = []
    for L in (mt, torch):
        x = L.tensor(values, requires_grad=True)
        y = L.nn.functional.softplus(x, beta=2.5, threshold=5.0)
        (g,) = L.autograd.grad(y.sum(), x, create_graph=True)
        (h,) = L.autograd.grad((g * L.tensor(values)).sum(), x)
        half = L.nn.functional.softplus(L.tensor([700.0, 0.3, 0.0], dtype=L.float16), beta=1e5)
        out.append([y.detach().numpy(), g.detach().numpy(), h.numpy(), half.numpy()])
    for got, want in zip(*out):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["elu", "celu"])
def test_float16_elu_and_celu_compute_in_float32(name) -> None:
    """celu's 1 / alpha (1e8 for alpha = 1e-8) or elu's alpha (1e5) beyond float16 made 0 * inf =
    NaN in the gradient where x > 0 on NumPy 2 (NumPy 1 widened the number): PyTorch computes
    float16 in float32, and so does MyTorch now."""
    f = getattr(mt.nn.functional, name)
    for alpha in (1e-8, 1e5, 0.3):
        x = mt.tensor(np.array([-2.25, 1.5, 0.0, -1e-3], np.float16), requires_grad=True)
        y = f(x, alpha)
        y.sum().backward()
        v = np.array([-2.25, 1.5, 0.0, -1e-3], np.float16).astype(np.float64)
        scale = 1 / alpha if name == "celu" else 1.0
        with np.errstate(over="ignore"):  # (elu's -1e5 (1 - e^-2.25) is -inf in float16, as PyTorch's)
            want = np.where(v > 0, v, alpha * np.expm1(np.minimum(v, 0) * scale)).astype(np.float16)
            slope = np.where(v > 0, 1.0, alpha * scale * np.exp(np.minimum(v, 0) * scale)).astype(np.float16)
        np.testing.assert_array_equal(y.detach().numpy(), want, err_msg=f"{name}({alpha})")
        np.testing.assert_array_equal(x.grad.numpy()[[0, 1, 3]], slope[[0, 1, 3]], err_msg=f"{name}({alpha})")


def test_activation_settings_beyond_float32_are_refused_as_pytorch_refuses_them() -> None:
    for call in (
        lambda t: mt.nn.functional.elu(t, 1e39),
        lambda t: mt.nn.functional.celu(t, -1e39),
        lambda t: mt.nn.functional.leaky_relu(t, 1e39),
        lambda t: mt.nn.functional.leaky_relu(t.clone(), 1e39, inplace=True),
        lambda t: mt.nn.Softplus(beta=1e39)(t),
    ):
        for dtype in (mt.float32, mt.float16):
            with pytest.raises(ValueError, match="is beyond float32's range"):
                call(mt.ones(2, dtype=dtype))
    assert mt.nn.functional.elu(-mt.ones(1, dtype=mt.float64), 1e39).item() == pytest.approx(-1e39 * (1 - np.exp(-1)))


def test_float16_elu_and_celu_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    out = []
    for L in (mt, torch):
        row = []
        for alpha in (1e-8, 1e5, 2.0**40, 0.3):
            for f in (L.nn.functional.elu, L.nn.functional.celu):
                x = L.tensor([-2.25, 1.5, 0.0, -1e-3], dtype=L.float16, requires_grad=True)
                y = f(x, alpha)
                y.sum().backward()
                row += [y.detach().numpy(), x.grad.numpy()]
        out.append(row)
    for got, want in zip(*out):
        np.testing.assert_array_equal(got, want)

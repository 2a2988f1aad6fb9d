"""Silently wrong numbers at special inputs (inf, NaN, overflow, ...), each checked against a
closed form and against PyTorch where it is installed (those parts skip without it):

* ``x ** y`` with y requiring a gradient, where x ** y is infinite (x = inf, or an overflow such as
  1e200 ** 2): x's gradient went through exp(y log x) as x ** y * y / x, which is inf / inf = NaN
  at x = inf (``inf ** inf``, ``inf ** 2``) and inf for 1e200 ** 2 (PyTorch's y x ** (y - 1) is
  2e200). There it is now the kernel's y x ** (y - 1), and y's x ** y log x.
* ``(-inf) ** p`` for an infinite p counted p as fractional (inf's remainder is NaN): NaN for
  the gradient in x, where PyTorch's is p (-inf) ** (p - 1) = inf.
"""

from __future__ import annotations

import numpy as np
import pytest

import mytorch as mt

INF = np.inf


def _power_and_grads(lib: object, x: list[float], y: list[float], dtype: str) -> list[np.ndarray]:
    a = lib.tensor(x, dtype=getattr(lib, dtype), requires_grad=True)  # type: ignore[attr-defined]
    b = lib.tensor(y, dtype=getattr(lib, dtype), requires_grad=True)  # type: ignore[attr-defined]
    out = a**b
    out.sum().backward()
    return [out.detach().numpy(), a.grad.numpy(), b.grad.numpy()]


_POW_X = [INF, INF, INF, 1e200, 2.0, -INF, 0.0, -2.0]
_POW_Y = [INF, 2.0, 0.5, 2.0, 3.0, INF, 2.0, 3.0]


def test_power_where_infinite_has_the_kernels_gradient_in_the_base() -> None:
    value, gx, gy = _power_and_grads(mt, _POW_X, _POW_Y, "float64")
    with np.errstate(all="ignore"):
        x, y = np.array(_POW_X), np.array(_POW_Y)
        np.testing.assert_array_equal(value, x**y)
        np.testing.assert_array_equal(gx, y * x ** (y - 1))  # closed form: inf, inf, 0, 2e200, 12, inf, 0, 12
        assert gx[3] == 2e200 and gx[0] == INF and gx[2] == 0.0
        np.testing.assert_array_equal(gy[:5], (x**y * np.log(x))[:5])  # x > 0: x ** y log x
    assert gy[6] == 0.0 and np.isnan(gy[7])  # (0 ** 2: 0; a negative base: NaN)
    # float32: 1e20 ** 2 overflows, the slope 2e20 does not
    _, gx32, _ = _power_and_grads(mt, [1e20, 3.0], [2.0, 0.5], "float32")
    np.testing.assert_allclose(gx32, [2e20, 0.5 / np.sqrt(3.0)], rtol=1e-6)


def test_power_where_infinite_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    ours = _power_and_grads(mt, _POW_X, _POW_Y, "float64")
    theirs = _power_and_grads(torch, _POW_X, _POW_Y, "float64")
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)


_LCSE_ROWS = [
    [0.0, -INF, -INF],  # trailing -inf (padding): gradient 0 there (it was NaN)
    [1.0, 2.0, -INF, 0.5],
    [INF, INF, 0.0],  # two +inf: NaN for them, 0 for the 0 (it was NaN)
    [-INF, -INF, 1.0],  # a leading run of -inf: NaN there, as PyTorch's
]


def _logcumsumexp_grads(lib: object) -> list[tuple[np.ndarray, np.ndarray]]:
    result = []
    for row in _LCSE_ROWS:
        x = lib.tensor(row, dtype=lib.float64, requires_grad=True)  # type: ignore[attr-defined]
        y = x.logcumsumexp(0)
        y.sum().backward()
        result.append((y.detach().numpy(), x.grad.numpy()))
    return result


def test_logcumsumexp_keeps_nan_gradients_of_infinite_windows_to_themselves() -> None:
    got = _logcumsumexp_grads(mt)
    # closed form: d/dx_j sum_k y_k = sum_{k >= j} exp(x_j - y_k)
    x = np.array(_LCSE_ROWS[1])
    y = np.log(np.cumsum(np.exp(x)))
    expected = [np.exp(x[j] - y[j:]).sum() for j in range(4)]
    np.testing.assert_allclose(got[1][0], y, rtol=1e-15)
    np.testing.assert_allclose(got[1][1], expected, rtol=1e-14)
    assert got[1][1][2] == 0.0
    np.testing.assert_array_equal(got[0][1], [3.0, 0.0, 0.0])
    np.testing.assert_array_equal(got[2][0], [INF, INF, INF])
    assert np.isnan(got[2][1][:2]).all() and got[2][1][2] == 0.0
    assert np.isnan(got[3][1][:2]).all() and got[3][1][2] == 1.0
    np.testing.assert_array_equal(got[3][0], [-INF, -INF, 1.0])
    # a finite row's second derivative is untouched by the split (against 2-D, dim -1, padding)
    x2 = mt.tensor([[0.5, -INF, 1.0], [2.0, 0.0, -INF]], dtype=mt.float64, requires_grad=True)
    (g,) = mt.autograd.grad(x2.logcumsumexp(-1).sum(), x2, create_graph=True)
    (h,) = mt.autograd.grad((g * g).sum(), x2)
    assert np.isfinite(h.numpy()).all() and h.numpy()[0, 1] == 0.0 and h.numpy()[1, 2] == 0.0


def test_logcumsumexp_at_infinities_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for (v1, g1), (v2, g2) in zip(_logcumsumexp_grads(mt), _logcumsumexp_grads(torch)):
        np.testing.assert_allclose(v1, v2, rtol=1e-15)
        np.testing.assert_allclose(g1, g2, rtol=1e-14)


def _pools_with_nans(lib: object) -> list[tuple[np.ndarray, np.ndarray]]:
    F = lib.nn.functional  # type: ignore[attr-defined]
    nan = np.nan
    row = [[[1.0, nan, nan, 2.0, nan, 0.0, nan, nan]]]
    result = []
    for pool, kwargs in [
        (F.max_pool1d, {"kernel_size": 4}),
        (F.max_pool1d, {"kernel_size": 3, "stride": 1, "padding": 1}),
        (F.adaptive_max_pool1d, {"output_size": 3}),
    ]:
        x = lib.tensor(row, dtype=lib.float64, requires_grad=True)  # type: ignore[attr-defined]
        y = pool(x, **kwargs)
        (y * lib.arange(1, y.shape[-1] + 1, dtype=lib.float64)).sum().backward()  # type: ignore[attr-defined]
        result.append((y.detach().numpy().ravel(), x.grad.numpy().ravel()))
    return result


def test_max_pool_sends_a_windows_gradient_to_its_last_nan() -> None:
    (y4, g4), (y3, g3), (ya, ga) = _pools_with_nans(mt)
    assert np.isnan(y4).all() and np.isnan(y3).all() and np.isnan(ya).all()
    np.testing.assert_array_equal(g4, [0, 0, 1, 0, 0, 0, 0, 2])  # windows [1 n n 2], [n 0 n n]: last NaNs 2, 7
    # padded windows of 3, stride 1, weights 1..8: last NaNs at 1, 2, 2, 4, 4, 6, 7, 7
    np.testing.assert_array_equal(g3, [0, 1, 2 + 3, 0, 4 + 5, 0, 6, 7 + 8])
    np.testing.assert_array_equal(ga, [0, 0, 1, 0, 2, 0, 0, 3])  # cells [0, 3), [2, 6), [5, 8)


def test_max_pool_with_nans_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for (y1, g1), (y2, g2) in zip(_pools_with_nans(mt), _pools_with_nans(torch)):
        np.testing.assert_array_equal(y1, y2)
        np.testing.assert_array_equal(g1, g2)


def test_trapezoid_of_integers_does_not_wrap_around() -> None:
    # closed form: (100 + 120) / 2 + (120 + 127) / 2 = 233.5 (int8 sums wrapped: -22.5)
    y = mt.tensor(np.array([100, 120, 127], dtype=np.int8))
    assert mt.trapezoid(y).item() == 233.5 and mt.trapezoid(y).dtype == mt.float32
    np.testing.assert_array_equal(mt.cumulative_trapezoid(y, dx=2).numpy(), [220.0, 467.0])
    u = mt.tensor(np.array([250, 255, 7], dtype=np.uint8))
    x = mt.tensor(np.array([0, 1, 3], dtype=np.uint8))
    assert mt.trapezoid(u, x).item() == (250 + 255) / 2 + (255 + 7)  # 514.5 (widths 1, 2)
    big = mt.tensor(np.array([2**31 - 5, 2**31 - 1], dtype=np.int32))
    assert mt.trapz(big).item() == np.float32(2**31 - 3)


@pytest.mark.parametrize(
    ("scale", "dtype"), [(1e200, "float64"), (1e-200, "float64"), (1e20, "float32"), (1e-23, "float32")]
)
def test_p_norms_whose_power_sums_overflow_or_underflow_are_rescaled(scale: float, dtype: str) -> None:
    x = mt.tensor([3 * scale, 4 * scale, 0.0], dtype=getattr(mt, dtype), requires_grad=True)
    rtol = 1e-12 if dtype == "float64" else 1e-6
    for p in (2, 3):
        (g,) = mt.autograd.grad(x.norm(p), x)
        # closed forms: (3**p + 4**p)**(1/p) s; gradient sign(x) (|x| / norm)**(p - 1)
        expected = (3.0**p + 4.0**p) ** (1 / p)
        np.testing.assert_allclose(x.norm(p).item(), expected * scale, rtol=rtol)
        np.testing.assert_allclose(g.numpy(), (np.array([3, 4, 0]) / expected) ** (p - 1), rtol=rtol)
    if scale > 1:  # (below their eps, normalize and cosine_similarity divide by the eps, as PyTorch's)
        np.testing.assert_allclose(mt.nn.functional.normalize(x, dim=0).detach().numpy(), [0.6, 0.8, 0.0], rtol=rtol)
        y = mt.tensor([scale, scale, 0.0], dtype=getattr(mt, dtype))
        cos = mt.nn.functional.cosine_similarity(x, y, dim=0).item()
        np.testing.assert_allclose(cos, 7 / (5 * np.sqrt(2)), rtol=rtol)  # (it was NaN; PyTorch's is 0)
    if dtype == "float64":  # the Hessian (I - u u^T) / |x| at a huge or tiny x, u = x / |x|
        (g,) = mt.autograd.grad(x.norm(), x, create_graph=True)
        (h,) = mt.autograd.grad(g[0], x)
        np.testing.assert_allclose(h.numpy(), np.array([1 - 0.36, -0.48, 0.0]) / (5 * scale), rtol=1e-12)


def test_clip_grad_norm_of_float32_gradients_past_the_squares_range() -> None:
    for scale in (1e19, 1e-23):
        p = mt.nn.Parameter(mt.tensor([1.0, 1.0]))
        p.grad = mt.tensor([3 * scale, 4 * scale])
        total = mt.nn.utils.clip_grad_norm_([p], 1.0)
        np.testing.assert_allclose(total.item(), 5 * scale, rtol=1e-6)  # it was inf (then the gradient 0) or off
        expected = [0.6, 0.8] if scale > 1 else [3 * scale, 4 * scale]
        np.testing.assert_allclose(p.grad.numpy(), expected, rtol=1e-6)


def test_logaddexp_and_logcumsumexp_have_the_softmax_hessian_at_ties() -> None:
    # closed form: d2/da2 logaddexp(a, b) = p (1 - p), p = e**a / (e**a + e**b): 1/4 at a = b (it was 0)
    a = mt.tensor([0.5, 0.5, 1e300], dtype=mt.float64, requires_grad=True)
    b = mt.tensor([0.5, 2.0, 1e300], dtype=mt.float64, requires_grad=True)
    y = mt.logaddexp(a, b)
    ga, _ = mt.autograd.grad(y.sum(), (a, b), create_graph=True)
    haa, hab = mt.autograd.grad(ga.sum(), (a, b))
    p = 1 / (1 + np.exp(1.5))
    np.testing.assert_allclose(ga.detach().numpy(), [0.5, p, 0.5], rtol=1e-15)  # (1 at 1e300: e**(a - y))
    np.testing.assert_allclose(haa.numpy(), [0.25, p * (1 - p), 0.25], rtol=1e-14)
    np.testing.assert_allclose(hab.numpy(), [-0.25, -p * (1 - p), -0.25], rtol=1e-14)
    assert mt.logaddexp(mt.tensor(0.0, dtype=mt.float64), mt.tensor(-40.0, dtype=mt.float64)).item() == np.logaddexp(
        0, -40
    )
    # logcumsumexp of [0, 0]: y1 = log 2 + 0, its Hessian [[1/4, -1/4], [-1/4, 1/4]]
    x = mt.tensor([0.0, 0.0], dtype=mt.float64, requires_grad=True)
    (g,) = mt.autograd.grad(x.logcumsumexp(0)[1], x, create_graph=True)
    (h,) = mt.autograd.grad(g[0], x)
    np.testing.assert_allclose(h.numpy(), [0.25, -0.25], rtol=1e-15)


def test_logsumexp_gradient_sums_to_one_where_the_result_is_large() -> None:
    for values, dtype in [([1e7, 1e7], "float32"), ([3e7, 3e7, 3e7], "float32"), ([1e300, 1e300], "float64")]:
        x = mt.tensor(values, dtype=getattr(mt, dtype), requires_grad=True)
        (g,) = mt.autograd.grad(x.logsumexp(0), x, create_graph=True)
        n = len(values)
        np.testing.assert_allclose(g.detach().numpy(), np.full(n, 1 / n), rtol=1e-6)  # (0.368, 0.135, 1 before)
        (h,) = mt.autograd.grad(g[0], x)
        np.testing.assert_allclose(h.numpy(), [(n - 1) / n**2] + [-1 / n**2] * (n - 1), rtol=1e-6)


def test_logsumexp_gradient_of_a_slice_does_not_depend_on_the_other_slices() -> None:
    """A large result in one row (1e30) divided every row's weights by their sum: a row holding +inf
    (sum NaN) got NaN for its finite elements too, where alone (and in PyTorch) they have 0."""
    rows = [[np.inf, 0.0, 0.0], [1e30, -1e30, 0.0], [0.0, 1.0, -np.inf], [np.inf, np.inf, 0.0]]
    x = mt.tensor(rows, dtype=mt.float64, requires_grad=True)
    (g,) = mt.autograd.grad(x.logsumexp(1).sum(), x, create_graph=True)
    for row, got in zip(rows, g.detach().numpy()):
        alone = mt.tensor([row], dtype=mt.float64, requires_grad=True)
        alone.logsumexp(1).backward()
        np.testing.assert_array_equal(got, alone.grad.numpy()[0])
    np.testing.assert_array_equal(g.detach().numpy()[0], [np.nan, 0.0, 0.0])
    np.testing.assert_allclose(g.detach().numpy()[2], [1 / (1 + np.e), np.e / (1 + np.e), 0.0], rtol=1e-15)
    _, tangent = mt.func.jvp(lambda t: t.logsumexp(1), (x.detach(),), (mt.ones(4, 3, dtype=mt.float64),))
    np.testing.assert_array_equal(tangent.numpy()[:3], [np.nan, 1.0, 1.0])  # (the same weights: NaN, 1, 1 before)


def test_logaddexp_and_logsumexp_at_ties_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    results = []
    for lib in (mt, torch):
        x = lib.tensor([0.5, 0.5, -1.0, 2.0, 2.0], dtype=lib.float64, requires_grad=True)
        y = lib.logaddexp(x[:3], x[1:4]).sum() + x.logcumsumexp(0).sum() * 0.5
        (g,) = lib.autograd.grad(y, x, create_graph=True)
        (h,) = lib.autograd.grad((g * lib.arange(1.0, 6.0, dtype=lib.float64)).sum(), x)
        results.append((g.detach().numpy(), h.numpy()))
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_clamp_of_unsigned_integers_compares_a_negative_bound_as_a_number() -> None:
    u = mt.tensor(np.array([0, 1, 5, 200], dtype=np.uint8))
    assert mt.clamp(u, -3, 4).tolist() == [0, 1, 4, 4]  # (PyTorch wraps -3 to 253: [4, 4, 4, 4])
    assert mt.clamp(u, min=-1).tolist() == [0, 1, 5, 200] and mt.clamp(u, -3, 4).dtype == mt.uint8


@pytest.mark.parametrize("p", [1.5, 0.5])
def test_p_norm_hessian_at_a_zero_element_stays_finite_elsewhere(p: float) -> None:
    x = mt.tensor([0.0, 3.0, 4.0], dtype=mt.float64, requires_grad=True)
    (g,) = mt.autograd.grad(x.norm(p), x, create_graph=True)
    v = np.array([1.0, 2.0, 3.0])
    (hv,) = mt.autograd.grad((g * mt.tensor(v)).sum(), x)
    # closed form for the nonzero elements: H_ij = (p - 1) (|x_i|**(p-2) y**(1-p) [i = j]
    #   - |x_i|**(p-1) |x_j|**(p-1) y**(1-2p)), and H_i0 = 0 (x_0 = 0 has no slope)
    a = np.array([3.0, 4.0])
    y = np.sum(a**p) ** (1 / p)
    h = (p - 1) * (np.diag(a ** (p - 2)) * y ** (1 - p) - np.outer(a ** (p - 1), a ** (p - 1)) * y ** (1 - 2 * p))
    np.testing.assert_allclose(hv.numpy()[1:], h @ v[1:], rtol=1e-12)  # (NaN for all three before)
    assert np.isnan(hv.numpy()[0]) if p > 1 else hv.numpy()[0] == 0.0  # (inf there; p < 1: the subgradient 0)


def test_float16_sinc_is_computed_in_float32() -> None:
    x = mt.tensor(np.array([1.0, 2.0, 0.5, 30000.0, 65504.0, 3.5], np.float16), requires_grad=True)
    y = mt.sinc(x)
    y.sum().backward()
    assert y.dtype == mt.float16 and x.grad.dtype == mt.float16
    # closed forms: 0 at the integers (it was 3e-4 at 1 and 2, NaN from pi x = inf past 20851), 2 / pi at 0.5
    np.testing.assert_array_equal(y.detach().numpy()[[0, 1, 3, 4]], 0.0)
    assert y.detach().numpy()[2] == np.float16(2 / np.pi)
    # the slope cos(pi x) / x - sin(pi x) / (pi x**2): 1 / 65504 there, 1 / (pi 3.5**2) at 3.5
    np.testing.assert_allclose(x.grad.numpy()[[4, 5]].astype(np.float64), [1 / 65504, 1 / (np.pi * 12.25)], rtol=2e-3)


def test_hypot_and_logaddexp2_of_float16_are_computed_in_float32() -> None:
    a = mt.tensor(np.array([6e-8, 6e-8, 1e-3], np.float16), requires_grad=True)
    b = mt.tensor(np.array([0.0, 0.01, 0.0], np.float16), requires_grad=True)
    y = mt.hypot(a, b)
    y.sum().backward()
    assert y.dtype == mt.float16 and a.grad.dtype == mt.float16
    # closed form a / hypot(a, b): 1, 6e-8 / 0.01, 1 (the halved slope of 6e-8 underflowed: 0, 0, 1)
    np.testing.assert_allclose(a.grad.numpy().astype(np.float64), [1.0, 5.96e-6, 1.0], rtol=2e-3)
    np.testing.assert_array_equal(b.grad.numpy(), [0.0, 1.0, 0.0])
    half = mt.tensor(np.float16(-1.0))
    assert mt.logaddexp2(half, half).item() == 0.0  # log2(2**-1 + 2**-1) (it was -3.1e-4)


def test_lerp_where_end_minus_start_overflows() -> None:
    for big, dtype in [(6e4, "float16"), (3e38, "float32"), (1e308, "float64")]:
        start = mt.tensor([big, -big, 1.0], dtype=getattr(mt, dtype), requires_grad=True)
        out = mt.lerp(start, -start, 0.3)  # closed form (1 - 2 w) start: 0.4 start (it was -inf, inf)
        np.testing.assert_allclose(out.detach().numpy().astype(np.float64), [0.4 * big, -0.4 * big, 0.4], rtol=2e-3)
        out.sum().backward()
        np.testing.assert_allclose(start.grad.numpy().astype(np.float64), [0.4] * 3, rtol=2e-3)


def test_lerp_where_end_minus_start_overflows_keeps_the_weights_gradient() -> None:
    # d lerp / d w = end - start: -2e308 overflows to -inf (PyTorch 2.13's); the gradient through the
    # form not chosen there, 0 * (end - start) = 0 * inf, made it NaN, for a scalar weight too
    start = mt.tensor([1e308, 1.0, 2.0], dtype=mt.float64, requires_grad=True)
    end = mt.tensor([-1e308, 3.0, np.inf], dtype=mt.float64)
    w = mt.tensor([0.3, 0.5, 0.0], dtype=mt.float64, requires_grad=True)
    mt.lerp(start, end, w).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [-np.inf, 2.0, np.inf])
    np.testing.assert_array_equal(start.grad.numpy(), [0.7, 0.5, 1.0])
    scalar = mt.tensor(0.3, dtype=mt.float64, requires_grad=True)
    mt.lerp(start.detach()[:2], end[:2], scalar).sum().backward()
    assert scalar.grad.item() == -np.inf


def test_logit_slope_at_negative_zero_is_plus_inf() -> None:
    for dtype in ("float16", "float32", "float64"):
        x = mt.tensor([-0.0, 0.0, 0.5], dtype=getattr(mt, dtype), requires_grad=True)
        y = mt.logit(x)
        y.sum().backward()
        # closed form 1 / (p (1 - p)): +inf at p = 0 whatever its sign (it was -inf at -0.0), 4 at 1/2
        np.testing.assert_array_equal(x.grad.numpy(), [np.inf, np.inf, 4.0])
        np.testing.assert_array_equal(y.detach().numpy(), [-np.inf, -np.inf, 0.0])


def test_division_gradient_in_the_divisor_at_a_zero_numerator_and_a_tiny_divisor() -> None:
    # closed form -a / b**2: 0 for a = 0 whatever b (g / b overflowed to inf, times a = 0: NaN)
    for dtype, tiny in [("float16", 1e-5), ("float32", 1e-39), ("float64", 1e-310)]:
        a = mt.tensor([0.0, 1.0, 200.0], dtype=getattr(mt, dtype), requires_grad=True)
        b = mt.tensor([tiny, 2.0, 300.0], dtype=getattr(mt, dtype), requires_grad=True)
        (a / b).sum().backward()
        np.testing.assert_allclose(b.grad.numpy().astype(np.float64), [0.0, -0.25, -200 / 300**2], rtol=1e-3)
        (jvp,) = mt.func.jvp(lambda d: a.detach() / d, (b.detach(),), (mt.ones_like(b),))[1:]
        np.testing.assert_allclose(jvp.numpy().astype(np.float64), [0.0, -0.25, -200 / 300**2], rtol=1e-3)


def test_float16_sinh_and_cosh_slopes_are_rounded_once() -> None:
    x = mt.tensor(np.array([11.0, -11.5, 0.5], np.float16), requires_grad=True)
    mt.sinh(x).sum().backward()
    # the slope cosh(x), computed in float32 and rounded to float16 once (29872 at 11: 4 ulps low)
    np.testing.assert_array_equal(x.grad.numpy(), np.cosh(np.float32(x.detach().numpy())).astype(np.float16))
    y = mt.tensor(np.array([11.0, -11.5, 0.5], np.float16), requires_grad=True)
    mt.cosh(y).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), np.sinh(np.float32(y.detach().numpy())).astype(np.float16))

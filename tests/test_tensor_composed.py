"""Functions composed of kernels (mytorch/tensor_composed.py): values and gradients against PyTorch
(skipped without it), NumPy's versions under hypothesis, and closed forms."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from torch_compare import assert_like_torch

import mytorch as mt

X = np.array([[0.3, -1.2, 2.0, 0.0], [1.5, 0.7, -0.4, 2.5], [-2.0, 0.1, 0.9, -0.6]])
CALLS = {
    "asinh": lambda L, t: L.asinh(t * 3) + L.asinh(t * 1e-9) * 1e9,
    "acosh": lambda L, t: (t.abs() + 1.5).acosh(),
    "atanh": lambda L, t: L.atanh(t * 0.4) + L.arctanh(t * 1e-9) * 1e9,
    "log2": lambda L, t: L.log2(t.abs() + 1),
    "log10": lambda L, t: (t.abs() + 1).log10(),
    "exp2": lambda L, t: L.exp2(t),
    "sinh": lambda L, t: L.sinh(t),
    "cosh": lambda L, t: t.cosh(),
    "tan": lambda L, t: L.tan(t * 0.5),
    "logit": lambda L, t: L.logit(t.abs() / 3 + 0.05),
    "logit eps": lambda L, t: L.logit(t.abs() / 2, eps=0.1),
    "xlogy": lambda L, t: L.xlogy(t, t.abs() + 0.5),
    "xlogy0": lambda L, t: L.xlogy(t * 0, t.abs() + 0.5),
    "logaddexp": lambda L, t: L.logaddexp(t, t.flip(0)),
    "logaddexp tie": lambda L, t: L.logaddexp(t, t),
    "logaddexp2": lambda L, t: L.logaddexp2(t, t * 2),
    "hypot": lambda L, t: L.hypot(t, t.flip(1) + 0.1),
    "deg2rad": lambda L, t: L.deg2rad(t),
    "rad2deg": lambda L, t: t.rad2deg(),
    "copysign": lambda L, t: L.copysign(t, t.flip(0)),
    "copysign num": lambda L, t: L.copysign(t, -1.0),
    "fmax": lambda L, t: L.fmax(t, t.flip(0)),
    "fmin": lambda L, t: L.fmin(t, t * 0),
    "float_power": lambda L, t: L.float_power(t.abs() + 1, 2.5),
    "positive": lambda L, t: L.positive(t) * 1,
    "negative": lambda L, t: L.negative(t),
    "absolute": lambda L, t: L.absolute(t),
    "fix": lambda L, t: L.fix(t * 3),
    "sgn": lambda L, t: L.sgn(t) * t,
    "addmm": lambda L, t: L.addmm(t[:, :3], t, t.T[:, :3], beta=0.5, alpha=2.0),
    "addmm beta0": lambda L, t: L.addmm(t[:, :3], t, t.T[:, :3], beta=0),
    "addmv": lambda L, t: L.addmv(t[:, 0], t, t[0]),
    "baddbmm": lambda L, t: L.baddbmm(t[None, :, :3], t[None], t.T[None, :, :3]),
    "addbmm": lambda L, t: L.addbmm(t[:, :3], t.reshape(1, 3, 4).expand(2, 3, 4), t.T.reshape(1, 4, 3).expand(2, 4, 3)),
    "tensordot": lambda L, t: L.tensordot(t, t, dims=([1], [1])),
    "tensordot 2": lambda L, t: L.tensordot(t.reshape(3, 2, 2), t.reshape(2, 2, 3), 2),
    "inner": lambda L, t: L.inner(t, t),
    "kron": lambda L, t: L.kron(t[:2, :2], t[1:, 2:]),
    "kron 1d3d": lambda L, t: L.kron(t[0], t.reshape(3, 2, 2)),
    "matrix_power": lambda L, t: L.matrix_power(t[:, :3], 5),
    "matrix_power 0": lambda L, t: L.matrix_power(t[:, :3], 0) + t[:, :3],
    "matrix_power -3": lambda L, t: L.matrix_power(t[:, :3], -3),
    "cummax": lambda L, t: L.cummax(t, 1)[0],
    "cummin": lambda L, t: t.cummin(0).values,
    "cummax ties": lambda L, t: L.cummax(t.round(), 1).values,
    "nansum": lambda L, t: L.nansum(L.where(t > 1.4, L.log(t - 5), t), 1),
    "nanmean": lambda L, t: L.nanmean(L.where(t > 1.4, L.log(t - 5), t), 0),
    "diff": lambda L, t: L.diff(t),
    "diff n2 dim0 prepend": lambda L, t: L.diff(t, 2, 0, prepend=t[:1]),
    "dist": lambda L, t: L.dist(t, t.flip(0) * 2),
    "dist p1": lambda L, t: L.dist(t, t * 0, 1),
}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_against_pytorch():
    torch = pytest.importorskip("torch")
    assert_like_torch(torch, X, list(CALLS.values()), rtol=1e-10, atol=1e-12)  # ("call k": the k-th of CALLS)


def test_constants_against_pytorch():
    torch = pytest.importorskip("torch")
    x = np.array([[1.0, 3.0, 2.0, 3.0, np.nan, 1.0]])
    results = []
    for lib in (mt, torch):
        a, b = lib.tensor([1.0, 0.0, -2.0]), lib.tensor([0.0, 0.0, 3.0])
        results.append(
            [
                lib.cummax(lib.tensor(x), 1).indices.tolist(),
                lib.cummin(lib.tensor(x), 1).indices.tolist(),
                lib.logical_and(a, b).tolist(),
                lib.logical_or(a, b).tolist(),
                lib.logical_xor(a, b).tolist(),
                lib.logical_not(a).tolist(),
                lib.isneginf(lib.tensor([-np.inf, np.inf])).tolist(),
                lib.isposinf(lib.tensor([-np.inf, np.inf])).tolist(),
                lib.signbit(lib.tensor([-0.0, 1.0])).tolist(),
                lib.isin(lib.tensor([1, 2, 3]), lib.tensor([2])).tolist(),
                lib.tensor([2.0]).is_nonzero(),
                lib.isreal(a).tolist(),
                lib.greater_equal(a, 0).tolist(),
                lib.logaddexp(lib.tensor([-np.inf, np.inf, 0.0]), lib.tensor([-np.inf, np.inf, -np.inf])).tolist(),
                lib.xlogy(lib.tensor([0.0, 0.0, 1.0]), lib.tensor([0.0, np.nan, 0.0])).tolist(),
                str(lib.log2(lib.tensor([8])).dtype).split(".")[-1],
            ]
        )
    assert repr(results[0]) == repr(results[1])


FLOATS = hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), elements=st.floats(-30, 30))


@settings(max_examples=20, deadline=None)
@given(a=FLOATS, b=FLOATS)
def test_like_numpy(a, b):
    np.testing.assert_allclose(
        mt.logaddexp(mt.tensor(a), mt.tensor(a[::-1])).numpy(), np.logaddexp(a, a[::-1]), rtol=1e-13
    )
    np.testing.assert_allclose(mt.kron(mt.tensor(a), mt.tensor(b)).numpy(), np.kron(a, b), rtol=1e-13)
    np.testing.assert_array_equal(mt.cummax(mt.tensor(a), -1).values.numpy(), np.maximum.accumulate(a, -1))
    np.testing.assert_allclose(
        mt.tensordot(mt.tensor(a), mt.tensor(a), a.ndim).numpy(), np.tensordot(a, a, a.ndim), rtol=1e-12
    )
    np.testing.assert_allclose(mt.diff(mt.tensor(a), dim=0).numpy(), np.diff(a, axis=0))


def test_closed_forms_and_errors():
    x = mt.tensor([0.5, -1.0], dtype=mt.float64, requires_grad=True)
    mt.cummax(x, 0).values.sum().backward()
    assert x.grad.tolist() == [2.0, 0.0]  # both running maxima are x[0]
    assert mt.matrix_power(mt.tensor([[1.0, 1.0], [0.0, 1.0]]), 5).tolist() == [[1.0, 5.0], [0.0, 1.0]]
    assert mt.nanmean(mt.tensor([1.0, float("nan"), 3.0])).item() == 2.0
    np.testing.assert_allclose(mt.matrix_power(mt.tensor([[1.0, 1.0], [0.0, 1.0]]), -3).numpy(), [[1, -3], [0, 1]])
    with pytest.raises(RuntimeError, match="singular"):
        mt.matrix_power(mt.zeros(2, 2), -1)
    with pytest.raises(RuntimeError, match="one element"):
        mt.ones(2).is_nonzero()


@pytest.mark.parametrize("dtype", [mt.float32, mt.float64])
def test_exp2_exact_at_integers(dtype):
    # exp(x ln 2) gave exp2(3) = 7.999999999999998 and a finite exp2(1024)
    k = np.arange(-30, 31)
    assert mt.exp2(mt.tensor(k, dtype=dtype)).tolist() == (2.0**k).tolist()
    assert mt.exp2(mt.tensor([1024.0], dtype=mt.float64)).tolist() == [np.inf]
    x = mt.tensor([8.0, 1000.0], dtype=mt.float64, requires_grad=True)
    mt.exp2(x / 100).sum().backward()
    v = np.array([8.0, 1000.0])
    np.testing.assert_allclose(x.grad.numpy(), 2 ** (v / 100) * np.log(2) / 100, rtol=1e-14)


def test_log2_is_replayed():
    # a value correction (a constant made from the data each step) made such a step unreplayable
    from mytorch.replay import Replay

    mt.manual_seed(0)
    model = mt.nn.Linear(4, 3)
    opt = mt.optim.SGD(model.parameters(), lr=0.1)

    def step(x):
        opt.zero_grad()
        loss = (mt.log2(model(x).abs() + 1) + mt.log10(model(x).abs() + 2)).sum()
        loss.backward()
        opt.step()
        return loss

    replay = Replay(step, optimizer=opt)
    rng = np.random.default_rng(0)
    for _ in range(4):
        replay(mt.tensor(rng.standard_normal((5, 4)), dtype=mt.float32))


@pytest.mark.parametrize("dtype", [mt.float16, mt.float32, mt.float64])
def test_log2_and_log10_are_exact_at_powers_of_their_base(dtype):
    # log(x) / ln 2 gave log2(8) = 2.9999999999999996 (int() of it: 2); NumPy's float32
    # log10(1000) is 3.0000002. Closed form: the exponent itself, in every dtype.
    k = np.arange(-8, 9) if dtype != mt.float16 else np.arange(-4, 5)
    for base, function, method in ((2.0, mt.log2, "log2"), (10.0, mt.log10, "log10")):
        x = mt.tensor(base**k, dtype=dtype, requires_grad=True)
        y = function(x)
        np.testing.assert_array_equal(y.detach().numpy(), k)
        np.testing.assert_array_equal(getattr(x, method)().detach().numpy(), y.detach().numpy())
        assert y.dtype == dtype
        y.sum().backward()
        rtol = 2e-3 if dtype == mt.float16 else 1e-6
        np.testing.assert_allclose(x.grad.numpy(), 1 / (base**k * np.log(base)), rtol=rtol)


def test_hypot_far_from_one():
    # sqrt(a*a + b*b) overflowed (hypot(1e200, 2e200) was inf, its gradient 0) and underflowed (0, gradient inf)
    for scale in (1e200, 1e-200, 1.0):
        a = mt.tensor([1.0 * scale, 3.0 * scale], dtype=mt.float64, requires_grad=True)
        b = mt.tensor([2.0 * scale, 4.0 * scale], dtype=mt.float64, requires_grad=True)
        r = mt.hypot(a, b)
        np.testing.assert_allclose(r.numpy(), np.hypot([1.0 * scale, 3 * scale], [2.0 * scale, 4 * scale]), rtol=1e-15)
        r.sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), [1 / 5**0.5, 3 / 5], rtol=1e-15)
        np.testing.assert_allclose(b.grad.numpy(), [2 / 5**0.5, 4 / 5], rtol=1e-15)
    assert mt.hypot(mt.tensor([3e30, 0.0]), mt.tensor([4e30, 0.0])).tolist() == [pytest.approx(5e30, rel=1e-6), 0.0]


def test_matrix_power_zero_and_bool_diff():
    # matrix_power(x, 0) of an x requiring grad did not require grad (backward raised; PyTorch: gradient 0);
    # diff of bools raised NumPy's TypeError (PyTorch: where neighbours differ)
    x = mt.tensor([[1.0, np.inf], [2.0, 3.0]], dtype=mt.float64, requires_grad=True)
    power = mt.matrix_power(x, 0)
    assert power.tolist() == [[1.0, 0.0], [0.0, 1.0]] and power.requires_grad
    power.sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0], [0.0, 0.0]]
    flags = mt.tensor([True, False, True, True])
    assert mt.diff(flags).tolist() == [True, True, False] and mt.diff(flags, 2).tolist() == [False, True]


def test_cosh_sinh_finite_up_to_their_overflow():
    # exp(x) overflows at 709.78, cosh and sinh only at 710.48: (exp(x) + exp(-x)) / 2 was inf there
    v = np.array([710.0, -710.4, 709.0, 0.5, -3.0, 0.0, 800.0])
    for f, slope in ((mt.cosh, np.sinh), (mt.sinh, np.cosh)):
        x = mt.tensor(v, dtype=mt.float64, requires_grad=True)
        y = f(x)
        y.sum().backward()
        with np.errstate(over="ignore"):
            np.testing.assert_array_equal(y.detach().numpy(), getattr(np, f.__name__)(v))
            np.testing.assert_allclose(x.grad.numpy(), slope(v), rtol=1e-13)


@pytest.mark.parametrize(
    ("a", "b", "dtype"),
    [
        (np.array([1.0, 2.0], np.float16), np.array([1, 2], np.uint8), np.float16),
        (np.array([1, 2], np.uint8), np.array([1.0, 2.0], np.float16), np.float16),
        (np.array([1.0, 2.0], np.float32), np.array([[1.0], [3.0]]), np.float64),
        (np.array(3), -2.5, np.float32),
        (np.array([1, 2]), np.array([3, 4], np.int32), np.float32),
    ],
)
@pytest.mark.parametrize("name", ["xlogy", "logaddexp", "logaddexp2", "hypot", "copysign"])
def test_binary_float_functions_take_pytorchs_promoted_dtype(name, a, b, dtype):
    """Each operand was made float on its own: float16 beside uint8 came back float32, copysign
    kept float32 beside float64, and an integer tensor beside a Python float gave float64."""
    x = mt.tensor(a)
    y = mt.tensor(b) if isinstance(b, np.ndarray) else b
    out = getattr(mt, name)(x, y)
    assert out.dtype == np.dtype(dtype)
    wide_a, wide_b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    closed = {
        "xlogy": lambda: wide_a * np.log(wide_b),
        "logaddexp": lambda: np.logaddexp(wide_a, wide_b),
        "logaddexp2": lambda: np.logaddexp2(wide_a, wide_b),
        "hypot": lambda: np.hypot(wide_a, wide_b),
        "copysign": lambda: np.copysign(wide_a, wide_b),
    }[name]()
    np.testing.assert_allclose(out.numpy().astype(np.float64), closed, rtol=2e-3)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_asinh_and_acosh_of_large_values_are_log_2x(dtype):
    """Their squares overflowed: asinh(-1e30) was NaN and acosh(1e30) inf in float32. acosh below 1
    is NaN: acosh(-1e30) was 0 in float64 (a product of two negative factors)."""
    big = float(np.finfo(dtype).max)
    values = np.array([3e4, big / 2, big], dtype)
    x = mt.tensor(values, requires_grad=True)
    expected = np.log(values.astype(np.float64)) + np.log(2.0)
    for name in ("asinh", "acosh"):
        np.testing.assert_allclose(getattr(mt, name)(x).detach().numpy(), expected, rtol=2e-3)
    np.testing.assert_allclose(mt.asinh(-x).detach().numpy(), -expected, rtol=2e-3)
    mt.acosh(x).sum().backward()  # 1 / sqrt(x^2 - 1), that is 1 / x here
    np.testing.assert_allclose(x.grad.numpy().astype(np.float64), 1 / values.astype(np.float64), rtol=2e-3)
    below = mt.tensor(np.array([-big, -3e4, -3.0, 0.5], dtype))
    assert np.isnan(mt.acosh(below).numpy()).all()
    near_one = mt.acosh(mt.tensor(np.array([1.0, 2.0], dtype))).numpy()
    np.testing.assert_allclose(near_one, [0.0, np.arccosh(2.0)], rtol=1e-3)


def test_diff_refuses_a_negative_order():
    """diff(x, -1) returned x unchanged (PyTorch: RuntimeError)."""
    with pytest.raises(RuntimeError, match="non-negative"):
        mt.diff(mt.tensor([1.0, 2.0, 4.0]), -1)
    assert mt.diff(mt.tensor([1.0, 2.0, 4.0]), 0).tolist() == [1.0, 2.0, 4.0]


def test_cummax_and_cummin_of_a_0_d_tensor_keep_its_dtype_and_check_dim():
    """A 0-d bool came back int64 (x * 1), and any dim was taken (PyTorch: 0 or -1)."""
    for name in ("cummax", "cummin"):
        values, indices = getattr(mt.tensor(True), name)(0)
        assert values.dtype == np.bool_ and values.item() is True and indices.item() == 0
        assert getattr(mt.tensor(5, dtype=mt.int32), name)(-1).values.dtype == np.int32
        with pytest.raises(IndexError):
            getattr(mt.tensor(2.0), name)(2)


def _value_and_grad(f, data, dtype=np.float64):
    x = mt.tensor(np.array(data, dtype=dtype), requires_grad=True)
    y = f(x)
    y.sum().backward()
    return y.detach().numpy(), x.grad.numpy()


def test_logit_at_its_edges_has_pytorchs_values_and_gradients():
    """eps > 0.5 clamps by PyTorch's rule (eps where p < eps, else 1 - eps), a constant: for eps 0.7
    every value was logit(0.3) = -0.847 (np.clip with min > max gives max); PyTorch's is +0.847
    for p < 0.7. Without eps (or with eps < 0, which PyTorch ignores) the gradient is NaN where p is
    outside [0, 1] (it was 1 / (p (1 - p)), finite); with eps a NaN p has a NaN gradient (it was 0)."""
    p = [0.1, 0.4, 0.6, 0.9, np.nan, 0.0, 1.0, -0.5, 1.5]
    value, grad = _value_and_grad(lambda x: mt.logit(x, 0.7), p)
    up, down = np.log(0.7 / 0.3), np.log(0.3 / 0.7)
    np.testing.assert_allclose(value, [up, up, up, down, np.nan, up, down, up, down])
    np.testing.assert_array_equal(grad, [0, 0, 0, 0, np.nan, 0, 0, 0, 0])
    value, grad = _value_and_grad(lambda x: mt.logit(x, 1.0), [0.5, 1.0, 2.0])
    np.testing.assert_array_equal(value, [np.inf, -np.inf, -np.inf])
    np.testing.assert_array_equal(grad, [0, 0, 0])
    for eps in (None, -0.1):
        value, grad = _value_and_grad(lambda x, eps=eps: mt.logit(x, eps), [0.25, -0.5, 1.5, 0.0, np.nan])
        np.testing.assert_allclose(value, [np.log(1 / 3), np.nan, np.nan, -np.inf, np.nan])
        np.testing.assert_allclose(grad, [1 / (0.25 * 0.75), np.nan, np.nan, np.inf, np.nan])
    value, grad = _value_and_grad(lambda x: mt.logit(x, 0.2), [0.5, np.nan, 0.1])
    np.testing.assert_allclose(grad, [4.0, np.nan, 0.0])


def test_logit_edges_match_torch():
    torch = pytest.importorskip("torch")
    p = [0.1, 0.4, 0.5, 0.6, 0.9, np.nan, 0.0, 1.0, -0.5, 1.5]
    for eps in (None, -0.1, 0.0, 0.2, 0.5, 0.7, 1.0, 1.5):
        for dtype in (np.float32, np.float64):
            value, grad = _value_and_grad(lambda x, eps=eps: mt.logit(x, eps), p, dtype)
            t = torch.tensor(np.array(p, dtype=dtype), requires_grad=True)
            torch.logit(t, eps).sum().backward()
            np.testing.assert_allclose(value, torch.logit(t, eps).detach().numpy(), rtol=1e-6, err_msg=str(eps))
            np.testing.assert_allclose(grad, t.grad.numpy(), rtol=1e-6, err_msg=str(eps))


def test_copysign_gives_the_sign_operand_a_zero_gradient():
    """PyTorch's gradient of copysign in its second operand is zeros; MyTorch's was None."""
    a = mt.tensor([[1.0, -2.0, 3.0]], requires_grad=True)
    b = mt.tensor([[-1.0], [2.0]], requires_grad=True)
    y = mt.copysign(a, b)
    (y * mt.arange(6.0).reshape(2, 3)).sum().backward()
    np.testing.assert_array_equal(y.detach().numpy(), [[-1, -2, -3], [1, 2, 3]])
    np.testing.assert_array_equal(a.grad.numpy(), [[3, -3, 3]])
    assert b.grad is not None
    np.testing.assert_array_equal(b.grad.numpy(), [[0], [0]])


def test_nanmean_of_integers_raises_as_mean_does():
    """nanmean of an int64 or bool tensor gave a float32 mean; PyTorch raises (with dtype= too), and
    MyTorch's mean raises for integers."""
    for x in (mt.tensor([1, 2]), mt.tensor([True, False])):
        with pytest.raises(RuntimeError, match="nanmean: needs a floating-point tensor"):
            mt.nanmean(x)
        with pytest.raises(RuntimeError, match="nanmean"):
            x.nanmean(dtype=mt.float64)
    assert mt.nanmean(mt.tensor([1.0, float("nan"), 2.0]), dtype=mt.float64).item() == 1.5


@pytest.mark.parametrize("op", ["cumsum", "logcumsumexp", "flip"])
def test_scans_and_flip_of_a_0d_tensor_take_dims_0_and_minus_1_only(op):
    """A 0-d tensor has the dims 0 and -1 (as PyTorch's); cumsum, logcumsumexp and flip took any."""
    x = mt.tensor(2.5)
    for dim in (0, -1):
        assert getattr(mt, op)(x, dim).item() == 2.5
    for dim in (1, -2):
        with pytest.raises(IndexError, match=f"{op}: dimension {dim} out of range"):
            getattr(mt, op)(x, dim)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cosh_gradient_near_zero_is_sinh_without_cancellation(dtype):
    """cosh's gradient was (exp(x) - exp(-x)) / 2: 0 for x = 1e-8 in float32 and 1e-20 in float64
    (PyTorch's: sinh(x) = x there). Now cosh is 1 + 2 sinh(x / 2)^2, also where an entry passes
    exp's overflow (that entry by the overflow-safe form)."""
    small = np.array([1e-20, -1e-8, 1e-4, 0.3, -2.0], dtype=dtype)
    for data in (small, np.append(small, dtype(711.0 if dtype == np.float64 else 89.0))):
        x = mt.tensor(data, requires_grad=True)
        y = mt.cosh(x)
        y.sum().backward()
        np.testing.assert_allclose(y.detach().numpy()[:5], np.cosh(small.astype(np.float64)), rtol=2e-7)
        np.testing.assert_allclose(x.grad.numpy()[:5], np.sinh(small.astype(np.float64)), rtol=2e-7)


def test_hypot_of_the_largest_numbers_and_of_infinities():
    """The power of two hypot scales by was 2^e for |x| = m 2^e: at the dtype's largest binade it
    overflowed, and hypot(1e308, 1e308) was inf / inf = NaN (float32: 3e38; float16: 6e4), even
    hypot(1.5e308, 3e-308). An infinity beside a NaN gives inf, as IEEE's and PyTorch's hypot."""
    for dtype, top in ((np.float64, 1.5e308), (np.float32, 3e38), (np.float16, 6e4)):
        a = mt.tensor(np.array([top, top, top / 2, 3.0], dtype=dtype), requires_grad=True)
        b = mt.tensor(np.array([top, 0.0, top / 2, 4.0], dtype=dtype))
        out = mt.hypot(a, b)
        np.testing.assert_allclose(out.detach().numpy()[1:], [top, top / 2 * np.sqrt(2), 5.0], rtol=2e-3)
        assert np.isposinf(out.detach().numpy()[0])
        out.sum().backward()
        np.testing.assert_allclose(a.grad.numpy(), [np.sqrt(0.5), 1.0, np.sqrt(0.5), 0.6], rtol=2e-3)
    x = mt.hypot(mt.tensor([np.inf, np.nan, -np.inf, np.nan]), mt.tensor([np.nan, -np.inf, 1.0, 1.0]))
    np.testing.assert_array_equal(x.numpy(), [np.inf, np.inf, np.inf, np.nan])


@pytest.mark.parametrize("name", ["addmm", "addmv", "baddbmm", "addbmm"])
def test_products_with_beta_zero_give_the_input_a_zero_gradient(name):
    """With beta=0 the input is not read (a NaN in it does not show) and, as in PyTorch, its
    gradient is zeros of its shape; it was None."""
    rng = np.random.default_rng(0)
    shapes = {
        "addmm": ((4, 5), (4, 3), (3, 5)),
        "addmv": ((4,), (4, 3), (3,)),
        "baddbmm": ((1, 3, 3), (2, 3, 4), (2, 4, 3)),
        "addbmm": ((3,), (2, 3, 4), (2, 4, 3)),
    }[name]
    base = mt.tensor(np.full(shapes[0], np.nan), requires_grad=True)
    a, b = (mt.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes[1:])
    out = getattr(mt, name)(base, a, b, beta=0, alpha=2)
    assert not np.isnan(out.detach().numpy()).any()
    out.sum().backward()
    assert base.grad is not None and base.grad.shape == shapes[0] and (base.grad.numpy() == 0).all()
    assert a.grad is not None and np.isfinite(a.grad.numpy()).all()

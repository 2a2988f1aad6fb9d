"""lgamma, digamma, polygamma, mvlgamma, erfinv (kernels in mytorch/nn/functional.py, Tensor
functions in mytorch/tensor_special.py) and mytorch.special: values at closed forms and against
PyTorch where installed, derivatives of every order through the chain of kernels."""

import math

import numpy as np
import pytest

import mytorch as mt

try:
    import torch
except ImportError:  # pragma: no cover - PyTorch is optional
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

EULER = 0.5772156649015329


def test_closed_forms():
    x = mt.tensor([1.0, 0.5, 2.0, 10.0], dtype=mt.float64)
    np.testing.assert_allclose(
        mt.lgamma(x).numpy(), [0.0, 0.5 * math.log(math.pi), 0.0, math.log(362880.0)], atol=1e-15
    )
    np.testing.assert_allclose(mt.digamma(x)[:3].numpy(), [-EULER, -EULER - 2 * math.log(2), 1 - EULER], rtol=1e-15)
    np.testing.assert_allclose(mt.polygamma(1, x)[:2].numpy(), [math.pi**2 / 6, math.pi**2 / 2], rtol=1e-14)
    np.testing.assert_allclose(
        mt.polygamma(2, mt.tensor([1.0], dtype=mt.float64)).item(), -2.4041138063191885, rtol=1e-14
    )
    y = mt.tensor([-0.999, -0.3, 0.0, 1e-9, 0.5, 0.999999999], dtype=mt.float64)
    np.testing.assert_allclose([math.erf(v) for v in mt.erfinv(y).tolist()], y.tolist(), rtol=1e-15, atol=0)
    assert mt.erfinv(mt.tensor([1.0, -1.0, 1.5])).tolist()[:2] == [math.inf, -math.inf]
    assert math.isnan(mt.erfinv(mt.tensor([1.5])).item())
    assert mt.lgamma(mt.tensor([0.0, -2.0])).tolist() == [math.inf, math.inf]
    assert mt.digamma(mt.tensor([0.0])).item() == -math.inf and math.isnan(mt.digamma(mt.tensor([-1.0])).item())
    assert (
        mt.lgamma(mt.tensor([3])).dtype == mt.float32
        and mt.erfinv(mt.tensor([0.5], dtype=mt.float32)).dtype == mt.float32
    )
    np.testing.assert_allclose(mt.mvlgamma(mt.tensor([2.5], dtype=mt.float64), 2).item(),
                               0.5 * math.log(math.pi) + math.lgamma(2.5) + math.lgamma(2.0), rtol=1e-15)  # fmt: skip


@needs_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_match_pytorch(dtype):
    r = np.random.default_rng(0)
    x = np.concatenate([r.uniform(-6, 12, 200), [1e-3, 30.0, 1e4]]).astype(dtype)
    x = x[np.abs(x - np.round(x)) > 1e-2]
    y = r.uniform(-1, 1, 200).astype(dtype)
    tol = 1e-5 if dtype == "float32" else 1e-12

    def reference(f, *args):  # PyTorch in float64 (its float32 trigamma is off by 1e-5 near poles), rounded
        return f(*[torch.tensor(a.astype(np.float64)) if isinstance(a, np.ndarray) else a for a in args]).to(
            getattr(torch, dtype)
        )

    pairs = [
        (mt.lgamma(mt.tensor(x)), reference(torch.lgamma, x)),
        (mt.digamma(mt.tensor(x)), reference(torch.digamma, x)),
        (mt.tensor(x).polygamma(3), reference(torch.polygamma, 3, x)),
        (mt.special.erfinv(mt.tensor(y)), reference(torch.special.erfinv, y)),
        (mt.special.ndtri(mt.tensor(y * 0.5 + 0.5)), reference(torch.special.ndtri, y * 0.5 + 0.5)),
        (mt.special.multigammaln(mt.tensor(x[x > 2]), 3), reference(torch.special.multigammaln, x[x > 2], 3)),
    ]
    for ours, theirs in pairs:
        assert ours.dtype == np.dtype(dtype)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=tol, atol=tol)
    # PyTorch's trigamma is good to about 5e-10; ours to 1e-14 (test_closed_forms)
    ours, trigamma = mt.polygamma(1, mt.tensor(x)).numpy(), reference(torch.polygamma, 1, x).numpy()
    np.testing.assert_allclose(ours, trigamma, rtol=max(tol, 1e-8))


@needs_torch
@pytest.mark.parametrize("name", ["lgamma", "digamma", "erfinv", "polygamma"])
def test_third_derivatives_match_pytorch(name):
    values = [0.3, 0.7, -0.45] if name == "erfinv" else [0.3, 2.5, -1.5]

    def derivatives(lib):
        x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
        y = lib.polygamma(2, x) if name == "polygamma" else getattr(lib, name)(x)
        out = []
        for _ in range(3):
            (y,) = lib.autograd.grad(y.sum(), x, create_graph=True)
            out.append(y.detach().numpy())
        return out

    for ours, theirs in zip(derivatives(mt), derivatives(torch), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-8)


def test_ndtri_keeps_the_tails_and_inverts_ndtr():
    # sqrt 2 erfinv(2p - 1) rounded 2p - 1 to -1 below p = 1e-16: -inf where the quantile is finite
    p = np.array([1e-300, 1e-200, 1e-100, 1e-17, 1e-5, 0.1, 0.3, 0.5, 0.8, 1 - 1e-10])
    y = mt.special.ndtri(mt.tensor(p, dtype=mt.float64)).numpy()
    assert np.isfinite(y).all() and y[0] == pytest.approx(-37.04710, abs=1e-5)
    below = np.array([0.5 * math.erfc(-v / math.sqrt(2.0)) for v in y[:-1]])  # ndtr(ndtri(p)) = p
    np.testing.assert_allclose(below, p[:-1], rtol=1e-12)
    assert 0.5 * math.erfc(y[-1] / math.sqrt(2.0)) == pytest.approx(1e-10, rel=1e-6)  # its upper tail
    assert mt.special.ndtri(mt.tensor([0.0, 1.0])).tolist() == [-math.inf, math.inf]
    assert np.isnan(mt.special.ndtri(mt.tensor([-0.1, 1.5, math.nan])).numpy()).all()
    small = mt.special.ndtri(mt.tensor([1e-30], dtype=mt.float32))
    assert small.dtype == mt.float32 and small.item() == pytest.approx(-11.46402, abs=1e-4)
    x = mt.tensor([1e-20, 0.3, 0.9], dtype=mt.float64, requires_grad=True)
    (g,) = mt.autograd.grad(mt.special.ndtri(x).sum(), x, create_graph=True)  # 1 / phi(y)
    q = mt.special.ndtri(x).detach().numpy()
    np.testing.assert_allclose(g.detach().numpy(), math.sqrt(2 * math.pi) * np.exp(q * q / 2), rtol=1e-13)
    (h,) = mt.autograd.grad(g.sum(), x)  # y / phi(y)², by differentiating 1 / phi(y) again
    np.testing.assert_allclose(h.numpy(), q * 2 * math.pi * np.exp(q * q), rtol=1e-12)


@needs_torch
def test_ndtri_tails_match_pytorch():
    p = np.concatenate([np.logspace(-320, -0.4, 60), 1 - np.logspace(-15, -0.4, 20), [5e-324, 0.0, 1.0]])
    np.testing.assert_allclose(
        mt.special.ndtri(mt.tensor(p)).numpy(), torch.special.ndtri(torch.tensor(p)).numpy(), rtol=2e-15
    )


def test_forward_mode_and_errors():
    x = mt.tensor([0.4, 1.7], dtype=mt.float64)
    jac = mt.func.jacfwd(mt.lgamma)(x).numpy()
    np.testing.assert_allclose(np.diag(jac), mt.digamma(x).numpy(), rtol=1e-15)
    _, tangent = mt.func.jvp(mt.erfinv, (x * 0.5,), (mt.ones_like(x),))
    np.testing.assert_allclose(tangent.numpy(), math.sqrt(math.pi) / 2 * np.exp(mt.erfinv(x * 0.5).numpy() ** 2))
    with pytest.raises(ValueError, match="non-negative integer"):
        mt.polygamma(-1, x)
    with pytest.raises(ValueError, match="greater than"):
        mt.mvlgamma(mt.tensor([0.2]), 2)
    with pytest.raises(AttributeError, match="MyTorch does not have PyTorch's torch.special.bessel_j0"):
        mt.special.bessel_j0  # noqa: B018
    t = mt.tensor([0.5, 2.0])
    t.lgamma_()
    np.testing.assert_allclose(t.numpy(), [math.lgamma(0.5), 0.0], atol=1e-7)


def test_logcumsumexp_stays_finite_far_apart_and_matches_the_running_sum():
    x = mt.tensor([[-1000.0, 0.0, 1000.0, 999.0], [1.0, 2.0, 3.0, 4.0]], dtype=mt.float64, requires_grad=True)
    y = mt.logcumsumexp(x, dim=1)
    np.testing.assert_allclose(y[0].tolist(), [-1000.0, 0.0, 1000.0, 1000.0 + math.log1p(math.exp(-1.0))])
    np.testing.assert_allclose(y[1].numpy(), np.log(np.cumsum(np.exp([1.0, 2.0, 3.0, 4.0]))), rtol=1e-15)
    y.sum().backward()  # d/dx_j sum_i y_i = sum over i >= j of softmax(x[:i+1])_j
    row = np.array([1.0, 2.0, 3.0, 4.0])
    expected = sum(np.pad(np.exp(row[: i + 1]) / np.exp(row[: i + 1]).sum(), (0, 3 - i)) for i in range(4))
    np.testing.assert_allclose(x.grad[1].numpy(), expected, rtol=1e-14)
    assert mt.tensor([[1.0], [2.0]]).logcumsumexp(0).shape == (2, 1)


@needs_torch
def test_logcumsumexp_and_nanquantile_match_pytorch():
    r = np.random.default_rng(1)
    x = r.standard_normal((3, 9)) * 40
    a = r.standard_normal((3, 7)) * 30
    a[0, 2], a[1, :], a[2, [1, 4]] = np.nan, np.nan, np.nan

    def run(lib):
        xt, at = lib.tensor(x, requires_grad=True), lib.tensor(a, requires_grad=True)
        q = lib.tensor([0.25, 0.8], dtype=lib.float64)
        outs = [lib.logcumsumexp(xt, 1), lib.logcumsumexp(xt, 0), lib.nanquantile(at, 0.3, dim=1, keepdim=True)]
        outs += [
            lib.nanquantile(at, q, dim=-1),
            at.nanquantile(0.5),
            lib.nanquantile(at, 0.4, 0, interpolation="nearest"),
        ]
        outs += [lib.nanquantile(at, q, dim=1, interpolation=mode) for mode in ("lower", "higher", "midpoint")]
        (outs[0].sum() + outs[3].nan_to_num().sum()).backward()
        return [o.detach().numpy() for o in outs] + [xt.grad.numpy(), at.grad.numpy()]

    for ours, theirs in zip(run(mt), run(torch), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-13)


@needs_torch
@pytest.mark.parametrize("reduce", ["sum", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_matches_pytorch_with_ties(reduce, include_self):
    r = np.random.default_rng(2)
    x, src, index = r.standard_normal((3, 5)), np.round(r.standard_normal((3, 4))), r.integers(0, 5, (3, 4))
    if include_self:  # the input tied with what lands on it, too (without include_self, PyTorch still
        x[0, :2] = src[0, :2]  # counts such an input in the tie, giving src half the gradient and self none)

    def run(lib):
        xt, st = lib.tensor(x, requires_grad=True), lib.tensor(src, requires_grad=True)
        y = xt.scatter_reduce(1, lib.tensor(index), st, reduce, include_self=include_self)
        (y * lib.tensor(np.cos(np.arange(15.0)).reshape(3, 5))).sum().backward()
        return [y.detach().numpy(), xt.grad.numpy(), st.grad.numpy()]

    for ours, theirs in zip(run(mt), run(torch), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-14, atol=1e-15)
    t = mt.zeros(4)
    t.scatter_reduce_(0, mt.tensor([0, 0, 3]), mt.tensor([1.0, 2.0, 3.0]), "sum")
    assert t.tolist() == [3.0, 0.0, 0.0, 3.0]


@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_prod_to_second_order(include_self):
    """``reduce="prod"`` was a ValueError; values, gradients and second derivatives are PyTorch's
    (with zeros among the sources and the input, along either axis, an index smaller than the
    input), and central differences' where two zeros land on one place (PyTorch refuses that)."""
    r = np.random.default_rng(6)
    x, src = r.standard_normal((3, 5)), r.standard_normal((3, 4))
    index = np.array([[0, 1, 1, 4], [2, 2, 2, 0], [3, 0, 3, 3]])
    x[0, 1], x[2, 3], src[0, 1], src[2, 2] = 0.0, 0.0, 0.0, 0.0
    cases = [(x, src, index, 1), (x.T.copy(), src.T.copy(), index.T.copy(), 0), (x, src[:2, :3], index[:2, :3], 1)]

    def run(lib, x0, s0, i0, dim):
        xt, st = lib.tensor(x0, requires_grad=True), lib.tensor(s0, requires_grad=True)
        y = xt.scatter_reduce(dim, lib.tensor(i0), st, "prod", include_self=include_self)
        gx, gs = lib.autograd.grad((y * lib.tensor(np.cos(x0))).sum() + (y**2).sum(), (xt, st), create_graph=True)
        hx, hs = lib.autograd.grad((gx * lib.tensor(np.sin(x0))).sum() + (gs * gs).sum(), (xt, st))
        return [t.detach().numpy() for t in (y, gx, gs, hx, hs)]

    for case in cases:
        ours = run(mt, *case)
        places = [
            ((j, case[2][j, k]) if case[3] == 1 else (case[2][j, k], k), case[1][j, k])
            for j, k in np.ndindex(case[2].shape)
        ]
        expected = case[0].copy()
        if not include_self:
            for place, _ in places:
                expected[place] = 1.0
        for place, value in places:
            expected[place] *= value
        np.testing.assert_allclose(ours[0], expected, rtol=1e-14)
        if torch is not None:
            for mine, theirs in zip(ours, run(torch, *case), strict=True):
                np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-14)
    two_zeros = src.copy()
    two_zeros[1, 0] = two_zeros[1, 1] = 0.0  # (index row 1 sends both to place 2)
    xs = mt.tensor(x, requires_grad=True), mt.tensor(two_zeros, requires_grad=True)
    assert mt.autograd.gradgradcheck(
        lambda a, b: a.scatter_reduce(1, mt.tensor(index), b, "prod", include_self=include_self), xs
    )
    assert mt.tensor([[2, 3]]).scatter_reduce(1, mt.tensor([[1, 1]]), mt.tensor([[4, 5]]), "prod").tolist() == [[2, 60]]


@needs_torch
@pytest.mark.parametrize(("name", "options"), [("cov", {}), ("cov", {"correction": 0}), ("corrcoef", {})])
def test_cov_and_corrcoef_match_pytorch(name, options):
    x = np.random.default_rng(3).standard_normal((3, 7))

    def run(lib):
        t = lib.tensor(x, requires_grad=True)
        y = getattr(lib, name)(t, **options)
        (y * lib.tensor(np.arange(9.0).reshape(3, 3))).sum().backward()
        return [y.detach().numpy(), t.grad.numpy()]

    for ours, theirs in zip(run(mt), run(torch), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)
    assert mt.cov(mt.tensor(x[0])).shape == ()


def test_cov_of_no_observations_is_nan():
    """Nothing to average: the empty product gave a covariance of -0.0 (PyTorch: NaN)."""
    assert np.isnan(mt.cov(mt.zeros(0)).item())
    out = mt.cov(mt.zeros(2, 0))
    assert out.shape == (2, 2) and np.isnan(out.numpy()).all()


def test_cov_and_corrcoef_of_one_variable_in_a_row_are_0_d():
    """A (1, N) input is one variable: PyTorch gives a 0-d covariance, MyTorch gave (1, 1)."""
    c = mt.cov(mt.tensor([[1.0, 2.0, 4.0]]))
    assert c.shape == () and c.item() == pytest.approx(np.var([1.0, 2.0, 4.0], ddof=1))
    assert mt.corrcoef(mt.tensor([[1.0, 2.0, 4.0]])).shape == ()


@pytest.mark.parametrize("reduce", ["sum", "mean", "amax", "amin"])
def test_scatter_reduce_leaves_out_an_inf_or_nan_it_does_not_reduce(reduce):
    """A value left out (the input under include_self=False, an input or source that is not the
    maximum) was multiplied by a weight 0: inf * 0 put NaN in the result. A NaN that is reduced
    still gives NaN."""
    x = mt.tensor([[np.nan, np.inf, -np.inf, 1.0]], requires_grad=True)
    src = mt.tensor([[2.0, -3.0, 5.0, np.nan]], requires_grad=True)
    index = mt.tensor([[0, 1, 2, 3]])
    out = x.scatter_reduce(1, index, src, reduce, include_self=False)
    expected = [2.0, -3.0, 5.0, np.nan]
    np.testing.assert_array_equal(out.detach().numpy(), [expected])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(src.grad.numpy(), [[1.0, 1.0, 1.0, 1.0]])
    if reduce in ("amax", "amin"):  # include_self: the source -inf (amax) or inf (amin) is not the result
        loser = -np.inf if reduce == "amax" else np.inf
        y = mt.tensor([[0.5, 0.5]]).scatter_reduce(1, mt.tensor([[0, 0]]), mt.tensor([[loser, 0.25]]), reduce)
        np.testing.assert_array_equal(y.numpy(), [[0.5 if reduce == "amax" else 0.25, 0.5]])


def test_digamma_at_minus_zero_is_plus_inf():
    """psi(x) tends to +inf as x rises to 0: digamma(-0.0) is +inf, as PyTorch's (it was -inf, the
    value at +0.0)."""
    for dtype in (np.float32, np.float64):
        out = mt.digamma(mt.tensor(np.array([0.0, -0.0], dtype))).numpy()
        assert out[0] == -np.inf and out[1] == np.inf


def test_polygamma_of_large_negative_numbers_ends_and_reflects():
    """polygamma(n, x) for x < 0 summed 1/(x + k)^(n+1) from x up to 10 + n: -x steps, so -1e20
    and -inf never ended (digamma's backward too); now a negative x is reflected,
    psi^(n)(x) = (-1)^n psi^(n)(1 - x) - pi^(n+1) cot^(n)(pi x). Closed forms: trigamma's
    reflection psi1(x) + psi1(1 - x) = pi^2 / sin^2(pi x); every float from 2^52 on is an integer (a pole)."""
    x = np.array([-1e6 + 0.5, -20.3, -2.5, -0.25])
    ours = mt.polygamma(1, mt.tensor(x)).numpy() + mt.polygamma(1, mt.tensor(1 - x)).numpy()
    np.testing.assert_allclose(ours, np.pi**2 / np.sin(np.pi * x) ** 2, rtol=1e-10)
    second = mt.polygamma(2, mt.tensor(x)).numpy() - mt.polygamma(2, mt.tensor(1 - x)).numpy()  # -pi^3 cot''
    cot = 1 / np.tan(np.pi * (x - np.round(x)))
    np.testing.assert_allclose(second, -(np.pi**3) * 2 * cot * (1 + cot**2), rtol=1e-9, atol=1e-9)
    big = mt.tensor([-1e20, -1e300], dtype=mt.float64, requires_grad=True)
    assert mt.polygamma(1, big).tolist() == [np.inf] * 2 and mt.polygamma(2, big).tolist() == [-np.inf] * 2
    mt.digamma(big).sum().backward()
    assert big.grad.tolist() == [np.inf] * 2


def test_polygamma_at_minus_infinity_is_nan_as_digamma():
    """-inf was taken as a pole: polygamma(1, -inf) inf, polygamma(2, -inf) -inf, and digamma's
    gradient there inf beside its NaN value; psi^(n) has no limit at -inf (a pole at every integer),
    so NaN, as digamma(-inf) (PyTorch 2.13: NaN for n = 1, -inf and inf for n = 2 and 3)."""
    x = mt.tensor([-np.inf, -3.0, 2.0], dtype=mt.float64, requires_grad=True)
    for n in (1, 2, 3):
        out = mt.polygamma(n, x.detach()).numpy()
        assert np.isnan(out[0]) and out[1] == (np.inf if n % 2 else -np.inf) and np.isfinite(out[2])
    mt.digamma(x).sum().backward()
    assert np.isnan(mt.digamma(x.detach())[0].item()) and np.isnan(x.grad[0].item())


def test_polygamma_of_negative_numbers_matches_torch():
    torch = pytest.importorskip("torch")
    x = np.array([-1000.5, -20.3, -3.7, -2.5, -1.5, -0.5, -1e-8, 0.3, 2.5, 15.0])
    for n in (1, 2, 3, 5):
        for dtype in (np.float64, np.float32):
            ours = mt.polygamma(n, mt.tensor(x.astype(dtype))).numpy()
            theirs = torch.polygamma(n, torch.tensor(x.astype(dtype))).numpy()
            np.testing.assert_allclose(ours, theirs, rtol=1e-9 if dtype == np.float64 else 1e-5, err_msg=str(n))


def test_entr_xlog1py_log_ndtr_erfcx_closed_forms():
    # they were NotInMyTorchError; each is composed of recorded operations (gradients included)
    x = mt.tensor([0.0, 0.5, 2.0, -1.0], dtype=mt.float64, requires_grad=True)
    y = mt.special.entr(x)
    y.sum().backward()
    assert y.tolist()[:3] == [0.0, -0.5 * math.log(0.5), -2 * math.log(2.0)] and y.tolist()[3] == -math.inf
    assert x.grad.tolist()[:3] == [math.inf, -(1 + math.log(0.5)), -(1 + math.log(2.0))]
    assert math.isnan(x.grad[3].item())
    a = mt.tensor([1.0, 0.0, 3.0], dtype=mt.float64, requires_grad=True)
    b = mt.tensor([1e-10, -1.0, 2.0], dtype=mt.float64, requires_grad=True)
    z = mt.special.xlog1py(a, b)  # log1p keeps the 1e-10 that log(1 + 1e-10) rounds
    z.sum().backward()
    assert z.tolist() == [pytest.approx(1e-10 - 5e-21, rel=1e-15), 0.0, pytest.approx(3 * math.log(3.0), rel=1e-15)]
    assert a.grad.tolist() == [pytest.approx(1e-10, rel=1e-9), 0.0, pytest.approx(math.log(3.0), rel=1e-15)]
    assert b.grad.tolist()[2] == 1.0
    v = np.array([-37.0, -10.0, -1.0, 0.0, 2.0, 8.0])
    t = mt.tensor(v, dtype=mt.float64, requires_grad=True)
    out = mt.special.log_ndtr(t)
    out.sum().backward()
    below = [math.log(0.5 * math.erfc(-u / math.sqrt(2))) for u in v[:4]]
    exact = below + [math.log1p(-0.5 * math.erfc(u / math.sqrt(2))) for u in v[4:]]
    np.testing.assert_allclose(out.detach().numpy(), exact, rtol=1e-13)
    ratio = [math.exp(-u * u / 2) / math.sqrt(2 * math.pi) / (0.5 * math.erfc(-u / math.sqrt(2))) for u in v]
    np.testing.assert_allclose(t.grad.numpy(), ratio, rtol=1e-12)  # phi / Phi
    far = mt.special.log_ndtr(mt.tensor([-40.0, -1e10], dtype=mt.float64)).tolist()  # past erfc's underflow
    assert far[0] == pytest.approx(-804.6084420137539, rel=1e-15) and far[1] == pytest.approx(-5e19, rel=1e-15)
    e = mt.tensor([-2.0, 0.0, 1.0, 5.0, 25.0, 30.0, 1e5], dtype=mt.float64, requires_grad=True)
    cx = mt.special.erfcx(e)
    cx.sum().backward()
    direct = [math.exp(u * u) * math.erfc(u) for u in (-2.0, 0.0, 1.0, 5.0)]
    np.testing.assert_allclose(cx.detach().numpy()[:4], direct, rtol=1e-13)
    big = 1e5 * math.sqrt(math.pi)
    assert cx[6].item() == pytest.approx((1 - 0.5e-10) / big, rel=1e-15)
    assert cx[5].item() == pytest.approx(0.01879588886141675, rel=1e-14)
    slope = 2 * e.detach().numpy() * cx.detach().numpy() - 2 / math.sqrt(math.pi)  # erfcx' = 2x erfcx - 2/sqrt(pi)
    np.testing.assert_allclose(e.grad.numpy()[:5], slope[:5], rtol=1e-9)
    assert mt.special.erfcx(mt.tensor([-30.0, math.inf])).tolist() == [math.inf, 0.0]
    assert math.isnan(mt.special.erfcx(mt.tensor([math.nan])).item())


@needs_torch
@pytest.mark.parametrize("name", ["entr", "log_ndtr", "erfcx"])
def test_entr_log_ndtr_erfcx_match_pytorch(name):
    values = np.concatenate([np.linspace(-45, 28, 150), [0.0, 1e-8, 2.0, 100.0]])
    if name == "entr":
        values = np.abs(values)

    def run(lib):
        x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
        y = getattr(lib.special, name)(x)
        y.sum().backward()
        return y.detach().numpy(), x.grad.numpy()

    (ours, our_grad), (theirs, their_grad) = run(mt), run(torch)
    np.testing.assert_allclose(ours, theirs, rtol=1e-13)
    np.testing.assert_allclose(our_grad, their_grad, rtol=1e-9)  # (erfcx' cancels: 2x erfcx - 2/sqrt(pi))

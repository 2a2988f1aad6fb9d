"""asin, acos, atan, atan2, erfc, sinc (mytorch/tensor_composed.py) and linalg.det, slogdet, inv,
solve, cholesky (mytorch/linalg.py): values, first and second derivatives and forward mode against
closed forms and central differences, then torch (skipped without it)."""

import math

import numpy as np
import pytest
from torch_compare import assert_like_torch

import mytorch as mt
from mytorch.func import jvp

RNG = np.random.default_rng(81)
POINTS = np.array([-0.9, -0.4, 0.0, 0.25, 0.7])
UNARY = {  # name: (value, first derivative, second derivative) in closed form
    "asin": (np.arcsin, lambda x: (1 - x * x) ** -0.5, lambda x: x * (1 - x * x) ** -1.5),
    "acos": (np.arccos, lambda x: -((1 - x * x) ** -0.5), lambda x: -x * (1 - x * x) ** -1.5),
    "atan": (np.arctan, lambda x: 1 / (1 + x * x), lambda x: -2 * x / (1 + x * x) ** 2),
    "erfc": (
        np.vectorize(math.erfc),
        lambda x: -2 / math.sqrt(math.pi) * np.exp(-x * x),
        lambda x: 4 * x / math.sqrt(math.pi) * np.exp(-x * x),
    ),
}


def _sinc_parts(x):
    z = math.pi * x
    if abs(z) < 1e-3:  # the series (the quotients below cancel)
        return 1 - z * z / 6, math.pi * (-z / 3 + z**3 / 30), math.pi**2 * (-1 / 3 + z * z / 10)
    s, c = math.sin(z), math.cos(z)
    d1 = math.pi * (z * c - s) / z**2
    d2 = math.pi**2 * (-(z**2) * s - 2 * z * c + 2 * s) / z**3
    return s / z, d1, d2


@pytest.mark.parametrize("name", [*UNARY, "sinc"])
def test_unary_values_and_two_derivatives(name):
    x = mt.tensor(np.append(POINTS, [1e-9, 0.03, 1.7]) if name == "sinc" else POINTS, requires_grad=True)
    y = getattr(mt, name)(x)
    (g,) = mt.autograd.grad(y.sum(), x, create_graph=True)
    (h,) = mt.autograd.grad(g.sum(), x)
    v = x.detach().numpy()
    if name == "sinc":
        want = np.array([_sinc_parts(p) for p in v]).T
    else:
        want = [f(v) for f in UNARY[name]]
    for got, expected in zip((y, g, h), want):
        np.testing.assert_allclose(got.detach().numpy(), expected, rtol=1e-12, atol=1e-14)
    _, tangent = jvp(getattr(mt, name), (x.detach(),), (mt.ones_like(x.detach()),))
    np.testing.assert_allclose(tangent.numpy(), want[1], rtol=1e-12, atol=1e-14)


def test_aliases_methods_in_place_and_edges():
    x = mt.tensor([0.5, -0.2], dtype=mt.float64)
    assert mt.arcsin is mt.asin and mt.arccos is mt.acos and mt.arctan is mt.atan and mt.arctan2 is mt.atan2
    for name in ("asin", "acos", "atan", "erfc", "sinc"):
        np.testing.assert_allclose(getattr(x, name)().numpy(), getattr(mt, name)(x).numpy(), rtol=0)
        y = x.clone()
        assert getattr(y, name + "_")() is y and y.tolist() == getattr(mt, name)(x).tolist()
    for base in ("sin", "cos", "tan"):
        assert getattr(x.clone(), f"arc{base}_")().tolist() == getattr(mt, f"a{base}")(x).tolist()
    z = x.clone()
    assert z.atan2_(mt.tensor(2.0, dtype=mt.float64)) is z and z.tolist() == mt.atan2(x, 2.0).tolist()
    assert x.clone().arctan2_(x).tolist() == mt.atan2(x, x).tolist()
    w = mt.tensor([0.5, -2.0], dtype=mt.float64, requires_grad=True)
    y = w * 1
    y.atan2_(mt.tensor(3.0, dtype=mt.float64)).sum().backward()  # recorded: the old value is kept
    np.testing.assert_allclose(w.grad.numpy(), 3.0 / (w.detach().numpy() ** 2 + 9.0), rtol=1e-15)
    assert mt.asin(mt.tensor([1.0], dtype=mt.float32)).dtype == mt.float32
    assert mt.atan(mt.tensor([1, 0])).dtype == mt.float32  # integers in the default float dtype
    assert np.isnan(mt.asin(mt.tensor([1.5])).item())
    assert mt.erfc(mt.tensor([10.0], dtype=mt.float64)).item() == math.erfc(10.0)  # 1 - erf(10) is 0
    assert mt.erfc(mt.tensor([-3.0], dtype=mt.float64)).item() == math.erfc(-3.0)


def test_numpy_ufuncs_on_tensors():
    # np.arcsin(t) and the like were a TypeError ('no gradient rule') for a tensor requiring grad
    t = mt.tensor([0.5, -0.25], dtype=mt.float64, requires_grad=True)
    out = np.arcsin(t) + np.arccos(t) * 2 + np.arctan(t) + np.arctan2(t, 2.0)
    assert isinstance(out, mt.Tensor)
    v = t.detach().numpy()
    np.testing.assert_allclose(out.detach().numpy(), np.arcsin(v) + 2 * np.arccos(v) + np.arctan(v) + np.arctan2(v, 2))
    out.sum().backward()
    slope = -((1 - v * v) ** -0.5) + 1 / (1 + v * v) + 2 / (v * v + 4)
    np.testing.assert_allclose(t.grad.numpy(), slope, rtol=1e-14)


def test_atan2_quadrants_broadcasting_and_gradients():
    y = mt.tensor([[1.0], [-1.0]], dtype=mt.float64, requires_grad=True)
    x = mt.tensor([2.0, -3.0, 0.0], dtype=mt.float64, requires_grad=True)
    out = mt.atan2(y, x)
    np.testing.assert_array_equal(out.detach().numpy(), np.arctan2([[1.0], [-1.0]], [2.0, -3.0, 0.0]))
    out.sum().backward()
    yv, xv = np.array([[1.0], [-1.0]]), np.array([2.0, -3.0, 0.0])
    r2 = xv * xv + yv * yv
    np.testing.assert_allclose(y.grad.numpy(), (xv / r2).sum(1, keepdims=True), rtol=1e-14)
    np.testing.assert_allclose(x.grad.numpy(), (-yv / r2).sum(0), rtol=1e-14, atol=1e-15)
    assert mt.arctan2(mt.tensor([1.0]), 1.0).item() == pytest.approx(math.pi / 4)
    assert mt.atan2(mt.tensor([1.0]), 2.0).dtype == mt.float32  # a number does not promote, as in PyTorch
    assert mt.atan2(mt.tensor([1]), mt.tensor([2])).dtype == mt.float32
    assert mt.atan2(mt.tensor([1.0], dtype=mt.float64), mt.tensor([2.0])).dtype == mt.float64
    a = mt.tensor([0.3, -1.1], dtype=mt.float64, requires_grad=True)
    (g,) = mt.autograd.grad(mt.atan2(a, a * a + 1).sum(), a, create_graph=True)  # d/da atan2(a, a^2 + 1)
    (h,) = mt.autograd.grad(g.sum(), a)
    f = lambda v: np.arctan2(v, v * v + 1)  # noqa: E731
    eps, v = 1e-4, a.detach().numpy()
    np.testing.assert_allclose(g.detach().numpy(), (f(v + eps) - f(v - eps)) / (2 * eps), rtol=1e-7)
    np.testing.assert_allclose(h.numpy(), (f(v + eps) - 2 * f(v) + f(v - eps)) / eps**2, rtol=1e-5)


# --------------------------------------------------------------------------- linalg
def _spd(n, batch=()):
    m = RNG.normal(size=(*batch, n, n))
    return m @ np.swapaxes(m, -1, -2) + n * np.eye(n)


def _central(f, a, cot, eps=1e-6):
    """<cot, f>'s gradient in a by central differences."""
    grad = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        step = np.zeros_like(a)
        step[i] = eps
        grad[i] = ((f(a + step) - f(a - step)) * cot).sum() / (2 * eps)
    return grad


def _symmetric(lower_grad):
    """A gradient in A's lower triangle (what cholesky reads) shared as PyTorch's: made symmetric."""
    off = np.tril(lower_grad, -1) / 2
    return off + np.swapaxes(off, -1, -2) + lower_grad * np.eye(lower_grad.shape[-1])


LINALG = {  # name: (MyTorch call, NumPy reference, input)
    "det": (mt.linalg.det, np.linalg.det, RNG.normal(size=(2, 3, 3))),
    "logabsdet": (lambda a: mt.linalg.slogdet(a)[1], lambda a: np.linalg.slogdet(a)[1], RNG.normal(size=(2, 3, 3))),
    "logdet": (mt.logdet, lambda a: np.linalg.slogdet(a)[1], _spd(3, (2,))),
    "inv": (mt.linalg.inv, np.linalg.inv, RNG.normal(size=(2, 3, 3)) + 2 * np.eye(3)),
    "solve": (
        lambda a: mt.linalg.solve(a, mt.tensor(np.arange(6.0).reshape(3, 2))),
        lambda a: np.linalg.solve(a, np.broadcast_to(np.arange(6.0).reshape(3, 2), (*a.shape[:-2], 3, 2))),
        RNG.normal(size=(2, 3, 3)) + 2 * np.eye(3),
    ),
    "cholesky": (mt.linalg.cholesky, np.linalg.cholesky, _spd(3, (2,))),
}


@pytest.mark.parametrize("name", LINALG)
def test_linalg_values_gradients_and_forward_mode(name):
    call, reference, a = LINALG[name]
    sym = name == "cholesky"  # a symmetric input, perturbed symmetrically
    f = (lambda m: reference(np.tril(m) + np.swapaxes(np.tril(m, -1), -1, -2))) if sym else reference
    x = mt.tensor(a, requires_grad=True)
    out = call(x)
    np.testing.assert_allclose(out.detach().numpy(), reference(a), rtol=1e-12, atol=1e-13)
    cot = np.cos(np.arange(out.numel())).reshape(out.shape)
    (g,) = mt.autograd.grad((out * mt.tensor(cot)).sum(), x)
    numeric = _central(f, a, cot)
    if sym:
        numeric = _symmetric(numeric)
    np.testing.assert_allclose(g.numpy(), numeric, rtol=1e-6, atol=1e-7)
    direction = RNG.normal(size=a.shape)
    if sym:
        direction = direction + np.swapaxes(direction, -1, -2)
    _, tangent = jvp(call, (mt.tensor(a),), (mt.tensor(direction),))
    eps = 1e-6
    numeric_t = (reference(a + eps * direction) - reference(a - eps * direction)) / (2 * eps)
    np.testing.assert_allclose(tangent.numpy(), numeric_t, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", LINALG)
def test_linalg_second_derivatives(name):
    call, _, a = LINALG[name]
    a = a[0]
    direction = np.cos(np.arange(9.0)).reshape(3, 3)

    def first(m):  # <direction, gradient of sum(call(m) * w)> at m, through create_graph
        x = mt.tensor(m, requires_grad=True)
        out = call(x)
        w = mt.tensor(np.sin(np.arange(out.numel()) + 1.0).reshape(out.shape))
        (g,) = mt.autograd.grad((out * w).sum(), x, create_graph=True)
        return g, x

    g, x = first(a)
    (h,) = mt.autograd.grad((g * mt.tensor(direction)).sum(), x)
    numeric = _central(lambda m: (first(m)[0].detach().numpy() * direction).sum(), a, np.ones(()), eps=1e-5)
    if name == "cholesky":
        numeric = _symmetric(numeric)
    np.testing.assert_allclose(h.numpy(), numeric, rtol=1e-5, atol=1e-6)


def test_linalg_closed_forms_methods_and_errors():
    a = mt.tensor([[2.0, 1.0], [1.0, 3.0]], dtype=mt.float64, requires_grad=True)
    assert a.det().item() == pytest.approx(5.0) and mt.det(a).item() == pytest.approx(5.0)
    np.testing.assert_allclose(a.inverse().detach().numpy(), [[0.6, -0.2], [-0.2, 0.4]], rtol=1e-14)
    sign, logabs = (-a).slogdet()
    assert sign.item() == 1.0 and logabs.item() == pytest.approx(math.log(5.0))
    assert np.isnan(mt.logdet(mt.tensor([[0.0, 1.0], [1.0, 0.0]])).item())
    assert mt.logdet(mt.zeros(2, 2)).item() == -np.inf
    np.testing.assert_allclose(a.cholesky(upper=True).detach().numpy(), np.linalg.cholesky(a.detach().numpy()).T)
    np.testing.assert_allclose(mt.linalg.solve(a, mt.tensor([1.0, 2.0], dtype=mt.float64)).detach().numpy(), [0.2, 0.6])
    np.testing.assert_allclose(  # X A = B
        mt.linalg.solve(a, mt.eye(2, dtype=mt.float64) * 5, left=False).detach().numpy(), [[3.0, -1.0], [-1.0, 2.0]]
    )
    batch = mt.linalg.solve(mt.tensor(_spd(2, (4, 1))), mt.ones(3, 2, 1, dtype=mt.float64))  # batches broadcast
    assert batch.shape == (4, 3, 2, 1)
    singular = mt.tensor([[1.0, 2.0], [2.0, 4.0]], dtype=mt.float64, requires_grad=True)
    mt.det(singular).backward()  # the cofactors, though the matrix has no inverse
    np.testing.assert_allclose(singular.grad.numpy(), [[4.0, -2.0], [-2.0, 1.0]], atol=1e-14)
    with pytest.raises(mt.linalg.LinAlgError, match="linalg.det: a create_graph backward needs invertible"):
        mt.autograd.grad(mt.det(singular), singular, create_graph=True)
    negative = mt.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=mt.float64, requires_grad=True)
    mt.logdet(negative).backward()  # NaN, gradient 0 there, as torch 2.13's
    assert negative.grad.tolist() == [[0.0, 0.0], [0.0, 0.0]]
    for op in (mt.linalg.inv, mt.inverse, lambda m: mt.linalg.solve(m, mt.ones(2))):
        with pytest.raises(mt.linalg.LinAlgError, match=r"singular.*\(2, 2\)"):
            op(singular.detach())
    with pytest.raises(RuntimeError, match="not positive-definite"):
        mt.linalg.cholesky(-mt.eye(2))
    for op in (mt.linalg.det, mt.linalg.inv, mt.linalg.slogdet, mt.linalg.cholesky):
        with pytest.raises(ValueError, match=r"square.*\(2, 3\)"):
            op(mt.ones(2, 3))
    with pytest.raises(ValueError, match="does not fit"):
        mt.linalg.solve(mt.eye(2), mt.ones(3, 1))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_against_pytorch():
    torch = pytest.importorskip("torch")
    x = np.array([[0.3, -0.8, 0.6], [0.1, 0.5, -0.2], [0.9, 0.05, 0.4]])
    calls = [
        lambda L, t: L.asin(t) + L.arcsin(t * 1e-9) * 1e9,
        lambda L, t: t.acos(),
        lambda L, t: L.atan(t * 5),
        lambda L, t: L.atan2(t, t.flip(0)),
        lambda L, t: L.erfc(t * 4),
        lambda L, t: L.sinc(t * 3) + L.sinc(t * 0),
        lambda L, t: L.linalg.det(t),
        lambda L, t: L.linalg.slogdet(t)[1],
        lambda L, t: L.logdet(t @ t.T + L.eye(3, dtype=t.dtype)),
        lambda L, t: L.linalg.inv(t),
        lambda L, t: t.inverse(),
        lambda L, t: L.linalg.solve(t, t.flip(1)),
        lambda L, t: L.linalg.solve(t, t[0]),
        lambda L, t: L.linalg.solve(t, t.flip(1), left=False),
        lambda L, t: L.linalg.cholesky(t @ t.T + L.eye(3, dtype=t.dtype)),
        lambda L, t: L.linalg.cholesky(t @ t.T + L.eye(3, dtype=t.dtype), upper=True),
        lambda L, t: L.linalg.det(L.stack([t, t * 2])),
    ]
    assert_like_torch(torch, x, calls, rtol=1e-10, atol=1e-12)  # ("call k": the k-th of calls)
    for k, call in enumerate(calls):  # second derivatives (of sinc at 0: -pi^2/3 here, NaN in torch)
        if k == 5:
            continue
        grads = []
        for lib in (mt, torch):
            t = lib.tensor(x, requires_grad=True)
            (g,) = lib.autograd.grad((call(lib, t) ** 2).sum(), t, create_graph=True)
            (h,) = lib.autograd.grad((g * lib.tensor(np.cos(np.arange(9.0)).reshape(3, 3))).sum(), t)
            grads.append(h.detach().numpy())
        np.testing.assert_allclose(grads[0], grads[1], rtol=1e-9, atol=1e-10, err_msg=f"call {k}")


def test_kernel_functions_are_replayed():
    # asin, acos, atan, atan2 and erfc were Functions (or a value correction): Replay raised ReplayError
    from mytorch.replay import Replay

    mt.manual_seed(0)
    model = mt.nn.Linear(4, 3)
    opt = mt.optim.SGD(model.parameters(), lr=0.01)

    def step(x):
        opt.zero_grad()
        y = model(x).tanh() * 0.9
        loss = (mt.asin(y) + y.acos() + mt.atan(y * 3) + mt.erfc(y) + mt.atan2(y, y * 0.5 + 2)).sum()
        loss.backward()
        opt.step()
        return loss

    replay = Replay(step, optimizer=opt)
    rng = np.random.default_rng(0)
    for _ in range(3):
        replay(mt.tensor(rng.standard_normal((5, 4)), dtype=mt.float32))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sinc_of_large_values_has_finite_derivatives(dtype):
    """sinc computes its series only where it is used (of 0 elsewhere): of a large x the series
    overflowed, and its unused branch's gradient, 0 times an inf slope, made the first and second
    derivatives NaN, even where no value is small (before, only tensors holding a small one)."""
    big = 1e100 if dtype is np.float64 else 1e10
    x = mt.tensor(np.array([big, -3.0 * big, 0.0, 0.01, 2.5], dtype=dtype), requires_grad=True)
    (g,) = mt.autograd.grad(mt.sinc(x).sum(), x, create_graph=True)
    (h,) = mt.autograd.grad(g.sum(), x)
    v = np.array([big, -3.0 * big, 0.0, 0.01, 2.5])
    z = np.pi * v
    with np.errstate(divide="ignore", invalid="ignore"):
        first = np.where(v == 0, 0.0, (np.cos(z) * z - np.sin(z)) / (np.pi * v * v))
        curve = (-z * z * np.sin(z) - 2 * z * np.cos(z) + 2 * np.sin(z)) * np.pi**2 / z**3
        second = np.where(v == 0, -(np.pi**2) / 3, curve)
    assert np.isfinite(g.detach().numpy()).all() and np.isfinite(h.numpy()).all()
    # (float32 holds pi * 1e10 to about 1e3: its large values are only checked finite)
    kept = slice(None) if dtype is np.float64 else slice(2, None)
    tol = 1e-9 if dtype is np.float64 else 2e-3
    np.testing.assert_allclose(g.detach().numpy()[kept], first[kept], rtol=tol, atol=1e-300)
    np.testing.assert_allclose(h.numpy()[kept], second[kept], rtol=tol, atol=1e-300)


def test_atan2_gradient_at_the_origin_is_zero():
    """At a = b = 0 (or a^2 + b^2 underflowing) the gradient g b / (a^2 + b^2) was 0 / 0 = NaN;
    PyTorch 2.13's is 0, so one point at the origin no longer makes the whole gradient NaN.
    Elsewhere b / r^2 and -a / r^2 (closed form); forward mode alike."""
    a = mt.tensor([0.0, -0.0, 0.0, 1e-30, 2.0], dtype=mt.float32, requires_grad=True)
    b = mt.tensor([0.0, 0.0, -0.0, 1e-30, 3.0], dtype=mt.float32, requires_grad=True)
    ga, gb = mt.autograd.grad(mt.atan2(a, b).sum(), [a, b])
    np.testing.assert_allclose(ga.numpy(), [0, 0, 0, 0, 3 / 13], rtol=1e-6)
    np.testing.assert_allclose(gb.numpy(), [0, 0, 0, 0, -2 / 13], rtol=1e-6)
    _, tangent = mt.func.jvp(lambda x: mt.atan2(x, b.detach()), (a.detach(),), (mt.ones(5),))
    np.testing.assert_allclose(tangent.numpy(), [0, 0, 0, 0, 3 / 13], rtol=1e-6)


def test_vecdot_and_multi_dot():
    # linalg.vecdot and linalg.multi_dot were missing
    r = np.random.default_rng(0)
    a, b, c, v = r.normal(size=(3, 10)), r.normal(size=(10, 2)), r.normal(size=(2, 7)), r.normal(size=7)
    np.testing.assert_allclose(mt.linalg.multi_dot([mt.tensor(a), b, c, v]).numpy(), a @ b @ c @ v, rtol=1e-12)
    np.testing.assert_allclose(mt.linalg.multi_dot([a[0], b]).numpy(), a[0] @ b, rtol=1e-12)
    assert mt.linalg.multi_dot([a[0], b, c, v]).shape == ()
    A, B = mt.tensor(a, requires_grad=True), mt.tensor(b, requires_grad=True)
    assert mt.autograd.gradcheck(lambda A, B: mt.linalg.multi_dot([A, B, mt.tensor(c)]), (A, B))
    x, y = mt.tensor(a, requires_grad=True), mt.tensor(r.normal(size=(2, 1, 10)))
    dots = mt.linalg.vecdot(x, y)
    np.testing.assert_allclose(dots.detach().numpy(), (a * y.numpy()).sum(-1), rtol=1e-12)
    assert dots.shape == (2, 3)
    np.testing.assert_allclose(mt.linalg.vecdot(x, x, dim=0).detach().numpy(), (a * a).sum(0), rtol=1e-12)
    z = mt.tensor(np.array([1 + 2j, 3j]))
    assert mt.linalg.vecdot(z, z).item() == pytest.approx(14.0)  # x conjugated: |1 + 2i|^2 + |3i|^2
    with pytest.raises(ValueError, match="at least 2"):
        mt.linalg.multi_dot([A])


def test_matrix_exp_closed_forms_and_derivatives():
    # linalg.matrix_exp was NotInMyTorchError (the parametrizations tutorial, Lie-group layers)
    t = 0.7
    rotation = mt.linalg.matrix_exp(mt.tensor([[0.0, -t], [t, 0.0]], dtype=mt.float64)).numpy()
    np.testing.assert_allclose(rotation, [[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]], rtol=1e-14)
    np.testing.assert_allclose(mt.matrix_exp(mt.tensor([[0.0, 1.0], [0.0, 0.0]])).numpy(), [[1, 1], [0, 1]])
    big = np.diag([3.0, -20.0, 12.0])  # past the approximant's range: scaled and squared
    np.testing.assert_allclose(mt.tensor(big).matrix_exp().numpy(), np.diag(np.exp([3.0, -20.0, 12.0])), rtol=1e-13)
    batch = mt.linalg.matrix_exp(mt.tensor(np.stack([np.eye(2) * k for k in range(3)])))
    np.testing.assert_allclose(batch.numpy()[:, 0, 0], np.exp([0.0, 1.0, 2.0]), rtol=1e-14)
    x = mt.tensor(np.random.default_rng(0).normal(size=(3, 3)) * 0.8, requires_grad=True)
    assert mt.autograd.gradcheck(mt.linalg.matrix_exp, (x,))
    w = mt.tensor(np.random.default_rng(1).normal(size=(3, 3)))

    def gradient(a):  # the gradient of <w, exp(a)>, recorded: its own gradient is the second derivative
        with mt.enable_grad():
            leaf = a if a.requires_grad else a.detach().requires_grad_()  # (the finite differences' copies)
            (g,) = mt.autograd.grad((mt.linalg.matrix_exp(leaf) * w).sum(), leaf, create_graph=True)
        return g

    assert mt.autograd.gradcheck(gradient, (x,))
    tangent = np.random.default_rng(2).normal(size=(3, 3))
    _, pushed = jvp(mt.linalg.matrix_exp, (x.detach(),), (mt.tensor(tangent),))
    h = 1e-6
    central = (
        mt.linalg.matrix_exp(x.detach() + h * mt.tensor(tangent)).numpy()
        - mt.linalg.matrix_exp(x.detach() - h * mt.tensor(tangent)).numpy()
    ) / (2 * h)
    np.testing.assert_allclose(pushed.numpy(), central, rtol=1e-6, atol=1e-8)
    with pytest.raises(ValueError, match="matrix_exp"):
        mt.linalg.matrix_exp(mt.ones(2, 3))


def test_matrix_exp_matches_pytorch():
    torch = pytest.importorskip("torch")
    r = np.random.default_rng(0)
    for scale in (0.1, 1.0, 5.0, 30.0):
        a, w = r.normal(size=(2, 4, 4)) * scale, r.normal(size=(2, 4, 4))
        ours, theirs = mt.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
        mine, want = mt.linalg.matrix_exp(ours), torch.linalg.matrix_exp(theirs)
        (mine * mt.tensor(w)).sum().backward()
        (want * torch.tensor(w)).sum().backward()
        size, grad_size = np.abs(want.detach().numpy()).max(), np.abs(theirs.grad.numpy()).max()
        np.testing.assert_allclose(mine.detach().numpy(), want.detach().numpy(), rtol=0, atol=1e-13 * size)
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=0, atol=1e-13 * grad_size)

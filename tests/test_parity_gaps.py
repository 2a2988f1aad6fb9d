"""PyTorch parity gaps of issue 13: resize_, matrix norms, cumprod, autograd.functional strict=True."""

import numpy as np
import pytest

import mytorch as mt


def test_resize_keeps_elements_in_order_and_refuses_grad():
    t = mt.arange(6.0)
    assert t.resize_(2, 2) is t and t.shape == (2, 2) and t.tolist() == [[0.0, 1.0], [2.0, 3.0]]
    assert t.resize_(5).tolist() == [0.0, 1.0, 2.0, 3.0, 0.0]  # (PyTorch leaves the new one uninitialised)
    assert t.resize_as_(mt.zeros(1, 3)).shape == (1, 3)
    with pytest.raises(RuntimeError, match="requires grad"):
        mt.ones(3, requires_grad=True).resize_(2)
    with pytest.raises(RuntimeError, match="requires grad"):
        (mt.ones(3, requires_grad=True) * 2).resize_(3)


MATRIX_ORDERS = ["fro", "nuc", 2, -2, 1, -1, float("inf"), -float("inf")]


def _numeric_gradient(f, a, eps=1e-6):
    g = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        up, down = a.copy(), a.copy()
        up[i] += eps
        down[i] -= eps
        g[i] = (f(up) - f(down)) / (2 * eps)
    return g


@pytest.mark.parametrize("order", MATRIX_ORDERS)
def test_matrix_norm_values_and_gradients_match_numpy_and_differences(order):
    a = np.random.default_rng(3).standard_normal((3, 4))
    x = mt.tensor(a, requires_grad=True)
    y = mt.linalg.matrix_norm(x, order)
    y.backward()
    assert abs(y.item() - np.linalg.norm(a, order)) < 1e-12
    want = _numeric_gradient(lambda m: np.linalg.norm(m, order), a)
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-6, atol=1e-7)


def test_two_norm_gradient_is_u1_v1_transposed_and_nuclear_is_u_vt():
    a = np.random.default_rng(4).standard_normal((4, 3))
    u, _, vt = np.linalg.svd(a, full_matrices=False)
    x = mt.tensor(a, requires_grad=True)
    mt.linalg.norm(x, 2).backward()
    np.testing.assert_allclose(x.grad.numpy(), np.outer(u[:, 0], vt[0]), atol=1e-12)
    x.grad = None
    x.norm(p="nuc").backward()
    np.testing.assert_allclose(x.grad.numpy(), u @ vt, atol=1e-12)


def test_matrix_norms_of_batches_along_dims_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    a = rng.standard_normal((2, 3, 4))
    for order in MATRIX_ORDERS:
        for dim, keepdim in [((-2, -1), False), ((0, 2), True), ((2, 1), False)]:
            got, want = [], []
            for lib, out in ((mt, got), (torch, want)):
                x = lib.tensor(a, requires_grad=True)
                y = lib.linalg.matrix_norm(x, order, dim, keepdim)
                w = lib.tensor(np.linspace(-1.0, 2.0, y.numel()).reshape(tuple(y.shape)))
                (y * w).sum().backward()
                out += [y.detach().numpy(), x.grad.numpy()]
            for g, t in zip(got, want):
                np.testing.assert_allclose(g, t, rtol=1e-10, atol=1e-12, err_msg=f"{order} {dim} {keepdim}")
    m = a[0].astype(np.float32)
    for order in [None, "fro", "nuc", 2, -1, float("inf")]:
        got, want = mt.linalg.norm(mt.tensor(m), order), torch.linalg.norm(torch.tensor(m), order)
        assert got.dtype == mt.float32 and abs(got.item() - want.item()) < 1e-5
    assert (
        abs(
            mt.tensor(a).norm(p="nuc", dim=(0, 1)).sum().item() - torch.tensor(a).norm(p="nuc", dim=(0, 1)).sum().item()
        )
        < 1e-12
    )


def test_singular_values_forward_mode_and_a_rank_deficient_create_graph_refused():
    import mytorch.func

    rng = np.random.default_rng(6)
    a, t = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    _, tangent = mytorch.func.jvp(lambda m: mt.linalg.matrix_norm(m, "nuc"), (mt.tensor(a),), (mt.tensor(t),))
    eps = 1e-6
    numeric = (np.linalg.norm(a + eps * t, "nuc") - np.linalg.norm(a - eps * t, "nuc")) / (2 * eps)
    assert abs(tangent.item() - numeric) < 1e-6
    np.testing.assert_allclose(mt.linalg.svdvals(mt.tensor(a)).numpy(), np.linalg.svd(a, compute_uv=False))
    x = mt.tensor(np.array([[1.0, 2.0], [2.0, 4.0], [0.0, 0.0]]), requires_grad=True)  # (rank 1)
    with pytest.raises(RuntimeError, match="rank-deficient"):
        mt.grad(mt.linalg.matrix_norm(x, "nuc"), x, create_graph=True)


def test_norm_argument_errors():
    with pytest.raises(ValueError, match="1 or 2 axes"):
        mt.linalg.norm(mt.ones(2, 2, 2), 2)
    with pytest.raises(ValueError, match="is a matrix norm"):
        mt.linalg.norm(mt.ones(3), "nuc")
    with pytest.raises(ValueError, match="pair of axes"):
        mt.linalg.matrix_norm(mt.ones(2, 2), 2, dim=(0,))
    with pytest.raises(ValueError, match="two different axes"):
        mt.linalg.matrix_norm(mt.ones(2, 2), 2, dim=(1, 1))
    with pytest.raises(RuntimeError, match="floating-point"):
        mt.linalg.matrix_norm(mt.ones(2, 2, dtype=mt.int64), "nuc")
    assert mt.linalg.norm(mt.tensor([[3.0, 4.0]]), dim=1).tolist() == [5.0]


def test_cumprod_is_one_operation_with_exact_gradients_at_zeros():
    import mytorch.func

    a = np.array([[2.0, 0.0, 3.0, 0.0, -1.5], [0.5, 1.5, -2.0, 0.0, 4.0], [1.1, 0.7, -2.0, 0.5, 3.0]])
    w = np.linspace(-1.0, 1.0, a.size).reshape(a.shape)
    x = mt.tensor(a, requires_grad=True)
    y = x.cumprod(1)
    assert len(y._tape.operation_list) == 1 and y.grad_fn.name() == "CumprodBackward0"
    (y * mt.tensor(w)).sum().backward()
    want = _numeric_gradient(lambda m: float((np.cumprod(m, 1) * w).sum()), a)
    np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-7, atol=1e-9)
    t = np.random.default_rng(7).standard_normal(a.shape)
    _, tangent = mytorch.func.jvp(lambda m: m.cumprod(1), (mt.tensor(a),), (mt.tensor(t),))
    eps = 1e-6
    numeric = (np.cumprod(a + eps * t, 1) - np.cumprod(a - eps * t, 1)) / (2 * eps)
    np.testing.assert_allclose(tangent.numpy(), numeric, rtol=1e-7, atol=1e-9)
    assert mt.tensor([1, 2, 3], dtype=mt.int32).cumprod(0).dtype == mt.int64


def test_cumprod_with_zeros_against_torch_to_second_order():
    torch = pytest.importorskip("torch")
    a = np.array([[0.0, 2.0, 0.0, 3.0], [1.5, 0.0, 0.0, 2.0], [0.0, 0.0, 0.0, 0.0], [1.0, -2.0, 0.5, 3.0]])
    w, v = np.cos(np.arange(a.size)).reshape(a.shape), np.sin(np.arange(a.size)).reshape(a.shape)
    results = []
    for lib, grad in ((mt, mt.grad), (torch, torch.autograd.grad)):
        x = lib.tensor(a, requires_grad=True)
        (g,) = grad((x.cumprod(1) * lib.tensor(w)).sum(), x, create_graph=True)
        (h,) = grad((g * lib.tensor(v)).sum(), x)
        results.append((g.detach().numpy(), h.numpy()))
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


STRICT_FUNCTIONS = {
    "unused y": lambda a, b: (a * 2).sum(),
    "detached": lambda a, b: (a.detach() * b.detach()).sum(),
    "square": lambda a, b: (a**2).sum() + (b**2).sum(),
    "linear": lambda a, b: (2 * a).sum() + (3 * b).sum(),
    "x^2 + y": lambda a, b: (a**2).sum() + b.sum(),
    "x*y": lambda a, b: (a * b).sum(),
    "x*y*0": lambda a, b: (a * b * 0).sum(),
    "cube": lambda a, b: (a**3).sum() + (a * b).sum() * (b**2).sum(),
}
STRICT_TUPLES = {"tuple out": lambda a, b: (a * 2, b * 3), "tuple out mixed": lambda a, b: (a * b, b**2)}


def _strict_verdicts(lib):
    """For each function and each of vjp, jvp, jacobian, hessian, hvp, vhp with create_graph False and
    True: whether strict=True raises RuntimeError."""
    af = lib.autograd.functional
    x, y = lib.tensor([1.0, 2.0], dtype=lib.float64), lib.tensor([3.0, 4.0], dtype=lib.float64)
    ones = (lib.ones(2, dtype=lib.float64), lib.ones(2, dtype=lib.float64))
    calls = {
        "vjp": lambda f, cg: af.vjp(f, (x, y), lib.tensor(1.0, dtype=lib.float64), cg, True),
        "jvp": lambda f, cg: af.jvp(f, (x, y), ones, cg, True),
        "jacobian": lambda f, cg: af.jacobian(f, (x, y), cg, True),
        "hessian": lambda f, cg: af.hessian(f, (x, y), cg, True),
        "hvp": lambda f, cg: af.hvp(f, (x, y), ones, cg, True),
        "vhp": lambda f, cg: af.vhp(f, (x, y), ones, cg, True),
    }
    verdicts = {}
    for name, f in {**STRICT_FUNCTIONS, **STRICT_TUPLES}.items():
        for what, call in calls.items():
            if name in STRICT_TUPLES and what not in ("jvp", "jacobian"):
                continue
            for cg in (False, True):
                try:
                    call(f, cg)
                    verdicts[name, what, cg] = "ok"
                except RuntimeError:
                    verdicts[name, what, cg] = "raises"
    return verdicts


def test_strict_mode_raises_where_pytorch_raises():
    torch = pytest.importorskip("torch")
    assert _strict_verdicts(mt) == _strict_verdicts(torch)


def test_strict_mode_rules_without_torch():
    af = mt.autograd.functional
    x, y = mt.tensor([1.0, 2.0], dtype=mt.float64), mt.tensor([3.0, 4.0], dtype=mt.float64)
    with pytest.raises(RuntimeError, match="independent of input 1"):
        af.vjp(lambda a, b: (a * 2).sum(), (x, y), strict=True)
    with pytest.raises(RuntimeError, match="output 1 of the function is independent of input 0"):
        af.jacobian(lambda a, b: (a * b, b**2), (x, y), strict=True)
    with pytest.raises(RuntimeError, match="gradient for input 0 is independent of input 0"):
        af.hessian(lambda a, b: (a * b).sum(), (x, y), strict=True)
    with pytest.raises(RuntimeError, match="does not depend on the inputs"):
        af.vjp(lambda a: (2 * a).sum(), x, create_graph=True, strict=True)
    out, (gx, gy) = af.vjp(lambda a, b: (a * b * 0).sum(), (x, y), strict=True)  # zero, but connected
    assert gx.tolist() == [0.0, 0.0] and gy.tolist() == [0.0, 0.0]
    np.testing.assert_array_equal(af.hessian(lambda a: (a**3).sum(), x, strict=True).numpy(), np.diag([6.0, 12.0]))

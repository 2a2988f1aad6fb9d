"""``linalg.lu``, ``lu_factor``, ``lu_factor_ex``, ``lu_solve``, ``torch.lu_unpack`` and the older
``torch.lu`` / ``torch.lu_solve``: factors against their definition, pivots against LAPACK's
rule, gradients (and second derivatives) against finite differences, and everything against
PyTorch 2.13 where it is installed."""

from __future__ import annotations

import numpy as np
import pytest

import mytorch as mt
from mytorch.autograd import gradcheck, gradgradcheck

SHAPES = [(4, 4), (2, 3, 3), (3, 5), (5, 3), (2, 2, 4)]


def _a(shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


@pytest.mark.parametrize("shape", SHAPES)
def test_the_factors_multiply_back_with_lapacks_pivots(shape):
    a = _a(shape)
    p, lower, upper = mt.linalg.lu(mt.tensor(a))
    m, n = shape[-2:]
    k = min(m, n)
    assert p.shape == (*shape[:-2], m, m) and lower.shape == (*shape[:-2], m, k) and upper.shape == (*shape[:-2], k, n)
    np.testing.assert_allclose((p @ lower @ upper).numpy(), a, atol=1e-12)
    assert np.array_equal(np.triu(lower.numpy(), 1), np.zeros_like(lower.numpy()))
    assert np.array_equal(np.tril(upper.numpy(), -1), np.zeros_like(upper.numpy()))
    assert np.all(np.abs(lower.numpy()) <= 1 + 1e-15)  # (partial pivoting: |L| <= 1)
    packed, pivots = mt.linalg.lu_factor(mt.tensor(a))
    assert pivots.dtype == mt.int32 and pivots.shape == (*shape[:-2], k)
    p2, l2, u2 = mt.lu_unpack(packed, pivots)
    for x, y in ((p, p2), (lower, l2), (upper, u2)):
        np.testing.assert_array_equal(x.numpy(), y.numpy())
    assert all(np.array_equal(x.numpy(), y.numpy()) for x, y in zip(mt.lu(mt.tensor(a)), (packed, pivots)))


def test_singular_matrices_and_refusals_as_pytorchs():
    zero = mt.zeros(3, 3, dtype=mt.float64)
    packed, pivots, info = mt.linalg.lu_factor_ex(zero)
    assert pivots.tolist() == [1, 2, 3] and info.item() == 1 and packed.abs().sum().item() == 0
    _, _, info = mt.linalg.lu_factor_ex(mt.tensor([[1.0, 2.0], [2.0, 4.0]]))
    assert info.item() == 2
    with pytest.raises(RuntimeError, match="U\\[1,1\\] is zero and using it on lu_solve"):
        mt.linalg.lu_factor(zero)
    with pytest.raises(RuntimeError, match="LU without pivoting is not implemented on the CPU"):
        mt.linalg.lu(zero, pivot=False)
    with pytest.raises(ValueError, match="pivots must be integers of shape"):
        mt.lu_unpack(zero, mt.tensor([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="needs matrices"):
        mt.linalg.lu(mt.ones(3))


@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (4, 2)])
def test_gradients_and_second_derivatives_match_finite_differences(shape):
    a = mt.tensor(_a(shape, seed=1) + 3 * np.eye(*shape), requires_grad=True)
    assert gradcheck(lambda x: mt.linalg.lu(x).L, (a,))
    assert gradcheck(lambda x: mt.linalg.lu(x).U, (a,))
    assert gradcheck(lambda x: mt.linalg.lu_factor(x).LU if shape[0] == shape[1] else mt.linalg.lu(x).U.sin(), (a,))
    assert gradgradcheck(lambda x: (mt.linalg.lu(x).L ** 2).sum() + mt.linalg.lu(x).U.tanh().sum(), (a,))
    # linear in U: U's backward gets a constant gradient, and its create_graph result must still depend on A
    weights = mt.tensor(_a(shape, seed=2)[: min(shape)])

    def gradient(x):
        return mt.autograd.grad((mt.linalg.lu(x).U * weights).sum(), x, create_graph=True)[0]

    (second,) = mt.autograd.grad(gradient(a).sin().sum(), a)
    numeric = np.zeros(shape)
    for index in np.ndindex(shape):
        step = np.zeros(shape)
        step[index] = 1e-6
        up, down = (mt.tensor(a.detach().numpy() + s, requires_grad=True) for s in (step, -step))
        numeric[index] = float(gradient(up).sin().sum() - gradient(down).sin().sum()) / 2e-6
    np.testing.assert_allclose(second.numpy(), numeric, rtol=1e-5, atol=1e-7)


def test_lu_solve_gradients_reach_the_factors_and_the_right_hand_side():
    a = _a((3, 3), seed=2) + 3 * np.eye(3)
    b = mt.tensor(_a((3, 2), seed=3), requires_grad=True)
    packed, pivots = mt.linalg.lu_factor(mt.tensor(a))
    for left, adjoint in ((True, False), (True, True), (False, False), (False, True)):
        rhs = b if left else b.T
        x = mt.linalg.lu_solve(packed, pivots, rhs, left=left, adjoint=adjoint)
        op = a.T if adjoint else a
        expected = np.linalg.solve(op, rhs.detach().numpy()) if left else rhs.detach().numpy() @ np.linalg.inv(op)
        np.testing.assert_allclose(x.detach().numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(mt.lu_solve(b, packed, pivots).detach().numpy(), np.linalg.solve(a, b.detach().numpy()))
    lu_leaf = packed.detach().requires_grad_()
    assert gradcheck(lambda f, r: mt.linalg.lu_solve(f, pivots, r), (lu_leaf, b))
    assert gradcheck(lambda f, r: mt.linalg.lu_solve(f, pivots, r, left=False, adjoint=True), (lu_leaf, b.T))


def test_values_and_gradients_match_pytorchs():
    torch = pytest.importorskip("torch")
    for shape in SHAPES:
        a0 = _a(shape, seed=4)
        m, n = shape[-2:]
        g = [_a(shape[:-2] + s, seed=5 + i) for i, s in enumerate(((m, min(m, n)), (min(m, n), n)))]
        found = []
        for library in (mt, torch):
            a = library.tensor(a0, requires_grad=True)
            p, lower, upper = library.linalg.lu(a)
            packed, pivots = library.linalg.lu_factor(a)
            total = (lower * library.tensor(g[0])).sum() + (upper * library.tensor(g[1])).sum() + (packed**2).sum()
            (grad,) = library.autograd.grad(total, a, create_graph=True)
            (hessian_row,) = library.autograd.grad(grad.sin().sum(), a)
            found.append([x.detach().numpy() for x in (p, lower, upper, packed, pivots, grad, hessian_row)])
        for i, (x, y) in enumerate(zip(*found)):
            np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-11, err_msg=f"{shape} output {i}")
    a0, b0 = _a((2, 3, 3), seed=9) + 2 * np.eye(3), _a((2, 3, 2), seed=10)
    found = []
    for library in (mt, torch):
        a, b = library.tensor(a0, requires_grad=True), library.tensor(b0, requires_grad=True)
        packed, pivots = library.linalg.lu_factor(a)
        x = library.linalg.lu_solve(packed, pivots, b) + library.linalg.lu_solve(packed, pivots, b, adjoint=True)
        (x**2).sum().backward()
        found.append([x.detach().numpy(), a.grad.numpy(), b.grad.numpy()])
    for x, y in zip(*found):
        np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("shape", SHAPES)
def test_forward_mode_and_forward_over_reverse_hessians_match_differences(shape):
    """func.jvp of L, U and the packed LU, and func.hessian (forward over reverse) through them
    and lu_solve: "jvp: operation 0 (_LuPart_backward) has no JVP rule" until 2026-12-04."""
    a0, v0 = _a(shape, seed=11), _a(shape, seed=12)
    parts = {
        "L": lambda x: mt.linalg.lu(x).L,
        "U": lambda x: mt.linalg.lu(x).U,
        "LU": lambda x: mt.linalg.lu_factor(x).LU,
    }
    for name, part in parts.items():
        _, tangent = mt.func.jvp(part, (mt.tensor(a0),), (mt.tensor(v0),))
        numeric = (part(mt.tensor(a0 + 1e-6 * v0)).numpy() - part(mt.tensor(a0 - 1e-6 * v0)).numpy()) / 2e-6
        np.testing.assert_allclose(tangent.numpy(), numeric, rtol=1e-6, atol=1e-8, err_msg=name)
    w = _a(shape, seed=13)

    def f(x):
        packed, pivots = mt.linalg.lu_factor(x)
        total = (packed**2 * mt.tensor(w)).sum() + (mt.linalg.lu(x).L ** 3).sum()
        if shape[-1] == shape[-2]:
            total = total + (mt.linalg.lu_solve(packed, pivots, x[..., :1]) ** 2).sum()
        return total

    a = mt.tensor(a0, requires_grad=True)
    (g,) = mt.autograd.grad(f(a), a, create_graph=True)
    (reverse,) = mt.autograd.grad((g * mt.tensor(v0)).sum(), a)
    _, forward = mt.func.hvp(f, (mt.tensor(a0),), (mt.tensor(v0),))
    np.testing.assert_allclose(forward[0].numpy(), reverse.numpy(), rtol=1e-9, atol=1e-10)
    if len(shape) == 2:
        hessian = mt.func.hessian(f)(mt.tensor(a0)).numpy().reshape(a0.size, a0.size)
        np.testing.assert_allclose(hessian @ v0.reshape(-1), reverse.numpy().reshape(-1), rtol=1e-9, atol=1e-10)


def test_forward_mode_matches_pytorchs():
    torch = pytest.importorskip("torch")
    for shape in SHAPES:
        a0, v0 = _a(shape, seed=14), _a(shape, seed=15)
        picks = (lambda L, x: L.linalg.lu(x)[1], lambda L, x: L.linalg.lu(x)[2], lambda L, x: L.linalg.lu_factor(x)[0])
        for pick in picks:
            mine = mt.func.jvp(lambda x: pick(mt, x), (mt.tensor(a0),), (mt.tensor(v0),))[1]
            theirs = torch.func.jvp(lambda x: pick(torch, x), (torch.tensor(a0),), (torch.tensor(v0),))[1]
            np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-9, atol=1e-11, err_msg=str(shape))


def test_solve_ex_and_inv_ex_report_singular_matrices_in_info():
    a = np.stack([_a((3, 3), seed=11) + 2 * np.eye(3), np.ones((3, 3))])  # the second is singular
    b = _a((2, 3), seed=12)
    t = mt.tensor(a, requires_grad=True)
    x, info = mt.linalg.solve_ex(t, mt.tensor(b))
    assert info.dtype == mt.int32 and info.tolist() == [0, 2]
    np.testing.assert_allclose(x.detach().numpy()[0], np.linalg.solve(a[0], b[0]), rtol=1e-12)
    assert np.isnan(x.detach().numpy()[1]).all()  # (PyTorch's holds LAPACK's infinities)
    x[0].sum().backward()  # the invertible one's gradient is solve's
    gb = np.linalg.solve(a[0].T, np.ones(3))
    np.testing.assert_allclose(t.grad.numpy()[0], -np.outer(gb, np.linalg.solve(a[0], b[0])), rtol=1e-10)
    assert not t.grad.numpy()[1].any()
    inverse, info = mt.linalg.inv_ex(mt.tensor(a))
    np.testing.assert_allclose(inverse.numpy()[0], np.linalg.inv(a[0]), rtol=1e-12)
    assert info.tolist() == [0, 2] and np.isnan(inverse.numpy()[1]).all()
    assert mt.linalg.inv_ex(mt.eye(2) * 2).info.item() == 0
    with pytest.raises(
        mt.linalg.LinAlgError, match="linalg.solve_ex: The solver failed because the input matrix is singular"
    ):
        mt.linalg.solve_ex(mt.tensor(a), mt.tensor(b), check_errors=True)
    with pytest.raises(RuntimeError, match="linalg.inv_ex: The diagonal element 2 is zero"):
        mt.linalg.inv_ex(mt.tensor(a), check_errors=True)


def test_triangular_solve_reads_one_triangle_in_pytorchs_older_argument_order():
    a = _a((3, 3), seed=13) + 3 * np.eye(3)
    b = _a((3, 2), seed=14)
    for upper in (True, False):
        for transpose in (False, True):
            triangle = np.triu(a) if upper else np.tril(a)
            op = triangle.T if transpose else triangle
            x, copy = mt.triangular_solve(mt.tensor(b), mt.tensor(a), upper=upper, transpose=transpose)
            np.testing.assert_allclose(x.numpy(), np.linalg.solve(op, b), rtol=1e-12)
            np.testing.assert_array_equal(copy.numpy(), a)
    leaf = mt.tensor(a, requires_grad=True)
    assert gradcheck(
        lambda m, r: mt.triangular_solve(r, m, transpose=True).solution, (leaf, mt.tensor(b, requires_grad=True))
    )


def test_pytorchs_older_tensor_methods():
    a = mt.tensor(_a((3, 3), seed=15) + 3 * np.eye(3))
    b = mt.tensor(_a((3, 1), seed=16))
    packed, pivots = a.lu()
    np.testing.assert_array_equal(packed.numpy(), mt.linalg.lu_factor(a).LU.numpy())
    np.testing.assert_allclose(b.lu_solve(packed, pivots).numpy(), np.linalg.solve(a.numpy(), b.numpy()), rtol=1e-12)
    x, _ = b.triangular_solve(a, upper=False)
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(np.tril(a.numpy()), b.numpy()), rtol=1e-12)

"""Higher-order and forward-mode derivatives through complex tensors, in PyTorch's convention (the
gradient of a real loss L in z = x + iy is dL/dx + i dL/dy; ``tests/test_bad_data.py`` checks first
derivatives). The tangent of a real result of complex numbers is real: ``abs``'s and ``var``'s were
``sign(z) ż`` and ``sum(2 (z - mean) ż)``, complex (``abs``'s imaginary part came out of
``func.jvp`` as if it were a derivative). A recorded backward through ``real`` / ``imag`` raised
("does not run on Tensors"), so third derivatives through any complex operation did too.
``Tensor.conj()`` is PyTorch's, recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import mytorch as mt
from mytorch import func

try:
    import torch
except ImportError:  # (the comparisons with PyTorch are skipped; the rest runs)
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

_rng = np.random.default_rng(4)
Z = _rng.standard_normal((3, 4)) + 1j * _rng.standard_normal((3, 4))
Z2 = _rng.standard_normal((3, 4)) + 1j * _rng.standard_normal((3, 4))
M = _rng.standard_normal((4, 3)) + 1j * _rng.standard_normal((4, 3))
W = _rng.standard_normal(18)

# name: f(lib, z), z of Z's shape; the result may be real or complex
OPS: dict[str, Callable[[Any, Any], Any]] = {
    "exp": lambda L, z: z.exp(),
    "log": lambda L, z: z.log(),
    "tanh": lambda L, z: z.tanh(),
    "sigmoid": lambda L, z: z.sigmoid(),
    "sqrt": lambda L, z: z.sqrt(),
    "pow 2.5": lambda L, z: z**2.5,
    "mul, div": lambda L, z: z * L.tensor(Z2) * z / (z + 3),
    "matmul": lambda L, z: z @ L.tensor(M),
    "prod": lambda L, z: z.prod(1),
    "index, cat": lambda L, z: L.cat([z[[0, 2, 2], 1:], z[:, :3] * 2], 0),
    "abs": lambda L, z: z.abs(),
    "abs of exp": lambda L, z: (z.exp() * z).abs(),
    "var": lambda L, z: z.var(1),
    "std": lambda L, z: z.std(0),
    "norm": lambda L, z: z.norm(dim=1),
    "sgn": lambda L, z: z.sgn(),
    "real, imag": lambda L, z: z.real * z.imag,
    "conj": lambda L, z: z.conj() * z.sin(),
    "negative number ** z": lambda L, z: (-1.5) ** z,  # (its gradient was NaN until 2026-12-05)
    "number ** z": lambda L, z: 1.5**z,
}


def _loss(L: Any, y: Any) -> Any:
    """A real loss of a real or complex result: weighted parts and the squared modulus."""
    y = y.reshape(-1)
    w = L.tensor(W[: y.shape[0]])
    if y.is_complex():
        return (y.real * w + y.imag * w.flip(0)).sum() + (y.abs() ** 2).sum() * 0.1
    return (y * w).sum() + (y**2).sum() * 0.1


def _dot(L: Any, g: Any, v: np.ndarray) -> Any:
    """The real inner product <g, v> of a complex g (Re sum conj(g) v), recorded."""
    return (g.real * L.tensor(v.real) + g.imag * L.tensor(v.imag)).sum()


def test_forward_mode_of_a_real_result_of_complex_numbers_is_real() -> None:
    t = Z2
    _, tangent = func.jvp(lambda z: z.abs(), (mt.tensor(Z),), (mt.tensor(t),))
    assert tangent.dtype == mt.float64
    np.testing.assert_allclose(tangent.numpy(), (np.conj(Z) * t).real / np.abs(Z), rtol=1e-12)
    _, tangent = func.jvp(lambda z: z.var(1), (mt.tensor(Z),), (mt.tensor(t),))
    centred = Z - Z.mean(1, keepdims=True)
    np.testing.assert_allclose(tangent.numpy(), 2 * (np.conj(centred) * t).real.sum(1) / 3, rtol=1e-12)
    # the same tangents by central differences of the functions
    eps = 1e-6
    for f in (lambda z: np.abs(z), lambda z: np.abs(np.exp(z) * z), lambda z: np.sqrt(np.mean(np.abs(z) ** 2, 1))):
        _, tangent = func.jvp(f, (mt.tensor(Z),), (mt.tensor(t),))  # (NumPy code, run on Tensors)
        np.testing.assert_allclose(tangent.numpy(), (f(Z + eps * t) - f(Z - eps * t)) / (2 * eps), rtol=1e-6)


def test_a_negative_number_to_a_complex_power_has_the_gradient_of_central_differences() -> None:
    """b ** z for a negative number b is exp(z (log|b| + i pi)); its gradient was NaN until
    2026-12-05. PyTorch's convention: the gradient of a real L is dL/dx + i dL/dy."""
    z = mt.tensor(Z, requires_grad=True)
    _loss(mt, (-2.0) ** z).backward()

    def loss(values: np.ndarray) -> float:
        return float(_loss(mt, (-2.0) ** mt.tensor(values)).item())

    h, expected = 1e-5, np.zeros_like(Z)
    for index in np.ndindex(Z.shape):
        for unit in (1, 1j):
            step = np.zeros_like(Z)
            step[index] = h * unit
            expected[index] += unit * (loss(Z + step) - loss(Z - step)) / (2 * h)
    np.testing.assert_allclose(z.grad.numpy(), expected, rtol=1e-4, atol=1e-6)  # (values up to 7e4)


def test_conj_is_recorded_with_the_conjugate_gradient() -> None:
    z = mt.tensor(Z, requires_grad=True)
    c = z.conj()
    np.testing.assert_allclose(c.numpy(), np.conj(Z))
    (c * mt.tensor(Z2)).real.sum().backward()  # d/dx + i d/dy of Re(conj(z) w) = w
    np.testing.assert_allclose(z.grad.numpy(), Z2)
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    assert x.conj() is x and np.conj(x) is x  # (of a real tensor: itself, as PyTorch's)


def test_a_users_function_keeps_its_own_complex_rule() -> None:
    """A ``mytorch.autograd.Function`` on complex tensors gives its backward's result, as in
    PyTorch (whose convention a user's rule follows): it is not conjugated."""

    class Scale(mt.autograd.Function):
        @staticmethod
        def forward(ctx: Any, z: Any) -> Any:
            return z * (2 + 1j)

        @staticmethod
        def backward(ctx: Any, g: Any) -> Any:
            return g * (2 - 1j)

    z = mt.tensor(Z, requires_grad=True)
    Scale.apply(z).real.sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), np.full(Z.shape, 2 - 1j))


def _run(L: Any, f: Callable[[Any, Any], Any], v: np.ndarray, u: np.ndarray) -> list[np.ndarray]:
    """[gradient, its derivative along v, the derivative of that along u (recorded backwards),
    the forward-mode tangent along v]."""
    z = L.tensor(Z, requires_grad=True)
    (g,) = L.autograd.grad(_loss(L, f(L, z)), z, create_graph=True)
    (h,) = L.autograd.grad(_dot(L, g, v), z, create_graph=True)
    (k,) = L.autograd.grad(_dot(L, h, u), z)
    F = torch.func if L is torch else func
    _, t = F.jvp(lambda q: f(L, q), (L.tensor(Z),), (L.tensor(v),))
    return [np.asarray(r.detach().numpy()) for r in (g, h, k, t)]


@needs_torch
@pytest.mark.parametrize("name", sorted(OPS))
def test_derivatives_to_the_third_order_and_tangents_match_torch(name: str) -> None:
    rng = np.random.default_rng(0)
    v, u = (rng.standard_normal(Z.shape) + 1j * rng.standard_normal(Z.shape) for _ in range(2))
    mine, theirs = _run(mt, OPS[name], v, u), _run(torch, OPS[name], v, u)
    for what, a, b in zip(["gradient", "second derivative", "third derivative", "tangent"], mine, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9, err_msg=f"{name}: {what}")


def test_forward_over_reverse_matches_reverse_over_reverse() -> None:
    f = OPS["abs of exp"]
    v = Z2
    grad = func.grad(lambda z: _loss(mt, f(mt, z)))
    _, forward = func.jvp(grad, (mt.tensor(Z),), (mt.tensor(v),))
    z = mt.tensor(Z, requires_grad=True)
    (g,) = mt.grad(_loss(mt, f(mt, z)), z, create_graph=True)
    # <u, H v> two ways, for the real Hessian H of the loss in (x, y)
    u = np.random.default_rng(3).standard_normal(Z.shape) + 1j * np.random.default_rng(5).standard_normal(Z.shape)
    (h,) = mt.grad(_dot(mt, g, u), z)
    lhs = float((forward.numpy().conj() * u).real.sum())
    rhs = float((h.numpy().conj() * v).real.sum())
    assert lhs == pytest.approx(rhs, rel=1e-9)


def test_jacobians_refuse_complex_inputs_and_outputs_as_torch_func() -> None:
    """``jacfwd`` of a complex input gave the derivative along the real part alone, ``jacrev`` the
    conjugate convention's gradient, ``hessian`` a mixture of the two: numbers of no single meaning,
    which ``torch.func`` refuses. ``grad`` and ``vjp`` keep PyTorch's convention."""
    z = mt.tensor(Z[0])
    for transform in (func.jacrev, func.jacfwd, func.hessian):
        with pytest.raises(RuntimeError, match="expected all inputs to be real"):
            transform(lambda q: (q.exp() * q).abs().sum())(z)
    with pytest.raises(RuntimeError, match="expected all outputs to be real"):
        func.jacrev(lambda x: x * 1j)(mt.tensor([1.0, 2.0]))
    g = func.grad(lambda q: (q * mt.tensor(Z2[0])).real.sum())(z)
    np.testing.assert_allclose(g.numpy(), np.conj(Z2[0]))


@needs_torch
def test_autograd_functional_jacobian_takes_complex_tensors_as_torch() -> None:
    """``torch.autograd.functional.jacobian`` (unlike ``torch.func``) takes complex tensors: reverse
    mode gives the convention's gradients, forward mode the derivatives along the real parts."""
    for strategy in ("reverse-mode", "forward-mode"):
        mine, theirs = (
            lib.autograd.functional.jacobian(
                lambda z, lib=lib: (z.exp() * z).abs(), lib.tensor(Z[0]), strategy=strategy, vectorize=True
            )
            for lib in (mt, torch)
        )
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-15, err_msg=strategy)

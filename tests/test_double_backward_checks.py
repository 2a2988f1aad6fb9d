"""autograd.gradgradcheck, and autograd.functional's hessian and hvp by reverse-over-reverse (as
PyTorch's), through custom Functions that have a differentiable backward but no jvp."""

from __future__ import annotations

import numpy as np
import pytest

import mytorch as mt


class Softish(mt.autograd.Function):
    """x * sqrt(x^2 + 1): a backward of Tensor operations, so it is differentiated again."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * (x * x + 1).sqrt()

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        r = (x * x + 1).sqrt()
        return g * (r + x * x / r)


class Frozen(Softish):
    """The same first derivative, read from a detached value: its second derivative is lost."""

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        x = x.detach()
        r = (x * x + 1).sqrt()
        return g * (r + x * x / r)


def second(x):
    """d2/dx2 of x sqrt(x^2 + 1), by hand."""
    r = np.sqrt(x * x + 1)
    return (3 * x * r**2 - x**3) / r**3


def test_gradgradcheck_passes_a_true_second_derivative_and_catches_a_lost_one():
    x = mt.tensor([0.3, -1.2, 2.0], dtype=mt.float64, requires_grad=True)
    assert mt.autograd.gradcheck(Softish.apply, (x,))
    assert mt.autograd.gradgradcheck(Softish.apply, (x,))
    assert mt.autograd.gradcheck(Frozen.apply, (x,))
    assert not mt.autograd.gradgradcheck(Frozen.apply, (x,), raise_exception=False)
    with pytest.raises(mt.autograd.GradcheckError):
        mt.autograd.gradgradcheck(Frozen.apply, (x,), grad_outputs=(mt.ones(3, dtype=mt.float64),))


def test_hessian_and_hvp_through_a_function_without_jvp():
    x0 = np.array([0.3, -1.2, 2.0])
    v0 = np.array([1.0, 0.5, -2.0])

    def f(x):
        return Softish.apply(x).sum() + x[0] * x[1]

    H = mt.autograd.functional.hessian(f, mt.tensor(x0))
    expected = np.diag(second(x0))
    expected[0, 1] = expected[1, 0] = 1.0
    np.testing.assert_allclose(H.numpy(), expected, rtol=1e-12)
    value, hv = mt.autograd.functional.hvp(f, mt.tensor(x0), mt.tensor(v0))
    np.testing.assert_allclose(hv.numpy(), expected @ v0, rtol=1e-12)
    assert value.item() == pytest.approx(f(mt.tensor(x0)).item())
    _, vh = mt.autograd.functional.vhp(f, mt.tensor(x0), mt.tensor(v0))
    np.testing.assert_allclose(vh.numpy(), expected @ v0, rtol=1e-12)
    with pytest.raises(ValueError, match="JVP"):  # forward-over-reverse needs the Function's jvp
        mt.autograd.functional.hessian(f, mt.tensor(x0), outer_jacobian_strategy="forward-mode")
    blocks = mt.autograd.functional.hessian(lambda p, q: (Softish.apply(p) * q).sum(), (mt.tensor(x0), mt.tensor(v0)))
    a, b = blocks[0]  # d2/dp2 and d2/dp dq
    np.testing.assert_allclose(a.numpy(), np.diag(second(x0) * v0), rtol=1e-12)
    np.testing.assert_allclose(b.numpy(), np.diag(np.sqrt(x0**2 + 1) + x0**2 / np.sqrt(x0**2 + 1)), rtol=1e-12)


def test_against_pytorch():
    torch = pytest.importorskip("torch")

    class TorchSoftish(torch.autograd.Function):
        forward = staticmethod(Softish.forward)
        backward = staticmethod(Softish.backward)

    x0, v0 = np.array([0.3, -1.2, 2.0]), np.array([1.0, 0.5, -2.0])
    results = []
    for lib, op in ((torch, TorchSoftish), (mt, Softish)):

        def f(x, op=op):
            return op.apply(x).pow(2).sum() + x[0] * x[2]

        H = lib.autograd.functional.hessian(f, lib.tensor(x0))
        _, hv = lib.autograd.functional.hvp(f, lib.tensor(x0), lib.tensor(v0))
        results.append((H.numpy(), hv.numpy()))
        assert lib.autograd.gradgradcheck(op.apply, (lib.tensor(x0, requires_grad=True),))
    for theirs, mine in zip(*results):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-12)

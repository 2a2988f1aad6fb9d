"""mytorch.autograd.forward_ad: dual tensors' tangents against central differences (and PyTorch
where installed), and the rules PyTorch users rely on (levels, what has a tangent, errors)."""

from __future__ import annotations

import numpy as np
import pytest

import mytorch as mt
from mytorch.autograd import forward_ad as fwAD


def f(x):
    return (x**2).sum(1).exp() + x.sin().prod(1) + (x @ x.T).tanh().sum(0)


def _model(lib, rng):
    model = lib.nn.Sequential(lib.nn.Linear(3, 5), lib.nn.Tanh(), lib.nn.Linear(5, 2)).double()
    with lib.no_grad():
        for p in model.parameters():
            p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape))))
    return model


def test_tangent_of_a_function_is_its_directional_derivative():
    rng = np.random.default_rng(0)
    x0, v0 = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    x, v = mt.tensor(x0), mt.tensor(v0)
    with fwAD.dual_level():
        d = fwAD.make_dual(x, v)
        primal, tangent = fwAD.unpack_dual(f(d))
        assert fwAD.unpack_dual(d).tangent is v  # a dual's own tangent is the one given
        assert fwAD.unpack_dual(x).tangent is None  # the primal is not dual
        assert fwAD.unpack_dual(f(x)).tangent is None
    eps = 1e-6
    expected = (f(mt.tensor(x0 + eps * v0)).numpy() - f(mt.tensor(x0 - eps * v0)).numpy()) / (2 * eps)
    np.testing.assert_allclose(tangent.numpy(), expected, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(primal.numpy(), f(x).numpy())
    assert not primal.requires_grad  # nothing but the dual's stand-in required a gradient
    assert fwAD.unpack_dual(d).tangent is None  # the level is over


def test_parameters_as_duals_and_the_backward_through_them():
    rng = np.random.default_rng(1)
    model = _model(mt, rng)
    x = mt.tensor(rng.standard_normal((6, 3)))
    params = dict(model.named_parameters())
    tangents = {k: rng.standard_normal(p.shape) for k, p in params.items()}
    with fwAD.dual_level():
        duals = {k: fwAD.make_dual(p, mt.tensor(tangents[k])) for k, p in params.items()}
        loss = mt.func.functional_call(model, duals, (x,)).pow(2).sum()
        primal, tangent = fwAD.unpack_dual(loss)
        assert primal.requires_grad  # the parameters require a gradient
        loss.backward()
    eps = 1e-6

    def at(sign):
        moved = {k: mt.tensor(p.detach().numpy() + sign * eps * tangents[k]) for k, p in params.items()}
        return mt.func.functional_call(model, moved, (x,)).pow(2).sum().item()

    np.testing.assert_allclose(tangent.item(), (at(1) - at(-1)) / (2 * eps), rtol=1e-7)
    grads = [p.grad.numpy().copy() for p in model.parameters()]
    model.zero_grad()
    model(x).pow(2).sum().backward()  # the same gradients as without duals
    for g, p in zip(grads, model.parameters()):
        np.testing.assert_allclose(g, p.grad.numpy(), rtol=1e-12)


def test_a_custom_function_uses_its_jvp():
    class Exp(mt.autograd.Function):  # PyTorch's tutorial: the forward's result kept on ctx for jvp
        @staticmethod
        def forward(ctx, x):
            ctx.result = x.exp()
            return ctx.result

        @staticmethod
        def backward(ctx, g):
            return g * ctx.result

        @staticmethod
        def jvp(ctx, t):
            return t * ctx.result * 1.0

    x, v = mt.tensor([1.0, -2.0, 0.5], dtype=mt.float64), mt.tensor([1.0, 1.0, 2.0], dtype=mt.float64)
    with fwAD.dual_level():
        tangent = fwAD.unpack_dual(Exp.apply(fwAD.make_dual(x, v)).sum()).tangent
    assert tangent.item() == pytest.approx(float(np.exp([1.0, -2.0, 0.5]) @ [1.0, 1.0, 2.0]), rel=1e-12)


def test_a_dual_changed_in_place_carries_the_changed_tangent():
    # the tangent is seeded at the dual as made, not at the array an in-place write left in the
    # Tensor (which gave v for 3x, v for (x + 1) + 3x, and v for x with a constant written in)
    x0, v0 = np.array([0.5, -1.0, 2.0]), np.array([1.0, 2.0, -0.5])
    with fwAD.dual_level():
        d = fwAD.make_dual(mt.tensor(x0), mt.tensor(v0))
        a = d + 1.0
        d.mul_(3.0)
        np.testing.assert_allclose(fwAD.unpack_dual(d).tangent.numpy(), 3 * v0, rtol=1e-15)
        np.testing.assert_allclose(fwAD.unpack_dual(a + d).tangent.numpy(), 4 * v0, rtol=1e-15)
        e = fwAD.make_dual(mt.tensor(x0), mt.tensor(v0))
        e[1] = 7.0  # a constant written in: no tangent there
        np.testing.assert_allclose(fwAD.unpack_dual(e * 2.0).tangent.numpy(), 2 * v0 * [1, 0, 1], rtol=1e-15)


def test_misuse_is_refused_with_reasons():
    x = mt.randn(3)
    with pytest.raises(RuntimeError, match="no dual level"):
        fwAD.make_dual(x, mt.randn(3))
    with fwAD.dual_level():
        with pytest.raises(RuntimeError, match="shape"):
            fwAD.make_dual(x, mt.randn(4))
        with pytest.raises(RuntimeError, match="already open"):
            fwAD.enter_dual_level()
        with pytest.raises(TypeError, match="floating-point"):
            fwAD.make_dual(mt.arange(3), mt.ones(3))
        with mt.no_grad(), pytest.raises(RuntimeError, match="no_grad"):
            fwAD.make_dual(x, mt.randn(3))
        y = (fwAD.make_dual(x, mt.ones(3)) ** 2).sum()
        y.backward()
        with pytest.raises(RuntimeError, match="freed by backward"):
            fwAD.unpack_dual(y)
    assert fwAD.unpack_dual(5.0) == (5.0, None)


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    import torch.autograd.forward_ad as torch_fwAD

    results = []
    for lib, fw in ((torch, torch_fwAD), (mt, fwAD)):
        rng = np.random.default_rng(2)
        model = _model(lib, rng)
        x, v = lib.tensor(rng.standard_normal((4, 3))), lib.tensor(rng.standard_normal((4, 3)))
        with fw.dual_level():
            out = model(fw.make_dual(x, v))
            loss = (out**2).mean()
            results.append([fw.unpack_dual(t).tangent.detach().numpy() for t in (out, loss)])
    for theirs, mine in zip(*results):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-12)


_EDGES = [-np.inf, -4.0, -3.0, -1.0, 0.0, 3.0, 5.0, np.inf]


@pytest.mark.parametrize(
    "name, slopes",
    [
        # x relu6(x + 3) / 6: 0 up to -3, x / 3 + 1/2 between, 1 from 3 on (PyTorch's, at +-inf too)
        ("hardswish", [0.0, 0.0, 0.0, 1 / 6, 0.5, 1.0, 1.0, 1.0]),
        # logaddexp(x, x) = x + log 2, slope 1; at x = +-inf PyTorch's NaN (inf - inf) in both modes
        ("logaddexp", [np.nan, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, np.nan]),
    ],
)
def test_forward_and_reverse_modes_agree_at_the_infinities(name, slopes):
    fn = {"hardswish": mt.nn.functional.hardswish, "logaddexp": lambda t: mt.logaddexp(t, t)}[name]
    for dtype in (mt.float32, mt.float64):
        x = mt.tensor(_EDGES, dtype=dtype)
        forward = mt.func.jvp(fn, (x,), (mt.ones_like(x),))[1].numpy()
        xr = x.detach().requires_grad_()
        fn(xr).sum().backward()
        np.testing.assert_allclose(forward, slopes, rtol=1e-6)
        np.testing.assert_array_equal(xr.grad.numpy(), forward)
        np.testing.assert_array_equal(np.diag(mt.func.jacfwd(fn)(x).numpy()), forward)

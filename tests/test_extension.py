"""The extension API: user-defined ops (``mytorch.Function``) on Tensors, on an engine, in modules."""

import numpy as np
import pytest

import mytorch as mt
from hw_bonus.demos.custom_op import Quantize  # the Purdue lecture's example: the error saved, added to the gradient
from mytorch import Autograd, Function, Tensor
from mytorch.gradcheck import gradcheck, numerical_jvp, numerical_vjp
from mytorch.nn import functional as F
from mytorch.nn.modules import Linear, Module


class Softsign(Function):
    """y = x / (1 + |x|) * scale: a custom op with a saved array, a parameter and a JVP."""

    @staticmethod
    def forward(ctx, x, scale=1.0):
        denominator = 1.0 + np.abs(x)
        ctx.save_for_backward(denominator)
        ctx.scale = scale
        return scale * x / denominator

    @staticmethod
    def backward(ctx, grad_output):
        (denominator,) = ctx.saved_arrays
        return ctx.scale * grad_output / denominator**2

    @staticmethod
    def jvp(ctx, tangent):
        (denominator,) = ctx.saved_tensors
        return ctx.scale * tangent / denominator**2


class WeightedProduct(Function):
    """y = a * b * c for a constant c: two differentiable inputs, one gradient each."""

    @staticmethod
    def forward(ctx, a, b, c):
        ctx.save_for_backward(a, b, c)
        return a * b * c

    @staticmethod
    def backward(ctx, grad_output):
        a, b, c = ctx.saved_arrays
        grad_a = grad_output * b * c if ctx.needs_input_grad[0] else None
        grad_b = grad_output * a * c if ctx.needs_input_grad[1] else None
        return grad_a, grad_b, None


def test_custom_op_on_tensors_matches_finite_differences(rng):
    x = rng.standard_normal((3, 4))
    w = rng.standard_normal((3, 4))
    t = Tensor(x.copy(), requires_grad=True)
    y = Softsign.apply(t, scale=2.5)
    np.testing.assert_allclose(y.data, 2.5 * x / (1 + np.abs(x)))
    (y * w).sum().backward()
    numeric = numerical_vjp(lambda: 2.5 * x / (1 + np.abs(x)), x, w, 1e-6)
    np.testing.assert_allclose(t.grad, numeric, atol=1e-7)


def test_custom_op_with_two_inputs_and_a_constant(rng):
    a, b = rng.standard_normal(5), rng.standard_normal(5)
    ta, tb = Tensor(a.copy(), requires_grad=True), Tensor(b.copy())
    out = WeightedProduct.apply(ta, tb, 3.0).sum()
    out.backward()
    np.testing.assert_allclose(ta.grad, 3.0 * b)
    assert tb.grad is None
    with mt.no_grad():
        assert not WeightedProduct.apply(ta, tb, 3.0).requires_grad
    assert not WeightedProduct.apply(Tensor(a), b, 1.0).requires_grad  # no input wants a gradient


def test_custom_op_on_an_engine_with_gradcheck_and_forward_mode(rng):
    x = rng.standard_normal((2, 3))
    engine = Autograd()

    def fn(x):
        return F.apply(engine, "sum", Softsign.record(engine, x, scale=0.5))

    gradcheck(fn, [x], engine)
    engine.zero_grad()
    fn(x)
    tangent = rng.standard_normal(x.shape)
    (analytic,) = engine.jvp([x], [tangent])
    numeric = numerical_jvp(lambda: Softsign.record(None, x, scale=0.5).sum(), [x], [tangent], 1e-6)
    np.testing.assert_allclose(analytic, numeric, atol=1e-7)


def test_custom_op_forward_mode_through_tensors():
    x = Tensor(np.array([0.5, -2.0]), requires_grad=True)
    y = mt.exp(Softsign.apply(x))
    tangent = mt.jvp(y, [x], [np.ones(2)])
    expected = y.data / (1 + np.abs(x.data)) ** 2
    np.testing.assert_allclose(tangent.data, expected)


def test_quantize_gradient_is_the_analytic_one_plus_the_saved_error():
    x = Tensor(np.array([1.25, 2.75, 7.5]), requires_grad=True)
    w = np.array([2.0, -1.0, 0.5])
    y = Quantize.apply(x)
    np.testing.assert_array_equal(y.data, [1.0, 2.0, 7.0])
    (y * w).sum().backward()
    np.testing.assert_allclose(x.grad, w + np.array([0.25, 0.75, 0.5]))


class QuantizeLayer(Module):
    """A module whose forward records the custom op on the module's engine."""

    def forward(self, x):
        return Quantize.record(self.autograd_engine, x)


def test_custom_op_inside_modules_of_the_two_gaussian_classifier(rng):
    """The Purdue lecture's classifier: quantize, 2 -> 10 -> 2 with a clamp at 0, squared error."""
    engine = Autograd()
    quantize, first, second = QuantizeLayer(engine), Linear(2, 10, engine, rng=rng), Linear(10, 2, engine, rng=rng)
    x = rng.uniform(0, 255, (1, 2))
    target = np.array([[1.0, 0.0]])
    q = quantize(x)
    h = F.apply(engine, "relu", first(q))
    y_pred = second(h)
    loss = F.apply(engine, "sum", F.apply(engine, "pow", F.apply(engine, "sub", y_pred, target), exponent=2))
    engine.backward()
    # by hand: d loss / d y_pred = 2 (y_pred - t), back through both layers to q, then + error
    g_pred = 2 * (y_pred - target)
    g_h = (g_pred @ second.W) * (first(np.floor(x)) > 0)
    np.testing.assert_allclose(second.dW, g_pred.T @ h)
    np.testing.assert_allclose(first.dW, g_h.T @ np.floor(x))
    np.testing.assert_allclose(engine.gradient_buffer.get_param(x), g_h @ first.W + (x - np.floor(x)))
    assert loss.shape == ()


class ReturnsItsInput(Function):
    @staticmethod
    def forward(ctx, x):
        return x

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output, grad_output  # one too many


def test_mistakes_in_a_custom_op_are_reported():
    x = Tensor(np.ones(3), requires_grad=True)
    y = ReturnsItsInput.apply(x)
    assert y.data is not x.data  # the output gets its own array, so its own gradient
    with pytest.raises(ValueError, match=r"ReturnsItsInput.*2 gradients for 1 inputs"):
        y.sum().backward()
    with pytest.raises(NotImplementedError, match="forward"):
        type("NoForward", (Function,), {}).apply(x)
    with pytest.raises(ValueError, match="no JVP rule"):
        z = ReturnsItsInput.apply(x) * 2.0
        mt.jvp(z, [x], [np.ones(3)])


def test_a_custom_op_on_a_0d_tensor_may_return_a_numpy_scalar():
    # arithmetic on a 0-d array gives a NumPy scalar (g * 2 is np.float32): the engine said
    # "TypeError: 'numpy.float32' object is not iterable"; so did z.real.backward() of a 0-d complex z
    class Double(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * 2

    x = mt.tensor(3.0, requires_grad=True)
    (Double.apply(x) * x).backward()  # d(2x * x)/dx = 4x
    assert x.grad.item() == 12.0
    z = mt.tensor(1 + 2j, requires_grad=True)
    z.real.backward()
    assert z.grad.item() == 1 + 0j  # PyTorch's: d/d(re) + 1j d/d(im) of re(z)
    z.grad = None
    z.imag.backward()
    assert z.grad.item() == 1j

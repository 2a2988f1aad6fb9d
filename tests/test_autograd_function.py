"""``mytorch.autograd.Function``: PyTorch's extension API, forward and backward on Tensors."""

from __future__ import annotations

import numpy as np
import pytest

import mytorch
import mytorch as mt
import mytorch.autograd
from mytorch import Tensor
from mytorch.gradcheck import numerical_vjp


class Cube(mytorch.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x * x * x * scale

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        assert isinstance(x, Tensor) and isinstance(grad_output, Tensor)
        return grad_output * 3 * x * x * ctx.scale, None


def test_forward_and_backward_run_on_tensors_and_match_finite_differences():
    x0 = np.array([0.5, -1.5, 2.0])
    x = Tensor(x0.copy(), requires_grad=True)
    y = Cube.apply(x, 2.0)
    assert y.requires_grad and not mytorch.Tensor(y.numpy()).requires_grad
    v = np.array([1.0, -2.0, 0.5])
    (y * v).sum().backward()
    probe = x0.copy()
    expected = numerical_vjp(lambda: Cube.apply(Tensor(probe), 2.0).numpy(), probe, v, 1e-6)
    np.testing.assert_allclose(np.asarray(x.grad), expected, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(x.grad), v * 6 * x0**2, rtol=1e-12)


def test_forward_records_nothing_inside_and_backward_errors_name_the_op():
    class TwoGrads(mytorch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            assert not mytorch.is_grad_enabled()
            return x * 2

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output, grad_output

    x = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match=r"TwoGrads.backward: returned 2 gradient\(s\) for 1 input\(s\)"):
        TwoGrads.apply(x).sum().backward()

    class NotATensor(mytorch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.numpy()

    with pytest.raises(TypeError, match="NotATensor.forward: must return a Tensor"):
        NotATensor.apply(x)


def test_a_residual_saving_op_like_the_lectures_matches_torch():
    torch = pytest.importorskip("torch")

    def quantizer(lib):
        class Clip(lib.autograd.Function):  # the lecture's pattern: save what forward lost, add it back
            @staticmethod
            def forward(ctx, x):
                q = x.clamp(0, 255)
                ctx.save_for_backward(x - q)
                return q

            @staticmethod
            def backward(ctx, grad_output):
                (error,) = ctx.saved_tensors
                return grad_output + error

        return Clip

    x0 = np.array([[0.3, 7.9], [300.0, -2.5]])
    ours, theirs = Tensor(x0.copy(), requires_grad=True), torch.tensor(x0, requires_grad=True)
    w = np.array([[1.0, 2.0], [3.0, 4.0]])
    (quantizer(mytorch).apply(ours) * w).sum().backward()
    (quantizer(torch).apply(theirs) * torch.from_numpy(w)).sum().backward()
    np.testing.assert_allclose(np.asarray(ours.grad), theirs.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("constant", [False, True])
def test_recording_a_function_keeps_neither_it_nor_its_graph_alive(constant):
    """The recording caches (``mytorch.tensor``'s plans, the engine's pruned VJPs, used when an
    operand is a constant) do not hold a user's Function: a graph its class refers to goes, and
    with it the locks on what that graph saved."""
    import gc
    import weakref

    from mytorch import saved

    x = Tensor(np.ones(3), requires_grad=True)
    kept = x.sin()  # a graph saving x, kept alive by the class below only

    class Scale(mytorch.autograd.Function):
        graph = kept

        @staticmethod
        def forward(ctx, x, s=2.0):
            return x * s

        @staticmethod
        def backward(ctx, grad_output):
            return (grad_output * 2, None) if constant else grad_output * 2

    operands = (np.full(2, 2.0),) if constant else ()
    Scale.apply(Tensor(np.ones(2), requires_grad=True), *operands).sum().backward()
    gone = weakref.ref(Scale)
    del Scale, kept
    gc.collect()
    assert gone() is None
    assert x.numpy().flags.writeable and not saved.is_held(x.numpy())


def test_pytorch_tutorial_linear_function_with_an_optional_bias_left_out():
    # backward returns a gradient for bias even when apply was not given it: PyTorch drops a
    # trailing None, MyTorch refused the count
    class LinearFunction(mt.autograd.Function):
        @staticmethod
        def forward(ctx, input, weight, bias=None):  # noqa: A002
            ctx.save_for_backward(input, weight, bias)
            return input.mm(weight.t())

        @staticmethod
        def backward(ctx, grad_output):
            input, weight, bias = ctx.saved_tensors  # noqa: A001
            extra = None if bias is None else grad_output.sum(0)
            return grad_output.mm(weight), grad_output.t().mm(input), extra

    rng = np.random.default_rng(0)
    x = mt.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    w = mt.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    LinearFunction.apply(x, w).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.ones((4, 2)) @ w.detach().numpy())
    np.testing.assert_allclose(w.grad.numpy(), np.ones((2, 4)) @ x.detach().numpy())

    class TooMany(LinearFunction):
        @staticmethod
        def backward(ctx, grad_output):
            return grad_output, grad_output, grad_output  # a third gradient, not None, for two inputs

    with pytest.raises(ValueError, match="returned 3 gradient"):
        TooMany.apply(x, w).sum().backward()


class ScaleBy(mt.autograd.Function):
    """A Function whose extra arguments are no Tensors: forward gets them as given."""

    @staticmethod
    def forward(ctx, x, factor, bias, name, options):
        ctx.factor = factor
        assert bias is None and isinstance(name, str) and isinstance(options, dict)
        return x * factor

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.factor, None, None, None, None


@pytest.mark.parametrize("create_graph", [False, True])
def test_arguments_that_are_no_tensors_reach_forward_as_given(create_graph):
    # None, a string, a dict or a module beside the Tensors: 'cannot use a NoneType as an operand'
    x = mt.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = ScaleBy.apply(x, 2.5, None, "scale", {"module": mt.nn.Linear(1, 1)})
    (g,) = mt.autograd.grad((y * y).sum(), x, create_graph=create_graph)
    np.testing.assert_allclose(g.detach().numpy(), 2 * 2.5**2 * np.array([1.0, -2.0, 3.0]))
    assert g.requires_grad == create_graph


def test_a_gradient_for_an_input_that_is_no_tensor_is_refused():
    class Scale(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x, factor):
            return x * factor

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * 3.0, grad_output.sum()  # a gradient for the number: dropped silently before

    x = mt.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="different than None at position 2, but the corresponding forward input"):
        Scale.apply(x, 3.0).sum().backward()


def test_arguments_that_are_no_tensors_match_torch():
    torch = pytest.importorskip("torch")
    grads = []
    for lib in (mt, torch):

        class Scale(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, factor, bias, name):
                ctx.factor = factor
                return x * factor if bias is None else x * factor + bias

            @staticmethod
            def backward(ctx, grad_output):
                return grad_output * ctx.factor, None, None, None

        x = lib.tensor([0.5, -1.0], dtype=lib.float64, requires_grad=True)
        Scale.apply(x, 4.0, None, "a name").pow(2).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-15)


def test_setup_context_style_mark_non_differentiable_and_a_pair():
    class Exp(mt.autograd.Function):
        @staticmethod
        def forward(x):
            return x.exp()

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(output)

        @staticmethod
        def backward(ctx, g):
            (y,) = ctx.saved_tensors
            return g * y

    class Positive(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            mask = (x > 0).to(x.dtype)
            ctx.mark_non_differentiable(mask)
            ctx.set_materialize_grads(False)
            return mask

        @staticmethod
        def backward(ctx, g):
            return g

    class Pair(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x, x

        @staticmethod
        def backward(ctx, g_first, g_second):
            return g_first + g_second

    x = mt.tensor([0.5, -1.0], requires_grad=True)
    Exp.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([0.5, -1.0]), rtol=1e-6)
    m = Positive.apply(x)
    assert not m.requires_grad and m.tolist() == [1.0, 0.0]
    first, second = Pair.apply(x)  # (several outputs: refused before, "one output")
    x.grad = None
    (first + 2 * second).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_once_differentiable_gives_first_derivatives_and_refuses_a_second():
    from mytorch.autograd.function import once_differentiable

    class Cube(mt.autograd.Function):
        @staticmethod
        def forward(x):
            return x**3

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(*inputs)

        @staticmethod
        @once_differentiable
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            assert not mt.is_grad_enabled()
            return g * 3 * x**2

    x = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    Cube.apply(x).sum().backward()
    assert x.grad.tolist() == [3.0, 12.0]
    (g,) = mt.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    assert g.tolist() == [3.0, 12.0] and g.requires_grad
    with pytest.raises(RuntimeError, match="once_differentiable"):
        g.sum().backward()


class _ScaledCube(mytorch.autograd.Function):
    """PyTorch's newer style with a forward-mode rule: 2 x**3 * k for a number k."""

    @staticmethod
    def forward(x, k):
        return x * x * x * k

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, k = inputs
        ctx.save_for_backward(x)
        ctx.x, ctx.k = x, k

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 3 * g * x * x * ctx.k, None

    @staticmethod
    def jvp(ctx, t, k_tangent):
        assert k_tangent is None  # (a number: no tangent, as PyTorch passes)
        return 3 * t * ctx.x * ctx.x * ctx.k


def test_a_jvp_staticmethod_gives_forward_mode_and_forward_over_reverse():
    """``jvp(ctx, *tangents)`` of a ``mytorch.autograd.Function`` (PyTorch's) was ignored: func.jvp,
    jacfwd and func.hessian through the op raised 'has no JVP rule'."""
    x0, t0 = np.array([0.3, -1.2, 2.0, 0.7]), np.array([1.0, 0.5, -0.5, 2.0])

    def f(x):
        return _ScaledCube.apply(x.sin(), 2.0)

    out, tangent = mt.func.jvp(f, (mt.tensor(x0),), (mt.tensor(t0),))
    np.testing.assert_allclose(out.numpy(), 2 * np.sin(x0) ** 3)
    np.testing.assert_allclose(tangent.numpy(), 6 * np.sin(x0) ** 2 * np.cos(x0) * t0, rtol=1e-12)
    hessian = mt.func.hessian(lambda x: f(x).sum())(mt.tensor(x0)).numpy()
    s, c = np.sin(x0), np.cos(x0)
    np.testing.assert_allclose(hessian, np.diag(12 * s * c * c - 6 * s**3), rtol=1e-12, atol=1e-14)


class _TwoOutputs(mt.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x * scale, x.sin(), "label"

    @staticmethod
    def backward(ctx, g_scaled, g_sin, g_label):
        (x,) = ctx.saved_tensors
        assert g_label is None  # (not a Tensor output)
        return g_scaled * ctx.scale + g_sin * x.cos(), None


class _SortWithIndices(mt.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        values, indices = x.sort()
        ctx.mark_non_differentiable(indices)
        ctx.save_for_backward(indices)
        return values, indices

    @staticmethod
    def backward(ctx, g_values, g_indices):
        (indices,) = ctx.saved_tensors
        assert not g_indices.any()  # zeros for the non-differentiable output
        return mt.zeros_like(g_values).scatter(0, indices, g_values)


def test_a_function_with_several_outputs():
    # forward returning a tuple raised "MyTorch's autograd.Function has one output"
    x = mt.tensor([0.3, -1.0, 2.0], dtype=mt.float64, requires_grad=True)
    scaled, sine, label = _TwoOutputs.apply(x, 3.0)
    assert label == "label" and scaled.requires_grad and sine.requires_grad
    (scaled * 2 + sine).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 + np.cos(x.detach().numpy()), rtol=1e-15)
    x.grad = None
    sine_only = _TwoOutputs.apply(x, 3.0)[1]  # the other output unused: zeros reach backward
    sine_only.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.cos(x.detach().numpy()), rtol=1e-15)
    assert mt.autograd.gradcheck(lambda t: _TwoOutputs.apply(t, 1.5)[0] * _TwoOutputs.apply(t, 1.5)[1], (x,))
    values, indices = _SortWithIndices.apply(x)
    assert indices.tolist() == [1, 0, 2] and not indices.requires_grad and values.requires_grad
    x.grad = None
    (values * mt.tensor([1.0, 2.0, 3.0], dtype=mt.float64)).sum().backward()
    assert x.grad.tolist() == [2.0, 1.0, 3.0]


def test_several_outputs_differentiate_twice():
    x = mt.tensor([0.3, -1.0, 2.0], dtype=mt.float64, requires_grad=True)

    def gradient(t):
        with mt.enable_grad():
            leaf = t if t.requires_grad else t.detach().requires_grad_()
            scaled, sine, _ = _TwoOutputs.apply(leaf, 2.0)
            (g,) = mt.autograd.grad((scaled**2 + sine).sum(), leaf, create_graph=True)
        return g

    np.testing.assert_allclose(gradient(x).detach().numpy(), 8 * x.detach().numpy() + np.cos(x.detach().numpy()))
    assert mt.autograd.gradcheck(gradient, (x,))

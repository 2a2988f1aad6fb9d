"""Higher-order gradients without PyTorch: second derivatives against finite differences of
first derivatives, closed forms, Hessian symmetry, a gradient penalty, a MAML step, memory.

Every second derivative here is checked against something computed another way: central
differences of the *first* derivative (itself checked elsewhere against differences of the
function), or a closed form.
"""

from __future__ import annotations

import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import mytorch as mt
import mytorch.tensor as T
from mytorch import Function, Tensor, func
from mytorch.nn import functional as F

pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from test_fuzz_kernels import CASES  # noqa: E402
from test_fuzz_programs import programs, tensor_op  # noqa: E402
from test_kernels import CASES as SAMPLES  # noqa: E402


def first_derivative(name: str, arrays: list[np.ndarray], params: dict, w: np.ndarray) -> list[np.ndarray]:
    """d<w, kernel(inputs)²>/d inputs by plain first-order reverse mode (arrays)."""
    ts = [Tensor(x, requires_grad=True) for x in arrays]
    out = T._apply(name, ts, params)
    grads = mt.grad((out * out * w).sum(), ts, allow_unused=True)
    return [np.zeros_like(x) if g is None else g.numpy() for g, x in zip(grads, arrays)]


def double_backward(
    name: str, arrays: list[np.ndarray], params: dict, rng: np.random.Generator
) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """For a kernel f, random w and v: w, v, g = d<w, f(x)²>/dx (recorded) and d<v, g>/dx, as arrays."""
    ts = [Tensor(x, requires_grad=True) for x in arrays]
    out = T._apply(name, ts, params)
    w = rng.standard_normal(out.shape)
    vs = [rng.standard_normal(x.shape) for x in arrays]
    grads = mt.grad((out * out * w).sum(), ts, create_graph=True, allow_unused=True)
    s = sum((g * v).sum() for g, v in zip(grads, vs) if g is not None and g.requires_grad)
    second = mt.grad(s, ts, allow_unused=True) if isinstance(s, Tensor) else [None] * len(ts)
    return (
        w,
        vs,
        *([np.zeros_like(x) if g is None else g.numpy() for g, x in zip(gs, arrays)] for gs in (grads, second)),
    )


def check_second_order(name: str, arrays: list[np.ndarray], params: dict, rng: np.random.Generator) -> None:
    """For s(x) = <v, d<w, f(x)²>/dx>: ds/dx from a recorded backward, against central
    differences of s along a random direction u."""
    w, vs, _, second = double_backward(name, arrays, params, rng)
    us = [rng.standard_normal(x.shape) for x in arrays]
    analytic = sum(float(np.vdot(h, u)) for h, u in zip(second, us))

    def s_at(step: float) -> float:
        moved = [x + step * u for x, u in zip(arrays, us)]
        return sum(float(np.vdot(g, v)) for g, v in zip(first_derivative(name, moved, params, w), vs))

    eps = 1e-5
    numeric = (s_at(eps) - s_at(-eps)) / (2 * eps)
    assert abs(analytic - numeric) <= 1e-5 + 1e-5 * abs(numeric), (name, params, analytic, numeric)


@pytest.mark.parametrize("name", sorted(F.KERNELS))
def test_double_backward_of_every_sample_case_matches_differences(name: str) -> None:
    """The kernel tests' hand-picked cases (every shape and parameter they cover; prod's with
    zeros too, which raised 'prod_backward supports first-order gradients only')."""
    rng = np.random.default_rng(0)
    for case in SAMPLES[name]:
        arrays = [np.asarray(x, np.float64) for x in case.make(rng)]
        check_second_order(name, arrays, case.params, rng)


@pytest.mark.parametrize("name", sorted(F.KERNELS))
def test_every_jvp_rule_runs_on_tensors_and_records_itself(name: str) -> None:
    """The JVP rules are the same code for arrays and Tensors: on Tensors they give the same
    tangent, recorded (so forward mode could be differentiated too)."""
    kernel, rng = F.KERNELS[name], np.random.default_rng(1)
    for case in SAMPLES[name]:
        arrays = [np.asarray(x, np.float64) for x in case.make(rng)]
        tangents = [rng.standard_normal(x.shape) for x in arrays]
        params = dict(case.params)
        if kernel.saves_output:
            params["out"] = np.asarray(kernel.forward(*arrays, **case.params))
        expected = np.asarray(kernel.jvp(tangents, *arrays, **params))
        recorded = {k: Tensor(v, requires_grad=True) if k == "out" else v for k, v in params.items()}
        xs = [Tensor(x, requires_grad=True) for x in arrays]
        result = kernel.jvp([Tensor(t, requires_grad=True) for t in tangents], *xs, **recorded)
        assert isinstance(result, Tensor) and result.requires_grad, name
        np.testing.assert_allclose(result.numpy(), expected, rtol=1e-12, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("name", sorted(F.KERNELS))
@settings(max_examples=2)
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_double_backward_matches_differences_of_the_gradient(name: str, data: st.DataObject, seed: int) -> None:
    """Random cases drawn by the fuzz suite's strategies (two: the hand-picked cases above cover
    every shape and parameter, and tests/test_higher_order_torch.py draws four more per kernel
    against PyTorch)."""
    arrays, params = data.draw(CASES[name](np.float64))
    check_second_order(name, arrays, params, np.random.default_rng(seed))


# --------------------------------------------------------------------------- closed forms
def test_second_derivative_of_x_cubed_is_6x() -> None:
    x = Tensor(np.array([-1.5, 0.5, 2.0]), requires_grad=True)
    (g,) = mt.grad((x**3).sum(), x, create_graph=True)
    (h,) = mt.grad(g.sum(), x, create_graph=True)
    (third,) = mt.grad(h.sum(), x)
    np.testing.assert_allclose(g.numpy(), 3 * x.numpy() ** 2)
    np.testing.assert_allclose(h.numpy(), 6 * x.numpy())
    np.testing.assert_allclose(third.numpy(), 6.0)
    assert func.grad(func.grad(lambda t: t**3))(2.0) == pytest.approx(12.0)


def test_backward_with_create_graph_fills_grad_with_a_differentiable_tensor() -> None:
    x = Tensor(np.array([0.3, 1.1]), requires_grad=True)
    y = (np.sin(x) * x).sum()
    y.backward(create_graph=True)
    g = x.grad
    assert isinstance(g, Tensor) and g.requires_grad
    np.testing.assert_allclose(g.numpy(), np.cos(x.numpy()) * x.numpy() + np.sin(x.numpy()))
    (h,) = mt.grad(g.sum(), x, retain_graph=True)
    np.testing.assert_allclose(h.numpy(), -np.sin(x.numpy()) * x.numpy() + 2 * np.cos(x.numpy()))
    x.grad = None
    g.sum().backward()  # the same second derivative, through .grad
    np.testing.assert_allclose(x.grad.numpy(), h.numpy())
    with pytest.raises(ValueError, match="cannot be combined"):
        (x * x).sum().backward(create_graph=True, keep_grads=True)


def test_a_recorded_backward_takes_a_gradient_of_another_dtype_and_leaves_a_writeable_grad() -> None:
    # A float32 gradient= / grad_outputs for a float64 output (PyTorch casts it) raised: the
    # ``.grad`` setter refused a float32 gradient for a float64 leaf, a recorded rule met a
    # float64 seed among float32 values. And mean's gradient is a broadcast view: stored as .grad,
    # a later first-order backward or .grad.zero_() could not write into it (PyTorch can).
    x = Tensor(np.array([0.5, 2.0]), requires_grad=True)
    x.backward(mt.tensor([1.0, 2.0], dtype=mt.float32), create_graph=True)
    assert x.grad.dtype == np.float64
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 2.0])
    x.grad = None
    x.mean().backward(create_graph=True)
    x.backward(mt.tensor([1.0, 2.0]))
    np.testing.assert_array_equal(x.grad.numpy(), [1.5, 2.5])
    x.grad.zero_()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.0])
    (g,) = mt.grad(x.mean(), x, create_graph=True)  # the same for mytorch.grad's gradients
    g.detach().add_(1.0)
    np.testing.assert_array_equal(g.numpy(), [1.5, 1.5])
    w = Tensor(np.array([0.5, 2.0], dtype=np.float32), requires_grad=True)
    (g,) = mt.grad(w**3, w, grad_outputs=mt.tensor([1.0, 1.0], dtype=mt.float64), create_graph=True)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g.numpy(), 3 * w.numpy() ** 2)
    np.testing.assert_allclose(mt.grad(g.sum(), w)[0].numpy(), 6 * w.numpy())


def test_a_retained_gradient_of_a_recorded_backward_is_in_the_graph() -> None:
    # retain_grad() on an intermediate, then backward(create_graph=True): its gradient is a
    # Tensor of the graph (PyTorch's has a grad_fn); adding it into the retained .grad in place
    # raised (NumPy refused to write a recorded Tensor into an array).
    x = Tensor(np.array([0.5, 2.0]), requires_grad=True)
    h = x * x
    h.retain_grad()
    (h * h).sum().backward(create_graph=True)
    assert h.grad.requires_grad
    np.testing.assert_allclose(h.grad.numpy(), 2 * x.numpy() ** 2)
    (dx,) = mt.grad(h.grad.sum(), x)
    np.testing.assert_allclose(dx.numpy(), 4 * x.numpy())


def test_backward_with_create_graph_frees_its_tape_with_the_gradient() -> None:
    x = Tensor(np.full(3, 0.5), requires_grad=True)
    y = x
    for _ in range(200):
        y = np.tanh(y)
    y.sum().backward(create_graph=True)
    tape = weakref.ref(x.grad.tape)
    del y
    x.grad = None
    gc.collect()
    assert tape() is None


def test_the_lab_function_second_derivatives() -> None:
    """y = ln x1 + x1 x2 - sin x2: the Hessian [[-1/x1², 1], [1, sin x2]] at (2, 5)."""
    H = func.hessian(lambda x: np.log(x[0]) + x[0] * x[1] - np.sin(x[1]))(np.array([2.0, 5.0]))
    np.testing.assert_allclose(H, [[-0.25, 1.0], [1.0, np.sin(5.0)]], rtol=1e-12)


# --------------------------------------------------------------------------- Hessians
@settings(max_examples=8)
@given(program=programs(), seed=st.integers(0, 2**32 - 1))
def test_hessians_of_random_programs_are_symmetric_and_match_differences(program, seed: int) -> None:
    inputs = [x.astype(np.float64) for x in program.inputs]
    i = program.used[0]
    w = np.random.default_rng(seed).standard_normal(program.run(_plain, inputs).shape)

    def f(x: Tensor) -> Tensor:
        leaves = [x if k == i else Tensor(a) for k, a in enumerate(inputs)]
        return (program.run(tensor_op, leaves) * w).sum()

    H = np.asarray(func.hessian(f)(inputs[i])).reshape(inputs[i].size, inputs[i].size)
    np.testing.assert_allclose(H, H.T, rtol=1e-7, atol=1e-9)
    first = func.grad(f)
    eps = 1e-6
    for k in range(inputs[i].size):
        step = np.zeros(inputs[i].size)
        step[k] = eps
        step = step.reshape(inputs[i].shape)
        column = (np.asarray(first(inputs[i] + step)) - np.asarray(first(inputs[i] - step))) / (2 * eps)
        np.testing.assert_allclose(H[:, k], column.reshape(-1), rtol=1e-4, atol=1e-5)


def _plain(name: str, *inputs: np.ndarray, constants: tuple[int, ...] = (), **params) -> np.ndarray:
    return F.KERNELS[name].forward(*inputs, **params)


def test_jacrev_equals_jacfwd_on_vector_functions(rng: np.random.Generator) -> None:
    A = rng.standard_normal((3, 4))

    def f(x: Tensor, y: Tensor) -> Tensor:
        return np.tanh(A @ x) * y.sum() + np.exp(x[:3]) / (1.0 + y**2)

    x, y = rng.standard_normal(4), rng.standard_normal(3)
    for argnums in (0, 1, (0, 1)):
        rev, fwd = func.jacrev(f, argnums)(x, y), func.jacfwd(f, argnums)(x, y)
        for r, w in zip(*(((rev,), (fwd,)) if isinstance(argnums, int) else (rev, fwd))):
            assert r.shape == w.shape
            np.testing.assert_allclose(r, w, rtol=1e-12, atol=1e-12)
    assert func.jacrev(f)(x, y).shape == (3, 4)


def test_hvp_is_the_hessian_times_the_vector(rng: np.random.Generator) -> None:
    def f(w: np.ndarray) -> Tensor:
        return (np.sin(w) * w[::-1]).sum() + (w**4).sum()

    w, v = rng.standard_normal(5), rng.standard_normal(5)
    value, (product,) = func.hvp(f, (w,), (v,))
    assert value == pytest.approx(float(np.sum(np.sin(w) * w[::-1]) + np.sum(w**4)))
    np.testing.assert_allclose(product, func.hessian(f)(w) @ v, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- uses
def test_gradient_penalty_differentiated_with_respect_to_the_weights(rng: np.random.Generator) -> None:
    """P(W) = ||∇_x f(x; W)||² for f = sum(tanh(x @ W) ** 2): dP/dW against central differences."""
    x0 = rng.standard_normal((2, 3))
    W0 = rng.standard_normal((3, 4)) * 0.5

    def penalty(W: np.ndarray) -> Tensor:
        x = Tensor(x0, requires_grad=True)
        f = (np.tanh(x @ W) ** 2).sum()
        (gx,) = mt.grad(f, x, create_graph=True)
        return (gx * gx).sum()

    W = Tensor(W0, requires_grad=True)
    p = penalty(W)
    p.backward()
    numeric = np.zeros_like(W0)
    eps = 1e-6
    for k in np.ndindex(W0.shape):
        step = np.zeros_like(W0)
        step[k] = eps
        numeric[k] = (penalty(Tensor(W0 + step)).item() - penalty(Tensor(W0 - step)).item()) / (2 * eps)
    np.testing.assert_allclose(W.grad.numpy() if isinstance(W.grad, Tensor) else W.grad, numeric, rtol=1e-6, atol=1e-8)


def test_the_input_gradient_of_a_linear_layer_is_recorded_in_its_weight(rng: np.random.Generator) -> None:
    """s = sum(w * Linear(x)) has the input gradient w W in every row; the penalty ||ds/dx||² =
    N ||w W||² has the weight gradient 2N wᵀ(w W) and none in x or the bias. Linear's VJP for
    plain arrays computed w W with the gradient's product that does not record, so a recorded
    backward seeded with a constant gave that gradient as a constant: the penalty's weight
    gradient was missing (a silently wrong WGAN-GP step)."""
    layer = mt.nn.Linear(3, 2).double()
    x = Tensor(rng.standard_normal((4, 3)), requires_grad=True)
    w = rng.standard_normal(2)
    (gx,) = mt.grad((layer(x) * w).sum(), x, create_graph=True)
    assert gx.requires_grad
    gW, gb, g_in = mt.grad((gx * gx).sum(), [layer.weight, layer.bias, x], materialize_grads=True)
    W = layer.weight.detach().numpy()
    np.testing.assert_allclose(gW.numpy(), 2 * 4 * np.outer(w, w @ W), rtol=1e-12)
    assert not gb.numpy().any() and not g_in.numpy().any()


def test_func_grad_capturing_weights_is_recorded_so_the_penalty_differentiates(rng: np.random.Generator) -> None:
    """The same penalty through func.grad: f captures W (which requires a gradient), so the inner
    gradient is recorded although x is a plain array, and W receives the penalty's gradient."""
    x0, W0 = rng.standard_normal((2, 3)), rng.standard_normal((3, 4)) * 0.5
    W = Tensor(W0, requires_grad=True)
    gx = func.grad(lambda x: (np.tanh(x @ W) ** 2).sum())(x0)
    assert isinstance(gx, Tensor) and gx.requires_grad
    (gW,) = mt.grad((gx * gx).sum(), W)
    x = Tensor(x0, requires_grad=True)
    (gx2,) = mt.grad((np.tanh(x @ W) ** 2).sum(), x, create_graph=True)
    (expected,) = mt.grad((gx2 * gx2).sum(), W)
    np.testing.assert_allclose(gW.numpy(), expected.numpy(), rtol=1e-12)


def test_one_maml_inner_step(rng: np.random.Generator) -> None:
    """w' = w - a ∇L_train(w), then dL_val(w')/dw through the inner step, against differences."""
    xt, yt = rng.standard_normal((4, 3)), rng.standard_normal(4)
    xv, yv = rng.standard_normal((5, 3)), rng.standard_normal(5)
    alpha = 0.1

    def loss(w: Tensor, x: np.ndarray, y: np.ndarray) -> Tensor:
        return ((np.tanh(x @ w) - y) ** 2).mean()

    def outer(w: Tensor) -> Tensor:
        (g,) = mt.grad(loss(w, xt, yt), w, create_graph=True)
        return loss(w - alpha * g, xv, yv)

    w0 = rng.standard_normal(3)
    w = Tensor(w0, requires_grad=True)
    (meta,) = mt.grad(outer(w), w)

    def at(w: np.ndarray) -> float:
        return outer(Tensor(w, requires_grad=True)).item()

    eps = 1e-6
    numeric = [(at(w0 + eps * e) - at(w0 - eps * e)) / (2 * eps) for e in np.eye(3)]
    np.testing.assert_allclose(meta.numpy(), numeric, rtol=1e-6, atol=1e-9)
    first_order = func.grad(lambda w: loss(w, xv, yv))(w0 - alpha * func.grad(lambda w: loss(w, xt, yt))(w0))
    assert not np.allclose(meta.numpy(), first_order), "the second-order term must matter here"


# --------------------------------------------------------------------------- custom functions
class Cube(Function):
    """y = x³, its backward written with differentiable NumPy operations."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_arrays
        return grad_output * 3 * x**2


class Opaque(Cube):
    """y = x³, its backward leaving the graph (np.asarray): first order only."""

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_arrays
        return np.asarray(grad_output) * 3 * np.asarray(x) ** 2


def test_a_custom_function_with_a_differentiable_backward_has_a_second_derivative() -> None:
    x = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    (g,) = mt.grad(Cube.apply(x).sum(), x, create_graph=True)
    (h,) = mt.grad(g.sum(), x)
    np.testing.assert_allclose(h.numpy(), 6 * x.numpy())


def test_a_backward_that_leaves_the_graph_says_so_naming_it() -> None:
    x = Tensor(np.array([1.0, -2.0]), requires_grad=True)
    y = Opaque.apply(x * 1.0).sum()
    np.testing.assert_allclose(mt.grad(y, x, retain_graph=True)[0].numpy(), 3 * x.numpy() ** 2)  # first order works
    with pytest.raises(TypeError, match="Opaque_backward supports first-order gradients only"):
        (g,) = mt.grad((Opaque.apply(x * 1.0) * x).sum(), x, create_graph=True)
        mt.grad(g.sum(), x)


def test_a_pytorch_style_function_with_a_tensor_backward_has_a_second_derivative() -> None:
    import mytorch.autograd

    class Cube3(mytorch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 3 * x**2

    assert mytorch.autograd.grad is mt.grad
    x = Tensor(np.array([1.5, -2.0]), requires_grad=True)
    (g,) = mytorch.autograd.grad(Cube3.apply(x).sum(), x, create_graph=True)
    (h,) = mt.grad((g * g).sum(), x)  # d/dx (3x²)² = 36 x³
    np.testing.assert_allclose(h.numpy(), 36 * x.numpy() ** 3)
    Cube3.apply(x).sum().backward()  # first order still works
    np.testing.assert_allclose(np.asarray(x.grad), 3 * x.numpy() ** 2)


# --------------------------------------------------------------------------- mytorch.grad
def test_grad_leaves_dot_grad_alone_and_releases_the_graph() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (x * x).sum()
    (g,) = mt.grad(y, x)
    np.testing.assert_allclose(g.numpy(), [2.0, 4.0])
    assert x.grad is None or not np.any(np.asarray(x.grad))
    with pytest.raises(RuntimeError, match="released"):
        mt.grad(y, x)


def test_grad_checks_its_arguments() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    unused = Tensor(np.array([3.0]), requires_grad=True)
    y = np.exp(x)
    with pytest.raises(ValueError, match="grad_outputs"):
        mt.grad(y, x, retain_graph=True)
    with pytest.raises(RuntimeError, match="not used"):
        mt.grad(y.sum(), [x, unused], retain_graph=True)
    gx, gu = mt.grad(y, [x, unused], grad_outputs=np.array([1.0, 0.5]), allow_unused=True, retain_graph=True)
    assert gu is None
    np.testing.assert_allclose(gx.numpy(), np.exp(x.numpy()) * [1.0, 0.5])
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        mt.grad(Tensor(np.ones(1)), x)
    with pytest.raises(TypeError, match="not a Tensor"):
        mt.grad(y.sum(), [x.numpy()])


def test_grad_materializes_zeros_for_unused_inputs_as_pytorch() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    unused = Tensor(np.array([3.0]), requires_grad=True)
    y = (x**3).sum()
    gx, gu = mt.grad(y, [x, unused], create_graph=True, materialize_grads=True)
    np.testing.assert_array_equal(gu.numpy(), [0.0])
    assert gu.requires_grad  # differentiable, as PyTorch's zeros_like(requires_grad=create_graph)
    hx, hu = mt.grad((gx + gu).sum(), [x, unused], materialize_grads=True)
    np.testing.assert_allclose(hx.numpy(), 6 * x.numpy())
    np.testing.assert_array_equal(hu.numpy(), [0.0])
    with pytest.raises(ValueError, match="allow_unused"):
        mt.grad(y, [x, unused], allow_unused=False, materialize_grads=True)


def test_create_graph_records_inside_a_no_grad_block_as_pytorch() -> None:
    # PyTorch's engine records a create_graph backward whatever the grad mode; MyTorch gave the
    # right first derivative, but as a constant whose derivative then raised.
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (x**3).sum()
    with mt.no_grad():
        (g,) = mt.grad(y, x, create_graph=True)
        y.backward(create_graph=True)
    assert g.requires_grad and x.grad.requires_grad
    np.testing.assert_allclose(mt.grad(g.sum(), x)[0].numpy(), 6 * x.numpy())
    np.testing.assert_allclose(mt.grad(x.grad.sum(), x)[0].numpy(), 6 * x.numpy())


def test_grad_with_respect_to_an_intermediate_result() -> None:
    x = Tensor(np.array([0.5, 1.5]), requires_grad=True)
    h = np.sin(x)
    y = (h * h).sum()
    gh, gx = mt.grad(y, [h, x])
    np.testing.assert_allclose(gh.numpy(), 2 * np.sin(x.numpy()))
    np.testing.assert_allclose(gx.numpy(), 2 * np.sin(x.numpy()) * np.cos(x.numpy()))


def test_forward_mode_through_an_in_place_change_of_a_value_already_read_raises() -> None:
    """Forward mode replays the tape after f ran: a rule reading an array changed in place since
    gave a wrong tangent (4 x v instead of 8 x v below); it raises, as reverse mode does. A
    change no rule reads is fine, in both modes."""
    x, v = np.array([0.3, -1.2]), np.array([1.0, 2.0])

    def read_then_changed(y: Tensor) -> Tensor:
        h = y * 2
        product = h * y  # reads h
        h.mul_(y)
        return product + h  # 4 y^2

    for transform in (lambda f: func.jvp(f, (x,), (v,)), lambda f: func.jacfwd(f)(x), lambda f: func.jacrev(f)(x)):
        with pytest.raises(RuntimeError, match="modified by an in-place operation"):
            transform(read_then_changed)
    y = Tensor(x, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^jvp \(forward mode"):
        mt.jvp(read_then_changed(y), [y], [v])

    def changed_after_exp(y: Tensor) -> Tensor:
        h = y * 1.0
        e = h.exp()  # its rules read e, not h
        h.add_(1.0)
        return e * h

    expected = (np.exp(x) * (x + 1) + np.exp(x)) * v
    np.testing.assert_allclose(func.jvp(changed_after_exp, (x,), (v,))[1], expected, rtol=1e-12)
    np.testing.assert_allclose(func.jacrev(changed_after_exp)(x) @ v, expected, rtol=1e-12)


def test_forward_mode_skips_a_changed_value_the_outputs_do_not_need() -> None:
    """A rule of a dead branch reading a changed array is not replayed (it raised)."""
    x, v = np.array([0.3, -1.2]), np.array([1.0, 2.0])

    def dead_branch(y: Tensor) -> Tensor:
        h = y * 2
        h.sin()  # reads h, unused
        h.mul_(3.0)
        return h

    np.testing.assert_allclose(func.jvp(dead_branch, (x,), (v,))[1], 6 * v, rtol=1e-12)


def test_a_changed_array_met_after_a_tape_merge_is_named_not_a_stopiteration() -> None:
    """A recorded backward merged the tape it walked into another: the version guard's message
    looked for the operation on the emptied tape and raised StopIteration."""
    x, w, t = np.array([0.3, -0.6, 0.9, 0.1]), np.array([0.5, -0.2, 0.4, 0.8]), np.array([1.0, 2.0, -1.0, 0.5])

    def f(p: Tensor, q: Tensor) -> Tensor:
        a, b = p * 1.0, q * 1.0
        a.div_(a * a + 1)
        a += a
        a.copy_(b * 0.5)
        b[b.detach() > 0.2] = 0.5
        b.clamp_(-0.8, 0.9)
        return (a * Tensor(np.linspace(-1, -0.1, 4))).sum() + (b * Tensor(np.linspace(0.1, 1, 4))).sum()

    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        func.grad(lambda p: func.jvp(f, (p, w), (t, t))[1])(x)


def test_forward_mode_through_a_released_graph_raises_instead_of_zeros() -> None:
    """f captures h from a graph a backward released: its operations are gone (the tangent was
    zeros); reverse mode raised already."""
    w = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = w * 3
    h.sum().backward()
    x = np.array([0.5, -1.0])
    with pytest.raises(RuntimeError, match="released by an earlier backward.*detach"):
        func.jvp(lambda y: (y * h).sum(), (x,), (np.ones(2),))
    with pytest.raises(RuntimeError, match="released"):
        func.jacfwd(lambda y: y * h)(x)
    np.testing.assert_allclose(func.jvp(lambda y: (y * h.detach()).sum(), (x,), (np.ones(2),))[1], 9.0)


def test_argnums_naming_one_argument_twice_is_refused() -> None:
    """argnums=(0, 0) gave zeros for the first entry (the second leaf replaced the first); as
    torch.func, repeated (also as (0, -2)) or empty argnums are refused."""
    x = np.array([0.3, -1.2])
    for argnums in [(0, 0), (0, -2), ()]:
        with pytest.raises(ValueError, match="argnums must name distinct arguments"):
            func.grad(lambda a, b: (a * a * b).sum(), argnums=argnums)(x, x)


def test_a_gradient_has_its_inputs_dtype() -> None:
    """A float32 input of a float64 computation: its gradient is float32, as PyTorch's and as
    backward's .grad (mytorch.grad and every func transform gave float64), recorded too."""
    x = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    c = Tensor(np.array([3.0, 4.0]))
    (g,) = mt.grad((x * x * c).sum(), x, create_graph=True)
    assert g.dtype == np.float32 and g.requires_grad
    np.testing.assert_allclose(g.numpy(), 2 * x.numpy() * c.numpy())
    assert mt.grad(g.sum(), x)[0].dtype == np.float32
    assert func.grad(lambda y: (y * c).sum())(x.numpy()).dtype == np.float32
    assert func.jacrev(lambda y: y * c)(x.numpy()).dtype == np.float32


# --------------------------------------------------------------------------- NumPy's protocols
def test_numpy_functions_on_tensors_record_and_asarray_is_the_values() -> None:
    x = Tensor(np.array([[0.5, -1.0], [2.0, 0.25]]), requires_grad=True)
    y = np.sum(np.tensordot(np.exp(x), np.swapaxes(x, 0, 1), axes=1) * np.array([1.0, 2.0]))
    assert isinstance(y, Tensor) and y.requires_grad
    (g,) = mt.grad(y, x)
    eps = 1e-6

    def value(a: np.ndarray) -> float:
        return float(np.sum(np.tensordot(np.exp(a), a.T, axes=1) * np.array([1.0, 2.0])))

    numeric = np.zeros_like(x.numpy())
    for k in np.ndindex(x.shape):
        step = np.zeros_like(x.numpy())
        step[k] = eps
        numeric[k] = (value(x.numpy() + step) - value(x.numpy() - step)) / (2 * eps)
    np.testing.assert_allclose(g.numpy(), numeric, rtol=1e-6)
    assert type(np.asarray(x)) is np.ndarray
    with pytest.raises(TypeError, match="np.cumprod has no gradient rule"):
        np.cumprod(x)
    with pytest.raises(TypeError, match="np.cbrt has no gradient rule"):
        np.cbrt(x)
    assert isinstance(np.cumprod(Tensor(np.ones(3))), Tensor)  # no gradient wanted: runs on the values


def test_numpy_functions_on_tensors_without_a_gradient_give_tensors_not_numpy_scalars() -> None:
    """np.sum(t), np.mean(t), np.max(t), np.argmax(t) of a tensor that needs no gradient were NumPy
    scalars (a Tensor when it requires one), whose arithmetic follows NumPy: np.sum(t32) + 0.1 was
    float64 on NumPy 1.26 (value-based casting) and float32 on NumPy 2."""
    t = Tensor(np.array([1.5, 2.0, -0.5], np.float32))
    for result, expected in ((np.sum(t), 3.0), (np.mean(t), 1.0), (np.max(t), 2.0), (np.median(t), 1.5)):
        assert isinstance(result, Tensor) and result.shape == () and result.dtype == np.float32
        assert result.item() == expected
        assert (result + 0.1).dtype == np.float32  # on NumPy 1.26 and 2 alike
    index = np.argmax(t)
    assert isinstance(index, Tensor) and index.dtype == np.int64 and index.item() == 1
    assert np.allclose(t, t) is True and np.shape(t) == (3,)  # Python values stay as they are


# --------------------------------------------------------------------------- func
def test_func_grad_argnums_has_aux_and_values_in_values_out() -> None:
    def f(a, b):
        return (a * b**2).sum(), "aux"

    a, b = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    (ga, gb), aux = func.grad(f, argnums=(0, 1), has_aux=True)(a, b)
    assert aux == "aux" and type(ga) is np.ndarray
    np.testing.assert_allclose(ga, b**2)
    np.testing.assert_allclose(gb, 2 * a * b)
    gt = func.grad(lambda a: (a * a).sum())(Tensor(a))
    assert isinstance(gt, Tensor)
    with pytest.raises(ValueError, match="one-element"):
        func.grad(lambda a: a * 2)(a)


def test_func_transforms_refuse_an_argument_that_is_not_numbers() -> None:
    # None became NaN (np.asarray(None).astype(float)): jacfwd(f)(None) gave nan, not an error.
    for transform in (func.grad, func.jacrev, func.jacfwd, func.hessian):
        with pytest.raises(TypeError, match="NoneType"):
            transform(lambda t: (t * t).sum())(None)
    with pytest.raises(TypeError, match="str"):
        func.vjp(np.exp, "x")
    # ... and a cotangent or tangent that is not numbers: for a 0-d output None became NaN too
    x = np.array(0.5)
    _, vjp_fn = func.vjp(lambda t: (t * t).sum(), x)
    with pytest.raises(TypeError, match="cotangent 0 must be numbers, got a NoneType"):
        vjp_fn(None)
    with pytest.raises(TypeError, match="tangent 0 must be numbers, got a NoneType"):
        func.jvp(lambda t: t * t, (x,), (None,))


def test_func_hessian_over_two_arguments_is_the_nested_blocks() -> None:
    """f(a, b) = sum(a^2 b): H[0][0] = diag(2b), H[0][1] = H[1][0] = diag(2a), H[1][1] = 0
    (the blocks were all zeros); jacrev of a tuple output gives one Jacobian per output."""
    a, b = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    (h00, h01), (h10, h11) = func.hessian(lambda x, y: (x**2 * y).sum(), argnums=(0, 1))(a, b)
    np.testing.assert_allclose(h00, np.diag(2 * b))
    np.testing.assert_allclose(h01, np.diag(2 * a))
    np.testing.assert_allclose(h10, np.diag(2 * a))
    np.testing.assert_allclose(h11, np.zeros((2, 2)))
    ja, jsum = func.jacrev(lambda x: (x * 3, (x**2).sum()))(a)
    np.testing.assert_allclose(ja, 3 * np.eye(2))
    np.testing.assert_allclose(jsum, 2 * a)
    g, (value, aux) = func.grad_and_value(lambda x: ((x**2).sum(), "aux"), has_aux=True)(a)
    np.testing.assert_allclose(g, 2 * a)
    assert value == 5.0 and aux == "aux"


def test_func_vjp_and_jvp_are_transposes(rng: np.random.Generator) -> None:
    def f(x, y):
        return np.sin(x) * y, (x**2).sum()

    x, y = rng.standard_normal(3), rng.standard_normal(3)
    u = (rng.standard_normal(3), rng.standard_normal(3))
    ct = (rng.standard_normal(3), np.array(0.7))
    (_, _), (ju1, ju2) = func.jvp(f, (x, y), u)
    _, vjp_fn = func.vjp(f, x, y)
    gx, gy = vjp_fn(ct)
    lhs = np.vdot(ct[0], ju1) + float(ct[1] * ju2)
    rhs = np.vdot(gx, u[0]) + np.vdot(gy, u[1])
    assert lhs == pytest.approx(rhs, rel=1e-12)
    gx2, _ = vjp_fn(ct)  # vjp_fn may be called again
    np.testing.assert_allclose(gx2, gx)


def _jvp_value(x: np.ndarray, v: np.ndarray) -> float:
    """J v of f(y) = sum(sin(y) y^2) at x, by forward mode on arrays (exact for a fixed x)."""
    return float(func.jvp(lambda y: (np.sin(y) * y**2).sum(), (x,), (v,))[1])


def test_reverse_over_forward_grad_of_a_jvp_matches_finite_differences_and_closed_forms() -> None:
    rng = np.random.default_rng(11)
    x, v = rng.standard_normal(4), rng.standard_normal(4)
    # with respect to the primal: d/dx [(cos x x^2 + 2 x sin x) . v]
    by_primal = func.grad(lambda p: func.jvp(lambda y: (np.sin(y) * y**2).sum(), (p,), (v,))[1])(x)
    assert isinstance(by_primal, np.ndarray)  # values in, values out
    h = 1e-6
    fd = [(_jvp_value(x + h * e, v) - _jvp_value(x - h * e, v)) / (2 * h) for e in np.eye(4)]
    np.testing.assert_allclose(by_primal, fd, rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(by_primal, (-np.sin(x) * x**2 + 4 * x * np.cos(x) + 2 * np.sin(x)) * v, rtol=1e-12)
    # with respect to the tangent: J^T 1, the gradient of f
    by_tangent = func.grad(lambda t: func.jvp(lambda y: (np.sin(y) * y**2).sum(), (x,), (t,))[1])(v)
    np.testing.assert_allclose(by_tangent, np.cos(x) * x**2 + 2 * x * np.sin(x), rtol=1e-12)


def test_grad_of_a_jvp_through_captured_weights_is_not_zero() -> None:
    """Forward mode on arrays would hand the outer grad a constant: a gradient of zero."""
    x, v, w = np.array([1.0, 2.0]), np.array([0.5, -1.0]), np.array([3.0, 4.0])
    outer = func.grad(lambda w: func.jvp(lambda y: (w * y * y).sum(), (x,), (v,))[1])(w)
    np.testing.assert_allclose(outer, 2 * x * v, rtol=1e-12)  # d/dw sum(2 w x v)


def test_reverse_over_forward_jacobians_and_tuples() -> None:
    x = np.array([0.3, -1.2, 2.0])
    # jacrev of jacfwd: the Hessian of sum(y^4) / 4 ... of each output's Jacobian, summed
    H = func.jacrev(lambda p: func.jacfwd(lambda y: y**3)(p).sum(0))(x)
    np.testing.assert_allclose(H, np.diag(6 * x), rtol=1e-12)
    # a jvp of a function with a tuple output, inside grad: both tangents take part
    v = np.array([1.0, 0.5, -2.0])

    def f(p):
        value, (t1, t2) = func.jvp(lambda y: (y.sin(), (y * y).sum()), (p,), (Tensor(v),))
        assert value[0].shape == (3,) and t2.shape == ()
        return t1.sum() + 3 * t2

    g = func.grad(f)(Tensor(x))
    np.testing.assert_allclose(g.numpy(), -np.sin(x) * v + 6 * v, rtol=1e-12)
    # an output that does not depend on the primal has a zero tangent, and no gradient
    zero = func.grad(lambda p: func.jvp(lambda y: (y * 0 + 1.0).sum(), (p,), (v,))[1])(x)
    np.testing.assert_array_equal(zero, np.zeros(3))


def test_an_inner_transform_differentiates_its_argument_not_every_use_of_the_same_tensor() -> None:
    """Perturbation confusion: the inner grad of x * y at y = x is x, not 2x (it was 2x when
    the argument was a Tensor that requires a gradient: the inner call took it as its leaf)."""
    x = np.array([0.3, -1.2, 0.7])
    inner = func.grad(lambda p: (p * func.grad(lambda y: (p * y).sum())(p)).sum())(x)
    np.testing.assert_allclose(inner, 2 * x, rtol=1e-12)  # d/dp sum(p * p)
    w = Tensor(x, requires_grad=True)
    np.testing.assert_allclose(func.grad(lambda y: (y * w).sum())(w).numpy(), x, rtol=1e-12)
    # argnums=(0, 1) with the second argument computed from the first: partial derivatives
    g = func.grad(lambda p: sum(func.grad(lambda a, b: (a * b * b).sum(), argnums=(0, 1))(p, 2 * p)).sum())(x)
    np.testing.assert_allclose(g, 4 * 2 * x + 2 * 4 * x, rtol=1e-12)  # d/dp sum((2p)^2 + 2 p (2p))


def test_the_same_array_as_two_primals_keeps_two_tangents() -> None:
    x, v = np.array([0.5, -2.0]), np.array([1.0, 3.0])
    _, tangent = func.jvp(lambda a, b: a * b * b, (x, x), (v, 2 * v))  # b^2 v + 2 a b (2 v)
    np.testing.assert_allclose(tangent, x**2 * v + 4 * x**2 * v, rtol=1e-12)


def test_forward_mode_treats_a_detached_tensor_as_a_constant() -> None:
    """x.detach() shares x's array; forward mode took it for x (3x^2 v instead of 2x^2 v)."""
    x, v = np.array([0.3, -0.8, 0.5]), np.array([1.0, 2.0, 3.0])
    _, tangent = func.jvp(lambda y: y.detach() * y * y, (x,), (v,))
    np.testing.assert_allclose(tangent, 2 * x * x * v, rtol=1e-12)
    np.testing.assert_allclose(func.hessian(lambda y: (y.detach() * y * y).sum())(x), np.diag(2 * x), rtol=1e-12)
    leaf = Tensor(x, requires_grad=True)
    np.testing.assert_allclose(mt.jvp(leaf.detach() * leaf * leaf, [leaf], [v]).numpy(), 2 * x * x * v, rtol=1e-12)
    constant = Tensor(np.array([2.0, 3.0, 4.0]))  # a perturbed input that requires no gradient still moves
    np.testing.assert_allclose(
        mt.jvp((constant * leaf).sum(), [leaf, constant], [v, v]).numpy(), v @ (x + constant.numpy())
    )


def test_transforms_inside_a_no_grad_block_still_differentiate() -> None:
    """As torch.func: a transform ignores the caller's no_grad for its own derivatives (they were
    zeros: f ran unrecorded), and its results are constants there."""
    x, v = np.array([0.3, -1.2]), np.array([1.0, 2.0])
    w = Tensor(np.array([1.5, 2.0]), requires_grad=True)
    with mt.no_grad():
        np.testing.assert_allclose(func.grad(lambda y: np.sin(y).sum())(x), np.cos(x), rtol=1e-12)
        np.testing.assert_allclose(func.jvp(np.sin, (x,), (v,))[1], np.cos(x) * v, rtol=1e-12)
        np.testing.assert_allclose(func.jacfwd(np.sin)(x), np.diag(np.cos(x)), rtol=1e-12)
        np.testing.assert_allclose(func.vjp(np.sin, x)[1](v)[0], np.cos(x) * v, rtol=1e-12)
        np.testing.assert_allclose(func.hessian(lambda y: np.sin(y).sum())(x), np.diag(-np.sin(x)), rtol=1e-12)
        captured = func.grad(lambda y: (y.sin() * w).sum())(Tensor(x))
    np.testing.assert_allclose(captured.numpy(), np.cos(x) * w.numpy(), rtol=1e-12)
    assert not captured.requires_grad  # a constant: computed inside no_grad


def test_grad_with_respect_to_a_vjp_cotangent_is_not_zero() -> None:
    """u^T J is linear in u: its gradient with respect to u is J (it was zeros: the cotangent
    was taken as an array)."""
    x, c = np.array([0.3, -1.2, 0.7]), np.array([2.0, -1.0, 0.5])
    outer = func.grad(lambda u: (func.vjp(np.sin, x)[1](u)[0] * c).sum())(np.ones(3))
    np.testing.assert_allclose(outer, np.cos(x) * c, rtol=1e-12)


def test_func_vmap_is_a_documented_loop() -> None:
    assert "loop" in func.vmap.__doc__
    with pytest.raises(ValueError, match="empty"):
        func.vmap(np.sin)(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="out_dims has 2 entries for 1 outputs"):
        func.vmap(np.sin, out_dims=(1, 0))(np.zeros((3, 2)))
    per_example = func.vmap(func.grad(lambda w, x: (np.tanh(x @ w)) ** 2), in_dims=(None, 0))
    w, xs = np.array([0.3, -0.2]), np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0]])
    grads = per_example(w, xs)
    assert grads.shape == (3, 2)
    for x, g in zip(xs, grads):
        np.testing.assert_allclose(g, 2 * np.tanh(x @ w) * (1 - np.tanh(x @ w) ** 2) * x)


def test_func_vmap_batches_each_tensor_of_a_dict_or_tuple_argument() -> None:
    # model ensembling: vmap(lambda p, x: functional_call(model, p, (x,)), in_dims=(0, None)) over
    # stacked parameters raised IndexError (a dict has no shape); each of its tensors is batched
    model = mt.nn.Linear(3, 2)
    r = np.random.default_rng(0)
    stacked = {"weight": Tensor(r.normal(size=(4, 2, 3))), "bias": Tensor(r.normal(size=(4, 2)))}
    x = Tensor(r.normal(size=(5, 3)))
    out = func.vmap(lambda p, x: func.functional_call(model, p, (x,)), in_dims=(0, None))(stacked, x)
    assert out.shape == (4, 5, 2)
    for k in range(4):
        want = x.numpy() @ stacked["weight"].numpy()[k].T + stacked["bias"].numpy()[k]
        np.testing.assert_allclose(out.numpy()[k], want, rtol=1e-12)
    pairs = func.vmap(lambda ab: ab[0] * ab[1], in_dims=1, randomness="different")((np.ones((2, 3)), np.eye(2, 3)))
    np.testing.assert_array_equal(pairs, np.eye(2, 3).T)  # batched along axis 1 of both tensors
    with pytest.raises(ValueError, match="one batch size"):
        func.vmap(lambda p: p["a"], in_dims=0)({"a": np.zeros(2), "b": np.zeros(3)})
    with pytest.raises(ValueError, match="randomness"):
        func.vmap(np.sin, randomness="shared")


def test_forward_mode_at_ties_of_clamp_and_fmax_agrees_with_reverse_mode() -> None:
    """At x equal to a tensor bound, reverse mode gives x the gradient (PyTorch's choice); forward
    mode takes x's tangent there too, so jacfwd equals jacrev (PyTorch's forward mode takes the
    bound's: docs/tensor.md's table of differences)."""
    x0, b0 = np.array([1.0, 0.0, -2.0, 3.0]), np.array([1.0, 0.5, -2.0, 1.0])  # ties at 0 and 2
    for f in (lambda x, b: x.clamp(min=b), lambda x, b: x.clamp(max=b), mt.fmax, mt.fmin, mt.maximum):
        forward = func.jacfwd(f, argnums=(0, 1))(Tensor(x0), Tensor(b0))
        reverse = func.jacrev(f, argnums=(0, 1))(Tensor(x0), Tensor(b0))
        for a, b in zip(forward, reverse):
            np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_transform_results_leave_the_graph_unless_nested() -> None:
    """grad_and_value's value, vjp's and jvp's outputs were Tensors of the call's graph (PyTorch's are
    not): a loop keeping them (losses.append(value)) kept every step's graph alive. A result computed
    from captured weights that require grad stays in the graph, so it differentiates on."""
    x = mt.tensor([0.3, -1.2], dtype=mt.float64)
    g, value = func.grad_and_value(lambda t: (t.sin() ** 2).sum())(x)
    out, vjp_fn = func.vjp(lambda t: t.sin() * t, x)
    primal_out, tangent = func.jvp(lambda t: t.sin() * t, (x,), (mt.tensor([1.0, 0.0], dtype=mt.float64),))
    for t in (g, value, out, primal_out, tangent):
        assert not t.requires_grad and t.grad_fn is None
    np.testing.assert_allclose(value.item(), np.sum(np.sin([0.3, -1.2]) ** 2))
    np.testing.assert_allclose(
        vjp_fn(mt.tensor([1.0, 1.0], dtype=mt.float64))[0].numpy(),
        np.cos([0.3, -1.2]) * [0.3, -1.2] + np.sin([0.3, -1.2]),
    )
    w = mt.tensor([0.5, 0.5], dtype=mt.float64, requires_grad=True)
    g, value = func.grad_and_value(lambda t: ((t * w).sin() ** 2).sum())(x)
    assert value.requires_grad and g.requires_grad
    (gw,) = mt.grad(value, w)
    np.testing.assert_allclose(gw.numpy(), np.sin(2 * 0.5 * np.array([0.3, -1.2])) * [0.3, -1.2])


def test_func_linearize_is_jvp_at_fixed_primals() -> None:
    """``torch.func.linearize`` was missing (AttributeError for a port)."""
    x0, t1, t2 = np.array([0.3, -1.2, 2.0]), np.array([1.0, 0.5, -0.5]), np.array([0.0, 2.0, 1.0])
    out, jvp_fn = func.linearize(lambda x: x.sin() * x, Tensor(x0))
    np.testing.assert_allclose(out.numpy(), np.sin(x0) * x0)
    for t in (t1, t2):
        np.testing.assert_allclose(jvp_fn(Tensor(t)).numpy(), (np.cos(x0) * x0 + np.sin(x0)) * t, rtol=1e-12)
    with pytest.raises(ValueError, match="takes 1 tangents"):
        jvp_fn(Tensor(t1), Tensor(t2))


def test_func_vmap_in_dims_follow_the_nesting_of_an_argument() -> None:
    """An in_dims entry nested like its argument, PyTorch's ``in_dims=((0, None),)``: it raised NumPy's
    'setting an array element with a sequence'."""
    r = np.random.default_rng(0)
    xs, w = r.normal(size=(5, 3)), r.normal(size=(3, 2))
    out = func.vmap(lambda p: p[0] * p[1].sum(), in_dims=((0, None),))((Tensor(xs), Tensor(w)))
    np.testing.assert_allclose(out.numpy(), xs * w.sum())
    out = func.vmap(lambda d, x: d["a"] * x + d["b"].sum(), in_dims=({"a": 0, "b": None}, 1))(
        {"a": Tensor(xs), "b": Tensor(w)}, Tensor(xs.T)
    )
    np.testing.assert_allclose(out.numpy(), xs * xs + w.sum())
    with pytest.raises(ValueError, match=r"in_dims entry \(0, None, 1\) does not follow"):
        func.vmap(lambda p: p[0], in_dims=((0, None, 1),))((Tensor(xs), Tensor(w)))


def test_zero_grad_in_place_takes_a_recorded_gradient_out_of_its_graph() -> None:
    """``zero_grad(set_to_none=False)`` zeroed a gradient of ``backward(create_graph=True)`` in place,
    in its graph: the next backward added into it, so each step's gradient carried every earlier
    step's graph (a gradient-penalty loop's tape grew by ~33 operations a step, and each backward
    walked them all). PyTorch detaches it; the updates are unchanged."""
    w = mt.tensor(np.array([0.3, -1.2, 2.0, 0.7]), requires_grad=True)
    opt = mt.optim.SGD([w], lr=0.01)
    sizes = []
    for _ in range(12):
        opt.zero_grad(set_to_none=False)
        assert w.grad is None or not w.grad.requires_grad
        loss = (w.sin() ** 2).sum()
        (g,) = mt.grad(loss, w, create_graph=True)
        (loss + (g**2).sum()).backward(create_graph=True)
        sizes.append(len(w.grad.tape.operation_list))
        opt.step()
    assert sizes[-1] == sizes[1]  # (it was 31 + 33 per step: 394 at the 12th)
    # the same steps in closed form: d/dw [sin^2 w + sin^2 2w] = sin 2w + 2 sin 4w
    v = np.array([0.3, -1.2, 2.0, 0.7])
    for _ in range(12):
        v = v - 0.01 * (np.sin(2 * v) + 2 * np.sin(4 * v))
    np.testing.assert_allclose(w.detach().numpy(), v, rtol=1e-12)
    for zero in (lambda m: m.zero_grad(set_to_none=False), lambda m: m.weight.zero_grad()):
        m = mt.nn.Linear(2, 1, dtype=mt.float64)
        (m(mt.tensor([[1.0, 2.0]], dtype=mt.float64)) ** 3).sum().backward(create_graph=True)
        zero(m)
        assert not m.weight.grad.requires_grad and not m.weight.grad.numpy().any()


def test_func_vmap_randomness_is_pytorchs() -> None:
    """randomness was accepted and changed nothing: "same" gave each example its own draws (silently
    not PyTorch's numbers), "error" (the default) let f draw; now PyTorch's three modes."""

    def noisy(t: Tensor) -> Tensor:
        return t + mt.rand(()) + mt.nn.functional.dropout(mt.ones(3), 0.5).sum()

    x = mt.tensor(np.arange(4.0))
    mt.manual_seed(0)
    same = func.vmap(noisy, randomness="same")(x).numpy() - np.arange(4.0)
    assert np.ptp(same) == 0
    mt.manual_seed(0)
    expected = noisy(mt.tensor(0.0)).item()  # (the one draw every example gets)
    assert same[0] == expected
    different = func.vmap(noisy, randomness="different")(x).numpy() - np.arange(4.0)
    assert len(set(different.tolist())) == 4
    with pytest.raises(RuntimeError, match="randomness='error'"):
        func.vmap(noisy)(x)
    assert func.vmap(lambda t: t * 2)(x).numpy().tolist() == [0.0, 2.0, 4.0, 6.0]  # (no draw: no error)


# --------------------------------------------------------------------------- memory
def test_a_recorded_backward_on_a_long_chain_frees_its_tape_when_dropped() -> None:
    """Backward with create_graph and a second backward through 1,200 ops (past the default
    recursion limit): once the results are dropped, the tape (forward + recorded backward) is
    gone; and memory returns to the start, measured under tracemalloc (which slows every
    allocation several times) on a chain of 200."""

    def run(length: int) -> weakref.ref:
        x = Tensor(np.full(4, 0.5), requires_grad=True)
        y = x
        for _ in range(length):
            y = np.sin(y)
        (g,) = mt.grad(y.sum(), x, create_graph=True)
        assert len(g.tape) > 2 * length  # the backward was recorded, after the forward
        tape = weakref.ref(g.tape)
        (h,) = mt.grad(g.sum(), x)
        assert np.all(np.isfinite(h.numpy()))
        return tape

    long = run(1_200)  # (also warms the caches: constants, pruned kernels)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tape = run(200)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert long() is None and tape() is None, "the tape outlived its tensors"
    assert after - before < 50_000, f"{after - before} bytes still held after the results were dropped"


@pytest.mark.parametrize("op", [lambda a, b: a % b, mt.fmod], ids=["remainder", "fmod"])
def test_the_divisors_gradient_of_a_remainder_is_differentiable_to_zeros(op):
    """d(a % b)/db = -floor(a / b) (fmod: -trunc(a / b)) is piecewise constant in a and b: its own
    derivatives are zeros, which PyTorch gives. It was computed as a constant, so a second
    derivative raised 'does not require a gradient'. The first derivatives are unchanged; the
    dividend's, the gradient itself, is a constant in both (PyTorch raises there too)."""
    a = mt.tensor([5.5, -3.2, 7.0], requires_grad=True)
    b = mt.tensor([2.0, 1.5, -2.5], requires_grad=True)
    ga, gb = mt.grad(op(a, b).sum(), (a, b), create_graph=True)
    quotient = np.trunc if op is mt.fmod else np.floor
    np.testing.assert_array_equal(ga.numpy(), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(gb.detach().numpy(), -quotient(a.detach().numpy() / b.detach().numpy()))
    assert gb.requires_grad and not ga.requires_grad
    for second in mt.grad(gb.sum(), (a, b)):
        np.testing.assert_array_equal(second.numpy(), [0.0, 0.0, 0.0])
    x = mt.tensor([1.5, -2.5], requires_grad=True)  # a constant dividend: the divisor's gradient alone
    (gx,) = mt.grad(op(mt.tensor([5.0, 5.0]), x).sum(), x, create_graph=True)
    (hx,) = mt.grad(gx.sum(), x)
    np.testing.assert_array_equal(hx.numpy(), [0.0, 0.0])


def test_the_second_derivatives_of_remainders_against_pytorch():
    """The same second derivatives as PyTorch's double backward, and errors where PyTorch's are."""
    torch = pytest.importorskip("torch")
    data = (np.array([5.5, -3.2, 7.0, 0.25]), np.array([2.0, 1.5, -2.5, -0.75]))
    for name in ("remainder", "fmod"):
        results = []
        for lib in (mt, torch):
            a, b = (lib.tensor(v, requires_grad=True) for v in data)
            ga, gb = lib.autograd.grad(getattr(lib, name)(a, b).pow(2).sum(), (a, b), create_graph=True)
            second = lib.autograd.grad((ga * gb).sum(), (a, b))
            _, gb = lib.autograd.grad(getattr(lib, name)(a, b).sum(), (a, b), create_graph=True)
            zeros = lib.autograd.grad(gb.sum(), (a, b))  # (of the piecewise-constant -floor(a / b))
            results.append([t.detach().numpy() for t in (ga, gb, *second, *zeros)])
        for mine, theirs in zip(*results):
            np.testing.assert_allclose(mine, theirs, rtol=1e-12)


PIECEWISE_LINEAR = {
    "abs": lambda t: abs(t),
    "relu": lambda t: t.relu(),
    "leaky_relu": lambda t: mt.leaky_relu(t, 0.2),
    "nn.ReLU": lambda t: mt.nn.ReLU()(t),
    "nn.LeakyReLU": lambda t: mt.nn.LeakyReLU(0.2)(t),
    "nn.Hardtanh": lambda t: mt.nn.Hardtanh(-1.0, 2.5)(t),
    "hardshrink": lambda t: mt.nn.functional.hardshrink(t, 0.5),
    "softshrink": lambda t: mt.nn.functional.softshrink(t, 0.5),
    "threshold": lambda t: mt.nn.functional.threshold(t, 0.1, -2.0),
    "norm1": lambda t: t.norm(p=1),
}


@pytest.mark.parametrize("name", sorted(PIECEWISE_LINEAR))
@pytest.mark.parametrize("dtype", [np.float16, np.float64])
def test_the_slopes_of_abs_and_relus_are_differentiable_to_zeros(name: str, dtype: type) -> None:
    """abs, relu, leaky_relu, hardtanh, the shrinks, threshold and the 1-norm have piecewise-constant
    slopes, so a gradient through them alone was a constant with create_graph, and differentiating
    it again raised 'does not require a gradient'; PyTorch records these slopes and gives zeros.
    The gradient's value and dtype are those of the first-order path, and its derivative is zeros."""
    f = PIECEWISE_LINEAR[name]
    x = mt.tensor(np.array([-1.5, 2.0, 0.0, -0.25, 3.0], dtype=dtype), requires_grad=True)
    w = mt.tensor(np.array([1.0, -2.0, 0.5, 3.0, 0.25], dtype=dtype))
    (g,) = mt.grad((f(x) * w).sum(), x, create_graph=True)
    (plain,) = mt.grad((f(x) * w).sum(), x)
    assert g.requires_grad and g.dtype == plain.dtype
    np.testing.assert_array_equal(g.detach().numpy(), plain.numpy())
    (h,) = mt.grad((g * g).sum(), x)
    assert h.dtype == x.dtype
    np.testing.assert_array_equal(h.numpy(), np.zeros(5, dtype))
    np.testing.assert_array_equal(func.hessian(lambda t: (f(t) * w).sum())(x.detach()).numpy(), np.zeros((5, 5)))


@pytest.mark.parametrize(
    "f",
    [lambda t: t.clamp(-0.5, 1.0), lambda t: t.clamp(min=0.0), mt.sign, mt.floor, lambda t: mt.maximum(t, mt.zeros(3))],
    ids=["clamp", "clamp_min", "sign", "floor", "maximum"],
)
def test_other_constant_gradients_still_raise_when_differentiated_as_pytorchs_do(f) -> None:
    """PyTorch records no slope for clamp, sign, the rounding functions or maximum: differentiating
    such a gradient alone raises there, and in MyTorch too."""
    x = mt.tensor([-1.0, 2.0, 0.5], requires_grad=True)
    (g,) = mt.grad(f(x).sum(), x, create_graph=True)
    assert not g.requires_grad
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        mt.grad(g.sum(), x)


def test_functional_call_swaps_weights_for_one_call_and_checks_its_arguments() -> None:
    """The given Tensors replace the named slots (a tied weight under either name) while the
    call runs, also when it raises; strict, a name in two dicts and a non-Tensor are refused."""
    layer, tied = mt.nn.Linear(2, 2, bias=False).double(), mt.nn.Linear(2, 2, bias=False).double()
    tied.weight = layer.weight
    net = mt.nn.Sequential(layer, mt.nn.Tanh(), tied)  # one weight, two names: 0.weight and 2.weight
    x, w = mt.tensor([[1.0, -2.0]], dtype=mt.float64), mt.tensor([[0.5, 0.0], [0.0, 2.0]], dtype=mt.float64)
    original = layer.weight
    out = func.functional_call(net, {"2.weight": w}, x)
    np.testing.assert_allclose(out.numpy(), np.tanh(x.numpy() @ w.numpy().T) @ w.numpy().T)
    assert layer.weight is tied.weight is original and list(net.named_parameters()) == [("0.weight", original)]
    untied = func.functional_call(net, {"2.weight": w}, (x,), tie_weights=False)
    np.testing.assert_allclose(untied.numpy(), np.tanh(x.numpy() @ original.detach().numpy().T) @ w.numpy().T)
    with pytest.raises(RuntimeError, match=r"missing key\(s\) \['2.weight'\]"):
        func.functional_call(net, {"0.weight": w}, (x,), strict=True, tie_weights=False)
    np.testing.assert_array_equal(func.functional_call(net, {"0.weight": w}, (x,), strict=True).numpy(), out.numpy())
    with pytest.raises(ValueError, match="one tied weight given two values"):
        func.functional_call(net, {"0.weight": w, "2.weight": w * 2}, (x,))
    with pytest.raises(ValueError, match="more than one dictionary"):
        func.functional_call(net, ({"0.weight": w}, {"0.weight": w}), (x,))
    with pytest.raises(TypeError, match="'0.weight' must be a Tensor"):
        func.functional_call(net, {"0.weight": w.numpy()}, (x,))
    with pytest.raises(ValueError):  # a shape the layer refuses, raised inside the call
        func.functional_call(net, {"0.weight": mt.ones(3, 3, dtype=mt.float64)}, (x,))
    assert layer.weight is original and net[0]._parameters["weight"] is original


def test_transforms_differentiate_a_dict_argument_value_by_value() -> None:
    """A dict argument (a module's weights by name) is differentiated value by value and its
    derivatives come back as a dict with its keys: the same numbers as separate arguments."""
    w = {"a": np.array([0.5, -1.0]), "b": np.array(2.0)}

    def f(d: dict, x: float) -> Tensor:
        return (d["a"] ** 2 * d["b"]).sum() * x

    g = func.grad(f)(w, 3.0)
    assert list(g) == ["a", "b"] and isinstance(g["a"], np.ndarray)
    np.testing.assert_allclose(g["a"], 2 * w["a"] * w["b"] * 3.0)
    np.testing.assert_allclose(g["b"], (w["a"] ** 2).sum() * 3.0)
    H = func.hessian(f)(w, 3.0)
    separate = func.hessian(lambda a, b: f({"a": a, "b": b}, 3.0), argnums=(0, 1))(w["a"], w["b"])
    for i, row in enumerate("ab"):
        for j, col in enumerate("ab"):
            np.testing.assert_allclose(H[row][col], separate[i][j])
    _, tangent = func.jvp(lambda d: f(d, 1.0), (w,), ({"a": np.ones(2), "b": np.array(1.0)},))
    assert float(tangent) == pytest.approx(2 * (w["a"] * w["b"]).sum() + (w["a"] ** 2).sum())
    with pytest.raises(ValueError, match=r"primal 0 is a dict with keys \['a', 'b'\]"):
        func.jvp(lambda d: f(d, 1.0), (w,), ({"a": np.ones(2)},))


def test_autograd_functional_hessian_is_the_closed_form_and_checks_its_arguments() -> None:
    """mytorch.autograd.functional (PyTorch's torch.autograd.functional): the Hessian of
    sum(x³) is diag(6x); strict=True on a detached output, inputs that are not Tensors and a missing v say so."""
    af = mt.autograd.functional
    x = mt.tensor([1.0, -2.0], dtype=mt.float64)
    np.testing.assert_array_equal(af.hessian(lambda t: (t**3).sum(), x).numpy(), np.diag([6.0, -12.0]))
    with pytest.raises(RuntimeError, match="strict=True"):
        af.jacobian(lambda t: t.detach() * 2, x, strict=True)
    with pytest.raises(TypeError, match="inputs must be a Tensor or a tuple of Tensors"):
        af.hessian(lambda t: (t**3).sum(), [1.0, 2.0])
    with pytest.raises(ValueError, match="v may be None only for a function returning one element"):
        af.vjp(lambda t: t * 2, x)


def test_batched_grad_outputs_need_a_batch_axis() -> None:
    """grad(..., is_grads_batched=True) without grad_outputs, or with unequal batches, says so."""
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    for seeds in (None, [np.ones((2, 2)), np.ones((3, 2))]):
        with pytest.raises(ValueError, match="needs one batch axis of one size"):
            mt.grad([x * 2, x * 3] if seeds else x * 2, x, seeds, is_grads_batched=True)


class Square(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_arrays
        return 2 * x * grad_output  # (a NumPy scalar for 0-d arrays)


@pytest.mark.parametrize("create_graph", [False, True])
def test_a_custom_function_of_a_0d_tensor_whose_backward_gives_a_numpy_scalar(create_graph: bool) -> None:
    """``mt.grad`` took a backward's NumPy scalar (``2 * x * g`` of 0-d arrays) for a sequence of
    gradients: "'numpy.float64' object is not iterable" until 2026-12-04 (``backward()`` worked)."""
    c = mt.tensor(3.0, dtype=mt.float64, requires_grad=True)
    (g,) = mt.grad(Square.apply(c), c, create_graph=create_graph)
    assert g.item() == 6.0 and g.requires_grad is create_graph
    if create_graph:
        assert mt.grad(g, c)[0].item() == 2.0

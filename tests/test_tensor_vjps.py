"""The Tensor's specialised VJPs (``mytorch.tensor_vjps``) give the general kernels' bits."""

from __future__ import annotations

import numpy as np
import pytest
from plan_caches import forget_cached_plans

import mytorch.tensor as tensor_module
from mytorch.autograd_engine import _PRUNED, _pruned_vjp
from mytorch.nn import functional as F
from mytorch.tensor import Tensor, mse_loss
from mytorch.tensor_vjps import BY_A_NUMBER, CHOOSERS

RNG = np.random.default_rng(13)


def _general(kernel, skipped, count):
    return kernel if not skipped else _PRUNED.get((kernel, skipped)) or _pruned_vjp(kernel, skipped, count)


def _same(got, want):
    got = got if isinstance(got, (tuple, list)) else (got,)
    want = want if isinstance(want, (tuple, list)) else (want,)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        if g is None or w is None:
            continue  # an unwanted gradient: the engine drops it either way
        assert g.dtype == w.dtype and g.shape == w.shape
        assert np.array_equal(g, w), "specialised VJP differs from the kernel"


def _check(kernel, arrays, out, skipped, params=None, expect=True):
    vjp = CHOOSERS[kernel](arrays, out, skipped)
    assert (vjp is not None) == expect
    if vjp is None:
        return
    g = RNG.standard_normal(out.shape).astype(out.dtype)
    params = params or {}
    _same(vjp(g, *arrays, **params), _general(kernel, skipped, len(arrays))(g, *arrays, **params))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("skipped", [0, 1, 2])
@pytest.mark.parametrize("layout", ["cc", "fc", "cf", "ff"])
@pytest.mark.parametrize("n", [1, 5])
def test_matmul_2d_in_every_layout(dtype, skipped, layout, n):
    a = RNG.standard_normal((n, 7)).astype(dtype)
    b = RNG.standard_normal((7, 3)).astype(dtype)
    a = np.asfortranarray(a) if layout[0] == "f" else a
    b = np.ascontiguousarray(b.T).T if layout[1] == "f" else b
    _check(F.matmul_backward, (a, b), a @ b, skipped)


def test_matmul_other_ranks_keep_the_kernel():
    a, b = RNG.standard_normal((2, 4, 3)), RNG.standard_normal((3, 5))
    _check(F.matmul_backward, (a, b), a @ b, 0, expect=False)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [1, 6])
@pytest.mark.parametrize("skipped", [0, 1])
def test_bias_add(dtype, n, skipped):
    h = RNG.standard_normal((n, 4)).astype(dtype)
    b = RNG.standard_normal(4).astype(dtype)
    _check(F.add_backward, (h, b), h + b, skipped)


def test_other_adds():
    x = RNG.standard_normal((3, 4))
    _check(F.add_backward, (x, x.copy()), x + x, 0)  # same shapes: (g, g)
    _check(F.add_backward, (x, x[:1]), x + x[:1], 0, expect=False)  # (1, 4): the kernel
    _check(F.add_backward, (x, np.ones(1)), x + 1, 0, expect=False)  # (1,): summed over everything
    _check(F.add_backward, (x[0], x), x[0] + x, 0, expect=False)  # the bias first
    _check(F.add_backward, (x, x[0]), x + x[0], 2, expect=False)  # only h wanted: the kernel
    _check(F.add_backward, (x, x.copy()), x + x, 1, expect=False)  # one of two same shapes: the kernel
    column = x[:, :1].copy()
    _check(F.add_backward, (column, np.ones(1)), column + 1, 0)  # (3, 1) + (1,): a bias of one feature


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("skipped", [0, 1, 2])
def test_products(dtype, skipped):
    a, b = RNG.standard_normal((3, 4)).astype(dtype), RNG.standard_normal((3, 4)).astype(dtype)
    _check(F.mul_backward, (a, b), a * b, skipped)  # factors of the output's shape
    c = np.asarray(0.5, dtype)
    _check(F.mul_backward, (a, c), a * c, skipped, expect=skipped == 2)  # a times a constant: g c
    _check(F.mul_backward, (c, a), c * a, skipped, expect=skipped == 1)
    _check(F.mul_backward, (a, b[0]), a * b[0], skipped, expect=skipped == 2)  # a row broadcast: the kernel sums


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(), (3,), (3, 4)])
def test_a_number_as_second_operand_takes_the_choosers_pick(dtype, shape):
    # BY_A_NUMBER holds, once per plan, what the chooser picks for every such operation
    a, c = RNG.standard_normal(shape).astype(dtype), np.asarray(1.0001, dtype)
    forwards = {F.mul_backward: np.multiply}
    assert set(BY_A_NUMBER) <= set(forwards)
    for kernel, vjp in BY_A_NUMBER.items():
        out = np.asarray(forwards[kernel](a, c))
        assert CHOOSERS[kernel]((a, c), out, 2) is vjp
        _check(kernel, (a, c), out, 2)
    x = Tensor(a, requires_grad=True)
    x.detach() * 1.0001  # (the number is cached from here on)
    y = x * 1.0001
    assert y.tape.operation_list[-1].vjp is BY_A_NUMBER[F.mul_backward]
    y.sum().backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.numpy(), np.ones(shape, dtype) * c)


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_activations(name, dtype):
    x = RNG.standard_normal((3, 5)).astype(dtype)
    kernel = F.KERNELS[name]
    out = kernel.forward(x)
    _check(kernel.backward, (x,), out, 0, {"out": out})
    scalar = np.asarray(kernel.forward(np.asarray(0.3, dtype)))
    _check(kernel.backward, (np.asarray(0.3, dtype),), scalar, 0, {"out": scalar}, expect=False)


@pytest.mark.parametrize("n", [1, 6])
@pytest.mark.parametrize("skipped", [0, 1, 4])
def test_linear(n, skipped):
    x, weight, bias = RNG.standard_normal((n, 4)), RNG.standard_normal((3, 4)), RNG.standard_normal(3)
    _check(F.linear_backward, (x, weight, bias), F.linear(x, weight, bias), skipped, expect=skipped < 4)
    x3 = RNG.standard_normal((2, n, 4))
    _check(F.linear_backward, (x3, weight, bias), F.linear(x3, weight, bias), skipped, expect=False)
    # an input laid out neither C- nor F-contiguous: the kernel (whose @ may sum in NumPy's own loop)
    strided = RNG.standard_normal((n, 8))[:, ::2]
    _check(F.linear_backward, (strided, weight, bias), F.linear(strided, weight, bias), skipped, expect=False)
    if skipped < 4:  # a broadcast gradient (sum's rule) goes through @ too
        vjp = CHOOSERS[F.linear_backward]((x, weight, bias), F.linear(x, weight, bias), skipped)
        g = np.broadcast_to(RNG.standard_normal(3), (n, 3))
        _same(vjp(g, x, weight, bias), _general(F.linear_backward, skipped, 3)(g, x, weight, bias))


@pytest.mark.parametrize("x_grad", [True, False])
@pytest.mark.parametrize("frozen", ["", "weight", "bias"])
def test_nn_linear_records_the_choosers_pick(x_grad, frozen):
    """``record_linear`` hands ``_attach`` the chooser's picks for the layouts it has checked
    (``tensor_vjps.LINEAR_LAID_OUT``), a call less per layer: the recorded VJP is what the chooser
    picks for those operands, whichever of them need a gradient, and the engine's rule otherwise."""
    import mytorch.nn as nn
    from mytorch.autograd_engine import NO_GRAD

    layer = nn.Linear(4, 3, dtype=np.float64)
    if frozen:
        getattr(layer, frozen).requires_grad_(False)
    for x in (RNG.standard_normal((2, 4)), np.asfortranarray(RNG.standard_normal((2, 4)))):
        op = layer(Tensor(x, requires_grad=x_grad)).tape.operation_list[-1]
        skipped = sum(1 << i for i, dst in enumerate(op.gradients_to_update) if dst is NO_GRAD)
        assert skipped == (0 if x_grad else 1) | {"": 0, "weight": 2, "bias": 4}[frozen]
        picked = CHOOSERS[F.linear_backward](op.inputs, op.output, skipped)
        assert op.vjp is (picked or _general(F.linear_backward, skipped, 3))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_nn_linear_records_the_kernels_bits(dtype):
    """``nn.Linear`` computes x W^T + b itself (np.dot for a small layer): the kernel's value, and
    the same backward, in every layout and on both sides of F.PRODUCT_BY_MATMUL."""
    import mytorch.nn as nn

    for n, features, layout in ((1, 5, "c"), (40, 300, "c"), (3, 5, "f"), (3, 5, "strided")):
        layer = nn.Linear(features, 30, dtype=dtype)
        wide = RNG.standard_normal((n, 2 * features)).astype(dtype)
        part = wide[:, :features]
        x = {"c": part.copy(), "f": np.asfortranarray(part), "strided": wide[:, ::2]}[layout]
        y = layer(Tensor(x, requires_grad=True))
        op = y.tape.operation_list[-1]
        assert op.backward_operation is F.linear_backward
        expected = F.linear(x, layer.weight.numpy(), layer.bias.numpy())
        assert y.dtype == dtype and np.array_equal(y.numpy(), expected)


def test_losses_with_data_targets():
    y, y_hat = RNG.standard_normal((4, 2)), RNG.standard_normal((4, 2))
    loss, diff = F.mse_loss_and_diff(y, y_hat)
    _check(F.mse_loss_backward, (y, y_hat), loss, 1, {"diff": diff})
    _check(F.mse_loss_backward, (y, y_hat), loss, 0, {"diff": diff}, expect=False)
    onehot = np.eye(2)[[0, 1, 1, 0]]
    loss, log_probs = F.softmax_cross_entropy_and_log_probs(onehot, y_hat)
    _check(F.softmax_cross_entropy_backward, (onehot, y_hat), loss, 1, {"log_probs": log_probs})


def test_nn_losses_give_the_kernels_bits(monkeypatch):
    """``nn.MSELoss`` / ``nn.CrossEntropyLoss`` record 0-d losses with their own rules
    (``functional_tensor``), also specialised."""
    import mytorch.nn as nn

    grads = []
    for special in (CHOOSERS, {}):
        _use_choosers(monkeypatch, special)
        rng = np.random.default_rng(3)
        x = Tensor(rng.standard_normal((4, 3)), requires_grad=True)
        target = Tensor(rng.standard_normal((4, 3)))
        nn.MSELoss()(x.tanh(), target).backward()
        nn.CrossEntropyLoss()(x, Tensor(np.array([0, 2, 1, 1]))).backward()
        grads.append(x.grad.numpy())
    assert np.array_equal(grads[0], grads[1])


def _use_choosers(monkeypatch, special) -> None:
    """Record with ``special`` as the table of VJP choosers. The plans cache the chooser they
    found (since 5e228a1), so they are emptied too: else an earlier test's plans kept the
    specialised VJPs and the comparisons with ``{}`` compared them with themselves."""
    monkeypatch.setattr(tensor_module, "_SPECIAL", special)
    forget_cached_plans(monkeypatch, {})


def _mlp_grads(monkeypatch, special, create_graph=False):
    _use_choosers(monkeypatch, special)
    rng = np.random.default_rng(5)
    x, y = Tensor(rng.standard_normal((3, 4))), Tensor(rng.standard_normal((3, 2)))
    W1, b1 = Tensor(rng.standard_normal((4, 5)), True), Tensor(rng.standard_normal(5), True)
    W2, b2 = Tensor(rng.standard_normal((5, 2)), True), Tensor(rng.standard_normal(2), True)
    h = (x @ W1 + b1).tanh()
    loss = mse_loss(y, (h @ W2 + b2).sigmoid())
    params = [W1, b1, W2, b2]
    loss.backward(create_graph=create_graph)
    grads = [p.grad for p in params]
    if create_graph:  # differentiate the gradient's norm again: the recorded backward ran the kernels
        for p in params:
            p.grad = None
        sum((g * g).sum() for g in grads).backward()
        grads = [p.grad for p in params]
    return [g.numpy() for g in grads]


def test_the_comparisons_record_without_choosers_when_told(monkeypatch):
    """The tests above compare the specialised VJPs with the general ones: with ``{}`` as the
    choosers, an operation must get the general VJP even after plans were cached with them."""

    def bias_add_vjp() -> object:
        h, b = Tensor(np.ones((3, 5)), True), Tensor(np.ones(5), True)
        return (h + b).tape.operation_list[-1].vjp

    _use_choosers(monkeypatch, CHOOSERS)
    assert bias_add_vjp().__name__ == "_bias_both"  # (the plan now caches the chooser)
    _use_choosers(monkeypatch, {})
    assert bias_add_vjp() is F.add_backward


@pytest.mark.parametrize("create_graph", [False, True])
def test_a_training_step_gives_the_kernels_bits(monkeypatch, create_graph):
    fast = _mlp_grads(monkeypatch, CHOOSERS, create_graph)
    general = _mlp_grads(monkeypatch, {}, create_graph)
    for f, g in zip(fast, general):
        assert np.array_equal(f, g)


@pytest.mark.parametrize("name", sorted(tensor_module.DIRECT_FORWARDS))
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_direct_forwards_are_the_kernels_forwards(name, dtype):
    """The operator or ufunc a Tensor calls in place of a kernel's forward gives its bits and dtype."""
    rng = np.random.default_rng(3)
    direct, forward = tensor_module.DIRECT_FORWARDS[name], F.KERNELS[name].forward
    operands = [(rng.uniform(0.5, 2.0, (3, 3)) * (1 if dtype != np.int64 else 4)).astype(dtype) for _ in range(2)]
    for shapes in ([(3, 3), (3, 3)], [(3, 3), (3,)], [(), ()]):
        arrays = [a[(slice(None),) * len(s) + (0,) * (2 - len(s))] for a, s in zip(operands, shapes)]
        if name == "matmul" and arrays[0].ndim != 2:
            continue
        arrays = arrays[: 2 if name in ("add", "sub", "mul", "matmul") else 1]
        with np.errstate(all="ignore"):
            expected, got = forward(*arrays), direct(*arrays)
        assert np.asarray(got).dtype == np.asarray(expected).dtype
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("name", sorted(tensor_module.FRESH_FORWARDS - {"add", "sub", "mul", "matmul"}))
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_fresh_forwards_give_new_memory(name, dtype):
    """What the recording takes as new memory for certain (a save of it alone skips ``watch``'s
    tests) is an array owning writeable memory of its own, for the forward a Tensor and an ``nn``
    activation call, on contiguous, transposed and sliced operands."""
    import mytorch.nn as nn

    data = np.random.default_rng(4).uniform(-2.0, 2.0, (4, 6)).astype(dtype)
    module = {"tanh": nn.Tanh, "sigmoid": nn.Sigmoid}.get(name)
    forwards = [tensor_module.DIRECT_FORWARDS.get(name, F.KERNELS[name].forward)]
    if module is not None:
        assert module._fresh
        forwards.append(module._forward)
    for forward in forwards:
        for x in (data, data.T, data[1:3], data[:, ::2]):
            with np.errstate(all="ignore"):
                out = forward(x)
            assert type(out) is np.ndarray and out.base is None and out.flags.writeable
            assert not np.shares_memory(out, data)
    assert not nn.ReLU._fresh  # (relu's result is not claimed new)


def test_a_fresh_activation_module_saves_its_output_as_before():
    """nn.Tanh and nn.Sigmoid record through the fresh-output save: a write into the saved output
    after the forward still raises (at the write, and by version at backward)."""
    import mytorch.nn as nn

    for module in (nn.Tanh(), nn.Sigmoid()):
        x = Tensor(np.linspace(-1.0, 1.0, 6).reshape(2, 3), requires_grad=True)
        y = module(x)
        with pytest.raises(ValueError, match="read-only"):
            y.numpy()[0, 0] = 5.0
        y.mul_(2.0)
        with pytest.raises(RuntimeError, match="was modified by an in-place operation: its output"):
            y.sum().backward()

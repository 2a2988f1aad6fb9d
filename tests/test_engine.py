"""The tape's semantics: accumulation, freeing, in-place parameter gradients, modes.

Gradients are compared with closed forms (or central differences) worked out by hand.
"""

from __future__ import annotations

import re
import sys
import weakref
from pathlib import Path

import numpy as np
import pytest

import mytorch
from mytorch import NO_GRAD, Autograd
from mytorch.gradcheck import numerical_vjp
from mytorch.nn import functional as F


def grad(engine: Autograd, x: np.ndarray) -> np.ndarray:
    return engine.gradient_buffer.get_param(x)


# --------------------------------------------------------------------------- the record
def test_operation_keeps_the_handout_attributes(engine: Autograd) -> None:
    x, W = np.ones((2, 3)), np.ones((3, 2))
    dW = np.zeros_like(W)
    out = x @ W
    op = engine.add_operation([x, W], out, [None, dW], F.matmul_backward)
    assert engine.operation_list == [op]
    assert op.inputs[0] is x and op.inputs[1] is W and op.output is out
    assert op.gradients_to_update[0] is None and op.gradients_to_update[1] is dW
    assert op.backward_operation is F.matmul_backward
    assert repr(op) == "Operation(matmul_backward((2, 3), (3, 2)) -> (2, 2))"
    direct = mytorch.Operation([x], out, [None], F.exp_backward)
    assert direct.inputs[0] is x and direct.output is out and direct.backward_operation is F.exp_backward


# --------------------------------------------------------------------------- accumulation
def test_array_used_twice_accumulates(engine: Autograd) -> None:
    x = np.array([1.0, -2.0, 3.0])
    F.apply(engine, "mul", x, x)
    engine.backward()
    np.testing.assert_array_equal(grad(engine, x), 2 * x)


def test_diamond_gives_four(engine: Autograd) -> None:
    a = np.array([[0.5, 1.5]])
    b = F.apply(engine, "add", a, a)
    F.apply(engine, "add", b, b)
    engine.backward()
    np.testing.assert_array_equal(grad(engine, a), [[4.0, 4.0]])


def test_skip_connection_gets_both_paths(engine: Autograd, rng: np.random.Generator) -> None:
    """y = x W^T + x, recorded as the handout does: matmul with (W.T, dW.T), then add."""
    x = rng.standard_normal((2, 3))
    W = rng.standard_normal((3, 3))
    dW = np.zeros_like(W)
    h = x @ W.T
    engine.add_operation([x, W.T], h, [None, dW.T], F.matmul_backward)
    y = h + x
    engine.add_operation([h, x], y, [None, None], F.add_backward)
    g = rng.standard_normal(y.shape)
    engine.backward(g)
    np.testing.assert_allclose(grad(engine, x), g @ W + g, rtol=1e-12)
    np.testing.assert_allclose(dW, g.T @ x, rtol=1e-12)


def test_parameter_view_is_updated_in_place(engine: Autograd, rng: np.random.Generator) -> None:
    x = rng.standard_normal((4, 3))
    W = rng.standard_normal((2, 3))
    dW = np.zeros_like(W)
    buffer_before = dW.ctypes.data
    engine.add_operation([x, W.T], x @ W.T, [None, dW.T], F.matmul_backward)
    g = rng.standard_normal((4, 2))
    engine.backward(g)
    np.testing.assert_allclose(dW, g.T @ x, rtol=1e-12)
    assert dW.ctypes.data == buffer_before  # the same memory, written in place
    assert not engine.gradient_buffer.is_in_memory(W.T)


def test_two_backward_calls_accumulate_leaves_not_intermediates(engine: Autograd) -> None:
    """h = x*x, y = h*w: each backward adds 2xw to x's gradient and x*x to dw; h is not counted twice."""
    x = np.array([1.0, 2.0])
    w = np.array([3.0, -1.0])
    dw = np.zeros(2)
    h = F.apply(engine, "mul", x, x)
    F.apply(engine, "mul", h, w, gradients_to_update=[None, dw])
    engine.backward()
    np.testing.assert_array_equal(grad(engine, x), 2 * x * w)
    np.testing.assert_array_equal(dw, x * x)
    engine.backward()
    np.testing.assert_array_equal(grad(engine, x), 4 * x * w)
    np.testing.assert_array_equal(dw, 2 * x * x)
    assert not engine.gradient_buffer.is_in_memory(h)


def test_zero_grad_clears_tape_and_buffer(engine: Autograd) -> None:
    x = np.ones(3)
    F.apply(engine, "exp", x)
    engine.backward()
    assert engine.gradient_buffer.is_in_memory(x)
    engine.zero_grad()
    assert engine.operation_list == []
    assert len(engine.gradient_buffer) == 0
    with pytest.raises(KeyError, match="no gradient is held"):
        grad(engine, x)


# --------------------------------------------------------------------------- what gets recorded
def test_no_grad_records_nothing(engine: Autograd) -> None:
    x = np.array([1.0, 2.0])
    other = Autograd()
    with mytorch.no_grad():
        assert not mytorch.is_grad_enabled()
        y = F.apply(engine, "mul", x, x)
        F.apply(other, "exp", x)
    assert mytorch.is_grad_enabled()
    np.testing.assert_array_equal(y, [1.0, 4.0])  # the forward still runs
    with engine.no_grad():
        F.apply(engine, "exp", x)
        F.apply(other, "exp", x)  # another engine keeps recording
    assert len(engine.operation_list) == 0
    assert len(other.operation_list) == 1


def test_no_grad_is_restored_after_an_error(engine: Autograd) -> None:
    with pytest.raises(RuntimeError), mytorch.no_grad():
        raise RuntimeError
    with pytest.raises(RuntimeError), engine.no_grad():
        raise RuntimeError
    F.apply(engine, "exp", np.ones(2))
    assert len(engine.operation_list) == 1


def test_backward_from_an_earlier_output(engine: Autograd) -> None:
    x = np.array([1.0, 2.0])
    h = F.apply(engine, "mul", x, np.array([2.0, 2.0]))
    F.apply(engine, "exp", h)
    engine.backward(output=h)
    np.testing.assert_array_equal(grad(engine, x), [2.0, 2.0])


def test_intermediates_are_freed_unless_kept(engine: Autograd) -> None:
    x = np.array([0.5, -1.0])
    h = F.apply(engine, "mul", x, x)
    F.apply(engine, "sin", h)
    engine.backward()
    assert not engine.gradient_buffer.is_in_memory(h)
    np.testing.assert_allclose(grad(engine, x), 2 * x * np.cos(x * x), rtol=1e-12)
    engine.gradient_buffer.clear()
    engine.backward(keep_grads=True)
    np.testing.assert_allclose(grad(engine, h), np.cos(x * x), rtol=1e-12)
    np.testing.assert_allclose(grad(engine, x), 2 * x * np.cos(x * x), rtol=1e-12)


def test_keep_grads_twice_counts_each_call_once(engine: Autograd) -> None:
    """Kept intermediate gradients accumulate like leaves; they are not propagated a second time."""
    x = np.array([0.5, -1.0])
    h = F.apply(engine, "mul", x, np.array([3.0, 3.0]))
    F.apply(engine, "sin", h)
    slope = np.cos(3 * x)
    engine.backward(keep_grads=True)
    engine.backward(keep_grads=True)
    np.testing.assert_allclose(grad(engine, h), 2 * slope, rtol=1e-12)
    np.testing.assert_allclose(grad(engine, x), 2 * 3 * slope, rtol=1e-12)
    engine.backward()
    np.testing.assert_allclose(grad(engine, x), 3 * 3 * slope, rtol=1e-12)
    np.testing.assert_allclose(grad(engine, h), 2 * slope, rtol=1e-12)  # this call kept nothing new


def test_no_grad_input_is_neither_stored_nor_computed(engine: Autograd, rng: np.random.Generator) -> None:
    """Data marked NO_GRAD: its gradient rule is never called (a matmul saved in backward)."""
    calls = {"a": 0, "b": 0}

    def count(side: str, rule):
        def counted(*args, **kwargs):
            calls[side] += 1
            return rule(*args, **kwargs)

        return counted

    def counted_matmul_backward(grad_output, a, b):
        return F.matmul_backward(grad_output, a, b)

    counted_matmul_backward.partials = (count("a", F.matmul_grad_a), count("b", F.matmul_grad_b))
    x = rng.standard_normal((5, 3))
    W = rng.standard_normal((2, 3))
    dW = np.zeros_like(W)
    engine.add_operation([x, W.T], x @ W.T, [NO_GRAD, dW.T], counted_matmul_backward)
    g = rng.standard_normal((5, 2))
    engine.backward(g)
    assert calls == {"a": 0, "b": 1}
    assert not engine.gradient_buffer.is_in_memory(x)
    np.testing.assert_allclose(dW, g.T @ x, rtol=1e-12)


def test_no_grad_input_with_the_real_matmul_kernel(engine: Autograd, rng: np.random.Generator) -> None:
    x = rng.integers(0, 5, (4, 3))  # integer data is fine when it needs no gradient
    W = rng.standard_normal((3, 2))
    dW = np.zeros_like(W)
    engine.add_operation([x, W], x @ W, [NO_GRAD, dW], F.matmul_backward)
    engine.backward()
    np.testing.assert_allclose(dW, x.T @ np.ones((4, 2)), rtol=1e-12)
    assert len(engine.gradient_buffer) == 0


def test_zero_dimensional_arrays_through_the_kernel_table(engine: Autograd) -> None:
    """NumPy turns ufuncs of 0-d arrays into scalars; apply still records arrays, backward still works."""
    x, w = np.array(0.5), np.array(2.0)
    dw = np.zeros(())
    h = F.apply(engine, "mul", x, w, gradients_to_update=[None, dw])
    y = F.apply(engine, "exp", h)
    assert isinstance(h, np.ndarray) and isinstance(y, np.ndarray)
    engine.backward()
    np.testing.assert_allclose(grad(engine, x), 2 * np.exp(1.0), rtol=1e-12)
    np.testing.assert_allclose(dw, 0.5 * np.exp(1.0), rtol=1e-12)
    (t,) = engine.jvp([x], [np.array(1.0)])
    np.testing.assert_allclose(t, 2 * np.exp(1.0), rtol=1e-12)


def test_bare_array_from_a_one_input_kernel(engine: Autograd) -> None:
    def square_backward(grad_output, x):
        return 2 * x * grad_output  # the handout's convention: no tuple

    x = np.array([1.0, -3.0])
    engine.add_operation([x], x * x, [None], square_backward)
    engine.backward()
    np.testing.assert_array_equal(grad(engine, x), [2.0, -6.0])


def test_million_op_chain_under_default_recursion_limit(engine: Autograd) -> None:
    """A chain of n = 1,000,000 recorded identities: every kernel runs once, the seed reaches x."""
    n = 1_000_000
    assert sys.getrecursionlimit() <= 1000  # CPython's default; nothing here raises it
    calls = [0]

    def pass_backward(grad_output, x):  # the cheapest kernel there is
        calls[0] += 1
        return (grad_output,)

    x = np.ones(1)
    y = x
    record = engine.add_operation
    for _ in range(n):
        out = y.view()
        record([y], out, [None], pass_backward)
        y = out
    engine.backward(np.array([0.25]))
    assert calls[0] == n
    np.testing.assert_array_equal(grad(engine, x), [0.25])
    assert len(engine.gradient_buffer) == 1  # every intermediate gradient was freed


# --------------------------------------------------------------------------- identity of arrays
def test_buffer_keeps_keyed_arrays_alive_until_zero_grad(engine: Autograd) -> None:
    """While a gradient is held for an array, its id cannot be handed to a new array."""
    x = np.ones(3)
    F.apply(engine, "exp", x)
    engine.backward()
    ref = weakref.ref(x)
    del x
    assert ref() is not None
    engine.zero_grad()
    assert ref() is None


def test_reused_id_after_zero_grad_starts_at_zero(engine: Autograd) -> None:
    x = np.full(3, 2.0)
    F.apply(engine, "mul", x, x)
    engine.backward()
    old = id(x)
    engine.zero_grad()
    del x
    z = None
    for _ in range(100_000):  # freed slots are handed out again: wait for x's
        z = np.full(3, 5.0)
        if id(z) == old:
            break
    else:
        pytest.skip("the allocator did not reuse the freed id")
    assert not engine.gradient_buffer.is_in_memory(z)
    F.apply(engine, "mul", z, z)
    engine.backward()
    np.testing.assert_array_equal(grad(engine, z), [10.0, 10.0, 10.0])


def test_array_and_its_transpose_keep_separate_gradients(engine: Autograd, rng: np.random.Generator) -> None:
    x = rng.standard_normal((3, 3))
    xt = x.T
    row = x[0]
    g = rng.standard_normal((3, 3))
    y = F.apply(engine, "mul", x, xt)
    F.apply(engine, "add", y, row)
    engine.backward(g)
    np.testing.assert_allclose(grad(engine, x), g * xt, rtol=1e-12)
    np.testing.assert_allclose(grad(engine, xt), g * x, rtol=1e-12)
    np.testing.assert_allclose(grad(engine, row), g.sum(axis=0), rtol=1e-12)


def test_two_engines_are_independent(rng: np.random.Generator) -> None:
    a, b = Autograd(), Autograd()
    x = rng.standard_normal(4)
    F.apply(a, "mul", x, x)
    F.apply(b, "sin", x)
    a.backward()
    np.testing.assert_array_equal(grad(b, x), np.zeros(4))  # b's spot for x: nothing reached it yet
    b.backward()
    np.testing.assert_allclose(grad(a, x), 2 * x, rtol=1e-12)
    np.testing.assert_allclose(grad(b, x), np.cos(x), rtol=1e-12)
    assert len(a.operation_list) == len(b.operation_list) == 1


# --------------------------------------------------------------------------- forward mode
def composite(engine: Autograd, x: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """log_softmax(tanh(x W + b) * x[:, :1]) for x (2, 4), W (4, 3), b (3,): a (2, 3) output."""
    h = F.apply(engine, "matmul", x, W)
    h = F.apply(engine, "add", h, b)  # (2, 3) + (3,)
    h = F.apply(engine, "tanh", h)
    first = F.apply(engine, "index", x, index=(slice(None), slice(0, 1)))
    h = F.apply(engine, "mul", h, first)  # (2, 3) * (2, 1)
    return F.apply(engine, "log_softmax", h)


def test_forward_columns_equal_reverse_rows(engine: Autograd, rng: np.random.Generator) -> None:
    x, W, b = rng.standard_normal((2, 4)), rng.standard_normal((4, 3)), rng.standard_normal(3)
    leaves = [x, W, b]
    y = composite(engine, x, W, b)
    sizes = [v.size for v in leaves]
    forward = np.zeros((y.size, sum(sizes)))
    reverse = np.zeros_like(forward)
    col = 0
    for k, v in enumerate(leaves):
        for j in range(v.size):
            tangents = [np.zeros_like(u) for u in leaves]
            tangents[k].flat[j] = 1.0
            (t,) = engine.jvp(leaves, tangents, [y])
            forward[:, col] = t.ravel()
            col += 1
    for i in range(y.size):
        seed = np.zeros_like(y)
        seed.flat[i] = 1.0
        engine.gradient_buffer.clear()
        engine.backward(seed)
        reverse[i] = np.concatenate([grad(engine, v).ravel() for v in leaves])
    np.testing.assert_allclose(forward, reverse, rtol=1e-10, atol=1e-12)
    # and both are the Jacobian: row 0 against central differences
    seed = np.zeros_like(y)
    seed.flat[0] = 1.0
    numeric = [numerical_vjp(lambda: composite(None, x, W, b), v, seed, 1e-6).ravel() for v in leaves]
    np.testing.assert_allclose(reverse[0], np.concatenate(numeric), rtol=1e-6, atol=1e-8)


def test_jvp_gives_zero_where_the_perturbation_does_not_reach(engine: Autograd) -> None:
    x, z = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    y = F.apply(engine, "exp", x)
    w = F.apply(engine, "exp", z)
    ty, tw = engine.jvp([x], [np.ones(2)], [y, w])
    np.testing.assert_allclose(ty, np.exp(x), rtol=1e-12)
    np.testing.assert_array_equal(tw, np.zeros(2))


# --------------------------------------------------------------------------- anomaly detection
def log_of_zero(engine: Autograd) -> np.ndarray:
    x = np.array([1.0, 0.0, 2.0])
    h = F.apply(engine, "mul", x, np.ones(3))
    with np.errstate(divide="ignore"):
        F.apply(engine, "log", h)
        F.apply(engine, "sum", engine.operation_list[-1].output)
    return x


def test_detect_anomaly_names_the_op(engine: Autograd) -> None:
    log_of_zero(engine)
    with mytorch.detect_anomaly(), np.errstate(divide="ignore", invalid="ignore"):
        with pytest.raises(FloatingPointError, match=r"operation 1 \(log_backward\(\(3,\)\) -> \(3,\)\)"):
            engine.backward()


def test_anomaly_detection_is_off_by_default(engine: Autograd) -> None:
    x = log_of_zero(engine)
    with np.errstate(divide="ignore", invalid="ignore"):
        engine.backward()
    assert np.isinf(grad(engine, x)[1])


# --------------------------------------------------------------------------- the README
def readme_block(heading: str) -> str:
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    match = re.search(re.escape(heading) + r".*?```python\n(.*?)```", text, re.S)
    assert match, f"README has no python block under {heading!r}"
    return match.group(1)


def test_readme_first_example_runs_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict = {}
    exec(compile(readme_block("## For learners: the tape by hand"), "README.md", "exec"), namespace)
    x, W, dW = namespace["x"], namespace["W"], namespace["dW"]
    g_h = 1 - np.tanh(x @ W.T) ** 2  # d tanh(h) / dh, seeded with ones
    np.testing.assert_allclose(dW, g_h.T @ x, rtol=1e-12)
    np.testing.assert_allclose(namespace["autograd"].gradient_buffer.get_param(x), g_h @ W, rtol=1e-12)
    printed = capsys.readouterr().out
    assert "matmul_backward" in printed and "tanh_backward" in printed

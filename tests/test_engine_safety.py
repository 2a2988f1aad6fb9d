"""The engine's safety nets: anomaly checks of recorded arrays, per-thread grad mode, the bounded
NO_GRAD kernel cache, complex tangents, PyTorch's dtype promotion, and bce at p = 0 or 1."""

from __future__ import annotations

import gc
import threading
import weakref

import numpy as np
import pytest

import mytorch as mt
from mytorch import NO_GRAD, Autograd, Tensor
from mytorch import autograd_engine as engine_module
from mytorch.nn import functional as F


# --------------------------------------------------------------------------- anomaly: recorded arrays
def test_anomaly_reports_a_recorded_array_changed_before_backward():
    x = np.array([[0.5, -1.0, 2.0], [1.0, 0.0, -0.5]])
    engine = Autograd()
    with mt.detect_anomaly():
        h = F.apply(engine, "exp", x)  # exp_backward reads its output
        F.apply(engine, "sum", h)
        h *= 0.5  # an in-place write between forward and backward
        with pytest.raises(RuntimeError, match=r"operation 0 \(exp_backward.*its output, of shape \(2, 3\), changed"):
            engine.backward()


def test_anomaly_reports_a_changed_input_a_rule_reads():
    x, w = np.ones((2, 3)), np.full((3, 4), 0.5)
    engine = Autograd()
    with mt.detect_anomaly():
        F.apply(engine, "matmul", x, w)
        w[0, 0] = 9.0
        with pytest.raises(RuntimeError, match=r"operation 0 \(matmul_backward.*input 1, of shape \(3, 4\)"):
            engine.backward(np.ones((2, 4)))


def test_anomaly_accepts_a_change_no_rule_reads():
    a, b = np.ones(3), np.arange(3.0)
    engine = Autograd()
    with mt.detect_anomaly():
        c = F.apply(engine, "add", a, b)
        F.apply(engine, "sum", c)
        a += 1  # add's backward reads no values, and sum's reads none either
        engine.backward()
    np.testing.assert_array_equal(engine.gradient_buffer.get_param(a), np.ones(3))


def test_anomaly_checks_a_kernel_without_declared_reads_everywhere():
    def scale_backward(grad_output, x):
        return grad_output * 2.0

    x = np.ones(3)
    out = x * 2.0
    engine = Autograd()
    with mt.detect_anomaly():
        engine.add_operation([x], out, [None], scale_backward)
        out[0] = 5.0
        with pytest.raises(RuntimeError, match="scale_backward.*output"):
            engine.backward(np.ones(3))


def test_outside_anomaly_mode_the_raw_engine_adds_no_guard():
    engine = Autograd()
    F.apply(engine, "exp", np.ones(3))
    assert engine.operation_list[0].guard is None  # the handout path stays plain NumPy


# --------------------------------------------------------------------------- grad mode per thread
def test_no_grad_in_one_thread_leaves_other_threads_recording():
    inside, done = threading.Event(), threading.Event()
    seen = {}

    def evaluate():
        with mt.no_grad():
            inside.set()
            done.wait(5)
            seen["worker"] = mt.is_grad_enabled()

    worker = threading.Thread(target=evaluate)
    worker.start()
    assert inside.wait(5)
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (x * x).sum()  # recorded: this thread's grad mode is on
    seen["main"] = mt.is_grad_enabled()
    done.set()
    worker.join(5)
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])
    assert seen == {"main": True, "worker": False}


def test_a_new_thread_starts_with_grad_enabled():
    result = []
    with mt.no_grad():
        thread = threading.Thread(target=lambda: result.append(mt.is_grad_enabled()))
        thread.start()
        thread.join(5)
    assert result == [True]  # as in PyTorch: grad mode is not inherited


def test_enable_grad_and_set_grad_enabled_switch_recording_as_in_pytorch():
    """`with torch.set_grad_enabled(phase == "train"):` (the transfer-learning tutorial's loop),
    `torch.set_grad_enabled(False)` as a call, and `enable_grad()` inside `no_grad()`."""
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    for train in (True, False):
        with mt.set_grad_enabled(train):
            y = (x * x).sum()
        assert y.requires_grad is train and mt.is_grad_enabled()
    with mt.no_grad():
        with mt.enable_grad():
            y = (x * x).sum()
        assert not (x * x).requires_grad
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])
    mt.set_grad_enabled(False)
    try:
        assert not (x * 2).requires_grad
    finally:
        mt.set_grad_enabled(True)
    assert (x * 2).requires_grad


def test_no_grad_enable_grad_and_inference_mode_as_decorators_and_blocks():
    """PyTorch's forms: ``@no_grad``, ``@no_grad()``, ``@inference_mode``, ``@inference_mode()``,
    ``inference_mode(False)`` (gradients on, as PyTorch's), ``@enable_grad`` inside a ``no_grad``
    block; the decorated function keeps its name; the mode before comes back, also after an error."""
    x = Tensor(np.array([1.0]), requires_grad=True)

    def double(t):
        return t * 2

    off = [mt.no_grad(double), mt.no_grad()(double), mt.inference_mode(double), mt.inference_mode()(double)]
    assert [f(x).requires_grad for f in off] == [False] * 4 and off[0].__name__ == "double"
    assert mt.inference_mode(False)(double)(x).requires_grad
    with mt.inference_mode():
        assert not (x * 2).requires_grad
        with mt.inference_mode(False):  # (as PyTorch's: grad mode on, inference mode off)
            assert (x * 2).requires_grad
    with mt.no_grad():
        assert mt.enable_grad(double)(x).requires_grad and not (x * 2).requires_grad

    @mt.no_grad
    def fails():
        raise KeyError("inside")

    with pytest.raises(KeyError):
        fails()
    assert mt.is_grad_enabled()
    with pytest.raises(TypeError, match="no_grad: takes no arguments"):
        mt.no_grad(3)


def test_set_grad_enabled_decorates_a_function_as_pytorchs():
    """``@torch.set_grad_enabled(False)`` over a function (and ``torch.autograd.set_grad_enabled``,
    ``torch.autograd.inference_mode``): the function runs in the mode at each call, the decoration
    leaves the caller's mode alone. It raised TypeError (not callable) after turning recording off
    for the rest of the thread, so the code after a caught error recorded nothing."""
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)

    @mt.set_grad_enabled(False)
    def frozen(t):
        return t * 2

    assert mt.is_grad_enabled() and (x * 2).requires_grad
    assert not frozen(x).requires_grad and mt.is_grad_enabled()
    with mt.no_grad():
        recorded = mt.autograd.set_grad_enabled(True)(lambda t: t * 3)
        assert not mt.is_grad_enabled()
        y = recorded(x)
    assert y.requires_grad and mt.is_grad_enabled()
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])
    with mt.autograd.inference_mode():
        assert not (x * 2).requires_grad and mt.is_inference_mode_enabled()


def test_a_decorated_generator_runs_each_step_in_the_mode():
    """``@no_grad`` over a generator function (an evaluation loop yielding predictions): each
    step of the generator runs without recording, the code consuming it in its own mode, as in
    PyTorch (the generator's body ran with recording on: predictions that required grad).
    Values sent in, exceptions thrown in, close and the return value pass through."""
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)

    @mt.no_grad()
    def predictions(n):
        total = 0.0
        for i in range(n):
            got = yield x * i, mt.is_grad_enabled()
            total += 0 if got is None else got
        return total

    modes = []
    for prediction, mode in predictions(2):
        modes.append((prediction.requires_grad, mode, mt.is_grad_enabled(), (x * 2).requires_grad))
    assert modes == [(False, False, True, True)] * 2
    steps = predictions(3)
    next(steps)
    assert steps.send(5.0)[0].requires_grad is False
    with pytest.raises(StopIteration) as stop:
        steps.send(7.0)
        steps.send(1.0)
    assert stop.value.value == 13.0 and mt.is_grad_enabled()

    @mt.enable_grad
    def recorded():
        try:
            yield x * 2
        except KeyError:
            yield mt.is_grad_enabled()

    with mt.no_grad():
        steps = recorded()
        assert next(steps).requires_grad and not mt.is_grad_enabled()
        assert steps.throw(KeyError("in")) is True
        steps.close()
        assert not mt.is_grad_enabled()


# --------------------------------------------------------------------------- the NO_GRAD cache
def test_the_pruned_kernel_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(engine_module, "_MAX_PRUNED", 16)  # (the bound's logic, at 1/16 of 256's cost)
    engine = Autograd()
    first = None
    for i in range(120):
        kernel = lambda g, a, b: (g * b, g * a)  # noqa: E731 - a fresh callable each time
        kernel.partials = (lambda g, a, b: g * b, lambda g, a, b: g * a)
        if i == 0:
            first = weakref.ref(kernel)
        x = np.ones(2)
        engine.add_operation([x, x + 1], x * (x + 1), [None, NO_GRAD], kernel)
    assert len(engine_module._PRUNED) <= engine_module._MAX_PRUNED
    engine.zero_grad()
    del kernel
    gc.collect()
    assert first() is None  # nothing keeps the first lambda alive


# --------------------------------------------------------------------------- complex tangents
def test_complex_tangents_are_refused():
    engine = Autograd()
    x = np.ones(3)
    F.apply(engine, "exp", x)
    with pytest.raises(TypeError, match=r"jvp: tangent 0 is complex.*float64.*\(3,\)"):
        engine.jvp([x], [np.ones(3) * (1 + 2j)])
    t = Tensor(x, requires_grad=True)
    with pytest.raises(TypeError, match="complex"):
        mt.jvp(t.exp(), [t], [np.full(3, 1j)])


# --------------------------------------------------------------------------- dtype promotion
@pytest.mark.parametrize(
    "operand",
    [
        np.float64(2.0),
        np.int64(3),
        np.arange(3),
        np.array(2.0),
        np.array([True, False, True]),
        Tensor(np.arange(3)),
        Tensor(np.array(2.0)),
    ],
    ids=[
        "np.float64",
        "np.int64",
        "int64 array",
        "0-d float64 array",
        "bool array",
        "int64 tensor",
        "0-d float64 tensor",
    ],
)
@pytest.mark.parametrize("requires_grad", [True, False], ids=["recorded", "constant"])
def test_scalars_and_integers_keep_a_float32_tensor_float32(operand, requires_grad):
    # NumPy operands on the left (operand * x) reach the Tensor through __array_ufunc__: the
    # same promotion whether or not x requires a gradient, on NumPy 1.x and 2.x alike
    x = Tensor(np.ones(3, dtype=np.float32), requires_grad=requires_grad)
    for y in (x * operand, operand * x, x + operand, operand - x, x / (operand + 1), (operand + 1) / x):
        assert y.dtype == np.float32
    if requires_grad:
        (x * operand).sum().backward()
        assert x.grad.dtype == np.float32


@pytest.mark.parametrize("default", [np.float32, np.float64])
def test_integer_tensors_with_floats_or_divided_give_the_default_float_dtype(default):
    """As in PyTorch (NumPy would give float64): an accuracy `correct / n`, `mask * 0.5`."""
    ints, mask = mt.tensor([1, 2, 3]), mt.tensor([True, False, True])
    previous = mt.get_default_dtype()
    mt.set_default_dtype(default)
    try:
        results = [ints / 2, 3 / ints, ints / ints, mt.div(ints, 2), ints * 1.5, 0.5 * mask, ints - np.float64(0.5)]
    finally:
        mt.set_default_dtype(previous)
    assert [r.dtype for r in results] == [default] * len(results)
    np.testing.assert_allclose(results[0].numpy(), [0.5, 1.0, 1.5])
    np.testing.assert_allclose(results[1].numpy(), [3.0, 1.5, 1.0])
    assert (ints + 1).dtype == (ints * 2).dtype == np.int64  # integers with integers stay integers


def test_integer_tensors_in_float_functions_and_clamp_follow_pytorch():
    """exp/sqrt/sigmoid/... of integers give the default float dtype (not float64); abs, relu,
    integer powers and clamp between integer bounds keep integers (labels.clamp(0, 9) stays
    class labels)."""
    labels = mt.tensor([1, 12, -3])
    assert [f(labels).dtype for f in (mt.exp, mt.sqrt, mt.sigmoid, mt.tanh, mt.log)] == [np.float32] * 5
    assert labels.abs().dtype == labels.relu().dtype == np.int64
    clamped = labels.clamp(0, 9)
    assert clamped.dtype == np.int64 and clamped.tolist() == [1, 9, 0]
    assert labels.clamp(min=0).tolist() == [1, 12, 0]
    assert labels.clamp(0.5, 9.5).dtype == np.float32
    n = mt.tensor([1, 2, 3])
    assert (n**2).tolist() == [1, 4, 9] and (2**n).tolist() == [2, 4, 8] and (n**2).dtype == (2**n).dtype == np.int64
    assert (n**0.5).dtype == (2.5**n).dtype == np.float32


def test_a_dimensioned_float64_operand_still_promotes():
    x = Tensor(np.ones(3, dtype=np.float32))
    assert (x * np.ones(3)).dtype == np.float64  # PyTorch: float32 * float64 tensor -> float64


# --------------------------------------------------------------------------- bce at 0 and 1
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bce_at_exactly_zero_and_one_is_finite_and_matches_its_clamped_forward(dtype):
    y = np.array([1.0, 0.0, 1.0, 0.0, 0.5], dtype=dtype)
    p = np.array([0.0, 1.0, 1.0, 0.0, 0.0], dtype=dtype)
    gy, gp = F.bce_loss_backward(np.ones(1, dtype), y, p)
    assert np.isfinite(gy).all() and np.isfinite(gp).all()
    # where log p (or log(1 - p)) is floored at -100, that term is flat: its derivative is 0
    np.testing.assert_allclose(gp, np.array([0.0, 0.0, -1.0, 1.0, 0.5], dtype) / 5, atol=1e-7)
    np.testing.assert_allclose(gy, np.array([100.0, -100.0, -100.0, 100.0, 100.0], dtype) / 5, rtol=1e-6)


def test_bce_gradient_matches_central_differences_near_the_ends():
    y = np.array([1.0, 0.0, 1.0, 0.7])  # p = 1e-50 is where the forward floors log p: flat
    p = np.array([1e-30, 1 - 2**-30, 1e-50, 0.999])
    _, gp = F.bce_loss_backward(np.ones(1), y, p)
    for i in range(4):  # one element at a time: no other term's rounding in the difference
        h = (p[i] if p[i] < 0.5 else 1 - p[i]) * 1e-3
        up, down = p[i : i + 1] + h, p[i : i + 1] - h
        numeric = (F.bce_loss(y[i : i + 1], up)[0] - F.bce_loss(y[i : i + 1], down)[0]) / (2 * h)
        np.testing.assert_allclose(gp[i] * 4, numeric, rtol=1e-3, atol=1e-12)  # p + h rounds near 1


def test_inference_mode_nests_with_the_grad_switches_as_pytorchs():
    """Inside ``inference_mode()`` nothing is recorded, even under ``enable_grad`` or
    ``set_grad_enabled(True)``, which only make ``is_grad_enabled()`` true, as in PyTorch: they
    recorded, so a backward gave gradients where PyTorch's raises. ``inference_mode(False)`` turns
    gradients on (inside ``no_grad`` too), as PyTorch's: it changed nothing."""
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    seen = []
    with mt.inference_mode():
        with mt.enable_grad():
            seen.append(((x * 2).requires_grad, mt.is_grad_enabled()))
            with mt.no_grad():
                seen.append(((x * 2).requires_grad, mt.is_grad_enabled()))
            seen.append(((x * 2).requires_grad, mt.is_grad_enabled()))
        with mt.set_grad_enabled(True):
            seen.append(((x * 2).requires_grad, mt.is_grad_enabled()))
        seen.append(((x * 2).requires_grad, mt.is_grad_enabled()))
        with mt.inference_mode(False):
            seen.append(((x * 2).requires_grad, mt.is_grad_enabled()))
            assert not mt.is_inference_mode_enabled()
        assert mt.is_inference_mode_enabled()
    with mt.no_grad():
        with mt.inference_mode(False):
            seen.append(((x * 2).requires_grad, mt.is_grad_enabled()))
        seen.append(((x * 2).requires_grad, mt.is_grad_enabled()))
    seen.append(((x * 2).requires_grad, mt.is_grad_enabled()))
    assert seen == [
        (False, True),
        (False, False),
        (False, True),
        (False, True),
        (False, False),
        (True, True),
        (True, True),
        (False, False),
        (True, True),
    ]
    with mt.inference_mode(), mt.enable_grad():
        y = (x * x).sum()
    with pytest.raises(RuntimeError):
        y.backward()

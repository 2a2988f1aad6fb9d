"""``Autograd.record``: the unchecked ``add_operation`` the modules record through."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest

from mytorch import NO_GRAD, Autograd, detect_anomaly, no_grad
from mytorch.nn import functional as F
from mytorch.nn.modules import Linear, MSELoss, Sigmoid, Tanh


def test_record_makes_the_operation_add_operation_makes():
    x, W = np.ones((2, 3)), np.arange(6.0).reshape(3, 2)
    dW = np.zeros_like(W)
    checked, unchecked = Autograd(), Autograd()
    a = checked.add_operation([x, W], x @ W, [NO_GRAD, dW], F.matmul_backward)
    b = unchecked.record([x, W], x @ W, [NO_GRAD, dW], F.matmul_backward, skipped=1)
    assert a.vjp is b.vjp and a.backward_operation is b.backward_operation
    assert a.gradients_to_update == b.gradients_to_update
    assert unchecked.gradient_buffer.owners.keys() == checked.gradient_buffer.owners.keys()


def test_record_keeps_no_grad_and_routes_anomaly_mode_through_the_checks():
    engine = Autograd()
    x = np.ones(3)
    with no_grad():
        assert engine.record([x], np.exp(x), [None], F.exp_backward) is None
    with engine.no_grad():
        assert engine.record([x], np.exp(x), [None], F.exp_backward) is None
    with detect_anomaly(), pytest.raises(ValueError, match="2 inputs but 1 entries"):
        engine.record([x, x], x + x, [None], F.add_backward)  # the checked path under anomaly mode
    assert len(engine) == 0


def test_modules_give_the_same_gradients_through_record():
    """A small network's gradients through the modules (record) against the same network
    recorded op by op with add_operation and the general kernels."""
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    engine = Autograd()
    layer = Linear(3, 2, engine, rng=1)
    MSELoss(engine)(y, Tanh(engine)(layer(x)))
    engine.backward()
    reference = Autograd()
    W, b = layer.W.copy(), layer.b.copy()
    dW, db = np.zeros_like(W), np.zeros_like(b)
    h = x @ W.T
    reference.add_operation([x, W.T], h, [None, dW.T], F.matmul_backward)
    z = h + b
    reference.add_operation([h, b], z, [None, db], F.add_backward)
    a = np.tanh(z)
    reference.add_operation([z], a, [None], F.tanh_backward, {"out": a})
    loss = F.mse_loss(y, a)
    reference.add_operation([y, a], loss, [NO_GRAD, None], F.mse_loss_backward)
    reference.backward()
    np.testing.assert_allclose(layer.dW, dW, rtol=1e-14)
    np.testing.assert_allclose(layer.db, db, rtol=1e-14)
    np.testing.assert_allclose(engine.gradient_buffer.get_param(x), reference.gradient_buffer.get_param(x), rtol=1e-14)


@pytest.mark.parametrize("input_grad", [False, True])
@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
def test_the_links_the_modules_pass_are_the_ones_record_finds(input_grad, loss):
    """The modules give ``record`` each operation's ``link`` (sparing its loop over the
    destinations): it must be what ``record`` finds itself, and the inputs whose gradient goes
    to the buffer must have their spots, as ``add_operation`` makes them."""
    from mytorch.nn.modules import ACTIVATIONS, LOSSES

    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((3, 4)), np.eye(2)[[0, 1, 1]]
    engine, found = Autograd(), Autograd()
    first = Linear(4, 5, engine, rng=0, input_grad=input_grad)
    out = first(x)
    for name in ACTIVATIONS:
        out = ACTIVATIONS[name](engine)(out)
    out = Linear(5, 2, engine, rng=1)(out)
    LOSSES[loss](engine)(y, out)
    assert len(engine.operation_list) == 5 + len(ACTIVATIONS)  # two Linears, the activations, the loss
    ops = engine.operation_list
    for i, op in enumerate(ops):
        again = found.record(op.inputs, op.output, op.gradients_to_update, op.backward_operation, op.params, op.vjp)
        if op.link == -3:  # a Linear's add (record_linear): link 0, its first input the output of its pair
            assert again.link == 0 and op.pair is ops[i - 1] and op.pair.output is op.inputs[0], op.describe()
        else:
            assert op.link == again.link, op.describe()
    assert engine.gradient_buffer.owners.keys() == found.gradient_buffer.owners.keys()
    assert (id(x) in engine.gradient_buffer.owners) is input_grad
    assert [op.link for op in ops][:3] == [0 if input_grad else -1, -3, 0]


def test_a_module_given_integer_data_still_gets_the_checked_message():
    with pytest.raises(TypeError, match="matmul_backward.*input 0.*int64"):
        Linear(3, 2, Autograd())(np.ones((2, 3), dtype=np.int64))
    with pytest.raises(TypeError, match="Tanh.forward: expected a floating-point array, got dtype int64"):
        Tanh(Autograd())(np.ones(3, dtype=np.int64))


def _chain_network(engine: Autograd, x: np.ndarray, y: np.ndarray, branch: bool) -> tuple[Linear, Linear]:
    """Linear -> tanh -> Linear -> MSE recorded through ``record`` (every operation a link of
    the chain), and with ``branch`` the first tanh's output also added to the second layer's
    (a second use: its gradient is the sum of two)."""
    first, second = Linear(3, 3, engine, rng=1), Linear(3, 2, engine, rng=2)
    a = Tanh(engine)(first(x))
    out = second(a)
    if branch:  # out + a[:, :2], recorded through record too (a's second use)
        part = a[:, :2]
        total = out + part
        engine.record((out, a), total, (None, None), _sum_and_slice_vjp)
        out = total
    MSELoss(engine)(y, out)
    return first, second


def _sum_and_slice_vjp(g: np.ndarray, out: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ga = np.zeros_like(a)
    ga[:, :2] = g
    return g, ga


@pytest.mark.parametrize("branch", [False, True])
def test_chain_loop_gives_what_the_general_loop_gives(branch: bool) -> None:
    """``backward``'s chain loop (an empty buffer, no anomaly mode, no kept gradients) against
    the general loop (taken when the buffer already holds a gradient): the same parameter
    gradients, the same leaf gradient and the same spots left in the buffer, bit for bit."""
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
    results = []
    for general in (False, True):
        engine = Autograd()
        first, second = _chain_network(engine, x, y, branch)
        other = np.ones(5)
        if general:  # a gradient already held (of an array not on the tape): the general loop
            engine.gradient_buffer.update_param(other, np.ones(5))
        engine.backward()
        if general:
            engine.gradient_buffer.memory.pop(id(other))
            engine.gradient_buffer.owners.pop(id(other))
        buffer = engine.gradient_buffer
        results.append(
            (
                first.dW.copy(),
                first.db.copy(),
                second.dW.copy(),
                second.db.copy(),
                buffer.get_param(x).copy(),
                sorted(buffer.owners),
                sorted(buffer.memory),
            )
        )
    (*chain, chain_owners, chain_memory), (*general, general_owners, general_memory) = results
    for a, b in zip(chain, general):
        np.testing.assert_array_equal(a, b)
    assert chain_owners == general_owners and chain_memory == general_memory
    assert len(chain_owners) == 1  # x alone: every intermediate's spot released


def test_chain_loop_against_finite_differences() -> None:
    """The gradient of the input through the chain loop, with a second use of an
    intermediate result, against central differences of the loss."""
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((2, 3)), rng.standard_normal((2, 2))

    def loss_at(x_: np.ndarray) -> tuple[float, np.ndarray]:
        engine = Autograd()
        _chain_network(engine, x_, y, branch=True)
        loss = float(engine.operation_list[-1].output[0])
        engine.backward()
        return loss, engine.gradient_buffer.get_param(x_)

    _, grad = loss_at(x)
    numeric = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = 1e-6
        numeric[i] = (loss_at(x + step)[0] - loss_at(x - step)[0]) / 2e-6
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


def test_record_follows_each_threads_switch() -> None:
    """``record`` reads the thread-local switch only while some thread has recording off: with
    ``no_grad`` held in another thread this thread records, inside its own ``no_grad`` (and a
    switch written directly, as the Tensor front-end does) it does not, and afterwards it does."""
    import threading

    from mytorch.autograd_engine import _RECORDING_OFF, _GradMode, enable_grad

    engine = Autograd()
    x = np.ones(3)

    def recorded() -> bool:
        return engine.record((x,), np.exp(x), (None,), F.exp_backward) is not None

    entered, leave = threading.Event(), threading.Event()
    seen: list[bool] = []

    def other() -> None:
        with no_grad():
            seen.append(recorded())
            entered.set()
            leave.wait(5)

    thread = threading.Thread(target=other)
    thread.start()
    entered.wait(5)
    assert recorded()  # this thread records while the other has recording off
    leave.set()
    thread.join()
    assert seen == [False]
    with no_grad():
        assert not recorded()
        previous, _GradMode.enabled = _GradMode.enabled, True  # (a direct write, then restored)
        with enable_grad():
            assert recorded()
        _GradMode.enabled = previous
        assert not recorded()
    assert recorded() and threading.get_ident() not in _RECORDING_OFF


# --------------------------------------------------------------------------- record_linear
def _chain(engine):
    first, second = Linear(4, 6, engine, rng=0), Linear(6, 3, engine, rng=1)
    return [first, second], lambda x: second(Tanh(engine)(first(x)))


def _first_without_input_gradient(engine):
    first, second = Linear(4, 6, engine, rng=0, input_grad=False), Linear(6, 3, engine, rng=1)
    return [first, second], lambda x: second(Sigmoid(engine)(first(x)))


def _shared(engine):  # one layer run twice: its dW and db take both runs' gradients
    layer = Linear(4, 4, engine, rng=2)
    return [layer], lambda x: layer(Tanh(engine)(layer(x)))


def _branches(engine):  # h read by two activations: the backward's chain breaks there
    first, left, right = Linear(4, 6, engine, rng=0), Linear(6, 3, engine, rng=1), Linear(6, 3, engine, rng=2)

    def forward(x):
        h = first(x)
        a, b = left(Tanh(engine)(h)), right(Sigmoid(engine)(h))
        total = a + b
        engine.add_operation([a, b], total, [None, None], F.add_backward)
        return total

    return [first, left, right], forward


def _gradients(build, batch: int, dtype: type, reference: str, written: bool) -> list:
    """Every layer's dW and db and the input's gradient after two backward calls (the second
    adds), by the fused step of record_linear's pair or by a path that does not take it."""
    engine = Autograd()
    layers, forward = build(engine)
    for layer in layers:
        layer.W[...], layer.b[...] = layer.W.astype(dtype), layer.b.astype(dtype)
        if written:
            layer.gradients_zeroed()  # (as MLP.train_step: the VJPs write dW and db)
    x = np.random.default_rng(3).standard_normal((batch, 4))
    with detect_anomaly() if reference == "anomaly" else contextlib.nullcontext():
        out = forward(x)
        loss = MSELoss(engine)(np.zeros_like(out), out)
        for _ in range(2):
            engine.backward(1.0, loss, keep_grads=reference == "kept")
    found = [g.copy() for layer in layers for g in (layer.dW, layer.db)]
    held = engine.gradient_buffer
    return [*found, held.get_param(x).copy() if held.is_in_memory(x) and id(x) in held.memory else None]


@pytest.mark.parametrize("build", [_chain, _first_without_input_gradient, _shared, _branches])
@pytest.mark.parametrize("batch", [1, 7])
@pytest.mark.parametrize("written", [False, True])
def test_the_fused_step_of_a_linear_pair_gives_the_unfused_gradients_bit_for_bit(build, batch, written):
    # backward differentiates a Linear's add and matmul (record_linear's pair) in one step of its
    # loop when it follows a chain; keep_grads and detect_anomaly take each operation on its own.
    fused = _gradients(build, batch, np.float64, "fused", written)
    for reference in ("kept", "anomaly"):
        other = _gradients(build, batch, np.float64, reference, written)
        for i, (a, b) in enumerate(zip(fused, other)):
            assert (a is None) == (b is None) and (a is None or np.array_equal(a, b)), (reference, i)


def test_record_linear_records_the_two_operations_record_would():
    engine, by_record = Autograd(), Autograd()
    layer = Linear(4, 3, engine, rng=0)
    x = np.ones((2, 4))
    y = layer(x)
    m, a = engine.operation_list
    assert (m.backward_operation, a.backward_operation) == (F.matmul_backward, F.add_backward)
    assert a.pair is m and a.inputs[0] is m.output and a.output is y and a.link == -3 and m.link == 0
    by_record.record(m.inputs, m.output, m.gradients_to_update, m.backward_operation, None, m.vjp)
    by_record.record(a.inputs, a.output, a.gradients_to_update, a.backward_operation, None, a.vjp)
    assert engine.gradient_buffer.owners.keys() == by_record.gradient_buffer.owners.keys()
    with no_grad():
        layer(x)
    assert len(engine.operation_list) == 2  # nothing recorded under no_grad
    with detect_anomaly():
        layer(x)
    assert [op.link for op in engine.operation_list[2:]] == [-1, -1]  # add_operation's: no link, no pair

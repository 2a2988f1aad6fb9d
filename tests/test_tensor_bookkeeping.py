"""What the Tensor front-end keeps per recorded operation, and the guards' shortcuts.

The Tensor path records through the engine's unchecked ``record``, saves each array a graph's
backward rules read once per graph, and writes into memory no graph holds without the
version/lock dance. These tests pin the bookkeeping (so a long tape stays cheap for the
garbage collector) and check that every shortcut still catches what the guards of
``mytorch.saved`` catch.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from array import array

import numpy as np
import pytest

import mytorch as mt
from mytorch import Tensor, saved


def leaf(values) -> Tensor:
    return Tensor(np.array(values, dtype=np.float64), requires_grad=True)


def test_an_array_read_by_several_operations_is_saved_once_per_graph():
    x = leaf([0.5, -1.0, 2.0])
    h = x.tanh()  # tanh's backward reads its output h
    y = (h * h).sum()  # mul's backward reads h twice more
    tape = y.tape
    assert len(tape.held) == 1  # one save (one lock, one hold on the memory) for h
    h *= 0.5  # allowed (h needs its old value only in backward) ...
    with pytest.raises(RuntimeError, match="tanh_backward|mul_backward"):
        y.backward()  # ... and every operation that read h notices


def test_each_operation_checks_the_version_it_read():
    x = leaf([1.0, 2.0])
    k = Tensor(np.array([3.0, 4.0]))
    h = x * 2
    first = h * k  # reads k at version 0 (k is saved)
    k += 1  # version 1
    second = h * k  # the same graph reads k again, at version 1 (saved already: not saved again)
    assert len(second.tape.held) == 1
    second.sum().backward(retain_graph=True)  # second's operation read the current k: fine
    np.testing.assert_array_equal(x.grad.numpy(), [8.0, 10.0])
    with pytest.raises(RuntimeError, match=r"is at version 1; expected version 0"):
        (first + second).sum().backward()


def test_a_write_into_a_grad_that_a_graph_saved_bumps_its_version():
    w = leaf([1.0, 2.0])
    (w * w).sum().backward()  # w.grad = 2w
    x = leaf([5.0, 6.0])
    uses_grad = (x * w.grad).sum()  # x's gradient reads w.grad's array
    (w * 3).sum().backward()  # accumulates into w.grad in place
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        uses_grad.backward()


def test_zeroing_a_grad_that_a_graph_saved_is_caught():
    w = leaf([1.0, 2.0])
    (w * w).sum().backward()
    x = leaf([5.0, 6.0])
    uses_grad = (x * w.grad).sum()
    w.zero_grad()  # in place, through the version counter
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        uses_grad.backward()


def test_a_grad_the_graph_itself_saved_takes_the_gradient_in_place():
    # backward unlocks what its graph saved before delivering the leaves' gradients: w.grad,
    # read by this graph's mul, takes its gradient by a plain += into the same array
    w = leaf([1.0, 2.0])
    (w * w).sum().backward()  # w.grad = 2w
    held = w.grad.numpy()
    (w * w.grad).sum().backward()  # d/dw = w.grad, added into w.grad
    assert w.grad.numpy() is held and held.flags.writeable and not saved.is_held(held)
    np.testing.assert_array_equal(held, [4.0, 8.0])


def test_a_graph_whose_leaf_hook_raises_is_released_and_unlocked():
    # the holds go before the gradients are delivered, so a graph a leaf's hook interrupts is
    # released as well: a second backward raises instead of reading arrays no guard watches
    w = leaf([1.0, 2.0])
    h = w.tanh()  # tanh's backward reads h: saved, locked
    y = (h * 2.0).sum()

    def refuse(g):
        raise ValueError("refused by the hook")

    w.register_hook(refuse)
    with pytest.raises(ValueError, match="refused by the hook"):
        y.backward()
    assert h.numpy().flags.writeable and not saved.is_held(h.numpy())
    with pytest.raises(RuntimeError, match="already released"):
        y.backward()


def test_after_a_version_moved_each_entry_is_decoded_once(monkeypatch):
    # Once some in-place write has bumped a version, every guard call looks its operation up in
    # the check's entries; decoding all of them again per operation made backward quadratic in
    # the tape's length (20,000 tanh: 0.42 s instead of 0.11 s)
    decoded = []

    class Counting(array):
        def frombytes(self, data) -> None:  # type: ignore[override]
            decoded.append(len(data))
            super().frombytes(data)

    monkeypatch.setattr(saved, "_numbers", Counting)
    x = leaf([0.5, -1.0])
    y = x
    for _ in range(50):
        y = y.tanh()  # each reads its output: one entry per operation
    loss = y.sum()
    k = Tensor(np.array([1.0, 2.0]))
    other = leaf([3.0, 4.0]) * k  # another graph saves k ...
    k += 1  # ... and this write bumps a version: the guards now look at their entries
    loss.backward()
    assert sum(decoded) == 50 * 32  # (each tanh's entry: four 8-byte numbers)
    assert np.isfinite(x.grad.numpy()).all() and other.requires_grad


def test_plain_writes_still_refuse_a_users_read_only_array():
    array = np.array([1.0, 2.0])
    array.flags.writeable = False
    t = Tensor(array)
    with pytest.raises(RuntimeError, match="zero_.*read-only"):
        t.zero_()
    with pytest.raises(RuntimeError, match="add_.*read-only"):
        t.add_(1)
    np.testing.assert_array_equal(array, [1.0, 2.0])


def test_a_leaf_whose_data_became_integer_is_refused_at_recording():
    x = leaf([1.0, 2.0])
    x.data = np.array([1, 2])  # around the API: the engine's checked path names the problem
    with pytest.raises(TypeError, match="dtype int64 and needs a gradient"):
        x * 2.0


def test_backward_reads_a_leafs_replaced_data_as_pytorch_does():
    # PyTorch: a saved input is the variable itself, so ``x.data = new`` between forward and backward
    # changes what backward reads; a saved output (exp's) keeps the value it had.
    x, w = leaf([1.0, 2.0]), leaf([3.0, -1.0])
    y = (x * x).sum() + (w.exp()).sum()
    x.data, w.data = np.array([10.0, 20.0]), np.array([0.0, 0.0])
    y.backward(retain_graph=True)
    np.testing.assert_allclose(x.grad.data, [20.0, 40.0])
    np.testing.assert_allclose(w.grad.data, np.exp([3.0, -1.0]))
    (gx,) = mt.autograd.grad(y, [x], create_graph=True)  # the recorded path agrees
    np.testing.assert_allclose(gx.data, [20.0, 40.0])
    x.data = np.array([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match=r"\.data was replaced.*shape \(3,\)"):
        y.backward()


def test_a_recorded_results_replaced_data_passes_the_gradient_on_as_pytorch_does():
    x = leaf([1.0, 2.0])
    h = x * 2
    y = (h * h).sum()  # recorded before: reads the new values at backward, as PyTorch's saved inputs do
    h.data = np.array([5.0, 7.0])  # used after: its gradient goes on to x * 2 (it stopped there: x.grad None)
    (y + (h * 3).sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), [26.0, 34.0])  # 2 * (2 a + 3)
    g = leaf([1.0]) * 1
    g.data = np.zeros(2)
    with pytest.raises(RuntimeError, match=r"replaced by an array of shape \(2,\)"):
        (g * 2).sum().backward()  # (PyTorch raises in backward too)


def test_the_implied_seed_keeps_the_dtype():
    for dtype in (np.float32, np.float64, np.complex128):
        x = Tensor(np.array([1.5], dtype=dtype), requires_grad=True)
        (x * 2).sum().backward()
        assert x.grad.dtype == dtype
        np.testing.assert_array_equal(x.grad.numpy(), [2.0])
    lone = Tensor(np.array(3.0, dtype=np.float32), requires_grad=True)
    lone.backward()  # a leaf: its gradient is the seed itself
    assert lone.grad.dtype == np.float32 and lone.grad.item() == 1.0


def test_a_long_tape_gives_the_garbage_collector_one_object_per_operation():
    """Each operation leaves the collector its Operation and nothing else: operand tuples,
    storage records and lock lists hold arrays and numbers only, and the version checks
    are one flat list per graph, so none of them is tracked. (This morning: five objects
    per operation, and 1M-op chains spent more time in the collector than in NumPy.)"""
    x = leaf(np.full(3, 0.3))
    gc.collect()
    before = len(gc.get_objects())
    h = x
    n = 2000
    for i in range(n):
        h = h.sin() if i % 2 == 0 else h * 1.0001
    gc.collect()  # a tuple is untracked by the collection that finds only untracked items in it:
    gc.collect()  # a storage record holds its lock tuple, untracked by the first collection
    per_op = (len(gc.get_objects()) - before) / n
    assert per_op <= 1.1, per_op
    h.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), _chain_gradient(0.3, n), rtol=1e-12)
    del h
    gc.collect()
    assert x.numpy().flags.writeable  # the graph is released: the leaf is unlocked


def _chain_gradient(start: float, n: int) -> np.ndarray:
    value, slope = start, 1.0
    for i in range(n):
        if i % 2 == 0:
            value, slope = np.sin(value), slope * np.cos(value)
        else:
            value, slope = value * 1.0001, slope * 1.0001
    return np.full(3, slope)


def test_two_leaves_on_one_array_keep_their_gradients_apart_through_a_merge():
    shared = np.array([1.0, 2.0])
    a, b = Tensor(shared, requires_grad=True), Tensor(shared, requires_grad=True)
    left = (a * a).sum()  # a's graph
    right = (b * 3).sum()  # b's graph, the same array object
    (left + right).backward()
    np.testing.assert_array_equal(a.grad.numpy(), [2.0, 4.0])
    np.testing.assert_array_equal(b.grad.numpy(), [3.0, 3.0])
    assert shared.flags.writeable


def test_no_grad_updates_write_in_place_without_recording():
    w = leaf([1.0, 2.0])
    with mt.no_grad():
        w -= 0.5
        w.zero_()
    np.testing.assert_array_equal(w.numpy(), [0.0, 0.0])
    assert w.is_leaf and w.grad is None


def test_a_gradient_nothing_else_holds_becomes_grad_and_a_shared_one_is_copied(monkeypatch):
    """``.grad`` takes over a gradient array no one else refers to (no copy); two leaves whose
    gradient is one array (an addition's), a seed the caller keeps, a kept buffer and a hook
    each leave ``.grad`` an array of its own."""
    import weakref

    from mytorch.tensor import Tape

    buffered: list[weakref.ref[np.ndarray]] = []  # (weak: a reference of the test's would make them shared)
    deliver = Tape.deliver

    def noting(tape: Tape, keep_grads: bool) -> None:
        buffered[:] = [weakref.ref(g) for g in tape.gradient_buffer.memory.values()]
        deliver(tape, keep_grads)

    monkeypatch.setattr(Tape, "deliver", noting)

    def taken(t: Tensor) -> bool:  # t.grad's array is the very one the buffer held
        return any(ref() is t.grad.numpy() for ref in buffered)

    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a * b).sum().backward()  # each gradient a new product, referred to by the buffer only
    assert taken(a) and taken(b)
    assert a.grad.numpy().base is None and a.grad.numpy().flags.writeable
    np.testing.assert_array_equal(a.grad.numpy(), [3.0, 4.0])

    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward()  # add's backward gives both one array: the first is copied
    assert [taken(a), taken(b)] == [False, True]
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    a.grad.zero_()
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])

    a = leaf([1.0, 2.0])
    seed = np.array([5.0, 6.0])
    (a + 0.0).backward(seed)  # the seed flows to a unchanged, and the caller holds it
    assert not np.shares_memory(a.grad.numpy(), seed)
    a.grad.zero_()
    np.testing.assert_array_equal(seed, [5.0, 6.0])

    a = leaf([1.0, 2.0])
    y = a * 2.0
    y.backward(np.ones(2), keep_grads=True)  # the tape's buffer keeps the gradient
    kept = y.tape.gradient_buffer.memory.get(id(a.numpy()))
    assert kept is None or not np.shares_memory(a.grad.numpy(), kept)

    a = leaf([1.0, 2.0])
    seen = []
    a.register_hook(lambda g: seen.append(g))
    (a * 3.0).sum().backward()
    a.grad.zero_()
    np.testing.assert_array_equal(seen[0].numpy() if isinstance(seen[0], Tensor) else seen[0], [3.0, 3.0])


def test_a_gradient_that_is_a_view_becomes_grad_as_a_copy_in_its_layout():
    # for a batch of one the bias's gradient is a row of the layer's (g[0]), and a column-major
    # weight's is a transpose: a new .grad is a copy of each, laid out as the gradient was
    x = Tensor(np.array([[1.0, 2.0]]))
    w = Tensor(np.asfortranarray([[0.5, -1.0, 3.0], [2.0, 0.25, -0.5]]), requires_grad=True)
    b = leaf([0.1, 0.2, 0.3])
    h = x @ w + b
    (h * h).sum().backward()
    g = 2 * (x.numpy() @ w.numpy() + b.numpy())
    for grad, expected in ((b.grad.numpy(), g[0]), (w.grad.numpy(), x.numpy().T @ g)):
        assert grad.base is None and grad.flags.writeable
        np.testing.assert_allclose(grad, expected, rtol=1e-15)
    assert w.grad.numpy().flags.f_contiguous and not w.grad.numpy().flags.c_contiguous


_TRACED_IMPORT = """
import sys
def trace(frame, event, arg):
    return trace
sys.settrace(trace)  # a debugger's or coverage's Python tracer while mytorch is imported
import mytorch
sys.settrace(None)
import numpy as np
a = mytorch.Tensor(np.array([1.0, 2.0]), requires_grad=True)
b = mytorch.Tensor(np.array([3.0, 4.0]), requires_grad=True)
((a + b) * 2.0).sum().backward()  # add's backward gives a and b one fresh array
shared = np.shares_memory(a.grad.numpy(), b.grad.numpy())
(a * 3.0).sum().backward()  # adds into a.grad in place
print(shared, a.grad.numpy().tolist(), b.grad.numpy().tolist())
"""


def test_a_trace_function_during_the_import_does_not_make_a_shared_gradient_look_sole():
    # On Python 3.10 a trace function copies the measuring frame's locals at each line, which
    # counted one reference more: a gradient shared by two leaves was then taken over by both
    # (b.grad became [5.0, 5.0] after a's second backward)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", _TRACED_IMPORT], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[0] == "False [5.0, 5.0] [2.0, 2.0]"


def test_an_adopted_gradient_accumulates_in_place_and_keeps_the_leaf_dtype():
    a = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    (a * a).sum().backward()
    first = a.grad
    (a * a).sum().backward()
    assert a.grad is first and a.grad.dtype == np.float32
    np.testing.assert_array_equal(a.grad.numpy(), [4.0, 8.0])


def _step(W: Tensor, b: Tensor, x: np.ndarray, keep_grads: bool) -> list[np.ndarray]:
    """A small network using ``W`` in two layers (its gradient adds up two parts) and ``b`` in
    three; returns the leaves' gradients."""
    W.grad = b.grad = None
    h = (Tensor(x) @ W + b).tanh()
    h = (h @ W + b).sigmoid() * 0.5 + b
    loss = (h * h).sum() + h.exp().mean()
    loss.backward(keep_grads=keep_grads)
    return [W.grad.numpy().copy(), b.grad.numpy().copy()]


def test_tensor_operations_mark_their_one_non_leaf_operand_as_the_link():
    W, b = leaf(np.ones((3, 3))), leaf(np.zeros(3))
    h = Tensor(np.ones((2, 3))) @ W  # a constant and a leaf: no link
    g = (h + b).tanh() * 2.0  # (h, leaf b), then tanh of a result, then a result by a number
    ops = g.tape.operation_list
    assert [op.link for op in ops] == [-1, 0, 0, 0]
    assert (h * h).tape.operation_list[-1].link == -1  # the same result twice: two operands to the buffer


def test_leaf_gradients_through_links_equal_the_general_paths_bit_for_bit():
    """Backward takes the links path (leaves' gradients into the buffer beside the gradient carried
    on); keep_grads takes the general one: the same additions in the same order."""
    rng = np.random.default_rng(3)
    W, b = leaf(rng.standard_normal((4, 4))), leaf(rng.standard_normal(4))
    x = rng.standard_normal((5, 4))
    lean = _step(W, b, x, keep_grads=False)
    general = _step(W, b, x, keep_grads=True)
    for got, want in zip(lean, general):
        assert got.dtype == want.dtype and np.array_equal(got, want)

    # and against central differences of the loss in W[1, 2] and b[3]
    def loss_at(Wv: np.ndarray, bv: np.ndarray) -> float:
        h = np.tanh(x @ Wv + bv)
        h = 0.5 / (1 + np.exp(-(h @ Wv + bv))) + bv
        return float((h * h).sum() + np.exp(h).mean())

    eps = 1e-6
    for k, at in ((0, (1, 2)), (1, (3,))):
        up = [W.numpy().copy(), b.numpy().copy()]
        down = [W.numpy().copy(), b.numpy().copy()]
        up[k][at] += eps
        down[k][at] -= eps
        numeric = (loss_at(*up) - loss_at(*down)) / (2 * eps)
        assert lean[k][at] == pytest.approx(numeric, rel=1e-6, abs=1e-8)


def test_zero_grad_writes_plainly_only_where_zero_would():
    w = leaf([1.0, 2.0])
    (w * w).sum().backward()
    w.zero_grad()  # no graph alive: the plain write
    assert np.array_equal(w.grad.numpy(), [0.0, 0.0])
    frozen = np.array([3.0, 4.0])
    frozen.setflags(write=False)
    w.grad = Tensor(frozen)
    with pytest.raises(RuntimeError, match="read-only"):  # zero_'s message, not NumPy's
        w.zero_grad()
    w.grad = Tensor(np.array([5.0, 6.0]))
    y = w * w.grad  # a live graph saves the gradient's memory: zeroing it bumps its version
    w.zero_grad()
    with pytest.raises(RuntimeError, match="modified by an in-place"):
        y.sum().backward()


def test_a_leaf_made_on_a_recorded_results_array_has_its_own_gradient():
    """``Tensor(h.numpy(), requires_grad=True)`` shared ``h``'s array object, the tape's key for
    ``h``'s gradient: ``h``'s producer received the leaf's gradient and the leaf none, silently
    (x.grad [1.52, 1.75, 1.26] for the sum of z * z + h below, where it is cos x)."""
    values = np.array([0.3, 0.7, 1.1])
    for make in (
        lambda h: mt.Tensor(h.numpy(), requires_grad=True),
        lambda h: mt.nn.Parameter(h.numpy()),
        lambda h: mt.Tensor(np.asarray(h), requires_grad=True),
        lambda h: mt.Tensor(h.data.numpy(), requires_grad=True),
        lambda h: mt.nn.Parameter(h.detach().numpy()),
    ):
        x = mt.tensor(values, requires_grad=True)
        h = x.sin()
        z = make(h)
        (z * z + h).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), np.cos(values), rtol=1e-15)
        np.testing.assert_allclose(z.grad.numpy(), 2 * np.sin(values), rtol=1e-15)
        assert np.shares_memory(z.numpy(), h.numpy())  # (a view: the memory is still shared)


@pytest.mark.parametrize("how", ["requires_grad = True", "p.data = h.numpy()"])
def test_a_leaf_holding_a_recorded_results_very_array_is_refused_at_backward(how):
    """Two ways still give a leaf a result's own array object (not a view): assigning
    ``t.requires_grad = True`` to ``Tensor(h.numpy())``, and ``p.data = h.numpy()``. The tape could
    not keep the two gradients apart (x.grad [8.75, 17.89], the leaf's None, before), so backward
    raises and says how to make the leaf instead."""
    x = mt.tensor([0.3, 0.7], requires_grad=True)
    h = x.sin()
    if how == "requires_grad = True":
        z = mt.Tensor(h.numpy())
        z.requires_grad = True
    else:
        z = mt.tensor([0.0, 0.0], requires_grad=True)
        z.data = h.numpy()
    loss = h.exp().sum() + (z * h).sum() + (z * 3.0).exp().sum()
    with pytest.raises(RuntimeError, match=r"leaf of shape \(2,\) holds a recorded result's own array"):
        loss.backward()
    x = mt.tensor([0.3, 0.7], requires_grad=True)  # (a new graph: the refused one holds z)
    h = x.sin()
    w = mt.Tensor(h.numpy(), requires_grad=True)  # the constructor's view: the same loss differentiates
    (h.exp().sum() + (w * h).sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), (np.exp(np.sin([0.3, 0.7])) + np.sin([0.3, 0.7])) * np.cos([0.3, 0.7]))


def test_a_leaf_made_of_the_users_own_array_keeps_that_array():
    """Only an array a recorded result handed out gets a view (a view's saves cost more: 4.5 % of
    a small Tensor step): a leaf of the user's array is that array, its writes shared both ways."""
    a = np.array([1.0, 2.0])
    w = mt.Tensor(a, requires_grad=True)
    assert w.numpy() is a
    (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [2.0, 4.0])

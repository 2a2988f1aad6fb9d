"""A Tensor tape records its operations as plain entries (``Tape.entries``) and makes them
``Operation``s only when a reader asks for ``operation_list``; ``Tape.backward`` walks the entries
as they are. Both ways must give the same gradients bit for bit, the same operations, and the
same guards (in-place writes after a save, version counters, merges)."""

from __future__ import annotations

import contextlib
import gc

import numpy as np
import pytest

import mytorch
import mytorch.tensor as tensor_module
from mytorch.autograd_engine import Operation
from mytorch.tensor import Tape, Tensor
from tests.test_tensor_lanes import PROGRAMS


def _complex(rng, dtype):
    a = Tensor(rng.standard_normal(3).astype(dtype), requires_grad=True)
    w = Tensor((rng.standard_normal(3) + 1j * rng.standard_normal(3)).astype(np.complex128))
    return ((a * w).exp().real * a).sum(), [a]  # (a complex result: ``Conjugated``'s VJP in an entry)


def _run(program, dtype, read_first):
    loss, leaves = program(np.random.default_rng(11), dtype)
    tape = loss.tape
    assert tape.entries and (not tape._ops or program is _complex)  # (recorded as entries; ``real``: an operation)
    if read_first:
        assert all(isinstance(op, Operation) for op in tape.operation_list)  # (made into operations)
        assert not tape.entries
    loss.backward()
    return [t.grad.numpy().copy() for t in leaves]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("program", [*PROGRAMS, _complex], ids=lambda p: p.__name__)
def test_backward_over_entries_gives_the_operations_gradients(program, dtype):
    lean = _run(program, dtype, read_first=False)
    general = _run(program, dtype, read_first=True)
    for g, g2 in zip(lean, general):
        assert g.dtype == g2.dtype
        assert np.array_equal(g, g2)


def test_the_entries_become_the_operations_they_stand_for():
    x = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    w = Tensor(np.array([2.0, 3.0]), requires_grad=True)
    h = (x * w).tanh()
    y = (h * 1.0001).sum()
    tape = y.tape
    entries = list(tape.entries)
    ops = tape.operation_list
    assert len(ops) == len(entries) == len(tape.order) == len(tape) == 4
    for op, entry in zip(ops, entries):
        inputs, output, skipped, _, params, _, link, _ = entry
        named = tensor_module._operation(entry)  # (the rule named by number: ``_held_number``)
        assert op.inputs is inputs and op.output is output and op.gradients_to_update is named.gradients_to_update
        assert op.gradients_to_update == [mytorch.NO_GRAD if skipped >> i & 1 else None for i in range(len(inputs))]
        assert (op.backward_operation, op.vjp, op.link) == (named.backward_operation, named.vjp, link)
        if params is tensor_module._GIVEN_OUT:  # (tanh's: its output as ``out``, without a dict per entry)
            assert list(op.params) == ["out"] and op.params["out"] is output
        else:
            assert op.params is params
    assert [e[4] is tensor_module._GIVEN_OUT for e in entries] == [False, True, False, False]
    assert tape.order == [e[7] for e in entries] == sorted(tape.order)
    assert [op.guard is not None for op in ops] == [True, True, False, False]  # (mul and tanh save reads)
    assert h.grad_fn.name() == "TanhBackward0"
    z = (h * 2.0).sum()  # recorded after the reader: an entry again, behind the operations
    assert len(tape.entries) == 2 and len(tape) == 6
    z.backward()  # (operations and entries: the general loop)
    assert np.allclose(x.grad.numpy(), 2 * w.numpy() * (1 - np.tanh(x.numpy() * w.numpy()) ** 2))


def _bumped_elsewhere():
    k = Tensor(np.array([1.0, 2.0]))
    other = Tensor(np.array([3.0, 4.0]), requires_grad=True) * k  # another graph saves k ...
    k += 1  # ... and this write bumps a version: every check now reads its entries
    return other


def test_an_in_place_write_after_a_save_raises_the_same_error_over_entries():
    messages = []
    for read_first in (False, True):
        x = Tensor(np.array([0.5, -1.0]), requires_grad=True)
        h = x * 3.0
        y = (h.sin() * h).sum()
        if read_first:
            y.tape.operation_list  # noqa: B018
        h.mul_(2.0)
        with pytest.raises(RuntimeError, match="modified by an in-place operation") as error:
            y.backward()
        messages.append(str(error.value))
    assert messages[0] == messages[1]


def test_a_version_moved_elsewhere_raises_nothing_and_changes_nothing():
    grads = []
    for bump in (False, True):
        x = Tensor(np.array([0.5, -1.0]), requires_grad=True)
        y = ((x * 3.0).tanh() * x).sum()
        kept = _bumped_elsewhere() if bump else None
        y.backward()  # (with the bump: the entries become operations for the checks)
        grads.append(x.grad.numpy().copy())
        del kept
    assert np.array_equal(grads[0], grads[1])


def test_two_tapes_of_entries_merged_keep_both_guards():
    a = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    b = Tensor(np.array([2.0, 0.25]), requires_grad=True)
    ha, hb = a * 2.0, b * 3.0
    ya, yb = ha.sin(), (hb * hb).tanh()  # two graphs, two tapes, each saving its reads
    total = (ya + yb).sum()  # merged: the joined tape checks the reads of both
    assert not total.tape._ops
    ha.mul_(0.5)  # read by ``sin`` in the smaller graph (two entries against three)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        total.backward()


def test_merged_tapes_of_entries_run_in_the_order_they_ran():
    leaves = [Tensor(np.array([0.1 * i + 0.2]), requires_grad=True) for i in range(5)]
    early = leaves[0].sin()  # recorded first, merged last
    branches = [t.exp() for t in leaves[1:]]
    total = sum(branches, early.cos())
    assert total.tape.unsorted or not total.tape._ops
    stamps = [e[7] for e in total.tape.in_run_order().entries]
    assert stamps == sorted(stamps)
    total.backward()
    expected = [-np.sin(np.sin(0.2)) * np.cos(0.2)] + [np.exp(0.1 * i + 0.2) for i in range(1, 5)]
    assert np.allclose([t.grad.item() for t in leaves], expected)


def test_hooks_and_retained_gradients_see_the_same_gradients():
    x = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    h = x * 3.0
    h.retain_grad()  # (a reader: the tape's entries become operations)
    seen = []
    h.register_hook(lambda g: seen.append(g.numpy().copy()))
    (h.sin() * 2.0).sum().backward()
    assert np.allclose(h.grad.numpy(), 2 * np.cos(h.numpy()))
    assert np.array_equal(seen[0], h.grad.numpy())
    assert np.allclose(x.grad.numpy(), 6 * np.cos(h.numpy()))


def test_released_entries_unlock_and_leave_nothing_to_collect():
    x = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    y = (x * 3.0).tanh()
    loss = y.sum()
    assert not y.numpy().flags.writeable  # (tanh's output, saved: locked)
    tape = loss.tape
    loss.backward()
    assert tape.released and not tape.entries and not tape._ops and len(tape) == 0
    assert y.numpy().flags.writeable
    gc.collect()
    assert not any(type(o) is Tape and o is tape for o in gc.get_referrers(y.numpy()))


def test_a_tape_has_every_attribute_an_engine_has():
    # (``Tape.__init__`` sets ``Autograd.__init__``'s attributes itself)
    engine, tape = vars(mytorch.Autograd()), vars(Tape())
    assert set(engine) - {"operation_list"} <= set(tape)
    assert tape["_ops"] == [] and tape["entries"] == []
    for name, value in engine.items():
        if name != "operation_list":
            assert type(tape[name]) is type(value) and (tape[name] == value or name == "gradient_buffer")


def test_a_long_chain_leaves_the_garbage_collector_nothing_to_walk():
    # an entry names its plan's rule by number (``_held_number``): one of arrays and numbers is
    # untracked at the collector's first looks, so a long tape adds nothing to later collections
    leaf = Tensor(np.array([0.5]), requires_grad=True)
    h = leaf
    for i in range(200):
        h = h.sin() if i % 2 == 0 else h * 1.0001
    gc.collect()
    gc.collect()  # (a collection untracks a tuple whose items it untracked before: the inputs' first)
    entries = h.tape.entries
    assert len(entries) == 200 and not any(gc.is_tracked(e) for e in entries)
    h.backward()
    assert np.isclose(leaf.grad.item(), 1.0001**100 * np.prod(np.cos(_chain_values(0.5, 200))))


def _chain_values(x, n):
    values = []
    for i in range(n):
        if i % 2 == 0:
            values.append(x)
            x = np.sin(x)
        else:
            x = x * 1.0001
    return values


def test_saved_tensors_hooks_record_operations_whose_rules_they_wrap():
    from mytorch.autograd_graph import saved_tensors_hooks

    x = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    seen = []
    with saved_tensors_hooks(lambda t: seen.append(t.shape) or t, lambda t: t):
        y = (x * 3.0).tanh()
        assert y.tape._ops and not y.tape.entries  # (the pack hook wraps each operation's VJP)
    z = (y * 2.0).sum()  # after the context: an entry again
    assert len(z.tape.entries) == 2 and seen == [(2,)]
    z.backward()
    assert np.allclose(x.grad.numpy(), 6 * (1 - np.tanh(1.5 * np.array([1.0, -2.0])) ** 2))


@pytest.mark.parametrize("hooks", [False, True])
def test_an_index_written_after_a_gather_raises_from_an_entry_and_from_an_operation(hooks):
    from mytorch.autograd_graph import saved_tensors_hooks

    w = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    idx = Tensor(np.array([[0, 2], [1, 1]]))
    with saved_tensors_hooks(lambda t: t, lambda t: t) if hooks else contextlib.nullcontext():
        y = (w.gather(1, idx) * 2.0).sum()
    assert bool(y.tape._ops) == hooks  # (an operation inside the hooks' context, an entry outside)
    idx.fill_(0)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()


def _noted(tape):
    """Each operation's version entries, in order: (version, what it reads, whether the key is the
    memory of the array read there)."""
    from mytorch import saved

    ops = tape.operation_list  # (first: the entries become operations, and their late entries are written)
    checks = {id(c): c for c in [tape.check, *(op.guard for op in ops)] if isinstance(c, saved.VersionCheck)}
    numbers = memoryview(b"".join(bytes(c.entries) for c in checks.values())).cast("q").tolist()  # (merged
    # tapes of operations keep each graph's check)
    by_op: dict[int, list] = {}
    for k in range(0, len(numbers), 4):
        by_op.setdefault(numbers[k + 3], []).append(numbers[k : k + 3])
    noted = []
    for op in ops:
        rows = []
        for key, version, which in by_op.get(id(op), []):
            if which == saved.PARAMETER:
                own = any(id(saved._root(a)) == key for a in op.params.values() if isinstance(a, np.ndarray))
            else:
                own = id(saved._root(op.output if which == saved.OUTPUT else op.inputs[which])) == key
            rows.append((version, which, own))
        noted.append(rows)
    return noted


def _saving_program():
    x = Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    w = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    idx = Tensor(np.array([[0, 2], [1, 1]]))
    h = x * 3.0
    a = h * h  # (one array read twice)
    h.mul_(0.5)  # h at version 1: read again below
    b = (h * x).tanh()  # h's read noted at version 1, x's at 0, b's output at 0
    v = Tensor(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))[0]  # (a view: its memory is its base's)
    c = (x * v).sigmoid()
    frozen = np.array([1.0, 1.0, 1.0])
    frozen.flags.writeable = False  # (memory nobody can write: not saved)
    d = x * Tensor(frozen)
    g = (w * 2.0).gather(1, idx)  # (an index among the parameters)
    e = x ** Tensor(np.array([2.0, 3.0, 1.5]))  # (x read, then the exponent among the parameters)
    k = Tensor(np.array([1.0, 2.0, 3.0]))
    f = x * k  # k saved at version 0 ...
    k += 1.0  # ... written in place (it needs no gradient) ...
    f = f * (x * k)  # ... and read again at version 1, its own memory
    return (a.sum() + b.sum() + c.sum() + d.sum() + g.sum() + e.sum() + f.sum()), [x, w]


def test_the_reads_noted_late_are_the_entries_an_operation_notes_at_once(monkeypatch):
    # A plain entry whose reads are all of memory its array owns, at version 0, has its version
    # entries written when the entries become operations (``VersionCheck.pending``), not at the save:
    # the same entries, in the same order for each operation, as an operation's save writes
    loss, _ = _saving_program()
    assert loss.tape.check.pending
    late = _noted(loss.tape)
    monkeypatch.setattr(tensor_module, "_PLAIN", False)  # (operations at once: their entries at the save)
    loss2, _ = _saving_program()
    assert not loss2.tape.entries and not loss2.tape.check.pending
    at_once = _noted(loss2.tape)
    assert late == at_once
    assert [1, 0, True] in [list(row) for rows in late for row in rows]  # (a read at version 1)
    for tape in (loss.tape, loss2.tape):
        tape.release()


@pytest.mark.parametrize("read_first", [False, True])
def test_a_read_noted_late_still_raises_after_a_write(read_first):
    x = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    y = x.tanh()  # reads its output: noted late
    z = (y * 2.0).sum()
    if read_first:
        z.tape.operation_list  # noqa: B018 (the entries become operations: the late entries are written)
    y.mul_(2.0)
    with pytest.raises(RuntimeError, match=r"tanh.*output, of shape \(2,\), is at version 1; expected version 0"):
        z.backward()

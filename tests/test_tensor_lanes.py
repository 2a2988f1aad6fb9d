"""The recording lanes (``_lane_two``, ``_record_one``, ``_record_layer`` in ``mytorch.tensor``) record
what ``_attach`` records: the same operations (rule, VJP, link, destinations, saves), the same
leaves in the same order, and the same gradients, bit for bit. Each program runs twice: with the
lanes, and with the plan cache always missing, which sends every operation down ``_attach``."""

from __future__ import annotations

import numpy as np
import pytest
from plan_caches import forget_cached_plans

import mytorch
import mytorch.nn as nn
import mytorch.tensor as tensor_module
from mytorch.tensor import Tensor


class _Missing(dict):
    """A plan cache that never holds a plan: the lanes fall back to ``_attach``, which plans afresh."""

    def get(self, key, default=None):  # noqa: D102
        return default


def _leaf(rng, *shape, dtype=np.float64):
    return Tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)


def _layers(rng, dtype):
    x = Tensor(rng.standard_normal((3, 4)).astype(dtype))
    W1, b1, W2, b2 = _leaf(rng, 4, 5, dtype=dtype), _leaf(rng, 5, dtype=dtype), _leaf(rng, 5, 2), _leaf(rng, 2)
    W2, b2 = Tensor(W2.numpy().astype(dtype), requires_grad=True), Tensor(b2.numpy().astype(dtype), requires_grad=True)
    h = (x @ W1 + b1).tanh()
    return ((h @ W2 + b2).sigmoid() * h.sum()).sum(), [W1, b1, W2, b2]


def _leaves_together(rng, dtype):
    a, b = _leaf(rng, 3, dtype=dtype), _leaf(rng, 3, dtype=dtype)
    return ((a * b + a) * a - b.exp() + a * b.sin()).sum(), [a, b]  # (leaf and leaf, result and leaf, leaf and result)


def _one_array_two_leaves(rng, dtype):
    array = rng.standard_normal(3).astype(dtype)
    a, b = Tensor(array, requires_grad=True), Tensor(array, requires_grad=True)  # (one array: parted by a view)
    return (a * b + b).sum(), [a, b]


def _numbers(rng, dtype):
    a = _leaf(rng, 3, dtype=dtype)
    h = a * 0.5  # (a leaf times a cached number, then results: ``_record_one``'s lane with the number)
    return ((h.sin() * 1.0001 - 0.25) / 3.0 + a * 2.5).sum(), [a]


def _two_graphs(rng, dtype):
    a, b = _leaf(rng, 3, dtype=dtype), _leaf(rng, 3, dtype=dtype)
    return (a.sin() * b.cos() + a.tanh()).sum(), [a, b]


def _modules(rng, dtype):
    mytorch.manual_seed(5)
    model = nn.Sequential(nn.Linear(4, 6, dtype=dtype), nn.Tanh(), nn.Linear(6, 3, dtype=dtype), nn.Sigmoid())
    x = _leaf(rng, 2, 4, dtype=dtype)
    return (model(x) * model(x.exp())).sum(), [x, *model.parameters()]


def _losses(rng, dtype):
    x = Tensor(rng.standard_normal((2, 4)).astype(dtype))
    W = _leaf(rng, 4, 3, dtype=dtype)
    h = x @ W
    y = Tensor(np.eye(3, dtype=dtype)[[0, 2]])  # (a target: data; the losses record their cached values)
    target = _leaf(rng, 2, 3, dtype=dtype)  # (and a target needing a gradient: both operands leaves)
    losses = tensor_module.mse_loss(y, h.tanh()) + tensor_module.softmax_cross_entropy(y, h)
    return losses + tensor_module.mse_loss(target, W[:2]), [W, target]


PROGRAMS = [_layers, _leaves_together, _one_array_two_leaves, _numbers, _two_graphs, _modules, _losses]


def _recorded(loss):
    tape = loss.tape
    ops = [
        (
            op.backward_operation,
            (op.vjp.__module__, op.vjp.__qualname__, op.vjp.__name__),  # (by name: an engine's pruned rule is
            # made again when its bounded cache was emptied by other tests)
            op.link,
            [d if d is None else "NO_GRAD" for d in op.gradients_to_update],
            sorted(op.params or {}),
            op.guard is not None,
        )
        for op in tape.operation_list
    ]
    return ops, [id(t) for t in tape.leaves.values()], len(tape.held), len(tape.saved)


def _run(program, dtype, missing, monkeypatch):
    if missing:
        forget_cached_plans(monkeypatch, _Missing())
    loss, leaves = program(np.random.default_rng(7), dtype)
    recorded = _recorded(loss)
    loss.backward()
    monkeypatch.undo()
    return recorded, [t.grad.numpy().copy() for t in leaves], leaves


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("program", PROGRAMS, ids=lambda p: p.__name__)
def test_a_lane_records_what_attach_records(program, dtype, monkeypatch):
    _run(program, dtype, False, monkeypatch)  # (the kernels' plans cached, so that the lanes take them)
    (ops, leaves, held, saved), grads, tensors = _run(program, dtype, False, monkeypatch)
    (ops2, leaves2, held2, saved2), grads2, tensors2 = _run(program, dtype, True, monkeypatch)
    assert [op[0] for op in ops] == [op[0] for op in ops2]
    assert [op[1:] for op in ops] == [op[1:] for op in ops2]
    position = {id(t): i for i, t in enumerate(tensors)}
    position2 = {id(t): i for i, t in enumerate(tensors2)}
    assert [position.get(k, -1) for k in leaves] == [position2.get(k, -1) for k in leaves2]
    assert (held, saved) == (held2, saved2)
    for g, g2 in zip(grads, grads2):
        assert g.dtype == g2.dtype == dtype
        assert np.array_equal(g, g2)


def test_the_lanes_keep_the_guards():
    # an in-place change of an array a lane saved is caught at backward, as ``_attach``'s saves are
    rng = np.random.default_rng(3)
    w = _leaf(rng, 3)
    h = w * 2.0
    y = (h * w).tanh()  # (a lane: two Tensors of one dtype, then a function of one)
    with pytest.raises(ValueError, match="read-only"):
        y.numpy()[0] = 1.0  # (a raw write into a saved output: locked)
    h.mul_(3.0)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()


def test_a_result_and_a_leaf_take_the_written_out_case(monkeypatch):
    # ``h @ W``, ``h + b`` and ``h.tanh()`` of a recorded ``h`` record in the operator and the function
    # themselves, not through ``_lane_two`` or ``_record_one``; the gradients are ``_attach``'s, bit for bit
    def program(rng, dtype):
        x = Tensor(rng.standard_normal((2, 4)).astype(dtype))
        W1, b1, W2, b2 = (_leaf(rng, *shape, dtype=dtype) for shape in ((4, 5), (5,), (5, 3), (3,)))
        h = (x @ W1 + b1).tanh()
        return h, [W1, b1, W2, b2]

    def refused(*args, **kwargs):
        raise AssertionError("the written-out case was not taken")

    def loss(h, W2, b2):
        return (h @ W2 + b2).tanh().sum()

    for dtype in (np.float64, np.float32):
        h, (_, _, W2, b2) = program(np.random.default_rng(11), dtype)
        loss(h, W2, b2).backward()  # (the kernels' plans cached)
        grads = []
        for missing in (False, True):
            if missing:
                forget_cached_plans(monkeypatch, _Missing())
            h, (W1, b1, W2, b2) = program(np.random.default_rng(11), dtype)
            if not missing:
                monkeypatch.setattr(tensor_module, "_lane_two", refused)
                monkeypatch.setattr(tensor_module, "_record_one", refused)
            loss(h, W2, b2).backward()  # (plain entries: the entries' reverse loop)
            monkeypatch.undo()
            grads.append([t.grad.numpy().copy() for t in (W1, b1, W2, b2)])
        for g, g2 in zip(*grads):
            assert g.dtype == g2.dtype == dtype
            assert np.array_equal(g, g2)

"""PyTorch habits that gave silently other numbers on MyTorch: a view PyTorch makes that MyTorch
made as a copy (a write into it missed the tensor, a later change of the tensor missed it), and a
replay that kept a value the step read. Closed forms here; PyTorch 2.13 where installed (skipped
cleanly without it).

* ``t[i]`` with ``i`` a 0-d integer tensor (``logits.argmax()``, an element of ``randperm``) or
  0-d integer array is PyTorch's ``t[int(i)]``, a view; NumPy takes a 0-d array as an index
  array, a copy: ``w[i].zero_()`` of a matrix changed nothing. In a replayed step the index is
  a value read into Python: a step indexing a 1-D parameter by such an input was replayed with
  the index of its capture (every update went to that element).
* ``Tensor.unfold`` is a view in PyTorch; MyTorch's was a copy, so ``x.unfold(1, 2, 2).mul_(10)``
  left ``x`` as it was. Windows that tile the axis are now a view; others a read-only copy (a
  write raises).
* ``t.to(dtype, copy=True)`` of a tensor already of that dtype was the tensor itself (``copy``
  ignored), so the "copy" followed its later updates.
* ``x.t().view(-1)``: PyTorch's ``view`` raises for memory that cannot be viewed so; MyTorch's
  (which needs no contiguous memory) made a writable copy, so ``x.t().view(-1).mul_(10)`` left
  ``x`` as it was. The copy is read-only now.
* ``tensor(preds)`` of a list of (1,) results (a one-output network run example by example) was
  (N, 1), NumPy's stacking, where PyTorch reads each tensor as its number: (N,). Against a (N,)
  target, ``((tensor(preds) - y) ** 2).mean()`` was then the mean of an (N, N) matrix.
* ``copy.deepcopy`` of the handout MLP (a best model kept for early stopping, then trained on):
  a copy of a view shares no memory with the copy of its base, so the copy's SGD updated a flat
  array no weight was a view of (the copy did not train: 0.24 from the right weights after
  three steps) and its ``zero_grads`` cleared a flat array no gradient was a view of.
* A layer appended to the handout MLP's ``linear_layers`` after it was made took gradients and
  never moved (its optimizer holds the first layers' pairs; the handout's step updates every
  layer); one appended without an activation was skipped by the forward (``zip``). Both raise.
* A module made with its own ``Autograd()`` and set into the handout MLP after it was made
  (``mlp.activations[0] = Sigmoid(Autograd())``, a new layer or criterion): the backward did not
  reach through it, so the layers before it kept zero gradients and stopped training. It raises.
* The handout MLP's ``eval()`` turns recording off (PyTorch's ``model.eval()`` does not): a
  ``train_step`` or ``forward`` / ``backward`` / ``step`` after a validation pass that forgot
  ``train()`` left every gradient at zero, so the network stopped training silently (with
  momentum it moved on its velocity alone). The backward now raises.
* ``copy.deepcopy((x, x[0]))`` gave tensors of separate memory (a write into the copied view
  missed the copied base; a module's buffer that is a view of another came apart). One deepcopy
  call copies shared memory once, as PyTorch's storage memo; a Parameter gets its own, as in
  PyTorch. A deep copy of a recorded result kept a graph reaching no leaf (its backward left
  ``.grad`` None): it raises, as in PyTorch.
* A deep-copied or unpickled module with forward hooks ran none of them once no other module
  had hooks. ``register_forward_hook(..., with_kwargs=True)``, ``always_call=True`` and the
  pre-hook's ``with_kwargs`` raised TypeError; they behave as PyTorch's.
* ``pickle.dumps`` of the handout MLP, of a model with an activation module and of a
  parametrized module raised; each pickles and trains on as the original.
* ``t.item()`` of many elements raised NumPy's ValueError, which ``except RuntimeError`` (PyTorch's)
  did not catch.
"""

from __future__ import annotations

import copy
import itertools
import pickle
from typing import Any

import numpy as np
import pytest

import mytorch as mt
import mytorch.replay
from hw_bonus.mlp import MLP
from mytorch.autograd_engine import Autograd
from mytorch.nn.modules import Identity, Linear, Sigmoid, SoftmaxCrossEntropy
from mytorch.replay import ReplayError


def _matrix() -> mt.Tensor:
    return mt.tensor(np.arange(12.0).reshape(3, 4) - 5)


# --------------------------------------------------------------------------- 0-d integer indices
ZERO_D = {
    "tensor": lambda k: mt.tensor(k),
    "int32 tensor": lambda k: mt.tensor(k, dtype=mt.int32),
    "array": lambda k: np.array(k),
    "argmax": lambda k: mt.tensor(np.eye(5)[k]).argmax(),
}
PLACES = {  # index(i, j) and the same places by ints
    "row": (lambda i, j: i, (1,)),
    "row, columns": (lambda i, j: (i, slice(1, None)), (1, slice(1, None))),
    "column": (lambda i, j: (slice(None), j), (slice(None), 2)),
    "element of a row": (lambda i, j: i, (1,)),
}


@pytest.mark.parametrize("kind", sorted(ZERO_D))
@pytest.mark.parametrize("place", sorted(PLACES))
def test_a_0d_integer_index_is_a_view_as_an_int_is(kind: str, place: str) -> None:
    """``t[tensor(1)].mul_(10)`` changed a copy; PyTorch's changes row 1 of t (2.13: checked)."""
    i, j = ZERO_D[kind](1), ZERO_D[kind](2)
    index, ints = PLACES[place]
    t = _matrix()
    view = t[index(i, j)]
    if place == "element of a row":
        view = view[j]
        ints = (1, 2)
    view.mul_(10)
    expected = np.arange(12.0).reshape(3, 4) - 5
    expected[ints] *= 10
    np.testing.assert_array_equal(t.numpy(), expected)
    t.add_(1)  # and the view follows the tensor's later changes
    np.testing.assert_array_equal(view.numpy(), expected[ints] + 1)


def test_a_0d_boolean_or_uint8_index_is_still_a_mask() -> None:
    """PyTorch reads a 0-d bool (or uint8) index as a mask over a new axis, not as 0 or 1."""
    for flag in (mt.tensor(True), mt.tensor(1, dtype=mt.uint8)):
        assert tuple(_matrix()[flag].shape) == (1, 3, 4)
    assert tuple(_matrix()[mt.tensor(False)].shape) == (0, 3, 4)


def test_the_gradient_through_a_0d_integer_index_is_the_ints() -> None:
    w = mt.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    c = mt.tensor(np.array([1.0, -2.0, 3.0, 0.5]))
    (w[mt.tensor(2)] * c).sum().backward()
    expected = np.zeros((3, 4))
    expected[2] = c.numpy()
    np.testing.assert_array_equal(w.grad.numpy(), expected)


def _indexed_steps(replayed: bool, fallback: bool = True) -> tuple[np.ndarray, Any]:
    """SGD on (w[i] * 1) for a 1-D w and a 0-d tensor input i: 0, 0, 0, 1, 2, 2."""
    w = mt.nn.Parameter(mt.tensor(np.arange(3.0)))
    opt = mt.optim.SGD([w], lr=0.1)

    def step(i: mt.Tensor) -> mt.Tensor:
        opt.zero_grad()
        loss = w[i] * 1.0
        loss.backward()
        opt.step()
        return loss

    run = mytorch.replay.Replay(step, optimizer=opt, fallback=fallback) if replayed else step
    for i in (0, 0, 0, 1, 2, 2):
        run(mt.tensor(i))
    return w.detach().numpy(), run


def test_a_step_indexing_by_a_0d_tensor_is_not_replayed_with_its_captured_index() -> None:
    """The replay repeated w[0]: [-0.6, 1, 2] where the dynamic step gives [-0.3, 0.9, 1.8]."""
    dynamic, _ = _indexed_steps(False)
    np.testing.assert_allclose(dynamic, [-0.3, 0.9, 1.8], rtol=1e-15)
    replayed, run = _indexed_steps(True)
    np.testing.assert_array_equal(replayed, dynamic)
    assert run.replays == 0
    with pytest.raises(ReplayError, match="reads a tensor's value into Python"):
        _indexed_steps(True, fallback=False)


def test_0d_integer_indices_against_pytorch() -> None:
    torch = pytest.importorskip("torch")
    results = []
    for lib in (mt, torch):
        w = lib.tensor(np.arange(12.0).reshape(3, 4) - 5, requires_grad=True)
        h = w * 2
        i = lib.tensor(1)
        row, col, cell = h[i], h[:, i + 1], h[i][i + 2]
        out = (row * 3).sum() + (col**2).sum() + cell
        out.backward()
        base = lib.tensor(np.arange(12.0).reshape(3, 4))
        with lib.no_grad():
            base[i].zero_()
            base[lib.tensor(2), 1:].mul_(-1)
            base[:, np.array(3)].add_(100)
        results.append([w.grad.numpy().copy(), base.numpy().copy(), out.detach().numpy().copy()])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-15)


# --------------------------------------------------------------------------- unfold
def test_unfold_windows_that_tile_the_axis_are_a_view() -> None:
    x = _matrix()
    x.unfold(1, 2, 2).mul_(10)
    np.testing.assert_array_equal(x.numpy(), (np.arange(12.0).reshape(3, 4) - 5) * 10)
    y = _matrix()
    windows = y.unfold(1, 1, 2)  # windows of 1, 2 apart: columns 0 and 2
    windows.zero_()
    expected = np.arange(12.0).reshape(3, 4) - 5
    expected[:, [0, 2]] = 0
    np.testing.assert_array_equal(y.numpy(), expected)
    one = y.unfold(0, 2, 5)  # a single window (rows 0 and 1)
    y.add_(1)
    np.testing.assert_array_equal(one.numpy(), (expected + 1)[:2].T[None])
    whole = y.unfold(1, 4, 1)  # a single window of the whole axis, step 1 (was a read-only copy)
    whole.mul_(2)
    np.testing.assert_array_equal(y.numpy(), (expected + 1) * 2)


def test_unfold_windows_that_overlap_or_leave_a_gap_are_read_only() -> None:
    """A write into them would miss the tensor (PyTorch's writes through its view): it raises."""
    for size, step in ((2, 1), (3, 2), (1, 3), (2, 3)):  # (of 5 places: 4, 2, 2 and 2 windows)
        x = mt.tensor(np.arange(10.0).reshape(2, 5))
        u = x.unfold(1, size, step)
        with pytest.raises(RuntimeError, match="read-only"):
            u.mul_(2)
        np.testing.assert_array_equal(x.numpy(), np.arange(10.0).reshape(2, 5))


@pytest.mark.parametrize("shape", [(7,), (3, 6), (2, 5, 4)])
def test_unfold_values_and_gradients_are_the_windows(shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(len(shape))
    data = rng.standard_normal(shape)
    for d in range(-len(shape), len(shape)):
        length = shape[d]
        for size, step in itertools.product(range(length + 1), range(1, length + 2)):
            x = mt.tensor(data, requires_grad=True)
            u = x.unfold(d, size, step)
            starts = range(0, length - size + 1, step)
            moved = np.moveaxis(data, d, -1)
            expected = np.stack([moved[..., s : s + size] for s in starts], axis=-2)
            expected = np.moveaxis(expected, -2, d % len(shape))
            np.testing.assert_array_equal(u.detach().numpy(), expected)
            g = rng.standard_normal(expected.shape)
            (u * mt.tensor(g)).sum().backward()
            grad = np.zeros_like(moved)
            gm = np.moveaxis(g, d % len(shape), -2)
            for k, s in enumerate(starts):
                grad[..., s : s + size] += gm[..., k, :]
            np.testing.assert_allclose(x.grad.numpy(), np.moveaxis(grad, -1, d), rtol=1e-13, atol=1e-15)


def test_unfold_views_against_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for d, size, step in [(1, 2, 2), (1, 3, 3), (2, 1, 2), (1, 2, 7), (2, 2, 2), (-1, 4, 4), (0, 1, 1)]:
        seen = []
        for lib in (mt, torch):
            x = lib.tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
            h = x * 1.0
            u = h.unfold(d, size, step)
            (u * u).sum().backward()
            base = lib.tensor(np.arange(24.0).reshape(2, 3, 4))
            v = base.unfold(d, size, step)
            v.mul_(-1)
            base.add_(0.5)
            seen.append([x.grad.numpy().copy(), base.numpy().copy(), v.numpy().copy()])
        for ours, theirs in zip(*seen):
            np.testing.assert_array_equal(ours, theirs)


# --------------------------------------------------------------------------- to(copy=True), +t
def test_to_with_copy_makes_new_memory_in_the_graph() -> None:
    """``copy=True`` was ignored: the "copy" was the tensor itself and followed its updates."""
    w = mt.tensor([1.0, 2.0, 3.0], dtype=mt.float64, requires_grad=True)
    copies = [
        w.to(mt.float64, copy=True),
        w.to(copy=True),
        w.to("cpu", copy=True),
        w.to(mt.float64, False, True),  # (non_blocking, copy) by position
        w.to("cpu", mt.float64, False, True),
        w.to(w, False, True),
    ]
    with mt.no_grad():
        w.mul_(10)
    for c in copies:
        assert c is not w and not np.shares_memory(c.detach().numpy(), w.detach().numpy())
        np.testing.assert_array_equal(c.detach().numpy(), [1.0, 2.0, 3.0])
    (copies[0] * mt.tensor([1.0, -2.0, 4.0], dtype=mt.float64)).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [1.0, -2.0, 4.0])
    assert w.to(mt.float64) is w and w.to(mt.float64, False, False) is w and w.to("cpu") is w


def test_unary_plus_is_the_tensor_itself() -> None:
    t = mt.tensor([1.0, -2.0])
    assert +t is t
    with pytest.raises(RuntimeError, match="bool"):
        +mt.tensor([True])  # noqa: B018


# --------------------------------------------------------------------------- view of memory no view fits
VIEWS_THAT_COPY = {  # the tensor's view, and the same elements from a NumPy array
    "t().view(-1)": (lambda x: x.t().view(-1), lambda a: a.T.reshape(-1)),
    "[:, 1:].view(-1)": (lambda x: x[:, 1:].view(-1), lambda a: a[:, 1:].reshape(-1)),
    "[::2].view(8)": (lambda x: x[::2].view(8), lambda a: a[::2].reshape(8)),
    "t().view(2, 6)": (lambda x: x.t().view(2, 6), lambda a: a.T.reshape(2, 6)),
}


@pytest.mark.parametrize("name", sorted(VIEWS_THAT_COPY))
def test_a_view_that_has_to_copy_is_read_only(name: str) -> None:
    """PyTorch's view raises there; MyTorch's copy took the write and x stayed as it was."""
    make, same = VIEWS_THAT_COPY[name]
    x = _matrix()
    v = make(x)
    np.testing.assert_array_equal(v.numpy(), same(np.arange(12.0).reshape(3, 4) - 5))
    with pytest.raises(RuntimeError, match="read-only"):
        v.mul_(10)
    np.testing.assert_array_equal(x.numpy(), np.arange(12.0).reshape(3, 4) - 5)
    w = mt.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    weights = np.arange(1.0, v.numel() + 1).reshape(tuple(v.shape))
    (make(w) * mt.tensor(weights)).sum().backward()
    expected = np.zeros(12)
    expected[same(np.arange(12).reshape(3, 4)).ravel()] = weights.ravel()  # each weight where its element came from
    np.testing.assert_array_equal(w.grad.numpy(), expected.reshape(3, 4))
    x.t().view(4, 3).mul_(2)  # (a view where one fits: the write reaches x)
    np.testing.assert_array_equal(x.numpy(), (np.arange(12.0).reshape(3, 4) - 5) * 2)


# --------------------------------------------------------------------------- tensor(list of tensors)
def test_a_list_of_one_element_tensors_is_read_as_numbers() -> None:
    """A (1,) output per example, collected: (N,) as in PyTorch; it was (N, 1), and the mean
    squared error against (N,) targets the mean of an (N, N) matrix (4.5 here, not 0.5)."""
    net = mt.nn.Linear(2, 1).double()
    with mt.no_grad():
        net.weight.copy_(mt.tensor([[1.0, 0.0]], dtype=mt.float64))
        net.bias.zero_()
    x = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0]])
    preds = [net(mt.tensor(row)) for row in x]  # each (1,)
    y = mt.tensor([2.0, 2.0, 2.0], dtype=mt.float64)
    for joined in (mt.tensor(preds), mt.as_tensor(preds), mt.tensor(tuple(preds)), mt.Tensor(preds).double()):
        assert tuple(joined.shape) == (3,)
        assert float(((joined - y) ** 2).mean()) == (1 + 0 + 1) / 3
    assert mt.tensor(preds).dtype == mt.float64  # (the tensors' dtype)
    assert tuple(mt.tensor([[p] for p in preds]).shape) == (3, 1)  # (the lists' nesting gives the axes)
    assert tuple(mt.tensor([mt.tensor([[1.5]]), 2.5]).shape) == (2,)
    assert tuple(mt.tensor([np.array([1.5]), np.array([2.5])]).shape) == (2, 1)  # (arrays are sequences)
    with pytest.raises(ValueError, match="only one element tensors"):
        mt.tensor([mt.tensor([1.0, 2.0]), mt.tensor([3.0, 4.0])])


def test_lists_of_tensors_against_pytorch() -> None:
    torch = pytest.importorskip("torch")
    cases = [
        lambda lib: [lib.tensor([1.5]), lib.tensor([2.5])],
        lambda lib: [[lib.tensor([1.5]), lib.tensor(2.5)]],
        lambda lib: [lib.tensor([[1]], dtype=lib.int32), lib.tensor(2, dtype=lib.int32)],
        lambda lib: [lib.tensor([1.5], dtype=lib.float64), 2],
        lambda lib: [[lib.tensor([1.5])], [lib.tensor([2.5])]],
    ]
    for case in cases:
        ours, theirs = mt.tensor(case(mt)), torch.tensor(case(torch))
        assert (
            tuple(ours.shape) == tuple(theirs.shape)
            and str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
        )
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


# --------------------------------------------------------------------------- the handout MLP's eval()
@pytest.mark.parametrize("replay", [False, True])
@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_a_backward_after_a_forward_in_evaluation_mode_raises(replay: bool, momentum: float) -> None:
    """It gave zero gradients: W unchanged by the step (momentum 0) or moved by the old velocity
    (0.013 here), the loss returned as if the network trained."""
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((8, 4)), np.eye(3)[rng.integers(0, 3, 8)]
    mlp = MLP(4, 3, [5], ["relu", "identity"], "cross_entropy", 0.1, Autograd(), momentum, seed=1, replay=replay)
    mlp.train_step(x, y)
    state = {k: v.copy() for k, v in mlp.state_dict().items()}
    mlp.eval()
    with pytest.raises(ValueError, match=r"evaluation mode .* mlp.train\(\)"):
        mlp.train_step(x, y)
    mlp.zero_grads()
    mlp.forward(x)
    with pytest.raises(ValueError, match="evaluation mode"):
        mlp.backward(y)
    for k, v in mlp.state_dict().items():
        np.testing.assert_array_equal(v, state[k])
    mlp.train()  # and training goes on as it would have
    twin = MLP(4, 3, [5], ["relu", "identity"], "cross_entropy", 0.1, Autograd(), momentum, seed=1)
    twin.train_step(x, y)
    for net in (mlp, twin):
        net.train_step(x[:4], y[:4])
    for k, v in mlp.state_dict().items():
        np.testing.assert_array_equal(v, twin.state_dict()[k])


# --------------------------------------------------------------------------- copy.deepcopy of the handout MLP
def _handout_mlp(optimizer: str, replay: bool) -> MLP:
    momentum = 0.0 if optimizer == "adam" else 0.9
    return MLP(4, 3, [5], ["relu", "identity"], "cross_entropy", 0.1, Autograd(), momentum, seed=1,
               optimizer=optimizer, replay=replay)  # fmt: skip


@pytest.mark.parametrize("replay", [False, True])
@pytest.mark.parametrize("optimizer", ["sgd", "nesterov", "adam"])
def test_a_deep_copy_of_the_mlp_trains_as_the_original_would(optimizer: str, replay: bool) -> None:
    rng = np.random.default_rng(11)
    x, y = rng.standard_normal((8, 4)), np.eye(3)[rng.integers(0, 3, 8)]
    original, reference = _handout_mlp(optimizer, replay), _handout_mlp(optimizer, False)
    for _ in range(3):
        original.train_step(x, y)
        reference.train_step(x, y)
    original.forward(x)
    original.backward(y)  # a gradient left in the layers: the copy keeps it
    kept = [layer.dW.copy() for layer in original.linear_layers]
    twin = copy.deepcopy(original)
    for layer, dW in zip(twin.linear_layers, kept):
        np.testing.assert_array_equal(layer.dW, dW)
    twin.zero_grads()
    for layer in twin.linear_layers:
        assert not layer.dW.any() and not layer.db.any()
    for _ in range(2):  # the copy, by train_step and by the handout's loop
        twin.train_step(x[:4], y[:4])
        reference.train_step(x[:4], y[:4])
    twin.zero_grads()
    twin.forward(x[4:])
    twin.backward(y[4:])
    twin.step()
    reference.zero_grads()
    reference.forward(x[4:])
    reference.backward(y[4:])
    reference.step()
    for key, value in reference.state_dict().items():
        np.testing.assert_array_equal(twin.state_dict()[key], value, err_msg=key)
    before = {key: value.copy() for key, value in original.state_dict().items()}
    original.zero_grads()  # the original was not touched by the copy's steps
    for key, value in original.state_dict().items():
        np.testing.assert_array_equal(value, before[key], err_msg=key)


# --------------------------------------------------------------------------- layers added to the handout MLP
@pytest.mark.parametrize("replay", [False, True])
def test_a_layer_added_to_the_mlp_is_trained_or_refused(replay: bool) -> None:
    """The added layer's W stayed as it was, step after step, with its dW filled."""
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((8, 4)), np.eye(3)[rng.integers(0, 3, 8)]
    engine = Autograd()
    mlp = MLP(4, 3, [5], ["relu", "identity"], "cross_entropy", 0.1, engine, 0.9, seed=1, replay=replay)
    mlp.train_step(x, y)
    layer = Linear(3, 3, engine, rng=2)
    mlp.linear_layers.append(layer)
    with pytest.raises(ValueError, match="activations"):
        mlp.train_step(x, y)  # (a layer without its activation: the forward's zip skipped it)
    mlp.activations.append(Identity(engine))
    with pytest.raises(ValueError, match="optimizer holds 4"):
        mlp.train_step(x, y)
    mlp.optimizer.add_param_group({"params": layer.parameters()})
    before = layer.W.copy()
    for _ in range(2):
        mlp.train_step(x, y)
    assert not np.array_equal(layer.W, before)


@pytest.mark.parametrize("replay", [False, True])
@pytest.mark.parametrize("swapped", ["activation", "layer", "criterion"])
def test_a_module_on_another_engine_set_into_the_mlp_is_refused(swapped: str, replay: bool) -> None:
    """The first layer's W stayed as it was (its dW zero), step after step."""
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((8, 4)), np.eye(3)[rng.integers(0, 3, 8)]
    mlp = MLP(4, 3, [5], ["relu", "identity"], "cross_entropy", 0.1, Autograd(), seed=1, replay=replay)
    mlp.train_step(x, y)
    other = Autograd()
    if swapped == "activation":
        mlp.activations[0] = Sigmoid(other)
    elif swapped == "layer":
        mlp.linear_layers[1] = Linear(5, 3, other, rng=3)
    else:
        mlp.criterion = SoftmaxCrossEntropy(other)
    before = mlp.linear_layers[0].W.copy()
    with pytest.raises(ValueError, match="another engine"):
        mlp.train_step(x, y)
    with pytest.raises(ValueError, match="another engine"):
        mlp.zero_grads()  # (the handout's loop by hand)
    np.testing.assert_array_equal(mlp.linear_layers[0].W, before)


# --------------------------------------------------------------------------- copy.deepcopy keeps shared memory
VIEWS = {  # a view of x (2, 3, 4) as a tensor op makes it, and the same view of a NumPy array
    "row": (lambda x: x[1], lambda a: a[1]),
    "transpose": (lambda x: x.transpose(0, 2), lambda a: a.swapaxes(0, 2)),
    "view of a view": (lambda x: x[:, 1:].reshape(2, 8)[1, ::3], lambda a: a[:, 1:].reshape(2, 8)[1, ::3]),
    "negative strides": (lambda x: mt.from_numpy(x.numpy()[::-1, :, ::-2]), lambda a: a[::-1, :, ::-2]),
    "from the same array": (lambda x: mt.from_numpy(x.numpy()), lambda a: a),
}


@pytest.mark.parametrize("name", sorted(VIEWS))
def test_a_deep_copy_of_a_tensor_and_its_view_shares_memory(name: str) -> None:
    """``copy.deepcopy((x, v))`` gave two tensors of separate memory: a write into the copied view
    missed the copied base, and the base's into the view (PyTorch's deepcopy copies a storage once)."""
    view, same_view = VIEWS[name]
    x = mt.tensor(np.arange(24.0).reshape(2, 3, 4))
    v = view(x)
    before, v_before = x.numpy().copy(), v.numpy().copy()
    x2, v2 = copy.deepcopy((x, v))
    np.testing.assert_array_equal(v2.numpy(), v_before)
    v2.mul_(-1)
    expected = before.copy()
    same_view(expected)[...] *= -1
    np.testing.assert_array_equal(x2.numpy(), expected)
    x2.add_(100)
    np.testing.assert_array_equal(v2.numpy(), same_view(expected + 100))
    np.testing.assert_array_equal(x.numpy(), before)  # the originals untouched
    np.testing.assert_array_equal(v.numpy(), v_before)
    x3 = copy.deepcopy(x)  # another deepcopy call: memory of its own
    x3.zero_()
    assert x2.numpy().any()


def test_a_deep_copied_module_keeps_buffers_that_share_memory() -> None:
    """A buffer that is a view of another (a running statistic kept as a slice of a flat buffer)
    came apart in the copy; parameters get memory of their own, as PyTorch's."""

    class Net(mt.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("flat", mt.zeros(6))
            self.register_buffer("head", self.flat[:2])
            self.w = mt.nn.Parameter(mt.ones(3))
            self.v = mt.nn.Parameter(self.w.detach()[:2])  # (PyTorch clones each parameter)

    net = Net()
    twin = copy.deepcopy(net)
    twin.flat.add_(1)
    np.testing.assert_array_equal(twin.head.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(net.head.numpy(), [0.0, 0.0])
    with mt.no_grad():
        twin.w.zero_()
    np.testing.assert_array_equal(twin.v.numpy(), [1.0, 1.0])
    tied = mt.nn.Sequential(mt.nn.Embedding(5, 3), mt.nn.Linear(3, 5, bias=False))
    tied[1].weight = tied[0].weight
    copied = copy.deepcopy(tied)
    assert copied[0].weight is copied[1].weight and copied[0].weight is not tied[0].weight


def test_a_deep_copy_keeps_read_only_memory_read_only_but_not_a_graph_lock() -> None:
    """A broadcast (one element seen many times) stays read-only, so a write cannot add into the
    one element many times; a tensor a live graph holds (locked while it lives) copies writeable."""
    e = copy.deepcopy(mt.zeros(3).expand(2, 3))
    with pytest.raises(RuntimeError, match="read-only"):
        e.add_(1)
    x = mt.arange(6.0).reshape(2, 3)
    w = mt.ones(2, 3, requires_grad=True)
    y = (w * x).sum()
    x2 = copy.deepcopy(x)
    x2.add_(1)
    y.backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(x2.numpy(), np.arange(1.0, 7.0).reshape(2, 3))


def test_a_deep_copy_of_a_recorded_result_raises() -> None:
    """The copy of ``a * 2`` kept a graph that reached no leaf: its backward left ``a.grad`` None."""
    a = mt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="not a leaf"):
        copy.deepcopy(a * 2)
    b = copy.deepcopy((a * 2).detach())
    np.testing.assert_array_equal(b.numpy(), [2.0, 2.0])


def test_deep_copies_share_memory_as_pytorchs() -> None:
    torch = pytest.importorskip("torch")
    for lib in (torch, mt):
        x = lib.arange(12.0).reshape(3, 4)
        x2, row, col = copy.deepcopy((x, x[1], x.t()[2]))
        row.fill_(-1)
        col.mul_(10)
        if lib is torch:
            expected = x2.numpy()
        else:
            np.testing.assert_array_equal(x2.numpy(), expected)


# --------------------------------------------------------------------------- forward hooks
def test_a_deep_copied_or_unpickled_module_runs_its_forward_hooks() -> None:
    """A copy of a module with a forward hook (an activation collector kept through deepcopy, as
    PyTorch keeps it) ran no hook once the original's hooks were taken off: the copy's calls did
    not look for hooks while no module was known to have any."""
    _SEEN.clear()
    layer = mt.nn.Linear(3, 2)
    handle = layer.register_forward_hook(_collect)
    twin = copy.deepcopy(layer)
    unpickled = pickle.loads(pickle.dumps(layer))
    handle.remove()
    twin(mt.ones(1, 3))
    unpickled(mt.ones(4, 3))
    assert _SEEN == [(1, 2), (4, 2)]


_SEEN: list[tuple[int, ...]] = []


def _collect(module: Any, args: tuple[Any, ...], output: mt.Tensor) -> None:
    _SEEN.append(tuple(output.shape))


def _hooked_calls(lib: Any) -> list[Any]:
    """What forward hooks with ``with_kwargs``, ``prepend`` and ``always_call`` see, on ``lib``."""

    class Scaled(lib.nn.Module):
        def forward(self, x: Any, scale: float = 1.0) -> Any:
            if scale < 0:
                raise ValueError("negative scale")
            return x * scale

    log: list[Any] = []

    def pre_kw(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        log.append(("pre_kw", dict(kwargs)))
        return args, {**kwargs, "scale": 3.0}

    def post_kw(module: Any, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any) -> Any:
        log.append(("post_kw", dict(kwargs), output.tolist()))
        return output + 1

    def always(module: Any, args: tuple[Any, ...], output: Any) -> None:
        log.append(("always", None if output is None else output.tolist()))

    def failing(module: Any, args: tuple[Any, ...], output: Any) -> None:
        raise KeyError("hook")

    m = Scaled()
    m.register_forward_pre_hook(pre_kw, with_kwargs=True)
    m.register_forward_pre_hook(lambda module, args: log.append("pre, prepended"), prepend=True)
    m.register_forward_hook(post_kw, with_kwargs=True)
    m.register_forward_hook(always, always_call=True)
    m.register_forward_hook(lambda module, args, output: log.append("post, prepended"), prepend=True)
    log.append(m(lib.ones(2), scale=2.0).tolist())
    for scale, hooks, error in ((-1.0, [always], ValueError), (2.0, [failing, always], KeyError)):
        other = Scaled()
        for hook in hooks:
            other.register_forward_hook(hook, always_call=hook is always)
        with pytest.raises(error):
            other(lib.ones(2), scale=scale)
    raising = Scaled()
    raising.register_forward_hook(failing, always_call=True)
    with pytest.warns(UserWarning, match="always_call"), pytest.raises(ValueError):
        raising(lib.ones(2), scale=-1.0)
    refused = Scaled()
    refused.register_forward_pre_hook(lambda module, args, kwargs: 5, with_kwargs=True)
    with pytest.raises(RuntimeError, match="tuple"):
        refused(lib.ones(2))
    return log


def test_forward_hooks_with_kwargs_prepend_and_always_call() -> None:
    """``with_kwargs=True`` raised TypeError (MyTorch had no such argument), ``always_call`` too."""
    log = _hooked_calls(mt)
    assert log == [
        "pre, prepended",
        ("pre_kw", {"scale": 2.0}),
        "post, prepended",
        ("post_kw", {"scale": 3.0}, [3.0, 3.0]),
        ("always", [4.0, 4.0]),
        [4.0, 4.0],
        ("always", None),  # (forward raised: no output)
        ("always", [2.0, 2.0]),  # (an earlier hook raised: the output so far)
    ]
    torch = pytest.importorskip("torch")
    assert _hooked_calls(torch) == log


# --------------------------------------------------------------------------- pickle of models
@pytest.mark.parametrize("replay", [False, True])
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_the_handout_mlp_pickles_and_trains_as_the_original(optimizer: str, replay: bool) -> None:
    """``pickle.dumps(mlp)`` raised AttributeError (a loss's rule made in a function, and with a
    replay its captured step); the unpickled MLP trains as the original and as its deep copy."""
    rng = np.random.default_rng(12)
    x, y = rng.standard_normal((8, 4)), np.eye(3)[rng.integers(0, 3, 8)]
    original = _handout_mlp(optimizer, replay)
    original.train_step(x, y)
    copies = [pickle.loads(pickle.dumps(original)), copy.deepcopy(original)]
    for _ in range(3):
        for mlp in (original, *copies):
            mlp.train_step(x, y)
    for twin in copies:
        for key, value in original.state_dict().items():
            np.testing.assert_array_equal(twin.state_dict()[key], value, err_msg=key)


def _tensor_level_net() -> mt.nn.Module:
    nn = mt.nn
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.GELU(), nn.Tanh(), nn.Linear(8, 3))


def test_tensor_level_models_pickle_and_train_as_the_original() -> None:
    """``pickle.dumps(nn.Sequential(nn.Linear(4, 8), nn.ReLU()))`` raised PicklingError (the
    activation's kernel row held a function under another name than its module gives)."""
    mt.manual_seed(0)
    x, target = mt.randn(16, 4), mt.randint(0, 3, (16,))
    models = [_tensor_level_net()]
    models += [pickle.loads(pickle.dumps(models[0])), copy.deepcopy(models[0])]
    for model in models:
        opt = mt.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        for _ in range(3):
            opt.zero_grad()
            mt.nn.functional.cross_entropy(model(x), target).backward()
            opt.step()
    for twin in models[1:]:
        for key, value in models[0].state_dict().items():
            np.testing.assert_array_equal(twin.state_dict()[key].numpy(), value.numpy(), err_msg=key)


def test_every_tensor_level_module_pickles() -> None:
    """Each module of ``mytorch.nn`` that builds from its defaults pickles and computes the same."""
    import inspect

    x = mt.randn(2, 4, 4, 4)
    for name in sorted(dir(mt.nn)):
        cls = getattr(mt.nn, name)
        if not (inspect.isclass(cls) and issubclass(cls, mt.nn.Module)):
            continue
        try:
            module = cls()
        except (TypeError, ValueError):  # (a module with required arguments)
            continue
        module.eval()
        twin = pickle.loads(pickle.dumps(module))
        assert type(twin) is cls
        try:
            expected = module(x)
        except Exception:  # noqa: BLE001 - (a module this input does not fit: pickling was the test)
            continue
        if isinstance(expected, mt.Tensor):
            np.testing.assert_array_equal(twin(x).numpy(), expected.numpy(), err_msg=name)


# --------------------------------------------------------------------------- item()
@pytest.mark.parametrize("shape", [(2,), (0,), (2, 3)])
def test_item_of_many_elements_raises_pytorchs_runtime_error(shape: tuple[int, ...]) -> None:
    """``loss.item()`` of an unreduced loss raised NumPy's ValueError (about "an array"); code
    written for PyTorch catches its RuntimeError. It is both now, naming the shape."""
    with pytest.raises(RuntimeError, match=rf"item: a tensor of shape \({shape[0]},") as caught:
        mt.zeros(*shape).item()
    assert isinstance(caught.value, ValueError)
    assert mt.zeros(1, 1).item() == 0.0 and mt.tensor(3).item() == 3


@pytest.mark.parametrize("kind", ["weight_norm", "spectral_norm"])
def test_a_parametrized_module_pickles_and_copies_and_trains_as_the_original(kind: str) -> None:
    """``pickle.dumps`` of a module with a parametrization raised PicklingError (its class is made
    at run time); PyTorch refuses it with a RuntimeError, MyTorch pickles it."""
    mt.manual_seed(1)
    model = getattr(mt.nn.utils.parametrizations, kind)(mt.nn.Linear(3, 3))
    x = mt.randn(5, 3)
    models = [model, pickle.loads(pickle.dumps(model)), copy.deepcopy(model)]
    for m in models:
        assert mt.nn.utils.parametrize.is_parametrized(m, "weight")
        opt = mt.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
        for _ in range(3):
            opt.zero_grad()
            (m(x) ** 2).mean().backward()
            opt.step()
        m.eval()  # (a spectral norm's read of weight in training mode takes a step of its power iteration)
    for m in models[1:]:
        assert type(m).__name__ == "ParametrizedLinear" and type(m) is not type(model)
        np.testing.assert_array_equal(m.weight.detach().numpy(), model.weight.detach().numpy())
        for key, value in model.state_dict().items():
            np.testing.assert_array_equal(m.state_dict()[key].numpy(), value.numpy(), err_msg=key)
    mt.nn.utils.parametrize.remove_parametrizations(models[1], "weight")
    assert type(models[1]) is mt.nn.Linear and mt.nn.utils.parametrize.is_parametrized(model)


# --------------------------------------------------------------------------- integer tensors requiring gradients
def test_an_integer_tensor_made_to_require_a_gradient_is_refused_as_pytorch_refuses_it() -> None:
    """``t.requires_grad = True`` on an integer tensor (PyTorch's RuntimeError at the assignment,
    which MyTorch's slot cannot catch) raised at the next operation the engine's TypeError, about
    ``add_operation`` and ``gradients_to_update``; it is PyTorch's RuntimeError now, saying what to do."""
    i = mt.tensor([1, 2])
    i.requires_grad = True
    w = mt.tensor([1.0, 2.0], requires_grad=True)
    for use in (lambda: i * 3, lambda: w * i):
        with pytest.raises(RuntimeError, match=r"dtype int64 and needs a gradient.*t\.float\(\)"):
            use()
    for make in (lambda: mt.tensor([1, 2], requires_grad=True), lambda: mt.tensor([1, 2]).requires_grad_()):
        with pytest.raises(RuntimeError, match="floating-point"):
            make()


OPS_ON_B = {  # an operation using b (and w, which requires a gradient)
    "b * w": lambda b, w: b * w,
    "w * b": lambda b, w: w * b,
    "w @ b": lambda b, w: w @ b,
    "(b + 1) * w": lambda b, w: (b + 1) * w,
    "b.exp()": lambda b, w: b.exp(),
    "b[0] * w": lambda b, w: b[0] * w,
    "cat": lambda b, w: mt.cat([b, w]),
    "F.linear": lambda b, w: mt.nn.functional.linear(b, w.reshape(1, 2)),
}


@pytest.mark.parametrize("name", sorted(OPS_ON_B))
def test_a_recorded_result_set_not_to_require_a_gradient_is_refused(name: str) -> None:
    """``h.requires_grad = False`` on a recorded result (PyTorch refuses the assignment) made it a
    constant: in ``(b * b).sum() + (a * a).sum()`` with b = 2a, a.grad was 2a, not 2a + 8a."""
    a = mt.ones(2, requires_grad=True)
    b = a * 2
    b.requires_grad = False
    w = mt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="not a leaf.*requires_grad set to False.*detach"):
        OPS_ON_B[name](b, w)
    with mt.no_grad():  # (nothing is recorded: nothing to refuse)
        OPS_ON_B[name](b, w)
    c = (a * 2).detach()  # what to write instead
    ((c * c).sum() + (a * a).sum()).backward()
    np.testing.assert_array_equal(a.grad.numpy(), [2.0, 2.0])

"""In-place Tensor operations, version counters, read-only locks and ``.grad`` as a Tensor.

Gradients are checked against closed forms (the values PyTorch gives, worked out by hand)
and against central differences; where PyTorch is installed the same programs also run
under ``torch`` and must agree.
"""

from __future__ import annotations

import types
import weakref

import numpy as np
import pytest

import mytorch as mt
import mytorch.tensor
from mytorch import Tensor
from mytorch.optim import SGD


def leaf(values, dtype=np.float64) -> Tensor:
    return Tensor(np.array(values, dtype=dtype), requires_grad=True)


def central_differences(f, arrays, eps=1e-6):
    """d f / d arrays[i] for a scalar function of arrays, by central differences."""
    grads = []
    for i, x in enumerate(arrays):
        g = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            up, down = [a.copy() for a in arrays], [a.copy() for a in arrays]
            up[i][idx] += eps
            down[i][idx] -= eps
            g[idx] = (f(*up) - f(*down)) / (2 * eps)
        grads.append(g)
    return grads


# --------------------------------------------------------------------------- .grad is a Tensor
def test_grad_is_a_tensor_none_until_backward_then_accumulating():
    x = leaf([1.0, 2.0, 3.0])
    y = (x * x).sum()
    assert x.grad is None  # recording alone allocates nothing
    y.backward(retain_graph=True)
    assert isinstance(x.grad, Tensor) and not x.grad.requires_grad
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0, 6.0])
    held = x.grad
    y.backward()
    assert x.grad is held  # accumulated in place, as PyTorch does
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 8.0, 12.0])
    x.grad.zero_()
    np.testing.assert_array_equal(held.numpy(), 0.0)


def test_grad_set_to_none_between_forward_and_backward_starts_afresh():
    x = leaf([1.0, 2.0])
    (3 * x).sum().backward()
    loss = (x * x).sum()
    x.grad = None  # the PyTorch pattern: forward, drop the old gradient, backward
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])


def test_grad_replaced_between_forward_and_backward_receives_the_gradient():
    x = leaf([1.0, 2.0])
    loss = (3 * x).sum()
    old = Tensor(np.zeros(2))
    x.grad = old
    new = Tensor(np.array([100.0, 200.0]))
    x.grad = new  # looked up when backward runs, not when the graph was recorded
    loss.backward()
    assert x.grad is new
    np.testing.assert_array_equal(new.numpy(), [103.0, 203.0])
    np.testing.assert_array_equal(old.numpy(), [0.0, 0.0])


def test_gradients_of_leaves_sharing_one_array_stay_apart():
    array = np.array([1.0, 2.0])
    a, b = Tensor(array, requires_grad=True), Tensor(array, requires_grad=True)
    (a * 2 + b * 5).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [2.0, 2.0])
    np.testing.assert_array_equal(b.grad.numpy(), [5.0, 5.0])


def test_grad_with_respect_to_leaves_sharing_one_array_keeps_them_apart():
    # mytorch.grad found a leaf's gradient by its array: a detached copy made a leaf
    # (x.detach().requires_grad_(), the same array) got x's gradient, where PyTorch says unused.
    x = leaf([1.0, 2.0])
    alias = x.detach().requires_grad_()
    loss = (x * x).sum()
    gx, ga = mt.grad(loss, [x, alias], allow_unused=True, retain_graph=True)
    np.testing.assert_array_equal(gx.numpy(), [2.0, 4.0])
    assert ga is None
    both = (x * 2 + alias * 5).sum()
    gx, ga = mt.grad(both, [x, alias])
    np.testing.assert_array_equal(gx.numpy(), [2.0, 2.0])
    np.testing.assert_array_equal(ga.numpy(), [5.0, 5.0])
    (gx,) = mt.grad(x, alias, grad_outputs=mt.ones(2), allow_unused=True)  # a leaf output
    assert gx is None


def test_grad_assignment_is_checked():
    x = leaf([1.0, 2.0])
    with pytest.raises(TypeError, match="Tensor.grad: assign a Tensor or None, got a ndarray"):
        x.grad = np.zeros(2)
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        x.grad = Tensor(np.zeros(3))
    with pytest.raises(RuntimeError, match=r"shape \(3,\)"):  # (PyTorch's error, for its except clauses)
        x.grad = Tensor(np.zeros(3))


def test_a_tensor_cannot_be_its_own_gradient():
    """``w.grad = w`` was taken, and the next backward added the gradient into the parameter's
    own values (w [1, 2] became [3, 4] after (2 w).sum().backward()); PyTorch refuses it."""
    w = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="its own gradient"):
        w.grad = w
    assert w.grad is None
    (w * 2).sum().backward()
    np.testing.assert_array_equal(w.detach().numpy(), [1.0, 2.0])


def test_leaf_gradients_do_not_alias_each_other():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward()  # add hands the same array to both inputs
    a.grad.numpy()[0] = 99.0
    assert b.grad.numpy()[0] == 1.0


# --------------------------------------------------------------------------- in-place ops
@pytest.mark.parametrize(
    ("update", "expected"),
    [
        (lambda t: t.__iadd__(2.0), [3.0, 4.0, 5.0]),
        (lambda t: t.__isub__(Tensor([1.0, 1.0, 1.0])), [0.0, 1.0, 2.0]),
        (lambda t: t.__imul__(np.array([2.0, 3.0, 4.0])), [2.0, 6.0, 12.0]),
        (lambda t: t.__itruediv__(2), [0.5, 1.0, 1.5]),
        (lambda t: t.add_(1), [2.0, 3.0, 4.0]),
        (lambda t: t.sub_(1), [0.0, 1.0, 2.0]),
        (lambda t: t.mul_(-1), [-1.0, -2.0, -3.0]),
        (lambda t: t.div_(Tensor(4.0)), [0.25, 0.5, 0.75]),
        (lambda t: t.zero_(), [0.0, 0.0, 0.0]),
        (lambda t: t.fill_(7), [7.0, 7.0, 7.0]),
        (lambda t: t.copy_([9.0, 8.0, 7.0]), [9.0, 8.0, 7.0]),
        (lambda t: t.clamp_(min=1.5, max=2.5), [1.5, 2.0, 2.5]),
    ],
)
def test_in_place_ops_update_the_same_object_and_array(update, expected):
    t = Tensor(np.array([1.0, 2.0, 3.0]))
    array = t.numpy()
    assert update(t) is t
    assert t.numpy() is array
    np.testing.assert_array_equal(array, expected)


def test_logical_in_place_operators_write_into_the_tensor_itself():
    """``m |= b`` rebound the name to a new tensor (Tensor had no ``__ior__``): another name for
    the mask, or a view of it, kept the old values, where PyTorch writes in place."""
    mask = mt.tensor([False, True, False, False])
    alias, view = mask, mask[1:]
    mask |= mt.tensor([True, False, False, False])
    mask ^= mt.tensor([False, False, True, True])
    mask &= mt.tensor([True, True, True, False])
    assert mask is alias and mask.dtype == mt.bool
    assert mask.tolist() == [True, True, True, False] and view.tolist() == [True, True, False]
    counts = mt.tensor(np.array([6, 5, 3], dtype=np.uint8))
    counts &= mt.tensor([3, 4, 1])  # an int64 operand: the result keeps the tensor's uint8, as PyTorch's
    assert counts.tolist() == [2, 4, 1] and counts.dtype == mt.uint8
    with pytest.raises(RuntimeError, match=r"\|=: the result's dtype int64 cannot be stored in the tensor's bool"):
        mask |= mt.tensor([1, 0, 0, 0])


def test_setitem_writes_in_place():
    t = Tensor(np.zeros((2, 3)))
    t[0, 1:] = 5.0
    t[Tensor(np.array([1]))] = Tensor(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(t.numpy(), [[0, 5, 5], [1, 2, 3]])


def test_in_place_keeps_float32():
    t = Tensor(np.ones(3, dtype=np.float32))
    t += np.float64(0.5)
    t *= np.arange(3)
    assert t.dtype == np.float32
    with pytest.raises(RuntimeError, match=r"\+=.*int64"):
        i = Tensor(np.arange(3))
        i += 0.5


def test_in_place_on_a_leaf_that_requires_grad_is_refused_while_recording():
    w = leaf([1.0, 2.0])
    for update in (lambda: w.__iadd__(1), lambda: w.mul_(2), lambda: w.zero_(), lambda: w.__setitem__(0, 5.0)):
        with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
            update()
    np.testing.assert_array_equal(w.numpy(), [1.0, 2.0])


def test_parameter_update_under_no_grad_is_in_place_and_training_continues():
    x = Tensor(np.array([[1.0, 2.0], [3.0, 4.0]]))
    w = leaf([0.5, -0.5])
    for _ in range(3):
        loss = ((x @ w - 1.0) ** 2).sum()
        w.grad = None
        loss.backward()
        grad = 2 * x.numpy().T @ (x.numpy() @ w.numpy() - 1.0)
        np.testing.assert_allclose(w.grad.numpy(), grad)
        before, expected = w, w.numpy() - 0.01 * grad
        with mt.no_grad():
            w -= 0.01 * w.grad  # the PyTorch update
        assert w is before and w.is_leaf and w.requires_grad
        np.testing.assert_allclose(w.numpy(), expected)


# --------------------------------------------------------------------------- recorded in-place ops
def _grads(fn, *values):
    leaves = [leaf(v) for v in values]
    fn(*leaves).sum().backward()
    return [None if t.grad is None else t.grad.numpy() for t in leaves]


def test_updating_an_intermediate_no_rule_reads_is_allowed():
    def program(a, b):
        c = a + b
        c += c + 1  # add reads nothing: PyTorch allows this and gives 2, 2
        return c

    ga, gb = _grads(program, [1.0, 2.0], [3.0, 4.0])
    np.testing.assert_array_equal(ga, [2.0, 2.0])
    np.testing.assert_array_equal(gb, [2.0, 2.0])


@pytest.mark.parametrize(
    ("program", "expected"),
    [
        # c = a * 1, then c *= d: d/da = d, d/dd = the old c (PyTorch keeps a copy of it)
        (lambda a, d: (a * 1).mul_(d), ([3.0, 4.0], [1.0, 2.0])),
        (lambda a, d: (a * 1).div_(d), ([1 / 3, 1 / 4], [-1 / 9, -2 / 16])),
        (lambda a, d: (a * 1).sub_(d * 2), ([1.0, 1.0], [-2.0, -2.0])),
        (lambda a, d: (a * 1).copy_(d), ([0.0, 0.0], [1.0, 1.0])),  # PyTorch: zeros for a, not None
        (lambda a, d: (a * d).clamp_(min=3.5), ([0.0, 4.0], [0.0, 2.0])),
    ],
)
def test_recorded_in_place_ops_give_pytorchs_gradients(program, expected):
    got = _grads(program, [1.0, 2.0], [3.0, 4.0])
    for g, e in zip(got, expected):
        np.testing.assert_allclose(g, e)


def test_setitem_recorded_gradients():
    a, d = leaf([1.0, 2.0, 3.0]), leaf(5.0)
    c = a * 2
    c[1] = d * 3
    (c * Tensor([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [2.0, 0.0, 200.0])
    assert d.grad.item() == 30.0


def test_a_constant_tensor_written_from_a_graph_joins_it():
    w = leaf([1.0, 2.0])
    buffer = Tensor(np.zeros(3))
    buffer[1:] = w * w
    assert buffer.requires_grad and not buffer.is_leaf
    (buffer * Tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [4.0, 12.0])


def test_in_place_program_matches_central_differences():
    rng = np.random.default_rng(0)
    a0, b0 = rng.standard_normal(4), rng.standard_normal(4)

    def program(a, b):
        h = a * b
        h += a.exp()
        h *= b
        h[1:3] = h[1:3] * 2
        h.clamp_(max=1.0)
        h /= 1.5
        return (h * h).sum()

    a, b = leaf(a0), leaf(b0)
    program(a, b).backward()

    def numeric(*arrays):
        with mt.no_grad():
            return program(*(Tensor(x) for x in arrays)).item()

    expected = central_differences(numeric, [a0, b0])
    np.testing.assert_allclose(a.grad.numpy(), expected[0], rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(b.grad.numpy(), expected[1], rtol=1e-6, atol=1e-8)


# --------------------------------------------------------------------------- version checks
def test_changing_a_saved_output_in_place_raises_at_backward():
    x = leaf([0.5, -1.0, 2.0])
    a = x.sigmoid()  # sigmoid's backward reads its output
    a *= 0.5  # "dropout" on the saved activation
    expected = r"sigmoid_backward.*output, of shape \(3,\), is at version 1; expected version 0"
    with pytest.raises(RuntimeError, match=expected):
        a.sum().backward()


def test_changing_a_saved_input_in_place_raises_at_backward():
    x = leaf([1.0, 2.0])
    k = Tensor(np.array([3.0, 4.0]))
    y = (x * k).sum()  # x's gradient reads k
    k += 1  # k needs no gradient: the write is allowed, and remembered
    with pytest.raises(RuntimeError, match=r"mul_backward.*input 1, of shape \(2,\)"):
        y.backward()


@pytest.mark.parametrize("number_first", [True, False])
def test_a_product_by_a_number_leaves_the_guard_of_a_product_by_a_constant_tensor(number_first):
    # x * 2.0 reads a cached read-only number, which needs no guard and gets a plan of its own;
    # x * k (k a constant tensor, the same operand bits) must keep saving k, in either order
    x = leaf([1.0, 2.0])
    k = Tensor(np.array([3.0, 4.0]))
    x.detach() * 2.0  # (the number is cached from here on)
    parts = [lambda: (x * 2.0).sum(), lambda: (x * k).sum()]
    y = sum(f() for f in (parts if number_first else parts[::-1])) + (x * 2.0).sum()
    k += 1
    with pytest.raises(RuntimeError, match=r"mul_backward.*input 1, of shape \(2,\)"):
        y.backward()
    x.grad = None
    z = (x * 3.0).sum() + (x * k).sum()  # without a write: 3 + k
    z.backward()
    assert x.grad is not None
    np.testing.assert_array_equal(x.grad.numpy(), [7.0, 8.0])


def test_update_of_a_parameter_between_forward_and_backward_raises():
    w = leaf([1.0, 2.0])
    loss = (w * w).sum()
    with mt.no_grad():
        w -= 0.1  # allowed (PyTorch too), but the graph read the old w
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()


def test_a_write_through_a_view_bumps_the_base_version():
    x = leaf([1.0, 2.0, 3.0])
    y = x.exp()
    row = y.detach()[1:]  # shares y's memory
    row.zero_()
    with pytest.raises(RuntimeError, match="exp_backward"):
        y.sum().backward()


def test_in_place_on_a_view_in_the_graph_changes_its_base_as_in_pytorch():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    h = x * 2
    v = h.reshape(4)
    v += 1
    h[0] = 5.0
    assert h.tolist() == [[5.0, 5.0], [7.0, 9.0]] and v.tolist() == [5.0, 5.0, 7.0, 9.0]
    ((h * h).sum() + v.sum()).backward()
    # h[1] = 2 x[1] + 1; d/dx of h^2 + h there is (2 h + 1) * 2; row 0 was overwritten by a constant
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 0.0], [30.0, 38.0]])


def test_in_place_on_a_view_of_a_view_after_the_middle_one_is_gone():
    """row = h.view(2, 2)[0]: the (2, 2) view dies at once, but row still shares h's memory: `row += v`
    went through with v getting no gradient from h's uses (PyTorch: v.grad = [1, 2]), then was refused;
    now it is recorded on h. A leaf changed through x.reshape(2, 2).reshape(4) is refused, as in PyTorch."""
    x = leaf([1.0, 2.0, 3.0, 4.0])
    v = leaf([5.0, 6.0])
    h = x * 2
    row = h.view(2, 2)[0]
    row += v
    h[0] = 5.0
    assert h.tolist() == [5.0, 10.0, 6.0, 8.0] and row.tolist() == [5.0, 10.0]
    (h * mt.tensor([1.0, 2.0, 3.0, 4.0], dtype=mt.float64)).sum().backward()
    np.testing.assert_array_equal(v.grad.numpy(), [0.0, 2.0])
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 4.0, 6.0, 8.0])
    with pytest.raises(RuntimeError, match="view of a leaf tensor that requires grad"):
        x.reshape(2, 2).reshape(4).mul_(1.5)
    h = x * 2
    middle = h.view(2, 2)
    inner = middle[1]
    del h  # the middle view outlives the first tensor: still tied to the inner one
    inner += 1
    middle *= 2
    assert middle.tolist() == [[4.0, 8.0], [14.0, 18.0]] and inner.tolist() == [14.0, 18.0]
    x.grad = None
    (middle.sum() + inner.sum()).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 4.0, 8.0, 8.0])


def test_clone_owns_its_memory():
    x = leaf([1.0, 2.0])
    c = x.clone()
    c += 1
    np.testing.assert_array_equal(x.numpy(), [1.0, 2.0])
    c.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 1.0])


# --------------------------------------------------------------------------- writes around the API
def test_writing_a_saved_leaf_through_data_raises_at_the_write():
    x = leaf([1.0, 2.0, 3.0])
    y = (x**2).sum()
    with pytest.raises(ValueError, match="read-only"):
        x.numpy()[...] = 10  # the example: was silently 20, 40, 60
    with pytest.raises(ValueError, match="read-only"):
        x.numpy()[0] = 10  # a NumPy view taken afterwards is read-only too
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0, 6.0])
    x.numpy()[...] = 10  # the graph is released: writeable again
    assert x.numpy().flags.writeable


def test_writing_a_saved_activation_around_the_graph_raises():
    a = leaf([0.5, -1.0]).sigmoid()
    with pytest.raises(ValueError, match="read-only"):
        np.multiply(a.numpy(), 0.5, out=a.numpy())  # NumPy: refused at the write
    a.data *= 0.5  # .data: a Tensor write, counted by the version check, refused at backward
    assert a.numpy().tolist() == pytest.approx([0.5 / (1 + np.exp(-0.5)), 0.5 / (1 + np.exp(1.0))])
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        a.sum().backward()


def test_the_array_a_tensor_was_made_from_is_locked_too():
    base = np.arange(6.0)
    x = Tensor(base[2:], requires_grad=True)
    loss = (x * x).sum()
    with pytest.raises(ValueError, match="read-only"):
        base[3] = 0.0
    loss.backward()
    base[3] = 0.0
    assert x.numpy()[1] == 0.0


def test_locks_are_released_when_an_unused_graph_is_dropped():
    x = leaf([1.0, 2.0])
    y = (x * x).sum()
    assert not x.numpy().flags.writeable
    del y  # (released at once, by reference counting: no gc.collect, which took 0.4 s in a full run)
    assert x.numpy().flags.writeable


def test_a_users_read_only_array_stays_read_only():
    array = np.array([1.0, 2.0])
    array.flags.writeable = False
    x = Tensor(array, requires_grad=True)
    (x * x).sum().backward()
    assert not array.flags.writeable
    with pytest.raises(RuntimeError, match="read-only"):
        Tensor(array).add_(1)


def test_optimizers_update_parameters_a_live_graph_saved():
    w = leaf([1.0, 2.0])
    opt = SGD(mt.param_pairs([w]), lr=0.5)
    stale = (w * w).sum()  # an evaluation kept alive, never differentiated
    loss = (w * 3).sum()
    loss.backward()
    opt.step()  # the graph of `stale` has w locked: the update still goes through
    np.testing.assert_allclose(w.numpy(), [-0.5, 0.5])
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        stale.backward()


def test_retained_graph_then_update_then_backward_raises():
    w = leaf([1.0, 2.0])
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    with mt.no_grad():
        w -= 0.1 * w.grad
    with pytest.raises(RuntimeError, match="version 1; expected version 0"):
        loss.backward()


# --------------------------------------------------------------------------- PyTorch, where installed
def test_in_place_gradients_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    a0, b0 = rng.standard_normal(5), rng.standard_normal(5)

    def program(a, b):
        h = a * b
        h += a.exp()
        h.mul_(b)
        h[1:4] = h[1:4] * 3
        h.clamp_(min=-0.5, max=2.0)
        h.sub_(b)
        return (h * h).sum()

    a, b = leaf(a0), leaf(b0)
    program(a, b).backward()
    ta = torch.tensor(a0, requires_grad=True)
    tb = torch.tensor(b0, requires_grad=True)
    program(ta, tb).backward()
    np.testing.assert_allclose(a.grad.numpy(), ta.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_an_element_taken_by_indexing_is_a_view_as_in_pytorch():
    # x[0] of a 1-D tensor (and unbind's pieces) used to be a copy: x[0].mul_(2) left x as it was.
    x = mt.tensor([1.0, 2.0, 3.0])
    x[0].mul_(2)
    x.unbind(0)[1].add_(10)
    last = x[-1]
    last += 100
    assert x.tolist() == [2.0, 12.0, 103.0]
    values = x.max(0).values  # a new tensor, as in PyTorch: writing it leaves x alone
    values.zero_()
    x.min(0)[0].fill_(5)
    assert x.tolist() == [2.0, 12.0, 103.0]
    x[mt.tensor(1)].fill_(7)  # a 0-d integer tensor indexes as an int does: a view
    assert x.tolist() == [2.0, 7.0, 103.0]
    z = mt.zeros(2, 2)
    z[1, 1].fill_(5)
    z[0][1].fill_(7)
    assert z.tolist() == [[0.0, 7.0], [0.0, 5.0]]
    element = z[1, 0]
    z.add_(1)  # and the element sees a write into the tensor
    assert element.item() == 1.0
    w = mt.tensor([1.0, 2.0], requires_grad=True)
    h = w * 1
    h[0].mul_(3)  # recorded on h, as PyTorch rebases h's graph
    assert h.tolist() == [3.0, 2.0]
    h.sum().backward()
    assert w.grad.tolist() == [3.0, 1.0]


def test_two_in_place_updates_of_a_0d_loss_differentiate():
    # loss.div_(2); loss.mul_(3): the second update's backward got a NumPy scalar as the first's
    # gradient and died with "'numpy.float64' object does not support item assignment".
    x = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    loss = (x * x).sum()
    loss.div_(2)
    loss.mul_(3)
    loss += 1
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 6.0])


def test_add_and_sub_in_place_take_alpha_as_in_pytorch():
    # The hand-written update p.add_(p.grad, alpha=-lr) raised a TypeError.
    w = mt.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with mt.no_grad():
        w.add_(w.grad, alpha=-0.1)
        w.sub_(2, alpha=0.5)
    np.testing.assert_allclose(w.numpy(), [1.0 - 0.2 - 1.0, 2.0 - 0.4 - 1.0], rtol=1e-6)
    x = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    z = mt.tensor([3.0, 4.0], dtype=mt.float64, requires_grad=True)
    y = x * 1
    y.add_(z * z, alpha=2)
    y.sub_(x, alpha=3)
    y.sum().backward()
    np.testing.assert_array_equal(y.numpy(), [16.0, 28.0])
    np.testing.assert_array_equal(x.grad.numpy(), [-2.0, -2.0])
    np.testing.assert_array_equal(z.grad.numpy(), [12.0, 16.0])
    assert int(mt.tensor(3.7)) == 3 and int((mt.tensor([1, 2]) == 1).sum()) == 1


def test_holding_many_views_of_one_tensor_costs_o1_per_view(monkeypatch):
    # Each element of a 1-D tensor is a view: unbind(0) or [t[i] for i in ...] on n elements read
    # every earlier view's weak reference at every new one (n**2 / 2 reads: seconds at n = 8000).
    class CountingRef(weakref.ref):
        reads = 0

        def __call__(self):
            CountingRef.reads += 1
            return super().__call__()

    monkeypatch.setattr(mytorch.tensor, "weakref", types.SimpleNamespace(ref=CountingRef))
    n = 2000
    t = mt.arange(float(n))
    pieces = [*t.unbind(0), *(t[i] for i in range(n))]
    assert len(pieces) == 2 * n and CountingRef.reads < 8 * n
    w = mt.tensor([1.0, 2.0], requires_grad=True) * 1
    kept = [w[0] for _ in range(100)]
    w.mul_(2)  # the views are still known: each takes the change into its history
    assert len(kept) == 100 and all(k.item() == 2.0 for k in kept)
    sum(kept).backward()
    assert kept[0].grad_fn is None  # (released)


def test_clamp_in_place_with_tensor_bounds_gives_the_bounds_their_gradients():
    """``clamp_(min=m)`` with a bound m that requires grad recorded the clamp with m as a constant:
    m.grad stayed None (and nothing was recorded at all when the clamped tensor did not require
    grad). PyTorch's gradients: the bound's where the result is the bound, x's where
    min <= x <= max (a tie goes to x)."""
    m = mt.tensor([2.0, 2.0, 2.0], requires_grad=True)
    buf = mt.tensor([1.0, 2.0, 3.0])
    buf.clamp_(min=m)
    (buf * buf).sum().backward()
    np.testing.assert_array_equal(buf.detach().numpy(), [2.0, 2.0, 3.0])
    np.testing.assert_array_equal(m.grad.numpy(), [4.0, 0.0, 0.0])  # d(m^2)/dm where m was taken
    top = mt.tensor([2.0, 2.0, 2.0], requires_grad=True)
    w = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = w * 1
    h.clamp_(min=mt.tensor([1.5, 1.5, 1.5]), max=top)
    (h * h).sum().backward()
    np.testing.assert_array_equal(h.detach().numpy(), [1.5, 2.0, 2.0])
    np.testing.assert_array_equal(top.grad.numpy(), [0.0, 0.0, 4.0])
    np.testing.assert_array_equal(w.grad.numpy(), [0.0, 4.0, 0.0])


def test_in_place_takes_the_operand_into_the_tensors_dtype_first_as_out_of_place():
    """float32 += int64 and float16 += a 0-d float64 tensor: the operand is rounded to the tensor's
    dtype first, as PyTorch and t + other do (computed in float64 and rounded once, 0.5 + 16777217
    gave 16777218, and 0.69824 + 1.7403 in float16 2.44, PyTorch's 2.438)."""
    t, i = Tensor(np.full(2, 0.5, np.float32)), Tensor(np.array([2**24 + 1, 3]))
    h, s = Tensor(np.array([0.6982421875, 1.0], np.float16)), Tensor(np.array(1.7403))
    expected = [(t + i).numpy(), (h + s).numpy()]
    t += i
    h += s
    np.testing.assert_array_equal(t.numpy(), [16777216.0, 3.5])
    np.testing.assert_array_equal(h.numpy(), np.array([2.438, 2.74], np.float16))
    for got, want in zip((t.numpy(), h.numpy()), expected):
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes()


def test_shape_changing_in_place_methods_match_pytorch():
    torch = pytest.importorskip("torch")
    values = np.arange(6.0).reshape(1, 2, 3)
    weights = np.linspace(-1.0, 1.0, 6)
    steps = [("squeeze_", (0,)), ("t_", ()), ("unsqueeze_", (2,)), ("transpose_", (0, 2)), ("swapdims_", (1, 2))]
    grads, shapes = {}, {}
    for lib in (torch, mt):
        w = lib.tensor(values, requires_grad=True)
        h = w * 2
        out = h
        for name, args in steps:
            assert getattr(h, name)(*args) is h
        shapes[lib] = tuple(h.shape)
        (out * lib.tensor(weights.reshape(h.shape))).sum().backward()
        grads[lib] = w.grad.numpy()
        with pytest.raises(RuntimeError, match="leaf"):
            w.unsqueeze_(0)
        with lib.no_grad():
            w.squeeze_()
        assert tuple(w.shape) == (2, 3) and w.is_leaf
    assert shapes[mt] == shapes[torch] == (1, 3, 2)
    np.testing.assert_array_equal(grads[mt], grads[torch])
    w = mt.tensor(values[0], requires_grad=True)
    h = w * 2
    with mt.no_grad():  # still recorded (h's graph would lose it); PyTorch's graph keeps h's old shape
        h.t_()
    (h * mt.tensor(weights.reshape(h.shape))).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), 2 * weights.reshape(3, 2).T)
    base = mt.arange(6.0).reshape(2, 3)
    row = base[0]
    row.unsqueeze_(0)  # a view: only its own shape changes
    assert row.shape == (1, 3) and base.shape == (2, 3) and np.shares_memory(row.numpy(), base.numpy())
    with pytest.raises(ValueError, match="at most 2 axes"):
        mt.ones(2, 3, 4).t_()


# --------------------------------------------------------------------------- indices, masks, labels
# Each program: w's shape, and w -> (result, the index, mask, labels or exponent its backward reads). A
# write into that tensor between the forward and the backward moved the gradient to other
# elements, silently: for w.gather(1, idx) then idx.fill_(0), w.grad was [[8, 0, 0], [20, 0, 0]]
# where the forward read [[1, 3], [5, 5]] (the right gradient is [[2, 0, 6], [0, 20, 0]]; PyTorch
# raises).
def _ramp(n):
    return mt.arange(n, dtype=mt.float64)


def _zeros(*shape):
    return mt.zeros(*shape, dtype=mt.float64)


def _mask():
    return mt.tensor(np.arange(12).reshape(3, 4) % 3 == 0)


def _pairs():
    return mt.tensor([[0, 2], [1, 1], [3, 0]])


_READ_AGAIN = {
    "gather": ((3, 4), lambda w: (w.gather(1, i := _pairs()), i)),
    "index_select": ((3, 4), lambda w: (w.index_select(1, i := mt.tensor([0, 2, 2])), i)),
    "getitem": ((3, 4), lambda w: (w[i := mt.tensor([0, 2, 2])], i)),
    "getitem pair": ((3, 4), lambda w: (w[mt.tensor([0, 2, 2]), i := mt.tensor([1, 1, 3])], i)),
    "getitem mask": ((3, 4), lambda w: (w[m := mt.tensor([True, False, True])], m)),
    "take": ((3, 4), lambda w: (w.take(i := mt.tensor([0, 5, 5, 11])), i)),
    "embedding": ((5, 3), lambda w: (mt.nn.functional.embedding(i := mt.tensor([0, 4, 4]), w), i)),
    "where": ((3, 4), lambda w: (mt.where(c := _mask(), w, 2 * w), c)),
    "masked_fill": ((3, 4), lambda w: (w.masked_fill(c := _mask(), 0.0), c)),
    "scatter": ((3, 2), lambda w: (_zeros(3, 4).scatter(1, i := mt.tensor([[0, 2], [1, 3], [3, 0]]), w), i)),
    "scatter_add": ((3, 2), lambda w: (_zeros(3, 4).scatter_add(1, i := _pairs(), w), i)),
    "index_add": ((3, 2), lambda w: (_zeros(3, 4).index_add(1, i := mt.tensor([0, 3]), w), i)),
    "index_copy": ((3, 2), lambda w: (_zeros(3, 4).index_copy(1, i := mt.tensor([0, 3]), w), i)),
    "index_put": ((2,), lambda w: (_zeros(4).index_put((i := mt.tensor([0, 3]),), w), i)),
    "sort": ((5,), lambda w: ((s := w.sort())[0] * _ramp(5), s[1])),
    "topk": ((5,), lambda w: ((s := w.topk(3))[0] * _ramp(3), s[1])),
    "kthvalue": ((3, 4), lambda w: ((s := w.kthvalue(2, 1))[0] * _ramp(3), s[1])),
    "cummax": ((3, 4), lambda w: ((s := w.cummax(1))[0] * _ramp(4), s[1])),
    "nll_loss": ((3, 4), lambda w: (mt.nn.functional.nll_loss(w, i := mt.tensor([0, 3, 1])), i)),
    "multi_margin_loss": ((3, 4), lambda w: (mt.nn.functional.multi_margin_loss(w, i := mt.tensor([0, 3, 1])), i)),
    # a float exponent tensor: for w ** p then p.mul_(2), w.grad was 2p w ** (2p - 1)
    "pow exponent": ((4,), lambda w: ((w * w + 0.5) ** (p := mt.tensor([2.0, 3.0, 0.5, -1.0], dtype=mt.float64)), p)),
    "pow 0-d exponent": ((4,), lambda w: (mt.pow(w * w + 0.5, p := mt.tensor(1.5, dtype=mt.float64)), p)),
}


def _changed(t):
    with mt.no_grad():
        if t.dtype == mt.bool:
            t.logical_not_()
        elif t.ndim == 0:
            t.mul_(2)
        else:
            t.copy_(t.flip(-1))


@pytest.mark.parametrize("name", sorted(_READ_AGAIN))
def test_an_index_mask_or_labels_written_before_backward_raises(name):
    shape, program = _READ_AGAIN[name]
    w0 = np.random.default_rng(0).standard_normal(shape)
    w = Tensor(w0.copy(), requires_grad=True)
    out, aux = program(w)
    loss = (out * out).sum()
    _changed(aux)
    with pytest.raises(RuntimeError, match="in-place operation: its parameter"):
        loss.backward()
    # unwritten, the gradient is that of the forward (central differences)
    w = Tensor(w0.copy(), requires_grad=True)
    out, aux = program(w)
    (out * out).sum().backward()

    def f(a):
        with mt.no_grad():
            return float((program(Tensor(a))[0] ** 2).sum())

    (expected,) = central_differences(f, [w0])
    np.testing.assert_allclose(w.grad.numpy(), expected, rtol=1e-6, atol=1e-7)
    # the lock ends with the graph: the tensor takes writes again, in place and through NumPy
    _changed(aux)
    aux.numpy()[...] = aux.numpy()


def test_an_index_rewritten_through_numpy_while_its_graph_lives_raises_at_the_write():
    w = Tensor(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), requires_grad=True)
    idx = mt.tensor([[0, 2], [1, 1]])
    y = w.gather(1, idx)
    with pytest.raises(ValueError, match="read-only"):
        idx.numpy()[0, 0] = 1
    (y * y).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [[2.0, 0.0, 6.0], [0.0, 20.0, 0.0]])  # 2 w where read


def test_an_index_written_before_backward_raises_in_pytorch_too():
    torch = pytest.importorskip("torch")
    for lib in (mt, torch):
        w = lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=lib.float64, requires_grad=True)
        idx = lib.tensor([[0, 2], [1, 1]])
        y = w.gather(1, idx)
        idx.fill_(0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation|modified by an in-place operation"):
            (y * y).sum().backward()


def test_the_saves_pass_over_exactly_the_kernels_own_arrays():
    # saved._KERNELS_OWN names the keyword parameters a kernel fills itself (its output, its cache),
    # which the version saves pass over; it must stay F.CACHED_PARAMS (the table's caches) and out:
    # a new kernel's cache missing there would be saved and made read-only while the graph lives,
    # and a name there that no kernel fills would leave a user's array of that name unchecked
    from mytorch import saved
    from mytorch.nn import functional as F

    caches = {k.caches for k in F.KERNELS.values() if k.caches is not None}
    assert caches == set(F.CACHED_PARAMS)
    assert saved._KERNELS_OWN == F.CACHED_PARAMS | {"out"}


@pytest.mark.parametrize("how", ["t_", "transpose_", "swapaxes_", "swapdims_"])
def test_a_saved_square_leaf_transposed_in_place_before_backward_raises(how):
    """``w.t_()`` under ``no_grad`` between the forward and the backward: the backward, which reads
    the leaf's current array, read w's values transposed and gave w.grad = 2 w.T for (w * w).sum()
    (the forward's gradient is 2 w), silently; PyTorch's t_() bumps the version and its backward
    raises. Before a forward, or on a leaf no graph saved, it is the plain layout change."""
    values = np.arange(9.0).reshape(3, 3)
    w = Tensor(values.copy(), requires_grad=True)
    y = (w * w).sum()
    args = () if how == "t_" else (0, 1)
    with mt.no_grad():
        getattr(w, how)(*args)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()
    np.testing.assert_array_equal(w.numpy(), values.T)
    (w * w).sum().backward()  # a graph made after the change: 2 w in the new layout
    np.testing.assert_array_equal(w.grad.numpy(), 2 * values.T)


def test_a_saved_square_leaf_transposed_in_place_raises_in_pytorch_too():
    torch = pytest.importorskip("torch")
    w = torch.nn.Parameter(torch.arange(9.0, dtype=torch.float64).reshape(3, 3))
    y = (w * w).sum()
    with torch.no_grad():
        w.t_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


IN_PLACE_AS_COPY = {  # the in-place methods written as copy_ of a function of self
    "absolute_": (),
    "clip_": (-0.5, 1.0),
    "renorm_": (2, 0, 1.0),
    "nan_to_num_": (),
}


@pytest.mark.parametrize("name", sorted(IN_PLACE_AS_COPY))
def test_in_place_methods_written_as_copy_differentiate_twice(name):
    """``absolute_``, ``clip_`` and ``renorm_`` of a result in the graph: the function read self's
    array, which ``copy_`` then overwrote, so ``backward`` raised "modified by an in-place
    operation" until 2026-12-04; now the gradient and its derivative are central differences'."""
    x0 = np.array([[0.5, -1.0, 1.7], [0.3, 2.0, -0.4]])
    w, v = np.array([[1.0, 2.0, -1.0], [3.0, 4.0, 0.5]]), np.array([[0.3, -1.0, 0.7], [2.0, 1.0, -0.2]])

    def loss(x, library=mt):
        a = x * 1.0
        getattr(a, name)(*IN_PLACE_AS_COPY[name])
        return (a * a * library.tensor(w)).sum()

    x = leaf(x0)
    (g,) = mt.autograd.grad(loss(x), x, create_graph=True)
    (h,) = mt.autograd.grad((g * Tensor(v)).sum(), x)

    def gradient(a):
        t = leaf(a)
        return mt.autograd.grad(loss(t), t)[0].numpy()

    (first,) = central_differences(lambda a: loss(Tensor(a)).item(), [x0])
    np.testing.assert_allclose(g.detach().numpy(), first, rtol=1e-6)
    numeric = (gradient(x0 + 1e-6 * v) - gradient(x0 - 1e-6 * v)) / 2e-6
    np.testing.assert_allclose(h.numpy(), numeric, rtol=1e-5, atol=1e-7)
    try:
        import torch
    except ImportError:  # pragma: no cover - PyTorch is optional
        return
    t = torch.tensor(x0, requires_grad=True)
    (tg,) = torch.autograd.grad(loss(t, torch), t, create_graph=True)
    (th,) = torch.autograd.grad((tg * torch.tensor(v)).sum(), t)
    np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(h.numpy(), th.numpy(), rtol=1e-12, atol=1e-15)


def test_setitem_with_integer_indices_refuses_a_value_it_would_truncate():
    """t[idx] = v with an index of integers wrote a float tensor into an int64 one truncated
    (labels[[0]] = tensor([2.7]) stored 2); PyTorch's index put refuses another dtype. A mask, a
    slice or a number still writes as PyTorch's does (truncating), and float64 into float32 rounds."""
    for index in ([0], mt.tensor([0]), (mt.tensor([0]),), np.array([0])):
        labels = mt.tensor([1, 2, 3])
        with pytest.raises(TypeError, match="index of integers a value of dtype float32 cannot be written"):
            labels[index] = mt.tensor([2.7])
        assert labels.tolist() == [1, 2, 3]
    flags = mt.tensor([True, False])
    with pytest.raises(TypeError, match="dtype int64 cannot be written into a tensor of dtype bool"):
        flags[[1]] = mt.tensor([3])
    labels = mt.tensor([1, 2, 3])
    labels[mt.tensor([True, False, False])] = mt.tensor([2.7])
    labels[1:2] = mt.tensor([5.5])
    labels[mt.tensor([2])] = 9
    assert labels.tolist() == [2, 5, 9]
    singles = mt.tensor([1.0, 2.0])
    singles[[0]] = mt.tensor([0.1], dtype=mt.float64)
    assert singles.dtype == mt.float32 and singles[0].item() == np.float32(0.1)


def test_a_binary_in_place_op_whose_other_operand_alone_requires_grad():
    # y.atan2_(x) with only x requiring grad: the backward read y after the write and raised
    # "modified by an in-place operation" until 2026-12-05; PyTorch's keeps the old y
    y0, x0 = np.array([1.0, -2.0, 0.5]), np.array([0.5, 3.0, -1.5])
    expected = {
        "atan2_": -y0 / (x0**2 + y0**2),  # d/dx atan2(y, x)
        "hypot_": x0 / np.hypot(y0, x0),
        "xlogy_": y0 / x0,
        "copysign_": np.zeros(3),
    }
    for name, slope in expected.items():
        x = mt.tensor(np.abs(x0) if name == "xlogy_" else x0, requires_grad=True)
        y = mt.tensor(y0)
        assert getattr(y, name)(x) is y and y.grad_fn is not None
        y.sum().backward()
        want = y0 / np.abs(x0) if name == "xlogy_" else slope
        np.testing.assert_allclose(x.grad.numpy(), want, rtol=1e-12, err_msg=name)

"""grad_fn, next_functions, retain_grad and register_hook (mytorch/tensor_graph.py).
The same graphs against PyTorch are in tests/test_torch_crosscheck.py."""

import copy
import gc
import os
import pickle
import subprocess
import sys
import weakref

import numpy as np
import pytest

import mytorch as mt


def walk(node):
    """Every node reachable from ``node`` through next_functions, by name, depth first."""
    seen, names, stack = set(), [], [node]
    while stack:
        n = stack.pop()
        if n is None or id(n) in seen:
            continue
        seen.add(id(n))
        names.append(n.name())
        stack.extend(child for child, _ in n.next_functions)
    return names


def test_grad_fn_has_pytorchs_name_and_leads_to_the_leaves():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    w = mt.tensor([0.5, -1.0], requires_grad=True)
    loss = ((x * w).exp() + 1.0).sum()
    assert x.grad_fn is None and mt.tensor([1.0]).grad_fn is None
    assert loss.grad_fn.name() == "SumBackward0" and loss.grad_fn.kernel == "sum"
    ((add, _),) = loss.grad_fn.next_functions
    assert add.name() == "AddBackward0"
    (exp, _), (constant, _) = add.next_functions
    assert exp.name() == "ExpBackward0" and constant is None
    ((mul, _),) = exp.next_functions
    leaves = [node.variable for node, _ in mul.next_functions]
    assert leaves[0] is x and leaves[1] is w
    assert walk(loss.grad_fn) == [
        "SumBackward0",
        "AddBackward0",
        "ExpBackward0",
        "MulBackward0",
        "AccumulateGrad",
        "AccumulateGrad",
    ]


def test_grad_fn_names_are_pytorchs_for_common_operations():
    torch = pytest.importorskip("torch")
    ops = {
        "+": lambda x, v, m, lib: x + 2,
        "-": lambda x, v, m, lib: x - x,
        "/": lambda x, v, m, lib: x / 3,
        "**": lambda x, v, m, lib: x**2,
        "tanh relu sigmoid": lambda x, v, m, lib: x.tanh().relu().sigmoid(),
        "log1p": lambda x, v, m, lib: x.abs().log1p(),
        "sum": lambda x, v, m, lib: x.sum(),
        "sum(dim)": lambda x, v, m, lib: x.sum(1),
        "mean(dim)": lambda x, v, m, lib: x.mean(0),
        "max": lambda x, v, m, lib: x.max(),
        "mm": lambda x, v, m, lib: x @ m,
        "dot": lambda x, v, m, lib: v @ v,
        "mv": lambda x, v, m, lib: x @ v,
        "linear": lambda x, v, m, lib: lib.nn.functional.linear(x, m.T, m[0]),
        "view": lambda x, v, m, lib: x.reshape(6),
        "t": lambda x, v, m, lib: x.t(),
        "transpose": lambda x, v, m, lib: x.transpose(0, 1),
        "softmax": lambda x, v, m, lib: x.softmax(1),
        "log_softmax": lambda x, v, m, lib: lib.nn.functional.log_softmax(x, 1),
        "cross_entropy": lambda x, v, m, lib: lib.nn.functional.cross_entropy(x, x.detach().argmax(1)),
        "mse_loss": lambda x, v, m, lib: lib.nn.functional.mse_loss(x, x.detach()),
        "cat": lambda x, v, m, lib: lib.cat([x, x]),
        "float": lambda x, v, m, lib: x.float(),
    }
    names = {}
    for lib in (torch, mt):
        x = lib.tensor(np.linspace(-1.0, 1.0, 6).reshape(2, 3), requires_grad=True)
        v = lib.tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
        m = lib.tensor(np.ones((3, 3)), requires_grad=True)
        names[lib] = {op: f(x, v, m, lib).grad_fn.name() for op, f in ops.items()}
    assert names[mt] == names[torch]
    assert names[mt]["mm"] == "MmBackward0" and mt.tensor([1.0], requires_grad=True).exp().grad_fn.kernel == "exp"


def test_grad_fn_of_a_shared_input_is_one_node():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    h = x.tanh()
    y = h * h
    (a, _), (b, _) = y.grad_fn.next_functions
    assert a is b and a is h.grad_fn and a.name() == "TanhBackward0"


def test_one_operation_is_one_node_object_as_in_pytorch():
    # PyTorch code may walk a graph remembering id(node): each node must be one object while
    # held, and a node must hold the nodes it leads to (else a dropped node's id is reused
    # by the next one made, and the walk skips it)
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    loss = (h.sin() * h.cos()).sum()
    assert loss.grad_fn is loss.grad_fn and h.grad_fn is h.grad_fn
    ((mul, _),) = loss.grad_fn.next_functions
    (sin, _), (cos, _) = mul.next_functions
    assert sin.next_functions[0][0] is cos.next_functions[0][0] is h.grad_fn
    (leaf, _) = h.grad_fn.next_functions[0]
    assert leaf is h.grad_fn.next_functions[0][0] and leaf.variable is x
    assert sorted(walk(loss.grad_fn)) == sorted(
        ["SumBackward0", "MulBackward0", "SinBackward0", "CosBackward0", "ExpBackward0", "AccumulateGrad"]
    )


def test_a_node_held_while_its_graph_joins_another_still_leads_to_its_inputs():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = mt.tensor([3.0, 4.0], requires_grad=True)
    a = (x * 2).exp()
    node = a.grad_fn
    joined = a + y.sin().cos().tanh()  # the larger graph takes a's operations
    ((mul, _),) = node.next_functions
    assert mul.name() == "MulBackward0" and mul.next_functions[0][0].variable is x
    assert joined.grad_fn.next_functions[0][0] is node


def test_retain_grad_keeps_an_intermediate_gradient():
    x = mt.tensor([1.0, -2.0, 3.0], requires_grad=True)
    h = x * 2
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(np.asarray(h.grad), 2 * (2 * x.numpy()))
    np.testing.assert_allclose(np.asarray(x.grad), 8 * x.numpy())


def test_a_retained_gradient_follows_the_tensor_through_in_place_changes():
    """``.grad`` of a tensor that retains it is the gradient of the value it holds at backward,
    as PyTorch's: an in-place change moves the retained gradient to the new value (it stayed
    on the old one: 36, 72 below for PyTorch's 12, 24); the hooks registered before the change
    stay on the old value, those after run on the new one before the gradient is kept. (A change
    of shape in place, ``unsqueeze_``, ``t_``, leaves it on the old value, as in PyTorch.)"""
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    h.retain_grad()
    h.mul_(3)  # h = 6x, loss = sum(h^2): dloss/dh = 2h = 12x
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), [12.0, 24.0])
    np.testing.assert_allclose(x.grad.numpy(), [72.0, 144.0])

    x = mt.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    h.retain_grad()
    h.register_hook(lambda g: g * 10)  # on the old value: scales x's gradient, not h.grad
    h[0] = 7.0
    h.add_(x)  # h = [7 + x0, 3 x1] = [8, 6]
    h.register_hook(lambda g: g + 1)  # on the new value: 2h + 1, which flows on
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), [17.0, 13.0])
    np.testing.assert_allclose(x.grad.numpy(), [17.0, 13.0 + 10 * 2 * 13.0])


def test_retained_gradient_accumulates_over_backward_calls():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    h.retain_grad()
    y = h.sum()
    y.backward(retain_graph=True)
    first = h.grad
    y.backward()
    np.testing.assert_allclose(np.asarray(h.grad), [2.0, 2.0])
    np.testing.assert_allclose(np.asarray(first), [1.0, 1.0])  # a new .grad, as PyTorch's (a leaf's adds in place)


def test_a_hook_sees_the_whole_gradient_and_may_replace_it():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    seen = []
    h.register_hook(lambda g: seen.append(g.numpy().copy()))
    h.register_hook(lambda g: g * 10)
    h.retain_grad()
    (h * h + h).sum().backward()  # h feeds two operations: the hook sees their sum once
    expected = 2 * h.numpy() + 1
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], expected)
    np.testing.assert_allclose(np.asarray(h.grad), 10 * expected)  # retained after the hooks
    np.testing.assert_allclose(np.asarray(x.grad), 30 * expected)


def test_removed_hooks_and_leaf_hooks():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    handle = x.register_hook(lambda g: g * 0)
    doubled = x.register_hook(lambda g: g * 2)
    handle.remove()
    handle.remove()
    (x * x).sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), 4 * x.numpy())
    doubled.remove()


def test_a_leaf_whose_hook_refers_to_it_is_collected_and_a_copy_has_no_hooks():
    # Until 2026-12-03 a table of MyTorch's held the hooks of leaves: a leaf that its own hook
    # referred to was never freed (PyTorch's garbage collector frees it)
    gc.disable()  # (no automatic collection moves the cycle out of the youngest generation)
    try:
        w = mt.tensor([1.0, 2.0], requires_grad=True)
        w.register_hook(lambda g, w=w: g + 0 * w.detach())  # (a default argument: del w leaves it in the hook)
        gone = weakref.ref(w)
        del w
        gc.collect(0)
    finally:
        gc.enable()
    assert gone() is None
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g * 2)
    copied = copy.deepcopy(x)  # PyTorch's deepcopy leaves the hooks behind too
    (copied * copied).sum().backward()
    np.testing.assert_allclose(copied.grad.numpy(), [2.0, 4.0])
    unpickled = pickle.loads(pickle.dumps(x))  # a lambda hook (pickle cannot write one) stays behind
    assert unpickled.requires_grad and unpickled.tolist() == [1.0, 2.0]
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 8.0])  # the original keeps its hook


_HOOKED_LEAVES_AT_EXIT = """
import sys, threading, time
import mytorch
def hooked():
    w = mytorch.tensor([1.0, 2.0], requires_grad=True)
    w.register_hook(lambda g: g * w.detach())  # the hook refers to its leaf
    return w
(hooked() ** 2).sum().backward()
sys.kept = hooked()  # sys's names are cleared last of all at exit
def wait():
    time.sleep(60)
# A thread still running at exit keeps its globals, and so mytorch's modules, past the
# interpreter's last garbage collection: their names are set to None before the leaves go
threading.Thread(target=wait, daemon=True).start()
print("done")
"""


def test_leaves_with_hooks_alive_at_interpreter_exit_print_nothing():
    # The table of leaf hooks was looked up by name when a leaf went, after exit had set it to
    # None: "Exception ignored in: <function _leaf_hooks.<locals>.<lambda>> ... AttributeError"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", _HOOKED_LEAVES_AT_EXIT], capture_output=True, text=True, env=env, timeout=120
    )
    assert (done.returncode, done.stdout, done.stderr) == (0, "done\n", "")


def test_hook_misuse_is_refused():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="callable"):
        x.register_hook(3)
    with pytest.raises(RuntimeError, match="does not require a gradient"):
        mt.tensor([1.0]).register_hook(print)
    h = x * 2
    h.register_hook(lambda g: mt.zeros(3))
    with pytest.raises(ValueError, match="returned shape"):
        h.sum().backward()
    # A float32 gradient from a hook on a float64 tensor rounded it silently; PyTorch refuses it.
    d = mt.tensor([1.0, 1e-9], dtype=mt.float64, requires_grad=True) * 1
    d.register_hook(lambda g: (g + 1e-9).float())
    with pytest.raises(TypeError, match="returned dtype float32"):
        d.sum().backward()
    y = (x * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="released"):
        y.retain_grad()


def test_hooks_see_the_gradient_in_the_tensors_own_dtype():
    # A float32 leaf (and a float32 intermediate) under a float64 loss: PyTorch's hooks get
    # float32 gradients; MyTorch's got the engine's float64 ones.
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    seen = []
    x.register_hook(lambda g: seen.append(("x", g.dtype)))
    h.register_hook(lambda g: seen.append(("h", g.dtype)))
    loss = (h * mt.tensor([0.5, 0.25], dtype=mt.float64)).sum()
    assert loss.dtype == np.float64
    loss.backward()
    assert sorted(seen) == [("h", np.float32), ("x", np.float32)]
    np.testing.assert_array_equal(x.grad.data, np.array([1.5, 0.75], dtype=np.float32))


def test_leaf_hooks_run_in_grad_in_a_recorded_backward_and_on_a_leafs_own_backward():
    # They ran only in a plain backward through a graph: mytorch.grad, backward(create_graph=True)
    # and x.backward() on the leaf itself gave the gradient without the hook, silently.
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x.register_hook(lambda g: g * 3)
    (g,) = mt.grad((x * x).sum(), x)
    np.testing.assert_allclose(g.numpy(), 6 * x.numpy())
    (x**3).sum().backward(create_graph=True)
    np.testing.assert_allclose(x.grad.numpy(), 9 * x.numpy() ** 2)
    x.grad = None
    x.backward(mt.tensor([1.0, 1.0, 2.0]))
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0, 6.0])


def test_a_hook_in_a_recorded_backward_stays_in_the_graph():
    # y = x², z = Σ y², y's hook multiplies by 5: dz/dx = 20 x³. Its derivative passes y's hook
    # again: 20 y + 5 * 20 x * 2x = 220 x² (PyTorch's number). The hook's result left the graph
    # (an array), so the second derivative lost the path through y: 20 x².
    for recorded_backward in (False, True):
        x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x**2
        y.register_hook(lambda g: g * 5)
        z = (y**2).sum()
        if recorded_backward:
            z.backward(create_graph=True)
            g = x.grad
        else:
            (g,) = mt.grad(z, x, create_graph=True)
        np.testing.assert_allclose(g.numpy(), 20 * x.numpy() ** 3)
        (second,) = mt.grad(g.sum(), x)
        np.testing.assert_allclose(second.numpy(), 220 * x.numpy() ** 2)


def test_a_hook_given_the_seed_in_a_recorded_backward_is_differentiated_through():
    # y = x³ under z = Σ y, y's hook returns g * x: dz/dx = 3x³, d/dx Σ 3x³ = 9x² (PyTorch's). The
    # hook got the seed, an array, and its result was taken as an array: 6x² (and for y = x * 1
    # the second grad raised 'output 0 does not require a gradient'; PyTorch: 1).
    for power, first, second in ((3, [3.0, 24.0], [9.0, 36.0]), (1, [1.0, 2.0], [1.0, 1.0])):
        x = mt.tensor([1.0, 2.0], requires_grad=True)
        y = x**3 if power == 3 else x * 1.0
        y.register_hook(lambda g, x=x: g * x)
        (g,) = mt.grad(y.sum(), x, create_graph=True)
        np.testing.assert_allclose(g.numpy(), first)
        np.testing.assert_allclose(mt.grad(g.sum(), x)[0].numpy(), second)


def test_grad_runs_the_hooks_and_retained_gradients_on_the_way_to_its_inputs_only():
    # As in PyTorch, mytorch.grad(loss, [h]) stops at h: what lies below h (here g) is not
    # differentiated, so g's hook does not run and g.grad stays None (they ran: the walk went on
    # to the leaves). h's own hook and retained gradient do run, and h's gradient is the
    # hook's result, as PyTorch gives it.
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    g = x * 2
    seen = []
    g.register_hook(lambda grad: seen.append(grad))
    g.retain_grad()
    h = g.exp()
    h.register_hook(lambda grad: grad * 3)
    h.retain_grad()
    (dh,) = mt.grad(h.sum(), h, retain_graph=True)
    np.testing.assert_allclose(dh.numpy(), [3.0, 3.0])
    np.testing.assert_allclose(h.grad.numpy(), [3.0, 3.0])
    assert seen == [] and g.grad is None
    # Asking for x too, the walk goes through h's operation (and g's hook and retained
    # gradient); PyTorch then gives h's gradient from before h's hook, and so does MyTorch.
    dh, dx = mt.grad(h.sum(), [h, x])
    np.testing.assert_allclose(dh.numpy(), [1.0, 1.0])
    np.testing.assert_allclose(dx.numpy(), 6 * np.exp(2 * x.numpy()))
    assert len(seen) == 1
    np.testing.assert_allclose(g.grad.numpy(), 3 * np.exp(2 * x.numpy()))


def test_an_outputs_hooks_run_even_when_grad_needs_nothing_below_it():
    # PyTorch runs the hooks of grad's outputs on their gradients whatever the inputs.
    x, other = mt.tensor([1.0, 2.0], requires_grad=True), mt.tensor(1.0, requires_grad=True)
    y = x * 2
    seen = []
    y.register_hook(lambda g: seen.append(g.numpy().copy()))
    assert mt.grad(y, other, grad_outputs=mt.tensor([3.0, 4.0]), allow_unused=True) == (None,)
    np.testing.assert_array_equal(seen, [[3.0, 4.0]])


def test_grad_of_a_leaf_whose_data_was_replaced_between_two_uses_is_the_sum_of_both():
    """d/dx of (2x).sum() + (3x).sum(), x.data replaced in between: [5, 5], as backward() and
    PyTorch give. mytorch.grad took the gradient through one of the two arrays only ([3, 3])."""
    x = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    first = (x * 2.0).sum()
    x.data = np.array([5.0, 6.0])
    out = first + (x * 3.0).sum()
    (g,) = mt.grad(out, [x], retain_graph=True)
    np.testing.assert_array_equal(g.numpy(), [5.0, 5.0])
    out.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [5.0, 5.0])


def test_grad_fn_names_of_shape_and_index_ops_match_torch():
    torch = pytest.importorskip("torch")
    ops = {
        "squeeze()": lambda t, lib: t.squeeze(),
        "squeeze(1)": lambda t, lib: t.squeeze(1),
        "squeeze((0, 1))": lambda t, lib: t.squeeze((0, 1)),
        "unsqueeze": lambda t, lib: t.unsqueeze(0),
        "t[0]": lambda t, lib: t[0],
        "t[:, 0]": lambda t, lib: t[:, 0],
        "t[1:]": lambda t, lib: t[1:],
        "t[:]": lambda t, lib: t[:],
        "t[:, :]": lambda t, lib: t[:, :],
        "t[...]": lambda t, lib: t[...],
        "t[:, 0:100]": lambda t, lib: t[:, 0:100],
        "t[:, -1:]": lambda t, lib: t[:, -1:],
        "t[0, None]": lambda t, lib: t[0, None],
        "t[None, 0]": lambda t, lib: t[None, 0],
        "t[0, ..., 1:]": lambda t, lib: t[0, ..., 1:],
        "t[0, 0, 0]": lambda t, lib: t[0, 0, 0],
        "t[[0, 1]]": lambda t, lib: t[[0, 1]],
        "t[0, [0]]": lambda t, lib: t[0, [0]],
        "t[mask]": lambda t, lib: t[t > 0],
        "t[0-d index]": lambda t, lib: t[lib.tensor(1)],
        "select": lambda t, lib: t.select(2, -1),
        "narrow": lambda t, lib: t.narrow(2, 0, 3),
        "unbind": lambda t, lib: t.unbind(2)[1],
        "split": lambda t, lib: t.split(2, 2)[0],
        "split sizes": lambda t, lib: t.split([1, 2], 2)[1],
        "chunk": lambda t, lib: t.chunk(2, 2)[1],
        "index_select": lambda t, lib: t.index_select(2, lib.tensor([2, 0])),
        "gather": lambda t, lib: t.gather(0, lib.zeros((1, 1, 2), dtype=lib.int64)),
        "flip": lambda t, lib: t.flip(0, 2),
        "roll": lambda t, lib: t.roll(1),
        "roll dims": lambda t, lib: t.roll((1, 1), (0, 2)),
        "repeat": lambda t, lib: t.repeat(1, 2, 1),
        "tile": lambda t, lib: t.tile((2,)),
        "masked_select": lambda t, lib: t.masked_select(t > 0),
        "take": lambda t, lib: t.take(lib.tensor([0, 3])),
        # (the transposes are named by the call, not by the axes they move: t.T of a matrix is
        # PermuteBackward0, t.t() TBackward0, transpose(0, 0) TransposeBackward0; MyTorch
        # named them by their axes until 2026-12-05)
        "t[0].T": lambda t, lib: t[0].T,
        "t[0].t()": lambda t, lib: t[0].t(),
        "t[0, 0].t()": lambda t, lib: t[0, 0].t(),
        "permute": lambda t, lib: t.permute(2, 1, 0),
        "permute 2-d": lambda t, lib: t[0].permute(1, 0),
        "movedim": lambda t, lib: t.movedim(0, 2),
        "transpose": lambda t, lib: t.transpose(0, 2),
        "transpose(0, 0)": lambda t, lib: t.transpose(0, 0),
        "swapaxes": lambda t, lib: t.swapaxes(1, 2),
        "mT": lambda t, lib: t.mT,
        "einsum permuting": lambda t, lib: lib.einsum("ijk->kji", t),
    }
    x = np.linspace(-1.0, 1.0, 6).reshape(2, 1, 3)
    names = {}
    for lib in (torch, mt):
        t = lib.tensor(x, requires_grad=True)
        names[lib] = {op: f(t, lib).grad_fn.name() for op, f in ops.items()}
    assert names[mt] == names[torch]
    assert names[mt]["t[0]"] == "SelectBackward0" and names[mt]["squeeze(1)"] == "SqueezeBackward1"


def test_copies_take_the_gradient_as_pytorchs():
    """``copy.deepcopy`` of a Parameter (a model copied after a backward) leaves ``.grad`` behind,
    as PyTorch's: the copy's first step added the original's gradient to its own (its optimizer
    stepped by 2 g where PyTorch's steps by g). A plain tensor's deepcopy keeps it; ``copy.copy``
    and ``pickle`` leave it behind for both, as PyTorch's."""
    p = mt.nn.Parameter(mt.ones(2))
    t = mt.ones(2, requires_grad=True)
    for leaf in (p, t):
        leaf.grad = mt.full((2,), 3.0)
    assert copy.deepcopy(p).grad is None
    kept = copy.deepcopy(t).grad
    assert kept is not t.grad and kept.tolist() == [3.0, 3.0]
    for leaf in (p, t):
        assert copy.copy(leaf).grad is None and pickle.loads(pickle.dumps(leaf)).grad is None
        assert leaf.grad.tolist() == [3.0, 3.0]
    model = mt.nn.Linear(2, 1)
    model(mt.ones(1, 2)).sum().backward()
    twin = copy.deepcopy(model)
    assert twin.weight.grad is None and twin.bias.grad is None and model.weight.grad is not None
    twin(mt.ones(1, 2)).sum().backward()
    np.testing.assert_array_equal(twin.weight.grad.numpy(), [[1.0, 1.0]])

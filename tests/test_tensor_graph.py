"""grad_fn, next_functions, retain_grad and register_hook (mytorch/tensor_graph.py).
The same graphs against PyTorch are in tests/test_torch_crosscheck.py."""

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


def test_grad_fn_names_the_kernel_and_leads_to_the_leaves():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    w = mt.tensor([0.5, -1.0], requires_grad=True)
    loss = ((x * w).exp() + 1.0).sum()
    assert x.grad_fn is None and mt.tensor([1.0]).grad_fn is None
    assert loss.grad_fn.name() == "SumBackward" and loss.grad_fn.kernel == "sum"
    ((add, _),) = loss.grad_fn.next_functions
    assert add.name() == "AddBackward"
    (exp, _), (constant, _) = add.next_functions
    assert exp.name() == "ExpBackward" and constant is None
    ((mul, _),) = exp.next_functions
    leaves = [node.variable for node, _ in mul.next_functions]
    assert leaves[0] is x and leaves[1] is w
    assert walk(loss.grad_fn) == [
        "SumBackward",
        "AddBackward",
        "ExpBackward",
        "MulBackward",
        "AccumulateGrad",
        "AccumulateGrad",
    ]


def test_grad_fn_of_a_shared_input_is_one_node():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    h = x.tanh()
    y = h * h
    (a, _), (b, _) = y.grad_fn.next_functions
    assert a == b and a.name() == "TanhBackward" and len({a, b}) == 1


def test_retain_grad_keeps_an_intermediate_gradient():
    x = mt.tensor([1.0, -2.0, 3.0], requires_grad=True)
    h = x * 2
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(np.asarray(h.grad), 2 * (2 * x.numpy()))
    np.testing.assert_allclose(np.asarray(x.grad), 8 * x.numpy())


def test_retained_gradient_accumulates_over_backward_calls():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    h.retain_grad()
    y = h.sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(np.asarray(h.grad), [2.0, 2.0])


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
    y = (x * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="released"):
        y.retain_grad()

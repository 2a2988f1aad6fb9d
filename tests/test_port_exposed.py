"""What the port programs of session 16 (``tests/port_programs/maml_sinusoid.py``, ...) found
MyTorch doing differently from PyTorch 2.13, each checked against a closed form or finite
differences, and against PyTorch where it is installed."""

from __future__ import annotations

import numpy as np
import pytest

import mytorch as mt


def test_grad_down_to_an_intermediate_leaves_the_graph_below_it_usable():
    # PyTorch frees only the nodes above the intermediate; MyTorch released the whole graph, so
    # going on from it (first-order MAML's second inner step) raised 'already released'
    x0 = np.array([0.3, -1.2, 2.0])
    x = mt.tensor(x0, requires_grad=True)
    h = x.sin()
    (g,) = mt.autograd.grad((h * h).sum(), h)  # (no retain_graph)
    np.testing.assert_allclose(g.numpy(), 2 * np.sin(x0))
    (h - 0.1 * g).exp().sum().backward()
    expected = np.cos(x0) * np.exp(0.8 * np.sin(x0))  # (g is a constant: cos(x) exp(h - 0.1 g), g = 2h)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)
    # down to the leaves, the graph is released as before
    y = (x * x).sum()
    mt.autograd.grad(y, x)
    with pytest.raises(RuntimeError, match="already released"):
        mt.autograd.grad(y, x)


def test_grad_down_to_an_intermediate_matches_pytorch():
    torch = pytest.importorskip("torch")
    x0 = np.random.default_rng(0).normal(size=4)
    found = []
    for library in (mt, torch):
        x = library.tensor(x0, requires_grad=True)
        w = (x * 2).tanh()
        (g,) = library.autograd.grad((w**3).sum(), w)
        (z,) = library.autograd.grad((w - 0.5 * g).pow(2).sum(), x)
        found.append(z.detach().numpy())
    np.testing.assert_allclose(found[0], found[1], rtol=1e-12)


@pytest.mark.parametrize("name", ["layer_norm", "batch_norm", "instance_norm", "attention", "cdist"])
def test_third_derivatives_match_finite_differences(name):
    # PyTorch 2.13's third derivatives through its fused layer_norm, batch_norm and instance_norm
    # differ from finite differences (by up to 2e4 times the value on these inputs), and it has none
    # through scaled_dot_product_attention or cdist: MyTorch's are checked against differences alone
    rng = np.random.default_rng(0)
    x0, s0 = rng.normal(size=(2, 3, 4, 4)), np.sin(rng.normal(size=(2, 3, 4, 4)))
    F = mt.nn.functional
    op = {
        "layer_norm": lambda x: F.layer_norm(x, (4, 4)),
        "batch_norm": lambda x: F.batch_norm(x, None, None, training=True),
        "instance_norm": lambda x: F.instance_norm(x),
        "attention": lambda x: F.scaled_dot_product_attention(x, x.sin(), x.cos()),
        "cdist": lambda x: mt.cdist(x[0, 0], x[1, 1]),
    }[name]

    def hessian_term(a, create_graph):
        x = mt.tensor(a, requires_grad=True)
        (g,) = mt.autograd.grad((op(x) ** 2).sum(), x, create_graph=True)
        (h,) = mt.autograd.grad((g * mt.tensor(s0)).sum(), x, create_graph=create_graph)
        return x, h

    x, h = hessian_term(x0, True)
    (third,) = mt.autograd.grad((h**2).sum(), x)
    for index in [(0, 1, 2, 1), (1, 0, 3, 3), (1, 2, 1, 2)]:
        step = np.zeros_like(x0)
        step[index] = 1e-5
        up, down = (float((hessian_term(x0 + s, False)[1] ** 2).sum()) for s in (step, -step))
        numeric = (up - down) / 2e-5
        assert abs(third.numpy()[index] - numeric) <= 1e-6 * max(1.0, abs(numeric)), (index, numeric)


def test_set_submodule_replaces_and_adds_as_pytorchs():
    nn = mt.nn
    model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Linear(3, 1)))
    model.set_submodule("1.0", nn.Tanh())
    model.set_submodule("2", nn.Sigmoid())  # (a new name: added, as PyTorch's)
    kinds = [type(m).__name__ for m in model.modules()]
    assert kinds == ["Sequential", "Linear", "Sequential", "Tanh", "Linear", "Sigmoid"]
    x = mt.tensor([[0.5, -1.0]])
    expected = model[2](model[1][1](model[1][0](model[0](x))))
    np.testing.assert_array_equal(model(x).detach().numpy(), expected.detach().numpy())
    with pytest.raises(ValueError, match="Cannot set the submodule without a target name"):
        model.set_submodule("", nn.ReLU())
    with pytest.raises(AttributeError, match="`weight` is not an nn.Module"):
        model.set_submodule("0.weight", nn.ReLU())
    with pytest.raises(ValueError, match="`module` is not an nn.Module"):
        model.set_submodule("0", 3)
    with pytest.raises(AttributeError, match="has no attribute `7`"):
        model.set_submodule("7", nn.ReLU(), strict=True)

"""``Module.load_state_dict(state_dict, assign=True)``: the values become the parameters and
buffers (PyTorch's meaning), checked against PyTorch 2.13 where it is installed."""

from __future__ import annotations

import numpy as np
import pytest

import mytorch as mt
import mytorch.nn as nn


def _net(library):
    return library.nn.Sequential(library.nn.Linear(3, 4), library.nn.BatchNorm1d(4), library.nn.Linear(4, 2))


def _draws():
    rng = np.random.default_rng(0)
    shapes = {"0.weight": (4, 3), "0.bias": (4,), "1.weight": (4,), "1.bias": (4,), "2.weight": (2, 4), "2.bias": (2,)}
    values = {k: rng.normal(size=s) for k, s in shapes.items()}  # float64: the parameters become float64
    values |= {"1.running_mean": rng.normal(size=4), "1.running_var": rng.uniform(0.5, 2, 4)}
    values["1.num_batches_tracked"] = np.array(7)
    return values, rng.normal(size=(5, 3))


def test_the_values_become_the_parameters_and_buffers():
    net = _net(mt)
    values, x = _draws()
    state = {k: mt.from_numpy(v.copy()) for k, v in values.items()}
    state["2.bias"] = nn.Parameter(state["2.bias"])  # a Parameter is used itself
    net[0].bias.requires_grad_(False)  # (frozen: stays frozen)
    old = list(net.parameters())
    assert str(net.load_state_dict(state, assign=True)) == "<All keys matched successfully>"
    named = dict(net.named_parameters())
    assert list(named) == ["0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias"]
    for key, parameter in named.items():
        assert isinstance(parameter, nn.Parameter) and parameter.dtype == mt.float64
        assert np.shares_memory(parameter.numpy(), state[key].numpy())
        assert parameter.requires_grad == (key != "0.bias") and all(parameter is not p for p in old)
    assert named["2.bias"] is state["2.bias"]
    assert net[1].running_mean is state["1.running_mean"] and net[1].num_batches_tracked.item() == 7
    assert [type(b) for b in net.buffers()] == [mt.Tensor] * 3
    optimizer = mt.optim.SGD(net.parameters(), lr=0.1)  # made after: steps the new ones
    net(mt.from_numpy(x)).pow(2).sum().backward()
    optimizer.step()
    for key in named:  # (sharing the state dict's arrays: stepped in place, as PyTorch's)
        assert np.array_equal(state[key].numpy(), values[key]) == (key == "0.bias"), key


def test_forward_and_gradients_match_pytorchs_after_assign():
    torch = pytest.importorskip("torch")
    values, x = _draws()
    nets = []
    for library, make in ((mt, mt.from_numpy), (torch, torch.from_numpy)):
        net = _net(library)
        net.load_state_dict({k: make(v.copy()) for k, v in values.items()}, assign=True)
        out = net(make(x.copy()))
        (out**2).sum().backward()
        nets.append((net, out))
    (mine, out_mine), (theirs, out_theirs) = nets
    np.testing.assert_allclose(out_mine.detach().numpy(), out_theirs.detach().numpy(), rtol=1e-12)
    for (key, a), (_, b) in zip(mine.named_parameters(), theirs.named_parameters()):
        assert str(a.dtype).split(".")[-1] == str(b.dtype).split(".")[-1] == "float64", key
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=key)
    for (key, a), (_, b) in zip(mine.named_buffers(), theirs.named_buffers()):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, err_msg=key)


def test_gradient_of_an_assigned_parameter_matches_finite_differences():
    net = nn.Linear(3, 1)
    rng = np.random.default_rng(1)
    weight, bias, x = rng.normal(size=(1, 3)), rng.normal(size=1), rng.normal(size=(4, 3))
    net.load_state_dict({"weight": weight.copy(), "bias": bias.copy()}, assign=True)  # arrays are wrapped

    def loss(w):
        return float(np.sum(np.tanh(x @ w.T + bias) ** 2))

    mt.tanh(net(mt.from_numpy(x))).pow(2).sum().backward()
    h, numeric = 1e-6, np.zeros_like(weight)
    for i in range(3):
        step = np.zeros_like(weight)
        step[0, i] = h
        numeric[0, i] = (loss(weight + step) - loss(weight - step)) / (2 * h)
    np.testing.assert_allclose(net.weight.grad.numpy(), numeric, rtol=1e-6)


def test_a_refused_assign_changes_nothing():
    net = _net(mt)
    values, _ = _draws()
    before = list(net.parameters()) + list(net.buffers())
    wrong_shape = {k: mt.from_numpy(v) for k, v in values.items()} | {"2.weight": mt.ones(3, 4)}
    with pytest.raises(RuntimeError, match="'2.weight' has shape \\(3, 4\\), the module's is \\(2, 4\\)"):
        net.load_state_dict(wrong_shape, assign=True)
    integers = {k: mt.from_numpy(v) for k, v in values.items()}
    integers["2.bias"] = nn.Parameter(mt.ones(2, dtype=mt.int64), requires_grad=False)
    with pytest.raises(RuntimeError, match="'2.bias': the parameter requires a gradient, which a value of dtype int64"):
        net.load_state_dict(integers, assign=True)
    assert not integers["2.bias"].requires_grad
    assert all(a is b for a, b in zip(before, list(net.parameters()) + list(net.buffers())))


def test_strict_false_and_shared_modules_as_pytorchs():
    net = _net(mt)
    kept = net[2].weight
    result = net.load_state_dict({"0.weight": mt.ones(4, 3), "extra": mt.ones(1)}, strict=False, assign=True)
    assert "2.weight" in result.missing_keys and result.unexpected_keys == ["extra"]
    assert net[2].weight is kept and net[0].weight.tolist() == [[1.0] * 3] * 4

    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.a = nn.Linear(2, 2)
            self.b = self.a

    tied = Tied()
    state = {"a.weight": mt.full((2, 2), 1.0), "a.bias": mt.zeros(2)}
    state |= {"b.weight": mt.full((2, 2), 2.0), "b.bias": mt.zeros(2)}
    tied.load_state_dict(state, assign=True)  # (PyTorch 2.13: the later name wins, the modules stay one)
    assert tied.a is tied.b and tied.a.weight.tolist() == [[2.0, 2.0], [2.0, 2.0]]

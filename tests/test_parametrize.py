"""nn.utils.parametrize (register_parametrization, remove_parametrizations, is_parametrized) and
nn.utils.parametrizations.weight_norm: values, gradients, state-dict keys, PyTorch's where installed."""

import copy

import numpy as np
import pytest

import mytorch as mt
import mytorch.nn as nn
from mytorch.nn.utils import parametrize


class Symmetric(nn.Module):
    def forward(self, x):
        return x.triu() + x.triu(1).transpose(-1, -2)

    def right_inverse(self, a):
        return a.triu()


class Double(nn.Module):
    def forward(self, x):
        return 2 * x

    def right_inverse(self, a):
        return a / 2


def _layer(lib):
    layer = lib.nn.Linear(3, 3).double()
    with lib.no_grad():
        layer.weight.copy_(lib.tensor(np.arange(9.0).reshape(3, 3) / 10))
        layer.bias.zero_()
    return layer


def test_register_and_remove_a_parametrization():
    # nn.utils.parametrize was missing (the parametrizations tutorial's Symmetric layer)
    layer = _layer(mt)
    weight = layer.weight
    parametrize.register_parametrization(layer, "weight", Symmetric())
    assert type(layer).__name__ == "ParametrizedLinear" and isinstance(layer, nn.Linear)
    assert parametrize.is_parametrized(layer) and parametrize.is_parametrized(layer, "weight")
    assert (
        not parametrize.is_parametrized(layer, "bias") and parametrize.type_before_parametrizations(layer) is nn.Linear
    )
    assert layer.parametrizations.weight.original is weight  # the same Parameter (an optimizer holding it goes on)
    assert sorted(layer.state_dict()) == ["bias", "parametrizations.weight.original"]
    w = layer.weight.detach().numpy()
    np.testing.assert_array_equal(w, w.T)  # symmetric, from the upper triangle
    x = mt.tensor(np.ones((2, 3)))
    layer(x).sum().backward()  # d/dW of sum(x W^T) is 2 per entry; the lower triangle folds onto the upper
    np.testing.assert_allclose(weight.grad.numpy(), np.triu(np.full((3, 3), 2.0)) + np.triu(np.full((3, 3), 2.0), 1))
    parametrize.register_parametrization(layer, "weight", Double())  # applied to Symmetric's result
    np.testing.assert_allclose(layer.weight.detach().numpy(), 2 * w)
    layer.weight = mt.eye(3, dtype=mt.float64) * 4  # right_inverse of each, the last first
    np.testing.assert_allclose(weight.detach().numpy(), np.eye(3) * 2)
    clone = copy.deepcopy(layer)
    np.testing.assert_allclose(clone.weight.detach().numpy(), np.eye(3) * 4)
    parametrize.remove_parametrizations(layer, "weight")
    assert type(layer) is nn.Linear and sorted(layer.state_dict()) == ["bias", "weight"]
    assert layer.weight is weight and np.allclose(weight.detach().numpy(), np.eye(3) * 4)
    with pytest.raises(ValueError, match="remove_parametrizations: Linear does not have a parametrization on weight"):
        parametrize.remove_parametrizations(layer, "weight")
    with pytest.raises(ValueError, match="register_parametrization: Linear has no .* with name 'nothing'"):
        parametrize.register_parametrization(layer, "nothing", Double())
    with parametrize.cached():
        assert layer(x).shape == (2, 3)


def test_weight_norm_parametrization():
    from mytorch.nn.utils.parametrizations import weight_norm

    layer = weight_norm(_layer(mt), dim=0)
    g, v = layer.parametrizations.weight.original0, layer.parametrizations.weight.original1
    w0 = np.arange(9.0).reshape(3, 3) / 10
    np.testing.assert_allclose(g.detach().numpy(), np.linalg.norm(w0, axis=1, keepdims=True))
    np.testing.assert_allclose(layer.weight.detach().numpy(), w0, rtol=1e-12)
    assert sorted(layer.state_dict()) == [
        "bias",
        "parametrizations.weight.original0",
        "parametrizations.weight.original1",
    ]
    with mt.no_grad():
        g.mul_(2.0)
    np.testing.assert_allclose(layer.weight.detach().numpy(), 2 * w0, rtol=1e-12)
    assert mt.autograd.gradcheck(
        lambda gg, vv: vv * (gg / vv.norm(dim=1, keepdim=True)),
        (g.detach().requires_grad_(), v.detach().requires_grad_()),
    )
    with pytest.raises(ValueError, match="remove_parametrizations: .* put back 'weight', which is computed from 2"):
        parametrize.remove_parametrizations(layer, "weight", leave_parametrized=False)
    parametrize.remove_parametrizations(layer, "weight")
    np.testing.assert_allclose(layer.weight.detach().numpy(), 2 * w0, rtol=1e-12)
    with pytest.raises(AttributeError, match="orthogonal_x"):
        mt.nn.utils.parametrizations.orthogonal_x  # noqa: B018 - (orthogonal: tests/test_orthogonal.py)


def test_parametrizations_match_pytorch():
    torch = pytest.importorskip("torch")

    def run(lib):
        p = lib.nn.utils.parametrize
        layer = _layer(lib)
        p.register_parametrization(layer, "weight", type("S", (lib.nn.Module,), dict(vars(Symmetric)))())
        conv = lib.nn.utils.parametrizations.weight_norm(lib.nn.Conv1d(2, 3, 2).double(), dim=None)
        with lib.no_grad():
            conv.weight = lib.tensor(np.linspace(-1, 1, 12).reshape(3, 2, 2))  # g and v by right_inverse
            conv.bias.zero_()
        opt = lib.optim.SGD([*layer.parameters(), *conv.parameters()], lr=0.1)
        x = lib.tensor(np.linspace(-2, 2, 12).reshape(2, 2, 3))
        out = []
        for _ in range(3):
            opt.zero_grad()
            loss = layer(x.reshape(4, 3)).pow(2).sum() + conv(x).pow(2).sum()
            loss.backward()
            opt.step()
            out += [loss.item(), *layer.weight.detach().numpy().ravel(), *conv.weight.detach().numpy().ravel()]
        return np.array(out)

    np.testing.assert_allclose(run(mt), run(torch), rtol=1e-12)

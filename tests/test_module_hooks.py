"""A module's full backward hooks (``register_full_backward_hook``, ``_pre_hook``) and the
PyTorch ``Module`` / ``Optimizer`` names MyTorch lacks (``NotInMyTorchError``): closed forms,
and PyTorch's hook calls where it is installed."""

from __future__ import annotations

import numpy as np
import pytest

import mytorch as mt
import mytorch.nn as nn
from mytorch.arguments import NotInMyTorchError

RNG = np.random.default_rng(0)
X = RNG.standard_normal((5, 3))
W1, B1 = RNG.standard_normal((4, 3)), RNG.standard_normal(4)
W2, B2 = RNG.standard_normal((2, 4)), RNG.standard_normal(2)


def mlp(lib):
    """Linear(3, 4) -> Tanh -> Linear(4, 2) in float64 with the fixed weights."""
    model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 2)).double()
    model.load_state_dict(
        {k: lib.tensor(v) for k, v in zip(["0.weight", "0.bias", "2.weight", "2.bias"], [W1, B1, W2, B2])}
    )
    return model


def closed_form():
    """The gradients of sum(out^2) at the last layer's output and at the tanh's output."""
    h = np.tanh(X @ W1.T + B1)
    g_out = 2 * (h @ W2.T + B2)
    return g_out, g_out @ W2


def test_a_full_backward_hook_sees_the_layers_gradients():
    # 'Linear' object has no attribute 'register_full_backward_hook' before
    model = mlp(mt)
    seen = []
    handle = model[2].register_full_backward_hook(lambda m, gi, go: seen.append((gi, go)))
    x = mt.tensor(X, requires_grad=True)
    (model(x) ** 2).sum().backward()
    g_out, g_in = closed_form()
    ((grad_input,), (grad_output,)) = seen[0]
    np.testing.assert_allclose(grad_output.numpy(), g_out, rtol=1e-13)
    np.testing.assert_allclose(grad_input.numpy(), g_in, rtol=1e-13)
    handle.remove()
    (model(x) ** 2).sum().backward()
    assert len(seen) == 1


def test_hooks_that_return_gradients_replace_them():
    model = mlp(mt)
    x = mt.tensor(X, requires_grad=True)
    (model(x) ** 2).sum().backward()
    plain_x, plain_w = x.grad.numpy().copy(), model[0].weight.grad.numpy().copy()
    model.zero_grad()
    x.grad = None
    model[1].register_full_backward_hook(lambda m, gi, go: (gi[0] * 3,))  # the tanh's input gradient
    model[2].register_full_backward_pre_hook(lambda m, go: (go[0] * 2,))  # the last layer's output gradient
    (model(x) ** 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * plain_x, rtol=1e-13)
    np.testing.assert_allclose(model[0].weight.grad.numpy(), 6 * plain_w, rtol=1e-13)
    np.testing.assert_allclose(model[2].bias.grad.numpy(), 2 * closed_form()[0].sum(0), rtol=1e-13)


def test_a_hook_runs_at_every_backward_and_without_inputs_that_need_gradients():
    calls = []
    first = mlp(mt)[0]
    first.register_full_backward_hook(lambda m, gi, go: calls.append((gi, go[0].numpy().copy())))
    out = first(mt.tensor(X))  # the data needs no gradient: grad_input is (None,)
    out.sum().backward(retain_graph=True)
    (out * 2).sum().backward()
    assert [gi for gi, _ in calls] == [(None,), (None,)]
    np.testing.assert_array_equal(calls[1][1], 2 * calls[0][1])
    with mt.no_grad():
        first(mt.tensor(X))
    assert len(calls) == 2


def test_replacing_one_of_several_input_gradients_is_refused():
    bil = nn.Bilinear(3, 3, 1).double()
    bil.register_full_backward_hook(lambda m, gi, go: (gi[0] * 2, gi[1] * 2))
    a, b = (mt.tensor(X, requires_grad=True) for _ in range(2))
    with pytest.raises(RuntimeError, match="one input that requires a gradient"):
        bil(a, b).sum().backward()


def test_full_backward_hooks_match_torch():
    torch = pytest.importorskip("torch")
    logs = []
    for lib in (mt, torch):
        log = []

        def note(kind, grads, log=log):
            log.append((kind, [None if g is None else g.detach().numpy().copy() for g in grads]))

        model = mlp(lib)
        for layer in model:
            layer.register_full_backward_hook(lambda m, gi, go, note=note: note("in", gi) or note("out", go))
            layer.register_full_backward_pre_hook(lambda m, go, note=note: note("pre", go))
        bil = lib.nn.Bilinear(2, 2, 1).double()
        bil.load_state_dict({"weight": lib.tensor(W1[:2, :2].reshape(1, 2, 2)), "bias": lib.tensor(B2[:1])})
        bil.register_full_backward_hook(lambda m, gi, go, note=note: note("bil", gi))
        x = lib.tensor(X, requires_grad=True)
        out = model(x)
        (bil(out, lib.tensor(X[:, :2])).sum() + (out**2).sum()).backward()
        logs.append(log)
    assert [(k, len(g)) for k, g in logs[0]] == [(k, len(g)) for k, g in logs[1]]
    for (_, mine), (_, theirs) in zip(*logs):
        for a, b in zip(mine, theirs):
            assert (a is None) == (b is None)
            if a is not None:
                np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_pytorch_module_and_optimizer_names_mytorch_lacks_say_so():
    model = nn.Linear(2, 2)
    for name in ("type", "share_memory", "register_backward_hook", "register_state_dict_pre_hook"):
        with pytest.raises(NotInMyTorchError, match=f"MyTorch does not have PyTorch's nn.Module.{name}"):
            getattr(model, name)
        assert not hasattr(model, name) and name not in dir(model)
    opt = mt.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(NotInMyTorchError, match="optim.Optimizer.register_step_post_hook"):
        opt.register_step_post_hook  # noqa: B018

    class Tagged(nn.Module):
        def __init__(self):
            super().__init__()
            self.type = "conv"  # a user's attribute of such a name is the user's

    tagged = Tagged()
    assert tagged.type == "conv" and "type" in dir(tagged)
    tagged.register_module("inner", nn.ReLU())
    assert dict(tagged.named_children()).keys() == {"inner"}
    with pytest.raises(ValueError, match="CPU only"):
        model.cuda()
    assert model.compile() is None

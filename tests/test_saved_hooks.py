"""mytorch.autograd.graph.saved_tensors_hooks: pack when recorded, unpack when the backward reads,
checked against closed forms, central differences and PyTorch where installed."""

from __future__ import annotations

import numpy as np
import pytest
from test_inplace import central_differences

import mytorch as mt

saved_tensors_hooks = mt.autograd.graph.saved_tensors_hooks  # (torch.autograd.graph's names)
save_on_cpu = mt.autograd.graph.save_on_cpu
disable_saved_tensors_hooks = mt.autograd.graph.disable_saved_tensors_hooks


def _mlp(lib, rng):
    model = lib.nn.Sequential(lib.nn.Linear(3, 5), lib.nn.Tanh(), lib.nn.Linear(5, 2), lib.nn.Sigmoid()).double()
    with lib.no_grad():
        for p in model.parameters():
            p.copy_(lib.tensor(rng.standard_normal(tuple(p.shape))))
    return model, lib.tensor(rng.standard_normal((4, 3)))


def _loss(model, x):
    return (model(x) * x[:, :2]).exp().sum()


def test_identity_hooks_see_every_saved_value_and_change_nothing():
    rng = np.random.default_rng(0)
    model, x = _mlp(mt, rng)
    packed, unpacked = [], []

    def pack(t):
        packed.append(t.shape)
        return t

    def unpack(t):
        unpacked.append(t.shape)
        return t

    with saved_tensors_hooks(pack, unpack):
        loss = _loss(model, x)
    assert len(packed) == 7 and not unpacked  # both Linear inputs and weights, tanh, sigmoid, exp
    loss.backward(retain_graph=True)
    assert sorted(unpacked) == sorted(packed)
    loss.backward()  # each backward reads the saved values again
    assert len(unpacked) == 2 * len(packed)
    grads = [p.grad.numpy() / 2 for p in model.parameters()]
    w = model[0].weight

    def f(w0):
        with mt.no_grad():
            w.copy_(mt.tensor(w0))
        return _loss(model, x).item()

    (expected,) = central_differences(f, [w.detach().numpy().copy()])
    np.testing.assert_allclose(grads[0], expected, rtol=1e-6, atol=1e-8)
    _loss(model, x)  # after the context: nothing packed
    assert len(packed) == 7


def test_what_unpack_returns_is_what_the_backward_reads():
    x = mt.tensor([0.1, 0.2, 0.3], dtype=mt.float64, requires_grad=True)
    w = mt.tensor([1 / 3, 2 / 3, 0.7], dtype=mt.float64)

    def halve(t):
        return t.to(mt.float16)

    with saved_tensors_hooks(halve, lambda t: t.to(mt.float64)):
        (x * w).sum().backward()  # the gradient of x is w, read from the saved value
    np.testing.assert_array_equal(x.grad.numpy(), w.numpy().astype(np.float16).astype(np.float64))
    x.grad = None
    with saved_tensors_hooks(halve, lambda t: t.to(mt.float64)):
        x.exp().sum().backward()  # exp's rule reads its output
    np.testing.assert_array_equal(x.grad.numpy(), np.exp(x.detach().numpy()).astype(np.float16).astype(np.float64))


def test_save_on_cpu_and_disable():
    rng = np.random.default_rng(1)
    model, x = _mlp(mt, rng)
    with save_on_cpu(pin_memory=True):
        _loss(model, x).backward()
    first = model[0].weight.grad.numpy().copy()
    model.zero_grad()
    _loss(model, x).backward()
    np.testing.assert_array_equal(first, model[0].weight.grad.numpy())
    with disable_saved_tensors_hooks("no hooks in here"), pytest.raises(RuntimeError, match="no hooks in here"):
        with saved_tensors_hooks(lambda t: t, lambda t: t):
            pass
    z = x.detach().requires_grad_()
    with saved_tensors_hooks(lambda t: t, lambda t: t[:1]):
        y = (z * z).sum()
    with pytest.raises(RuntimeError, match="unpack_hook returned shape"):
        y.backward()


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    results = []
    for lib in (torch, mt):
        model, x = _mlp(lib, np.random.default_rng(2))
        count = []

        def pack(t, lib=lib, count=count):
            count.append(t.numel())
            return t.to(lib.float16)

        with lib.autograd.graph.saved_tensors_hooks(pack, lambda t, lib=lib: t.to(lib.float64)):
            loss = _loss(model, x)
        loss.backward()
        results.append((sorted(count), [p.grad.numpy() for p in model.parameters()]))
    assert results[0][0] == results[1][0]  # the same values saved (MyTorch's weights are not transposed)
    for theirs, mine in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-12)

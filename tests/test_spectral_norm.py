"""Spectral normalisation (nn.utils.spectral_norm and parametrizations.spectral_norm): the largest
singular value becomes 1, the gradient through sigma against central differences, and the
numbers against PyTorch from the same u and v."""

from __future__ import annotations

import numpy as np
import pytest
from test_inplace import central_differences

import mytorch as mt
import mytorch.nn as nn


def test_the_weight_ends_with_spectral_norm_one():
    mt.manual_seed(0)  # (30 power iterations reach 1e-6 at a gap the weight drawn sets: one draw, not the suite's)
    layer = nn.Linear(6, 4).double()
    nn.utils.spectral_norm(layer, n_power_iterations=30)
    assert sorted(n for n, _ in layer.named_parameters()) == ["bias", "weight_orig"]
    assert sorted(n for n, _ in layer.named_buffers()) == ["weight_u", "weight_v"]
    layer(mt.zeros(1, 6, dtype=mt.float64))
    assert np.linalg.norm(layer.weight.detach().numpy(), 2) == pytest.approx(1.0, rel=1e-6)
    nn.utils.remove_spectral_norm(layer)
    assert isinstance(layer.weight, nn.Parameter) and np.linalg.norm(layer.weight.numpy(), 2) == pytest.approx(1.0)
    conv = nn.ConvTranspose2d(3, 5, 2).double()
    nn.utils.parametrizations.spectral_norm(conv)
    sn = conv.parametrizations.weight[0]
    assert sn.dim == 1 and sn._u.shape == (5,) and sn._v.shape == (12,)  # a transposed convolution: dim 1
    with pytest.raises(RuntimeError, match="two spectral_norm"):
        nn.utils.spectral_norm(nn.utils.spectral_norm(nn.Linear(2, 2)))


def test_gradient_through_sigma():
    rng = np.random.default_rng(0)
    w0, x0 = rng.normal(size=(4, 3)), rng.normal(size=(2, 3))
    layer = nn.Linear(3, 4, bias=False).double()
    nn.utils.spectral_norm(layer)
    layer.eval()  # u and v stay: the weight is a fixed function of weight_orig
    u, v = layer.weight_u.numpy().copy(), layer.weight_v.numpy().copy()

    def loss(w):
        return float(((x0 @ (w / (u @ w @ v)).T) ** 2).sum())

    with mt.no_grad():
        layer.weight_orig.copy_(mt.tensor(w0))
    (layer(mt.tensor(x0)) ** 2).sum().backward()
    (expected,) = central_differences(loss, [w0.copy()])
    np.testing.assert_allclose(layer.weight_orig.grad.numpy(), expected, rtol=1e-6, atol=1e-8)


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    w, b, x0 = rng.normal(size=(4, 3, 2, 2)), rng.normal(size=4), rng.normal(size=(2, 3, 5, 5))
    w2, b2 = rng.normal(size=(5, 3)), rng.normal(size=5)
    results = []
    for lib in (torch, mt):
        conv = lib.nn.Conv2d(3, 4, 2).double()
        lin = lib.nn.Linear(3, 5).double()
        with lib.no_grad():
            for p, value in ((conv.weight, w), (conv.bias, b), (lin.weight, w2), (lin.bias, b2)):
                p.copy_(lib.tensor(value))
        lib.nn.utils.spectral_norm(conv, n_power_iterations=2)
        lib.nn.utils.parametrizations.spectral_norm(lin)
        sn = lin.parametrizations.weight[0]
        with lib.no_grad():
            conv.weight_u.copy_(lib.tensor(np.full(4, 0.5)))
            conv.weight_v.copy_(lib.tensor(np.full(12, 12**-0.5)))
            sn._u.copy_(lib.tensor(np.full(5, 5**-0.5)))
            sn._v.copy_(lib.tensor(np.full(3, 3**-0.5)))
        y = conv(lib.tensor(x0))
        z = lin(lib.tensor(x0[0, 0, :, :3]))
        ((y**2).sum() + z.sum()).backward()
        conv.eval()
        got = [y, z, conv(lib.tensor(x0)), conv.weight_orig.grad, conv.weight_u, sn._v]
        got.append(lin.parametrizations.weight.original.grad)
        results.append([t.detach().numpy() for t in got])
    for theirs, mine in zip(*results):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)

"""``nn.utils.parametrizations.orthogonal`` (``mytorch/nn/orthogonal.py``): the weight stays orthogonal
through training, registering keeps the QR factor of the weight found, ``householder_product``
against the explicit product of reflections, and for square, tall and wide weights, each map,
with and without the trivialization, the weight, its gradient and a second derivative against
PyTorch 2.13's where it is installed."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import mytorch as mt
from mytorch.nn.orthogonal import householder_product, orthogonal

SHAPES = [(4, 4), (5, 3), (3, 5)]
MAPS = ["matrix_exp", "cayley", "householder"]


def _orthonormal_error(w: np.ndarray) -> float:
    gram = w.T @ w if w.shape[0] >= w.shape[1] else w @ w.T
    return float(np.abs(gram - np.eye(min(w.shape))).max())


def _linear(lib, shape, w, omap, trivial=True):
    layer = lib.nn.Linear(shape[1], shape[0], bias=False).double()
    with lib.no_grad():
        layer.weight.copy_(lib.tensor(w))
    return lib.nn.utils.parametrizations.orthogonal(layer, orthogonal_map=omap, use_trivialization=trivial)


def _positive_qr(w: np.ndarray) -> np.ndarray:
    tall = w if w.shape[0] >= w.shape[1] else w.T
    q, r = np.linalg.qr(tall)
    q = q * np.sign(np.diag(r))
    return q if w.shape[0] >= w.shape[1] else q.T


@pytest.mark.parametrize(("shape", "omap"), list(itertools.product(SHAPES, MAPS)))
def test_registering_keeps_the_qr_factor_and_training_keeps_it_orthogonal(shape, omap):
    rng = np.random.default_rng(0)
    w = rng.normal(size=shape)
    layer = _linear(mt, shape, w, omap)
    np.testing.assert_allclose(layer.weight.detach().numpy(), _positive_qr(w), atol=1e-12)
    original = layer.parametrizations.weight.original
    assert original.shape == shape and sorted(layer.state_dict()) == [
        "parametrizations.weight.0.base",
        "parametrizations.weight.original",
    ]
    optimizer = mt.optim.SGD(layer.parameters(), lr=0.1)
    x, y = mt.tensor(rng.normal(size=(8, shape[1]))), mt.tensor(rng.normal(size=(8, shape[0])))
    for _ in range(5):
        optimizer.zero_grad()
        (layer(x) - y).pow(2).mean().backward()
        optimizer.step()
    assert np.abs(original.detach().numpy()).max() > 0 and _orthonormal_error(layer.weight.detach().numpy()) < 1e-12
    q = _positive_qr(rng.normal(size=shape))
    layer.weight = mt.tensor(q)  # (an orthogonal matrix assigned is stored in base, original back to -I)
    np.testing.assert_allclose(layer.weight.detach().numpy(), q, atol=1e-12)


def test_householder_product_is_the_product_of_the_reflections():
    rng = np.random.default_rng(1)
    a, tau = rng.normal(size=(2, 5, 3)), rng.uniform(0.5, 1.5, size=(2, 3))
    expected = []
    for b in range(2):
        h = np.eye(5)
        for i in range(3):
            v = np.concatenate([np.zeros(i), [1.0], a[b, i + 1 :, i]])
            h = h @ (np.eye(5) - tau[b, i] * np.outer(v, v))
        expected.append(h[:, :3])
    np.testing.assert_allclose(householder_product(mt.tensor(a), mt.tensor(tau)).numpy(), expected, atol=1e-14)


def test_refusals_name_the_problem():
    with pytest.raises(ValueError, match="matrix or a batch"):
        orthogonal(mt.nn.Linear(3, 3), "bias")
    with pytest.raises(ValueError, match="orthogonal_map"):
        orthogonal(mt.nn.Linear(3, 3), orthogonal_map="qr")
    with pytest.raises(ValueError, match="no parameter or buffer named 'kernel'"):
        orthogonal(mt.nn.Linear(3, 3), "kernel")
    layer = orthogonal(mt.nn.Linear(3, 3))
    with pytest.raises(ValueError, match=r"shape \(3, 3\), got \(2, 2\)"):
        layer.weight = mt.eye(2)
    cayley = orthogonal(mt.nn.Linear(3, 3), orthogonal_map="cayley", use_trivialization=False)
    with pytest.raises(NotImplementedError, match="no inverse"):
        cayley.weight = mt.eye(3)


def _weight_and_derivatives(lib, layer, x):
    original = layer.parametrizations.weight.original
    (g,) = lib.autograd.grad(layer(lib.tensor(x)).pow(3).sum(), original, create_graph=True)
    (h,) = lib.autograd.grad(g.pow(2).sum(), original)
    return [layer.weight.detach().numpy(), g.detach().numpy(), h.numpy()]


@pytest.mark.parametrize(("shape", "omap", "trivial"), list(itertools.product(SHAPES, MAPS, [True, False])))
def test_weight_gradient_and_second_derivative_agree_with_pytorch(shape, omap, trivial):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    w = rng.normal(size=shape)
    ours, theirs = _linear(mt, shape, w, omap, trivial), _linear(torch, shape, w, omap, trivial)
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), atol=1e-12)
    if trivial:  # (a tall or wide weight's base is completed with random columns: PyTorch's taken)
        ours.parametrizations.weight[0].base = mt.tensor(theirs.parametrizations.weight[0].base.numpy())
    step = rng.normal(size=shape) * 0.3
    step = np.tril(step, -1) if shape[0] >= shape[1] else np.triu(step, 1)  # (the diagonal holds signs)
    with torch.no_grad():
        theirs.parametrizations.weight.original.add_(torch.tensor(step))
    with mt.no_grad():
        ours.parametrizations.weight.original.add_(mt.tensor(step))
    x = rng.normal(size=(2, shape[1]))
    for a, b in zip(_weight_and_derivatives(mt, ours, x), _weight_and_derivatives(torch, theirs, x)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10 * np.abs(b).max())


@pytest.mark.parametrize("omap", MAPS)
def test_a_batch_of_matrices_a_conv_weight_agrees_with_pytorch(omap):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    w, x = rng.normal(size=(2, 3, 4, 3)), rng.normal(size=(1, 3, 6, 5))
    step = np.tril(rng.normal(size=w.shape) * 0.3, -1)
    results, base = [], None
    for lib in (torch, mt):
        conv = lib.nn.Conv2d(3, 2, (4, 3), bias=False).double()
        with lib.no_grad():
            conv.weight.copy_(lib.tensor(w))
        lib.nn.utils.parametrizations.orthogonal(conv, orthogonal_map=omap)
        if base is None:
            base = conv.parametrizations.weight[0].base.numpy()
        conv.parametrizations.weight[0].base = lib.tensor(base)  # (a 4 x 3 weight's completion is random)
        original = conv.parametrizations.weight.original
        with lib.no_grad():
            original.add_(lib.tensor(step))
        (g,) = lib.autograd.grad(conv(lib.tensor(x)).pow(2).sum(), original)
        gram = np.swapaxes(conv.weight.detach().numpy(), -1, -2) @ conv.weight.detach().numpy()
        np.testing.assert_allclose(gram, np.broadcast_to(np.eye(3), gram.shape), atol=1e-12)
        results.append([conv.weight.detach().numpy(), g.numpy()])
    for theirs, ours in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-10 * np.abs(theirs).max())

"""``InstanceNorm1d/2d(track_running_stats=True)`` and ``F.instance_norm`` with running statistics:
training updates them with the batch's average of the instances' statistics, evaluation
normalizes with them; against closed forms and finite differences, and PyTorch 2.13 where it
is installed."""

from __future__ import annotations

import numpy as np
import pytest

import mytorch as mt
import mytorch.nn as nn
import mytorch.nn.functional as F


def _x(shape=(4, 3, 5, 6), seed=0):
    return np.random.default_rng(seed).normal(1.0, 2.0, shape)


def test_training_updates_the_running_statistics_and_evaluation_uses_them():
    x = _x()
    norm = nn.InstanceNorm2d(3, momentum=0.2, track_running_stats=True, dtype=mt.float64)
    assert [name for name, _ in norm.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked"]
    y = norm(mt.tensor(x))
    mean, var = x.mean((2, 3)), x.var((2, 3))
    np.testing.assert_allclose(y.numpy(), (x - mean[..., None, None]) / np.sqrt(var[..., None, None] + 1e-5))
    np.testing.assert_allclose(norm.running_mean.numpy(), 0.2 * mean.mean(0), rtol=1e-12)
    np.testing.assert_allclose(norm.running_var.numpy(), 0.8 + 0.2 * x.var((2, 3), ddof=1).mean(0), rtol=1e-12)
    assert norm.num_batches_tracked.item() == 0  # (kept, never counted: PyTorch's)
    norm.eval()
    rm, rv = norm.running_mean.numpy().copy(), norm.running_var.numpy().copy()
    out = norm(mt.tensor(x))
    np.testing.assert_allclose(out.numpy(), (x - rm[:, None, None]) / np.sqrt(rv[:, None, None] + 1e-5), rtol=1e-12)
    assert norm(mt.tensor(_x((2, 3, 1, 1)))).shape == (2, 3, 1, 1)  # (one element: fine with running stats)
    np.testing.assert_array_equal(norm.running_mean.numpy(), rm)
    frozen = nn.InstanceNorm1d(3, momentum=None, track_running_stats=True, dtype=mt.float64)
    frozen(mt.tensor(_x((2, 3, 7))))  # momentum None: the statistics stay, as PyTorch's
    assert frozen.running_mean.tolist() == [0.0] * 3 and "momentum=None" in repr(frozen)


def test_eval_gradient_matches_finite_differences():
    x0, w0 = _x((2, 3, 4)), np.array([0.5, -1.0, 2.0])
    norm = nn.InstanceNorm1d(3, affine=True, track_running_stats=True, dtype=mt.float64)
    norm(mt.tensor(_x((2, 3, 4), seed=1)))  # running statistics that are not 0 and 1
    norm.eval()
    with mt.no_grad():
        norm.weight.copy_(mt.tensor(w0))
    x = mt.tensor(x0, requires_grad=True)
    (norm(x) ** 2).sum().backward()
    rm, rv = norm.running_mean.numpy()[:, None], norm.running_var.numpy()[:, None]
    expected = 2 * (w0[:, None] * (x0 - rm) / np.sqrt(rv + 1e-5) + 0) * w0[:, None] / np.sqrt(rv + 1e-5)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12)

    def f(a):
        return float((norm(mt.tensor(a)) ** 2).sum())

    numeric = np.zeros_like(x0)
    for index in np.ndindex(x0.shape):
        step = np.zeros_like(x0)
        step[index] = 1e-6
        numeric[index] = (f(x0 + step) - f(x0 - step)) / 2e-6
    np.testing.assert_allclose(x.grad.numpy(), numeric, rtol=1e-6)


def test_functional_form_and_its_refusals():
    x = mt.tensor(_x((2, 3, 4)))
    rm, rv = mt.zeros(3, dtype=mt.float64), mt.ones(3, dtype=mt.float64)
    F.instance_norm(x, rm, rv, use_input_stats=True, momentum=0.5)
    np.testing.assert_allclose(rm.numpy(), 0.5 * x.numpy().mean(2).mean(0), rtol=1e-12)
    with pytest.raises(RuntimeError, match="running_mean and running_var to be defined when use_input_stats"):
        F.instance_norm(x, use_input_stats=False)
    with pytest.raises(ValueError, match="running_mean must have shape \\(3,\\)"):
        F.instance_norm(x, mt.zeros(2), mt.ones(3))
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        nn.InstanceNorm2d(3, track_running_stats=True)(mt.tensor(_x((2, 3, 1, 1))))  # (training)


def test_lazy_instance_norms_track_and_are_affine_by_default_as_pytorchs_and_state_dict():
    # PyTorch's LazyInstanceNorm defaults to affine=True, track_running_stats=True (the eager one to
    # neither); MyTorch's took the eager defaults, and its empty weight slot raised KeyError 'weight'
    lazy = nn.LazyInstanceNorm2d(dtype=mt.float64)
    assert "affine=True, bias=True, track_running_stats=True" in repr(lazy)
    lazy(mt.tensor(_x()))
    assert lazy.running_mean.shape == (3,) and type(lazy).__name__ == "InstanceNorm2d"
    assert [name for name, _ in lazy.named_parameters()] == ["weight", "bias"]
    assert "affine=False" in repr(nn.LazyInstanceNorm1d(1e-5, 0.1, False))  # (given by place: kept)
    plain = nn.LazyBatchNorm2d(affine=False)
    assert plain(mt.ones(2, 3, 4, 4)).shape == (2, 3, 4, 4) and plain.weight is None
    fresh = nn.InstanceNorm2d(3, affine=True, track_running_stats=True, dtype=mt.float64)
    fresh.load_state_dict(lazy.state_dict())
    np.testing.assert_array_equal(fresh.running_var.numpy(), lazy.running_var.numpy())


def test_matches_pytorch_in_training_and_evaluation():
    torch = pytest.importorskip("torch")
    x0 = _x((3, 2, 4, 5))
    found = []
    for library in (mt, torch):
        norm = library.nn.InstanceNorm2d(2, affine=True, track_running_stats=True, dtype=library.float64)
        with library.no_grad():
            norm.weight.copy_(library.tensor([1.5, -0.5], dtype=library.float64))
            norm.bias.copy_(library.tensor([0.1, 0.2], dtype=library.float64))
        outputs = []
        for step in range(3):
            x = library.tensor(x0 * (step + 1), requires_grad=True)
            norm.train(step < 2)
            y = norm(x)
            (y**3).sum().backward()
            outputs += [y.detach().numpy(), x.grad.numpy(), norm.weight.grad.numpy().copy()]
        outputs += [b.numpy() for b in norm.buffers()]
        unbatched = norm(library.tensor(x0[0]))
        outputs.append(unbatched.detach().numpy())
        found.append(outputs)
    for i, (a, b) in enumerate(zip(*found)):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=str(i))


def test_instance_norm_3d_and_its_lazy_form():
    x = _x((2, 3, 3, 4, 2))
    norm = nn.InstanceNorm3d(3, track_running_stats=True, dtype=mt.float64)
    y = norm(mt.tensor(x))
    mean, var = x.mean((2, 3, 4), keepdims=True), x.var((2, 3, 4), keepdims=True)
    np.testing.assert_allclose(y.numpy(), (x - mean) / np.sqrt(var + 1e-5), rtol=1e-12)
    np.testing.assert_allclose(norm.running_mean.numpy(), 0.1 * mean.reshape(2, 3).mean(0), rtol=1e-12)
    assert nn.InstanceNorm3d(3)(mt.tensor(x[0])).shape == (3, 3, 4, 2)  # (unbatched)
    lazy = nn.LazyInstanceNorm3d(dtype=mt.float64)
    lazy(mt.tensor(x))
    assert type(lazy).__name__ == "InstanceNorm3d" and lazy.weight.shape == (3,) and lazy.running_var.shape == (3,)

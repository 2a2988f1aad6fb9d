"""``F.affine_grid`` and ``F.grid_sample`` (``mytorch/nn/sampling.py``), as the spatial
transformer tutorial uses them: closed forms, finite differences, and PyTorch's values and
gradients where it is installed."""

from __future__ import annotations

import numpy as np
import pytest

import mytorch as mt
import mytorch.nn.functional as F
from mytorch.gradcheck import numerical_vjp

IDENTITY = np.array([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])


def test_the_identity_grid_reads_the_input_back():
    # "module 'mytorch.nn.functional' has no attribute 'affine_grid'" before
    x = mt.tensor(np.arange(12.0).reshape(1, 1, 3, 4))
    for align in (False, True):
        grid = F.affine_grid(mt.tensor(IDENTITY), (1, 1, 3, 4), align_corners=align)
        assert grid.shape == (1, 3, 4, 2)
        np.testing.assert_allclose(F.grid_sample(x, grid, align_corners=align).numpy(), x.numpy(), atol=1e-12)
    half = mt.tensor([[[[0.0, 0.0]]]])  # the centre of a 2 x 2 image: the mean of its four pixels
    assert F.grid_sample(mt.tensor([[[[1.0, 2.0], [3.0, 6.0]]]]), half, align_corners=False).item() == 3.0
    outside = mt.tensor([[[[1.5, 0.0]]]])  # past the right edge: half a pixel of zeros beyond the border
    assert F.grid_sample(mt.tensor([[[[1.0, 2.0], [3.0, 6.0]]]]), outside, align_corners=False).item() == 0.0
    with pytest.raises(ValueError, match="reflection"):
        F.grid_sample(x, grid, padding_mode="reflection")


def test_gradients_match_finite_differences():
    rng = np.random.default_rng(1)
    x0, t0 = rng.standard_normal((1, 2, 4, 5)), IDENTITY + 0.2 * rng.standard_normal((1, 2, 3))
    weights = rng.standard_normal((1, 2, 3, 3))

    def sample(x, t):
        return F.grid_sample(x, F.affine_grid(t, (1, 2, 3, 3), align_corners=False), align_corners=False)

    x, t = mt.tensor(x0.copy(), requires_grad=True), mt.tensor(t0.copy(), requires_grad=True)
    (sample(x, t) * mt.tensor(weights)).sum().backward()
    probe_x, probe_t = x0.copy(), t0.copy()
    gx = numerical_vjp(lambda: sample(mt.tensor(probe_x), mt.tensor(t0)).numpy(), probe_x, weights, 1e-6)
    gt = numerical_vjp(lambda: sample(mt.tensor(x0), mt.tensor(probe_t)).numpy(), probe_t, weights, 1e-6)
    np.testing.assert_allclose(x.grad.numpy(), gx, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(t.grad.numpy(), gt, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("align", [False, True])
@pytest.mark.parametrize("mode, padding", [("bilinear", "zeros"), ("bilinear", "border"), ("nearest", "zeros")])
def test_sampling_matches_torch(align, mode, padding):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    t0, x0 = IDENTITY + 0.5 * rng.standard_normal((2, 2, 3)), rng.standard_normal((2, 3, 5, 4))
    got = []
    for lib in (mt, torch):
        t, x = lib.tensor(t0, requires_grad=True), lib.tensor(x0, requires_grad=True)
        grid = lib.nn.functional.affine_grid(t, (2, 3, 4, 6), align_corners=align)
        out = lib.nn.functional.grid_sample(x, grid, mode=mode, padding_mode=padding, align_corners=align)
        (out * lib.cos(lib.arange(out.numel(), dtype=lib.float64)).reshape(out.shape)).sum().backward()
        got.append((out.detach().numpy(), x.grad.numpy(), None if t.grad is None else t.grad.numpy()))
    np.testing.assert_allclose(got[0][0], got[1][0], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(got[0][1], got[1][1], rtol=1e-12, atol=1e-14)
    if mode == "bilinear":
        np.testing.assert_allclose(got[0][2], got[1][2], rtol=1e-11, atol=1e-13)

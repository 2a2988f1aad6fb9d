"""``F.affine_grid`` and ``F.grid_sample`` (``mytorch/nn/sampling.py``), as the spatial
transformer tutorial uses them: closed forms, finite differences, and PyTorch's values and
gradients where it is installed."""

from __future__ import annotations

import math

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
@pytest.mark.parametrize(
    "mode, padding", [("bilinear", "zeros"), ("bilinear", "border"), ("nearest", "zeros"), ("nearest", "border")]
)
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
    np.testing.assert_allclose(got[0][2], got[1][2], rtol=1e-11, atol=1e-13)  # (zeros for nearest)


@pytest.mark.parametrize("align", [False, True])
def test_border_points_on_and_past_the_edge_get_no_grid_gradient(align):
    # clamp passed the gradient at the bound: a point exactly on the border (y = 1 with
    # align_corners) got a grid gradient (5.6 here) where PyTorch's clip gives 0
    x = mt.tensor(np.arange(12.0).reshape(1, 1, 3, 4))
    grid = mt.tensor([[[[0.2, 1.0], [1.3, -1.2], [0.1, 0.3]]]], requires_grad=True)
    out = mt.nn.functional.grid_sample(x, grid, padding_mode="border", align_corners=align)
    out.sum().backward()
    g = grid.grad.numpy()[0, 0]
    # y = 1.0 is on the border with align_corners (past it without): its y gets 0, as the clamped point's x and y
    assert g[1].tolist() == [0.0, 0.0] and g[0, 1] == 0.0 and g[0, 0] != 0.0
    width, height = (3, 2) if align else (4, 3)  # pixels per unit of grid, times 2
    assert g[2, 0] == pytest.approx(width / 2) and g[2, 1] == pytest.approx(4 * height / 2)  # slopes 1 and 4


@pytest.mark.parametrize("padding", ["zeros", "border"])
def test_nearest_gives_the_grid_a_zero_gradient(padding):
    # grid.grad was None (the read does not depend on the grid); PyTorch's is zeros
    x = mt.tensor(np.arange(12.0).reshape(1, 1, 3, 4), requires_grad=True)
    grid = mt.tensor([[[[0.2, 0.9], [math.inf, -0.2]]]], requires_grad=True)
    out = mt.nn.functional.grid_sample(x, grid, mode="nearest", padding_mode=padding, align_corners=False)
    out.sum().backward()
    assert grid.grad.tolist() == [[[[0.0, 0.0], [0.0, 0.0]]]] and np.isfinite(out.numpy()).all()
    assert out.numpy()[0, 0, 0, 0] == 10.0  # row 2, column 2 (x 0.2 -> 1.9, y 0.9 -> 2.35)

"""The gradient of linalg.svd's U and Vh (the reduced SVD, real, batched): finite differences on
losses that do not depend on the singular vectors' signs, PyTorch's gradients and second
derivatives, and the refusal at repeated or (non-square) zero singular values."""

import numpy as np
import pytest

import mytorch as mt
from mytorch.autograd import gradcheck, gradgradcheck

try:
    import torch
except ImportError:  # pragma: no cover - torch is optional
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="needs PyTorch")

R = np.random.default_rng(17)
SHAPES = [(4, 3), (3, 5), (4, 4), (2, 5, 3), (2, 3, 3, 6)]


def _loss(lib, a, full_matrices=False):
    """Sign-invariant: |U|^3, Vh's squares, U U^T, u_1 v_1^T and U diag(S) Vh."""
    u, s, vh = lib.linalg.svd(a, full_matrices=full_matrices)
    k = s.shape[-1]
    u, vh = u[..., :k], vh[..., :k, :]
    loss = (u.abs() ** 3).sum() + ((vh * vh)[..., 0, :] * s[..., :1]).sum()
    loss = loss + ((u @ u.transpose(-2, -1)) ** 2 * a.sum()).sum() + (u[..., :1] * vh[..., :1, :]).sum() ** 2
    return loss + ((u * s[..., None, :]) @ vh).square().sum()


@pytest.mark.parametrize("shape", SHAPES)
def test_u_and_vh_gradients_match_finite_differences(shape):
    a = mt.tensor(R.standard_normal(shape), requires_grad=True)
    assert gradcheck(lambda x: _loss(mt, x), (a,))
    for which in (0, 2):  # each factor alone, through a sign-invariant map
        assert gradcheck(lambda x, w=which: mt.linalg.svd(x, full_matrices=False)[w] ** 2, (a,))


@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (3, 3)])
def test_u_and_vh_have_second_derivatives(shape):
    a = mt.tensor(R.standard_normal(shape), requires_grad=True)
    assert gradgradcheck(lambda x: _loss(mt, x), (a,))


@needs_torch
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("full_matrices", [False, True])
def test_gradients_and_second_derivatives_match_pytorch(shape, full_matrices):
    matrix = R.standard_normal(shape)

    def run(lib, dtype):
        a = lib.tensor(matrix.astype(dtype), requires_grad=True)
        (g,) = lib.autograd.grad(_loss(lib, a, full_matrices), a, create_graph=dtype == np.float64)
        if dtype != np.float64:
            return [g.detach().numpy()]
        (h,) = lib.autograd.grad((g * g).sum(), a)
        return [g.detach().numpy(), h.detach().numpy()]

    for ours, theirs in zip(run(mt, np.float64), run(torch, np.float64), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-9)
    (ours32,) = run(mt, np.float32)
    assert ours32.dtype == np.float32
    np.testing.assert_allclose(ours32, run(torch, np.float32)[0], rtol=2e-3, atol=2e-3)


def test_repeated_or_vanishing_singular_values_raise():
    for matrix, what in [
        (np.eye(3), "repeated singular values"),
        (np.vstack([np.diag([2.0, 1.0, 2.0]), np.ones((1, 3))]) * [1.0, 1.0, 0.0], "a singular value of 0"),
        (np.outer([1.0, 2.0, 3.0], [1.0, -1.0]), "a singular value of 0"),
    ]:
        a = mt.tensor(matrix, requires_grad=True)
        with pytest.raises(RuntimeError, match=f"linalg.svd: .*{what}.*shape \\({matrix.shape[0]}, "):
            mt.linalg.svd(a, full_matrices=False).U.square().sum().backward()
    square_rank_one = mt.tensor(np.outer([1.0, 2.0, 3.0], [3.0, -1.0, 2.0]), requires_grad=True)
    with pytest.raises(RuntimeError, match="repeated"):  # (two zeros: repeated)
        mt.linalg.svd(square_rank_one).Vh.square().sum().backward()
    single_zero = mt.tensor([[3.0, 1.0, 1.0], [0.0, 1.0, 1.0], [0.0, 0.0, 0.0]], requires_grad=True)
    u, s, vh = mt.linalg.svd(single_zero)
    (u * 1.0).abs().sum().backward()  # a square matrix's lone 0 is no obstacle
    assert np.isfinite(single_zero.grad.numpy()).all()


@pytest.mark.parametrize("shape", SHAPES[:4])
def test_forward_mode_matches_reverse_mode(shape):
    from mytorch.func import jacfwd, jacrev

    a = mt.tensor(R.standard_normal(shape))
    for which in (0, 2):
        f = lambda x, w=which: mt.linalg.svd(x, full_matrices=False)[w].abs()  # noqa: E731
        np.testing.assert_allclose(jacfwd(f)(a).numpy(), jacrev(f)(a).numpy(), atol=1e-12)
    if shape[-1] != shape[-2]:  # (the extra columns of a full U or Vh have no tangent)
        with pytest.raises(RuntimeError, match="forward mode is implemented for full_matrices=False"):
            jacfwd(lambda x: mt.linalg.svd(x).U.abs() + mt.linalg.svd(x).Vh.abs().sum())(a)

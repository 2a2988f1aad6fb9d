"""linalg.eigh, eigvalsh, svd, qr, pinv, lstsq, matrix_rank and torch.svd / pinverse
(mytorch/linalg_decompositions.py): values by their defining identities, gradients by central
differences (gradcheck) and against PyTorch where installed, forward mode against reverse."""

import numpy as np
import pytest

import mytorch as mt
from mytorch.autograd import gradcheck
from mytorch.func import jacfwd, jacrev

try:
    import torch
except ImportError:  # pragma: no cover - PyTorch is optional
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

R = np.random.default_rng(0)
A = R.standard_normal((4, 3))
SYM = A.T @ A + np.diag([0.5, 1.5, 3.0])  # distinct eigenvalues


def test_values_satisfy_their_identities():
    w, v = mt.linalg.eigh(mt.tensor(SYM))
    np.testing.assert_allclose((v * w) @ v.T, SYM, atol=1e-12)
    assert np.all(np.diff(w.numpy()) > 0) and mt.linalg.eigvalsh(mt.tensor(SYM)).tolist() == w.tolist()
    u, s, vh = mt.linalg.svd(mt.tensor(A), full_matrices=False)
    np.testing.assert_allclose(((u * s) @ vh).numpy(), A, atol=1e-12)
    assert mt.linalg.svd(mt.tensor(A)).U.shape == (4, 4) and mt.svd(mt.tensor(A)).V.shape == (3, 3)
    q, r = mt.linalg.qr(mt.tensor(A))
    np.testing.assert_allclose((q @ r).numpy(), A, atol=1e-12)
    np.testing.assert_allclose(mt.linalg.pinv(mt.tensor(A)).numpy(), np.linalg.pinv(A), atol=1e-12)
    low_rank = A @ np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [0.0, 0.0, 0.0]])
    assert (
        mt.linalg.matrix_rank(mt.tensor(low_rank)).item() == 2 and mt.linalg.matrix_rank(mt.tensor(A)).dtype == mt.int64
    )
    b = R.standard_normal((4, 2))
    result = mt.linalg.lstsq(mt.tensor(A), mt.tensor(b))
    np.testing.assert_allclose(result.solution.numpy(), np.linalg.lstsq(A, b, rcond=None)[0], atol=1e-12)
    assert result.rank.item() == 3 and result.residuals.shape == (0,)


def test_gradients_match_differences_and_forward_mode():
    sym = mt.tensor(SYM, requires_grad=True)
    weights = mt.tensor(R.standard_normal((3, 3)))

    def vectors(m):  # a loss of the eigenvectors that does not depend on their signs
        v = mt.linalg.eigh((m + m.T) * 0.5).eigenvectors
        return ((v * v) * weights).sum()

    assert gradcheck(vectors, (sym,))
    assert gradcheck(lambda m: mt.linalg.eigvalsh((m + m.T) * 0.5) * mt.tensor([1.0, 2.0, 3.0]), (sym,))
    a = mt.tensor(A, requires_grad=True)
    assert gradcheck(lambda m: mt.linalg.pinv(m), (a,))
    assert gradcheck(lambda m: mt.linalg.qr(m).R * 2.0 + mt.linalg.qr(m).Q.sum(0), (a,))
    assert gradcheck(
        lambda m, y: mt.linalg.lstsq(m, y).solution, (a, mt.tensor(R.standard_normal((4, 2)), requires_grad=True))
    )
    np.testing.assert_allclose(jacfwd(mt.linalg.pinv)(a).numpy(), jacrev(mt.linalg.pinv)(a).numpy(), atol=1e-12)
    (second,) = mt.autograd.grad(
        mt.autograd.grad(mt.linalg.pinv(a).square().sum(), a, create_graph=True)[0].sum(), a
    )  # pinv's rule is matrix products: differentiable again
    assert second.shape == a.shape and np.isfinite(second.numpy()).all()
    assert gradcheck(lambda m: mt.linalg.svd(m, full_matrices=False).U.abs(), (a,))  # (more: test_linalg_svd_vectors)


def _eigh_loss(lib, x):
    """A loss through both outputs of eigh of a symmetric matrix made from x."""
    e, v = lib.linalg.eigh(x.T @ x + lib.eye(3, dtype=x.dtype))
    return (e**2).sum() + e.max() + (v[:, 0] ** 4).sum() + (v[:, 2] * x[0]).sum() ** 2


def test_eigh_has_derivatives_of_every_order():
    """eigh's gradient was first-order only (create_graph raised); its recorded rules now read the
    eigenvalues and eigenvectors recomputed as recorded functions of A. The second derivative along
    u against central differences of the first."""
    b, u = R.standard_normal((4, 3)), R.standard_normal((4, 3))

    def gradient(x0, create_graph=False):
        x = mt.tensor(x0, requires_grad=True)
        (g,) = mt.autograd.grad(_eigh_loss(mt, x), x, create_graph=create_graph)
        return x, g

    x, g = gradient(b, create_graph=True)
    (hu,) = mt.autograd.grad((g * mt.tensor(u)).sum(), x)
    eps = 1e-6
    numeric = (gradient(b + eps * u)[1].numpy() - gradient(b - eps * u)[1].numpy()) / (2 * eps)
    np.testing.assert_allclose(hu.numpy(), numeric, rtol=1e-6, atol=1e-7)


@needs_torch
def test_eigh_second_and_third_derivatives_and_hessian_match_pytorch():
    b, u = R.standard_normal((4, 3)), R.standard_normal((4, 3))

    def run(lib, F):
        x = lib.tensor(b, requires_grad=True)
        (g,) = lib.autograd.grad(_eigh_loss(lib, x), x, create_graph=True)
        (h,) = lib.autograd.grad((g * lib.tensor(u)).sum(), x, create_graph=True)
        (k,) = lib.autograd.grad((h**2).sum(), x)
        hessian = F.hessian(lambda y: _eigh_loss(lib, y))(lib.tensor(b))
        return [t.detach().numpy() for t in (h, k, hessian)]

    for ours, theirs in zip(run(mt, mt.func), run(torch, torch.func), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-9)


@needs_torch
def test_gradients_match_pytorch():
    def run(lib):
        s = lib.tensor(SYM, requires_grad=True)
        a = lib.tensor(A, requires_grad=True)
        w, v = lib.linalg.eigh(s)
        q, r = lib.linalg.qr(a)
        loss = (w * lib.tensor([1.0, -2.0, 0.5])).sum() + ((v * v) * lib.tensor(SYM)).sum()
        loss = loss + lib.linalg.pinv(a).square().sum() + (r.abs() ** 1.5).sum() + (q * q * lib.tensor(A)).sum()
        loss = loss + lib.linalg.svd(a, full_matrices=False).S.sum() + lib.pinverse(a).sum()
        loss.backward()
        return [w.detach().numpy(), s.grad.numpy(), a.grad.numpy()]

    for ours, theirs in zip(run(mt), run(torch), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-11)


@needs_torch
def test_pinv_second_derivative_matches_pytorch():
    def run(lib):
        a = lib.tensor(A, requires_grad=True)
        (g,) = lib.autograd.grad(lib.linalg.pinv(a).square().sum(), a, create_graph=True)
        (h,) = lib.autograd.grad((g * g).sum(), a)
        return h.detach().numpy()

    np.testing.assert_allclose(run(mt), run(torch), rtol=1e-9, atol=1e-9)


def test_eig_and_eigvals_satisfy_a_v_equals_v_w_and_refuse_a_gradient():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((2, 4, 4))
    w, v = mt.linalg.eig(mt.tensor(a))
    assert w.dtype == mt.complex128 and v.dtype == mt.complex128
    np.testing.assert_allclose(a @ v.numpy(), v.numpy() * w.numpy()[:, None, :], atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(v.numpy(), axis=1), 1.0)
    values = mt.linalg.eigvals(mt.tensor(a, dtype=mt.float32))
    assert values.dtype == mt.complex64
    np.testing.assert_allclose(np.sort_complex(values.numpy()[0]), np.sort_complex(w.numpy()[0]), rtol=1e-5)
    rotation = mt.tensor([[0.0, -1.0], [1.0, 0.0]], requires_grad=True)
    spectrum = mt.linalg.eigvals(rotation)
    assert sorted(spectrum.imag.tolist()) == [-1.0, 1.0] and spectrum.requires_grad
    with pytest.raises(RuntimeError, match="eigvalsh"):
        spectrum.real.sum().backward()
    with pytest.raises(ValueError, match="square"):
        mt.linalg.eigvals(mt.ones(2, 3))


@needs_torch
def test_eigvals_match_pytorchs():
    a = np.random.default_rng(4).standard_normal((5, 5))
    ours = np.sort_complex(mt.linalg.eigvals(mt.tensor(a)).numpy())
    theirs = np.sort_complex(torch.linalg.eigvals(torch.tensor(a)).numpy())
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


def test_svd_based_functions_of_a_matrix_with_inf_give_nan_and_return():
    """NumPy's SVD never returns for this matrix (LAPACK loops, NumPy 1.26 and 2.x): svdvals,
    matrix_norm(2, -2, "nuc"), svd, pinv hung. Each matrix holding an inf or NaN now gives NaN,
    as PyTorch's; the other matrices of a batch are untouched."""
    a = np.array([[1e300, 1.0, np.inf], [-3.0, -1.0, -2.0], [1.0, 2.0, -1.0]]).T
    x = mt.tensor(a)
    for order in (2, -2, "nuc"):
        assert np.isnan(mt.linalg.matrix_norm(x, order).item())
    assert np.isnan(mt.linalg.svdvals(x).numpy()).all()
    assert np.isnan(mt.linalg.svd(x).S.numpy()).all()
    assert np.isnan(mt.linalg.pinv(x).numpy()).all()
    batch = mt.tensor(np.stack([a, 2 * np.eye(3)]).astype(np.float32))
    values = mt.linalg.svdvals(batch)
    assert values.dtype == np.float32 and np.isnan(values.numpy()[0]).all()
    np.testing.assert_array_equal(values.numpy()[1], [2.0, 2.0, 2.0])


def test_matrix_rank_of_a_matrix_holding_nan_or_inf_raises():
    """Its rank was 0 (the NaN singular values compare false); PyTorch raises for a NaN."""
    with pytest.raises(mt.linalg.LinAlgError, match="matrix_rank: the matrix holds an inf or a NaN"):
        mt.linalg.matrix_rank(mt.tensor([[1.0, float("nan")], [0.0, 1.0]]))
    batch = mt.stack([mt.eye(2), mt.tensor([[1.0, float("inf")], [0.0, 1.0]])])
    with pytest.raises(RuntimeError, match=r"\(batch element 1\)"):
        mt.linalg.matrix_rank(batch)
    assert mt.linalg.matrix_rank(mt.stack([mt.eye(2), mt.zeros(2, 2)])).tolist() == [2, 0]


@needs_torch
@pytest.mark.parametrize("shape", [(4, 3), (3, 5), (2, 3, 3)], ids=["tall", "wide", "batch"])
def test_singular_values_and_matrix_norms_have_second_and_third_derivatives_as_pytorch(shape):
    """svdvals (and the matrix norms 2, -2, "nuc") was first order only; its recorded backward is
    x V diag(g / s) V^T from eigh of x^T x (x x^T for a wide x)."""
    b = np.random.default_rng(0).standard_normal(shape)

    def loss(lib, x):
        out = (lib.linalg.svdvals(x) ** 3).sum() + lib.linalg.matrix_norm(x, "nuc").sum()
        return out + lib.linalg.matrix_norm(x, 2).sum() + lib.linalg.matrix_norm(x, -2).sum()

    def run(lib, F):
        x = lib.tensor(b, requires_grad=True)
        (g,) = lib.autograd.grad(loss(lib, x), x, create_graph=True)
        (h,) = lib.autograd.grad((g * lib.tensor(np.cos(b))).sum(), x, create_graph=True)
        (k,) = lib.autograd.grad((h**2).sum(), x)
        return [t.detach().numpy() for t in (h, k, F.hessian(lambda y: loss(lib, y))(lib.tensor(b)))]

    for ours, theirs in zip(run(mt, mt.func), run(torch, torch.func), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-8)


@needs_torch
@pytest.mark.parametrize(
    "shape", [(4, 3), (3, 3), (2, 5, 3), (3, 5), (2, 3, 4)], ids=["tall", "square", "batch", "wide", "wide batch"]
)
def test_qr_has_forward_mode_and_derivatives_of_every_order_as_pytorch(shape):
    """qr's gradient was first order only (create_graph raised) and it had no JVP rule (func.jvp,
    jacfwd and hessian raised); of a wide matrix it raised "implemented for m >= n only" until
    2026-12-04."""
    r = np.random.default_rng(1)
    b, t = r.standard_normal(shape), r.standard_normal(shape)

    def loss(lib, x):
        q, upper = lib.linalg.qr(x)
        square = (q * x[..., : q.shape[-1]]).sum() ** 2
        return (upper.diagonal(0, -2, -1) ** 3).sum() + (q[..., 0] ** 4).sum() + square + (upper[..., -1] ** 3).sum()

    def run(lib, F):
        x = lib.tensor(b, requires_grad=True)
        (g,) = lib.autograd.grad(loss(lib, x), x, create_graph=True)
        (h,) = lib.autograd.grad((g * lib.tensor(np.cos(b))).sum(), x, create_graph=True)
        (k,) = lib.autograd.grad((h**2).sum(), x)
        tangents = [F.jvp(lambda y, i=i: lib.linalg.qr(y)[i], (lib.tensor(b),), (lib.tensor(t),))[1] for i in (0, 1)]
        hessian = F.hessian(lambda y: loss(lib, y))(lib.tensor(b))
        return [v.detach().numpy() for v in (h, k, *tangents, hessian)]

    for ours, theirs in zip(run(mt, mt.func), run(torch, torch.func), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("shape", [(3, 5), (2, 2, 4)])
def test_the_gradient_of_a_wide_qr_matches_differences(shape):
    """A wide A = [X | Y] is X = Q R1, Y = Q R2: Y's gradient is Q gR2, Q's gains Y gR2^T."""
    a = mt.tensor(np.random.default_rng(3).standard_normal(shape), requires_grad=True)
    assert gradcheck(lambda m: mt.linalg.qr(m).R.sin(), (a,))
    assert gradcheck(lambda m: mt.linalg.qr(m).Q ** 3, (a,))
    assert mt.autograd.gradgradcheck(lambda m: (mt.linalg.qr(m).R ** 2).sum() + mt.linalg.qr(m).Q.exp().sum(), (a,))
    step = np.random.default_rng(4).standard_normal(shape)
    _, tangent = mt.func.jvp(lambda m: mt.linalg.qr(m).R, (a.detach(),), (mt.tensor(step),))
    up, down = (mt.linalg.qr(mt.tensor(a.detach().numpy() + e * step)).R.numpy() for e in (1e-6, -1e-6))
    np.testing.assert_allclose(tangent.numpy(), (up - down) / 2e-6, rtol=1e-6, atol=1e-8)
    with pytest.raises(RuntimeError, match="mode='complete' of a tall matrix"):
        mt.linalg.qr(mt.tensor(np.ones((4, 3)) + np.eye(4, 3), requires_grad=True), mode="complete").Q.sum().backward()

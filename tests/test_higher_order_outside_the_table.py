"""Second derivatives of what lies outside the kernel table, against finite differences and PyTorch.

``tests/test_higher_order.py`` differentiates every kernel of ``F.KERNELS`` twice against
central differences of its gradient, ``tests/test_higher_order_torch.py`` against PyTorch, and
``tests/test_higher_order_functions_torch.py`` the Tensor methods and ``F.`` functions composed
of kernels. Here: the operations with backward rules of their own (the ``Function``s of
``linalg``, ``fft``, the complex parts, the specialised pooling, convolution, interpolation and
loss paths) and a sweep of other Tensor functions, each in float64 at points away from kinks
and ties:

* the gradient of <w, f(x)²> recorded (``create_graph=True``), then the derivative of <v, it>
  along u, against central differences of <v, the first-order gradient> along u;
* where PyTorch is installed, that second derivative itself, and whether the gradient of
  <w, f(x)> alone is in the graph (PyTorch's pools and ``rrelu`` record theirs, so that
  differentiating it again gives zeros: MyTorch's raised "does not require a gradient" until
  2026-12-04), against PyTorch's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import mytorch as mt

rng0 = np.random.default_rng(0)
X = np.array([[-3.7, -2.3, -0.8, -0.3], [0.2, 0.7, 1.4, 2.6], [3.6, 6.4, -1.7, 0.35]])  # no kink or tie
P = np.abs(X) + 0.3  # positive
Y = rng0.standard_normal((3, 4))
SPD = (lambda a: a @ a.T + 3 * np.eye(3))(rng0.standard_normal((3, 3)))
A3 = rng0.standard_normal((3, 3)) + 2 * np.eye(3)
B32 = rng0.standard_normal((3, 2))
IMG = rng0.standard_normal((2, 2, 5, 5))
K = rng0.standard_normal((3, 2, 3, 3))
S1 = rng0.standard_normal((2, 2, 7))
K1 = rng0.standard_normal((3, 2, 3))
TALL = rng0.standard_normal((4, 3))
SEQ = rng0.standard_normal((2, 3, 4))


def Fn(L: Any) -> Any:  # noqa: N802 - the F of the library L
    return L.nn.functional


def I(L: Any, a: Any) -> Any:  # noqa: E743, N802 - a constant tensor of the library L
    return L.tensor(np.asarray(a))


# name: (f(L, *inputs) in the library L (mytorch or torch), inputs); every input requires a gradient
OPS: dict[str, tuple[Callable[..., Any], list[np.ndarray]]] = {
    "conv1d": (lambda L, x, w: Fn(L).conv1d(x, w, padding=1), [S1, K1]),
    "conv2d": (lambda L, x, w: Fn(L).conv2d(x, w, stride=2, padding=1), [IMG, K]),
    "conv_transpose2d": (lambda L, x, w: Fn(L).conv_transpose2d(x, w.transpose(0, 1)[:2], stride=2), [IMG, K]),
    "conv_transpose1d": (lambda L, x, w: Fn(L).conv_transpose1d(x, w.transpose(0, 1)[:2], stride=2), [S1, K1]),
    "max_pool2d": (lambda L, x: Fn(L).max_pool2d(x, 2), [IMG]),
    "avg_pool2d": (lambda L, x: Fn(L).avg_pool2d(x, 2), [IMG]),
    "max_pool1d": (lambda L, x: Fn(L).max_pool1d(x, 2), [S1]),
    "max_pool2d indices": (lambda L, x: Fn(L).max_pool2d(x, 3, 2, 1, return_indices=True)[0], [IMG]),
    "avg_pool1d": (lambda L, x: Fn(L).avg_pool1d(x, 3, 2), [S1]),
    "adaptive_avg_pool2d": (lambda L, x: Fn(L).adaptive_avg_pool2d(x, 3), [IMG]),
    "adaptive_max_pool2d": (lambda L, x: Fn(L).adaptive_max_pool2d(x, 2), [IMG]),
    "interp bilinear": (lambda L, x: Fn(L).interpolate(x, scale_factor=2, mode="bilinear", align_corners=False), [IMG]),
    "interp nearest": (lambda L, x: Fn(L).interpolate(x, scale_factor=2, mode="nearest"), [IMG]),
    "interp bicubic": (lambda L, x: Fn(L).interpolate(x, size=(7, 7), mode="bicubic", align_corners=True), [IMG]),
    "interp linear": (lambda L, x: Fn(L).interpolate(x, size=9, mode="linear"), [S1]),
    "group_norm": (lambda L, x, w: Fn(L).group_norm(x, 2, w[0, :2], w[1, :2]), [IMG, Y]),
    "instance_norm": (lambda L, x: Fn(L).instance_norm(x), [IMG]),
    "local_response_norm": (lambda L, x: Fn(L).local_response_norm(x, 2), [IMG]),
    "pixel_shuffle": (lambda L, x: Fn(L).pixel_shuffle(x.reshape(1, 4, 5, 5), 2), [IMG]),
    "unfold": (lambda L, x: Fn(L).unfold(x, 2), [IMG]),
    "fold": (lambda L, x: Fn(L).fold(x.reshape(2, 50)[:, :16].reshape(2, 4, 4), (3, 3), 2), [IMG]),
    "grid_sample": (
        lambda L, x, g: Fn(L).grid_sample(x, g.reshape(1, 2, 3, 2).expand(2, 2, 3, 2) * 0.7, align_corners=False),
        [IMG, Y],
    ),
    "affine_grid": (lambda L, t: Fn(L).affine_grid(t[:2, :3].reshape(1, 2, 3), (1, 1, 3, 4), align_corners=False), [Y]),
    "embedding_bag": (lambda L, w: Fn(L).embedding_bag(I(L, [0, 2, 1, 2]), w, I(L, [0, 2]), mode="mean"), [X]),
    "embedding_bag max": (lambda L, w: Fn(L).embedding_bag(I(L, [0, 2, 1, 2]), w, I(L, [0, 2]), mode="max"), [X]),
    "cdist": (lambda L, x, y: L.cdist(x, y[:2] + 0.1), [X, Y]),
    "pdist": (lambda L, x: Fn(L).pdist(x), [X]),
    "sdpa": (lambda L, q, k: Fn(L).scaled_dot_product_attention(q, k, k * 0.5), [SEQ, SEQ]),
    "dropout eval": (lambda L, x: Fn(L).dropout(x, 0.3, training=False), [X]),
    "mse_loss": (lambda L, x, y: Fn(L).mse_loss(x, y), [X, Y]),
    "mse_loss sum": (lambda L, x, y: Fn(L).mse_loss(x, y, reduction="sum"), [X, Y]),
    "mse_loss none": (lambda L, x, y: Fn(L).mse_loss(x, y, reduction="none"), [X, Y]),
    "gaussian_nll": (lambda L, x, y, v: Fn(L).gaussian_nll_loss(x, y, v), [X, Y, P]),
    "poisson_nll": (lambda L, x, y: Fn(L).poisson_nll_loss(x * 0.3, y.abs()), [X, Y]),
    "soft_margin": (lambda L, x: Fn(L).soft_margin_loss(x, I(L, np.sign(Y))), [X]),
    "multilabel_soft_margin": (lambda L, x: Fn(L).multilabel_soft_margin_loss(x, I(L, (Y > 0) * 1.0)), [X]),
    "multi_margin": (lambda L, x: Fn(L).multi_margin_loss(x * 0.1, I(L, [0, 2, 1])), [X]),
    "triplet": (lambda L, a, p: Fn(L).triplet_margin_loss(a, p, a * 0.3 + 1.0, margin=5.0), [X, Y]),
    "cosine_embedding": (lambda L, a, p: Fn(L).cosine_embedding_loss(a, p, I(L, [1.0, -1.0, 1.0])), [X, Y]),
    "margin_ranking": (lambda L, a, p: Fn(L).margin_ranking_loss(a, p, I(L, np.sign(Y)), margin=3.0), [X, Y]),
    "hinge_embedding": (lambda L, a: Fn(L).hinge_embedding_loss(a, I(L, np.sign(Y)), margin=5.0), [X]),
    "ctc": (lambda L, x: Fn(L).ctc_loss(x.reshape(3, 1, 4).log_softmax(2), I(L, [[1, 2]]), I(L, [3]), I(L, [2])), [X]),
    "nll 2d": (lambda L, x: Fn(L).nll_loss(x.reshape(1, 3, 2, 2).log_softmax(1), I(L, [[[0, 1], [2, 1]]])), [X]),
    "cross_entropy w": (lambda L, x: Fn(L).cross_entropy(x, I(L, [0, 3, 1]), weight=I(L, [1.0, 2.0, 0.5, 1.5])), [X]),
    "bce weight": (
        lambda L, p, y: Fn(L).binary_cross_entropy((p * 0.1).sigmoid(), y.sigmoid(), weight=I(L, np.abs(Y))),
        [X, Y],
    ),
    "bce_logits pos_weight": (
        lambda L, x, y: Fn(L).binary_cross_entropy_with_logits(x, y.sigmoid(), pos_weight=I(L, [1.0, 2.0, 0.5, 3.0])),
        [X, Y],
    ),
    "det": (lambda L, a: L.linalg.det(a), [A3]),
    "slogdet": (lambda L, a: L.linalg.slogdet(a)[1], [A3]),
    "logdet": (lambda L, a: L.logdet(a), [SPD]),
    "inv": (lambda L, a: L.linalg.inv(a), [A3]),
    "solve": (lambda L, a, b: L.linalg.solve(a, b), [A3, B32]),
    "cholesky": (lambda L, a: L.linalg.cholesky(a @ a.mT), [SPD]),
    "eigh values": (lambda L, a: L.linalg.eigh(a + a.mT)[0], [A3]),
    "eigh vectors": (lambda L, a: L.linalg.eigh(a + a.mT)[1].abs(), [A3]),
    "eigvalsh": (lambda L, a: L.linalg.eigvalsh(a + a.mT), [A3]),
    "svdvals": (lambda L, a: L.linalg.svdvals(a), [TALL]),
    "svd U": (lambda L, a: L.linalg.svd(a, full_matrices=False)[0].abs(), [TALL]),
    "svd Vh": (lambda L, a: L.linalg.svd(a, full_matrices=False)[2].abs(), [TALL]),
    "qr Q": (lambda L, a: L.linalg.qr(a)[0], [TALL]),
    "qr R": (lambda L, a: L.linalg.qr(a)[1], [TALL]),
    "pinv": (lambda L, a: L.linalg.pinv(a), [TALL]),
    "matrix_exp": (lambda L, a: L.linalg.matrix_exp(a * 0.5), [A3]),
    "lu_factor": (lambda L, a: L.linalg.lu_factor(a)[0], [A3]),
    "lu L": (lambda L, a: L.linalg.lu(a)[1], [A3]),
    "lu_solve": (lambda L, a, b: L.linalg.lu_solve(*L.linalg.lu_factor(a), b), [A3, B32]),
    "solve_triangular": (
        lambda L, a, b: L.linalg.solve_triangular(a.triu() + 3 * L.eye(3, dtype=L.float64), b, upper=True),
        [A3, B32],
    ),
    "matrix_norm fro": (lambda L, a: L.linalg.matrix_norm(a), [A3]),
    "matrix_norm nuc": (lambda L, a: L.linalg.matrix_norm(a, "nuc"), [A3]),
    "matrix_norm 2": (lambda L, a: L.linalg.matrix_norm(a, 2), [A3]),
    "vector_norm 3": (lambda L, a: L.linalg.vector_norm(a, 3, dim=1), [X]),
    "matrix_power -2": (lambda L, a: L.linalg.matrix_power(a, -2), [A3]),
    "cross": (lambda L, a, b: L.linalg.cross(a[:, :3], b[:, :3]), [X, Y]),
    "fft abs": (lambda L, x: L.fft.fft(x).abs(), [X]),
    "rfft real": (lambda L, x: L.fft.rfft(x).real, [X]),
    "irfft": (lambda L, x: L.fft.irfft(L.fft.rfft(x) * 1.5, n=4), [X]),
    "fft2 imag": (lambda L, x: L.fft.fft2(x).imag, [X]),
    "ifft real": (lambda L, x: L.fft.ifft(x).real, [X]),
    "complex abs": (lambda L, x, y: L.complex(x, y).abs(), [X, Y]),
    "complex mul": (lambda L, x, y: L.view_as_real(L.complex(x, y) * L.complex(y, x)), [X, Y]),
    "polar": (lambda L, r, t: L.view_as_real(L.polar(r, t)), [P, Y]),
    "trace": (lambda L, a: L.trace(a) * a.sum(), [A3]),
    "diag": (lambda L, a: L.diag(a) ** 3, [A3]),
    "diagonal": (lambda L, a: a.diagonal() ** 3, [A3]),
    "tril": (lambda L, a: a.tril(), [A3]),
    "roll": (lambda L, a: a.roll(1, 1), [X]),
    "flip": (lambda L, a: a.flip(0), [X]),
    "rot90": (lambda L, a: a.rot90(1, (0, 1)), [X]),
    "kron": (lambda L, a, b: L.kron(a[:2, :2], b[:2, :2]), [X, Y]),
    "tensordot": (lambda L, a, b: L.tensordot(a, b, dims=([1], [1])), [X, Y]),
    "cummax": (lambda L, a: a.cummax(1)[0], [X]),
    "cummin": (lambda L, a: a.cummin(1)[0], [X]),
    "logcumsumexp": (lambda L, a: a.logcumsumexp(1), [X]),
    "atan2": (lambda L, a, b: L.atan2(a, b), [X, Y]),
    "hypot": (lambda L, a, b: L.hypot(a, b), [X, Y]),
    "lerp": (lambda L, a, b, w: L.lerp(a, b, w), [X, Y, P]),
    "addcmul": (lambda L, a, b, c: L.addcmul(a, b, c, value=0.7), [X, Y, P]),
    "addcdiv": (lambda L, a, b, c: L.addcdiv(a, b, c, value=0.7), [X, Y, P]),
    "sinc": (lambda L, a: L.sinc(a), [X]),
    "logit": (lambda L, a: L.logit(a.sigmoid()), [X]),
    "xlogy": (lambda L, a, b: L.xlogy(a, b), [X, P]),
    "special.xlog1py": (lambda L, a, b: L.special.xlog1py(a, b), [X, P]),
    "special.entr": (lambda L, a: L.special.entr(a), [P]),
    "special.erfcx": (lambda L, a: L.special.erfcx(a), [X]),
    "special.log_ndtr": (lambda L, a: L.special.log_ndtr(a), [X]),
    "special.ndtr": (lambda L, a: L.special.ndtr(a), [X]),
    "logaddexp": (lambda L, a, b: L.logaddexp(a, b), [X, Y]),
    "logaddexp2": (lambda L, a, b: L.logaddexp2(a, b), [X, Y]),
    "float_power": (lambda L, a, b: L.float_power(a, b), [P, Y]),
    "sinh": (lambda L, a: L.sinh(a * 0.5), [X]),
    "tan": (lambda L, a: L.tan(a * 0.3), [X]),
    "asinh": (lambda L, a: L.asinh(a), [X]),
    "exp2": (lambda L, a: L.exp2(a), [X]),
    "renorm": (lambda L, a: a.renorm(2, 0, 3.0), [X]),
    "dist": (lambda L, a, b: L.dist(a, b, 3), [X, Y]),
    "diff": (lambda L, a: a.diff(dim=1), [X]),
    "trapezoid": (lambda L, a: L.trapezoid(a, dim=1), [X]),
    "std_mean": (lambda L, a: L.std_mean(a, 1)[0], [X]),
    "var_mean": (lambda L, a: L.var_mean(a, 1)[0], [X]),
    "median": (lambda L, a: a.median(1)[0], [X]),
    "nanmedian": (lambda L, a: a.nanmedian(), [X]),
    "quantile": (lambda L, a: a.quantile(0.3, dim=1), [X]),
    "kthvalue": (lambda L, a: a.kthvalue(2, 1)[0], [X]),
    "nanmean": (lambda L, a: a.nanmean(1), [X]),
    "nansum": (lambda L, a: a.nansum(1), [X]),
    "nan_to_num": (lambda L, a: a.nan_to_num(), [X]),
    "aminmax": (lambda L, a: L.aminmax(a, dim=1)[0], [X]),
    "mvlgamma": (lambda L, a: L.mvlgamma(a + 2, 2), [P]),
    "frac": (lambda L, a: a.frac(), [X]),
    "copysign": (lambda L, a, b: L.copysign(a, b), [X, Y]),
    "fmax": (lambda L, a, b: L.fmax(a, b), [X, Y]),
    "masked_scatter": (lambda L, a, b: a.masked_scatter(I(L, X > 0), b), [X, Y]),
    "index_add": (lambda L, a, b: a.index_add(0, I(L, [0, 2, 0]), b), [X, Y]),
    "index_put": (lambda L, a, b: a.index_put((I(L, [0, 2]),), b[:2], accumulate=True), [X, Y]),
    "take_along_dim": (lambda L, a: L.take_along_dim(a, I(L, [[0], [2], [1]]), 1), [X]),
    "narrow": (lambda L, a: a.narrow(1, 1, 2), [X]),
    "unfold tensor": (lambda L, a: a.unfold(1, 2, 1), [X]),
    "movedim": (lambda L, a: a.reshape(3, 2, 2).movedim(0, 2), [X]),
    "chunk": (lambda L, a: a.chunk(2, 1)[1], [X]),
    "block_diag": (lambda L, a, b: L.block_diag(a[:2, :2], b[:1]), [X, Y]),
    "cartesian_prod": (lambda L, a, b: L.cartesian_prod(a[0], b[0]), [X, Y]),
    "cov": (lambda L, a: L.cov(a), [X]),
    "corrcoef": (lambda L, a: L.corrcoef(a), [X]),
    "baddbmm": (
        lambda L, c, a, b: L.baddbmm(c.reshape(3, 1, 4), a.reshape(3, 1, 4).mT, b.reshape(3, 1, 4), beta=0.5),
        [X, Y, P],
    ),
    "addmm": (lambda L, c, a, b: L.addmm(c[:, :3], a, b.mT, beta=0.5, alpha=2.0), [X, Y, P]),
    "rms_norm": (lambda L, x, w: Fn(L).rms_norm(x, (4,), w[0]), [X, Y]),
    "F.silu": (lambda L, x: Fn(L).silu(x), [X]),
    "F.mish": (lambda L, x: Fn(L).mish(x), [X]),
    "F.celu": (lambda L, x: Fn(L).celu(x, 1.3), [X]),
    "F.rrelu eval": (lambda L, x: Fn(L).rrelu(x, training=False), [X]),
    "F.hardtanh": (lambda L, x: Fn(L).hardtanh(x, -2.0, 2.0) * x, [X]),
    "F.log_softmax": (lambda L, x: Fn(L).log_softmax(x, 0), [X]),
}


# PyTorch 2.13 has no double backward for these (NotImplementedError): differences only
NO_TORCH_DOUBLE_BACKWARD = {"cdist", "ctc", "embedding_bag", "embedding_bag max", "multi_margin", "pdist"}
# PyTorch's float64 celu backward is off by 1e-8 (a float32 constant): differences only here,
# tests/test_higher_order_functions_torch.py checks MyTorch's against differences of its own
TORCH_DIFFERS = {"F.celu"}


def _gradients(lib: Any, f: Callable[..., Any], arrays: list[np.ndarray], w: np.ndarray, power: int, create: bool):
    xs = [lib.tensor(a, requires_grad=True) for a in arrays]
    out = f(lib, *xs)
    weighted = ((out * out if power == 2 else out) * lib.tensor(w)).sum()
    return xs, lib.autograd.grad(weighted, xs, create_graph=create, allow_unused=True)


def _second(lib: Any, f: Callable[..., Any], arrays: list[np.ndarray], w: np.ndarray, v: list[np.ndarray], power: int):
    """(the derivative of <v, d<w, f(x)**power>/dx> as arrays, which gradients are in the graph)."""
    xs, gs = _gradients(lib, f, arrays, w, power, True)
    live = [g is not None and g.requires_grad for g in gs]
    if not any(live):
        return [np.zeros_like(a) for a in arrays], live
    s = sum((g * lib.tensor(t)).sum() for g, t, alive in zip(gs, v, live) if alive)
    hs = lib.autograd.grad(s, xs, allow_unused=True)
    return [np.zeros_like(a) if h is None else h.detach().numpy() for h, a in zip(hs, arrays)], live


def _draws(name: str) -> tuple[Callable[..., Any], list[np.ndarray], np.ndarray, list[np.ndarray], list[np.ndarray]]:
    f, arrays = OPS[name]
    rng = np.random.default_rng(1)
    with mt.no_grad():
        shape = tuple(f(mt, *(mt.tensor(a) for a in arrays)).shape)
    w = rng.standard_normal(shape)
    v, u = ([rng.standard_normal(a.shape) for a in arrays] for _ in range(2))
    return f, arrays, w, v, u


@pytest.mark.parametrize("name", sorted(OPS))
def test_second_derivative_matches_differences_of_the_gradient(name: str) -> None:
    f, arrays, w, v, u = _draws(name)
    second, live = _second(mt, f, arrays, w, v, 2)
    assert any(live), name

    def s_at(step: float) -> float:
        _, gs = _gradients(mt, f, [a + step * d for a, d in zip(arrays, u)], w, 2, False)
        return sum(float(np.vdot(g.numpy(), t)) for g, t in zip(gs, v) if g is not None)

    eps = 1e-6
    numeric = (s_at(eps) - s_at(-eps)) / (2 * eps)
    analytic = sum(float(np.vdot(h, d)) for h, d in zip(second, u))
    assert analytic == pytest.approx(numeric, rel=1e-5, abs=1e-5), name


@pytest.mark.parametrize("name", sorted(set(OPS) - NO_TORCH_DOUBLE_BACKWARD - TORCH_DIFFERS))
@pytest.mark.parametrize("power", [1, 2])
def test_second_derivative_and_what_is_in_the_graph_match_torch(name: str, power: int) -> None:
    torch = pytest.importorskip("torch")
    f, arrays, w, v, _ = _draws(name)
    (mine, live), (theirs, their_live) = _second(mt, f, arrays, w, v, power), _second(torch, f, arrays, w, v, power)
    if power == 1 or name != "copysign":  # (PyTorch's gradient of copysign(a, b)² in b is a constant 0)
        assert live == their_live, f"{name}: which gradients are in the graph"
    for i, (a, b) in enumerate(zip(mine, theirs)):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9, err_msg=f"{name}: input {i}")


def test_retain_graph_and_grad_accumulation_under_create_graph_are_pytorchs() -> None:
    """Closed forms for y = sum(x³): ``retain_graph`` defaults to ``create_graph``; with
    ``retain_graph=False`` the forward graph is released (a first-order ``grad`` through it
    raises) while the recorded gradient stays differentiable; two ``backward(create_graph=True)``
    accumulate 6x² into ``.grad``, a new Tensor with a ``grad_fn``, whose sum of squares
    differentiates to 144 x³, as PyTorch's."""
    x0 = np.array([-1.5, 0.5, 2.0])
    x = mt.tensor(x0, requires_grad=True)
    y = (x**3).sum()
    mt.grad(y, x, create_graph=True)
    (g,) = mt.grad(y, x, create_graph=True, retain_graph=False)  # the graph was kept by the first
    with pytest.raises(RuntimeError):
        mt.grad(y, x)
    np.testing.assert_allclose(mt.grad(g.sum(), x)[0].numpy(), 6 * x0)
    x = mt.tensor(x0, requires_grad=True)
    y = (x**3).sum()
    y.backward(create_graph=True)
    first = x.grad
    y.backward(create_graph=True)
    assert x.grad is not first and x.grad.grad_fn is not None and x.grad.requires_grad
    np.testing.assert_allclose(x.grad.detach().numpy(), 6 * x0**2)
    z = (x.grad**2).sum()
    x.grad = None
    z.backward()
    np.testing.assert_allclose(x.grad.numpy(), 144 * x0**3)
    assert not x.grad.requires_grad


def _critics(L: Any) -> dict[str, tuple[Callable[[], Any], tuple[int, ...]]]:
    n = L.nn
    return {
        "conv relu maxpool": (
            lambda: n.Sequential(n.Conv2d(2, 3, 3, padding=1), n.ReLU(), n.MaxPool2d(2), n.Flatten(), n.Linear(12, 1)),
            (2, 2, 5, 5),
        ),
        "conv batchnorm softplus avgpool": (
            lambda: n.Sequential(
                n.Conv2d(2, 3, 3), n.BatchNorm2d(3), n.Softplus(), n.AdaptiveAvgPool2d(1), n.Flatten()
            ),
            (2, 2, 5, 5),
        ),
        "lstm": (lambda: n.LSTM(4, 5, batch_first=True), (2, 3, 4)),
        "gru two layers": (lambda: n.GRU(4, 5, num_layers=2), (3, 2, 4)),
        "layernorm gelu": (lambda: n.Sequential(n.Linear(4, 6), n.LayerNorm(6), n.GELU(), n.Linear(6, 1)), (5, 4)),
        "groupnorm sigmoid": (
            lambda: n.Sequential(n.Conv2d(2, 4, 3), n.GroupNorm(2, 4), n.Sigmoid(), n.Flatten(), n.Linear(64, 1)),
            (2, 2, 6, 6),
        ),
    }


def _penalised(L: Any, name: str, state: dict[str, np.ndarray], x0: np.ndarray) -> list[np.ndarray]:
    """A gradient penalty (WGAN-GP's (|d out / d x| - 1)², plus a weighted sum of squares of that
    gradient) differentiated into the input and every parameter of a critic."""
    make, _ = _critics(L)[name]
    critic = make().double()
    critic.load_state_dict({k: L.tensor(v) for k, v in state.items()})
    x = L.tensor(x0, requires_grad=True)
    out = critic(x)
    out = out[0] if isinstance(out, tuple) else out
    (g,) = L.autograd.grad((out * out).sum(), x, create_graph=True)
    ((g.norm() - 1) ** 2 + (g * g * L.tensor(np.cos(x0))).sum()).backward()
    return [x.grad.numpy()] + [p.grad.numpy() for _, p in critic.named_parameters()]


@pytest.mark.parametrize("name", sorted(_critics(mt)))
def test_gradient_penalties_through_modules_match_torch(name: str) -> None:
    """Second derivatives through whole modules (their fused paths: convolutions, pools, norms in
    training mode, recurrences) into the weights, against PyTorch given the same weights."""
    torch = pytest.importorskip("torch")
    make, shape = _critics(torch)[name]
    torch.manual_seed(0)
    state = {k: v.detach().double().numpy().copy() for k, v in make().state_dict().items()}
    x0 = np.random.default_rng(3).standard_normal(shape)
    for i, (a, b) in enumerate(zip(_penalised(mt, name, state, x0), _penalised(torch, name, state, x0))):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10, err_msg=f"{name}: gradient {i}")

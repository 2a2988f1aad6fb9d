"""Second derivatives of the Tensor methods and ``F.`` functions against PyTorch (float64).

``tests/test_higher_order_torch.py`` differentiates every kernel of the table twice; most of
what a PyTorch user calls is composed of kernels (``F.glu``, ``F.prelu``, the shrinks, the
losses, ``sort``, ``scatter``, ...) or takes a specialised VJP (``F.linear``). For each here,
with ``create_graph=True`` in both libraries:

* the gradient of <w, f(x)> alone: its values, and whether it is in the graph (PyTorch
  records some piecewise-constant slopes and not others: differentiating it then gives zeros,
  or raises), and, when it is, its derivative along v;
* the gradient of <w, f(x)²> and its derivative along v (the Hessian-vector product), and
  that product forward-over-reverse (``func.jvp`` of ``func.grad``, as ``func.hessian``).

Inputs stay away from kinks and ties, where the two libraries may pick other subgradients.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import mytorch as mt  # noqa: E402
from mytorch import func  # noqa: E402

TOL = {"rtol": 1e-9, "atol": 1e-9}
X = np.array([[-3.7, -2.3, -0.8, -0.3], [0.2, 0.7, 1.4, 2.6], [3.6, 6.4, -1.7, 0.35]])  # no kink at 0, ±0.5, ±1, ±3, 6
P = np.array([[0.2, 0.7, 1.4, 2.6], [0.35, 1.1, 3.6, 0.9], [0.7, 2.2, 1.9, 0.45]])  # positive
Y = np.random.default_rng(7).standard_normal((3, 4))
M = np.random.default_rng(8).standard_normal((4, 3))
Q = np.random.default_rng(9).uniform(0.1, 0.9, (3, 4))  # probabilities
Z = np.array([[2.0, 0.0, 3.0, -1.5], [0.0, 0.0, 1.2, 2.0], [1.1, 0.7, -2.0, 0.5]])  # rows with 1, 2, 0 zeros
LABELS = np.array([0, 2, 1])


def _ints(lib: Any, a: Any) -> Any:
    return lib.tensor(np.asarray(a))


def _setitem(lib: Any, x: Any, y: Any) -> Any:
    z = x.clone()
    z[1] = y[0] * 2
    return z


def _F(lib: Any) -> Any:
    return lib.nn.functional


# name: (f(lib, *inputs), inputs); every input requires a gradient
FUNCTIONS: dict[str, tuple[Callable[..., Any], list[np.ndarray]]] = {
    "pow tensor": (lambda L, x, y: x**y, [P, Y]),
    "rpow": (lambda L, x: 2.0**x, [X]),
    "rdiv": (lambda L, x: 2.0 / x, [P]),
    "clamp": (lambda L, x: x.clamp(-1.0, 2.0), [X]),
    "clamp_min": (lambda L, x: x.clamp(min=0.0), [X]),
    "where": (lambda L, x, y: L.where(x > 0, x, y), [X, Y]),
    "maximum": (lambda L, x, y: L.maximum(x, y), [X, Y]),
    "mm": (lambda L, x, y: L.mm(x, y), [X, M]),
    "outer": (lambda L, x, y: L.outer(x[0], y[1]), [X, Y]),
    "dot": (lambda L, x, y: L.dot(x[0], y[1]), [X, Y]),
    "bmm": (lambda L, x, y: L.bmm(x.reshape(3, 1, 4), y.reshape(3, 4, 1)), [X, Y]),
    "einsum": (lambda L, x, y: L.einsum("ij,kj->ik", x, y), [X, Y]),
    "prod": (lambda L, x: x.prod(1), [X]),
    "prod at zeros": (lambda L, x: x.prod(1), [Z]),
    "prod of all, a zero": (lambda L, x: x[0].prod(), [Z]),
    "max dim": (lambda L, x: x.max(1)[0], [X]),
    "min dim": (lambda L, x: x.min(0)[0], [X]),
    "amax": (lambda L, x: x.amax(1), [X]),
    "std": (lambda L, x: x.std(0), [X]),
    "var": (lambda L, x: x.var(1), [X]),
    "norm": (lambda L, x: x.norm(), [X]),
    "norm 1": (lambda L, x: x.norm(p=1, dim=1), [X]),
    "norm 3": (lambda L, x: x.norm(p=3, dim=1), [X]),
    "norm inf": (lambda L, x: x.norm(p=float("inf"), dim=1), [X]),
    "logsumexp": (lambda L, x: x.logsumexp(1), [X]),
    "cumsum": (lambda L, x: x.cumsum(1), [X]),
    "cumprod": (lambda L, x: x.cumprod(1), [X]),
    "cumprod at zeros": (lambda L, x: x.cumprod(1), [Z]),
    "softmax": (lambda L, x: x.softmax(1), [X]),
    "permute": (lambda L, x: x.reshape(3, 2, 2).permute(2, 0, 1), [X]),
    "expand": (lambda L, x: x[:1].expand(3, 4), [X]),
    "repeat": (lambda L, x: x.repeat(2, 1), [X]),
    "index": (lambda L, x: x[[0, 2, 0], 1:], [X]),
    "boolean index": (lambda L, x: x[x > 0], [X]),
    "setitem": (_setitem, [X, Y]),
    "stack": (lambda L, x, y: L.stack([x, y]), [X, Y]),
    "split": (lambda L, x: x.split([1, 3], 1)[1], [X]),
    "unbind": (lambda L, x: x.unbind(0)[2], [X]),
    "gather": (lambda L, x: x.gather(1, _ints(L, [[0, 1], [3, 3], [2, 0]])), [X]),
    "index_select": (lambda L, x: x.index_select(1, _ints(L, [3, 0, 0])), [X]),
    "scatter": (lambda L, x, y: x.scatter(1, _ints(L, [[0, 1], [3, 2], [2, 0]]), y[:, :2]), [X, Y]),
    "scatter_add": (lambda L, x, y: x.scatter_add(1, _ints(L, [[0, 0], [3, 2], [2, 0]]), y[:, :2]), [X, Y]),
    "masked_fill": (lambda L, x: x.masked_fill(x < 0, 0.5), [X]),
    "sort": (lambda L, x: x.sort(0, descending=True)[0], [X]),
    "topk": (lambda L, x: x.topk(2, 1)[0], [X]),
    "F.relu6": (lambda L, x: _F(L).relu6(x), [X]),
    "F.prelu": (lambda L, x, w: _F(L).prelu(x, w[0]), [X, Y]),
    "F.elu": (lambda L, x: _F(L).elu(x, 0.7), [X]),
    "F.selu": (lambda L, x: _F(L).selu(x), [X]),
    "F.gelu": (lambda L, x: _F(L).gelu(x, approximate="tanh"), [X]),
    "F.softplus": (lambda L, x: _F(L).softplus(x, 1.5, 3.0), [X]),
    "F.softsign": (lambda L, x: _F(L).softsign(x), [X]),
    "F.logsigmoid": (lambda L, x: _F(L).logsigmoid(x), [X]),
    "F.hardswish": (lambda L, x: _F(L).hardswish(x), [X]),
    "F.hardshrink": (lambda L, x: _F(L).hardshrink(x, 0.5), [X]),
    "F.softshrink": (lambda L, x: _F(L).softshrink(x, 0.5), [X]),
    "F.tanhshrink": (lambda L, x: _F(L).tanhshrink(x), [X]),
    "F.threshold": (lambda L, x: _F(L).threshold(x, 0.1, -2.0), [X]),
    "F.glu": (lambda L, x: _F(L).glu(x, 1), [X]),
    "F.softmin": (lambda L, x: _F(L).softmin(x, 1), [X]),
    "F.normalize": (lambda L, x: _F(L).normalize(x, dim=1), [X]),
    "F.cosine_similarity": (lambda L, x, y: _F(L).cosine_similarity(x, y, dim=1), [X, Y]),
    "F.layer_norm": (lambda L, x, w, b: _F(L).layer_norm(x, (4,), w[0], b[1]), [X, Y, Y]),
    "F.batch_norm": (lambda L, x, w, b: _F(L).batch_norm(x, None, None, w[0], b[1], training=True), [X, Y, Y]),
    "F.linear": (lambda L, x, w, b: _F(L).linear(x, w[:2], b[0, :2]), [X, Y, Y]),
    "F.pad": (lambda L, x: _F(L).pad(x, (1, 2)), [X]),
    "F.embedding": (lambda L, w: _F(L).embedding(_ints(L, [0, 2, 2]), w), [X]),
    "F.l1_loss": (lambda L, x, y: _F(L).l1_loss(x, y), [X, Y]),
    "F.huber_loss": (lambda L, x, y: _F(L).huber_loss(x, y, delta=0.8), [X, Y]),
    "F.smooth_l1_loss": (lambda L, x, y: _F(L).smooth_l1_loss(x, y, beta=0.8), [X, Y]),
    "F.cross_entropy": (lambda L, x: _F(L).cross_entropy(x, _ints(L, LABELS), label_smoothing=0.1), [X]),
    "F.cross_entropy soft": (lambda L, x, y: _F(L).cross_entropy(x, y.softmax(1)), [X, Y]),
    "F.nll_loss": (lambda L, x: _F(L).nll_loss(x.log_softmax(1), _ints(L, LABELS)), [X]),
    "F.binary_cross_entropy": (lambda L, p, y: _F(L).binary_cross_entropy(p, y.sigmoid()), [Q, Y]),
    "F.bce_with_logits": (lambda L, x, y: _F(L).binary_cross_entropy_with_logits(x, y.sigmoid()), [X, Y]),
    "F.kl_div": (lambda L, x, y: _F(L).kl_div(x.log_softmax(1), y.softmax(1), reduction="batchmean"), [X, Y]),
}


def _run(lib: Any, f: Callable[..., Any], arrays: list[np.ndarray], w: np.ndarray, v: list[np.ndarray]) -> list[Any]:
    """[gradient alone, whether each is in the graph, its derivative along v, gradient of
    <w, f²>, its derivative along v], as arrays (zeros for None)."""

    def plain(ts: Any) -> list[np.ndarray]:
        return [np.zeros_like(a) if t is None else np.asarray(t.detach().numpy(force=True)) for t, a in zip(ts, arrays)]

    xs = [lib.tensor(a, requires_grad=True) for a in arrays]
    W, V = lib.tensor(w), [lib.tensor(t) for t in v]
    results: list[Any] = []
    for power in (1, 2):
        out = f(lib, *xs)
        gs = lib.autograd.grad(((out if power == 1 else out * out) * W).sum(), xs, create_graph=True, allow_unused=True)
        live = [g is not None and g.requires_grad for g in gs]
        if power == 1:
            results.append(live)
        s = sum((g * t).sum() for g, t, alive in zip(gs, V, live) if alive)
        hs = lib.autograd.grad(s, xs, allow_unused=True) if any(live) else [None] * len(xs)
        results += [plain(gs), plain(hs)]
    return results


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_second_derivatives_of_functions_match_torch(name: str) -> None:
    f, arrays = FUNCTIONS[name]
    rng = np.random.default_rng(1)
    with torch.no_grad():
        shape = tuple(f(torch, *(torch.tensor(a) for a in arrays)).shape)
    w, v = rng.standard_normal(shape), [rng.standard_normal(a.shape) for a in arrays]
    (live, *mine), (their_live, *theirs) = _run(mt, f, arrays, w, v), _run(torch, f, arrays, w, v)
    for i, (ours, pytorchs) in enumerate(zip(live, their_live)):
        assert ours == pytorchs, f"{name}: input {i}'s gradient in the graph"
    # the same product forward-over-reverse (func.jvp of func.grad: the JVP rules run on the
    # recorded backward), as func.hessian and func.hvp compute it
    squared = func.grad(lambda *xs: (f(mt, *xs) ** 2 * mt.tensor(w)).sum(), argnums=tuple(range(len(arrays))))
    _, forward = func.jvp(squared, tuple(mt.tensor(a) for a in arrays), tuple(mt.tensor(t) for t in v))
    what = ["gradient", "its derivative", "gradient of f²", "Hessian-vector product"]
    for k, (ours, pytorchs) in enumerate(zip([*mine, [t.numpy() for t in forward]], theirs + theirs[-1:])):
        for i, (a, b) in enumerate(zip(ours, pytorchs)):
            np.testing.assert_allclose(a, b, **TOL, err_msg=f"{name}: {(what + ['forward-over-reverse'])[k]} {i}")


@pytest.mark.parametrize("name", ["F.layer_norm", "F.hardsigmoid", "F.celu"])
def test_where_pytorch_differs_the_derivatives_match_differences(name: str) -> None:
    """F.layer_norm's third derivative (PyTorch 2.13's disagrees with central differences of its
    own second derivative), and F.hardsigmoid's and F.celu's second (PyTorch's float64 backwards
    of these are off by 1e-8, a float32 constant; its hardsigmoid has no double backward): the
    derivative of <v, the previous derivative> along u, against central differences of it."""
    fs = {
        "F.layer_norm": (lambda t: mt.nn.functional.layer_norm(t, (4,), mt.tensor(Y[0]), mt.tensor(Y[1])), 2),
        "F.hardsigmoid": (mt.nn.functional.hardsigmoid, 1),
        "F.celu": (lambda t: mt.nn.functional.celu(t, 0.7), 1),
    }
    f, order = fs[name]
    rng = np.random.default_rng(2)
    w, v, u = (rng.standard_normal(X.shape) for _ in range(3))

    def derivative(x0: np.ndarray, create_graph: bool) -> Any:
        x = mt.tensor(x0, requires_grad=True)
        (g,) = mt.grad((f(x) ** 2 * mt.tensor(w)).sum(), x, create_graph=True)
        for _ in range(order - 1):
            (g,) = mt.grad((g * mt.tensor(v)).sum(), x, create_graph=True)
        return x, (g * mt.tensor(v if order == 1 else u)).sum()

    x, s = derivative(X, True)
    (analytic,) = mt.grad(s, x)
    eps = 1e-6
    numeric = (derivative(X + eps * u, False)[1].item() - derivative(X - eps * u, False)[1].item()) / (2 * eps)
    assert float((analytic * mt.tensor(u)).sum().item()) == pytest.approx(numeric, rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("name", ["F.layer_norm", "F.batch_norm"])
def test_the_bias_gradient_alone_differentiates_to_zeros_as_in_torch(name: str) -> None:
    f, arrays = FUNCTIONS[name]
    w = np.random.default_rng(3).standard_normal(X.shape)
    results = []
    for lib in (torch, mt):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        (g_bias,) = lib.autograd.grad((f(lib, *xs) * lib.tensor(w)).sum(), xs[2], create_graph=True)
        again = lib.autograd.grad((g_bias * g_bias).sum(), xs, allow_unused=True)
        plain = [np.zeros_like(a) if t is None else t.numpy() for t, a in zip(again, arrays)]
        results.append([*plain, g_bias.detach().numpy()])
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_allclose(ours, theirs, **TOL)
    assert not any(r.any() for r in results[1][:3])

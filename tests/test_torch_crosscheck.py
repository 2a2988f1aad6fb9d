"""MyTorch against PyTorch (2.13.0 in CI when it installs; skipped without torch).

Every kernel of the table, every module, every loss and both optimizers run on random
float64 inputs in MyTorch and in PyTorch; values and gradients must agree within 1e-10.
The kernels' inputs are drawn by the same hypothesis strategies as the fuzz tests
(``tests/test_fuzz_kernels.py``), so they avoid kinks and ties where the two libraries may
legitimately pick different subgradients.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from test_fuzz_kernels import CASES  # noqa: E402

from mytorch import Autograd  # noqa: E402
from mytorch.nn import functional as F  # noqa: E402
from mytorch.nn import modules as M  # noqa: E402
from mytorch.optim import SGD, Adam  # noqa: E402

TF = torch.nn.functional
TOL = {"rtol": 1e-10, "atol": 1e-10}


def _dims(x: Any, axis: Any) -> tuple[int, ...]:
    """MyTorch's ``axis`` (None, int or tuple) as PyTorch's ``dim`` tuple."""
    if axis is None:
        return tuple(range(x.ndim))
    return (axis,) if isinstance(axis, int) else tuple(axis)


def _take(x: Any, index: Any) -> Any:
    """``x[index]`` for any NumPy index (PyTorch has no negative steps): NumPy picks the flat
    positions, PyTorch gathers them (and accumulates repeats in backward)."""
    positions = np.arange(x.numel()).reshape(tuple(x.shape))[index]
    return x.reshape(-1)[torch.from_numpy(np.ascontiguousarray(positions).reshape(-1))].reshape(positions.shape)


def _scatter(g: Any, index: Any, shape: tuple[int, ...]) -> Any:
    """Zeros of ``shape`` with g added at ``index``: PyTorch's ``index_add`` on the flat positions."""
    positions = torch.from_numpy(np.ascontiguousarray(np.arange(int(np.prod(shape))).reshape(shape)[index]).reshape(-1))
    return torch.zeros(int(np.prod(shape)), dtype=g.dtype).index_add(0, positions, g.reshape(-1)).reshape(shape)


def _cross_entropy(y: Any, x: Any) -> Any:
    n = x.shape[0] if x.ndim > 1 else 1
    return (-(y * torch.log_softmax(x, -1)).sum() / n).reshape(1)


def _bce(y: Any, p: Any) -> Any:
    return (-(y * torch.clamp(torch.log(p), min=-100) + (1 - y) * torch.clamp(torch.log1p(-p), min=-100))).mean()


def _prod(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    if axis is None:
        return torch.prod(x).reshape((1,) * x.ndim if keepdims else ())
    return torch.prod(x, axis, keepdims)


TORCH_DTYPES = {np.dtype(np.float32): torch.float32, np.dtype(np.float64): torch.float64}

TORCH: dict[str, Callable[..., Any]] = {
    "identity": lambda x: x.clone(),
    "neg": torch.neg,
    "add": torch.add,
    "sub": torch.sub,
    "mul": torch.mul,
    "div": torch.div,
    "matmul": torch.matmul,
    "outer": torch.outer,
    "pow": lambda x, exponent: x**exponent,
    "exp": torch.exp,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "abs": torch.abs,
    "sin": torch.sin,
    "cos": torch.cos,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "leaky_relu": lambda x, slope=0.01: TF.leaky_relu(x, slope),
    "softplus": TF.softplus,
    "gelu": lambda x: TF.gelu(x, approximate="tanh"),
    "maximum": torch.maximum,
    "minimum": torch.minimum,
    "max": lambda x, axis=None, keepdims=False: torch.amax(x, _dims(x, axis), keepdims),
    "min": lambda x, axis=None, keepdims=False: torch.amin(x, _dims(x, axis), keepdims),
    "sum": lambda x, axis=None, keepdims=False: torch.sum(x, _dims(x, axis), keepdims),
    "mean": lambda x, axis=None, keepdims=False: torch.mean(x, _dims(x, axis), keepdims),
    "transpose": lambda x, axes=None: x.permute(tuple(reversed(range(x.ndim))) if axes is None else axes),
    "reshape": lambda x, shape: x.reshape(shape),
    "index": _take,
    "index_scatter": _scatter,
    "concatenate": lambda *xs, axis=0: torch.cat(xs, axis),
    "softmax": lambda x, axis=-1: torch.softmax(x, axis),
    "log_softmax": lambda x, axis=-1: torch.log_softmax(x, axis),
    "softmax_cross_entropy": _cross_entropy,
    "mse_loss": lambda y, y_hat: TF.mse_loss(y_hat, y).reshape(1),
    "bce_loss": lambda y, p: _bce(y, p).reshape(1),
    "bce_with_logits_loss": lambda y, z: TF.binary_cross_entropy_with_logits(z, y).reshape(1),
    "clone": lambda x: x.clone(),
    "cast": lambda x, dtype: x.to(TORCH_DTYPES[np.dtype(dtype)]),
    "expand": lambda x, shape: x.expand(shape),
    "clamp": lambda x, min=None, max=None: torch.clamp(x, min, max),  # noqa: A006 - the kernel's names
    "where": lambda a, b, condition: torch.where(torch.from_numpy(condition), a, b),
    "var": lambda x, axis=None, keepdims=False, correction=1: torch.var(
        x, _dims(x, axis), correction=correction, keepdim=keepdims
    ),
    "norm": lambda x, p=2.0, axis=None, keepdims=False: torch.linalg.vector_norm(x, p, _dims(x, axis), keepdims),
    "prod": _prod,
    "cumsum": lambda x, axis: torch.cumsum(x, axis),
}
"""Each kernel written with PyTorch's own operations."""


def torch_value_and_grads(fn: Callable[..., Any], inputs: list[np.ndarray], v: np.ndarray, **params: Any):
    """PyTorch's output of ``fn(*inputs)`` and the gradients of ``<v, output>``."""
    ts = [torch.tensor(x, requires_grad=True) for x in inputs]
    out = fn(*ts, **params)
    out.backward(torch.from_numpy(v))
    grads = [np.zeros_like(x) if t.grad is None else t.grad.numpy() for t, x in zip(ts, inputs)]
    return out.detach().numpy(), grads


def test_every_kernel_has_a_torch_twin() -> None:
    assert set(TORCH) == set(F.KERNELS)


@pytest.mark.parametrize("name", sorted(F.KERNELS))
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_kernel_matches_torch(name: str, data: st.DataObject, seed: int) -> None:
    inputs, params = data.draw(CASES[name](np.float64))
    engine = Autograd()
    out = F.apply(engine, name, *inputs, **params)
    v = np.random.default_rng(seed).standard_normal(out.shape)
    engine.backward(v)
    expected, grads = torch_value_and_grads(TORCH[name], inputs, v, **params)
    np.testing.assert_allclose(out, expected, **TOL, err_msg=f"{name} forward")
    for i, (x, g) in enumerate(zip(inputs, grads)):
        np.testing.assert_allclose(engine.gradient_buffer.get_param(x), g, **TOL, err_msg=f"{name} input {i}")


# --------------------------------------------------------------------------- modules and losses
ACTIVATIONS = {
    M.Identity: lambda x: x.clone(),
    M.Sigmoid: torch.sigmoid,
    M.Tanh: torch.tanh,
    M.ReLU: torch.relu,
    M.Softplus: TF.softplus,
    M.GELU: lambda x: TF.gelu(x, approximate="tanh"),
}


@pytest.mark.parametrize("cls", list(ACTIVATIONS), ids=lambda c: c.__name__)
def test_activation_module_matches_torch(cls: type, rng: np.random.Generator) -> None:
    x = rng.uniform(-3, 3, (5, 4))
    x[np.abs(x) < 0.05] = 0.5  # away from relu's kink
    engine = Autograd()
    y = cls(engine)(x)
    v = rng.standard_normal(y.shape)
    engine.backward(v)
    expected, (gx,) = torch_value_and_grads(ACTIVATIONS[cls], [x], v)
    np.testing.assert_allclose(y, expected, **TOL)
    np.testing.assert_allclose(engine.gradient_buffer.get_param(x), gx, **TOL)


def test_leaky_relu_module_matches_torch(rng: np.random.Generator) -> None:
    x = rng.uniform(0.1, 3, (4, 3)) * rng.choice([-1, 1], (4, 3))
    engine = Autograd()
    y = M.LeakyReLU(engine, slope=0.2)(x)
    v = rng.standard_normal(y.shape)
    engine.backward(v)
    expected, (gx,) = torch_value_and_grads(lambda t: TF.leaky_relu(t, 0.2), [x], v)
    np.testing.assert_allclose(y, expected, **TOL)
    np.testing.assert_allclose(engine.gradient_buffer.get_param(x), gx, **TOL)


def test_linear_matches_torch(rng: np.random.Generator) -> None:
    engine = Autograd()
    layer = M.Linear(4, 3, engine, rng=1)
    x = rng.standard_normal((6, 4))
    y = layer(x)
    v = rng.standard_normal(y.shape)
    engine.backward(v)
    expected, (gx, gW, gb) = torch_value_and_grads(TF.linear, [x, layer.W, layer.b], v)
    np.testing.assert_allclose(y, expected, **TOL)
    np.testing.assert_allclose(engine.gradient_buffer.get_param(x), gx, **TOL)
    np.testing.assert_allclose(layer.dW, gW, **TOL)
    np.testing.assert_allclose(layer.db, gb, **TOL)


def _targets(kind: str, rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    if kind == "cross_entropy":
        return np.eye(shape[1])[rng.integers(0, shape[1], shape[0])]
    return rng.uniform(0, 1, shape) if kind in ("bce", "bce_with_logits") else rng.standard_normal(shape)


LOSSES = {
    "mse": lambda y_hat, y: TF.mse_loss(y_hat, y),
    "cross_entropy": lambda x, y: TF.cross_entropy(x, y),
    "bce": lambda p, y: TF.binary_cross_entropy(p, y),
    "bce_with_logits": lambda z, y: TF.binary_cross_entropy_with_logits(z, y),
}


@pytest.mark.parametrize("kind", list(M.LOSSES))
def test_loss_module_matches_torch(kind: str, rng: np.random.Generator) -> None:
    shape = (5, 3)
    y = _targets(kind, rng, shape)
    y_hat = rng.uniform(0.05, 0.95, shape) if kind == "bce" else rng.standard_normal(shape) * 2
    engine = Autograd()
    loss_fn = M.LOSSES[kind](engine)
    loss = loss_fn(y, y_hat)
    loss_fn.backward()
    t = torch.tensor(y_hat, requires_grad=True)
    expected = LOSSES[kind](t, torch.from_numpy(y))
    expected.backward()
    np.testing.assert_allclose(loss, [expected.item()], **TOL)
    np.testing.assert_allclose(engine.gradient_buffer.get_param(y_hat), t.grad.numpy(), **TOL)


def test_mlp_gradients_match_torch(rng: np.random.Generator) -> None:
    """The handout's MLP (hw_bonus) against the same network in torch.nn, one batch."""
    from hw_bonus.mlp import MLP

    mlp = MLP(6, 3, [5, 4], ["tanh", "relu", "identity"], "cross_entropy", 0.1, Autograd(), seed=2)
    x = rng.standard_normal((8, 6))
    y = np.eye(3)[rng.integers(0, 3, 8)]
    mlp.forward(x)
    loss = mlp.backward(y)
    layers = [torch.nn.Linear(lin.in_features, lin.out_features).double() for lin in mlp.linear_layers]
    with torch.no_grad():
        for lin, t in zip(mlp.linear_layers, layers):
            t.weight.copy_(torch.from_numpy(lin.W))
            t.bias.copy_(torch.from_numpy(lin.b))
    net = torch.nn.Sequential(layers[0], torch.nn.Tanh(), layers[1], torch.nn.ReLU(), layers[2])
    expected = TF.cross_entropy(net(torch.from_numpy(x)), torch.from_numpy(y))
    expected.backward()
    np.testing.assert_allclose(loss, [expected.item()], **TOL)
    for lin, t in zip(mlp.linear_layers, layers):
        np.testing.assert_allclose(lin.dW, t.weight.grad.numpy(), **TOL)
        np.testing.assert_allclose(lin.db, t.bias.grad.numpy(), **TOL)


# --------------------------------------------------------------------------- optimizers
OPTIMIZERS = {
    "sgd": (lambda p: SGD(p, lr=0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
    "momentum": (lambda p: SGD(p, 0.1, momentum=0.9), lambda p: torch.optim.SGD(p, 0.1, momentum=0.9)),
    "nesterov+decay": (
        lambda p: SGD(p, 0.05, momentum=0.8, nesterov=True, weight_decay=0.01),
        lambda p: torch.optim.SGD(p, 0.05, momentum=0.8, nesterov=True, weight_decay=0.01),
    ),
    "adam": (lambda p: Adam(p, lr=0.01), lambda p: torch.optim.Adam(p, lr=0.01)),
    "adam+decay": (
        lambda p: Adam(p, 0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
        lambda p: torch.optim.Adam(p, 0.02, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
    ),
}


@pytest.mark.parametrize("kind", list(OPTIMIZERS))
def test_optimizer_trajectory_matches_torch(kind: str, rng: np.random.Generator) -> None:
    """Ten steps from the same gradients leave the same parameters."""
    ours, theirs = OPTIMIZERS[kind]
    values = [rng.standard_normal((3, 2)), rng.standard_normal(4)]
    grads = [np.zeros_like(p) for p in values]
    tensors = [torch.tensor(p, requires_grad=True) for p in values]
    opt, topt = ours(list(zip(values, grads))), theirs(tensors)
    for _ in range(10):
        for g, t in zip(grads, tensors):
            g[...] = rng.standard_normal(g.shape)
            t.grad = torch.from_numpy(g.copy())
        opt.step()
        topt.step()
    for p, t in zip(values, tensors):
        np.testing.assert_allclose(p, t.detach().numpy(), **TOL)

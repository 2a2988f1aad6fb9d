"""Section ``operations`` (6 points): the backward kernels of ``mytorch.nn.functional``.

Each kernel is called with an upstream gradient ``g`` (``compute.kernels.backward_kernel``,
run in the worker) and its gradients are compared with the closed forms below: for f(a, b),
the kernel returns (g * df/da, g * df/db), summed to the inputs' shapes.
"""

import numpy as np

from .checks import make_rng
from .compute.kernels import backward_kernel
from .grading import graded


def _pair(seed: int, shape: tuple = (3, 4)):
    """Inputs a, b and the upstream gradient g."""

    def make():
        rng = make_rng(seed)
        return {"a": rng.standard_normal(shape), "b": rng.standard_normal(shape), "g": rng.standard_normal(shape)}

    return make


def _gradients(*grads):
    return {f"gradient of input {i}": grad for i, grad in enumerate(grads)}


def _kernel(name: str, order=("a", "b")) -> dict:
    """The worker calls ``name(g, *order)``."""
    return {"computes": backward_kernel, "kernel": name, "order": list(order)}


@graded("operations", 1, "mul", inputs=_pair(10), **_kernel("mul_backward"))
def test_mul_backward(a, b, g):
    return _gradients(g * b, g * a)


@graded("operations", 1, "sub", inputs=_pair(11), **_kernel("sub_backward"))
def test_sub_backward(a, b, g):
    return _gradients(g, -g)


def _matmul_inputs():
    rng = make_rng(12)
    return {"a": rng.standard_normal((3, 4)), "b": rng.standard_normal((4, 5)), "g": rng.standard_normal((3, 5))}


@graded("operations", 1, "matmul", inputs=_matmul_inputs, **_kernel("matmul_backward"))
def test_matmul_backward(a, b, g):
    return _gradients(g @ b.T, a.T @ g)


def _div_inputs():
    inputs = _pair(13)()
    inputs["b"] = np.sign(inputs["b"]) * (np.abs(inputs["b"]) + 0.5)  # keep away from zero
    return inputs


@graded("operations", 1, "div", inputs=_div_inputs, **_kernel("div_backward"))
def test_div_backward(a, b, g):
    return _gradients(g / b, -g * a / b**2)


def _log_inputs():
    inputs = _pair(14)()
    return {"a": np.abs(inputs["a"]) + 0.1, "g": inputs["g"]}


@graded("operations", 1, "log", inputs=_log_inputs, **_kernel("log_backward", ["a"]))
def test_log_backward(a, g):
    return _gradients(g / a)


def _exp_inputs():
    inputs = _pair(15)()
    return {"a": inputs["a"], "g": inputs["g"]}


@graded("operations", 1, "exp", inputs=_exp_inputs, **_kernel("exp_backward", ["a"]))
def test_exp_backward(a, g):
    return _gradients(g * np.exp(a))

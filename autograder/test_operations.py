"""Section ``operations`` (6 points): the backward kernels of ``mytorch.nn.functional``.

Each kernel is called with an upstream gradient ``g`` (``compute.kernels.backward_kernel``,
run in the worker) and its gradients are compared with the closed forms below: for f(a, b),
the kernel returns (g * df/da, g * df/db), summed to the inputs' shapes. ``mul``, ``sub`` and
``div`` are also called with ``b`` of shape (4,), broadcast over the rows of ``a`` (3, 4), whose
gradient must be summed back to (4,) (the starter's "unbroadcast"); ``exp`` also with the
forward's result passed as ``out``.
"""

import numpy as np

from .checks import make_rng
from .compute.kernels import backward_kernel
from .grading import graded


def _pair(seed: int, shape: tuple = (3, 4)):
    """Inputs a, b and the upstream gradient g; and b_row (4,), to broadcast against a."""

    def make():
        rng = make_rng(seed)
        made = {"a": rng.standard_normal(shape), "b": rng.standard_normal(shape), "g": rng.standard_normal(shape)}
        b_row = make_rng(seed + 100).standard_normal(shape[-1])
        return {**made, "b_row": np.sign(b_row) * (np.abs(b_row) + 0.5)}  # away from zero (div)

    return make


def _gradients(*grads, label: str = ""):
    return {f"{label}gradient of input {i}": grad for i, grad in enumerate(grads)}


def _broadcast_label(name: str) -> str:
    return f"{name}(g, a, b) with b of shape (4,) broadcast over the rows of a (3, 4)"


def _kernel(name: str, order=("a", "b"), calls=()) -> dict:
    """The worker calls ``name(g, *order)``, then each of ``calls`` (``backward_kernel``)."""
    return {"computes": backward_kernel, "kernel": name, "order": list(order), "calls": list(calls)}


def _broadcast(name: str) -> dict:
    """``name(g, a, b)`` and, broadcasting, ``name(g, a, b_row)``."""
    return _kernel(name, calls=[{"label": _broadcast_label(name), "order": ["a", "b_row"]}])


def _both(name: str, same, broadcast) -> dict:
    """The expected gradients of the two calls of ``_broadcast``: ``broadcast`` gives the
    gradients before the sum over the rows, which b_row's takes here."""
    ga, gb = broadcast
    return {**_gradients(*same), **_gradients(ga, gb.sum(axis=0), label=f"{_broadcast_label(name)}: ")}


@graded("operations", 1, "mul", inputs=_pair(10), **_broadcast("mul_backward"))
def test_mul_backward(a, b, g, b_row):
    return _both("mul_backward", (g * b, g * a), (g * b_row, g * a))


@graded("operations", 1, "sub", inputs=_pair(11), **_broadcast("sub_backward"))
def test_sub_backward(a, b, g, b_row):
    return _both("sub_backward", (g, -g), (g, -g))


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


@graded("operations", 1, "div", inputs=_div_inputs, **_broadcast("div_backward"))
def test_div_backward(a, b, g, b_row):
    return _both("div_backward", (g / b, -g * a / b**2), (g / b_row, -g * a / b_row**2))


def _log_inputs():
    inputs = _pair(14)()
    return {"a": np.abs(inputs["a"]) + 0.1, "g": inputs["g"]}


@graded("operations", 1, "log", inputs=_log_inputs, **_kernel("log_backward", ["a"]))
def test_log_backward(a, g):
    return _gradients(g / a)


def _exp_inputs():
    inputs = _pair(15)()
    return {"a": inputs["a"], "g": inputs["g"], "exp_a": np.exp(inputs["a"])}


_EXP_OUT = "exp_backward(g, a, out=e**a), given the forward's result"
_WITH_OUT = {"label": _EXP_OUT, "order": ["a"], "keywords": {"out": "exp_a"}}


@graded("operations", 1, "exp", inputs=_exp_inputs, **_kernel("exp_backward", ["a"], calls=[_WITH_OUT]))
def test_exp_backward(a, g, exp_a):
    return {**_gradients(g * np.exp(a)), **_gradients(g * np.exp(a), label=f"{_EXP_OUT}: ")}

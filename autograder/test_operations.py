"""Section ``operations`` (6 points): the backward kernels of ``mytorch.nn.functional``.

Each kernel is called directly with an upstream gradient ``g`` and compared with its closed
form: for f(a, b), the kernel returns (g * df/da, g * df/db), summed to the inputs' shapes.
"""

import numpy as np

from .checks import as_gradients, assert_close, make_rng
from .grading import graded


def check_kernel(name: str, inputs: list, expected: list, grad_output: np.ndarray) -> None:
    """Call ``mytorch.nn.functional.<name>(grad_output, *inputs)`` and compare each gradient."""
    from mytorch.nn import functional

    kernel = getattr(functional, name)
    grads = as_gradients(kernel(grad_output, *inputs), len(inputs), name)
    for index, (got, want) in enumerate(zip(grads, expected)):
        assert_close(f"{name}: gradient of input {index}", got, want)


def _pair(seed: int, shape: tuple = (3, 4)) -> tuple:
    rng = make_rng(seed)
    return rng.standard_normal(shape), rng.standard_normal(shape), rng.standard_normal(shape)


@graded("operations", 1, "mul")
def test_mul_backward():
    a, b, g = _pair(10)
    check_kernel("mul_backward", [a, b], [g * b, g * a], g)


@graded("operations", 1, "sub")
def test_sub_backward():
    a, b, g = _pair(11)
    check_kernel("sub_backward", [a, b], [g, -g], g)


@graded("operations", 1, "matmul")
def test_matmul_backward():
    rng = make_rng(12)
    a, b, g = rng.standard_normal((3, 4)), rng.standard_normal((4, 5)), rng.standard_normal((3, 5))
    check_kernel("matmul_backward", [a, b], [g @ b.T, a.T @ g], g)


@graded("operations", 1, "div")
def test_div_backward():
    a, b, g = _pair(13)
    b = np.sign(b) * (np.abs(b) + 0.5)  # keep away from zero
    check_kernel("div_backward", [a, b], [g / b, -g * a / b**2], g)


@graded("operations", 1, "log")
def test_log_backward():
    a, _, g = _pair(14)
    x = np.abs(a) + 0.1
    check_kernel("log_backward", [x], [g / x], g)


@graded("operations", 1, "exp")
def test_exp_backward():
    x, _, g = _pair(15)
    check_kernel("exp_backward", [x], [g * np.exp(x)], g)

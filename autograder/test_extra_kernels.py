"""Extra section ``kernels``: more backward kernels, 1 point each, against central differences.

Each case gives the kernel's name in ``mytorch.nn.functional``, the same function written
here in NumPy, its inputs and keyword parameters. The worker calls the student's kernel
(``compute.kernels.backward_kernel``); the reference gradient of input i is the central
difference of sum(G * f(inputs)) with respect to it (``checks.numeric_vjp``), in the runner.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .checks import make_rng, numeric_vjp, softmax
from .compute.kernels import backward_kernel
from .grading import graded


@dataclass(frozen=True)
class KernelCase:
    """A kernel's test: ``<kernel>_backward(G, *inputs, **params)`` vs differences of ``f``."""

    name: str
    kernel: str
    f: Callable[..., np.ndarray]
    shapes: tuple
    params: dict = field(default_factory=dict)
    positive: bool = False


def _log_softmax(x):
    shifted = x - x.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


CASES = [
    KernelCase("add", "add", np.add, ((3, 4), (3, 4))),
    KernelCase("add with a broadcast bias", "add", np.add, ((3, 4), (4,))),
    KernelCase("mul with broadcasting", "mul", np.multiply, ((3, 4), (1, 4))),
    KernelCase("neg", "neg", np.negative, ((3, 4),)),
    KernelCase("pow", "pow", lambda x, exponent: x**exponent, ((3, 4),), {"exponent": 3.0}),
    KernelCase("sqrt", "sqrt", np.sqrt, ((3, 4),), positive=True),
    KernelCase("sin", "sin", np.sin, ((3, 4),)),
    KernelCase("cos", "cos", np.cos, ((3, 4),)),
    KernelCase("maximum", "maximum", np.maximum, ((3, 4), (3, 4))),
    KernelCase("sum over an axis", "sum", lambda x, axis: x.sum(axis=axis), ((3, 4),), {"axis": 1}),
    KernelCase("mean over an axis", "mean", lambda x, axis: x.mean(axis=axis), ((3, 4),), {"axis": 0}),
    KernelCase("softmax", "softmax", lambda x: softmax(x), ((3, 4),)),
    KernelCase("log_softmax", "log_softmax", _log_softmax, ((3, 4),)),
]


def _inputs(case: KernelCase, seed: int):
    """The kernel's inputs (a0, a1, ...) and an upstream gradient g of the output's shape."""

    def make() -> dict:
        rng = make_rng(seed)
        inputs = [rng.standard_normal(shape) for shape in case.shapes]
        if case.positive:
            inputs = [np.abs(x) + 0.5 for x in inputs]
        g = rng.standard_normal(np.shape(case.f(*inputs, **case.params)))
        return {**{f"a{i}": x for i, x in enumerate(inputs)}, "g": g}

    return make


def _reference(case: KernelCase):
    def reference(g, **named) -> dict:
        inputs = [named[f"a{i}"] for i in range(len(case.shapes))]

        def f(*xs):
            return case.f(*xs, **case.params)

        return {f"gradient of input {i}": numeric_vjp(f, inputs, i, g) for i in range(len(inputs))}

    return reference


for _seed, _case in enumerate(CASES, start=70):
    _name = "test_kernel_" + "_".join(_case.name.split())
    _reference_of_case = _reference(_case)
    _reference_of_case.__name__ = _reference_of_case.__qualname__ = _name
    _order = [f"a{i}" for i in range(len(_case.shapes))]
    _register = graded("kernels", 1, _case.name, inputs=_inputs(_case, _seed), computes=backward_kernel, rtol=1e-5,
                       atol=1e-7, kernel=f"{_case.kernel}_backward", order=_order, **_case.params)  # fmt: skip
    globals()[_name] = _register(_reference_of_case)

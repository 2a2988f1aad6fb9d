"""Extra section ``kernels``: more backward kernels, 1 point each, against central differences.

Each case gives the kernel's name in ``mytorch.nn.functional``, the same function written
here in NumPy, its inputs and keyword parameters. The reference gradient of input i is the
central difference of sum(G * f(inputs)) with respect to it (``checks.numeric_vjp``).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .checks import as_gradients, assert_close, make_rng, numeric_vjp, softmax
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


def _make_test(case: KernelCase, seed: int) -> Callable[[], None]:
    def test() -> None:
        from mytorch.nn import functional

        rng = make_rng(seed)
        inputs = [rng.standard_normal(shape) for shape in case.shapes]
        if case.positive:
            inputs = [np.abs(x) + 0.5 for x in inputs]

        def f(*xs):
            return case.f(*xs, **case.params)

        G = rng.standard_normal(np.shape(f(*inputs)))
        name = f"{case.kernel}_backward"
        grads = as_gradients(getattr(functional, name)(G, *inputs, **case.params), len(inputs), name)
        for index, got in enumerate(grads):
            want = numeric_vjp(f, inputs, index, G)
            assert_close(f"{name}: gradient of input {index}", got, want, rtol=1e-5, atol=1e-7)

    return test


for _seed, _case in enumerate(CASES, start=70):
    _name = "test_kernel_" + "_".join(_case.name.split())
    _test = _make_test(_case, _seed)
    _test.__name__ = _test.__qualname__ = _name
    globals()[_name] = graded("kernels", 1, _case.name)(_test)

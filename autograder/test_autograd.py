"""Section ``autograd`` (10 points): the engine's ``add_operation`` and ``backward``.

What the student's engine computes is in ``compute/engine.py``: it records y = x @ W + b with
backward rules written there, so a wrong kernel in ``mytorch.nn.functional`` costs no points
in this section. The right answers are below.
"""

import numpy as np

from .checks import fresh_rng, make_rng
from .compute import engine
from .grading import graded


def _affine_data(seed):
    """x (4, 3), W (3, 5) and b (5,) from a seeded generator."""

    def make():
        rng = make_rng(seed)
        return {"x": rng.standard_normal((4, 3)), "W": rng.standard_normal((3, 5)), "b": rng.standard_normal(5)}

    return make


def _fresh_affine_data():
    """x (n, m), W (m, k) and b (k,), their sizes (2 to 40 each) and values drawn afresh on every
    run: the facts of the two ``add_operation`` tests are identities and zeros, whose right answers
    would not depend on fixed inputs at all, so that a hand-in sending a constant answer (the one
    an engine gives on any other run's inputs) got their 5 points without an engine (until
    2026-12-03). Now the answer holds the values of the recorded arrays and the shapes of the
    zero spots."""
    rng = fresh_rng()
    n, m, k = (int(size) for size in rng.integers(2, 41, size=3))
    return {"x": rng.standard_normal((n, m)), "W": rng.standard_normal((m, k)), "b": rng.standard_normal(k)}


@graded("autograd", 3, "add_operation", inputs=_fresh_affine_data, computes=engine.add_operation)
def test_add_operation(x, W, b):
    """The handout's walkthrough: two recorded operations, in order, each holding the very
    objects it was given (inputs, output, gradients_to_update, backward_operation), whose
    values are those of this run's arrays."""
    h = x @ W
    values = [([x, W], h), ([h, b], h + b)]
    expected = {"operations in operation_list after 2 calls": np.array(2)}
    for index, (inputs, output) in enumerate(values):
        expected[f"operation {index}: number of inputs stored"] = np.array(2)
        for k in range(2):
            expected[f"operation {index}: input {k} is the array passed in"] = np.array(True)
            expected[f"operation {index}: gradients_to_update[{k}] is the one passed in"] = np.array(True)
        expected[f"operation {index}: output is the array passed in"] = np.array(True)
        expected[f"operation {index}: backward_operation is the function passed in"] = np.array(True)
        for k in range(2):
            expected[f"operation {index}: values of input {k}"] = inputs[k]
        expected[f"operation {index}: values of the output"] = output
    return expected


@graded("autograd", 2, "add_operation gradient spots", inputs=_fresh_affine_data, computes=engine.gradient_spots)
def test_add_operation_makes_gradient_spots(x, W, b):
    """Handout 4.1.1 step 1: right after recording, every input whose gradient the engine tracks
    (``gradients_to_update`` entry None: x and h = x @ W) has a spot in the gradient buffer
    holding zeros of its shape (this run's)."""
    expected = {}
    for name, shape in (("x", x.shape), ("h", (x.shape[0], W.shape[1]))):
        expected[f"gradient_buffer.is_in_memory({name}) after add_operation"] = np.array(True)
        expected[f"gradient_buffer.get_param({name}) before backward"] = np.zeros(shape)
    return expected


def _backward_data():
    return {**_affine_data(2)(), "G": make_rng(3).standard_normal((4, 5)), "x2": make_rng(5).standard_normal((4, 3))}


@graded("autograd", 5, "backward", inputs=_backward_data, computes=engine.backward)
def test_backward(x, W, b, G, x2):
    """y = x @ W + b: parameters' gradients land in dW and db in place, x's in the buffer;
    ``zero_grad`` forgets the gradients of an earlier backward; an intermediate used twice
    receives the sum of both gradients, and so does a parameter used by two operations (its
    gradient is added into dW, not written over it)."""
    ones = np.ones((4, 5))
    return {
        "dW after backward(1)": x.T @ ones,
        "db after backward(1)": ones.sum(axis=0),
        "gradient of x after backward(1)": ones @ W.T,
        "gradient of x after zero_grad, the same forward and backward(1) again": ones @ W.T,
        "dW (h feeds two operations)": 2 * x.T @ G,
        "db (h feeds two operations)": G.sum(axis=0),
        "gradient of x (h feeds two operations)": 2 * G @ W.T,
        "dW (W used by two operations, x @ W + x2 @ W)": x.T @ G + x2.T @ G,
    }

"""Section ``autograd`` (10 points): the engine's ``add_operation`` and ``backward``.

These tests grade the engine alone: the backward rules they record are written here, so a
wrong kernel in ``mytorch.nn.functional`` costs no points in this section.
"""

import numpy as np

from .checks import assert_close, make_rng
from .grading import graded


def _matmul_rule(grad_output, a, b):
    """Backward of a @ b (written here, from the calculus)."""
    g = np.broadcast_to(grad_output, (a.shape[0], b.shape[1]))
    return g @ b.T, a.T @ g


def _add_bias_rule(grad_output, h, bias):
    """Backward of h + bias, bias of shape (C,) broadcast over the rows of h."""
    g = np.broadcast_to(grad_output, h.shape)
    return np.array(g), g.sum(axis=0)


def _add_rule(grad_output, a, b):
    """Backward of a + b, same shapes."""
    g = np.broadcast_to(grad_output, a.shape)
    return np.array(g), np.array(g)


def _affine_data(seed):
    """x (4, 3), W (3, 5) and b (5,) from a seeded generator."""
    rng = make_rng(seed)
    return rng.standard_normal((4, 3)), rng.standard_normal((3, 5)), rng.standard_normal(5)


def _record_affine(autograd, x, W, b):
    """Record y = x @ W + b on ``autograd`` as two operations; returns h = x @ W, y, dW and db."""
    dW, db = np.zeros_like(W), np.zeros_like(b)
    h = x @ W
    autograd.add_operation([x, W], h, [None, dW], _matmul_rule)
    y = h + b
    autograd.add_operation([h, b], y, [None, db], _add_bias_rule)
    return h, y, dW, db


@graded("autograd", 3, "add_operation")
def test_add_operation():
    """The handout's walkthrough: two recorded operations, in order, holding what they were given."""
    from mytorch.autograd_engine import Autograd

    autograd = Autograd()
    x, W, b = _affine_data(1)
    dW, db = np.zeros_like(W), np.zeros_like(b)
    h = x @ W
    autograd.add_operation(inputs=[x, W], output=h, gradients_to_update=[None, dW], backward_operation=_matmul_rule)
    y = h + b
    autograd.add_operation(inputs=[h, b], output=y, gradients_to_update=[None, db], backward_operation=_add_bias_rule)

    ops = autograd.operation_list
    assert len(ops) == 2, f"operation_list holds {len(ops)} operations after 2 calls to add_operation"
    for index, (inputs, output, to_update, rule) in enumerate(
        [([x, W], h, [None, dW], _matmul_rule), ([h, b], y, [None, db], _add_bias_rule)]
    ):
        op = ops[index]
        assert len(op.inputs) == 2, f"operation {index}: {len(op.inputs)} inputs stored, expected 2"
        for k in range(2):
            assert op.inputs[k] is inputs[k], f"operation {index}: input {k} is not the array passed in"
            if to_update[k] is None:
                assert op.gradients_to_update[k] is None, f"operation {index}: gradients_to_update[{k}] should be None"
            else:
                assert op.gradients_to_update[k] is to_update[k], (
                    f"operation {index}: gradients_to_update[{k}] is not the gradient array passed in"
                )
        assert op.output is output, f"operation {index}: output is not the array passed in"
        assert op.backward_operation is rule, f"operation {index}: backward_operation is not the function passed in"


@graded("autograd", 2, "add_operation gradient spots")
def test_add_operation_makes_gradient_spots():
    """Handout 4.1.1 step 1: right after recording, every input whose gradient the engine tracks
    (``gradients_to_update`` entry None) has a spot in the gradient buffer holding zeros."""
    from mytorch.autograd_engine import Autograd

    autograd = Autograd()
    x, W, b = _affine_data(4)
    h, _, _, _ = _record_affine(autograd, x, W, b)
    buffer = autograd.gradient_buffer
    for name, array in (("x", x), ("h", h)):
        assert buffer.is_in_memory(array), (
            f"after add_operation, gradient_buffer.is_in_memory({name}) is False: add_operation should "
            f"initialise a spot for {name}, whose entry in gradients_to_update is None"
        )
        zeros = np.zeros_like(array)
        assert_close(f"gradient_buffer.get_param({name}) before backward", buffer.get_param(array), zeros)


@graded("autograd", 5, "backward")
def test_backward():
    """y = x @ W + b: parameters' gradients land in dW and db in place, x's in the buffer;
    an intermediate used twice receives the sum of both gradients."""
    from mytorch.autograd_engine import Autograd

    x, W, b = _affine_data(2)

    # The handout's convention: backward(1).
    autograd = Autograd()
    h, y, dW, db = _record_affine(autograd, x, W, b)
    autograd.backward(1)
    ones = np.ones_like(y)
    assert_close("dW after backward(1)", dW, x.T @ ones)
    assert_close("db after backward(1)", db, ones.sum(axis=0))
    assert_close("gradient of x after backward(1)", autograd.gradient_buffer.get_param(x), ones @ W.T)

    # A divergence array, and h used by two operations: z = (h + b) + h.
    autograd = Autograd()
    h, y, dW, db = _record_affine(autograd, x, W, b)
    z = y + h
    autograd.add_operation([y, h], z, [None, None], _add_rule)
    G = make_rng(3).standard_normal(z.shape)
    autograd.backward(G)
    assert_close("dW (h feeds two operations)", dW, 2 * x.T @ G)
    assert_close("db (h feeds two operations)", db, G.sum(axis=0))
    assert_close("gradient of x (h feeds two operations)", autograd.gradient_buffer.get_param(x), 2 * G @ W.T)

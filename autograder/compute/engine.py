"""What the student's engine computes (section ``autograd``): ``add_operation`` and ``backward``.

The backward rules recorded here are written in this file, from the calculus, so a wrong
kernel in ``mytorch.nn.functional`` cannot change what these functions return.
"""

from __future__ import annotations

import numpy as np

from . import flag

__all__ = ["add_operation", "backward", "gradient_spots"]


def matmul_rule(grad_output, a, b):
    """Backward of a @ b."""
    g = np.broadcast_to(grad_output, (a.shape[0], b.shape[1]))
    return g @ b.T, a.T @ g


def add_bias_rule(grad_output, h, bias):
    """Backward of h + bias, bias of shape (C,) broadcast over the rows of h."""
    g = np.broadcast_to(grad_output, h.shape)
    return np.array(g), g.sum(axis=0)


def add_rule(grad_output, a, b):
    """Backward of a + b, same shapes."""
    g = np.broadcast_to(grad_output, a.shape)
    return np.array(g), np.array(g)


def _record_affine(autograd, x, W, b):
    """Record y = x @ W + b as two operations; returns the records passed to add_operation."""
    dW, db = np.zeros_like(W), np.zeros_like(b)
    h = x @ W
    autograd.add_operation(inputs=[x, W], output=h, gradients_to_update=[None, dW], backward_operation=matmul_rule)
    y = h + b
    autograd.add_operation(inputs=[h, b], output=y, gradients_to_update=[None, db], backward_operation=add_bias_rule)
    return [([x, W], h, [None, dW], matmul_rule), ([h, b], y, [None, db], add_bias_rule)]


def add_operation(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The handout's walkthrough: after two calls to ``add_operation``, what ``operation_list``
    holds, as yes/no facts (each stored object is the very one passed in), and the values of
    each stored input and output that is the array passed in (they depend on the run's inputs)."""
    from mytorch.autograd_engine import Autograd

    autograd = Autograd()
    records = _record_affine(autograd, arrays["x"], arrays["W"], arrays["b"])
    ops = autograd.operation_list
    facts = {"operations in operation_list after 2 calls": np.array(len(ops))}
    for index, (op, (inputs, output, to_update, rule)) in enumerate(zip(ops, records)):
        facts[f"operation {index}: number of inputs stored"] = np.array(len(op.inputs))
        for k in range(min(2, len(op.inputs))):
            facts[f"operation {index}: input {k} is the array passed in"] = flag(op.inputs[k] is inputs[k])
            stored = op.gradients_to_update[k]
            facts[f"operation {index}: gradients_to_update[{k}] is the one passed in"] = flag(stored is to_update[k])
        facts[f"operation {index}: output is the array passed in"] = flag(op.output is output)
        facts[f"operation {index}: backward_operation is the function passed in"] = flag(op.backward_operation is rule)
        kept = [(f"values of input {k}", op.inputs[k], inputs[k]) for k in range(min(2, len(op.inputs)))]
        for name, array, given in [*kept, ("values of the output", op.output, output)]:
            if array is given:  # (else its flag above fails the test, saying so)
                facts[f"operation {index}: {name}"] = np.array(array, dtype=float)
    return facts


def gradient_spots(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Right after recording y = x @ W + b: whether x and h have a spot in the gradient buffer,
    and what it holds."""
    from mytorch.autograd_engine import Autograd

    autograd = Autograd()
    x = arrays["x"]
    (_, h, _, _), _ = _record_affine(autograd, x, arrays["W"], arrays["b"])
    buffer = autograd.gradient_buffer
    facts = {}
    for name, array in (("x", x), ("h", h)):
        present = buffer.is_in_memory(array)
        facts[f"gradient_buffer.is_in_memory({name}) after add_operation"] = flag(present)
        if present:
            facts[f"gradient_buffer.get_param({name}) before backward"] = np.asarray(buffer.get_param(array), float)
    return facts


def backward(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """y = x @ W + b: dW, db and x's gradient after ``backward(1)``, and x's gradient after
    ``zero_grad`` and the same again; then with h feeding two operations, z = (h + b) + h,
    after ``backward(G)``; then with W used by two operations, x @ W + x2 @ W."""
    from mytorch.autograd_engine import Autograd

    x, W, b, G = arrays["x"], arrays["W"], arrays["b"], arrays["G"]
    autograd = Autograd()
    (_, _, (_, dW), _), (_, _, (_, db), _) = _record_affine(autograd, x, W, b)
    autograd.backward(1)
    gradient_of_x = np.array(autograd.gradient_buffer.get_param(x), dtype=float)  # a copy: the engine goes on
    result = {"dW after backward(1)": dW, "db after backward(1)": db, "gradient of x after backward(1)": gradient_of_x}
    autograd.zero_grad()
    _record_affine(autograd, x, W, b)
    autograd.backward(1)
    again = "gradient of x after zero_grad, the same forward and backward(1) again"
    result[again] = autograd.gradient_buffer.get_param(x)

    autograd = Autograd()
    x2, dW_shared = arrays["x2"], np.zeros_like(W)
    h1, h2 = x @ W, x2 @ W
    autograd.add_operation([x, W], h1, [None, dW_shared], matmul_rule)
    autograd.add_operation([x2, W], h2, [None, dW_shared], matmul_rule)
    autograd.add_operation([h1, h2], h1 + h2, [None, None], add_rule)
    autograd.backward(G)
    result["dW (W used by two operations, x @ W + x2 @ W)"] = dW_shared

    autograd = Autograd()
    (_, h, (_, dW), _), (_, y, (_, db), _) = _record_affine(autograd, x, W, b)
    z = y + h
    autograd.add_operation([y, h], z, [None, None], add_rule)
    autograd.backward(G)
    result.update({"dW (h feeds two operations)": dW, "db (h feeds two operations)": db,
                   "gradient of x (h feeds two operations)": autograd.gradient_buffer.get_param(x)})  # fmt: skip
    return {key: np.asarray(value, dtype=float) for key, value in result.items() if value is not None}

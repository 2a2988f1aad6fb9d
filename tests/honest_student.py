"""An honest student's hand-in: the starter (``autograder.make_handout``) with every graded
stub written the plain way the handout reads, and variations of it.

Used by ``tests/test_grader_verdicts.py``, which checks the accuracy of the grader's verdicts:
this solution, and one that differs from it only in legitimate ways (``ALTERNATIVE``), get full
marks; each mistake of ``MISTAKES`` (one a student makes) loses exactly the tests that should
catch it, with a message naming it. ``fill`` writes a solution into a starter's ``mytorch/``.
"""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path

SOLUTION: dict[str, str] = {
    "Autograd.add_operation": """
        if len(inputs) != len(gradients_to_update):
            raise ValueError("inputs and gradients_to_update must have the same length")
        operation = Operation(inputs, output, gradients_to_update, backward_operation, params)
        self.operation_list.append(operation)
        for x, dst in zip(inputs, gradients_to_update):
            if dst is None:
                self.gradient_buffer.add_spot(x)
        return operation
    """,
    "Autograd.backward": """
        last = self.operation_list[-1]
        start = last.output if output is None else output
        self.gradient_buffer.update_param(start, np.ones_like(start) * divergence)
        for op in reversed(self.operation_list):
            if not self.gradient_buffer.is_in_memory(op.output):
                continue
            grad = self.gradient_buffer.get_param(op.output)
            grads = op.backward_operation(grad, *op.inputs, **(op.params or {}))
            if isinstance(grads, np.ndarray):
                grads = (grads,)
            for x, g, dst in zip(op.inputs, grads, op.gradients_to_update):
                if g is None or dst is NO_GRAD:
                    continue
                if dst is None:
                    self.gradient_buffer.update_param(x, g)
                else:
                    dst += g
    """,
    "identity_backward": "return (grad_output,)",
    "sub_backward": "return unbroadcast(grad_output, a.shape), unbroadcast(-grad_output, b.shape)",
    "mul_backward": "return unbroadcast(grad_output * b, a.shape), unbroadcast(grad_output * a, b.shape)",
    "div_backward": "return unbroadcast(grad_output / b, a.shape), unbroadcast(-grad_output * a / b**2, b.shape)",
    "matmul_backward": "return grad_output @ b.T, a.T @ grad_output",
    "exp_backward": """
        y = np.exp(x) if out is None else out
        return (grad_output * y,)
    """,
    "log_backward": "return (grad_output / x,)",
    "tanh_backward": """
        y = np.tanh(x) if out is None else out
        return (grad_output * (1 - y**2),)
    """,
    "sigmoid_backward": """
        y = sigmoid(x) if out is None else out
        return (grad_output * y * (1 - y),)
    """,
    "relu_backward": "return (grad_output * (x > 0),)",
    # the extra section ``kernels``'s (the starter stubs them: until 2026-12-05 it shipped them whole)
    "neg_backward": "return (-grad_output,)",
    "pow_backward": "return (grad_output * exponent * x ** (exponent - 1),)",
    "sqrt_backward": "return (grad_output / (2 * np.sqrt(x)),)",
    "sin_backward": "return (grad_output * np.cos(x),)",
    "cos_backward": "return (-grad_output * np.sin(x),)",
    "maximum_backward": """
        wa = (a > b) + 0.5 * (a == b)
        return unbroadcast(grad_output * wa, a.shape), unbroadcast(grad_output * (1 - wa), b.shape)
    """,
    "sum_backward": """
        g = grad_output if keepdims or axis is None else np.expand_dims(grad_output, axis)
        return (np.broadcast_to(g, x.shape).copy(),)
    """,
    "mean_backward": """
        g = grad_output if keepdims or axis is None else np.expand_dims(grad_output, axis)
        return (np.broadcast_to(g / (x.size // np.size(g)), x.shape).copy(),)
    """,
    "softmax_backward": """
        y = softmax(x, axis) if out is None else out
        return (y * (grad_output - np.sum(grad_output * y, axis=axis, keepdims=True)),)
    """,
    "log_softmax_backward": """
        p = np.exp(log_softmax(x, axis) if out is None else out)
        return (grad_output - p * np.sum(grad_output, axis=axis, keepdims=True),)
    """,
    "softmax_cross_entropy_and_log_probs": """
        shifted = x - np.max(x, axis=-1, keepdims=True)
        log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
        loss = -np.sum(y * log_probs) / _batch(x)
        return np.array([loss]), log_probs
    """,
    "SoftmaxCrossEntropy_backward": """
        if log_probs is None:
            log_probs = softmax_cross_entropy_and_log_probs(y, x)[1]
        n = _batch(x)
        return -grad_output * log_probs / n, grad_output * (np.exp(log_probs) - y) / n
    """,
    "Activation.forward": """
        y = getattr(F, self.kernel)(x, **self.params)
        params = dict(self.params)
        if self._row.saves_output:
            params["out"] = y
        self.autograd_engine.add_operation([x], y, [None], getattr(F, self.kernel + "_backward"), params or None)
        self.state = y
        return y
    """,
    "Linear.forward": """
        h = x @ self.W.T
        self.autograd_engine.add_operation([x, self.W.T], h, [None, self.dW.T], F.matmul_backward)
        y = h + self.b
        self.autograd_engine.add_operation([h, self.b], y, [None, self.db], F.add_backward)
        return y
    """,
    "LossFN.forward": """
        loss, saved = self._evaluate(self._row, y, y_hat)
        self.autograd_engine.add_operation([y, y_hat], loss, [NO_GRAD, None], self._row.backward, saved)
        self.loss = loss
        return loss
    """,
}
"""The body of each graded stub, by the name its ``NotImplementedError`` gives. The forward-mode
rules (``*_jvp``, "not graded") stay stubs, as a student may leave them."""

Patch = tuple[str, str, str]
"""``(file under mytorch/, text, replacement)``: an edit of the starter's given code."""

_SIGMOID_BY_PRIMITIVES = """
    if self.kernel == "sigmoid":  # the handout's way: neg, exp, add, div, each recorded
        engine: Autograd = self.autograd_engine
        one = np.ones_like(x)
        a = -x
        engine.add_operation([x], a, [None], F.neg_backward)
        e = np.exp(a)
        engine.add_operation([a], e, [None], F.exp_backward)
        d = one + e
        engine.add_operation([one, e], d, [None, None], F.add_backward)
        y = one / d
        engine.add_operation([one, d], y, [None, None], F.div_backward)
        print("sigmoid recorded as 4 operations")
        return y
"""

ALTERNATIVE: dict[str, str] = {
    # sigmoid from primitive operations; the other activations recompute their derivative
    "Activation.forward": _SIGMOID_BY_PRIMITIVES
    + """
    y = getattr(F, self.kernel)(x, **self.params)
    self.autograd_engine.add_operation([x], y, [None], getattr(F, self.kernel + "_backward"), self.params or None)
    return y
    """,
    "tanh_backward": "return (grad_output / np.cosh(x) ** 2,)",
    "sigmoid_backward": "s = 1 / (1 + np.exp(-x))\nreturn [grad_output * s * (1 - s)]",
    "relu_backward": "return [np.where(x > 0, grad_output, 0.0)]",
    "exp_backward": "return ((grad_output * np.exp(x)).astype(np.float32),)",  # ignores out; float32
    "mul_backward": """
        ga, gb = unbroadcast(grad_output * b, a.shape), unbroadcast(grad_output * a, b.shape)
        return ga.astype(np.float32), gb
    """,
    # np.dot, np.einsum, np.matmul instead of @; a (1, out) view of the bias; an extra identity
    "matmul_backward": "return np.dot(grad_output, b.T), np.einsum('ij,ik->jk', a, grad_output)",
    "Linear.forward": """
        h = np.matmul(x, self.W.T)
        self.autograd_engine.add_operation([x, self.W.T], h, [None, self.dW.T], F.matmul_backward)
        b = self.b.reshape(1, -1)
        y = h + b
        self.autograd_engine.add_operation([h, b], y, [None, self.db.reshape(1, -1)], F.add_backward)
        z = F.identity(y)
        self.autograd_engine.add_operation([y], z, [None], F.identity_backward)
        return z
    """,
    # broadcasting undone by hand
    "sub_backward": """
        gb = -grad_output
        while gb.ndim > b.ndim:
            gb = gb.sum(axis=0)
        for i, n in enumerate(b.shape):
            if n == 1:
                gb = gb.sum(axis=i, keepdims=True)
        return grad_output, gb
    """,
    "div_backward": """
        ga, gb = grad_output / b, -grad_output * a / (b * b)
        if gb.shape != b.shape:
            gb = gb.reshape(-1, *b.shape).sum(axis=0)
        return [ga, gb]
    """,
    # the loss through a helper module of the student's, with type hints and debug output; its
    # backward recomputes the softmax and gives no gradient for the labels, recorded without NO_GRAD;
    # forward returns another array object (a view) than the one it recorded
    "softmax_cross_entropy_and_log_probs": """
        from mytorch.student_helpers import log_softmax

        log_probs: np.ndarray = log_softmax(x)
        loss: float = float(np.mean(-np.sum(y * log_probs, axis=1)))
        return np.array([loss]), log_probs
    """,
    "SoftmaxCrossEntropy_backward": """
        e = np.exp(x - x.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        return None, grad_output * (p - y) / x.shape[0]
    """,
    "LossFN.forward": """
        loss, saved = self._evaluate(self._row, y, y_hat)
        self.autograd_engine.add_operation([y, y_hat], loss, [None, None], self._row.backward, saved)
        self.loss = loss
        return loss.reshape(1)  # another array object than the one recorded
    """,
    # an engine of another style: indices, try/except, copies, np.add(out=), warnings, logging
    "Autograd.backward": """
        import logging
        import warnings

        warnings.warn("student's debug warning")
        logging.getLogger("student").warning("backward over %d operations", len(self.operation_list))
        ops = self.operation_list
        start = ops[-1].output if output is None else output
        self.gradient_buffer.update_param(start, np.full(start.shape, divergence, dtype=float))
        for i in range(len(ops) - 1, -1, -1):
            op = ops[i]
            try:
                grad = self.gradient_buffer.get_param(op.output)
            except KeyError:
                continue
            grads = op.backward_operation(grad, *op.inputs, **(op.params if op.params else {}))
            grads = [grads] if isinstance(grads, np.ndarray) else list(grads)
            for k in range(len(op.inputs)):
                target = op.gradients_to_update[k]
                if grads[k] is None or target is NO_GRAD:
                    continue
                if target is None:
                    self.gradient_buffer.update_param(op.inputs[k], np.array(grads[k], copy=True))
                else:
                    np.add(target, grads[k], out=target)
    """,
}
"""Legitimate differences from ``SOLUTION``, all at once: full marks all the same."""

ALTERNATIVE_FILES = {
    "student_helpers.py": '''\
"""My helpers."""
import sys

import numpy as np


def log_softmax(x: np.ndarray) -> np.ndarray:
    print("log_softmax of", x.shape)
    print("debug output on stderr", file=sys.stderr)
    s = x.astype(np.float32) - x.max(axis=-1, keepdims=True).astype(np.float32)  # float32 is plenty
    return s - np.log(np.exp(s).sum(axis=-1, keepdims=True))
''',
}
"""Files the alternative adds to ``mytorch/``."""

_STUB = re.compile(r"^(?P<indent>[ \t]*)raise NotImplementedError\([\"']not implemented yet: (?P<name>[\w.]+) .*$",
                   re.M)  # fmt: skip


def fill(mytorch: Path, changes: dict[str, str] | None = None, patches: list[Patch] = (), files: dict = {}) -> None:  # noqa: B006
    """Write ``SOLUTION`` (updated with ``changes``) into the stubs of a starter's ``mytorch``
    folder, then apply ``patches`` and add ``files``.

    Raises:
        AssertionError: a stub of ``SOLUTION`` or a patched text is not in the starter.
    """
    code = {**SOLUTION, **(changes or {})}
    done = set()

    def body(match: re.Match) -> str:
        name = match["name"]
        if name not in code:
            return match[0]
        done.add(name)
        return textwrap.indent(textwrap.dedent(code[name]).strip("\n"), match["indent"])

    for path in mytorch.rglob("*.py"):
        text = path.read_text()
        filled = _STUB.sub(body, text)
        if filled != text:
            path.write_text(filled)
    assert done == set(code), f"stubs not found in the starter: {sorted(set(code) - done)}"
    for name, old, new in patches:
        path = mytorch / name
        text = path.read_text()
        assert old in text, f"{name} holds no {old!r}"
        path.write_text(text.replace(old, new, 1))
    for name, text in files.items():
        (mytorch / name).write_text(text)


def hand_in(starter: Path, destination: Path, changes: dict[str, str] | None = None, patches: list[Patch] = (),
            files: dict = {}) -> Path:  # noqa: B006  # fmt: skip
    """A copy of ``starter/mytorch`` in ``destination/mytorch``, filled (see ``fill``); returns
    ``destination``."""
    shutil.copytree(starter / "mytorch", destination / "mytorch", ignore=shutil.ignore_patterns("__pycache__"))
    fill(destination / "mytorch", changes, patches, files)
    return destination

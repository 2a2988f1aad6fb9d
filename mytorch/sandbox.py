"""A short runnable tour of MyTorch: ``python -m mytorch.sandbox``.

Five stops, each a few lines: the tape as the handout builds it, a layer trained with the
modules, the same math with ``Tensor``, forward mode beside reverse mode, and the tape
printed as an evaluation trace.
"""

from __future__ import annotations

import os
import sys

import numpy as np

import mytorch
from mytorch import Autograd
from mytorch.nn import functional as F
from mytorch.nn.modules.linear import Linear
from mytorch.nn.modules.loss import MSELoss
from mytorch.optim import SGD
from mytorch.viz import trace


def tape_by_hand() -> None:
    """Stop 1: record y = x W^T + b with add_operation and run backward."""
    autograd = Autograd()
    x = np.array([[1.0, 2.0]])
    W, b = np.array([[0.5, -1.0], [2.0, 0.25]]), np.array([0.1, -0.2])
    dW, db = np.zeros_like(W), np.zeros_like(b)
    h = x @ W.T
    autograd.add_operation([x, W.T], h, [None, dW.T], F.matmul_backward)
    y = h + b
    autograd.add_operation([h, b], y, [None, db], F.add_backward)
    autograd.backward(1)
    print("1. the tape:", autograd.operation_list)
    print("   dW =", dW.tolist(), " db =", db.tolist(), " dx =", autograd.gradient_buffer.get_param(x).tolist())


def train_a_layer() -> None:
    """Stop 2: fit y = 3x - 1 with a Linear layer, MSELoss and SGD."""
    autograd = Autograd()
    layer, loss_fn = Linear(1, 1, autograd, rng=0, input_grad=False), MSELoss(autograd)
    opt = SGD(layer.parameters(), lr=0.1)
    x = np.linspace(-1, 1, 32)[:, None]
    y = 3 * x - 1
    for _ in range(200):
        autograd.zero_grad()
        opt.zero_grad()
        loss = loss_fn(y, layer(x))
        loss_fn.backward()
        opt.step()
    print(
        f"2. Linear + MSELoss + SGD: W = {layer.W.item():.4f} (3), b = {layer.b.item():.4f} (-1), "
        f"loss {loss.item():.2e}"
    )


def tensors() -> None:
    """Stop 3: the same engine behind a PyTorch-like Tensor."""
    x1 = mytorch.Tensor(2.0, requires_grad=True)
    x2 = mytorch.Tensor(5.0, requires_grad=True)
    y = mytorch.log(x1) + x1 * x2 - mytorch.sin(x2)
    y.backward()
    assert x1.grad is not None and x2.grad is not None  # the backward reached both leaves
    print(
        f"3. y = ln(x1) + x1 x2 - sin(x2) at (2, 5): y = {y.item():.3f}, "
        f"dy/dx1 = {x1.grad.item():.3f}, dy/dx2 = {x2.grad.item():.3f}"
    )


def forward_and_reverse() -> None:
    """Stop 4: a Jacobian by columns (forward mode) equals it by rows (reverse mode)."""
    autograd = Autograd()
    x = np.array([0.3, -1.2, 2.0])
    F.apply(autograd, "tanh", F.apply(autograd, "mul", x, x))
    columns = [autograd.jvp([x], [e])[0] for e in np.eye(3)]
    rows = []
    for e in np.eye(3):
        autograd.backward(e)
        rows.append(autograd.gradient_buffer.get_param(x).copy())
        autograd.gradient_buffer.clear()
    same = np.allclose(np.stack(columns, axis=1), np.stack(rows))
    print(f"4. y = tanh(x*x): Jacobian by forward-mode columns equals reverse-mode rows: {same}")


def evaluation_trace() -> None:
    """Stop 5: the tape as an evaluation trace with primals, tangents and adjoints."""
    x1 = mytorch.Tensor(2.0, requires_grad=True)
    x2 = mytorch.Tensor(5.0, requires_grad=True)
    y = mytorch.log(x1) + x1 * x2 - mytorch.sin(x2)
    mytorch.jvp(y, [x1, x2], [1.0, 0.0])
    y.backward(keep_grads=True)
    print("5. the evaluation trace:")
    print(trace(y, names={"x1": x1, "x2": x2}))


def main() -> None:
    """Run the tour."""
    tape_by_hand()
    train_a_layer()
    tensors()
    forward_and_reverse()
    evaluation_trace()


if __name__ == "__main__":
    try:
        main()
        sys.stdout.flush()
    except BrokenPipeError:  # `| head -1`: stop as hw_bonus.cli does, one line and status 141
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print("python -m mytorch.sandbox: stdout was closed (broken pipe); stopped", file=sys.stderr)
        raise SystemExit(141) from None

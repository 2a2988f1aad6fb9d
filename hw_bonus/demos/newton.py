"""Newton's method with mytorch.func.hessian: the two-Gaussian classifier in a handful of steps.

The Purdue lecture's two classes (points around (3, 3) and (5, 5), identity covariance; see
``hw_bonus.demos.custom_op``) are separated here by logistic regression, p(class 1 | x) =
sigmoid(w1 x1 + w2 x2 + b), fitted by minimising the mean binary cross-entropy plus a small
ridge term (lambda/2 |w|², which keeps the minimum unique).

Newton's method steps to the minimum of the loss's local quadratic model,
w <- w - H⁻¹ ∇L, with the gradient from ``func.grad`` and the 3x3 Hessian from
``func.hessian`` (forward-over-reverse: the backward pass recorded, forward mode through
it). Near the minimum each step doubles the number of correct digits, so it converges in a
handful of steps. Gradient descent (full-batch SGD) with a learning rate tuned to the loss's
curvature needs thousands: the features are not centred, so the loss is a long, narrow
valley (the Hessian's condition number is printed).

Run: ``python -m hw_bonus.demos.newton``
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from hw_bonus.cli import run_command
from hw_bonus.demos.custom_op import gaussian_data
from hw_bonus.demos.report import demo_parser, positive, positive_int, print_title
from mytorch import Tensor, bce_with_logits_loss, func

__all__ = ["gradient_descent", "logistic_loss", "main", "newton"]


def logistic_loss(x: np.ndarray, y: np.ndarray, ridge: float) -> Callable[[Tensor], Tensor]:
    """L(w) = mean BCE of the logits x @ w[:2] + w[2] against labels y, plus ridge/2 |w[:2]|²."""
    targets = y.astype(np.float64)

    def loss(w: Tensor) -> Tensor:
        logits = x @ w[:2] + w[2]
        return bce_with_logits_loss(targets, logits).sum() + 0.5 * ridge * (w[:2] * w[:2]).sum()

    return loss


def newton(
    loss: Callable[[Tensor], Tensor], w: np.ndarray, tol: float, max_steps: int
) -> tuple[np.ndarray, list[float]]:
    """Newton's method from ``w`` until |∇L| < tol; returns w and |∇L| before each step."""
    grad, hessian = func.grad(loss), func.hessian(loss)
    norms = []
    for _ in range(max_steps):
        g = grad(w)
        norms.append(float(np.linalg.norm(g)))
        if norms[-1] < tol:
            break
        w = w - np.linalg.solve(hessian(w), g)
    return w, norms


def gradient_descent(
    loss: Callable[[Tensor], Tensor], w: np.ndarray, lr: float, target: float, max_steps: int
) -> tuple[np.ndarray, int]:
    """Full-batch gradient descent until L(w) <= target; returns w and the steps taken (max_steps if never)."""
    grad_and_value = func.grad_and_value(loss)
    for step in range(max_steps):
        g, value = grad_and_value(w)
        if float(value) <= target:
            return w, step
        w = w - lr * g
    return w, max_steps


def main(argv: list[str] | None = None) -> dict[str, object]:
    """Fit the classifier by Newton's method and by gradient descent; print and return the step counts."""
    parser = demo_parser("hw_bonus.demos.newton", __doc__)
    parser.add_argument("--per-class", type=positive_int, default=1000, help="samples per class (the lecture: 1000)")
    parser.add_argument("--ridge", type=positive, default=1e-3, help="the ridge term's lambda")
    parser.add_argument("--gd-steps", type=positive_int, default=20_000, help="gradient descent's step budget")
    args = parser.parse_args(argv)

    x, y = gaussian_data(args.per_class, np.random.default_rng(args.seed))
    loss = logistic_loss(x, y, args.ridge)
    start = np.zeros(3)

    print_title(f"Newton's method: w <- w - H^-1 grad L, on {len(x)} points, from w = 0")
    w, norms = newton(loss, start, tol=1e-10, max_steps=50)
    for k, n in enumerate(norms):
        print(f"step {k}: |grad L| = {n:.3e}")
    best = float(loss(Tensor(w)).item())
    steps = len(norms) - 1
    accuracy = float(np.mean((x @ w[:2] + w[2] > 0) == y))
    H = np.asarray(func.hessian(loss)(w))
    eigenvalues = np.linalg.eigvalsh(H)
    print(f"converged in {steps} steps: L = {best:.10f}, w = {np.round(w, 4)}, training accuracy {accuracy:.1%}")

    target = best + 1e-6
    lr = 1.0 / eigenvalues[-1]  # the largest stable step for the loss's curvature at the minimum
    print_title(f"Gradient descent (full-batch SGD, learning rate 1/lambda_max = {lr:.3f}) to L <= {target:.8f}")
    _, gd_steps = gradient_descent(loss, start, lr, target, args.gd_steps)
    reached = gd_steps < args.gd_steps
    print(
        f"the Hessian's eigenvalues at the minimum: {np.round(eigenvalues, 5)} (condition number "
        f"{eigenvalues[-1] / eigenvalues[0]:.0f})"
    )
    print(
        f"gradient descent: {gd_steps} steps"
        + ("" if reached else " (the budget; not reached)")
        + f"; Newton's method: {steps}"
    )
    return {
        "newton_steps": steps,
        "gradient_norms": norms,
        "w": w.tolist(),
        "loss": best,
        "accuracy": accuracy,
        "hessian_eigenvalues": eigenvalues.tolist(),
        "gd_steps": gd_steps,
        "gd_reached": reached,
    }


if __name__ == "__main__":
    raise SystemExit(run_command("python -m hw_bonus.demos.newton", main))

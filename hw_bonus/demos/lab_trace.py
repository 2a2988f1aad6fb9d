"""The lab's evaluation traces of y = ln(x1) + x1 x2 - sin(x2) at (x1, x2) = (2, 5), from the tape.

The CMU lab writes the computation as seven values v1..v7 and works three traces by
hand: the forward primal trace (y = 11.652), the forward-mode tangent trace for dy/dx1
(5.5) and the reverse-mode adjoint trace (dy/dx1 = 5.5, dy/dx2 = 1.716). Here the same seven
values are recorded on an ``Autograd`` tape with the kernel table's ops; the tangents come
from ``Autograd.jvp`` and the adjoints from ``Autograd.backward``. It then shows why the
lab's third method, numerical differentiation, depends on the choice of epsilon.

With ``--second-order`` it goes one order up: the four second derivatives of y, from a
backward pass recorded with ``create_graph=True`` and differentiated again (and from
``mytorch.func.hessian``), beside the closed forms -1/x1², 1, 1 and sin x2.

Run: ``python -m hw_bonus.demos.lab_trace [--second-order]``
"""

from __future__ import annotations

import numpy as np

import mytorch
from hw_bonus.cli import run_command
from hw_bonus.demos.report import Row, demo_parser, finite, positive, print_rows, print_title
from mytorch import Autograd, Tensor, func, viz
from mytorch.nn import functional as F

__all__ = ["STEPS", "lab_function", "main", "numerical_errors", "second_derivatives"]

STEPS = [
    # (value, how the lab writes it, its primal, its tangent dv/dx1, its adjoint dy/dv)
    ("v1", "x1", "2", "1", "5.5"),
    ("v2", "x2", "5", "0", "1.716"),
    ("v3", "ln v1", "0.693", "0.5", "1"),
    ("v4", "v1 * v2", "10", "5", "1"),
    ("v5", "sin v2", "-0.959", "0", "-1"),
    ("v6", "v3 + v4", "10.693", "5.5", "1"),
    ("v7", "v6 - v5", "11.652", "5.5", "1"),
]
"""The lab's trace, row by row, with the numbers printed on its slides."""


def lab_function(engine: Autograd | None, x1: float, x2: float) -> list[np.ndarray]:
    """Compute v1..v7 with the kernel table's ops, recording them on ``engine`` (None: just compute)."""
    v1 = np.array([x1], dtype=np.float64)
    v2 = np.array([x2], dtype=np.float64)
    v3 = F.apply(engine, "log", v1)
    v4 = F.apply(engine, "mul", v1, v2)
    v5 = F.apply(engine, "sin", v2)
    v6 = F.apply(engine, "add", v3, v4)
    v7 = F.apply(engine, "sub", v6, v5)
    return [v1, v2, v3, v4, v5, v6, v7]


def numerical_errors(x1: float, x2: float, exact: float, epsilons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Errors of the forward and central differences of dy/dx1 against ``exact``, for each epsilon."""

    def y(a: float) -> float:
        return float(lab_function(None, a, x2)[-1][0])

    y0 = y(x1)
    forward = np.array([abs((y(x1 + e) - y0) / e - exact) for e in epsilons])
    central = np.array([abs((y(x1 + e) - y(x1 - e)) / (2 * e) - exact) for e in epsilons])
    return forward, central


def second_derivatives(x1: float, x2: float) -> tuple[list[Tensor], np.ndarray, np.ndarray]:
    """The gradient of y at (x1, x2) as recorded Tensors, and the Hessian twice: from that
    gradient differentiated again, and from ``func.hessian``."""
    t1, t2 = Tensor(np.float64(x1), requires_grad=True), Tensor(np.float64(x2), requires_grad=True)
    y = mytorch.log(t1) + t1 * t2 - mytorch.sin(t2)
    dy = mytorch.grad(y, [t1, t2], create_graph=True)  # 1/x1 + x2 and x1 - cos x2, themselves recorded
    rows = [[float(h) for h in mytorch.grad(d, [t1, t2], retain_graph=True)] for d in dy]
    hessian = func.hessian(lambda x: np.log(x[0]) + x[0] * x[1] - np.sin(x[1]))(np.array([x1, x2]))
    return list(dy), np.array(rows), hessian


def _print_second_order(x1: float, x2: float) -> tuple[bool, dict[str, object]]:
    dy, by_grad, by_hessian = second_derivatives(x1, x2)
    print_title("Second derivatives: the backward pass recorded (create_graph=True) and differentiated again")
    print(
        f"dy/dx1 = 1/x1 + x2 = {dy[0].item():.4f} and dy/dx2 = x1 - cos x2 = {dy[1].item():.4f}, as Tensors "
        f"whose own computation was recorded (requires_grad={dy[0].requires_grad}); their gradients:"
    )
    closed = np.array([[-1 / x1**2, 1.0], [1.0, np.sin(x2)]])
    names = [["d2y/dx1^2 = -1/x1^2", "d2y/dx1dx2 = 1"], ["d2y/dx2dx1 = 1", "d2y/dx2^2 = sin x2"]]
    rows = [Row(names[i][j], by_grad[i, j], f"{closed[i, j]:.6f}") for i in range(2) for j in range(2)]
    ok = print_rows(rows, ".6f")
    print(f"func.hessian (forward-over-reverse) gives the same matrix: {np.allclose(by_hessian, by_grad, rtol=1e-12)}")
    numbers = {"hessian": by_grad.tolist(), "hessian_func": by_hessian.tolist(), "hessian_closed_form": closed.tolist()}
    return ok, numbers


def _print_trace(title: str, values: list[float], column: int, formula: str) -> bool:
    print_title(title)
    rows = [Row(formula.format(name=step[0], how=step[1]), value, step[column]) for step, value in zip(STEPS, values)]
    return print_rows(rows, ".4f")


def _print_numerical(x1: float, x2: float) -> dict[str, float]:
    exact = 1 / x1 + x2
    print_title(f"Numerical differentiation of dy/dx1 (calculus: 1/x1 + x2 = {exact:g}): error against epsilon")
    epsilons = 10.0 ** -np.arange(1, 17)
    forward, central = numerical_errors(x1, x2, exact, epsilons)
    print(f"{'epsilon':>8}  {'forward (y(x+e)-y(x))/e':>24}  {'central (y(x+e)-y(x-e))/2e':>27}")
    for e, f, c in zip(epsilons, forward, central):
        print(f"{e:>8.0e}  {f:>24.2e}  {c:>27.2e}")
    best_f, best_c = int(np.argmin(forward)), int(np.argmin(central))
    print(
        f"best epsilon: forward {epsilons[best_f]:.0e} (error {forward[best_f]:.1e}), "
        f"central {epsilons[best_c]:.0e} (error {central[best_c]:.1e})\n"
        "Large epsilon: truncation error (about e for the forward difference, e^2 for the central one).\n"
        "Small epsilon: round-off, about 1e-16 * |y| / e, grows as e shrinks; at 1e-16 x1 + e == x1.\n"
        "Automatic differentiation has neither error: its dy/dx1 is exact up to rounding of the final value."
    )
    return {
        "best_eps_forward": float(epsilons[best_f]),
        "best_error_forward": float(forward[best_f]),
        "best_eps_central": float(epsilons[best_c]),
        "best_error_central": float(central[best_c]),
        "error_central_large_eps": float(central[0]),
        "error_central_tiny_eps": float(central[-3]),
    }


def main(argv: list[str] | None = None) -> dict[str, object]:
    """Print the three traces and the epsilon study; return the numbers."""
    parser = demo_parser("hw_bonus.demos.lab_trace", __doc__, seeded=False)
    parser.add_argument("--x1", type=positive, default=2.0, help="x1 > 0, as ln(x1) needs (the lab: 2)")
    parser.add_argument("--x2", type=finite, default=5.0, help="x2 (the lab: 5)")
    parser.add_argument("--second-order", action="store_true", help="also the second derivatives (the Hessian)")
    args = parser.parse_args(argv)

    engine = Autograd()
    values = lab_function(engine, args.x1, args.x2)
    print(
        f"y = ln(x1) + x1*x2 - sin(x2) at (x1, x2) = ({args.x1:g}, {args.x2:g}); "
        f"the tape holds {len(engine.operation_list)} operations:"
    )
    for i, op in enumerate(engine.operation_list, start=3):
        print(f"  v{i}: {op.backward_operation.__name__.removesuffix('_backward')}")
    primal = [float(v[0]) for v in values]
    ok = _print_trace("Forward primal trace", primal, 2, "{name} = {how}")

    one, zero = np.ones(1), np.zeros(1)
    engine.jvp(values[:2], [one, zero], outputs=[values[-1]])
    tangent = [float(engine.tangents[id(v)][0]) for v in values]
    ok &= _print_trace(
        "Forward-mode tangent trace, v' = dv/dx1 (Autograd.jvp, tangent (1, 0))", tangent, 3, "{name}' = d({how})/dx1"
    )
    (dy_dx2_forward,) = engine.jvp(values[:2], [zero, one], outputs=[values[-1]])
    print(
        f"a second forward pass, tangent (0, 1), gives dy/dx2 = {dy_dx2_forward[0]:.4f}: "
        "forward mode needs one pass per input"
    )

    engine.backward(1.0, keep_grads=True)
    adjoint = [float(engine.gradient_buffer.get_param(v)[0]) for v in values]
    ok &= _print_trace(
        "Reverse-mode adjoint trace, v_bar = dy/dv (Autograd.backward, one pass)", adjoint, 4, "{name}_bar"
    )
    cos_term = adjoint[4] * np.cos(args.x2)
    print(f"v2_bar = v5_bar cos v2 + v4_bar v1 = {cos_term:.3f} + {adjoint[3] * args.x1:g}  (the lab: -0.284 + 2)")

    engine.jvp(values[:2], [one, zero])  # tangents along x1 again, for the tape's own trace table
    print_title("The tape's own trace (mytorch.viz.trace): primal, tangent along x1, adjoint")
    print(viz.trace(engine, names={"x1": values[0], "x2": values[1], "y": values[-1]}))

    numbers = _print_numerical(args.x1, args.x2)
    if args.second_order:
        second_ok, second = _print_second_order(args.x1, args.x2)
        ok &= second_ok
        numbers.update(second)
    print(f"\nall numbers agree with the lab: {'yes' if ok else 'NO'}")
    return {
        "y": primal[-1],
        "dy_dx1": adjoint[0],
        "dy_dx2": adjoint[1],
        "dy_dx2_forward": float(dy_dx2_forward[0]),
        "primal": primal,
        "tangent": tangent,
        "adjoint": adjoint,
        "agrees": ok,
        **numbers,
    }


if __name__ == "__main__":
    raise SystemExit(run_command("python -m hw_bonus.demos.lab_trace", main))

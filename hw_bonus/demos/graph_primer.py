"""The lecture's computational-graph primer, trained with the engine's exact gradients.

The Purdue lecture builds a graph from expressions such as ``'xy=ab*xx+ac*xa'``: a name starting with
``x`` is a variable, any other name a learnable parameter, ``^`` raises to a constant power.
It keeps the graph as two dictionaries, ``depends_on`` and ``leads_to``, finds the input and
output variables, makes ground-truth data from given parameter values, and then learns the
parameters back (the primer estimated its derivatives by finite differences). Here every
expression is evaluated with the kernel table's ops on an ``Autograd`` tape, so the gradients
are exact.

In the primer's example ``ab`` and ``bc`` enter only through their sum
(``xz = bc*xx + ab*xx + ac*xa``): no data can tell them apart. Their gradients are always
equal, so training moves both by the same amount, recovers ``ab + bc`` and keeps
``ab - bc`` where it started.

Run: ``python -m hw_bonus.demos.graph_primer [--out DIR]`` (the loss plot and the graphs go to DIR,
by default ``demo_output/``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hw_bonus.cli import install_hint, make_output_folder, run_command
from hw_bonus.demos.report import Row, demo_parser, positive, positive_int, print_rows, print_title
from mytorch import NO_GRAD, Autograd, no_grad, viz
from mytorch.nn import functional as F
from mytorch.optim import Adam

__all__ = [
    "EXPRESSIONS",
    "TRUE_PARAMS",
    "ComputationalGraph",
    "Factor",
    "gen_gt_dataset",
    "loss_and_gradients",
    "main",
    "make_params",
    "train",
]

EXPRESSIONS = ["xx=xa^2", "xy=ab*xx+ac*xa", "xz=bc*xx+xy", "xw=cd*xx+xz^3"]
"""The primer's example graph."""

TRUE_PARAMS = {"ab": 1.0, "bc": 2.0, "cd": 3.0, "ac": 4.0}
"""The parameter values the primer generates its ground truth with."""

_FACTOR = re.compile(r"(?P<name>[A-Za-z_]\w*)(?:\^(?P<power>\d+(?:\.\d+)?))?")


@dataclass(frozen=True)
class Factor:
    """One factor of a term: a variable or a parameter, raised to ``power``."""

    name: str
    power: float = 1.0

    @property
    def is_variable(self) -> bool:
        """Names starting with ``x`` are variables; all others are learnable parameters."""
        return self.name.startswith("x")


def _parse(expression: str) -> tuple[str, list[list[Factor]]]:
    """``'xy=ab*xx+ac*xa'`` -> ``('xy', [[ab, xx], [ac, xa]])``."""
    lhs, sep, rhs = expression.replace(" ", "").partition("=")
    if not sep or not lhs.startswith("x") or not lhs.isidentifier() or not rhs:
        raise ValueError(f"graph_primer: expression {expression!r} must read 'x<name>=<terms>'")
    terms = []
    for term in rhs.split("+"):
        factors = []
        for text in term.split("*"):
            match = _FACTOR.fullmatch(text)
            if match is None:
                raise ValueError(f"graph_primer: in {expression!r}, {text!r} is not a name or name^power")
            factors.append(Factor(match["name"], float(match["power"] or 1)))
        terms.append(factors)
    return lhs, terms


class ComputationalGraph:
    """A DAG of variables built from the primer's expressions.

    Args:
        expressions: ``'x<name>=<term>+<term>...'``, each term a ``*``-product of names, each
            name optionally ``^power``.
        output_vars: the outputs (default: the variables nothing depends on).

    Attributes:
        depends_on: for each defined variable, the variables its expression uses (sorted).
        leads_to: for each variable used by others, those others, in expression order.
        input_vars: variables with no expression (no incoming arcs).
        output_vars: variables nothing depends on (no outgoing arcs), or those given.
        params: the learnable parameters' names, sorted.
        order: the defined variables in an order where each comes after all it depends on.
    """

    def __init__(self, expressions: list[str], output_vars: list[str] | None = None) -> None:
        self.expressions = dict(_parse(e) for e in expressions)
        self.depends_on: dict[str, list[str]] = {}
        self.leads_to: dict[str, list[str]] = {}
        params: set[str] = set()
        for var, terms in self.expressions.items():
            used = sorted({f.name for t in terms for f in t if f.is_variable})
            params.update(f.name for t in terms for f in t if not f.is_variable)
            self.depends_on[var] = used
            for source in used:
                self.leads_to.setdefault(source, []).append(var)
        self.params = sorted(params)
        everything = set(self.depends_on) | set(self.leads_to)
        self.input_vars = sorted(everything - set(self.depends_on))
        self.output_vars = output_vars or sorted(everything - set(self.leads_to))
        self.order = self._topological_order()

    def _topological_order(self) -> list[str]:
        done = set(self.input_vars)
        order: list[str] = []
        pending = list(self.expressions)
        while pending:
            ready = [v for v in pending if all(d in done for d in self.depends_on[v])]
            if not ready:
                raise ValueError(f"graph_primer: the expressions for {', '.join(pending)} form a cycle")
            order += ready
            done.update(ready)
            pending = [v for v in pending if v not in done]
        return order

    def forward(
        self,
        engine: Autograd | None,
        inputs: dict[str, np.ndarray],
        params: dict[str, tuple[np.ndarray, np.ndarray]],
    ) -> dict[str, np.ndarray]:
        """Every variable's values, each op recorded on ``engine`` (None: just compute).

        ``inputs`` maps input variables to data arrays (no gradient); ``params`` maps each
        parameter to ``(value, gradient)`` arrays, the gradient accumulated in place.
        """
        values = dict(inputs)
        for var in self.order:
            terms = (
                self._combine(engine, "mul", (self._factor(engine, f, values, inputs, params) for f in term))
                for term in self.expressions[var]
            )
            total, destination = self._combine(engine, "add", terms)
            if destination is not None:
                # The expression is one bare leaf ('xb=bc'): the variable gets an array of its own,
                # recorded through identity so the leaf's gradient still reaches its destination.
                total = F.apply(engine, "identity", total, gradients_to_update=[destination])
            values[var] = total
        return values

    @staticmethod
    def _combine(
        engine: Autograd | None, op: str, parts: Iterable[tuple[np.ndarray, object]]
    ) -> tuple[np.ndarray, object]:
        """Fold ``(value, destination)`` pairs with the binary kernel ``op`` (``mul`` for a term's
        factors, ``add`` for an expression's terms; the parser makes sure there is at least one).
        The result keeps the first part's own destination while that part stands alone, and has
        None (the engine's buffer) once an op produced it. Every op is recorded with its inputs'
        destinations, so a parameter's gradient always lands in its ``dparam`` array."""
        parts = iter(parts)
        result, result_destination = next(parts)
        for value, destination in parts:
            result = F.apply(engine, op, result, value, gradients_to_update=[result_destination, destination])
            result_destination = None
        return result, result_destination

    def _factor(
        self,
        engine: Autograd | None,
        factor: Factor,
        values: dict[str, np.ndarray],
        inputs: dict[str, np.ndarray],
        params: dict[str, tuple[np.ndarray, np.ndarray]],
    ) -> tuple[np.ndarray, object]:
        """A factor's value and gradient destination, raised to its power (by a recorded ``pow``)."""
        value, destination = self._leaf(factor.name, values, inputs, params)
        if factor.power == 1:
            return value, destination
        return F.apply(engine, "pow", value, gradients_to_update=[destination], exponent=factor.power), None

    @staticmethod
    def _leaf(
        name: str,
        values: dict[str, np.ndarray],
        inputs: dict[str, np.ndarray],
        params: dict[str, tuple[np.ndarray, np.ndarray]],
    ) -> tuple[np.ndarray, object]:
        """A factor's array and where its gradient goes: NO_GRAD for data, ``dparam`` for a
        parameter, None (the engine's buffer) for an intermediate variable."""
        if name in params:
            return params[name]
        if name not in values:
            raise ValueError(f"graph_primer: no value for {name!r}; inputs given: {', '.join(inputs)}")
        return values[name], NO_GRAD if name in inputs else None

    def to_dot(self) -> str:
        """The variable graph as Graphviz DOT text; each arc is labelled with the parameters on it."""
        lines = ["digraph primer {", "  rankdir=LR;"]
        lines += [f'  {v} [shape=box, style=filled, fillcolor="lightblue"];' for v in self.input_vars]
        lines += [f'  {v} [shape=box, style=filled, fillcolor="orange"];' for v in self.output_vars]
        for var, terms in self.expressions.items():
            labels: dict[str, list[str]] = {}
            for term in terms:
                names = [f.name for f in term if not f.is_variable]
                for f in term:
                    if f.is_variable:
                        labels.setdefault(f.name, []).extend(names)
            lines += [f'  {src} -> {var} [label="{"+".join(p)}"];' for src, p in labels.items()]
        return "\n".join(lines + ["}"]) + "\n"


Params = dict[str, tuple[np.ndarray, np.ndarray]]


def make_params(values: dict[str, float]) -> Params:
    """``{name: (value, gradient)}`` with each value a shape-(1,) array and a zero gradient."""
    return {name: (np.array([v], dtype=np.float64), np.zeros(1)) for name, v in values.items()}


def gen_gt_dataset(
    graph: ComputationalGraph, true_params: dict[str, float], size: int, rng: np.random.Generator
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Ground truth: inputs uniform in [-1, 1], outputs pushed through the graph with ``true_params``."""
    inputs = {v: rng.uniform(-1.0, 1.0, size) for v in graph.input_vars}
    values = graph.forward(None, inputs, make_params(true_params))
    return inputs, {v: values[v] for v in graph.output_vars}


def train(
    graph: ComputationalGraph,
    inputs: dict[str, np.ndarray],
    targets: dict[str, np.ndarray],
    params: Params,
    steps: int,
    lr: float,
) -> list[float]:
    """Fit ``params`` (updated in place) by Adam on the mean squared error; return the loss per step."""
    engine = Autograd()
    optimizer = Adam(list(params.values()), lr=lr)
    losses = []
    for _ in range(steps):
        losses.append(loss_and_gradients(graph, engine, inputs, targets, params))
        optimizer.step()
    return losses


def loss_and_gradients(
    graph: ComputationalGraph,
    engine: Autograd,
    inputs: dict[str, np.ndarray],
    targets: dict[str, np.ndarray],
    params: Params,
) -> float:
    """The mean squared error over the output variables; each parameter's gradient is set to its derivative."""
    engine.zero_grad()
    for _, grad in params.values():
        grad.fill(0)
    values = graph.forward(engine, inputs, params)
    loss = None
    for var, target in targets.items():
        term = F.apply(engine, "mse_loss", target, values[var], gradients_to_update=[NO_GRAD, None])
        loss = term if loss is None else F.apply(engine, "add", loss, term)
    engine.backward(1.0)
    return float(loss[0])


def _plot_losses(losses: list[float], path: Path) -> str:
    """Save the loss curve as a PNG (matplotlib) or say why not."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return f"matplotlib is not installed: no plot (the losses are printed above; {install_hint('plot')})"
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.semilogy(losses)
    ax.set_xlabel("training step")
    ax.set_ylabel("mean squared error")
    ax.set_title("Computational graph primer: loss, exact gradients")
    fig.tight_layout()
    partial = path.with_name(f".{path.name}.partial.png")
    fig.savefig(partial)
    plt.close(fig)
    os.replace(partial, path)
    return f"loss plot: {path}"


def main(argv: list[str] | None = None) -> dict[str, object]:
    """Parse the primer's graph, make ground truth, learn the parameters back; return the numbers."""
    parser = demo_parser("hw_bonus.demos.graph_primer", __doc__)
    parser.add_argument("--size", type=positive_int, default=1000, help="ground-truth samples (default 1000)")
    parser.add_argument("--steps", type=positive_int, default=1500, help="training steps (default 1500)")
    parser.add_argument("--lr", type=positive, default=0.2, help="Adam learning rate (default 0.2)")
    parser.add_argument("--out", type=Path, default=Path("demo_output"), help="where the plot and graph go")
    args = parser.parse_args(argv)
    make_output_folder(args.out)  # an unusable --out fails now, not after training
    rng = np.random.default_rng(args.seed)

    graph = ComputationalGraph(EXPRESSIONS)
    print_title("The graph")
    print("expressions:", EXPRESSIONS)
    document_depends = {"xx": ["xa"], "xy": ["xa", "xx"], "xz": ["xx", "xy"], "xw": ["xx", "xz"]}
    document_leads = {"xa": ["xx", "xy"], "xx": ["xy", "xz", "xw"], "xy": ["xz"], "xz": ["xw"]}
    for name, ours, doc in (
        ("depends_on", graph.depends_on, document_depends),
        ("leads_to", graph.leads_to, document_leads),
    ):
        for var, targets_of in ours.items():
            print(f"{name}[{var!r}] = {targets_of}   (the primer: {doc.get(var)})")
    print(f"input vars {graph.input_vars}, output vars {graph.output_vars}, learnable params {graph.params}")
    print("(the primer: input 'xa', output 'xw', parameters 'ab', 'ac', 'bc', 'cd')")

    inputs, targets = gen_gt_dataset(graph, TRUE_PARAMS, args.size, rng)
    guess = {name: float(v) for name, v in zip(graph.params, rng.uniform(0.0, 1.0, len(graph.params)))}
    params = make_params(guess)
    print_title(
        f"Training from a random guess on {args.size} ground-truth samples (Adam, lr {args.lr}, exact gradients)"
    )
    print("start:", ", ".join(f"{k} = {v:.4f}" for k, v in guess.items()))
    losses = train(graph, inputs, targets, params, args.steps, args.lr)
    every = max(1, args.steps // 10)
    for step in sorted({0, *range(every, args.steps, every), args.steps - 1}):
        print(f"step {step:>5}: loss {losses[step]:.3e}")
    print(f"loss fell by a factor {losses[0] / losses[-1]:.3g}")

    learned = {name: float(value[0]) for name, (value, _) in params.items()}
    print_title("What the data can identify: xz = (ab + bc) xa^2 + ac xa, xw = cd xa^2 + xz^3")
    identifiable = {
        "ab + bc": (learned["ab"] + learned["bc"], TRUE_PARAMS["ab"] + TRUE_PARAMS["bc"]),
        "ac": (learned["ac"], TRUE_PARAMS["ac"]),
        "cd": (learned["cd"], TRUE_PARAMS["cd"]),
    }
    print_rows([Row(label, value, f"{truth:.1f}") for label, (value, truth) in identifiable.items()], ".4f")
    drift = (learned["ab"] - learned["bc"]) - (guess["ab"] - guess["bc"])
    print(
        f"ab = {learned['ab']:.4f}, bc = {learned['bc']:.4f} (the primer's 1.0 and 2.0 cannot be told apart):\n"
        f"their gradients are equal, so ab - bc = {learned['ab'] - learned['bc']:.4f} stays where it started "
        f"(change {drift:.1e})"
    )

    picture = viz.render(graph.to_dot(), args.out / "graph_primer.svg")
    print(f"\nthe variables' graph (the primer's picture): {picture}")
    tape = Autograd()
    one_sample = graph.forward(tape, {v: x[:1] for v, x in inputs.items()}, params)
    names = one_sample | {name: value for name, (value, _) in params.items()}
    tape_dot = viz.to_dot(tape, names=names)
    tape_graph = viz.render(tape_dot, args.out / "graph_primer_tape.svg")
    print(f"the tape of one forward pass ({len(tape.operation_list)} operations): {tape_graph}")
    print(_plot_losses(losses, args.out / "graph_primer_loss.png"))
    with no_grad():
        fitted = graph.forward(None, inputs, params)
    worst = max(float(np.max(np.abs(fitted[v] - targets[v]))) for v in graph.output_vars)
    print(f"largest error of the fitted graph on the ground truth: {worst:.2e}")
    return {
        "depends_on": graph.depends_on,
        "leads_to": graph.leads_to,
        "input_vars": graph.input_vars,
        "output_vars": graph.output_vars,
        "params": graph.params,
        "losses": losses,
        "learned": learned,
        "guess": guess,
        "identifiable": {k: v for k, (v, _) in identifiable.items()},
        "graph": picture,
        "tape_graph": tape_graph,
        "tape_dot": tape_dot,
    }


if __name__ == "__main__":
    raise SystemExit(run_command("python -m hw_bonus.demos.graph_primer", main))

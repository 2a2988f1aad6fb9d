"""Pictures of the tape: an evaluation-trace table and a Graphviz DOT graph.

Both read an ``Autograd`` engine's ``operation_list`` (or the tape of a ``Tensor``) and name
its values the way a hand-worked evaluation trace does: the inputs first (v1 = x1, v2 = x2),
then one value per operation in the order it ran (v3 = ln v1, ...). Constants (inputs marked
``NO_GRAD``) are shown by their value, or as c1, c2, ... when they are arrays.

* ``trace(source)``: the table: index on the tape, output, op, inputs, and for one-element
  values the primal; after ``Autograd.jvp`` (``mytorch.jvp``) the tangents (v̇); after a
  backward that kept its intermediate gradients (``keep_grads=True``) the adjoints (v̄).
* ``to_dot(source)``: value nodes (orange ellipses) and operation nodes (gray boxes), with
  an arrow from every input to its operation and from the operation to its output.
* ``render(dot, path)``: SVG/PNG/PDF through Graphviz's ``dot`` when it is installed, else
  the DOT text itself in a ``.dot`` file (and, once per process, a line on stderr saying how
  to get the picture from it).

Example (the CMU lab's traces of y = ln(x1) + x1 x2 - sin(x2))::

    x1, x2 = mytorch.Tensor(2.0, requires_grad=True), mytorch.Tensor(5.0, requires_grad=True)
    y = mytorch.log(x1) + x1 * x2 - mytorch.sin(x2)
    mytorch.jvp(y, [x1, x2], [1.0, 0.0])         # tangents along x1
    y.backward(keep_grads=True)                  # adjoints of every value
    print(trace(y, names={"x1": x1, "x2": x2}))
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mytorch.atomic import atomic_write
from mytorch.autograd_engine import NO_GRAD, Autograd

__all__ = ["TraceRow", "render", "to_dot", "trace", "trace_rows"]

VALUE_COLOR = "orange"
OPERATION_COLOR = "lightgray"
_HIDDEN_PARAMS = ("out", "ctx")  # saved results and contexts: not worth printing


@dataclass
class TraceRow:
    """One value of the trace.

    Attributes:
        index: the operation's position on the tape (None for an input or a constant).
        name: the value's name (``v3``), or a constant's value.
        op: the kernel's name (``log``), ``input`` or ``constant``.
        inputs: the names of the operation's inputs (for an input: its user-given name, if any).
        value: the array.
        tangent: its tangent after forward mode (None if there was none).
        adjoint: its gradient after backward (None if none is held).
    """

    index: int | None
    name: str
    op: str
    inputs: list[str]
    value: np.ndarray
    tangent: np.ndarray | None = None
    adjoint: np.ndarray | None = None


def _engine(source: Any) -> Autograd:
    if isinstance(source, Autograd):
        engine = source
    elif hasattr(source, "is_leaf") and hasattr(source, "data"):  # a Tensor
        if source.is_leaf:
            raise ValueError("viz: a leaf tensor has no tape to show; pass a tensor computed from it")
        engine = source.tape
    else:
        raise TypeError(f"viz: expected an Autograd engine or a Tensor, got {type(source).__name__}")
    if not engine.operation_list:
        raise ValueError(
            "viz: the tape is empty (a backward without retain_graph=True or keep_grads=True "
            "releases a Tensor's tape; zero_grad clears an engine's)"
        )
    return engine


def _backward_ran(source: Any) -> bool:
    """Whether gradients are worth showing: a backward left some on the buffer.

    (A leaf tensor's gradient array exists, as zeros, from its first use, so its presence says
    nothing; intermediate gradients are held after ``backward(keep_grads=True)``.)
    """
    return bool(_engine(source).gradient_buffer.memory)


def _op_name(op: Any) -> str:
    fn = op.backward_operation
    name = getattr(fn, "__name__", None) or type(fn).__name__
    return name[: -len("_backward")] if name.endswith("_backward") else name


def _op_params(op: Any) -> list[str]:
    shown = []
    for key, value in (op.params or {}).items():
        if key in _HIDDEN_PARAMS or value is None or isinstance(value, np.ndarray):
            continue
        shown.append(f"{key}={value}")
    return shown


def _number(x: np.ndarray | None, digits: int) -> str:
    """A one-element array as a number; a larger one as its shape."""
    if x is None:
        return ""
    x = np.asarray(x)
    if x.size == 1:
        return f"{x.item():.{digits}f}"
    return f"<{'x'.join(str(n) for n in x.shape)}>"


def trace_rows(source: Any, names: Mapping[str, Any] | None = None) -> list[TraceRow]:
    """The trace of ``source`` (an engine or a non-leaf Tensor) as rows: inputs, then operations.

    Args:
        source: an ``Autograd`` engine, or a Tensor (its graph's tape).
        names: optional names for values: ``{"x1": x1, "y": y}`` (tensors or arrays).
    """
    engine = _engine(source)
    aliases = {id(v if isinstance(v, np.ndarray) else v._data): k for k, v in (names or {}).items()}
    outputs = {id(op.output) for op in engine.operation_list}
    memory = engine.gradient_buffer.memory
    tangents = engine.tangents

    def adjoint(x: np.ndarray, dst: Any) -> np.ndarray | None:
        if isinstance(dst, np.ndarray):
            return dst
        return memory.get(id(x))

    def tangent(x: np.ndarray) -> np.ndarray | None:
        if not tangents:
            return None
        t = tangents.get(id(x))
        return np.zeros_like(x) if t is None else t

    rows: list[TraceRow] = []
    label: dict[int, str] = {}
    count = constants = 0  # values named so far: v1, v2, ...; array constants: c1, c2, ...
    for op in engine.operation_list:  # first the inputs: arrays no operation produced
        for x, dst in zip(op.inputs, op.gradients_to_update):
            if id(x) in label or id(x) in outputs:
                continue
            if dst is NO_GRAD and id(x) not in aliases:
                if x.size == 1:
                    label[id(x)] = f"{x.item():g}"
                else:
                    constants += 1
                    label[id(x)] = f"c{constants}"
                rows.append(TraceRow(None, label[id(x)], "constant", [], x))
                continue
            count += 1
            label[id(x)] = f"v{count}"
            given = [aliases[id(x)]] if id(x) in aliases else []
            rows.append(TraceRow(None, label[id(x)], "input", given, x, tangent(x), adjoint(x, dst)))
    for index, op in enumerate(engine.operation_list):  # then one value per operation
        count += 1
        label[id(op.output)] = f"v{count}"
        alias = aliases.get(id(op.output))
        name = f"v{count}" if alias is None else f"v{count} ({alias})"
        inputs = [label[id(x)] for x in op.inputs] + _op_params(op)
        rows.append(
            TraceRow(index, name, _op_name(op), inputs, op.output, tangent(op.output), memory.get(id(op.output)))
        )
    return rows


def trace(source: Any, names: Mapping[str, Any] | None = None, digits: int = 3) -> str:
    """The evaluation trace of ``source`` as a text table (see ``trace_rows``).

    Columns: index on the tape, output, op, inputs, primal; then ``tangent (v̇)`` if forward
    mode ran and ``adjoint (v̄)`` if gradients are held. One-element values are printed with
    ``digits`` decimals, larger ones as their shape.
    """
    rows = trace_rows(source, names)
    header = ["index", "output", "op", "inputs", "primal"]
    with_tangents = any(r.tangent is not None for r in rows)
    with_adjoints = _backward_ran(source)
    header += ["tangent (v̇)"] * with_tangents + ["adjoint (v̄)"] * with_adjoints
    table = [header]
    for r in rows:
        line = ["-" if r.index is None else str(r.index), r.name, r.op, ", ".join(r.inputs), _number(r.value, digits)]
        line += [_number(r.tangent, digits)] * with_tangents + [_number(r.adjoint, digits)] * with_adjoints
        table.append(line)
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    numeric = range(4, len(header))
    return "\n".join(
        "  ".join(c.rjust(w) if i in numeric else c.ljust(w) for i, (c, w) in enumerate(zip(line, widths))).rstrip()
        for line in table
    )


def _quote(text: str) -> str:
    """A DOT string literal; line breaks become DOT's ``\\n``."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def to_dot(source: Any, names: Mapping[str, Any] | None = None, digits: int = 3) -> str:
    """The tape as Graphviz DOT text: orange value nodes, gray operation nodes.

    A value node shows its name and, for one element, its value and (when held) its
    gradient; an operation node shows the kernel and its parameters.
    """
    rows = trace_rows(source, names)
    engine = _engine(source)
    with_adjoints = _backward_ran(source)
    node_of = {}
    lines = ["digraph tape {", "  rankdir=LR;", '  node [fontname="Helvetica"];']
    for k, r in enumerate(rows):
        node_of[id(r.value)] = f"value{k}"
        text = r.name if r.op != "input" or not r.inputs else f"{r.name} = {r.inputs[0]}"
        if r.value.size == 1 and r.op != "constant":
            text += f"\n{_number(r.value, digits)}"
        if with_adjoints and r.adjoint is not None and r.adjoint.size == 1:
            text += f"\ngrad {_number(r.adjoint, digits)}"
        lines.append(f"  value{k} [label={_quote(text)}, shape=ellipse, style=filled, fillcolor={VALUE_COLOR}];")
    for i, op in enumerate(engine.operation_list):
        text = " ".join([_op_name(op), *_op_params(op)])
        lines.append(f"  op{i} [label={_quote(text)}, shape=box, style=filled, fillcolor={OPERATION_COLOR}];")
        lines.extend(f"  {node_of[id(x)]} -> op{i};" for x in op.inputs)
        lines.append(f"  op{i} -> {node_of[id(op.output)]};")
    lines.append("}")
    return "\n".join(lines) + "\n"


_told_graphviz_missing = False


def _tell_graphviz_missing(dot_file: Path, fmt: str) -> None:
    """Say once per process, on stderr, that only DOT text was written and how to draw it."""
    global _told_graphviz_missing
    if _told_graphviz_missing:
        return
    _told_graphviz_missing = True
    print(
        f"viz: Graphviz's 'dot' is not installed, so {dot_file} holds the graph as DOT text; for the picture "
        f"install Graphviz (apt install graphviz, brew install graphviz or conda install graphviz) and run "
        f"'dot -T{fmt} {dot_file} -o {dot_file.with_suffix('.' + fmt)}', or paste the text into an online "
        f"Graphviz viewer",
        file=sys.stderr,
    )


def render(dot: str, path: str | os.PathLike[str]) -> Path:
    """Draw DOT text to ``path`` (``.svg``, ``.png`` or ``.pdf``) with Graphviz's ``dot``.

    Without Graphviz installed (or for a ``.dot`` path) the DOT text is written instead, to
    ``path`` with the suffix ``.dot``; the first time Graphviz is found missing, one line on
    stderr says so and how to draw the picture. Files are written atomically, mode 0644.

    Returns:
        The path of the file written.
    """
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower()
    binary = shutil.which("dot")
    if fmt not in ("svg", "png", "pdf") or binary is None:
        target = path.with_suffix(".dot")
        atomic_write(target, lambda f: f.write(dot.encode()))
        if binary is None and fmt in ("svg", "png", "pdf"):
            _tell_graphviz_missing(target, fmt)
        return target
    result = subprocess.run([binary, f"-T{fmt}"], input=dot.encode(), capture_output=True, check=False)
    if result.returncode != 0:
        raise ValueError(f"render: dot failed for {path}: {result.stderr.decode(errors='replace').strip()}")
    atomic_write(path, lambda f: f.write(result.stdout))
    return path

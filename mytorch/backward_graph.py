"""Gradients as Tensors, and gradients that can be differentiated again: ``mytorch.grad``.

``Autograd.backward`` walks a tape in reverse and calls each operation's backward rule on
arrays. ``gradients`` below walks it the same way, with two differences:

* the gradients of leaves are collected and returned (nothing is added into ``.grad``);
* with ``create_graph=True`` every rule runs on **Tensors** standing for the recorded arrays.
  The rules are NumPy code, and NumPy's functions on Tensors record themselves (see
  ``mytorch.tensor_numpy``), so the backward pass is itself recorded, onto the same tape.
  The gradients it returns are Tensors of that graph: differentiate them again, to any order.

How a recorded array becomes a Tensor (``_Nodes``): the tape knows every value by the
identity of its array, so a Tensor wrapping that very array object *is* that value. An
intermediate result's Tensor is on the tape; a leaf's Tensor sends its gradient where the
leaf's does; a constant stays an array. The recorded backward operations are appended after
the forward ones, so walking the tape in reverse from a gradient reaches them first and the
forward operations they read afterwards: a second ``backward`` needs nothing new.

Without ``create_graph`` the rules run on arrays exactly as in ``Autograd.backward``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from mytorch.arguments import ShapeRuntimeError
from mytorch.autograd_engine import NO_GRAD, Operation, _GradMode, _kernel_name, set_grad_enabled
from mytorch.dtypes import gradient_array
from mytorch.nn.functional import CACHED_PARAMS, RECORDED_SLOPES, with_zero_slope
from mytorch.saved import is_held
from mytorch.tensor import CAPTURE, Tape, Tensor, capturing
from mytorch.tensor_graph import leaf_gradient, post_hooks
from mytorch.tensor_shape import stack

__all__ = ["backward", "grad", "gradients"]


class _Nodes:
    """The Tensor standing for each array of a tape while a recorded backward runs."""

    def __init__(self, tape: Tape) -> None:
        self.tape = tape
        self.made: dict[int, Tensor] = {}

    def of(self, x: np.ndarray, dst: Any) -> Any:
        """The Tensor for input ``x`` of an operation whose ``gradients_to_update`` entry is
        ``dst``: the leaf itself, a Tensor of the tape for an intermediate, or (NO_GRAD) ``x``."""
        if dst is NO_GRAD:
            return x  # a constant
        node = self.made.get(id(x))
        if node is None:
            node = self.tape.leaves.get(id(x))  # a leaf stands for itself
        if node is None:  # an intermediate result: a Tensor of the tape wrapping its very array
            node = self.made[id(x)] = Tensor(x, requires_grad=True)
            node._data, node._tape = x, self.tape  # (the very array: the tape's key for it)
        return node

    def params(self, op: Operation) -> dict[str, Any]:
        """``op``'s parameters for a recorded rule: the saved output as its Tensor, and no
        cached forward results (the rule recomputes them, so that they are differentiated)."""
        params = {k: v for k, v in (op.params or {}).items() if k not in CACHED_PARAMS}
        if "out" in params:
            params["out"] = self.of(op.output, None)
        return params


def _recorded_vjp(op: Operation, index: int, grad: Any, nodes: _Nodes) -> Any:
    """Run ``op``'s backward rule on Tensors, recording it; a clear error if it cannot."""
    inputs = [nodes.of(x, dst) for x, dst in zip(op.inputs, op.gradients_to_update)]
    grad = _for_hooks(op.vjp, grad)
    try:
        grads = op.vjp(grad, *inputs, **nodes.params(op))
    except (TypeError, AttributeError, NotImplementedError) as error:
        raise TypeError(
            f"create_graph: the backward rule of operation {index} ({op.describe()}) does not run on "
            f"Tensors, so {_kernel_name(op.backward_operation)} supports first-order gradients only: {error}"
        ) from error
    if isinstance(grads, (np.ndarray, np.generic, Tensor)):  # one gradient (a 0-d one may be a NumPy scalar)
        grads = (grads,)
    if op.backward_operation in RECORDED_SLOPES or (op.params is not None and op.params.get("slope_recorded")):
        grads = tuple(_in_graph(gx, x) for gx, x in zip(grads, inputs))
    recorded = isinstance(grad, Tensor) and grad.requires_grad
    for gx in grads:
        if recorded and isinstance(gx, (np.ndarray, np.generic)) and gx.any():
            raise TypeError(
                f"create_graph: the backward rule of operation {index} ({op.describe()}) returned a "
                "plain array for a recorded gradient: it left the graph (np.asarray, .data, or a "
                f"function without a gradient rule), so {_kernel_name(op.backward_operation)} "
                "supports first-order gradients only"
            )
    return grads


def _for_hooks(vjp: Any, grad: Any) -> Any:
    """``grad`` as a (constant) Tensor when ``vjp`` runs hooks in a recorded backward: a hook that
    returns a function of tensors requiring grad (``lambda g: g * x``) is differentiated through, as in
    PyTorch; given a plain array (the seed, or a constant gradient) its result was taken as an array, so
    the second derivative missed it (x ** 3 with that hook: 6x**2 for 9x**2)."""
    if type(grad) is np.ndarray and getattr(vjp, "hooks", None):
        return Tensor(grad)
    return grad


def _in_graph(gx: Any, x: Any) -> Any:
    """``gx``'s value, in the graph as a function of ``x`` with derivative 0 (``RECORDED_SLOPES``):
    ``x`` is selected nowhere, so it gets the gradient 0 (a constant ``gx`` stays one otherwise)."""
    if gx is None or not (isinstance(x, Tensor) and x.requires_grad) or (isinstance(gx, Tensor) and gx.requires_grad):
        return gx
    return with_zero_slope(gx, x)


def _check(op: Operation, index: int, grads: Any, tape: Tape) -> Sequence[Any]:
    """The gradients of ``op``'s inputs, checked for number, type, shape (and finiteness)."""
    if type(grads) is not tuple and type(grads) is not list:
        grads = (grads,) if isinstance(grads, (np.ndarray, np.generic, Tensor)) else tuple(grads)
    if len(grads) != len(op.inputs):
        raise ValueError(
            f"backward: operation {index} ({op.describe()}) returned {len(grads)} gradients for {len(op.inputs)} inputs"
        )
    checked = []
    for x, gx in zip(op.inputs, grads):
        if gx is not None:
            if not isinstance(gx, (np.ndarray, Tensor)):
                gx = tape._as_gradient(gx, op)
            if gx.shape != x.shape:
                raise ValueError(
                    f"backward: operation {index} ({op.describe()}) returned a gradient of shape "
                    f"{tuple(gx.shape)} for an input of shape {tuple(x.shape)}"
                )
            if _GradMode.anomaly and not np.isfinite(np.asarray(gx)).all():
                raise FloatingPointError(
                    f"detect_anomaly: operation {index} ({op.describe()}) produced a non-finite "
                    f"gradient (NaN or inf) for an input of shape {tuple(x.shape)}"
                )
        checked.append(gx)
    return checked


def gradients(tape: Tape, seeds: dict[int, Any], keep: set[int] | None, create_graph: bool) -> dict[int, Any]:
    """Propagate ``seeds`` back through ``tape``; the gradients that were not used up.

    Args:
        tape: the tape holding the outputs.
        seeds: ``{id(output array): its gradient}`` (arrays, or Tensors when recording).
        keep: ids of the arrays whose gradients are wanted (leaves, or intermediates, whose
            gradients are kept and propagated further); only the operations on a path from one
            of them to the seeds run (their hooks too), as in PyTorch. None: every leaf's.
        create_graph: run the rules on Tensors, recording them (gradients are Tensors).

    Returns:
        ``{id(array): gradient}`` for every leaf the seeds reached (or every array of ``keep``).
    """
    # BEGIN SOLUTION: beyond the handout (mytorch.grad); it walks the tape as Autograd.backward does
    ops = tape.operation_list
    start = max((i for i, op in enumerate(ops) if id(op.output) in seeds), default=-1)
    grads = dict(seeds)
    nodes = _Nodes(tape) if create_graph else None
    recorder = capturing() if create_graph and CAPTURE else None
    if recorder is not None:  # a Replay capturing a step: it replays one first-order backward
        recorder.recorded_backward()
    leading = None if keep is None else _leading_to(ops[: start + 1], keep)
    ends = set(seeds) | (keep or set())  # (where the hooks run even if the operation does not)
    for index in range(start, -1, -1):
        op = ops[index]
        key = id(op.output)
        if leading is not None and key not in leading:  # no wanted gradient lies below this operation
            hooked = getattr(op.vjp, "hooked", None) if key in ends and key in grads else None
            if hooked is not None:  # an input's or output's hooks still run: an input's give its gradient
                grads[key] = hooked(grads[key] if nodes is None else _for_hooks(op.vjp, grads[key]))  # (as in PyTorch)
            continue
        grad = grads.get(key) if keep is not None and key in keep else grads.pop(key, None)
        if grad is None:
            continue
        if op.guard is not None:  # an array the rule reads changed in place since recording
            op.guard(tape.resolve(), op)  # (a recorded rule may have merged this tape into another)
        if nodes is not None:
            raw = _recorded_vjp(op, index, grad, nodes)
        else:
            raw = op.vjp(grad, *op.inputs) if op.params is None else op.vjp(grad, *op.inputs, **op.params)
        for x, gx, dst in zip(op.inputs, _check(op, index, raw, tape), op.gradients_to_update):
            if gx is None or dst is NO_GRAD:
                continue
            held = grads.get(id(x))
            grads[id(x)] = gx if held is None else held + gx
    return grads
    # END SOLUTION


def _leading_to(ops: Sequence[Operation], keep: set[int]) -> set[int]:
    """The ids of the outputs of the operations in ``ops`` (in the order they ran) that some array
    of ``keep`` was an input of, directly or through the others."""
    reached, leading = set(keep), set()
    for op in ops:
        if any(id(x) in reached for x in op.inputs):
            reached.add(id(op.output))
            leading.add(id(op.output))
    return leading


def backward(output: Tensor, gradient: Any, retain_graph: bool | None) -> None:
    """``output.backward(gradient, create_graph=True)``: every leaf ancestor's gradient, computed
    with the backward pass recorded, is added to its ``.grad`` (a Tensor of the graph, so it
    can be differentiated again; in a ``no_grad`` block too, as in PyTorch). The tape is kept
    unless ``retain_graph`` is False."""
    with set_grad_enabled(True):
        _backward(output, gradient, retain_graph)


def _backward(output: Tensor, gradient: Any, retain_graph: bool | None) -> None:
    seed = _seed(output, gradient, 0, True, "backward")
    if output.is_leaf:
        reached, leaves = {id(output._data): seed}, {id(output._data): output}
    else:
        tape = output.tape.follow_replaced_leaves()
        if tape.released:
            raise RuntimeError(
                "backward: this graph's tape was already released by an earlier backward; call "
                "backward(retain_graph=True) the first time to differentiate the graph again"
            )
        reached = gradients(tape, {id(output._data): seed}, None, create_graph=True)
        leaves = dict(tape.resolve().leaves)
        if retain_graph is False:
            tape.resolve().release()
    for key, leaf in leaves.items():
        g = reached.get(key)
        if g is not None and leaf.requires_grad:  # (not frozen by requires_grad_(False) since)
            g = leaf_gradient(leaf, _as_input(g, leaf))
            leaf.grad = g if leaf.grad is None else leaf.grad + g
            post_hooks(leaf)


def _as_tensors(value: Any, what: str) -> list[Tensor]:
    items = [value] if isinstance(value, Tensor) else list(value)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(f"grad: {what} {i} is a {type(t).__name__}, not a Tensor")
    return items


def _seed(output: Tensor, given: Any, index: int, create_graph: bool, caller: str = "grad") -> Any:
    """The gradient that starts the walk at ``output``: ``given`` (a Tensor when recording) or 1."""
    name = "grad_outputs" if caller == "grad" else "gradient"
    if given is None:
        if output.numel() != 1:
            raise ShapeRuntimeError(
                f"{caller}: output {index} has shape {tuple(output.shape)}; a gradient can be implied only for a "
                f"one-element output, so pass {name}"
            )
        return np.ones_like(output._data)
    seed: Tensor | np.ndarray
    what = f"{caller}: {name}[{index}]" if caller == "grad" else f"{caller}: {name}"
    if isinstance(given, Tensor) and create_graph:  # (cast on the graph: its gradient has its own dtype)
        if given.dtype != output.dtype:
            gradient_array(given._data, output.dtype, what)  # (checked: not complex into real, nor beyond the range)
        seed = given if given.dtype == output.dtype else given.to(output.dtype)
    else:
        seed = gradient_array(given._data if isinstance(given, Tensor) else given, output.dtype, what)
    if seed.shape != output.shape:
        raise ValueError(
            f"{caller}: {name}[{index}] has shape {tuple(seed.shape)}, output {index} {tuple(output.shape)}"
        )
    return seed


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    only_inputs: bool = True,
    allow_unused: bool | None = None,
    is_grads_batched: bool = False,
    materialize_grads: bool = False,
) -> tuple[Tensor | None, ...]:
    """The gradients of ``outputs`` with respect to ``inputs``, as Tensors (``torch.autograd.grad``,
    its arguments in its order).

    Nothing is added into any ``.grad``. With ``create_graph=True`` the computation of the
    gradients is recorded, so they can be differentiated again (Hessians, gradient
    penalties, meta-learning); without it they are constants, computed in plain NumPy.

    Args:
        outputs: a Tensor or a sequence of Tensors to differentiate.
        inputs: the Tensors (leaves or intermediate results) to differentiate with respect to.
        grad_outputs: one gradient per output (its shape), None meaning 1 for a one-element
            output; with ``create_graph`` a Tensor that requires a gradient stays in the graph.
        retain_graph: keep the tape for another backward (default: ``create_graph``).
        create_graph: record the backward pass.
        only_inputs: PyTorch's deprecated argument, ignored as there.
        allow_unused: give None for an input the outputs do not depend on, instead of raising
            (default: ``materialize_grads``).
        is_grads_batched: the first axis of every ``grad_outputs`` entry is a batch: one
            backward per entry of it (a loop), the gradients stacked along a first axis
            (Jacobian rows: ``grad(y, x, eye, is_grads_batched=True)``).
        materialize_grads: give zeros instead of that None (a leaf that requires a gradient
            when ``create_graph``), as PyTorch's option.

    Returns:
        One gradient per input (a tuple, even for one input).

    Raises:
        RuntimeError: an output that does not require a gradient, a released graph, an
            unused input (without ``allow_unused``).
        ValueError: missing or misshapen ``grad_outputs``; ``materialize_grads`` with
            ``allow_unused=False``.
        TypeError: with ``create_graph``, a backward rule that cannot run on Tensors (the error
            names its kernel).
    """
    if materialize_grads and allow_unused is False:
        raise ValueError("grad: materialize_grads=True gives zeros for unused inputs: leave allow_unused unset or True")
    allow_unused = materialize_grads if allow_unused is None else allow_unused
    outs = _as_tensors(outputs, "output")
    ins = _as_tensors(inputs, "input")
    if grad_outputs is None or isinstance(grad_outputs, (Tensor, np.ndarray)):
        grad_outputs = [grad_outputs] * len(outs) if grad_outputs is None else [grad_outputs]
    if len(grad_outputs) != len(outs):
        raise ValueError(f"grad: {len(outs)} outputs but {len(grad_outputs)} grad_outputs")
    for i, t in enumerate(ins):
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} (shape {tuple(t.shape)}) does not require a gradient")
    with set_grad_enabled(create_graph):  # as PyTorch's engine: recorded exactly when create_graph (in no_grad too)
        if is_grads_batched:
            return _batched(outs, ins, grad_outputs, retain_graph, create_graph, (allow_unused, materialize_grads))
        return _grad(outs, ins, grad_outputs, retain_graph, create_graph, allow_unused, materialize_grads)


def _batched(
    outs: list[Tensor],
    ins: list[Tensor],
    grad_outputs: Sequence[Any],
    retain_graph: bool | None,
    create_graph: bool,
    unused: tuple[bool, bool],
) -> tuple[Tensor | None, ...]:
    """``grad`` with ``is_grads_batched``: a backward per entry of the batch, stacked."""
    sizes = {np.shape(g._data if isinstance(g, Tensor) else g)[:1] for g in grad_outputs}
    if len(sizes) != 1 or () in sizes:
        raise ValueError("grad: with is_grads_batched=True every grad_outputs entry needs one batch axis of one size")
    ((n,),) = sizes
    rows = [
        _grad(outs, ins, [g[b] for g in grad_outputs], True if b < n - 1 else retain_graph, create_graph, *unused)
        for b in range(n)
    ]
    return tuple(None if column[0] is None else stack(list(column)) for column in zip(*rows))


def _grad(
    outs: list[Tensor],
    ins: list[Tensor],
    grad_outputs: Sequence[Any],
    retain_graph: bool | None,
    create_graph: bool,
    allow_unused: bool,
    materialize_grads: bool,
) -> tuple[Tensor | None, ...]:
    """``grad`` once its arguments are checked."""
    by_tape: dict[int, tuple[Tape | None, dict[int, Any]]] = {}
    for i, (out, given) in enumerate(zip(outs, grad_outputs)):
        if not out.requires_grad:
            raise RuntimeError(
                f"grad: output {i} does not require a gradient (no input had requires_grad=True, "
                "or it was computed under no_grad)"
            )
        tape = None if out.is_leaf else out.tape.follow_replaced_leaves()
        if tape is not None and tape.released:
            raise RuntimeError(
                f"grad: output {i}'s graph was already released by an earlier backward; pass "
                "retain_graph=True the first time to differentiate it again"
            )
        seeds = by_tape.setdefault(id(tape), (tape, {}))[1]
        seed = _seed(out, given, i, create_graph)
        key = id(out) if tape is None else id(out._data)  # (see _positions)
        held = seeds.get(key)
        seeds[key] = seed if held is None else held + seed
    found: list[Any] = [None] * len(ins)
    for tape, seeds in by_tape.values():
        where = _positions(tape, ins)
        reached = seeds if tape is None else gradients(tape, seeds, set(where), create_graph)
        for key, positions in where.items():
            g = reached.get(key)
            if g is not None:
                for i in positions:
                    found[i] = g if found[i] is None else found[i] + g
    if not (create_graph if retain_graph is None else retain_graph):
        # A graph differentiated only down to intermediates it holds is kept: PyTorch frees just
        # the nodes above them, and code goes on from them (first-order MAML's inner steps).
        stops = {id(t.tape) for t in ins if not t.is_leaf and t.requires_grad}
        for tape, _ in by_tape.values():
            if tape is not None and id(tape) not in stops:
                tape.release()
    results: list[Tensor | None] = []
    for i, t in enumerate(ins):
        g = found[i]
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad: input {i} (shape {tuple(t.shape)}) was not used to compute the outputs; pass "
                "allow_unused=True to get None for it"
            )
        if g is not None:
            g = _as_input(g, t)
            if t.is_leaf:  # a leaf's hooks run on its gradient, as in PyTorch
                g = leaf_gradient(t, g)
        elif materialize_grads:
            g = Tensor(np.zeros_like(t._data), requires_grad=create_graph)
        results.append(g)
    return tuple(results)


def _positions(tape: Tape | None, ins: Sequence[Tensor]) -> dict[int, list[int]]:
    """``{key: positions in ins}``: under which keys each input's gradient is found among those
    propagated on ``tape`` (an intermediate's by its array, a leaf's by every array the tape
    knows it by: two leaves may wrap one array, the tape then knows one of them by a view of
    it, and a leaf whose ``.data`` was replaced between two operations is known by both arrays,
    its gradient the sum), or, for ``tape`` None, among the seeds of the outputs that are
    leaves (by the leaf's own id)."""
    leaf_keys: dict[int, list[int]] = {}
    for key, leaf in tape.leaves.items() if tape is not None else ():
        leaf_keys.setdefault(id(leaf), []).append(key)
    where: dict[int, list[int]] = {}
    for i, t in enumerate(ins):
        if t.is_leaf:
            keys = [id(t)] if tape is None else leaf_keys.get(id(t), [])
        else:
            keys = [] if tape is None else [id(t._data)]
        for key in keys:
            where.setdefault(key, []).append(i)
    return where


def _as_input(g: Any, t: Tensor) -> Tensor:
    """The gradient of input ``t`` in ``t``'s dtype, as PyTorch gives it (a float32 input of a
    float64 loss has a float32 gradient; a recorded gradient is cast on the graph), and one the
    caller may write into: a read-only array (a reduction's gradient is a broadcast view,
    ``F._expand``) is copied (a recorded one cloned on the graph; one a graph locked is left to
    the in-place operations, which lift the lock and bump its version)."""
    if isinstance(g, Tensor):
        g = g if g.dtype == t.dtype else g.to(t.dtype)
        return g if g._data.flags.writeable or is_held(g._data) else g.clone()
    if g.dtype != t.dtype:
        return Tensor(g.astype(t.dtype))
    return Tensor(g if g.flags.writeable else g.copy())

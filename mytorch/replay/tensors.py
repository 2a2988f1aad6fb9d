"""Capturing a Tensor-level step (``mytorch.nn`` modules, ``mytorch.optim`` over Tensors).

A Tensor-level step records its forward on the tape of its tensors' graph (``mytorch.tensor``:
one ``Tape``, an ``Autograd`` engine, per connected graph), and ``loss.backward()`` runs that
tape and then releases it. While ``Replay`` captures such a step a ``Recorder`` sits in
``mytorch.tensor.CAPTURE``: ``backward`` hands it the tape before releasing it, and
``cross_entropy`` tells it how it made one-hot targets from class labels.

``tensor_step`` turns what was recorded into what ``compile_step`` reads, in the handout's
terms: each parameter's leaf array enters its operations with its gradient array as the
destination (``dW`` in the handout), the gradient arrays being the ``.grad`` of the
parameters after the captured step. A replay writes into those arrays and hands them back as
``p.grad`` (the same Tensor every step).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from mytorch.autograd_engine import Operation
from mytorch.replay.compiler import Derived, Entry, ReplayError
from mytorch.tensor import CAPTURE, Tape, Tensor
from mytorch.tensor_graph import _HookedBackward


class Recorder:
    """What one run of a Tensor-level step did, told by ``backward`` and ``cross_entropy``.

    Attributes:
        runs: ``(operations, leaves, loss array, seed)`` for each ``backward`` the step ran.
        accumulating: the leaves whose ``.grad`` held non-zero values when a backward was
            about to add into it (the step does not zero them).
        made: the arrays made from step inputs off the tape (``{id: (array, make, args)}``).
        left: ``{id(leaf): (leaf, its .grad, that gradient's array, a copy of its values)}``
            as the last backward left them, compared with what the optimizer's step reads.
        changed: ``(index, parameter)`` of the optimizer's parameters whose gradient the step
            changed between its backward and the optimizer's step.
        read: ``(read, value)``: settings the step read off the modules' attributes (a loss's
            class weights), ``read()`` giving their value now; a replay compares it with ``value``.
        steps: for each call of the replayed optimizer's ``step``, how many backwards had run.
    """

    def __init__(self, parameters: Sequence[Tensor] = ()) -> None:
        self.thread = threading.get_ident()
        self.parameters = {id(p._data) for p in parameters}  # their arrays (what .data and detach() give)
        self.runs: list[tuple[list[Operation], dict[int, Tensor], np.ndarray, np.ndarray]] = []
        self.accumulating: list[Tensor] = []
        self.made: Derived = {}
        self.left: dict[int, tuple[Tensor, Tensor | None, np.ndarray | None, np.ndarray | None]] = {}
        self.changed: list[tuple[int, Tensor]] = []
        self.read: list[tuple[Callable[[], Any], Any]] = []
        self.clipped: list[str] = []  # the nn.utils clipping functions the step called
        self.updated: list[str] = []  # state the step's modules changed off the tape
        self.second_order = False  # the step ran a backward with create_graph=True
        self.steps: list[int] = []
        self.writes: list[weakref.ref[np.ndarray]] = []  # the memory written in place off the tape, outside the update
        self.updating = False  # inside the replayed optimizer's step
        self.looked_at: list[str] = []  # how the step read recorded tensors' values into Python

    def __enter__(self) -> Recorder:
        CAPTURE.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        CAPTURE.remove(self)

    def backward(self, tensor: Tensor, tape: Tape, seed: np.ndarray) -> None:
        """``tensor.backward`` ran ``tape`` from ``seed`` (the gradients not yet delivered)."""
        if threading.get_ident() != self.thread:
            return  # another thread's graph
        self.runs.append((list(tape.operation_list), dict(tape.leaves), tensor._data, seed))
        self.accumulating += [
            leaf for leaf in tape.leaves.values() if leaf._grad is not None and leaf._grad._data.any()
        ]

    def delivered(self, tape: Tape) -> None:
        """``backward`` has delivered the gradients of ``tape``'s leaves into their ``.grad``."""
        if threading.get_ident() != self.thread:
            return
        for leaf in tape.leaves.values():
            grad = leaf._grad
            data = None if grad is None else grad._data
            self.left[id(leaf)] = (leaf, grad, data, None if data is None else data.copy())

    def stepping(self, optimizer: Any) -> None:
        """The optimizer's ``step`` is about to read the gradients: note each parameter whose
        gradient is not as the last backward left it (the step clipped or scaled it, in place or
        by assigning ``p.grad``). A change that depends on the values (clipping by a norm this
        run's gradients stay under) is not seen here: ``verify`` catches it."""
        if threading.get_ident() != self.thread:
            return
        self.steps.append(len(self.runs))
        for i, p in enumerate(optimizer.params):
            left = self.left.get(id(p))
            if left is None or left[0] is not p:
                continue  # backward did not reach p
            _, grad, data, values = left
            now = p._grad
            if now is grad and (
                grad is None
                or (grad._data is data and values is not None and np.array_equal(data, values, equal_nan=True))
            ):
                continue
            self.changed.append((i, p))

    def wrote(self, tensor: Tensor) -> None:
        """``tensor`` was written in place outside the tape (told by ``mytorch.tensor``)."""
        if threading.get_ident() == self.thread and not self.updating:
            self.writes.append(weakref.ref(_root(tensor._data)))

    def looked(self, how: str) -> None:
        """The step read a tensor's value into Python (``how``: ``item()``, ``float()``...)."""
        if threading.get_ident() == self.thread and not self.updating:
            self.looked_at.append(how)

    def watches(self, array: np.ndarray) -> bool:
        """Whether ``array`` is a parameter's (as the step started)."""
        return id(array) in self.parameters

    def kept_write(self, optimizer: Any, result: Any) -> np.ndarray | None:
        """Memory the step wrote in place off the tape that outlives it (an average of the
        weights, a metric accumulated with ``+=``, a step input), which a replay would not write
        (``t.data.mul_(...)`` included: the memory, not the Tensor): None if all of it is gone
        with the step, or is a parameter's gradient (``zero_grad`` keeping them) or a result of
        the step."""
        spared = {id(_root(p._grad._data)) for p in optimizer.params if p._grad is not None}
        spared.update(
            id(_root(r._data)) for r in (result if isinstance(result, tuple) else (result,)) if isinstance(r, Tensor)
        )
        for ref in self.writes:
            memory = ref()
            if memory is not None and id(memory) not in spared:
                return memory
        return None

    def clipping(self, name: str) -> None:
        """The step called ``nn.utils.<name>`` on its gradients."""
        if threading.get_ident() == self.thread:
            self.clipped.append(name)

    def off_tape(self, what: str) -> None:
        """The step changed ``what`` outside the tape (a BatchNorm's running statistics)."""
        if threading.get_ident() == self.thread:
            self.updated.append(what)

    def recorded_backward(self) -> None:
        """The step ran a backward with ``create_graph=True`` (its gradient is differentiated again)."""
        if threading.get_ident() == self.thread:
            self.second_order = True

    def reads(self, read: Callable[[], Any], value: Any) -> None:
        """The step used ``value``, which ``read()`` gives again (values held in an array a
        module keeps, that can change in place between steps)."""
        if threading.get_ident() == self.thread:
            self.read.append((read, value))

    def derived(self, array: np.ndarray, make: Callable[..., np.ndarray], *args: Any) -> None:
        """``array`` is ``make(*args)``, made off the tape (from step inputs, if a replay is to
        make it again)."""
        if threading.get_ident() == self.thread:
            self.made[id(array)] = (array, make, args)


def stepped(steps: list[int]) -> str:
    """Why a step calling the replayed optimizer's ``step`` as ``steps`` says (how many
    backwards had run at each call) cannot be replayed, which runs its update once, after
    the backward."""
    if not steps:
        what = "never calls the step() of the optimizer given to Replay (another optimizer's, or none)"
    elif len(steps) > 1:
        what = f"calls optimizer.step() {len(steps)} times"
    else:
        what = "calls optimizer.step() before its backward"
    return (
        f"replay: the step {what}; a replay runs that optimizer's update once, after the backward: pass the "
        "optimizer the step updates (Replay(step, optimizer=opt)), or run this step dynamically"
    )


def tensor_step(
    recorder: Recorder, optimizer: Any, loss: Any
) -> tuple[list[Operation], np.ndarray, list[Entry], list[tuple[Tensor, Tensor]]]:
    """The recorded operations (each parameter's gradient array as its destination), the loss
    array, the optimizer's entries ``(index, value, gradient)`` of the parameters the step
    updated, and ``(parameter, its .grad)`` to hand back after each replay.

    Raises:
        ReplayError: the step did not run exactly one ``backward`` from the loss it returned
            with the implied gradient 1, it adds into gradients it did not zero, or a tensor
            that requires a gradient is not among the optimizer's parameters.
    """
    if not isinstance(loss, Tensor):
        raise ReplayError(f"replay: a Tensor-level step must return its loss Tensor, got {type(loss).__name__}")
    if recorder.second_order:
        raise ReplayError(
            "replay: the step differentiates a gradient (a backward with create_graph=True: a gradient penalty, "
            "a second derivative), which a replay does not record: run this step dynamically"
        )
    if len(recorder.runs) != 1:
        raise ReplayError(
            f"replay: the step ran backward {len(recorder.runs)} times; a replay needs exactly one "
            "loss.backward() per step: run this step dynamically"
        )
    ops, leaves, output, seed = recorder.runs[0]
    if output is not loss._data or not np.all(seed == 1):
        raise ReplayError("replay: the step must call backward() on the loss it returns, without a gradient argument")
    if recorder.steps != [1]:
        raise ReplayError(stepped(recorder.steps))
    if recorder.accumulating:
        raise ReplayError(
            f"replay: the step adds into {len(recorder.accumulating)} gradient(s) it did not zero (call "
            "optimizer.zero_grad() in the step before backward); accumulating gradients across calls is not replayed"
        )
    index = {id(p): i for i, p in enumerate(optimizer.params)}
    entries: list[Entry] = []
    held: list[tuple[Tensor, Tensor]] = []
    if recorder.clipped:
        raise ReplayError(
            f"replay: the step clips its gradients (nn.utils.{recorder.clipped[0]}), which changes them only when "
            "they pass the limit; a replay hands the optimizer the gradients as backward leaves them: run this step "
            "dynamically"
        )
    if recorder.updated:
        raise ReplayError(
            f"replay: the step updates {recorder.updated[0]} outside the tape (training mode), which a replay "
            "would not repeat: run this step dynamically"
        )
    if recorder.changed:
        i, p = recorder.changed[0]
        raise ReplayError(
            f"replay: the step changes the gradient of parameter {i} (shape {tuple(p.shape)}) between its backward and "
            "the optimizer's step (gradient clipping or scaling?); a replay hands the optimizer the gradients as "
            "backward leaves them: run this step dynamically"
        )
    for i, p in enumerate(optimizer.params):
        if p._grad is not None:  # None: backward did not reach it and the step zeroed it to None
            entries.append((i, p._data, p._grad._data))
            held.append((p, p._grad))
    grads = {id(p): g._data for p, g in held}
    recorded = []
    for k, op in enumerate(ops):
        if isinstance(op.vjp, _HookedBackward) and op.vjp.hooks:
            raise ReplayError(
                f"replay: operation {k} ({op.describe()}) has a hook on its result (register_hook inside the "
                "step, or a module's register_full_backward_hook), which only the dynamic backward runs: run this "
                "step dynamically"
            )
        dsts = list(op.gradients_to_update)
        for j, (x, d) in enumerate(zip(op.inputs, dsts)):
            leaf = leaves.get(id(x)) if d is None else None
            if leaf is None:
                continue
            if id(leaf) in index and id(leaf) not in grads and leaf.requires_grad:
                raise ReplayError(
                    f"replay: the step leaves no gradient in parameter {index[id(leaf)]} (shape "
                    f"{tuple(leaf.shape)}), which "
                    "its backward reaches (optimizer.zero_grad() after optimizer.step()?); zero the gradients at the "
                    "start of the step, before backward, or run this step dynamically"
                )
            if id(leaf) not in index or id(leaf) not in grads:
                raise ReplayError(
                    f"replay: operation {k} ({op.describe()}) reads, as input {j}, a tensor of shape "
                    f"{tuple(leaf.shape)} "
                    "that requires a gradient but is not among the optimizer's parameters; a replay would not "
                    "fill its .grad: run this step dynamically"
                )
            dsts[j] = grads[id(leaf)]
        copy = Operation(op.inputs, op.output, dsts, op.backward_operation, op.params)
        copy.vjp = op.vjp
        recorded.append(copy)
    return recorded, loss._data, entries, held


def _root(array: np.ndarray) -> np.ndarray:
    """The array that owns ``array``'s memory (itself, or the base of its views)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array

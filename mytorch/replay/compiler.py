"""From a recorded training step to a flat program of pre-bound kernel calls.

``compile_step`` reads the tape that one dynamic step left behind (forward and loss recorded,
backward run from the loss with divergence 1) and the optimizer, and writes a ``Program``:

1. **forward**: every recorded operation, in tape order, computes into a buffer of its own
   (allocated here, once), reading step inputs, parameters and earlier buffers;
2. **backward**: from the loss, in reverse, each operation whose output receives a gradient
   computes the gradients its inputs want. A gradient is *written* by its first contribution
   and *added* by the next ones; a parameter's gradient (``dW``) is written straight into the
   parameter's gradient array, which is exact because the dynamic step zeroes it first (the
   ``zero_grad`` is folded in). A gradient that merely passes through (``add``'s upstream
   gradient) is the upstream buffer itself when nothing else adds to it, as in the engine;
3. **update**: the optimizer's step (see ``mytorch.replay.optimizers``).

Nothing is computed for gradients nobody reads: those of the step's inputs and of inputs
marked ``NO_GRAD``.

Every array an operation reads must be a step input, a parameter, an earlier operation's
output, or an array the step derived from an input off the tape in a way it declared
(``derived``: the one-hot targets ``cross_entropy`` makes from class labels, made again at
every replay). Anything else (a constant made inside the step, a view of an input taken inside it)
is a *loose* array: it is returned with the program, and ``mytorch.replay.Replay`` accepts the
program only once a second dynamic run has shown the very same array objects at the same
places (else the step cannot be replayed and it says why).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mytorch.autograd_engine import NO_GRAD, Operation
from mytorch.nn import functional as F
from mytorch.nn import functional_tensor as TF
from mytorch.replay import optimizers, rules
from mytorch.replay.rules import Array, Instruction, Operands, Params, Pass, Recipes, Slot
from mytorch.tensor import Conjugated

_ROW_BY_BACKWARD = {kernel.backward: kernel for kernel in F.KERNELS.values()}
_SCALAR_LOSSES = {backward: F.KERNELS[name] for name, backward in TF._SCALAR_BACKWARDS.items()}
"""The Tensor front-end's mean losses: their row's kernels, with a 0-d result instead of (1,)."""
_ROW_BY_BACKWARD.update(_SCALAR_LOSSES)

Entry = tuple[int, np.ndarray, np.ndarray]
"""``(index in the optimizer's params, value array, gradient array)`` of a parameter the step updates."""


class ReplayError(ValueError):
    """A step that cannot be replayed (the message says which operation and why)."""


@dataclass
class Program:
    """A compiled step.

    Attributes:
        code: the instructions, ``(function, args)``; args holding a ``Slot`` are patched with
            the step's inputs before each run.
        patches: ``(index, function, args before, slot, args after)`` for every instruction reading
            one step input (the slot: the input's index, or a ``Slot`` for a view of it).
        buffers: ``{id(recorded array): its buffer}`` for every recorded output.
        loss: the loss's buffer.
        signature: the kernels and input kinds of the recorded operations, in order.
        loose: ``(operation index, input index, array)`` for each array the program reads that
            is neither a step input, a parameter nor a buffer, and ``(operation index, parameter
            name, array)`` for each array in a parameter (an index's arrays).
        hyper: ``() -> tuple``: the optimizer settings the update was compiled with, read again.
        hyper_value: their value at compile time.
        settings: the settings dicts the modules compute with (a handout activation's
            ``params``), compared before each replay with ``settings_value``, copies made at
            compile time.
        outputs: the buffers of the step's extra outputs (set by ``Replay``), or None.
        grads: for a Tensor-level step, ``(parameter, gradient Tensor)``: the gradients the
            program writes, handed back as the parameters' ``.grad`` (set by ``Replay``).
        idle: for a Tensor-level step, the optimizer's parameters left without a gradient.
        reached: the ids of the parameters' gradient arrays the backward writes or adds into
            (the others it only zeroes: a frozen weight's kept ``.grad``).
        checks: the dynamic step's checks of its inputs' values (``BCELoss``'s targets), run
            before each replay: one failing, the step runs dynamically (and raises there).
        current: ``[inputs]`` of the run under way, for instructions reading two inputs.
    """

    code: list[Instruction]
    patches: list[tuple[int, Callable[..., Any], tuple[Any, ...], int | Slot, tuple[Any, ...]]]
    buffers: dict[int, np.ndarray]
    loss: np.ndarray
    signature: list[Any]
    loose: list[tuple[int, int | str, np.ndarray]] = field(default_factory=list)
    hyper: Callable[[], tuple[Any, ...]] = tuple
    hyper_value: tuple[Any, ...] = ()
    settings: list[dict[str, Any]] = field(default_factory=list)
    settings_value: list[dict[str, Any]] = field(default_factory=list)
    outputs: list[np.ndarray] | None = None
    grads: list[Any] = field(default_factory=list)
    idle: list[Any] = field(default_factory=list)
    reached: set[int] = field(default_factory=set)
    checks: list[Instruction] = field(default_factory=list)
    current: list[Any] = field(default_factory=lambda: [()])

    def run(self, inputs: tuple[np.ndarray, ...]) -> None:
        """Execute the step on ``inputs`` (already checked against the program's key)."""
        code = self.code
        self.current[0] = inputs
        for index, fn, before, slot, after in self.patches:
            code[index] = (fn, (*before, inputs[slot] if isinstance(slot, int) else slot.resolve(inputs), *after))
        for fn, args in code:
            fn(*args)


def signature(ops: Sequence[Operation]) -> list[Any]:
    """What must be equal between two runs of one step: each operation's kernel, the kinds of
    its gradient destinations, and its non-array parameters."""
    sig = []
    for op in ops:
        kinds = tuple("none" if d is None else "skip" if d is NO_GRAD else "array" for d in op.gradients_to_update)
        items = (op.params or {}).items()
        params = tuple(sorted((k, "array" if isinstance(v, np.ndarray) else v) for k, v in items))
        shapes = tuple(x.shape for x in op.inputs)
        sig.append((op.backward_operation, kinds, shapes, repr(params)))
    return sig


def _describe(index: int, op: Operation) -> str:
    return f"operation {index} ({op.describe()})"


_IN_PLACE = {"add", "identity", "tanh", "sigmoid", "relu"}
"""Rows whose out= form may write over its first input, and whose backward never reads it."""


Derived = dict[int, tuple[np.ndarray, Callable[..., np.ndarray], tuple[Any, ...]]]
"""``{id(array): (array, make, args)}``: ``array`` was made by ``make(*args)`` from step inputs."""


class _Compiler:
    def __init__(
        self,
        ops: list[Operation],
        inputs: tuple[np.ndarray, ...],
        pairs: list[tuple[np.ndarray, np.ndarray]],
        keep: set[int],
        derived: Derived,
    ) -> None:
        self.ops = ops
        self.inputs = inputs
        self.pairs = pairs
        self.keep = keep
        self.derived = derived
        self.reads = Counter(id(x) for op in ops for x in op.inputs)
        self.producer: dict[int, Operation] = {}
        self.buffers: dict[int, np.ndarray] = {}
        self.loose: list[tuple[int, int | str, np.ndarray]] = []
        self.params = {id(p): p for p, _ in pairs}
        self.seed: np.ndarray | None = None
        self.pool: dict[tuple[tuple[int, ...], str], np.ndarray] = {}
        self.code: list[Instruction] = []
        self.op_params: list[dict[str, Any]] = []
        self.folded: set[int] = set()  # ids of the gradients written whole, so not zeroed first
        self.written: set[Any] = set()  # the target keys the backward writes or adds into
        self.checks: list[Instruction] = []
        self.partial = self._find_partial()

    def scratch(self, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """A backward rule's temporary: one per shape and dtype, shared by every rule (each
        uses it only within the instructions of one recipe)."""
        key = (shape, np.dtype(dtype).str)
        buffer = self.pool.get(key)
        if buffer is None:
            buffer = self.pool[key] = np.empty(shape, dtype=dtype)
        return buffer

    # ------------------------------------------------------------------ operands
    def operand(self, index: int, i: int, x: np.ndarray, dst: Any) -> Any:
        """What the program reads for input ``i`` of operation ``index``."""
        for k, given in enumerate(self.inputs):
            if x is given:
                return Slot(k, x)
        held = self.buffers.get(id(x))
        if held is not None:
            return held
        if isinstance(dst, np.ndarray) and any(_views_whole(x, p) for p in self.params.values()):
            return x  # a parameter, or a view of one (W.T): its memory is the parameter's
        made = self._derive(x)
        if made is not None:
            return made
        self.loose.append((index, i, x))
        return x

    def _derive(self, x: np.ndarray) -> np.ndarray | None:
        """A buffer that an instruction fills with ``x`` made again from this run's inputs, if
        the step declared how it made ``x`` from its inputs (else None)."""
        recipe = self.derived.get(id(x))
        if recipe is None:
            return None
        _, make, args = recipe
        slots = []
        for arg in args:
            if isinstance(arg, np.ndarray):
                k = next((k for k, given in enumerate(self.inputs) if arg is given), None)
                if k is None:
                    return None  # made from something else than an input: a loose array
                arg = Slot(k, arg)
            slots.append(arg)
        buffer = np.empty_like(x)
        self.code.append((rules.copy_result, (buffer, make, *slots)))
        self.buffers[id(x)] = buffer
        return buffer

    def params_of(self, op: Operation) -> dict[str, Any]:
        """The op's parameters, a saved output replaced by its buffer."""
        params = dict(op.params or {})
        if params.get("out") is op.output:
            params["out"] = self.buffers[id(op.output)]
        return params

    # ------------------------------------------------------------------ forward
    def forward(self) -> list[list[Any]]:
        operands = []
        for index, op in enumerate(self.ops):
            ins = [self.operand(index, i, x, d) for i, (x, d) in enumerate(zip(op.inputs, op.gradients_to_update))]
            operands.append(ins)
            out = self._output_buffer(op, ins)
            self.buffers[id(op.output)] = out
            self.producer[id(op.output)] = op
            params = self.params_of(op)
            for name, value in params.items():  # index arrays (x[rows, labels], gather, scatter): fixed
                if isinstance(value, tuple):  # at capture, so only the very same objects at every run
                    self.loose += [(index, name, a) for a in value if isinstance(a, np.ndarray)]
            for name, value in list(params.items()):
                if isinstance(value, np.ndarray) and name != "out":
                    params[name] = np.empty(value.shape, dtype=value.dtype)  # a saved intermediate: recomputed
            self.op_params.append(params)
            self.code += self._forward_code(index, op, ins, out, params)
        return operands

    def _output_buffer(self, op: Operation, ins: Operands) -> Array:
        """Where the op's result goes: over its first input when nothing else needs that value
        (the matmul's result becomes the bias add's, then the tanh's: one buffer, hot in
        cache), else a buffer of its own."""
        row = _ROW_BY_BACKWARD.get(op.backward_operation)
        x, y = op.inputs[0], op.output
        producer = self.producer.get(id(x))
        if (
            row is not None
            and row.name in _IN_PLACE
            and producer is not None
            and self.reads[id(x)] == 1
            and id(x) not in self.keep
            and x.shape == y.shape
            and x.dtype == y.dtype
            and not _ROW_BY_BACKWARD.get(producer.backward_operation, row).saves_output  # its backward reads it
        ):
            return ins[0]
        return np.empty_like(y)  # laid out as recorded: the matmul rules follow the operands' layout

    def _forward_code(self, index: int, op: Operation, ins: Operands, out: Array, params: Params) -> list[Instruction]:
        row = _ROW_BY_BACKWARD.get(op.backward_operation)
        if row is None:
            raise ReplayError(
                f"replay: {_describe(index, op)} was recorded with a backward kernel that is not in the kernel "
                "table (a Function: the linalg operations, or one of yours), so replay has no forward for it; run "
                "this step dynamically (Replay(..., fallback=True) does so by itself)"
            )
        if out is ins[0] and row.name == "identity":
            return []  # in place: nothing to do
        if op.backward_operation in _SCALAR_LOSSES:
            out = out.reshape(1)  # a 0-d loss: the row's (1,) result, written through a view
        rule = rules.RULES.get(row.name)
        code = rule[0](ins, out, params) if rule is not None else None
        if code is None:
            arrays = [k for k, v in params.items() if isinstance(v, np.ndarray) and k != "out"]
            if arrays:
                made_by = getattr(op.params, "pytorch_name", None)
                raise ReplayError(
                    f"replay: {_describe(index, op)}{f' (of {made_by})' if made_by else ''} keeps the array "
                    f"parameter(s) {', '.join(arrays)}, which replay cannot recompute (a mask made from this step's "
                    "values); run this step dynamically (Replay(..., fallback=True) does so by itself)"
                )
            code = rules.generic_forward(row)(ins, out, params)
        if row.name == "bce_loss":  # BCELoss and F.binary_cross_entropy check the targets at every step
            self.checks.append((F.check_probabilities, ("BCELoss", "targets y", ins[0])))
        return code

    # ------------------------------------------------------------------ backward
    def backward(self, operands: list[list[Any]], start: int, seed: np.ndarray) -> None:
        """The backward instructions (from the operation ``start``, whose output is the loss)."""
        ops = self.ops
        wanted: dict[int, list[bool]] = {}
        count: dict[Any, int] = {}
        live = {id(ops[start].output)}
        for index in range(start, -1, -1):  # pass 1: who contributes to which gradient
            op = ops[index]
            if id(op.output) not in live:
                continue
            wants = []
            for x, d, a in zip(op.inputs, op.gradients_to_update, operands[index]):
                want = d is not NO_GRAD and not (d is None and isinstance(a, Slot))
                wants.append(want)
                if want:
                    self._check_target(index, op, x, d)
                    key = self._target_key(x, d)
                    count[key] = count.get(key, 0) + 1
                    if d is None:
                        live.add(id(x))
            wanted[index] = wants
        placement = self._placement(wanted, count)
        self.seed = seed
        grads: dict[int, Any] = {id(ops[start].output): seed}
        written = self.written
        fresh: set[int] = set()  # gradient buffers allocated here, read by one operation's backward only
        for index in range(start, -1, -1):  # pass 2: the instructions
            if index not in wanted:
                continue
            op = ops[index]
            g = grads[id(op.output)]
            ins = operands[index]
            recipes = self._backward_recipes(index, op, g, ins, wanted[index])
            over_g = id(g) in fresh and _ROW_BY_BACKWARD[op.backward_operation].name in rules.IN_PLACE_BACKWARD
            for x, d, want, recipe in zip(op.inputs, op.gradients_to_update, wanted[index], recipes):
                if not want:
                    continue
                key = self._target_key(x, d)
                if d is None and count[key] == 1 and isinstance(recipe, Pass):
                    grads[id(x)] = recipe.array  # passes through, as the engine's buffer does
                    fresh.discard(id(recipe.array))
                    fresh.discard(id(recipe.array.base))
                    continue
                target = d if isinstance(d, np.ndarray) else grads.get(id(x))
                if target is None:
                    target = placement.get(id(x))
                    if target is None and over_g and count[key] == 1 and g.shape == x.shape and g.dtype == x.dtype:
                        target = g  # nothing reads g after this operation: x's gradient is written over it
                    elif target is None:
                        target = np.empty(x.shape, dtype=x.dtype)
                        fresh.add(id(target))
                    grads[id(x)] = target
                first = key not in written
                written.add(key)
                if first and isinstance(d, np.ndarray):
                    grad = self._zeroed_whole(d)
                    if grad is None:
                        first = False  # not zeroed by the step, or only part of it: add, as the engine does
                    else:
                        self.folded.add(id(grad))
                self.code += self._deliver(recipe, target, first)

    def _check_target(self, index: int, op: Operation, x: np.ndarray, dst: Any) -> None:
        """Refuse a gradient the program could not give as the dynamic step does.

        * A destination array that is none of the optimizer's gradients (nor a view of one): the
          program zeroes only those (the step's ``zero_grad``, folded in), so whether the step
          zeroes this one, or lets it accumulate, is unknown (an ``MLP`` layer's ``dW`` replaced
          without its optimizer's pair, an optimizer over some layers only).
        * An intermediate result whose dynamic gradient is wider than itself (float32 predictions
          against float64 or integer targets: the loss's gradient is float64, and stays float64
          down the layers): the program's gradient buffers have their values' dtype.
        """
        if isinstance(dst, np.ndarray):
            if not any(np.shares_memory(dst, grad) for _, grad in self.pairs):
                raise ReplayError(
                    f"replay: {_describe(index, op)} adds a gradient into an array of shape {tuple(dst.shape)} that "
                    "is none of the optimizer's gradients (a replaced dW, or an optimizer over some of the parameters "
                    "only); the replay cannot know whether the step zeroes it: run this step dynamically"
                )
            return
        wide = np.result_type(op.output.dtype, *[a.dtype for a in op.inputs])
        if wide != x.dtype:
            raise ReplayError(
                f"replay: {_describe(index, op)} mixes dtypes ({', '.join(str(a.dtype) for a in op.inputs)}): the "
                f"dynamic step's gradient of its {x.dtype} input is {wide}, which the replay does not follow; give "
                "every input (the targets too) in one dtype, or run this step dynamically"
            )

    def _placement(self, wanted: dict[int, list[bool]], count: dict[Any, int]) -> dict[int, Array]:
        """Gradients computed straight into a parameter's gradient array.

        With a batch of one, ``z = h + b`` passes its gradient (1, n) to ``b`` as ``g[0]``: when
        that is all ``db`` receives, ``z``'s gradient is computed into ``db`` itself (viewed as
        (1, n)) and the copy is saved. The numbers are the same: ``db`` holds g[0] either way.
        """
        placement: dict[int, Array] = {}
        for index, wants in wanted.items():
            op = self.ops[index]
            row = _ROW_BY_BACKWARD.get(op.backward_operation)
            if row is None or row.name != "add":
                continue
            for x, d, want in zip(op.inputs, op.gradients_to_update, wants):
                if (
                    want
                    and isinstance(d, np.ndarray)
                    and d.flags.c_contiguous
                    and op.output.shape == (1, *x.shape)
                    and op.output.dtype == d.dtype
                    and count[self._target_key(x, d)] == 1
                    and self._zeroed_whole(d) is not None
                ):
                    placement.setdefault(id(op.output), d.reshape(op.output.shape))
        return placement

    def _zeroed_whole(self, dst: np.ndarray) -> np.ndarray | None:
        """The gradient the step zeroes of which ``dst`` is the whole (``dW`` for ``dW.T``), or None.

        A gradient that some destination covers only in part is never written whole: it is
        zeroed first and every contribution added, as the dynamic step does.
        """
        for _, grad in self.pairs:
            if dst.size == grad.size and np.shares_memory(dst, grad) and id(grad) not in self.partial:
                return grad
        return None

    def _find_partial(self) -> set[int]:
        """The ids of the zeroed gradients that some recorded destination covers only in part."""
        partial: set[int] = set()
        for op in self.ops:
            for d in op.gradients_to_update:
                if isinstance(d, np.ndarray):
                    partial.update(id(g) for _, g in self.pairs if d.size != g.size and np.shares_memory(d, g))
        return partial

    def _target_key(self, x: np.ndarray, dst: Any) -> Any:
        """Contributions with one key go to one gradient: ``dW.T`` and ``dW`` (any views of one
        whole gradient) are one target; other arrays are targets by the memory they name."""
        if isinstance(dst, np.ndarray):
            grad = self._zeroed_whole(dst)
            if grad is not None:
                return ("grad", id(grad))
            return ("array", dst.__array_interface__["data"][0], dst.shape, dst.strides)
        return ("buffer", id(x))

    def _backward_recipes(self, index: int, op: Operation, g: Array, ins: Operands, wants: list[bool]) -> Recipes:
        row = _ROW_BY_BACKWARD[op.backward_operation]
        params = self.op_params[index]
        rule = rules.RULES.get(row.name)
        if isinstance(op.vjp, Conjugated):
            rule = None  # a complex result's VJP conjugates (see mytorch.tensor.Conjugated); the rules do not
        if row.name in rules.READS_SEED and g is not self.seed:
            rule = None  # its rule reads the upstream gradient's value at compile time: only the seed's is known
        out = self.buffers[id(op.output)]
        if rule is not None and op.backward_operation in _SCALAR_LOSSES:
            g, out = g.reshape(1), out.reshape(1)
        recipes = rule[1](g, ins, out, params, wants, scratch=self.scratch) if rule is not None else None
        if recipes is None:
            recipes = rules.generic_backward(op.vjp, g, ins, params, wants)
        return recipes

    @staticmethod
    def _deliver(recipe: Any, target: np.ndarray, first: bool) -> list[Instruction]:
        """Write (first contribution) or add the gradient ``recipe`` into ``target``."""
        if isinstance(recipe, Pass) and _same_memory(recipe.array, target):
            return []  # computed there already (see _placement)
        if isinstance(recipe, Pass):
            return [(np.copyto, (target, recipe.array))] if first else [(np.add, (target, recipe.array, target))]
        if first:
            return recipe.emit(target)
        scratch = np.empty_like(target)
        return [*recipe.emit(scratch), (np.add, (target, scratch, target))]


def compile_step(
    ops: list[Operation],
    inputs: tuple[np.ndarray, ...],
    loss: np.ndarray,
    optimizer: Any,
    keep: Sequence[np.ndarray] = (),
    entries: list[Entry] | None = None,
    derived: Derived | None = None,
    settings: Sequence[dict[str, Any]] = (),
) -> Program:
    """The program of one step: ``ops`` (the tape after the dynamic run), the step's
    ``inputs``, the recorded ``loss`` (backward starts there with divergence 1), the
    optimizer the step zeroes and updates, recorded results the caller reads after a replay
    (``keep``: their buffers are never written over by a later op), the parameters the
    update writes (``entries``; default: every ``(value, gradient)`` pair of the optimizer)
    and the arrays the step derived from its inputs off the tape (``derived``), and settings
    dicts the step's operations depend on besides their own (``settings``: the ``params`` of
    every handout activation, also an empty one, which its operation does not record).

    Raises:
        ReplayError: the loss is not on the tape, or an operation has no kernel-table row.
    """
    start = next((i for i in range(len(ops) - 1, -1, -1) if ops[i].output is loss), None)
    if start is None:
        raise ReplayError("replay: the step's loss is not the output of an operation on the engine's tape")
    for x in inputs:
        if any(op.output is x for op in ops):
            raise ReplayError("replay: a step input is the output of a recorded operation")
    handout = entries is None  # a step of handout modules, which keep their settings dicts across steps
    if entries is None:
        entries = [(i, p, g) for i, (p, g) in enumerate(optimizer.params)]
    pairs = [(p, g) for _, p, g in entries]
    compiler = _Compiler(ops, inputs, pairs, {id(x) for x in keep}, derived or {})
    operands = compiler.forward()
    seed = np.ones(loss.shape, dtype=loss.dtype)
    compiler.backward(operands, start, seed)
    prologue = [(grad.fill, (0,)) for _, grad in pairs if id(grad) not in compiler.folded]
    update, hyper = optimizers.update(optimizer, entries)
    own = {id(d): d for d in settings}
    own.update(
        (id(op.params), op.params)
        for op in (ops if handout else ())  # (a Tensor-level step makes its ops' params anew each run)
        if op.params and not any(isinstance(v, np.ndarray) for v in op.params.values())
    )
    dicts = list(own.values())  # a module's own settings (a LeakyReLU's slope): a change makes it capture again
    code: list[Instruction] = prologue + compiler.code + update
    patches = []
    current: list[Any] = [()]
    for i, (fn, args) in enumerate(code):
        slots = [p for p, a in enumerate(args) if isinstance(a, Slot)]
        if len(slots) == 1:
            p = slots[0]
            slot = args[p] if args[p].view is not None else args[p].index  # a plain input: just its index
            patches.append((i, fn, args[:p], slot, args[p + 1 :]))
        elif slots:  # reads two inputs: resolved when it runs
            code[i] = (_call_resolved, (current, fn, args))
    return Program(
        code,
        patches,
        compiler.buffers,
        compiler.buffers[id(loss)],
        signature(ops),
        compiler.loose,
        hyper,
        hyper(),
        dicts,
        [dict(d) for d in dicts],
        current=current,
        reached={id(grad) for _, grad in pairs if ("grad", id(grad)) in compiler.written},
        checks=compiler.checks,
    )


def _same_memory(a: np.ndarray, b: np.ndarray) -> bool:
    """``a`` and ``b`` are the same elements, in the same places."""
    return (
        a.shape == b.shape
        and a.strides == b.strides
        and a.dtype == b.dtype
        and a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
    )


def _call_resolved(current: list[Any], fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    inputs = current[0]
    fn(*(a.resolve(inputs) if isinstance(a, Slot) else a for a in args))


def _views_whole(x: np.ndarray, p: np.ndarray) -> bool:
    """Whether ``x`` is the parameter ``p`` or a view of exactly its memory (``W.T``; also when
    ``W`` is itself a view of a flat array, as ``hw_bonus.mlp.MLP`` keeps its weights)."""
    if x is p or x.base is p:
        return True
    span = x.__array_interface__["data"][0], x.nbytes
    return x.base is not None and x.base is p.base and span == (p.__array_interface__["data"][0], p.nbytes)

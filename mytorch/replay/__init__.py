"""Record once, replay: a training step of fixed shapes as a flat list of pre-bound kernel calls.

A training step (zero the gradients, forward, loss, backward, optimizer update) does the same
operations on arrays of the same shapes every time. ``Replay`` runs the step dynamically the
first time, reads what it recorded on the engine's tape, and compiles it
(``mytorch.replay.compiler``) into a program: every value computed into a buffer allocated
once (``out=``), every check done once, the ``zero_grad`` folded into the first write of each
gradient, the optimizer update written out. Later calls with inputs of the same shapes and
dtypes run the program: the same NumPy operations on the same operands, minus the tape.

The same holds for a Tensor-level step (``mytorch.nn`` modules, ``mytorch.optim`` over
``model.parameters()``), wrapped as ``Replay(step, optimizer=opt)``: its tape is read through
``mytorch.replay.tensors``, each parameter's gradient array taking the place of the handout's
``dW``. It is run dynamically twice per input shape before it is replayed.

Guards, checked before every replay (a failing guard captures the step again):

* the inputs: their number, shapes, dtypes and memory layouts (one program is kept per
  combination, up to ``max_programs``: an epoch's smaller last batch has its own);
* ``watch()``: the objects the step depends on (the modules, each parameter and gradient
  array, the optimizer's state arrays; for Tensors also each parameter's ``requires_grad``,
  the modules' ``edition()``, the ``training`` flag of each module the step called and the
  arrays of the Tensors those modules hold outside the optimizer, their buffers; for the
  handout's ``MLP`` also a method set on a module) must be the very same objects as at capture
  (a change drops every input shape's program);
* for a Tensor-level step, each parameter's ``.grad``: the Tensor a step of this replay left
  there, or None where the step's backward makes one (a gradient assigned between steps, or
  None for a frozen weight's, makes it capture again);
* the optimizer's settings that the update was compiled with (``lr``, ``momentum``, ...; for
  float32 values also their types: a NumPy float64 ``lr`` computes ``lr * d`` in float64);
* the mode: under ``no_grad``, ``detect_anomaly`` or the engine's own ``no_grad`` the step
  runs dynamically (its checks are the dynamic path's), and so does a Tensor-level step while
  a parameter is locked by a live graph that saved it (``mytorch.saved``) or has a hook
  (``register_hook``, which only the dynamic backward runs).

At the capture, what the step does around its backward is checked too: exactly one backward,
from the loss, with divergence (or implied gradient) 1; exactly one call of the given
optimizer's ``step``, after it (not another optimizer's); the gradients handed to the
optimizer's step as backward left them (gradient clipping or scaling in the step is refused);
no hook on an intermediate result; the parameters, the optimizer's state arrays and its settings
unchanged but by the optimizer's step (weights clamped after the update, a learning rate set
or a scheduler stepped inside the step are refused: a replay would not repeat them); for a
Tensor-level step, no in-place write off the tape into memory that outlives the step (a
moving average of the weights, a metric accumulated with ``+=``, an input changed in place), and
no tensor's value read into Python (``loss.item()``, ``if loss > x``, an input's ``x.sum().item()``;
``numpy()`` of the loss, of another recorded result or of a weight: a branch or a log a replay
would not repeat); for
``hw_bonus.mlp.MLP`` (its ``check``), modules whose forward is MyTorch's own.

**The limit.** A replay repeats the operations the capture recorded. A step whose recorded
operations depend on the data's *values* (an ``if`` on the loss, a different number of
layers per batch, a mask drawn inside the step) cannot be replayed faithfully. Arrays the
step creates itself (constants, masks, indices, views of the inputs) are caught: the program is used
only once a second dynamic run shows the very same array objects, else ``ReplayError``.
Branches in Python are not (but for a Tensor-level step's reading of a tensor's value, refused at
the capture): the ``verify`` mode runs the dynamic step beside the replay for
the first calls and raises ``ReplayError`` if they record different operations or give
different numbers. The settings dict a handout module records its operation with (a
``LeakyReLU``'s ``params``), and those ``settings()`` gives (``MLP``: every activation's
``params``, also an empty one, which no operation records), are compared before every replay
like the optimizer's. For a
Tensor-level step, any change to a ``mytorch.nn`` module between steps (an attribute set,
such as a ``LeakyReLU``'s ``negative_slope`` or a loss's ``reduction``; a layer of a
``Sequential`` replaced, added or removed; a module built; ``to()``) moves
``mytorch.nn.module.edition()``, and the step is captured again, as it is when a module the
step called is not in the ``train()``/``eval()`` mode it was in at capture (an evaluation
between steps that ends with ``train()`` keeps the program), or when a dict, list or set of
plain values that such a module holds (``self.config = {"scale": 2.0}``) has changed in place. Settings read
from outside the modules (a variable of the step's closure, a global) are read at capture:
after changing one, call ``reset()``.

**Refused.** The capture raises ``ReplayError`` for a step it cannot replay as the dynamic step
runs: besides the above, a gradient recorded into an array that is none of the optimizer's
gradients (the program zeroes exactly those: an ``MLP`` layer's ``dW`` replaced without its
optimizer's pair, an optimizer over some layers only), and an operation whose inputs' dtypes
make an intermediate's gradient wider than the intermediate (float32 predictions against
float64 targets). With ``fallback=True`` such a step runs dynamically instead, for its input
shapes, until a watched object changes (``hw_bonus.mlp.MLP.train_step`` does this).

**The numbers.** A replay performs the dynamic step's NumPy operations on the same operands in
the same order, so it gives the same results bit for bit, with one exception: a gradient the
dynamic step computes as ``0 + g`` (it zeroes, then adds) the replay writes as ``g``, so a
gradient entry of ``-0.0`` stays ``-0.0`` (the dynamic step has ``+0.0``); the two compare
equal, and the update they make is the same.
"""

from __future__ import annotations

import copy
import functools
import operator
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from mytorch.autograd_engine import _GradMode
from mytorch.nn.module import called
from mytorch.nn.module import edition as module_edition
from mytorch.optim.lr_scheduler import STEPPING
from mytorch.replay.compiler import Program, ReplayError, compile_step, signature
from mytorch.replay.rules import Slot
from mytorch.replay.tensors import Recorder, stepped, tensor_step
from mytorch.tensor import Tensor
from mytorch.tensor_graph import _LEAF_HOOKS

__all__ = ["Replay", "ReplayError", "optimizer_arrays"]

_DATA = operator.attrgetter("_data")
_ndarray = np.ndarray  # (NumPy's module has a __getattr__: np.ndarray is a full lookup on 3.11, at every call)
_CONTAINERS = (dict, list, set)
_MODULE_REGISTRIES = frozenset(("_parameters", "_buffers", "_modules", "_non_persistent"))
_PLAIN = (int, float, complex, str, bytes, bool, type(None))


def _plain(value: Any, depth: int = 0) -> bool:
    """Whether ``value`` holds only numbers, strings, None and (up to a few levels) dicts, lists,
    sets and tuples of them: a module's settings, compared by value before every replay."""
    if isinstance(value, _PLAIN):
        return True
    if depth > 3 or not isinstance(value, (dict, list, set, tuple)):
        return False
    items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
    return all(_plain(item, depth + 1) for item in items)


class Replay:
    """A training step, captured on its first run and replayed after.

    Two kinds of step, told apart by the optimizer's parameters:

    * **Tensor-level** (``mytorch.nn`` modules, ``mytorch.optim`` over ``model.parameters()``):
      ``Replay(step, optimizer=opt)``. ``step(*inputs)`` takes Tensors or arrays, calls
      ``opt.zero_grad()``, computes the loss, calls ``loss.backward()`` once and ``opt.step()``,
      and returns the loss Tensor (or ``(loss, *outputs)``, recorded Tensors).
    * **Handout-style** (``mytorch.nn.modules``, ``(value, gradient)`` array pairs):
      ``Replay(step, engine, optimizer)``. ``step(*inputs)`` zeroes the engine (its
      ``zero_grad``) and the optimizer's gradients, records the forward pass and the loss on
      ``engine``, runs ``engine.backward`` from the loss with divergence 1 and calls
      ``optimizer.step()``; it returns the loss array, or ``(loss, *outputs)``.

    Args:
        step: the training step, run dynamically when captured.
        engine: the ``Autograd`` engine a handout-style step records onto (None for Tensors).
        optimizer: the ``mytorch.optim`` optimizer the step updates.
        watch: returns the objects whose identity must not change between capture and replay
            (default: the optimizer's parameters, their arrays and its state arrays; for a
            handout-style step, list its modules too, which the replay cannot see otherwise: a
            module swapped between steps is replayed as captured).
        verify: for this many replays, also run the dynamic step and raise ``ReplayError`` if
            the two differ (parameters, gradients, optimizer state, loss, outputs).
        max_programs: how many input shapes to keep a program for.
        fallback: a step the replay finds it cannot replay (the ``ReplayError`` of its capture
            or confirmation) runs dynamically instead, for those input shapes and until a watched
            object changes (``hw_bonus.mlp.MLP``'s ``train_step`` works this way).
        check: called at each capture, after the dynamic run: a reason (a string) why the step
            cannot be replayed refuses it as the capture's own checks do (``ReplayError``, or
            with ``fallback`` the dynamic step); None lets the capture go on.
        settings: (handout-style) called at each capture: the settings dicts the step's modules
            compute with (each activation's ``params``), compared before every replay with
            their contents then; a change captures the step again. A dict an operation records
            itself (a ``LeakyReLU``'s) is compared anyway; an empty one (a ``GELU``'s, given
            ``approximate`` later) is not recorded, and is seen only through this.

    Attributes:
        captures: how many times the step was compiled; replays: how many replays ran.
    """

    def __init__(
        self,
        step: Callable[..., Any],
        engine: Any = None,
        optimizer: Any = None,
        *,
        watch: Callable[[], Sequence[Any]] | None = None,
        verify: int = 0,
        max_programs: int = 4,
        fallback: bool = False,
        check: Callable[[], str | None] | None = None,
        settings: Callable[[], Sequence[dict[str, Any]]] | None = None,
    ) -> None:
        if not callable(step):
            raise TypeError(f"Replay: step must be callable, got {type(step).__name__}")
        if not hasattr(optimizer, "params") or not hasattr(optimizer, "state_dict"):
            raise TypeError(
                f"Replay: optimizer must be a mytorch.optim optimizer (Replay(step, optimizer=opt)), got "
                f"{type(optimizer).__name__}"
            )
        self.tensors = all(isinstance(p, Tensor) for p in optimizer.params)
        self._mytorch_optimizer = hasattr(optimizer, "_groups_changed")
        if not self.tensors and not all(type(p) is tuple for p in optimizer.params):
            raise TypeError(
                "Replay: the optimizer's parameters must be all Tensors (model.parameters()) or all (value, gradient) "
                "array pairs (the handout's modules), not a mix"
            )
        if self.tensors and engine is not None:
            raise TypeError(
                "Replay: a Tensor-level step records on its tensors' own tapes; leave engine out: "
                "Replay(step, optimizer=opt)"
            )
        if not self.tensors and not hasattr(engine, "operation_list"):
            raise TypeError(
                "Replay: a step over (value, gradient) pairs records on an Autograd engine: "
                f"Replay(step, engine, optimizer); got engine={type(engine).__name__}"
            )
        if isinstance(verify, bool) or not isinstance(verify, int) or verify < 0:
            raise ValueError(f"Replay: verify must be a number of steps >= 0, got {verify!r}")
        self.step = step
        self.engine = engine
        self.optimizer = optimizer
        self.watch = watch or self._optimizer_arrays
        self.verify = verify
        self.max_programs = max_programs
        self.fallback = fallback
        self.check = check
        self.settings = settings
        self.programs: dict[tuple[Any, ...], Program] = {}
        self.dynamic: dict[tuple[Any, ...], str] = {}  # (fallback) input keys run dynamically, and why
        self._pending: dict[tuple[Any, ...], tuple[list[Any], list[Any]]] = {}  # first runs' signature, loose
        self._watched: list[Any] = []
        self._made: dict[int, Any] = {}  # (Tensor-level) each parameter's .grad after the last dynamic run
        self._called: dict[int, Any] = {}  # (Tensor-level) the modules the captured runs called
        self._held: list[Tensor] = []  # (Tensor-level) their Tensors outside the optimizer (buffers)
        self._contents: list[tuple[Any, Any]] = []  # (Tensor-level) their dicts, lists, sets of settings, and copies
        self.captures = 0
        self.replays = 0

    def _optimizer_arrays(self) -> list[Any]:
        if self._mytorch_optimizer and self.optimizer._groups_changed():
            self.optimizer._refuse_changed_groups()  # (as the optimizer's own step refuses them)
        if self.tensors:
            params = self.optimizer.params
            # requires_grad as True/False (singletons): freezing a parameter makes it capture again
            flags = [p.requires_grad for p in params]
            return [self.optimizer, *params, *flags, *optimizer_arrays(self.optimizer, grads=False)]
        return optimizer_arrays(self.optimizer)

    def reset(self) -> None:
        """Forget every captured program: the next call captures the step again."""
        self.programs.clear()
        self._pending.clear()
        self.dynamic.clear()
        self._called.clear()
        self._held = []
        self._contents = []

    # ------------------------------------------------------------------ the call
    def __call__(self, *inputs: Any) -> Any:
        """One training step on ``inputs``; returns what ``step`` returns.

        The loss and the other outputs are new arrays (new Tensors) each call, as the dynamic
        step's are: a list of the outputs of several steps holds each step's values.

        Raises:
            TypeError: an input is not a numpy array (nor, for a Tensor-level step, a Tensor).
            ReplayError: the step cannot be replayed (see the module's documentation), or
                ``verify`` found the replay differing from the dynamic step.
        """
        if self.tensors:
            # a parameter saved by a live graph is read-only: the dynamic step's update unlocks it
            # (and bumps its version, so that graph's backward raises); a replay would stop midway
            # a hook on a parameter (register_hook) runs in the dynamic backward only
            recording = (
                _GradMode.enabled
                and not _GradMode.anomaly
                and self._writeable()
                and not (_LEAF_HOOKS and self._hooked())
            )
            if not recording:
                return self._dynamic_run(inputs)
            arrays = tuple([_tensor_input(i, x) for i, x in enumerate(inputs)])
            key: tuple[Any, ...] = tuple([(a.shape, a.dtype, a.strides, type(x)) for a, x in zip(arrays, inputs)])
        else:
            arrays = inputs
            key = tuple(
                [
                    (x.shape, x.dtype, x.strides) if type(x) is _ndarray else _input_key(i, x)
                    for i, x in enumerate(inputs)
                ]
            )
            recording = _GradMode.enabled and not _GradMode.anomaly and self.engine._recording
        if not recording:
            return self._dynamic_run(inputs)
        key += (len(set(map(id, arrays))),)  # an input passed twice is another program
        program = self.programs.get(key)
        if program is not None:
            if (
                self._unchanged()
                and program.hyper() == program.hyper_value
                and program.settings == program.settings_value
            ):
                if program.checks and not _passes(program.checks, arrays):
                    return self._dynamic_run(inputs)  # which raises the step's own error, from its own state
                if self.verify:
                    self.verify -= 1
                    return self._verified(program, inputs, arrays)
                result = self._replay(program, arrays)
                if result is not _STALE:
                    return result
            self.reset()
        return self._capture(key, inputs, arrays)

    def _dynamic_run(self, inputs: tuple[Any, ...]) -> Any:
        """The step run dynamically (not captured); a Tensor-level step's gradients then are its own."""
        result = self._own_run(lambda: self.step(*inputs))
        if self.tensors:
            self._made = {id(p): p._grad for p in self.optimizer.params}
        return result

    def _own_run(self, run: Callable[[], Any]) -> Any:
        """``run()``, a dynamic run of the step outside a capture. What the step itself changes in
        the modules (a loss module it builds, ``nn.MSELoss()(out, y)``, moves ``edition()``) is
        its own doing, as at capture, not a change between steps: where the watch was current
        before, it is taken again after (else every such run captured the step again)."""
        current = self.tensors and bool(self._watched) and self._unchanged()
        result = run()
        if current:
            self._watch_now()
        return result

    def _grads_as_left(self, program: Program) -> bool:
        """Whether every parameter's ``.grad`` is as a step left it: a replay's (this program's or
        another input shape's), or the last dynamic run's; or None, for a gradient the step's
        backward would make anew in the parameter's dtype, as the program's is (not for one it
        does not reach: the dynamic step leaves that None, and the optimizer skips it).

        Any other gradient Tensor was assigned between steps, and one of another dtype than the
        program's comes from another step: the dynamic step might zero it and add into it
        (``zero_grad(set_to_none=False)``), or an optimizer read it for a parameter the step does
        not reach; the step is then captured again.
        """
        for p, grad in program.grads:
            held = p._grad
            if held is not grad and (
                not _made_anew(program, p, grad)
                if held is None
                else held._data.dtype != grad._data.dtype or not self._left(p, held)
            ):
                return False
        return all(p._grad is None for p in program.idle)

    def _left(self, p: Tensor, grad: Tensor) -> bool:
        """Whether ``grad`` is a gradient Tensor of ``p`` that a step of this replay left there."""
        if grad is self._made.get(id(p)):
            return True
        return any(q is p and g is grad for program in self.programs.values() for q, g in program.grads)

    def _writeable(self) -> bool:
        """Whether every parameter of a Tensor-level step can be written in place."""
        return all(p._data.flags.writeable for p in self.optimizer.params)

    def _hooked(self) -> bool:
        """Whether a parameter of a Tensor-level step has a hook (``register_hook``)."""
        return any(getattr(p, "_hooks", None) for p in self.optimizer.params)

    def _seen(self) -> list[Any]:
        """What the guards compare by identity: ``watch()``'s objects and, for a Tensor-level
        step, the modules' ``edition()`` (a module setting changed between steps) and the
        ``training`` flags (True/False) of the modules the captured runs called."""
        seen = list(self.watch())
        if self.tensors:
            seen.append(module_edition())
            seen += [module.training for module in self._called.values()]
            if self._held:  # (a buffer's .data replaced: a new array, which the program does not read)
                seen += map(_DATA, self._held)
        return seen

    def _unchanged(self) -> bool:
        now = self._seen()
        then = self._watched
        return (
            len(now) == len(then)
            and all(map(operator.is_, now, then))
            and (not self._contents or all(held == copied for held, copied in self._contents))
        )

    def _watch_now(self) -> None:
        """Take what the guards compare: ``_seen()`` and, for a Tensor-level step, copies of the
        dicts, lists and sets of plain values that the modules it called hold as attributes
        (``self.config = {"scale": 2.0}`` read by a forward: changed in place between steps,
        which moves no edition, the step is captured again)."""
        self._watched = self._seen()
        if self.tensors:
            self._contents = [
                (value, copy.deepcopy(value))
                for module in self._called.values()
                for name, value in vars(module).items()
                if type(value) in _CONTAINERS and name not in _MODULE_REGISTRIES and _plain(value)
            ]

    def _replay(self, program: Program, arrays: tuple[np.ndarray, ...], after_dynamic: bool = False) -> Any:
        if self.tensors:
            if not after_dynamic and not self._grads_as_left(program):
                return _STALE
            for p, grad in program.grads:
                p._grad = grad  # the program's gradient arrays, read by the optimizer's own step
        else:
            engine = self.engine
            if engine.operation_list or engine.gradient_buffer.memory:
                engine.zero_grad()  # the capture's tape: what it holds is stale now
        program.run(arrays)
        self.replays += 1
        # copies: the program's buffers are overwritten by the next replay
        loss = program.loss.copy()
        outputs = None if program.outputs is None else [out.copy() for out in program.outputs]
        if self.tensors:
            return Tensor(loss) if outputs is None else (Tensor(loss), *map(Tensor, outputs))
        return loss if outputs is None else (loss, *outputs)

    # ------------------------------------------------------------------ capture
    def _run_dynamic(self, inputs: tuple[Any, ...]) -> tuple[Any, list[Any], Any, tuple[Any, ...] | None, Any]:
        """Run the step dynamically: its result, the operations it recorded (each parameter's
        gradient array as its destination), the loss array, the other outputs' arrays (None:
        the step returns the loss alone), and for a Tensor-level step its recorder and
        gradient hand-back (for a handout-style step, what it did around its backward)."""
        effects = _Effects(self.optimizer, handout=not self.tensors)
        if not self.tensors:
            run = _HandoutRun()
            with run.watching(self.engine, self.optimizer), effects.watching():
                result = self.step(*inputs)
            effects.refuse(result)
            loss, outputs = (result[0], result[1:]) if isinstance(result, tuple) else (result, None)
            return result, list(self.engine.operation_list), loss, outputs, run
        with (
            Recorder(self.optimizer.params) as recorder,
            called() as modules,
            _stepping(self.optimizer, recorder),
            effects.watching(),
        ):
            result = self.step(*inputs)
        self._called.update(modules)
        params = {id(p) for p in self.optimizer.params}
        self._held = [
            t
            for module in self._called.values()
            for t in vars(module).values()
            if isinstance(t, Tensor) and id(t) not in params
        ]
        effects.refuse(result)
        self._made = {id(p): p._grad for p in self.optimizer.params}
        loss, outputs = (result[0], result[1:]) if isinstance(result, tuple) else (result, None)
        try:
            ops, loss_array, entries, held = tensor_step(recorder, self.optimizer, loss)
        except ReplayError as error:  # the step ran: its result goes with the refusal
            raise _RefusedError(error, result) from error
        kept = recorder.kept_write(self.optimizer, result)
        if kept is not None:
            refusal = ReplayError(
                f"replay: the step writes in place, off the tape, into a tensor of shape {tuple(kept.shape)} that "
                "outlives it (an average of the weights, a metric accumulated with +=, an input normalised in place), "
                "which a replay would not: do it between calls of the replayed step, or run this step dynamically"
            )
            raise _RefusedError(refusal, result)
        if recorder.looked_at:
            refusal = ReplayError(
                f"replay: the step reads a tensor's value into Python ({recorder.looked_at[0]}: loss.item(), "
                "float(t), if t > 0, loss.numpy(), x.sum().item() of an input), which only its dynamic runs do: a "
                "branch on it (a NaN guard) or a log of it (running_loss += loss.item()) would not be repeated; read "
                "the loss the replayed step returns (train_step(x, y).item()), or run this step dynamically"
            )
            raise _RefusedError(refusal, result)
        if outputs is not None:
            outputs = tuple(out._data if isinstance(out, Tensor) else out for out in outputs)
        return result, ops, loss_array, outputs, (recorder, entries, held)

    def _capture(self, key: tuple[Any, ...], inputs: tuple[Any, ...], arrays: tuple[np.ndarray, ...]) -> Any:
        if (self.programs or self._pending or self.dynamic) and not self._unchanged():
            # the programs of other input shapes were compiled against what the watch saw then (a
            # replaced module or array): the new watch recorded below must not vouch for them
            self.reset()
        if key in self.dynamic:
            return self._own_run(lambda: self.step(*inputs))
        if not self.fallback:
            return self._compile(key, inputs, arrays)
        try:
            return self._compile(key, inputs, arrays)
        except _RefusedError as refused:
            self._pending.pop(key, None)
            self.dynamic[key] = str(refused.error)
            self._watch_now()
            return refused.result

    def _compile(self, key: tuple[Any, ...], inputs: tuple[Any, ...], arrays: tuple[np.ndarray, ...]) -> Any:
        try:
            result, ops, loss, outputs, tensor_run = self._run_dynamic(inputs)
        except _RefusedError as refused:  # (a Tensor-level step's tape refused: with fallback, run dynamically)
            if self.fallback:
                raise
            raise refused.error from None
        try:
            reason = None if self.check is None else self.check()
            if reason:
                raise ReplayError(reason)
            program = self._program(ops, arrays, loss, outputs, tensor_run)
            if program.loose or self.tensors:  # a Tensor-level step is run twice: it must zero its gradients
                first = self._pending.pop(key, None)
                if first is None:
                    # confirmed (or refused) by the next run; meanwhile only what it compares is kept,
                    # not the program's buffers
                    self._pending[key] = (program.signature, program.loose)
                    self._watch_now()
                    return result
                self._confirm(first, program)
        except ReplayError as error:
            if self.fallback:  # the step ran: its result goes back to the caller
                raise _RefusedError(error, result) from error
            raise
        if len(self.programs) >= self.max_programs:
            del self.programs[next(iter(self.programs))]
        self.programs[key] = program
        self._watch_now()
        self.captures += 1
        return result

    def _program(
        self, ops: list[Any], arrays: tuple[np.ndarray, ...], loss: Any, outputs: Any, tensor_run: Any
    ) -> Program:
        if isinstance(tensor_run, _HandoutRun):
            tensor_run.check(ops, loss)
            settings = () if self.settings is None else [d for d in self.settings() if isinstance(d, dict)]
            program = compile_step(ops, arrays, loss, self.optimizer, outputs or (), settings=settings)
        else:
            recorder, entries, held = tensor_run
            program = compile_step(ops, arrays, loss, self.optimizer, outputs or (), entries, recorder.made)
            program.grads = held
            if recorder.read:  # settings read from arrays the modules keep (a loss's class weights)
                program.hyper = functools.partial(_with_reads, program.hyper, [read for read, _ in recorder.read])
                program.hyper_value = (program.hyper_value, [value for _, value in recorder.read])
            given = {id(p) for p, _ in held}
            program.idle = [p for p in self.optimizer.params if id(p) not in given]
        if outputs is not None:
            missing = [i for i, out in enumerate(outputs) if id(out) not in program.buffers]
            if missing:
                raise ReplayError(f"replay: output(s) {missing} of the step are not recorded operations' results")
            program.outputs = [program.buffers[id(out)] for out in outputs]
        return program

    @staticmethod
    def _confirm(first: tuple[list[Any], list[Any]], second: Program) -> None:
        """Two runs' loose arrays must be the same objects at the same places."""
        signature, loose = first
        if signature != second.signature:
            raise ReplayError(
                "replay: two runs of the step recorded different operations (they depend on the data?); "
                "run this step dynamically"
            )
        for (i, j, a), (k, m, b) in zip(loose, second.loose):
            if (i, j) != (k, m) or a is not b:
                what = f"as its parameter {m!r}" if isinstance(m, str) else f"as input {m}"
                raise ReplayError(
                    f"replay: operation {k} reads, {what}, an array the step makes anew each run (a constant, a "
                    f"mask, an index (gather's, or labels') or a view of an input made inside the step, or a result "
                    f"computed off the tape: under no_grad, after detach(), or by layers whose parameters are all "
                    f"frozen; shape {tuple(b.shape)}); a replay would reuse the first one: make it once outside the "
                    "step, or run this step dynamically"
                )

    # ------------------------------------------------------------------ verify
    def _state(self) -> list[np.ndarray | None]:
        return [None if a is None else a.copy() for a in optimizer_arrays(self.optimizer)]

    def _restore(self, state: list[np.ndarray | None]) -> None:
        """Put back the parameters' values and the optimizer's state (the gradients: the step
        zeroes them)."""
        for target, value in zip(optimizer_arrays(self.optimizer), state):
            if target is not None and value is not None:
                target[...] = value

    def _verified(self, program: Program, inputs: tuple[Any, ...], arrays: tuple[np.ndarray, ...]) -> Any:
        """Run the dynamic step, then the replay from the same state; raise if they differ."""
        before = self._state()
        try:
            result, ops, _, _, _ = self._own_run(lambda: self._run_dynamic(inputs))
        except _RefusedError as refused:
            raise refused.error from None
        expected = [np.array(a) for a in (result if isinstance(result, tuple) else (result,))]
        if signature(ops) != program.signature:
            raise ReplayError(
                "replay verify: the step recorded different operations than at capture (they depend on the "
                "data?); this step cannot be replayed: run it dynamically"
            )
        after = self._state()
        self._restore(before)
        got = self._replay(program, arrays, after_dynamic=True)
        got_all = list(got) if isinstance(got, tuple) else [got]
        names = ["the loss", *(f"output {i}" for i in range(1, len(expected)))]
        for name, e, g in zip(names, expected, got_all):
            _same(name, e, np.asarray(g))
        for i, (e_state, g_state) in enumerate(zip(after, self._state())):
            _same(f"parameter, gradient or optimizer array {i}", e_state, g_state)
        return got


def _with_reads(hyper: Callable[[], Any], reads: list[Callable[[], Any]]) -> tuple[Any, list[Any]]:
    """The optimizer's settings and the values ``reads`` give now (see ``Recorder.reads``)."""
    return hyper(), [read() for read in reads]


class _RefusedError(Exception):
    """A capture's ``ReplayError``, with the result of the dynamic run that preceded it."""

    def __init__(self, error: ReplayError, result: Any) -> None:
        super().__init__(str(error))
        self.error = error
        self.result = result


class _HandoutRun:
    """What a handout-style step did around its ``engine.backward`` (seen while it is captured):
    a replay runs one backward from the loss with divergence 1 and hands its gradients to the
    optimizer's step as they are; a step doing anything else there is refused."""

    def __init__(self) -> None:
        self.backwards: list[tuple[Any, Any]] = []  # (divergence, output) of each engine.backward
        self.left: list[tuple[np.ndarray, np.ndarray]] = []  # the optimizer's gradients after the last one, copied
        self.changed: list[int] = []  # the optimizer's gradients changed between it and optimizer.step()
        self.steps: list[int] = []  # for each optimizer.step(), how many backwards had run

    @contextmanager
    def watching(self, engine: Any, optimizer: Any) -> Iterator[None]:
        backward = engine.backward

        def watched_backward(divergence: Any = 1.0, output: Any = None, *args: Any, **kwargs: Any) -> Any:
            self.backwards.append((divergence, output))
            result = backward(divergence, output, *args, **kwargs)
            self.left = [(g, g.copy()) for _, g in optimizer.params]
            return result

        step = optimizer.step

        def watched_step(*args: Any, **kwargs: Any) -> Any:
            self.steps.append(len(self.backwards))
            self.changed += [i for i, (g, then) in enumerate(self.left) if not np.array_equal(g, then, equal_nan=True)]
            return step(*args, **kwargs)

        with _instead(engine, "backward", watched_backward), _instead(optimizer, "step", watched_step):
            yield

    def check(self, ops: list[Any], loss: Any) -> None:
        """Raise ``ReplayError`` for a step the program would not repeat."""
        if len(self.backwards) != 1:
            raise ReplayError(
                f"replay: the step ran engine.backward {len(self.backwards)} times; a replay runs exactly one backward "
                "from the loss: run this step dynamically"
            )
        divergence, output = self.backwards[0]
        start = output if output is not None else ops[-1].output if ops else None
        if start is not loss or not np.all(np.asarray(divergence) == 1):
            raise ReplayError(
                "replay: the step must run engine.backward from the loss it returns with divergence 1 (the "
                "criterion's backward()); a replay starts the backward there, with 1: run this step dynamically"
            )
        if self.steps != [1]:
            raise ReplayError(stepped(self.steps))
        if self.changed:
            raise ReplayError(
                f"replay: the step changes gradient {self.changed[0]} of the optimizer between engine.backward and "
                "optimizer.step() (gradient clipping or scaling?); a replay hands the optimizer the gradients as "
                "backward leaves them: run this step dynamically"
            )


class _Effects:
    """What a step changes outside its tape and its optimizer's update (seen while it is
    captured): the optimizer's settings, parameters and state arrays, compared with their
    values when the step started (up to the optimizer's ``step``) and when that ``step``
    returned (after it). A replay runs the recorded operations and the update only, so a step
    that clips or rescales its weights after the update (a max-norm constraint), writes
    into them in place under ``no_grad``, resets a state array, or sets a learning rate
    itself is refused, as is one calling a learning-rate scheduler's ``step()`` (which may leave
    the rate as it is at the capture, and change it at a later step). For a handout-style step
    (``handout``) a parameter array put in the optimizer's place before its step is not compared
    (``MLP.step`` hands it the pair of a layer whose ``W`` was replaced between steps; an array
    made anew inside the step is refused by the capture's second run, which reads another). A
    Tensor-level step's replaced ``p.data`` is compared: its operations read the Tensor, so
    nothing else would see it."""

    def __init__(self, optimizer: Any, handout: bool = False) -> None:
        self.optimizer = optimizer
        self.handout = handout
        self.then = self._now()
        self.after: tuple[list[dict[str, Any]], list[np.ndarray], list[np.ndarray]] | None = None
        self.reason: str | None = None
        self.schedulers: list[Any] = []  # the learning-rate schedulers stepped inside the step

    def _now(self) -> tuple[list[dict[str, Any]], list[np.ndarray], list[np.ndarray]]:
        settings = [{k: v for k, v in group.items() if k != "params"} for group in self.optimizer.param_groups]
        arrays = optimizer_arrays(self.optimizer, grads=False)
        return settings, arrays, [a.copy() for a in arrays]

    @contextmanager
    def watching(self) -> Iterator[None]:
        step = self.optimizer.step

        def watched_step(*args: Any, **kwargs: Any) -> Any:
            if self.after is None:  # (a second call is refused by the capture's own checks)
                self._compare(self.then, "before its optimizer's step()")
            result = step(*args, **kwargs)
            self.after = self._now()
            return result

        watch = (threading.get_ident(), self.schedulers)
        STEPPING.append(watch)
        try:
            with _instead(self.optimizer, "step", watched_step):
                yield
        finally:
            del STEPPING[next(i for i, w in enumerate(STEPPING) if w is watch)]

    def refuse(self, result: Any) -> None:
        """Raise (with the step's ``result``) if the step changed what a replay would not."""
        if self.schedulers and self.reason is None:
            name = type(self.schedulers[0]).__name__
            self.reason = (
                f"replay: the step calls {name}.step() (a learning-rate scheduler), which a replay would not: call it "
                "between calls of the replayed step (a new rate captures the step again), or run this step dynamically"
            )
        if self.after is not None:
            self._compare(self.after, "after its optimizer's step()")
        if self.reason is not None:
            raise _RefusedError(ReplayError(self.reason), result)

    def _compare(self, then: tuple[list[dict[str, Any]], list[np.ndarray], list[np.ndarray]], when: str) -> None:
        if self.reason is not None:
            return
        settings, arrays, values = then
        now = self._now()
        fix = "do it between calls of the replayed step, or run this step dynamically"
        for g, (old, new) in enumerate(zip(settings, now[0])):
            changed = [k for k in {*old, *new} if not _equal(old.get(k), new.get(k))]
            changed.sort(key=lambda k: (k != "lr", k))  # (the learning rate named first)
            if changed:
                self.reason = (
                    f"replay: the step sets its optimizer's {changed[0]!r} (parameter group {g}) {when} (a learning-"
                    f"rate scheduler's step() inside the step?), which a replay would not repeat: {fix}"
                )
                return
        n = len(self.optimizer.params)
        if len(settings) != len(now[0]) or len(arrays) != len(now[1]):
            self.reason = f"replay: the step adds parameters or optimizer state {when}; a replay would not: {fix}"
            return
        for i, (a, b, value) in enumerate(zip(arrays, now[1], values)):
            if a is not b and self.after is None and self.handout:
                continue  # a pair the step hands the optimizer anew (MLP.step: a layer's W replaced since)
            if a is not b or not np.array_equal(b, value, equal_nan=True):
                what = f"parameter {i}" if i < n else f"an optimizer state array ({i - n})"
                self.reason = (
                    f"replay: the step changes {what} (shape {tuple(b.shape)}) {when}, outside the update (weight "
                    f"clipping, a max-norm constraint, a write under no_grad), which a replay would not repeat: {fix}"
                )
                return


def _equal(a: Any, b: Any) -> bool:
    """``a == b`` for settings (numbers, tuples of them; False where they do not compare)."""
    if a is b:
        return True
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False


@contextmanager
def _instead(owner: Any, name: str, method: Callable[..., Any]) -> Iterator[None]:
    """``owner.name`` is ``method`` inside the block (an attribute of the instance; one the
    instance had of its own is put back after; an object without a ``__dict__`` is left as it is)."""
    if not hasattr(owner, "__dict__"):
        yield
        return
    own = vars(owner).get(name)
    setattr(owner, name, method)
    try:
        yield
    finally:
        if own is None:
            delattr(owner, name)
        else:
            setattr(owner, name, own)


@contextmanager
def _stepping(optimizer: Any, recorder: Recorder) -> Iterator[None]:
    """While a Tensor-level step is captured, ``optimizer.step()`` first has the recorder note
    the gradients the step changed since its backward (``Recorder.stepping``)."""
    step = optimizer.step

    def stepping(*args: Any, **kwargs: Any) -> Any:
        recorder.stepping(optimizer)
        recorder.updating = True  # (its writes are the update's, which the program makes)
        try:
            return step(*args, **kwargs)
        finally:
            recorder.updating = False

    with _instead(optimizer, "step", stepping):
        yield


def _made_anew(program: Program, p: Tensor, grad: Tensor) -> bool:
    """Whether the dynamic step, finding ``p.grad`` None, would make the very gradient ``grad``
    holds: its backward reaches ``p``, and the new one has ``p``'s dtype."""
    return id(grad._data) in program.reached and grad._data.dtype == p._data.dtype


_STALE = object()
"""What ``_replay`` returns instead of replaying: the parameters' ``.grad`` were changed since."""


def _passes(checks: list[tuple[Any, tuple[Any, ...]]], arrays: tuple[np.ndarray, ...]) -> bool:
    """Whether the dynamic step's checks of its inputs' values (``BCELoss``'s targets) pass."""
    try:
        for fn, args in checks:
            fn(*[a.resolve(arrays) if isinstance(a, Slot) else a for a in args])
    except ValueError:
        return False
    return True


def _input_key(i: int, x: Any) -> tuple[Any, ...]:
    """An input that is not exactly an ndarray: a subclass is keyed like one, anything else refused."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"Replay: input {i} must be a numpy.ndarray, got {type(x).__name__}")
    return (x.shape, x.dtype, x.strides, type(x))


def _tensor_input(i: int, x: Any) -> np.ndarray:
    """The array of a Tensor-level step's input ``i`` (a Tensor that needs no gradient, or an array)."""
    if isinstance(x, Tensor):
        if x.requires_grad:
            raise ReplayError(
                f"replay: input {i} requires a gradient; a replay computes only the parameters' gradients: "
                "run this step dynamically"
            )
        return x._data
    if not isinstance(x, np.ndarray):
        raise TypeError(f"Replay: input {i} must be a Tensor or a numpy.ndarray, got {type(x).__name__}")
    return x


def optimizer_arrays(optimizer: Any, grads: bool = True) -> list[Any]:
    """Every array an optimizer's step reads or writes: its parameters' values, their
    gradients (None for a Tensor without ``.grad``; left out if not ``grads``), and its
    state (velocities, moments, step counts)."""
    arrays: list[Any] = []
    for p in optimizer.params:
        if isinstance(p, tuple):
            arrays += p if grads else p[:1]
        else:
            arrays.append(p._data)
            if grads:
                arrays.append(None if p._grad is None else p._grad._data)
    for state in optimizer._buffers().values():
        arrays += state
    return arrays


def _same(name: str, expected: np.ndarray | None, got: np.ndarray | None) -> None:
    if expected is None or got is None:
        if expected is not got:
            raise ReplayError(f"replay verify: {name} is missing on one side (the step's gradients differ)")
        return
    if expected.shape != got.shape or not np.array_equal(expected, got, equal_nan=True):
        worst = float(np.max(np.abs(expected - got))) if expected.shape == got.shape else float("nan")
        raise ReplayError(
            f"replay verify: {name} differs from the dynamic step's (shape {tuple(got.shape)}, largest difference "
            f"{worst:.3g}); the step cannot be replayed faithfully: run it dynamically"
        )

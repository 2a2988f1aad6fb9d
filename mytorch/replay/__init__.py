"""Record once, replay: a training step of fixed shapes as a flat list of pre-bound kernel calls.

A training step (zero the gradients, forward, loss, backward, optimizer update) does the same
operations on arrays of the same shapes every time. ``Replay`` runs the step dynamically the
first time, reads what it recorded on the engine's tape, and compiles it
(``mytorch.replay.compiler``) into a program: every value computed into a buffer allocated
once (``out=``), every check done once, the ``zero_grad`` folded into the first write of each
gradient, the optimizer update written out. Later calls with inputs of the same shapes and
dtypes run the program: the same NumPy operations on the same operands, minus the tape.

Guards, checked before every replay (a failing guard captures the step again):

* the inputs: their number, shapes, dtypes and memory layouts (one program is kept per
  combination, up to ``max_programs``: an epoch's smaller last batch has its own);
* ``watch()``: the objects the step depends on (the modules, each parameter and gradient
  array, the optimizer's state arrays) must be the very same objects as at capture;
* the optimizer's settings that the update was compiled with (``lr``, ``momentum``, ...);
* the mode: under ``no_grad``, ``detect_anomaly`` or the engine's own ``no_grad`` the step
  runs dynamically (its checks are the dynamic path's).

**The limit.** A replay repeats the operations the capture recorded. A step whose recorded
operations depend on the data's *values* (an ``if`` on the loss, a different number of
layers per batch, a mask drawn inside the step) cannot be replayed faithfully. Arrays the
step creates itself (constants, masks, views of the inputs) are caught: the program is used
only once a second dynamic run shows the very same array objects, else ``ReplayError``.
Branches in Python are not: the ``verify`` mode runs the dynamic step beside the replay for
the first calls and raises ``ReplayError`` if they record different operations or give
different numbers. Settings kept inside modules (a ``LeakyReLU``'s slope) are read at
capture; after changing one, call ``reset()``.

**The numbers.** A replay performs the dynamic step's NumPy operations on the same operands in
the same order, so it gives the same results bit for bit, with one exception: a gradient the
dynamic step computes as ``0 + g`` (it zeroes, then adds) the replay writes as ``g``, so a
gradient entry of ``-0.0`` stays ``-0.0`` (the dynamic step has ``+0.0``); the two compare
equal, and the update they make is the same.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from mytorch.autograd_engine import _GradMode
from mytorch.replay.compiler import Program, ReplayError, compile_step, signature

__all__ = ["Replay", "ReplayError", "optimizer_arrays"]


class Replay:
    """A training step, captured on its first run and replayed after.

    Args:
        step: ``step(*inputs)`` runs one training step dynamically: it zeroes the engine (its
            ``zero_grad``) and the optimizer's gradients, records the forward pass and the
            loss on ``engine``, runs ``engine.backward`` from the loss with divergence 1, and
            calls ``optimizer.step()``. It returns the loss, or ``(loss, *outputs)`` with
            other recorded arrays to hand back (e.g. the network's output).
        engine: the ``Autograd`` engine the step records onto.
        optimizer: a ``mytorch.optim`` optimizer over the step's parameters.
        watch: returns the objects whose identity must not change between capture and replay
            (default: the optimizer's parameter and gradient arrays and its state arrays).
        verify: for this many replays, also run the dynamic step and raise ``ReplayError`` if
            the two differ (parameters, gradients, optimizer state, loss, outputs).
        max_programs: how many input shapes to keep a program for.

    Attributes:
        captures: how many times the step was compiled; replays: how many replays ran.
    """

    def __init__(
        self,
        step: Callable[..., Any],
        engine: Any,
        optimizer: Any,
        *,
        watch: Callable[[], Sequence[Any]] | None = None,
        verify: int = 0,
        max_programs: int = 4,
    ) -> None:
        if not callable(step):
            raise TypeError(f"Replay: step must be callable, got {type(step).__name__}")
        if not hasattr(optimizer, "params") or not hasattr(optimizer, "state_dict"):
            raise TypeError(f"Replay: optimizer must be a mytorch.optim optimizer, got {type(optimizer).__name__}")
        if not all(type(p) is tuple for p in optimizer.params):
            raise TypeError(
                "Replay: the optimizer's parameters must be (value, gradient) array pairs, as the handout's "
                "modules give them; a Tensor-level model (mytorch.nn.Module) is not replayed: train it dynamically"
            )
        if isinstance(verify, bool) or not isinstance(verify, int) or verify < 0:
            raise ValueError(f"Replay: verify must be a number of steps >= 0, got {verify!r}")
        self.step = step
        self.engine = engine
        self.optimizer = optimizer
        self.watch = watch or self._optimizer_arrays
        self.verify = verify
        self.max_programs = max_programs
        self.programs: dict[tuple[Any, ...], Program] = {}
        self._pending: dict[tuple[Any, ...], Program] = {}
        self._watched: list[Any] = []
        self.captures = 0
        self.replays = 0

    def _optimizer_arrays(self) -> list[Any]:
        return optimizer_arrays(self.optimizer)

    def reset(self) -> None:
        """Forget every captured program: the next call captures the step again."""
        self.programs.clear()
        self._pending.clear()

    # ------------------------------------------------------------------ the call
    def __call__(self, *inputs: np.ndarray) -> Any:
        """One training step on ``inputs``; returns what ``step`` returns.

        The loss returned is a new array each call; other outputs of a replay are its buffers,
        overwritten by the next replay (copy them to keep them).

        Raises:
            TypeError: an input is not a numpy array.
            ReplayError: the step cannot be replayed (see the module's documentation), or
                ``verify`` found the replay differing from the dynamic step.
        """
        key: tuple[Any, ...] = tuple(
            [(x.shape, x.dtype, x.strides) if type(x) is np.ndarray else _input_key(i, x) for i, x in enumerate(inputs)]
        )
        if not (_GradMode.enabled and not _GradMode.anomaly and self.engine._recording):
            return self.step(*inputs)
        key += (len(set(map(id, inputs))),)  # an input passed twice is another program
        program = self.programs.get(key)
        if program is not None:
            if self._unchanged() and program.hyper() == program.hyper_value:
                if self.verify:
                    self.verify -= 1
                    return self._verified(program, inputs)
                return self._replay(program, inputs)
            self.reset()
        return self._capture(key, inputs)

    def _unchanged(self) -> bool:
        now = self.watch()
        then = self._watched
        return len(now) == len(then) and all(map(operator.is_, now, then))

    def _replay(self, program: Program, inputs: tuple[np.ndarray, ...]) -> Any:
        engine = self.engine
        if engine.operation_list or engine.gradient_buffer.memory:
            engine.zero_grad()  # the capture's tape: what it holds is stale now
        program.run(inputs)
        self.replays += 1
        loss = program.loss.copy()
        return (loss, *program.outputs) if program.outputs is not None else loss

    # ------------------------------------------------------------------ capture
    def _capture(self, key: tuple[Any, ...], inputs: tuple[np.ndarray, ...]) -> Any:
        result = self.step(*inputs)
        loss, outputs = (result[0], result[1:]) if isinstance(result, tuple) else (result, None)
        program = compile_step(list(self.engine.operation_list), inputs, loss, self.optimizer, outputs or ())
        if outputs is not None:
            missing = [i for i, out in enumerate(outputs) if id(out) not in program.buffers]
            if missing:
                raise ReplayError(f"replay: output(s) {missing} of the step are not recorded operations' results")
            program.outputs = [program.buffers[id(out)] for out in outputs]
        if program.loose:
            first = self._pending.pop(key, None)
            if first is None:
                self._pending[key] = program  # confirmed (or refused) by the next run
                return result
            self._confirm(first, program)
        if len(self.programs) >= self.max_programs:
            del self.programs[next(iter(self.programs))]
        self.programs[key] = program
        self._watched = list(self.watch())
        self.captures += 1
        return result

    @staticmethod
    def _confirm(first: Program, second: Program) -> None:
        """Two runs' loose arrays must be the same objects at the same places."""
        if first.signature != second.signature:
            raise ReplayError(
                "replay: two runs of the step recorded different operations (they depend on the data?); "
                "run this step dynamically"
            )
        for (i, j, a), (k, m, b) in zip(first.loose, second.loose):
            if (i, j) != (k, m) or a is not b:
                raise ReplayError(
                    f"replay: operation {k} reads, as input {m}, an array the step makes anew each run (a "
                    f"constant, a mask or a view of an input made inside the step, shape {b.shape}); a replay "
                    "would reuse the first one: make it once outside the step, or run this step dynamically"
                )

    # ------------------------------------------------------------------ verify
    def _state(self) -> list[np.ndarray]:
        return [a.copy() for a in optimizer_arrays(self.optimizer)]

    def _restore(self, state: list[np.ndarray]) -> None:
        for target, value in zip(optimizer_arrays(self.optimizer), state):
            target[...] = value

    def _verified(self, program: Program, inputs: tuple[np.ndarray, ...]) -> Any:
        """Run the dynamic step, then the replay from the same state; raise if they differ."""
        before = self._state()
        result = self.step(*inputs)
        expected = [np.array(a) for a in (result if isinstance(result, tuple) else (result,))]
        if signature(self.engine.operation_list) != program.signature:
            raise ReplayError(
                "replay verify: the step recorded different operations than at capture (they depend on the "
                "data?); this step cannot be replayed: run it dynamically"
            )
        after = self._state()
        self._restore(before)
        got = self._replay(program, inputs)
        got_all = list(got) if isinstance(got, tuple) else [got]
        names = ["the loss", *(f"output {i}" for i in range(1, len(expected)))]
        for name, e, g in zip(names, expected, got_all):
            _same(name, e, g)
        for i, (e, g) in enumerate(zip(after, self._state())):
            _same(f"parameter, gradient or optimizer array {i}", e, g)
        return got


def _input_key(i: int, x: Any) -> tuple[Any, ...]:
    """An input that is not exactly an ndarray: a subclass is keyed like one, anything else refused."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"Replay: input {i} must be a numpy.ndarray, got {type(x).__name__}")
    return (x.shape, x.dtype, x.strides, type(x))


def optimizer_arrays(optimizer: Any) -> list[np.ndarray]:
    """Every array an optimizer's step reads or writes: its parameters, their gradients, and
    its state (velocities, moments, step count)."""
    arrays = [a for pair in optimizer.params for a in pair]
    for state in optimizer._buffers().values():
        arrays += state
    return arrays


def _same(name: str, expected: np.ndarray, got: np.ndarray) -> None:
    if expected.shape != got.shape or not np.array_equal(expected, got, equal_nan=True):
        worst = float(np.max(np.abs(expected - got))) if expected.shape == got.shape else float("nan")
        raise ReplayError(
            f"replay verify: {name} differs from the dynamic step's (shape {got.shape}, largest difference "
            f"{worst:.3g}); the step cannot be replayed faithfully: run it dynamically"
        )

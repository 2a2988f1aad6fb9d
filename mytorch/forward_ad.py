"""``mytorch.autograd.forward_ad``: PyTorch's dual tensors for forward-mode derivatives.

::

    import mytorch.autograd.forward_ad as fwAD

    with fwAD.dual_level():
        x = fwAD.make_dual(primal, tangent)        # primal + tangent * eps
        y = f(x)                                   # any Tensor code
        jvp = fwAD.unpack_dual(y).tangent          # the derivative of f at primal along tangent

How it works here: PyTorch carries every tangent along eagerly; MyTorch records the computation
on its tape as usual and, when ``unpack_dual`` asks, replays the tape with the kernel table's JVP
rules (``Autograd.jvp``), seeded with the tangents of the dual tensors the result is computed
from. The numbers are the same; what shows the difference:

* A dual tensor is recorded, so it and what is computed from it have ``requires_grad=True``
  (and a ``grad_fn``) even when the primal did not require a gradient; ``unpack_dual``'s
  ``primal`` is then detached, as PyTorch's would be. A backward through such a result
  computes a gradient nobody sees; a primal that requires a gradient still gets its own.
* Operations run under ``no_grad`` are not recorded, so a tangent cannot pass through them
  (PyTorch's forward mode ignores ``no_grad``): ``make_dual`` and ``unpack_dual`` under
  ``no_grad`` raise; a value computed under ``no_grad`` from a dual inside ``f`` counts as a
  constant.
* ``unpack_dual`` of a result whose graph a ``backward()`` has freed raises (unpack first, or
  pass ``retain_graph=True``).
* The tangent is a constant Tensor (PyTorch's may require a gradient, for reverse over forward:
  use ``mytorch.func.jvp`` inside ``mytorch.func.grad`` for that).

One level at a time, as PyTorch allows: entering a second level raises.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any, NamedTuple

import numpy as np

from mytorch.autograd_engine import is_grad_enabled
from mytorch.function import Function
from mytorch.tensor import Tensor

__all__ = ["UnpackedDualTensor", "dual_level", "enter_dual_level", "exit_dual_level", "make_dual", "unpack_dual"]


class UnpackedDualTensor(NamedTuple):
    """What ``unpack_dual`` returns: the primal value and its tangent (None when it has none)."""

    primal: Tensor
    tangent: Tensor | None


class _Level:
    """One dual level: the dual tensors made in it, by the id of their array."""

    def __init__(self, index: int) -> None:
        self.index = index
        # id(dual's array as made) -> (that array, the dual, the tangent as given, the tangent's
        # array in the dual's dtype). The array, not the Tensor, is where the tangent is seeded: an
        # in-place change of the dual gives the Tensor a new array, the output of the recorded write.
        self.duals: dict[int, tuple[np.ndarray, Tensor, Tensor, np.ndarray]] = {}
        self.hidden: dict[int, Tensor] = {}  # the leaves standing for primals that required no gradient, by id


_STATE = threading.local()


def _current() -> _Level | None:
    return getattr(_STATE, "level", None)


def enter_dual_level() -> int:
    """Start a dual level (PyTorch's ``enter_dual_level``); returns its index (0).

    Raises:
        RuntimeError: a level is already open (nested forward mode is not supported, as in PyTorch).
    """
    if _current() is not None:
        raise RuntimeError("forward_ad.enter_dual_level: a dual level is already open; nested levels are not supported")
    _STATE.level = _Level(0)
    return 0


def exit_dual_level(*, level: int | None = None) -> None:
    """End the current dual level: every dual tensor made in it loses its tangent."""
    current = _current()
    if current is None or (level is not None and level != current.index):
        raise RuntimeError(f"forward_ad.exit_dual_level: level {level} is not the open level")
    _STATE.level = None


class dual_level(contextlib.ContextDecorator):  # noqa: N801 - PyTorch's name
    """A context (or decorator) within which dual tensors live: ``with fwAD.dual_level(): ...``."""

    def __enter__(self) -> int:
        return enter_dual_level()

    def __exit__(self, *exc: Any) -> None:
        exit_dual_level()


class _Dual(Function):
    """The dual tensor's own recorded value: the primal's copy, whose tangent ``unpack_dual`` seeds;
    the gradient passes to the primal unchanged."""

    @staticmethod
    def forward(ctx: Any, *inputs: np.ndarray, **params: Any) -> np.ndarray:
        return inputs[0].copy()

    @staticmethod
    def backward(ctx: Any, grad_output: Any) -> Any:
        return grad_output

    @staticmethod
    def jvp(ctx: Any, tangent: Any) -> Any:
        return tangent


def make_dual(tensor: Tensor, tangent: Any, *, level: int | None = None) -> Tensor:
    """A dual tensor of value ``tensor`` and tangent ``tangent`` (of its shape), inside a dual level.

    Gradients of a backward through the dual reach ``tensor`` when it requires one.

    Raises:
        RuntimeError: no dual level is open, the shapes differ, or gradient recording is off
            (``no_grad``: forward mode here needs the recording).
        TypeError: ``tensor`` is not a floating-point or complex Tensor.
    """
    current = _current()
    if current is None or (level is not None and level != current.index):
        raise RuntimeError("forward_ad.make_dual: no dual level is open; use `with fwAD.dual_level():` first")
    if not isinstance(tensor, Tensor):
        raise TypeError(f"forward_ad.make_dual: expected a Tensor, got {type(tensor).__name__}")
    if tensor.dtype.kind not in "fc":
        raise TypeError(f"forward_ad.make_dual: the primal must be floating-point or complex, got {tensor.dtype}")
    given = tangent if isinstance(tangent, Tensor) else Tensor(np.asarray(tangent))
    if given.shape != tensor.shape:
        raise RuntimeError(
            f"forward_ad.make_dual: the tangent has shape {tuple(given.shape)}, the primal {tuple(tensor.shape)}; "
            "they must match"
        )
    if not is_grad_enabled():
        raise RuntimeError(
            "forward_ad.make_dual: gradient recording is off (no_grad); MyTorch's forward mode replays the "
            "recorded operations, so make and use dual tensors outside no_grad"
        )
    base = tensor
    if not tensor.requires_grad:
        base = Tensor(tensor._data.copy(), requires_grad=True)
        current.hidden[id(base)] = base
    dual = _Dual.apply(base)
    current.duals[id(dual._data)] = (dual._data, dual, given, np.asarray(given._data, dtype=tensor.dtype))
    return dual


def unpack_dual(tensor: Any, *, level: int | None = None) -> UnpackedDualTensor:
    """The primal value of ``tensor`` and its tangent in the open dual level (None when it is not
    computed from a dual tensor, or when no level is open), as PyTorch's ``unpack_dual``.

    Raises:
        RuntimeError: the graph computing ``tensor`` from dual tensors was freed by a backward.
    """
    current = _current()
    if not isinstance(tensor, Tensor) or current is None or (level is not None and level != current.index):
        return UnpackedDualTensor(tensor, None)
    own = current.duals.get(id(tensor._data))
    if own is not None and own[1] is tensor:  # (changed in place since, it holds another array)
        return UnpackedDualTensor(_primal(tensor, current), own[2])
    if not tensor.requires_grad or tensor._tape is None:
        return UnpackedDualTensor(tensor, None)
    tape = tensor.tape
    if tape.released and current.duals:
        raise RuntimeError(
            "forward_ad.unpack_dual: the graph computing this tensor was freed by backward(); unpack the "
            "tangent before the backward, or call backward(retain_graph=True)"
        )
    reached = tape._computed_from([tensor._data])
    seeds = [(key, entry) for key, entry in current.duals.items() if key in reached]
    if not seeds:
        return UnpackedDualTensor(_primal(tensor, current), None)
    if not is_grad_enabled():  # (the recording it replays would be missing its last steps)
        raise RuntimeError("forward_ad.unpack_dual: called under no_grad; unpack outside it")
    arrays = [entry[0] for _, entry in seeds]
    tangents = [entry[3] for _, entry in seeds]
    (found,) = tape.jvp(arrays, tangents, [tensor._data], no_grad_constant=True)
    return UnpackedDualTensor(_primal(tensor, current), Tensor(np.asarray(found)))


def _primal(tensor: Tensor, current: _Level) -> Tensor:
    """``tensor`` as the primal: detached when only the stand-ins of primals that required no
    gradient make it require one (PyTorch's primal would not require a gradient)."""
    if tensor._tape is None:
        return tensor
    if all(id(leaf) in current.hidden for leaf in tensor.tape.leaves.values()):
        return tensor.detach()
    return tensor

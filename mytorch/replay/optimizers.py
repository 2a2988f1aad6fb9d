"""The optimizer's update as replay instructions.

``SGD`` (the handout's optimizer, any momentum, Nesterov, weight decay; with dampening it is
called as it is) is written out with
``out=`` buffers, operation for operation as ``SGD.step`` computes it, so the update is bit for
bit the dynamic one. Its settings (``lr``, ``momentum``, ...) are read again before every
replay: a learning-rate schedule that changes them makes the step be captured again. Any other
optimizer (``Adam``, a subclass with its own ``step``, an SGD whose ``step`` was replaced on the
instance) is called as it is: its ``step`` reads its own settings every time.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from mytorch.optim import SGD
from mytorch.optim import optimizer as base
from mytorch.optim.optimizer import flat_memory
from mytorch.replay.rules import Instruction

_SETTINGS = ("lr", "momentum", "nesterov", "weight_decay", "dampening", "maximize")
_STEP = operator.methodcaller("step")


def _sgd_settings(opt: SGD) -> tuple[Any, ...]:
    """Every parameter group's settings (a scheduler may change any group's ``lr``), and a
    ``step`` set on the optimizer itself since (``opt.step = clipped_step``), which the
    written-out update would skip."""
    return (*map(_group_values, opt.param_groups), vars(opt).get("step"))  # (C loops: read before every replay)


def _typed_sgd_settings(opt: SGD) -> tuple[Any, ...]:
    """``_sgd_settings`` with the settings' types, for values narrower than float64: a NumPy
    float64 equals the Python float of its value, but makes ``lr * d`` float64 for float32
    ``d``, where a Python float keeps it float32 (for float64 values the two give one result)."""
    return (*map(_typed_group_values, opt.param_groups), vars(opt).get("step"))


def _group_values(group: dict[str, Any]) -> tuple[Any, ...]:
    """A group's ``_SETTINGS`` (``dampening``: None in a group loaded from before it existed)."""
    return tuple(map(group.get, _SETTINGS))


def _typed_group_values(group: dict[str, Any]) -> tuple[Any, ...]:
    """A group's ``_SETTINGS`` and their types."""
    values = tuple(map(group.get, _SETTINGS))
    return values, *map(type, values)


class _Scratch:
    """Temporaries shared by every parameter's update (one piece is done before the next
    starts), so the update's working set is one piece's worth."""

    def __init__(self, values: list[np.ndarray]) -> None:
        self.size = max(min(p.size, base.PIECE_BYTES // p.itemsize) for p in values)
        self.flat: dict[tuple[str, np.dtype], np.ndarray] = {}

    def like(self, name: str, p: np.ndarray, *operands: np.ndarray) -> np.ndarray:
        """A temporary of ``p``'s shape, in the dtype ``SGD.step`` computes it in from ``operands``
        (a float32 weight with a float64 gradient: ``lr * d`` is float64 there, cast only by
        ``p -= ...``)."""
        dtype = np.result_type(*operands)
        flat = self.flat.get((name, dtype))
        if flat is None:
            flat = self.flat[(name, dtype)] = np.empty(self.size, dtype=dtype)
        return flat[: p.size].reshape(p.shape)


def _units(
    opt: SGD, entries: list[tuple[int, np.ndarray, np.ndarray]]
) -> list[tuple[tuple[Any, ...], list[np.ndarray], bool]]:
    """What the update runs over: each parameter's ``[value, gradient(, velocity)]`` with its
    group's settings, or, when the parameters of one group tile flat arrays (``flat_memory``:
    ``hw_bonus.mlp.MLP`` keeps them so) and so do their velocities, those flat arrays at once
    (True: ``SGD._step_flat``'s, whose temporaries have the values' dtype, a setting's type
    aside; ``SGD.step`` per parameter computes them in the dtype the settings make)."""
    settings = [_group_values(opt.param_groups[opt._group_of[i]]) for i, _, _ in entries]
    whole = len(opt.param_groups) == 1 and len(entries) == len(opt.params)
    tiles = flat_memory([(p, g) for _, p, g in entries]) if whole else None
    if tiles is not None:
        if not settings[0][1]:
            return [(settings[0], list(tiles), True)]
        velocity = flat_memory([(p, opt.velocity[i]) for i, p, _ in entries])
        if velocity is not None:
            return [(settings[0], [*tiles, velocity[1]], True)]
    return [(mine, [p, g, opt.velocity[i]] if mine[1] else [p, g], False) for mine, (i, p, g) in zip(settings, entries)]


def _sgd(opt: SGD, entries: list[tuple[int, np.ndarray, np.ndarray]]) -> list[Instruction]:
    """``SGD.step`` for every entry ``(i, p, g)`` (parameter ``i`` of ``opt``, its value and
    gradient arrays): d = g + wd * p; v = mu * v + d; d = v or d + mu * v; p -= lr * d."""
    units = _units(opt, entries)
    scratch = _Scratch([arrays[0] for _, arrays, _ in units])
    code: list[Instruction] = []
    for (lr, mu, nesterov, wd, _, _), arrays, flat in units:  # (dampening 0 and no maximize: see update)
        # the settings are operands too (a NumPy float64 lr makes lr * d float64 for float32 d),
        # but for the flat update, whose temporaries have the values' dtype
        wd_, mu_, lr_ = (() if flat else (s,) for s in (wd, mu, lr))
        for p, g, *velocity in base.pieces(arrays):
            d, own = g, False  # own: d is a temporary, so lr * d may overwrite it
            if wd:
                d, own = scratch.like("decayed", p, g, p, *wd_), True
                code += [(np.multiply, (wd, p, d)), (np.add, (g, d, d))]
            if mu:
                v = velocity[0]
                code += [(np.multiply, (v, mu, v)), (np.add, (v, d, v))]
                if nesterov:
                    nd = scratch.like("nesterov", p, d, v, *mu_)
                    code += [(np.multiply, (mu, v, nd)), (np.add, (d, nd, nd))]
                    d, own = nd, True
                else:
                    d, own = v, False
            step = d if own and d.dtype == np.result_type(d, *lr_) else scratch.like("step", p, d, *lr_)
            code += [(np.multiply, (lr, d, step)), (np.subtract, (p, step, p))]
    return code


def update(
    optimizer: Any, entries: list[tuple[int, np.ndarray, np.ndarray]]
) -> tuple[list[Instruction], Callable[[], tuple[Any, ...]]]:
    """The update's instructions for the parameters ``entries`` (``(index in the optimizer's
    params, value, gradient)``: those the step updates), and a function returning the
    settings they depend on."""
    plain = type(optimizer).step is SGD.step and "step" not in vars(optimizer)
    wide = all(p.dtype == np.float64 and g.dtype == np.float64 for _, p, g in entries)
    settings = functools.partial(_sgd_settings if wide else _typed_sgd_settings, optimizer)
    if plain and not any(group.get("dampening") or group.get("maximize") for group in optimizer.param_groups):
        return _sgd(optimizer, entries), settings
    if plain:  # with dampening or maximize: SGD.step itself, captured again if a setting changes
        return [(_STEP, (optimizer,))], settings
    return [(_STEP, (optimizer,))], tuple  # (looked up at each replay: a step set on the instance since)

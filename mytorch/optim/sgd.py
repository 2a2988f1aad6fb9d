"""``SGD``: stochastic gradient descent with momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

import operator
from collections.abc import Iterable
from typing import Any

import numpy as np

from mytorch.dtypes import operand_for
from mytorch.optim.optimizer import PIECE_BYTES, Optimizer, check_number, flat_memory, pieces, step_in_place

__all__ = ["SGD"]

_subtract, _multiply = np.subtract, np.multiply  # (NumPy's module has a __getattr__: np.name is a full lookup on 3.11)


class SGD(Optimizer):
    """Stochastic gradient descent, PyTorch's formulation.

    With gradient g: ``d = g + weight_decay * p``; with momentum ``v = momentum * v + (1 -
    dampening) d`` (``v = d`` at a parameter's first step) and ``d = v`` (or ``d + momentum * v``
    for Nesterov); then ``p -= lr * d``.

    Args:
        params: parameters (Tensors or ``(value, gradient)`` pairs) or parameter groups.
        lr: the learning rate, > 0 (PyTorch's default, 1e-3, when not given; it was required
            until 2026-12-04).
        momentum: the velocity's decay, >= 0 (0: plain SGD, no velocity kept).
        nesterov: Nesterov's momentum (needs momentum > 0 and no dampening).
        weight_decay: the L2 penalty's coefficient, >= 0.
        dampening: the share of each gradient left out of the velocity, >= 0 (0).
    """

    state_names = ("velocity",)
    kernel_flags = ("foreach", "differentiable", "fused")
    _rate: tuple[Any, Any, Any] = (None, None, None)  # (lr, dtype, lr as an operand of that dtype): see _step_flat

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0,
        nesterov: bool = False,
        weight_decay: float = 0,
        dampening: float = 0,
    ) -> None:
        defaults = {"lr": lr, "momentum": momentum, "nesterov": nesterov, "weight_decay": weight_decay}
        super().__init__(params, {**defaults, "dampening": dampening})
        self._flat = self._flat_layout()
        self._scratch: list[np.ndarray] = []  # the flat update's two temporaries (one piece each)

    def _flat_layout(self) -> tuple[list[Any], list[Any], np.ndarray, np.ndarray, np.ndarray | None] | None:
        """When one group's parameters tile two flat arrays (``flat_memory``), what ``step``
        needs to update them all at once: the parameters and velocities as they are now (the
        layout holds while they stay these objects), the flat values and gradients, and one
        flat velocity, of which every parameter's velocity becomes a view."""
        tiles = flat_memory(self.params) if len(self.param_groups) == 1 else None
        if tiles is None:
            return None
        values, grads = tiles
        velocity = None
        if all(v is not None for v in self.velocity):
            velocity = np.zeros_like(values)
            offset = 0
            for i, v in enumerate(self.velocity):
                self.velocity[i] = velocity[offset : offset + v.size].reshape(v.shape)
                offset += v.size
        return list(self.params), list(self.velocity), values, grads, velocity

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Copied (``copy.deepcopy``) or unpickled: the flat layout is found again, as the copy's
        arrays are (a copy of a view shares no memory with the copy of its base: the flat update
        wrote into copied flat arrays that no parameter was a view of any more)."""
        super().__setstate__(state)
        self._relayout()

    def _relayout(self) -> None:
        """Look again for the flat layout of the parameters' arrays as they are now (see
        ``_flat_layout``), the velocities keeping their values: after a copy, or after the
        arrays were packed anew into flat memory (a copied ``hw_bonus`` MLP)."""
        kept = list(self.velocity)
        self._flat = self._flat_layout()
        for now, before in zip(self.velocity, kept):
            if now is not before and before is not None:
                now[...] = before

    def _check_hyper_parameters(self, group: dict[str, Any]) -> None:
        super()._check_hyper_parameters(group)
        group["momentum"] = check_number("SGD", "momentum", group["momentum"], allow_zero=True)
        group["weight_decay"] = check_number("SGD", "weight_decay", group["weight_decay"], allow_zero=True)
        group["dampening"] = check_number("SGD", "dampening", group.get("dampening", 0), allow_zero=True)
        group["nesterov"] = bool(group["nesterov"])
        if group["nesterov"] and (group["momentum"] == 0 or group["dampening"]):
            raise ValueError("SGD: nesterov=True needs a momentum > 0 and dampening 0")

    def _fresh_state(self, name: str, value: np.ndarray, group: dict[str, Any]) -> np.ndarray | None:
        # (with dampening, no velocity until the first step, which sets it to the gradient)
        return np.zeros_like(value) if group["momentum"] and not group["dampening"] else None

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        flat = self._flat
        if flat is not None:
            params, held_params, group = self.params, flat[0], self.param_groups[0]
            if (  # (the list holds the very objects it held: no pair was replaced; compared in C)
                len(params) == len(held_params)
                and all(map(operator.is_, params, held_params))
                # the velocities, read only with a momentum: none replaced, the flat one there, and
                # no dampening (set since the optimizer was made: the flat update adds all of d)
                and (not group["momentum"] or (not group.get("dampening") and self._flat_velocity_holds(flat)))
            ):
                self._step_flat(flat[2], flat[3], flat[4])
                return
        groups = self.param_groups
        if len(groups) == 1:
            group = groups[0]
            if not (group["momentum"] or group["weight_decay"]):
                self._step_plain(group["lr"])
                return
        velocity = self.velocity
        for group, entries in self._groups_with_grads():
            lr, mu, wd, nesterov = group["lr"], group["momentum"], group["weight_decay"], group["nesterov"]
            kept = 1.0 - group.get("dampening", 0)
            for i, p, g in entries:
                d = g + wd * p if wd else g
                if mu:
                    v = velocity[i]
                    if v is None:  # the first step with dampening, or momentum set after the optimizer was made
                        v = velocity[i] = np.array(d, dtype=p.dtype)
                    else:
                        v *= mu
                        v += d if kept == 1.0 else kept * d
                    d = d + mu * v if nesterov else v
                delta = lr * d
                try:  # (``step_in_place``'s first try written out: it runs once per parameter and step)
                    p -= delta
                except ValueError:  # read-only: a live graph saved it (or the user's own array)
                    step_in_place(p, delta, "SGD")

    def _step_plain(self, lr: float) -> None:
        """``step`` for one group without momentum or weight decay: ``p -= lr * g`` for every
        parameter with a gradient, in one loop over ``params`` (a pair's arrays, a Tensor's
        array and its ``.grad``'s, read now), with the general loop's arithmetic."""
        dtypes = self._dtypes
        rate = self._rate  # (lr as an operand of the gradients' dtype, as in _step_flat: the same bits)
        if rate[0] is not lr:
            rate = (lr, None, lr)
        i = -1
        for p in self.params:
            i += 1
            if isinstance(p, tuple):  # (a pair)
                value, g = p
            else:
                grad = p._grad  # (``p.grad``'s value, read without the property's call)
                if grad is None:
                    continue
                value, g = p._data, grad._data
                if value.dtype is not dtypes[i]:
                    self._follow_dtype(i, value.dtype)
            dtype = g.dtype
            if dtype is not rate[1]:
                rate = self._rate = (lr, dtype, operand_for(lr, dtype))
            delta = rate[2] * g
            try:  # (``step_in_place``'s first try written out)
                value -= delta
            except ValueError:  # read-only: a live graph saved it (or the user's own array)
                step_in_place(value, delta, "SGD")

    def _flat_velocity_holds(self, flat: tuple[Any, ...]) -> bool:
        """Whether the velocities are still the views of the flat velocity ``_flat_layout`` made
        (none replaced in ``self.velocity``)."""
        velocity, held = self.velocity, flat[1]
        return flat[4] is not None and len(velocity) == len(held) and all(map(operator.is_, velocity, held))

    def _step_flat(self, p: np.ndarray, g: np.ndarray, v: np.ndarray | None) -> None:
        """``step`` over the flat values ``p``, gradients ``g`` and velocity ``v``: the same
        elementwise arithmetic as per parameter, so the same numbers."""
        group = self.param_groups[0]
        lr, mu, wd, nesterov = group["lr"], group["momentum"], group["weight_decay"], group["nesterov"]
        scratch = self._scratch
        dtype = p.dtype
        if not (mu or wd) and scratch and scratch[1].dtype is dtype and len(scratch[1]) == p.size:
            # Plain SGD on a model that fits in one piece (the small models' case): the update
            # below in two calls. A read-only p makes NumPy refuse the output before writing it
            # (only the scratch holds lr * g then), and the update goes the way below. lr as a
            # 0-d array of p's dtype, made again when lr or the dtype changes: the same numbers,
            # without NumPy converting the Python float at each step (mytorch.dtypes.operand).
            rate = self._rate
            if rate[0] is not lr or rate[1] is not dtype:
                rate = self._rate = (lr, dtype, operand_for(lr, dtype))
            try:
                _subtract(p, _multiply(rate[2], g, scratch[1]), p)
                return
            except ValueError:
                if p.flags.writeable:
                    raise
        if not p.flags.writeable:  # (a Tensor graph saved it: step_in_place lifts the lock)
            d = g + wd * p if wd else g
            if mu and v is not None:  # (step checked that v is there when mu is not 0)
                v *= mu
                v += d
                d = d + mu * v if nesterov else v
            step_in_place(p, lr * d, "SGD")
            return
        # Piece by piece, the temporaries in scratch memory of one piece (they stay in the cache).
        # (NumPy's out= by position below: a keyword costs each call about 0.1 us more)
        if not scratch or (scratch[0].dtype is not p.dtype and scratch[0].dtype != p.dtype):
            scratch = self._scratch = list(np.empty((2, min(p.size, PIECE_BYTES // p.itemsize)), p.dtype))
        arrays = [p, g] if v is None else [p, g, v]
        # (a model as small as the temporaries, in one piece, needs no cutting)
        for pp, gp, *vp in [arrays] if p.size == len(scratch[0]) else pieces(arrays):
            # (a piece the size of the temporaries, as a small model's one piece: no slicing)
            temp, step = scratch if pp.size == len(scratch[0]) else (scratch[0][: pp.size], scratch[1][: pp.size])
            d = gp
            if wd:
                d = np.add(gp, np.multiply(wd, pp, temp), temp)
            if mu and vp:
                vv = vp[0]
                vv *= mu
                vv += d
                d = np.add(d, np.multiply(mu, vv, step), temp) if nesterov else vv
            np.subtract(pp, np.multiply(lr, d, step), pp)

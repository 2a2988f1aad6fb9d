"""``LBFGS``: PyTorch's limited-memory BFGS, with fixed steps (``line_search_fn=None``) or
PyTorch's strong-Wolfe line search (``line_search_fn="strong_wolfe"``: a bracketing phase then
a zoom, each trial step from the cubic through two points' losses and slopes): the same
two-loop recursion, step sizes, stopping rules and order of operations, on the
parameters seen as one flat vector. ``step(closure)`` calls ``closure`` (which must zero the
gradients, compute the loss, call ``backward`` and return the loss) as often as PyTorch does.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from mytorch.optim.optimizer import Optimizer, OptimizerState, step_in_place
from mytorch.saved import write_begin, write_end
from mytorch.tensor import Tensor

__all__ = ["LBFGS"]

_HISTORY = ("d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad", "prev_loss")


def _tensors(value: Any) -> Any:
    """An array of the history as a Tensor (lists of them too), as PyTorch's state holds them."""
    if isinstance(value, np.ndarray):
        return Tensor(value)
    if isinstance(value, list):
        return [_tensors(v) for v in value]
    return value


def _arrays(value: Any) -> Any:
    """``_tensors`` undone."""
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, list):
        return [_arrays(v) for v in value]
    return value


class _FirstParameterState(OptimizerState):
    """LBFGS's ``optimizer.state``: the first parameter's entry is the search's own dict (live:
    ``func_evals``, ``n_iter``, ``d``, ``old_dirs``, ... as Tensors after a step), as PyTorch's
    ``state[self._params[0]]``; ``state_dict`` still leaves it out."""

    def __getitem__(self, p: Any) -> Any:
        if self._first(p):
            return self._optimizer._memory
        return super().__getitem__(p)

    def _first(self, p: Any) -> bool:
        params = self._optimizer.params
        return bool(params) and isinstance(p, Tensor) and p is params[0]

    def _searched(self) -> bool:
        return self._optimizer._memory.get("func_evals", 0) > 0

    def __contains__(self, p: object) -> bool:
        return (self._first(p) and self._searched()) or super().__contains__(p)

    def __iter__(self) -> Iterator[Any]:
        first = [self._optimizer.params[0]] if self._optimizer.params and self._searched() else []
        return iter(first + [p for p in super().__iter__() if not self._first(p)])


class LBFGS(Optimizer):
    """PyTorch's ``LBFGS(params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
    tolerance_change=1e-9, history_size=100, line_search_fn=None)``; one parameter group.
    The search history is ``optimizer.state[first parameter]`` (``func_evals``, ``n_iter``, ``d``,
    ``old_dirs``, ...), as PyTorch's; ``state_dict`` does not hold it.

    Raises:
        ValueError: a ``line_search_fn`` other than None and ``"strong_wolfe"`` (PyTorch's
            raises a RuntimeError when stepping), or more than one parameter group.
        NotImplementedError: ``maximize=True`` (PyTorch's LBFGS has none, and its groups no
            ``maximize`` key: neither have MyTorch's since 2026-12-04).
    """

    ascends = False
    retired_hyper_parameters = ("maximize",)  # (a state saved before 2026-12-04 holds it)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        max_eval = max_iter * 5 // 4 if max_eval is None else max_eval
        defaults: dict[str, Any] = {"lr": lr, "max_iter": max_iter, "max_eval": max_eval}
        defaults.update(history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, {**defaults, "tolerance_grad": tolerance_grad, "tolerance_change": tolerance_change})
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS: takes one parameter group (as PyTorch's)")
        self._memory: dict[str, Any] = {}  # (func_evals and n_iter from the first step, as PyTorch's)
        self.__dict__["state"] = _FirstParameterState(self)

    def _reset_state(self, indices: Iterable[int] | None = None, names: Iterable[str] | None = None) -> None:
        """``opt.state.clear()`` or ``opt.state = {}``: the search history starts afresh too, as PyTorch's."""
        super()._reset_state(indices, names)
        if indices is None:
            self._memory = {}

    def _flat_grad(self) -> np.ndarray:
        parts = []
        for p in self.params:
            if isinstance(p, tuple):
                parts.append(p[1].reshape(-1))
            else:
                grad = p._grad
                parts.append(np.zeros(p._data.size, p._data.dtype) if grad is None else grad._data.reshape(-1))
        return np.concatenate(parts)

    def _add_to_params(self, t: float, d: np.ndarray) -> None:
        offset = 0
        for p in self.params:
            value = p[0] if isinstance(p, tuple) else p._data
            step = (-t * d[offset : offset + value.size]).reshape(value.shape).astype(value.dtype, copy=False)
            step_in_place(value, step, "LBFGS")  # value -= step, i.e. value += t d
            offset += value.size

    def _values(self) -> list[np.ndarray]:
        return [p[0] if isinstance(p, tuple) else p._data for p in self.params]

    def _set_values(self, saved: list[np.ndarray]) -> None:
        """The parameters' values back to ``saved`` exactly (the line search's trial steps undone)."""
        for value, old in zip(self._values(), saved):
            try:
                np.copyto(value, old)
            except ValueError:
                if value.flags.writeable:
                    raise
                lifted = write_begin(value, "LBFGS.step")
                try:
                    np.copyto(value, old)
                finally:
                    write_end(lifted)

    def _strong_wolfe(
        self, evaluate: Callable[[], float], t: float, d: np.ndarray, loss: float, grad: np.ndarray, gtd: float
    ) -> tuple[float, np.ndarray, float, int]:
        """PyTorch's strong-Wolfe search along ``d`` from the current parameters (loss ``loss``,
        gradient ``grad``, slope ``gtd``), first trying step ``t`` (c1 = 1e-4, c2 = 0.9, at most
        25 evaluations, stopping when the bracket is narrower than ``tolerance_change``). Leaves
        the parameters as they were; returns the chosen step's loss, gradient, step and the
        number of evaluations."""
        c1, c2, max_ls = 1e-4, 0.9, 25
        tolerance_change = self.param_groups[0]["tolerance_change"]
        start = [value.copy() for value in self._values()]

        def at(step: float) -> tuple[float, np.ndarray, float]:
            self._add_to_params(step, d)
            f = evaluate()
            g = self._flat_grad()
            self._set_values(start)
            return f, g, float(g @ d)

        d_norm = float(np.abs(d).max())
        f_new, g_new, gtd_new = at(t)
        evals, ls_iter = 1, 0
        t_prev, f_prev, g_prev, gtd_prev = 0.0, loss, grad, gtd
        done = False
        # bracketing: grow the step until a bracket holds a point meeting the conditions
        while ls_iter < max_ls:
            sufficient = f_new <= loss + c1 * t * gtd and not (ls_iter > 1 and f_new >= f_prev)
            if sufficient and abs(gtd_new) <= -c2 * gtd:
                steps, fs, gs, slopes = [t], [f_new], [g_new], [gtd_new]
                done = True
                break
            if not sufficient or gtd_new >= 0:
                steps, fs, gs, slopes = [t_prev, t], [f_prev, f_new], [g_prev, g_new], [gtd_prev, gtd_new]
                break
            bounds = (t + 0.01 * (t - t_prev), t * 10)
            t_prev, t = t, _cubic_minimum(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds)
            f_prev, g_prev, gtd_prev = f_new, g_new, gtd_new
            f_new, g_new, gtd_new = at(t)
            evals += 1
            ls_iter += 1
        if ls_iter == max_ls:
            steps, fs, gs, slopes = [0.0, t], [loss, f_new], [grad, g_new], [gtd, gtd_new]
        # zoom: shrink the bracket [low, high] around a point meeting both conditions
        stalled = False
        low, high = (0, 1) if fs[0] <= fs[-1] else (1, 0)
        while not done and ls_iter < max_ls:
            if abs(steps[1] - steps[0]) * d_norm < tolerance_change:
                break
            t = _cubic_minimum(steps[0], fs[0], slopes[0], steps[1], fs[1], slopes[1])
            top, bottom = max(steps), min(steps)
            margin = 0.1 * (top - bottom)
            if min(top - t, t - bottom) < margin:  # too near an end: move inside, or note it
                if stalled or t >= top or t <= bottom:
                    t = top - margin if abs(t - top) < abs(t - bottom) else bottom + margin
                    stalled = False
                else:
                    stalled = True
            else:
                stalled = False
            f_new, g_new, gtd_new = at(t)
            evals += 1
            ls_iter += 1
            if f_new > loss + c1 * t * gtd or f_new >= fs[low]:
                steps[high], fs[high], gs[high], slopes[high] = t, f_new, g_new, gtd_new
                low, high = (0, 1) if fs[0] <= fs[1] else (1, 0)
            else:
                if abs(gtd_new) <= -c2 * gtd:
                    done = True
                elif gtd_new * (steps[high] - steps[low]) >= 0:
                    steps[high], fs[high], gs[high], slopes[high] = steps[low], fs[low], gs[low], slopes[low]
                steps[low], fs[low], gs[low], slopes[low] = t, f_new, g_new, gtd_new
        return fs[low], gs[low], steps[low], evals

    def _check_hyper_parameters(self, group: dict[str, Any]) -> None:
        super()._check_hyper_parameters(group)
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got {group['line_search_fn']!r}")

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Up to ``max_iter`` L-BFGS iterations from the loss and gradient ``closure`` gives;
        returns the first loss."""
        from mytorch.autograd_engine import enable_grad

        if closure is None:
            raise TypeError("LBFGS.step: needs a closure that re-evaluates the model and returns the loss")
        group, state = self.param_groups[0], self._memory
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        def evaluate() -> Any:
            with enable_grad():
                return closure()

        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history = group["history_size"]
        orig_loss = evaluate()
        loss = float(orig_loss.item() if isinstance(orig_loss, Tensor) else orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        if np.abs(flat_grad).max() <= tolerance_grad:
            return orig_loss
        saved: dict[str, Any] = {name: _arrays(state.get(name)) for name in _HISTORY}
        d, t, old_dirs, old_stps, ro = (saved[name] for name in _HISTORY[:5])
        h_diag, prev_flat_grad, prev_loss = (saved[name] for name in _HISTORY[5:])
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d, old_dirs, old_stps, ro, h_diag = -flat_grad, [], [], [], 1.0
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = float(y @ s)
                if ys > 1e-10:
                    if len(old_dirs) == history:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / float(y @ y)
                al = [0.0] * len(old_dirs)
                q = -flat_grad
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = float(old_stps[i] @ q) * ro[i]
                    q = q - al[i] * old_dirs[i]
                d = r = q * h_diag
                for i in range(len(old_dirs)):
                    be_i = float(old_dirs[i] @ r) * ro[i]
                    r = r + (al[i] - be_i) * old_stps[i]
                d = r
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss
            t = min(1.0, 1.0 / float(np.abs(flat_grad).sum())) * lr if state["n_iter"] == 1 else lr
            gtd = float(flat_grad @ d)
            if gtd > -tolerance_change:
                break
            ls_func_evals = 0
            opt_cond = False
            if group.get("line_search_fn") == "strong_wolfe":

                def number() -> float:
                    value = evaluate()
                    return float(value.item() if isinstance(value, Tensor) else value)

                loss, flat_grad, t, ls_func_evals = self._strong_wolfe(number, t, d, loss, flat_grad, gtd)
                self._add_to_params(t, d)
                opt_cond = bool(np.abs(flat_grad).max() <= tolerance_grad)
            else:
                self._add_to_params(t, d)
            if group.get("line_search_fn") is None and n_iter != max_iter:
                value = evaluate()
                loss = float(value.item() if isinstance(value, Tensor) else value)
                flat_grad = self._flat_grad()
                opt_cond = bool(np.abs(flat_grad).max() <= tolerance_grad)
                ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if np.abs(d * t).max() <= tolerance_change or abs(loss - prev_loss) < tolerance_change:
                break
        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=h_diag)
        state.update(prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        for name in ("d", "old_dirs", "old_stps", "prev_flat_grad"):  # (as Tensors, PyTorch's)
            state[name] = _tensors(state[name])
        return orig_loss


def _cubic_minimum(
    x1: float, f1: float, g1: float, x2: float, f2: float, g2: float, bounds: tuple[float, float] | None = None
) -> float:
    """The minimiser, within ``bounds`` (default: between x1 and x2), of the cubic through
    (x1, f1) and (x2, f2) with slopes g1 and g2; the middle of the bounds if it has none."""
    low, high = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    square = d1 * d1 - g1 * g2
    if square < 0:
        return (low + high) / 2
    d2 = math.sqrt(square)
    if x1 <= x2:
        point = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        point = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(point, low), high)


# the step calls the closure, which makes new gradients: the optimizers' maximize wrapper (which
# negates the gradients around a step) does not apply; step refuses maximize itself
LBFGS.step = getattr(LBFGS.step, "__wrapped__", LBFGS.step)  # type: ignore[method-assign]

"""``LBFGS``: PyTorch's limited-memory BFGS without a line search (its ``line_search_fn=None``):
the same two-loop recursion, step sizes, stopping rules and order of operations, on the
parameters seen as one flat vector. ``step(closure)`` calls ``closure`` (which must zero the
gradients, compute the loss, call ``backward`` and return the loss) as often as PyTorch does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from mytorch.optim.optimizer import Optimizer, step_in_place
from mytorch.tensor import Tensor

__all__ = ["LBFGS"]

_HISTORY = ("d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad", "prev_loss")


class LBFGS(Optimizer):
    """PyTorch's ``LBFGS(params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
    tolerance_change=1e-9, history_size=100, line_search_fn=None)``; one parameter group.
    The search history lives on the optimizer (``state_dict`` does not hold it).

    Raises:
        NotImplementedError: ``line_search_fn="strong_wolfe"`` (not supported by MyTorch), or
            ``maximize=True`` (PyTorch's LBFGS has none).
        ValueError: more than one parameter group.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        if line_search_fn is not None:
            raise NotImplementedError("LBFGS: line_search_fn is not supported by MyTorch (use None: fixed steps)")
        max_eval = max_iter * 5 // 4 if max_eval is None else max_eval
        defaults = {"lr": lr, "max_iter": max_iter, "max_eval": max_eval, "history_size": history_size}
        super().__init__(params, {**defaults, "tolerance_grad": tolerance_grad, "tolerance_change": tolerance_change})
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS: takes one parameter group (as PyTorch's)")
        self._memory: dict[str, Any] = {"func_evals": 0, "n_iter": 0}

    def _reset_state(self, indices: Iterable[int] | None = None, names: Iterable[str] | None = None) -> None:
        """``opt.state.clear()`` or ``opt.state = {}``: the search history starts afresh too, as PyTorch's."""
        super()._reset_state(indices, names)
        if indices is None:
            self._memory = {"func_evals": 0, "n_iter": 0}

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

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Up to ``max_iter`` L-BFGS iterations from the loss and gradient ``closure`` gives;
        returns the first loss."""
        from mytorch.autograd_engine import enable_grad

        if closure is None:
            raise TypeError("LBFGS.step: needs a closure that re-evaluates the model and returns the loss")
        if any(group["maximize"] for group in self.param_groups):
            raise NotImplementedError("LBFGS: maximize=True is not supported (PyTorch's LBFGS has no maximize)")
        group, state = self.param_groups[0], self._memory

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
        saved: dict[str, Any] = {name: state.get(name) for name in _HISTORY}
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
            self._add_to_params(t, d)
            opt_cond = False
            if n_iter != max_iter:
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
        return orig_loss


# the step calls the closure, which makes new gradients: the optimizers' maximize wrapper (which
# negates the gradients around a step) does not apply; step refuses maximize itself
LBFGS.step = getattr(LBFGS.step, "__wrapped__", LBFGS.step)  # type: ignore[method-assign]

"""Learning-rate schedules, PyTorch's update rules: ``StepLR``, ``MultiStepLR``, ``ExponentialLR``,
``CosineAnnealingLR``, ``LambdaLR``, ``LinearLR``, ``ConstantLR``, ``OneCycleLR``,
``ReduceLROnPlateau``, ``MultiplicativeLR``, ``PolynomialLR``, ``CosineAnnealingWarmRestarts``,
``CyclicLR``, ``ChainedScheduler`` and ``SequentialLR``.

A scheduler rewrites ``optimizer.param_groups[i]["lr"]``; call ``scheduler.step()`` once per
epoch, after the epoch's ``optimizer.step()`` calls (``ReduceLROnPlateau``: ``step(metric)``,
with the epoch's validation loss or accuracy). They follow PyTorch's recursive forms (each rate
computed from the previous one), so a ported script sees the same rates.
"""

from __future__ import annotations

import bisect
import math
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from mytorch.optim.optimizer import Optimizer, as_given, check_number

__all__ = [
    "ChainedScheduler",
    "CyclicLR",
    "SequentialLR",
    "ConstantLR",
    "CosineAnnealingWarmRestarts",
    "MultiplicativeLR",
    "PolynomialLR",
    "CosineAnnealingLR",
    "LinearLR",
    "OneCycleLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "MultiStepLR",
    "ReduceLROnPlateau",
    "StepLR",
]


STEPPING: list[tuple[int, list[Any]]] = []
"""``(thread id, list)``: every scheduler that steps in that thread is added to the list
(``mytorch.replay`` watches a step it captures so: a replay would not step the scheduler)."""


def _noted(scheduler: object) -> None:
    here = threading.get_ident()
    for thread, stepped in STEPPING:
        if thread == here:
            stepped.append(scheduler)


def _checked(scheduler: object, optimizer: Any) -> Optimizer:
    if not isinstance(optimizer, Optimizer):
        got = type(optimizer).__name__
        raise TypeError(f"{type(scheduler).__name__}: expected a mytorch.optim optimizer, got {got}")
    return optimizer


def _current(optimizer: Optimizer) -> list[float]:
    return [group["lr"] for group in optimizer.param_groups]


class LRScheduler:
    """Base class: remembers each group's initial rate and counts epochs (``last_epoch``).

    Args:
        optimizer: the optimizer whose learning rates it sets.
        last_epoch: the epoch to resume from (-1: a fresh start).
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1, verbose: Any = "deprecated") -> None:
        self.optimizer = _checked(self, optimizer)  # (``verbose``: PyTorch's deprecated flag, accepted and unused)
        for group in optimizer.param_groups:
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(
                    f"{type(self).__name__}: resuming at last_epoch={last_epoch} needs 'initial_lr' in every group"
                )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial = True  # the constructor's step (PyTorch's ``_is_initial``, which a schedule may read)
        self.step()
        self._initial = False

    def get_lr(self) -> list[float]:
        """The groups' rates for epoch ``last_epoch`` (subclasses define this)."""
        raise NotImplementedError(f"{type(self).__name__}.get_lr: a scheduler subclass defines get_lr()")

    def step(self) -> None:
        """Move to the next epoch and set its learning rates."""
        if STEPPING:  # (a replay capturing a step)
            _noted(self)
        if len(self.optimizer.param_groups) != len(self.base_lrs):
            raise RuntimeError(
                f"{type(self).__name__}.step: the optimizer has {len(self.optimizer.param_groups)} parameter groups, "
                f"the scheduler was made for {len(self.base_lrs)} (add_param_group after the scheduler: make the "
                "scheduler again)"
            )
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The rates the last ``step`` set."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, object]:
        """The scheduler's counters and settings (not the optimizer)."""
        return {k: v for k, v in vars(self).items() if k != "optimizer"}

    def load_state_dict(self, state: dict[str, object]) -> None:
        """Restore what ``state_dict`` saved."""
        vars(self).update(state)


class _LRScheduler(LRScheduler):
    """PyTorch's older name of ``LRScheduler``, which custom schedulers written for it subclass."""


class StepLR(LRScheduler):
    """Multiply the rate by ``gamma`` every ``step_size`` epochs."""

    def __init__(self, optimizer: Optimizer, step_size: float, gamma: float = 0.1, last_epoch: int = -1) -> None:
        # a float is PyTorch's too (its word-language-model tutorial passes 1.0): the epoch decays
        # when epoch % step_size is 0
        self.step_size = _period("StepLR", "step_size", step_size)
        self.gamma = check_number("StepLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The rates for this epoch from the current ones: times ``gamma`` every ``step_size``-th epoch."""
        rates = [group["lr"] for group in self.optimizer.param_groups]
        if self.last_epoch == 0 or self.last_epoch % self.step_size:
            return rates
        return [lr * self.gamma for lr in rates]


class CosineAnnealingLR(LRScheduler):
    """Anneal each rate from its initial value to ``eta_min`` along half a cosine over ``T_max``
    epochs: lr_t = eta_min + (lr_0 - eta_min) (1 + cos(pi t / T_max)) / 2 (then back up, as in
    PyTorch, if stepped past ``T_max``)."""

    def __init__(self, optimizer: Optimizer, T_max: float, eta_min: float = 0.0, last_epoch: int = -1) -> None:  # noqa: N803
        self.T_max = _period("CosineAnnealingLR", "T_max", T_max)
        self.eta_min = check_number("CosineAnnealingLR", "eta_min", eta_min, allow_zero=True)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The rates for this epoch from the current ones, one step along the cosine (PyTorch's recursive form)."""
        groups, t, T, low = self.optimizer.param_groups, self.last_epoch, self.T_max, self.eta_min
        if t == 0 or self._initial:  # (resumed at last_epoch > -1: the rates as they are, as in PyTorch)
            return [group["lr"] for group in groups]
        if (t - 1 - T) % (2 * T) == 0:  # the bottom of the cosine: step back up
            return [
                group["lr"] + (base - low) * (1 - math.cos(math.pi / T)) / 2
                for base, group in zip(self.base_lrs, groups)
            ]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (group["lr"] - low) + low for group in groups]


class MultiStepLR(LRScheduler):
    """Multiply the rate by ``gamma`` at each epoch of ``milestones`` (a milestone listed twice
    multiplies by ``gamma`` twice)."""

    def __init__(
        self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        self.milestones = Counter(int(m) for m in milestones)
        self.gamma = check_number("MultiStepLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The current rates, times ``gamma`` (per listing) at a milestone."""
        times = self.milestones.get(self.last_epoch, 0)
        return [lr * self.gamma**times for lr in _current(self.optimizer)] if times else _current(self.optimizer)


class ExponentialLR(LRScheduler):
    """Multiply the rate by ``gamma`` every epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = check_number("ExponentialLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The current rates times ``gamma`` (unchanged at the first epoch)."""
        if self.last_epoch == 0 or self._initial:
            return _current(self.optimizer)
        return [lr * self.gamma for lr in _current(self.optimizer)]


def _lambdas(scheduler: object, optimizer: Any, lr_lambda: Any) -> list[Callable[[int], float]]:
    """``lr_lambda`` as one function per parameter group (one given for all, or a list)."""
    name = type(scheduler).__name__
    groups = len(_checked(scheduler, optimizer).param_groups)
    lambdas = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda] * groups
    if len(lambdas) != groups:
        raise ValueError(f"{name}: expected {groups} lr_lambdas (one per parameter group), got {len(lambdas)}")
    if not all(callable(f) for f in lambdas):
        raise TypeError(f"{name}: lr_lambda must be a function of the epoch (or a list of them)")
    return lambdas


class LambdaLR(LRScheduler):
    """Each group's rate is its initial rate times ``lr_lambda(epoch)`` (one function for every
    group, or a list of one per group). ``state_dict`` leaves the functions out, as PyTorch's does
    for plain functions (make the scheduler with them again, then load)."""

    def __init__(
        self,
        optimizer: Optimizer,
        lr_lambda: Callable[[int], float] | list[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        self.lr_lambdas = _lambdas(self, optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """``initial_lr * lr_lambda(last_epoch)`` for each group."""
        return [base * as_given(f(self.last_epoch)) for base, f in zip(self.base_lrs, self.lr_lambdas)]

    def state_dict(self) -> dict[str, object]:
        """The counters and settings, without the functions."""
        return {k: v for k, v in super().state_dict().items() if k != "lr_lambdas"}


class ReduceLROnPlateau(LRScheduler):
    """Multiply the rates by ``factor`` once the metric given to ``step(metric)`` has not improved
    for more than ``patience`` epochs, then wait ``cooldown`` epochs before counting again;
    never below ``min_lr`` (and not by less than ``eps``).

    Args:
        optimizer: the optimizer whose rates it sets.
        mode: "min" (a loss: lower is better) or "max" (an accuracy).
        factor: the multiplier, < 1 (0.1).
        patience: epochs without improvement tolerated (10).
        threshold, threshold_mode: what improves: beyond ``best * (1 -+ threshold)`` ("rel") or
            ``best -+ threshold`` ("abs").
        cooldown: epochs after a reduction before bad epochs count again.
        min_lr: the lowest rate, one number or one per group.
        eps: a reduction smaller than this is skipped.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | list[float] = 0.0,
        eps: float = 1e-8,
    ) -> None:
        self.optimizer = _checked(self, optimizer)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be < 1.0, got {factor}")
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode {mode!r} is unknown (use 'min' or 'max')")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"ReduceLROnPlateau: threshold mode {threshold_mode!r} is unknown (use 'rel' or 'abs')")
        groups = len(optimizer.param_groups)
        min_lrs = list(min_lr) if isinstance(min_lr, (list, tuple)) else [min_lr] * groups
        if len(min_lrs) != groups:
            raise ValueError(
                f"ReduceLROnPlateau: expected {groups} min_lrs (one per parameter group), got {len(min_lrs)}"
            )
        self.min_lrs = [check_number("ReduceLROnPlateau", "min_lr", m, allow_zero=True) for m in min_lrs]
        # one number: also the floor of a group added later (None: a list, one per group, as given)
        self.default_min_lr = None if isinstance(min_lr, (list, tuple)) else self.min_lrs[0]
        self.factor = check_number("ReduceLROnPlateau", "factor", factor, allow_zero=True)
        self.patience, self.cooldown = int(patience), int(cooldown)
        self.threshold = check_number("ReduceLROnPlateau", "threshold", threshold, allow_zero=True)
        self.eps = check_number("ReduceLROnPlateau", "eps", eps, allow_zero=True)
        self.mode, self.threshold_mode = mode, threshold_mode
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = self.cooldown_counter = self.last_epoch = 0
        self.base_lrs = _current(optimizer)
        self._last_lr = _current(optimizer)

    def is_better(self, a: float, best: float) -> bool:
        """Whether the metric ``a`` improves on ``best`` by the threshold."""
        if self.threshold_mode == "rel":
            scale = 1.0 - self.threshold if self.mode == "min" else 1.0 + self.threshold
            return a < best * scale if self.mode == "min" else a > best * scale
        return a < best - self.threshold if self.mode == "min" else a > best + self.threshold

    def step(self, metrics: Any) -> None:  # type: ignore[override]
        """Count the epoch whose metric is ``metrics`` (a number or a one-element Tensor) and
        reduce the rates if it is one bad epoch too many."""
        if STEPPING:  # (a replay capturing a step)
            _noted(self)
        current = float(getattr(metrics, "item", lambda: metrics)())
        self.last_epoch += 1
        if self.is_better(current, self.best):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._match_groups()
            for group, low in zip(self.optimizer.param_groups, self.min_lrs, strict=True):
                old = float(group["lr"])
                new = max(old * self.factor, low)
                if old - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = _current(self.optimizer)

    def _match_groups(self) -> None:
        """One ``min_lr`` per parameter group, groups added by ``add_param_group`` since
        included, as PyTorch's: reduced too, with the one ``min_lr`` given (they kept their rate
        for good); a list given per group raises ``RuntimeError`` then, as PyTorch's."""
        groups = len(self.optimizer.param_groups)
        if groups == len(self.min_lrs):
            return
        default = getattr(self, "default_min_lr", None)  # (None too for a scheduler saved before it was kept)
        if default is None:
            raise RuntimeError(
                f"ReduceLROnPlateau.step: the optimizer has {groups} parameter groups, min_lr was given for "
                f"{len(self.min_lrs)} (add_param_group after the scheduler): set scheduler.min_lrs to one per group"
            )
        self.min_lrs = [default] * groups


def _fraction(owner: str, name: str, value: float, low_open: bool = False) -> float:
    if not (0 < value <= 1 if low_open else 0 <= value <= 1):
        bounds = "in (0, 1]" if low_open else "in [0, 1]"
        raise ValueError(f"{owner}: {name} must be {bounds}, got {value!r}")
    return float(value)


class LinearLR(LRScheduler):
    """Scale the rate by a factor going linearly from ``start_factor`` to ``end_factor`` over
    ``total_iters`` steps (a warm-up), then keep it (PyTorch's recursive form)."""

    def __init__(
        self,
        optimizer: Optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        self.start_factor = _fraction("LinearLR", "start_factor", start_factor, low_open=True)
        self.end_factor = _fraction("LinearLR", "end_factor", end_factor)
        self.total_iters = int(total_iters)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The rates for this step from the current ones."""
        rates, start, end = _current(self.optimizer), self.start_factor, self.end_factor
        if self.last_epoch == 0:
            return [lr * start for lr in rates]
        if self._initial or self.last_epoch > self.total_iters:
            return rates
        ratio = 1.0 + (end - start) / (self.total_iters * start + (self.last_epoch - 1) * (end - start))
        return [lr * ratio for lr in rates]


class ConstantLR(LRScheduler):
    """Scale the rate by ``factor`` for the first ``total_iters`` steps, then restore it."""

    def __init__(
        self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5, last_epoch: int = -1
    ) -> None:
        self.factor = _fraction("ConstantLR", "factor", factor)
        self.total_iters = int(total_iters)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The rates for this step from the current ones."""
        rates = _current(self.optimizer)
        if self.last_epoch == 0:
            return [lr * self.factor for lr in rates]
        if self.last_epoch != self.total_iters:
            return rates
        return [lr * (1.0 / self.factor) for lr in rates]


def _per_group(owner: str, name: str, value: Any, groups: int) -> list[float]:
    values = list(value) if isinstance(value, (list, tuple)) else [value] * groups
    if len(values) != groups:
        raise ValueError(f"{owner}: expected {groups} values for {name} (one per group), got {len(values)}")
    return [float(v) for v in values]


class OneCycleLR(LRScheduler):
    """The one-cycle policy (Smith), stepped once per batch: the rate rises from
    ``max_lr / div_factor`` to ``max_lr`` over the first ``pct_start`` of ``total_steps`` (or
    ``epochs * steps_per_epoch``), then falls to that start over ``final_div_factor``, along a
    cosine (``anneal_strategy="cos"``) or a line; with ``cycle_momentum`` the momentum (SGD,
    RMSprop) or Adam's beta1 moves the other way, between ``max_momentum`` and ``base_momentum``.
    ``three_phase`` climbs back down to the start before the final fall. PyTorch's formulas; the
    per-group bounds are kept on the scheduler (PyTorch puts them in the groups).

    Raises:
        ValueError: no length, a length or ``pct_start`` out of range, an unknown strategy,
            momentum cycling on an optimizer without momentum or betas, or a step past the end.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | list[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        name = "OneCycleLR"
        optimizer = _checked(self, optimizer)
        if total_steps is not None:
            self.total_steps = _count(name, "total_steps", total_steps)
        elif epochs is not None and steps_per_epoch is not None:
            self.total_steps = _count(name, "epochs", epochs) * _count(name, "steps_per_epoch", steps_per_epoch)
        else:
            raise ValueError(f"{name}: define either total_steps or (epochs and steps_per_epoch)")
        if not 0 <= pct_start <= 1:
            raise ValueError(f"{name}: pct_start must be a float between 0 and 1, got {pct_start!r}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"{name}: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}")
        self.anneal_strategy = anneal_strategy
        n, up = self.total_steps, float(pct_start) * self.total_steps
        # (end step, lr from, lr to, momentum from, momentum to): rates 0 start, 1 max, 2 min; momenta
        # 0 max_momentum, 1 base_momentum
        self.phases = [(up - 1, 0, 1, 0, 1), (n - 1, 1, 2, 1, 0)]
        if three_phase:
            self.phases = [(up - 1, 0, 1, 0, 1), (2 * up - 2, 1, 0, 1, 0), (n - 1, 0, 2, 0, 0)]
        groups = len(optimizer.param_groups)
        peaks = _per_group(name, "max_lr", max_lr, groups)
        div_factor, final_div_factor = float(div_factor), float(final_div_factor)  # (not a NumPy number's precision)
        self.lr_points = [(peak / div_factor, peak, peak / div_factor / final_div_factor) for peak in peaks]
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(f"{name}: the optimizer must have a momentum or betas with cycle_momentum=True")
            self.use_beta1 = "betas" in optimizer.defaults
            highs = _per_group(name, "max_momentum", max_momentum, groups)
            lows = _per_group(name, "base_momentum", base_momentum, groups)
            self.momentum_points = list(zip(highs, lows))
        if last_epoch == -1:
            for group, (start, _, _) in zip(optimizer.param_groups, self.lr_points):
                group["initial_lr"] = start
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, fraction: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * fraction) + 1)
        return (end - start) * fraction + start

    def get_lr(self) -> list[float]:
        """The rates for step ``last_epoch`` (and, with ``cycle_momentum``, the momenta, set here)."""
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {step} times; the total number of steps is {self.total_steps}")
        begin = 0.0
        for i, phase in enumerate(self.phases):  # (past the last phase's end: its line extended)
            if step <= phase[0] or i == len(self.phases) - 1:
                break
            begin = phase[0]
        end_step, lr_from, lr_to, m_from, m_to = phase
        fraction = (step - begin) / (end_step - begin)
        rates = []
        for g, group in enumerate(self.optimizer.param_groups):
            points = self.lr_points[g]
            rates.append(self._anneal(points[lr_from], points[lr_to], fraction))
            if self.cycle_momentum:
                momentum = self._anneal(self.momentum_points[g][m_from], self.momentum_points[g][m_to], fraction)
                if self.use_beta1:
                    group["betas"] = (momentum, *group["betas"][1:])
                else:
                    group["momentum"] = momentum
        return rates


def _period(owner: str, name: str, value: Any) -> Any:
    """``value`` as given if it is a finite positive number (an int stays an int, for ``state_dict``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
        raise ValueError(f"{owner}: {name} must be a positive number, got {value!r}")
    return value


def _count(owner: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{owner}: expected a positive integer {name}, got {value!r}")
    return value


class MultiplicativeLR(LambdaLR):
    """Multiply each group's rate by ``lr_lambda(epoch)`` every epoch after the first (one
    function, or one per group); ``state_dict`` leaves the functions out, as ``LambdaLR``'s."""

    def get_lr(self) -> list[float]:
        """The current rates times ``lr_lambda(last_epoch)`` (unchanged at the constructor's step;
        at a ``SequentialLR`` milestone, epoch 0, times ``lr_lambda(0)``, as in PyTorch)."""
        if not self._initial:
            return [lr * as_given(f(self.last_epoch)) for lr, f in zip(_current(self.optimizer), self.lr_lambdas)]
        return _current(self.optimizer)


class PolynomialLR(LRScheduler):
    """Decay each rate to 0 over ``total_iters`` epochs as ``(1 - t / total_iters) ** power``
    (PyTorch's recursive form); unchanged after ``total_iters``."""

    def __init__(self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0, last_epoch: int = -1) -> None:
        self.total_iters = _count("PolynomialLR", "total_iters", total_iters)
        self.power = float(power)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The current rates times this epoch's decay factor."""
        t, n = self.last_epoch, self.total_iters
        if self._initial or t == 0 or t > n:
            return _current(self.optimizer)
        factor = ((1.0 - t / n) / (1.0 - (t - 1) / n)) ** self.power
        return [lr * factor for lr in _current(self.optimizer)]


class CosineAnnealingWarmRestarts(LRScheduler):
    """SGDR (Loshchilov & Hutter): cosine annealing from each initial rate to ``eta_min`` over
    ``T_0`` epochs, then a restart, each period ``T_mult`` times the one before."""

    def __init__(
        self,
        optimizer: Optimizer,
        T_0: int,  # noqa: N803 - PyTorch's names
        T_mult: int = 1,  # noqa: N803
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        self.T_0 = _count("CosineAnnealingWarmRestarts", "T_0", T_0)
        self.T_mult = _count("CosineAnnealingWarmRestarts", "T_mult", T_mult)
        self.eta_min = check_number("CosineAnnealingWarmRestarts", "eta_min", eta_min, allow_zero=True)
        self.T_i, self.T_cur = self.T_0, float(max(last_epoch, 0))
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """``eta_min + (initial - eta_min) (1 + cos(pi T_cur / T_i)) / 2`` for each group."""
        return [
            self.eta_min + (base - self.eta_min) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
            for base in self.base_lrs
        ]

    def step(self, epoch: float | None = None) -> None:
        """Move to the next epoch (restarting the cosine at the end of a period), or to ``epoch``,
        which may be fractional (``scheduler.step(epoch + i / iters)`` once per batch).

        Raises:
            ValueError: a negative ``epoch``.
        """
        if STEPPING:  # (a replay capturing a step)
            _noted(self)
        if epoch is not None:
            if epoch < 0:
                raise ValueError(f"CosineAnnealingWarmRestarts.step: epoch must be >= 0, got {epoch!r}")
            # the period holding epoch: periods T_0, T_0 m, T_0 m^2, ... start at T_0 (m^n - 1) / (m - 1)
            n, start = 0, 0.0
            if self.T_mult == 1:
                n, start = int(epoch // self.T_0), self.T_0 * (epoch // self.T_0)
            else:
                while start + self.T_0 * self.T_mult**n <= epoch:
                    start += self.T_0 * self.T_mult**n
                    n += 1
            self.T_i, self.T_cur = self.T_0 * self.T_mult**n, epoch - start
            self.last_epoch = math.floor(epoch) - 1
        elif not self._initial:
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur -= self.T_i
                self.T_i *= self.T_mult
        super().step()


class ChainedScheduler:
    """Several schedulers of one optimizer stepped together, each after the other, every epoch
    (their factors multiply)."""

    def __init__(self, schedulers: Iterable[LRScheduler], optimizer: Optimizer | None = None) -> None:
        self._schedulers = list(schedulers)
        if not self._schedulers:
            raise ValueError("ChainedScheduler: needs at least one scheduler")
        self.optimizer = optimizer if optimizer is not None else self._schedulers[0].optimizer
        if any(s.optimizer is not self.optimizer for s in self._schedulers):
            raise ValueError("ChainedScheduler: every scheduler must belong to one optimizer")
        self._last_lr = _current(self.optimizer)

    def step(self) -> None:
        """Step every scheduler, in order."""
        if STEPPING:  # (a replay capturing a step)
            _noted(self)
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = _current(self.optimizer)

    def get_last_lr(self) -> list[float]:
        """The rates the last ``step`` set."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, object]:
        """Each scheduler's state, in order."""
        return {"_schedulers": [s.state_dict() for s in self._schedulers]}

    def load_state_dict(self, state: dict[str, object]) -> None:
        """Restore each scheduler's state."""
        for scheduler, saved in zip(self._schedulers, state["_schedulers"]):  # type: ignore[call-overload]
            scheduler.load_state_dict(saved)


class CyclicLR(LRScheduler):
    """The cyclical learning rate (Smith), stepped once per batch: each rate goes from ``base_lr``
    up to ``max_lr`` over ``step_size_up`` steps and back over ``step_size_down`` (the same by
    default), the swing scaled per cycle by ``mode``: ``"triangular"`` (1), ``"triangular2"``
    (halved every cycle), ``"exp_range"`` (``gamma**step``), or by ``scale_fn`` (of the cycle or
    the step, per ``scale_mode``). With ``cycle_momentum`` the momentum (or Adam's beta1) moves
    the other way, between ``max_momentum`` and ``base_momentum``. PyTorch's formulas; the
    momentum bounds are kept on the scheduler (PyTorch also writes them into the groups).

    Raises:
        ValueError: an unknown mode without ``scale_fn``, or momentum cycling on an optimizer
            with neither a momentum nor betas.
    """

    def __init__(
        self,
        optimizer: Optimizer,
        base_lr: float | list[float],
        max_lr: float | list[float],
        step_size_up: int = 2000,
        step_size_down: int | None = None,
        mode: str = "triangular",
        gamma: float = 1.0,
        scale_fn: Callable[[float], float] | None = None,
        scale_mode: str = "cycle",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.8,
        max_momentum: float | list[float] = 0.9,
        last_epoch: int = -1,
    ) -> None:
        name = "CyclicLR"
        optimizer = _checked(self, optimizer)
        groups = len(optimizer.param_groups)
        base_lrs = _per_group(name, "base_lr", base_lr, groups)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        self.max_lrs = _per_group(name, "max_lr", max_lr, groups)
        up = float(step_size_up)
        self.total_size = up + (float(step_size_down) if step_size_down is not None else up)
        self.step_ratio = up / self.total_size
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError(f"{name}: mode must be 'triangular', 'triangular2' or 'exp_range' without scale_fn")
        self.mode, self.gamma, self.scale_fn_given = mode, float(gamma), scale_fn
        self.scale_mode = scale_mode if scale_fn is not None else ("iterations" if mode == "exp_range" else "cycle")
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError(f"{name}: the optimizer must have a momentum or betas with cycle_momentum=True")
            self.use_beta1 = "betas" in optimizer.defaults
            self.base_momentums = _per_group(name, "base_momentum", base_momentum, groups)
            self.max_momentums = _per_group(name, "max_momentum", max_momentum, groups)
            if last_epoch == -1:
                for momentum, group in zip(self.max_momentums, optimizer.param_groups):
                    self._set_momentum(group, momentum)
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _set_momentum(self, group: dict[str, Any], momentum: float) -> None:
        if self.use_beta1:
            group["betas"] = (momentum, *group["betas"][1:])
        else:
            group["momentum"] = momentum

    def _scale(self, x: float) -> float:
        if self.scale_fn_given is not None:
            return float(self.scale_fn_given(x))
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma**x

    def get_lr(self) -> list[float]:
        """The rates for step ``last_epoch`` (and, with ``cycle_momentum``, the momenta, set here)."""
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        factor = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        scale = self._scale(cycle if self.scale_mode == "cycle" else self.last_epoch)
        rates = [base + (top - base) * factor * scale for base, top in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            bounds = zip(self.base_momentums, self.max_momentums, self.optimizer.param_groups)
            for low, high, group in bounds:
                self._set_momentum(group, high - (high - low) * factor * scale)
        return rates


class SequentialLR:
    """Schedulers of one optimizer taking turns: ``schedulers[i]`` from epoch ``milestones[i -
    1]`` on, starting there from the initial rates (PyTorch's rule: at a milestone the next
    scheduler begins at its epoch 0).

    Raises:
        ValueError: no scheduler, a ``ReduceLROnPlateau``, schedulers of another optimizer, or
            not one milestone fewer than schedulers.
    """

    def __init__(
        self, optimizer: Optimizer, schedulers: Iterable[LRScheduler], milestones: Iterable[int], last_epoch: int = -1
    ) -> None:
        self._schedulers = list(schedulers)
        self._milestones = [int(m) for m in milestones]
        if not self._schedulers:
            raise ValueError("SequentialLR: needs at least one scheduler")
        if any(isinstance(s, ReduceLROnPlateau) for s in self._schedulers):
            raise ValueError("SequentialLR: ReduceLROnPlateau cannot be sequenced (its step takes the metric)")
        if any(s.optimizer is not optimizer for s in self._schedulers):
            raise ValueError("SequentialLR: every scheduler must belong to the given optimizer")
        if len(self._milestones) != len(self._schedulers) - 1:
            raise ValueError(
                f"SequentialLR: expected {len(self._schedulers) - 1} milestones for {len(self._schedulers)} "
                f"schedulers, got {len(self._milestones)}"
            )
        self.optimizer = optimizer
        self.last_epoch = last_epoch + 1
        for group in optimizer.param_groups:  # the schedulers' constructors each stepped: undo that
            group["lr"] = group["initial_lr"]
        for scheduler in self._schedulers:
            scheduler.last_epoch -= 1
        self._restart(self._schedulers[bisect.bisect_right(self._milestones, 0)], at_start=False)

    def _restart(self, scheduler: LRScheduler, at_start: bool) -> None:
        """``scheduler``'s first step again: from epoch 0 and its initial rates (at a milestone), or
        from the epoch it was at (the constructor's). A ``MultiplicativeLR`` has no closed form in
        PyTorch: at its milestone it multiplies the rates it finds by ``lr_lambda(0)``."""
        if at_start:
            scheduler.last_epoch = -1
            if isinstance(scheduler, MultiplicativeLR):
                scheduler.step()
                self._last_lr = scheduler.get_last_lr()
                return
            for group, lr in zip(self.optimizer.param_groups, scheduler.base_lrs):
                group["lr"] = lr
        scheduler._initial = True
        scheduler.step()
        scheduler._initial = False
        self._last_lr = scheduler.get_last_lr()

    def step(self) -> None:
        """Step the scheduler of this epoch (restarted at its milestone)."""
        if STEPPING:  # (a replay capturing a step)
            _noted(self)
        self.last_epoch += 1
        index = bisect.bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[index]
        if index > 0 and self._milestones[index - 1] == self.last_epoch:
            self._restart(scheduler, at_start=True)
        else:
            scheduler.step()
            self._last_lr = scheduler.get_last_lr()

    def get_last_lr(self) -> list[float]:
        """The rates the last ``step`` set."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, object]:
        """The epoch, the milestones and each scheduler's state."""
        return {
            "last_epoch": self.last_epoch,
            "_milestones": list(self._milestones),
            "_last_lr": list(self._last_lr),
            "_schedulers": [s.state_dict() for s in self._schedulers],
        }

    def load_state_dict(self, state: dict[str, object]) -> None:
        """Restore what ``state_dict`` saved."""
        saved = dict(state)
        for scheduler, inner in zip(self._schedulers, saved.pop("_schedulers")):  # type: ignore[call-overload]
            scheduler.load_state_dict(inner)
        vars(self).update(saved)


def __getattr__(name: str) -> Any:
    """A name this module lacks: an error saying MyTorch does not have PyTorch's."""
    from mytorch.arguments import not_in_mytorch

    raise not_in_mytorch("mytorch.optim.lr_scheduler", name)

"""Learning-rate schedules: ``StepLR`` and ``CosineAnnealingLR``, PyTorch's update rules.

A scheduler rewrites ``optimizer.param_groups[i]["lr"]``; call ``scheduler.step()`` once per
epoch, after the epoch's ``optimizer.step()`` calls. Both follow PyTorch's recursive form (each
rate computed from the previous one), so a ported script sees the same rates.
"""

from __future__ import annotations

import math

from mytorch.optim.optimizer import Optimizer, check_number

__all__ = ["CosineAnnealingLR", "LRScheduler", "StepLR"]


class LRScheduler:
    """Base class: remembers each group's initial rate and counts epochs (``last_epoch``).

    Args:
        optimizer: the optimizer whose learning rates it sets.
        last_epoch: the epoch to resume from (-1: a fresh start).
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            got = type(optimizer).__name__
            raise TypeError(f"{type(self).__name__}: expected a mytorch.optim optimizer, got {got}")
        self.optimizer = optimizer
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


class StepLR(LRScheduler):
    """Multiply the rate by ``gamma`` every ``step_size`` epochs."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1) -> None:
        if isinstance(step_size, bool) or not isinstance(step_size, int) or step_size <= 0:
            raise ValueError(f"StepLR: step_size must be a positive integer, got {step_size!r}")
        self.step_size = step_size
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

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1) -> None:  # noqa: N803
        if isinstance(T_max, bool) or not isinstance(T_max, int) or T_max <= 0:
            raise ValueError(f"CosineAnnealingLR: T_max must be a positive integer, got {T_max!r}")
        self.T_max = T_max
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

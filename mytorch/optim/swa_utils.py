"""``torch.optim.swa_utils``: weight averaging. ``AveragedModel`` keeps a copy of a model whose
parameters are the running average of the model's (stochastic weight averaging, by default) or
an exponential moving average (``multi_avg_fn=get_ema_multi_avg_fn(0.999)``, or an ``avg_fn``);
``SWALR`` anneals each group's rate to a constant ``swa_lr``; ``update_bn`` recomputes the
batch-norm statistics of an averaged model with one pass over the data. The arithmetic is
PyTorch's on the CPU (its formulas, in its order), so an averaged model's numbers are its.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from mytorch.autograd_engine import no_grad
from mytorch.nn.module import Module
from mytorch.optim.lr_scheduler import LRScheduler
from mytorch.optim.optimizer import Optimizer
from mytorch.tensor import Tensor

__all__ = [
    "SWALR",
    "AveragedModel",
    "get_ema_avg_fn",
    "get_ema_multi_avg_fn",
    "get_swa_avg_fn",
    "get_swa_multi_avg_fn",
    "update_bn",
]


def get_ema_avg_fn(decay: float = 0.999) -> Callable[[Tensor, Tensor, Any], Tensor]:
    """``avg_fn`` of an exponential moving average: ``decay * averaged + (1 - decay) * current``."""

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param

    return ema_update


def get_swa_avg_fn() -> Callable[[Tensor, Tensor, Any], Tensor]:
    """``avg_fn`` of the running mean: ``averaged + (current - averaged) / (n + 1)``."""

    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)

    return swa_update


def _lerp_into(targets: Sequence[Tensor], ends: Sequence[Tensor], weight: Any) -> None:
    """Each target moved toward its end by ``weight``, in place, as PyTorch's lerp rounds: from
    the start for a weight below 1/2, from the end otherwise."""
    w = float(weight.item() if isinstance(weight, Tensor) else weight)
    for target, end in zip(targets, ends):
        a, b = target._data, end._data
        moved = a + w * (b - a) if abs(w) < 0.5 else b - (b - a) * (1 - w)
        with no_grad():
            target.copy_(Tensor(np.asarray(moved, dtype=a.dtype)))


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable[[list[Tensor], list[Tensor], Any], None]:
    """``multi_avg_fn`` of an exponential moving average: each averaged tensor lerped toward the
    model's by ``1 - decay`` (integer tensors: ``averaged * decay + current * (1 - decay)``)."""

    def ema_update(ema_param_list: list[Tensor], current_param_list: list[Tensor], _: Any) -> None:
        if ema_param_list and ema_param_list[0].dtype.kind in "fc":
            _lerp_into(ema_param_list, current_param_list, 1 - decay)
            return
        with no_grad():
            for p_ema, p_model in zip(ema_param_list, current_param_list):
                p_ema.copy_(p_ema * decay + p_model * (1 - decay))

    return ema_update


def get_swa_multi_avg_fn() -> Callable[[list[Tensor], list[Tensor], Any], None]:
    """``multi_avg_fn`` of the running mean: each averaged tensor lerped toward the model's by
    ``1 / (n + 1)``."""

    def swa_update(averaged_param_list: list[Tensor], current_param_list: list[Tensor], num_averaged: Any) -> None:
        if averaged_param_list and averaged_param_list[0].dtype.kind in "fc":
            _lerp_into(averaged_param_list, current_param_list, 1 / (num_averaged + 1))
            return
        with no_grad():
            for averaged, current in zip(averaged_param_list, current_param_list):
                averaged.add_((current - averaged) / (num_averaged + 1))

    return swa_update


class AveragedModel(Module):
    """PyTorch's ``AveragedModel(model, device=None, avg_fn=None, multi_avg_fn=None,
    use_buffers=False)``: ``module`` is a deep copy of ``model``; ``update_parameters(model)``
    copies the model's parameters the first time and averages them in afterwards (the running
    mean unless ``avg_fn(averaged, current, n)`` or ``multi_avg_fn(averaged_list, current_list,
    n)`` says otherwise), counting in the buffer ``n_averaged``. With ``use_buffers`` the buffers
    are averaged too; otherwise they are copied from the model at each update. Calling it runs
    ``module``."""

    def __init__(
        self,
        model: Module,
        device: Any = None,
        avg_fn: Callable[[Tensor, Tensor, Any], Tensor] | None = None,
        multi_avg_fn: Callable[[list[Tensor], list[Tensor], Any], None] | None = None,
        use_buffers: bool = False,
    ) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise ValueError("AveragedModel: give avg_fn or multi_avg_fn, not both (PyTorch only accepts one)")
        self.module = copy.deepcopy(model)
        self.register_buffer("n_averaged", Tensor(np.array(0, dtype=np.int64)))
        self.avg_fn, self.multi_avg_fn, self.use_buffers = avg_fn, multi_avg_fn, use_buffers

    n_averaged: Tensor

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The averaged copy's output."""
        return self.module(*args, **kwargs)

    def _averaged(self, model: Module) -> tuple[list[Tensor], list[Tensor]]:
        if self.use_buffers:
            mine = [*self.module.parameters(), *self.module.buffers()]
            theirs = [*model.parameters(), *model.buffers()]
        else:
            mine, theirs = list(self.module.parameters()), list(model.parameters())
        return [p.detach() for p in mine], [p.detach() for p in theirs]

    def update_parameters(self, model: Module) -> None:
        """Average ``model``'s parameters (and buffers, with ``use_buffers``) into ``module``'s."""
        mine, theirs = self._averaged(model)
        n = int(self.n_averaged.item())
        with no_grad():
            if n == 0:
                for averaged, current in zip(mine, theirs):
                    averaged.copy_(current)
            elif self.avg_fn is not None:
                for averaged, current in zip(mine, theirs):
                    averaged.copy_(self.avg_fn(averaged, current, self.n_averaged))
            else:
                groups: dict[Any, tuple[list[Tensor], list[Tensor]]] = {}
                for averaged, current in zip(mine, theirs):
                    group = groups.setdefault(averaged.dtype, ([], []))
                    group[0].append(averaged)
                    group[1].append(current)
                for averaged_list, current_list in groups.values():
                    if self.multi_avg_fn is not None:
                        self.multi_avg_fn(averaged_list, current_list, self.n_averaged)
                    else:  # (PyTorch on the CPU: the running mean, one tensor at a time)
                        swa = get_swa_avg_fn()
                        for averaged, current in zip(averaged_list, current_list):
                            averaged.copy_(swa(averaged, current, self.n_averaged))
            if not self.use_buffers:
                for mine_buffer, their_buffer in zip(self.module.buffers(), model.buffers()):
                    mine_buffer.copy_(their_buffer.detach())
            self.n_averaged.add_(1)


class SWALR(LRScheduler):
    """PyTorch's ``SWALR(optimizer, swa_lr, anneal_epochs=10, anneal_strategy="cos")``: each
    group's rate goes from where it is to ``swa_lr`` (one number, or one per group) over
    ``anneal_epochs`` steps, along half a cosine or a line, then stays there."""

    def __init__(
        self,
        optimizer: Optimizer,
        swa_lr: float | Sequence[float],
        anneal_epochs: int = 10,
        anneal_strategy: str = "cos",
        last_epoch: int = -1,
    ) -> None:
        groups = optimizer.param_groups
        rates = list(swa_lr) if isinstance(swa_lr, (list, tuple)) else [swa_lr] * len(groups)
        if len(rates) != len(groups):
            raise ValueError(f"SWALR: swa_lr has {len(rates)} values for {len(groups)} parameter groups")
        for rate, group in zip(rates, groups):
            group["swa_lr"] = rate
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"SWALR: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}")
        if isinstance(anneal_epochs, bool) or not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"SWALR: anneal_epochs must be an integer >= 0, got {anneal_epochs!r}")
        self.anneal_strategy, self.anneal_epochs = anneal_strategy, anneal_epochs
        self._step_count = 0
        super().__init__(optimizer, last_epoch)

    def _anneal(self, t: float) -> float:
        return (1 - math.cos(math.pi * t)) / 2 if self.anneal_strategy == "cos" else t

    def step(self) -> None:
        """The next step's rates."""
        self._step_count += 1
        super().step()

    def get_lr(self) -> list[float]:
        """The rates of this step: the previous step's starting rate recovered from the current
        rate, then moved along the schedule (PyTorch's recursive form)."""
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        span = max(1, self.anneal_epochs)
        before = self._anneal(max(0.0, min(1.0, (step - 1) / span)))
        now = self._anneal(max(0.0, min(1.0, step / span)))
        rates = []
        for group in self.optimizer.param_groups:
            lr, swa = group["lr"], group["swa_lr"]
            start = swa if before == 1 else (lr - before * swa) / (1 - before)
            rates.append(swa * now + start * (1 - now))
        return rates


def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    """The running statistics of every batch-norm layer of ``model`` recomputed from one pass
    over ``loader`` (the first element of a tuple or list batch is the input), as a cumulative
    average (momentum None for the pass); the momenta and the training mode are put back."""
    from mytorch.nn.normalization import BatchNorm1d  # (BatchNorm2d and 3d are subclasses)

    momenta = {}
    for module in model.modules():
        if isinstance(module, BatchNorm1d):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    for batch in loader:
        if isinstance(batch, (list, tuple)):
            batch = batch[0]
        model(batch)
    for module, momentum in momenta.items():
        module.momentum = momentum
    model.train(was_training)

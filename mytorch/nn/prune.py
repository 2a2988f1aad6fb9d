"""``mytorch.nn.utils.prune``: PyTorch's pruning of a module's parameters by masks.

Pruning ``module.weight`` moves the Parameter to ``weight_orig`` (the same object, so an optimizer
made before keeps updating it), registers the buffer ``weight_mask`` (1 keep, 0 pruned) and makes
``module.weight`` the product ``weight_orig * weight_mask``, recomputed before every forward by a
forward pre-hook; the gradient then reaches only the kept entries of ``weight_orig``. Pruning the
same parameter again narrows the mask: ``amount`` counts among the entries (for a structured method,
the slices) still kept, as PyTorch's, and entries or slices of equal scores are chosen as PyTorch's
``topk`` chooses them (``tensor_sort._topk_order``), so the masks are PyTorch's.
``remove(module, name)`` makes it permanent: ``weight`` is a Parameter again, holding the pruned values.

``amount`` is a fraction in [0, 1] (rounded to a count) or a count. The methods: ``identity``,
``random_unstructured``, ``l1_unstructured``, ``random_structured``, ``ln_structured``,
``global_unstructured`` (one threshold over several parameters) and ``custom_from_mask``; also
``is_pruned``. Random choices come from MyTorch's generator, so they differ from PyTorch's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from mytorch.autograd_engine import no_grad
from mytorch.factories import default_generator
from mytorch.nn.module import HookHandle, Module
from mytorch.nn.parameter import Parameter
from mytorch.tensor import Tensor
from mytorch.tensor_sort import _topk_order

__all__ = [
    "custom_from_mask",
    "global_unstructured",
    "identity",
    "is_pruned",
    "l1_unstructured",
    "ln_structured",
    "random_structured",
    "random_unstructured",
    "remove",
]


class _Pruning:
    """The forward pre-hook of one pruned parameter: ``module.<name> = <name>_orig * <name>_mask``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.handle: HookHandle | None = None

    def apply_mask(self, module: Module) -> Tensor:
        orig = getattr(module, self.name + "_orig")
        return orig * getattr(module, self.name + "_mask")

    def __call__(self, module: Module, inputs: Any) -> None:
        object.__setattr__(module, self.name, self.apply_mask(module))


def _hooks(module: Module) -> dict[str, _Pruning]:
    return module.__dict__.setdefault("_pruning", {})


def _count(amount: Any, total: int) -> int:
    """How many of ``total`` to prune: a fraction of them (rounded) or a count."""
    if isinstance(amount, bool) or not isinstance(amount, (int, float, np.integer, np.floating)):
        raise TypeError(f"prune: amount must be a float in [0, 1] or an int, got {amount!r}")
    if isinstance(amount, (float, np.floating)):
        if not 0.0 <= amount <= 1.0:
            raise ValueError(f"prune: amount={amount} should be a float in the range [0, 1]")
        return int(round(float(amount) * total))
    if amount < 0 or amount > total:
        raise ValueError(f"prune: amount={amount} should be a count between 0 and the number of units {total}")
    return int(amount)


def _prune(module: Module, name: str, compute: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Module:
    """Apply a mask made by ``compute(values, current_mask)`` to ``module.<name>``."""
    hooks = _hooks(module)
    if name in hooks:  # pruned before: narrow its mask
        values = getattr(module, name + "_orig")._data
        old = getattr(module, name + "_mask")._data
    else:
        param = module._parameters.get(name)
        if not isinstance(param, Parameter):
            raise AttributeError(f"prune: {type(module).__name__} has no parameter {name!r}")
        values, old = param._data, np.ones(param.shape, dtype=param.dtype)
    mask = compute(values, old).astype(values.dtype) * old
    if name in hooks:
        with no_grad():
            getattr(module, name + "_mask").copy_(Tensor(mask))
    else:
        orig = module._parameters.pop(name)
        object.__delattr__(module, name)
        module.register_parameter(name + "_orig", orig)
        module.register_buffer(name + "_mask", Tensor(mask))
        hook = _Pruning(name)
        hook.handle = module.register_forward_pre_hook(hook)
        hooks[name] = hook
    object.__setattr__(module, name, hooks[name].apply_mask(module))
    return module


def _smallest(scores: np.ndarray, keep: np.ndarray, count: int) -> np.ndarray:
    """A mask pruning the ``count`` entries of smallest score among those ``keep`` marks, chosen
    as PyTorch's ``topk`` of the kept entries chooses among equal scores (zeros, a bias at 0)."""
    mask = np.ones(scores.shape)
    if count:
        kept = np.flatnonzero(keep.reshape(-1) > 0)
        mask.reshape(-1)[kept[_topk_order(scores.reshape(-1)[kept], count, 0, False)]] = 0.0
    return mask


def identity(module: Module, name: str) -> Module:
    """A mask of ones (nothing pruned), so the parameter is handled as a pruned one."""
    return _prune(module, name, lambda values, old: np.ones_like(values))


def random_unstructured(module: Module, name: str, amount: Any) -> Module:
    """Prune ``amount`` of the still kept entries, chosen at random."""

    def compute(values: np.ndarray, old: np.ndarray) -> np.ndarray:
        count = _count(amount, int(old.sum()))
        return _smallest(default_generator.random(values.shape), old, count)

    return _prune(module, name, compute)


def l1_unstructured(module: Module, name: str, amount: Any, importance_scores: Any = None) -> Module:
    """Prune ``amount`` of the still kept entries of smallest absolute value (or ``importance_scores``)."""

    def compute(values: np.ndarray, old: np.ndarray) -> np.ndarray:
        scores = np.abs(values if importance_scores is None else np.asarray(_array(importance_scores)))
        return _smallest(scores, old, _count(amount, int(old.sum())))

    return _prune(module, name, compute)


def _channels(values: np.ndarray, dim: int, scores: np.ndarray, amount: Any, old: np.ndarray) -> np.ndarray:
    """A mask pruning whole slices along ``dim``: ``amount`` of the slices ``old`` still keeps (a
    fraction of those, or a count), those of lowest ``scores`` (one per slice), as PyTorch's: it keeps
    the ``topk`` of the kept slices' scores. (The count was of all the slices, and the slices pruned
    before, of the lowest scores, were chosen again: a second ``amount=0.3`` of 10 rows pruned none.)"""
    if values.ndim < 2:  # (PyTorch's refusal: a slice of a vector is one number)
        raise ValueError(
            f"prune: structured pruning needs a tensor of 2 or more dimensions, got shape {tuple(values.shape)}"
        )
    dim = dim % values.ndim
    others = tuple(a for a in range(values.ndim) if a != dim)
    kept = np.flatnonzero(old.sum(axis=others) != 0)
    count = _count(amount, len(kept))
    mask = np.ones(values.shape)
    if count:
        keep = kept[_topk_order(np.asarray(scores)[kept], len(kept) - count, 0, True)]
        index: list[Any] = [slice(None)] * values.ndim
        index[dim] = np.setdiff1d(kept, keep)
        mask[tuple(index)] = 0.0
    return mask


def ln_structured(module: Module, name: str, amount: Any, n: Any, dim: int, importance_scores: Any = None) -> Module:
    """Prune ``amount`` of the slices along ``dim`` of smallest L``n`` norm (of the masked values)."""

    def compute(values: np.ndarray, old: np.ndarray) -> np.ndarray:
        # (the parameter as it is, pruned entries 0, as PyTorch's; given scores as they are)
        base = values * old if importance_scores is None else np.asarray(_array(importance_scores))
        axes = tuple(a for a in range(values.ndim) if a != dim % values.ndim)
        # (norms in float64: float16 rows with entries past 256 all had the norm inf, so the wrong one was pruned)
        flat = np.moveaxis(base, dim, 0).reshape(values.shape[dim], -1).astype(np.float64)
        order = np.inf if n in ("inf", float("inf")) else (-np.inf if n in ("-inf", -float("inf")) else n)
        scores = np.linalg.norm(flat, ord="fro" if order == "fro" else order, axis=1) if axes else np.abs(base.ravel())
        return _channels(values, dim, scores, amount, old)

    return _prune(module, name, compute)


def random_structured(module: Module, name: str, amount: Any, dim: int) -> Module:
    """Prune ``amount`` of the slices along ``dim``, chosen at random."""

    def compute(values: np.ndarray, old: np.ndarray) -> np.ndarray:
        return _channels(values, dim, np.asarray(default_generator.random(values.shape[dim])), amount, old)

    return _prune(module, name, compute)


def custom_from_mask(module: Module, name: str, mask: Any) -> Module:
    """Prune with the given mask (1 keep, 0 prune)."""
    return _prune(module, name, lambda values, old: np.broadcast_to(_array(mask), values.shape).copy())


def global_unstructured(
    parameters: Iterable[tuple[Module, str]],
    pruning_method: Any,
    importance_scores: dict[tuple[Module, str], Any] | None = None,
    **kwargs: Any,
) -> None:
    """Prune ``amount`` of all the given parameters' kept entries together, by one ranking of their
    scores (absolute values, for ``L1Unstructured`` / ``l1_unstructured``)."""
    pairs = list(parameters)
    values, keeps = [], []
    for module, name in pairs:
        hooks = _hooks(module)
        current = getattr(module, name + "_orig") if name in hooks else getattr(module, name)
        old = getattr(module, name + "_mask")._data if name in hooks else np.ones(current.shape)
        if importance_scores is not None and (module, name) in importance_scores:
            scores = np.abs(_array(importance_scores[(module, name)]))
        elif pruning_method in (L1Unstructured, l1_unstructured):
            scores = np.abs(current._data)
        else:
            scores = default_generator.random(current.shape)
        values.append(scores.reshape(-1))
        keeps.append(np.asarray(old).reshape(-1) > 0)  # (what was pruned before stays out of the ranking)
    allscores, allkeep = np.concatenate(values), np.concatenate(keeps)
    mask = _smallest(allscores, allkeep, _count(kwargs.get("amount", 0), int(allkeep.sum())))
    at = 0
    for (module, name), part in zip(pairs, values):
        piece = mask[at : at + part.size]
        at += part.size
        custom_from_mask(module, name, piece.reshape(getattr(module, name).shape))


class L1Unstructured:
    """PyTorch's class naming the L1 method, for ``global_unstructured(pruning_method=...)``."""


class RandomUnstructured:
    """PyTorch's class naming the random method, for ``global_unstructured(pruning_method=...)``."""


def remove(module: Module, name: str) -> Module:
    """Make the pruning permanent: ``module.<name>`` is a Parameter again, holding the masked values;
    ``<name>_orig``, ``<name>_mask`` and the hook go."""
    hooks = _hooks(module)
    if name not in hooks:
        raise ValueError(f"prune.remove: parameter {name!r} of {type(module).__name__} is not pruned")
    hook = hooks.pop(name)
    if hook.handle is not None:
        hook.handle.remove()
    orig = getattr(module, name + "_orig")
    with no_grad():
        orig.copy_(hook.apply_mask(module))
    delattr(module, name + "_orig")
    delattr(module, name + "_mask")
    if name in module.__dict__:
        object.__delattr__(module, name)
    module.register_parameter(name, orig)
    return module


def is_pruned(module: Module) -> bool:
    """Whether ``module`` or a module below it has a pruned parameter."""
    return any(_hooks(m) for _, m in module.named_modules())


def _array(value: Any) -> np.ndarray:
    return np.asarray(value._data if isinstance(value, Tensor) else value)

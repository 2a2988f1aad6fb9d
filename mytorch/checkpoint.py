"""``torch.utils.checkpoint`` (``mytorch.utils.checkpoint``): activation checkpointing, which trades
compute for memory by recomputing a segment's activations in the backward. MyTorch keeps them
instead: ``checkpoint(function, *args)`` is ``function(*args)``, the same values and gradients
(the memory is not saved)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["checkpoint", "checkpoint_sequential"]


def checkpoint(function: Callable[..., Any], *args: Any, use_reentrant: Any = None, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)`` (PyTorch's options ``use_reentrant``, ``preserve_rng_state``,
    ``context_fn``, ``determinism_check``, ``debug`` are accepted)."""
    for option in ("preserve_rng_state", "context_fn", "determinism_check", "debug"):
        kwargs.pop(option, None)
    return function(*args, **kwargs)


def checkpoint_sequential(functions: Any, segments: int, input: Any, use_reentrant: Any = None, **_: Any) -> Any:  # noqa: A002
    """The modules of ``functions`` (an ``nn.Sequential`` or a list) applied in turn to ``input``,
    each as often as it is listed: ``model(input)``'s values. (A module listed twice,
    ``nn.Sequential(block, block)``, is one child since 5f4ea71, as in PyTorch, whose
    ``checkpoint_sequential`` reads the children and so runs it once.)"""
    modules: Sequence[Any] = list(functions) if hasattr(functions, "__iter__") else list(functions.children())
    value = input
    for module in modules:
        value = module(value)
    return value

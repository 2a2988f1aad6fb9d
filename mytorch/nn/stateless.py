"""``functional_call``: a module's forward pass with its parameters and buffers replaced by given
Tensors, for the length of one call (``torch.func.functional_call``, also
``mytorch.func.functional_call``).

It turns a module into a function of its weights: MAML's step through adapted weights, or
``func.grad``/``func.hessian`` with respect to them (a dict argument is differentiated value by
value, as in ``torch.func``)::

    (g,) = mt.autograd.grad(loss(model(x)), [model.weight], create_graph=True)
    adapted = func.functional_call(model, {"weight": model.weight - 0.1 * g}, (x_val,))

    weights = {name: p.detach() for name, p in model.named_parameters()}
    H = func.hessian(lambda w: loss(func.functional_call(model, w, (x,))))(weights)  # H[name][name]

Each named slot (``"0.weight"``) holds the given Tensor while the call runs, in the module's
attribute and its registry (so ``named_parameters()`` inside ``forward`` sees it too), and gets
its own object back afterwards, even if the call raises.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from mytorch.nn import module as _module
from mytorch.nn.module import Module
from mytorch.tensor import Tensor

__all__ = ["functional_call"]

_ABSENT = object()  # (an attribute the call adds, deleted afterwards)


def _merged(dicts: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One dict from a dict or a sequence of dicts (a name in two of them is refused)."""
    if isinstance(dicts, Mapping):
        dicts = (dicts,)
    merged: dict[str, Any] = {}
    for d in dicts:
        if not isinstance(d, Mapping):
            raise TypeError(f"functional_call: expected a dict of Tensors or a tuple of them, got a {type(d).__name__}")
        twice = sorted(set(merged) & set(d))
        if twice:
            raise ValueError(
                f"functional_call: {twice} appeared in more than one dictionary: the call would be ambiguous"
            )
        merged.update(d)
    for name, value in merged.items():
        if not isinstance(value, Tensor):
            raise TypeError(f"functional_call: {name!r} must be a Tensor, got a {type(value).__name__}")
    return merged


def _slots(module: Module) -> Iterator[tuple[str, Module, dict[str, Any], str]]:
    """(dotted name, owner, registry, attribute) of every parameter and buffer slot, shared ones
    under each of their names."""
    for prefix, owner in module.named_modules():
        for registry in (owner._parameters, owner._buffers):
            for name, value in registry.items():
                if value is not None:
                    yield (f"{prefix}.{name}" if prefix else name), owner, registry, name


def _owner(module: Module, dotted: str) -> Module:
    """The module holding attribute ``dotted`` (``"0.weight"``: the sub-module ``0``)."""
    owner = module
    for part in dotted.split(".")[:-1]:
        child = owner._modules.get(part)
        if child is None:
            raise AttributeError(f"functional_call: {type(owner).__name__} has no sub-module {part!r} (in {dotted!r})")
        owner = child
    return owner


@contextmanager
def _swapped(module: Module, values: dict[str, Tensor], tie_weights: bool, strict: bool) -> Iterator[None]:
    slots = list(_slots(module))
    # tied weights: a slot holding the same object as a replaced one takes the same value
    by_object: dict[int, tuple[str, Tensor]] = {}
    for dotted, _, registry, attr in slots if tie_weights else ():
        if dotted in values:
            first = by_object.setdefault(id(registry[attr]), (dotted, values[dotted]))
            if first[1] is not values[dotted]:
                raise ValueError(
                    f"functional_call: {first[0]!r} and {dotted!r} are one tied weight given two values "
                    "(tie_weights=False replaces each name alone)"
                )
    names = {dotted for dotted, *_ in slots}
    if strict:
        missing = [d for d, _, registry, attr in slots if d not in values and id(registry[attr]) not in by_object]
        unexpected = sorted(set(values) - names)
        if missing or unexpected:
            raise RuntimeError(
                f"functional_call: error(s) in reparametrizing for {type(module).__name__}: "
                f"missing key(s) {missing}, unexpected key(s) {unexpected}"
            )
    undo: list[tuple[Module, dict[str, Any] | None, str, Any]] = []
    try:
        for dotted, owner, registry, attr in slots:
            value = values.get(dotted, by_object.get(id(registry[attr]), (None, None))[1])
            if value is not None:
                undo.append((owner, registry, attr, registry[attr]))
                registry[attr] = value
                object.__setattr__(owner, attr, value)
        for dotted in sorted(set(values) - names):  # another attribute, as PyTorch sets it
            owner, attr = _owner(module, dotted), dotted.rsplit(".", 1)[-1]
            undo.append((owner, None, attr, owner.__dict__.get(attr, _ABSENT)))
            object.__setattr__(owner, attr, values[dotted])
        _module._edited()  # (a replayed step must not reuse a program bound to the old Tensors)
        yield
    finally:
        for owner, registry, attr, old in reversed(undo):
            if registry is not None:
                registry[attr] = old
            if old is _ABSENT:
                object.__delattr__(owner, attr)
            else:
                object.__setattr__(owner, attr, old)
        _module._edited()


def functional_call(
    module: Module,
    parameter_and_buffer_dicts: Mapping[str, Tensor] | Sequence[Mapping[str, Tensor]],
    args: Any = None,
    kwargs: Mapping[str, Any] | None = None,
    *,
    tie_weights: bool = True,
    strict: bool = False,
) -> Any:
    """``module(*args, **kwargs)`` with the parameters and buffers named in the dicts replaced.

    Args:
        module: a ``mytorch.nn.Module``.
        parameter_and_buffer_dicts: ``{dotted name: Tensor}`` (``named_parameters()``'s names),
            or a tuple of such dicts (parameters, buffers) naming no slot twice.
        args: the positional arguments: a tuple, or one argument.
        kwargs: the keyword arguments.
        tie_weights: a parameter shared under two names takes the value given for either.
        strict: every parameter and buffer must be given, and nothing else.

    Returns:
        What the module returns.

    Raises:
        ValueError: a name in two dicts. TypeError: a value that is not a Tensor.
        RuntimeError: with ``strict``, a missing or unexpected name (PyTorch's error).
        AttributeError: a name whose sub-module does not exist.
    """
    if not isinstance(module, Module):
        raise TypeError(f"functional_call: expected a mytorch.nn.Module, got a {type(module).__name__}")
    values = _merged(parameter_and_buffer_dicts)
    positional = () if args is None else args if isinstance(args, tuple) else (args,)
    with _swapped(module, values, tie_weights, strict):
        return module(*positional, **(kwargs or {}))

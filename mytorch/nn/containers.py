"""Containers of modules: ``Sequential`` (a pipeline) and ``ModuleList`` (a registered list)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any, cast

from mytorch.nn.module import Module

__all__ = ["ModuleList", "Sequential"]


def _check_module(owner: str, index: Any, module: Any) -> Module:
    if not isinstance(module, Module):
        hint = (
            "; the handout's engine-level modules (mytorch.nn.modules) do not mix with mytorch.nn: use "
            "mytorch.nn.Linear, mytorch.nn.ReLU, ..."
            if type(module).__module__.startswith("mytorch.nn.modules")
            else ""
        )
        raise TypeError(f"{owner}: item {index} must be a mytorch.nn.Module, got {type(module).__name__}{hint}")
    return module


class ModuleList(Module):
    """A list of modules whose parameters the owner sees (a plain list would hide them).

    Supports ``len``, iteration, indexing (an index or a slice), ``append``, ``extend`` and
    ``insert``; the modules are registered under the names "0", "1", ...
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _items(self) -> list[Module]:
        return cast("list[Module]", list(self._modules.values()))  # each entry passed _check_module

    def _renumber(self, items: list[Module]) -> None:
        for name in list(self._modules):
            delattr(self, name)
        for i, module in enumerate(items):
            self.add_module(str(i), _check_module(type(self).__name__, i, module))

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._items())

    def __getitem__(self, index: int | slice) -> Any:
        items = self._items()
        if isinstance(index, slice):
            return type(self)(items[index])
        return items[index]

    def __setitem__(self, index: int, module: Module) -> None:
        items = self._items()
        items[index] = module
        self._renumber(items)

    def __delitem__(self, index: int | slice) -> None:
        items = self._items()
        del items[index]
        self._renumber(items)

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), _check_module(type(self).__name__, len(self), module))
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Add each of ``modules`` at the end; returns self."""
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Put ``module`` before position ``index``."""
        items = self._items()
        items.insert(index, module)
        self._renumber(items)


class Sequential(ModuleList):
    """Modules applied one after the other: ``Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))``.

    Also ``Sequential(OrderedDict([("hidden", nn.Linear(2, 8)), ...]))`` to name the stages.
    """

    def __init__(self, *modules: Any) -> None:
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, _check_module("Sequential", name, module))
        else:
            self.extend(modules)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return Sequential(OrderedDict(list(self._modules.items())[index]))
        return self._items()[index]

    def forward(self, x: Any) -> Any:
        """Each module's output is the next one's input."""
        for module in self._items():
            x = module(x)
        return x

"""Containers: ``Sequential`` (a pipeline), ``ModuleList`` and ``ModuleDict`` (registered modules),
``ParameterList`` and ``ParameterDict`` (registered parameters)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, cast

from mytorch.nn.module import _CALLS, _HOOKED, Module
from mytorch.nn.parameter import Parameter
from mytorch.tensor import Tensor

__all__ = ["ModuleDict", "ModuleList", "ParameterDict", "ParameterList", "Sequential"]


_CALL = Module.__call__


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

    def insert(self, index: int, module: Module) -> ModuleList:
        """Put ``module`` before position ``index``; returns self, as PyTorch's."""
        items = self._items()
        items.insert(index, module)
        self._renumber(items)
        return self

    def __repr__(self) -> str:
        """PyTorch's: a run of entries that print alike is one line, ``(0-3): 4 x Linear(...)``."""
        runs: list[tuple[int, int, str]] = []  # (first, last, text)
        for i, text in enumerate(repr(m) for m in self):
            if runs and runs[-1][2] == text:
                runs[-1] = (runs[-1][0], i, text)
            else:
                runs.append((i, i, text))
        if not runs:
            return f"{type(self).__name__}()"
        lines = [
            (f"({a}): {text}" if a == b else f"({a}-{b}): {b - a + 1} x {text}").replace("\n", "\n  ")
            for a, b, text in runs
        ]
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


class Sequential(ModuleList):
    """Modules applied one after the other: ``Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 1))``.

    Also ``Sequential(OrderedDict([("hidden", nn.Linear(2, 8)), ...]))`` to name the stages.
    """

    __repr__ = Module.__repr__  # (each stage on its line, as PyTorch's; ModuleList's joins repeats)

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
        """Each module's output is the next one's input.

        While no module anywhere has forward hooks and no replay is capturing a step, a module
        whose class keeps ``Module.__call__`` is run by its ``forward`` directly: what its call
        would do, without the call's frame."""
        modules: list[Any] = list(self._modules.values())
        if _HOOKED or _CALLS:
            for module in modules:
                x = module(x)
            return x
        for module in modules:
            try:
                plain = type(module).__call__ is _CALL
            except AttributeError:  # (None in a slot: its call's TypeError below)
                plain = False
            x = module.forward(x) if plain else module(x)
        return x


def _as_parameter(owner: str, key: Any, value: Any) -> Parameter:
    """``value`` as a Parameter: a Parameter itself, a Tensor wrapped (sharing its values), as
    PyTorch's parameter containers do; anything else a TypeError."""
    if isinstance(value, Parameter):
        return value
    if isinstance(value, Tensor):
        return Parameter(value)
    raise TypeError(f"{owner}: item {key!r} must be a Parameter or a Tensor, got {type(value).__name__}")


class _Keyed(Module):
    """A dict of registered entries (``ModuleDict``, ``ParameterDict``): keys are attribute names,
    kept in insertion order; subclasses say which registry (``registry``) and how an entry is
    registered (``_put``)."""

    registry = "_modules"

    def __init__(self, entries: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None) -> None:
        super().__init__()
        if entries is not None:
            self.update(entries)

    def _put(self, key: str, value: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__}: a keyed container must say how it registers an entry (_put)")

    def _entries(self) -> dict[str, Any]:
        return cast("dict[str, Any]", getattr(self, self.registry))

    def __setitem__(self, key: str, value: Any) -> None:
        name = type(self).__name__
        if not isinstance(key, str):
            raise TypeError(f"{name}: keys must be strings, got {type(key).__name__}")
        if "." in key or not key:
            raise KeyError(f"{name}: a key must be a non-empty name without '.', got {key!r}")
        if key not in self._entries() and hasattr(self, key):
            raise KeyError(f"{name}: attribute {key!r} already exists")
        self._put(key, value)

    def __getitem__(self, key: str) -> Any:
        return self._entries()[key]

    def __delitem__(self, key: str) -> None:
        self._entries()[key]  # (KeyError for a missing key)
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._entries())

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._entries()))

    def __contains__(self, key: object) -> bool:
        return key in self._entries()

    def keys(self) -> list[str]:
        """The keys, in insertion order."""
        return list(self._entries())

    def values(self) -> list[Any]:
        """The entries, in insertion order."""
        return list(self._entries().values())

    def items(self) -> list[tuple[str, Any]]:
        """``(key, entry)`` pairs, in insertion order."""
        return list(self._entries().items())

    def update(self, entries: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        """Add (or replace) entries from a mapping or from ``(key, value)`` pairs."""
        for key, value in entries.items() if isinstance(entries, Mapping) else entries:
            self[key] = value

    def pop(self, key: str) -> Any:
        """Remove the entry ``key`` and return it."""
        value = self[key]
        del self[key]
        return value

    def clear(self) -> None:
        """Remove every entry."""
        for key in self.keys():
            del self[key]


class ModuleDict(_Keyed):
    """Modules by name (``ModuleDict({"encoder": nn.Linear(4, 2)})``), registered as sub-modules:
    ``md["encoder"]``, ``md.encoder``, ``keys()``, ``items()``, ``update``, ``pop``, in insertion order."""

    def _put(self, key: str, value: Any) -> None:
        self.add_module(key, _check_module(type(self).__name__, key, value))


def _parameter_lines(entries: Iterable[tuple[Any, Parameter]], kind: Callable[[Parameter], str]) -> str:
    """PyTorch's listing of a parameter container in its ``repr``: one line per entry,
    ``  (key): Parameter containing: [<kind> of size 2x3]``."""
    return "\n".join(
        f"  ({key}): Parameter containing: [{kind(p)} of size {'x'.join(map(str, p.shape))}]" for key, p in entries
    )


class ParameterDict(_Keyed):
    """Parameters by name, registered (a Tensor is wrapped as a Parameter, as in PyTorch)."""

    registry = "_parameters"

    def extra_repr(self) -> str:
        """One line per parameter, naming its tensor type (``mytorch.DoubleTensor``), as PyTorch's."""
        return _parameter_lines(self.items(), lambda p: p.type())

    def _put(self, key: str, value: Any) -> None:
        self.register_parameter(key, _as_parameter(type(self).__name__, key, value))


class ParameterList(Module):
    """A list of parameters whose owner sees them, registered under "0", "1", ... (a Tensor is
    wrapped as a Parameter, as in PyTorch): ``len``, iteration, indexing, ``append``, ``extend``."""

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Parameter]:
        return iter(cast("list[Parameter]", list(self._parameters.values())))

    def __getitem__(self, index: int) -> Parameter:
        return list(self)[index]

    def __setitem__(self, index: int, value: Any) -> None:
        key = str(range(len(self))[index])
        self.register_parameter(key, _as_parameter(type(self).__name__, index, value))

    def append(self, value: Any) -> ParameterList:
        """Add ``value`` at the end; returns self."""
        self.register_parameter(str(len(self)), _as_parameter(type(self).__name__, len(self), value))
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        """Add each of ``values`` at the end; returns self."""
        for value in values:
            self.append(value)
        return self

    def extra_repr(self) -> str:
        """One line per parameter, naming its dtype as a tensor's repr does (``torch.float64``), as PyTorch's."""
        return _parameter_lines(enumerate(self), lambda p: f"torch.{p.dtype}")

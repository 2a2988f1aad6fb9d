"""``mytorch.jit``: PyTorch's TorchScript entry points, for code that calls them on the way.

MyTorch runs Python as it is, so there is nothing to compile: ``script`` and ``trace`` return the
function or module they are given (called as before, with the same numbers and gradients), the
decorators ``ignore``, ``unused`` and ``export`` return the function, ``is_scripting`` and
``is_tracing`` are False, ``annotate`` returns its value. What a TorchScript file would need does
not exist here: ``save``, ``load`` and ``freeze`` raise ``NotImplementedError`` saying to save the
``state_dict`` with ``mytorch.save`` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

__all__ = [
    "ScriptFunction",
    "ScriptModule",
    "annotate",
    "export",
    "freeze",
    "ignore",
    "is_scripting",
    "is_tracing",
    "load",
    "save",
    "script",
    "trace",
    "unused",
]

_F = TypeVar("_F")


class ScriptModule:
    """PyTorch's class of scripted modules; nothing in MyTorch is one (``script`` returns the module)."""


class ScriptFunction:
    """PyTorch's class of scripted functions; nothing in MyTorch is one."""


def script(obj: _F, optimize: Any = None, _frames_up: int = 0, _rcb: Any = None, example_inputs: Any = None) -> _F:
    """``obj`` itself (a function, module or class): there is nothing to compile. As a decorator too."""
    return obj


def trace(func: _F, example_inputs: Any = None, *args: Any, **kwargs: Any) -> _F:
    """``func`` itself (a function or module), not run on ``example_inputs``: the same calls give the
    same results (PyTorch's trace records one path through the Python code; here every call runs it)."""
    return func


def ignore(drop: Any = False, **kwargs: Any) -> Any:
    """PyTorch's ``@torch.jit.ignore`` (also ``@torch.jit.ignore(drop=True)``): the function itself."""
    if callable(drop):
        return drop
    return lambda fn: fn


def unused(fn: _F) -> _F:
    """PyTorch's ``@torch.jit.unused``: the function itself."""
    return fn


def export(fn: _F) -> _F:
    """PyTorch's ``@torch.jit.export``: the function itself."""
    return fn


def is_scripting() -> bool:
    """False: nothing runs as TorchScript."""
    return False


def is_tracing() -> bool:
    """False: nothing runs under a trace."""
    return False


def annotate(the_type: Any, the_value: _F) -> _F:
    """The value itself (PyTorch's type hint for the TorchScript compiler)."""
    return the_value


def _no_files(what: str) -> NotImplementedError:
    return NotImplementedError(
        f"jit.{what}: MyTorch has no TorchScript files; save model.state_dict() with mytorch.save and load it "
        "into a model built by its class"
    )


def save(m: Any, f: Any, _extra_files: Any = None) -> None:
    """Refused: see ``_no_files``."""
    raise _no_files("save")


def load(f: Any, map_location: Any = None, _extra_files: Any = None) -> Any:
    """Refused: see ``_no_files``."""
    raise _no_files("load")


def freeze(mod: Any, preserved_attrs: Any = None, optimize_numerics: bool = True) -> Callable[..., Any]:
    """Refused: a frozen TorchScript module is made for ``jit.save``."""
    raise _no_files("freeze")

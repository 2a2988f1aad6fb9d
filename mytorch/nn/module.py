"""``Module``: the base class of PyTorch-style layers and networks on Tensors.

A subclass assigns its weights (``Parameter``) and its sub-modules as attributes in
``__init__`` and computes its output from Tensors in ``forward``; ``module(x)`` calls
``forward``. Assignment registers them, in order, so that ``parameters()``,
``named_parameters()``, ``state_dict()``, ``train()``/``eval()`` and ``zero_grad()`` reach the
whole tree without the subclass listing anything::

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = nn.Linear(2, 8)
            self.out = nn.Linear(8, 1)

        def forward(self, x):
            return self.out(self.hidden(x).relu())

The state dict maps dotted names (``hidden.weight``) to Tensors sharing the parameters'
arrays; ``load_state_dict`` takes Tensors or NumPy arrays (``numpy.load("w.npz")`` directly),
so weights travel as ``.npz`` files, without pickle. (The handout's engine-level base class
is ``mytorch.nn.modules.module.Module``; this one is ``mytorch.nn.Module``.)
"""

from __future__ import annotations

import functools
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NamedTuple

import numpy as np

from mytorch import tensor_missing
from mytorch.arguments import GradDtypeError, ShapeRuntimeError
from mytorch.autograd_engine import is_grad_enabled, no_grad
from mytorch.dtypes import check_castable
from mytorch.nn.parameter import Parameter
from mytorch.tensor import Tensor

__all__ = ["HookHandle", "IncompatibleKeys", "Module", "StateDictKeyError", "called", "edition"]

_REGISTRIES = ("_parameters", "_buffers", "_modules")


class _Edition:
    """A token that stands for the state of every module's attributes at one time."""

    __slots__ = ()


_EDITION = _Edition()


def edition() -> object:
    """A token replaced by a new one whenever an attribute of some ``Module`` is set or deleted, a
    sub-module, parameter or buffer registered, or a module's parameters or buffers converted by
    ``to()``/``float()``/``double()``.

    ``mytorch.replay`` compares it (by identity) before replaying a Tensor-level step: a setting
    its forward pass read (a ``LeakyReLU``'s ``negative_slope``, a loss's ``reduction``, a layer
    of a ``Sequential`` replaced) has changed if it moved, and the step is captured again.
    ``train()``/``eval()`` do not move it: the replay compares the ``training`` flags of the
    modules the step called (``called``), so that an evaluation between steps, ``eval()`` and
    back to ``train()``, keeps the program.
    """
    return _EDITION


_CALLS: list[dict[int, Module]] = []


@contextmanager
def called() -> Iterator[dict[int, Module]]:
    """The modules called (``module(x)``) inside the block, by id, collected into the dict it gives."""
    modules: dict[int, Module] = {}
    _CALLS.append(modules)
    try:
        yield modules
    finally:  # by identity: two blocks in two threads may have collected equal dicts
        del _CALLS[next(i for i, collected in enumerate(_CALLS) if collected is modules)]


def _edited() -> None:
    global _EDITION
    _EDITION = _Edition()


class StateDictKeyError(KeyError, RuntimeError):
    """``load_state_dict`` of a state dict whose names do not match (strict): a ``KeyError``, as
    MyTorch's, and PyTorch's ``RuntimeError``, so that either ``except`` catches it."""


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(strict=False)`` could not match; prints as PyTorch's,
    ``<All keys matched successfully>`` when it is nothing, ``_IncompatibleKeys(missing_keys=[...],
    unexpected_keys=[...])`` otherwise (``print(model.load_state_dict(...))``)."""

    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys!r}, unexpected_keys={self.unexpected_keys!r})"


_HOOKED: set[int] = set()
"""The ids of modules that have forward hooks (or had, if collected with them): while it is
empty, a call does not look for hooks at all."""


class _Flagged:
    """A forward hook registered with ``with_kwargs=True`` or ``always_call=True`` (a plain one is
    held as itself)."""

    def __init__(self, hook: Callable[..., Any], with_kwargs: bool, always_call: bool) -> None:
        self.hook, self.with_kwargs, self.always_call = hook, with_kwargs, always_call

    def call(self, module: Module, args: tuple[Any, ...], kwargs: dict[str, Any], output: Any) -> Any:
        """Call the forward hook with ``kwargs`` if it takes them."""
        return self.hook(module, args, kwargs, output) if self.with_kwargs else self.hook(module, args, output)


def _flagged(hook: Callable[..., Any], with_kwargs: bool, always_call: bool) -> Any:
    """``hook`` as the hook lists hold it: itself, or a ``_Flagged`` with its options."""
    return _Flagged(hook, with_kwargs, always_call) if with_kwargs or always_call else hook


def _always_called(
    module: Module, hooks: list[Any], args: tuple[Any, ...], kwargs: dict[str, Any], output: Any
) -> None:
    """After a call that raised: the forward hooks registered with ``always_call=True`` that had
    not run, with the output so far; what they raise is a warning (the call's error goes on)."""
    for hook in hooks:
        if type(hook) is _Flagged and hook.always_call:
            try:
                changed = hook.call(module, args, kwargs, output)
            except Exception as error:  # noqa: BLE001 - (PyTorch's warning: the first error is the one raised)
                warnings.warn(
                    f"{type(module).__name__}: a forward hook with always_call=True raised after the call had "
                    f"raised; the hook's error: {error}",
                    stacklevel=3,
                )
                continue
            if changed is not None:
                output = changed


class HookHandle:
    """What ``register_forward_hook`` and ``register_forward_pre_hook`` return (PyTorch's
    ``RemovableHandle``): ``remove()`` takes the hook off (again: nothing happens); as a context
    manager, the hook is on inside the ``with`` block."""

    def __init__(self, module: Module, hooks: list[Callable[..., Any]], hook: Callable[..., Any]) -> None:
        self._module, self._hooks, self._hook = module, hooks, hook

    def remove(self) -> None:
        """Take the hook off."""
        if any(h is self._hook for h in self._hooks):
            self._hooks.remove(self._hook)
            if not any(self._module.__dict__["_hooks"]):  # (no hook left: the plain call again)
                object.__delattr__(self._module, "_hooks")
                _HOOKED.discard(id(self._module))
            _edited()

    def __enter__(self) -> HookHandle:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.remove()


class _BackwardHooks:
    """One call's full backward hooks (``register_full_backward_hook`` / ``_pre_hook``): each
    positional input and each output Tensor that requires a gradient is passed on as a copy
    (``clone``) whose gradient is then the module's own, caught by a tensor hook on the copy
    (the outputs' come first: they are further from the leaves)."""

    def __init__(self, module: Module, hooks: list[Callable[..., Any]], pre_hooks: list[Callable[..., Any]]) -> None:
        self.module, self.hooks, self.pre_hooks = module, list(hooks), list(pre_hooks)
        self.grad_inputs: list[Any] = []
        self.zeros: list[Tensor | None] = []
        self.grad_outputs: list[Any] = []
        self.wanted_inputs: set[int] = set()
        self.wanted_outputs: set[int] = set()
        self.waiting: set[int] = set()
        self.pending: set[int] = set()
        self.pre_done = False

    def inputs(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """The inputs as ``forward`` gets them: a copy of each that requires a gradient."""
        passed = list(args)
        for i, a in enumerate(args):
            if isinstance(a, Tensor) and a.requires_grad:
                passed[i] = a.clone()
                passed[i].register_hook(functools.partial(self._input_grad, i))
                self.wanted_inputs.add(i)
        # PyTorch's grad_input: zeros for an input Tensor that needs no gradient beside one that does
        self.zeros = [a if isinstance(a, Tensor) and self.wanted_inputs else None for a in args]
        self.grad_inputs = self._cleared()
        self.waiting = set(self.wanted_inputs)
        return tuple(passed)

    def _cleared(self) -> list[Any]:
        return [None if a is None else Tensor(np.zeros_like(a._data)) for a in self.zeros]

    def outputs(self, output: Any) -> Any:
        """The output as the caller gets it: a copy of each Tensor (of a tuple, or the one) that
        requires a gradient."""
        several = isinstance(output, tuple)
        flat = list(output) if several else [output]
        self.grad_outputs = [None] * len(flat)
        for j, out in enumerate(flat):
            if isinstance(out, Tensor) and out.requires_grad:
                flat[j] = out.clone()
                flat[j].register_hook(functools.partial(self._output_grad, j))
                self.wanted_outputs.add(j)
        self.pending = set(self.wanted_outputs)
        return tuple(flat) if several else flat[0]

    def _replaced(
        self, kind: str, given: tuple[Any, ...], got: Any, position: int, wanted: set[int]
    ) -> tuple[Any, ...]:
        """A hook's result ``got`` in place of ``given``, checked: the same length, and, where the
        module has several gradients of that kind, a change only at ``position`` (the others went on)."""
        got = tuple(got) if isinstance(got, (tuple, list)) else (got,)
        if len(got) != len(given):
            raise RuntimeError(
                f"{type(self.module).__name__}: a backward hook returned {len(got)} {kind} gradient(s), expected "
                f"{len(given)}"
            )
        if any(got[k] is not given[k] for k in wanted if k != position):
            raise RuntimeError(
                f"{type(self.module).__name__}: MyTorch's backward hooks replace {kind} gradients only for a module "
                f"with one {kind} that requires a gradient"
            )
        return got

    def _run_pre_hooks(self, position: int) -> None:
        self.pre_done = True
        given = tuple(self.grad_outputs)
        for hook in self.pre_hooks:
            changed = hook(self.module, given)
            if changed is not None:
                given = self._replaced("output", given, changed, position, self.wanted_outputs)
        self.grad_outputs = list(given)

    def _output_grad(self, j: int, grad: Tensor) -> Any:
        self.grad_outputs[j] = grad
        self.pending.discard(j)
        if self.pending:
            return None
        self._run_pre_hooks(j)
        if not self.wanted_inputs:  # (no input takes a gradient: the hooks are called now, as PyTorch's)
            self._run_hooks(-1)
            self.pre_done = False
        self.pending = set(self.wanted_outputs)  # (for a backward through the graph again)
        return self.grad_outputs[j]

    def _run_hooks(self, position: int) -> tuple[Any, ...]:
        given = tuple(self.grad_inputs)
        for hook in self.hooks:
            changed = hook(self.module, given, tuple(self.grad_outputs))
            if changed is not None:
                given = self._replaced("input", given, changed, position, self.wanted_inputs)
        return given

    def _input_grad(self, i: int, grad: Tensor) -> Any:
        if not self.pre_done and self.pre_hooks:  # (an output got no gradient: None, as PyTorch gives)
            self._run_pre_hooks(-1)
        self.grad_inputs[i] = grad
        self.waiting.discard(i)
        if self.waiting:
            return None
        given = self._run_hooks(i)
        self.waiting, self.pre_done = set(self.wanted_inputs), False
        self.grad_inputs = self._cleared()
        return given[i]


class Module:
    """Base class of Tensor-level layers and networks (PyTorch's ``torch.nn.Module``).

    Attributes:
        training: True in training mode (``train()``), False after ``eval()``; layers such as
            ``Dropout`` behave differently in the two.
    """

    training: bool
    # The registries, in assignment order (set by __init__; None: an empty slot).
    _parameters: dict[str, Parameter | None]
    _buffers: dict[str, Tensor | None]
    _modules: dict[str, Module | None]
    # The version of this class's state-dict layout, saved in ``state_dict()._metadata`` (PyTorch's).
    _version: int = 1

    def __init__(self) -> None:
        object.__setattr__(self, "training", True)
        for registry in _REGISTRIES:
            object.__setattr__(self, registry, {})

    # ------------------------------------------------------------------ registration
    def _registries(self) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        try:
            return self._parameters, self._buffers, self._modules
        except AttributeError:
            raise AttributeError(
                f"{type(self).__name__}: call super().__init__() at the start of __init__, before "
                "assigning parameters or sub-modules"
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        registered = isinstance(value, (Parameter, Module))
        if registered or ("_modules" in self.__dict__ and any(name in r for r in self._registries())):
            self._register(name, value)
        else:
            object.__setattr__(self, name, value)
            _edited()

    def _register(self, name: str, value: Any) -> None:
        """Put ``value`` in the registry its kind belongs to (and nowhere else)."""
        parameters, buffers, modules = self._registries()
        if isinstance(value, Parameter):
            target = parameters
        elif isinstance(value, Module):
            target = modules
        elif value is None or (name in buffers and isinstance(value, Tensor)):
            target = next(r for r in (parameters, buffers, modules) if name in r)
        else:
            kind = "parameter" if name in parameters else "buffer" if name in buffers else "sub-module"
            expected = {"parameter": "a Parameter", "buffer": "a Tensor", "sub-module": "a Module"}[kind]
            raise TypeError(
                f"{type(self).__name__}.{name} is a {kind}: assign {expected} or None, not a {type(value).__name__}"
            )
        for registry in (parameters, buffers, modules):
            if registry is not target:
                registry.pop(name, None)
        target[name] = value
        object.__setattr__(self, name, value)
        _edited()

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Copied (``copy.deepcopy``) or unpickled: the attributes, and the copy's forward hooks
        are looked for at its calls (a copy of a module with hooks ran none once no other module
        had any: the hooks registered on the original taken off, or in another process)."""
        self.__dict__.update(state)
        if "_hooks" in state:
            _HOOKED.add(id(self))

    def __delattr__(self, name: str) -> None:
        for registry in self._registries():
            registry.pop(name, None)
        object.__delattr__(self, name)
        _edited()

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (or an empty slot, None) under ``name``."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"{type(self).__name__}.register_parameter({name!r}): expected a Parameter or None")
        self._registries()[0][name] = param
        self._register(name, param)

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register a Tensor that is state but not a parameter: it goes into ``state_dict``
        unless ``persistent`` is False (a mask or a table rebuilt in ``__init__``), as in PyTorch."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"{type(self).__name__}.register_buffer({name!r}): expected a Tensor or None")
        self._registries()[1][name] = tensor
        self._register(name, tensor)
        left_out = self.__dict__.get("_non_persistent")
        if not persistent:
            if left_out is None:
                left_out = self.__dict__["_non_persistent"] = set()
            left_out.add(name)
        elif left_out:
            left_out.discard(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` (or an empty slot, None) under ``name``."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}.add_module({name!r}): expected a Module or None")
        self._registries()[2][name] = module
        self._register(name, module)

    def register_module(self, name: str, module: Module | None) -> None:
        """PyTorch's other name of ``add_module``."""
        self.add_module(name, module)

    # ------------------------------------------------------------------ the forward pass
    def forward(self, *inputs: Any) -> Any:
        """Compute the output from the inputs (subclasses define this)."""
        raise NotImplementedError(f"{type(self).__name__}.forward is not defined: a Module subclass defines forward()")

    def __call__(self, *inputs: Any, **kwargs: Any) -> Any:
        """``module(x)``: ``forward(x)``, between the forward hooks if any are registered."""
        for modules in _CALLS:  # (a replay capturing a step: see ``called``)
            modules[id(self)] = self
        if _HOOKED and "_hooks" in self.__dict__:
            return self._call_with_hooks(inputs, kwargs)
        if kwargs or len(inputs) != 1:
            return self.forward(*inputs, **kwargs)
        return self.forward(inputs[0])  # (by position: the call stays in this evaluation of the loop)

    # ------------------------------------------------------------------ forward hooks
    def register_forward_pre_hook(
        self, hook: Callable[..., Any], *, prepend: bool = False, with_kwargs: bool = False
    ) -> HookHandle:
        """Call ``hook(module, args)`` before each ``forward`` (``args``: the positional inputs, a
        tuple); a result other than None replaces them (a non-tuple as the one input). With
        ``with_kwargs=True``, ``hook(module, args, kwargs)``, whose result other than None is the
        pair ``(args, kwargs)`` to call with. ``prepend=True`` runs it before the hooks already
        registered. Returns a handle whose ``remove()`` (or the end of ``with handle:``) takes the
        hook off."""
        return self._add_hook(0, _flagged(hook, with_kwargs, False), prepend)

    def register_forward_hook(
        self,
        hook: Callable[..., Any],
        *,
        prepend: bool = False,
        with_kwargs: bool = False,
        always_call: bool = False,
    ) -> HookHandle:
        """Call ``hook(module, args, output)`` after each ``forward``; a result other than None
        replaces the output (to collect activations, return nothing). ``with_kwargs=True``:
        ``hook(module, args, kwargs, output)``. ``always_call=True``: called also when the call
        raised (in a pre-hook, ``forward`` or an earlier hook), with the output so far (None if
        ``forward`` raised); what such a call raises is a warning, and the first error is raised
        on. Returns a handle, as ``register_forward_pre_hook`` does."""
        return self._add_hook(1, _flagged(hook, with_kwargs, always_call), prepend)

    def register_full_backward_hook(self, hook: Callable[..., Any], prepend: bool = False) -> HookHandle:
        """Call ``hook(module, grad_input, grad_output)`` once the gradients of this module's inputs
        are computed in a backward (``grad_input``: one per positional input, None where it needs
        none; ``grad_output``: one per output Tensor), as PyTorch's; a tuple returned replaces
        ``grad_input`` (a module with one input that requires a gradient). With no input that
        requires one, it is called once the outputs' gradients are in. Returns a handle."""
        return self._add_hook(2, hook, prepend)

    def register_full_backward_pre_hook(self, hook: Callable[..., Any], prepend: bool = False) -> HookHandle:
        """Call ``hook(module, grad_output)`` once the gradients of this module's outputs are
        computed in a backward, before those of its inputs; a tuple returned replaces
        ``grad_output`` (a module with one output). Returns a handle."""
        return self._add_hook(3, hook, prepend)

    def _add_hook(self, kind: int, hook: Callable[..., Any], prepend: bool) -> HookHandle:
        if not callable(hook.hook if type(hook) is _Flagged else hook):
            given = hook.hook if type(hook) is _Flagged else hook
            raise TypeError(f"{type(self).__name__}: a hook must be callable, got {type(given).__name__}")
        hooks: tuple[list[Callable[..., Any]], ...] | None = self.__dict__.get("_hooks")
        if hooks is None:
            hooks = ([], [], [], [])
            object.__setattr__(self, "_hooks", hooks)
            _HOOKED.add(id(self))
        hooks[kind].insert(0 if prepend else len(hooks[kind]), hook)
        _edited()  # (a replayed step did not run it: capture again)
        return HookHandle(self, hooks[kind], hook)

    def _call_with_hooks(self, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        pre, post, backward, backward_pre = self.__dict__["_hooks"]
        post = list(post)
        output, ran = None, 0  # (the output so far, and how many forward hooks ran: for ``always_call``)
        try:
            for hook in list(pre):
                if type(hook) is _Flagged:
                    changed = hook.hook(self, inputs, kwargs)
                    if changed is not None:
                        if not (isinstance(changed, tuple) and len(changed) == 2):
                            raise RuntimeError(
                                f"{type(self).__name__}: a forward pre-hook registered with with_kwargs=True must "
                                f"return None or a tuple (args, kwargs), got {type(changed).__name__}"
                            )
                        inputs, kwargs = tuple(changed[0]), dict(changed[1])
                    continue
                changed = hook(self, inputs)
                if changed is not None:
                    inputs = changed if isinstance(changed, tuple) else (changed,)
            watch = (
                _BackwardHooks(self, backward, backward_pre)
                if (backward or backward_pre) and is_grad_enabled()
                else None
            )
            if watch is not None:
                inputs = watch.inputs(inputs)
            output = self.forward(*inputs, **kwargs)
            for hook in post:
                ran += 1
                changed = (
                    hook.call(self, inputs, kwargs, output) if type(hook) is _Flagged else hook(self, inputs, output)
                )
                if changed is not None:
                    output = changed
            return output if watch is None else watch.outputs(output)
        except Exception:
            _always_called(self, post[ran:], inputs, kwargs, output)
            raise

    # ------------------------------------------------------------------ walking the tree
    def named_modules(
        self, memo: set[Any] | None = None, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Module]]:
        """This module and every module below it, each once, with its dotted name (with
        ``remove_duplicate=False``, a module registered under two names is listed under each, as
        PyTorch's; ``memo``, the modules to skip, is PyTorch's too)."""
        seen: set[int] = {id(m) for m in memo} if memo else set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate:
                if id(module) in seen:
                    continue
                seen.add(id(module))
                if memo is not None:
                    memo.add(module)
            yield name, module
            children = [(f"{name}.{n}" if name else n, m) for n, m in module._modules.items() if m is not None]
            stack.extend(reversed(children))

    def get_submodule(self, target: str) -> Module:
        """The module at the dotted path ``target`` ("" is this module), as PyTorch's.

        Raises:
            AttributeError: a step of the path that is not a sub-module.
        """
        module = self
        for step in target.split(".") if target else []:
            found = module._modules.get(step)
            if found is None:
                raise AttributeError(f"{type(module).__name__} has no sub-module {step!r} (in {target!r})")
            module = found
        return module

    def set_submodule(self, target: str, module: Module, strict: bool = False) -> None:
        """Put ``module`` at the dotted path ``target`` (``"layer1.0.conv1"``), replacing the module
        there or, unless ``strict``, adding one under the last name, as PyTorch's.

        Raises:
            ValueError: an empty ``target``, or ``module`` not a Module.
            AttributeError: a step of the path that is not a sub-module, a last name that holds
                something else (a parameter), or, with ``strict``, none.
        """
        if not target:
            raise ValueError("Cannot set the submodule without a target name!")
        owner_path, _, name = target.rpartition(".")
        owner = self.get_submodule(owner_path)
        if not isinstance(module, Module):
            raise ValueError(f"`module` is not an nn.Module, found {type(module)}")
        present = hasattr(owner, name)
        if strict and not present:
            raise AttributeError(f"{type(owner).__name__} has no attribute `{name}`")
        if present and not isinstance(getattr(owner, name), (Module, type(None))):
            raise AttributeError(f"`{name}` is not an nn.Module")
        setattr(owner, name, module)

    def _get_registered(self, registry: str, what: str, target: str) -> Tensor:
        owner, _, name = target.rpartition(".")
        value = getattr(self.get_submodule(owner), registry).get(name)
        if value is None:
            raise AttributeError(f"{type(self).__name__} has no {what} {target!r}")
        return value

    def get_parameter(self, target: str) -> Parameter:
        """The parameter at the dotted path ``target`` (``"0.weight"``)."""
        return self._get_registered("_parameters", "parameter", target)  # type: ignore[return-value]

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at the dotted path ``target``."""
        return self._get_registered("_buffers", "buffer", target)

    def modules(self) -> Iterator[Module]:
        """This module and every module below it."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct sub-modules with their attribute names, each once (one registered twice,
        ``nn.Sequential(block, block)``, under its first name), as PyTorch's: so ``apply`` calls
        ``fn`` on it once."""
        seen: set[int] = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        """The direct sub-modules."""
        for _, module in self.named_children():
            yield module

    def _named(
        self, registry: str, prefix: str, recurse: bool, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        seen: set[int] = set()
        walk = self.named_modules(None, prefix, remove_duplicate) if recurse else iter([(prefix, self)])
        for owner, module in walk:
            for name, value in getattr(module, registry).items():
                if value is not None and (not remove_duplicate or id(value) not in seen):
                    seen.add(id(value))
                    yield (f"{owner}.{name}" if owner else name), value

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """Every parameter once (a shared one under its first name), with its dotted name; with
        ``remove_duplicate=False`` a shared (tied) one under each of its names, as PyTorch's."""
        return self._named("_parameters", prefix, recurse, remove_duplicate)  # type: ignore[return-value]

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter once, in registration order: what an optimizer takes."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Tensor]]:
        """Every buffer once, with its dotted name (``remove_duplicate=False``: a shared one under each name)."""
        return self._named("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Every buffer once."""
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every sub-module (children first) and on this module; returns self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ modes and gradients
    def train(self, mode: bool = True) -> Module:
        """Training mode (or evaluation mode for ``mode=False``) for the whole tree; returns self."""
        if not isinstance(mode, bool):
            raise TypeError(f"{type(self).__name__}.train: mode must be a bool, got {type(mode).__name__}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode for the whole tree (``train(False)``); returns self."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Freeze (False) or unfreeze every parameter; returns self."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Drop every parameter's gradient (``set_to_none``, the default) or zero it in place."""
        for param in self.parameters():
            if set_to_none:
                param.grad = None
            elif param.grad is not None:  # (a Tensor: the grad setter takes nothing else)
                param.zero_grad()

    # ------------------------------------------------------------------ dtype
    def to(self, *args: Any, **kwargs: Any) -> Module:
        """``to(dtype)``, ``to(device)``, ``to(device, dtype)``, ``to(tensor)`` (its dtype), as in
        PyTorch: convert every parameter and floating-point buffer to the dtype, in place (the
        same Parameter objects, new arrays; a gradient is converted with its parameter, as
        PyTorch does); returns self. The only device is the CPU ("cpu")."""
        name = type(self).__name__
        dtype = kwargs.pop("dtype", None)
        devices = [kwargs.pop("device", None)]
        if kwargs:
            raise TypeError(f"{name}.to: unexpected keyword argument(s) {sorted(kwargs)}")
        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif isinstance(arg, str) or type(arg).__name__ == "device":
                devices.append(arg)
            else:
                dtype = arg
        for device in devices:
            if device is not None and str(device) != "cpu":
                raise ValueError(f"{name}.to: MyTorch runs on NumPy, so the only device is 'cpu', got {device!r}")
        if dtype is None:
            return self
        target = np.dtype(dtype)
        if target.kind != "f":
            raise TypeError(f"{name}.to: parameters need a floating-point dtype, got {target}")
        for tensor in [*self.parameters(), *self.buffers()]:
            if tensor._data.dtype.kind == "f" and tensor._data.dtype != target:
                _edited()  # (a replay watches the parameters' arrays, not the buffers')
                grad = tensor.grad
                tensor.grad = None
                tensor._data = tensor._own = tensor._data.astype(target)  # (a new array: see Tape.unowned)
                if grad is not None:  # kept, in the new dtype (it was dropped: a pending gradient was lost)
                    tensor.grad = Tensor(grad._data.astype(target))
        return self

    def cpu(self) -> Module:
        """Itself: every parameter is on the CPU already."""
        return self

    def cuda(self, device: Any = None) -> Module:
        """Refused, as ``to("cuda")`` is: MyTorch computes on the CPU."""
        raise ValueError(
            f"{type(self).__name__}.cuda: MyTorch runs on NumPy, on the CPU only (mytorch.cuda.is_available() is "
            "False); use model.to(device) with device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')"
        )

    def compile(self, *args: Any, **kwargs: Any) -> None:  # noqa: A003 - PyTorch's name
        """PyTorch's ``model.compile()``: nothing to do (``mytorch.compile`` returns the model as it is)."""

    def double(self) -> Module:
        """Parameters and buffers as float64; returns self."""
        return self.to(np.float64)

    def float(self) -> Module:  # noqa: A003 - PyTorch's name
        """Parameters and buffers as float32; returns self."""
        return self.to(np.float32)

    def half(self) -> Module:
        """Parameters and buffers as float16; returns self."""
        return self.to(np.float16)

    # ------------------------------------------------------------------ state
    def state_dict(
        self, *, destination: dict[str, Any] | None = None, prefix: str = "", keep_vars: bool = False
    ) -> dict[str, Tensor]:
        """Every parameter and buffer by dotted name, as Tensors sharing their arrays (with
        ``keep_vars``, the parameters and buffers themselves), each name after ``prefix``, put
        into ``destination`` when given (and returned), as PyTorch's.

        ``{k: v.numpy() for k, v in model.state_dict().items()}`` is ready for ``numpy.savez``.
        An ``OrderedDict``, as PyTorch's (code telling a state dict from a checkpoint by
        ``isinstance(obj, OrderedDict)`` takes it for one).
        """
        found = destination if destination is not None else OrderedDict()
        if destination is None:
            found._metadata = OrderedDict()  # type: ignore[attr-defined]
        for name, value in self._state_items(prefix):
            found[name] = value if keep_vars else Tensor(value._data)
        versions = getattr(found, "_metadata", None)
        if isinstance(versions, dict):  # each module's layout version, by its name without the dot
            for path, module in self.named_modules(prefix=prefix.removesuffix("."), remove_duplicate=False):
                versions[path] = {"version": module._version}
        return found

    def _keys_older_versions_lack(self, version: int | None) -> tuple[str, ...]:
        """The names of this module's state entries that a state dict saved by an older layout
        version (``version``; None: a dict without ``_metadata``, such as a plain ``dict``) may
        lack: ``load_state_dict`` keeps their current values and does not list them as missing."""
        return ()

    def _state_items(self, prefix: str) -> Iterator[tuple[str, Tensor]]:
        """What ``state_dict`` holds, in PyTorch's order: each module's parameters, then its
        buffers, then its children's, depth first; a shared parameter or module under each of
        its names (so that a PyTorch state dict of tied weights loads, and the positions match)."""
        for key, _, _, value in self._state_slots(prefix):
            yield key, value

    def _state_slots(self, prefix: str) -> Iterator[tuple[str, Module, str, Tensor]]:
        """``_state_items`` with the module each entry belongs to and its name there."""
        parameters, buffers, modules = self._registries()
        left_out = self.__dict__.get("_non_persistent") or ()  # (buffers registered with persistent=False)
        for registry in (parameters, buffers):
            for name, value in registry.items():
                if value is not None and not (registry is buffers and name in left_out):
                    yield prefix + name, self, name, value
        for name, module in modules.items():
            if module is not None:
                yield from module._state_slots(f"{prefix}{name}.")

    def load_state_dict(
        self, state_dict: Mapping[str, Any], strict: bool = True, assign: bool = False
    ) -> IncompatibleKeys:
        """Copy values (Tensors or arrays, e.g. a ``numpy.load``-ed ``.npz``) into the parameters
        and buffers of the same names, in place, cast to their dtypes.

        With ``assign=True``, as PyTorch's, the values become the parameters and buffers instead
        of being copied into them: each parameter is replaced by a new ``Parameter`` sharing the
        value's array (a ``Parameter`` value is used itself), keeping the old one's
        ``requires_grad``; each buffer is replaced by the value (detached if it requires a
        gradient). Values keep their own dtypes. An optimizer made before holds the old
        parameters: make it after loading.

        As PyTorch's, a module's entries that an older layout of it lacked are not missing when a
        state dict without ``_metadata`` (a plain ``dict``, an ``.npz``) or of that older version
        leaves them out: BatchNorm's ``num_batches_tracked`` keeps its value. ``state_dict()``
        records each module's version in its ``_metadata``, so a key deleted from it is missing.

        Raises:
            KeyError: ``strict`` and a name is missing or unexpected (all of them listed); a
                ``RuntimeError`` too, PyTorch's error, which PyTorch code catches.
            ValueError: a value's shape differs from its parameter's (nothing is changed); a
                ``RuntimeError`` too, as PyTorch's.
            TypeError: a value does not hold numbers (strings, objects; nothing is changed).
            GradDtypeError: ``assign`` and a value for a parameter that requires a gradient is
                not floating point (nothing is changed); a ``RuntimeError`` too, as PyTorch's.
        """
        name = type(self).__name__
        if not isinstance(state_dict, Mapping):  # (a list read as its keys: "unexpected keys [1, 2]")
            kind = type(state_dict).__name__
            raise TypeError(f"{name}.load_state_dict: expected a dict of names to tensors, got {kind}")
        slots = {key: (owner, attribute, value) for key, owner, attribute, value in self._state_slots("")}
        targets: dict[str, Tensor] = {key: value for key, (_, _, value) in slots.items()}
        versions = getattr(state_dict, "_metadata", None)
        versions = versions if isinstance(versions, Mapping) else {}
        older: set[str] = set()
        for path, module in self.named_modules(remove_duplicate=False):
            version = versions.get(path, {}).get("version")
            dot = f"{path}." if path else ""
            older.update(dot + key for key in module._keys_older_versions_lack(version))
        missing = [k for k in targets if k not in state_dict and k not in older]
        unexpected = [k for k in state_dict if k not in targets]
        if strict and (missing or unexpected):
            raise StateDictKeyError(f"{name}.load_state_dict: missing keys {missing}, unexpected keys {unexpected}")
        updates: list[tuple[Tensor, np.ndarray]] = []
        replacements: list[tuple[Module, str, Tensor, bool]] = []
        for key, target in targets.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            array = np.asarray(value._data if isinstance(value, Tensor) else value)
            if array.shape != target.shape:
                raise ShapeRuntimeError(
                    f"{name}.load_state_dict: {key!r} has shape {tuple(array.shape)}, the module's is "
                    f"{tuple(target.shape)}"
                )
            if array.dtype.kind not in "biufc":  # (strings, objects: an error from copy_ after others were copied)
                raise TypeError(f"{name}.load_state_dict: {key!r} holds {array.dtype}, not numbers")
            if assign:
                new = _assigned(value, array, target, f"{name}.load_state_dict: {key!r}")
                replacements.append((*slots[key][:2], new, target.requires_grad))
                continue
            # (complex into real, 2.5 into num_batches_tracked, 1e6 into float16: not copied as cut or inf)
            check_castable(array, target.dtype, f"{name}.load_state_dict: {key!r}")
            updates.append((target, array))
        for owner, attribute, new, requires_grad in replacements:  # (in order: a tied module's last name wins)
            if isinstance(new, Parameter):
                new.requires_grad_(requires_grad)
            setattr(owner, attribute, new)
        with no_grad():  # only once all fit: a failed load changes nothing
            for target, array in updates:
                target.copy_(array)  # cast to the parameter's dtype; a live graph reading it sees the new version
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ printing
    def extra_repr(self) -> str:
        """The arguments shown inside this module's parentheses in ``repr``."""
        return ""

    def __repr__(self) -> str:
        children = [f"({n}): {m!r}".replace("\n", "\n  ") for n, m in self._modules.items()]
        extra = self.extra_repr()
        lines = (extra.split("\n") if extra else []) + children
        if len(lines) == 1 and not children:  # (one line of extra_repr: on the name's line)
            return f"{type(self).__name__}({extra})"
        body = "\n  " + "\n  ".join(lines) + "\n" if lines else ""
        return f"{type(self).__name__}({body})"


def _assigned(value: Any, array: np.ndarray, target: Tensor, what: str) -> Tensor:
    """What ``load_state_dict(assign=True)`` puts in the place of ``target`` for ``value`` (whose
    values are ``array``): a Parameter (``value`` itself if it is one) or a buffer."""
    if not isinstance(target, Parameter):
        if not isinstance(value, Tensor) or isinstance(value, Parameter):
            return Tensor(array)
        return value.detach() if value.requires_grad else value
    if target.requires_grad and array.dtype.kind != "f":
        raise GradDtypeError(f"{what}: the parameter requires a gradient, which a value of dtype {array.dtype} cannot")
    # (a Parameter value is itself the new parameter; its requires_grad is set once all values fit)
    return value if isinstance(value, Parameter) else Parameter(value, requires_grad=target.requires_grad)


tensor_missing.install(Module, tensor_missing.MODULE_MISSING, "nn.Module")  # PyTorch's names it lacks say so

"""``torch.nn.utils.parametrize`` and ``torch.nn.utils.parametrizations.weight_norm``: a tensor
of a module computed from other tensors at each read.

``register_parametrization(module, "weight", P())`` moves ``module.weight`` to
``module.parametrizations.weight.original`` (or ``original0``, ``original1``, ... when
``P.right_inverse`` splits it in several tensors) and makes ``module.weight`` a property of a
new class, ``Parametrized<Class>``, returning ``P(original)`` (each further parametrization
registered on the name applied in turn), so gradients reach the originals. Assigning
``module.weight = w`` stores ``P.right_inverse(w)`` in them. ``remove_parametrizations`` puts
a plain parameter back. The names and the state-dict keys are PyTorch's; an error names the
function, the module's class and the tensor.
``cached()`` is accepted and computes each read afresh (the same numbers).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

from mytorch.autograd_engine import no_grad
from mytorch.nn.containers import ModuleDict, ModuleList
from mytorch.nn.module import Module
from mytorch.nn.parameter import Parameter
from mytorch.tensor import Tensor

__all__ = [
    "ParametrizationList",
    "cached",
    "is_parametrized",
    "register_parametrization",
    "remove_parametrizations",
    "type_before_parametrizations",
]


def _as_state(value: Tensor, like: Tensor) -> Tensor:
    """``value`` as ``like``'s kind: a Parameter (requiring grad as ``like`` does) or a plain tensor."""
    data = value.detach()
    if isinstance(like, Parameter):
        return Parameter(data, requires_grad=like.requires_grad)
    return data


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor (``module.parametrizations.<name>``) and the original
    tensor(s) they read, ``original`` or ``original0``, ``original1``, ...; calling it gives the
    parametrized value."""

    original: Tensor

    def __init__(self, modules: Sequence[Module], original: Tensor, unsafe: bool = False) -> None:
        if not modules:
            raise ValueError("ParametrizationList: needs at least one parametrization module, got none")
        super().__init__(modules)
        self.unsafe = unsafe
        with no_grad():
            new: Any = original
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    with contextlib.suppress(NotImplementedError):  # (no inverse: the original kept, as PyTorch's)
                        new = module.right_inverse(new)
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            if not unsafe and (tuple(new.shape) != tuple(original.shape) or new.dtype != original.dtype):
                raise ValueError(
                    f"register_parametrization: right_inverse turned the original {original.dtype} "
                    f"{tuple(original.shape)} into one {new.dtype} {tuple(new.shape)}; a single tensor it "
                    "returns must keep both (unsafe=True allows it)"
                )
            if new is not original:
                if tuple(new.shape) == tuple(original.shape) and new.dtype == original.dtype:
                    with no_grad():  # (the same Parameter object kept: an optimizer holding it goes on)
                        original.copy_(new)
                else:
                    original = _as_state(new, original)
            self._keep("original", original)
        else:
            for i, part in enumerate(new):
                if not isinstance(part, Tensor):
                    raise ValueError(
                        f"register_parametrization: right_inverse returned a {type(part).__name__} among its "
                        "results; it returns a Tensor or a sequence of Tensors"
                    )
                self._keep(f"original{i}", _as_state(part, original))

    def _keep(self, name: str, value: Tensor) -> None:
        if isinstance(value, Parameter):
            self.register_parameter(name, value)
        else:
            self.register_buffer(name, value)

    def _originals(self) -> list[Tensor]:
        if self.is_tensor:
            return [self.original]
        return [getattr(self, f"original{i}") for i in range(self.ntensors)]

    def right_inverse(self, value: Tensor) -> None:
        """Store ``value``: each parametrization's ``right_inverse`` applied, last first, into the originals."""
        with no_grad():
            new: Any = value
            for module in reversed(list(self)):
                if hasattr(module, "right_inverse"):
                    new = module.right_inverse(new)
                elif not self.unsafe:
                    raise RuntimeError(
                        f"assigning a parametrized tensor: {type(module).__name__} has no right_inverse to store "
                        "the value with (unsafe=True skips it)"
                    )
            parts = [new] if self.is_tensor else list(new)
            if len(parts) != self.ntensors:
                raise ValueError(
                    f"assigning a parametrized tensor: right_inverse returned {len(parts)} tensors for the "
                    f"{self.ntensors} originals"
                )
            for original, part in zip(self._originals(), parts):
                original.copy_(part)

    def forward(self) -> Tensor:
        """The parametrized tensor: the first parametrization of the originals, then each next of that."""
        modules = list(self)
        value = modules[0](*self._originals())
        for module in modules[1:]:
            value = module(value)
        return value


def _chains(module: Module) -> Any:
    """``module.parametrizations``, the ModuleDict of each parametrized name's chain."""
    return module.__dict__["_modules"]["parametrizations"]


def _property(name: str) -> property:
    def read(module: Module) -> Tensor:
        return _chains(module)[name]()

    def write(module: Module, value: Tensor) -> None:
        _chains(module)[name].right_inverse(value)

    return property(read, write, doc=f"``{name}``, computed by its parametrizations at each read.")


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether ``module`` has a parametrization (on ``tensor_name``, if given)."""
    found = module.__dict__.get("_modules", {}).get("parametrizations")
    if not isinstance(found, ModuleDict):
        return False
    return len(found) > 0 if tensor_name is None else tensor_name in found


def type_before_parametrizations(module: Module) -> type:
    """The module's class before any parametrization was registered."""
    return type(module).__bases__[0] if is_parametrized(module) else type(module)


def register_parametrization(
    module: Module, tensor_name: str, parametrization: Module, *, unsafe: bool = False
) -> Module:
    """Make ``module.<tensor_name>`` be ``parametrization(original)`` (see the module's doc);
    a second parametrization of the same name is applied to the first's result. Returns ``module``.

    Raises:
        ValueError: ``module`` has no parameter, buffer or parametrized tensor ``tensor_name``;
            ``right_inverse`` changing the shape or dtype of a single tensor (unless ``unsafe``).
    """
    parametrization.train(module.training)
    if is_parametrized(module, tensor_name):
        chain = _chains(module)[tensor_name]
        if not unsafe:
            current = getattr(module, tensor_name)
            produced = parametrization(current)
            if tuple(produced.shape) != tuple(current.shape) or produced.dtype != current.dtype:
                raise ValueError(
                    f"register_parametrization: {type(parametrization).__name__} turns {tensor_name!r} of "
                    f"{current.dtype} {tuple(current.shape)} into {produced.dtype} {tuple(produced.shape)}; it must "
                    "keep both (unsafe=True allows it)"
                )
        chain.append(parametrization)
        return module
    parameters, buffers, _ = module._registries()
    if tensor_name not in parameters and tensor_name not in buffers:
        raise ValueError(
            f"register_parametrization: {type(module).__name__} has no parameter, buffer or parametrized "
            f"tensor with name {tensor_name!r}"
        )
    original = getattr(module, tensor_name)
    chain = ParametrizationList([parametrization], original, unsafe=unsafe)
    delattr(module, tensor_name)
    if not is_parametrized(module):
        module.__class__ = _parametrized_class(type(module))
        module.add_module("parametrizations", ModuleDict())
    _chains(module)[tensor_name] = chain
    setattr(type(module), tensor_name, _property(tensor_name))
    return module


def _parametrized_class(cls: type) -> type:
    """A new ``Parametrized<cls>``, the class of one parametrized module (its tensors' properties
    are set on it), which pickles and copies by ``_reduce``."""
    return type(f"Parametrized{cls.__name__}", (cls,), {"__reduce__": _reduce})


def _reduce(module: Module) -> tuple[Any, ...]:
    """Pickled (or deep-copied) as its class before the parametrizations, the names of its
    parametrized tensors and its attributes: ``pickle.dumps`` of a parametrized module failed,
    its class being made at run time, under a name its module does not have."""
    names = tuple(_chains(module))
    return _rebuild, (type_before_parametrizations(module), names), dict(module.__dict__)


def _rebuild(cls: type, names: tuple[str, ...]) -> Module:
    """An empty parametrized module of class ``cls`` with properties for ``names`` (``_reduce``)."""
    module: Module = cls.__new__(cls)  # type: ignore[call-overload]
    module.__class__ = _parametrized_class(cls)
    for name in names:
        setattr(type(module), name, _property(name))
    return module


def remove_parametrizations(module: Module, tensor_name: str, leave_parametrized: bool = True) -> Module:
    """Undo ``register_parametrization`` on ``tensor_name``: a plain parameter (or buffer) again,
    holding the parametrized value (``leave_parametrized``) or the original. Returns ``module``.

    Raises:
        ValueError: no parametrization on ``tensor_name``, or ``leave_parametrized=False`` for a
            tensor held as several originals.
    """
    if not is_parametrized(module, tensor_name):
        raise ValueError(
            f"remove_parametrizations: {type(module).__name__} does not have a parametrization on {tensor_name}"
        )
    chain = _chains(module)[tensor_name]
    if chain.is_tensor:
        original = chain.original
        if leave_parametrized:
            with no_grad():
                value = getattr(module, tensor_name)
                original.copy_(value)
    elif leave_parametrized:
        with no_grad():
            value = getattr(module, tensor_name)
        original = _as_state(value, chain.original0)
    else:
        raise ValueError(
            f"remove_parametrizations: leave_parametrized=False cannot put back {tensor_name!r}, which is "
            f"computed from {chain.ntensors} original tensors (only a single original can be)"
        )
    delattr(type(module), tensor_name)
    del _chains(module)[tensor_name]
    if isinstance(original, Parameter):
        module.register_parameter(tensor_name, original)
    else:
        module.register_buffer(tensor_name, original)
    if not is_parametrized(module):
        delattr(module, "parametrizations")
        module.__class__ = type(module).__bases__[0]
    return module


@contextlib.contextmanager
def cached() -> Iterator[None]:
    """PyTorch's caching of parametrized tensors within a block: accepted; every read here
    computes the value afresh (the same numbers, without the saving)."""
    yield


# --------------------------------------------------------------------------- parametrizations
class _WeightNorm(Module):
    """``weight = g * v / ||v||`` (the norm over every axis but ``dim``; all of them for None)."""

    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        from mytorch.nn.utils import _norm_except_dim

        return weight_v * (weight_g / _norm_except_dim(weight_v, self.dim))

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        from mytorch.nn.utils import _norm_except_dim

        return _norm_except_dim(weight, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """PyTorch's ``nn.utils.parametrizations.weight_norm``: ``module.<name>`` becomes
    ``g * v / ||v||`` with ``g`` (``parametrizations.<name>.original0``, the norm over every axis
    but ``dim``) and ``v`` (``original1``, the direction) its parameters. Returns ``module``."""
    if dim is not None and dim < -1:
        dim += getattr(module, name).ndim
    return register_parametrization(module, name, _WeightNorm(dim), unsafe=True)

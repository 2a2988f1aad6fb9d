"""``Optimizer``: the parameters, their groups and hyper-parameters, and the state arrays.

An optimizer takes either the handout's ``(value, gradient)`` array pairs (what
``layer.parameters()`` of ``mytorch.nn.modules`` and ``hw_bonus.mlp.MLP`` hand out) or Tensors
(``model.parameters()`` of a ``mytorch.nn.Module``), or PyTorch's parameter groups (dicts
with ``"params"`` and their own hyper-parameters). On ``step()`` it updates every value *in
place* from its gradient: a pair's gradient array, a Tensor's ``.grad`` read when the step
runs (a Tensor whose ``.grad`` is None is skipped, as in PyTorch).

Its state (velocities, moments, step counts) is plain arrays, one per parameter; ``state_dict()``
gives them in PyTorch's layout (``{"state": ..., "param_groups": ...}``), ``flat_state_dict()`` as
one flat dict of arrays, and ``load_state_dict()`` brings either back exactly.
"""

from __future__ import annotations

import builtins
import copy
import functools
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from typing import TYPE_CHECKING, Any

import numpy as np

from mytorch import tensor_missing
from mytorch.autograd_engine import enable_grad
from mytorch.dtypes import check_castable
from mytorch.saved import write_begin, write_end
from mytorch.tensor import Tensor

__all__ = [
    "PYTORCH_STATE_NAMES",
    "Optimizer",
    "OptimizerState",
    "as_given",
    "check_number",
    "flat_memory",
    "step_count",
    "step_in_place",
    "value_of",
]

PYTORCH_STATE_NAMES = {
    "velocity": "momentum_buffer",
    "m": "exp_avg",
    "v": "exp_avg_sq",
    "v_max": "max_exp_avg_sq",
    "u": "exp_inf",
    "t": "step",
}
"""PyTorch's name of each state array whose MyTorch attribute has another (``sgd.velocity``), used
by ``state_dict``; the others (``square_avg``, ``sum``, ``mu_product``...) are PyTorch's already."""

_PYTORCH_KERNEL_FLAGS = ("foreach", "fused", "capturable", "differentiable")
"""Keys of PyTorch's parameter groups that choose its kernels (``_OptimizerType`` takes them as
arguments): a state dict of PyTorch's optimizer holds them, ``load_state_dict`` passes over them."""

Pair = tuple[np.ndarray, np.ndarray]
Param = Pair | Tensor


def step_count() -> np.ndarray:
    """A parameter's new step count (``state[p]["step"]``) as PyTorch keeps it: a 0-d float32
    array, so that ``state[p]["step"]`` is ``tensor(0.)`` and ``.item()`` a float (it was a (1,)
    int64 array until 2026-12-04; such saved states still load). Whole numbers are exact in it up
    to 2**24 steps, as in PyTorch."""
    return np.zeros((), dtype=np.float32)


def check_number(owner: str, what: str, value: Any, allow_zero: bool = False) -> float:
    """``value`` if it is a finite number > 0 (>= 0 with ``allow_zero``): a Python int or float
    as given, so that ``print(optimizer)`` shows ``momentum: 0`` as PyTorch's does; a NumPy
    number as a float.

    Raises:
        TypeError: not a number. ValueError: out of range.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        hint = ""
        if hasattr(value, "item") and hasattr(value, "shape"):  # a Tensor (PyTorch takes one for lr)
            hint = (
                f" (pass {what}={what}.item(): MyTorch keeps hyper-parameters as Python numbers, so a tensor's "
                "later in-place changes would not reach the steps; change param_groups[i] or use a scheduler)"
            )
        raise TypeError(f"{owner}: {what} must be a number, got {type(value).__name__} {value!r}{hint}")
    ok = value >= 0 if allow_zero else value > 0
    if not (np.isfinite(value) and ok):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{owner}: {what} must be a finite number {bound}, got {value!r}")
    return as_given(value)


def _flattened_hyper_parameter(value: Any) -> np.ndarray:
    """A group's hyper-parameter as ``flat_state_dict`` holds it: an array of numbers or text,
    None as NaN (LBFGS's ``line_search_fn``, Adafactor's ``eps`` ``(None, 1e-3)``), which an
    ``.npz`` file keeps without pickle."""
    if value is None:
        return np.array(np.nan)
    if isinstance(value, (tuple, list)) and any(v is None for v in value):
        return np.array([np.nan if v is None else v for v in value])
    return np.array(value)


def _unflattened(value: Any, default: Any) -> Any:
    """A loaded hyper-parameter (or an element of a tuple one) as the group holds it: a NumPy
    number as a Python one, and NaN as None where the default is None (see
    ``_flattened_hyper_parameter``)."""
    if isinstance(value, np.generic):
        value = value.item()
    return None if default is None and isinstance(value, float) and value != value else value  # (NaN)


def _as_python_numbers(group: dict[str, Any]) -> None:
    """The NumPy numbers and 0-d arrays of a parameter group (written into it by hand: ``group["lr"]
    = lrs[epoch]`` of a float32 array) as Python numbers, before a step reads them: on NumPy 2 the
    rules' ``1 - beta`` and ``lr / bias_correction`` ran in an ``np.float16``/``np.float32``
    setting's precision, so that the same program stepped differently on NumPy 1 and 2."""
    for key, value in group.items():
        if isinstance(value, np.generic) or (type(value) is np.ndarray and value.ndim == 0):
            group[key] = value.item()
        elif type(value) is tuple and any(isinstance(v, (np.generic, np.ndarray)) for v in value):
            group[key] = tuple(
                v.item() if isinstance(v, (np.generic, np.ndarray)) and v.ndim == 0 else v for v in value
            )


def as_given(value: Any) -> float:
    """A checked hyper-parameter as the user gave it when it is a Python int or float (PyTorch's
    groups keep ``0`` and ``1`` as given), a NumPy number as a float."""
    return value if type(value) is int or type(value) is float else float(value)


PIECE_BYTES = 256 * 1024
"""A large update runs piece by piece, each piece this big: its temporaries (``lr * d``) then
stay in the cache instead of streaming a whole parameter's worth through memory. The update
is elementwise, so the numbers are the same."""


def pieces(arrays: list[np.ndarray]) -> list[list[np.ndarray]]:
    """``arrays`` (of one shape) cut into matching flat pieces of ``PIECE_BYTES``, or whole
    (small, or not all C-contiguous)."""
    size = PIECE_BYTES // arrays[0].itemsize
    n = arrays[0].size
    if n <= size or not all(a.flags.c_contiguous for a in arrays):
        return [arrays]
    flat = [a.reshape(-1) for a in arrays]
    return [[a[start : start + size] for a in flat] for start in range(0, n, size)]


def step_in_place(value: np.ndarray, delta: np.ndarray, who: str) -> None:
    """``value -= delta``: the one place where an optimizer writes a parameter's values.

    Args:
        value: the parameter's array (a pair's value, a Tensor's array).
        delta: the step.
        who: the optimizer, for error messages.

    A parameter saved by a live Tensor graph is read-only (``mytorch.saved``): the update goes
    through anyway, as PyTorch's does, and bumps its version, so a later backward through
    that graph raises instead of using the new values.
    """
    try:
        value -= delta
    except ValueError:
        if value.flags.writeable:
            raise
        lifted = write_begin(value, f"{who}.step")
        try:
            value -= delta
        finally:
            write_end(lifted)


def flat_memory(pairs: list[Any]) -> tuple[np.ndarray, np.ndarray] | None:
    """The two 1-D arrays that the values and the gradients of ``pairs`` tile, or None.

    ``hw_bonus.mlp.MLP`` keeps every weight and bias as a view of one flat array, and every
    gradient as a view of another, in the same order. An update that is elementwise (SGD's)
    then runs once over the two flat arrays instead of once per parameter: the same numbers,
    bit for bit, with a few NumPy calls instead of a few per parameter.

    Returns:
        ``(values, gradients)`` when every pair is a ``(value, gradient)`` of row-major views,
        the values laid end to end over all of one 1-D array, the gradients likewise over
        another; otherwise None.
    """
    if not pairs or not all(type(p) is tuple for p in pairs):
        return None
    values, grads = pairs[0][0].base, pairs[0][1].base
    if not isinstance(values, np.ndarray) or not isinstance(grads, np.ndarray) or values is grads:
        return None
    if values.ndim != 1 or grads.shape != values.shape or grads.dtype != values.dtype:
        return None
    if not (values.flags.c_contiguous and grads.flags.c_contiguous):
        return None
    offset = 0
    for value, grad in pairs:
        for view, whole in ((value, values), (grad, grads)):
            start = view.__array_interface__["data"][0] - whole.__array_interface__["data"][0]
            if view.base is not whole or not view.flags.c_contiguous or start != offset * whole.itemsize:
                return None
        offset += value.size
    return (values, grads) if offset == values.size else None


def value_of(param: Param) -> np.ndarray:
    """The array a step writes: a pair's value, a Tensor's array."""
    return param[0] if isinstance(param, tuple) else param._data


class _SharedHyperParameter:
    """``optimizer.name`` for a hyper-parameter ``name`` (``sgd.momentum``): its value, shared by
    every parameter group, or an AttributeError when the groups differ or the optimizer has no
    such hyper-parameter. Setting it goes through ``Optimizer.__setattr__`` (every group, checked).

    Put on an optimizer's class for each of its defaults the class does not define
    (``_expose_hyper_parameters``), rather than found by a ``__getattr__``: a class with a
    ``__getattr__`` has every attribute read of its objects made in full, about 700 instructions
    instead of a few tens, the step's own reads of ``params`` or ``param_groups`` included.
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, optimizer: Any, owner: type | None = None) -> Any:
        if optimizer is None:
            return self
        name = self.name
        if name not in optimizer.__dict__.get("defaults", ()):  # (another optimizer of the class may have it)
            raise AttributeError(f"{type(optimizer).__name__!r} object has no attribute {name!r}")
        values = [group[name] for group in optimizer.param_groups]
        if any(v != values[0] for v in values):
            raise AttributeError(
                f"{type(optimizer).__name__}.{name}: the parameter groups differ; read param_groups[i][{name!r}]"
            )
        return values[0]


def _expose_hyper_parameters(cls: type, names: Iterable[str]) -> None:
    """A ``_SharedHyperParameter`` on ``cls`` for each of ``names`` that it does not define
    (``lr`` is a property of every optimizer; a method of the same name keeps its place)."""
    for name in names:
        if not hasattr(cls, name):
            setattr(cls, name, _SharedHyperParameter(name))


def _ascending_when_asked(step: Callable[..., Any]) -> Callable[..., Any]:
    """A MyTorch optimizer's ``step`` that ascends the groups whose ``maximize`` is set, read at
    each step (``opt.maximize = True`` and ``opt.param_groups[0]["maximize"] = True`` alike); with
    none set, the class's ``step`` after one look at each group. It takes PyTorch's optional
    ``closure`` (called with gradients enabled before the update; its loss is returned)."""

    @functools.wraps(step)
    def step_(self: Optimizer, closure: Callable[[], Any] | None = None) -> Any:
        groups, members = self.param_groups, self._members
        if len(groups) == 1 == len(members):  # (one group: _groups_changed's look, here without its call)
            listed, size = members[0]
            changed = groups[0]["params"] is not listed or len(listed) != size
        else:
            changed = self._groups_changed()
        if changed:
            self._refuse_changed_groups()
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            if group.get("maximize") and "_ascending" not in self.__dict__:
                self._step_ascending(step)
                break
        else:
            step(self)
        if not self._all_stepped:
            self._note_stepped()
        return loss

    return step_


class _ParameterEntry(dict):
    """``optimizer.state[p]`` of a MyTorch optimizer's parameter: a dict whose entries under the
    optimizer's state names (``exp_avg``, ``momentum_buffer``...) are its arrays, as Tensors. Set
    one (``state["momentum_buffer"] = t``) and the optimizer takes ``t`` (``_take_state``), as
    PyTorch's step reads what the dict holds; delete one and that state starts afresh. (A plain
    dict here kept the value while the step read the old array, silently.)"""

    def __init__(self, optimizer: Optimizer, index: int) -> None:
        super().__init__()
        self._optimizer, self._index = optimizer, index

    def __setitem__(self, key: str, value: Any) -> None:
        name = self._optimizer._state_name(key)
        if name is not None:
            value = self._optimizer._take_state(self._index, name, value)
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        name = self._optimizer._state_name(key)
        if name is not None:
            self._optimizer._reset_state([self._index], [name])

    def __reduce__(self) -> Any:  # (copied or pickled: a plain dict of its entries)
        return dict, (dict(self),)


class OptimizerState(MutableMapping[Any, dict[str, Any]]):
    """``optimizer.state``, as PyTorch's: each parameter's state, a dict, made empty on first
    reading (``self.state[p]`` of a parameter without state is ``{}``, kept). A subclass of
    ``Optimizer`` written for PyTorch keeps its state here (``state["step"] = 0``,
    ``state["exp_avg"] = torch.zeros_like(p)``), and ``state_dict`` / ``load_state_dict`` carry it.
    MyTorch's own optimizers keep theirs in arrays (``sgd.velocity``, ``adam.m``, ...): reading
    ``state[p]`` puts them in its dict as Tensors sharing those arrays, under PyTorch's names
    (``momentum_buffer``, ``exp_avg``, ...), so an in-place change of one changes the optimizer's."""

    def __init__(self, optimizer: Optimizer) -> None:
        self._optimizer = optimizer
        self._own: dict[Any, dict[str, Any]] = {}

    def _index(self, p: Any) -> int | None:
        """The position of the Tensor ``p`` among the optimizer's parameters (None: not one)."""
        if isinstance(p, Tensor):
            for i, q in enumerate(self._optimizer.params):
                if q is p:
                    return i
        return None

    def _arrays(self, p: Any) -> dict[str, Tensor]:
        """The MyTorch optimizer's own state of ``p``, as Tensors under PyTorch's names (none
        before ``p``'s first step, as PyTorch's)."""
        optimizer = self._optimizer
        i = self._index(p) if optimizer.state_names else None
        if i is None or not optimizer._stepped[i]:
            return {}
        found = {name: getattr(optimizer, name)[i] for name in optimizer.state_names}
        return {PYTORCH_STATE_NAMES.get(n, n): Tensor(a) for n, a in found.items() if a is not None}

    def __getitem__(self, p: Any) -> Any:
        optimizer = self._optimizer
        entry = self._own.get(p)
        i = self._index(p) if optimizer.state_names else None
        if entry is None:
            entry = self._own[p] = {} if i is None else _ParameterEntry(optimizer, i)
        elif i is not None and type(entry) is not _ParameterEntry:  # (a copy's, an unpickled optimizer's)
            self._keep(p, entry)
            entry = self._own[p]
        if i is not None:  # (the arrays as they are now: a reset or a load may have replaced them)
            stepped = optimizer._stepped[i]
            for name in optimizer.state_names:
                key, array = PYTORCH_STATE_NAMES.get(name, name), getattr(optimizer, name)[i]
                if array is None or not stepped:
                    dict.pop(entry, key, None)
                elif not (isinstance(held := dict.get(entry, key), Tensor) and held._data is array):
                    dict.__setitem__(entry, key, Tensor(array))
        return entry

    def __setitem__(self, p: Any, value: Any) -> None:
        """``state[p] = {...}``: ``p``'s whole state, as in PyTorch; for a MyTorch optimizer's
        parameter, the entries under its state names become its arrays (``_take_state``), and
        the states not given start afresh."""
        optimizer = self._optimizer
        i = self._index(p) if optimizer.state_names else None
        if i is None:
            self._own[p] = value
            return
        if not hasattr(value, "items"):
            raise TypeError(f"{type(optimizer).__name__}.state[p]: a parameter's state is a dict, got {value!r}")
        given = dict(value.items())
        optimizer._reset_state([i])
        entry = self._own[p] = _ParameterEntry(optimizer, i)
        for key, item in given.items():
            entry[key] = item

    def _keep(self, p: Any, entry: dict[str, Any]) -> None:
        """``p``'s state kept here as it is (``load_state_dict``'s entries besides the arrays)."""
        i = self._index(p) if self._optimizer.state_names else None
        if i is None:
            self._own[p] = entry
            return
        kept = self._own[p] = _ParameterEntry(self._optimizer, i)
        dict.update(kept, entry)

    def __delitem__(self, p: Any) -> None:
        """``del state[p]``: ``p``'s state starts afresh, as a new optimizer's."""
        optimizer = self._optimizer
        had = self._own.pop(p, None) is not None or bool(self._arrays(p))
        if not had:
            raise KeyError(p)
        i = self._index(p) if optimizer.state_names else None
        if i is not None:
            optimizer._reset_state([i])

    def clear(self) -> None:
        """Every parameter's state starts afresh (``opt.state = defaultdict(dict)`` does this too)."""
        self._own.clear()
        self._optimizer._reset_state()

    def pop(self, p: Any, *default: Any) -> Any:
        """``p``'s state (a dict of its Tensors, which keep their values), which then starts afresh."""
        if p not in self:
            if default:
                return default[0]
            raise KeyError(p)
        taken = dict(self[p])
        del self[p]
        return taken

    def popitem(self) -> tuple[Any, Any]:
        """A parameter that has state and its state (a dict of its Tensors), which starts afresh."""
        for p in self:
            return p, self.pop(p)
        raise KeyError("popitem: no parameter has state")

    def __contains__(self, p: object) -> bool:
        return p in self._own or bool(self._arrays(p))

    def get(self, p: Any, default: Any = None) -> Any:
        """``state[p]`` if ``p`` has state, else ``default`` (nothing is made)."""
        return self[p] if p in self else default

    def __iter__(self) -> Iterator[Any]:
        own = list(self._own)
        seen = {id(p) for p in own}
        kept = [p for p in self._optimizer.params if id(p) not in seen and self._arrays(p)]
        return iter(own + kept)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __repr__(self) -> str:
        return repr(dict(self.items()))

    def own(self, names: Iterable[str] = ()) -> dict[int, Any]:
        """The state kept here (not the optimizer's own arrays, whose PyTorch ``names`` are left
        out), by the parameter's position; parameters the optimizer does not have are left out."""
        names = set(names)
        found: dict[int, Any] = {}
        for p, entry in self._own.items():
            i = self._index(p)
            kept = {k: v for k, v in entry.items() if k not in names} if isinstance(entry, dict) else entry
            if i is not None and (not isinstance(kept, dict) or kept):
                found[i] = kept  # (a value other than a dict, as PyTorch's defaultdict would keep it)
        return found


class _OptimizerType(type):
    """Takes PyTorch's keyword-only options every optimizer has, before the class's own
    ``__init__`` sees its arguments: ``maximize`` (a hyper-parameter of every group: the step
    ascends), ``foreach`` and ``fused`` (how PyTorch batches its kernels: nothing to choose on
    NumPy) and ``capturable`` (CUDA graphs) are accepted; ``differentiable=True`` is refused."""

    kernel_flags: tuple[str, ...]  # (``Optimizer.kernel_flags``: the flags the optimizer shows)
    ascends: bool  # (``Optimizer.ascends``: whether it takes maximize)

    def __call__(
        cls,
        *args: Any,
        maximize: bool = False,
        foreach: Any = None,
        fused: Any = None,
        capturable: bool = False,
        differentiable: bool = False,
        **kwargs: Any,
    ) -> Any:
        if differentiable:
            raise NotImplementedError(
                f"{cls.__name__}: differentiable=True (a step through the graph) is not supported"
            )
        if maximize and not cls.ascends:
            raise NotImplementedError(f"{cls.__name__}: maximize=True is not supported (PyTorch's has no maximize)")
        optimizer = super().__call__(*args, **kwargs)
        given = {"foreach": foreach, "fused": fused, "capturable": capturable, "differentiable": False}
        optimizer.__dict__["_kernel_flags"] = {name: given[name] for name in cls.kernel_flags}
        if maximize:
            optimizer.defaults["maximize"] = True  # (a default, as PyTorch's: a group added later ascends too)
            optimizer.maximize = True
        return optimizer


class Optimizer(metaclass=_OptimizerType):
    """Base class: parameter groups, hyper-parameters, state arrays, ``zero_grad``.

    Args:
        params: ``(value, gradient)`` array pairs, leaf Tensors, or dicts ``{"params": [...],
            "lr": ...}`` (parameter groups with their own hyper-parameters).
        defaults: every hyper-parameter's default, e.g. ``{"lr": 0.1, "momentum": 0.0}``.

    Attributes:
        param_groups: one dict per group: ``"params"`` and each hyper-parameter (a learning
            rate scheduler changes ``"lr"`` here).
        params: every parameter of every group, in order; a step reads them from here (the
            handout's code may replace a pair in this list).
        state_names: the names of the per-parameter state arrays (class attribute); each is
            also an attribute: a list following ``params``, an array or None per parameter.
    """

    state_names: tuple[str, ...] = ()
    nonnegative_states: tuple[str, ...] = ()
    """State arrays that are means or sums of squares (a loaded one below 0 is refused)."""
    kernel_flags: tuple[str, ...] = ()
    """Which of PyTorch's kernel flags (``foreach``, ``fused``, ``capturable``, ``differentiable``)
    PyTorch's optimizer of this name keeps in its groups: ``print(opt)`` and ``state_dict()`` show
    them with the values given (they change nothing here), the groups themselves do not hold them."""
    ascends = True
    """Whether the groups hold PyTorch's ``maximize`` (all of MyTorch's optimizers but LBFGS, as
    PyTorch's)."""
    retired_hyper_parameters: tuple[str, ...] = ()
    """Group keys an earlier MyTorch kept and this one does not (ASGD's unused ``eps``): a saved
    state's are passed over."""
    unread_states: tuple[str, ...] = ()
    """State arrays the step keeps but does not read (RMSprop's count): a saved state without one
    (saved before MyTorch kept it) loads, the count going on from where it is."""
    _members: Any = ()  # (each group's parameter list and its length: see _check_groups; none for one unpickled)
    real_only = False
    """Whether the step squares gradients (Adam, RMSprop, Adagrad): ``g * g`` of a complex
    gradient is not the sum of squares of its two parts, so complex parameters are refused."""

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        name = type(self).__name__
        one = hasattr(params, "parameters") or isinstance(params, (Tensor, np.ndarray))
        if one or not isinstance(params, Iterable):
            raise TypeError(
                f"{name}: params must be an iterable of parameters, got a {type(params).__name__}; "
                "pass model.parameters()"
            )
        self.defaults = dict(defaults)
        if (
            not self._keeps_own_state() and self.ascends
        ) or "maximize" in defaults:  # (PyTorch's defaults are the subclass's own)
            self.defaults["maximize"] = builtins.bool(defaults.get("maximize", False))
        _expose_hyper_parameters(type(self), self.defaults)
        self.param_groups: list[dict[str, Any]] = []
        self.params: list[Param] = []
        self._group_of: list[int] = []  # each parameter's group
        self._dtypes: list[np.dtype | None] = []  # each parameter's dtype when its state was made
        self._stepped: list[bool] = []  # each parameter: has state, as PyTorch's (see _note_stepped)
        self._all_stepped = False
        self._members: list[tuple[list[Param], int]] = []  # each group's list of parameters, and its length
        self.state = OptimizerState(self)
        for state in self.state_names:
            setattr(self, state, [])
        items = list(params)
        groups = items if items and all(isinstance(g, dict) for g in items) else [{"params": items}]
        for group in groups:
            self.add_param_group(group)
        if not self.params:
            raise ValueError(f"{name}: no parameters to optimize")

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyper-parameters (the defaults fill the rest)."""
        name = type(self).__name__
        unknown = set(group) - set(self.defaults) - {"params"}
        if unknown:
            raise ValueError(f"{name}: unknown hyper-parameter(s) {sorted(unknown)}; known: {sorted(self.defaults)}")
        members = group.get("params", [])
        members = [members] if isinstance(members, Tensor) else list(members)
        seen = {id(value_of(p)) for p in self.params}
        checked: list[Param] = []
        for p in members:
            i = len(self.params) + len(checked)
            param = self._check_param(i, p)
            value = value_of(param)
            if self.real_only and value.dtype.kind == "c":
                raise TypeError(
                    f"{name}: parameter {i} is {value.dtype}, and {name}'s step squares gradients, which is wrong for "
                    "complex numbers (PyTorch steps their real and imaginary parts as two reals); optimize "
                    "the two parts as real parameters, or use SGD"
                )
            if id(value) in seen or (isinstance(param, tuple) and self._overlaps(value, checked)):
                raise ValueError(
                    f"{name}: parameter {i} appears twice (in one group or in two), or shares memory with another"
                )
            seen.add(id(value))
            checked.append(param)
        full = {**self.defaults, **group, "params": checked}
        self._check_hyper_parameters(full)
        self.param_groups.append(full)
        self.__dict__.setdefault("_members", []).append((checked, len(checked)))
        self.params.extend(checked)
        self._group_of.extend([len(self.param_groups) - 1] * len(checked))
        self._stepped.extend([False] * len(checked))
        self._all_stepped = self._all_stepped and not checked
        for param in checked:
            value = value_of(param)
            self._dtypes.append(value.dtype if value.size else None)  # (None: looked at again at the next step)
            for state in self.state_names:
                getattr(self, state).append(self._fresh_state(state, value_of(param), full))

    def _groups_changed(self) -> bool:
        """Whether the groups were changed behind the optimizer's back: a group's ``params`` list
        grown, shrunk or replaced (``opt.param_groups[0]["params"].append(w)``), a group deleted.
        PyTorch's step iterates those lists; a MyTorch optimizer keeps each parameter's state in
        the order ``add_param_group`` gave, and stepped the old parameters only, silently. (One
        group, the usual case, is looked at without a loop: this runs before every step.)"""
        groups, members = self.param_groups, self._members
        if len(groups) == 1 == len(members):
            listed, size = members[0]
            return groups[0]["params"] is not listed or len(listed) != size
        if not members:  # (an optimizer unpickled from before: not checked)
            return False
        if len(groups) != len(members):
            return True
        return any(g["params"] is not m or len(m) != n for g, (m, n) in zip(groups, members))

    def _refuse_changed_groups(self) -> None:
        raise RuntimeError(
            f"{type(self).__name__}.step: param_groups changed outside the optimizer (a group's 'params' list grown, "
            "shrunk or replaced, or a group deleted), which a MyTorch optimizer does not follow; add parameters with "
            "opt.add_param_group({'params': [...]}), or make a new optimizer (and load_state_dict)"
        )

    def _overlaps(self, value: np.ndarray, checked: list[Param]) -> bool:
        """Whether the array ``value`` shares memory with another (value, gradient) pair's value
        (``W`` and ``W.T``: each step would update it twice)."""
        others = [value_of(p) for p in (*self.params, *checked) if isinstance(p, tuple)]
        return any(np.may_share_memory(value, other) and np.shares_memory(value, other) for other in others)

    def _fresh_state(self, name: str, value: np.ndarray, group: dict[str, Any]) -> np.ndarray | None:
        """A new parameter's state array ``name`` (zeros like its value; None: not needed)."""
        return np.zeros_like(value)

    def _check_param(self, i: int, p: Any) -> Param:
        name = type(self).__name__
        if isinstance(p, Tensor):
            if not p.is_leaf:  # a frozen leaf (requires_grad=False) is kept: its .grad stays None
                raise ValueError(f"{name}: parameter {i} is not a leaf Tensor (an optimizer updates leaves)")
            return p
        if not (isinstance(p, tuple) and len(p) == 2):
            raise TypeError(
                f"{name}: parameter {i} must be a Tensor or a (value, gradient) pair of arrays, got {type(p).__name__}"
            )
        value, grad = p
        if not isinstance(value, np.ndarray) or not isinstance(grad, np.ndarray):
            raise TypeError(
                f"{name}: parameter {i} must be a pair of numpy arrays, got {type(value).__name__} and "
                f"{type(grad).__name__}"
            )
        if value.shape != grad.shape:
            raise ValueError(
                f"{name}: parameter {i} must be two arrays of one shape, got shapes {tuple(value.shape)} and "
                f"{tuple(grad.shape)}"
            )
        for what, array in (("value", value), ("gradient", grad)):
            if array.dtype.kind not in "fc":  # (an integer value: NumPy's cast error at step; a bool gradient)
                raise TypeError(f"{name}: parameter {i}'s {what} has dtype {array.dtype}; it must be floating point")
        if not value.flags.writeable:
            raise ValueError(
                f"{name}: parameter {i}'s value (shape {tuple(value.shape)}) is read-only; step updates it in place"
            )
        if np.shares_memory(value, grad):  # each step would change the gradient it reads
            raise ValueError(f"{name}: parameter {i}'s value and gradient share memory; give it its own gradient array")
        return (value, grad)

    def _check_hyper_parameters(self, group: dict[str, Any]) -> None:
        """Raise a ValueError/TypeError for a bad hyper-parameter (subclasses check theirs). A rate
        of 0 is allowed, as in PyTorch (a frozen group, a schedule's end)."""
        group["lr"] = check_number(type(self).__name__, "lr", group["lr"], allow_zero=True)
        if "maximize" in self.defaults:
            group["maximize"] = builtins.bool(group.get("maximize", False))

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """MyTorch's own optimizers (``mytorch.optim``), whose steps never read ``maximize``, step
        through ``_ascending_when_asked``; a user's subclass of ``Optimizer`` reads it itself, as
        PyTorch's do (one that calls a MyTorch optimizer's ``step`` gets the negation there)."""
        super().__init_subclass__(**kwargs)
        step = cls.__dict__.get("step")
        if step is not None and cls.__module__.startswith("mytorch.optim."):
            cls.step = _ascending_when_asked(step)  # type: ignore[method-assign]

    def _step_ascending(self, step: Callable[[Any], Any]) -> Any:
        """``step`` with the gradients of the groups with ``maximize`` negated (in place, and back
        after: a sign flip is exact), as PyTorch's ``maximize=True``."""
        flipped: list[np.ndarray] = []
        swapped: list[tuple[Tensor, Any]] = []
        seen: set[int] = set()
        for p, group in zip(self.params, self._group_of):
            if not self.param_groups[group].get("maximize"):
                continue
            grad = p[1] if isinstance(p, tuple) else (None if p._grad is None else p._grad._data)
            if grad is None or id(grad) in seen:
                continue
            seen.add(id(grad))
            if grad.flags.writeable:
                np.negative(grad, out=grad)
                flipped.append(grad)
            else:  # (a gradient a recorded graph holds: the step reads a negated copy)
                assert isinstance(p, Tensor)
                swapped.append((p, p._grad))
                p._grad = Tensor(-grad)
        self.__dict__["_ascending"] = True  # (a step calling its base class's negates nothing more)
        try:
            return step(self)
        finally:
            del self.__dict__["_ascending"]
            for grad in flipped:
                np.negative(grad, out=grad)
            for p, old in swapped:
                p._grad = old

    def __setattr__(self, name: str, value: Any) -> None:
        """``sgd.momentum = 0.9``: a hyper-parameter is set in every group, checked (reading the
        attribute reads the groups, so a plain attribute would shadow them and change nothing);
        any other attribute is set as usual."""
        defaults = self.__dict__.get("defaults")
        if defaults is None or name not in defaults or isinstance(getattr(type(self), name, None), property):
            object.__setattr__(self, name, value)
            return
        changed = [{**group, name: value} for group in self.param_groups]
        for group in changed:
            self._check_hyper_parameters(group)
        for group, checked in zip(self.param_groups, changed):
            group[name] = checked[name]

    if TYPE_CHECKING:  # the state lists (``state_names``: velocity, m, v...) are set by name in __init__

        def __getattr__(self, name: str) -> Any: ...

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickled or copied: the attributes as they were, and the hyper-parameters readable as
        attributes (``_SharedHyperParameter``), also in a process where no such optimizer was made."""
        self.__dict__.update(state)
        if "_stepped" not in state:  # (pickled before 2026-12-04: every parameter has state, as then)
            self._stepped = [True] * len(state.get("params", ()))
            self._all_stepped = True
        _expose_hyper_parameters(type(self), state.get("defaults", ()))

    @property
    def lr(self) -> float:
        """The first group's learning rate."""
        return self.param_groups[0]["lr"]

    @lr.setter
    def lr(self, value: float) -> None:
        for group in self.param_groups:
            group["lr"] = check_number(type(self).__name__, "lr", value, allow_zero=True)

    def _groups_with_grads(self) -> Iterator[tuple[dict[str, Any], list[tuple[int, np.ndarray, np.ndarray]]]]:
        """Each group with ``(index, value, gradient)`` of its parameters that have a gradient:
        a pair's arrays; a Tensor's values and the array of its current ``.grad``. Read from
        ``params`` (the handout's code replaces a pair there)."""
        entries: list[list[tuple[int, np.ndarray, np.ndarray]]] = [[] for _ in self.param_groups]
        dtypes = self._dtypes
        for i, (p, group) in enumerate(zip(self.params, self._group_of)):
            if isinstance(p, tuple):
                entries[group].append((i, p[0], p[1]))
            else:
                grad = p._grad  # (``p.grad``'s value, read without the property's call)
                if grad is not None:
                    value = p._data
                    if value.dtype is not dtypes[i]:
                        self._follow_dtype(i, value.dtype)
                    entries[group].append((i, value, grad._data))
        for group_dict in self.param_groups:
            _as_python_numbers(group_dict)
        return zip(self.param_groups, entries)

    def _follow_dtype(self, i: int, dtype: np.dtype) -> None:
        """Parameter i changed dtype since its state was made (``model.double()`` after the
        optimizer was built): its floating-point state follows, so that the step runs in the
        parameter's precision, as PyTorch's state (made at the first step) does. An empty
        parameter's (a lazy module's before its first call) is made anew for its values now."""
        value = value_of(self.params[i])
        for name in self.state_names:
            states = getattr(self, name)
            if states[i] is not None and states[i].size == 0 and value.size:  # (a lazy module's, made since)
                states[i] = self._fresh_state(name, value, self.param_groups[self._group_of[i]])
            if states[i] is not None and states[i].dtype.kind == "f" and name != "t":  # (the count stays float32)
                states[i] = states[i].astype(dtype)
        self._dtypes[i] = dtype

    def _note_stepped(self) -> None:
        """After a step of a MyTorch optimizer: the parameters it updated (a pair, a Tensor with
        a ``.grad``) have state from now on, as a PyTorch optimizer makes a parameter's state at
        its first step. (MyTorch makes the arrays with the optimizer; this tells ``state`` and
        ``state_dict`` which to list.) Once every parameter has state, a step does not look again."""
        stepped = self._stepped
        for i, p in enumerate(self.params):
            if not stepped[i] and (isinstance(p, tuple) or p._grad is not None):
                stepped[i] = True
        self._all_stepped = all(stepped)

    def step(self) -> None:
        """Update every parameter in place from its gradient."""
        raise NotImplementedError(f"{type(self).__name__}.step: an Optimizer subclass defines step()")

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients: a Tensor's ``.grad`` becomes None (``set_to_none``, PyTorch's
        default) or is zeroed in place; a pair's gradient array is zeroed in place."""
        for p in self.params:
            if isinstance(p, tuple):
                p[1].fill(0)
            elif set_to_none:
                p._grad = None  # (what the ``grad`` setter does with None, without its call)
            elif p.grad is not None:  # (a Tensor: the grad setter takes nothing else)
                p.zero_grad()

    # ------------------------------------------------------------------ state
    def _buffers(self) -> dict[str, list[np.ndarray]]:
        """The state arrays by name, of the parameters that have them (what a replay watches), and
        the arrays of the Tensors a subclass keeps in ``self.state[p]`` (under ``"state"``)."""
        buffers = {name: [a for a in getattr(self, name) if a is not None] for name in self.state_names}
        kept = self.__dict__["state"].own(self._pytorch_state_names())
        values = [v for entry in kept.values() for v in (entry.values() if isinstance(entry, dict) else [entry])]
        arrays = [v._data for v in values if isinstance(v, Tensor)]
        if arrays:
            buffers["state"] = arrays
        return buffers

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state in PyTorch's layout: ``{"state": {i: {"momentum_buffer": ...}},
        "param_groups": [{"lr": ..., ..., "params": [0, 1]}]}``, parameters numbered in order
        across the groups, each state under PyTorch's name (``exp_avg``, ``exp_avg_sq``, ``step``,
        ``max_exp_avg_sq``, ``momentum_buffer``, ...), only parameters that have state (that have
        stepped) listed; with what a subclass keeps in ``self.state[p]`` (its values as they are,
        as PyTorch gives them). As in PyTorch, each state is a Tensor of the optimizer's own array,
        not a copy: later steps change it (``copy.deepcopy`` keeps a snapshot). ``mytorch.save``
        writes it (alone or in a checkpoint dict); ``flat_state_dict`` gives the same as one flat
        dict of copies."""
        state: dict[int, dict[str, Any]] = {}
        stepped = self._stepped
        for key, array in self._state_slots():
            name, index = key.rsplit(".", 1)
            if stepped[int(index)]:  # (a parameter has state from its first step, as in PyTorch)
                state.setdefault(int(index), {})[PYTORCH_STATE_NAMES.get(name, name)] = Tensor(array)
        for index, kept in self.__dict__["state"].own(self._pytorch_state_names()).items():
            if isinstance(kept, dict):  # (a subclass's own ``self.state[p]``, as PyTorch gives it)
                state.setdefault(index, {}).update(kept)
            else:
                state[index] = kept
        groups = self._shown_groups()
        for group in groups:
            group["params"] = []
        for i, g in enumerate(self._group_of):
            groups[g]["params"].append(i)
        return {"state": dict(sorted(state.items())), "param_groups": groups}

    def flat_state_dict(self) -> dict[str, np.ndarray]:
        """The optimizer's state as a flat dict of arrays (copies): ``velocity.0``, ``m.3``, ...,
        and each group's hyper-parameters, ``group.0.lr``, ``group.1.momentum``, ... (a learning
        rate a scheduler or the user changed comes back with the state): what a flat ``.npz``
        checkpoint holds (``hw_bonus.mlp``'s). ``load_state_dict`` takes it, or ``state_dict``'s."""
        state = {key: a.copy() for key, a in self._state_slots()}
        for g, group in enumerate(self.param_groups):
            for name, value in group.items():
                if name != "params":
                    state[f"group.{g}.{name}"] = _flattened_hyper_parameter(value)
        return state

    def _flattened(self, state: dict[str, Any]) -> dict[str, Any]:
        """A ``state_dict`` in PyTorch's layout as ``flat_state_dict``'s keys (refused if its
        groups do not have this optimizer's parameter counts)."""
        name = type(self).__name__
        groups, states = state["param_groups"], state["state"]
        if not isinstance(groups, list) or not isinstance(states, dict):
            raise TypeError(f"{name}.load_state_dict: 'param_groups' must be a list and 'state' a dict")
        sizes = [len(g["params"]) for g in self.param_groups]
        given = [len(g.get("params", ())) if isinstance(g, dict) else -1 for g in groups]
        if given != sizes:
            raise ValueError(
                f"{name}.load_state_dict: the saved groups hold {given} parameters, this optimizer's {sizes}"
            )
        ours = {PYTORCH_STATE_NAMES.get(n, n): n for n in self.state_names}
        flat: dict[str, Any] = {}
        for index, entries in states.items():
            for key, value in entries.items():
                if key in ours:
                    flat[f"{ours[key]}.{index}"] = value
                elif self._keeps_own_state():
                    flat.setdefault("own_state", {}).setdefault(int(index), {})[key] = value
                else:
                    raise ValueError(f"{name}.load_state_dict: state {key!r} of parameter {index} is not {name}'s")
        for g, group in enumerate(groups):
            flat.update({f"group.{g}.{k}": v for k, v in group.items() if k != "params"})
        return flat

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a state saved by ``state_dict`` or ``flat_state_dict`` (shapes must match),
        with the groups' hyper-parameters when it has them (a flat state saved before they were
        kept has none: the groups keep theirs).

        Raises:
            ValueError: a state array is missing or has the wrong shape, or the saved groups do
                not fit this optimizer's (nothing is changed).
        """
        pytorch_layout = "state" in state and "param_groups" in state
        listed: set[int] = set()
        if pytorch_layout:
            if isinstance(state["state"], dict):
                listed = {int(index) for index in state["state"]}
            state = self._flattened(state)
        fresh = set(range(len(self.params))) - listed if pytorch_layout else set()
        own = self._own_state(state.pop("own_state", {}))
        checked = []
        for key, target in self._state_slots():
            if int(key.rsplit(".", 1)[1]) in fresh:  # (not listed: a parameter without state starts afresh)
                continue
            if key not in state:
                if key.rsplit(".", 1)[0] in self.unread_states:
                    continue
                raise ValueError(f"{type(self).__name__}.load_state_dict: missing state array {key!r}")
            value = self._state_value(key, state[key], target.dtype)
            if value.shape != target.shape and value.size == 1 == target.size:  # (a (1,) count saved before 0-d)
                value = value.reshape(target.shape)
            if value.shape != target.shape:
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: {key!r} has shape {tuple(value.shape)}, expected "
                    f"{tuple(target.shape)}"
                )
            checked.append((key, target, value, pytorch_layout and self._adoptable(state[key], value, target)))
        made = []  # state this optimizer has not made (SGD without momentum) that the saved one had
        for name in self.state_names:
            for i, a in enumerate(getattr(self, name)):
                key = f"{name}.{i}"
                if a is None and key in state and i not in fresh:
                    like = value_of(self.params[i])
                    value = self._state_value(key, state[key], like.dtype)
                    if value.shape != like.shape:
                        raise ValueError(
                            f"{type(self).__name__}.load_state_dict: {key!r} has shape {tuple(value.shape)}, "
                            f"expected {tuple(like.shape)}"
                        )
                    kept = pytorch_layout and self._adoptable(state[key], value, like)  # (as below: PyTorch keeps it)
                    made.append((getattr(self, name), i, value if kept else value.astype(like.dtype)))
        groups = self._loaded_groups(state)
        for key, target, value, adopt in checked:  # only once all fit: a failed load changes nothing
            if adopt:  # (PyTorch's layout: the Tensor's array becomes the state, as PyTorch keeps the Tensor)
                name, index = key.rsplit(".", 1)
                getattr(self, name)[int(index)] = value
            else:
                target[...] = value
        for states, i, value in made:
            states[i] = value
        if pytorch_layout:  # (PyTorch's load replaces the whole state: what the dict does not hold goes)
            self.__dict__["state"]._own.clear()
            self._reset_state(sorted(fresh))
            for i in listed & set(range(len(self.params))):
                self._stepped[i] = True
            self._all_stepped = all(self._stepped)
        elif self.state_names:  # (a flat state holds every parameter's arrays: each has state now)
            self._stepped = [True] * len(self.params)
            self._all_stepped = True
        for group, loaded in zip(self.param_groups, groups):
            group.update(loaded)
        for i, entry in own.items():
            self.__dict__["state"]._keep(self.params[i], entry)

    @property
    def state(self) -> OptimizerState:
        """PyTorch's ``optimizer.state`` (``OptimizerState``). Assigning a mapping replaces it, as
        in PyTorch: ``opt.state = defaultdict(dict)`` starts every parameter afresh (it set an
        attribute no step read, and ``state_dict`` then failed)."""
        return self.__dict__["state"]

    @state.setter
    def state(self, value: Any) -> None:
        current = self.__dict__.get("state")
        if current is None or value is current:
            self.__dict__["state"] = value
            return
        if not hasattr(value, "items"):
            raise TypeError(
                f"{type(self).__name__}.state: assign a mapping of parameters to their state, got {value!r}"
            )
        entries = list(value.items())
        current.clear()
        for p, entry in entries:
            current[p] = entry

    def _state_name(self, key: str) -> str | None:
        """MyTorch's name of the state array PyTorch calls ``key`` (None: not one of this optimizer's)."""
        for name in self.state_names:
            if PYTORCH_STATE_NAMES.get(name, name) == key:
                return name
        return None

    def _take_state(self, i: int, name: str, value: Any) -> Tensor:
        """``state[p][key] = value`` for the state array ``name`` of parameter i: the array of a
        Tensor of its dtype and shape becomes the state itself (as PyTorch's dict holds the
        Tensor: the next steps change it), anything else is copied in its dtype; checked as a
        loaded state is. Returns the Tensor of the new state."""
        like = value_of(self.params[i])
        fresh = self._fresh_state(name, like, self.param_groups[self._group_of[i]])
        target = getattr(self, name)[i]
        target = fresh if target is None else target
        target = np.zeros_like(like) if target is None else target
        array = self._state_value(f"{name}.{i}", value, target.dtype)
        if array.size != target.size or (array.shape != target.shape and target.size != 1):
            raise ValueError(
                f"{type(self).__name__}.state: {PYTORCH_STATE_NAMES.get(name, name)!r} has shape {tuple(array.shape)}, "
                f"this parameter's state has {tuple(target.shape)}"
            )
        array = array.reshape(target.shape)
        own = isinstance(value, Tensor) and np.shares_memory(array, value._data) and array.flags.writeable
        array = array if own and array.dtype == target.dtype else array.astype(target.dtype)
        getattr(self, name)[i] = array
        if not self._stepped[i]:  # (a parameter given state has it, as in PyTorch)
            self._stepped[i] = True
            self._all_stepped = all(self._stepped)
        return value if own and isinstance(value, Tensor) and value._data is array else Tensor(array)

    def _reset_state(self, indices: Iterable[int] | None = None, names: Iterable[str] | None = None) -> None:
        """The state arrays ``names`` (all) of the parameters at ``indices`` (all) start afresh, as
        a new optimizer's: new arrays, as PyTorch's new state (Tensors read before keep their
        values)."""
        for i in range(len(self.params)) if indices is None else indices:
            value, group = value_of(self.params[i]), self.param_groups[self._group_of[i]]
            for name in self.state_names if names is None else names:
                getattr(self, name)[i] = self._fresh_state(name, value, group)
            if names is None:  # (no state until its next step, as a new optimizer's parameter)
                self._stepped[i] = False
                self._all_stepped = False

    def _pytorch_state_names(self) -> set[str]:
        """PyTorch's names of this optimizer's own state arrays."""
        return {PYTORCH_STATE_NAMES.get(n, n) for n in self.state_names}

    def _keeps_own_state(self) -> bool:
        """Whether the step is a subclass's own, written for PyTorch (``self.state[p]``), not MyTorch's."""
        return not getattr(type(self).step, "__module__", "").startswith("mytorch.optim.")

    def _own_state(self, given: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
        """A subclass's saved ``self.state`` entries as ``load_state_dict`` puts them back, as
        PyTorch's does: a floating-point Tensor in its parameter's dtype (but ``step``), the
        Tensor itself when it has that dtype (PyTorch keeps it), other values copied."""
        name = type(self).__name__
        loaded: dict[int, dict[str, Any]] = {}
        for index, entry in given.items():
            if not 0 <= index < len(self.params) or isinstance(self.params[index], tuple):
                raise ValueError(f"{name}.load_state_dict: state of parameter {index}, which this optimizer has not")
            dtype = value_of(self.params[index]).dtype
            loaded[index] = {}
            for key, value in entry.items():
                if isinstance(value, Tensor) and key != "step" and value.is_floating_point():
                    value = value if value._data.dtype == dtype else Tensor(value._data.astype(dtype))
                loaded[index][key] = value if isinstance(value, Tensor) else copy.deepcopy(value)
        return loaded

    @staticmethod
    def _adoptable(given: Any, value: np.ndarray, target: np.ndarray) -> bool:
        """Whether a loaded state Tensor's array ``value`` becomes the state itself: PyTorch's
        ``load_state_dict`` keeps the Tensors it is given when their dtype fits (the optimizer and
        whoever holds them then share them); a writeable array of the state's dtype and shape.
        Anything else is copied in."""
        return (
            isinstance(given, Tensor)
            and value is given._data
            and value.dtype == target.dtype
            and value.shape == target.shape
            and value.flags.writeable
        )

    def _state_value(self, key: str, given: Any, dtype: np.dtype) -> np.ndarray:
        """The saved state array ``key`` as an array, refused unless it holds what a state of
        ``dtype`` can take without change: finite real numbers, whole ones >= 0 for a step
        count, none below 0 for a mean of squares (``nonnegative_states``)."""
        name = f"{type(self).__name__}.load_state_dict: {key!r}"
        value = np.asarray(given)
        if value.dtype.kind not in "biuf":  # (strings: NumPy's conversion error; complex: cut to its real part)
            raise TypeError(f"{name} must hold real numbers, got dtype {value.dtype}")
        if not np.isfinite(value).all():
            raise ValueError(f"{name} holds NaN or infinite values")
        count = dtype.kind in "iu" or key.split(".")[0] == "t"
        if count and ((value < 0).any() or (value != np.round(value)).any()):
            raise ValueError(f"{name} holds values a step count cannot have (negative or fractional)")
        if key.split(".")[0] in self.nonnegative_states and (value < 0).any():
            raise ValueError(f"{name} holds negative values, which a mean of squares cannot have")
        check_castable(value, dtype, name)  # (1e300 into a float32 state: inf)
        return value

    def _loaded_groups(self, state: dict[str, np.ndarray]) -> list[dict[str, Any]]:
        """The hyper-parameters ``state`` gives each group (checked; empty dicts if it has none)."""
        name = type(self).__name__
        loaded: list[dict[str, Any]] = [{} for _ in self.param_groups]
        for key, value in state.items():
            if not key.startswith("group."):
                continue
            _, index, hyper = (key.split(".", 2) + ["", ""])[:3]
            if not index.isdigit() or int(index) >= len(loaded):
                raise ValueError(
                    f"{name}.load_state_dict: {key!r} names a parameter group this optimizer does not have "
                    f"(it has {len(loaded)})"
                )
            passed_over = (*_PYTORCH_KERNEL_FLAGS, *self.retired_hyper_parameters)  # (saved by PyTorch, or before)
            if hyper in passed_over and hyper not in self.defaults:
                if hyper == "differentiable" and np.asarray(value, dtype=object).item():
                    raise ValueError(f"{name}.load_state_dict: {key!r}: differentiable=True is not supported")
                continue
            if hyper not in self.defaults and hyper != "initial_lr":
                raise ValueError(f"{name}.load_state_dict: {key!r}: unknown hyper-parameter {hyper!r}")
            array, default = np.asarray(value), self.defaults.get(hyper, 0)
            if isinstance(default, tuple) and array.ndim == 1:  # (betas; (1e-6, 50) stays as given)
                items = value if isinstance(value, (tuple, list)) else array.tolist()
                shape = [*default, *[0] * len(items)]  # (a longer tuple is refused by the checks below)
                loaded[int(index)][hyper] = tuple(_unflattened(v, d) for v, d in zip(items, shape))
                continue
            if (
                array.ndim == 0
                and isinstance(default, (str, type(None)))
                and (array.dtype.kind in "OU" or (array.dtype.kind == "f" and np.isnan(array)))
            ):
                loaded[int(index)][hyper] = _unflattened(array.item(), default)  # (checked below)
                continue
            if array.dtype.kind not in "biuf" or (array.dtype == bool) != isinstance(self.defaults.get(hyper), bool):
                raise TypeError(f"{name}.load_state_dict: {key!r} holds {array.dtype}, which {hyper} cannot be")
            if array.dtype == bool:
                loaded[int(index)][hyper] = bool(array)
            else:
                loaded[int(index)][hyper] = tuple(array.tolist()) if array.ndim else array.item()  # (0 stays 0)
        if not any(loaded):
            return loaded
        for g, (group, given) in enumerate(zip(self.param_groups, loaded)):
            missing = sorted(set(self.defaults) - set(given))
            if missing:
                raise ValueError(f"{name}.load_state_dict: group {g} lacks {', '.join(missing)} (group.{g}.NAME)")
            candidate = {**group, **given}
            self._check_hyper_parameters(candidate)
            given.update({k: candidate[k] for k in given})
        return loaded

    def _state_slots(self) -> list[tuple[str, np.ndarray]]:
        """``(name.index, array)`` for every state array (index: the parameter's position)."""
        return [
            (f"{name}.{i}", a) for name in self.state_names for i, a in enumerate(getattr(self, name)) if a is not None
        ]

    def _shown_groups(self) -> list[dict[str, Any]]:
        """Each group's hyper-parameters (not ``params``) with PyTorch's kernel flags, as
        PyTorch's optimizer of this name shows them (``kernel_flags``)."""
        flags = self.__dict__.get("_kernel_flags", {})
        return [{**{k: v for k, v in group.items() if k != "params"}, **flags} for group in self.param_groups]

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self._shown_groups()):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items())]
        return "\n".join([*lines, ")"])


tensor_missing.install(Optimizer, tensor_missing.OPTIMIZER_MISSING, "optim.Optimizer")  # PyTorch's names it lacks

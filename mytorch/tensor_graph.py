"""The graph behind a Tensor, PyTorch's way: ``grad_fn``, ``next_functions``, ``retain_grad``,
``register_hook``.

A non-leaf tensor's ``grad_fn`` is a ``Node``: the recorded operation that made it, named as
PyTorch names it (``MulBackward0`` for ``mul``; ``node.kernel`` is the kernel), whose
``next_functions`` lead to the nodes that made its inputs, to an ``AccumulateGrad`` for each
leaf input (``.variable`` is the leaf), or to ``(None, 0)`` for a constant. Walking
``next_functions`` from a loss visits the whole graph. The nodes are read from the tape when
asked for (nothing is stored per operation): after a ``backward`` without ``retain_graph`` has
released the graph, a tensor's ``grad_fn`` is None. As in PyTorch, one operation has one node
(and one leaf one ``AccumulateGrad``) while anyone holds it, and a node holds the nodes of its
``next_functions``: code that walks the graph remembering ``id(node)``, as PyTorch code may,
sees each node once.

Hooks and retained gradients sit on the operation that made the tensor: when ``backward``
reaches it, its gradient is the tensor's whole gradient. ``register_hook(fn)`` calls
``fn(grad)`` (a Tensor) there and, if ``fn`` returns a Tensor, sends that on instead;
``retain_grad()`` adds the gradient into the tensor's ``.grad`` after the hooks, as PyTorch
does. On a leaf, hooks run on its gradient before it is added into ``.grad``.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple

import numpy as np

from mytorch.nn import functional as F
from mytorch.tensor import Tensor

__all__ = ["AccumulateGrad", "Node", "RemovableHandle"]

_KERNEL_NAMES = {kernel.backward: name for name, kernel in F.KERNELS.items()}


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"_+", name) if part)


_PYTORCH_NAMES = {
    "cast": "ToCopyBackward0",
    "concatenate": "CatBackward0",
    "log1p": "Log1PBackward0",
    "square": "PowBackward0",
    "outer": "MulBackward0",
    "reshape": "ViewBackward0",
    "setitem": "CopySlices",
    "norm": "LinalgVectorNormBackward0",
    "softmax_cross_entropy": "NllLossBackward0",
    "bce_loss": "BinaryCrossEntropyBackward0",
    "bce_with_logits_loss": "BinaryCrossEntropyWithLogitsBackward0",
}
"""Kernels whose PyTorch 2.13 node is not the kernel's name in PyTorch's style plus ``0``."""

_PRODUCT_NAMES = {(2, 2): "MmBackward0", (1, 1): "DotBackward0", (2, 1): "MvBackward0"}


def _full_slice(part: slice, length: int) -> bool:
    """Whether PyTorch skips the slice inside a tuple index: it starts at 0, steps by 1 and reaches the end."""
    return part.start in (None, 0) and part.step in (None, 1) and (part.stop is None or part.stop >= length)


def _index_name(index: Any, shape: tuple[int, ...]) -> str:
    """PyTorch's node for ``x[index]`` (``x`` of ``shape``): the last of the steps it takes, an
    integer's ``SelectBackward0``, a slice's ``SliceBackward0`` (a whole axis's slice inside a
    tuple is skipped), None's ``UnsqueezeBackward0``; ``IndexBackward0`` when an array, a list or a
    bool takes part; ``AliasBackward0`` when no step is left (``x[...]``, ``x[:, :]``)."""
    if not isinstance(index, tuple):
        if isinstance(index, slice):
            return "SliceBackward0"  # (a lone slice is always taken, even a whole one)
        index = (index,)
    name = "AliasBackward0"
    consumed = sum(1 for i in index if i is not None and i is not Ellipsis)
    axis = 0
    for i in index:
        if i is None:
            name = "UnsqueezeBackward0"
        elif i is Ellipsis:
            axis += max(len(shape) - consumed, 0)
        elif isinstance(i, slice):
            if not _full_slice(i, shape[axis] if axis < len(shape) else 1):
                name = "SliceBackward0"
            axis += 1
        elif isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)):
            name = "SelectBackward0"
            axis += 1
        elif isinstance(i, np.ndarray) and i.ndim == 0 and i.dtype.kind in "iu":
            name = "SelectBackward0"
            axis += 1
        else:
            return "IndexBackward0"
    return name


def pytorch_name(kernel: str, inputs: Any, params: dict[str, Any] | None) -> str:
    """PyTorch 2.13's ``grad_fn`` name for the operation of ``kernel`` on arrays ``inputs``:
    ``MulBackward0``; a reduction's ``SumBackward0`` over everything, ``SumBackward1`` along
    ``dim`` (``MaxBackward1`` and ``0`` the other way round, as there); ``matmul`` named by its
    operands' axes (``MmBackward0``, ``DotBackward0``, ``MvBackward0``, else ``UnsafeViewBackward0``);
    ``linear`` of a matrix ``AddmmBackward0``; an index by its last step (``_index_name``); an
    operation recorded through a more general kernel by the name it carries (``mytorch.op_names``).
    Kernels with no PyTorch counterpart are named in its style."""
    known = getattr(params, "pytorch_name", None) or _PYTORCH_NAMES.get(kernel)
    if known is not None:
        return known
    if kernel == "index":
        return _index_name((params or {}).get("index"), inputs[0].shape)
    axis = params.get("axis") if params else None
    if kernel in ("sum", "mean"):
        return f"{_camel(kernel)}Backward{0 if axis is None else 1}"
    if kernel in ("max", "min"):
        return f"{_camel(kernel)}Backward{1 if axis is None else 0}"
    if kernel == "matmul":
        return _PRODUCT_NAMES.get((inputs[0].ndim, inputs[1].ndim), "UnsafeViewBackward0")
    if kernel == "linear":
        return "AddmmBackward0" if inputs[0].ndim == 2 else "ViewBackward0"
    if kernel == "transpose":
        axes = params.get("axes") if params else None
        if axes is None:
            return "TBackward0" if inputs[0].ndim == 2 else "PermuteBackward0"
        moved = sum(a != i for i, a in enumerate(axes))
        return "TransposeBackward0" if moved == 2 else "PermuteBackward0"
    return f"{_camel(kernel)}Backward0"


class AccumulateGrad:
    """Where a leaf's gradient ends: ``variable`` is the leaf."""

    next_functions: tuple = ()

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    @classmethod
    def of(cls, leaf: Tensor) -> AccumulateGrad:
        """The leaf's ``AccumulateGrad``: the same object while anyone holds it."""
        found = _ACCUMULATORS.get(id(leaf))
        if found is None or found.variable is not leaf:  # (a dead leaf's id may be reused)
            found = _ACCUMULATORS[id(leaf)] = cls(leaf)
        return found

    def name(self) -> str:
        """ "AccumulateGrad", as in PyTorch."""
        return "AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad for a leaf of shape {tuple(self.variable.shape)}>"


class Node:
    """One recorded operation of a tensor's graph (its ``grad_fn``).

    Attributes:
        kernel: the kernel's name in ``mytorch.nn.functional.KERNELS`` (``"mul"``), or the
            backward function's name for an operation recorded without the table (a
            ``Function``).
        operation: the tape's ``Operation``.
    """

    def __init__(self, operation: Any, tape: Any) -> None:
        self.operation = operation
        self._tape = tape
        self._next: tuple[tuple[Node | AccumulateGrad | None, int], ...] | None = None
        backward = operation.backward_operation
        kernel = _KERNEL_NAMES.get(backward) or str(getattr(backward, "__qualname__", type(backward).__name__))
        # (a loss's rule for its 0-d result is ``<kernel>_backward``: named after the kernel)
        self.kernel = kernel.removesuffix("_backward") if kernel.removesuffix("_backward") in F.KERNELS else kernel

    @classmethod
    def of(cls, operation: Any, tape: Any) -> Node:
        """The operation's node: the same object while anyone holds it (it holds the operation,
        so the operation's id is not reused meanwhile)."""
        found = _NODES.get(id(operation))
        if found is None or found.operation is not operation:
            found = _NODES[id(operation)] = cls(operation, tape)
            found.__class__ = _named_node_class(found.name())
        return found

    def name(self) -> str:
        """PyTorch's name for the node: ``MulBackward0`` for ``mul`` (``pytorch_name``); an operation
        recorded without the kernel table (a ``Function``) ``<its name>Backward``, as PyTorch names one."""
        if self.kernel in F.KERNELS:
            op = self.operation
            return pytorch_name(self.kernel, op.inputs, op.params)
        # (the backward of ``Function`` subclass ``Quantize`` is ``Quantize_backward``: "QuantizeBackward")
        return f"{self.kernel.split('.')[0].removesuffix('_backward')}Backward"

    @property
    def next_functions(self) -> tuple[tuple[Node | AccumulateGrad | None, int], ...]:
        """One ``(node, 0)`` per input: the node that made it, an ``AccumulateGrad`` for a leaf,
        ``None`` for a constant. Read from the tape once (an operation's inputs never change),
        then kept: a node holds the nodes it leads to, as in PyTorch."""
        if self._next is not None:
            return self._next
        tape = self._tape
        if getattr(tape, "merged_into", None) is not None:  # the graph joined another: follow it
            tape = self._tape = tape.resolve()
        made_by = {id(op.output): op for op in tape.operation_list}
        leaves = getattr(tape, "leaves", {})
        nexts: list[tuple[Node | AccumulateGrad | None, int]] = []
        for x in self.operation.inputs:
            op = made_by.get(id(x))
            if op is not None and op.output is x:
                nexts.append((Node.of(op, tape), 0))
            elif id(x) in leaves:
                nexts.append((AccumulateGrad.of(leaves[id(x)]), 0))
            else:
                nexts.append((None, 0))
        if made_by:  # (a released graph's tape is empty: nothing to keep)
            self._next = tuple(nexts)
        return tuple(nexts)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Node) and other.operation is self.operation

    def __hash__(self) -> int:
        return id(self.operation)

    def __repr__(self) -> str:
        return f"<{self.name()} of shape {tuple(self.operation.output.shape)}>"


_NODE_CLASSES: dict[str, type[Node]] = {}


def _named_node_class(name: str) -> type[Node]:
    """A subclass of ``Node`` named ``name`` (``MulBackward0``), made once: a node's type is named
    as PyTorch's (``type(y.grad_fn).__name__``; it was ``Node`` for every operation until
    2026-12-04), and ``isinstance(node, Node)`` holds."""
    found = _NODE_CLASSES.get(name)
    if found is None:
        if len(_NODE_CLASSES) >= 4096:  # (a program may define ever new Functions)
            _NODE_CLASSES.clear()
        found = _NODE_CLASSES[name] = type(name, (Node,), {"__module__": __name__, "__slots__": ()})
    return found


def _operation_of(t: Tensor) -> tuple[Any, Any] | None:
    """The operation whose output is ``t``'s array, and its tape; None for a leaf, a constant or a
    released graph. Searched from the end: a tensor is usually read soon after it is made."""
    if t._tape is None:
        return None
    tape = t.tape
    for op in reversed(tape.operation_list):
        if op.output is t._data:
            return op, tape
    return None


def released_name(t: Tensor) -> str | None:
    """PyTorch's name of the node that made ``t`` when a ``backward`` has released its graph and ``t``
    was the graph's last operation (the loss, printed after ``loss.backward()``); else None."""
    if t._tape is None:
        return None
    last = t._tape.resolve().last
    if last is None or last[3] is not t._data:
        return None
    backward, shapes, params, output = last
    inputs = tuple(np.broadcast_to(np.empty((), np.int8), shape) for shape in shapes)  # (shapes: all naming reads)
    return Node(_Released(backward, inputs, params, output), None).name()


class _Released(NamedTuple):
    """The last operation of a released graph, as ``Tape.release`` keeps it: its inputs stand in
    by their shapes (views of one byte), which is all ``Node.name`` reads of them."""

    backward_operation: Callable
    inputs: tuple[np.ndarray, ...]
    params: Any
    output: Any


def grad_fn(self: Tensor) -> Node | None:
    """The recorded operation that made this tensor (None for a leaf or a constant)."""
    found = _operation_of(self)
    return None if found is None else Node.of(*found)


_NODES: weakref.WeakValueDictionary[int, Node] = weakref.WeakValueDictionary()
_ACCUMULATORS: weakref.WeakValueDictionary[int, AccumulateGrad] = weakref.WeakValueDictionary()
"""The live nodes by ``id`` of their operation, the live ``AccumulateGrad`` by ``id`` of their leaf."""


class RemovableHandle:
    """What ``register_hook`` returns: ``handle.remove()`` takes the hook off."""

    def __init__(self, hooks: list[Callable[[Tensor], Any]], hook: Callable[[Tensor], Any]) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        """Take the hook off (again: nothing happens)."""
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def run_hooks(hooks: list[Callable[[Tensor], Any]], grad: Any, where: str, dtype: np.dtype) -> Any:
    """``grad`` passed through ``hooks`` in order; a hook returning a Tensor replaces it. The
    hooks see it in the tensor's own ``dtype``, as in PyTorch (a float32 tensor under a float64
    loss gets a float64 gradient from the engine). ``grad`` is an array, or in a recorded
    backward (``create_graph=True``) a Tensor of the graph: the hooks get that Tensor itself,
    and what they return stays in the graph, so that it is differentiated again."""
    recorded = isinstance(grad, Tensor)
    if grad.dtype != dtype and grad.dtype.kind == "f" and dtype.kind == "f":
        grad = grad.to(dtype) if recorded else grad.astype(dtype)
    for hook in list(hooks):
        if type(hook) is _PostHook:  # (run after the gradient is added into .grad: post_hooks)
            continue
        replaced = hook(grad if recorded else Tensor(grad))
        if replaced is None:
            continue
        if not recorded:
            replaced = np.asarray(replaced._data if isinstance(replaced, Tensor) else replaced)
        elif not isinstance(replaced, Tensor):
            replaced = Tensor(np.asarray(replaced))
        if replaced.shape != grad.shape:
            raise ValueError(
                f"register_hook: a hook on {where} returned shape {tuple(replaced.shape)}, the gradient's is "
                f"{tuple(grad.shape)}"
            )
        if replaced.dtype != grad.dtype:  # (a float32 result would round a float64 gradient silently)
            raise TypeError(
                f"register_hook: a hook on {where} returned dtype {replaced.dtype}, the gradient's is {grad.dtype} "
                "(PyTorch: 'hook has changed the type of value'); return the gradient's dtype"
            )
        grad = replaced
    return grad


class _HookedBackward:
    """An operation's backward with its output tensor's hooks (and retained gradient) in front."""

    def __init__(self, backward: Callable[..., Any], shape: tuple[int, ...], dtype: np.dtype) -> None:
        self.backward = backward
        self.shape = shape
        self.dtype = dtype
        self.hooks: list[Callable[[Tensor], Any]] = []
        self.retained: weakref.ref[Tensor] | None = None

    def __call__(self, grad_output: Any, *inputs: Any, **params: Any) -> Any:
        return self.backward(self.hooked(grad_output), *inputs, **params)

    def hooked(self, grad_output: Any) -> Any:
        """The tensor's gradient after its hooks, kept in its ``.grad`` if retained. (Also run
        alone by ``mytorch.grad`` for an input whose operation it need not differentiate.)"""
        if self.hooks:
            grad_output = run_hooks(self.hooks, grad_output, f"a tensor of shape {tuple(self.shape)}", self.dtype)
        kept = None if self.retained is None else self.retained()
        if kept is not None:  # a new .grad each time, not added in place, as PyTorch's retained gradients
            if isinstance(grad_output, Tensor):  # recorded (create_graph): .grad in the graph, as in PyTorch
                grad = grad_output if grad_output.dtype == kept.dtype else grad_output.to(kept.dtype)
            else:
                grad = Tensor(np.array(grad_output, dtype=kept.dtype))  # (a copy: the array flows on)
            kept.grad = grad if kept.grad is None else kept.grad + grad
        return grad_output


def _hooked(t: Tensor, what: str) -> _HookedBackward:
    """The hooked backward of the operation that made ``t`` (wrapped on first use)."""
    found = _operation_of(t)
    if found is None:
        raise RuntimeError(
            f"{what}: this tensor's graph was released by a backward (call backward(retain_graph=True) to "
            "keep it), or it was made under no_grad"
        )
    op = found[0]
    if not isinstance(op.vjp, _HookedBackward):
        op.vjp = _HookedBackward(op.vjp, op.output.shape, op.output.dtype)
    return op.vjp


_RETAINED: dict[int, weakref.ref[Tensor]] = {}
"""The non-leaf tensors that retain their gradient, by ``id`` (an entry goes when its tensor
does): an in-place change of one of them moves its retained gradient (``retained_in_place``).
Empty, it tells an in-place operation cheaply that there is nothing to move."""


def retain_grad(self: Tensor) -> None:
    """Keep this non-leaf tensor's gradient in ``.grad`` after ``backward`` (leaves always do)."""
    if not self.requires_grad:
        raise RuntimeError("retain_grad: this tensor does not require a gradient")
    if self.is_leaf:
        return
    _hooked(self, "retain_grad").retained = weakref.ref(self)
    key = id(self)
    if key not in _RETAINED:
        _RETAINED[key] = weakref.ref(self, partial(_RETAINED.pop, key))


def retains_grad(self: Tensor) -> bool:
    """PyTorch's ``retains_grad`` property: whether ``retain_grad()`` was called on this
    non-leaf tensor (always False for a leaf, whose ``.grad`` is kept anyway)."""
    if self.is_leaf:
        return False
    ref = _RETAINED.get(id(self))
    return ref is not None and ref() is self


def retained_in_place(t: Tensor, old: np.ndarray) -> None:
    """After a recorded in-place change of ``t`` (its value was the array ``old``, the output of
    the operation that made it; now ``t._data`` is a recorded operation's output): a gradient
    ``t`` retains moves to the operation of its new value, as in PyTorch, where ``.grad`` is the
    gradient of the value the tensor holds when ``backward`` runs. (It stayed with ``old``: after
    ``h.retain_grad(); h.mul_(3)``, ``h.grad`` was 3 times PyTorch's.) Hooks registered before the
    change stay with the old value, as PyTorch's do."""
    ref = _RETAINED.get(id(t))
    if ref is None or ref() is not t:
        return
    found = _operation_of(t)
    if found is None:  # (a released graph: nothing is recorded any more)
        return
    for op in reversed(found[1].operation_list):
        if op.output is old:
            vjp = op.vjp
            if isinstance(vjp, _HookedBackward) and vjp.retained is not None and vjp.retained() is t:
                vjp.retained = None
            break
    _hooked(t, "retain_grad").retained = ref


def register_hook(self: Tensor, hook: Callable[[Tensor], Any]) -> RemovableHandle:
    """Call ``hook(grad)`` when this tensor's gradient has been computed; a returned Tensor
    replaces the gradient. Returns a handle whose ``remove()`` takes the hook off."""
    if not callable(hook):
        raise TypeError(f"register_hook: the hook must be callable, got {type(hook).__name__}")
    if not self.requires_grad:
        raise RuntimeError("register_hook: cannot register a hook on a tensor that does not require a gradient")
    hooks = _leaf_hooks(self) if self.is_leaf else _hooked(self, "register_hook").hooks
    hooks.append(hook)
    return RemovableHandle(hooks, hook)


_LEAF_HOOKS: dict[int, weakref.ref[Tensor]] = {}
"""The leaves that have had hooks, by ``id(leaf)`` (a Tensor's ``==`` is elementwise, so it
cannot be a dictionary key of its own); an entry goes when its leaf does. It tells ``backward``
cheaply that no leaf has any. The hooks are the leaf's own (``Tensor._hooks``), as in PyTorch,
so that a hook referring to its leaf (``w.register_hook(lambda g: g + w)``) goes with it: until
2026-12-03 this table held them, and such a leaf lived as long as the program."""


def _leaf_hooks(leaf: Tensor) -> list[Callable[[Tensor], Any]]:
    try:
        return leaf._hooks
    except AttributeError:
        key = id(leaf)
        # The callback, pop(key, the dead reference), holds the table itself: at interpreter exit
        # this module's names are set to None before the last leaves go, and a lookup of
        # _LEAF_HOOKS by name printed an error.
        _LEAF_HOOKS[key] = weakref.ref(leaf, partial(_LEAF_HOOKS.pop, key))
        hooks: list[Callable[[Tensor], Any]] = []
        leaf._hooks = hooks
        return hooks


class _PostHook:
    """A hook of ``register_post_accumulate_grad_hook``, kept among the leaf's hooks (its
    ``_hooks``, so that a hook referring to its leaf goes with it) and skipped by ``run_hooks``."""

    __slots__ = ("hook",)

    def __init__(self, hook: Callable[[Tensor], Any]) -> None:
        self.hook = hook

    def __call__(self, grad: Tensor) -> None:
        """As a hook on the gradient: nothing (the gradient is unchanged)."""


def register_post_accumulate_grad_hook(self: Tensor, hook: Callable[[Tensor], Any]) -> RemovableHandle:
    """Call ``hook(tensor)`` each time a ``backward`` has added into this leaf's ``.grad`` (after
    the hooks of ``register_hook``, which see the gradient before). ``mytorch.grad``, which adds
    into no ``.grad``, does not call it. As PyTorch's: an optimizer step per parameter inside the
    backward (``optimizer_dict[p].step(); optimizer_dict[p].zero_grad()``). Returns a handle
    whose ``remove()`` takes the hook off.

    Raises:
        RuntimeError: this tensor is not a leaf, or does not require a gradient.
    """
    if not callable(hook):
        raise TypeError(f"register_post_accumulate_grad_hook: the hook must be callable, got {type(hook).__name__}")
    if not self.is_leaf:
        raise RuntimeError("register_post_accumulate_grad_hook: post accumulate grad hooks go on leaf tensors only")
    if not self.requires_grad:
        raise RuntimeError(
            "register_post_accumulate_grad_hook: cannot register a hook on a tensor that does not require a gradient"
        )
    hooks = _leaf_hooks(self)
    held = _PostHook(hook)
    hooks.append(held)
    return RemovableHandle(hooks, held)


def post_hooks(leaf: Tensor) -> None:
    """Run ``leaf``'s post-accumulate-grad hooks, once its ``.grad`` holds a backward's gradient."""
    hooks = getattr(leaf, "_hooks", None) if _LEAF_HOOKS else None
    if not hooks:
        return
    for held in list(hooks):
        if type(held) is _PostHook and held.hook(leaf) is not None:
            raise RuntimeError("register_post_accumulate_grad_hook: the hook must return None (PyTorch's rule)")


def leaf_gradient(leaf: Tensor, grad: Any) -> Any:
    """A leaf's gradient (an array, or a Tensor when recorded) after its hooks: ``backward``
    calls this before adding it into ``.grad``, ``mytorch.grad`` before returning it."""
    hooks = getattr(leaf, "_hooks", None) if _LEAF_HOOKS else None
    if not hooks:
        return grad
    return run_hooks(hooks, grad, f"a leaf of shape {tuple(leaf.shape)}", leaf._data.dtype)

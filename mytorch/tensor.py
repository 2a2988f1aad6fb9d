"""``Tensor``: a PyTorch-like front-end that records every operation onto an ``Autograd`` tape.

A ``Tensor`` wraps a NumPy array (``numpy()``; ``.data`` is a detached Tensor sharing it, as in
PyTorch). Arithmetic on tensors (``+ - * / @ **``, unary minus, ``exp``, ``sum``, indexing, ...)
runs the kernel table's forward (``mytorch.nn.functional``) and, when some input requires a
gradient, records the operation with ``add_operation`` and the table's backward kernel. This
file holds no derivative of its own: forward, backward and JVP rules all come from the kernel
table.

How gradients flow:

* A *leaf* (a tensor made by the user with ``requires_grad=True``) enters its operations
  with a ``None`` destination, and the tape remembers which leaf each such array belongs
  to. When ``backward`` has run, each leaf's gradient is delivered to its ``.grad`` (a
  ``Tensor``), looked up *then*: ``.grad`` is None until a backward reaches the leaf, later
  backward calls add into it in place, and setting ``t.grad = None`` (or a new Tensor)
  between the forward and the backward behaves as in PyTorch.
* Constants (numbers, arrays, tensors that do not require a gradient) enter as ``NO_GRAD``:
  no gradient is computed for them.
* Intermediate results have their gradients in the tape's gradient buffer while
  ``backward`` runs; they are freed once propagated unless ``keep_grads=True``.

In-place operations (``+=``, ``add_``, ``zero_``, ``copy_``, ``t[i] = v``, ...) change the
tensor's own array and bump its memory's version (``mytorch.saved``): every recorded
operation keeps the versions of the arrays its backward reads, and ``backward`` raises
``RuntimeError`` when one moved, as PyTorch does. Those arrays are also read-only while
the graph lives, so a write around the Tensor API (``t.numpy()[...] = 0``) raises at once.
Recorded, an in-place operation on ``c`` is ``c = setitem(c, value)``: the gradient flows
through it like through any other operation.

The tape's lifetime: **one tape per connected graph**. The first recorded operation on
leaves starts a new tape; an operation whose inputs live on two tapes merges them. A tensor
holds its tape; the tape holds arrays, never tensors, so when the last tensor of a graph
is gone the tape goes with it: a computation that is never differentiated (a metric, an
evaluation) costs no memory once its tensors are dropped. ``backward`` starts from the
tensor it is called on, so only that tensor's ancestors receive gradients, then
*releases* the tape (clears its operations) unless ``retain_graph=True``; a second
``backward`` through a released graph raises ``RuntimeError``. Operations on tensors of a
released graph still compute values, but are not recorded.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import math
import operator
import sys
import threading
import warnings
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from mytorch import arguments as _arguments
from mytorch import saved as _saved
from mytorch.arguments import masked, odd_array, ragged
from mytorch.autograd_engine import (
    _PRUNED,
    _RECORDING_OFF,
    NO_GRAD,
    Autograd,
    _Anomaly,
    _GradMode,
    _pruned_vjp,
    _seed,
    is_grad_enabled,
    trusted_operation,
)
from mytorch.dtypes import (
    DtypeMismatchError,
    check_finite_into,
    check_same_dtype,
    get_default_dtype,
    gradient_array,
    unordered,
)
from mytorch.nn import functional as F
from mytorch.op_names import named, naming_params
from mytorch.saved import _STORAGES, OUTPUT, VersionCheck, _root, adopt_view, is_held, release, write_begin, write_end
from mytorch.size import Size
from mytorch.utils import GradientBuffer

_new_size = tuple.__new__  # (``Size`` of a shape NumPy made, its ints unchecked: ``Tensor.shape``)

__all__ = [
    "Tape",
    "Tensor",
    "abs",
    "acos",
    "asin",
    "atan",
    "bce_loss",
    "bce_with_logits_loss",
    "cos",
    "erf",
    "erfc",
    "exp",
    "expm1",
    "gelu",
    "jvp",
    "leaky_relu",
    "log",
    "log10",
    "log1p",
    "log2",
    "matmul",
    "maximum",
    "minimum",
    "mse_loss",
    "outer",
    "param_pairs",
    "reciprocal",
    "relu",
    "rsqrt",
    "sigmoid",
    "sin",
    "softmax_cross_entropy",
    "softplus",
    "sqrt",
    "square",
    "tanh",
]

_K = F.KERNELS


class Tape(Autograd):
    """The tape of one connected graph of tensors (an ``Autograd`` engine with a lifetime).

    Attributes:
        merged_into: the tape this one was merged into, or None while it is in use.
        released: True once a ``backward`` without ``retain_graph`` has used the tape.
        operation_list: the recorded ``Operation``s (``Autograd``'s), made from the plain entries
            when first read (``_materialise``).
        order: for each operation a Tensor recorded, when it ran (a global count): merging
            two tapes keeps their operations in the order they ran.
        entries: the operations recorded since ``operation_list`` was last read, as plain tuples
            ``(inputs, output, gradients_to_update, backward_operation, params, vjp, link, when)``
            (``Operation``'s fields, ``when`` its ``order``): the Tensor front-end's trusted
            operations are recorded so, and ``backward`` walks them as they are while no reader
            has asked for ``operation_list`` (``_lean_backward``). Their saved reads are keyed by
            ``id`` of the entry in ``check`` until they become operations.
        unsorted: merges appended operations out of that order; ``in_run_order`` (called by
            ``Tensor.tape``) sorts them back.
        leaves: ``{id(array): leaf}`` for every leaf that entered an operation: after
            ``backward`` the gradient of ``array`` goes to ``leaf.grad``.
        unowned: some leaf entered an operation holding an array that its constructor or
            ``requires_grad_()`` did not make for it: ``backward`` first checks that no leaf
            holds an array an operation produced (``_refuse_shared_leaves``).
        held: the saves (``mytorch.saved``: keys of the memory) of the arrays the operations'
            backward rules read; released with the tape (or when it is garbage-collected).
        saved: ``{id(array): its memory's key, or None}`` for every array the operations'
            backward rules read (each alive on the tape): an array the graph saved already is
            not saved again.
        check: the versions those reads saw (``VersionCheck``), the guard of every
            operation recorded here that reads a saved array.
    """

    def __init__(self) -> None:  # noqa: D107
        # ``Autograd.__init__``'s attributes set here, without its call and the ``operation_list``
        # setter's (a tape is made per graph: per training step; ``tests/test_tensor_entries.py``
        # checks that a tape has every attribute an engine has)
        self.gradient_buffer = GradientBuffer()
        self._ops: list[Any] = []
        self.entries: list[Entry] = []
        self.tangents: dict[int, np.ndarray] = {}
        self._recording = True
        self._kept = False
        self._read: dict[int, np.ndarray] = {}
        self._made: dict[int, Any] = {}
        # (lists, not integer ``array``s: ``array.append`` parses its argument, about 500 instructions
        # an operation more; a list of integers is one object for the garbage collector)
        self._order: list[int] = []
        self.merged_into: Tape | None = None
        self.released = False
        self.last: Any = None  # (what names the last operation at ``release``: a result printed later names it)
        self.unsorted = False
        self.leaves: dict[int, Tensor] = {}
        self.unowned = False  # some leaf entered with an array not made for it (``_refuse_shared_leaves``)
        self.held: list[int] = []
        self.saved: dict[int, int | None] = {}
        self.check = VersionCheck()

    def __del__(self, release: Callable[[list[int]], None] = release) -> None:
        if self.held:  # (empty once released: no call then)
            release(self.held)  # a graph dropped without backward unlocks what it saved

    @property
    def operation_list(self) -> list[Any]:
        """The recorded ``Operation``s, in the order they were recorded (see ``entries``)."""
        return self._materialised()._ops

    @operation_list.setter
    def operation_list(self, ops: list[Any]) -> None:
        self._ops, self.entries = ops, []

    @property
    def order(self) -> list[int]:
        """When each operation of ``operation_list`` ran (see the class's attributes)."""
        return self._materialised()._order

    @order.setter
    def order(self, order: list[int]) -> None:
        self._materialised()._order = order

    def _materialised(self) -> Tape:
        """This tape, its entries made ``Operation``s (``_materialise``) if it has any."""
        if self.entries:
            self._materialise()
        return self

    def _materialise(self) -> dict[int, Any]:
        """Turn the plain ``entries`` into ``Operation``s at the end of ``operation_list`` (a reader
        asked for them: merging, ``grad_fn``, a hook, replay's capture, ``viz``...); returns
        ``{id(entry): its operation}``."""
        entries, self.entries = self.entries, []
        ops, order = self._ops, self._order
        made: dict[int, Any] = {}
        for entry in entries:
            op = made[id(entry)] = _operation(entry)
            ops.append(op)
            order.append(entry[7])
        self.check.adopt(made)  # (the entries are alive here: their ids are their own)
        self._made = made  # (for a backward walking the entries meanwhile: ``_entries_backward``)
        return made

    def __len__(self) -> int:
        return len(self._ops) + len(self.entries)

    def backward(self, divergence: Any = 1.0, output: np.ndarray | None = None, keep_grads: bool = False) -> None:
        """``Autograd.backward``, walking the plain ``entries`` as they are when every operation
        is one (no reader made them ``Operation``s) and nothing asks for more than its common
        case: no ``keep_grads`` now or before, no ``detect_anomaly``, ``output`` an entry's. The
        same additions in the same order as ``Autograd.backward``'s loop for trusted operations
        (``tests/test_tensor_entries.py``); anything else goes to that loop."""
        entries = self.entries
        start = len(entries) - 1
        if output is not None:
            while start >= 0 and entries[start][1] is not output:
                start -= 1
        if self._ops or start < 0 or keep_grads or self._kept or _Anomaly.enabled:
            if entries:
                self._materialise()
            return Autograd.backward(self, divergence, output, keep_grads)
        first = entries[start]
        out = first[1]
        dtype = out.dtype
        if type(divergence) is float and dtype.kind == "f" and math.isfinite(value := dtype.type(divergence)):
            seed = _empty(out.shape, dtype)  # (``_seed``'s common case)
            seed.fill(value)
        else:
            seed = _seed(divergence, _operation(first))  # (its operation, for its messages)
        _entries_backward(self, entries, start, seed)

    def resolve(self) -> Tape:
        """The tape now holding this one's operations (itself unless it was merged)."""
        tape = self
        while tape.merged_into is not None:
            tape = tape.merged_into
        return tape

    def merge(self, other: Tape) -> Tape:
        """Join two graphs' tapes (an operation took inputs from both); returns the joined tape.

        The operations are kept in the order they ran (any order that lists every operation
        after its inputs' would do: the two graphs are disjoint). A released tape is never
        merged: the result stays released, and a ``backward`` through it raises.
        """
        if self.released:
            return self
        if other.released:
            return other
        big, small = (self, other) if len(self) >= len(other) else (other, self)
        small._part_leaves_from(big.leaves)
        big.unowned = big.unowned or small.unowned
        if not big._ops and not small._ops:  # two tapes of plain entries: joined as they are
            mine, theirs = big.entries, small.entries
            big.unsorted = big.unsorted or small.unsorted or bool(mine and theirs and theirs[0][7] < mine[-1][7])
            mine.extend(theirs)
            big.check.absorb(small.check)
            small.entries = []
            big._join(small)
            return big
        ops, order = big.operation_list, big.order
        timed = len(order) == len(ops) and len(small.order) == len(small.operation_list)
        # Appending is a valid order already (the graphs are disjoint); the run order is
        # restored once, when the tape is next looked at (``in_run_order``), not at every
        # merge: sum([t.sin() for t in leaves]) merges n times and stays O(n log n).
        big.unsorted = (
            big.unsorted or small.unsorted or bool(timed and order and small.order and small.order[0] < order[-1])
        )
        ops.extend(small.operation_list)
        order.extend(small.order)
        small.operation_list, small.order = [], []
        big._join(small)
        return big

    def _join(self, small: Tape) -> None:
        """``merge``'s end: what ``small`` holds beside its operations moves to this tape."""
        big = self
        big.gradient_buffer.memory.update(small.gradient_buffer.memory)
        big.gradient_buffer.owners.update(small.gradient_buffer.owners)
        big._read.update(small._read)
        big.leaves.update(small.leaves)
        big.held.extend(small.held)
        big.saved.update(small.saved)
        del small.held[:]
        small.saved.clear()
        small.leaves = {}
        small.gradient_buffer.clear()
        small._read.clear()
        small.merged_into = big

    def in_run_order(self) -> Tape:
        """This tape, its operations sorted into the order they ran if merges left them
        appended out of it (one sort, however many merges)."""
        if self.unsorted:
            if not self._ops:  # plain entries: sorted by their own stamps
                self.entries.sort(key=_WHEN)
            elif len(self.order) == len(self.operation_list):
                runs = sorted(zip(self.order, self.operation_list), key=operator.itemgetter(0))
                self.order = [when for when, _ in runs]
                self.operation_list = [op for _, op in runs]
            self.unsorted = False
        return self

    def _part_leaves_from(self, leaves: dict[int, Tensor]) -> None:
        """Before merging into a tape with ``leaves``: a leaf of this tape whose array object
        is also another leaf's there (two leaves wrapping one array) enters this tape's
        operations as a view of it instead, so that the two gradients stay apart."""
        for key, leaf in list(self.leaves.items()):
            other = leaves.get(key)
            if other is None or other is leaf:
                continue
            view = None
            for op in self.operation_list:
                dsts = op.gradients_to_update
                parted = [id(x) == key and dsts[i] is None for i, x in enumerate(op.inputs)]
                if any(parted):
                    if view is None:
                        view = op.inputs[parted.index(True)].view()
                    op.inputs = tuple(view if p else x for p, x in zip(parted, op.inputs))

            if view is not None:
                del self.leaves[key]
                self.leaves[id(view)] = leaf
                self.saved.pop(key, None)  # no operation holds that array now: its id may be reused

    def follow_replaced_leaves(self) -> Tape:
        """Before a backward: the operations read each leaf's *current* array, as PyTorch's
        saved inputs do after ``leaf.data = new``. A leaf whose ``.data`` was replaced since it
        entered an operation (its recorded array no longer views the memory of ``leaf.data``)
        enters those operations as a fresh view of its new array instead; returns the tape.

        Raises:
            RuntimeError: the new array's shape is not the recorded one, or a leaf's array is a
                recorded result's own array (see ``_refuse_shared_leaves``).
        """
        if self.unowned:
            _refuse_shared_leaves(self)
        leaves = self.leaves
        for key, leaf in leaves.items():  # (the common case: one id() per leaf, and no dict made)
            if id(leaf._data) != key:
                break
        else:
            return self
        stale = {key: leaf for key, leaf in leaves.items() if id(leaf._data) != key}
        fresh: dict[int, np.ndarray | None] = {}  # recorded id -> its replacement (None: still the leaf's memory)
        for op in self.operation_list:
            if not any(id(x) in stale for x in op.inputs):
                continue
            inputs = list(op.inputs)
            for i, x in enumerate(inputs):
                key = id(x)
                if key not in stale or op.gradients_to_update[i] is not None:
                    continue
                if key not in fresh:
                    fresh[key] = _replacement(x, stale[key])
                new = fresh[key]
                if new is not None:
                    inputs[i] = new
            op.inputs = tuple(inputs)
        for key, new in fresh.items():
            if new is not None:
                self.leaves[id(new)] = self.leaves.pop(key)
                self.saved.pop(key, None)  # (no operation holds the old array now: its id may be reused)
        return self

    def release(self) -> None:
        """Free the recorded operations (and forward-mode tangents) and unlock the arrays they
        saved; a later ``backward`` through this graph raises. What names the last operation is kept
        as ``last`` (its backward function, its inputs' shapes, its parameters, its output): the
        loss printed after ``loss.backward()`` shows its ``grad_fn=<...>``, as PyTorch's, which
        keeps the node of a released graph; its inputs are not kept."""
        # (its inputs by their shapes only: a loss kept in a list keeps no logits alive)
        if self.entries:
            entry = self.entries[-1]
            rule, params = entry[3], entry[4]
            backward = (_HELD[rule] if type(rule) is int else rule)[1]
            params = None if params is _GIVEN_OUT else naming_params(params)
            self.last = (backward, tuple(map(_SHAPE, entry[0])), params, entry[1])
        elif self._ops:
            op = self._ops[-1]
            self.last = (op.backward_operation, tuple(map(_SHAPE, op.inputs)), naming_params(op.params), op.output)
        else:
            self.last = None
        self._ops.clear()
        self.entries.clear()
        self._made = {}
        self._read.clear()
        del self._order[:]
        self.tangents = {}
        self.leaves.clear()
        if self.held:  # (``Tensor.backward`` releases the holds before delivering the gradients)
            release(self.held)
        self.saved.clear()
        self.check.clear()
        self.released = True

    def deliver(self, keep_grads: bool) -> None:
        """After ``backward``: add each leaf's gradient from the buffer into its ``.grad``."""
        memory = self.gradient_buffer.memory
        if keep_grads or _LEAF_HOOKS:
            take = memory.get if keep_grads else memory.pop
            forget = None if keep_grads else self.gradient_buffer.owners.pop
            for key, leaf in self.leaves.items():
                grad = take(key, None)
                if grad is not None:
                    if forget is not None:
                        forget(key, None)
                    if leaf.requires_grad:  # (not frozen by requires_grad_(False) since: PyTorch skips it too)
                        if _LEAF_HOOKS:
                            _accumulate(leaf, leaf_gradient(leaf, grad))  # after the leaf's hooks
                            post_hooks(leaf)
                        else:  # a gradient array nothing else refers to (taken out of the buffer) may become .grad
                            sole = forget is not None and _getrefcount(grad) == _SOLE  # (counted before the call)
                            _accumulate(leaf, grad, sole)
            return
        # The common case (no hooks, gradients taken out of the buffer): ``_accumulate``'s two
        # usual paths written out, a call less per leaf; anything else goes through it.
        take = memory.pop
        leaves = self.leaves
        for key, leaf in leaves.items():
            grad = take(key, None)
            if grad is None or not leaf.requires_grad:  # (frozen by requires_grad_(False) since: PyTorch skips it)
                continue
            held = leaf._grad
            if held is None:  # a new .grad, made as ``_accumulate`` makes it
                sole = _getrefcount(grad) == _SOLE  # (nothing else refers to it: counted first)
                if type(grad) is not _ndarray or grad.dtype is not leaf._data.dtype:
                    _accumulate(leaf, grad)
                    continue
                new = leaf._grad = _new_tensor(Tensor)
                # the gradient itself if it owns its memory and nobody else holds it, else a copy
                # (a bias's gradient is a view of the layer's: g[0] for a batch of one)
                new._data = grad if sole and grad.base is None and grad.flags.writeable else grad.copy("K")
                new._grad = None
                new.requires_grad = False
                new._tape = None
                continue
            target = held._data
            if _STORAGES and id(target if target.base is None else _root(target)) in _STORAGES:
                _accumulate(leaf, grad)  # (memory a live graph saved: the guarded write)
                continue
            try:
                target += grad  # (as ``_accumulate`` adds: same_kind casting, in place)
            except ValueError:  # read-only: ``_accumulate``'s guarded path says why
                _accumulate(leaf, grad)
        # the buffer forgets the leaves' arrays: all it held, in the common case, so at once
        owners = self.gradient_buffer.owners
        if memory:
            for key in leaves:
                owners.pop(key, None)
        else:
            owners.clear()


def _entries_backward(tape: Tape, entries: list[Entry], start: int, seed: np.ndarray) -> None:
    """``Autograd.backward``'s reverse loop over plain entries from ``entries[start]``, whose output
    receives ``seed``: the loop for trusted operations without ``keep_grads`` (``Tape.backward``)."""
    memory = tape.gradient_buffer.memory
    owners = tape.gradient_buffer.owners
    check = tape.check
    made = None  # (the entries as operations, once a version moved: the check's messages name them)
    # As in ``Autograd.backward``: the gradient of the first input to get one is carried to the next
    # entry back instead of the buffer, and while every entry back was a ``link`` taking it, and the
    # buffer held nothing when backward began, nothing else can add to it.
    links = not memory
    spotted = bool(owners)
    out = entries[start][1]
    carried: np.ndarray | None = out if links else None
    carried_grad: Any = seed
    if not links:  # the seed joins what the buffer holds for that output
        held = memory.get(id(out))
        memory[id(out)], owners[id(out)] = (seed if held is None else held + seed), out
    take, release, lookup = memory.pop, owners.pop, memory.get
    for entry in entries[start::-1]:
        inputs, out, skipped, rule, params, vjp, link, _ = entry
        if out is not carried:  # its gradient, if any, is in the buffer (and what is carried goes there)
            if carried is not None:
                memory[id(carried)], owners[id(carried)] = carried_grad, carried
                carried, links = None, False
            grad = take(id(out), None)
            if grad is None:
                continue
            release(id(out), None)
        else:
            grad, carried = carried_grad, None
            if spotted:
                release(id(out), None)
        if check.since != _saved._BUMPS:  # some version moved: this entry's saved reads are checked
            if made is None:
                made = tape._materialise() if tape.entries else tape._made
            op = made.get(id(entry))
            if op is not None:
                check.__call__(tape, op)
        if vjp is None:  # the plan's rule (``_held_number``)
            vjp = (_HELD[rule] if type(rule) is int else rule)[2]
        n = len(inputs)  # (the operands by position where the kernel takes them so: no unpacking)
        if params is None:
            grads = (
                vjp(grad, inputs[0], inputs[1]) if n == 2 else vjp(grad, inputs[0]) if n == 1 else vjp(grad, *inputs)
            )
        elif params is _GIVEN_OUT:  # (a kernel given its forward's result: tanh's, see ``Entry``)
            grads = vjp(grad, inputs[0], out=out) if n == 1 else vjp(grad, *inputs, out=out)
        else:
            grads = vjp(grad, *inputs, **params)
        links = links and link >= 0  # (still carrying on without looking in the buffer: see above)
        if links:
            if n == 1:
                if type(grads[0]) is _ndarray:  # one operand, the link (an activation's, a chain's): its
                    carried, carried_grad = inputs[0], grads[0]  # gradient carried on
                    continue
            elif n == 2 and link == 0 and not skipped:  # (``h @ W``, ``h + b``: the loop below, written out)
                gx, gy = grads
                if type(gx) is _ndarray and type(gy) is _ndarray:
                    y = inputs[1]
                    k = id(y)
                    held = lookup(k)
                    if held is not None:
                        memory[k] = held + gy
                    else:
                        memory[k] = gy
                        owners[k] = y
                    carried, carried_grad = inputs[0], gx
                    continue
        # One pass over the gradients: an entry's destinations are the buffer, or nothing for the
        # operands in ``skipped`` (NO_GRAD), never a parameter's array. The link's is carried on; while ``links`` holds,
        # the others go into the buffer, as ``Autograd.backward``'s link path puts them; after, the
        # first to arrive is carried (unless one already is), as its general path does.
        i = -1
        for gx in grads:
            i += 1
            if gx is None or skipped >> i & 1:
                continue
            if type(gx) is not _ndarray:  # NumPy's scalar for a 0-d gradient: keep an array
                gx = np.asarray(gx)
            x = inputs[i]
            if links:
                if i == link:
                    carried, carried_grad = x, gx
                    continue
            elif x is carried:  # (the same array twice among the inputs)
                carried_grad = carried_grad + gx
                continue
            k = id(x)
            held = lookup(k)
            if held is not None:
                memory[k] = held + gx
            elif links or carried is not None:
                memory[k] = gx
                owners[k] = x
            else:
                carried, carried_grad = x, gx
    if carried is not None:
        k = id(carried)
        memory[k] = carried_grad
        owners[k] = carried


def _references_of_a_popped_local() -> int:
    """What ``sys.getrefcount`` gives for an array that only a local variable refers to, taken
    out of a dict as ``Tape.deliver`` takes a gradient (interpreters count the call's own
    reference differently: measured, not assumed), and never more than 2 (the local and the
    call's argument). A Python trace function (a debugger, ``coverage`` without its C tracer)
    running while Python 3.10 imports mytorch copies the frame's locals into a dict at each
    line and so adds one: an array that one other gradient also held then looked sole, and two
    leaves' ``.grad`` shared one array."""
    held = {0: np.empty(0)}
    grad = held.pop(0)
    return min(_getrefcount(grad), 2)


Entry = tuple[tuple[np.ndarray, ...], np.ndarray, int, Any, Any, Any, int, int]
"""A trusted operation on a ``Tape``, plain (``Tape.entries``): ``(inputs, output, skipped, rule,
params, vjp, link, when)``: ``skipped`` the inputs needing no gradient (bits: NO_GRAD in
``gradients_to_update``, None elsewhere), ``rule`` its plan's ``(gradients_to_update,
backward_operation, vjp)`` by number in ``_HELD`` (``_held_number``), ``vjp`` None for the plan's
or the one chosen for the operands (``mytorch.tensor_vjps``), ``when`` its run-order stamp;
``params`` is ``_GIVEN_OUT`` for a kernel given its forward's result alone (``{"out": output}`` as
an ``Operation``'s: ``tanh``'s), a dict less per such entry."""

_GIVEN_OUT = "out"
"""An ``Entry``'s ``params`` when the kernel takes the entry's output as its one parameter ``out``."""

_HELD: dict[int, Any] = {}
"""The plans' rules (``(gradients_to_update, backward_operation, vjp)``) that ``Tape.entries`` name
by their number here rather than hold. An entry of arrays, tuples of arrays, numbers and a dict of
arrays refers to nothing the garbage collector tracks, so the collector stops tracking it at its
first looks, and a long tape's entries cost its later collections nothing (a chain of a million
operations held a million tracked ``Operation``s, which every full collection walked). An entry with
a VJP chosen for its operands (``mytorch.tensor_vjps``: products, sums, activations of a network)
holds it, and is tracked. Held for the life of the program, at most ``_MAX_HELD``: a plan is made
per kernel and pattern of operands needing no gradient; past that, an entry holds its rule."""
_NUMBERS: dict[int, int] = {}  # id(rule) -> its number in _HELD
_MAX_HELD = 4096
_RULE_NUMBERS = itertools.count()  # (``next`` is one call in C: two threads never get one number)


def _held_number(thing: Any) -> Any:
    """``thing``'s number in ``_HELD`` (given here, held for good), or ``thing`` itself once it is full.
    Two threads numbering one thing at once may give it two numbers, each naming it."""
    number = _NUMBERS.get(id(thing))
    if number is None:
        if len(_HELD) >= _MAX_HELD:
            return thing
        number = next(_RULE_NUMBERS)
        _HELD[number] = thing  # (before its number is published: a reader finds it there)
        _NUMBERS[id(thing)] = number
    return number


def _operation(entry: Entry) -> Any:
    """The ``Operation`` an entry stands for (a new one)."""
    inputs, output, _, rule, params, vjp, link, _ = entry
    dsts, backward, planned = _HELD[rule] if type(rule) is int else rule
    if params is _GIVEN_OUT:
        params = {"out": output}
    return trusted_operation(inputs, output, dsts, backward, params, planned if vjp is None else vjp, link)


_WHEN = operator.itemgetter(7)  # (an entry's run-order stamp)
_SHAPE = operator.attrgetter("shape")
_getrefcount = sys.getrefcount
_SOLE = _references_of_a_popped_local()
_CLOCK = itertools.count()

CAPTURE: list[Any] = []
"""While ``mytorch.replay`` captures a Tensor-level step: its recorder. ``backward`` tells it
of the tape it runs (``recorder.backward(tensor, tape, seed)``, before the leaves' gradients
are delivered), and code that makes an array from a step input off the tape tells it how
(``recorder.derived(array, make, *args)``: ``cross_entropy``'s one-hot targets), and an
in-place write off the tape tells it which tensor it wrote (``recorder.wrote(tensor)``), and a
tensor's value read into Python (``item()``, ``float()``, ``bool()``...: any tensor's, a
comparison's result or an input's too; ``numpy()`` and ``__array__``: a recorded result's, a
parameter's, or the array ``detach()`` or ``.data`` gave of either) tells it how
(``recorder.looked(how)``, ``recorder.looked_at_array(tensor, how)``). Empty
otherwise: the cost is one test of an empty list. Steps captured at once in several threads
have a recorder each: ``capturing()`` is this thread's."""


def capturing() -> Any:
    """This thread's innermost recorder in ``CAPTURE`` (None: no capture in this thread)."""
    me = threading.get_ident()
    for recorder in reversed(CAPTURE):
        if recorder.thread == me:
            return recorder
    return None


def _looked_at(t: Tensor | np.ndarray, how: str) -> None:
    """A tensor's value was read into Python (``how``) while a step is captured: its recorder is
    told (what the step does with it, a replay would not: ``Recorder.looked``)."""
    recorder = capturing()
    if recorder is not None:
        recorder.looked(how)


def _array_looked_at(t: Tensor, how: str) -> None:
    """``t``'s array was handed out (``how``: ``numpy()``, ``np.asarray``) while a step is
    captured: its recorder is told if the values are a recorded result's (also through
    ``detach()`` or ``.data``) or a parameter's. (An input's arrays are read so by the library's
    own code, a loss's targets; a branch on an input's values is seen by ``item()``, ``if``.)"""
    recorder = capturing()
    if recorder is not None and (
        t._tape is not None or t.requires_grad or _HANDED_OUT.get(id(t._data)) is t._data or recorder.watches(t._data)
    ):
        recorder.looked(how)


def _written(t: Tensor) -> None:
    """``t``'s values were changed in place outside the tape, while a step is captured: its
    recorder is told (a replay would not repeat the write: ``Recorder.wrote``)."""
    recorder = capturing()
    if recorder is not None:
        recorder.wrote(t)


_new_tensor = object.__new__
_ndarray = np.ndarray  # (one global lookup instead of two, on every recorded operation)
_empty = np.empty

_HANDED_OUT: weakref.WeakValueDictionary[int, np.ndarray] = weakref.WeakValueDictionary()
"""``{id(array): array}``: the arrays of recorded results handed to the user (``numpy()``,
``__array__``; views of them by ``detach()`` and ``data``), while they live. A leaf made of one gets a view of it,
an array object of its own (``Tensor.__init__``): the tape keys gradients by array object."""


def _warn_unretained_grad(t: Tensor) -> None:
    """PyTorch's warning for ``t.grad`` read on a recorded result ``t`` that keeps no gradient
    (``loss.backward(); print(h.grad)`` where ``w.grad`` was meant)."""
    if not t.retains_grad:
        warnings.warn(
            "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
            "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
            "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor "
            "by mistake, make sure you access the leaf Tensor instead.",
            UserWarning,
            stacklevel=3,
        )


def _detached(data: np.ndarray) -> np.ndarray:
    """A recorded result's array ``data`` as ``detach()`` and ``.data`` hand it out: a new array
    object on its memory (``_leaf_view``), so that ``x = h.detach(); x.requires_grad = True``
    makes a leaf whose gradient is its own beside ``h``'s (the tape keys gradients by array
    object), noted in ``_HANDED_OUT`` as a recorded result's values."""
    view = _leaf_view(data)
    _HANDED_OUT[id(view)] = view
    return view


def _handed_out(t: Tensor) -> np.ndarray:
    """``t``'s array, noted in ``_HANDED_OUT`` if ``t`` is a recorded result."""
    data = t._data
    if t._tape is not None:
        _HANDED_OUT[id(data)] = data
    return data


# The kernels whose forward is one NumPy operator or ufunc on its operands (``a + b``,
# ``np.tanh(x)``): the Tensor's operators and functions call that directly, a Python frame less
# per operation; the same call, so the same values (``tests/test_tensor_vjps.py`` checks that
# each is the table's forward).
_BY, _LARGE = F.PRODUCTS, F.PRODUCT_BY_MATMUL


def _matmul(a: np.ndarray, b: np.ndarray) -> Any:
    """``a @ b``. Two 2-D operands that fit, each laid out C- or F-contiguous, go through
    ``F.matrix_product``'s choice, which gives ``@``'s bits for them (``tests/test_products.py``;
    on other layouts NumPy's matmul may sum in its own loop): ``np.dot`` costs 0.3 us less a call
    for a small product, and 1 us less for an outer product (``@`` of (25, 1) and (1, 25): 1.6 us)."""
    if a.ndim == 2 and b.ndim == 2:
        (rows, shared), (inner, columns) = a.shape, b.shape  # (each read of an array's shape makes a tuple)
        if shared == inner and a.flags.forc and b.flags.forc:
            return _BY[rows * columns >= _LARGE and shared > 1](a, b)
    return a @ b  # (other shapes and layouts; operands that do not fit get matmul's own message)


DIRECT_FORWARDS: dict[str, Callable[..., Any]] = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "matmul": _matmul,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "sin": np.sin,
    "cos": np.cos,
    "tanh": np.tanh,
}

FRESH_FORWARDS = frozenset((*DIRECT_FORWARDS, "sigmoid"))
"""The kernels whose forward (or direct forward) gives an array of new memory for certain, which
the recording takes as ``fresh`` (no view of an operand; a save of it alone is
``VersionCheck.watch_new_output``): the operators and ufuncs above, and ``sigmoid``'s
1 / (1 + e^-x), computed in e^-x's new memory (``tests/test_tensor_vjps.py`` checks each)."""


_CONSTANTS: dict[tuple[Any, np.dtype], np.ndarray] = {}
# The float64 and float32 ones made from Python floats, also keyed by the float alone: hashing a
# dtype for the key costs about 470 instructions a lookup (``Tensor * 0.5``, cleared with ``_CONSTANTS``)
_DOUBLES: dict[float, np.ndarray] = {}
_SINGLES: dict[float, np.ndarray] = {}
_AS_IS = contextlib.nullcontext()


def _inf_on_overflow(dtype: np.dtype) -> Any:
    """The context for a cast into ``dtype`` or a write into it: a float beyond a float dtype becomes
    inf, as PyTorch makes it, without NumPy's "overflow encountered in cast" RuntimeWarning (a cost
    of about a microsecond: for the paths that cast between float widths, not the common ones)."""
    return np.errstate(over="ignore") if dtype.kind == "f" else _AS_IS


_MAX_CONSTANTS = 1024


def _number(value: float, dtype: np.dtype) -> np.ndarray:
    """A Python number as a 0-d array of ``dtype``; nonzero ones are cached (read-only), since
    loops use the same few constants over and over, and so are zeros, by their sign (0 == -0.0:
    under the key of the others the two would be one; made anew each time, ``x + 0.0`` or ``x * 0``
    in a replayed step was refused as an array the step makes anew each run)."""
    key = (value, dtype)
    array = _CONSTANTS.get(key)
    if array is None and not value and value == value:
        return _zero(value, dtype)
    if array is None:
        if dtype.kind in "iu" and not _fits(value, dtype):  # (NumPy 1 wrapped it silently, NumPy 2 raises)
            raise OverflowError(f"Python integer {value} is out of bounds for {dtype}")
        with _inf_on_overflow(dtype) if value else _AS_IS:  # (70000.0 next to float16 is inf, as in PyTorch)
            array = np.array(value, dtype=dtype)
        if value and value == value:  # not 0 (whose sign matters, and 0 == -0), not NaN
            if len(_CONSTANTS) >= _MAX_CONSTANTS:
                _CONSTANTS.clear()
                _DOUBLES.clear()
                _SINGLES.clear()
            array.flags.writeable = False
            _CONSTANTS[key] = array
    if type(value) is float and (dtype is _DOUBLE or dtype is _SINGLE) and value and value == value:
        # (also when found: 2.0 finds the array that 2 made, under an equal key)
        (_DOUBLES if dtype is _DOUBLE else _SINGLES)[value] = array
    return array


_ZEROS: dict[tuple[np.dtype, bool], np.ndarray] = {}


def _zero(value: float, dtype: np.dtype) -> np.ndarray:
    """``_number`` of a zero: one read-only 0-d array per dtype and sign."""
    key = (dtype, math.copysign(1.0, value) < 0)
    array = _ZEROS.get(key)
    if array is None:
        array = np.array(value, dtype=dtype)
        array.flags.writeable = False
        _ZEROS[key] = array
    return array


def _fits(value: Any, dtype: np.dtype) -> bool:
    info = np.iinfo(dtype)
    return bool(info.min <= value <= info.max)


def _integer_bounds(op: str, dtype: np.dtype, low: Any, high: Any) -> tuple[Any, Any]:
    """``clamp``'s integer bounds ``low``, ``high`` (Python integers or None) for a ``dtype`` tensor, fitted
    to its range: one past the range on its own side changes nothing and is dropped (the comparison is
    exact: ``clamp(uint8, min=-2)`` keeps every element), one past the far side (``min=300``) would leave
    no element representable and raises, as in PyTorch. Then NumPy 1 keeps the dtype too: its
    value-based casting made ``clamp(uint8, min=-3)`` int16 and ``clamp_(min=300)`` write 44."""
    info = np.iinfo(dtype)
    for bound, unmet in ((low, low is not None and low > info.max), (high, high is not None and high < info.min)):
        if unmet:
            raise OverflowError(f"{op}: the bound {bound} is out of range for a {dtype} tensor")
    return (None if low is None or low <= info.min else low), (None if high is None or high >= info.max else high)


def _wrapping(value: Any, like: np.ndarray) -> np.ndarray:
    """``_constant(value, like)`` for the arithmetic and bitwise operators (``+ - * % // & | ^`` and their
    in-place forms), where a Python integer outside an integer tensor's range is taken modulo
    2**bits, as PyTorch takes it (``uint8 & -2`` is ``uint8 & 254``, ``uint8 + 300`` is ``+ 44``).
    Elsewhere (``where``, ``**``, ``fill_``) it raises, as in PyTorch; beyond 64 bits always."""
    try:
        return _constant(value, like)
    except OverflowError:
        integer = isinstance(value, (int, np.integer))
        if not integer or like.dtype.kind not in "iu" or not _fits(value, np.dtype(np.int64)):
            raise
        info = np.iinfo(like.dtype)
        return _number((int(value) - info.min) % 2**info.bits + info.min, like.dtype)


def _constant(value: Any, like: np.ndarray | None) -> np.ndarray:
    """A non-tensor operand as an array, promoted as PyTorch does: next to a floating-point
    tensor, a number (Python or NumPy scalar, 0-d array) or an integer or boolean array
    takes the tensor's dtype (float32 * np.float64(2.0) stays float32)."""
    kind = type(value)
    if kind is np.ndarray:
        if like is not None and value.dtype != like.dtype:
            if value.dtype.kind not in "biufc":  # (objects made an object tensor; strings NumPy's ufunc error)
                raise TypeError(f"Tensor: cannot use an array of dtype {value.dtype} as an operand (it is not numeric)")
            if _demoted(value, like):
                return value.astype(like.dtype)
        return value
    if kind is not float and kind is not int and isinstance(value, np.generic) and value.dtype.kind in "biuf":
        value = value.item()
        kind = type(value)
    if (kind is float or kind is int) and like is not None:
        dtype = like.dtype
        if dtype.kind != "f" and dtype.kind in "biu" and (kind is float or dtype.kind == "b"):
            # an integer tensor and a float: PyTorch's default dtype, not float64; a mask and an int: int64
            dtype = get_default_dtype() if kind is float else np.dtype(np.int64)
        return _number(value, dtype)
    if kind is complex and like is not None:  # the complex counterpart of the tensor's float dtype, as PyTorch
        # (float32 + 1j is complex64; it was complex128; an integer or bool tensor takes the default's)
        dtype = like.dtype
        if dtype.kind != "c":
            dtype = _COMPLEX_OF.get(dtype.char if dtype.kind == "f" else get_default_dtype().char, _CDOUBLE)
        return np.asarray(value, dtype)
    if isinstance(value, Tensor):
        return value._data
    array = np.asarray(value)
    if array.dtype.kind not in "biufc":
        raise TypeError(f"Tensor: cannot use a {type(value).__name__} (dtype {array.dtype}) as an operand")
    return array


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
_CDOUBLE = np.dtype(np.complex128)
_COMPLEX_OF: dict[str, np.dtype] = {"e": np.dtype(np.complex64), "f": np.dtype(np.complex64), "d": _CDOUBLE}
"""A float dtype's complex counterpart (float16's is complex64: NumPy has no complex32)."""


def _demoted(value: np.ndarray, like: np.ndarray) -> bool:
    """Whether the operand ``value`` takes ``like``'s dtype (PyTorch's promotion: an operand of
    a lower category (bool < integer < float < complex), or a 0-d one of the same category next
    to a dimensioned one, does not widen it: float32 * an int64 array is float32, a uint8 image
    + a 0-d int64 tensor stays uint8; a real float beside a complex ``like`` as
    ``_promoted_dtype`` says: float64 [2] * complex64 [2] is complex128)."""
    mine, theirs = _CATEGORY.get(value.dtype.kind, 4), _CATEGORY.get(like.dtype.kind, -1)
    if mine == 2 and theirs == 3:
        return _promoted_dtype(value, like) == like.dtype
    return mine < theirs or (mine == theirs and value.ndim == 0 < like.ndim)


def _promote_types(x: np.dtype, y: np.dtype) -> np.dtype:
    """PyTorch's ``promote_types``: NumPy's, except that a bool or integer dtype beside a float or
    complex one gives that dtype (int64 and float32: float32; NumPy's is float64)."""
    cx, cy = _CATEGORY.get(x.kind, 4), _CATEGORY.get(y.kind, 4)
    if cx <= 1 < cy < 4:
        return y
    if cy <= 1 < cx < 4:
        return x
    return np.promote_types(x, y)


def _combined(higher: np.dtype, lower: np.dtype) -> np.dtype:
    """The dtype of dimensioned operands (``higher``) with 0-d ones (``lower``), PyTorch's rule: a
    0-d operand widens only into a higher category, and then a float into its complex
    counterpart (float32 [2] * a 0-d complex128 is complex64; float64 [2] * a 0-d complex64
    complex128; there is no complex32: float16's is complex64)."""
    if higher.kind == "c":
        return higher
    if lower.kind == "c":
        if higher.kind != "f":
            return lower
        # (a float128 tensor's is NumPy's complex256: a KeyError until 2026-12-05)
        return _COMPLEX_OF.get(higher.char) or np.promote_types(higher, lower)
    if higher.kind == "f":
        return higher
    if higher.kind == "b" or lower.kind == "f":
        return _promote_types(higher, lower)
    return higher


_HALF = np.dtype(np.float16)
_SINGLE, _DOUBLE = np.dtype(np.float32), np.dtype(np.float64)  # (tested by identity before reading a dtype's kind)
_HALF_OPMATH = frozenset(("mul", "div"))
"""The kernels whose number operand PyTorch keeps in float32 next to a float16 tensor (its
``+``, ``-``, ``%`` and ``fmod`` and ``alpha=`` take the number into float16 first, as NumPy does)."""


def _widens_half(value: Any, beside: Any) -> bool:
    """Whether PyTorch computes ``beside * value``, ``beside / value`` or ``beside // value``, for
    ``beside`` a float16 tensor, with ``value`` in float32 (its "opmath") rather than taken into
    float16 first, where the two differ: a number (Python or NumPy, not bool) that float16 does not
    hold exactly (70000.0 is inf there, 1e-7 the subnormal 1.19e-7, 2049 is 2048), or a 0-d tensor
    or array of a wider float dtype next to a dimensioned ``beside``, whatever its value."""
    if not (isinstance(beside, Tensor) and beside.dtype is _HALF):
        return False
    if isinstance(value, Tensor):
        value = value._data
    if isinstance(value, np.ndarray):
        return value.ndim == 0 < beside.ndim and value.dtype.kind == "f" and value.dtype.itemsize > 2
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        return False
    try:
        with np.errstate(over="ignore"):  # (compared as floats: NumPy 2 compares float16 and a Python float in float16)
            return bool(float(np.float16(value)) != value and value == value)
    except OverflowError:  # (an integer beyond float64)
        return False


def _half_opmath(kernel: F.Kernel, args: Sequence[Any], params: dict[str, Any] | None) -> Tensor | None:
    """``a * b`` or ``a / b`` (kernels ``_HALF_OPMATH``) of a float16 tensor and an operand that
    ``_widens_half``, computed as PyTorch computes it: in float32, rounded once to float16 (both
    ends recorded ``cast``s). NumPy took the number into float16 first: ``x / 70000`` was 0,
    ``x / 1e-7`` 16% low. PyTorch keeps a number in float32 on either side, a 0-d tensor only on
    the right (on the left it is rounded to float16 first). None when neither is such."""
    if kernel.name not in _HALF_OPMATH:
        return None
    a, b = args
    if not (_widens_half(b, a) or (not isinstance(a, (Tensor, np.ndarray)) and _widens_half(a, b))):
        return None
    single = np.dtype(np.float32)
    wide = [_apply("cast", (t,), {"dtype": single}) if isinstance(t, Tensor) and t.dtype is _HALF else t for t in args]
    return _apply("cast", (_run(kernel, wide, _arrays(wide), params),), {"dtype": _HALF})


def _integer_power(base: np.ndarray, exponent: np.ndarray) -> np.ndarray:
    """``base ** exponent`` for integer arrays of one dtype, with PyTorch's value for a negative
    exponent (NumPy refuses it): the integer part of 1 / base**-e, so 1 for a base of 1, +-1 for
    -1, and 0 otherwise (``2 ** tensor([-1])`` is 0). The dtype is ``np.power``'s of the two, as
    without a negative exponent (on NumPy 1 a 0-d int8 power with a negative exponent came out
    int64 until 2026-12-05: ``np.where`` of a Python 0 made the exponent int64)."""
    negative = exponent < 0
    if not negative.any():
        return np.power(base, exponent)
    powers = np.power(base, np.where(negative, 0, exponent).astype(exponent.dtype, copy=False))
    odd = (exponent % 2).astype(bool)
    small = np.where(base == 1, 1, np.where(base == -1, np.where(odd, -1, 1), 0))
    return np.where(negative, small, powers).astype(powers.dtype, copy=False)


def _float_array_widens(array: Any, x: Tensor) -> bool:
    """Whether ``x ** array`` (or ``array ** x``), for a float array and a float tensor ``x``, is
    computed in a dtype other than ``x``'s by PyTorch's promotion (the array taken as a tensor of
    its dtype: a dimensioned float64 one widens a float16 ``x``, a dimensioned float16 one narrows
    a 0-d float32 ``x``)."""
    if type(array) is not np.ndarray or array.dtype == x._data.dtype:
        return False
    if array.dtype.kind not in "fc" or x._data.dtype.kind not in "fc":
        return False
    return _promoted_dtype(x._data, array) != x._data.dtype


def _promoted_dtype(a: np.ndarray, b: np.ndarray) -> np.dtype:
    """The dtype PyTorch gives an elementwise operation of ``a`` and ``b`` (dimensioned operands
    before 0-d ones: ``_combined``)."""
    if a.dtype == b.dtype:
        return a.dtype
    if _CATEGORY.get(a.dtype.kind, 4) == 4 or _CATEGORY.get(b.dtype.kind, 4) == 4:
        return np.result_type(a.dtype, b.dtype)
    if (a.ndim == 0) == (b.ndim == 0):
        return _promote_types(a.dtype, b.dtype)
    return _combined(a.dtype, b.dtype) if a.ndim else _combined(b.dtype, a.dtype)


def _promoted(args: Sequence[Any], arrays: Sequence[np.ndarray]) -> tuple[Sequence[Any], Sequence[np.ndarray]]:
    """Two operands of different dtypes: one takes the other's floating-point dtype when
    PyTorch's rules say so (see ``_demoted``); a real float beside a complex operand of lower
    precision, or beside a 0-d complex one of higher, both take the complex dtype of the two
    (float64 [2] * complex64 [2] is complex128, float32 [2] * a 0-d complex128 complex64, as in
    PyTorch). An operand that requires a gradient (a 0-d float64 loss times a float32 tensor)
    goes through a recorded ``cast``, so that its gradient comes back in its own dtype."""
    for i in (1, 0):  # the second operand is looked at first
        if _demoted(arrays[i], arrays[1 - i]):
            return _cast_operand(args, arrays, i, arrays[1 - i].dtype)
    if arrays[0].dtype.kind != "c" and arrays[1].dtype.kind != "c":
        return args, arrays
    # the real operand is cast too: in a kernel beside a complex one it got a complex gradient
    # (a hook saw complex128 for a float64 tensor, and a second backward's ``.grad += grad`` raised
    # "Cannot cast ufunc 'add' output from complex128 to float64" until 2026-12-05)
    target = _promoted_dtype(*arrays)
    for i in (0, 1):
        if arrays[i].dtype != target:
            args, arrays = _cast_operand(args, arrays, i, target)
    return args, arrays


def _cast_operand(
    args: Sequence[Any], arrays: Sequence[np.ndarray], i: int, target: np.dtype
) -> tuple[Sequence[Any], Sequence[np.ndarray]]:
    """``_promoted``'s cast of operand ``i`` to ``target`` (recorded when it requires a gradient)."""
    value = arrays[i]
    if not _wants_grad(args[i]):
        with _inf_on_overflow(target):
            arg, array = args[i], value.astype(target)
    elif value.dtype.kind in "fc":
        arg = args[i].to(target)
        array = arg._data
    else:  # (a leaf whose data became integer: the engine refuses it)
        return args, arrays
    return ((args[0], arg), (arrays[0], array)) if i else ((arg, args[1]), (array, arrays[1]))


def _wants_grad(arg: Any) -> bool:
    return isinstance(arg, Tensor) and arg.requires_grad


def _arrays(args: Sequence[Any]) -> tuple[np.ndarray, ...]:
    """The operands' arrays: tensors' ``data``, everything else as a constant array."""
    like = None
    for a in args:
        if isinstance(a, Tensor):
            like = a._data
            break
    return tuple([a._data if isinstance(a, Tensor) else _constant(a, like) for a in args])


def _attach(
    out: Any,
    args: Sequence[Any],
    arrays: Sequence[np.ndarray],
    backward: Any,
    params: dict[str, Any] | None,
    saves_output: bool = False,
    reads: tuple[tuple[int, ...], ...] | None = None,
    fresh: bool = False,
    result: Tensor | None = None,
    checked: bool = False,
    constant: bool = False,
    chosen: tuple[Callable, ...] | None = None,
) -> Tensor:
    """Wrap a forward result in a Tensor and, if some input requires a gradient, record it.

    Args:
        out: the forward's result.
        args: the operands as given (tensors or constants), one per array.
        arrays: their arrays, in the same order (the recorded inputs; a tuple, which the
            garbage collector stops tracking, is cheapest on a long tape).
        backward: the backward kernel to record.
        params: the kernel's keyword parameters (a fresh dict, or None).
        saves_output: pass the result to the kernel as ``out``.
        reads: what the backward reads (``Kernel.reads``; None: everything): those arrays
            are saved (version-checked and locked read-only, see ``mytorch.saved``).
        fresh: ``out`` is new memory for certain (a NumPy operator's or ufunc's result on
            arrays), so it is not looked at as a possible view of an operand.
        result: the tensor to hold ``out`` (an in-place operation's own tensor); default new.
        checked: record through ``add_operation``, which checks the backward's results
            too (a user's ``Function``); the kernel table's operations, whose operands this
            module made, take the engine's unchecked ``record``.
        constant: the second operand is a cached number (``_number``: read-only from its making,
            never locked or written by anyone), so the backward's reads of it are not saved: ``save``
            would return None for it, and no version of it could move.
        chosen: what the backward's chooser (``mytorch.tensor_vjps``) picks for these operands, by
            ``skipped`` (0, 1, ...), from a caller that has checked the operands as the chooser
            would (``record_linear``: ``tensor_vjps.LINEAR_LAID_OUT``); the chooser decides beyond them.
    """
    if type(out) is not _ndarray:
        out = np.asarray(out)
    if result is None:
        result = _new_tensor(Tensor)
        result._data = out
        result._grad = None
        result.requires_grad = False
        result._tape = None
        if not fresh and out.base is not None:
            _note_view(result, out, args, arrays, checked)
    if _RECORDING_OFF and not _GradMode.enabled:  # (the thread-local switch read only while some thread has it off)
        return result
    tape = None
    leaves = None
    skipped = 0  # bit i: operand i needs no gradient (NO_GRAD)
    bit = 1
    for a in args:
        if isinstance(a, Tensor) and a.requires_grad:
            t = a._tape
            if t is None:
                leaves = bit if leaves is None else leaves | bit
            else:
                if t.merged_into is not None:
                    t = a._tape = t.resolve()
                if tape is not t:
                    tape = t if tape is None else tape.merge(t)
        else:
            if isinstance(a, Tensor) and a._tape is not None:
                _refuse_unflagged(a)
            skipped |= bit
        bit += bit
    if skipped == bit - 1:
        return result
    conjugate = (dtype := out.dtype) is not _SINGLE and dtype is not _DOUBLE and dtype.kind == "c" and not checked
    # (a complex result of a kernel: see Conjugated)
    if tape is None:
        tape = Tape()
    result.requires_grad = True
    result._tape = tape
    if tape.released:
        return result
    if type(arrays) is not tuple:
        arrays = tuple(arrays)
    link = -1  # (``Operation.link``: the one operand needing a gradient that is not a leaf, if one)
    if leaves is not None:
        inner = (bit - 1) ^ skipped ^ leaves  # (the operands needing a gradient, less the leaves)
        if inner and not inner & (inner - 1):
            link = inner.bit_length() - 1
        known_leaves = tape.leaves
        i = 0
        while leaves:  # (``_register_leaves`` written out for leaves of float arrays new to the tape)
            if leaves & 1:
                array = arrays[i]
                at = id(array)
                known = known_leaves.get(at)
                floating = type(array) is _ndarray and (
                    (dtype := array.dtype) is _DOUBLE or dtype is _SINGLE or dtype.kind in "fc"
                )
                if known is None and floating:
                    known_leaves[at] = leaf = args[i]
                    try:  # (see ``Tape.unowned``; a plain read: ``getattr`` with a default costs more)
                        if leaf._own is not array:
                            tape.unowned = True
                    except AttributeError:  # (a leaf made requires_grad by assignment)
                        tape.unowned = True
                elif known is not args[i] or not floating:
                    arrays, refused = _register_leaves(tape, args, arrays, leaves << i)
                    checked = checked or refused
                    break
            leaves >>= 1
            i += 1
    if saves_output:
        params = {"out": out} if params is None else {**params, "out": out}
    key = skipped ^ bit if not constant else -(skipped ^ bit)  # (a plan of its own: see ``constant``)
    plans = _PLANS.get(backward)  # (two lookups cost less than making and hashing a (backward, bits) key)
    plan = None if plans is None else plans.get(key)
    if plan is None or plan[0] is not reads:
        plan = _plan(backward, reads, skipped, bit, keep=not checked, constant=constant)
    _, dsts, vjp, which, choose, alone, rule, _ = plan
    if leaves is None:  # (the plan's: the one operand needing a gradient, if one)
        link = alone
    if choose is not None:  # a VJP specialised to these operands (mytorch.tensor_vjps), if any
        if chosen is None:
            vjp = choose(arrays, out, skipped) or vjp
        else:  # (the chooser's pick, known to the caller: a call less)
            vjp = chosen[skipped] if skipped < len(chosen) else choose(arrays, out, skipped) or vjp
    if checked or _Anomaly.enabled or not tape._recording:
        op = (
            tape.add_operation(arrays, out, dsts, backward, params)
            if checked
            else tape.record(arrays, out, dsts, backward, params, vjp)
        )
        if op is None:
            return result
        if conjugate:
            op.vjp = Conjugated(op.vjp)
        tape.order.append(next(_CLOCK))
    else:  # ``Autograd.record`` written out: a trusted operation as a plain entry (``Tape.entries``; with
        # no spots in the gradient buffer: ``Tensor.backward`` clears the buffer first, and the tape's
        # operations keep their arrays alive)
        chosen_vjp = Conjugated(vjp) if conjugate else None if vjp is plan[2] else vjp
        entry: Entry = (arrays, out, skipped, rule, params, chosen_vjp, link, next(_CLOCK))
        if _PLAIN:
            tape.entries.append(entry)
            if which:
                _save_read(tape.check, entry, which, tape.saved, tape.held)
            if params is not None:  # (an index, a mask, labels: the backward reads them too)
                _save_parameters(tape.check, entry, params, tape.saved, tape.held)
            return result
        op = _operation(entry)  # (an Operation while ``_PLAIN`` is off)
        tape.operation_list.append(op)
        tape.order.append(entry[7])
    if which:
        _save_read(tape.check, op, which, tape.saved, tape.held)
    if params is not None:  # (an index, a mask, labels: the backward reads them too)
        _save_parameters(tape.check, op, params, tape.saved, tape.held)
    return result


class Conjugated:
    """The VJP of a kernel whose result is complex, with PyTorch's convention for complex gradients.

    The kernels compute a gradient g * f'(z) (that of NumPy's formulas, without conjugation);
    PyTorch's gradient of a real loss in a complex z is dL/d(re z) + 1j dL/d(im z), which for a
    holomorphic f is g * conj(f'(z)): conj(vjp(conj(g))). The functions with a real result (``abs``,
    ``norm``, ``real``, ``imag``) already give PyTorch's, and a user's ``Function`` writes its own.
    (``(x * w).real.sum()`` gave x.grad = w where PyTorch gives conj(w).)"""

    __slots__ = ("vjp",)

    def __init__(self, vjp: Callable[..., Any]) -> None:
        self.vjp = vjp

    def __call__(self, grad: Any, *inputs: Any, **params: Any) -> Any:
        grads = self.vjp(_conj(grad), *inputs, **params)
        if isinstance(grads, (tuple, list)):
            return tuple([_conj(g) for g in grads])
        return _conj(grads)


def _conj(g: Any) -> Any:
    """The complex conjugate of a gradient (an array, or a Tensor in a recorded backward), or ``g``."""
    if g is None or g.dtype.kind != "c":
        return g
    if isinstance(g, Tensor):
        return g.real - g.imag * 1j
    return g.conj()


def _lane_two(
    result: Tensor, x: Tensor, y: Tensor, a: np.ndarray, b: np.ndarray, plans: Plans, reads: Any, params: Any = None
) -> bool:
    """``_attach``'s common case for an operator of two Tensors, decided by a few cheap tests:
    ``result`` holds the fresh output; ``a`` and ``b``, the operands' arrays, are float64 or
    float32 arrays of one dtype; recording is on everywhere (no ``no_grad`` in any thread, no
    ``detect_anomaly``); the operands needing a gradient are leaves or on one live recording tape;
    the kernel's plan is cached in ``plans`` (its ``_plans_of``). Records what ``_attach`` records
    (the same leaves, plan, VJP, link, run-order stamp and saves) and returns True; returns False,
    having recorded nothing, in every other case, which the caller hands to ``_attach`` (a merge, a
    released tape, a new plan, two leaves on one array, ...)."""
    if _RECORDING_OFF or _Anomaly.enabled:
        return False
    if x.requires_grad:
        tape = x._tape
        if y.requires_grad:
            other = y._tape
            if tape is None:
                tape = other
            elif other is not None and other is not tape:
                return False  # (two graphs: ``_attach`` merges them)
            key = 4
        else:
            if y._tape is not None:  # (a recorded result whose requires_grad was set to False: ``_attach`` refuses it)
                return False
            other, key = None, 6
    elif y.requires_grad:
        if x._tape is not None:  # (as y above)
            return False
        tape = y._tape
        key = 5
    else:
        return False
    if tape is None:
        tape = Tape()
    elif tape.merged_into is not None or tape.released or not tape._recording:
        return False
    plan = plans.get(key)
    if plan is None or plan[0] is not reads:
        return False
    known = tape.leaves
    link = -1
    if key != 5 and x._tape is None:  # x: a leaf
        if type(a) is not _ndarray or known.get(id(a), x) is not x:
            return False  # (another leaf holds this array object: ``_register_leaves`` parts them)
        if key == 4 and other is None:  # y too
            if type(b) is not _ndarray or known.get(id(b), y) is not y or (b is a and x is not y):
                return False
            _new_leaf(tape, known, x, a)  # (in the operands' order, as ``_attach``: ``deliver`` follows it)
            _new_leaf(tape, known, y, b)
        else:
            if key == 4:
                link = 1
            _new_leaf(tape, known, x, a)
    elif key != 6 and y._tape is None:  # y: a leaf, x not (``h @ W``, ``h + b``: ``_new_leaf`` written out)
        if type(b) is not _ndarray or known.setdefault(id(b), y) is not y:
            return False
        try:  # (see ``Tape.unowned``)
            if y._own is not b:
                tape.unowned = True
        except AttributeError:
            tape.unowned = True
        if key == 4:
            link = 0
    else:
        link = plan[5]
    choose = plan[4]
    vjp = None if choose is None else choose((a, b), result._data, key ^ 4)
    recorded = _record_lane(tape, result, (a, b), params, plan, vjp, link)
    if params is not None:  # (a loss's cached value, labels: the backward reads them too)
        _save_parameters(tape.check, recorded, params, tape.saved, tape.held)
    return True


def _record_one(
    out: Any,
    x: Tensor,
    a: np.ndarray,
    dtype: np.dtype,
    backward: Any,
    plans: Plans,
    saves_output: bool,
    reads: Any,
    fresh: bool,
    number: np.ndarray | None = None,
) -> Tensor:
    """``_attach(out, (x,), (a,), backward, None, saves_output, reads, fresh)`` for a function of one
    Tensor ``x`` (``x.tanh()``, ``nn.Tanh``) whose array ``a`` is of ``dtype``, or, given ``number``,
    ``_attach``'s record of ``x (op) number`` for a cached number (``_number``: ``x * 0.5``, whose plan
    skips it), with ``_lane_two``'s common case (``x`` needs a gradient, ``a`` is float64 or float32,
    ``out`` new memory, the plan in ``plans``: ``_plans_of(backward)``) recorded here."""
    arrays = (a,) if number is None else (a, number)
    if (
        (dtype is _DOUBLE or dtype is _SINGLE)
        and x.requires_grad
        and type(out) is _ndarray
        and (fresh or out.base is None)
        and not _RECORDING_OFF
        and not _Anomaly.enabled
    ):
        result = _new_tensor(Tensor)
        result._data = out
        result._grad = None
        result.requires_grad = False
        result._tape = None
        tape = x._tape
        plan = plans.get(2 if number is None else -6)  # (``_attach``'s keys)
        if plan is not None and plan[0] is reads:
            link = 0
            if tape is None:  # a leaf, on a new tape
                if type(a) is _ndarray:
                    tape = Tape()
                    _new_leaf(tape, tape.leaves, x, a)
                    link = -1
            elif tape.merged_into is not None or tape.released or not tape._recording:
                tape = None
            if tape is not None:
                choose = plan[4]
                vjp = None if choose is None else choose(arrays, out, 0 if number is None else 2)
                _record_lane(tape, result, arrays, _GIVEN_OUT if saves_output else None, plan, vjp, link, fresh)
                return result
        return _attach(
            out, (x, *arrays[1:]), arrays, backward, None, saves_output, reads, fresh, result, False, number is not None
        )
    return _attach(
        out, (x, *arrays[1:]), arrays, backward, None, saves_output, reads, fresh, None, False, number is not None
    )


def _record_layer(
    out: Any,
    x: Tensor,
    w: Tensor,
    b: Tensor,
    arrays: tuple[np.ndarray, ...],
    backward: Any,
    plans: Plans,
    reads: Any,
    chosen: Any,
) -> Tensor:
    """``_attach(out, (x, w, b), arrays, backward, None, False, reads, chosen=chosen)`` for a layer of
    an input ``x`` and two parameters (``nn.Linear``'s ``record_linear``), with ``_lane_two``'s common
    case recorded here: ``w`` and ``b`` leaves of float64 or float32 arrays, ``x`` data or on a live
    recording tape, recording on everywhere, ``out`` new memory, the kernel's plan cached in ``plans``."""
    if (
        not _RECORDING_OFF
        and not _Anomaly.enabled
        and w.requires_grad
        and b.requires_grad
        and w._tape is None
        and b._tape is None
        and type(out) is _ndarray
        and out.base is None
    ):
        _, weight, bias = arrays
        if x.requires_grad:
            tape = x._tape
            key, link = 8, 0
            if tape is None or tape.merged_into is not None or tape.released or not tape._recording:
                tape = None
        else:
            tape = Tape()
            key, link = 9, -1
        plan = plans.get(key)
        if tape is not None and plan is not None and plan[0] is reads and type(weight) is type(bias) is _ndarray:
            known = tape.leaves
            dtype = weight.dtype
            if (
                (dtype is _DOUBLE or dtype is _SINGLE)
                and bias.dtype is dtype
                and known.get(id(weight), w) is w
                and known.get(id(bias), b) is b
                and weight is not bias
            ):
                _new_leaf(tape, known, w, weight)
                _new_leaf(tape, known, b, bias)
                result = _new_tensor(Tensor)
                result._data = out
                result._grad = None
                skipped, choose = key ^ 8, plan[4]
                vjp = (
                    None
                    if choose is None
                    else chosen[skipped]
                    if skipped < len(chosen)
                    else choose(arrays, out, skipped)
                )
                _record_lane(tape, result, arrays, None, plan, vjp, link)
                return result
    return _attach(out, (x, w, b), arrays, backward, None, False, reads, chosen=chosen)


def _open(tape: Tape) -> bool:
    """Whether an operation on ``tape``'s results is recorded there as a plain entry by the lanes'
    common case: recording on in every thread, no ``detect_anomaly``, ``tape`` neither merged
    into another nor released nor paused, no ``saved_tensors_hooks`` context open (``_PLAIN``)."""
    return (
        not _RECORDING_OFF
        and not _Anomaly.enabled
        and tape.merged_into is None
        and not tape.released
        and tape._recording
        and _PLAIN
    )


def _record_lane(
    tape: Tape,
    result: Tensor,
    arrays: tuple[np.ndarray, ...],
    params: Any,
    plan: Plan,
    vjp: Any,
    link: int,
    fresh: bool = False,
) -> Any:
    """What every lane (``_lane_two``, ``_record_one``, ``_record_layer``) ends with, as ``_attach``
    ends: ``result`` joins ``tape``, and the trusted operation computing it is recorded with the
    plan's destinations and saves, and ``vjp`` (the chooser's pick; None: the plan's rule), as a
    plain entry (``Tape.entries``). ``fresh``: the result is new memory for certain (a NumPy
    operator's or ufunc's), so a save of the output alone (``tanh``'s) is ``watch``'s common case
    without its tests (``VersionCheck.watch_new_output``). Returns the entry (or ``Operation``)."""
    result.requires_grad = True
    result._tape = tape
    entry = (arrays, result._data, plan[7], plan[6], params, vjp, link, next(_CLOCK))
    which = plan[3]
    if not _PLAIN:
        return _record_operation(tape, entry, which)
    tape.entries.append(entry)
    if which:
        if which is _OUTPUT_ONLY and fresh and _save_read is _WATCH:
            tape.check.watch_new_output(entry, tape.saved, tape.held)
        else:
            _save_read(tape.check, entry, which, tape.saved, tape.held)
    return entry


def _record_operation(tape: Tape, entry: Entry, which: tuple[int, ...]) -> Any:
    """Record ``entry`` on ``tape`` as the ``Operation`` it stands for, and save its reads (``which``):
    while ``_PLAIN`` is off."""
    op = _operation(entry)
    tape.operation_list.append(op)
    tape.order.append(entry[7])
    if which:
        _save_read(tape.check, op, which, tape.saved, tape.held)
    return op


_PLAIN = True
"""Whether trusted operations are recorded as plain entries (``Tape.entries``); off while a
``mytorch.autograd.graph.saved_tensors_hooks`` context is open, whose save (``_save_read``) wraps
each recorded operation's VJP."""


def _new_leaf(tape: Tape, known: dict[int, Tensor], leaf: Tensor, array: np.ndarray) -> None:
    """Note ``leaf`` as the owner of ``array``'s gradient on ``tape`` (``_attach``'s registration)."""
    known[id(array)] = leaf
    try:  # (see ``Tape.unowned``)
        if leaf._own is not array:
            tape.unowned = True
    except AttributeError:
        tape.unowned = True


def _follow_replaced(t: Tensor, old: np.ndarray) -> None:
    """After ``t.data = new`` on a recorded result (not a leaf): its graph knows it by ``old``, the
    array it was computed as, so ``new`` is recorded as ``old`` passed on (``identity``, or ``cast``
    to a new dtype; in ``no_grad`` too, as PyTorch's replacement ignores it), right after the
    operation that computed ``old``. Every operation that uses ``t``, recorded before or after,
    reads ``new`` and its gradient reaches what computed ``t``, as in PyTorch, whose saved inputs
    are the tensor itself (the gradient stopped at ``new``: the inputs' ``.grad`` stayed None; the
    operations recorded before read ``old``). An operation's saved *output* keeps its value, as in
    PyTorch. A new shape, or an integer dtype, records a rule that raises if a gradient reaches
    it, as PyTorch's backward raises there (the operations recorded before then read ``old``)."""
    tape = t._tape = t._tape.resolve().in_run_order() if t._tape is not None else None
    if tape is None or tape.released:
        return
    new = t._data
    ops = tape.operation_list
    made = next((k for k, op in enumerate(ops) if op.output is old), None)
    like = new.shape == old.shape and new.dtype.kind in "fc"
    if made is not None and like:
        for op in ops[made + 1 :]:  # the uses recorded so far read the new values
            if any(x is old for x in op.inputs):
                dsts = op.gradients_to_update
                op.inputs = tuple(new if x is old and dsts[i] is None else x for i, x in enumerate(op.inputs))
    source = _new_tensor(Tensor)  # (the value as recorded, standing for t in one operation)
    source._data = old
    source._grad = None
    source.requires_grad = True
    source._tape = tape
    params = None
    if new.shape != old.shape or new.dtype.kind not in "fc":
        backward: Callable[..., Any] = _replaced_unlike
    elif new.dtype == old.dtype:
        backward = _K["identity"].backward
    else:
        backward, params = _K["cast"].backward, {"dtype": new.dtype}
    enabled, _GradMode.enabled = _GradMode.enabled, True
    try:
        _attach(new, (source,), (old,), backward, params, reads=(), result=t)
    finally:
        _GradMode.enabled = enabled
    ops = tape.operation_list  # (with the operation just recorded)
    if made is not None and ops and ops[-1].output is new:  # (moved to just after what computed old)
        ops.insert(made + 1, ops.pop())
        order = tape.order
        if len(order) == len(ops):
            order.pop()
            order.insert(made + 1, order[made])


def _replaced_unlike(grad_output: np.ndarray, x: np.ndarray) -> tuple[np.ndarray]:
    """The backward of a recorded result whose ``.data`` became another shape or an integer dtype."""
    raise RuntimeError(
        f"backward: a recorded tensor's .data was replaced by an array of shape {tuple(grad_output.shape)} and "
        f"dtype {grad_output.dtype}; the graph computed shape {tuple(x.shape)} and dtype {x.dtype} there, so no "
        "gradient flows through the new values (keep the shape and a floating dtype, or detach() first)"
    )


Plan = tuple[Any, list[Any], Callable, tuple[int, ...], Any, int, Any, int]
Plans = dict[int, Plan]
_PLANS: dict[Callable, Plans] = {}  # backward -> {skipped ^ bit: its plan}
_save_read = VersionCheck.watch  # (a name of its own: bench.protection switches the saves off through it)
_WATCH = VersionCheck.watch
_OUTPUT_ONLY = (OUTPUT,)  # (a plan's ``which`` when its backward reads the output alone: told by identity)
_save_parameters = VersionCheck.watch_parameters


def _plans_of(backward: Callable) -> Plans:
    """``_PLANS[backward]`` (made if new): the Tensor's operators and functions take their kernel's
    when they are made and hand it to the lanes, a lookup less per recorded operation. (Should
    ``_PLANS`` be emptied, past 1,024 kernels, a function keeps the plans it had; a plan made since
    reaches it through ``_attach``.)"""
    plans = _PLANS.get(backward)
    if plans is None:
        plans = _PLANS[backward] = {}
    return plans


def _plan(
    backward: Callable,
    reads: tuple[tuple[int, ...], ...] | None,
    skipped: int,
    bit: int,
    keep: bool,
    constant: bool = False,
) -> Plan:
    """What recording an operation of ``backward`` needs that depends only on the kernel and on
    which of its ``bit.bit_length() - 1`` operands need no gradient (``skipped``, bits):
    ``(reads, dsts, vjp, which, choose, alone)``, cached as ``_PLANS[backward][skipped ^ bit]`` if ``keep`` (not for
    a user's ``Function``, whose rule may hold on to anything: a cache must not keep it alive). With
    ``constant`` (the second operand is a cached read-only number, see ``_attach``), ``which`` leaves
    that operand out, the VJP is ``tensor_vjps.BY_A_NUMBER``'s if it has one, and the plan is cached as
    ``_PLANS[backward][-(skipped ^ bit)]``.

    * ``dsts``: its ``gradients_to_update``, ``NO_GRAD`` for the skipped operands and None for
      the others (one shared list, never changed by anyone);
    * ``vjp``: the rule backward calls, computing only the wanted gradients
      (``Autograd.record``'s choice);
    * ``which``: the arrays the backward reads for the wanted gradients (input indices,
      ``OUTPUT``), from the kernel's ``reads`` declaration (every array when it is None);
    * ``choose``: the kernel's chooser of a VJP specialised to the operands (``mytorch.tensor_vjps``), or None;
    * ``alone``: the index of the one operand needing a gradient, or -1 (``Operation.link`` when no
      operand is a leaf);
    * ``rule``: ``(dsts, backward, vjp)`` as an entry names it (``_held_number``; for a plan not
      kept, the tuple itself);
    * ``skipped``.
    """
    count = bit.bit_length() - 1
    dsts = [NO_GRAD if skipped >> i & 1 else None for i in range(count)]
    vjp = backward if not skipped else _PRUNED.get((backward, skipped)) or _pruned_vjp(backward, skipped, count)
    if reads is None:
        which: tuple[int, ...] = (*range(count), OUTPUT)
    else:
        which = tuple(sorted({j for i, r in enumerate(reads) if not skipped >> i & 1 for j in r}))
    choose = None if not keep else _SPECIAL.get(backward)
    if constant:
        which = tuple([j for j in which if j != 1])
        if skipped == 2 and backward in _BY_A_NUMBER:  # (its chooser's pick for every such operation)
            vjp, choose = _BY_A_NUMBER[backward], None
    if which == _OUTPUT_ONLY:
        which = _OUTPUT_ONLY
    free = (bit - 1) ^ skipped
    alone = free.bit_length() - 1 if free and not free & (free - 1) else -1
    rule = (dsts, backward, vjp)
    plan = (reads, dsts, vjp, which, choose, alone, _held_number(rule) if keep else rule, skipped)
    if keep:
        plans = _PLANS.get(backward)
        if plans is None:
            if len(_PLANS) >= 1024:  # (a program may record ever new kernels)
                _PLANS.clear()
            plans = _PLANS[backward] = {}
        elif len(plans) >= 256:  # operand counts of concatenate are unbounded
            plans.clear()
        plans[skipped ^ bit if not constant else -(skipped ^ bit)] = plan
    return plan


_output_of = operator.attrgetter("output")
_entry_output = operator.itemgetter(1)


def _refuse_unflagged(t: Tensor) -> None:
    """Raise for ``t``, a recorded result (not a leaf) whose ``requires_grad`` was set to False by
    assignment (``h.requires_grad = False``: PyTorch raises at the assignment, which the Tensor's
    slot cannot catch): taken as a constant, the gradient through it was silently dropped."""
    raise RuntimeError(
        f"a tensor of shape {tuple(t.shape)} computed by a recorded operation (not a leaf) had its requires_grad set "
        "to False; only a leaf's flag can change, as in PyTorch (which refuses the assignment): use h.detach() for "
        "a value that takes no gradient"
    )


def _refuse_shared_leaves(tape: Tape) -> None:
    """Raise if a leaf of ``tape`` holds the very array object some operation of it produced.

    The tape keys gradients by array object, so such a leaf and the result would share one
    gradient: the result's producer would take the leaf's gradient and the leaf get none. The
    constructor and ``requires_grad_()`` give a leaf a view of its own; ``t.requires_grad = True`` on
    a tensor wrapping a result's array (``t = Tensor(h.numpy())``) and ``leaf.data = h.numpy()`` keep
    the array itself. (Called only for a tape such a leaf entered: ``Tape.unowned``.)
    """
    leaves = tape.leaves
    outputs = [*map(_output_of, tape._ops), *map(_entry_output, tape.entries)]  # (not made into operations)
    if leaves.keys().isdisjoint(map(id, outputs)):  # (the loop in C)
        return
    for output in outputs:
        leaf = leaves.get(id(output))
        if leaf is not None:
            raise RuntimeError(
                f"backward: a leaf of shape {tuple(leaf.shape)} holds a recorded result's own array (an operation "
                "of this graph produced it), so the two would share one gradient; make the leaf with "
                "requires_grad_() or Tensor(array, requires_grad=True), which give it a view of its own, "
                "rather than by assigning t.requires_grad = True or leaf.data = result.numpy()"
            )


def _register_leaves(
    tape: Tape, args: Sequence[Any], arrays: tuple[np.ndarray, ...], leaves: int
) -> tuple[tuple[np.ndarray, ...], bool]:
    """Remember for each operand in ``leaves`` (bits) that its array's gradient belongs to that
    leaf; two leaves wrapping one array object enter as different views of it, so that their
    gradients stay apart.

    Returns:
        The operands' arrays (with such views in), and True if some leaf's array cannot
        carry a gradient (its ``data`` was replaced by an integer array): ``add_operation``
        then says so.
    """
    known_leaves = tape.leaves
    refused = False
    i = 0
    while leaves:
        if leaves & 1:
            leaf = args[i]
            array = arrays[i]
            known = known_leaves.get(id(array))
            if known is None:
                known_leaves[id(array)] = leaf
                if getattr(leaf, "_own", None) is not array:  # (see ``Tape.unowned``)
                    tape.unowned = True
            elif known is not leaf:
                array = array.view()  # (made here for this leaf: no operation produced it)
                arrays = (*arrays[:i], array, *arrays[i + 1 :])
                known_leaves[id(array)] = leaf
            if type(array) is not np.ndarray or array.dtype.kind not in "fc":
                if array.dtype.kind in "biu":
                    raise _arguments.GradDtypeError(
                        f"a tensor of shape {tuple(array.shape)} has dtype {array.dtype} and needs a gradient "
                        "(requires_grad is True); only floating-point and complex tensors can require gradients, "
                        "as in PyTorch, which refuses t.requires_grad = True on it: make it floating point "
                        "(t.float()) before setting requires_grad"
                    )
                refused = True
        leaves >>= 1
        i += 1
    return arrays, refused


def _note_view(
    result: Tensor, out: np.ndarray, args: Sequence[Any], arrays: Sequence[np.ndarray], custom: bool = False
) -> None:
    """``out`` is a view: if of its input tensor's memory (reshape, transpose, basic indexing),
    tie ``result`` to the root of that memory's tensors (the input, or the input's own root: a view
    of a view is tied to the first tensor), as PyTorch's ``_base``: the view holds its root, the
    root knows its live views by weak references (an in-place change of one member is carried
    over to the others: ``mytorch.tensor_views``; a view a ``custom`` Function returned is marked as
    one PyTorch forbids changing); and let a read-only view of a locked array be unlocked with it."""
    adopt_view(out)
    base = args[0] if args else None
    if isinstance(base, Tensor) and (np.may_share_memory(out, arrays[0]) or _empty_view_of(out, arrays[0])):
        root = getattr(base, "_base", None)
        if root is None:
            root = base
        result._base = root
        _add_view(root, result)
        if custom:
            _tensor_views.mark(result, _tensor_views.CUSTOM)
        elif _tensor_views.MARKED:
            _tensor_views.inherit_mark(result, base)


def _empty_view_of(out: np.ndarray, source: np.ndarray) -> bool:
    """``out`` is an empty slice of ``source``'s memory (``t[:, 0:0]``, ``t.narrow(0, 0, 0)``): no
    element is shared, but it is a view of ``source``, as in PyTorch, whose gradient reaches
    ``source`` (a retained gradient of zeros) and whose base may not change under it unseen."""
    return not out.size and (out.base is source or (out.base is not None and out.base is source.base))


class _Views(list["weakref.ref[Tensor]"]):
    """Weak references to the tensors sharing a tensor's memory. The dead ones are dropped
    once the list has doubled since they were last dropped (``limit``), so that holding many
    views at once (``t.unbind(0)``, ``[t[i] for i in ...]``) costs O(1) per view, not O(views)."""

    limit = 8


def _add_view(owner: Tensor, view: Tensor) -> None:
    """Remember ``view`` among the live tensors sharing ``owner``'s memory."""
    views = getattr(owner, "_views", None)
    if views is None:
        views = owner._views = _Views()
    elif len(views) >= views.limit:
        views[:] = [v for v in views if v() is not None]
        views.limit = max(8, 2 * len(views))
    views.append(weakref.ref(view))


def _run(kernel: F.Kernel, args: Sequence[Any], arrays: Sequence[np.ndarray], params: dict[str, Any] | None) -> Tensor:
    """Run ``kernel`` forward on the operands' arrays and record it when a gradient is wanted."""
    if len(arrays) == 2:
        first, second = arrays[0].dtype, arrays[1].dtype
        if first is _HALF or second is _HALF:
            wide = _half_opmath(kernel, args, params)
            if wide is not None:
                return wide
        if first is not second and first != second:
            if kernel.name == "matmul" and isinstance(args[0], Tensor) and isinstance(args[1], Tensor):
                check_same_dtype("matmul", *arrays)  # PyTorch refuses, not promotes, in a product
            args, arrays = _promoted(args, arrays)
    try:
        if kernel.caches is None:
            out = kernel.forward(*arrays) if params is None else kernel.forward(*arrays, **params)
        else:  # a loss whose backward reuses a value of its forward (``log_probs``): record it
            out, params = kernel.run(arrays, params)
    except (ValueError, IndexError) as error:
        raise _refused(kernel, arrays, error) from None
    except TypeError:
        _refuse_bool_minus(kernel.name, arrays)
        raise
    return _attach(out, args, arrays, kernel.backward, params, kernel.saves_output, kernel.reads)


def _refuse_bool_minus(name: str, arrays: Sequence[np.ndarray]) -> None:
    """PyTorch's ``RuntimeError`` (a ``DtypeMismatchError``, also the ``TypeError`` NumPy raised)
    for ``-`` on bool tensors: ``mask - mask`` or ``-mask``."""
    if name in ("sub", "neg") and any(a.dtype.kind == "b" for a in arrays):
        raise DtypeMismatchError(f"{'subtraction' if name == 'sub' else 'negation'} {_BOOL_MINUS}")


def _refused(kernel: F.Kernel, arrays: Sequence[np.ndarray], error: Exception) -> Exception:
    """The error of ``kernel``'s forward, with the operands' shapes in front of its message: an
    ``IndexError`` stays one, a ``ValueError`` (shapes that do not fit, an empty reduction) becomes
    a ``ShapeRuntimeError``, PyTorch's ``RuntimeError`` and still a ``ValueError``."""
    shapes = ", ".join(str(a.shape) for a in arrays)
    kind = type(error) if isinstance(error, IndexError) else _arguments.ShapeRuntimeError
    return kind(f"{kernel.name}: operands of shapes {shapes}: {error}")


def _apply(name: str, args: Sequence[Any], params: dict[str, Any] | None = None) -> Tensor:
    """Run the kernel ``name`` on the operands (tensors or constants)."""
    return _run(_K[name], args, _arrays(args), params)


def _index_part(i: Any) -> Any:
    """One entry of an index: a tensor's array; a uint8 array as the mask PyTorch reads it as
    (NumPy reads it as positions: ``t[tensor([0, 1], dtype=uint8)]`` gave rows 0 and 1, PyTorch row 1);
    a 0-d integer tensor or array as the int PyTorch reads it as, so that ``t[i]`` is a view as
    ``t[1]`` is (NumPy takes a 0-d array as an index array: ``t[tensor(1)].zero_()`` of a matrix
    changed a copy). Its value is then read into Python, which a capture is told of
    (``__index__``): a replay would repeat the step with the index it was captured with."""
    if isinstance(i, Tensor):
        data = i._data
        if not data.ndim and data.dtype.kind in "iu" and data.dtype != np.uint8:
            return i.__index__()
        i = data
    if type(i) is np.ndarray:
        if i.dtype == np.uint8:
            return i.astype(bool)
        if not i.ndim and i.dtype.kind in "iu":
            if CAPTURE:
                _looked_at(i, "an index (a 0-d integer array)")
            return int(i)
    return i


def _sequence_as_tuple(index: list[Any]) -> bool:
    """Whether PyTorch reads a list index as a tuple of indices: a short list (under 32 entries)
    holding a sequence, a tensor, an array, a slice, ``...`` or None (``t[[[0], [1]]]`` is ``t[[0], [1]]``,
    ``t[[0, slice(None)]]`` is ``t[0, :]``), as NumPy did before 1.23; NumPy now reads it as one array."""
    return len(index) < 32 and any(
        isinstance(i, (Tensor, np.ndarray, list, tuple, slice)) or i is None or i is Ellipsis for i in index
    )


def _truncated(made: np.dtype, given: np.dtype) -> bool:
    """Whether values of dtype ``made`` lose more than rounding in a ``given`` tensor: floats in an
    integer or bool one, complex numbers in a real one, numbers in bool (PyTorch's canCast)."""
    return (
        (made.kind == "c" and given.kind != "c")
        or (made.kind == "f" and given.kind in "biu")
        or (made.kind != "b" and given.kind == "b")
    )


def _integer_array_index(key: Any) -> bool:
    """Whether an index made by ``_index_arg`` picks elements by arrays or lists of integers."""
    for part in key if isinstance(key, tuple) else (key,):
        if type(part) is list or (type(part) is np.ndarray and part.ndim and part.dtype.kind in "iu"):
            return True
    return False


def _index_arg(index: Any, shape: tuple[int, ...]) -> Any:
    """An index with tensors replaced by their arrays, in PyTorch's meaning for an array of
    ``shape`` (see ``_index_part``, ``_sequence_as_tuple``, ``_integers_first``)."""
    if type(index) is list and _sequence_as_tuple(index):
        index = tuple(index)
    if isinstance(index, tuple):
        index = tuple([_index_part(i) for i in index])
        for i in index:
            if type(i) is list or (type(i) is np.ndarray and i.ndim):
                return _integers_first(index, shape)
        return index
    return _index_part(index)


def _integers_first(index: tuple[Any, ...], shape: tuple[int, ...]) -> Any:
    """An index with arrays (or lists) of indices, made to mean what it means to PyTorch.

    PyTorch takes the integers of an index first, as ``select``s, and then the rest; NumPy
    counts an integer as one more index array, which moves the indexed axes to the front when
    the integer and the arrays are apart: ``x[0, :, [1, 2]]`` of a (2, 3, 4) array is (3, 2) in
    PyTorch and (2, 3) in NumPy (and a square one is silently transposed). With integers, the
    index becomes one index array per axis: the coordinates of PyTorch's elements, in PyTorch's
    layout (each made by indexing a broadcast ``arange``: memory for the result's elements
    only), which read and write them, repeats included.
    """
    if not any(_is_integer(i) for i in index):
        return index
    spans = [0 if i is None or i is Ellipsis else np.ndim(i) if np.asarray(i).dtype == bool else 1 for i in index]
    ellipses = [k for k, i in enumerate(index) if i is Ellipsis]
    if len(ellipses) == 1:  # spelled out, so that the integers' axes are known
        k = ellipses[0]
        index = (*index[:k], *(slice(None),) * (len(shape) - sum(spans)), *index[k + 1 :])
    first: list[Any] = []  # the integers, every other entry keeping its axes (a mask spans several)
    rest: list[Any] = []  # what PyTorch applies after them
    for i in index:
        if _is_integer(i):
            first.append(i)
        elif i is None:
            rest.append(i)
        else:
            first.extend([slice(None)] * (np.ndim(i) if np.asarray(i).dtype == bool else 1))
            rest.append(i)
    try:
        kept = np.broadcast_to(np.empty((), np.int8), shape)[tuple(first)].shape  # (checks the integers)
        coordinates = iter(
            [
                np.broadcast_to(np.arange(n).reshape([n if k == j else 1 for k in range(len(kept))]), kept)[tuple(rest)]
                for j, n in enumerate(kept)
            ]
        )
    except (IndexError, ValueError, TypeError):
        return index  # NumPy's own error, raised by the operation with its name
    integers = first + [slice(None)] * (len(shape) - len(first))
    return tuple([i if _is_integer(i) else next(coordinates) for i in integers])


def _element_view(index: Any, ndim: int) -> Any:
    """``index``, made to give a 0-d view when it names one element by an integer per axis
    (NumPy would give a scalar, a copy): PyTorch's ``t[0]`` of a 1-D tensor is a view, so
    ``t[0].mul_(2)`` changes ``t``."""
    items = index if type(index) is tuple else (index,)
    if len(items) != ndim or not all(_is_integer(i) for i in items):
        return index
    return (*(int(i) if isinstance(i, np.ndarray) else i for i in items), Ellipsis)


def _is_integer(i: Any) -> bool:
    """An int, a NumPy integer or a 0-d integer array (a 0-d integer Tensor's, which PyTorch's
    indexing takes as an int)."""
    if isinstance(i, np.ndarray):
        return i.ndim == 0 and i.dtype.kind in "iu"
    return isinstance(i, (int, np.integer)) and not isinstance(i, bool)


# --------------------------------------------------------------------------- the ops
def _named(op: Any, name: str, note: str) -> Any:
    """``op`` named ``name`` and documented by its kernel's forward plus ``note``."""
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"{_K[name].forward.__doc__} {note}"
    return op


def _elementwise(name: str) -> Callable[[Any], Tensor]:
    """The user-facing function of a one-input, parameter-free kernel."""
    kernel = _K[name]
    if name in ("abs", "relu", "square"):  # integers stay integers
        widen = name == "square"  # (PyTorch's square of bools is int64; b.square() + b.square() was bool)
        ordered = name == "relu"  # (NumPy orders complex numbers by real part: relu kept 1+2j, zeroed -3+0.5j)

        def op(x: Any) -> Tensor:
            data = x._data if isinstance(x, Tensor) else _constant(x, None)
            if widen and data.dtype.kind == "b":
                data = data.astype(np.int64)
            elif ordered and data.dtype.kind == "c":
                raise unordered("relu", data.dtype)
            return _run(kernel, (x,), (data,), None)

    else:  # a float result: an integer tensor gives the default float dtype, as in PyTorch
        # (``_run`` written out for one operand and no parameter: the hot path of every activation)
        forward, backward, saves_output, reads = kernel.forward, kernel.backward, kernel.saves_output, kernel.reads
        plans = _plans_of(backward)
        fresh = name in FRESH_FORWARDS
        forward = DIRECT_FORWARDS.get(name, forward)

        def op(x: Any) -> Tensor:
            data = x._data if isinstance(x, Tensor) else _constant(x, None)
            dtype = data.dtype
            if dtype is not _DOUBLE and dtype is not _SINGLE and dtype.kind in "biu":
                data = data.astype(get_default_dtype())
            try:
                out = forward(data)
            except (ValueError, IndexError) as error:
                raise _refused(kernel, (data,), error) from None
            if (dtype is _DOUBLE or dtype is _SINGLE) and isinstance(x, Tensor):
                tape = x._tape
                if (
                    tape is not None and fresh and x.requires_grad and type(out) is _ndarray and _open(tape)
                ):  # (a recorded result's activation: ``_record_one`` and ``_record_lane``'s case written out)
                    plan = plans.get(2)
                    if plan is not None and plan[0] is reads:
                        choose = plan[4]
                        arrays = (data,)
                        entry = (
                            arrays,
                            out,
                            plan[7],
                            plan[6],
                            _GIVEN_OUT if saves_output else None,
                            None if choose is None else choose(arrays, out, 0),
                            0,
                            next(_CLOCK),
                        )
                        result = _new_tensor(Tensor)
                        result._data = out
                        result._grad = None
                        result.requires_grad = True
                        result._tape = tape
                        tape.entries.append(entry)
                        which = plan[3]
                        if which:
                            if which is _OUTPUT_ONLY and _save_read is _WATCH:
                                tape.check.watch_new_output(entry, tape.saved, tape.held)
                            else:
                                _save_read(tape.check, entry, which, tape.saved, tape.held)
                        return result
                return _record_one(out, x, data, dtype, backward, plans, saves_output, reads, fresh)
            return _attach(out, (x,), (data,), backward, None, saves_output, reads, fresh)

    return _named(op, name, "Also a method of Tensor.")


exp = _elementwise("exp")
log: Callable[[Any], Tensor] = _elementwise("log")  # annotated: tensor_numpy reads it in the import cycle
sqrt = _elementwise("sqrt")
abs = _elementwise("abs")  # noqa: A001 - the op's name
sin = _elementwise("sin")
cos = _elementwise("cos")
tanh = _elementwise("tanh")
sigmoid: Callable[[Any], Tensor] = _elementwise("sigmoid")  # as log
relu = _elementwise("relu")
softplus = _elementwise("softplus")
gelu = _elementwise("gelu")
log1p: Callable[[Any], Tensor] = _elementwise("log1p")  # as log (np.log1p: this function)
log2: Callable[[Any], Tensor] = _elementwise("log2")
log10: Callable[[Any], Tensor] = _elementwise("log10")
expm1: Callable[[Any], Tensor] = _elementwise("expm1")
erf = _elementwise("erf")
erfc = _elementwise("erfc")
asin: Callable[[Any], Tensor] = _elementwise("asin")
acos: Callable[[Any], Tensor] = _elementwise("acos")
atan: Callable[[Any], Tensor] = _elementwise("atan")
square: Callable[[Any], Tensor] = _elementwise("square")
rsqrt = _elementwise("rsqrt")
reciprocal: Callable[[Any], Tensor] = _elementwise("reciprocal")


def _binary(name: str) -> Any:
    """The user-facing function of a two-input kernel."""
    kernel = _K[name]
    plans = _plans_of(kernel.backward)

    def op(a: Any, b: Any) -> Tensor:
        if isinstance(a, Tensor) and isinstance(b, Tensor):
            x, y = a._data, b._data
            dtype = x.dtype
            if y.dtype is dtype and (dtype is _DOUBLE or dtype is _SINGLE):
                return _run_pair(kernel, plans, a, b, x, y)
        return _run(kernel, (a, b), _arrays((a, b)), None)

    return _named(op, name, "Numbers and arrays are constants.")


def _run_pair(kernel: F.Kernel, plans: Plans, a: Tensor, b: Tensor, x: np.ndarray, y: np.ndarray) -> Tensor:
    """``_run(kernel, (a, b), (x, y), None)`` for two Tensors whose arrays ``x`` and ``y`` are float64 or
    float32 of one dtype (a loss of a target and a prediction), recorded by ``_lane_two`` in its common
    case (a result of new memory, not given to the backward as ``out``; ``plans``: the kernel's ``_plans_of``)."""
    try:
        out, params = (kernel.forward(x, y), None) if kernel.caches is None else kernel.run((x, y), None)
    except (ValueError, IndexError) as error:
        raise _refused(kernel, (x, y), error) from None
    backward, reads = kernel.backward, kernel.reads
    if type(out) is not _ndarray or out.base is not None or kernel.saves_output:
        return _attach(out, (a, b), (x, y), backward, params, kernel.saves_output, reads)
    result = _new_tensor(Tensor)
    result._data = out
    result._grad = None
    result.requires_grad = False
    result._tape = None
    if _lane_two(result, a, b, x, y, plans, reads, params):
        return result
    return _attach(out, (a, b), (x, y), backward, params, False, reads, False, result)


matmul = _binary("matmul")
_outer: Callable[[Any, Any], Tensor] = _binary("outer")


def outer(a: Any, b: Any) -> Tensor:
    """y[i, j] = a[i] * b[j] of two vectors, as PyTorch's ``outer``. Numbers and arrays are constants.

    Raises:
        ValueError: an operand that is not 1-D (the kernel's ``np.multiply.outer`` would give an
            array of a.ndim + b.ndim axes; PyTorch raises).
    """
    for side, x in (("first", a), ("second", b)):
        if np.ndim(x._data if isinstance(x, Tensor) else x) != 1:
            shape = tuple(np.shape(x._data if isinstance(x, Tensor) else x))
            raise ValueError(f"outer: expects two vectors (1-D), the {side} operand has shape {shape}")
    return _outer(a, b)


def _ordered_binary(name: str) -> Any:
    """``_binary`` for ``maximum`` / ``minimum``, refusing complex operands as PyTorch does (NumPy
    orders complex numbers by real part: maximum(1+2j, -3+5j) was 1+2j)."""
    kernel = _K[name]

    def op(a: Any, b: Any) -> Tensor:
        arrays = _arrays((a, b))
        for array in arrays:
            if array.dtype.kind == "c":
                raise unordered(name, array.dtype)
        return _run(kernel, (a, b), arrays, None)

    return _named(op, name, "Numbers and arrays are constants.")


maximum = _ordered_binary("maximum")
minimum = _ordered_binary("minimum")
mse_loss = _binary("mse_loss")
softmax_cross_entropy = _binary("softmax_cross_entropy")
bce_loss = _binary("bce_loss")
bce_with_logits_loss = _binary("bce_with_logits_loss")


def leaky_relu(x: Any, slope: float = 0.01) -> Tensor:
    """y = x where x > 0, else slope * x."""
    return _apply("leaky_relu", (x,), {"slope": slope})


def param_pairs(tensors: Iterable[Tensor]) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(t.numpy(), t.grad.numpy())`` array pairs for ``mytorch.optim``, allocating zero gradients
    as needed.

    The optimizer updates ``t.numpy()`` in place from the gradient array; ``backward`` adds into
    an existing ``t.grad`` in place, so the pairs stay valid as long as the gradients are
    zeroed in place (the optimizer's ``zero_grad``, ``t.grad.zero_()``): setting
    ``t.grad = None`` would detach ``t.grad`` from the optimizer's pair.
    """
    pairs = []
    for i, t in enumerate(tensors):
        if not (isinstance(t, Tensor) and t.requires_grad and t.is_leaf):
            raise ValueError(f"param_pairs: item {i} is not a leaf Tensor with requires_grad=True")
        if t._grad is None:
            t._grad = Tensor(np.zeros_like(t._data))
        pairs.append((t._data, t._grad._data))
    return pairs


def jvp(output: Tensor, inputs: Sequence[Tensor], tangents: Sequence[Any]) -> Tensor:
    """Forward mode: the derivative of ``output`` along ``tangents`` (one per input).

    Replays ``output``'s tape with the kernel table's JVP rules (``Autograd.jvp``); the
    tangents of every value stay on the tape for ``mytorch.viz.trace``.
    """
    tape = output.tape
    arrays = [t._data for t in inputs]
    tangent_arrays = [np.broadcast_to(_constant(v, a), a.shape) for v, a in zip(tangents, arrays)]
    # Inputs that all require a gradient: every other value is a constant, x.detach() (x's array) too
    constants = all(t.requires_grad for t in inputs)
    return Tensor(tape.jvp(arrays, tangent_arrays, [output._data], no_grad_constant=constants)[0])


def _float_division(arrays: Sequence[np.ndarray]) -> Sequence[np.ndarray]:
    """The operands of ``a / b``: two integer or boolean ones become the default float dtype,
    as PyTorch divides them (NumPy would give float64)."""
    a, b = arrays
    if a.dtype.kind in "biu" and b.dtype.kind in "biu":
        dtype = get_default_dtype()
        return a.astype(dtype), b.astype(dtype)
    return arrays


def _divisor(other: Any, data: np.ndarray) -> np.ndarray:
    """The other operand of a division of an integer tensor: a Python integer is not taken into the
    tensor's dtype (``uint8 / -2`` is -0.5 per element, not divided by 254), since the quotient is a float."""
    if isinstance(other, Tensor):
        return other._data
    if isinstance(other, (int, np.integer)) and not isinstance(other, (bool, np.bool_)):
        return _number(int(other), np.dtype(np.int64))
    if type(other) is np.ndarray and other.dtype.kind in "iu":  # (nor an integer array: uint8 / np.array(-7)
        return other  # divided by 249 until 2026-12-05)
    return _constant(other, data)


_BOOL_MINUS = (
    "(-) with a bool tensor is not supported, as in PyTorch: invert a mask with ~mask or mask.logical_not(), "
    "or convert it first (mask.float(), mask.long())"
)


def _check_bool_subtraction(a: Any, b: Any) -> None:
    """Refuse ``a - b`` when either is a bool tensor (or a Python bool), as PyTorch does:
    ``1 - mask`` gave the arithmetic of 0 and 1 where PyTorch asks for ``~mask``."""
    for x in (a, b):
        if type(x) is bool or (isinstance(x, Tensor) and x._data.dtype.kind == "b"):
            raise DtypeMismatchError(f"subtraction {_BOOL_MINUS}")


def _operators(name: str) -> tuple[Callable[[Tensor, Any], Tensor], Callable[[Tensor, Any], Tensor]]:
    """``a (op) b`` and the reflected ``b (op) a`` for a Tensor ``a``, for the kernel ``name``."""
    kernel = _K[name]
    division = name == "div"
    run, backward, saves_output, reads = kernel.forward, kernel.backward, kernel.saves_output, kernel.reads
    plans = _plans_of(backward)
    fresh = name in DIRECT_FORWARDS
    run = DIRECT_FORWARDS.get(name, run)
    subtraction = name == "sub"

    def forward(self: Tensor, other: Any) -> Tensor:
        a = self._data
        dtype = a.dtype  # (read once: an array's attribute read costs about 200 instructions)
        if (
            fresh
            and isinstance(other, Tensor)
            and other._data.dtype is dtype
            and (dtype is _DOUBLE or dtype is _SINGLE)
        ):
            # the common case first: two Tensors of one float dtype (``h @ W``, ``h + b``), recorded by ``_lane_two``
            b = other._data
            try:
                out = run(a, b)
            except (ValueError, IndexError) as error:
                raise _refused(kernel, (a, b), error) from None
            if type(out) is not _ndarray:  # (NumPy's scalar from 0-d operands)
                return _attach(out, (self, other), (a, b), backward, None, saves_output, reads, fresh)
            result = _new_tensor(Tensor)
            result._data = out
            result._grad = None
            tape = self._tape
            if (
                tape is not None
                and other._tape is None
                and other.requires_grad
                and self.requires_grad
                and type(b) is _ndarray
                and _open(tape)
            ):  # (a recorded result and a leaf, ``h @ W``, ``h + b``: ``_lane_two`` and ``_record_lane`` written out)
                plan = plans.get(4)
                if plan is not None and plan[0] is reads and tape.leaves.setdefault(id(b), other) is other:
                    try:  # (see ``Tape.unowned``)
                        if other._own is not b:
                            tape.unowned = True
                    except AttributeError:
                        tape.unowned = True
                    choose = plan[4]
                    arrays = (a, b)
                    entry = (
                        arrays,
                        out,
                        plan[7],
                        plan[6],
                        None,
                        None if choose is None else choose(arrays, out, 0),
                        0,
                        next(_CLOCK),
                    )
                    result.requires_grad = True
                    result._tape = tape
                    tape.entries.append(entry)
                    which = plan[3]
                    if which:
                        _save_read(tape.check, entry, which, tape.saved, tape.held)
                    return result
            result.requires_grad = False
            result._tape = None
            if _lane_two(result, self, other, a, b, plans, reads):
                return result
            return _attach(out, (self, other), (a, b), backward, None, saves_output, reads, fresh, result)
        if dtype is _HALF:
            wide = _half_opmath(kernel, (self, other), None)
            if wide is not None:
                return wide
        floating = dtype is _DOUBLE or dtype is _SINGLE or dtype.kind == "f"
        cached = None
        if isinstance(other, Tensor):
            b = other._data
        else:
            if subtraction and (not floating or type(other) is bool):  # (mask - 1, x - True)
                _check_bool_subtraction(self, other)
            # ``_constant``'s answer, if cached (``_number``): a cached number has the tensor's dtype
            if type(other) is float and floating:
                cached = (
                    _DOUBLES.get(other)
                    if dtype is _DOUBLE
                    else _SINGLES.get(other)
                    if dtype is _SINGLE
                    else _CONSTANTS.get((other, dtype))
                )
            if cached is not None:
                b = cached
            else:
                try:
                    b = _constant(other, a)
                except OverflowError:  # a Python integer outside an integer tensor's range
                    b = _wrapping(other, a)
        if division and not floating:  # (a floating-point dividend divides as it is)
            a, b = _float_division((a, _divisor(other, a)))
            dtype = a.dtype
        arrays = (a, b)
        if cached is None and b.dtype is not dtype:  # (maybe promoted: the general path)
            if subtraction:
                _check_bool_subtraction(self, other)
            return _run(kernel, (self, other), arrays, None)
        try:  # ``_run`` written out for operands of one dtype: the hot path of ``h @ W + b``
            out = run(a, b)
        except (ValueError, IndexError) as error:
            raise _refused(kernel, arrays, error) from None
        except TypeError:
            _refuse_bool_minus(kernel.name, arrays)
            raise
        if cached is not None:  # (a cached number: ``_record_one``'s lane)
            return _record_one(out, self, a, dtype, backward, plans, saves_output, reads, fresh, cached)
        return _attach(out, (self, other), arrays, backward, None, saves_output, reads, fresh)

    def reflected(self: Tensor, other: Any) -> Tensor:
        data = self._data
        if subtraction:
            _check_bool_subtraction(other, self)
        wide = _half_opmath(kernel, (other, self), None) if data.dtype is _HALF else None
        if wide is not None:
            return wide
        if division:
            dividend = _constant(other, data) if data.dtype.kind == "f" else _divisor(other, data)
            return _run(kernel, (other, self), _float_division((dividend, data)), None)
        try:
            constant = _constant(other, data)
        except OverflowError:  # a Python integer outside an integer tensor's range
            constant = _wrapping(other, data)
        return _run(kernel, (other, self), (constant, data), None)

    forward.__doc__ = reflected.__doc__ = f"{kernel.forward.__doc__} Records ``{name}``."
    return forward, reflected


def _comparison(compare: Any) -> Any:
    """An elementwise comparison: a boolean tensor, outside any graph (it has no gradient)."""
    ordered = compare not in (operator.eq, operator.ne)  # (<, <=, >, >= of complex numbers: refused)
    name = {operator.lt: "<", operator.le: "<=", operator.gt: ">", operator.ge: ">="}.get(compare, "==")

    def method(self: Tensor, other: Any) -> Any:
        if not isinstance(other, (Tensor, np.ndarray, np.generic, int, float, complex, list, tuple)):
            return NotImplemented  # let the other side compare (pytest.approx, ...)
        data = self._data
        if ordered and (
            data.dtype.kind == "c" or isinstance(other, complex) or getattr(other, "dtype", data.dtype).kind == "c"
        ):  # (a Python complex too: x < 1j was ordered by real part)
            raise unordered(name, data.dtype)
        if isinstance(other, (int, np.integer)) and data.dtype.kind in "iu" and not isinstance(other, bool):
            info = np.iinfo(data.dtype)
            if not info.min <= other <= info.max:  # compared exactly (PyTorch wraps it: uint8 < 300 is
                return Tensor(compare(data, int(other)))  # uint8 < 44 there, pytorch/pytorch#101653)
        if isinstance(other, Tensor):
            other = other._data
            if other.dtype.kind in "fc" and data.dtype.kind == other.dtype.kind and data.dtype != other.dtype:
                # floats of two widths compare in the dimensioned one's dtype, as PyTorch (and as
                # ``x16 - s`` computes): x16 == tensor(0.1) was False on NumPy 2 (0.1 in float32)
                # and True on NumPy 1.26 (value-based casting); x16 == 0.1 is True on both
                if not data.ndim and other.ndim:
                    data = data.astype(other.dtype)
                elif data.ndim and not other.ndim:
                    other = other.astype(data.dtype)
        return Tensor(compare(data, _constant(other, data)))

    return method


# --------------------------------------------------------------------------- in-place updates
_UFUNCS = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.true_divide}


def _check_inplace(t: Tensor, what: str) -> None:
    """An in-place change that will be recorded: refuse the cases PyTorch refuses (a leaf that
    requires grad, a view of one, a view made under ``no_grad``, a piece of ``split``);
    ``_assign`` refuses the views whose graphs MyTorch cannot rebase (``mytorch.tensor_views``)."""
    if t.requires_grad and t._tape is None:
        raise RuntimeError(
            f"{what}: a leaf tensor that requires grad (shape {tuple(t.shape)}) cannot be changed in place while "
            "operations are recorded (PyTorch: 'a leaf Variable that requires grad is being used in an "
            "in-place operation'); update parameters inside `with mytorch.no_grad():`, or compute a new tensor"
        )
    _tensor_views.check_view_write(t, what)


def _check_untracked(t: Tensor, what: str) -> None:
    """An in-place change that will not be recorded: refuse it, with grad mode on, on a view made
    under ``no_grad`` of a tensor that requires grad (PyTorch refuses it too; its base's gradient
    would silently ignore the change)."""
    if getattr(t, "_base", None) is not None and (not _RECORDING_OFF or _GradMode.enabled):
        _tensor_views.check_view_write(t, what, tracked=False)


def _tracked(t: Tensor, other: Any) -> bool:
    """Whether an in-place change of ``t`` by ``other`` is recorded."""
    return (not _RECORDING_OFF or _GradMode.enabled) and (t.requires_grad or _wants_grad(other))


def _assign(t: Tensor, index: Any, value: Any, what: str) -> Tensor:
    """``t[index] = value`` in place: the write every in-place operation ends with.

    The memory's version is bumped (``mytorch.saved``); when recorded, the operation is
    ``setitem(old t, value)`` and ``t`` holds its output (a new view object of the same
    memory, so that the old and the new value keep separate gradients on the tape). A ``t``
    that shares its memory with other live tensors through views has the change recorded on
    their root, and ``t`` and the views the write reaches anew (``mytorch.tensor_views``).
    """
    old = t._data
    tracked = _tracked(t, value) and old.dtype.kind in "fc"  # (an integer tensor takes values, no gradient)
    rebase = None
    if tracked:
        _check_inplace(t, what)
        rebase = _tensor_views.plan(t, what, index)
    else:
        _check_untracked(t, what)
    checked = old.dtype.kind in "iu" or old.dtype.char == "f"  # float32 (float16 takes inf, as in PyTorch)
    if checked and isinstance(value, (int, float, np.integer, np.floating)) and type(value) is not bool:
        _check_storable(value, old.dtype, what)
    array = value._data if isinstance(value, Tensor) else _wrapping(value, old)
    if checked and old.dtype.kind in "iu" and type(array) is np.ndarray and array.dtype.kind == "f":  # (no NaN)
        check_finite_into(array, old.dtype, what)
    lifted = write_begin(old, what)
    try:
        with _inf_on_overflow(old.dtype) if old.dtype.char == "e" else _AS_IS:  # float16: 70000.0 is inf
            old[index] = array
    except (ValueError, IndexError, TypeError) as error:
        raise type(error)(
            f"{what}: cannot write a value of shape {np.shape(array)} into a tensor of shape {tuple(old.shape)} "
            f"at {index!r}: {error}"
        ) from None
    finally:
        write_end(lifted)
    if CAPTURE and not tracked:  # (a replay capturing a step)
        _written(t)
    if tracked:
        _tensor_views.record_write(t, index, value, array, rebase)
    return t


def _scaled(input: Any, other: Any, alpha: Any, what: str) -> Any:  # noqa: A002
    """``alpha * other`` for ``input + alpha * other`` (``add``, ``sub``, ``add_``, ``sub_``), computed in
    the dtype of ``input + other``, as PyTorch does: ``uint8 + 2 * int8`` is int16 throughout (the
    product in int8 overflowed), and a float16 ``other`` is scaled in float32 next to a float32 ``input``."""
    if not isinstance(other, Tensor) and isinstance(input, Tensor) and input.dtype.kind != "f":
        other = _wrapping(other, input._data)  # (a number next to floats stays one: ``_half_opmath`` reads it)
    if alpha == 1:
        return other
    if not isinstance(input, Tensor) and isinstance(other, Tensor):
        input = _wrapping(input, other._data)  # noqa: A001
    a, b = _arrays((input, other))
    dtype = _promoted_dtype(a, b)
    check_setting(what, "alpha", alpha, dtype)  # (1e39 for float32 was inf; 2**40 for int32 wrapped to 0)
    if dtype.kind in "biu" and isinstance(alpha, (float, np.floating)):
        raise RuntimeError(f"{what}: alpha must not be a floating-point number for integer tensors, got {alpha!r}")
    if _wants_grad(other):
        other = other if b.dtype == dtype else other.to(dtype)
    else:
        with _inf_on_overflow(dtype):
            other = Tensor(b.astype(dtype, copy=False))
    scale = np.array(bool(alpha)) if dtype.kind == "b" else _wrapping(alpha, np.empty(0, dtype))
    return _apply("mul", (other, scale))


def _can_store(result: np.dtype, dtype: np.dtype) -> bool:
    """Whether an in-place result of dtype ``result`` may be written into a ``dtype`` tensor:
    PyTorch's rule (``canCast``): not a float into an integer or bool tensor, not an integer into
    a bool one, not complex into real; integers of any width fit (``uint8 += int32`` stays uint8,
    wrapping, as in PyTorch)."""
    mine, theirs = _CATEGORY.get(result.kind, 4), _CATEGORY.get(dtype.kind, 4)
    return mine <= theirs


def _check_can_store(result: np.dtype, dtype: np.dtype, what: str) -> None:
    """Refuse (``RuntimeError`` naming ``what`` and both dtypes) an in-place result ``_can_store`` refuses."""
    if not _can_store(result, dtype):
        raise RuntimeError(f"{what}: the result's dtype {result} cannot be stored in the tensor's {dtype}")


_LARGEST = {np.dtype(t): float(np.finfo(t).max) for t in (np.float16, np.float32, np.float64)}


def _beyond(value: Any, dtype: np.dtype) -> bool:
    """Whether ``dtype`` cannot hold the number ``value``, by PyTorch's rule: a finite number past a
    float dtype's largest (inf and NaN are held; 65519.0 is refused for float16 though it would round
    to 65504); for an integer dtype a number outside its range, an unsigned one taking the integers
    -max..-1 modulo 2**bits (-1 is 255 in uint8)."""
    if dtype.kind == "f":
        size = operator.abs(value)  # (``abs`` in this module is the Tensor operation)
        largest = _LARGEST.get(dtype) or float(np.finfo(dtype).max)
        return value == value and size != float("inf") and size > largest
    info = np.iinfo(dtype)
    integer = isinstance(value, (int, np.integer))
    return not (info.min <= value <= info.max or (integer and info.min == 0 and -info.max <= value < 0))


def _check_storable(value: Any, dtype: np.dtype, what: str) -> None:
    """Refuse, as PyTorch does, to store a number that ``dtype`` cannot hold (``fill_``, ``t[i] = v``:
    300, -1.5 or NaN in uint8; 70000.0 in float16 or 1e39 in float32, which would be inf); an
    unsigned dtype takes the integers -max..-1 modulo 2**bits (``t[0] = -1`` is 255 in uint8)."""
    if _beyond(value, dtype):
        raise RuntimeError(f"{what}: the value {value} cannot be stored in a {dtype} tensor without overflow")


_SETTING_NUMBERS = (int, float, np.integer, np.floating)


def ordinary_float(value: Any) -> bool:
    """Whether ``value`` is a Python float every float dtype holds (within float16's range): a
    setting ``check_setting`` passes for any float dtype, told without working out the dtype."""
    return type(value) is float and -65504.0 <= value <= 65504.0


def check_setting(op: str, name: str, value: Any, dtype: np.dtype, *, opmath: bool = False) -> None:
    """Refuse, as PyTorch does, a number setting of ``op`` (``alpha=`` of ``add``, ``value=`` of
    ``addcmul``, ``lerp``'s weight, ``hardshrink``'s ``lambd``, ...) that ``dtype``, the dtype ``op``
    takes it into, cannot hold (``_beyond``): 1e39 for float32, 70000.0 for float16, 2**40 for int32.
    They became inf (``lerp(end, 1e39)``: NaN) or wrapped (``add(alpha=2**40)`` of int32 tensors added
    nothing). A Python int beyond int64 is refused for any dtype (PyTorch: "int too big to convert").
    Tensors, bools and complex numbers pass; an operand (``t + 1e39``) is not a setting. With
    ``opmath``, a float16 ``dtype`` takes the setting in float32, as PyTorch's ``addcmul``, ``lerp``,
    ``addmm`` and ``rrelu`` do (70000.0 is allowed there).

    Raises:
        SettingOverflowError: a ``RuntimeError`` (and an ``OverflowError``) naming ``op``, ``name``,
            the value and ``dtype``.
    """
    if dtype.kind == "f" and ordinary_float(value):
        return  # (the common case, at once)
    if not isinstance(value, _SETTING_NUMBERS) or isinstance(value, bool):
        return
    if type(value) is int and not -(2**63) <= value < 2**63:
        raise _arguments.SettingOverflowError(f"{op}: {name}={value} is too big to convert to a 64-bit integer")
    if opmath and dtype is _HALF:
        dtype = _SINGLE
    if dtype.kind in "fiu" and _beyond(value, dtype):
        raise _arguments.SettingOverflowError(f"{op}: {name}={value!r} cannot be converted to {dtype} without overflow")


_COMPLEX_SCALARS = frozenset({complex, np.complex64, np.complex128, np.clongdouble})


def _check_not_complex(value: Any, dtype: np.dtype, what: str) -> None:
    """Refuse, as PyTorch does, a complex number with an imaginary part for a real ``dtype``
    tensor (``t[0] = 1j``, ``fill_(1j)``, ``full_like(t, 1j)``: NumPy kept the real part, with a
    ComplexWarning)."""
    if dtype.kind != "c" and value.imag:
        raise RuntimeError(
            f"{what}: the value {value} cannot be stored in a {dtype} tensor without overflow (its imaginary "
            "part would be dropped)"
        )


def _stored(value: Any, dtype: np.dtype, what: str) -> Any:
    """A number to fill a ``dtype`` tensor with (``F.pad``, ``full``, ``full_like``, ``scatter``'s
    ``value``), checked as ``fill_`` checks it and taken into ``dtype`` (-1 into uint8 is 255);
    anything else (a tensor, an array) as it is."""
    if type(value) is complex or isinstance(value, np.complexfloating):
        _check_not_complex(value, dtype, what)
    if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, (bool, np.bool_)):
        return value
    if dtype.kind in "iuf":
        _check_storable(value, dtype, what)
    return np.asarray(value).astype(dtype)


def _check_fits(array: np.ndarray, dtype: np.dtype, what: str) -> None:
    """Refuse Python numbers that an integer ``dtype`` cannot hold, as PyTorch's ``tensor(data, dtype)``
    refuses them (``_check_storable``'s rule for a whole array: 300, 255.9, -1.5, NaN or inf into uint8;
    -1 is 255). A float dtype takes any number (1e39 into float32 is inf, as in PyTorch)."""
    if dtype.kind not in "iu" or array.dtype.kind not in "iuf" or not array.size:
        return
    info = np.iinfo(dtype)
    low = -info.max if info.min == 0 and array.dtype.kind in "iu" else info.min
    with np.errstate(invalid="ignore"):
        bad = ~((array >= low) & (array <= info.max))
    if bad.any():
        value = array[bad].flat[0].item()
        raise RuntimeError(f"{what}: the value {value} cannot be stored in a {dtype} tensor without overflow")


def _update(t: Tensor, name: str, other: Any, what: str) -> Tensor:
    """``t (op)= other`` for ``add``, ``sub``, ``mul``, ``div``: in place, same object."""
    if _tracked(t, other):
        _check_inplace(t, what)
        # mul's and div's backward read t's old value, which the write destroys: use a copy
        source = _copy(t) if name in ("mul", "div") else t
        value = _apply(name, (source, source if other is t else other))
        _check_can_store(value.dtype, t.dtype, what)
        return _assign(t, Ellipsis, value, what)
    target = t._data
    if name in _HALF_OPMATH and _widens_half(other, t):  # in float32, as PyTorch computes it
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):  # (inf, NaN: as in PyTorch)
            array = np.asarray(other._data if isinstance(other, Tensor) else other, dtype=np.float32)
            _write(t, lambda: _UFUNCS[name](target, array, out=target, casting="unsafe", dtype=np.float32), what, array)
        return t
    array = other._data if isinstance(other, Tensor) else _wrapping(other, target)
    if array.dtype is not target.dtype and array.dtype != target.dtype and _demoted(array, target):
        # taken into t's dtype first, as PyTorch (and the recorded path) take it: float32 += int64 [2**24 + 1]
        # computed in float64 and rounded once gave 16777218 at 0.5, where t + i gives 16777216
        with _inf_on_overflow(target.dtype):
            array = array.astype(target.dtype)
    if array.dtype is not target.dtype or (name == "div" and target.dtype.kind in "biu"):
        result = _promoted_dtype(target, array)
        if name == "div" and result.kind in "biu":
            result = get_default_dtype()
        _check_can_store(result, target.dtype, what)
    _write(t, lambda: _UFUNCS[name](target, array, out=target, casting="unsafe"), what, array)
    return t


def _write(t: Tensor, write: Callable[[], Any], what: str, array: Any = None) -> None:
    """Run ``write``, an untracked in-place write into ``t._data``, guarded unless no graph holds the memory."""
    _check_untracked(t, what)
    target = t._data
    if CAPTURE:  # (a replay capturing a step)
        _written(t)
    if not is_held(target):
        try:  # no graph holds the memory: a plain write (a parameter update under no_grad)
            write()
            return
        except (TypeError, ValueError):  # read-only, or operands that do not fit: the guarded path says why
            pass
    lifted = write_begin(target, what)
    try:
        write()
    except (TypeError, ValueError) as error:
        raise RuntimeError(
            f"{what}: tensor of shape {tuple(target.shape)} and dtype {target.dtype}, operand of shape "
            f"{np.shape(array)} and dtype {np.result_type(array)}: {error}"
        ) from None
    finally:
        write_end(lifted)


def _copy(t: Tensor) -> Tensor:
    """A copy of ``t`` with its own memory, in the graph (the ``clone`` kernel)."""
    return _apply("clone", (t,))


def _exp_as_power(z: Tensor, base: np.ndarray, exponent: np.ndarray, value: np.ndarray | None = None) -> Tensor:
    """``exp(z)`` for z = exponent * log(base), recorded as the ``exp`` kernel (whose backward reads
    its result), with ``base ** exponent`` as that result: exp of the rounded product was off by up
    to ~70 float32 ulps (``10.0 ** t`` at t = 10 gave 10000012288; ``2.0 ** t`` at 3 gave 7.999999999999998
    in float64), where NumPy's power is correctly rounded as PyTorch's."""
    kernel = _K["exp"]
    if value is None:  # (``value``: that power, computed already)
        with np.errstate(over="ignore", divide="ignore"):  # (0.0 ** -1 is inf, as in PyTorch)
            value = np.power(base, exponent)
    value = np.asarray(value, dtype=z.dtype)
    return _attach(value, (z,), (z._data,), kernel.backward, None, kernel.saves_output, kernel.reads)


def _log_of_nonpositive(base: np.ndarray, exponent: np.ndarray, positive: Any) -> np.ndarray:
    """log b where b <= 0 as the slope of b ** p in p, PyTorch's: NaN where b < 0 or NaN; at b = 0, 0
    for p >= 0 (the power is constant there) and -inf for p < 0 (where it is infinite); log b for
    any other b > 0 (where b ** p is infinite); 0 where ``positive`` holds (the slope is taken elsewhere)."""
    at_zero = np.where(exponent >= 0, 0.0, -np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(np.where(base > 0, base, 1.0))
    rest = np.where(base > 0, logs, np.where(base >= 0, at_zero, np.nan))
    return np.where(positive, 0.0, rest).astype(base.dtype, copy=False)


def _legacy_dtype(array: np.ndarray) -> np.ndarray:
    """Python data (numbers, nested lists, bools) in the dtype PyTorch's legacy constructor
    ``torch.Tensor(data)`` gives it: the default float dtype, for integers and bools too (the
    complex counterpart for complex numbers, where PyTorch raises). A NumPy array or scalar keeps
    its own dtype (see ``Tensor``)."""
    default = get_default_dtype()
    if array.dtype.kind == "c":
        return array.astype(np.complex128 if default == np.float64 else np.complex64)
    return array if array.dtype == default else array.astype(default)


_NUMBER_TYPES = frozenset({float, int, bool, complex})


def _holds_tensor(data: list[Any] | tuple[Any, ...]) -> bool:
    """Whether (nested) lists and tuples hold a Tensor anywhere. (The types of each level's items
    are collected in C: 10^5 floats, flat or in pairs, are looked through in 1 to 4 ms, against
    about 20 to 70 ms for the rest of ``tensor``.)"""
    level: Any = data
    while True:  # one level of nesting at a time
        types = set(map(type, level))
        if types <= _NUMBER_TYPES:
            return False
        if any(issubclass(t, Tensor) for t in types):
            return True
        inner = [item for item in level if isinstance(item, (list, tuple))]
        if not inner:
            return False
        level = list(itertools.chain.from_iterable(inner))


def tensors_as_numbers(data: Any, who: str) -> Any:
    """(Nested) lists and tuples with each Tensor in them read as the one number it holds, as
    PyTorch reads them (``float(t)``): ``tensor([h1, h2])`` of two (1,) results is (2,), where
    NumPy's stacking made it (2, 1) (and ``(preds - y) ** 2`` against a (2,) ``y`` then a
    (2, 2) matrix); the number keeps its tensor's dtype. Any other data is returned as it is.

    Raises:
        ValueError: a Tensor of other than one element, as PyTorch's ("only one element tensors
            can be converted to Python scalars"; write ``stack`` to stack them).
    """
    if not isinstance(data, (list, tuple)) or not _holds_tensor(data):
        return data
    return _numbers_of_tensors(data, who)


def _numbers_of_tensors(data: Any, who: str) -> Any:
    """``tensors_as_numbers`` for data known to hold a Tensor."""

    def number(item: Any) -> Any:
        if isinstance(item, (list, tuple)):
            return [number(i) for i in item]
        if isinstance(item, Tensor):
            array = item._data
            if array.size != 1:
                raise ValueError(
                    f"{who}: only one element tensors can be converted to Python scalars, got a tensor of shape "
                    f"{tuple(array.shape)} in the list (mytorch.stack or cat joins tensors)"
                )
            return array.reshape(())
        return item

    return number(data)


def _own_array(t: Tensor) -> np.ndarray:
    """``t``'s array for a leaf that requires a gradient and shares ``t``'s memory
    (``h.detach().requires_grad_()``, ``Tensor(h, requires_grad=True)``): a new array object (a view)
    when ``t`` may be an operation's result, since the tape keys gradients by array object: such a
    leaf used beside ``h`` in one graph took ``h``'s gradient for its own (its ``.grad`` None, ``h``'s
    inputs given its gradient too). (A detached tensor that stays a constant keeps the very array.)"""
    data = t._data
    if t._tape is None and t.requires_grad:
        return data
    return _leaf_view(data)


def _leaf_view(data: np.ndarray) -> np.ndarray:
    """A new array object on ``data``'s memory, for a leaf: the tape keys gradients by array object."""
    view = data.view()
    if not view.flags.writeable:
        adopt_view(view)  # (made of a locked array: unlocked with it, and writes through it bump its version)
    return view


def _replacement(recorded: np.ndarray, leaf: Tensor) -> np.ndarray | None:
    """What an operation reads for ``leaf`` in place of ``recorded`` (``Tape.follow_replaced_leaves``):
    None while ``recorded`` still views ``leaf.data``'s memory as it is, else a new view of ``leaf.data``."""
    new = leaf._data
    at, now = recorded.__array_interface__, new.__array_interface__
    if at["data"] == now["data"] and at["strides"] == now["strides"] and recorded.shape == new.shape:
        if recorded.dtype == new.dtype:
            return None
    if new.shape != recorded.shape or new.dtype.kind not in "fc":
        raise RuntimeError(
            f"backward: a leaf's .data was replaced after it was used, by an array of shape {tuple(new.shape)} and "
            f"dtype {new.dtype}; the graph recorded shape {tuple(recorded.shape)} and dtype {recorded.dtype}, and its "
            "backward reads the leaf's current values (assign .data after backward, or keep the shape and a "
            "floating dtype)"
        )
    view = new.view()
    if not view.flags.writeable:
        adopt_view(view)
    return view


def _accumulate(leaf: Tensor, grad: np.ndarray, sole: bool = False) -> None:
    """Add ``grad`` into ``leaf.grad`` (in place when it exists, as PyTorch does).

    A leaf without a ``.grad`` gets a copy of ``grad``, which may be shared (an addition's
    backward gives both operands one array), unless ``sole``: nothing else refers to ``grad``
    (``Tape.deliver`` counts the references; a view or another gradient would be one), and it
    is a writeable array owning its memory, of the leaf's dtype. Then it becomes ``.grad``
    itself, as PyTorch takes over a gradient no one else holds."""
    held = leaf._grad
    if held is None:
        new = leaf._grad = _new_tensor(Tensor)
        dtype = leaf._data.dtype
        if sole and type(grad) is _ndarray and grad.base is None and grad.dtype is dtype and grad.flags.writeable:
            new._data = grad
        else:
            new._data = np.array(grad, dtype=dtype)
        new._grad = None
        new.requires_grad = False
        new._tape = None
        return
    target = held._data
    if not is_held(target):
        try:
            target += grad  # (same_kind casting, as np.add(..., out=target) by default; no keywords to parse)
            return
        except ValueError:  # read-only: the guarded path says why
            pass
    lifted = write_begin(target, "backward (accumulating into .grad)")
    try:
        target += grad
    finally:
        write_end(lifted)


# --------------------------------------------------------------------------- the Tensor
class Tensor:
    """An array that remembers how it was computed, so that ``backward`` can differentiate it.

    Args:
        data: a number, a (nested) list or an array. Python data (numbers, lists, bools) takes
            the default float dtype (float32 unless ``set_default_dtype``), integers too, as
            PyTorch's legacy constructor ``torch.Tensor([1, 2])`` does; a NumPy array (or NumPy
            scalar) or a Tensor keeps its own dtype and is wrapped without a copy: a float64
            array trains in float64, and an integer array stays integer (PyTorch would convert
            an array to the default float dtype).
        requires_grad: make this a leaf whose gradient ``backward`` computes (an integer array
            is converted to float64 for it).

    The methods with PyTorch's names and arguments (``view``, ``sum(dim=...)``, ``max(dim)``,
    ``float()``, ``to``, ``size()``, ...) are bound onto the class by ``mytorch.tensor_methods``.

    Attributes:
        data: the values as a detached Tensor sharing this tensor's memory (see the property).
        grad: a leaf's accumulated gradient (a Tensor of the same shape and dtype), None
            until a ``backward`` reaches the leaf.
        requires_grad: whether a gradient flows to (or through) this tensor.
    """

    __slots__ = ("_data", "_grad", "requires_grad", "_tape", "_base", "_views", "_hooks", "_own", "__weakref__")
    _base: Tensor  # a view's root tensor (set by _note_view)
    _views: _Views  # the live views of this root tensor's memory (set by _note_view)
    _hooks: list[Callable[[Tensor], Any]]  # a leaf's hooks (set by register_hook; see tensor_graph._LEAF_HOOKS)

    if TYPE_CHECKING:  # the methods mytorch.tensor_methods binds onto the class (its METHODS)

        def __getattr__(self, name: str) -> Any: ...

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """NumPy's ufuncs on Tensors (``np.exp(t)``, ``array * t``) record like the Tensor's own
        ops; see ``mytorch.tensor_numpy``."""
        return _numpy_protocol.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """NumPy's functions on Tensors (``np.sum(t, axis=0)``, ``np.reshape``, ``np.tensordot``,
        ...) record like the Tensor's own ops; see ``mytorch.tensor_numpy``."""
        return _numpy_protocol.array_function(func, args, kwargs)

    _deepcopy_keeps_grad = True
    """Whether ``copy.deepcopy`` copies ``.grad`` (a plain tensor's, as PyTorch's; not a
    ``Parameter``'s)."""

    def __getstate__(self) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """What ``pickle`` and ``copy.deepcopy`` take: every attribute but a leaf's hooks (a copy
        has none, as in PyTorch; a hook is often a lambda, which pickle cannot write), ``.grad``
        (PyTorch's leave it behind too) and the links between a view and its root (weak references
        among them, which pickle cannot write: ``pickle.dumps(x.view(2, 3))`` failed; the copy has its
        own array)."""
        slots = {name: getattr(self, name) for name in _PICKLED if hasattr(self, name)}
        slots["_grad"] = None
        return getattr(self, "__dict__", None), slots  # (a subclass's own attributes first)

    def __copy__(self) -> Tensor:
        """``copy.copy``: a tensor on this one's very array (a view of the same base, if this one
        is a view), without hooks or ``.grad``."""
        new = type(self).__new__(type(self))
        attributes, _ = self.__getstate__()
        if attributes:
            new.__dict__.update(attributes)
        for name in _COPIED:
            if hasattr(self, name):
                setattr(new, name, getattr(self, name))
        new._grad = None
        return new

    _deepcopy_shares_memory = True
    """Whether ``copy.deepcopy`` keeps this tensor's memory shared with the other tensors of that
    memory copied in the same call (a plain tensor's, as PyTorch's; a ``Parameter`` gets memory of
    its own)."""

    def __deepcopy__(self, memo: dict[int, Any]) -> Tensor:
        """``copy.deepcopy``: ``__getstate__``'s attributes copied, and ``.grad`` copied too for a
        plain tensor, not for a ``Parameter``, as in PyTorch (a model copied after a backward
        starts without gradients). Plain tensors sharing memory (a tensor and its views, buffers
        that are views of one another) share the copy's memory (see ``mytorch.memory_copy``).

        Raises:
            RuntimeError: a recorded result (not a leaf), as in PyTorch: the copy's graph reached
                no leaf, so a backward through it left every ``.grad`` as it was.
        """
        if self._tape is not None:
            raise RuntimeError(
                f"copy.deepcopy: a tensor of shape {tuple(self.shape)} recorded by an operation (not a leaf) cannot be "
                "deep-copied, as in PyTorch (a backward through the copy would reach no leaf); copy its values "
                "with t.detach().clone()"
            )
        new = type(self).__new__(type(self))
        memo[id(self)] = new
        attributes, slots = self.__getstate__()
        if attributes:
            new.__dict__.update(copy.deepcopy(attributes, memo))
        if self._deepcopy_shares_memory:
            deepcopy_array(self._data, memo)  # (in the memo: the loop below takes it from there)
        for name, value in slots.items():
            setattr(new, name, copy.deepcopy(value, memo))
        if self._grad is not None and self._deepcopy_keeps_grad:
            new._grad = copy.deepcopy(self._grad, memo)
        return new

    def __init__(self, data: Any, requires_grad: bool = False) -> None:
        if requires_grad is not False and requires_grad is not True and not isinstance(requires_grad, np.bool_):
            _check_requires_grad(data, requires_grad)
        if isinstance(data, Tensor):
            data = _own_array(data) if requires_grad else data._data
        if type(data) is np.ndarray:
            array = data
            if requires_grad and _HANDED_OUT.get(id(data)) is data:  # a leaf's own array object, as
                # ``_own_array`` gives: the tape keys gradients by array object, and ``data`` is a
                # recorded result's own (``Tensor(h.numpy(), requires_grad=True)``, whose gradient
                # went to ``h``'s). (Any other array is taken as it is: a view's saves cost more.)
                array = _leaf_view(data)
        else:
            if masked(data):  # (np.asarray drops the mask: masked entries would be numbers)
                raise TypeError(f"Tensor: got {odd_array(data)}")
            data = tensors_as_numbers(data, "Tensor")
            try:
                array = np.asarray(data)
            except ValueError:  # (NumPy's "inhomogeneous shape", for ragged lists)
                raise ValueError(
                    f"Tensor: {ragged(data) or 'cannot read the data'}; nested lists must be rectangular"
                ) from None
            if not isinstance(data, (np.generic, np.ndarray)) and array.dtype.kind in "biufc":
                array = _legacy_dtype(array)  # (an ndarray's subclass, a memmap, keeps its dtype and memory)
        dtype = array.dtype
        if dtype.kind not in "biufc":
            raise TypeError(f"Tensor: cannot hold a {type(data).__name__} of dtype {dtype} (it is not numeric)")
        if dtype is not _SINGLE and dtype is not _DOUBLE and not dtype.isnative:
            # (t.dtype == float32 was False for '>f4', and matmul refused it beside float32)
            raise ValueError(
                f"Tensor: the array's bytes are in the other byte order ({dtype.str}), which a tensor shares "
                f"as it is; copy it into the native order with mytorch.tensor(array) or "
                f"array.astype(array.dtype.newbyteorder('='))"
            )
        if requires_grad and dtype.kind not in "fc":  # booleans and integers
            array = array.astype(np.float64)
        self._data: np.ndarray = array
        self._grad: Tensor | None = None
        self.requires_grad = bool(requires_grad)
        self._tape: Tape | None = None
        if requires_grad:
            self._own = array  # (no recorded result's array, see _HANDED_OUT: ``Tape.unowned``)

    @property
    def data(self) -> Tensor:
        """The values as a new Tensor outside any graph (``requires_grad`` False) sharing this
        tensor's memory, as PyTorch's ``.data``: ``p.data.normal_()``, ``p.data.copy_(q)``,
        ``p.data -= lr * p.grad`` change ``p`` without recording. Unlike PyTorch, such a write is
        still counted by the version checks: if a live graph's backward reads ``p``'s values,
        that ``backward`` raises instead of differentiating with the new values.

        Assigning ``t.data = value`` (a Tensor, or a NumPy array, kept without a copy) makes
        ``t`` hold ``value``'s memory; the shape and dtype may change (an integer array on a
        tensor that requires grad is refused by the next operation). ``numpy()`` is the array."""
        view = _new_tensor(Tensor)
        view._data = self._data if self._tape is None else _detached(self._data)
        view._grad = None
        view.requires_grad = False
        view._tape = None
        return view

    @data.setter
    def data(self, value: Tensor | np.ndarray) -> None:
        if isinstance(value, Tensor):
            value = value._data
        elif isinstance(value, np.ndarray):
            value = np.asarray(value)
        else:
            raise TypeError(
                f"Tensor.data: assign a Tensor or a numpy.ndarray, got a {type(value).__name__} "
                "(wrap it: mytorch.tensor(value))"
            )
        old, self._data = self._data, value
        if self._tape is not None and value is not old:  # a recorded result (see _follow_replaced)
            _follow_replaced(self, old)

    @property
    def grad(self) -> Tensor | None:
        """The gradient ``backward`` accumulated for this leaf (a Tensor), or None. Read on a
        recorded result that did not call ``retain_grad()``: None with PyTorch's
        ``UserWarning`` (such a gradient is never kept)."""
        grad = self._grad
        if grad is None and self._tape is not None:  # (a leaf's read pays one comparison)
            _warn_unretained_grad(self)
        return grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"Tensor.grad: assign a Tensor or None, got a {type(value).__name__} (wrap an array: "
                    "mytorch.Tensor(array))"
                )
            if value.shape != self.shape or value.dtype != self.dtype:
                raise _arguments.ShapeRuntimeError(
                    f"Tensor.grad: the assigned gradient has shape {tuple(value.shape)} and dtype {value.dtype}; "
                    f"the tensor has shape {tuple(self.shape)} and dtype {self.dtype}"
                )
            if value is self:  # (backward would add into the tensor's own values)
                raise RuntimeError("Tensor.grad: a tensor cannot be its own gradient (PyTorch refuses it too)")
        self._grad = value

    # ------------------------------------------------------------------ properties
    @property
    def shape(self) -> Size:
        """The array's shape, as a ``Size`` (PyTorch's ``torch.Size``: a tuple of ints)."""
        return _new_size(Size, self._data.shape)

    @property
    def dtype(self) -> np.dtype:
        """The array's dtype."""
        return self._data.dtype

    @property
    def ndim(self) -> int:
        """The number of axes."""
        return self._data.ndim

    @property
    def is_leaf(self) -> bool:
        """True unless this tensor is the recorded result of an operation."""
        return self._tape is None

    @property
    def tape(self) -> Tape:
        """The tape this (non-leaf) tensor's graph is recorded on."""
        if self._tape is None:
            raise ValueError("Tensor.tape: a leaf (or constant) tensor is not recorded on any tape")
        self._tape = self._tape.resolve().in_run_order()
        return self._tape

    @property
    def T(self) -> Tensor:
        """The transpose (axes reversed; its node is ``PermuteBackward0``, as in PyTorch)."""
        return _apply("transpose", (self,), named({"axes": None}, "PermuteBackward0"))

    # ------------------------------------------------------------------ gradients
    def backward(
        self,
        gradient: Any = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
        keep_grads: bool = False,
        inputs: Any = None,
    ) -> None:
        """Add d(self)/d(leaf) (weighted by ``gradient``) into the ``.grad`` of every leaf ancestor
        (only of ``inputs``, tensors of the graph, when given: see ``porting.backward_into``).

        Args:
            gradient: the gradient of some scalar with respect to this tensor, of its shape;
                may be omitted for a one-element tensor (it is then 1).
            retain_graph: keep the tape for another ``backward`` (default: ``create_graph`` or
                ``keep_grads``).
            create_graph: record the backward pass itself, so that the leaves' ``.grad`` are
                Tensors of the graph that can be differentiated again (``mytorch.backward_graph``).
            keep_grads: keep the gradients of intermediate results on the tape's buffer
                (``mytorch.viz.trace`` shows them); implies ``retain_graph``.

        Raises:
            RuntimeError: this tensor does not require a gradient, its graph was released
                by an earlier ``backward``, or an array some backward rule reads was changed
                in place since it was recorded.
            ValueError: no ``gradient`` for a tensor of more than one element, or one of the
                wrong shape.
        """
        if inputs is not None:
            from mytorch.porting import backward_into

            return backward_into(self, inputs, gradient, retain_graph, create_graph)
        if not self.requires_grad:
            raise RuntimeError(
                "backward: this tensor does not require a gradient (no input had "
                "requires_grad=True, or it was computed under no_grad)"
            )
        if create_graph:
            if keep_grads:
                raise ValueError("backward: keep_grads and create_graph cannot be combined")
            _backward_graph.backward(self, gradient, retain_graph)
            return
        seed = 1.0 if gradient is None and self._data.size == 1 else self._seed(gradient)  # (its common case first)
        if self._tape is None:  # a leaf: its own gradient, after its hooks
            _accumulate(self, leaf_gradient(self, np.full_like(self._data, seed) if isinstance(seed, float) else seed))
            post_hooks(self)
            return
        tape = self._tape
        if tape.merged_into is not None or tape.unsorted:  # (``self.tape``'s work, needed only then)
            tape = self.tape
        tape = tape.follow_replaced_leaves()
        if tape.released:
            raise RuntimeError(
                "backward: this graph's tape was already released by an earlier backward; call "
                "backward(retain_graph=True) the first time to differentiate the graph again"
            )
        buffer = tape.gradient_buffer
        if buffer.memory or buffer.owners:
            buffer.clear()
        tape.backward(seed, self._data, keep_grads)
        recorder = capturing() if CAPTURE else None
        if recorder is not None:
            recorder.backward(self, tape, seed)
        retain = keep_grads if retain_graph is None else retain_graph
        if not retain:
            # Unlock what the graph saved before the gradients are delivered: no backward reads
            # them again, and an unlocked ``.grad`` takes its gradient by a plain ``+=``
            # (``deliver`` looks for a guard only while some graph holds memory). The graph is
            # then released even if a leaf's hook raises: its arrays are no longer guarded.
            release(tape.held)
        try:
            tape.deliver(keep_grads)
            if recorder is not None:
                recorder.delivered(tape)
        finally:
            if not retain:
                tape.release()

    def _seed(self, gradient: Any) -> np.ndarray | float:
        """The gradient ``backward`` starts from: ``gradient`` as an array of this tensor's shape
        and dtype, or 1.0 (which the engine fills in) when it is implied."""
        if gradient is None:
            if self._data.size != 1:
                raise _arguments.ShapeRuntimeError(
                    f"backward: a gradient can be implied only for a one-element tensor; this one "
                    f"has shape {tuple(self.shape)}, so pass gradient= of that shape"
                )
            return 1.0
        seed = gradient_array(
            gradient._data if isinstance(gradient, Tensor) else gradient, self.dtype, "backward: gradient"
        )
        if seed.shape != self.shape:
            raise ValueError(f"backward: gradient has shape {tuple(seed.shape)}, the tensor {tuple(self.shape)}")
        return seed

    def zero_grad(self) -> None:
        """Zero this leaf's gradient in place (optimizers holding it see the zeros). A gradient in a
        graph (``backward(create_graph=True)``) is first taken out of it, as PyTorch's ``zero_grad``
        detaches it: a new zero gradient, so that the next backward's does not carry the old graph
        (in a training loop, every earlier step's graph was kept, and walked by each backward)."""
        grad = self._grad
        if grad is None:
            return
        if grad.requires_grad:
            self._grad = Tensor(np.zeros_like(grad._data))
            return
        if not _STORAGES:  # (``zero_``'s plain write: no graph holds any memory)
            try:
                grad._data.fill(0)
                if CAPTURE:  # (a replay capturing a step)
                    _written(grad)
                return
            except ValueError:  # read-only: ``zero_`` says why
                pass
        grad.zero_()

    def detach(self) -> Tensor:
        """The same values (shared, not copied: an in-place change of either is seen by the
        other and by the version checks) as a tensor outside any graph. A recorded result's
        is a new array object on its memory (the tape keys gradients by array object), so that
        ``x = h.detach(); x.requires_grad = True`` makes a leaf of its own beside ``h``."""
        return Tensor(self._data if self._tape is None else _detached(self._data))

    # ------------------------------------------------------------------ in place
    def add_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """self += alpha * other, in place (same object); returns self."""
        return _update(self, "add", _scaled(self, other, alpha, "add_"), "add_")

    def sub_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """self -= alpha * other, in place; returns self."""
        _check_bool_subtraction(self, other)  # (as ``-=`` and ``sub`` refuse it; ``sub_`` wrote 1 - 1 until 2026-12-05)
        return _update(self, "sub", _scaled(self, other, alpha, "sub_"), "sub_")

    def mul_(self, other: Any) -> Tensor:
        """self *= other, in place; returns self."""
        return _update(self, "mul", other, "mul_")

    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """self /= other, in place; with ``rounding_mode`` (``"floor"``, ``"trunc"``) the quotient
        rounded as ``div`` rounds it (written as ``copy_``); returns self."""
        if rounding_mode is None:
            return _update(self, "div", other, "div_")
        quotient = self.div(other, rounding_mode=rounding_mode)
        _check_can_store(quotient.dtype, self.dtype, "div_")  # (``copy_`` truncated int // 2.5 until 2026-12-05)
        return self.copy_(quotient)

    def pow_(self, exponent: Any) -> Tensor:
        """self **= exponent, in place (same object; views and other names see it); returns self."""
        return self.__ipow__(exponent, "pow_")

    def __ipow__(self, exponent: Any, what: str = "**=") -> Tensor:
        tracked = _tracked(self, exponent)
        if tracked:
            _check_inplace(self, what)
        value = (_copy(self) if tracked else self) ** exponent  # (pow's backward reads the old value)
        _check_can_store(value.dtype, self.dtype, what)
        return _assign(self, Ellipsis, value, what)

    def __iadd__(self, other: Any) -> Tensor:
        return _update(self, "add", other, "+=")

    def __isub__(self, other: Any) -> Tensor:
        _check_bool_subtraction(self, other)
        return _update(self, "sub", other, "-=")

    def __imul__(self, other: Any) -> Tensor:
        return _update(self, "mul", other, "*=")

    def __itruediv__(self, other: Any) -> Tensor:
        return _update(self, "div", other, "/=")

    def zero_(self) -> Tensor:
        """Set every element to 0, in place; returns self."""
        data = self._data
        if (
            not (self.requires_grad and _GradMode.enabled)
            and not is_held(data)
            and getattr(self, "_base", None) is None
        ):
            try:  # not recorded, no graph holds the memory, not a view: a plain write (a .grad's zero_grad)
                data.fill(0)
                if CAPTURE:  # (a replay capturing a step)
                    _written(self)
                return self
            except ValueError:  # read-only: the guarded path says why
                pass
        return _assign(self, Ellipsis, 0, "zero_")

    def fill_(self, value: Any) -> Tensor:
        """Set every element to ``value`` (a number, or a one-element tensor), in place."""
        if np.size(value._data if isinstance(value, Tensor) else value) != 1:
            raise ValueError(f"fill_: the value must be a single number, got shape {np.shape(value)}")
        if self.dtype.kind == "f" and isinstance(value, (int, float, np.integer, np.floating)):
            _check_storable(value, self.dtype, "fill_")  # (70000.0 into float16; t[i] = v stores inf, as in PyTorch)
        if type(value) in _COMPLEX_SCALARS:
            _check_not_complex(value, self._data.dtype, "fill_")
        return _assign(self, Ellipsis, value, "fill_")

    def copy_(self, source: Any) -> Tensor:
        """Copy ``source``'s values (broadcast to this shape, cast to this dtype) in place."""
        return _assign(self, Ellipsis, source, "copy_")

    def clamp_(self, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
        """Limit every element to [min, max], in place; returns self."""
        if min is None and max is None:
            raise ValueError("clamp_: give min, max or both")
        if _tracked(self, min) or _tracked(self, max):  # (a bound that requires grad gets its gradient)
            _check_inplace(self, "clamp_")
            return _assign(self, Ellipsis, _copy(self).clamp(min, max), "clamp_")
        bounds = [b._data if isinstance(b, Tensor) else b for b in (min, max)]
        for bound in bounds if self.dtype.kind == "f" else ():  # (70000.0 for float16 raises, as in PyTorch)
            if isinstance(bound, (int, float, np.integer, np.floating)):
                _check_storable(bound, self.dtype, "clamp_")
        if self.dtype.kind in "iu" and all(isinstance(b, (int, np.integer)) for b in bounds if b is not None):
            bounds = list(_integer_bounds("clamp_", self.dtype, *(None if b is None else int(b) for b in bounds)))
            if bounds == [None, None]:
                return self
        casting = "same_kind"
        if self.dtype.kind in "iu" and all(np.asarray(b).dtype.kind in "iu" for b in bounds if b is not None):
            casting = "unsafe"  # (an int32 tensor bound of uint8: compared in int32, stored wrapped, as PyTorch does)
        _check_untracked(self, "clamp_")
        if CAPTURE:  # (a replay capturing a step)
            _written(self)
        lifted = write_begin(self._data, "clamp_")
        try:
            np.clip(self._data, *bounds, out=self._data, casting=casting)
        except TypeError:  # (NumPy's UFuncTypeError: float bounds of an integer tensor)
            kinds = [str(np.asarray(b).dtype) for b in bounds if b is not None]
            raise RuntimeError(
                f"clamp_: bounds of dtype {', '.join(kinds)} give a result a {self.dtype} tensor cannot hold "
                "in place (PyTorch refuses it too); clamp a converted copy instead"
            ) from None
        finally:
            write_end(lifted)
        return self

    def __setitem__(self, index: Any, value: Any) -> None:
        """``t[index] = value`` in place (recorded as ``setitem`` when a gradient is wanted). With an
        index of integers (a tensor or list of them), a tensor value the tensor's dtype cannot hold
        (float into an integer tensor, complex into a real one, numbers into bool) is refused, as
        PyTorch's index put refuses any other dtype; it was truncated silently."""
        if type(value) is complex:  # (Python's; here, not in _assign, which every in-place operation runs)
            _check_not_complex(value, self._data.dtype, "__setitem__")
        key = _index_arg(index, self._data.shape)
        if isinstance(value, Tensor) and _truncated(value._data.dtype, self._data.dtype) and _integer_array_index(key):
            raise TypeError(
                f"__setitem__: with an index of integers a value of dtype {value.dtype} cannot be written into a "
                f"tensor of dtype {self.dtype} without truncating it (PyTorch's index put refuses it too); "
                "convert one first"
            )
        _assign(self, key, value, "__setitem__")

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Turn this leaf into one that requires a gradient (or not); returns it. On a recorded
        result, which requires a gradient already, ``requires_grad_()`` changes nothing (as in
        PyTorch); ``requires_grad_(False)`` there raises."""
        if not self.is_leaf:
            if requires_grad:
                return self
            raise ValueError("requires_grad_: only a leaf's flag can change (use detach() first)")
        if requires_grad and self._data.dtype.kind not in "fc":
            raise _arguments.GradDtypeError(
                f"requires_grad_: only floating-point tensors can, this one is {self.dtype}"
            )
        if requires_grad and not self.requires_grad:
            self._data = self._own = _own_array(self)  # (a detached result's array: a view, see _own_array)
        self.requires_grad = requires_grad
        return self

    # ------------------------------------------------------------------ arithmetic
    __add__, __radd__ = _operators("add")
    __sub__, __rsub__ = _operators("sub")
    __mul__, __rmul__ = _operators("mul")
    __truediv__, __rtruediv__ = _operators("div")
    __matmul__, __rmatmul__ = _operators("matmul")

    def __neg__(self) -> Tensor:
        return _apply("neg", (self,))

    def __pow__(self, exponent: Any) -> Tensor:
        """``x ** p``: the ``pow`` kernel for a constant p (a number or an array); a p requiring
        a gradient goes through exp(p * log(x)) where x > 0, and elsewhere through the kernel
        with p's values ((-2) ** 3 = -8), where p's gradient is PyTorch's g x ** p log x: NaN
        where x < 0 (log x has no real value), 0 at x = 0 for p >= 0, -inf there for p < 0.
        Integers to integer powers stay integers, as in PyTorch."""
        if isinstance(exponent, Tensor) and exponent.dtype != self.dtype:  # PyTorch's promotion, as for x * y
            dtype = _promoted_dtype(self._data, exponent._data)
            if dtype.kind in "biu":
                return Tensor(_integer_power(self._data.astype(dtype), exponent._data.astype(dtype)))
            base = self.to(dtype) if self.dtype.kind in "fc" else Tensor(self._data.astype(dtype))
            return base ** (exponent if exponent.dtype == dtype else exponent.to(dtype))
        if _float_array_widens(exponent, self):  # (a float16 x ** a float64 array was float16 until 2026-12-05)
            dtype = _promoted_dtype(self._data, exponent)
            return self.to(dtype) ** exponent.astype(dtype)
        if self._data.dtype.kind in "biu":  # (an exponent Tensor has this dtype here)
            if type(exponent) is int:  # (2**40 for int32: NumPy's OverflowError, not naming the op)
                check_setting("pow", "exponent", exponent, self._data.dtype)
            power = exponent._data if isinstance(exponent, Tensor) else _constant(exponent, self._data)
            if power.dtype.kind in "biu":  # a number: bool ** 3 is int64, int32 ** 2 int32
                if power.dtype.kind == self._data.dtype.kind == "b":  # bool ** True: itself, ** False: True (not int8)
                    return Tensor(np.logical_or(self._data, ~power))
                if isinstance(exponent, (Tensor, np.ndarray)):  # (a negative number is refused, as by PyTorch)
                    # an array as a tensor of its dtype (int8 ** an int32 array is int32; it was refused,
                    # "truth value of an array is ambiguous", until 2026-12-05)
                    dtype = _promoted_dtype(self._data, power)
                    return Tensor(_integer_power(self._data.astype(dtype, copy=False), power.astype(dtype, copy=False)))
                if power < 0:
                    raise _arguments.ShapeRuntimeError(
                        f"pow: integers to negative integer powers are not allowed (a {self._data.dtype} tensor "
                        f"to the power {exponent}; convert it with .float() first)"
                    )
                return Tensor(np.power(self._data, power))
            # a float number: the default dtype; a float array its own, as in x * array (an int tensor ** a
            # float64 or float16 array was float32 until 2026-12-05)
            dtype = _promoted_dtype(self._data, power)
            return Tensor(self._data.astype(dtype if dtype.kind in "fc" else get_default_dtype())) ** exponent
        if isinstance(exponent, Tensor):
            if exponent.requires_grad and is_grad_enabled():
                if self.dtype is _HALF:  # in float32, rounded once: in float16 the gradient g y p / x overflowed
                    single = np.dtype(np.float32)  # at g y p (9 ** 4.5's gradient in the base was inf, 9841)
                    wide = _apply("cast", (self,), {"dtype": single}) ** _apply("cast", (exponent,), {"dtype": single})
                    return _apply("cast", (wide,), {"dtype": _HALF})
                if self._data.dtype.kind == "c":  # (of complex numbers: log's principal branch)
                    return _exp_as_power(exponent * log(self), self._data, exponent._data)
                positive = self._data > 0
                with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
                    value = np.power(self._data, exponent._data)
                # where x ** p is infinite (x = inf, or overflow) x's slope p x ** p / x was inf / inf
                # = NaN or inf: there it is the kernel's p x ** (p - 1) (PyTorch's), p's x ** p log x
                infinite = np.isinf(value)
                if positive.all() and not infinite.any():
                    return _exp_as_power(exponent * log(self), self._data, exponent._data, value)
                regular = positive & ~infinite  # (the broadcast shape)
                ones = _apply("where", (self, 1.0), {"condition": regular})
                smooth = _exp_as_power(exponent * log(ones), ones._data, exponent._data)
                rest = _apply("where", (self, 1.0), {"condition": ~regular}) ** exponent._data
                # p's slope there, PyTorch's y log x: NaN where x < 0, 0 at x = 0 for p >= 0
                slope = _log_of_nonpositive(self._data, exponent._data, regular)
                rest = rest * _exp_as_power(exponent * slope, np.ones((), self.dtype), np.zeros_like(slope))
                return _apply("where", (smooth, rest), {"condition": regular})
            exponent = exponent._data
        elif type(exponent) is complex or isinstance(exponent, np.complexfloating):
            # the principal power exp(p log x), in x's complex counterpart (the kernel's constant is real)
            z = self.to(_constant(1j, self._data).dtype)
            return _exp_as_power(log(z) * exponent, z._data, np.asarray(exponent, z.dtype))
        base = self
        kind = type(exponent)
        if kind is not float and kind is not int and np.ndim(exponent):  # (a Python number is 0-d: not asked)
            shape = np.broadcast_shapes(np.shape(exponent), self.shape)
            if shape != self.shape:  # the kernel takes an exponent that fits the base: grow the base
                base = self + np.full(shape, -0.0, dtype=self.dtype)  # (-0.0: x + -0.0 is x, -0.0 kept)
        elif self._data.dtype is _HALF or (kind is int and not -(2**63) <= exponent < 2**63):
            # a number exponent as PyTorch takes it: into float16 for float16 (70000.0 was inf), a Python
            # int within int64 (2**200 was 1.6e60)
            check_setting("pow", "exponent", exponent, self._data.dtype if self._data.dtype is _HALF else _DOUBLE)
        return _apply("pow", (base,), {"exponent": exponent})

    def __rpow__(self, base: Any) -> Tensor:
        """``b ** x`` for a constant b: exp(x * log b) where b > 0. Where b <= 0 the power has
        no real derivative in x: its values (NumPy's, e.g. 0 ** 0 = 1, (-2) ** 2 = 4) come with
        PyTorch's gradient g b ** x log b: NaN for b < 0, 0 for b = 0 and x >= 0, -inf g for
        b = 0 and x < 0."""
        if self._data.dtype.kind in "biu":  # an integer tensor: integers stay integers (2 ** n)
            if np.asarray(base).dtype.kind in "biu":  # (modulo 2**bits: (-2) ** 3 is 248 in uint8, as in PyTorch)
                # in the dtype PyTorch's promotion gives both (an int32 array ** a 0-d int64 tensor is
                # int32, as int32 * it is; NumPy 2's np.power made it int64 until 2026-12-05)
                b = _wrapping(base, self._data)
                dtype = _promoted_dtype(b, self._data)
                return Tensor(_integer_power(b.astype(dtype, copy=False), self._data.astype(dtype, copy=False)))
            # a float number: the default dtype; a float array its own (a float16 array ** an int tensor was float32)
            dtype = _promoted_dtype(_constant(base, self._data), self._data)
            return base ** Tensor(self._data.astype(dtype if dtype.kind in "fc" else get_default_dtype()))
        if _float_array_widens(base, self):  # (a float16 array ** a 0-d float32 x was float32 until 2026-12-05)
            dtype = _promoted_dtype(base, self._data)
            return self.to(dtype).__rpow__(base.astype(dtype))
        number = (
            base if isinstance(base, (int, float, np.integer, np.floating)) and not isinstance(base, bool) else None
        )
        base = _constant(base, self._data)
        if base.dtype.kind == "f" and base.dtype.itemsize < self._data.real.dtype.itemsize:
            # a narrower float array (float16 ** a float32 x) read in x's precision, exactly, as PyTorch
            # promotes it: its slope log b was taken in float16 (1.3e-4 off) until 2026-12-05
            base = base.astype(self._data.real.dtype)
        if self._data.dtype.kind == "c" and np.any(base.real < 0):
            # a negative b of a complex x: log b = log|b| + i pi, as PyTorch takes it (a negative
            # number's slope was NaN until 2026-12-05)
            base, number = base.astype(self._data.dtype), None
        # (2.5e-8 is 0 in float16: a slope still)
        positive = (base != 0 if base.dtype.kind == "c" else base > 0) if number is None else number > 0
        if np.all(positive):
            # The slope log b is that of the number as given, rounded once, as PyTorch takes it; the
            # value's b is rounded to the dtype first, as in PyTorch (1.1 ** x16: the slope log 1.1,
            # not log 1.0996; 70000.0 ** x16: log 70000 = 11.16, not log inf)
            slope = np.log(base) if number is None else np.log(np.float64(number))
            if self._data.dtype.kind == "c":  # exp(x log b) in complex128: NumPy's complex64 power of 2.0**40
                # to the -7 multiplied out 2**280, overflowed, and gave nan+nanj for 2**-280, which is 0
                value = np.exp(self._data.astype(_CDOUBLE) * slope)
                return _exp_as_power(self * slope, base, self._data, value)
            return _exp_as_power(self * slope, base, self._data)
        one = np.ones((), base.dtype)  # (a Python 1 made NumPy 1.26 give a 0-d float16 or float32 x float64)
        ones = np.where(positive, base, one)  # 1 where b <= 0
        # the slope where b <= 0 is PyTorch's b ** x log b: NaN for b < 0, 0 at b = 0 for x >= 0
        slope = np.where(positive, np.log(ones), _log_of_nonpositive(base, self._data, positive))
        power = _exp_as_power(self * slope, ones, self._data)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            return power * np.where(positive, one, np.power(base, self._data))

    # ------------------------------------------------------------------ comparisons (no gradient)
    __lt__ = _comparison(operator.lt)
    __le__ = _comparison(operator.le)
    __gt__ = _comparison(operator.gt)
    __ge__ = _comparison(operator.ge)
    __eq__ = _comparison(operator.eq)
    __ne__ = _comparison(operator.ne)
    __hash__ = object.__hash__

    # ------------------------------------------------------------------ shape and indexing
    def __getitem__(self, index: Any) -> Tensor:
        return _apply("index", (self,), {"index": _element_view(_index_arg(index, self._data.shape), self._data.ndim)})

    def __len__(self) -> int:
        return len(self._data)

    # The kernel table's ops as methods: ``x.exp()``, ``x.sum(axis=0)``, ``x.maximum(y)``, ...
    exp = exp
    log = log
    sqrt = sqrt
    abs = abs
    sin = sin
    cos = cos
    tanh = tanh
    sigmoid = sigmoid
    relu = relu
    softplus = softplus
    gelu = gelu
    log1p = log1p
    log2 = log2
    log10 = log10
    expm1 = expm1
    erf = erf
    erfc = erfc
    asin = asin
    acos = acos
    atan = atan
    square = square
    rsqrt = rsqrt
    reciprocal = reciprocal
    leaky_relu = leaky_relu
    matmul = matmul
    outer = outer
    maximum = maximum
    minimum = minimum
    __abs__ = abs  # noqa: A003 - abs(t) calls the abs op

    # ------------------------------------------------------------------ conversions
    def item(self) -> Any:
        """The single element as a Python number.

        Raises:
            ShapeRuntimeError: the tensor has more elements or none (PyTorch's ``RuntimeError``;
                a ``ValueError`` too, NumPy's, which it was until 2026-12-04).
        """
        if CAPTURE:  # (a replay capturing a step)
            _looked_at(self, "item()")
        try:
            return self._data.item()
        except ValueError:
            raise _arguments.ShapeRuntimeError(
                f"item: a tensor of shape {self._data.shape} has {self._data.size} elements; item() converts a "
                "one-element tensor to a number (for a loss, reduce it first: loss.sum().item() or loss.mean().item(); "
                "for values, tolist())"
            ) from None

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The values (the array itself, not a copy). ``force`` is PyTorch's keyword (a copy off
        the GPU, conjugation or negation resolved); a MyTorch Tensor has nothing to resolve."""
        if CAPTURE:  # (a replay capturing a step)
            _array_looked_at(self, "numpy()")
        return self._data if self._tape is None else _handed_out(self)

    def tolist(self) -> Any:
        """The values as nested lists."""
        if CAPTURE:
            _looked_at(self, "tolist()")
        return self._data.tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if CAPTURE:
            _array_looked_at(self, "numpy.asarray()")
        data = self._data if self._tape is None else _handed_out(self)
        return data if dtype is None else data.astype(dtype, copy=False)

    def __float__(self) -> float:
        if CAPTURE:
            _looked_at(self, "float()")
        return float(self._data.item())

    def __int__(self) -> int:
        if CAPTURE:
            _looked_at(self, "int()")
        return int(self._data.item())

    def __index__(self) -> int:
        """A 0-d integer or bool tensor as a Python int, where Python asks for an index
        (``names[t.argmax()]``, ``range(n)``, a slice bound), as PyTorch's.

        Raises:
            TypeError: a float tensor, or one of more dimensions (PyTorch takes any single element;
                NumPy would then read a (1,) tensor as one integer, not as an array of indices).
        """
        if self._data.ndim or self._data.dtype.kind not in "biu":
            raise TypeError(
                f"only 0-d integer tensors can be used as an index, got a {self._data.dtype} tensor of shape "
                f"{self._data.shape} (t.item() gives its number)"
            )
        if CAPTURE:
            _looked_at(self, "an index (operator.index)")
        return int(self._data)

    def __bool__(self) -> bool:
        if CAPTURE:
            _looked_at(self, "bool(), an if or a comparison's truth")
        try:
            return bool(self._data)
        except ValueError:  # (NumPy's, for more than one element or none: PyTorch's is a RuntimeError)
            raise _arguments.ShapeRuntimeError(
                f"Boolean value of Tensor with {'no values' if self._data.size == 0 else 'more than one value'} is "
                f"ambiguous (shape {self._data.shape}): use .any() or .all()"
            ) from None

    def __repr__(self) -> str:
        return _printing.tensor_text(self)


def _check_requires_grad(data: Any, requires_grad: Any) -> None:
    """Refuse an integer ``requires_grad``: ``Tensor(5, 3)``, PyTorch's legacy ``torch.Tensor(*sizes)``,
    read as a scalar 5 that requires grad, is a silently wrong tensor.

    Raises:
        TypeError: ``requires_grad`` is a number other than a bool.
    """
    if isinstance(requires_grad, (int, float, np.integer, np.floating)):
        raise TypeError(
            f"Tensor({data!r}, {requires_grad!r}): requires_grad must be True or False. PyTorch's torch.Tensor(*sizes) "
            f"makes an uninitialized float tensor of that size: write mytorch.empty({data!r}, {requires_grad!r}) or "
            "mytorch.zeros(...); mytorch.tensor(data) makes a tensor of data"
        )


_COPIED = tuple(name for name in Tensor.__slots__ if name not in ("_hooks", "__weakref__"))
"""The attributes a shallow copy of a Tensor takes (``Tensor.__copy__``)."""
_PICKLED = tuple(name for name in _COPIED if name not in ("_base", "_views"))
"""The attributes a pickled or deep copy takes (``Tensor.__getstate__``): no links to views."""


from mytorch import backward_graph as _backward_graph  # noqa: E402
from mytorch import printing as _printing  # noqa: E402
from mytorch import tensor_numpy as _numpy_protocol  # noqa: E402 - it builds on the Tensor above
from mytorch import tensor_views as _tensor_views  # noqa: E402 - in-place changes of views (records on the Tensor)
from mytorch.memory_copy import deepcopy_array  # noqa: E402
from mytorch.tensor_graph import _LEAF_HOOKS, leaf_gradient, post_hooks  # noqa: E402 - hooks (register_hook) build on the Tensor
from mytorch.tensor_vjps import BY_A_NUMBER as _BY_A_NUMBER  # noqa: E402 - (as CHOOSERS)
from mytorch.tensor_vjps import CHOOSERS as _SPECIAL  # noqa: E402 - it builds on the modules' VJPs

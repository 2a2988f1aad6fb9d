"""Values saved for backward, kept honest: version counters, read-only locks, snapshots.

A backward rule reads some of its operation's inputs or its output (``mul``'s reads the other
factor, ``sigmoid``'s its output). If such an array changes between the forward and the
backward, the gradient is silently wrong. Three guards catch it:

* **Version counters.** Every piece of memory some live graph has saved has a *storage
  record*, keyed by ``id()`` of its root array (the one owning the memory; views share their
  root's counter, as PyTorch's views share their base's): the root, how many saves hold it,
  a version that every in-place ``Tensor`` operation on that memory bumps, and the arrays
  locked for it. A graph notes, for each array an operation's backward reads, the version
  it saw (its ``VersionCheck``), and ``backward`` raises ``RuntimeError`` naming the
  operation and the array's shape when a version moved.
* **Read-only locks.** A saved array (and its root) that is writeable is made read-only for
  the life of the graph, so writes around the ``Tensor`` API (``x.numpy()[...] = 0``, a NumPy
  view taken of it afterwards) raise at the write. The in-place ``Tensor`` operations lift
  the lock for their own write and bump the version instead. Locks are released when the
  graph is released (``backward`` without ``retain_graph``) or garbage-collected; an array
  the user made read-only is never made writeable.
* **Snapshots** (``Snapshot``, under ``detect_anomaly`` only): a copy of every recorded array,
  compared at ``backward``; this also catches writes through a view taken before the
  operation was recorded, which neither guard above can see.

What this costs a recorded operation is small and holds no object for the garbage collector
to walk: a storage record is a plain tuple of arrays and numbers (replaced, never changed in
place), a graph's holds are keys (numbers), and its version checks one flat list. On a
million-operation tape the collector then sees about one object per operation (the
``Operation`` itself).
"""

from __future__ import annotations

import struct
from array import array as _numbers
from collections.abc import Callable, MutableSequence, Sequence
from typing import Any

import numpy as np

__all__ = [
    "OUTPUT",
    "Snapshot",
    "VersionCheck",
    "is_held",
    "locked_by_graph",
    "release",
    "save",
    "write_begin",
    "write_end",
]

OUTPUT = -1
"""In a kernel's ``reads`` declaration and a ``VersionCheck``: the operation's output."""

PARAMETER = -2
"""In a ``VersionCheck``: an array among the operation's keyword parameters (an index, a mask,
class labels, an exponent), which its backward reads without differentiating it."""

Record = tuple[np.ndarray, int, int, "tuple[np.ndarray, ...] | None"]
"""A storage record: ``(root, saves, version, locked)``: the array owning the memory (kept
alive, so its ``id`` stays its own), how many saves by live graphs hold it (at 0 it is
forgotten and unlocked), its version, and the arrays whose ``writeable`` flag this module
turned off for it (None: the root alone, the common case, without a tuple to make)."""

_STORAGES: dict[int, Record] = {}  # id(root) -> its record, while some live graph holds the memory
_BUMPS = 0  # how many versions ``write_begin`` has bumped so far (a VersionCheck that saw none passes at once)


# ``array.setflags(write=...)``, called positionally: NumPy parses the keyword at a cost of
# about 70 ns a call, and its type stubs declare the argument keyword-only. The unbound method
# is called with the array (``_setflags(array, False)``): about 45 ns a call less than an
# ``operator.methodcaller``, which looks the method up on every call.
_setflags: Callable[[np.ndarray, bool], None] = np.ndarray.setflags  # type: ignore[assignment]


def _root(array: np.ndarray) -> np.ndarray:
    base = array.base
    while isinstance(base, np.ndarray):
        array, base = base, base.base
    return array


def _depth(array: np.ndarray) -> int:
    """How many arrays ``array`` is a view of (a base is unlocked before its views)."""
    depth = 0
    base = array.base
    while isinstance(base, np.ndarray):
        depth, base = depth + 1, base.base
    return depth


def _unlock(arrays: Sequence[np.ndarray]) -> None:
    if len(arrays) > 1:
        arrays = sorted(arrays, key=_depth)  # a view cannot be writeable while its base is not
    for array in arrays:
        try:
            _setflags(array, True)
        except ValueError:  # its base was made read-only by its owner meanwhile: leave it so
            pass


def _locked(record: Record) -> tuple[np.ndarray, ...]:
    """The arrays ``record`` locked, as a tuple."""
    locked = record[3]
    return (record[0],) if locked is None else locked


def save(array: np.ndarray, held: MutableSequence[int]) -> int | None:
    """Register that a live graph reads ``array`` in backward; lock it (and its root) read-only.

    Args:
        array: the saved array.
        held: the graph's holds (keys), released together by ``release``: a list, or an
            ``array.array`` of integers (which the garbage collector never walks).

    Returns:
        The key of the array's memory (``id`` of its root), or None for memory nobody can
        write (a read-only root that no graph locked, such as a cached constant).
    """
    root = array if array.base is None else _root(array)
    key = id(root)
    record = _STORAGES.get(key)
    root_writeable = root.flags.writeable
    if record is None and root is array:  # the common case: new memory, an array owning it
        if not root_writeable:
            return None
        _setflags(array, False)
        _STORAGES[key] = (root, 1, 0, None)
        held.append(key)
        return key
    locked: tuple[np.ndarray, ...]
    if record is None:
        if not root_writeable:
            return None
        saves, version, locked = 1, 0, ()
    else:
        _, saves, version, _ = record
        locked = _locked(record)
        saves += 1
    if root_writeable if root is array else array.flags.writeable:
        _setflags(array, False)
        locked += (array,)
    if root is not array and root_writeable:
        _setflags(root, False)
        locked += (root,)
    _STORAGES[key] = (root, saves, version, locked)
    held.append(key)
    return key


def version_of(key: int) -> int:
    """The current version of the memory ``save`` returned ``key`` for (0 once forgotten)."""
    record = _STORAGES.get(key)
    return 0 if record is None else record[2]


def adopt_view(view: np.ndarray) -> None:
    """A read-only view made of a locked array (by a view operation) is unlocked with it."""
    key = id(_root(view))
    record = _STORAGES.get(key)
    if record is not None and not view.flags.writeable:
        root, saves, version, _ = record
        _STORAGES[key] = (root, saves, version, (*_locked(record), view))


def release(held: MutableSequence[int]) -> None:
    """Drop a graph's holds; memory no live graph holds any more is unlocked and forgotten."""
    forget = _STORAGES.pop
    for key in held:
        record = forget(key, None)
        if record is None:
            continue
        root, saves, version, locked = record
        if saves > 1:
            _STORAGES[key] = (root, saves - 1, version, locked)
        else:
            if locked is None:  # (the common case, without _unlock's call and sort)
                try:
                    _setflags(root, True)
                except ValueError:  # its base was made read-only by its owner meanwhile: leave it so
                    pass
            else:
                _unlock(locked)
    del held[:]
    if not _STORAGES:
        _STORAGES.clear()  # an emptied dict keeps its table; clear() frees it


def is_held(array: np.ndarray) -> bool:
    """Whether some live graph has saved part of ``array``'s memory. When not, and ``array`` is
    writeable, an in-place write needs neither ``write_begin`` nor ``write_end`` (there is no
    version to bump and no lock to lift): the callers try the write first and take the
    guarded path only if it is refused or the memory is held."""
    return bool(_STORAGES) and id(array if array.base is None else _root(array)) in _STORAGES


def write_begin(array: np.ndarray, what: str) -> list[np.ndarray]:
    """Before an in-place ``Tensor`` write into ``array``: bump its memory's version and lift
    the locks on it. Returns the lifted arrays, for ``write_end``.

    Raises:
        RuntimeError: ``array`` is read-only and no graph locked it (the user's read-only
            array, or a view taken while a graph had it locked).
    """
    global _BUMPS
    key = id(_root(array))
    record = _STORAGES.get(key)
    lifted: list[np.ndarray] = []
    if record is not None:
        root, saves, version, locked = record
        _STORAGES[key] = (root, saves, version + 1, locked)
        _BUMPS += 1
        if not array.flags.writeable:
            lifted = sorted(_locked(record), key=_depth)
            for array_locked in lifted:
                _setflags(array_locked, True)
    if not array.flags.writeable:
        write_end(lifted)
        raise RuntimeError(
            f"{what}: the tensor's array (shape {array.shape}) is read-only; it is a read-only NumPy "
            "array, or a view taken of one while a graph had it locked. Write into a copy "
            "(t = t.clone()) or make the array writeable yourself"
        )
    return lifted


def write_end(lifted: list[np.ndarray]) -> None:
    """After an in-place write: lock again what ``write_begin`` lifted (views first)."""
    for array in reversed(lifted):
        _setflags(array, False)


_OUTPUT_ONLY = (OUTPUT,)
_UNSAVED: Any = object()  # (a key ``saved`` does not hold: None means "nothing to save")
_entry = struct.Struct("4q").pack  # (a VersionCheck entry: four native 64-bit integers)
_KERNELS_OWN = frozenset(("out", "log_probs", "diff"))
"""Keyword parameters holding a kernel's own arrays (its output; ``Kernel.caches``), not saved."""


class VersionCheck:
    """The guard of one graph's operations: the versions of the memory their backward rules
    read, as recorded. ``Autograd.backward`` calls it (``op.guard``) before each operation's
    rule runs; it raises if one of that operation's reads moved.

    One per graph, shared by all its operations, with its entries packed in one flat buffer of
    64-bit integers (a ``bytearray``: a long tape gives the garbage collector nothing to walk per
    read, and packing four numbers with ``struct`` costs half of an integer ``array``'s
    ``extend``, which converts each number on its own). While no in-place write has bumped
    any version since the check began (the common case: a training loop writes its
    parameters after the graph is released), checking an operation is one comparison.

    Attributes:
        entries: four numbers per saved read (native 64-bit integers): the key of the memory (``save``'s), its
            version when recorded, what the backward reads from it (an input index or
            ``OUTPUT``), and ``id()`` of the operation (alive on the tape as long as its guard).
        pending: plain entries of a Tensor tape whose entries are not written yet, two items
            each: the entry and its ``which``, every read of memory its array owns at version 0,
            saved by this graph. Their entries are those
            four numbers, so they are written only if the entries become operations (``adopt``: a
            reader of ``operation_list``, or a backward once some version moved), not per read.
        since: the number of version bumps anywhere when the check began.
    """

    __slots__ = ("entries", "pending", "since", "_index", "_decoded")

    def __init__(self) -> None:
        self.entries = bytearray()
        self.pending: list[Any] = []
        self.since = _BUMPS
        # Made when a version first moved: most checks never read their entries (a graph of
        # a training step is made and released each step, so this runs once a step).
        self._index: dict[int, list[int]] | None = None  # id(op) -> its entries' offsets
        self._decoded: _numbers[int] | None = None  # the entries indexed so far, as integers (extended, never re-read)

    def watch(self, op: Any, which: Sequence[int], saved: dict[int, int | None], held: MutableSequence[int]) -> None:
        """Save the arrays ``op``'s backward reads (``which``: input indices, ``OUTPUT``) and note
        their current versions for it; this check then becomes ``op``'s guard (after its
        ``detect_anomaly`` snapshot, if any). Memory nobody can write, such as a cached
        constant, needs no check.

        A Tensor tape's plain entry (``mytorch.tensor.Tape``) whose reads are all saved, of memory
        its array owns, at version 0 (the common case) is noted in ``pending`` instead, and its
        entries are written when the tape's entries become operations (``adopt``): the same
        entries, in the same order for each operation.

        Args:
            op: the recorded operation (its ``inputs`` and ``output``).
            which: what its backward reads.
            saved: the graph's ``{id(array): key, or None}``: an array the graph saved already
                is not saved again (its lock and its hold last as long as the graph); only its
                version is noted for ``op``.
            held: the graph's holds, for ``save``.
        """
        if type(op) is tuple:  # (no guard to set)
            inputs, output = op[0], op[1]
            explicit = False  # (while every read so far is pending: see ``pending``)
        else:
            inputs, output = op.inputs, op.output
            explicit = True
        noted = False
        for j in which:
            array = inputs[j] if j != OUTPUT else output
            at = id(array)
            key = saved.get(at, _UNSAVED)
            if key is _UNSAVED:
                if array.base is None and at not in _STORAGES and array.flags.writeable:
                    # (``save``'s common case written out: new memory, owned by the array, at version 0)
                    _setflags(array, False)
                    _STORAGES[at] = (array, 1, 0, None)
                    held.append(at)
                    saved[at] = at
                    if explicit:
                        self.entries += _entry(at, 0, j, id(op))
                        noted = True
                    continue
                key = saved[at] = save(array, held)
            if key is not None:  # (held by this graph: its record stays until the graph is released)
                version = _STORAGES[key][2]
                if explicit or key != at or version:
                    if not explicit:  # the reads before it are written first, in their order
                        self._note(op, which[: which.index(j)])
                        explicit = True
                    self.entries += _entry(key, version, j, id(op))
                    noted = True
            elif not explicit:  # (not saved: noted by no entry)
                self._note(op, which[: which.index(j)])
                explicit = True
        if not explicit:
            self.pending += (op, which)
        elif noted and type(op) is not tuple:
            if op.guard is None:
                op.guard = self
            else:  # a detect_anomaly Snapshot runs first
                op.guard.then = self

    def watch_new_output(self, entry: Any, saved: dict[int, int | None], held: MutableSequence[int]) -> None:
        """``watch(entry, (OUTPUT,), saved, held)`` for a plain entry whose output is new memory for
        certain (a NumPy operator's or ufunc's result: owned by the array, writeable, saved by no
        graph, since a storage record keeps its root alive), without testing it."""
        output = entry[1]
        at = id(output)
        _setflags(output, False)
        _STORAGES[at] = (output, 1, 0, None)
        held.append(at)
        saved[at] = at
        self.pending += (entry, _OUTPUT_ONLY)

    def _note(self, entry: Any, which: Sequence[int], noted_as: Any = None) -> None:
        """Write the entries of a plain entry's reads ``which``, each of memory its array owns, at
        version 0 (``watch``), for ``noted_as`` (default ``entry``)."""
        inputs, output = entry[0], entry[1]
        owner = id(entry if noted_as is None else noted_as)
        for j in which:
            self.entries += _entry(id(inputs[j] if j != OUTPUT else output), 0, j, owner)

    def watch_parameters(
        self, op: Any, params: dict[str, Any], saved: dict[int, int | None], held: MutableSequence[int]
    ) -> None:
        """Save the arrays among ``op``'s keyword parameters (and in its tuples and lists of
        them: an index per axis), as ``watch`` saves its inputs: an index, a mask, labels or an
        exponent that a Tensor handed to the operation (``w.gather(1, idx)``, ``x[mask]``,
        ``nll_loss(x, y)``, ``values, idx = w.topk(k)``, ``w ** p``) is read again by the
        backward, so a write into it before the backward (``idx.fill_(0)``, ``p.mul_(2)``) would
        move the gradient, silently. The values a kernel keeps for its own backward (``out``, and
        the caches ``log_probs`` and ``diff``: ``Kernel.caches``) are its own memory, passed over."""
        noted = False
        pending = self.pending
        for name, value in params.items():
            if name in _KERNELS_OWN:
                continue
            items = value if type(value) is tuple or type(value) is list else (value,)
            for array in items:
                if type(array) is not np.ndarray:
                    continue
                at = id(array)
                key = saved.get(at, _UNSAVED)
                if key is _UNSAVED:
                    key = saved[at] = save(array, held)
                if key is not None:
                    if pending and pending[-2] is op:  # its reads' entries come first, as ``watch`` writes them
                        self._note(op, pending[-1])
                        del pending[-2:]
                    self.entries += _entry(key, _STORAGES[key][2], PARAMETER, id(op))
                    noted = True
        if noted and type(op) is not tuple:  # (a Tensor tape's plain entry has no guard to set: see ``watch``)
            if op.guard is None:
                op.guard = self
            elif op.guard is not self and getattr(op.guard, "then", self) is None:
                op.guard.then = self

    def adopt(self, made: dict[int, Any]) -> None:
        """The plain entries of a Tensor tape became ``Operation``s (``made``: ``{id(entry): its
        operation}``, the entries alive meanwhile): their saved reads are keyed by the operations
        from now on, and each operation with a saved read gets this check as its guard. The entries
        of the reads in ``pending`` are written now, for their operations (``watch``)."""
        if self.entries:
            with memoryview(self.entries) as raw, raw.cast("q") as numbers:  # (rewritten in place)
                for k in range(3, len(numbers), 4):
                    op = made.get(numbers[k])
                    if op is not None:
                        numbers[k] = id(op)
                        if op.guard is None:
                            op.guard = self
            self._index = self._decoded = None
        pending = self.pending
        if pending:
            self.pending = []
            for k in range(0, len(pending), 2):
                entry = pending[k]
                op = made.get(id(entry))
                if op is not None:
                    self._note(entry, pending[k + 1], op)
                    if op.guard is None:
                        op.guard = self

    def absorb(self, other: VersionCheck) -> None:
        """Take over ``other``'s entries (two graphs merged: one check guards both); it began no
        later than either."""
        self.entries += other.entries
        self.pending += other.pending
        self.since = min(self.since, other.since)
        self._index = self._decoded = None
        other.clear()

    def clear(self) -> None:
        """Forget every entry (the graph was released)."""
        self.entries = bytearray()
        self.pending = []
        self._index = self._decoded = None

    def __call__(self, engine: Any, op: Any) -> None:
        """Raise a RuntimeError naming the array if one that ``op``'s backward reads was changed in place."""
        if _BUMPS == self.since:
            return
        index, entries = self._index, self._decoded
        if index is None or entries is None:
            index, entries = self._index, self._decoded = {}, _numbers("q")
        done = len(entries)
        if done * 8 < len(self.entries):  # decode only the entries recorded since the last call: a
            entries.frombytes(self.entries[done * 8 :])  # copy of them all per operation was quadratic
            for k in range(done, len(entries), 4):
                index.setdefault(entries[k + 3], []).append(k)
        for k in index.get(id(op), ()):
            key, version, which = entries[k], entries[k + 1], entries[k + 2]
            now = version_of(key)
            if now != version:
                if which == PARAMETER:
                    what, array = _parameter(op, key)
                else:
                    array = op.output if which == OUTPUT else op.inputs[which]
                    what = "output" if which == OUTPUT else f"input {which}"
                raise RuntimeError(
                    f"backward: one of the arrays needed to differentiate operation "
                    f"{engine._position(op)} ({op.describe()}) was modified by an in-place "
                    f"operation: its {what}, of shape {array.shape}, is at version "
                    f"{now}; expected version {version}. Use an out-of-place "
                    "operation (y = y * 0.5 instead of y *= 0.5) or change a .clone()"
                )


def _parameter(op: Any, key: int) -> tuple[str, np.ndarray]:
    """The name (``'index'``) and the array of ``op``'s keyword parameter in the memory ``key``."""
    for name, value in (op.params or {}).items():
        for array in value if type(value) is tuple or type(value) is list else (value,):
            if type(array) is np.ndarray and id(_root(array)) == key:
                return f"parameter {name!r} ({_READ_AS_IS})", array
    return f"parameter ({_READ_AS_IS})", _STORAGES[key][0]


_READ_AS_IS = "an index, a mask, labels or an exponent it reads, not differentiated"


class Snapshot:
    """Under ``detect_anomaly``: copies of the arrays an operation's backward reads, compared
    at ``backward`` (all its arrays when its kernel does not declare what it reads)."""

    __slots__ = ("copies", "then")

    def __init__(self, op: Any, which: Sequence[int]) -> None:
        self.copies = [(i, (op.output if i == OUTPUT else op.inputs[i]).copy()) for i in which]
        self.then: Callable | None = None  # another guard to run after this one (a VersionCheck)

    def __call__(self, engine: Any, op: Any) -> None:
        """Raise a RuntimeError naming the array if one that ``op``'s backward reads differs from its
        copy; then run the next guard, if any."""
        for which, then in self.copies:
            now = op.output if which == OUTPUT else op.inputs[which]
            if not np.array_equal(now, then, equal_nan=now.dtype.kind in "fc"):
                what = "output" if which == OUTPUT else f"input {which}"
                raise RuntimeError(
                    f"detect_anomaly: operation {engine._position(op)} ({op.describe()}): its {what}, "
                    f"of shape {now.shape}, changed between the forward and the backward (an in-place "
                    "write into a recorded array that its backward reads); compute into a new array instead"
                )
        if self.then is not None:
            self.then(engine, op)


def locked_by_graph(array: np.ndarray) -> bool:
    """Whether ``array`` is read-only because a live graph locked it (``save``), not by its owner."""
    record = _STORAGES.get(id(_root(array))) if _STORAGES else None
    return record is not None and any(a is array for a in _locked(record))

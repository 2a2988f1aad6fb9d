"""Recorded in-place changes of tensors that share memory: a view family's history rebased.

A view (basic indexing, ``narrow``, ``select``, ``transpose``, ``reshape``/``view`` without a copy,
``unsqueeze``, ...) shares the memory of the tensor it was made from, its *root* (a view of a view
has the first tensor as its root). A recorded in-place change of any member of such a family
changes the values of all of them, and, as in PyTorch (its ``CopySlices``), their histories follow:

* the root's new value is recorded as ``setitem(old root, value, where)``, ``where`` being the
  changed elements' positions in the root (``mytorch.view_positions``): the untouched elements'
  gradients go to the root's earlier history, the changed ones' to the change's operands;
* every live view that takes part in the graph (and the changed view itself) becomes
  ``index(new root, its positions)``: a later use of any member differentiates through the change.

A view of a leaf that requires grad cannot be changed in place while recording (PyTorch refuses
it too), nor, with grad mode on, a view made under ``no_grad`` of a tensor that requires grad;
a family whose members cannot all be found in the root's memory (a view of another dtype,
``view_as_real``) or a view whose elements overlap (``expand``) is refused before anything is written.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np

from mytorch.nn import functional as F
from mytorch.op_names import named
from mytorch.saved import adopt_view
from mytorch.tensor import Tensor, _attach
from mytorch.tensor_graph import _RETAINED
from mytorch.tensor_graph import retained_in_place as _retained_in_place
from mytorch.view_positions import extent, meets, overlaps, positions

__all__ = [
    "CUSTOM",
    "MARKED",
    "Rebase",
    "check_view_write",
    "inherit_mark",
    "mark",
    "mark_together",
    "plan",
    "record_write",
]

_SETITEM = F.KERNELS["setitem"]
_INDEX = F.KERNELS["index"]

Rebase = tuple[Tensor, "tuple[np.ndarray, ...] | None", list[tuple[Tensor, "tuple[np.ndarray, ...]"]]]
"""What ``record_write`` needs: the root, the changed tensor's positions in it (None: the changed
tensor is the root), and the members to record anew with their positions."""


CUSTOM = "a custom Function"
"""``mark``'s maker for a view a user's ``autograd.Function`` returned."""

MARKED: dict[int, tuple[weakref.ref[Tensor], str]] = {}
"""The live views PyTorch forbids changing in place while recording, by ``id``, with what made them:
the node name of a function returning several views together (``SplitBackward0`` for ``split`` and
``chunk``, ``UnbindBackward0``), or ``CUSTOM``; views of them take the mark. A ``CUSTOM`` one, whose
backward a rebased history would bypass, also refuses changes of the rest of its family."""


def mark(t: Tensor, maker: str) -> None:
    """Note that ``t``, a view made by ``maker`` (a node name, or ``CUSTOM``), may not be changed in
    place while recording, nor may views of it."""
    key = id(t)

    def forget(ref: weakref.ref[Tensor]) -> None:
        if MARKED.get(key, (None,))[0] is ref:
            del MARKED[key]

    MARKED[key] = (weakref.ref(t, forget), maker)


def _maker(t: Tensor) -> str | None:
    found = MARKED.get(id(t))
    return None if found is None or found[0]() is not t else found[1]


def mark_together(pieces: Sequence[Tensor], name: str) -> None:
    """``mark`` the views among ``pieces``, which the function of node ``name`` returned together."""
    for piece in pieces:
        if getattr(piece, "_base", None) is not None:
            mark(piece, name)


def inherit_mark(view: Tensor, base: Tensor) -> None:
    """``view`` was made of ``base``: ``mark`` it if ``base`` is marked."""
    maker = _maker(base)
    if maker is not None:
        mark(view, maker)


def _refused_mark(what: str, t: Tensor, maker: str) -> RuntimeError:
    if maker == CUSTOM:
        return RuntimeError(
            f"{what}: this tensor (shape {tuple(t.shape)}) is a view returned by a custom Function, or a view of "
            "one, whose backward an in-place change would bypass; PyTorch forbids it too ('This view was created "
            "inside a custom Function'); return a .clone() from the Function's forward, or change a .clone()"
        )
    return RuntimeError(
        f"{what}: this tensor (shape {tuple(t.shape)}) is one of the views {maker[:-9]} returned together, or a "
        "view of one, which PyTorch forbids changing in place while operations are recorded ('This view is the "
        "output of a function that returns multiple views'); slice the tensor instead (h[:, 2:4] for a piece of "
        "split), or use an out-of-place operation"
    )


def _root(t: Tensor) -> Tensor:
    base = getattr(t, "_base", None)
    return t if base is None else base


def check_view_write(t: Tensor, what: str, tracked: bool = True) -> None:
    """Refuse, as PyTorch does, an in-place change with grad mode on of a view made under ``no_grad``
    of a tensor that requires grad; and, when the change is recorded (``tracked``), of a view of a
    leaf that requires grad, or of one of the views a function returned together (``split``)."""
    root = getattr(t, "_base", None)
    if root is None:
        return
    if tracked and MARKED:
        maker = _maker(t)
        if maker is not None:
            raise _refused_mark(what, t, maker)
    if not root.requires_grad:
        return
    if tracked and root._tape is None:
        raise RuntimeError(
            f"{what}: this tensor (shape {tuple(t.shape)}) is a view of a leaf tensor that requires grad (shape "
            f"{tuple(root.shape)}), which cannot be changed in place while operations are recorded (PyTorch: 'a view "
            "of a leaf Variable that requires grad is being used in an in-place operation'); change the leaf inside "
            "`with mytorch.no_grad():`, or change a .clone()"
        )
    if not t.requires_grad:
        raise RuntimeError(
            f"{what}: this tensor (shape {tuple(t.shape)}) is a view made under no_grad of a tensor that requires "
            f"grad (shape {tuple(root.shape)}), changed in place with grad mode on (PyTorch forbids it too: the "
            "change could not be told apart from the base's history); make the view and change it both inside "
            "`with mytorch.no_grad():`, or both outside"
        )


def _refused(what: str, t: Tensor, reason: str) -> RuntimeError:
    return RuntimeError(
        f"{what}: this tensor (shape {tuple(t.shape)}) shares its memory with another live tensor, and {reason}; "
        "MyTorch cannot carry an in-place change over to the other's gradient. Write into a .clone(), or write "
        "the whole tensor anew (h = h * 2 instead of h.mul_(2))"
    )


def _written_part(data: np.ndarray, index: Any) -> np.ndarray:
    """The part of ``data`` that ``data[index] = ...`` writes: a view when ``index`` is basic, else ``data``."""
    if index is Ellipsis:
        return data
    part = data[index]
    return part if isinstance(part, np.ndarray) and np.may_share_memory(part, data) else data


def plan(t: Tensor, what: str, index: Any) -> Rebase | None:
    """How a recorded in-place change ``t[index] = ...`` is rebased onto the root of ``t``'s family:
    None when ``t`` shares its memory with no live tensor (the change is recorded on ``t`` alone).
    The members to record anew are ``t``, and the members recorded in the graph whose memory the
    write may reach (the others' values, and so their histories, hold); all of them when the root
    takes part in the graph from this change on (they take part with it, as in PyTorch).

    Raises:
        RuntimeError: the change cannot be recorded exactly: ``t``'s elements overlap, a member
            to record anew was returned by a custom Function or made a leaf, or is not made of
            the root's elements.
    """
    root = _root(t)
    views = getattr(root, "_views", None)
    members = [] if views is None else [m for m in (v() for v in views) if m is not None]
    if root is t and not members:
        return None
    data = t._data
    if overlaps(data):
        raise RuntimeError(
            f"{what}: more than one element of this tensor (shape {tuple(t.shape)}, an expanded view) refers to one "
            "memory location (PyTorch refuses it too); change a .clone()"
        )
    base = root._data
    where = None
    if root is not t:
        where = positions(base, data)
        if where is None:
            raise _refused(what, t, f"its elements cannot be found in the memory of the tensor it views ({base.dtype})")
        if all(m is not t for m in members):
            members.append(t)  # (a copy.copy of a view: a member its root does not list)
    grad_before = root.requires_grad
    reach = extent(_written_part(data, index))
    regenerated = []
    for member in members:
        if member is not t and grad_before and not (member.requires_grad and meets(extent(member._data), reach)):
            continue  # a view made under no_grad (it keeps its values, outside the graph), or one left untouched
        if member.requires_grad and member._tape is None:
            raise _refused(what, t, f"a view of it (shape {tuple(member.shape)}) was made a leaf that requires grad")
        if MARKED and _maker(member) == CUSTOM:
            raise _refused(
                what,
                t,
                f"a view of it (shape {tuple(member.shape)}) was returned by a custom Function, whose backward "
                "the change would bypass (PyTorch refuses it too)",
            )
        found = positions(base, member._data)
        if found is None:
            raise _refused(
                what, t, f"a view of it (shape {tuple(member.shape)}, {member.dtype}) cannot be found in its memory"
            )
        regenerated.append((member, found))
    return root, where, regenerated


def _taken(where: tuple[np.ndarray, ...], index: Any) -> tuple[np.ndarray, ...]:
    """The positions of ``view[index]`` in the root, from those of ``view`` (``where``)."""
    if index is Ellipsis:
        return where
    return tuple(np.asarray(p[index]) for p in where)


def _renewed(t: Tensor) -> np.ndarray:
    """A new array object on ``t``'s memory, for ``t``'s value after a change (the tape keys values by array)."""
    old = t._data
    new = old.view()
    if not new.flags.writeable:
        adopt_view(new)  # made of a locked array: unlocked with it
    t._data = new
    return old


def record_write(t: Tensor, index: Any, value: Any, array: np.ndarray, rebase: Rebase | None) -> None:
    """Record ``t[index] = value`` (``array``: its values), already written: on ``t`` alone, or (``rebase``)
    on the root of ``t``'s family, whose live members then become views of the root's new value."""
    if rebase is None:
        _record_setitem(t, index, value, array)
        return
    root, where, members = rebase
    _record_setitem(root, index if where is None else _taken(where, index), value, array)
    for member, found in members:
        old = _renewed(member)
        params = named({"index": found}, "AsStridedBackward0")  # (PyTorch's name for a view made anew)
        _attach(member._data, (root,), (root._data,), _INDEX.backward, params, reads=_INDEX.reads, result=member)
        if _RETAINED:
            _retained_in_place(member, old)


def _record_setitem(t: Tensor, index: Any, value: Any, array: np.ndarray) -> None:
    old = _renewed(t)
    _attach(t._data, (t, value), (old, array), _SETITEM.backward, {"index": index}, reads=_SETITEM.reads, result=t)
    if _RETAINED:
        _retained_in_place(t, old)

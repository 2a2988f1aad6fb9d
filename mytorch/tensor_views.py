"""Recorded in-place changes of tensors that share memory: a view family's history rebased.

A view (basic indexing, ``narrow``, ``select``, ``transpose``, ``reshape``/``view`` without a copy,
``unsqueeze``, ...) shares the memory of the tensor it was made from, its *root* (a view of a view
has the first tensor as its root). A recorded in-place change of any member of such a family
changes the values of all of them, and, as in PyTorch (its ``CopySlices``), their histories follow:

* the root's new value is recorded as its old value with the change written in: ``setitem(old
  root, value, where)``, ``where`` the changed view's place in the root (a basic index, or integer
  arrays: ``mytorch.view_positions.relation``), or for a view of the whole root reshaped or
  transposed, the changed view's new value shaped back; so the untouched elements' gradients go
  to the root's earlier history, the changed ones' to the change's operands;
* the changed view, and every live view recorded in the graph whose memory the write may reach,
  becomes a view of the root's new value (``index``, ``reshape`` or ``transpose`` of it, named
  ``AsStridedBackward0`` as PyTorch's): a later use of any of them differentiates through the
  change. The views the write cannot reach keep their histories, which stay exact.

Refused, as PyTorch refuses them: a change of a view of a leaf that requires grad, or one of the
views ``split``, ``chunk`` and ``unbind`` return together, while recording; of a view made under
``no_grad`` of a tensor that requires grad, with grad mode on; of an expanded view (whose
elements overlap). Refused as well: a change reaching a view a custom ``Function`` returned (its
backward would be bypassed), or a view that is not made of its root's elements.
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
from mytorch.view_positions import extent, meets, overlaps, relation

__all__ = [
    "CUSTOM",
    "MARKED",
    "Rebase",
    "Relation",
    "check_view_write",
    "inherit_mark",
    "mark",
    "mark_together",
    "plan",
    "record_write",
]

_KERNELS = F.KERNELS
_SETITEM = _KERNELS["setitem"]

Relation = tuple[str, dict[str, Any]]
"""How a view is made of its root's value: a kernel's name and parameters (``view_positions.relation``)."""

Rebase = tuple[Tensor, "Relation | None", list[tuple[Tensor, Relation]]]
"""What ``record_write`` needs: the root, how the changed tensor is made of it (None: the changed
tensor is the root), and the members to record anew with how each is made of it."""


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
    """How a recorded in-place change ``t[index] = ...`` is carried over to the family of tensors
    sharing ``t``'s memory: None when ``t`` shares it with no live tensor (the change is recorded
    on ``t`` alone). The members to record anew are the root (when ``t`` is a view) and the
    members recorded in the graph that the write may reach (the others' values, and so their
    histories, hold); all of them when the root takes part in the graph from this change on
    (they take part with it, as in PyTorch).

    Raises:
        RuntimeError: the change cannot be recorded exactly: ``t``'s elements overlap, a member
            to record anew was returned by a custom Function or made a leaf, or is not made of
            the root's elements.
    """
    root = _root(t)
    views = getattr(root, "_views", None)
    members = [] if views is None else [m for m in (v() for v in views) if m is not None and m is not t]
    if root is t and not members:
        return None
    data = t._data
    if overlaps(data):
        raise RuntimeError(
            f"{what}: more than one element of this tensor (shape {tuple(t.shape)}, an expanded view) refers to one "
            "memory location (PyTorch refuses it too); change a .clone()"
        )
    base = root._data
    made = None
    if root is not t:
        made = relation(base, data)
        if made is None:
            raise _refused(what, t, f"its elements cannot be found in the memory of the tensor it views ({base.dtype})")
    grad_before = root.requires_grad
    reach = extent(_written_part(data, index))
    renewed = []
    for member in members:
        # (an empty view is made anew too: its gradient, zeros, then reaches the root's new value, as in PyTorch)
        if grad_before and not (member.requires_grad and (not member._data.size or meets(extent(member._data), reach))):
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
        how = relation(base, member._data)
        if how is None:
            raise _refused(
                what, t, f"a view of it (shape {tuple(member.shape)}, {member.dtype}) cannot be found in its memory"
            )
        renewed.append((member, how))
    return root, made, renewed


def _another(array: np.ndarray) -> np.ndarray:
    """A new array object on ``array``'s memory, for a new value of it (the tape keys values by array)."""
    new = array.view()
    if not new.flags.writeable:
        adopt_view(new)  # made of a locked array: unlocked with it
    return new


def _record(t: Tensor, kernel: F.Kernel, args: tuple[Any, ...], arrays: tuple[Any, ...], params: dict) -> None:
    """Record ``t``'s new value (a new array object on its memory) as ``kernel`` of ``args``."""
    old = t._data
    t._data = _another(old)
    arrays = tuple(old if a is None else a for a in arrays)  # (None: t's old value)
    _attach(t._data, args, arrays, kernel.backward, params, reads=kernel.reads, result=t)
    if _RETAINED:
        _retained_in_place(t, old)


def record_write(t: Tensor, index: Any, value: Any, array: np.ndarray, rebase: Rebase | None) -> None:
    """Record ``t[index] = value`` (``array``: its values), already written, as ``setitem``; for a
    ``rebase``, the root's new value is made of that, and the members' (``t``'s too) of the root's,
    as PyTorch's ``CopySlices`` and ``AsStridedBackward0`` do."""
    if rebase is None:
        _record(t, _SETITEM, (t, value), (None, array), {"index": index})
        return
    root, made, members = rebase
    if made is None:  # (t is the root)
        _record(t, _SETITEM, (t, value), (None, array), {"index": index})
    elif index is Ellipsis and made[0] == "index":  # (all of a view written: straight into the root)
        _record(root, _SETITEM, (root, value), (None, array), made[1])
        members = [(t, made), *members]
    else:
        data, reads = t._data, _SETITEM.reads
        change = _attach(
            _another(data), (t, value), (data, array), _SETITEM.backward, {"index": index}, reads=reads, fresh=True
        )
        _root_takes(root, change, made)
        members = [(t, made), *members]
    for member, (name, params) in members:  # (PyTorch's name for a view made anew)
        _record(member, _KERNELS[name], (root,), (root._data,), named(params, "AsStridedBackward0"))


def _root_takes(root: Tensor, change: Tensor, made: Relation) -> None:
    """Record the root's new value: its old one with ``change``, the new value of a view made of it
    as ``made`` says, written in."""
    name, params = made
    if name == "index":
        _record(root, _SETITEM, (root, change), (None, change._data), params)
    elif name == "reshape":  # (the view is the whole root: the root is the change, reshaped back)
        _record(root, _KERNELS["reshape"], (change,), (change._data,), {"shape": root._data.shape})
    else:  # (a transpose of the whole, undone)
        axes = tuple(int(a) for a in np.argsort(params["axes"]))
        _record(root, _KERNELS["transpose"], (change,), (change._data,), {"axes": axes})

"""``torch.nn.utils.rnn`` (``mytorch.nn.utils.rnn``): padding a batch of sequences of different
lengths, and PyTorch's ``PackedSequence``, which ``nn.RNN``, ``nn.LSTM`` and ``nn.GRU`` take.

A ``PackedSequence`` holds PyTorch's fields: ``data`` (the valid time steps of every sequence,
time-major, the longest sequences first), ``batch_sizes`` (how many sequences are still running
at each step), ``sorted_indices`` and ``unsorted_indices`` (None when the batch came sorted). Every
conversion is an index selection on the tape, so gradients flow through packing and unpacking. A
recurrent layer given one runs each sequence for its own length (a sequence's state stops at its
last step; the reverse direction starts there) and returns its output packed alike, and ``h_n``
in the batch's own order, as PyTorch's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from mytorch.tensor import Tensor
from mytorch.tensor_index import index_select
from mytorch.tensor_shape import cat, stack

__all__ = [
    "PackedSequence",
    "pack_padded_sequence",
    "pack_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpack_sequence",
    "unpad_sequence",
]


class PackedSequence(NamedTuple):
    """PyTorch's packed batch (see the module's text); make one with ``pack_padded_sequence`` or
    ``pack_sequence``."""

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """``data.to(...)`` (a dtype, or "cpu"), the rest kept."""
        return self._replace(data=self.data.to(*args, **kwargs))

    def cpu(self) -> PackedSequence:
        """Itself (MyTorch's tensors are on the CPU)."""
        return self


def _lengths(op: str, lengths: Any, batch: int) -> np.ndarray:
    values = np.asarray(lengths._data if isinstance(lengths, Tensor) else lengths)
    if values.ndim != 1 or values.dtype.kind not in "iu":
        raise TypeError(f"{op}: lengths must be a 1-D list or tensor of integers, got {values!r}")
    values = values.astype(np.int64)
    if values.shape != (batch,):
        raise ValueError(f"{op}: {values.size} lengths for a batch of {batch}")
    if (values <= 0).any():
        raise ValueError(f"{op}: every length must be at least 1, got {values.tolist()}")
    return values


def _packed_rows(lengths: np.ndarray, order: np.ndarray, batch: int) -> tuple[np.ndarray, np.ndarray]:
    """``(rows, batch_sizes)``: the flat (time * batch + b) rows of a time-major padded batch that
    ``data`` holds, step by step, the longest sequences (in ``order``) first."""
    sorted_lengths = lengths[order]
    batch_sizes = np.array([(sorted_lengths > t).sum() for t in range(int(sorted_lengths[0]))], dtype=np.int64)
    rows = np.concatenate([t * batch + order[:n] for t, n in enumerate(batch_sizes)])
    return rows, batch_sizes


def pack_padded_sequence(input: Tensor, lengths: Any, batch_first: bool = False, enforce_sorted: bool = True) -> Any:  # noqa: A002
    """``input`` (T, B, *), or (B, T, *) with ``batch_first``, whose sequence b has ``lengths[b]``
    valid steps, as a ``PackedSequence``. With ``enforce_sorted`` (PyTorch's default) the lengths
    must be in decreasing order; ``enforce_sorted=False`` sorts them (``sorted_indices``)."""
    op = "pack_padded_sequence"
    x = input.transpose(0, 1) if batch_first else input
    steps, batch = x.shape[0], x.shape[1]
    values = _lengths(op, lengths, batch)
    if values.max() > steps:
        raise ValueError(f"{op}: a length of {values.max()} for an input of {steps} time steps")
    if enforce_sorted:
        if (np.diff(values) > 0).any():
            raise RuntimeError(
                f"{op}: lengths {values.tolist()} are not sorted in decreasing order; "
                "sort the batch, or pass enforce_sorted=False"
            )
        order, sorted_indices, unsorted_indices = np.arange(batch), None, None
    else:
        order = np.argsort(-values, kind="stable")
        sorted_indices, unsorted_indices = Tensor(order), Tensor(np.argsort(order))
    rows, batch_sizes = _packed_rows(values, order, batch)
    data = index_select(x.reshape(steps * batch, *x.shape[2:]), 0, Tensor(rows))
    return PackedSequence(data, Tensor(batch_sizes), sorted_indices, unsorted_indices)


def pad_packed_sequence(
    sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0, total_length: int | None = None
) -> tuple[Tensor, Tensor]:
    """``(padded, lengths)`` from a ``PackedSequence``: the batch in its original order, (T, B, *)
    or (B, T, *), padded with ``padding_value`` (to ``total_length`` steps if given)."""
    data, batch_sizes = sequence.data, np.asarray(sequence.batch_sizes._data)
    batch, steps = int(batch_sizes[0]), len(batch_sizes)
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"pad_packed_sequence: total_length={total_length} is less than the {steps} steps held")
        steps = int(total_length)
    order = np.arange(batch) if sequence.sorted_indices is None else np.asarray(sequence.sorted_indices._data)
    lengths = np.zeros(batch, dtype=np.int64)
    lengths[order] = [(batch_sizes > i).sum() for i in range(batch)]
    rows, _ = _packed_rows(lengths, order, batch)
    where = np.full(steps * batch, len(rows), dtype=np.int64)  # the padding row, appended below
    where[rows] = np.arange(len(rows))
    pad = Tensor(np.full((1, *data.shape[1:]), padding_value, dtype=data.dtype))
    padded = index_select(cat([data, pad], 0), 0, Tensor(where)).reshape(steps, batch, *data.shape[1:])
    return (padded.transpose(0, 1) if batch_first else padded), Tensor(lengths)


def pad_sequence(
    sequences: Sequence[Tensor], batch_first: bool = False, padding_value: float = 0.0, padding_side: str = "right"
) -> Tensor:
    """The tensors (L_i, *) stacked into (L, B, *), or (B, L, *) with ``batch_first``, each padded
    with ``padding_value`` to the longest (after its values, or before: ``padding_side="left"``)."""
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'right' or 'left', got {padding_side!r}")
    items = list(sequences)
    if not items:
        raise ValueError("pad_sequence: no sequences given")
    longest = max(t.shape[0] for t in items)
    padded = []
    for t in items:
        fill = Tensor(np.full((longest - t.shape[0], *t.shape[1:]), padding_value, dtype=t.dtype))
        padded.append(cat([t, fill] if padding_side == "right" else [fill, t], 0))
    return stack(padded, 0 if batch_first else 1)


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """The tensors (L_i, *) packed (``pad_sequence`` then ``pack_padded_sequence``)."""
    items = list(sequences)
    return pack_padded_sequence(pad_sequence(items), [t.shape[0] for t in items], enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences: Tensor, lengths: Any, batch_first: bool = False) -> list[Tensor]:
    """``pad_sequence`` undone: the sequence of each column (row with ``batch_first``) cut to its
    length, as a list of tensors (L_i, *), recorded (a gradient reaches the padded tensor)."""
    batch = padded_sequences.shape[0 if batch_first else 1]
    sizes = _lengths("unpad_sequence", lengths, batch)
    if batch_first:
        return [padded_sequences[i, : int(n)] for i, n in enumerate(sizes)]
    return [padded_sequences[: int(n), i] for i, n in enumerate(sizes)]


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """``pack_sequence`` undone: the list of sequences (L_i, *) in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)

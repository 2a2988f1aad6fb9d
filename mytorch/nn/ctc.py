"""``F.ctc_loss`` and ``nn.CTCLoss``: connectionist temporal classification (speech and OCR
models), PyTorch's arguments and reductions.

The loss is -log p(target | log_probs), summed over every alignment by the forward recursion
on the target with blanks between and around its labels, recorded from Tensor operations
(``logsumexp``, ``gather``, ``where``), so the gradient is the exact one with respect to
``log_probs`` and a second derivative comes with it. (PyTorch's kernel returns
``exp(log_probs) - posterior`` instead, which is the same once propagated through the
``log_softmax`` that makes ``log_probs``, and differs for a leaf ``log_probs`` tensor.) States
not reached yet hold a large negative number rather than -inf, so that no NaN gradient comes from
them; a target that no alignment can produce has loss inf (0 with ``zero_infinity``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mytorch.nn.module import Module
from mytorch.tensor import Tensor
from mytorch.tensor_math import logsumexp
from mytorch.tensor_shape import cat, stack

__all__ = ["CTCLoss", "ctc_loss"]

_UNREACHED = -1e30  # log of "no path yet": exp() of it is 0, and it stays finite for the gradients


def _ints(what: str, value: Any, n: int) -> np.ndarray:
    array = np.asarray(value._data if isinstance(value, Tensor) else value).reshape(-1)
    if array.dtype.kind not in "iu" or array.shape != (n,):
        raise ValueError(f"ctc_loss: {what} must be {n} integers (one per sequence), got {value!r}")
    return array.astype(np.int64)


def ctc_loss(
    log_probs: Tensor,
    targets: Any,
    input_lengths: Any,
    target_lengths: Any,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> Tensor:
    """The CTC loss of ``log_probs`` (T, N, C), or (T, C) unbatched, log-softmaxed over classes,
    for ``targets`` (N, S) padded or 1-D concatenated (``sum(target_lengths)`` labels; 1-D when
    unbatched), each
    sequence ``input_lengths[n]`` steps long with ``target_lengths[n]`` labels; ``reduction``
    "mean" (each loss divided by its target length, at least 1, then averaged), "sum" or "none".

    Raises:
        ValueError: lengths past the inputs or targets, a label that is the blank or out of
            range, an unknown reduction.
    """
    if not isinstance(log_probs, Tensor):
        raise TypeError(f"ctc_loss takes a mytorch Tensor, got {type(log_probs).__name__}")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"ctc_loss: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    unbatched = log_probs.ndim == 2
    lp = log_probs.unsqueeze(1) if unbatched else log_probs
    if lp.ndim != 3:
        raise ValueError(f"ctc_loss: log_probs must be (T, N, C) or (T, C), got shape {tuple(log_probs.shape)}")
    steps, batch, classes = lp.shape
    input_len = _ints("input_lengths", input_lengths, batch)
    target_len = _ints("target_lengths", target_lengths, batch)
    labels = np.asarray(targets._data if isinstance(targets, Tensor) else targets).astype(np.int64)
    if labels.ndim == 2:
        rows = labels
        if (target_len > rows.shape[1]).any():
            raise ValueError(
                f"ctc_loss: target_lengths {target_len.tolist()} past the targets' {rows.shape[1]} columns"
            )
        sequences = [rows[n, : target_len[n]] for n in range(batch)]
    else:
        if labels.size != target_len.sum():
            raise ValueError(f"ctc_loss: {labels.size} concatenated targets, target_lengths sum to {target_len.sum()}")
        sequences = np.split(labels, np.cumsum(target_len)[:-1])
    if (input_len > steps).any() or (input_len < 0).any() or (target_len < 0).any():
        raise ValueError(f"ctc_loss: input_lengths {input_len.tolist()} must lie in [0, {steps}]")
    if any(((s == blank) | (s < 0) | (s >= classes)).any() for s in sequences):
        raise ValueError(f"ctc_loss: target labels must lie in [0, {classes}) and differ from the blank {blank}")

    width = 2 * int(target_len.max(initial=0)) + 1
    extended = np.full((batch, width), blank, dtype=np.int64)
    for n, s in enumerate(sequences):
        extended[n, 1 : 2 * len(s) : 2] = s
    skip = np.zeros((batch, width), dtype=bool)  # s-2 -> s: between two different labels
    skip[:, 2:] = (extended[:, 2:] != blank) & (extended[:, 2:] != extended[:, :-2])
    emitted = lp.gather(2, Tensor(np.broadcast_to(extended, (steps, batch, width)).copy()))  # (T, N, S')
    unreached = Tensor(np.full((batch, width), _UNREACHED, dtype=lp.dtype))
    first = np.zeros((batch, width), dtype=bool)
    first[:, 0] = True
    if width > 1:
        first[:, 1] = target_len > 0
    alpha = emitted[0].where(Tensor(first), unreached)
    pad = Tensor(np.full((batch, 2), _UNREACHED, dtype=lp.dtype))
    for t in range(1, steps):
        shifted = cat([pad, alpha], 1)
        one_back, two_back = shifted[:, 1 : width + 1], shifted[:, :width].where(Tensor(skip), unreached)
        step = logsumexp(stack([alpha, one_back, two_back]), 0) + emitted[t]
        alpha = step.where(Tensor(np.broadcast_to((t < input_len)[:, None], (batch, width)).copy()), alpha)
    last = alpha.gather(1, Tensor((2 * target_len)[:, None])).squeeze(1)
    before = alpha.gather(1, Tensor(np.maximum(2 * target_len - 1, 0)[:, None])).squeeze(1)
    before = before.where(Tensor(target_len > 0), Tensor(np.full(batch, _UNREACHED, dtype=lp.dtype)))
    losses = -logsumexp(stack([last, before]), 0)
    impossible = (losses._data > -_UNREACHED / 10) | (input_len == 0)
    if impossible.any():
        fill = 0.0 if zero_infinity else np.inf
        losses = losses.where(Tensor(~impossible), Tensor(np.full(batch, fill, dtype=lp.dtype)))
    if reduction == "none":
        return losses.squeeze(0) if unbatched else losses
    if reduction == "sum":
        return losses.sum()
    return (losses / Tensor(np.maximum(target_len, 1).astype(lp.dtype))).mean()


class CTCLoss(Module):
    """PyTorch's ``nn.CTCLoss(blank=0, reduction="mean", zero_infinity=False)``: called as
    ``loss(log_probs, targets, input_lengths, target_lengths)`` (see ``ctc_loss``)."""

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> None:
        super().__init__()
        self.blank, self.reduction, self.zero_infinity = blank, reduction, zero_infinity

    def forward(self, log_probs: Tensor, targets: Any, input_lengths: Any, target_lengths: Any) -> Tensor:
        """The CTC loss (``ctc_loss`` with this module's settings)."""
        return ctc_loss(
            log_probs, targets, input_lengths, target_lengths, self.blank, self.reduction, self.zero_infinity
        )

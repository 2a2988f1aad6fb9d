"""Tensor-level loss modules: ``loss_fn(input, target)``, prediction first (PyTorch's order).

Each holds its ``reduction`` ("mean", the default; "sum"; "none") and calls its function in
``mytorch.nn.functional``. A "mean" loss is one fused kernel of the table and comes back as a
0-d Tensor. (The handout's engine-level losses, ground truth first, are in
``mytorch.nn.modules.loss``.)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mytorch.nn import functional_tensor as TF
from mytorch.nn.layers import expect_tensor
from mytorch.nn.module import Module
from mytorch.tensor import Tensor

__all__ = ["BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "MSELoss", "NLLLoss"]


class _Loss(Module):
    """A loss with a ``reduction``; subclasses name the function (``function``), the handout's
    counterpart (``handout``, "" for none) and any more keyword arguments (``options()``)."""

    function: Any = None
    handout = ""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in TF.REDUCTIONS:
            known = ", ".join(TF.REDUCTIONS)
            raise ValueError(f"{type(self).__name__}: reduction must be one of {known}, got {reduction!r}")
        self.reduction = reduction

    def options(self) -> dict[str, Any]:
        """The function's keyword arguments besides ``reduction`` (none here)."""
        return {}

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002 - PyTorch's name
        """The loss of ``input`` (the prediction) against ``target``."""
        if not isinstance(input, Tensor):  # (the message made only when it is needed)
            handout = f"mytorch.nn.modules.loss.{self.handout}(autograd_engine) (called as loss(y, y_hat))"
            expect_tensor(self, input, handout if self.handout else None)
        kind = type(self)
        if kind.options is _no_options:  # (no more keyword arguments: the call without building them)
            return kind.function(input, target, reduction=self.reduction)
        return kind.function(input, target, reduction=self.reduction, **self.options())

    def extra_repr(self) -> str:
        """Nothing: PyTorch's losses print as ``MSELoss()`` whatever their arguments."""
        return ""


_no_options = _Loss.options


class MSELoss(_Loss):
    """The mean (or sum) of (input - target)^2 over every element; shapes must match."""

    function = staticmethod(TF.mse_loss)
    handout = "MSELoss"


def _buffer(value: Any) -> Tensor | None:
    """A loss's constant (a class weight): a Tensor, for its buffer; None stays None."""
    return value if value is None or isinstance(value, Tensor) else Tensor(np.asarray(value))


class _ClassLoss(_Loss):
    """A loss of class labels: PyTorch's ``weight`` (one number per class, a buffer) and
    ``ignore_index``, passed to its function with the reduction (``options``)."""

    weight: Tensor | None  # (a buffer)

    def __init__(
        self,
        weight: Any = None,
        size_average: Any = None,
        ignore_index: int = TF.IGNORE_INDEX,
        reduce: Any = None,  # noqa: A002 - PyTorch's name
        reduction: str = "mean",
    ) -> None:
        TF._legacy(type(self).__name__, size_average, reduce)
        super().__init__(reduction)
        self.register_buffer("weight", _buffer(weight))  # in state_dict, as in PyTorch
        self.ignore_index = int(ignore_index)

    def options(self) -> dict[str, Any]:
        """The keyword arguments of its function: weight, ignore_index, reduction."""
        return {"weight": self.weight, "ignore_index": self.ignore_index, "reduction": self.reduction}

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        """The loss of ``input`` at the labels (or probabilities) ``target``."""
        if not isinstance(input, Tensor):  # (the message made only when it is needed)
            handout = f"mytorch.nn.modules.loss.{self.handout}(autograd_engine)"
            expect_tensor(self, input, f"{handout} (one-hot labels, called as loss(y, y_hat))")
        kind = type(self)
        if kind.options is _class_loss_options:  # (``options()``'s arguments, without building its dict)
            return kind.function(
                input, target, weight=self.weight, ignore_index=self.ignore_index, reduction=self.reduction
            )
        return kind.function(input, target, **self.options())


_class_loss_options = _ClassLoss.options


class CrossEntropyLoss(_ClassLoss):
    """Cross-entropy of logits (N, C) against class labels (N,) (or probabilities (N, C));
    also (C,) and (N, C, d1, ...) as in PyTorch.

    Args:
        weight: one number per class scaling its terms (a buffer; the mean divides by the
            total weight of the labels that count).
        ignore_index: a label that adds nothing and does not count in the mean (-100).
        reduction: "mean" (over the batch), "sum" or "none" (one loss per example).
        label_smoothing: mix the one-hot targets with the uniform distribution by this much.
        size_average, reduce: PyTorch's deprecated spellings of ``reduction``: refused.
    """

    function = staticmethod(TF.cross_entropy)
    handout = "SoftmaxCrossEntropy"

    def __init__(
        self,
        weight: Any = None,
        size_average: Any = None,
        ignore_index: int = TF.IGNORE_INDEX,
        reduce: Any = None,  # noqa: A002
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__(weight, size_average, ignore_index, reduce, reduction)
        self.label_smoothing = float(label_smoothing)

    def options(self) -> dict[str, Any]:
        """``_ClassLoss.options`` and the label smoothing."""
        return {**super().options(), "label_smoothing": self.label_smoothing}

    def forward(self, input: Tensor, target: Any) -> Tensor:  # noqa: A002
        """The cross-entropy of the logits ``input`` at the labels (or probabilities) ``target``."""
        kind = type(self)
        if kind.options is _cross_entropy_options and kind.function is _cross_entropy and isinstance(input, Tensor):
            return TF.cross_entropy(  # (``options()``'s arguments, without building its dict)
                input,
                target,
                weight=self.weight,
                ignore_index=self.ignore_index,
                reduction=self.reduction,
                label_smoothing=self.label_smoothing,
            )
        return super().forward(input, target)


_cross_entropy_options, _cross_entropy = CrossEntropyLoss.options, CrossEntropyLoss.function


class NLLLoss(_ClassLoss):
    """Negative log-likelihood of log-probabilities (N, C) at class labels (N,); ``weight`` and
    ``ignore_index`` as in ``CrossEntropyLoss``."""

    function = staticmethod(TF.nll_loss)
    handout = "SoftmaxCrossEntropy"


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities in [0, 1] against targets of the same shape;
    ``weight`` (a buffer, broadcast to the input) scales each term."""

    function = staticmethod(TF.binary_cross_entropy)
    handout = "BCELoss"
    weight: Tensor | None  # (a buffer)

    def __init__(
        self,
        weight: Any = None,
        size_average: Any = None,
        reduce: Any = None,  # noqa: A002 - PyTorch's name
        reduction: str = "mean",
    ) -> None:
        TF._legacy(type(self).__name__, size_average, reduce)
        super().__init__(reduction)
        self.register_buffer("weight", _buffer(weight))

    def options(self) -> dict[str, Any]:
        """``{"weight": weight}``."""
        return {"weight": self.weight}


class BCEWithLogitsLoss(BCELoss):
    """Binary cross-entropy of logits (probabilities sigmoid(input)); stable for any logit;
    ``pos_weight`` (a buffer, one per class along the last axis) scales the positive term."""

    function = staticmethod(TF.binary_cross_entropy_with_logits)
    handout = "BCEWithLogitsLoss"
    pos_weight: Tensor | None  # (a buffer)

    def __init__(
        self,
        weight: Any = None,
        size_average: Any = None,
        reduce: Any = None,  # noqa: A002
        reduction: str = "mean",
        pos_weight: Any = None,
    ) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.register_buffer("pos_weight", _buffer(pos_weight))

    def options(self) -> dict[str, Any]:
        """The weight and ``pos_weight``."""
        return {**super().options(), "pos_weight": self.pos_weight}

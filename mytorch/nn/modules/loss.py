"""Losses: ``loss(y, y_hat)`` with the ground truth first (the handout's order).

Each loss is one row of the kernel table, recorded as one operation whose output has shape
(1,). The ground truth is recorded ``NO_GRAD``: no gradient is computed for it.
``backward()`` runs the engine's backward pass from the loss.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from mytorch.arguments import odd_array
from mytorch.autograd_engine import NO_GRAD
from mytorch.nn import functional as F
from mytorch.nn.modules.module import Resolved, record

__all__ = ["LOSSES", "BCELoss", "BCEWithLogitsLoss", "LossFN", "MSELoss", "SoftmaxCrossEntropy"]


def _mse_vjp(grad_output: np.ndarray, y: np.ndarray, y_hat: np.ndarray, diff: np.ndarray) -> tuple[None, np.ndarray]:
    """``mse_loss_backward`` for y_hat alone, from the forward's ``diff`` (y_hat - y, 1-D or
    more): the kernel's arithmetic, 2 g diff / n, in its order."""
    return None, diff * (2.0 * grad_output[0] / diff.size)


def _prediction_vjp(kernel: F.Kernel) -> Callable[..., tuple[None, Any]] | None:
    """The VJP of a loss for its prediction alone (the ground truth is ``NO_GRAD``): the
    kernel's rule for its second input, called directly (None: the kernel has no such rule)."""
    if kernel.name == "mse_loss":
        return _mse_vjp
    partials = getattr(kernel.backward, "partials", None)
    if partials is None:
        return None
    return functools.partial(_prediction_rule, partials[1])  # (a partial of named functions: pickle writes it)


def _prediction_rule(
    rule: Callable[..., Any], grad_output: np.ndarray, y: np.ndarray, y_hat: np.ndarray, **saved: Any
) -> tuple[None, Any]:
    """A loss's VJP for its prediction alone, by ``rule``, the kernel's rule for its second input."""
    return None, rule(grad_output, y, y_hat, **saved)


_ndarray = np.ndarray  # (NumPy's module has a __getattr__: np.name is a full lookup on 3.11)
_FLOAT64, _FLOAT32 = np.dtype(np.float64), np.dtype(np.float32)  # (the native ones, each one object)
_MSE_AND_DIFF = F.mse_loss_and_diff  # resolved once (F's names are looked up through its module type)
_SEQUENTIAL, _asarray = F.SEQUENTIAL_SUM_LIMIT, np.asarray
_vdot = getattr(np.vdot, "_implementation", np.vdot)  # (F.sum_of_squares's: without NumPy's dispatch)
_CROSS_ENTROPY_AND_LOG_PROBS = F.softmax_cross_entropy_and_log_probs
_ROWS_CROSS_ENTROPY: tuple[Callable[..., Any], Callable[..., Any]] | None = None
"""``(forward, vjp)`` for ``SoftmaxCrossEntropy`` of 2-D float64 or float32 logits (None in the starter:
there the kernels students write compute every loss)."""

# BEGIN SOLUTION NO PROMPT
# The softmax cross-entropy of the MLP's 2-D logits, the kernels' own arithmetic in their order (so
# their bits) without their helper calls: right after the products of a large layer every Python
# call and small NumPy call runs against cold caches. On an Intel Xeon this loss's 14 calls took
# 24 us warm and 81 us after a 128 x 784 x 256 float32 product; in the ``mnist`` step (float32)
# these two functions took about 1.5 % of the step off.
_exp, _log, _maximum_reduce, _contiguous = np.exp, np.log, np.maximum.reduce, np.ascontiguousarray
_SHORT_ROWS, _GRAD_X, _DIVIDE_COUNT = F.SHORT_ROWS, F.softmax_cross_entropy_grad_x, F.divide_count


def _cross_entropy_of_rows(y: np.ndarray, y_hat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``F.softmax_cross_entropy_and_log_probs(y, y_hat)`` for 2-D float64 or float32 logits, ``y``
    of their shape (``forward`` checked it), without ``log_softmax``, its dispatch, ``row_maximum``
    and the shape test, and with ``math.isfinite`` for NumPy's on the sum (a NumPy number of
    either dtype: its value exactly)."""
    rows, width = y_hat.shape
    if rows >= _SHORT_ROWS[0] and 0 < width <= _SHORT_ROWS[1] and y_hat.flags.c_contiguous:
        top = _maximum_reduce(_contiguous(y_hat.T), 0)[:, None]  # (F.row_maximum's short rows)
    else:
        top = y_hat.max(axis=-1, keepdims=True)
    shifted = y_hat - top
    log_probs = shifted - _log(_exp(shifted).sum(axis=-1, keepdims=True))
    terms = y * log_probs
    total = terms.sum()
    if not math.isfinite(total):
        total = np.where(y != 0, terms, 0).sum()
    return np.asarray([-total / rows], dtype=y_hat.dtype), log_probs


def _cross_entropy_vjp(
    grad_output: np.ndarray, y: np.ndarray, y_hat: np.ndarray, log_probs: np.ndarray
) -> tuple[None, np.ndarray]:
    """``softmax_cross_entropy_grad_x`` for the prediction alone (y is ``NO_GRAD``): for 2-D logits
    its g (softmax sum(y) - y) / N written out, other shapes by the rule itself."""
    if y_hat.ndim != 2:
        return None, _GRAD_X(grad_output, y, y_hat, log_probs)
    return None, (_exp(log_probs) * y.sum(axis=-1, keepdims=True) - y) * _DIVIDE_COUNT(grad_output[0], len(y_hat))


_ROWS_CROSS_ENTROPY = (_cross_entropy_of_rows, _cross_entropy_vjp)
# END SOLUTION


def _check_dtypes(name: str, y: np.ndarray, y_hat: np.ndarray) -> None:
    """Refuse predictions that are not floating point, targets that are not numbers or that
    would widen the loss (and so every gradient down the network: float64 or int64 targets
    for float32 predictions), and an empty batch, whose mean loss is 0 / 0."""
    if y_hat.dtype.kind not in "fc":
        raise TypeError(f"{name}: the predictions y_hat must be floating point, got dtype {y_hat.dtype}")
    if y.dtype.kind not in ("biufc" if y_hat.dtype.kind == "c" else "biuf"):
        raise TypeError(f"{name}: the ground truth y must hold real numbers, got dtype {y.dtype}")
    wide = np.result_type(y.dtype, y_hat.dtype)
    if wide != y_hat.dtype:
        raise TypeError(
            f"{name}: ground truth y of dtype {y.dtype} against {y_hat.dtype} predictions would make the loss and "
            f"its gradient {wide}; give y as {y_hat.dtype} (y.astype(np.{y_hat.dtype}))"
        )
    if not y_hat.size:
        raise ValueError(f"{name}: an empty batch (y_hat of shape {tuple(y_hat.shape)}): its mean loss is 0 / 0")


class LossFN(Resolved):
    """Base class: ``loss_fn(y, y_hat)`` computes, records and returns the loss (shape (1,)).

    Subclasses set ``kernel``, a name in ``mytorch.nn.functional.KERNELS`` taking
    ``(y, y_hat)``.

    Attributes:
        autograd_engine: the engine the loss records onto.
        loss: the last loss computed (shape (1,)), or None.
    """

    kernel = "mse_loss"
    tensor_level = "MSELoss()"
    """The Tensor-level counterpart in ``mytorch.nn``, named in the error for a Tensor input."""

    def __init__(self, autograd_engine: Any) -> None:
        self.autograd_engine = autograd_engine
        self.loss: np.ndarray | None = None
        self._resolve()

    def _resolve(self) -> None:
        """Look up the kernel and its rule for the prediction, once: forward() runs on every step."""
        self._row = F.get_kernel(self.kernel)
        self._vjp = _prediction_vjp(self._row)

    def __call__(self, y: np.ndarray, y_hat: np.ndarray) -> np.ndarray:
        """``loss(y, y_hat)``: ``forward(y, y_hat)``."""
        return self.forward(y, y_hat)

    def forward(self, y: np.ndarray, y_hat: np.ndarray) -> np.ndarray:
        """The loss of predictions ``y_hat`` against ground truth ``y`` (same shape).

        Raises:
            TypeError: an argument is not a numpy array; ``y_hat`` is not floating point; ``y``
                is not numbers, or of a dtype that would widen the loss and its gradient
                (float64 or int64 targets for float32 predictions: give them in ``y_hat``'s dtype).
            ValueError: ``y`` and ``y_hat`` differ in shape, or hold no example.
        """
        if not isinstance(y, _ndarray) or not isinstance(y_hat, _ndarray):
            name = type(self).__name__
            tensors = any(type(a).__name__ in ("Tensor", "Parameter") for a in (y, y_hat))
            hint = f"; for Tensors use mytorch.nn.{self.tensor_level}, called as loss(prediction, target)"
            hint = hint if tensors else ""
            raise TypeError(
                f"{name}: y and y_hat must be numpy arrays, got {type(y).__name__} and {type(y_hat).__name__}{hint}"
            )
        if type(y) is not _ndarray or type(y_hat) is not _ndarray:
            for what, a in (("y", y), ("y_hat", y_hat)):
                why = odd_array(a)
                if why:
                    raise TypeError(f"{type(self).__name__}: {what} is {why}")
        if y.shape != y_hat.shape:
            name = type(self).__name__
            hint = "; give class labels as one-hot rows" if y.ndim + 1 == y_hat.ndim else ""
            raise ValueError(
                f"{name}: ground truth y has shape {tuple(y.shape)} but y_hat has shape {tuple(y_hat.shape)}{hint}"
            )
        dtype = y_hat.dtype  # (float64 and float32 told by identity, before reading dtype.kind)
        if (
            y.dtype is not dtype
            or (dtype is not _FLOAT64 and dtype is not _FLOAT32 and dtype.kind not in "fc")
            or not y_hat.size
        ):
            _check_dtypes(type(self).__name__, y, y_hat)
        # BEGIN SOLUTION: compute the loss (self._evaluate), record it with add_operation, keep it in self.loss
        kernel = self._row
        loss, saved = self._evaluate(kernel, y, y_hat)
        engine = self.autograd_engine
        if engine is not None:  # None: compute only, as with F.apply
            if type(y_hat) is _ndarray and y_hat.ndim:  # (floating point, checked above; y is NO_GRAD)
                engine.record((y, y_hat), loss, (NO_GRAD, None), kernel.backward, saved, self._vjp, 1, 1)
            else:  # the checked path: its message for a wrong input, NumPy's 0-d scalars handled
                record(engine, False, [y, y_hat], loss, [NO_GRAD, None], kernel.backward, saved, skipped=1)
        self.loss = loss
        return loss
        # END SOLUTION

    def _evaluate(self, kernel: F.Kernel, y: np.ndarray, y_hat: np.ndarray) -> tuple[np.ndarray, dict[str, Any] | None]:
        """The loss, and the forward's intermediate values that its backward kernel takes as
        params (None: the kernel recomputes what it needs)."""
        return kernel.forward(y, y_hat), None

    def backward(self) -> None:
        """Back-propagate from the last loss computed (divergence 1).

        Raises:
            ValueError: no loss has been computed yet.
        """
        if self.loss is None:
            raise ValueError(f"{type(self).__name__}.backward: call the loss on (y, y_hat) first")
        self.autograd_engine.backward(1.0, self.loss)  # (output by position: a keyword costs more)


class MSELoss(LossFN):
    """Mean over all elements of (y_hat - y)^2."""

    kernel = "mse_loss"

    def _evaluate(self, kernel: F.Kernel, y: np.ndarray, y_hat: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
        dtype = y_hat.dtype
        if (dtype is _FLOAT64 or dtype is _FLOAT32) and type(y_hat) is _ndarray:
            # F.mse_loss_and_diff for a float64 / float32 prediction (forward checked the shapes and
            # y's dtype) without its three calls: its arithmetic, its sum (F.sum_of_squares: one dot
            # for float64 and for float32 up to F.SEQUENTIAL_SUM_LIMIT elements), so its bits
            diff = y_hat - y
            size = diff.size
            if dtype is _FLOAT64 or size <= _SEQUENTIAL:
                return _asarray([_vdot(diff, diff) / size], dtype=dtype), {"diff": diff}
        loss, diff = _MSE_AND_DIFF(y, y_hat)
        return loss, {"diff": diff}


class SoftmaxCrossEntropy(LossFN):
    """Mean over the batch of -sum(y * log softmax(y_hat)); y one-hot (N, C), y_hat logits.

    Stable for any logits (the softmax is shifted by the row maximum). The forward's
    log-probabilities go to the backward kernel, which then needs no second softmax.
    """

    kernel = "softmax_cross_entropy"
    tensor_level = "CrossEntropyLoss() (integer class labels)"

    def _resolve(self) -> None:
        super()._resolve()
        if _ROWS_CROSS_ENTROPY is not None and self._vjp is not None and self._row.name == "softmax_cross_entropy":
            self._vjp = _ROWS_CROSS_ENTROPY[1]  # (it calls the kernel's rule for logits not of 2-D)

    def _evaluate(self, kernel: F.Kernel, y: np.ndarray, y_hat: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
        dtype = y_hat.dtype
        fast = _ROWS_CROSS_ENTROPY
        if fast is not None and type(y_hat) is _ndarray and y_hat.ndim == 2 and dtype in (_FLOAT64, _FLOAT32):
            loss, log_probs = fast[0](y, y_hat)  # (y of y_hat's shape: forward checked)
        else:
            loss, log_probs = _CROSS_ENTROPY_AND_LOG_PROBS(y, y_hat)
        return loss, {"log_probs": log_probs}


class BCELoss(LossFN):
    """Mean binary cross-entropy of probabilities y_hat in [0, 1] against targets y."""

    kernel = "bce_loss"
    tensor_level = "BCELoss()"

    def _evaluate(self, kernel: F.Kernel, y: np.ndarray, y_hat: np.ndarray) -> tuple[np.ndarray, None]:
        F.check_probabilities("BCELoss", "targets y", y)  # a target of 2 or -1 gives a meaningless loss
        return kernel.forward(y, y_hat), None


class BCEWithLogitsLoss(LossFN):
    """Binary cross-entropy of logits y_hat (probabilities sigmoid(y_hat)); stable for any logit."""

    kernel = "bce_with_logits_loss"
    tensor_level = "BCEWithLogitsLoss()"


LOSSES: dict[str, type[LossFN]] = {
    "mse": MSELoss,
    "cross_entropy": SoftmaxCrossEntropy,
    "bce": BCELoss,
    "bce_with_logits": BCEWithLogitsLoss,
}
"""Every loss by its short name."""

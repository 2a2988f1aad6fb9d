"""More of PyTorch's losses, each a function and a module, composed of the kernel table's
operations (so gradients, forward mode and higher derivatives are theirs), written as PyTorch
defines them: ``margin_ranking_loss``, ``hinge_embedding_loss``, ``soft_margin_loss``,
``multilabel_soft_margin_loss``, ``multi_margin_loss``, ``cosine_embedding_loss``,
``triplet_margin_loss``, ``poisson_nll_loss``, ``gaussian_nll_loss`` (and ``nn.MarginRankingLoss``,
...). Where PyTorch clamps at 0 the bound passes the gradient (``clamp``), as PyTorch's ``clamp_min``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, cast

import numpy as np

from mytorch.nn.distance import pairwise_distance
from mytorch.nn.functional_tensor import _check_reduction, _labels, _reduce
from mytorch.nn.module import Module
from mytorch.tensor import Tensor, check_setting, exp, log, relu, softplus
from mytorch.tensor_index import gather
from mytorch.tensor_math import clamp, minimum, where
from mytorch.tensor_pointwise import _tensor as _t

__all__ = [
    "CosineEmbeddingLoss",
    "GaussianNLLLoss",
    "HingeEmbeddingLoss",
    "MarginRankingLoss",
    "MultiLabelSoftMarginLoss",
    "MultiMarginLoss",
    "PoissonNLLLoss",
    "SoftMarginLoss",
    "TripletMarginLoss",
    "TripletMarginWithDistanceLoss",
    "cosine_embedding_loss",
    "gaussian_nll_loss",
    "hinge_embedding_loss",
    "margin_ranking_loss",
    "multi_margin_loss",
    "multilabel_soft_margin_loss",
    "poisson_nll_loss",
    "soft_margin_loss",
    "triplet_margin_loss",
    "triplet_margin_with_distance_loss",
]


def _zeros_like(x: Tensor) -> Tensor:
    return Tensor(np.zeros((), x.dtype))


def _pick(condition: Any, a: Any, b: Any) -> Tensor:
    out = where(Tensor(np.asarray(condition)), a, b)
    assert isinstance(out, Tensor)
    return out


def _signs(name: str, target: Any) -> np.ndarray:
    """The values of ``target``, each checked to be 1 or -1: another value (a 0 of 0 / 1 labels)
    made no sense of PyTorch's formulas and gave a number without a word (0 for every such pair of
    cosine_embedding_loss, a constant ``margin`` for margin_ranking_loss)."""
    y = np.asarray(_t(target)._data)
    bad = (y != 1) & (y != -1)
    if bad.any():
        found = ", ".join(str(v) for v in np.unique(y[bad])[:3].tolist())
        raise ValueError(
            f"F.{name}: the target must hold 1 or -1 for each example, got {found}; from labels 0 / 1 make it 2 * y - 1"
        )
    return y


def _done(name: str, losses: Tensor, reduction: str) -> Tensor:
    _check_reduction(name, reduction)
    return _reduce(losses, reduction)


def margin_ranking_loss(input1: Any, input2: Any, target: Any, margin: float = 0.0, reduction: str = "mean") -> Tensor:
    """``max(0, -y (x1 - x2) + margin)``: y = 1 asks x1 to rank above x2 by ``margin``."""
    _signs("margin_ranking_loss", target)
    return _done("margin_ranking_loss", clamp(-_t(target) * (_t(input1) - input2) + margin, min=0.0), reduction)


def hinge_embedding_loss(input: Any, target: Any, margin: float = 1.0, reduction: str = "mean") -> Tensor:  # noqa: A002
    """x where y = 1, ``max(0, margin - x)`` where y = -1 (any other y is a ValueError)."""
    x, y = _t(input), _signs("hinge_embedding_loss", target)
    check_setting("F.hinge_embedding_loss", "margin", margin, x._data.dtype)  # (1e39 for float32 was inf)
    pulled = _pick(y != 1, clamp(margin - x, min=0.0), _zeros_like(x))
    return _done("hinge_embedding_loss", pulled + _pick(y != -1, x, _zeros_like(x)), reduction)


def soft_margin_loss(input: Any, target: Any, reduction: str = "mean") -> Tensor:  # noqa: A002
    """``log(1 + exp(-y x))`` (as ``softplus``, finite where the exponential overflows)."""
    # -(y x), not (-y) x: an unsigned target would wrap when negated (uint8 1 is 255)
    return _done("soft_margin_loss", softplus(-(_t(target) * _t(input))), reduction)


def multilabel_soft_margin_loss(input: Any, target: Any, weight: Any = None, reduction: str = "mean") -> Tensor:  # noqa: A002
    """The binary cross-entropy of ``sigmoid(x)`` against each label, averaged over the classes
    (the last axis), optionally weighted per class."""
    x, y = _t(input), _t(target)
    losses = y * softplus(-x) + (1 - y) * softplus(x)
    if weight is not None:
        losses = losses * weight
    return _done("multilabel_soft_margin_loss", losses.mean(-1), reduction)


def multi_margin_loss(
    input: Any,  # noqa: A002
    target: Any,
    p: int = 1,
    margin: float = 1.0,
    weight: Any = None,
    reduction: str = "mean",
) -> Tensor:
    """For each row, ``sum over i != y of max(0, margin - x[y] + x[i])**p / C`` (p 1 or 2; ``weight``
    scales each row by its class's weight). A term exactly at its hinge has the gradient 0, as PyTorch's."""
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: p must be 1 or 2, got {p}")
    x = _t(input)
    if x.ndim not in (1, 2):
        raise ValueError(f"F.multi_margin_loss: input must be (N, C) or (C,), got shape {tuple(x.shape)}")
    x2 = x if x.ndim == 2 else x.reshape(1, -1)
    n, classes = x2.shape
    labels = _labels("multi_margin_loss", target, classes)  # (integers in [0, C): 0.5 was cut to class 0)
    if labels.shape != (n,) and not (x.ndim == 1 and labels.shape == ()):
        raise ValueError(
            f"F.multi_margin_loss: target must be class labels of shape ({n},) for an input of shape {tuple(x.shape)}, "
            f"got shape {tuple(labels.shape)}"
        )
    labels = labels.reshape(-1)
    chosen = gather(x2, 1, Tensor(labels[:, None]))
    z = relu(margin - chosen + x2)  # (at the hinge, margin - x[y] + x[i] = 0, the gradient 0, as PyTorch's)
    if p == 2:
        z = z * z
    if weight is not None:
        w = _t(weight)
        if w.shape != (classes,):
            raise ValueError(
                f"F.multi_margin_loss: weight must have one entry per class, shape ({classes},), got shape "
                f"{tuple(w.shape)}"
            )
        z = z * gather(w, 0, Tensor(labels))[:, None]
    own = np.arange(x2.shape[1])[None, :] == labels[:, None]
    losses = _pick(own, _zeros_like(z), z).sum(1) / x2.shape[1]
    return _done("multi_margin_loss", losses if x.ndim == 2 else losses.reshape(()), reduction)


def cosine_embedding_loss(
    input1: Any, input2: Any, target: Any, margin: float = 0.0, reduction: str = "mean"
) -> Tensor:
    """``1 - cos(x1, x2)`` where y = 1, ``max(0, cos(x1, x2) - margin)`` where y = -1 (the cosine
    along the last axis, each squared norm floored by 1e-12 as PyTorch does). float16 inputs are
    computed in float32 (their squares overflow from 256: the loss was NaN, PyTorch 2.13's too)."""
    a, b = _t(input1), _t(input2)
    if a.dtype == b.dtype == np.float16:
        wide = cosine_embedding_loss(a.to(np.float32), b.to(np.float32), target, margin, reduction)
        return wide.to(np.float16)
    dot = (a * b).sum(-1)
    cos = dot / ((a * a).sum(-1) + 1e-12) ** 0.5 / ((b * b).sum(-1) + 1e-12) ** 0.5
    y = _signs("cosine_embedding_loss", target)
    near = _pick(y == 1, 1 - cos, _zeros_like(cos))
    far = _pick(y == -1, clamp(cos - margin, min=0.0), _zeros_like(cos))
    return _done("cosine_embedding_loss", near + far, reduction)


def triplet_margin_loss(
    anchor: Any,
    positive: Any,
    negative: Any,
    margin: float = 1.0,
    p: float = 2.0,
    eps: float = 1e-6,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """``max(0, margin + d(a, p) - d(a, n))`` with ``pairwise_distance`` d; ``swap`` uses the
    smaller of d(a, n) and d(p, n)."""
    d_pos = pairwise_distance(_t(anchor), _t(positive), p, eps)
    d_neg = pairwise_distance(_t(anchor), _t(negative), p, eps)
    if swap:
        d_neg = minimum(d_neg, pairwise_distance(_t(positive), _t(negative), p, eps))
    return _done("triplet_margin_loss", clamp(margin + d_pos - d_neg, min=0.0), reduction)


def triplet_margin_with_distance_loss(
    anchor: Any,
    positive: Any,
    negative: Any,
    *,
    distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
    margin: float = 1.0,
    swap: bool = False,
    reduction: str = "mean",
) -> Tensor:
    """``max(0, margin + d(a, p) - d(a, n))`` for any distance ``d`` of two batches (default
    ``pairwise_distance``), as PyTorch's; ``swap`` uses the smaller of d(a, n) and d(p, n)."""
    if margin <= 0:
        raise ValueError(f"triplet_margin_with_distance_loss: margin must be greater than 0, got {margin}")
    d = pairwise_distance if distance_function is None else distance_function
    a, pos, neg = _t(anchor), _t(positive), _t(negative)
    d_pos, d_neg = d(a, pos), d(a, neg)
    if swap:
        d_neg = minimum(d_neg, d(pos, neg))
    return _done("triplet_margin_with_distance_loss", clamp(margin + d_pos - d_neg, min=0.0), reduction)


def poisson_nll_loss(
    input: Any,  # noqa: A002
    target: Any,
    log_input: bool = True,
    full: bool = False,
    eps: float = 1e-8,
    reduction: str = "mean",
) -> Tensor:
    """The Poisson negative log-likelihood: ``exp(x) - y x`` (``log_input``), else ``x - y log(x + eps)``;
    ``full`` adds Stirling's ``y log y - y + log(2 pi y) / 2`` where y > 1 (recorded when the target
    requires a gradient, as PyTorch's: its gradient there is log y + 1 / (2 y))."""
    x, y = _t(input), _t(target)
    losses = exp(x) - y * x if log_input else x - y * log(x + eps)
    if full and y.requires_grad:
        above = y._data > 1
        kept = cast(Tensor, where(above, y, 1.0))
        losses = losses + cast(Tensor, where(above, kept * log(kept) - kept + 0.5 * log(kept * (2 * math.pi)), 0.0))
    elif full:
        values = np.asarray(y._data, dtype=np.float64)
        big = values > 1
        safe = np.where(big, values, 1.0)
        stirling = np.where(big, safe * np.log(safe) - safe + 0.5 * np.log(2 * math.pi * safe), 0.0)
        losses = losses + Tensor(stirling.astype(x.dtype))
    return _done("poisson_nll_loss", losses, reduction)


def gaussian_nll_loss(
    input: Any,  # noqa: A002
    target: Any,
    var: Any,
    full: bool = False,
    eps: float = 1e-6,
    reduction: str = "mean",
) -> Tensor:
    """``(log(max(var, eps)) + (x - y)**2 / max(var, eps)) / 2`` (plus ``log(2 pi) / 2`` with ``full``);
    ``var`` may lack the last axis, or have length 1 there. The clamp at ``eps`` passes the
    gradient unchanged, as PyTorch's (which clamps without recording).

    Raises:
        ValueError: a negative variance, or a ``var`` whose shape does not fit.
    """
    x = _t(input)
    if x.dtype == np.float16:  # in float32: (x - y)**2 overflows from 256 (inf for a loss of 11,250)
        y, v = (a.to(np.float32) if isinstance(a, Tensor) and a.dtype == np.float16 else a for a in (target, var))
        return gaussian_nll_loss(x.to(np.float32), y, v, full, eps, reduction).to(np.float16)
    # a number var is taken in the input's dtype, as PyTorch's (a float64 0-d tensor made it float64),
    # and for every element of any input (a 0-d var was refused beside a 2-D input, PyTorch takes it)
    if isinstance(var, (int, float, np.number)) and x.dtype.kind == "f":
        var = Tensor(np.full(x.shape, var, dtype=x.dtype))
    v = var if isinstance(var, Tensor) or x.dtype.kind != "f" else Tensor(np.asarray(var, dtype=x.dtype))
    v = _t(v)
    if np.any(np.asarray(v._data) < 0):
        raise ValueError("gaussian_nll_loss: var has negative entries")
    if v.ndim == x.ndim - 1 and v.shape == x.shape[:-1]:
        v = v.unsqueeze(-1)
    if v.shape != x.shape and not (v.shape[:-1] == x.shape[:-1] and v.shape[-1:] == (1,)):
        raise ValueError(
            f"gaussian_nll_loss: var of shape {tuple(v.shape)} does not fit input of shape {tuple(x.shape)}"
        )
    data = np.asarray(v._data)
    floored = np.maximum(data, eps).astype(data.dtype)
    if (floored != data).any():
        v = v + Tensor(floored - data)  # (the floor as a constant shift: the gradient is unchanged)
    losses = 0.5 * (log(v) + (x - target) ** 2 / v)
    if full:
        losses = losses + 0.5 * math.log(2 * math.pi)
    return _done("gaussian_nll_loss", losses, reduction)


class _Options(Module):
    """A loss module: its function with the options given to the constructor, each an attribute
    read at every call, as in PyTorch (``loss.margin = 0.5`` between steps changes the next
    losses); a class ``weight`` is a buffer (in ``state_dict``, converted by ``to()``)."""

    function: Any = None

    def __init__(self, reduction: str = "mean", **options: Any) -> None:
        super().__init__()
        _check_reduction(type(self).__name__, reduction)
        self.reduction = reduction
        self._option_names = tuple(options)
        for name, value in options.items():
            if name == "weight":
                weight = value if value is None or isinstance(value, Tensor) else Tensor(np.asarray(value))
                self.register_buffer("weight", weight)
            else:
                setattr(self, name, value)

    @property
    def options(self) -> dict[str, Any]:
        """The function's keyword arguments besides ``reduction``, as the attributes hold them now."""
        return {name: getattr(self, name) for name in self._option_names}

    def forward(self, *inputs: Any) -> Tensor:
        """The loss of the inputs (as the function's positional arguments)."""
        return type(self).function(*inputs, reduction=self.reduction, **self.options)

    def extra_repr(self) -> str:
        """Nothing, as PyTorch's losses (``TripletMarginLoss()``)."""
        return ""


class MarginRankingLoss(_Options):
    """``F.margin_ranking_loss(x1, x2, y, margin)``."""

    function = staticmethod(margin_ranking_loss)

    def __init__(self, margin: float = 0.0, reduction: str = "mean") -> None:
        super().__init__(reduction, margin=margin)


class HingeEmbeddingLoss(_Options):
    """``F.hinge_embedding_loss(x, y, margin)``."""

    function = staticmethod(hinge_embedding_loss)

    def __init__(self, margin: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction, margin=margin)


class SoftMarginLoss(_Options):
    """``F.soft_margin_loss(x, y)``."""

    function = staticmethod(soft_margin_loss)


class MultiLabelSoftMarginLoss(_Options):
    """``F.multilabel_soft_margin_loss(x, y, weight)``."""

    function = staticmethod(multilabel_soft_margin_loss)

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction, weight=weight)


class MultiMarginLoss(_Options):
    """``F.multi_margin_loss(x, y, p, margin, weight)``."""

    function = staticmethod(multi_margin_loss)

    def __init__(self, p: int = 1, margin: float = 1.0, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction, p=p, margin=margin, weight=weight)


class CosineEmbeddingLoss(_Options):
    """``F.cosine_embedding_loss(x1, x2, y, margin)``."""

    function = staticmethod(cosine_embedding_loss)

    def __init__(self, margin: float = 0.0, reduction: str = "mean") -> None:
        super().__init__(reduction, margin=margin)


class TripletMarginLoss(_Options):
    """``F.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap)``."""

    function = staticmethod(triplet_margin_loss)

    def __init__(
        self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False, reduction: str = "mean"
    ) -> None:
        super().__init__(reduction, margin=margin, p=p, eps=eps, swap=swap)


class TripletMarginWithDistanceLoss(_Options):
    """``F.triplet_margin_with_distance_loss(anchor, positive, negative, distance_function, margin, swap)``."""

    function = staticmethod(triplet_margin_with_distance_loss)

    def __init__(
        self,
        *,
        distance_function: Callable[[Tensor, Tensor], Tensor] | None = None,
        margin: float = 1.0,
        swap: bool = False,
        reduction: str = "mean",
    ) -> None:
        super().__init__(reduction, distance_function=distance_function, margin=margin, swap=swap)


class PoissonNLLLoss(_Options):
    """``F.poisson_nll_loss(x, y, log_input, full, eps)``."""

    function = staticmethod(poisson_nll_loss)

    def __init__(self, log_input: bool = True, full: bool = False, eps: float = 1e-8, reduction: str = "mean") -> None:
        super().__init__(reduction, log_input=log_input, full=full, eps=eps)


class GaussianNLLLoss(_Options):
    """``F.gaussian_nll_loss(x, y, var, full, eps)``."""

    function = staticmethod(gaussian_nll_loss)

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(reduction, full=full, eps=eps)

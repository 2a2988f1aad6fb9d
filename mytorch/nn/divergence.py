"""``F.kl_div`` and ``nn.KLDivLoss``: the Kullback-Leibler divergence of ``target`` from the
distribution whose log-probabilities are ``input``, composed of recorded kernels (``log``,
``where``, ``exp``, ``mul``, ``sub``, ``sum``/``mean``).

Pointwise, as in PyTorch: ``target (log target - input)`` (0 where target is 0, NaN where it is negative), or with
``log_target=True`` (``target`` holding log-probabilities) ``exp(target) (target - input)``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from mytorch.nn.functional_tensor import REDUCTIONS, _legacy, _reduce, _same_shapes, _tensor
from mytorch.nn.losses import _Loss
from mytorch.tensor import Tensor, _apply

__all__ = ["KLDivLoss", "kl_div"]

KL_REDUCTIONS = (*REDUCTIONS, "batchmean")


def kl_div(
    input: Any,  # noqa: A002 - PyTorch's name
    target: Any,
    size_average: Any = None,
    reduce: Any = None,  # noqa: A002
    reduction: str = "mean",
    log_target: bool = False,
) -> Tensor:
    """KL(target || exp(input)), reduced: "batchmean" (the sum over the batch size, the
    divergence's own scale), "sum", "mean" (over every element, as PyTorch's; a ``UserWarning``
    says it is not the divergence, as PyTorch's does) or "none".

    Raises:
        ValueError: an unknown reduction. TypeError: ``size_average`` or ``reduce`` given.
    """
    name = "kl_div"
    _legacy(name, size_average, reduce)
    if reduction not in KL_REDUCTIONS:
        raise ValueError(f"F.{name}: reduction must be one of {', '.join(KL_REDUCTIONS)}, got {reduction!r}")
    x = _tensor(name, input)
    _same_shapes(name, x, target)
    t = target if isinstance(target, Tensor) else Tensor(np.asarray(target, dtype=x.dtype))
    if log_target:
        pointwise = t.exp() * (t - x)
    else:
        nonzero = t._data != 0  # log of a negative target is NaN, as PyTorch's xlogy gives
        logs = _apply("log", (_apply("where", (t, 1.0), {"condition": nonzero}),))
        pointwise = t * logs - t * x
    if reduction == "batchmean":
        return pointwise.sum() / (x.shape[0] if x.ndim else 1)
    if reduction == "mean":  # (PyTorch warns alike, the default included)
        warnings.warn(
            "kl_div: reduction='mean' divides the total by the number of elements, not by the batch size; "
            "reduction='batchmean' gives the KL divergence",
            UserWarning,
            stacklevel=2,
        )
    return _reduce(pointwise, reduction)


class KLDivLoss(_Loss):
    """``F.kl_div`` as a module; ``reduction="batchmean"`` is the divergence per example."""

    function = staticmethod(kl_div)

    def __init__(
        self,
        size_average: Any = None,
        reduce: Any = None,  # noqa: A002
        reduction: str = "mean",
        log_target: bool = False,
    ) -> None:
        _legacy(type(self).__name__, size_average, reduce)
        super().__init__("mean")
        if reduction not in KL_REDUCTIONS:
            raise ValueError(f"KLDivLoss: reduction must be one of {', '.join(KL_REDUCTIONS)}, got {reduction!r}")
        self.reduction, self.log_target = reduction, bool(log_target)

    def options(self) -> dict[str, Any]:
        """``{"log_target": log_target}``."""
        return {"log_target": self.log_target}

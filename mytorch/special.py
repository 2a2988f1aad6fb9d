"""``mytorch.special``: PyTorch's ``torch.special`` names for the functions MyTorch has (loaded on
first use of ``mytorch.special``). Each is the function of the same meaning elsewhere in
MyTorch (``special.expit`` is ``mytorch.sigmoid``, ``special.gammaln`` is ``mytorch.lgamma``), so
it records the same kernels; ``ndtr`` is composed of ``erfc``, and ``ndtri`` is a kernel of its own.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mytorch.dtypes import get_default_dtype
from mytorch.tensor import Tensor, _apply, erf, erfc, exp, expm1, log1p, sigmoid
from mytorch.tensor_composed import exp2, logit, sinc, xlogy
from mytorch.tensor_math import log_softmax, logsumexp, round, softmax  # noqa: A004 - PyTorch's name
from mytorch.tensor_special import digamma, erfinv, lgamma, mvlgamma, polygamma

__all__ = [
    "digamma",
    "erf",
    "erfc",
    "erfinv",
    "exp2",
    "expit",
    "expm1",
    "gammaln",
    "log1p",
    "log_softmax",
    "logit",
    "logsumexp",
    "multigammaln",
    "ndtr",
    "ndtri",
    "polygamma",
    "psi",
    "round",
    "sinc",
    "softmax",
    "xlogy",
]

expit, gammaln, psi, multigammaln = sigmoid, lgamma, digamma, mvlgamma


def ndtr(input: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """The standard normal distribution function, erfc(-x / sqrt 2) / 2."""
    x = input if isinstance(input, Tensor) else Tensor(np.asarray(input))
    return erfc(x * -math.sqrt(0.5)) * 0.5


def ndtri(input: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """The inverse of ``ndtr``, the standard normal quantile (a kernel: sqrt 2 erfinv(2 p - 1)
    in the middle, a Newton solve of erfc in the tails, so that p = 1e-300 gives -37.05, not
    -inf); -inf at 0, +inf at 1, NaN outside [0, 1]. Integer input gives the default float dtype."""
    p = input if isinstance(input, Tensor) else Tensor(np.asarray(input))
    if p.dtype.kind in "biu":
        p = p.to(get_default_dtype())
    return _apply("ndtri", (p,))


def __getattr__(name: str) -> Any:
    """A name this module lacks: an error saying MyTorch does not have PyTorch's."""
    from mytorch.arguments import not_in_mytorch

    raise not_in_mytorch("mytorch.special", name)


_ = (erf, exp, expm1, log1p)  # re-exported

"""The gamma-function family and the inverse error function on Tensors: ``lgamma``, ``digamma``
(``psi``), ``polygamma(n, x)``, ``mvlgamma(x, p)``, ``erfinv``; and ``mytorch.special``'s names
for them and for the functions MyTorch has under other names (``special.expit`` is ``sigmoid``).

``lgamma``, ``digamma``, ``polygamma`` and ``erfinv`` are kernels of the table
(``mytorch/nn/functional.py``): each backward rule calls the next kernel (the derivative of
``lgamma`` is ``digamma``, of ``polygamma(n)`` ``polygamma(n + 1)``, of ``erfinv`` a product
with its own output), so derivatives of every order come with them, in both modes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mytorch.dtypes import get_default_dtype
from mytorch.tensor import Tensor, _apply, _elementwise

__all__ = ["digamma", "erfinv", "lgamma", "mvlgamma", "polygamma"]

lgamma = _elementwise("lgamma")
lgamma.__doc__ = "ln |Gamma(x)|, elementwise (+inf at 0, -1, -2, ...); its derivative is ``digamma``."
digamma = _elementwise("digamma")
digamma.__doc__ = "psi(x) = d/dx ln Gamma(x), elementwise (-inf at 0, NaN at the negative integers)."
erfinv = _elementwise("erfinv")
erfinv.__doc__ = "The inverse of ``erf`` on [-1, 1] (+-inf at +-1, NaN outside)."


def _floating(x: Any) -> Tensor:
    t = x if isinstance(x, Tensor) else Tensor(np.asarray(x))
    return t.to(get_default_dtype()) if t.dtype.kind in "biu" else t


def polygamma(n: int, input: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """psi^(n)(x), the n-th derivative of ``digamma`` (n = 0: ``digamma``), PyTorch's argument order.

    Raises:
        ValueError: n is not a non-negative integer.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"polygamma: n must be a non-negative integer, got {n!r}")
    return _apply("polygamma", (_floating(input),), {"n": int(n)})


def mvlgamma(input: Any, p: int) -> Tensor:  # noqa: A002 - PyTorch's name
    """The multivariate log-gamma function of dimension ``p``: p (p - 1) / 4 ln(pi) + sum over
    j < p of lgamma(x - j / 2).

    Raises:
        ValueError: p < 1, or some element is not above (p - 1) / 2, as PyTorch refuses it.
    """
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 1:
        raise ValueError(f"mvlgamma: p must be a positive integer, got {p!r}")
    x = _floating(input)
    if (x._data <= (p - 1) / 2).any():
        raise ValueError(f"mvlgamma: all elements must be greater than (p - 1) / 2 = {(p - 1) / 2}")
    terms = [lgamma(x - j / 2) for j in range(p)]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total + p * (p - 1) / 4 * math.log(math.pi)


def _polygamma_method(self: Tensor, n: int) -> Tensor:
    """``t.polygamma(n)``: ``polygamma(n, t)``."""
    return polygamma(n, self)


METHODS = {
    "lgamma": lgamma,
    "digamma": digamma,
    "erfinv": erfinv,
    "mvlgamma": mvlgamma,
    "polygamma": _polygamma_method,
}
"""The Tensor methods of this file (bound by ``mytorch.tensor_methods``)."""

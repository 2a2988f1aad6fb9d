"""A helper for tests that run one expression under MyTorch and under PyTorch: the values and the
input's gradient of each must agree."""

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

import mytorch


def assert_like_torch(torch: Any, values: np.ndarray, calls: Sequence[Callable[[Any, Any], Any]], **tol: float) -> None:
    """For each ``call(lib, x)``, with ``x`` a leaf tensor of ``values`` in each library: the result and
    ``x``'s gradient of the result weighted by a fixed cosine pattern agree within ``tol``."""
    for k, call in enumerate(calls):
        outs = []
        for lib in (mytorch, torch):
            x = lib.tensor(values, requires_grad=True)
            y = call(lib, x)
            weights = lib.tensor(np.cos(np.arange(y.numel(), dtype=values.dtype)).reshape(tuple(y.shape)))
            (y * weights).sum().backward()
            outs.append((y.detach().numpy(), x.grad.numpy()))
        for got, want in zip(*outs):
            np.testing.assert_allclose(got, want, err_msg=f"call {k}", **tol)

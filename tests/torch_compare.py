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


def assert_same_numbers(torch: Any, run: Callable[[Any], tuple[list[np.ndarray], list[str]]], **tol: float) -> None:
    """``run(lib)`` gives arrays and printed forms; under MyTorch and PyTorch the printed forms are
    equal and the arrays of equal shapes and within ``tol``."""
    (mine, my_names), (theirs, their_names) = run(mytorch), run(torch)
    assert my_names == their_names
    assert len(mine) == len(theirs)
    for i, (got, want) in enumerate(zip(mine, theirs)):
        assert got.shape == want.shape, i
        np.testing.assert_allclose(got, want, err_msg=str(i), **tol)

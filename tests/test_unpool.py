"""Max pooling with return_indices and F.max_unpool / nn.MaxUnpool: indices by brute force over
the windows, the unpool's gradient against central differences, both against PyTorch."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from test_inplace import central_differences

import mytorch as mt
import mytorch.nn as nn
import mytorch.nn.functional as F

CASES = [
    ((2, 3, 8, 8), {"kernel_size": 2}),
    ((2, 3, 7, 9), {"kernel_size": 3, "stride": 2, "padding": 1}),
    ((1, 2, 7, 7), {"kernel_size": 3, "stride": 2, "ceil_mode": True}),
    ((1, 2, 9, 9), {"kernel_size": 2, "dilation": 2, "padding": 1}),
    ((3, 7, 7), {"kernel_size": 3, "stride": 2, "padding": 1}),
]


def _brute_force(a, kernel, stride, padding, out_shape):
    """Each output's source in the flattened plane: the first largest element of its window inside
    the input, the last NaN, or the first element inside when all are -inf (dilation 1)."""
    h, w = a.shape[-2:]
    found = np.zeros(a.shape[:-2] + out_shape, dtype=np.int64)
    for lead in np.ndindex(a.shape[:-2]):
        for i, j in itertools.product(range(out_shape[0]), range(out_shape[1])):
            best, at = -np.inf, None
            for di, dj in itertools.product(range(kernel), range(kernel)):
                r, c = i * stride - padding + di, j * stride - padding + dj
                if 0 <= r < h and 0 <= c < w:
                    v = a[lead + (r, c)]
                    if at is None or v > best or np.isnan(v):
                        best, at = v, r * w + c
            found[lead + (i, j)] = at
    return found


def test_indices_are_where_each_maximum_came_from():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(2, 3, 7, 9))
    a[0, 0, :3, :3] = -np.inf
    a[1, 1, 2, 2] = a[1, 1, 3, 3] = np.nan
    a[1, 2, 4, 4] = a[1, 2, 4, 5] = 5.0  # a tie: the first
    y, idx = F.max_pool2d(mt.tensor(a), 3, stride=2, padding=1, return_indices=True)
    assert idx.dtype == np.int64 and not idx.requires_grad
    np.testing.assert_array_equal(idx.numpy(), _brute_force(a, 3, 2, 1, y.shape[-2:]))
    pool = nn.MaxPool2d(2, return_indices=True)
    y2, idx2 = pool(mt.tensor(a[0]))  # unbatched
    np.testing.assert_array_equal(idx2.numpy(), _brute_force(a[0], 2, 2, 0, y2.shape[-2:]))
    with pytest.raises(NotImplementedError, match="adaptive"):
        nn.AdaptiveMaxPool2d(2, return_indices=True)


def test_unpool_puts_values_back_and_differentiates():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(2, 2, 6, 6))
    pooled, idx = F.max_pool2d(mt.tensor(a), 2, return_indices=True)
    back = F.max_unpool2d(pooled, idx, 2)
    kept = np.zeros_like(a)
    flat_idx = idx.numpy().reshape(2, 2, -1)
    np.put_along_axis(kept.reshape(2, 2, -1), flat_idx, pooled.numpy().reshape(2, 2, -1), axis=2)
    np.testing.assert_array_equal(back.numpy(), kept)
    assert nn.MaxUnpool2d(2)(pooled, idx, output_size=(2, 2, 7, 7)).shape == (2, 2, 7, 7)
    w = rng.normal(size=(2, 2, 6, 6))

    def loss(v):
        p, i = F.max_pool2d(v, 2, return_indices=True)
        return (F.max_unpool2d(p * p, i, 2) * mt.tensor(w)).sum()

    x = mt.tensor(a, requires_grad=True)
    loss(x).backward()
    (expected,) = central_differences(lambda v: loss(mt.tensor(v)).item(), [a.copy()])
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6, atol=1e-8)
    with pytest.raises(ValueError, match="invalid output_size"):  # (PyTorch's check: within a stride of 6)
        F.max_unpool2d(pooled, idx, 2, output_size=(3, 3))


@pytest.mark.parametrize(("shape", "kw"), CASES)
def test_against_pytorch(shape, kw):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    a = rng.normal(size=shape)
    a.flat[3], a.flat[5], a.flat[6] = -np.inf, np.nan, np.nan
    a[..., :3, :3] = -np.inf
    g = None
    results = []
    for lib in (torch, mt):
        x = lib.tensor(a, requires_grad=True)
        y, idx = lib.nn.functional.max_pool2d(x, return_indices=True, **kw)
        clean = lib.nan_to_num(y, nan=0.0, neginf=0.0)
        back = lib.nn.functional.max_unpool2d(
            clean, idx, kw["kernel_size"], kw.get("stride"), kw.get("padding", 0), output_size=shape[-2:]
        )
        g = rng.normal(size=tuple(back.shape)) if g is None else g
        (back * lib.tensor(g)).sum().backward()
        results.append([idx.numpy(), back.detach().numpy(), x.grad.numpy()])
    for theirs, mine in zip(*results):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-12)


def test_an_output_size_more_than_a_stride_from_the_pool_input_is_refused():
    # the indices are places in the pool input's plane; unpooled into rows of another width they land
    # elsewhere, silently (pooled from 5 x 6 and unpooled into 5 x 8: values moved rows). PyTorch
    # takes sizes within a stride of the default only; so does MyTorch now
    x = mt.tensor(np.random.default_rng(0).normal(size=(1, 2, 5, 6)))
    y, where = F.max_pool2d(x, 2, return_indices=True)
    assert F.max_unpool2d(y, where, 2, output_size=(5, 6)).shape == (1, 2, 5, 6)
    assert F.max_unpool2d(y, where, 2, output_size=(1, 2, 5, 6)).shape == (1, 2, 5, 6)
    for size in [(5, 8), (6, 6), (2, 6)]:
        with pytest.raises(ValueError, match="invalid output_size"):
            F.max_unpool2d(y, where, 2, output_size=size)
    with pytest.raises(ValueError, match="outside"):  # within a stride, but too small for the indices
        F.max_unpool2d(y, where, 2, output_size=(3, 6))

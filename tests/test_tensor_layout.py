"""More shape functions (mytorch/tensor_layout.py): values and gradients against PyTorch, and
against NumPy's rot90 / array_split / tril_indices without it."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from torch_compare import assert_like_torch

import mytorch as mt

X = np.arange(24.0).reshape(2, 3, 4) / 7.0

CALLS = [
    lambda L, t: t.unflatten(2, (2, 2)) * 2,
    lambda L, t: L.rot90(t, 1, (1, 2)) + 0,
    lambda L, t: L.rot90(t, 3, (0, 2)) * 1,
    lambda L, t: L.rot90(t, -2) * 1,
    lambda L, t: t.unfold(2, 2, 1) * 1,
    lambda L, t: t.unfold(1, 2, 2) * 1,
    lambda L, t: L.diag_embed(t),
    lambda L, t: L.diag_embed(t, 1, 0, 2),
    lambda L, t: L.diag_embed(t, -1),
    lambda L, t: L.take_along_dim(t, L.tensor([[[0], [1], [2]]]), 2),
    lambda L, t: L.take_along_dim(t, L.tensor([3, 0])),
    lambda L, t: L.dstack([t[0], t[1]]),
    lambda L, t: L.column_stack([t[0, :, 0], t[0]]),
    lambda L, t: L.row_stack([t[0, 0], t[0]]),
    lambda L, t: L.cat(t.tensor_split(3, 2), 2) * 1,
    lambda L, t: L.cat(t.tensor_split([1, 3], 2), 2) * 1,
    lambda L, t: L.cat(L.hsplit(t, 3), 1) * 1,
    lambda L, t: L.cat(L.vsplit(t, 2), 0) * 1,
    lambda L, t: L.block_diag(t[0], t[1, 0], t[1, 1, 1]),
    lambda L, t: L.cartesian_prod(t[0, 0], t[1, 1, :2]),
    lambda L, t: t.sum_to_size(1, 3, 1),
    lambda L, t: t.sum_to_size(3, 4),
    lambda L, t: t.mH * 1,
    lambda L, t: L.broadcast_tensors(t[0, :, :1], t[1, 0])[1] * 1,
    lambda L, t: L.atleast_3d(t[0]) * 1,
    lambda L, t: L.broadcast_to(t[0, 0], (2, 4)) * 1,
    lambda L, t: t.swapaxes(0, 2) * 1,
    lambda L, t: L.moveaxis(t, 0, 2) * 1,
    lambda L, t: t.ravel() * 1,
    lambda L, t: L.atleast_2d(t[0, 0, 0]) * 1,
]


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    assert_like_torch(torch, X, CALLS, rtol=1e-12, atol=1e-12)
    for low in (True, False):
        for args in [(3, 3), (3, 4, 1), (4, 2, -1)]:
            ours = (mt.tril_indices if low else mt.triu_indices)(*args)
            theirs = (torch.tril_indices if low else torch.triu_indices)(*args)
            assert ours.tolist() == theirs.tolist() and ours.dtype == mt.int64


@settings(max_examples=15, deadline=None)
@given(
    shape=st.lists(st.integers(1, 4), min_size=2, max_size=3).map(tuple),
    k=st.integers(-5, 5),
    sections=st.integers(1, 5),
)
def test_rot90_and_tensor_split_are_numpys(shape, k, sections):
    x = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    t = mt.tensor(x, requires_grad=True)
    np.testing.assert_array_equal(mt.rot90(t, k, (0, 1)).numpy(), np.rot90(x, k, (0, 1)))
    pieces = t.tensor_split(sections, -1)
    for got, want in zip(pieces, np.array_split(x, sections, -1), strict=True):
        np.testing.assert_array_equal(got.numpy(), want)
    mt.cat(pieces, -1).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), np.ones(shape))


def test_closed_forms_and_errors():
    assert mt.tril_indices(3, 3).tolist() == [list(a) for a in np.tril_indices(3)]
    u = mt.arange(5.0).unfold(0, 2, 2)
    assert u.tolist() == [[0.0, 1.0], [2.0, 3.0]]
    assert mt.diag_embed(mt.tensor([1.0, 2.0])).tolist() == [[1.0, 0.0], [0.0, 2.0]]
    assert mt.ones(2, 3).is_same_size(mt.zeros(2, 3)) and not mt.ones(2, 3).is_same_size(mt.zeros(3, 2))
    with pytest.raises(ValueError, match="does not split into 2 equal parts"):
        mt.hsplit(mt.ones(2, 3), 2)
    with pytest.raises(ValueError, match="does not broadcast"):
        mt.ones(2, 3).sum_to_size(2, 2)
    with pytest.raises(ValueError, match="two different axes"):
        mt.rot90(mt.ones(2, 2), 1, (0, 0))


def test_tensor_split_negative_indices_and_tensor_sections():
    # negative indices count from the end, as NumPy's array_split and PyTorch's (they were clamped to 0:
    # [1, -1] gave pieces [0], [], [0..5]); a 0-d tensor is a number of sections (it raised IndexError)
    a = np.arange(6.0)
    for cuts in ([1, -1], [-2], [-9, 2], [4, 2]):
        got = [p.tolist() for p in mt.tensor_split(mt.tensor(a), cuts)]
        assert got == [p.tolist() for p in np.array_split(a, cuts)], cuts
    assert [p.tolist() for p in mt.tensor_split(mt.tensor(a), mt.tensor(4))] == [[0, 1], [2, 3], [4], [5]]
    assert [p.shape for p in mt.tensor_split(mt.ones(2, 6), mt.tensor([1, -1]), 1)] == [(2, 1), (2, 4), (2, 1)]


@pytest.mark.parametrize("dtype", [np.int32, np.uint8, np.bool_, np.float16])
def test_diag_embed_keeps_the_dtype(dtype):
    """It summed a product with 0/1 places: int32, uint8 and bool came back int64."""
    x = np.array([[1, 0, 3], [4, 5, 0]]).astype(dtype)
    out = mt.diag_embed(mt.tensor(x), 1)
    assert out.dtype == np.dtype(dtype) and out.shape == (2, 4, 4)
    expected = np.zeros((2, 4, 4), dtype)
    expected[:, [0, 1, 2], [1, 2, 3]] = x
    np.testing.assert_array_equal(out.numpy(), expected)


def test_diag_embed_keeps_inf_and_nan_on_the_diagonal():
    """inf * 0 put NaN off the diagonal, beside an inf or a NaN; the gradient is the diagonal's."""
    x = mt.tensor([np.inf, np.nan, -2.0], requires_grad=True)
    out = mt.diag_embed(x, -1)
    expected = np.zeros((4, 4))
    expected[[1, 2, 3], [0, 1, 2]] = [np.inf, np.nan, -2.0]
    np.testing.assert_array_equal(out.detach().numpy(), expected)
    upstream = np.arange(16.0).reshape(4, 4)
    out.backward(mt.tensor(upstream))
    np.testing.assert_array_equal(x.grad.numpy(), np.diagonal(upstream, -1))


def test_negative_sizes_other_than_minus_one_are_refused():
    """NumPy's reshape reads any negative size as -1: reshape(-2) gave a vector and view(2, -3) a
    (2, 3) tensor; PyTorch raises. tril_indices(-1, 2) was empty (NumPy's size 0)."""
    x = mt.arange(6)
    for call in (lambda: x.reshape(-2), lambda: x.reshape(2, -3), lambda: x.view(-3, 2), lambda: mt.reshape(x, (-2,))):
        with pytest.raises(ValueError, match="is negative"):
            call()
    with pytest.raises(ValueError, match="only one size can be inferred"):
        x.view(-1, -1)
    with pytest.raises(ValueError, match=r"unflatten: sizes \[-2, 3\]"):
        x.unflatten(0, (-2, 3))
    assert x.reshape(-1, 3).shape == (2, 3) and x.unflatten(0, (-1, 3)).shape == (2, 3)
    for call in (lambda: mt.tril_indices(-1, 2), lambda: mt.triu_indices(2, -1)):
        with pytest.raises(ValueError, match="must be non-negative"):
            call()
    assert mt.tril_indices(0, 0).shape == (2, 0)

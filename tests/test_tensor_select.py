"""masked_select, take, nonzero/argwhere, count_nonzero, unique, bincount (mytorch/tensor_select.py),
tril/triu/diag/diagonal/trace/mv (mytorch/tensor_matrix.py), hstack/vstack, isclose, empty_like,
the in-place unary methods (exp_, sqrt_, ...) and set_printoptions: values and gradients against
closed forms and, where installed, PyTorch."""

import numpy as np
import pytest
from torch_compare import assert_like_torch

import mytorch as mt

A = np.array([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0], [0.5, 0.0, 2.0]])


def test_gradients_of_the_recorded_ones_by_closed_form():
    x = mt.tensor(A, requires_grad=True)
    picked = mt.masked_select(x, mt.tensor([True, False, True]))  # the mask broadcasts over rows
    assert picked.tolist() == [1.0, 3.0, 4.0, -6.0, 0.5, 2.0]
    (picked * mt.arange(6.0, dtype=mt.float64)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 0, 1], [2, 0, 3], [4, 0, 5]])
    x.grad = None
    (mt.take(x, mt.tensor([8, -1, 0])) * mt.tensor([1.0, 2.0, 3.0], dtype=mt.float64)).sum().backward()
    assert x.grad.numpy()[2, 2] == 3.0 and x.grad.numpy()[0, 0] == 3.0 and x.grad.numpy().sum() == 6.0
    x.grad = None
    (x.tril(-1).sum() + 10 * x.triu(1).sum() + 100 * x.trace()).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[100, 10, 10], [1, 100, 10], [1, 1, 100]])
    x.grad = None
    v = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    (mt.diag(v, 1) * mt.tensor(np.arange(9.0).reshape(3, 3))).sum().backward()
    assert mt.diag(v, 1).tolist() == [[0, 1, 0], [0, 0, 2], [0, 0, 0]] and v.grad.tolist() == [1.0, 5.0]
    y = mt.mv(x, mt.tensor([1.0, 0.0, -1.0], dtype=mt.float64))
    y.sum().backward()
    assert y.tolist() == [-2.0, 10.0, -1.5] and x.grad.numpy()[:, 0].tolist() == [1, 1, 1]


def test_in_place_unary_methods_and_their_refusals():
    t = mt.tensor([0.25, 4.0])
    assert t.sqrt_() is t and t.tolist() == [0.5, 2.0]
    t.neg_().abs_().log_().exp_()
    assert t.tolist() == pytest.approx([0.5, 2.0])
    with pytest.raises(RuntimeError, match="sqrt_: a float32 result cannot be stored in the tensor's int64"):
        mt.tensor([1, 4]).sqrt_()
    assert mt.tensor([-3, 2]).abs_().tolist() == [3, 2]
    leaf = mt.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        leaf.exp_()
    h = leaf * 1.0
    h.exp_()
    h.sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), np.exp([1.0, 2.0]), rtol=1e-6)


def test_printoptions_change_only_tensors():
    x = mt.tensor([1 / 3, 1000.0], dtype=mt.float64)
    before = np.array2string(np.array([1 / 3]))
    try:
        mt.set_printoptions(precision=2)
        assert repr(x) == "tensor([3.33e-01, 1.00e+03], dtype=torch.float64)"
        assert np.array2string(np.array([1 / 3])) == before
        mt.set_printoptions(sci_mode=False)
        assert repr(x) == "tensor([   0.33, 1000.00], dtype=torch.float64)"
        mt.set_printoptions(threshold=3, edgeitems=1)
        assert repr(mt.arange(6)) == "tensor([0,  ..., 5])"
        with pytest.raises(ValueError, match="profile"):
            mt.set_printoptions(profile="long")
    finally:
        mt.set_printoptions(profile="default")
    assert repr(x) == "tensor([3.3333e-01, 1.0000e+03], dtype=torch.float64)"


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    a32 = A.astype(np.float32)
    calls = [
        lambda lib, x: lib.masked_select(x, x > 0),
        lambda lib, x: x.take(lib.tensor([[0, 4], [-1, 2]])),
        lambda lib, x: lib.tril(x, 1) + x.triu(-1) * 2,
        lambda lib, x: lib.diag(x) * x.diagonal(-1).sum() + x.diag(1).sum() + lib.trace(x),
        lambda lib, x: lib.diag(x[0], -1),
        lambda lib, x: lib.mv(x, x[1]),
        lambda lib, x: lib.hstack([x, x[:, :1]]) * 1.5,
        lambda lib, x: lib.vstack([x[0], x]),
        lambda lib, x: (x * 2).sigmoid_() + x.clone().tanh_() + x.clone().relu_() + x.clone().square_(),
    ]
    assert_like_torch(torch, a32, calls, rtol=1e-5, atol=1e-6)
    ints = [3, 1, 3, 2, 1, 3]
    for lib_result, torch_result in [
        (
            mt.unique(mt.tensor(ints), return_inverse=True, return_counts=True),
            torch.unique(torch.tensor(ints), return_inverse=True, return_counts=True),
        ),
        (
            mt.unique(mt.tensor([[1, 2], [1, 2], [0, 5]]), dim=0, return_inverse=True),
            torch.unique(torch.tensor([[1, 2], [1, 2], [0, 5]]), dim=0, return_inverse=True),
        ),
        ((mt.bincount(mt.tensor(ints), minlength=6),), (torch.bincount(torch.tensor(ints), minlength=6),)),
        (
            (mt.tensor(A).nonzero(), mt.argwhere(mt.tensor(A) > 1)),
            (torch.tensor(A).nonzero(), torch.argwhere(torch.tensor(A) > 1)),
        ),
        (mt.tensor(A).nonzero(as_tuple=True), torch.tensor(A).nonzero(as_tuple=True)),
        (
            (mt.count_nonzero(mt.tensor(A), dim=0), mt.count_nonzero(mt.tensor(A))),
            (torch.count_nonzero(torch.tensor(A), dim=0), torch.count_nonzero(torch.tensor(A))),
        ),
        (
            (
                mt.isclose(mt.tensor(A), mt.tensor(A) + 1e-6),
                mt.tensor([1.0, float("nan")]).isclose(mt.tensor([1.0, float("nan")]), equal_nan=True),
            ),
            (
                torch.isclose(torch.tensor(A), torch.tensor(A) + 1e-6),
                torch.tensor([1.0, float("nan")]).isclose(torch.tensor([1.0, float("nan")]), equal_nan=True),
            ),
        ),
    ]:
        for got, want in zip(lib_result, torch_result):
            assert got.numpy().dtype == want.numpy().dtype and np.array_equal(got.numpy(), want.numpy())
    e = mt.empty_like(mt.tensor(A, dtype=mt.float32))
    assert e.shape == (3, 3) and e.dtype == np.float32 and not e.requires_grad


@pytest.mark.parametrize("offset", [-2, -1, 0, 1, 3])
def test_diagonal_is_a_view_a_write_reaches_the_matrix(offset):
    """It was a copy: K.diagonal().add_(eps) left K unchanged, silently (PyTorch's is a view)."""
    base = np.arange(15.0).reshape(3, 5)
    k = mt.tensor(base.copy())
    with mt.no_grad():
        k.diagonal(offset).add_(100.0)
    expected = base.copy()
    rows, cols = np.nonzero(np.eye(3, 5, k=offset, dtype=bool))
    expected[rows, cols] += 100.0
    np.testing.assert_array_equal(k.numpy(), expected)
    x = mt.tensor(base.copy(), requires_grad=True)  # the gradient: the upstream on the diagonal
    d = (x * 1).diagonal(offset)
    upstream = np.arange(1.0, d.shape[0] + 1)
    d.backward(mt.tensor(upstream))
    grad = np.zeros((3, 5))
    grad[rows, cols] = upstream
    np.testing.assert_array_equal(x.grad.numpy(), grad)


def test_diagonal_of_a_transposed_matrix_is_a_view():
    """Its two axes one run of memory (read in the other order): a view, as PyTorch's (a read-only
    copy until 2026-12-05, which did not follow a later write into the matrix)."""
    k = mt.tensor(np.arange(6.0).reshape(2, 3)).T
    d = k.diagonal()
    assert d.tolist() == [0.0, 4.0]
    d.add_(1.0)
    assert k.tolist() == [[1.0, 3.0], [1.0, 5.0], [2.0, 5.0]]
    k.mul_(2.0)
    assert d.tolist() == [2.0, 10.0]


def test_diagonal_over_axes_apart_in_memory_is_a_read_only_copy():
    """Axes 0 and 2 of a (2, 3, 2) tensor: a copy, which refuses a write instead of missing the tensor."""
    k = mt.tensor(np.arange(12.0).reshape(2, 3, 2))
    assert k.diagonal(dim1=0, dim2=2).tolist() == [[0.0, 7.0], [2.0, 9.0], [4.0, 11.0]]
    with pytest.raises(RuntimeError, match="read-only"):
        k.diagonal(dim1=0, dim2=2).add_(1.0)


def test_count_nonzero_over_no_dims_counts_every_element():
    """dim=() counts over every axis, as PyTorch's (and sum(dim=()) here); NumPy's axis=() counted
    nothing: a (2, 3) tensor of 0/1 flags came back, not the count 3."""
    x = mt.tensor([[0, 1, 2], [3, 0, 0]])
    assert mt.count_nonzero(x, dim=()).tolist() == 3 and mt.count_nonzero(x, dim=()).shape == ()
    assert mt.count_nonzero(x, dim=(0, 1)).tolist() == 3 and mt.count_nonzero(x, dim=0).tolist() == [1, 1, 1]

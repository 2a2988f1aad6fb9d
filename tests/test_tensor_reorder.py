"""``index_fill``, ``flip`` (``fliplr``, ``flipud``) and ``repeat_interleave`` (mytorch/tensor_index.py):
values against NumPy, gradients against closed forms and, where installed, PyTorch's values and
gradients; copies, not views; errors naming the op."""

import numpy as np
import pytest
from torch_compare import assert_like_torch

import mytorch as mt
from mytorch.tensor_index import IndexOutOfRangeError

X = np.arange(24.0).reshape(2, 3, 4) / 7 - 1
W = np.cos(np.arange(48.0)).reshape(2, 3, 8)  # weights for a loss that tells positions apart


def test_values_and_gradients_against_numpy():
    x = mt.tensor(X, requires_grad=True)
    y = x.flip(0, -1)
    np.testing.assert_array_equal(y.numpy(), np.flip(X, (0, 2)))
    (y * mt.tensor(W[..., :4])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.flip(W[..., :4], (0, 2)))
    assert not np.shares_memory(y.numpy(), X) and mt.flip(x, [1]).tolist() == np.flip(X, 1).tolist()
    assert mt.fliplr(x).tolist() == np.flip(X, 1).tolist() and mt.flipud(x).tolist() == np.flip(X, 0).tolist()

    x.grad = None
    r = x.repeat_interleave(2, dim=2)
    np.testing.assert_array_equal(r.numpy(), np.repeat(X, 2, axis=2))
    (r * mt.tensor(W)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), W[..., 0::2] + W[..., 1::2], rtol=1e-15)
    counts = mt.tensor([0, 2, 1])
    np.testing.assert_array_equal(x.repeat_interleave(counts, dim=1).numpy(), np.repeat(X, [0, 2, 1], axis=1))
    np.testing.assert_array_equal(mt.repeat_interleave(x, 3).numpy(), np.repeat(X.ravel(), 3))
    assert mt.repeat_interleave(mt.tensor([1, 0, 2])).tolist() == [0, 2, 2]

    x.grad = None
    value = mt.tensor(2.5, dtype=mt.float64, requires_grad=True)
    f = x.index_fill(2, mt.tensor([3, -4]), value)  # -4 is 0, as in PyTorch
    expected = X.copy()
    expected[..., [0, 3]] = 2.5
    np.testing.assert_array_equal(f.numpy(), expected)
    (f * mt.tensor(W[..., :4])).sum().backward()
    kept = np.ones(4)
    kept[[0, 3]] = 0
    np.testing.assert_array_equal(x.grad.numpy(), W[..., :4] * kept)
    assert value.grad.item() == pytest.approx(W[..., [0, 3]].sum(), rel=1e-14)


def test_index_fill_in_place_keeps_the_dtype_and_records():
    t = mt.tensor([[1, 2, 3], [4, 5, 6]])
    assert t.index_fill_(1, mt.tensor(0), 2.7) is t and t.tolist() == [[2, 2, 3], [2, 5, 6]]  # 2.7 into int64 is 2
    leaf = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = leaf * 2
    h.index_fill_(0, mt.tensor([1]), 0.0)
    (h * h).sum().backward()
    assert leaf.grad.tolist() == [8.0, 0.0, 24.0]


@pytest.mark.parametrize(
    ("call", "kind", "words"),
    [
        (lambda x: x.index_fill(1, mt.tensor([3]), 0.0), IndexOutOfRangeError, ["index_fill", "[-3, 3)", "(2, 3)"]),
        (lambda x: x.index_fill(1, mt.tensor([[0]]), 0.0), IndexOutOfRangeError, ["index_fill", "vector"]),
        (lambda x: x.index_fill(1, mt.tensor([0.0]), 0.0), TypeError, ["index_fill", "integer"]),
        (lambda x: x.index_fill_(0, mt.tensor([0]), mt.ones(2)), TypeError, ["index_fill_", "0-d"]),
        (lambda x: x.flip(0, 0), RuntimeError, ["flip", "more than once"]),
        (lambda x: x.flip(2), IndexError, ["flip"]),
        (lambda x: mt.fliplr(x[0]), ValueError, ["fliplr", "2 axes"]),
        (lambda x: x.repeat_interleave(-1), RuntimeError, ["repeat_interleave", "non-negative"]),
        (lambda x: x.repeat_interleave(mt.tensor([1, 2]), dim=1), RuntimeError, ["repeat_interleave", "2 repeats"]),
        (lambda x: x.repeat_interleave(1.5), TypeError, ["repeat_interleave", "float64"]),
    ],
)
def test_bad_input_raises_naming_the_op(call, kind, words):
    with pytest.raises(kind) as error:
        call(mt.ones(2, 3))
    assert all(w in str(error.value) for w in words), str(error.value)


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    x3 = X.astype(np.float32)
    calls = [
        lambda lib, x: x.flip(0, 2),
        lambda lib, x: lib.flip(x, [1]),
        lambda lib, x: lib.fliplr(x[0]),
        lambda lib, x: x.repeat_interleave(2),
        lambda lib, x: x.repeat_interleave(lib.tensor([2, 0, 1]), dim=1),
        lambda lib, x: lib.repeat_interleave(x, 3, dim=-1),
        lambda lib, x: x.index_fill(1, lib.tensor([2, 0, 2]), -1.5),
        lambda lib, x: x.index_fill(-1, lib.tensor(-1), lib.tensor(0.25)),
    ]
    assert_like_torch(torch, x3, calls, rtol=1e-6)

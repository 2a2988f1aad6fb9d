"""``sort``, ``argsort``, ``topk``: values and indices against NumPy, gradients against central
differences and forward mode, ties, NaN, 0-d tensors and the errors (PyTorch: tests/test_torch_crosscheck.py)."""

from __future__ import annotations

import numpy as np
import pytest
from test_inplace import central_differences

import mytorch as mt
from mytorch import func

SHAPES_DIMS = [((5,), 0), ((3, 4), 1), ((3, 4), 0), ((2, 3, 4), -2), ((2, 3, 4), 2)]


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("shape, dim", SHAPES_DIMS)
def test_sort_values_indices_and_gradient(shape, dim, descending):
    rng = np.random.default_rng(len(shape) * 10 + dim)
    x0 = rng.standard_normal(shape)
    expected = np.sort(x0, axis=dim)
    if descending:
        expected = np.flip(expected, dim)
    values, indices = mt.sort(mt.tensor(x0), dim=dim, descending=descending)
    np.testing.assert_array_equal(values.numpy(), expected)
    assert indices.dtype == np.int64
    np.testing.assert_array_equal(np.take_along_axis(x0, indices.numpy(), dim), expected)
    w = rng.standard_normal(shape)

    def loss(v: np.ndarray) -> float:
        s = np.sort(v, axis=dim)
        return float(np.sum((np.flip(s, dim) if descending else s) * w))

    x = mt.tensor(x0, requires_grad=True)
    (x.sort(dim, descending).values * mt.tensor(w)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), central_differences(loss, [x0])[0], rtol=1e-7, atol=1e-9)
    # forward mode: the tangent is taken at the same places
    tangent = rng.standard_normal(shape)
    _, out_tangent = func.jvp(lambda t: mt.sort(t, dim, descending).values, (mt.tensor(x0),), (mt.tensor(tangent),))
    np.testing.assert_allclose(out_tangent.numpy(), np.take_along_axis(tangent, indices.numpy(), dim))


@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("shape, dim", SHAPES_DIMS)
def test_topk_is_the_first_k_of_the_sort(shape, dim, largest):
    rng = np.random.default_rng(7)
    x0 = rng.standard_normal(shape)
    k = min(2, x0.shape[dim])
    values, indices = mt.tensor(x0).topk(k, dim=dim, largest=largest)
    full = mt.sort(mt.tensor(x0), dim=dim, descending=largest)
    first = np.arange(k)
    np.testing.assert_array_equal(values.numpy(), np.take(full.values.numpy(), first, axis=dim))
    np.testing.assert_array_equal(indices.numpy(), np.take(full.indices.numpy(), first, axis=dim))
    x = mt.tensor(x0, requires_grad=True)
    x.topk(k, dim, largest).values.sum().backward()
    expected = np.zeros(shape)
    np.put_along_axis(expected, indices.numpy(), 1.0, dim)  # 1 where chosen, 0 elsewhere
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_argsort_is_sorts_indices_and_a_constant():
    x = mt.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]], requires_grad=True)
    order = x.argsort(dim=1, descending=True)
    assert not order.requires_grad and order.dtype == np.int64
    np.testing.assert_array_equal(order.numpy(), [[0, 2, 1], [1, 2, 0]])
    np.testing.assert_array_equal(mt.argsort(x, 0).numpy(), [[1, 0, 0], [0, 1, 1]])


def test_ties_keep_their_order_and_nan_is_largest():
    x = mt.tensor([1.0, float("nan"), 2.0, 1.0, 2.0])
    np.testing.assert_array_equal(mt.sort(x).indices.numpy(), [0, 3, 2, 4, 1])
    np.testing.assert_array_equal(mt.sort(x, descending=True).indices.numpy(), [1, 2, 4, 0, 3])
    np.testing.assert_array_equal(x.topk(2, largest=False).indices.numpy(), [0, 3])


def test_repeated_values_get_the_gradient_at_the_element_the_index_names():
    x = mt.tensor([2.0, 2.0, 1.0], requires_grad=True)
    values, _ = x.sort(descending=True)
    (values * mt.tensor([10.0, 1.0, 0.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [10.0, 1.0, 0.0])


def test_integer_and_bool_tensors_sort_without_a_graph():
    v, i = mt.tensor([3, -1, 2]).sort(descending=True)
    assert v.dtype == np.int64
    np.testing.assert_array_equal(v.numpy(), [3, 2, -1])
    np.testing.assert_array_equal(i.numpy(), [0, 2, 1])
    b = mt.sort(mt.tensor([True, False, True]))
    np.testing.assert_array_equal(b.values.numpy(), [False, True, True])
    np.testing.assert_array_equal(b.indices.numpy(), [1, 0, 2])


def test_zero_d_tensor_is_its_own_sort():
    x = mt.tensor(3.0, requires_grad=True)
    values, indices = mt.sort(x)
    assert values.shape == () and indices.item() == 0
    values.backward()
    assert x.grad.item() == 1.0
    assert mt.topk(mt.tensor(3.0), 1).values.item() == 3.0
    assert mt.argsort(mt.tensor(3.0)).item() == 0


def test_numpy_sort_on_a_tensor_records():
    x = mt.tensor([[3.0, 1.0], [0.0, 5.0]], requires_grad=True)
    np.sort(x, axis=None)[-1].backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0.0, 0.0], [0.0, 1.0]])


def test_bad_arguments_name_the_function_and_shape():
    x = mt.tensor(np.zeros((2, 3)))
    message = r"topk: k = 4 is out of range for dim 1 of size 3 \(input of shape \(2, 3\)\)"
    with pytest.raises(ValueError, match=message):
        x.topk(4)
    with pytest.raises(ValueError, match="topk: k = -1"):
        x.topk(-1)
    with pytest.raises(TypeError, match="topk: k must be an int"):
        x.topk(1.5)
    with pytest.raises(IndexError, match="sort: dimension 2 out of range for a 2-D tensor"):
        x.sort(2)
    with pytest.raises(TypeError, match="argsort: dim must be an int"):
        x.argsort(dim=(0, 1))

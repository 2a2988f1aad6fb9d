"""mytorch.sparse: COO matrices for graph networks. Products, coalescing and densifying against
dense arithmetic, gradients against central differences, and against PyTorch where installed."""

from __future__ import annotations

import numpy as np
import pytest
from test_inplace import central_differences

import mytorch as mt

INDICES = np.array([[0, 2, 1, 2, 0], [1, 0, 2, 0, 1]])  # (2, 0) and (0, 1) twice


def _dense(values, shape=(3, 4)):
    out = np.zeros(shape)
    np.add.at(out, tuple(INDICES), values)
    return out


def test_a_sparse_matrix_is_its_dense_matrix():
    values = np.array([1.0, 2.0, -3.0, 0.5, 4.0])
    a = mt.sparse_coo_tensor(INDICES, values, (3, 4))
    assert a.is_sparse and a.shape == (3, 4) and a._nnz() == 5 and not a.is_coalesced()
    np.testing.assert_array_equal(a.to_dense().numpy(), _dense(values))
    c = a.coalesce()
    assert c.is_coalesced() and c._nnz() == 3
    np.testing.assert_array_equal(c.indices().numpy(), [[0, 1, 2], [1, 2, 0]])
    np.testing.assert_array_equal(c.values().numpy(), [5.0, -3.0, 2.5])
    x = np.arange(8.0).reshape(4, 2)
    for product in (mt.sparse.mm(a, mt.tensor(x)), mt.spmm(c, mt.tensor(x)), a @ mt.tensor(x)):
        np.testing.assert_allclose(product.numpy(), _dense(values) @ x)
    np.testing.assert_allclose((a @ mt.tensor(x[:, 0])).numpy(), _dense(values) @ x[:, 0])
    np.testing.assert_array_equal(a.t().to_dense().numpy(), _dense(values).T)
    np.testing.assert_array_equal((2 * a).to_dense().numpy(), 2 * _dense(values))
    assert mt.sparse.sum(a).item() == values.sum()
    dense = mt.tensor(_dense(values))
    again = dense.to_sparse()
    np.testing.assert_array_equal(again.to_dense().numpy(), dense.numpy())
    assert again._nnz() == 3 and again.to("cpu").to(mt.float32).dtype == np.float32
    with pytest.raises(RuntimeError, match="coalesce"):
        a.indices()
    with pytest.raises(TypeError, match="sparse.mm"):
        mt.mm(a, mt.tensor(x))
    with pytest.raises(ValueError, match="outside size"):
        mt.sparse_coo_tensor(INDICES, values, (2, 4))


def test_gradients_reach_the_values_and_the_dense_operand():
    rng = np.random.default_rng(0)
    v0, x0, w = rng.normal(size=5), rng.normal(size=(4, 2)), rng.normal(size=(3, 2))

    def loss(v, x):
        a = mt.sparse_coo_tensor(INDICES, v, (3, 4))
        return ((mt.sparse.mm(a.coalesce(), x) ** 2) * mt.tensor(w)).sum() + a.to_dense().sum() ** 2

    v = mt.tensor(v0, requires_grad=True)
    x = mt.tensor(x0, requires_grad=True)
    loss(v, x).backward()
    gv, gx = central_differences(lambda a, b: loss(mt.tensor(a), mt.tensor(b)).item(), [v0.copy(), x0.copy()])
    np.testing.assert_allclose(v.grad.numpy(), gv, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(x.grad.numpy(), gx, rtol=1e-6, atol=1e-8)
    leaf = mt.sparse_coo_tensor(INDICES, v0, (3, 4), requires_grad=True)
    mt.sparse.mm(leaf, mt.tensor(x0)).sum().backward()
    assert leaf.grad.is_sparse
    np.testing.assert_allclose(leaf.grad._values().numpy(), x0[INDICES[1]].sum(1))


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    v0, x0 = rng.normal(size=5), rng.normal(size=(4, 3))
    results = []
    for lib in (torch, mt):
        v = lib.tensor(v0, requires_grad=True)
        x = lib.tensor(x0, requires_grad=True)
        a = lib.sparse_coo_tensor(lib.tensor(INDICES), v, (3, 4)).coalesce()
        out = lib.sparse.mm(a, x)
        (out.tanh().sum() + lib.sparse.sum(a) * 0.5).backward()
        results.append([out.detach().numpy(), v.grad.numpy(), x.grad.numpy(), a.indices().numpy()])
        results[-1].append(a.values().detach().numpy())
    for theirs, mine in zip(*results):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-12)


def test_a_product_of_two_dtypes_is_refused_as_the_dense_ones_are():
    # a float64 adjacency times float32 features: PyTorch raises; MyTorch computed in float64, so the
    # error came later, from the next float32 layer, far from its cause
    a = mt.sparse_coo_tensor([[0, 1], [1, 0]], mt.tensor([1.0, 2.0], dtype=mt.float64), (2, 2))
    x = mt.ones(2, 3, dtype=mt.float32)
    with pytest.raises(mt.DtypeMismatchError, match=r"sparse.mm: .* same dtype, got float64, float32"):
        mt.sparse.mm(a, x)
    assert mt.sparse.mm(a.float(), x).dtype == np.float32

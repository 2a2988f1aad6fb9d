"""PyTorch's keyword names of sizes and dims (``flip(x, dims=[1])``, ``zeros(size=(2, 3))``,
``randint(low=0, high=5, size=(3,))``, ``x.permute(dims=...)``, ``x.new_zeros(size=...)``) and
``diagonal(offset, dim1, dim2)`` of any tensor: closed forms, and PyTorch's values and
gradients where it is installed."""

from __future__ import annotations

import numpy as np
import pytest

import mytorch as mt

X = np.arange(24.0).reshape(2, 3, 4)

KEYWORDS = {
    "flip": lambda L, x: L.flip(x, dims=[1]),
    "flip method": lambda L, x: x.flip(dims=(0, 2)),
    "permute": lambda L, x: L.permute(x, dims=(2, 0, 1)),
    "permute method": lambda L, x: x.permute(dims=[1, 2, 0]),
    "view": lambda L, x: x.view(size=(6, 4)),
    "reshape": lambda L, x: L.reshape(x, shape=(4, -1)),
    "reshape method": lambda L, x: x.reshape(shape=(-1,)),
    "expand": lambda L, x: x[:, :1].expand(size=(2, 3, 4)),
    "repeat": lambda L, x: x.repeat(repeats=(1, 2, 1)),
    "diagonal": lambda L, x: L.diagonal(x, offset=1, dim1=1, dim2=2),
    "diagonal method": lambda L, x: x.diagonal(offset=-1, dim1=-1, dim2=0),
    "diagonal swapped": lambda L, x: x.diagonal(0, 2, 1),
    "diagonal of a matrix": lambda L, x: x[0].diagonal(dim1=1, dim2=0),
}


@pytest.mark.parametrize("name", KEYWORDS)
def test_keywords_give_what_positions_give(name):
    # each raised "got an unexpected keyword argument" (diagonal: took matrices only)
    x = mt.tensor(X, requires_grad=True)
    y = KEYWORDS[name](mt, x)
    (y * mt.cos(mt.arange(y.numel(), dtype=mt.float64)).reshape(y.shape)).sum().backward()
    assert x.grad.shape == X.shape and y.shape[0] > 0


def test_diagonal_of_a_batch_in_closed_form():
    x = mt.tensor(X, requires_grad=True)
    d = x.diagonal(offset=1, dim1=-2, dim2=-1)
    np.testing.assert_array_equal(d.detach().numpy(), [[X[b, i, i + 1] for i in range(3)] for b in range(2)])
    d.sum().backward()
    expected = np.zeros_like(X)
    for i in range(3):
        expected[:, i, i + 1] = 1
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    with pytest.raises(RuntimeError, match="cannot be identical"):
        x.diagonal(dim1=1, dim2=-2)


def test_factories_take_size_and_randint_low_high():
    assert mt.zeros(size=(2, 3)).shape == (2, 3) and mt.ones(size=[4]).sum().item() == 4
    assert mt.empty(size=(1, 2)).shape == (1, 2)
    assert mt.rand(size=(3,)).shape == (3,) and mt.randn(size=(2, 2), dtype=mt.float64).dtype == mt.float64
    values = mt.randint(low=3, high=5, size=(200,))
    assert set(values.tolist()) == {3, 4}
    assert set(mt.randint(high=2, size=(50,)).tolist()) <= {0, 1}
    assert set(mt.randint(7, high=8, size=(3,)).tolist()) == {7}
    x = mt.tensor(X)
    assert x.new_zeros(size=(2,)).dtype == x.dtype and x.new_full(size=(2,), fill_value=3.0).tolist() == [3.0, 3.0]
    assert x.new_tensor(data=[1, 2]).tolist() == [1.0, 2.0]
    with pytest.raises(TypeError, match="multiple values for argument 'size'"):
        mt.zeros(2, size=(2,))
    with pytest.raises(TypeError, match="multiple values for argument 'dims'"):
        mt.flip(x, 0, dims=[1])


@pytest.mark.parametrize("name", KEYWORDS)
def test_keywords_match_torch(name):
    torch = pytest.importorskip("torch")
    out = []
    for lib in (mt, torch):
        x = lib.tensor(X, requires_grad=True)
        y = KEYWORDS[name](lib, x)
        (y * lib.cos(lib.arange(y.numel(), dtype=lib.float64)).reshape(y.shape)).sum().backward()
        out.append((y.detach().numpy(), x.grad.numpy()))
    for a, b in zip(*out):
        np.testing.assert_allclose(a, b, rtol=1e-15)


def test_embedding_max_norm_renormalizes_the_rows_it_looks_up():
    # 'Embedding: max_norm and scale_grad_by_freq are not supported' before
    values = np.array([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0], [1.0, 0.0]])
    emb = mt.nn.Embedding(4, 2, max_norm=2.0, _weight=mt.tensor(values))
    x = mt.tensor([[0, 1], [0, 3]])
    out = emb(x)
    scale = 2.0 / (5.0 + 1e-7)
    expected = values.copy()
    expected[0] *= scale  # norm 5 > 2: scaled down; rows 1 and 3 are within; row 2 is not looked up
    np.testing.assert_allclose(emb.weight.detach().numpy(), expected, rtol=1e-15)
    np.testing.assert_allclose(out.detach().numpy(), expected[[[0, 1], [0, 3]]], rtol=1e-15)
    out.sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.numpy(), [[2, 2], [1, 1], [0, 0], [1, 1]])
    assert "max_norm=2.0" in repr(emb)
    again = emb(mt.tensor([0]))  # now within max_norm: unchanged
    np.testing.assert_allclose(again.detach().numpy()[0], expected[0], rtol=1e-15)


def test_embedding_max_norm_matches_torch():
    torch = pytest.importorskip("torch")
    values = np.random.default_rng(1).uniform(-2, 2, (6, 3))
    got = []
    for lib in (mt, torch):
        weight = lib.tensor(values.copy(), requires_grad=True)
        out = lib.nn.functional.embedding(lib.tensor([[1, 4, 1], [5, 0, 2]]), weight, max_norm=1.5, norm_type=1.0)
        (out * lib.arange(18, dtype=lib.float64).reshape(2, 3, 3)).sum().backward()
        got.append((out.detach().numpy(), weight.detach().numpy(), weight.grad.numpy()))
    for a, b in zip(*got):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_a_view_pickles_and_copies():
    # pickle.dumps(x.view(2, 3)) raised "cannot pickle 'weakref.ReferenceType' object"
    import copy
    import pickle

    base = mt.arange(6.0)
    view = base.view(2, 3)
    back = pickle.loads(pickle.dumps(view))
    assert back.tolist() == view.tolist() and back.dtype == view.dtype
    back[0, 0] = 100.0  # its own array
    deep = copy.deepcopy(view)
    deep[0, 1] = 100.0
    assert base.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    shallow = copy.copy(view)  # the very array: a write reaches the base, as PyTorch's
    shallow[0, 2] = 7.0
    assert base[2].item() == 7.0
    leaf = pickle.loads(pickle.dumps(mt.ones(2, requires_grad=True)))
    assert leaf.requires_grad and leaf.is_leaf


def test_the_legacy_sizes_constructor_is_refused_not_read_as_requires_grad():
    # mt.Tensor(5, 3) was the number 5 requiring grad (3 read as requires_grad=True)
    with pytest.raises(TypeError, match=r"torch.Tensor\(\*sizes\) .* mytorch.empty\(5, 3\)"):
        mt.Tensor(5, 3)
    with pytest.raises(TypeError, match="requires_grad must be True or False"):
        mt.Tensor([1.0, 2.0], 1)
    assert mt.Tensor([1.0], np.bool_(True)).requires_grad and not mt.Tensor([1.0], False).requires_grad

"""``t.shape`` and ``t.size()`` are a ``mytorch.Size``, as PyTorch's are a ``torch.Size``: printed as
``torch.Size([2, 3])``, with ``numel()``, and still a tuple everywhere a tuple is taken (equality and
hashing with plain tuples, unpacking, NumPy shapes, MyTorch's own size arguments, pickling); so are a
distribution's ``batch_shape`` and ``event_shape``, a sparse tensor's shape and ``broadcast_shapes``'s
result; a slice,
a sum with a tuple and a repeat stay a ``Size``; the constructor takes ints only. Compared with
PyTorch 2.13 where it is installed."""

from __future__ import annotations

import copy
import json
import pickle

import numpy as np
import pytest

import mytorch as mt
from mytorch import nn
from mytorch.size import Size


def test_shapes_are_sizes_that_print_as_pytorchs():
    x = mt.zeros(2, 3, requires_grad=True)
    (x * 2).sum().backward()
    layer = nn.Linear(4, 5)
    for shape in (x.shape, x.size(), x.grad.shape, layer.weight.shape, layer.bias.size(), mt.tensor(1.0).shape):
        assert type(shape) is Size and isinstance(shape, tuple)
    assert repr(x.shape) == str(x.size()) == f"{x.shape}" == "torch.Size([2, 3])"
    assert repr(mt.tensor(1.0).shape) == "torch.Size([])" and x.size(1) == 3 and type(x.size(-1)) is int
    assert x.size().numel() == 6 == x.numel() and mt.Size([]).numel() == 1 and mt.Size([4, 0]).numel() == 0


def test_a_size_is_still_the_tuple_it_holds():
    x = mt.zeros(2, 3)
    assert x.shape == (2, 3) and (2, 3) == x.size() and x.shape != [2, 3] and x.shape != (3, 2)
    assert hash(x.shape) == hash((2, 3)) and {(2, 3): "a"}[x.shape] == "a"
    rows, columns = x.shape
    assert (rows, columns) == (2, 3) and type(x.shape[0]) is int and x.shape[-1] == 3 and len(x.shape) == 2
    assert list(x.shape) == [2, 3] and tuple(x.shape) == (2, 3) and type(tuple(x.shape)) is tuple
    assert np.zeros(x.shape).shape == (2, 3) and np.ones(x.shape[1:]).shape == (3,)
    assert np.empty(x.size()).reshape(x.shape[::-1]).shape == (3, 2) and np.prod(x.shape) == 6
    # MyTorch's own size arguments take it, as one argument or spread
    assert mt.zeros(x.shape).shape == mt.ones(*x.shape).shape == x.view(x.size()).shape == (2, 3)
    assert x.reshape(x.shape[::-1]).shape == (3, 2) and x.new_zeros(x.shape).shape == (2, 3)
    assert mt.randn(x.shape[1:]).shape == (3,) and x.unsqueeze(0).expand(4, *x.shape).shape == (4, 2, 3)
    assert json.dumps(x.shape) == "[2, 3]" and x.shape.count(2) == 1 and x.shape.index(3) == 1
    for copied in (copy.deepcopy(x.shape), copy.copy(x.shape), pickle.loads(pickle.dumps(x.shape))):
        assert type(copied) is Size and copied == (2, 3)


def test_slices_sums_and_repeats_stay_sizes():
    shape = mt.zeros(2, 3, 4).shape
    for made, expected in (
        (shape[1:], (3, 4)),
        (shape[::-1], (4, 3, 2)),
        (shape + (5,), (2, 3, 4, 5)),
        ((1,) + shape, (1, 2, 3, 4)),
        (shape + shape, (2, 3, 4, 2, 3, 4)),
        (shape[:1] * 2, (2, 2)),
        (2 * shape[:1], (2, 2)),
    ):
        assert type(made) is Size and made == expected
    with pytest.raises(TypeError):
        shape + [5]
    with pytest.raises(TypeError):
        shape + (2.5,)  # (a Size holds ints, as PyTorch's)
    with pytest.raises(TypeError):
        shape * 1.5


def test_the_constructor_takes_integers_only():
    assert mt.Size([2, 3]) == (2, 3) and mt.Size(range(3)) == (0, 1, 2) and mt.Size() == ()
    made = mt.Size([np.int64(3), mt.tensor(2), True])
    assert made == (3, 2, 1) and all(type(n) is int for n in made)
    with pytest.raises(TypeError, match=r"takes an iterable of 'int' \(item 1 is 'float'\)"):
        mt.Size([2, 2.5])
    with pytest.raises(TypeError):
        mt.Size(3)


def test_distribution_shapes_and_broadcast_shapes_are_sizes():
    # (plain tuples until 2026-12-05: print(d.batch_shape) showed (3,) where PyTorch shows torch.Size([3]))
    D = mt.distributions
    normal = D.Normal(mt.zeros(3), mt.ones(3))
    gaussian = D.MultivariateNormal(mt.zeros(4, 2), mt.eye(2))
    independent = D.Independent(normal, 1)
    made = [normal.batch_shape, normal.event_shape, gaussian.batch_shape, gaussian.event_shape]
    made += [independent.batch_shape, independent.event_shape, normal.expand((5, 3)).batch_shape]
    assert all(type(m) is Size for m in made)
    assert made == [(3,), (), (4,), (2,), (), (3,), (5, 3)] and repr(made[0]) == "torch.Size([3])"
    assert normal.sample((2,)).shape == (2, 3) and type(mt.broadcast_shapes((2, 1), (1, 3))) is Size
    assert mt.broadcast_shapes((2, 1), 3) == (2, 3)
    adjacency = mt.sparse_coo_tensor(mt.tensor([[0, 1], [1, 0]]), mt.tensor([1.0, 2.0]), (2, 3))
    assert type(adjacency.shape) is Size and adjacency.size() == (2, 3) and type(adjacency.t().size()) is Size


def test_as_pytorchs():
    torch = pytest.importorskip("torch")

    def run(lib):
        x = lib.zeros(2, 3, 4)
        shape = x.shape
        made = [shape, x.size(), shape[1:], shape[0], shape + (5,), (1,) + shape, shape[:2] * 2, lib.Size([4, 5])]
        normal = lib.distributions.Normal(lib.zeros(3), lib.ones(3))
        made += [normal.batch_shape, normal.event_shape, lib.broadcast_shapes((2, 1), (1, 3))]
        texts = [repr(m) for m in made] + [str(shape), f"{x.size()}", str(shape.numel()), str(lib.Size([]).numel())]
        return texts + [type(m).__name__ for m in made]

    assert run(mt) == run(torch)
    for bad in ([2.5], [2, "3"]):
        with pytest.raises(TypeError) as theirs:
            torch.Size(bad)
        with pytest.raises(TypeError) as mine:
            mt.Size(bad)
        assert str(mine.value) == str(theirs.value)

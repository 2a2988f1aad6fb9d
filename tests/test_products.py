"""``F.matrix_product``: 2-D products by ``np.dot`` below ``PRODUCT_BY_MATMUL`` result elements
and by ``np.matmul`` from there on (``np.dot`` zeroes its result before BLAS writes it). The
choice must not change a single bit: not against ``@``, not between the modules, the
Tensor VJPs and replay."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from test_replay import assert_same_state, make_mlp

from mytorch import Autograd
from mytorch.nn import functional as F
from mytorch.nn.modules import Linear

SHAPES = [(3, 4, 5), (1, 300, 9000), (128, 784, 256), (256, 128, 784), (9000, 3, 1), (2, 700, 4096), (96, 1, 300)]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("m", "k", "n"), SHAPES)
def test_the_product_is_matmuls_bit_for_bit_in_every_layout(m, k, n, dtype):
    rng = np.random.default_rng(m * n)
    for left, right in itertools.product("CF", "CF"):
        a = np.asarray(rng.standard_normal((m, k)), dtype=dtype, order=left)
        b = np.asarray(rng.standard_normal((k, n)), dtype=dtype, order=right)
        expected = a @ b
        got = F.matrix_product(a, b)
        into = np.full((m, n), np.nan, dtype=dtype)
        F.matrix_product(a, b, into)
        assert got.dtype == dtype and np.array_equal(got, expected) and np.array_equal(into, expected)


def test_large_results_go_to_matmul_and_small_ones_and_outer_products_to_dot():
    small, wide = np.ones((4, 8)), np.ones((8, F.PRODUCT_BY_MATMUL // 4))
    assert F.product_function(small, np.ones((8, 3))) is not np.matmul
    assert F.product_function(small, wide) is np.matmul
    # one shared axis of length 1 (a batch of one's weight gradient): np.matmul is slow there
    assert F.product_function(np.ones((32, 1)), np.ones((1, 784))) is not np.matmul


def test_a_batch_of_ones_weight_gradient_is_an_outer_product_by_dot(monkeypatch):
    """Linear picks like F.matrix_product: a 784 x 32 layer at batch 1 does not call np.matmul."""
    engine = Autograd()
    layer = Linear(784, 32, engine, rng=0)
    x = np.random.default_rng(0).standard_normal((1, 784))
    layer(x)
    calls = []
    monkeypatch.setattr("mytorch.nn.modules.linear._BY", tuple(_counting(f, calls) for f in F.PRODUCTS))
    matmul, _ = engine.operation_list
    matmul.vjp(np.ones((1, 32)), *matmul.inputs)
    assert calls and np.matmul not in calls


def _counting(function, calls):
    def counted(*args):
        calls.append(function)
        return function(*args)

    return counted


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_large_linear_layer_keeps_the_general_kernels_bits(dtype):
    """The 256 x 300 weight gradient and the 64 x 256 output are above the threshold."""
    rng = np.random.default_rng(3)
    engine = Autograd()
    layer = Linear(300, 256, engine, rng=0, dtype=dtype)
    x = rng.standard_normal((64, 300)).astype(dtype)
    y = layer(x)
    assert np.array_equal(y, x @ layer.W.T + layer.b)
    g = rng.standard_normal(y.shape).astype(dtype)
    matmul, _ = engine.operation_list
    for got, expected in zip(matmul.vjp(g, *matmul.inputs), F.matmul_backward(g, *matmul.inputs)):
        assert np.array_equal(got, expected)


def test_a_replayed_step_of_large_layers_matches_the_dynamic_step_bit_for_bit():
    rng = np.random.default_rng(4)
    sizes = (300, 256, 10)
    dynamic = make_mlp(False, ("relu", "identity"), momentum=0.9, sizes=sizes)
    replayed = make_mlp(True, ("relu", "identity"), momentum=0.9, sizes=sizes)
    for _ in range(3):
        x = rng.standard_normal((96, 300))
        y = np.eye(10)[rng.integers(0, 10, 96)]
        assert np.array_equal(dynamic.train_step(x, y), replayed.train_step(x, y))
        assert_same_state(dynamic, replayed)
    assert replayed._replayer.replays == 2


def test_products_of_two_dtypes_are_refused_as_pytorch_refuses_them():
    torch = pytest.importorskip("torch")
    import mytorch
    import mytorch.nn.functional as MF

    def calls(lib, functional):
        return {
            "@": lambda a, b: a @ b,
            "mm": lambda a, b: lib.mm(a, b),
            "bmm": lambda a, b: lib.bmm(a[None], b[None]),
            "dot": lambda a, b: lib.dot(a[0], b[:, 0]),
            "mv": lambda a, b: lib.mv(a, b[:, 0]),
            "linear": lambda a, b: functional.linear(a, b.T),
            "linear+bias": lambda a, b: functional.linear(a, b.T, lib.zeros(2, dtype=b.dtype)),
        }

    names = ("float32", "float64", "int64")
    mine, theirs = calls(mytorch, MF), calls(torch, torch.nn.functional)
    for left, right in itertools.product(names, names):
        a_np, b_np = np.arange(6).reshape(2, 3).astype(left), np.arange(6).reshape(3, 2).astype(right)
        for op, call in theirs.items():
            try:
                expected = call(torch.from_numpy(a_np), torch.from_numpy(b_np)).numpy()
            except RuntimeError:
                with pytest.raises(RuntimeError, match=f"{left}, {right}") as refused:
                    mine[op](mytorch.tensor(a_np), mytorch.tensor(b_np))
                assert isinstance(refused.value, (mytorch.DtypeMismatchError, TypeError))
                continue
            got = mine[op](mytorch.tensor(a_np), mytorch.tensor(b_np)).numpy()
            assert got.dtype == expected.dtype and np.array_equal(got, expected), (op, left, right)
    with pytest.raises(RuntimeError, match=r"F\.linear: .*float64, float32, float32"):
        mytorch.nn.Linear(3, 2)(mytorch.ones(4, 3, dtype=mytorch.float64))

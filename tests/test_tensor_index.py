"""``gather``, ``index_select``, ``scatter``, ``scatter_add`` (mytorch/tensor_index.py) and
``logsumexp``: values against NumPy loops, gradients (reverse and forward mode) against central
differences on hypothesis-drawn shapes, dims (negative too) and indices (with repeats), and the
errors for bad input. PyTorch's values and gradients: tests/test_torch_crosscheck.py.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import mytorch as mt
from mytorch import func
from mytorch.tensor_index import IndexOutOfRangeError as OutOfRange

pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

DTYPES = st.sampled_from([np.float64, np.float32])
SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)


@st.composite
def along(draw: Any, full_src: bool = False) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
    """x, a dim (maybe negative), an index (as many axes as x, no longer than it along the
    other axes, any length along dim, repeats) and a src at least the index's size."""
    shape = draw(SHAPES)
    ndim = len(shape)
    dim = draw(st.integers(-ndim, ndim - 1))
    d = dim % ndim
    index_shape = tuple(draw(st.integers(1, 5)) if k == d else draw(st.integers(1, n)) for k, n in enumerate(shape))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    index = rng.integers(0, shape[d], index_shape)
    src_shape = tuple(n + (0 if full_src else draw(st.integers(0, 1))) for n in index_shape)
    dtype = draw(DTYPES)
    return rng.standard_normal(shape).astype(dtype), dim, index, rng.standard_normal(src_shape).astype(dtype)


def reference_gather(x: np.ndarray, dim: int, index: np.ndarray) -> np.ndarray:
    out = np.empty(index.shape, x.dtype)
    d = dim % x.ndim
    for pos in itertools.product(*map(range, index.shape)):
        out[pos] = x[pos[:d] + (index[pos],) + pos[d + 1 :]]
    return out


def reference_scatter(x: np.ndarray, dim: int, index: np.ndarray, src: np.ndarray, add: bool) -> np.ndarray:
    out = x.copy()
    d = dim % x.ndim
    for pos in itertools.product(*map(range, index.shape)):
        at = pos[:d] + (index[pos],) + pos[d + 1 :]
        out[at] = out[at] + src[pos] if add else src[pos]
    return out


def check_derivatives(f: Callable[..., Any], arrays: list[np.ndarray]) -> None:
    """Reverse and forward mode of ``f`` (Tensors in, a Tensor out) against central differences
    along a random direction, in float64: <v, J u> three ways."""
    arrays = [a.astype(np.float64) for a in arrays]
    rng = np.random.default_rng(0)
    us = [rng.standard_normal(a.shape) for a in arrays]
    out, vjp_fn = func.vjp(f, *arrays)
    v = rng.standard_normal(np.shape(out))
    reverse = sum(float(np.vdot(g, u)) for g, u in zip(vjp_fn(v), us))
    _, tangent = func.jvp(f, tuple(arrays), tuple(us))
    forward = float(np.vdot(v, tangent))
    eps = 1e-6

    def at(step: float) -> np.ndarray:
        return np.asarray(f(*[mt.tensor(a + step * u) for a, u in zip(arrays, us)]).data)

    numeric = float(np.vdot(v, (at(eps) - at(-eps)) / (2 * eps)))
    assert reverse == pytest.approx(numeric, rel=1e-6, abs=1e-8)
    assert forward == pytest.approx(numeric, rel=1e-6, abs=1e-8)


# --------------------------------------------------------------------------- values and derivatives
@settings(max_examples=15, deadline=None)
@given(case=along())
def test_gather_reads_the_named_elements_and_its_derivatives_match_differences(case: Any) -> None:
    x, dim, index, _ = case
    out = mt.gather(mt.tensor(x), dim, mt.tensor(index))
    assert out.dtype == x.dtype and out.shape == index.shape
    np.testing.assert_array_equal(out.data, reference_gather(x, dim, index))
    np.testing.assert_array_equal(mt.tensor(x).gather(dim, index).data, out.data)  # method; an array index
    check_derivatives(lambda t: t.gather(dim, mt.tensor(index)), [x])


@settings(max_examples=15, deadline=None)
@given(case=along(), add=st.booleans())
def test_scatter_and_scatter_add_write_the_named_places_and_their_derivatives_match(case: Any, add: bool) -> None:
    x, dim, index, src = case
    if not add:  # one write per place: which of several lands is not defined (PyTorch neither)
        d = dim % x.ndim
        index = np.argsort(np.random.default_rng(1).random(x.shape), axis=d).take(range(x.shape[d]), axis=d)
        index = index[tuple(slice(0, n) for n in np.minimum(index.shape, src.shape))]
    name = "scatter_add" if add else "scatter"
    out = getattr(mt, name)(mt.tensor(x), dim, mt.tensor(index), mt.tensor(src))
    assert out.dtype == x.dtype and out.shape == x.shape
    np.testing.assert_allclose(out.data, reference_scatter(x, dim, index, src, add), rtol=1e-5, atol=1e-5)
    # src larger than the index: only its leading part counts (PyTorch's backward refuses this case)
    check_derivatives(lambda t, s: getattr(t, name)(dim, mt.tensor(index), s), [x, src])


@settings(max_examples=10, deadline=None)
@given(shape=SHAPES, data=st.data())
def test_index_select_takes_slices_and_its_derivatives_match_differences(shape: Any, data: Any) -> None:
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    index = np.asarray(data.draw(st.lists(st.integers(0, shape[dim] - 1), min_size=1, max_size=5)))
    x = np.random.default_rng(0).standard_normal(shape)
    out = mt.index_select(mt.tensor(x), dim, mt.tensor(index))
    np.testing.assert_array_equal(out.data, np.take(x, index, axis=dim))
    check_derivatives(lambda t: t.index_select(dim, mt.tensor(index)), [x])


def test_repeated_indices_accumulate_gradients() -> None:
    x = mt.tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    (x.gather(1, mt.tensor([[2, 2, 0, 2]])) * mt.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[3.0, 0.0, 7.0]])
    y = mt.tensor([1.0, 2.0], requires_grad=True)
    y.index_select(0, mt.tensor([1, 1, 1])).sum().backward()
    np.testing.assert_array_equal(y.grad.data, [0.0, 3.0])


def test_second_derivative_through_gather() -> None:
    x = mt.tensor([[0.5, -1.0, 2.0]], requires_grad=True)
    (g,) = mt.grad((x.gather(1, mt.tensor([[2, 0, 2]])) ** 3).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.data, [[3 * 0.25, 0.0, 2 * 3 * 4.0]])
    (h,) = mt.grad(g.sum(), x)
    np.testing.assert_allclose(h.data, [[6 * 0.5, 0.0, 2 * 6 * 2.0]])


def test_scatter_typical_uses() -> None:
    """One-hot rows, class counts in int64, and the in-place forms, as tutorials write them."""
    labels = mt.tensor([2, 0, 2, 1])
    one_hot = mt.zeros(4, 3).scatter_(1, labels.unsqueeze(1), 1.0)
    np.testing.assert_array_equal(one_hot.data, np.eye(3)[[2, 0, 2, 1]])
    counts = mt.zeros(3, dtype=mt.long).scatter_add(0, labels, mt.ones_like(labels))
    assert counts.dtype == np.int64 and counts.tolist() == [1, 1, 2]
    w = mt.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    totals = mt.zeros(3)
    totals.scatter_add_(0, labels, w * 2)  # recorded: totals joins the graph
    totals.sum().backward()
    np.testing.assert_array_equal(totals.data, [4.0, 8.0, 8.0])
    np.testing.assert_array_equal(w.grad.data, [2.0, 2.0, 2.0, 2.0])
    np.testing.assert_array_equal(mt.zeros(2, 2).scatter(0, mt.tensor([[1, 0]]), value=5.0).data, [[0, 5], [5, 0]])


def test_scatter_of_a_number_keeps_an_integer_or_boolean_tensors_dtype() -> None:
    """As torch.scatter (2.13): the number is written in the tensor's dtype, like scatter_ and
    x[i] = v. MyTorch gave float32 results holding 1.7 (int64 input) and int64 (bool input)."""
    index = mt.tensor(np.array([[1], [0]]))
    out = mt.zeros(2, 3, dtype=mt.int64).scatter(1, index, 1.7)
    assert out.dtype == mt.int64 and out.tolist() == [[0, 1, 0], [1, 0, 0]]
    assert mt.zeros(2, 3, dtype=mt.int64).scatter(1, index, value=-1.7).tolist() == [[0, -1, 0], [-1, 0, 0]]
    flags = mt.zeros(2, 3, dtype=mt.bool).scatter(1, index, 1)
    assert flags.dtype == mt.bool and flags.tolist() == [[False, True, False], [True, False, False]]
    assert mt.zeros(2, 3, dtype=mt.uint8).scatter(1, index, 3.9).dtype == mt.uint8
    assert mt.zeros(2, 3, dtype=mt.float16).scatter(1, index, 1.5).dtype == mt.float16


def test_zero_dimensional_inputs_as_in_pytorch() -> None:
    x = mt.tensor(3.0, requires_grad=True)
    assert mt.gather(x, 0, mt.tensor(0)).shape == () and mt.gather(x, -1, mt.tensor([0, 0])).shape == (2,)
    assert mt.index_select(x, 0, mt.tensor(0)).shape == ()
    assert mt.tensor(1.0).scatter_add(0, mt.tensor(0), mt.tensor(2.0)).item() == 3.0


# --------------------------------------------------------------------------- errors
X = mt.zeros(3, 4)


@pytest.mark.parametrize(
    ("call", "kind", "words"),
    [
        (lambda: X.gather(1, mt.tensor([[0.0]])), TypeError, ["gather", "integer", "float32"]),
        (lambda: X.gather(1, mt.tensor([[True]])), TypeError, ["gather", "bool"]),
        (
            lambda: X.gather(1, mt.tensor([[0], [4], [1]])),
            OutOfRange,
            ["gather", "[0, 4)", "(3, 4)", "0 .. 4"],
        ),
        (lambda: X.gather(1, mt.tensor([[-1]])), OutOfRange, ["gather", "negative"]),
        (lambda: X.gather(1, mt.tensor([0, 1])), OutOfRange, ["gather", "(2,)", "(3, 4)", "axes"]),
        (lambda: X.gather(1, mt.tensor([[0]] * 4)), OutOfRange, ["gather", "(4, 1)", "but dim 1"]),
        (lambda: X.gather(2, mt.tensor([[0]])), IndexError, ["gather", "dimension 2"]),
        (lambda: X.gather(1.0, mt.tensor([[0]])), TypeError, ["gather", "dim must be an int"]),
        (lambda: X.index_select(0, mt.tensor([[0]])), OutOfRange, ["index_select", "one axis", "(1, 1)"]),
        (lambda: X.index_select(0, mt.tensor([3])), OutOfRange, ["index_select", "[0, 3)", "(3, 4)"]),
        (lambda: X.index_select(1, mt.tensor([1.5])), TypeError, ["index_select", "integer"]),
        (lambda: X.scatter_add(1, mt.tensor([[0]]), mt.ones(1, 1).double()), TypeError, ["scatter_add", "float64"]),
        (lambda: X.scatter_add(1, mt.tensor([[0, 1]]), mt.ones(1, 1)), OutOfRange, ["scatter_add", "src"]),
        (lambda: X.scatter_add(1, mt.tensor([[0]]), 1.0), TypeError, ["scatter_add", "tensor"]),
        (lambda: X.scatter(1, mt.tensor([[7]]), 1.0), OutOfRange, ["scatter", "[0, 4)"]),
        (lambda: X.scatter(1, mt.tensor([[0]])), TypeError, ["scatter", "src"]),
        (lambda: mt.logsumexp(X), TypeError, ["logsumexp", "dim"]),
        (lambda: mt.logsumexp(X, ()), ValueError, ["logsumexp", "dim=()"]),
    ],
)
def test_bad_input_raises_naming_the_op_and_shapes(call: Callable[[], Any], kind: type, words: list[str]) -> None:
    with pytest.raises(kind) as caught:
        call()
    for word in words:
        assert word in str(caught.value)


def test_out_of_range_is_both_a_value_error_and_an_index_error() -> None:
    for kind in (ValueError, IndexError, OutOfRange):
        with pytest.raises(kind):
            X.gather(1, mt.tensor([[9]]))


# --------------------------------------------------------------------------- logsumexp
def test_logsumexp_is_finite_where_exp_overflows_and_exact_at_infinities() -> None:
    x = mt.tensor([[1000.0, 1000.0], [-1000.0, -1001.0]], dtype=mt.float64, requires_grad=True)
    y = mt.logsumexp(x, 1)
    np.testing.assert_allclose(y.data, [1000 + np.log(2), -1000 + np.log1p(np.exp(-1))], rtol=1e-15)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data.sum(1), [1.0, 1.0])
    inf = float("inf")
    assert mt.logsumexp(mt.tensor([-inf, -inf]), 0).item() == -inf  # as PyTorch, not NaN
    assert mt.logsumexp(mt.tensor([inf, 1.0]), 0).item() == inf
    assert mt.logsumexp(mt.zeros(2, 0), 1).tolist() == [-inf, -inf]
    assert mt.logsumexp(mt.tensor([1, 2]), 0).dtype == np.float32  # integers: the default float dtype
    half = mt.logsumexp(mt.tensor([10.0, 11.0, 12.0]).half() * 1000, 0)  # e**12000 in float32 too
    assert half.dtype == np.float16 and half.item() == pytest.approx(12000.0)


PUT_X = np.random.default_rng(3).standard_normal((3, 4))
PUT_CALLS = [
    lambda L, t: (t * 1).index_copy(1, L.tensor([2, 0]), t[:, :2] * 3),
    lambda L, t: L.index_copy(t * 2, 0, L.tensor([1]), t[:1] ** 2),
    lambda L, t: (t * 1).index_put_((L.tensor([0, 2]), L.tensor([1, 3])), t[1, :2] * 5),
    lambda L, t: (t * 1).index_put_((L.tensor([0, 0, 2]), L.tensor([1, 1, 3])), t[2, :3], accumulate=True),
    lambda L, t: (t * 1).index_put((L.tensor([1]),), t[0] * 2),
    lambda L, t: (t * 1).index_put_((t.detach() > 0.5,), L.tensor(7.0, dtype=L.float64)),
    lambda L, t: (t * 1).masked_scatter(t.detach() > 0, t.flip(0) * 3),
    lambda L, t: (t * 1).masked_scatter_(L.tensor([True, False, True, False]), t.flip(1) ** 2),
    lambda L, t: (t * 1).put_(L.tensor([0, 5, -1]), t[2, :3] * 4),
    lambda L, t: (t * 1).put(L.tensor([1, 1, 11]), t[0, :3], accumulate=True),
]


def test_index_copy_put_and_masked_scatter_against_pytorch():
    torch = pytest.importorskip("torch")
    from torch_compare import assert_like_torch

    assert_like_torch(torch, PUT_X, PUT_CALLS, rtol=1e-12, atol=1e-12)


def test_index_copy_put_and_masked_scatter_closed_forms():
    x = mt.zeros(2, 3)
    assert x.index_copy(1, mt.tensor([2]), mt.ones(2, 1)).tolist() == [[0.0, 0.0, 1.0], [0.0, 0.0, 1.0]]
    assert mt.zeros(4).put_(mt.tensor([1, 1, -1]), mt.tensor([2.0, 3.0, 4.0]), accumulate=True).tolist() == [
        0.0,
        5.0,
        0.0,
        4.0,
    ]
    assert mt.zeros(4).masked_scatter(mt.tensor([True, False, True, True]), mt.arange(5.0)).tolist() == [
        0.0,
        0.0,
        1.0,
        2.0,
    ]
    with pytest.raises(IndexError, match="selects 2 places"):
        mt.zeros(2).masked_scatter_(mt.tensor([True, True]), mt.ones(1))
    with pytest.raises(IndexError, match="outside 4 elements"):
        mt.zeros(4).put_(mt.tensor([4]), mt.ones(1))


def test_masked_scatter_refuses_a_mask_not_bool_and_a_source_of_another_dtype():
    """A 0.0 / 1.0 mask was taken as bool and a float64 or int64 source cast into a float32 tensor,
    silently; PyTorch raises for both. The out-of-place form broadcasts the tensor with the mask."""
    for mask in (mt.tensor([1.0, 0.0, 1.0]), mt.tensor([1, 0, 1]), mt.tensor([1, 0, 1], dtype=mt.uint8)):
        with pytest.raises(TypeError, match="masked_scatter: the mask must be a bool tensor"):
            mt.zeros(3).masked_scatter(mask, mt.tensor([5.0, 6.0, 7.0]))
        with pytest.raises(TypeError, match="masked_scatter_: the mask must be a bool tensor"):
            mt.zeros(3).masked_scatter_(mask, mt.tensor([5.0, 6.0, 7.0]))
    for source in (mt.tensor([5, 6, 7]), mt.tensor([5.0, 6.0, 7.0], dtype=mt.float64)):
        with pytest.raises(TypeError, match="source has dtype"):
            mt.zeros(3).masked_scatter(mt.tensor([True, False, True]), source)
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    source = mt.arange(6.0, requires_grad=True)
    out = x.masked_scatter(mt.tensor([[True, False, True], [True, True, False]]), source)
    assert out.tolist() == [[0.0, 2.0, 1.0], [2.0, 3.0, 3.0]]
    (out * mt.arange(6.0).reshape(2, 3)).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 5.0] and source.grad.tolist() == [0.0, 2.0, 3.0, 4.0, 0.0, 0.0]
    with pytest.raises(ValueError, match="does not broadcast"):
        mt.zeros(3).masked_scatter_(mt.tensor([[True, False, True]] * 2), mt.arange(6.0))


def test_scatter_reduce_of_integers_reduces_in_the_integers():
    """The float weights of the recorded form truncated to 0 in an int64 tensor: the mean of 2 and
    0 was 0 (PyTorch's floor division: 1), and amin with include_self=False filled with inf cast to
    int (a place given -1 came out 0). Checked by hand; PyTorch 2.13 gives the same."""
    x = mt.tensor([[2, -1, 1, 1], [4, -1, -3, 1]])
    index = mt.tensor([[0, 0, 1, 1]])
    src = mt.tensor([[0, 0, -1, 0]])
    assert mt.scatter_reduce(x, 0, index, src, "mean").tolist() == [[1, -1, 1, 1], [4, -1, -2, 0]]
    assert mt.scatter_reduce(x, 0, index, src, "mean", include_self=False).tolist() == [[0, 0, 1, 1], [4, -1, -1, 0]]
    assert mt.scatter_reduce(x, 0, index, src, "amin", include_self=False).tolist() == [[0, 0, 1, 1], [4, -1, -1, 0]]
    assert mt.scatter_reduce(x, 0, index, src, "amax").tolist() == [[2, 0, 1, 1], [4, -1, -1, 1]]
    assert mt.scatter_reduce(x, 0, index, src, "sum", include_self=False).dtype == mt.int64
    with pytest.raises(TypeError, match="scatter_reduce: src has dtype float32"):
        mt.scatter_reduce(x, 0, index, src.float(), "sum")


def test_index_add_copy_put_and_put_refuse_a_source_of_another_dtype():
    """A float64 source into an int64 tensor was truncated (index_copy, index_put, put) or made
    index_add's result float64; PyTorch raises. Lists and numbers are still taken in the dtype."""
    x = mt.zeros(2, 3, dtype=mt.int64)
    source = mt.tensor([[0.5, 1.5, 2.5]], dtype=mt.float64)
    calls = {
        "index_add": lambda: x.index_add(0, mt.tensor([1]), source),
        "index_copy_": lambda: x.index_copy(0, mt.tensor([1]), source),
        "index_put_": lambda: x.index_put((mt.tensor([1]),), source),
        "put_": lambda: x.put(mt.tensor([0, 1, 2]), source.reshape(-1)),
    }
    for op, call in calls.items():
        with pytest.raises(TypeError, match=f"{op}: source has dtype float64, the tensor int64"):
            call()
    with pytest.raises(TypeError, match="index_add: source has dtype float64, the tensor float32"):
        mt.zeros(2, 3).index_add(0, mt.tensor([1]), source)
    assert x.index_put((mt.tensor([1]),), mt.tensor([[1, 2, 3]])).tolist() == [[0, 0, 0], [1, 2, 3]]
    assert x.put(mt.tensor([0]), [7]).tolist() == [[7, 0, 0], [0, 0, 0]]

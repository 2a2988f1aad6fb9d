"""quantile, kthvalue, msort, cross, searchsorted, bucketize, histc, unique_consecutive and the dtype
helpers (mytorch/tensor_order.py): against PyTorch (skipped without it) and NumPy."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from torch_compare import assert_like_torch

import mytorch as mt

X = np.array([[0.3, -1.2, 2.0, 0.0], [1.5, 0.7, -0.4, 2.5], [-2.0, 0.1, 0.9, -0.6]])

CALLS = [
    lambda L, t: L.quantile(t, 0.3),
    lambda L, t: t.quantile(0.75, dim=1, keepdim=True),
    lambda L, t: L.quantile(t, L.tensor([0.1, 0.5, 1.0], dtype=L.float64), dim=0),
    lambda L, t: L.quantile(t, 0.4, dim=1, interpolation="midpoint"),
    lambda L, t: L.quantile(t, 0.4, dim=1, interpolation="nearest"),
    lambda L, t: L.quantile(t, 0.4, dim=0, interpolation="lower") + L.quantile(t, 0.4, dim=0, interpolation="higher"),
    lambda L, t: t.kthvalue(2, 1).values,
    lambda L, t: L.kthvalue(t, 3, 0, keepdim=True)[0],
    lambda L, t: L.msort(t),
    lambda L, t: L.cross(t[:, :3], t[:, 1:], dim=1),
    lambda L, t: L.linalg.cross(t[:, :3], t.flip(0)[:, 1:]),
    lambda L, t: L.linalg.matmul(t, t.T),
]


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    assert_like_torch(torch, X, CALLS, rtol=1e-12, atol=1e-12)
    results = []
    for lib in (mt, torch):
        seq = lib.tensor([1.0, 2.0, 2.0, 5.0])
        v = lib.tensor([[0.0, 2.0, 6.0], [2.0, 2.5, 1.0]])
        results.append(
            [
                lib.searchsorted(seq, v).tolist(),
                lib.searchsorted(seq, v, right=True).tolist(),
                lib.bucketize(v, seq).tolist(),
                lib.histc(lib.tensor([1.0, 2.0, 1.0, 4.0]), bins=4, min=0, max=4).tolist(),
                [t.tolist() for t in lib.unique_consecutive(lib.tensor([1, 1, 2, 2, 3, 1]), True, True)],
                lib.kthvalue(lib.tensor([[3.0, 1.0, 2.0]]), 2, 1).indices.tolist(),
                lib.quantile(lib.tensor([1.0, float("nan"), 3.0]), 0.5).isnan().item(),
                str(lib.promote_types(lib.int64, lib.float32)).split(".")[-1],
                lib.can_cast(lib.float32, lib.int64),
                lib.ones(2, 3).stride(),
                lib.ones(2, dtype=lib.float64).element_size(),
            ]
        )
    assert repr(results[0]) == repr(results[1])


@settings(max_examples=20, deadline=None)
@given(
    x=hnp.arrays(np.float64, st.tuples(st.integers(1, 5), st.integers(1, 5)), elements=st.floats(-9, 9)),
    q=st.floats(0, 1),
)
def test_quantile_is_numpys(x, q):
    np.testing.assert_allclose(
        mt.quantile(mt.tensor(x), q, dim=1).numpy(), np.quantile(x, q, axis=1), rtol=1e-12, atol=1e-12
    )
    assert mt.kthvalue(mt.tensor(x), 1, 0).values.tolist() == x.min(0).tolist()


def test_errors():
    with pytest.raises(ValueError, match="in \\[0, 1\\]"):
        mt.quantile(mt.ones(3), 1.5)
    with pytest.raises(IndexError, match="outside"):
        mt.kthvalue(mt.ones(3), 4)
    with pytest.raises(ValueError, match="length 3"):
        mt.cross(mt.ones(2, 3), mt.ones(2, 3), dim=0)


def test_quantile_of_a_slice_with_nan_sends_its_gradient_to_the_nan():
    # a NaN was added to the interpolated value: the gradient of that NaN went to real elements (to 2.0 here)
    x = mt.tensor([[1.0, float("nan"), 2.0, 0.5], [1.0, 2.0, 3.0, 4.0]], dtype=mt.float64, requires_grad=True)
    q = mt.quantile(x, 0.5, dim=1)
    assert np.isnan(q[0].item()) and q[1].item() == 2.5
    q.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 0.0, 0.0], [0.0, 0.5, 0.5, 0.0]]


def test_result_type_of_a_number_and_a_tensor_either_way_round():
    """A Python float first was taken as a float64 tensor: result_type(2.0, int64 tensor) gave
    float64 where PyTorch (and the other order) gives the default float32."""
    ints = mt.tensor([1, 2])
    assert mt.result_type(2.0, ints) == mt.result_type(ints, 2.0) == np.float32
    assert mt.result_type(True, mt.tensor([1], dtype=mt.uint8)) == np.uint8
    assert mt.result_type(2, mt.tensor([1.0], dtype=mt.float16)) == np.float16
    assert mt.result_type(mt.tensor(1.0, dtype=mt.float64), mt.tensor([1.0])) == np.float32


def test_cross_refuses_a_length_1_axis_broadcast_along_its_dim():
    """cross(x of (3, 3), y of (1,)) broadcast y to three equal components and gave a number
    where PyTorch refuses: each input needs its own three components."""
    x = mt.tensor([[2.0, 3.0, 4.0]] * 3)
    with pytest.raises(ValueError, match="length 3"):
        mt.cross(x, mt.tensor([1.0]), dim=1)
    with pytest.raises(ValueError, match="length 3"):
        mt.linalg.cross(x, mt.ones(3, 1))
    np.testing.assert_array_equal(mt.linalg.cross(x, mt.ones(1, 3)).numpy(), [[-1.0, 2.0, -1.0]] * 3)


@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
def test_quantile_of_a_0_d_tensor_with_keepdim_stays_0_d(name):
    """keepdim=True gave a 0-d input a (1,) result (PyTorch: 0-d), and a (2, 1) one for two levels
    (PyTorch: (2,))."""
    x = mt.tensor(2.0)
    for dim in (0, -1, None):
        out = getattr(x, name)(0.5, dim=dim, keepdim=True)
        assert out.shape == () and out.item() == 2.0
    assert getattr(x, name)(mt.tensor([0.5, 0.2]), dim=0, keepdim=True).shape == (2,)
    assert getattr(mt.tensor([[1.0, 3.0]]), name)(0.5, dim=None, keepdim=True).shape == (1, 1)
    assert getattr(mt.tensor([1.0, 3.0]), name)(0.5, dim=0, keepdim=True).tolist() == [2.0]


@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
def test_quantile_next_to_an_infinity_is_that_infinity(name):
    """below + (above - below) frac made -inf + inf = NaN between -inf and a number or between two
    equal infinities; the quantile there is the infinity (PyTorch's value for these)."""
    cases = [
        ([-3.0, 1.0, -np.inf], 0.25, "linear", -np.inf),
        ([1.0, -np.inf, -np.inf], 0.7, "midpoint", -np.inf),
        ([-np.inf, -np.inf, 2.0, 1.0], 0.25, "linear", -np.inf),
        ([1.0, np.inf], 0.5, "linear", np.inf),
        ([1.0, 2.0], 0.25, "linear", 1.25),
    ]
    for values, q, interpolation, expected in cases:
        out = getattr(mt.tensor(values), name)(q, interpolation=interpolation)
        assert out.item() == expected, (values, q, interpolation)
    x = mt.tensor([-3.0, 1.0, -np.inf], requires_grad=True)
    getattr(x, name)(0.25).backward()  # halfway between -inf and -3: each end gets 1/2, as PyTorch's
    assert x.grad.tolist() == [0.5, 0.0, 0.5]


@pytest.mark.parametrize("name", ["quantile", "nanquantile"])
def test_quantile_gradient_between_equal_ends_is_split_by_the_fraction(name):
    """Where any slice held an infinity, every slice whose two neighbours were equal ([0, 0, 0] or
    [-inf, -inf, -inf]) sent the whole gradient to the lower one, (1, 0, 0) at q = 0.3: no
    subgradient there (the quantile is 0.4 x_(0) + 0.6 x_(1) on each side of the tie). Both ends get
    1 - frac and frac, as PyTorch's, and as without the infinity elsewhere."""
    x = mt.tensor(
        [[0.0, 0.0, 0.0], [-np.inf, -np.inf, -np.inf], [3.0, 3.0, 3.0], [np.inf, 1.0, 2.0]], requires_grad=True
    )
    out = getattr(x, name)(0.3, dim=1)
    assert out.tolist() == [0.0, -np.inf, 3.0, pytest.approx(1.6)]
    out.sum().backward()
    expected = [[0.4, 0.6, 0.0]] * 3 + [[0.0, 0.4, 0.6]]
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6)
    torch = pytest.importorskip("torch")
    y = torch.tensor(x.detach().numpy(), requires_grad=True)
    getattr(y, name)(0.3, dim=1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), rtol=1e-6)


def test_bucketize_refuses_boundaries_that_are_not_1d():
    """A matrix of boundaries was searched row by row (one row per input element); PyTorch raises."""
    with pytest.raises(ValueError, match="bucketize: boundaries must be 1-D, got a 2-D"):
        mt.bucketize(mt.tensor([1.0, 2.0]), mt.tensor([[0.0, 1.5], [1.0, 3.0]]))
    with pytest.raises(ValueError, match="got a 0-D"):
        mt.bucketize(mt.tensor([1.0]), mt.tensor(2.0))
    assert mt.bucketize(mt.tensor([[1.0, 2.0]]), mt.tensor([0.0, 1.5])).tolist() == [[1, 2]]

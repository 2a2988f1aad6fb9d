"""GradientBuffer: gradients keyed by the identity of the array object."""

from __future__ import annotations

import numpy as np
import pytest

from mytorch import GradientBuffer


def test_handout_methods() -> None:
    buf = GradientBuffer()
    x = np.array([1.0, 2.0])
    assert not buf.is_in_memory(x)
    assert buf.get_memory_loc(x) == id(x)
    buf.add_spot(x)
    assert buf.is_in_memory(x)
    np.testing.assert_array_equal(buf.get_param(x), [0.0, 0.0])
    buf.update_param(x, np.array([1.0, -1.0]))
    buf.update_param(x, np.array([0.5, 0.5]))
    np.testing.assert_array_equal(buf.get_param(x), [1.5, -0.5])
    buf.add_spot(x)  # an existing gradient is kept
    np.testing.assert_array_equal(buf.get_param(x), [1.5, -0.5])
    buf.set_param(x, np.array([7.0, 8.0]))
    np.testing.assert_array_equal(buf.get_param(x), [7.0, 8.0])
    assert len(buf) == 1
    buf.clear()
    assert len(buf) == 0 and not buf.is_in_memory(x)


def test_views_sharing_memory_keep_separate_gradients() -> None:
    """x, x.T and x[0] share memory; the handout's data-pointer key would mix them up."""
    buf = GradientBuffer()
    x = np.arange(4.0).reshape(2, 2)
    xt, row = x.T, x[0]
    assert np.shares_memory(x, xt) and np.shares_memory(x, row)
    buf.update_param(x, np.ones((2, 2)))
    buf.update_param(xt, np.full((2, 2), 2.0))
    buf.update_param(row, np.full(2, 3.0))
    np.testing.assert_array_equal(buf.get_param(x), np.ones((2, 2)))
    np.testing.assert_array_equal(buf.get_param(xt), np.full((2, 2), 2.0))
    np.testing.assert_array_equal(buf.get_param(row), np.full(2, 3.0))


def test_update_never_writes_into_a_given_gradient() -> None:
    """The first gradient stored may be a kernel's own array; accumulating must not change it."""
    buf = GradientBuffer()
    x = np.zeros(2)
    g = np.array([1.0, 1.0])
    buf.update_param(x, g)
    buf.update_param(x, np.array([2.0, 2.0]))
    np.testing.assert_array_equal(g, [1.0, 1.0])
    np.testing.assert_array_equal(buf.get_param(x), [3.0, 3.0])


def test_missing_gradient_says_why() -> None:
    with pytest.raises(KeyError, match=r"no gradient is held for this array of shape \(3,\).*keep_grads=True"):
        GradientBuffer().get_param(np.ones(3))


@pytest.mark.parametrize("method", ["update_param", "set_param"])
def test_gradient_of_the_wrong_shape(method: str) -> None:
    with pytest.raises(
        ValueError,
        match=rf"GradientBuffer.{method}: gradient of shape \(3,\) does not match its "
        r"array's shape \(2,\)",
    ):
        getattr(GradientBuffer(), method)(np.ones(2), np.ones(3))


@pytest.mark.parametrize(
    ("method", "extra"),
    [
        ("get_memory_loc", ()),
        ("is_in_memory", ()),
        ("add_spot", ()),
        ("get_param", ()),
        ("update_param", (np.ones(2),)),
        ("set_param", (np.ones(2),)),
    ],
)
def test_non_arrays_are_refused(method: str, extra: tuple) -> None:
    with pytest.raises(TypeError, match=rf"GradientBuffer.{method}: expected a numpy.ndarray, got list"):
        getattr(GradientBuffer(), method)([1.0, 2.0], *extra)

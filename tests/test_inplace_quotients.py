"""``%=``, ``//=``, ``remainder_``, ``fmod_``, ``floor_divide_``, ``round(t)`` and NumPy ufuncs on Tensors.

Closed forms and central differences run without PyTorch; where it is installed the same
programs run under ``torch`` (float32 and float64) and must agree.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_inplace import central_differences

import mytorch as mt


def test_imod_and_ifloordiv_write_into_the_tensor_itself():
    t = mt.tensor([5, -7, 9])
    alias, view = t, t[1:]
    t %= 3
    assert t is alias
    np.testing.assert_array_equal(t.numpy(), [2, 2, 0])  # Python's signs: -7 % 3 is 2
    np.testing.assert_array_equal(view.numpy(), [2, 0])
    f = mt.tensor([5.5, -7.0])
    same = f
    f //= 2
    assert f is same and f.dtype == np.float32
    np.testing.assert_array_equal(f.numpy(), [2.0, -4.0])


def test_method_forms_return_the_tensor():
    a = mt.tensor([5.0, -7.0])
    assert a.fmod_(2) is a
    np.testing.assert_array_equal(a.numpy(), [1.0, -1.0])  # the dividend's sign
    b = mt.tensor([5.0, 7.0])
    assert b.remainder_(mt.tensor([2.0, -3.0])) is b
    np.testing.assert_array_equal(b.numpy(), [1.0, -2.0])
    c = mt.tensor([7, -7])
    assert c.floor_divide_(2) is c
    np.testing.assert_array_equal(c.numpy(), [3, -4])


def test_a_result_the_dtype_cannot_hold_is_refused():
    for op in ("__imod__", "__ifloordiv__"):
        t = mt.tensor([5, 7])
        with pytest.raises(RuntimeError, match="float32 cannot be stored in the tensor's int64"):
            getattr(t, op)(2.5)
        np.testing.assert_array_equal(t.numpy(), [5, 7])  # unchanged


def test_integer_division_by_zero_raises():
    t = mt.tensor([5, 7])
    with pytest.raises(ZeroDivisionError):
        t %= 0


def test_recorded_imod_gives_the_gradient_of_a_minus_floor_quotient_times_b():
    x0 = np.array([0.4, 1.3, -0.7])
    b0 = np.array([0.9, -0.6, 0.5])
    x = mt.tensor(x0, requires_grad=True)
    b = mt.tensor(b0, requires_grad=True)
    y = x * 3
    y %= b
    (y * mt.tensor([1.0, 2.0, 3.0])).sum().backward()
    w = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(x.grad.numpy(), 3 * w)
    np.testing.assert_allclose(b.grad.numpy(), -w * np.floor(3 * x0 / b0))
    np.testing.assert_allclose(y.detach().numpy(), np.remainder(3 * x0, b0))


def test_recorded_fmod_matches_central_differences():
    x0 = np.array([0.4, 1.3, -0.7, 2.2])

    def f(v: np.ndarray) -> float:
        return float(np.sum(np.fmod(v * v, 0.7) * np.arange(1, 5)))

    x = mt.tensor(x0, requires_grad=True)
    y = x * x
    y.fmod_(0.7)
    (y * mt.tensor(np.arange(1.0, 5.0))).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), central_differences(f, [x0])[0], rtol=1e-6)


def test_floor_divide_in_place_while_recording_is_refused():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    with pytest.raises(RuntimeError, match="//=: floor division has no derivative"):
        y //= 2
    with mt.no_grad():
        y //= 2  # a plain write there
    np.testing.assert_array_equal(y.numpy(), [1.0, 3.0])


def test_imod_on_a_leaf_that_requires_grad_is_refused():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        x %= 2


def test_round_of_a_tensor_is_a_type_error_as_in_pytorch():
    for t in (mt.tensor(2.5), mt.tensor([2.5, 3.5])):
        with pytest.raises(TypeError, match="doesn't define __round__.*t.round\\(\\)"):
            round(t)
    assert round(mt.tensor(2.5).item()) == 2
    np.testing.assert_array_equal(mt.tensor([2.5, 3.5]).round().numpy(), [2.0, 4.0])


# --------------------------------------------------------------------------- NumPy ufuncs
@pytest.mark.parametrize(
    "ufunc, derivative",
    [
        (np.log1p, lambda x: 1 / (1 + x)),
        (np.expm1, np.exp),
        (np.reciprocal, lambda x: -1 / x**2),
        (np.square, lambda x: 2 * x),
        (np.sqrt, lambda x: 0.5 / np.sqrt(x)),
    ],
)
def test_numpy_ufuncs_with_a_rule_record_and_give_the_derivative(ufunc, derivative):
    x0 = np.array([0.3, 1.2, 2.5])
    x = mt.tensor(x0, requires_grad=True)
    y = ufunc(x)
    assert isinstance(y, mt.Tensor) and y.requires_grad
    np.testing.assert_allclose(y.detach().numpy(), ufunc(x0))
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), derivative(x0), rtol=1e-12)


def test_numpy_remainder_and_fmod_record():
    x = mt.tensor([1.0, 2.5], requires_grad=True)
    (np.remainder(x, 0.7) + np.fmod(x, -0.7)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_numpy_ufunc_without_a_rule_raises_instead_of_dropping_the_gradient():
    x = mt.tensor([0.3, 1.2], requires_grad=True)
    with pytest.raises(TypeError, match="np.cbrt has no gradient rule for Tensors"):
        np.cbrt(x)
    constant = np.cbrt(x.detach())  # no gradient wanted: computed on the values
    assert isinstance(constant, mt.Tensor) and not constant.requires_grad
    np.testing.assert_allclose(constant.numpy(), np.cbrt([0.3, 1.2]), rtol=1e-6)
    floors = np.floor_divide(x, 0.5)  # piecewise constant: a constant, as x // 0.5
    assert not floors.requires_grad
    np.testing.assert_array_equal(floors.numpy(), [0.0, 2.0])
    assert np.asarray(x) is x.numpy()  # the values, on purpose a constant


# --------------------------------------------------------------------------- against PyTorch
PROGRAMS = {
    "%=": lambda x, b: _then(x * 3, lambda y: y.__imod__(b)),
    "remainder_ number": lambda x, b: _then(x * 3, lambda y: y.remainder_(-0.8)),
    "fmod_": lambda x, b: _then(x * 3, lambda y: y.fmod_(b)),
    "fmod_ number": lambda x, b: _then(x * x, lambda y: y.fmod_(0.7)),
}


def _then(y, update):
    update(y)
    return y


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(PROGRAMS))
def test_in_place_quotients_match_torch(name, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(list(PROGRAMS).index(name))
    x0 = rng.uniform(-2, 2, (3, 4)).astype(dtype)
    b0 = (rng.uniform(0.5, 1.5, (4,)) * rng.choice([-1, 1], 4)).astype(dtype)
    q = 3 * x0.astype(np.float64) / b0
    x0 = np.where(np.abs(q - np.round(q)) < 0.1, x0 + 0.05, x0).astype(dtype)  # off the jumps
    results = []
    for lib in (mt, torch):
        x = lib.tensor(x0, requires_grad=True)
        b = lib.tensor(b0, requires_grad=True)
        out = PROGRAMS[name](x, b)
        weights = lib.tensor(np.arange(1.0, 13.0).reshape(3, 4).astype(dtype))
        (out * weights).sum().backward()
        grads = [np.zeros_like(a) if t.grad is None else t.grad.numpy() for t, a in ((x, x0), (b, b0))]
        results.append((out.detach().numpy(), grads))
    (out, grads), (expected, expected_grads) = results
    tol = {"rtol": 1e-5, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-12}
    assert out.dtype == expected.dtype
    np.testing.assert_allclose(out, expected, **tol)
    for g, e in zip(grads, expected_grads):
        np.testing.assert_allclose(g, e, **tol)


def test_integer_in_place_quotients_and_round_match_torch():
    torch = pytest.importorskip("torch")
    for lib_method in ("__imod__", "__ifloordiv__", "remainder_", "fmod_", "floor_divide_"):
        for other in (3, -2):
            mine, theirs = mt.tensor([-7, 7, 9, 0]), torch.tensor([-7, 7, 9, 0])
            getattr(mine, lib_method)(other)
            getattr(theirs, lib_method)(other)
            np.testing.assert_array_equal(mine.numpy(), theirs.numpy(), err_msg=f"{lib_method}({other})")
    with pytest.raises(TypeError):
        round(torch.tensor([2.5]))
    assert math.isclose(round(torch.tensor(2.5).item()), round(mt.tensor(2.5).item()))

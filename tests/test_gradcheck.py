"""The gradient checks themselves: they pass right rules and catch wrong ones, saying where."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mytorch import Autograd
from mytorch.gradcheck import GradcheckError, check_jvp, check_kernel, compare, gradcheck
from mytorch.nn import functional as F


def mul_backward_off_at(index: tuple[int, ...], error: float):
    """mul's backward, wrong by ``error`` (relative) in one element of a's gradient."""

    def wrong_mul_backward(grad_output, a, b):
        ga, gb = F.mul_backward(grad_output, a, b)
        ga = ga.copy()
        ga[index] *= 1 + error
        return ga, gb

    return wrong_mul_backward


@pytest.fixture
def ab(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return rng.uniform(1, 2, (3, 4)), rng.uniform(1, 2, (3, 4))


# --------------------------------------------------------------------------- check_kernel
def test_check_kernel_passes_a_right_kernel(ab) -> None:
    assert check_kernel("mul", *ab) == []


def test_check_kernel_reports_the_worst_element(monkeypatch, ab) -> None:
    a, b = ab
    wrong = dataclasses.replace(F.KERNELS["mul"], backward=mul_backward_off_at((1, 2), 0.5))
    monkeypatch.setitem(F.KERNELS, "mul", wrong)
    mismatches = check_kernel("mul", a, b, raise_on_fail=False)
    first = mismatches[0]
    assert first.what == "mul_backward input 0"
    assert first.index == (1, 2)
    v = np.random.default_rng(0).standard_normal((3, 4))  # check_kernel's cotangent for seed 0
    np.testing.assert_allclose(first.numeric, v[1, 2] * b[1, 2], rtol=1e-6)
    np.testing.assert_allclose(first.analytic, 1.5 * v[1, 2] * b[1, 2], rtol=1e-12)
    assert first.abs_error == pytest.approx(abs(first.analytic - first.numeric))
    with pytest.raises(GradcheckError, match=r"mul_backward input 0: worst element at index \(1, 2\): analytic "):
        check_kernel("mul", a, b)


def test_check_kernel_catches_a_wrong_jvp(monkeypatch, ab) -> None:
    def wrong_mul_jvp(tangents, a, b):
        return tangents[0] * b  # forgets b's tangent

    monkeypatch.setitem(F.KERNELS, "mul", dataclasses.replace(F.KERNELS["mul"], jvp=wrong_mul_jvp))
    with pytest.raises(GradcheckError, match="mul_jvp: worst element"):
        check_kernel("mul", *ab)


def test_check_kernel_refuses_an_unknown_name() -> None:
    with pytest.raises(ValueError, match="check_kernel: no kernel named 'mull'"):
        check_kernel("mull", np.ones(2))


# --------------------------------------------------------------------------- gradcheck on a recorded function
def linear_tanh(engine: Autograd, W: np.ndarray, dW: np.ndarray, b: np.ndarray, db: np.ndarray):
    """x -> tanh(x W^T + b), recorded the way the handout's Linear does."""

    def fn(x: np.ndarray) -> np.ndarray:
        h = x @ W.T
        engine.add_operation([x, W.T], h, [None, dW.T], F.matmul_backward)
        h = F.apply(engine, "add", h, b, gradients_to_update=[None, db])
        return F.apply(engine, "tanh", h)

    return fn


def test_gradcheck_passes_inputs_and_parameters(engine: Autograd, rng: np.random.Generator) -> None:
    x, W, b = rng.standard_normal((4, 3)), rng.standard_normal((2, 3)), rng.standard_normal(2)
    dW, db = np.zeros_like(W), np.zeros_like(b)
    fn = linear_tanh(engine, W, dW, b, db)
    assert gradcheck(fn, [x], engine, params=[(W, dW), (b, db)]) == []


def test_gradcheck_catches_a_wrong_kernel(engine: Autograd) -> None:
    def cube_backward(grad_output, x):
        return (grad_output * 3 * x,)  # should be 3 x**2

    def cube(x: np.ndarray) -> np.ndarray:
        y = x**3
        engine.add_operation([x], y, [None], cube_backward)
        return y

    x = np.array([1.0, 0.5, 3.0])  # the error 3x(x - 1) is largest at x = 3
    (m,) = gradcheck(cube, [x], engine, raise_on_fail=False)
    assert (m.what, m.index) == ("input 0", (2,))
    v = np.random.default_rng(0).standard_normal(3)
    np.testing.assert_allclose([m.analytic, m.numeric], [9 * v[2], 27 * v[2]], rtol=1e-6)


def test_gradcheck_catches_a_wrong_parameter_gradient(engine: Autograd, rng: np.random.Generator) -> None:
    W = rng.standard_normal((3, 3))
    dW = np.zeros_like(W)

    def fn(x: np.ndarray) -> np.ndarray:
        h = x @ W.T
        engine.add_operation([x, W.T], h, [None, dW], F.matmul_backward)  # dW, not dW.T: transposed
        return h

    mismatches = gradcheck(fn, [rng.standard_normal((4, 3))], engine, params=[(W, dW)], raise_on_fail=False)
    assert [m.what for m in mismatches] == ["parameter 0"]


# --------------------------------------------------------------------------- check_jvp
def test_check_jvp_passes_a_composite(engine: Autograd, rng: np.random.Generator) -> None:
    def fn(x: np.ndarray, w: np.ndarray) -> np.ndarray:
        h = F.apply(engine, "mul", x, w)  # (3, 4) * (4,)
        h = F.apply(engine, "sin", h)
        return F.apply(engine, "softmax", h)

    assert check_jvp(fn, [rng.standard_normal((3, 4)), rng.standard_normal(4)], engine) == []


def test_check_jvp_catches_a_wrong_rule(engine: Autograd) -> None:
    def twice_backward(grad_output, x):
        return (2 * grad_output,)

    def wrong_twice_jvp(tangents, x):
        return tangents[0]  # should be 2 t

    F.register_jvp(twice_backward, wrong_twice_jvp)

    def fn(x: np.ndarray) -> np.ndarray:
        y = 2 * x
        engine.add_operation([x], y, [None], twice_backward)
        return y

    with pytest.raises(GradcheckError, match=r"jvp: worst element at index \(\d,\)"):
        check_jvp(fn, [np.ones(3)], engine)


# --------------------------------------------------------------------------- float32 tolerances
def test_float32_checks_pass_right_rules(engine: Autograd, rng: np.random.Generator) -> None:
    x, W, b = (rng.standard_normal(s).astype(np.float32) for s in [(4, 3), (2, 3), (2,)])
    dW, db = np.zeros_like(W), np.zeros_like(b)
    assert gradcheck(linear_tanh(engine, W, dW, b, db), [x], engine, params=[(W, dW), (b, db)]) == []
    assert check_kernel("tanh", x) == []


@pytest.mark.parametrize(("dtype", "caught"), [(np.float64, True), (np.float32, False)])
def test_tolerances_follow_the_dtype(monkeypatch, ab, dtype, caught) -> None:
    """A 0.1% error is a bug in float64 and below float32's resolution of differences."""
    a, b = (x.astype(dtype) for x in ab)
    wrong = dataclasses.replace(F.KERNELS["mul"], backward=mul_backward_off_at((0, 0), 1e-3))
    monkeypatch.setitem(F.KERNELS, "mul", wrong)
    assert bool(check_kernel("mul", a, b, raise_on_fail=False)) is caught


def test_float32_still_catches_a_real_error(monkeypatch, ab) -> None:
    a, b = (x.astype(np.float32) for x in ab)
    wrong = dataclasses.replace(F.KERNELS["mul"], backward=mul_backward_off_at((2, 3), 0.2))
    monkeypatch.setitem(F.KERNELS, "mul", wrong)
    (m, *_) = check_kernel("mul", a, b, raise_on_fail=False)
    assert m.index == (2, 3)


def test_a_tolerance_of_zero_is_taken_literally(ab) -> None:
    """atol=0 and rtol=0 demand exact agreement, which central differences of exp never reach."""
    a, _ = ab
    assert check_kernel("exp", a) == []
    assert check_kernel("exp", a, atol=0.0, rtol=0.0, raise_on_fail=False)


# --------------------------------------------------------------------------- edge cases
def test_gradcheck_input_the_output_ignores(engine: Autograd) -> None:
    """An input that does not reach the output has gradient zero, and the differences agree."""

    def fn(x: np.ndarray, unused: np.ndarray) -> np.ndarray:
        return F.apply(engine, "exp", x)

    assert gradcheck(fn, [np.ones(2), np.ones(3)], engine) == []


def test_compare_flags_a_non_finite_numeric_value() -> None:
    m = compare("f", np.array([1.0, 2.0]), np.array([1.0, np.nan]), atol=1e-5, rtol=1e-4)
    assert m is not None and m.index == (1,)
    assert compare("f", np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-9]), atol=1e-5, rtol=1e-4) is None

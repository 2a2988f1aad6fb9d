"""Dtypes of integer, bool and mixed-float results that came out wrong with no error
(``scripts/sweep_dtype_promotion.py`` found them, against PyTorch 2.13):

* ``lerp`` with any float16 operand rounded the result to float16: float64 tensors and a 0-d
  float16 weight gave float16 (PyTorch: float64, a 0-d tensor does not promote them).
* ``div_(other, rounding_mode=...)`` wrote a float quotient into an integer or bool tensor
  (``int64.div_(2.5, rounding_mode="floor")``, ``bool.div_(3, ...)``), truncating it, where
  ``/=``, ``floor_divide_`` and PyTorch refuse it.
* ``sub_`` with a bool operand (or into a bool tensor) computed ``x - True`` where ``-=``,
  ``sub`` and PyTorch refuse bool subtraction.
* ``index_add`` of an integer tensor with a float ``alpha``: a float32 result (2.0 too), which
  ``index_add_`` truncated (alpha 2.5 wrote 5 for 2 * 2.5; PyTorch truncates alpha to 2 first, 4):
  a whole alpha is now an int, a fraction refused.
* ``bincount`` with integer, bool or float16 weights summed in their dtype (PyTorch: float64).

Each part checks the closed form; the PyTorch parts skip without it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import mytorch as mt


def _torch():
    return pytest.importorskip("torch")


@pytest.mark.parametrize("weight_dtype", ["float16", "float32"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lerp_with_a_0d_weight_keeps_the_tensors_dtype(dtype: str, weight_dtype: str) -> None:
    start = mt.tensor([1.0, 2.0, -3.0], dtype=getattr(mt, dtype), requires_grad=True)
    end = mt.tensor([4.0, -2.0, 5.0], dtype=getattr(mt, dtype))
    weight = mt.tensor(0.1, dtype=getattr(mt, weight_dtype), requires_grad=True)
    out = mt.lerp(start, end, weight)
    assert out.dtype == getattr(mt, dtype)  # (float64 with a float16 weight was float16)
    w = float(np.asarray(weight.detach().numpy(), dtype=np.float64))
    expected = np.array([1.0, 2.0, -3.0]) + w * (np.array([4.0, -2.0, 5.0]) - np.array([1.0, 2.0, -3.0]))
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-6 if dtype == "float32" else 1e-15)
    out.sum().backward()
    assert start.grad.dtype == start.dtype and weight.grad.dtype == weight.dtype
    np.testing.assert_allclose(start.grad.numpy(), 1 - w, rtol=1e-6)
    np.testing.assert_allclose(float(weight.grad), 3.0 - 4.0 + 8.0, rtol=1e-3)  # sum of end - start


def test_lerp_of_float16_tensors_stays_float16_and_is_rounded_once() -> None:
    start = mt.tensor([6e4, 1.0], dtype=mt.float16)
    end = mt.tensor([-6e4, 3.0], dtype=mt.float16)
    for weight in (0.3, mt.tensor(0.3), mt.tensor(0.3, dtype=mt.float64)):
        out = mt.lerp(start, end, weight)
        assert out.dtype == mt.float16
        np.testing.assert_allclose(out.numpy().astype(np.float64), [24000.0, 1.6], rtol=1e-3)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("weight_dtype", ["float16", "float32", "float64"])
def test_lerp_dtypes_match_pytorch(dtype: str, weight_dtype: str) -> None:
    torch = _torch()
    for L in (mt, torch):
        a = L.tensor([1.0, 2.0], dtype=getattr(L, dtype))
        out = L.lerp(a, a * 3, L.tensor(0.25, dtype=getattr(L, weight_dtype)))
        if L is mt:
            mine = out
    assert str(mine.dtype) == str(out.dtype).replace("torch.", "")
    np.testing.assert_allclose(mine.numpy(), out.numpy(), rtol=1e-3)


@pytest.mark.parametrize(
    ("dtype", "other"),
    [("int64", 2.5), ("int32", -2.5), ("uint8", 2.0), ("int64", "float32 0-d"), ("bool", 3), ("bool", True)],
)
@pytest.mark.parametrize("mode", ["floor", "trunc"])
def test_div_with_rounding_in_place_refuses_a_quotient_the_tensor_cannot_hold(dtype: str, other, mode: str) -> None:
    t = mt.tensor([7, 5, 0], dtype=getattr(mt, dtype)) if dtype != "bool" else mt.tensor([True, False, True])
    before = t.numpy().copy()
    divisor = mt.tensor(2.0) if other == "float32 0-d" else other
    with pytest.raises(RuntimeError, match="div_: the result's dtype .* cannot be stored"):
        t.div_(divisor, rounding_mode=mode)
    np.testing.assert_array_equal(t.numpy(), before)  # (nothing written)


def test_div_with_rounding_in_place_of_integers_by_integers_still_works() -> None:
    t = mt.tensor([7, -7, 5])
    assert t.div_(2, rounding_mode="floor") is t and t.tolist() == [3, -4, 2] and t.dtype == mt.int64
    t = mt.tensor([7, -7, 5], dtype=mt.int16)
    t.div_(mt.tensor([2, 2, -2]), rounding_mode="trunc")
    assert t.tolist() == [3, -3, -2] and t.dtype == mt.int16
    f = mt.tensor([7.5, -7.5])
    f.div_(2, rounding_mode="floor")
    assert f.tolist() == [3.0, -4.0] and f.dtype == mt.float32


def test_div_with_rounding_in_place_refusals_match_pytorch() -> None:
    torch = _torch()
    for dtype, other in [("int64", 2.5), ("int64", 2), ("bool", 3), ("uint8", -2), ("float32", 2)]:
        outcomes = []
        for L in (mt, torch):
            t = L.tensor([7, 5, 1], dtype=getattr(L, dtype))
            try:
                outcomes.append(t.div_(other, rounding_mode="floor").tolist())
            except RuntimeError:
                outcomes.append("refused")
        assert outcomes[0] == outcomes[1], (dtype, other, outcomes)


@pytest.mark.parametrize("other", [True, "bool tensor", "bool 0-d"])
@pytest.mark.parametrize("dtype", ["int64", "uint8", "float32", "bool"])
def test_sub_in_place_refuses_bool_as_subtraction_does(dtype: str, other) -> None:
    t = mt.tensor([3, 1, 0], dtype=getattr(mt, dtype))
    before = t.numpy().copy()
    given = {"bool tensor": mt.tensor([True, False, True]), "bool 0-d": mt.tensor(True)}.get(other, other)
    with pytest.raises(TypeError, match="subtraction"):
        t.sub_(given)
    with pytest.raises(TypeError, match="subtraction"):
        t.sub_(given, alpha=2)
    np.testing.assert_array_equal(t.numpy(), before)
    if dtype != "bool":  # (a number still subtracts)
        assert t.sub_(1).tolist() == [2, 0, -1 if dtype != "uint8" else 255] and t.dtype == getattr(mt, dtype)


def test_sub_in_place_with_bool_is_refused_by_pytorch_too() -> None:
    torch = _torch()
    for L in (mt, torch):
        with pytest.raises((RuntimeError, TypeError)):
            L.tensor([3, 1]).sub_(True)
        with pytest.raises((RuntimeError, TypeError)):
            L.tensor([3.0, 1.0]).sub_(L.tensor([True, False]))


def test_index_add_of_an_integer_tensor_takes_a_whole_alpha_and_refuses_a_fraction() -> None:
    index, source = mt.tensor([0, 2, 0]), mt.tensor([1, 2, 3])
    for alpha in (2.0, np.float64(2.0), 2):
        out = mt.index_add(mt.zeros(3, dtype=mt.int64), 0, index, source, alpha=alpha)
        assert out.dtype == mt.int64 and out.tolist() == [8, 0, 4]  # (2.0 gave a float32 result)
    for alpha in (2.5, -0.5):
        t = mt.zeros(3, dtype=mt.int32)
        with pytest.raises(RuntimeError, match=r"index_add: alpha=.* is not a whole number"):
            t.index_add_(0, index, source.int(), alpha=alpha)  # (wrote [10, 0, 5] for 2.5 * [4, 2])
        assert t.tolist() == [0, 0, 0]
    f = mt.index_add(mt.zeros(3), 0, index, mt.tensor([1.0, 2.0, 3.0]), alpha=2.5)
    assert f.dtype == mt.float32 and f.tolist() == [10.0, 0.0, 5.0]


def test_index_add_alpha_matches_pytorch_where_pytorch_does_not_truncate() -> None:
    torch = _torch()
    for dtype, alpha in [("int64", 2.0), ("int64", 3), ("float32", 2.5), ("float64", -0.5)]:
        results = [
            L.index_add(
                L.zeros(3, dtype=getattr(L, dtype)),
                0,
                L.tensor([0, 2, 0]),
                L.tensor([1, 2, 3]).to(getattr(L, dtype)),
                alpha=alpha,
            )
            for L in (mt, torch)
        ]
        assert str(results[0].dtype) == str(results[1].dtype).replace("torch.", "")
        assert results[0].tolist() == results[1].tolist()


@pytest.mark.parametrize(
    ("weights", "dtype"),
    [("float32", "float32"), ("float64", "float64"), ("float16", "float64"), ("int64", "float64"), ("bool", "float64")],
)
def test_bincount_weights_sum_in_float32_or_float64(weights: str, dtype: str) -> None:
    w = mt.tensor([1, 0, 1, 1], dtype=getattr(mt, weights))
    out = mt.bincount(mt.tensor([0, 1, 1, 3]), weights=w)
    assert out.dtype == getattr(mt, dtype)  # (int64 weights gave int64 sums, float16 ones float16)
    assert out.tolist() == [1.0, 1.0, 0.0, 1.0]
    assert mt.bincount(mt.tensor([0, 1, 1])).dtype == mt.int64  # (counts without weights)


def test_bincount_weights_dtypes_match_pytorch() -> None:
    torch = _torch()
    for weights in ("float16", "float32", "float64", "int8", "int64", "bool"):
        mine = mt.bincount(mt.tensor([0, 1, 1]), weights=mt.tensor([1, 1, 0], dtype=getattr(mt, weights)))
        theirs = torch.bincount(torch.tensor([0, 1, 1]), weights=torch.tensor([1, 1, 0], dtype=getattr(torch, weights)))
        assert str(mine.dtype) == str(theirs.dtype).replace("torch.", "") and mine.tolist() == theirs.tolist()


@pytest.mark.parametrize("dtype", ["int8", "int16", "int32", "int64"])
def test_0d_integer_powers_with_negative_exponents_keep_the_dtype(dtype: str) -> None:
    # (on NumPy 1.26 the 0-d ones below int64 were int64; PyTorch's and NumPy 2's keep the dtype)
    kind = getattr(mt, dtype)
    for base, exponent in [(2, -1), (1, -3), (-1, -3), (-1, -2), (3, 2)]:
        expected = 0 if abs(base) != 1 and exponent < 0 else base**exponent
        for zero_d in (True, False):
            b = mt.tensor(base if zero_d else [base], dtype=kind)
            out = b ** mt.tensor(exponent, dtype=kind)
            assert out.dtype == kind and out.flatten().tolist() == [expected], (base, exponent, zero_d)
        out = base ** mt.tensor(exponent, dtype=kind)  # (a Python number's power)
        assert out.dtype == kind and int(out) == expected


def test_an_integer_array_to_the_power_of_a_0d_integer_tensor_keeps_the_arrays_dtype() -> None:
    # (a dimensioned operand is not widened by a 0-d one of its category, as in a * t; NumPy 2's
    # np.power made int32 ** tensor(3) int64 and uint8 ** int8 0-d int16)
    cases = [
        (np.array([1, 2, 4], np.int32), mt.tensor(3), mt.int32, [1, 8, 64]),
        (np.array([1, 2, 3], np.uint8), mt.tensor(3, dtype=mt.int8), mt.uint8, [1, 8, 27]),
        (np.array([1, 2, 3], np.int16), mt.tensor(-1, dtype=mt.int64), mt.int16, [1, 0, 0]),
        (np.array([True, False]), mt.tensor(3), mt.int64, [1, 0]),
        (np.array(3, np.int32), mt.tensor([1, 2], dtype=mt.int8), mt.int8, [3, 9]),
        (np.array([1, 2], np.int32), mt.tensor([3]), mt.int64, [1, 8]),
    ]
    for base, exponent, dtype, expected in cases:
        out = base**exponent
        assert isinstance(out, mt.Tensor) and out.dtype == dtype and out.tolist() == expected, (base, exponent)
        assert (base * exponent).dtype == dtype or base.dtype == np.bool_


def test_an_integer_array_to_the_power_of_a_0d_tensor_matches_pytorch_tensors() -> None:
    torch = _torch()
    for base, exponent in [(np.array([1, 2, 4], np.int32), 3), (np.array([1, 2, 3], np.uint8), 3)]:
        for kind in ("int8", "int64"):
            mine = base ** mt.tensor(exponent, dtype=getattr(mt, kind))
            theirs = torch.tensor(base) ** torch.tensor(exponent, dtype=getattr(torch, kind))
            assert str(mine.dtype) == str(theirs.dtype).replace("torch.", "") and mine.tolist() == theirs.tolist()


def test_an_integer_tensor_divided_by_a_0d_integer_array_is_not_wrapped() -> None:
    # (uint8 [7, 250] / np.array(-7, int8) divided by 249, the -7 wrapped into uint8: [0.028, 1.004])
    t = mt.tensor([7, 250], dtype=mt.uint8)
    for divisor in (np.array(-7, np.int8), np.array(-7), mt.tensor(-7, dtype=mt.int8), -7, np.int8(-7)):
        out = t / divisor
        assert out.dtype == mt.float32
        np.testing.assert_allclose(out.numpy(), [-1.0, -250 / 7], rtol=1e-6)
    np.testing.assert_allclose((np.array(-7, np.int8) / t).numpy(), [-1.0, -7 / 250], rtol=1e-6)
    np.testing.assert_allclose((mt.tensor([7, -7], dtype=mt.int8) / np.array(200, np.uint8)).numpy(), [0.035, -0.035])


def test_an_integer_tensor_to_the_power_of_an_integer_array() -> None:
    # (refused until 2026-12-05: "the truth value of an array is ambiguous")
    t = mt.tensor([2, 3], dtype=mt.int8)
    out = t ** np.array([3, 2], np.int32)
    assert out.dtype == mt.int32 and out.tolist() == [8, 9]
    out = t ** np.array([-1, 0])
    assert out.dtype == mt.int64 and out.tolist() == [0, 1]  # (as a tensor exponent: 1 / x truncated)
    out = mt.tensor([True, False]) ** np.array([True, False])
    assert out.dtype == mt.bool and out.tolist() == [True, True]


@pytest.mark.parametrize(
    ("dtype", "zero_d", "array", "expected"),
    [
        ("uint8", False, np.array([1.5, 0.5]), "float64"),
        ("int8", False, np.array(1.5), "float64"),
        ("int64", True, np.array([1.5, 0.5], np.float16), "float16"),
        ("float16", False, np.array([1.5, 0.5]), "float64"),
        ("float16", False, np.array(1.5), "float16"),
        ("float32", True, np.array([1.5, 0.5], np.float16), "float16"),
        ("float64", True, np.array([1.5, 0.5], np.float32), "float32"),
    ],
)
def test_powers_with_a_float_array_take_the_dtype_of_x_times_the_array(dtype, zero_d, array, expected) -> None:
    # (each was float32, or x's dtype, until 2026-12-05, where x * array and PyTorch's tensors give `expected`)
    x = mt.tensor(3 if zero_d else [3, 2], dtype=getattr(mt, dtype))
    assert (x * array).dtype == getattr(mt, expected)
    out = x**array
    assert out.dtype == getattr(mt, expected)
    exact = x.numpy().astype(np.float64) ** array.astype(np.float64)
    np.testing.assert_allclose(out.numpy().astype(np.float64), exact, rtol=1e-3)
    back = array**x
    assert back.dtype == getattr(mt, expected)
    np.testing.assert_allclose(back.numpy().astype(np.float64), array.astype(np.float64) ** x.numpy(), rtol=1e-3)


def test_a_float_power_with_an_array_keeps_the_gradient_in_the_tensors_dtype() -> None:
    x = mt.tensor([2.0, 3.0], dtype=mt.float16, requires_grad=True)
    p = np.array([1.5, 2.5])
    y = x**p
    assert y.dtype == mt.float64
    y.sum().backward()
    assert x.grad.dtype == mt.float16
    np.testing.assert_allclose(x.grad.numpy().astype(np.float64), p * np.array([2.0, 3.0]) ** (p - 1), rtol=1e-3)
    z = mt.tensor(2.0, requires_grad=True)  # (0-d float32: a float16 array's dtype)
    w = np.array([1.5, 2.5], np.float16) ** z
    assert w.dtype == mt.float16
    w.sum().backward()
    assert z.grad.dtype == mt.float32
    np.testing.assert_allclose(float(z.grad), float((np.array([1.5, 2.5]) ** 2 * np.log([1.5, 2.5])).sum()), rtol=2e-3)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_float16_array_to_a_wider_power_takes_its_slope_in_the_tensors_dtype(dtype: str) -> None:
    # float16 ** x of a wider float x is x's dtype, the array's values read in it (exactly); the
    # slope log b was taken in float16 (log 1.5 as 0.40552, 1.3e-4 off) until 2026-12-05
    base = np.array([1.5, 2.0, 0.5], np.float16)
    x = mt.tensor([1.2, 0.7, 2.0], dtype=getattr(mt, dtype), requires_grad=True)
    y = base**x
    assert y.dtype == getattr(mt, dtype)
    y.sum().backward()
    b = base.astype(np.float64)
    expected = b ** np.array([1.2, 0.7, 2.0]) * np.log(b)
    rtol = 1e-6 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(x.grad.numpy().astype(np.float64), expected, rtol=rtol)


def test_powers_with_arrays_match_pytorchs_tensors() -> None:
    torch = _torch()
    for x_dtype, zero_d in (("int8", False), ("uint8", True), ("float16", False), ("float32", True)):
        for array in (np.array([1.5, 0.5]), np.array([1.5, 0.5], np.float16), np.array([2, 1], np.int32)):
            mine_x = mt.tensor(3 if zero_d else [3, 2], dtype=getattr(mt, x_dtype))
            their_x = torch.tensor(3 if zero_d else [3, 2], dtype=getattr(torch, x_dtype))
            mine, theirs = mine_x**array, their_x ** torch.from_numpy(array)
            assert str(mine.dtype) == str(theirs.dtype).replace("torch.", ""), (x_dtype, zero_d, array.dtype)
            np.testing.assert_allclose(mine.numpy().astype(np.float64), theirs.double().numpy(), rtol=2e-3)


def test_integer_shifts_promote_as_bitwise_operators_do() -> None:
    # (MyTorch had no shift operators; beside a NumPy array NumPy shifted with its own promotion:
    # uint8 << an int8 array was int16, and the dtype depended on the NumPy version)
    t = mt.tensor([1, 3, 128], dtype=mt.uint8)
    assert (t << 1).dtype == mt.uint8 and (t << 1).tolist() == [2, 6, 0]  # (wraps, as PyTorch's)
    assert (t >> 1).tolist() == [0, 1, 64]
    out = t << np.array(2, np.int8)
    assert out.dtype == mt.uint8 and out.tolist() == [4, 12, 0]
    out = np.array([1, 2, 3], np.int32) << mt.tensor(2, dtype=mt.int8)
    assert isinstance(out, mt.Tensor) and out.dtype == mt.int32 and out.tolist() == [4, 8, 12]
    assert (mt.tensor([-8, 8]) >> mt.tensor([1, 2], dtype=mt.int16)).tolist() == [-4, 2]
    assert (1 << mt.tensor([0, 3], dtype=mt.int16)).dtype == mt.int16
    u = mt.tensor([1, 2], dtype=mt.int16)
    u <<= 3
    assert u.tolist() == [8, 16] and u.dtype == mt.int16
    assert (mt.tensor([True]) << 1).tolist() == [2]  # (an int64 result, as PyTorch's)
    for bad in (lambda: mt.tensor([True]) << mt.tensor([True]), lambda: mt.tensor([1.5]) << 1):
        with pytest.raises(TypeError):
            bad()


def test_integer_shifts_match_pytorch() -> None:
    torch = _torch()
    for a_kind, b_kind in [("uint8", "int8"), ("int8", "int64"), ("int32", "int16"), ("int64", "uint8")]:
        for zero_d in (False, True):
            results = []
            for L in (mt, torch):
                a = L.tensor([1, -3, 100] if a_kind != "uint8" else [1, 3, 200], dtype=getattr(L, a_kind))
                b = L.tensor(2 if zero_d else [0, 1, 2], dtype=getattr(L, b_kind))
                results.append([(r.tolist(), str(r.dtype).replace("torch.", "")) for r in (a << b, a >> b)])
            assert results[0] == results[1], (a_kind, b_kind, zero_d)


# Complex operands (the sweep took complex64 and complex128 from 2026-12-05): a real float beside a
# complex operand promoted by category alone, so float64 [2] * complex64 [2] was complex64 (its
# float64 values rounded to float32: 1 + 2**-30 became 1), and a float32 [2] beside a 0-d complex128
# complex128; PyTorch gives complex128 and complex64.
@pytest.mark.parametrize(
    "left, right, expected",
    [
        (("float64", (2,)), ("complex64", (2,)), "complex128"),
        (("float64", (2,)), ("complex64", ()), "complex128"),
        (("float64", ()), ("complex64", ()), "complex128"),
        (("float64", ()), ("complex64", (2,)), "complex64"),
        (("float32", (2,)), ("complex128", ()), "complex64"),
        (("float32", (2,)), ("complex128", (2,)), "complex128"),
        (("int64", (2,)), ("complex128", ()), "complex128"),
        (("float16", (2,)), ("complex128", ()), "complex64"),  # (PyTorch's complex32: NumPy has none)
    ],
)
def test_a_real_float_beside_a_complex_operand_promotes_as_pytorchs(left, right, expected) -> None:
    (ldtype, lshape), (rdtype, rshape) = left, right
    a = mt.full(lshape, 1 + 2**-30, dtype=getattr(mt, ldtype)) if ldtype != "int64" else mt.ones(lshape, dtype=mt.int64)
    b = mt.full(rshape, 1 + 1j, dtype=getattr(mt, rdtype))
    for result in (a * b, b * a, a + b, a - b, b / a, a**b):
        assert result.dtype == getattr(mt, expected)
    if ldtype == "float64" and expected == "complex128":
        assert (a * b).real.numpy().ravel()[0] == 1 + 2**-30  # (rounded to 1.0 in complex64)


def test_a_real_float_beside_a_complex_leaf_keeps_each_gradient_in_its_own_dtype() -> None:
    x = mt.tensor([0.5, -1.5], dtype=mt.float32, requires_grad=True)
    z = mt.tensor(1 - 2j, dtype=mt.complex128, requires_grad=True)
    y = x * z  # complex64, as PyTorch's: the 0-d complex128 is cast, recorded
    assert y.dtype == mt.complex64
    (y.real * 3 + y.imag).sum().backward()
    assert x.grad.dtype == mt.float32 and z.grad.dtype == mt.complex128
    # L = sum 3 Re(x z) + Im(x z): dL/dx = 3 Re z + Im z; dL/dz (PyTorch's convention) = sum x (3 + 1j)
    np.testing.assert_allclose(x.grad.numpy(), [3 * 1 - 2] * 2)
    np.testing.assert_allclose(z.grad.numpy(), (0.5 - 1.5) * (3 + 1j), rtol=1e-6)


def test_complex_powers_of_0d_tensors_and_of_large_numbers() -> None:
    z = mt.tensor([2 - 1j, -3 + 0j], dtype=mt.complex64)
    expected = np.array([2 - 1j, -3 + 0j]) ** (0.5 + 0.5j)
    # (a 0-d complex exponent raised "float() argument must be ... not 'complex'")
    np.testing.assert_allclose((z ** mt.tensor(0.5 + 0.5j, dtype=mt.complex64)).numpy(), expected, rtol=1e-6)
    assert (mt.tensor([2, 3]) ** mt.tensor(1j, dtype=mt.complex128)).dtype == mt.complex128  # (was complex64)
    # 2**40 to the power -7 is 2**-280, 0 in complex64 (NumPy's power multiplied out 2**280: nan+nanj)
    w = (2.0**40) ** mt.tensor([-7 + 0j, 0.5 + 0j], dtype=mt.complex64)
    np.testing.assert_allclose(w.numpy(), [0, 2.0**20], rtol=1e-6)


def test_nan_to_num_of_a_complex_tensor_replaces_each_part() -> None:
    nan, inf = float("nan"), float("inf")
    t = mt.tensor([complex(nan, 2), complex(0, inf), complex(-inf, nan), 1 + 1j], dtype=mt.complex64)
    big = float(np.finfo(np.float32).max)
    np.testing.assert_array_equal(t.nan_to_num().numpy(), [2j, complex(0, big), complex(-big, 0), 1 + 1j])
    np.testing.assert_array_equal(t.nan_to_num(nan=5.0, posinf=1.0).numpy()[:2], [5 + 2j, 1j])


@pytest.mark.parametrize(
    "real, complex_, shape",
    [("float64", "complex64", (2,)), ("float64", "complex64", ()), ("float32", "complex128", ())],
)
def test_a_real_tensor_beside_a_complex_one_gets_a_real_gradient(real, complex_, shape) -> None:
    """A real float beside a complex operand that the promotion casts (float64 beside complex64,
    float32 beside a 0-d complex128) entered the kernel real: its gradient came back complex (a
    hook on a float64 tensor saw complex128, backward warned ComplexWarning) and a second backward
    raised adding it into the real ``.grad`` (until 2026-12-05)."""
    w = mt.tensor([0.5, 1.5], dtype=getattr(mt, real), requires_grad=True)
    z = mt.full(shape, 1 - 2j, dtype=getattr(mt, complex_))
    seen = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(2):
            h = w.exp()
            h.register_hook(lambda g: seen.append(g.dtype))
            y = h * z
            (y.real * 3 + y.imag).sum().backward()
    assert seen == [getattr(mt, real)] * 2
    # d/dw of 3 Re(e^w z) + Im(e^w z) = e^w (3 Re z + Im z) = e^w, twice
    np.testing.assert_allclose(w.grad.numpy(), 2 * np.exp([0.5, 1.5]), rtol=1e-6)


def test_a_float128_tensor_beside_a_0d_complex_one_is_complex256() -> None:
    """NumPy's longdouble has no complex counterpart in PyTorch's table: NumPy's clongdouble (a
    KeyError until 2026-12-05)."""
    x = mt.tensor(np.array([1.5, 2.0], np.longdouble))
    z = mt.tensor(1 - 1j, dtype=mt.complex64)
    for result in (x * z, z * x, x + z):
        assert result._data.dtype == np.clongdouble
    np.testing.assert_allclose((x * z).numpy(), [1.5 - 1.5j, 2 - 2j])


def test_masked_fill_of_a_complex_tensor_takes_a_complex_number() -> None:
    """``masked_fill(mask, 1j)`` on a complex tensor raised "the value must be a number" until
    2026-12-05 (PyTorch fills it); into a real tensor a complex number is still refused."""
    t = mt.zeros(3, dtype=mt.complex64, requires_grad=True)
    mask = mt.tensor([True, False, True])
    r = t.masked_fill(mask, 1j - 2)
    assert r.dtype == mt.complex64
    np.testing.assert_array_equal(r.detach().numpy(), [-2 + 1j, 0, -2 + 1j])
    (r.real + 2 * r.imag).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), [0, 1 + 2j, 0])  # (the filled places get none)
    u = mt.zeros(3, dtype=mt.complex128)
    u.masked_fill_(mask, 0.5 + 1j)
    np.testing.assert_array_equal(u.numpy(), [0.5 + 1j, 0, 0.5 + 1j])
    with pytest.raises(TypeError, match="masked_fill"):
        mt.zeros(3).masked_fill(mask, 1j)

"""``F.pad`` and ``mytorch.einsum``: values against NumPy (``np.pad``, ``np.einsum``), gradients
against central differences, errors; where PyTorch is installed, values and gradients against
it in float32 and float64."""

from __future__ import annotations

import re

import numpy as np
import pytest
from test_inplace import central_differences

import mytorch as mt
import mytorch.nn.functional as F

NUMPY_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}

PADS = [
    ("constant", (2, 1), (2, 3)),
    ("constant", (1, 0, 0, 2), (2, 3)),
    ("constant", (-1, 2, 1, -1), (3, 4)),
    ("constant", (0, 0, 1, 1, 2, 0), (2, 3, 2)),
    ("reflect", (2, 1), (2, 4)),
    ("reflect", (1, 2, 2, 1), (2, 3, 4)),
    ("replicate", (3, 1), (2, 3)),
    ("replicate", (1, 1, 2, 0), (2, 3, 4)),
    ("reflect", (-1, 2, 1, -1), (2, 3, 4)),  # negative pads crop, as in PyTorch (were refused)
    ("replicate", (2, -3), (2, 4)),
    ("circular", (2, 3), (2, 3)),
    ("circular", (1, 0, 3, 2), (1, 3, 4)),
]

EINSUMS = [
    ("ij,jk->ik", [(3, 4), (4, 2)]),
    ("ii", [(3, 3)]),
    ("ii->i", [(3, 3)]),
    ("i,j", [(2,), (3,)]),
    ("ba,cb", [(2, 3), (4, 2)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("bij,bjk->bik", [(1, 3, 4), (2, 4, 5)]),
    ("...ij,jk->...ik", [(2, 1, 3, 4), (4, 5)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij,ij->i", [(2, 3), (2, 3)]),
    ("ijk,ikl,lm->jm", [(2, 3, 4), (2, 4, 5), (5, 2)]),
    ("iij,jk->ik", [(3, 3, 2), (2, 4)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
]


def _numpy_pad(x: np.ndarray, pad: tuple[int, ...], mode: str, value: float = 0.0) -> np.ndarray:
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    crop = tuple(slice(max(-b, 0), n - max(-a, 0)) for (b, a), n in zip(widths, x.shape))
    widths = [(max(b, 0), max(a, 0)) for b, a in widths]
    kwargs = {"constant_values": value} if mode == "constant" else {}
    return np.pad(x[crop], widths, mode=NUMPY_MODES[mode], **kwargs)


# --------------------------------------------------------------------------- pad
@pytest.mark.parametrize("mode, pad, shape", PADS)
def test_pad_values_and_gradient(mode, pad, shape):
    rng = np.random.default_rng(len(pad) + shape[-1])
    x0 = rng.standard_normal(shape)
    value = 0.5 if mode == "constant" else None
    out = F.pad(mt.tensor(x0), pad, mode=mode, value=value)
    expected = _numpy_pad(x0, pad, mode, 0.5)
    np.testing.assert_array_equal(out.numpy(), expected)
    v = rng.standard_normal(expected.shape)
    x = mt.tensor(x0, requires_grad=True)
    (F.pad(x, pad, mode, value) * mt.tensor(v)).sum().backward()
    numeric = central_differences(lambda a: float(np.sum(_numpy_pad(a, pad, mode, 0.5) * v)), [x0])[0]
    np.testing.assert_allclose(x.grad.numpy(), numeric, rtol=1e-7, atol=1e-9)


def test_pad_keeps_dtype_and_takes_the_value_in_it():
    out = F.pad(mt.tensor([[1, 2]]), (1, 1), value=7)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.numpy(), [[7, 1, 2, 7]])
    assert F.pad(mt.zeros(2, 2), (1, 1)).dtype == np.float32
    u = mt.tensor([1, 2], dtype=mt.uint8)
    assert F.pad(u, (1, 0), value=-1).tolist() == [255, 1, 2] and F.pad(u, (1, 0), value=2.7).tolist() == [2, 1, 2]
    # refused as fill_ refuses them (they gave 254, 0, inf and -2**63; on NumPy 1.26 300 gave 44)
    half, long = mt.zeros(2, dtype=mt.float16), mt.tensor([1])
    for x, value in ((u, -2.7), (u, float("nan")), (u, 300), (half, 7e4), (long, 1e30)):
        with pytest.raises(RuntimeError, match=re.escape(f"pad: the value {value} cannot be stored in a {x.dtype}")):
            F.pad(x, (1, 0), value=value)


@pytest.mark.parametrize(
    "args, kwargs, error, message",
    [
        (((1, 1, 1),), {}, ValueError, "padding length must be even"),
        (((1, 1, 1, 1, 1, 1),), {}, ValueError, r"3 padded axes for an input of shape \(2, 3\)"),
        (((1, 1),), {"mode": "mirror"}, ValueError, "mode must be one of"),
        (((1, 1),), {"mode": "reflect", "value": 2.0}, ValueError, "takes no value argument"),
        (
            ((3, 0),),
            {"mode": "reflect"},
            ValueError,
            r"mode 'reflect' needs padding less than the axis length.*\(2, 3\)",
        ),
        (((4, 0),), {"mode": "circular"}, ValueError, "needs padding at least 0 and at most the axis length"),
        (((-1, 0),), {"mode": "circular"}, ValueError, "needs padding at least 0 and at most the axis length"),
        (((-2, -1),), {"mode": "replicate"}, ValueError, "cannot pad an empty axis nor crop it away"),
        (((-4, 0),), {}, ValueError, r"crops more than the 3 elements of axis 1 \(shape \(2, 3\)\)"),
        (((1, -4),), {}, ValueError, "crops more than"),  # (gave [0, x0, x1]: the crop wrapped around)
        (((1.5, 1),), {}, TypeError, "pad must be a sequence of ints"),
    ],
)
def test_pad_bad_arguments(args, kwargs, error, message):
    with pytest.raises(error, match=message):
        F.pad(mt.zeros(2, 3), *args, **kwargs)


# --------------------------------------------------------------------------- einsum
@pytest.mark.parametrize("equation, shapes", EINSUMS)
def test_einsum_values_and_gradients(equation, shapes):
    rng = np.random.default_rng(len(equation))
    arrays = [rng.standard_normal(s) for s in shapes]
    out = mt.einsum(equation, *[mt.tensor(a) for a in arrays])
    expected = np.einsum(equation, *arrays)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)
    v = rng.standard_normal(np.shape(expected))
    leaves = [mt.tensor(a, requires_grad=True) for a in arrays]
    (mt.einsum(equation, leaves) * mt.tensor(v)).sum().backward()  # (operands as one list too)
    numeric = central_differences(lambda *a: float(np.sum(np.einsum(equation, *a) * v)), arrays)
    for t, g in zip(leaves, numeric):
        np.testing.assert_allclose(t.grad.numpy(), g, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize(
    "equation, shapes, message",
    [
        ("ij,jk", [(2, 3)], "names 2 operand"),
        ("ij", [(2, 3, 4)], r"operand 0 of shape \(2, 3, 4\) does not fit the subscripts 'ij'"),
        ("ij,jk->ik", [(2, 3), (4, 5)], "letter 'j' stands for axes of lengths 3 and 4"),
        ("ij->iz", [(2, 3)], "must name distinct letters of the operands"),
        ("ij->ii", [(2, 3)], "must name distinct letters"),
        ("ii", [(2, 3)], "letter 'i' stands for axes of lengths 2 and 3"),
    ],
)
def test_einsum_bad_equations_name_the_shapes(equation, shapes, message):
    with pytest.raises(ValueError, match=message):
        mt.einsum(equation, *[mt.zeros(*s) for s in shapes])
    with pytest.raises(TypeError, match="operands must be mytorch Tensors"):
        mt.einsum("ij", np.zeros((2, 3)))


def test_einsum_sums_integers_in_int64_as_pytorch():
    """A letter summed away adds bools and integers up in int64, as sum and PyTorch's einsum do
    (uint8 gave NumPy's uint64); a contraction keeps the dtype, as PyTorch's does."""
    u = mt.tensor(np.full((2, 3), 200, np.uint8))
    for equation in ("ij->", "ij->i", "ii->", "i,j->"):
        operands = [u[:, :2]] if equation == "ii->" else [u[0], u[1]] if "," in equation else [u]
        assert mt.einsum(equation, *operands).dtype == np.int64
    assert mt.einsum("ij->", u).item() == 1200 and mt.einsum("ij,ij->i", u, u).dtype == np.uint8


def test_numpy_einsum_on_a_tensor_records():
    x = mt.tensor(np.eye(3), requires_grad=True)
    np.einsum("ij,jk->ik", x, np.ones((3, 2))).sum().backward()  # an array operand is a constant
    np.testing.assert_array_equal(x.grad.numpy(), np.full((3, 3), 2.0))


# --------------------------------------------------------------------------- against PyTorch
def _run(lib, fn, arrays, v):
    leaves = [lib.tensor(a, requires_grad=True) for a in arrays]
    out = fn(lib, *leaves)
    (out * lib.tensor(v.astype(arrays[0].dtype))).sum().backward()
    return [out.detach().numpy()] + [t.grad.numpy() for t in leaves]


def _compare(fn, arrays, dtype):
    torch = pytest.importorskip("torch")
    arrays = [a.astype(dtype) for a in arrays]
    theirs = _run(torch, fn, arrays, np.ones(1))  # (shape of the output first)
    v = np.random.default_rng(9).standard_normal(theirs[0].shape)
    theirs, mine = _run(torch, fn, arrays, v), _run(mt, fn, arrays, v)
    tol = {"rtol": 1e-5, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-12}
    for a, b in zip(mine, theirs):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, **tol)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode, pad, shape", PADS)
def test_pad_matches_torch(mode, pad, shape, dtype):
    x = np.random.default_rng(3).standard_normal(shape)
    value = 0.5 if mode == "constant" else None
    _compare(lambda m, t: m.nn.functional.pad(t, pad, mode=mode, value=value), [x], dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("equation, shapes", EINSUMS)
def test_einsum_matches_torch(equation, shapes, dtype):
    rng = np.random.default_rng(4)
    _compare(lambda m, *ts: m.einsum(equation, *ts), [rng.standard_normal(s) for s in shapes], dtype)


# --------------------------------------------------------------------------- forward mode
def _directional(f, x: np.ndarray, t: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    return (f(x + eps * t) - f(x - eps * t)) / (2 * eps)


@pytest.mark.parametrize(
    "apply, reference",
    [
        (lambda x: F.pad(x, (1, 2, 2, 0), value=0.5), lambda a: _numpy_pad(a, (1, 2, 2, 0), "constant", 0.5)),
        (lambda x: F.pad(x, (2, 1), mode="reflect"), lambda a: _numpy_pad(a, (2, 1), "reflect")),
        (lambda x: mt.einsum("ij,jk->ik", x, x.T), lambda a: a @ a.T),
        (lambda x: mt.einsum("ii", x[:, :3]), lambda a: np.trace(a[:, :3])),
    ],
)
def test_forward_mode_matches_directional_differences(apply, reference):
    from mytorch import func

    rng = np.random.default_rng(11)
    x0, t0 = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    _, tangent = func.jvp(apply, (mt.tensor(x0),), (mt.tensor(t0),))
    np.testing.assert_allclose(tangent.numpy(), _directional(reference, x0, t0), rtol=1e-6, atol=1e-8)

"""Silent discrepancies with PyTorch that a differential fuzz (Tensor functions and methods on
odd dtypes, shapes, layouts and values, forward and gradient) found, each checked against a
closed form, and against PyTorch where it is installed (those tests skip without it):

* ``cumprod`` of uint8 / int32 / bool stayed in that dtype (uint8 wrapped at 256); PyTorch's is int64
  (the ``cumprod`` kernel fixed it meanwhile; the test stays).
* ``median()`` of all elements gave the whole gradient to one of several equal elements; PyTorch
  shares it evenly (among the NaNs, for a NaN median). Of no elements it raised (PyTorch: NaN).
* A learnable exponent at a base <= 0 got the gradient 0; PyTorch's is y log x: NaN below 0,
  -inf at 0 for a negative exponent.
* ``copy_`` or ``t[i] = v`` of a tensor that requires grad into an integer tensor made an
  integer tensor requiring grad, which passed the gradient 1 back through the truncation.
* ``bool_tensor ** True`` was int8 (NumPy's); PyTorch keeps bool.
* ``div(rounding_mode=...)`` was refused; ``0-d ** tensor`` lost the sign of a -0.0 base
  (``-0.0 ** -1`` gave inf, PyTorch -inf); ``nan ** t`` had the gradient 0 (NaN).
* ``max()`` of a 0-d NaN raised; ``movedim`` of a 0-d tensor raised; the 2-norm of one element
  of 1e300 was inf (PyTorch: |x|).
* NumPy's RuntimeWarnings for the IEEE results PyTorch gives silently (x / 0, log 0, sqrt's
  gradient at 0, float32 var beyond 1.8e19, a mean of nothing) reached the user.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import mytorch as mt
import mytorch.nn.functional as F


def test_cumprod_of_integers_and_bools_multiplies_in_int64():
    u = mt.tensor(np.array([4, 7, 2, 7], dtype=np.uint8))
    y = u.cumprod(0)
    assert y.dtype == np.int64 and y.tolist() == [4, 28, 56, 392]  # (uint8: 136)
    assert mt.cumprod(mt.tensor([True, True, False]), 0).tolist() == [1, 1, 0]
    assert mt.cumprod(mt.tensor([True, False]), 0).dtype == np.int64
    assert u.cumprod(0, dtype=mt.float32).dtype == np.float32
    assert mt.tensor(np.zeros((3, 0))).cumprod(1).shape == (3, 0)  # (raised IndexError)


def test_median_shares_its_gradient_among_ties_as_pytorch():
    x = mt.tensor([1.0, 2.0, 2.0, 3.0, 2.0], requires_grad=True)
    m = x.median()
    m.backward()
    assert m.item() == 2.0
    np.testing.assert_allclose(x.grad.numpy(), [0, 1 / 3, 1 / 3, 0, 1 / 3])
    x = mt.tensor([1.0, np.nan, 2.0, np.nan], requires_grad=True)
    m = x.median()
    m.backward()
    assert np.isnan(m.item())
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 0.5, 0.0, 0.5])
    assert np.isnan(mt.tensor(np.zeros(0)).median().item())
    x = mt.tensor([0.1, 0.1, 0.1, 5.0], dtype=mt.float64)  # the value itself, not a rounded mean of copies
    assert x.median().item() == 0.1


def test_a_learnable_exponent_at_a_nonpositive_base_has_pytorchs_gradient():
    x = mt.tensor([-2.0, -2.0, 0.0, 0.0, 0.0, 2.0], requires_grad=True)
    p = mt.tensor([2.0, 2.5, 2.0, 0.0, -1.0, 2.0], requires_grad=True)
    y = x**p
    y.sum().backward()
    np.testing.assert_array_equal(y.detach().numpy(), [4.0, np.nan, 0.0, 1.0, np.inf, 4.0])
    np.testing.assert_array_equal(x.grad.numpy(), [-4.0, np.nan, 0.0, 0.0, -np.inf, 4.0])  # p x^(p-1)
    np.testing.assert_allclose(p.grad.numpy(), [np.nan, np.nan, 0.0, 0.0, -np.inf, 4 * np.log(2.0)])
    t = mt.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    (g,) = mt.grad((0.0**t).sum(), t)
    np.testing.assert_array_equal(g.numpy(), [-np.inf, 0.0, 0.0])
    (g,) = mt.grad(((-2.0) ** t).sum(), t)
    assert np.isnan(g.numpy()).all()


def test_an_integer_tensor_written_from_a_tensor_that_requires_grad_stays_outside_the_graph():
    b = mt.tensor([1.5, 2.5, -3.5], requires_grad=True)
    c = mt.tensor([1, 2, 3]).copy_(b)
    assert c.tolist() == [1, 2, -3] and not c.requires_grad
    a = mt.tensor([0, 0, 0])
    a[0] = b[1]
    assert a.tolist() == [2, 0, 0] and not a.requires_grad
    (b * 2).sum().backward()  # b's graph is untouched
    assert b.grad.tolist() == [2.0, 2.0, 2.0]


def test_bool_to_a_bool_power_stays_bool():
    b = mt.tensor([True, False])
    assert (b**True).dtype == np.bool_ and (b**True).tolist() == [True, False]
    assert (b**False).tolist() == [True, True]
    assert (b**2).dtype == np.int64 and (mt.tensor([1, 2]) ** True).tolist() == [1, 2]


def test_div_takes_a_rounding_mode():
    a, b = mt.tensor([7.0, -7.0, 7.5, -0.5]), mt.tensor([2.0, 2.0, -2.0, 3.0])
    assert mt.div(a, b, rounding_mode="trunc").tolist() == [3.0, -3.0, -3.0, -0.0]
    assert mt.div(a, b, rounding_mode="floor").tolist() == [3.0, -4.0, -4.0, -1.0]
    i = mt.tensor([7, -7, 6, -1])
    q = i.div(2, rounding_mode="trunc")
    assert q.dtype == np.int64 and q.tolist() == [3, -3, 3, 0]
    assert mt.div(i, 2, rounding_mode="floor").tolist() == [3, -4, 3, -1]
    w, d = mt.tensor([5.0, -3.0], requires_grad=True), mt.tensor([2.0, 2.0], requires_grad=True)
    (w.div(d, rounding_mode="trunc") + w.div(2, rounding_mode="floor")).sum().backward()
    assert w.grad.tolist() == d.grad.tolist() == [0.0, 0.0]  # PyTorch's zeros (where // is a constant)
    with pytest.raises(ZeroDivisionError):
        mt.div(i, mt.tensor([1, 0, 1, 1]), rounding_mode="trunc")
    with pytest.raises(ValueError, match="rounding_mode"):
        mt.div(a, b, rounding_mode="round")


def test_zero_dimensional_and_one_element_edge_cases():
    x = mt.tensor(np.nan, requires_grad=True)
    m = x.max()
    m.backward()  # (raised "Calling nonzero on 0d arrays")
    assert np.isnan(m.item()) and x.grad.item() == 1.0
    assert mt.tensor(3.0).movedim(0, -1).item() == 3.0 and mt.tensor(3.0).min().item() == 3.0
    big = mt.tensor([[1e300, -2.0]], dtype=mt.float64, requires_grad=True)
    n = big.norm(dim=0)  # each column one element: |x| (sqrt(x * x) overflowed to inf)
    n.sum().backward()
    assert n.tolist() == [1e300, 2.0] and big.grad.tolist() == [[1.0, -1.0]]
    assert mt.tensor(-1e300, dtype=mt.float64).norm(p=3).item() == 1e300
    assert (mt.tensor(-0.0, dtype=mt.float64) ** mt.tensor([-1, 1])).tolist() == [-np.inf, -0.0]
    t = mt.tensor([1.0, -1.0], requires_grad=True)
    (g,) = mt.grad((float("nan") ** t).sum(), t)
    assert np.isnan(g.numpy()).all()  # (it was 0)


def test_integer_operands_next_to_float32_give_float32_with_a_float64_default():
    previous = mt.get_default_dtype()
    mt.set_default_dtype(mt.float64)
    try:  # (it took the default dtype: float64 here, where PyTorch promotes int64 and float32 to float32)
        loss = F.mse_loss(mt.tensor([1, 2]), mt.tensor([1.5, 2.0], dtype=mt.float32))
        product = mt.addcmul(mt.tensor([1.0], dtype=mt.float32), mt.tensor([3]), mt.tensor([0.5], dtype=mt.float32))
    finally:
        mt.set_default_dtype(previous)
    assert loss.dtype == np.float32 and loss.item() == 0.125
    assert product.dtype == np.float32 and product.item() == 2.5  # (addcmul likewise: value * int64 was float64)


def test_float16_gelu_is_computed_in_float32_as_pytorch():
    x = mt.tensor([300.0, -300.0, 50.0, 1.0], dtype=mt.float16, requires_grad=True)
    y = F.gelu(x, approximate="tanh")
    y.sum().backward()  # x**3 overflowed float16 (forward), and 0 * inf made the slope NaN
    w = np.array([300.0, -300.0, 50.0, 1.0])
    t = np.tanh(np.sqrt(2 / np.pi) * (w + 0.044715 * w**3))
    slope = 0.5 * (1 + t) + 0.5 * w * (1 - t * t) * np.sqrt(2 / np.pi) * (1 + 3 * 0.044715 * w * w)
    np.testing.assert_allclose(y.detach().numpy(), 0.5 * w * (1 + t), rtol=1e-3)
    np.testing.assert_allclose(x.grad.numpy(), slope, rtol=1e-3)


def test_ieee_results_come_without_numpy_warnings_in_mytorch_but_not_in_your_code():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # as `python -W error`: made before `import mytorch` puts its filter first
        mt._quiet_ieee_warnings()
        x = mt.tensor([0.0, 4.0, -1.0], requires_grad=True)
        np.testing.assert_array_equal((x / 0).detach().numpy(), [np.nan, np.inf, -np.inf])
        (x.log() + x.sqrt() + 1 / x).sum().backward()  # NaN at -1, inf at 0: IEEE, as PyTorch's
        assert np.isnan(x.grad[2].item()) and x.grad[1].item() == pytest.approx(0.25 + 0.25 - 1 / 16)
        big = mt.tensor([2e19, -2e19, 1e19, 0.0], dtype=mt.float32, requires_grad=True)
        v = big.var()
        v.backward()
        assert v.item() == pytest.approx(np.var([2e19, -2e19, 1e19, 0.0], ddof=1), rel=1e-6)
        logits = mt.tensor([[0.0, -np.inf, 1.0]], requires_grad=True)
        F.cross_entropy(logits, mt.tensor([0])).backward()
        assert np.isfinite(logits.grad.numpy()).all()
        assert np.isnan(mt.tensor(np.zeros((0, 3))).mean().item())
        assert np.isnan((mt.tensor([np.inf, -np.inf]).sum()).item())
        special = mt.tensor([[np.inf, 0.0, 1e300], [-np.inf, 2.0, 1e300]], dtype=mt.float64, requires_grad=True)
        (special.prod(1).sum() + special.var(0).sum() + special.cumsum(1).sum()).backward()
        with pytest.raises(RuntimeWarning, match="divide by zero"):
            np.log(np.zeros(1))  # NumPy in your own code still warns


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_the_mean_and_var_kernels_give_numpys_bits(dtype):
    rng = np.random.default_rng(3)
    for shape in [(5,), (3, 4), (2, 3, 4), ()]:
        x = (rng.standard_normal(shape) * 100).astype(dtype)
        for axis in [None, *range(len(shape))]:
            for keepdims in (False, True):
                mean = F.mean(x, axis=axis, keepdims=keepdims)
                expected = np.asarray(x.mean(axis=axis, keepdims=keepdims))
                assert mean.dtype == expected.dtype and np.array_equal(mean, expected)
                if dtype != np.float16 and shape:
                    var = F.var(x, axis=axis, keepdims=keepdims, correction=1)
                    assert np.array_equal(var, np.var(x, axis=axis, ddof=1, keepdims=keepdims))


# --------------------------------------------------------------------------- against PyTorch
def test_against_pytorch():
    torch = pytest.importorskip("torch")
    u = np.array([[4, 7, 2, 7], [3, 5, 9, 1]], dtype=np.uint8)
    for dtype in (np.uint8, np.int32, np.bool_):
        y, t = mt.tensor(u.astype(dtype)).cumprod(1), torch.tensor(u.astype(dtype)).cumprod(1)
        assert y.tolist() == t.tolist() and str(y.dtype) == str(t.dtype).replace("torch.", "")
    values = [1.0, 2.0, 2.0, np.nan, 3.0, 2.0, np.nan]
    for data in (values[:3] + values[4:6], values):
        ours, theirs = mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
        ours.median().backward()
        theirs.median().backward()
        np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())
    base, exponent = [-2.0, -2.0, 0.0, 0.0, 0.0, -0.0, 2.0], [2.0, 2.5, 2.0, 0.0, -1.0, -1.0, 2.0]
    grads = []
    for lib in (mt, torch):
        x, p = lib.tensor(base, requires_grad=True), lib.tensor(exponent, requires_grad=True)
        n = lib.tensor(exponent, requires_grad=True)
        grads.append([g.numpy() for g in lib.autograd.grad((x**p).sum() + (0.0**n + (-2.0) ** n).sum(), (x, p, n))])
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)
    edges = [
        [
            lib.tensor([[1e300, -2.0]], dtype=lib.float64).norm(dim=0).tolist(),
            (lib.tensor(-0.0, dtype=lib.float64) ** lib.tensor([-1, 1])).tolist(),
            lib.tensor(np.nan).max().item() != lib.tensor(np.nan).max().item(),
        ]
        for lib in (mt, torch)
    ]
    assert edges[0] == edges[1]
    b = torch.tensor([1.5, 2.5], requires_grad=True)
    assert not torch.tensor([1, 2]).copy_(b).requires_grad
    assert not mt.tensor([1, 2]).copy_(mt.tensor([1.5, 2.5], requires_grad=True)).requires_grad
    assert (torch.tensor([True, False]) ** True).dtype == torch.bool
    for mode in ("trunc", "floor"):
        for a, d in (([7.0, -7.0, 7.5, -0.5], [2.0, 2.0, -2.0, 3.0]), ([7, -7, 6, -1], [2, 2, -4, 3])):
            ours, theirs = (
                mt.div(mt.tensor(a), mt.tensor(d), rounding_mode=mode),
                torch.div(torch.tensor(a), torch.tensor(d), rounding_mode=mode),
            )
            assert ours.tolist() == theirs.tolist() and str(ours.dtype) == str(theirs.dtype).replace("torch.", "")

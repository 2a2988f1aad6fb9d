"""mytorch.fft: values against numpy.fft, gradients (first and second order, and forward mode)
against central differences, and everything against PyTorch where it is installed."""

from __future__ import annotations

import numpy as np
import pytest
from test_inplace import central_differences

import mytorch as mt

# (name, keyword arguments, complex input)
CASES = [
    ("fft", {}, False),
    ("fft", {"n": 5}, False),
    ("fft", {"n": 11, "norm": "ortho"}, True),
    ("ifft", {"dim": 0}, True),
    ("ifft", {"n": 6, "norm": "forward"}, False),
    ("rfft", {}, False),
    ("rfft", {"n": 6, "norm": "ortho"}, False),
    ("rfft", {"n": 9, "dim": 0}, False),
    ("irfft", {}, True),
    ("irfft", {"n": 7}, True),
    ("irfft", {"n": 20, "norm": "forward"}, True),
    ("irfft", {"n": 4, "dim": 0}, True),
    ("hfft", {"n": 9, "norm": "ortho"}, True),
    ("ihfft", {"n": 5}, False),
    ("fftn", {"s": (3, 9)}, False),
    ("ifftn", {"dim": (0,)}, True),
    ("rfftn", {"s": (5, 6), "norm": "ortho"}, False),
    ("irfftn", {}, True),
    ("irfftn", {"s": (4, 7)}, True),
    ("fft2", {}, True),
    ("rfft2", {}, False),
    ("irfft2", {"s": (6, 6)}, True),
    ("fftshift", {}, False),
    ("ifftshift", {"dim": 1}, True),
]
NUMPY = {"fftshift": np.fft.fftshift, "ifftshift": np.fft.ifftshift}


def _input(rng, complex_in, dtype=np.float64, shape=(4, 8)):
    x = rng.standard_normal(shape).astype(dtype)
    if complex_in:
        x = x + 1j * rng.standard_normal(shape).astype(dtype)
    return x


def _loss(y, w):
    """A real, non-linear function of a transform's result (its real and imaginary parts both count)."""
    if y.dtype.kind == "c":
        return (y.real * w).sum() + (y.imag * w * 0.3).sum() + (y.abs() ** 2).sum() * 0.01
    return (y * w).sum() + (y**2).sum() * 0.01


def _numpy_call(name, x, kw):
    """numpy.fft's value of the case (numpy's axes= and axis= for PyTorch's dim=)."""
    kw = dict(kw)
    if "dim" in kw:
        kw["axes" if name.endswith(("n", "2", "shift")) else "axis"] = kw.pop("dim")
    if "s" in kw and "axes" not in kw:  # (PyTorch's default: the last len(s) dimensions)
        kw["axes"] = tuple(range(-len(kw["s"]), 0))
    return getattr(np.fft, name)(x, **kw) if name not in NUMPY else NUMPY[name](x, **kw)


def _finite_gradient(f, x, eps=1e-6):
    """PyTorch's gradient of a real f at x by central differences: d/dRe + 1j d/dIm for a complex x."""
    g = np.zeros(x.shape, dtype=x.dtype)
    for idx in np.ndindex(x.shape):
        for step in (1.0, 1j) if x.dtype.kind == "c" else (1.0,):
            up, down = x.copy(), x.copy()
            up[idx] += eps * step
            down[idx] -= eps * step
            g[idx] += (f(up) - f(down)) / (2 * eps) * step
    return g


@pytest.mark.parametrize(("name", "kw", "complex_in"), CASES)
def test_values_and_gradients_against_numpy_and_central_differences(name, kw, complex_in):
    rng = np.random.default_rng(0)
    x0 = _input(rng, complex_in, shape=(3, 6))
    y0 = _numpy_call(name, x0, kw)
    w = rng.standard_normal(y0.shape)
    x = mt.tensor(x0, requires_grad=True)
    y = getattr(mt.fft, name)(x, **kw)
    np.testing.assert_allclose(y.detach().numpy(), y0, rtol=1e-12, atol=1e-12)
    _loss(y, mt.tensor(w)).backward()

    def f(a):
        return _loss(getattr(mt.fft, name)(mt.tensor(a), **kw), mt.tensor(w)).item()

    assert x.grad.dtype == x0.dtype
    np.testing.assert_allclose(x.grad.numpy(), _finite_gradient(f, x0), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(("name", "kw"), [("rfft", {"n": 7}), ("irfft", {"n": 6}), ("fft2", {"norm": "ortho"})])
def test_second_order_and_forward_mode_against_central_differences(name, kw):
    rng = np.random.default_rng(1)
    complex_in = name == "irfft"
    x0, v0 = _input(rng, complex_in, shape=(2, 5)), _input(rng, complex_in, shape=(2, 5))
    w0 = rng.standard_normal(getattr(mt.fft, name)(mt.tensor(x0), **kw).shape)

    def loss(x):
        return _loss(getattr(mt.fft, name)(x, **kw) ** 2, mt.tensor(w0))

    def grad_along(a):  # <grad f(a), v> as PyTorch pairs a complex gradient with a direction: Re(conj(g) v)
        x = mt.tensor(a, requires_grad=True)
        (g,) = mt.autograd.grad(loss(x), x)
        return float(np.real(np.vdot(g.numpy(), v0)))

    x = mt.tensor(x0, requires_grad=True)
    (g,) = mt.autograd.grad(loss(x), x, create_graph=True)
    pair = (g.real * mt.tensor(v0.real)).sum()
    if complex_in:
        pair = pair + (g.imag * mt.tensor(v0.imag)).sum()
    (hv,) = mt.autograd.grad(pair, x)
    np.testing.assert_allclose(hv.numpy(), _finite_gradient(grad_along, x0), rtol=1e-5, atol=1e-6)
    _, tangent = mt.func.jvp(lambda a: getattr(mt.fft, name)(a, **kw), (mt.tensor(x0),), (mt.tensor(v0),))
    eps = 1e-6
    up = getattr(np.fft, name)(x0 + eps * v0, **kw)
    down = getattr(np.fft, name)(x0 - eps * v0, **kw)
    np.testing.assert_allclose(tangent.numpy(), (up - down) / (2 * eps), rtol=1e-6, atol=1e-7)


def test_dtypes_follow_pytorch():
    x32 = mt.randn(4, 6, dtype=mt.float32)
    assert mt.fft.fft(x32).dtype == np.complex64
    assert mt.fft.rfft(x32).dtype == np.complex64
    assert mt.fft.irfft(mt.fft.rfft(x32)).dtype == np.float32
    assert mt.fft.fft(x32.double()).dtype == np.complex128
    assert mt.fft.fft(mt.arange(4)).dtype == np.complex64  # an integer input: the default float's precision
    np.testing.assert_allclose(mt.fft.fftfreq(5, d=0.5).numpy(), np.fft.fftfreq(5, 0.5))
    np.testing.assert_allclose(mt.fft.rfftfreq(6).numpy(), np.fft.rfftfreq(6))


def test_bad_arguments_say_what_is_wrong():
    x = mt.randn(3, 4)
    with pytest.raises(ValueError, match="norm must be"):
        mt.fft.fft(x, norm="unitary")
    with pytest.raises(TypeError, match="real input"):
        mt.fft.rfft(mt.fft.fft(x))
    with pytest.raises(IndexError, match="out of range"):
        mt.fft.fft(x, dim=2)
    with pytest.raises(ValueError, match="positive integer"):
        mt.fft.fft(x, n=0)
    with pytest.raises(ValueError, match="s has 1 entries"):
        mt.fft.fftn(x, s=(3,), dim=(0, 1))


@pytest.mark.parametrize(("name", "kw", "complex_in"), CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_against_pytorch(name, kw, complex_in, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x0 = _input(rng, complex_in, dtype)
    w0 = rng.standard_normal(tuple(getattr(torch.fft, name)(torch.tensor(x0), **kw).shape)).astype(dtype)
    results = []
    for lib in (torch, mt):
        x = lib.tensor(x0, requires_grad=True)
        y = getattr(lib.fft, name)(x, **kw)
        _loss(y, lib.tensor(w0)).backward() if lib is mt else _torch_loss(y, lib.tensor(w0)).backward()
        got = [y.detach(), x.grad]
        results.append([t.resolve_conj().numpy() if lib is torch else t.numpy() for t in got])
    tol = 1e-12 if dtype == np.float64 else 1e-4
    for theirs, mine in zip(*results):
        assert theirs.dtype == mine.dtype
        np.testing.assert_allclose(mine, theirs, rtol=tol, atol=tol)


def _torch_loss(y, w):
    if y.is_complex():
        return (y.real * w).sum() + (y.imag * w * 0.3).sum() + (y.abs() ** 2).sum() * 0.01
    return (y * w).sum() + (y**2).sum() * 0.01


def test_complex_constructors_and_views():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    z = mt.complex(mt.tensor(a), mt.tensor(b))
    assert z.dtype == np.complex128 and mt.complex(mt.ones(2), mt.zeros(2)).dtype == np.complex64
    np.testing.assert_array_equal(z.numpy(), a + 1j * b)
    np.testing.assert_allclose(
        mt.polar(mt.tensor(np.abs(a)), mt.tensor(b)).numpy(), np.abs(a) * np.exp(1j * b), rtol=1e-12
    )
    pairs = mt.view_as_real(z)
    np.testing.assert_array_equal(pairs.numpy(), np.stack([a, b], -1))
    np.testing.assert_array_equal(mt.view_as_complex(pairs).numpy(), a + 1j * b)
    with pytest.raises(RuntimeError, match="complex"):
        mt.view_as_real(mt.tensor(a))
    with pytest.raises(TypeError, match="one dtype"):
        mt.complex(mt.tensor(a), mt.tensor(b, dtype=mt.float32))
    w = rng.normal(size=(2, 3, 2))

    def loss(x, y):
        r = mt.view_as_real(mt.polar(x.abs() + 0.1, y) * mt.complex(x, y))
        return (r * mt.tensor(w)).sum() + (mt.view_as_complex(r).abs() ** 2).sum()

    x, y = mt.tensor(a, requires_grad=True), mt.tensor(b, requires_grad=True)
    loss(x, y).backward()
    gx, gy = central_differences(lambda u, v: loss(mt.tensor(u), mt.tensor(v)).item(), [a.copy(), b.copy()])
    np.testing.assert_allclose(x.grad.numpy(), gx, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(y.grad.numpy(), gy, rtol=1e-6, atol=1e-7)

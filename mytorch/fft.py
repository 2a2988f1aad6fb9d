"""``mytorch.fft``: discrete Fourier transforms of Tensors, with PyTorch's names and arguments.

``fft``, ``ifft``, ``rfft``, ``irfft``, ``hfft``, ``ihfft`` (one dimension, ``n``, ``dim``,
``norm``), ``fft2``/``ifft2``/``rfft2``/``irfft2`` and ``fftn``/``ifftn``/``rfftn``/``irfftn``
(``s``, ``dim``, ``norm``), and the helpers ``fftfreq``, ``rfftfreq``, ``fftshift``, ``ifftshift``.
Values come from ``numpy.fft``; the result's dtype is PyTorch's (float32 in, complex64 out;
float64 in, complex128 out), whatever NumPy computes in.

Every transform is recorded, so gradients flow through it, in forward mode too and through a
recorded backward (``create_graph=True``), with PyTorch's convention for complex gradients.
Four one-dimensional operations are the whole story: a DFT along one axis is linear, so its
backward is the adjoint transform (``fft``'s is ``ifft`` with the other scaling, ``rfft``'s an
``ifft`` of the zero-padded half spectrum, real part taken; ``irfft``'s an ``rfft`` with the
entries that stand for two of the full spectrum doubled), and its JVP is the same transform of
the tangent. The n-dimensional transforms are those one-dimensional ones in turn, one axis at a
time; ``hfft`` and ``ihfft`` are ``irfft`` and ``rfft`` with a conjugate.

``norm`` is ``"backward"`` (the default: the forward transform unscaled, the inverse divided by
n), ``"ortho"`` (both divided by sqrt(n)) or ``"forward"`` (the forward transform divided by n).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from mytorch.dtypes import get_default_dtype
from mytorch.function import Function
from mytorch.tensor import Tensor
from mytorch.tensor_complex import conj
from mytorch.tensor_shape import cat, roll

__all__ = [
    "fft",
    "fft2",
    "fftfreq",
    "fftn",
    "fftshift",
    "hfft",
    "ifft",
    "ifft2",
    "ifftn",
    "ifftshift",
    "ihfft",
    "irfft",
    "irfft2",
    "irfftn",
    "rfft",
    "rfft2",
    "rfftfreq",
    "rfftn",
]

_NORMS = ("backward", "ortho", "forward")
_DUAL = {"backward": "forward", "ortho": "ortho", "forward": "backward"}  # the adjoint's scaling
_NUMPY: dict[str, Callable[..., np.ndarray]] = {
    "fft": np.fft.fft,
    "ifft": np.fft.ifft,
    "rfft": np.fft.rfft,
    "irfft": np.fft.irfft,
}
_ADJOINT = {"fft": "ifft", "ifft": "fft"}


def _complex_of(dtype: np.dtype) -> np.dtype:
    """The complex dtype PyTorch gives a transform of ``dtype`` (an integer or bool as the default float)."""
    if dtype.kind == "c":
        return dtype
    if dtype.kind != "f":
        dtype = get_default_dtype()
    return np.dtype(np.complex64) if dtype.itemsize <= 4 else np.dtype(np.complex128)


def _real_of(dtype: np.dtype) -> np.dtype:
    """The real dtype of ``dtype``'s precision (complex64: float32)."""
    return np.dtype(np.float32) if _complex_of(dtype) == np.complex64 else np.dtype(np.float64)


def _resized(v: Any, length: int, axis: int) -> Any:
    """``v`` cut to, or zero-padded at the end to, ``length`` along ``axis`` (an array or a Tensor, recorded)."""
    have = v.shape[axis]
    if have == length:
        return v
    if have > length:
        index = (slice(None),) * axis + (slice(0, length),)
        return v[index]
    shape = list(v.shape)
    shape[axis] = length - have
    zeros = np.zeros(shape, dtype=v.dtype)
    if isinstance(v, Tensor):
        return cat([v, Tensor(zeros)], dim=axis)
    return np.concatenate([v, zeros], axis=axis)


def _real(v: Any, dtype: np.dtype) -> Any:
    """The real part of ``v`` as ``dtype`` (recorded on a Tensor)."""
    if isinstance(v, Tensor):
        return (v.real if v.dtype.kind == "c" else v).to(dtype)
    return np.ascontiguousarray(v.real, dtype=dtype)


def _transform(v: Any, kind: str, n: int, axis: int, norm: str) -> Any:
    """The one-dimensional transform ``kind`` of ``v`` along ``axis``: recorded on a Tensor, NumPy's on an array."""
    if isinstance(v, Tensor):
        return _DFT.apply(v, kind=kind, n=n, axis=axis, norm=norm)
    return _DFT.compute(v, kind, n, axis, norm)


class _DFT(Function):
    """One of ``fft``, ``ifft``, ``rfft``, ``irfft`` along one axis (``n`` points, ``axis`` >= 0)."""

    @staticmethod
    def compute(x: np.ndarray, kind: str, n: int, axis: int, norm: str) -> np.ndarray:
        """The transform's value, in PyTorch's dtype for ``x``'s."""
        out = _NUMPY[kind](x, n=n, axis=axis, norm=norm)
        dtype = _real_of(x.dtype) if kind == "irfft" else _complex_of(x.dtype)
        return np.ascontiguousarray(out, dtype=dtype)

    @staticmethod
    def forward(ctx: Any, *inputs: np.ndarray, **params: Any) -> np.ndarray:
        (x,) = inputs
        ctx.kind, ctx.n, ctx.axis, ctx.norm = params["kind"], params["n"], params["axis"], params["norm"]
        ctx.length, ctx.dtype = x.shape[ctx.axis], x.dtype
        return _DFT.compute(x, ctx.kind, ctx.n, ctx.axis, ctx.norm)

    @staticmethod
    def backward(ctx: Any, grad_output: Any) -> Any:
        kind, n, axis, dual = ctx.kind, ctx.n, ctx.axis, _DUAL[ctx.norm]
        g = grad_output
        if kind in _ADJOINT:  # linear over the complex numbers: the adjoint transform
            g = _transform(g, _ADJOINT[kind], n, axis, dual)
        elif kind == "rfft":  # the discarded half of the spectrum has no gradient
            g = _transform(_resized(g, n, axis), "ifft", n, axis, dual)
        else:  # irfft: each entry between the first and the Nyquist one stands for two of the full spectrum
            g = _transform(g, "rfft", n, axis, dual)
            half = n // 2 + 1
            twice = np.ones(half)
            twice[1 : n - half + 1] = 2.0
            g = g * twice.reshape((half,) + (1,) * (g.ndim - axis - 1)).astype(_real_of(g.dtype))
        g = _resized(g, ctx.length, axis)
        return _real(g, ctx.dtype) if ctx.dtype.kind != "c" else g

    @staticmethod
    def jvp(ctx: Any, tangent: Any) -> Any:
        return _DFT.compute(np.asarray(tangent, dtype=ctx.dtype), ctx.kind, ctx.n, ctx.axis, ctx.norm)


# --------------------------------------------------------------------------- arguments
def _tensor(what: str, input: Any) -> Tensor:  # noqa: A002 - PyTorch's name
    """``input`` as a Tensor (an array or a list as a constant one)."""
    if isinstance(input, Tensor):
        return input
    if isinstance(input, (np.ndarray, list, tuple, int, float, complex)):
        array = np.asarray(input)
        if array.dtype.kind not in "biufc":
            raise TypeError(f"mytorch.fft.{what}: expected a Tensor of numbers, got {array.dtype}")
        return Tensor(array)
    raise TypeError(f"mytorch.fft.{what}: expected a Tensor, got {type(input).__name__}")


def _norm(what: str, norm: str | None) -> str:
    if norm is None:
        return "backward"
    if norm not in _NORMS:
        raise ValueError(f"mytorch.fft.{what}: norm must be 'backward', 'ortho', 'forward' or None, got {norm!r}")
    return norm


def _axis(what: str, dim: Any, ndim: int) -> int:
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"mytorch.fft.{what}: dim must be an integer, got {dim!r}")
    if not -ndim <= dim < ndim:
        raise IndexError(f"mytorch.fft.{what}: dim {dim} is out of range for a tensor of {ndim} dimension(s)")
    return int(dim) % ndim


def _points(what: str, n: Any, default: int) -> int:
    if n is None:
        n = default
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"mytorch.fft.{what}: the number of points must be a positive integer, got {n!r}")
    return int(n)


def _no_out(what: str, out: Any) -> None:
    if out is not None:
        raise TypeError(f"mytorch.fft.{what}: out= is not supported; use the returned Tensor")


def _one(what: str, kind: str, input: Any, n: int | None, dim: int, norm: str | None, out: Any) -> Tensor:  # noqa: A002
    """A one-dimensional transform ``kind`` with PyTorch's arguments checked."""
    _no_out(what, out)
    x = _tensor(what, input)
    if x.ndim == 0:
        raise IndexError(f"mytorch.fft.{what}: the input is 0-dimensional; it needs a dimension to transform")
    axis = _axis(what, dim, x.ndim)
    if kind in ("rfft", "ihfft") and x.dtype.kind == "c":
        raise TypeError(f"mytorch.fft.{what}: expects a real input tensor, got {x.dtype}")
    length = x.shape[axis]
    default = 2 * (length - 1) if kind in ("irfft", "hfft") else length
    points = _points(what, n, default)
    scaling = _norm(what, norm)
    if kind == "hfft":  # the inverse real transform of the conjugate, with the other scaling
        return _DFT.apply(conj(x), kind="irfft", n=points, axis=axis, norm=_DUAL[scaling])
    if kind == "ihfft":
        return conj(_DFT.apply(x, kind="rfft", n=points, axis=axis, norm=_DUAL[scaling]))
    return _DFT.apply(x, kind=kind, n=points, axis=axis, norm=scaling)


# --------------------------------------------------------------------------- one dimension
def fft(input: Any, n: int | None = None, dim: int = -1, norm: str | None = None, *, out: Any = None) -> Tensor:  # noqa: A002
    """The one-dimensional discrete Fourier transform along ``dim`` (``n`` points: the input cut or
    zero-padded to ``n``), as PyTorch's ``torch.fft.fft``; a real input gives a complex result."""
    return _one("fft", "fft", input, n, dim, norm, out)


def ifft(input: Any, n: int | None = None, dim: int = -1, norm: str | None = None, *, out: Any = None) -> Tensor:  # noqa: A002
    """The inverse of ``fft`` (divided by ``n`` with the default ``norm``), as PyTorch's ``torch.fft.ifft``."""
    return _one("ifft", "ifft", input, n, dim, norm, out)


def rfft(input: Any, n: int | None = None, dim: int = -1, norm: str | None = None, *, out: Any = None) -> Tensor:  # noqa: A002
    """The ``fft`` of a real input, only its ``n // 2 + 1`` non-negative frequencies (the rest are
    their conjugates), as PyTorch's ``torch.fft.rfft``."""
    return _one("rfft", "rfft", input, n, dim, norm, out)


def irfft(input: Any, n: int | None = None, dim: int = -1, norm: str | None = None, *, out: Any = None) -> Tensor:  # noqa: A002
    """The inverse of ``rfft``: a real signal of ``n`` points (default ``2 * (m - 1)`` for ``m``
    frequencies) from its non-negative frequencies, as PyTorch's ``torch.fft.irfft``. The imaginary
    parts of the first entry (and of the last, for an even ``n``) are ignored, and get no gradient."""
    return _one("irfft", "irfft", input, n, dim, norm, out)


def hfft(input: Any, n: int | None = None, dim: int = -1, norm: str | None = None, *, out: Any = None) -> Tensor:  # noqa: A002
    """The real ``fft`` of a signal with Hermitian symmetry given by its first half (``n`` output
    points, default ``2 * (m - 1)``), as PyTorch's ``torch.fft.hfft``."""
    return _one("hfft", "hfft", input, n, dim, norm, out)


def ihfft(input: Any, n: int | None = None, dim: int = -1, norm: str | None = None, *, out: Any = None) -> Tensor:  # noqa: A002
    """The inverse of ``hfft``: the first half of the ``ifft`` of a real signal, as PyTorch's ``torch.fft.ihfft``."""
    return _one("ihfft", "ihfft", input, n, dim, norm, out)


# --------------------------------------------------------------------------- n dimensions
def _axes(what: str, x: Tensor, s: Sequence[int] | None, dim: Any) -> tuple[list[int], list[int | None]]:
    """The axes to transform and their point counts (None: the input's), PyTorch's defaults:
    ``dim`` None with ``s`` given is the last ``len(s)`` dimensions, with neither every dimension."""
    if isinstance(dim, (int, np.integer)) and not isinstance(dim, bool):
        dim = (dim,)
    if isinstance(s, (int, np.integer)) and not isinstance(s, bool):
        s = (s,)
    if dim is None:
        dims = list(range(x.ndim)) if s is None else list(range(x.ndim - len(s), x.ndim))
    else:
        dims = [_axis(what, d, x.ndim) for d in dim]
    if len(set(dims)) != len(dims):
        raise ValueError(f"mytorch.fft.{what}: dim {tuple(dim or ())} names a dimension twice")
    if s is None:
        sizes: list[int | None] = [None] * len(dims)
    else:
        sizes = [None if k == -1 else k for k in s]
        if len(sizes) != len(dims):
            raise ValueError(f"mytorch.fft.{what}: s has {len(sizes)} entries but dim names {len(dims)} dimensions")
    if not dims or min(dims) < 0:
        raise IndexError(f"mytorch.fft.{what}: no dimension to transform in a tensor of shape {tuple(x.shape)}")
    return dims, sizes


def _many(what: str, kind: str, input: Any, s: Any, dim: Any, norm: str | None, out: Any) -> Tensor:  # noqa: A002
    """An n-dimensional transform ``kind`` with PyTorch's arguments checked: one axis at a time."""
    _no_out(what, out)
    x = _tensor(what, input)
    dims, sizes = _axes(what, x, s, dim)
    scaling = _norm(what, norm)
    if kind == "rfftn" and x.dtype.kind == "c":
        raise TypeError(f"mytorch.fft.{what}: expects a real input tensor, got {x.dtype}")
    if kind == "rfftn":  # the last dimension halved first, then full transforms of the others
        x = _DFT.apply(x, kind="rfft", n=_points(what, sizes[-1], x.shape[dims[-1]]), axis=dims[-1], norm=scaling)
        dims, sizes, kind = dims[:-1], sizes[:-1], "fftn"
    last = None
    if kind == "irfftn":  # the others first, then the last dimension back to real
        last = (dims[-1], _points(what, sizes[-1], 2 * (x.shape[dims[-1]] - 1)))
        dims, sizes, kind = dims[:-1], sizes[:-1], "ifftn"
    for axis, size in zip(dims, sizes):
        x = _DFT.apply(x, kind=kind[:-1], n=_points(what, size, x.shape[axis]), axis=axis, norm=scaling)
    if last is not None:
        x = _DFT.apply(x, kind="irfft", n=last[1], axis=last[0], norm=scaling)
    return x


def fftn(input: Any, s: Any = None, dim: Any = None, norm: str | None = None, *, out: Any = None) -> Tensor:  # noqa: A002
    """The n-dimensional ``fft`` over ``dim`` (default: all, or the last ``len(s)``), each cut or
    padded to ``s``, as PyTorch's ``torch.fft.fftn``."""
    return _many("fftn", "fftn", input, s, dim, norm, out)


def ifftn(input: Any, s: Any = None, dim: Any = None, norm: str | None = None, *, out: Any = None) -> Tensor:  # noqa: A002
    """The inverse of ``fftn``, as PyTorch's ``torch.fft.ifftn``."""
    return _many("ifftn", "ifftn", input, s, dim, norm, out)


def rfftn(input: Any, s: Any = None, dim: Any = None, norm: str | None = None, *, out: Any = None) -> Tensor:  # noqa: A002
    """The ``fftn`` of a real input with the last transformed dimension halved as in ``rfft``, as
    PyTorch's ``torch.fft.rfftn``."""
    return _many("rfftn", "rfftn", input, s, dim, norm, out)


def irfftn(input: Any, s: Any = None, dim: Any = None, norm: str | None = None, *, out: Any = None) -> Tensor:  # noqa: A002
    """The inverse of ``rfftn`` (the last dimension's size ``2 * (m - 1)`` unless ``s`` says), as
    PyTorch's ``torch.fft.irfftn``."""
    return _many("irfftn", "irfftn", input, s, dim, norm, out)


def fft2(input: Any, s: Any = None, dim: Any = (-2, -1), norm: str | None = None, *, out: Any = None) -> Tensor:  # noqa: A002
    """``fftn`` over the last two dimensions, as PyTorch's ``torch.fft.fft2``."""
    return _many("fft2", "fftn", input, s, dim, norm, out)


def ifft2(input: Any, s: Any = None, dim: Any = (-2, -1), norm: str | None = None, *, out: Any = None) -> Tensor:  # noqa: A002
    """``ifftn`` over the last two dimensions, as PyTorch's ``torch.fft.ifft2``."""
    return _many("ifft2", "ifftn", input, s, dim, norm, out)


def rfft2(input: Any, s: Any = None, dim: Any = (-2, -1), norm: str | None = None, *, out: Any = None) -> Tensor:  # noqa: A002
    """``rfftn`` over the last two dimensions, as PyTorch's ``torch.fft.rfft2``."""
    return _many("rfft2", "rfftn", input, s, dim, norm, out)


def irfft2(input: Any, s: Any = None, dim: Any = (-2, -1), norm: str | None = None, *, out: Any = None) -> Tensor:  # noqa: A002
    """``irfftn`` over the last two dimensions, as PyTorch's ``torch.fft.irfft2``."""
    return _many("irfft2", "irfftn", input, s, dim, norm, out)


# --------------------------------------------------------------------------- helpers
def _frequencies(what: str, values: np.ndarray, dtype: Any, requires_grad: bool) -> Tensor:
    dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
    if dtype.kind not in "fc":
        raise TypeError(f"mytorch.fft.{what}: dtype must be a floating-point or complex dtype, got {dtype}")
    return Tensor(values.astype(dtype), requires_grad=requires_grad)


def fftfreq(
    n: int, d: float = 1.0, *, dtype: Any = None, device: Any = None, requires_grad: bool = False, **_: Any
) -> Tensor:
    """The frequencies of ``fft``'s ``n`` outputs for a sample spacing ``d`` (0, 1, ..., then the
    negative ones, over ``d * n``), as PyTorch's ``torch.fft.fftfreq``."""
    return _frequencies("fftfreq", np.fft.fftfreq(_points("fftfreq", n, n), d), dtype, requires_grad)


def rfftfreq(
    n: int, d: float = 1.0, *, dtype: Any = None, device: Any = None, requires_grad: bool = False, **_: Any
) -> Tensor:
    """The frequencies of ``rfft``'s ``n // 2 + 1`` outputs, as PyTorch's ``torch.fft.rfftfreq``."""
    return _frequencies("rfftfreq", np.fft.rfftfreq(_points("rfftfreq", n, n), d), dtype, requires_grad)


def _shift(what: str, input: Any, dim: Any, sign: int) -> Tensor:  # noqa: A002
    x = _tensor(what, input)
    if dim is None:
        dims = list(range(x.ndim))
    elif isinstance(dim, (int, np.integer)) and not isinstance(dim, bool):
        dims = [_axis(what, dim, x.ndim)]
    else:
        dims = [_axis(what, d, x.ndim) for d in dim]
    if not dims:
        return x
    shifts = [sign * (x.shape[d] // 2) for d in dims]
    return roll(x, shifts, dims)


def fftshift(input: Any, dim: Any = None) -> Tensor:  # noqa: A002
    """The zero frequency moved to the centre (a roll by half of each dimension in ``dim``,
    default all), as PyTorch's ``torch.fft.fftshift``; recorded."""
    return _shift("fftshift", input, dim, 1)


def ifftshift(input: Any, dim: Any = None) -> Tensor:  # noqa: A002
    """The inverse of ``fftshift``, as PyTorch's ``torch.fft.ifftshift``; recorded."""
    return _shift("ifftshift", input, dim, -1)

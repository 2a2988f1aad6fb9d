"""Short-time Fourier transforms and the windows they use, PyTorch's: ``stft``, ``istft``,
``hann_window``, ``hamming_window``, ``blackman_window``, ``bartlett_window`` (also ``t.stft`` and
``t.istft``).

``stft`` pads the signal (``center``: n_fft // 2 each side, ``pad_mode`` reflect by default),
cuts frames of n_fft every ``hop_length`` samples (``Tensor.unfold``), multiplies each by the
window (zero-padded to n_fft in the middle) and transforms it (``fft.rfft``, or ``fft.fft`` when
not ``onesided``): (..., n_fft // 2 + 1, frames), complex. ``istft`` inverts the frames, windows
them again and adds them up where they overlap (``index_add``), divided by the sum of the squared
windows there (which must not vanish), then cuts the padding off. Both are recorded from Tensor
operations, so gradients (and second derivatives) flow through them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mytorch.dtypes import get_default_dtype
from mytorch.tensor import Tensor

__all__ = ["bartlett_window", "blackman_window", "hamming_window", "hann_window", "istft", "stft"]


def _window(name: str, window_length: int, periodic: bool, values: Any, dtype: Any, requires_grad: bool) -> Tensor:
    if int(window_length) != window_length or window_length < 0:
        raise ValueError(f"{name}: window_length must be a non-negative integer, got {window_length!r}")
    n = int(window_length)
    if n <= 1:
        return Tensor(np.ones(n, dtype=dtype or get_default_dtype()), requires_grad=requires_grad)
    period = n if periodic else n - 1
    k = np.arange(n, dtype=np.float64)
    return Tensor(np.asarray(values(k, period), dtype=dtype or get_default_dtype()), requires_grad=requires_grad)


def hann_window(
    window_length: int, periodic: bool = True, *, dtype: Any = None, requires_grad: bool = False, **_: Any
) -> Tensor:
    """0.5 - 0.5 cos(2 pi k / N), N = window_length (``periodic``) or window_length - 1."""
    return _window(
        "hann_window",
        window_length,
        periodic,
        lambda k, n: 0.5 - 0.5 * np.cos(2 * math.pi * k / n),
        dtype,
        requires_grad,
    )


def hamming_window(
    window_length: int,
    periodic: bool = True,
    alpha: float = 0.54,
    beta: float = 0.46,
    *,
    dtype: Any = None,
    requires_grad: bool = False,
    **_: Any,
) -> Tensor:
    """alpha - beta cos(2 pi k / N)."""
    return _window(
        "hamming_window",
        window_length,
        periodic,
        lambda k, n: alpha - beta * np.cos(2 * math.pi * k / n),
        dtype,
        requires_grad,
    )


def blackman_window(
    window_length: int, periodic: bool = True, *, dtype: Any = None, requires_grad: bool = False, **_: Any
) -> Tensor:
    """0.42 - 0.5 cos(2 pi k / N) + 0.08 cos(4 pi k / N)."""

    def values(k: np.ndarray, n: int) -> np.ndarray:
        return 0.42 - 0.5 * np.cos(2 * math.pi * k / n) + 0.08 * np.cos(4 * math.pi * k / n)

    return _window("blackman_window", window_length, periodic, values, dtype, requires_grad)


def bartlett_window(
    window_length: int, periodic: bool = True, *, dtype: Any = None, requires_grad: bool = False, **_: Any
) -> Tensor:
    """1 - |2k / N - 1| (a triangle)."""
    return _window(
        "bartlett_window", window_length, periodic, lambda k, n: 1 - np.abs(2 * k / n - 1), dtype, requires_grad
    )


def _full_window(op: str, window: Any, n_fft: int, win_length: int, like: Tensor) -> Tensor:
    """The window (ones of ``win_length`` if None) zero-padded in the middle of n_fft points."""
    from mytorch.nn.padding import pad

    if not 0 < win_length <= n_fft:
        raise ValueError(f"{op}: expected 0 < win_length <= n_fft, got win_length={win_length}, n_fft={n_fft}")
    if window is None:
        window = Tensor(np.ones(win_length, dtype=np.empty(0, like.dtype).real.dtype))
    if not isinstance(window, Tensor) or window.shape != (win_length,):
        shape = tuple(window.shape) if isinstance(window, Tensor) else type(window).__name__
        raise ValueError(f"{op}: expected a 1-D window of win_length={win_length} points, got {shape}")
    left = (n_fft - win_length) // 2
    return pad(window, (left, n_fft - win_length - left)) if win_length < n_fft else window


def _lengths(op: str, n_fft: int, hop_length: Any, win_length: Any) -> tuple[int, int, int]:
    if int(n_fft) != n_fft or n_fft <= 0:
        raise ValueError(f"{op}: n_fft must be a positive integer, got {n_fft!r}")
    hop = int(n_fft // 4) if hop_length is None else int(hop_length)
    if hop <= 0:
        raise ValueError(f"{op}: hop_length must be positive, got {hop_length!r}")
    return int(n_fft), hop, int(n_fft if win_length is None else win_length)


def stft(
    input: Tensor,  # noqa: A002 - PyTorch's name
    n_fft: int,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: Tensor | None = None,
    center: bool = True,
    pad_mode: str = "reflect",
    normalized: bool = False,
    onesided: bool | None = None,
    return_complex: bool | None = None,
) -> Tensor:
    """PyTorch's ``torch.stft``: the windowed frames' DFTs, (..., freq, frames) for a (..., L) signal
    (one or two axes), recorded. ``return_complex`` must be given for a real signal, as PyTorch
    asks; False gives the real and imaginary parts on a last axis of 2."""
    from mytorch import fft
    from mytorch.nn.padding import pad
    from mytorch.tensor_complex import view_as_real

    n_fft, hop, win_length = _lengths("stft", n_fft, hop_length, win_length)
    if not isinstance(input, Tensor) or input.ndim not in (1, 2):
        raise ValueError(f"stft: expected a 1-D or 2-D Tensor signal, got {getattr(input, 'shape', type(input))}")
    complex_input = np.iscomplexobj(input._data)
    if return_complex is None and not complex_input:
        raise ValueError(
            "stft: give return_complex for a real signal (return_complex=True: a complex spectrum, as PyTorch "
            "asks; return_complex=False: its real and imaginary parts on a last axis of 2)"
        )
    x = input if input.ndim == 2 else input.unsqueeze(0)
    if center:
        half = n_fft // 2
        if pad_mode == "reflect" and half >= x.shape[-1]:
            raise ValueError(f"stft: reflect padding of {half} needs a signal longer than that, got {x.shape[-1]}")
        x = pad(x.unsqueeze(1), (half, half), mode=pad_mode).squeeze(1)
    if x.shape[-1] < n_fft:
        raise ValueError(f"stft: n_fft={n_fft} is longer than the (padded) signal of {x.shape[-1]} samples")
    frames = x.unfold(-1, n_fft, hop) * _full_window("stft", window, n_fft, win_length, x)
    if onesided is None:
        onesided = not complex_input and not (window is not None and np.iscomplexobj(window._data))
    spectrum = fft.rfft(frames, dim=-1) if onesided else fft.fft(frames, dim=-1)
    if normalized:
        spectrum = spectrum * (1.0 / math.sqrt(n_fft))
    spectrum = spectrum.transpose(-1, -2)
    if input.ndim == 1:
        spectrum = spectrum.squeeze(0)
    return spectrum if return_complex or (return_complex is None and complex_input) else view_as_real(spectrum)


def istft(
    input: Tensor,  # noqa: A002 - PyTorch's name
    n_fft: int,
    hop_length: int | None = None,
    win_length: int | None = None,
    window: Tensor | None = None,
    center: bool = True,
    normalized: bool = False,
    onesided: bool | None = None,
    length: int | None = None,
    return_complex: bool = False,
) -> Tensor:
    """PyTorch's ``torch.istft``: the signal whose ``stft`` is ``input`` (complex, (..., freq, frames)),
    by windowed overlap-add, recorded. A window whose squares add up to (nearly) 0 somewhere in the
    kept signal is a ``ValueError``, as PyTorch refuses it."""
    from mytorch import fft
    from mytorch.tensor_shape import cat

    n_fft, hop, win_length = _lengths("istft", n_fft, hop_length, win_length)
    if not isinstance(input, Tensor) or input.ndim not in (2, 3) or not np.iscomplexobj(input._data):
        raise ValueError(
            f"istft: expected a complex Tensor of shape (freq, frames) or (batch, freq, frames), got "
            f"{getattr(input, 'shape', type(input))}"
        )
    spectrum = input if input.ndim == 3 else input.unsqueeze(0)
    if onesided is None:
        onesided = spectrum.shape[-2] != n_fft
    expected = n_fft // 2 + 1 if onesided else n_fft
    if spectrum.shape[-2] != expected:
        raise ValueError(f"istft: expected {expected} frequencies for n_fft={n_fft}, got {spectrum.shape[-2]}")
    if normalized:
        spectrum = spectrum * math.sqrt(n_fft)
    spectrum = spectrum.transpose(-1, -2)
    frames = fft.irfft(spectrum, n=n_fft, dim=-1) if onesided else fft.ifft(spectrum, dim=-1)
    if not onesided and not return_complex:
        frames = frames.real
    w = _full_window("istft", window, n_fft, win_length, frames)
    frames = frames * w
    count = frames.shape[-2]
    total = n_fft + hop * (count - 1)
    places = (np.arange(count)[:, None] * hop + np.arange(n_fft)[None, :]).reshape(-1)
    signal = frames.new_zeros(frames.shape[0], total).index_add(-1, Tensor(places), frames.reshape(frames.shape[0], -1))
    envelope = np.zeros(total)
    np.add.at(envelope, places, np.tile(np.abs(w.detach()._data.astype(np.float64)) ** 2, count))
    start = n_fft // 2 if center else 0
    end = total - (n_fft // 2 if center else 0) if length is None else start + int(length)
    kept = envelope[start : min(end, total)]
    if kept.size and np.abs(kept).min() < 1e-11:
        raise ValueError("istft: the window's squares add up to 0 somewhere in the signal (window overlap add min)")
    signal = signal[:, start : min(end, total)] / Tensor(kept.astype(np.empty(0, signal.dtype).real.dtype))
    if end > total:  # (a length past the frames: zeros after them, as PyTorch's)
        signal = cat([signal, signal.new_zeros(signal.shape[0], end - total)], -1)
    return signal if input.ndim == 3 else signal.squeeze(0)


def _stft_method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """``t.stft(n_fft, ...)``: ``stft(t, n_fft, ...)``."""
    return stft(self, *args, **kwargs)


def _istft_method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """``t.istft(n_fft, ...)``: ``istft(t, n_fft, ...)``."""
    return istft(self, *args, **kwargs)


METHODS = {"stft": _stft_method, "istft": _istft_method}
"""The Tensor methods of this file (bound by ``mytorch.tensor_methods``)."""

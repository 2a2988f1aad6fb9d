"""``stft``, ``istft`` and the windows (``mytorch/spectral.py``): a frame's DFT against NumPy's, the
inverse giving the signal back, gradients against finite differences, refusals; spectra, gradients,
second derivatives and inverses against PyTorch 2.13's where it is installed."""

from __future__ import annotations

import math

import numpy as np
import pytest

import mytorch as mt

SIGNAL = np.sin(np.arange(100.0) * 0.3).reshape(2, 50) + np.cos(np.arange(100.0) ** 1.5 * 0.01).reshape(2, 50)
CASES = [
    (dict(n_fft=16, hop_length=4), "hann"),
    (dict(n_fft=16, center=False), "hamming"),
    (dict(n_fft=15, hop_length=5, win_length=10, normalized=True), "blackman"),
    (dict(n_fft=8, hop_length=3, pad_mode="constant"), None),
    (dict(n_fft=16, hop_length=4, onesided=False), "hann"),
    (dict(n_fft=12, hop_length=3), "bartlett"),
]


def test_windows_and_a_frame_are_numpys():
    np.testing.assert_allclose(mt.hann_window(8, periodic=False, dtype=mt.float64).numpy(), np.hanning(8), atol=1e-15)
    np.testing.assert_allclose(mt.hamming_window(7, False, dtype=mt.float64).numpy(), np.hamming(7), atol=1e-15)
    np.testing.assert_allclose(mt.blackman_window(9, False, dtype=mt.float64).numpy(), np.blackman(9), atol=1e-15)
    np.testing.assert_allclose(mt.bartlett_window(9, False, dtype=mt.float64).numpy(), np.bartlett(9), atol=1e-15)
    assert mt.hann_window(1).tolist() == [1.0] and mt.hann_window(4).dtype == mt.float32
    x = mt.tensor(SIGNAL[0])
    spectrum = mt.stft(x, 16, hop_length=4, window=mt.hann_window(16, dtype=mt.float64), return_complex=True)
    padded = np.pad(SIGNAL[0], 8, mode="reflect")
    frame = padded[12:28] * np.hanning(17)[:16]  # (the periodic window is the symmetric one of n + 1, cut)
    assert spectrum.shape == (9, 13)
    np.testing.assert_allclose(spectrum[:, 3].numpy(), np.fft.rfft(frame), atol=1e-12)


@pytest.mark.parametrize(("options", "window"), CASES)
def test_istft_gives_the_signal_back(options, window):
    x = mt.tensor(SIGNAL)
    n, wl = options["n_fft"], options.get("win_length", options["n_fft"])
    w = None if window is None else getattr(mt, f"{window}_window")(wl, dtype=mt.float64)
    spectrum = mt.stft(x, window=w, return_complex=True, **options)
    inverse = {k: v for k, v in options.items() if k != "pad_mode"}
    y = mt.istft(spectrum, window=w, length=50, **inverse).numpy()
    covered = 50 if options.get("center", True) else n + options.get("hop_length", n // 4) * (spectrum.shape[-1] - 1)
    np.testing.assert_allclose(y[:, :covered], SIGNAL[:, :covered], atol=1e-12)


def test_gradients_against_finite_differences():
    w = mt.hann_window(8, dtype=mt.float64)
    x = mt.tensor(SIGNAL[0, :20], requires_grad=True)

    def power(x):
        return mt.stft(x, 8, hop_length=2, window=w, return_complex=True).abs().pow(2).sum(0)

    assert mt.autograd.gradcheck(power, (x,))
    mask = mt.tensor(np.linspace(0.2, 1.0, 5)[:, None])  # (a fixed filter on the spectrum)

    def filtered(x):
        return mt.istft(mt.stft(x, 8, hop_length=2, window=w, return_complex=True) * mask, 8, 2, window=w, length=20)

    assert mt.autograd.gradcheck(filtered, (x,))


def test_refusals_name_the_problem():
    x = mt.tensor(SIGNAL)
    with pytest.raises(ValueError, match="return_complex"):
        mt.stft(x, 8)
    with pytest.raises(ValueError, match="reflect padding"):
        mt.stft(mt.zeros(3), 16, return_complex=True)
    with pytest.raises(ValueError, match="win_length"):
        mt.stft(x, 8, win_length=9, return_complex=True)
    with pytest.raises(ValueError, match="1-D window of win_length=8"):
        mt.stft(x, 8, window=mt.ones(7), return_complex=True)
    spectrum = mt.stft(x, 8, hop_length=8, window=mt.hann_window(8, periodic=False), return_complex=True)
    with pytest.raises(ValueError, match="squares add up to 0"):
        mt.istft(spectrum, 8, hop_length=8, window=mt.hann_window(8, periodic=False), center=False)
    with pytest.raises(ValueError, match="frequencies"):
        mt.istft(spectrum[:, :4], 8)
    assert x.stft(8, return_complex=False).shape == (2, 5, 26, 2)  # (real and imaginary parts)


def _run(lib, options, window):
    x = lib.tensor(SIGNAL, requires_grad=True)
    wl = options.get("win_length", options["n_fft"])
    w = None if window is None else getattr(lib, f"{window}_window")(wl, dtype=lib.float64)
    spectrum = lib.stft(x, window=w, return_complex=True, **options)
    loss = (spectrum.abs() ** 2).sum() + spectrum.real.sum() * math.pi
    (g,) = lib.autograd.grad(loss, x, create_graph=True)
    (h,) = lib.autograd.grad(g.pow(2).sum(), x, retain_graph=True)
    inverse = {k: v for k, v in options.items() if k != "pad_mode"}
    y = lib.istft(spectrum, window=w, length=50, **inverse)
    (gy,) = lib.autograd.grad(y.pow(2).sum(), x)
    return [spectrum.detach().numpy(), g.detach().numpy(), h.numpy(), y.detach().numpy(), gy.numpy()]


@pytest.mark.filterwarnings("ignore:.*(window|length of signal).*:UserWarning")
@pytest.mark.parametrize(("options", "window"), CASES)
def test_spectra_gradients_and_inverses_agree_with_pytorch(options, window):
    torch = pytest.importorskip("torch")
    for ours, theirs in zip(_run(mt, options, window), _run(torch, options, window)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-11 * max(1.0, np.abs(theirs).max()))

"""Fuzz (hypothesis) of the composed operations added for ported programs: the implicit slope of a
Gamma draw against the quantile's finite difference (SciPy), ``istft(stft(x))`` giving x back and
``stft`` against PyTorch's for random sizes, hops and windows, the ``orthogonal`` maps staying
orthogonal for random originals, and ``biject_to`` landing in its set and inverting."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import mytorch as mt  # noqa: E402
from mytorch.distributions.implicit import gamma_slope  # noqa: E402
from mytorch.nn.orthogonal import orthogonal  # noqa: E402


@given(log_a=st.floats(-2.0, 4.0), u=st.floats(1e-6, 1 - 1e-6))
def test_gamma_slope_is_the_quantiles_derivative(log_a, u):
    special = pytest.importorskip("scipy.special")
    a = 10.0**log_a
    x = special.gammaincinv(a, u)
    if not 0 < x < np.inf:
        return
    h = 1e-5 * a
    expected = (special.gammaincinv(a + h, u) - special.gammaincinv(a - h, u)) / (2 * h)
    np.testing.assert_allclose(gamma_slope(np.array([a]), np.array([x]))[0], expected, rtol=1e-5, atol=1e-300)


WINDOWS = ["hann", "hamming", "blackman"]


@given(
    length=st.integers(24, 80),
    n_fft=st.integers(6, 20),
    hop_fraction=st.sampled_from([2, 3, 4]),
    window=st.sampled_from(WINDOWS),
    seed=st.integers(0, 2**16),
)
def test_istft_inverts_stft(length, n_fft, hop_fraction, window, seed):
    hop = max(1, n_fft // hop_fraction)
    x = mt.tensor(np.random.default_rng(seed).normal(size=(2, length)))
    w = getattr(mt, f"{window}_window")(n_fft, dtype=mt.float64)
    spectrum = mt.stft(x, n_fft, hop, window=w, return_complex=True)
    np.testing.assert_allclose(mt.istft(spectrum, n_fft, hop, window=w, length=length).numpy(), x.numpy(), atol=1e-10)


@given(
    length=st.integers(24, 60),
    n_fft=st.integers(4, 16),
    hop=st.integers(1, 6),
    window=st.sampled_from(WINDOWS),
    center=st.booleans(),
    normalized=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_stft_agrees_with_pytorch(length, n_fft, hop, window, center, normalized, seed):
    torch = pytest.importorskip("torch")
    signal = np.random.default_rng(seed).normal(size=length)
    spectra = []
    for lib in (mt, torch):
        w = getattr(lib, f"{window}_window")(n_fft, dtype=lib.float64)
        options = dict(window=w, center=center, normalized=normalized, return_complex=True)
        spectra.append(lib.stft(lib.tensor(signal), n_fft, hop, **options).numpy())
    np.testing.assert_allclose(spectra[0], spectra[1], atol=1e-12)


@given(
    rows=st.integers(1, 5),
    cols=st.integers(1, 5),
    orthogonal_map=st.sampled_from(["matrix_exp", "cayley", "householder"]),
    scale=st.floats(0.0, 2.0),
    seed=st.integers(0, 2**16),
)
def test_orthogonal_weights_stay_orthogonal(rows, cols, orthogonal_map, scale, seed):
    rng = np.random.default_rng(seed)
    layer = mt.nn.Linear(cols, rows, bias=False).double()
    with mt.no_grad():
        layer.weight.copy_(mt.tensor(rng.normal(size=(rows, cols))))
    orthogonal(layer, orthogonal_map=orthogonal_map)
    step = rng.normal(size=(rows, cols)) * scale
    step = np.tril(step, -1) if rows >= cols else np.triu(step, 1)  # (the diagonal holds signs)
    with mt.no_grad():
        layer.parametrizations.weight.original.add_(mt.tensor(step))
    w = layer.weight.detach().numpy()
    gram = w.T @ w if rows >= cols else w @ w.T
    np.testing.assert_allclose(gram, np.eye(min(rows, cols)), atol=1e-10)


@given(
    kind=st.sampled_from(["greater_than", "less_than", "interval"]),
    bound=st.floats(-5.0, 5.0),
    width=st.floats(0.1, 10.0),
    x=st.lists(st.floats(-8.0, 8.0), min_size=1, max_size=6),
)
def test_biject_to_lands_in_the_set_and_inverts(kind, bound, width, x):
    C = mt.distributions.constraints
    c = {"greater_than": C.greater_than(bound), "less_than": C.less_than(bound)}.get(kind) or C.interval(
        bound, bound + width
    )
    t = mt.distributions.biject_to(c)
    values = mt.tensor(x, dtype=mt.float64)
    y = t(values)
    kept = (np.abs(np.asarray(x)) < 6) if kind == "interval" else np.ones(len(x), dtype=bool)  # (sigmoid(8) ~ 1)
    assert c.check(y).numpy()[kept].all()
    np.testing.assert_allclose(t.inv(y).numpy()[kept], np.asarray(x)[kept], atol=1e-6)

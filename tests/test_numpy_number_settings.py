"""Settings given as NumPy numbers (``np.float16(0.3)``, ``np.float32``) act as the Python float of
the same value, on NumPy 1 and 2 alike, as PyTorch reads them. On NumPy 2 (NEP 50) ``1.0 - p`` of
an ``np.float16`` p is an ``np.float16``, so a rule that did arithmetic on the setting before
converting it ran in half precision: dropout's 1 / (1 - p), celu's 1 / alpha, rrelu's evaluation
slope, xavier's bound, ASGD's and Adadelta's decays (scripts/sweep_numpy_numbers.py found them)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import mytorch as mt
import mytorch.nn.functional as F

R = np.random.default_rng(0)
X = R.standard_normal((2, 3, 4))
V = R.standard_normal((2, 3, 4))


def _xavier(kind: str) -> Callable[..., Any]:
    def run(t: Any, gain: Any) -> Any:
        w = mt.empty(3, 4, dtype=t.dtype)
        getattr(mt.nn.init, kind)(w, gain=gain)
        return t * w.sum()

    return run


CALLS: dict[str, Callable[..., Any]] = {
    "F.celu": lambda t, s: F.celu(t, alpha=s),
    "nn.CELU": lambda t, s: mt.nn.CELU(alpha=s)(t),
    "F.dropout": lambda t, s: F.dropout(t, p=s),
    "F.dropout1d": lambda t, s: F.dropout1d(t, p=s),
    "F.dropout2d": lambda t, s: F.dropout2d(t, p=s),
    "F.dropout3d": lambda t, s: F.dropout3d(t[None], p=s),
    "F.alpha_dropout": lambda t, s: F.alpha_dropout(t, p=s, training=True),
    "nn.AlphaDropout": lambda t, s: mt.nn.AlphaDropout(p=s)(t),
    "F.rrelu lower": lambda t, s: F.rrelu(
        t, lower=s, upper=0.9, training=False
    ),  # (lower <= upper, as PyTorch requires)
    "F.rrelu upper": lambda t, s: F.rrelu(t, upper=s, training=False),
    "nn.RReLU": lambda t, s: mt.nn.RReLU(lower=s, upper=0.9).eval()(t),
    "init.xavier_uniform_": _xavier("xavier_uniform_"),
    "init.xavier_normal_": _xavier("xavier_normal_"),
}


def _run(call: Callable[..., Any], dtype: type, setting: Any) -> tuple[np.ndarray, np.ndarray]:
    mt.manual_seed(0)
    x = mt.tensor(X.astype(dtype), requires_grad=True)
    out = call(x, setting)
    (out * mt.tensor(V.reshape(-1)[: out.numel()].reshape(out.shape).astype(dtype))).sum().backward()
    return out.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("kind", [np.float16, np.float32])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_numpy_number_setting_gives_the_python_floats_values_and_gradients(name, kind, dtype) -> None:
    for value in (0.3, 0.7):
        setting = kind(value)
        out, grad = _run(CALLS[name], dtype, setting)
        want_out, want_grad = _run(CALLS[name], dtype, float(setting))
        np.testing.assert_array_equal(out, want_out, err_msg=f"{name}({setting!r})")
        np.testing.assert_array_equal(grad, want_grad, err_msg=f"{name}({setting!r}) gradient")


def test_celu_and_dropout_with_a_float16_setting_closed_forms() -> None:
    alpha = np.float16(2.5)  # exactly 2.5, but 1 / alpha in float16 is 0.39990234
    x = mt.tensor([-2.25], dtype=mt.float64, requires_grad=True)
    y = F.celu(x, alpha=alpha)
    y.backward()
    assert abs(y.item() - 2.5 * np.expm1(-0.9)) < 1e-15
    assert abs(x.grad.item() - np.exp(-0.9)) < 1e-15
    p = np.float16(0.3)
    kept = F.dropout(mt.ones(1000, dtype=mt.float64), p=p).numpy()
    assert set(np.unique(kept)) == {0.0, 1.0 / (1.0 - float(p))}


OPTIMIZERS = {
    "ASGD lambd": lambda params, s: mt.optim.ASGD(params, lr=0.1, lambd=s),
    "ASGD alpha": lambda params, s: mt.optim.ASGD(params, lr=0.1, alpha=s),
    "ASGD t0": lambda params, s: mt.optim.ASGD(params, lr=0.1, t0=s),
    "Adadelta rho": lambda params, s: mt.optim.Adadelta(params, rho=s),
}


def _steps(make: Callable[..., Any], dtype: type, setting: Any) -> np.ndarray:
    p = mt.nn.Parameter(mt.tensor(X.astype(dtype)))
    optimizer = make([p], setting)
    for _ in range(4):
        optimizer.zero_grad()
        (p * p * mt.tensor(V.astype(dtype))).sum().backward()
        optimizer.step()
    return p.detach().numpy()


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("kind", [np.float16, np.float32])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_an_optimizer_setting_given_as_a_numpy_number_steps_as_the_python_float(name, kind, dtype) -> None:
    for value in (0.3, 0.7, 0.9):
        setting = kind(value)
        got = _steps(OPTIMIZERS[name], dtype, setting)
        np.testing.assert_array_equal(got, _steps(OPTIMIZERS[name], dtype, float(setting)), err_msg=f"{setting!r}")


def test_numpy_number_settings_match_pytorch() -> None:
    """PyTorch reads the activations' NumPy-number settings as their values too. Its optimizers keep
    the number as given and compute ``1 - rho`` with it, in float16 on NumPy 2: MyTorch's steps are
    PyTorch's given the float."""
    torch = pytest.importorskip("torch")
    results = []
    for L in (mt, torch):
        x = L.tensor(X, requires_grad=True)
        y = L.nn.functional.celu(x, alpha=np.float16(0.3)) + L.nn.functional.rrelu(x, lower=np.float16(0.3))
        (y * L.tensor(V)).sum().backward()
        p = L.nn.Parameter(L.tensor(X))
        rho = np.float16(0.3) if L is mt else float(np.float16(0.3))
        optimizer = L.optim.Adadelta([p], rho=rho)
        for _ in range(3):
            optimizer.zero_grad()
            (p * p * L.tensor(V)).sum().backward()
            optimizer.step()
        results.append([y.detach().numpy(), x.grad.numpy(), p.detach().numpy()])
    for got, want in zip(*results):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


SCHEDULES = {
    "OneCycleLR pct_start": lambda o, s: mt.optim.lr_scheduler.OneCycleLR(o, max_lr=1.0, pct_start=s, total_steps=10),
    "OneCycleLR div_factor": lambda o, s: mt.optim.lr_scheduler.OneCycleLR(o, 1.0, 10, div_factor=s),
    "OneCycleLR final_div_factor": lambda o, s: mt.optim.lr_scheduler.OneCycleLR(o, 1.0, 10, final_div_factor=s),
    "LambdaLR": lambda o, s: mt.optim.lr_scheduler.LambdaLR(o, lambda epoch: s),
    "MultiplicativeLR": lambda o, s: mt.optim.lr_scheduler.MultiplicativeLR(o, lambda epoch: s),
}


def _rates(make: Callable[..., Any], setting: Any) -> list[Any]:
    p = mt.nn.Parameter(mt.tensor(X))
    optimizer = mt.optim.SGD([p], lr=0.9, momentum=0.5)
    scheduler = make(optimizer, setting)
    rates = []
    for _ in range(8):
        optimizer.zero_grad()
        (p * p).sum().backward()
        optimizer.step()
        scheduler.step()
        rates.append(optimizer.param_groups[0]["lr"])
    return rates


@pytest.mark.parametrize("name", sorted(SCHEDULES))
@pytest.mark.parametrize("kind", [np.float16, np.float32, np.float64])
def test_a_schedule_given_numpy_numbers_sets_the_python_floats_rates(name, kind) -> None:
    setting = kind(2.7) if "div_factor" in name else kind(0.3)
    want, got = _rates(SCHEDULES[name], float(setting)), _rates(SCHEDULES[name], setting)
    assert got == want
    assert all(type(rate) is float for rate in got)


RANGES = {
    "linspace end": lambda L, s: L.linspace(0, s, 7),
    "linspace start": lambda L, s: L.linspace(s, 1, 7, dtype=L.float64),
    "logspace end": lambda L, s: L.logspace(0, s, 5),
    "logspace start": lambda L, s: L.logspace(s, 2, 5, dtype=L.float64),
    "arange start": lambda L, s: L.arange(s, 1.0, 0.1),
    "arange step": lambda L, s: L.arange(0, 1, s, dtype=L.float64),
}


@pytest.mark.parametrize("name", sorted(RANGES))
@pytest.mark.parametrize("kind", [np.float16, np.float32])
def test_a_range_with_numpy_number_ends_is_the_python_floats(name, kind) -> None:
    """On NumPy 2, NumPy's range functions counted in an ``np.float16`` end's precision
    (``linspace(0, np.float16(0.3), 7)[1]`` was 0.0500183, not 0.0500081)."""
    setting = kind(0.3) if "start" not in name or "logspace" in name else kind(0.1)
    got, want = RANGES[name](mt, setting), RANGES[name](mt, float(setting))
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_ranges_with_numpy_number_ends_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for name, make in RANGES.items():
        for setting in (np.float16(0.3), np.float32(0.3)):
            got, want = make(mt, setting), make(torch, setting)
            assert str(got.dtype) == str(want.dtype).replace("torch.", ""), name
            np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, err_msg=f"{name} {setting!r}")


def test_complex_range_ends_give_complex_values_or_are_refused() -> None:
    np.testing.assert_allclose(mt.linspace(0, 1 + 2j, 3).numpy(), [0, 0.5 + 1j, 1 + 2j])
    assert mt.linspace(np.complex64(1j), 1, 3).dtype == np.complex64  # (its imaginary part was dropped)
    assert mt.logspace(0, 1j, 2, dtype=mt.complex128).numpy()[1] == pytest.approx(10**1j)
    with pytest.raises(TypeError, match="linspace: a complex start or end"):
        mt.linspace(0, 1 + 2j, 3, dtype=mt.float32)
    with pytest.raises(TypeError, match="arange: start, end and step must be real numbers"):
        mt.arange(0, 10, np.complex64(1 + 2j))  # ([] on NumPy 1, two values on NumPy 2)


WRITTEN = {  # settings a hand-written schedule writes into param_groups, by optimizer
    "Adam": {"lr": 0.03, "betas": (0.7, 0.97), "weight_decay": 0.03},
    "AdamW": {"lr": 0.03, "betas": (0.7, 0.97), "weight_decay": 0.03},
    "NAdam": {"lr": 0.03, "betas": (0.7, 0.97), "momentum_decay": 0.003},
    "RAdam": {"lr": 0.03, "betas": (0.7, 0.97), "weight_decay": 0.03},
    "Adamax": {"lr": 0.03, "betas": (0.7, 0.97)},
    "Adagrad": {"lr": 0.3, "lr_decay": 0.03},
    "Adafactor": {"lr": 0.03, "beta2_decay": -0.7, "weight_decay": 0.03},
    "RMSprop": {"lr": 0.03, "alpha": 0.7},
    "ASGD": {"lr": 0.03, "lambd": 0.03, "alpha": 0.7, "t0": 1.3},
    "SGD": {"lr": 0.3, "momentum": 0.7, "dampening": 0.3},
}


def _written(name: str) -> Callable[..., Any]:
    """An optimizer ``name`` made with lr 0.1, then given ``settings`` by writing its group."""

    def make(params: list[Any], settings: dict[str, Any]) -> Any:
        optimizer = getattr(mt.optim, name)(params, lr=0.1)
        optimizer.param_groups[0].update(settings)
        return optimizer

    return make


@pytest.mark.parametrize("name", sorted(WRITTEN))
@pytest.mark.parametrize("kind", [np.float16, np.float32, lambda v: np.array(v, np.float16)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numpy_numbers_written_into_a_group_step_as_the_python_floats(name, kind, dtype) -> None:
    """On NumPy 2, Adam's ``1 - beta1`` of an ``np.float16`` beta1 written into the group was 0.2998,
    and RAdam's, NAdam's and Adafactor's rates were computed in that precision (NumPy 1: as floats);
    a 0-d float16 array's, on both."""
    given = {k: tuple(kind(x) for x in v) if isinstance(v, tuple) else kind(v) for k, v in WRITTEN[name].items()}
    floats = {k: tuple(float(x) for x in v) if isinstance(v, tuple) else float(v) for k, v in given.items()}
    got = _steps(_written(name), dtype, given)
    np.testing.assert_array_equal(got, _steps(_written(name), dtype, floats))


@pytest.mark.parametrize("kind", [np.int16, np.uint8, np.int64])
def test_numpy_integers_as_chunk_and_split_sizes(kind) -> None:
    """``chunk(np.int16(3))`` was "'numpy.int16' object is not iterable" (its piece length stayed a
    NumPy integer, which ``split`` took for a list of lengths); a float or bool count is refused
    by name, as PyTorch refuses it."""
    x = mt.arange(12.0).reshape(2, 6)
    for got, want in ((x.chunk(kind(4), 1), x.chunk(4, 1)), (x.split(kind(4), 1), x.split(4, 1))):
        assert [t.shape for t in got] == [t.shape for t in want]
        for a, b in zip(got, want):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    for bad in (2.0, True):
        with pytest.raises(TypeError, match="chunk: chunks must be an integer"):
            x.chunk(bad, 1)


BOUNDS: dict[str, Callable[..., Any]] = {
    "F.hardtanh min_val": lambda t, s: F.hardtanh(t, s, 2.0),
    "F.hardtanh max_val": lambda t, s: F.hardtanh(t, -2.0, s),
    "nn.Hardtanh": lambda t, s: mt.nn.Hardtanh(-s, s)(t),
    "F.threshold": lambda t, s: F.threshold(t, s, -1.0),
    "F.threshold value": lambda t, s: F.threshold(t, 0.5, s),
    "nn.Threshold": lambda t, s: mt.nn.Threshold(s, s)(t),
    "clamp min": lambda t, s: mt.clamp(t, min=s),
    "clamp max": lambda t, s: mt.clamp(t, max=s),
    "clip": lambda t, s: mt.clip(t, -s, s),
    "Tensor.clamp": lambda t, s: t.clamp(-s, s),
}
AT_BOUNDS = np.array([-3.0, -0.3, 0.0, 0.3, 1.0, 3.0, np.inf, -np.inf])


def _bounded(call: Callable[..., Any], dtype: type, setting: Any) -> tuple[np.ndarray, np.ndarray]:
    x = mt.tensor(AT_BOUNDS.astype(dtype), requires_grad=True)
    out = call(x, setting)
    out.sum().backward()
    return out.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("name", sorted(BOUNDS))
@pytest.mark.parametrize("kind", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_a_bound_given_as_a_numpy_number_acts_as_the_python_float(name, kind, dtype) -> None:
    """At x = the input dtype's 0.3 and a bound of 0.3: an np.float64 bound compared a float32 x in
    float64 (x above it: gradient 1 for hardtanh, x kept by threshold; 0 for clamp), an np.float32
    bound a float16 x in float32, where the Python float is taken into the input's arithmetic."""
    setting = kind(0.3)
    out, grad = _bounded(BOUNDS[name], dtype, setting)
    want_out, want_grad = _bounded(BOUNDS[name], dtype, float(setting))
    np.testing.assert_array_equal(out, want_out, err_msg=f"{name}({setting!r})")
    np.testing.assert_array_equal(grad, want_grad, err_msg=f"{name}({setting!r}) gradient")


def test_float16_is_compared_with_a_bound_in_float32() -> None:
    """float16's 0.3 is 0.30005, above 0.3, and inf is above 1e5: hardtanh passes the gradient at
    0.30005 and threshold keeps both (float16 rounded the bounds onto the values: gradient 0, and
    inf replaced by ``value``), as in PyTorch."""
    x = mt.tensor(np.array([0.3, np.inf, -1.0], np.float16), requires_grad=True)
    y = F.hardtanh(x, 0.3, 60000.0)
    y.sum().backward()
    np.testing.assert_array_equal(y.detach().numpy(), np.array([0.3, 60000.0, 0.3], np.float16))
    np.testing.assert_array_equal(x.grad.numpy(), [1.0, 0.0, 0.0])
    for threshold in (0.3, 1e5):
        x.grad = None
        y = F.threshold(x, threshold, -2.0)
        y.sum().backward()
        kept = [threshold == 0.3, True, False]
        np.testing.assert_array_equal(y.detach().numpy(), np.where(kept, x.detach().numpy(), np.float16(-2.0)))
        np.testing.assert_array_equal(x.grad.numpy(), np.array(kept, float), err_msg=f"threshold {threshold}")


def test_bounds_at_float16s_rounding_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    results = []
    for L in (mt, torch):
        x = L.tensor(np.array([0.3, np.inf, -0.3, 2.0], np.float16), requires_grad=True)
        ys = [
            L.nn.functional.hardtanh(x, 0.3, 60000.0),
            L.nn.functional.threshold(x, 1e5, 0.5),
            L.nn.functional.threshold(x, np.float64(0.3), np.float32(0.5)),
            L.clamp(x, np.float32(-0.3), np.float32(0.3)),
            L.nn.functional.relu6(x),
        ]
        sum(y.float().sum() for y in ys).backward()
        results.append([y.detach().float().numpy() for y in ys] + [x.grad.float().numpy()])
    for got, want in zip(*results):
        np.testing.assert_array_equal(got, want)


def test_a_bound_beyond_float32s_range_is_refused_but_for_float64() -> None:
    """PyTorch refuses these; NumPy 1 kept 1e40 and NumPy 2 made it inf, so threshold(inf, 1e40)
    kept inf on the one and gave ``value`` on the other."""
    for dtype in (np.float16, np.float32):
        x = mt.tensor(np.array([1.0, np.inf], dtype))
        with pytest.raises(
            ValueError, match="F.hardtanh: min_val -1e.40 is beyond float(16|32)'s range"
        ):  # (float16's own)
            F.hardtanh(x, -1e40, 1.0)
        with pytest.raises(ValueError, match="F.threshold: threshold 1e.40 is beyond float32's range"):
            F.threshold(x, np.float64(1e40), 0.0)
    for dtype, value in ((np.float16, 1e5), (np.float32, 1e40)):  # (it was inf)
        with pytest.raises(
            RuntimeError, match=re.escape(f"F.threshold: the value {value} cannot be stored in a {dtype.__name__}")
        ):
            F.threshold(mt.tensor(np.array([1.0, np.inf], dtype)), 2.0, value)
    x = mt.tensor(np.array([1.0, np.inf]))
    np.testing.assert_array_equal(F.threshold(x, 1e40, 0.0).numpy(), [0.0, np.inf])
    np.testing.assert_array_equal(F.threshold(x, 2.0, 1e40).numpy(), [1e40, np.inf])
    np.testing.assert_array_equal(F.hardtanh(x, -1e40, 1e40).numpy(), [1.0, 1e40])

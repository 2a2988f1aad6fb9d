"""Settings given as NumPy numbers must act as the Python float of the same value.

Every float setting of ``nn.functional``, the ``Tensor`` methods and the ``mytorch`` functions
(found by their signatures, and written out below for those that need more arguments), the
``nn`` modules, ``nn.init``, the optimizers (given to the constructor and written into
``param_groups``), the schedules and the range factories, as ``np.float16``/``np.float32``
numbers and 0-d arrays, against the Python float of the same value: values and gradients must
be bit for bit the same, on NumPy 1 and 2 (on NumPy 2, NEP 50, ``1.0 - p`` of an ``np.float16``
p is an ``np.float16``). Random functions are seeded alike. Prints each difference.

    python scripts/sweep_numpy_numbers.py            # float32 inputs; F64=1 for float64
"""

from __future__ import annotations

import inspect
import os
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import mytorch as mt  # noqa: E402

F = mt.nn.functional
T = mt.tensor
S = mt.optim.lr_scheduler
DTYPE = np.float64 if os.environ.get("F64") else np.float32
X = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(DTYPE)
Y = np.random.default_rng(1).standard_normal((2, 3, 4)).astype(DTYPE)
KINDS: dict[str, Callable[[float], Any]] = {
    "float16": np.float16,
    "float32": np.float32,
    "0-d float16": lambda v: np.array(v, np.float16),
    "0-d float32": lambda v: np.array(v, np.float32),
}
RANDOM = ("normal", "rand", "randn", "bernoulli", "poisson", "multinomial", "manual_seed", "set_default_dtype")
"""Names the signature search passes over: they draw or change global state."""

LABELS, SIGNS = mt.tensor([0, 2]), mt.tensor(np.sign(Y[:, 0, 0]))
CALLS: dict[str, tuple[Callable[..., Any], list[str]]] = {
    "F.batch_norm": (
        lambda t, **k: F.batch_norm(t, T(np.zeros(3, DTYPE)), T(np.ones(3, DTYPE)), training=True, **k),
        ["momentum", "eps"],
    ),
    "F.cosine_embedding_loss": (
        lambda t, **k: F.cosine_embedding_loss(t[:, :, 0], T(Y[:, :, 0]), SIGNS, **k),
        ["margin"],
    ),
    "F.cosine_similarity": (lambda t, **k: F.cosine_similarity(t * 1e-3, T(Y), **k), ["eps"]),
    "F.cross_entropy": (lambda t, **k: F.cross_entropy(t[:, :, 0], LABELS, **k), ["label_smoothing"]),
    "F.embedding": (
        lambda t, **k: F.embedding(mt.tensor([0, 1, 1]), t.reshape(6, 4) * 1, max_norm=0.5, **k),
        ["norm_type"],
    ),
    "F.gaussian_nll_loss": (lambda t, **k: F.gaussian_nll_loss(t, T(Y), T(np.abs(Y) * 0.01), **k), ["eps"]),
    "F.group_norm": (lambda t, **k: F.group_norm(t * 1e-3, 3, **k), ["eps"]),
    "F.hinge_embedding_loss": (
        lambda t, **k: F.hinge_embedding_loss(t[:, 0], SIGNS[:, None].expand(2, 4), **k),
        ["margin"],
    ),
    "F.huber_loss": (lambda t, **k: F.huber_loss(t, T(Y), **k), ["delta"]),
    "F.smooth_l1_loss": (lambda t, **k: F.smooth_l1_loss(t, T(Y), **k), ["beta"]),
    "F.layer_norm": (lambda t, **k: F.layer_norm(t * 1e-3, (4,), **k), ["eps"]),
    "F.local_response_norm": (lambda t, **k: F.local_response_norm(t, 2, **k), ["alpha", "beta", "k"]),
    "F.margin_ranking_loss": (lambda t, **k: F.margin_ranking_loss(t[:, 0, 0], T(Y[:, 0, 0]), SIGNS, **k), ["margin"]),
    "F.multi_margin_loss": (lambda t, **k: F.multi_margin_loss(t[:, :, 0], LABELS, **k), ["margin"]),
    "mt.norm": (lambda t, **k: mt.norm(t, **k), ["p"]),
    "F.pairwise_distance": (lambda t, **k: F.pairwise_distance(t[:, :, 0], T(Y[:, :, 0]), **k), ["p", "eps"]),
    "F.pdist": (lambda t, **k: F.pdist(t[:, :, 0], **k), ["p"]),
    "F.poisson_nll_loss": (lambda t, **k: F.poisson_nll_loss(t, T(np.abs(Y)), log_input=False, **k), ["eps"]),
    "F.triplet_margin_loss": (
        lambda t, **k: F.triplet_margin_loss(t[:, :, 0], T(Y[:, :, 0]), T(Y[:, :, 1]), **k),
        ["margin", "p", "eps"],
    ),
    "F.normalize": (lambda t, **k: F.normalize(t, **k), ["p", "eps"]),
    "F.lp_pool1d": (lambda t, **k: F.lp_pool1d(t.abs() + 0.1, k["p"], 2), ["p"]),
    "F.softplus": (lambda t, **k: F.softplus(t, **k), ["beta", "threshold"]),
    "F.leaky_relu": (lambda t, **k: F.leaky_relu(t, **k), ["negative_slope"]),
    "F.hardtanh": (lambda t, **k: F.hardtanh(t, -2.0, **k), ["max_val"]),
    "F.threshold": (lambda t, **k: F.threshold(t, **k), ["threshold", "value"]),
    "F.elu": (lambda t, **k: F.elu(t, **k), ["alpha"]),
    "F.celu": (lambda t, **k: F.celu(t, **k), ["alpha"]),
    "F.rrelu": (lambda t, **k: F.rrelu(t, training=True, **k), ["lower", "upper"]),
    "F.rrelu evaluating": (lambda t, **k: F.rrelu(t, training=False, **k), ["lower", "upper"]),
    "F.alpha_dropout": (lambda t, **k: F.alpha_dropout(t, training=True, **k), ["p"]),
    "F.dropout3d": (lambda t, **k: F.dropout3d(t[None], **k), ["p"]),
    "F.softshrink": (lambda t, **k: F.softshrink(t, **k), ["lambd"]),
    "F.interpolate": (lambda t, **k: F.interpolate(t, scale_factor=k["s"], mode="linear"), ["s"]),
    "mt.clamp": (lambda t, **k: mt.clamp(t, **k), ["min", "max"]),
    "mt.pow": (lambda t, **k: mt.pow(t.abs() + 0.1, k["e"]), ["e"]),
    "mt.sub": (lambda t, **k: mt.sub(t, T(Y), **k), ["alpha"]),
    "mt.lerp": (lambda t, **k: mt.lerp(t, T(Y), **k), ["weight"]),
    "mt.addcmul": (lambda t, **k: mt.addcmul(t, t, T(Y), **k), ["value"]),
    "mt.addcdiv": (lambda t, **k: mt.addcdiv(t, t, T(np.abs(Y) + 1), **k), ["value"]),
    "mt.addmm": (lambda t, **k: mt.addmm(t[0], t[0], T(Y[0].T @ Y[0]), **k), ["beta", "alpha"]),
    "mt.quantile": (lambda t, **k: mt.quantile(t, k["q"], dim=-1), ["q"]),
    "mt.renorm": (lambda t, **k: mt.renorm(t, 2, 0, k["s"]), ["s"]),
    "mt.logit": (lambda t, **k: mt.logit(mt.sigmoid(t), eps=k["s"]), ["s"]),
    "mt.cdist": (lambda t, **k: mt.cdist(t, T(Y), **k), ["p"]),
    "mt.hamming_window": (lambda t, **k: t.sum() * mt.hamming_window(5, **k), ["alpha", "beta"]),
    "mt.logspace": (lambda t, **k: t.sum() * mt.logspace(0, k["end"], 5), ["end"]),
    "mt.linspace": (lambda t, **k: t.sum() * mt.linspace(0, k["end"], 7), ["end"]),
    "mt.arange": (lambda t, **k: t.sum() * mt.arange(0, 1, k["step"]), ["step"]),
    "nn.Softplus": (lambda t, **k: mt.nn.Softplus(**k)(t), ["beta", "threshold"]),
    "nn.CELU": (lambda t, **k: mt.nn.CELU(**k)(t), ["alpha"]),
    "nn.LeakyReLU": (lambda t, **k: mt.nn.LeakyReLU(**k)(t), ["negative_slope"]),
    "nn.BatchNorm1d": (lambda t, **k: mt.nn.BatchNorm1d(3, **k)(t * 1e-3), ["eps", "momentum"]),
    "nn.LayerNorm": (lambda t, **k: mt.nn.LayerNorm(4, **k)(t * 1e-3), ["eps"]),
    "nn.GroupNorm": (lambda t, **k: mt.nn.GroupNorm(3, 3, **k)(t * 1e-3), ["eps"]),
    "nn.RMSNorm": (lambda t, **k: mt.nn.RMSNorm(4, **k)(t * 1e-3), ["eps"]),
    "nn.CrossEntropyLoss": (lambda t, **k: mt.nn.CrossEntropyLoss(**k)(t[:, :, 0], LABELS), ["label_smoothing"]),
    "nn.Dropout": (lambda t, **k: mt.nn.Dropout(**k)(t), ["p"]),
    "nn.AlphaDropout": (lambda t, **k: mt.nn.AlphaDropout(**k)(t), ["p"]),
    "nn.RReLU evaluating": (lambda t, **k: mt.nn.RReLU(**k).eval()(t), ["lower", "upper"]),
    "init.calculate_gain": (lambda t, **k: t * mt.nn.init.calculate_gain("leaky_relu", k["param"]), ["param"]),
}  # fmt: skip


def _init(name: str) -> Callable[..., Any]:
    def run(t: Any, **k: Any) -> Any:
        w = mt.empty(3, 4, dtype=t.dtype)
        getattr(mt.nn.init, name)(w, **k)
        return t * w.sum()

    return run


def _optimizer(cls: type, written: bool) -> Callable[..., Any]:
    """Four steps of ``cls`` with the settings given to the constructor or written into the group."""

    def run(t: Any, **k: Any) -> Any:
        p = mt.nn.Parameter(mt.tensor(X.copy()))
        optimizer = cls([p], lr=0.1) if written else cls([p], **k)
        if written:
            optimizer.param_groups[0].update(k)
        for _ in range(4):
            optimizer.zero_grad()
            (p * p * mt.tensor(Y)).sum().backward()
            optimizer.step()
        return t * p

    return run


def _schedule(make: Callable[..., Any]) -> Callable[..., Any]:
    """The rates an SGD's schedule sets over eight steps, times ``t``."""

    def run(t: Any, **k: Any) -> Any:
        p = mt.nn.Parameter(mt.tensor(X.copy()))
        optimizer = mt.optim.SGD([p], lr=0.9, momentum=0.5)
        schedule = make(optimizer, *k.values())
        rates = []
        for _ in range(8):
            optimizer.zero_grad()
            (p * p).sum().backward()
            optimizer.step()
            schedule.step()
            rates.append(optimizer.param_groups[0]["lr"])
        if not all(type(rate) is float for rate in rates):
            raise TypeError(f"rates of types {sorted({type(rate).__name__ for rate in rates})}")
        return t * mt.tensor(np.array(rates, DTYPE)).sum()

    return run


SCHEDULES = {
    "StepLR": lambda o, s: S.StepLR(o, 2, gamma=s),
    "ExponentialLR": lambda o, s: S.ExponentialLR(o, gamma=s),
    "CosineAnnealingLR": lambda o, s: S.CosineAnnealingLR(o, 5, eta_min=s),
    "LinearLR": lambda o, s: S.LinearLR(o, start_factor=s, total_iters=4),
    "ConstantLR": lambda o, s: S.ConstantLR(o, factor=s, total_iters=3),
    "OneCycleLR max_lr": lambda o, s: S.OneCycleLR(o, max_lr=s, total_steps=10),
    "OneCycleLR pct_start": lambda o, s: S.OneCycleLR(o, max_lr=1.0, pct_start=s, total_steps=10),
    "OneCycleLR div_factor": lambda o, s: S.OneCycleLR(o, max_lr=1.0, div_factor=s, total_steps=10),
    "PolynomialLR": lambda o, s: S.PolynomialLR(o, total_iters=6, power=s),
    "CyclicLR": lambda o, s: S.CyclicLR(o, base_lr=s, max_lr=1.0, step_size_up=2),
    "ReduceLROnPlateau": lambda o, s: S.ReduceLROnPlateau(o, factor=s, patience=0),
    "LambdaLR": lambda o, s: S.LambdaLR(o, lambda epoch: s),
    "MultiplicativeLR": lambda o, s: S.MultiplicativeLR(o, lambda epoch: s),
}
OPTIMIZER_SETTINGS = ("lr", "momentum", "dampening", "weight_decay", "rho", "alpha", "lambd", "t0", "lr_decay")
OPTIMIZER_SETTINGS += ("initial_accumulator_value", "momentum_decay", "eps", "betas")


def _more_calls() -> None:
    """The initialisers, optimizers and schedules, into ``CALLS``."""
    for name in dir(mt.nn.init):
        if name.endswith("_") and not name.startswith("_") and name not in ("sparse_", "trunc_normal_"):
            params = float_settings(getattr(mt.nn.init, name))
            if params:
                CALLS["init." + name] = (_init(name), params)
    for name in dir(mt.optim):
        cls = getattr(mt.optim, name)
        if (
            isinstance(cls, type)
            and issubclass(cls, mt.optim.Optimizer)
            and name not in ("Optimizer", "LBFGS", "SparseAdam")
        ):
            params = [p for p in inspect.signature(cls.__init__).parameters if p in OPTIMIZER_SETTINGS]
            CALLS["optim." + name] = (_optimizer(cls, False), params)
            CALLS["optim." + name + " written"] = (_optimizer(cls, True), params)
    for name, make in SCHEDULES.items():
        CALLS["lr_scheduler." + name] = (_schedule(make), ["setting"])


def float_settings(fn: Any) -> list[str]:
    """The parameters of ``fn`` whose default is a float."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p.name for p in parameters if type(p.default) is float]


def outcome(fn: Callable[..., Any], settings: dict[str, Any]) -> tuple[Any, ...]:
    """The result's dtype, values and the input's gradient, or the exception's name."""
    mt.manual_seed(0)
    t = mt.tensor(X, requires_grad=True)
    try:
        out = fn(t, **settings)
        out = out[0] if isinstance(out, tuple) else out
        values = np.array(out.detach().numpy(), np.float64)
        if out.requires_grad:
            (out.double() * mt.tensor(np.linspace(-1, 1, out.numel()).reshape(out.shape))).sum().backward()
        grad = None if t.grad is None else np.array(t.grad.numpy(), np.float64)
        return (str(out.dtype), values, grad)
    except Exception as e:  # noqa: BLE001 - the exception's kind is the result
        return ("E:" + type(e).__name__,)


def _same(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    if a[0] != b[0]:
        return False
    return all(
        (u is None) == (v is None) and (u is None or np.array_equal(u, v, equal_nan=True)) for u, v in zip(a[1:], b[1:])
    )


SETTING_VALUES = (0.3, 0.7, 0.93)
OFFSETS = {"decay_rate": -1.0, "beta2_decay": -1.0, "t0": 1.0, "div_factor": 2.0, "power": 1.0, "s": 1.0}


def check(label: str, fn: Callable[..., Any], settings: list[str]) -> tuple[int, list[str]]:
    """Each setting of ``fn`` as a NumPy number of each kind against its float (others at 1.0 or
    their defaults); the number of cases and a line per setting that differs."""
    count, lines = 0, []
    base = {p: 1.0 for p in settings} if label in CALLS and len(settings) > 1 and label.startswith("mt.") else {}
    for name in settings:
        for value in SETTING_VALUES:
            value += OFFSETS.get(name, 0.0)
            for kind, make in KINDS.items():
                given = make(value)
                if name == "betas":
                    given = (given, make(0.99))
                want = tuple(float(v) for v in given) if name == "betas" else float(given)
                count += 1
                a, b = outcome(fn, {**base, name: given}), outcome(fn, {**base, name: want})
                refused = a[0].startswith("E:") and (kind.startswith("0-d") or b[0].startswith("E:"))
                if not refused and not _same(a, b):  # (a 0-d array refused where a number is taken: not silent)
                    lines.append(f"{label} {name}={kind}({value}): {a[0]} | {b[0]}")
                    break
            else:
                continue
            break
    return count, lines


def main() -> int:
    warnings.simplefilter("ignore")
    _more_calls()
    count, lines = 0, []
    for owner, prefix in ((F, "F."), (mt.Tensor, "Tensor."), (mt, "mt.")):
        names = set(dir(owner)) | (set(F._TENSOR_ONLY) | set(F._ELSEWHERE) if owner is F else set())  # (F's lazy names)
        for name in sorted(names):
            if name.startswith("_") or name in RANDOM or prefix + name in CALLS:
                continue
            try:
                fn = getattr(owner, name)
            except Exception:  # noqa: BLE001, S112 - a name PyTorch has and MyTorch refuses
                continue
            settings = float_settings(fn)
            if not settings or not callable(fn) or inspect.isclass(fn):
                continue
            call = (lambda t, _n=name, **k: getattr(t, _n)(**k)) if owner is mt.Tensor else fn
            if outcome(call, {})[0].startswith("E:"):
                continue  # (needs more arguments: the ones that matter are in CALLS)
            n, found = check(prefix + name, call, settings)
            count, lines = count + n, lines + found
    for label, (fn, settings) in CALLS.items():
        n, found = check(label, fn, settings)
        count, lines = count + n, lines + found
    print(f"{count} cases, {X.dtype} inputs, NumPy {np.__version__}", file=sys.stderr)
    print("\n".join(lines) if lines else "no differences")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())

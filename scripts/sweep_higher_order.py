# ruff: noqa: E501 - a table of written-out calls, one a line
"""Sweep MyTorch's second derivatives against PyTorch's, name by name (float64, CPU).

For every function of the ``mytorch`` namespace, every ``Tensor`` method and every
``nn.functional`` function that PyTorch also has, the sweep tries a few call shapes (one
tensor; a dim, keepdim; a second tensor of the same, a broadcast or a matrix shape; a number)
on a few kinds of input (random, ties, zeros, transposed, expanded). Where PyTorch accepts the
call and gives a float result that depends on a tensor, it compares, for
L(x) = <w, f(x)> + <w2, f(x)²>:

* the gradient recorded with ``create_graph=True``;
* the Hessian-vector product, reverse over reverse (grad of <v, grad L>);
* the same product forward over reverse (``func.jvp`` of ``func.grad``) against PyTorch's
  reverse-over-reverse one;
* optionally (``--third``) the third derivative along v, u.

Run: ``python scripts/sweep_higher_order.py [--only NAME] [--third] [--show-skips]``; prints
one line per mismatch or crash and the counts at the end.
"""

from __future__ import annotations

import argparse
import traceback
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

import mytorch as mt
from mytorch import func

RTOL, ATOL = 1e-7, 1e-8
rng = np.random.default_rng(0)
BASE = rng.standard_normal((3, 4))
INPUTS: dict[str, Callable[[], np.ndarray]] = {
    "random": lambda: BASE.copy(),
    "positive": lambda: np.abs(BASE) + 0.3,
    "ties": lambda: np.array([[1.0, 1.0, -0.5, 2.0], [0.3, -0.7, 0.3, 0.3], [2.0, 2.0, 2.0, 2.0]]),
    "zeros": lambda: np.array([[0.0, 1.5, -0.5, 0.0], [0.0, 0.0, 0.0, 0.0], [-2.0, 0.0, 0.7, 1.1]]),
}
# Layouts: how the (3, 4) input reaches the op (transposed and expanded views of another array).
LAYOUTS: dict[str, Callable[[Any], Any]] = {
    "plain": lambda t: t,
    "transposed": lambda t: t.t().contiguous().t(),
    "expanded": lambda t: t[:1].expand(3, 4),
}
SECOND_SHAPES = {"same": (3, 4), "bcast": (4,), "matrix": (4, 3), "col": (3, 1)}


def _call_shapes() -> list[tuple[str, Callable[[Any, Any, Any], Any]]]:
    """(label, call(f, x, y)) pairs: the argument patterns tried for each name."""
    return [
        ("x", lambda f, x, y: f(x)),
        ("x,dim=1", lambda f, x, y: f(x, dim=1)),
        ("x,dim=0,keepdim", lambda f, x, y: f(x, dim=0, keepdim=True)),
        ("x,1", lambda f, x, y: f(x, 1)),
        ("x,y", lambda f, x, y: f(x, y)),
        ("x,0.7", lambda f, x, y: f(x, 0.7)),
        ("x,2", lambda f, x, y: f(x, 2)),
    ]


def _float_outputs(out: Any) -> list[Any]:
    """The floating tensors of a result (a tensor, a tuple or a named tuple of them)."""
    items = out if isinstance(out, (tuple, list)) else [out]
    found = []
    for o in items:
        if isinstance(o, (torch.Tensor, mt.Tensor)) and o.dtype in (torch.float64, np.float64) and o.numel() > 0:
            found.append(o)
    return found


def _arr(t: Any) -> np.ndarray:
    if t is None:
        return None  # type: ignore[return-value]
    if isinstance(t, torch.Tensor):
        return t.detach().numpy().copy()
    return np.array(t.detach().numpy() if isinstance(t, mt.Tensor) else t)


def _weights(outs: list[Any], seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    r = np.random.default_rng(seed)
    return [(r.standard_normal(tuple(o.shape)), r.standard_normal(tuple(o.shape))) for o in outs]


def _loss(L: Any, outs: list[Any], ws: list[tuple[np.ndarray, np.ndarray]]) -> Any:
    total = 0
    for o, (w, w2) in zip(outs, ws):
        total = total + (o * L.tensor(w)).sum() + (o * o * L.tensor(w2)).sum()
    return total


def derivatives(
    L: Any, call: Callable[[Any], Any], arrays: list[np.ndarray], vs: list[np.ndarray], third: bool
) -> dict[str, Any]:
    """First, second (and third) derivatives of the sweep's loss in library L."""
    xs = [L.tensor(a.copy(), requires_grad=True) for a in arrays]
    outs = _float_outputs(call(*xs))
    if not outs:
        raise LookupError("no float output")
    loss = _loss(L, outs, _weights(outs, 1))
    grads = L.autograd.grad(loss, xs, create_graph=True, allow_unused=True)
    res: dict[str, Any] = {"first": [_arr(g) for g in grads]}
    s = sum((g * L.tensor(v)).sum() for g, v in zip(grads, vs) if g is not None and g.requires_grad)
    if not isinstance(s, (torch.Tensor, mt.Tensor)):
        res["second"] = [None] * len(xs)
        return res
    seconds = L.autograd.grad(s, xs, create_graph=third, allow_unused=True)
    res["second"] = [_arr(g) for g in seconds]
    if third:
        u = np.random.default_rng(5)
        t3 = sum((g * L.tensor(u.standard_normal(g.shape))).sum() for g in seconds if g is not None and g.requires_grad)
        if isinstance(t3, (torch.Tensor, mt.Tensor)):
            res["third"] = [_arr(g) for g in L.autograd.grad(t3, xs, allow_unused=True)]
        else:
            res["third"] = [None] * len(xs)
    return res


def first_gradient(L: Any, call: Callable[[Any], Any], arrays: list[np.ndarray]) -> list[np.ndarray]:
    """The gradient of the sweep's loss, first order only."""
    xs = [L.tensor(a.copy(), requires_grad=True) for a in arrays]
    outs = _float_outputs(call(*xs))
    grads = L.autograd.grad(_loss(L, outs, _weights(outs, 1)), xs, allow_unused=True)
    return [np.zeros_like(a) if g is None else _arr(g) for g, a in zip(grads, arrays)]


def differences(
    call: Callable[[Any], Any], arrays: list[np.ndarray], vs: list[np.ndarray], eps: float = 1e-6
) -> dict[str, Any] | None:
    """First derivatives by PyTorch and the Hessian-vector product as central differences of
    them along v (for an operation PyTorch differentiates once only); None if it cannot."""
    try:
        first = first_gradient(torch, call, arrays)
        up = first_gradient(torch, call, [a + eps * v for a, v in zip(arrays, vs)])
        down = first_gradient(torch, call, [a - eps * v for a, v in zip(arrays, vs)])
    except Exception:  # noqa: BLE001
        return None
    return {"first": first, "second": [(u - d) / (2 * eps) for u, d in zip(up, down)], "differences": True}


def forward_over_reverse(
    L: Any, call: Callable[[Any], Any], arrays: list[np.ndarray], vs: list[np.ndarray]
) -> list[np.ndarray]:
    """The Hessian-vector product by func.jvp of func.grad in library L."""
    n = len(arrays)
    transforms = torch.func if L is torch else func

    def loss(*xs: Any) -> Any:
        outs = _float_outputs(call(*xs))
        return _loss(L, outs, _weights(outs, 1))

    g = transforms.grad(loss, argnums=tuple(range(n)))
    _, tangent = transforms.jvp(g, tuple(L.tensor(a.copy()) for a in arrays), tuple(L.tensor(v) for v in vs))
    return [_arr(t) for t in tangent]


TORCH_NONFINITE: list[int] = [0]  # comparisons where only PyTorch's value was NaN or inf and MyTorch's finite

# Mismatches looked into and not MyTorch's to fix: (part of the line, why)
KNOWN: list[tuple[str | tuple[str, ...], str]] = [
    ("median(x,dim=0,keepdim) on random/expanded", "PyTorch 2.13's median of an expanded tensor gives wrong values"),
    ("logit(x,", "an eps of 0.5 or more clamps to an empty interval"),
    ("logit_(x,", "an eps of 0.5 or more clamps to an empty interval"),
    ("xlogy(x,y/", "x = 0 beside a negative y: outside xlogy's domain"),
    ("xlogy_(x,y/", "x = 0 beside a negative y: outside xlogy's domain"),
    ("prelu(x,y/bcast) on zeros", "at x = 0 PyTorch's double backward mixes the two branches (2a, not 2a² or 2)"),
    (
        "qr(x) on random/expanded",
        "a rank-1 matrix: R is singular, the gradient undefined (both libraries give huge numbers)",
    ),
    ("qr(x) on zeros", "a zero row makes R singular: MyTorch raises LinAlgError, PyTorch gives inf and NaN"),
    ("svd(x) on", "repeated or zero singular values: RuntimeError, documented"),
    ("scatter_reduce amax ties", "PyTorch counts the input in a tie with include_self=False and drops its share"),
    ("hardsigmoid kink", "central differences across the kinks at -3 and 3"),
    ("logical_", "PyTorch keeps the stale grad_fn of a tensor a logical_*_ overwrote"),
    ("pow(x,y/", "0 to a negative power: inf and NaN placed differently"),
    ("pow_(x,y/", "0 to a negative power: inf and NaN placed differently"),
    ("float_power", "0 to a negative power: inf and NaN placed differently"),
    ("pdist(x,1) on ties", "central differences across the kinks of |a - b| at equal entries"),
    ("pdist(x,1) on zeros", "central differences across the kinks of |a - b| at equal entries"),
    ("pdist(x,0.7) on ties", "central differences across the kinks of |a - b| at equal entries"),
    ("pdist(x,0.7) on zeros", "central differences across the kinks of |a - b| at equal entries"),
]


NORMS_THIRD = (
    "PyTorch 2.13's third derivatives of the norms disagree with differences of its own second; MyTorch's agree"
)
KNOWN += [((norm, "third derivative"), NORMS_THIRD) for norm in ("layer_norm", "instance_norm", "batch_norm")]


def known(line: str) -> str | None:
    """Why a mismatch line is not MyTorch's to fix, or None (a part: one string or all of a tuple)."""
    for part, why in KNOWN:
        if all(p in line for p in ((part,) if isinstance(part, str) else part)):
            return why
    return None


def _close(a: Any, b: Any, like: np.ndarray, loose: bool = False) -> bool:
    a = np.zeros_like(like) if a is None else np.asarray(a, dtype=float)
    b = np.zeros_like(like) if b is None else np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return False
    only_theirs = (~np.isfinite(b) & np.isfinite(a)) | (np.isnan(b) & ~np.isnan(a))  # (PyTorch's NaN: 0 slopes, kinks)
    if only_theirs.any():
        TORCH_NONFINITE[0] += 1
        a, b = np.where(only_theirs, 0.0, a), np.where(only_theirs, 0.0, b)
    if loose:
        return bool(np.allclose(a, b, rtol=1e-5, atol=1e-5 * max(1.0, float(np.abs(b).max(initial=0.0)))))
    return bool(np.allclose(a, b, rtol=RTOL, atol=ATOL, equal_nan=True))


def compare(
    label: str,
    call_t: Callable[..., Any],
    call_m: Callable[..., Any],
    arrays: list[np.ndarray],
    third: bool,
    fwd: bool = True,
) -> list[str]:
    """Mismatch lines for one case ('' list when it agrees); raises LookupError when PyTorch refuses it."""
    vr = np.random.default_rng(3)
    vs = [vr.standard_normal(a.shape) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            try:
                theirs = derivatives(torch, call_t, arrays, vs, third)
            except LookupError:
                raise
            except Exception:  # noqa: BLE001 - PyTorch differentiates twice only (abs, norm 1): no third order
                if not third:
                    raise
                third = False
                theirs = derivatives(torch, call_t, arrays, vs, third)
        except LookupError:
            raise
        except Exception as e:  # noqa: BLE001 - PyTorch refusing the call: not a case
            theirs = differences(call_t, arrays, vs)
            if theirs is None:
                raise LookupError(f"torch: {type(e).__name__}") from e
            label += " (second order against differences of PyTorch's first)"
            third = False
        problems = []
        try:
            call_m(*(mt.tensor(a.copy(), requires_grad=True) for a in arrays))
        except Exception as e:  # noqa: BLE001 - a forward refusal is not a derivative's problem
            raise LookupError(f"mytorch refuses the call: {type(e).__name__}: {str(e)[:120]}") from e
        try:
            mine = derivatives(mt, call_m, arrays, vs, third)
        except LookupError:  # (no float output: nothing to compare)
            raise
        except Exception as e:  # noqa: BLE001
            tb = traceback.format_exc().strip().splitlines()[-1]
            return [f"{label}: CRASH {type(e).__name__}: {str(e)[:160]} | {tb[:120]}"]
        loose = "differences" in theirs
        for order in ("first", "second", "third"):
            if order not in theirs:
                continue
            for i, a in enumerate(arrays):
                if not _close(mine[order][i], theirs[order][i], a, loose and order == "second"):
                    err = _maxerr(mine[order][i], theirs[order][i], a)
                    problems.append(f"{label}: {order} derivative of input {i} differs (max abs err {err})")
        if fwd and not problems:
            # PyTorch's reverse over reverse, or its own forward over reverse where it has one: at a
            # rank-deficient pinv the two differ; for cholesky_inverse and triangular_solve its
            # forward over reverse is off (differences agree with reverse over reverse)
            try:
                other = forward_over_reverse(torch, call_t, arrays, vs)
            except Exception:  # noqa: BLE001
                other = theirs["second"]
            try:
                fr = forward_over_reverse(mt, call_m, arrays, vs)
                for i, a in enumerate(arrays):
                    reference = theirs["second"]
                    if not _close(fr[i], reference[i], a, loose) and not _close(fr[i], other[i], a, loose):
                        err = _maxerr(fr[i], theirs["second"][i], a)
                        problems.append(f"{label}: forward-over-reverse HVP of input {i} differs (max abs err {err})")
            except Exception as e:  # noqa: BLE001
                problems.append(f"{label}: forward-over-reverse CRASH {type(e).__name__}: {str(e)[:160]}")
    return problems


def _maxerr(a: Any, b: Any, like: np.ndarray) -> str:
    a = np.zeros_like(like) if a is None else np.asarray(a, dtype=float)
    b = np.zeros_like(like) if b is None else np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return f"shapes {a.shape} vs {b.shape}"
    with np.errstate(invalid="ignore"):
        d = np.abs(a - b)
    return f"{np.nanmax(d):.3g}" + (" nan-mismatch" if (np.isnan(a) != np.isnan(b)).any() else "")


SKIP = {
    # random, in-place, constructors, comparisons or not differentiable
    "rand",
    "randn",
    "rand_like",
    "randn_like",
    "randint",
    "randint_like",
    "randperm",
    "bernoulli",
    "multinomial",
    "normal",
    "poisson",
    "dropout",
    "alpha_dropout",
    "feature_alpha_dropout",
    "dropout1d",
    "dropout2d",
    "dropout3d",
    "rrelu",
    "gumbel_softmax",
    "empty_like",
    "zeros_like",
    "ones_like",
    "full_like",
    "tensor",
    "as_tensor",
    "from_numpy",
    "manual_seed",
    "seed",
    "save",
    "load",
    "set_printoptions",
    "numel",
    "is_tensor",
    "is_storage",
    "backward",
    "register_hook",
    "retain_grad",
    "requires_grad_",
    "detach",
    "detach_",
    "numpy",
    "tolist",
    "item",
    "new_tensor",
    "new_zeros",
    "new_ones",
    "new_empty",
    "new_full",
    "data_ptr",
    "storage",
    "untyped_storage",
    "empty",
    "zeros",
    "ones",
    "full",
    "arange",
    "linspace",
    "logspace",
    "eye",
    "bartlett_window",
    "blackman_window",
    "hamming_window",
    "hann_window",
    "kaiser_window",
    "set_default_dtype",
    "get_default_dtype",
    "compile",
    "vmap",
    "cond",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "inference_mode",
    "share_memory_",
    "apply_",
    "map_",
    "pin_memory",
    "cpu",
    "cuda",
    "to",
    "type",
    "type_as",
    "view_as",
    "expand_as",
    "reshape_as",
    "normal_",
    "uniform_",
    "random_",
    "exponential_",
    "geometric_",
    "cauchy_",
    "log_normal_",
    "bernoulli_",
    "set_",
    "resize_",
    "resize_as_",
    "record_stream",
    "is_nonzero",
    "equal",
    "allclose",
    "isclose",
    "__deepcopy__",
}


def _report(found: list[str], problems: list[str]) -> None:
    """Print the mismatch lines, the known ones marked; keep the others."""
    for line in found:
        why = known(line)
        print(f"known ({why}): {line}" if why else line, flush=True)
        if not why:
            problems.append(line)


def sweep_names(
    lib_t: Any, lib_m: Any, kind: str, only: str | None, third: bool, show_skips: bool
) -> tuple[int, int, list[str]]:
    """Sweep one namespace; returns (names tried, cases compared, problems)."""
    names = sorted(n for n in dir(lib_t) if not n.startswith("_") and hasattr(lib_m, n))
    cases, tried, problems, uncovered = 0, 0, [], []
    for name in names:
        if name in SKIP or (only and name != only):
            continue
        if name.endswith("_") != (kind == "inplace"):
            continue
        ft, fm = getattr(lib_t, name), getattr(lib_m, name)
        if not callable(ft) or not callable(fm) or isinstance(ft, type):
            continue
        tried += 1
        before = cases
        for input_name, make in INPUTS.items():
            for shape_label, pattern in _call_shapes():
                for yshape_name, yshape in SECOND_SHAPES.items():
                    if shape_label != "x,y" and yshape_name != "same":
                        continue
                    x = make()
                    y = np.random.default_rng(2).standard_normal(yshape)
                    if input_name == "positive":
                        y = np.abs(y) + 0.2
                    two = shape_label == "x,y"
                    arrays = [x, y] if two else [x]
                    for layout_name, layout in LAYOUTS.items():
                        if layout_name != "plain" and input_name != "random":
                            continue

                        def caller(f: Any, _p=pattern, _lay=layout, _two=two, _name=name) -> Any:
                            def call(*ts: Any) -> Any:
                                a = _lay(ts[0])
                                b = ts[1] if _two else None
                                if kind == "inplace":  # into a result of the graph, which is then the output
                                    a = a * 1.0
                                    _p(lambda *args, **kw: getattr(a, _name)(*args[1:], **kw), a, b)
                                    return a
                                if kind == "method":
                                    return _p(lambda *args, **kw: getattr(a, _name)(*args[1:], **kw), a, b)
                                return _p(f, a, b)

                            return call

                        call_t, call_m = caller(ft), caller(fm)

                        label = f"{kind} {name}({shape_label}{'/' + yshape_name if two else ''}) on {input_name}/{layout_name}"
                        try:
                            found = compare(label, call_t, call_m, arrays, third)
                        except LookupError as e:
                            if show_skips:
                                print("skip", label, e)
                            continue
                        cases += 1
                        _report(found, problems)
        if cases == before:
            uncovered.append(name)
    print(f"-- {kind}: never compared (no call shape both libraries accept): {' '.join(uncovered)}")
    return tried, cases, problems


# --------------------------------------------------------------------------- calls written out
r1 = np.random.default_rng(11)
IMG = r1.standard_normal((2, 4, 6, 6))
IMG_TIES = np.round(IMG * 2) / 2  # many equal values inside pooling windows
VOL = r1.standard_normal((1, 2, 4, 4, 4))
SIG = r1.standard_normal((2, 4, 9))
KER = r1.standard_normal((6, 2, 3, 3)) * 0.5
KER1 = r1.standard_normal((4, 2, 3)) * 0.5
KER3 = r1.standard_normal((3, 2, 2, 2, 2)) * 0.5
SQ = r1.standard_normal((3, 3)) + 3 * np.eye(3)
SPD = SQ @ SQ.T
ROWS_ZERO = np.array([[0.0, 0.0, 0.0, 0.0], [1.0, 2.0, -1.0, 0.5], [3.0, 3.0, 3.0, 3.0]])  # a zero and a constant row
LOGP = r1.standard_normal((4, 5))
TGT = np.array([0, 4, 2, 2])


def _i(L: Any, a: Any) -> Any:
    return L.tensor(np.asarray(a))


def _F(L: Any) -> Any:  # noqa: N802
    return L.nn.functional


SPECIAL: dict[str, tuple[Callable[..., Any], list[np.ndarray]]] = {
    "conv2d groups dilation": (lambda L, x, w: _F(L).conv2d(x, w[:, :2], groups=2, dilation=2, padding=2), [IMG, KER]),
    "conv2d stride pad reflect-less": (
        lambda L, x, w: _F(L).conv2d(x[:, :2], w, stride=(2, 1), padding=(0, 1)),
        [IMG, KER],
    ),
    "conv2d padding same": (lambda L, x, w: _F(L).conv2d(x[:, :2], w, padding="same"), [IMG, KER]),
    "conv1d groups": (lambda L, x, w: _F(L).conv1d(x, w, groups=2, padding=1, stride=2), [SIG, KER1]),
    "conv3d": (lambda L, x, w: _F(L).conv3d(x, w, padding=1), [VOL, KER3]),
    "conv_transpose2d out_pad dil": (
        lambda L, x, w: _F(L).conv_transpose2d(
            x[:, :2], w.transpose(0, 1)[:, :3], stride=2, output_padding=1, dilation=1
        ),
        [IMG, KER],
    ),
    "conv_transpose2d groups": (lambda L, x, w: _F(L).conv_transpose2d(x, w[:4, :1], groups=2, stride=2), [IMG, KER]),
    "conv_transpose1d": (
        lambda L, x, w: _F(L).conv_transpose1d(x, w.transpose(0, 1)[:2].transpose(0, 1)[:4], stride=3),
        [SIG, KER1],
    ),
    "conv_transpose3d": (lambda L, x, w: _F(L).conv_transpose3d(x, w.transpose(0, 1), stride=2), [VOL, KER3]),
    "max_pool2d ties": (lambda L, x: _F(L).max_pool2d(x, 2), [IMG_TIES]),
    "max_pool2d overlap ties": (lambda L, x: _F(L).max_pool2d(x, 3, 1, 1), [IMG_TIES]),
    "max_pool2d ceil dil": (lambda L, x: _F(L).max_pool2d(x, 2, 2, 1, dilation=2, ceil_mode=True), [IMG]),
    "max_pool1d ceil": (lambda L, x: _F(L).max_pool1d(x, 2, ceil_mode=True), [SIG]),
    "max_pool3d": (lambda L, x: _F(L).max_pool3d(x, 2), [VOL]),
    "avg_pool2d ceil pad no-count": (
        lambda L, x: _F(L).avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
        [IMG],
    ),
    "avg_pool2d divisor": (lambda L, x: _F(L).avg_pool2d(x, 2, divisor_override=3), [IMG]),
    "avg_pool3d": (lambda L, x: _F(L).avg_pool3d(x, 2, 1), [VOL]),
    "adaptive_avg_pool2d 4x5": (lambda L, x: _F(L).adaptive_avg_pool2d(x, (4, 5)), [IMG]),
    "adaptive_max_pool2d 4x4 ties": (lambda L, x: _F(L).adaptive_max_pool2d(x, 4), [IMG_TIES]),
    "adaptive_avg_pool1d 4": (lambda L, x: _F(L).adaptive_avg_pool1d(x, 4), [SIG]),
    "adaptive_max_pool1d 4": (lambda L, x: _F(L).adaptive_max_pool1d(x, 4), [SIG]),
    "adaptive_avg_pool3d": (lambda L, x: _F(L).adaptive_avg_pool3d(x, 3), [VOL]),
    "adaptive_max_pool3d": (lambda L, x: _F(L).adaptive_max_pool3d(x, 3), [VOL]),
    "lp_pool2d p2": (lambda L, x: _F(L).lp_pool2d(x, 2.0, 2), [IMG]),
    "lp_pool2d p3 zeros": (lambda L, x: _F(L).lp_pool2d(x.relu(), 3.0, 2), [IMG]),
    "lp_pool1d": (lambda L, x: _F(L).lp_pool1d(x, 1.5, 3), [np.abs(SIG) + 0.1]),
    "max_unpool2d": (lambda L, x: _F(L).max_unpool2d(*_F(L).max_pool2d(x, 2, return_indices=True), 2), [IMG]),
    "max_unpool1d": (lambda L, x: _F(L).max_unpool1d(*_F(L).max_pool1d(x, 3, return_indices=True), 3), [SIG]),
    "interp nearest-exact": (lambda L, x: _F(L).interpolate(x, scale_factor=1.5, mode="nearest-exact"), [IMG]),
    "interp bilinear ac": (lambda L, x: _F(L).interpolate(x, size=(4, 9), mode="bilinear", align_corners=True), [IMG]),
    "interp bicubic down": (lambda L, x: _F(L).interpolate(x, size=(4, 4), mode="bicubic"), [IMG]),
    "interp trilinear": (lambda L, x: _F(L).interpolate(x, scale_factor=2, mode="trilinear"), [VOL]),
    "interp area": (lambda L, x: _F(L).interpolate(x, size=(3, 4), mode="area"), [IMG]),
    "pad reflect": (lambda L, x: _F(L).pad(x, (2, 1, 1, 2), mode="reflect"), [IMG]),
    "pad replicate": (lambda L, x: _F(L).pad(x, (2, 1, 1, 2), mode="replicate"), [IMG]),
    "pad circular": (lambda L, x: _F(L).pad(x, (2, 1, 1, 2), mode="circular"), [IMG]),
    "pad constant neg": (lambda L, x: _F(L).pad(x, (-1, 2, 1, -2), value=0.5), [IMG]),
    "pixel_unshuffle": (lambda L, x: _F(L).pixel_unshuffle(x, 2), [IMG]),
    "unfold dil pad": (lambda L, x: _F(L).unfold(x, 3, dilation=2, padding=1, stride=2), [IMG]),
    "fold overlap": (lambda L, x: _F(L).fold(x.reshape(2, 4 * 9, 4)[:, :36], (4, 4), 3, stride=1), [IMG]),
    "grid_sample border bicubic-less": (
        lambda L, x, g: _F(L).grid_sample(x, g, padding_mode="border", align_corners=True),
        [IMG, r1.uniform(-1.3, 1.3, (2, 3, 4, 2))],
    ),
    "grid_sample reflection nearest": (
        lambda L, x, g: _F(L).grid_sample(x, g, mode="nearest", padding_mode="reflection"),
        [IMG, r1.uniform(-1.3, 1.3, (2, 3, 4, 2))],
    ),
    "grid_sample zeros bilinear out": (
        lambda L, x, g: _F(L).grid_sample(x, g, mode="bilinear", padding_mode="zeros"),
        [IMG, r1.uniform(-1.3, 1.3, (2, 3, 4, 2))],
    ),
    "layer_norm const row": (
        lambda L, x, w: _F(L).layer_norm(x, (4,), w[0, :4], w[1, :4], eps=1e-5),
        [ROWS_ZERO, LOGP],
    ),
    "layer_norm 2d": (lambda L, x, w: _F(L).layer_norm(x, (6, 6), w[0, 0], w[1, 1]), [IMG, IMG]),
    "rms_norm": (lambda L, x, w: _F(L).rms_norm(x, (4,), w[0, :4]), [ROWS_ZERO, LOGP]),
    "rms_norm eps": (lambda L, x, w: _F(L).rms_norm(x, (6, 6), w[0, 0], eps=1e-3), [IMG, IMG]),
    "instance_norm affine": (
        lambda L, x, w: _F(L).instance_norm(x, weight=w[0, :4, 0, 0], bias=w[1, :4, 0, 1]),
        [IMG, IMG],
    ),
    "batch_norm eval": (
        lambda L, x, w: _F(L).batch_norm(
            x, _i(L, [0.1, 0.2, -0.3, 0.0]), _i(L, [1.0, 2.0, 0.5, 1.5]), w[0, :4, 0, 0], w[1, :4, 0, 0]
        ),
        [IMG, IMG],
    ),
    "batch_norm 3d input": (lambda L, x: _F(L).batch_norm(x, None, None, training=True), [SIG]),
    "group_norm 1 group": (lambda L, x: _F(L).group_norm(x, 1), [IMG]),
    "local_response_norm": (lambda L, x: _F(L).local_response_norm(x, 3, alpha=0.1, k=2.0), [IMG]),
    "hardsigmoid": (lambda L, x: _F(L).hardsigmoid(x * 3), [BASE]),
    "hardsigmoid kink": (lambda L, x: _F(L).hardsigmoid(x), [np.array([[-3.0, 3.0, 0.0, 1.0]])]),
    "threshold": (lambda L, x: _F(L).threshold(x, 0.2, -1.0), [BASE]),
    "embedding padding_idx": (lambda L, w: _F(L).embedding(_i(L, [[0, 1, 1], [2, 1, 0]]), w, padding_idx=1), [BASE]),
    "embedding max_norm": (lambda L, w: _F(L).embedding(_i(L, [[0, 1, 1], [2, 1, 0]]), w * 1.0, max_norm=1.0), [BASE]),
    "embedding_bag sum psw": (
        lambda L, w, p: _F(L).embedding_bag(
            _i(L, [0, 2, 1, 2, 0]), w, _i(L, [0, 2]), mode="sum", per_sample_weights=p[0, :5]
        ),
        [BASE, LOGP],
    ),
    "one_hot @": (lambda L, w: _F(L).one_hot(_i(L, [0, 3, 1]), 4).to(w.dtype) @ w.t(), [BASE]),
    "nll_loss ignore_index": (lambda L, x: _F(L).nll_loss(x.log_softmax(1), _i(L, TGT), ignore_index=2), [LOGP]),
    "nll_loss weight sum": (
        lambda L, x: _F(L).nll_loss(
            x.log_softmax(1), _i(L, TGT), weight=_i(L, [1.0, 2.0, 0.5, 1.0, 3.0]), reduction="sum"
        ),
        [LOGP],
    ),
    "cross_entropy label_smoothing": (lambda L, x: _F(L).cross_entropy(x, _i(L, TGT), label_smoothing=0.2), [LOGP]),
    "cross_entropy probs": (lambda L, x, y: _F(L).cross_entropy(x, y.softmax(1)), [LOGP, LOGP]),
    "cross_entropy ls weight ignore": (
        lambda L, x: _F(L).cross_entropy(
            x, _i(L, TGT), weight=_i(L, [1.0, 2.0, 0.5, 1.0, 3.0]), label_smoothing=0.1, ignore_index=4
        ),
        [LOGP],
    ),
    "binary_cross_entropy": (lambda L, x, y: _F(L).binary_cross_entropy(x.sigmoid(), y.sigmoid()), [LOGP, LOGP]),
    "bce_logits": (
        lambda L, x, y: _F(L).binary_cross_entropy_with_logits(x, y.sigmoid(), reduction="sum"),
        [LOGP, LOGP],
    ),
    "kl_div log_target": (
        lambda L, x, y: _F(L).kl_div(x.log_softmax(1), y.log_softmax(1), reduction="batchmean", log_target=True),
        [LOGP, LOGP],
    ),
    "kl_div": (lambda L, x, y: _F(L).kl_div(x.log_softmax(1), y.softmax(1), reduction="batchmean"), [LOGP, LOGP]),
    "huber delta": (lambda L, x, y: _F(L).huber_loss(x, y, delta=0.7), [LOGP, LOGP * 0.5]),
    "smooth_l1 beta": (lambda L, x, y: _F(L).smooth_l1_loss(x, y, beta=0.7), [LOGP, LOGP * 0.5]),
    "l1 loss": (lambda L, x, y: _F(L).l1_loss(x, y), [LOGP, LOGP * 0.5]),
    "gaussian_nll full": (
        lambda L, x, y, v: _F(L).gaussian_nll_loss(x, y, v.abs() + 0.1, full=True),
        [LOGP, LOGP, LOGP],
    ),
    "gaussian_nll var bcast": (
        lambda L, x, y, v: _F(L).gaussian_nll_loss(x, y, v[:, :1].abs() + 0.1),
        [LOGP, LOGP, LOGP],
    ),
    "poisson_nll full": (
        lambda L, x, y: _F(L).poisson_nll_loss(x.exp(), y.abs() * 3, log_input=False, full=True),
        [LOGP, LOGP],
    ),
    "margin_ranking": (
        lambda L, a, b: _F(L).margin_ranking_loss(a, b, _i(L, [1.0, -1.0, 1.0, -1.0]), margin=0.5),
        [LOGP[:, 0], LOGP[:, 1]],
    ),
    "hinge_embedding": (lambda L, a: _F(L).hinge_embedding_loss(a, _i(L, np.sign(LOGP)), margin=1.0), [LOGP]),
    "soft_margin": (lambda L, a: _F(L).soft_margin_loss(a, _i(L, np.sign(LOGP[::-1].copy()))), [LOGP]),
    "multi_margin p2 weight": (
        lambda L, a: _F(L).multi_margin_loss(a, _i(L, TGT), p=2, margin=1.5, weight=_i(L, [1.0, 2.0, 0.5, 1.0, 3.0])),
        [LOGP],
    ),
    "multilabel_margin-less soft": (
        lambda L, a: _F(L).multilabel_soft_margin_loss(
            a, _i(L, (LOGP > 0) * 1.0), weight=_i(L, [1.0, 2.0, 0.5, 1.0, 3.0])
        ),
        [LOGP],
    ),
    "cosine_embedding margin": (
        lambda L, a, b: _F(L).cosine_embedding_loss(a, b, _i(L, [1.0, -1.0, -1.0, 1.0]), margin=-0.5),
        [LOGP, LOGP[::-1].copy()],
    ),
    "triplet p1 swap": (
        lambda L, a, p, n: _F(L).triplet_margin_loss(a, p, n, p=1, swap=True, margin=3.0),
        [LOGP, LOGP * 0.5, LOGP[::-1].copy()],
    ),
    "triplet_with_distance": (
        lambda L, a, p, n: _F(L).triplet_margin_with_distance_loss(a, p, n, margin=3.0),
        [LOGP, LOGP * 0.5, LOGP[::-1].copy()],
    ),
    "ctc mean": (
        lambda L, x: _F(L).ctc_loss(x.reshape(5, 1, 4).log_softmax(2), _i(L, [[1, 1]]), _i(L, [5]), _i(L, [2])),
        [r1.standard_normal((5, 4))],
    ),
    "bilinear": (
        lambda L, a, b, w: _F(L).bilinear(a, b, w.reshape(2, 4, 5)[:, :, :5], None),
        [LOGP[:, :4], LOGP, r1.standard_normal((40,))],
    ),
    "sdpa causal scale": (
        lambda L, q, k: _F(L).scaled_dot_product_attention(q, k, k * 0.3, is_causal=True, scale=0.5),
        [SIG[:, :3, :4], SIG[:, :3, 4:8]],
    ),
    "pdist p1": (lambda L, x: _F(L).pdist(x, 1.0), [BASE]),
    "cdist p1": (lambda L, x, y: L.cdist(x, y, p=1.0), [BASE, LOGP[:, :4]]),
    "cdist p3": (lambda L, x, y: L.cdist(x, y, p=3.0), [BASE, LOGP[:, :4]]),
    "cdist inf": (lambda L, x, y: L.cdist(x, y, p=float("inf")), [BASE, LOGP[:, :4]]),
    "affine_grid 3d-less": (
        lambda L, t: _F(L).affine_grid(t[:2, :3].reshape(1, 2, 3), (1, 1, 4, 5), align_corners=True),
        [BASE],
    ),
    "addmm": (lambda L, a, b, c: L.addmm(a, b, c, beta=0.5, alpha=2.0), [BASE, BASE, LOGP[:, :4].T.copy()]),
    "addmv": (lambda L, a, b, c: L.addmv(a[:, 0], b, c[0, :4], beta=0.5, alpha=2.0), [BASE, BASE, LOGP]),
    "addbmm": (lambda L, a, b: L.addbmm(a[:2, :2], b.reshape(2, 2, 3), b.reshape(2, 3, 2)), [BASE, LOGP[:, :3]]),
    "baddbmm": (
        lambda L, a, b: L.baddbmm(a.reshape(2, 2, 3)[:, :, :2], b.reshape(2, 2, 3), b.reshape(2, 3, 2), alpha=0.3),
        [BASE, LOGP[:, :3]],
    ),
    "addcmul": (lambda L, a, b, c: L.addcmul(a, b, c, value=0.7), [BASE, BASE.T.copy().T, LOGP[:3, :4]]),
    "addcdiv": (lambda L, a, b, c: L.addcdiv(a, b, c.abs() + 0.5, value=0.7), [BASE, BASE, LOGP[:3, :4]]),
    "lerp tensor weight": (lambda L, a, b, w: L.lerp(a, b, w), [BASE, LOGP[:3, :4], LOGP[1:, :4]]),
    "lerp scalar": (lambda L, a, b: L.lerp(a, b, 0.3), [BASE, LOGP[:3, :4]]),
    "bmm": (lambda L, a, b: L.bmm(a.reshape(2, 2, 3), b.reshape(2, 3, 2)), [BASE, LOGP[:, :3]]),
    "dot": (lambda L, a, b: L.dot(a[0], b[0, :4]), [BASE, LOGP]),
    "outer": (lambda L, a, b: L.outer(a[0], b[0]), [BASE, LOGP]),
    "einsum trace": (lambda L, a: L.einsum("ii->", a), [SQ]),
    "einsum batch": (
        lambda L, a, b: L.einsum("bij,bjk->bik", a.reshape(2, 2, 3), b.reshape(2, 3, 2)),
        [BASE, LOGP[:, :3]],
    ),
    "einsum diag": (lambda L, a, b: L.einsum("ii,ij->j", a, b), [SQ, BASE]),
    "det": (lambda L, a: L.det(a), [SQ]),
    "slogdet": (lambda L, a: L.slogdet(a)[1], [SQ]),
    "logdet": (lambda L, a: L.logdet(a), [SPD]),
    "inverse": (lambda L, a: L.inverse(a), [SQ]),
    "matrix_power 3": (lambda L, a: L.matrix_power(a, 3), [SQ]),
    "matrix_power -2": (lambda L, a: L.matrix_power(a, -2), [SQ]),
    "matrix_exp": (lambda L, a: L.matrix_exp(a * 0.5), [SQ]),
    "cholesky": (lambda L, a: L.cholesky(a @ a.mT + L.eye(3, dtype=L.float64)), [SQ]),
    "cholesky_solve": (lambda L, b, a: L.cholesky_solve(b, L.linalg.cholesky(a @ a.mT)), [BASE[:, :2], SQ]),
    "cholesky_inverse": (lambda L, a: L.cholesky_inverse(L.linalg.cholesky(a @ a.mT)), [SQ]),
    "triangular_solve": (lambda L, b, a: L.triangular_solve(b, a, upper=False)[0], [BASE[:, :2], SQ]),
    "linalg.solve_triangular": (
        lambda L, a, b: L.linalg.solve_triangular(a.triu(), b, upper=True, left=False),
        [SQ, BASE.T.copy()],
    ),
    "lu_solve": (lambda L, a, b: L.linalg.lu_solve(*L.linalg.lu_factor(a), b), [SQ, BASE[:, :2]]),
    "lu_unpack": (lambda L, a: L.lu_unpack(*L.linalg.lu_factor(a))[1], [SQ]),
    "linalg.lu square": (lambda L, a: L.linalg.lu(a)[2], [SQ]),
    "linalg.lu tall L": (lambda L, a: L.linalg.lu(a)[1], [BASE.T.copy()]),
    "linalg.qr tall": (lambda L, a: L.linalg.qr(a)[0] * L.linalg.qr(a)[1].diagonal().sign(), [BASE.T.copy()]),
    "linalg.qr square R": (lambda L, a: L.linalg.qr(a)[1], [SQ]),
    "linalg.eigh": (lambda L, a: L.linalg.eigh(a + a.mT)[0], [SQ]),
    "linalg.matrix_norm fro": (lambda L, a: L.linalg.matrix_norm(a), [SQ]),
    "linalg.matrix_norm nuc": (lambda L, a: L.linalg.matrix_norm(a, "nuc"), [SQ]),
    "linalg.matrix_norm 2": (lambda L, a: L.linalg.matrix_norm(a, 2), [SQ]),
    "linalg.matrix_norm 1": (lambda L, a: L.linalg.matrix_norm(a, 1), [SQ]),
    "linalg.vector_norm 0.5": (lambda L, a: L.linalg.vector_norm(a, 0.5, dim=1), [BASE]),
    "linalg.vector_norm -inf": (lambda L, a: L.linalg.vector_norm(a, float("-inf"), dim=1), [BASE]),
    "linalg.norm": (lambda L, a: L.linalg.norm(a, dim=(0, 1)), [BASE]),
    "linalg.cross": (lambda L, a, b: L.linalg.cross(a, b), [BASE[:, :3], LOGP[:3, :3]]),
    "linalg.vecdot": (lambda L, a, b: L.linalg.vecdot(a, b), [BASE, LOGP[:3, :4]]),
    "linalg.multi_dot": (lambda L, a, b, c: L.linalg.multi_dot([a, b, c]), [BASE, BASE.T.copy(), SQ]),
    "linalg.lstsq": (lambda L, a, b: L.linalg.lstsq(a, b).solution, [BASE.T.copy(), LOGP[:4, :2]]),
    "linalg.svd S": (lambda L, a: L.linalg.svd(a, full_matrices=False)[1], [BASE]),
    "linalg.inv_ex": (lambda L, a: L.linalg.inv_ex(a)[0], [SQ]),
    "linalg.solve left false": (lambda L, a, b: L.linalg.solve(a, b, left=False), [SQ, BASE.T.copy()]),
    "renorm": (lambda L, a: L.renorm(a, 2, 0, 1.5), [BASE]),
    "polygamma 1": (lambda L, a: L.polygamma(1, a.abs() + 0.5), [BASE]),
    "polygamma 2": (lambda L, a: L.polygamma(2, a.abs() + 0.5), [BASE]),
    "mvlgamma": (lambda L, a: L.mvlgamma(a.abs() + 2.0, 2), [BASE]),
    "masked_select": (lambda L, a: L.masked_select(a, _i(L, BASE > 0)), [BASE]),
    "narrow": (lambda L, a: L.narrow(a, 1, 1, 2), [BASE]),
    "select": (lambda L, a: L.select(a, 1, 2), [BASE]),
    "put": (lambda L, a, v: a.put(_i(L, [0, 5, 5]), v[0, :3], accumulate=True), [BASE, LOGP]),
    "index_fill": (lambda L, a: a.index_fill(1, _i(L, [0, 2]), -1.0), [BASE]),
    "index_add alpha": (lambda L, a, v: a.index_add(0, _i(L, [2, 2, 0]), v[:3, :4], alpha=0.5), [BASE, LOGP]),
    "index_copy": (lambda L, a, v: a.index_copy(1, _i(L, [3, 1]), v[:3, :2]), [BASE, LOGP]),
    "scatter value": (lambda L, a: a.scatter(1, _i(L, [[0, 1], [2, 2], [3, 0]]), 0.5), [BASE]),
    "scatter_reduce mean": (
        lambda L, a, v: a.scatter_reduce(1, _i(L, [[0, 1, 1], [2, 2, 2], [3, 0, 3]]), v[:3, :3], "mean"),
        [BASE, LOGP],
    ),
    "scatter_reduce amax ties": (
        lambda L, a, v: a.scatter_reduce(1, _i(L, [[0, 1, 1], [2, 2, 2], [3, 0, 3]]), v, "amax", include_self=False),
        [np.ones((3, 4)), np.array([[1.0, 2.0, 2.0], [0.5, 0.5, 0.1], [3.0, 1.0, 3.0]])],
    ),
    "scatter_reduce amin self": (
        lambda L, a, v: a.scatter_reduce(1, _i(L, [[0, 1, 1], [2, 2, 2], [3, 0, 3]]), v, "amin"),
        [np.ones((3, 4)), np.array([[1.0, 2.0, 2.0], [0.5, 0.5, 0.1], [3.0, 1.0, 3.0]])],
    ),
    "scatter_reduce prod": (
        lambda L, a, v: a.scatter_reduce(1, _i(L, [[0, 1, 1], [2, 2, 2], [3, 0, 3]]), v, "prod"),
        [BASE, LOGP[:3, :3]],
    ),
    "gather dup": (lambda L, a: L.gather(a, 0, _i(L, [[0, 0, 2, 2], [1, 1, 1, 0]])), [BASE]),
    "take": (lambda L, a: L.take(a, _i(L, [[0, 11], [11, 3]])), [BASE]),
    "take_along_dim": (lambda L, a: L.take_along_dim(a, _i(L, [[0], [3], [1]]), dim=1), [BASE]),
    "take_along_dim argsort": (lambda L, a: L.take_along_dim(a, a.argsort(1), dim=1), [BASE]),
    "index_select dup": (lambda L, a: L.index_select(a, 1, _i(L, [3, 3, 0])), [BASE]),
    "masked_fill": (lambda L, a: L.masked_fill(a, _i(L, BASE > 0), 2.0), [BASE]),
    "masked_scatter": (lambda L, a, v: a.masked_scatter(_i(L, BASE > 0), v), [BASE, LOGP]),
    "where": (lambda L, a, b: L.where(a > 0, a**2, b), [BASE, LOGP[:3, :4]]),
    "where scalar": (lambda L, a: L.where(a > 0, a, 0.0), [BASE]),
    "cat dim1": (lambda L, a, b: L.cat([a, b, a], 1), [BASE, LOGP[:3]]),
    "stack dim2": (lambda L, a, b: L.stack([a, b], 2), [BASE, LOGP[:3, :4]]),
    "hstack vstack dstack": (lambda L, a: L.dstack([L.hstack([a, a]), L.vstack([a, a])[:3].repeat(1, 2)]), [BASE]),
    "column_stack": (lambda L, a, b: L.column_stack([a[:, 0], b]), [BASE, LOGP[:3]]),
    "dsplit": (lambda L, a: L.dsplit(a.reshape(3, 2, 2), 2)[1], [BASE]),
    "tile": (lambda L, a: L.tile(a, (2, 1, 2)), [BASE]),
    "repeat_interleave": (lambda L, a: L.repeat_interleave(a, _i(L, [1, 0, 2]), dim=0), [BASE]),
    "flip roll": (lambda L, a: L.roll(L.flip(a, [0, 1]), (1, -1), (0, 1)), [BASE]),
    "rot90": (lambda L, a: L.rot90(a, 3, (0, 1)), [BASE]),
    "movedim": (lambda L, a: L.movedim(a.reshape(3, 2, 2), 0, 2), [BASE]),
    "unflatten": (lambda L, a: L.unflatten(a, 1, (2, 2)), [BASE]),
    "unfold method": (lambda L, a: a.unfold(1, 2, 1), [BASE]),
    "as_strided": (lambda L, a: L.as_strided(a, (2, 2), (1, 2)), [BASE]),
    "diagonal offset": (lambda L, a: L.diagonal(a, 1), [BASE]),
    "diag_embed": (lambda L, a: L.diag_embed(a, 1), [BASE]),
    "tril triu": (lambda L, a: L.tril(a, -1) + L.triu(a, 2), [BASE]),
    "trace": (lambda L, a: L.trace(a), [BASE]),
    "kron": (lambda L, a, b: L.kron(a[:2, :2], b[:2, :3]), [BASE, LOGP]),
    "cartesian_prod": (lambda L, a, b: L.cartesian_prod(a[0], b[0, :2]), [BASE, LOGP]),
    "combinations": (lambda L, a: L.combinations(a[0], 2), [BASE]),
    "meshgrid": (
        lambda L, a, b: L.meshgrid(a[0], b[0, :3], indexing="ij")[0] * L.meshgrid(a[0], b[0, :3], indexing="ij")[1],
        [BASE, LOGP],
    ),
    "polar": (lambda L, a, b: L.view_as_real(L.polar(a.abs() + 0.1, b)), [BASE, LOGP[:3, :4]]),
    "complex abs": (lambda L, a, b: L.complex(a, b).abs(), [BASE, LOGP[:3, :4]]),
    "view_as_complex": (lambda L, a: L.view_as_complex(a.reshape(3, 2, 2)).angle(), [BASE]),
    "stft": (
        lambda L, a: L.view_as_real(L.stft(a[0], 8, 2, window=L.hann_window(8, dtype=L.float64), return_complex=True)),
        [r1.standard_normal((2, 20))],
    ),
    "fft rfft": (lambda L, a: L.view_as_real(L.fft.rfft(a, dim=1, norm="ortho")), [BASE]),
    "fft irfft": (lambda L, a: L.fft.irfft(L.complex(a, a.flip(0)), n=5), [BASE]),
    "fft fft2 abs": (lambda L, a: L.fft.fft2(a).abs(), [BASE]),
    "cumulative_trapezoid": (lambda L, a: L.cumulative_trapezoid(a, dim=1), [BASE]),
    "trapezoid x": (lambda L, a, b: L.trapezoid(a, b.cumsum(1), dim=1), [BASE, np.abs(LOGP[:3, :4])]),
    "cummax ties": (lambda L, a: L.cummax(a, 1)[0], [np.array([[1.0, 1.0, 0.5, 2.0], [2.0, 2.0, 2.0, 3.0]])]),
    "cummin": (lambda L, a: L.cummin(a, 0)[0], [BASE]),
    "diff": (lambda L, a: L.diff(a, 2, dim=1), [BASE]),
    "histc-less quantile": (lambda L, a: L.quantile(a, 0.3, dim=1), [BASE]),
    "quantile ties": (
        lambda L, a: L.quantile(a, _i(L, [0.25, 0.5]), dim=1, interpolation="linear"),
        [np.array([[1.0, 1.0, 0.5, 2.0]])],
    ),
    "nanquantile": (lambda L, a: L.nanquantile(a, 0.7), [BASE]),
    "kthvalue": (lambda L, a: L.kthvalue(a, 2, 1)[0], [BASE]),
    "mode": (lambda L, a: L.mode(a, 1)[0], [np.array([[1.0, 1.0, 0.5, 2.0], [2.0, 3.0, 3.0, 3.0]])]),
    "std_mean correction": (lambda L, a: L.std_mean(a, 1, correction=0)[0] + L.var_mean(a, 0)[0].sum(), [BASE]),
    "var unbiased const": (lambda L, a: L.var(a, 1), [ROWS_ZERO]),
    "std const row": (lambda L, a: L.std(a, 1), [ROWS_ZERO]),
    "norm p=0.5 dim": (lambda L, a: L.norm(a, 0.5, 1), [BASE]),
    "dist": (lambda L, a, b: L.dist(a, b, 3), [BASE, LOGP[:3, :4]]),
    "logsumexp all -inf-less": (lambda L, a: L.logsumexp(a, (0, 1)), [BASE]),
    "softmax dim0 transposed": (lambda L, a: L.softmax(a.t(), 0), [BASE]),
    "log_softmax dtype-less": (lambda L, a: L.log_softmax(a, 0), [ROWS_ZERO]),
    "cumprod zeros": (lambda L, a: L.cumprod(a, 1), [ROWS_ZERO]),
    "prod zeros dim": (lambda L, a: L.prod(a, 1), [ROWS_ZERO]),
    "prod two zeros": (lambda L, a: L.prod(a), [np.array([[0.0, 2.0], [0.0, 3.0]])]),
    "clamp tensor bounds": (lambda L, a, lo, hi: L.clamp(a, lo, hi), [BASE, LOGP[:3, :4] - 1, LOGP[1:, :4] + 1]),
    "polynomial pow scalar tensor": (lambda L, a: L.pow(2.5, a), [BASE]),
    "pow int exponent zeros": (lambda L, a: a**2 + a**3 + a ** (-0.0), [ROWS_ZERO]),
    "sqrt rsqrt": (lambda L, a: a.sqrt() + a.rsqrt(), [np.abs(BASE) + 0.2]),
    "frac fmod remainder": (
        lambda L, a, b: L.fmod(a, b.abs() + 0.3) + L.remainder(a, b.abs() + 0.3),
        [BASE * 3, LOGP[:3, :4]],
    ),
    "atan2 zeros": (lambda L, a, b: L.atan2(a, b), [ROWS_ZERO, LOGP[:3, :4]]),
    "hypot": (lambda L, a, b: L.hypot(a, b), [BASE, LOGP[:3, :4]]),
    "erfinv": (lambda L, a: L.erfinv(a.tanh() * 0.9), [BASE]),
    "i0 special": (lambda L, a: L.special.i0e(a) + L.special.i1(a) + L.special.i1e(a), [BASE]),
    "special xlog1py entr": (
        lambda L, a, b: L.special.xlog1py(a, b.abs()) + L.special.entr(b.abs()),
        [BASE, LOGP[:3, :4]],
    ),
    "special log_ndtr ndtri": (lambda L, a: L.special.log_ndtr(a) + L.special.ndtri(a.sigmoid()), [BASE]),
    "special erfcx": (lambda L, a: L.special.erfcx(a), [BASE]),
    "special zeta": (lambda L, a: L.special.zeta(a.abs() + 1.5, 2.0), [BASE]),
    "nn.functional.softmax dtype": (lambda L, a: _F(L).softmax(a, 1, dtype=L.float64), [BASE]),
    "gumbel-less celu": (lambda L, a: _F(L).celu(a, 0.5), [BASE]),
    "mish silu": (lambda L, a: _F(L).mish(a) + _F(L).silu(a), [BASE]),
    "leaky_relu slope": (lambda L, a: _F(L).leaky_relu(a, 0.2), [BASE]),
    "elu zero": (lambda L, a: _F(L).elu(a, 2.0), [ROWS_ZERO]),
    "hardtanh range": (lambda L, a: _F(L).hardtanh(a, -0.5, 0.7), [BASE]),
    "glu dim0": (lambda L, a: _F(L).glu(a.t(), 0), [BASE]),
}


def _strided(t: Any) -> Any:
    """The same values in a column-major (non-contiguous) layout: the last two axes swapped,
    copied, swapped back (a tensor of fewer than two axes as it is)."""
    return t.transpose(-1, -2).contiguous().transpose(-1, -2) if t.ndim >= 2 else t


def sweep_special(only: str | None, third: bool) -> tuple[int, list[str]]:
    """Compare the written-out calls; returns (cases compared, problems)."""
    cases, problems = 0, []
    for name, (f, arrays) in SPECIAL.items():
        if only and name != only:
            continue

        for layout in ("plain", "column-major"):

            def call_t(*ts: Any, _f=f, _lay=layout) -> Any:
                return _f(torch, *(_strided(t) if _lay != "plain" else t for t in ts))

            def call_m(*ts: Any, _f=f, _lay=layout) -> Any:
                return _f(mt, *(_strided(t) if _lay != "plain" else t for t in ts))

            try:
                label = f"special {name} ({layout})"
                found = compare(label, call_t, call_m, [np.array(a, dtype=np.float64) for a in arrays], third)
            except LookupError as e:
                print(f"special {name}: not compared ({e})")
                break
            cases += 1
            _report(found, problems)
    return cases, problems


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only")
    parser.add_argument(
        "--kind", choices=["function", "method", "inplace", "functional", "special", "all"], default="all"
    )
    parser.add_argument("--third", action="store_true")
    parser.add_argument("--show-skips", action="store_true")
    args = parser.parse_args()
    np.seterr(all="ignore")
    totals = [0, 0, 0]
    spaces = {
        "function": (torch, mt),
        "method": (torch.Tensor, mt.Tensor),
        "inplace": (torch.Tensor, mt.Tensor),
        "functional": (torch.nn.functional, mt.nn.functional),
    }
    for kind, (lt, lm) in spaces.items():
        if args.kind not in ("all", kind):
            continue
        tried, cases, problems = sweep_names(lt, lm, kind, args.only, args.third, args.show_skips)
        print(f"== {kind}: {tried} names, {cases} cases compared, {len(problems)} problems", flush=True)
        totals = [totals[0] + tried, totals[1] + cases, totals[2] + len(problems)]
    if args.kind in ("all", "special"):
        cases, problems = sweep_special(args.only, args.third)
        print(f"== special: {len(SPECIAL)} calls, {cases} compared, {len(problems)} problems", flush=True)
        totals = [totals[0] + len(SPECIAL), totals[1] + cases, totals[2] + len(problems)]
    print(f"== total: {totals[0]} names, {totals[1]} cases, {totals[2]} problems (known ones not counted); ", end="")
    print(f"{TORCH_NONFINITE[0]} comparisons where only PyTorch's value was NaN or inf")


if __name__ == "__main__":
    main()

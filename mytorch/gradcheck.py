"""Finite-difference checks of gradients: for a kernel, a module, or any recorded function.

Every check compares an analytic derivative with a central difference,
``(f(x + eps) - f(x - eps)) / (2 eps)``, in the input's own precision, and on failure reports
the worst element: its index, the analytic and numeric values and their difference.

* ``check_kernel(name, *inputs, **params)``: a row of the kernel table, backward and JVP.
* ``gradcheck(fn, inputs, engine)``: any function that records onto an ``Autograd`` engine
  (a module's forward, a chain of ops); checks the gradients of its inputs and, through
  ``params=[(W, dW), ...]``, of parameters.
* ``check_jvp(fn, inputs, engine)``: the same function's forward mode.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from mytorch.autograd_engine import Autograd
from mytorch.nn import functional as F

__all__ = [
    "GradcheckError",
    "Mismatch",
    "check_jvp",
    "check_kernel",
    "compare",
    "gradcheck",
    "numerical_jvp",
    "numerical_vjp",
]


class GradcheckError(AssertionError):
    """An analytic derivative disagrees with its finite-difference estimate."""


@dataclass
class Mismatch:
    """The worst disagreement between an analytic and a numeric derivative."""

    what: str
    index: tuple[int, ...]
    analytic: float
    numeric: float
    abs_error: float

    def __str__(self) -> str:
        return (
            f"{self.what}: worst element at index {self.index}: analytic {self.analytic:.10g}, "
            f"numeric {self.numeric:.10g}, difference {self.abs_error:.3g}"
        )


def _tolerances(
    dtype: npt.DTypeLike, eps: float | None, atol: float | None, rtol: float | None
) -> tuple[float, float, float]:
    """(eps, atol, rtol): the ones given, the others suited to ``dtype``."""
    defaults = (1e-3, 1e-2, 1e-2) if np.dtype(dtype) == np.float32 else (1e-6, 1e-5, 1e-4)
    eps, atol, rtol = (d if given is None else given for given, d in zip((eps, atol, rtol), defaults))
    return eps, atol, rtol


def compare(what: str, analytic: np.ndarray, numeric: np.ndarray, atol: float, rtol: float) -> Mismatch | None:
    """The worst element where ``|analytic - numeric| > atol + rtol |numeric|`` or either is not
    finite, else None."""
    analytic = np.asarray(analytic, dtype=np.float64)
    numeric = np.asarray(numeric, dtype=np.float64)
    if analytic.shape != numeric.shape:
        raise GradcheckError(f"{what}: analytic shape {tuple(analytic.shape)}, numeric shape {tuple(numeric.shape)}")
    err = np.abs(analytic - numeric)
    excess = err - (atol + rtol * np.abs(numeric))
    bad = ~np.isfinite(analytic) | ~np.isfinite(numeric) | (excess > 0)
    if not bad.any():
        return None
    flat = int(np.argmax(np.where(bad, np.nan_to_num(excess, nan=np.inf), -np.inf)))
    idx = np.unravel_index(flat, analytic.shape) if analytic.ndim else ()
    return Mismatch(what, tuple(int(i) for i in idx), float(analytic[idx]), float(numeric[idx]), float(err[idx]))


def numerical_vjp(f: Callable[[], np.ndarray], x: np.ndarray, cotangent: np.ndarray, eps: float) -> np.ndarray:
    """d<cotangent, f()>/dx by central differences, perturbing ``x`` in place (restored)."""
    grad = np.zeros(x.shape, dtype=np.float64)
    v = np.asarray(cotangent, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        up = np.vdot(v, np.array(f(), dtype=np.float64, copy=True))
        x[idx] = old - eps
        down = np.vdot(v, np.array(f(), dtype=np.float64, copy=True))
        x[idx] = old
        grad[idx] = (up - down) / (2 * eps)
    return grad


def numerical_jvp(
    f: Callable[[], np.ndarray], xs: Sequence[np.ndarray], tangents: Sequence[np.ndarray], eps: float
) -> np.ndarray:
    """(f(x + eps t) - f(x - eps t)) / (2 eps), perturbing the ``xs`` in place (restored)."""
    saved = [x.copy() for x in xs]
    try:
        for x, t, s in zip(xs, tangents, saved):
            x[...] = s + eps * t
        up = np.array(f(), dtype=np.float64, copy=True)
        for x, t, s in zip(xs, tangents, saved):
            x[...] = s - eps * t
        down = np.array(f(), dtype=np.float64, copy=True)
    finally:
        for x, s in zip(xs, saved):
            x[...] = s
    return (up - down) / (2 * eps)


def _recorded(
    fn: Callable[..., np.ndarray], inputs: Sequence[np.ndarray], engine: Autograd
) -> Callable[[], np.ndarray]:
    """``fn(*inputs)`` run on a cleared ``engine``, as a function of nothing (for the differences)."""

    def forward() -> np.ndarray:
        engine.zero_grad()
        return np.asarray(fn(*inputs))

    return forward


def _raise_or_return(found: Sequence[Mismatch | None], raise_on_fail: bool) -> list[Mismatch]:
    """The mismatches among ``found`` (None where a comparison agreed); raised when asked."""
    mismatches = [m for m in found if m is not None]
    if mismatches and raise_on_fail:
        raise GradcheckError("\n".join(str(m) for m in mismatches))
    return mismatches


def check_kernel(
    name: str,
    *inputs: np.ndarray,
    wrt: Sequence[int] | None = None,
    seed: int = 0,
    eps: float | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    raise_on_fail: bool = True,
    **params: Any,
) -> list[Mismatch]:
    """Check row ``name`` of the kernel table at ``inputs``: backward and JVP.

    The backward is checked against central differences of ``<v, forward(inputs)>`` for a
    random cotangent ``v``; the JVP against central differences along random tangents; and
    the two against each other (``<v, J u> = <J^T v, u>``).

    Args:
        wrt: indices of the inputs to differentiate (default: every floating-point input).

    Returns:
        The mismatches found (empty when all agree); raises ``GradcheckError`` instead when
        ``raise_on_fail``.
    """
    kernel = F.KERNELS.get(name)
    if kernel is None:
        raise ValueError(f"check_kernel: no kernel named {name!r}")
    xs = [np.array(x, copy=True) for x in inputs]
    wrt = [i for i, x in enumerate(xs) if x.dtype.kind == "f"] if wrt is None else list(wrt)
    dtype = np.result_type(*[xs[i] for i in wrt]) if wrt else np.float64
    eps, atol, rtol = _tolerances(dtype, eps, atol, rtol)
    rng = np.random.default_rng(seed)

    def forward() -> np.ndarray:
        return np.asarray(kernel.forward(*xs, **params))

    out = forward()
    extra = {"out": out} if kernel.saves_output else {}
    v = rng.standard_normal(out.shape).astype(out.dtype)
    grads = kernel.backward(v, *xs, **params, **extra)
    if isinstance(grads, np.ndarray):
        grads = (grads,)
    found: list[Mismatch | None] = []
    for i in wrt:
        g = grads[i]
        if g is None or np.shape(g) != xs[i].shape:
            raise GradcheckError(
                f"{name}_backward: gradient {i} has shape {np.shape(g)}, input has {tuple(xs[i].shape)}"
            )
        if g.dtype != xs[i].dtype:
            raise GradcheckError(f"{name}_backward: gradient {i} is {g.dtype}, input is {xs[i].dtype}")
        found.append(compare(f"{name}_backward input {i}", g, numerical_vjp(forward, xs[i], v, eps), atol, rtol))
    drawn = {i: rng.standard_normal(x.shape).astype(x.dtype) for i, x in enumerate(xs) if i in wrt}
    t_out = kernel.jvp([drawn.get(i) for i in range(len(xs))], *xs, **params, **extra)
    numeric = numerical_jvp(forward, [xs[i] for i in wrt], [drawn[i] for i in wrt], eps)
    found.append(compare(f"{name}_jvp", t_out, numeric, atol, rtol))
    lhs = float(np.vdot(v.astype(np.float64), np.asarray(t_out, dtype=np.float64)))
    rhs = float(sum(np.vdot(np.asarray(grads[i], np.float64), drawn[i].astype(np.float64)) for i in wrt))
    found.append(compare(f"{name}: <v, J u> against <J^T v, u>", np.asarray(lhs), np.asarray(rhs), atol, rtol))
    return _raise_or_return(found, raise_on_fail)


def gradcheck(
    fn: Callable[..., np.ndarray],
    inputs: Sequence[np.ndarray],
    engine: Autograd,
    params: Sequence[tuple[np.ndarray, np.ndarray]] = (),
    seed: int = 0,
    eps: float | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    raise_on_fail: bool = True,
) -> list[Mismatch]:
    """Check the gradients of a function that records onto ``engine``.

    ``fn(*inputs)`` must run its forward pass through ``engine`` (modules built on that
    engine, ``F.apply(engine, ...)``, ``add_operation``) and return its output array. The
    inputs' gradients are read from the engine's buffer; ``params`` are ``(value, gradient)``
    pairs (``(W, dW)``) whose gradient arrays the function's operations update in place.

    Example::

        layer = Linear(3, 2, autograd)
        gradcheck(layer, [x], autograd, params=[(layer.W, layer.dW), (layer.b, layer.db)])
    """
    rng = np.random.default_rng(seed)
    dtype = np.result_type(*inputs, *[p for p, _ in params]) if (inputs or params) else np.float64
    eps, atol, rtol = _tolerances(dtype, eps, atol, rtol)
    forward = _recorded(fn, inputs, engine)
    out = forward()
    v = rng.standard_normal(out.shape).astype(out.dtype)
    for _, grad in params:
        grad[...] = 0
    engine.backward(v)
    buffer = engine.gradient_buffer  # an input the output does not depend on gets no gradient: zero
    analytic_inputs = [buffer.get_param(x).copy() if buffer.is_in_memory(x) else np.zeros_like(x) for x in inputs]
    analytic_params = [grad.copy() for _, grad in params]
    targets = [(f"input {i}", x, g) for i, (x, g) in enumerate(zip(inputs, analytic_inputs))]
    targets += [(f"parameter {i}", p, g) for i, ((p, _), g) in enumerate(zip(params, analytic_params))]
    found = [compare(what, g, numerical_vjp(forward, x, v, eps), atol, rtol) for what, x, g in targets]
    engine.zero_grad()
    return _raise_or_return(found, raise_on_fail)


def check_jvp(
    fn: Callable[..., np.ndarray],
    inputs: Sequence[np.ndarray],
    engine: Autograd,
    seed: int = 0,
    eps: float | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    raise_on_fail: bool = True,
) -> list[Mismatch]:
    """Check ``engine.jvp`` for a recorded function against central differences."""
    rng = np.random.default_rng(seed)
    eps, atol, rtol = _tolerances(np.result_type(*inputs), eps, atol, rtol)
    tangents = [rng.standard_normal(x.shape).astype(x.dtype) for x in inputs]
    forward = _recorded(fn, inputs, engine)
    out = forward()
    (analytic,) = engine.jvp(inputs, tangents, [out])
    numeric = numerical_jvp(forward, inputs, tangents, eps)
    engine.zero_grad()
    return _raise_or_return([compare("jvp", analytic, numeric, atol, rtol)], raise_on_fail)

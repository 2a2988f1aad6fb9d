"""What the graded tests compare with, and how they say what differs (the runner's side).

Only the runner (and pytest) imports this module; a worker never does. Every reference here
is written from the mathematics, in NumPy, without using ``mytorch``: closed forms of the
functions, and central differences ``(f(x + e) - f(x - e)) / 2e`` of functions the tests
themselves define.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

__all__ = [
    "assert_close",
    "fresh_rng",
    "make_rng",
    "numeric_vjp",
    "one_hot",
    "salt_inputs",
    "sigmoid",
    "softmax",
]


_salt: int | None = None


def salt_inputs(salt: int | None) -> None:
    """Draw every later ``make_rng(seed)`` from ``(salt, seed)`` instead of ``seed`` alone (None: from
    the seed again). The runner salts afresh on every run under ``inputs = "fresh"``: the seeds ship
    with the starter, so a hand-in could recognise the seeded inputs and answer them from a table
    made beforehand; no hand-in knows the salt."""
    global _salt
    _salt = salt


def make_rng(seed: int) -> np.random.Generator:
    """A seeded generator: a graded test made with it sees the same numbers on every run (unless
    the runner salted them, ``salt_inputs``)."""
    return np.random.default_rng(seed if _salt is None else [_salt, seed])


def fresh_rng() -> np.random.Generator:
    """A generator seeded afresh from the operating system's entropy on every call: inputs made
    in the runner with it are known to no hand-in before its worker receives them (for tests
    whose right answers would otherwise not depend on the inputs at all)."""
    return np.random.default_rng(secrets.randbits(128))


def one_hot(labels: Sequence[int], classes: int) -> np.ndarray:
    """Rows of zeros with a one at each label: shape (len(labels), classes)."""
    y = np.zeros((len(labels), classes))
    y[np.arange(len(labels)), labels] = 1.0
    return y


def sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x)."""
    return 1.0 / (1.0 + np.exp(-x))


def softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by the row maximum."""
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def assert_close(what: str, actual: Any, expected: np.ndarray, rtol: float = 1e-6, atol: float = 1e-9) -> None:
    """Fail, saying which values differ and by how much, unless ``actual`` ~= ``expected``.

    Args:
        what: the quantity's name for the message ("dW", "gradient of x").
        actual: what the code under test produced.
        expected: the reference.
        rtol, atol: the tolerance: ``|actual - expected| <= atol + rtol * |expected|``.

    Raises:
        AssertionError: ``actual`` is missing, has another shape, is not finite where the
            reference is, differs from an infinite or NaN reference value (those must be the same),
            or differs beyond the tolerance.
    """
    expected = np.asarray(expected, dtype=float)
    if actual is None:
        raise AssertionError(f"{what}: got None, expected an array of shape {expected.shape}")
    try:
        got = np.asarray(actual)
        if got.shape == expected.shape:  # (only then: 8 MiB of booleans of another shape made 64 MiB of floats)
            got = got.astype(float, copy=False)
    except (TypeError, ValueError) as error:
        raise AssertionError(f"{what}: got a {type(actual).__name__} that is not numeric ({error})") from None
    if got.shape != expected.shape:
        raise AssertionError(f"{what}: got shape {got.shape}, expected shape {expected.shape}")
    finite = np.isfinite(expected)
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf, and values near the largest float
        tolerance = np.where(finite, atol + rtol * np.abs(expected), 0.0)
        difference = np.abs(got - expected)
        same = (got == expected) | (np.isnan(got) & np.isnan(expected))
        # A value the reference has as inf or NaN must be the same (until 2026-12-03 an infinite reference
        # value made an infinite tolerance, which any number but NaN met, -inf for +inf included).
        bad = np.where(finite, ~(difference <= tolerance), ~same)  # NaN counts as bad where the reference is finite
        if not bad.any():
            return
        excess = np.where(bad, np.where(np.isnan(difference), np.inf, difference - tolerance), -np.inf)
    worst = np.unravel_index(int(np.argmax(excess)), expected.shape) if expected.ndim else ()
    raise AssertionError(
        f"{what}: {int(bad.sum())} of {expected.size} values differ; worst at index {tuple(int(i) for i in worst)}: "
        f"got {got[worst]:.8g}, expected {expected[worst]:.8g} (difference {difference[worst]:.3g}, "
        f"tolerance {tolerance[worst]:.3g})"
    )


def numeric_vjp(
    function: Callable[..., np.ndarray],
    inputs: Sequence[np.ndarray],
    index: int,
    weights: np.ndarray | float,
    eps: float = 1e-6,
) -> np.ndarray:
    """Central-difference gradient of ``sum(weights * function(*inputs))`` with respect to
    ``inputs[index]``: the vector-Jacobian product a backward kernel must return."""
    args = [np.array(x, dtype=float) for x in inputs]
    x = args[index]
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + eps
        up = np.sum(weights * function(*args))
        x[i] = saved - eps
        down = np.sum(weights * function(*args))
        x[i] = saved
        grad[i] = (up - down) / (2 * eps)
    return grad

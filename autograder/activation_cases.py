"""Graded forward and backward tests for activations, generated from their closed forms.

An activation case names the class in ``mytorch.nn.modules.activation`` and gives the
function f and its derivative f' in NumPy. The forward test compares ``act.forward(x)`` with
f(x); the backward test records ``act.forward(x)``, calls ``autograd.backward(G)`` and
compares ``gradient_buffer.get_param(x)`` with G * f'(x).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .checks import assert_close, make_rng
from .grading import graded

__all__ = ["ActivationCase", "register_activation_tests"]


@dataclass(frozen=True)
class ActivationCase:
    """An activation class and its closed forms.

    Attributes:
        cls: the class's name in ``mytorch.nn.modules.activation``.
        f: the function, elementwise.
        df: its derivative, elementwise.
        kwargs: keyword arguments for the constructor after the engine.
    """

    cls: str
    f: Callable[[np.ndarray], np.ndarray]
    df: Callable[[np.ndarray], np.ndarray]
    kwargs: dict[str, Any] = field(default_factory=dict)


def _inputs(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A batch (4, 5) spread over [-4, 4] but away from 0 (where ReLU has no derivative),
    and an upstream gradient."""
    rng = make_rng(seed)
    x = rng.uniform(-4.0, 4.0, size=(4, 5))
    x[np.abs(x) < 0.05] = 0.5
    return x, rng.standard_normal((4, 5))


def _build(case: ActivationCase):
    from mytorch.autograd_engine import Autograd
    from mytorch.nn.modules import activation

    autograd = Autograd()
    return autograd, getattr(activation, case.cls)(autograd, **case.kwargs)


def _forward_test(case: ActivationCase, seed: int) -> Callable[[], None]:
    def test() -> None:
        _, act = _build(case)
        x, _ = _inputs(seed)
        assert_close(f"{case.cls}.forward(x)", act.forward(x), case.f(x))

    return test


def _backward_test(case: ActivationCase, seed: int) -> Callable[[], None]:
    def test() -> None:
        autograd, act = _build(case)
        x, G = _inputs(seed)
        x_before = x.copy()
        act.forward(x)
        autograd.backward(G)
        assert_close(f"gradient of x through {case.cls}", autograd.gradient_buffer.get_param(x), G * case.df(x_before))
        assert_close(f"x after {case.cls}'s forward and backward (it must not change)", x, x_before)

    return test


def register_activation_tests(
    section: str, cases: list[ActivationCase], forward_points: float, backward_points: float, namespace: dict
) -> None:
    """Register a forward and a backward test per case, and put them in ``namespace`` (the
    calling module's globals) as ``test_<class>_forward`` / ``test_<class>_backward`` so that
    pytest collects them too."""
    for seed, case in enumerate(cases, start=40):
        kinds = (("forward", _forward_test, forward_points), ("backward", _backward_test, backward_points))
        for kind, make, points in kinds:
            name = f"test_{case.cls.lower()}_{kind}"
            test = make(case, seed)
            test.__name__ = test.__qualname__ = name
            test.__module__ = namespace["__name__"]
            namespace[name] = graded(section, points, f"{case.cls} {kind}")(test)

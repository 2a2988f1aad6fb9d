"""Graded forward and backward tests for activations, generated from their closed forms.

An activation case names the class in ``mytorch.nn.modules.activation`` and gives the
function f and its derivative f' in NumPy. The forward test compares ``act.forward(x)`` with
f(x); the backward test records ``act.forward(x)``, calls ``autograd.backward(G)`` and
compares ``gradient_buffer.get_param(x)`` with G * f'(x), then records ``act(x) + c``, where
both terms of the sum receive the same upstream gradient array: a backward kernel that writes
into its ``grad_output`` changes c's gradient (G is expected) wherever the engine keeps that
array as it is, as MyTorch's does. ``compute.layers.activation`` is what runs the student's
class, in the worker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .checks import make_rng
from .compute import layers
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


def _inputs(seed: int):
    """A batch x (4, 5) spread over [-4, 4] but away from 0 (where ReLU has no derivative),
    and an upstream gradient G."""

    def make() -> dict:
        rng = make_rng(seed)
        x = rng.uniform(-4.0, 4.0, size=(4, 5))
        x[np.abs(x) < 0.05] = 0.5
        return {"x": x, "G": rng.standard_normal((4, 5))}

    return make


def _forward_reference(case: ActivationCase) -> Callable[..., dict]:
    def reference(x, G) -> dict:
        return {f"{case.cls}.forward(x)": case.f(x)}

    return reference


def _backward_reference(case: ActivationCase) -> Callable[..., dict]:
    def reference(x, G) -> dict:
        return {f"gradient of x through {case.cls}": G * case.df(x),
                f"x after {case.cls}'s forward and backward": x,
                f"gradient of c in {case.cls}(x) + c (the upstream gradient both terms share)": G}  # fmt: skip

    return reference


def register_activation_tests(
    section: str, cases: list[ActivationCase], forward_points: float, backward_points: float, namespace: dict
) -> None:
    """Register a forward and a backward test per case, and put them in ``namespace`` (the
    calling module's globals) as ``test_<class>_forward`` / ``test_<class>_backward`` so that
    pytest collects them too."""
    for seed, case in enumerate(cases, start=40):
        kinds = (("forward", _forward_reference, forward_points), ("backward", _backward_reference, backward_points))
        for kind, make, points in kinds:
            name = f"test_{case.cls.lower()}_{kind}"
            reference = make(case)
            reference.__name__ = reference.__qualname__ = name
            reference.__module__ = namespace["__name__"]
            options = {"backward": True} if kind == "backward" else {}
            register = graded(section, points, f"{case.cls} {kind}", inputs=_inputs(seed), computes=layers.activation,
                              cls=case.cls, **options, **case.kwargs)  # fmt: skip
            namespace[name] = register(reference)

"""Modules that record onto the tape: ``Linear``, the activations and the losses.

The names below are loaded on first use, each from its own file, so that a broken file (a
student's ``loss.py`` that does not import yet) costs only what needs it: ``Linear`` and the
activations still import, and so does ``mytorch.nn.functional``.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOME = {
    "ACTIVATIONS": "activation",
    "GELU": "activation",
    "Activation": "activation",
    "Identity": "activation",
    "LeakyReLU": "activation",
    "ReLU": "activation",
    "Sigmoid": "activation",
    "Softplus": "activation",
    "Tanh": "activation",
    "INITS": "linear",
    "Linear": "linear",
    "LOSSES": "loss",
    "BCELoss": "loss",
    "BCEWithLogitsLoss": "loss",
    "LossFN": "loss",
    "MSELoss": "loss",
    "SoftmaxCrossEntropy": "loss",
    "Module": "module",
}

__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    """Load ``name`` from the file that defines it (PEP 562)."""
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'mytorch.nn.modules' has no attribute {name!r}")
    return getattr(importlib.import_module(f"mytorch.nn.modules.{home}"), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOME))

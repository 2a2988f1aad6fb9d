"""The random numbers of ``nn``: initial weights (``nn.init``) and dropout masks."""

from __future__ import annotations

import numpy as np

__all__ = ["generator"]

_GENERATOR = np.random.default_rng()


def generator() -> np.random.Generator:
    """The generator that draws initial weights and dropout masks."""
    return _GENERATOR

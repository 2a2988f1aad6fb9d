"""Shared fixtures for MyTorch's tests."""

import numpy as np
import pytest

import mytorch
from mytorch import Autograd


def pytest_sessionstart(session: pytest.Session) -> None:
    """MyTorch's warning filter, made again: it was made when the conftest imported mytorch, inside
    pytest's own ``catch_warnings``, which dropped it on leaving. The tests then see the warnings a
    user's script sees (none for the IEEE results PyTorch gives silently)."""
    mytorch._quiet_ieee_warnings()


@pytest.fixture
def engine() -> Autograd:
    """A fresh tape."""
    return Autograd()


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded random generator: every test is deterministic."""
    return np.random.default_rng(0)


# Hypothesis profiles for the fuzz tests: "ci" by default, HYPOTHESIS_PROFILE=long for many more examples.
try:
    import _hypothesis_profiles  # noqa: F401
except ImportError:  # hypothesis is a test extra; the fuzz tests skip without it
    pass

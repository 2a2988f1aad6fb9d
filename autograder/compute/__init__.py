"""What the student's code computes: the worker side of every graded test.

Each function here takes the test's input arrays (a dict, made by the runner) and keyword
parameters (names of kernels and classes), calls the student's ``mytorch``, and returns the
arrays it computed (values, gradients, and a few yes/no facts as boolean arrays). These
functions are all that runs in a worker besides the student's code: no reference value, no
comparison and no verdict is ever computed here. The runner compares what they return with
the right answers (the ``test_*.py`` files beside this package) and decides.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["as_gradients", "flag"]


def flag(value: bool) -> np.ndarray:
    """A yes/no fact about the student's code, as a boolean array the runner can check."""
    return np.array(bool(value))


def as_gradients(result: Any, count: int, kernel: str) -> tuple[np.ndarray, ...]:
    """A backward kernel's result as a tuple of ``count`` arrays.

    A one-input kernel may return a bare array (the handout's convention).

    Raises:
        TypeError: the kernel returned the wrong number of gradients.
    """
    if isinstance(result, np.ndarray) and count == 1:
        return (result,)
    if not isinstance(result, (tuple, list)):
        raise TypeError(f"{kernel} returned a {type(result).__name__}; expected {count} gradient(s), one per input")
    if len(result) != count:
        raise TypeError(f"{kernel} returned {len(result)} gradients; expected {count}, one per input")
    return tuple(result)

"""The gradient buffer: where the engine keeps the gradients of arrays it does not own.

Parameters such as a Linear layer's ``W`` have their gradient arrays (``dW``) held by the
module; every other array that enters an operation (input data, intermediate results) gets
its gradient here. Gradients are keyed by ``id()`` of the array *object*, not by the address
of its data: ``x`` and ``x.T`` (or ``x`` and ``x[0]``) share memory but are different arrays
with different gradients, and must never be mixed up.

``id()`` is only unique among objects that are alive at the same time, so the buffer keeps a
reference to every array it holds a gradient for: an id can never be recycled while its
gradient is here. ``clear()`` (called by ``Autograd.zero_grad``) drops everything.

A *spot* (the handout's word) is an array known to the buffer whose gradient is still zero:
``Autograd.add_operation`` makes one for every input whose gradient the engine tracks, by
entering the array in ``owners`` only. ``is_in_memory`` is then true and ``get_param`` gives
zeros, yet no zero array is allocated: ``memory`` receives the first gradient that arrives.
"""

from __future__ import annotations

import numpy as np


def _require_array(np_array: object, method: str) -> np.ndarray:
    if not isinstance(np_array, np.ndarray):
        raise TypeError(f"GradientBuffer.{method}: expected a numpy.ndarray, got {type(np_array).__name__}")
    return np_array


def _matching_gradient(np_array: np.ndarray, gradient: object, method: str) -> np.ndarray:
    gradient = np.asarray(gradient)
    if gradient.dtype.kind not in "biufc":  # (strings, objects: an error at the next sum, far from here)
        raise TypeError(f"GradientBuffer.{method}: the gradient must hold numbers, got dtype {gradient.dtype}")
    if gradient.shape != np_array.shape:
        raise ValueError(
            f"GradientBuffer.{method}: gradient of shape {gradient.shape} does not "
            f"match its array's shape {np_array.shape}"
        )
    return gradient


class GradientBuffer:
    """A dictionary from arrays (by identity) to their accumulated gradients.

    Attributes:
        memory: ``{id(array): gradient}``.
        owners: ``{id(array): array}``: keeps each keyed array alive so its id stays unique;
            an array here but not in ``memory`` is a spot (its gradient is zero so far).
    """

    def __init__(self) -> None:
        self.memory: dict[int, np.ndarray] = {}
        self.owners: dict[int, np.ndarray] = {}

    def get_memory_loc(self, np_array: np.ndarray) -> int:
        """The key of ``np_array``: its object identity (see the module docstring)."""
        return id(_require_array(np_array, "get_memory_loc"))

    def is_in_memory(self, np_array: np.ndarray) -> bool:
        """Whether a gradient, or a spot for one, is held for ``np_array``."""
        return id(_require_array(np_array, "is_in_memory")) in self.owners

    def add_spot(self, np_array: np.ndarray) -> None:
        """Start a zero gradient for ``np_array`` unless one is already held."""
        key = id(_require_array(np_array, "add_spot"))
        if key not in self.memory:
            self.memory[key] = np.zeros_like(np_array)
            self.owners[key] = np_array

    def update_param(self, np_array: np.ndarray, gradient: np.ndarray) -> None:
        """Add ``gradient`` to the gradient held for ``np_array`` (starting from zero)."""
        key = id(_require_array(np_array, "update_param"))
        gradient = _matching_gradient(np_array, gradient, "update_param")
        held = self.memory.get(key)
        # Never add in place: a stored gradient may be shared with a kernel's output.
        self.memory[key] = gradient if held is None else held + gradient
        self.owners[key] = np_array

    def get_param(self, np_array: np.ndarray) -> np.ndarray:
        """The gradient held for ``np_array`` (zeros for a spot no gradient has reached).

        Raises:
            KeyError: no gradient reached ``np_array`` (it is not on the tape, its gradient
                was freed as an intermediate, or ``zero_grad`` cleared it).
        """
        key = id(_require_array(np_array, "get_param"))
        try:
            return self.memory[key]
        except KeyError:
            if key in self.owners:
                return np.zeros_like(np_array)
            raise KeyError(
                f"GradientBuffer.get_param: no gradient is held for this array of shape "
                f"{np_array.shape}; it was never an input of a recorded operation that "
                "received a gradient, or it was an intermediate result whose gradient was "
                "freed (pass keep_grads=True to Autograd.backward to keep those)"
            ) from None

    def set_param(self, np_array: np.ndarray, gradient: np.ndarray) -> None:
        """Replace the gradient held for ``np_array`` by ``gradient``."""
        key = id(_require_array(np_array, "set_param"))
        gradient = _matching_gradient(np_array, gradient, "set_param")
        self.memory[key] = gradient
        self.owners[key] = np_array

    def clear(self) -> None:
        """Forget every gradient."""
        self.memory.clear()
        self.owners.clear()

    def __len__(self) -> int:
        return len(self.memory)

    def __repr__(self) -> str:
        return f"GradientBuffer({len(self.memory)} gradients)"

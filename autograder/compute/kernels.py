"""What the student's backward kernels compute (sections ``operations`` and ``kernels``)."""

from __future__ import annotations

import numpy as np

from . import as_gradients

__all__ = ["backward_kernel"]


def backward_kernel(arrays: dict[str, np.ndarray], kernel: str, order: list[str], **params) -> dict[str, np.ndarray]:
    """``mytorch.nn.functional.<kernel>(arrays["g"], *inputs, **params)``, the inputs being the
    arrays named in ``order``: one gradient per input, named ``gradient of input <i>``."""
    from mytorch.nn import functional

    grads = as_gradients(getattr(functional, kernel)(arrays["g"], *(arrays[n] for n in order), **params),
                         len(order), kernel)  # fmt: skip
    return {f"gradient of input {i}": np.asarray(grad, dtype=float) for i, grad in enumerate(grads) if grad is not None}

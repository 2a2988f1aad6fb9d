"""What the student's backward kernels compute (sections ``operations`` and ``kernels``)."""

from __future__ import annotations

import numpy as np

from . import as_gradients

__all__ = ["backward_kernel"]


def backward_kernel(
    arrays: dict[str, np.ndarray], kernel: str, order: list[str], calls: list[dict] | None = None, **params
) -> dict[str, np.ndarray]:
    """``mytorch.nn.functional.<kernel>(arrays["g"], *inputs, **params)``, the inputs being the
    arrays named in ``order``: one gradient per input, named ``gradient of input <i>``.

    ``calls`` lists further calls of the same kernel, each ``{"label": ..., "order": [...],
    "keywords": {keyword: array name}}`` (inputs of other shapes, a saved ``out``); their
    gradients are named ``<label>: gradient of input <i>``.
    """
    from mytorch.nn import functional

    function = getattr(functional, kernel)
    result = _gradients(function(arrays["g"], *(arrays[n] for n in order), **params), len(order), kernel, "")
    for call in calls or []:
        keywords = {keyword: arrays[name] for keyword, name in call.get("keywords", {}).items()}
        gradients = function(arrays["g"], *(arrays[n] for n in call["order"]), **params, **keywords)
        result.update(_gradients(gradients, len(call["order"]), kernel, f"{call['label']}: "))
    return result


def _gradients(result, count: int, kernel: str, label: str) -> dict[str, np.ndarray]:
    grads = as_gradients(result, count, kernel)
    return {f"{label}gradient of input {i}": np.asarray(g, dtype=float) for i, g in enumerate(grads) if g is not None}

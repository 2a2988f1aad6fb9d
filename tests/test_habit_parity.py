"""Small PyTorch habits that MyTorch answered differently, each checked against a closed form and,
where PyTorch 2.13 is installed, against PyTorch itself (those checks skip cleanly without it).

* ``repr(t)`` names a dtype as PyTorch prints it (``dtype=torch.float64``; it printed
  ``dtype=mytorch.float64``), so a ported script's printed tensors compare as text.
* ``x = h.detach(); x.requires_grad = True`` beside ``h`` in one loss: ``backward`` raised (the
  detached tensor held ``h``'s very array, the tape's key for ``h``'s gradient).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import mytorch

try:
    import torch
except ImportError:  # (the PyTorch comparisons skip)
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def _libs() -> list[Any]:
    return [mytorch] if torch is None else [mytorch, torch]


# --------------------------------------------------------------------------- printing
@pytest.mark.parametrize("dtype", ["float64", "int32", "float16", "complex128", "uint8"])
def test_repr_names_the_dtype_as_pytorch_prints_it(dtype: str) -> None:
    t = mytorch.ones(2, dtype=getattr(mytorch, dtype))
    assert repr(t).endswith(f"dtype=torch.{dtype})")
    if torch is not None:
        assert repr(t) == repr(torch.ones(2, dtype=getattr(torch, dtype)))


# --------------------------------------------------------------------------- detach
def _detached_beside_its_source(lib: Any, how: str) -> tuple[np.ndarray, np.ndarray]:
    w = lib.tensor([1.0, 2.0, -0.5], dtype=lib.float64, requires_grad=True)
    h = w * 3
    if how == "assign":
        x = h.detach()
        x.requires_grad = True
    elif how == "data":
        x = h.data
        x.requires_grad = True
    else:
        x = h.detach().requires_grad_()
    loss = (x * (h * 2)).sum() + h.sum()
    loss.backward()
    return np.array(x.grad.tolist()), np.array(w.grad.tolist())


@pytest.mark.parametrize("how", ["assign", "data", "requires_grad_"])
def test_a_detached_result_made_a_leaf_has_its_own_gradient_beside_its_source(how: str) -> None:
    """loss = sum(x * 2h) + sum(h), h = 3w, x = h's values: dloss/dx = 2h = 6w, and through h
    only, dloss/dw = 3 (2x + 1) = 18w + 3."""
    w = np.array([1.0, 2.0, -0.5])
    results = [_detached_beside_its_source(lib, how) for lib in _libs()]
    x_grad, w_grad = results[0]
    np.testing.assert_allclose(x_grad, 6 * w, rtol=1e-15)
    np.testing.assert_allclose(w_grad, 18 * w + 3, rtol=1e-15)
    for other in results[1:]:
        np.testing.assert_array_equal(x_grad, other[0])
        np.testing.assert_array_equal(w_grad, other[1])


def test_a_detached_result_still_shares_its_memory_and_versions() -> None:
    """The view is of the same memory: a write through it is seen by ``h``, and a backward that
    reads ``h``'s saved values raises, as PyTorch's does."""
    w = mytorch.tensor([1.0, 2.0], requires_grad=True)
    h = w * 3
    loss = (h * h).sum()
    d = h.detach()
    assert np.shares_memory(d.numpy(), h.detach().numpy())
    d.zero_()
    assert h.tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError):
        loss.backward()

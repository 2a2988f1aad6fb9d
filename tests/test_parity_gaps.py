"""PyTorch parity gaps of issue 13: resize_, matrix norms, cumprod, autograd.functional strict=True."""

import pytest

import mytorch as mt


def test_resize_keeps_elements_in_order_and_refuses_grad():
    t = mt.arange(6.0)
    assert t.resize_(2, 2) is t and t.shape == (2, 2) and t.tolist() == [[0.0, 1.0], [2.0, 3.0]]
    assert t.resize_(5).tolist() == [0.0, 1.0, 2.0, 3.0, 0.0]  # (PyTorch leaves the new one uninitialised)
    assert t.resize_as_(mt.zeros(1, 3)).shape == (1, 3)
    with pytest.raises(RuntimeError, match="requires grad"):
        mt.ones(3, requires_grad=True).resize_(2)
    with pytest.raises(RuntimeError, match="requires grad"):
        (mt.ones(3, requires_grad=True) * 2).resize_(3)

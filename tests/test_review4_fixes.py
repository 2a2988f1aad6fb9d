"""Regression tests for the fixes made in the acceptance review of issue 4 (Tensor, viz, demos)."""

import numpy as np

import mytorch as mt


def test_rpow_takes_numpys_values_for_non_positive_bases():
    # exp(x * log b) gave NaN for b <= 0: 0 ** 0 is 1 and (-2) ** 2 is 4, as in NumPy and PyTorch
    exponents = np.array([-2.0, 0.0, 1.5, 2.0])
    for base in (-2.0, 0.0):
        x = mt.Tensor(exponents.copy(), requires_grad=True)
        y = base**x
        with np.errstate(divide="ignore", invalid="ignore"):  # 0 ** -2 is inf, its gradient NaN
            np.testing.assert_array_equal(y.data, np.power(base, exponents))
            y.sum().backward()
        assert x.grad[1] == 0 and x.grad[3] == 0  # a constant in x where the power is finite


def test_rpow_mixed_bases_keep_the_positive_bases_gradient():
    bases = np.array([3.0, 0.0, -2.0])
    x = mt.Tensor(np.array([1.5, 0.0, 2.0]), requires_grad=True)
    y = bases**x
    np.testing.assert_allclose(y.data, [3.0**1.5, 1.0, 4.0])
    y.sum().backward()
    h = 1e-6  # central difference of 3 ** x at 1.5, against the recorded gradient
    np.testing.assert_allclose(x.grad, [(3.0 ** (1.5 + h) - 3.0 ** (1.5 - h)) / (2 * h), 0.0, 0.0], rtol=1e-8)

"""Extra section ``activation_extra``: LeakyReLU, Softplus and GELU, forward 1 + backward 2 each.

GELU is the tanh approximation x/2 (1 + tanh(c (x + k x^3))), c = sqrt(2/pi), k = 0.044715.
"""

import numpy as np

from .activation_cases import ActivationCase, register_activation_tests
from .checks import sigmoid

_SLOPE = 0.2
_C, _K = np.sqrt(2 / np.pi), 0.044715


def _gelu(x):
    return 0.5 * x * (1 + np.tanh(_C * (x + _K * x**3)))


def _gelu_derivative(x):
    t = np.tanh(_C * (x + _K * x**3))
    return 0.5 * (1 + t) + 0.5 * x * (1 - t**2) * _C * (1 + 3 * _K * x**2)


CASES = [
    ActivationCase(
        "LeakyReLU",
        lambda x: np.where(x > 0, x, _SLOPE * x),
        lambda x: np.where(x > 0, 1.0, _SLOPE),
        {"slope": _SLOPE},
    ),
    ActivationCase("Softplus", lambda x: np.log1p(np.exp(x)), sigmoid),
    ActivationCase("GELU", _gelu, _gelu_derivative),
]

register_activation_tests(
    "activation_extra",
    CASES,
    forward_points=1,
    backward_points=2,
    namespace=globals(),
)

"""Section ``activation`` (20 points): Identity, Sigmoid, Tanh, ReLU, forward 1 + backward 4 each.

The tests are generated from the closed forms below (see ``activation_cases``).
"""

import numpy as np

from .activation_cases import ActivationCase, register_activation_tests
from .checks import sigmoid

CASES = [
    ActivationCase("Identity", lambda x: x, np.ones_like),
    ActivationCase("Sigmoid", sigmoid, lambda x: sigmoid(x) * (1 - sigmoid(x))),
    ActivationCase("Tanh", np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    ActivationCase("ReLU", lambda x: np.maximum(x, 0), lambda x: (x > 0).astype(float)),
]

register_activation_tests(
    "activation",
    CASES,
    forward_points=1,
    backward_points=4,
    namespace=globals(),
)

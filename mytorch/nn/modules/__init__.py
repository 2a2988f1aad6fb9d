"""Modules that record onto the tape: ``Linear``, the activations and the losses."""

from mytorch.nn.modules.activation import (
    ACTIVATIONS,
    GELU,
    Activation,
    Identity,
    LeakyReLU,
    ReLU,
    Sigmoid,
    Softplus,
    Tanh,
)
from mytorch.nn.modules.linear import INITS, Linear
from mytorch.nn.modules.loss import LOSSES, BCELoss, BCEWithLogitsLoss, LossFN, MSELoss, SoftmaxCrossEntropy
from mytorch.nn.modules.module import Module

__all__ = [
    "ACTIVATIONS",
    "GELU",
    "INITS",
    "LOSSES",
    "Activation",
    "BCELoss",
    "BCEWithLogitsLoss",
    "Identity",
    "LeakyReLU",
    "Linear",
    "LossFN",
    "MSELoss",
    "Module",
    "ReLU",
    "Sigmoid",
    "SoftmaxCrossEntropy",
    "Softplus",
    "Tanh",
]

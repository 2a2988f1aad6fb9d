"""``mytorch.nn``: PyTorch-style modules on Tensors, and the kernel table.

``import mytorch.nn as nn`` gives what ``import torch.nn as nn`` gives a PyTorch script:
``nn.Module``, ``nn.Parameter``, ``nn.Linear``, ``nn.Sequential``, ``nn.ReLU``,
``nn.CrossEntropyLoss``, ``nn.init``, ``nn.utils``, ``nn.functional`` (also the kernel table: arrays in,
arrays out), ... all taking and returning Tensors.

The handout's engine-level modules, which take NumPy arrays and an ``Autograd`` engine
(``Linear(in, out, autograd_engine)`` with ``W``, ``b``, ``dW``, ``db``, the activations,
``SoftmaxCrossEntropy``, ...), live in ``mytorch.nn.modules``, where the handout puts them.
Giving an array to a ``mytorch.nn`` module, or a Tensor to a handout module, raises a
TypeError that names the other one.

Everything but ``functional`` is loaded on first use, so importing the kernel table never
depends on the module files (nor on a student's broken ``loss.py``).
"""

from __future__ import annotations

import importlib
from typing import Any

from mytorch.nn import functional

_HOME = {
    "Module": "module",
    "Parameter": "parameter",
    "Linear": "layers",
    "AdaptiveLogSoftmaxWithLoss": "adaptive",
    "Identity": "layers",
    "Dropout": "layers",
    "Flatten": "layers",
    "Unflatten": "layers",
    "Embedding": "layers",
    "LayerNorm": "normalization",
    "BatchNorm1d": "normalization",
    "BatchNorm2d": "normalization",
    "SyncBatchNorm": "normalization",
    "LazyLinear": "lazy",
    "LazyConv1d": "lazy",
    "LazyConv2d": "lazy",
    "LazyConv3d": "lazy",
    "LazyConvTranspose1d": "lazy",
    "LazyConvTranspose2d": "lazy",
    "LazyConvTranspose3d": "lazy",
    "LazyBatchNorm1d": "lazy",
    "LazyBatchNorm2d": "lazy",
    "LazyBatchNorm3d": "lazy",
    "LazyInstanceNorm1d": "lazy",
    "LazyInstanceNorm2d": "lazy",
    "LazyInstanceNorm3d": "lazy",
    "MultiheadAttention": "attention",
    "TransformerEncoderLayer": "attention",
    "TransformerEncoder": "attention",
    "TransformerDecoderLayer": "attention",
    "TransformerDecoder": "attention",
    "Transformer": "attention",
    "RNN": "recurrent",
    "LSTM": "recurrent",
    "GRU": "recurrent",
    "RNNCell": "recurrent",
    "LSTMCell": "recurrent",
    "GRUCell": "recurrent",
    "Conv1d": "convolution",
    "MaxPool3d": "convolution",
    "AvgPool3d": "convolution",
    "AdaptiveAvgPool3d": "convolution",
    "AdaptiveMaxPool3d": "convolution",
    "Unfold": "convolution",
    "Fold": "convolution",
    "PixelShuffle": "convolution",
    "PixelUnshuffle": "convolution",
    "BatchNorm3d": "normalization",
    "InstanceNorm1d": "normalization",
    "InstanceNorm2d": "normalization",
    "InstanceNorm3d": "normalization",
    "Upsample": "upsampling",
    "EmbeddingBag": "embedding_bag",
    "ChannelShuffle": "upsampling",
    "CircularPad1d": "upsampling",
    "CircularPad2d": "upsampling",
    "ReflectionPad1d": "upsampling",
    "ReflectionPad2d": "upsampling",
    "ReplicationPad1d": "upsampling",
    "ReplicationPad2d": "upsampling",
    "Softmax2d": "upsampling",
    "UpsamplingNearest2d": "upsampling",
    "UpsamplingBilinear2d": "upsampling",
    "ConvTranspose1d": "convolution",
    "ConvTranspose2d": "convolution",
    "ConvTranspose3d": "convolution",
    "Dropout1d": "convolution",
    "Dropout2d": "convolution",
    "Dropout3d": "convolution",
    "CTCLoss": "ctc",
    "LocalResponseNorm": "convolution",
    "Conv2d": "convolution",
    "Conv3d": "convolution",
    "MaxPool1d": "convolution",
    "MaxPool2d": "convolution",
    "MaxUnpool1d": "unpool",
    "LPPool1d": "lp_pool",
    "LPPool2d": "lp_pool",
    "LPPool3d": "lp_pool",
    "MaxUnpool2d": "unpool",
    "MaxUnpool3d": "unpool",
    "AvgPool1d": "convolution",
    "AvgPool2d": "convolution",
    "AdaptiveAvgPool1d": "convolution",
    "AdaptiveAvgPool2d": "convolution",
    "AdaptiveMaxPool1d": "convolution",
    "AdaptiveMaxPool2d": "convolution",
    "Bilinear": "extras",
    "AlphaDropout": "extras",
    "RReLU": "extras",
    "ConstantPad1d": "extras",
    "ConstantPad2d": "extras",
    "ConstantPad3d": "extras",
    "ZeroPad1d": "extras",
    "ZeroPad2d": "extras",
    "GroupNorm": "group_norm",
    "RMSNorm": "group_norm",
    "Sequential": "containers",
    "ModuleList": "containers",
    "ModuleDict": "containers",
    "ParameterList": "containers",
    "ParameterDict": "containers",
    "ReLU": "activations",
    "Sigmoid": "activations",
    "Tanh": "activations",
    "LeakyReLU": "activations",
    "GELU": "activations",
    "Softplus": "activations",
    "ELU": "activations",
    "SELU": "activations",
    "SiLU": "activations",
    "Mish": "activations",
    "Hardtanh": "activations",
    "ReLU6": "activations",
    "PReLU": "activations",
    "LogSigmoid": "activations",
    "Softsign": "activations",
    "Hardsigmoid": "activations_extra",
    "Hardswish": "activations_extra",
    "CELU": "activations_extra",
    "Softmin": "activations_extra",
    "GLU": "activations_extra",
    "Threshold": "activations_extra",
    "Tanhshrink": "activations_extra",
    "Softshrink": "activations_extra",
    "Hardshrink": "activations_extra",
    "CosineSimilarity": "distance",
    "PairwiseDistance": "distance",
    "KLDivLoss": "divergence",
    "Softmax": "activations",
    "LogSoftmax": "activations",
    "MSELoss": "losses",
    "CrossEntropyLoss": "losses",
    "NLLLoss": "losses",
    "BCELoss": "losses",
    "BCEWithLogitsLoss": "losses",
    "L1Loss": "l1_losses",
    "SmoothL1Loss": "l1_losses",
    "HuberLoss": "l1_losses",
    "MarginRankingLoss": "margin_losses",
    "HingeEmbeddingLoss": "margin_losses",
    "SoftMarginLoss": "margin_losses",
    "MultiLabelSoftMarginLoss": "margin_losses",
    "MultiMarginLoss": "margin_losses",
    "CosineEmbeddingLoss": "margin_losses",
    "TripletMarginLoss": "margin_losses",
    "TripletMarginWithDistanceLoss": "margin_losses",
    "PoissonNLLLoss": "margin_losses",
    "GaussianNLLLoss": "margin_losses",
}
_SUBMODULES = ("init", "modules", "functional_tensor", "utils")

__all__ = ["functional", "init", "utils", *sorted(_HOME)]


def __getattr__(name: str) -> Any:
    """``nn.Linear`` and friends from their files; ``nn.init`` and ``nn.modules`` as modules."""
    if name in _HOME:
        return getattr(importlib.import_module(f"mytorch.nn.{_HOME[name]}"), name)
    if name in _SUBMODULES:
        return importlib.import_module(f"mytorch.nn.{name}")
    from mytorch.arguments import not_in_mytorch

    raise not_in_mytorch("mytorch.nn", name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

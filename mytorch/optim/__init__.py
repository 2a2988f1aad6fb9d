"""Optimizers: ``SGD`` (momentum, Nesterov, weight decay), ``Adam``, ``AdamW``, ``RMSprop``,
``Adagrad``, ``Adafactor``, ``Adamax``, ``Adadelta``, ``NAdam``, ``RAdam``, ``Rprop``, ``ASGD``, ``SparseAdam``;
``lr_scheduler`` (``StepLR``, ``CosineAnnealingLR``, ...) and ``swa_utils`` (``AveragedModel``,
``SWALR``, ``update_bn``).

They take the handout's ``(value, gradient)`` array pairs (``hw_bonus.mlp.MLP`` passes its
layers' ``(W, dW)``, ``(b, db)``) as well as Tensors, PyTorch style::

    optimizer = mytorch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    optimizer.zero_grad()
    loss_fn(model(x), y).backward()
    optimizer.step()
"""

from typing import Any

from mytorch.optim import lr_scheduler, swa_utils
from mytorch.optim.adafactor import Adafactor
from mytorch.optim.adagrad import Adagrad
from mytorch.optim.adam import Adam, AdamW
from mytorch.optim.adaptive import ASGD, Adadelta, Adamax, NAdam, RAdam, Rprop
from mytorch.optim.lbfgs import LBFGS
from mytorch.optim.optimizer import Optimizer
from mytorch.optim.rmsprop import RMSprop
from mytorch.optim.sgd import SGD
from mytorch.optim.sparse_adam import SparseAdam

__all__ = [
    "ASGD",
    "SGD",
    "SparseAdam",
    "Adadelta",
    "Adafactor",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "LBFGS",
    "NAdam",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "Rprop",
    "lr_scheduler",
    "swa_utils",
]


def __getattr__(name: str) -> Any:
    """A name this module lacks: an error saying MyTorch does not have PyTorch's."""
    from mytorch.arguments import not_in_mytorch

    raise not_in_mytorch("mytorch.optim", name)

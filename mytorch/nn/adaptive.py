"""``nn.AdaptiveLogSoftmaxWithLoss``, PyTorch's adaptive softmax (Grave et al., 2016) for large
vocabularies: the frequent classes (below ``cutoffs[0]``) and one entry per rarer cluster share a
head softmax; a class in cluster i is scored by the head's entry for the cluster plus the
cluster's own log-softmax, computed from a projection of width in_features / div_value^(i+1),
and only for the rows whose target lies in it.

``forward(input, target)`` returns ``(output, loss)``: each row's log-probability of its target
and their negative mean. ``log_prob(input)`` gives every class's, ``predict(input)`` the likeliest
class. Composed of Tensor operations (``linear``, ``log_softmax``, ``gather``, ``index_add``), so
gradients of every order reach the head and the clusters' weights.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from mytorch.arguments import ShapeRuntimeError
from mytorch.nn import functional_tensor as TF
from mytorch.nn.containers import ModuleList, Sequential
from mytorch.nn.layers import Linear
from mytorch.nn.module import Module
from mytorch.tensor import Tensor
from mytorch.tensor_shape import cat

__all__ = ["AdaptiveLogSoftmaxWithLoss"]


class _ASMoutput(NamedTuple):
    output: Tensor
    loss: Tensor


class AdaptiveLogSoftmaxWithLoss(Module):
    """PyTorch's ``nn.AdaptiveLogSoftmaxWithLoss(in_features, n_classes, cutoffs, div_value=4.0,
    head_bias=False)``: ``head`` (a ``Linear`` to cutoffs[0] + number of clusters) and ``tail`` (per
    cluster a ``Sequential`` of two bias-free ``Linear``), initialised as ``Linear`` is."""

    def __init__(
        self,
        in_features: int,
        n_classes: int,
        cutoffs: Any,
        div_value: float = 4.0,
        head_bias: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        if not cutoffs:
            raise ValueError("AdaptiveLogSoftmaxWithLoss: cutoffs should be a sequence of length larger than 0")
        if (
            cutoffs != sorted(cutoffs)
            or min(cutoffs) <= 0
            or max(cutoffs) > n_classes - 1
            or len(set(cutoffs)) != len(cutoffs)
            or any(int(c) != c for c in cutoffs)
        ):
            raise ValueError(
                "AdaptiveLogSoftmaxWithLoss: cutoffs should be a sequence of unique, positive integers sorted in an "
                f"increasing order, where each value is between 1 and n_classes - 1 = {n_classes - 1}; got {cutoffs}"
            )
        self.in_features, self.n_classes = in_features, n_classes
        self.cutoffs = [int(c) for c in cutoffs] + [n_classes]
        self.div_value, self.head_bias = div_value, head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        options = {"device": device, "dtype": dtype}
        self.head = Linear(in_features, self.head_size, bias=head_bias, **options)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            width = self.cutoffs[i + 1] - self.cutoffs[i]
            projection = Linear(in_features, hidden, bias=False, **options)
            self.tail.append(Sequential(projection, Linear(hidden, width, bias=False, **options)))

    def reset_parameters(self) -> None:
        """Draw the head's and the clusters' weights again."""
        self.head.reset_parameters()
        for layer in self.tail.modules():
            if isinstance(layer, Linear):
                layer.reset_parameters()

    def forward(self, input: Tensor, target: Any) -> _ASMoutput:  # noqa: A002 - PyTorch's name
        """``(output, loss)``: each row's log-probability of its target class, and their negative mean.

        Args:
            input: (N, in_features), or (in_features,) with a 0-d target.
            target: (N,) class indices in [0, n_classes), or a 0-d index.
        """
        name = "AdaptiveLogSoftmaxWithLoss"
        labels = np.asarray(target._data if isinstance(target, Tensor) else target)
        if labels.ndim == 1:
            if input.ndim != 2 or input.shape[0] != labels.shape[0]:
                raise ShapeRuntimeError(
                    f"{name}: a 1-D target of {labels.shape[0]} entries expects a 2-D input with as many rows, "
                    f"got input of shape {tuple(input.shape)}"
                )
        elif labels.ndim == 0:
            if input.ndim != 1:
                raise ShapeRuntimeError(f"{name}: a 0-D target expects a 1-D input, got shape {tuple(input.shape)}")
        else:
            raise ShapeRuntimeError(f"{name}: 0-D or 1-D target expected, got shape {tuple(labels.shape)}")
        batched = labels.ndim == 1
        x = input if batched else input.unsqueeze(0)
        labels = labels.reshape(-1).astype(np.int64)
        if labels.size and (labels.min() < 0 or labels.max() >= self.n_classes):
            raise ValueError(
                f"{name}: target values should be in [0, {self.n_classes - 1}], but values in range "
                f"[{labels.min()}, {labels.max()}] were found"
            )
        head_slot = labels.copy()
        output = x.new_zeros(labels.shape[0])
        for i in range(self.n_clusters):
            low, high = self.cutoffs[i], self.cutoffs[i + 1]
            rows = np.flatnonzero((labels >= low) & (labels < high))
            if rows.size == 0:
                continue
            head_slot[rows] = self.shortlist_size + i
            cluster = TF.log_softmax(self.tail[i](x[Tensor(rows)]), dim=1)
            picked = cluster.gather(1, Tensor((labels[rows] - low)[:, None])).squeeze(1)
            output = output.index_add(0, Tensor(rows), picked)
        head = TF.log_softmax(self.head(x), dim=1)
        output = output + head.gather(1, Tensor(head_slot[:, None])).squeeze(1)
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.squeeze(0), loss)

    def _full_log_prob(self, x: Tensor, head_output: Tensor) -> Tensor:
        head = TF.log_softmax(head_output, dim=1)
        parts = [head[:, : self.shortlist_size]]
        for i in range(self.n_clusters):
            cluster = TF.log_softmax(self.tail[i](x), dim=1)
            parts.append(cluster + head[:, self.shortlist_size + i].unsqueeze(1))
        return cat(parts, 1)

    def log_prob(self, input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        """Every class's log-probability: (N, n_classes), or (n_classes,) for a 1-D input."""
        x = input if input.ndim > 1 else input.unsqueeze(0)
        out = self._full_log_prob(x, self.head(x))
        return out if input.ndim > 1 else out.squeeze(0)

    def predict(self, input: Tensor) -> Tensor:  # noqa: A002 - PyTorch's name
        """The likeliest class of each row (the head's choice when it is a frequent class, else the
        argmax of ``log_prob``), as PyTorch's."""
        x = input if input.ndim > 1 else input.unsqueeze(0)
        head_output = self.head(x)
        choice = head_output.detach().numpy().argmax(1)
        rare = np.flatnonzero(choice >= self.shortlist_size)
        if rare.size:
            index = Tensor(rare)
            choice[rare] = self._full_log_prob(x[index], head_output[index]).detach().numpy().argmax(1)
        out = Tensor(choice.astype(np.int64))
        return out if input.ndim > 1 else out.squeeze(0)

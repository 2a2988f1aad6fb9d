"""``SparseAdam``: Adam for embeddings looked up with ``sparse=True``, as PyTorch's.

PyTorch gives such an embedding a sparse gradient (the rows looked up) and ``SparseAdam``
updates only those rows: their two moments and their values, with the bias correction of the
parameter's step count, which every step advances; the other rows and their moments are left
as they are. MyTorch's gradient is dense; the rows are those a backward reached through a
``sparse=True`` lookup since the last step (``padding_idx`` left out, as PyTorch's), noted by
the lookup (``F.embedding``), with any other row whose gradient is not all zeros (a gradient
set by hand). A ``zero_grad`` between a backward and a step does not forget the rows noted:
they are stepped with a zero gradient (PyTorch's sparse gradient would be gone).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from mytorch.optim.adaptive import _Moments
from mytorch.optim.optimizer import step_in_place

__all__ = ["SparseAdam"]


class SparseAdam(_Moments):
    """Adam on the rows of an embedding's weight that have a gradient (PyTorch's ``SparseAdam``,
    for ``nn.Embedding(..., sparse=True)``), with bias correction; no weight decay.

    Args:
        params: parameters or parameter groups, each the weight of an ``Embedding`` or
            ``EmbeddingBag`` made with ``sparse=True`` (others are refused at the step, as
            PyTorch refuses their dense gradients).
        lr: the learning rate, > 0.
        betas: the decay rates (b1, b2) of the two moments, each in [0, 1).
        eps: added to the denominator, > 0.
        maximize: ascend.
    """

    state_names = ("m", "v", "t")
    nonnegative_states = ("v",)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "maximize": maximize})

    def step(self) -> None:
        """Update the rows with a gradient of every parameter that has one.

        Raises:
            RuntimeError: a parameter that no embedding looked up with ``sparse=True`` (PyTorch's
                error for a dense gradient).
        """
        from mytorch.nn.functional_tensor import has_sparse_gradient, taken_rows

        for group, entries in self._groups_with_grads():
            lr, (b1, b2), eps = group["lr"], group["betas"], group["eps"]
            for i, p, g in entries:
                owner = self.params[i]
                if isinstance(owner, tuple) or not has_sparse_gradient(owner):
                    raise RuntimeError(
                        "SparseAdam does not support dense gradients, please consider Adam instead (MyTorch's "
                        "SparseAdam takes the weights of embeddings made with sparse=True)"
                    )
                t = self._next_step(i)
                touched = np.flatnonzero(g.reshape(len(g), -1).any(1)) if g.ndim else np.zeros(0, np.intp)
                rows = np.union1d(taken_rows(owner), touched)
                if not rows.size:
                    continue
                grad = g[rows]
                m, v = self.m[i], self.v[i]
                m[rows] += (1.0 - b1) * (grad - m[rows])  # (PyTorch's form: old + (1 - b) (new - old))
                v[rows] += (1.0 - b2) * (grad * grad - v[rows])
                step_size = lr * (1.0 - b2**t) ** 0.5 / (1.0 - b1**t)
                delta = np.zeros_like(p)
                delta[rows] = step_size * (m[rows] / (np.sqrt(v[rows]) + eps))
                step_in_place(p, delta, "SparseAdam")

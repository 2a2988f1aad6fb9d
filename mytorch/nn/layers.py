"""Tensor-level layers: ``Linear``, ``Embedding``, ``Identity``, ``Dropout``, ``Flatten``.

``Linear`` holds PyTorch's parameters ``weight`` (out_features, in_features) and ``bias``
(out_features,), drawn as PyTorch draws them, and records one ``linear`` kernel per call.
(The handout's engine-level layer is ``mytorch.nn.modules.linear.Linear(in, out, autograd_engine)``.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from mytorch.arguments import ShapeRuntimeError, check_dim
from mytorch.dtypes import get_default_dtype
from mytorch.nn import functional_tensor as TF
from mytorch.nn import init
from mytorch.nn.module import Module
from mytorch.nn.parameter import Parameter
from mytorch.tensor import Tensor

__all__ = ["Dropout", "Embedding", "Flatten", "Identity", "Linear", "Unflatten"]


def _check_size(layer: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{layer}: {name} must be a positive integer, got {value!r}")
    return int(value)


def expect_tensor(module: Any, x: Any, handout: str | None = None) -> Tensor:
    """``x`` if it is a Tensor, else a TypeError naming what to use instead.

    Args:
        module: the Tensor-level module ``x`` was given to.
        x: its input.
        handout: the handout's engine-level counterpart for arrays, if there is one (e.g.
            ``"mytorch.nn.modules.linear.Linear(in, out, autograd_engine)"``).
    """
    if isinstance(x, Tensor):
        return x
    instead = f", or use the handout's {handout}, which takes numpy arrays and an autograd engine" if handout else ""
    raise TypeError(
        f"{type(module).__name__} (mytorch.nn) takes a mytorch Tensor, got {type(x).__name__}; wrap arrays with "
        f"mytorch.tensor(x){instead}"
    )


class Linear(Module):
    """y = x W^T + b for x of shape (..., in_features).

    Args:
        in_features: size of each input row.
        out_features: size of each output row.
        bias: learn an additive bias (default True).
        dtype: the parameters' dtype (default ``mytorch.get_default_dtype()``, float32).

    Attributes:
        weight: Parameter (out_features, in_features), uniform in +-1/sqrt(in_features)
            (``kaiming_uniform_`` with a = sqrt 5, PyTorch's default).
        bias: Parameter (out_features,), uniform in +-1/sqrt(in_features), or None.
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, device: Any = None, dtype: Any = None
    ) -> None:
        if not isinstance(bias, (bool, np.bool_)):
            raise TypeError(
                f"Linear: bias must be True or False, got an object of type {type(bias).__name__}; for the "
                "handout's layer that records onto an autograd engine use "
                "mytorch.nn.modules.linear.Linear(in, out, autograd_engine)"
            )
        super().__init__()
        self.in_features = _check_size("Linear", "in_features", in_features)
        self.out_features = _check_size("Linear", "out_features", out_features)
        dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=dtype))
        self.bias = Parameter(np.empty(self.out_features, dtype=dtype)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh weights and bias, as PyTorch's ``Linear`` does."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1.0 / math.sqrt(self.in_features)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        """x W^T + b, recorded as one ``linear`` kernel.

        Raises:
            TypeError: ``x`` is not a Tensor.
            ValueError: ``x``'s last axis is not ``in_features`` long.
        """
        if not isinstance(x, Tensor):
            expect_tensor(self, x, "mytorch.nn.modules.linear.Linear(in, out, autograd_engine)")
        data = x._data
        if data.ndim == 0 or data.shape[-1] != self.in_features:
            raise ShapeRuntimeError(
                f"Linear({self.in_features}, {self.out_features}): expected input of shape (..., {self.in_features}), "
                f"got {tuple(x.shape)}"
            )
        w, b = self.weight, self.bias
        if b is None:
            return TF.linear(x, w)
        return TF.record_linear(x, w, b)

    def extra_repr(self) -> str:
        """``in_features=..., out_features=..., bias=...``, shown in ``repr``."""
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Identity(Module):
    """y = x (a placeholder layer); any constructor arguments are ignored, as in PyTorch."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, x: Tensor) -> Tensor:
        """``x`` itself."""
        return x


class Dropout(Module):
    """In training mode, zero each element with probability ``p`` and scale the others by
    1 / (1 - p); in evaluation mode (``eval()``), the identity."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"Dropout: p must be a probability in [0, 1], got {p!r}")
        self.p = float(p)
        self.inplace = bool(inplace)

    def forward(self, x: Tensor) -> Tensor:
        """``x`` with dropout applied in training mode (into ``x`` itself when ``inplace``);
        ``x`` itself in evaluation mode."""
        return TF.dropout(expect_tensor(self, x), self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        """``p=...``, shown in ``repr``."""
        return f"p={self.p}, inplace={self.inplace}"


class Flatten(Module):
    """Flatten axes ``start_dim`` .. ``end_dim`` into one (by default all but the batch axis)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x: Tensor) -> Tensor:
        """``x`` (a Tensor) with axes ``start_dim`` .. ``end_dim`` merged (a recorded reshape).

        Raises:
            IndexError: an axis ``x`` does not have (as PyTorch; it wrapped around, so that
                ``Flatten(2)`` on (N, F) merged the batch axis).
            ValueError: ``start_dim`` comes after ``end_dim``.
        """
        return expect_tensor(self, x).flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        """``start_dim=..., end_dim=...``, shown in ``repr``."""
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split axis ``dim`` into ``unflattened_size`` (one -1 inferred): ``Flatten``'s inverse."""

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, x: Tensor) -> Tensor:
        """``x`` (a Tensor) with axis ``dim`` split (a recorded reshape).

        Raises:
            IndexError: an axis ``x`` does not have. RuntimeError: sizes that do not multiply up
                to the axis' length (PyTorch's error).
        """
        x = expect_tensor(self, x)
        dim = check_dim("Unflatten", self.dim, x.ndim)
        sizes, length = self.unflattened_size, x.shape[dim]
        known = math.prod(n for n in sizes if n != -1)
        if (-1 not in sizes and known != length) or (-1 in sizes and (known == 0 or length % known)):
            raise RuntimeError(
                f"Unflatten: sizes {list(sizes)} don't multiply up to the size of dim {self.dim} ({length}) "
                f"of the input, shape {tuple(x.shape)}"
            )
        return x.reshape(x.shape[:dim] + sizes + x.shape[dim + 1 :])

    def extra_repr(self) -> str:
        """``dim=..., unflattened_size=...``, shown in ``repr``."""
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Embedding(Module):
    """A lookup table: row ``i`` of ``weight`` for each integer index ``i`` of the input (any
    shape), giving ``input.shape + (embedding_dim,)``; ``F.embedding``.

    Args:
        num_embeddings: the number of rows (the vocabulary's size).
        embedding_dim: the length of each row.
        padding_idx: a row that starts at zeros and gets no gradient (a padding token); a
            negative one counts from the end, as in PyTorch.
        max_norm: rows looked up with a larger ``norm_type``-norm are renormalized in place.
        sparse: the gradient is still dense, and the weight is marked as PyTorch's sparse-gradient
            one, which ``optim.SparseAdam`` steps (only the rows with a gradient).
        dtype: the weight's dtype (default ``mytorch.get_default_dtype()``, float32).

    Attributes:
        weight: Parameter (num_embeddings, embedding_dim), standard normal, as PyTorch draws it.

    ``max_norm`` (and ``norm_type``): each looked-up row whose norm is above it is scaled down
    to it in place first, as PyTorch's. ``scale_grad_by_freq`` is not supported (TypeError).
    """

    def __init__(
        self,
        num_embeddings: int,
        embedding_dim: int,
        padding_idx: int | None = None,
        max_norm: float | None = None,
        norm_type: float = 2.0,
        scale_grad_by_freq: bool = False,
        sparse: bool = False,
        _weight: Any = None,
        _freeze: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        if scale_grad_by_freq:
            raise TypeError(
                "Embedding: scale_grad_by_freq (PyTorch's gradient scaled by each index's count) is not supported"
            )
        super().__init__()
        self.max_norm, self.norm_type = max_norm, norm_type
        self.num_embeddings = _check_size("Embedding", "num_embeddings", num_embeddings)
        self.embedding_dim = _check_size("Embedding", "embedding_dim", embedding_dim)
        self.padding_idx = TF.padding_index("Embedding", padding_idx, self.num_embeddings)
        self.sparse = bool(sparse)
        if _weight is None:
            dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
            self.weight = Parameter(np.empty((self.num_embeddings, self.embedding_dim), dtype=dtype))
            self.reset_parameters()
        else:
            values = np.array(_weight._data if isinstance(_weight, Tensor) else _weight)
            if values.shape != (self.num_embeddings, self.embedding_dim):
                raise ValueError(
                    f"Embedding: the weight's shape {tuple(values.shape)} is not ({self.num_embeddings}, "
                    f"{self.embedding_dim})"
                )
            self.weight = Parameter(values, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        """Draw a fresh standard normal weight (the padding row zeros), as PyTorch does."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            init.zeros_(self.weight[self.padding_idx])

    @classmethod
    def from_pretrained(
        cls, embeddings: Any, freeze: bool = True, padding_idx: int | None = None, sparse: bool = False, **kwargs: Any
    ) -> Embedding:
        """An ``Embedding`` holding a copy of ``embeddings`` (2-D), frozen (no gradient) unless
        ``freeze=False``; the padding row keeps its values, as in PyTorch."""
        shape = np.shape(embeddings._data if isinstance(embeddings, Tensor) else embeddings)
        if len(shape) != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D, got shape {shape}")
        rows, dim = shape
        return cls(rows, dim, padding_idx=padding_idx, sparse=sparse, _weight=embeddings, _freeze=freeze, **kwargs)

    def forward(self, input: Any) -> Tensor:  # noqa: A002 - PyTorch's name
        """The rows of ``weight`` at the indices ``input`` (a Tensor or array of integers)."""
        return TF.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type, sparse=self.sparse)

    def extra_repr(self) -> str:
        """``num_embeddings, embedding_dim[, padding_idx=...]``, shown in ``repr``."""
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        return text

"""``mytorch.sparse``: sparse COO matrices as graph-network code uses them, with PyTorch's names.

``sparse_coo_tensor(indices, values, size)`` (also ``mytorch.sparse_coo_tensor``, and the legacy
``sparse.FloatTensor(indices, values, size)``) makes a ``SparseCOOTensor``: integer ``indices``
of shape (ndim, nnz) and one value per entry (a Tensor, recorded as any other). What a GCN needs:

* ``torch.sparse.mm(A, X)``, ``torch.spmm(A, X)``, ``A @ X`` for a sparse matrix A and a dense
  matrix or vector X: each entry's value times its row of X, added into the output rows
  (``index_add``), recorded, so gradients reach X and the values (and what they were computed
  from, such as degree normalisation); PyTorch's gradient of A is sparse with A's pattern, here it
  is ``A.values``' gradient (``A.grad`` is a sparse tensor of it when A's values are a leaf).
* ``coalesce()`` (indices sorted, duplicates summed, recorded), ``is_coalesced()``, ``indices()``,
  ``values()``, ``_nnz()``, ``to_dense()`` (recorded), ``t()``, ``sparse.sum``, ``x.to_sparse()``,
  ``shape``/``size()``/``dtype``/``is_sparse``, ``to(dtype or "cpu")``, ``float()``/``double()``,
  multiplication by a number, ``requires_grad_()``, ``detach()``.

The layout is MyTorch's only, not a Tensor: a dense Tensor function given one (``torch.mm(A,
X)``, ``A + B``) raises ``TypeError`` naming what to use instead (``sparse.mm``, ``to_dense()``).
Values must be one number per entry (no hybrid tensors).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mytorch.dtypes import check_same_dtype, get_default_dtype
from mytorch.size import Size
from mytorch.tensor import Tensor
from mytorch.tensor_index import index_add

__all__ = ["FloatTensor", "DoubleTensor", "SparseCOOTensor", "mm", "sparse_coo_tensor", "spmm", "sum", "to_sparse"]


class SparseCOOTensor:
    """A sparse tensor in coordinate form: ``indices`` (int64, ``(ndim, nnz)``) and ``values``
    (a Tensor of ``nnz`` numbers) of a tensor of ``shape``."""

    is_sparse = True
    layout = "sparse_coo"
    device = "cpu"
    is_cuda = False

    def __init__(self, indices: np.ndarray, values: Tensor, shape: tuple[int, ...], coalesced: bool = False) -> None:
        self._index = indices
        self._vals = values
        self.shape = Size(int(n) for n in shape)  # (PyTorch's torch.Size)
        self._coalesced = coalesced

    # ------------------------------------------------------------------ what it is
    @property
    def dtype(self) -> np.dtype:
        """The values' dtype."""
        return self._vals.dtype

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return len(self.shape)

    def dim(self) -> int:
        """The number of dimensions."""
        return len(self.shape)

    def size(self, dim: int | None = None) -> Any:
        """The shape, or its entry ``dim``."""
        return self.shape if dim is None else self.shape[dim]

    @property
    def requires_grad(self) -> bool:
        """Whether the values require a gradient."""
        return self._vals.requires_grad

    @property
    def grad(self) -> SparseCOOTensor | None:
        """The gradient of the values as a sparse tensor of this pattern (None before a backward)."""
        g = self._vals.grad
        return None if g is None else SparseCOOTensor(self._index, g, self.shape, self._coalesced)

    def requires_grad_(self, requires_grad: bool = True) -> SparseCOOTensor:
        """Make the values (a leaf) require a gradient; returns self."""
        self._vals.requires_grad_(requires_grad)
        return self

    def _nnz(self) -> int:
        return int(self._index.shape[1])

    def indices(self) -> Tensor:
        """The coordinates, (ndim, nnz) int64 (PyTorch asks for a coalesced tensor; so does this)."""
        if not self._coalesced:
            raise RuntimeError("Cannot get indices on an uncoalesced tensor, please call .coalesce() first")
        return Tensor(self._index.copy())

    def values(self) -> Tensor:
        """The values, one per entry (recorded: a view of what the gradient flows through)."""
        if not self._coalesced:
            raise RuntimeError("Cannot get values on an uncoalesced tensor, please call .coalesce() first")
        return self._vals

    def _indices(self) -> Tensor:
        return Tensor(self._index.copy())

    def _values(self) -> Tensor:
        return self._vals

    def is_coalesced(self) -> bool:
        """Whether the indices are sorted and without repeats."""
        return self._coalesced

    # ------------------------------------------------------------------ making others
    def _linear(self) -> np.ndarray:
        return np.ravel_multi_index(tuple(self._index), self.shape) if self._nnz() else np.zeros(0, np.int64)

    def coalesce(self) -> SparseCOOTensor:
        """Indices sorted (row-major), duplicate entries summed (recorded)."""
        if self._coalesced:
            return self
        unique, inverse = np.unique(self._linear(), return_inverse=True)
        zeros = Tensor(np.zeros(len(unique), dtype=self.dtype))
        summed = index_add(zeros, 0, Tensor(inverse.reshape(-1).astype(np.int64)), self._vals)
        indices = np.array(np.unravel_index(unique, self.shape), dtype=np.int64).reshape(len(self.shape), -1)
        return SparseCOOTensor(indices, summed, self.shape, True)

    def to_dense(self) -> Tensor:
        """The dense tensor (recorded: its gradient reaches the values)."""
        flat = Tensor(np.zeros(math.prod(self.shape), dtype=self.dtype))
        return index_add(flat, 0, Tensor(self._linear().astype(np.int64)), self._vals).reshape(self.shape)

    def t(self) -> SparseCOOTensor:
        """The transpose of a sparse matrix."""
        if self.ndim != 2:
            raise ValueError(f"t: expects a sparse matrix, got {self.ndim} dimensions")
        return SparseCOOTensor(self._index[::-1].copy(), self._vals, self.shape[::-1])

    def transpose(self, dim0: int, dim1: int) -> SparseCOOTensor:
        """Dimensions ``dim0`` and ``dim1`` swapped."""
        order = list(range(self.ndim))
        order[dim0], order[dim1] = order[dim1], order[dim0]
        shape = tuple(self.shape[d] for d in order)
        return SparseCOOTensor(self._index[order].copy(), self._vals, shape)

    def to(self, *args: Any, dtype: Any = None, device: Any = None, **_: Any) -> SparseCOOTensor:
        """Its values in another dtype (``"cpu"`` and ``torch.device("cpu")`` change nothing)."""
        for arg in args:
            if isinstance(arg, str) or type(arg).__name__ == "device":
                device = arg
            else:
                dtype = arg
        if device is not None and str(device) != "cpu":
            raise ValueError(f"to: MyTorch runs on NumPy, so the only device is 'cpu', got {device!r}")
        if dtype is None or np.dtype(dtype) == self.dtype:
            return self
        return SparseCOOTensor(self._index, self._vals.to(dtype), self.shape, self._coalesced)

    def cpu(self) -> SparseCOOTensor:
        """Itself: it is on the CPU."""
        return self

    def float(self) -> SparseCOOTensor:  # noqa: A003 - PyTorch's name
        """Float32 values."""
        return self.to(np.float32)

    def double(self) -> SparseCOOTensor:
        """Float64 values."""
        return self.to(np.float64)

    def detach(self) -> SparseCOOTensor:
        """The same entries, with values outside the graph."""
        return SparseCOOTensor(self._index, self._vals.detach(), self.shape, self._coalesced)

    def __mul__(self, other: Any) -> SparseCOOTensor:
        if isinstance(other, (Tensor, SparseCOOTensor, np.ndarray)):
            raise TypeError("a sparse tensor times a tensor: use to_dense(), or scale the values")
        return SparseCOOTensor(self._index, self._vals * other, self.shape, self._coalesced)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> SparseCOOTensor:
        return self * (1.0 / other)

    def __neg__(self) -> SparseCOOTensor:
        return self * -1

    def __matmul__(self, other: Any) -> Tensor:
        return mm(self, other)

    def mm(self, other: Any) -> Tensor:
        """``sparse.mm(self, other)``."""
        return mm(self, other)

    def matmul(self, other: Any) -> Tensor:
        """``sparse.mm(self, other)``."""
        return mm(self, other)

    def __array__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise TypeError(
            "a sparse tensor is not an array: use torch.sparse.mm(A, X) or A @ X for products, "
            "A.to_dense() for the rest"
        )

    def __repr__(self) -> str:
        return (
            f"tensor(indices={Tensor(self._index)!r},\n       values={self._vals.detach()!r},\n"
            f"       size={tuple(self.shape)}, nnz={self._nnz()}, layout=torch.sparse_coo)"
        )


def sparse_coo_tensor(
    indices: Any,
    values: Any,
    size: Any = None,
    *,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    check_invariants: bool | None = None,
    is_coalesced: bool | None = None,
) -> SparseCOOTensor:
    """A sparse COO tensor with ``values`` at ``indices`` (``(ndim, nnz)`` integers), of ``size``
    (default: one more than each dimension's largest index), as PyTorch's ``torch.sparse_coo_tensor``.

    Raises:
        ValueError: indices not a matrix of integers, values not one number per entry, an index
            outside ``size`` or negative.
    """
    index = np.asarray(indices._data if isinstance(indices, Tensor) else indices)
    if index.ndim != 2 or (index.size and index.dtype.kind not in "iu"):
        raise ValueError(f"sparse_coo_tensor: indices must be integers of shape (ndim, nnz), got {tuple(index.shape)}")
    index = index.astype(np.int64)
    vals = values if isinstance(values, Tensor) else Tensor(np.asarray(values))
    if vals.dtype.kind not in "fc" and dtype is None:
        vals = vals.to(get_default_dtype()) if vals.dtype.kind == "b" else vals
    if dtype is not None:
        vals = vals.to(dtype)
    if vals.ndim != 1 or vals.shape[0] != index.shape[1]:
        raise ValueError(
            f"sparse_coo_tensor: values must be one number per entry ({index.shape[1]}), got shape {tuple(vals.shape)}"
        )
    if size is None:
        size = tuple(int(i) + 1 for i in index.max(axis=1)) if index.shape[1] else (0,) * index.shape[0]
    shape = tuple(int(n) for n in size)
    if len(shape) != index.shape[0]:
        raise ValueError(f"sparse_coo_tensor: size {shape} has {len(shape)} dimensions, indices {index.shape[0]}")
    if index.size and ((index < 0).any() or (index >= np.array(shape)[:, None]).any()):
        raise ValueError(f"sparse_coo_tensor: an index is negative or outside size {shape}")
    if requires_grad:
        vals = vals.detach().requires_grad_()
    sorted_unique = index.shape[1] < 2 or bool(np.all(np.diff(np.ravel_multi_index(tuple(index), shape)) > 0))
    return SparseCOOTensor(index, vals, shape, bool(is_coalesced) or sorted_unique)


def FloatTensor(indices: Any, values: Any, size: Any = None) -> SparseCOOTensor:  # noqa: N802 - PyTorch's name
    """The legacy ``torch.sparse.FloatTensor(indices, values, size)``: float32 values."""
    return sparse_coo_tensor(indices, values, size, dtype=np.float32)


def DoubleTensor(indices: Any, values: Any, size: Any = None) -> SparseCOOTensor:  # noqa: N802 - PyTorch's name
    """The legacy ``torch.sparse.DoubleTensor(indices, values, size)``: float64 values."""
    return sparse_coo_tensor(indices, values, size, dtype=np.float64)


def mm(mat1: SparseCOOTensor, mat2: Any) -> Tensor:
    """The product of a sparse matrix and a dense matrix or vector, recorded (``index_add`` of
    each entry's value times its row of ``mat2``)."""
    if not isinstance(mat1, SparseCOOTensor):
        raise TypeError(f"sparse.mm: the first operand must be a sparse tensor, got {type(mat1).__name__}")
    dense = mat2 if isinstance(mat2, Tensor) else Tensor(np.asarray(mat2))
    if mat1.ndim != 2 or dense.ndim not in (1, 2) or dense.shape[0] != mat1.shape[1]:
        raise ValueError(
            f"sparse.mm: shapes {tuple(mat1.shape)} (sparse) and {tuple(dense.shape)} cannot be multiplied"
        )
    check_same_dtype("sparse.mm", mat1._vals._data, dense._data)  # (as the dense products: no promotion)
    rows = Tensor(mat1._index[0])
    picked = dense[Tensor(mat1._index[1])]
    vals = mat1._vals if dense.ndim == 1 else mat1._vals.unsqueeze(1)
    out = Tensor(np.zeros((mat1.shape[0], *dense.shape[1:]), dtype=dense.dtype))
    return index_add(out, 0, rows, picked * vals)


def spmm(mat1: SparseCOOTensor, mat2: Any) -> Tensor:
    """``sparse.mm`` (PyTorch's ``torch.spmm``)."""
    return mm(mat1, mat2)


def sum(input: SparseCOOTensor, dim: Any = None) -> Any:  # noqa: A001, A002 - PyTorch's names
    """The sum of all values (a Tensor), or over ``dim`` of the dense tensor (recorded)."""
    if dim is None:
        return input._vals.sum()
    return input.to_dense().sum(dim)


def to_sparse(self: Tensor, sparse_dim: int | None = None) -> SparseCOOTensor:
    """``x.to_sparse()``: the nonzero entries of a dense tensor, coalesced (recorded: the values
    are read from ``x``, so gradients reach it)."""
    if sparse_dim is not None and sparse_dim != self.ndim:
        raise ValueError("to_sparse: hybrid tensors (sparse_dim below ndim) are not supported")
    index = np.array(np.nonzero(self._data), dtype=np.int64).reshape(self.ndim, -1)
    return SparseCOOTensor(index, self[tuple(Tensor(i) for i in index)], self.shape, True)

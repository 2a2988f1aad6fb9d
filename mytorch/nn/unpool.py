"""``F.max_unpool1d``/``2d``/``3d`` and ``nn.MaxUnpool1d``/``2d``/``3d``, as PyTorch's: the
partial inverse of a max pool run with ``return_indices=True`` (SegNet's decoder). Each value is
written at the place its index names in the flattened spatial plane of a zero output (``scatter``,
recorded: the gradient of a value is the output gradient read back at its place); the output's
spatial size is ``(n - 1) * stride - 2 * padding + kernel_size`` unless ``output_size`` says."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mytorch.nn.module import Module
from mytorch.tensor import Tensor
from mytorch.tensor_index import scatter

__all__ = ["MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d", "max_unpool1d", "max_unpool2d", "max_unpool3d"]


def _sizes(op: str, name: str, value: Any, nd: int) -> tuple[int, ...]:
    values = tuple(value) if isinstance(value, (tuple, list)) else (value,) * nd
    if len(values) != nd or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
        raise ValueError(f"{op}: {name} must be an int or {nd} ints, got {value!r}")
    return tuple(int(v) for v in values)


def _unpool(
    op: str,
    nd: int,
    input: Any,  # noqa: A002 - PyTorch's name
    indices: Any,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    output_size: Any,
) -> Tensor:
    x = input if isinstance(input, Tensor) else Tensor(np.asarray(input))
    where = indices if isinstance(indices, Tensor) else Tensor(np.asarray(indices))
    if x.ndim not in (nd + 1, nd + 2):
        raise ValueError(f"{op}: expects a ({nd + 1}-d) or ({nd + 2}-d) input, got shape {tuple(x.shape)}")
    if where.shape != x.shape or where.dtype.kind not in "iu":
        raise ValueError(
            f"{op}: indices must be integers of the input's shape {tuple(x.shape)}, got {tuple(where.shape)}"
        )
    unbatched = x.ndim == nd + 1
    if unbatched:
        x, where = x.unsqueeze(0), where.unsqueeze(0)
    kernel = _sizes(op, "kernel_size", kernel_size, nd)
    steps = kernel if stride is None else _sizes(op, "stride", stride, nd)
    pads = _sizes(op, "padding", padding, nd)
    spatial = tuple((n - 1) * s - 2 * p + k for n, s, p, k in zip(x.shape[2:], steps, pads, kernel, strict=True))
    if output_size is not None:
        given = tuple(int(v) for v in output_size)
        given = given[2:] if len(given) == nd + 2 else given
        if len(given) != nd:
            raise ValueError(f"{op}: output_size must give the {nd} spatial sizes, got {output_size!r}")
        for d, (size, default, step) in enumerate(zip(given, spatial, steps)):
            # PyTorch's range: a size further from the pool's input size than a stride would lay the
            # indices (places in the pool input's plane) out on rows of another width, silently
            if not default - step < size < default + step:
                raise ValueError(
                    f"{op}: invalid output_size {output_size!r} (dim {d} must be between {default - step} "
                    f"and {default + step}, exclusive: the size of the max pool's input)"
                )
        spatial = given
    plane = math.prod(spatial)
    flat = where._data.reshape(*x.shape[:2], -1)
    if flat.size and (flat.min() < 0 or flat.max() >= plane):
        raise ValueError(f"{op}: an index is outside the output's spatial plane of {plane} elements {spatial}")
    zeros = Tensor(np.zeros((*x.shape[:2], plane), dtype=x.dtype))
    out = scatter(zeros, 2, Tensor(flat.astype(np.int64)), x.reshape(*x.shape[:2], -1))
    out = out.reshape(*x.shape[:2], *spatial)
    return out.squeeze(0) if unbatched else out


def _unpool_function(nd: int) -> Any:
    name = f"max_unpool{nd}d"

    def unpool(
        input: Any,  # noqa: A002 - PyTorch's name
        indices: Any,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        output_size: Any = None,
    ) -> Tensor:
        return _unpool(name, nd, input, indices, kernel_size, stride, padding, output_size)

    unpool.__name__ = unpool.__qualname__ = name
    unpool.__doc__ = f"PyTorch's ``F.{name}``: the values written back where ``max_pool{nd}d`` took them."
    return unpool


max_unpool1d, max_unpool2d, max_unpool3d = _unpool_function(1), _unpool_function(2), _unpool_function(3)


class _MaxUnpoolNd(Module):
    """``nn.MaxUnpool{1,2,3}d(kernel_size, stride=None, padding=0)``; ``forward(input, indices, output_size=None)``."""

    nd = 2

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        op = type(self).__name__
        self.kernel_size = _sizes(op, "kernel_size", kernel_size, self.nd)
        self.stride = self.kernel_size if stride is None else _sizes(op, "stride", stride, self.nd)
        self.padding = _sizes(op, "padding", padding, self.nd)

    def forward(self, input: Tensor, indices: Tensor, output_size: Any = None) -> Tensor:  # noqa: A002
        """The values written back at ``indices`` (from a max pool's ``return_indices``)."""
        op = type(self).__name__
        return _unpool(op, self.nd, input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self) -> str:
        """PyTorch's."""
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool1d(_MaxUnpoolNd):
    """PyTorch's ``nn.MaxUnpool1d``."""

    nd = 1


class MaxUnpool2d(_MaxUnpoolNd):
    """PyTorch's ``nn.MaxUnpool2d``."""

    nd = 2


class MaxUnpool3d(_MaxUnpoolNd):
    """PyTorch's ``nn.MaxUnpool3d``."""

    nd = 3

"""``nn.init``: fill a weight Tensor in place from PyTorch's initial distributions.

Each function overwrites ``tensor``'s values (keeping its array and dtype, outside any graph)
and returns the tensor. The random ones draw from the generator that ``mytorch.manual_seed``
seeds. The fans of a weight of shape (out, in, *kernel) are fan_in = in * prod(kernel) and
fan_out = out * prod(kernel).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mytorch.arguments import check_in
from mytorch.autograd_engine import no_grad
from mytorch.factories import default_generator
from mytorch.tensor import Tensor, check_setting
from mytorch.tensor_methods import check_ends

__all__ = [
    "calculate_gain",
    "constant_",
    "dirac_",
    "eye_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "orthogonal_",
    "sparse_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]


def _fill(name: str, tensor: Any, values: Any) -> Tensor:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"init.{name}: expected a mytorch Tensor (e.g. layer.weight), got {type(tensor).__name__}")
    with no_grad():  # a write outside the graph; one a live graph reads bumps the version
        tensor.copy_(values)
    return tensor


def _fans(name: str, tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of shape (out, in, *kernel)."""
    if tensor.ndim < 2:
        raise ValueError(f"init.{name}: fans need a weight of at least 2 dimensions, got shape {tuple(tensor.shape)}")
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The scale that keeps activations' variance steady through ``nonlinearity``: 1 for
    linear (and the convolutions, ``conv1d`` ... ``conv_transpose3d``, as PyTorch names them) and
    sigmoid, 5/3 for tanh, sqrt 2 for relu, sqrt(2 / (1 + slope^2)) for leaky_relu (slope
    ``param``, default 0.01), 3/4 for selu."""
    gains = {"linear": 1.0, "identity": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3.0, "relu": math.sqrt(2.0), "selu": 0.75}
    gains.update((f"conv{kind}{n}d", 1.0) for kind in ("", "_transpose") for n in (1, 2, 3))
    if nonlinearity in gains:
        return gains[nonlinearity]
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1.0 + slope**2))
    known = ", ".join([*gains, "leaky_relu"])
    raise ValueError(f"init.calculate_gain: unknown nonlinearity {nonlinearity!r}; known: {known}")


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Values drawn uniformly from [a, b) (ends the dtype holds, as in PyTorch: 70000.0 drew infs
    into float16)."""
    if isinstance(tensor, Tensor):
        check_ends("init.uniform_", tensor._data.dtype, (("a", a), ("b", b)))
    return _fill("uniform_", tensor, default_generator.uniform(a, b, size=np.shape(tensor._data)))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Values drawn from the normal distribution N(mean, std^2) (a NaN or negative std is refused)."""
    check_in("init.normal_", "std", std, std >= 0, "at least 0")
    return _fill("normal_", tensor, default_generator.normal(mean, std, size=np.shape(tensor._data)))


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0) -> Tensor:
    """Values drawn from N(mean, std^2) restricted to [a, b] (draws outside are drawn again)."""
    if not a < b:
        raise ValueError(f"init.trunc_normal_: the bounds must satisfy a < b, got a={a}, b={b}")
    values = default_generator.normal(mean, std, size=np.shape(tensor._data))
    outside = (values < a) | (values > b)
    for _ in range(100):
        if not outside.any():
            break
        values[outside] = default_generator.normal(mean, std, size=int(outside.sum()))
        outside = (values < a) | (values > b)
    else:
        raise ValueError(f"init.trunc_normal_: [{a}, {b}] is too unlikely under N({mean}, {std}^2) to draw from")
    return _fill("trunc_normal_", tensor, values)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Every value ``val`` (one the dtype holds, as ``fill_`` takes it: 70000.0 was inf in float16)."""
    if isinstance(tensor, Tensor):
        check_setting("init.constant_", "val", val, tensor._data.dtype)
    return _fill("constant_", tensor, val)


def zeros_(tensor: Tensor) -> Tensor:
    """Every value 0."""
    return _fill("zeros_", tensor, 0)


def ones_(tensor: Tensor) -> Tensor:
    """Every value 1."""
    return _fill("ones_", tensor, 1)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot: uniform in +-gain sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans("xavier_uniform_", tensor)
    bound = float(gain) * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot: normal with standard deviation gain sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans("xavier_normal_", tensor)
    return normal_(tensor, 0.0, float(gain) * math.sqrt(2.0 / (fan_in + fan_out)))


def _kaiming_std(name: str, tensor: Tensor, a: float, mode: str, nonlinearity: str) -> float:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"init.{name}: mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _fans(name, tensor)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan_in if mode == "fan_in" else fan_out)


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu") -> Tensor:
    """He: uniform in +-sqrt(3) gain / sqrt(fan), gain from ``nonlinearity`` (slope ``a``).

    ``nn.Linear`` uses a = sqrt 5, which makes the bound 1 / sqrt(in_features).
    """
    bound = math.sqrt(3.0) * _kaiming_std("kaiming_uniform_", tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in", nonlinearity: str = "leaky_relu") -> Tensor:
    """He: normal with standard deviation gain / sqrt(fan)."""
    return normal_(tensor, 0.0, _kaiming_std("kaiming_normal_", tensor, a, mode, nonlinearity))


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """A (semi-)orthogonal matrix times ``gain`` (the tensor's trailing axes flattened): the Q of a
    QR factorization of normal draws, its columns' signs fixed by R's diagonal, as PyTorch's."""
    if not isinstance(tensor, Tensor) or tensor.ndim < 2:
        raise ValueError("init.orthogonal_: needs a Tensor of at least 2 dimensions")
    rows, cols = tensor.shape[0], math.prod(tensor.shape[1:])
    rng = default_generator if generator is None else generator
    flat = rng.normal(0.0, 1.0, (rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _fill("orthogonal_", tensor, Tensor((gain * q).reshape(tensor.shape).astype(tensor.dtype)))


def eye_(tensor: Tensor) -> Tensor:
    """The identity matrix (ones on the diagonal of a 2-D tensor, zeros elsewhere)."""
    if not isinstance(tensor, Tensor) or tensor.ndim != 2:
        raise ValueError("init.eye_: needs a 2-D Tensor")
    return _fill("eye_", tensor, Tensor(np.eye(*tensor.shape, dtype=tensor.dtype)))


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """The identity convolution: a 3-, 4- or 5-D weight (out, in, *kernel) of zeros with a 1 at
    the kernel's centre (index k // 2 on each axis) for out channel d and in channel d, for d up
    to min(out / groups, in), in each of ``groups`` blocks of out channels, as PyTorch's.

    Raises:
        ValueError: another number of dimensions, or out channels not divisible by ``groups``.
    """
    if not isinstance(tensor, Tensor) or tensor.ndim not in (3, 4, 5):
        raise ValueError("init.dirac_: needs a Tensor of 3, 4 or 5 dimensions (a convolution's weight)")
    if groups < 1 or tensor.shape[0] % groups:
        raise ValueError(f"init.dirac_: the out channels ({tensor.shape[0]}) must be divisible by groups ({groups})")
    per_group = tensor.shape[0] // groups
    values = np.zeros(tensor.shape, dtype=tensor.dtype)
    centre = tuple(k // 2 for k in tensor.shape[2:])
    for g in range(groups):
        for d in range(min(per_group, tensor.shape[1])):
            values[(g * per_group + d, d) + centre] = 1
    return _fill("dirac_", tensor, Tensor(values))


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator: Any = None) -> Tensor:
    """A 2-D weight of normal draws (mean 0, ``std``) with ceil(sparsity * rows) of each column's
    entries, at random rows, set to 0, as PyTorch's.

    Raises:
        ValueError: not a 2-D tensor.
    """
    if not isinstance(tensor, Tensor) or tensor.ndim != 2:
        raise ValueError("init.sparse_: needs a 2-D Tensor")
    rows, cols = tensor.shape
    rng = default_generator if generator is None else generator
    values = rng.normal(0.0, std, (rows, cols))
    zeros = math.ceil(sparsity * rows)
    for col in range(cols):
        values[rng.permutation(rows)[:zeros], col] = 0.0
    return _fill("sparse_", tensor, Tensor(values.astype(tensor.dtype)))

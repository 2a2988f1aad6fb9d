"""``torch.nn.utils``: gradient clipping, ``clip_grad_norm_`` and ``clip_grad_value_``; and
``parameters_to_vector`` / ``vector_to_parameters``.

The clipping functions change the parameters' ``.grad`` in place (outside any graph, as an optimizer's step
does) and are called between ``loss.backward()`` and ``optimizer.step()``; parameters whose
``.grad`` is None are skipped.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable
from typing import Any

import numpy as np

from mytorch import tensor_shape
from mytorch.autograd_engine import no_grad
from mytorch.dtypes import get_default_dtype
from mytorch.nn.functional import _NORM_LOW as NORM_LOW
from mytorch.nn.functional import norm as norm_kernel
from mytorch.tensor import CAPTURE, Tensor, capturing

__all__ = [
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "get_total_norm",
    "parameters_to_vector",
    "prune",
    "remove_spectral_norm",
    "remove_weight_norm",
    "rnn",
    "spectral_norm",
    "vector_to_parameters",
    "weight_norm",
]


def _tensors(op: str, parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    """The parameters as a list (one Tensor may stand for a list of it), each checked to be a Tensor."""
    items = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for p in items:
        if not isinstance(p, Tensor):
            raise TypeError(f"{op}: expected Tensors (model.parameters()), got a {type(p).__name__}")
    return items


def _gradients(op: str, parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    """The ``.grad`` of each parameter that has one."""
    return [p.grad for p in _tensors(op, parameters) if p.grad is not None]


def _tell_capture(name: str) -> None:
    """A step ``mytorch.replay`` captures clips its gradients: it refuses the step, whose
    clipping depends on the gradients' values (under the limit nothing changes; a replay would
    then never clip)."""
    recorder = capturing() if CAPTURE else None
    if recorder is not None:
        recorder.clipping(name)


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float | str = 2.0,
    error_if_nonfinite: bool = False,
    foreach: Any = None,
) -> Tensor:
    """Scale the gradients together so that their joint ``norm_type``-norm (2, 1, any p > 0, or
    inf) is at most ``max_norm``, as PyTorch does: each is multiplied by
    min(max_norm / (norm + 1e-6), 1). Returns the norm before clipping (a 0-d Tensor in the
    gradients' dtype; 0 when no parameter has a gradient). ``foreach`` is accepted and ignored.

    Raises:
        ValueError: ``norm_type`` is not a positive number or inf.
        RuntimeError: the norm is NaN or infinite and ``error_if_nonfinite`` is set (as PyTorch).
    """
    grads = _gradients("clip_grad_norm_", parameters)
    _tell_capture("clip_grad_norm_")
    total = _total_norm("clip_grad_norm_", grads, norm_type, error_if_nonfinite)
    _scale_to(grads, max_norm, total._data)
    return total


def _total_norm(op: str, grads: list[Tensor], norm_type: float | str, error_if_nonfinite: bool) -> Tensor:
    """The ``norm_type``-norm of the tensors ``grads`` together (0 of the default dtype for none)."""
    p = float(norm_type)  # (float("inf") also from the string "inf")
    if not p > 0:
        raise ValueError(f"{op}: norm_type must be a positive number or inf, got {norm_type!r}")
    if not grads:
        return Tensor(np.zeros((), dtype=get_default_dtype()))
    dtype = np.result_type(*[g._data for g in grads])
    wide = np.result_type(dtype, np.float32)  # float16 is summed in float32, as PyTorch does (300**2 overflowed)
    flat = [g._data.ravel().astype(wide, copy=False) for g in grads]
    each = np.array([_vector_norm(g, p) if g.size else 0.0 for g in flat], dtype=wide)
    with np.errstate(over="ignore"):  # (a float16 norm beyond 65504 is inf, as in PyTorch)
        total = np.asarray(_vector_norm(each, p), dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"{op}: the total norm of order {p} of the gradients is {float(total)}, so it cannot be "
            "clipped; pass error_if_nonfinite=False to scale the gradients by it anyway"
        )
    return Tensor(total)


def _vector_norm(g: np.ndarray, p: float) -> Any:
    """NumPy's p-norm of a vector, or where its sum of |g|**p overflowed or underflowed the
    kernel's rescaled one: float32 gradients of 5e19 had the norm inf, and clipping made them 0
    (as PyTorch's); [3e-23, 4e-23] had the norm 5.29e-23, [1e-30, 0] 0."""
    value = np.linalg.norm(g, p)
    v = float(value)
    if 1.0 <= v < math.inf or v != v or p == math.inf:  # (the usual case first: nothing to check)
        return value
    low = NORM_LOW.get(g.dtype.type)
    if low is None or v == math.inf:
        return value if low is None else norm_kernel(g, p)
    if p == 1 or (v > 0 and p * math.log(v) >= math.log(low)) or (v == 0 and not g.any()):
        return value
    return norm_kernel(g, p)


def _scale_to(grads: list[Tensor], max_norm: float, total: np.ndarray) -> None:
    """Each of ``grads`` times min(max_norm / (total + 1e-6), 1), in place."""
    if not grads:
        return
    wide = np.result_type(*[g._data for g in grads], np.float32)
    # (in float32 at least: max_norm or 1e-6 in float16 was inf or a subnormal)
    coefficient = np.minimum(np.asarray(max_norm, dtype=wide) / (total.astype(wide) + np.asarray(1e-6, wide)), 1.0)
    if not coefficient >= 1:  # (NaN too: NaN gradients, as in PyTorch)
        with no_grad():
            for g in grads:
                g.mul_(coefficient.astype(g.dtype))


def get_total_norm(
    tensors: Tensor | Iterable[Tensor],
    norm_type: float | str = 2.0,
    error_if_nonfinite: bool = False,
    foreach: Any = None,
) -> Tensor:
    """PyTorch's ``nn.utils.get_total_norm``: the ``norm_type``-norm of ``tensors`` (the
    gradients, ``[p.grad for p in model.parameters()]``; None entries skipped) taken together,
    as ``clip_grad_norm_`` computes it. ``foreach`` is accepted and ignored.

    Raises:
        ValueError: ``norm_type`` is not a positive number or inf.
        RuntimeError: the norm is NaN or infinite and ``error_if_nonfinite`` is set.
    """
    given: Iterable[Any] = [tensors] if isinstance(tensors, Tensor) else tensors
    items = [t for t in given if t is not None]
    return _total_norm("get_total_norm", _tensors("get_total_norm", items), norm_type, error_if_nonfinite)


def clip_grads_with_norm_(
    parameters: Tensor | Iterable[Tensor], max_norm: float, total_norm: Any, foreach: Any = None
) -> None:
    """PyTorch's ``nn.utils.clip_grads_with_norm_``: the parameters' gradients scaled by
    min(max_norm / (total_norm + 1e-6), 1), in place, ``total_norm`` from ``get_total_norm``
    (``clip_grad_norm_`` is the two together)."""
    grads = _gradients("clip_grads_with_norm_", parameters)
    _tell_capture("clip_grads_with_norm_")
    total = np.asarray(total_norm._data if isinstance(total_norm, Tensor) else total_norm)
    _scale_to(grads, max_norm, total)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float, foreach: Any = None) -> None:
    """Clamp every gradient element into [-clip_value, clip_value], in place, as PyTorch does."""
    value = float(clip_value)
    if math.isnan(value):
        raise ValueError("clip_grad_value_: clip_value must be a number, got NaN")
    grads = _gradients("clip_grad_value_", parameters)
    _tell_capture("clip_grad_value_")
    with no_grad():
        for g in grads:
            g.clamp_(-value, value)


def parameters_to_vector(parameters: Tensor | Iterable[Tensor]) -> Tensor:
    """Every parameter flattened and joined into one 1-D Tensor, in order (recorded: a gradient
    of the vector reaches the parameters, as in PyTorch)."""
    items = _tensors("parameters_to_vector", parameters)
    if not items:
        raise ValueError("parameters_to_vector: no parameters")
    return tensor_shape.cat([p.reshape(-1) for p in items])


def vector_to_parameters(vec: Tensor, parameters: Tensor | Iterable[Tensor]) -> None:
    """Copy consecutive pieces of the 1-D ``vec`` into the parameters, in order (in place, outside
    any graph; PyTorch rebinds each parameter's ``.data`` to a view of ``vec``, MyTorch copies).

    Raises:
        TypeError: ``vec`` is not a Tensor. ValueError: its length is not the parameters' total.
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected a Tensor, but got: {type(vec).__name__}")
    items = _tensors("vector_to_parameters", parameters)
    total = sum(p.numel() for p in items)
    if vec.ndim != 1 or vec.numel() != total:
        raise ValueError(
            f"vector_to_parameters: a 1-D vector of {total} values is needed, got shape {tuple(vec.shape)}"
        )
    with no_grad():
        start = 0
        for p in items:
            p.copy_(vec[start : start + p.numel()].reshape(p.shape))
            start += p.numel()


def _norm_except_dim(v: Tensor, dim: int) -> Tensor:
    """The 2-norm of ``v`` over every axis but ``dim`` (kept, as length-1 axes), or of all of it
    (``dim`` -1), as PyTorch's ``norm_except_dim``."""
    if dim == -1:
        return v.norm()
    axes = tuple(d for d in range(v.ndim) if d != dim)
    return v.norm(2, axes, keepdim=True)  # (not (v * v).sum().sqrt(): float16's squares overflow from 256)


class _WeightNorm:
    """The forward pre-hook ``weight_norm`` registers: ``name = g * v / ||v||`` before each call."""

    def __init__(self, name: str, dim: int) -> None:
        self.name, self.dim = name, dim

    def compute_weight(self, module: Any) -> Tensor:
        g, v = getattr(module, self.name + "_g"), getattr(module, self.name + "_v")
        return v * (g / _norm_except_dim(v, self.dim))

    def __call__(self, module: Any, inputs: Any) -> None:
        object.__setattr__(module, self.name, self.compute_weight(module))  # (part of the step: no edition)


def weight_norm(module: Any, name: str = "weight", dim: int | None = 0) -> Any:
    """PyTorch's (older) ``nn.utils.weight_norm``: the parameter ``name`` of ``module`` replaced by
    ``name_g`` (its norm over every axis but ``dim``; the whole norm for ``dim=None``) and
    ``name_v`` (its direction), and recomputed as ``name_g * name_v / ||name_v||`` before each
    forward; returns the module.

    Raises:
        RuntimeError: ``name`` has weight norm already.
    """
    hooks = module.__dict__.setdefault("_weight_norms", {})
    if name in hooks:
        raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
    weight = getattr(module, name)
    dim = -1 if dim is None else (dim + weight.ndim if dim < -1 else dim)
    fn = _WeightNorm(name, dim)
    delattr(module, name)
    with no_grad():
        g = _norm_except_dim(weight.detach(), dim)
    setattr(module, name + "_g", type(weight)(g._data.copy()))
    setattr(module, name + "_v", type(weight)(weight._data.copy()))
    fn(module, ())
    hooks[name] = (fn, module.register_forward_pre_hook(fn))
    return module


def remove_weight_norm(module: Any, name: str = "weight") -> Any:
    """Undo ``weight_norm``: ``name`` a parameter again, with the value ``g * v / ||v||``.

    Raises:
        ValueError: ``name`` has no weight norm.
    """
    hooks = module.__dict__.get("_weight_norms", {})
    if name not in hooks:
        raise ValueError(f"weight_norm of '{name}' not found in {module}")
    fn, handle = hooks.pop(name)
    with no_grad():
        weight = fn.compute_weight(module)
    handle.remove()
    delattr(module, name + "_g")
    delattr(module, name + "_v")
    object.__delattr__(module, name)
    from mytorch.nn.parameter import Parameter

    setattr(module, name, Parameter(weight._data.copy()))
    return module


from mytorch.nn import rnn_utils as rnn  # noqa: E402 - torch.nn.utils.rnn: pad_sequence, pack_padded_sequence, ...

sys.modules[__name__ + ".rnn"] = rnn  # (``from mytorch.nn.utils.rnn import pad_sequence``)
from mytorch.nn import parametrizations, parametrize  # noqa: E402 - torch.nn.utils.parametrize, .parametrizations

sys.modules[__name__ + ".parametrize"] = parametrize
sys.modules[__name__ + ".parametrizations"] = parametrizations
from mytorch.nn import prune  # noqa: E402 - torch.nn.utils.prune

sys.modules[__name__ + ".prune"] = prune
from mytorch.nn.spectral_norm import remove_spectral_norm, spectral_norm  # noqa: E402 - the older hook API


def __getattr__(name: str) -> Any:
    """A name this module lacks (``spectral_norm``, ``parametrizations``, ...): MyTorch does not have PyTorch's."""
    from mytorch.arguments import not_in_mytorch

    raise not_in_mytorch("mytorch.nn.utils", name)

"""Spectral normalisation, PyTorch's two spellings: ``nn.utils.spectral_norm`` (the older hook:
``weight_orig`` a parameter, ``weight_u`` and ``weight_v`` buffers) with ``remove_spectral_norm``,
and ``nn.utils.parametrizations.spectral_norm`` (a parametrization holding the buffers ``_u`` and
``_v``). Either divides the weight by its largest singular value sigma, estimated by power
iteration: in training mode each forward first updates u and v in place (``n_power_iterations``
steps, not recorded), then sigma = u . (W v) is recorded, so the gradient flows through it, as in
PyTorch. The weight is taken as a matrix with axis ``dim`` first (0, or 1 for a transposed
convolution). u and v start as normalised draws of MyTorch's generator (PyTorch's draws differ:
load the buffers, e.g. with ``load_state_dict``, for the same numbers).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mytorch.autograd_engine import no_grad
from mytorch.factories import default_generator
from mytorch.nn.module import Module
from mytorch.nn.parametrize import register_parametrization
from mytorch.tensor import Tensor

__all__ = ["parametrized_spectral_norm", "remove_spectral_norm", "spectral_norm"]


def _matrix(weight: Tensor, dim: int) -> Tensor:
    """The weight as a matrix: axis ``dim`` first, the rest flattened (recorded)."""
    if dim != 0:
        weight = weight.permute(dim, *[d for d in range(weight.ndim) if d != dim])
    return weight.reshape(weight.shape[0], -1)


def _normalized(v: np.ndarray, eps: float) -> np.ndarray:
    # (the norm in float64: a float16 one overflowed from entries ~256, u and v became 0, the weight NaN)
    return (v / max(float(np.linalg.norm(v.astype(np.float64))), eps)).astype(v.dtype, copy=False)


def _draw(n: int, dtype: np.dtype, eps: float) -> Tensor:
    return Tensor(_normalized(default_generator.normal(size=n), eps).astype(dtype))


def _default_dim(module: Module) -> int:
    return 1 if type(module).__name__.startswith("ConvTranspose") else 0


class _SpectralNormHook:
    """The older API's forward pre-hook: ``module.<name> = <name>_orig / sigma``."""

    def __init__(self, name: str, n_power_iterations: int, dim: int, eps: float) -> None:
        self.name, self.n_power_iterations, self.dim, self.eps = name, n_power_iterations, dim, eps

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        mat = _matrix(weight, self.dim)
        if do_power_iteration and self.n_power_iterations > 0:
            m, un, vn = mat._data, u._data.copy(), v._data.copy()
            for _ in range(self.n_power_iterations):
                vn = _normalized(m.T @ un, self.eps)
                un = _normalized(m @ vn, self.eps)
            with no_grad():
                u.copy_(Tensor(un))
                v.copy_(Tensor(vn))
        sigma = (Tensor(u._data.copy()) * (mat @ Tensor(v._data.copy()))).sum()
        return weight / sigma

    def __call__(self, module: Module, inputs: Any) -> None:
        object.__setattr__(module, self.name, self.compute_weight(module, module.training))


def spectral_norm(
    module: Module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12, dim: int | None = None
) -> Module:
    """PyTorch's (older) ``nn.utils.spectral_norm``: ``module.<name>`` becomes ``<name>_orig / sigma``
    (``<name>_orig`` the Parameter, ``<name>_u`` and ``<name>_v`` buffers), recomputed before each
    forward; returns the module.

    Raises:
        RuntimeError: ``name`` has spectral norm already. ValueError: ``n_power_iterations`` < 0.
    """
    if n_power_iterations < 0:
        raise ValueError(f"spectral_norm: expected n_power_iterations to be nonnegative, got {n_power_iterations}")
    hooks = module.__dict__.setdefault("_spectral_norms", {})
    if name in hooks:
        raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter {name}")
    dim = _default_dim(module) if dim is None else dim
    weight = module._parameters.get(name)
    if weight is None:
        raise ValueError(f"spectral_norm: {type(module).__name__} has no parameter {name!r}")
    del module._parameters[name]
    object.__delattr__(module, name)
    mat = _matrix(weight.detach(), dim)
    hook = _SpectralNormHook(name, n_power_iterations, dim, eps)
    module.register_parameter(name + "_orig", weight)
    module.register_buffer(name + "_u", _draw(mat.shape[0], weight.dtype, eps))
    module.register_buffer(name + "_v", _draw(mat.shape[1], weight.dtype, eps))
    object.__setattr__(module, name, Tensor(weight._data.copy()))
    hooks[name] = (hook, module.register_forward_pre_hook(hook))
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    """Undo ``spectral_norm`` (``ValueError`` if ``name`` has none): ``<name>`` a Parameter again,
    the same object as ``<name>_orig``, now holding ``<name>_orig / sigma``."""
    found = module.__dict__.get("_spectral_norms", {}).pop(name, None)
    if found is None:
        raise ValueError(f"spectral_norm of '{name}' not found in {module}")
    found[1].remove()
    with no_grad():
        weight = found[0].compute_weight(module, do_power_iteration=False)
    orig = getattr(module, name + "_orig")
    for suffix in ("_orig", "_u", "_v"):
        delattr(module, name + suffix)
    if name in module.__dict__:
        object.__delattr__(module, name)
    with no_grad():
        orig.copy_(weight)
    module.register_parameter(name, orig)
    return module


class _SpectralNorm(Module):
    """The parametrization: ``forward(W) = W / sigma`` (a vector: ``W / ||W||``), u and v as buffers."""

    _u: Tensor
    _v: Tensor

    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12) -> None:
        super().__init__()
        if n_power_iterations <= 0:
            raise ValueError(f"spectral_norm: expected n_power_iterations to be positive, got {n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + weight.ndim
        self.eps = eps
        if weight.ndim > 1:
            self.n_power_iterations = n_power_iterations
            mat = _matrix(weight.detach(), self.dim)
            self.register_buffer("_u", _draw(mat.shape[0], weight.dtype, eps))
            self.register_buffer("_v", _draw(mat.shape[1], weight.dtype, eps))
            self._power_method(mat._data, 15)

    def _power_method(self, m: np.ndarray, iterations: int) -> None:
        u, v = self._u._data.copy(), self._v._data.copy()
        for _ in range(iterations):
            u = _normalized(m @ v, self.eps)
            v = _normalized(m.T @ u, self.eps)
        with no_grad():
            self._u.copy_(Tensor(u))
            self._v.copy_(Tensor(v))

    def forward(self, weight: Tensor) -> Tensor:
        """``weight`` over its estimated largest singular value (u and v updated first in training)."""
        if weight.ndim == 1:
            return weight / weight.norm().clamp(min=self.eps)
        mat = _matrix(weight, self.dim)
        if self.training:
            self._power_method(mat._data, self.n_power_iterations)
        sigma = (Tensor(self._u._data.copy()) * (mat @ Tensor(self._v._data.copy()))).sum()
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        """Assigning a weight stores it as it is, as PyTorch's."""
        return value


def parametrized_spectral_norm(
    module: Module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12, dim: int | None = None
) -> Module:
    """PyTorch's ``nn.utils.parametrizations.spectral_norm``: a ``_SpectralNorm`` parametrization of
    ``module.<name>`` (its buffers ``parametrizations.<name>[0]._u`` and ``_v``); returns the module."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    dim = _default_dim(module) if dim is None else dim
    return register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))

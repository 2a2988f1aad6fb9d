"""More adaptive optimizers, PyTorch's update rules: ``Adamax``, ``Adadelta``, ``NAdam``, ``RAdam``,
``Rprop``.

Each keeps its per-parameter state as arrays (``state_dict`` saves them, as the others') and takes
the handout's ``(value, gradient)`` pairs as well as Tensors. With gradient g (plus
``weight_decay * p``) at step t of a parameter:

* Adamax: ``m = b1 m + (1 - b1) g``, ``u = max(b2 u, |g| + eps)``, ``p -= lr / (1 - b1^t) * m / u``;
* Adadelta: ``s = rho s + (1 - rho) g^2``, ``d = sqrt(a + eps) / sqrt(s + eps) * g``,
  ``a = rho a + (1 - rho) d^2``, ``p -= lr d``;
* NAdam: Adam's moments with Nesterov momentum whose factor ``mu_t = b1 (1 - 0.96^(t psi) / 2)``
  follows ``momentum_decay`` psi;
* RAdam: Adam's moments, the adaptive step rectified once the variance's degrees of freedom
  pass 5, plain momentum before;
* Rprop: each element's step size (starting at lr) times ``etaplus`` where g keeps the sign of
  the previous gradient, times ``etaminus`` where it flips (that g then counts as 0), clamped to
  ``step_sizes``; ``p -= sign(g) * step_size``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from mytorch.dtypes import get_default_dtype
from mytorch.optim.optimizer import Optimizer, as_given, check_number, step_count, step_in_place, value_of

__all__ = ["ASGD", "Adadelta", "Adamax", "NAdam", "RAdam", "Rprop"]


class _Moments(Optimizer):
    """Shared checks (of those a group has): ``betas`` in [0, 1), ``eps`` > 0, ``weight_decay`` >= 0;
    a step counter ``t``."""

    real_only = True

    def _check_hyper_parameters(self, group: dict[str, Any]) -> None:
        super()._check_hyper_parameters(group)
        name = type(self).__name__
        if "betas" in group:
            betas = tuple(group["betas"])
            if len(betas) != 2 or not all(0 <= b < 1 for b in betas):
                raise ValueError(f"{name}: betas must be a pair (beta1, beta2), each in [0, 1), got {group['betas']!r}")
            group["betas"] = (float(betas[0]), float(betas[1]))
        if "eps" in group:  # (ASGD has none)
            group["eps"] = check_number(name, "eps", group["eps"])
        if "weight_decay" in group:  # (SparseAdam has none)
            group["weight_decay"] = check_number(name, "weight_decay", group["weight_decay"], allow_zero=True)

    def _fresh_state(self, name: str, value: np.ndarray, group: dict[str, Any]) -> np.ndarray | None:
        if name == "t":
            return step_count()
        if name == "mu_product":  # (0-d, float32 unless the default dtype is float64, as PyTorch keeps it)
            return np.ones((), dtype=np.float64 if get_default_dtype() == np.float64 else np.float32)
        return np.zeros_like(value)

    def _next_step(self, i: int) -> int:
        steps = self.t[i]
        steps += 1
        return int(steps)

    def _decayed(self, p: Any, g: np.ndarray, lr: float, wd: float, decoupled: bool) -> np.ndarray:
        """The gradient with weight decay ``wd``: ``g + wd p`` (L2), or g with p first shrunk by
        ``lr wd p`` (``decoupled``, as AdamW)."""
        if wd and decoupled:
            step_in_place(p, (lr * wd) * p, type(self).__name__)
        elif wd:
            g = g + wd * p
        return g

    def _moments(self, i: int, g: np.ndarray, b1: float, b2: float) -> tuple[np.ndarray, np.ndarray]:
        """Adam's two running moments of parameter i, updated in place with g."""
        m, v = self.m[i], self.v[i]
        m *= b1
        m += (1.0 - b1) * g
        v *= b2
        v += (1.0 - b2) * g * g
        return m, v


class Adamax(_Moments):
    """Adamax (Kingma & Ba): Adam with the infinity norm (defaults lr 2e-3, betas (0.9, 0.999), eps 1e-8)."""

    state_names = ("m", "u", "t")
    kernel_flags = ("foreach", "capturable", "differentiable")
    nonnegative_states = ("u",)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
    ) -> None:
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay})

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        for group, entries in self._groups_with_grads():
            lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
            for i, p, g in entries:
                if wd:
                    g = g + wd * p
                t = self._next_step(i)
                m, u = self.m[i], self.u[i]
                m *= b1
                m += (1.0 - b1) * g
                u *= b2
                np.maximum(u, np.abs(g) + eps, out=u)
                step_in_place(p, (lr / (1.0 - b1**t)) * m / u, "Adamax")


class Adadelta(_Moments):
    """Adadelta (Zeiler) (defaults lr 1.0, rho 0.9, eps 1e-6)."""

    state_names = ("square_avg", "acc_delta", "t")  # (t: PyTorch's "step", counted though the rule does not read it)
    kernel_flags = ("foreach", "capturable", "differentiable")
    nonnegative_states = ("square_avg", "acc_delta")

    def __init__(
        self, params: Iterable[Any], lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0
    ) -> None:
        super().__init__(params, {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay})

    def _check_hyper_parameters(self, group: dict[str, Any]) -> None:
        super()._check_hyper_parameters(group)
        if not 0 <= group["rho"] <= 1:
            raise ValueError(f"Adadelta: rho must be in [0, 1], got {group['rho']!r}")
        group["rho"] = as_given(group["rho"])  # (1 - rho in a NumPy number's precision, on NumPy 2)

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        for group, entries in self._groups_with_grads():
            lr, rho, eps, wd = group["lr"], group["rho"], group["eps"], group["weight_decay"]
            for i, p, g in entries:
                if wd:
                    g = g + wd * p
                self._next_step(i)
                square, acc = self.square_avg[i], self.acc_delta[i]
                square *= rho
                square += (1.0 - rho) * g * g
                delta = np.sqrt(acc + eps) / np.sqrt(square + eps) * g
                acc *= rho
                acc += (1.0 - rho) * delta * delta
                step_in_place(p, lr * delta, "Adadelta")


class NAdam(_Moments):
    """NAdam (Dozat): Adam with Nesterov momentum (defaults lr 2e-3, betas (0.9, 0.999), eps 1e-8,
    momentum_decay 4e-3; ``decoupled_weight_decay`` shrinks the parameter as AdamW does)."""

    state_names = ("m", "v", "t", "mu_product")
    kernel_flags = ("foreach", "capturable", "differentiable")
    nonnegative_states = ("v",)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay}
        super().__init__(
            params, {**defaults, "momentum_decay": momentum_decay, "decoupled_weight_decay": decoupled_weight_decay}
        )

    def _check_hyper_parameters(self, group: dict[str, Any]) -> None:
        super()._check_hyper_parameters(group)
        group["momentum_decay"] = check_number("NAdam", "momentum_decay", group["momentum_decay"], allow_zero=True)

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """As ``Optimizer.load_state_dict``; from a PyTorch-layout state (``state_dict()``'s), a
        loaded ``mu_product`` takes its parameter's dtype, as PyTorch casts it (a float64 model
        then multiplies it on in float64, not float32)."""
        if not ("state" in state and "param_groups" in state):
            super().load_state_dict(state)
            return
        before = list(self.mu_product)
        for i, product in enumerate(before):  # (the loaded values are then written into arrays of that dtype)
            dtype = value_of(self.params[i]).dtype
            if product is not None and dtype.kind == "f" and product.dtype != dtype:
                self.mu_product[i] = product.astype(dtype)
        try:
            super().load_state_dict(state)
        except BaseException:
            self.mu_product[:] = before  # (a failed load changes nothing)
            raise

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        for group, entries in self._groups_with_grads():
            lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
            psi = group["momentum_decay"]
            for i, p, g in entries:
                g = self._decayed(p, g, lr, wd, group["decoupled_weight_decay"])
                t = self._next_step(i)
                mu = b1 * (1.0 - 0.5 * 0.96 ** (t * psi))
                mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
                product = self.mu_product[i]
                product *= product.dtype.type(mu)
                total = float(product)
                m, v = self._moments(i, g, b1, b2)
                denom = np.sqrt(v / (1.0 - b2**t)) + eps
                step = (lr * (1.0 - mu) / (1.0 - total)) * g / denom
                step += (lr * mu_next / (1.0 - total * mu_next)) * m / denom
                step_in_place(p, step, "NAdam")


class RAdam(_Moments):
    """RAdam (Liu et al.): Adam with the adaptive step rectified (defaults lr 1e-3, betas
    (0.9, 0.999), eps 1e-8; ``decoupled_weight_decay`` as AdamW)."""

    state_names = ("m", "v", "t")
    kernel_flags = ("foreach", "capturable", "differentiable")
    nonnegative_states = ("v",)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay}
        super().__init__(params, {**defaults, "decoupled_weight_decay": decoupled_weight_decay})

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        for group, entries in self._groups_with_grads():
            lr, (b1, b2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
            rho_inf = 2.0 / (1.0 - b2) - 1.0
            for i, p, g in entries:
                g = self._decayed(p, g, lr, wd, group["decoupled_weight_decay"])
                t = self._next_step(i)
                m, v = self._moments(i, g, b1, b2)
                corrected = m / (1.0 - b1**t)
                second = 1.0 - b2**t
                rho_t = rho_inf - 2.0 * t * b2**t / second
                if rho_t > 5.0:
                    rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                    step_in_place(p, corrected * (lr * rect * math.sqrt(second)) / (np.sqrt(v) + eps), "RAdam")
                else:
                    step_in_place(p, corrected * lr, "RAdam")


class Rprop(Optimizer):
    """Resilient backpropagation (Riedmiller & Braun), PyTorch's ``Rprop`` (defaults lr 0.01,
    etas (0.5, 1.2), step_sizes (1e-6, 50)): only the gradient's sign is used; no weight decay."""

    state_names = ("prev", "step_size", "t")
    kernel_flags = ("foreach", "capturable", "differentiable")
    real_only = True

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, etas: Any = (0.5, 1.2), step_sizes: Any = (1e-6, 50)):
        super().__init__(params, {"lr": lr, "etas": etas, "step_sizes": step_sizes})

    def _check_hyper_parameters(self, group: dict[str, Any]) -> None:
        super()._check_hyper_parameters(group)
        etas, sizes = tuple(group["etas"]), tuple(group["step_sizes"])
        if len(etas) != 2 or not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Rprop: etas must be (etaminus, etaplus) with 0 < etaminus < 1 < etaplus, got {etas!r}")
        if len(sizes) != 2 or not 0.0 <= sizes[0] <= sizes[1]:
            raise ValueError(f"Rprop: step_sizes must be (min, max) with 0 <= min <= max, got {sizes!r}")
        group["etas"], group["step_sizes"] = tuple(map(as_given, etas)), tuple(map(as_given, sizes))

    def _fresh_state(self, name: str, value: np.ndarray, group: dict[str, Any]) -> np.ndarray | None:
        if name == "t":
            return step_count()
        if name == "step_size":
            return np.full_like(value, group["lr"])
        return np.zeros_like(value)

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        for group, entries in self._groups_with_grads():
            (minus, plus), (low, high) = group["etas"], group["step_sizes"]
            for i, p, g in entries:
                steps = self.t[i]
                steps += 1  # (in place: the 0-d array is the state)
                prev, size = self.prev[i], self.step_size[i]
                turn = np.sign(g * prev)
                factor = np.where(turn > 0, plus, np.where(turn < 0, minus, 1.0)).astype(size.dtype)
                size *= factor
                np.clip(size, low, high, out=size)
                g = np.where(factor == size.dtype.type(minus), 0, g).astype(g.dtype, copy=False)
                step_in_place(p, np.sign(g) * size, "Rprop")
                prev[...] = g


class ASGD(_Moments):
    """Averaged SGD (Polyak & Juditsky), PyTorch's rule (defaults lr 1e-2, lambd 1e-4, alpha 0.75,
    t0 1e6): ``p *= 1 - lambd eta``, ``p -= eta g``, then the average ``ax += mu (p - ax)`` (``ax = p``
    while mu is 1), ``eta = lr / (1 + lambd lr t)^alpha`` and ``mu = 1 / max(1, t - t0)``; the
    average is in the state (``state[p]["ax"]``), the parameters follow plain decayed SGD."""

    state_names = ("eta", "mu", "ax", "t")
    kernel_flags = ("foreach", "capturable", "differentiable")
    retired_hyper_parameters = ("eps",)

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
    ) -> None:
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0, "weight_decay": weight_decay}
        super().__init__(params, defaults)  # (no eps, as PyTorch's: an unused one until 2026-12-04)

    def _check_hyper_parameters(self, group: dict[str, Any]) -> None:
        super()._check_hyper_parameters(group)
        for name in ("lambd", "alpha", "t0"):  # NumPy numbers as floats: on NumPy 2 the rule ran in their precision
            group[name] = as_given(group[name]) if isinstance(group[name], np.generic) else group[name]

    def _fresh_state(self, name: str, value: np.ndarray, group: dict[str, Any]) -> np.ndarray | None:
        dtype = np.float64 if get_default_dtype() == np.float64 else np.float32
        if name == "eta":
            return np.full((), group["lr"], dtype=dtype)
        if name == "mu":
            return np.ones((), dtype=dtype)
        return super()._fresh_state(name, value, group)

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        for group, entries in self._groups_with_grads():
            lr, lambd, alpha, t0, wd = (group[k] for k in ("lr", "lambd", "alpha", "t0", "weight_decay"))
            for i, p, g in entries:
                t = self._next_step(i)
                if wd:
                    g = g + wd * p
                eta, mu, ax = self.eta[i], self.mu[i], self.ax[i]
                step_in_place(p, (lambd * float(eta)) * p + float(eta) * g, "ASGD")
                if float(mu) != 1:
                    ax += (p - ax) * float(mu)
                else:
                    ax[...] = p
                eta[...] = lr / (1 + lambd * lr * t) ** alpha
                mu[...] = 1 / max(1, t - t0)

"""The base of every distribution: ``Distribution`` (shapes, ``sample``, ``log_prob``, ``entropy``,
PyTorch's argument validation) and the helpers that turn parameters and values into Tensors."""

from __future__ import annotations

import inspect
from typing import Any, cast

import numpy as np

from mytorch.dtypes import get_default_dtype
from mytorch.tensor import Tensor


def _tensor(value: Any, dtype: Any = None) -> Tensor:
    """``value`` as a Tensor: a number or an integer array in ``dtype`` (the default float dtype if None)."""
    if isinstance(value, Tensor):
        return value
    array = np.asarray(value)
    if array.dtype.kind in "iub" or array.ndim == 0:
        array = array.astype(get_default_dtype() if dtype is None else dtype)
    return Tensor(array)


def _parameters(*values: Any) -> list[Tensor]:
    """The parameters as Tensors, numbers taking the dtype of the first floating-point Tensor among
    them (as PyTorch's broadcast_all: ``Normal(mu, 1.0)`` of a float64 ``mu`` is float64)."""
    dtype = next((v.dtype for v in values if isinstance(v, Tensor) and v.dtype.kind == "f"), None)
    return [_tensor(v, dtype) for v in values]


def _clamped(probs: Tensor) -> Tensor:
    """``probs`` kept within [eps, 1 - eps] of their dtype before a log, as PyTorch's
    ``probs_to_logits``: a probability of 0 or 1 then has a finite logit (its log_prob and
    entropy were NaN: log(0) beside 0, or -inf - -inf)."""
    eps = float(np.finfo(probs.dtype).eps)
    return probs.clamp(eps, 1 - eps)


def _shape(sample_shape: Any) -> tuple[int, ...]:
    return (int(sample_shape),) if isinstance(sample_shape, (int, np.integer)) else tuple(sample_shape)


_VALIDATE = [True]  # Distribution.set_default_validate_args


class Distribution:
    """What every distribution here has: ``batch_shape``, ``sample(sample_shape)`` (no gradient),
    ``log_prob``, ``entropy``; PyTorch's argument validation."""

    batch_shape: tuple[int, ...] = ()
    event_shape: tuple[int, ...] = ()
    _validate_args: bool = True
    arg_constraints: dict[str, Any] = {}
    """Each parameter's name and the ``constraints`` set it must lie in (PyTorch's)."""
    has_rsample = False
    """Whether ``rsample`` gives a draw a gradient flows through."""
    has_enumerate_support = False

    @property
    def support(self) -> Any:
        """The ``constraints`` set the values lie in."""
        raise NotImplementedError(f"{type(self).__name__} does not define support")

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Whether distributions made without ``validate_args`` check their arguments (True at
        start, as in PyTorch)."""
        if value not in (True, False):
            raise ValueError(f"set_default_validate_args: expected True or False, got {value!r}")
        _VALIDATE[0] = bool(value)

    def _validating(self, validate_args: Any) -> bool:
        self._validate_args = _VALIDATE[0] if validate_args is None else bool(validate_args)
        return self._validate_args

    def _check_parameter(self, name: str, value: Tensor, ok: Any, constraint: str) -> None:
        """Raise a ValueError, as PyTorch's check does, unless ``ok`` holds everywhere (NaN fails every check)."""
        if self._validate_args and not np.all(ok):
            raise ValueError(
                f"{type(self).__name__}: parameter {name} of shape {tuple(value.shape)} must satisfy {constraint}, "
                f"and some of its values do not (validate_args=False skips the check):\n{value}"
            )

    def _check_value(self, value: Tensor, ok: Any, support: str) -> None:
        """Raise a ValueError, as PyTorch's check does, unless ``value`` lies in the support (``ok`` everywhere)."""
        if self._validate_args and not np.all(ok):
            raise ValueError(
                f"{type(self).__name__}: a value of shape {tuple(value.shape)} lies outside the support {support} "
                f"(validate_args=False skips the check):\n{value}"
            )

    def _check_positive(self, **parameters: Tensor) -> None:
        """PyTorch's ``GreaterThan(lower_bound=0.0)`` for each parameter given."""
        for name, value in parameters.items():
            with np.errstate(invalid="ignore"):
                self._check_parameter(name, value, value._data > 0, "GreaterThan(lower_bound=0.0)")

    def _checked_value(self, value: Any, support: str, dtype: Any = None) -> Tensor:
        """``value`` as a Tensor, checked to lie in ``support``: "Real()", "GreaterThanEq(lower_bound=0.0)",
        "GreaterThan(lower_bound=0.0)", "Interval(lower_bound=0.0, upper_bound=1.0)", "Simplex()"."""
        x = _tensor(value, dtype)
        if not self._validate_args:
            return x
        a = x._data
        with np.errstate(invalid="ignore"):
            ok = {
                "Real()": lambda: ~np.isnan(a),
                "GreaterThanEq(lower_bound=0.0)": lambda: a >= 0,
                "GreaterThan(lower_bound=0.0)": lambda: a > 0,
                "Interval(lower_bound=0.0, upper_bound=1.0)": lambda: (a >= 0) & (a <= 1),
                "Simplex()": lambda: (a >= 0).all(-1) & (np.abs(a.sum(-1) - 1) < 1e-6),
            }[support]()
        self._check_value(x, ok, support)
        return x

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Samples of shape ``sample_shape + batch_shape`` (no gradient)."""
        raise NotImplementedError(f"{type(self).__name__} does not define sample")

    def _enumerated(self, values: np.ndarray, expand: bool) -> Tensor:
        """``values`` (the support's n values, each of event_shape) as PyTorch's ``enumerate_support``
        lays them out: (n, 1, ..., 1, *event_shape), or expanded to (n, *batch_shape, *event_shape)."""
        ones = (1,) * len(self.batch_shape)
        out = values.reshape(values.shape[0], *ones, *values.shape[1:])
        if expand:
            out = np.broadcast_to(out, (values.shape[0], *self.batch_shape, *values.shape[1:]))
        return Tensor(np.ascontiguousarray(out))

    def enumerate_support(self, expand: bool = True) -> Tensor:
        """Every value of a finite support, on a new first axis (``has_enumerate_support`` says which do)."""
        raise NotImplementedError(f"{type(self).__name__} does not define enumerate_support")

    def perplexity(self) -> Tensor:
        """exp(entropy), recorded."""
        return self.entropy().exp()

    def log_prob(self, value: Any) -> Tensor:
        """The log density (or log probability) of ``value``, recorded."""
        raise NotImplementedError(f"{type(self).__name__} does not define log_prob")

    def entropy(self) -> Tensor:
        """The entropy, recorded."""
        raise NotImplementedError(f"{type(self).__name__} does not define entropy")

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        """The same distribution repeated over ``batch_shape`` (the current batch shape broadcast to
        it): a new one of this class made of its parameters ``expand``-ed, recorded, so gradients
        reach the originals, as PyTorch's. A parameter pair is passed by one of its forms (``logits``
        rather than ``probs``, ``scale_tril`` rather than a covariance or precision matrix).

        Raises:
            ValueError: a ``batch_shape`` the current one does not broadcast to.
            NotImplementedError: a distribution not made of its parameters (a mixture, a transformed one).
        """
        shape = _shape(batch_shape)
        name = type(self).__name__
        if len(shape) < len(self.batch_shape) or any(
            old not in (1, new) for old, new in zip(self.batch_shape[::-1], shape[::-1])
        ):
            raise ValueError(f"{name}.expand: batch_shape {self.batch_shape} does not broadcast to {shape}")
        signature = inspect.signature(type(self).__init__).parameters
        skipped = {"self", "validate_args", "probs", "covariance_matrix", "precision_matrix"} - (
            set() if "logits" in signature else {"probs"}
        )
        arguments: dict[str, Any] = {}
        for key in signature:
            if key in skipped or not hasattr(self, key):
                continue
            value = getattr(self, key)
            if key in self.arg_constraints and isinstance(value, Tensor):
                value = value.expand(*shape, *value.shape[len(self.batch_shape) :])
            arguments[key] = value
        if not any(key in self.arg_constraints for key in arguments):
            raise NotImplementedError(f"{name}.expand: MyTorch expands the distributions made of their parameters")
        if "validate_args" in signature:  # (the parameters were checked when this one was made)
            arguments["validate_args"] = False
        made: Any = type(self)
        return cast(Distribution, made(**arguments))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(batch_shape={self.batch_shape})"

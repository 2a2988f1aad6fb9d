"""The base of every distribution: ``Distribution`` (shapes, ``sample``, ``log_prob``, ``entropy``,
PyTorch's argument validation) and the helpers that turn parameters and values into Tensors."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, cast

import numpy as np

from mytorch.arguments import ShapeRuntimeError
from mytorch.dtypes import get_default_dtype
from mytorch.size import Size
from mytorch.tensor import Tensor
from mytorch.tensor_math import where


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


def _where(condition: Tensor, input: Any, other: Any) -> Tensor:  # noqa: A002
    """``where(condition, input, other)`` (numbers allowed on either side), typed as one Tensor."""
    return cast(Tensor, where(condition, input, other))


def _guarded(valid: Tensor, values: tuple[Tensor, ...], fallback: float, formula: Callable[..., Tensor]) -> Tensor:
    """``formula(*values)`` where ``valid`` holds and NaN elsewhere (a moment that does not exist,
    as PyTorch's); the values are replaced by ``fallback`` where it does not, so the discarded
    entries give no NaN or inf gradient."""
    return _where(valid, formula(*(_where(valid, v, fallback) for v in values)), math.nan)


def _shape(sample_shape: Any) -> tuple[int, ...]:
    return (int(sample_shape),) if isinstance(sample_shape, (int, np.integer)) else tuple(sample_shape)


_VALIDATE = [True]  # Distribution.set_default_validate_args


class _SizeAttribute:
    """A distribution's ``batch_shape`` or ``event_shape``: any sequence of ints assigned, a ``Size``
    read (PyTorch's ``torch.Size``, which prints as ``torch.Size([3])``; a plain tuple until
    2026-12-05); ``()`` until assigned."""

    def __set_name__(self, owner: type, name: str) -> None:
        self._key = f"_{name}"

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        return instance.__dict__.get(self._key, _NO_SIZE)

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self._key] = value if type(value) is Size else Size(value)


_NO_SIZE = Size()


class Distribution:
    """What every distribution here has: ``batch_shape``, ``sample(sample_shape)`` (no gradient),
    ``log_prob``, ``entropy``; PyTorch's argument validation."""

    batch_shape: Any = _SizeAttribute()
    event_shape: Any = _SizeAttribute()
    _validate_args: bool = True
    arg_constraints: dict[str, Any] = {}
    """Each parameter's name and the ``constraints`` set it must lie in (PyTorch's)."""
    has_rsample = False
    """Whether ``rsample`` gives a draw a gradient flows through."""
    has_enumerate_support = False
    _repr_omits: tuple[str, ...] = ()
    """Parameters held as attributes that PyTorch's printed form leaves out (its class holds them
    as properties, or computes the other of ``probs`` and ``logits`` only when asked)."""

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

    def _probs_or_logits(self, probs: Any, logits: Any) -> None:
        """Raise a ValueError unless exactly one of ``probs`` and ``logits`` is given; print only
        that one, as PyTorch's ``repr``."""
        if (probs is None) == (logits is None):
            raise ValueError(f"{type(self).__name__}: give either probs or logits, not both")
        self._repr_omits = ("logits",) if probs is not None else ("probs",)

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

    def cdf(self, value: Any) -> Tensor:
        """P(X <= value), recorded (defined by the families that have it)."""
        raise NotImplementedError(f"{type(self).__name__} does not define cdf")

    def icdf(self, value: Any) -> Tensor:
        """The quantile of probability ``value``, recorded (defined by the families that have it)."""
        raise NotImplementedError(f"{type(self).__name__} does not define icdf")

    def expand(self, batch_shape: Any) -> Distribution:
        """This distribution repeated over a larger batch (PyTorch's ``expand``): a new one of the
        same kind whose ``batch_shape`` is ``batch_shape``, into which the current one broadcasts.
        Its parameters (``arg_constraints``) and inner distributions are expanded, recorded, so
        gradients reach the original parameters; other values (a temperature, a factor kept
        unbroadcast) are shared and broadcast as they are.

        Raises:
            ShapeRuntimeError: the current batch shape does not broadcast to ``batch_shape``.
        """
        new_batch, old = _shape(batch_shape), tuple(self.batch_shape)
        try:
            fits = np.broadcast_shapes(old, new_batch) == new_batch
        except ValueError:
            fits = False
        if not fits:
            raise ShapeRuntimeError(
                f"{type(self).__name__}.expand: its batch_shape {old} does not broadcast to {new_batch}"
            )
        parameters = set(self.arg_constraints)
        for kind in type(self).__mro__:  # (a Chi2 holds its parent Gamma's parameters)
            table = vars(kind).get("arg_constraints")
            parameters.update(table if isinstance(table, dict) else ())
        expanded = object.__new__(type(self))
        for name, value in vars(self).items():
            if isinstance(value, Distribution) and tuple(value.batch_shape[: len(old)]) == old:
                value = value.expand(new_batch + tuple(value.batch_shape[len(old) :]))
            elif isinstance(value, Tensor) and name in parameters:
                if value.shape[: len(old)] == old:
                    value = value.expand(*new_batch, *value.shape[len(old) :])
                elif value.ndim == 0:
                    value = value.expand(*new_batch)
            vars(expanded)[name] = value
        expanded.batch_shape = new_batch
        return expanded

    def _held_parameters(self) -> dict[str, Any]:
        """The attributes ``repr`` looks parameters up in (PyTorch's: the instance's own)."""
        return vars(self)

    def __repr__(self) -> str:
        """PyTorch's form: the class name and each parameter of ``arg_constraints`` that the instance
        holds as an attribute, in that order, broadcast into the batch as PyTorch stores it: its
        value if that has one element (``Normal(loc: 0.0, scale: 1.0)``), its size otherwise
        (``loc: torch.Size([3])``)."""
        from mytorch.compat import Size

        shown, held = [], self._held_parameters()
        for name, constraint in self.arg_constraints.items():
            value = held.get(name)
            if isinstance(value, Tensor) and name not in self._repr_omits:
                cut = value.ndim - min(int(getattr(constraint, "event_dim", 0)), value.ndim)
                batch = np.broadcast_shapes(tuple(value.shape[:cut]), tuple(self.batch_shape))
                shape = batch + tuple(value.shape[cut:])
                text = f"{value.reshape(shape)}" if math.prod(shape) == 1 else repr(Size(shape))
                shown.append(f"{name}: {text}")
        return f"{type(self).__name__}({', '.join(shown)})"

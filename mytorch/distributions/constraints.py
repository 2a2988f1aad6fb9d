"""``torch.distributions.constraints`` (``mytorch.distributions.constraints``): the sets a
distribution's parameters (``arg_constraints``) and values (``support``) live in.

``constraint.check(value)`` is a boolean Tensor, one entry per value after the constraint's
``event_dim`` last axes are reduced (``simplex.check`` of a (5, 3) batch has shape (5,)). The
names are PyTorch's, and so are the printed forms (``GreaterThan(lower_bound=0.0)``), which
MyTorch's ``validate_args`` errors quote. ``dependent`` stands for a support or a parameter set
by other parameters (PyTorch's placeholder); ``is_dependent(c)`` tells it apart.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mytorch.tensor import Tensor

__all__ = [
    "Constraint",
    "MixtureSameFamilyConstraint",
    "boolean",
    "cat",
    "corr_cholesky",
    "dependent",
    "dependent_property",
    "greater_than",
    "greater_than_eq",
    "half_open_interval",
    "independent",
    "integer_interval",
    "interval",
    "is_dependent",
    "less_than",
    "lower_cholesky",
    "lower_triangular",
    "multinomial",
    "nonnegative",
    "nonnegative_integer",
    "one_hot",
    "positive",
    "positive_definite",
    "positive_integer",
    "positive_semidefinite",
    "real",
    "real_vector",
    "simplex",
    "square",
    "stack",
    "symmetric",
    "unit_interval",
]


def _array(value: Any) -> np.ndarray:
    return value._data if isinstance(value, Tensor) else np.asarray(value)


class Constraint:
    """A set of values: ``check(value)`` says which values lie in it (a boolean Tensor).

    Attributes:
        is_discrete: whether the set is countable (integers, booleans, one-hot vectors).
        event_dim: how many last axes make up one value (0 for numbers, 1 for vectors, 2 for matrices).
    """

    is_discrete = False
    event_dim = 0

    def _inside(self, a: np.ndarray) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} does not define check")

    def check(self, value: Any) -> Tensor:
        """Whether each value lies in the set: a boolean Tensor of ``value``'s shape less ``event_dim`` axes."""
        with np.errstate(invalid="ignore"):
            return Tensor(np.asarray(self._inside(_array(value)), dtype=bool))

    def _arguments(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__.lstrip('_')}({self._arguments()})"


class _Dependent(Constraint):
    """A placeholder for a set given by other parameters; it cannot check values."""

    def __init__(self, is_discrete: bool = False, event_dim: int = 0) -> None:
        self.is_discrete, self.event_dim = is_discrete, event_dim

    def __call__(self, *, is_discrete: bool = False, event_dim: int = 0) -> _Dependent:
        return _Dependent(is_discrete, event_dim)

    def check(self, value: Any) -> Tensor:
        """Refused: the set depends on other parameters."""
        raise ValueError("constraints.dependent: cannot check a value against a set given by other parameters")


class _DependentProperty(property, _Dependent):
    """``@constraints.dependent_property``: a distribution's ``support`` computed from its parameters."""

    def __init__(self, fn: Any = None, *, is_discrete: bool = False, event_dim: int = 0) -> None:
        property.__init__(self, fn)
        _Dependent.__init__(self, is_discrete, event_dim)

    def __call__(self, fn: Any) -> _DependentProperty:  # type: ignore[override]
        return _DependentProperty(fn, is_discrete=self.is_discrete, event_dim=self.event_dim)


def is_dependent(constraint: Any) -> bool:
    """Whether ``constraint`` is ``dependent`` (or a ``dependent_property``)."""
    return isinstance(constraint, _Dependent)


class _Boolean(Constraint):
    is_discrete = True

    def _inside(self, a: np.ndarray) -> np.ndarray:
        return (a == 0) | (a == 1)


class _OneHot(Constraint):
    is_discrete, event_dim = True, 1

    def _inside(self, a: np.ndarray) -> np.ndarray:
        return ((a == 0) | (a == 1)).all(-1) & (a.sum(-1) == 1)


class _IntegerInterval(Constraint):
    is_discrete = True

    def __init__(self, lower_bound: Any, upper_bound: Any) -> None:
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def _inside(self, a: np.ndarray) -> np.ndarray:
        return (a % 1 == 0) & (_array(self.lower_bound) <= a) & (a <= _array(self.upper_bound))

    def _arguments(self) -> str:
        return f"lower_bound={self.lower_bound}, upper_bound={self.upper_bound}"


class _IntegerGreaterThan(Constraint):
    is_discrete = True

    def __init__(self, lower_bound: Any) -> None:
        self.lower_bound = lower_bound

    def _inside(self, a: np.ndarray) -> np.ndarray:
        return (a % 1 == 0) & (a >= _array(self.lower_bound))

    def _arguments(self) -> str:
        return f"lower_bound={self.lower_bound}"


class _Real(Constraint):
    def _inside(self, a: np.ndarray) -> np.ndarray:
        return a == a  # (False for NaN)


class _Bounded(Constraint):
    """A set of real numbers bounded on one side; ``_compare`` says how."""

    def __init__(self, bound: Any) -> None:
        self._bound = bound

    def _compare(self, a: np.ndarray, bound: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _inside(self, a: np.ndarray) -> np.ndarray:
        return self._compare(a, _array(self._bound))


class _GreaterThan(_Bounded):
    @property
    def lower_bound(self) -> Any:
        return self._bound

    def _compare(self, a: np.ndarray, bound: np.ndarray) -> np.ndarray:
        return a > bound

    def _arguments(self) -> str:
        return f"lower_bound={self._bound}"


class _GreaterThanEq(_GreaterThan):
    def _compare(self, a: np.ndarray, bound: np.ndarray) -> np.ndarray:
        return a >= bound


class _LessThan(_Bounded):
    @property
    def upper_bound(self) -> Any:
        return self._bound

    def _compare(self, a: np.ndarray, bound: np.ndarray) -> np.ndarray:
        return a < bound

    def _arguments(self) -> str:
        return f"upper_bound={self._bound}"


class _Interval(Constraint):
    def __init__(self, lower_bound: Any, upper_bound: Any) -> None:
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def _inside(self, a: np.ndarray) -> np.ndarray:
        return (_array(self.lower_bound) <= a) & (a <= _array(self.upper_bound))

    def _arguments(self) -> str:
        return f"lower_bound={self.lower_bound}, upper_bound={self.upper_bound}"


class _HalfOpenInterval(_Interval):
    def _inside(self, a: np.ndarray) -> np.ndarray:
        return (_array(self.lower_bound) <= a) & (a < _array(self.upper_bound))


class _Simplex(Constraint):
    event_dim = 1

    def _inside(self, a: np.ndarray) -> np.ndarray:
        return (a >= 0).all(-1) & (np.abs(a.sum(-1) - 1) < 1e-6)


class _Multinomial(Constraint):
    is_discrete, event_dim = True, 1

    def __init__(self, upper_bound: Any) -> None:
        self.upper_bound = upper_bound

    def _inside(self, a: np.ndarray) -> np.ndarray:
        return (a >= 0).all(-1) & (a.sum(-1) <= _array(self.upper_bound))


class _LowerTriangular(Constraint):
    event_dim = 2

    def _inside(self, a: np.ndarray) -> np.ndarray:
        return (np.tril(a) == a).reshape(*a.shape[:-2], -1).min(-1)


class _LowerCholesky(Constraint):
    event_dim = 2

    def _inside(self, a: np.ndarray) -> np.ndarray:
        lower = (np.tril(a) == a).reshape(*a.shape[:-2], -1).min(-1)
        return lower & (np.diagonal(a, axis1=-2, axis2=-1) > 0).min(-1)


class _CorrCholesky(_LowerCholesky):
    """Cholesky factors of correlation matrices: lower-triangular, a positive diagonal, every row of
    unit length (within 10 eps times the size, PyTorch's tolerance)."""

    def _inside(self, a: np.ndarray) -> np.ndarray:
        tolerance = np.finfo(a.dtype if a.dtype.kind == "f" else np.float64).eps * a.shape[-1] * 10
        unit_rows = (np.abs(np.linalg.norm(a, axis=-1) - 1) <= tolerance).all(-1)
        return super()._inside(a) & unit_rows


class _Square(Constraint):
    event_dim = 2

    def _inside(self, a: np.ndarray) -> np.ndarray:
        return np.full(a.shape[:-2], a.shape[-1] == a.shape[-2], dtype=bool)


class _Symmetric(_Square):
    def _inside(self, a: np.ndarray) -> np.ndarray:
        square = super()._inside(a)
        if not square.all():
            return square
        return np.isclose(a, np.swapaxes(a, -1, -2), atol=1e-6).all((-2, -1))


class _PositiveSemidefinite(_Symmetric):
    def _inside(self, a: np.ndarray) -> np.ndarray:
        symmetric = super()._inside(a)
        if a.shape[-1] != a.shape[-2]:
            return symmetric
        return symmetric & (np.linalg.eigvalsh(a).min(-1) >= 0.0)


class _PositiveDefinite(_Symmetric):
    def _inside(self, a: np.ndarray) -> np.ndarray:
        symmetric = super()._inside(a)
        if a.shape[-1] != a.shape[-2]:
            return symmetric
        return symmetric & (np.linalg.eigvalsh(a).min(-1) > 0.0)


class _IndependentConstraint(Constraint):
    """``base_constraint`` over the last ``reinterpreted_batch_ndims`` more axes, all of which must pass."""

    def __init__(self, base_constraint: Constraint, reinterpreted_batch_ndims: int) -> None:
        if not isinstance(base_constraint, Constraint):
            raise TypeError(f"constraints.independent: expected a Constraint, got {type(base_constraint).__name__}")
        if int(reinterpreted_batch_ndims) != reinterpreted_batch_ndims or reinterpreted_batch_ndims < 0:
            raise ValueError(
                f"constraints.independent: reinterpreted_batch_ndims must be a non-negative integer, "
                f"got {reinterpreted_batch_ndims!r}"
            )
        self.base_constraint, self.reinterpreted_batch_ndims = base_constraint, int(reinterpreted_batch_ndims)
        self.is_discrete = base_constraint.is_discrete
        self.event_dim = base_constraint.event_dim + self.reinterpreted_batch_ndims

    def _inside(self, a: np.ndarray) -> np.ndarray:
        ok = np.asarray(self.base_constraint._inside(a), dtype=bool)
        n = self.reinterpreted_batch_ndims
        return np.asarray(ok.all(tuple(range(ok.ndim - n, ok.ndim)))) if n else ok

    def __repr__(self) -> str:
        return f"IndependentConstraint({self.base_constraint}, {self.reinterpreted_batch_ndims})"


class _Pieces(Constraint):
    """Constraints each over its own piece of one axis (``cat``'s slices, ``stack``'s entries)."""

    def __init__(self, kind: str, cseq: Any, dim: int) -> None:
        self.cseq = list(cseq)
        if not all(isinstance(c, Constraint) for c in self.cseq):
            raise TypeError(f"constraints.{kind}: every element of cseq must be a Constraint")
        self.dim = int(dim)
        self.is_discrete = any(c.is_discrete for c in self.cseq)

    def _axis(self, a: np.ndarray, kind: str) -> None:
        if not -a.ndim <= self.dim < a.ndim:
            raise ValueError(f"constraints.{kind}: dim {self.dim} is out of range for a value of {a.ndim} axes")


class _Cat(_Pieces):
    """``cseq[i]`` over the i-th slice of ``lengths[i]`` entries along ``dim`` (``torch.cat``'s layout)."""

    def __init__(self, cseq: Any, dim: int = 0, lengths: Any = None) -> None:
        super().__init__("cat", cseq, dim)
        self.lengths = [1] * len(self.cseq) if lengths is None else [int(n) for n in lengths]
        if len(self.lengths) != len(self.cseq):
            raise ValueError(f"constraints.cat: {len(self.lengths)} lengths for {len(self.cseq)} constraints")
        self.event_dim = max((c.event_dim for c in self.cseq), default=0)

    def _inside(self, a: np.ndarray) -> np.ndarray:
        self._axis(a, "cat")
        bounds = np.cumsum([0, *self.lengths])
        pieces = [np.take(a, np.arange(bounds[i], bounds[i + 1]), self.dim) for i in range(len(self.cseq))]
        return np.concatenate([np.asarray(c._inside(p)) for c, p in zip(self.cseq, pieces)], self.dim)


class _Stack(_Pieces):
    """``cseq[i]`` over the i-th entry along ``dim`` (``torch.stack``'s layout)."""

    def __init__(self, cseq: Any, dim: int = 0) -> None:
        super().__init__("stack", cseq, dim)
        event_dim = max((c.event_dim for c in self.cseq), default=0)
        self.event_dim = event_dim + 1 if self.dim + event_dim < 0 else event_dim

    def _inside(self, a: np.ndarray) -> np.ndarray:
        self._axis(a, "stack")
        entries = [np.take(a, i, self.dim) for i in range(a.shape[self.dim])]
        return np.stack([np.asarray(c._inside(v)) for c, v in zip(self.cseq, entries)], self.dim)


class MixtureSameFamilyConstraint(Constraint):
    """A ``MixtureSameFamily``'s support: ``base_constraint`` (the components') checked with the
    components' axis put back before the event's, every one of its checks holding (PyTorch's)."""

    def __init__(self, base_constraint: Constraint) -> None:
        if not isinstance(base_constraint, Constraint):
            raise TypeError(
                "MixtureSameFamilyConstraint: base_constraint must be a Constraint, "
                f"got {type(base_constraint).__name__}"
            )
        self.base_constraint = base_constraint
        self.is_discrete, self.event_dim = base_constraint.is_discrete, base_constraint.event_dim

    def _inside(self, a: np.ndarray) -> np.ndarray:
        if a.ndim < self.event_dim:
            raise ValueError(f"MixtureSameFamilyConstraint: a value needs at least {self.event_dim} axes, got {a.ndim}")
        result = np.asarray(self.base_constraint._inside(np.expand_dims(a, a.ndim - self.event_dim)), dtype=bool)
        keep = a.ndim - self.event_dim
        return np.asarray(result.reshape(*result.shape[:keep], -1).all(-1))

    def __repr__(self) -> str:
        return f"MixtureSameFamilyConstraint({self.base_constraint!r})"


dependent = _Dependent()
dependent_property = _DependentProperty
independent = _IndependentConstraint
cat = _Cat
stack = _Stack
boolean = _Boolean()
one_hot = _OneHot()
nonnegative_integer = _IntegerGreaterThan(0)
positive_integer = _IntegerGreaterThan(1)
integer_interval = _IntegerInterval
real = _Real()
real_vector = _IndependentConstraint(real, 1)
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq
less_than = _LessThan
multinomial = _Multinomial
unit_interval = _Interval(0.0, 1.0)
interval = _Interval
half_open_interval = _HalfOpenInterval
simplex = _Simplex()
lower_triangular = _LowerTriangular()
lower_cholesky = _LowerCholesky()
corr_cholesky = _CorrCholesky()
square = _Square()
symmetric = _Symmetric()
positive_semidefinite = _PositiveSemidefinite()
positive_definite = _PositiveDefinite()

"""``torch.distributions.constraint_registry``: ``biject_to(constraint)`` and
``transform_to(constraint)``, the transform from unconstrained real numbers onto a constraint's
set, as PyTorch's registry gives it (a variational parameter kept positive: ``transform_to(
constraints.positive)(x)``):

- ``real``: the identity (``ComposeTransform([])``);
- ``greater_than(lb)`` (``positive``, ``nonnegative``, ``greater_than_eq``): exp, then ``lb + y``;
- ``less_than(ub)``: exp, then ``ub - y``;
- ``interval(lb, ub)`` (``half_open_interval``): sigmoid, then ``lb + (ub - lb) y``; ``unit_interval``
  the sigmoid alone;
- ``simplex``: ``StickBreakingTransform`` (``biject_to``), ``SoftmaxTransform`` (``transform_to``);
- ``corr_cholesky``: ``CorrCholeskyTransform`` (``LKJCholesky``'s support);
- ``independent(c, n)`` (``real_vector``): ``IndependentTransform`` of the transform onto c.

``transform_to`` also maps square matrices onto ``lower_cholesky`` and ``positive_definite``
(``biject_to`` refuses them, as PyTorch's). Other sets raise ``NotImplementedError``; elsewhere
``biject_to`` and ``transform_to`` agree.
"""

from __future__ import annotations

from typing import Any

from mytorch.distributions import constraints
from mytorch.distributions.transforms import (
    AffineTransform,
    ComposeTransform,
    CorrCholeskyTransform,
    ExpTransform,
    IndependentTransform,
    LowerCholeskyTransform,
    PositiveDefiniteTransform,
    SigmoidTransform,
    SoftmaxTransform,
    StickBreakingTransform,
    Transform,
)

__all__ = ["biject_to", "transform_to"]


def _unit(lower: Any, upper: Any) -> bool:
    return isinstance(lower, (int, float)) and isinstance(upper, (int, float)) and (lower, upper) == (0, 1)


def biject_to(constraint: Any) -> Transform:
    """The bijection from the real numbers onto ``constraint``'s set (see the module's notes)."""
    if constraints.is_dependent(constraint) or not isinstance(constraint, constraints.Constraint):
        raise NotImplementedError(f"biject_to: no transform onto {constraint!r} (a set given by other parameters?)")
    if isinstance(constraint, constraints._Real):
        return ComposeTransform([])
    if isinstance(constraint, constraints._GreaterThan):  # (and GreaterThanEq)
        return ComposeTransform([ExpTransform(), AffineTransform(constraint.lower_bound, 1)])
    if isinstance(constraint, constraints._LessThan):
        return ComposeTransform([ExpTransform(), AffineTransform(constraint.upper_bound, -1)])
    if isinstance(constraint, constraints._Interval):  # (and HalfOpenInterval)
        lower, upper = constraint.lower_bound, constraint.upper_bound
        if _unit(lower, upper):
            return SigmoidTransform()
        return ComposeTransform([SigmoidTransform(), AffineTransform(lower, upper - lower)])
    if isinstance(constraint, constraints._Simplex):
        return StickBreakingTransform()
    if isinstance(constraint, constraints._CorrCholesky):
        return CorrCholeskyTransform()
    if isinstance(constraint, constraints._IndependentConstraint):
        return IndependentTransform(biject_to(constraint.base_constraint), constraint.reinterpreted_batch_ndims)
    raise NotImplementedError(
        f"biject_to: MyTorch has no bijection onto {constraint!r}: it has them onto real, greater_than, "
        "less_than, interval, the simplex, corr_cholesky and independent sets of those (as PyTorch's; "
        "transform_to maps onto lower_cholesky and positive_definite)"
    )


def transform_to(constraint: Any) -> Transform:
    """A transform from the real numbers onto ``constraint``'s set: ``biject_to``'s, but
    ``SoftmaxTransform`` onto the simplex, and onto ``lower_cholesky`` and ``positive_definite``
    (which ``biject_to`` refuses, as PyTorch's) ``LowerCholeskyTransform`` and
    ``PositiveDefiniteTransform``, as PyTorch's."""
    if isinstance(constraint, constraints._Simplex):
        return SoftmaxTransform()
    if isinstance(constraint, constraints._CorrCholesky):
        return CorrCholeskyTransform()
    if isinstance(constraint, constraints._IndependentConstraint):
        return IndependentTransform(transform_to(constraint.base_constraint), constraint.reinterpreted_batch_ndims)
    if isinstance(constraint, constraints._LowerCholesky):
        return LowerCholeskyTransform()
    if isinstance(constraint, constraints._PositiveDefinite):
        return PositiveDefiniteTransform()
    return biject_to(constraint)

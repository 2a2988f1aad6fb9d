"""``ReshapeTransform``, ``CatTransform`` and ``StackTransform`` (and ``constraints.cat`` /
``constraints.stack``): round trips, log |det J| against the log-determinant of a Jacobian taken by
central differences, gradients, bad input; and every number against PyTorch 2.13 where installed."""

from __future__ import annotations

import numpy as np
import pytest
from torch_compare import assert_same_numbers

import mytorch as mt
from mytorch.distributions import constraints
from mytorch.distributions.transforms import (
    AffineTransform,
    CatTransform,
    ExpTransform,
    ReshapeTransform,
    SigmoidTransform,
    SoftplusTransform,
    StackTransform,
    TanhTransform,
)

X = np.linspace(-1.0, 1.0, 24).reshape(2, 3, 4)


def _numerical_log_det(transform, x: np.ndarray, event_axes: int, h: float = 1e-6) -> np.ndarray:
    """log |det J| of ``transform`` on each batch entry of ``x`` (its last ``event_axes`` axes one
    event), the Jacobian by central differences."""
    batch, event = x.shape[: x.ndim - event_axes], x.shape[x.ndim - event_axes :]
    n = int(np.prod(event))
    flat = x.reshape(-1, n)
    out = []
    for row in flat:
        jacobian = np.empty((n, n))
        for j in range(n):
            up, down = row.copy(), row.copy()
            up[j] += h
            down[j] -= h
            f_up = transform(mt.tensor(up.reshape(event))).numpy().reshape(-1)
            f_down = transform(mt.tensor(down.reshape(event))).numpy().reshape(-1)
            jacobian[:, j] = (f_up - f_down) / (2 * h)
        out.append(np.linalg.slogdet(jacobian)[1])
    return np.array(out).reshape(batch)


def test_round_trips_and_log_det_jacobians_against_central_differences():
    x = mt.tensor(X)
    r = ReshapeTransform((3, 4), (2, 6))
    y = r(x)
    assert y.shape == (2, 2, 6) and np.array_equal(r.inv(y).numpy(), X)
    assert r.log_abs_det_jacobian(x, y).tolist() == [0.0, 0.0]
    assert r.forward_shape((7, 3, 4)) == (7, 2, 6) and r.inverse_shape((2, 6)) == (3, 4)
    # the last axis split 1 + 2 + 1: exp, an affine map, a sigmoid
    c = CatTransform([ExpTransform(), AffineTransform(1.0, 3.0), SigmoidTransform()], dim=-1, lengths=[1, 2, 1])
    y = c(x)
    np.testing.assert_allclose(y.numpy()[..., 0], np.exp(X[..., 0]), rtol=1e-15)
    np.testing.assert_allclose(y.numpy()[..., 1:3], 1 + 3 * X[..., 1:3], rtol=1e-15)
    np.testing.assert_allclose(c.inv(y).numpy(), X, rtol=1e-12, atol=1e-15)
    assert c.event_dim == 0 and c.log_abs_det_jacobian(x, y).shape == (2, 3, 4)
    np.testing.assert_allclose(c.log_abs_det_jacobian(x, y).numpy().sum(-1), _numerical_log_det(c, X, 1), rtol=1e-7)
    s = StackTransform([ExpTransform(), SoftplusTransform(), TanhTransform()], dim=-2)
    y = s(x)
    np.testing.assert_allclose(s.inv(y).numpy(), X, rtol=1e-12, atol=1e-15)
    log_det = s.log_abs_det_jacobian(x, y).numpy()
    np.testing.assert_allclose(log_det.sum((1, 2)), _numerical_log_det(s, X, 2), rtol=1e-7)
    # a transform with an event inside a CatTransform: its log |det J| reduced over the event
    inner = CatTransform([ReshapeTransform((2,), (2,)), ExpTransform()], dim=-1, lengths=[2, 2])
    assert inner.event_dim == 1 and inner.log_abs_det_jacobian(x, inner(x)).shape == (2, 3)


def test_gradients_flow_through_the_pieces():
    x = mt.tensor(X, requires_grad=True)
    c = CatTransform([ExpTransform(), AffineTransform(0.0, 2.0)], dim=1, lengths=[1, 2])
    c(x).sum().backward()
    expected = np.concatenate([np.exp(X[:, :1]), np.full_like(X[:, 1:], 2.0)], 1)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-15)
    x = mt.tensor(X, requires_grad=True)
    StackTransform([ExpTransform(), AffineTransform(0.0, -1.0)], dim=0)(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.stack([np.exp(X[0]), -np.ones_like(X[1])]), rtol=1e-15)


def test_constraints_cat_and_stack():
    value = mt.tensor([[1.0, -2.0, 0.5], [-1.0, 3.0, 1.5]])
    cat = constraints.cat([constraints.positive, constraints.real, constraints.unit_interval], dim=1)
    assert cat.check(value).tolist() == [[True, True, True], [False, True, False]] and repr(cat) == "Cat()"
    stacked = constraints.stack([constraints.positive, constraints.real], dim=0)
    assert stacked.check(value).tolist() == [[True, False, True], [True, True, True]]
    assert constraints.stack([constraints.simplex], dim=-2).event_dim == 2  # (PyTorch's: the stacked axis joins)
    assert constraints.stack([constraints.simplex], dim=-1).event_dim == 1


def test_bad_input_raises():
    with pytest.raises(ValueError, match="different numbers of entries"):
        ReshapeTransform((3, 4), (5, 2))
    with pytest.raises(ValueError, match="does not end with the in_shape"):
        ReshapeTransform((3, 4), (12,))(mt.zeros(4, 3))
    with pytest.raises(ValueError, match="2 lengths for 3 transforms"):
        CatTransform([ExpTransform()] * 3, lengths=[1, 2])
    with pytest.raises(ValueError, match="must have the 3 entries"):
        CatTransform([ExpTransform()] * 3, dim=0)(mt.zeros(4))
    with pytest.raises(ValueError, match="dim 2 is out of range"):
        StackTransform([ExpTransform()], dim=2)(mt.zeros(3))
    with pytest.raises(ValueError, match="one entry for each of the 2 transforms"):
        StackTransform([ExpTransform()] * 2)(mt.zeros(3))
    with pytest.raises(TypeError, match="tseq"):
        StackTransform([ExpTransform(), "exp"])


def _numbers(lib):
    T = lib.distributions.transforms
    x = lib.tensor(X, requires_grad=True)
    r = T.ReshapeTransform((3, 4), (6, 2))
    last = T.CatTransform([T.ExpTransform(), T.AffineTransform(1.0, 3.0), T.SigmoidTransform()], -1, [1, 2, 1])
    middle = T.CatTransform([T.ExpTransform(), T.TanhTransform()], dim=1, lengths=[2, 1])
    stacked = T.StackTransform([T.ExpTransform(), T.SoftplusTransform(), T.AffineTransform(0.5, 2.0)], dim=1)
    first = T.StackTransform([T.ExpTransform(), T.TanhTransform()], dim=0)
    out = []
    for t in (r, last, middle, stacked, first):
        y = t(x)
        out += [y, t.inv(y), t.log_abs_det_jacobian(x, y)]
    total = sum((o * (i + 1)).sum() for i, o in enumerate(out))
    (grad,) = lib.autograd.grad(total, [x])
    checks = [t.codomain.check(t(x)) for t in (last, stacked)] + [last.domain.check(x)]
    dims = [t.domain.event_dim for t in (r, last, middle, stacked, first)]
    names = [repr(t) for t in (r, last, stacked)]
    return [o.detach().numpy() for o in out + checks] + [grad.numpy(), np.array(dims)], names


def test_numbers_match_pytorchs():
    assert_same_numbers(pytest.importorskip("torch"), _numbers, rtol=1e-12, atol=1e-15)


def _transformed(lib):
    """TransformedDistributions through transforms of vectors and matrices: shapes, supports, log
    densities of points of their supports and their gradients."""
    D = lib.distributions
    T = D.transforms
    loc = lib.tensor(np.linspace(-0.5, 0.5, 12).reshape(3, 4), requires_grad=True)
    cases = [
        (D.TransformedDistribution(D.Normal(loc, 1.0), T.StickBreakingTransform()), np.full((3, 5), 0.2)),
        (D.TransformedDistribution(D.Normal(loc, 1.0), [T.ReshapeTransform((4,), (2, 2))]), X[0].reshape(3, 2, 2)),
        (
            D.TransformedDistribution(
                D.Independent(D.Normal(loc, 2.0), 1),
                [T.AffineTransform(1.0, 2.0), T.ReshapeTransform((4,), (2, 2)), T.ExpTransform()],
            ),
            np.exp(X[0].reshape(3, 2, 2)),
        ),
        (D.TransformedDistribution(D.Normal(loc, 1.0), [T.ExpTransform(), T.StickBreakingTransform()]), "simplex"),
        (
            D.TransformedDistribution(
                D.Normal(loc, 1.0), T.CatTransform([T.ExpTransform(), T.SigmoidTransform()], -1, [2, 2])
            ),
            np.concatenate([np.exp(X[0, :, :2]), np.full((3, 2), 0.3)], -1),
        ),
    ]
    numbers, shapes = [], []
    for d, value in cases:
        shapes.append((tuple(d.batch_shape), tuple(d.event_shape), tuple(d.rsample((2,)).shape), repr(d.support)))
        if isinstance(value, str):  # (a simplex point the stick-breaking of positive numbers reaches)
            value = np.tile([0.4, 0.3, 0.15, 0.1, 0.05], (3, 1))
        log_prob = d.log_prob(lib.tensor(value))
        (grad,) = lib.autograd.grad(log_prob.sum(), [loc])
        numbers += [log_prob.detach().numpy(), grad.numpy()]
    return numbers, shapes


def test_transformed_distributions_of_vector_and_matrix_maps_match_pytorchs():
    (mine, my_shapes) = _transformed(mt)
    assert my_shapes[0][:3] == ((3,), (5,), (2, 3, 5)) and my_shapes[1][:2] == ((3,), (2, 2))
    torch = pytest.importorskip("torch")
    theirs, their_shapes = _transformed(torch)
    assert my_shapes == [(b, e, s, support) for b, e, s, support in their_shapes]
    for i, (a, b) in enumerate(zip(mine, theirs)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=str(i))

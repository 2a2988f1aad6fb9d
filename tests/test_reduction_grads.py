"""The gradients of ``sum`` and ``mean`` are broadcast views; what users receive is their own.

``F.sum_backward`` / ``F.mean_backward`` spread the upstream gradient over the reduced axes
as a read-only ``np.broadcast_to`` view (no copy) from ``F._VIEW_FROM`` elements up, and as a
filled copy below (cheaper there); the tests use both sizes. They check the values (closed
forms: every element of x gets the weight of the output element it was summed into, divided
by n for a mean) and that every gradient handed to a user is a writeable array of its own:
a leaf's ``.grad`` (zeroed, written, accumulated into by a second backward), a retained
intermediate's, ``mytorch.grad``'s results. The engine's buffer may hold the view itself:
it is read-only, so a write into it raises instead of changing another gradient.
"""

from __future__ import annotations

import numpy as np
import pytest

import mytorch as mt
from mytorch import Autograd, Tensor, nn
from mytorch.nn import functional as F
from mytorch.replay import Replay

SMALL, BIG = (2, 3), (64, 128)  # below and above F._VIEW_FROM elements: a copy, a view
SIZES = pytest.mark.parametrize("shape", [SMALL, BIG], ids=["small", "big"])

# (dim, keepdim): every axis, one axis (negative too), several axes
REDUCTIONS = [(None, False), (0, False), (1, True), (-1, False), ((0, 2), False), ((0, 2), True)]


def _closed_form(x: np.ndarray, w: np.ndarray, dim, keepdim: bool, mean: bool) -> np.ndarray:
    """d/dx of sum(w * reduce(x)): w spread back over the reduced axes (divided by n for a mean)."""
    axes = tuple(range(x.ndim)) if dim is None else (dim,) if isinstance(dim, int) else dim
    axes = tuple(a % x.ndim for a in axes)
    spread = w if keepdim or dim is None else np.expand_dims(w, axes)
    n = np.prod([x.shape[a] for a in axes])
    return np.broadcast_to(spread, x.shape) / (n if mean else 1)


@pytest.mark.parametrize("shape", [(3, 4, 5), (16, 32, 20)], ids=["small", "big"])
@pytest.mark.parametrize("mean", [False, True], ids=["sum", "mean"])
@pytest.mark.parametrize(("dim", "keepdim"), REDUCTIONS)
def test_reduction_gradients_have_their_closed_form(shape, mean: bool, dim, keepdim: bool) -> None:
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal(shape), requires_grad=True)
    y = x.mean(dim=dim, keepdim=keepdim) if mean else x.sum(dim=dim, keepdim=keepdim)
    w = rng.standard_normal(y.shape)
    (y * w).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), _closed_form(x.numpy(), w, dim, keepdim, mean), rtol=1e-14, atol=0)


@SIZES
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_reduction_gradients_keep_the_dtype(shape, dtype) -> None:
    x = Tensor(np.ones(shape, dtype=dtype), requires_grad=True)
    x.mean(dim=1).sum().backward()
    assert x.grad.dtype == dtype
    np.testing.assert_array_equal(x.grad.numpy(), np.full(shape, dtype(1 / shape[1])))


def test_the_kernels_return_read_only_views_without_a_copy_when_big() -> None:
    g = np.arange(BIG[1], dtype=float)
    (gx,) = F.sum_backward(g, np.zeros(BIG), axis=0)
    assert np.shares_memory(gx, g) and not gx.flags.writeable
    np.testing.assert_array_equal(gx, np.tile(g, (BIG[0], 1)))
    (gx,) = F.mean_backward(np.array(BIG[0] * BIG[1] * 3.0), np.zeros(BIG))
    assert not gx.flags.writeable
    np.testing.assert_array_equal(gx, np.full(BIG, 3.0))
    (gx,) = F.sum_backward(np.arange(2.0), np.zeros((2, 3)), axis=1)  # small: a copy of its own
    assert gx.flags.writeable
    np.testing.assert_array_equal(gx, [[0.0] * 3, [1.0] * 3])


def _assert_own(grad: Tensor, *others: np.ndarray) -> None:
    """``grad`` is a writeable contiguous array sharing memory with none of ``others``."""
    assert grad.numpy().flags.writeable and grad.numpy().flags.c_contiguous
    for other in others:
        assert not np.shares_memory(grad.numpy(), other)


@SIZES
@pytest.mark.parametrize("reduce", ["sum", "mean"])
def test_a_leaf_grad_from_a_reduction_is_writeable_and_its_own(shape, reduce: str) -> None:
    x = Tensor(np.ones(shape), requires_grad=True)
    upstream = np.ones(shape[0])
    getattr(x, reduce)(dim=1).backward(upstream)
    expected = np.full(shape, 1.0 if reduce == "sum" else 1 / shape[1])
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    _assert_own(x.grad, upstream, x.numpy())
    x.grad.numpy()[0, 0] = 5.0  # the user's own array: writes go through and change nothing else
    assert x.grad.numpy()[0, 0] == 5.0 and x.grad.numpy()[1, 0] == expected[1, 0]
    x.grad.zero_()
    assert not x.grad.numpy().any()


@SIZES
def test_a_second_backward_accumulates_into_the_same_grad(shape) -> None:
    x = Tensor(np.ones(shape), requires_grad=True)
    x.sum().backward()
    first = x.grad
    held = first.numpy()
    x.mean(dim=0).sum().backward()
    assert x.grad is first and x.grad.numpy() is held  # added in place, as PyTorch does
    np.testing.assert_allclose(x.grad.numpy(), np.full(shape, 1 + 1 / shape[0]))


@SIZES
def test_an_optimizer_steps_with_a_reduction_gradient(shape) -> None:
    x = Tensor(np.zeros(shape), requires_grad=True)
    opt = mt.optim.SGD([x], lr=0.5)
    for _ in range(2):
        opt.zero_grad()
        x.mean().backward()
        opt.step()
    np.testing.assert_allclose(x.numpy(), np.full(shape, -2 * 0.5 / np.prod(shape)))


@SIZES
def test_two_leaves_fed_by_one_reduction_get_separate_grads(shape) -> None:
    a = Tensor(np.ones(shape), requires_grad=True)
    b = Tensor(np.ones(shape), requires_grad=True)
    (a + b).sum().backward()  # add passes sum's one gradient on to both inputs
    _assert_own(a.grad, b.grad.numpy())
    a.grad.numpy()[...] = 7.0
    np.testing.assert_array_equal(b.grad.numpy(), np.ones(shape))


@SIZES
def test_a_view_that_arrives_first_is_added_to_not_written_into(shape) -> None:
    """Within one backward, sum's view is the first gradient of h and of x; the later
    contributions are added to it, never into it (it is read-only, and shared)."""
    x = Tensor(np.ones(shape), requires_grad=True)
    h = x * 1.0
    h.retain_grad()
    ((h * 3.0).sum() + h.sum() + (x * 2.0).sum() + x.sum()).backward()
    np.testing.assert_array_equal(h.grad.numpy(), np.full(shape, 4.0))
    np.testing.assert_array_equal(x.grad.numpy(), np.full(shape, 7.0))


@SIZES
def test_a_retained_intermediate_grad_is_writeable(shape) -> None:
    x = Tensor(np.ones(shape), requires_grad=True)
    h = x * 2.0
    h.retain_grad()
    h.sum().backward()
    _assert_own(h.grad, x.grad.numpy())
    np.testing.assert_array_equal(h.grad.numpy(), np.ones(shape))


@SIZES
def test_mytorch_grad_returns_writeable_gradients(shape) -> None:
    x = Tensor(np.ones(shape), requires_grad=True)
    (g,) = mt.grad(x.mean(dim=1).sum(), x)
    assert g.numpy().flags.writeable
    np.testing.assert_array_equal(g.numpy(), np.full(shape, 1 / shape[1]))
    g.add_(1.0)
    np.testing.assert_array_equal(g.numpy(), np.full(shape, 1 + 1 / shape[1]))


def test_second_derivatives_through_a_reduction() -> None:
    """d/dx of sum(d/dx sum(x**3) * w) = 6 x w: the recorded backward broadcasts a Tensor."""
    x = Tensor(np.array([[1.0, -2.0], [0.5, 3.0]]), requires_grad=True)
    (g,) = mt.grad((x**3).sum(), x, create_graph=True)
    w = np.array([[1.0, 2.0], [3.0, 4.0]])
    (h,) = mt.grad((g * w).sum(), x)
    np.testing.assert_allclose(h.numpy(), 6 * x.numpy() * w)


def test_the_engines_buffer_may_hold_the_view_and_refuses_writes() -> None:
    """A data array's gradient in the handout engine's buffer is sum's view itself: reading
    it gives the right values, writing into it raises (it is never silently shared)."""
    engine = Autograd()
    x = np.ones(BIG)
    y = F.apply(engine, "sum", x, axis=1)
    g = np.arange(BIG[0], dtype=float)
    engine.backward(g, output=y)
    gx = engine.gradient_buffer.get_param(x)
    np.testing.assert_array_equal(gx, np.repeat(g[:, None], BIG[1], axis=1))
    with pytest.raises(ValueError, match="read-only"):
        gx[0, 0] = 5.0
    engine.backward(g, output=y)  # a second backward adds out of place
    np.testing.assert_array_equal(engine.gradient_buffer.get_param(x), np.repeat(2 * g[:, None], BIG[1], axis=1))
    np.testing.assert_array_equal(gx[:, 0], g)  # the first gradient was not written over


def test_a_replayed_step_through_big_reductions_matches_the_dynamic_one() -> None:
    """Replay copies a row's gradient out of its result (``rules.generic_backward``): a
    broadcast view is copied like any array, and ``verify`` finds the two steps equal."""
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(32, BIG[1]), nn.Tanh())
    opt = mt.optim.SGD(model.parameters(), lr=0.01)

    def step(x: Tensor) -> Tensor:
        opt.zero_grad()
        out = model(x)  # BIG: sum's and mean's gradients are views
        loss = (out * out).mean() + out.sum(dim=1).mean() * 0.01
        loss.backward()
        opt.step()
        return loss

    replay = Replay(step, optimizer=opt, verify=2)
    x = mt.tensor(np.random.default_rng(1).standard_normal((BIG[0], 32)), dtype=mt.float32)
    for _ in range(4):
        replay(x)  # verify raises if a replay differs from the dynamic step
    assert replay.captures == 1 and replay.replays >= 2  # each of them verified


@pytest.mark.parametrize("reduce", ["sum", "amax", "amin", "prod", "norm", "mean"])
@pytest.mark.parametrize("dim", [0, -1])
def test_a_0d_tensor_reduced_along_dim_0_differentiates_as_in_pytorch(reduce, dim):
    # PyTorch takes dim 0 (or -1) of a 0-d tensor as the tensor itself; the forward worked, and
    # the backward died with "ZeroDivisionError: integer modulo by zero".
    x = mt.tensor(1.5, dtype=mt.float64, requires_grad=True)
    y = getattr(x, reduce)(dim=dim)
    assert y.shape == () and y.item() == 1.5
    (y * 2).backward()
    assert x.grad.item() == 2.0


def test_a_0d_tensor_along_dim_0_in_var_max_and_argmax_is_itself_as_in_pytorch():
    # they raised (NumPy's axis error, or 'dimension 0 out of range'); PyTorch computes
    x = mt.tensor(1.5, dtype=mt.float64, requires_grad=True)
    values, indices = x.max(dim=0)
    assert (values.item(), indices.item(), x.argmin(dim=-1).item()) == (1.5, 0, 0)
    assert x.var(dim=0, correction=0).item() == 0.0 and x.std(dim=-1, correction=0).item() == 0.0
    (values * 2 + x.min(dim=-1, keepdim=True).values).backward()
    assert x.grad.item() == 3.0
    with pytest.raises(IndexError, match="dimension 1 out of range"):
        x.mean(dim=1)


def test_prod_gradient_where_the_product_overflows_is_the_product_of_the_others():
    """The zero-safe product of the others was masked by multiplying: inf * False was NaN. Where
    the whole product overflows the others' need not: [1e200, 1e200] has the gradient 1e200 each
    (P / x gave inf, as PyTorch's unless another slice of the tensor holds a zero)."""
    with np.errstate(over="ignore", invalid="ignore"):  # (the product itself overflows: inf, or NaN with a 0)
        for values, dtype, expected in (
            ([1e200, 1e200], np.float64, [1e200, 1e200]),
            ([1e20, 1e20, 0.0], np.float32, [0.0, 0.0, np.inf]),
            ([2.0, 0.0, 3.0], np.float32, [0.0, 6.0, 0.0]),
        ):
            x = Tensor(np.array(values, dtype=dtype), requires_grad=True)
            x.prod().backward()
            assert x.grad.dtype == dtype
            np.testing.assert_array_equal(x.grad.numpy(), expected)


@pytest.mark.filterwarnings("ignore:invalid value encountered in multiply")  # (inf * 0 in the forward product)
def test_prod_gradients_with_infinities_are_the_products_of_the_others():
    """Each element's gradient is the product of the others (inf * 0 is NaN: [-inf, 3, 0] gave 0 at
    3, PyTorch NaN), also in a slice with an infinity and no zero, where P / x was NaN ([inf, 2] gave
    [nan, inf], as PyTorch's unless another slice of the tensor holds a zero: then [2, inf]).
    With create_graph the no-zero case was masked by multiplying (inf * False: NaN where PyTorch has
    inf); its second derivatives are the closed form: the sum over i != k of the product of the rest
    (PyTorch's are NaN at an inf)."""
    inf, nan = np.inf, np.nan
    cases = [
        ([inf, 2.0], [2.0, inf]),
        ([inf, 0.0], [0.0, inf]),
        ([-inf, 3.0, 0.0], [0.0, nan, -inf]),
        ([inf, -2.0, 5.0], [-10.0, inf, -inf]),
        ([inf, 0.0, 0.0], [0.0, nan, nan]),  # along a dim; of the whole tensor, 0 (PyTorch's too)
    ]
    for values, expected in cases:
        n = len(values)
        second = [
            sum(np.prod([values[j] for j in range(n) if j not in (i, k)]) for i in range(n) if i != k) for k in range(n)
        ]
        for create_graph in (False, True):
            x = mt.tensor([values, values], dtype=mt.float64, requires_grad=True)
            (g,) = mt.grad(x.prod(1).sum(), x, create_graph=create_graph)
            np.testing.assert_array_equal(g.detach().numpy(), [expected, expected])
        (h,) = mt.grad(g.sum(), x)
        np.testing.assert_array_equal(h.numpy(), [second, second])
    x = mt.tensor([inf, 0.0, 0.0], dtype=mt.float64, requires_grad=True)
    assert mt.grad(x.prod(), x)[0].tolist() == [0.0, 0.0, 0.0]


def test_prod_gradient_of_a_slice_does_not_depend_on_the_other_slices():
    """P / x served every slice unless one held a zero, then the running products served all (as
    PyTorch chooses): [inf, 1, 2] had the gradient [nan, inf, inf] alone and [2, inf, inf] beside
    [0, 2, 3]; [nan, 1, 2] [nan, nan, nan] alone (2 does not involve the NaN)."""
    rows = [
        [1.0, 2.0, 3.0],
        [np.nan, 1.0, 2.0],
        [np.inf, 1.0, 2.0],
        [1e300, 1e300, 1.0],
        [0.0, 2.0, 3.0],
        [2.0, 0.0, 0.0],
    ]
    expected = [
        [6.0, 3.0, 2.0],
        [2.0, np.nan, np.nan],
        [2.0, np.inf, np.inf],
        [1e300, 1e300, np.inf],
        [6.0, 0.0, 0.0],
        [0.0] * 3,
    ]
    for create_graph in (False, True):
        x = mt.tensor(rows, dtype=mt.float64, requires_grad=True)
        (batch,) = mt.grad(x.prod(1).sum(), x, create_graph=create_graph)
        np.testing.assert_array_equal(batch.detach().numpy(), expected)
        for row, want in zip(rows, expected):
            alone = mt.tensor([row], dtype=mt.float64, requires_grad=True)
            (g,) = mt.grad(alone.prod(1).sum(), alone, create_graph=create_graph)
            np.testing.assert_array_equal(g.detach().numpy()[0], want)


@pytest.mark.parametrize("value", [0.0, -0.0, np.inf, 2.0])
def test_prod_of_a_0_d_tensor_has_gradient_1(value):
    """x.prod(0) of a 0-d zero raised AxisError in backward (the products of the others moved an
    axis the array does not have), and x.prod() of a 0-d inf gave NaN (inf / inf)."""
    for dim in (0, -1, None):
        x = mt.tensor(np.array(value, np.float32), requires_grad=True)
        (x.prod() if dim is None else x.prod(dim)).backward()
        assert x.grad.item() == 1.0

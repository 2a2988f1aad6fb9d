"""A slice's result and gradient do not depend on the other slices of the batch: each row of a
batch of edge rows (zeros, ties, NaN, +-inf, 1e30, 1e300) is reduced alone and in the batch, and
the two must agree. A kernel that chose its formula for the whole batch (the logsumexp gradient
divided every row by its sum when one row's result was large, prod took P / x unless some row
held a zero, quantile's infinity guard sent every tie's gradient to one neighbour) fails here.
The p-norms rescale, and float32 variances and standard deviations are taken in float64, only in
the slices whose sums overflow or underflow (they did for the whole batch, so that the other rows
rounded one ulp differently: they were compared to 1e-5 until 2026-12-04)."""

import numpy as np
import pytest

import mytorch as mt

inf, nan = np.inf, np.nan
ROWS = [
    [1.0, 2.0, 3.0],
    [2.0, 2.0, 1.0],
    [nan, 1.0, 2.0],
    [0.0, 0.0, 0.0],
    [inf, 1.0, 2.0],
    [-inf, -inf, -inf],
    [inf, -inf, 0.0],
    [3.0, 3.0, 3.0],
    [-inf, 0.0, 1.0],
    [inf, inf, 1.0],
    [1e30, -1e30, 0.0],
    [1e300, 1e300, 1.0],
    [0.0, 2.0, 3.0],
    [88.0, 89.0, 90.0],
    [1e-30, 2e-30, 0.0],
    [1e-200, 3e-200, 1e-200],
]
F = mt.nn.functional
OPS = {
    "sum": lambda x, t: x.sum(1),
    "prod": lambda x, t: x.prod(1),
    "amax": lambda x, t: x.amax(1),
    "max": lambda x, t: x.max(1).values,
    "median": lambda x, t: x.median(1).values,
    "logsumexp": lambda x, t: x.logsumexp(1),
    "softmax": lambda x, t: x.softmax(1),
    "log_softmax": lambda x, t: x.log_softmax(1),
    "cumsum": lambda x, t: x.cumsum(1),
    "cumprod": lambda x, t: x.cumprod(1),
    "cummax": lambda x, t: x.cummax(1).values,
    "logcumsumexp": lambda x, t: x.logcumsumexp(1),
    "quantile": lambda x, t: x.quantile(0.3, dim=1),
    "nanquantile": lambda x, t: x.nanquantile(0.7, dim=1),
    "kthvalue": lambda x, t: x.kthvalue(2, 1).values,
    "topk": lambda x, t: x.topk(2, 1).values,
    "nansum": lambda x, t: x.nansum(1),
    "nanmean": lambda x, t: x.nanmean(1),
    "cross_entropy": lambda x, t: F.cross_entropy(x, t, reduction="none"),
    "norm": lambda x, t: x.norm(dim=1),
    "norm0.5": lambda x, t: mt.linalg.vector_norm(x, 0.5, dim=1),
    "norm3": lambda x, t: mt.linalg.vector_norm(x, 3, dim=1),
    "normalize": lambda x, t: F.normalize(x, dim=1),
    "var": lambda x, t: x.var(1),
    "std": lambda x, t: x.std(1),
    "layer_norm": lambda x, t: F.layer_norm(x, (3,)),
    "std_mean": lambda x, t: mt.std_mean(x, 1)[0],
}


TARGETS = np.arange(len(ROWS)) % 3


def _value_and_gradient(f, rows, dtype, weights, targets):
    x = mt.tensor(rows, dtype=dtype, requires_grad=True)
    y = f(x, mt.tensor(targets))
    w = np.asarray(weights, dtype=np.float64).reshape((-1,) + (1,) * (y.ndim - 1))
    (y * mt.tensor(np.broadcast_to(w, y.shape).copy(), dtype=y.dtype)).sum().backward()
    return y.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("dtype", [mt.float32, mt.float64])
@pytest.mark.parametrize("name", list(OPS))
def test_each_slice_alone_as_in_the_batch(name, dtype):
    f = OPS[name]
    weights = np.linspace(0.5, 1.5, len(ROWS))
    with np.errstate(all="ignore"):
        batch, batch_grad = _value_and_gradient(f, ROWS, dtype, weights, TARGETS)
        for i, row in enumerate(ROWS):
            value, grad = _value_and_gradient(f, [row], dtype, weights[i : i + 1], TARGETS[i : i + 1])
            np.testing.assert_array_equal(value[0], batch[i], err_msg=f"{name} {row}")
            np.testing.assert_array_equal(grad[0], batch_grad[i], err_msg=f"{name} gradient {row}")

"""Property-based tests of every row of the kernel table (hypothesis).

For each kernel hypothesis draws shapes (broadcasting pairs, batched matmuls, reduction
axes, indices, ...), a dtype (float32 or float64) and a seed for the values, which are
drawn inside the kernel's domain and away from its non-differentiable points (no ties for
max/maximum, no 0 for abs/relu, positive arguments for log/sqrt). Each example is checked
three ways by ``mytorch.gradcheck.check_kernel`` (backward against central differences,
JVP against central differences, ``<v, J u> = <J^T v, u>``) and once more through an
engine, recorded with ``F.apply``.

The profile (``tests/_hypothesis_profiles.py``) sets the number of examples: few in CI,
many with ``HYPOTHESIS_PROFILE=long``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

from mytorch import Autograd  # noqa: E402
from mytorch.gradcheck import check_jvp, check_kernel, gradcheck  # noqa: E402
from mytorch.nn import functional as F  # noqa: E402

Case = tuple[list[np.ndarray], dict[str, Any]]

DTYPES = st.sampled_from([np.float64, np.float32])
SEEDS = st.integers(0, 2**32 - 1)
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
SHAPES_1D_UP = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4)
PAIRS = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=1, max_side=3)


# --------------------------------------------------------------------------- values in a domain
def values(rng: np.random.Generator, shape: tuple[int, ...], dtype: Any, domain: str = "real") -> np.ndarray:
    """Random values of ``shape`` in ``domain``, each at least 0.05 from a kink or a tie.

    * ``real``: uniform in [-2, 2];
    * ``positive``: uniform in [0.3, 3] (log, sqrt, negative and fractional powers);
    * ``nonzero``: |x| in [0.2, 2] with a random sign (abs, relu, divisors);
    * ``probability``: uniform in [0.05, 0.95];
    * ``inside_unit``: uniform in [-0.9, 0.9] (asin, acos);
    * ``above_one``: uniform in [1.1, 4] (acosh);
    * ``distinct``: all values distinct, at least 0.1 apart (max, min);
    * ``distinct_magnitudes``: nonzero, all |x| distinct and at least 0.1 apart (norms);
    * ``grid`` / ``offset_grid``: multiples of 0.2 / halfway between them, so that a grid
      array and an offset-grid array never tie (maximum, minimum);
    * ``off_integer``: |x| in [0, 4), at least 0.15 from an integer and from a half (floor, ceil,
      round, trunc; the quotients of remainder and fmod).
    """
    if domain == "real":
        x = rng.uniform(-2.0, 2.0, shape)
    elif domain == "positive":
        x = rng.uniform(0.3, 3.0, shape)
    elif domain == "nonzero":
        x = rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    elif domain == "probability":
        x = rng.uniform(0.05, 0.95, shape)
    elif domain == "inside_unit":
        x = rng.uniform(-0.9, 0.9, shape)
    elif domain == "above_one":
        x = rng.uniform(1.1, 4.0, shape)
    elif domain == "distinct":
        size = int(np.prod(shape))
        x = (rng.permutation(size).reshape(shape) - size / 2) * 0.1
    elif domain == "distinct_magnitudes":
        size = int(np.prod(shape))
        x = (rng.permutation(size).reshape(shape) + 1) * 0.1 * rng.choice([-1.0, 1.0], shape)
    elif domain in ("grid", "offset_grid"):
        x = (rng.integers(-8, 8, shape) + (0.5 if domain == "offset_grid" else 0.0)) * 0.2
    elif domain == "off_integer":
        f = rng.uniform(0.15, 0.35, shape) + rng.choice([0.0, 0.5], shape)
        x = rng.choice([-1.0, 1.0], shape) * (rng.integers(0, 4, shape) + f)
    else:
        raise ValueError(f"values: unknown domain {domain!r}")
    return np.asarray(x, dtype=dtype)


def axes_for(ndim: int) -> st.SearchStrategy:
    """None, one axis (possibly negative) or a tuple of distinct axes of an ``ndim``-D array."""
    if ndim == 0:
        return st.none()
    one = st.integers(-ndim, ndim - 1)
    several = st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True).map(tuple)
    return st.one_of(st.none(), one, several)


# --------------------------------------------------------------------------- one strategy per kernel
def elementwise(domain: str = "real", **params: st.SearchStrategy) -> Callable[[Any], st.SearchStrategy]:
    """One input of any shape with values in ``domain``; ``params`` are drawn keyword arguments."""

    @st.composite
    def case(draw: Any, dtype: Any) -> Case:
        x = values(np.random.default_rng(draw(SEEDS)), draw(SHAPES), dtype, domain)
        return [x], {k: draw(s) for k, s in params.items()}

    return case


def broadcasting(domain_a: str = "real", domain_b: str = "real") -> Callable[[Any], st.SearchStrategy]:
    """Two inputs whose shapes broadcast against each other."""

    @st.composite
    def case(draw: Any, dtype: Any) -> Case:
        (sa, sb), _ = draw(PAIRS)
        rng = np.random.default_rng(draw(SEEDS))
        return [values(rng, sa, dtype, domain_a), values(rng, sb, dtype, domain_b)], {}

    return case


def reduction(domain: str = "real") -> Callable[[Any], st.SearchStrategy]:
    """One input and a reduction's ``axis`` and ``keepdims``."""

    @st.composite
    def case(draw: Any, dtype: Any) -> Case:
        shape = draw(SHAPES)
        params = {"axis": draw(axes_for(len(shape))), "keepdims": draw(st.booleans())}
        return [values(np.random.default_rng(draw(SEEDS)), shape, dtype, domain)], params

    return case


@st.composite
def quotient_case(draw: Any, dtype: Any) -> Case:
    """a and b for remainder and fmod: one of them has the broadcast shape, and a / b is off the
    integers (``off_integer``), so that the quotient's jumps stay out of the differences' reach."""
    (sa, sb), out = draw(PAIRS)
    rng = np.random.default_rng(draw(SEEDS))
    q = values(rng, out, np.float64, "off_integer")
    if out == sa:
        b = values(rng, sb, np.float64, "nonzero") * 1.5
        return [np.asarray(b * q, dtype).reshape(sa), np.asarray(b, dtype)], {}
    a = values(rng, sa, np.float64, "nonzero") * 1.5  # b of the broadcast shape
    return [np.asarray(a, dtype), np.asarray(a / q, dtype)], {}


@st.composite
def pow_case(draw: Any, dtype: Any) -> Case:
    exponent = draw(st.sampled_from([1, 2, 3, -1, 0.5, 1.5, -0.5, 2.5]))
    domain = "real" if exponent in (1, 2, 3) else "positive"
    return [values(np.random.default_rng(draw(SEEDS)), draw(SHAPES), dtype, domain)], {"exponent": exponent}


@st.composite
def matmul_case(draw: Any, dtype: Any) -> Case:
    """1-D, 2-D and batched operands, batch dimensions broadcasting against each other."""
    (batch_a, batch_b), _ = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3))
    n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
    a_vector, b_vector = draw(st.booleans()), draw(st.booleans())
    sa = (k,) if a_vector else (*batch_a, n, k)
    sb = (k,) if b_vector else (*batch_b, k, m)
    rng = np.random.default_rng(draw(SEEDS))
    return [values(rng, sa, dtype), values(rng, sb, dtype)], {}


@st.composite
def linear_case(draw: Any, dtype: Any) -> Case:
    """x (..., in) with zero to two leading axes, weight (out, in), bias (out,)."""
    lead = draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
    n_in, n_out = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(SEEDS))
    return [values(rng, (*lead, n_in), dtype), values(rng, (n_out, n_in), dtype), values(rng, (n_out,), dtype)], {}


@st.composite
def outer_case(draw: Any, dtype: Any) -> Case:
    rng = np.random.default_rng(draw(SEEDS))
    return [values(rng, (draw(st.integers(1, 4)),), dtype), values(rng, (draw(st.integers(1, 4)),), dtype)], {}


@st.composite
def transpose_case(draw: Any, dtype: Any) -> Case:
    shape = draw(SHAPES)
    axes = draw(st.one_of(st.none(), st.permutations(range(len(shape))).map(tuple)))
    return [values(np.random.default_rng(draw(SEEDS)), shape, dtype)], {"axes": axes}


@st.composite
def reshape_case(draw: Any, dtype: Any) -> Case:
    shape = draw(SHAPES)
    size = int(np.prod(shape))
    divisors = [d for d in range(1, size + 1) if size % d == 0]
    d = draw(st.sampled_from(divisors))
    new_shape = draw(st.sampled_from([(size,), (-1,), shape[::-1], (d, size // d), (size // d, -1, 1), ()]))
    if new_shape == () and size != 1:
        new_shape = (size,)
    return [values(np.random.default_rng(draw(SEEDS)), shape, dtype)], {"shape": new_shape}


@st.composite
def index_case(draw: Any, dtype: Any) -> Case:
    """Basic indices (ints, slices, None, ...), integer arrays with repeats, and boolean masks."""
    shape = draw(SHAPES_1D_UP)
    rng = np.random.default_rng(draw(SEEDS))
    kind = draw(st.sampled_from(["basic", "integer arrays", "mask", "mixed"]))
    if kind == "basic":
        index = draw(hnp.basic_indices(shape, allow_newaxis=True))
    elif kind == "integer arrays":
        index = draw(hnp.integer_array_indices(shape, result_shape=hnp.array_shapes(max_dims=2, max_side=4)))
    elif kind == "mask":
        index = rng.random(shape) < 0.5
    else:
        picks = rng.integers(-shape[0], shape[0], size=draw(st.integers(1, 5)))
        index = (picks, *([slice(None, None, -1)] if len(shape) > 1 else []))
    return [values(rng, shape, dtype)], {"index": index}


@st.composite
def index_scatter_case(draw: Any, dtype: Any) -> Case:
    """The adjoint of ``index``: a gradient of ``x[index]``'s shape, scattered into ``x``'s shape."""
    [x], params = draw(index_case(dtype))
    g = values(np.random.default_rng(draw(SEEDS)), np.shape(x[params["index"]]), dtype)
    return [g], {**params, "shape": x.shape}


@st.composite
def setitem_case(draw: Any, dtype: Any) -> Case:
    """x[index] = value for basic indices, unique integer arrays and masks; value maybe broadcast."""
    shape = draw(SHAPES_1D_UP)
    rng = np.random.default_rng(draw(SEEDS))
    kind = draw(st.sampled_from(["basic", "integer array", "mask"]))
    if kind == "basic":
        index = draw(hnp.basic_indices(shape))
    elif kind == "integer array":  # unique: with repeats only the last write survives
        index = rng.permutation(shape[0])[: draw(st.integers(1, shape[0]))]
    else:
        index = rng.random(shape) < 0.5
    place = np.empty(shape)[index].shape
    value_shape = place[1:] if place and draw(st.booleans()) else place  # broadcast over the first axis
    return [values(rng, shape, dtype), values(rng, value_shape, dtype)], {"index": index}


@st.composite
def concatenate_case(draw: Any, dtype: Any) -> Case:
    shape = draw(SHAPES_1D_UP)
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    rng = np.random.default_rng(draw(SEEDS))
    xs = []
    for _ in range(draw(st.integers(1, 4))):
        part = list(shape)
        part[axis] = draw(st.integers(1, 3))
        xs.append(values(rng, tuple(part), dtype))
    return xs, {"axis": axis}


@st.composite
def softmax_case(draw: Any, dtype: Any) -> Case:
    shape = draw(SHAPES_1D_UP)
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    x = values(np.random.default_rng(draw(SEEDS)), shape, dtype) * 2
    return [x], {"axis": axis}


@st.composite
def cross_entropy_case(draw: Any, dtype: Any) -> Case:
    """Logits (N, C) or (C,); one-hot, soft, or unnormalised non-negative targets."""
    c = draw(st.integers(1, 5))
    shape = draw(st.sampled_from([(c,), (draw(st.integers(1, 4)), c)]))
    rng = np.random.default_rng(draw(SEEDS))
    kind = draw(st.sampled_from(["one-hot", "soft", "weights"]))
    if kind == "one-hot":
        y = np.eye(c)[rng.integers(0, c, shape[:-1])]
    else:
        y = rng.uniform(0.0, 1.0, shape)
        if kind == "soft":
            y /= y.sum(axis=-1, keepdims=True)
    return [y.astype(dtype), values(rng, shape, dtype) * 2], {}


@st.composite
def same_shape_loss_case(draw: Any, dtype: Any, target: str, prediction: str) -> Case:
    shape = draw(SHAPES_1D_UP)
    rng = np.random.default_rng(draw(SEEDS))
    return [values(rng, shape, dtype, target), values(rng, shape, dtype, prediction)], {}


@st.composite
def cast_case(draw: Any, dtype: Any) -> Case:
    """float32 or float64 to float64 (a cast down to float32 would leave finite differences
    in float64 steps below float32's resolution)."""
    return [values(np.random.default_rng(draw(SEEDS)), draw(SHAPES), dtype)], {"dtype": np.dtype(np.float64)}


@st.composite
def expand_case(draw: Any, dtype: Any) -> Case:
    """A target shape, and an input with fewer axes and some of its lengths 1."""
    shape = draw(SHAPES)
    kept = draw(st.integers(0, len(shape)))
    source = tuple(n if draw(st.booleans()) else 1 for n in shape[len(shape) - kept :])
    return [values(np.random.default_rng(draw(SEEDS)), source, dtype)], {"shape": shape}


@st.composite
def clamp_case(draw: Any, dtype: Any) -> Case:
    """Values on the grid, bounds halfway between grid points (no value sits on a bound)."""
    bounds = st.one_of(st.none(), st.integers(-8, 7).map(lambda k: (k + 0.5) * 0.2))
    lo, hi = draw(bounds), draw(bounds)
    if lo is None and hi is None:
        lo = 0.1
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo
    return [values(np.random.default_rng(draw(SEEDS)), draw(SHAPES), dtype, "grid")], {"min": lo, "max": hi}


@st.composite
def where_case(draw: Any, dtype: Any) -> Case:
    """Two inputs and a boolean condition, all three broadcasting against each other."""
    (sa, sb, sc), _ = draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3))
    rng = np.random.default_rng(draw(SEEDS))
    return [values(rng, sa, dtype), values(rng, sb, dtype)], {"condition": np.asarray(rng.random(sc) < 0.5)}


@st.composite
def var_case(draw: Any, dtype: Any) -> Case:
    """A reduction's axes, and a correction of 0 or 1 (1 only when each variance has two values)."""
    inputs, params = draw(reduction()(dtype))
    x = inputs[0]
    count = x.size // np.sum(x, axis=params["axis"]).size  # the values in each variance
    params["correction"] = draw(st.sampled_from([0, 1] if count > 1 else [0]))
    return inputs, params


@st.composite
def norm_case(draw: Any, dtype: Any) -> Case:
    """p in 1, 1.5, 2, 3, inf over a reduction's axes; nonzero values of distinct magnitudes."""
    inputs, params = draw(reduction("distinct_magnitudes")(dtype))
    return inputs, {"p": draw(st.sampled_from([1.0, 1.5, 2.0, 3.0, np.inf])), **params}


@st.composite
def prod_case(draw: Any, dtype: Any) -> Case:
    """One axis or all, values away from 0 so that products stay representable."""
    shape = draw(SHAPES)
    axis = draw(st.none() if not shape else st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    x = values(np.random.default_rng(draw(SEEDS)), shape, dtype, "nonzero")
    return [x], {"axis": axis, "keepdims": draw(st.booleans())}


@st.composite
def cumsum_case(draw: Any, dtype: Any) -> Case:
    shape = draw(SHAPES)
    axis = draw(st.integers(-len(shape), len(shape) - 1)) if shape else 0
    return [values(np.random.default_rng(draw(SEEDS)), shape, dtype)], {"axis": axis}


@st.composite
def cumprod_case(draw: Any, dtype: Any) -> Case:
    """Nonzero values, or with zeros put in (one, or several in a slice: the gradient's special cases)."""
    inputs, params = draw(cumsum_case(dtype))
    x = inputs[0].copy()
    if x.size:
        zeros = np.random.default_rng(draw(SEEDS)).random(x.shape) < draw(st.sampled_from([0.0, 0.2, 0.5]))
        x[zeros] = 0
    return [x], params


CASES: dict[str, Callable[[Any], st.SearchStrategy]] = {
    "identity": elementwise(),
    "neg": elementwise(),
    "add": broadcasting(),
    "sub": broadcasting(),
    "mul": broadcasting(),
    "div": broadcasting("real", "nonzero"),
    "matmul": matmul_case,
    "linear": linear_case,
    "outer": outer_case,
    "pow": pow_case,
    "exp": elementwise(),
    "log": elementwise("positive"),
    "sqrt": elementwise("positive"),
    "abs": elementwise("nonzero"),
    "sin": elementwise(),
    "cos": elementwise(),
    "tanh": elementwise(),
    "sigmoid": elementwise(),
    "relu": elementwise("nonzero"),
    "leaky_relu": elementwise("nonzero", slope=st.floats(0.0, 0.5)),
    "softplus": elementwise(),
    "erf": elementwise(),
    "erfc": elementwise(),
    "asin": elementwise("inside_unit"),
    "acos": elementwise("inside_unit"),
    "atan": elementwise(),
    "atan2": broadcasting("real", "nonzero"),
    "lgamma": elementwise("positive"),
    "digamma": elementwise("positive"),
    "polygamma": elementwise("positive", n=st.integers(0, 3)),
    "erfinv": elementwise("inside_unit"),
    "ndtri": elementwise("probability"),
    "sinh": elementwise(),
    "cosh": elementwise(),
    "atanh": elementwise("inside_unit"),
    "acosh": elementwise("above_one"),
    "gelu": elementwise(),  # the exact form (approximate="none"): tests/test_kernels.py, tests/test_nn_torch.py
    "elu": elementwise("nonzero", alpha=st.floats(0.1, 2.0)),
    "silu": elementwise(),
    "mish": elementwise(),
    "hardtanh": elementwise("off_integer"),  # kinks at -1 and 1
    "maximum": broadcasting("grid", "offset_grid"),
    "minimum": broadcasting("offset_grid", "grid"),
    "max": reduction("distinct"),
    "min": reduction("distinct"),
    "sum": reduction(),
    "mean": reduction(),
    "transpose": transpose_case,
    "reshape": reshape_case,
    "index": index_case,
    "index_scatter": index_scatter_case,
    "setitem": setitem_case,
    "concatenate": concatenate_case,
    "softmax": softmax_case,
    "log_softmax": softmax_case,
    "logsumexp": reduction(),
    "softmax_cross_entropy": cross_entropy_case,
    "mse_loss": lambda dtype: same_shape_loss_case(dtype, "real", "real"),
    "bce_loss": lambda dtype: same_shape_loss_case(dtype, "probability", "probability"),
    "bce_with_logits_loss": lambda dtype: same_shape_loss_case(dtype, "probability", "real"),
    "clone": elementwise(),
    "cast": cast_case,
    "expand": expand_case,
    "clamp": clamp_case,
    "where": where_case,
    "var": var_case,
    "norm": norm_case,
    "prod": prod_case,
    "cumsum": cumsum_case,
    "cumprod": cumprod_case,
    "log1p": elementwise("positive"),
    "log2": elementwise("positive"),
    "log10": elementwise("positive"),
    "expm1": elementwise(),
    "square": elementwise(),
    "rsqrt": elementwise("positive"),
    "reciprocal": elementwise("nonzero"),
    "floor": elementwise("off_integer"),
    "ceil": elementwise("off_integer"),
    "round": elementwise("off_integer"),
    "trunc": elementwise("off_integer"),
    "sign": elementwise("nonzero"),
    "remainder": quotient_case,
    "fmod": quotient_case,
}
"""For every kernel: ``CASES[name](dtype)`` draws ``(inputs, params)``."""


def test_every_kernel_is_fuzzed() -> None:
    assert set(CASES) == set(F.KERNELS), "add a strategy to CASES for every new kernel"


@pytest.mark.parametrize("name", sorted(F.KERNELS))
@given(data=st.data())
def test_kernel_backward_and_jvp_match_differences(name: str, data: st.DataObject) -> None:
    dtype = data.draw(DTYPES, label="dtype")
    inputs, params = data.draw(CASES[name](dtype), label="inputs, params")
    check_kernel(name, *inputs, seed=0, **params)


@pytest.mark.parametrize("name", sorted(F.KERNELS))
@given(data=st.data())
def test_recorded_kernel_matches_differences(name: str, data: st.DataObject) -> None:
    """The same kernel recorded on an engine: backward, forward mode, and the output dtype."""
    dtype = data.draw(DTYPES, label="dtype")
    inputs, params = data.draw(CASES[name](dtype), label="inputs, params")
    engine = Autograd()

    def fn(*xs: np.ndarray) -> np.ndarray:
        return F.apply(engine, name, *xs, **params)

    assert fn(*inputs).dtype == params.get("dtype", dtype)  # the same dtype, except out of a cast
    gradcheck(fn, inputs, engine, seed=1)
    check_jvp(fn, inputs, engine, seed=2)

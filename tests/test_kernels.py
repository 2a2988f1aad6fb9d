"""Every row of the kernel table, backward and JVP, against central differences.

``CASES`` holds, for every kernel in ``F.KERNELS``, at least five sample inputs (with their
params); each is checked in float64 with ``check_kernel`` (backward, JVP, and the two against
each other) and again in float32, where every output must stay float32. A kernel added to
the table without sample cases fails ``test_every_kernel_has_cases``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from mytorch.gradcheck import check_kernel
from mytorch.nn import functional as F

Maker = Callable[[np.random.Generator], tuple[np.ndarray, ...]]


@dataclass
class Case:
    """Sample inputs for one kernel: a maker of the input arrays, the params, the inputs to check."""

    make: Maker
    params: dict[str, Any] = field(default_factory=dict)
    wrt: tuple[int, ...] | None = None
    float32: bool = True  # values also checked in float32 (off where float32 differences are too coarse)


# --------------------------------------------------------------------------- sample data
def normal(shape: tuple[int, ...], scale: float = 1.0, shift: float = 0.0) -> Callable:
    return lambda r: shift + scale * r.standard_normal(shape)


def positive(shape: tuple[int, ...]) -> Callable:
    return lambda r: r.uniform(0.5, 2.0, shape)


def away_from_zero(shape: tuple[int, ...]) -> Callable:
    """Values with |x| >= 0.2: kinks at 0 (relu, abs) stay out of the differences' reach."""
    return lambda r: np.sign(r.uniform(-1, 1, shape)) * r.uniform(0.2, 2.0, shape)


def off_bounds(shape: tuple[int, ...]) -> Callable:
    """Values with |x| in [0.2, 0.8] or [1.2, 1.8]: hardtanh's kinks at -1 and 1 out of reach."""
    return lambda r: np.sign(r.uniform(-1, 1, shape)) * (r.uniform(0.2, 0.8, shape) + r.choice([0.0, 1.0], shape))


def relu6_range(shape: tuple[int, ...]) -> Callable:
    """Values on both sides of 0 and 6, at least 0.2 from either."""
    return lambda r: 3.0 + 3.5 * off_bounds(shape)(r)


SELU = {"alpha": 1.6732632423543772848170429916717, "scale": 1.0507009873554804934193349852946}


def probabilities(shape: tuple[int, ...]) -> Callable:
    return lambda r: r.uniform(0.1, 0.9, shape)


def one_hot(shape: tuple[int, ...]) -> Callable:
    def make(r: np.random.Generator) -> np.ndarray:
        labels = r.integers(0, shape[-1], shape[:-1])
        return np.eye(shape[-1])[labels]

    return make


def inputs(*makers: Callable) -> Maker:
    return lambda r: tuple(np.asarray(m(r), dtype=np.float64) for m in makers)


SHAPES = [(), (5,), (3, 4), (2, 3, 4), (4, 1)]
BROADCAST = [((3, 4), (3, 4)), ((), (3, 4)), ((3, 4), ()), ((4,), (3, 4)), ((3, 1), (1, 4)), ((2, 3, 4), (4,))]


def unary(make: Callable[[tuple[int, ...]], Callable], **params: Any) -> list[Case]:
    return [Case(inputs(make(s)), params) for s in SHAPES]


def binary(make_a: Callable, make_b: Callable) -> list[Case]:
    cases = [Case(inputs(make_a(sa), make_b(sb))) for sa, sb in BROADCAST]
    # One input only: the other's tangent is None in the JVP.
    cases.append(Case(inputs(make_a((3, 1)), make_b((2, 3, 4))), wrt=(1,)))
    cases.append(Case(inputs(make_a((3, 4)), make_b((4,))), wrt=(0,)))
    return cases


REDUCTIONS = [
    ((3, 4), None, False),
    ((3, 4), 0, False),
    ((2, 3, 4), (0, 2), True),
    ((2, 3, 4), -1, False),
    ((5,), 0, True),
    ((), None, False),
    ((3, 4), 1, True),
]


def reduction() -> list[Case]:
    return [Case(inputs(normal(s)), {"axis": axis, "keepdims": keep}) for s, axis, keep in REDUCTIONS]


def softmax_like() -> list[Case]:
    return [
        Case(inputs(normal((5,))), {"axis": -1}),
        Case(inputs(normal((3, 4))), {"axis": -1}),
        Case(inputs(normal((3, 4))), {"axis": 0}),
        Case(inputs(normal((2, 3, 4))), {"axis": 1}),
        # stable at huge logits (float32 spacing at 1000 is too coarse for its differences)
        Case(inputs(normal((2, 5), shift=1000.0)), {"axis": -1}, float32=False),
        Case(inputs(normal((2, 5), shift=-1000.0)), {"axis": -1}, float32=False),
    ]


def loss(make_y: Callable, make_x: Callable, shapes: list[tuple[int, ...]]) -> list[Case]:
    return [Case(inputs(make_y(s), make_x(s))) for s in shapes]


MATMUL = [
    ((3, 4), (4, 2)),
    ((4,), (4, 2)),
    ((3, 4), (4,)),
    ((4,), (4,)),
    ((2, 3, 4), (4, 2)),
    ((2, 3, 4), (2, 4, 5)),
    ((1, 3, 4), (2, 4, 2)),
    ((3,), (2, 3, 4)),
    ((2, 3, 4), (4,)),
]


def with_zero(shape: tuple[int, ...]) -> Callable:
    """Normal values with one exact zero (a product's gradient must not divide by it)."""

    def make(r: np.random.Generator) -> np.ndarray:
        x = r.standard_normal(shape)
        x.flat[1] = 0.0
        return x

    return make


def condition(shape: tuple[int, ...], seed: int) -> np.ndarray:
    return np.asarray(np.random.default_rng(seed).random(shape) < 0.5)


EXPAND = [((3, 1), (3, 4)), ((4,), (2, 3, 4)), ((), (2, 2)), ((1, 1), (5, 3, 2)), ((2, 1, 4), (2, 3, 4))]
WHERE = [
    ((3, 4), (3, 4), (3, 4)),
    ((), (3, 4), (3, 4)),
    ((4,), (3, 1), (3, 4)),
    ((2, 3, 4), (4,), (3, 1)),
    ((3, 4), (3, 4), ()),
]


def off_integer(shape: tuple[int, ...], scale: float = 1.0) -> Callable:
    """±(k + f) * scale, k in 0..3, f at least 0.05 from 0, 1/2 and 1: no step of floor, ceil,
    round (at ``scale`` decimals) or sign within the differences' reach."""

    def make(r: np.random.Generator) -> np.ndarray:
        f = r.uniform(0.15, 0.35, shape) + r.choice([0.0, 0.5], shape)
        return r.choice([-1.0, 1.0], shape) * (r.integers(0, 4, shape) + f) * scale

    return make


def quotient_pair(sa: tuple[int, ...], sb: tuple[int, ...]) -> Maker:
    """a and b (one of them of the broadcast shape) whose quotient a / b is at least 0.15 from
    an integer: a % b and fmod(a, b) have no jump within the differences' reach."""

    def make(r: np.random.Generator) -> tuple[np.ndarray, ...]:
        q = off_integer(np.broadcast_shapes(sa, sb))(r) + r.choice([-1.0, 1.0])
        if np.broadcast_shapes(sa, sb) == sa:
            b = away_from_zero(sb)(r) + np.sign(r.uniform(-1, 1, sb)) * 0.3
            return (b * q).reshape(sa), b
        a = away_from_zero(sa)(r) + np.sign(r.uniform(-1, 1, sa)) * 0.3
        return a, (a / q).reshape(sb)

    return make


QUOTIENTS = [((3, 4), (3, 4)), ((), (3, 4)), ((3, 4), ()), ((4,), (3, 4)), ((2, 3, 4), (4,)), ((3, 4), (1, 4))]


CASES: dict[str, list[Case]] = {
    "identity": unary(normal),
    "neg": unary(normal),
    "add": binary(normal, normal),
    "sub": binary(normal, normal),
    "mul": binary(normal, normal),
    "div": binary(normal, positive),
    "matmul": [Case(inputs(normal(a), normal(b))) for a, b in MATMUL]
    + [Case(inputs(normal((3, 4)), normal((4, 2))), wrt=(1,))],
    "linear": [Case(inputs(normal(x), normal((3, 4)), normal((3,)))) for x in [(5, 4), (4,), (2, 5, 4), (1, 4)]]
    + [Case(inputs(normal((5, 4)), normal((3, 4)), normal((3,))), wrt=(1, 2))],
    "outer": [Case(inputs(normal((a,)), normal((b,)))) for a, b in [(3, 4), (1, 4), (3, 1), (5, 2), (2, 2)]],
    "pow": [Case(inputs(positive(s)), {"exponent": p}) for s, p in zip(SHAPES, [2, 3.0, 0.5, -1.5, 1])],
    "exp": unary(normal),
    "log": unary(positive),
    "sqrt": unary(positive),
    "log1p": unary(positive) + [Case(inputs(normal((4,), scale=0.2))), Case(inputs(normal((3,), scale=1e-9)))],
    "expm1": unary(normal) + [Case(inputs(normal((3,), scale=1e-9)))],
    "square": unary(normal),
    "rsqrt": unary(positive),
    "reciprocal": unary(away_from_zero),
    "abs": unary(away_from_zero),
    "sin": unary(normal),
    "cos": unary(normal),
    "tanh": unary(normal) + [Case(inputs(normal((6,), scale=20.0)))],
    "sigmoid": unary(normal) + [Case(inputs(normal((6,), scale=30.0)))],
    "relu": unary(away_from_zero),
    "leaky_relu": unary(away_from_zero) + [Case(inputs(away_from_zero((3, 4))), {"slope": 0.2})],
    "softplus": unary(normal) + [Case(inputs(normal((6,), scale=30.0)))],
    "gelu": unary(normal) + [Case(inputs(normal(s, scale=2.0)), {"approximate": "none"}) for s in [(5,), (3, 4)]],
    "maximum": binary(normal, normal),
    "minimum": binary(normal, normal),
    "max": reduction(),
    "min": reduction(),
    "sum": reduction(),
    "mean": reduction(),
    "transpose": [
        Case(inputs(normal((3, 4)))),
        Case(inputs(normal((2, 3, 4)))),
        Case(inputs(normal((2, 3, 4))), {"axes": (1, 0, 2)}),
        Case(inputs(normal((2, 3, 4))), {"axes": (2, 0, 1)}),
        Case(inputs(normal((2, 3, 4))), {"axes": (-1, 0, 1)}),  # negative axes, as NumPy allows
        Case(inputs(normal((5,)))),
        Case(inputs(normal(()))),
    ],
    "reshape": [
        Case(inputs(normal((3, 4))), {"shape": (12,)}),
        Case(inputs(normal((2, 3, 4))), {"shape": (6, -1)}),
        Case(inputs(normal((5,))), {"shape": (5, 1)}),
        Case(inputs(normal(())), {"shape": (1, 1)}),
        Case(inputs(normal((4, 1))), {"shape": (2, 2)}),
    ],
    "index": [
        Case(inputs(normal((5,))), {"index": 2}),
        Case(inputs(normal((3, 4))), {"index": (slice(None), slice(1, 3))}),
        Case(inputs(normal((5,))), {"index": np.array([0, 2, 2, 4])}),  # repeats accumulate
        Case(inputs(normal((3, 4))), {"index": np.array([[True, False, True, True]] * 3)}),
        Case(inputs(normal((2, 3, 4))), {"index": (Ellipsis, None, 1)}),
        Case(inputs(normal((3, 4))), {"index": (np.array([0, 2, 0]), np.array([1, 3, 1]))}),
    ],
    "index_scatter": [
        Case(inputs(normal(())), {"index": 2, "shape": (5,)}),
        Case(inputs(normal((3, 2))), {"index": (slice(None), slice(1, 3)), "shape": (3, 4)}),
        Case(inputs(normal((4,))), {"index": np.array([0, 2, 2, 4]), "shape": (5,)}),  # repeats accumulate
        Case(inputs(normal((3,))), {"index": (np.array([0, 2, 0]), np.array([1, 3, 1])), "shape": (3, 4)}),
        Case(inputs(normal((9,))), {"index": np.array([[True, False, True, True]] * 3), "shape": (3, 4)}),
    ],
    "concatenate": [
        Case(inputs(normal((3,)))),
        Case(inputs(normal((2, 3)), normal((4, 3)))),
        Case(inputs(normal((2, 3)), normal((2, 1)), normal((2, 2))), {"axis": 1}),
        Case(inputs(normal((2, 3, 4)), normal((2, 3, 1))), {"axis": -1}),
        Case(inputs(normal((1, 2)), normal((1, 2)), normal((3, 2))), {"axis": 0}),
    ],
    "softmax": softmax_like(),
    "log_softmax": softmax_like(),
    "softmax_cross_entropy": loss(one_hot, normal, [(1, 3), (4, 3), (2, 5), (3, 2), (5,)])
    + [Case(inputs(one_hot((3, 4)), normal((3, 4), scale=30.0)), float32=False)],
    "mse_loss": loss(normal, normal, [(), (5,), (3, 4), (2, 3, 4), (1, 1)]),
    "bce_loss": loss(probabilities, probabilities, [(), (5,), (3, 4), (2, 3, 4), (1,)])
    + [Case(inputs(lambda r: r.integers(0, 2, (6,)), probabilities((6,))))],
    "bce_with_logits_loss": loss(probabilities, normal, [(), (5,), (3, 4), (2, 3, 4), (1,)])
    + [Case(inputs(probabilities((6,)), normal((6,), scale=30.0)))],
    "clone": unary(normal),
    "cast": [Case(inputs(normal(s)), {"dtype": np.dtype(np.float64)}) for s in SHAPES],
    "expand": [Case(inputs(normal(a)), {"shape": b}) for a, b in EXPAND],
    "clamp": [
        Case(inputs(normal(s)), bounds)
        for s, bounds in zip(
            SHAPES, [{"min": -0.5, "max": 0.5}, {"min": 0.0}, {"max": 0.3}, {"min": -1.0, "max": 1.0}, {"min": 0.2}]
        )
    ],
    "where": [Case(inputs(normal(a), normal(b)), {"condition": condition(c, i)}) for i, (a, b, c) in enumerate(WHERE)],
    "var": [
        Case(inputs(normal(s)), {"axis": axis, "keepdims": keep, "correction": 0 if s == () else 1})
        for s, axis, keep in REDUCTIONS
    ]
    + [Case(inputs(normal((3, 4))), {"axis": 1, "correction": 0})],
    "norm": [
        Case(inputs(away_from_zero(s)), {"p": p, "axis": axis, "keepdims": keep})
        for (s, axis, keep), p in zip(REDUCTIONS, [2.0, 1.0, 3.0, np.inf, 1.5, 2.0, np.inf])
    ],
    "prod": [
        Case(inputs(normal((3, 4))), {"axis": None}),
        Case(inputs(normal((3, 4))), {"axis": 0}),
        Case(inputs(normal((2, 3, 4))), {"axis": -1, "keepdims": True}),
        Case(inputs(normal(())), {}),
        Case(inputs(with_zero((3, 4))), {"axis": 1}),
        Case(inputs(with_zero((5,))), {}),
    ],
    "cumsum": [
        Case(inputs(normal(s)), {"axis": a}) for s, a in [((5,), 0), ((3, 4), 0), ((3, 4), 1), ((2, 3, 4), -1), ((), 0)]
    ],
    "erf": unary(normal),
    "setitem": [
        Case(inputs(normal((5,)), normal(())), {"index": 2}),
        Case(inputs(normal((3, 4)), normal((2,))), {"index": (slice(None), slice(1, 3))}),  # broadcast
        Case(inputs(normal((5,)), normal((3,))), {"index": np.array([4, 0, 2])}),
        Case(inputs(normal((3, 4)), normal(())), {"index": np.array([[True, False, True, True]] * 3)}),
        Case(inputs(normal((2, 3)), normal((2, 3))), {"index": Ellipsis}),  # the whole of x: copy_
    ],
    "logsumexp": reduction()
    + [
        # stable at huge and very negative values (float32 spacing at 1000 is too coarse for differences)
        Case(inputs(normal((2, 5), shift=1000.0)), {"axis": -1}, float32=False),
        Case(inputs(normal((2, 5), shift=-1000.0)), {"axis": (0, 1), "keepdims": True}, float32=False),
    ],
    "floor": unary(off_integer),
    "ceil": unary(off_integer),
    "round": unary(off_integer)
    + [Case(inputs(off_integer(s, 0.01)), {"decimals": 2}, float32=False) for s in [(5,), (3, 4)]],
    "trunc": unary(off_integer),
    "sign": unary(away_from_zero),
    "remainder": [Case(quotient_pair(sa, sb)) for sa, sb in QUOTIENTS] + [Case(quotient_pair((3, 4), (4,)), wrt=(1,))],
    "fmod": [Case(quotient_pair(sa, sb)) for sa, sb in QUOTIENTS] + [Case(quotient_pair((4,), (3, 4)), wrt=(0,))],
    # (added last: each kernel's samples are seeded by its place in this dict)
    "elu": [Case(inputs(away_from_zero(s))) for s in SHAPES[:3]]
    + [Case(inputs(away_from_zero((2, 3, 4))), {"alpha": 0.5}), Case(inputs(away_from_zero((4, 1))), SELU)],
    "silu": unary(normal) + [Case(inputs(normal((6,), scale=30.0)))],
    "mish": unary(normal) + [Case(inputs(normal((6,), scale=30.0)))],
    "hardtanh": [Case(inputs(off_bounds(s))) for s in SHAPES[:3]]
    + [Case(inputs(relu6_range(s)), {"min_val": 0.0, "max_val": 6.0}) for s in [(5,), (3, 4)]],
    "cumprod": [Case(inputs(normal(s)), {"axis": a}) for s, a in [((5,), 0), ((3, 4), 1), ((2, 3, 4), -1), ((), 0)]]
    + [Case(inputs(with_zero((3, 4))), {"axis": 1}), Case(inputs(with_zero((5,))), {"axis": 0})],
    "log2": unary(positive),
    "log10": unary(positive),
    "erfc": unary(normal),
    "asin": unary(lambda s: lambda r: r.uniform(-0.9, 0.9, s)),
    "acos": unary(lambda s: lambda r: r.uniform(-0.9, 0.9, s)),
    "atan": unary(normal),
    "atan2": binary(normal, away_from_zero),
    "lgamma": unary(positive) + [Case(inputs(lambda r: r.uniform(-2.8, -2.2, (3, 4))))],  # Gamma < 0 there
    "digamma": unary(positive) + [Case(inputs(lambda r: r.uniform(-1.8, -1.2, (4,))))],
    "polygamma": [Case(inputs(positive(s)), {"n": n}) for s, n in zip(SHAPES, (0, 1, 2, 3, 1), strict=True)]
    + [Case(inputs(lambda r: r.uniform(-0.8, -0.2, (3,))), {"n": 2})],
    "erfinv": unary(lambda s: lambda r: r.uniform(-0.95, 0.95, s)),
    "ndtri": unary(lambda s: lambda r: r.uniform(0.02, 0.98, s)),
    "sinh": unary(normal),
    "cosh": unary(normal),
    "atanh": unary(lambda s: lambda r: r.uniform(-0.9, 0.9, s)),
    "acosh": unary(lambda s: lambda r: r.uniform(1.1, 4.0, s)),
}

CASE_IDS = [(name, i) for name, cases in CASES.items() for i in range(len(cases))]


def sample(name: str, i: int, dtype: type = np.float64) -> tuple[Case, tuple[np.ndarray, ...]]:
    """Case ``i`` of kernel ``name`` and its inputs (seeded by the case's position)."""
    case = CASES[name][i]
    xs = case.make(np.random.default_rng([list(CASES).index(name), i]))
    return case, tuple(x.astype(dtype) for x in xs)


# --------------------------------------------------------------------------- the table itself
def test_every_kernel_has_cases() -> None:
    missing = sorted(set(F.KERNELS) - set(CASES))
    assert not missing, f"kernels without sample cases in tests/test_kernels.py: {missing}"
    assert not set(CASES) - set(F.KERNELS), "cases for kernels that are not in F.KERNELS"


@pytest.mark.parametrize("name", sorted(CASES))
def test_at_least_five_cases(name: str) -> None:
    assert len(CASES[name]) >= 5


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "maximum", "minimum"])
def test_binary_cases_cover_broadcasting(name: str) -> None:
    shapes = {tuple(x.shape for x in sample(name, i)[1]) for i in range(len(CASES[name]))}
    for pair in [((), (3, 4)), ((4,), (3, 4)), ((3, 1), (1, 4)), ((2, 3, 4), (4,))]:
        assert pair in shapes


# --------------------------------------------------------------------------- float64: exact rules
@pytest.mark.parametrize(("name", "i"), CASE_IDS)
def test_backward_and_jvp_match_differences(name: str, i: int) -> None:
    case, xs = sample(name, i)
    assert check_kernel(name, *xs, wrt=case.wrt, **case.params) == []


# --------------------------------------------------------------------------- float32: dtype kept
@pytest.mark.parametrize(("name", "i"), CASE_IDS)
def test_float32_stays_float32(name: str, i: int) -> None:
    case, xs = sample(name, i, np.float32)
    kernel = F.KERNELS[name]
    out_dtype = case.params.get("dtype", np.float32)  # float32, except out of a cast
    out = kernel.forward(*xs, **case.params)
    assert out.dtype == out_dtype, f"{name} forward gave {out.dtype}"
    extra = {"out": out} if kernel.saves_output else {}
    grads = kernel.backward(np.ones_like(out), *xs, **case.params, **extra)
    for g in grads:
        assert g.dtype == np.float32, f"{name}_backward gave {g.dtype}"
    tangent = kernel.jvp([np.ones_like(x) for x in xs], *xs, **case.params, **extra)
    assert tangent.dtype == out_dtype, f"{name}_jvp gave {tangent.dtype}"


F32_IDS = [(name, i) for name, i in CASE_IDS if CASES[name][i].float32]


@pytest.mark.parametrize(("name", "i"), F32_IDS)
def test_float32_values_match_differences(name: str, i: int) -> None:
    """In float32 the rules hold to float32 accuracy (``check_kernel``'s float32 tolerances)."""
    case, xs = sample(name, i, np.float32)
    assert check_kernel(name, *xs, wrt=case.wrt, **case.params) == []


# --------------------------------------------------------------------------- saved outputs
SAVING = [(name, i) for name, i in CASE_IDS if F.KERNELS[name].saves_output]


def forward_with_cotangent(name: str, i: int) -> tuple[Case, tuple[np.ndarray, ...], F.Kernel, np.ndarray, np.ndarray]:
    """Case ``i`` of ``name``, its inputs, the kernel, its output and a random cotangent for it."""
    case, xs = sample(name, i)
    kernel = F.KERNELS[name]
    out = kernel.forward(*xs, **case.params)
    return case, xs, kernel, out, np.random.default_rng(1).standard_normal(np.shape(out))


@pytest.mark.parametrize(("name", "i"), SAVING)
def test_saved_output_is_only_a_shortcut(name: str, i: int) -> None:
    """Called without ``out``, a kernel recomputes it and gives the same derivatives."""
    case, xs, kernel, out, g = forward_with_cotangent(name, i)
    with_out = kernel.backward(g, *xs, **case.params, out=out)
    without = kernel.backward(g, *xs, **case.params)
    np.testing.assert_allclose(with_out[0], without[0], rtol=1e-12, atol=1e-12)
    t = [np.ones_like(x) for x in xs]
    np.testing.assert_allclose(
        kernel.jvp(t, *xs, **case.params, out=out), kernel.jvp(t, *xs, **case.params), rtol=1e-12, atol=1e-12
    )


# --------------------------------------------------------------------------- per-input rules
PARTIAL = [(name, i) for name, i in CASE_IDS if hasattr(F.KERNELS[name].backward, "partials")]


@pytest.mark.parametrize(("name", "i"), PARTIAL)
def test_per_input_rules_equal_the_whole_backward(name: str, i: int) -> None:
    """The rules used when an input is NO_GRAD give the same gradients as the checked kernel."""
    case, xs, kernel, _, g = forward_with_cotangent(name, i)
    whole = kernel.backward(g, *xs, **case.params)
    partials = kernel.backward.partials
    assert len(partials) == len(xs)
    for rule, expected in zip(partials, whole):
        np.testing.assert_allclose(rule(g, *xs, **case.params), expected, rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------------- closed forms
def test_softmax_family_is_finite_at_huge_logits() -> None:
    x = np.array([[1000.0, -1000.0, 999.0], [-1000.0, -1000.0, -1001.0]])
    for name in ["softmax", "log_softmax"]:
        out = F.KERNELS[name].forward(x)
        (g,) = F.KERNELS[name].backward(np.ones_like(out), x, out=out)
        assert np.isfinite(out).all() and np.isfinite(g).all(), name
    y = np.eye(3)[[1, 2]]
    loss = F.softmax_cross_entropy(y, x)
    # row 0: logsumexp = 1000 + log(1 + e^-1), label logit -1000; row 1: label logit -1001
    expected = ((1000 + np.log1p(np.exp(-1.0)) + 1000) + (-1000 + np.log(2 + np.exp(-1.0)) + 1001)) / 2
    np.testing.assert_allclose(loss, [expected], rtol=1e-12)
    assert np.isfinite(F.SoftmaxCrossEntropy_backward(np.ones(1), y, x)[1]).all()


@pytest.mark.parametrize("by_number", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_fast_forms_of_relu_and_the_row_maximum_give_the_plain_forms_bits(
    dtype: type, by_number: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From F.RELU_BY_ZEROS elements relu compares with an array of zeros (on a CPU where NumPy's
    maximum has no vector loop against a number, F.MAXIMUM_BY_NUMBER False; both ways are taken
    here), and many short rows take their maximum through the transpose: the same values as
    np.maximum(x, 0) and x.max(-1), at 0.0, -0.0, NaN, infinities and subnormals too."""
    monkeypatch.setattr(F, "MAXIMUM_BY_NUMBER", by_number)
    rng = np.random.default_rng(5)
    x = rng.standard_normal((64, 16)).astype(dtype)  # 64 rows of 16
    x[0, :8] = [0.0, -0.0, np.nan, np.inf, -np.inf, np.finfo(dtype).smallest_subnormal, -1e-40, 1e-40]
    x[1:4] = [[-0.0] * 16, [np.nan] + [1.0] * 15, [-np.inf] * 16]
    x[4] = [-0.0, 0.0] + [-3.0] * 14  # a tie at the maximum between -0.0 and 0.0
    assert x.shape[0] >= F.SHORT_ROWS[0] and x.shape[1] <= F.SHORT_ROWS[1]
    wide = x.reshape(16, 64).repeat(4, axis=0)  # 4,096 elements in rows of 64
    assert wide.size >= F.RELU_BY_ZEROS[0] and wide.shape[1] >= F.RELU_BY_ZEROS[1]
    y = F.relu(wide)
    assert y.dtype == x.dtype and y.tobytes() == np.maximum(wide, 0).tobytes()
    top = F.row_maximum(x)
    assert top.shape == (64, 1) and np.array_equal(top, x.max(axis=-1, keepdims=True), equal_nan=True)
    with np.errstate(invalid="ignore"):  # (-inf - -inf)
        shifted = x - x.max(axis=-1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=-1, keepdims=True)
        plain = {"softmax": e / total, "log_softmax": shifted - np.log(total)}
        for name, expected in plain.items():
            assert F.KERNELS[name].forward(x).tobytes() == expected.tobytes(), name


def test_handout_kernel_names_exist() -> None:
    for name in [
        "add_backward",
        "sub_backward",
        "mul_backward",
        "div_backward",
        "matmul_backward",
        "log_backward",
        "exp_backward",
        "max_backward",
        "sum_backward",
        "SoftmaxCrossEntropy_backward",
    ]:
        assert callable(getattr(F, name)), name


def test_ties_share_the_gradient() -> None:
    """max over a row with two equal maxima gives each half; maximum(a, a) gives each half."""
    x = np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 1.0]])
    (g,) = F.max_backward(np.array([1.0, 1.0]), x, axis=1)
    np.testing.assert_array_equal(g, [[0, 0.5, 0.5], [1, 0, 0]])
    a = np.array([1.0, 2.0])
    ga, gb = F.maximum_backward(np.ones(2), a, np.array([1.0, 5.0]))
    np.testing.assert_array_equal(ga, [0.5, 0.0])
    np.testing.assert_array_equal(gb, [0.5, 1.0])


def test_unbroadcast_sums_back_to_shape() -> None:
    g = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(F.unbroadcast(g, (4,)), g.sum(axis=(0, 1)))
    np.testing.assert_array_equal(F.unbroadcast(g, (3, 1)), g.sum(axis=(0, 2))[:, None])
    np.testing.assert_array_equal(F.unbroadcast(g, ()), g.sum())
    assert F.unbroadcast(g, (2, 3, 4)) is g


@pytest.mark.parametrize("exponent", [0, 1, 2, 3.0])
def test_pow_at_zero_has_the_calculus_derivative(exponent: float) -> None:
    """d x**p / dx at x = 0 is p * 0**(p-1): 0 for p = 0 and p > 1, 1 for p = 1 (never NaN)."""
    x = np.array([0.0, 2.0])
    (g,) = F.pow_backward(np.ones(2), x, exponent)
    expected = [1.0 if exponent == 1 else 0.0, exponent * 2.0 ** (exponent - 1)]
    np.testing.assert_array_equal(g, expected)
    np.testing.assert_array_equal(F.pow_jvp([np.ones(2)], x, exponent), expected)


@pytest.mark.parametrize("shapes", [((), (3,)), ((3,), ()), ((), ()), ((2, 3), (4,)), ((2,), (3, 4)), ((2, 2), (2, 2))])
def test_outer_of_any_rank_matches_finite_differences(shapes: tuple[tuple[int, ...], tuple[int, ...]]) -> None:
    """outer_backward used g @ b and g.T @ a, right only for 1-D inputs; 0-d and 2-D inputs raised late."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal(s) for s in shapes)
    assert check_kernel("outer", a, b) == []


def test_outer_keeps_float32() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((2, 3)).astype(np.float32), rng.standard_normal(4).astype(np.float32)
    grads = F.outer_backward(np.ones((2, 3, 4), np.float32), a, b)
    assert [g.dtype for g in grads] == [np.float32, np.float32]
    np.testing.assert_allclose(grads[0], np.full((2, 3), b.sum()), rtol=1e-6)
    np.testing.assert_allclose(grads[1], np.full(4, a.sum()), rtol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_softmax_cross_entropy_of_0d_inputs_keeps_their_dtype(dtype) -> None:
    # NumPy 1.x: a 0-d float32 array times grad_output[0] / 1 (a float64 scalar there) is float64
    y, x = np.array(1.0, dtype), np.array(0.5, dtype)
    grads = F.softmax_cross_entropy_backward(np.ones(1, dtype), y, x)
    assert [g.dtype for g in grads] == [dtype, dtype]


def test_float16_sigmoid_is_computed_in_float32_as_pytorch_does():
    """In float16, e**-x overflows from x = -11: sigmoid(-11.16) was 0 (true 1.4e-5), and 625 of
    4001 points on [-20, 20] were 0 where the true value is not."""
    x = np.linspace(-20, 20, 4001).astype(np.float16)
    y = F.sigmoid(x)
    expected = 1.0 / (1.0 + np.exp(-x.astype(np.float64)))
    assert y.dtype == np.float16 and F.sigmoid(np.float16([-11.16]))[0] > 0
    np.testing.assert_allclose(y, expected, rtol=np.finfo(np.float16).eps, atol=2.0**-24)  # (-24: its subnormals)
    (slope,) = F.sigmoid_backward(np.ones_like(x), x, out=y)
    assert slope.dtype == np.float16 and slope[np.searchsorted(x, np.float16(7.68))] > 0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_keeps_its_relative_precision_far_below_zero(dtype: Any) -> None:
    """sigmoid was (1 + tanh(x/2)) / 2, which cancels for x < 0: 0 from x = -17 in float32 and
    -37 in float64 (the true values 4e-8 and 9e-17), so log(sigmoid(x)) and a BCE of it were
    -inf or floored, and the slope y (1 - y) was 0. The closed form, in float64 or by the
    asymptote e**x, must hold to the dtype's precision."""
    xs = [-80.0, -40.0, -20.0, -17.0, -5.0, -0.5, 0.0, 0.5, 5.0, 17.0]
    x = np.array(xs, dtype=dtype)
    expected = np.array([1.0 / (1.0 + np.exp(-v)) for v in xs])  # float64: exp(80) does not overflow
    y = F.sigmoid(x)
    assert y.dtype == dtype
    np.testing.assert_allclose(y, expected, rtol=4 * np.finfo(dtype).eps)
    (slope,) = F.sigmoid_backward(np.ones_like(x), x)
    np.testing.assert_allclose(slope[:4], np.exp(xs[:4]), rtol=1e-6)  # y (1 - y) = e**x to 1e-17 there
    assert F.sigmoid(np.array([-1000.0], dtype=dtype))[0] == 0.0  # underflows to 0, with no warning

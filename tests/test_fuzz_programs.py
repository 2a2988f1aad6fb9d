"""Random programs: compositions of several kernels recorded on one engine (hypothesis).

A program starts from one to three input arrays of one shape (r, c) and runs up to eight
steps; each step reads earlier results (inputs may be read many times, even twice by one
op, so gradients must accumulate) and appends a new (r, c) array. Steps cover elementwise
kernels, broadcasting, reductions spread back by broadcasting, softmax, matmul chains,
index + concatenate splices, reshape + transpose, and constants marked ``NO_GRAD``; the
program may end in a loss. Steps that would sit on a kink, outside a domain, or produce
huge values are replaced by ``tanh`` while the program is drawn, so every program is
smooth where it is checked.

Each program is checked like a kernel: reverse mode against central differences, forward
mode against central differences, and forward against reverse (``<v, J u> = <J^T v, u>``).
The same program also runs on the ``Tensor`` front-end, whose leaves' ``.grad`` must match
central differences too.

A third kind of program adds in-place steps (``add_``, ``sub_``, ``mul_``, ``div_``,
``copy_``, ``zero_``, a row written with ``t[0] = ...``, each by a constant or by another
value of the program) on Tensors, while recording (or, for a shift by a constant, under
``no_grad``, which autograd does not see and which does not change a derivative). Each such program
is either refused with a ``RuntimeError`` (a version check, a leaf that requires grad, a
live view) or its leaves' ``.grad`` match central differences of the same program run on
plain arrays with the same in-place writes: never silently wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import mytorch.tensor as T  # noqa: E402
from mytorch import NO_GRAD, Autograd, no_grad  # noqa: E402
from mytorch.gradcheck import check_jvp, compare, gradcheck, numerical_vjp  # noqa: E402
from mytorch.nn import functional as F  # noqa: E402
from mytorch.tensor import Tensor  # noqa: E402

Op = Callable[..., Any]
"""``op(name, *inputs, constants=(), **params)`` runs kernel ``name``; ``constants`` are the
positions of inputs that need no gradient. One records on an engine, one builds Tensors."""
Step = Callable[[Op, list[Any]], Any]
"""``step(op, pool)`` runs one or a few ops reading ``pool`` and returns an (r, c) result."""
Builder = Callable[[Any, list[np.ndarray]], tuple[Step, tuple[int, ...]] | None]
"""``builder(draw, pool)`` draws a step and the pool indices it reads, or None if it does not fit."""


@dataclass
class Program:
    """Inputs, the steps, and which inputs the steps reach."""

    inputs: list[np.ndarray]
    steps: list[Step]
    used: list[int]

    def run(self, op: Op, inputs: list[Any] | None = None) -> Any:
        """Run the steps with ``op`` from ``inputs`` (default: the arrays); the last result."""
        pool = list(self.inputs if inputs is None else inputs)
        for step in self.steps:
            pool.append(step(op, pool))
        return pool[-1]


def engine_op(engine: Autograd | None) -> Op:
    """Kernels recorded on ``engine`` with ``F.apply`` (None: computed, not recorded)."""

    def op(name: str, *inputs: np.ndarray, constants: tuple[int, ...] = (), **params: Any) -> np.ndarray:
        wanted = [NO_GRAD if i in constants else None for i in range(len(inputs))]
        return F.apply(engine, name, *inputs, gradients_to_update=wanted, **params)

    return op


def tensor_op(name: str, *inputs: Any, constants: tuple[int, ...] = (), **params: Any) -> Tensor:
    """Kernels run on Tensors (plain arrays among the inputs are constants by themselves)."""
    return T._apply(name, inputs, params)  # the Tensor's own bridge to the kernel table, by name


def _pick(draw: Any, pool: list[np.ndarray]) -> int:
    return draw(st.integers(0, len(pool) - 1))


def unary(name: str, ok: Callable[[np.ndarray], bool] = lambda x: True, **params: Any) -> Builder:
    """``name(pool[i])``, if ``ok(pool[i])`` (a domain or a distance from a kink)."""

    def build(draw: Any, pool: list[np.ndarray]) -> tuple[Step, tuple[int, ...]] | None:
        i = _pick(draw, pool)
        if not ok(pool[i]):
            return None
        return (lambda op, p: op(name, p[i], **params)), (i,)

    return build


def binary(name: str, ok: Callable[[np.ndarray, np.ndarray], bool] = lambda a, b: True) -> Builder:
    """``name(pool[i], pool[j])`` (i may equal j), if ``ok``."""

    def build(draw: Any, pool: list[np.ndarray]) -> tuple[Step, tuple[int, ...]] | None:
        i, j = _pick(draw, pool), _pick(draw, pool)
        if not ok(pool[i], pool[j]):
            return None
        return (lambda op, p: op(name, p[i], p[j])), (i, j)

    return build


def reduce_and_broadcast(name: str) -> Builder:
    """``pool[i] + name(pool[j], axis, keepdims=True)``: a reduction broadcast back."""

    def build(draw: Any, pool: list[np.ndarray]) -> tuple[Step, tuple[int, ...]] | None:
        i, j, axis = _pick(draw, pool), _pick(draw, pool), draw(st.integers(0, 1))
        if name in ("max", "min") and not _clear_extreme(pool[j], axis, name):
            return None

        def step(op: Op, p: list[Any]) -> np.ndarray:
            return op("add", p[i], op(name, p[j], axis=axis, keepdims=True))

        return step, (i, j)

    return build


def _clear_extreme(x: np.ndarray, axis: int, name: str) -> bool:
    """The max (min) along ``axis`` beats the runner-up by more than 0.1."""
    s = np.sort(x if name == "max" else -x, axis=axis)
    return x.shape[axis] == 1 or bool((np.take(s, -1, axis) - np.take(s, -2, axis) > 0.1).all())


def softmax_step(name: str) -> Builder:
    def build(draw: Any, pool: list[np.ndarray]) -> tuple[Step, tuple[int, ...]]:
        i, axis = _pick(draw, pool), draw(st.sampled_from([0, 1, -1]))
        return (lambda op, p: op(name, p[i], axis=axis)), (i,)

    return build


def matmul_chain(draw: Any, pool: list[np.ndarray]) -> tuple[Step, tuple[int, ...]]:
    """``pool[i] @ pool[j].T @ pool[k]``: back to (r, c) through an (r, r) product."""
    i, j, k = (_pick(draw, pool) for _ in range(3))

    def step(op: Op, p: list[Any]) -> np.ndarray:
        return op("matmul", op("matmul", p[i], op("transpose", p[j])), p[k])

    return step, (i, j, k)


def scale_by_constant(draw: Any, pool: list[np.ndarray]) -> tuple[Step, tuple[int, ...]]:
    """``pool[i] * w`` with a constant row ``w`` marked ``NO_GRAD`` (broadcast over rows)."""
    i = _pick(draw, pool)
    w = np.asarray(draw(st.lists(st.floats(-1.5, 1.5), min_size=pool[0].shape[1], max_size=pool[0].shape[1])))
    w = w.astype(pool[0].dtype)
    return (lambda op, p: op("mul", p[i], w, constants=(1,))), (i,)


def splice(draw: Any, pool: list[np.ndarray]) -> tuple[Step, tuple[int, ...]] | None:
    """The first columns of ``pool[i]`` joined to the last columns of ``pool[j]``."""
    c = pool[0].shape[1]
    if c < 2:
        return None
    i, j, s = _pick(draw, pool), _pick(draw, pool), draw(st.integers(1, c - 1))

    def step(op: Op, p: list[Any]) -> np.ndarray:
        left = op("index", p[i], index=(slice(None), slice(0, s)))
        right = op("index", p[j], index=(slice(None), slice(s, None)))
        return op("concatenate", left, right, axis=1)

    return step, (i, j)


def reshape_and_transpose(draw: Any, pool: list[np.ndarray]) -> tuple[Step, tuple[int, ...]]:
    """``reshape(pool[i], (c, r)).T``: same shape, elements moved around."""
    i = _pick(draw, pool)
    r, c = pool[0].shape
    return (lambda op, p: op("transpose", op("reshape", p[i], shape=(c, r)))), (i,)


def _far_from_zero(x: np.ndarray) -> bool:
    return bool((np.abs(x) > 0.1).all())


BUILDERS: dict[str, Builder] = {
    **{name: unary(name) for name in ("identity", "neg", "sin", "cos", "tanh", "sigmoid", "softplus", "gelu")},
    "exp": unary("exp", lambda x: bool((x < 2.5).all())),
    "log": unary("log", lambda x: bool((x > 0.3).all())),
    "sqrt": unary("sqrt", lambda x: bool((x > 0.3).all())),
    "abs": unary("abs", _far_from_zero),
    "relu": unary("relu", _far_from_zero),
    "leaky_relu": unary("leaky_relu", _far_from_zero, slope=0.1),
    "square": unary("pow", exponent=2),
    "cube": unary("pow", exponent=3),
    **{name: binary(name) for name in ("add", "sub", "mul")},
    "div": binary("div", lambda a, b: _far_from_zero(b) and bool((np.abs(b) > 0.3).all())),
    "maximum": binary("maximum", lambda a, b: _far_from_zero(a - b)),
    "minimum": binary("minimum", lambda a, b: _far_from_zero(a - b)),
    **{f"{name} broadcast": reduce_and_broadcast(name) for name in ("sum", "mean", "max", "min")},
    "softmax": softmax_step("softmax"),
    "log_softmax": softmax_step("log_softmax"),
    "matmul chain": matmul_chain,
    "constant": scale_by_constant,
    "splice": splice,
    "reshape": reshape_and_transpose,
}
"""Every kind of step a program may take."""

ENDINGS = ("none", "sum", "mse_loss", "softmax_cross_entropy", "bce_with_logits_loss")


def _end(kind: str, target: np.ndarray) -> Step:
    """The program's last step: nothing, a sum, or a loss against a constant target."""

    def step(op: Op, p: list[Any]) -> np.ndarray:
        if kind == "none":
            return op("identity", p[-1])
        if kind == "sum":
            return op("sum", p[-1])
        return op(kind, target, p[-1], constants=(0,))

    return step


@st.composite
def programs(draw: Any) -> Program:
    dtype = draw(st.sampled_from([np.float64, np.float32]), label="dtype")
    r, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    inputs = [rng.uniform(-1.5, 1.5, (r, c)).astype(dtype) for _ in range(draw(st.integers(1, 3)))]
    pool, steps, reads, plain = list(inputs), [], [], engine_op(None)
    for _ in range(draw(st.integers(1, 8))):
        built = BUILDERS[draw(st.sampled_from(sorted(BUILDERS)))](draw, pool)
        y = None if built is None else built[0](plain, pool)
        if y is None or not np.all(np.abs(y) < 20):
            built = BUILDERS["tanh"](draw, pool)
            y = built[0](plain, pool)
        steps.append(built[0])
        reads.append(built[1])
        pool.append(y)
    steps.append(_end(draw(st.sampled_from(ENDINGS)), rng.dirichlet(np.ones(c), size=r).astype(dtype)))
    used = sorted(_reached(len(inputs), reads))
    return Program(inputs, steps, used)


def _reached(n_inputs: int, reads: list[tuple[int, ...]]) -> set[int]:
    """The inputs the last step depends on, following ``reads`` back from the end."""
    needed, frontier = set(), [n_inputs + len(reads) - 1]
    while frontier:
        k = frontier.pop()
        if k in needed:
            continue
        needed.add(k)
        if k >= n_inputs:
            frontier.extend(reads[k - n_inputs])
    return {k for k in needed if k < n_inputs}


PROGRAM_EXAMPLES = 4 * settings().max_examples
"""Programs vary more than single kernels: four times the profile's examples."""


@settings(max_examples=PROGRAM_EXAMPLES)
@given(program=programs())
def test_program_reverse_and_forward_match_differences(program: Program) -> None:
    engine = Autograd()
    used = [program.inputs[i] for i in program.used]

    def fn(*_: np.ndarray) -> np.ndarray:
        return program.run(engine_op(engine))

    gradcheck(fn, used, engine, seed=3)
    check_jvp(fn, used, engine, seed=4)


@settings(max_examples=PROGRAM_EXAMPLES)
@given(program=programs(), seed=st.integers(0, 2**32 - 1))
def test_program_forward_agrees_with_reverse(program: Program, seed: int) -> None:
    """<v, J u> from ``engine.jvp`` equals the sum of <J^T v, u_i> from ``engine.backward``."""
    engine = Autograd()
    out = program.run(engine_op(engine))
    rng = np.random.default_rng(seed)
    used = [program.inputs[i] for i in program.used]
    u = [rng.standard_normal(x.shape) for x in used]
    v = rng.standard_normal(out.shape)
    (ju,) = engine.jvp(used, u, [out])
    engine.backward(v.astype(out.dtype))
    jtv = [engine.gradient_buffer.get_param(x) for x in used]
    lhs = np.vdot(v, ju.astype(np.float64))
    rhs = sum(np.vdot(g.astype(np.float64), t) for g, t in zip(jtv, u))
    tol = (1e-9, 1e-9) if out.dtype == np.float64 else (1e-3, 1e-3)
    assert compare("<v, J u> against <J^T v, u>", np.asarray(lhs), np.asarray(rhs), *tol) is None, (lhs, rhs)
    assert all(g.dtype == out.dtype for g in jtv)


@settings(max_examples=PROGRAM_EXAMPLES)
@given(program=programs(), seed=st.integers(0, 2**32 - 1))
def test_program_written_with_tensors_matches_differences(program: Program, seed: int) -> None:
    """The same program on the Tensor front-end: its leaves' .grad against central differences."""
    leaves = [Tensor(x, requires_grad=True) for x in program.inputs]
    out = program.run(tensor_op, leaves)
    v = np.random.default_rng(seed).standard_normal(out.shape).astype(out.dtype)
    out.backward(v)
    plain = engine_op(None)
    float32 = out.dtype == np.float32
    eps, atol, rtol = (1e-3, 1e-2, 1e-2) if float32 else (1e-6, 1e-5, 1e-4)
    for i in program.used:
        numeric = numerical_vjp(lambda: program.run(plain), program.inputs[i], v, eps)
        mismatch = compare(f"Tensor program, input {i}", leaves[i].grad, numeric, atol, rtol)
        assert mismatch is None, str(mismatch)


# --------------------------------------------------------------------------- in-place steps
IN_PLACE = ("add_", "sub_", "mul_", "div_", "copy_", "zero_", "row")
"""The in-place writes a program may make; ``row`` is ``t[0] = operand[0]``."""

_NUMPY_IN_PLACE: dict[str, Callable[[np.ndarray, Any], None]] = {
    "add_": lambda t, o: np.add(t, o, out=t),
    "sub_": lambda t, o: np.subtract(t, o, out=t),
    "mul_": lambda t, o: np.multiply(t, o, out=t),
    "div_": lambda t, o: np.divide(t, o, out=t),
    "copy_": lambda t, o: np.copyto(t, o),
    "zero_": lambda t, o: t.fill(0),
    "row": lambda t, o: t.__setitem__(0, np.broadcast_to(o, t.shape)[0]),
}


def _write(name: str, target: Any, operand: Any, quiet: bool) -> Any:
    """The in-place write ``name`` on a Tensor (its own method, under ``no_grad`` if ``quiet``)
    or on an array (NumPy's in-place ufuncs); returns the target, changed."""
    if not isinstance(target, Tensor):
        _NUMPY_IN_PLACE[name](target, operand)
        return target
    with no_grad() if quiet else _nothing():
        if name == "zero_":
            target.zero_()
        elif name == "row":
            target[0] = operand[0] if np.ndim(operand) else operand
        else:
            getattr(target, name)(operand)
    return target


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


def in_place_step(draw: Any, pool: list[np.ndarray], n_inputs: int) -> tuple[Step, tuple[int, ...]] | None:
    """``pool[j] (op)= operand`` in place (operand: another value or a constant); the step's
    result is ``pool[j]`` itself, changed. The target is mostly a computed value (an input,
    a leaf that requires grad, is refused while recording)."""
    name = draw(st.sampled_from(IN_PLACE))
    if len(pool) == n_inputs:
        return None  # nothing computed yet
    leaf = draw(st.integers(0, 9)) == 0
    j = _pick(draw, pool[:n_inputs]) if leaf else draw(st.integers(n_inputs, len(pool) - 1))
    use_value = draw(st.booleans())
    m = _pick(draw, pool)
    constant = pool[0].dtype.type(draw(st.sampled_from([0.5, -0.75, 1.5])))
    if name == "div_" and use_value and not bool((np.abs(pool[m]) > 0.3).all()):
        return None
    # under no_grad only a constant shift: autograd does not see it (as in PyTorch), and its
    # derivative is 1, so central differences still apply
    quiet = name in ("add_", "sub_") and not use_value and draw(st.booleans())

    def step(op: Op, p: list[Any]) -> Any:
        return _write(name, p[j], p[m] if use_value else constant, quiet)

    return step, (j, m) if use_value else (j,)


@st.composite
def in_place_programs(draw: Any) -> Program:
    """Programs whose steps include in-place writes (drawn on copies: the inputs stay as drawn)."""
    dtype = draw(st.sampled_from([np.float64, np.float32]), label="dtype")
    r, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    inputs = [rng.uniform(-1.5, 1.5, (r, c)).astype(dtype) for _ in range(draw(st.integers(1, 3)))]
    pool, steps, plain = [x.copy() for x in inputs], [], engine_op(None)
    for _ in range(draw(st.integers(2, 8))):
        kind = "in place" if draw(st.booleans()) else draw(st.sampled_from(sorted(BUILDERS)))
        if kind == "in place":
            built = in_place_step(draw, pool, len(inputs))
        else:
            built = BUILDERS[kind](draw, pool)
        before = [x.copy() for x in pool]
        y = None if built is None else built[0](plain, pool)
        if y is None or not np.all(np.abs(y) < 20) or not all(np.all(np.abs(x) < 20) for x in pool):
            pool[:] = before  # undo a write that went too far, take a tanh instead
            built = BUILDERS["tanh"](draw, pool)
            y = built[0](plain, pool)
        steps.append(built[0])
        pool.append(y)
    steps.append(_end(draw(st.sampled_from(ENDINGS)), rng.dirichlet(np.ones(c), size=r).astype(dtype)))
    return Program(inputs, steps, list(range(len(inputs))))


_DETECTED = ("modified by an in-place operation", "leaf tensor that requires grad", "shares its memory")


@settings(max_examples=PROGRAM_EXAMPLES)
@given(program=in_place_programs(), seed=st.integers(0, 2**32 - 1))
def test_in_place_programs_are_refused_or_right(program: Program, seed: int) -> None:
    """Detected with a RuntimeError, or every leaf's .grad matches central differences of the
    program with the same in-place writes on plain arrays: never silently wrong."""
    leaves = [Tensor(x.copy(), requires_grad=True) for x in program.inputs]
    try:
        out = program.run(tensor_op, leaves)
        v = np.random.default_rng(seed).standard_normal(out.shape).astype(out.dtype)
        if not out.requires_grad:
            return  # every path to the output was overwritten by constants: nothing to check
        out.backward(v)
    except RuntimeError as error:
        assert any(known in str(error) for known in _DETECTED), str(error)
        return
    plain = engine_op(None)
    float32 = out.dtype == np.float32
    eps, atol, rtol = (1e-3, 1e-2, 1e-2) if float32 else (1e-6, 1e-5, 1e-4)
    for i, x in enumerate(program.inputs):
        point = x.copy()

        def run() -> np.ndarray:
            return program.run(plain, [(point if k == i else y).copy() for k, y in enumerate(program.inputs)])

        numeric = numerical_vjp(lambda: run().copy(), point, v, eps)
        grad = np.zeros_like(x) if leaves[i].grad is None else leaves[i].grad.data
        mismatch = compare(f"in-place program, input {i}", grad, numeric, atol, rtol)
        assert mismatch is None, str(mismatch)

"""Random Tensor programs run on MyTorch and on PyTorch (skipped without torch): never a different number.

Two kinds of seeded program, written once with PyTorch's names (``lib`` is ``mytorch`` or
``torch``):

* **Ties and kinks.** Chains of elementwise functions, broadcasting binary ops, reductions
  with ``dim``/``keepdim`` (``max(dim)``, ``amax``, ``norm``, ``var``, ``std``, ``softmax``,
  ...), clamps and slices on inputs that are mostly small integers, so that maxima tie,
  ``relu``/``abs``/``clamp`` sit on their kinks and variances are 0. Every value (and its
  dtype) and every leaf's gradient must match PyTorch's, in float64 and float32. (Programs
  whose PyTorch values hold a NaN are skipped: the two libraries may spread a NaN
  gradient differently.)
* **In-place changes.** ``add_``, ``mul_``, ``+=``, ``clamp_``, ``copy_``, ``zero_``, slice and
  mask assignments on intermediates, their views and views of views. MyTorch may refuse
  with ``RuntimeError`` (a version check, a live view, a leaf that requires grad); if it
  does not, its gradients must be PyTorch's or, where PyTorch refuses, central differences
  of the same program.

The probes that found what these guard: a view of a view (``h.view(2, 2)[0] += v``) went
through once the middle view was gone; ``std`` of a constant row gave a NaN gradient;
``clamp`` with tensor bounds split ties; ``dim=()`` reduced nothing.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import mytorch  # noqa: E402
import mytorch.nn.functional as mF  # noqa: E402

LIBS = {"mytorch": (mytorch, mF), "torch": (torch, torch.nn.functional)}

UNARY: dict[str, Callable[[Any, Any, Any], Any]] = {
    "relu": lambda L, F, t: F.relu(t),
    "abs": lambda L, F, t: t.abs(),
    "tanh": lambda L, F, t: t.tanh(),
    "sigmoid": lambda L, F, t: t.sigmoid(),
    "exp": lambda L, F, t: (t * 0.3).exp(),
    "square": lambda L, F, t: t * t,
    "cube": lambda L, F, t: t**3,
    "clamp": lambda L, F, t: t.clamp(-1.0, 1.0),
    "clamp min": lambda L, F, t: t.clamp(min=0.0),
    "leaky_relu": lambda L, F, t: F.leaky_relu(t, 0.1),
    "softplus": lambda L, F, t: F.softplus(t),
    "sqrt": lambda L, F, t: (t.abs() + 1).sqrt(),
    "floor": lambda L, F, t: (t * 0.5).floor(),
    "round": lambda L, F, t: (t * 0.5).round(),  # (halves: to even in both)
    "sign": lambda L, F, t: t.sign(),
    "log1p": lambda L, F, t: t.abs().log1p(),
    "expm1": lambda L, F, t: (t * 0.3).expm1(),
    "rsqrt": lambda L, F, t: (t.abs() + 1).rsqrt(),
    "reciprocal": lambda L, F, t: (t.abs() + 1).reciprocal(),
}
BINARY: dict[str, Callable[[Any, Any, Any], Any]] = {
    "add": lambda L, a, b: a + b,
    "sub": lambda L, a, b: a - b,
    "mul": lambda L, a, b: a * b,
    "maximum": lambda L, a, b: L.maximum(a, b),
    "minimum": lambda L, a, b: L.minimum(a, b),
    "where": lambda L, a, b: L.where(a > b, a, b),
    "%": lambda L, a, b: a % (b.abs() + 1),  # (on its jumps too: integer multiples)
    "fmod": lambda L, a, b: L.fmod(a, -(b.abs() + 1)),
}
REDUCTIONS: dict[str, Callable[[Any, Any, int, bool], Any]] = {
    "sum": lambda F, t, d, k: t.sum(dim=d, keepdim=k),
    "mean": lambda F, t, d, k: t.mean(dim=d, keepdim=k),
    "amax": lambda F, t, d, k: t.amax(dim=d, keepdim=k),
    "max values": lambda F, t, d, k: t.max(dim=d, keepdim=k)[0],
    "min values": lambda F, t, d, k: t.min(dim=d, keepdim=k)[0],
    "norm": lambda F, t, d, k: t.norm(dim=d, keepdim=k),
    "norm inf": lambda F, t, d, k: t.norm(p=float("inf"), dim=d, keepdim=k),
    "var": lambda F, t, d, k: t.var(dim=d, keepdim=k),
    "std": lambda F, t, d, k: t.std(dim=d, keepdim=k, correction=0),
    "prod": lambda F, t, d, k: t.prod(dim=d, keepdim=k),
}
SHAPE_KEEPING: dict[str, Callable[[Any, Any, int], Any]] = {
    "softmax": lambda F, t, d: t.softmax(dim=d),
    "log_softmax": lambda F, t, d: F.log_softmax(t, dim=d),
    "cumsum": lambda F, t, d: t.cumsum(d),
    "cumprod": lambda F, t, d: t.cumprod(d),
}
SHAPES = [(3, 4), (4,), (3, 1), (1, 4), (2, 3, 4)]


def ties_program(seed: int) -> tuple[list[np.ndarray], list[tuple[Any, ...]], list[tuple[int, ...]]]:
    """Inputs (mostly small integers), the steps, and every value's shape."""
    rng = random.Random(seed)
    values = np.random.default_rng(seed)
    shapes = [rng.choice(SHAPES) for _ in range(rng.randint(1, 3))]
    integers = rng.random() < 0.7
    inputs = [values.integers(-2, 3, s).astype(float) if integers else values.standard_normal(s) for s in shapes]
    steps: list[tuple[Any, ...]] = []
    for _ in range(rng.randint(2, 7)):
        i = rng.randrange(len(shapes))
        shape, kind = shapes[i], rng.random()
        if kind < 0.3:
            steps.append(("unary", rng.choice(list(UNARY)), i))
        elif kind < 0.55:
            j = rng.randrange(len(shapes))
            try:
                shape = np.broadcast_shapes(shape, shapes[j])
            except ValueError:
                continue
            steps.append(("binary", rng.choice(list(BINARY)), i, j))
        elif not shape:  # a 0-d value: nothing to reduce or slice
            continue
        elif kind < 0.8:
            dim, keep = rng.randrange(len(shape)), rng.random() < 0.5
            steps.append(("reduce", rng.choice(list(REDUCTIONS)), i, dim, keep))
            shape = tuple(1 if a == dim else n for a, n in enumerate(shape) if keep or a != dim)
        elif kind < 0.9:
            steps.append(("keep", rng.choice(list(SHAPE_KEEPING)), i, rng.randrange(len(shape))))
        elif shape[0] > 1:
            steps.append(("slice", "", i))
            shape = (shape[0] - 1, *shape[1:])
        else:
            continue
        shapes.append(shape)
    return inputs, steps, shapes


def run_ties(lib: str, program: Any, dtype: Any) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Every value of the program and the leaves' gradients of a weighted sum of all values."""
    L, F = LIBS[lib]
    inputs, steps, shapes = program
    leaves = [L.tensor(a.astype(dtype), requires_grad=True) for a in inputs]
    pool = list(leaves)
    for step in steps:
        kind, name, i = step[:3]
        if kind == "unary":
            pool.append(UNARY[name](L, F, pool[i]))
        elif kind == "binary":
            pool.append(BINARY[name](L, pool[i], pool[step[3]]))
        elif kind == "reduce":
            pool.append(REDUCTIONS[name](F, pool[i], step[3], step[4]))
        elif kind == "keep":
            pool.append(SHAPE_KEEPING[name](F, pool[i], step[3]))
        else:
            pool.append(pool[i][1:])
    weights = np.random.default_rng(len(steps)).standard_normal(sum(int(np.prod(s)) for s in shapes))
    loss, at = 0, 0
    for value, shape in zip(pool, shapes):
        n = int(np.prod(shape))
        loss = loss + (value * L.tensor(weights[at : at + n].reshape(shape).astype(dtype))).sum()
        at += n
    loss.backward()
    grads = [np.zeros(a.shape, dtype) if t.grad is None else t.grad.numpy().copy() for t, a in zip(leaves, inputs)]
    return [v.detach().numpy().copy() for v in pool], grads


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("seed", range(60))
def test_ties_and_kinks_match_torch(seed: int, dtype: Any) -> None:
    program = ties_program(seed)
    expected_values, expected_grads = run_ties("torch", program, dtype)
    if any(np.isnan(v).any() for v in expected_values):
        pytest.skip("a NaN value (var or std of one element): NaN gradients may spread differently")
    values, grads = run_ties("mytorch", program, dtype)
    tol = {"rtol": 1e-9, "atol": 1e-10} if dtype == np.float64 else {"rtol": 2e-4, "atol": 2e-5}
    for k, (ours, theirs) in enumerate(zip(values, expected_values)):
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape, f"value {k} of {program[1]}"
        np.testing.assert_allclose(ours, theirs, **tol, err_msg=f"value {k} of {program[1]}")
    for k, (ours, theirs) in enumerate(zip(grads, expected_grads)):
        np.testing.assert_allclose(ours, theirs, **tol, err_msg=f"gradient of input {k} of {program[1]}")


IN_PLACE: dict[str, Callable[[Any, Any], None]] = {
    "add_": lambda a, b: a.add_(b),
    "mul_": lambda a, b: a.mul_(b),
    "+=": lambda a, b: a.__iadd__(b),
    "*= 1.5": lambda a, b: a.__imul__(1.5),
    "div_": lambda a, b: a.div_(b * b + 1),
    "clamp_": lambda a, b: a.clamp_(-0.8, 0.9),
    "copy_": lambda a, b: a.copy_(b * 0.5),
    "zero_": lambda a, b: a.zero_(),
    "slice =": lambda a, b: a.__setitem__(slice(1, 3), b[0:2] * 2),
    "mask =": lambda a, b: a.__setitem__(a.detach() > 0.2, 0.5),
}
MAKE: dict[str, Callable[[Any, Any, Any], Any]] = {
    "tanh": lambda L, a, b: a.tanh(),
    "exp": lambda L, a, b: (a * 0.3).exp(),
    "mul": lambda L, a, b: a * b,
    "add": lambda L, a, b: a + b,
    "clone": lambda L, a, b: a.clone(),
    "view": lambda L, a, b: a[:],
    "view of a view": lambda L, a, b: a.view(2, 2).view(4),
    "transposed view": lambda L, a, b: a.reshape(2, 2).T.reshape(4),
    "buffer": lambda L, a, b: L.zeros(4, dtype=L.float64),
}


def in_place_program(seed: int) -> list[tuple[str, str, int, int]]:
    """Steps (kind, name, i, j) over a pool that starts with two leaves x and w of shape (4,)."""
    rng = random.Random(seed)
    steps, size = [], 2
    for _ in range(rng.randint(3, 9)):
        i, j = rng.randrange(size), rng.randrange(size)
        if rng.random() < 0.5:
            steps.append(("make", rng.choice(list(MAKE)), i, j))
            size += 1
        else:
            target = rng.randrange(2, size) if size > 2 and rng.random() < 0.85 else i
            steps.append(("in place", rng.choice(list(IN_PLACE)), target, j))
    return steps


def run_in_place(L: Any, steps: list[tuple[str, str, int, int]], x: np.ndarray, w: np.ndarray) -> Any:
    """The program's loss (a weighted sum of every value) and, if the leaves require grad, their gradients."""
    leaves = [
        L.tensor(x.copy(), requires_grad=L.is_grad_enabled()),
        L.tensor(w.copy(), requires_grad=L.is_grad_enabled()),
    ]
    pool = list(leaves)
    for kind, name, i, j in steps:
        if kind == "make":
            pool.append(MAKE[name](L, pool[i], pool[j]))
        else:
            IN_PLACE[name](pool[i], pool[j])
    weights = np.linspace(-1.0, 1.0, 4 * len(pool)).reshape(len(pool), 4)
    loss = sum((t * L.tensor(c)).sum() for t, c in zip(pool, weights))
    if not L.is_grad_enabled():
        return loss.item()
    loss.backward()
    return loss.item(), [np.zeros(4) if t.grad is None else t.grad.numpy().copy() for t in leaves]


def central_differences(steps: list[tuple[str, str, int, int]], x: np.ndarray, w: np.ndarray) -> list[np.ndarray]:
    grads = []
    for which in range(2):
        g = np.zeros(4)
        for k in range(4):
            e = np.zeros(4)
            e[k] = 1e-6
            with mytorch.no_grad():
                up = run_in_place(mytorch, steps, *((x + e, w) if which == 0 else (x, w + e)))
                down = run_in_place(mytorch, steps, *((x - e, w) if which == 0 else (x, w - e)))
            g[k] = (up - down) / 2e-6
        grads.append(g)
    return grads


@pytest.mark.parametrize("seed", range(150))
def test_in_place_programs_are_refused_or_right(seed: int) -> None:
    steps = in_place_program(seed)
    values = np.random.default_rng(seed)
    x, w = values.uniform(-1, 1, 4), values.uniform(-1, 1, 4)
    try:
        ours = run_in_place(mytorch, steps, x, w)
    except RuntimeError:  # refused: loud, never silently wrong, and only where PyTorch refuses too
        with pytest.raises(RuntimeError):  # (a change through a view of a recorded result was refused until 2026-12-05)
            run_in_place(torch, steps, x, w)
        return
    try:
        loss, grads = run_in_place(torch, steps, x, w)
    except RuntimeError:  # PyTorch refuses what MyTorch does: the gradient must still be right
        loss, grads = ours[0], central_differences(steps, x, w)
        tol = 1e-5
    else:
        tol = 1e-9
    np.testing.assert_allclose(ours[0], loss, rtol=1e-9, err_msg=str(steps))
    for k in range(2):
        np.testing.assert_allclose(ours[1][k], grads[k], atol=tol, err_msg=f"gradient of leaf {k} of {steps}")


# --------------------------------------------------------------------------- indexing and promotion
def random_index(rng: random.Random, shape: tuple[int, ...]) -> list[tuple[str, Any]]:
    """An index over ``shape``: integers, slices (positive steps, as PyTorch takes them), None,
    ``...``, lists and tensors of indices (repeats included) and boolean masks, mixed."""
    parts: list[tuple[str, Any]] = []
    axis = 0
    while axis < len(shape) and rng.random() < 0.85:
        n, kind = shape[axis], rng.random()
        if kind < 0.25:
            parts.append(("int", rng.randrange(-n, n)))
        elif kind < 0.45:
            parts.append(
                ("slice", slice(rng.choice([None, 0, 1, -2]), rng.choice([None, -1, n]), rng.choice([None, 1, 2])))
            )
        elif kind < 0.65:
            parts.append(("list", [rng.randrange(-n, n) for _ in range(rng.randint(1, 3))]))
        elif kind < 0.75:
            parts.append(("mask", [rng.random() < 0.5 for _ in range(n)]))
        elif kind < 0.85:
            parts.append(("none", None))
            continue
        else:
            parts.append(("ellipsis", Ellipsis))
            break
        axis += 1
    return parts


def as_index(L: Any, parts: list[tuple[str, Any]]) -> tuple[Any, ...]:
    index = []
    for kind, value in parts:
        if kind == "list":
            value = L.tensor(value)
        elif kind == "mask":
            value = L.tensor(value, dtype=L.bool)
        index.append(value)
    return tuple(index)


def run_index(L: Any, values: np.ndarray, parts: list[tuple[str, Any]], write: bool) -> list[np.ndarray]:
    """x[index] and its gradient; or h[index] = v (h = 2 x) and the gradients of x and v."""
    x = L.tensor(values, requires_grad=True)
    index = as_index(L, parts)
    if not write:
        y = x[index]
        (y * L.tensor(np.arange(y.numel(), dtype=float).reshape(tuple(y.shape)))).sum().backward()
        return [y.detach().numpy().copy(), x.grad.numpy().copy()]
    h = x * 2.0
    v = L.tensor(
        np.arange(1.0, 1.0 + x.detach()[index].numel()).reshape(tuple(x.detach()[index].shape)), requires_grad=True
    )
    h[index] = v * 3.0
    (h * L.tensor(np.arange(h.numel(), dtype=float).reshape(tuple(h.shape)))).sum().backward()
    return [h.detach().numpy().copy(), x.grad.numpy().copy(), v.grad.numpy().copy()]


@pytest.mark.parametrize("seed", range(40))
def test_indexing_reads_and_writes_what_torch_does(seed: int) -> None:
    """Random indexes (integers beside index tensors, masks, None, ...), read and written, with
    their gradients. An integer apart from an index array once put the indexed axes first
    (NumPy's rule), transposing a square result silently."""
    rng = random.Random(seed)
    for case in range(10):
        shape = rng.choice([(3, 4, 2), (4, 5), (6,), (2, 2, 2)])
        values = np.random.default_rng(seed * 10 + case).standard_normal(shape)
        parts = random_index(rng, shape)
        try:
            positions = torch.arange(values.size).reshape(shape)[as_index(torch, parts)].reshape(-1)
        except IndexError:  # index tensors that do not broadcast together: refused by both
            with pytest.raises(IndexError):
                run_index(mytorch, values, parts, write=False)
            continue
        write = rng.random() < 0.5 and len(set(positions.tolist())) == positions.numel()  # repeats: undefined in torch
        expected = run_index(torch, values, parts, write)
        got = run_index(mytorch, values, parts, write)
        for ours, theirs in zip(got, expected):
            assert ours.shape == theirs.shape, f"{shape} {parts} write={write}"
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, err_msg=f"{shape} {parts} write={write}")


OPERANDS: list[Callable[[Any], Any]] = [
    lambda L: L.tensor(np.array([1.5, -2.0, 3.0], np.float32)),
    lambda L: L.tensor(np.array([0.5, 2.0, 1.0])),
    lambda L: L.tensor(np.array([1.0, 2.0, 0.5], np.float16)),
    lambda L: L.tensor(np.float64(2.0)),
    lambda L: L.tensor(np.float32(0.5)),
    lambda L: L.tensor(np.array([1, 2, 3], np.int32)),
    lambda L: L.tensor(np.array([1, 2, 3], np.uint8)),
    lambda L: L.tensor(np.int64(2)),
    lambda L: L.tensor(np.array([True, False, True])),
    lambda L: L.tensor(np.array([-3, 100, 5], np.int8)),
    lambda L: 2,
    lambda L: -2,
    lambda L: 300,
    lambda L: 0.5,
    lambda L: np.int32(3),
    lambda L: np.float64(1.5),
    lambda L: 70000.0,  # beyond float16, and below float16's normal numbers: PyTorch multiplies and
    lambda L: 1e-7,  # divides a float16 tensor by them in float32, NumPy in float16 (x / 70000 was 0)
    lambda L: L.tensor(np.float32(70000.0)),
]
OPERATIONS: dict[str, Callable[[Any, Any, Any], Any]] = {
    "+": lambda L, a, b: a + b,
    "-": lambda L, a, b: a - b,
    "*": lambda L, a, b: a * b,
    "/": lambda L, a, b: a / b,
    "//": lambda L, a, b: a // b,
    "%": lambda L, a, b: a % b,
    "**": lambda L, a, b: a**b,
    "maximum": lambda L, a, b: L.maximum(a, b),
    "where": lambda L, a, b: L.where(L.tensor([True, False, True]), a, b),
    "|": lambda L, a, b: a | b,
    "&": lambda L, a, b: a & b,
    "add alpha": lambda L, a, b: L.add(a, b, alpha=2),
    "sub alpha": lambda L, a, b: L.sub(a, b, alpha=3) if isinstance(a, L.Tensor) else L.sub(b, a, alpha=3),
}


# NumPy's warnings never reach a user where PyTorch is silent (70000.0 cast into float16 is inf,
# 0 ** -1 is inf, uint8 & 70000.0 warned before it was refused); float x / 0, a hot path, is quiet
# through MyTorch's warning filter (docs/tensor.md), which this mark's error filter, put before it,
# would override: hence the two ignores
_QUIET = pytest.mark.filterwarnings(
    "error::RuntimeWarning", "ignore:divide by zero encountered in divide", "ignore:invalid value encountered in divide"
)


@_QUIET
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_every_pair_of_operand_kinds_gives_torchs_dtype_and_values(operation: str) -> None:
    """Tensors of each dtype (dimensioned and 0-d), Python and NumPy numbers, both orders:
    where PyTorch computes, MyTorch gives its dtype and values (where it refuses, MyTorch may
    compute). ``**`` with a Tensor exponent kept the base's dtype; a 0-d integer tensor widened
    a uint8 one; ``|`` took NumPy's dtypes."""
    op = OPERATIONS[operation]
    for make_a in OPERANDS:
        for make_b in OPERANDS:
            a, b = make_a(torch), make_b(torch)
            if not (isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor)):
                continue
            try:
                expected = op(torch, a, b)
            except (RuntimeError, TypeError, NotImplementedError):
                continue
            got = op(mytorch, make_a(mytorch), make_b(mytorch))
            theirs = expected.numpy()
            assert got.dtype == theirs.dtype, (operation, a, b)
            np.testing.assert_allclose(
                got.numpy().astype(float), theirs.astype(float), rtol=1e-3, err_msg=f"{a} {operation} {b}"
            )


IN_PLACE_OPERATIONS: dict[str, Callable[[Any, Any], Any]] = {
    "+=": lambda a, b: a.__iadd__(b),
    "-=": lambda a, b: a.__isub__(b),
    "*=": lambda a, b: a.__imul__(b),
    "/=": lambda a, b: a.__itruediv__(b),
    "mul_": lambda a, b: a.mul_(b),
    "**=": lambda a, b: a.__ipow__(b),
    "&=": lambda a, b: a.__iand__(b),
    "add_ alpha": lambda a, b: a.add_(b, alpha=2),
    "fill_": lambda a, b: a.fill_(b),
    "t[0] =": lambda a, b: a.__setitem__(0, b),
}


@_QUIET
@pytest.mark.parametrize("operation", list(IN_PLACE_OPERATIONS))
def test_in_place_operand_kinds_give_torchs_values_or_are_refused(operation: str) -> None:
    """A tensor of each dtype changed in place by each kind of operand: where PyTorch writes,
    MyTorch writes the same values into the same dtype, into the same object; where PyTorch
    refuses (a float into an integer tensor, 300 into uint8), MyTorch refuses. ``uint8 += int32``
    was refused, ``**=`` rebound the name (another name for the tensor kept the old values),
    ``add_(alpha=)`` scaled in the operand's dtype (int8 * 2 overflowed where the sum is int16)."""
    op = IN_PLACE_OPERATIONS[operation]
    for make_a in OPERANDS:
        for make_b in OPERANDS:
            a = make_a(torch)
            if not isinstance(a, torch.Tensor):
                continue
            b = make_b(torch)
            if isinstance(b, np.floating) and operation in ("fill_", "t[0] ="):
                continue  # PyTorch refuses a NumPy float there (TypeError), MyTorch takes it as a number
            if operation == "**=" and isinstance(b, float) and b == 70000.0 and a.dtype == torch.float16:
                continue  # PyTorch refuses an exponent beyond float16; MyTorch's powers are right (3 ** it is inf)
            try:
                op(a, b)
            except (TypeError, NotImplementedError, IndexError):
                continue
            except RuntimeError as error:
                if "bool tensor is not supported" in str(error) or a.dim() == 0 and operation == "t[0] =":
                    continue  # PyTorch's own refusals of bool subtraction, of indexing a 0-d tensor
                with pytest.raises((RuntimeError, ValueError, TypeError, OverflowError)):
                    op(make_a(mytorch), make_b(mytorch))
                continue
            ours = make_a(mytorch)
            result = op(ours, make_b(mytorch))
            assert result is None or result is ours, (operation, a, b)
            theirs = a.numpy()
            assert ours.dtype == theirs.dtype, (operation, a, b)
            np.testing.assert_allclose(
                ours.numpy().astype(float), theirs.astype(float), rtol=1e-3, err_msg=f"{a} {operation} {b}"
            )


def test_clamp_between_equal_tensor_bounds_gives_torchs_gradients() -> None:
    """x < min == max: PyTorch's clamp gives the gradient to none of x, min and max (MyTorch gave
    it to min); x > max, min > max and a NaN bound as PyTorch's too."""
    x_values = np.array([0.5, 1.0, 2.0, 3.0, 0.0, 5.0])
    lo_values = np.array([1.0, 1.0, 1.0, 1.0, np.nan, 2.0])
    hi_values = np.array([1.0, 1.0, 1.0, 4.0, 3.0, 1.0])
    results = []
    for L in (torch, mytorch):
        x, lo, hi = (L.tensor(v, requires_grad=True) for v in (x_values, lo_values, hi_values))
        y = L.clamp(x, lo, hi)
        (y * L.tensor(np.arange(1.0, 7.0))).sum().backward()
        results.append([y.detach().numpy(), x.grad.numpy(), lo.grad.numpy(), hi.grad.numpy()])
    for ours, theirs in zip(results[1], results[0]):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_powers_with_a_learnable_exponent_match_torch_to_an_ulp(dtype: Any) -> None:
    """b ** t and x ** w with w requiring a gradient: values within 2 ulps of PyTorch's (exp(t log b)
    was up to ~70 float32 ulps off), gradients as PyTorch's."""
    exponents = np.linspace(-30, 30, 241).astype(dtype)
    for base in (2.0, 10.0, 3.7):
        results = []
        for L in (torch, mytorch):
            t = L.tensor(exponents, requires_grad=True)
            b = L.tensor(np.full(exponents.shape, base, dtype))
            y, z = base**t, b**t
            (y.sum() + z.sum()).backward()
            results.append([y.detach().numpy(), z.detach().numpy(), t.grad.numpy()])
        spacing = np.spacing(np.abs(results[0][0]).astype(dtype))
        for ours, theirs in zip(results[1][:2], results[0][:2]):
            assert np.all(np.abs(ours - theirs) <= 2 * spacing), base
        np.testing.assert_allclose(results[1][2], results[0][2], rtol=1e-5 if dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("decimals", [1, 2, -1])
def test_round_with_decimals_gives_torchs_float16_values_everywhere(decimals: int) -> None:
    """Every finite float16 value: ``round(decimals=)`` scales in float32, as PyTorch does (in
    float16 the scaled value was rounded once more: 9326 of the 63488 values differed for 1)."""
    bits = np.arange(2**16, dtype=np.uint32).astype(np.uint16).view(np.float16)
    values = bits[np.isfinite(bits)]
    ours = mytorch.round(mytorch.tensor(values), decimals=decimals).numpy()
    theirs = torch.round(torch.tensor(values), decimals=decimals).numpy()
    assert ours.dtype == theirs.dtype == np.float16
    np.testing.assert_array_equal(ours, theirs)


def test_float16_softmax_gives_torchs_values() -> None:
    """float16 softmax rounds once from float32, as PyTorch's: the same values but where the two
    float32 exps differ by an ulp (1 of 1024 here; in float16 throughout, 65% differed)."""
    x = (np.random.default_rng(1).standard_normal((8, 128)) * 3).astype(np.float16)
    ours, theirs = mytorch.tensor(x).softmax(1).numpy(), torch.softmax(torch.tensor(x), 1).numpy()
    assert ours.dtype == theirs.dtype == np.float16 and np.mean(ours == theirs) > 0.99
    np.testing.assert_array_less(np.abs(ours.astype(float) - theirs), np.spacing(theirs).astype(float) * 1.01)

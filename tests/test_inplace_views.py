"""In-place changes through views of recorded tensors (issue #13): the view's root takes the change
into its history, as PyTorch's CopySlices does, and every member of the view family sees it.

Each combination of a view maker and an in-place operation runs the same program in MyTorch and
(where installed) in PyTorch from the same numbers: the forward values, the root's, the changed
view's and two other views' values after the change, and the leaves' gradients agree to 1e-12
in float64; so do random programs of several views. Without PyTorch, programs are checked
against central differences. The cases PyTorch refuses (a view of a leaf, a view made under
no_grad, a piece of split, an expanded view) stay refused, and so does a change reaching a view a
custom Function returned.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import mytorch
from mytorch.nn import functional as F
from mytorch.view_positions import overlaps, positions, relation

SHAPE = (3, 4)

# view makers: (lib, h) -> a view of h's memory (h of SHAPE)
VIEWS: dict[str, Callable[[Any, Any], Any]] = {
    "row": lambda lib, h: h[1],
    "column": lambda lib, h: h[:, 1],
    "rows": lambda lib, h: h[1:3],
    "every-other-column": lambda lib, h: h[:, ::2],
    "element": lambda lib, h: h[1, 2],
    "new-axis": lambda lib, h: h[None, :, 1],
    "narrow": lambda lib, h: h.narrow(1, 1, 2),
    "select": lambda lib, h: h.select(0, 2),
    "transpose": lambda lib, h: h.transpose(0, 1),
    "t": lambda lib, h: h.t(),
    "T": lambda lib, h: h.T,
    "permute": lambda lib, h: h.permute(1, 0),
    "movedim": lambda lib, h: h.movedim(0, 1),
    "view": lambda lib, h: h.view(2, 6),
    "view-flat": lambda lib, h: h.view(-1),
    "reshape": lambda lib, h: h.reshape(4, 3),
    "flatten": lambda lib, h: h.flatten(),
    "unsqueeze": lambda lib, h: h.unsqueeze(1),
    "squeeze": lambda lib, h: h[1:2].squeeze(0),
    "tensor_split": lambda lib, h: h.tensor_split(2, dim=1)[1],
    "hsplit": lambda lib, h: h.hsplit([1])[1],
    "diagonal": lambda lib, h: h.diagonal(),
    "unfold": lambda lib, h: h.unfold(1, 2, 2),
    "unflatten": lambda lib, h: h.unflatten(1, (2, 2)),
    "swapaxes": lambda lib, h: h.swapaxes(0, 1),
    "ravel": lambda lib, h: h.ravel(),
    "transpose-then-slice": lambda lib, h: h.t()[1:3],
    "view-then-row": lambda lib, h: h.view(2, 6)[1],
    "slice-then-transpose": lambda lib, h: h[:, 1:3].t(),
}


def _operand(lib: Any, shape: tuple[int, ...], seed: int) -> Any:
    values = np.random.default_rng(seed).uniform(0.5, 1.5, size=shape)
    return lib.tensor(values, dtype=lib.float64, requires_grad=True)


# in-place operations: (lib, v, w) -> None; w is a leaf of v's shape (values in [0.5, 1.5])
OPS: dict[str, Callable[[Any, Any, Any], Any]] = {
    "add_": lambda lib, v, w: v.add_(w),
    "add_-alpha": lambda lib, v, w: v.add_(w * w, alpha=-2.0),
    "sub_": lambda lib, v, w: v.sub_(w),
    "mul_-number": lambda lib, v, w: v.mul_(5.0),
    "mul_": lambda lib, v, w: v.mul_(w),
    "div_": lambda lib, v, w: v.div_(w),
    "zero_": lambda lib, v, w: v.zero_(),
    "fill_": lambda lib, v, w: v.fill_(2.5),
    "fill_-tensor": lambda lib, v, w: v.fill_(w.sum()),
    "clamp_": lambda lib, v, w: v.clamp_(-0.5, 0.8),
    "copy_": lambda lib, v, w: v.copy_(w * 3),
    "masked_fill_": lambda lib, v, w: v.masked_fill_(w > 1.0, -1.0),
    "exp_": lambda lib, v, w: v.exp_(),
    "sin_": lambda lib, v, w: v.sin_(),
    "tanh_": lambda lib, v, w: v.tanh_(),
    "sigmoid_": lambda lib, v, w: v.sigmoid_(),
    "neg_": lambda lib, v, w: v.neg_(),
    "pow_": lambda lib, v, w: v.pow_(2),
    "+=": lambda lib, v, w: v.__iadd__(w),
    "-=": lambda lib, v, w: v.__isub__(2.0),
    "*=": lambda lib, v, w: v.__imul__(w),
    "/=": lambda lib, v, w: v.__itruediv__(w),
    "setitem": lambda lib, v, w: v.__setitem__(0, w[0] * 2) if v.ndim else v.__setitem__((), w * 2),
}


def _program(lib: Any, make: Callable, op: Callable, a: Any, w: Any | None = None) -> dict[str, Any]:
    """h = a * 2 + 1 with two other views of it alive; a view of h changed in place; a loss of h,
    the view and the other views (their values after the change)."""
    h = a * 2 + 1
    other = h[1:]  # (made before the change: it sees the change, and its gradient follows)
    corner = h.t()[:2, 0]  # (h[0, :2]: the change reaches it or not, as the view made)
    v = make(lib, h)
    if w is None:
        w = _operand(lib, tuple(v.shape), 7)
    op(lib, v, w)
    parts = (h, v, other, corner)
    weights = [lib.tensor(np.cos(np.arange(t.numel()) + k).reshape(tuple(t.shape))) for k, t in enumerate(parts)]
    loss = (h * weights[0]).sum() + (v * v * weights[1]).sum() + (other.sin() * weights[2]).sum()
    loss = loss + (corner.exp() * weights[3]).sum()
    return {"h": h, "v": v, "other": other, "corner": corner, "loss": loss, "w": w}


def _run(lib: Any, view: str, op: str) -> dict[str, np.ndarray | None]:
    a = _operand(lib, SHAPE, 0)
    out = _program(lib, VIEWS[view], OPS[op], a)
    out["loss"].backward()
    found: dict[str, np.ndarray | None] = {
        name: out[name].detach().numpy().copy() for name in ("h", "v", "other", "corner", "loss")
    }
    found["a.grad"] = a.grad.numpy().copy()
    w = out["w"]
    found["w.grad"] = None if w.grad is None else w.grad.numpy().copy()
    return found


COMBINATIONS = [(view, op) for view in VIEWS for op in ("mul_", "zero_")] + [
    (view, op) for op in OPS for view in ("column", "transpose-then-slice", "element")
]


@pytest.mark.parametrize(("view", "op"), sorted(set(COMBINATIONS)))
def test_like_pytorch(view: str, op: str) -> None:
    torch = pytest.importorskip("torch")
    mine, theirs = _run(mytorch, view, op), _run(torch, view, op)
    for name, want in theirs.items():
        got = mine[name]
        if want is None:
            assert got is None, name
        else:
            assert got is not None and got.shape == want.shape, name
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=name)


# changes for random programs: (v, b) -> None, b a leaf of 3 numbers
CHANGES: list[Callable[[Any, Any], Any]] = [
    lambda v, b: v.mul_(b[0]),
    lambda v, b: v.add_(1.5),
    lambda v, b: v.zero_(),
    lambda v, b: v.sin_(),
    lambda v, b: v.__imul__(2.0),
    lambda v, b: v.copy_(v.detach().clone() * b[0]),
    lambda v, b: v.clamp_(-0.3, 0.9),
    lambda v, b: v.__setitem__(..., b[1] * 3),
]


def _random_program(lib: Any, seed: int, x: np.ndarray, w: np.ndarray) -> list[np.ndarray]:
    """Views of h (and views of those) made and changed in place at random, several alive at once;
    the loss reads h and every view. Returns the values and the leaves' gradients."""
    rng = random.Random(seed)
    a, b = lib.tensor(x, requires_grad=True), lib.tensor(w, requires_grad=True)
    h = a * 2 + b[0]
    alive = []
    for _ in range(rng.randint(2, 6)):
        if not alive or rng.random() < 0.6:
            v = VIEWS[rng.choice(sorted(VIEWS))](lib, h)
        else:
            t = rng.choice(alive)
            v = (
                t.unsqueeze(0)
                if t.ndim == 0 or rng.random() < 0.4
                else t[..., :1]
                if rng.random() < 0.5
                else t.transpose(0, -1)
            )
        alive.append(v)
        if rng.random() < 0.7:
            rng.choice(CHANGES)(rng.choice([*alive, h]), b)
    loss = (h * h).sum() + sum((t * (k + 1)).sin().sum() for k, t in enumerate(alive))
    loss.backward()
    return [t.detach().numpy().copy() for t in (loss, a.grad, b.grad, h, *alive)]


@pytest.mark.parametrize("seed", range(60))
def test_random_programs_of_views_like_pytorch(seed: int) -> None:
    torch = pytest.importorskip("torch")
    values = np.random.default_rng(seed)
    x, w = values.uniform(-1, 1, SHAPE), values.uniform(0.5, 1.5, 3)
    mine, theirs = _random_program(mytorch, seed, x, w), _random_program(torch, seed, x, w)
    assert len(mine) == len(theirs)
    for k, (got, want) in enumerate(zip(mine, theirs)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=f"value {k}")


GRADCHECKED = [
    ("column", "mul_"),
    ("column", "copy_"),
    ("element", "div_"),
    ("transpose", "add_-alpha"),
    ("transpose-then-slice", "*="),
    ("view-then-row", "sin_"),
    ("diagonal", "pow_"),
    ("narrow", "setitem"),
    ("unsqueeze", "/="),
    ("every-other-column", "fill_-tensor"),
    ("rows", "clamp_"),
    ("tensor_split", "masked_fill_"),
]


@pytest.mark.parametrize(("view", "op"), GRADCHECKED)
def test_gradients_match_central_differences(view: str, op: str) -> None:
    make = VIEWS[view]
    shape = tuple(make(mytorch, mytorch.zeros(SHAPE)).shape)

    def loss(a: Any, w: Any) -> Any:
        return _program(mytorch, make, OPS[op], a, w)["loss"]

    assert mytorch.autograd.gradcheck(loss, (_operand(mytorch, SHAPE, 0), _operand(mytorch, shape, 7)))


def test_the_issue_examples() -> None:
    a = mytorch.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    d = a * 1
    d[:, 0].zero_()
    d.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), np.tile([0.0, 1.0, 1.0, 1.0], (3, 1)))
    a.grad = None
    c = a * 3
    v = c[:, 1]
    v.mul_(5)
    c.sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), np.tile([3.0, 15.0, 3.0, 3.0], (3, 1)))
    assert c.grad_fn is None  # (released by backward, as the other results' are)


def test_the_root_changed_in_place_while_views_live() -> None:
    """h.mul_(2) while views of h live: they see the new values and differentiate through the change."""
    a = mytorch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=mytorch.float64, requires_grad=True)
    h = a * 1
    row, col = h[0], h.t()[1]
    h.mul_(a)
    assert row.tolist() == [1.0, 4.0] and col.tolist() == [4.0, 16.0]
    (row.sum() + (col * col).sum()).backward()
    # d/da of a0^2 + a1^2 + a1^4 + a3^4 (row: a0^2, a1^2; col: a1^2, a3^2)
    np.testing.assert_array_equal(a.grad.numpy(), [[2.0, 4.0 + 4 * 8.0], [0.0, 4 * 64.0]])


def test_an_unrecorded_base_takes_a_gradient_through_a_view() -> None:
    """A buffer that requires no grad, filled through views with values that do: PyTorch's pattern."""
    y = mytorch.tensor([1.0, 2.0], dtype=mytorch.float64, requires_grad=True)
    buffer = mytorch.zeros(2, 3, dtype=mytorch.float64)
    later = buffer[:, 2]
    buffer[:, 0].copy_(y * y)
    buffer.t()[1].add_(y)
    assert buffer.requires_grad and later.requires_grad
    (buffer.sum() + later.sum()).backward()
    np.testing.assert_array_equal(y.grad.numpy(), [3.0, 5.0])


def test_a_saved_tensor_changed_through_a_view_raises_at_backward() -> None:
    a = mytorch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    h = a * 1
    s = h.sin()  # saves h
    h[0].mul_(2)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        s.sum().backward()
    h = a * 1
    v = h.t()
    e = v.exp()  # saves its output, a new tensor: the change of h does not touch it
    p = v * v  # saves v
    h[:, 1].zero_()
    e.sum().backward(retain_graph=True)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        p.sum().backward()


def test_a_view_of_a_leaf_is_refused() -> None:
    a = mytorch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="view of a leaf tensor that requires grad") as error:
        a[0].mul_(2)
    assert "(shape ())" in str(error.value) and "(shape (3,))" in str(error.value)
    with pytest.raises(RuntimeError, match="view of a leaf tensor that requires grad"):
        a.view(3, 1)[1] += 1
    assert a.tolist() == [1.0, 2.0, 3.0]
    with mytorch.no_grad():
        a[0].mul_(2)  # (outside recording: a parameter update)
    assert a.tolist() == [2.0, 2.0, 3.0]


def test_a_view_made_under_no_grad_is_refused_with_grad_mode_on() -> None:
    a = mytorch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = a * 1
    with mytorch.no_grad():
        v = h[1:]
    for change in (lambda: v.mul_(2), lambda: v.zero_(), lambda: v.add_(a[1:]), lambda: v.__iadd__(1)):
        with pytest.raises(RuntimeError, match="view made under no_grad"):
            change()
    assert h.tolist() == [1.0, 2.0, 3.0]
    with mytorch.no_grad():
        v.mul_(2)  # both under no_grad: allowed, as in PyTorch
    assert h.tolist() == [1.0, 4.0, 6.0]


def test_an_expanded_view_is_refused() -> None:
    h = mytorch.tensor([1.0, 2.0], requires_grad=True) * 1
    wide = h.expand(3, 2)
    with pytest.raises(RuntimeError, match="more than one element"):
        wide.mul_(2)
    assert h.tolist() == [1.0, 2.0]


@pytest.mark.parametrize(
    ("pieces", "name"),
    [
        (lambda h: h.split(2, dim=1), "Split"),
        (lambda h: h.split([1, 3], dim=1), "SplitWithSizes"),
        (lambda h: h.chunk(3), "Split"),
        (lambda h: h.unbind(1), "Unbind"),
        (lambda h: [p.t()[1:] for p in h.split(2, dim=1)], "Split"),
    ],
)
def test_the_views_a_function_returns_together_are_refused(pieces: Callable, name: str) -> None:
    """PyTorch forbids changing them in place while recording (split, chunk, unbind, and views of
    their pieces); outside recording they are written as any view."""
    h = mytorch.tensor(np.ones(SHAPE), requires_grad=True) * 1
    piece = pieces(h)[1]
    with pytest.raises(RuntimeError, match=f"views {name} returned together"):
        piece.mul_(2)
    with pytest.raises(RuntimeError, match="views Unbind returned together"):
        mytorch.zeros(SHAPE).unbind(0)[0].add_(mytorch.ones(4, requires_grad=True))
    assert h.sum().item() == 12.0
    with mytorch.no_grad():
        piece.mul_(2)
    assert h.sum().item() == 12.0 + piece.numel()


class _Reinterpreted(mytorch.autograd.Function):
    """A user's Function returning a view of its input: ``float32`` halves of ``float64`` numbers, or
    the input seen as one column."""

    @staticmethod
    def forward(ctx: Any, x: Any, halves: bool) -> Any:
        return x.view(mytorch.float32) if halves else x.view(-1, 1)

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        return g.reshape(-1) * 2, None


def test_a_view_from_a_custom_function_is_refused() -> None:
    """PyTorch forbids changing such a view, or (when the view is used again) its base: the Function's
    backward would be bypassed."""
    h = mytorch.tensor([1.0, 2.0], dtype=mytorch.float64, requires_grad=True) * 1
    column = _Reinterpreted.apply(h, False)
    with pytest.raises(RuntimeError, match="view returned by a custom Function"):
        column.mul_(2)
    with pytest.raises(RuntimeError, match="was returned by a custom Function, whose backward"):
        h.mul_(2)
    with pytest.raises(RuntimeError, match="returned by a custom Function"):
        column[1:].zero_()
    g = h * 1
    halves = _Reinterpreted.apply(g, True)
    with pytest.raises(RuntimeError, match=r"a view of it \(shape \(4,\)\) was returned by a custom Function"):
        g.mul_(2)
    assert h.tolist() == [1.0, 2.0] and halves.shape == (4,)
    del column
    h.mul_(2)  # (the view is gone)
    assert h.tolist() == [2.0, 4.0]


def test_advanced_indexing_copies_in_both() -> None:
    a = mytorch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = a * 1
    picked = h[[0, 2]]
    picked.mul_(10)
    assert h.tolist() == [1.0, 2.0, 3.0]
    (h.sum() + picked.sum()).backward()
    assert a.grad.tolist() == [11.0, 1.0, 11.0]


def test_a_retained_gradient_is_of_the_new_value() -> None:
    a = mytorch.tensor([1.0, 2.0], dtype=mytorch.float64, requires_grad=True)
    h = a * 1
    h.retain_grad()
    v = h[1:]
    v.retain_grad()
    v.mul_(3)
    (h * h).sum().backward()
    assert h.grad.tolist() == [2.0, 12.0]
    assert v.grad is None  # (its new value, a view of h's, is not used: as in PyTorch)


def test_second_derivatives_through_a_changed_view() -> None:
    a = mytorch.tensor([[0.5, 1.0], [1.5, 2.0]], dtype=mytorch.float64, requires_grad=True)

    def f(a: Any) -> Any:
        h = a * a
        h.t()[0].mul_(a[:, 1])
        return (h * h).sum()

    assert mytorch.autograd.gradgradcheck(f, (a,))


def test_positions_find_any_view() -> None:
    base = np.arange(24.0).reshape(2, 3, 4)
    strided = base.transpose(1, 2, 0)[:, ::2]
    for b, v in [
        (base, base[1]),
        (base, base.transpose(2, 0, 1)[1:]),
        (base, base.reshape(6, 4)[1:5:2, None]),
        (base, base[1, 2, 3, ...]),
        (base, base[:0]),
        (strided, strided.T[1]),
        (strided, strided[0, 1, 1, ...]),
    ]:
        np.testing.assert_array_equal(b[positions(b, v)], v)
    assert positions(base, base.view(np.int64)) is None  # another dtype
    assert positions(base[0], base[1]) is None  # memory outside the base
    assert positions(np.zeros(()), np.zeros(()).reshape(1)) is None  # a 0-d base
    assert overlaps(np.broadcast_to(base[0], (3, 3, 4))) and not overlaps(base.T[:, ::2])


def test_relation_names_one_kernel_that_makes_the_view() -> None:
    """A basic index where one exists (fast to differentiate), a reshape or transpose of the whole,
    else integer positions: each makes the view's values of the base."""
    base = np.arange(24.0).reshape(2, 3, 4)
    kinds = {}
    for view in [
        base[1],
        base[:, 1, ::-2],
        base[None, :, 1:2, ::-1],
        base[1, 2, 3, ...],
        base.reshape(4, 6),
        base.transpose(2, 0, 1),
        base[1].T,
        base.diagonal(axis1=1, axis2=2),
        base[:0],
    ]:
        name, params = relation(base, view)
        made = getattr(F, name)(base, **params)
        assert made.shape == view.shape and np.array_equal(made, view)
        basic = name != "index" or not any(isinstance(p, np.ndarray) for p in params["index"])
        kinds[view.shape] = name if basic else "positions"
    assert kinds == {
        (3, 4): "index",
        (2, 2): "index",
        (1, 2, 1, 4): "index",
        (): "index",
        (4, 6): "reshape",
        (4, 2, 3): "transpose",
        (4, 3): "positions",
        (2, 3): "positions",
        (0, 3, 4): "positions",
    }
    assert relation(base, base.view(np.int64)) is None


def test_forward_mode_through_a_changed_view() -> None:
    """The tape replayed with tangents (``forward_ad``) follows the change, as reverse mode does:
    the tangent of the output is its directional derivative (central differences)."""
    fw = mytorch.autograd.forward_ad
    x = np.arange(6.0).reshape(2, 3) / 5
    direction = np.arange(6.0).reshape(2, 3) - 2

    def f(a: Any) -> Any:
        h = a * a
        h.t()[1].mul_(3)
        h[:, 0].sin_()
        return (h * h).sum()

    with fw.dual_level():
        tangent = fw.unpack_dual(f(fw.make_dual(mytorch.tensor(x), mytorch.tensor(direction)))).tangent
    step = 1e-6
    numeric = (f(mytorch.tensor(x + step * direction)) - f(mytorch.tensor(x - step * direction))).item() / (2 * step)
    np.testing.assert_allclose(tangent.item(), numeric, rtol=1e-7)

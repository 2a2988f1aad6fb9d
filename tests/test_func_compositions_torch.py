"""Compositions of ``mytorch.func`` transforms against ``torch.func`` (float64, 1e-9; skipped without torch).

A seeded fuzz builds programs two or three transforms deep in every order (``grad``,
``grad_and_value``, ``jvp`` with the primal or the tangent varying, ``vjp`` with the primal or
the cotangent varying, ``jacrev``, ``jacfwd``, ``hvp``, ``hessian``, ``vmap`` over a batch or a
captured variable, a tuple ``argnums``, ``has_aux``, ``mytorch.grad(create_graph=True)``) over
small functions (captured model weights that require a gradient, ``.detach()``, ``no_grad``,
in-place changes, an output that ignores its input). Each program's value, a further gradient
on top, its float32 dtype and, for the weights, ``mytorch.grad`` with respect to them must be
PyTorch's. The exploratory runs of the same generator (every chain of depth 1 and 2 over every
function and mode, 10,200 programs, and 8,800 sampled programs of depth 3) found what the named
tests below guard.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import mytorch as mt  # noqa: E402
from mytorch import Tensor, func  # noqa: E402

TOL = {"rtol": 1e-9, "atol": 1e-9}
_rng = np.random.default_rng(2026)
W = _rng.standard_normal((3, 3)) * 0.6
V, U = _rng.standard_normal(3), _rng.standard_normal(3)
X0 = np.array([0.3, -0.8, 0.5])
BATCH = np.array([1.0, -0.5])


class Lib:
    """One library's side of a program: its transforms, constants in the current dtype, and
    model weights that require a gradient (captured by some functions)."""

    def __init__(self, is_torch: bool, dtype: type = np.float64) -> None:
        self.is_torch = is_torch
        self.dtype = dtype
        self.F: Any = torch.func if is_torch else func
        self.weight = self.const(W * 0.9).requires_grad_(True)
        self.bias = self.const(V + 1).requires_grad_(True)

    def const(self, a: Any) -> Any:
        a = np.asarray(a, dtype=self.dtype)
        return torch.tensor(a) if self.is_torch else Tensor(a)

    def no_grad(self) -> Any:
        return torch.no_grad() if self.is_torch else mt.no_grad()


def _in_place(L: Lib, x: Any) -> Any:
    if L.is_torch:  # torch.func's nested forward mode refuses in-place changes: the same function
        return x * 2.0 * x + x.sin()
    h = x * 2.0
    h.mul_(x)
    h += x.sin()
    return h


def _no_grad_factor(L: Lib, x: Any) -> Any:
    if L.is_torch:  # PyTorch's forward mode ignores no_grad; MyTorch's treats it as reverse mode does
        return (x * 3.0).detach()
    with L.no_grad():
        return x * 3.0


BASES: dict[str, Callable[[Lib, Any], Any]] = {
    "sin": lambda L, x: x.sin() * x,
    "tanh linear": lambda L, x: (x @ L.const(W)).tanh(),
    "cube": lambda L, x: x**3 + x,
    "sum": lambda L, x: x * (x * x).sum(),
    "softmax": lambda L, x: (x * 1.3).softmax(dim=0),
    "detach": lambda L, x: x.detach() * x * x,
    "in place": _in_place,
    "no_grad": lambda L, x: x.sin() * _no_grad_factor(L, x),
    "constant": lambda L, x: L.const(V) * 2.0 + 0 * x.sum().detach(),
    "weights": lambda L, x: (x @ L.weight).tanh() * L.bias,
}


def _mytorch_grad(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def g(x: Any) -> Any:
        if not (isinstance(x, Tensor) and x.requires_grad):
            x = Tensor(x, requires_grad=True)
        y = f(x)
        return mt.grad((y**2).sum() * 0.5 + y.sum(), x, create_graph=True)[0]

    return g


def wrap(name: str, L: Lib, f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A transform of ``f`` (R^3 -> R^3) that is again R^3 -> R^3."""
    F, c = L.F, L.const
    if name == "grad":
        return lambda x: F.grad(lambda y: (f(y) ** 2).sum() * 0.5 + f(y).sum())(x)
    if name == "grad_and_value":
        return lambda x: F.grad_and_value(lambda y: f(y).sin().sum())(x)[0]
    if name == "jvp":
        return lambda x: F.jvp(f, (x,), (c(V),))[1]
    if name == "jvp tangent":
        return lambda x: F.jvp(f, (c(U),), (x,))[1]
    if name == "vjp":
        return lambda x: F.vjp(f, x)[1](c(U))[0]
    if name == "vjp cotangent":
        return lambda x: F.vjp(f, c(U))[1](x * 1.0)[0]
    if name == "jacrev":
        return lambda x: F.jacrev(f)(x) @ c(V)
    if name == "jacfwd":
        return lambda x: F.jacfwd(f)(x) @ c(V)
    if name == "hvp":
        if L.is_torch:
            return lambda x: torch.func.jvp(torch.func.grad(lambda y: (f(y) ** 2).sum()), (x,), (c(V),))[1]
        return lambda x: func.hvp(lambda y: (f(y) ** 2).sum(), (x,), (c(V),))[1][0]
    if name == "hessian":
        return lambda x: F.hessian(lambda y: (f(y) ** 2).sum())(x) @ c(V)
    if name == "vmap":
        return lambda x: F.vmap(f)(x * c(BATCH)[:, None]).sum(0)
    if name == "vmap captured":
        return lambda x: F.vmap(lambda r: f(r * x))(c(np.stack([V, U]))).sum(0)
    if name == "argnums":
        return lambda x: sum(F.grad(lambda a, b: (f(a) * b.cos()).sum(), argnums=(0, 1))(x, x * 0.5))
    if name == "has_aux":

        def with_aux(x: Any) -> Any:
            gradient, aux = F.grad(lambda y: ((f(y) ** 2).sum(), f(y)), has_aux=True)(x)
            return gradient + aux

        return with_aux
    if name == "mytorch.grad":
        return F.grad(lambda y: (f(y) ** 2).sum() * 0.5 + f(y).sum()) if L.is_torch else _mytorch_grad(f)
    raise KeyError(name)


WRAPS = [
    "grad", "grad_and_value", "jvp", "jvp tangent", "vjp", "vjp cotangent", "jacrev", "jacfwd",
    "hvp", "hessian", "vmap", "vmap captured", "argnums", "has_aux", "mytorch.grad",
]  # fmt: skip


def _array(value: Any) -> np.ndarray:
    if torch.is_tensor(value):
        return value.detach().numpy(force=True)
    return value.data if isinstance(value, Tensor) else np.asarray(value)


def run(L: Lib, base: str, chain: tuple[str, ...], mode: str) -> Any:
    """The program ``chain`` of ``base`` in one library: its value, a gradient on top, or the
    gradients of <U, its value> with respect to the captured weights."""
    f: Callable[[Any], Any] = lambda x: BASES[base](L, x)  # noqa: E731
    for name in chain:
        f = wrap(name, L, f)
    x = L.const(X0) if L.is_torch or mode == "weights" else X0.astype(L.dtype)
    if mode == "grad":
        return L.F.grad(lambda y: (f(y) * L.const(U)).sum())(x)
    if mode == "weights":
        out = (f(x) * L.const(U)).sum()
        return (torch.autograd.grad if L.is_torch else mt.grad)(out, [L.weight, L.bias], allow_unused=True)
    return f(x)


def _expects_an_error(base: str, chain: tuple[str, ...]) -> bool:
    """mytorch.grad, like torch.autograd.grad, refuses an output that does not depend on its input."""
    return "mytorch.grad" in chain and base == "constant"


def check(base: str, chain: tuple[str, ...], mode: str) -> None:
    dtype = np.float32 if mode == "float32" else np.float64
    ours_lib, theirs_lib = Lib(False, dtype), Lib(True, dtype)
    if _expects_an_error(base, chain):
        with pytest.raises(RuntimeError):
            run(ours_lib, base, chain, mode)
        return
    ours, theirs = run(ours_lib, base, chain, mode), run(theirs_lib, base, chain, mode)
    where = _name((base, chain, mode))
    pairs = list(zip(ours, theirs)) if mode == "weights" else [(ours, theirs)]
    for a, b in pairs:
        expected = np.zeros(1) if b is None else _array(b)
        got = np.zeros_like(expected) if a is None and b is None else _array(a)
        tol = {"rtol": 2e-4, "atol": 2e-4} if mode == "float32" else TOL
        np.testing.assert_allclose(got, expected, **tol, err_msg=where)
        assert got.dtype == expected.dtype, where


def _programs(count: int, seed: int) -> list[tuple[str, tuple[str, ...], str]]:
    """``count`` seeded programs: a base, a chain of one to three transforms, a mode."""
    pick = random.Random(seed)
    out = []
    for _ in range(count):
        base = pick.choice(sorted(BASES))
        chain = tuple(pick.choice(WRAPS) for _ in range(pick.choice([1, 2, 2, 3])))
        modes = ["value", "grad"] + (["weights"] if base == "weights" else ["float32"])
        out.append((base, chain, pick.choice(modes)))
    return out


def _name(program: tuple[str, tuple[str, ...], str]) -> str:
    base, chain, mode = program
    return f"{' of '.join(reversed(chain))} of {base} ({mode})"  # the first transform is the innermost


PROGRAMS = _programs(60, seed=7)


@pytest.mark.parametrize(("base", "chain", "mode"), PROGRAMS, ids=[_name(p) for p in PROGRAMS])
def test_random_compositions_match_torch_func(base: str, chain: tuple[str, ...], mode: str) -> None:
    check(base, chain, mode)


# --------------------------------------------------------------------------- what the fuzz found
FOUND = [
    ("sin", ("argnums",), "grad"),  # the inner call took the outer variable itself as its leaf
    ("weights", ("argnums", "hessian"), "weights"),  # the same, through captured weights
    ("sum", ("vjp cotangent",), "grad"),  # the cotangent was an array: zeros
    ("detach", ("jvp",), "value"),  # x.detach() shares x's array: forward mode took it for x
    ("detach", ("hessian",), "value"),
]


@pytest.mark.parametrize(("base", "chain", "mode"), FOUND, ids=[_name(p) for p in FOUND])
def test_compositions_that_gave_wrong_numbers(base: str, chain: tuple[str, ...], mode: str) -> None:
    check(base, chain, mode)


def test_perturbation_confusion_and_a_captured_primal_match_torch() -> None:
    x = torch.tensor(X0)
    ours = func.grad(lambda p: (p * func.grad(lambda y: (p * y).sum())(p)).sum())(X0)
    theirs = torch.func.grad(lambda p: (p * torch.func.grad(lambda y: (p * y).sum())(p)).sum())(x)
    np.testing.assert_allclose(ours, theirs.numpy(), **TOL)
    w, tw = Tensor(X0, requires_grad=True), torch.tensor(X0, requires_grad=True)
    ours_w = func.grad(lambda y: (y * w.sin()).sum())(w)
    theirs_w = torch.func.grad(lambda y: (y * tw.sin()).sum())(tw)
    np.testing.assert_allclose(ours_w.data, theirs_w.detach().numpy(), **TOL)
    np.testing.assert_allclose(mt.grad(ours_w.sum(), w)[0].data, torch.autograd.grad(theirs_w.sum(), tw)[0], **TOL)


def test_transforms_inside_no_grad_match_torch() -> None:
    """torch.func ignores an outer no_grad for a transform's own derivatives."""
    programs = [
        lambda F, x, v: F.grad(lambda y: (y.sin() * y).sum())(x),
        lambda F, x, v: F.jvp(lambda y: y.tanh(), (x,), (v,))[1],
        lambda F, x, v: F.jacrev(lambda y: y.exp() * y.sum())(x),
        lambda F, x, v: F.vmap(F.grad(lambda y: (y.sin() * y).sum()))(x * v[:, None]),
        lambda F, x, v: F.hessian(lambda y: (y.sin() * y).sum())(x),
    ]
    for program in programs:
        with mt.no_grad():
            ours = program(func, X0, V)
        with torch.no_grad():
            theirs = program(torch.func, torch.tensor(X0), torch.tensor(V))
        np.testing.assert_allclose(ours, theirs.numpy(), **TOL)


def test_mixed_precision_gradients_have_the_inputs_dtype_as_torch() -> None:
    """float32 inputs of a float64 computation: each derivative with respect to them is float32."""
    x, c = X0.astype(np.float32), V
    programs = [
        lambda F, x, c: F.grad(lambda y: (y * y * c).sum())(x),
        lambda F, x, c: F.jacrev(lambda y: y.sin() * c)(x),
        lambda F, x, c: F.vjp(lambda y: y.sin() * c, x)[1](c)[0],
        lambda F, x, c: F.hessian(lambda y: (y * y * y * c).sum())(x),
        lambda F, x, c: F.grad(lambda y: F.grad(lambda z: (z.sin() * c).sum())(y).sum())(x),
        lambda F, x, c: F.grad(lambda t: F.jvp(lambda y: (y.sin() * y).sum(), (c,), (t,))[1])(x),  # was zeros
        lambda F, x, c: F.grad(lambda u: F.vjp(lambda y: y.sin() * y, c)[1](u)[0].sum())(x),
    ]
    for program in programs:
        ours = program(func, Tensor(x), Tensor(c))
        theirs = program(torch.func, torch.tensor(x), torch.tensor(c))
        assert theirs.dtype == torch.float32 and ours.dtype == np.float32
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-6)


def test_has_aux_of_jvp_jacrev_jacfwd_matches_torch() -> None:
    """(output, aux) functions: jvp gives (output, tangent, aux), jacrev/jacfwd (jacobian, aux);
    inside grad, the aux carries the outer derivative."""

    def f(y: Any) -> Any:
        return y.sin() * y.sum(), (y * y).sum()

    results = []
    for F, c in ((func, Tensor), (torch.func, torch.tensor)):
        x, v = c(X0), c(V)
        out, tangent, aux = F.jvp(f, (x,), (v,), has_aux=True)
        jac_rev, aux_rev = F.jacrev(f, has_aux=True)(x)
        jac_fwd, aux_fwd = F.jacfwd(f, has_aux=True)(x)
        outer = F.grad(lambda w: F.jvp(lambda y: (y * w, (y * w).sum()), (w,), (v,), has_aux=True)[2])(x)
        results.append([out, tangent, aux, jac_rev, aux_rev, jac_fwd, aux_fwd, outer])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(_array(ours), _array(theirs), **TOL)


def test_vmap_out_dims_per_output_matches_torch() -> None:
    batch = np.arange(6.0).reshape(3, 2)
    ours = func.vmap(lambda r: (r * 2, (r.sum(), r.sin())), out_dims=(1, 0))(Tensor(batch))
    theirs = torch.func.vmap(lambda r: (r * 2, (r.sum(), r.sin())), out_dims=(1, 0))(torch.tensor(batch))
    for a, b in zip((ours[0], *ours[1]), (theirs[0], *theirs[1])):
        np.testing.assert_allclose(a.numpy(), b.numpy(), **TOL)


def test_backward_create_graph_through_a_transform_matches_torch() -> None:
    """A gradient penalty on the weights, through a func.grad with respect to the input."""
    results = []
    for L in (Lib(False), Lib(True)):
        out = (L.F.grad(lambda y: ((y @ L.weight).tanh() * L.bias).sum())(L.const(X0)) ** 2).sum()
        out.backward(create_graph=True)
        penalty = (L.weight.grad**2).sum() + (L.bias.grad**2).sum()
        grads = (torch.autograd.grad if L.is_torch else mt.grad)(penalty, [L.weight, L.bias])
        results.append([_array(out), *(_array(g) for g in grads)])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, **TOL)

"""``torch.autograd.functional`` (``mytorch.autograd.functional``): ``jacobian``, ``hessian``,
``vjp``, ``jvp``, ``hvp`` and ``vhp`` of a function of Tensors, with PyTorch's arguments and
result structures, computed by ``mytorch.func``'s transforms.

``inputs`` is a Tensor or a tuple of them; a result per input is a Tensor for a Tensor and a
tuple for a tuple (``jacobian`` of a function returning a tuple: one entry per output, each as
for one output; ``hessian``: the blocks ``H[i][j]``). With ``create_graph=False`` (the
default) the results are constants; with ``create_graph=True`` they are in the graph of the
inputs that require a gradient, so they can be differentiated again.

``strict=True`` is PyTorch's rule: a ``RuntimeError`` where the function, or a derivative asked
for, is independent of an input, judged by the graph (a path from the input), not by values
(``x * 0`` depends on x): an output no input reaches; an input that reaches no output
(``jacobian``: an output-input pair without a path); for ``hessian``, a gradient that is
independent of an input (its block of the Hessian); for ``hvp``/``vhp``, a gradient independent
of every input, or H v independent of an input; and with ``create_graph=True``, a result that
does not depend on the inputs (a linear function's ``vjp``, whose result is constant).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from mytorch import func
from mytorch.autograd_engine import enable_grad
from mytorch.backward_graph import grad
from mytorch.tensor import Tensor

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]

_STRATEGIES = ("reverse-mode", "forward-mode")


def _inputs(what: str, inputs: Any, create_graph: bool) -> tuple[bool, tuple[Tensor, ...]]:
    """(whether ``inputs`` was one Tensor, the inputs as a tuple: detached without ``create_graph``)."""
    single = isinstance(inputs, Tensor)
    given = (inputs,) if single else tuple(inputs) if isinstance(inputs, (tuple, list)) else None
    if given is None or not given or not all(isinstance(t, Tensor) for t in given):
        raise TypeError(f"autograd.functional.{what}: inputs must be a Tensor or a tuple of Tensors")
    return single, given if create_graph else tuple(t.detach() for t in given)


def _independent(what: str, found: str) -> RuntimeError:
    return RuntimeError(f"autograd.functional.{what}(strict=True): {found}; strict mode does not allow it")


def _paths(what: str, ys: list[Tensor], xs: tuple[Tensor, ...], seeds: list[Any], graph: bool, of: str) -> tuple:
    """The gradients of ``ys`` (with cotangents ``seeds``) for ``xs``, recorded; a strict error for
    one that no path gives (``of``: what they are), or, when ``graph`` (``create_graph=True``), for
    one that does not depend on the inputs."""
    found = grad(ys, xs, seeds, retain_graph=True, create_graph=True, allow_unused=True)
    for j, g in enumerate(found):
        if g is None:
            raise _independent(what, f"{of} is independent of input {j}")
        if graph and not g.requires_grad:
            raise _independent(
                what, f"with create_graph=True, {of} with respect to input {j} does not depend on the inputs"
            )
    return found


def _check_strict(what: str, f: Callable[..., Any], args: tuple[Tensor, ...], create_graph: bool) -> None:
    """PyTorch's ``strict=True`` (see the module's documentation), checked on a run of ``f`` of its
    own, on fresh leaves: raises ``RuntimeError`` naming the output and input."""
    xs = tuple(a.detach().requires_grad_() for a in args)
    with enable_grad():
        outs = [o for o in func._flatten(f(*xs))[0] if isinstance(o, Tensor)]
        for i, o in enumerate(outs):
            if not o.requires_grad:
                raise _independent(what, f"output {i} of the function is independent of every input")
        ones = [Tensor(np.ones(o.shape, o.dtype)) for o in outs]
        if what == "jacobian":
            for i, o in enumerate(outs):
                _paths(what, [o], xs, [ones[i]], create_graph, f"output {i} of the function")
            return
        if what == "jvp":
            us = [Tensor(np.zeros(o.shape, o.dtype), requires_grad=True) for o in outs]
            vs = [Tensor(np.ones(x.shape, x.dtype)) for x in xs]
            pulled = _paths(what, outs, xs, us, False, "the function's output")
            _paths(what, list(pulled), tuple(us), vs, create_graph, "J v (by the double-backward trick) of the output")
            return
        gs = _paths(what, outs, xs, ones, create_graph and what == "vjp", "the function's output")
        if what == "vjp":
            return
        for j, g in enumerate(gs):
            if not g.requires_grad:
                raise _independent(what, f"the gradient with respect to input {j} does not depend on the inputs")
        if what == "hessian":
            for i, g in enumerate(gs):
                _paths(what, [g], xs, [Tensor(np.ones(g.shape, g.dtype))], create_graph, f"the gradient for input {i}")
        else:
            vs = [Tensor(np.ones(x.shape, x.dtype)) for x in xs]
            _paths(what, list(gs), xs, vs, create_graph, "H v")


def _ones(what: str, v: Any, like: tuple[Any, ...], of: str) -> Any:
    """``v``, or for None ones like the one one-element Tensor of ``like`` (PyTorch's default)."""
    if v is not None:
        return v
    if len(like) != 1 or not isinstance(like[0], Tensor) or like[0].numel() != 1:
        raise ValueError(f"autograd.functional.{what}: v may be None only for {of}")
    return Tensor(np.ones_like(like[0].detach().numpy()))


def _vectors(what: str, v: Any, like: tuple[Any, ...], single: bool) -> tuple[Any, ...]:
    """``v`` (None: ``_ones``) as a tuple matching ``like`` (one Tensor for one, as PyTorch's)."""
    v = _ones(what, v, like, "one one-element input")
    vs = (v,) if single or isinstance(v, Tensor) else tuple(v)
    if len(vs) != len(like):
        raise ValueError(f"autograd.functional.{what}: v has {len(vs)} entries for {len(like)} inputs")
    return vs


def _constant(tree: Any, create_graph: bool) -> Any:
    """``tree`` (Tensors, nested in tuples), detached unless ``create_graph``."""
    if isinstance(tree, tuple):
        return tuple(_constant(t, create_graph) for t in tree)
    return tree if create_graph or not isinstance(tree, Tensor) else tree.detach()


def _per_input(values: tuple[Any, ...], single: bool) -> Any:
    return values[0] if single else values


def vjp(f: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> Any:
    """``(f(inputs), v^T J)``: ``v`` like the output (None for a one-element output: 1)."""
    single, args = _inputs("vjp", inputs, create_graph)
    if strict:
        _check_strict("vjp", f, args, create_graph)
    out, pullback = func.vjp(f, *args)
    v = _ones("vjp", v, (out,), "a function returning one element")
    return _constant((out, _per_input(pullback(v), single)), create_graph)


def jvp(f: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> Any:
    """``(f(inputs), J v)``: ``v`` like the inputs (None for one one-element input: 1)."""
    single, args = _inputs("jvp", inputs, create_graph)
    if strict:
        _check_strict("jvp", f, args, create_graph)
    return _constant(func.jvp(f, args, _vectors("jvp", v, args, single)), create_graph)


def _matrices(what: str, transform: Callable[..., Any], f: Callable[..., Any], inputs: Any, options: tuple) -> Any:
    """``transform(f)`` (a Jacobian or Hessian transform) at ``inputs``; ``options`` are
    (create_graph, strict, strategy)."""
    create_graph, strict, strategy = options
    if strategy not in _STRATEGIES:
        raise ValueError(f"autograd.functional.{what}: the strategy must be one of {_STRATEGIES}, got {strategy!r}")
    single, args = _inputs(what, inputs, create_graph)
    if strict:
        _check_strict(what, f, args, create_graph)
    return _constant(transform(f, 0 if single else tuple(range(len(args))))(*args), create_graph)


def jacobian(
    f: Callable[..., Any],
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
) -> Any:
    """The Jacobian of ``f`` at ``inputs`` (``output.shape + input.shape`` per pair);
    ``strategy="forward-mode"`` computes it by forward mode. ``vectorize`` changes nothing here."""

    def transform(g: Callable[..., Any], argnums: Any) -> Callable[..., Any]:  # (complex tensors too, as PyTorch's)
        jacobian = func._jacrev if strategy == "reverse-mode" else func._jacfwd
        return jacobian(g, argnums, False, real_only=False)

    return _matrices("jacobian", transform, f, inputs, (create_graph, strict, strategy))


def hessian(
    f: Callable[..., Any],
    inputs: Any,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
) -> Any:
    """The Hessian of ``f`` (one element) at ``inputs``: a Tensor for one input, the blocks
    ``H[i][j]`` (tuples) for a tuple. As PyTorch's: reverse-over-reverse by default (so a custom
    ``Function`` needs a differentiable backward, not a ``jvp``), forward-over-reverse with
    ``outer_jacobian_strategy="forward-mode"``."""

    def transform(g: Callable[..., Any], argnums: Any) -> Callable[..., Any]:
        if outer_jacobian_strategy == "forward-mode":
            return func.hessian(g, argnums)
        return func.jacrev(func.jacrev(g, argnums), argnums)

    return _matrices("hessian", transform, f, inputs, (create_graph, strict, outer_jacobian_strategy))


def hvp(f: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> Any:
    """``(f(inputs), H v)`` for ``f`` returning one element, ``v`` like the inputs; by two reverse
    passes (the gradient of ``<grad f, v>``), as PyTorch's, so a custom ``Function`` needs a
    differentiable backward, not a ``jvp``."""
    single, args = _inputs("hvp", inputs, create_graph)
    if strict:
        _check_strict("hvp", f, args, create_graph)
    vs = _vectors("hvp", v, args, single)
    (_, value), pullback = func.vjp(func.grad_and_value(f, argnums=tuple(range(len(args)))), *args)
    products = pullback((vs, Tensor(np.zeros_like(np.asarray(value._data if isinstance(value, Tensor) else value)))))
    return _constant((value, _per_input(tuple(products), single)), create_graph)


def vhp(f: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False, strict: bool = False) -> Any:
    """``(f(inputs), v^T H)``: ``hvp``'s numbers (a Hessian is symmetric)."""
    return hvp(f, inputs, v, create_graph, strict)

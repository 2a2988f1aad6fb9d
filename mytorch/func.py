"""Function transforms, with ``torch.func``'s names: ``grad``, ``vjp``, ``jvp``, ``jacrev``, ``hessian``, ...

Each transform takes a function of Tensors (or of arrays: NumPy code such as
``lambda x: np.sum(np.sin(x))`` runs on Tensors through their NumPy protocols) and returns a
function computing derivatives::

    from mytorch import func
    d2 = func.grad(func.grad(lambda x: x**3))      # d²/dx² x³ = 6x
    d2(2.0)                                        # 12.0
    H = func.hessian(lambda w: (w**4).sum())(np.array([1.0, 2.0]))

Reverse mode (``grad``, ``vjp``, ``jacrev``) runs ``mytorch.grad``; forward mode (``jvp``,
``jacfwd``) replays the tape with the kernel table's JVP rules (``Autograd.jvp``).
``hessian`` and ``hvp`` are forward-over-reverse: the gradient is computed with its backward
pass recorded (``create_graph=True``), and forward mode pushes tangents through that record.

Composition: a transform called on Tensors that already require a gradient (from an outer
transform, or a model's weights captured by ``f``) records its own backward pass, so the
outer transform differentiates through it (``grad(grad(f))``, gradient penalties, MAML).
Forward mode runs on arrays, which nothing records; so there (``grad`` of a ``jvp``, of a
``jacfwd``) ``jvp`` computes J v by two recorded reverse passes instead, J v = d/du <J^T u, v>
for a cotangent u (J^T u is linear in u), and ``jacfwd`` the Jacobian by recorded reverse
passes: the same numbers, and an outer transform differentiates through them.

A dict argument (a module's weights by name, for ``functional_call``) is differentiated value by
value; its derivatives come back as dicts with its keys, as in ``torch.func``.

Values in, values out: called with arrays or numbers (and nothing outside the call requiring
a gradient) a transform returns arrays; called with Tensors it returns Tensors. Inside a
``no_grad`` block a transform still differentiates (as ``torch.func``); its results are constants.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from mytorch import tensor as T
from mytorch.autograd_engine import enable_grad
from mytorch.backward_graph import grad as _grad
from mytorch.factories import default_generator
from mytorch.nn.stateless import functional_call
from mytorch.tensor import Tensor
from mytorch.tensor_shape import reshape, stack

__all__ = [
    "functional_call",
    "grad",
    "grad_and_value",
    "hessian",
    "hvp",
    "jacfwd",
    "jacrev",
    "jvp",
    "linearize",
    "stack_module_state",
    "vjp",
    "vmap",
]

Argnums = int | tuple[int, ...]


# --------------------------------------------------------------------------- trees of outputs
def _flatten(tree: Any) -> tuple[list[Any], Callable[[list[Any]], Any]]:
    """The leaves of nested tuples/lists/dicts, and a function rebuilding that nesting from new leaves."""
    if isinstance(tree, dict):
        keys = list(tree)
        values, rebuild_values = _flatten(tuple(tree.values()))
        return values, lambda leaves: dict(zip(keys, rebuild_values(leaves)))
    if isinstance(tree, (tuple, list)):
        parts = [_flatten(t) for t in tree]
        sizes = [len(leaves) for leaves, _ in parts]

        def rebuild(leaves: list[Any]) -> Any:
            out, at = [], 0
            for (_, build), n in zip(parts, sizes):
                out.append(build(leaves[at : at + n]))
                at += n
            return type(tree)(out)

        return [leaf for leaves, _ in parts for leaf in leaves], rebuild
    return [tree], lambda leaves: leaves[0]


# --------------------------------------------------------------------------- the primals
_PRIVATE: weakref.WeakValueDictionary[int, Tensor] = weakref.WeakValueDictionary()
"""Leaves that no one outside a transform's call differentiates: the fresh leaves a call made
of its arguments (entered once its function has run, see ``_Primals.nested``) and the
cotangents ``jvp`` introduces (``_push_by_reverse``). An outer call need not record its
derivatives because of them."""


def _numbers(value: Any, dtype: np.dtype, what: str) -> np.ndarray:
    """``value`` (a cotangent, a tangent) as an array of ``dtype``.

    Raises:
        TypeError: ``value`` is not numbers (NumPy would make NaN of None).
    """
    array = np.asarray(value._data if isinstance(value, Tensor) else value)
    if array.dtype.kind not in "biufc":
        raise TypeError(f"{what} must be numbers, got a {type(value).__name__}")
    return array.astype(dtype, copy=False)


def _float_array(value: Any) -> np.ndarray:
    """``value``'s numbers as a new array object (a view: no copy) of a floating dtype.

    The tape knows a value by the identity of its array, so each primal needs its own: the
    same array passed twice (``f(x, x)``), or also captured by ``f`` as a constant, would
    otherwise be taken for one value.

    Raises:
        TypeError: ``value`` is not numbers (None, a string: NumPy would make NaN of it).
    """
    array = np.asarray(value._data if isinstance(value, Tensor) else value)
    if array.dtype.kind not in "biufc":
        raise TypeError(f"mytorch.func: cannot differentiate with respect to a {type(value).__name__}, only numbers")
    return array.view() if array.dtype.kind in "fc" else array.astype(np.float64)


def _argument_leaves(value: Any) -> tuple[list[Any], Callable[[list[Any]], Any]]:
    """An argument's values to differentiate: a dict's (``{name: Tensor}``, as ``torch.func``
    takes a module's weights), or the argument itself (a tuple of numbers is one array)."""
    return _flatten(value) if isinstance(value, dict) else ([value], lambda leaves: leaves[0])


class _Primals:
    """The arguments a transform differentiates, as Tensors that require a gradient (a dict
    argument: each of its values, the results given back as dicts with its keys).

    An argument that already requires a gradient (an outer transform's, a model's weight)
    enters as a recorded alias (the identity kernel), so that the outer computation sees
    this one through it while this call differentiates with respect to the alias alone: a
    use of the same Tensor that ``f`` captures, or that another argument was computed from,
    is not this argument (``grad(lambda y: x * y)(x)`` is x, not 2x). Any other argument
    becomes a fresh leaf.
    """

    def __init__(self, args: Sequence[Any], argnums: Argnums, what: str) -> None:
        self.single = isinstance(argnums, int)
        self.argnums: tuple[int, ...] = (argnums,) if isinstance(argnums, int) else tuple(argnums)
        self.args = list(args)
        for i in self.argnums:
            if not -len(args) <= i < len(args):
                raise ValueError(f"func.{what}: argnums {i} but the function got {len(args)} arguments")
        positions = [i % len(args) for i in self.argnums]
        if not positions or len(set(positions)) != len(positions):  # (0, 0) gave the first zeros
            raise ValueError(f"func.{what}: argnums must name distinct arguments, at least one; got {argnums}")
        self.grad_enabled = T.is_grad_enabled()  # the caller's mode: off, the results are constants
        self.tensors: list[Tensor] = []
        self.fresh: list[Tensor] = []  # the leaves made here (not an outer call's)
        self.groups: list[tuple[int, Callable[[list[Any]], Any]]] = []  # (leaves, rebuild) per argnum
        self.outer = self.as_tensors = False
        for i in self.argnums:
            values, rebuild = _argument_leaves(args[i])
            leaves = []
            for a in values:
                self.as_tensors = self.as_tensors or isinstance(a, Tensor)
                if isinstance(a, Tensor) and a.requires_grad and self.grad_enabled:
                    self.outer = True
                    leaf = T._apply("identity", (a,))
                else:
                    leaf = Tensor(_float_array(a), requires_grad=True)
                    self.fresh.append(leaf)
                leaves.append(leaf)
            self.args[i] = rebuild(leaves)
            self.tensors += leaves
            self.groups.append((len(leaves), rebuild))
        self.start = next(T._CLOCK)

    def nested(self, outputs: Sequence[Any]) -> bool:
        """Whether the computation reaches beyond this call (an outer transform, captured
        weights that require a gradient): its derivatives must then be recorded."""
        ours = {id(t) for t in self.tensors}
        for t in self.fresh:  # the function has run: every inner call is over
            _PRIVATE[id(t)] = t
        if not self.grad_enabled:
            return False
        if self.outer:
            return True
        for out in outputs:
            if isinstance(out, Tensor) and out.requires_grad and not out.is_leaf:
                tape = out.tape
                if any(when < self.start for when in tape.order):
                    return True
                for leaf in tape.leaves.values():
                    if id(leaf) not in ours and _PRIVATE.get(id(leaf)) is not leaf:
                        return True
        return False

    def call(self, f: Callable[..., Any], kwargs: dict[str, Any]) -> Any:
        """``f`` on the primals, recorded even inside the caller's ``no_grad`` block: as in
        ``torch.func``, a transform's own derivatives ignore it (its results are then constants)."""
        with enable_grad():
            return f(*self.args, **kwargs)

    def give(self, value: Any, nested: bool) -> Any:
        """A result as the caller expects it: a Tensor, or an array when called with values. Outside
        a nested computation, a Tensor leaves this call's graph, as ``torch.func``'s results do: a
        value kept (``losses.append(value)`` of ``grad_and_value``) held the whole graph alive."""
        if isinstance(value, Tensor) and not (nested or self.as_tensors):
            return value._data
        if isinstance(value, Tensor) and not nested and value.requires_grad:
            return value.detach()
        if not isinstance(value, Tensor) and (nested or self.as_tensors):
            return Tensor(np.asarray(value))
        return value

    def pick(self, per_tensor: list[Any]) -> Any:
        """One entry per Tensor of ``tensors``, as ``argnums`` asked: one value, or a tuple (a
        dict argument's as a dict)."""
        per_argument, at = [], 0
        for n, rebuild in self.groups:
            per_argument.append(rebuild(per_tensor[at : at + n]))
            at += n
        return per_argument[0] if self.single else tuple(per_argument)

    def flat(self, values: Sequence[Any], what: str) -> list[Any]:
        """``values`` given one per primal (a tangent per argument of ``jvp``), one per Tensor:
        a dict primal's as a dict with its keys."""
        if len(values) != len(self.groups):
            raise ValueError(f"{what}: {len(values)} given for {len(self.groups)} primals")
        flat = []
        for i, value in zip(self.argnums, values):
            leaves, _ = _argument_leaves(value)
            if isinstance(self.args[i], dict) and (not isinstance(value, dict) or list(value) != list(self.args[i])):
                raise ValueError(f"{what}: primal {i} is a dict with keys {list(self.args[i])}: give one with the same")
            flat += leaves
        return flat


def _split(result: Any, has_aux: bool, what: str) -> tuple[Any, Any]:
    """``f``'s result as (the output to differentiate, its auxiliary value: None without ``has_aux``)."""
    if not has_aux:
        return result, None
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise TypeError(
            f"func.{what}: with has_aux=True the function must return a pair (output, aux), got {type(result).__name__}"
        )
    return result[0], result[1]


def _scalar(out: Any, what: str) -> Tensor:
    if not isinstance(out, Tensor):
        out = Tensor(out)
    if out.numel() != 1:
        raise ValueError(f"func.{what}: the function must return a one-element Tensor, got shape {tuple(out.shape)}")
    return out


def _reverse(outputs: list[Tensor], primals: _Primals, cotangents: list[Any], nested: bool) -> list[Tensor]:
    """d<cotangents, outputs>/d primals (zeros for primals the outputs do not reach)."""
    pairs = [(o, c) for o, c in zip(outputs, cotangents) if isinstance(o, Tensor) and o.requires_grad]
    grads: Sequence[Tensor | None] = [None] * len(primals.tensors)
    if pairs:
        grads = _grad(
            [o for o, _ in pairs],
            primals.tensors,
            grad_outputs=[c for _, c in pairs],
            retain_graph=True,
            create_graph=nested,
            allow_unused=True,
        )
    return [Tensor(np.zeros_like(p._data)) if g is None else g for g, p in zip(grads, primals.tensors)]


# --------------------------------------------------------------------------- reverse mode
def grad_and_value(f: Callable[..., Any], argnums: Argnums = 0, has_aux: bool = False) -> Callable[..., Any]:
    """``f``'s gradient with respect to the arguments ``argnums``, and its value.

    ``f`` returns a one-element Tensor (or ``(value, aux)`` with ``has_aux``). The returned
    function gives ``(gradient, value)`` (``(gradient, (value, aux))`` with ``has_aux``, as
    ``torch.func``); the gradient is a tuple when ``argnums`` is a tuple.
    """

    @functools.wraps(f)
    def transformed(*args: Any, **kwargs: Any) -> Any:
        primals = _Primals(args, argnums, "grad")
        out, aux = _split(primals.call(f, kwargs), has_aux, "grad")
        out = _scalar(out, "grad")
        nested = primals.nested([out])
        grads = _reverse([out], primals, [np.ones_like(out._data)], nested)
        gradient, value = primals.pick([primals.give(g, nested) for g in grads]), primals.give(out, nested)
        return (gradient, (value, aux)) if has_aux else (gradient, value)

    return transformed


def grad(f: Callable[..., Any], argnums: Argnums = 0, has_aux: bool = False) -> Callable[..., Any]:
    """``f``'s gradient with respect to the arguments ``argnums`` (``torch.func.grad``).

    ``grad(f)(x)`` is d f / d x for a function ``f`` returning one number; ``grad(grad(f))``
    is its second derivative (for a scalar x).
    """
    both = grad_and_value(f, argnums, has_aux)

    @functools.wraps(f)
    def transformed(*args: Any, **kwargs: Any) -> Any:
        if has_aux:
            g, (_, aux) = both(*args, **kwargs)
            return g, aux
        return both(*args, **kwargs)[0]

    return transformed


def vjp(f: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple[Any, ...]:
    """``(f(*primals), vjp_fn)``: ``vjp_fn(cotangents)`` gives one gradient per primal, the
    vector-Jacobian product ``cotangents^T J`` (``torch.func.vjp``). ``vjp_fn`` may be called
    many times (one backward pass each)."""
    call = _Primals(primals, tuple(range(len(primals))), "vjp")
    out, aux = _split(call.call(f, {}), has_aux, "vjp")
    outputs, _ = _flatten(out)
    outputs = [o if isinstance(o, Tensor) else Tensor(np.asarray(o)) for o in outputs]
    nested = call.nested(outputs)

    def vjp_fn(cotangents: Any) -> tuple[Any, ...]:
        flat, _ = _flatten(cotangents)
        if len(flat) != len(outputs):
            raise ValueError(f"func.vjp: {len(flat)} cotangents for {len(outputs)} outputs")
        # u^T J is linear in u: a cotangent an outer transform differentiates needs it recorded
        wanted = T.is_grad_enabled() and any(isinstance(c, Tensor) and c.requires_grad for c in flat)
        recorded = nested or wanted
        cts = [
            c if isinstance(c, Tensor) and recorded else _numbers(c, o.dtype, f"func.vjp: cotangent {i}")
            for i, (c, o) in enumerate(zip(flat, outputs))
        ]
        for i, (c, o) in enumerate(zip(cts, outputs)):
            if c.shape != o.shape:
                raise ValueError(f"func.vjp: cotangent {i} has shape {tuple(c.shape)}, output {i} {tuple(o.shape)}")
        return call.pick([call.give(g, recorded) for g in _reverse(outputs, call, cts, recorded)])

    value = call.give(out, nested) if isinstance(out, Tensor) else out
    return (value, vjp_fn, aux) if has_aux else (value, vjp_fn)


def _outputs(out: Any) -> tuple[list[Tensor], Callable[[list[Any]], Any]]:
    """The Tensors of an output that may be nested tuples, and a function rebuilding that
    nesting (a Jacobian per output, as ``torch.func``)."""
    outputs, rebuild = _flatten(out)
    return [o if isinstance(o, Tensor) else Tensor(np.asarray(o)) for o in outputs], rebuild


def _rows(out: Tensor, primals: _Primals, nested: bool) -> list[Tensor]:
    """The Jacobians of one output with respect to each primal, one backward pass per element."""
    rows: list[list[Tensor]] = [[] for _ in primals.tensors]
    for k in range(out.numel()):
        basis = np.zeros(out.numel(), dtype=out.dtype)
        basis[k] = 1
        for i, g in enumerate(_reverse([out], primals, [basis.reshape(out.shape)], nested)):
            rows[i].append(g)
    jacobians = []
    for p, per_row in zip(primals.tensors, rows):
        if not per_row:  # an empty output
            jacobians.append(Tensor(np.zeros(out.shape + p.shape, dtype=p.dtype)))
            continue
        stacked = stack(per_row) if nested else Tensor(np.stack([g._data for g in per_row]))
        jacobians.append(reshape(stacked, out.shape + p.shape))
    return [primals.give(j, nested) for j in jacobians]


def jacrev(f: Callable[..., Any], argnums: Argnums = 0, has_aux: bool = False) -> Callable[..., Any]:
    """``f``'s Jacobian by reverse mode, one backward pass per output element
    (``torch.func.jacrev``): of shape ``output.shape + input.shape``; for an output of nested
    tuples, the same nesting of Jacobians. With ``has_aux``, ``f`` returns ``(output, aux)``
    and the transform ``(jacobian, aux)``. Complex inputs and outputs are refused, as by
    ``torch.func``."""
    return _jacrev(f, argnums, has_aux, real_only=True)


def _jacrev(f: Callable[..., Any], argnums: Argnums, has_aux: bool, real_only: bool) -> Callable[..., Any]:
    """``jacrev``; ``real_only=False`` for ``autograd.functional.jacobian``, which takes complex
    tensors, as PyTorch's does."""

    @functools.wraps(f)
    def transformed(*args: Any, **kwargs: Any) -> Any:
        primals = _Primals(args, argnums, "jacrev")
        if real_only:
            _real_only("jacrev", primals.tensors, "inputs")
        out, aux = _split(primals.call(f, kwargs), has_aux, "jacrev")
        outputs, rebuild = _outputs(out)
        if real_only:
            _real_only("jacrev", outputs, "outputs")
        nested = primals.nested(outputs)
        jacobian = rebuild([primals.pick(_rows(out, primals, nested)) for out in outputs])
        return (jacobian, aux) if has_aux else jacobian

    return transformed


def _real_only(what: str, values: Sequence[Any], kind: str) -> None:
    """Refuse complex inputs or outputs of a Jacobian, as ``torch.func`` does: a complex function's
    derivative is no single matrix of complex numbers (``jacfwd`` gave d/d(re) alone, ``jacrev`` the
    conjugate convention's gradient, ``hessian`` a mixture of the two)."""
    for i, value in enumerate(values):
        if np.asarray(value._data if isinstance(value, Tensor) else value).dtype.kind == "c":
            raise RuntimeError(
                f"{what}: expected all {kind} to be real but received a complex tensor at flattened {kind[:-1]} "
                f"index {i} (as torch.func); differentiate with respect to the real and imaginary parts as "
                "real tensors (z = x + 1j * y)"
            )


# --------------------------------------------------------------------------- forward mode
def _push(outputs: list[Any], primals: _Primals, tangents: list[np.ndarray]) -> list[np.ndarray]:
    """The tangents of ``outputs`` when the primals move along ``tangents`` (forward mode)."""
    given = {id(p._data): t for p, t in zip(primals.tensors, tangents)}
    result: list[np.ndarray | None] = [None] * len(outputs)
    by_tape: dict[int, list[int]] = {}
    for k, out in enumerate(outputs):
        if not isinstance(out, Tensor) or not out.requires_grad:
            result[k] = np.zeros(np.shape(out), dtype=np.result_type(out))
        elif out.is_leaf:
            result[k] = given.get(id(out._data), np.zeros_like(out._data))
        else:
            by_tape.setdefault(id(out.tape), []).append(k)
    for ks in by_tape.values():
        tape = outputs[ks[0]].tape
        if tape.released:  # its operations are gone: the tangent would be zeros
            raise RuntimeError(
                f"func.jvp, func.jacfwd: output {ks[0]} is computed from a graph already released by an "
                "earlier backward (a Tensor f captures, computed before the call): capture its .detach() instead"
            )
        on_tape = {id(x) for op in tape.operation_list for x in op.inputs}
        inputs = [p._data for p in primals.tensors if id(p._data) in on_tape]
        if not inputs:
            for k in ks:
                result[k] = np.zeros_like(outputs[k]._data)
            continue
        along = [given[id(x)] for x in inputs]
        pushed = tape.jvp(inputs, along, [outputs[k]._data for k in ks], no_grad_constant=True)
        for k, t in zip(ks, pushed):
            result[k] = t
    return result  # type: ignore[return-value]


def _tangent_arrays(primals: _Primals, tangents: Sequence[Any]) -> list[np.ndarray]:
    if len(tangents) != len(primals.tensors):
        raise ValueError(f"func.jvp: {len(tangents)} tangents for {len(primals.tensors)} primals")
    arrays = []
    for i, (p, t) in enumerate(zip(primals.tensors, tangents)):
        t = _numbers(t, p.dtype, f"func.jvp: tangent {i}")
        if t.shape != p.shape:
            raise ValueError(f"func.jvp: tangent {i} has shape {tuple(t.shape)}, primal {i} {tuple(p.shape)}")
        arrays.append(t)
    return arrays


def _recorded(primals: _Primals, outputs: list[Any], tangents: Sequence[Any] = ()) -> bool:
    """Whether forward mode must give recorded Tensors: the outputs reach beyond this call (an
    outer transform's primals, captured weights that require a gradient) or a tangent
    requires a gradient. Forward mode on arrays would give an outer transform a constant."""
    outputs = [o for o in outputs if isinstance(o, Tensor)]
    wanted = any(isinstance(t, Tensor) and t.requires_grad for t in tangents)
    return primals.nested(outputs) or (wanted and primals.grad_enabled)


def _push_by_reverse(outputs: list[Any], primals: _Primals, tangents: Sequence[Any]) -> list[Tensor]:
    """J tangents as recorded Tensors, by two reverse passes: for cotangents u of the outputs
    (zeros; only their place in the graph matters), J^T u recorded, then J v = d/du <J^T u, v>."""
    outs = [o if isinstance(o, Tensor) else Tensor(np.asarray(o)) for o in outputs]
    us = [Tensor(np.zeros_like(o._data), requires_grad=True) for o in outs]
    for u in us:
        _PRIVATE[id(u)] = u
    pairs = [(o, u) for o, u in zip(outs, us) if o.requires_grad]
    total = None
    if pairs:
        back = _grad([o for o, _ in pairs], primals.tensors, grad_outputs=[u for _, u in pairs],
                     retain_graph=True, create_graph=True, allow_unused=True)  # fmt: skip
        for g, t in zip(back, tangents):
            if g is not None:
                term = (g * t).sum()
                total = term if total is None else total + term
    pushed: Sequence[Tensor | None] = [None] * len(outs)  # no output depends on the primals
    if total is not None and total.requires_grad:
        pushed = _grad([total], us, retain_graph=True, create_graph=True, allow_unused=True)
    return [Tensor(np.zeros_like(o._data)) if j is None else j for j, o in zip(pushed, outs)]


def _tangent_tensors(primals: _Primals, tangents: Sequence[Any]) -> list[Any]:
    """The tangents, checked as ``_tangent_arrays`` does, a Tensor kept in the graph (an outer
    transform may differentiate with respect to it), cast to its primal's dtype by a recorded
    ``cast`` (a float32 tangent of a float64 primal had a gradient of zero)."""
    arrays = _tangent_arrays(primals, tangents)
    return [t.to(a.dtype) if isinstance(t, Tensor) else Tensor(a) for t, a in zip(tangents, arrays)]


def jvp(
    f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any], has_aux: bool = False
) -> tuple[Any, ...]:
    """``(f(*primals), J tangents)``: the Jacobian-vector product by forward mode (``torch.func.jvp``).

    ``primals`` and ``tangents`` are tuples of the same length and shapes; the output may be
    a Tensor or nested tuples of Tensors, and its tangent has the same structure. With
    ``has_aux``, ``f`` returns ``(output, aux)`` and ``jvp`` gives ``(output, tangent, aux)``.
    """
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError("func.jvp: primals and tangents must be tuples (one entry per argument of f)")
    call = _Primals(primals, tuple(range(len(primals))), "jvp")
    tangents = call.flat(tangents, "func.jvp: tangents")
    out, aux = _split(call.call(f, {}), has_aux, "jvp")
    outputs, rebuild = _flatten(out)
    recorded = _recorded(call, outputs, tangents)
    if recorded:
        pushed = _push_by_reverse(outputs, call, _tangent_tensors(call, tangents))
    else:
        pushed = [Tensor(t) for t in _push(outputs, call, _tangent_arrays(call, tangents))]
    values = [call.give(o if isinstance(o, Tensor) else Tensor(np.asarray(o)), recorded) for o in outputs]
    result = rebuild(values), rebuild([call.give(t, recorded) for t in pushed])
    return (*result, aux) if has_aux else result


def linearize(f: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """``(f(*primals), jvp_fn)`` with ``jvp_fn(*tangents)`` the Jacobian-vector product at the primals
    (``torch.func.linearize``): ``jvp(f, primals, tangents)[1]``, ``f`` run again for each call (where
    PyTorch keeps one traced graph; the numbers are the same)."""
    out = jvp(f, primals, primals)[0]  # (the output only: any tangents of the primals' structure do)

    def jvp_fn(*tangents: Any) -> Any:
        if len(tangents) != len(primals):
            raise ValueError(
                f"func.linearize: jvp_fn takes {len(primals)} tangents (one per primal), got {len(tangents)}"
            )
        return jvp(f, primals, tangents)[1]

    return out, jvp_fn


def _forward_jacobians(outputs: list[Tensor], primals: _Primals) -> list[Any]:
    """Each output's Jacobians with respect to the primals, by replaying the tape with one
    tangent per primal element (one entry per output, as ``argnums`` asked)."""
    per_output: list[list[Any]] = [[] for _ in outputs]
    for i, p in enumerate(primals.tensors):
        columns: list[list[np.ndarray]] = [[] for _ in outputs]
        for k in range(p.numel()):
            tangents = [np.zeros_like(q._data) for q in primals.tensors]
            tangents[i].reshape(-1)[k] = 1
            for column, pushed in zip(columns, _push(outputs, primals, tangents)):
                column.append(pushed.reshape(-1))
        for out, column, jacobians in zip(outputs, columns, per_output):
            jacobian = np.stack(column, axis=-1) if column else np.zeros((out.numel(), 0), dtype=out.dtype)
            jacobians.append(primals.give(Tensor(jacobian.reshape(out.shape + p.shape)), False))
    return [primals.pick(jacobians) for jacobians in per_output]


def jacfwd(f: Callable[..., Any], argnums: Argnums = 0, has_aux: bool = False) -> Callable[..., Any]:
    """``f``'s Jacobian by forward mode: ``f`` is recorded once and its tape replayed with one
    tangent per input element (``torch.func.jacfwd``); of shape ``output.shape + input.shape``;
    for an output of nested tuples (``jacrev`` with several ``argnums``), the same nesting.
    With ``has_aux``, ``f`` returns ``(output, aux)`` and the transform ``(jacobian, aux)``.
    Complex inputs and outputs are refused, as by ``torch.func``."""
    return _jacfwd(f, argnums, has_aux, real_only=True)


def _jacfwd(f: Callable[..., Any], argnums: Argnums, has_aux: bool, real_only: bool) -> Callable[..., Any]:
    """``jacfwd``; ``real_only=False`` for ``autograd.functional.jacobian`` (see ``_jacrev``)."""

    @functools.wraps(f)
    def transformed(*args: Any, **kwargs: Any) -> Any:
        primals = _Primals(args, argnums, "jacfwd")
        if real_only:
            _real_only("jacfwd", primals.tensors, "inputs")
        out, aux = _split(primals.call(f, kwargs), has_aux, "jacfwd")
        outputs, rebuild = _outputs(out)
        if real_only:
            _real_only("jacfwd", outputs, "outputs")
        if _recorded(primals, outputs):  # the same Jacobian, by recorded reverse passes
            jacobian = rebuild([primals.pick(_rows(out, primals, True)) for out in outputs])
        else:
            jacobian = rebuild(_forward_jacobians(outputs, primals))
        return (jacobian, aux) if has_aux else jacobian

    return transformed


def hessian(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The Hessian of a function returning one number: ``jacfwd(jacrev(f))`` (forward-over-
    reverse, ``torch.func.hessian``); of shape ``input.shape + input.shape``."""
    return jacfwd(jacrev(f, argnums), argnums)


def hvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """``(f(*primals), H tangents)``: the Hessian-vector product of a function returning one
    number, forward-over-reverse (``jvp`` of ``grad``), without forming H. As
    ``torch.autograd.functional.hvp``, the product has one entry per primal (a tuple)."""
    if not isinstance(primals, (tuple, list)):
        raise TypeError("func.hvp: primals and tangents must be tuples (one entry per argument of f)")
    gradient_and_value = grad_and_value(f, argnums=tuple(range(len(primals))))
    (_, value), (product, _) = jvp(gradient_and_value, primals, tangents)
    return value, product


# --------------------------------------------------------------------------- batching
def stack_module_state(models: Sequence[Any]) -> tuple[dict[str, Tensor], dict[str, Tensor]]:
    """The parameters and the buffers of modules of one kind, each stacked along a new first
    axis (``torch.func.stack_module_state``): what ``vmap(functional_call)`` takes to run an
    ensemble at once. A stacked parameter is a new leaf requiring grad when the models' do.

    Raises:
        RuntimeError: no models, models of different classes or modes, or a parameter that
            requires grad in some models only.
    """
    models = list(models)
    if not models:
        raise RuntimeError("stack_module_state: expected at least one model, got 0")
    if len({m.training for m in models}) != 1:
        raise RuntimeError("stack_module_state: the models must all be in training mode or all in eval mode")
    if len({type(m) for m in models}) != 1:
        raise RuntimeError("stack_module_state: the models must all be of one class")

    def stacked(kind: str) -> dict[str, Tensor]:
        named = [dict(getattr(m, kind)()) for m in models]
        result = {}
        for name in named[0]:
            tensors = [n[name] for n in named]
            flags = {bool(t.requires_grad) for t in tensors}
            if len(flags) != 1:
                raise RuntimeError(f"stack_module_state: {name} requires grad in some models only")
            leaf = stack([t.detach() for t in tensors])
            result[name] = leaf.requires_grad_() if flags == {True} else leaf
        return result

    return stacked("named_parameters"), stacked("named_buffers")


def vmap(
    f: Callable[..., Any],
    in_dims: int | None | tuple[int | None, ...] | list[int | None] = 0,
    out_dims: int | tuple[int, ...] = 0,
    randomness: str = "error",
    *,
    chunk_size: int | None = None,
) -> Callable[..., Any]:
    """``f`` mapped over a batch axis: **a Python loop** over the batch, calling ``f`` once per
    example and stacking the results along ``out_dims`` (``torch.func.vmap``'s semantics, not
    its speed). ``in_dims`` gives each argument's batch axis (None: not batched); an argument
    that is a dict, tuple or list of tensors (stacked parameters, ``functional_call``'s) is
    batched along that axis in each of its tensors. ``out_dims`` is one axis for every output,
    or one per output of a function returning a tuple. ``randomness`` is PyTorch's, for the random
    numbers of MyTorch's default generator (``mt.rand``, ``F.dropout``, ...): ``"error"`` raises if
    ``f`` draws any, ``"different"`` lets each example draw its own, ``"same"`` gives every example
    the same draws (the generator restarts from one state for each). ``chunk_size`` is accepted and
    changes nothing (each example is its own call)."""

    if randomness not in ("error", "different", "same"):
        raise ValueError(f"func.vmap: randomness must be 'error', 'different' or 'same', got {randomness!r}")

    @functools.wraps(f)
    def transformed(*args: Any) -> Any:
        dims: list[int | None] = list(in_dims) if isinstance(in_dims, (tuple, list)) else [in_dims] * len(args)
        if len(dims) != len(args):
            raise ValueError(f"func.vmap: in_dims has {len(dims)} entries for {len(args)} arguments")
        trees = [_flatten(a) if d is not None else ([a], None) for a, d in zip(args, dims)]
        axes_in = [_leaf_dims(a, d) if d is not None else [None] for a, d in zip(args, dims)]
        sizes = {
            np.shape(leaf)[d]
            for (leaves, _), leaf_dims in zip(trees, axes_in)
            for leaf, d in zip(leaves, leaf_dims)
            if d is not None
        }
        if len(sizes) != 1:
            raise ValueError(f"func.vmap: the batched arguments need one batch size, got {sorted(sizes)}")
        (n,) = sizes
        if n == 0:  # torch.func.vmap maps an empty batch; a loop cannot see f's output without a call
            raise ValueError("func.vmap: the batch is empty (size 0); this vmap is a loop over examples")
        results = []
        bits = default_generator.bit_generator
        start = bits.state  # (a dict: compared after each example, or restored before it)
        for b in range(n):
            one = [
                a
                if d is None or rebuild is None
                else rebuild([leaf if e is None else _take(leaf, b, e) for leaf, e in zip(leaves, leaf_dims)])
                for a, d, (leaves, rebuild), leaf_dims in zip(args, dims, trees, axes_in)
            ]
            if randomness == "same":
                bits.state = start
            results.append(f(*one))
            if randomness == "error" and bits.state != start:
                raise RuntimeError(
                    "func.vmap: the function drew random numbers while randomness='error' (PyTorch's "
                    "default); pass randomness='different' (each example its own draws) or 'same' (one "
                    "draw for every example), or draw them outside vmap"
                )
        flat = [_flatten(r)[0] for r in results]
        _, rebuild = _flatten(results[0])
        axes = _out_axes(results[0], out_dims)
        stacked = [_stack([leaves[k] for leaves in flat], axis) for k, axis in enumerate(axes)]
        return rebuild(stacked)

    return transformed


def _leaf_dims(arg: Any, dims: Any) -> list[int | None]:
    """The batch axis of each leaf of ``arg`` (``_flatten``'s order) for its ``in_dims`` entry: an
    axis or None for all its leaves, or a tuple, list or dict of them following ``arg``'s nesting
    (PyTorch's ``in_dims=((0, None),)`` for a pair of which only the first is batched)."""
    if dims is None or isinstance(dims, int):
        return [dims] * len(_flatten(arg)[0])
    if isinstance(dims, dict) and isinstance(arg, dict) and set(dims) == set(arg):
        return [e for key in arg for e in _leaf_dims(arg[key], dims[key])]
    if isinstance(dims, (tuple, list)) and isinstance(arg, (tuple, list)) and len(dims) == len(arg):
        return [e for a, d in zip(arg, dims) for e in _leaf_dims(a, d)]
    raise ValueError(
        f"func.vmap: an in_dims entry {dims!r} does not follow its argument's nesting (a {type(arg).__name__}"
        f"{f' of {len(arg)}' if isinstance(arg, (tuple, list, dict)) else ''}); give an axis, None, or the same nesting"
    )


def _out_axes(result: Any, out_dims: int | tuple[int, ...]) -> list[int]:
    """The batch axis of each leaf of one example's ``result``."""
    if isinstance(out_dims, int):
        return [out_dims] * len(_flatten(result)[0])
    if not isinstance(result, (tuple, list)) or len(result) != len(out_dims):
        outputs = len(result) if isinstance(result, (tuple, list)) else 1
        raise ValueError(f"func.vmap: out_dims has {len(out_dims)} entries for {outputs} outputs")
    return [axis for part, axis in zip(result, out_dims) for _ in _flatten(part)[0]]


def _take(value: Any, b: int, axis: int) -> Any:
    index = (slice(None),) * (axis % np.ndim(value)) + (b,)
    return value[index]


def _stack(values: list[Any], axis: int) -> Any:
    if any(isinstance(v, Tensor) for v in values):
        return stack(values, axis=axis)
    return np.stack([np.asarray(v) for v in values], axis=axis)

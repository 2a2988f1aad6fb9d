"""A seeded differential fuzzer: short autograd programs run in MyTorch and in PyTorch.

A program is drawn from a seed while it runs under PyTorch: leaves (float32 or float64, shapes
from 0-d to 3-d, some requiring grad), then a chain of steps, each drawn to fit the values made so
far: pointwise ops, broadcasting binary ops, reductions with ``dim``/``keepdim``, indexing
(basic, advanced, boolean), views, in-place ops on results and on views of results,
``detach``/``clone``/``where``/masked ops, ``cat``/``stack``, matmul variants, ``retain_grad``,
hooks that scale or replace a gradient, ``no_grad``/``inference_mode`` blocks,
``requires_grad_`` toggling, losses, ``backward`` (scalar, with a gradient, with
``retain_graph``, repeated), ``autograd.grad`` with ``create_graph`` whose results later steps
use (so a later backward is of second order), ``.grad`` reassignment. A second kind of program
trains: the leaves are parameters of an optimizer (SGD with momentum/nesterov/weight decay, Adam
or AdamW with amsgrad, maximize), and a drawn body runs for a few steps.

The recorded steps are then replayed from the same numbers in each library; every value a step
makes, every leaf's ``.grad`` and every retained gradient after each backward, and parameters after
each optimizer step are recorded. Outcomes:

* ``match``: both ran, all records agree (rtol 1e-10 float64, 1e-5 float32);
* ``both-raise``: both raised at the same step, records before it agree;
* ``refused``: MyTorch raised where PyTorch computed (records before agree) - listed, not a bug;
* ``torch-refused``: PyTorch raised at a backward MyTorch ran, and MyTorch's gradients agree with
  central differences of the program (PyTorch's version checks where MyTorch saved a copy);
* ``torch-refused-unchecked``: PyTorch raised where MyTorch went on, every record before agreeing,
  and no difference could check it (listed, to be read: writes into multi-output views, into
  overlapping memory, inference tensors in a graph, ``.detach_()`` of a saved tensor);
* ``differ-after-.data``: a record differs only because of a ``.data`` write while a graph lives
  (PyTorch's backward reads the new data where its node saved the leaf itself);
* ``differ``: a record differs, or a difference disagrees with MyTorch's gradient.

Run ``python scripts/fuzz_differential.py --programs 3000`` (``--show N`` prints one program).
"""

from __future__ import annotations

import argparse
import collections
import concurrent.futures
import contextlib
import json
import subprocess
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Step = tuple[str, tuple[int, ...], dict[str, Any]]
"""(op name, pool indices it reads, parameters: numbers and NumPy arrays only)."""


@dataclass
class Program:
    """Leaves (array, requires_grad), the steps, and for a training program its optimizer."""

    leaves: list[tuple[np.ndarray, bool]]
    steps: list[Step]
    train: dict[str, Any] | None = None


@dataclass
class Outcome:
    """Labelled records (None for a missing gradient) and where the run raised, if it did."""

    records: list[tuple[str, np.ndarray | None]] = field(default_factory=list)
    error: tuple[int, str] | None = None


# ----------------------------------------------------------------------------------------------
# Running steps
# ----------------------------------------------------------------------------------------------


class Ctx:
    """One run of a program in library ``L``: the pool of values, the leaves, the records."""

    def __init__(self, L: Any, prog: Program) -> None:
        self.L = L
        self.pool: list[Any] = []
        self.leaves: list[Any] = []
        self.retained: list[int] = []
        self.records: list[tuple[str, np.ndarray | None]] = []
        for k, (a, rg) in enumerate(prog.leaves):
            t = L.tensor(a.copy(), requires_grad=rg)
            self.leaves.append(t)
            self.pool.append(t)
            del k

    def const(self, a: Any) -> Any:
        """A NumPy parameter as a tensor of this library (other parameters pass through)."""
        if isinstance(a, np.ndarray):
            return self.L.tensor(a.copy())
        return a

    def record(self, label: str, t: Any) -> None:
        """Record a copy of ``t`` (None stays None)."""
        if t is None:
            self.records.append((label, None))
        else:
            self.records.append(
                (label, np.array(t.detach().cpu().numpy() if hasattr(t, "cpu") else t.detach().numpy()))
            )

    def record_grads(self, tag: str) -> None:
        """Every leaf's ``.grad`` and every retained gradient."""
        for k, leaf in enumerate(self.leaves):
            self.record(f"{tag}:leaf{k}.grad", leaf.grad)
        for i in self.retained:
            self.record(f"{tag}:pool{i}.grad", self.pool[i].grad)


def _on_graph(t: Any) -> bool:
    return bool(t.requires_grad and t.is_floating_point())


def _ok(test: Callable[[Any], bool], t: Any) -> bool:
    """``test(t)``, False where it raises (PyTorch refuses to look at some invalidated views)."""
    try:
        return bool(test(t))
    except Exception:  # noqa: BLE001
        return False


UNARY: dict[str, Callable[[Any, Any], Any]] = {
    "neg": lambda L, x: -x,
    "exp": lambda L, x: x.clamp(-5, 5).exp(),
    "tanh": lambda L, x: x.tanh(),
    "sigmoid": lambda L, x: x.sigmoid(),
    "sin": lambda L, x: x.sin(),
    "cos": lambda L, x: x.cos(),
    "abs": lambda L, x: x.abs(),
    "relu": lambda L, x: x.relu(),
    "square": lambda L, x: x.square(),
    "sqrt": lambda L, x: (x.abs() + 0.1).sqrt(),
    "rsqrt": lambda L, x: (x * x + 0.5).rsqrt(),
    "log": lambda L, x: (x.abs() + 0.2).log(),
    "log1p": lambda L, x: x.abs().log1p(),
    "reciprocal": lambda L, x: (x.abs() + 0.5).reciprocal(),
    "expm1": lambda L, x: x.clamp(max=3).expm1(),
    "erf": lambda L, x: x.erf(),
    "atan": lambda L, x: x.atan(),
    "sinh": lambda L, x: x.clamp(-4, 4).sinh(),
    "floor": lambda L, x: x.floor(),
    "sign": lambda L, x: x.nan_to_num(0.0).sign(),  # (sign(NaN): NaN, PyTorch's 0, in docs/tensor.md's table)
    "clamp": lambda L, x: x.clamp(-0.5, 0.7),
    "clamp_min": lambda L, x: x.clamp_min(0.1),
    "pow2": lambda L, x: x**2,
    "pow3": lambda L, x: x.pow(3),
    "powhalf": lambda L, x: (x.abs() + 0.3) ** 0.5,
    "rpow": lambda L, x: 2.0 ** x.clamp(-4, 4),
    "rsub": lambda L, x: 1.5 - x,
    "rdiv": lambda L, x: 1.0 / (x.abs() + 0.5),
    "scale": lambda L, x: x * 0.7 + 0.1,
    "gelu": lambda L, x: L.nn.functional.gelu(x),
    "silu": lambda L, x: L.nn.functional.silu(x),
    "elu": lambda L, x: L.nn.functional.elu(x),
    "softplus": lambda L, x: L.nn.functional.softplus(x),
    "leaky_relu": lambda L, x: L.nn.functional.leaky_relu(x, 0.2),
    "logsigmoid": lambda L, x: L.nn.functional.logsigmoid(x),
    "hardtanh": lambda L, x: L.nn.functional.hardtanh(x),
    "lgamma": lambda L, x: (x.abs() + 0.5).lgamma(),
    "nan_to_num": lambda L, x: x.nan_to_num(),
    "frac": lambda L, x: x.frac(),
    "trunc": lambda L, x: x.trunc(),
    "round": lambda L, x: x.round(),
}

BINARY: dict[str, Callable[[Any, Any, Any], Any]] = {
    "add": lambda L, a, b: a + b,
    "add_alpha": lambda L, a, b: L.add(a, b, alpha=0.5),
    "sub": lambda L, a, b: a - b,
    "mul": lambda L, a, b: a * b,
    "div": lambda L, a, b: a / (b.abs() + 0.5) if hasattr(b, "abs") else a / b,
    "maximum": lambda L, a, b: L.maximum(a, b),
    "minimum": lambda L, a, b: L.minimum(a, b),
    "atan2": lambda L, a, b: L.atan2(a, b),
    "pow": lambda L, a, b: (a.abs() + 0.5) ** (b.clamp(-2, 2) if hasattr(b, "clamp") else b),
    "lerp": lambda L, a, b: L.lerp(a, b, 0.3),
    "lerp_t": lambda L, a, b: L.lerp(a, b, b.sigmoid()) if hasattr(b, "sigmoid") else L.lerp(a, a * b, 0.5),
    "addcmul": lambda L, a, b: L.addcmul(a, b, b, value=0.5),
    "addcdiv": lambda L, a, b: L.addcdiv(a, a, b * b + 1, value=-0.5),
    "hypot": lambda L, a, b: L.hypot(a, b),
    "remainder": lambda L, a, b: L.remainder(a, 0.7),
    "copysign": lambda L, a, b: L.copysign(a, b),
    "xlogy": lambda L, a, b: L.xlogy(a, b.abs() + 0.5) if hasattr(b, "abs") else L.xlogy(a, 2.0),
    "where_gt": lambda L, a, b: L.where(a > b, a, b),
    "eq_mask_mul": lambda L, a, b: a * (a > b),
}

TENSORS_ONLY = {"lerp", "addcmul", "addcdiv", "lerp_t", "maximum", "minimum", "atan2", "hypot", "copysign"}
"""Binary ops PyTorch runs only on two tensors (MyTorch also takes a number there)."""

INPLACE_UNARY: dict[str, Callable[[Any], Any]] = {
    "mul_": lambda x: x.mul_(1.5),
    "add_": lambda x: x.add_(0.25),
    "sub_": lambda x: x.sub_(0.5),
    "div_": lambda x: x.div_(2.0),
    "neg_": lambda x: x.neg_(),
    "exp_": lambda x: x.clamp_(-3, 3).exp_(),
    "tanh_": lambda x: x.tanh_(),
    "sigmoid_": lambda x: x.sigmoid_(),
    "relu_": lambda x: x.relu_(),
    "abs_": lambda x: x.abs_(),
    "clamp_": lambda x: x.clamp_(-0.3, 0.4),
    "pow_": lambda x: x.pow_(2),
    "sin_": lambda x: x.sin_(),
    "zero_": lambda x: x.zero_(),
    "fill_": lambda x: x.fill_(0.5),
    "sqrt_": lambda x: x.abs_().add_(0.1).sqrt_(),
    "square_": lambda x: x.square_(),
}

INPLACE_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "add_t": lambda x, y: x.add_(y),
    "add_alpha_t": lambda x, y: x.add_(y, alpha=-2.0),
    "sub_t": lambda x, y: x.sub_(y),
    "mul_t": lambda x, y: x.mul_(y),
    "div_t": lambda x, y: x.div_(y * y + 1),
    "copy_": lambda x, y: x.copy_(y),
    "addcmul_": lambda x, y: x.addcmul_(y, y, value=0.3),
    "lerp_": lambda x, y: x.lerp_(y, 0.25),
    "clamp_t": lambda x, y: x.clamp_(min=y),
    "maximum_set": lambda x, y: x.copy_(x.maximum(y)) if False else x.masked_fill_(y > 0.5, 0.0),
    "iadd": lambda x, y: x.__iadd__(y),
    "imul": lambda x, y: x.__imul__(y),
}


def _more(name: str, L: Any, ctx: Ctx, x: Any, p: dict[str, Any]) -> Any:  # noqa: C901 - one branch an op
    """Ops with a dim or a second operand of their own: ``p["dim"]`` is a valid axis of x."""
    d = p.get("dim", 0)
    F = L.nn.functional
    if name == "repeat":
        return x.repeat(*p["reps"])
    if name == "tile":
        return x.tile(p["reps"])
    if name == "flip":
        return x.flip([d])
    if name == "roll":
        return x.roll(p["shift"], d)
    if name == "tril":
        return x.tril(p["k"])
    if name == "triu":
        return x.triu(p["k"])
    if name == "normalize":
        return F.normalize(x, dim=d)
    if name == "var_mean":
        v, m = L.var_mean(x, dim=d, keepdim=True)
        return v + m
    if name == "cummax":
        return x.cummax(d).values
    if name == "logcumsumexp":
        return x.logcumsumexp(d)
    if name == "diff":
        return x.diff(dim=d)
    if name == "repeat_interleave":
        return x.repeat_interleave(2, dim=d)
    if name == "take_along_dim":
        return L.take_along_dim(x, ctx.const(p["idx"]), dim=d)
    if name == "scatter":
        return x.scatter(d, ctx.const(p["idx"]), x.narrow(d, 0, 1).expand_as(ctx.const(p["idx"])) * 2)
    if name == "scatter_add":
        return x.scatter_add(d, ctx.const(p["idx"]), x.narrow(d, 0, 1).expand_as(ctx.const(p["idx"])) * 2)
    if name == "index_add":
        return x.index_add(d, ctx.const(p["idx1"]), x.index_select(d, ctx.const(p["idx1"])).flip([d]), alpha=0.5)
    if name == "index_fill":
        return x.index_fill(d, ctx.const(p["idx1"]), -1.0)
    if name == "masked_scatter":
        return x.masked_scatter(ctx.const(p["mask"]), x * 3)
    if name == "mse":
        return F.mse_loss(x, ctx.const(p["other"]))
    if name == "smooth_l1":
        return F.smooth_l1_loss(x, ctx.const(p["other"]), reduction="sum")
    if name == "cross_entropy":
        return F.cross_entropy(x, ctx.const(p["target"]), label_smoothing=p["smooth"])
    if name == "clamp_t":
        return x.clamp(min=ctx.const(p["other"]))
    if name == "unfold":
        return x.unfold(d, p["size"], p["step"])
    if name == "pad":
        return F.pad(x, (1, 2))
    if name == "trace":
        return x.trace()
    if name == "addmm":
        return L.addmm(x.sum(), x, x.t(), beta=0.5, alpha=2.0)
    if name == "baddbmm":
        return L.baddbmm(x, x, x.transpose(1, 2), beta=-1.0)
    if name == "sum_to_size":
        return x.sum_to_size(p["size"])
    if name == "dist":
        return L.dist(x, ctx.const(p["other"]), p=p["p"])
    if name == "cdist":
        return L.cdist(x, ctx.const(p["other"]))
    if name == "std_mean":
        sd, m = L.std_mean(x, dim=d)
        return sd * m
    raise KeyError(name)


MORE = [
    "repeat", "tile", "flip", "roll", "tril", "triu", "normalize", "var_mean", "cummax", "logcumsumexp",
    "diff", "repeat_interleave", "take_along_dim", "scatter", "scatter_add", "index_add", "index_fill",
    "masked_scatter", "mse", "smooth_l1", "cross_entropy", "clamp_t", "unfold", "pad", "trace", "addmm",
    "baddbmm", "sum_to_size", "dist", "cdist", "std_mean",
]  # fmt: skip


def _reduce(name: str, L: Any, x: Any, p: dict[str, Any]) -> Any:
    dim, keep = p.get("dim"), p.get("keepdim", False)
    kw = {} if dim is None else {"dim": dim, "keepdim": keep}
    if name == "sum":
        return x.sum(**kw)
    if name == "mean":
        return x.mean(**kw)
    if name == "prod":
        return x.prod(**kw) if dim is not None else x.prod()
    if name == "amax":
        return x.amax(**kw) if dim is not None else x.amax()
    if name == "amin":
        return x.amin(**kw) if dim is not None else x.amin()
    if name == "max":
        return x.max(dim, keepdim=keep).values if dim is not None else x.max()
    if name == "min":
        return x.min(dim, keepdim=keep).values if dim is not None else x.min()
    if name == "max_idx":
        return x.max(dim, keepdim=keep).indices
    if name == "std":
        return x.std(**kw) if dim is not None else x.std()
    if name == "var0":
        return x.var(dim=dim, keepdim=keep, correction=0) if dim is not None else x.var(correction=0)
    if name == "norm":
        return x.norm(dim=dim, keepdim=keep) if dim is not None else x.norm()
    if name == "norm1":
        return x.norm(p=1, dim=dim, keepdim=keep) if dim is not None else x.norm(p=1)
    if name == "logsumexp":
        return x.logsumexp(dim=dim, keepdim=keep)
    if name == "softmax":
        return x.softmax(dim)
    if name == "log_softmax":
        return x.log_softmax(dim)
    if name == "cumsum":
        return x.cumsum(dim)
    if name == "cumprod":
        return x.cumprod(dim)
    if name == "median":
        x = x.contiguous()  # (PyTorch 2.13's median(dim) of an expanded tensor reads garbage)
        return x.median(dim, keepdim=keep).values if dim is not None else x.median()
    if name == "sort":
        return x.sort(dim, descending=keep).values
    if name == "topk":
        return x.topk(p["k"], dim=dim).values
    if name == "argmax":
        return x.argmax(**kw) if dim is not None else x.argmax()
    if name == "aminmax":
        return x.aminmax(dim=dim, keepdim=keep).max
    if name == "count_nonzero":
        return (x > 0).sum(**kw) if dim is not None else (x > 0).sum()
    if name == "mean_nokw":
        return x.mean(dim)
    raise KeyError(name)


REDUCTIONS = [
    "sum", "mean", "prod", "amax", "amin", "max", "min", "max_idx", "std", "var0", "norm", "norm1",
    "logsumexp", "softmax", "log_softmax", "cumsum", "cumprod", "median", "sort", "topk", "argmax",
    "aminmax", "count_nonzero", "mean_nokw",
]  # fmt: skip
NEEDS_DIM = {
    "max_idx",
    "logsumexp",
    "softmax",
    "log_softmax",
    "cumsum",
    "cumprod",
    "sort",
    "topk",
    "aminmax",
    "mean_nokw",
}


def _view(name: str, L: Any, x: Any, p: dict[str, Any]) -> Any:  # noqa: C901 - one branch a view
    if name == "view":
        return x.view(p["shape"])
    if name == "reshape":
        return x.reshape(p["shape"])
    if name == "transpose":
        return x.transpose(p["a"], p["b"])
    if name == "permute":
        return x.permute(p["perm"])
    if name == "expand":
        return x.expand(p["shape"])
    if name == "squeeze":
        return x.squeeze(p["dim"]) if "dim" in p else x.squeeze()
    if name == "unsqueeze":
        return x.unsqueeze(p["dim"])
    if name == "narrow":
        return x.narrow(p["dim"], p["start"], p["length"])
    if name == "select":
        return x.select(p["dim"], p["index"])
    if name == "t":
        return x.t()
    if name == "flatten":
        return x.flatten()
    if name == "movedim":
        return x.movedim(p["a"], p["b"])
    if name == "diagonal":
        return x.diagonal(dim1=p["a"], dim2=p["b"])
    if name == "contiguous":
        return x.contiguous()
    if name == "mT":
        return x.mT
    if name == "unflatten":
        return x.unflatten(p["dim"], p["sizes"])
    if name == "view_as_flat":
        return x.view(-1)
    if name == "expand_as":
        return x.expand_as(L.zeros(p["shape"], dtype=x.dtype))
    raise KeyError(name)


VIEWS = [
    "view", "reshape", "transpose", "permute", "expand", "squeeze", "unsqueeze", "narrow", "select",
    "t", "flatten", "movedim", "diagonal", "contiguous", "mT", "unflatten", "view_as_flat", "expand_as",
]  # fmt: skip


def _index(L: Any, ctx: Ctx, x: Any, p: dict[str, Any]) -> Any:
    key = tuple(ctx.const(k) if isinstance(k, np.ndarray) else _key(k) for k in p["key"])
    return x[key]


def _key(k: Any) -> Any:
    if isinstance(k, tuple) and k and k[0] == "slice":
        return slice(*k[1:])
    if k == "...":
        return Ellipsis
    if k == "None":
        return None
    return k


def run_step(ctx: Ctx, i: int, step: Step) -> None:
    """Run one step, appending what it makes to the pool and recording it."""
    L = ctx.L
    name, args, p = step
    xs = [ctx.pool[a] for a in args]
    kind, _, op = name.partition(":")
    out: Any = None
    if kind == "unary":
        out = UNARY[op](L, xs[0])
    elif kind == "binary":
        b = xs[1] if len(xs) > 1 else ctx.const(p["other"])
        out = BINARY[op](L, xs[0], b) if not p.get("swap") else BINARY[op](L, b, xs[0])
    elif kind == "reduce":
        out = _reduce(op, L, xs[0], p)
    elif kind == "view":
        out = _view(op, L, xs[0], p)
    elif kind == "index":
        out = _index(L, ctx, xs[0], p)
    elif kind == "more":
        out = _more(op, L, ctx, xs[0], p)
    elif kind == "leaf_update":  # a hand-written update of a leaf, outside the graph
        leaf = ctx.leaves[p["leaf"]]
        if op == "sgd":
            with L.no_grad():
                leaf.sub_(leaf.grad * 0.1 if leaf.grad is not None else leaf * 0.1)
        elif op == "data":
            leaf.data.mul_(0.9)
        elif op == "data_assign":
            leaf.data = leaf.data * 0.5 + 0.25
        else:
            with L.no_grad():
                leaf.copy_(leaf.clamp(-1, 1))
        return
    elif kind == "leaf_hook":
        scale = p["scale"]
        ctx.leaves[p["leaf"]].register_hook(lambda g: None if g is None else g * scale)
        return
    elif kind == "index_select":
        out = xs[0].index_select(p["dim"], ctx.const(p["idx"]))
    elif kind == "gather":
        out = xs[0].gather(p["dim"], ctx.const(p["idx"]))
    elif kind == "masked_select":
        out = xs[0].masked_select(ctx.const(p["mask"]))
    elif kind == "masked_fill":
        out = xs[0].masked_fill(ctx.const(p["mask"]), p["value"])
    elif kind == "where":
        out = L.where(ctx.const(p["mask"]), xs[0], xs[1] if len(xs) > 1 else p["value"])
    elif kind == "multi":
        parts = {"unbind": lambda: xs[0].unbind(p["dim"]), "chunk": lambda: xs[0].chunk(p["n"], p["dim"]),
                 "split": lambda: xs[0].split(p["n"], p["dim"])}[op]()  # fmt: skip
        for k, t in enumerate(parts):
            ctx.pool.append(t)
            ctx.record(f"s{i}.{k}", t)
        return
    elif kind == "cat":
        out = L.cat(xs, dim=p["dim"])
    elif kind == "stack":
        out = L.stack(xs, dim=p["dim"])
    elif kind == "matmul":
        b = xs[1] if len(xs) > 1 else ctx.const(p["other"])
        a = xs[0]
        out = {"matmul": lambda: a @ b, "rmatmul": lambda: b @ a, "mm": lambda: a.mm(b), "mv": lambda: a.mv(b),
               "dot": lambda: a.dot(b), "outer": lambda: L.outer(a, b), "bmm": lambda: a.bmm(b),
               "einsum": lambda: L.einsum(p.get("eq", "ij,jk->ik"), a, b),
               "tensordot": lambda: L.tensordot(a, b, dims=1)}[op]()  # fmt: skip
    elif kind == "inplace":
        target = xs[0]
        if "view" in p:
            target = _view(p["view"][0], L, target, p["view"][1])
        elif "key" in p:
            target = _index(L, ctx, target, p)
        if op in INPLACE_UNARY:
            INPLACE_UNARY[op](target)
        else:
            y = xs[1] if len(xs) > 1 else ctx.const(p["other"])
            INPLACE_BINARY[op](target, y)
        out = xs[0]
    elif kind == "setitem":
        key = tuple(ctx.const(k) if isinstance(k, np.ndarray) else _key(k) for k in p["key"])
        xs[0][key] = xs[1] if len(xs) > 1 else p["value"]
        out = xs[0]
    elif kind == "detach":
        out = xs[0].detach()
    elif kind == "detach_":
        out = xs[0].detach_()
    elif kind == "clone":
        out = xs[0].clone()
    elif kind == "retain_grad":
        xs[0].retain_grad()
        ctx.retained.append(args[0])
        return
    elif kind == "hook":
        scale = p["scale"]
        if op == "scale":
            xs[0].register_hook(lambda g: None if g is None else g * scale)
        elif op == "replace":
            xs[0].register_hook(lambda g: None if g is None else L.ones_like(g) * scale)
        else:  # observe only
            xs[0].register_hook(lambda g: None)
        return
    elif kind == "no_grad":
        with L.no_grad():
            out = UNARY[op](L, xs[0]) if op in UNARY else BINARY[op[2:]](L, xs[0], xs[1])
    elif kind == "inference":
        with L.inference_mode():
            out = UNARY[op](L, xs[0])
    elif kind == "requires_grad_":
        xs[0].requires_grad_(p["flag"])
        return
    elif kind == "loss":
        total = None
        for x, w in zip(xs, p["weights"], strict=True):
            term = (x * ctx.const(w)).sum()
            total = term if total is None else total + term
        out = total
    elif kind == "backward":
        g = ctx.const(p["gradient"]) if "gradient" in p else None
        kw = {"inputs": [ctx.leaves[k] for k in p["inputs"]]} if "inputs" in p else {}
        if p.get("create"):
            kw["create_graph"] = True
        if p.get("functional"):
            L.autograd.backward([xs[0]], None if g is None else [g], retain_graph=p.get("retain", False), **kw)
        else:
            xs[0].backward(g, retain_graph=p.get("retain", False), **kw)
        ctx.record_grads(f"s{i}")
        return
    elif kind == "agrad":
        inputs = [ctx.pool[a] for a in p["inputs"]]
        g = ctx.const(p["gradient"]) if "gradient" in p else None
        grads = L.autograd.grad(
            xs[0], inputs, grad_outputs=g, create_graph=p["create"], retain_graph=True, allow_unused=True
        )
        for k, t in enumerate(grads):
            if t is None:
                ctx.records.append((f"s{i}.{k}", None))
                continue
            ctx.pool.append(t)
            ctx.record(f"s{i}.{k}", t)
        return
    elif kind == "grad_set":
        leaf = ctx.leaves[p["leaf"]]
        if op == "none":
            leaf.grad = None
        elif op == "half" and leaf.grad is not None:
            leaf.grad = leaf.grad * 0.5
        elif op == "zero" and leaf.grad is not None:
            leaf.grad.zero_()
        elif op == "new":
            leaf.grad = ctx.const(p["value"])
        return
    else:
        raise KeyError(name)
    ctx.pool.append(out)
    ctx.record(f"s{i}", out)


def execute(L: Any, prog: Program) -> Outcome:
    """Run ``prog`` in library ``L`` (``mytorch`` or ``torch``)."""
    res = Outcome()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if prog.train is not None:
            _train(L, prog, res)
            return res
        ctx = Ctx(L, prog)
        res.records = ctx.records
        for i, step in enumerate(prog.steps):
            try:
                run_step(ctx, i, step)
            except Exception as e:  # noqa: BLE001 - any failure is an outcome
                res.error = (i, f"{type(e).__name__}: {str(e)[:160]}")
                return res
    return res


def _optimizer(L: Any, params: list[Any], cfg: dict[str, Any]) -> Any:
    kw = dict(cfg["kw"])
    if cfg.get("groups") and len(params) > 1:
        groups = [{"params": params[:1], "lr": kw["lr"] * 2}, {"params": params[1:]}]
        return getattr(L.optim, cfg["name"])(groups, **kw)
    return getattr(L.optim, cfg["name"])(params, **kw)


def _train(L: Any, prog: Program, res: Outcome) -> None:
    cfg = prog.train
    assert cfg is not None
    ctx = Ctx(L, prog)
    res.records = ctx.records
    params = [leaf for leaf in ctx.leaves if leaf.requires_grad]
    try:
        opt = _optimizer(L, params, cfg)
    except Exception as e:  # noqa: BLE001
        res.error = (-1, f"{type(e).__name__}: {str(e)[:160]}")
        return
    n_leaves = len(ctx.leaves)
    for it in range(cfg["iters"]):
        del ctx.pool[n_leaves:]
        ctx.retained = []
        try:
            opt.zero_grad(set_to_none=cfg["set_to_none"])
            for i, step in enumerate(prog.steps):
                run_step(ctx, i + 1000 * it, step)
            if cfg.get("clip"):
                L.nn.utils.clip_grad_norm_(params, cfg["clip"])
            opt.step()
        except Exception as e:  # noqa: BLE001
            res.error = (it, f"{type(e).__name__}: {str(e)[:160]}")
            return
        for k, leaf in enumerate(ctx.leaves):
            ctx.record(f"it{it}:leaf{k}", leaf)


# ----------------------------------------------------------------------------------------------
# Drawing programs (under PyTorch: each step is drawn to fit the values made so far)
# ----------------------------------------------------------------------------------------------

SHAPES = [(), (1,), (3,), (4,), (2, 3), (3, 1), (1, 4), (3, 4), (2, 3, 4), (2, 1, 3), (4, 4), (1, 1), (2, 4)]


class Drawer:
    """Draws steps for one program from ``rng``, checking each under PyTorch as it goes."""

    def __init__(self, rng: np.random.Generator, torch: Any) -> None:
        self.rng = rng
        self.torch = torch
        self.dtype = np.float64 if rng.random() < 0.6 else np.float32

    # ---- helpers
    def mask(self, shape: tuple[int, ...]) -> np.ndarray:
        return np.asarray(self.rng.random(shape) < 0.5)

    def arr(self, shape: tuple[int, ...]) -> np.ndarray:
        return self.rng.standard_normal(shape).astype(self.dtype)

    def choice(self, seq: Any) -> Any:
        return seq[int(self.rng.integers(len(seq)))]

    def pick(self, pool: list[Any], pred: Callable[[Any], bool] = lambda t: True) -> int | None:
        idx = [i for i, t in enumerate(pool) if _ok(lambda u: u.is_floating_point() and pred(u), t)]
        if not idx:
            return None
        # prefer recent values and values on the graph
        weights = np.array([(2.0 if _ok(lambda u: u.requires_grad, pool[i]) else 1.0) * (1 + i) for i in idx])
        return int(idx[self.rng.choice(len(idx), p=weights / weights.sum())])

    def broadcastable(self, pool: list[Any], shape: tuple[int, ...]) -> list[int]:
        out = []
        for i, t in enumerate(pool):
            if not t.is_floating_point():
                continue
            try:
                np.broadcast_shapes(tuple(t.shape), shape)
            except ValueError:
                continue
            out.append(i)
        return out

    def dim(self, t: Any) -> int:
        d = t.dim()
        k = int(self.rng.integers(d))
        return k - d if self.rng.random() < 0.3 else k

    # ---- step builders: each returns a Step or None
    def b_unary(self, pool: list[Any]) -> Step | None:
        i = self.pick(pool)
        return None if i is None else (f"unary:{self.choice(list(UNARY))}", (i,), {})

    def b_binary(self, pool: list[Any]) -> Step | None:
        i = self.pick(pool)
        if i is None:
            return None
        shape = tuple(pool[i].shape)
        op = self.choice(list(BINARY))
        r = self.rng.random()
        if r < 0.55:
            cands = self.broadcastable(pool, shape)
            j = self.choice(cands)
            return (f"binary:{op}", (i, j), {})
        if r < 0.8:
            sub = shape[int(self.rng.integers(len(shape) + 1)) :]
            return (f"binary:{op}", (i,), {"other": self.arr(sub), "swap": bool(self.rng.random() < 0.3)})
        if op in TENSORS_ONLY:
            return None
        return (f"binary:{op}", (i,), {"other": float(np.round(self.rng.standard_normal(), 2)), "swap": False})

    def b_reduce(self, pool: list[Any]) -> Step | None:
        i = self.pick(pool)
        if i is None:
            return None
        t = pool[i]
        op = self.choice(REDUCTIONS)
        p: dict[str, Any] = {}
        if t.dim() > 0 and (op in NEEDS_DIM or self.rng.random() < 0.7):
            p["dim"] = self.dim(t)
            p["keepdim"] = bool(self.rng.random() < 0.4)
            if op == "topk":
                p["k"] = int(self.rng.integers(1, t.shape[p["dim"]] + 1))
        elif op in NEEDS_DIM:
            if op in ("softmax", "log_softmax", "cumsum", "cumprod", "logsumexp", "mean_nokw"):
                p["dim"] = 0
            else:
                return None
        return (f"reduce:{op}", (i,), p)

    def view_params(self, t: Any) -> tuple[str, dict[str, Any]] | None:
        shape = tuple(t.shape)
        d = len(shape)
        op = self.choice(VIEWS)
        n = int(np.prod(shape)) if shape else 1
        if op in ("view", "reshape"):
            opts = [(n,), (1, n), (n, 1)]
            if n % 2 == 0:
                opts += [(2, n // 2), (n // 2, 2), (2, -1)]
            if n == 1:
                opts += [()]
            if n % 6 == 0:
                opts += [(3, 2, -1)]
            return op, {"shape": self.choice(opts)}
        if op in ("transpose", "movedim", "diagonal"):
            if d < (2 if op == "diagonal" else 1):
                return None
            a, b = (int(self.rng.integers(d)) for _ in range(2))
            if op == "diagonal" and a == b:
                return None
            return op, {"a": a, "b": b}
        if op == "permute":
            return op, {"perm": tuple(int(k) for k in self.rng.permutation(d))}
        if op in ("expand", "expand_as"):
            new = tuple(self.choice([1, 2, 3]) if s == 1 else s for s in shape)
            if self.rng.random() < 0.3:
                new = (2,) + new
            return op, {"shape": new}
        if op == "squeeze":
            ones = [k for k, s in enumerate(shape) if s == 1]
            return op, ({"dim": self.choice(ones)} if ones and self.rng.random() < 0.7 else {})
        if op == "unsqueeze":
            return op, {"dim": int(self.rng.integers(-d - 1, d + 1))}
        if op in ("narrow", "select"):
            if d == 0:
                return None
            k = int(self.rng.integers(d))
            if op == "select":
                return op, {"dim": k, "index": int(self.rng.integers(-shape[k], shape[k]))}
            start = int(self.rng.integers(shape[k]))
            return op, {"dim": k, "start": start, "length": int(self.rng.integers(0, shape[k] - start + 1))}
        if op in ("t", "mT"):
            if (op == "t" and d > 2) or (op == "mT" and d < 2):
                return None
            return op, {}
        if op == "unflatten":
            if d == 0:
                return None
            k = int(self.rng.integers(d))
            return op, {"dim": k, "sizes": (1, shape[k]) if shape[k] % 2 else (2, -1)}
        return op, {}

    def b_view(self, pool: list[Any]) -> Step | None:
        i = self.pick(pool)
        if i is None:
            return None
        vp = self.view_params(pool[i])
        return None if vp is None else (f"view:{vp[0]}", (i,), vp[1])

    def index_key(self, t: Any) -> list[Any] | None:
        shape = tuple(t.shape)
        d = len(shape)
        if d == 0:
            return [self.choice(["...", "None"])]
        key: list[Any] = []
        r = self.rng.random()
        if r < 0.2:
            return [int(self.rng.integers(-shape[0], shape[0]))]
        if r < 0.4:
            k = int(self.rng.integers(d))
            lo = int(self.rng.integers(shape[k]))
            step = self.choice([1, 1, 2])
            key = [("slice", None, None, None)] * k + [("slice", lo, None, step)]
            return key
        if r < 0.6:  # advanced index with repeats
            k = int(self.rng.integers(d))
            idx = self.rng.integers(-shape[k], shape[k], size=int(self.rng.integers(1, 5)))
            return [("slice", None, None, None)] * k + [idx.astype(np.int64)]
        if r < 0.7:
            return [self.mask(shape)]
        if r < 0.8 and d >= 2:
            n = int(self.rng.integers(1, 4))
            return [
                self.rng.integers(0, shape[0], n).astype(np.int64),
                self.rng.integers(0, shape[1], n).astype(np.int64),
            ]
        if r < 0.9:
            return ["...", "None", ("slice", None, -1 if shape[-1] > 1 else None, None)]
        return [("slice", None, None, None), "None"] if d >= 1 else None

    def b_index(self, pool: list[Any]) -> Step | None:
        i = self.pick(pool)
        if i is None:
            return None
        t = pool[i]
        r = self.rng.random()
        if r < 0.6:
            key = self.index_key(t)
            return None if key is None else ("index", (i,), {"key": key})
        if t.dim() == 0:
            return None
        k = int(self.rng.integers(t.dim()))
        if r < 0.75:
            idx = self.rng.integers(0, t.shape[k], size=int(self.rng.integers(1, 5))).astype(np.int64)
            return ("index_select", (i,), {"dim": k, "idx": idx})
        if r < 0.85:
            shape = list(t.shape)
            shape[k] = int(self.rng.integers(1, 4))
            return ("gather", (i,), {"dim": k, "idx": self.rng.integers(0, t.shape[k], size=shape).astype(np.int64)})
        mask = self.mask(tuple(t.shape)[int(self.rng.integers(t.dim() + 1)) :])
        if r < 0.9:
            return ("masked_select", (i,), {"mask": mask})
        return ("masked_fill", (i,), {"mask": mask, "value": float(self.choice([0.0, -1.5, 2.0]))})

    def b_where(self, pool: list[Any]) -> Step | None:
        i = self.pick(pool)
        if i is None:
            return None
        shape = tuple(pool[i].shape)
        cands = self.broadcastable(pool, shape)
        mask = self.mask(shape[int(self.rng.integers(len(shape) + 1)) :])
        if self.rng.random() < 0.7:
            return ("where", (i, self.choice(cands)), {"mask": mask})
        return ("where", (i,), {"mask": mask, "value": 0.5})

    def b_multi(self, pool: list[Any]) -> Step | None:
        i = self.pick(pool, lambda t: t.dim() > 0)
        if i is None:
            return None
        t = pool[i]
        k = self.dim(t)
        op = self.choice(["unbind", "chunk", "split"])
        return (f"multi:{op}", (i,), {"dim": k, "n": int(self.rng.integers(1, 4))})

    def b_cat(self, pool: list[Any]) -> Step | None:
        i = self.pick(pool)
        if i is None:
            return None
        shape = tuple(pool[i].shape)
        same = [j for j, t in enumerate(pool) if tuple(t.shape) == shape and t.is_floating_point()]
        xs = tuple(self.choice(same) for _ in range(int(self.rng.integers(1, 4))))
        if self.rng.random() < 0.5 and shape:
            return ("cat", xs, {"dim": self.dim(pool[i])})
        return ("stack", xs, {"dim": int(self.rng.integers(-len(shape) - 1, len(shape) + 1))})

    def b_matmul(self, pool: list[Any]) -> Step | None:
        i = self.pick(pool, lambda t: t.dim() >= 1)
        if i is None:
            return None
        t = pool[i]
        s = tuple(t.shape)
        op = self.choice(["matmul", "matmul", "rmatmul", "mm", "mv", "dot", "outer", "bmm", "einsum", "tensordot"])
        if op == "mm" or op == "einsum":
            if len(s) != 2:
                return None
            shape = (s[1], self.choice([1, 2, 3]))
        elif op == "mv":
            if len(s) != 2:
                return None
            shape = (s[1],)
        elif op in ("dot", "outer"):
            if len(s) != 1:
                return None
            shape = s if op == "dot" else (self.choice([1, 2, 3]),)
        elif op == "bmm":
            if len(s) != 3:
                return None
            shape = (s[0], s[2], 2)
        elif op == "rmatmul":
            shape = (
                (self.choice([1, 2, 3]), s[-2] if len(s) >= 2 else s[0])
                if self.rng.random() < 0.7
                else ((s[-2],) if len(s) >= 2 else s)
            )
        elif op == "tensordot":
            shape = (s[-1], 2)
        else:
            shape = self.choice([(s[-1],), (s[-1], 2), (2, s[-1], 3) if len(s) <= 3 else (s[-1], 2)])
        cands = [j for j, u in enumerate(pool) if tuple(u.shape) == shape and u.is_floating_point()]
        if cands and self.rng.random() < 0.6:
            return (f"matmul:{op}", (i, self.choice(cands)), {})
        return (f"matmul:{op}", (i,), {"other": self.arr(shape)})

    def b_inplace(self, pool: list[Any]) -> Step | None:
        # mostly non-leaf results; sometimes a leaf (PyTorch refuses in-place on a leaf that requires grad)
        i = self.pick(pool, lambda t: (not t.is_leaf) or self.rng.random() < 0.1)
        if i is None:
            return None
        t = pool[i]
        p: dict[str, Any] = {}
        r = self.rng.random()
        target_shape = tuple(t.shape)
        if r < 0.35:
            vp = self.view_params(t)
            if vp is None or vp[0] in ("expand", "expand_as"):
                return None
            p["view"] = vp
            target_shape = tuple(_view(vp[0], self.torch, t.detach(), vp[1]).shape)
        elif r < 0.5 and t.dim() > 0:
            k = int(self.rng.integers(t.dim()))
            lo = int(self.rng.integers(t.shape[k]))
            p["key"] = [("slice", None, None, None)] * k + [("slice", lo, None, None)]
            target_shape = tuple(t.detach()[tuple(_key(q) for q in p["key"])].shape)
        if self.rng.random() < 0.45:
            return (f"inplace:{self.choice(list(INPLACE_UNARY))}", (i,), p)
        op = self.choice(list(INPLACE_BINARY))
        cands = self.broadcastable(pool, target_shape)
        cands = [j for j in cands if np.broadcast_shapes(tuple(pool[j].shape), target_shape) == target_shape]
        if cands and self.rng.random() < 0.6:
            return (f"inplace:{op}", (i, self.choice(cands)), p)
        sub = target_shape[int(self.rng.integers(len(target_shape) + 1)) :]
        p["other"] = self.arr(sub)
        return (f"inplace:{op}", (i,), p)

    def b_setitem(self, pool: list[Any]) -> Step | None:
        i = self.pick(pool, lambda t: t.dim() > 0 and ((not t.is_leaf) or self.rng.random() < 0.1))
        if i is None:
            return None
        t = pool[i]
        key = self.index_key(t)
        if key is None:
            return None
        try:
            shape = tuple(
                t.detach()[tuple(self.torch.tensor(k) if isinstance(k, np.ndarray) else _key(k) for k in key)].shape
            )
        except Exception:  # noqa: BLE001
            return None
        if self.rng.random() < 0.4:
            return ("setitem", (i,), {"key": key, "value": float(self.choice([0.0, 1.5, -2.0]))})
        cands = [
            j for j in self.broadcastable(pool, shape) if np.broadcast_shapes(tuple(pool[j].shape), shape) == shape
        ]
        if not cands:
            return None
        return ("setitem", (i, self.choice(cands)), {"key": key})

    def b_misc(self, pool: list[Any]) -> Step | None:
        i = self.pick(pool)
        if i is None:
            return None
        t = pool[i]
        r = self.rng.random()
        if r < 0.15:
            return ("detach", (i,), {})
        if r < 0.22:
            return ("detach_", (i,), {})
        if r < 0.35:
            return ("clone", (i,), {})
        if r < 0.5:
            return None if _ok(lambda u: u.is_leaf, t) else ("retain_grad", (i,), {})
        if r < 0.65:
            if not _ok(lambda u: u.requires_grad, t):
                return None
            return (
                f"hook:{self.choice(['scale', 'scale', 'replace', 'observe'])}",
                (i,),
                {"scale": float(self.choice([2.0, -0.5, 3.0]))},
            )
        if r < 0.77:
            if self.rng.random() < 0.5:
                return (f"no_grad:{self.choice(list(UNARY))}", (i,), {})
            cands = self.broadcastable(pool, tuple(t.shape))
            return (f"no_grad:b_{self.choice(list(BINARY))}", (i, self.choice(cands)), {})
        if r < 0.82:
            return (f"inference:{self.choice(['tanh', 'scale', 'exp'])}", (i,), {})
        if r < 0.9:
            j = self.rng.integers(len(pool))
            if not _ok(lambda u: u.is_leaf and u.is_floating_point(), pool[j]):
                return None
            return ("requires_grad_", (int(j),), {"flag": bool(self.rng.random() < 0.5)})
        return self.b_where(pool)

    def loss(self, pool: list[Any]) -> Step | None:
        on = [i for i, t in enumerate(pool) if _ok(_on_graph, t)]
        if not on:
            return None
        xs = tuple(sorted({self.choice(on) for _ in range(int(self.rng.integers(1, 4)))}))
        return ("loss", xs, {"weights": [self.arr(tuple(pool[i].shape)) for i in xs]})

    def b_backward(self, pool: list[Any], train: bool = False) -> list[Step]:
        on = [i for i, t in enumerate(pool) if _ok(_on_graph, t)]
        if not on:
            return []
        r = self.rng.random()
        if r < 0.25 and not train:
            i = self.choice(on)
            if pool[i].dim() == 0:
                return [("backward", (i,), {"retain": bool(self.rng.random() < 0.5)})]
            return [
                (
                    "backward",
                    (i,),
                    {"gradient": self.arr(tuple(pool[i].shape)), "retain": bool(self.rng.random() < 0.5)},
                )
            ]
        ls = self.loss(pool)
        if ls is None:
            return []
        p: dict[str, Any] = {"retain": bool(self.rng.random() < 0.3)}
        if not train:
            r = self.rng.random()
            if r < 0.15:
                grads = [k for k in range(len(pool)) if _ok(lambda u: u.is_leaf and u.requires_grad, pool[k])]
                if grads:
                    p["inputs"] = [self.choice(grads)]
            elif r < 0.25:
                p["create"] = True
            elif r < 0.35:
                p["functional"] = True
        return [ls, ("backward", (len(pool),), p)]

    def b_agrad(self, pool: list[Any], leaves: int) -> Step | None:
        on = [i for i, t in enumerate(pool) if _ok(_on_graph, t)]
        if not on:
            return None
        i = self.choice(on)
        grads = [k for k in range(leaves) if _ok(lambda u: u.requires_grad, pool[k])] or [i]
        inputs = sorted({self.choice(grads) for _ in range(2)})
        p: dict[str, Any] = {"inputs": inputs, "create": bool(self.rng.random() < 0.8)}
        if pool[i].dim() > 0:
            p["gradient"] = self.arr(tuple(pool[i].shape))
        return ("agrad", (i,), p)

    def b_more(self, pool: list[Any]) -> Step | None:  # noqa: C901 - one branch an op
        i = self.pick(pool)
        if i is None:
            return None
        t = pool[i]
        shape = tuple(t.shape)
        nd = len(shape)
        op = self.choice(MORE)
        p: dict[str, Any] = {}
        if nd:
            p["dim"] = int(self.rng.integers(nd))
        elif op not in ("repeat", "tile", "mse", "smooth_l1", "clamp_t", "dist", "pad", "normalize"):
            return None
        d = p.get("dim", 0)
        if op in ("repeat", "tile"):
            p["reps"] = tuple(int(self.rng.integers(1, 3)) for _ in range(max(nd, 1) + int(self.rng.integers(2))))
        elif op == "roll":
            p["shift"] = int(self.rng.integers(-2, 3))
        elif op in ("tril", "triu"):
            if nd < 2:
                return None
            p["k"] = int(self.rng.integers(-1, 2))
        elif op in ("take_along_dim", "scatter", "scatter_add"):
            size = list(shape)
            size[d] = int(self.rng.integers(1, shape[d] + 1))
            if op == "take_along_dim":
                p["idx"] = self.rng.integers(0, shape[d], size=size).astype(np.int64)
            else:  # (distinct targets per column for scatter: PyTorch leaves repeats unordered)
                p["idx"] = np.argsort(self.rng.random([shape[d], *size[:d], *size[d + 1 :]]), axis=0)[: size[d]]
                p["idx"] = np.moveaxis(p["idx"], 0, d).astype(np.int64)
        elif op in ("index_add", "index_fill"):
            p["idx1"] = self.rng.integers(0, shape[d], size=int(self.rng.integers(1, 4))).astype(np.int64)
        elif op == "masked_scatter":
            p["mask"] = self.mask(shape)
        elif op in ("mse", "smooth_l1", "clamp_t", "dist"):
            p["other"] = self.arr(shape[int(self.rng.integers(nd + 1)) :] if op != "dist" else shape)
            p["p"] = float(self.choice([1.0, 2.0, 3.0]))
        elif op == "cross_entropy":
            if nd != 2:
                return None
            p["target"] = self.rng.integers(0, shape[1], size=shape[0]).astype(np.int64)
            p["smooth"] = float(self.choice([0.0, 0.1]))
        elif op == "unfold":
            p["size"] = int(self.rng.integers(1, shape[d] + 1))
            p["step"] = int(self.rng.integers(1, 3))
        elif op in ("trace", "addmm", "cdist"):
            if nd != 2:
                return None
            if op == "cdist":
                p["other"] = self.arr((int(self.rng.integers(1, 4)), shape[1]))
        elif op == "baddbmm":
            if nd != 3 or shape[1] != shape[2]:
                return None
        elif op == "sum_to_size":
            p["size"] = tuple(1 if self.rng.random() < 0.5 else n for n in shape)
        return (f"more:{op}", (i,), p)

    def b_leaf(self, pool: list[Any], leaves: int) -> Step | None:
        k = int(self.rng.integers(leaves))
        if self.rng.random() < 0.3:
            if not _ok(lambda u: u.requires_grad, pool[k]):
                return None
            return ("leaf_hook", (), {"leaf": k, "scale": float(self.choice([2.0, -1.0, 0.5]))})
        return (f"leaf_update:{self.choice(['sgd', 'data', 'data_assign', 'clamp'])}", (), {"leaf": k})

    def b_grad_set(self, pool: list[Any], leaves: int) -> Step | None:
        k = int(self.rng.integers(leaves))
        op = self.choice(["none", "half", "zero", "new"])
        p: dict[str, Any] = {"leaf": k}
        if op == "new":
            p["value"] = self.arr(tuple(pool[k].shape))
        return (f"grad_set:{op}", (), p)


BUILDERS = [
    ("b_unary", 5), ("b_binary", 6), ("b_reduce", 4), ("b_view", 5), ("b_index", 4), ("b_multi", 1), ("b_cat", 1.5),
    ("b_matmul", 2), ("b_inplace", 5), ("b_setitem", 2), ("b_misc", 4), ("b_where", 1), ("b_more", 5),
]  # fmt: skip


def draw(seed: int, torch: Any) -> Program:
    """The program of ``seed``: drawn step by step, each checked under PyTorch as it is drawn."""
    rng = np.random.default_rng(seed)
    d = Drawer(rng, torch)
    train = rng.random() < 0.2
    n_leaves = int(rng.integers(1, 4))
    leaves = []
    for _ in range(n_leaves):
        shape = SHAPES[int(rng.integers(len(SHAPES)))]
        leaves.append((d.arr(shape), bool(train or rng.random() < 0.85)))
    prog = Program(leaves, [])
    if train:
        prog.train = _draw_optimizer(rng)
    ctx = Ctx(torch, prog)
    names = [b for b, _ in BUILDERS]
    weights = np.array([w for _, w in BUILDERS], dtype=float)
    n_steps = int(rng.integers(3, 12))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        attempts = 0
        while len(prog.steps) < n_steps and attempts < 60:
            attempts += 1
            r = rng.random()
            steps: list[Step] = []
            if train:
                name = names[int(rng.choice(len(names), p=weights / weights.sum()))]
                if name in ("b_misc",) and rng.random() < 0.5:
                    continue
                s = _build(d, name, ctx.pool)
                steps = [] if s is None or s[0] in ("detach_",) or s[0].startswith("requires_grad_") else [s]
                if steps and steps[0][0].startswith(("inplace", "setitem")) and steps[0][1][0] < n_leaves:
                    steps = []
            elif r < 0.1 and len(prog.steps) > 1:
                steps = d.b_backward(ctx.pool)
            elif r < 0.14 and len(prog.steps) > 1:
                s = d.b_agrad(ctx.pool, n_leaves)
                steps = [] if s is None else [s]
            elif r < 0.17 and len(prog.steps) > 2:
                steps = [d.b_grad_set(ctx.pool, n_leaves)]  # type: ignore[list-item]
            elif r < 0.21:
                s = d.b_leaf(ctx.pool, n_leaves)
                steps = [] if s is None else [s]
            else:
                name = names[int(rng.choice(len(names), p=weights / weights.sum()))]
                s = _build(d, name, ctx.pool)
                steps = [] if s is None else [s]
            if not _try(ctx, prog, steps, keep_error=rng.random() < 0.08):
                return prog
        if train:
            steps = d.b_backward(ctx.pool, train=True)
            if not steps:
                steps = [
                    ("loss", (0,), {"weights": [d.arr(tuple(ctx.pool[0].shape))]}),
                    ("backward", (len(ctx.pool),), {}),
                ]
            prog.steps.extend(steps)
        else:
            _try(ctx, prog, d.b_backward(ctx.pool), keep_error=True)
    return prog


def _build(d: Drawer, name: str, pool: list[Any]) -> Step | None:
    """A step from builder ``name``, or None (also where looking at a value raised)."""
    try:
        return getattr(d, name)(pool)  # type: ignore[no-any-return]
    except (RuntimeError, ValueError, IndexError, TypeError):
        return None


def _try(ctx: Ctx, prog: Program, steps: list[Step], keep_error: bool) -> bool:
    """Run ``steps`` under PyTorch and keep them; on an error keep them only if ``keep_error``
    (the program then ends: False). A step that raised without being kept is dropped, but its
    partial effects on the drawing context stay, so the program is rebuilt from scratch."""
    for step in steps:
        n = len(prog.steps)
        try:
            run_step(ctx, n, step)
        except Exception:  # noqa: BLE001
            if keep_error:
                prog.steps.append(step)
                return False
            _rebuild(ctx, prog)
            return True
        prog.steps.append(step)
    return True


def _rebuild(ctx: Ctx, prog: Program) -> None:
    fresh = Ctx(ctx.L, prog)
    for i, step in enumerate(prog.steps):
        run_step(fresh, i, step)
    ctx.__dict__.update(fresh.__dict__)


def _draw_optimizer(rng: np.random.Generator) -> dict[str, Any]:
    name = ["SGD", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad"][int(rng.integers(6))]
    kw: dict[str, Any] = {"lr": float(rng.choice([0.01, 0.1, 0.3]))}
    if name == "SGD":
        m = float(rng.choice([0.0, 0.9, 0.5]))
        kw.update(momentum=m, weight_decay=float(rng.choice([0.0, 0.01])), maximize=bool(rng.random() < 0.2))
        if m and rng.random() < 0.5:
            kw["nesterov"] = True
        elif m and rng.random() < 0.3:
            kw["dampening"] = 0.1
    elif name in ("Adam", "AdamW"):
        kw.update(
            amsgrad=bool(rng.random() < 0.4),
            maximize=bool(rng.random() < 0.2),
            weight_decay=float(rng.choice([0.0, 0.05])),
        )
        if rng.random() < 0.3:
            kw["betas"] = (0.8, 0.95)
    elif name == "RMSprop":
        kw.update(
            momentum=float(rng.choice([0.0, 0.5])),
            centered=bool(rng.random() < 0.5),
            weight_decay=float(rng.choice([0.0, 0.01])),
        )
    else:
        kw.update(lr_decay=float(rng.choice([0.0, 0.1])), weight_decay=float(rng.choice([0.0, 0.01])))
    return {
        "name": name,
        "kw": kw,
        "iters": int(rng.integers(2, 5)),
        "set_to_none": bool(rng.random() < 0.5),
        "groups": bool(rng.random() < 0.3),
        "clip": float(rng.choice([0.0, 0.0, 1.0])),
    }


# ----------------------------------------------------------------------------------------------
# Comparing
# ----------------------------------------------------------------------------------------------


def _same(a: np.ndarray | None, b: np.ndarray | None, rtol: float) -> str | None:
    """None when ``a`` (MyTorch) and ``b`` (PyTorch) agree, else what differs."""
    if a is None or b is None:
        return (
            None
            if a is None and b is None
            else f"None vs {'value' if b is not None else 'None'}"
            if a is None
            else "value vs None"
        )
    if a.shape != b.shape:
        return f"shape {a.shape} vs {b.shape}"
    if a.dtype != b.dtype:
        return f"dtype {a.dtype} vs {b.dtype}"
    if a.dtype.kind in "biu":
        return None if np.array_equal(a, b) else "integer values"
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    scale = float(np.nanmax(np.abs(b64[np.isfinite(b64)]), initial=1.0))
    if np.allclose(a64, b64, rtol=rtol, atol=rtol * scale, equal_nan=True):
        return None
    return f"max |diff| {np.nanmax(np.abs(a64 - b64)):.3g} (scale {scale:.3g})"


def compare(mine: Outcome, ref: Outcome, rtol64: float = 1e-10, rtol32: float = 1e-5) -> tuple[str, str]:
    """Classify MyTorch's outcome against PyTorch's: (kind, detail)."""
    ref_labels = dict(ref.records)
    n = min(len(mine.records), len(ref.records))
    for (la, a), (lb, b) in zip(mine.records[:n], ref.records[:n], strict=True):
        if la != lb:
            return "differ", f"records {la} vs {lb}"
        rtol = (
            rtol32 if (b is not None and b.dtype == np.float32) or (a is not None and a.dtype == np.float32) else rtol64
        )
        why = _same(a, b, rtol)
        if why:
            return "differ", f"{la}: {why}"
    del ref_labels
    me, th = mine.error, ref.error
    if me is None and th is None:
        if len(mine.records) != len(ref.records):
            return "differ", f"{len(mine.records)} records vs {len(ref.records)}"
        return "match", ""
    if me is not None and th is not None and me[0] == th[0]:
        return "both-raise", f"step {me[0]}: {me[1]} | torch: {th[1]}"
    if me is not None and (th is None or me[0] < th[0]):
        return "refused", f"step {me[0]}: {me[1]}"
    assert th is not None
    return "differ", f"torch raised at step {th[0]} ({th[1]}), MyTorch did not" + (
        f" (MyTorch raised at {me[0]})" if me else ""
    )


UNSEEN_BY_FD = ("detach", "no_grad", "inference", "hook", "agrad", "requires_grad_", "backward", "grad_set", "leaf_")
"""Steps after which a finite difference of the program is no longer its autograd derivative."""


def _writes_by_index(name: str, p: dict[str, Any]) -> bool:
    """A write through index arrays: repeated positions take one value, but PyTorch's gradient
    (and MyTorch's) of the values sums over the repeats, which a difference does not see."""
    return name.startswith(("setitem", "inplace")) and any(
        isinstance(k, np.ndarray) and k.dtype != np.bool_ for k in p.get("key", ())
    )


def _f64(v: Any) -> Any:
    if isinstance(v, np.ndarray) and v.dtype == np.float32:
        return v.astype(np.float64)
    if isinstance(v, list):
        return [_f64(x) for x in v]
    return v


def fd_check(prog: Program, k: int, mine: Outcome, mytorch: Any) -> str | None:
    """Where PyTorch refused backward step ``k`` (of a training program: in its first iteration)
    and MyTorch ran it: MyTorch's leaf gradients
    against a central difference of the program along a random direction (float64). Returns
    "ok", a mismatch, or None where the steps before ``k`` hide something from a difference."""
    if any(name.startswith(UNSEEN_BY_FD) or _writes_by_index(name, p) for name, _, p in prog.steps[:k]):
        return None
    name, args, p = prog.steps[k]
    grads = dict(mine.records)
    rng = np.random.default_rng(k)
    dirs = [rng.standard_normal(a.shape) if rg else np.zeros(a.shape) for a, rg in prog.leaves]

    steps64 = [(nm, ar, {key: _f64(v) for key, v in pp.items()}) for nm, ar, pp in prog.steps[:k]]

    def f(h: float) -> float:
        moved = Program(
            [(a.astype(np.float64) + h * u, rg) for (a, rg), u in zip(prog.leaves, dirs, strict=True)], steps64
        )
        with warnings.catch_warnings(), mytorch.no_grad():
            warnings.simplefilter("ignore")
            ctx = Ctx(mytorch, moved)
            for i, step in enumerate(moved.steps):
                run_step(ctx, i, step)
            root = np.asarray(ctx.pool[args[0]].numpy(), dtype=np.float64)
        w = p["gradient"].astype(np.float64) if "gradient" in p else 1.0
        return float(np.sum(root * w))

    h = 1e-6
    numeric = (f(h) - f(-h)) / (2 * h)
    analytic, scale = 0.0, 0.0
    for j, u in enumerate(dirs):
        g = grads.get(f"s{k}:leaf{j}.grad")
        if g is not None and prog.leaves[j][1]:
            analytic += float(np.sum(g.astype(np.float64) * u))
            scale += float(np.sum(np.abs(g.astype(np.float64) * u)))
    tol = (1e-3 if any(a.dtype == np.float32 for a, _ in prog.leaves) else 1e-5) * max(scale, 1.0)
    return "ok" if abs(numeric - analytic) <= tol else f"FD {numeric:.6g} vs MyTorch {analytic:.6g}"


def describe(prog: Program) -> str:
    """The program as readable lines."""
    lines = [f"leaf{k}: {a.dtype} {a.shape} requires_grad={rg}" for k, (a, rg) in enumerate(prog.leaves)]
    if prog.train:
        lines.append(f"train: {prog.train}")
    for i, (name, args, p) in enumerate(prog.steps):
        ps = {k: (f"array{v.shape}" if isinstance(v, np.ndarray) and v.size > 4 else v) for k, v in p.items()}
        lines.append(f"s{i}: {name} {args} {ps}")
    return "\n".join(lines)


def run_one(seed: int, torch: Any, mytorch: Any, stage: Callable[[str], None] = lambda s: None) -> tuple[str, str]:
    """Draw the program of ``seed``, run it in both libraries, classify: (kind, detail)."""
    stage("draw")
    prog = draw(seed, torch)
    stage("torch")
    ref = execute(torch, prog)
    stage("mytorch")
    mine = execute(mytorch, prog)
    kind, detail = compare(mine, ref)
    if kind == "differ" and any(name.startswith("leaf_update:data") for name, _, _ in prog.steps):
        # PyTorch's backward reads a leaf's new .data where the graph saved the leaf (MyTorch: the
        # value the forward used); without those writes, do the two agree?
        kept = [st for st in prog.steps if not st[0].startswith("leaf_update:data")]
        bare = Program(prog.leaves, kept, prog.train)
        if compare(execute(mytorch, bare), execute(torch, bare))[0] != "differ":
            return "differ-after-.data", detail
    # PyTorch refused a backward MyTorch ran (in a training program: its first one)
    at = (len(prog.steps) - 1 if ref.error[0] == 0 else -1) if prog.train and ref.error else ref.error and ref.error[0]
    if kind == "differ" and mine.error is None and at is not None and at >= 0 and prog.steps[at][0] == "backward":
        stage("finite differences")
        fd = fd_check(prog, at, mine, mytorch)
        kind = "torch-refused" if fd == "ok" else "torch-refused-unchecked" if fd is None else "differ"
        detail = f"{fd}: {detail}" if fd else detail
    elif kind == "differ" and detail.startswith("torch raised"):
        kind = "torch-refused-unchecked"  # (every record before agrees: listed, to be read)
    return kind, detail


def fuzz(seeds: range, torch: Any, mytorch: Any) -> dict[str, list[tuple[int, str]]]:
    """Run the programs of ``seeds`` in this process; outcomes grouped by kind, each (seed, detail)."""
    out: dict[str, list[tuple[int, str]]] = collections.defaultdict(list)
    for seed in seeds:
        kind, detail = run_one(seed, torch, mytorch)
        out[kind].append((seed, detail))
    return out


def _worker(start: int, stop: int) -> None:
    """Run seeds ``start`` to ``stop``, one JSON line per stage and per outcome, flushed (a crash
    of either library's native code then shows where it happened)."""
    import torch

    import mytorch

    torch.set_num_threads(1)
    for seed in range(start, stop):

        def stage(name: str, seed: int = seed) -> None:
            print(json.dumps({"seed": seed, "stage": name}), flush=True)

        kind, detail = run_one(seed, torch, mytorch, stage)
        print(json.dumps({"seed": seed, "kind": kind, "detail": detail}), flush=True)


def _chunk(start: int, stop: int) -> list[tuple[int, str, str]]:
    """Seeds ``start`` to ``stop`` in worker processes; a seed whose process crashed is an outcome
    ``crash in <stage>`` and the rest go on in a new worker."""
    results: list[tuple[int, str, str]] = []
    while start < stop:
        proc = subprocess.run(
            [sys.executable, __file__, "--worker", str(start), str(stop)], capture_output=True, text=True, check=False
        )
        last = (start, "draw")
        for line in proc.stdout.splitlines():
            rec = json.loads(line)
            if "kind" in rec:
                results.append((rec["seed"], rec["kind"], rec["detail"]))
                last = (rec["seed"] + 1, "draw")
            else:
                last = (rec["seed"], rec["stage"])
        if proc.returncode == 0:
            break
        results.append((last[0], f"crash in {last[1]}", f"exit {proc.returncode}: {proc.stderr.strip()[-200:]}"))
        start = last[0] + 1
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--programs", type=int, default=1000)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--jobs", type=int, default=2, help="worker processes at once")
    ap.add_argument("--show", type=int, default=None, help="print one program and both outcomes")
    ap.add_argument("--verbose", action="store_true", help="list refusals and both-raise too")
    ap.add_argument("--worker", type=int, nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        _worker(*args.worker)
        return 0
    if args.show is not None:
        import torch

        import mytorch

        prog = draw(args.show, torch)
        print(describe(prog))
        ref, mine = execute(torch, prog), execute(mytorch, prog)
        print("torch error:", ref.error, "\nmytorch error:", mine.error)
        print(compare(mine, ref), run_one(args.show, torch, mytorch)[0])
        return 0
    size = max(1, min(250, args.programs // args.jobs))
    bounds = [
        (a, min(a + size, args.start + args.programs)) for a in range(args.start, args.start + args.programs, size)
    ]
    out: dict[str, list[tuple[int, str]]] = collections.defaultdict(list)
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for results in pool.map(lambda b: _chunk(*b), bounds):
            for seed, kind, detail in results:
                out[kind].append((seed, detail))
    print({k: len(v) for k, v in sorted(out.items())})
    listed = [k for k in out if k.startswith(("differ", "torch-refused", "crash"))]
    print("differ-after-.data: a leaf's .data written while its graph lives; PyTorch's backward reads the new data")
    for kind in sorted(listed) + (["refused", "both-raise"] if args.verbose else []):
        print(f"--- {kind}")
        if kind in ("refused", "both-raise"):
            reasons = collections.Counter(d.split(": ", 1)[-1][:110] for _, d in out[kind])
            for r, c in reasons.most_common(40):
                print(f"  {c:5d}  {r}")
        else:
            for seed, d in sorted(out[kind])[:80]:
                print(f"  seed {seed}: {d[:220]}")
    return 1 if out.get("differ") else 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())

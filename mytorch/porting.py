"""The small PyTorch names a ported script touches that have no work to do on NumPy, or little:
``set_num_threads``/``get_num_threads`` (recorded, not applied: NumPy's BLAS threads are set by its
environment variables), ``use_deterministic_algorithms`` (MyTorch is deterministic),
``compile`` (returns the model or function unchanged), ``seed``, the memory-format names; the random functions
``bernoulli``, ``multinomial``, ``normal``, ``poisson``; and the Tensor methods ``addcmul_``,
``addcdiv_``, ``lerp_``, ``bernoulli_``, ``exponential_``, ``random_``, ``detach_``, ``get_device``;
``is_floating_point`` and ``is_complex`` as functions.
"""

from __future__ import annotations

import builtins
import importlib
from typing import Any, cast

import numpy as np

from mytorch.arguments import ShapeRuntimeError, check_in
from mytorch.autograd_engine import no_grad
from mytorch.dtypes import as_dtype, get_default_dtype
from mytorch.factories import default_generator
from mytorch.size import Size
from mytorch.tensor import Tensor, _accumulate, _copy, _truncated, check_setting
from mytorch.tensor_graph import post_hooks
from mytorch.tensor_math import where as _where
from mytorch.tensor_order import histc as _histc
from mytorch.tensor_pointwise import _tensor, addcdiv, addcmul, lerp

__all__ = [
    "are_deterministic_algorithms_enabled",
    "broadcast_shapes",
    "cumulative_trapezoid",
    "renorm",
    "trapezoid",
    "trapz",
    "autocast",
    "divide",
    "dtype",
    "get_float32_matmul_precision",
    "multiply",
    "set_float32_matmul_precision",
    "subtract",
    "channels_last",
    "contiguous_format",
    "preserve_format",
    "bernoulli",
    "compile",
    "get_num_interop_threads",
    "clamp_",
    "clone",
    "get_num_threads",
    "is_complex",
    "is_nonzero",
    "is_floating_point",
    "multinomial",
    "normal",
    "poisson",
    "seed",
    "set_num_interop_threads",
    "set_num_threads",
    "use_deterministic_algorithms",
]

contiguous_format, preserve_format, channels_last = "contiguous_format", "preserve_format", "channels_last"
"""PyTorch's memory formats, accepted where it takes them (``clone(memory_format=...)``); MyTorch's
copies are always row-major."""

_SETTINGS: dict[str, Any] = {"threads": 1, "interop_threads": 1, "deterministic": False, "matmul_precision": "highest"}


dtype = np.dtype
"""The class of MyTorch's dtypes, which are NumPy's: ``isinstance(t.dtype, torch.dtype)`` holds."""


def divide(input: Any, other: Any, *, rounding_mode: str | None = None) -> Tensor:  # noqa: A002
    """PyTorch's other name of ``div``."""
    return _tensor(input).div(other, rounding_mode=rounding_mode)


def multiply(input: Any, other: Any) -> Tensor:  # noqa: A002
    """PyTorch's other name of ``mul``."""
    return _tensor(input).mul(other)


def subtract(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:  # noqa: A002
    """PyTorch's other name of ``sub``."""
    return _tensor(input).sub(other, alpha=alpha)


def set_float32_matmul_precision(precision: str) -> None:
    """Remembered for ``get_float32_matmul_precision`` ("highest", "high" or "medium"); NumPy's
    float32 products always run at full float32 precision (PyTorch's "highest")."""
    if precision not in ("highest", "high", "medium"):
        raise RuntimeError(f"set_float32_matmul_precision: expected 'highest', 'high' or 'medium', got {precision!r}")
    _SETTINGS["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    """What ``set_float32_matmul_precision`` was given ("highest" before)."""
    return str(_SETTINGS["matmul_precision"])


class autocast:  # noqa: N801 - PyTorch's name
    """PyTorch's ``autocast(device_type, dtype=None, enabled=True, cache_enabled=None)``, as a
    block or a decorator: accepted, and every operation keeps computing in its tensors' own dtype
    (MyTorch has no bfloat16, and no mixed-precision kernels to choose)."""

    def __init__(
        self, device_type: str = "cpu", dtype: Any = None, enabled: bool = True, cache_enabled: Any = None
    ) -> None:
        self.device_type, self.dtype, self.enabled = device_type, dtype, builtins.bool(enabled)

    def __enter__(self) -> autocast:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def __call__(self, function: Any) -> Any:
        """``@autocast(...)`` over a function: the function itself."""
        return function


def set_num_threads(n: int) -> None:
    """Remembered for ``get_num_threads``; NumPy's BLAS takes its threads from its environment
    (``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``), set before Python starts."""
    _SETTINGS["threads"] = int(n)


def get_num_threads() -> int:
    """The number given to ``set_num_threads`` (1 before)."""
    return _SETTINGS["threads"]


def set_num_interop_threads(n: int) -> None:
    """Remembered for ``get_num_interop_threads``; nothing runs in parallel between operations."""
    _SETTINGS["interop_threads"] = int(n)


def get_num_interop_threads() -> int:
    """The number given to ``set_num_interop_threads`` (1 before)."""
    return _SETTINGS["interop_threads"]


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Remembered; every MyTorch operation is deterministic already."""
    _SETTINGS["deterministic"] = builtins.bool(mode)


def are_deterministic_algorithms_enabled() -> bool:
    """What ``use_deterministic_algorithms`` was last given."""
    return builtins.bool(_SETTINGS["deterministic"])


def compile(model: Any = None, **options: Any) -> Any:  # noqa: A001 - PyTorch's name
    """``model`` itself (a module or function): MyTorch has no compiler (its ``replay`` records a
    training step once and replays it; see docs/performance.md). As a decorator too."""
    if model is None:
        return lambda f: f
    return model


def seed() -> int:
    """Reseed ``default_generator`` from the operating system's entropy; returns the new seed."""
    return default_generator.seed()


def _generator(generator: Any) -> np.random.Generator:
    return default_generator if generator is None else generator


def bernoulli(input: Any, p: Any = None, *, generator: Any = None) -> Tensor:  # noqa: A002
    """0 or 1 per element, 1 with probability ``input`` (or ``p``), in ``input``'s dtype."""
    x = _tensor(input)
    probs = np.asarray(x._data if p is None else p, dtype=np.float64)
    draws = _generator(generator).random(x.shape) < probs
    return Tensor(draws.astype(x.dtype if x.dtype.kind == "f" else get_default_dtype()))


def multinomial(input: Any, num_samples: int, replacement: bool = False, *, generator: Any = None) -> Tensor:  # noqa: A002
    """``num_samples`` category indices per row of weights ``input`` (1-D or 2-D, not normalized),
    int64; without ``replacement`` each index at most once per row.

    Raises:
        ValueError: negative weights, a row of zeros, or more samples than categories without replacement.
    """
    weights = np.asarray(_tensor(input)._data, dtype=np.float64)
    rows = weights.reshape(-1, weights.shape[-1]) if weights.ndim else weights.reshape(1, 1)
    if (rows < 0).any() or not np.isfinite(rows).all() or (rows.sum(-1) <= 0).any():
        raise ShapeRuntimeError(
            "multinomial: weights must be finite, non-negative, and add up to more than 0 in every row"
        )
    if not replacement and num_samples > rows.shape[-1]:
        raise ValueError(f"multinomial: {num_samples} samples without replacement from {rows.shape[-1]} categories")
    rng = _generator(generator)
    picks = [rng.choice(row.size, num_samples, replace=replacement, p=row / row.sum()) for row in rows]
    out = np.asarray(picks, dtype=np.int64)
    return Tensor(out[0] if weights.ndim == 1 else out)


def normal(mean: Any = 0.0, std: Any = 1.0, size: Any = None, *, generator: Any = None, dtype: Any = None) -> Tensor:
    """Normal draws with ``mean`` and ``std`` (numbers or tensors, broadcast; ``size`` for numbers)."""
    m = np.asarray(mean._data if isinstance(mean, Tensor) else mean, dtype=np.float64)
    s = np.asarray(std._data if isinstance(std, Tensor) else std, dtype=np.float64)
    shape = tuple(size) if size is not None else np.broadcast_shapes(m.shape, s.shape)
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    kind = as_dtype(dtype, "normal") or (tensors[0].dtype if tensors else get_default_dtype())
    return Tensor(_generator(generator).normal(m, s, shape).astype(kind))


def poisson(input: Any, *, generator: Any = None) -> Tensor:  # noqa: A002
    """A Poisson draw per element, with rate ``input``, in ``input``'s dtype."""
    x = _tensor(input)
    return Tensor(_generator(generator).poisson(x._data).astype(x.dtype))


def _check_castable(name: str, made: np.dtype, given: np.dtype, into: str) -> None:
    """PyTorch's canCast for a result written into an existing tensor: a float result into an
    integer or bool one, a complex one into a real one or a number into bool would be truncated
    silently by the copy, so it is refused, naming the two dtypes."""
    if _truncated(made, given):
        raise RuntimeError(
            f"{name}: result type {made} can't be cast to the desired output type {given} (as in PyTorch); {into}"
        )


def _read_before_writing(t: Tensor) -> Tensor:
    """What an in-place method written as ``copy_`` computes from: ``t`` itself, or, when ``t`` is in
    the graph, a recorded copy, so that a backward reading the input (``abs``, ``clamp``, the norm of
    ``renorm``) reads that copy and not the array ``copy_`` then overwrites (``absolute_``, ``clip_``
    and ``renorm_`` of a result in the graph raised "modified by an in-place operation" at
    ``backward`` until 2026-12-04)."""
    return _copy(t) if t.requires_grad else t


def _in_place(name: str, make: Any) -> Any:
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        result = make(_read_before_writing(self), *args, **kwargs)
        _check_castable(
            name, result._data.dtype, self._data.dtype, f"convert the tensor first, t = t.float().{name}(...)"
        )
        return self.copy_(result)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"``{name[:-1]}`` in place (written as ``copy_``, so in the graph); returns self."
    return method


def _bernoulli(rng: np.random.Generator, shape: Any, p: Any = 0.5) -> np.ndarray:
    """``bernoulli_``'s draws: 1 with probability ``p`` (a p of 2 gave all ones, a NaN all zeros)."""
    chance = np.asarray(p._data if isinstance(p, Tensor) else p)
    check_in("bernoulli_", "p", p, np.all((chance >= 0) & (chance <= 1)), "in [0, 1]")
    return rng.random(shape) < chance


def _exponential(rng: np.random.Generator, shape: Any, lambd: Any = 1.0) -> np.ndarray:
    """``exponential_``'s draws (a NaN lambd made NaN values; 0 was a ZeroDivisionError)."""
    check_in("exponential_", "lambd", lambd, lambd > 0, "greater than 0")
    return rng.exponential(1.0 / lambd, shape)


def _random_in_place(name: str, draw: Any, continuous: bool = False, bounds: bool = False) -> Any:
    """The in-place method ``name`` drawing by ``draw(generator, shape, *args)``; with ``bounds``, the
    last value ``random_(from, to)`` can draw, to - 1, must be one the dtype holds, as PyTorch requires
    (``random_(0, 70000)`` of float16 drew infs)."""

    def method(self: Tensor, *args: Any, generator: Any = None, **kwargs: Any) -> Tensor:
        if continuous and self._data.dtype.kind != "f":  # (the draws would be truncated silently)
            raise TypeError(f"{name}: fills floating-point tensors, this one is {self.dtype}")
        if bounds and args:
            check_setting(name, "to - 1", args[-1] - 1, self._data.dtype)
        values = draw(_generator(generator), self.shape, *args, **kwargs)
        return self.copy_(Tensor(np.asarray(values).astype(self.dtype)))

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"Fill with random numbers in place (PyTorch's ``{name}``); returns self."
    return method


def is_floating_point(input: Any) -> builtins.bool:  # noqa: A002 - PyTorch's name
    """Whether ``input``'s dtype is a floating-point one (``t.is_floating_point()``)."""
    return builtins.bool(_tensor(input)._data.dtype.kind == "f")


def is_complex(input: Any) -> builtins.bool:  # noqa: A002 - PyTorch's name
    """Whether ``input``'s dtype is a complex one (``t.is_complex()``)."""
    return builtins.bool(_tensor(input)._data.dtype.kind == "c")


def backward_into(output: Tensor, inputs: Any, gradient: Any, retain_graph: Any, create_graph: bool) -> None:
    """``output.backward(inputs=...)``: the gradient of ``output`` added into the ``.grad`` of the
    given tensors only (leaves or not), as PyTorch's; the other leaves' ``.grad`` are left alone.

    Raises:
        RuntimeError: ``inputs`` is empty, or holds something that is not a Tensor.
    """
    from mytorch.backward_graph import grad

    given = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if not given or not all(isinstance(t, Tensor) for t in given):
        raise RuntimeError("backward: inputs must be a Tensor or a non-empty sequence of Tensors")
    if gradient is None and output.numel() != 1:
        raise ShapeRuntimeError(
            "backward: a gradient can be implied only for a one-element tensor; this one has shape "
            f"{tuple(output.shape)}, "
            "so pass gradient="
        )
    targets = list({id(t): t for t in given}.values())  # (a tensor given twice gets its gradient once)
    held = [t._grad for t in targets]
    grads = grad(
        [output],
        targets,
        grad_outputs=None if gradient is None else [gradient],
        retain_graph=retain_graph,
        create_graph=create_graph,
        allow_unused=True,
    )
    for target, before, g in zip(targets, held, grads):
        if g is None or target._grad is not before:  # (unused; or retained: grad set its .grad already)
            continue
        if create_graph:  # (in the graph, out of place, as PyTorch's)
            target.grad = g if before is None else before + g
        else:  # in place into a .grad the user may hold, in its dtype, as PyTorch's
            _accumulate(target, g._data)
        post_hooks(target)


def clone(input: Any, *, memory_format: Any = None) -> Tensor:  # noqa: A002 - PyTorch's name
    """``torch.clone(t)``: ``t.clone()``."""
    return _tensor(input).clone()


def clamp_(input: Tensor, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002 - PyTorch's names
    """``torch.clamp_(t, min, max)``: ``t.clamp_(min, max)``."""
    return input.clamp_(min, max)


def is_nonzero(input: Any) -> builtins.bool:  # noqa: A002 - PyTorch's name
    """``torch.is_nonzero(t)``: ``t.is_nonzero()``."""
    return builtins.bool(_tensor(input).is_nonzero())


def _cuda(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """``t.cuda()``: refused, naming what to write instead."""
    raise ValueError("cuda: MyTorch runs on NumPy, on the CPU only (mytorch.cuda.is_available() is False); use t.cpu()")


OUT_FUNCTIONS = (
    "add sub mul div true_divide matmul mm bmm mv exp log log1p sqrt rsqrt abs neg sin cos tanh sigmoid pow clamp "
    "clip cumsum cumprod sum mean prod cat stack where maximum minimum floor ceil round sign remainder fmod addmm "
    "lerp addcmul addcdiv logsumexp outer tril triu"
).split()
"""The functions of ``mytorch`` that take PyTorch's ``out=`` (through ``with_out``)."""


def with_out(function: Any) -> Any:
    """``function`` taking PyTorch's ``out=``: the result written into the given tensor (resized
    to the result's shape if it differs) and that tensor returned. As in PyTorch, refused while
    recording (an ``out=`` result has no gradient), and into a dtype the result cannot be cast to
    (a float result into an integer or bool tensor, a complex one into a real one)."""
    from mytorch.autograd_engine import is_grad_enabled, no_grad

    def call(*args: Any, out: Tensor | None = None, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        if out is None:
            return result
        if not isinstance(out, Tensor):
            raise TypeError(f"{function.__name__}: out must be a Tensor, got {type(out).__name__}")
        if is_grad_enabled() and (result.requires_grad or out.requires_grad):
            raise RuntimeError(
                f"{function.__name__}(): functions with out=... arguments don't support automatic differentiation "
                "(as in PyTorch); call it under no_grad, or without out="
            )
        _check_castable(
            function.__name__,
            result._data.dtype,
            out._data.dtype,
            "give out= a tensor of a dtype that holds the result",
        )
        with no_grad():
            if tuple(out.shape) != tuple(result.shape):
                out.resize_(*result.shape)
            out.copy_(result)
        return out

    call.__name__ = call.__qualname__ = function.__name__
    call.__doc__ = function.__doc__
    call.__wrapped__ = function  # type: ignore[attr-defined]
    return call


def broadcast_shapes(*shapes: Any) -> Size:
    """The shape ``shapes`` broadcast to (each a sequence of sizes, or one int), as PyTorch's: a ``Size``
    (a plain tuple until 2026-12-05).

    Raises:
        RuntimeError: shapes that do not broadcast (PyTorch's error type).
    """
    try:
        return Size(np.broadcast_shapes(*[(s,) if isinstance(s, int) else tuple(s) for s in shapes]))
    except ValueError as error:
        raise ShapeRuntimeError(f"broadcast_shapes: shapes {list(shapes)} do not broadcast ({error})") from None


def _spacing(y: Tensor, x: Any, dx: Any, dim: int, op: str) -> tuple[Tensor, Tensor, Any]:
    """The trapezoids' two sides (the samples without the last, without the first) and their widths.
    Integer (and bool) samples and points are taken in the default float dtype first: their sums
    wrapped around (int8 [100, 120, 127] gave -22.5 for 233.5; PyTorch's trapezoid gives 361.5)."""
    from mytorch.arguments import check_dim

    if y.dtype.kind in "biu":
        y = y.to(get_default_dtype())
    if isinstance(x, Tensor) and x.dtype.kind in "biu":
        x = x.to(get_default_dtype())
    d = check_dim(op, dim, builtins.max(y.ndim, 1))
    n = y.shape[d]
    left, right = y.narrow(d, 0, builtins.max(n - 1, 0)), y.narrow(d, 1, builtins.max(n - 1, 0))
    if x is None:
        return left, right, 1.0 if dx is None else dx
    if dx is not None:
        raise TypeError(f"{op}: give x or dx, not both")
    points = x if isinstance(x, Tensor) else Tensor(np.asarray(x, dtype=y.dtype))
    if points.ndim == 1:  # (1-D sample points along dim)
        widths = points[1:] - points[:-1]
        shape = [1] * y.ndim
        shape[d] = n - 1
        return left, right, widths.reshape(shape)
    m = points.shape[d]
    return left, right, points.narrow(d, 1, m - 1) - points.narrow(d, 0, m - 1)


def trapezoid(y: Any, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """The trapezoidal rule along ``dim``: sum of (y[i] + y[i+1]) / 2 times the spacing (``dx``, 1
    by default, or the differences of the sample points ``x``), recorded."""
    values = _tensor(y)
    left, right, widths = _spacing(values, x, dx, dim, "trapezoid")
    return ((left + right) * widths / 2).sum(dim)


def trapz(y: Any, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """PyTorch's older name of ``trapezoid``."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y: Any, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """The running trapezoidal integral along ``dim`` (one fewer element than ``y``), recorded."""
    values = _tensor(y)
    left, right, widths = _spacing(values, x, dx, dim, "cumulative_trapezoid")
    return ((left + right) * widths / 2).cumsum(dim)


def renorm(input: Any, p: float, dim: int, maxnorm: float) -> Tensor:  # noqa: A002 - PyTorch's name
    """Each slice of ``input`` along ``dim`` whose ``p``-norm exceeds ``maxnorm`` scaled to norm
    ``maxnorm`` (by maxnorm / (norm + 1e-7), as PyTorch's), the others kept; recorded, the
    scale differentiated too (knowledge-graph embeddings keep their rows in the unit ball so)."""
    from mytorch.arguments import check_dim

    x = _tensor(input)
    check_in("renorm", "p", p, p > 0, "greater than 0")  # (p <= 0 and a negative maxnorm, which flipped the
    check_in("renorm", "maxnorm", maxnorm, maxnorm >= 0, "at least 0")  # signs, are PyTorch's refusals)
    d = check_dim("renorm", dim, builtins.max(x.ndim, 1))
    others = tuple(k for k in range(x.ndim) if k != d)
    one = Tensor(np.ones((), dtype=x.dtype))
    with no_grad():
        big = Tensor(np.asarray((x.norm(p, dim=others, keepdim=True) if others else x.abs())._data > maxnorm))
    # the norms of the kept slices are taken of ones: their scale is 1, a constant, and a NaN in
    # such a slice would otherwise reach its gradient (0 times the norm's NaN slope)
    scaled = cast(Tensor, _where(big, x, one))
    norms = scaled.norm(p, dim=others, keepdim=True) if others else scaled.abs()
    return x * _where(big, maxnorm / (norms + 1e-7), one)


def _renorm_(self: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """``renorm`` in place."""
    return self.copy_(renorm(_read_before_writing(self), p, dim, maxnorm))


def _unique_consecutive(self: Tensor, *args: Any, **kwargs: Any) -> Any:
    """``mytorch.unique_consecutive(self, ...)``."""
    from mytorch.tensor_order import unique_consecutive

    return unique_consecutive(self, *args, **kwargs)


def _fill_diagonal_(self: Tensor, fill_value: Any, wrap: builtins.bool = False) -> Tensor:
    """The main diagonal set to ``fill_value``, in place (a matrix, or a tensor whose axes all have
    one length; ``wrap``: a tall matrix's diagonal starts again below, as PyTorch's)."""
    if self.ndim < 2 or (self.ndim > 2 and len(set(self.shape)) != 1):
        raise ValueError(
            f"fill_diagonal_: the tensor must be 2-D, or have every axis of one length; got shape {tuple(self.shape)}"
        )
    mask = np.zeros(self.shape, dtype=bool)
    np.fill_diagonal(mask, True, wrap=wrap)
    return self.masked_fill_(Tensor(mask), fill_value)


def _detach_(self: Tensor) -> Tensor:
    """``self`` made a leaf that does not require grad, in place (PyTorch's ``detach_``). A view
    (``y[0:2]``, ``y.t()``, ``y.unbind(0)[0]``) is refused, as in PyTorch: detached, it still shares
    its base's memory, so a later in-place write through it would change the base unseen by
    autograd (``v = y[:2]; v.detach_(); v.mul_(10)`` gave y's gradient as if nothing was written)."""
    if getattr(self, "_base", None) is not None:
        raise RuntimeError(
            f"detach_: this tensor (shape {tuple(self.shape)}) is a view of another tensor; a view cannot be "
            "detached in place (as in PyTorch): use detach(), which gives a new tensor"
        )
    self._tape = None
    self.requires_grad = False
    return self


def _decomposition(name: str) -> Any:
    def method(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        import mytorch

        return getattr(mytorch, name)(self, *args, **kwargs)

    method.__name__ = name
    method.__doc__ = f"``mytorch.{name}(self, ...)``."
    return method


def _sparse() -> Any:
    """``mytorch.sparse``, loaded when a tensor is first made sparse."""
    return importlib.import_module("mytorch.sparse")


METHODS = {
    "bernoulli": bernoulli,  # (probs.bernoulli(): a 0/1 draw per element)
    "multinomial": multinomial,  # (probs.multinomial(1): sampling the next token)
    "fill_diagonal_": _fill_diagonal_,
    "renorm": renorm,
    "renorm_": _renorm_,
    "unique_consecutive": _unique_consecutive,
    "svd": _decomposition("svd"),
    "qr": _decomposition("qr"),
    "pinverse": _decomposition("pinverse"),
    "addcmul_": _in_place("addcmul_", addcmul),
    "addcdiv_": _in_place("addcdiv_", addcdiv),
    "lerp_": _in_place("lerp_", lerp),
    "bernoulli_": _random_in_place("bernoulli_", _bernoulli),
    "exponential_": _random_in_place("exponential_", _exponential, continuous=True),
    "random_": _random_in_place(
        "random_",
        lambda rng, shape, low=0, high=None: (
            rng.integers(0, low, shape) if high is None else rng.integers(low, high, shape)
        ),
        bounds=True,
    ),
    "detach_": _detach_,
    "get_device": lambda self: -1,
    "is_complex": is_complex,
    "cuda": _cuda,
    "ndimension": lambda self: self._data.ndim,
    "nan_to_num_": _in_place("nan_to_num_", lambda t, *a, **k: t.nan_to_num(*a, **k)),
    "clip_": _in_place("clip_", lambda t, *a, **k: t.clamp(*a, **k)),
    "absolute_": _in_place("absolute_", lambda t: t.abs()),
    # PyTorch's other spellings of MyTorch's methods
    "multiply": lambda self, other: self.mul(other),
    "multiply_": lambda self, other: self.mul_(other),
    "divide": lambda self, other, *, rounding_mode=None: self.div(other, rounding_mode=rounding_mode),
    "divide_": lambda self, other, *, rounding_mode=None: self.div_(other, rounding_mode=rounding_mode),
    "subtract": lambda self, other, *, alpha=1: self.sub(other, alpha=alpha),
    "subtract_": lambda self, other, *, alpha=1: self.sub_(other, alpha=alpha),
    "ger": lambda self, vec2: self.outer(vec2),
    "where": lambda self, condition, other: _where(condition, self, other),
    "histc": lambda self, bins=100, min=0, max=0: _histc(self, bins, min, max),  # noqa: A006 - PyTorch's names
    "pin_memory": lambda self, device=None: self,
    "to_sparse": lambda self, *args, **kwargs: _sparse().to_sparse(self, *args, **kwargs),
    "to_sparse_coo": lambda self: _sparse().to_sparse(self),
    # questions about where and how the values are stored: a NumPy array on the CPU
    "is_cpu": property(lambda self: True, doc="True: MyTorch's tensors are on the CPU."),
    "is_sparse": property(lambda self: False, doc="False: MyTorch's tensors are dense."),
    "is_quantized": property(lambda self: False, doc="False."),
    "is_meta": property(lambda self: False, doc="False."),
    "is_nested": property(lambda self: False, doc="False."),
    "is_pinned": lambda self, device=None: False,
    "is_inference": lambda self: False,
    "is_signed": lambda self: self._data.dtype.kind in "ifc",
    "nbytes": property(lambda self: self._data.nbytes, doc="The values' size in bytes."),
    "itemsize": property(lambda self: self._data.itemsize, doc="One element's size in bytes."),
    "data_ptr": lambda self: self._data.__array_interface__["data"][0],
}
"""The Tensor methods above (bound by ``mytorch.tensor_methods``)."""

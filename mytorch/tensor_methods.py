"""The Tensor methods with PyTorch's names, bound onto ``Tensor`` in one place.

The functions live in ``mytorch.tensor_shape``, ``mytorch.tensor_math`` and
``mytorch.tensor_graph`` (``t.view(2, -1)`` is ``view(t, 2, -1)``); this file adds the
conversions and the questions about a tensor's size, and binds them all (``METHODS`` at the
bottom). ``mytorch/__init__.py`` imports it, so
every ``Tensor`` has these methods whichever module was imported first.

Conversions: ``float()``, ``double()``, ``half()`` (recorded: the ``cast`` kernel, so a
gradient flows back in the input's dtype), ``long()``, ``int()``, ``bool()`` (not
differentiable: the result needs no gradient), ``to(dtype)``, ``to("cpu")``, ``to(other)``,
``type(dtype)``, ``cpu()``. Masks combine with ``&``, ``|``, ``^`` and ``~``.
"""

from __future__ import annotations

import builtins
import operator
from collections.abc import Iterable
from typing import Any

import numpy as np

from mytorch import (
    factories,
    porting,
    spectral,
    tensor_complex,
    tensor_composed,
    tensor_graph,
    tensor_index,
    tensor_layout,
    tensor_math,
    tensor_matrix,
    tensor_missing,
    tensor_order,
    tensor_pointwise,
    tensor_select,
    tensor_shape,
    tensor_sort,
    tensor_special,
    tensor_stats,
)
from mytorch.arguments import check_in
from mytorch.autograd_engine import enable_grad
from mytorch.dtypes import as_dtype, check_finite_into
from mytorch.factories import default_generator, device
from mytorch.saved import is_held, write_begin, write_end
from mytorch.tensor import Tensor, _apply, _assign, _check_inplace, _GradMode, _promoted_dtype, _wrapping, check_setting

__all__ = ["METHODS"]

_TYPE_NAMES = {
    np.dtype(np.float16): "HalfTensor",
    np.dtype(np.float32): "FloatTensor",
    np.dtype(np.float64): "DoubleTensor",
    np.dtype(np.uint8): "ByteTensor",
    np.dtype(np.int8): "CharTensor",
    np.dtype(np.int16): "ShortTensor",
    np.dtype(np.int32): "IntTensor",
    np.dtype(np.int64): "LongTensor",
    np.dtype(np.bool_): "BoolTensor",
    np.dtype(np.complex64): "ComplexFloatTensor",
    np.dtype(np.complex128): "ComplexDoubleTensor",
}
_TYPES_NAMED = {f"torch.{name}": dtype for dtype, name in _TYPE_NAMES.items()}


def _convert(self: Tensor, dtype: Any) -> Tensor:
    """This tensor in ``dtype``: itself if it already is; recorded (kernel ``cast``) between
    floating-point dtypes and into a complex one; outside any graph otherwise (integers carry no
    gradient; complex into real drops the imaginary parts, with NumPy's warning)."""
    dtype = as_dtype(dtype, "to")
    if self.dtype == dtype:
        return self
    if (dtype.kind == "f" and self.dtype.kind == "f") or (dtype.kind == "c" and self.dtype.kind in "fc"):
        return _apply("cast", (self,), {"dtype": dtype})
    data = self._data
    check_finite_into(data, dtype, "to")  # (NumPy and PyTorch give an arbitrary number: -2**63 for NaN)
    return Tensor(data.astype(dtype))


def _is_device(arg: Any) -> builtins.bool:
    """ "cpu", "cuda:0", a ``torch.device``-like object: anything that is not a dtype."""
    if isinstance(arg, str):
        return arg.split(":")[0] in ("cpu", "cuda", "mps")
    return type(arg).__name__ == "device"


def _to(
    self: Tensor, *args: Any, dtype: Any = None, device: Any = None, copy: builtins.bool = False, **ignored: Any
) -> Tensor:
    """``t.to(dtype)``, ``t.to("cpu")``, ``t.to("cpu", dtype)``, ``t.to(other)`` (other's dtype);
    after them PyTorch's ``non_blocking`` and ``copy``, by position too.

    ``copy=True`` gives new memory, recorded (kernel ``clone``), also when nothing else changes
    (until 2026-12-04 it was ignored: ``w.to(torch.float64, copy=True)`` of a float64 ``w`` was
    ``w`` itself, and followed its later updates). ``non_blocking`` is accepted and ignored; the
    only device is "cpu".
    """
    flags = []  # (non_blocking, copy) given by position
    for arg in args:
        if isinstance(arg, Tensor):
            dtype = arg.dtype
        elif _is_device(arg):
            device = arg
        elif isinstance(arg, builtins.bool):
            flags.append(arg)
        else:
            dtype = arg
    if len(flags) > 1:
        copy = flags[1]
    if device is not None and str(device) != "cpu":
        raise ValueError(f"to: MyTorch runs on NumPy, so the only device is 'cpu', got {device!r}")
    result = self if dtype is None else _convert(self, dtype)
    return _clone(self) if copy and result is self else result


def _type(self: Tensor, dtype: Any = None) -> Tensor | str:
    """``t.type()``: the type's name as PyTorch gives it ("torch.FloatTensor"; "mytorch.FloatTensor"
    until 2026-12-04); ``t.type(dtype)``: ``t.to(dtype)``, the dtype also given by such a name
    ("torch.DoubleTensor", as PyTorch takes it; "mytorch.DoubleTensor" too)."""
    if dtype is None:
        return f"torch.{_TYPE_NAMES.get(self.dtype, str(self.dtype))}"
    if isinstance(dtype, str):
        named = _TYPES_NAMED.get(dtype[2:] if dtype.startswith("my") else dtype)
        if named is None:
            raise ValueError(f"type: {dtype!r} names no tensor type (such as 'torch.FloatTensor')")
        dtype = named
    return _convert(self, dtype)


def _size(self: Tensor, dim: int | None = None) -> tuple[int, ...] | int:
    """The shape (a ``Size``, PyTorch's ``torch.Size``), or the length of axis ``dim``."""
    return self.shape if dim is None else self.shape[dim]


def _dim(self: Tensor) -> int:
    """The number of axes."""
    return self._data.ndim


def _is_floating_point(self: Tensor) -> builtins.bool:
    """Whether the dtype is a floating-point one."""
    return self._data.dtype.kind == "f"


def _clone(self: Tensor, *, memory_format: Any = None) -> Tensor:
    """A copy with its own memory, in the graph (kernel ``clone``): the gradient flows through
    (``memory_format`` is accepted: MyTorch's copies are row-major)."""
    return _apply("clone", (self,))


def _format(self: Tensor, spec: str) -> str:
    """``f"{loss:.4f}"``: a one-element 0-d tensor formats as its number, as PyTorch's does; any
    other tensor takes only the empty format (``f"{t}"``, its ``str``)."""
    if self._data.ndim == 0:
        return format(self.item(), spec)
    return object.__format__(self, spec)


def _contiguous(self: Tensor, memory_format: Any = None) -> Tensor:
    """This tensor if its memory is laid out row by row, else a copy that is (kernel ``clone``);
    PyTorch's ``memory_format`` is accepted (MyTorch's layouts are row-major)."""
    return self if self._data.flags.c_contiguous else _apply("clone", (self,))


def _is_contiguous(self: Tensor) -> builtins.bool:
    """Whether its memory is laid out row by row (C order)."""
    return builtins.bool(self._data.flags.c_contiguous)


def check_ends(op: str, dtype: np.dtype, ends: Iterable[tuple[str, Any]]) -> None:
    """The ends of a uniform draw (``uniform_``, ``init.uniform_``) as PyTorch requires them: finite
    numbers ``dtype`` holds (``check_setting``; 70000.0 drew infs into float16, inf NaNs)."""
    for name, value in ends:
        check_setting(op, name, value, dtype)
        if isinstance(value, (builtins.int, builtins.float, np.number)) and not np.isfinite(value):
            raise RuntimeError(f"{op}: {name}={value} is not a finite number")


def _normal(rng: np.random.Generator, mean: Any = 0.0, std: Any = 1.0, *, size: Any) -> np.ndarray:
    """``normal_``'s draws (a NaN std made NaN values; a negative one NumPy's "scale < 0")."""
    check_in("normal_", "std", std, std >= 0, "at least 0")
    return rng.normal(mean, std, size)


def _random_fill(name: str, draw: Any, bounds: builtins.bool = False) -> Any:
    """The in-place method ``name``: every element drawn by ``draw(generator, *args, size)``, from
    ``generator`` or ``mytorch.default_generator``, written as ``copy_`` does (so refused on a leaf
    that requires grad while recording, as in PyTorch; ``nn.init`` is the way for parameters).
    With ``bounds``, the arguments are the range's ends, which the dtype must hold (``check_setting``:
    ``uniform_(0, 70000.0)`` of float16 drew infs, as PyTorch refuses it)."""

    def fill(self: Tensor, *args: Any, generator: np.random.Generator | None = None, **kwargs: Any) -> Tensor:
        if self.dtype.kind != "f":
            raise TypeError(f"{name}: fills floating-point tensors, this one is {self.dtype}")
        if bounds:
            check_ends(name, self._data.dtype, (*zip(("from", "to"), args), *kwargs.items()))
        values = draw(default_generator if generator is None else generator, *args, size=self.shape, **kwargs)
        return self.copy_(Tensor(np.asarray(values, dtype=self.dtype)))

    fill.__name__ = fill.__qualname__ = name
    fill.__doc__ = f"Fill with random numbers in place (PyTorch's ``{name}``); returns self."
    return fill


def _new(name: str, make: Any) -> Any:
    """The method ``name``: a new tensor from the factory ``make``, in this tensor's dtype unless
    ``dtype=`` says otherwise (PyTorch's ``new_zeros``, ``new_full``, ...)."""

    def new(
        self: Tensor,
        *args: Any,
        dtype: Any = None,
        device: Any = None,
        requires_grad: builtins.bool = False,
        **keywords: Any,  # (PyTorch's size=, fill_value=, data=)
    ) -> Tensor:
        dtype = self.dtype if dtype is None else dtype
        return make(*args, **keywords, dtype=dtype, device=device, requires_grad=requires_grad)

    new.__name__ = new.__qualname__ = name
    new.__doc__ = f"PyTorch's ``Tensor.{name}``: like ``mytorch.{name[4:]}``, in this tensor's dtype by default."
    return new


def _lu_method(name: str) -> Any:
    """``t.lu()``, ``b.lu_solve(LU, pivots)``, ``b.triangular_solve(A)``: PyTorch's older LU methods,
    from ``mytorch/linalg_lu.py`` (imported at the first call, as ``mytorch.linalg`` is)."""
    target = {"lu": "lu_old", "lu_solve": "lu_solve_old", "triangular_solve": "triangular_solve"}[name]

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Any:
        import importlib

        return getattr(importlib.import_module("mytorch.linalg_lu"), target)(self, *args, **kwargs)

    method.__name__ = name
    method.__doc__ = f"PyTorch's ``Tensor.{name}``: ``mytorch.{name}(self, ...)``."
    return method


def _cpu(self: Tensor) -> Tensor:
    """This tensor (it is on the CPU already)."""
    return self


_CPU = device("cpu")


def _device(self: Tensor) -> device:
    """``device(type='cpu')``: every tensor is on the CPU."""
    return _CPU


def _type_as(self: Tensor, other: Tensor) -> Tensor:
    """This tensor in ``other``'s dtype (itself if it already is)."""
    return _convert(self, other.dtype)


_SHIFTS = (operator.lshift, operator.rshift)


def _logical(op: Any, reflected: builtins.bool = False) -> Any:
    """``a & b``, ``a | b``, ``a ^ b`` on bool (or integer) tensors, ``a << b`` and ``a >> b`` on
    integer ones: a result outside any graph."""

    def method(self: Tensor, other: Any) -> Tensor:
        data = self._data
        values = other._data if isinstance(other, Tensor) else _wrapping(other, data)
        if values.dtype != data.dtype:  # PyTorch's promotion: uint8 | np.int64(2) stays uint8
            dtype = _promoted_dtype(data, values)
            if dtype.kind not in "biu":  # refused before the cast (uint8 & 70000.0 warned, then NumPy refused)
                raise TypeError(f"{op.__name__}: needs bool or integer operands, got {data.dtype} and {values.dtype}")
            data, values = data.astype(dtype, copy=False), values.astype(dtype, copy=False)
        if data.dtype.kind == "b" and op in _SHIFTS:  # (NumPy shifts bools as int8; PyTorch refuses)
            raise TypeError(f"{op.__name__}: shifts integers, not bool tensors")
        return Tensor(op(values, data) if reflected else op(data, values))

    return method


def _logical_inplace(op: Any, what: str) -> Any:
    """``a &= b``, ``a |= b``, ``a ^= b``: written into ``a`` itself, as PyTorch does (views of it and
    other names for it see the change; the memory's version is bumped). A result that ``a``'s dtype
    cannot hold (an integer into a bool tensor) is refused, as in PyTorch."""
    out_of_place = _logical(op)

    def method(self: Tensor, other: Any) -> Tensor:
        value = out_of_place(self, other)
        source, result = self._data.dtype.kind, value._data.dtype.kind
        if result != source and not (source in "iu" and result in "iub"):
            raise RuntimeError(
                f"{what}: the result's dtype {value._data.dtype} cannot be stored in the tensor's {self._data.dtype}"
            )
        return _assign(self, Ellipsis, value, what)

    return method


def _bitwise(name: str, op: Any, what: str) -> dict[str, Any]:
    """``__name__``, its reflected and its in-place method for the bitwise operator ``op``."""
    return {
        f"__{name}__": _logical(op),
        f"__r{name}__": _logical(op, reflected=True),
        f"__i{name}__": _logical_inplace(op, what),
    }


def _invert(self: Tensor) -> Tensor:
    """``~t``: logical not of a bool tensor (bitwise not of an integer one)."""
    return Tensor(~self._data)


_UNARY_IN_PLACE = (
    "abs neg exp log log1p log2 log10 expm1 sqrt rsqrt square reciprocal sin cos tanh sigmoid relu"
    " floor ceil round trunc sign asin acos atan erfc sinc arcsin arccos arctan atan2 arctan2 lgamma digamma erfinv"
    " sinh cosh tan asinh acosh atanh arcsinh arccosh arctanh erf exp2 frac fix sgn deg2rad rad2deg logit negative"
    " hypot copysign xlogy true_divide clamp_min clamp_max cumsum cumprod mvlgamma polygamma tril triu"
    " addmm addmv addbmm baddbmm eq ne lt le gt ge greater greater_equal less less_equal not_equal"
    " logical_and logical_or logical_xor logical_not igamma igammac"
).split()


def _unary_in_place(name: str) -> Any:
    """``t.exp_()`` and the like: ``t.exp()`` written into ``t`` (the rules of in-place operations:
    recorded as ``setitem`` while recording, refused on a leaf that requires grad). While recording,
    the op runs on a copy (``clone``), whose values a backward that reads its input (``square``,
    ``log``, ``sin``) keeps, as PyTorch's in-place ops save the old value; so does a binary one whose
    other operand alone requires grad (``y.atan2_(x)``, ``y.igamma_(x)``: until 2026-12-05 its backward
    read ``y`` after the write and raised). A float result into a bool or integer tensor (``sqrt_`` of
    int64) is refused, as in PyTorch."""

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:  # (args: atan2_'s other, cumsum_'s dim)
        recording = _GradMode.enabled and (
            self.requires_grad or any(isinstance(a, Tensor) and a.requires_grad for a in args)
        )
        source = self.clone() if recording else self
        value = getattr(source, name)(*args, **kwargs)
        if value.dtype.kind in "fc" and self.dtype.kind in "biu":
            raise RuntimeError(f"{name}_: a {value.dtype} result cannot be stored in the tensor's {self.dtype}")
        return _assign(self, Ellipsis, value, f"{name}_")

    method.__name__ = method.__qualname__ = f"{name}_"
    method.__doc__ = f"``{name}`` in place (returns this tensor)."
    return method


def _reshaped_in_place(name: str) -> Any:
    """``t.unsqueeze_(0)`` and the like: ``t`` takes the shape (and strides) of ``t.unsqueeze(0)``,
    the same memory seen another way. While recording, ``t`` becomes that view's node on the tape
    (kernel ``reshape`` or ``transpose``), refused on a leaf that requires grad, as in PyTorch; a
    recorded result is recorded so under ``no_grad`` too (else its graph would lose it). The values
    do not change, so other tensors sharing the memory, and what the tape saved of ``t``, stay valid."""
    shaped = getattr(tensor_shape, name)

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        if not self.requires_grad:
            self._data = shaped(self, *args, **kwargs)._data
            return self
        if self._tape is None:  # a leaf: plain under no_grad, PyTorch's refusal while recording
            if _GradMode.enabled:
                _check_inplace(self, f"{name}_")
            if is_held(self._data):
                # A graph that saved the leaf reads its current array in backward: the same values
                # laid out anew (w.t_() of a square w) gave the gradient of the old layout, silently.
                # The version moves, as PyTorch's t_() bumps it, and that backward raises.
                write_end(write_begin(self._data, f"{name}_"))
            self._data = shaped(self, *args, **kwargs)._data
            return self
        with enable_grad():
            view = shaped(self, *args, **kwargs)
        self._data, self._tape = view._data, view._tape
        return self

    method.__name__ = method.__qualname__ = f"{name}_"
    method.__doc__ = f"``{name}`` in place: this tensor takes the result's shape (returns this tensor)."
    return method


def _caster(dtype: Any, name: str) -> Any:
    def method(self: Tensor) -> Tensor:
        return _convert(self, dtype)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"This tensor as {np.dtype(dtype)} (itself if it already is)."
    return method


def _positive(self: Tensor) -> Tensor:
    """``+t``: the tensor itself, as PyTorch's (which refuses a bool tensor)."""
    if self._data.dtype.kind == "b":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return self


METHODS: dict[str, Any] = {
    # conversions and sizes
    "to": _to,
    "__pos__": _positive,
    "type": _type,
    "float": _caster(np.float32, "float"),
    "double": _caster(np.float64, "double"),
    "half": _caster(np.float16, "half"),
    "long": _caster(np.int64, "long"),
    "int": _caster(np.int32, "int"),
    "bool": _caster(np.bool_, "bool"),
    "short": _caster(np.int16, "short"),
    "byte": _caster(np.uint8, "byte"),
    "char": _caster(np.int8, "char"),
    "cpu": _cpu,
    "__format__": _format,
    "contiguous": _contiguous,
    "is_contiguous": _is_contiguous,
    "repeat": tensor_shape.repeat,
    "tile": tensor_shape.tile,
    "uniform_": _random_fill(
        "uniform_", lambda rng, low=0.0, high=1.0, *, size: rng.uniform(low, high, size), bounds=True
    ),
    "normal_": _random_fill("normal_", _normal),
    "new_zeros": _new("new_zeros", factories.zeros),
    "new_ones": _new("new_ones", factories.ones),
    "new_empty": _new("new_empty", factories.empty),
    "new_full": _new("new_full", factories.full),
    "new_tensor": _new("new_tensor", factories.tensor),
    "device": property(_device),
    "is_cuda": False,
    "type_as": _type_as,
    "clone": _clone,
    "size": _size,
    "dim": _dim,
    "numel": tensor_math.numel,
    "nelement": tensor_math.numel,
    "is_floating_point": _is_floating_point,
    # the graph
    "grad_fn": property(tensor_graph.grad_fn),
    "retain_grad": tensor_graph.retain_grad,
    "retains_grad": property(tensor_graph.retains_grad),
    "register_hook": tensor_graph.register_hook,
    "register_post_accumulate_grad_hook": tensor_graph.register_post_accumulate_grad_hook,
    # logic on masks
    **_bitwise("and", operator.and_, "&="),
    **_bitwise("or", operator.or_, "|="),
    **_bitwise("xor", operator.xor, "^="),
    # shifts of integers, with the same promotion (beside a NumPy array they were NumPy's, of NumPy's
    # promotion, until 2026-12-05: int16 for uint8 << an int8 array, a dtype that changed with NumPy 1)
    **_bitwise("lshift", operator.lshift, "<<="),
    **_bitwise("rshift", operator.rshift, ">>="),
    "__invert__": _invert,
    # shapes
    **{
        name: getattr(tensor_shape, name)
        for name in (
            "view",
            "view_as",
            "reshape",
            "reshape_as",
            "squeeze",
            "unsqueeze",
            "flatten",
            "permute",
            "transpose",
            "t",
            "expand",
            "expand_as",
            "split",
            "chunk",
            "unbind",
        )
    },
    **{f"{name}_": _reshaped_in_place(name) for name in ("squeeze", "unsqueeze", "transpose", "t")},
    "swapaxes_": _reshaped_in_place("transpose"),
    "swapdims_": _reshaped_in_place("transpose"),
    "masked_fill_": tensor_math.masked_fill_,
    # indexing along one axis
    **{
        name: getattr(tensor_index, name)
        for name in (
            "gather",
            "index_select",
            "scatter",
            "scatter_add",
            "scatter_",
            "scatter_add_",
            "index_fill",
            "index_fill_",
            "flip",
            "fliplr",
            "flipud",
            "repeat_interleave",
        )
    },
    # ordering
    **{name: getattr(tensor_sort, name) for name in ("sort", "argsort", "topk")},
    # math
    **{
        name: getattr(tensor_math, name)
        for name in (
            "sum",
            "mean",
            "max",
            "min",
            "amax",
            "amin",
            "argmax",
            "argmin",
            "norm",
            "var",
            "std",
            "prod",
            "cumsum",
            "neg",
            "add",
            "sub",
            "mul",
            "div",
            "pow",
            "clamp",
            "clip",
            "mm",
            "bmm",
            "dot",
            "softmax",
            "log_softmax",
            "logsumexp",
            "masked_fill",
            "eq",
            "ne",
            "lt",
            "le",
            "gt",
            "ge",
            "equal",
            "allclose",
            "isclose",
            "floor",
            "ceil",
            "round",
            "trunc",
            "sign",
            "remainder",
            "fmod",
            "floor_divide",
            "isnan",
            "isinf",
            "isfinite",
            "any",
            "all",
        )
    },
    **tensor_math.OPERATORS,
    **{name: getattr(tensor_select, name) for name in tensor_select.__all__},
    **{name: getattr(tensor_matrix, name) for name in tensor_matrix.__all__ if name != "cdist"},
    **{name: getattr(tensor_pointwise, name) for name in tensor_pointwise.__all__},
    **{name: getattr(tensor_stats, name) for name in tensor_stats.__all__},
    **{name: getattr(tensor_shape, name) for name in ("movedim", "narrow", "roll", "select", "resize_", "resize_as_")},
    **tensor_layout.METHODS,
    **tensor_composed.METHODS,
    **tensor_complex.METHODS,
    **porting.METHODS,
    **tensor_order.METHODS,
    **tensor_special.METHODS,
    **spectral.METHODS,
    "index_add": tensor_index.index_add,
    **{
        name: getattr(tensor_index, name)
        for name in (
            "index_copy",
            "index_copy_",
            "index_put",
            "index_put_",
            "masked_scatter",
            "masked_scatter_",
            "put",
            "put_",
        )
    },
    "index_add_": tensor_index.index_add_,
    **{name: _lu_method(name) for name in ("lu", "lu_solve", "triangular_solve")},
    "mT": property(lambda self: tensor_shape.transpose(self, -2, -1), doc="The last two axes swapped."),
    **{f"{name}_": _unary_in_place(name) for name in _UNARY_IN_PLACE},
}
"""Every method this file adds to ``Tensor``, by name."""

for _name, _method in METHODS.items():
    setattr(Tensor, _name, _method)

tensor_missing.install(Tensor)  # last: PyTorch's names still missing say so (NotInMyTorchError)

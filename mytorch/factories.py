"""Making tensors, PyTorch's way: ``tensor``, ``zeros``, ``arange``, ``randn``, ... and the seed.

Dtypes follow PyTorch: Python floats become the default dtype (float32, see
``mytorch.dtypes``), Python ints int64, Python bools bool; an array (or a NumPy scalar)
keeps its own dtype, so ``mytorch.tensor(np.zeros(3))`` is float64. Every factory takes
``dtype=`` and ``requires_grad=`` (only floating-point tensors may require a gradient) and
accepts ``device="cpu"``, the only device there is.

Random numbers come from one module-level ``numpy.random.Generator``,
``mytorch.default_generator``; ``manual_seed(s)`` reseeds it, so a script that seeds first is
reproducible. Like PyTorch's, it starts from a fixed seed. The values differ from
PyTorch's for the same seed (the two libraries use different bit generators).
"""

from __future__ import annotations

import builtins
import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from mytorch.arguments import GradDtypeError, ShapeRuntimeError, masked, odd_array, ragged, size_arg, sizes_or
from mytorch.dtypes import as_dtype, check_finite_into, get_default_dtype
from mytorch.tensor import Tensor, _check_fits, _holds_tensor, _numbers_of_tensors, _stored, check_setting

__all__ = [
    "Generator",
    "device",
    "arange",
    "as_tensor",
    "asarray",
    "default_generator",
    "empty",
    "empty_like",
    "eye",
    "from_numpy",
    "full",
    "full_like",
    "get_rng_state",
    "initial_seed",
    "is_tensor",
    "linspace",
    "logspace",
    "manual_seed",
    "ones",
    "ones_like",
    "rand",
    "rand_like",
    "randint",
    "randint_like",
    "randn",
    "randn_like",
    "randperm",
    "set_rng_state",
    "tensor",
    "zeros",
    "zeros_like",
]

_INITIAL_SEED = 67280421310721  # PyTorch's default seed, so that unseeded runs repeat too


def _check_device(op: str, device: Any) -> None:
    if device is not None and str(device) != "cpu":
        raise ValueError(f"{op}: MyTorch runs on NumPy, so the only device is 'cpu', got {device!r}")


_DEVICE_TYPES = ("cpu", "cuda", "mps", "xpu", "hip", "meta")


class device:  # noqa: N801 - PyTorch's name
    """PyTorch's ``torch.device``: ``device("cpu")``, ``device("cuda:0")``, ``device("cuda", 0)``.

    Any of PyTorch's common device types can be named (a script picks one with
    ``device("cuda" if torch.cuda.is_available() else "cpu")``); MyTorch computes on the CPU
    only, so moving a tensor or a module to another device raises ``ValueError``.

    Raises:
        RuntimeError: an unknown device type, or an index given twice (PyTorch's errors).
    """

    type: str  # (PyTorch's attribute names)
    index: int | None

    def __init__(self, type: Any, index: int | None = None) -> None:  # noqa: A002 - PyTorch's name
        if isinstance(type, device):
            index = type.index if index is None else index
        text = str(type.type if isinstance(type, device) else type)
        name, colon, number = text.partition(":")
        if colon:
            if index is not None:
                raise RuntimeError(
                    f"type (string) must not include an index because index was passed explicitly: {text}"
                )
            if not number.isdigit():
                raise RuntimeError(f"Invalid device string: {text!r}")
            index = int(number)
        if name not in _DEVICE_TYPES:
            known = ", ".join(_DEVICE_TYPES)
            raise RuntimeError(f"Expected one of {known} device type at start of device string: {text}")
        self.type, self.index = name, index

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        return f"device(type={self.type!r}" + ("" if self.index is None else f", index={self.index}") + ")"

    def __eq__(self, other: object) -> builtins.bool:
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


class Generator(np.random.Generator):
    """PyTorch's ``torch.Generator``: a ``numpy.random.Generator`` (so every ``generator=``
    argument takes it) that reseeds in place, ``Generator().manual_seed(42)``.

    It starts from PyTorch's default seed; its numbers are not PyTorch's for the same seed.
    """

    def __init__(self, device: Any = "cpu") -> None:
        _check_device("Generator", device)
        super().__init__(np.random.PCG64(_INITIAL_SEED))
        self._initial_seed = _INITIAL_SEED

    @property
    def device(self) -> str:
        """``"cpu"``, the only device."""
        return "cpu"

    def manual_seed(self, seed: int) -> Generator:
        """Reseed with ``seed`` (in place) and return this generator. As PyTorch, a seed must lie
        in [-2**63, 2**64 - 1], and a negative one is taken as 0xffff_ffff_ffff_ffff + seed."""
        seed = int(seed)
        if not -(2**63) <= seed < 2**64:  # (NumPy took 2**64 as another seed; PyTorch refuses it)
            raise RuntimeError(f"manual_seed: the seed must lie in [-2**63, 2**64 - 1], got {seed}")
        if seed < 0:  # (NumPy's "expected non-negative integer"; PyTorch maps it so)
            seed += 0xFFFF_FFFF_FFFF_FFFF
        self.bit_generator.state = np.random.PCG64(seed).state
        self._initial_seed = seed
        return self

    def initial_seed(self) -> int:
        """The seed this generator was last seeded with."""
        return self._initial_seed

    def seed(self) -> int:
        """Reseed from the operating system's entropy; returns the seed used."""
        seed = int(np.random.SeedSequence().generate_state(1, np.uint64)[0]) % 2**63
        self.manual_seed(seed)
        return seed

    def get_state(self) -> Tensor:
        """The generator's whole state as a uint8 tensor (``set_state`` takes it back), as
        PyTorch's: a checkpoint that saves it resumes the same random stream."""
        state = self.bit_generator.state
        words = [state["state"]["state"], state["state"]["inc"], state["has_uint32"], state["uinteger"]]
        raw = b"".join(int(w).to_bytes(size, "little") for w, size in zip(words, _STATE_BYTES))
        seed = self._initial_seed.to_bytes(8, "little", signed=True)
        return Tensor(np.frombuffer(raw + seed, dtype=np.uint8).copy())

    def set_state(self, new_state: Any) -> Generator:
        """Restore a state ``get_state`` gave (a uint8 tensor or array); returns this generator."""
        raw = np.asarray(new_state)
        if raw.dtype != np.uint8 or raw.shape != (sum(_STATE_BYTES) + 8,):
            raise ValueError(
                f"Generator.set_state: expected the uint8 tensor of {sum(_STATE_BYTES) + 8} bytes that "
                f"get_state gives, got {raw.dtype} of shape {tuple(raw.shape)}"
            )
        data, words, at = raw.tobytes(), [], 0
        for size in _STATE_BYTES:
            words.append(int.from_bytes(data[at : at + size], "little"))
            at += size
        state = {"state": words[0], "inc": words[1]}
        self.bit_generator.state = {
            "bit_generator": "PCG64",
            "state": state,
            "has_uint32": words[2],
            "uinteger": words[3],
        }
        self._initial_seed = int.from_bytes(data[at:], "little", signed=True)
        return self


_STATE_BYTES = (16, 16, 1, 4)
"""Bytes of PCG64's state, increment, has_uint32 flag and buffered uint32 in ``get_state``."""


default_generator = Generator()
"""The generator behind ``rand``, ``randn``, ``randint``, ``randperm`` (and ``nn.init``)."""


def manual_seed(seed: int) -> Generator:
    """Reseed ``default_generator`` (in place: references to it stay valid); returns it."""
    return default_generator.manual_seed(seed)


def initial_seed() -> int:
    """The seed ``default_generator`` was last seeded with."""
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    """``default_generator.get_state()``: save it (``mytorch.save``) to resume a random stream."""
    return default_generator.get_state()


def set_rng_state(new_state: Any) -> None:
    """``default_generator.set_state(new_state)``."""
    default_generator.set_state(new_state)


# --------------------------------------------------------------------------- helpers
def _leaf(op: str, array: np.ndarray, requires_grad: bool) -> Tensor:
    """A tensor of ``array`` (a leaf when ``requires_grad``); only floats may require a gradient."""
    if requires_grad and array.dtype.kind not in "fc":
        raise GradDtypeError(
            f"{op}: only floating-point tensors can require gradients, this one is {array.dtype} "
            "(write 1.0 instead of 1, or pass dtype=mytorch.float32)"
        )
    return Tensor(array, requires_grad=requires_grad)


def _python_dtype(array: np.ndarray) -> np.dtype:
    """The dtype PyTorch gives data written in Python: floats the default, ints int64."""
    kind = array.dtype.kind
    if kind == "f":
        return get_default_dtype()
    if kind in "iu":
        return np.dtype(np.int64)
    if kind == "c":  # (complex64 beside float32, as PyTorch's default complex dtype; it was complex128)
        return _default_complex()
    return array.dtype


def _default_complex() -> np.dtype:
    """The complex dtype PyTorch pairs with the default float dtype (complex64 for float32)."""
    return np.dtype(np.complex64 if get_default_dtype() != np.float64 else np.complex128)


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}  # PyTorch's: bool < integer < float < complex


def _promote(a: np.dtype, b: np.dtype) -> np.dtype:
    """Two element dtypes as one: the higher category's, the wider within one category."""
    if _CATEGORY[a.kind] != _CATEGORY[b.kind] and {a.kind, b.kind} != {"f", "c"}:  # (float64 and complex64: complex128)
        return a if _CATEGORY[a.kind] > _CATEGORY[b.kind] else b
    return np.promote_types(a, b)


def _element_dtype(data: Any) -> tuple[np.dtype | None, builtins.bool]:
    """PyTorch's dtype for (nested) lists holding NumPy values, arrays or tensors: each keeps
    its dtype, a Python float counts as the default dtype, an int as int64, a bool as bool,
    promoted by ``_promote``: ``[np.float64(0.5), 1.0]`` is float64. None when every element
    is a Python number (``_python_dtype`` decides). And whether a Tensor is among them."""
    found: set[np.dtype] = set()
    python: set[np.dtype] = set()
    holds_tensor = False
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, (Tensor, np.ndarray, np.generic)):
            found.add(item.dtype)
            holds_tensor = holds_tensor or isinstance(item, Tensor)
        elif isinstance(item, builtins.bool):  # (before int: a bool is an int)
            python.add(np.dtype(np.bool_))
        elif isinstance(item, builtins.int):
            python.add(np.dtype(np.int64))
        elif isinstance(item, builtins.float):
            python.add(get_default_dtype())
        elif isinstance(item, builtins.complex):
            python.add(_default_complex())
    return (functools.reduce(_promote, found | python) if found else None), holds_tensor


def _depth(data: Any) -> int:
    """How many lists and tuples are nested along the first elements of ``data``."""
    depth = 0
    while isinstance(data, (list, tuple)) and data:
        data = data[0]
        depth += 1
    return depth + (isinstance(data, (list, tuple)))  # (an empty list is an axis of length 0)


def _leaves(data: Any) -> Any:
    """The numbers of (nested) lists and tuples, in order."""
    if isinstance(data, (list, tuple)):
        for item in data:
            yield from _leaves(item)
    else:
        yield data


def _python_ints_beyond_int64(data: Any, array: np.ndarray) -> builtins.bool:
    """Whether Python ints alone, one beyond int64, are what NumPy read as floats: ``[2**63, -1]``
    became float64 and then the default float32 (9.223372e18, the next ints rounded), where
    ``[2**63]`` was refused; PyTorch refuses both."""
    if type(next(_leaves(data))) is not builtins.int:  # (floats: the common case, decided here)
        return False
    if -(2.0**63) <= array.min() and array.max() < 2.0**63:  # (ints and floats of int64's range)
        return False
    return all(type(v) is builtins.int for v in _leaves(data))


def _float_dtype(op: str, dtype: Any) -> np.dtype:
    return as_dtype(dtype, op) or get_default_dtype()


# --------------------------------------------------------------------------- from data
def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (a number, nested lists, an array or a tensor).

    Python floats become float32 (the default dtype), ints int64, bools bool; an array keeps
    its dtype. A tensor's values are copied and detached from its graph.
    """
    _check_device("tensor", device)
    dtype = as_dtype(dtype, "tensor")
    if isinstance(data, Tensor):
        data = data._data
    if masked(data):  # (np.array drops the mask: masked entries would be numbers)
        raise TypeError(f"tensor: got {odd_array(data)}")
    if isinstance(data, (np.ndarray, np.generic)):
        if dtype is not None:
            check_finite_into(np.asarray(data), dtype, "tensor")  # (NaN into int64 was -2**63)
        array = np.array(data, dtype=dtype)
        if not array.dtype.isnative:  # (a copy: in the native byte order, as every result is)
            array = array.astype(array.dtype.newbyteorder("="))
    else:
        # Tensors in a list are numbers to PyTorch: [h1, h2] of (1,) tensors is (2,), where NumPy
        # stacks them (see tensors_as_numbers). Without a dtype the elements' dtypes are read
        # first, in one walk that also sees tensors; with one, NumPy's array is looked at: the
        # list's depth along its first elements is its number of axes unless it stacked tensors
        # or arrays, or it raised (a (1,) tensor beside numbers).
        element_dtype, holds_tensor = _element_dtype(data) if dtype is None else (None, False)
        listed = isinstance(data, (list, tuple))
        if holds_tensor and listed:
            data = _numbers_of_tensors(data, "tensor")
        try:
            array = np.array(data)
        except ValueError:  # (NumPy's "inhomogeneous shape", not naming the call)
            if dtype is not None and listed and _holds_tensor(data):
                data = _numbers_of_tensors(data, "tensor")
                return tensor(data, dtype, device, requires_grad)
            where = ragged(data)
            if where is None:
                raise
            raise ValueError(f"tensor: {where}; nested lists must be rectangular") from None
        if dtype is not None and listed and array.ndim > _depth(data) and _holds_tensor(data):
            return tensor(_numbers_of_tensors(data, "tensor"), dtype, device, requires_grad)
        if array.dtype.kind not in "biufc":
            kind = type(data).__name__
            raise TypeError(f"tensor: the data must be numbers, got a {kind} that NumPy reads as {array.dtype}")
        target = dtype or element_dtype or _python_dtype(array)
        if array.dtype.kind == "f" and dtype is None and array.size and _python_ints_beyond_int64(data, array):
            value = next(v for v in _leaves(data) if not -(2**63) <= v < 2**63)
            raise RuntimeError(f"tensor: the value {value} cannot be stored in a int64 tensor without overflow")
        if array.dtype.kind == "c" and np.dtype(target).kind != "c":  # (PyTorch: "can't convert complex to float")
            raise TypeError(f"tensor: complex numbers cannot be stored in a {np.dtype(target)} tensor")
        _check_fits(array, np.dtype(target), "tensor")  # ([300] into uint8 raises, as in PyTorch; it was 44)
        with np.errstate(over="ignore"):  # (7e4 into float16 is inf, as in PyTorch)
            array = array.astype(target, copy=False)
    return _leaf("tensor", array, requires_grad)


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """``data`` as a tensor, sharing memory with an array (or a tensor) when no conversion is needed."""
    _check_device("as_tensor", device)
    dtype = as_dtype(dtype, "as_tensor")
    if isinstance(data, Tensor) and (dtype is None or dtype == data.dtype):  # (a dtype == None is float64)
        return data
    if isinstance(data, np.ndarray):
        if dtype is not None:
            check_finite_into(data, dtype, "as_tensor")  # (NaN into int64 was -2**63)
        return Tensor(data if dtype is None else data.astype(dtype, copy=False))
    return tensor(data, dtype)


def asarray(
    obj: Any, *, dtype: Any = None, device: Any = None, copy: Any = None, requires_grad: builtins.bool = False
) -> Tensor:
    """PyTorch's ``asarray``: ``as_tensor`` (memory shared with an array or a tensor when no
    conversion is needed), a copy always with ``copy=True`` (``copy=False`` is taken as None: no
    error where a conversion copies); ``requires_grad`` makes the result a leaf that requires a
    gradient."""
    result = as_tensor(obj, dtype, device)
    if copy and (result is obj or (isinstance(obj, np.ndarray) and np.shares_memory(result._data, obj))):
        result = Tensor(result._data.copy())
    if requires_grad:
        result = (result.detach() if result is obj else result).requires_grad_()
    return result


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing ``array``'s memory (and dtype): writes to one show in the other."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    return Tensor(array)


def is_tensor(obj: Any) -> builtins.bool:
    """Whether ``obj`` is a MyTorch Tensor."""
    return isinstance(obj, Tensor)


# --------------------------------------------------------------------------- filled
def _sizes(op: str, sizes: tuple[Any, ...], size: Any) -> tuple[int, ...]:
    """A factory's shape: ``zeros(2, 3)``, ``zeros((2, 3))`` or PyTorch's ``zeros(size=(2, 3))``."""
    return size_arg(op, sizes_or(op, sizes, size, "size"))


def zeros(*sizes: Any, size: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    _check_device("zeros", device)
    return _leaf("zeros", np.zeros(_sizes("zeros", sizes, size), _float_dtype("zeros", dtype)), requires_grad)


def ones(*sizes: Any, size: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``."""
    _check_device("ones", device)
    return _leaf("ones", np.ones(_sizes("ones", sizes, size), _float_dtype("ones", dtype)), requires_grad)


def empty(*sizes: Any, size: Any = None, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of the given size whose values are whatever the memory held (not initialised)."""
    _check_device("empty", device)
    return _leaf("empty", np.empty(_sizes("empty", sizes, size), _float_dtype("empty", dtype)), requires_grad)


def full(
    size: Sequence[int], fill_value: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value`` (its dtype follows the value, as in ``tensor``)."""
    _check_device("full", device)
    if isinstance(fill_value, np.generic):  # a NumPy number counts as the Python one, as in PyTorch's full
        fill_value = fill_value.item()  # (np.float64(3.0) gave float64; PyTorch: the default dtype)
    target = as_dtype(dtype, "full")
    if target is not None:
        fill_value = _stored(fill_value, target, "full")  # (7e4 into float16 raises; it was inf)
    value = tensor(fill_value, dtype)._data
    return _leaf("full", np.full(size_arg("full", (size,)), value, value.dtype), requires_grad)


def _like(op: str, other: Any, dtype: Any) -> tuple[tuple[int, ...], np.dtype]:
    if not isinstance(other, (Tensor, np.ndarray)):
        raise TypeError(f"{op}: expected a tensor, got {type(other).__name__}")
    return other.shape, as_dtype(dtype, op) or other.dtype


def zeros_like(
    input: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False, *, memory_format: Any = None
) -> Tensor:
    """Zeros of ``input``'s shape and dtype (``memory_format`` accepted: MyTorch's tensors are row-major)."""
    _check_device("zeros_like", device)
    return _leaf("zeros_like", np.zeros(*_like("zeros_like", input, dtype)), requires_grad)


def ones_like(
    input: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False, *, memory_format: Any = None
) -> Tensor:
    """Ones of ``input``'s shape and dtype (``memory_format`` accepted: MyTorch's tensors are row-major)."""
    _check_device("ones_like", device)
    return _leaf("ones_like", np.ones(*_like("ones_like", input, dtype)), requires_grad)


def empty_like(
    input: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False, *, memory_format: Any = None
) -> Tensor:
    """A tensor of ``input``'s shape and dtype whose values are whatever the memory held
    (``memory_format`` accepted: MyTorch's tensors are row-major)."""
    _check_device("empty_like", device)
    return _leaf("empty_like", np.empty(*_like("empty_like", input, dtype)), requires_grad)


def full_like(
    input: Any,
    fill_value: Any,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
    *,
    memory_format: Any = None,
) -> Tensor:
    """``fill_value`` in ``input``'s shape and dtype (``memory_format`` accepted)."""
    _check_device("full_like", device)
    shape, dtype = _like("full_like", input, dtype)
    return _leaf("full_like", np.full(shape, _stored(fill_value, dtype, "full_like"), dtype), requires_grad)


# --------------------------------------------------------------------------- ranges
def _number_of(op: str, value: Any, name: str) -> Any:
    """``value``, a 0-d Tensor or array or a NumPy number as its Python number (whose type says
    integer or float: ``arange(mask.sum())`` counts in int64, as PyTorch's). A NumPy number kept
    its type into NumPy's range functions, which on NumPy 2 then counted in its precision:
    ``linspace(0, np.float16(0.3), 7)`` in float16, ``arange(np.float32(0.1), 1, 0.1)`` in float32."""
    if isinstance(value, (Tensor, np.ndarray)):
        if value.ndim:
            raise TypeError(
                f"{op}: {name} must be a number or a 0-d tensor, got a {type(value).__name__} of shape "
                f"{tuple(value.shape)}"
            )
        return value.item()
    return value.item() if isinstance(value, np.generic) else value


def _bounds(op: str, start: Any, end: Any, dtype: Any) -> tuple[Any, Any, np.dtype]:
    """``linspace``'s and ``logspace``'s ends as Python numbers, and the dtype: the default float
    dtype, or its complex counterpart for a complex end, as PyTorch's (a complex end's imaginary
    part was dropped into float32).

    Raises:
        TypeError: a complex end with a real ``dtype`` (PyTorch's refusal).
    """
    start, end = _number_of(op, start, "start"), _number_of(op, end, "end")
    complex_end = isinstance(start, complex) or isinstance(end, complex)
    target = as_dtype(dtype, op)
    if target is None:
        target = get_default_dtype()
        if complex_end:
            target = np.dtype(np.complex128 if target == np.float64 else np.complex64)
    elif complex_end and target.kind != "c":
        raise TypeError(f"{op}: a complex start or end ({start!r}, {end!r}) cannot be made into {target}")
    return start, end, target


def arange(
    start: Any, end: Any = None, step: Any = 1, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """``start, start + step, ...`` below ``end`` (``arange(n)`` is 0..n-1): int64 when all three
    are integers, else the default float dtype. An integer ``dtype`` with fractional bounds or
    step follows PyTorch: int64 truncates the three first (``arange(2.5, dtype=int64)`` is [0, 1]),
    the narrower integers count ceil((end - start) / step) values of trunc(start) + i trunc(step)."""
    _check_device("arange", device)
    if end is None:
        start, end = 0, start
    start, end, step = (_number_of("arange", v, name) for v, name in ((start, "start"), (end, "end"), (step, "step")))
    if any(isinstance(v, complex) for v in (start, end, step)):  # (a complex step: [] on NumPy 1, 2 values on 2)
        raise TypeError(f"arange: start, end and step must be real numbers, got {start!r}, {end!r}, {step!r}")
    if step == 0:
        raise ShapeRuntimeError("arange: step must be nonzero")
    if (step > 0 and end < start) or (step < 0 and end > start):  # (NumPy gives an empty tensor; PyTorch raises)
        raise ValueError(f"arange: end {end} lies on the wrong side of start {start} for step {step}")
    numbers = [start, end, step]
    integral = all(isinstance(v, (builtins.int, np.integer)) and not isinstance(v, builtins.bool) for v in numbers)
    dtype = as_dtype(dtype, "arange") or (np.dtype(np.int64) if integral else get_default_dtype())
    if dtype.kind in "iu" and not integral:
        return _leaf("arange", _integer_arange(start, end, step, dtype), requires_grad)
    return _leaf("arange", np.arange(start, end, step).astype(dtype, copy=False), requires_grad)


def _integer_arange(start: Any, end: Any, step: Any, dtype: np.dtype) -> np.ndarray:
    """PyTorch's ``arange`` into an integer dtype from fractional numbers (NumPy's counted the
    fractional steps, then truncated each value: ``arange(2.5, dtype=int64)`` was [0, 1, 2] for
    PyTorch's [0, 1], ``arange(-2.5, 3, 1, dtype=int64)`` held 0 twice)."""
    first, last, stride = (builtins.int(math.trunc(v)) for v in (start, end, step))
    if stride == 0:
        raise ValueError(f"arange: step must be nonzero (it is {step}, truncated to the integer dtype {dtype})")
    if dtype == np.int64:  # (PyTorch's int64 truncates the three first)
        if (stride > 0 and last < first) or (stride < 0 and last > first):
            raise ValueError(f"arange: end {end} lies on the wrong side of start {start} for step {step}")
        return np.arange(first, last, stride, dtype=np.int64)
    count = max(math.ceil((float(end) - float(start)) / float(step)), 0)
    return (first + stride * np.arange(count, dtype=np.int64)).astype(dtype)


def linspace(
    start: float, end: float, steps: int, dtype: Any = None, device: Any = None, requires_grad: bool = False
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included."""
    _check_device("linspace", device)
    if int(steps) < 0:
        raise ValueError(f"linspace: steps must be non-negative, got {steps}")
    start, end, target = _bounds("linspace", start, end, dtype)
    for name, value in (("start", start), ("end", end)):  # (70000.0 for float16 made inf and NaN values)
        check_setting("linspace", name, value, target)
    return _leaf("linspace", np.linspace(start, end, int(steps)).astype(target, copy=False), requires_grad)


def logspace(
    start: float,
    end: float,
    steps: int,
    base: float = 10.0,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """``base ** linspace(start, end, steps)``: ``steps`` values evenly spaced on a log scale."""
    _check_device("logspace", device)
    if int(steps) < 0:
        raise ValueError(f"logspace: steps must be non-negative, got {steps}")
    start, end, target = _bounds("logspace", start, end, dtype)
    array = np.power(float(base), np.linspace(start, end, int(steps))).astype(target, copy=False)
    return _leaf("logspace", array, requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """The n x m identity matrix (n x n by default)."""
    _check_device("eye", device)
    return _leaf("eye", np.eye(n, m, dtype=_float_dtype("eye", dtype)), requires_grad)


# --------------------------------------------------------------------------- random
def _generator(generator: np.random.Generator | None, op: str = "generator") -> np.random.Generator:
    """``generator``, or ``default_generator`` for None; a seed or anything else is a TypeError
    (it was "'int' object has no attribute 'permutation'" at the first draw)."""
    if generator is None:
        return default_generator
    if not isinstance(generator, np.random.Generator):
        raise TypeError(
            f"{op}: generator must be a mytorch.Generator (or a numpy.random.Generator), got "
            f"{type(generator).__name__}; mytorch.Generator().manual_seed(seed) makes one from a seed"
        )
    return generator


def _random_floats(op: str, draw: str, size: tuple[Any, ...], generator: Any, dtype: Any) -> np.ndarray:
    dtype = _float_dtype(op, dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"{op}: dtype must be float32 or float64, got {dtype}")
    return getattr(_generator(generator, op), draw)(size_arg(op, size), dtype=dtype)


def rand(
    *sizes: Any,
    size: Any = None,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform random numbers in [0, 1): ``rand(2, 3)``."""
    _check_device("rand", device)
    return _leaf("rand", _random_floats("rand", "random", _sizes("rand", sizes, size), generator, dtype), requires_grad)


def randn(
    *sizes: Any,
    size: Any = None,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    device: Any = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal random numbers: ``randn(2, 3)``."""
    _check_device("randn", device)
    return _leaf(
        "randn",
        _random_floats("randn", "standard_normal", _sizes("randn", sizes, size), generator, dtype),
        requires_grad,
    )


def _random_like(op: str, maker: Callable[..., Tensor], doc: str) -> Callable[..., Tensor]:
    """``rand_like`` / ``randn_like``: ``maker``'s numbers of ``input``'s shape and dtype."""

    def like(
        input: Tensor,  # noqa: A002 - PyTorch's name
        generator: np.random.Generator | None = None,
        dtype: Any = None,
        *,
        device: Any = None,
        requires_grad: bool = False,
        memory_format: Any = None,
    ) -> Tensor:
        shape, kind = _like(op, input, dtype)
        return maker(shape, generator=generator, dtype=kind, device=device, requires_grad=requires_grad)

    like.__name__ = like.__qualname__ = op
    like.__doc__ = doc + " (``memory_format`` accepted: MyTorch's tensors are row-major)."
    return like


rand_like = _random_like("rand_like", rand, "Uniform random numbers in [0, 1) of ``input``'s shape and dtype")
randn_like = _random_like("randn_like", randn, "Standard normal random numbers of ``input``'s shape and dtype")


def randint(
    *args: Any,
    low: Any = None,
    high: Any = None,
    size: Any = None,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    device: Any = None,
) -> Tensor:
    """Random integers in [low, high): ``randint(high, size)`` or ``randint(low, high, size)``
    (or by PyTorch's keywords: ``randint(low=0, high=10, size=(5,))``)."""
    _check_device("randint", device)
    args = ((low,) if low is not None else ()) + args + ((high,) if high is not None else ())  # (PyTorch's keywords)
    if size is None and args and isinstance(args[-1], (tuple, list)):
        args, size = args[:-1], args[-1]
    if size is None or len(args) not in (1, 2):
        raise TypeError("randint: call randint(high, size) or randint(low, high, size), size a tuple")
    low, high = (0, args[0]) if len(args) == 1 else args
    if high <= low:
        raise ShapeRuntimeError(f"randint: high ({high}) must be greater than low ({low})")
    dtype = as_dtype(dtype, "randint") or np.dtype(np.int64)
    values = _generator(generator, "randint").integers(low, high, size_arg("randint", (size,)))
    return Tensor(values.astype(dtype, copy=False))


def randint_like(
    input: Any,  # noqa: A002
    low: int = 0,
    high: int | None = None,
    generator: np.random.Generator | None = None,
    dtype: Any = None,
    *,
    device: Any = None,
    memory_format: Any = None,
) -> Tensor:
    """Random integers in [low, high) of ``input``'s shape and dtype: ``randint_like(x, high)`` or
    ``randint_like(x, low, high)`` (``memory_format`` accepted)."""
    shape, kind = _like("randint_like", input, dtype)
    low, high = (0, low) if high is None else (low, high)
    return randint(low, high, shape, generator=generator, dtype=kind, device=device)


def randperm(n: int, generator: np.random.Generator | None = None, dtype: Any = None, device: Any = None) -> Tensor:
    """A random permutation of 0..n-1 (int64)."""
    _check_device("randperm", device)
    dtype = as_dtype(dtype, "randperm") or np.dtype(np.int64)
    if int(n) < 0:  # (NumPy's permutation of -1 is empty)
        raise ValueError(f"randperm: n must be non-negative, got {n}")
    return Tensor(_generator(generator, "randperm").permutation(int(n)).astype(dtype, copy=False))

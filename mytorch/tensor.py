"""``Tensor``: a PyTorch-like front-end that records every operation onto an ``Autograd`` tape.

A ``Tensor`` wraps a NumPy array (``.data``). Arithmetic on tensors (``+ - * / @ **``, unary
minus, ``exp``, ``sum``, indexing, ...) runs the kernel table's forward
(``mytorch.nn.functional``) and, when some input requires a gradient, records the operation
with ``add_operation`` and the table's backward kernel. This file holds no derivative of its
own: forward, backward and JVP rules all come from the kernel table.

How gradients flow:

* A *leaf* (a tensor made by the user with ``requires_grad=True``) passes its ``.grad``
  array as the ``gradients_to_update`` entry of every operation it enters, exactly as a
  ``Linear`` layer passes ``dW``: ``backward`` adds into it in place, so ``.grad``
  accumulates across ``backward`` calls. The array is allocated (zeros) the first time the
  leaf enters a recorded operation; ``t.zero_grad()`` zeroes it in place (the pairs given
  to an optimizer stay valid), ``t.grad = None`` drops it.
* Constants (numbers, arrays, tensors that do not require a gradient) enter as ``NO_GRAD``:
  no gradient is computed for them.
* Intermediate results have their gradients in the tape's gradient buffer while
  ``backward`` runs; they are freed once propagated unless ``keep_grads=True``.

The tape's lifetime: **one tape per connected graph**. The first recorded operation on
leaves starts a new tape; an operation whose inputs live on two tapes merges them. A tensor
holds its tape; the tape holds arrays, never tensors, so when the last tensor of a graph
is gone the tape goes with it: a computation that is never differentiated (a metric, an
evaluation) costs no memory once its tensors are dropped. ``backward`` starts from the
tensor it is called on, so only that tensor's ancestors receive gradients, then
*releases* the tape (clears its operations) unless ``retain_graph=True``; a second
``backward`` through a released graph raises ``RuntimeError``. Operations on tensors of a
released graph still compute values, but are not recorded.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from mytorch.autograd_engine import NO_GRAD, Autograd, _GradMode, is_grad_enabled
from mytorch.nn import functional as F

__all__ = [
    "Tape",
    "Tensor",
    "abs",
    "bce_loss",
    "bce_with_logits_loss",
    "cos",
    "exp",
    "gelu",
    "jvp",
    "leaky_relu",
    "log",
    "matmul",
    "maximum",
    "minimum",
    "mse_loss",
    "outer",
    "param_pairs",
    "relu",
    "sigmoid",
    "sin",
    "softmax_cross_entropy",
    "softplus",
    "sqrt",
    "tanh",
]

_K = F.KERNELS


class Tape(Autograd):
    """The tape of one connected graph of tensors (an ``Autograd`` engine with a lifetime).

    Attributes:
        merged_into: the tape this one was merged into, or None while it is in use.
        released: True once a ``backward`` without ``retain_graph`` has used the tape.
        order: for each operation a Tensor recorded, when it ran (a global count): merging
            two tapes keeps their operations in the order they ran.
        unsorted: merges appended operations out of that order; ``in_run_order`` (called by
            ``Tensor.tape``) sorts them back.
    """

    def __init__(self) -> None:
        super().__init__()
        self.merged_into: Tape | None = None
        self.released = False
        self.order: list[int] = []
        self.unsorted = False

    def resolve(self) -> Tape:
        """The tape now holding this one's operations (itself unless it was merged)."""
        tape = self
        while tape.merged_into is not None:
            tape = tape.merged_into
        return tape

    def merge(self, other: Tape) -> Tape:
        """Join two graphs' tapes (an operation took inputs from both); returns the joined tape.

        The operations are kept in the order they ran (any order that lists every operation
        after its inputs' would do: the two graphs are disjoint). A released tape is never
        merged: the result stays released, and a ``backward`` through it raises.
        """
        if self.released:
            return self
        if other.released:
            return other
        big, small = (self, other) if len(self) >= len(other) else (other, self)
        ops, order = big.operation_list, big.order
        timed = len(order) == len(ops) and len(small.order) == len(small.operation_list)
        # Appending is a valid order already (the graphs are disjoint); the run order is
        # restored once, when the tape is next looked at (``in_run_order``), not at every
        # merge: sum([t.sin() for t in leaves]) merges n times and stays O(n log n).
        big.unsorted = big.unsorted or small.unsorted or bool(
            timed and order and small.order and small.order[0] < order[-1]
        )
        ops.extend(small.operation_list)
        order.extend(small.order)
        big.gradient_buffer.memory.update(small.gradient_buffer.memory)
        big.gradient_buffer.owners.update(small.gradient_buffer.owners)
        small.operation_list, small.order = [], []
        small.gradient_buffer.clear()
        small.merged_into = big
        return big

    def in_run_order(self) -> Tape:
        """This tape, its operations sorted into the order they ran if merges left them
        appended out of it (one sort, however many merges)."""
        if self.unsorted:
            if len(self.order) == len(self.operation_list):
                runs = sorted(zip(self.order, self.operation_list), key=operator.itemgetter(0))
                self.order = [when for when, _ in runs]
                self.operation_list = [op for _, op in runs]
            self.unsorted = False
        return self

    def release(self) -> None:
        """Free the recorded operations (and forward-mode tangents); a later ``backward``
        through this graph raises."""
        self.operation_list.clear()
        self.order.clear()
        self.tangents = {}
        self.released = True


_CLOCK = itertools.count()
_new_tensor = object.__new__


_CONSTANTS: dict[tuple[Any, np.dtype], np.ndarray] = {}
_MAX_CONSTANTS = 1024


def _number(value: float, dtype: np.dtype) -> np.ndarray:
    """A Python number as a 0-d array of ``dtype``; nonzero ones are cached (read-only), since
    loops use the same few constants over and over."""
    key = (value, dtype)
    array = _CONSTANTS.get(key)
    if array is None:
        array = np.array(value, dtype=dtype)
        if value and value == value:  # not 0 (whose sign matters, and 0 == -0), not NaN
            if len(_CONSTANTS) >= _MAX_CONSTANTS:
                _CONSTANTS.clear()
            array.flags.writeable = False
            _CONSTANTS[key] = array
    return array


def _constant(value: Any, like: np.ndarray | None) -> np.ndarray:
    """A non-tensor operand as an array; a Python number takes the tensor's float dtype."""
    kind = type(value)
    if kind is np.ndarray:
        return value
    if (kind is float or kind is int) and like is not None:
        dtype = like.dtype
        return _number(value, dtype if dtype.kind == "f" else np.result_type(dtype, value))
    if isinstance(value, Tensor):
        return value.data
    array = np.asarray(value)
    if array.dtype.kind not in "biufc":
        raise TypeError(f"Tensor: cannot use a {type(value).__name__} (dtype {array.dtype}) as an operand")
    return array


def _arrays(args: Sequence[Any]) -> list[np.ndarray]:
    """The operands' arrays: tensors' ``data``, everything else as a constant array."""
    like = None
    for a in args:
        if isinstance(a, Tensor):
            like = a.data
            break
    return [a.data if isinstance(a, Tensor) else _constant(a, like) for a in args]


def _attach(
    out: Any,
    args: Sequence[Any],
    arrays: list[np.ndarray],
    backward: Any,
    params: dict[str, Any] | None,
    saves_output: bool = False,
) -> Tensor:
    """Wrap a forward result in a Tensor and, if some input requires a gradient, record it.

    Args:
        out: the forward's result.
        args: the operands as given (tensors or constants), one per array.
        arrays: their arrays, in the same order (the recorded inputs).
        backward: the backward kernel to record.
        params: the kernel's keyword parameters (a fresh dict, or None).
        saves_output: pass the result to the kernel as ``out``.
    """
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    result = _new_tensor(Tensor)
    result.data = out
    result.grad = None
    result.requires_grad = False
    result._tape = None
    if not _GradMode.enabled:
        return result
    tape = None
    wanted = False
    dsts: list[Any] = []
    for a in args:
        if not (isinstance(a, Tensor) and a.requires_grad):
            dsts.append(NO_GRAD)
            continue
        wanted = True
        t = a._tape
        if t is None:
            grad = a.grad
            if grad is None:
                grad = a.grad = np.zeros_like(a.data)
            dsts.append(grad)
            continue
        if t.merged_into is not None:
            t = a._tape = t.resolve()
        tape = t if tape is None or tape is t else tape.merge(t)
        dsts.append(None)
    if not wanted:
        return result
    if tape is None:
        tape = Tape()
    result.requires_grad = True
    result._tape = tape
    if not tape.released:
        if saves_output:
            params = {"out": out} if params is None else {**params, "out": out}
        if tape.add_operation(arrays, out, dsts, backward, params) is not None:
            tape.order.append(next(_CLOCK))
    return result


def _run(kernel: F.Kernel, args: Sequence[Any], arrays: list[np.ndarray], params: dict[str, Any] | None) -> Tensor:
    """Run ``kernel`` forward on the operands' arrays and record it when a gradient is wanted."""
    try:
        out = kernel.forward(*arrays) if params is None else kernel.forward(*arrays, **params)
    except (ValueError, IndexError) as error:
        shapes = ", ".join(str(a.shape) for a in arrays)
        raise type(error)(f"{kernel.name}: operands of shapes {shapes}: {error}") from None
    return _attach(out, args, arrays, kernel.backward, params, kernel.saves_output)


def _apply(name: str, args: Sequence[Any], params: dict[str, Any] | None = None) -> Tensor:
    """Run the kernel ``name`` on the operands (tensors or constants)."""
    return _run(_K[name], args, _arrays(args), params)


def _index_arg(index: Any) -> Any:
    """An index with tensors replaced by their arrays."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index


# --------------------------------------------------------------------------- the ops
def _named(op: Any, name: str, note: str) -> Any:
    """``op`` named ``name`` and documented by its kernel's forward plus ``note``."""
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"{_K[name].forward.__doc__} {note}"
    return op


def _elementwise(name: str) -> Any:
    """The user-facing function of a one-input, parameter-free kernel."""
    kernel = _K[name]

    def op(x: Any) -> Tensor:
        return _run(kernel, (x,), [x.data if isinstance(x, Tensor) else _constant(x, None)], None)

    return _named(op, name, "Also a method of Tensor.")


exp = _elementwise("exp")
log = _elementwise("log")
sqrt = _elementwise("sqrt")
abs = _elementwise("abs")  # noqa: A001 - the op's name
sin = _elementwise("sin")
cos = _elementwise("cos")
tanh = _elementwise("tanh")
sigmoid = _elementwise("sigmoid")
relu = _elementwise("relu")
softplus = _elementwise("softplus")
gelu = _elementwise("gelu")


def _binary(name: str) -> Any:
    """The user-facing function of a two-input kernel."""
    kernel = _K[name]

    def op(a: Any, b: Any) -> Tensor:
        return _run(kernel, (a, b), _arrays((a, b)), None)

    return _named(op, name, "Numbers and arrays are constants.")


matmul = _binary("matmul")
outer = _binary("outer")
maximum = _binary("maximum")
minimum = _binary("minimum")
mse_loss = _binary("mse_loss")
softmax_cross_entropy = _binary("softmax_cross_entropy")
bce_loss = _binary("bce_loss")
bce_with_logits_loss = _binary("bce_with_logits_loss")


def leaky_relu(x: Any, slope: float = 0.01) -> Tensor:
    """y = x where x > 0, else slope * x."""
    return _apply("leaky_relu", (x,), {"slope": slope})


def param_pairs(tensors: Iterable[Tensor]) -> list[tuple[np.ndarray, np.ndarray]]:
    """``(t.data, t.grad)`` pairs for ``mytorch.optim``, allocating zero gradients as needed.

    The optimizer updates ``t.data`` in place from ``t.grad``; zero the gradients with the
    optimizer's (or the tensors') ``zero_grad``, which works in place: setting
    ``t.grad = None`` would detach ``t.grad`` from the optimizer's pair.
    """
    pairs = []
    for i, t in enumerate(tensors):
        if not (isinstance(t, Tensor) and t.requires_grad and t.is_leaf):
            raise ValueError(f"param_pairs: item {i} is not a leaf Tensor with requires_grad=True")
        if t.grad is None:
            t.grad = np.zeros_like(t.data)
        pairs.append((t.data, t.grad))
    return pairs


def jvp(output: Tensor, inputs: Sequence[Tensor], tangents: Sequence[Any]) -> Tensor:
    """Forward mode: the derivative of ``output`` along ``tangents`` (one per input).

    Replays ``output``'s tape with the kernel table's JVP rules (``Autograd.jvp``); the
    tangents of every value stay on the tape for ``mytorch.viz.trace``.
    """
    tape = output.tape
    arrays = [t.data for t in inputs]
    tangent_arrays = [np.broadcast_to(_constant(v, a), a.shape) for v, a in zip(tangents, arrays)]
    return Tensor(tape.jvp(arrays, tangent_arrays, [output.data])[0])


def _operators(name: str) -> tuple[Any, Any]:
    """``a (op) b`` and the reflected ``b (op) a`` for a Tensor ``a``, for the kernel ``name``."""
    kernel = _K[name]

    def forward(self: Tensor, other: Any) -> Tensor:
        data = self.data
        arrays = [data, other.data if isinstance(other, Tensor) else _constant(other, data)]
        return _run(kernel, (self, other), arrays, None)

    def reflected(self: Tensor, other: Any) -> Tensor:
        data = self.data
        return _run(kernel, (other, self), [_constant(other, data), data], None)

    forward.__doc__ = reflected.__doc__ = f"{kernel.forward.__doc__} Records ``{name}``."
    return forward, reflected


def _comparison(compare: Any) -> Any:
    """An elementwise comparison: a boolean tensor, outside any graph (it has no gradient)."""

    def method(self: Tensor, other: Any) -> Tensor:
        return Tensor(compare(self.data, _constant(other, self.data)))

    return method


# --------------------------------------------------------------------------- the Tensor
class Tensor:
    """An array that remembers how it was computed, so that ``backward`` can differentiate it.

    Args:
        data: a number, a (nested) list or an array; an array is wrapped without a copy.
        requires_grad: make this a leaf whose gradient ``backward`` computes (integer data
            is converted to float64 for it).

    The methods with PyTorch's names and arguments (``view``, ``sum(dim=...)``, ``max(dim)``,
    ``float()``, ``to``, ``size()``, ...) are bound onto the class by ``mytorch.tensor_methods``.

    Attributes:
        data: the values (``numpy.ndarray``).
        grad: a leaf's accumulated gradient (same shape), None until it is first used.
        requires_grad: whether a gradient flows to (or through) this tensor.
    """

    __slots__ = ("data", "grad", "requires_grad", "_tape")

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """NumPy's ufuncs on Tensors (``np.exp(t)``, ``array * t``) record like the Tensor's own
        ops; see ``mytorch.tensor_numpy``."""
        return _numpy_protocol.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """NumPy's functions on Tensors (``np.sum(t, axis=0)``, ``np.reshape``, ``np.tensordot``,
        ...) record like the Tensor's own ops; see ``mytorch.tensor_numpy``."""
        return _numpy_protocol.array_function(func, args, kwargs)

    def __init__(self, data: Any, requires_grad: bool = False) -> None:
        if isinstance(data, Tensor):
            data = data.data
        array = data if type(data) is np.ndarray else np.asarray(data)
        if array.dtype.kind not in "biufc":
            raise TypeError(f"Tensor: cannot hold a {type(data).__name__} of dtype {array.dtype} (it is not numeric)")
        if requires_grad and array.dtype.kind not in "fc":  # booleans and integers
            array = array.astype(np.float64)
        self.data: np.ndarray = array
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)
        self._tape: Tape | None = None

    # ------------------------------------------------------------------ properties
    @property
    def shape(self) -> tuple[int, ...]:
        """The array's shape."""
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        """The array's dtype."""
        return self.data.dtype

    @property
    def ndim(self) -> int:
        """The number of axes."""
        return self.data.ndim

    @property
    def is_leaf(self) -> bool:
        """True unless this tensor is the recorded result of an operation."""
        return self._tape is None

    @property
    def tape(self) -> Tape:
        """The tape this (non-leaf) tensor's graph is recorded on."""
        if self._tape is None:
            raise ValueError("Tensor.tape: a leaf (or constant) tensor is not recorded on any tape")
        self._tape = self._tape.resolve().in_run_order()
        return self._tape

    @property
    def T(self) -> Tensor:
        """The transpose (axes reversed)."""
        return _apply("transpose", (self,), {"axes": None})

    # ------------------------------------------------------------------ gradients
    def backward(
        self, gradient: Any = None, retain_graph: bool | None = None, keep_grads: bool = False
    ) -> None:
        """Add d(self)/d(leaf) (weighted by ``gradient``) into the ``.grad`` of every leaf ancestor.

        Args:
            gradient: the gradient of some scalar with respect to this tensor, of its shape;
                may be omitted for a one-element tensor (it is then 1).
            retain_graph: keep the tape for another ``backward`` (default: ``keep_grads``).
            keep_grads: keep the gradients of intermediate results on the tape's buffer
                (``mytorch.viz.trace`` shows them); implies ``retain_graph``.

        Raises:
            RuntimeError: this tensor does not require a gradient, or its graph was released
                by an earlier ``backward``.
            ValueError: no ``gradient`` for a tensor of more than one element, or one of the
                wrong shape.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward: this tensor does not require a gradient (no input had "
                "requires_grad=True, or it was computed under no_grad)"
            )
        seed = self._seed(gradient)
        if self._tape is None:
            self.grad = seed if self.grad is None else self.grad + seed
            return
        tape = self.tape
        if tape.released:
            raise RuntimeError(
                "backward: this graph's tape was already released by an earlier backward; call "
                "backward(retain_graph=True) the first time to differentiate the graph again"
            )
        tape.gradient_buffer.clear()
        tape.backward(seed, output=self.data, keep_grads=keep_grads)
        if not (keep_grads if retain_graph is None else retain_graph):
            tape.release()

    def _seed(self, gradient: Any) -> np.ndarray:
        if gradient is None:
            if self.data.size != 1:
                raise ValueError(
                    f"backward: a gradient can be implied only for a one-element tensor; this one "
                    f"has shape {self.shape}, so pass gradient= of that shape"
                )
            return np.ones_like(self.data)
        seed = np.asarray(gradient.data if isinstance(gradient, Tensor) else gradient, dtype=self.dtype)
        if seed.shape != self.shape:
            raise ValueError(f"backward: gradient has shape {seed.shape}, the tensor {self.shape}")
        return seed

    def zero_grad(self) -> None:
        """Zero this leaf's gradient in place (optimizers holding it see the zeros)."""
        if self.grad is not None:
            self.grad.fill(0)

    def detach(self) -> Tensor:
        """The same values (shared, not copied) as a tensor outside any graph."""
        return Tensor(self.data)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Turn this leaf into one that requires a gradient (or not); returns it."""
        if not self.is_leaf:
            raise ValueError("requires_grad_: only a leaf's flag can change (use detach() first)")
        if requires_grad and self.data.dtype.kind not in "fc":
            raise TypeError(f"requires_grad_: only floating-point tensors can, this one is {self.dtype}")
        self.requires_grad = requires_grad
        return self

    # ------------------------------------------------------------------ arithmetic
    __add__, __radd__ = _operators("add")
    __sub__, __rsub__ = _operators("sub")
    __mul__, __rmul__ = _operators("mul")
    __truediv__, __rtruediv__ = _operators("div")
    __matmul__, __rmatmul__ = _operators("matmul")

    def __neg__(self) -> Tensor:
        return _apply("neg", (self,))

    def __pow__(self, exponent: Any) -> Tensor:
        """``x ** p``: the ``pow`` kernel for a constant p (a number or an array); a p requiring
        a gradient goes through exp(p * log(x)) (so x must then be positive)."""
        if isinstance(exponent, Tensor):
            if exponent.requires_grad and is_grad_enabled():
                return exp(exponent * log(self))
            exponent = exponent.data
        base = self
        if np.ndim(exponent):
            shape = np.broadcast_shapes(np.shape(exponent), self.shape)
            if shape != self.shape:  # the kernel takes an exponent that fits the base: grow the base
                base = self + np.zeros(shape, dtype=self.dtype)
        return _apply("pow", (base,), {"exponent": exponent})

    def __rpow__(self, base: Any) -> Tensor:
        """``b ** x`` for a constant b: exp(x * log b) where b > 0. Where b <= 0 the power has
        no real derivative in x: its values (NumPy's, e.g. 0 ** 0 = 1, (-2) ** 2 = 4) enter as
        constants, with gradient 0 (NaN where the power is infinite)."""
        base = _constant(base, self.data)
        positive = base > 0
        if np.all(positive):
            return exp(self * np.log(base))
        power = exp(self * np.log(np.where(positive, base, 1)))  # 1 where b <= 0
        with np.errstate(divide="ignore", invalid="ignore"):
            return power * np.where(positive, 1, np.power(base, self.data))

    # ------------------------------------------------------------------ comparisons (no gradient)
    __lt__ = _comparison(operator.lt)
    __le__ = _comparison(operator.le)
    __gt__ = _comparison(operator.gt)
    __ge__ = _comparison(operator.ge)
    __eq__ = _comparison(operator.eq)  # type: ignore[assignment]
    __ne__ = _comparison(operator.ne)  # type: ignore[assignment]
    __hash__ = object.__hash__

    # ------------------------------------------------------------------ shape and indexing
    def __getitem__(self, index: Any) -> Tensor:
        return _apply("index", (self,), {"index": _index_arg(index)})

    def __len__(self) -> int:
        return len(self.data)

    # The kernel table's ops as methods: ``x.exp()``, ``x.sum(axis=0)``, ``x.maximum(y)``, ...
    exp = exp
    log = log
    sqrt = sqrt
    abs = abs
    sin = sin
    cos = cos
    tanh = tanh
    sigmoid = sigmoid
    relu = relu
    softplus = softplus
    gelu = gelu
    leaky_relu = leaky_relu
    matmul = matmul
    outer = outer
    maximum = maximum
    minimum = minimum
    __abs__ = abs  # noqa: A003 - abs(t) calls the abs op

    # ------------------------------------------------------------------ conversions
    def item(self) -> Any:
        """The single element as a Python number."""
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The values (the array itself, not a copy)."""
        return self.data

    def tolist(self) -> Any:
        """The values as nested lists."""
        return self.data.tolist()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def __float__(self) -> float:
        return float(self.data.item())

    def __bool__(self) -> bool:
        return bool(self.data)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        flag = ", requires_grad=True" if self.requires_grad else ""
        return f"tensor({body}{flag})"


from mytorch import tensor_numpy as _numpy_protocol  # noqa: E402 - it builds on the Tensor above

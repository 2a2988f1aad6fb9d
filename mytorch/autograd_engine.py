"""The tape: ``Operation`` records and the ``Autograd`` engine that replays them.

A forward computation calls ``autograd.add_operation(inputs, output, gradients_to_update,
backward_operation)`` once per operation; the engine appends an ``Operation`` to its
``operation_list``. ``backward(divergence)`` walks that list in reverse: for every operation
whose output has received a gradient it calls ``backward_operation(grad_output, *inputs)``,
which returns one gradient per input. A gradient for an input whose ``gradients_to_update``
entry is an array (a parameter's ``dW``, or a view of it such as ``dW.T``) is added into that
array in place; every other input's gradient accumulates in the ``gradient_buffer``.

Nothing here recurses: the tape is a list, so a million-operation chain differentiates with
the default recursion limit.

``jvp`` replays the same list *forward* with each kernel's JVP rule (forward mode).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import math
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from mytorch import saved as _saved
from mytorch.arguments import odd_array
from mytorch.saved import OUTPUT, Snapshot, VersionCheck
from mytorch.utils import GradientBuffer

__all__ = [
    "NO_GRAD",
    "Autograd",
    "Operation",
    "detect_anomaly",
    "is_grad_enabled",
    "no_grad",
]


_ndarray = np.ndarray  # one global lookup instead of two in the hot loops
_empty = np.empty  # (NumPy's module has a __getattr__: np.name is a full lookup on Python 3.11)


class _NoGrad:
    """Type of the ``NO_GRAD`` marker."""

    _instance: _NoGrad | None = None

    def __new__(cls) -> _NoGrad:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NO_GRAD"

    def __reduce__(self) -> str:
        return "NO_GRAD"


NO_GRAD = _NoGrad()
"""Put this in ``gradients_to_update`` for an input that needs no gradient at all (raw data,
constants). Its gradient is then never stored and, for kernels with per-input rules (such as
``matmul_backward``), never computed: data @ weights costs one matmul in backward, not two."""


_RECORDING_OFF: set[int] = set()
"""The threads (by ``threading.get_ident()``) whose ``_GradMode.enabled`` is False, kept by
``_GradModeState.__setattr__`` (every write of the switch): while it is empty no thread has
recording off, and ``record`` skips reading the thread-local switch (about 0.6 K instructions).
(A thread that ended with recording off stays in it: the switch is then read, no more.)"""

_get_ident = threading.get_ident


class _GradModeState(threading.local):
    """Whether engines record: one switch per thread, as PyTorch's grad mode is. Every thread
    starts with recording on; ``no_grad`` in one thread leaves the others recording."""

    enabled: bool = True

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name == "enabled":  # (this thread alone changes its entry: set.add/discard are atomic)
            if value:
                _RECORDING_OFF.discard(_get_ident())
            else:
                _RECORDING_OFF.add(_get_ident())

    @property
    def anomaly(self) -> bool:
        """Whether ``detect_anomaly`` is on (process-wide: see ``_Anomaly``)."""
        return _Anomaly.enabled


class _AnomalyState:
    """The process-wide ``detect_anomaly`` switch (global, as PyTorch's anomaly mode is): the one
    instance ``_Anomaly``. (An instance's slot: Python 3.11 caches the read of ``_Anomaly.enabled``,
    which every recorded operation makes, where a class attribute is looked up in full.)"""

    __slots__ = ("enabled",)

    def __init__(self) -> None:
        self.enabled = False


_Anomaly = _AnomalyState()


_GradMode = _GradModeState()


class _GradSwitch:
    """A block in which recording is on or off (``enabled``) in this thread, in PyTorch's three
    forms: ``with no_grad():``, ``@no_grad()`` and ``@no_grad`` over a function (each call of the
    function then runs in such a block). The mode before the block comes back when it ends."""

    enabled = False

    def __new__(cls, func: Callable[..., Any] | None = None) -> Any:
        switch = super().__new__(cls)
        if func is None:
            return switch
        if not callable(func):
            raise TypeError(f"{cls.__name__}: takes no arguments (or a function to decorate), got {func!r}")
        return switch(func)

    def __enter__(self) -> None:
        self._previous = _GradMode.enabled
        self._requested = _InferenceMode.grad
        if _InferenceMode.enabled:  # (PyTorch: is_grad_enabled() follows, nothing is recorded)
            _InferenceMode.grad = self.enabled
        else:
            _GradMode.enabled = self.enabled

    def __exit__(self, *exc_info: object) -> None:
        _GradMode.enabled = self._previous
        _InferenceMode.grad = self._requested

    def _fresh(self) -> _GradSwitch:
        """A new switch like this one (one per call of a decorated function: threads may share it)."""
        return type(self)()

    def __call__(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """``func`` running in this mode at every call; a generator function, at every step of
        its generators (between them, the caller's mode: the code consuming what it yields), as
        PyTorch's."""
        if inspect.isgeneratorfunction(func):
            return self._over_generator(func)

        @functools.wraps(func)
        def in_mode(*args: Any, **kwargs: Any) -> Any:
            with self._fresh():
                return func(*args, **kwargs)

        return in_mode

    def _over_generator(self, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def in_mode(*args: Any, **kwargs: Any) -> Any:
            with self._fresh():
                generator = func(*args, **kwargs)
            sent: Any = None
            thrown: BaseException | None = None
            while True:
                try:
                    with self._fresh():
                        value = generator.send(sent) if thrown is None else generator.throw(thrown)
                except StopIteration as stop:
                    return stop.value
                sent, thrown = None, None
                try:
                    sent = yield value
                except GeneratorExit:
                    with self._fresh():
                        generator.close()
                    raise
                except BaseException as error:  # thrown into this generator: on into func's
                    thrown = error

        return in_mode


class no_grad(_GradSwitch):  # noqa: N801 - PyTorch's name
    """Within this block (or decorated function) no engine records anything in this thread
    (evaluation, parameter updates); other threads keep recording."""


class inference_mode(_GradSwitch):  # noqa: N801 - PyTorch's name
    """PyTorch's ``inference_mode(mode=True)``: nothing is recorded inside, not even under
    ``enable_grad`` or ``set_grad_enabled(True)``, which only make ``is_grad_enabled()`` true, as
    in PyTorch; ``inference_mode(False)`` turns inference mode off and gradients on (inside
    ``no_grad`` too), as PyTorch's. (PyTorch also marks the tensors made inside as inference
    tensors, which it then refuses to save for a backward; MyTorch's are ordinary tensors.)"""

    mode = True

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):  # ``@inference_mode`` over a function
            return super().__new__(cls, mode)
        switch = super().__new__(cls)
        switch.mode = bool(mode)
        return switch

    def __enter__(self) -> None:
        self._previous, self._requested = _GradMode.enabled, _InferenceMode.grad
        self._was_inference = _InferenceMode.enabled
        _InferenceMode.enabled = self.mode
        _InferenceMode.grad = False
        _GradMode.enabled = not self.mode

    def __exit__(self, *exc_info: object) -> None:
        _InferenceMode.enabled = self._was_inference
        super().__exit__(*exc_info)

    def _fresh(self) -> _GradSwitch:
        return type(self)(self.mode)


class _InferenceModeState(threading.local):
    """Whether this thread is inside ``inference_mode()`` (``is_inference_mode_enabled``), and
    there the grad mode ``enable_grad`` / ``set_grad_enabled`` asked for (``grad``: what
    ``is_grad_enabled()`` says; recording stays off)."""

    enabled: bool = False
    grad: bool = False


_InferenceMode = _InferenceModeState()


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()`` (of this thread; ``inference_mode(False)`` turns it off)."""
    return _InferenceMode.enabled


def is_grad_enabled() -> bool:
    """False inside a ``no_grad`` block (of this thread); inside ``inference_mode()``, whether an
    ``enable_grad`` there asked for gradients (none are recorded), as PyTorch's."""
    return _InferenceMode.grad if _InferenceMode.enabled else _GradMode.enabled


class enable_grad(_GradSwitch):  # noqa: N801 - PyTorch's name
    """Within this block (or decorated function) engines record again, also inside a
    ``no_grad`` block (this thread)."""

    enabled = True


class set_grad_enabled:  # noqa: N801 - PyTorch's name
    """Recording on (``mode`` true) or off in this thread, from now on; as a context manager
    (``with set_grad_enabled(phase == "train"):``) until the block ends, as in PyTorch."""

    def __init__(self, mode: bool) -> None:
        self.previous, self.requested = _GradMode.enabled, _InferenceMode.grad
        if _InferenceMode.enabled:  # (is_grad_enabled() follows; inference mode records nothing)
            _InferenceMode.grad = bool(mode)
        else:
            _GradMode.enabled = bool(mode)

    def __enter__(self) -> None:
        """The mode was set by the constructor."""

    def __exit__(self, *exc_info: object) -> None:
        """Back to the mode before the block."""
        _GradMode.enabled = self.previous
        _InferenceMode.grad = self.requested

    def __call__(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """``@set_grad_enabled(mode)`` over a function: ``func`` runs in ``mode`` at every call
        (a generator function at every step, as ``no_grad``'s), and the decoration itself leaves
        the caller's mode as it was, as PyTorch's (the constructor had set it: it is put back).
        A ``set_grad_enabled`` object was not callable: ``@set_grad_enabled(False)`` raised
        TypeError after turning recording off for the rest of the thread."""
        mode = _GradMode.enabled if not _InferenceMode.enabled else _InferenceMode.grad
        self.__exit__()
        return (enable_grad if mode else no_grad)()(func)


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Within this block every engine checks what it records and each gradient it computes.

    * ``add_operation`` keeps a copy of the arrays each operation's backward reads (all of
      them for a kernel that does not declare its ``reads``); ``backward`` raises
      ``RuntimeError`` naming the operation's index on the tape, its kernel and the array's
      shape when one changed in between (an in-place write).
    * The first gradient holding NaN or inf raises ``FloatingPointError`` naming the
      operation's index, its kernel and the shapes involved.
    """
    previous = _Anomaly.enabled
    _Anomaly.enabled = True
    try:
        yield
    finally:
        _Anomaly.enabled = previous


def _kernel_name(fn: Callable) -> str:
    return getattr(fn, "__name__", None) or type(fn).__name__


class Operation:
    """One recorded operation: what went in, what came out, and how to go back.

    Attributes:
        inputs: the input arrays, in the order the backward kernel expects them.
        output: the array the operation produced.
        gradients_to_update: one entry per input: ``None`` (gradient kept in the engine's
            buffer), an array of the input's shape (gradient added into it in place) or
            ``NO_GRAD`` (no gradient wanted).
        backward_operation: ``kernel(grad_output, *inputs, **params)`` returning one gradient
            per input (or a bare array for a one-input kernel).
        params: keyword arguments for the kernel (an axis, a shape, a saved output), or None.
        guard: None, or ``guard(engine, op)``, called by ``backward`` before the kernel: it
            raises ``RuntimeError`` if an array the kernel reads changed since recording
            (a ``mytorch.saved.VersionCheck`` or, under ``detect_anomaly``, a ``Snapshot``).
    """

    __slots__ = (
        "inputs",
        "output",
        "gradients_to_update",
        "backward_operation",
        "params",
        "vjp",
        "guard",
        "link",
        "pair",
    )
    pair: Operation  # (set for link -3 alone: see ``link``)

    def __init__(
        self,
        inputs: Sequence[np.ndarray],
        output: np.ndarray,
        gradients_to_update: Sequence[Any],
        backward_operation: Callable,
        params: dict[str, Any] | None = None,
        vjp: Callable | None = None,
    ) -> None:
        self.inputs = inputs
        self.output = output
        self.gradients_to_update = gradients_to_update
        self.backward_operation = backward_operation
        self.params = params
        # The function backward actually calls: the kernel itself, or a version of it that
        # computes only the gradients that are wanted (see NO_GRAD), or one given.
        self.vjp = backward_operation if vjp is None else vjp
        self.guard: Callable | None = None
        # For ``backward``: the index of the one input whose gradient goes to the buffer, when
        # ``Autograd.record`` made this operation with exactly one such input (every other one
        # NO_GRAD or a parameter's gradient array), or the Tensor front-end with exactly one such
        # input that is not a leaf's array (the leaves' gradients go to the buffer too, but no
        # operation outputs a leaf's array); negative otherwise. -3: a Linear's add, whose first
        # input is the output of its matmul, ``pair``, recorded just before it (``record_linear``).
        self.link = -1

    trusted = False
    """Recorded by ``Autograd.record`` (a ``_Trusted``): its VJP returns a tuple or list with one
    entry per input, None or an array of that input's shape, so ``backward`` checks nothing."""

    def describe(self) -> str:
        """``kernel(shape, shape) -> shape``: a one-line summary used in error messages."""
        shapes = ", ".join(str(getattr(x, "shape", type(x).__name__)) for x in self.inputs)
        return f"{_kernel_name(self.backward_operation)}({shapes}) -> {getattr(self.output, 'shape', None)}"

    def __repr__(self) -> str:
        return f"Operation({self.describe()})"


class _Trusted(Operation):
    """An operation recorded by ``Autograd.record``: built with its VJP, checked by nobody.
    Made by ``record`` itself (it has no ``__init__`` of its own: calling a class runs its
    ``__init__`` in a new evaluation of the interpreter loop) or by ``trusted_operation``."""

    __slots__ = ()
    trusted = True


_new_operation = object.__new__


def trusted_operation(
    inputs: Sequence[np.ndarray],
    output: np.ndarray,
    gradients_to_update: Sequence[Any],
    backward_operation: Callable,
    params: dict[str, Any] | None,
    vjp: Callable,
    link: int = -1,
) -> Operation:
    """A ``_Trusted`` operation with ``Operation``'s fields (the Tensor front-end's, when it makes
    an ``Operation`` of an entry; ``Autograd.record`` makes its own without this call, as it runs
    for every operation it records). ``link``: see ``Operation.link`` (-1: none)."""
    op = Operation(inputs, output, gradients_to_update, backward_operation, params, vjp)
    op.__class__ = _Trusted
    op.link = link
    return op


def _pruned_vjp(kernel: Callable, skipped: int, count: int) -> Callable:
    """A VJP computing only the wanted gradients, from the kernel's per-input ``partials``.

    ``skipped`` has bit i set when input i is ``NO_GRAD``. Kernels without ``partials`` are
    called whole and the unwanted gradients dropped (nothing is cached for them: the cache
    would keep a user's kernel, and whatever it refers to, alive). The result is cached in
    ``_PRUNED``, which is bounded: a program recording fresh callables does not grow it forever.
    """
    partials = getattr(kernel, "partials", None)
    if partials is None or len(partials) != count:
        return kernel
    else:
        rules = [(i, rule) for i, rule in enumerate(partials) if not skipped >> i & 1]

        def pruned(grad_output: np.ndarray, *inputs: np.ndarray, **params: Any) -> list:
            grads = [None] * count
            for i, rule in rules:
                grads[i] = rule(grad_output, *inputs, **params)
            return grads

        pruned.__name__ = _kernel_name(kernel)
    if len(_PRUNED) >= _MAX_PRUNED:
        _PRUNED.clear()
    _PRUNED[(kernel, skipped)] = pruned
    return pruned


_PRUNED: dict[tuple[Callable, int], Callable] = {}
_MAX_PRUNED = 256  # far more than the kernel table's rows times their NO_GRAD patterns


def _check_destination(name: str, i: int, x: np.ndarray, dst: np.ndarray, inputs: list[Any], output: Any) -> None:
    """Refuse a gradient array ``dst`` for input ``i`` that backward could not add into, or
    whose sum would be wrong: read-only, of an integer dtype or narrower than its input's
    (float32 for a float64 input), or sharing memory with an input or the output (``[W, None]``
    for ``[dW, None]``: the gradient would be added into the weights)."""
    where = f"add_operation({name}): gradients_to_update[{i}]"
    if x.dtype.kind not in "fc":
        raise TypeError(f"add_operation({name}): input {i} has dtype {x.dtype} and cannot have a gradient")
    if dst.dtype.kind not in "fc" or np.result_type(dst.dtype, x.dtype) != dst.dtype:
        raise TypeError(
            f"{where} has dtype {dst.dtype} but input {i} is {x.dtype}: its gradient would be cut to "
            f"{dst.dtype}; give a gradient array of the input's dtype (np.zeros_like)"
        )
    if not dst.flags.writeable:
        raise ValueError(f"{where} (shape {dst.shape}) is read-only: backward adds the gradient into it")
    for j, other in [(i, x), *enumerate(inputs), ("output", output)]:  # (its own input named first)
        if isinstance(other, np.ndarray) and np.shares_memory(dst, other):
            what = "the output" if j == "output" else f"input {j}"
            raise ValueError(
                f"{where} shares memory with {what} (shape {other.shape}): backward would add the gradient into "
                "that value; give the parameter's own gradient array (dW, not W)"
            )


def _listed(entries: Any, what: str, backward_operation: Any) -> list[Any]:
    """``add_operation``'s ``inputs`` or ``gradients_to_update`` given as another iterable than a
    list, as a list; an array (whose rows ``list`` would make the entries) or a non-iterable is
    refused, naming the kernel."""
    if not isinstance(entries, np.ndarray):
        try:
            return list(entries)
        except TypeError:
            pass
    raise TypeError(
        f"add_operation({_kernel_name(backward_operation)}): {what} must be a list with one entry per input, "
        f"got {type(entries).__name__}" + (" (wrap a single array: [x])" if isinstance(entries, np.ndarray) else "")
    )


def _read_before_written(backward_operation: Any, output: np.ndarray) -> ValueError:
    """The error for an output array that an operation already on the tape reads as an input
    whose gradient the buffer keeps: the array was written after that operation read it (a
    buffer reused with ``out=``), or the operation making it is recorded after one using it.
    Backward, which walks the tape in reverse and keys gradients by array, would mix the two
    arrays' gradients and give a wrong one without a word."""
    return ValueError(
        f"add_operation({_kernel_name(backward_operation)}): the output (shape {output.shape}) is an input of an "
        "operation already on the tape: an array written after an operation read it (an out= buffer used "
        "twice), or operations recorded out of the order they ran; backward would mix their gradients: compute "
        "each result into a new array and record each operation right after it runs"
    )


def _validate(inputs: list[Any], output: Any, gradients_to_update: list[Any], backward_operation: Any) -> int:
    """The full check of ``add_operation``'s arguments: raises on the first problem found.

    Returns:
        The inputs marked ``NO_GRAD``, as bits (bit i for input i): their gradients are skipped.
    """
    name = _kernel_name(backward_operation)
    if not callable(backward_operation):
        raise TypeError(f"add_operation: backward_operation {backward_operation!r} is not callable")
    if len(inputs) != len(gradients_to_update):
        raise ValueError(
            f"add_operation({name}): {len(inputs)} inputs but {len(gradients_to_update)} "
            "entries in gradients_to_update; give one entry (None, an array or NO_GRAD) "
            "per input, in the same order"
        )
    if not isinstance(output, np.ndarray):
        raise TypeError(f"add_operation({name}): output must be a numpy.ndarray, got {type(output).__name__}")
    for what, a in (("the output", output), *((f"input {i}", x) for i, x in enumerate(inputs))):
        why = odd_array(a)
        if why:
            raise TypeError(f"add_operation({name}): {what} is {why}")
    skipped = 0
    for i, (x, dst) in enumerate(zip(inputs, gradients_to_update)):
        if not isinstance(x, np.ndarray):
            raise TypeError(
                f"add_operation({name}): input {i} must be a numpy.ndarray, got "
                f"{type(x).__name__}; wrap constants with np.asarray and mark them NO_GRAD"
            )
        if x is output:
            raise ValueError(
                f"add_operation({name}): the output is input {i} itself (shape {x.shape}); an operation "
                "done in place overwrites what backward needs: compute into a new array"
            )
        if dst is None:
            if x.dtype.kind not in "fc":
                raise TypeError(
                    f"add_operation({name}): input {i} has dtype {x.dtype} and needs a "
                    "gradient; only floating-point arrays can have one (cast it, or pass "
                    "NO_GRAD for it in gradients_to_update)"
                )
        elif dst is NO_GRAD:
            skipped |= 1 << i
        elif isinstance(dst, np.ndarray):
            if dst.shape != x.shape:
                raise ValueError(
                    f"add_operation({name}): gradients_to_update[{i}] has shape {dst.shape} "
                    f"but input {i} has shape {x.shape}"
                )
            _check_destination(name, i, x, dst, inputs, output)
        else:
            raise TypeError(
                f"add_operation({name}): gradients_to_update[{i}] must be None, NO_GRAD or "
                f"a numpy.ndarray, got {type(dst).__name__}"
            )
    return skipped


def _read_by(op: Operation, skipped: int) -> list[int]:
    """The arrays ``op``'s backward reads for its wanted gradients (input indices, ``OUTPUT``),
    from its kernel's ``reads`` declaration; every array when it has none."""
    from mytorch.nn.functional import reads_of

    reads = reads_of(op.backward_operation)
    if reads is None:
        return [*range(len(op.inputs)), OUTPUT]
    return sorted({j for i, r in enumerate(reads) if not skipped >> i & 1 for j in r})


def _seed(divergence: Any, op: Operation) -> np.ndarray:
    """The gradient that starts ``backward`` at ``op``'s output: ``divergence`` broadcast to its
    shape and dtype, checked to be finite."""
    out = op.output
    if type(divergence) is float:  # the common case, checked cheaply (an array's dtype read once)
        dtype = out.dtype
        if dtype.kind == "f":
            value = dtype.type(divergence)
            if math.isfinite(value):
                seed = _empty(out.shape, dtype)
                seed.fill(value)
                return seed
    given = np.asarray(divergence)
    if given.dtype.kind not in ("iufc" if out.dtype.kind == "c" else "iuf"):
        raise TypeError(
            f"backward: the divergence must be integers or floats{' or complex' if out.dtype.kind == 'c' else ''}, "
            f"got a {type(divergence).__name__} of dtype {given.dtype} ({op.describe()})"
        )
    divergence = given.astype(out.dtype, copy=False) if out.dtype.kind in "fc" else given
    seed = np.empty(out.shape, dtype=divergence.dtype)
    try:
        seed[...] = divergence  # broadcasts, like np.broadcast_to(...).copy() but cheaper
    except ValueError:
        raise ValueError(
            f"backward: divergence of shape {divergence.shape} cannot broadcast to the output's "
            f"shape {out.shape} ({op.describe()})"
        ) from None
    if seed.dtype.kind in "fc" and not np.isfinite(seed).all():
        beyond = given.dtype != seed.dtype and given.dtype.kind in "biuf" and np.isfinite(given).all()
        # (finite float64 values beyond a float32 output's range became inf in the cast)
        where = f", beyond the output's {seed.dtype} range" if beyond else ""
        raise ValueError(f"backward: the divergence holds NaN or inf{where} ({op.describe()})")
    return seed


class Autograd:
    """A tape of operations with reverse-mode (``backward``) and forward-mode (``jvp``) replay.

    Any number of engines may exist at once; each has its own tape and gradient buffer.

    Attributes:
        gradient_buffer: gradients of the inputs that are not parameters (``GradientBuffer``).
        operation_list: the recorded ``Operation`` objects, in the order they ran.
        tangents: after ``jvp``, ``{id(array): tangent}`` for every array the replay reached.
    """

    def __init__(self) -> None:
        self.gradient_buffer = GradientBuffer()
        self.operation_list: list[Operation] = []
        self.tangents: dict[int, np.ndarray] = {}
        self._recording = True
        self._kept = False  # a backward(keep_grads=True) left intermediate gradients in the buffer
        self._read: dict[int, np.ndarray] = {}  # add_operation's inputs with no spot (a dW, NO_GRAD), by id

    # ------------------------------------------------------------------ recording
    def add_operation(
        self,
        inputs: Sequence[np.ndarray],
        output: np.ndarray,
        gradients_to_update: Sequence[Any],
        backward_operation: Callable,
        params: dict[str, Any] | None = None,
    ) -> Operation | None:
        """Record one operation on the tape (nothing is recorded under ``no_grad``).

        Args:
            inputs: the operation's input arrays (``numpy.ndarray``; wrap constants).
            output: the array it produced.
            gradients_to_update: one entry per input: ``None``, an array of the input's shape
                (a parameter's gradient, updated in place), or ``NO_GRAD``.
            backward_operation: the backward kernel, ``kernel(grad_output, *inputs, **params)``.
            params: extra keyword arguments for the kernel (and its JVP rule).

        Returns:
            The recorded ``Operation``, or None when recording is off.

        Raises:
            TypeError: a non-array input or output, an integer input that needs a gradient,
                a kernel that is not callable, an entry of ``gradients_to_update`` that is
                neither None, NO_GRAD nor an array.
            ValueError: ``inputs`` and ``gradients_to_update`` differ in length, or a
                gradient array's shape differs from its input's.
        """
        if not (_GradMode.enabled and self._recording):
            return None
        # BEGIN SOLUTION: append an Operation to operation_list; give each input tracked internally a spot (4.1.1)
        if type(inputs) is not list:
            inputs = _listed(inputs, "inputs", backward_operation)
        if type(gradients_to_update) is not list:
            gradients_to_update = _listed(gradients_to_update, "gradients_to_update", backward_operation)
        # The fast check accepts the common, valid cases and notes which inputs are NO_GRAD
        # (bit i of ``skipped``); anything else gets the full check, which raises with a
        # precise message (or accepts, e.g. an ndarray subclass).
        skipped = 0
        valid = False
        if type(output) is _ndarray and len(inputs) == len(gradients_to_update):
            bit = 1
            for x, dst in zip(inputs, gradients_to_update):
                if type(x) is not _ndarray or x is output:
                    break
                if dst is None:
                    if x.dtype.kind not in "fc":
                        break
                elif dst is NO_GRAD:
                    skipped |= bit
                elif (
                    type(dst) is not _ndarray
                    or dst.shape != x.shape
                    or dst.dtype is not x.dtype
                    or x.dtype.kind not in "fc"
                    or not dst.flags.writeable
                    or any(np.may_share_memory(dst, a) for a in (output, *inputs))
                ):
                    break
                bit += bit
            else:
                valid = True
        if not (valid and callable(backward_operation)):
            skipped = _validate(inputs, output, gradients_to_update, backward_operation)
        spots = self.gradient_buffer.owners
        read = self._read
        if id(output) in spots or id(output) in read:  # (each keeps its arrays alive: an id is its own)
            raise _read_before_written(backward_operation, output)
        op = Operation(inputs, output, gradients_to_update, backward_operation, params)
        if skipped:
            op.vjp = _PRUNED.get((backward_operation, skipped)) or _pruned_vjp(backward_operation, skipped, len(inputs))
        if _Anomaly.enabled:
            op.guard = Snapshot(op, _read_by(op, skipped))
        self.operation_list.append(op)
        # Handout 4.1.1 step 1: a spot in the gradient buffer for each input whose gradient
        # the engine tracks; nothing is allocated until a gradient arrives (GradientBuffer).
        for x, dst in zip(inputs, gradients_to_update):
            if dst is None:
                spots[id(x)] = x
            else:  # a parameter with its own gradient array, or a constant: its backward reads it too
                read[id(x)] = x
        return op
        # END SOLUTION

    def record(
        self,
        inputs: Sequence[np.ndarray],
        output: np.ndarray,
        gradients_to_update: Sequence[Any],
        backward_operation: Callable,
        params: dict[str, Any] | None = None,
        vjp: Callable | None = None,
        skipped: int = 0,
        link: int | None = None,
    ) -> Operation | None:
        """``add_operation`` for callers that checked their arguments once: no checks at all.

        The modules (``Linear``, the activations, the losses) record every step through this:
        their arrays were checked when they were built or entered ``forward``. Arguments that
        ``add_operation`` would refuse give undefined results here; everyone else calls
        ``add_operation``.

        Args:
            inputs, output, gradients_to_update, backward_operation, params: as for
                ``add_operation`` (lists or tuples: a tuple of arrays costs the garbage
                collector nothing on a long tape).
            vjp: the function backward calls instead of ``backward_operation`` (a version of
                it specialised to the caller's operands), or None.
            skipped: the inputs marked ``NO_GRAD``, as bits (bit i for input i), when ``vjp``
                is None: backward then computes only the wanted gradients.
            link: the index of the one input whose entry in ``gradients_to_update`` is None
                (every other one ``NO_GRAD`` or an array), or -1 when no entry is None; None:
                ``record`` finds it from ``gradients_to_update``. A caller whose operations
                always have the same entries (the modules) passes it and saves that loop; like
                the other arguments, it is not checked (``tests/test_modules.py`` checks the
                modules' against what ``record`` finds).
        """
        if not self._recording or (_RECORDING_OFF and not _GradMode.enabled):
            return None
        # BEGIN SOLUTION NO PROMPT
        if not _Anomaly.enabled:  # (under detect_anomaly: the checked path below, with what it adds)
            if vjp is None:
                vjp = backward_operation
                if skipped:
                    vjp = _PRUNED.get((vjp, skipped)) or _pruned_vjp(vjp, skipped, len(inputs))
            if link is None:  # found here: the inputs whose gradient goes to the buffer get their spots
                spots = self.gradient_buffer.owners
                link = -1  # (-2: more than one)
                i = 0
                for dst in gradients_to_update:
                    if dst is None:
                        x = inputs[i]
                        spots[id(x)] = x
                        link = i if link == -1 else -2
                    i += 1
            elif link >= 0:  # given by the caller: that input alone gets a spot
                x = inputs[link]
                self.gradient_buffer.owners[id(x)] = x
            # (trusted_operation's result, made here: one Python call less an operation)
            op = _new_operation(_Trusted)
            op.inputs = inputs
            op.output = output
            op.gradients_to_update = gradients_to_update
            op.backward_operation = backward_operation
            op.params = params
            op.vjp = vjp
            op.guard = None
            op.link = link
            self.operation_list.append(op)
            return op
        # END SOLUTION
        # The checked path: add_operation (in the students' starter, where the lines above are
        # left out, their own), then the given VJP.
        checked = self.add_operation(inputs, output, gradients_to_update, backward_operation, params)
        if checked is None and self.operation_list:  # (an add_operation that returns nothing)
            checked = self.operation_list[-1]
        if vjp is not None and checked is not None:
            checked.vjp = vjp
        return checked

    def record_linear(
        self,
        x: np.ndarray,
        Wt: np.ndarray,
        h: np.ndarray,
        x_grad: Any,
        dWt: np.ndarray,
        matmul: Callable,
        matmul_vjp: Callable,
        b: np.ndarray,
        y: np.ndarray,
        db: np.ndarray,
        add: Callable,
        add_vjp: Callable,
    ) -> None:
        """A Linear layer's two operations, ``h = x W^T`` and ``y = h + b``: what
        ``record((x, Wt), h, (x_grad, dWt), matmul, None, matmul_vjp)`` then
        ``record((h, b), y, (None, db), add, None, add_vjp)`` record, in one call. The add notes the
        matmul as its ``pair`` (its ``link`` -3: its first input is the matmul's output, which
        nothing else reads), so that ``backward`` differentiates both in one step of its loop.
        ``x_grad`` is None (x's gradient to the buffer) or ``NO_GRAD``; nothing is checked, as
        for ``record``."""
        if not self._recording or (_RECORDING_OFF and not _GradMode.enabled):
            return
        # BEGIN SOLUTION NO PROMPT
        if not _Anomaly.enabled:  # (under detect_anomaly: the two checked records below)
            owners = self.gradient_buffer.owners
            if x_grad is None:
                owners[id(x)] = x
            owners[id(h)] = h
            # (record's two operations, made here side by side: no call for either)
            first, op = _new_operation(_Trusted), _new_operation(_Trusted)
            first.inputs, op.inputs = (x, Wt), (h, b)
            first.output, op.output = h, y
            first.gradients_to_update, op.gradients_to_update = (x_grad, dWt), (None, db)
            first.backward_operation, op.backward_operation = matmul, add
            first.vjp, op.vjp = matmul_vjp, add_vjp
            first.params = first.guard = op.params = op.guard = None
            first.link, op.link, op.pair = -1 if x_grad is NO_GRAD else 0, -3, first
            ops = self.operation_list
            ops.append(first)
            ops.append(op)
            return
        # END SOLUTION
        self.record((x, Wt), h, (x_grad, dWt), matmul, None, matmul_vjp, 0, -1 if x_grad is NO_GRAD else 0)
        self.record((h, b), y, (None, db), add, None, add_vjp, 0, 0)

    @contextlib.contextmanager
    def no_grad(self) -> Iterator[None]:
        """Within this block this engine records nothing."""
        previous = self._recording
        self._recording = False
        try:
            yield
        finally:
            self._recording = previous

    # ------------------------------------------------------------------ reverse mode
    def backward(
        self,
        divergence: Any = 1.0,
        output: np.ndarray | None = None,
        keep_grads: bool = False,
    ) -> None:
        """Propagate ``divergence`` back through the tape.

        Args:
            divergence: the gradient of the final output; a scalar broadcasts to its shape.
            output: the recorded output to start from (default: the last operation's).
            keep_grads: keep the gradients of intermediate results in the buffer. By default
                they are freed as soon as they have been propagated; gradients of arrays that
                were never an operation's output (data, leaves) always stay readable.

        Calling ``backward`` twice accumulates into parameters and leaves (and into kept
        intermediate gradients), like PyTorch; each call propagates only its own divergence.

        Raises:
            ValueError: empty tape, ``output`` not on the tape, a divergence that cannot
                broadcast to the output, or a kernel returning the wrong number of gradients
                or a gradient of the wrong shape.
            TypeError: a kernel returning something that is not an array.
            RuntimeError: an array the kernel reads was changed in place after recording
                (always for Tensors; under ``detect_anomaly`` for any engine).
            FloatingPointError: under ``detect_anomaly``, a NaN or inf gradient.
        """
        # BEGIN SOLUTION: walk operation_list in reverse, call each backward_operation, accumulate (4.1.2)
        ops = self.operation_list
        if not ops:
            raise ValueError(
                "backward: the tape is empty; record operations with add_operation first "
                "(was zero_grad called, or did the forward pass run under no_grad?)"
            )
        start = len(ops) - 1
        if output is not None and ops[start].output is not output:  # (the last operation's: no call)
            start = self._index_of(output)
        seed = _seed(divergence, ops[start])
        memory = self.gradient_buffer.memory
        owners = self.gradient_buffer.owners
        anomaly = _Anomaly.enabled
        lean = not anomaly  # trusted operations' gradients need no check (unless detect_anomaly)
        # The first input of an operation to get its first gradient keeps it in ``carried``, not
        # in the buffer: in a chain the next operation back produced that input and takes the
        # gradient straight from there (no storing it and taking it out again); otherwise it goes
        # into the buffer before that operation, as it would have.
        carried: np.ndarray | None = None
        carried_grad: Any = None
        chained = not keep_grads
        kept = self._set_aside_kept(ops[: start + 1]) if self._kept else []
        self._kept = self._kept or keep_grads
        # ``links``: while every operation back so far was a ``link`` (one input whose gradient
        # goes to the buffer, every other one NO_GRAD, a parameter's array or a Tensor leaf's, which
        # no operation outputs) taking the array carried, and the buffer held nothing when backward
        # began, nothing else can add to the gradient carried: the next one is carried on without
        # looking in the buffer.
        links = chained and lean and not memory and not kept
        # The buffer's spots (``record``'s, ``add_operation``'s) are all made before backward: with
        # none, an array carried has no entry in ``owners`` to release (the loop's own entries
        # come and go with the gradients they keep, and a carried array had none).
        spotted = bool(owners)
        out = ops[start].output
        if links:
            carried, carried_grad = out, seed
        else:
            key = id(out)
            held = memory.get(key)
            memory[key] = seed if held is None else held + seed
            owners[key] = out
        take = memory.get if keep_grads else memory.pop
        release = owners.get if keep_grads else owners.pop  # (get: nothing to release, at the cost of a lookup)
        lookup = memory.get
        paired = None  # a Linear's matmul, differentiated with its add (link -3) in the add's step
        for op in ops[start::-1]:
            out = op.output
            if out is carried:
                grad, carried = carried_grad, None
                if spotted:
                    release(id(out), None)  # (its spot, if ``add_operation`` or ``record`` made one)
            else:
                if op is paired:
                    continue
                if carried is not None:
                    k = id(carried)
                    memory[k] = carried_grad
                    owners[k] = carried
                    carried = None
                    links = False
                okey = id(out)
                grad = take(okey, None)
                if grad is None:
                    continue
                release(okey, None)
            guard = op.guard
            if guard is not None and (type(guard) is not VersionCheck or guard.since != _saved._BUMPS):
                # (a version check passes without its call while no version moved since it began)
                guard.__call__(self, op)  # type: ignore[operator]  # (by its method: stays in this evaluation of the loop)
            inputs = op.inputs
            vjp = op.vjp  # (read as a slot: a method call on it would be looked up in full)
            params = op.params
            if params is not None:
                if len(inputs) == 1 and len(params) == 1 and "out" in params:
                    # (a kernel given its forward's result, as tanh's: the one keyword named,
                    # at about a third of the cost of unpacking the dict)
                    grads = vjp(grad, inputs[0], out=params["out"])
                else:
                    grads = vjp(grad, *inputs, **params)
            elif len(inputs) == 2:  # (operands by position, not unpacked: the same stays-in-the-loop call)
                grads = vjp(grad, inputs[0], inputs[1])
            elif len(inputs) == 1:
                grads = vjp(grad, inputs[0])
            else:
                grads = vjp(grad, *inputs)
            if links and (t := op.link) >= 0:  # (lean: trusted, as ``record`` or the Tensor front-end made it)
                n = len(grads)
                if n > 1 and (n != 2 or grads[1 - t] is not None):  # the parameters' gradients, added into
                    # their arrays (a Linear's, written into dW and db by its VJPs, come back None)
                    dsts = op.gradients_to_update
                    i = -1
                    for gx in grads:
                        i += 1
                        if gx is not None and i != t:
                            dst = dsts[i]
                            if dst is None:  # a Tensor leaf's: into the buffer, as below
                                if type(gx) is not _ndarray:
                                    gx = np.asarray(gx)
                                x = inputs[i]
                                k = id(x)
                                held = lookup(k)
                                if held is None:
                                    memory[k] = gx
                                    owners[k] = x
                                else:
                                    memory[k] = held + gx
                            elif dst is not NO_GRAD:
                                dst += gx
                gx = grads[t]
                if gx is not None:
                    if type(gx) is not _ndarray:  # NumPy's scalar for a 0-d gradient: keep an array
                        gx = np.asarray(gx)
                    carried, carried_grad = inputs[t], gx
                continue
            if links and t == -3:
                # A Linear's add y = h + b (record_linear): its matmul h = x W^T, op.pair, next, in
                # this step. As a link: h, read by nothing else, takes y's gradient whole.
                gx = grads[1]
                if gx is not None:  # (db's, when its VJP did not write it into db)
                    dst = op.gradients_to_update[1]
                    dst += gx
                if spotted:
                    release(id(inputs[0]), None)
                paired = op = op.pair
                inputs = op.inputs
                grads = op.vjp(grads[0], inputs[0], inputs[1])
                gx = grads[1]
                if gx is not None:  # (dW's, when its VJP did not write it into dW)
                    dst = op.gradients_to_update[1]
                    dst += gx
                gx = grads[0]
                if gx is not None:  # (None: x needs no gradient)
                    carried, carried_grad = inputs[0], gx
                continue
            links = False
            if not (lean and op.trusted):  # a trusted VJP returns one array (or None) per input
                grads = self._checked_gradients(op, grads, anomaly)
            # (By position, touching an input's entries only when it got a gradient: many are
            # None, as the modules write their parameters' gradients themselves.)
            i = -1
            for gx in grads:
                i += 1
                if gx is None:
                    continue
                dst = op.gradients_to_update[i]
                if dst is None:
                    if type(gx) is not _ndarray:  # NumPy's scalar for a 0-d gradient: keep an array
                        gx = np.asarray(gx)
                    x = inputs[i]
                    if x is carried:  # (the same array twice among the inputs)
                        carried_grad = carried_grad + gx
                        continue
                    k = id(x)
                    held = lookup(k)
                    if held is None:
                        if chained and carried is None:
                            carried, carried_grad = x, gx
                        else:
                            memory[k] = gx
                            owners[k] = x
                    else:
                        memory[k] = held + gx
                elif dst is not NO_GRAD:
                    dst += gx
        if carried is not None:
            k = id(carried)
            memory[k] = carried_grad
            owners[k] = carried
        for x, grad in kept:
            self.gradient_buffer.update_param(x, grad)
        # END SOLUTION

    # BEGIN SOLUTION NO PROMPT
    def _checked_gradients(self, op: Operation, grads: Any, anomaly: bool) -> list[Any]:
        """What ``op``'s VJP returned, checked: one gradient per input (a bare array from a
        one-input kernel counts, and so does a NumPy scalar: arithmetic on a 0-d array gives one),
        each None or an array of its input's shape; finite under ``detect_anomaly``. Gradients
        nobody wants (``NO_GRAD``) become None, unchecked.

        Raises:
            ValueError: the wrong number of gradients, or a gradient of the wrong shape.
            TypeError: a gradient that is not an array.
            FloatingPointError: under ``detect_anomaly``, a NaN or inf in a gradient.
        """
        inputs = op.inputs
        if type(grads) is not tuple and type(grads) is not list:
            grads = (grads,) if isinstance(grads, (np.ndarray, np.generic)) else tuple(grads)
        if len(grads) != len(inputs):
            raise ValueError(
                f"backward: operation {self._position(op)} ({op.describe()}) returned {len(grads)} "
                f"gradients for {len(inputs)} inputs"
            )
        checked: list[Any] = []
        for x, gx, dst in zip(inputs, grads, op.gradients_to_update):
            if gx is None or dst is NO_GRAD:
                checked.append(None)
                continue
            if type(gx) is not _ndarray:
                gx = self._as_gradient(gx, op)
            if gx.shape != x.shape:
                raise ValueError(
                    f"backward: operation {self._position(op)} ({op.describe()}) returned a gradient of "
                    f"shape {gx.shape} for an input of shape {x.shape}"
                )
            if anomaly and not np.isfinite(gx).all():
                raise FloatingPointError(
                    f"detect_anomaly: operation {self._position(op)} ({op.describe()}) produced a "
                    f"non-finite gradient (NaN or inf) for an input of shape {x.shape}"
                )
            checked.append(gx)
        return checked

    # END SOLUTION

    def _position(self, op: Operation) -> int:
        """The index of ``op`` on the tape (for error messages)."""
        return next(i for i, other in enumerate(self.operation_list) if other is op)

    def _as_gradient(self, gx: Any, op: Operation) -> np.ndarray:
        if isinstance(gx, (np.ndarray, np.generic, float, int)):
            return np.asarray(gx)
        raise TypeError(
            f"backward: operation {self._position(op)} ({op.describe()}) returned a "
            f"{type(gx).__name__} as a gradient; kernels return numpy arrays (or None)"
        )

    def _index_of(self, output: np.ndarray | None) -> int:
        ops = self.operation_list
        if output is None:
            return len(ops) - 1
        for index in range(len(ops) - 1, -1, -1):
            if ops[index].output is output:
                return index
        raise ValueError(
            f"backward: the given output (shape {getattr(output, 'shape', None)}) is not the "
            "output of any operation on this tape"
        )

    def _set_aside_kept(self, ops: list[Operation]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Take out of the buffer the gradients an earlier ``backward(keep_grads=True)`` kept
        for the outputs of ``ops``: they are results, not gradients to propagate again."""
        memory = self.gradient_buffer.memory
        kept = []
        for op in ops:
            grad = memory.pop(id(op.output), None)
            if grad is not None:
                kept.append((op.output, grad))
        return kept

    def zero_grad(self) -> None:
        """Clear the tape and every gradient in the buffer (parameters' own ``dW`` are the
        modules' to zero)."""
        self.gradient_buffer.clear()
        self.operation_list.clear()
        self._read.clear()
        self.tangents = {}
        self._kept = False

    # ------------------------------------------------------------------ forward mode
    def jvp(
        self,
        inputs: Sequence[np.ndarray],
        tangents: Sequence[np.ndarray],
        outputs: Sequence[np.ndarray] | None = None,
        no_grad_constant: bool = False,
    ) -> list[np.ndarray]:
        """Forward mode: the directional derivative of recorded outputs along ``tangents``.

        Replays the tape in recording order, applying each kernel's JVP rule (from the kernel
        table, or registered with ``mytorch.nn.functional.register_jvp``).

        Args:
            inputs: recorded arrays to perturb (leaves or intermediates).
            tangents: one tangent per input, of the input's shape.
            outputs: the arrays whose tangents to return (default: the last op's output).
            no_grad_constant: an input an operation marks ``NO_GRAD`` has no tangent there, even
                when it is a perturbed array (``mytorch.func``: every input that is not a primal
                is a constant, and ``x.detach()`` is x's very array). Off by default: the
                handout's modules mark a target ``NO_GRAD``, which forward mode may perturb.

        Returns:
            One tangent per output (zeros where the perturbation does not reach).
        """
        from mytorch.nn.functional import jvp_rule

        if len(inputs) != len(tangents):
            raise ValueError(f"jvp: {len(inputs)} inputs but {len(tangents)} tangents")
        if not self.operation_list:
            raise ValueError("jvp: the tape is empty; record operations first")
        tan: dict[int, np.ndarray] = {}
        for i, (x, t) in enumerate(zip(inputs, tangents)):
            if np.iscomplexobj(t) and x.dtype.kind != "c":
                raise TypeError(
                    f"jvp: tangent {i} is complex ({np.asarray(t).dtype}) but its input is real "
                    f"({x.dtype}, shape {x.shape}); forward mode would drop the imaginary part: give a "
                    "real tangent (or call jvp twice, with the real and the imaginary parts)"
                )
            kind = np.asarray(t).dtype.kind
            if kind not in "biufc":  # (strings such as "1.5" were read as numbers, objects converted)
                raise TypeError(f"jvp: tangent {i} must hold numbers, got dtype {np.asarray(t).dtype}")
            t = np.asarray(t, dtype=x.dtype)
            if t.shape != x.shape:
                raise ValueError(f"jvp: tangent {i} has shape {t.shape}, its input {x.shape}")
            tan[id(x)] = t
        wanted = [self.operation_list[-1].output] if outputs is None else list(outputs)
        needed: set[int] | None = None  # what the wanted outputs are computed from, if asked
        for index, op in enumerate(self.operation_list):
            ts = [tan.get(id(x)) for x in op.inputs]
            if no_grad_constant:
                ts = [None if dst is NO_GRAD else t for t, dst in zip(ts, op.gradients_to_update)]
            if all(t is None for t in ts):
                continue
            if op.guard is not None:  # the rule would read an array changed in place since recording
                try:
                    op.guard(self, op)
                except RuntimeError as error:
                    needed = self._computed_from(wanted) if needed is None else needed
                    if id(op.output) not in needed:
                        continue  # a value the outputs do not depend on: no tangent, no error
                    why = str(error).removeprefix("backward: ")
                    raise RuntimeError(f"jvp (forward mode replays what was recorded): {why}") from error
            rule = jvp_rule(op.backward_operation)
            if rule is None:
                raise ValueError(
                    f"jvp: operation {index} ({op.describe()}) has no JVP rule; register one "
                    "with mytorch.nn.functional.register_jvp"
                )
            params = op.params or {}
            t_out = np.asarray(rule(ts, *op.inputs, **params))
            if t_out.shape != op.output.shape:
                raise ValueError(
                    f"jvp: operation {index} ({op.describe()}) gave a tangent of shape "
                    f"{t_out.shape} for an output of shape {op.output.shape}"
                )
            tan[id(op.output)] = t_out
        self.tangents = tan
        self._require_on_tape("jvp", inputs, "input")
        self._require_on_tape("jvp", wanted, "output")
        return [tan[id(y)] if id(y) in tan else np.zeros_like(y) for y in wanted]

    def _computed_from(self, arrays: Sequence[np.ndarray]) -> set[int]:
        """The ids of ``arrays`` and of every recorded array they are computed from."""
        ids = {id(y) for y in arrays}
        for op in reversed(self.operation_list):
            if id(op.output) in ids:
                ids.update(id(x) for x in op.inputs)
        return ids

    def _require_on_tape(self, method: str, arrays: Sequence[np.ndarray], what: str) -> None:
        """Raise if one of ``arrays`` is neither an input nor an output of a recorded operation
        (its tangent would silently be zero)."""
        on_tape = {id(x) for op in self.operation_list for x in op.inputs}
        on_tape.update(id(op.output) for op in self.operation_list)
        for i, x in enumerate(arrays):
            if id(x) not in on_tape:
                raise ValueError(
                    f"{method}: {what} {i} (shape {getattr(x, 'shape', None)}) is not on this tape: no recorded "
                    "operation reads or produces it"
                )

    def __len__(self) -> int:
        return len(self.operation_list)

    def __repr__(self) -> str:
        return f"Autograd({len(self.operation_list)} operations, {len(self.gradient_buffer)} gradients)"

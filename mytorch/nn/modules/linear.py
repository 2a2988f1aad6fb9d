"""``Linear``: the affine layer y = x W^T + b, recorded as a matmul and an add.

The handout's layout: ``W`` has shape (out_features, in_features), ``b`` is 1-D
(out_features,), and their gradients ``dW`` and ``db`` live in the layer and are updated in
place by the engine. The matmul is recorded with inputs ``[x, W.T]`` and gradient
destinations ``[None, dW.T]``: ``dW.T`` is a view, so the engine's in-place add lands in
``dW``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from mytorch.autograd_engine import NO_GRAD, _Anomaly
from mytorch.dtypes import ZERO32 as _ZERO32
from mytorch.dtypes import ZERO64 as _ZERO64
from mytorch.dtypes import float32 as _FLOAT32
from mytorch.dtypes import float64 as _FLOAT64
from mytorch.nn import functional as F
from mytorch.nn.modules.module import Module, expect_array, record

__all__ = ["INITS", "Linear"]

INITS = ("uniform", "xavier", "he")
"""Weight initialisations: the handout's uniform +-sqrt(1/in), Xavier/Glorot, He."""


def _check_size(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"Linear: {name} must be a positive integer, got {value!r}")
    return int(value)


def init_weights(
    out_features: int, in_features: int, init: str, rng: np.random.Generator, dtype: np.dtype
) -> tuple[np.ndarray, np.ndarray]:
    """Fresh ``(W, b)`` for a layer.

    * ``uniform`` (the handout's default): W and b uniform in +-sqrt(1/in_features);
    * ``xavier``: W uniform in +-sqrt(6/(in+out)) (Glorot), b zero;
    * ``he``: W normal with standard deviation sqrt(2/in) (for ReLU networks), b zero.
    """
    shape = (out_features, in_features)
    if init == "uniform":
        bound = math.sqrt(1.0 / in_features)
        W = rng.uniform(-bound, bound, size=shape)
        b = rng.uniform(-bound, bound, size=out_features)
    elif init == "xavier":
        bound = math.sqrt(6.0 / (in_features + out_features))
        W = rng.uniform(-bound, bound, size=shape)
        b = np.zeros(out_features)
    elif init == "he":
        W = rng.standard_normal(shape) * math.sqrt(2.0 / in_features)
        b = np.zeros(out_features)
    else:
        raise ValueError(f"Linear: init must be one of {', '.join(INITS)}, got {init!r}")
    return W.astype(dtype), b.astype(dtype)


# x W^T and the gradients' products by BLAS: _BY[size >= _LARGE and shared > 1] is np.dot or
# np.matmul, whichever is cheaper for a result of that size summed over that many terms
# (F.matrix_product's choice, indexed here to save its Python call; the same bits)
_BY, _LARGE = F.PRODUCTS, F.PRODUCT_BY_MATMUL
# A bias gradient is summed over the batch by F.sum_rows's rule, which the Tensor front-end and
# the replay follow too: float64 rows, or up to _ROWS float32 ones, of more than one column, as
# the product ones @ g (F.sums_by_product; the ones made once per batch size, _ones); one column
# by np.add.reduce, called as _add_reduce(g, 0[, None, out]) (by position: 0.2 us less than by
# keyword, which NumPy's type stubs require for out); F.sum_rows itself (in float64) beyond.
_add_reduce: Callable[..., np.ndarray] = np.add.reduce
_ROWS, _sum_rows, _ones = F.SEQUENTIAL_SUM_LIMIT, F.sum_rows, F.batch_ones
# (NumPy's module has a __getattr__: np.name is a full lookup on 3.11)
_ndarray, _add, _dot = np.ndarray, np.add, np.dot
_MATMUL_BACKWARD = F.matmul_backward  # resolved once (F's names are looked up through its module type)
_ADD_BACKWARD = F.add_backward


class Linear(Module):
    """y = x W^T + b for x of shape (N, in_features), any N.

    Args:
        in_features: size of each input row.
        out_features: size of each output row.
        autograd_engine: the engine the forward pass records onto.
        init: ``"uniform"`` (default, the handout's), ``"xavier"`` or ``"he"``.
        rng: a seed or ``numpy.random.Generator`` for the initial weights.
        dtype: the parameters' dtype (float64 by default; float32 halves the work).
        input_grad: compute the gradient of the input ``x`` in backward (the default). A
            first layer fed raw data sets it False: its input is recorded as ``NO_GRAD`` and
            backward skips that matmul.

    Attributes:
        W, b: the weights (out_features, in_features) and the bias (out_features,).
        dW, db: their gradients, accumulated in place by ``autograd_engine.backward``.
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        autograd_engine: Any,
        init: str = "uniform",
        rng: int | np.random.Generator | None = None,
        dtype: Any = np.float64,
        input_grad: bool = True,
    ) -> None:
        super().__init__(autograd_engine)
        self.in_features = _check_size("in_features", in_features)
        self.out_features = _check_size("out_features", out_features)
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"Linear: dtype must be a floating-point type, got {dtype}")
        W, self.b = init_weights(out_features, in_features, init, np.random.default_rng(rng), dtype)
        # W and dW are row-major, as the handout writes them. The tape sees W.T and dW.T; the
        # matmul kernel lays the weight gradient out like W.T (``np.dot(g.T, x).T``), so the
        # engine's in-place ``dW.T += ...`` runs over contiguous memory.
        self.W = W
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self.input_grad = input_grad
        # The gradients zero_grads left at zero, which the next backward writes instead of
        # adding into (see gradients_zeroed); None once written. _stale: they were not zeroed.
        self._blank_dW: np.ndarray | None = None
        self._blank_db: np.ndarray | None = None
        self._stale = False

    @property
    def input_grad(self) -> bool:
        """Whether backward computes the gradient of the input (settable any time)."""
        return self._x_grad is None

    @input_grad.setter
    def input_grad(self, value: bool) -> None:
        self._x_grad = None if value else NO_GRAD

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Compute x W^T + b and record the matmul and the add.

        Raises:
            TypeError: ``x`` is not a numpy array (a Tensor goes to ``mytorch.nn.Linear``), or it
                is of another floating dtype than the parameters (float64 into a float32 layer),
                or not numbers. Data needing no gradient is cast to the parameters' dtype when
                that is exact (integers; float16 into float32).
            ValueError: ``x`` is not 2-D with ``in_features`` columns.
        """
        if type(x) is not _ndarray:  # the message is built only for a wrong input
            expect_array(
                f"Linear({self.in_features}, {self.out_features}).forward",
                x,
                "mytorch.nn.Linear(in_features, out_features)",
            )
        shape = x.shape  # (x is an array here, or expect_array raised)
        if len(shape) != 2 or shape[1] != self.in_features:
            raise ValueError(
                f"Linear({self.in_features}, {self.out_features}).forward: expected input of shape "
                f"(N, {self.in_features}), got {tuple(x.shape)}"
            )
        W = self.W
        dtype = W.dtype
        # (a plain array of the parameters' dtype: the recorded path below; each dtype read of an
        # array is a full attribute lookup, so the answer is kept)
        same = type(x) is _ndarray and x.dtype is dtype
        if not same and x.dtype is not dtype:
            x = self._in_dtype(x, dtype)
            same = type(x) is _ndarray and x.dtype is dtype
        # BEGIN SOLUTION: compute x W^T + b, record the matmul and the add with add_operation, return the result
        dW = self.dW
        views = self._views  # W.T and dW.T, made once for these very W and dW
        if views[0] is not W or views[1] is not dW:
            Wt = W.T
            views = self._views = (W, dW, Wt, dW.T, Wt.flags.fnc, Wt.T, Wt.size)
        Wt = views[2]
        b = self.b
        # x @ W^T, by BLAS (F.matrix_product: the same product as @, bit for bit)
        if same:  # (floating point, as W is)
            h = _BY[shape[0] * self.out_features >= _LARGE and shape[1] > 1](x, Wt)
            y = h + b
            # W and b were checked when the layer was built, x's shape above: a float array needs
            # no further check. Linear's own VJPs differentiate the two operations, recorded in
            # one call (what two ``record`` calls would record; the engine's backward then takes
            # the two in one step). (``engine.record_linear(...)``: a method call, looked up
            # without making a bound method)
            self.autograd_engine.record_linear(
                x,
                Wt,
                h,
                self._x_grad,
                views[3],
                _MATMUL_BACKWARD,
                self._matmul_vjp,
                b,
                y,
                self.db,
                _ADD_BACKWARD,
                self._bias_vjp,
            )
        else:  # float16 data, integer data needing a gradient (refused), or an array subclass (NumPy dispatches)
            exact = type(x) is np.ndarray
            h = _BY[shape[0] * self.out_features >= _LARGE and shape[1] > 1](x, Wt) if exact else np.dot(x, Wt)
            y = h + b
            engine = self.autograd_engine
            record(engine, False, [x, Wt], h, [self._x_grad, views[3]], _MATMUL_BACKWARD, vjp=self._matmul_vjp)
            record(engine, False, [h, b], y, [None, self.db], _ADD_BACKWARD, vjp=self._bias_vjp)
        return y
        # END SOLUTION

    def _in_dtype(self, x: np.ndarray, dtype: np.dtype) -> np.ndarray:
        """``x`` for a layer whose parameters are of ``dtype``. Data that needs no gradient (a
        first layer's pixels) is cast to it when the cast is exact (integers, which NumPy's
        product would widen to float64; float16 into float32); any other input of another
        floating dtype is refused: it would widen the computation (float64 into float32) or
        get a gradient of another dtype than its own (float16)."""
        kind = x.dtype.kind
        if self._x_grad is NO_GRAD and (kind in "biu" or (kind == "f" and np.can_cast(x.dtype, dtype))):
            return x.astype(dtype)
        if kind in "biu" or (kind == "f" and x.dtype.itemsize == dtype.itemsize):
            return x  # (integers needing a gradient: add_operation says why they cannot; a byte-swapped float)
        owner = f"Linear({self.in_features}, {self.out_features}).forward"
        if kind not in "fc":
            raise TypeError(f"{owner}: the input must hold numbers, got dtype {x.dtype}")
        raise TypeError(
            f"{owner}: the input is {x.dtype} but the layer's parameters are {dtype}; cast the input "
            f"(x.astype(np.{dtype}), as MLP does with its data) or build the layer in the input's dtype"
        )

    # BEGIN SOLUTION NO PROMPT
    # Linear's two operations are recorded with the handout's kernels (``matmul_backward``,
    # ``add_backward``: what a student, the trace and forward mode see), and differentiated by
    # these specialisations of them to Linear's 2-D operands: the same products in the same
    # layouts (``F._dot_like``'s rule, written out), without the general kernels' shape tests,
    # the wrapper that skips an unwanted input, or ``unbroadcast``. ``tests/test_modules.py``
    # checks them bit for bit.
    def _matmul_vjp(self, grad_output: np.ndarray, x: np.ndarray, Wt: np.ndarray) -> tuple[Any, Any]:
        """``matmul_backward(g, x, W.T)``: (g W laid out like x, or None when the input needs
        no gradient; x^T g laid out like W.T). When ``dW`` is blank (``gradients_zeroed``) the
        second is written straight into ``dW`` (no zero to add it to) and None goes back."""
        g = grad_output
        views = self._views
        if Wt is views[2]:  # the W.T forward recorded: its layout, transpose and size, found then
            transposed, W, size = views[4], views[5], views[6]
        else:
            transposed, W, size = Wt.flags.fnc, Wt.T, Wt.size
        if self._x_grad is NO_GRAD:
            gx = None
        else:
            by = _BY[x.size >= _LARGE and self.out_features > 1]
            gx = by(Wt, g.T).T if x.flags.fnc else by(g, W)  # (fnc: laid out column-major only)
        by = _BY[size >= _LARGE and len(g) > 1]  # (one example: an outer product)
        blank = self._blank_dW
        if blank is not None:
            self._blank_dW = None
            if blank is self.dW and g.dtype is blank.dtype is x.dtype and not _Anomaly.enabled:
                if transposed:
                    by(g.T, x, blank)  # (gradients_zeroed checked that dW is row-major)
                    return gx, None
                if blank.T.flags.c_contiguous:  # dW of one row or one column: W.T is both layouts
                    by(x.T, g, blank.T)
                    return gx, None
            if self._stale:  # not written here: the engine adds, into zeros
                blank.fill(0)
        return gx, by(g.T, x).T if transposed else by(x.T, g)

    # END SOLUTION

    # ``add_backward`` specialised to Linear's bias (the handout gives ``add_backward``).
    def _bias_vjp(self, grad_output: np.ndarray, h: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, Any]:
        """``add_backward(g, h, b)`` for h (N, out) and b (out,): (g, g summed over the batch),
        the sum written straight into ``db`` when it is blank (None for the engine then)."""
        blank = self._blank_db
        if blank is not None:
            self._blank_db = None
            dtype = grad_output.dtype
            if blank is self.db and dtype is blank.dtype and not _Anomaly.enabled:
                n = len(grad_output)
                if n == 1:  # one example: its row plus 0.0 is the sum, bit for bit
                    # (a copy would keep a -0.0, which the sum makes 0.0; 0.0 as a 0-d array of the
                    # dtype for float64 and float32: mytorch.dtypes.operand)
                    zero = _ZERO64 if dtype is _FLOAT64 else _ZERO32 if dtype is _FLOAT32 else 0.0
                    _add(grad_output[0], zero, blank)
                elif grad_output.shape[1] > 1 and ((c := dtype.char) == "d" or (c == "f" and n <= _ROWS)):
                    _dot(_ones(n, dtype), grad_output, blank)  # (F.sums_by_product, written out)
                elif n <= _ROWS and dtype.char != "e":
                    _add_reduce(grad_output, 0, None, blank)
                else:
                    _sum_rows(grad_output, 0, blank)
                return grad_output, None
            if self._stale:
                blank.fill(0)
        n = len(grad_output)
        if n == 1:
            return grad_output, grad_output[0]
        if n <= _ROWS and grad_output.dtype.char != "e" and grad_output.shape[1] == 1:
            return grad_output, _add_reduce(grad_output, 0)
        return grad_output, _sum_rows(grad_output)

    def gradients_zeroed(self, stale: bool = False) -> None:
        """Note that ``dW`` and ``db`` were just set to zero (or, with ``stale``, are to be
        overwritten) and that nothing else will write into them before the next backward
        (``MLP.train_step`` calls this, stale, at the start of a step; the handout's own loop
        does not, since its user may add into ``dW`` in between).

        The next backward through the layer then writes its gradients into them instead of
        adding them to zeros: the same numbers (up to the sign of a zero gradient), one pass
        over the memory instead of three. Later backward calls add, as always. Under
        ``detect_anomaly`` the engine adds them, checking each.

        Args:
            stale: ``dW`` and ``db`` were not zeroed (they hold old values): the backward
                zeroes one it cannot write whole before the engine adds into it, and the
                caller zeroes, with ``unwritten_gradients_zeroed``, any the backward did not reach.
        """
        dW, db = self.dW, self.db
        self._stale = stale
        # (written by BLAS, which writes only into contiguous memory; any other is zeroed and added into)
        self._blank_dW = dW if dW.flags.c_contiguous else None
        self._blank_db = db if db.flags.c_contiguous else None
        if stale:
            for array, blank in ((dW, self._blank_dW), (db, self._blank_db)):
                if blank is None:
                    array.fill(0)

    def unwritten_gradients_zeroed(self) -> None:
        """After ``gradients_zeroed(stale=True)`` and a backward: zero ``dW`` or ``db`` if the
        backward did not write it (it did not reach the layer, or it raised)."""
        for blank in (self._blank_dW, self._blank_db):
            if blank is not None:
                blank.fill(0)
        self._blank_dW = self._blank_db = None
        self._stale = False

    _views: tuple[Any, ...] = (None, None, None, None, False, None, 0)
    """``(W, dW, W.T, dW.T, W.T laid out column-major only, (W.T).T, W.T's size)`` for the W and
    dW forward last saw (a layer whose W or dW was replaced makes them again; ``(W.T).T`` is a
    view of W's memory in W's layout, which the backward multiplies by)."""

    def __getstate__(self) -> dict[str, Any]:
        """The layer's attributes without its views of W and dW: a copy (``copy.deepcopy``,
        pickle) makes new W and dW, and views of the old ones would not follow them."""
        state = self.__dict__.copy()
        state.pop("_views", None)
        return state

    def parameters(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """``[(W, dW), (b, db)]``."""
        return [(self.W, self.dW), (self.b, self.db)]

    def __repr__(self) -> str:
        return f"Linear({self.in_features}, {self.out_features})"

"""The handout's MLP: Linear layers and activations stacked on one ``Autograd`` engine.

``MLP(input_size, output_size, hiddens, activations, criterion, lr, autograd_engine,
momentum=0.0)`` has the handout's methods (``forward``, ``zero_grads``, ``backward``, ``step``,
``error``, ``total_loss``, ``train``, ``eval``, ``__call__``). ``train_epoch``, ``evaluate``
and ``get_training_stats`` train it on a data set in mini-batches of any size.

One training step records 2 operations per Linear layer, 1 per activation and 1 for the
loss. The first layer's input (the data) is recorded ``NO_GRAD``, so backward spends no
matmul on a gradient nobody needs; in evaluation mode nothing is recorded at all.

``train_step(x, labels)`` is the handout's step (``zero_grads``, ``forward``, ``backward``,
``step``). With ``mlp.replay = True`` it is captured on its first run and replayed after
(``mytorch.replay``): the same numbers, without the tape's bookkeeping.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from itertools import chain, repeat
from typing import Any

import numpy as np

from mytorch.arguments import odd_array
from mytorch.dtypes import check_castable
from mytorch.nn.modules import (
    ACTIVATIONS,
    LOSSES,
    Activation,
    BCELoss,
    BCEWithLogitsLoss,
    Linear,
    LossFN,
    SoftmaxCrossEntropy,
)
from mytorch.optim import SGD, Adam, Optimizer
from mytorch.replay import Replay

__all__ = ["MLP", "evaluate", "get_training_stats", "one_hot", "train_epoch"]

OPTIMIZERS = ("sgd", "nesterov", "adam")


def _build(spec: Any, base: type, table: dict[str, type], engine: Any, what: str) -> Any:
    """``spec`` itself if it is a ``base`` on ``engine``, else ``table[spec](engine)``."""
    if isinstance(spec, base):
        if spec.autograd_engine is not engine:
            raise ValueError(f"MLP: {what} {type(spec).__name__} records onto another engine than the MLP's")
        return spec
    if spec not in table:
        raise ValueError(f"MLP: unknown {what} {spec!r}; choose from {', '.join(table)}")
    return table[spec](engine)


_ndarray = np.ndarray  # (NumPy's module has a __getattr__: np.name is a full lookup on 3.11)
_LOSS_CALL = LossFN.__call__

_NOT_SYNCED: tuple[tuple[Any, ...], tuple[Any, ...]] = ((), (None,))  # matches no optimizer's pairs


class MLP:
    """A multi-layer perceptron: Linear -> activation, once per layer.

    Args:
        input_size: features per example.
        output_size: outputs per example (classes).
        hiddens: the hidden layers' sizes, e.g. ``[256]`` (may be empty).
        activations: one per layer, ``len(hiddens) + 1`` of them: ``Activation`` objects
            built on ``autograd_engine`` or names (``"relu"``, ``"identity"``, ...).
        criterion: a ``LossFN`` built on ``autograd_engine`` or a name (``"cross_entropy"``).
        lr: the learning rate.
        autograd_engine: the engine every layer records onto.
        momentum: SGD momentum (0 for plain SGD).
        optimizer: ``"sgd"`` (default), ``"nesterov"`` or ``"adam"``.
        init: weight initialisation, ``"uniform"`` (the handout's), ``"xavier"`` or ``"he"``.
        seed: seed for the initial weights.
        dtype: the parameters' dtype; feed data of the same dtype.
        replay: ``train_step`` records its first step and replays it after (see
            ``mytorch.replay``); False runs every step dynamically.

    Attributes:
        linear_layers, activations, criterion, optimizer, output (the last forward's result),
        replay (settable any time); ``lr`` and ``momentum`` are the optimizer's, so setting
        them (a learning-rate decay between epochs) changes the steps after.
    """

    # (also a class default: an MLP whose subclass skips MLP.__init__, or one unpickled from an
    # older MyTorch, checks its pairs at its first step as any other)
    _synced: tuple[tuple[Any, ...], tuple[Any, ...]] = _NOT_SYNCED
    _method_dicts: tuple[list[Any], list[str]] = ([], [])
    _unrecorded_output: np.ndarray | None = None  # (also for an MLP unpickled from before it was set)
    _own_optimizer: Optimizer | None = None

    def __init__(
        self,
        input_size: int,
        output_size: int,
        hiddens: Sequence[int],
        activations: Sequence[Activation | str],
        criterion: LossFN | str,
        lr: float,
        autograd_engine: Any,
        momentum: float = 0.0,
        *,
        optimizer: str = "sgd",
        init: str = "uniform",
        seed: int | None = None,
        dtype: Any = np.float64,
        replay: bool = False,
    ) -> None:
        sizes = [input_size, *hiddens, output_size]
        if len(activations) != len(sizes) - 1:
            raise ValueError(
                f"MLP: {len(sizes) - 1} layers (hiddens={list(hiddens)}) need {len(sizes) - 1} activations, "
                f"got {len(activations)}"
            )
        self.autograd_engine = autograd_engine
        self.input_size, self.output_size, self.hiddens = input_size, output_size, list(hiddens)
        try:
            rng = np.random.default_rng(seed)
        except (TypeError, ValueError):  # (NumPy's "expected non-negative integer", naming nothing)
            raise ValueError(f"MLP: seed must be None or a whole number >= 0, got {seed!r}") from None
        self.linear_layers = [
            Linear(n_in, n_out, autograd_engine, init=init, rng=rng, dtype=dtype, input_grad=i > 0)
            for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]))
        ]
        self._flat_grads, self._grad_views = _pack(self.linear_layers)
        self.activations = [_build(a, Activation, ACTIVATIONS, autograd_engine, "activation") for a in activations]
        self.criterion = _build(criterion, LossFN, LOSSES, autograd_engine, "criterion")
        if output_size == 1 and isinstance(self.criterion, SoftmaxCrossEntropy):
            raise ValueError(
                "MLP: cross-entropy over 1 output is always 0 (the softmax of one number is 1): nothing would train; "
                "use 2 outputs for two classes, or criterion 'bce_with_logits' with 1"
            )
        self.optimizer = self._make_optimizer(optimizer, lr, momentum)
        self._own_optimizer = self.optimizer  # (over every layer: see step)
        self.train_mode = True
        self.output: np.ndarray | None = None
        self.replay = replay
        self._replayer: Replay | None = None
        self._replay_output: np.ndarray | None = None  # the output of the last train_step, if replayed
        self._unrecorded_output = None  # the output of the last forward in evaluation mode
        # (layers' arrays, optimizer's pairs) that step() last found in agreement (see step)
        self._synced = _NOT_SYNCED

    @property
    def lr(self) -> float:
        """The learning rate: the optimizer's (every parameter group's)."""
        return self.optimizer.lr

    @lr.setter
    def lr(self, value: float) -> None:
        self.optimizer.lr = value

    @property
    def momentum(self) -> float:
        """The optimizer's momentum (0 for an optimizer without one, such as Adam)."""
        return self.optimizer.momentum if "momentum" in self.optimizer.defaults else 0.0

    @momentum.setter
    def momentum(self, value: float) -> None:
        if "momentum" not in self.optimizer.defaults:
            raise ValueError(f"MLP.momentum: the optimizer ({type(self.optimizer).__name__}) has no momentum")
        self.optimizer.momentum = value

    def _make_optimizer(self, name: str, lr: float, momentum: float) -> Optimizer:
        if name == "sgd":
            return SGD(self.parameters(), lr, momentum=momentum)
        if name == "nesterov":
            return SGD(self.parameters(), lr, momentum=momentum, nesterov=True)
        if name == "adam":
            return Adam(self.parameters(), lr)
        raise ValueError(f"MLP: unknown optimizer {name!r}; choose from {', '.join(OPTIMIZERS)}")

    # ------------------------------------------------------------------ the handout's methods
    def forward(self, x: np.ndarray) -> np.ndarray:
        """The network's output for a batch ``x`` of shape (N, input_size).

        In evaluation mode nothing is recorded on the engine. Data of another dtype than the
        parameters' is cast to theirs (as ``train_epoch`` and ``evaluate`` do).
        """
        layers = self.linear_layers
        dtype = layers[0].W.dtype
        if type(x) is not _ndarray or x.dtype is not dtype:
            x = _in_dtype(x, dtype)
        activations = self.activations
        if len(layers) != len(activations):  # (zip in _through_layers would drop the extra ones)
            raise ValueError(
                f"MLP.forward: {len(layers)} Linear layers but {len(activations)} activations; each layer needs "
                "its activation (Identity for none): a layer added without one was skipped"
            )
        if self.train_mode:
            out = self._through_layers(x)
        else:
            with self.autograd_engine.no_grad():
                out = self._through_layers(x)
            self._unrecorded_output = out  # (backward refuses it: see there)
        self.output = out
        return out

    def _through_layers(self, x: np.ndarray) -> np.ndarray:
        # BEGIN SOLUTION: pass x through each Linear layer and then its activation; return the result
        for layer, activation in zip(self.linear_layers, self.activations):
            x = activation.forward(layer.forward(x))
        return x
        # END SOLUTION

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """``mlp(x)``: ``forward(x)``."""
        return self.forward(x)

    def zero_grads(self) -> None:
        """Clear the engine's tape and buffer and every layer's ``dW`` and ``db``."""
        self._check_engines("zero_grads")
        # BEGIN SOLUTION: clear the engine (zero_grad) and set every parameter's gradient to zero
        self.autograd_engine.zero_grad()
        if self._gradients_packed():
            self._flat_grads.fill(0)  # every gradient is still a view of it (see _pack): one call
        else:
            for _, grad in self.parameters():
                grad.fill(0)
        # END SOLUTION

    def backward(self, labels: np.ndarray) -> np.ndarray:
        """Compute the loss of the last output against ``labels``, back-propagate it, and
        return it (shape (1,))."""
        output = self.output
        if output is not None and output is self._replay_output:  # (_replayed, without its call)
            raise ValueError(
                "MLP.backward: the last train_step was replayed (mlp.replay), which leaves no tape to back-propagate "
                "through again; call forward(x) first, or set mlp.replay = False to keep the step's tape"
            )
        if output is not None and output is self._unrecorded_output:
            # An output of evaluation mode recorded no operation: its backward would leave every
            # gradient at zero and the step would not train (or move on the velocity alone).
            raise ValueError(
                "MLP.backward: the last forward ran in evaluation mode (mlp.eval()), which records nothing, so no "
                "gradient would reach the layers; call mlp.train() before training (PyTorch's model.eval() leaves "
                "recording on: MLP's turns it off)"
            )
        # BEGIN SOLUTION: the loss of self.output against labels (self.criterion); back-propagate it, return it
        if self.output is None:
            raise ValueError("MLP.backward: call forward first")
        dtype = self.output.dtype
        if type(labels) is not _ndarray or labels.dtype is not dtype:  # (the network's, as forward's data)
            labels = _in_dtype(labels, dtype)
        criterion = self.criterion
        if type(criterion).__call__ is _LOSS_CALL:  # (its forward called directly: a call of an object costs more)
            loss = criterion.forward(labels, self.output)
        else:
            loss = criterion(labels, self.output)
        criterion.backward()
        return loss
        # END SOLUTION

    def step(self) -> None:
        """Update every parameter from its gradient (SGD with momentum, or the optimizer chosen).

        The layers' arrays as they are now: a ``layer.dW`` or ``layer.W`` replaced by a new array
        since the optimizer was made (``layer.dW = np.clip(layer.dW, -1, 1)``) is the one the
        update reads or writes, as in the handout's step; the optimizer held the old pair, so
        such a layer silently stopped training.
        """
        params = self.optimizer.params
        # The arrays and the optimizer's pairs as the last step left them in agreement: when both
        # are still those very objects, the pairs hold the current arrays.
        synced_arrays, synced_pairs = self._synced
        layers = self.linear_layers
        agree = (
            len(params) == len(synced_pairs)
            and all(map(operator.is_, params, synced_pairs))  # (compared in C)
            and len(synced_arrays) == len(layers)
            and type(self).parameters is MLP.parameters
            and "parameters" not in self.__dict__
        )
        if agree:  # _current_arrays() would give these very arrays? (read one by one, here: an
            # instance attribute read in the interpreter's loop costs less than attrgetter's)
            for layer, (W, dW, b, db) in zip(layers, synced_arrays):
                if (
                    type(layer) is not Linear  # (_PLAIN_LAYERS)
                    or layer.W is not W
                    or layer.dW is not dW
                    or layer.b is not b
                    or layer.db is not db
                ):
                    agree = False
                    break
        if not agree:
            arrays = self._current_arrays()
            pairs = self.parameters()
            self._synced = _NOT_SYNCED
            if len(pairs) != len(params) and self.optimizer is self._own_optimizer:
                # (a layer added or removed since the MLP made its optimizer over every layer: the
                # handout's step would update every layer, the optimizer holds the old ones' pairs
                # alone, so a new layer took gradients and never moved. An optimizer the user set
                # over some layers, freezing the others, is theirs to choose.)
                raise ValueError(
                    f"MLP.step: the network has {len(pairs)} parameters (weights and biases) but its optimizer "
                    f"holds {len(params)}: a layer added to or removed from linear_layers after the MLP was made is "
                    "not in the optimizer; make a new MLP, or give the optimizer the new layer's pairs "
                    "(mlp.optimizer.add_param_group({'params': layer.parameters()}))"
                )
            if len(pairs) == len(params):
                for i, (value, grad) in enumerate(pairs):
                    held = params[i]
                    if held[0] is not value or held[1] is not grad:
                        params[i] = (value, grad)
                if arrays is not None:
                    self._synced = (arrays, tuple(params))
        self.optimizer.step()

    def _current_arrays(self) -> tuple[tuple[np.ndarray, ...], ...] | None:
        """``(W, dW, b, db)`` of every layer, in ``parameters()`` order, read in C; None when
        ``parameters()`` is not MLP's and Linear's own (a subclass's, or one set on the MLP, may
        hand out other pairs; one set on a layer object itself is not looked for)."""
        layers = self.linear_layers
        if (
            type(self).parameters is not MLP.parameters
            or "parameters" in self.__dict__
            or not _PLAIN_LAYERS.issuperset(map(type, layers))
        ):
            return None
        return tuple(map(_PARAMETER_ARRAYS, layers))

    def train_step(self, x: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """One training step on a batch: ``zero_grads``, ``forward(x)``, ``backward(labels)``,
        ``step``; returns the loss (shape (1,)) and leaves the output in ``self.output``.

        With ``self.replay`` on (and in training mode, with the handout's methods not
        overridden) the step is replayed after its first run (``self.output`` is then a copy of
        the replay's output, and no tape is left for ``backward``). ``x`` and ``labels`` of another dtype
        than the parameters' are cast to theirs, so a float32 network trains in float32.
        """
        dtype = self.linear_layers[0].W.dtype
        if type(x) is not _ndarray or x.dtype is not dtype or type(labels) is not _ndarray or labels.dtype is not dtype:
            x, labels = _in_dtype(x, dtype), _in_dtype(labels, dtype)
        if not (
            self.replay
            and self.train_mode
            and _replayable(type(self))
            and _plain(self)  # (mlp.step = clipped_step: dynamic, as a subclass's)
        ):
            return self._dynamic_step(x, labels)[0]
        replayer = self._replayer
        if replayer is None or replayer.optimizer is not self.optimizer or replayer.engine is not self.autograd_engine:
            replayer = self._replayer = Replay(
                self._dynamic_step,
                self.autograd_engine,
                self.optimizer,
                watch=self._replay_watch,
                fallback=True,
                check=self._unknown_modules,
                settings=self._settings,
            )
        replays = replayer.replays
        loss, self.output = replayer(x, labels)
        self._replay_output = self.output if replayer.replays != replays else None
        return loss

    def _dynamic_step(self, x: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # With MLP's own step methods and its own gradient arrays (disjoint views of one flat
        # array), nothing runs between the start of this step and its backward but the forward,
        # so the backward may write each dW and db instead of adding to their zeros: they are not
        # even zeroed first (one pass less over their memory). One the backward did not write (it
        # did not reach the layer: the forward ran in evaluation mode, or the backward raised) is
        # zeroed after it, so that a backward run by hand later adds to zeros. A subclass's own
        # zero_grads, forward or backward (which may add a penalty into dW, or keep gradients
        # over several steps), or gradients replaced or shared between layers, get the handout's
        # loop as it is written: zero_grads, forward, backward, step.
        layers = self.linear_layers
        # (_plain(self) without its call)
        if not (
            _replayable(type(self)) and self.__dict__.keys().isdisjoint(_INSTANCE_CHECKED) and self._gradients_packed()
        ):
            self.zero_grads()
            out = self.forward(x)
            loss = self.backward(labels)
            self.step()
            return loss, out
        self.autograd_engine.zero_grad()
        for layer in layers:
            if type(layer) is Linear:  # gradients_zeroed(True), written out: _pack's views are row-major
                layer._stale = True
                layer._blank_dW = layer.dW
                layer._blank_db = layer.db
            else:
                layer.gradients_zeroed(True)  # (stale; by position: a call with a keyword costs more)
        unreached = False
        try:
            out = self.forward(x)
            loss = self.backward(labels)
        finally:
            for layer in layers:
                if layer._blank_dW is not None or layer._blank_db is not None:
                    layer.unwritten_gradients_zeroed()
                    unreached = True
        if unreached:  # (a layer the backward did not reach: a module on another engine breaks the chain?)
            self._check_engines("train_step")
        self.step()
        return loss, out

    def _check_engines(self, method: str) -> None:
        """Raise if a module records onto another engine than the first layer (as ``__init__``
        checks of the modules it is given): one set into the MLP later, made with its own
        ``Autograd()``, left the layers before it without gradients, silently. (``zero_grads``
        looks, and ``train_step`` when its backward left a layer unreached.)"""
        try:
            engine = self.linear_layers[0].autograd_engine
            for module in (*self.linear_layers, *self.activations, self.criterion):
                if module.autograd_engine is not engine:
                    raise ValueError(
                        f"MLP.{method}: {type(module).__name__} records onto another engine than the MLP's other "
                        "modules (a module made with its own Autograd() and set into the MLP?); the backward would "
                        "not reach through it, and the layers before it would not train: build it on "
                        "mlp.autograd_engine"
                    )
        except AttributeError:  # (a module of the user's own, without an engine: not looked at)
            pass

    def __getstate__(self) -> dict[str, Any]:
        """Copied or pickled without the replay's captured step and what it watches (the modules'
        dicts: a copy's would not be the copied modules' own) and the outputs kept for it
        (``__setstate__`` starts them anew; a captured step holds functions pickle cannot write)."""
        state = self.__dict__.copy()
        for name in ("_synced", "_replayer", "_replay_output", "_unrecorded_output", "_method_dicts"):
            state.pop(name, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Copied (``copy.deepcopy``) or unpickled: the layers' arrays are packed into flat memory
        again (``_pack``), values and gradients kept, and the optimizer holds and lays out the new
        ones. A copy of a view shares no memory with the copy of its base, so the copy's
        ``zero_grads`` cleared a flat array no gradient was a view of, and its SGD updated a flat
        array no weight was a view of: the copy did not train (or trained on stale gradients). A
        replay is captured again (its compiled step holds the original's arrays)."""
        self.__dict__.update(state)
        self._synced = _NOT_SYNCED
        self._replayer = None
        self._replay_output = self._unrecorded_output = None
        layers = self.linear_layers
        if not self._gradients_packed() or not _PLAIN_LAYERS.issuperset(map(type, layers)):
            return  # (gradients replaced or shared by the user, or a layer of another kind: left as they are)
        before = [_PARAMETER_ARRAYS(layer) for layer in layers]
        self._flat_grads, self._grad_views = _pack(layers)
        for layer, (_, dW, _, db) in zip(layers, before):
            layer.dW[...] = dW
            layer.db[...] = db
        # the optimizer's pairs of the copied arrays become pairs of the packed ones
        copied = [pair for W, dW, b, db in before for pair in ((W, dW), (b, db))]
        packed = {(id(value), id(grad)): pair for (value, grad), pair in zip(copied, self.parameters())}
        params = self.optimizer.params
        for i, pair in enumerate(params):
            if type(pair) is tuple:
                params[i] = packed.get((id(pair[0]), id(pair[1])), pair)
        relayout = getattr(self.optimizer, "_relayout", None)
        if relayout is not None:
            relayout()

    def _gradients_packed(self) -> bool:
        """Whether every layer's ``dW`` and ``db`` is still the view of the flat gradient array
        ``_pack`` made (none replaced, so none shared between layers)."""
        views = self._grad_views
        layers = self.linear_layers
        if len(views) != 2 * len(layers):
            return False
        i = 0
        for layer in layers:  # (read one by one: see step)
            if layer.dW is not views[i] or layer.db is not views[i + 1]:
                return False
            i += 2
        return True

    def _replayed(self, output: np.ndarray | None) -> bool:
        """Whether ``output`` is the output of the last step, replayed (no operation on the tape made it)."""
        return output is not None and output is self._replay_output

    def _replay_watch(self) -> list[Any]:
        """What a replay depends on: the engine, modules, optimizer and every parameter array,
        and the settings dict of each activation (``LeakyReLU.params``: a new dict is a new
        slope)."""
        opt = self.optimizer
        layers = self.linear_layers
        activations = self.activations
        return [
            self.autograd_engine,
            self.criterion,
            opt,
            *activations,
            *layers,
            *chain.from_iterable(map(_PARAMETER_ARRAYS, layers)),  # C loops: this runs every step
            *opt.params,
            *chain.from_iterable(map(getattr, repeat(opt), opt.state_names)),  # (None: no state yet)
            *map(_PARAMS, activations),
            # whether each module has a method set on itself (True/False; see _unknown_modules)
            *map(operator.contains, *self._method_dicts),
        ]

    def _settings(self) -> list[Any]:
        """The settings dicts the activations compute with (``params``), compared by the replay
        before every step: one changed in place (``mlp.activations[0].params["approximate"] =
        "none"``, or a ``LeakyReLU``'s slope) makes it capture again."""
        return list(map(_PARAMS, self.activations))

    def _unknown_modules(self) -> str | None:
        """Why the replay cannot repeat the step of these modules (None: it can), asked at each
        capture. It repeats the operations they recorded, so a forward (or a loss's backward)
        that is not MyTorch's own, of a subclass or set on the module itself, which may do more
        than it records (write into its result, scale the loss's gradient), runs dynamically. A
        method set on a module (or taken off it) after the capture is seen by the watch, which
        looks up those names in each module's own dict at every step (noted here, at each
        capture: a module replaced since is seen by the watch as such)."""
        modules = (*self.linear_layers, *self.activations, self.criterion)
        dicts, looked_up = [], []
        for module in modules:
            names = _LOSS_METHODS if isinstance(module, LossFN) else _FORWARD
            dicts += [getattr(module, "__dict__", _NO_DICT)] * len(names)
            looked_up += names
        self._method_dicts = (dicts, looked_up)
        for module in modules:
            cls = type(module)
            names = _LOSS_METHODS if isinstance(module, LossFN) else _FORWARD
            own = [name for name in names if getattr(getattr(module, name), "__func__", None) is not getattr(cls, name)]
            if own or not _known_module(cls):
                what = f"{own[0]} set on the module itself" if own else "methods of its own"
                return (
                    f"replay: {cls.__name__} has {what}; a replay repeats only the operations a module records, "
                    "so the MLP's step runs dynamically"
                )
        return None

    def error(self, labels: np.ndarray) -> int:
        """How many examples of the last batch are misclassified.

        ``labels`` are one-hot (N, C) or integer classes (N,); with a single output the
        prediction is ``output > 0.5``, or ``output > 0`` for a ``BCEWithLogitsLoss`` criterion
        (whose output is a logit: probability above 0.5).
        """
        if self.output is None:
            raise ValueError("MLP.error: call forward first")
        labels = np.asarray(labels)
        out = self.output
        if labels.dtype.kind not in "biuf":
            raise TypeError(f"MLP.error: labels must be numbers, got dtype {labels.dtype}")
        if labels.shape not in ((len(out),), out.shape):  # (one label would be compared with every row)
            raise ValueError(
                f"MLP.error: the last output has shape {out.shape}; labels must be classes ({len(out)},) or rows "
                f"{out.shape}, got {labels.shape}"
            )
        return int(np.count_nonzero(_predict(out, _cut(self)) != _classes(labels)))

    def total_loss(self, labels: np.ndarray) -> float:
        """The loss of the last output against ``labels``, summed over the batch's examples."""
        if self.output is None:
            raise ValueError("MLP.total_loss: call forward first")
        with self.autograd_engine.no_grad():
            loss = self.criterion(_in_dtype(labels, self.output.dtype), self.output)
        return float(loss[0]) * len(self.output)

    def train(self) -> None:
        """Training mode: forward passes are recorded."""
        self.train_mode = True

    def eval(self) -> None:
        """Evaluation mode: forward passes record nothing."""
        self.train_mode = False

    # ------------------------------------------------------------------ parameters and state
    def parameters(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Every layer's ``(W, dW)`` and ``(b, db)``."""
        return [pair for layer in self.linear_layers for pair in layer.parameters()]

    def state_dict(self) -> dict[str, np.ndarray]:
        """Weights, biases and optimizer state, as copies keyed ``W.0``, ``b.0``, ``optim.m.0`` ..."""
        state = {}
        for i, layer in enumerate(self.linear_layers):
            state[f"W.{i}"] = layer.W.copy()
            state[f"b.{i}"] = layer.b.copy()
        state.update({f"optim.{k}": v for k, v in self.optimizer.flat_state_dict().items()})
        return state

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Restore what ``state_dict`` saved.

        Raises:
            ValueError: an array is missing, its shape does not fit this network, or it holds
                NaN or infinite values.
            TypeError: an array does not hold real numbers (strings, objects, complex values).
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"MLP.load_state_dict: expected a dict of names to arrays, got {type(state).__name__}")
        checked = []
        for i, layer in enumerate(self.linear_layers):
            for name, target in (("W", layer.W), ("b", layer.b)):
                key = f"{name}.{i}"
                if key not in state or np.shape(state[key]) != target.shape:
                    raise ValueError(
                        f"MLP.load_state_dict: {key} has shape {np.shape(state.get(key))}, this network needs "
                        f"{target.shape}"
                    )
                value = np.asarray(state[key])
                if value.dtype.kind not in "biuf":
                    raise TypeError(f"MLP.load_state_dict: {key} must hold real numbers, got dtype {value.dtype}")
                if not np.isfinite(value).all():
                    raise ValueError(f"MLP.load_state_dict: {key} holds NaN or infinite values")
                check_castable(value, target.dtype, f"MLP.load_state_dict: {key}")  # (1e300 into float32: inf)
                checked.append((target, value))
        # The optimizer checks its whole state before changing any; the weights go in only after
        # that, so a failed load leaves the network exactly as it was.
        self.optimizer.load_state_dict({k[len("optim.") :]: v for k, v in state.items() if k.startswith("optim.")})
        for target, value in checked:
            target[...] = value

    def __repr__(self) -> str:
        layers = ", ".join(f"{lin!r} -> {type(act).__name__}" for lin, act in zip(self.linear_layers, self.activations))
        return f"MLP({layers}; {type(self.criterion).__name__})"


_PARAMETER_ARRAYS = operator.attrgetter("W", "dW", "b", "db")
_GRADIENT_ARRAYS = operator.attrgetter("dW", "db")
_PARAMS = operator.attrgetter("params")
_FORWARD = ("forward",)
_LOSS_METHODS = ("forward", "backward", "_evaluate")
_NO_DICT: dict[str, Any] = {}  # (a module without a __dict__ has no method of its own)
_PLAIN_LAYERS = frozenset({Linear})  # layers whose parameters() is Linear's own, (W, dW), (b, db)


def _pack(layers: list[Linear]) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """Move every layer's ``W``, ``b`` into one flat array and ``dW``, ``db`` into another, each
    parameter and gradient becoming a view of its flat array, in ``parameters()`` order.

    The network computes exactly as before; ``zero_grads`` then clears every gradient with one
    ``fill`` and ``SGD`` updates every parameter with a few NumPy calls over the flat arrays
    (``mytorch.optim.flat_memory``) instead of a few per parameter. Replacing a layer's array
    (``layer.W = ...``) is allowed: both notice and fall back to working per parameter.

    Returns:
        The flat gradient array and the gradient views, in order.
    """
    pairs = [pair for layer in layers for pair in layer.parameters()]
    dtype = pairs[0][0].dtype
    values = np.empty(sum(value.size for value, _ in pairs), dtype=dtype)
    grads = np.zeros_like(values)
    offset = 0
    for layer in layers:
        for value_name, grad_name in (("W", "dW"), ("b", "db")):
            value = getattr(layer, value_name)
            end = offset + value.size
            view = values[offset:end].reshape(value.shape)
            view[...] = value
            setattr(layer, value_name, view)
            setattr(layer, grad_name, grads[offset:end].reshape(value.shape))
            offset = end
    return grads, tuple(chain.from_iterable(map(_GRADIENT_ARRAYS, layers)))


_STEP_METHODS = ("zero_grads", "forward", "_through_layers", "backward", "step", "_dynamic_step")


@functools.cache
def _replayable(cls: type) -> bool:
    """The replay knows the handout's step: a subclass that changes it runs dynamically (and
    so does an MLP with one of these methods set on itself)."""
    return all(getattr(cls, m) is getattr(MLP, m) for m in _STEP_METHODS)


_INSTANCE_CHECKED = frozenset(_STEP_METHODS)


def _plain(mlp: MLP) -> bool:
    """Whether none of the step's methods was set on ``mlp`` itself (``mlp.step = clipped``),
    which the replay would not repeat: such an MLP runs its steps dynamically, as a subclass
    overriding them does."""
    return vars(mlp).keys().isdisjoint(_INSTANCE_CHECKED)


_LOSS_EVALUATES = {LossFN._evaluate, *[loss._evaluate for loss in LOSSES.values()]}


@functools.cache
def _known_module(cls: type) -> bool:
    """Whether a layer, activation or loss of this class records all it computes: its forward
    (and a loss's backward and evaluation) MyTorch's own. An activation of a new kernel
    (``kernel = "gelu"``, ``params``) is one."""
    if issubclass(cls, Linear):
        return cls.forward is Linear.forward
    if issubclass(cls, Activation):
        return cls.forward is Activation.forward
    if issubclass(cls, LossFN):
        return cls.forward is LossFN.forward and cls.backward is LossFN.backward and cls._evaluate in _LOSS_EVALUATES
    return False


# ---------------------------------------------------------------------- training on a data set
def _predict(output: np.ndarray, cut: float, finite: bool = False) -> np.ndarray:
    """The class of each row; -1 (no class: misclassified) for a row holding NaN, which argmax took for
    class 0 (and a single output for class 0), so a diverged network kept an error rate near
    1 - the share of class 0. ``finite``: the caller knows there is no NaN (a finite loss)."""
    predicted = (output[:, 0] > cut).astype(np.int64) if output.shape[1] == 1 else output.argmax(axis=1)
    if not finite:
        nan = np.isnan(output).any(axis=1)
        if nan.any():
            predicted[nan] = -1
    return predicted


def _cut(mlp: MLP) -> float:
    """Where a single output turns to class 1: 0.5 for a probability (or a regression on 0/1
    targets), 0 for the logit a ``BCEWithLogitsLoss`` criterion reads (sigmoid(0) = 0.5)."""
    return 0.0 if isinstance(mlp.criterion, BCEWithLogitsLoss) else 0.5


def _classes(labels: np.ndarray) -> np.ndarray:
    if labels.ndim == 1:
        return labels
    return (labels[:, 0] > 0.5).astype(np.int64) if labels.shape[1] == 1 else labels.argmax(axis=1)


def one_hot(labels: np.ndarray, n_classes: int, dtype: Any = np.float64) -> np.ndarray:
    """Integer class labels (N,) as one-hot rows (N, n_classes); with one class column, the
    labels themselves as (N, 1) targets."""
    labels = np.asarray(labels)
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or n_classes < 1:
        raise ValueError(f"one_hot: n_classes must be a whole number >= 1, got {n_classes!r}")
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise ValueError(f"one_hot: labels must be a 1-D integer array, got {labels.dtype} of shape {labels.shape}")
    if labels.size and (labels.min() < 0 or labels.max() >= max(n_classes, 2)):
        raise ValueError(f"one_hot: labels must lie in [0, {max(n_classes, 2)}), got {labels.min()}..{labels.max()}")
    if n_classes == 1:
        return labels.astype(dtype)[:, None]
    out = np.zeros((labels.size, n_classes), dtype=dtype)
    out[np.arange(labels.size), labels] = 1
    return out


def _in_dtype(data: Any, dtype: np.dtype) -> Any:
    """Numeric array ``data`` cast to the network's ``dtype`` (anything else as it is: the
    modules refuse it, naming what it is)."""
    if type(data) is np.ndarray and data.dtype is not dtype and data.dtype.kind in "biuf":
        return data.astype(dtype)
    return data


def _check_count(who: str, name: str, value: Any) -> None:
    """Refuse ``value`` unless it is a whole number >= 1 (a batch size, a number of epochs)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{who}: {name} must be a whole number, got {value!r}")
    if value <= 0:
        raise ValueError(f"{who}: {name} must be positive, got {value}")


def _checked(mlp: MLP, x: np.ndarray, labels: np.ndarray, who: str) -> tuple[np.ndarray, np.ndarray]:
    """``x`` in the network's dtype and the targets the loss takes (one-hot rows for class
    labels), after checking both: a data set that is not numbers, holds NaN or inf, is empty,
    or whose target rows are not class probabilities (for cross-entropy) is refused, naming the
    first bad row; it would otherwise train on garbage or count a NaN output as a prediction.
    """
    for what, a in (("inputs", x), ("labels", labels)):
        why = odd_array(a)  # (np.asarray would drop a mask: its entries trained on as numbers)
        if why:
            raise TypeError(f"{who}: the {what} are {why}")
    x, labels = np.asarray(x), np.asarray(labels)
    if x.dtype.kind not in "biuf" or labels.dtype.kind not in "biuf":
        raise TypeError(f"{who}: inputs and labels must be numbers, got dtypes {x.dtype} and {labels.dtype}")
    if x.ndim == 0 or len(x) == 0:
        raise ValueError(f"{who}: no examples (inputs of shape {x.shape})")
    if labels.ndim == 0 or len(labels) != len(x):
        raise ValueError(f"{who}: {len(x)} examples but {labels.size if labels.ndim == 0 else len(labels)} labels")
    for what, values in (("input", x), ("target", labels)):
        finite = np.isfinite(values.reshape(len(values), -1)).all(axis=1)
        if not finite.all():
            raise ValueError(f"{who}: example {int(np.argmin(finite))} has a NaN or infinite {what}")
    dtype = mlp.linear_layers[0].W.dtype  # the replayed step is compiled for the parameters' dtype
    if labels.ndim == 1:
        return x.astype(dtype, copy=False), one_hot(labels, mlp.output_size, dtype)
    if isinstance(mlp.criterion, SoftmaxCrossEntropy):
        rows = labels.reshape(len(labels), -1)
        fine = (rows >= 0).all(axis=1) & np.isclose(rows.sum(axis=1), 1.0, atol=1e-3)
        if not fine.all():
            row = int(np.argmin(fine))
            raise ValueError(
                f"{who}: the target row of example {row} is {rows[row].tolist()}; cross-entropy targets are "
                "one-hot rows (or probabilities: >= 0, summing to 1); give class labels as integers (N,)"
            )
    elif isinstance(mlp.criterion, (BCELoss, BCEWithLogitsLoss)):  # (with logits: unbounded below past 1)
        outside = ((labels < 0) | (labels > 1)).reshape(len(labels), -1).any(axis=1)
        if outside.any():
            row = int(np.argmax(outside))
            raise ValueError(
                f"{who}: the target row of example {row} is {labels[row].tolist()}; binary cross-entropy "
                "targets are probabilities in [0, 1] (class labels 0 and 1)"
            )
    return x.astype(dtype, copy=False), labels


def train_epoch(
    mlp: MLP,
    x: np.ndarray,
    labels: np.ndarray,
    batch_size: int,
    rng: np.random.Generator | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> tuple[float, float]:
    """One pass over ``(x, labels)`` in shuffled mini-batches, one ``step`` per batch.

    Args:
        labels: integer classes (N,) or targets (N, output_size).
        rng: shuffles the examples; None keeps their order.
        on_batch: called after each update with the number of examples done so far.

    Returns:
        (mean training loss per example, fraction of examples misclassified), both measured
        on each batch before its update.
    """
    _check_count("train_epoch", "batch_size", batch_size)
    if rng is not None and not isinstance(rng, np.random.Generator):  # (a seed: "'int' has no attribute")
        raise TypeError(
            f"train_epoch: rng must be a numpy.random.Generator or None, got {type(rng).__name__} "
            "(np.random.default_rng(seed) makes one)"
        )
    x, targets = _checked(mlp, x, labels, "train_epoch")
    classes = _classes(np.asarray(labels))
    if rng is not None:
        order = rng.permutation(len(x))
        x, targets, classes = x[order], targets[order], classes[order]
    mlp.train()
    total_loss = 0.0
    wrong = 0
    for start in range(0, len(x), batch_size):
        stop = start + batch_size
        loss = mlp.train_step(x[start:stop], targets[start:stop])
        out = mlp.output
        total_loss += float(loss[0]) * len(out)
        finite = math.isfinite(loss[0])  # (a NaN output makes the loss NaN: rows are looked at only then)
        wrong += int(np.count_nonzero(_predict(out, _cut(mlp), finite) != classes[start:stop]))
        if on_batch is not None:
            on_batch(start + len(out))
    return total_loss / len(x), wrong / len(x)


def evaluate(mlp: MLP, x: np.ndarray, labels: np.ndarray, batch_size: int = 1000) -> tuple[float, float]:
    """(mean loss per example, fraction misclassified) on ``(x, labels)``, recording nothing."""
    _check_count("evaluate", "batch_size", batch_size)  # a negative one measured no batch: 100 % accuracy
    x, targets = _checked(mlp, x, labels, "evaluate")
    labels = np.asarray(labels)
    was_training = mlp.train_mode
    mlp.eval()
    total_loss = 0.0
    wrong = 0
    try:
        for start in range(0, len(x), batch_size):
            stop = start + batch_size
            mlp.forward(x[start:stop])
            total_loss += mlp.total_loss(targets[start:stop])
            wrong += mlp.error(labels[start:stop])
    finally:
        mlp.train_mode = was_training
    return total_loss / len(x), wrong / len(x)


def get_training_stats(
    mlp: MLP, dset: Sequence[Any], nepochs: int, batch_size: int = 1, rng: np.random.Generator | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Train ``mlp`` for ``nepochs`` epochs and measure it after each one.

    Args:
        dset: ``(train, val, ...)`` where ``train = (x, labels)`` and ``val = (x, labels)``
            (the handout's layout; a test split after them is ignored).
        nepochs: number of passes over the training set.
        batch_size: examples per update (any size; the last batch may be smaller).
        rng: shuffles the training set each epoch (default: a generator seeded with 0).

    Returns:
        ``(training_losses, training_errors, validation_losses, validation_errors)``, one
        entry per epoch; losses are means per example, errors fractions misclassified.
    """
    _check_count("get_training_stats", "nepochs", nepochs)
    if len(dset) < 2:
        raise ValueError(f"get_training_stats: dset must be (train, val, ...), each (x, labels), got {len(dset)} part")
    (train_x, train_y), (val_x, val_y) = dset[0], dset[1]
    rng = np.random.default_rng(0) if rng is None else rng
    stats = np.zeros((4, nepochs))
    for epoch in range(nepochs):
        stats[0, epoch], stats[1, epoch] = train_epoch(mlp, train_x, train_y, batch_size, rng)
        stats[2, epoch], stats[3, epoch] = evaluate(mlp, val_x, val_y)
    return stats[0], stats[1], stats[2], stats[3]

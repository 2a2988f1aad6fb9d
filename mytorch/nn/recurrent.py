"""``nn.RNN``, ``nn.LSTM``, ``nn.GRU`` and their cells ``nn.RNNCell``, ``nn.LSTMCell``,
``nn.GRUCell``, as PyTorch's: the same parameters (``weight_ih_l{k}``, ``weight_hh_l{k}``,
``bias_ih_l{k}``, ``bias_hh_l{k}``, with ``_reverse`` for the backward direction; gates in
PyTorch's order: LSTM i, f, g, o; GRU r, z, n), drawn uniform in +-1/sqrt(hidden_size), and the
same results. Composed of kernels (``linear``, ``sigmoid``, ``tanh``, ...) over a Python loop
on the time steps, so gradients through time, forward mode and second derivatives come with it.
"""

from __future__ import annotations

import math
from typing import Any, cast

import numpy as np

from mytorch.arguments import ShapeRuntimeError
from mytorch.dtypes import get_default_dtype
from mytorch.nn import functional_tensor as TF
from mytorch.nn import init
from mytorch.nn.module import Module
from mytorch.nn.parameter import Parameter
from mytorch.nn.rnn_utils import PackedSequence, pack_padded_sequence, pad_packed_sequence
from mytorch.tensor import Tensor, sigmoid, tanh
from mytorch.tensor_math import where
from mytorch.tensor_shape import cat, stack

__all__ = ["GRU", "GRUCell", "LSTM", "LSTMCell", "RNN", "RNNCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _step(mode: str, x: Tensor, state: Any, w_ih: Tensor, w_hh: Tensor, b_ih: Any, b_hh: Any) -> Any:
    """One time step of ``mode`` from input ``x`` (N, I) and state (h, or (h, c) for an LSTM)."""
    h = state[0] if mode == "LSTM" else state
    gi = TF.linear(x, w_ih, b_ih)
    gh = TF.linear(h, w_hh, b_hh)
    if mode == "LSTM":
        i, f, g, o = gi.add(gh).chunk(4, -1)
        c = sigmoid(f) * state[1] + sigmoid(i) * tanh(g)
        return sigmoid(o) * tanh(c), c
    if mode == "GRU":
        ir, iz, in_ = gi.chunk(3, -1)
        hr, hz, hn = gh.chunk(3, -1)
        r, z = sigmoid(ir + hr), sigmoid(iz + hz)
        n = tanh(in_ + r * hn)
        return (1 - z) * n + z * h
    pre = gi + gh
    return tanh(pre) if mode == "RNN_TANH" else pre.relu()


def _kept(running: Tensor, new: Any, old: Any) -> Tensor:
    """``new`` where ``running`` (N, 1) is True, else ``old`` (a packed batch's finished sequences)."""
    return cast(Tensor, where(running, new, old))


class _RNNBase(Module):
    mode = "RNN_TANH"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        proj_size: int = 0,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        if proj_size:
            raise NotImplementedError(f"{name}: proj_size is not supported by MyTorch")
        for what, value in (("input_size", input_size), ("hidden_size", hidden_size), ("num_layers", num_layers)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f"{name}: {what} must be a positive integer, got {value!r}")
        if not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout must be in [0, 1], got {dropout!r}")
        self.input_size, self.hidden_size, self.num_layers = int(input_size), int(hidden_size), int(num_layers)
        self.bias, self.batch_first, self.dropout = bool(bias), bool(batch_first), float(dropout)
        self.bidirectional = bool(bidirectional)
        dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
        gates = _GATES[self.mode] * self.hidden_size
        directions = 2 if self.bidirectional else 1
        for layer in range(self.num_layers):
            width = self.input_size if layer == 0 else self.hidden_size * directions
            for suffix in ("", "_reverse")[:directions]:
                setattr(self, f"weight_ih_l{layer}{suffix}", Parameter(np.empty((gates, width), dtype=dtype)))
                setattr(
                    self, f"weight_hh_l{layer}{suffix}", Parameter(np.empty((gates, self.hidden_size), dtype=dtype))
                )
                if self.bias:
                    setattr(self, f"bias_ih_l{layer}{suffix}", Parameter(np.empty(gates, dtype=dtype)))
                    setattr(self, f"bias_hh_l{layer}{suffix}", Parameter(np.empty(gates, dtype=dtype)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias uniform in +-1/sqrt(hidden_size), as PyTorch draws them."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _weights(self, layer: int, suffix: str) -> tuple[Any, ...]:
        get = lambda kind: getattr(self, f"{kind}_l{layer}{suffix}", None)  # noqa: E731
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")

    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Any]:  # noqa: A002 - PyTorch's name
        """``(output, h_n)`` (an LSTM: ``(output, (h_n, c_n))``) for ``input`` (L, N, I), (N, L, I)
        with ``batch_first``, or unbatched (L, I); ``hx`` the initial state(s) (num_layers *
        directions, N, H), zeros by default."""
        name = type(self).__name__
        if isinstance(input, PackedSequence):
            return self._forward_packed(input, hx)
        if not isinstance(input, Tensor):
            raise TypeError(f"{name} takes a mytorch Tensor, got {type(input).__name__}")
        unbatched = input.ndim == 2
        x = input.unsqueeze(1) if unbatched else input.transpose(0, 1) if self.batch_first else input
        if x.ndim != 3 or x.shape[-1] != self.input_size:
            raise ShapeRuntimeError(
                f"{name}: expected an input of shape (L, N, {self.input_size}), got {tuple(input.shape)}"
            )
        batch = x.shape[1]
        directions = 2 if self.bidirectional else 1
        lstm = self.mode == "LSTM"
        zeros = Tensor(np.zeros((self.num_layers * directions, batch, self.hidden_size), dtype=x.dtype))
        if hx is None:
            h0, c0 = zeros, zeros
        elif lstm:
            h0, c0 = ((t.unsqueeze(1) if unbatched else t) for t in hx)
        else:
            h0, c0 = (hx.unsqueeze(1) if unbatched else hx), zeros
        output, h_n, c_n = self._layers(x, h0, c0)
        if unbatched:
            output, h_n = output.squeeze(1), h_n.squeeze(1)
            c_n = c_n.squeeze(1) if c_n is not None else None
        elif self.batch_first:
            output = output.transpose(0, 1)
        return output, ((h_n, c_n) if lstm else h_n)

    def _forward_packed(self, packed: PackedSequence, hx: Any) -> tuple[PackedSequence, Any]:
        """``forward`` of a ``PackedSequence``: each sequence run for its own length, the output
        packed as the input was; ``hx`` and ``h_n`` in the batch's own order, as PyTorch's."""
        x, lengths = pad_packed_sequence(packed)
        if x.shape[-1] != self.input_size:
            raise ValueError(f"{type(self).__name__}: expected inputs of size {self.input_size}, got {x.shape[-1]}")
        lstm = self.mode == "LSTM"
        zeros = Tensor(
            np.zeros((self.num_layers * (2 if self.bidirectional else 1), x.shape[1], self.hidden_size), x.dtype)
        )
        h0, c0 = (zeros, zeros) if hx is None else (hx if lstm else (hx, zeros))
        output, h_n, c_n = self._layers(x, h0, c0, lengths._data)
        repacked = pack_padded_sequence(output, lengths, enforce_sorted=packed.sorted_indices is None)
        return repacked, ((h_n, c_n) if lstm else h_n)

    def _layers(self, x: Tensor, h0: Tensor, c0: Tensor, lengths: np.ndarray | None = None) -> tuple[Any, ...]:
        """``(output, h_n, c_n)`` (c_n None but for an LSTM) for ``x`` (L, N, I); with ``lengths``,
        sequence b's state changes only in its first ``lengths[b]`` steps and its output is 0 after."""
        length = x.shape[0]
        directions = 2 if self.bidirectional else 1
        lstm = self.mode == "LSTM"
        running = None if lengths is None else [Tensor((lengths > t)[:, None]) for t in range(length)]
        finals_h, finals_c = [], []
        layer_input = x
        for layer in range(self.num_layers):
            outputs = []
            for d, suffix in enumerate(("", "_reverse")[:directions]):
                index = layer * directions + d
                state: Any = (h0[index], c0[index]) if lstm else h0[index]
                weights = self._weights(layer, suffix)
                steps = range(length - 1, -1, -1) if d else range(length)
                hs: list[Tensor] = [None] * length  # type: ignore[list-item]
                for t in steps:
                    new = _step(self.mode, layer_input[t], state, *weights)
                    if running is not None:  # a sequence past its end keeps its state; its output is 0
                        keep = running[t]
                        new = (
                            (_kept(keep, new[0], state[0]), _kept(keep, new[1], state[1]))
                            if lstm
                            else _kept(keep, new, state)
                        )
                        hs[t] = _kept(keep, new[0] if lstm else new, 0.0)
                    else:
                        hs[t] = new[0] if lstm else new
                    state = new
                outputs.append(stack(hs, 0))
                finals_h.append(state[0] if lstm else state)
                if lstm:
                    finals_c.append(state[1])
            layer_input = outputs[0] if directions == 1 else cat(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = TF.dropout(layer_input, self.dropout, True)
        return layer_input, stack(finals_h, 0), (stack(finals_c, 0) if lstm else None)

    def extra_repr(self) -> str:
        """PyTorch's: ``input_size, hidden_size`` and what differs from the defaults."""
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text


class _CellBase(Module):
    mode = "RNN_TANH"

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None, dtype: Any = None
    ) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.bias = int(input_size), int(hidden_size), bool(bias)
        dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
        gates = _GATES[self.mode] * self.hidden_size
        self.weight_ih = Parameter(np.empty((gates, self.input_size), dtype=dtype))
        self.weight_hh = Parameter(np.empty((gates, self.hidden_size), dtype=dtype))
        if self.bias:
            self.bias_ih = Parameter(np.empty(gates, dtype=dtype))
            self.bias_hh = Parameter(np.empty(gates, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def forward(self, input: Tensor, hx: Any = None) -> Any:  # noqa: A002 - PyTorch's name
        """The next state for ``input`` (N, I) or (I,): h' (an LSTM cell: ``(h', c')``)."""
        unbatched = input.ndim == 1
        x = input.unsqueeze(0) if unbatched else input
        zeros = Tensor(np.zeros((x.shape[0], self.hidden_size), dtype=x.dtype))
        state: Any
        if self.mode == "LSTM":
            state = (zeros, zeros) if hx is None else tuple(t.unsqueeze(0) if unbatched else t for t in hx)
        else:
            state = zeros if hx is None else (hx.unsqueeze(0) if unbatched else hx)
        out = _step(self.mode, x, state, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        if not unbatched:
            return out
        return tuple(t.squeeze(0) for t in out) if self.mode == "LSTM" else out.squeeze(0)

    def extra_repr(self) -> str:
        """``input_size, hidden_size``."""
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNN(_RNNBase):
    """PyTorch's ``nn.RNN``: h' = tanh (or relu, ``nonlinearity="relu"``) of W_ih x + b_ih + W_hh h + b_hh."""

    def __init__(self, *args: Any, nonlinearity: str = "tanh", **kwargs: Any) -> None:
        self.mode = _nonlinearity("RNN", nonlinearity)
        super().__init__(*args, **kwargs)


class RNNCell(_CellBase):
    """PyTorch's ``nn.RNNCell`` (``nonlinearity`` tanh or relu)."""

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh", **kwargs: Any
    ) -> None:
        self.mode = _nonlinearity("RNNCell", nonlinearity)
        super().__init__(input_size, hidden_size, bias, **kwargs)


def _nonlinearity(name: str, nonlinearity: str) -> str:
    if nonlinearity not in ("tanh", "relu"):
        raise ValueError(f"{name}: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
    return "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"


def _kind(name: str, base: type, mode: str, doc: str) -> Any:
    """The class ``name``: ``base`` with the gates of ``mode``."""
    return type(name, (base,), {"__doc__": doc, "__module__": __name__, "mode": mode})


LSTM = _kind(
    "LSTM", _RNNBase, "LSTM", "PyTorch's ``nn.LSTM`` (gates i, f, g, o); ``forward`` gives ``(output, (h_n, c_n))``."
)
GRU = _kind(
    "GRU", _RNNBase, "GRU", "PyTorch's ``nn.GRU`` (gates r, z, n; n = tanh(W_in x + b_in + r (W_hn h + b_hn)))."
)
LSTMCell = _kind("LSTMCell", _CellBase, "LSTM", "PyTorch's ``nn.LSTMCell``: ``(h', c')`` from ``(h, c)``.")
GRUCell = _kind("GRUCell", _CellBase, "GRU", "PyTorch's ``nn.GRUCell``.")

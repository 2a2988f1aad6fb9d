"""``nn.MultiheadAttention``, PyTorch's: the query, key and value projected (``in_proj_weight``,
or ``q_proj_weight``/``k_proj_weight``/``v_proj_weight`` when ``kdim``/``vdim`` differ from
``embed_dim``), split into ``num_heads`` heads, ``softmax(q k^T / sqrt(head_dim) + masks) v``
per head, the heads joined and projected by ``out_proj``. Composed of kernels (``linear``,
``matmul``, ``softmax``, ...), so gradients, forward mode and second derivatives come with it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mytorch.dtypes import get_default_dtype
from mytorch.nn import functional_tensor as TF
from mytorch.nn import init
from mytorch.nn.layers import Linear
from mytorch.nn.module import Module
from mytorch.nn.parameter import Parameter
from mytorch.tensor import Tensor

__all__ = [
    "MultiheadAttention",
    "Transformer",
    "TransformerDecoder",
    "TransformerDecoderLayer",
    "TransformerEncoder",
    "TransformerEncoderLayer",
]


def _mask(what: str, mask: Any, dtype: np.dtype) -> Tensor | None:
    """A mask as an additive float Tensor: a bool one's True (masked out) becomes -inf."""
    if mask is None:
        return None
    data = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if data.dtype == np.bool_:
        return Tensor(np.where(data, -np.inf, 0.0).astype(dtype))
    if data.dtype.kind != "f":
        raise TypeError(f"MultiheadAttention: {what} must be bool or floating point, got {data.dtype}")
    return mask if isinstance(mask, Tensor) else Tensor(data.astype(dtype))


class NonDynamicallyQuantizableLinear(Linear):
    """``MultiheadAttention.out_proj``: a ``Linear`` under PyTorch's class name, so that a model
    prints as it does in PyTorch (PyTorch's name keeps its quantization tools off this layer)."""


class MultiheadAttention(Module):
    """PyTorch's ``nn.MultiheadAttention(embed_dim, num_heads, dropout=0.0, bias=True, kdim=None,
    vdim=None, batch_first=False, dtype=None)``; ``add_bias_kv`` and ``add_zero_attn`` are not
    supported. Parameters drawn as PyTorch draws them: the input projections Xavier-uniform,
    their bias 0, ``out_proj`` a ``Linear(embed_dim, embed_dim)`` with bias 0.

    ``forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False)`` returns ``(output, weights)``: inputs (L, N, E)
    ((N, L, E) with ``batch_first``, or unbatched (L, E)); a bool mask's True marks a position
    masked out (PyTorch's rule here, the opposite of ``F.scaled_dot_product_attention``'s), a float
    mask is added; ``key_padding_mask`` (N, S), ``attn_mask`` (L, S) or (N * num_heads, L, S);
    ``is_causal`` without ``attn_mask`` masks the future. The weights (N, L, S) are averaged over
    the heads unless ``average_attn_weights=False`` ((N, num_heads, L, S)); None without
    ``need_weights``. A query whose keys are all masked gets NaN, as in PyTorch.
    """

    def __init__(
        self,
        embed_dim: int,
        num_heads: int,
        dropout: float = 0.0,
        bias: bool = True,
        add_bias_kv: bool = False,
        add_zero_attn: bool = False,
        kdim: int | None = None,
        vdim: int | None = None,
        batch_first: bool = False,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__()
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError("MultiheadAttention: add_bias_kv and add_zero_attn are not supported by MyTorch")
        if embed_dim <= 0 or num_heads <= 0 or embed_dim % num_heads:
            raise ValueError(
                f"MultiheadAttention: embed_dim ({embed_dim}) must be a positive multiple of num_heads ({num_heads})"
            )
        self.embed_dim, self.num_heads, self.head_dim = int(embed_dim), int(num_heads), embed_dim // num_heads
        self.kdim = embed_dim if kdim is None else int(kdim)
        self.vdim = embed_dim if vdim is None else int(vdim)
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.dropout, self.batch_first = float(dropout), bool(batch_first)
        dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(np.empty((3 * embed_dim, embed_dim), dtype=dtype))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.register_parameter("in_proj_weight", None)
            self.q_proj_weight = Parameter(np.empty((embed_dim, embed_dim), dtype=dtype))
            self.k_proj_weight = Parameter(np.empty((embed_dim, self.kdim), dtype=dtype))
            self.v_proj_weight = Parameter(np.empty((embed_dim, self.vdim), dtype=dtype))
        if bias:
            self.in_proj_bias = Parameter(np.zeros(3 * embed_dim, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self.in_proj_weight is not None:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for weight in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(weight)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
        if self.out_proj.bias is not None:
            init.zeros_(self.out_proj.bias)

    def _projections(self) -> list[tuple[Tensor, Tensor | None]]:
        e = self.embed_dim
        bias = self.in_proj_bias
        biases = [None] * 3 if bias is None else [bias[:e], bias[e : 2 * e], bias[2 * e :]]
        if self.in_proj_weight is not None:
            w = self.in_proj_weight
            weights = [w[:e], w[e : 2 * e], w[2 * e :]]
        else:
            weights = [self.q_proj_weight, self.k_proj_weight, self.v_proj_weight]
        return list(zip(weights, biases))

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Any = None,
        need_weights: bool = True,
        attn_mask: Any = None,
        average_attn_weights: bool = True,
        is_causal: bool = False,
    ) -> tuple[Tensor, Tensor | None]:
        """``(output, weights)``; see the class."""
        # PyTorch's without weights (scaled_dot_product_attention) gives a query whose every key is
        # masked 0 before out_proj; its other paths (the weights' softmax, the fused inference
        # kernel) give NaN there
        zero_dead = not need_weights and not self._fused_in_pytorch(query, key, value, key_padding_mask, attn_mask)
        if self._dead_rows is not None:  # (set by a Transformer layer, which knows PyTorch's path for it)
            zero_dead = self._dead_rows
        unbatched = query.ndim == 2
        if unbatched:
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = (
                    key_padding_mask.unsqueeze(0)
                    if isinstance(key_padding_mask, Tensor)
                    else (np.asarray(key_padding_mask)[None])
                )
        elif self.batch_first:  # (N, L, E) -> (L, N, E)
            query, key, value = query.transpose(0, 1), key.transpose(0, 1), value.transpose(0, 1)
        length, batch, _ = query.shape
        source = key.shape[0]
        heads, head_dim = self.num_heads, self.head_dim
        projected = []
        for x, (w, b) in zip((query, key, value), self._projections()):
            y = TF.linear(x, w) if b is None else TF.linear(x, w, b)  # (T, N, E)
            projected.append(y.reshape(y.shape[0], batch * heads, head_dim).transpose(0, 1))  # (N H, T, hd)
        q, k, v = projected
        half = q.dtype == np.float16  # in float32, as PyTorch's kernels: float16 q k^T overflows from |q|, |k| ~ 256
        if half:
            q, k, v = q.to(np.float32), k.to(np.float32), v.to(np.float32)
        scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(head_dim))  # (N H, L, S)
        mask = _mask("attn_mask", attn_mask, scores.dtype)
        if mask is None and is_causal:
            mask = Tensor(np.triu(np.full((length, source), -np.inf, dtype=scores.dtype), 1))
        if mask is not None:
            scores = scores + mask
        padding = _mask("key_padding_mask", key_padding_mask, scores.dtype)
        if padding is not None:  # (N, S) -> (N H, 1, S)
            scores = (scores.reshape(batch, heads, length, source) + padding.reshape(batch, 1, 1, source)).reshape(
                batch * heads, length, source
            )
        dead = np.isneginf(np.asarray(scores._data)).all(-1, keepdims=True) if zero_dead else None
        if dead is not None and dead.any():
            held = Tensor(dead)
            weights = scores.masked_fill(held, 0.0).softmax(-1).masked_fill(held, 0.0)
        else:
            weights = scores.softmax(-1)
        if self.dropout > 0 and self.training:
            weights = TF.dropout(weights, self.dropout, True)
        out = (weights @ v).transpose(0, 1).reshape(length, batch, self.embed_dim)
        if half:
            out, weights = out.to(np.float16), weights.to(np.float16)
        out = self.out_proj(out)
        if unbatched:
            out = out.squeeze(1)
        elif self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        weights = weights.reshape(batch, heads, length, source)
        if average_attn_weights:
            weights = weights.mean(1)
        return out, (weights.squeeze(0) if unbatched else weights)

    _dead_rows: bool | None = None

    def _fused_in_pytorch(self, query: Any, key: Any, value: Any, key_padding_mask: Any, attn_mask: Any) -> bool:
        """Whether PyTorch 2.13 runs this call through its fused inference kernel: self-attention
        (one tensor as query, key and value) of a batch, bool or no masks, eval mode, batch_first,
        an even number of heads, biased in-projections, and no gradient to record."""
        from mytorch.autograd_engine import is_grad_enabled

        if self.training or not self.batch_first or self.num_heads % 2 or not self._qkv_same_embed_dim:
            return False
        if self.in_proj_bias is None or not isinstance(query, Tensor) or query.ndim != 3:
            return False
        if query is not key or key is not value:
            return False
        for mask in (key_padding_mask, attn_mask):
            if mask is not None and np.asarray(mask._data if isinstance(mask, Tensor) else mask).dtype.kind == "f":
                return False
        tensors = (query, self.in_proj_weight, self.in_proj_bias, self.out_proj.weight, self.out_proj.bias)
        return not (is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors))

    def extra_repr(self) -> str:
        """PyTorch's module repr shows only ``out_proj``; nothing more here."""
        return ""


def _relu_or_gelu(activation: Any) -> int:
    """PyTorch's ``activation_relu_or_gelu``: 1 for relu, 2 for gelu (the functions or their
    modules), 0 for any other activation."""
    from mytorch.nn.activations import GELU, ReLU

    ours = str(getattr(activation, "__module__", "")).startswith("mytorch")
    name = getattr(activation, "__name__", "") if ours else ""
    if name == "relu" or isinstance(activation, ReLU):  # (F.relu: mytorch.nn.functional's, or the Tensor one)
        return 1
    if name == "gelu" or isinstance(activation, GELU):
        return 2
    return 0


class TransformerEncoderLayer(Module):
    """PyTorch's ``nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=2048, dropout=0.1,
    activation="relu", layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True)``:
    self-attention then a feed-forward block, each added to its input and layer-normalized (after,
    or before with ``norm_first``); the submodules PyTorch has (``self_attn``, ``linear1``,
    ``linear2``, ``norm1``, ``norm2``, the dropouts), so its state dict loads."""

    _cross = False
    multihead_attn: Any
    norm1: Any
    norm2: Any
    norm3: Any
    dropout1: Any
    dropout2: Any
    dropout3: Any

    def __init__(
        self,
        d_model: int,
        nhead: int,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Any = "relu",
        layer_norm_eps: float = 1e-5,
        batch_first: bool = False,
        norm_first: bool = False,
        bias: bool = True,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        from mytorch.nn.layers import Dropout
        from mytorch.nn.normalization import LayerNorm

        super().__init__()
        # in PyTorch's order (parameters(), state_dict()); a decoder layer adds its cross-attention,
        # third norm and dropout
        attention = dict(dropout=dropout, bias=bias, batch_first=batch_first, dtype=dtype)
        self.self_attn = MultiheadAttention(d_model, nhead, **attention)
        if self._cross:
            self.multihead_attn = MultiheadAttention(d_model, nhead, **attention)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = bool(norm_first)
        count = 3 if self._cross else 2
        for name in ("norm1", "norm2", "norm3")[:count]:
            setattr(self, name, LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        for name in ("dropout1", "dropout2", "dropout3")[:count]:
            setattr(self, name, Dropout(dropout))
        if activation in ("relu", "gelu"):
            self._activation = TF.relu if activation == "relu" else TF.gelu
        elif callable(activation):
            self._activation = activation
        else:
            raise ValueError(
                f"{type(self).__name__}: activation must be 'relu', 'gelu' or a callable, got {activation!r}"
            )
        self.activation_relu_or_gelu = _relu_or_gelu(self._activation)  # PyTorch's attribute (1, 2 or 0)

    def forward(
        self, src: Tensor, src_mask: Any = None, src_key_padding_mask: Any = None, is_causal: bool = False
    ) -> Tensor:
        """One encoder layer on ``src`` (L, N, E), (N, L, E) with ``batch_first``, or (L, E)."""
        x = src
        if self.norm_first:
            x = x + self._attend(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._feed_forward(self.norm2(x))
        x = self.norm1(x + self._attend(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._feed_forward(x))

    def _attend(self, x: Tensor, mask: Any, padding: Any, is_causal: bool) -> Tensor:
        # a query whose every key is masked: 0 before out_proj as in PyTorch's encoder layer (it
        # hands the attention float masks: scaled_dot_product_attention), NaN where PyTorch runs
        # the encoder layer's fused inference kernel
        # (a decoder layer hands its masks on as they are: the attention's own rule, below)
        self.self_attn._dead_rows = None if self._cross else not self._fused_in_pytorch(x)
        try:
            out, _ = self.self_attn(
                x, x, x, attn_mask=mask, key_padding_mask=padding, need_weights=False, is_causal=is_causal
            )
        finally:
            self.self_attn._dead_rows = None
        return self.dropout1(out)

    def _fused_in_pytorch(self, src: Tensor) -> bool:
        """Whether PyTorch 2.13 runs this encoder layer through its fused inference kernel: a
        batch, eval mode, batch_first biased self-attention of an even number of heads, relu or
        gelu, equal norm eps, and no gradient to record."""
        from mytorch.autograd_engine import is_grad_enabled

        attention = self.self_attn
        if self.training or not isinstance(src, Tensor) or src.ndim != 3 or not attention.batch_first:
            return False
        if attention.in_proj_bias is None or not attention._qkv_same_embed_dim or attention.num_heads % 2:
            return False
        if not self.activation_relu_or_gelu or self.norm1.eps != self.norm2.eps:
            return False
        return not (is_grad_enabled() and (src.requires_grad or any(p.requires_grad for p in self.parameters())))

    def _feed_forward(self, x: Tensor) -> Tensor:
        return self.dropout2(self.linear2(self.dropout(self._activation(self.linear1(x)))))


class TransformerEncoder(Module):
    """PyTorch's ``nn.TransformerEncoder(encoder_layer, num_layers, norm=None)``: ``num_layers``
    copies of ``encoder_layer`` (``layers``, a ``ModuleList``) applied in turn, then ``norm``."""

    def __init__(
        self,
        encoder_layer: Module,
        num_layers: int,
        norm: Module | None = None,
        enable_nested_tensor: bool = True,
        mask_check: bool = True,
        **unused: Any,
    ) -> None:
        import copy

        from mytorch.nn.containers import ModuleList

        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = int(num_layers)
        self.norm = norm
        self.enable_nested_tensor, self.mask_check = bool(enable_nested_tensor), bool(mask_check)
        layer: Any = encoder_layer
        attention = getattr(layer, "self_attn", None)
        self.use_nested_tensor = bool(
            enable_nested_tensor
            and isinstance(layer, TransformerEncoderLayer)
            and not layer._cross
            and not layer.norm_first
            and attention is not None
            and attention.batch_first
            and attention._qkv_same_embed_dim
            and attention.in_proj_bias is not None
            and layer.activation_relu_or_gelu
            and layer.norm1.eps == layer.norm2.eps
            and attention.num_heads % 2 == 0
        )

    def forward(self, src: Tensor, mask: Any = None, src_key_padding_mask: Any = None, is_causal: Any = None) -> Tensor:
        """Every layer on ``src`` in turn (with the same masks), then ``norm``. Where PyTorch runs
        its nested-tensor fast path (see ``_padded_positions``) the padded positions come out as 0
        before ``norm``, as PyTorch's do."""
        padded = self._padded_positions(src, mask, src_key_padding_mask)
        out = src
        for layer in self.layers:
            out = layer(out, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=bool(is_causal))
        if padded is not None:
            out = out.masked_fill(Tensor(padded[:, :, None]), 0.0)
        return out if self.norm is None else self.norm(out)

    def _padded_positions(self, src: Tensor, mask: Any, padding: Any) -> np.ndarray | None:
        """The (N, S) padded positions when PyTorch 2.13 would run this encoder on a nested tensor,
        which leaves them 0: nested tensors enabled and possible for the layer (post-norm,
        batch_first, biased self-attention of an even number of heads, relu or gelu, equal norm
        eps), the first layer in eval mode, a batched input with a key padding mask and no attention
        mask, the padding at the end of each row, and no gradient to record (grad disabled, or
        neither the input nor the first layer's parameters requires it)."""
        from mytorch.autograd_engine import is_grad_enabled

        first: Any = self.layers[0] if len(self.layers) else None
        if not self.use_nested_tensor or first is None or first.training or padding is None or mask is not None:
            return None
        if not isinstance(src, Tensor) or src.ndim != 3:
            return None
        if is_grad_enabled() and (src.requires_grad or any(p.requires_grad for p in first.parameters())):
            return None
        data = np.asarray(padding._data if isinstance(padding, Tensor) else padding)
        padded = data != 0 if data.dtype != bool else data  # (a float mask: nonzero pads, as PyTorch reads it)
        if padded.shape != src.shape[:2]:
            return None
        if (np.diff((~padded).astype(np.int8), axis=1) > 0).any():
            # a kept position after a padded one: PyTorch's slow path, no zeros (with mask_check=False
            # PyTorch reads such a mask as if the first positions were the kept ones; MyTorch keeps
            # the positions the mask keeps, without zeros)
            return None
        return padded if padded.any() else None


class TransformerDecoderLayer(TransformerEncoderLayer):
    """PyTorch's ``nn.TransformerDecoderLayer`` (the encoder layer's arguments): self-attention,
    attention to ``memory`` (``multihead_attn``), a feed-forward block, each added to its input and
    layer-normalized (``norm1``, ``norm2``, ``norm3``; before with ``norm_first``)."""

    _cross = True

    def forward(  # type: ignore[override]
        self,
        tgt: Tensor,
        memory: Tensor,
        tgt_mask: Any = None,
        memory_mask: Any = None,
        tgt_key_padding_mask: Any = None,
        memory_key_padding_mask: Any = None,
        tgt_is_causal: bool = False,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """One decoder layer on ``tgt`` attending to ``memory``."""
        x = tgt

        def cross(y: Tensor) -> Tensor:
            out, _ = self.multihead_attn(
                y, memory, memory, attn_mask=memory_mask, key_padding_mask=memory_key_padding_mask, need_weights=False
            )
            return self.dropout2(out)

        if self.norm_first:
            x = x + self._attend(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + cross(self.norm2(x))
            return x + self._feed_forward(self.norm3(x))
        x = self.norm1(x + self._attend(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
        x = self.norm2(x + cross(x))
        return self.norm3(x + self._feed_forward(x))

    def _feed_forward(self, x: Tensor) -> Tensor:
        return self.dropout3(self.linear2(self.dropout(self._activation(self.linear1(x)))))


class TransformerDecoder(TransformerEncoder):
    """PyTorch's ``nn.TransformerDecoder(decoder_layer, num_layers, norm=None)``; ``forward`` takes
    the arguments of ``TransformerDecoderLayer.forward`` and hands them to every layer."""

    def forward(self, tgt: Tensor, memory: Tensor, *masks: Any, **options: Any) -> Tensor:  # type: ignore[override]
        """Every layer on ``tgt`` in turn (each attending to ``memory``), then ``norm``."""
        out = tgt
        for layer in self.layers:
            out = layer(out, memory, *masks, **options)
        return out if self.norm is None else self.norm(out)


class Transformer(Module):
    """PyTorch's ``nn.Transformer(d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
    dim_feedforward=2048, dropout=0.1, activation="relu", layer_norm_eps=1e-5, batch_first=False,
    norm_first=False, bias=True)``: an encoder and a decoder, each ending in a ``LayerNorm``,
    every matrix of parameters drawn Xavier-uniform, as PyTorch's (``custom_encoder`` and
    ``custom_decoder`` are not supported)."""

    def __init__(
        self,
        d_model: int = 512,
        nhead: int = 8,
        num_encoder_layers: int = 6,
        num_decoder_layers: int = 6,
        dim_feedforward: int = 2048,
        dropout: float = 0.1,
        activation: Any = "relu",
        custom_encoder: Any = None,
        custom_decoder: Any = None,
        **layer_options: Any,
    ) -> None:
        """``layer_options``: the layers' ``layer_norm_eps``, ``batch_first``, ``norm_first``,
        ``bias``, ``device``, ``dtype`` (by keyword)."""
        from mytorch.nn.normalization import LayerNorm

        super().__init__()
        if custom_encoder is not None or custom_decoder is not None:
            raise NotImplementedError("Transformer: custom_encoder and custom_decoder are not supported by MyTorch")
        options = dict(dropout=dropout, activation=activation, **layer_options)
        norm = dict(
            eps=layer_options.get("layer_norm_eps", 1e-5),
            bias=layer_options.get("bias", True),
            dtype=layer_options.get("dtype"),
        )
        batch_first = layer_options.get("batch_first", False)
        encoder_layer = TransformerEncoderLayer(d_model, nhead, dim_feedforward, **options)
        self.encoder = TransformerEncoder(encoder_layer, num_encoder_layers, LayerNorm(d_model, **norm))
        decoder_layer = TransformerDecoderLayer(d_model, nhead, dim_feedforward, **options)
        self.decoder = TransformerDecoder(decoder_layer, num_decoder_layers, LayerNorm(d_model, **norm))
        self.d_model, self.nhead, self.batch_first = d_model, nhead, bool(batch_first)
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    def forward(
        self,
        src: Tensor,
        tgt: Tensor,
        src_mask: Any = None,
        tgt_mask: Any = None,
        memory_mask: Any = None,
        src_key_padding_mask: Any = None,
        tgt_key_padding_mask: Any = None,
        memory_key_padding_mask: Any = None,
        src_is_causal: Any = None,
        tgt_is_causal: Any = None,
        memory_is_causal: bool = False,
    ) -> Tensor:
        """The decoder's output for ``tgt``, attending to the encoded ``src``."""
        memory = self.encoder(src, src_mask, src_key_padding_mask, src_is_causal)
        return self.decoder(
            tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask, tgt_is_causal
        )

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: Any = None, dtype: Any = None) -> Tensor:
        """A float (sz, sz) mask: 0 on and below the diagonal, -inf above (the future masked)."""
        dtype = get_default_dtype() if dtype is None else np.dtype(dtype)
        return Tensor(np.triu(np.full((sz, sz), -np.inf, dtype=dtype), 1))

"""nn.MultiheadAttention (mytorch/nn/attention.py) against PyTorch's from the same weights:
outputs, weights and gradients, batch-first or not, unbatched, masks, kdim/vdim."""

import numpy as np
import pytest

import mytorch as mt
import mytorch.nn as nn

try:
    import torch
except ImportError:  # pragma: no cover - PyTorch is optional
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

CASES = [
    (dict(embed_dim=8, num_heads=2, batch_first=True), (2, 5, 8), (2, 4, 8), dict()),
    (dict(embed_dim=8, num_heads=4), (5, 2, 8), (3, 2, 8), dict(average_attn_weights=False)),
    (dict(embed_dim=6, num_heads=3, batch_first=True), (2, 4, 6), (2, 4, 6), dict(is_causal=True, need_weights=False)),
    (dict(embed_dim=8, num_heads=2, kdim=5, vdim=3, batch_first=True, bias=False), (2, 3, 8), (2, 4, None), dict()),
    (dict(embed_dim=4, num_heads=1), (3, 4), (5, 4), dict()),  # unbatched
]


def _masks(lib, options, q_shape, kv_shape, batch_first):
    out = dict(options)
    if options.get("is_causal"):
        return out
    if len(q_shape) == 3:
        batch, source = (kv_shape[0], kv_shape[1]) if batch_first else (kv_shape[1], kv_shape[0])
        padding = np.zeros((batch, source), dtype=bool)
        padding[0, -1] = True
        out["key_padding_mask"] = lib.tensor(padding)
        length = q_shape[1] if batch_first else q_shape[0]
        out["attn_mask"] = lib.tensor(np.random.default_rng(3).standard_normal((length, source)))
    return out


@needs_torch
@pytest.mark.parametrize("i", range(len(CASES)))
def test_multihead_attention_matches_pytorch(i):
    config, q_shape, kv_shape, options = CASES[i]
    r = np.random.default_rng(i)
    q = r.standard_normal(q_shape)
    kdim, vdim = config.get("kdim", config["embed_dim"]), config.get("vdim", config["embed_dim"])
    k = r.standard_normal((*kv_shape[:-1], kdim) if kv_shape[-1] is None else kv_shape)
    v = r.standard_normal((*kv_shape[:-1], vdim) if kv_shape[-1] is None else kv_shape)

    def run(lib):
        module = lib.nn.MultiheadAttention(**config, dtype=lib.float64)
        if lib is mt:
            run.state = {name: value.numpy().copy() for name, value in module.state_dict().items()}
        else:
            module.load_state_dict({name: torch.tensor(value) for name, value in run.state.items()})
        tensors = [lib.tensor(a, requires_grad=True) for a in (q, k, v)]
        kwargs = _masks(lib, options, q_shape, kv_shape, config.get("batch_first", False))
        if kwargs.get("is_causal"):
            length = q_shape[1]
            kwargs["attn_mask"] = lib.tensor(np.triu(np.ones((length, length), dtype=bool), 1))
            if lib is mt:
                kwargs.pop("attn_mask")  # MyTorch builds the causal mask itself
        out, weights = module(*tensors, **kwargs)
        (out * lib.tensor(np.cos(np.arange(out.numel())).reshape(out.shape))).sum().backward()
        grads = [t.grad.numpy() for t in tensors] + [p.grad.numpy() for p in module.parameters()]
        return [out.detach().numpy()] + ([] if weights is None else [weights.detach().numpy()]) + grads

    ours = run(mt)
    theirs = run(torch)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_parameters_and_errors():
    mt.manual_seed(0)
    attention = nn.MultiheadAttention(8, 2)
    assert list(attention.state_dict()) == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    assert attention.in_proj_bias.abs().sum().item() == 0 and attention.in_proj_weight.shape == (24, 8)
    assert np.abs(attention.in_proj_weight.numpy()).max() <= np.sqrt(6 / 32)
    with pytest.raises(ValueError, match="multiple of num_heads"):
        nn.MultiheadAttention(6, 4)
    with pytest.raises(NotImplementedError, match="add_bias_kv"):
        nn.MultiheadAttention(4, 2, add_bias_kv=True)


@needs_torch
@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_encoder_matches_pytorch(norm_first):
    config = dict(d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, batch_first=True, norm_first=norm_first)
    x = np.random.default_rng(5).standard_normal((2, 5, 8))
    padding = np.zeros((2, 5), dtype=bool)
    padding[1, -2:] = True

    def run(lib):
        layer = lib.nn.TransformerEncoderLayer(**config, activation="gelu", dtype=lib.float64)
        encoder = lib.nn.TransformerEncoder(layer, 2, norm=lib.nn.LayerNorm(8, dtype=lib.float64))
        if lib is mt:
            run.state = {k: v.numpy().copy() for k, v in encoder.state_dict().items()}
        else:
            encoder.load_state_dict({k: torch.tensor(v) for k, v in run.state.items()})
        t = lib.tensor(x, requires_grad=True)
        out = encoder(t, src_key_padding_mask=lib.tensor(padding))
        (out * lib.tensor(np.cos(np.arange(out.numel())).reshape(out.shape))).sum().backward()
        return [out.detach().numpy(), t.grad.numpy()] + [p.grad.numpy() for p in encoder.parameters()], list(run.state)

    ours, names = run(mt)
    theirs, _ = run(torch)
    first = ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"]
    assert names[:4] == [f"layers.0.self_attn.{name}" for name in first]
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


@needs_torch
@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_matches_pytorch(norm_first):
    config = dict(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=16, dropout=0.0)
    r = np.random.default_rng(7)
    src, tgt = r.standard_normal((2, 5, 8)), r.standard_normal((2, 4, 8))

    def run(lib):
        model = lib.nn.Transformer(**config, batch_first=True, norm_first=norm_first, dtype=lib.float64)
        if lib is mt:
            run.state = {k: v.numpy().copy() for k, v in model.state_dict().items()}
        else:
            model.load_state_dict({k: torch.tensor(v) for k, v in run.state.items()})
        s, t = lib.tensor(src, requires_grad=True), lib.tensor(tgt, requires_grad=True)
        mask = lib.nn.Transformer.generate_square_subsequent_mask(4, dtype=lib.float64)
        out = model(s, t, tgt_mask=mask)
        (out * lib.tensor(np.sin(np.arange(out.numel())).reshape(out.shape))).sum().backward()
        grads = [p.grad.numpy() for p in model.parameters()]  # (the same order as PyTorch's)
        return [out.detach().numpy(), s.grad.numpy(), t.grad.numpy(), *grads], list(model.state_dict())

    (ours, our_keys), (theirs, their_keys) = run(mt), run(torch)
    assert our_keys == their_keys
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-11)


@needs_torch
@pytest.mark.parametrize(
    ("indices", "offsets", "options"),
    [
        ([[1, 2, 4], [4, 3, 9]], None, dict(mode="mean")),
        ([1, 2, 4, 5, 4, 3, 2, 9], [0, 4], dict(mode="sum")),
        ([1, 2, 4, 5, 4, 3, 2, 9], [0, 4, 4], dict(mode="max")),  # an empty bag: zeros
        ([1, 2, 4, 5, 4, 3, 2, 9], [0, 3, 8], dict(mode="mean", include_last_offset=True)),
        ([[1, 0, 4], [0, 3, 9]], None, dict(mode="sum", padding_idx=0)),
    ],
)
def test_embedding_bag_matches_pytorch(indices, offsets, options):
    weight = np.random.default_rng(4).standard_normal((10, 3))

    def run(lib):
        w = lib.tensor(weight, requires_grad=True)
        bags = lib.nn.functional.embedding_bag(
            lib.tensor(indices), w, None if offsets is None else lib.tensor(offsets), **options
        )
        (bags * lib.tensor(np.cos(np.arange(bags.numel())).reshape(bags.shape))).sum().backward()
        return [bags.detach().numpy(), w.grad.numpy()]

    for ours, theirs in zip(run(mt), run(torch), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-13, atol=1e-14)
    assert nn.EmbeddingBag(10, 3, mode="sum")(mt.tensor([[1, 2]])).shape == (1, 3)


def test_embedding_bag_refuses_a_last_offset_short_of_the_input():
    # include_last_offset: the last offset is the input's length. Short of it, PyTorch 2.13's last
    # bag is rows 3, 4, 4 in float32 sum (33), rows 3, 4, 4, 2, 5 in float64 (54), and its float32
    # mean divides the first by 5: the last offset ended the bag here (33 in every dtype)
    weight = mt.tensor(np.arange(18.0).reshape(6, 3), requires_grad=True)
    indices = mt.tensor([1, 0, 3, 4, 4, 2, 5])
    for mode in ("sum", "mean", "max"):
        with pytest.raises(ValueError, match="the last offset must be the input's length \\(7\\), got 5"):
            nn.functional.embedding_bag(indices, weight, mt.tensor([0, 2, 2, 5]), mode=mode, include_last_offset=True)
    bags = nn.functional.embedding_bag(indices, weight, mt.tensor([0, 2, 2, 7]), mode="sum", include_last_offset=True)
    assert bags[:, 0].tolist() == [3.0, 0.0, 54.0]  # rows 1 and 0; none; rows 3, 4, 4, 2, 5


@pytest.mark.parametrize(
    ("offsets", "last", "message"),
    [
        ([1, 3], False, "offsets\\[0\\] must be 0"),
        ([7], True, "offsets\\[0\\] must be 0"),
        ([0, 4, 2], False, "non-decreasing"),
        ([0, 9], False, "at most 7"),
        ([0, 3, 9], True, "input's length \\(7\\), got 9"),
    ],
)
def test_embedding_bag_refuses_offsets_that_cut_no_runs(offsets, last, message):
    weight = mt.tensor(np.ones((6, 3)), requires_grad=True)
    with pytest.raises(ValueError, match=message):
        indices = mt.tensor([1, 0, 3, 4, 4, 2, 5])
        nn.functional.embedding_bag(indices, weight, mt.tensor(offsets), include_last_offset=last)


def test_encoder_zeroes_padded_positions_where_pytorch_runs_nested_tensors():
    # PyTorch 2.13's TransformerEncoder in eval mode without a gradient to record runs a nested
    # tensor of the kept positions and pads the output with 0: a port's mean over every position
    # (or the padded rows themselves) differed; in training, or with a gradient, it does not
    mt.manual_seed(0)
    enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True), 2).eval()
    x = mt.tensor(np.random.default_rng(0).standard_normal((2, 5, 8)), dtype=mt.float32)
    padding = mt.tensor([[False] * 5, [False, False, False, True, True]])
    with mt.no_grad():
        out = enc(x, src_key_padding_mask=padding).numpy()
    assert (out[1, 3:] == 0).all() and (out[1, :3] != 0).all() and (out[0] != 0).all()
    kept = enc(x, src_key_padding_mask=padding).detach().numpy()  # a gradient to record: the slow path
    assert (kept[1, 3:] != 0).all()
    np.testing.assert_allclose(kept[1, :3], out[1, :3], rtol=1e-6)  # the kept positions agree
    enc.train()
    with mt.no_grad():
        assert (enc(x, src_key_padding_mask=padding).numpy()[1, 3:] != 0).all()
    enc.eval()
    with mt.no_grad():  # padding not at the end: the slow path
        assert (enc(x, src_key_padding_mask=padding.flip(1)).numpy()[1, :2] != 0).all()
    norm_first = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True, norm_first=True), 1)
    with mt.no_grad():
        assert (norm_first.eval()(x, src_key_padding_mask=padding).numpy()[1, 3:] != 0).all()


@needs_torch
@pytest.mark.parametrize("options", [{}, {"norm": True}, {"activation": "gelu"}, {"norm_first": True}])
def test_encoder_padded_positions_match_pytorch_in_inference(options):
    x = np.random.default_rng(1).standard_normal((3, 5, 8)).astype(np.float32)
    padding = np.zeros((3, 5), bool)
    padding[1, 3:], padding[2, 1:] = True, True
    outs = []
    for lib in (torch, mt):
        layer = lib.nn.TransformerEncoderLayer(
            8, 2, 16, 0.0, batch_first=True, activation=options.get("activation", "relu"),
            norm_first=options.get("norm_first", False),
        )  # fmt: skip
        enc = lib.nn.TransformerEncoder(layer, 2, norm=lib.nn.LayerNorm(8) if options.get("norm") else None)
        if lib is mt:
            for name, p in enc.named_parameters():
                p.data = mt.tensor(dict(outs[0][1])[name])
        with lib.no_grad():
            out = enc.eval()(lib.tensor(x), src_key_padding_mask=lib.tensor(padding))
        outs.append((out.numpy(), [(n, p.detach().numpy().copy()) for n, p in enc.named_parameters()]))
    np.testing.assert_allclose(outs[1][0], outs[0][0], rtol=1e-5, atol=1e-6)


def test_a_query_with_every_key_masked_follows_pytorchs_path():
    # without weights PyTorch's attention is scaled_dot_product_attention: such a query gives 0
    # before out_proj (MyTorch gave NaN); with weights, or in the fused inference kernel, NaN
    mt.manual_seed(0)
    attention = nn.MultiheadAttention(8, 2, batch_first=True)
    x = mt.tensor(np.random.default_rng(0).standard_normal((2, 3, 8)), dtype=mt.float32)
    padding = mt.tensor([[False, False, True], [True, True, True]])
    out, _ = attention(x, x, x, key_padding_mask=padding, need_weights=False)
    bias = attention.out_proj.bias.detach().numpy()
    assert np.isfinite(out.detach().numpy()).all() and np.allclose(out.detach().numpy()[1], bias)
    out.sum().backward()  # and finite gradients
    assert np.isfinite(attention.in_proj_weight.grad.numpy()).all()
    weighted, weights = attention(x, x, x, key_padding_mask=padding)
    assert np.isnan(weighted.detach().numpy()[1]).all() and np.isnan(weights.detach().numpy()[1]).all()
    attention.eval()
    with mt.no_grad():  # eval, no gradient, self-attention, a bool mask: the fused kernel's NaN
        assert np.isnan(attention(x, x, x, key_padding_mask=padding, need_weights=False)[0].numpy()[1]).all()
        float_padding = mt.tensor(np.where(padding.numpy(), -np.inf, 0.0).astype(np.float32))
        assert np.isfinite(attention(x, x, x, key_padding_mask=float_padding, need_weights=False)[0].numpy()).all()
    layer = nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True)
    assert np.isfinite(layer(x, src_key_padding_mask=padding).detach().numpy()).all()  # training: finite
    with mt.no_grad():  # its fused inference kernel: NaN
        assert np.isnan(layer.eval()(x, src_key_padding_mask=padding).numpy()[1]).all()


@needs_torch
def test_fully_masked_queries_match_pytorch_across_paths():
    x = np.random.default_rng(2).standard_normal((3, 5, 8)).astype(np.float32)
    padding = np.zeros((3, 5), bool)
    padding[1, 3:], padding[2, :] = True, True
    results = []
    for lib in (torch, mt):
        torch.manual_seed(0)
        made = [
            lib.nn.MultiheadAttention(8, 2, batch_first=True),
            lib.nn.TransformerEncoderLayer(8, 2, 16, 0.0, batch_first=True),
        ]
        if lib is mt:
            for ours, theirs in zip(made, results[0][0], strict=True):
                for name, p in ours.named_parameters():
                    p.data = mt.tensor(dict(theirs.named_parameters())[name].detach().numpy().copy())
        outs = []
        for train in (True, False):
            for grad in (True, False):
                with lib.set_grad_enabled(grad):
                    attention, layer = (m.train(train) for m in made)
                    q, mask = lib.tensor(x), lib.tensor(padding)
                    outs.append(attention(q, q, q, key_padding_mask=mask, need_weights=False)[0].detach().numpy())
                    outs.append(layer(q, src_key_padding_mask=mask).detach().numpy())
        results.append((made, outs))
    for theirs, ours in zip(results[0][1], results[1][1], strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)  # (NaN where NaN)

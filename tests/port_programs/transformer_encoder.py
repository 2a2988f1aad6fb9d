# tolerance: 1e-9
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, max_len=64):
        super().__init__()
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, 1, d_model)
        pe[:, 0, 0::2] = torch.sin(position * div_term)
        pe[:, 0, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)

    def forward(self, x):
        return x + self.pe[: x.size(0)]


class TinyLM(nn.Module):
    def __init__(self, ntoken, d_model=16, nhead=4, d_hid=32, nlayers=2):
        super().__init__()
        self.pos_encoder = PositionalEncoding(d_model)
        layer = nn.TransformerEncoderLayer(d_model, nhead, d_hid, dropout=0.0)
        self.transformer_encoder = nn.TransformerEncoder(layer, nlayers, enable_nested_tensor=False)
        self.embedding = nn.Embedding(ntoken, d_model)
        self.d_model = d_model
        self.linear = nn.Linear(d_model, ntoken)
        self.linear.weight = self.embedding.weight  # tied

    def forward(self, src, src_mask=None, padding_mask=None):
        src = self.embedding(src) * math.sqrt(self.d_model)
        src = self.pos_encoder(src)
        output = self.transformer_encoder(src, src_mask, src_key_padding_mask=padding_mask)
        return self.linear(output)


def load(model, seed):
    r = np.random.default_rng(seed)
    state = model.state_dict()
    model.load_state_dict(
        {
            k: torch.from_numpy(r.normal(0, 0.2, tuple(v.shape)))
            if v.dtype == torch.float64 and k != "pos_encoder.pe"
            else v
            for k, v in state.items()
        }
    )


ntokens = 11
model = TinyLM(ntokens)
load(model, 0)
print(len(list(model.parameters())), len(model.state_dict()), model.linear.weight is model.embedding.weight)
print([name for name, m in model.named_modules() if isinstance(m, (nn.Linear, nn.LayerNorm))])
seq = torch.tensor([(3 * i + 1) % ntokens for i in range(36)])
data = seq.view(6, 6).t().contiguous()  # (seq_len, batch)
src, tgt = data[:-1], data[1:]
mask = nn.Transformer.generate_square_subsequent_mask(src.size(0))
print(mask)
opt = torch.optim.SGD(model.parameters(), lr=0.1)
sched = torch.optim.lr_scheduler.StepLR(opt, 1.0, gamma=0.95)
for step in range(4):
    model.train()
    out = model(src, mask)
    loss = F.cross_entropy(out.view(-1, ntokens), tgt.reshape(-1))
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
    opt.step()
    sched.step()
    print(f"step {step} loss {loss.item():.12f} ppl {math.exp(loss.item()):.10f} lr {sched.get_last_lr()[0]:.6f}")

padding = torch.zeros(6, 5, dtype=torch.bool)
padding[3:, 4] = True
model.eval()
with torch.no_grad():
    a = model(src, mask, padding)
    b = model(src[:3, 4:], mask[:3, :3])
print(torch.allclose(a[:3, 4:], b, rtol=0, atol=1e-12), f"{a.sum().item():.12f}")

# a second model: pre-norm, gelu, batch_first, padding and causal masks, MultiheadAttention weights
enc = nn.TransformerEncoderLayer(
    d_model=8, nhead=2, dim_feedforward=16, dropout=0.0, activation="gelu", batch_first=True, norm_first=True
)
load(enc, 1)
x = torch.from_numpy(np.random.default_rng(2).normal(size=(3, 5, 8))).requires_grad_()
key_padding = torch.tensor([[False] * 5, [False] * 3 + [True] * 2, [False] * 4 + [True]])
y = enc(x, src_key_padding_mask=key_padding, is_causal=False)
y.pow(2).mean().backward()
print(f"{y.sum().item():.12f} {x.grad.norm().item():.12f} {enc.self_attn.in_proj_weight.grad.norm().item():.12f}")

mha = nn.MultiheadAttention(8, 2, batch_first=True)
load(mha, 3)
attn_out, weights = mha(x, x, x, key_padding_mask=key_padding, need_weights=True)
print(weights.shape, weights.sum(-1).round(decimals=8).tolist()[1])
print(weights[1, :, 3:].abs().max().item())
_, per_head = mha(x, x, x, attn_mask=torch.triu(torch.ones(5, 5, dtype=torch.bool), 1), average_attn_weights=False)
print(per_head.shape, f"{per_head[0, 1, 2].sum().item():.6f}", per_head[0, 0].triu(1).abs().max().item())


# hand-written attention with masked_fill and einsum against the library's
def attention(q, k, v, mask=None):
    scores = torch.einsum("bhqd,bhkd->bhqk", q, k) / math.sqrt(q.size(-1))
    if mask is not None:
        scores = scores.masked_fill(mask == 0, float("-inf"))
    p = scores.softmax(dim=-1)
    return torch.einsum("bhqk,bhkd->bhqd", p, v), p


q, k, v = torch.from_numpy(np.random.default_rng(4).normal(size=(3, 2, 2, 5, 4))).unbind(0)
q.requires_grad_(True)
causal = torch.tril(torch.ones(5, 5))
mine, p = attention(q, k, v, causal)
lib = F.scaled_dot_product_attention(q, k, v, is_causal=True)
print(torch.allclose(mine, lib, rtol=0, atol=1e-12))
g1 = torch.autograd.grad(mine.sum(), q)[0]
g2 = torch.autograd.grad(F.scaled_dot_product_attention(q, k, v, attn_mask=causal.bool()).sum(), q)[0]
print(torch.allclose(g1, g2, rtol=0, atol=1e-12), f"{g1.norm().item():.12f}")

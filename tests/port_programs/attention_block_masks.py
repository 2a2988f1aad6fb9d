# tolerance: 1e-8
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(17)
B, T, D, H = 3, 6, 8, 2


class CausalSelfAttention(nn.Module):
    def __init__(self, d_model, n_head):
        super().__init__()
        assert d_model % n_head == 0
        self.qkv = nn.Linear(d_model, 3 * d_model, bias=False)
        self.proj = nn.Linear(d_model, d_model)
        self.n_head = n_head
        self.register_buffer("bias", torch.tril(torch.ones(T, T)).view(1, 1, T, T), persistent=False)

    def forward(self, x, use_sdpa=True):
        b, t, c = x.size()
        q, k, v = self.qkv(x).split(c, dim=2)
        q = q.view(b, t, self.n_head, c // self.n_head).transpose(1, 2)
        k = k.view(b, t, self.n_head, c // self.n_head).transpose(1, 2)
        v = v.view(b, t, self.n_head, c // self.n_head).transpose(1, 2)
        if use_sdpa:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
            att = att.masked_fill(self.bias[:, :, :t, :t] == 0, float("-inf"))
            att = F.softmax(att, dim=-1)
            y = att @ v
        y = y.transpose(1, 2).contiguous().view(b, t, c)
        return self.proj(y)


class Block(nn.Module):
    def __init__(self, d_model, n_head):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d_model)
        self.attn = CausalSelfAttention(d_model, n_head)
        self.ln_2 = nn.RMSNorm(d_model, eps=1e-6)
        self.mlp = nn.Sequential(
            nn.Linear(d_model, 4 * d_model), nn.GELU(approximate="tanh"), nn.Linear(4 * d_model, d_model)
        )

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


def numpy_weights(module, seed, scale=0.3):
    r = np.random.default_rng(seed)
    with torch.no_grad():
        for name, p in module.named_parameters():
            p.copy_(torch.from_numpy(r.normal(0, scale, tuple(p.shape))))


block = Block(D, H)
numpy_weights(block, 1)
x = torch.from_numpy(rng.normal(size=(B, T, D))).requires_grad_()
a = block.attn(x, use_sdpa=True)
b = block.attn(x, use_sdpa=False)
print(torch.allclose(a, b), list(block.state_dict()), len(list(block.buffers())))
out = block(x)
out.pow(2).mean().backward()
print(f"{out.sum().item():.10f} {x.grad.norm().item():.10f} {block.attn.qkv.weight.grad.abs().sum().item():.10f}")

# scaled_dot_product_attention with a boolean mask, a float mask and an explicit scale
q, k, v = (torch.from_numpy(rng.normal(size=(B, H, T, 4))).requires_grad_() for _ in range(3))
keep = torch.ones(T, T, dtype=torch.bool).tril()
float_mask = torch.zeros(T, T).masked_fill(~keep, float("-inf"))
o1 = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
o2 = F.scaled_dot_product_attention(q, k, v, attn_mask=float_mask)
o3 = F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=0.25)
print(torch.allclose(o1, o2), f"{o3.sum().item():.10f}")
(o1.sum() + o3.pow(2).sum()).backward()
print(f"{q.grad.norm().item():.10f} {k.grad.norm().item():.10f} {v.grad.norm().item():.10f}")

# nn.MultiheadAttention, batch first, a key padding mask, per-head weights
mha = nn.MultiheadAttention(embed_dim=D, num_heads=H, batch_first=True)
numpy_weights(mha, 2)
lengths = torch.tensor([6, 4, 2])
pad_mask = torch.arange(T).unsqueeze(0) >= lengths.unsqueeze(1)  # True where padded
print(pad_mask.int().tolist())
causal = nn.Transformer.generate_square_subsequent_mask(T)
print(causal[1].tolist()[:3], causal.dtype)
seq = torch.from_numpy(rng.normal(size=(B, T, D)))
attn_out, weights = mha(seq, seq, seq, key_padding_mask=pad_mask, need_weights=True, average_attn_weights=False)
print(attn_out.shape, weights.shape, f"{weights[1, 0, 0, 4:].abs().sum().item():.10f}")
bool_causal = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
_, avg = mha(seq, seq, seq, key_padding_mask=pad_mask, attn_mask=bool_causal)
print(avg.shape, torch.allclose(avg.sum(-1), torch.ones(B, T)), f"{avg[2].diagonal().sum().item():.10f}")

# a pre-norm encoder layer with GELU, trained a few steps on a toy copy task
layer = nn.TransformerEncoderLayer(
    d_model=D, nhead=H, dim_feedforward=16, dropout=0.0, activation="gelu", batch_first=True, norm_first=True
)
encoder = nn.TransformerEncoder(layer, num_layers=2, enable_nested_tensor=False)
embed = nn.Embedding(10, D)
head = nn.Linear(D, 10)
params = nn.ModuleList([encoder, embed, head])
numpy_weights(params, 3, scale=0.2)
tokens = torch.from_numpy(rng.integers(1, 10, size=(8, T)))
positions = torch.arange(T).unsqueeze(0).expand(8, -1)
pos_emb = torch.sin(positions.unsqueeze(-1) / (10.0 ** (torch.arange(D) / D)))
optimizer = torch.optim.AdamW(params.parameters(), lr=1e-2, weight_decay=0.01)
for step in range(6):
    hidden = encoder(embed(tokens) + pos_emb, mask=causal, src_key_padding_mask=None, is_causal=True)
    logits = head(hidden)
    loss = F.cross_entropy(logits.reshape(-1, 10), tokens.reshape(-1), label_smoothing=0.05)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.10f}")
pred = logits.argmax(-1)
print((pred == tokens).float().mean().item(), pred.shape, type(encoder.layers[0].self_attn).__name__)

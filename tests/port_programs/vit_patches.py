# tolerance: 1e-9
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(12)
images = torch.tensor(rng.normal(size=(4, 3, 8, 8)))
labels = torch.tensor([0, 1, 2, 1])


class PatchEmbed(nn.Module):
    def __init__(self, patch=4, dim=16):
        super().__init__()
        self.patch = patch
        self.proj = nn.Conv2d(3, dim, kernel_size=patch, stride=patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, dim * 3)
        self.out = nn.Linear(dim, dim)

    def forward(self, x):
        B, N, C = x.shape
        qkv = self.qkv(x).reshape(B, N, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        manual = (q @ k.transpose(-2, -1)) * (C // self.heads) ** -0.5
        manual = manual.softmax(dim=-1) @ v
        fused = F.scaled_dot_product_attention(q, k, v)
        assert torch.allclose(manual, fused)
        return self.out(fused.transpose(1, 2).reshape(B, N, C))


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(approximate="tanh"), nn.Linear(2 * dim, dim))

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class ViT(nn.Module):
    def __init__(self, dim=16, depth=2, heads=4, classes=3):
        super().__init__()
        self.embed = PatchEmbed(dim=dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos = nn.Parameter(torch.zeros(1, 5, dim))
        self.blocks = nn.ModuleList([Block(dim, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        x = self.embed(x)
        x = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x)[:, 0])


model = ViT()
r = np.random.default_rng(13)
with torch.no_grad():
    for name, p in model.named_parameters():
        p.copy_(torch.tensor(r.normal(0, 0.3, tuple(p.shape))))
print(sum(p.numel() for p in model.parameters()))

# the patch embedding as unfold + matmul
patches = F.unfold(images, kernel_size=4, stride=4)
print(patches.shape)
w = model.embed.proj.weight.reshape(16, -1)
by_unfold = (w @ patches + model.embed.proj.bias.unsqueeze(-1)).transpose(1, 2)
print(torch.allclose(by_unfold, model.embed(images)))
folded = F.fold(patches, output_size=(8, 8), kernel_size=4, stride=4)
print(torch.equal(folded, images))

decay = [p for n, p in model.named_parameters() if p.ndim >= 2 and "pos" not in n]
rest = [p for n, p in model.named_parameters() if not (p.ndim >= 2 and "pos" not in n)]
optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05}, {"params": rest, "weight_decay": 0.0}], lr=3e-3)
warmup = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters=3)
cosine = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=5, eta_min=1e-4)
scheduler = torch.optim.lr_scheduler.SequentialLR(optimizer, [warmup, cosine], milestones=[3])
for step in range(8):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(images), labels, label_smoothing=0.1)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    scheduler.step()
    print(step, round(loss.item(), 10), round(scheduler.get_last_lr()[0], 12))

mha = nn.MultiheadAttention(16, 4, batch_first=True)
with torch.no_grad():
    for p in mha.parameters():
        p.copy_(torch.tensor(r.normal(0, 0.3, tuple(p.shape))))
tokens = model.embed(images).detach()
mask = torch.triu(torch.ones(4, 4, dtype=torch.bool), diagonal=1)
out, weights = mha(tokens, tokens, tokens, attn_mask=mask, need_weights=True, average_attn_weights=True)
print(out.shape, weights.shape, round(out.sum().item(), 10), round(weights[0, 0].sum().item(), 10))
out2 = F.scaled_dot_product_attention(tokens.unsqueeze(1), tokens.unsqueeze(1), tokens.unsqueeze(1), is_causal=True)
print(round(out2.sum().item(), 10))

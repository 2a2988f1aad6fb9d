# tolerance: 1e-8
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(0)
PAD, BOS, EOS, VOCAB = 0, 1, 2, 10


def make_batch(n, max_len=6):
    """Reverse a sequence of digits 3..9; lengths vary, padded with PAD."""
    src = np.full((n, max_len), PAD)
    tgt = np.full((n, max_len + 2), PAD)
    for i in range(n):
        length = rng.integers(2, max_len + 1)
        seq = rng.integers(3, VOCAB, length)
        src[i, :length] = seq
        tgt[i, : length + 2] = np.concatenate([[BOS], seq[::-1], [EOS]])
    return torch.from_numpy(src), torch.from_numpy(tgt)


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, max_len=32):
        super().__init__()
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(1, max_len, d_model)
        pe[0, :, 0::2] = torch.sin(position * div_term)
        pe[0, :, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)

    def forward(self, x):
        return x + self.pe[:, : x.size(1)]


class Seq2Seq(nn.Module):
    def __init__(self, d_model=16):
        super().__init__()
        self.d_model = d_model
        self.src_emb = nn.Embedding(VOCAB, d_model, padding_idx=PAD)
        self.tgt_emb = nn.Embedding(VOCAB, d_model, padding_idx=PAD)
        self.pos = PositionalEncoding(d_model)
        self.transformer = nn.Transformer(
            d_model=d_model,
            nhead=2,
            num_encoder_layers=2,
            num_decoder_layers=1,
            dim_feedforward=32,
            dropout=0.0,
            activation="gelu",
            batch_first=True,
            norm_first=True,
        )
        self.generator = nn.Linear(d_model, VOCAB)

    def encode(self, src):
        pad = src == PAD
        x = self.pos(self.src_emb(src) * math.sqrt(self.d_model))
        return self.transformer.encoder(x, src_key_padding_mask=pad), pad

    def decode(self, tgt, memory, memory_pad):
        mask = nn.Transformer.generate_square_subsequent_mask(tgt.size(1))
        y = self.pos(self.tgt_emb(tgt) * math.sqrt(self.d_model))
        out = self.transformer.decoder(
            y, memory, tgt_mask=mask, tgt_key_padding_mask=tgt == PAD, memory_key_padding_mask=memory_pad
        )
        return self.generator(out)

    def forward(self, src, tgt):
        memory, pad = self.encode(src)
        return self.decode(tgt, memory, pad)


model = Seq2Seq()
with torch.no_grad():
    for name, p in model.named_parameters():
        if p.dim() > 1:
            p.copy_(torch.from_numpy(rng.normal(0, 1 / math.sqrt(p.shape[-1]), tuple(p.shape))))
        elif "norm" not in name:  # biases (LayerNorm keeps its ones and zeros)
            p.copy_(torch.from_numpy(rng.normal(0, 0.1, tuple(p.shape))))
    model.src_emb.weight[PAD].zero_()
    model.tgt_emb.weight[PAD].zero_()
print(sum(p.numel() for p in model.parameters()), [n for n, _ in model.named_parameters()][:6])
print(nn.Transformer.generate_square_subsequent_mask(3))

criterion = nn.CrossEntropyLoss(ignore_index=PAD, label_smoothing=0.1)
optimizer = torch.optim.Adam(model.parameters(), lr=1.0, betas=(0.9, 0.98), eps=1e-9)
warmup = 4
scheduler = torch.optim.lr_scheduler.LambdaLR(
    optimizer, lambda step: 16**-0.5 * min((step + 1) ** -0.5, (step + 1) * warmup**-1.5)
)
for step in range(8):
    src, tgt = make_batch(8)
    tgt_in, tgt_out = tgt[:, :-1], tgt[:, 1:]
    logits = model(src, tgt_in)
    loss = criterion(logits.reshape(-1, VOCAB), tgt_out.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    scheduler.step()
    print(f"step {step} loss {loss.item():.12e} norm {norm.item():.12e} lr {scheduler.get_last_lr()[0]:.10e}")
print(
    f"emb pad row {model.tgt_emb.weight[PAD].abs().sum().item():.3e} grad {model.src_emb.weight.grad[PAD].abs().sum()}"
)


@torch.no_grad()
def greedy(src, max_len=8):
    model.eval()
    memory, pad = model.encode(src)
    ys = torch.full((src.size(0), 1), BOS, dtype=torch.long)
    for _ in range(max_len):
        logits = model.decode(ys, memory, pad)[:, -1]
        ys = torch.cat([ys, logits.argmax(-1, keepdim=True)], dim=1)
    return ys, logits


src, tgt = make_batch(4)
ys, last = greedy(src)
print(ys.shape, f"{last.sum().item():.10e}", f"{F.softmax(last, -1).max(-1).values.sum().item():.10e}")

# padding positions never matter: the same source with more padding gives the same logits
model.eval()
with torch.no_grad():
    a = model(src, tgt[:, :-1])
    wider = torch.cat([src, torch.full((4, 3), PAD)], dim=1)
    b = model(wider, tgt[:, :-1])
print(f"{(a - b).abs().max().item():.3e}")

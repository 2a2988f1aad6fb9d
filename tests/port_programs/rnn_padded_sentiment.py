# tolerance: 1e-8
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pad_sequence
from torch.optim.lr_scheduler import OneCycleLR, ReduceLROnPlateau

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(11)

# token sequences of varying length; the label says whether token 3 occurs more often than token 4
PAD, VOCAB = 0, 12
seqs, targets = [], []
for _ in range(48):
    length = int(rng.integers(3, 10))
    s = rng.integers(1, VOCAB, length)
    seqs.append(torch.tensor(s, dtype=torch.long))
    targets.append(float((s == 3).sum() > (s == 4).sum()))
lengths = torch.tensor([len(s) for s in seqs])
padded = pad_sequence(seqs, batch_first=True, padding_value=PAD)
labels = torch.tensor(targets)
print(padded.shape, padded.dtype, lengths[:8].tolist(), labels.sum().item())
print(padded[0].tolist(), (padded != PAD).sum(1).equal(lengths))


class Classifier(nn.Module):
    def __init__(self, vocab, emb=8, hidden=10, cell="lstm"):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb, padding_idx=PAD)
        rnn = nn.LSTM if cell == "lstm" else nn.GRU
        self.rnn = rnn(emb, hidden, num_layers=2, batch_first=True, bidirectional=True)
        self.head = nn.Linear(4 * hidden, 1)

    def forward(self, tokens):
        mask = (tokens != PAD).unsqueeze(-1)  # (B, T, 1)
        out, hidden = self.rnn(self.embedding(tokens))
        h_n = hidden[0] if isinstance(hidden, tuple) else hidden
        last = torch.cat([h_n[-2], h_n[-1]], dim=1)  # last layer, both directions
        mean = (out * mask).sum(1) / mask.sum(1).clamp(min=1)
        return self.head(torch.cat([last, mean], dim=-1)).squeeze(-1)


def numpy_init(model, seed):
    r = np.random.default_rng(seed)
    state = {k: torch.from_numpy(r.normal(0, 0.3, tuple(v.shape))) for k, v in model.state_dict().items()}
    state["embedding.weight"][PAD] = 0.0
    model.load_state_dict(state)


for cell in ["lstm", "gru"]:
    model = Classifier(VOCAB, cell=cell)
    numpy_init(model, 5)
    print(cell, [(n, tuple(p.shape)) for n, p in model.named_parameters()][2:5])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    steps_per_epoch, epochs = 3, 4
    scheduler = OneCycleLR(optimizer, max_lr=0.05, epochs=epochs, steps_per_epoch=steps_per_epoch, pct_start=0.25)
    for epoch in range(epochs):
        model.train()
        total = 0.0
        for i in range(steps_per_epoch):
            xb, yb = padded[i * 16 : (i + 1) * 16], labels[i * 16 : (i + 1) * 16]
            optimizer.zero_grad()
            logits = model(xb)
            loss = F.binary_cross_entropy_with_logits(logits, yb)
            loss.backward()
            norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            optimizer.step()
            scheduler.step()
            total += loss.item()
        print(
            f"{cell} epoch {epoch} loss {total / steps_per_epoch:.10f} norm {norm:.10f} lr {scheduler.get_last_lr()[0]:.8f}"
        )
    print(cell, "padding row grad", model.embedding.weight.grad[PAD].abs().sum().item())
    model.eval()
    with torch.no_grad():
        pred = (torch.sigmoid(model(padded)) > 0.5).float()
    print(cell, "accuracy", (pred == labels).float().mean().item())

# a GRU regressor on the running count, with ReduceLROnPlateau on a validation loss
counts = torch.cumsum((padded == 3).double(), dim=1).unsqueeze(-1) / 3.0
gru = nn.GRU(input_size=VOCAB, hidden_size=6, batch_first=True)
proj = nn.Linear(6, 1)
r = np.random.default_rng(8)
with torch.no_grad():
    for p in list(gru.parameters()) + list(proj.parameters()):
        p.copy_(torch.from_numpy(r.uniform(-0.5, 0.5, tuple(p.shape))))
onehot = F.one_hot(padded, VOCAB).double()
valid = (padded != PAD).unsqueeze(-1).double()
params = list(gru.parameters()) + list(proj.parameters())
opt = torch.optim.RMSprop(params, lr=0.02, alpha=0.9)
plateau = ReduceLROnPlateau(opt, mode="min", factor=0.3, patience=0, threshold=1e-3)
h0 = torch.zeros(1, 32, 6)
for step in range(8):
    opt.zero_grad(set_to_none=True)
    out, h = gru(onehot[:32], h0)
    err = (proj(out) - counts[:32]) ** 2 * valid[:32]
    loss = err.sum() / valid[:32].sum()
    loss.backward()
    nn.utils.clip_grad_value_(params, clip_value=0.5)
    opt.step()
    with torch.no_grad():
        vout, _ = gru(onehot[32:])
        vloss = (((proj(vout) - counts[32:]) ** 2) * valid[32:]).sum() / valid[32:].sum()
    plateau.step(vloss)
    print(f"step {step} train {loss.item():.10f} val {vloss.item():.10f} lr {opt.param_groups[0]['lr']:.6f}")
print(h.shape, out.shape, torch.allclose(out[:, -1], h[0]))

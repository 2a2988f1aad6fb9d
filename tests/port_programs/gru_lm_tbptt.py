# tolerance: 1e-9
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
text = "to be or not to be that is the question whether tis nobler in the mind to suffer " * 2
vocab = sorted(set(text))
stoi = {c: i for i, c in enumerate(vocab)}
data = torch.tensor([stoi[c] for c in text])
print(len(vocab), data.shape)


class CharGRU(nn.Module):
    def __init__(self, vocab_size, embed=6, hidden=12):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed)
        self.cell1 = nn.GRUCell(embed, hidden)
        self.cell2 = nn.LSTMCell(hidden, hidden)
        self.drop = nn.Dropout(0.0)
        self.head = nn.Linear(hidden, vocab_size)
        self.head.weight = nn.Parameter(torch.zeros(vocab_size, hidden))

    def forward(self, idx, state):
        h1, (h2, c2) = state
        logits = []
        for t in range(idx.shape[1]):
            h1 = self.cell1(self.embed(idx[:, t]), h1)
            h2, c2 = self.cell2(self.drop(h1), (h2, c2))
            logits.append(self.head(h2))
        return torch.stack(logits, dim=1), (h1, (h2, c2))

    def init_state(self, batch):
        z = torch.zeros(batch, self.cell1.hidden_size)
        return z, (z.clone(), z.clone())


model = CharGRU(len(vocab))
r = np.random.default_rng(61)
with torch.no_grad():
    for name, p in model.named_parameters():
        p.copy_(torch.tensor(r.uniform(-0.3, 0.3, tuple(p.shape))))
print([n for n, _ in model.named_parameters()])
optimizer = torch.optim.Adam(model.parameters(), lr=0.02)
batch, bptt = 4, 8
usable = (len(data) - 1) // batch * batch
stream = data[:usable].view(batch, -1)
targets_stream = data[1 : usable + 1].view(batch, -1)
for epoch in range(2):
    state = model.init_state(batch)
    total, count = 0.0, 0
    for i in range(0, stream.shape[1] - bptt + 1, bptt):
        x, y = stream[:, i : i + bptt], targets_stream[:, i : i + bptt]
        state = (state[0].detach(), tuple(s.detach() for s in state[1]))
        logits, state = model(x, state)
        loss = F.cross_entropy(logits.reshape(-1, len(vocab)), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        norm = nn.utils.clip_grad_norm_(model.parameters(), 0.5, norm_type=2.0)
        optimizer.step()
        total += loss.item() * y.numel()
        count += y.numel()
    print(epoch, round(total / count, 10), round(math.exp(total / count), 8), round(norm.item(), 10))

model.eval()
with torch.no_grad():
    state = model.init_state(1)
    idx = torch.tensor([[stoi["t"]]])
    out = []
    for _ in range(20):
        logits, state = model(idx, state)
        probs = F.softmax(logits[:, -1] / 0.8, dim=-1)
        idx = probs.argmax(dim=-1, keepdim=True)
        out.append(vocab[idx.item()])
    print(repr("".join(out)), round(probs.max().item(), 10))
    top = torch.topk(probs, 3)
    print([vocab[i] for i in top.indices[0].tolist()], [round(v, 10) for v in top.values[0].tolist()])

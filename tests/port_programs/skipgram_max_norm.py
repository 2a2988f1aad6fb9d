import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class SkipGram(nn.Module):
    def __init__(self, vocab, dim):
        super().__init__()
        self.embeddings = nn.Embedding(num_embeddings=vocab, embedding_dim=dim, max_norm=1.0)
        self.ctx = nn.Embedding(vocab, dim, max_norm=0.8, norm_type=1.0)
        self.linear = nn.Linear(dim, vocab)

    def forward(self, x):
        return self.linear(self.embeddings(x) + self.ctx(x))


r = np.random.default_rng(0)
m = SkipGram(12, 4)
m.load_state_dict(
    {k: torch.tensor(r.uniform(-1, 1, tuple(v.shape)), dtype=torch.float32) for k, v in m.state_dict().items()}
)
print(m)
opt = torch.optim.SGD(m.parameters(), lr=0.5)
for i in range(4):
    x = torch.tensor(r.integers(0, 12, size=(6,)))
    y = torch.tensor(r.integers(0, 12, size=(6,)))
    opt.zero_grad()
    loss = F.cross_entropy(m(x), y)
    loss.backward()
    opt.step()
    print(i, round(loss.item(), 5))
print(m.embeddings.weight.norm(dim=1).tolist())
print(m.ctx.weight.abs().sum(dim=1).tolist())
w = torch.tensor(np.random.default_rng(5).normal(size=(5, 3)) * 2, dtype=torch.float32)
out = F.embedding(torch.tensor([[0, 2], [2, 4]]), w, max_norm=2.0)
print(w.norm(dim=1)[[0, 2, 4]].tolist(), out.norm(dim=-1).tolist())

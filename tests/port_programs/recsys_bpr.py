# tolerance: 1e-9
# Matrix factorisation with a BPR loss: embeddings started from given vectors, in-batch negatives
# by rolling the item column, scores through einsum's sublist form, Adagrad, value clipping,
# recall@k by topk and popularity buckets by searchsorted
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(5)
n_users, n_items, dim = 12, 20, 4

# users like the items whose hidden taste vector is near theirs
user_taste = rng.normal(0, 1, (n_users, 2))
item_taste = rng.normal(0, 1, (n_items, 2))
affinity = user_taste @ item_taste.T
pairs = np.argwhere(affinity > 0.8)
print("interactions", len(pairs), "per user", np.bincount(pairs[:, 0], minlength=n_users).tolist())


class MF(nn.Module):
    def __init__(self, users, items):
        super().__init__()
        self.users = nn.Embedding.from_pretrained(users, freeze=False)
        self.items = nn.Embedding.from_pretrained(items, freeze=False)
        self.item_bias = nn.Parameter(torch.zeros(n_items))
        self.register_buffer("popularity", torch.zeros(n_items))

    def score(self, u, i):
        # (batch, dim) x (batch, dim) -> (batch,), in the sublist form
        return torch.einsum(self.users(u), [0, 1], self.items(i), [0, 1], [0]) + self.item_bias[i]

    def all_scores(self, u):
        return self.users(u) @ self.items.weight.T + self.item_bias


model = MF(torch.tensor(rng.normal(0, 0.1, (n_users, dim))), torch.tensor(rng.normal(0, 0.1, (n_items, dim))))
print(model.users.weight.requires_grad, model.items.weight.shape, [name for name, _ in model.named_buffers()])
opt = torch.optim.Adagrad(model.parameters(), lr=0.2)
print(opt)

data = torch.tensor(pairs)
with torch.no_grad():
    model.popularity += torch.bincount(data[:, 1], minlength=n_items).double()
for epoch in range(30):
    order = torch.tensor(rng.permutation(len(data)))
    total = 0.0
    for start in range(0, len(data), 16):
        batch = data[order[start : start + 16]]
        u, pos = batch[:, 0], batch[:, 1]
        neg = torch.roll(batch, shifts=(1, 0), dims=(0, 1))[:, 1]  # another row's item
        diff = model.score(u, pos) - model.score(u, neg)
        loss = -F.logsigmoid(diff).mean() + 1e-4 * (model.users(u).pow(2).sum() + model.items(pos).pow(2).sum())
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_value_(model.parameters(), 0.5)
        opt.step()
        total += loss.item() * len(batch)
    if epoch % 10 == 9:
        print(f"epoch {epoch + 1} loss {total / len(data):.10f}")

with torch.no_grad():
    scores = model.all_scores(torch.arange(n_users))
    liked = torch.zeros(n_users, n_items, dtype=torch.bool)
    liked[data[:, 0], data[:, 1]] = True
    top = scores.topk(5, dim=1).indices
    hits = liked.gather(1, top).sum(1)
    recall = (hits.double() / liked.sum(1).clamp(min=1).double()).mean()
print("recall@5", f"{recall.item():.10f}", top[0].tolist(), hits.tolist())

# popularity buckets: which quartile each item's interaction count falls in
edges = torch.quantile(model.popularity, torch.tensor([0.25, 0.5, 0.75]))
bucket = torch.searchsorted(edges, model.popularity, right=True)
print(edges.tolist(), bucket.tolist())
print(torch.bucketize(model.popularity, edges, right=True).equal(bucket))

# the state dict carries the buffer; a fresh model loads it
fresh = MF(torch.zeros(n_users, dim), torch.zeros(n_items, dim))
print(fresh.load_state_dict(model.state_dict()), fresh.popularity.sum().item())
print(torch.allclose(fresh.all_scores(torch.arange(3)), model.all_scores(torch.arange(3))))
state = opt.state_dict()
print(sorted(state["param_groups"][0]), sorted(state["state"][0]))
print(f"{state['state'][0]['sum'].sum().item():.10f}")

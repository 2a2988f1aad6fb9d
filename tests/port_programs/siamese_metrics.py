# tolerance: 1e-8
import copy

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(13)

# four classes of 6-d points; an embedding net trained with a triplet loss
centers = rng.normal(0, 2, (4, 6))
labels = torch.from_numpy(rng.integers(0, 4, 80))
points = torch.from_numpy(centers[labels.numpy()] + rng.normal(0, 1.0, (80, 6)))


class EmbeddingNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(6, 16), nn.PReLU(), nn.Linear(16, 3))

    def forward(self, x):
        return F.normalize(self.net(x), p=2, dim=1)


def triplets(labels, r):
    anchors, positives, negatives = [], [], []
    for i, c in enumerate(labels.tolist()):
        same = [j for j in range(len(labels)) if labels[j] == c and j != i]
        other = [j for j in range(len(labels)) if labels[j] != c]
        anchors.append(i)
        positives.append(same[r.integers(len(same))])
        negatives.append(other[r.integers(len(other))])
    return torch.tensor(anchors), torch.tensor(positives), torch.tensor(negatives)


model = EmbeddingNet()
init = np.random.default_rng(4)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy(init.normal(0, 0.4, tuple(p.shape))))
a, p, n = triplets(labels, np.random.default_rng(0))
triplet = nn.TripletMarginLoss(margin=0.5, p=2)
cosine = nn.CosineEmbeddingLoss(margin=0.1)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
best_loss, best_state = float("inf"), None
for epoch in range(8):
    z = model(points)
    loss_t = triplet(z[a], z[p], z[n])
    target = torch.where(labels[a] == labels[n], 1.0, -1.0)
    loss_c = cosine(z[a], z[n], target)
    loss = loss_t + 0.5 * loss_c
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if loss.item() < best_loss:
        best_loss, best_state = loss.item(), copy.deepcopy(model.state_dict())
    print(f"epoch {epoch} triplet {loss_t.item():.10f} cosine {loss_c.item():.10f}")
model.load_state_dict(best_state)
print(f"best {best_loss:.10f}", f"prelu {model.net[1].weight.item():.10f}")

with torch.no_grad():
    z = model(points)
    d = torch.cdist(z, z)
    d_manual = (z.unsqueeze(1) - z.unsqueeze(0)).pow(2).sum(-1).sqrt()
    print(torch.allclose(d, d_manual, atol=1e-7), f"{F.pairwise_distance(z[a], z[p]).mean().item():.10f}")
    # nearest-neighbour classification, leaving each point out
    d.fill_diagonal_(float("inf"))
    nearest = d.argmin(dim=1)
    pred = labels[nearest]
    sims = z @ z.T

# a confusion matrix and per-class precision / recall / F1
k = 4
confusion = torch.bincount(labels * k + pred, minlength=k * k).reshape(k, k)
tp = confusion.diag().double()
precision = tp / confusion.sum(0).clamp(min=1)
recall = tp / confusion.sum(1).clamp(min=1)
f1 = 2 * precision * recall / (precision + recall).clamp(min=1e-12)
print(confusion.tolist())
print([f"{v:.6f}" for v in f1.tolist()], f"macro {f1.mean().item():.6f}", f"acc {(pred == labels).double().mean():.6f}")

# ROC AUC of "same class" from similarities, by ranking, and by the trapezoid rule
iu = torch.triu_indices(80, 80, offset=1)
scores = sims[iu[0], iu[1]]
same = (labels[iu[0]] == labels[iu[1]]).double()
order = torch.argsort(scores, descending=True)
tpr = torch.cat([torch.zeros(1), torch.cumsum(same[order], 0) / same.sum()])
fpr = torch.cat([torch.zeros(1), torch.cumsum(1 - same[order], 0) / (1 - same).sum()])
auc_trap = torch.trapezoid(tpr, fpr)
ranks = torch.empty_like(scores)
ranks[torch.argsort(scores)] = torch.arange(1, len(scores) + 1, dtype=torch.float64)
n_pos, n_neg = same.sum(), (1 - same).sum()
auc_rank = (ranks[same == 1].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)
print(f"auc {auc_trap.item():.10f} {auc_rank.item():.10f}", len(scores))

# binning and histograms of the distances
dist = d[torch.isfinite(d)]
edges = torch.linspace(0, 2, 5)
bins = torch.bucketize(dist, edges)
print(torch.bincount(bins, minlength=6).tolist(), torch.histc(dist, bins=4, min=0, max=2).tolist())
vals, counts = torch.unique(pred, return_counts=True)
print(vals.tolist(), counts.tolist(), torch.mode(pred).values.item())

# a learning-rate range test on a fresh copy, restoring the weights after
probe = copy.deepcopy(model)
saved = copy.deepcopy(probe.state_dict())
opt = torch.optim.SGD(probe.parameters(), lr=1e-4)
finder = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: 10 ** (step / 2))
history = []
for step in range(6):
    zz = probe(points)
    loss = triplet(zz[a], zz[p], zz[n])
    opt.zero_grad()
    loss.backward()
    opt.step()
    history.append((opt.param_groups[0]["lr"], round(loss.item(), 10)))
    finder.step()
probe.load_state_dict(saved)
print(history[-1], all(torch.equal(x, y) for x, y in zip(probe.parameters(), model.parameters())))

# tolerance: 1e-9
# A tabular model with missing values: NaN-aware standardisation (nanmean, nan_to_num, isnan
# masks as features), categorical columns through an nn.ModuleDict of embeddings, a Bilinear
# interaction, early stopping on a validation split with the best state kept by deepcopy, and a
# checkpoint of model and optimizer saved, loaded and resumed
import copy
import io

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(17)
n = 120
numeric = rng.normal(0, 1, (n, 3)) * [1.0, 5.0, 0.2] + [0.0, 10.0, -1.0]
numeric[rng.random((n, 3)) < 0.15] = np.nan
city = rng.integers(0, 4, n)
plan = rng.integers(0, 3, n)
signal = np.nan_to_num(numeric[:, 0]) + 0.2 * np.nan_to_num(numeric[:, 1] - 10.0) + (city == 2) - 0.5 * (plan == 1)
label = (signal + rng.normal(0, 0.3, n) > 0.2).astype(np.int64)

x_num = torch.tensor(numeric)
missing = torch.isnan(x_num)
print("missing per column", missing.sum(0).tolist(), "rows with any", missing.any(1).sum().item())
mean = torch.nanmean(x_num, dim=0)
centered = torch.where(missing, torch.zeros(()), x_num - mean)
std = (centered.pow(2).sum(0) / (~missing).sum(0)).sqrt()
x_std = torch.nan_to_num((x_num - mean) / std, nan=0.0)
print([f"{v:.10f}" for v in mean.tolist()], [f"{v:.10f}" for v in std.tolist()])
features = torch.cat([x_std, missing.double()], dim=1)
cats = {"city": torch.tensor(city), "plan": torch.tensor(plan)}
y = torch.tensor(label)


class Tabular(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.ModuleDict({"city": nn.Embedding(4, 3), "plan": nn.Embedding(3, 2)})
        self.inter = nn.Bilinear(6, 5, 4)
        self.head = nn.Sequential(nn.Linear(6 + 5 + 4, 16), nn.GELU(), nn.Dropout(0.0), nn.Linear(16, 2))
        with torch.no_grad():
            for p in self.parameters():
                p.copy_(torch.tensor(rng.normal(0, 0.3, tuple(p.shape))))

    def forward(self, x, cats):
        e = torch.cat([self.embed[name](cats[name]) for name in sorted(self.embed)], dim=1)
        return self.head(torch.cat([x, e, self.inter(x, e)], dim=1))


model = Tabular()
print(model.embed, sum(p.numel() for p in model.parameters()))
perm = rng.permutation(n)
train, val = torch.tensor(perm[:90]), torch.tensor(perm[90:])


def subset(idx):
    return features[idx], {k: v[idx] for k, v in cats.items()}, y[idx]


opt = torch.optim.AdamW(model.parameters(), lr=0.02, weight_decay=0.05)
best, best_state, patience, waited = float("inf"), None, 5, 0
for epoch in range(80):
    model.train()
    for start in range(0, 90, 30):
        xb, cb, yb = subset(train[start : start + 30])
        loss = F.cross_entropy(model(xb, cb), yb, label_smoothing=0.05)
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        xv, cv, yv = subset(val)
        val_loss = F.cross_entropy(model(xv, cv), yv).item()
    if val_loss < best - 1e-6:
        best, best_state, waited = val_loss, copy.deepcopy(model.state_dict()), 0
        best_epoch = epoch
    else:
        waited += 1
        if waited >= patience:
            break
print(f"stopped at epoch {epoch}, best epoch {best_epoch}, best val loss {best:.10f}")
model.load_state_dict(best_state)
with torch.no_grad():
    acc = (model(*subset(val)[:2]).argmax(1) == y[val]).double().mean().item()
print("val accuracy", acc)

# a checkpoint of both, resumed in a fresh model and optimizer
buffer = io.BytesIO()
torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": best_epoch}, buffer)
buffer.seek(0)
checkpoint = torch.load(buffer)
resumed = Tabular()
resumed.load_state_dict(checkpoint["model"])
opt2 = torch.optim.AdamW(resumed.parameters(), lr=0.02, weight_decay=0.05)
opt2.load_state_dict(checkpoint["optimizer"])
print(checkpoint["epoch"], opt2.param_groups[0]["lr"], opt2.param_groups[0]["weight_decay"])
for o, mdl in ((opt, model), (opt2, resumed)):
    xb, cb, yb = subset(train[:30])
    mdl.train()
    loss = F.cross_entropy(mdl(xb, cb), yb)
    o.zero_grad()
    loss.backward()
    o.step()
print(all(torch.allclose(a, b) for a, b in zip(model.parameters(), resumed.parameters())))
print(f"{model.inter.weight.sum().item():.10f}", f"{resumed.embed['city'].weight.abs().sum().item():.10f}")

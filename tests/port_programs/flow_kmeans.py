# tolerance: 1e-9
import math

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import MultivariateNormal, Normal

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(51)
data = torch.tensor(np.concatenate([rng.normal([-2, 0], 0.5, size=(30, 2)), rng.normal([2, 1], 0.3, size=(30, 2))]))


class Coupling(nn.Module):
    def __init__(self, mask):
        super().__init__()
        self.register_buffer("mask", mask)
        self.scale = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 2), nn.Tanh())
        self.shift = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))

    def forward(self, x):
        xm = x * self.mask
        s = self.scale(xm) * (1 - self.mask)
        t = self.shift(xm) * (1 - self.mask)
        y = xm + (1 - self.mask) * (x * torch.exp(s) + t)
        return y, s.sum(dim=1)

    def inverse(self, y):
        ym = y * self.mask
        s = self.scale(ym) * (1 - self.mask)
        t = self.shift(ym) * (1 - self.mask)
        return ym + (1 - self.mask) * ((y - t) * torch.exp(-s))


class RealNVP(nn.Module):
    def __init__(self):
        super().__init__()
        masks = [torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])] * 2
        self.layers = nn.ModuleList([Coupling(m) for m in masks])
        self.base = MultivariateNormal(torch.zeros(2), torch.eye(2))

    def log_prob(self, x):
        log_det = torch.zeros(x.shape[0])
        for layer in self.layers:
            x, ld = layer(x)
            log_det = log_det + ld
        return self.base.log_prob(x) + log_det

    def inverse(self, z):
        for layer in reversed(self.layers):
            z = layer.inverse(z)
        return z


flow = RealNVP()
r = np.random.default_rng(52)
with torch.no_grad():
    for p in flow.parameters():
        p.copy_(torch.tensor(r.normal(0, 0.3, tuple(p.shape))))
print(len(list(flow.parameters())), [n for n, _ in flow.named_buffers()][:2])
optimizer = torch.optim.Adam(flow.parameters(), lr=0.01)
for step in range(8):
    optimizer.zero_grad()
    loss = -flow.log_prob(data).mean()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(flow.parameters(), 5.0)
    optimizer.step()
    if step % 2 == 0:
        print(step, round(loss.item(), 10))
z = torch.tensor(r.normal(size=(4, 2)))
with torch.no_grad():
    x = flow.inverse(z)
    back, _ = flow.layers[0](flow.layers[0].inverse(z))
print([round(v, 10) for v in x.flatten().tolist()], torch.allclose(back, z))
jac = torch.autograd.functional.jacobian(lambda v: flow.layers[0](v.unsqueeze(0))[0].squeeze(0), data[0])
_, ld = flow.layers[0](data[:1])
print(round(torch.logdet(jac).item(), 10), round(ld.item(), 10))
print(
    round(Normal(torch.zeros(2), torch.ones(2)).log_prob(data[:3]).sum().item(), 10), round(-math.log(2 * math.pi), 10)
)

# k-means on the same data
centers = data[torch.tensor([0, 1])].clone()
for it in range(5):
    dist = torch.cdist(data, centers)
    assign = dist.argmin(dim=1)
    counts = torch.bincount(assign, minlength=2).double()
    sums = torch.zeros_like(centers).index_add_(0, assign, data)
    scattered = torch.zeros_like(centers).scatter_add_(0, assign.unsqueeze(1).expand(-1, 2), data)
    centers = sums / counts.clamp(min=1).unsqueeze(1)
    inertia = dist.gather(1, assign.unsqueeze(1)).pow(2).sum().item()
    print(it, counts.tolist(), round(inertia, 10), torch.allclose(sums, scattered))
print([round(v, 10) for v in centers.flatten().tolist()], torch.unique(assign, return_counts=True)[1].tolist())

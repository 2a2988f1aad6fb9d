# tolerance: 1e-9
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import parameters_to_vector, vector_to_parameters

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(31)
x = torch.tensor(rng.normal(size=(8, 6)))
noise1, noise2 = (torch.tensor(rng.normal(scale=0.1, size=(8, 6))) for _ in range(2))


def load(model, seed):
    r = np.random.default_rng(seed)
    vector_to_parameters(
        torch.tensor(r.normal(0, 0.4, parameters_to_vector(model.parameters()).numel())), model.parameters()
    )


encoder = nn.Sequential(nn.Linear(6, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 8))
projector = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 4))
load(encoder, 1)
load(projector, 2)
print(
    parameters_to_vector(encoder.parameters()).shape,
    round(parameters_to_vector(projector.parameters()).sum().item(), 10),
)


def nt_xent(z1, z2, temperature=0.5):
    z = F.normalize(torch.cat([z1, z2], dim=0), dim=1)
    sim = z @ z.t() / temperature
    n = z1.shape[0]
    mask = torch.eye(2 * n, dtype=torch.bool)
    sim = sim.masked_fill(mask, float("-inf"))
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(sim, targets)


params = list(encoder.parameters()) + list(projector.parameters())
optimizer = torch.optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=1e-4)
for step in range(6):
    optimizer.zero_grad()
    loss = nt_xent(projector(encoder(x + noise1)), projector(encoder(x + noise2)))
    loss.backward()
    optimizer.step()
    print(step, round(loss.item(), 10))
print([round(v, 10) for v in encoder[1].running_mean[:3].tolist()], encoder[1].num_batches_tracked.item())

# a classifier on the frozen encoder, then adversarial examples against it (FGSM and PGD)
encoder.eval()
for p in encoder.parameters():
    p.requires_grad_(False)
head = nn.Linear(8, 3)
load(head, 3)
labels = torch.tensor(rng.integers(0, 3, size=8))
opt = torch.optim.Adam(head.parameters(), lr=0.05)
for step in range(5):
    opt.zero_grad()
    loss = F.cross_entropy(head(encoder(x)), labels)
    loss.backward()
    opt.step()
print(round(loss.item(), 10), all(p.grad is None for p in encoder.parameters()))
model = nn.Sequential(encoder, head).eval()

x_adv = x.clone().requires_grad_(True)
loss = F.cross_entropy(model(x_adv), labels)
loss.backward()
fgsm = (x + 0.1 * x_adv.grad.sign()).detach()
print(round(loss.item(), 10), round(F.cross_entropy(model(fgsm), labels).item(), 10))

delta = torch.zeros_like(x, requires_grad=True)
for _ in range(5):
    loss = F.cross_entropy(model(x + delta), labels)
    loss.backward()
    with torch.no_grad():
        delta += 0.03 * delta.grad.sign()
        delta.clamp_(-0.1, 0.1)
    delta.grad.zero_()
print(round(F.cross_entropy(model(x + delta), labels).item(), 10), round(delta.abs().max().item(), 10))
with torch.no_grad():
    clean = (model(x).argmax(1) == labels).sum().item()
    robust = (model(x + delta).argmax(1) == labels).sum().item()
print(clean, robust)

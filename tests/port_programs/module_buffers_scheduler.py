# A custom nn.Module as a course teaches it: a running-mean normaliser kept in buffers (one not
# persistent), a learnable temperature as nn.Parameter, children in nn.ModuleList, a
# CosineAnnealingLR then ReduceLROnPlateau schedule with SGD momentum and weight decay,
# state_dict keys, buffers through .to(), and a reload into a fresh model
import io

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class RunningNorm(nn.Module):
    def __init__(self, features, momentum=0.1):
        super().__init__()
        self.momentum = momentum
        self.register_buffer("running_mean", torch.zeros(features))
        self.register_buffer("running_var", torch.ones(features))
        self.register_buffer("steps", torch.tensor(0, dtype=torch.long))
        self.register_buffer("scratch", torch.zeros(features), persistent=False)

    def forward(self, x):
        if self.training:
            with torch.no_grad():
                m = x.mean(0)
                v = x.var(0, unbiased=False)
                self.running_mean.mul_(1 - self.momentum).add_(self.momentum * m)
                self.running_var.mul_(1 - self.momentum).add_(self.momentum * v)
                self.steps += 1
        return (x - self.running_mean) / torch.sqrt(self.running_var + 1e-5)


class Classifier(nn.Module):
    def __init__(self, d_in, hidden, classes):
        super().__init__()
        self.norm = RunningNorm(d_in)
        self.layers = nn.ModuleList([nn.Linear(d_in, hidden), nn.Linear(hidden, hidden), nn.Linear(hidden, classes)])
        self.temperature = nn.Parameter(torch.tensor(1.0))

    def forward(self, x):
        h = self.norm(x)
        for layer in self.layers[:-1]:
            h = torch.tanh(layer(h))
        return self.layers[-1](h) / self.temperature

    def extra_repr(self):
        return f"temperature={self.temperature.item():.3f}"


rng = np.random.default_rng(11)
centers = rng.normal(0, 2, size=(3, 5))
labels = rng.integers(0, 3, size=150)
x = torch.tensor(centers[labels] + rng.normal(0, 1, size=(150, 5)), dtype=torch.float32)
y = torch.tensor(labels)

model = Classifier(5, 12, 3)
with torch.no_grad():
    for p in model.layers.parameters():
        p.copy_(torch.tensor(rng.normal(0, 0.3, size=p.shape), dtype=torch.float32))
print(model)
print([name for name, _ in model.named_buffers()])
print(list(model.state_dict().keys()))
print({k: tuple(v.shape) for k, v in model.state_dict().items()})

opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
cosine = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.01)
for epoch in range(10):
    model.train()
    for i in range(0, 150, 50):
        opt.zero_grad()
        loss = F.cross_entropy(model(x[i : i + 50]), y[i : i + 50])
        loss.backward()
        opt.step()
    cosine.step()
    if epoch % 3 == 0:
        print(epoch, round(loss.item(), 5), [round(lr, 5) for lr in cosine.get_last_lr()])

plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="min", factor=0.5, patience=1)
for epoch in range(6):
    model.eval()
    with torch.no_grad():
        val = F.cross_entropy(model(x), y).item()
    plateau.step(val + (0.05 if epoch > 2 else 0.0))
    print("val", f"{val:.5f}", opt.param_groups[0]["lr"])

print("steps", model.norm.steps, model.norm.steps.dtype == torch.int64, model.norm.steps.item())
print("running mean", model.norm.running_mean)
print("temperature", model.temperature)
acc = (model(x).argmax(dim=1) == y).float().mean()
print(f"accuracy {acc:.3f}", acc.item() > 0.5)

buffer = io.BytesIO()
torch.save(model.state_dict(), buffer)
buffer.seek(0)
fresh = Classifier(5, 12, 3)
missing = fresh.load_state_dict(torch.load(buffer))
print(missing)
fresh.eval()
print(torch.allclose(fresh(x), model(x)), torch.equal(fresh.norm.running_var, model.norm.running_var))
print(fresh.norm.scratch.sum(), "scratch" in fresh.state_dict())
print(model.layers[0].weight.grad.shape, model.temperature.grad)

# tolerance: 1e-9
import math
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(0)


def sample_tasks(n_tasks, k_shot):
    """Sinusoid regression tasks (Finn et al. 2017): amplitude and phase per task."""
    amplitude = rng.uniform(0.1, 5.0, n_tasks)
    phase = rng.uniform(0, math.pi, n_tasks)
    tasks = []
    for a, p in zip(amplitude, phase):
        xs = rng.uniform(-5, 5, (2 * k_shot, 1))
        ys = a * np.sin(xs - p)
        x, y = torch.from_numpy(xs), torch.from_numpy(ys)
        tasks.append((x[:k_shot], y[:k_shot], x[k_shot:], y[k_shot:]))
    return tasks


model = nn.Sequential(nn.Linear(1, 20), nn.ReLU(), nn.Linear(20, 20), nn.Tanh(), nn.Linear(20, 1))
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy(rng.normal(0, 0.4, tuple(p.shape))))
meta_opt = torch.optim.Adam(model.parameters(), lr=1e-3)
inner_lr, inner_steps = 0.01, 2


def adapt(params, x, y, first_order=False):
    """Inner loop: a few SGD steps on the support set, kept in the graph (second order)."""
    for _ in range(inner_steps):
        loss = F.mse_loss(functional_call(model, params, (x,)), y)
        grads = torch.autograd.grad(loss, list(params.values()), create_graph=not first_order)
        params = OrderedDict((name, w - inner_lr * g) for (name, w), g in zip(params.items(), grads))
    return params


for step in range(4):
    meta_opt.zero_grad()
    meta_loss = 0.0
    for x_s, y_s, x_q, y_q in sample_tasks(3, 5):
        fast = adapt(OrderedDict(model.named_parameters()), x_s, y_s)
        meta_loss = meta_loss + F.mse_loss(functional_call(model, fast, (x_q,)), y_q)
    meta_loss = meta_loss / 3
    meta_loss.backward()
    grad_norm = torch.sqrt(sum((p.grad**2).sum() for p in model.parameters()))
    meta_opt.step()
    print(f"step {step} meta-loss {meta_loss.item():.12e} grad norm {grad_norm.item():.12e}")

# the second-order term: first-order MAML (create_graph=False) gives another meta-gradient
x_s, y_s, x_q, y_q = sample_tasks(1, 5)[0]
grads = {}
for first_order in (False, True):
    model.zero_grad()
    params = OrderedDict(model.named_parameters())
    if first_order:
        params = OrderedDict((k, v.detach().requires_grad_()) for k, v in params.items())
    fast = adapt(params, x_s, y_s, first_order=first_order)
    query = F.mse_loss(functional_call(model, fast, (x_q,)), y_q)
    if first_order:
        grads[first_order] = torch.autograd.grad(query, list(fast.values()))
    else:
        grads[first_order] = torch.autograd.grad(query, list(model.parameters()))
for (name, _), g2, g1 in zip(model.named_parameters(), grads[False], grads[True]):
    print(f"{name} {g2.norm().item():.12e} {g1.norm().item():.12e} {(g2 - g1).abs().max().item():.6e}")

# a Hessian-vector product of the support loss, the piece second-order MAML adds
params = list(model.parameters())
loss = F.mse_loss(model(x_s), y_s)
g = torch.autograd.grad(loss, params, create_graph=True)
v = [torch.ones_like(p) for p in params]
hv = torch.autograd.grad(g, params, grad_outputs=v)
print([f"{h.sum().item():.10e}" for h in hv])

# fine-tune a copy on a new task and report the query loss before and after adaptation
x_s, y_s, x_q, y_q = sample_tasks(1, 10)[0]
with torch.no_grad():
    before = F.mse_loss(model(x_q), y_q).item()
fast = adapt(OrderedDict((k, v.detach().requires_grad_()) for k, v in model.named_parameters()), x_s, y_s, True)
with torch.no_grad():
    after = F.mse_loss(functional_call(model, fast, (x_q,)), y_q).item()
print(f"query loss before {before:.10e} after {after:.10e}")
print(all(not v.requires_grad or v.grad_fn is None for v in fast.values()))

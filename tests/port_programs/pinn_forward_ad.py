# tolerance: 1e-9
import numpy as np
import torch
import torch.autograd.forward_ad as fwAD
import torch.nn as nn
from torch.autograd.graph import saved_tensors_hooks

torch.set_default_dtype(torch.float64)


class PINN(nn.Module):
    """u(t) for u'' + u = 0, u(0) = 0, u'(0) = 1 (so u = sin t)."""

    def __init__(self, width=12):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(1, width), nn.Tanh(), nn.Linear(width, width), nn.Tanh(), nn.Linear(width, 1)
        )

    def forward(self, t):
        return self.net(t)


model = PINN()
r = np.random.default_rng(7)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(r.normal(0, 0.5, tuple(p.shape))))

t = torch.linspace(0, 3, 25).reshape(-1, 1).requires_grad_(True)
t0 = torch.zeros(1, 1, requires_grad=True)


def derivatives(u, t):
    du = torch.autograd.grad(u, t, grad_outputs=torch.ones_like(u), create_graph=True)[0]
    d2u = torch.autograd.grad(du, t, grad_outputs=torch.ones_like(du), create_graph=True)[0]
    return du, d2u


def loss_fn():
    u = model(t)
    _, d2u = derivatives(u, t)
    residual = ((d2u + u) ** 2).mean()
    u0 = model(t0)
    (du0,) = torch.autograd.grad(u0.sum(), t0, create_graph=True)
    boundary = u0.pow(2).sum() + (du0 - 1).pow(2).sum()
    return residual + boundary, residual, boundary


optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
for step in range(12):
    optimizer.zero_grad()
    loss, residual, boundary = loss_fn()
    loss.backward()
    optimizer.step()
    if step % 3 == 0:
        print(step, round(loss.item(), 10), round(residual.item(), 10), round(boundary.item(), 10))

# forward mode: du/dt at the collocation points as a JVP with tangent 1, against reverse mode
points = torch.linspace(0, 3, 7).reshape(-1, 1)
with fwAD.dual_level():
    dual_t = fwAD.make_dual(points, torch.ones_like(points))
    out = model(dual_t)
    primal, tangent = fwAD.unpack_dual(out)
    print(fwAD.unpack_dual(points).tangent is None, tuple(tangent.shape))
    print([round(v, 10) for v in tangent.detach().flatten().tolist()])
p = points.clone().requires_grad_(True)
(reverse,) = torch.autograd.grad(model(p).sum(), p)
print(torch.allclose(tangent.detach(), reverse), round((tangent.detach() - reverse).abs().max().item(), 12))

# a direction in weight space: how the loss at the points changes along it
directions = {
    name: torch.tensor(np.random.default_rng(8).normal(size=tuple(w.shape))) for name, w in model.named_parameters()
}
with fwAD.dual_level():
    duals = {name: fwAD.make_dual(w.detach(), directions[name]) for name, w in model.named_parameters()}
    u = torch.func.functional_call(model, duals, (points,))
    dloss = fwAD.unpack_dual((u - torch.sin(points)).pow(2).mean()).tangent
print(round(dloss.item(), 10))

# what the graph of the PINN loss saves
sizes = []


def pack(x):
    sizes.append(x.numel())
    return x


with saved_tensors_hooks(pack, lambda x: x):
    u = model(points)
    plain = (u - torch.sin(points)).pow(2).mean()
plain.backward()
print(len(sizes), sum(sizes))
print([round(float(v), 10) for v in model(torch.tensor([[0.5], [1.0]])).detach().flatten()])

# tolerance: 1e-8
# A Hamiltonian neural network: a learned energy H(q, p) whose symplectic gradient is the vector
# field, trained through autograd.grad(create_graph=True) on a damped-free spring's samples, then
# rolled out with RK4; Adam with amsgrad, ReduceLROnPlateau, clip_grad_norm_'s returned norm,
# the learned energy's Hessian by autograd.functional and torch.func
import math

import numpy as np
import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(21)
k, m = 2.0, 0.5  # the true spring: H = p^2 / (2m) + k q^2 / 2


def true_field(state):
    q, p = state[..., 0], state[..., 1]
    return torch.stack([p / m, -k * q], dim=-1)


states = torch.tensor(rng.uniform(-1.5, 1.5, (128, 2)))
targets = true_field(states)


class HNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.energy = nn.Sequential(nn.Linear(2, 24), nn.Tanh(), nn.Linear(24, 24), nn.Tanh(), nn.Linear(24, 1))
        with torch.no_grad():
            for p in self.parameters():
                p.copy_(torch.tensor(rng.normal(0, 0.5, tuple(p.shape))))

    def forward(self, state):
        with torch.enable_grad():
            if not state.requires_grad:
                state = state.detach().requires_grad_(True)
            H = self.energy(state).sum()
            (dH,) = torch.autograd.grad(H, state, create_graph=self.training)
        return torch.stack([dH[..., 1], -dH[..., 0]], dim=-1)  # (dH/dp, -dH/dq)


model = HNN()
opt = torch.optim.Adam(model.parameters(), lr=0.01, amsgrad=True)
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=3)
print(opt)
for epoch in range(60):
    order = rng.permutation(128)
    total = 0.0
    for start in range(0, 128, 32):
        idx = torch.tensor(order[start : start + 32])
        loss = (model(states[idx]) - targets[idx]).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        opt.step()
        total += loss.item() / 4
    scheduler.step(total)
    if epoch % 15 == 14:
        print(f"epoch {epoch + 1} loss {total:.10f} grad norm {norm.item():.10f} lr {opt.param_groups[0]['lr']}")


def rk4(field, state, dt, steps):
    path = [state]
    for _ in range(steps):
        k1 = field(state)
        k2 = field(state + dt / 2 * k1)
        k3 = field(state + dt / 2 * k2)
        k4 = field(state + dt * k3)
        state = state + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        path.append(state)
    return torch.stack(path)


model.eval()
start = torch.tensor([[1.0, 0.0]])
learned = rk4(model, start, 0.05, 60).detach()
exact = rk4(true_field, start, 0.05, 60)
energy = lambda s: s[..., 1] ** 2 / (2 * m) + k * s[..., 0] ** 2 / 2  # noqa: E731
print("rollout error", f"{(learned - exact).abs().max().item():.10f}")
print("energy drift", f"{(energy(learned[-1]) - energy(learned[0])).abs().item():.10f}")
print("period estimate", f"{2 * math.pi * math.sqrt(m / k):.6f}", learned.shape)

# the learned energy's Hessian at the origin is near diag(k, 1/m): by hessian, and by jacrev of grad
point = torch.zeros(2)
H = torch.autograd.functional.hessian(lambda s: model.energy(s).sum(), point)
print([[f"{v:.8f}" for v in row] for row in H.tolist()])
H2 = torch.func.jacrev(torch.func.grad(lambda s: model.energy(s).sum()))(point)
print(torch.allclose(H, H2), H2.shape)
print(scheduler.state_dict()["num_bad_epochs"], f"{scheduler.state_dict()['best']:.10f}")

# tolerance: 1e-8
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(21)

# y = bilinear(x1, x2) + polynomial(t) + noise
N = 64
x1 = torch.from_numpy(rng.normal(size=(N, 3)))
x2 = torch.from_numpy(rng.normal(size=(N, 4)))
t = torch.linspace(-1, 1, N).unsqueeze(1)
W_true = torch.from_numpy(rng.normal(size=(3, 4)))
y = torch.einsum("ni,ij,nj->n", x1, W_true, x2) + (1 - 2 * t + 3 * t**2).squeeze(1)
y = y + 0.05 * torch.from_numpy(rng.normal(size=N))
print(y.shape, f"{y.mean():.10f} {y.std():.10f} {y.var(unbiased=False):.10f}")


class Bilinear(nn.Module):
    def __init__(self, n1, n2, degree=3):
        super().__init__()
        self.W = nn.Parameter(torch.zeros(n1, n2))
        self.poly = nn.Parameter(torch.zeros(degree + 1))
        self.scale = nn.ParameterDict({"a": nn.Parameter(torch.ones(1)), "b": nn.Parameter(torch.zeros(1))})
        self.extra = nn.ParameterList([nn.Parameter(torch.zeros(n1)) for _ in range(2)])
        self.register_buffer("powers", torch.arange(degree + 1, dtype=torch.float64))
        self.degree = degree

    def forward(self, a, b, t):
        features = torch.cat([a, b], dim=1)  # (N, n1 + n2)
        bil = torch.einsum("bi,ij,bj->b", a, self.W, b)
        vander = t**self.powers  # (N, degree + 1)
        poly = vander @ self.poly
        lin = a @ self.extra[0] + (a**2) @ self.extra[1]
        return self.scale["a"] * (bil + poly + lin) + self.scale["b"] + 0.0 * features.sum(1)

    def extra_repr(self):
        return f"degree={self.degree}"


model = Bilinear(3, 4)
r = np.random.default_rng(0)
with torch.no_grad():
    for name, p in model.named_parameters():
        p.add_(torch.from_numpy(r.normal(0, 0.1, tuple(p.shape))))
print(model)
print([n for n, _ in model.named_parameters()], [n for n, _ in model.named_buffers()])

decay = [p for n, p in model.named_parameters() if n in ("W", "poly")]
rest = [p for n, p in model.named_parameters() if n not in ("W", "poly")]
optimizer = optim.SGD([{"params": decay, "weight_decay": 1e-3}], lr=0.05, momentum=0.9, dampening=0.1)
optimizer.add_param_group({"params": rest, "lr": 0.01})
scheduler = optim.lr_scheduler.LambdaLR(optimizer, lr_lambda=[lambda e: 0.9**e, lambda e: 1.0 / (1 + e)])
for epoch in range(30):
    optimizer.zero_grad(set_to_none=True)
    pred = model(x1, x2, t)
    loss = F.mse_loss(pred, y)
    loss.backward()
    optimizer.step()
    if epoch % 3 == 0:
        scheduler.step()
    if epoch % 6 == 5:
        print(f"epoch {epoch} loss {loss.item():.10f} lrs {[round(g['lr'], 8) for g in optimizer.param_groups]}")
print(model.W.grad is None, model.poly.grad.shape)
optimizer.zero_grad(set_to_none=True)
print(model.W.grad is None)
print(f"W error {torch.linalg.norm(model.W - W_true).item():.10f} poly {[round(v, 8) for v in model.poly.tolist()]}")

# closed form for comparison: least squares on the features the model uses
design = torch.cat([torch.einsum("ni,nj->nij", x1, x2).reshape(N, -1), t ** torch.arange(4.0)], dim=1)
solution = torch.linalg.lstsq(design, y.unsqueeze(1)).solution.squeeze(1)
print(f"lstsq residual {F.mse_loss(design @ solution, y).item():.10f}", solution.shape)
normal_eq = torch.linalg.solve(design.T @ design, design.T @ y)
print(torch.allclose(solution, normal_eq, atol=1e-8))

# other habits: addmm, baddbmm, bmm, outer, Huber / smooth L1, the mean of a loss by hand
A = torch.from_numpy(rng.normal(size=(2, 3, 4)))
B = torch.from_numpy(rng.normal(size=(2, 4, 5)))
C = torch.from_numpy(rng.normal(size=(2, 3, 5)))
print(f"{torch.baddbmm(C, A, B, beta=0.5, alpha=2.0).sum().item():.10f} {torch.bmm(A, B).norm().item():.10f}")
print(f"{torch.addmm(C[0], A[0], B[0]).abs().max().item():.10f} {torch.outer(t[:3, 0], t[:2, 0]).sum().item():.10f}")
w = torch.zeros(3, requires_grad=True)
target = torch.tensor([0.5, -2.0, 3.0])
for beta in [0.5, 1.0]:
    l1 = F.smooth_l1_loss(w * 2, target, beta=beta)
    l2 = F.huber_loss(w * 2, target, delta=beta, reduction="sum")
    (g,) = torch.autograd.grad(l1 + l2, w)
    print(f"beta {beta}: {l1.item():.10f} {l2.item():.10f} {g.tolist()}")


@torch.no_grad()
def predict(m, *inputs):
    return m(*inputs)


out = predict(model, x1[:4], x2[:4], t[:4])
print(out.requires_grad, [f"{v:.8f}" for v in out.tolist()])
with torch.no_grad():
    with torch.enable_grad():
        inner = (model.W**2).sum()
print(inner.requires_grad, math.isclose(inner.item(), (model.W.detach() ** 2).sum().item()))


def reset(m):
    if isinstance(m, Bilinear):
        nn.init.zeros_(m.W)
        nn.init.constant_(m.poly, 0.5)


model.apply(reset)
print(model.W.abs().sum().item(), model.poly.tolist())

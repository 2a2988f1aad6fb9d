# tolerance: 1e-9
import numpy as np
import torch
import torch.nn as nn
from torch.autograd import Function, gradcheck, gradgradcheck
from torch.autograd.function import once_differentiable

torch.set_default_dtype(torch.float64)


class SmoothAbs(Function):
    """sqrt(x^2 + eps): a backward written with differentiable ops, so it has a double backward."""

    @staticmethod
    def forward(ctx, x, eps):
        y = torch.sqrt(x * x + eps)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad_out):
        x, y = ctx.saved_tensors
        return grad_out * x / y, None


class ClampedExp(Function):
    @staticmethod
    def forward(ctx, x):
        out = x.clamp(max=3.0).exp()
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out):
        x, out = ctx.saved_tensors
        return grad_out * out * (x <= 3.0).to(out.dtype)


x = torch.tensor(np.random.default_rng(0).normal(size=(5,)), requires_grad=True)
print(gradcheck(lambda v: SmoothAbs.apply(v, 1e-3), (x,), eps=1e-6, atol=1e-5))
print(gradgradcheck(lambda v: SmoothAbs.apply(v, 1e-3), (x,), eps=1e-6, atol=1e-5))
print(gradcheck(ClampedExp.apply, (x,), eps=1e-6, atol=1e-5))
y = SmoothAbs.apply(x, 1e-3).sum()
(g,) = torch.autograd.grad(y, x, create_graph=True)
(h,) = torch.autograd.grad(g.sum(), x)
print([round(v, 10) for v in g.tolist()], [round(v, 8) for v in h.tolist()])
try:
    z = ClampedExp.apply(x).sum()
    (gz,) = torch.autograd.grad(z, x, create_graph=True)
    gz.sum().backward()
    print("second derivative through once_differentiable")
except RuntimeError:
    print("once_differentiable refuses a second derivative")


class Critic(nn.Module):
    def __init__(self, eps=1e-2):
        super().__init__()
        self.fc1 = nn.Linear(2, 16)
        self.eps = eps
        self.fc2 = nn.Linear(16, 1)

    def forward(self, v):
        return self.fc2(SmoothAbs.apply(self.fc1(v), self.eps))


critic = Critic()
r = np.random.default_rng(1)
with torch.no_grad():
    for p in critic.parameters():
        p.copy_(torch.tensor(r.normal(0, 0.6, tuple(p.shape))))
real = torch.tensor(r.normal(1.0, 0.3, size=(32, 2)))
fake = torch.tensor(r.normal(-1.0, 0.5, size=(32, 2)))
alpha = torch.tensor(r.uniform(size=(32, 1)))
optimizer = torch.optim.RMSprop(critic.parameters(), lr=0.01, alpha=0.9)
for step in range(10):
    optimizer.zero_grad()
    mixed = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    scores = critic(mixed)
    (grads,) = torch.autograd.grad(
        scores, mixed, grad_outputs=torch.ones_like(scores), create_graph=True, retain_graph=True
    )
    penalty = ((grads.norm(2, dim=1) - 1) ** 2).mean()
    wasserstein = critic(fake).mean() - critic(real).mean()
    loss = wasserstein + 10 * penalty
    loss.backward()
    optimizer.step()
    if step % 2 == 0:
        print(
            step,
            round(wasserstein.item(), 10),
            round(penalty.item(), 10),
            round(critic.fc1.weight.grad.norm().item(), 10),
        )

# Hessian-vector product by double backward, against the full Hessian
w = torch.tensor([0.3, -0.7, 1.1], requires_grad=True)
f = SmoothAbs.apply(w, 0.1).pow(3).sum() + (w[0] * w[1] * w[2])
(gw,) = torch.autograd.grad(f, w, create_graph=True)
v = torch.tensor([1.0, 0.5, -2.0])
(hv,) = torch.autograd.grad(gw, w, grad_outputs=v)
H = torch.autograd.functional.hessian(lambda u: SmoothAbs.apply(u, 0.1).pow(3).sum() + u[0] * u[1] * u[2], w.detach())
print([round(a, 10) for a in hv.tolist()], torch.allclose(H @ v, hv))

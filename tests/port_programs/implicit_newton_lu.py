# tolerance: 1e-8
import numpy as np
import torch
import torch.nn as nn
from torch.autograd.functional import hessian, jacobian

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(0)
n = 5
W = nn.Parameter(torch.from_numpy(rng.normal(0, 0.3, (n, n))))
b = nn.Parameter(torch.from_numpy(rng.normal(0, 0.5, n)))
target = torch.from_numpy(rng.normal(0, 0.5, n))


def residual(x, W, b):
    """F(x) = x - tanh(W x + b): its root is the equilibrium of a one-layer deep equilibrium model."""
    return x - torch.tanh(W @ x + b)


def newton(W, b, iters=8):
    x = torch.zeros(n)
    for k in range(iters):
        J = jacobian(lambda z: residual(z, W, b), x)
        LU, pivots = torch.linalg.lu_factor(J)
        step = torch.linalg.lu_solve(LU, pivots, residual(x, W, b).unsqueeze(-1)).squeeze(-1)
        x = x - step
        if k % 3 == 0:
            print(f"newton {k} |F| {residual(x, W, b).norm().item():.6e}")
    return x


with torch.no_grad():
    x_star = newton(W.detach(), b.detach())
print([f"{v:.10f}" for v in x_star.tolist()])
P, L, U = torch.linalg.lu(jacobian(lambda z: residual(z, W.detach(), b.detach()), x_star))
print(f"{(P @ L @ U).sum().item():.12f} {torch.diagonal(U).prod().item():.12f}")
print(f"{torch.linalg.det(P).item():.1f} {torch.linalg.det(P @ L @ U).item():.12f}")


class Equilibrium(torch.autograd.Function):
    """x*(W, b) by Newton; its backward by the implicit function theorem: one adjoint LU solve."""

    @staticmethod
    def forward(ctx, W, b):
        with torch.no_grad():
            x = newton(W, b, iters=6)
        ctx.save_for_backward(W, b, x)
        return x

    @staticmethod
    def backward(ctx, grad_x):
        W, b, x = ctx.saved_tensors
        with torch.enable_grad():
            J = jacobian(lambda z: residual(z, W, b), x)
            LU, pivots = torch.linalg.lu_factor(J)
            # (dF/dx)^T lam = grad_x, then grad_theta = -(dF/dtheta)^T lam
            lam = torch.linalg.lu_solve(LU, pivots, grad_x.unsqueeze(-1), adjoint=True).squeeze(-1)
            Wd, bd = W.detach().requires_grad_(), b.detach().requires_grad_()
            F = residual(x, Wd, bd)
            gW, gb = torch.autograd.grad(F, (Wd, bd), grad_outputs=-lam)
        return gW, gb


x = Equilibrium.apply(W, b)
loss = ((x - target) ** 2).sum()
loss.backward()
implicit = (W.grad.clone(), b.grad.clone())
print(f"loss {loss.item():.12e} |gW| {W.grad.norm().item():.12e} |gb| {b.grad.norm().item():.12e}")

# the same gradient by differentiating through 40 fixed-point iterations
W.grad, b.grad = None, None
z = torch.zeros(n)
for _ in range(40):
    z = torch.tanh(W @ z + b)
((z - target) ** 2).sum().backward()
print(
    f"unrolled vs implicit {(W.grad - implicit[0]).abs().max().item():.3e} {(b.grad - implicit[1]).abs().max().item():.3e}"
)

# a few Adam steps on (W, b) through the implicit layer
optimizer = torch.optim.Adam([W, b], lr=0.05)
for step in range(4):
    optimizer.zero_grad()
    loss = ((Equilibrium.apply(W, b) - target) ** 2).sum()
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.12e}")


# second order through lu_solve: the gradient of the solution's norm, then its Hessian-vector product
def solved(A_flat):
    A = A_flat.view(n, n) + 3 * torch.eye(n)
    LU, pivots = torch.linalg.lu_factor(A)
    return torch.linalg.lu_solve(LU, pivots, target.unsqueeze(-1)).squeeze(-1).pow(2).sum()


a0 = torch.from_numpy(rng.normal(0, 0.2, n * n)).requires_grad_()
(g,) = torch.autograd.grad(solved(a0), a0, create_graph=True)
(hv,) = torch.autograd.grad(g, a0, grad_outputs=torch.ones_like(g))
H = hessian(solved, a0.detach())
print(f"{g.norm().item():.12e} {hv.sum().item():.12e} {H.sum().item():.12e}")
print(f"symmetric {(H - H.T).abs().max().item():.3e}")

# the LU of a batch of wide matrices, and its gradient
A = torch.from_numpy(rng.normal(size=(2, 3, 4))).requires_grad_()
P, L, U = torch.linalg.lu(A)
print(P.shape, L.shape, U.shape, f"{(P @ L @ U - A).abs().max().item():.3e}")
(L.sum() + (U**2).sum()).backward()
print(f"{A.grad.sum().item():.12e} {A.grad.abs().max().item():.12e}")

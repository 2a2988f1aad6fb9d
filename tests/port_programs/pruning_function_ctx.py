# tolerance: 1e-9
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.utils.prune as prune

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(91)
X = torch.tensor(rng.normal(size=(20, 6)))
y = torch.tensor(rng.integers(0, 3, size=20))

model = nn.Sequential(nn.Linear(6, 12), nn.ReLU(), nn.Linear(12, 3))
r = np.random.default_rng(92)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.tensor(r.normal(0, 0.5, tuple(p.shape))))
prune.l1_unstructured(model[0], name="weight", amount=0.3)
prune.random_unstructured(model[2], name="bias", amount=0.0)
print(sorted(n for n, _ in model[0].named_parameters()), sorted(n for n, _ in model[0].named_buffers()))
print(round((model[0].weight == 0).double().mean().item(), 10), int(model[0].weight_mask.sum().item()))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(4):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(X), y)
    loss.backward()
    optimizer.step()
    print(step, round(loss.item(), 10), int((model[0].weight == 0).sum().item()))
prune.remove(model[0], "weight")
print(sorted(n for n, _ in model[0].named_parameters()), int((model[0].weight == 0).sum().item()))
prune.ln_structured(model[2], name="weight", amount=1, n=2, dim=0)
print(model[2].weight_mask.sum(dim=1).tolist(), prune.is_pruned(model))


class SplitSign(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(x)
        return x.clamp(min=0), x.clamp(max=0)

    @staticmethod
    def backward(ctx, g_pos, g_neg):
        (x,) = ctx.saved_tensors
        grad = torch.zeros_like(x)
        if g_pos is not None:
            grad = grad + g_pos * (x > 0)
        if g_neg is not None:
            grad = grad + g_neg * (x < 0)
        return grad


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(x):
        return x**3, 3 * x**2

    @staticmethod
    def setup_context(ctx, inputs, output):
        _, dx = output
        ctx.save_for_backward(dx)
        ctx.mark_non_differentiable(dx)

    @staticmethod
    def backward(ctx, grad, _):
        (dx,) = ctx.saved_tensors
        return grad * dx


x = torch.tensor([0.5, -1.5, 2.0, -0.1], requires_grad=True)
pos, neg = SplitSign.apply(x)
pos.pow(2).sum().backward()
print(x.grad.tolist())
c = torch.tensor([1.0, 2.0], requires_grad=True)
cube, deriv = Cube.apply(c)
print(cube.tolist(), deriv.requires_grad)
cube.sum().backward()
print(c.grad.tolist())

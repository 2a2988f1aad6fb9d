# tolerance: 1e-10
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call, grad, grad_and_value, hessian, jacrev, jvp, vjp, vmap

torch.set_default_dtype(torch.float64)
r = np.random.default_rng(0)


class SmallNet(nn.Module):
    def __init__(self, n_in=4, hidden=6, n_out=3):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(n_in, hidden), nn.Linear(hidden, n_out)

    def forward(self, x):
        return self.fc2(torch.tanh(self.fc1(x)))


model = SmallNet()
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy(r.normal(0, 0.5, tuple(p.shape))))
data = torch.from_numpy(r.normal(size=(8, 4)))
targets = torch.from_numpy(r.integers(0, 3, 8))

params = {k: v.detach() for k, v in model.named_parameters()}
buffers = {k: v.detach() for k, v in model.named_buffers()}


def compute_loss(params, buffers, sample, target):
    batch = sample.unsqueeze(0)
    predictions = functional_call(model, (params, buffers), (batch,))
    return F.cross_entropy(predictions, target.unsqueeze(0))


ft_compute_grad = grad(compute_loss)
ft_compute_sample_grad = vmap(ft_compute_grad, in_dims=(None, None, 0, 0))
ft_per_sample_grads = ft_compute_sample_grad(params, buffers, data, targets)
print({k: tuple(v.shape) for k, v in ft_per_sample_grads.items()})

# the same by a loop of backward passes
for i in range(8):
    model.zero_grad()
    F.cross_entropy(model(data[i : i + 1]), targets[i : i + 1]).backward()
    for name, p in model.named_parameters():
        assert torch.allclose(p.grad, ft_per_sample_grads[name][i], atol=1e-12), name
print("loop agrees")
print(f"{ft_per_sample_grads['fc1.weight'].norm(dim=(1, 2)).sum().item():.12f}")

# per-sample gradient norms, clipped and averaged (DP-SGD's step)
norms = torch.stack([g.flatten(1).norm(dim=1) for g in ft_per_sample_grads.values()], dim=1).norm(dim=1)
factor = (1.0 / (norms + 1e-6)).clamp(max=1.0)
clipped = {k: torch.einsum("i,i...->...", factor, g) / len(data) for k, g in ft_per_sample_grads.items()}
print([f"{v:.10f}" for v in norms.tolist()])
print(f"{clipped['fc2.bias'].sum().item():.12f} {clipped['fc1.weight'].abs().sum().item():.12f}")

# loss and gradient together, Jacobians and Hessians of small functions
(g, value) = grad_and_value(compute_loss)(params, buffers, data[0], targets[0])
print(f"{value.item():.12f} {g['fc2.weight'].sum().item():.12f}")


def f(x):
    return torch.sin(x) * x.pow(2).sum()


x = torch.tensor([0.3, -1.2, 2.0])
print([f"{v:.12f}" for v in jacrev(f)(x).flatten().tolist()])
print([f"{v:.12f}" for v in hessian(lambda x: (x.exp() * x.flip(0)).sum())(x).flatten().tolist()])
out, tangent = jvp(f, (x,), (torch.ones(3),))
print(f"{out.sum().item():.12f} {tangent.sum().item():.12f}")
out, vjp_fn = vjp(f, x)
(cot,) = vjp_fn(torch.tensor([1.0, 0.0, -1.0]))
print([f"{v:.12f}" for v in cot.tolist()])

# batched Jacobians of the model's output per input
jac = vmap(jacrev(lambda inp: model(inp)))(data[:3])
print(tuple(jac.shape), f"{jac.sum().item():.12f}")


# ensembling: stacked parameters of three models run with vmap
def make(seed):
    m = SmallNet()
    rr = np.random.default_rng(seed)
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.from_numpy(rr.normal(0, 0.5, tuple(p.shape))))
    return m


models = [make(s) for s in (1, 2, 3)]
stacked = {k: torch.stack([dict(m.named_parameters())[k].detach() for m in models]) for k in params}
ensemble = vmap(lambda p, x: functional_call(model, p, (x,)), in_dims=(0, None))(stacked, data)
print(tuple(ensemble.shape), torch.allclose(ensemble[1], models[1](data)), f"{ensemble.mean().item():.12f}")

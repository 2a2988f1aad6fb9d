# tolerance: 1e-10
import copy

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call, stack_module_state, vmap
from torch.optim.swa_utils import SWALR, AveragedModel, get_ema_multi_avg_fn, update_bn

torch.set_default_dtype(torch.float64)
r = np.random.default_rng(0)
X = torch.from_numpy(r.normal(size=(48, 6)))
y = (X[:, 0] * X[:, 1] > 0).long()


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 12)
        self.bn = nn.BatchNorm1d(12)
        self.fc2 = nn.Linear(12, 2)

    def forward(self, x):
        return self.fc2(F.relu(self.bn(self.fc1(x))))


def make(seed):
    m = MLP()
    rr = np.random.default_rng(seed)
    with torch.no_grad():
        for name, p in m.named_parameters():
            if not name.startswith("bn"):
                p.copy_(torch.from_numpy(rr.normal(0, 0.4, tuple(p.shape))))
    return m


# an ensemble run at once: stacked state, a stateless base, vmap over the models
models = [make(s) for s in range(4)]
for m in models:
    m.eval()
params, buffers = stack_module_state(models)
print({k: tuple(v.shape) for k, v in params.items()}, sorted(buffers), params["fc1.weight"].requires_grad)
base_model = copy.deepcopy(models[0])


def fmodel(params, buffers, x):
    return functional_call(base_model, (params, buffers), (x,))


minibatches = X[:32].view(4, 8, 6)
same_batch = vmap(fmodel, in_dims=(0, 0, None))(params, buffers, X[:8])
per_model_batch = vmap(fmodel)(params, buffers, minibatches)
print(same_batch.shape, per_model_batch.shape)
print(torch.allclose(same_batch[2], models[2](X[:8])), torch.allclose(per_model_batch[1], models[1](minibatches[1])))
print(f"{same_batch.softmax(-1).mean(0)[:, 1].sum().item():.12f}")
loss = F.cross_entropy(per_model_batch.reshape(-1, 2), y[:32])
loss.backward()
print(
    f"{loss.item():.12f} {params['fc2.weight'].grad.norm().item():.12f} {params['fc2.weight'].grad[3].abs().sum().item():.12f}"
)

# stochastic weight averaging and an EMA of one model's weights
model = make(10)
optimizer = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
swa_model = AveragedModel(model)
ema_model = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9))
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=10)
swa_start = 4
swa_scheduler = SWALR(optimizer, swa_lr=0.05, anneal_epochs=3, anneal_strategy="cos")
loader = [(X[i : i + 12], y[i : i + 12]) for i in range(0, 48, 12)]
for epoch in range(8):
    model.train()
    for xb, yb in loader:
        optimizer.zero_grad()
        F.cross_entropy(model(xb), yb).backward()
        optimizer.step()
        ema_model.update_parameters(model)
    if epoch >= swa_start:
        swa_model.update_parameters(model)
        swa_scheduler.step()
    else:
        scheduler.step()
    print(
        f"epoch {epoch} lr {optimizer.param_groups[0]['lr']:.12f} n {swa_model.n_averaged.item()} {ema_model.n_averaged.item()}"
    )
print(f"{swa_model.module.fc1.weight.sum().item():.12f} {ema_model.module.fc2.bias.sum().item():.12f}")
print(
    torch.allclose(swa_model.module.bn.running_mean, model.bn.running_mean),
    [n for n, _ in swa_model.named_buffers()][:2],
)
update_bn(loader, swa_model)
print(
    [f"{v:.12f}" for v in swa_model.module.bn.running_mean[:4].tolist()],
    swa_model.module.bn.momentum,
    swa_model.training,
)
swa_model.eval()
with torch.no_grad():
    out = swa_model(X)
    ema_out = ema_model(X)
print(
    f"{F.cross_entropy(out, y).item():.12f} {F.cross_entropy(ema_out, y).item():.12f} {(out.argmax(1) == y).sum().item()}"
)
print(sorted(swa_model.state_dict())[:3], len(list(swa_model.parameters())))

# tolerance: 1e-9
# A script written for several processes, run as two simulated replicas in one: each replica
# takes its DistributedSampler share, the gradients are averaged by hand (an all-reduce), the
# batch norms are converted to SyncBatchNorm; shape errors are caught as RuntimeError
import copy

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(11)
print("initialized:", dist.is_available() and dist.is_initialized())  # (one process: no group)

X = torch.tensor(rng.normal(0, 1, (60, 4)))
y = torch.tensor((X[:, 0] * X[:, 1] > 0).long().numpy())
data = TensorDataset(X, y)


def make_model():
    model = nn.Sequential(nn.Linear(4, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 2))
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.tensor(rng.normal(0, 0.4, tuple(p.shape))))
    return model


base = nn.SyncBatchNorm.convert_sync_batchnorm(make_model())
print(base)
replicas = [base, copy.deepcopy(base)]
optimizers = [torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9) for m in replicas]
print(optimizers[0])
world = 2
samplers = [DistributedSampler(data, num_replicas=world, rank=r, shuffle=False) for r in range(world)]
loaders = [DataLoader(data, batch_size=10, sampler=s) for s in samplers]
print([len(s) for s in samplers], [len(loader) for loader in loaders])

for epoch in range(4):
    for s in samplers:
        s.set_epoch(epoch)
    total = 0.0
    for batches in zip(*loaders):
        for model, opt, (xb, yb) in zip(replicas, optimizers, batches):
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            total += loss.item() / world
        with torch.no_grad():  # the all-reduce: every replica gets the mean gradient
            for params in zip(*(m.parameters() for m in replicas)):
                mean = torch.stack([p.grad for p in params]).mean(0)
                for p in params:
                    p.grad.copy_(mean)
        for opt in optimizers:
            opt.step()
    same = all(torch.equal(a, b) for a, b in zip(replicas[0].parameters(), replicas[1].parameters()))
    print(f"epoch {epoch} loss {total / len(loaders[0]):.10f} replicas agree {same}")

# the running statistics differ (each replica saw its own batches): average them as a
# synchronised run would, then evaluate
with torch.no_grad():
    for name in ("running_mean", "running_var"):
        mean = (getattr(replicas[0][1], name) + getattr(replicas[1][1], name)) / 2
        for m in replicas:
            getattr(m[1], name).copy_(mean)
model = replicas[0].eval()
with torch.no_grad():
    logits = model(X)
print(
    "accuracy", (logits.argmax(1) == y).double().mean().item(), "batches tracked", model[1].num_batches_tracked.item()
)
print([f"{v:.10f}" for v in model[1].running_mean[:4].tolist()])

# habits of a distributed script: the state dict without a wrapper's "module." prefix
state = {f"module.{k}": v for k, v in model.state_dict().items()}
clean = {k.removeprefix("module."): v for k, v in state.items()}
fresh = nn.SyncBatchNorm.convert_sync_batchnorm(make_model())
print(fresh.load_state_dict(clean))
fresh.eval()
print(torch.allclose(fresh(X), logits))

# a wrong batch is caught the way PyTorch programs catch it
for bad in (torch.ones(3, 5), torch.ones(2, 4, 1)):
    try:
        model(bad)
        print("no error")
    except RuntimeError:
        print("RuntimeError for a batch of shape", tuple(bad.shape))
try:
    torch.cat([X, y])
except RuntimeError:
    print("RuntimeError for cat")

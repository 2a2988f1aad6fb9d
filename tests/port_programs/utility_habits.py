# tolerance: 1e-8
import copy

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Subset, TensorDataset, random_split

torch.set_default_dtype(torch.float64)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(device, device.type, torch.cuda.device_count() if torch.cuda.is_available() else 0)
torch.manual_seed(0)

rng = np.random.default_rng(5)
features = torch.from_numpy(rng.normal(size=(100, 6)))
targets = (features[:, 0] + features[:, 1] > 0).long() + (features[:, 2] > 1).long()
dataset = TensorDataset(features, targets)

# random_split with a seeded generator: disjoint, sizes as asked, repeatable
gen = torch.Generator().manual_seed(42)
train_set, val_set, test_set = random_split(dataset, [70, 20, 10], generator=gen)
again = random_split(dataset, [70, 20, 10], generator=torch.Generator().manual_seed(42))
print(len(train_set), len(val_set), len(test_set), train_set.indices == again[0].indices)
print(len(set(train_set.indices) | set(val_set.indices) | set(test_set.indices)), type(train_set).__name__)
fractions = random_split(range(10), [0.5, 0.3, 0.2], generator=torch.Generator().manual_seed(1))
print([len(s) for s in fractions])
xb, yb = next(iter(DataLoader(train_set, batch_size=7)))
print(xb.shape, yb.dtype, torch.equal(xb[0], features[train_set.indices[0]]))
# (the split's indices come from each library's generator; the compared run splits by NumPy)
order = rng.permutation(100).tolist()
train_set, val_set = Subset(dataset, order[:70]), Subset(dataset, order[70:90])


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU())
        self.head = nn.Linear(16, 3)
        self.register_buffer("class_weights", torch.tensor([1.0, 1.0, 2.0]))
        self.register_buffer("step_count", torch.zeros((), dtype=torch.long))

    def forward(self, x):
        return self.head(self.backbone(x))


model = Net().to(device)
r = np.random.default_rng(9)
model.load_state_dict(
    {
        k: torch.from_numpy(r.normal(0, 0.4, tuple(v.shape))) if v.is_floating_point() and "weights" not in k else v
        for k, v in model.state_dict().items()
    }
)
print([name for name, _ in model.named_modules()])
print([(name, type(m).__name__) for name, m in model.named_children()])
print({name: tuple(b.shape) for name, b in model.named_buffers()}, next(model.parameters()).device)
linear_layers = [m for m in model.modules() if isinstance(m, nn.Linear)]
print(len(linear_layers), sum(m.weight.numel() for m in linear_layers))

# freeze the backbone, train the head
for p in model.backbone.parameters():
    p.requires_grad_(False)
trainable = [p for p in model.parameters() if p.requires_grad]
print(len(trainable), sum(p.numel() for p in trainable), model.backbone[0].weight.requires_grad)
optimizer = torch.optim.SGD(filter(lambda p: p.requires_grad, model.parameters()), lr=0.1, momentum=0.5)
X_train = features[train_set.indices].to(device)
y_train = targets[train_set.indices].to(device)
for step in range(5):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(X_train), y_train, weight=model.class_weights)
    loss.backward()
    optimizer.step()
    model.step_count += 1
    print(f"step {step} loss {loss.item():.10f}", model.backbone[0].weight.grad is None)
frozen_before = copy.deepcopy(model.backbone.state_dict())

# unfreeze, fine-tune everything with a smaller rate for the backbone
model.backbone.requires_grad_(True)
optimizer = torch.optim.Adam(
    [{"params": model.backbone.parameters(), "lr": 1e-3}, {"params": model.head.parameters()}], lr=1e-2
)
for step in range(3):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(X_train), y_train)
    loss.backward()
    optimizer.step()
print(
    f"fine-tuned {loss.item():.10f}",
    model.step_count.item(),
    not torch.equal(frozen_before["0.weight"], model.backbone[0].weight),
)

# evaluation habits: inference_mode, argmax, topk, softmax, .cpu().numpy(), .item(), .tolist()
X_val = features[val_set.indices]
model.eval()
with torch.inference_mode():
    logits = model(X_val.to(device))
    probs = torch.softmax(logits, dim=-1)
    preds = torch.argmax(probs, dim=1)
    top2_vals, top2_idx = torch.topk(probs, k=2, dim=1)
print(logits.requires_grad, torch.is_inference_mode_enabled(), preds.cpu().numpy().dtype)
p_np = probs.cpu().numpy()
print(type(p_np).__name__, p_np.shape, np.allclose(p_np.sum(1), 1.0), [f"{v:.10f}" for v in p_np[0]])
print(top2_idx[:4].tolist(), f"{top2_vals.sum().item():.10f}")
acc = (preds == targets[val_set.indices]).float().mean().item()
print(f"val acc {acc:.4f}", (preds.cpu() == targets[val_set.indices]).sum().item())

# masks built from arange and unsqueeze, masked_fill, where
lengths = torch.tensor([3, 5, 1])
mask = torch.arange(5).unsqueeze(0) < lengths.unsqueeze(1)
scores = torch.from_numpy(rng.normal(size=(3, 5)))
masked = scores.masked_fill(~mask, float("-inf"))
attn = masked.softmax(-1)
print(mask.int().tolist(), f"{attn[0].sum().item():.10f}", attn[2].tolist()[:2])
print(torch.where(mask, scores, torch.zeros_like(scores)).count_nonzero().item(), mask.any(1).all().item())
mean_pooled = (scores * mask).sum(1) / mask.sum(1)
print([f"{v:.10f}" for v in mean_pooled.tolist()])

# clone vs detach, no_grad, gradient on a frozen copy, torch.equal / allclose / isclose
w = torch.from_numpy(rng.normal(size=3)).requires_grad_()
snap = w.detach().clone()
with torch.no_grad():
    w.mul_(2)
print(torch.allclose(w, 2 * snap), w.requires_grad, snap.requires_grad, w.is_leaf)
print(torch.isclose(torch.tensor([1.0, 1.0 + 1e-12, 2.0]), torch.tensor(1.0)).tolist())
print(torch.tensor([3.5]).item(), torch.tensor(7).item() + 1, torch.tensor([[1, 2], [3, 4]]).tolist())
print(torch.get_default_dtype(), torch.zeros(2).dtype, torch.tensor([1, 2]).dtype, torch.tensor([1.0]).float().dtype)
print(model.training, model.head.training, model.train().training, model.head.training)
n_trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
print(f"{n_trainable} trainable of {sum(p.numel() for p in model.parameters())}")

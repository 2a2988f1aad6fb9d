# tolerance: 1e-8
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(31)
VOCAB, PAD, T, CLASSES = 20, 0, 10, 3

# class c sentences use tokens from band c more often; padded to T with PAD; label -1 marks unlabelled ones
tokens = np.zeros((60, T), dtype=np.int64)
labels = rng.integers(0, CLASSES, 60)
for i, c in enumerate(labels):
    n = rng.integers(4, T + 1)
    band = rng.integers(1 + 6 * c, 7 + 6 * c, n)
    noise = rng.integers(1, VOCAB, n)
    tokens[i, :n] = np.where(rng.random(n) < 0.6, band, noise)
labels[::7] = -1
X, y = torch.from_numpy(tokens), torch.from_numpy(labels)
print(X.shape, (y == -1).sum().item(), torch.bincount(y[y >= 0]).tolist())


class TextCNN(nn.Module):
    def __init__(self, vocab, emb=6, channels=5, kernel_sizes=(2, 3), classes=CLASSES):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb, padding_idx=PAD)
        self.convs = nn.ModuleList([nn.Conv1d(emb, channels, k, padding=k // 2) for k in kernel_sizes])
        self.norm = nn.BatchNorm1d(channels)
        self.pool = nn.AdaptiveMaxPool1d(1)
        self.bag = nn.EmbeddingBag(vocab, 4, mode="mean", padding_idx=PAD)
        self.fc = nn.Linear(channels * len(kernel_sizes) + 4, classes)

    def forward(self, x):
        e = self.embedding(x).transpose(1, 2)  # (B, emb, T)
        pooled = [self.pool(F.relu(self.norm(conv(e)))).squeeze(-1) for conv in self.convs]
        return self.fc(torch.cat(pooled + [self.bag(x)], dim=1))


model = TextCNN(VOCAB)
r = np.random.default_rng(2)
model.load_state_dict(
    {
        k: (torch.from_numpy(r.normal(0, 0.3, tuple(v.shape))) if v.is_floating_point() and "running" not in k else v)
        for k, v in model.state_dict().items()
    }
)
with torch.no_grad():
    model.embedding.weight[PAD].zero_()
print(model)

class_weights = torch.tensor([1.0, 2.0, 0.5])
criterion = nn.CrossEntropyLoss(weight=class_weights, ignore_index=-1, label_smoothing=0.1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-4)
warm = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=3, T_mult=2, eta_min=0.001)
loader = DataLoader(TensorDataset(X, y), batch_size=12)
accumulate = 2
for epoch in range(3):
    model.train()
    optimizer.zero_grad()
    for i, (xb, yb) in enumerate(loader):
        loss = criterion(model(xb), yb) / accumulate
        loss.backward()
        if (i + 1) % accumulate == 0 or i + 1 == len(loader):
            total = nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5, norm_type=float("inf"))
            optimizer.step()
            optimizer.zero_grad()
            warm.step(epoch + i / len(loader))
    print(
        f"epoch {epoch} loss {loss.item() * accumulate:.10f} inf-norm {total.item():.10f} lr {warm.get_last_lr()[0]:.10f}"
    )

model.eval()
with torch.no_grad():
    logits = model(X)
    per_example = F.cross_entropy(logits, y, ignore_index=-1, reduction="none")
    kept = y != -1
print(per_example.shape, per_example[~kept].abs().sum().item(), f"{per_example[kept].mean().item():.10f}")
print(f"{F.cross_entropy(logits, y, weight=class_weights, ignore_index=-1).item():.10f}")
print(f"{F.cross_entropy(logits[kept], y[kept], label_smoothing=0.2).item():.10f}")
probs = F.softmax(logits, dim=1)
soft_targets = F.one_hot(y.clamp(min=0), CLASSES).double() * 0.9 + 0.1 / CLASSES
print(f"{F.cross_entropy(logits, soft_targets).item():.10f} {F.nll_loss(torch.log(probs[kept]), y[kept]).item():.10f}")
print((logits.argmax(1)[kept] == y[kept]).sum().item(), model.norm.num_batches_tracked.item())
print(f"{model.norm.running_mean.sum().item():.10f} {model.norm.running_var.sum().item():.10f}")
print(model.embedding.weight.grad is None, model.embedding.weight[PAD].abs().sum().item())

# a multi-step schedule with milestones, stepped per epoch
opt = torch.optim.SGD([nn.Parameter(torch.zeros(1))], lr=1.0)
steps = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[2, 4], gamma=0.5)
lrs = []
for _ in range(6):
    opt.step()
    lrs.append(opt.param_groups[0]["lr"])
    steps.step()
print(lrs, steps.last_epoch)

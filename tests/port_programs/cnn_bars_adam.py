# tolerance: 1e-8

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

torch.set_default_dtype(torch.float64)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

# 8x8 images: a horizontal bar (class 0), a vertical bar (1) or a diagonal (2), with noise
rng = np.random.default_rng(3)
n = 120
labels = rng.integers(0, 3, n)
images = rng.normal(0, 0.3, (n, 1, 8, 8))
for i, (c, k) in enumerate(zip(labels, rng.integers(1, 7, n))):
    if c == 0:
        images[i, 0, k, :] += 1.0
    elif c == 1:
        images[i, 0, :, k] += 1.0
    else:
        images[i, 0] += np.eye(8)
X = torch.tensor(images, dtype=torch.float64)
y = torch.tensor(labels, dtype=torch.long)
train_ds = TensorDataset(X[:96], y[:96])
test_ds = TensorDataset(X[96:], y[96:])
print(len(train_ds), train_ds[0][0].shape, train_ds[0][1].item(), train_ds.tensors[1].bincount().tolist())


class SmallCNN(nn.Module):
    def __init__(self, num_classes=3):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=3, padding=1),
            nn.BatchNorm2d(6),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(6, 8, kernel_size=3, padding="same", bias=False),
            nn.BatchNorm2d(8, momentum=0.2),
            nn.LeakyReLU(0.1),
            nn.MaxPool2d(kernel_size=2, stride=2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(p=0.5),
            nn.Linear(8 * 2 * 2, 16),
            nn.ReLU(),
            nn.Linear(16, num_classes),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


def init_from_numpy(model, seed):
    r = np.random.default_rng(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() > 1:
                fan_in = p[0].numel()
                p.copy_(torch.tensor(r.uniform(-1, 1, tuple(p.shape)) / np.sqrt(fan_in)))
            elif name.endswith("bias") and not isinstance(model.get_submodule(name.rsplit(".", 1)[0]), nn.BatchNorm2d):
                p.copy_(torch.tensor(r.uniform(-0.1, 0.1, tuple(p.shape))))


model = SmallCNN().to(device)
init_from_numpy(model, 0)
print(model.classifier[1])
print([type(m).__name__ for m in model.features])
n_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
print(f"parameters: {n_params:,}")

# shuffling: every example once per epoch, the last batch smaller
g = torch.Generator().manual_seed(0)
shuffled = DataLoader(train_ds, batch_size=20, shuffle=True, generator=g)
sizes, seen = [], []
for xb, yb in shuffled:
    sizes.append(xb.size(0))
    seen.append(yb)
print(len(shuffled), sizes, torch.cat(seen).sort().values.equal(train_ds.tensors[1].sort().values))

# the compared run: the order fixed, dropout off while the steps are compared
model.classifier[1].p = 0.0
loader = DataLoader(train_ds, batch_size=32, shuffle=False)
test_loader = DataLoader(test_ds, batch_size=64)
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=3e-3, weight_decay=1e-4)


def evaluate(model, loader):
    model.eval()
    correct, total, loss_sum = 0, 0, 0.0
    with torch.no_grad():
        for inputs, targets in loader:
            inputs, targets = inputs.to(device), targets.to(device)
            outputs = model(inputs)
            loss_sum += criterion(outputs, targets).item() * targets.size(0)
            _, predicted = torch.max(outputs, 1)
            total += targets.size(0)
            correct += (predicted == targets).sum().item()
    return loss_sum / total, correct / total


history = []
for epoch in range(4):
    model.train()
    running_loss = 0.0
    for batch_idx, (inputs, targets) in enumerate(loader):
        inputs, targets = inputs.to(device), targets.to(device)
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = criterion(outputs, targets)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
    test_loss, acc = evaluate(model, test_loader)
    history.append(running_loss / len(loader))
    print(f"Epoch [{epoch + 1}/4] train loss: {history[-1]:.10f} test loss: {test_loss:.10f} acc: {100 * acc:.1f}%")

bn = model.features[1]
print(f"bn running_mean {bn.running_mean.sum():.10f} running_var {bn.running_var.mean():.10f}")
print(bn.num_batches_tracked, model.features[5].momentum)

path = "SAVE_DIR/cnn.pt"
torch.save(model.state_dict(), path)
restored = SmallCNN()
restored.load_state_dict(torch.load(path))
restored.eval()
with torch.no_grad():
    a = model(X[96:])
    b = restored(X[96:])
print(torch.allclose(a, b), list(restored.state_dict().keys())[:4])
probs = F.softmax(b, dim=1)
conf, pred = probs.max(dim=1)
print(pred[:10].tolist(), [f"{c:.8f}" for c in conf[:3].tolist()])
print(f"grad norm conv1 {model.features[0].weight.grad.norm():.10f}")

# dropout in training mode: zeros or scaled by 1 / (1 - p); eval leaves it alone
model.classifier[1].p = 0.5
model.train()
d = model.classifier[1](torch.ones(1000))
print(set(d.unique().tolist()) <= {0.0, 2.0}, 300 < int((d == 0).sum()) < 700)

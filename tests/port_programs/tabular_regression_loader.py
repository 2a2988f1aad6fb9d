# A learner's first regression on tabular data: a TensorDataset and DataLoader (shuffled with a
# seeded generator, then in order for evaluation), standardisation by hand, nn.Sequential with
# Dropout(0), MSELoss, Adam with StepLR, the shapes printed as torch.Size, and a final table of
# predictions
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(3)
n, d = 96, 4
X_np = rng.normal(size=(n, d)).astype(np.float32) * np.array([1.0, 10.0, 0.1, 3.0], dtype=np.float32)
true_w = np.array([0.5, -0.2, 4.0, 0.3], dtype=np.float32)
y_np = (X_np @ true_w + 1.5 + 0.1 * rng.normal(size=n)).astype(np.float32)

X = torch.from_numpy(X_np)
y = torch.from_numpy(y_np).unsqueeze(1)
print("X:", X.shape, X.dtype, "y:", y.size(), y.size().numel(), y.shape[0])
mean, std = X.mean(dim=0), X.std(dim=0)
print("mean", mean, "\nstd", std)
X = (X - mean) / std

dataset = TensorDataset(X, y)
print(len(dataset), [t.shape for t in dataset[0]])
train_set = TensorDataset(X[:72], y[:72])
test_set = TensorDataset(X[72:], y[72:])

model = nn.Sequential(nn.Linear(d, 16), nn.ReLU(), nn.Dropout(0.0), nn.Linear(16, 1))
with torch.no_grad():
    for name, p in model.named_parameters():
        p.copy_(torch.from_numpy(rng.normal(0, 0.4, size=tuple(p.shape)).astype(np.float32)))
        print(name, p.shape, p.requires_grad)
print(model)
print("parameters:", sum(p.numel() for p in model.parameters() if p.requires_grad))

loss_fn = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)

order = np.random.default_rng(5)
for epoch in range(30):
    model.train()
    perm = torch.from_numpy(order.permutation(72))
    total, count = 0.0, 0
    for start in range(0, 72, 16):
        idx = perm[start : start + 16]
        xb, yb = train_set[idx]
        pred = model(xb)
        loss = loss_fn(pred, yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * xb.size(0)
        count += xb.size(0)
    scheduler.step()
    if epoch % 5 == 4:
        print(f"epoch {epoch + 1:2d}  train mse {total / count:.4f}  lr {scheduler.get_last_lr()[0]:.4f}")

print("last batch:", loss, pred.shape)
model.eval()
test_loader = DataLoader(test_set, batch_size=8, shuffle=False)
preds = []
with torch.no_grad():
    for xb, yb in test_loader:
        preds.append(model(xb))
        print(type(xb).__name__, xb.shape, yb.shape)
preds = torch.cat(preds)
print("test mse", loss_fn(preds, test_set.tensors[1]).item())
print(torch.cat([preds[:5], test_set.tensors[1][:5]], dim=1))
print("r2", 1 - ((preds - y[72:]) ** 2).sum() / ((y[72:] - y[72:].mean()) ** 2).sum())
print(optimizer.state_dict()["param_groups"][0]["lr"], scheduler.last_epoch)

# tolerance: 1e-9
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import hw_bonus

torch.set_default_dtype(torch.float64)
data = np.load(Path(hw_bonus.__file__).parent / "data" / "mnist_5k.npz")
order = np.random.default_rng(1).permutation(len(data["labels"]))[:96]
images = torch.from_numpy(data["images"][order].astype(np.float64) / 255.0).view(-1, 1, 28, 28)
labels = torch.from_numpy(data["labels"][order])
images = (images - images.mean()) / images.std()
print(images.shape, images.dtype, labels[:10].tolist())


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 8, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.pool = nn.MaxPool2d(2, 2)
        self.dropout = nn.Dropout(0.25)
        self.fc1 = nn.Linear(8 * 7 * 7, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))
        x = self.pool(F.relu(self.bn2(self.conv2(x))))
        x = torch.flatten(x, 1)
        x = self.dropout(x)
        x = F.relu(self.fc1(x))
        return F.log_softmax(self.fc2(x), dim=1)


model = Net()
rng = np.random.default_rng(0)
with torch.no_grad():
    for name, p in model.named_parameters():
        if "bn" in name:
            continue
        fan_in = p[0].numel() if p.dim() > 1 else p.shape[0]
        p.copy_(torch.from_numpy(rng.normal(0, 1 / np.sqrt(fan_in), tuple(p.shape))))
print(sum(p.numel() for p in model.parameters() if p.requires_grad))
print([(n, tuple(b.shape)) for n, b in model.named_buffers()])

optimizer = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9, nesterov=True, weight_decay=5e-4)
model.dropout.p = 0.0  # compare the steps: dropout's masks come from each library's generator
for epoch in range(2):
    model.train()
    for i in range(0, 96, 32):
        x, y = images[i : i + 32], labels[i : i + 32]
        optimizer.zero_grad()
        output = model(x)
        loss = F.nll_loss(output, y)
        loss.backward()
        optimizer.step()
        print(f"epoch {epoch} batch {i // 32} loss {loss.item():.12e}")
    print(f"running_mean {model.bn1.running_mean.sum().item():.12e} var {model.bn2.running_var.mean().item():.12e}")
    print("batches tracked", model.bn1.num_batches_tracked.item())

model.eval()
with torch.no_grad():
    out = model(images)
    test_loss = F.nll_loss(out, labels, reduction="sum").item()
    pred = out.argmax(dim=1, keepdim=True)
    correct = pred.eq(labels.view_as(pred)).sum().item()
print(f"eval loss {test_loss:.10e} correct {correct}/{len(images)}")
print(f"conv1 grad {model.conv1.weight.grad.norm().item():.10e}")

# dropout in training mode: zeros or the input scaled by 1 / (1 - p)
drop = nn.Dropout(p=0.5)
drop.train()
x = torch.ones(200)
y = drop(x)
print(bool(((y == 0) | (y == 2)).all()), 0 < (y == 0).sum().item() < 200)
drop.eval()
print(torch.equal(drop(x), x))
d2 = nn.Dropout2d(0.5)
z = d2(torch.ones(4, 6, 3, 3))
print(bool((z.sum(dim=(2, 3)) % 18 == 0).all()))

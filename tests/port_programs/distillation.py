# tolerance: 1e-9
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import clip_grad_norm_, clip_grad_value_

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(3)
X = torch.tensor(rng.normal(size=(64, 10)))
y = torch.tensor(rng.integers(0, 5, size=64))
X_val = torch.tensor(rng.normal(size=(32, 10)))
y_val = torch.tensor(rng.integers(0, 5, size=32))


def load(model, seed, scale=0.4):
    r = np.random.default_rng(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.tensor(r.uniform(-scale, scale, tuple(p.shape))))


teacher = nn.Sequential(nn.Linear(10, 32), nn.GELU(), nn.Dropout(0.5), nn.Linear(32, 5))
student = nn.Sequential(nn.Linear(10, 8), nn.SiLU(), nn.LayerNorm(8), nn.Linear(8, 5))
load(teacher, 10, 0.8)
load(student, 11)
teacher.eval()
for p in teacher.parameters():
    p.requires_grad = False


class DistillationLoss(nn.Module):
    def __init__(self, temperature=4.0, alpha=0.7):
        super().__init__()
        self.T = temperature
        self.alpha = alpha
        self.kl = nn.KLDivLoss(reduction="batchmean")
        self.ce = nn.CrossEntropyLoss(label_smoothing=0.05)

    def forward(self, student_logits, teacher_logits, targets):
        soft = self.kl(F.log_softmax(student_logits / self.T, dim=-1), F.softmax(teacher_logits / self.T, dim=-1))
        hard = self.ce(student_logits, targets)
        return self.alpha * soft * self.T**2 + (1 - self.alpha) * hard


criterion = DistillationLoss()
optimizer = torch.optim.AdamW(student.parameters(), lr=0.01, betas=(0.9, 0.98), weight_decay=0.05)
steps_per_epoch, epochs = 4, 3
scheduler = torch.optim.lr_scheduler.OneCycleLR(
    optimizer, max_lr=0.05, steps_per_epoch=steps_per_epoch, epochs=epochs, pct_start=0.3
)
for epoch in range(epochs):
    student.train()
    perm = torch.arange(64).reshape(4, 16).flip(0)[epoch % 4].tolist()
    for b in range(steps_per_epoch):
        idx = torch.arange(b * 16, (b + 1) * 16)
        xb, yb = X[idx], y[idx]
        with torch.no_grad():
            t_logits = teacher(xb)
        s_logits = student(xb)
        loss = criterion(s_logits, t_logits, yb)
        optimizer.zero_grad()
        loss.backward()
        total_norm = clip_grad_norm_(student.parameters(), max_norm=1.0)
        optimizer.step()
        scheduler.step()
        print(epoch, b, round(loss.item(), 10), round(float(total_norm), 10), round(scheduler.get_last_lr()[0], 12))
    print(perm[:3])

# the KL divergence four ways
s_log = F.log_softmax(student(X_val), dim=1)
t_log = F.log_softmax(teacher(X_val), dim=1)
for reduction in ("batchmean", "sum", "mean", "none"):
    value = F.kl_div(s_log, t_log, reduction=reduction, log_target=True)
    print(reduction, round(value.sum().item(), 10))
print(round(nn.KLDivLoss(reduction="batchmean", log_target=True)(s_log, t_log).item(), 10))

# fine-tuning on the hard labels with value clipping and a plateau schedule
optimizer = torch.optim.SGD(student.parameters(), lr=0.05, momentum=0.9)
plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=1, threshold=1e-3)
for epoch in range(5):
    student.train()
    optimizer.zero_grad()
    loss = F.cross_entropy(student(X), y)
    loss.backward()
    clip_grad_value_(student.parameters(), clip_value=0.05)
    optimizer.step()
    student.eval()
    with torch.no_grad():
        val_loss = F.cross_entropy(student(X_val), y_val).item()
    plateau.step(val_loss)
    print(epoch, round(loss.item(), 10), round(val_loss, 10), optimizer.param_groups[0]["lr"])
with torch.no_grad():
    agree = (student(X_val).argmax(1) == teacher(X_val).argmax(1)).sum().item()
print(agree, teacher.training, student.training)

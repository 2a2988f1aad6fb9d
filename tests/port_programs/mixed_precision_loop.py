import copy

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.backends.cudnn.benchmark = True
torch.backends.cudnn.deterministic = True
device = "cuda" if torch.cuda.is_available() else "cpu"
use_amp = device == "cuda"


class ResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + x)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 4, 3, padding=1)
        self.block = ResBlock(4)
        self.head = nn.Linear(4, 3)
        self.LayerNorm = nn.LayerNorm(4)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                nn.init.constant_(m.weight, 1)
                nn.init.constant_(m.bias, 0)

    def forward(self, x):
        x = self.block(self.stem(x))
        x = F.adaptive_avg_pool2d(x, (1, 1))
        x = torch.flatten(x, 1)
        return self.head(self.LayerNorm(x))


model = Net().to(device)
r = np.random.default_rng(0)
model.load_state_dict(
    {
        k: (torch.tensor(r.uniform(-0.4, 0.4, tuple(v.shape)), dtype=v.dtype) if "running_var" not in k else v)
        if v.is_floating_point()
        else v
        for k, v in model.state_dict().items()
    }
)
no_decay = ["bias", "LayerNorm.weight"]
grouped = [
    {"params": [p for n, p in model.named_parameters() if not any(nd in n for nd in no_decay)], "weight_decay": 0.01},
    {"params": [p for n, p in model.named_parameters() if any(nd in n for nd in no_decay)], "weight_decay": 0.0},
]
optimizer = torch.optim.AdamW(grouped, lr=5e-3)
scaler = torch.cuda.amp.GradScaler(enabled=use_amp)
scaler2 = torch.amp.GradScaler("cuda", enabled=use_amp)
X = torch.tensor(r.normal(size=(16, 1, 5, 5)), dtype=torch.float32)
Y = torch.tensor(r.integers(0, 3, size=16))
accum = 2
best_loss, best_state = float("inf"), None
for epoch in range(3):
    model.train()
    optimizer.zero_grad()
    for i in range(4):
        xb, yb = X[i * 4 : (i + 1) * 4].to(device, non_blocking=True), Y[i * 4 : (i + 1) * 4].to(device)
        with torch.autocast(device_type=device, dtype=torch.float16, enabled=use_amp):
            out = model(xb)
            loss = F.cross_entropy(out, yb) / accum
        scaler.scale(loss).backward()
        if (i + 1) % accum == 0:
            scaler.unscale_(optimizer)
            total_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            scaler.step(optimizer)
            scaler.update()
            optimizer.zero_grad(set_to_none=True)
    model.eval()
    with torch.no_grad():
        val = F.cross_entropy(model(X), Y).item()
    if val < best_loss:
        best_loss, best_state = val, copy.deepcopy(model.state_dict())
    print(f"epoch {epoch} val {val:.5f} norm {total_norm.item():.5f} scale {scaler.get_scale()}")
model.load_state_dict(best_state)
with torch.no_grad():
    print(f"{F.cross_entropy(model(X), Y).item():.5f}")
m2 = copy.deepcopy(model)
print(all(torch.equal(a, b) for a, b in zip(m2.parameters(), model.parameters())))
print(torch.get_num_threads() > 0, torch.__version__ is not None)
torch.set_printoptions(precision=3)

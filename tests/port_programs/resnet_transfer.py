# tolerance: 1e-9
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(0)
images = torch.tensor(rng.normal(size=(48, 3, 8, 8)))
labels = torch.tensor(rng.integers(0, 4, size=48))
images[labels == 1, 0] += 1.0  # something to learn
images[labels == 2, 1, :4] -= 1.0


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, planes, kernel_size=1, stride=stride, bias=False), nn.BatchNorm2d(planes)
            )

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.shortcut(x)
        return F.relu(out)


class TinyResNet(nn.Module):
    def __init__(self, num_classes=4):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 6, 3, padding=1, bias=False), nn.BatchNorm2d(6), nn.ReLU(inplace=True))
        self.layer1 = BasicBlock(6, 6)
        self.layer2 = BasicBlock(6, 8, stride=2)
        self.pool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(8, num_classes)

    def forward(self, x):
        x = self.layer2(self.layer1(self.stem(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


def init(model, seed):
    r = np.random.default_rng(seed)
    state = {}
    for k, v in model.state_dict().items():
        if k.endswith("num_batches_tracked"):
            state[k] = v
        elif k.endswith("running_var"):
            state[k] = torch.ones_like(v)
        else:
            state[k] = torch.tensor(r.uniform(-0.3, 0.3, tuple(v.shape)))
    print(model.load_state_dict(state))


model = TinyResNet()
init(model, 1)
print(sum(p.numel() for p in model.parameters()), len(model.state_dict()))
print([n for n, b in model.named_buffers()][:3])
decay, no_decay = [], []
for name, p in model.named_parameters():
    (no_decay if p.ndim == 1 else decay).append(p)
optimizer = torch.optim.SGD(
    [{"params": decay, "weight_decay": 5e-4}, {"params": no_decay, "weight_decay": 0.0}],
    lr=0.1,
    momentum=0.9,
    nesterov=True,
)
scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[2, 3], gamma=0.5)
criterion = nn.CrossEntropyLoss(label_smoothing=0.1)


def run_epoch(model, optimizer, epoch):
    model.train()
    total = 0.0
    for i in range(0, 48, 16):
        x, y = images[i : i + 16], labels[i : i + 16]
        optimizer.zero_grad(set_to_none=True)
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * x.size(0)
    return total / 48


def evaluate(model):
    model.eval()
    with torch.no_grad():
        logits = model(images)
        loss = F.cross_entropy(logits, labels).item()
        acc = (logits.argmax(dim=1) == labels).float().mean().item()
    return loss, acc


for epoch in range(2):
    print(epoch, round(run_epoch(model, optimizer, epoch), 10), scheduler.get_last_lr())
    scheduler.step()
print(evaluate(model))
print(model.stem[1].running_mean[:3].tolist(), model.stem[1].num_batches_tracked.item())

checkpoint = {
    "epoch": 2,
    "model": model.state_dict(),
    "optimizer": optimizer.state_dict(),
    "scheduler": scheduler.state_dict(),
}
torch.save(checkpoint, "SAVE_DIR/resnet.pt")
for epoch in range(2, 4):
    print(epoch, round(run_epoch(model, optimizer, epoch), 10), scheduler.get_last_lr())
    scheduler.step()
uninterrupted = evaluate(model)

resumed = TinyResNet()
resumed_opt = torch.optim.SGD(
    [
        {"params": [p for p in resumed.parameters() if p.ndim > 1], "weight_decay": 5e-4},
        {"params": [p for p in resumed.parameters() if p.ndim == 1], "weight_decay": 0.0},
    ],
    lr=0.1,
    momentum=0.9,
    nesterov=True,
)
resumed_sched = torch.optim.lr_scheduler.MultiStepLR(resumed_opt, milestones=[2, 3], gamma=0.5)
ckpt = torch.load("SAVE_DIR/resnet.pt")
print(resumed.load_state_dict(ckpt["model"]))
resumed_opt.load_state_dict(ckpt["optimizer"])
resumed_sched.load_state_dict(ckpt["scheduler"])
for epoch in range(ckpt["epoch"], 4):
    print(epoch, round(run_epoch(resumed, resumed_opt, epoch), 10), resumed_sched.get_last_lr())
    resumed_sched.step()
print(evaluate(resumed) == uninterrupted, evaluate(resumed))

# transfer: a new head for 3 classes, the backbone frozen
transfer = TinyResNet(num_classes=3)
backbone = {k: v for k, v in model.state_dict().items() if not k.startswith("fc.")}
result = transfer.load_state_dict(backbone, strict=False)
print(sorted(result.missing_keys), result.unexpected_keys)
without_counter = {k: v for k, v in backbone.items() if "num_batches_tracked" not in k}
print(transfer.load_state_dict(without_counter, strict=False))
for name, p in transfer.named_parameters():
    p.requires_grad_(name.startswith("fc."))
trainable = [p for p in transfer.parameters() if p.requires_grad]
print(len(trainable), sum(p.numel() for p in trainable))
with torch.no_grad():
    transfer.fc.weight.copy_(torch.tensor(np.random.default_rng(5).uniform(-0.3, 0.3, (3, 8))))
    transfer.fc.bias.zero_()
head_opt = torch.optim.Adam(trainable, lr=0.01)
transfer.eval()  # frozen BatchNorm statistics
targets = labels % 3
for step in range(4):
    head_opt.zero_grad()
    loss = F.cross_entropy(transfer(images), targets)
    loss.backward()
    head_opt.step()
    print(step, round(loss.item(), 10), transfer.layer1.conv1.weight.grad is None)
print(transfer.stem[1].num_batches_tracked.item(), transfer.fc.bias.tolist())

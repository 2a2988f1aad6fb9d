# tolerance: 1e-9
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(41)
images = torch.tensor(rng.normal(size=(4, 1, 8, 8)))
masks = (images > 0.3).double()


class DoubleConv(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(
            nn.Conv2d(cin, cout, 3, padding=1, bias=False),
            nn.GroupNorm(2, cout),
            nn.LeakyReLU(0.1, inplace=True),
            nn.Conv2d(cout, cout, 3, padding=1, padding_mode="reflect"),
            nn.ReLU(inplace=True),
        )


class UNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.down1 = DoubleConv(1, 4)
        self.pool = nn.MaxPool2d(2, return_indices=True)
        self.unpool = nn.MaxUnpool2d(2)
        self.down2 = DoubleConv(4, 8)
        self.bottom = nn.Sequential(nn.AvgPool2d(2), DoubleConv(8, 8), nn.Upsample(scale_factor=2, mode="nearest"))
        self.up1 = nn.ConvTranspose2d(8, 4, kernel_size=2, stride=2)
        self.dec1 = DoubleConv(8, 4)
        self.out = nn.Conv2d(4, 1, 1)

    def forward(self, x):
        s1 = self.down1(x)
        p1, idx = self.pool(s1)
        s2 = self.down2(p1)
        b = self.bottom(s2) + s2
        u1 = self.up1(b)
        u1 = F.interpolate(u1, size=s1.shape[-2:], mode="bilinear", align_corners=False)
        d1 = self.dec1(torch.cat([u1, s1], dim=1))
        return self.out(d1) + 0.1 * self.unpool(p1, idx).mean(1, keepdim=True)


def dice_loss(logits, target, eps=1.0):
    prob = torch.sigmoid(logits)
    inter = (prob * target).sum(dim=(1, 2, 3))
    union = prob.sum(dim=(1, 2, 3)) + target.sum(dim=(1, 2, 3))
    return 1 - ((2 * inter + eps) / (union + eps)).mean()


model = UNet()
r = np.random.default_rng(42)
state = {k: torch.tensor(r.normal(0, 0.3, tuple(v.shape))) for k, v in model.state_dict().items()}
print(model.load_state_dict(state), sum(p.numel() for p in model.parameters()))
bce = nn.BCEWithLogitsLoss(pos_weight=torch.tensor([2.0]))
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
for step in range(6):
    optimizer.zero_grad()
    logits = model(images)
    loss = bce(logits, masks) + dice_loss(logits, masks)
    loss.backward()
    optimizer.step()
    print(step, round(loss.item(), 10), round(model.up1.weight.grad.norm().item(), 10))
with torch.no_grad():
    pred = (torch.sigmoid(model(images)) > 0.5).double()
    iou = ((pred * masks).sum() / ((pred + masks) > 0).double().sum()).item()
print(tuple(pred.shape), round(iou, 10))
pooled, idx = F.max_pool2d(images, 2, return_indices=True)
print(idx.dtype, idx[0, 0, 0].tolist(), torch.allclose(F.max_unpool2d(pooled, idx, 2).abs().sum(), pooled.abs().sum()))
print([round(v, 10) for v in F.interpolate(images[:1], scale_factor=0.5, mode="area").flatten()[:4].tolist()])
print(
    [
        round(v, 10)
        for v in F.interpolate(images[:1], size=(5, 5), mode="bicubic", align_corners=True).flatten()[:4].tolist()
    ]
)

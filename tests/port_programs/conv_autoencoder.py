# tolerance: 1e-9
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(0)
images = torch.from_numpy(rng.random((6, 1, 12, 12)))


class Down(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.depthwise = nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False)
        self.pointwise = nn.Conv2d(cin, cout, 1)
        self.norm = nn.GroupNorm(2, cout)
        self.pool = nn.AvgPool2d(2)

    def forward(self, x):
        return self.pool(F.leaky_relu(self.norm(self.pointwise(self.depthwise(x))), 0.1))


class AutoEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 4, 3, padding="same", padding_mode="reflect")
        self.down1 = Down(4, 8)
        self.down2 = Down(8, 8)
        self.bottleneck = nn.Sequential(
            nn.Flatten(), nn.Linear(8 * 3 * 3, 6), nn.Tanh(), nn.Linear(6, 8 * 3 * 3), nn.Unflatten(1, (8, 3, 3))
        )
        self.up1 = nn.ConvTranspose2d(8, 8, kernel_size=2, stride=2)
        self.up2 = nn.Sequential(
            nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False), nn.Conv2d(16, 4, 3, padding=1)
        )
        self.inorm = nn.InstanceNorm2d(4, affine=True)
        self.shuffle = nn.Sequential(nn.Conv2d(4, 4, 1), nn.PixelShuffle(2), nn.AdaptiveAvgPool2d((12, 12)))

    def forward(self, x):
        s = F.relu(self.stem(x))
        d1 = self.down1(s)
        d2 = self.down2(d1)
        z = self.bottleneck(d2)
        u1 = F.relu(self.up1(z + d2))
        u2 = F.relu(self.inorm(self.up2(torch.cat([u1, d1], dim=1))))
        return torch.sigmoid(self.shuffle(u2))


model = AutoEncoder()
r = np.random.default_rng(1)
with torch.no_grad():
    for name, p in model.named_parameters():
        p.copy_(torch.from_numpy(r.normal(0, 0.35, tuple(p.shape))))
print(sum(p.numel() for p in model.parameters()), model(images).shape)
opt = torch.optim.Adam(model.parameters(), lr=5e-3, weight_decay=1e-4)
for step in range(4):
    opt.zero_grad()
    out = model(images)
    loss = F.binary_cross_entropy(out, images) + 0.1 * F.mse_loss(out, images)
    loss.backward()
    opt.step()
    print(f"step {step} loss {loss.item():.12f} grad {model.stem.weight.grad.norm().item():.12f}")

# resizing and sampling
x = images[:2]
for mode, corners in (("bilinear", False), ("bilinear", True), ("bicubic", False), ("nearest", None), ("area", None)):
    y = F.interpolate(x, size=(7, 9), mode=mode, align_corners=corners)
    print(mode, corners, tuple(y.shape), f"{y.sum().item():.12f}")
print(f"{F.interpolate(x, scale_factor=1.5, mode='nearest-exact').sum().item():.12f}")
theta = torch.tensor([[[0.9, -0.2, 0.1], [0.15, 1.1, -0.05]], [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]], requires_grad=True)
grid = F.affine_grid(theta, size=(2, 1, 8, 8), align_corners=False)
warped = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
warped.pow(2).sum().backward()
print(tuple(grid.shape), f"{warped.sum().item():.12f}", [f"{v:.10f}" for v in theta.grad.flatten().tolist()])
identity = F.grid_sample(
    x, F.affine_grid(theta[1:].detach().expand(2, 2, 3), (2, 1, 12, 12), align_corners=True), align_corners=True
)
print(torch.allclose(identity, x))

# 1-D convolutions of a sequence: dilation, causal padding, groups, pooling over time
seq = torch.from_numpy(rng.normal(size=(3, 4, 20))).requires_grad_()
conv = nn.Conv1d(4, 6, kernel_size=3, dilation=2, groups=2)
with torch.no_grad():
    conv.weight.copy_(torch.from_numpy(r.normal(0, 0.3, tuple(conv.weight.shape))))
    conv.bias.copy_(torch.from_numpy(r.normal(0, 0.3, 6)))
causal = conv(F.pad(seq, (4, 0)))
feats = torch.cat(
    [
        F.adaptive_max_pool1d(causal, 1).squeeze(-1),
        F.avg_pool1d(causal, 4).mean(-1),
        F.max_pool1d(causal, 3, stride=2, padding=1).amax(-1),
    ],
    dim=1,
)
feats.sum().backward()
print(tuple(causal.shape), [f"{v:.10f}" for v in feats[0].tolist()[:6]], f"{seq.grad.abs().sum().item():.10f}")
unfolded = F.unfold(images[:1], kernel_size=3, stride=3)
print(tuple(unfolded.shape), torch.allclose(F.fold(unfolded, (12, 12), kernel_size=3, stride=3), images[:1]))

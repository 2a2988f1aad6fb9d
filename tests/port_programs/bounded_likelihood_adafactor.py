# tolerance: 1e-8
# Heteroscedastic regression of a bounded target: a network gives a Normal's loc and scale, squashed
# into (0, 10) by SigmoidTransform and AffineTransform (imported from torch.distributions itself),
# trained by the log-likelihood with Adafactor; a KL term to a prior, the bounds, errors caught
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import (
    AffineTransform,
    ComposeTransform,
    Normal,
    SigmoidTransform,
    TransformedDistribution,
    kl_divergence,
)

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(4)
x_np = rng.uniform(-2, 2, (80, 1))
y_np = 10 / (1 + np.exp(-(1.5 * x_np[:, 0] + rng.normal(0, 0.2 + 0.2 * np.abs(x_np[:, 0])))))
x, y = torch.tensor(x_np), torch.tensor(y_np)
print(f"{y.min().item():.10f} {y.max().item():.10f}")


class Head(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(1, 16), nn.SiLU(), nn.Linear(16, 16), nn.SiLU())
        self.loc = nn.Linear(16, 1)
        self.log_scale = nn.Linear(16, 1)
        with torch.no_grad():
            for p in self.parameters():
                p.copy_(torch.tensor(rng.normal(0, 0.5, tuple(p.shape))))

    def forward(self, x):
        h = self.body(x)
        base = Normal(self.loc(h).squeeze(-1), F.softplus(self.log_scale(h)).squeeze(-1) + 1e-3)
        squash = ComposeTransform([SigmoidTransform(), AffineTransform(0.0, 10.0)])
        return base, TransformedDistribution(base, [squash])


model = Head()
opt = torch.optim.Adafactor(model.parameters(), lr=0.05)
print(opt)
prior = Normal(torch.zeros(()), torch.ones(()))
for epoch in range(60):  # (later epochs amplify rounding: PyTorch's own runs part by 1e-6 by 80)
    base, dist = model(x)
    nll = -dist.log_prob(y).mean()
    kl = kl_divergence(base, prior).mean()
    loss = nll + 0.01 * kl
    opt.zero_grad()
    loss.backward()
    opt.step()
    if epoch % 20 == 19:
        print(f"epoch {epoch + 1} nll {nll.item():.10f} kl {kl.item():.10f}")

state = opt.state_dict()["state"]
print({k: sorted(v) for k, v in list(state.items())[:2]}, [tuple(v.shape) for v in state[0].values()])
with torch.no_grad():
    base, dist = model(torch.tensor([[-1.5], [0.0], [1.5]]))
    median = 10 * torch.sigmoid(base.loc)  # (a monotone map keeps the median)
    print([f"{v:.8f}" for v in median.tolist()], [f"{v:.8f}" for v in base.scale.tolist()])
    print([f"{v:.8f}" for v in dist.log_prob(torch.tensor([2.0, 5.0, 8.0])).tolist()])

# the bounds themselves and a value past them: the squashing's inverse is clipped, as PyTorch's
print([f"{v:.6f}" for v in dist.log_prob(torch.tensor([10.0, 0.0, 11.0])).tolist()])
try:
    model(torch.ones(3, 2))
except RuntimeError:
    print("RuntimeError for 2 features")
try:
    torch.zeros(0).max()
except RuntimeError:
    print("RuntimeError for max of nothing")

# tolerance: 1e-8
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Bernoulli, Independent, Normal, kl_divergence

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(4)

# 1x8x8 blobs at random places
n = 48
yy, xx = np.mgrid[0:8, 0:8]
centres = rng.uniform(1.5, 6.5, size=(n, 2))
imgs = np.exp(-((yy - centres[:, :1, None]) ** 2 + (xx - centres[:, 1:, None]) ** 2) / 3.0)
data = (torch.from_numpy(imgs).unsqueeze(1) > 0.4).double()
print(data.shape, f"{data.mean().item():.10f}", data.max().item() <= 1)


class ConvVAE(nn.Module):
    def __init__(self, latent=3):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 4, 3, stride=2, padding=1),  # 4x4
            nn.GELU(),
            nn.Conv2d(4, 8, 3, stride=2, padding=1),  # 2x2
            nn.SiLU(),
            nn.Flatten(start_dim=1),
        )
        self.to_stats = nn.Linear(32, 2 * latent)
        self.decoder = nn.Sequential(
            nn.Linear(latent, 32),
            nn.ReLU(),
            nn.Unflatten(1, (8, 2, 2)),
            nn.ConvTranspose2d(8, 4, kernel_size=4, stride=2, padding=1),  # 4x4
            nn.Tanh(),
            nn.Upsample(scale_factor=2, mode="nearest"),  # 8x8
            nn.Conv2d(4, 1, 3, padding=1),
        )
        self.register_buffer("prior_loc", torch.zeros(latent))
        self.register_buffer("prior_scale", torch.ones(latent))

    def posterior(self, x):
        loc, raw_scale = self.to_stats(self.encoder(x)).chunk(2, dim=-1)
        return Independent(Normal(loc, F.softplus(raw_scale) + 1e-4), 1)

    def prior(self):
        return Independent(Normal(self.prior_loc, self.prior_scale), 1)

    def forward(self, x, eps):
        q = self.posterior(x)
        z = q.mean + q.stddev * eps  # the same noise in both runs; q.rsample() draws its own
        logits = self.decoder(z)
        return logits, q


model = ConvVAE()
r = np.random.default_rng(2)
model.load_state_dict(
    {
        k: (torch.from_numpy(r.normal(0, 0.3, tuple(v.shape))) if "prior" not in k else v)
        for k, v in model.state_dict().items()
    }
)
print(sum(p.numel() for p in model.parameters()), [k for k in model.state_dict() if "prior" in k])

optimizer = torch.optim.Adam(model.parameters(), lr=5e-3, betas=(0.9, 0.98), eps=1e-7, amsgrad=True)
noise = torch.from_numpy(rng.normal(size=(5, 3, 16, 3)))
for epoch in range(5):
    beta = min(1.0, 0.25 * (epoch + 1))  # KL annealing
    for b in range(3):
        x = data[b * 16 : (b + 1) * 16]
        logits, q = model(x, noise[epoch, b])
        rec = -Independent(Bernoulli(logits=logits), 3).log_prob(x).mean()
        kl = kl_divergence(q, model.prior()).mean()
        loss = rec + beta * kl
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f"epoch {epoch} beta {beta:.2f} rec {rec.item():.10f} kl {kl.item():.10f}")

# the same KL by hand, and from the unwrapped Normals
q = model.posterior(data[:5])
loc, scale = q.base_dist.loc, q.base_dist.scale
by_hand = (0.5 * (scale**2 + loc**2 - 1) - scale.log()).sum(-1)
print(torch.allclose(kl_divergence(q, model.prior()), by_hand), q.batch_shape, q.event_shape)
print(torch.allclose(kl_divergence(q.base_dist, Normal(0.0, 1.0)).sum(-1), by_hand))
print([f"{v:.10f}" for v in q.entropy().tolist()[:3]], f"{q.log_prob(loc).sum().item():.10f}")

# rsample: z = loc + scale * eps, so dz/dloc = 1 and dz/dscale = eps
loc = torch.tensor([0.5, -1.0], requires_grad=True)
scale = torch.tensor([2.0, 0.5], requires_grad=True)
dist = Normal(loc, scale)
z = dist.rsample((1000,))
z.sum().backward()
eps = (z.detach() - loc.detach()) / scale.detach()
print(z.shape, loc.grad.tolist(), torch.allclose(scale.grad, eps.sum(0)))
with torch.no_grad():
    s = dist.sample((4,))
print(s.requires_grad, dist.has_rsample, Normal(0.0, 1.0).cdf(torch.tensor(1.0)).item())
print(
    f"{Normal(0.0, 1.0).icdf(torch.tensor(0.975)).item():.10f} {dist.log_prob(torch.tensor([0.0, 0.0])).sum().item():.10f}"
)

# generation and reconstruction in eval mode
model.eval()
with torch.inference_mode():
    z = model.prior().mean.expand(2, -1)
    sample = torch.sigmoid(model.decoder(z))
    recon = torch.sigmoid(model(data[:4], torch.zeros(4, 3))[0])
print(sample.shape, f"{sample.sum().item():.10f}", f"{F.mse_loss(recon, data[:4]).item():.10f}")
print(f"bce {F.binary_cross_entropy(recon, data[:4]).item():.10f}")

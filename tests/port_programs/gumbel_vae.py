# tolerance: 1e-8
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import ContinuousBernoulli, OneHotCategorical, RelaxedOneHotCategorical

import hw_bonus

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(0)
data = np.load(Path(hw_bonus.__file__).parent / "data" / "mnist_5k.npz")
images = torch.from_numpy(data["images"][:64].reshape(64, -1).astype(np.float64) / 255.0)
print(images.shape, f"{images.mean().item():.10f}")

N_LATENT, K = 4, 5  # four categorical latents of five classes each


class CategoricalVAE(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, N_LATENT * K))
        self.decoder = nn.Sequential(nn.Linear(N_LATENT * K, 64), nn.ReLU(), nn.Linear(64, 784))

    def forward(self, x, gumbel, tau, hard=False):
        logits = self.encoder(x).view(-1, N_LATENT, K)
        y = F.softmax((logits + gumbel) / tau, dim=-1)  # the Gumbel-softmax sample
        if hard:  # straight-through: one-hot forward, the soft sample's gradient
            index = y.argmax(dim=-1, keepdim=True)
            y_hard = torch.zeros_like(y).scatter_(-1, index, 1.0)
            y = (y_hard - y).detach() + y
        return self.decoder(y.view(-1, N_LATENT * K)), logits, y


def gumbel_noise(shape):
    u = rng.uniform(1e-10, 1.0, shape)
    return torch.from_numpy(-np.log(-np.log(u)))


model = CategoricalVAE()
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy(rng.normal(0, 0.05, tuple(p.shape))))
optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
tau = 1.0
for step in range(8):
    x = images[(step % 2) * 32 : (step % 2) * 32 + 32]
    recon_logits, logits, y = model(x, gumbel_noise((32, N_LATENT, K)), tau, hard=step >= 4)
    recon = -ContinuousBernoulli(logits=recon_logits).log_prob(x).sum(1).mean()
    q = F.softmax(logits, dim=-1)
    kl = (q * (torch.log(q + 1e-20) - np.log(1.0 / K))).sum((1, 2)).mean()
    loss = recon + kl
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    tau = max(0.5, tau * np.exp(-0.1))
    print(f"step {step} recon {recon.item():.12e} kl {kl.item():.12e} tau {tau:.6f}")

# the relaxed distribution's density of a fixed soft sample, and its gradient in the logits
with torch.no_grad():
    logits = model.encoder(images[:3]).view(-1, N_LATENT, K)
logits.requires_grad_()
relaxed = RelaxedOneHotCategorical(torch.tensor(0.7), logits=logits)
soft = F.softmax((logits.detach() + gumbel_noise((3, N_LATENT, K))) / 0.7, dim=-1)
log_q = relaxed.log_prob(soft)
log_q.sum().backward()
print(log_q.shape, f"{log_q.sum().item():.10e} {logits.grad.norm().item():.10e}")
print(f"{relaxed.probs.sum(-1).mean().item():.12f} {relaxed.temperature.item():.2f}")
prior = OneHotCategorical(probs=torch.full((N_LATENT, K), 1.0 / K))
print(f"{prior.entropy().sum().item():.12e} {prior.log_prob(torch.eye(K)[:N_LATENT]).sum().item():.12e}")

# the continuous Bernoulli: its normaliser near p = 1/2, its mean and a reconstruction's mean intensity
cb = ContinuousBernoulli(probs=torch.tensor([0.1, 0.4999, 0.5, 0.7]))
print([f"{v:.10e}" for v in cb.log_prob(torch.tensor([0.25, 0.25, 0.25, 0.25])).tolist()])
print([f"{v:.10e}" for v in cb.mean.tolist()], [f"{v:.10e}" for v in cb.entropy().tolist()])
with torch.no_grad():
    recon_logits, _, _ = model(images[:4], torch.zeros(4, N_LATENT, K), 0.5, hard=True)
    print(f"{ContinuousBernoulli(logits=recon_logits).mean.mean().item():.10e}")

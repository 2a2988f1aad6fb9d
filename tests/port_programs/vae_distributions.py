# tolerance: 1e-9
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Independent, MultivariateNormal, Normal, kl_divergence

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(0)
# binary "images": 8 pixels, two prototypes with flipped bits
protos = np.array([[1, 1, 1, 1, 0, 0, 0, 0], [0, 1, 0, 1, 0, 1, 0, 1]], dtype=np.float64)
data = torch.from_numpy(np.abs(protos[rng.integers(0, 2, 64)] - (rng.random((64, 8)) < 0.1)))


class VAE(nn.Module):
    def __init__(self, d=8, h=16, z=2):
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(d, h), nn.Softplus())
        self.mu = nn.Linear(h, z)
        self.logvar = nn.Linear(h, z)
        self.dec = nn.Sequential(nn.Linear(z, h), nn.ELU(), nn.Linear(h, d))

    def encode(self, x):
        h = self.enc(x)
        return self.mu(h), self.logvar(h)

    def reparameterize(self, mu, logvar, eps=None):
        std = torch.exp(0.5 * logvar)
        if eps is None:
            eps = torch.randn_like(std)
        return mu + eps * std

    def forward(self, x, eps=None):
        mu, logvar = self.encode(x)
        z = self.reparameterize(mu, logvar, eps)
        return self.dec(z), mu, logvar


def loss_function(logits, x, mu, logvar):
    bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return bce + kld, bce, kld


model = VAE()
init = np.random.default_rng(1)
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy(init.uniform(-0.4, 0.4, tuple(p.shape))))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
noise = torch.from_numpy(rng.normal(size=(6, 4, 16, 2)))  # eps drawn once, the same in both runs
for epoch in range(6):
    model.train()
    train_loss = 0.0
    for b in range(4):
        x = data[b * 16 : (b + 1) * 16]
        optimizer.zero_grad()
        recon, mu, logvar = model(x, eps=noise[epoch, b])
        loss, bce, kld = loss_function(recon, x, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
    print(f"epoch {epoch} loss {train_loss / len(data):.12f} bce {bce.item():.10f} kld {kld.item():.10f}")

# the KL term by torch.distributions, and the ELBO by log-densities
model.eval()
with torch.no_grad():
    mu, logvar = model.encode(data)
    std = (0.5 * logvar).exp()
q = Normal(mu, std)
prior = Normal(torch.zeros_like(mu), torch.ones_like(std))
kl = kl_divergence(q, prior).sum(-1)
closed = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(-1)
print(torch.allclose(kl, closed), f"{kl.mean().item():.12f}")
qz = Independent(q, 1)
print(qz.batch_shape, qz.event_shape, f"{qz.entropy().mean().item():.12f}")
z = mu + std * noise[0, 0, :1]
print(f"{(qz.log_prob(z) - Independent(prior, 1).log_prob(z)).mean().item():.12f}")
print(f"{q.cdf(mu + std).mean().item():.12f} {q.icdf(torch.full_like(mu, 0.975)).sub(mu).div(std).mean().item():.12f}")

# rsample carries the gradient to loc and scale: z = loc + scale * eps
loc = torch.tensor([0.5, -1.0], requires_grad=True)
scale = torch.tensor([1.5, 0.2], requires_grad=True)
sample = Normal(loc, scale).rsample((3,))
sample.sum().backward()
eps = (sample.detach() - loc.detach()) / scale.detach()
print(sample.shape, loc.grad.tolist(), torch.allclose(scale.grad, eps.sum(0)))
print(
    Normal(loc, scale).sample().requires_grad,
    Normal(0.0, 1.0).log_prob(torch.tensor(0.0)).item() == -0.5 * math.log(2 * math.pi),
)

# a full-covariance Gaussian: log_prob, entropy, KL, rsample
L = torch.tensor([[1.0, 0.0, 0.0], [0.5, 0.8, 0.0], [-0.3, 0.2, 0.6]], requires_grad=True)
m = torch.tensor([0.1, -0.2, 0.3], requires_grad=True)
cov = L @ L.T
mvn = MultivariateNormal(m, covariance_matrix=cov)
mvn_tril = MultivariateNormal(m, scale_tril=L)
points = torch.from_numpy(rng.normal(size=(5, 3)))
lp = mvn.log_prob(points)
print([f"{v:.12f}" for v in lp.tolist()], torch.allclose(lp, mvn_tril.log_prob(points)))
print(mvn.batch_shape, mvn.event_shape, f"{mvn.entropy().item():.12f}", torch.allclose(mvn.scale_tril, L))
other = MultivariateNormal(torch.zeros(3), torch.eye(3) * 2.0)
kl_mvn = kl_divergence(mvn, other)
(lp.sum() + kl_mvn + mvn.entropy()).backward()
print(f"{kl_mvn.item():.12f}", [f"{v:.10f}" for v in m.grad.tolist()], f"{L.grad.abs().sum().item():.10f}")
draws = mvn.rsample((4,))
print(draws.shape, draws.requires_grad, mvn.mean.tolist() == m.tolist(), [f"{v:.10f}" for v in mvn.variance.tolist()])
batch = MultivariateNormal(torch.zeros(2, 3), scale_tril=torch.eye(3).expand(2, 3, 3))
print(batch.batch_shape, batch.log_prob(torch.zeros(2, 3)).tolist()[0] == -1.5 * math.log(2 * math.pi))
diag = MultivariateNormal(torch.zeros(2), torch.diag(torch.tensor([1.0, 4.0])))
print(
    torch.allclose(
        diag.log_prob(torch.tensor([1.0, 2.0])),
        Normal(torch.zeros(2), torch.tensor([1.0, 2.0])).log_prob(torch.tensor([1.0, 2.0])).sum(),
    )
)

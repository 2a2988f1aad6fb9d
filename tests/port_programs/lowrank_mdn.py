# tolerance: 1e-8
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import (
    Categorical,
    Independent,
    LowRankMultivariateNormal,
    MixtureSameFamily,
    MultivariateNormal,
    Normal,
    kl_divergence,
)

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(0)

# probabilistic PCA / factor analysis: fit loc, W (6 x 2) and a diagonal noise by maximum likelihood
n, m = 6, 2
true_w = rng.normal(size=(n, m))
data = torch.from_numpy(rng.normal(size=(200, m)) @ true_w.T + 0.3 * rng.normal(size=(200, n)) + 1.0)
loc = nn.Parameter(torch.zeros(n))
cov_factor = nn.Parameter(torch.from_numpy(rng.normal(0, 0.1, (n, m))))
log_diag = nn.Parameter(torch.zeros(n))
optimizer = torch.optim.Adam([loc, cov_factor, log_diag], lr=0.05)
for step in range(60):
    dist = LowRankMultivariateNormal(loc, cov_factor, log_diag.exp())
    nll = -dist.log_prob(data).mean()
    optimizer.zero_grad()
    nll.backward()
    optimizer.step()
    if step % 15 == 0:
        print(f"step {step} nll {nll.item():.12e} |dW| {cov_factor.grad.norm().item():.12e}")
dist = LowRankMultivariateNormal(loc, cov_factor, log_diag.exp())
print(dist.batch_shape, dist.event_shape)
print(f"entropy {dist.entropy().item():.12e} noise {log_diag.exp().mean().item():.12e}")
sample_cov = torch.cov(data.T)
print(f"fit {(dist.covariance_matrix - sample_cov).abs().max().item():.10e}")
full = MultivariateNormal(dist.loc, covariance_matrix=dist.covariance_matrix)
print(f"{(full.log_prob(data) - dist.log_prob(data)).abs().max().item():.3e}")
print(f"{(dist.precision_matrix @ dist.covariance_matrix - torch.eye(n)).abs().max().item():.3e}")
print(f"kl to N(0, I) {kl_divergence(dist, MultivariateNormal(torch.zeros(n), torch.eye(n))).item():.12e}")
prior = LowRankMultivariateNormal(torch.zeros(n), torch.ones(n, 1) * 0.5, torch.ones(n))
print(f"kl low-rank pair {kl_divergence(dist, prior).item():.12e} {kl_divergence(prior, dist).item():.12e}")
print(dist.rsample((5,)).shape, dist.sample((2, 3)).shape)


# a mixture density network: p(y | x) is a mixture of K low-rank Gaussians in 3 dimensions
class MDN(nn.Module):
    def __init__(self, k=3, d=3, rank=1, hidden=16):
        super().__init__()
        self.k, self.d, self.rank = k, d, rank
        self.body = nn.Sequential(nn.Linear(1, hidden), nn.Tanh())
        self.logits = nn.Linear(hidden, k)
        self.mu = nn.Linear(hidden, k * d)
        self.factor = nn.Linear(hidden, k * d * rank)
        self.diag = nn.Linear(hidden, k * d)

    def forward(self, x):
        h = self.body(x)
        b = x.shape[0]
        mix = Categorical(logits=self.logits(h))
        comp = LowRankMultivariateNormal(
            self.mu(h).view(b, self.k, self.d),
            self.factor(h).view(b, self.k, self.d, self.rank),
            F.softplus(self.diag(h)).view(b, self.k, self.d) + 1e-3,
        )
        return MixtureSameFamily(mix, comp)


x = torch.from_numpy(rng.uniform(-1, 1, (64, 1)))
branch = torch.from_numpy(rng.integers(0, 2, (64, 1)))
y = torch.cat([torch.sin(3 * x) * (2 * branch - 1), x**2, x], dim=1) + 0.05 * torch.from_numpy(rng.normal(size=(64, 3)))
model = MDN()
with torch.no_grad():
    for p in model.parameters():
        p.copy_(torch.from_numpy(rng.normal(0, 0.5, tuple(p.shape))))
optimizer = torch.optim.Adam(model.parameters(), lr=0.02)


def closure():
    optimizer.zero_grad()
    nll = -model(x).log_prob(y).mean()
    nll.backward()
    return nll


for step in range(40):
    loss = optimizer.step(closure)
    if step % 10 == 0:
        print(f"mdn step {step} nll {loss.item():.12e}")
with torch.no_grad():
    dist = model(x[:4])
    print(dist.batch_shape, dist.event_shape, dist.component_distribution.batch_shape)
    print([f"{v:.10e}" for v in dist.mean.sum(1).tolist()])
    print([f"{v:.10e}" for v in dist.variance.sum(1).tolist()])
    print(f"{dist.mixture_distribution.probs.max().item():.10e}")

# the diagonal special case: a rank-0 factor is Independent(Normal)
zero_rank = LowRankMultivariateNormal(torch.zeros(3), torch.zeros(3, 1), torch.tensor([0.5, 1.0, 2.0]))
diagonal = Independent(Normal(torch.zeros(3), torch.tensor([0.5, 1.0, 2.0]).sqrt()), 1)
point = torch.tensor([0.3, -0.2, 1.5])
print(f"{zero_rank.log_prob(point).item():.12e} {diagonal.log_prob(point).item():.12e}")
print(f"{zero_rank.entropy().item():.12e} {0.5 * 3 * (1 + math.log(2 * math.pi)):.6f}")

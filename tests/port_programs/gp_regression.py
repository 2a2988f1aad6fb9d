# tolerance: 1e-8
import math

import numpy as np
import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(2)
X = torch.tensor(np.sort(rng.uniform(-3, 3, size=(20, 1)), axis=0))
y = torch.sin(X).squeeze(-1) + 0.1 * torch.tensor(rng.normal(size=20))
X_test = torch.linspace(-3, 3, 7).unsqueeze(-1)


class GP(nn.Module):
    def __init__(self):
        super().__init__()
        self.log_lengthscale = nn.Parameter(torch.tensor(0.0))
        self.log_variance = nn.Parameter(torch.tensor(0.0))
        self.log_noise = nn.Parameter(torch.tensor(-1.0))

    def kernel(self, a, b):
        d2 = torch.cdist(a, b).pow(2)
        return self.log_variance.exp() * torch.exp(-0.5 * d2 / self.log_lengthscale.exp() ** 2)

    def nll(self, X, y):
        n = X.shape[0]
        K = self.kernel(X, X) + (self.log_noise.exp() + 1e-6) * torch.eye(n)
        L = torch.linalg.cholesky(K)
        alpha = torch.cholesky_solve(y.unsqueeze(-1), L)
        return (
            0.5 * (y.unsqueeze(0) @ alpha).squeeze()
            + torch.log(torch.diagonal(L)).sum()
            + 0.5 * n * math.log(2 * math.pi)
        )

    def predict(self, X, y, Xs):
        K = self.kernel(X, X) + (self.log_noise.exp() + 1e-6) * torch.eye(X.shape[0])
        Ks = self.kernel(X, Xs)
        L = torch.linalg.cholesky(K)
        alpha = torch.cholesky_solve(y.unsqueeze(-1), L)
        mean = (Ks.T @ alpha).squeeze(-1)
        v = torch.linalg.solve_triangular(L, Ks, upper=False)
        var = self.kernel(Xs, Xs).diagonal() - (v * v).sum(0)
        return mean, var


gp = GP()
optimizer = torch.optim.Adam(gp.parameters(), lr=0.1)
for step in range(15):
    optimizer.zero_grad()
    loss = gp.nll(X, y)
    loss.backward()
    optimizer.step()
    if step % 3 == 0:
        print(step, round(loss.item(), 9), [round(p.item(), 9) for p in gp.parameters()])
with torch.no_grad():
    mean, var = gp.predict(X, y, X_test)
print([round(v, 8) for v in mean.tolist()], [round(v, 8) for v in var.clamp_min(0).sqrt().tolist()])

lbfgs = torch.optim.LBFGS(gp.parameters(), lr=0.5, max_iter=10, line_search_fn="strong_wolfe")


def closure():
    lbfgs.zero_grad()
    loss = gp.nll(X, y)
    loss.backward()
    return loss


for _ in range(2):
    print(round(lbfgs.step(closure).item(), 8))
K = gp.kernel(X, X).detach() + torch.eye(20) * gp.log_noise.exp().item()
sign, logdet = torch.linalg.slogdet(K)
print(sign.item(), round(logdet.item(), 8), round(torch.logdet(K).item(), 8))
evals = torch.linalg.eigvalsh(K)
print(round(evals.min().item(), 8), round(evals.max().item(), 8), round(torch.linalg.cond(K).item(), 4))

# tolerance: 1e-8
import numpy as np
import torch
from torch.distributions import (
    CatTransform,
    ExpTransform,
    FisherSnedecor,
    GeneralizedPareto,
    Kumaraswamy,
    LKJCholesky,
    LogisticNormal,
    ReshapeTransform,
    SigmoidTransform,
    StackTransform,
    Wishart,
)

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(0)


def fit(params, loss_fn, steps, lr, every):
    opt = torch.optim.Adam(params, lr=lr)
    for step in range(steps):
        opt.zero_grad()
        loss = loss_fn()
        loss.backward()
        opt.step()
        if step % every == 0:
            print(f"  step {step:3d} loss {loss.item():.10f}")
    return loss_fn()


# peaks over threshold: exceedances of a Student-t sample fitted by a generalized Pareto
sample = rng.standard_t(4, size=4000)
threshold = float(np.quantile(sample, 0.9))
excess = torch.from_numpy(sample[sample > threshold] - threshold)
log_scale = torch.zeros((), requires_grad=True)
xi = torch.tensor(0.1, requires_grad=True)
print("generalized Pareto, peaks over", round(threshold, 6), "of", len(excess))
fit([log_scale, xi], lambda: -GeneralizedPareto(0.0, log_scale.exp(), xi).log_prob(excess).mean(), 200, 0.05, 50)
gpd = GeneralizedPareto(torch.tensor(0.0), log_scale.exp().detach(), xi.detach())
print(gpd)
print(f"scale {gpd.scale.item():.8f} xi {gpd.concentration.item():.8f} mean {gpd.mean.item():.8f}")
print("99% quantile", f"{(gpd.icdf(torch.tensor(0.99)) + threshold).item():.8f}")
print("cdf", gpd.cdf(excess[:4]), "entropy", f"{gpd.entropy().item():.8f}")

# a Kumaraswamy fitted to Beta(2, 5) data by maximum likelihood
x = torch.from_numpy(rng.beta(2.0, 5.0, size=500))
log_ab = torch.zeros(2, requires_grad=True)
print("Kumaraswamy")
fit([log_ab], lambda: -Kumaraswamy(*log_ab.exp()).log_prob(x).mean(), 300, 0.05, 100)
k = Kumaraswamy(*log_ab.detach().exp())
print(k)
print(f"a {k.concentration1.item():.8f} b {k.concentration0.item():.8f}")
print(f"mean {k.mean.item():.8f} var {k.variance.item():.8f} entropy {k.entropy().item():.8f}")
print(f"median {k.icdf(torch.tensor(0.5)).item():.8f} vs data {x.median().item():.8f}")

# the degrees of freedom of F-distributed variance ratios
ratios = torch.from_numpy(rng.f(5.0, 12.0, size=2000))
log_df = torch.tensor([1.0, 1.5], requires_grad=True)
print("FisherSnedecor")
fit([log_df], lambda: -FisherSnedecor(*log_df.exp()).log_prob(ratios).mean(), 300, 0.05, 100)
f = FisherSnedecor(*log_df.detach().exp())
print(f, f"mean {f.mean.item():.8f} var {f.variance.item():.8f} mode {f.mode.item():.8f}")

# compositions on the 3-simplex fitted by a logistic normal
parts = torch.from_numpy(rng.dirichlet([4.0, 2.0, 3.0], size=300))
loc = torch.zeros(2, requires_grad=True)
log_sd = torch.zeros(2, requires_grad=True)
print("LogisticNormal")
fit([loc, log_sd], lambda: -LogisticNormal(loc, log_sd.exp()).log_prob(parts).mean(), 300, 0.05, 100)
ln = LogisticNormal(loc.detach(), log_sd.detach().exp())
print(ln, ln.base_dist, ln.support, ln.batch_shape, ln.event_shape)
print("loc", ln.loc, "scale", ln.scale)

# a covariance by maximum a posteriori: the scatter matrix's Wishart likelihood and an LKJ prior
# on the correlations' Cholesky factor (rows of the covariance's factor made unit length)
data = rng.multivariate_normal([0, 0, 0], [[2.0, 0.8, 0.0], [0.8, 1.0, 0.3], [0.0, 0.3, 0.5]], size=40)
scatter = torch.from_numpy(data.T @ data)
raw = torch.zeros(3, 3, requires_grad=True)
prior = LKJCholesky(3, 2.0)


def factor():
    return raw.tril(-1) + torch.diag_embed(raw.diagonal().exp())


def negative_log_posterior():
    lower = factor()
    likelihood = Wishart(torch.tensor(40.0), scale_tril=lower).log_prob(scatter)
    return -(likelihood + prior.log_prob(lower / lower.norm(dim=-1, keepdim=True))) / 40


print("Wishart and LKJCholesky")
fit([raw], negative_log_posterior, 400, 0.05, 100)
w = Wishart(torch.tensor(40.0), scale_tril=factor().detach())
print(w, prior)
print("covariance", w.covariance_matrix, "sample", scatter / 40)
print(f"entropy {w.entropy().item():.8f}", "mode", w.mode, "variance", w.variance)

# transforms that split and reshape a parameter vector
cat = CatTransform([ExpTransform(), SigmoidTransform()], dim=-1, lengths=[2, 2])
stack = StackTransform([ExpTransform(), SigmoidTransform()], dim=0)
reshape = ReshapeTransform((4,), (2, 2))
v = torch.tensor([[0.5, -1.0, 2.0, 0.0], [1.0, 0.0, -0.5, 3.0]], requires_grad=True)
y = reshape(cat(v))
print(cat, stack, reshape, y.shape, y.detach())
print(cat.log_abs_det_jacobian(v, cat(v)).sum(-1).detach(), stack.log_abs_det_jacobian(v, stack(v)).detach())
print("grad", torch.autograd.grad(y.sum() + stack(v).sum(), v)[0])
print("inverse", cat.inv(reshape.inv(y)).detach())

# tolerance: 1e-6
import math

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Beta, Gamma, Normal, Poisson, Uniform, VonMises, constraints, kl_divergence

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(0)


def load(module):
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.from_numpy(rng.uniform(-0.5, 0.5, tuple(p.shape))))


# a language model with an orthogonal recurrence and an adaptive softmax over 12 words
class OrthoLM(nn.Module):
    def __init__(self, vocab=12, hidden=6):
        super().__init__()
        self.embed = nn.Embedding(vocab, hidden)
        self.recur = nn.Linear(hidden, hidden, bias=False)
        self.out = nn.AdaptiveLogSoftmaxWithLoss(hidden, vocab, cutoffs=[4, 8], div_value=2.0)

    def forward(self, tokens, targets):
        h = torch.zeros(tokens.shape[0], self.recur.in_features)
        losses = []
        for t in range(tokens.shape[1]):
            h = torch.tanh(self.embed(tokens[:, t]) + self.recur(h))
            losses.append(self.out(h, targets[:, t]).loss)
        return torch.stack(losses).mean()


model = OrthoLM()
load(model)
nn.utils.parametrizations.orthogonal(model.recur)  # square: matrix_exp around the QR factor of the weight
print(sorted(name for name, _ in model.named_parameters()))
tokens = torch.from_numpy(rng.integers(0, 12, (5, 7)))
targets = torch.roll(tokens, -1, dims=1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
for step in range(8):
    optimizer.zero_grad()
    loss = model(tokens, targets)
    loss.backward()
    optimizer.step()
    if step % 3 == 0:
        print(f"step {step} loss {loss.item():.10f}")
w = model.recur.weight
print("orthogonal:", torch.allclose(w.T @ w, torch.eye(6), atol=1e-10))
with torch.no_grad():
    h = torch.tanh(model.embed(tokens[:, 0]))
    print("predict", model.out.predict(h).tolist())
    print("log_prob row sums", [f"{v:.10f}" for v in model.out.log_prob(h).exp().sum(1).tolist()])

# a gradient penalty through the orthogonal map: a second derivative
x = torch.from_numpy(rng.normal(size=(3, 6))).requires_grad_()
(gx,) = torch.autograd.grad(model.recur(x).pow(3).sum(), x, create_graph=True)
gx.pow(2).sum().backward()
print(f"penalty grad {model.recur.parametrizations.weight.original.grad.norm().item():.10f}")

# wind directions: a von Mises likelihood fitted by gradient descent (PyTorch's Bessel functions are
# polynomial fits good to about 1e-7: the fitted numbers agree to that, not to rounding)
angles = torch.from_numpy(np.mod(rng.vonmises(1.0, 4.0, 200) + math.pi, 2 * math.pi) - math.pi)
loc = torch.zeros((), requires_grad=True)
log_k = torch.zeros((), requires_grad=True)
opt = torch.optim.Adam([loc, log_k], lr=0.1)
for step in range(60):
    opt.zero_grad()
    nll = -VonMises(loc, log_k.exp()).log_prob(angles).mean()
    nll.backward()
    opt.step()
fitted = VonMises(loc, log_k.exp())
print(f"loc {loc.item():.8f} concentration {log_k.exp().item():.8f} nll {nll.item():.8f}")
print(f"circular variance {fitted.variance.item():.10f}")

# the sets parameters and values live in
for d in (Gamma(torch.tensor(2.0), torch.tensor(1.0)), Beta(torch.tensor(2.0), torch.tensor(3.0)), fitted):
    print(type(d).__name__, d.support, d.arg_constraints, d.has_rsample)
print(constraints.simplex.check(torch.tensor([[0.2, 0.8], [0.5, 0.6]])))
print(Uniform(torch.tensor(0.0), torch.tensor(2.0)).support.check(torch.tensor([-1.0, 1.0, 3.0])))
try:
    Gamma(torch.tensor(-1.0), torch.tensor(1.0))
except ValueError:
    print("a negative concentration is refused")

# closed-form KL divergences beyond two Normals
pairs = [
    (Uniform(torch.tensor(-0.5), torch.tensor(1.0)), Normal(torch.tensor(0.3), torch.tensor(0.8))),
    (Poisson(torch.tensor(2.5)), Poisson(torch.tensor(4.0))),
    (Normal(torch.tensor(0.0), torch.tensor(1.0)), Uniform(torch.tensor(0.0), torch.tensor(1.0))),
]
for p, q in pairs:
    print(type(p).__name__, type(q).__name__, f"{kl_divergence(p, q).item():.10f}")

# a 3-d decoder: ConvTranspose3d to the size of a skip connection
up = nn.ConvTranspose3d(2, 3, kernel_size=2, stride=2)
load(up)
volume = torch.from_numpy(rng.normal(size=(1, 2, 2, 3, 2)))
out = up(volume, output_size=(5, 6, 5))
print(out.shape, f"{out.sum().item():.10f} {out.std().item():.10f}")

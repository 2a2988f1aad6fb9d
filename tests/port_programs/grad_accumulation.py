# tolerance: 1e-10
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
r = np.random.default_rng(0)
X = torch.from_numpy(r.normal(size=(64, 10)))
y = torch.from_numpy(r.integers(0, 4, 64))
weights = {
    k: r.normal(0, 0.3, s)
    for k, s in [("0.weight", (32, 10)), ("0.bias", (32,)), ("3.weight", (4, 32)), ("3.bias", (4,))]
}


def make():
    model = nn.Sequential(nn.Linear(10, 32), nn.LayerNorm(32, elementwise_affine=False), nn.SiLU(), nn.Linear(32, 4))
    model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
    return model


def run(micro_batch, accumulation_steps, epochs=2):
    model = make()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)
    total_steps = epochs * 64 // (micro_batch * accumulation_steps)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=0.5, total_steps=total_steps, pct_start=0.3)
    history = []
    optimizer.zero_grad()
    for epoch in range(epochs):
        for i, start in enumerate(range(0, 64, micro_batch)):
            xb, yb = X[start : start + micro_batch], y[start : start + micro_batch]
            loss = F.cross_entropy(model(xb), yb, label_smoothing=0.1) / accumulation_steps
            loss.backward()
            if (i + 1) % accumulation_steps == 0:
                norm = nn.utils.clip_grad_norm_(model.parameters(), 1.0, error_if_nonfinite=True)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad()
                history.append((norm.item(), scheduler.get_last_lr()[0]))
    return model, history


full, h_full = run(16, 1)
accum, h_accum = run(4, 4)
print(len(h_full), len(h_accum))
print(max(abs(a[0] - b[0]) for a, b in zip(h_full, h_accum)) < 1e-12, [f"{n:.12f}" for n, _ in h_full[:4]])
print([f"{lr:.10f}" for _, lr in h_full])
print(all(torch.allclose(p, q, atol=1e-12) for p, q in zip(full.parameters(), accum.parameters())))
print(f"{full[3].weight.sum().item():.12f} {accum[0].bias.norm().item():.12f}")

# gradients by autograd.grad, with retain_graph, retain_grad and a second-order term
model = make()
out = model(X[:8])
hidden = model[0](X[:8])
hidden.retain_grad()
loss = F.cross_entropy(model[3](model[2](model[1](hidden))), y[:8])
(g_w,) = torch.autograd.grad(loss, model[3].weight, retain_graph=True, create_graph=True)
penalty = g_w.pow(2).sum()
(loss + 0.1 * penalty).backward()
print(
    f"{loss.item():.12f} {penalty.item():.12f} {hidden.grad.abs().sum().item():.12f} {model[0].weight.grad.norm().item():.12f}"
)

# no_grad, inference_mode, set_grad_enabled, the decorator form
with torch.no_grad():
    a = model(X)
with torch.inference_mode():
    b = model(X)
with torch.set_grad_enabled(False):
    c = model(X)


@torch.no_grad()
def predict(m, x):
    return m(x).argmax(1)


print(a.requires_grad, b.requires_grad, c.requires_grad, torch.is_grad_enabled(), predict(model, X[:10]).tolist())
print(torch.equal(a, b), f"{(predict(model, X) == y).double().mean().item():.6f}")

# a full backward hook sees the gradients with respect to a module's output and input
seen = []
handle = model[3].register_full_backward_hook(
    lambda m, gin, gout: seen.append((gin[0].norm().item(), gout[0].norm().item()))
)
model.zero_grad()
F.cross_entropy(model(X[:8]), y[:8]).backward()
handle.remove()
print([f"{v:.12f}" for v in seen[0]])

# freezing the whole model, then unfreezing the head: only the head gets gradients
model.requires_grad_(False)
model[3].requires_grad_(True)
model.zero_grad(set_to_none=True)
F.cross_entropy(model(X[:8]), y[:8]).backward()
print([p.grad is None for p in model.parameters()])

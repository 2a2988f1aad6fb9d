# Gradient descent by hand, as in a first autograd notebook: leaf tensors with requires_grad,
# a loss written from operators, backward, the update under torch.no_grad() with in-place
# operators, .grad.zero_() (and the accumulation when it is forgotten), .detach(), .item(),
# requires_grad_ toggles, torch.autograd.grad for a second derivative, and the printouts of
# shapes, dtypes, grad_fn and is_leaf on the way
import numpy as np
import torch

rng = np.random.default_rng(7)
x = torch.linspace(-2, 2, 21)
y = 3.0 * x**2 - 2.0 * x + 0.5 + torch.tensor(rng.normal(0, 0.1, 21), dtype=torch.float32)
print(x.shape, x.dtype, x[:3], y.size())

a = torch.tensor(0.1, requires_grad=True)
b = torch.zeros(1, requires_grad=True)
c = torch.tensor([0.0], requires_grad=True)
print(a, b, a.is_leaf, a.grad, a.requires_grad)

lr = 0.02
for step in range(200):
    pred = a * x**2 + b * x + c
    loss = ((pred - y) ** 2).mean()
    if step == 0:
        print(pred.grad_fn is not None, pred.is_leaf, loss.shape, loss.ndim)
    loss.backward()
    with torch.no_grad():
        a -= lr * a.grad
        b -= lr * b.grad
        c.sub_(lr * c.grad)
    a.grad.zero_()
    b.grad.zero_()
    c.grad = None
    if step % 40 == 0:
        print(f"step {step:3d}: loss={loss.item():.6f} a={a.item():.4f} b={b.item():.4f} c={c.item():.4f}")

print("fitted", [round(t.item(), 3) for t in (a, b, c)], a.grad, c.grad)

# forgetting zero_(): gradients add up
w = torch.tensor([1.0, -1.0], requires_grad=True)
for i in range(3):
    (w**2).sum().backward()
    print("accumulated", w.grad)
w.grad.zero_()
print(w.grad, w.grad.shape)

# detach and requires_grad_
frozen = a.detach()
print(frozen.requires_grad, frozen.is_leaf, frozen.grad_fn)
c.requires_grad_(False)
pred = a * x**2 + b * x + c
print(pred.requires_grad, c.requires_grad)

# a second derivative with torch.autograd.grad
t = torch.tensor(1.5, requires_grad=True)
f = t**3 - 2 * t
(df,) = torch.autograd.grad(f, t, create_graph=True)
(d2f,) = torch.autograd.grad(df, t)
print(df, d2f, df.item() == 3 * 1.5**2 - 2)

with torch.no_grad():
    z = a * 2
print(z.requires_grad, torch.is_grad_enabled())
residual = (a * x**2 + b * x + c - y).detach()
print(residual.abs().max() < 0.5, residual.std().item() < 0.2, torch.round(residual[:4], decimals=2))
print(torch.stack([a.detach(), b.detach()[0], c[0]]))

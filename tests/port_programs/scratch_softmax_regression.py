# tolerance: 1e-9
import math

import numpy as np
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(8)

# three Gaussian blobs in 2-D, softmax regression written from scratch
centers = np.array([[0.0, 2.0], [2.0, -1.0], [-2.0, -1.0]])
labels_np = rng.integers(0, 3, 150)
X = torch.tensor(centers[labels_np] + rng.normal(0, 0.8, (150, 2)))
y = torch.tensor(labels_np)
X_mean, X_std = X.mean(0, keepdim=True), X.std(0, keepdim=True)
X = (X - X_mean) / X_std
print(X.shape, [f"{v:.10f}" for v in X_mean.squeeze().tolist()])

W = torch.tensor(rng.normal(0, 0.01, (2, 3)), requires_grad=True)
b = torch.zeros(3, requires_grad=True)


def softmax(z):
    z = z - z.max(dim=1, keepdim=True).values
    e = torch.exp(z)
    return e / e.sum(dim=1, keepdim=True)


def cross_entropy(p, y):
    return -torch.log(p[range(len(y)), y]).mean()


lr = 0.5
for epoch in range(40):
    for start in range(0, 150, 50):
        xb, yb = X[start : start + 50], y[start : start + 50]
        loss = cross_entropy(softmax(xb @ W + b), yb)
        loss.backward()
        with torch.no_grad():
            W -= lr * W.grad
            b -= lr * b.grad
            W.grad.zero_()
            b.grad.zero_()
    if epoch % 10 == 9:
        with torch.no_grad():
            full = cross_entropy(softmax(X @ W + b), y)
            acc = (torch.argmax(X @ W + b, dim=1) == y).float().mean()
        print(f"epoch {epoch + 1} loss {full.item():.10f} acc {acc.item():.4f}")
print(W.requires_grad, W.is_leaf, W.grad.abs().sum().item(), [f"{v:.10f}" for v in b.tolist()])

# the same model with the built-in pieces agrees
logits = X @ W + b
print(math.isclose(cross_entropy(softmax(logits), y).item(), F.cross_entropy(logits, y).item(), rel_tol=1e-12))
print(
    torch.allclose(softmax(logits), torch.softmax(logits, 1)),
    torch.allclose(torch.log_softmax(logits, 1), logits - logits.logsumexp(1, keepdim=True)),
)

# a perceptron on two of the classes, with .data updates and sign
mask = y < 2
Xb, t = X[mask], (y[mask] * 2 - 1).double()
w = torch.zeros(2)
bias = torch.zeros(())
mistakes = []
for epoch in range(5):
    errors = 0
    for xi, ti in zip(Xb, t):
        if torch.sign(xi @ w + bias) != ti:
            w += ti * xi
            bias += ti
            errors += 1
    mistakes.append(errors)
print(mistakes, [f"{v:.10f}" for v in w.tolist()], f"{bias.item():.1f}")

# closed-form least squares and ridge regression on the raw features
A = torch.cat([X, torch.ones(len(X), 1)], dim=1)
target = F.one_hot(y, 3).double()
ls = torch.linalg.lstsq(A, target).solution
ridge = torch.linalg.solve(A.T @ A + 0.1 * torch.eye(3), A.T @ target)
pinv = torch.linalg.pinv(A) @ target
print(torch.allclose(ls, pinv), f"{(ls - ridge).abs().max().item():.10f}", ((A @ ls).argmax(1) == y).sum().item())


# a second-order step on the logistic loss of the two classes: Newton with autograd.functional
def logistic_loss(theta):
    z = Xb @ theta[:2] + theta[2]
    return F.softplus(-t * z).mean()


theta = torch.zeros(3)
for it in range(4):
    g = torch.autograd.functional.jacobian(logistic_loss, theta)
    H = torch.autograd.functional.hessian(logistic_loss, theta)
    theta = theta - torch.linalg.solve(H + 1e-3 * torch.eye(3), g)
    print(f"newton {it} loss {logistic_loss(theta).item():.12f} |g| {g.norm().item():.10f}")

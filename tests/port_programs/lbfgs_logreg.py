# tolerance: 1e-8
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(5)
X = torch.from_numpy(rng.normal(size=(60, 3)))
true_w = torch.tensor([1.5, -2.0, 0.5])
y = (X @ true_w + 0.3 + torch.from_numpy(rng.normal(0, 0.5, 60)) > 0).double()


class LogisticRegression(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.linear = nn.Linear(n, 1)

    def forward(self, x):
        return torch.sigmoid(self.linear(x)).squeeze(-1)


for line_search in (None, "strong_wolfe"):
    model = LogisticRegression(3)
    with torch.no_grad():
        model.linear.weight.fill_(0.1)
        model.linear.bias.zero_()
    optimizer = torch.optim.LBFGS(model.parameters(), lr=1, max_iter=20, history_size=5, line_search_fn=line_search)
    criterion = nn.BCELoss()
    calls = []

    def closure():
        optimizer.zero_grad()
        loss = criterion(model(X), y) + 1e-3 * model.linear.weight.pow(2).sum()
        loss.backward()
        calls.append(loss.item())
        return loss

    for epoch in range(3):
        loss = optimizer.step(closure)
        print(f"{line_search} epoch {epoch} loss {loss.item():.12f} evals {len(calls)}")
    print([f"{v:.10f}" for v in model.linear.weight.detach().flatten().tolist()], f"{model.linear.bias.item():.10f}")
    state = optimizer.state[optimizer.param_groups[0]["params"][0]]
    print(state["func_evals"], state["n_iter"], len(state["old_dirs"]), f"{state['d'].norm().item():.6e}")
    with torch.no_grad():
        acc = ((model(X) > 0.5).double() == y).double().mean()
    print(f"accuracy {acc.item():.4f}")

# a least-squares fit with a tensor as the parameter, the closure returning a float tensor
w = torch.zeros(3, requires_grad=True)
opt = torch.optim.LBFGS([w], lr=0.5, max_iter=4, tolerance_grad=1e-12, tolerance_change=1e-14)
target = torch.tensor([1.0, 2.0, 3.0])


def closure2():
    opt.zero_grad()
    loss = ((X @ w - X @ target) ** 2).mean() + (w**4).sum() * 1e-3
    loss.backward()
    return loss


for i in range(4):
    print(f"{opt.step(closure2).item():.12e}", [f"{v:.10f}" for v in w.tolist()])

# multinomial logistic regression with weight_decay on the weights only
Xc = torch.from_numpy(rng.normal(size=(40, 4)))
yc = torch.from_numpy(rng.integers(0, 3, 40))
clf = nn.Linear(4, 3)
with torch.no_grad():
    clf.weight.copy_(torch.from_numpy(rng.normal(0, 0.1, (3, 4))))
    clf.bias.zero_()
opt = torch.optim.LBFGS(clf.parameters(), line_search_fn="strong_wolfe", max_iter=50)


def closure3():
    opt.zero_grad()
    loss = F.cross_entropy(clf(Xc), yc) + 0.01 * clf.weight.norm() ** 2
    loss.backward()
    return loss


opt.step(closure3)
print(f"{closure3().item():.10f} {clf.weight.grad.abs().max().item() < 1e-4}")

# the Rosenbrock valley: the line search brackets and zooms
for start in ([-1.5, 2.0], [1.2, 1.2]):
    xy = torch.tensor(start, requires_grad=True)
    opt = torch.optim.LBFGS([xy], lr=1, max_iter=8, line_search_fn="strong_wolfe")
    evals = [0]

    def rosenbrock():
        opt.zero_grad()
        loss = (1 - xy[0]) ** 2 + 100 * (xy[1] - xy[0] ** 2) ** 2
        loss.backward()
        evals[0] += 1
        return loss

    for i in range(3):
        opt.step(rosenbrock)
        print(f"{rosenbrock().item():.10e}", evals[0], [f"{v:.10f}" for v in xy.tolist()])

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.autograd import Function, grad
from torch.autograd.functional import hessian, jacobian


class MyReLU(Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input**3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        (input,) = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input**2 - 1)


class ScaleBy(Function):
    @staticmethod
    def forward(ctx, x, factor, name):
        ctx.factor = factor
        ctx.mark_non_differentiable
        return x * factor

    @staticmethod
    def backward(ctx, g):
        if ctx.needs_input_grad[0]:
            return g * ctx.factor, None, None
        return None, None, None


class Swish(nn.Module):
    def __init__(self, beta=1.0):
        super().__init__()
        self.beta = nn.Parameter(torch.tensor(beta))

    def forward(self, x):
        return x * torch.sigmoid(self.beta * x)


dtype = torch.float
x = torch.linspace(-np.pi, np.pi, 200, dtype=dtype)
y = torch.sin(x)
a = torch.full((), 0.0, dtype=dtype, requires_grad=True)
b = torch.full((), -1.0, dtype=dtype, requires_grad=True)
c = torch.full((), 0.0, dtype=dtype, requires_grad=True)
d = torch.full((), 0.3, dtype=dtype, requires_grad=True)
learning_rate = 5e-6
for t in range(300):
    P3 = LegendrePolynomial3.apply
    y_pred = a + b * P3(c + d * x)
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, loss.item())
    loss.backward()
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None
print(f"Result: y = {a.item()} + {b.item()} * P3({c.item()} + {d.item()} x)")

z = torch.tensor([-1.0, 0.5, 2.0], requires_grad=True)
MyReLU.apply(z).sum().backward()
print(z.grad)
w = torch.tensor([1.0, 2.0], requires_grad=True)
ScaleBy.apply(w, 3.0, "s").sum().backward()
print(w.grad)
print(torch.autograd.gradcheck(LegendrePolynomial3.apply, (torch.randn(4, dtype=torch.double, requires_grad=True),)))


# regression with a custom module
class Regressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin1 = nn.Linear(1, 8)
        self.act = Swish()
        self.lin2 = nn.Linear(8, 1)

    def forward(self, x):
        return self.lin2(self.act(self.lin1(x)))


reg = Regressor()
r = np.random.default_rng(0)
reg.load_state_dict(
    {k: torch.tensor(r.uniform(-0.5, 0.5, tuple(v.shape)), dtype=torch.float32) for k, v in reg.state_dict().items()}
)
X = torch.linspace(-2, 2, 50).unsqueeze(1)
Y = X**3 - X
opt = torch.optim.LBFGS(reg.parameters(), lr=0.5, max_iter=5)


def closure():
    opt.zero_grad()
    l = F.mse_loss(reg(X), Y)
    l.backward()
    return l


for i in range(3):
    l = opt.step(closure)
    print(f"lbfgs {i} {l.item():.5f} beta={reg.act.beta.item():.5f}")

# gradient penalty (WGAN-GP)
critic = nn.Sequential(nn.Linear(3, 8), nn.LeakyReLU(0.2), nn.Linear(8, 1))
critic.load_state_dict(
    {k: torch.tensor(r.uniform(-0.5, 0.5, tuple(v.shape)), dtype=torch.float32) for k, v in critic.state_dict().items()}
)
real = torch.tensor(r.normal(size=(4, 3)), dtype=torch.float32)
fake = torch.tensor(r.normal(size=(4, 3)), dtype=torch.float32)
alpha = torch.tensor(r.uniform(size=(4, 1)), dtype=torch.float32)
interp = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
d_interp = critic(interp)
gradients = torch.autograd.grad(
    outputs=d_interp,
    inputs=interp,
    grad_outputs=torch.ones_like(d_interp),
    create_graph=True,
    retain_graph=True,
    only_inputs=True,
)[0]
gradients = gradients.view(gradients.size(0), -1)
gp = ((gradients.norm(2, dim=1) - 1) ** 2).mean()
gp.backward()
print(f"gp {gp.item():.6f}", critic[0].weight.grad.sum().item())

# higher order
x = torch.tensor(1.5, requires_grad=True)
y = x**4 + torch.sin(x)
(dy,) = grad(y, x, create_graph=True)
(d2y,) = grad(dy, x, create_graph=True)
(d3y,) = grad(d2y, x)
print(dy.item(), d2y.item(), d3y.item())


def f(v):
    return (v**2).sum() * v.prod()


v = torch.tensor([1.0, 2.0, 3.0])
print(jacobian(lambda v: v**2 + v.sum(), v))
print(hessian(f, v))
xx = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
out = (xx**3).sum()
(g,) = torch.autograd.grad(out, xx, create_graph=True)
hvp = torch.autograd.grad(g, xx, grad_outputs=torch.ones_like(g))[0]
print(hvp)
# backward twice with retain_graph
q = torch.tensor([2.0], requires_grad=True)
r2 = q * q
r2.backward(retain_graph=True)
r2.backward()
print(q.grad)
print(q.grad.requires_grad, q.is_leaf, r2.is_leaf, r2.requires_grad)

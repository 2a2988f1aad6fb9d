import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim import Optimizer


class MomentumSGD(Optimizer):
    def __init__(self, params, lr=1e-2, momentum=0.9, weight_decay=0.0):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        defaults = dict(lr=lr, momentum=momentum, weight_decay=weight_decay)
        super().__init__(params, defaults)

    def __setstate__(self, state):
        super().__setstate__(state)

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                d_p = p.grad
                if group["weight_decay"] != 0:
                    d_p = d_p.add(p, alpha=group["weight_decay"])
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    state["momentum_buffer"] = torch.clone(d_p).detach()
                else:
                    state["momentum_buffer"].mul_(group["momentum"]).add_(d_p)
                state["step"] += 1
                p.add_(state["momentum_buffer"], alpha=-group["lr"])
        return loss


class AdamLike(torch.optim.Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps})

    def step(self, closure=None):
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                g = p.grad.data
                st = self.state[p]
                if not st:
                    st["t"] = 0
                    st["m"] = torch.zeros_like(p.data)
                    st["v"] = torch.zeros_like(p.data, memory_format=torch.preserve_format)
                st["t"] += 1
                st["m"].mul_(beta1).add_(g, alpha=1 - beta1)
                st["v"].mul_(beta2).addcmul_(g, g, value=1 - beta2)
                mhat = st["m"] / (1 - beta1 ** st["t"])
                vhat = st["v"] / (1 - beta2 ** st["t"])
                p.data.addcdiv_(mhat, vhat.sqrt().add_(group["eps"]), value=-group["lr"])


def make():
    m = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    r = np.random.default_rng(0)
    m.load_state_dict(
        {k: torch.tensor(r.uniform(-0.5, 0.5, tuple(v.shape)), dtype=torch.float32) for k, v in m.state_dict().items()}
    )
    return m


X = torch.tensor(np.linspace(-1, 1, 40).reshape(10, 4), dtype=torch.float32)
Y = torch.sin(X.sum(1, keepdim=True))
for Opt, kw in [(MomentumSGD, dict(lr=0.05, weight_decay=1e-3)), (AdamLike, dict(lr=0.01))]:
    m = make()
    opt = Opt(m.parameters(), **kw)
    sched = torch.optim.lr_scheduler.StepLR(opt, 3, 0.5)
    for i in range(8):

        def closure():
            opt.zero_grad()
            loss = F.mse_loss(m(X), Y)
            loss.backward()
            return loss

        loss = closure()
        opt.step()
        sched.step()
    print(Opt.__name__, f"{loss.item():.6f}", opt.param_groups[0]["lr"], len(opt.state), opt.defaults)
    print(list(opt.state[m[0].weight].keys()))
    sd = opt.state_dict()
    print(list(sd["state"][0].keys()), sd["param_groups"][0]["params"])
    opt2 = Opt(make().parameters(), **kw)
    opt2.load_state_dict(sd)
    print(opt2.param_groups[0]["lr"])
    print(MomentumSGD(m.parameters()).step(closure).item() > 0)
    opt.add_param_group({"params": [nn.Parameter(torch.zeros(2))], "lr": 0.5})
    print(
        len(opt.param_groups),
        opt.param_groups[1]["momentum"] if "momentum" in opt.defaults else opt.param_groups[1]["betas"],
    )
m = make()
opt = MomentumSGD(m.parameters(), lr=0.05)
for _ in range(2):
    opt.zero_grad()
    F.mse_loss(m(X), Y).backward()
    opt.step()
torch.save({"model": m.state_dict(), "opt": opt.state_dict(), "epoch": 2}, "SAVE_DIR/custom_opt.pt")
ck = torch.load("SAVE_DIR/custom_opt.pt")
m2 = make()
m2.load_state_dict(ck["model"])
opt2 = MomentumSGD(m2.parameters(), lr=0.01)
opt2.load_state_dict(ck["opt"])
print(opt2.param_groups[0]["lr"], opt2.state[m2[0].weight]["step"], type(opt2.state[m2[0].weight]["step"]).__name__)
for mm, oo in ((m, opt), (m2, opt2)):
    oo.zero_grad()
    F.mse_loss(mm(X), Y).backward()
    oo.step()
print(
    torch.equal(m[0].weight, m2[0].weight),
    torch.equal(opt.state[m[0].weight]["momentum_buffer"], opt2.state[m2[0].weight]["momentum_buffer"]),
)

# tolerance: 1e-9
import numpy as np
import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(21)
X = torch.tensor(rng.normal(size=(32, 3)))
y = (X @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.3).tanh()


def make():
    model = nn.Sequential(nn.Linear(3, 6), nn.ELU(), nn.Linear(6, 1))
    r = np.random.default_rng(22)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.tensor(r.normal(0, 0.5, tuple(p.shape))))
    return model


setups = {
    "Adagrad": lambda p: (torch.optim.Adagrad(p, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1), None),
    "Adadelta": lambda p: (torch.optim.Adadelta(p, lr=1.0, rho=0.8), None),
    "Adamax": lambda p: (torch.optim.Adamax(p, lr=0.05), None),
    "RAdam": lambda p: (torch.optim.RAdam(p, lr=0.05), None),
    "NAdam": lambda p: (torch.optim.NAdam(p, lr=0.05, momentum_decay=0.004), None),
    "Rprop": lambda p: (torch.optim.Rprop(p, lr=0.01, etas=(0.4, 1.3)), None),
    "Adam_amsgrad": lambda p: (torch.optim.Adam(p, lr=0.05, amsgrad=True, weight_decay=0.01), None),
    "SGD_cyclic": lambda p: (
        o := torch.optim.SGD(p, lr=0.01, momentum=0.9),
        torch.optim.lr_scheduler.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=2, mode="triangular2"),
    ),
    "SGD_lambda": lambda p: (
        o := torch.optim.SGD(p, lr=0.1, dampening=0.1, momentum=0.5),
        torch.optim.lr_scheduler.LambdaLR(o, lambda e: 0.9**e),
    ),
    "SGD_exp": lambda p: (o := torch.optim.SGD(p, lr=0.1), torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.8)),
    "SGD_poly": lambda p: (
        o := torch.optim.SGD(p, lr=0.1, maximize=False),
        torch.optim.lr_scheduler.PolynomialLR(o, total_iters=4, power=2.0),
    ),
    "Adam_warm_restarts": lambda p: (
        o := torch.optim.Adam(p, lr=0.05),
        torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, T_0=2, T_mult=2),
    ),
    "SGD_chained": lambda p: (
        o := torch.optim.SGD(p, lr=0.1),
        torch.optim.lr_scheduler.ChainedScheduler(
            [
                torch.optim.lr_scheduler.ConstantLR(o, factor=0.5, total_iters=2),
                torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9),
            ]
        ),
    ),
}
for name, setup in setups.items():
    model = make()
    optimizer, scheduler = setup(model.parameters())
    losses = []
    for step in range(5):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(X), y)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        losses.append(round(loss.item(), 10))
    lr = optimizer.param_groups[0]["lr"]
    states = optimizer.state_dict()["state"]
    state_keys = sorted(states[min(states)].keys()) if states else []
    print(name, losses, round(lr, 12), state_keys)

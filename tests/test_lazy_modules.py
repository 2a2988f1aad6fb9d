"""Lazy modules (``mytorch/nn/lazy.py``): the input size read from the first input, the same
Parameter objects filled in (an optimizer made before keeps working), the module becoming its
full class; as the d2l.ai book uses them. PyTorch's shapes and reprs where it is installed."""

from __future__ import annotations

import numpy as np
import pytest

import mytorch as mt
import mytorch.nn as nn
import mytorch.nn.functional as F

X = np.random.default_rng(0).standard_normal((4, 1, 3, 3))
Y = np.array([0, 1, 2, 0])


def losses(model, opt, steps=3):
    x, y = mt.tensor(X, dtype=mt.float32), mt.tensor(Y)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        out.append(loss.item())
    return out


@pytest.mark.parametrize(
    "make_opt", [lambda p: mt.optim.SGD(p, lr=0.1, momentum=0.9), lambda p: mt.optim.Adam(p, lr=0.01)]
)
def test_an_optimizer_made_before_the_first_call_trains_as_an_eager_model(make_opt):
    # 'module mytorch.nn has no attribute LazyLinear' before
    lazy = nn.Sequential(nn.Flatten(), nn.LazyLinear(5), nn.ReLU(), nn.LazyLinear(3))
    params = list(lazy.parameters())
    assert [p.numel() for p in params] == [0, 0, 0, 0]
    opt = make_opt(lazy.parameters())
    lazy(mt.tensor(X, dtype=mt.float32))
    assert type(lazy[1]) is nn.Linear and lazy[1].in_features == 9 and lazy[3].weight.shape == (3, 5)
    assert all(a is b for a, b in zip(params, lazy.parameters()))
    eager = nn.Sequential(nn.Flatten(), nn.Linear(9, 5), nn.ReLU(), nn.Linear(5, 3))
    eager.load_state_dict(lazy.state_dict())
    assert losses(lazy, opt) == losses(eager, make_opt(eager.parameters()))


def test_convolutions_and_norms_read_their_channels():
    net = nn.Sequential(
        nn.LazyConv2d(4, kernel_size=3, padding=1), nn.LazyBatchNorm2d(), nn.Flatten(), nn.LazyBatchNorm1d()
    )
    net.eval()  # (set before the first call: kept)
    out = net(mt.tensor(X, dtype=mt.float32))
    assert out.shape == (4, 36) and not net[1].training and not net[3].training
    assert (type(net[0]), net[0].in_channels, net[0].weight.shape) == (nn.Conv2d, 1, (4, 1, 3, 3))
    assert net[1].num_features == 4 and net[1].running_mean.shape == (4,) and net[3].num_features == 36
    unbatched = nn.LazyConv1d(2, 3)
    assert unbatched(mt.ones(5, 7)).shape == (2, 5) and unbatched.in_channels == 5


def test_lazy_modules_match_torch():
    torch = pytest.importorskip("torch")
    seen = []
    for lib in (mt, torch):
        net = lib.nn.Sequential(
            lib.nn.LazyConv2d(2, 3), lib.nn.LazyBatchNorm2d(), lib.nn.Flatten(), lib.nn.LazyLinear(3)
        )
        before = repr(net)
        net(lib.tensor(X, dtype=lib.float32))
        seen.append((before, repr(net), [tuple(v.shape) for v in net.state_dict().values()]))
    assert seen[0] == seen[1]

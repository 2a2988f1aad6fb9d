"""mytorch.optim.swa_utils (AveragedModel, the EMA / SWA averaging functions, SWALR, update_bn)
and func.stack_module_state: closed forms, and PyTorch's numbers where it is installed."""

import math

import numpy as np
import pytest

import mytorch as mt
import mytorch.nn as nn
from mytorch.optim.swa_utils import (
    SWALR,
    AveragedModel,
    get_ema_avg_fn,
    get_ema_multi_avg_fn,
    get_swa_multi_avg_fn,
    update_bn,
)

DRAWS = [np.random.default_rng(k).normal(size=(2, 3)) for k in range(3)]


def _lerp(a, b, w):
    return a + w * (b - a)


def _set(model, k):
    with mt.no_grad():
        model.weight.copy_(mt.tensor(DRAWS[k]))
        model.bias.fill_(float(k))


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        ({}, lambda a, b, c: (a + b + c) / 3),  # the running mean
        # PyTorch's weight 1 / (n + 1) is a float32 tensor (n is an int64 one): 1/3 rounded to float32
        (
            {"multi_avg_fn": get_swa_multi_avg_fn()},
            lambda a, b, c: _lerp(b - (b - a) * 0.5, c, float(np.float32(1 / 3))),
        ),
        ({"multi_avg_fn": get_ema_multi_avg_fn(0.9)}, lambda a, b, c: 0.9 * (0.9 * a + 0.1 * b) + 0.1 * c),
        ({"avg_fn": get_ema_avg_fn(0.5)}, lambda a, b, c: 0.5 * (0.5 * a + 0.5 * b) + 0.5 * c),
    ],
)
def test_averaged_model_in_closed_form(kwargs, expected):
    # 'mytorch.optim has no swa_utils' before (PyTorch's SWA / EMA recipes)
    model = nn.Linear(3, 2).double()
    averaged = AveragedModel(model, **kwargs)
    for k in range(3):
        _set(model, k)
        averaged.update_parameters(model)
    np.testing.assert_allclose(averaged.module.weight.detach().numpy(), expected(*DRAWS), rtol=1e-12)
    assert averaged.n_averaged.item() == 3 and averaged.n_averaged.dtype == np.int64
    assert averaged.module is not model and len(list(averaged.parameters())) == 2
    x = mt.ones(1, 3, dtype=mt.float64)
    np.testing.assert_allclose(averaged(x).detach().numpy(), averaged.module(x).detach().numpy())


def test_averaged_model_buffers_copied_or_averaged():
    bn = nn.BatchNorm1d(2)
    copied, averaged = AveragedModel(bn), AveragedModel(bn, use_buffers=True)
    for k in range(2):
        bn.running_mean.fill_(float(k + 1))
        copied.update_parameters(bn)
        averaged.update_parameters(bn)
    assert copied.module.running_mean.tolist() == [2.0, 2.0]  # the model's, as they are
    assert averaged.module.running_mean.tolist() == [1.5, 1.5]  # their mean
    with pytest.raises(ValueError, match="not both"):
        AveragedModel(bn, avg_fn=get_ema_avg_fn(), multi_avg_fn=get_ema_multi_avg_fn())


@pytest.mark.parametrize(
    "strategy, anneal", [("linear", lambda t: t), ("cos", lambda t: (1 - math.cos(math.pi * t)) / 2)]
)
def test_swalr_anneals_to_the_swa_rate(strategy, anneal):
    w = nn.Parameter(mt.zeros(1))
    opt = mt.optim.SGD([w], lr=1.0)
    scheduler = SWALR(opt, swa_lr=0.1, anneal_epochs=3, anneal_strategy=strategy)
    rates = [opt.param_groups[0]["lr"]]
    for _ in range(5):
        opt.step()
        scheduler.step()
        rates.append(opt.param_groups[0]["lr"])
    want = [0.1 * anneal(min(1.0, k / 3)) + 1.0 * (1 - anneal(min(1.0, k / 3))) for k in range(6)]
    np.testing.assert_allclose(rates, want, rtol=1e-12)
    with pytest.raises(ValueError, match="anneal_strategy"):
        SWALR(opt, 0.1, anneal_strategy="step")
    with pytest.raises(ValueError, match="swa_lr has 2 values"):
        SWALR(opt, [0.1, 0.2])


def test_update_bn_recomputes_the_statistics():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4, momentum=0.3)).double()
    batches = [mt.tensor(np.random.default_rng(k).normal(size=(5, 3))) for k in range(3)]
    model.eval()
    update_bn([(b, 0) for b in batches], model)
    features = [model[0](b).detach().numpy() for b in batches]
    bn = model[1]
    np.testing.assert_allclose(bn.running_mean.numpy(), np.mean([f.mean(0) for f in features], 0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), np.mean([f.var(0, ddof=1) for f in features], 0), rtol=1e-12)
    assert bn.momentum == 0.3 and not model.training  # put back


def test_stack_module_state():
    models = [nn.Linear(3, 2) for _ in range(3)]
    params, buffers = mt.func.stack_module_state(models)
    assert params["weight"].shape == (3, 2, 3) and params["weight"].requires_grad and not buffers
    assert params["weight"].grad_fn is None  # a new leaf
    np.testing.assert_array_equal(params["bias"][1].detach().numpy(), models[1].bias.detach().numpy())
    with pytest.raises(RuntimeError, match="one class"):
        mt.func.stack_module_state([nn.Linear(3, 2), nn.Tanh()])
    with pytest.raises(RuntimeError, match="at least one"):
        mt.func.stack_module_state([])
    models[0].eval()
    with pytest.raises(RuntimeError, match="training mode"):
        mt.func.stack_module_state(models)


def test_averaging_matches_pytorch():
    torch = pytest.importorskip("torch")

    def run(lib):
        r = np.random.default_rng(0)
        model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4), lib.nn.Linear(4, 1)).double()
        with lib.no_grad():
            for p in model.parameters():
                p.copy_(lib.tensor(r.normal(size=tuple(p.shape))))
        utils = lib.optim.swa_utils
        swa, ema = utils.AveragedModel(model), utils.AveragedModel(model, multi_avg_fn=utils.get_ema_multi_avg_fn(0.7))
        opt = lib.optim.SGD(model.parameters(), lr=0.1)
        scheduler = utils.SWALR(opt, swa_lr=0.02, anneal_epochs=2)
        out = []
        for step in range(5):
            x = lib.tensor(r.normal(size=(6, 3)))
            opt.zero_grad()
            model(x).pow(2).mean().backward()
            opt.step()
            swa.update_parameters(model)
            ema.update_parameters(model)
            scheduler.step()
            out.append(opt.param_groups[0]["lr"])
        utils.update_bn([lib.tensor(r.normal(size=(6, 3)))], swa)
        for m in (swa, ema):
            out += [v for p in m.parameters() for v in p.detach().numpy().ravel().tolist()]
        out += swa.module[1].running_var.tolist()
        return out

    np.testing.assert_allclose(run(mt), run(torch), rtol=1e-12, atol=1e-14)

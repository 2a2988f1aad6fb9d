"""``mytorch.amp.GradScaler`` (and ``torch.cuda.amp``): PyTorch's loss scaling, against plain
steps and PyTorch's CPU scaler where it is installed."""

from __future__ import annotations

import numpy as np
import pytest

import mytorch as mt

X = np.random.default_rng(0).standard_normal((6, 3))
W0 = np.array([[0.5, -0.25, 0.125]])


def run(lib, scaler, poison=(), steps=6):
    """``w`` and the scale after each of ``steps`` scaled SGD steps; at the steps in ``poison`` the
    loss is multiplied by inf (an overflow: the step is skipped)."""
    w = lib.tensor(W0.copy(), requires_grad=True)
    opt = lib.optim.SGD([w], lr=0.05, momentum=0.5)
    x = lib.tensor(X)
    out = []
    for k in range(steps):
        opt.zero_grad()
        loss = ((x @ w.t()) ** 2).mean() * (float("inf") if k in poison else 1.0)
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        scaler.step(opt)
        scaler.update()
        out.append((w.detach().numpy().copy(), scaler.get_scale()))
    return out


def test_a_power_of_two_scale_changes_no_number_and_an_overflow_skips_the_step():
    # 'module mytorch.cuda has no attribute amp' before
    plain = run(mt, mt.amp.GradScaler("cpu", enabled=False))
    scaled = run(mt, mt.amp.GradScaler("cpu", init_scale=1024.0, growth_interval=2))
    for (a, _), (b, _) in zip(plain, scaled):
        np.testing.assert_array_equal(a, b)
    assert [s for _, s in scaled] == [1024.0, 2048.0, 2048.0, 4096.0, 4096.0, 8192.0]
    skipped = run(mt, mt.amp.GradScaler("cpu", init_scale=8.0, growth_interval=3), poison={1, 2})
    np.testing.assert_array_equal(skipped[2][0], skipped[0][0])  # steps 1 and 2 skipped
    assert [s for _, s in skipped] == [8.0, 4.0, 2.0, 2.0, 2.0, 4.0]
    np.testing.assert_array_equal(skipped[3][0], run(mt, mt.amp.GradScaler("cpu", enabled=False), steps=2)[1][0])


def test_a_cuda_scaler_is_disabled_with_a_warning_as_without_a_gpu():
    with pytest.warns(UserWarning, match="Disabling"):
        scaler = mt.cuda.amp.GradScaler()
    loss = mt.tensor(2.0, requires_grad=True)
    assert scaler.scale(loss) is loss and scaler.get_scale() == 1.0 and scaler.state_dict() == {}
    from mytorch.cuda.amp import GradScaler, autocast

    with autocast(), mt.autocast("cpu", enabled=False):
        assert GradScaler(enabled=False).is_enabled() is False


def test_misuse_is_refused_as_pytorch_refuses_it():
    scaler = mt.amp.GradScaler("cpu")
    w = mt.tensor([1.0], requires_grad=True)
    opt = mt.optim.SGD([w], lr=0.1)
    scaler.scale((w * 2).sum()).backward()
    scaler.unscale_(opt)
    with pytest.raises(RuntimeError, match="already been called"):
        scaler.unscale_(opt)
    scaler.step(opt)
    with pytest.raises(RuntimeError, match="already been called"):
        scaler.step(opt)
    scaler.update()
    assert scaler.state_dict()["scale"] == 65536.0 and scaler.state_dict()["_growth_tracker"] == 1


def test_the_scaler_matches_torch():
    torch = pytest.importorskip("torch")
    results = []
    for lib in (mt, torch):
        scaler = lib.amp.GradScaler("cpu", init_scale=16.0, growth_interval=2)
        results.append(run(lib, scaler, poison={2}, steps=7))
    for (a, s), (b, t) in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-14)
        assert s == t

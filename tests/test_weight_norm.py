"""``nn.utils.weight_norm`` / ``remove_weight_norm`` (PyTorch's older API): a weight split into
its norm ``weight_g`` and direction ``weight_v``, recomputed before each forward. Closed forms,
and PyTorch's steps where it is installed."""

from __future__ import annotations

import numpy as np
import pytest

import mytorch as mt
import mytorch.nn as nn

W = np.array([[3.0, 4.0, 0.0], [1.0, -2.0, 2.0]])
X = np.array([[0.5, -1.0, 2.0]])


def test_the_weight_is_g_times_the_unit_direction_and_g_gets_its_gradient():
    # "module 'mytorch.nn.utils' has no attribute 'weight_norm'" before
    lin = nn.Linear(3, 2).double()
    lin.load_state_dict({"weight": mt.tensor(W), "bias": mt.zeros(2, dtype=mt.float64)})
    nn.utils.weight_norm(lin)
    assert [n for n, _ in lin.named_parameters()] == ["bias", "weight_g", "weight_v"]
    np.testing.assert_allclose(lin.weight_g.detach().numpy(), [[5.0], [3.0]])
    with mt.no_grad():
        lin.weight_g.mul_(2)
    out = lin(mt.tensor(X))
    np.testing.assert_allclose(lin.weight.detach().numpy(), 2 * W, rtol=1e-15)
    out.sum().backward()  # d/dg of g (v / |v|) . x is (v / |v|) . x
    np.testing.assert_allclose(lin.weight_g.grad.numpy()[:, 0], (W / [[5.0], [3.0]]) @ X[0], rtol=1e-14)
    with pytest.raises(RuntimeError, match="two weight_norm"):
        nn.utils.weight_norm(lin)
    nn.utils.remove_weight_norm(lin)
    assert [n for n, _ in lin.named_parameters()] == ["bias", "weight"]
    np.testing.assert_allclose(lin.weight.detach().numpy(), 2 * W, rtol=1e-15)


def test_weight_norm_trains_as_torch():
    torch = pytest.importorskip("torch")
    runs = []
    for lib in (mt, torch):
        conv = lib.nn.Conv1d(2, 3, 3, padding=1).double()
        lin = lib.nn.Linear(4, 2).double()
        rng = np.random.default_rng(0)
        for m in (conv, lin):
            m.load_state_dict(
                {k: lib.tensor(rng.uniform(-0.5, 0.5, tuple(v.shape))) for k, v in m.state_dict().items()}
            )
        conv, lin = lib.nn.utils.weight_norm(conv), lib.nn.utils.weight_norm(lin, dim=None)
        opt = lib.optim.SGD([*conv.parameters(), *lin.parameters()], lr=0.1)
        x = lib.tensor(rng.standard_normal((2, 2, 4)))
        losses = []
        for _ in range(3):
            opt.zero_grad()
            loss = lin(conv(x).mean(1)).pow(2).sum()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        runs.append((losses, [v.detach().numpy().copy() for v in conv.state_dict().values()]))
    np.testing.assert_allclose(runs[0][0], runs[1][0], rtol=1e-13)
    for a, b in zip(runs[0][1], runs[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-13)

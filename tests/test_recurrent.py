"""nn.RNN, LSTM, GRU and their cells (mytorch/nn/recurrent.py) against PyTorch's from the same
weights: outputs, final states and every gradient; central differences without PyTorch."""

import numpy as np
import pytest

import mytorch as mt
import mytorch.nn as nn
from mytorch.autograd import gradcheck

try:
    import torch
except ImportError:  # pragma: no cover - PyTorch is optional
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

CASES = [
    ("LSTM", dict(input_size=3, hidden_size=4, num_layers=2, batch_first=True), (2, 5, 3), True),
    ("GRU", dict(input_size=3, hidden_size=4, bidirectional=True), (5, 2, 3), True),
    ("RNN", dict(input_size=3, hidden_size=4, nonlinearity="relu", bias=False), (4, 3), False),  # unbatched
    ("LSTM", dict(input_size=2, hidden_size=3, bidirectional=True, num_layers=2), (4, 2, 2), False),
    ("RNN", dict(input_size=3, hidden_size=2, num_layers=2, batch_first=True), (2, 3, 3), True),
]


def _run(lib, kind, config, shape, with_state, state):
    module = getattr(lib.nn, kind)(**config, dtype=lib.float64)
    if lib is mt:
        state.update({k: v.numpy().copy() for k, v in module.state_dict().items()})
    else:
        module.load_state_dict({k: torch.tensor(v) for k, v in state.items()})
    r = np.random.default_rng(len(shape))
    x = lib.tensor(r.standard_normal(shape), requires_grad=True)
    args = [x]
    if with_state:
        layers = config.get("num_layers", 1) * (2 if config.get("bidirectional") else 1)
        batch = shape[0] if config.get("batch_first") else shape[1]
        h0 = lib.tensor(r.standard_normal((layers, batch, config["hidden_size"])))
        args.append((h0, lib.tensor(r.standard_normal(h0.shape))) if kind == "LSTM" else h0)
    out, final = module(*args)
    finals = list(final) if kind == "LSTM" else [final]
    loss = (out * lib.tensor(np.sin(np.arange(out.numel())).reshape(out.shape))).sum() + sum(
        (f * f).sum() for f in finals
    )
    loss.backward()
    grads = [x.grad.numpy()] + [p.grad.numpy() for p in module.parameters()]
    return [out.detach().numpy()] + [f.detach().numpy() for f in finals] + grads, list(module.state_dict())


@needs_torch
@pytest.mark.parametrize("i", range(len(CASES)))
def test_recurrent_layers_match_pytorch(i):
    kind, config, shape, with_state = CASES[i]
    state: dict = {}
    ours, our_names = _run(mt, kind, config, shape, with_state, state)
    theirs, their_names = _run(torch, kind, config, shape, with_state, state)
    assert our_names == their_names
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@needs_torch
@pytest.mark.parametrize("kind", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_match_pytorch(kind):
    ours = getattr(nn, kind)(3, 4, dtype=mt.float64)
    theirs = getattr(torch.nn, kind)(3, 4, dtype=torch.float64)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 3))
    a, b = ours(mt.tensor(x)), theirs(torch.tensor(x))
    a, b = (a, b) if kind != "LSTMCell" else (a[1], b[1])
    np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-12)


def test_gradient_through_time_matches_differences():
    mt.manual_seed(0)
    lstm = nn.LSTM(2, 3, dtype=mt.float64)
    x = mt.tensor(np.random.default_rng(1).standard_normal((4, 1, 2)), requires_grad=True)
    assert gradcheck(lambda t: lstm(t)[0], (x,))
    gru = nn.GRUCell(2, 2, dtype=mt.float64)
    assert gradcheck(lambda t: gru(t, gru(t)), (x[0],))
    assert repr(nn.GRU(2, 3, num_layers=2, batch_first=True)) == "GRU(2, 3, num_layers=2, batch_first=True)"
    with pytest.raises(NotImplementedError, match="proj_size"):
        nn.LSTM(2, 3, proj_size=2)

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


def test_pad_sequence_and_packing_round_trip_with_gradients():
    from mytorch.nn.utils.rnn import pack_padded_sequence, pack_sequence, pad_packed_sequence, pad_sequence

    a, b, c = (mt.tensor(np.arange(n * 2, dtype=np.float64).reshape(n, 2) + 1, requires_grad=True) for n in (2, 3, 1))
    padded = pad_sequence([a, b, c], batch_first=True, padding_value=-1.0)
    assert padded.shape == (3, 3, 2) and padded[0, 2].tolist() == [-1.0, -1.0] and padded[1].tolist() == b.tolist()
    left = pad_sequence([a, b], padding_side="left")
    assert left.shape == (3, 2, 2) and left[0, 0].tolist() == [0.0, 0.0] and left[1:, 0].tolist() == a.tolist()
    packed = pack_padded_sequence(padded, [2, 3, 1], batch_first=True, enforce_sorted=False)
    assert packed.batch_sizes.tolist() == [3, 2, 1]
    assert packed.sorted_indices.tolist() == [1, 0, 2] and packed.unsorted_indices.tolist() == [1, 0, 2]
    assert packed.data[:3].tolist() == [b[0].tolist(), a[0].tolist(), c[0].tolist()]
    back, lengths = pad_packed_sequence(packed, batch_first=True, padding_value=7.0, total_length=4)
    assert lengths.tolist() == [2, 3, 1] and back.shape == (3, 4, 2)
    assert back[0, :2].tolist() == a.tolist() and back[0, 2:].tolist() == [[7.0, 7.0]] * 2
    (back * back).sum().backward()
    np.testing.assert_array_equal(b.grad.numpy(), 2 * b.detach().numpy())  # padding rows carry no gradient
    assert pack_sequence([b, a, c]).batch_sizes.tolist() == [3, 2, 1]
    with pytest.raises(RuntimeError, match="enforce_sorted=False"):
        pack_padded_sequence(padded, [2, 3, 1], batch_first=True)


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_a_packed_batch_runs_each_sequence_for_its_own_length(kind, bidirectional):
    from mytorch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    mt.manual_seed(0)
    layer = getattr(nn, kind)(3, 4, num_layers=2, bidirectional=bidirectional).double()
    rng = np.random.default_rng(1)
    x = mt.tensor(rng.standard_normal((5, 3, 3)))
    lengths = [3, 5, 2]
    out, state = layer(pack_padded_sequence(x, lengths, enforce_sorted=False))
    out, got = pad_packed_sequence(out)
    assert got.tolist() == lengths
    h_n = state[0] if kind == "LSTM" else state
    for b, n in enumerate(lengths):  # each sequence alone, unpadded
        alone, alone_state = layer(x[:n, b : b + 1])
        np.testing.assert_allclose(out[:n, b].numpy(), alone[:, 0].numpy(), rtol=1e-12, atol=1e-12)
        assert not out[n:, b].numpy().any()
        alone_h = alone_state[0] if kind == "LSTM" else alone_state
        np.testing.assert_allclose(h_n[:, b].numpy(), alone_h[:, 0].numpy(), rtol=1e-12, atol=1e-12)


@needs_torch
def test_packed_lstm_matches_pytorch_with_gradients():
    from mytorch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    from torch.nn.utils.rnn import pack_padded_sequence as torch_pack

    rng = np.random.default_rng(2)
    ours = nn.LSTM(3, 4, batch_first=True, bidirectional=True).double()
    theirs = torch.nn.LSTM(3, 4, batch_first=True, bidirectional=True).double()
    with torch.no_grad():
        for (_, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
            q.copy_(torch.from_numpy(p.detach().numpy()))
    data = rng.standard_normal((3, 4, 3))
    x, tx = mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    out, (h, c) = ours(pack_padded_sequence(x, [2, 4, 1], batch_first=True, enforce_sorted=False))
    tout, (th, tc) = theirs(torch_pack(tx, torch.tensor([2, 4, 1]), batch_first=True, enforce_sorted=False))
    np.testing.assert_allclose(out.data.detach().numpy(), tout.data.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert out.batch_sizes.tolist() == tout.batch_sizes.tolist()
    for a, b in ((h, th), (c, tc)):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)
    (pad_packed_sequence(out)[0].sum() + h.sum() * 2).backward()
    (torch.nn.utils.rnn.pad_packed_sequence(tout)[0].sum() + th.sum() * 2).backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_unpad_and_unpack_sequence_undo_pad_and_pack():
    # nn.utils.rnn.unpad_sequence / unpack_sequence were missing
    from mytorch.nn.utils.rnn import pack_sequence, pad_sequence, unpack_sequence, unpad_sequence

    seqs = [mt.tensor(np.arange(n * 2.0).reshape(n, 2), requires_grad=True) for n in (3, 1, 2)]
    for batch_first in (False, True):
        padded = pad_sequence(seqs, batch_first=batch_first)
        back = unpad_sequence(padded, mt.tensor([3, 1, 2]), batch_first=batch_first)
        assert [b.tolist() for b in back] == [s.tolist() for s in seqs]
    back = unpack_sequence(pack_sequence(seqs, enforce_sorted=False))
    assert [b.tolist() for b in back] == [s.tolist() for s in seqs]
    sum(b.sum() * (i + 1) for i, b in enumerate(back)).backward()  # the gradient reaches each sequence
    assert [s.grad.tolist() for s in seqs] == [[[1.0, 1.0]] * 3, [[2.0, 2.0]], [[3.0, 3.0]] * 2]

"""``optim.SparseAdam`` with ``nn.Embedding(..., sparse=True)``: only the rows looked up move (their
moments too), checked against Adam's closed form and against PyTorch 2.13 where it is installed."""

from __future__ import annotations

import numpy as np
import pytest

import mytorch as mt
import mytorch.nn as nn


def test_one_step_moves_the_rows_looked_up_by_about_lr():
    emb = nn.Embedding(6, 3, sparse=True, dtype=mt.float64)
    before = emb.weight.detach().numpy().copy()
    optimizer = mt.optim.SparseAdam(emb.parameters(), lr=0.01)
    (emb(mt.tensor([1, 4, 4])) * mt.tensor([1.0, -2.0, 3.0], dtype=mt.float64)).sum().backward()
    optimizer.step()
    moved = before - emb.weight.detach().numpy()
    g = np.array([1.0, -2.0, 3.0])
    # first step: m = (1 - b1) g, v = (1 - b2) g^2, so the step is lr g / (|g| + eps / sqrt(1 - b2))
    expected = 0.01 * g / (np.abs(g) + 1e-8 / np.sqrt(0.001))
    np.testing.assert_allclose(moved[[1]], expected[None], rtol=1e-12)
    np.testing.assert_allclose(moved[[4]], 0.01 * np.sign(2 * g)[None], rtol=1e-6)
    assert not moved[[0, 2, 3, 5]].any()
    state = optimizer.state_dict()["state"][0]
    assert not state["exp_avg"].numpy()[[0, 2, 3, 5]].any() and state["step"].item() == 1


def test_other_parameters_are_refused_as_pytorchs_dense_gradients():
    linear = nn.Linear(2, 2)
    optimizer = mt.optim.SparseAdam(linear.parameters())
    linear(mt.ones(1, 2)).sum().backward()
    with pytest.raises(RuntimeError, match="SparseAdam does not support dense gradients"):
        optimizer.step()
    plain = nn.Embedding(4, 2)  # (sparse=False: PyTorch's gradient is dense too)
    plain(mt.tensor([0])).sum().backward()
    with pytest.raises(RuntimeError, match="does not support dense gradients"):
        mt.optim.SparseAdam(plain.parameters()).step()


def _skip_gram(library, steps=6):
    """Two sparse embeddings, the context one starting at zeros (word2vec's habit): the first step's
    centre rows have gradient exactly 0, and rows of later steps too; a padding row; two backward
    passes before one step."""
    rng = np.random.default_rng(0)
    centre = library.nn.Embedding(12, 4, sparse=True, padding_idx=0, dtype=library.float64)
    context = library.nn.Embedding(12, 4, sparse=True, dtype=library.float64)
    with library.no_grad():
        centre.weight.copy_(library.tensor(rng.uniform(-0.5, 0.5, (12, 4))))
        centre.weight[0].zero_()
        context.weight.zero_()
    optimizer = library.optim.SparseAdam(list(centre.parameters()) + list(context.parameters()), lr=0.05)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        for _ in range(2):
            u = library.tensor(rng.integers(0, 12, 5))
            v = library.tensor(rng.integers(1, 12, (5, 3)))
            label = library.tensor(rng.integers(0, 2, (5, 3)).astype(np.float64))
            score = (centre(u).unsqueeze(1) * context(v)).sum(-1)
            loss = library.nn.functional.binary_cross_entropy_with_logits(score, label)
            loss.backward()
            losses.append(loss.item())
        optimizer.step()
    return losses, centre.weight.detach().numpy(), context.weight.detach().numpy(), optimizer.state_dict()


def test_a_skip_gram_run_matches_pytorchs():
    torch = pytest.importorskip("torch")
    mine, theirs = _skip_gram(mt), _skip_gram(torch)
    np.testing.assert_allclose(mine[0], theirs[0], rtol=1e-12)
    np.testing.assert_allclose(mine[1], theirs[1], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(mine[2], theirs[2], rtol=1e-12, atol=1e-15)
    for i in (0, 1):
        for key in ("exp_avg", "exp_avg_sq"):
            np.testing.assert_allclose(mine[3]["state"][i][key].numpy(), theirs[3]["state"][i][key].numpy(), atol=1e-15)

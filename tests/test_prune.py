"""mytorch.nn.utils.prune: masks by magnitude, by slice norms and globally; the masked forward and
its gradient (closed forms); remove; and the masks against PyTorch's where it is installed."""

from __future__ import annotations

import numpy as np
import pytest

import mytorch as mt
import mytorch.nn as nn
from mytorch.nn.utils import prune


def _linear(lib, seed=0):
    layer = lib.nn.Linear(5, 4).double()
    r = np.random.default_rng(seed)
    with lib.no_grad():
        layer.weight.copy_(lib.tensor(r.normal(size=(4, 5))))
        layer.bias.copy_(lib.tensor(r.normal(size=4)))
    return layer


def test_l1_unstructured_masks_the_smallest_and_trains_only_the_rest():
    layer = _linear(mt)
    weight = layer.weight
    w0 = weight.detach().numpy().copy()
    prune.l1_unstructured(layer, "weight", amount=0.3)
    assert layer.weight_orig is weight  # the same Parameter: an optimizer made before keeps it
    assert sorted(n for n, _ in layer.named_parameters()) == ["bias", "weight_orig"]
    assert [n for n, _ in layer.named_buffers()] == ["weight_mask"] and prune.is_pruned(layer)
    pruned = np.argsort(np.abs(w0).reshape(-1))[:6]  # round(0.3 * 20)
    expected = np.ones(20)
    expected[pruned] = 0
    np.testing.assert_array_equal(layer.weight_mask.numpy().reshape(-1), expected)
    x = mt.tensor(np.random.default_rng(1).normal(size=(3, 5)))
    out = layer(x)
    np.testing.assert_allclose(out.detach().numpy(), x.numpy() @ (w0 * expected.reshape(4, 5)).T + layer.bias.numpy())
    out.sum().backward()
    np.testing.assert_allclose(weight.grad.numpy(), expected.reshape(4, 5) * x.numpy().sum(0))
    prune.l1_unstructured(layer, "weight", amount=2)  # two more, among the 14 kept
    assert layer.weight_mask.numpy().sum() == 12
    prune.remove(layer, "weight")
    assert isinstance(layer.weight, nn.Parameter) and layer.weight is weight and not prune.is_pruned(layer)
    assert (layer.weight.numpy() == 0).sum() == 8 and sorted(layer.state_dict()) == ["bias", "weight"]
    with pytest.raises(ValueError, match="not pruned"):
        prune.remove(layer, "weight")
    with pytest.raises(ValueError, match="amount"):
        prune.l1_unstructured(layer, "weight", amount=1.5)


def test_structured_and_global():
    layer = _linear(mt)
    w0 = layer.weight.detach().numpy().copy()
    prune.ln_structured(layer, "weight", amount=0.5, n=2, dim=0)
    rows = np.argsort(np.linalg.norm(w0, axis=1))[:2]
    assert set(np.where(layer.weight_mask.numpy().sum(1) == 0)[0]) == set(rows)
    a, b = _linear(mt, 1), _linear(mt, 2)
    both = np.concatenate(
        [np.abs(a.weight.detach().numpy()).reshape(-1), np.abs(b.weight.detach().numpy()).reshape(-1)]
    )
    prune.global_unstructured([(a, "weight"), (b, "weight")], pruning_method=prune.L1Unstructured, amount=10)
    threshold = np.sort(both)[9]
    for layer_ in (a, b):
        w = layer_.weight_orig.detach().numpy()
        np.testing.assert_array_equal(layer_.weight_mask.numpy() == 0, np.abs(w) <= threshold)
    prune.custom_from_mask(a, "bias", mt.tensor([1.0, 0.0, 1.0, 1.0]))
    assert a.bias.numpy()[1] == 0


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    import torch.nn.utils.prune as torch_prune

    results = []
    for lib, module in ((torch, torch_prune), (mt, prune)):
        layer, other = _linear(lib, 3), _linear(lib, 4)
        module.l1_unstructured(layer, "weight", amount=0.25)
        module.l1_unstructured(layer, "weight", amount=0.25)
        module.ln_structured(other, "weight", amount=1, n=1, dim=1)
        module.global_unstructured([(layer, "bias"), (other, "bias")], pruning_method=module.L1Unstructured, amount=0.5)
        x = lib.tensor(np.random.default_rng(5).normal(size=(2, 5)))
        (layer(x).sum() + other(x).pow(2).sum()).backward()
        got = [layer.weight_mask, other.weight_mask, layer.bias_mask, other.bias_mask, layer.weight_orig.grad]
        results.append([t.detach().numpy() for t in got])
    for theirs, mine in zip(*results):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12)


def test_structured_pruning_again_counts_among_the_slices_still_kept():
    # 10 rows of norms 1..10: 0.3 prunes the 3 smallest; 0.3 again prunes round(0.3 * 7) = 2 of the 7
    # left (PyTorch's count), the next two. It counted all 10 rows, chose the 3 pruned ones again
    # (norm 0 now), and pruned nothing more.
    layer = nn.Linear(2, 10).double()
    with mt.no_grad():
        layer.weight.copy_(mt.tensor(np.outer(np.arange(10.0, 0.0, -1.0), [1.0, 0.0])))
    prune.ln_structured(layer, "weight", amount=0.3, n=2, dim=0)
    prune.ln_structured(layer, "weight", amount=0.3, n=2, dim=0)
    np.testing.assert_array_equal(layer.weight_mask.numpy()[:, 0], [1, 1, 1, 1, 1, 0, 0, 0, 0, 0])
    prune.random_structured(layer, "weight", amount=2, dim=0)  # two of the 5 rows kept
    assert layer.weight_mask.numpy()[:, 0].sum() == 3
    with pytest.raises(ValueError, match="between 0 and the number of units 3"):
        prune.ln_structured(layer, "weight", amount=4, n=1, dim=0)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        prune.ln_structured(layer, "bias", amount=0.5, n=1, dim=0)  # (PyTorch refuses a vector too)


def test_equal_magnitudes_are_pruned_where_pytorch_prunes_them():
    # a bias of zeros: PyTorch's topk (which MyTorch's follows) picks 8, 6, 7 of ten equal values;
    # a stable sort picked 0, 1, 2
    layer = nn.Linear(2, 10).double()
    with mt.no_grad():
        layer.bias.zero_()
    prune.l1_unstructured(layer, "bias", amount=3)
    assert set(np.flatnonzero(layer.bias_mask.numpy() == 0)) == {6, 7, 8}


def test_iterated_and_mixed_pruning_against_pytorch():
    torch = pytest.importorskip("torch")
    import torch.nn.utils.prune as torch_prune

    w0 = np.round(np.random.default_rng(7).normal(size=(6, 5)), 0)  # (rounded: many equal magnitudes)
    results = []
    for lib, module in ((torch, torch_prune), (mt, prune)):
        a, b = lib.nn.Linear(5, 6).double(), _linear(lib, 1)
        with lib.no_grad():
            a.weight.copy_(lib.tensor(w0))
        module.ln_structured(a, "weight", amount=1, n=float("inf"), dim=0)
        module.l1_unstructured(a, "weight", amount=0.2)
        module.ln_structured(a, "weight", amount=0.5, n=1, dim=1)
        module.global_unstructured([(a, "weight"), (b, "weight")], pruning_method=module.L1Unstructured, amount=0.3)
        results.append([a.weight_mask.numpy().copy(), b.weight_mask.numpy().copy()])
    for theirs, mine in zip(*results):
        np.testing.assert_array_equal(mine, theirs)


@pytest.mark.parametrize("rows", [[[400, 0], [300, 300], [500, 0]], [[500, 0], [400, 0], [300, 300]]])
def test_ln_structured_ranks_float16_rows_past_256_by_their_true_norms(rows):
    # (their float16 norms were all inf: the last row was pruned, whichever was smallest)
    weights = np.array(rows, np.float16)
    layer = nn.Linear(2, 3, dtype=mt.float16)
    with mt.no_grad():
        layer.weight.copy_(mt.tensor(weights))
    prune.ln_structured(layer, "weight", amount=1, n=2, dim=0)
    smallest = int(np.argmin(np.linalg.norm(weights.astype(np.float64), axis=1)))
    assert layer.weight_mask.numpy()[:, 0].tolist() == [float(i != smallest) for i in range(3)]
    assert layer.weight.dtype == mt.float16

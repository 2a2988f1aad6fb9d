"""``mytorch.utils.data`` (``mytorch/data.py``): TensorDataset, DataLoader, random_split,
default_collate and ``mytorch.Generator``; PyTorch's batches where PyTorch is installed."""

from __future__ import annotations

import importlib
import sys
from collections import namedtuple

import numpy as np
import pytest

import mytorch as mt
import mytorch.nn as nn
from mytorch.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    random_split,
)

X = np.arange(20.0).reshape(10, 2)
Y = np.arange(10)


def _labels(loader):
    return [batch[1].tolist() for batch in loader]


def test_torch_utils_data_is_this_module():
    import mytorch.utils.data

    assert mt.utils.data.DataLoader is mytorch.utils.data.DataLoader is DataLoader
    assert "TensorDataset" in dir(mytorch.utils.data)


def test_listing_the_modules_files_loads_nothing(monkeypatch):
    """The stand-in answers ``__file__`` (and any dunder) itself: code that lists the files of
    ``sys.modules`` (the hand-in check) does not make it load mytorch/data.py mid-iteration."""
    stand_in = sys.modules["mytorch.utils.data"]
    monkeypatch.setattr(importlib, "import_module", lambda name: pytest.fail(f"the stand-in loaded {name}"))
    assert stand_in.__file__ == mt.__file__ and not hasattr(stand_in, "__wrapped__")
    assert [m.__file__ for n, m in list(sys.modules.items()) if n == "mytorch.utils.data"] == [mt.__file__]


def test_tensor_dataset_batches_in_order_and_drop_last():
    data = TensorDataset(mt.tensor(X), mt.tensor(Y))
    assert len(data) == 10 and [t.tolist() for t in data[3]] == [[6.0, 7.0], 3]
    loader = DataLoader(data, batch_size=4)
    batches = list(loader)
    assert len(loader) == 3 and isinstance(batches[0], list)
    assert _labels(loader) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert batches[0][0].dtype == np.float64 and batches[0][1].dtype == np.int64
    np.testing.assert_array_equal(batches[2][0].numpy(), X[8:])
    dropped = DataLoader(data, batch_size=4, drop_last=True)
    assert len(dropped) == 2 and _labels(dropped) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(DataLoader(data)) == 10 and len(DataLoader(data, batch_size=None)) == 10


def test_shuffle_is_a_new_permutation_each_pass_reproducible_by_seed():
    loader = DataLoader(TensorDataset(mt.tensor(X), mt.tensor(Y)), batch_size=3, shuffle=True)
    mt.manual_seed(5)
    first, second = sum(_labels(loader), []), sum(_labels(loader), [])
    assert sorted(first) == sorted(second) == list(range(10)) and first != second
    mt.manual_seed(5)
    assert sum(_labels(loader), []) == first
    own = DataLoader(loader.dataset, batch_size=10, shuffle=True, generator=mt.Generator().manual_seed(1))
    assert _labels(own) == [mt.Generator().manual_seed(1).permutation(10).tolist()]


def test_generator_reseeds_in_place_and_its_state_resumes_the_stream(tmp_path):
    """get_state / set_state and mytorch.get_rng_state / set_rng_state, as PyTorch's (they
    were missing): a state saved in a checkpoint gives the same numbers after loading."""
    g = mt.Generator()
    assert g.initial_seed() == mt.Generator().initial_seed() and g.device == "cpu"
    assert g.manual_seed(7) is g and g.initial_seed() == 7
    assert mt.randn(3, generator=g).tolist() == mt.randn(3, generator=mt.Generator().manual_seed(7)).tolist()
    assert isinstance(mt.manual_seed(7), mt.Generator) and mt.initial_seed() == 7
    with pytest.raises(ValueError, match="device"):
        mt.Generator("cuda")
    g.bit_generator.state = {**g.bit_generator.state, "has_uint32": 1, "uinteger": 2**32 - 5}  # a buffered word
    state = g.get_state()
    assert state.dtype == np.uint8 and state.shape == (45,)
    ahead = mt.randperm(9, generator=g).tolist()
    assert g.manual_seed(3).set_state(state) is g and g.initial_seed() == 7
    assert mt.randperm(9, generator=g).tolist() == ahead
    mt.save({"rng": mt.get_rng_state()}, tmp_path / "rng.pt")
    ahead = mt.rand(4).tolist()
    mt.set_rng_state(mt.load(tmp_path / "rng.pt")["rng"])
    assert mt.rand(4).tolist() == ahead
    with pytest.raises(ValueError, match="45 bytes"):
        g.set_state(mt.zeros(45))


def test_random_split_counts_and_fractions():
    data = TensorDataset(mt.tensor(X), mt.tensor(Y))
    train, val = random_split(data, [7, 3], generator=mt.Generator().manual_seed(0))
    assert isinstance(train, Subset) and (len(train), len(val)) == (7, 3)
    assert sorted(train.indices + val.indices) == list(range(10))
    # a loader over a Subset gives the subset's samples, in the subset's order
    assert _labels(DataLoader(val, batch_size=2)) == [val.indices[:2], val.indices[2:]]
    assert [len(s) for s in random_split(range(10), [0.5, 0.25, 0.25])] == [6, 2, 2]
    with pytest.raises(ValueError, match="add up to 11"):
        random_split(data, [8, 3])
    with pytest.raises(ValueError, match="between 0 and 1"):
        random_split(data, [1.5, -0.5])


def test_own_dataset_and_default_collate():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": np.full(2, i, dtype=np.float32), "y": i * i, "name": f"s{i}"}

    (batch,) = DataLoader(Squares(), batch_size=5)
    assert batch["x"].dtype == np.float32 and batch["x"].shape == (5, 2)
    assert batch["y"].tolist() == [0, 1, 4, 9, 16] and batch["y"].dtype == np.int64
    assert batch["name"] == ["s0", "s1", "s2", "s3", "s4"]
    Pair = namedtuple("Pair", "a b")
    pair = default_collate([Pair(1.0, True), Pair(2.0, False)])
    assert type(pair) is Pair and pair.a.dtype == np.float64 and pair.b.dtype == np.bool_
    assert [t.tolist() for t in default_collate([[1, 2], [3, 4]])] == [[1, 3], [2, 4]]
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="found object"):
        default_collate([object()])
    summed = DataLoader(list(range(6)), batch_size=4, collate_fn=sum)
    assert list(summed) == [6, 9]


def test_samplers_and_concatenated_data_sets():
    data = TensorDataset(mt.tensor(X), mt.tensor(Y))
    assert list(SequentialSampler(data)) == list(range(10)) and len(RandomSampler(data, num_samples=25)) == 25
    counts = np.bincount(list(RandomSampler(range(4), num_samples=10)), minlength=4)
    assert counts.sum() == 10 and counts.min() == 2 and counts.max() == 3  # two permutations, then part of one
    drawn = list(RandomSampler(range(3), replacement=True, num_samples=50, generator=mt.Generator().manual_seed(1)))
    assert len(drawn) == 50 and set(drawn) == {0, 1, 2}
    subset = DataLoader(data, batch_size=2, sampler=SubsetRandomSampler([1, 3, 5, 7]))
    assert sorted(sum(_labels(subset), [])) == [1, 3, 5, 7] and len(subset) == 2
    weighted = WeightedRandomSampler([0.0] * 5 + [1.0] * 5, 40)  # only the weighted half comes out
    assert len(weighted) == 40 and set(weighted) <= {5, 6, 7, 8, 9}
    batches = BatchSampler(SequentialSampler(data), 4, drop_last=False)
    assert list(batches) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]] and len(BatchSampler(range(10), 4, True)) == 2
    assert _labels(DataLoader(data, batch_sampler=batches)) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    both = data + TensorDataset(mt.tensor(X[:3]), mt.tensor(Y[:3] + 100))
    assert isinstance(both, ConcatDataset) and both.cumulative_sizes == [10, 13] and len(both) == 13
    assert both[10][1].item() == 100 and both[-1][1].item() == 102
    assert _labels(DataLoader(both, batch_size=13)) == [[*range(10), 100, 101, 102]]
    for make, match in [
        (lambda: RandomSampler(data, num_samples=0), "num_samples should be a positive integer"),
        (lambda: BatchSampler(range(3), 0, False), "batch_size should be a positive integer"),
        (lambda: WeightedRandomSampler([-1.0, 2.0], 3), "non-negative"),
        (lambda: ConcatDataset([]), "should not be an empty iterable"),
    ]:
        with pytest.raises(ValueError, match=match):
            make()


def test_bad_arguments_are_refused():
    data = TensorDataset(mt.tensor(X), mt.tensor(Y))
    with pytest.raises(ValueError, match="size mismatch"):
        TensorDataset(mt.tensor(X), mt.tensor(Y[:5]))
    with pytest.raises(TypeError, match="argument 0 must be a Tensor"):
        TensorDataset(X)
    for kwargs, match in [
        ({"batch_size": 0}, "positive integer"),
        ({"sampler": [0, 1], "shuffle": True}, "sampler"),
        ({"batch_sampler": [[0, 1]], "batch_size": 2}, "batch_sampler"),
        ({"batch_size": None, "drop_last": True}, "drop_last"),
        ({"num_workers": -1}, "num_workers"),
    ]:
        with pytest.raises(ValueError, match=match):
            DataLoader(data, **kwargs)
    assert _labels(DataLoader(data, batch_sampler=[[9, 0], [5]])) == [[9, 0], [5]]
    assert _labels(DataLoader(data, sampler=[2, 4, 6], batch_size=2)) == [[2, 4], [6]]


def test_bad_indices_numbers_and_weights_are_refused_not_rounded():
    data = TensorDataset(mt.tensor(X), mt.tensor(Y))
    # a fractional or boolean index was cast to int64: sample 1 for 1.5, silently
    for sampler in ([1.5], [True, False]):
        with pytest.raises(TypeError, match=r"the sampler gave indices of dtype .*must be integers"):
            list(DataLoader(data, sampler=sampler, batch_size=2))
    with pytest.raises(TypeError, match="the batch_sampler gave indices of dtype float64"):
        list(DataLoader(data, batch_sampler=[[0.0, 2.7]]))
    with pytest.raises(TypeError, match="a Subset's indices gave indices of dtype float64"):
        list(DataLoader(Subset(data, [0.5, 1.0]), batch_size=2))
    assert _labels(DataLoader(data, sampler=np.array([3, 1], np.uint8), batch_size=2)) == [[3, 1]]
    # a float among ints made an int64 batch: [1, 2.5] was [1, 2]; PyTorch's torch.tensor(batch)
    mixed = default_collate([1, 2.5])
    assert mixed.dtype == mt.get_default_dtype() and mixed.tolist() == [1.0, 2.5]
    assert default_collate([2.5, 1]).dtype == np.float64 and default_collate([True, 2]).tolist() == [1, 2]
    assert default_collate([True, False]).dtype == np.bool_
    with pytest.raises(TypeError, match="sample 0 is a int but sample 1 is a str"):
        default_collate([1, "a"])
    with pytest.raises(KeyError, match=r"sample 0 has the keys \['x'\] but sample 1 has \['y'\]"):
        default_collate([{"x": 1}, {"y": 2}])
    assert default_collate([{"x": 1}, {"x": 2, "extra": 0}])["x"].tolist() == [1, 2]  # (PyTorch's: sample 0's keys)
    with pytest.raises(ValueError, match="weights must be finite, got inf"):
        WeightedRandomSampler([np.inf, 1.0], 3)
    with pytest.raises(ValueError, match="num_samples=3 cannot exceed the 2 examples of nonzero weight"):
        WeightedRandomSampler([1.0, 0.0, 2.0], 3, replacement=False)
    assert sorted(WeightedRandomSampler([1.0, 0.0, 2.0], 2, replacement=False)) == [0, 2]


def test_a_seed_where_a_generator_goes_is_refused_and_negative_seeds_map_as_pytorch():
    # generator=3 was "'int' object has no attribute 'permutation'" at the first pass;
    # manual_seed(-1) NumPy's "expected non-negative integer" (PyTorch maps it to 2**64 - 2);
    # manual_seed(2**64) was taken as another seed (PyTorch refuses it)
    data = TensorDataset(mt.tensor(X), mt.tensor(Y))
    for make, op in [
        (lambda: DataLoader(data, shuffle=True, generator=3), "DataLoader"),
        (lambda: random_split(data, [5, 5], generator=3), "random_split"),
        (lambda: list(RandomSampler(data, generator=3)), "sampler"),
        (lambda: mt.randn(2, generator=3), "randn"),
        (lambda: mt.randperm(4, generator=3), "randperm"),
    ]:
        with pytest.raises(TypeError, match=f"{op}: generator must be a mytorch.Generator .* got int"):
            make()
    assert [len(part) for part in random_split(data, [0.5, 0.5], generator=None)] == [5, 5]  # None: the default
    assert (
        mt.manual_seed(-1).initial_seed() == 2**64 - 2
        and mt.Generator().manual_seed(-(2**63)).initial_seed() == 2**63 - 1
    )
    assert mt.manual_seed(-1).random() == mt.manual_seed(2**64 - 2).random()
    with pytest.raises(
        RuntimeError, match=r"manual_seed: the seed must lie in \[-2\*\*63, 2\*\*64 - 1\], got 18446744073709551616"
    ):
        mt.manual_seed(2**64)
    mt.manual_seed(0)


def test_a_training_loop_over_a_loader():
    mt.manual_seed(0)
    x = mt.randn(64, 3)
    y = x @ mt.tensor([[1.0], [-2.0], [0.5]]) + 0.3
    model = nn.Linear(3, 1)
    optimizer = mt.optim.SGD(model.parameters(), lr=0.1)
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
    for _ in range(30):
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = nn.MSELoss()(model(xb), yb)
            loss.backward()
            optimizer.step()
    assert loss.item() < 1e-4 and not xb.requires_grad


def test_batches_match_torch():
    torch = pytest.importorskip("torch")
    from torch.utils import data as torch_data

    ours = DataLoader(TensorDataset(mt.tensor(X), mt.tensor(Y)), batch_size=3, drop_last=True)
    pairs = torch_data.TensorDataset(torch.tensor(X), torch.tensor(Y))
    theirs = torch_data.DataLoader(pairs, batch_size=3, drop_last=True)
    assert len(ours) == len(theirs)
    for mine, reference in zip(ours, theirs):
        assert type(mine) is type(reference)
        for a, b in zip(mine, reference):
            assert a.dtype == b.numpy().dtype
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    samples = [{"a": (1, 2.5, np.float32(3)), "b": [np.arange(2), np.arange(2)]}] * 3
    mine, reference = default_collate(samples), torch_data.default_collate(samples)
    for a, b in zip([*mine["a"], *mine["b"]], [*reference["a"], *reference["b"]]):
        assert a.dtype == b.numpy().dtype and a.tolist() == b.tolist()


def stream_class(lib, module):
    """An iterable-style data set of ``module`` (``torch.utils.data`` or MyTorch's): samples
    ``(tensor([i, i / 2]), i % 2)`` for i in [start, end), as a stream (no indexing)."""

    class Stream(module.IterableDataset):
        def __init__(self, start, end):
            self.start, self.end = start, end

        def __iter__(self):
            assert module.get_worker_info() is None  # loaded in this process
            for i in range(self.start, self.end):
                yield lib.tensor([float(i), i * 0.5]), i % 2

    return Stream


def stream_batches(lib, module):
    """What the loader gives for iterable-style data sets, as plain lists."""
    Stream = stream_class(lib, module)  # noqa: N806
    out = [[(x.tolist(), y.tolist()) for x, y in module.DataLoader(Stream(0, 7), batch_size=3)]]
    out.append([y.tolist() for _, y in module.DataLoader(Stream(0, 5), batch_size=2, drop_last=True)])
    out.append([y for _, y in module.DataLoader(Stream(3, 6), batch_size=None)])
    chain = module.ChainDataset([Stream(0, 2), Stream(10, 12)])
    out.append([x[:, 0].tolist() for x, _ in module.DataLoader(chain, batch_size=3)])
    out.append([x.tolist() for x, _ in Stream(0, 2) + Stream(5, 6)])
    return out


def test_an_iterable_dataset_is_batched_in_the_order_it_yields():
    # 'cannot import name IterableDataset' before
    batches = stream_batches(mt, mt.utils.data)
    Stream = stream_class(mt, mt.utils.data)  # noqa: N806
    assert batches[0] == [
        ([[0.0, 0.0], [1.0, 0.5], [2.0, 1.0]], [0, 1, 0]),
        ([[3.0, 1.5], [4.0, 2.0], [5.0, 2.5]], [1, 0, 1]),
        ([[6.0, 3.0]], [0]),
    ]
    assert batches[1:] == [
        [[0, 1], [0, 1]],
        [1, 0, 1],
        [[0.0, 1.0, 10.0], [11.0]],
        [[0.0, 0.0], [1.0, 0.5], [5.0, 2.5]],
    ]
    with pytest.raises(ValueError, match="IterableDataset: expected unspecified shuffle"):
        DataLoader(Stream(0, 3), shuffle=True)
    with pytest.raises(ValueError, match="unspecified sampler"):
        DataLoader(Stream(0, 3), sampler=[0, 1])
    with pytest.raises(TypeError, match="ChainDataset"):
        ConcatDataset([Stream(0, 2)])
    with pytest.raises(TypeError):
        len(DataLoader(Stream(0, 3), batch_size=2))

    class Sized(Stream):
        def __len__(self):
            return self.end - self.start

    assert len(DataLoader(Sized(0, 7), batch_size=3)) == 3
    assert len(DataLoader(Sized(0, 7), batch_size=3, drop_last=True)) == 2
    assert len(ChainDataset([Sized(0, 2), Sized(4, 9)])) == 7


def test_an_iterable_dataset_is_batched_as_torch_batches_it():
    torch = pytest.importorskip("torch")
    data = importlib.import_module("torch.utils.data")
    assert stream_batches(mt, mt.utils.data) == stream_batches(torch, data)


def test_stack_dataset_and_the_data_submodules():
    # StackDataset and 'from torch.utils.data.dataloader import default_collate' (or .sampler,
    # .dataset) were missing: the submodules name mytorch.data's classes
    from mytorch.utils.data import StackDataset
    from mytorch.utils.data.dataloader import DataLoader as Loader
    from mytorch.utils.data.dataloader import default_collate as collate
    from mytorch.utils.data.dataset import Dataset as Base
    from mytorch.utils.data.sampler import Sampler as SamplerBase

    assert Loader is DataLoader and collate is default_collate and Base is Dataset
    assert SamplerBase is mt.utils.data.Sampler
    images, labels = mt.arange(6.0).view(3, 2), [7, 8, 9]
    pairs = StackDataset(images, labels)
    assert len(pairs) == 3 and pairs[1][0].tolist() == [2.0, 3.0] and pairs[1][1] == 8
    named = StackDataset(image=images, label=labels)
    batch = next(iter(DataLoader(named, batch_size=2)))
    assert batch["image"].shape == (2, 2) and batch["label"].tolist() == [7, 8]
    with pytest.raises(ValueError, match="different lengths"):
        StackDataset(images, [1, 2])
    with pytest.raises(ValueError, match="not both"):
        StackDataset(images, label=labels)
    with pytest.raises(AttributeError, match="torch.utils.data.sampler.Nothing"):
        mt.utils.data.sampler.Nothing  # noqa: B018

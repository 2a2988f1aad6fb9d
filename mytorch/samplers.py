"""``mytorch.utils.data``'s samplers: the orders of indices a ``DataLoader`` takes through
``sampler=`` and ``batch_sampler=``, PyTorch's names and arguments. Random ones draw from their
``generator`` (``mytorch.Generator()``) or ``mytorch.default_generator``, a new draw per pass;
the numbers are not PyTorch's for the same seed."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Any

import numpy as np

from mytorch.factories import Generator, _generator

__all__ = [
    "BatchSampler",
    "DistributedSampler",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
]


def _positive(owner: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{owner}: {name} should be a positive integer value, but got {name}={value!r}")
    return int(value)


def _rng(generator: np.random.Generator | None) -> np.random.Generator:
    return _generator(generator, "sampler")


class Sampler:
    """Base class: an iterable of indices (subclasses define ``__iter__`` and ``__len__``)."""

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """The indices of ``data_source`` in a random order: a permutation (repeated, then cut, when
    ``num_samples`` asks for more), or ``num_samples`` draws with ``replacement``."""

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: np.random.Generator | None = None,
    ) -> None:
        if not isinstance(replacement, bool):
            raise TypeError(
                f"RandomSampler: replacement should be a boolean value, but got replacement={replacement!r}"
            )
        self.data_source, self.replacement, self.generator = data_source, replacement, generator
        self._num_samples = num_samples
        _positive("RandomSampler", "num_samples", self.num_samples)

    @property
    def num_samples(self) -> int:
        """How many indices a pass gives (the data set's length unless set)."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n, count, rng = len(self.data_source), self.num_samples, _rng(self.generator)
        if self.replacement:
            return iter(rng.integers(0, n, count).tolist())
        orders = [rng.permutation(n) for _ in range(-(-count // n))]
        return iter(np.concatenate(orders)[:count].tolist())

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices``, in a random order each pass."""

    def __init__(self, indices: Sequence[int], generator: np.random.Generator | None = None) -> None:
        self.indices, self.generator = indices, generator

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices[int(i)] for i in _rng(self.generator).permutation(len(self.indices)))

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probabilities proportional to ``weights`` (one per
    example; with ``replacement``, the default, an index may come again)."""

    def __init__(
        self,
        weights: Sequence[float] | Any,
        num_samples: int,
        replacement: bool = True,
        generator: np.random.Generator | None = None,
    ) -> None:
        self.num_samples = _positive("WeightedRandomSampler", "num_samples", num_samples)
        if not isinstance(replacement, bool):
            raise ValueError(f"WeightedRandomSampler: replacement should be a boolean value, got {replacement!r}")
        values = np.asarray(weights, dtype=np.float64)
        if values.ndim != 1 or not len(values) or (values < 0).any() or not values.sum() > 0:
            raise ValueError(
                f"WeightedRandomSampler: weights must be one non-negative number per example, not all 0; got shape "
                f"{tuple(values.shape)}"
            )
        if not np.isfinite(values).all():  # (inf / inf: NaN probabilities, NumPy's error at the first pass)
            raise ValueError(f"WeightedRandomSampler: weights must be finite, got {values[~np.isfinite(values)][0]}")
        if not replacement and self.num_samples > np.count_nonzero(values):
            raise ValueError(
                f"WeightedRandomSampler: without replacement, num_samples={self.num_samples} cannot exceed the "
                f"{np.count_nonzero(values)} examples of nonzero weight"
            )
        self.weights, self.replacement, self.generator = values, replacement, generator

    def __iter__(self) -> Iterator[int]:
        p = self.weights / self.weights.sum()
        picked = _rng(self.generator).choice(len(p), self.num_samples, replace=self.replacement, p=p)
        return iter(picked.tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """The indices of ``sampler`` in lists of ``batch_size`` (the last one shorter, or left out
    with ``drop_last``): what ``DataLoader(batch_sampler=...)`` takes."""

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        self.batch_size = _positive("BatchSampler", "batch_size", batch_size)
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last should be a boolean value, but got drop_last={drop_last!r}")
        self.sampler, self.drop_last = sampler, drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch: list[int] = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


class DistributedSampler(Sampler):
    """PyTorch's ``DistributedSampler``: the share of ``dataset``'s indices that replica ``rank`` of
    ``num_replicas`` takes (every ``num_replicas``-th from ``rank``), the list first padded with its
    own start to a multiple of ``num_replicas`` (or cut, with ``drop_last``), so every replica
    gets ``len(sampler)`` indices. With ``shuffle`` the list is a permutation drawn from a generator
    seeded with ``seed + epoch`` (``set_epoch`` before each epoch), the same on every replica
    (MyTorch's numbers, not PyTorch's, for a seed). MyTorch runs one process: ``num_replicas``
    and ``rank`` default to 1 and 0 (PyTorch's need an initialized process group)."""

    def __init__(
        self,
        dataset: Sized,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        self.num_replicas = _positive("DistributedSampler", "num_replicas", 1 if num_replicas is None else num_replicas)
        rank = 0 if rank is None else rank
        if isinstance(rank, bool) or not isinstance(rank, (int, np.integer)) or not 0 <= rank < self.num_replicas:
            raise ValueError(
                f"DistributedSampler: invalid rank {rank!r}, rank should be in [0, {self.num_replicas - 1}]"
            )
        self.dataset, self.rank, self.shuffle, self.seed, self.drop_last = dataset, int(rank), shuffle, seed, drop_last
        self.epoch = 0
        n = len(dataset)
        if drop_last and n % self.num_replicas:
            self.num_samples = -(-(n - self.num_replicas) // self.num_replicas)
        else:
            self.num_samples = -(-n // self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            indices = Generator().manual_seed(self.seed + self.epoch).permutation(n).tolist()
        else:
            indices = list(range(n))
        if self.drop_last:
            indices = indices[: self.total_size]
        elif indices:
            indices = (indices * -(-self.total_size // n))[: self.total_size]
        return iter(indices[self.rank : self.total_size : self.num_replicas])

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """The epoch whose permutation the next pass takes (with ``shuffle``)."""
        self.epoch = epoch

"""``mytorch.utils.data``: PyTorch's ``Dataset``, ``TensorDataset``, ``Subset``, ``random_split``,
``default_collate`` and ``DataLoader``, loading in the calling process.

``import mytorch as torch`` makes ``torch.utils.data`` (and ``from mytorch.utils.data import
DataLoader``) this module: a training loop written for PyTorch, ::

    loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)
    for xb, yb in loader:
        ...

gets its batches as Tensors, in an order drawn from ``mytorch.default_generator`` (which
``mytorch.manual_seed`` seeds) or from the loader's ``generator``, once per pass. The order is
reproducible within MyTorch; it is not PyTorch's for the same seed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from mytorch.factories import _generator, as_tensor, default_generator, tensor
from mytorch.samplers import *  # noqa: F403 - RandomSampler, BatchSampler, ...
from mytorch.samplers import __all__ as _samplers_all
from mytorch.tensor import Tensor
from mytorch.tensor_shape import stack

__all__ = [
    "ChainDataset",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "IterableDataset",
    "StackDataset",
    "Subset",
    "TensorDataset",
    "default_collate",
    "get_worker_info",
    "random_split",
]
__all__ += _samplers_all


class Dataset:
    """A map-style data set: ``dataset[i]`` is sample i; subclasses define ``__getitem__`` and
    ``__len__`` (the loader needs both)."""

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __add__(self, other: Any) -> ConcatDataset:
        """This data set's samples, then ``other``'s."""
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """An iterable-style data set: subclasses define ``__iter__``, which yields the samples (a
    stream, a file read line by line). A ``DataLoader`` batches them in the order they come; it
    takes no ``shuffle``, ``sampler`` or ``batch_sampler`` for one, as in PyTorch."""

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")

    def __add__(self, other: Any) -> ChainDataset:  # type: ignore[override]
        """This data set's samples, then ``other``'s."""
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """The samples of each of ``datasets`` (iterable-style data sets) in turn."""

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = datasets

    def __iter__(self) -> Iterator[Any]:
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise TypeError(f"ChainDataset only supports IterableDataset, got {type(d).__name__}")
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets)


def get_worker_info() -> None:
    """None: the data is loaded in this process, as PyTorch's ``get_worker_info`` says there
    (an ``IterableDataset`` then yields all of its samples)."""
    return None


class TensorDataset(Dataset):
    """Samples ``tuple(t[i] for t in tensors)`` of Tensors sharing their first dimension.

    Raises:
        TypeError: an argument that is not a Tensor (wrap arrays with ``mytorch.tensor``).
        ValueError: first dimensions that differ (PyTorch: "Size mismatch between tensors").
    """

    def __init__(self, *tensors: Tensor) -> None:
        for i, t in enumerate(tensors):
            if not isinstance(t, Tensor) or t.ndim == 0:
                what = "a 0-d Tensor" if isinstance(t, Tensor) else type(t).__name__
                raise TypeError(f"TensorDataset: argument {i} must be a Tensor with a first dimension, got {what}")
        if len({t.shape[0] for t in tensors}) > 1:
            shapes = ", ".join(str(tuple(t.shape)) for t in tensors)
            raise ValueError(f"TensorDataset: size mismatch between tensors: shapes {shapes}")
        self.tensors = tuple(tensors)

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0] if self.tensors else 0


class ConcatDataset(Dataset):
    """The samples of each of ``datasets`` in turn; ``cumulative_sizes`` their running lengths."""

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        if any(isinstance(d, IterableDataset) for d in self.datasets):
            raise TypeError("ConcatDataset does not support IterableDataset; use ChainDataset")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        if index < 0:
            if -index > len(self):
                raise ValueError("ConcatDataset: absolute value of index should not exceed dataset length")
            index += len(self)
        part = int(np.searchsorted(self.cumulative_sizes, index, side="right"))
        if part >= len(self.datasets):
            raise IndexError(f"ConcatDataset: index {index} out of range for {len(self)} samples")
        return self.datasets[part][index - (self.cumulative_sizes[part - 1] if part else 0)]


class StackDataset(Dataset):
    """PyTorch's ``StackDataset(*datasets)`` or ``StackDataset(**datasets)``: sample i is the tuple
    (or the dict, by the keywords) of each data set's sample i; the data sets have one length."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args and kwargs:
            raise ValueError("StackDataset: give the data sets as positional or as keyword arguments, not both")
        parts = list(args) if args else list(kwargs.values())
        if not parts:
            raise ValueError("StackDataset: at least one data set is needed")
        sizes = {len(d) for d in parts}
        if len(sizes) != 1:
            raise ValueError(f"StackDataset: the data sets have different lengths {sorted(sizes)}")
        self.datasets: Any = args if args else kwargs
        self._length = sizes.pop()

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: int) -> Any:
        if isinstance(self.datasets, dict):
            return {key: d[index] for key, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset, self.indices = dataset, indices

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


def random_split(
    dataset: Any, lengths: Sequence[int | float], generator: np.random.Generator = default_generator
) -> list[Subset]:
    """``dataset`` split at random into Subsets of ``lengths`` (counts that add up to its length,
    or fractions that add up to 1: each gets floor(fraction * n), the rest one by one from the
    first), from one permutation drawn from ``generator``."""
    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, fraction in enumerate(lengths):
            if not 0 <= fraction <= 1:
                raise ValueError(f"random_split: fraction at index {i} is not between 0 and 1: {fraction}")
        counts = [math.floor(n * fraction) for fraction in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if any(not float(k).is_integer() or k < 0 for k in lengths):
        raise ValueError(f"random_split: lengths must be counts or fractions adding up to 1, got {list(lengths)}")
    if sum(lengths) != n:
        raise ValueError(f"random_split: the lengths {list(lengths)} add up to {sum(lengths)}, not the data set's {n}")
    order = _generator(generator, "random_split").permutation(n).tolist()
    ends = np.cumsum([int(k) for k in lengths]).tolist()
    return [Subset(dataset, order[end - int(k) : end]) for k, end in zip(lengths, ends)]


def _numbers(batch: list[Any], dtype: Any) -> Tensor:
    """Python numbers as one Tensor, as PyTorch's ``torch.tensor(batch)`` (``dtype`` None: ints and
    bools keep their type, a float among ints makes the default float dtype) or of ``dtype``."""
    for i, sample in enumerate(batch):
        if not isinstance(sample, (bool, int, float, np.bool_, np.integer, np.floating)):
            raise TypeError(
                f"default_collate: sample 0 is a {type(batch[0]).__name__} but sample {i} is a "
                f"{type(sample).__name__}; a batch of numbers must hold numbers only"
            )
    return tensor(batch, dtype=dtype)


def default_collate(batch: Sequence[Any]) -> Any:
    """A list of samples as one batch, as PyTorch's ``default_collate``: Tensors (and NumPy
    arrays) stacked along a new first axis; Python floats a float64 Tensor, ints an int64 one
    (bools a bool one); strings left as they come (a list, or a tuple of one field of samples
    that are tuples or lists); dicts, tuples and lists collated field by field (a tuple of fields
    gives a list, a named tuple its own type).

    Raises:
        TypeError: a sample of a type it cannot batch.
        RuntimeError: lists or tuples of different lengths.
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(list(batch), 0)
    if isinstance(elem, (np.ndarray, np.generic)) and elem.dtype.kind not in "USOV":
        if elem.ndim == 0:
            return as_tensor(np.asarray(batch))
        return stack([as_tensor(b) for b in batch], 0)
    if isinstance(elem, float):
        return _numbers(list(batch), np.float64)
    if isinstance(elem, int):  # (and bool) as PyTorch: [1, 2.5] is a float tensor, not [1, 2]
        return _numbers(list(batch), None)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, Mapping):
        for i, sample in enumerate(batch):
            if not isinstance(sample, Mapping) or any(key not in sample for key in elem):
                theirs = sorted(map(str, sample)) if isinstance(sample, Mapping) else f"a {type(sample).__name__}"
                raise KeyError(
                    f"default_collate: sample 0 has the keys {sorted(map(str, elem))} but sample {i} has {theirs}; "
                    "every sample of a batch needs sample 0's keys"
                )
        return {key: default_collate([sample[key] for sample in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a named tuple
        return type(elem)(*(default_collate(field) for field in zip(*batch)))
    if isinstance(elem, Sequence):
        if len({len(sample) for sample in batch}) > 1:
            raise RuntimeError("default_collate: each element in list of batch should be of equal size")
        return [default_collate(field) for field in zip(*batch)]  # (strings: a tuple per field, as PyTorch's)
    raise TypeError(
        "default_collate: batch must contain Tensors, NumPy arrays, numbers, dicts or lists; "
        f"found {type(elem).__name__}"
    )


def _converted(sample: Any) -> Any:
    """One sample as the loader gives it with ``batch_size=None``: arrays as Tensors."""
    if isinstance(sample, (np.ndarray, np.generic)) and sample.dtype.kind not in "USOV":
        return as_tensor(np.asarray(sample))
    if isinstance(sample, Mapping):
        return {key: _converted(value) for key, value in sample.items()}
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):
        return type(sample)(*(_converted(value) for value in sample))
    if isinstance(sample, (tuple, list)):
        return [_converted(value) for value in sample]
    return sample


def _plain(index: Any) -> Any:
    """A NumPy integer index as a Python int (what a data set's ``__getitem__`` expects)."""
    return int(index) if isinstance(index, np.integer) else index


def _index_array(indices: Any, what: str) -> np.ndarray:
    """``indices`` as an int64 array, refused unless they are integers (1.5 or True would be cast
    to 1: another sample, silently)."""
    array = np.asarray(indices)
    if array.size and array.dtype.kind not in "iu":
        first = array.flat[0].item()
        raise TypeError(f"DataLoader: {what} gave indices of dtype {array.dtype} ({first!r}); indices must be integers")
    return array.astype(np.int64, copy=False)


def _tensors_of(dataset: Any) -> tuple[tuple[Tensor, ...], Any] | None:
    """``(tensors, to_rows)`` when ``dataset`` is a TensorDataset or a Subset of one (a batch is
    then one indexing of each tensor); None otherwise."""
    rows = None
    while type(dataset) is Subset:
        indices = _index_array(dataset.indices, "a Subset's indices")
        rows = indices if rows is None else indices[rows]
        dataset = dataset.dataset
    if type(dataset) is not TensorDataset:
        return None
    return dataset.tensors, rows


class DataLoader:
    """Batches of a data set, as PyTorch's ``DataLoader`` (loading in this process).

    Args:
        dataset: a map-style data set (``__getitem__`` and ``__len__``): a ``TensorDataset``,
            a ``Subset``, a list, your own ``Dataset``; or an ``IterableDataset``, batched in the
            order it yields (its length, if it has one, is the loader's).
        batch_size: samples per batch (1); None gives the samples one by one, unbatched.
        shuffle: a new random order at each pass (``iter``), drawn from ``generator`` (default:
            ``mytorch.default_generator``); otherwise 0, 1, 2, ...
        sampler: an iterable of indices to use instead (not with ``shuffle``).
        batch_sampler: an iterable of index lists, one per batch (not with ``batch_size``,
            ``shuffle``, ``sampler`` or ``drop_last``).
        num_workers, pin_memory, timeout, worker_init_fn, multiprocessing_context, prefetch_factor,
            persistent_workers, pin_memory_device, in_order: accepted for PyTorch's scripts; the
            batches are loaded here, in order, and are the same as PyTorch's workers give.
        collate_fn: makes a batch of a list of samples (``default_collate``).
        drop_last: leave out a last batch smaller than ``batch_size``.
        generator: a NumPy Generator (``mytorch.Generator()``) for the shuffled order.

    Raises:
        ValueError: the combinations PyTorch refuses, a batch size that is not a positive int.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Iterable[int] | None = None,
        batch_sampler: Iterable[Sequence[int]] | None = None,
        num_workers: int = 0,
        collate_fn: Any = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Any = None,
        multiprocessing_context: Any = None,
        generator: np.random.Generator | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        if num_workers < 0:
            raise ValueError("DataLoader: num_workers must be non-negative; use num_workers=0 to load in this process")
        if timeout < 0:
            raise ValueError("DataLoader: timeout must be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("DataLoader: prefetch_factor needs num_workers > 0; leave it None")
        if persistent_workers and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers needs num_workers > 0")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler is mutually exclusive with shuffle")
        if isinstance(dataset, IterableDataset):
            for name, value in (("shuffle", shuffle), ("sampler", sampler), ("batch_sampler", batch_sampler)):
                if value is not None and value is not False:
                    raise ValueError(
                        f"DataLoader with IterableDataset: expected unspecified {name} option, but got {name}={value!r}"
                    )
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "DataLoader: batch_sampler is mutually exclusive with batch_size, shuffle, sampler and drop_last"
                )
            batch_size = None
        elif batch_size is None:
            if drop_last:
                raise ValueError("DataLoader: batch_size=None (no batching) is mutually exclusive with drop_last")
        elif isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self.num_workers = num_workers
        self.collate_fn = default_collate if collate_fn is None else collate_fn
        self.drop_last = bool(drop_last)
        self.generator = generator if generator is None else _generator(generator, "DataLoader")
        self.pin_memory, self.timeout, self.worker_init_fn = pin_memory, timeout, worker_init_fn

    def _order(self) -> Iterable[int]:
        """The indices of one pass."""
        if self.sampler is not None:
            return self.sampler
        n = len(self.dataset)
        if self.shuffle:
            return _generator(self.generator, "DataLoader").permutation(n)
        return range(n)

    def _batches(self) -> Iterable[Sequence[int]]:
        """The index lists of one pass."""
        if self.batch_sampler is not None:
            return self.batch_sampler
        order, size = list(self._order()), self.batch_size or 1
        stop = len(order) - len(order) % size if self.drop_last else len(order)
        return (order[start : start + size] for start in range(0, stop, size))

    def _stream(self) -> Iterator[Any]:
        """The batches of an ``IterableDataset``: its samples in the order they come."""
        if self.batch_size is None:
            for sample in self.dataset:
                yield _converted(sample)
            return
        batch: list[Any] = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

    def __iter__(self) -> Iterator[Any]:
        if isinstance(self.dataset, IterableDataset):
            yield from self._stream()
            return
        if self.batch_size is None and self.batch_sampler is None:
            for index in self._order():
                yield _converted(self.dataset[_plain(index)])
            return
        whole = _tensors_of(self.dataset) if self.collate_fn is default_collate else None
        for indices in self._batches():
            if whole is not None:
                tensors, rows = whole
                picked = _index_array(indices, "the sampler" if self.batch_sampler is None else "the batch_sampler")
                yield [t[picked if rows is None else rows[picked]] for t in tensors]
            else:
                yield self.collate_fn([self.dataset[_plain(i)] for i in indices])

    def __len__(self) -> int:
        """The number of batches in a pass (samples, with ``batch_size=None``)."""
        if self.batch_sampler is not None:
            return len(self.batch_sampler)  # type: ignore[arg-type]
        n = len(self.sampler) if self.sampler is not None else len(self.dataset)  # type: ignore[arg-type]
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

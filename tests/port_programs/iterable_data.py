import math

import torch
from torch.utils.data import ChainDataset, ConcatDataset, DataLoader, IterableDataset, TensorDataset, get_worker_info


class Stream(IterableDataset):
    def __init__(self, start, end):
        super().__init__()
        self.start, self.end = start, end

    def __iter__(self):
        info = get_worker_info()
        if info is None:
            lo, hi = self.start, self.end
        else:
            per = int(math.ceil((self.end - self.start) / float(info.num_workers)))
            lo = self.start + info.id * per
            hi = min(lo + per, self.end)
        for i in range(lo, hi):
            yield torch.tensor([float(i), i * 0.5]), i % 2


class Lines(IterableDataset):
    def __iter__(self):
        return iter([{"x": [1.0, 2.0], "y": 0}, {"x": [3.0, 4.0], "y": 1}, {"x": [5.0, 6.0], "y": 1}])


for x, y in DataLoader(Stream(0, 7), batch_size=3):
    print(x.tolist(), y.tolist())
print(list(DataLoader(Stream(0, 5), batch_size=2, drop_last=True))[-1][1].tolist())
print([s[1] for s in DataLoader(Stream(3, 6), batch_size=None)])
print(list(DataLoader(Stream(3, 6)))[0])
print(list(DataLoader(Lines(), batch_size=2)))
chain = ChainDataset([Stream(0, 2), Stream(10, 12)])
print([int(x[0, 0].item()) for x, _ in DataLoader(chain, batch_size=1)])
print([int(x[0].item()) for x, _ in Stream(0, 2) + Stream(5, 6)])
print(len(DataLoader(TensorDataset(torch.ones(5)), batch_size=2)))
for bad in [dict(shuffle=True), dict(sampler=[0, 1])]:
    try:
        DataLoader(Stream(0, 3), **bad)
    except ValueError as e:
        print("ValueError", str(e)[:40])
try:
    ConcatDataset([Stream(0, 2)])
except (TypeError, AssertionError):
    print("refused")
try:
    len(DataLoader(Stream(0, 3), batch_size=2))
except TypeError:
    print("TypeError len")


class Sized(Stream):
    def __len__(self):
        return self.end - self.start


print(len(DataLoader(Sized(0, 7), batch_size=3)), len(DataLoader(Sized(0, 7), batch_size=3, drop_last=True)))

# tolerance: 1e-9
import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence
from torch.utils.data import DataLoader, Dataset

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(3)


class Sequences(Dataset):
    """Variable-length sequences of tokens; the label is whether token 1 occurs more than token 2."""

    def __init__(self, n):
        self.items = []
        for _ in range(n):
            length = int(rng.integers(2, 9))
            seq = rng.integers(1, 6, size=length)
            self.items.append((torch.tensor(seq), int((seq == 1).sum() > (seq == 2).sum())))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, idx):
        return self.items[idx]


def collate(batch):
    seqs, ys = zip(*batch)
    lengths = torch.tensor([len(s) for s in seqs])
    padded = pad_sequence(seqs, batch_first=True, padding_value=0)
    return padded, lengths, torch.tensor(ys)


class Classifier(nn.Module):
    def __init__(self, vocab, emb, hidden, cell):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb, padding_idx=0)
        self.rnn = cell(emb, hidden, batch_first=True, bidirectional=True, num_layers=1)
        self.head = nn.Linear(2 * hidden, 2)

    def forward(self, x, lengths):
        packed = pack_padded_sequence(self.embedding(x), lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, h = self.rnn(packed)
        if isinstance(h, tuple):
            h = h[0]
        unpacked, out_lengths = pad_packed_sequence(out, batch_first=True, total_length=x.size(1))
        mask = (torch.arange(x.size(1))[None, :] < out_lengths[:, None]).unsqueeze(-1)
        mean = (unpacked * mask).sum(1) / out_lengths.unsqueeze(1).to(unpacked.dtype)
        last = torch.cat([h[-2], h[-1]], dim=1)
        return self.head(last + mean)


train = Sequences(48)
loader = DataLoader(train, batch_size=16, shuffle=False, collate_fn=collate)
x, lengths, y = next(iter(loader))
print(x.shape, lengths.tolist(), y.tolist())
packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
print(packed.batch_sizes.tolist(), packed.sorted_indices.tolist(), packed.unsorted_indices.tolist())
print(packed.data[:10].tolist())

for cell in (nn.LSTM, nn.GRU):
    torch.manual_seed(0)
    model = Classifier(6, 5, 7, cell)
    r = np.random.default_rng(11)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.from_numpy(r.uniform(-0.3, 0.3, tuple(p.shape))))
        model.embedding.weight[0].zero_()
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    criterion = nn.CrossEntropyLoss()
    for epoch in range(3):
        total, correct = 0.0, 0
        for x, lengths, y in loader:
            opt.zero_grad()
            logits = model(x, lengths)
            loss = criterion(logits, y)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            opt.step()
            total += loss.item() * len(y)
            correct += (logits.argmax(1) == y).sum().item()
        print(f"{cell.__name__} epoch {epoch} loss {total / len(train):.12f} acc {correct}/{len(train)}")
    print(f"padding row grad {model.embedding.weight.grad[0].abs().sum().item():.3f}")
    print(f"{model.rnn.weight_hh_l0_reverse.grad.norm().item():.12e}")

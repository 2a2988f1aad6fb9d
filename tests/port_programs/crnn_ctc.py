# tolerance: 1e-9
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import parametrize
from torch.nn.utils.parametrizations import weight_norm

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(0)
# "images" of digit strings: each column block a noisy one-hot stripe of its digit
alphabet = "-0123"  # index 0 is the CTC blank
strings = ["12", "301", "2", "1123", "33", "0"]


def render(s, width=16):
    img = rng.normal(0, 0.1, size=(1, 10, width))
    for i, ch in enumerate(s):
        c = alphabet.index(ch)
        img[0, 2 * c : 2 * c + 2, 3 * i + 1 : 3 * i + 3] += 1.0
    return img


images = torch.from_numpy(np.stack([render(s) for s in strings]))
targets = torch.cat([torch.tensor([alphabet.index(c) for c in s]) for s in strings])
target_lengths = torch.tensor([len(s) for s in strings])


class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)

    def right_inverse(self, A):
        return A.triu()


class CRNN(nn.Module):
    def __init__(self, n_classes=5, hidden=8):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1),
            nn.LocalResponseNorm(3, alpha=1e-2, beta=0.75, k=2.0),
            nn.ReLU(),
            nn.MaxPool2d((2, 1)),
            weight_norm(nn.Conv2d(4, 6, 3, padding=1)),
            nn.ReLU(),
        )
        self.mix = nn.Linear(30, 30, bias=False)
        parametrize.register_parametrization(self.mix, "weight", Symmetric())
        self.rnn = nn.GRU(30, hidden, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, n_classes)

    def forward(self, x):
        f = self.cnn(x).flatten(1, 2)  # (N, C * H, W)
        f = self.mix(f.permute(2, 0, 1))  # (W, N, C)
        out, _ = self.rnn(f)
        return self.fc(out).log_softmax(2)  # (T, N, classes)


model = CRNN()
r = np.random.default_rng(1)
state = model.state_dict()
model.load_state_dict({k: torch.from_numpy(r.normal(0, 0.2, tuple(v.shape))) for k, v in state.items()})
print(sorted(k for k in state if "parametrizations" in k), type(model.mix).__name__)
criterion = nn.CTCLoss(blank=0, zero_infinity=True)
optimizer = torch.optim.Adam(model.parameters(), lr=0.08)
input_lengths = torch.full((len(strings),), 16, dtype=torch.long)
for epoch in range(32):
    optimizer.zero_grad()
    log_probs = model(images)
    loss = criterion(log_probs, targets, input_lengths, target_lengths)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    optimizer.step()
    if epoch % 8 == 7:
        print(
            f"epoch {epoch} ctc {loss.item():.12f} g {model.cnn[4].parametrizations.weight.original0.norm().item():.12f}"
        )


def greedy(log_probs):
    best = log_probs.argmax(2).t()  # (N, T)
    out = []
    for row in best.tolist():
        collapsed = [c for i, c in enumerate(row) if c != 0 and (i == 0 or c != row[i - 1])]
        out.append("".join(alphabet[c] for c in collapsed))
    return out


with torch.no_grad():
    lp = model(images)
print(greedy(lp))
per_sample = F.ctc_loss(lp, targets, input_lengths, target_lengths, reduction="none")
print([f"{v:.10f}" for v in per_sample.tolist()])
w = model.mix.weight
print(torch.allclose(w, w.T), [f"{v:.10f}" for v in w.diagonal().tolist()[:3]])

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

text = "hello world, hello torch. the quick brown fox jumps over the lazy dog. " * 3
chars = sorted(list(set(text)))
char_to_ix = {ch: i for i, ch in enumerate(chars)}
ix_to_char = {i: ch for i, ch in enumerate(chars)}
vocab_size = len(chars)
data = torch.tensor([char_to_ix[c] for c in text], dtype=torch.long)


def init(model, seed):
    r = np.random.default_rng(seed)
    model.load_state_dict(
        {k: torch.tensor(r.uniform(-0.2, 0.2, tuple(v.shape)), dtype=v.dtype) for k, v in model.state_dict().items()}
    )


class CharModel(nn.Module):
    def __init__(self, kind, vocab_size, embed=8, hidden=16, layers=2):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed)
        rnn_cls = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[kind]
        self.rnn = rnn_cls(embed, hidden, num_layers=layers, batch_first=True, dropout=0.0)
        self.fc = nn.Linear(hidden, vocab_size)
        self.kind = kind
        self.hidden = hidden
        self.layers = layers

    def init_hidden(self, batch_size):
        h = torch.zeros(self.layers, batch_size, self.hidden)
        if self.kind == "lstm":
            return (h, torch.zeros_like(h))
        return h

    def forward(self, x, hidden):
        out, hidden = self.rnn(self.embed(x), hidden)
        out = out.reshape(-1, out.shape[2])
        return self.fc(out), hidden


seq_len = 10
for kind in ["rnn", "lstm", "gru"]:
    model = CharModel(kind, vocab_size)
    init(model, 7)
    opt = torch.optim.RMSprop(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    for epoch in range(3):
        hidden = model.init_hidden(4)
        total = 0.0
        for i in range(0, 40, seq_len):
            inp = torch.stack([data[i + j * 40 : i + j * 40 + seq_len] for j in range(4)])
            tgt = torch.stack([data[i + j * 40 + 1 : i + j * 40 + seq_len + 1] for j in range(4)])
            if isinstance(hidden, tuple):
                hidden = tuple(h.detach() for h in hidden)
            else:
                hidden = hidden.detach()
            model.zero_grad()
            logits, hidden = model(inp, hidden)
            loss = loss_fn(logits, tgt.view(-1))
            loss.backward()
            torch.nn.utils.clip_grad_value_(model.parameters(), 0.5)
            opt.step()
            total += loss.item()
        print(f"{kind} epoch {epoch} loss {total / 4:.5f}")
    # sampling greedy
    model.eval()
    with torch.no_grad():
        x = torch.tensor([[char_to_ix["h"]]])
        h = model.init_hidden(1)
        out = "h"
        for _ in range(15):
            logits, h = model(x, h)
            p = F.softmax(logits[-1] / 0.8, dim=-1)
            ix = torch.argmax(p).item()
            out += ix_to_char[ix]
            x = torch.tensor([[ix]])
        print(repr(out))
    print([n for n, _ in model.named_parameters()])

# cells
cell = nn.LSTMCell(4, 5)
init(cell, 1)
gcell = nn.GRUCell(4, 5)
init(gcell, 2)
rcell = nn.RNNCell(4, 5, nonlinearity="relu")
init(rcell, 3)
x = torch.linspace(-1, 1, 24).view(6, 4)
hx, cx = torch.zeros(1, 5), torch.zeros(1, 5)
g = torch.zeros(1, 5)
rh = torch.zeros(1, 5)
outs = []
for t in range(6):
    hx, cx = cell(x[t : t + 1], (hx, cx))
    g = gcell(x[t : t + 1], g)
    rh = rcell(x[t : t + 1], rh)
    outs.append(hx)
stack = torch.cat(outs, dim=0)
print(stack.sum().item(), g.sum().item(), rh.sum().item())
(stack.sum() + g.sum() + rh.sum()).backward()
print(cell.weight_hh.grad.norm().item(), gcell.bias_ih.grad.abs().sum().item(), rcell.weight_ih.grad.sum().item())

# bidirectional
bi = nn.LSTM(3, 4, batch_first=False, bidirectional=True)
init(bi, 5)
seq = torch.sin(torch.arange(15, dtype=torch.float32)).reshape(5, 1, 3)
o, (hn, cn) = bi(seq)
print(o.shape, hn.shape, cn.shape)
print(o[-1, 0, :4].tolist(), hn[1].tolist())
bg = nn.GRU(3, 4, bidirectional=True, num_layers=2)
init(bg, 6)
o2, h2 = bg(seq)
print(o2.shape, h2.shape, f"{o2.mean().item():.6f}")

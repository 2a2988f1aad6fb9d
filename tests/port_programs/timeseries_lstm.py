# tolerance: 1e-9
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

torch.set_default_dtype(torch.float64)
t = torch.arange(120.0)
series = torch.sin(t / 6) + 0.5 * torch.cos(t / 15) + 0.05 * torch.tensor(np.random.default_rng(81).normal(size=120))
lo, hi = series.min(), series.max()
scaled = (series - lo) / (hi - lo)
window = 12
frames = scaled.unfold(0, window + 1, 1)
print(frames.shape, torch.equal(frames[3], scaled[3 : 3 + window + 1]))
X, y = frames[:, :window].unsqueeze(-1), frames[:, window:]
split = int(0.8 * len(X))
train = TensorDataset(X[:split], y[:split])
test_X, test_y = X[split:], y[split:]
loader = DataLoader(train, batch_size=16, shuffle=False)
print(len(train), len(loader), test_X.shape)


class Forecaster(nn.Module):
    def __init__(self, hidden=10):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, num_layers=2, batch_first=True, dropout=0.0)
        self.head = nn.Sequential(nn.Linear(hidden, 8), nn.ReLU(), nn.Linear(8, 1))

    def forward(self, x):
        out, (h, c) = self.lstm(x)
        return self.head(out[:, -1, :])


model = Forecaster()
r = np.random.default_rng(82)
model.load_state_dict({k: torch.tensor(r.uniform(-0.3, 0.3, tuple(v.shape))) for k, v in model.state_dict().items()})
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.7)
criterion = nn.MSELoss()
for epoch in range(4):
    model.train()
    running = 0.0
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        running += loss.item() * xb.size(0)
    scheduler.step()
    model.eval()
    with torch.no_grad():
        pred = model(test_X)
        mae = (pred - test_y).abs().mean().item()
        rmse = torch.sqrt(((pred - test_y) ** 2).mean()).item()
    print(epoch, round(running / len(train), 10), round(mae, 10), round(rmse, 10), scheduler.get_last_lr())

# autoregressive forecast, then back to the original scale
with torch.no_grad():
    context = scaled[-window:].clone()
    forecast = []
    for _ in range(5):
        nxt = model(context.view(1, window, 1)).squeeze()
        forecast.append(nxt.item())
        context = torch.cat([context[1:], nxt.view(1)])
print([round(v * (hi - lo).item() + lo.item(), 10) for v in forecast])
print(round(torch.corrcoef(torch.stack([pred.squeeze(), test_y.squeeze()]))[0, 1].item(), 10))

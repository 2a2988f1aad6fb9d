# A tiny autoencoder on binary 4x4 patterns, as a learner writes one: nn.Flatten and nn.Unflatten,
# an encoder and a decoder as separate nn.Sequential, BCEWithLogitsLoss with pos_weight, RMSprop,
# torch.sigmoid of the logits for the reconstruction, thresholding, the code of each pattern, and
# gradient-norm clipping with the total norm printed
import numpy as np
import torch
import torch.nn as nn

rng = np.random.default_rng(23)
bars = []
for k in range(4):
    img = np.zeros((4, 4), dtype=np.float32)
    img[k, :] = 1
    bars.append(img)
    img = np.zeros((4, 4), dtype=np.float32)
    img[:, k] = 1
    bars.append(img)
data = torch.tensor(np.stack(bars)).unsqueeze(1)  # (8, 1, 4, 4)
print(data.shape, data.dim(), data.sum().item(), data.mean())


class AutoEncoder(nn.Module):
    def __init__(self, code=3):
        super().__init__()
        self.encoder = nn.Sequential(nn.Flatten(), nn.Linear(16, 8), nn.LeakyReLU(0.1), nn.Linear(8, code))
        self.decoder = nn.Sequential(
            nn.Linear(code, 8), nn.LeakyReLU(0.1), nn.Linear(8, 16), nn.Unflatten(1, (1, 4, 4))
        )

    def forward(self, x):
        z = self.encoder(x)
        return self.decoder(z), z


model = AutoEncoder()
for m in model.modules():
    if isinstance(m, nn.Linear):
        with torch.no_grad():
            m.weight.copy_(torch.from_numpy(rng.uniform(-0.6, 0.6, m.weight.shape).astype(np.float32)))
            m.bias.fill_(0.01)
print(model.encoder)
print(sum(p.numel() for p in model.encoder.parameters()), sum(p.numel() for p in model.decoder.parameters()))

pos_weight = torch.full((1, 4, 4), 3.0)
criterion = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
optimizer = torch.optim.RMSprop(model.parameters(), lr=0.01, alpha=0.9)
history = []
for step in range(120):
    logits, code = model(data)
    loss = criterion(logits, data)
    optimizer.zero_grad()
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=2.0)
    optimizer.step()
    history.append(loss.item())
    if step % 30 == 0:
        print(f"step {step:3d} loss {loss.item():.5f} grad norm {norm:.4f}")

print("loss went down:", history[-1] < history[0], round(min(history), 4))
model.eval()
with torch.no_grad():
    logits, code = model(data)
    recon = torch.sigmoid(logits)
    binary = (recon > 0.5).float()
print(recon.shape, code.shape, binary.dtype)
print("pixels wrong per image:", (binary != data).sum(dim=(1, 2, 3)).tolist())
print("codes:\n", code.round(decimals=2))
print(recon[0, 0])
print(torch.nn.functional.binary_cross_entropy(recon, data).item())
print(nn.BCEWithLogitsLoss(reduction="none")(logits[:2], data[:2]).shape)

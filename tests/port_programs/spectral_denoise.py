# tolerance: 1e-9
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(11)
n, length = 16, 64
time = torch.arange(length) / length
freqs = torch.tensor(rng.integers(1, 6, size=(n, 1)))
clean = torch.sin(2 * math.pi * freqs * time) + 0.5 * torch.cos(2 * math.pi * 2 * freqs * time)
noisy = clean + 0.4 * torch.tensor(rng.normal(size=(n, length)))

spectrum = torch.fft.rfft(noisy, dim=-1)
print(spectrum.shape, spectrum.dtype, torch.fft.rfftfreq(length, d=1 / length)[:5].tolist())
power = spectrum.abs() ** 2
print(power.argmax(dim=-1)[:6].tolist(), freqs.flatten()[:6].tolist())
roundtrip = torch.fft.irfft(spectrum, n=length)
print(torch.allclose(roundtrip, noisy), round((roundtrip - noisy).abs().max().item(), 12) < 1e-12)
print(torch.fft.fftshift(torch.fft.fftfreq(8)).tolist())


class SpectralFilter(nn.Module):
    """A learned gain per frequency and a small convolution after it."""

    def __init__(self, length):
        super().__init__()
        self.gain = nn.Parameter(torch.zeros(length // 2 + 1))
        self.conv = nn.Conv1d(1, 1, kernel_size=5, padding=2)

    def forward(self, x):
        X = torch.fft.rfft(x, norm="ortho")
        X = X * torch.sigmoid(self.gain)
        y = torch.fft.irfft(X, n=x.shape[-1], norm="ortho")
        return y + self.conv(y.unsqueeze(1)).squeeze(1)


def spectral_loss(pred, target):
    P = torch.fft.rfft(pred)
    T = torch.fft.rfft(target)
    return (P - T).abs().pow(2).mean() / pred.shape[-1] + F.l1_loss(P.abs(), T.abs()) / pred.shape[-1]


model = SpectralFilter(length)
with torch.no_grad():
    model.gain.copy_(torch.tensor(rng.normal(0, 0.5, size=length // 2 + 1)))
    model.conv.weight.copy_(torch.tensor(rng.normal(0, 0.1, size=(1, 1, 5))))
    model.conv.bias.zero_()
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
for step in range(15):
    optimizer.zero_grad()
    out = model(noisy)
    loss = F.mse_loss(out, clean) + 0.1 * spectral_loss(out, clean)
    loss.backward()
    optimizer.step()
    if step % 3 == 0:
        print(step, round(loss.item(), 10), round(model.gain.grad.norm().item(), 10))
print([round(v, 8) for v in torch.sigmoid(model.gain[:6]).tolist()])

# a 2-D transform of a batch of images, and the gradient of its log-magnitude spectrum
images = torch.tensor(rng.normal(size=(2, 8, 8)), requires_grad=True)
F2 = torch.fft.fft2(images)
centered = torch.fft.fftshift(F2, dim=(-2, -1))
logmag = torch.log1p(centered.abs())
logmag.sum().backward()
print(centered.shape, round(logmag.mean().item(), 10), round(images.grad.abs().sum().item(), 10))
print(
    torch.allclose(torch.fft.ifft2(F2).real, images.detach()),
    torch.fft.ifftn(F2, dim=(-2, -1)).imag.abs().max().item() < 1e-12,
)
z = torch.fft.rfftn(images.detach(), s=(8, 6))
print(z.shape, torch.fft.irfftn(z, s=(8, 6)).shape, round(torch.fft.hfft(z[0, 0], n=10).sum().item(), 10))

# tolerance: 1e-9
import numpy as np
import torch
import torch.nn as nn

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(0)
real_bank = torch.from_numpy(rng.normal([2.0, -1.0], [0.5, 0.3], size=(10, 32, 2)))
noise_bank = torch.from_numpy(rng.normal(size=(10, 2, 32, 4)))


class Generator(nn.Module):
    def __init__(self, nz=4):
        super().__init__()
        self.main = nn.Sequential(nn.Linear(nz, 16), nn.LeakyReLU(0.2, inplace=True), nn.Linear(16, 2))

    def forward(self, z):
        return self.main(z)


class Discriminator(nn.Module):
    def __init__(self):
        super().__init__()
        self.main = nn.Sequential(nn.Linear(2, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))

    def forward(self, x):
        return self.main(x).view(-1)


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find("Linear") != -1:
        nn.init.constant_(m.bias.data, 0.0)


netG, netD = Generator(), Discriminator()
netG.apply(weights_init)
netD.apply(weights_init)
r = np.random.default_rng(1)
with torch.no_grad():
    for net in (netG, netD):
        for name, p in net.named_parameters():
            if name.endswith("weight"):
                p.copy_(torch.from_numpy(r.normal(0, 0.3, tuple(p.shape))))
print(netD.main[2].bias.tolist(), sum(p.numel() for p in netG.parameters()))

criterion = nn.BCEWithLogitsLoss()
real_label, fake_label = 1.0, 0.0
optimizerD = torch.optim.Adam(netD.parameters(), lr=2e-3, betas=(0.5, 0.999))
optimizerG = torch.optim.Adam(netG.parameters(), lr=2e-3, betas=(0.5, 0.999))
for i in range(10):
    # (1) update D: maximize log(D(x)) + log(1 - D(G(z)))
    netD.zero_grad()
    real = real_bank[i]
    label = torch.full((real.size(0),), real_label, dtype=torch.float64)
    output = netD(real)
    errD_real = criterion(output, label)
    errD_real.backward()
    D_x = torch.sigmoid(output).mean().item()
    fake = netG(noise_bank[i, 0])
    label.fill_(fake_label)
    output = netD(fake.detach())
    errD_fake = criterion(output, label)
    errD_fake.backward()
    D_G_z1 = torch.sigmoid(output).mean().item()
    errD = errD_real + errD_fake
    optimizerD.step()
    # (2) update G: maximize log(D(G(z)))
    netG.zero_grad()
    label.fill_(real_label)
    output = netD(fake)
    errG = criterion(output, label)
    errG.backward()
    D_G_z2 = torch.sigmoid(output).mean().item()
    optimizerG.step()
    print(
        f"[{i}] Loss_D: {errD.item():.10f} Loss_G: {errG.item():.10f} D(x): {D_x:.10f} D(G(z)): {D_G_z1:.10f} / {D_G_z2:.10f}"
    )

# D's gradients from the generator step were not cleared: zero_grad(set_to_none) and requires_grad_ toggling
print(netD.main[0].weight.grad is not None, f"{netD.main[0].weight.grad.norm().item():.10f}")
for p in netD.parameters():
    p.requires_grad_(False)
netG.zero_grad(set_to_none=True)
loss = criterion(netD(netG(noise_bank[0, 1])), torch.ones(32))
loss.backward()
print(all(p.grad is None for p in netD.parameters()), netG.main[0].weight.grad is not None, f"{loss.item():.10f}")
for p in netD.parameters():
    p.requires_grad_(True)

# a WGAN-GP style gradient penalty: gradients of D's output with respect to its input, create_graph
alpha = torch.from_numpy(rng.random((32, 1)))
interp = (alpha * real_bank[0] + (1 - alpha) * netG(noise_bank[0, 0]).detach()).requires_grad_(True)
d_interp = netD(interp)
grads = torch.autograd.grad(
    outputs=d_interp, inputs=interp, grad_outputs=torch.ones_like(d_interp), create_graph=True, retain_graph=True
)[0]
penalty = ((grads.norm(2, dim=1) - 1) ** 2).mean()
netD.zero_grad()
penalty.backward()
print(
    f"{penalty.item():.12f} {netD.main[0].weight.grad.abs().sum().item():.12f} {netD.main[2].weight.grad.abs().sum().item():.12f}"
)
with torch.no_grad():
    samples = netG(noise_bank[9, 1])
print([f"{v:.8f}" for v in samples.mean(0).tolist()], [f"{v:.8f}" for v in samples.std(0).tolist()])

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Conv2d(4, 6, 3, padding=1), nn.ReLU()
        )
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        return self.fc(self.pool(self.features(x)).flatten(1))


model = Net()
r = np.random.default_rng(0)
model.load_state_dict(
    {k: torch.tensor(r.uniform(-0.5, 0.5, tuple(v.shape)), dtype=torch.float32) for k, v in model.state_dict().items()}
)
model.eval()
activations, gradients = {}, {}


def fwd_hook(module, inp, out):
    activations["value"] = out.detach()


def bwd_hook(module, grad_input, grad_output):
    gradients["value"] = grad_output[0].detach()
    gradients["gin"] = [None if g is None else tuple(g.shape) for g in grad_input]


target_layer = model.features[2]
h1 = target_layer.register_forward_hook(fwd_hook)
h2 = target_layer.register_full_backward_hook(bwd_hook)
x = torch.tensor(r.normal(size=(2, 1, 6, 6)), dtype=torch.float32)
logits = model(x)
cls = logits.argmax(dim=1)
score = logits.gather(1, cls.view(-1, 1)).sum()
model.zero_grad()
score.backward()
A, G = activations["value"], gradients["value"]
weights = G.mean(dim=(2, 3), keepdim=True)
cam = F.relu((weights * A).sum(dim=1))
cam = cam / (cam.amax(dim=(1, 2), keepdim=True) + 1e-8)
print(cam.shape, gradients["gin"])
print([round(v, 5) for v in cam[0].flatten().tolist()[:12]])
h1.remove()
h2.remove()
# saliency map
x.requires_grad_()
out = model(x)
out[0, 1].backward()
sal = x.grad.abs().amax(dim=1)
print(sal.shape, f"{sal.sum().item():.6f}")
# a hook that changes grad_input: gradient clipping per layer
calls = []


def clip_hook(module, grad_input, grad_output):
    calls.append(type(module).__name__)
    return tuple(None if g is None else g.clamp(-0.01, 0.01) for g in grad_input)


hs = [m.register_full_backward_hook(clip_hook) for m in model.modules() if isinstance(m, (nn.Linear, nn.ReLU))]
pre = model.fc.register_full_backward_pre_hook(lambda m, go: (go[0] * 2,))
x2 = x.detach().requires_grad_()
model(x2).sum().backward()
print(calls, f"{x2.grad.abs().sum().item():.6f}", f"{model.features[0].weight.grad.sum().item():.6f}")
for h in hs:
    h.remove()
pre.remove()
model.zero_grad()
model(x2).sum().backward()
print(f"{model.fc.weight.grad.sum().item():.6f}")

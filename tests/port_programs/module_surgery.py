# tolerance: 1e-10
import math
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.ff = nn.Sequential(
            OrderedDict(
                [
                    ("fc", nn.Linear(dim, 2 * dim)),
                    ("act", nn.GELU(approximate="tanh")),
                    ("proj", nn.Linear(2 * dim, dim)),
                ]
            )
        )
        self.register_buffer("scale", torch.tensor(0.5))
        self.register_buffer("calls", torch.zeros((), dtype=torch.long), persistent=False)

    def forward(self, x):
        self.calls += 1
        return x + self.scale * self.ff(self.norm(x))


class TiedLM(nn.Module):
    def __init__(self, vocab=10, dim=6, depth=2):
        super().__init__()
        self.wte = nn.Embedding(vocab, dim)
        self.blocks = nn.ModuleList([Block(dim) for _ in range(depth)])
        self.shared = Block(dim)  # used twice
        self.heads = nn.ModuleDict({"lm": nn.Linear(dim, vocab, bias=False), "cls": nn.Linear(dim, 2)})
        self.heads["lm"].weight = self.wte.weight
        self.temperature = nn.Parameter(torch.ones(1))
        self.extras = nn.ParameterList([nn.Parameter(torch.zeros(dim)) for _ in range(2)])

    def forward(self, idx):
        x = self.wte(idx) + self.extras[0]
        for block in self.blocks:
            x = block(x)
        x = self.shared(self.shared(x))
        return self.heads["lm"](x) / self.temperature, self.heads["cls"](x.mean(1))


def init_weights(m):
    if isinstance(m, nn.Linear):
        nn.init.xavier_uniform_(m.weight, gain=nn.init.calculate_gain("relu"))
        if m.bias is not None:
            nn.init.zeros_(m.bias)
    elif isinstance(m, nn.Embedding):
        nn.init.normal_(m.weight, mean=0.0, std=0.02)
    elif isinstance(m, nn.LayerNorm):
        nn.init.ones_(m.weight)
        nn.init.zeros_(m.bias)


model = TiedLM()
model.apply(init_weights)
bound = math.sqrt(2) * math.sqrt(6 / (6 + 12))
w = model.blocks[0].ff.fc.weight
print(
    bool(w.abs().max() <= bound),
    w.abs().max().item() > bound / 2,
    nn.init.calculate_gain("leaky_relu", 0.2),
    nn.init.calculate_gain("tanh"),
)
print(model.heads["lm"].weight is model.wte.weight, len(list(model.parameters())), len(model.state_dict()))
print(len(list(model.named_parameters(remove_duplicate=False))), sum(p.numel() for p in model.parameters()))
print([n for n, _ in model.named_modules() if isinstance(_, nn.Linear)])
print([n for n, m in model.named_modules() if isinstance(m, Block)], [n for n, _ in model.named_children()])
print(sorted(k for k in model.state_dict() if "scale" in k or "calls" in k), [n for n, _ in model.named_buffers()][:3])
print(
    model.get_submodule("blocks.1.ff.act"),
    model.get_parameter("blocks.0.norm.bias").shape,
    type(model.blocks[1]).__name__,
)

# deterministic weights for the comparison, loaded through the state_dict (the tied weight once)
r = np.random.default_rng(0)
state = model.state_dict()
model.load_state_dict(
    {
        k: torch.from_numpy(r.normal(0, 0.3, tuple(v.shape))) if v.is_floating_point() and v.dim() > 0 else v
        for k, v in state.items()
    }
)
print(torch.equal(model.heads["lm"].weight, model.wte.weight))

# freeze the embedding and the first block, decay only matrices
for name, p in model.named_parameters():
    if name.startswith(("wte", "blocks.0")):
        p.requires_grad_(False)
trainable = [p for p in model.parameters() if p.requires_grad]
decay = [p for n, p in model.named_parameters() if p.requires_grad and p.dim() >= 2]
no_decay = [p for n, p in model.named_parameters() if p.requires_grad and p.dim() < 2]
print(len(trainable), len(decay), len(no_decay))
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}], lr=0.01)

# hooks: activations by forward hooks, gradient norms by tensor hooks, a forward pre-hook changing the input
activations = {}


def save(name):
    def hook(module, inputs, output):
        activations[name] = output.detach()

    return hook


handles = [m.register_forward_hook(save(n)) for n, m in model.named_modules() if isinstance(m, nn.LayerNorm)]
pre = model.heads["cls"].register_forward_pre_hook(lambda module, inputs: (inputs[0] * 2,))
grad_norms = []
model.temperature.register_hook(lambda g: grad_norms.append(g.norm().item()))
idx = torch.from_numpy(r.integers(0, 10, size=(3, 5)))
labels = torch.tensor([0, 1, 1])
for step in range(3):
    opt.zero_grad()
    logits, cls = model(idx)
    loss = F.cross_entropy(logits[:, :-1].reshape(-1, 10), idx[:, 1:].reshape(-1)) + F.cross_entropy(cls, labels)
    loss.backward()
    opt.step()
    print(f"step {step} loss {loss.item():.12f} temp {model.temperature.item():.12f} grad {grad_norms[-1]:.12f}")
print(
    sorted(activations),
    [tuple(a.shape) for a in activations.values()][:1],
    model.shared.calls.item(),
    model.blocks[0].calls.item(),
)
for h in handles:
    h.remove()
pre.remove()
activations.clear()
model(idx)
print(len(activations), model.wte.weight.grad is None, model.blocks[0].ff.fc.weight.grad is None)

# parameters_to_vector / vector_to_parameters, copy of a sub-module, parameter count by type
vec = nn.utils.parameters_to_vector(model.heads.parameters())
nn.utils.vector_to_parameters(vec * 0.5, model.heads.parameters())
print(vec.shape, f"{model.heads['cls'].weight.sum().item():.12f}")
counts = {}
for m in model.modules():
    counts[type(m).__name__] = counts.get(type(m).__name__, 0) + sum(p.numel() for p in m.parameters(recurse=False))
print(sorted(counts.items()))
model.zero_grad()
model.eval()
print(model.training, model.blocks[0].training, model.heads.training)

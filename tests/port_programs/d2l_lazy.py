import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

torch.manual_seed(0)
net = nn.Sequential(nn.Flatten(), nn.LazyLinear(256), nn.ReLU(), nn.LazyLinear(10))
print(net)
print([type(m).__name__ for m in net])
opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
X = torch.tensor(np.random.default_rng(0).normal(size=(4, 1, 5, 5)), dtype=torch.float32)
y = torch.tensor([0, 1, 2, 3])
out = net(X)
print(out.shape, [type(m).__name__ for m in net], net[1].in_features, net[1].weight.shape)
r = np.random.default_rng(1)
net.load_state_dict(
    {k: torch.tensor(r.uniform(-0.2, 0.2, tuple(v.shape)), dtype=torch.float32) for k, v in net.state_dict().items()}
)
for i in range(3):
    opt.zero_grad()
    loss = F.cross_entropy(net(X), y)
    loss.backward()
    opt.step()
    print(i, round(loss.item(), 5))


def init_cnn(module):
    if type(module) == nn.Linear or type(module) == nn.Conv2d:
        nn.init.xavier_uniform_(module.weight)


lenet = nn.Sequential(
    nn.LazyConv2d(6, kernel_size=5, padding=2),
    nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.LazyConv2d(16, kernel_size=3),
    nn.LazyBatchNorm2d(),
    nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Flatten(),
    nn.LazyLinear(12),
    nn.LazyBatchNorm1d(),
    nn.Sigmoid(),
    nn.LazyLinear(10),
)
Xc = torch.tensor(np.random.default_rng(2).normal(size=(3, 1, 12, 12)), dtype=torch.float32)
lenet(Xc)
lenet.apply(init_cnn)
for layer in lenet:
    Xc = layer(Xc)
    print(layer.__class__.__name__, "output shape:\t", tuple(Xc.shape))
print(lenet[4].num_features, lenet[4].running_mean.shape, lenet[0].in_channels)

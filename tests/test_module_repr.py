"""``repr`` of modules whose settings PyTorch prints: the same text as PyTorch 2.13's."""

from __future__ import annotations

import pytest

import mytorch.nn as nn

MODULES = {
    "ConvTranspose2d(8, 4, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), output_padding=(1, 1), groups=2)": (
        lambda L: L.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1, groups=2)
    ),
    "Conv2d(4, 4, kernel_size=(3, 5), stride=(1, 1), padding=same, groups=2)": (
        lambda L: L.Conv2d(4, 4, (3, 5), padding="same", groups=2)
    ),
    "PixelShuffle(upscale_factor=2)": lambda L: L.PixelShuffle(2),
    "PixelUnshuffle(downscale_factor=3)": lambda L: L.PixelUnshuffle(3),
    "ChannelShuffle(groups=2)": lambda L: L.ChannelShuffle(2),
    "Upsample(scale_factor=2.0, mode='nearest')": lambda L: L.Upsample(scale_factor=2),
    "Fold(output_size=(4, 4), kernel_size=2, dilation=1, padding=0, stride=1)": (
        lambda L: L.Fold(output_size=(4, 4), kernel_size=2)
    ),
    "Unfold(kernel_size=2, dilation=1, padding=0, stride=2)": lambda L: L.Unfold(kernel_size=2, stride=2),
    # print(model) of a learner's program: these printed otherwise until 2026-12-04
    "ModuleList(\n  (0-2): 3 x Linear(in_features=2, out_features=2, bias=True)\n  (3): ReLU()\n"
    "  (4-5): 2 x Sequential(\n    (0): Tanh()\n    (1): Tanh()\n  )\n)": (
        lambda L: L.ModuleList(
            [*(L.Linear(2, 2) for _ in range(3)), L.ReLU(), *(L.Sequential(L.Tanh(), L.Tanh()) for _ in range(2))]
        )
    ),
    "ModuleList()": lambda L: L.ModuleList(),
    "EmbeddingBag(20, 4, mode='max', padding_idx=2)": lambda L: L.EmbeddingBag(20, 4, mode="max", padding_idx=2),
    "Sequential(\n  (0): Tanh()\n  (1): Tanh()\n)": lambda L: L.Sequential(L.Tanh(), L.Tanh()),
    "MultiheadAttention(\n  (out_proj): NonDynamicallyQuantizableLinear(in_features=8, out_features=8, bias=True)\n)": (
        lambda L: L.MultiheadAttention(8, 2, batch_first=True)
    ),
    "MSELoss()": lambda L: L.MSELoss(reduction="sum"),
    "KLDivLoss()": lambda L: L.KLDivLoss(reduction="batchmean"),
    "TripletMarginLoss()": lambda L: L.TripletMarginLoss(margin=0.5),
    "CosineEmbeddingLoss()": lambda L: L.CosineEmbeddingLoss(),
    "AlphaDropout(p=0.2, inplace=False)": lambda L: L.AlphaDropout(0.2),
    "Softplus(beta=2, threshold=20.0)": lambda L: L.Softplus(beta=2),
    "Softplus(beta=1.0, threshold=20.0)": lambda L: L.Softplus(),
    "ZeroPad2d((1, 2, 0, 0))": lambda L: L.ZeroPad2d((1, 2, 0, 0)),
    "ZeroPad1d((2, 2))": lambda L: L.ZeroPad1d(2),
    "AvgPool1d(kernel_size=(3,), stride=(2,), padding=(1,))": lambda L: L.AvgPool1d(3, stride=2, padding=1),
}


@pytest.mark.parametrize("text", MODULES)
def test_repr_shows_what_pytorch_shows(text):
    # ConvTranspose2d left out output_padding; Conv2d quoted 'same'; the others showed nothing
    assert repr(MODULES[text](nn)) == text


@pytest.mark.parametrize("text", MODULES)
def test_repr_matches_torch(text):
    torch = pytest.importorskip("torch")
    assert repr(MODULES[text](torch.nn)) == text


CONTAINERS = {
    "Sequential(\n  (0): ParameterList(\n      (0): Parameter containing: [torch.float32 of size 3]\n"
    "      (1): Parameter containing: [torch.float64 of size 2x1]\n  )\n)": (
        lambda L, nn: nn.Sequential(
            nn.ParameterList([nn.Parameter(L.zeros(3)), nn.Parameter(L.zeros(2, 1, dtype=L.float64))])
        )
    ),
    "ParameterDict(\n    (a): Parameter containing: [torch.DoubleTensor of size 1]\n"
    "    (b): Parameter containing: [torch.FloatTensor of size 2x3]\n)": (
        lambda L, nn: nn.ParameterDict({"a": L.zeros(1, dtype=L.float64), "b": L.zeros(2, 3)})
    ),
    "Sequential(\n  (0): ParameterDict(  (a): Parameter containing: [torch.FloatTensor of size 4])\n)": (
        lambda L, nn: nn.Sequential(nn.ParameterDict({"a": nn.Parameter(L.zeros(4))}))
    ),
    "ParameterList()": lambda L, nn: nn.ParameterList(),
}


@pytest.mark.parametrize("text", CONTAINERS)
def test_parameter_containers_list_their_parameters_as_pytorch_does(text):
    # they printed "ParameterList()" whatever they held; a module whose extra_repr has several
    # lines and no children now prints them one per line, as PyTorch's does
    import mytorch

    assert repr(CONTAINERS[text](mytorch, nn)).replace("mytorch.", "torch.") == text


@pytest.mark.parametrize("text", CONTAINERS)
def test_parameter_container_repr_matches_torch(text):
    torch = pytest.importorskip("torch")
    assert repr(CONTAINERS[text](torch, torch.nn)) == text

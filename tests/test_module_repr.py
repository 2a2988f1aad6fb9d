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
}


@pytest.mark.parametrize("text", MODULES)
def test_repr_shows_what_pytorch_shows(text):
    # ConvTranspose2d left out output_padding; Conv2d quoted 'same'; the others showed nothing
    assert repr(MODULES[text](nn)) == text


@pytest.mark.parametrize("text", MODULES)
def test_repr_matches_torch(text):
    torch = pytest.importorskip("torch")
    assert repr(MODULES[text](torch.nn)) == text

"""PyTorch's ``torch.version``, which setup checks print: MyTorch's version, and None for the
CUDA and ROCm builds it does not have (``torch.version.cuda`` is None on PyTorch's CPU builds too).
Loaded on first use of ``mytorch.version``."""

from __future__ import annotations

from mytorch import __version__

__all__ = ["__version__", "cuda", "hip"]

cuda: str | None = None
hip: str | None = None

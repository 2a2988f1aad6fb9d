"""``torch.backends`` for scripts written for PyTorch: ``backends.cudnn`` (its ``deterministic``,
``benchmark`` and ``enabled`` switches may be set, and change nothing: there is no cuDNN) and
``backends.mps`` (not available)."""

from __future__ import annotations

import sys
import types

__all__ = ["cudnn", "mps"]


def _unavailable() -> bool:
    return False


cudnn = types.ModuleType("mytorch.backends.cudnn", "cuDNN's switches, kept and ignored: MyTorch runs on NumPy.")
cudnn.deterministic = False  # type: ignore[attr-defined]
cudnn.benchmark = False  # type: ignore[attr-defined]
cudnn.enabled = True  # type: ignore[attr-defined]
cudnn.is_available = _unavailable  # type: ignore[attr-defined]

mps = types.ModuleType("mytorch.backends.mps", "Apple's Metal backend: not available.")
mps.is_available = mps.is_built = _unavailable  # type: ignore[attr-defined]

sys.modules.update({cudnn.__name__: cudnn, mps.__name__: mps})  # ``import mytorch.backends.cudnn as cudnn``

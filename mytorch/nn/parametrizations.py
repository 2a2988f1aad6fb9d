"""``torch.nn.utils.parametrizations`` (as ``mytorch.nn.utils.parametrizations``): ``weight_norm``
(see ``mytorch/nn/parametrize.py``) and ``spectral_norm`` (``mytorch/nn/spectral_norm.py``).
``orthogonal`` is not in MyTorch."""

from typing import Any

from mytorch.nn.parametrize import weight_norm
from mytorch.nn.spectral_norm import parametrized_spectral_norm as spectral_norm

__all__ = ["spectral_norm", "weight_norm"]


def __getattr__(name: str) -> Any:
    """A name this module lacks (``orthogonal``): MyTorch does not have PyTorch's."""
    from mytorch.arguments import not_in_mytorch

    raise not_in_mytorch("mytorch.nn.utils.parametrizations", name)

"""``torch.nn.utils.parametrizations`` (as ``mytorch.nn.utils.parametrizations``): ``weight_norm``
(see ``mytorch/nn/parametrize.py``), ``spectral_norm`` (``mytorch/nn/spectral_norm.py``) and
``orthogonal`` (``mytorch/nn/orthogonal.py``)."""

from typing import Any

from mytorch.nn.orthogonal import orthogonal
from mytorch.nn.parametrize import weight_norm
from mytorch.nn.spectral_norm import parametrized_spectral_norm as spectral_norm

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


def __getattr__(name: str) -> Any:
    """A name this module lacks: MyTorch does not have PyTorch's."""
    from mytorch.arguments import not_in_mytorch

    raise not_in_mytorch("mytorch.nn.utils.parametrizations", name)

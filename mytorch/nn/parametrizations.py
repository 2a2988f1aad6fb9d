"""``torch.nn.utils.parametrizations`` (as ``mytorch.nn.utils.parametrizations``): ``weight_norm``
(see ``mytorch/nn/parametrize.py``). ``spectral_norm`` and ``orthogonal`` are not in MyTorch."""

from typing import Any

from mytorch.nn.parametrize import weight_norm

__all__ = ["weight_norm"]


def __getattr__(name: str) -> Any:
    """A name this module lacks (``spectral_norm``, ``orthogonal``): MyTorch does not have PyTorch's."""
    from mytorch.arguments import not_in_mytorch

    raise not_in_mytorch("mytorch.nn.utils.parametrizations", name)

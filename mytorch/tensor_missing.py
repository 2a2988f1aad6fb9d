"""The PyTorch Tensor attributes MyTorch's Tensor does not have, each refused by name.

``t.bitwise_and(u)`` on a Tensor would give Python's plain ``AttributeError: 'Tensor' object has no
attribute 'bitwise_and'``, which does not say whether the name is misspelt or missing from MyTorch.
Each name below (PyTorch 2.13's public Tensor attributes that MyTorch lacks) is a descriptor on
``Tensor`` whose every read raises ``NotInMyTorchError``, an ``AttributeError``: ``hasattr`` is False
and ``getattr(t, name, default)`` gives the default, as before. A ``__getattr__`` on ``Tensor``
would say the same for any name, but a class with one has every attribute read of its objects made
in full (CPython's specialised reads are off for it), the hot paths' included; these descriptors
are only looked at when their own names are read. ``dir(t)`` leaves them out. A name MyTorch gains
later is simply bound over its descriptor (``install`` skips names ``Tensor`` already has).
"""

from __future__ import annotations

import inspect
from typing import Any, NoReturn

from mytorch.arguments import NotInMyTorchError

MISSING = frozenset(
    (
        "addr addr_ adjoint apply_ as_strided as_strided_ as_strided_scatter as_subclass "
        "bfloat16 bitwise_and bitwise_and_ bitwise_left_shift bitwise_left_shift_ bitwise_not bitwise_not_ "
        "bitwise_or bitwise_or_ bitwise_right_shift bitwise_right_shift_ bitwise_xor bitwise_xor_ cauchy_ "
        "ccol_indices cdouble cfloat chalf cholesky_inverse cholesky_solve coalesce col_indices "
        "conj_physical conj_physical_ const_data_ptr crow_indices dense_dim dequantize diagflat "
        "diagonal_scatter dim_order eig fill_diagonal_ float_power_ frexp gcd gcd_ geometric_ geqrf "
        "grad_dtype hardshrink hash_tensor heaviside_ i0_ "
        "index index_reduce index_reduce_ indices int_repr ipu is_coalesced is_conj "
        "is_distributed is_ipu is_maia is_mkldnn is_mps is_mtia is_neg is_set_to is_shared is_sparse_csr "
        "is_vulkan is_xla is_xpu layout lcm lcm_ ldexp ldexp_ log_normal_ lstsq map2_ map_ "
        "matrix_exp mode module_load mtia name nanmedian narrow_copy new new_empty_strided "
        "nextafter nextafter_ nonzero_static orgqr ormqr output_nr pinverse prelu q_per_channel_axis "
        "q_per_channel_scales q_per_channel_zero_points q_scale q_zero_point qr qscheme record_stream "
        "reinforce renorm renorm_ resize resize_as resize_as_sparse_ "
        "resolve_conj resolve_neg row_indices select_scatter set_ share_memory_ slice_inverse "
        "slice_scatter smm solve sparse_dim sparse_mask sparse_resize_ sparse_resize_and_clear_ "
        "split_with_sizes sspaddmm storage storage_offset storage_type svd symeig to_dense to_mkldnn "
        "to_padded_tensor to_sparse_bsc to_sparse_bsr to_sparse_csc to_sparse_csr "
        "unique_consecutive unsafe_chunk unsafe_split unsafe_split_with_sizes "
        "untyped_storage values vdot volatile xpu "
    ).split()
)
"""PyTorch's Tensor attributes (methods and properties) that MyTorch's Tensor has not."""


MODULE_MISSING = frozenset(
    (
        "bfloat16 get_extra_state ipu mtia register_backward_hook register_load_state_dict_post_hook "
        "register_load_state_dict_pre_hook register_state_dict_post_hook register_state_dict_pre_hook "
        "set_extra_state share_memory to_empty type xpu"
    ).split()
)
"""PyTorch's ``nn.Module`` attributes that MyTorch's ``Module`` has not."""

OPTIMIZER_MISSING = frozenset(
    (
        "register_load_state_dict_post_hook register_load_state_dict_pre_hook register_state_dict_post_hook "
        "register_state_dict_pre_hook register_step_post_hook register_step_pre_hook"
    ).split()
)
"""PyTorch's ``optim.Optimizer`` attributes that MyTorch's ``Optimizer`` has not."""


class NotInMyTorch:
    """An attribute PyTorch's class ``pytorch`` has and MyTorch's has not: reading it raises
    ``NotInMyTorchError``."""

    __slots__ = ("name", "pytorch")

    def __init__(self, name: str, pytorch: str = "Tensor") -> None:
        self.name, self.pytorch = name, pytorch

    def __get__(self, obj: Any, owner: type | None = None) -> NoReturn:
        what = self.pytorch.rsplit(".", 1)[-1] if obj is None else type(obj).__name__
        raise NotInMyTorchError(
            f"{what!r} object has no attribute {self.name!r}: MyTorch does not have PyTorch's "
            f"{self.pytorch}.{self.name} (docs/tensor.md lists what a ported script can use)"
        )


def _dir(self: Any) -> list[str]:
    """``dir(t)`` without the names MyTorch lacks (an object's own attribute of such a name stays)."""
    own = getattr(self, "__dict__", {})
    return [
        name
        for name in object.__dir__(self)
        if name not in _INSTALLED or name in own or not isinstance(inspect.getattr_static(self, name), NotInMyTorch)
    ]


_INSTALLED: set[str] = set()


def install(cls: type, missing: frozenset[str] = MISSING, pytorch: str = "Tensor") -> None:
    """Put a ``NotInMyTorch`` on ``cls`` for each name of ``missing`` it has not, and its ``__dir__``
    (``pytorch``: PyTorch's name of the class)."""
    for name in sorted(missing):
        if not hasattr(cls, name):
            setattr(cls, name, NotInMyTorch(name, pytorch))
            _INSTALLED.add(name)
    cls.__dir__ = _dir  # type: ignore[method-assign,assignment]

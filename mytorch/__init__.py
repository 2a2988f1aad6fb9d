"""MyTorch: a tape-based automatic-differentiation engine in pure NumPy.

``import mytorch as torch`` gives PyTorch's names: ``torch.tensor``, ``torch.zeros``,
``torch.float32``, ``torch.cat``, ``torch.manual_seed``, ... (see docs/tensor.md).
"""

import importlib
import inspect
import sys
import types
import warnings
from typing import Any

from mytorch import porting as _porting_module

# mytorch.tensor first: loading it loads tensor_numpy, which builds on tensor_math and tensor_shape;
# tensor_methods then binds the PyTorch-named methods onto Tensor.
from mytorch import tensor, tensor_methods  # noqa: F401
from mytorch.arguments import not_in_mytorch
from mytorch.autograd_engine import (
    NO_GRAD,
    Autograd,
    Operation,
    detect_anomaly,
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from mytorch.backward_graph import grad
from mytorch.dtypes import *  # noqa: F403 - float32, int64, ..., get_default_dtype
from mytorch.dtypes import __all__ as _dtypes_all
from mytorch.factories import *  # type: ignore[no-redef]  # noqa: F403 - zeros, ones, ...; its tensor: see below
from mytorch.factories import __all__ as _factories_all
from mytorch.factories import tensor as _tensor_factory
from mytorch.function import Context, Function
from mytorch.porting import *  # noqa: F403 - set_num_threads, compile, bernoulli, multinomial, ...
from mytorch.porting import __all__ as _porting_all
from mytorch.printing import set_printoptions
from mytorch.serialization import load, save
from mytorch.spectral import *  # noqa: F403 - stft, istft, hann_window, ...
from mytorch.spectral import __all__ as _spectral_all
from mytorch.tensor import *  # noqa: F403 - Tensor and its ops (log, sin, exp, tanh, ...)
from mytorch.tensor import Tensor
from mytorch.tensor import __all__ as _tensor_all
from mytorch.tensor_composed import *  # noqa: F403 - log2, sinh, logaddexp, addmm, kron, cummax, ...
from mytorch.tensor_composed import __all__ as _composed_all
from mytorch.tensor_einsum import einsum
from mytorch.tensor_index import *  # noqa: F403 - gather, index_select, scatter, scatter_add
from mytorch.tensor_index import __all__ as _index_all
from mytorch.tensor_layout import *  # noqa: F403 - unflatten, swapaxes, broadcast_to, tensor_split, ...
from mytorch.tensor_layout import __all__ as _layout_all
from mytorch.tensor_math import *  # noqa: F403 - sum, mean, max, norm, var, where, clamp, ...
from mytorch.tensor_math import __all__ as _math_all
from mytorch.tensor_matrix import *  # noqa: F403 - tril, triu, diag, trace, mv, cdist
from mytorch.tensor_matrix import __all__ as _matrix_all
from mytorch.tensor_order import *  # noqa: F403 - quantile, kthvalue, searchsorted, histc, cross, ...
from mytorch.tensor_order import __all__ as _order_all
from mytorch.tensor_pointwise import *  # noqa: F403 - frac, lerp, addcmul, nan_to_num, ...
from mytorch.tensor_pointwise import __all__ as _pointwise_all
from mytorch.tensor_select import *  # noqa: F403 - masked_select, take, unique, bincount, ...
from mytorch.tensor_select import __all__ as _select_all
from mytorch.tensor_shape import *  # noqa: F403 - view, squeeze, permute, cat, stack, split, ...
from mytorch.tensor_shape import __all__ as _shape_all
from mytorch.tensor_sort import *  # noqa: F403 - sort, argsort, topk
from mytorch.tensor_sort import __all__ as _sort_all
from mytorch.tensor_special import *  # noqa: F403 - lgamma, digamma, polygamma, mvlgamma, erfinv
from mytorch.tensor_special import __all__ as _special_all
from mytorch.tensor_stats import *  # noqa: F403 - median, aminmax, std_mean, var_mean, cumprod
from mytorch.tensor_stats import __all__ as _stats_all
from mytorch.utils import GradientBuffer

__version__ = "0.1.0"

QUIET_WARNINGS = r"(divide by zero|invalid value|overflow) encountered|Mean of empty slice"
"""NumPy's RuntimeWarnings MyTorch's own code does not show: the inf, NaN and overflow that PyTorch
computes silently (``x / 0``, ``log(0)``, a gradient at sqrt's 0, a mean of nothing)."""


def _quiet_ieee_warnings() -> None:
    """Ignore ``QUIET_WARNINGS`` raised in MyTorch's modules (a warning filter, put first, matching
    the module the warning is raised in: NumPy's warnings in your own code still show, and no
    operation pays for an ``np.errstate``). Made at import; ``warnings.filterwarnings("default",
    category=RuntimeWarning, module="mytorch")`` brings them back."""
    warnings.filterwarnings("ignore", QUIET_WARNINGS, RuntimeWarning, r"mytorch(\.|\Z)")


_quiet_ieee_warnings()

__all__ = [
    "NO_GRAD",
    "Autograd",
    "Context",
    "Function",
    "GradientBuffer",
    "Operation",
    "detect_anomaly",
    "einsum",
    "enable_grad",
    "grad",
    "inference_mode",
    "is_grad_enabled",
    "is_inference_mode_enabled",
    "load",
    "no_grad",
    "save",
    "set_grad_enabled",
    "set_printoptions",
]
__all__ += _tensor_all + _dtypes_all + _factories_all + _math_all + _shape_all + _index_all + _sort_all + _special_all
__all__ += (
    _select_all + _matrix_all + _pointwise_all + _stats_all + _layout_all + _composed_all + _porting_all + _order_all
)
__all__ += _spectral_all


class _CallableModule(types.ModuleType):
    """``mytorch.tensor`` is both the module ``mytorch/tensor.py`` (``from mytorch.tensor import
    Tensor``) and, when called, PyTorch's factory: ``mytorch.tensor([1.0, 2.0])``."""

    def __call__(self, *args: Any, **kwargs: Any) -> Tensor:
        return _tensor_factory(*args, **kwargs)


sys.modules["mytorch.tensor"].__class__ = _CallableModule
tensor = sys.modules["mytorch.tensor"]  # noqa: F811 - not the factory that ``from mytorch.factories import *`` bound


def _on_first_use(public: str, home: str) -> types.ModuleType:
    """PyTorch's ``torch.utils.<public>`` as ``mytorch.utils.<public>``: a stand-in module registered
    under that name (``mytorch.utils`` is the handout's file, not a package) that loads
    ``mytorch/<home>.py`` when a name of it is first read, so ``import mytorch`` does not need it."""
    name = f"mytorch.utils.{public}"
    stand_in = types.ModuleType(name, f"See mytorch.{home}.")
    stand_in.__file__ = __file__  # where it is made (code listing the modules' files reads it: nothing loads)

    def load(attribute: str) -> Any:
        if attribute.startswith("__"):  # a probe (copy, pickle, inspect): no reason to load the file
            raise AttributeError(f"module {name!r} has no attribute {attribute!r}")
        module = importlib.import_module(f"mytorch.{home}")
        if not hasattr(module, attribute):
            raise not_in_mytorch(name, attribute)
        return getattr(module, attribute)

    def names() -> list[str]:
        return list(importlib.import_module(f"mytorch.{home}").__all__)

    stand_in.__getattr__, stand_in.__dir__ = load, names  # type: ignore[method-assign]
    sys.modules[name] = stand_in
    parent, _, last = name.rpartition(".")
    setattr(sys.modules[parent], last, stand_in)
    return stand_in


_on_first_use("data", "data")  # DataLoader, TensorDataset, ...
for _part in ("dataloader", "dataset", "sampler", "distributed"):  # from torch.utils.data.sampler import Sampler, ...
    _on_first_use(f"data.{_part}", "data")
del _part
_on_first_use("checkpoint", "checkpoint")  # checkpoint, checkpoint_sequential

for _name in _porting_module.OUT_FUNCTIONS:  # PyTorch's out= on the top-level functions (not the methods)
    if "out" not in inspect.signature(globals()[_name]).parameters:
        globals()[_name] = _porting_module.with_out(globals()[_name])

_ON_FIRST_USE = (
    "autograd",
    "optim",
    "cuda",
    "backends",
    "linalg",
    "special",
    "func",
    "testing",
    "distributions",
    "amp",
    "fft",
    "sparse",
    "jit",
    "version",
    "distributed",
)


_COMPAT = frozenset(
    {"FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ByteTensor", "BoolTensor"}
    | {"Size", "finfo", "iinfo"}
)


_DECOMPOSITIONS = {"svd": "svd_torch", "pinverse": "pinverse", "qr": "qr"}
"""PyTorch's older top-level names of ``mytorch.linalg``'s decompositions (``torch.svd`` gives V, not V^T)."""
_LU = {"lu": "lu_old", "lu_unpack": "lu_unpack", "lu_solve": "lu_solve_old", "triangular_solve": "triangular_solve"}
"""PyTorch's top-level LU names (``torch.lu_solve(b, LU, pivots)``: arguments in the older order)."""


def __getattr__(name: str) -> Any:
    """``mytorch.optim``, ``mytorch.autograd``, ``mytorch.cuda``, ``mytorch.backends``, ``mytorch.linalg``,
    ``mytorch.special`` and ``mytorch.func``, and the
    names of ``mytorch.compat``, loaded on first use: ``import mytorch`` (and the graded code)
    does not depend on their files."""
    if name in _ON_FIRST_USE:
        return importlib.import_module(f"mytorch.{name}")
    if name in _COMPAT:
        return getattr(importlib.import_module("mytorch.compat"), name)
    if name in ("sparse_coo_tensor", "spmm"):  # (PyTorch's top-level names of mytorch.sparse's)
        return getattr(importlib.import_module("mytorch.sparse"), name)
    if name in ("angle", "complex", "polar", "view_as_real", "view_as_complex"):
        return getattr(importlib.import_module("mytorch.tensor_complex"), name)
    if name == "i0":  # (PyTorch's torch.i0 is torch.special.i0)
        return importlib.import_module("mytorch.special_bessel").i0
    if name in ("igamma", "igammac"):  # (PyTorch's torch.igamma is torch.special.gammainc)
        return getattr(importlib.import_module("mytorch.special_gamma"), name)
    if name == "gradient":  # (PyTorch's torch.gradient: finite differences of samples)
        return importlib.import_module("mytorch.tensor_gradient").gradient
    if name == "vmap":  # (PyTorch's torch.vmap is torch.func.vmap)
        return importlib.import_module("mytorch.func").vmap
    if name in _DECOMPOSITIONS:
        return getattr(importlib.import_module("mytorch.linalg_decompositions"), _DECOMPOSITIONS[name])
    if name in _LU:
        return getattr(importlib.import_module("mytorch.linalg_lu"), _LU[name])
    raise not_in_mytorch("mytorch", name)

"""``mytorch.autograd.graph``: hooks on the values saved for backward, with PyTorch's names.

``saved_tensors_hooks(pack_hook, unpack_hook)``: while the context is open, each recorded
operation hands every value its backward will read (an input, or its output: those
``mytorch.saved`` keeps versions of) to ``pack_hook(tensor)``, which returns anything; when the
backward runs, ``unpack_hook(packed)`` returns the Tensor the rule reads instead. It is how
PyTorch code logs what a graph keeps, or stores saved values compressed::

    with torch.autograd.graph.saved_tensors_hooks(lambda t: t.to(torch.float16),
                                                  lambda t: t.to(torch.float32)):
        loss = model(x).pow(2).sum()
    loss.backward()      # the rules read the float16-rounded values

What differs from PyTorch:

* Which values are saved is MyTorch's kernels' business (``Kernel.reads``), not always
  PyTorch's: ``x * y`` saves both factors in both, ``exp`` its output in both, but a
  ``Function`` here saves its inputs and output, so pack may be called a different number of times.
* The recorded arrays stay alive whatever pack returns (the tape keeps them), so packing saves no
  memory; unpack's value is what the rule reads.
* A recorded backward (``create_graph=True``) reads the graph's own values, not unpacked ones.
* The hooks are process-wide while their context is open (PyTorch's are per thread).

``save_on_cpu()`` is such a context whose hooks keep each value as it is (every value is on
the CPU already); ``disable_saved_tensors_hooks(message)`` makes opening one raise ``message``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from mytorch import tensor as _tensor_module
from mytorch.saved import OUTPUT
from mytorch.tensor import Tensor

__all__ = ["disable_saved_tensors_hooks", "save_on_cpu", "saved_tensors_hooks"]

_OPEN: list[saved_tensors_hooks] = []  # the open contexts, innermost last
_DISABLED: list[str] = []  # the messages of the open disable_saved_tensors_hooks blocks
_WATCH: list[Callable[..., None]] = []  # ``mytorch.tensor._save_read`` as it was before the first context


class _Unpacking:
    """An operation's backward rule reading unpacked values: ``unpack(packed)`` for each saved
    input (or output) before the rule runs, on every backward through the operation."""

    def __init__(self, vjp: Callable[..., Any], packed: list[tuple[int, Any]], unpack: Callable[[Any], Any]) -> None:
        self.vjp = vjp
        self.packed = packed
        self.unpack = unpack

    def __getattr__(self, name: str) -> Any:  # (hooks and retained gradients wrapped inside stay visible)
        return getattr(self.__dict__["vjp"], name)

    def __call__(self, grad_output: Any, *inputs: Any, **params: Any) -> Any:
        if isinstance(grad_output, Tensor):  # a recorded backward: the graph's own values
            return self.vjp(grad_output, *inputs, **params)
        arrays = list(inputs)
        for j, packed in self.packed:
            value = self.unpack(packed)
            array = value._data if isinstance(value, Tensor) else np.asarray(value)
            original = params["out"] if j == OUTPUT else arrays[j]
            if array.shape != original.shape:
                raise RuntimeError(
                    f"saved_tensors_hooks: unpack_hook returned shape {tuple(array.shape)} for a saved value of shape "
                    f"{tuple(original.shape)}; it must return a tensor of the packed value's shape"
                )
            if j == OUTPUT:
                params = {**params, "out": array}
            else:
                arrays[j] = array
        return self.vjp(grad_output, *arrays, **params)


def _watch_and_pack(check: Any, op: Any, which: Any, saved: Any, held: Any) -> None:
    """``mytorch.tensor._save_read`` while a context is open: the usual save, then the pack hook."""
    _WATCH[0](check, op, which, saved, held)
    hooks = _OPEN[-1]
    if "out" not in (op.params or {}):
        which = [j for j in which if j != OUTPUT]  # (a rule not given its output does not read it)
    packed = []
    for j in which:
        array = op.output if j == OUTPUT else op.inputs[j]
        packed.append((j, hooks.pack_hook(Tensor(array))))
    if packed:
        op.vjp = _Unpacking(op.vjp, packed, hooks.unpack_hook)


class saved_tensors_hooks:  # noqa: N801 - PyTorch's name
    """Within this context, values saved for backward go through ``pack_hook`` when recorded and
    ``unpack_hook`` when the backward reads them (see the module's notes)."""

    def __init__(self, pack_hook: Callable[[Tensor], Any], unpack_hook: Callable[[Any], Tensor]) -> None:
        if not callable(pack_hook) or not callable(unpack_hook):
            raise TypeError("saved_tensors_hooks: pack_hook and unpack_hook must be callables")
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self) -> saved_tensors_hooks:
        if _DISABLED:
            raise RuntimeError(_DISABLED[-1])
        if not _OPEN:
            _WATCH[:] = [_tensor_module._save_read]
            _tensor_module._save_read = _watch_and_pack  # type: ignore[assignment]
            _tensor_module._PLAIN = False  # (operations, not plain entries: the pack wraps their VJPs)
        _OPEN.append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        _OPEN.remove(self)
        if not _OPEN:
            _tensor_module._save_read = _WATCH.pop()
            _tensor_module._PLAIN = True


class save_on_cpu(saved_tensors_hooks):  # noqa: N801 - PyTorch's name
    """PyTorch's context keeping saved values in CPU memory: here every value is there already,
    so its hooks keep each value as it is (``pin_memory`` and ``device_type`` change nothing)."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        super().__init__(lambda t: t, lambda t: t)


class disable_saved_tensors_hooks:  # noqa: N801 - PyTorch's name
    """Within this context, opening a ``saved_tensors_hooks`` raises ``RuntimeError(error_message)``."""

    def __init__(self, error_message: str) -> None:
        self.error_message = str(error_message)

    def __enter__(self) -> None:
        _DISABLED.append(self.error_message)

    def __exit__(self, *exc: Any) -> None:
        _DISABLED.remove(self.error_message)

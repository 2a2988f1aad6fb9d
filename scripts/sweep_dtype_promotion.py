"""Integer, bool and mixed-float programs in MyTorch and in PyTorch: the result's dtype, its values
or the refusal must be PyTorch's.

Cases: every pair of operands (tensors of nine dtypes, dimensioned and 0-d, holding negatives,
wrapping values and zeros; Python numbers) under the operators and ~20 binary functions, both
ways round; the in-place forms (``add_``, ``+=``, ``div_``, ``floor_divide_``, ``copy_``, item
writes, ``masked_fill_``...), which keep the tensor's dtype or refuse a result of a higher kind;
reductions, scans and unary functions of integer and bool tensors (``sum``/``prod``/``cumsum``
widening to int64, ``mean`` of an integer refused); reductions over empty dimensions and ``std``
/ ``var`` whose correction reaches the count; optimizers on float32 and float16 parameters with
Python-number settings (every state tensor's dtype, after steps and after loading a float64
state).

    python scripts/sweep_dtype_promotion.py [--verbose]
    python scripts/sweep_dtype_promotion.py --other /tmp/v310/bin/python

prints every case where both compute and differ, or where MyTorch refuses what PyTorch computes,
beyond ``KNOWN`` (MyTorch's deliberate differences, each with its reason); ``--all`` also lists the
cases PyTorch refuses and MyTorch computes (mostly integer or mixed-dtype operands PyTorch does not
take: ``hypot`` of integers, ``isclose`` of two dtypes). It needs PyTorch.
"""

from __future__ import annotations

import argparse
import operator
import re
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

sys.path.insert(0, __file__.rsplit("/scripts/", 1)[0])
import mytorch  # noqa: E402


def _set(t: Any, key: Any, value: Any) -> Any:
    t[key] = value
    return t


def nnf(L: Any) -> Any:
    """The library's ``nn.functional``."""
    return L.nn.functional


DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
DTYPES += ["complex64", "complex128"]
LEFT = {"bool": [True, False, True, False, True], "uint8": [7, 250, 5, 0, 128]}
LEFT.update({k: [7, -7, 5, -120, 0] for k in ("int8", "int16", "int32", "int64")})
LEFT.update({k: [7.5, -7.0, 5.25, -3.5, 0.0] for k in ("float16", "float32", "float64")})
LEFT.update({k: [7.5 + 1j, -7.0, 5.25 - 2j, -3.5 + 0.5j, 0j] for k in ("complex64", "complex128")})
RIGHT = {"bool": [True, True, False, True, True], "uint8": [2, 3, 200, 1, 3]}
RIGHT.update({k: [2, -3, 2, -2, 3] for k in ("int8", "int16", "int32", "int64")})
RIGHT.update({k: [2.0, -3.0, 0.5, -2.0, 3.0] for k in ("float16", "float32", "float64")})
RIGHT.update({k: [2.0 - 1j, -3.0, 0.5 + 0.5j, -2.0, 3.0 + 2j] for k in ("complex64", "complex128")})
NUMBERS: dict[str, Any] = {"True": True, "3": 3, "-3": -3, "0": 0, "2.5": 2.5, "-2.5": -2.5, "big": 2**40, "huge": 1e39}
BINARY: dict[str, Callable[[Any, Any, Any], Any]] = {
    "add": lambda L, a, b: a + b, "sub": lambda L, a, b: a - b, "mul": lambda L, a, b: a * b,
    "truediv": lambda L, a, b: a / b, "floordiv": lambda L, a, b: a // b, "mod": lambda L, a, b: a % b,
    "pow": lambda L, a, b: a**b, "and": lambda L, a, b: a & b, "or": lambda L, a, b: a | b,
    "xor": lambda L, a, b: a ^ b, "lshift": lambda L, a, b: a << b, "rshift": lambda L, a, b: a >> b,
    "lt": lambda L, a, b: a < b, "le": lambda L, a, b: a <= b, "eq": lambda L, a, b: a == b,
    "ne": lambda L, a, b: a != b, "gt": lambda L, a, b: a > b,
}  # fmt: skip
FUNCTIONS: dict[str, Callable[[Any, Any, Any], Any]] = {
    "add_alpha": lambda L, a, b: L.add(a, b, alpha=2), "sub_alpha": lambda L, a, b: L.sub(a, b, alpha=2),
    "div_trunc": lambda L, a, b: L.div(a, b, rounding_mode="trunc"),
    "div_floor": lambda L, a, b: L.div(a, b, rounding_mode="floor"), "fmod": lambda L, a, b: L.fmod(a, b),
    "remainder": lambda L, a, b: L.remainder(a, b), "floor_divide": lambda L, a, b: L.floor_divide(a, b),
    "true_divide": lambda L, a, b: L.true_divide(a, b), "maximum": lambda L, a, b: L.maximum(a, b),
    "minimum": lambda L, a, b: L.minimum(a, b), "fmax": lambda L, a, b: L.fmax(a, b),
    "atan2": lambda L, a, b: L.atan2(a, b), "hypot": lambda L, a, b: L.hypot(a, b),
    "copysign": lambda L, a, b: L.copysign(a, b), "xlogy": lambda L, a, b: L.xlogy(a, b),
    "where": lambda L, a, b: L.where(L.tensor([True, False, True, False, True])[: a.numel()].reshape(a.shape), a, b),
    "clamp_min": lambda L, a, b: L.clamp(a, min=b), "clamp_max": lambda L, a, b: L.clamp(a, max=b),
    "isclose": lambda L, a, b: L.isclose(a, b), "lerp_w": lambda L, a, b: L.lerp(a.double(), a.double(), b),
    "dot_like": lambda L, a, b: (a * b).sum(),
}  # fmt: skip
BOTH_TENSORS = ("atan2", "hypot", "fmax", "copysign", "xlogy", "maximum", "minimum", "clamp_min", "clamp_max")
INPLACE: dict[str, Callable[[Any, Any, Any], Any]] = {
    "add_": lambda L, a, b: a.add_(b), "sub_": lambda L, a, b: a.sub_(b), "mul_": lambda L, a, b: a.mul_(b),
    "div_": lambda L, a, b: a.div_(b), "div_floor_": lambda L, a, b: a.div_(b, rounding_mode="floor"),
    "floor_divide_": lambda L, a, b: a.floor_divide_(b), "remainder_": lambda L, a, b: a.remainder_(b),
    "fmod_": lambda L, a, b: a.fmod_(b), "pow_": lambda L, a, b: a.pow_(b), "iadd": lambda L, a, b: operator.iadd(a, b),
    "isub": lambda L, a, b: operator.isub(a, b), "imul": lambda L, a, b: operator.imul(a, b),
    "itruediv": lambda L, a, b: operator.itruediv(a, b), "ifloordiv": lambda L, a, b: operator.ifloordiv(a, b),
    "imod": lambda L, a, b: operator.imod(a, b), "ipow": lambda L, a, b: operator.ipow(a, b),
    "iand": lambda L, a, b: operator.iand(a, b), "ior": lambda L, a, b: operator.ior(a, b),
    "clamp_": lambda L, a, b: a.clamp_(min=b),
    "copy_": lambda L, a, b: a.copy_(b if isinstance(b, L.Tensor) else L.tensor(b)),
    "setitem": lambda L, a, b: a.__setitem__(0, b) or a, "fill_": lambda L, a, b: a.fill_(b),
    "masked_fill_": lambda L, a, b: a.masked_fill_(a != a.flatten()[0], b) if a.dim() else a.masked_fill_(a == a, b),
    "maximum_out": lambda L, a, b: L.maximum(a, b if isinstance(b, L.Tensor) else L.tensor(b), out=a),
    "lerp_": lambda L, a, b: a.lerp_(a.clone(), b),
    "addcmul_": lambda L, a, b: a.addcmul_(a.clone(), a.clone(), value=b),
}  # fmt: skip
UNARY: dict[str, Callable[[Any, Any], Any]] = {
    "sum": lambda L, a: a.sum(), "sum0": lambda L, a: a.sum(0), "prod": lambda L, a: a.prod(),
    "cumsum": lambda L, a: a.cumsum(0), "cumprod": lambda L, a: a.cumprod(0), "mean": lambda L, a: a.mean(),
    "sum_f32": lambda L, a: a.sum(dtype=L.float32), "cumsum_i8": lambda L, a: a.cumsum(0, dtype=L.int8),
    "nansum": lambda L, a: L.nansum(a), "max": lambda L, a: a.max(), "amax": lambda L, a: a.amax(0),
    "argmax": lambda L, a: a.argmax(), "min0": lambda L, a: a.min(0).values, "median": lambda L, a: a.median(),
    "var": lambda L, a: a.var(), "std": lambda L, a: a.std(), "norm": lambda L, a: a.norm(),
    "count_nonzero": lambda L, a: L.count_nonzero(a), "all": lambda L, a: a.all(), "any": lambda L, a: a.any(),
    "abs": lambda L, a: a.abs(), "neg": lambda L, a: -a, "invert": lambda L, a: ~a, "sign": lambda L, a: a.sign(),
    "sqrt": lambda L, a: a.sqrt(), "exp": lambda L, a: a.exp(), "sigmoid": lambda L, a: a.sigmoid(),
    "floor": lambda L, a: a.floor(), "round": lambda L, a: a.round(), "trunc": lambda L, a: a.trunc(),
    "reciprocal": lambda L, a: a.reciprocal(), "square": lambda L, a: a.square(), "sort": lambda L, a: a.sort().values,
    "logsumexp": lambda L, a: L.logsumexp(a, 0), "softmax": lambda L, a: L.softmax(a, 0),
    "float": lambda L, a: a.float(), "to_i8": lambda L, a: a.to(L.int8), "bincount": lambda L, a: L.bincount(a.abs()),
    "histc": lambda L, a: L.histc(a, 4), "unique": lambda L, a: L.unique(a), "clamp_i": lambda L, a: a.clamp(0, 6),
    "isnan": lambda L, a: a.isnan(), "nan_to_num": lambda L, a: L.nan_to_num(a), "diff": lambda L, a: L.diff(a),
    "mul_bool": lambda L, a: a * L.tensor(True), "frac": lambda L, a: a.frac(), "logical_not": lambda L, a: ~(a > 0),
    "outer": lambda L, a: L.outer(a, a), "dot": lambda L, a: L.dot(a, a), "matmul": lambda L, a: a.reshape(1, -1) @ a,
}  # fmt: skip
OVERFLOW: dict[str, Callable[[Any], Any]] = {
    "sum_i32": lambda L: L.tensor([2**30] * 4, dtype=L.int32).sum(),
    "sum0_i32": lambda L: L.tensor([[2**30] * 2] * 4, dtype=L.int32).sum(0),
    "prod_i32": lambda L: L.tensor([2**20] * 3, dtype=L.int32).prod(),
    "cumsum_i32": lambda L: L.tensor([2**30] * 4, dtype=L.int32).cumsum(0),
    "cumprod_i16": lambda L: L.tensor([300] * 3, dtype=L.int16).cumprod(0),
    "sum_u8": lambda L: L.tensor([200] * 4, dtype=L.uint8).sum(), "sum_b": lambda L: L.ones(300, dtype=L.bool).sum(),
    "mean_i_dtype": lambda L: L.tensor([1, 2], dtype=L.int32).mean(dtype=L.float64),
    "add_i8": lambda L: L.tensor([120], dtype=L.int8) + 10, "mul_i64": lambda L: L.tensor([2**62]) * 4,
    "sub_u8": lambda L: L.tensor([0], dtype=L.uint8) - 1, "neg_u8": lambda L: -L.tensor([3], dtype=L.uint8),
    "eq_big_f": lambda L: L.tensor([2**24 + 1]) == float(2**24),
    "eq_big_f64": lambda L: L.tensor([2**53 + 1]) == L.tensor(float(2**53), dtype=L.float64),
    "lt_big_f": lambda L: L.tensor([2**24 + 1]) > float(2**24), "eq_i_f": lambda L: L.tensor([3]) == 3.0,
    "isin_if": lambda L: L.isin(L.tensor([1, 2, 3]), L.tensor([2.0, 2.5])),
    "i64_f16": lambda L: L.tensor([70000]) * L.tensor(1.0, dtype=L.float16),
    "i64_div_f16": lambda L: L.tensor([70000]) / L.tensor(2.0, dtype=L.float16),
    "int_pow_neg": lambda L: L.tensor([2]) ** -1, "int_pow_neg_t": lambda L: L.tensor([2]) ** L.tensor([-1]),
    "pow_int_big": lambda L: L.tensor([3], dtype=L.int8) ** 5, "rpow_int": lambda L: 2 ** L.tensor([3, -1]),
    "floordiv_zero": lambda L: L.tensor([3, -3]) // L.tensor([0, 0]), "mod_zero": lambda L: L.tensor([3]) % 0,
    "fdiv_zero": lambda L: L.tensor([3.0, -3.0, 0.0]) // 0.0, "fmod_zero_f": lambda L: L.fmod(L.tensor([3.0]), 0.0),
    "rem_neg_f": lambda L: L.tensor([-0.0, 5.5, -5.5]) % -2.0, "fdiv_neg_f": lambda L: L.tensor([-7.5, 7.5]) // -2,
    "mod_min_i8": lambda L: L.tensor([-128], dtype=L.int8) // -1,
    "arange_int": lambda L: L.arange(5) / 2, "full_int": lambda L: L.full((2,), 3),
    "full_b": lambda L: L.full((2,), True),
    "tensor_mix": lambda L: L.tensor([1, 2.5]), "tensor_bool_int": lambda L: L.tensor([True, 2]),
    "zeros_like_i": lambda L: L.zeros_like(L.tensor([1])) + 0.5,
    "randint": lambda L: L.randint(0, 3, (2,)).dtype == L.int64,
    "sum_list": lambda L: L.tensor([1, 2], dtype=L.int32).sum(0, keepdim=True),
    "f16_sum": lambda L: L.tensor([60000.0, 60000.0], dtype=L.float16).sum(),
    "f16_mean": lambda L: L.tensor([60000.0, 60000.0], dtype=L.float16).mean(),
    "f16_cumsum": lambda L: L.tensor([60000.0, 60000.0, -60000.0], dtype=L.float16).cumsum(0),
    "f16_f32_mm": lambda L: L.tensor([[1.0]], dtype=L.float16) @ L.tensor([[1.0]]),
}  # fmt: skip
CALLS: dict[str, Callable[[Any], Any]] = {  # one call each, written out
    "index_add_f_into_i": lambda L: L.zeros(3, dtype=L.int64).index_add_(0, L.tensor([0, 2]), L.tensor([1.7, -2.7])),
    "index_add_i_into_f": lambda L: L.zeros(3).index_add_(0, L.tensor([0, 2]), L.tensor([1, 2])),
    "index_add_alpha": lambda L: L.zeros(3, dtype=L.int64).index_add_(0, L.tensor([0, 2]), L.tensor([1, 2]), alpha=2.5),
    "index_copy_f_into_i": lambda L: L.zeros(3, dtype=L.int64).index_copy_(0, L.tensor([0, 2]), L.tensor([1.7, -2.7])),
    "scatter_f_into_i": lambda L: L.zeros(3, dtype=L.int64).scatter_(0, L.tensor([0, 2]), L.tensor([1.7, -2.7])),
    "scatter_val_f_into_i": lambda L: L.zeros(3, dtype=L.int64).scatter_(0, L.tensor([0, 2]), 1.7),
    "scatter_add_f_into_i":
        lambda L: L.zeros(3, dtype=L.int64).scatter_add_(0, L.tensor([0, 2]), L.tensor([1.7, -2.7])),
    "scatter_add_f64_into_f32":
        lambda L: L.zeros(3).scatter_add_(0, L.tensor([0, 2]), L.tensor([1.7, -2.7], dtype=L.float64)),
    "scatter_reduce_f_into_i":
        lambda L: L.zeros(3, dtype=L.int64).scatter_reduce_(0, L.tensor([0, 2]), L.tensor([1.7, -2.7]), "sum"),
    "scatter_reduce_mean_i":
        lambda L: L.tensor([1, 2, 3]).scatter_reduce(0, L.tensor([0, 0, 0]), L.tensor([2, 2, 2]), "mean"),
    "scatter_reduce_mean_i_noself":
        lambda L: L.tensor([1, 2, 3]).scatter_reduce(0, L.tensor([0, 0, 2]), L.tensor([2, 3, -3]), "mean", False),
    "index_put_f_into_i": lambda L: L.zeros(3, dtype=L.int64).index_put_((L.tensor([0, 2]),), L.tensor([1.7, -2.7])),
    "index_put_acc_f_into_i":
        lambda L: L.zeros(3, dtype=L.int64).index_put_((L.tensor([0, 0]),), L.tensor([1.7, -2.7]), accumulate=True),
    "setitem_idx_f_into_i":
        lambda L: _set(L.zeros(3, dtype=L.int64), L.tensor([0, 2]), L.tensor([1.7, -2.7])),
    "setitem_mask_f_into_i":
        lambda L: _set(L.zeros(3, dtype=L.int64), L.tensor([True, False, True]), L.tensor([1.7, -2.7])),
    "setitem_slice_f_into_i":
        lambda L: _set(L.zeros(3, dtype=L.int64), slice(0, 2), L.tensor([1.7, -2.7])),
    "setitem_slice_f_into_b":
        lambda L: _set(L.zeros(3, dtype=L.bool), slice(0, 2), L.tensor([0.5, 0.0])),
    "setitem_num_into_u8": lambda L: _set(L.zeros(3, dtype=L.uint8), 0, -1),
    "setitem_f_into_u8": lambda L: _set(L.zeros(3, dtype=L.uint8), 0, 2.7),
    "masked_scatter_f_into_i":
        lambda L: L.zeros(3, dtype=L.int64).masked_scatter_(L.tensor([True, False, True]), L.tensor([1.7, -2.7])),
    "masked_fill_f_into_i": lambda L: L.zeros(3, dtype=L.int64).masked_fill_(L.tensor([True, False, True]), 2.7),
    "masked_fill_t_into_i":
        lambda L: L.zeros(3, dtype=L.int64).masked_fill_(L.tensor([True, False, True]), L.tensor(2.7)),
    "masked_fill_oop_f_i": lambda L: L.zeros(3, dtype=L.int64).masked_fill(L.tensor([True, False, True]), 2.7),
    "put_f_into_i": lambda L: L.zeros(3, dtype=L.int64).put_(L.tensor([0, 2]), L.tensor([1.7, -2.7])),
    "index_fill_f_into_i": lambda L: L.zeros(3, dtype=L.int64).index_fill_(0, L.tensor([0, 2]), 2.7),
    "fill_diag_f_into_i": lambda L: L.zeros(2, 2, dtype=L.int64).fill_diagonal_(2.7),
    "cat_i_f": lambda L: L.cat([L.tensor([1]), L.tensor([1.5])]),
    "cat_i_b": lambda L: L.cat([L.tensor([1], dtype=L.uint8), L.tensor([True])]),
    "cat_f16_f64": lambda L: L.cat([L.tensor([1.0], dtype=L.float16), L.tensor([1.5], dtype=L.float64)]),
    "stack_i_f": lambda L: L.stack([L.tensor(1), L.tensor(1.5)]),
    "where_i_f16": lambda L: L.where(L.tensor([True, False]), L.tensor([1, 2]), L.tensor([1.5, 2.5], dtype=L.float16)),
    "where_b_num": lambda L: L.where(L.tensor([True, False]), L.tensor([True, False]), 2),
    "mm_i_f": lambda L: L.tensor([[1, 2]]) @ L.tensor([[1.5], [2.5]]),
    "mm_f32_f64": lambda L: L.tensor([[1.0, 2]]) @ L.tensor([[1.5], [2.5]], dtype=L.float64),
    "mm_i32_i64": lambda L: L.tensor([[1, 2]], dtype=L.int32) @ L.tensor([[1], [2]]),
    "mm_b": lambda L: L.tensor([[True, True]]) @ L.tensor([[True], [True]]),
    "mv_i_overflow": lambda L: L.tensor([[100, 100]], dtype=L.int8) @ L.tensor([2, 2], dtype=L.int8),
    "dot_i8": lambda L: L.dot(L.tensor([100, 100], dtype=L.int8), L.tensor([2, 2], dtype=L.int8)),
    "einsum_i": lambda L: L.einsum("i,i->", L.tensor([100, 100], dtype=L.int8), L.tensor([2, 2], dtype=L.int8)),
    "bmm_u8": lambda L: L.bmm(L.full((1, 1, 2), 200, dtype=L.uint8), L.full((1, 2, 1), 2, dtype=L.uint8)),
    "tensordot_i": lambda L: L.tensordot(L.tensor([100, 100], dtype=L.int8), L.tensor([2, 2], dtype=L.int8), 1),
    "sum_i8_keep": lambda L: L.tensor([[100, 100]], dtype=L.int8).sum(1, keepdim=True),
    "trace_i8": lambda L: L.full((2, 2), 100, dtype=L.int8).trace(),
    "cumsum_u8": lambda L: L.tensor([200, 200], dtype=L.uint8).cumsum(0),
    "prod_b": lambda L: L.tensor([True, True]).prod(),
    "mean_b": lambda L: L.tensor([True, True]).float().mean(),
    "norm_i": lambda L: L.tensor([3, 4]).norm(),
    "linalg_norm_i": lambda L: L.linalg.vector_norm(L.tensor([3, 4])),
    "dist_i": lambda L: L.dist(L.tensor([3, 4]), L.tensor([0, 0])),
    "std_i": lambda L: L.tensor([3, 4]).std(),
    "sum_dtype_i8": lambda L: L.tensor([100, 100], dtype=L.int8).sum(dtype=L.int8),
    "logsumexp_i": lambda L: L.logsumexp(L.tensor([1, 2]), 0),
    "relu_i": lambda L: L.relu(L.tensor([-1, 2])), "relu_b": lambda L: L.relu(L.tensor([True])),
    "F_relu6_i": lambda L: nnf(L).relu6(L.tensor([-1, 7])),
    "F_hardtanh_i": lambda L: nnf(L).hardtanh(L.tensor([-3, 7])),
    "F_leaky_i": lambda L: nnf(L).leaky_relu(L.tensor([-3, 7])),
    "F_gelu_i": lambda L: nnf(L).gelu(L.tensor([-3, 7])),
    "F_softplus_i": lambda L: nnf(L).softplus(L.tensor([-3, 7])),
    "F_pad_i": lambda L: nnf(L).pad(L.tensor([1, 2]), (1, 1), value=2.5),
    "F_pad_b": lambda L: nnf(L).pad(L.tensor([True]), (1, 1), value=1),
    "F_one_hot_i32": lambda L: nnf(L).one_hot(L.tensor([0, 2], dtype=L.int32), 3),
    "F_embedding_i32": lambda L: nnf(L).embedding(L.tensor([0, 1], dtype=L.int32), L.eye(2)),
    "F_embedding_u8": lambda L: nnf(L).embedding(L.tensor([0, 1], dtype=L.uint8), L.eye(2)),
    "F_ce_i32": lambda L: nnf(L).cross_entropy(L.eye(2), L.tensor([0, 1], dtype=L.int32)),
    "F_ce_u8": lambda L: nnf(L).cross_entropy(L.eye(2), L.tensor([0, 1], dtype=L.uint8)),
    "F_nll_i32": lambda L: nnf(L).nll_loss(L.eye(2), L.tensor([0, 1], dtype=L.int32)),
    "F_ce_f_target": lambda L: nnf(L).cross_entropy(L.eye(2), L.tensor([0.0, 1.0])),
    "F_mse_i": lambda L: nnf(L).mse_loss(L.tensor([1, 2]), L.tensor([1, 4])),
    "F_mse_f_i": lambda L: nnf(L).mse_loss(L.tensor([1.0, 2]), L.tensor([1, 4])),
    "F_mse_f32_f64": lambda L: nnf(L).mse_loss(L.tensor([1.0, 2]), L.tensor([1, 4], dtype=L.float64)),
    "F_l1_f16_f32": lambda L: nnf(L).l1_loss(L.tensor([1.0, 2], dtype=L.float16), L.tensor([1, 4.0])),
    "F_bce_f_i": lambda L: nnf(L).binary_cross_entropy(L.tensor([0.2, 0.7]), L.tensor([0, 1])),
    "F_bcel_f_i": lambda L: nnf(L).binary_cross_entropy_with_logits(L.tensor([0.2, 0.7]), L.tensor([0, 1])),
    "F_bcel_f_b":
        lambda L: nnf(L).binary_cross_entropy_with_logits(L.tensor([0.2, 0.7]), L.tensor([False, True])),
    "F_bcel_f32_f64":
        lambda L: nnf(L).binary_cross_entropy_with_logits(L.tensor([0.2, 0.7]), L.tensor([0.0, 1.0], dtype=L.float64)),
    "F_smooth_l1_f32_f64":
        lambda L: nnf(L).smooth_l1_loss(L.tensor([0.2, 0.7]), L.tensor([0.0, 1.0], dtype=L.float64)),
    "F_huber_f_i": lambda L: nnf(L).huber_loss(L.tensor([0.2, 0.7]), L.tensor([0, 1])),
    "F_kl_f32_f64":
        lambda L: nnf(L).kl_div(L.tensor([-0.2, -0.7]), L.tensor([0.3, 0.7], dtype=L.float64), reduction="sum"),
    "F_cos_f32_f64":
        lambda L: nnf(L).cosine_similarity(L.tensor([[0.2, 0.7]]), L.tensor([[0.3, 0.7]], dtype=L.float64)),
    "F_linear_f32_f64":
        lambda L: nnf(L).linear(L.tensor([[0.2, 0.7]]), L.tensor([[0.3, 0.7]], dtype=L.float64)),
    "F_linear_i": lambda L: nnf(L).linear(L.tensor([[2, 7]]), L.tensor([[3, 7]])),
    "F_normalize_i": lambda L: nnf(L).normalize(L.tensor([[3, 4]])),
    "F_softmax_dtype": lambda L: L.softmax(L.tensor([1, 2]), 0, dtype=L.float64),
    "F_log_softmax_f16_dtype": lambda L: L.log_softmax(L.tensor([1, 2], dtype=L.float16), 0, dtype=L.float32),
    "F_maxpool_i": lambda L: nnf(L).max_pool1d(L.tensor([[[1, 3, 2, 5]]]), 2),
    "F_avgpool_i": lambda L: nnf(L).avg_pool1d(L.tensor([[[1, 3, 2, 5]]]), 2),
    "F_interp_i": lambda L: nnf(L).interpolate(L.tensor([[[1, 3]]]), scale_factor=2),
    "F_dropout_eval_i": lambda L: nnf(L).dropout(L.tensor([1, 3]), training=False),
    "linspace_int": lambda L: L.linspace(0, 10, 4, dtype=L.int64),
    "arange_f_int": lambda L: L.arange(0, 2.5, 0.5, dtype=L.int64),
    "arange_float_end": lambda L: L.arange(5.0),
    "full_f_int": lambda L: L.full((2,), 2.7, dtype=L.int64),
    "tensor_f_int": lambda L: L.tensor([2.7, -2.7], dtype=L.int64),
    "tensor_big_int": lambda L: L.tensor([2**63 - 1]),
    "tensor_neg_u8": lambda L: L.tensor([-1], dtype=L.uint8),
    "tensor_300_u8": lambda L: L.tensor([300], dtype=L.uint8),
    "to_int_neg_f": lambda L: L.tensor([-2.7, 2.7, 1e10]).to(L.int32),
    "to_u8_neg_f": lambda L: L.tensor([-2.7, 2.7, 300.0]).to(L.uint8),
    "to_bool_f": lambda L: L.tensor([0.0, -0.0, 0.1, float('nan')]).bool(),
    "long_nan": lambda L: L.tensor([float("nan"), float("inf")]).long(),
    "round_i": lambda L: L.tensor([15, 25]).round(decimals=-1),
    "round_half": lambda L: L.tensor([0.5, 1.5, 2.5, -0.5]).round(),
    "div_i_0": lambda L: L.tensor([1, -1, 0]) / 0,
    "int_float_floor": lambda L: L.floor_divide(L.tensor([7, -7]), 2.0),
    "remainder_i_f": lambda L: L.remainder(L.tensor([7, -7]), 2.5),
    "fmod_i_neg": lambda L: L.fmod(L.tensor([7, -7]), -3),
    "pow_i_neg_tensor": lambda L: L.tensor([2, 1, -1]) ** L.tensor([-1, -1, -1]),
    "pow_0_neg": lambda L: L.tensor([0]) ** -1,
    "bitwise_not_u8": lambda L: ~L.tensor([0], dtype=L.uint8),
    "abs_i8_min": lambda L: L.tensor([-128], dtype=L.int8).abs(),
    "neg_i8_min": lambda L: -L.tensor([-128], dtype=L.int8),
    "sign_u8": lambda L: L.tensor([0, 5], dtype=L.uint8).sign(),
    "sgn_b": lambda L: L.tensor([True]).sgn(),
    "square_i8": lambda L: L.tensor([20], dtype=L.int8).square(),
    "mul_b_b": lambda L: L.tensor([True, False]) * L.tensor([True, True]),
    "add_b_b": lambda L: L.tensor([True, False]) + L.tensor([True, True]),
    "add_b_num": lambda L: L.tensor([True, False]) + 1,
    "mul_b_f": lambda L: L.tensor([True, False]) * 1.5,
    "div_b_b": lambda L: L.tensor([True, False]) / L.tensor([True, True]),
    "sum_b_dim": lambda L: L.tensor([[True, True]]).sum(1),
    "mean_b_dtype": lambda L: L.tensor([True, False]).mean(dtype=L.float32),
    "max_b": lambda L: L.tensor([True, False]).max(),
    "cummax_i": lambda L: L.tensor([1, 3, 2]).cummax(0).values,
    "cumprod_b": lambda L: L.tensor([True, True]).cumprod(0),
    "logcumsumexp_i": lambda L: L.logcumsumexp(L.tensor([1, 2]), 0),
    "diff_b": lambda L: L.diff(L.tensor([True, False])),
    "diff_u8": lambda L: L.diff(L.tensor([5, 3], dtype=L.uint8)),
    "clamp_f_i_tensor": lambda L: L.clamp(L.tensor([1, 5]), min=L.tensor(2.5)),
    "clamp_i_f_num": lambda L: L.clamp(L.tensor([1, 5]), min=2.5),
    "clamp_i_minmax_mix": lambda L: L.clamp(L.tensor([1, 5]), 2, 3.5),
    "heaviside_i_f": lambda L: L.heaviside(L.tensor([-1, 0, 2]), L.tensor([0.5])),
    "lerp_num_weight_i": lambda L: L.lerp(L.tensor([1.0]), L.tensor([3.0]), 1),
    "addcdiv_i": lambda L: L.addcdiv(L.tensor([1]), L.tensor([3]), L.tensor([2])),
    "addcdiv_f_i": lambda L: L.addcdiv(L.tensor([1.0]), L.tensor([3]), L.tensor([2])),
    "addmm_i_f": lambda L: L.addmm(L.tensor([[1]]), L.tensor([[1.5]]), L.tensor([[2.0]])),
    "addmm_beta_i": lambda L: L.addmm(L.tensor([[1]]), L.tensor([[1]]), L.tensor([[2]]), beta=0.5),
    "baddbmm_f": lambda L: L.baddbmm(L.ones(1, 1, 1), L.ones(1, 1, 1), L.ones(1, 1, 1), beta=0, alpha=2.5),
    "outer_i_f": lambda L: L.outer(L.tensor([2]), L.tensor([1.5])),
    "kron_i_f": lambda L: L.kron(L.tensor([2]), L.tensor([1.5])),
    "cross_i": lambda L: L.linalg.cross(L.tensor([1, 0, 0]), L.tensor([0.0, 1, 0])),
    "cdist_f64_f32": lambda L: L.cdist(L.ones(1, 2), L.ones(1, 2, dtype=L.float64)),
    "polar": lambda L: L.polar(L.tensor([1.0]), L.tensor([0.5])).dtype == L.complex64,
    "complex_i_mul": lambda L: L.tensor([1, 2]) * 1j,
    "complex_f16": lambda L: L.tensor([1.0], dtype=L.float16) * (1 + 1j),
    "complex_f64": lambda L: L.tensor([1.0], dtype=L.float64) * (1 + 1j),
    "true_divide_b": lambda L: L.true_divide(L.tensor([True]), 2),
    "floor_b": lambda L: L.tensor([True]).float().floor(),
    "nanmean_i": lambda L: L.nanmean(L.tensor([1.0, float("nan")])),
    "nansum_i": lambda L: L.nansum(L.tensor([1, 2])),
    "median_even": lambda L: L.tensor([1, 2, 3, 4]).median(),
    "quantile_f": lambda L: L.quantile(L.tensor([1.0, 2, 3, 4]), 0.5),
    "mode_i": lambda L: L.tensor([1, 2, 2, 3]).mode().values,
    "bincount_w_f": lambda L: L.bincount(L.tensor([0, 1, 1]), weights=L.tensor([0.5, 1.0, 1.0])),
    "bincount_w_f64": lambda L: L.bincount(L.tensor([0, 1, 1]), weights=L.tensor([0.5, 1.0, 1.0], dtype=L.float64)),
    "bincount_w_i": lambda L: L.bincount(L.tensor([0, 1, 1]), weights=L.tensor([1, 2, 3])),
    "histc_f64": lambda L: L.histc(L.tensor([1.0, 2.0], dtype=L.float64), 2),
    "searchsorted_i_f": lambda L: L.searchsorted(L.tensor([1, 3, 5]), L.tensor([2.5, 3.0])),
    "bucketize_f_i": lambda L: L.bucketize(L.tensor([2.5, 3.0]), L.tensor([1, 3, 5])),
    "isin_f_i": lambda L: L.isin(L.tensor([2.5, 3.0]), L.tensor([1, 3, 5])),
    "unique_f": lambda L: L.unique(L.tensor([2.5, 2.5, 1.0])),
    "count_nonzero_f": lambda L: L.count_nonzero(L.tensor([2.5, 0.0, -0.0])),
    "argsort_b": lambda L: L.argsort(L.tensor([True, False, True]), stable=True),
    "topk_i": lambda L: L.topk(L.tensor([1, 3, 2]), 2).values,
    "kthvalue_i": lambda L: L.kthvalue(L.tensor([1, 3, 2]), 2).values,
    "flip_b": lambda L: L.flip(L.tensor([True, False]), [0]),
    "roll_u8": lambda L: L.roll(L.tensor([1, 2], dtype=L.uint8), 1),
    "tril_b": lambda L: L.tril(L.ones(2, 2, dtype=L.bool)),
    "eye_b": lambda L: L.eye(2, dtype=L.bool),
    "zeros_like_f_dtype": lambda L: L.zeros_like(L.tensor([1.5]), dtype=L.int32),
    "rand_like_i": lambda L: L.rand_like(L.tensor([1])),
    "new_ones_i": lambda L: L.tensor([1.5]).new_ones(2),
    "new_tensor_i": lambda L: L.tensor([1.5], dtype=L.float64).new_tensor([1, 2]),
    "type_as": lambda L: L.tensor([1.7]).type_as(L.tensor([1])),
    "item_add": lambda L: L.tensor([1]) + L.tensor([1.5]).sum(),
    "int_times_0d_f64": lambda L: L.tensor([1, 2]) * L.tensor(1.5, dtype=L.float64),
    "f16_times_0d_f64": lambda L: L.tensor([1, 2], dtype=L.float16) * L.tensor(1.5, dtype=L.float64),
    "f16_0d_times_i": lambda L: L.tensor(1.5, dtype=L.float16) * L.tensor([1, 2]),
    "f16_0d_plus_f32_0d": lambda L: L.tensor(1.5, dtype=L.float16) + L.tensor(1.5),
    "i_0d_plus_b": lambda L: L.tensor(3, dtype=L.int8) + L.tensor([True]),
    "u8_0d_plus_i8": lambda L: L.tensor(3, dtype=L.uint8) + L.tensor([1], dtype=L.int8),
    "u8_plus_i8_0d": lambda L: L.tensor([3], dtype=L.uint8) + L.tensor(-1, dtype=L.int8),
    "u8_plus_negnum": lambda L: L.tensor([3], dtype=L.uint8) + (-5),
    "u8_plus_300": lambda L: L.tensor([3], dtype=L.uint8) + 300,
    "i8_times_1000": lambda L: L.tensor([3], dtype=L.int8) * 1000,
}  # fmt: skip
EMPTY: dict[str, Callable[[Any, Any], Any]] = {
    "sum": lambda L, a: a.sum(), "sum_d": lambda L, a: a.sum(-1), "mean": lambda L, a: a.mean(),
    "mean_d": lambda L, a: a.mean(-1), "prod": lambda L, a: a.prod(), "prod_d": lambda L, a: a.prod(-1),
    "max": lambda L, a: a.max(), "max_d": lambda L, a: a.max(-1).values, "amax_d": lambda L, a: a.amax(-1),
    "amax_0": lambda L, a: a.amax(0), "min_d": lambda L, a: a.min(-1).values, "argmax": lambda L, a: a.argmax(),
    "argmax_d": lambda L, a: a.argmax(-1), "var": lambda L, a: a.var(), "var_d": lambda L, a: a.var(-1),
    "std": lambda L, a: a.std(), "std_d": lambda L, a: a.std(-1), "var_mean": lambda L, a: L.var_mean(a)[0],
    "median": lambda L, a: a.median(), "median_d": lambda L, a: a.median(-1).values, "norm": lambda L, a: a.norm(),
    "norm_d": lambda L, a: a.norm(dim=-1), "norm_inf": lambda L, a: L.linalg.vector_norm(a, float("inf")),
    "logsumexp_d": lambda L, a: L.logsumexp(a, -1), "softmax_d": lambda L, a: L.softmax(a, -1),
    "cumsum_d": lambda L, a: a.cumsum(-1), "all": lambda L, a: a.all(), "any": lambda L, a: a.any(),
    "nansum": lambda L, a: L.nansum(a), "nanmean": lambda L, a: L.nanmean(a), "count": lambda L, a: L.count_nonzero(a),
    "aminmax": lambda L, a: L.aminmax(a)[0], "std_mean": lambda L, a: L.std_mean(a, -1)[0],
    "sum_i": lambda L, a: a.long().sum(), "mean_i": lambda L, a: a.long().float().mean(-1),
    "topk0": lambda L, a: a.topk(0, -1).values, "sort_d": lambda L, a: a.sort(-1).values,
    "mse": lambda L, a: L.nn.functional.mse_loss(a, a), "l1": lambda L, a: L.nn.functional.l1_loss(a, a),
    "quantile": lambda L, a: L.quantile(a, 0.5), "dot": lambda L, a: a.flatten() @ a.flatten(),
}  # fmt: skip
GRADIENTS: dict[str, Callable[[Any, Any, Any], Any]] = {
    "add": lambda L, a, b: a + b, "mul": lambda L, a, b: a * b, "div": lambda L, a, b: a / b,
    "pow": lambda L, a, b: a.abs() ** b, "maximum": lambda L, a, b: L.maximum(a, b),
    "atan2": lambda L, a, b: L.atan2(a, b),
    "where": lambda L, a, b: L.where(a > 0, a, b), "lerp": lambda L, a, b: L.lerp(a, a * 2, b),
    "copysign": lambda L, a, b: L.copysign(a, b), "hypot": lambda L, a, b: L.hypot(a, b),
    "xlogy": lambda L, a, b: L.xlogy(a, b.abs()), "addcmul": lambda L, a, b: L.addcmul(a, a, b),
    "fmod": lambda L, a, b: L.fmod(a, b), "min_max": lambda L, a, b: L.clamp(a, max=b),
    "dot": lambda L, a, b: (a * b).sum(), "sub_alpha": lambda L, a, b: L.sub(a, b, alpha=3),
}  # fmt: skip
CORRECTIONS = [(n, c) for n in (1, 2, 3) for c in (0, 1, 2, 3, 5)]
OPTIMIZERS = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop"]
SETTINGS = {"SGD": {"lr": 0.1, "momentum": 0.9, "nesterov": True}, "Adam": {"lr": 0.1, "amsgrad": True}}
SETTINGS.update({"RMSprop": {"lr": 0.1, "momentum": 0.5, "centered": True}, "AdamW": {"lr": 0.1}})
KNOWN_NUMPY_1 = {  # pattern of a case -> why MyTorch under NumPy 1.26 differs from MyTorch under NumPy 2 there
    r"rpow\|(bool|u?int\d+)0\|a_(float|complex)": "NumPy 1's ndarray ** a 0-d integer or bool tensor worth -1, 0, 1 "
    "or 2 is NumPy's own (an ndarray; docs/reliability.md says why it stays)",
}
KNOWN: dict[str, str] = {  # pattern of a case -> why MyTorch's outcome is the right one where the two differ
    r"r?(lt|le|gt|ge|eq|ne)\|(u?int\d+0?)\|(n-3|nbig)": "PyTorch wraps the number into the tensor's integer dtype "
    "first (uint8 < -3 is True, int8 == 2**40 is True for 0); MyTorch compares the values",
    r"r?(lt|le|gt)\|(uint80\|(a_)?int8|int\d+0\|(a_)?uint8|uint8\|a_int\d+0|int\d+\|a_uint80)": "PyTorch compares "
    "a 0-d tensor after wrapping it into the other's dtype (uint8 250 < int8 2 is True, as -6 < 2); MyTorch compares "
    "the values",
    r"(fmax|clamp_min|clamp_max|clamp_)\|(uint80?\|int\d+0?|int\d+0?\|uint80?|uint80?\|n-3)": "PyTorch wraps the "
    "bound into the result's dtype before comparing (clamp(uint8 x, min=-3) is 253); MyTorch compares the values and "
    "wraps only the result",
    r"(eq|lt)_big_f": "PyTorch compares int64 with a Python float in float32 (2**24 + 1 == 2.0**24); MyTorch in "
    "float64",
    r"optim_load\|ASGD": "a loaded ASGD keeps eta and mu in float32, as a new one has them (PyTorch's too); "
    "PyTorch casts loaded ones to the parameter's dtype",
    r"(addcmul_\|u?int\d+0?\|(n-?2\.5|float))": "PyTorch truncates a fractional value into an integer tensor; MyTorch "
    "refuses it (and takes a 0-d float tensor value as a float operand)",
    r"(copy_|fill_)\|.*\|n(huge|big)": "PyTorch writes 1e39 into an integer tensor as garbage and 2**40 into float16 "
    "as inf; MyTorch refuses a number the dtype cannot hold",
    r"clamp_max\|uint8\|n-3": "MyTorch refuses a bound the dtype cannot hold",
    r"addmm_beta_i": "PyTorch truncates beta=0.5 to 0 for integer matrices; MyTorch computes it (a float32 result)",
    r"complex_f16": "NumPy has no complex32: float16 times a complex number is complex64",
    r"\w+\|(float160?\|(a_)?complex|complex(64|128)0?\|(a_)?float16)": "NumPy has no complex32: float16 beside "
    "a 0-d complex operand is complex64",
    r"(masked_fill_|addcmul_)\|\w+\|complex": "MyTorch refuses a complex value into a real tensor; PyTorch drops "
    "its imaginary part",
    r"rpow\|complex(64|128)\|n(0|huge)": "b ** 0j is 1 for b = 0 or a b beyond the dtype (MyTorch takes log b of "
    "the number in float64); PyTorch's exp(0 * log b) is NaN there",
    r"index_add_alpha": "MyTorch refuses a fractional alpha for an integer tensor; PyTorch truncates it (2.5 adds "
    "twice the source)",
    r"F_avgpool_i": "MyTorch refuses avg_pool of integers as it refuses their mean; PyTorch floors each average",
    r"long_nan": "MyTorch refuses NaN or inf into an integer; PyTorch writes -2**63",
}  # fmt: skip


def _tensor(L: Any, kind: str, values: list[Any], zero_d: bool) -> Any:
    return L.tensor(values[1] if zero_d else values, dtype=getattr(L, kind))


def _operands() -> list[tuple[str, Callable[[Any], Any]]]:
    out: list[tuple[str, Callable[[Any], Any]]] = []
    for kind in DTYPES:
        for zero_d in (False, True):
            out.append((f"{kind}{'0' if zero_d else ''}", lambda L, k=kind, z=zero_d: _tensor(L, k, RIGHT[k], z)))
    out += [(f"n{name}", lambda L, v=value: v) for name, value in NUMBERS.items()]
    for kind in DTYPES:  # NumPy arrays, which MyTorch takes as tensors of their dtype: PyTorch is given the tensor
        for zero_d in (False, True):
            array = np.array(RIGHT[kind][1] if zero_d else RIGHT[kind], dtype=kind)
            out.append((f"a_{kind}{'0' if zero_d else ''}", lambda L, a=array: a if L is mytorch else L.from_numpy(a)))
    return out


def cases() -> dict[str, Callable[[Any], Any]]:
    """Every case by name; each takes the library (``mytorch`` or ``torch``) and returns a result."""
    table: dict[str, Callable[[Any], Any]] = {}
    operands = _operands()
    for kind in DTYPES:
        for zero_d in (False, True):

            def left(L: Any, k: str = kind, z: bool = zero_d) -> Any:
                return _tensor(L, k, LEFT[k], z)

            key = f"{kind}{'0' if zero_d else ''}"
            for name, right in operands:
                number, array = name.startswith("n"), name.startswith("a_")
                for op, f in BINARY.items():
                    table[f"{op}|{key}|{name}"] = lambda L, f=f, a=left, b=right: f(L, a(L), b(L))
                    if number or array:
                        table[f"r{op}|{key}|{name}"] = lambda L, f=f, a=left, b=right: f(L, b(L), a(L))
                if array:
                    continue
                for op, f in FUNCTIONS.items():
                    if not (number and op in BOTH_TENSORS and zero_d):
                        table[f"{op}|{key}|{name}"] = lambda L, f=f, a=left, b=right: f(L, a(L), b(L))
                for op, f in INPLACE.items():
                    table[f"{op}|{key}|{name}"] = lambda L, f=f, a=left, b=right: f(L, a(L), b(L))
            for op, g in UNARY.items():
                table[f"{op}|{key}"] = lambda L, g=g, a=left: g(L, a(L))
    floats = [(k, z) for k in ("float16", "float32", "float64") for z in (False, True)]
    for ka, za in floats:
        for kb, zb in floats:
            for op, f in GRADIENTS.items():
                name = f"grad_{op}|{ka}{'0' if za else ''}|{kb}{'0' if zb else ''}"
                table[name] = lambda L, f=f, a=(ka, za), b=(kb, zb): _gradients(L, f, a, b)
    for op, h in {**OVERFLOW, **CALLS}.items():
        table[f"{op}"] = h
    for shape in ((0,), (2, 0), (0, 3)):
        for op, g in EMPTY.items():
            for kind in ("float32", "float64"):
                table[f"empty_{op}|{shape}|{kind}"] = lambda L, g=g, s=shape, k=kind: g(
                    L, L.zeros(s, dtype=getattr(L, k))
                )
    for n, c in CORRECTIONS:
        for op in ("var", "std", "var_mean", "std_mean"):
            for dim in (None, 0):
                table[f"{op}_corr|{n}|{c}|{dim}"] = lambda L, n=n, c=c, op=op, d=dim: _corrected(L, op, n, c, d)
    for name in OPTIMIZERS:
        for kind in ("float32", "float16", "float64"):
            for decay in (0.0, 0.01):
                key = f"{name}|{kind}|{decay}"
                table[f"optim|{key}"] = lambda L, n=name, k=kind, d=decay: _optimizer_states(L, n, k, d, load=False)
                table[f"optim_load|{key}"] = lambda L, n=name, k=kind, d=decay: _optimizer_states(L, n, k, d, load=True)
    return table


def _gradients(L: Any, f: Callable[[Any, Any, Any], Any], a: tuple[str, bool], b: tuple[str, bool]) -> Any:
    """Both operands' gradients of the sum of ``f(a, b)`` as one float64 row; their dtypes and
    the result's are its name."""
    x = _tensor(L, a[0], LEFT[a[0]], a[1]).requires_grad_(True)
    y = _tensor(L, b[0], RIGHT[b[0]], b[1]).requires_grad_(True)
    out = f(L, x, y)
    out.sum().backward()
    names = f"{out.dtype}/{x.grad.dtype}/{y.grad.dtype}".replace("torch.", "")
    return names, L.cat([out.detach().double().reshape(-1), x.grad.double().reshape(-1), y.grad.double().reshape(-1)])


def _corrected(L: Any, op: str, n: int, c: int, dim: int | None) -> Any:
    x = L.arange(1.0, n + 1)
    out = getattr(L, op)(x, correction=c) if dim is None else getattr(L, op)(x, dim, correction=c)
    return out[0] if isinstance(out, tuple) else out


def _optimizer_states(L: Any, name: str, kind: str, decay: float, load: bool) -> Any:
    """The parameter after three steps, followed by every state value (tensors as arrays, in the
    order of the state's keys), as one float64 row; the dtypes are its name's suffix. ``load``
    first loads the state of a step on a float64 parameter (float32 for a float64 one)."""
    dtype = getattr(L, kind)
    p = L.nn.Parameter(L.tensor([0.5, -1.5, 2.0], dtype=dtype))
    settings = {**SETTINGS.get(name, {"lr": 0.1}), **({"weight_decay": decay} if decay else {})}
    opt = getattr(L.optim, name)([p], **settings)
    if load:
        other_dtype = L.float32 if kind == "float64" else L.float64
        q = L.nn.Parameter(L.tensor([0.5, -1.5, 2.0], dtype=other_dtype))
        other = getattr(L.optim, name)([q], **settings)
        q.grad = L.tensor([0.3, -0.2, 0.1], dtype=other_dtype)
        other.step()
        opt.load_state_dict(other.state_dict())
    for step in range(3):
        p.grad = L.tensor([0.3, -0.2, 0.1 * step], dtype=dtype)
        opt.step()
    state = opt.state[p]
    parts, kinds = [p.detach()], [str(p.dtype)]
    for key in sorted(state):
        value = state[key]
        kinds.append(f"{key}:{value.dtype if isinstance(value, L.Tensor) else type(value).__name__}")
        parts.append(value.detach().double().reshape(-1) if isinstance(value, L.Tensor) else L.tensor([float(value)]))
    return "/".join(kinds), L.cat([t.double().reshape(-1) for t in parts])


def outcome(L: Any, f: Callable[[Any], Any]) -> tuple[str, np.ndarray]:
    """``("dtype", values)`` of a tensor result (a tuple's first), or ``("error", [])``."""
    try:
        r = f(L)
    except Exception:  # noqa: BLE001 - a refusal is the outcome
        return "error", np.zeros(0)
    label = ""
    if isinstance(r, tuple) and isinstance(r[0], str):
        label, r = r[0].replace("torch.", "") + "|", r[1]
    if isinstance(r, L.Tensor):
        r = r.detach()
        try:
            values = np.array(r.numpy())
        except TypeError:  # (a dtype NumPy has not: PyTorch's complex32)
            return label + str(r.dtype).replace("torch.", ""), np.zeros(0)
        return label + str(r.dtype).replace("torch.", ""), values
    return type(r).__name__, np.array(r)


def agree(a: np.ndarray, b: np.ndarray, rtol: float) -> bool:
    if a.shape != b.shape:
        return False
    if a.dtype.kind == "c" or b.dtype.kind == "c":
        # both parts; a non-finite value agrees with any other (NumPy's complex power and division
        # give inf+nanj where PyTorch's give nan+nanj, and the other way round)
        a, b = a.astype(np.complex128), b.astype(np.complex128)
        finite = np.isfinite(a)
        if not np.array_equal(finite, np.isfinite(b)):
            return False
        return bool(np.allclose(a[finite], b[finite], rtol=rtol, atol=1e-6))
    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        return bool(np.allclose(a.astype(np.float64), b.astype(np.float64), rtol=rtol, atol=1e-6, equal_nan=True))
    return bool(np.array_equal(a, b))


def dump(path: str, only: str) -> None:
    """MyTorch's outcome of every case, to ``path`` (``.npz``, no pickle): what ``--other`` asks
    the other interpreter for."""
    names, kinds, arrays = [], [], {}
    for i, (name, f) in enumerate(k for k in cases().items() if k[0].startswith(only)):
        kind, values = outcome(mytorch, f)
        names.append(name)
        kinds.append(kind)
        arrays[f"v{i}"] = values if values.dtype != object else np.zeros(0)
    np.savez(path, names=np.array(names), kinds=np.array(kinds), **arrays)


def across_numpy_versions(other: str, only: str) -> tuple[int, list[str]]:
    """MyTorch here against MyTorch under ``other`` (another NumPy): every case's dtype, refusal and
    values must be the same (values to 1e-6: the last bits of float64 ``pow``, ``exp``)."""
    with tempfile.TemporaryDirectory() as folder:
        mine, theirs = f"{folder}/mine.npz", f"{folder}/other.npz"
        dump(mine, only)
        root = __file__.rsplit("/scripts/", 1)[0]
        command = [other, __file__, "--dump", theirs, "--only", only]
        subprocess.run(command, check=True, env={"PYTHONPATH": root, "PATH": "/usr/bin:/bin"})
        results = []
        for path in (mine, theirs):
            with np.load(path, allow_pickle=False) as z:
                results.append({str(n): (str(k), z[f"v{i}"]) for i, (n, k) in enumerate(zip(z["names"], z["kinds"]))})
    lines = []
    for name, (ka, va) in results[0].items():
        kb, vb = results[1].get(name, ("missing", np.zeros(0)))
        if any(re.match(pattern, name) for pattern in KNOWN_NUMPY_1):
            continue
        if ka != kb or not agree(va, vb, 1e-6):
            lines.append(f"{name}: here {ka} {va.ravel()[:5].tolist()} | other {kb} {vb.ravel()[:5].tolist()}")
    return len(results[0]), lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="print each difference's values too")
    parser.add_argument("--all", action="store_true", help="also list the cases only PyTorch refuses, and KNOWN ones")
    parser.add_argument("--only", default="", help="run only the cases whose name starts with this")
    parser.add_argument("--other", help="instead, MyTorch here against MyTorch under this interpreter")
    parser.add_argument("--dump", help=argparse.SUPPRESS)  # (what the other interpreter is asked to run)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    if args.dump:
        dump(args.dump, args.only)
        return 0
    if args.other:
        count, lines = across_numpy_versions(args.other, args.only)
        print("\n".join(lines) if lines else "no differences")
        print(f"{count} cases, NumPy {np.__version__} against {args.other}: {len(lines)} differ", file=sys.stderr)
        return 1 if lines else 0
    import torch

    torch.manual_seed(0)
    table = {k: v for k, v in cases().items() if k.startswith(args.only)}
    classes: dict[str, list[str]] = {"differ": [], "mytorch refuses": [], "pytorch refuses": [], "known": []}
    for name, f in table.items():
        (km, vm), (kt, vt) = outcome(mytorch, f), outcome(torch, f)
        # (float16 optimizer steps: each library rounds its intermediate values differently)
        if km == kt and agree(vm, vt, 1e-2 if "float16" in name else 2e-3):
            continue
        extra = f" {vm.ravel()[:5].tolist()} | {vt.ravel()[:5].tolist()}" if args.verbose else ""
        line = f"{name}: mytorch {km} | torch {kt}{extra}"
        kind = "mytorch refuses" if km == "error" else "pytorch refuses" if kt == "error" else "differ"
        if kind != "pytorch refuses" and any(re.match(pattern, name) for pattern in KNOWN):
            kind = "known"
        classes[kind].append(line)
    for kind, lines in classes.items():
        if lines and (args.all or kind in ("differ", "mytorch refuses")):
            print(f"== {kind}\n" + "\n".join(lines))
    counts = ", ".join(f"{len(lines)} {kind}" for kind, lines in classes.items())
    print(f"{len(table)} cases: {counts}", file=sys.stderr)
    return 1 if classes["differ"] or classes["mytorch refuses"] else 0


if __name__ == "__main__":
    sys.exit(main())

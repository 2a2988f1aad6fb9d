"""The same Tensor programs under NumPy 1 and NumPy 2: dtypes, values and gradients must agree.

Operands: tensors of eight dtypes (dimensioned and 0-d) with Python numbers, NumPy numbers
(``np.float64(2.5)``, ``np.float32``, ``np.uint8(200)``...), 0-d arrays and 0-d tensors, through
the operators, ~70 functions and methods (in-place ones, factories, activations with a number
setting, reductions of a scaled tensor) and the gradients of the floating ones. NEP 50 (NumPy 2
dropped value-based casting) is where the two can part.

    python scripts/sweep_numpy_versions.py --other /tmp/v310/bin/python

dumps this interpreter's results and the other's to ``.npz`` files (no pickle) and prints every
case whose dtype, exception or values differ beyond ``KNOWN`` (values: 1e-6 relative, for the
last bits of float64 ``pow``/``exp``). ``--scalars`` instead checks, in this interpreter, that
each NumPy number gives what the Python number of the same value gives.
"""

from __future__ import annotations

import argparse
import operator
import os
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import mytorch as L  # noqa: E402

DTYPES = {"f32": L.float32, "f64": L.float64, "f16": L.float16, "i64": L.int64, "i32": L.int32, "i8": L.int8}
DTYPES.update({"u8": L.uint8, "b": L.bool})
VALUES = {"f32": [1.5, -2.25, 3.0], "f64": [1.5, -2.25, 3.0], "f16": [1.5, -2.25, 3.0], "i64": [3, -2, 7]}
VALUES.update({"i32": [3, -2, 7], "i8": [120, -2, 7], "u8": [250, 3, 7], "b": [True, False, True]})
NUMBERS: dict[str, Any] = {
    "py_int": 3, "py_big": 2**40, "py_neg": -3, "py_float": 2.5, "py_bool": True, "py_tiny": 1e-30, "py_huge": 1e39,
    "np_f64": np.float64(2.5), "np_f32": np.float32(2.5), "np_f16": np.float16(2.5), "np_i64": np.int64(3),
    "np_i32": np.int32(3), "np_u8": np.uint8(200), "np_i8": np.int8(-3), "np_bool": np.bool_(True),
    "np_f64_huge": np.float64(1e39), "arr0_f64": np.array(2.5), "arr0_f32": np.array(2.5, np.float32),
    "arr0_i64": np.array(3), "arr0_u8": np.array(200, np.uint8), "py_complex": 1 + 2j, "np_c64": np.complex64(1 + 2j),
}  # fmt: skip
KNOWN = {  # prefix of a case -> why the two NumPy versions may differ there
    "rpow|b|1|arr0": "NumPy 1's ndarray ** of a 0-d bool tensor takes its own scalar path and returns an array "
    "(it reads an operand with __index__ worth -1, 0, 1 or 2 as a number; see docs/reliability.md)",
    "g_L.softmax_mul|f64": "the gradient of a softmax's sum, 0 up to rounding (1e-16), on either",
}


def tensor(kind: str, zero_d: bool = False, grad: bool = False) -> Any:
    """The operand tensor of dtype ``kind``: three values, or the first as a 0-d tensor."""
    t = L.tensor(VALUES[kind][0] if zero_d else VALUES[kind], dtype=DTYPES[kind])
    return t.requires_grad_(True) if grad else t


def _set_first(t: Any, v: Any) -> Any:
    t[0] = v
    return t


OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul, "truediv": operator.truediv,
    "floordiv": operator.floordiv, "mod": operator.mod, "pow": operator.pow, "and": operator.and_,
    "or": operator.or_, "xor": operator.xor, "lt": operator.lt, "eq": operator.eq, "ge": operator.ge,
}  # fmt: skip
F = L.nn.functional
FUNCTIONS: dict[str, Callable[[Any, Any], Any]] = {
    "L.add": L.add, "L.mul": L.mul, "L.fmod": L.fmod, "L.remainder": L.remainder, "L.pow": L.pow,
    "L.true_divide": L.true_divide, "L.eq": L.eq, "L.copysign": L.copysign, "L.xlogy": L.xlogy,
    "L.div_floor": lambda a, b: L.div(a, b, rounding_mode="floor"),
    "L.div_trunc": lambda a, b: L.div(a, b, rounding_mode="trunc"),
    "L.clamp_min": lambda a, b: L.clamp(a, min=b), "L.clamp_max": lambda a, b: L.clamp(a, max=b),
    "L.where": lambda a, b: L.where(a > 0 if a.dtype != L.bool else a, a, b),
    "L.masked_fill": lambda a, b: a.masked_fill(a != 0, b), "L.fill_": lambda a, b: a.clone().fill_(b),
    "L.lerp": lambda a, b: L.lerp(a, L.zeros_like(a), b), "L.add_alpha": lambda a, b: L.add(a, a, alpha=b),
    "L.addcmul": lambda a, b: L.addcmul(a, a, a, value=b), "L.addcdiv": lambda a, b: L.addcdiv(a, a, a + 10, value=b),
    "L.index_fill": lambda a, b: a.index_fill(0, L.tensor([0]), b), "L.nan_to_num": lambda a, b: L.nan_to_num(a, nan=b),
    "L.mul_": lambda a, b: a.clone().mul_(b), "L.add_": lambda a, b: a.clone().add_(b),
    "L.div_": lambda a, b: a.clone().div_(b), "L.pow_": lambda a, b: a.clone().pow_(b),
    "L.clamp_": lambda a, b: a.clone().clamp_(min=b), "iadd": lambda a, b: operator.iadd(a.clone(), b),
    "imul": lambda a, b: operator.imul(a.clone(), b), "setitem": lambda a, b: _set_first(a.clone(), b),
    "L.full": lambda a, b: L.full((2,), b), "L.tensor": lambda a, b: L.tensor(b),
    "L.as_tensor": lambda a, b: L.as_tensor(b),
    "L.tensor_list": lambda a, b: L.tensor([b, b]), "L.tensor_dtype": lambda a, b: L.tensor(b, dtype=a.dtype),
    "L.arange": lambda a, b: L.arange(b), "L.arange_step": lambda a, b: L.arange(0, 10, b),
    "L.linspace": lambda a, b: L.linspace(0, b, 3), "L.full_like": lambda a, b: L.full_like(a, b),
    "L.new_full": lambda a, b: a.new_full((2,), b), "L.new_tensor": lambda a, b: a.new_tensor(b),
    "L.softplus_beta": lambda a, b: F.softplus(a, beta=b), "L.leaky": lambda a, b: F.leaky_relu(a, b),
    "L.elu": lambda a, b: F.elu(a, alpha=b), "L.celu": lambda a, b: F.celu(a, alpha=b),
    "L.hardtanh": lambda a, b: F.hardtanh(a, -b, b), "L.threshold": lambda a, b: F.threshold(a, 0.5, b),
    "L.norm_p": lambda a, b: L.norm(a, p=b), "L.renorm": lambda a, b: L.renorm(a.reshape(1, -1), 2, 0, b),
    "L.round_dec": lambda a, b: L.round(a * b, decimals=1), "L.logsumexp": lambda a, b: L.logsumexp(a * b, 0),
    "L.sum_mul": lambda a, b: (a * b).sum(), "L.cumsum_mul": lambda a, b: (a * b).cumsum(0),
    "L.prod_mul": lambda a, b: (a * b).prod(), "L.std_mul": lambda a, b: (a * b).std(),
    "L.matmul_mul": lambda a, b: (a * b) @ (a * b), "L.sigmoid_mul": lambda a, b: L.sigmoid(a * b),
    "L.exp_mul": lambda a, b: L.exp(a * b), "L.log_softmax_mul": lambda a, b: L.log_softmax(a * b, 0),
    "L.softmax_mul": lambda a, b: L.softmax(a * b, 0), "L.sqrt_mul": lambda a, b: L.sqrt(L.abs(a * b)),
    "L.tanh_div": lambda a, b: L.tanh(a / b), "L.mean_mul": lambda a, b: (a.float() * b).mean(),
}  # fmt: skip
NO_GRADIENT = ("L.full", "L.tensor", "L.as_tensor", "L.tensor_list", "L.arange", "L.arange_step", "L.linspace")


def outcome(f: Callable[[], Any]) -> tuple[str, np.ndarray]:
    """``("T:dtype", values)`` of a tensor result, ``("N:dtype", ...)`` of a NumPy one, ``("E:Name", 0)``."""
    try:
        r = f()
    except Exception as e:  # noqa: BLE001 - the exception's kind is the result
        return "E:" + type(e).__name__, np.array(0)
    if isinstance(r, L.Tensor):
        return "T:" + str(r.dtype), np.array(r.detach().numpy())
    return ("N:" if isinstance(r, (np.ndarray, np.generic)) else "P:") + str(np.asarray(r).dtype), np.array(r)


def _gradient(op: Callable[[Any, Any], Any], kind: str, zero_d: bool, b: Any, shift: bool) -> Any:
    a = tensor(kind, zero_d, grad=True)
    out = op(a.abs() + 0.5, b) if shift else op(a, b)
    if not L.is_floating_point(out):
        return L.tensor(-7.0)  # (no gradient to take: an integer or complex result)
    out.sum().backward()
    return a.grad


def cases() -> dict[str, Callable[[], Any]]:
    """Every case of the sweep by name ``op|dtype|0-d|operand``; ``r`` before an operator's name
    puts the operand on the left, ``g_`` takes the tensor's gradient."""
    table: dict[str, Callable[[], Any]] = {}
    others = [(k, v) for k, v in NUMBERS.items()] + [("t_" + k, None) for k in DTYPES]
    for kind in DTYPES:
        for zero_d in (False, True):
            for name, number in others:

                def operand(name: str = name, number: Any = number) -> Any:
                    return number if number is not None else tensor(name[2:], zero_d=True)

                key = f"{kind}|{int(zero_d)}|{name}"
                floating = kind in ("f32", "f64")
                for op_name, op in OPERATORS.items():
                    table[f"{op_name}|{key}"] = lambda op=op, k=kind, z=zero_d, b=operand: op(tensor(k, z), b())
                    table[f"r{op_name}|{key}"] = lambda op=op, k=kind, z=zero_d, b=operand: op(b(), tensor(k, z))
                    if floating and op_name in ("add", "sub", "mul", "truediv", "pow"):
                        table[f"g_{op_name}|{key}"] = lambda op=op, k=kind, z=zero_d, b=operand: _gradient(
                            op, k, z, b(), True
                        )
                if number is None:
                    continue
                for op_name, op in FUNCTIONS.items():
                    table[f"{op_name}|{key}"] = lambda op=op, k=kind, z=zero_d, b=number: op(tensor(k, z), b)
                    if (
                        floating
                        and op_name.startswith("L.")
                        and not op_name.endswith("_")
                        and op_name not in NO_GRADIENT
                    ):
                        table[f"g_{op_name}|{key}"] = lambda op=op, k=kind, z=zero_d, b=number: _gradient(
                            op, k, z, b, False
                        )
    return table


def dump(path: str) -> None:
    """Run every case; write ``names``, ``kinds`` and one array per case to ``path`` (no pickle)."""
    warnings.simplefilter("ignore")
    results = {name: outcome(f) for name, f in cases().items()}
    arrays = {f"v{i}": (v if v.dtype != object else np.array(0)) for i, (_, v) in enumerate(results.values())}
    np.savez(path, names=np.array(list(results)), kinds=np.array([k for k, _ in results.values()]), **arrays)


def load(path: str) -> dict[str, tuple[str, np.ndarray]]:
    with np.load(path, allow_pickle=False) as z:
        return {str(n): (str(k), z[f"v{i}"]) for i, (n, k) in enumerate(zip(z["names"], z["kinds"]))}


def agree(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        x, y = a.astype(np.complex128), b.astype(np.complex128)
        return bool(np.allclose(x, y, rtol=1e-6, atol=0, equal_nan=True))
    return bool(np.array_equal(a, b))


def compare(mine: dict[str, Any], other: dict[str, Any]) -> list[str]:
    """The cases whose kind (dtype, exception) or values differ, less those ``KNOWN`` explains."""
    lines = []
    for name in sorted(set(mine) | set(other)):
        if any(name.startswith(prefix) for prefix in KNOWN):
            continue
        if name not in mine or name not in other:
            lines.append(f"{name}: run by one interpreter only")
            continue
        (ka, va), (kb, vb) = mine[name], other[name]
        if ka != kb or (not ka.startswith("E:") and not agree(va, vb)):
            lines.append(f"{name}: {ka} {va.ravel()[:3]} | {kb} {vb.ravel()[:3]}")
    return lines


def same_as_python_numbers() -> list[str]:
    """Each NumPy number (and 0-d array) of a value against the Python number of that value, in
    every case above: the same kind, dtype, values and gradients (PyTorch reads a NumPy number as
    the Python number; only ``tensor``/``as_tensor`` keep its dtype, as PyTorch's do)."""
    lines, count = [], 0
    for value in (0.3, 1.3, 1e-5, 70000.5):
        for kind in (np.float16, np.float32, np.float64):
            given = kind(value)
            if not np.isfinite(given):
                continue
            for op_name, op in {**OPERATORS, **FUNCTIONS}.items():
                if op_name in ("L.tensor", "L.as_tensor", "L.tensor_list", "L.new_tensor", "L.tensor_dtype"):
                    continue
                for t in DTYPES:
                    count += 1
                    a = outcome(lambda op=op, t=t, g=given: op(tensor(t), g))
                    b = outcome(lambda op=op, t=t, g=float(given): op(tensor(t), g))
                    if a[0] != b[0] or (not a[0].startswith("E:") and not np.array_equal(a[1], b[1], equal_nan=True)):
                        lines.append(f"{op_name}|{t}|{kind.__name__}({value}): {a[0]} {a[1].ravel()[:3]} | {b[0]}")
    print(f"{count} cases, NumPy {np.__version__}", file=sys.stderr)
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--other", default="/tmp/v310/bin/python", help="the interpreter of the other NumPy")
    parser.add_argument("--dump", help=argparse.SUPPRESS)  # (what the other interpreter is asked to run)
    parser.add_argument("--scalars", action="store_true", help="NumPy numbers against Python numbers, here")
    args = parser.parse_args()
    if args.dump:
        dump(args.dump)
        return 0
    if args.scalars:
        warnings.simplefilter("ignore")
        lines = same_as_python_numbers()
    else:
        with tempfile.TemporaryDirectory() as folder:
            mine, theirs = os.path.join(folder, "mine.npz"), os.path.join(folder, "other.npz")
            dump(mine)
            env = {**os.environ, "PYTHONPATH": ROOT}
            subprocess.run([args.other, os.path.abspath(__file__), "--dump", theirs], check=True, env=env)
            mine_results, other_results = load(mine), load(theirs)
        lines = compare(mine_results, other_results)
        print(f"{len(mine_results)} cases, NumPy {np.__version__} against {args.other}", file=sys.stderr)
    print("\n".join(lines) if lines else "no differences")
    return 1 if lines else 0


if __name__ == "__main__":
    sys.exit(main())

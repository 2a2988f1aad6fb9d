"""Number settings a dtype cannot hold are refused, as PyTorch refuses them.

A setting is a Python number an operation converts to the dtype it computes in (``add``'s
``alpha``, ``addcmul``'s ``value``, ``lerp``'s weight, ``hardshrink``'s ``lambd``, ``addmm``'s
``beta`` ...): PyTorch refuses one that dtype cannot hold ("value cannot be converted to type float
without overflow"), where MyTorch computed with inf (``t.lerp(end, 1e39)``: NaN) or, for integer
tensors, wrapped it (``add(alpha=2**40)`` of int32 tensors added nothing). Operands stay allowed
(``t + 1e39`` is inf in both). The table runs without PyTorch against the rule each operation
follows (``CHECKED_IN``), and against PyTorch's refusals where it is installed.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import mytorch as mt

Call = Callable[[Any, Any, Any], Any]


def _square(lib: Any, t: Any) -> Any:
    return t[None].T @ t[None]


# name -> (call(lib, t, v), the dtype the setting is checked in: "own" (the tensor's), "opmath"
# (float16's in float32), "where" (float32 alone: PyTorch's where takes 70000.0 into float16 as inf),
# "pow" (float16's alone; float32 computes t ** 1e39 as inf), "taken" (never refused), "operand")
TABLE: dict[str, tuple[Call, str]] = {
    "where other": (lambda lib, t, v: lib.where(t > 1, t, v), "where"),
    "where input": (lambda lib, t, v: lib.where(t > 1, v, t), "where"),
    "addcmul value": (lambda lib, t, v: t.addcmul(t, t, value=v), "opmath"),
    "addcdiv value": (lambda lib, t, v: t.addcdiv(t, t, value=v), "opmath"),
    "addcmul_ value": (lambda lib, t, v: t.clone().addcmul_(t, t, value=v), "opmath"),
    "lerp weight": (lambda lib, t, v: t.lerp(t * 2, v), "opmath"),
    "lerp_ weight": (lambda lib, t, v: t.clone().lerp_(t * 2, v), "opmath"),
    "pow exponent": (lambda lib, t, v: t**v, "pow"),
    "pow_ exponent": (lambda lib, t, v: t.clone().pow_(v), "pow"),
    "add alpha": (lambda lib, t, v: t.add(t, alpha=v), "own"),
    "sub alpha": (lambda lib, t, v: lib.sub(t, t, alpha=v), "own"),
    "add_ alpha": (lambda lib, t, v: t.clone().add_(t, alpha=v), "own"),
    "sub_ alpha": (lambda lib, t, v: t.clone().sub_(t, alpha=v), "own"),
    "sub(1.0) alpha": (lambda lib, t, v: t.sub(1.0, alpha=v), "own"),
    "index_add alpha": (lambda lib, t, v: t.index_add(0, lib.tensor([0]), t[:1], alpha=v), "own"),
    "hardshrink lambd": (lambda lib, t, v: lib.nn.functional.hardshrink(t, v), "own"),
    "hardtanh bounds": (lambda lib, t, v: lib.nn.functional.hardtanh(t, -v, v), "own"),
    "softplus threshold": (lambda lib, t, v: lib.nn.functional.softplus(t, threshold=v), "opmath"),
    "rrelu bounds": (lambda lib, t, v: lib.nn.functional.rrelu(t, v, v), "opmath"),
    "rrelu training bounds": (lambda lib, t, v: lib.nn.functional.rrelu(t, 0.1, v, training=True), "opmath"),
    "addmm beta": (lambda lib, t, v: lib.addmm(_square(lib, t), t[None].T, t[None], beta=v), "opmath"),
    "addmm alpha": (lambda lib, t, v: _square(lib, t).addmm(t[None].T, t[None], alpha=v), "opmath"),
    "addmm_ alpha": (lambda lib, t, v: _square(lib, t).addmm_(t[None].T, t[None], alpha=v), "opmath"),
    "baddbmm beta": (lambda lib, t, v: lib.baddbmm(*[_square(lib, t)[None]] * 3, beta=v), "opmath"),
    "addbmm alpha": (lambda lib, t, v: lib.addbmm(_square(lib, t), *[_square(lib, t)[None]] * 2, alpha=v), "opmath"),
    "addmv beta": (lambda lib, t, v: lib.addmv(t, _square(lib, t), t, beta=v), "own"),
    "addmv alpha": (lambda lib, t, v: lib.addmv(t, _square(lib, t), t, alpha=v), "own"),
    "logit eps": (lambda lib, t, v: lib.logit(t, eps=v), "own"),
    "histc max": (lambda lib, t, v: lib.histc(t, 3, min=0, max=v), "own"),
    "hinge_embedding_loss margin": (
        lambda lib, t, v: lib.nn.functional.hinge_embedding_loss(t, lib.ones_like(t), margin=v),
        "own",
    ),
    "cosine_similarity eps": (lambda lib, t, v: lib.nn.functional.cosine_similarity(t[None], t[None], eps=v), "opmath"),
    "linspace end": (lambda lib, t, v: lib.linspace(0, v, 3, dtype=t.dtype), "own"),
    "uniform_ to": (lambda lib, t, v: t.clone().uniform_(0, v), "own"),
    "init.uniform_ b": (lambda lib, t, v: lib.nn.init.uniform_(t.clone(), 0, v), "own"),
    "init.constant_ val": (lambda lib, t, v: lib.nn.init.constant_(t.clone(), v), "own"),
    # refused before, kept
    "clamp max": (lambda lib, t, v: t.clamp(max=v), "own"),
    "fill_": (lambda lib, t, v: t.clone().fill_(v), "own"),
    "leaky_relu negative_slope": (lambda lib, t, v: lib.nn.functional.leaky_relu(t, v), "opmath"),
    "elu alpha": (lambda lib, t, v: lib.nn.functional.elu(t, v), "opmath"),
    "F.pad value": (lambda lib, t, v: lib.nn.functional.pad(t, (1, 1), value=v), "own"),
    "index_fill value": (lambda lib, t, v: t.index_fill(0, lib.tensor([0]), v), "own"),
    "scatter value": (lambda lib, t, v: t.scatter(0, lib.tensor([0]), v), "own"),
    "full_like fill_value": (lambda lib, t, v: lib.full_like(t, v), "own"),
    "masked_fill value": (lambda lib, t, v: t.masked_fill(t > 1, v), "own"),
    "fill_diagonal_": (lambda lib, t, v: _square(lib, t).fill_diagonal_(v), "own"),
    "threshold value": (lambda lib, t, v: lib.nn.functional.threshold(t, 1.5, v), "own"),
    # settings PyTorch takes as they are (nan=1e39 is inf, a normal_ mean of 1e39 draws infs)
    "nan_to_num nan": (lambda lib, t, v: t.nan_to_num(nan=v), "taken"),
    "normal_ mean": (lambda lib, t, v: t.clone().normal_(v, 1.0), "taken"),
    # operands, computed in both
    "t + v": (lambda lib, t, v: t + v, "operand"),
    "t * v": (lambda lib, t, v: t * v, "operand"),
    "t.div(v)": (lambda lib, t, v: t.div(v), "operand"),
    "t == v": (lambda lib, t, v: t == v, "operand"),
}

CASES = [
    ("float32", 1e39),
    ("float32", -1e39),
    ("float32", 3.5e38),
    ("float32", 3.0e38),
    ("float32", 2**200),
    ("float16", 1e39),
    ("float16", 70000.0),
    ("float16", 65520.0),
    ("float16", 65504.0),
    ("float16", 2**200),
    ("float64", 1e300),
]

_LARGEST = {"float16": 65504.0, "float32": float(np.finfo(np.float32).max), "float64": float(np.finfo(np.float64).max)}


def _expected_refusal(rule: str, dtype: str, value: Any) -> bool:
    """Whether the setting is refused by ``rule``; a Python int beyond int64 always is, as PyTorch
    cannot take it as a number at all (``t + 2**200`` too: that one MyTorch still computes)."""
    if rule == "taken":
        return False
    if type(value) is int and abs(value) >= 2**63:
        return rule != "operand"
    held_in = {
        "own": dtype,
        "opmath": "float32" if dtype == "float16" else dtype,
        "where": dtype if dtype == "float32" else "float64",
        "pow": dtype if dtype == "float16" else "float64",
        "operand": "float64",
    }[rule]
    return abs(value) > _LARGEST[held_in]


def _outcome(call: Call, lib: Any, dtype: str, value: Any) -> str:
    t = lib.tensor([1.0, 2.0], dtype=getattr(lib, dtype))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            call(lib, t, value)
    except NotImplementedError:  # (PyTorch's float16 rrelu in training)
        return "unsupported"
    except (RuntimeError, ValueError, OverflowError) as error:
        return f"refused: {error}"
    return "computed"


def _table() -> list[tuple[str, str, Any]]:
    return [(name, dtype, value) for name in TABLE for dtype, value in CASES]


@pytest.mark.parametrize(("name", "dtype", "value"), _table())
def test_a_setting_is_refused_exactly_when_the_dtype_cannot_hold_it(name: str, dtype: str, value: Any) -> None:
    call, rule = TABLE[name]
    outcome = _outcome(call, mt, dtype, value)
    assert outcome.startswith("refused") == _expected_refusal(rule, dtype, value), (name, dtype, value, outcome)


@pytest.mark.parametrize(("name", "dtype", "value"), _table())
def test_refusals_are_pytorchs(name: str, dtype: str, value: Any) -> None:
    torch = pytest.importorskip("torch")
    call = TABLE[name][0]
    mine, theirs = _outcome(call, mt, dtype, value), _outcome(call, torch, dtype, value)
    if name in ("t + v", "t * v", "t.div(v)", "t == v") and type(value) is int:
        pytest.skip("an operand int beyond int64: PyTorch refuses it, MyTorch computes (left as it is)")
    if theirs == "unsupported":
        pytest.skip(f"PyTorch does not implement {name} for {dtype}")
    assert mine.startswith("refused") == theirs.startswith("refused"), (mine, theirs)


def test_the_refusal_names_the_operation_the_setting_and_the_dtype() -> None:
    t = mt.tensor([1.0, 2.0])
    half = t.half()
    for call, message in (
        (lambda: t.lerp(t * 2, 1e39), "lerp: weight=1e+39 cannot be converted to float32 without overflow"),
        (lambda: half.add(half, alpha=70000.0), "add: alpha=70000.0 cannot be converted to float16"),
        (lambda: half**70000.0, "pow: exponent=70000.0 cannot be converted to float16"),
        (lambda: t**2**200, "pow: exponent=1606938044258990275541962092341162602522202993782792835301376 is too big"),
        (lambda: mt.where(t > 1, t, 1e39), "where: other=1e+39 cannot be converted to float32"),
        (lambda: t.addcmul(t, t, value=-1e39), "addcmul: value=-1e+39 cannot be converted to float32"),
        (lambda: mt.addmm(t[None].T @ t[None], t[None].T, t[None], beta=1e39), "addmm: beta=1e+39"),
        (lambda: mt.nn.functional.hardshrink(t, 1e39), "F.hardshrink: lambd=1e+39"),
        (lambda: mt.logit(half, eps=70000.0), "logit: eps=70000.0 cannot be converted to float16"),
        (lambda: mt.histc(t, 3, min=0, max=1e39), "histc: max=1e+39"),
        (lambda: t.int().add(t.int(), alpha=2**40), "add: alpha=1099511627776 cannot be converted to int32"),
    ):
        with pytest.raises(RuntimeError, match=message.replace("+", r"\+").replace("(", r"\(").replace(")", r"\)")):
            call()
    with pytest.raises(OverflowError):  # (PyTorch's exception for an int beyond int64)
        t.add(t, alpha=2**64)


def test_settings_the_dtype_holds_still_compute_their_values() -> None:
    t = mt.tensor([1.0, 2.0])
    half = t.half()
    assert t.lerp(t * 2, 0.5).tolist() == [1.5, 3.0]
    assert t.add(t, alpha=3e38).tolist() == [pytest.approx(3e38, rel=1e-6), float("inf")]  # (held: computed)
    assert half.addcmul(half * 0, half, value=70000.0).tolist() == [1.0, 2.0]  # (70000.0 is held in float32)
    assert (half**65504.0).tolist() == [1.0, float("inf")]
    assert mt.where(half > 1, half, 70000.0).tolist() == [float("inf"), 2.0]  # (PyTorch's where: inf)
    assert (t + 1e39).tolist() == [float("inf")] * 2  # an operand: inf, as in PyTorch
    assert mt.nn.functional.hardtanh(t, -float("inf"), float("inf")).tolist() == [1.0, 2.0]  # (inf is held)
    assert mt.nn.functional.leaky_relu(-t, float("inf")).tolist() == [-float("inf")] * 2
    assert mt.nn.functional.rrelu(-t, 0.1, 3e38).tolist() == pytest.approx([-1.5e38, -3e38], rel=1e-6)
    assert mt.nn.functional.cosine_similarity(half[None], half[None], eps=70000.0).tolist() == [0.0]  # (inf floor)
    assert mt.isclose(t, t, atol=2**200).tolist() == [True, True]


OUT_OF_DOMAIN: dict[str, Callable[[Any, Any], Any]] = {
    "softshrink negative lambd": lambda lib, t: lib.nn.functional.softshrink(t, -0.5),  # (other numbers)
    "softshrink inf lambd": lambda lib, t: lib.nn.functional.softshrink(t, float("inf")),
    "rrelu lower above upper": lambda lib, t: lib.nn.functional.rrelu(t, 0.3, 0.1),  # (drawn from [0.1, 0.3])
    "rrelu NaN upper": lambda lib, t: lib.nn.functional.rrelu(t, 0.1, float("nan")),
    "isclose negative atol": lambda lib, t: lib.isclose(t, t, atol=-1.0),  # (nothing was close)
    "allclose NaN rtol": lambda lib, t: lib.allclose(t, t, rtol=float("nan")),
    "cosine_similarity negative eps": lambda lib, t: lib.nn.functional.cosine_similarity(t[None], t[None], eps=-1.0),
    "uniform_ to inf": lambda lib, t: t.clone().uniform_(0, float("inf")),
    "float16 random_ to 70000": lambda lib, t: t.half().random_(0, 70000),  # (to - 1 beyond float16: infs)
    "renorm negative maxnorm": lambda lib, t: t[None].renorm(2, 0, -1.0),  # (flipped the signs)
    "renorm NaN maxnorm": lambda lib, t: t[None].renorm(2, 0, float("nan")),
    "renorm p 0": lambda lib, t: t[None].renorm(0, 0, 1.0),
    "normal_ NaN std": lambda lib, t: t.clone().normal_(0.0, float("nan")),  # (NaN values)
    "init.normal_ NaN std": lambda lib, t: lib.nn.init.normal_(t.clone(), 0.0, float("nan")),
    "exponential_ NaN lambd": lambda lib, t: t.clone().exponential_(float("nan")),
    "exponential_ 0 lambd": lambda lib, t: t.clone().exponential_(0.0),  # (ZeroDivisionError)
    "bernoulli_ p 2": lambda lib, t: t.clone().bernoulli_(2.0),  # (all ones)
    "smooth_l1_loss NaN beta": lambda lib, t: lib.nn.functional.smooth_l1_loss(t, t * 2, beta=float("nan")),
}


@pytest.mark.parametrize("name", OUT_OF_DOMAIN)
def test_settings_outside_their_domain_are_refused_as_by_pytorch(name: str) -> None:
    t = mt.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError):
        OUT_OF_DOMAIN[name](mt, t)
    try:
        import torch
    except ImportError:
        return
    with pytest.raises(RuntimeError), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        OUT_OF_DOMAIN[name](torch, torch.tensor([1.0, 2.0]))


def test_settings_inside_their_domain_still_draw() -> None:
    t = mt.tensor([1.0, 2.0, 3.0])
    assert t[None].renorm(2, 0, 1.0).norm().item() == pytest.approx(1.0, rel=1e-6)
    assert t.clone().normal_(0.0, 0.0).tolist() == [0.0] * 3
    assert t.clone().bernoulli_(1.0).tolist() == [1.0] * 3
    assert all(v > 0 for v in t.clone().exponential_(2.0).tolist())
    assert mt.nn.functional.rrelu(-t, 0.2, 0.2).tolist() == pytest.approx([-0.2, -0.4, -0.6])


def test_a_float16_norm_takes_a_large_negative_p_as_pytorch() -> None:
    # (the norm's p goes to the pow kernel: it is the norm's setting, not refused as x ** p is)
    half = mt.tensor([1.0, 2.0], dtype=mt.float16)
    assert half.norm(p=-70000.0).item() == 1.0


INTEGER_CALLS: dict[str, Call] = {
    "add alpha": lambda lib, t, v: t.add(t, alpha=v),
    "sub_ alpha": lambda lib, t, v: t.clone().sub_(t, alpha=v),
    "addcmul value": lambda lib, t, v: t.addcmul(t, t, value=v),
    "addmm alpha": lambda lib, t, v: lib.addmm(_square(lib, t), t[None].T, t[None], alpha=v),
    "index_add alpha": lambda lib, t, v: t.index_add(0, lib.tensor([0]), t[:1], alpha=v),
    "pow exponent": lambda lib, t, v: t**v,
}


@pytest.mark.parametrize("name", INTEGER_CALLS)
@pytest.mark.parametrize(
    ("dtype", "value", "refused"), [("int32", 2**40, True), ("uint8", 300, True), ("int32", 7, False)]
)
def test_integer_tensors_refuse_settings_their_dtype_cannot_hold(
    name: str, dtype: str, value: int, refused: bool
) -> None:
    # (2**40 wrapped to 0 in int32: add(alpha=2**40) added nothing)
    t = mt.tensor([1, 2], dtype=getattr(mt, dtype))
    outcome = _outcome(INTEGER_CALLS[name], mt, dtype, value)
    assert outcome.startswith("refused") == refused, outcome
    if refused:
        assert f"cannot be converted to {dtype} without overflow" in outcome
    try:
        import torch
    except ImportError:
        return
    assert _outcome(INTEGER_CALLS[name], torch, dtype, value).startswith("refused") == refused
    assert t.tolist() == [1, 2]


def test_where_beside_integers_checks_the_number_in_the_default_dtype() -> None:
    t = mt.tensor([1, 2])
    with pytest.raises(RuntimeError, match="where: other=1e[+]39 cannot be converted to float32"):
        mt.where(t > 1, t, 1e39)
    assert mt.where(t > 1, t, 3e38).dtype == mt.float32


def test_tensor_and_array_settings_are_not_taken_for_numbers() -> None:
    """A tensor or array ``value`` / weight of several elements (MyTorch broadcasts it) raised
    "ambiguous" from the overflow check's ``value != 1`` until the check looked at numbers only."""
    t = mt.ones(3)
    for value in (mt.tensor([2.0, 3.0, 4.0]), np.array([2.0, 3.0, 4.0])):
        for result in (mt.addcmul(t, t, t, value=value), mt.addcdiv(t, t, t, value=value), t.lerp(t * 2, value)):
            np.testing.assert_array_equal(np.asarray(result.numpy(), dtype=np.float64), [3.0, 4.0, 5.0])

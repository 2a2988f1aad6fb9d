"""``einsum``: PyTorch's (and NumPy's) Einstein summation, built from recorded kernels.

No derivative of its own. The operands are contracted two at a time, left to right, each pair
as one batched ``matmul`` between ``transpose`` and ``reshape``; a letter repeated within one
operand (``"ii->i"``) takes the diagonal (kernel ``index``); a letter no later operand or the
output needs is summed away (kernel ``sum``); an axis of length 1 meeting a longer one is
broadcast (kernel ``expand``). Gradients, forward mode and second derivatives are those rows'.
"""

from __future__ import annotations

import math
import string
from typing import Any

import numpy as np

from mytorch import tensor_math
from mytorch.op_names import named
from mytorch.tensor import Tensor, _apply, matmul

__all__ = ["einsum"]

_LETTERS = frozenset(string.ascii_letters)


def _parse(equation: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str]:
    """Each operand's letters and the output's, with ``...`` spelled out as letters of its own
    (unused ones, shared by every operand: their axes broadcast), and the output made implicit
    (the letters seen once, in alphabetical order, after the ``...`` axes) when ``->`` is absent."""
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: the equation {equation!r} names {len(terms)} operand(s), got {len(shapes)}")
    spare = [c for c in reversed(string.ascii_letters) if c not in equation]
    widest = 0
    for term, shape in zip(terms, shapes):
        named = len(term.replace("...", ""))
        if "..." in term:
            widest = max(widest, len(shape) - named)
    ellipsis = "".join(spare[:widest][::-1])
    letters = []
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        spread = len(shape) - len(term.replace("...", ""))  # the axes "..." stands for here
        if "..." in term and spread >= 0:
            term = term.replace("...", ellipsis[len(ellipsis) - spread :])
        bad = set(term) - _LETTERS
        if bad or term.count(".") or len(term) != len(shape):
            raise ValueError(
                f"einsum: operand {i} of shape {shape} does not fit the subscripts {terms[i]!r} of {equation!r}"
            )
        letters.append(term)
    if arrow:
        output = output.replace("...", ellipsis)
        if set(output) - _LETTERS or len(set(output)) != len(output) or set(output) - set("".join(letters)):
            raise ValueError(
                f"einsum: the output {output!r} of {equation!r} must name distinct letters of the operands"
            )
    else:
        counts = "".join(letters)
        output = ellipsis + "".join(sorted(c for c in set(counts) - set(ellipsis) if counts.count(c) == 1))
    return letters, output


def _diagonal(x: Tensor, term: str) -> tuple[Tensor, str]:
    """``x`` with each repeated letter of ``term`` reduced to its diagonal (one axis)."""
    while len(set(term)) != len(term):
        letter = next(c for c in term if term.count(c) > 1)
        first, second = term.index(letter), term.index(letter, term.index(letter) + 1)
        rest = [k for k in range(len(term)) if k not in (first, second)]
        n = x.shape[first]
        if x.shape[second] != n:
            raise ValueError(f"einsum: letter {letter!r} stands for axes of lengths {n} and {x.shape[second]}")
        x = _apply("transpose", (x,), {"axes": (*rest, first, second)})
        diagonal = np.arange(n)
        x = _apply("index", (x,), {"index": (Ellipsis, diagonal, diagonal)})
        term = "".join(term[k] for k in rest) + letter
    return x, term


def _summed(x: Tensor, term: str, keep: set[str]) -> tuple[Tensor, str]:
    """``x`` summed over the letters of ``term`` not in ``keep``."""
    gone = tuple(k for k, c in enumerate(term) if c not in keep)
    if not gone:
        return x, term
    return tensor_math.sum(x, gone), "".join(c for c in term if c in keep)  # (uint8 sums in int64, as in PyTorch)


def _arranged(x: Tensor, term: str, order: str) -> Tensor:
    """``x`` (letters ``term``) with its axes in the letters' ``order``."""
    axes = tuple(term.index(c) for c in order)
    # (PyTorch's einsum permutes: its node is PermuteBackward0)
    return (
        x if axes == tuple(range(len(axes))) else _apply("transpose", (x,), named({"axes": axes}, "PermuteBackward0"))
    )


def _broadcast(a: Tensor, ta: str, b: Tensor, tb: str, sizes: dict[str, int]) -> tuple[Tensor, Tensor]:
    """``a`` and ``b`` with their shared axes of length 1 expanded to the other's length."""
    for c in set(ta) & set(tb):
        na, nb = a.shape[ta.index(c)], b.shape[tb.index(c)]
        if na != nb and 1 not in (na, nb):
            raise ValueError(f"einsum: letter {c!r} stands for axes of lengths {na} and {nb}")
        sizes[c] = max(na, nb)
    a = (
        a
        if all(a.shape[k] == sizes[c] for k, c in enumerate(ta))
        else _apply("expand", (a,), {"shape": tuple(sizes[c] for c in ta)})
    )
    b = (
        b
        if all(b.shape[k] == sizes[c] for k, c in enumerate(tb))
        else _apply("expand", (b,), {"shape": tuple(sizes[c] for c in tb)})
    )
    return a, b


def _pair(a: Tensor, ta: str, b: Tensor, tb: str, keep: set[str]) -> tuple[Tensor, str]:
    """``a`` (letters ``ta``) times ``b`` (``tb``) summed over the shared letters not in ``keep``:
    one batched matmul (batch: shared kept letters; rows: ``a``'s own; columns: ``b``'s own)."""
    a, ta = _summed(a, ta, keep | set(tb))
    b, tb = _summed(b, tb, keep | set(ta))
    sizes = {c: n for t, x in ((ta, a), (tb, b)) for c, n in zip(t, x.shape)}
    a, b = _broadcast(a, ta, b, tb, sizes)
    batch = "".join(c for c in ta if c in tb and c in keep)
    inner = "".join(c for c in ta if c in tb and c not in keep)
    rows = "".join(c for c in ta if c not in tb)
    cols = "".join(c for c in tb if c not in ta)
    size = lambda letters: math.prod(sizes[c] for c in letters)  # noqa: E731
    a = _apply("reshape", (_arranged(a, ta, batch + rows + inner),), {"shape": (size(batch), size(rows), size(inner))})
    b = _apply("reshape", (_arranged(b, tb, batch + inner + cols),), {"shape": (size(batch), size(inner), size(cols))})
    product = matmul(a, b)
    term = batch + rows + cols
    return _apply("reshape", (product,), {"shape": tuple(sizes[c] for c in term)}), term


def _from_sublists(args: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    """The equation and operands of the sublist form ``(a, [0, 1], b, [1, 2], [0, 2])``."""

    def letters(sublist: Any) -> str:
        if not isinstance(sublist, (list, tuple)):
            raise TypeError(f"einsum: each operand is followed by a list of axis numbers, got {type(sublist).__name__}")
        text = ""
        for n in sublist:
            if n is Ellipsis:
                text += "..."
            elif isinstance(n, int) and not isinstance(n, bool) and 0 <= n < 52:
                text += string.ascii_letters[n]  # (0-25 a-z, 26-51 A-Z, as PyTorch's)
            else:
                raise ValueError(f"einsum: axis numbers in a sublist must be ints in [0, 52) or ..., got {n!r}")
        return text

    operands, terms = args[0::2][: len(args) // 2], [letters(s) for s in args[1::2]]
    if len(args) % 2:
        output = letters(args[-1])
    else:  # (the axes seen once, by number, as PyTorch's: 0 before 51, where "aZ" puts Z first)
        seen = "".join(terms).replace("...", "")
        output = ("..." if any("..." in t for t in terms) else "") + "".join(
            sorted((c for c in set(seen) if seen.count(c) == 1), key=string.ascii_letters.index)
        )
    return ",".join(terms) + "->" + output, tuple(operands)


def einsum(equation: Any, *operands: Any) -> Tensor:
    """The Einstein summation ``equation`` of ``operands`` (Tensors; also given as one list), as
    ``torch.einsum``: ``einsum("ij,jk->ik", a, b)`` is ``a @ b``, ``"ii"`` the trace, ``"bij,bjk->bik"``
    a batched product, ``"...ij->...ji"`` a transpose over any leading axes; without ``->`` the
    output holds the letters seen once, in alphabetical order. Axes of length 1 broadcast. The
    sublist form, ``einsum(a, [0, 1], b, [1, 2], [0, 2])``, numbers the axes 0 to 51 (``...`` as
    ``Ellipsis``) in place of letters.

    Raises:
        TypeError: the equation is not a string or an operand is not a Tensor.
        ValueError: the subscripts do not fit the operands' shapes, a letter stands for axes of
            different lengths, or the output names a letter twice or one no operand has.
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)) and isinstance(equation, str):
        operands = tuple(operands[0])
    if isinstance(equation, Tensor):
        equation, operands = _from_sublists((equation, *operands))
    if not isinstance(equation, str):
        raise TypeError(f"einsum: the equation must be a string, got {type(equation).__name__}")
    if not operands or not all(isinstance(x, Tensor) for x in operands):
        kinds = [type(x).__name__ for x in operands]
        raise TypeError(f"einsum: the operands must be mytorch Tensors, got {kinds or 'none'}")
    terms, output = _parse(equation, [tuple(x.shape) for x in operands])
    pieces = [_diagonal(x, t) for x, t in zip(operands, terms)]
    result, term = pieces[0]
    for k in range(1, len(pieces)):
        later = set(output).union(*(t for _, t in pieces[k + 1 :]))
        result, term = _pair(result, term, *pieces[k], later)
    result, term = _summed(result, term, set(output))
    return _arranged(result, term, output)

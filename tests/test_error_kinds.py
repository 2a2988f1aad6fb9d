"""Bad input raises the exception class a PyTorch program catches (``RuntimeError`` for shapes
that do not fit, ``IndexError`` for a position outside or missing), and still a ``ValueError``,
MyTorch's kind for bad input: checked on MyTorch alone, and against PyTorch 2.13 where it is
installed."""

from __future__ import annotations

import warnings

import pytest

import mytorch


def _cases(torch):
    nn, F = torch.nn, torch.nn.functional
    return {
        "max of an empty tensor": (RuntimeError, lambda: torch.zeros(0).max()),
        "min of an empty tensor": (RuntimeError, lambda: torch.tensor([]).min()),
        "max along an empty dim": (IndexError, lambda: torch.zeros(0, 3).max(0)),
        "argmax of an empty tensor": (IndexError, lambda: torch.zeros(0).argmax()),
        "argmin along an empty dim": (IndexError, lambda: torch.zeros(2, 0).argmin(1)),
        "integer to a negative power": (RuntimeError, lambda: torch.tensor([2, 3]) ** -1),
        "integer pow(-2)": (RuntimeError, lambda: torch.tensor([2, 3]).pow(-2)),
        "matmul": (RuntimeError, lambda: torch.ones(2, 3) @ torch.ones(2, 3)),
        "mm": (RuntimeError, lambda: torch.mm(torch.ones(2, 3), torch.ones(2, 3))),
        "bmm": (RuntimeError, lambda: torch.bmm(torch.ones(2, 2, 3), torch.ones(2, 2, 3))),
        "dot": (RuntimeError, lambda: torch.dot(torch.ones(3), torch.ones(4))),
        "broadcast": (RuntimeError, lambda: torch.ones(2, 3) + torch.ones(4)),
        "cat": (RuntimeError, lambda: torch.cat([torch.ones(2, 3), torch.ones(2, 4)])),
        "stack": (RuntimeError, lambda: torch.stack([torch.ones(2, 3), torch.ones(2, 4)])),
        "view": (RuntimeError, lambda: torch.ones(2, 3).view(4, 2)),
        "view(-1, 4)": (RuntimeError, lambda: torch.ones(2, 3).view(-1, 4)),
        "reshape": (RuntimeError, lambda: torch.ones(2, 3).reshape(4, 2)),
        "expand": (RuntimeError, lambda: torch.ones(2, 3).expand(4, 3)),
        "permute": (RuntimeError, lambda: torch.ones(2, 3).permute(0, 0)),
        "unflatten": (RuntimeError, lambda: torch.ones(6).unflatten(0, (4, 2))),
        "narrow": (RuntimeError, lambda: torch.ones(3).narrow(0, 2, 5)),
        "chunk(0)": (RuntimeError, lambda: torch.ones(2, 3).chunk(0)),
        "topk": (RuntimeError, lambda: torch.ones(3).topk(5)),
        "masked_fill": (RuntimeError, lambda: torch.ones(2, 3).masked_fill(torch.ones(3, 2) > 0, 0.0)),
        "where": (RuntimeError, lambda: torch.where(torch.ones(2) > 0, torch.ones(3), torch.ones(2))),
        "Linear": (RuntimeError, lambda: nn.Linear(3, 4)(torch.ones(2, 5))),
        "Conv2d": (RuntimeError, lambda: nn.Conv2d(3, 4, 3)(torch.ones(1, 2, 5, 5))),
        "BatchNorm1d": (RuntimeError, lambda: nn.BatchNorm1d(3)(torch.ones(4, 2))),
        "LayerNorm": (RuntimeError, lambda: nn.LayerNorm(3)(torch.ones(4, 2))),
        "LSTM": (RuntimeError, lambda: nn.LSTM(3, 4)(torch.ones(5, 1, 2))),
        "mse_loss": (RuntimeError, lambda: F.mse_loss(torch.ones(2, 3), torch.ones(3, 2))),
        "one_hot": (RuntimeError, lambda: F.one_hot(torch.tensor([5]), 3)),
        "cross_entropy": (IndexError, lambda: F.cross_entropy(torch.ones(2, 3), torch.tensor([0, 5]))),
        "multinomial": (RuntimeError, lambda: torch.multinomial(torch.tensor([0.0, 0.0]), 1)),
        "randint": (RuntimeError, lambda: torch.randint(5, 2, (3,))),
        "arange": (RuntimeError, lambda: torch.arange(0, 5, 0)),
        "index": (IndexError, lambda: torch.ones(2, 3)[5]),
        "index_select": (IndexError, lambda: torch.ones(2, 3).index_select(0, torch.tensor([5]))),
        "Embedding": (IndexError, lambda: nn.Embedding(3, 2)(torch.tensor([5]))),
    }


CASES = _cases(mytorch)


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_raises_pytorchs_class_and_a_value_error(name):
    kind, call = CASES[name]
    with pytest.raises(kind) as caught:
        call()
    if kind is RuntimeError:  # (matmul, view, cat, max() ... were a ValueError alone)
        assert isinstance(caught.value, ValueError)


def test_pytorch_raises_the_same_classes():
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (mse_loss warns about the shapes before it fails)
        for name, (kind, call) in _cases(torch).items():
            with pytest.raises(kind):
                call()

"""``repr`` of a Tensor prints PyTorch's text: 4 decimals or ``1.`` for whole floats, scientific
for wide ranges, one width per tensor, rows wrapped at 80 characters, summaries past 1000
elements, the suffixes wrapped too; compared with PyTorch 2.13 where it is installed."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest

import mytorch

try:
    import torch
except ImportError:  # (the PyTorch comparisons skip)
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


@pytest.fixture(autouse=True)
def _default_options() -> Iterator[None]:
    yield
    mytorch.set_printoptions(profile="default")
    if torch is not None:
        torch.set_printoptions(profile="default")


EXACT = [
    (lambda lib: lib.tensor(0.1), "tensor(0.1000)"),
    (lambda lib: lib.tensor(1 / 3), "tensor(0.3333)"),
    (lambda lib: lib.tensor(2.0), "tensor(2.)"),
    (lambda lib: lib.tensor(-0.0), "tensor(-0.)"),
    (lambda lib: lib.tensor(3), "tensor(3)"),
    (lambda lib: lib.tensor(True), "tensor(True)"),
    (lambda lib: lib.tensor(1e-5), "tensor(1.0000e-05)"),
    (lambda lib: lib.tensor([1.0, 2.5]), "tensor([1.0000, 2.5000])"),
    (lambda lib: lib.tensor([1.0, 2.0]), "tensor([1., 2.])"),
    (lambda lib: lib.tensor([1, 2]), "tensor([1, 2])"),
    (lambda lib: lib.tensor([True, False]), "tensor([ True, False])"),
    (lambda lib: lib.tensor([-0.0, 0.0]), "tensor([-0., 0.])"),
    (lambda lib: lib.tensor([1e-5, 1.0]), "tensor([1.0000e-05, 1.0000e+00])"),
    (lambda lib: lib.tensor([1e8, 1.0]), "tensor([1.0000e+08, 1.0000e+00])"),
    (lambda lib: lib.tensor([1000.0, 1.5]), "tensor([1000.0000,    1.5000])"),
    (lambda lib: lib.tensor([float("nan"), 1.0, float("inf"), -float("inf")]), "tensor([nan, 1., inf, -inf])"),
    (lambda lib: lib.tensor([1.5, -2.25], dtype=lib.float64), "tensor([ 1.5000, -2.2500], dtype=torch.float64)"),
    (lambda lib: lib.tensor([1, 2], dtype=lib.int32), "tensor([1, 2], dtype=torch.int32)"),
    (lambda lib: lib.tensor([0.5], requires_grad=True), "tensor([0.5000], requires_grad=True)"),
    (lambda lib: lib.tensor([1.0, 2.0], requires_grad=True) + 1, "tensor([2., 3.], grad_fn=<AddBackward0>)"),
    (lambda lib: lib.tensor([[1.0, 2.5], [-3.0, 10.0]]), "tensor([[ 1.0000,  2.5000],\n        [-3.0000, 10.0000]])"),
    (lambda lib: lib.tensor([[1, 200], [-3, 4]]), "tensor([[  1, 200],\n        [ -3,   4]])"),
    (lambda lib: lib.tensor([1 + 2j, 3 - 1j]), "tensor([1.+2.j, 3.-1.j])"),
    (lambda lib: lib.zeros(0, 3), "tensor([], size=(0, 3))"),
    (
        lambda lib: lib.arange(30.0),
        "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n"
        "        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n"
        "        28., 29.])",
    ),
    (
        lambda lib: lib.arange(2000.0),
        "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])",
    ),
]


@pytest.mark.parametrize(("make", "text"), EXACT)
def test_prints_pytorchs_text(make: Callable[[Any], Any], text: str) -> None:
    assert repr(make(mytorch)) == text


def test_options_and_suffix_wrapping() -> None:
    x = mytorch.tensor([1 / 3, 1000.0], dtype=mytorch.float64)
    mytorch.set_printoptions(precision=2, linewidth=40)
    assert repr(x) == "tensor([3.33e-01, 1.00e+03],\n       dtype=torch.float64)"
    mytorch.set_printoptions(sci_mode=False)  # (each call sets sci_mode, None when not given)
    assert repr(x) == "tensor([   0.33, 1000.00],\n       dtype=torch.float64)"
    mytorch.set_printoptions(profile="default", threshold=3, edgeitems=0)
    assert repr(mytorch.arange(6)) == "tensor([...], size=(6,))"
    mytorch.set_printoptions(profile="full")
    assert repr(mytorch.arange(2000)).count("...") == 0


def _table(lib: Any) -> list[Callable[[], Any]]:
    """Tensors of many kinds, made by ``lib`` (MyTorch or PyTorch)."""
    nan, inf = float("nan"), float("inf")
    return [
        lambda: lib.tensor(0.1),
        lambda: lib.tensor(123456.0),
        lambda: lib.tensor(nan),
        lambda: lib.tensor([0.1, 0.2, 0.3]),
        lambda: lib.tensor([1e5, 1.0]),
        lambda: lib.tensor([1e-10, 1e10]),
        lambda: lib.tensor([1e-4, 1.0]),
        lambda: lib.tensor([100.0, 0.001]),
        lambda: lib.tensor([nan, nan]),
        lambda: lib.tensor([inf, 0.0]),
        lambda: lib.tensor([1 / 3, 2 / 3], dtype=lib.float64),
        lambda: lib.tensor([1.0, 2.0], dtype=lib.float16),
        lambda: lib.tensor([1e-300, 1.0], dtype=lib.float64),
        lambda: lib.tensor([123456789.0]),
        lambda: lib.tensor([[1e-8, 1.0], [2.0, 3.0]]),
        lambda: lib.arange(60.0).reshape(3, 20) / 7,
        lambda: lib.arange(3000.0).reshape(50, 60),
        lambda: lib.arange(24).reshape(2, 3, 4),
        lambda: lib.arange(2000).reshape(2, 10, 100) / 3,
        lambda: lib.tensor([200, 3], dtype=lib.uint8),
        lambda: lib.tensor([-100, 3], dtype=lib.int8),
        lambda: lib.tensor([[True], [False]]),
        lambda: lib.zeros(0, dtype=lib.int64),
        lambda: lib.ones(2, 3, requires_grad=True) * 2,
        lambda: lib.arange(25.0, requires_grad=True) / 3,
        lambda: lib.arange(13.0, dtype=lib.float64, requires_grad=True) * 1.5,
        lambda: lib.tensor([0.5 + 0.25j, -1.5j]),
        lambda: lib.tensor(1 + 1j),
        lambda: lib.tensor([1e-6 + 1j, 2j]),
    ]


OPTIONS = [
    {},
    {"precision": 2},
    {"sci_mode": False},
    {"sci_mode": True},
    {"profile": "short"},
    {"linewidth": 40},
    {"threshold": 5, "edgeitems": 1},
    {"edgeitems": 0, "threshold": 3},
]


@needs_torch
@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_prints_as_pytorch(options: dict[str, Any]) -> None:
    mytorch.set_printoptions(**options)
    torch.set_printoptions(**options)
    for i, (mine, theirs) in enumerate(zip(_table(mytorch), _table(torch), strict=True)):
        assert repr(mine()) == repr(theirs()), i
    for make, _ in EXACT:  # (and the exact cases, under these options too)
        assert repr(make(mytorch)) == repr(make(torch))


@needs_torch
def test_the_default_dtype_float64_as_pytorch() -> None:
    mytorch.set_default_dtype(mytorch.float64)
    torch.set_default_dtype(torch.float64)
    try:
        for mine, theirs in zip(_table(mytorch), _table(torch), strict=True):
            assert repr(mine()) == repr(theirs())
    finally:
        mytorch.set_default_dtype(mytorch.float32)
        torch.set_default_dtype(torch.float32)


def test_the_loss_printed_after_its_backward_still_names_its_grad_fn() -> None:
    """PyTorch keeps the node of a released graph, so ``loss.backward(); print(loss)`` shows
    ``grad_fn=<MseLossBackward0>``; MyTorch printed ``requires_grad=True`` until 2026-12-05. The
    graph's last result keeps its name; others (released, not the last) print ``requires_grad=True``."""

    def run(lib: Any) -> list[str]:
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        hidden = x * 2
        loss = lib.nn.functional.mse_loss(hidden, lib.zeros(3))
        texts = [repr(loss)]
        loss.backward()
        texts += [repr(loss), f"{loss}", str(loss.detach()), repr(x)]
        t = lib.tensor(1.5, requires_grad=True)
        (slope,) = lib.autograd.grad(t**3, t, create_graph=True)
        lib.autograd.grad(slope, t)  # (releases the graph slope is the last result of)
        return [*texts, repr(slope)]

    mine = run(mytorch)
    assert mine[:2] == ["tensor(18.6667, grad_fn=<MseLossBackward0>)"] * 2 and mine[-1].endswith(
        "grad_fn=<MulBackward0>)"
    )
    assert mine[3] == "tensor(18.6667)" and mine[4] == "tensor([1., 2., 3.], requires_grad=True)"
    x = mytorch.tensor([1.0, 2.0], requires_grad=True)
    hidden = x * 2
    hidden.sum().backward()
    assert repr(hidden) == "tensor([2., 4.], requires_grad=True)"  # (released, not the last: no name kept)
    torch = pytest.importorskip("torch")
    assert mine == run(torch)


def test_a_released_loss_keeps_its_name_but_not_its_inputs() -> None:
    """Keeping each step's loss (``losses.append(loss)``, a common habit) kept the whole last
    operation of every released graph until 2026-12-05: cross-entropy's logits and saved log
    probabilities, 4 MB a loss here. Only what names the node is kept now."""
    import gc
    import tracemalloc

    mytorch.manual_seed(0)
    W = mytorch.randn(100, 1000, dtype=mytorch.float64, requires_grad=True)
    x, y = mytorch.randn(256, 100, dtype=mytorch.float64), mytorch.randint(0, 1000, (256,))
    losses = []
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(10):
            loss = mytorch.nn.functional.cross_entropy(x @ W, y)
            loss.backward()
            losses.append(loss)
        del loss
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 2e6, f"10 released losses keep {kept / 1e6:.1f} MB"  # (W.grad alone is 0.8 MB)
    assert repr(losses[-1]).endswith("grad_fn=<NllLossBackward0>)")
    t = mytorch.ones(2, 3, requires_grad=True)
    names = []
    for make in (lambda: t.sum(dim=1).sum(), lambda: t.sum(), lambda: t.squeeze(0), lambda: t[0, 1], lambda: t.t()):
        result = make()
        result.backward(mytorch.ones_like(result))
        names.append(repr(result).split("grad_fn=<")[1].rstrip(">)"))
    assert names == ["SumBackward0", "SumBackward0", "SqueezeBackward1", "SelectBackward0", "TBackward0"]

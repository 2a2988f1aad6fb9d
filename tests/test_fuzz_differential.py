"""What ``scripts/fuzz_differential.py`` (random autograd programs, MyTorch against PyTorch) found,
and a bounded run of it.

* An advanced-index result was laid out as NumPy lays it out (``x[:, idx]`` of a C-contiguous
  ``x``: the indexed axis outermost), not as PyTorch does (C-contiguous), so ``flatten``/``view``/
  ``reshape`` of it copied where PyTorch gives a view: ``y = x[:, idx]; y.flatten().mul_(2)``
  doubled ``y`` in PyTorch and left it unchanged in MyTorch, values and gradients then differing
  with no error. Closed forms here; the layouts against PyTorch where it is installed.
* ``detach_()`` of a view (``v = y[:2]``) made it a tensor outside the graph still sharing y's
  memory: ``v.mul_(10)`` then changed y unseen, and y's gradient was that of the old y
  (``sum(y * y)`` gave 2 y where it is 20 y). Refused now, as PyTorch refuses it.
* ``max()``, ``min()``, ``max(0)``/``min(0)``, ``sort``, ``msort`` and ``topk`` of a 0-d tensor and
  ``logcumsumexp`` along an axis of length 1 gave the input's own memory (``logcumsumexp``: the
  input tensor itself), so a later in-place write into the input changed the result.
* ``diagonal`` over two axes other than (0, 1) of a matrix in row order (``dim1=1, dim2=0``, a
  batch's ``dim1=-2, dim2=-1``) was a read-only copy, which a later write into the tensor
  (``with no_grad(): K.clamp_(...)``) did not reach: PyTorch's diagonal is a view. A view now
  wherever the two axes are one run of memory.
* An empty slice (``y[:, 0:0]``, ``y.narrow(0, 0, 0)``) was not a view of y (it shares no
  element), so an in-place write into y went on while it lived, and y's retained gradient was
  None where PyTorch's is zeros (the slice's gradient reaches y). It is a view now: the write is
  refused while recording, as for any live view, and the gradient is PyTorch's.
"""

from __future__ import annotations

import importlib.util
import pathlib
import sys

import numpy as np
import pytest

import mytorch as mt

A = np.arange(24.0).reshape(2, 3, 4) / 7 - 1


@pytest.mark.parametrize(
    "key",
    [
        (slice(None), [2, 0]),
        (slice(None), slice(None), [3, 3, 1]),
        (slice(None), [[0, 1], [2, 2]]),
        (slice(None), [0, 2], [1, 3]),
        (slice(1, None), [2, 0]),
        (Ellipsis, [1, 0]),
    ],
)
def test_a_view_of_an_advanced_index_result_writes_through(key: tuple) -> None:
    index = tuple(mt.tensor(k) if isinstance(k, list) else k for k in key)
    y = mt.tensor(A)[index]
    assert y.is_contiguous()  # (was not: NumPy puts the indexed axes first)
    y.flatten().mul_(2.0)  # a view of y, as in PyTorch
    np.testing.assert_array_equal(y.numpy(), 2 * A[key])
    y.view(-1)[0] = 5.0
    assert y.numpy().flat[0] == 5.0
    # recording: the write through the view is recorded on h, as PyTorch's (it was made on a copy, silently)
    x = mt.tensor(A, requires_grad=True)
    h = x[index]
    h.flatten().mul_(2.0)
    np.testing.assert_array_equal(h.detach().numpy(), 2 * A[key])
    w = np.linspace(-1, 1, h.numel()).reshape(tuple(h.shape))
    (h.reshape(-1).clone() * mt.tensor(w.reshape(-1))).sum().backward()
    expected = np.zeros_like(A)
    np.add.at(expected, key, 2 * w)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-15)


def test_a_mask_result_and_a_one_array_index_stay_contiguous() -> None:
    x = mt.tensor(A)
    assert x[mt.tensor([1, 0, 1])].is_contiguous()
    assert x[:, mt.tensor([True, False, True])].is_contiguous()
    assert x.transpose(0, 2)[mt.tensor([0, 1])].shape == (2, 3, 2)


def test_advanced_index_layouts_match_torch() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    for _ in range(300):
        nd = int(rng.integers(1, 4))
        a = rng.standard_normal(tuple(int(s) for s in rng.integers(2, 5, size=nd)))
        perm = [int(p) for p in rng.permutation(nd)]
        xs = [L.tensor(a).permute(*perm) for L in (torch, mt)]
        shape = tuple(xs[0].shape)
        key: list = []
        for d in range(nd):
            if rng.random() < 0.45:
                key.append(slice(None) if rng.random() < 0.8 else slice(1, None))
            else:
                key.append(
                    rng.integers(0, shape[d], size=tuple(int(s) for s in rng.integers(1, 3, size=rng.integers(1, 3))))
                )
            if rng.random() < 0.15:
                key.append(None)
        if rng.random() < 0.2:
            key = [rng.random(shape[:1]) < 0.6, *[slice(None)] * (nd - 1)]
        for L, x in zip((torch, mt), xs, strict=True):
            y = x[tuple(L.tensor(k) if isinstance(k, np.ndarray) else k for k in key)]
            strides = [s for s, n in zip(y.stride(), y.shape, strict=True) if n > 1] if y.numel() else []
            if L is torch:
                want = (tuple(y.shape), y.is_contiguous(), strides)
            else:
                assert (tuple(y.shape), y.is_contiguous(), strides) == want, (a.shape, perm, key)


@pytest.mark.parametrize(
    "make", [lambda y: y[0:2], lambda y: y.unbind(0)[1], lambda y: y.reshape(3, 1), lambda y: y.t(), lambda y: y[None]]
)
def test_detach_in_place_of_a_view_is_refused(make) -> None:
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    v = make(y)
    with pytest.raises(RuntimeError, match="view"):
        v.detach_()
    assert v.requires_grad and v.grad_fn is not None


def test_detach_in_place_of_a_result_or_an_advanced_index_copy_still_works() -> None:
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    c = y[mt.tensor([0, 2])]  # (a copy)
    assert c.detach_() is c and not c.requires_grad
    c.mul_(10)  # changes the copy only
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 8 * np.array([1.0, 2.0, 3.0]))  # d/dx sum(4 x^2)
    z = x * 3
    assert z.detach_() is z and z.grad_fn is None


@pytest.mark.parametrize(
    "op",
    [
        lambda t: t.max(),
        lambda t: t.min(),
        lambda t: t.max(0).values,
        lambda t: t.min(dim=-1).values,
        lambda t: t.sort(0).values,
        lambda t: t.msort(),
        lambda t: t.topk(1).values,
        lambda t: t.logcumsumexp(0),
    ],
)
@pytest.mark.parametrize("shape", [(), (1,)])
def test_a_result_does_not_follow_a_later_write_into_the_input(op, shape: tuple) -> None:
    if shape and op(mt.zeros(3)).shape == ():  # (full reductions and topk of a vector: covered by 0-d)
        return
    x = mt.full(shape, 0.5, requires_grad=True)
    h = x * 2  # a result, which may be written in place
    y = op(h)
    assert y is not h
    h.mul_(3)  # (PyTorch: y keeps 1.0)
    np.testing.assert_array_equal(y.detach().numpy(), np.full(y.shape, 1.0))
    (y * 5).sum().backward()  # d/dx 5 * 2x, every op here the identity on one element
    np.testing.assert_allclose(x.grad.numpy(), np.full(shape, 10.0))


@pytest.mark.parametrize(
    ("shape", "offset", "dim1", "dim2"),
    [((3, 4), 0, 1, 0), ((3, 4), 1, 1, 0), ((4, 3), -1, -1, -2), ((2, 3, 3), 0, -2, -1), ((2, 3, 4), 1, 2, 1)],
)
def test_diagonal_follows_a_later_write_and_differentiates(shape: tuple, offset: int, dim1: int, dim2: int) -> None:
    a = np.arange(float(np.prod(shape))).reshape(shape) / 10
    x = mt.tensor(a)
    d = x.diagonal(offset, dim1, dim2)
    with mt.no_grad():
        x.mul_(3.0)  # (PyTorch's view shows it)
    np.testing.assert_allclose(d.numpy(), np.diagonal(3 * a, offset, dim1, dim2))
    leaf = mt.tensor(a, requires_grad=True)
    w = np.linspace(-1.0, 2.0, d.numel()).reshape(tuple(d.shape))
    (leaf.diagonal(offset, dim1, dim2) * mt.tensor(w)).sum().backward()
    expected = np.zeros(shape)
    places = np.diagonal(np.arange(expected.size).reshape(shape), offset, dim1, dim2)
    np.add.at(expected.reshape(-1), places, w)  # d/dx sum(w * diag(x)): w at the diagonal's places
    np.testing.assert_allclose(leaf.grad.numpy(), expected, rtol=1e-15)


@pytest.mark.parametrize("make", [lambda y: y[:, 0:0], lambda y: y.narrow(0, 0, 0), lambda y: y[1:1]])
def test_an_empty_slice_is_a_view(make) -> None:
    x = mt.tensor([[0.5, 1.0], [2.0, 3.0]], requires_grad=True)
    y = x * 2
    y.retain_grad()
    v = make(y)
    y.mul_(3)  # recorded, and the empty view made anew of y's new value, as in PyTorch
    assert v.shape == make(y).shape
    (v.sum() + (x * 1).sum()).backward()
    np.testing.assert_array_equal(y.grad.numpy(), np.zeros((2, 2)))  # (was None)
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((2, 2)))


def _fuzzer():
    path = pathlib.Path(__file__).resolve().parents[1] / "scripts" / "fuzz_differential.py"
    spec = importlib.util.spec_from_file_location("fuzz_differential", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # (its dataclasses look their module up)
    spec.loader.exec_module(module)
    return module


def test_random_programs_agree_with_torch() -> None:
    """A bounded deterministic run: 400 programs, none giving other numbers than PyTorch."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    out = _fuzzer().fuzz(range(400), torch, mt)
    assert not out.get("differ"), out["differ"]
    assert len(out["match"]) > 200  # (most programs run to the end in both)

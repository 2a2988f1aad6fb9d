"""Silent discrepancies left over from earlier PyTorch comparisons, each checked against a closed
form (or a hand-worked case) and against PyTorch where it is installed (those parts skip without it):

* ``kthvalue`` among equal elements reported the first in sorted order; PyTorch's CPU kernel
  reports the one its quickselect leaves at place k (for ``[3, 1, 1, 2, 1]``, k=1: index 2, not 1).
* ``xlogy(0, inf)``'s gradient in x was 0; it is ``log(inf)`` = inf (the value stays 0), as PyTorch's.
* ``nanmean`` over a slice of NaNs only (value NaN) gave its elements the gradient 0, which hid the
  NaN loss from a look at the gradients; PyTorch's is NaN (the sum's g / 0 times the 0 that drops a NaN).
* ``addcmul`` of integer tensors with ``value=0.5`` gave floats ``[1.5, 4, 7.5]`` where PyTorch
  silently truncates the value (``[1, 2, 3]``: nothing added); neither is safe, so it is refused.
  A whole float (``value=2.0``) gave float32; PyTorch's, and now MyTorch's, is int64.
* Replay of a step with ``sinc``: the recorded operations depended on the values (the series
  alone where every |pi x| < 0.1, ``sin(z) / z`` alone where none is), so a step captured on
  small values replayed the series on large ones, silently wrong. Now ``sinc`` always records
  both and a mask, which the capture refuses by name (``fallback=True`` runs it dynamically).
  ``flip`` made a new index array every call, so its steps were refused; they are replayed.
  ``linalg`` Functions are refused at the capture, with a message naming them.

Found by the differential pass of ``tests/test_torch_differential_training.py``:

* ``MultiMarginLoss`` (p=1) counted a term exactly at its hinge (margin - x[y] + x[i] = 0) as
  active: for ``x = [1, 0, 1]``, y = 0 the gradient was ``[-2/3, 1/3, 1/3]``; PyTorch's, and the
  convention of every other hinge here (``relu``), is ``[-1/3, 0, 1/3]``.
* ``Module.state_dict()`` listed every parameter, then every buffer (PyTorch: each module's
  parameters, then its buffers, then its children's), so a ``Linear, BatchNorm1d, Linear`` stack
  had ``3.weight`` where PyTorch has ``1.running_mean``: code that pairs entries by position
  paired the wrong tensors. A tied parameter was listed under its first name only, so PyTorch's
  state dict of tied weights failed to load (unexpected key).
"""

from __future__ import annotations

import numpy as np
import pytest

import mytorch as mt
from mytorch import nn, optim
from mytorch.replay import Replay, ReplayError


def test_kthvalue_among_equal_elements_reports_pytorchs_index_and_sends_the_gradient_there():
    # worked by hand through the median-of-three quickselect PyTorch's CPU kernel runs
    x = mt.tensor([[3.0, 1.0, 1.0, 2.0, 1.0], [2.0, 2.0, 0.0, 2.0, 5.0]], requires_grad=True)
    expected = {1: [2, 2], 2: [4, 3], 3: [1, 0], 5: [0, 4]}
    for k, where in expected.items():
        got = x.kthvalue(k, 1)
        assert got.indices.tolist() == where
        assert got.values.tolist() == [x.detach().numpy()[r, i] for r, i in enumerate(where)]
    x.kthvalue(2, 1).values.sum().backward()
    assert x.grad.tolist() == [[0, 0, 0, 0, 1], [0, 0, 0, 1, 0]]  # one-hot at the reported index
    nan = mt.tensor([np.nan, 1.0, np.nan, 1.0])
    assert nan.kthvalue(3).indices.item() == 2 and np.isnan(nan.kthvalue(3).values.item())


def test_kthvalue_indices_match_pytorchs_on_tie_heavy_data():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for _ in range(60):
        shape = tuple(int(s) for s in rng.integers(1, 8, size=int(rng.integers(1, 4))))
        x = rng.integers(0, 3, shape).astype(rng.choice([np.float32, np.float64, np.int64]))
        if x.dtype.kind == "f":
            x[rng.random(shape) < 0.1] = np.nan
        d = int(rng.integers(0, len(shape)))
        k = int(rng.integers(1, shape[d] + 1))
        ours, theirs = mt.tensor(x).kthvalue(k, d), torch.tensor(x).kthvalue(k, d)
        np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
        np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())


_XLOGY_X = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, -1.0, 2.0]
_XLOGY_Y = [0.0, -1.0, 1.0, np.inf, -np.inf, np.nan, 0.0, np.inf, np.inf, 2.0]


def _xlogy_and_grads(lib: object) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = lib.tensor(_XLOGY_X, dtype=lib.float64, requires_grad=True)  # type: ignore[attr-defined]
    y = lib.tensor(_XLOGY_Y, dtype=lib.float64, requires_grad=True)  # type: ignore[attr-defined]
    out = lib.xlogy(x, y)  # type: ignore[attr-defined]
    out.sum().backward()
    return out.detach().numpy(), x.grad.numpy(), y.grad.numpy()


def test_xlogy_gradient_in_x_is_log_y_also_at_zero_times_infinity():
    value, dx, dy = _xlogy_and_grads(mt)
    # closed forms: value x log y (0 at x = 0 unless y is NaN); d/dx log y (0 at x = 0, y <= 0); d/dy x / y
    np.testing.assert_array_equal(value, [0, 0, 0, 0, 0, np.nan, -np.inf, np.inf, -np.inf, 2 * np.log(2)])
    np.testing.assert_array_equal(dx, [0, 0, 0, np.inf, 0, np.nan, -np.inf, np.inf, np.inf, np.log(2)])
    np.testing.assert_array_equal(dy, [0, 0, 0, 0, 0, np.nan, np.inf, 0, -0.0, 1.0])
    # x broadcast over y's rows, and the second derivative d/dy (d/dx) = 1 / y (0 at y = inf)
    x = mt.tensor([0.0], requires_grad=True)
    y = mt.tensor([[np.inf], [4.0]], requires_grad=True)
    (gx,) = mt.autograd.grad(mt.xlogy(x, y).sum(), x, create_graph=True)
    assert gx.tolist() == [np.inf]
    (gxy,) = mt.autograd.grad(gx.sum(), y)
    assert gxy.tolist() == [[0.0], [0.25]]


def test_xlogy_matches_pytorch_at_every_special_point_but_the_documented_one():
    torch = pytest.importorskip("torch")
    ours, theirs = _xlogy_and_grads(mt), _xlogy_and_grads(torch)
    for a, b in zip(ours[:2], theirs[:2]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ours[2][1:], theirs[2][1:])  # y-gradient at (0, 0): ours 0, PyTorch's NaN


_NAN = np.nan
_NAN_SLICES = np.array([[[_NAN, _NAN, _NAN], [1.0, _NAN, 2.0]], [[_NAN, 3.0, _NAN], [_NAN, _NAN, _NAN]]])


def _nanmean_and_grad(lib: object, dim: object, keepdim: bool) -> tuple[np.ndarray, np.ndarray]:
    t = lib.tensor(_NAN_SLICES, requires_grad=True)  # type: ignore[attr-defined]
    out = lib.nanmean(t, dim=dim, keepdim=keepdim) if dim is not None else lib.nanmean(t)  # type: ignore[attr-defined]
    weights = lib.arange(1, out.numel() + 1, dtype=lib.float64).reshape(out.shape)  # type: ignore[attr-defined]
    (out * weights).sum().backward()
    return out.detach().numpy(), t.grad.numpy()


def test_nanmean_of_a_slice_of_nans_only_has_a_nan_gradient():
    value, grad = _nanmean_and_grad(mt, 2, False)
    # closed form: the mean of the numbers of each row; d/dx = weight / count there, 0 at a NaN
    # of a row with numbers, NaN over a row of NaNs (whose value is NaN)
    np.testing.assert_array_equal(value, [[_NAN, 1.5], [3.0, _NAN]])
    np.testing.assert_array_equal(grad[0], [[_NAN] * 3, [1.0, 0.0, 1.0]])
    np.testing.assert_array_equal(grad[1], [[0.0, 3.0, 0.0], [_NAN] * 3])
    value, grad = _nanmean_and_grad(mt, None, False)  # some number left: as before
    assert value.item() == 2.0 and grad[0, 1].tolist() == [1 / 3, 0.0, 1 / 3]
    t = mt.tensor(np.full((2, 2), _NAN), requires_grad=True)
    mt.nanmean(t).backward()
    assert np.isnan(t.grad.numpy()).all()


@pytest.mark.parametrize("dim, keepdim", [(None, False), (1, False), (2, True), ((0, 2), False), (0, True)])
def test_nanmean_values_and_gradients_match_pytorchs(dim: object, keepdim: bool):
    torch = pytest.importorskip("torch")
    for ours, theirs in zip(_nanmean_and_grad(mt, dim, keepdim), _nanmean_and_grad(torch, dim, keepdim)):
        np.testing.assert_array_equal(ours, theirs)


def test_addcmul_of_integer_tensors_refuses_a_fractional_value_and_keeps_a_whole_one_integer():
    a = mt.tensor([1, 2, 3])
    for value in (0.5, -1.5, np.float32(0.25)):
        with pytest.raises(RuntimeError, match="not a whole number"):
            mt.addcmul(a, a, a, value=value)
        with pytest.raises(RuntimeError, match="not a whole number"):
            a.clone().addcmul_(a, a, value=value)
    for value in (2.0, 2, np.float64(2.0)):
        out = mt.addcmul(a, a, a, value=value)
        assert out.dtype == mt.int64 and out.tolist() == [3, 10, 21]  # 1 + 2 * 1, 2 + 2 * 4, 3 + 2 * 9
    assert mt.addcmul(a, a, a, value=True).tolist() == [2, 6, 12]
    f = mt.tensor([1.0, 2.0, 3.0])  # a float operand: the fraction counts
    assert mt.addcmul(a, f, a, value=0.5).tolist() == [1.5, 4.0, 7.5]
    assert mt.addcmul(f, a, a, value=0.5).tolist() == [1.5, 4.0, 7.5]


def test_addcmul_agrees_with_pytorch_wherever_pytorch_does_not_truncate():
    torch = pytest.importorskip("torch")
    x, f = np.array([1, 2, 3]), np.array([1.0, 2.0, 3.0])
    for operands, value in (((x, x, x), 2.0), ((x, x, x), 3), ((x, f, x), 0.5), ((f, x, x), -1.5)):
        ours = mt.addcmul(*[mt.tensor(o) for o in operands], value=value)
        theirs = torch.addcmul(*[torch.tensor(o) for o in operands], value=value)
        assert ours.tolist() == theirs.tolist() and str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert torch.addcmul(*[torch.tensor(x)] * 3, value=0.5).tolist() == [1, 2, 3]  # what is refused here


def _steps(loss_of: object, inputs: list[np.ndarray], replay: bool, fallback: bool = False) -> list[np.ndarray]:
    mt.manual_seed(0)
    layer = nn.Linear(3, 3)
    opt = optim.SGD(layer.parameters(), lr=0.1)

    def step(x: mt.Tensor) -> mt.Tensor:
        opt.zero_grad()
        loss = loss_of(layer(x))  # type: ignore[operator]
        loss.backward()
        opt.step()
        return loss

    run = Replay(step, optimizer=opt, fallback=fallback) if replay else step
    return [np.append(float(run(mt.tensor(x))), layer.weight.detach().numpy().ravel()) for x in inputs]


_RNG = np.random.default_rng(5)
_SMALL_THEN_LARGE = [_RNG.normal(size=(3, 3)).astype(np.float32) * s for s in (0.01, 0.01, 0.01, 100.0, 100.0)]


def _sinc_loss(h: mt.Tensor) -> mt.Tensor:
    return mt.sinc(h * 0.01).sum()


def test_a_step_with_sinc_is_refused_at_the_capture_and_falls_back_to_the_dynamic_numbers():
    with pytest.raises(ReplayError, match=r"SincBackward0.*fallback=True"):
        _steps(_sinc_loss, _SMALL_THEN_LARGE, replay=True)
    dynamic = _steps(_sinc_loss, _SMALL_THEN_LARGE, replay=False)
    np.testing.assert_array_equal(_steps(_sinc_loss, _SMALL_THEN_LARGE, replay=True, fallback=True), dynamic)
    # the numbers themselves: sinc(0) = 1 with derivative 0; sinc(1/2) = 2 / pi with derivative -4 / pi
    x = mt.tensor([0.0, 0.5, 1e-4], dtype=mt.float64, requires_grad=True)
    mt.sinc(x).sum().backward()
    np.testing.assert_allclose(mt.sinc(x).detach().numpy(), [1.0, 2 / np.pi, np.sinc(1e-4)], rtol=1e-15)
    z = np.pi * 1e-4  # d/dx sinc at 1e-4: pi (z cos z - sin z) / z**2, = -pi z / 3 to 1e-9 relative
    np.testing.assert_allclose(x.grad.numpy(), [0.0, -4 / np.pi, -np.pi * z / 3 * (1 - z * z / 10)], rtol=1e-9)


def test_a_step_with_flip_is_replayed_exactly_and_linalg_is_refused_by_name():
    def flipped(h: mt.Tensor) -> mt.Tensor:
        return (h.flip(0) * h).sum() + mt.fliplr(h)[:, 0].sum()

    inputs = _SMALL_THEN_LARGE[:4]
    np.testing.assert_array_equal(_steps(flipped, inputs, replay=True), _steps(flipped, inputs, replay=False))
    with pytest.raises(ReplayError, match=r"LinalgDet_backward.*a Function: the linalg operations.*fallback=True"):
        _steps(lambda h: mt.linalg.det(h), inputs, replay=True)
    np.testing.assert_array_equal(
        _steps(lambda h: mt.linalg.det(h), inputs, replay=True, fallback=True),
        _steps(lambda h: mt.linalg.det(h), inputs, replay=False),
    )


def test_multi_margin_loss_at_its_hinge_has_the_gradient_zero_there():
    x = mt.tensor([[1.0, 0.0, 1.0], [0.5, 2.0, -1.0]], dtype=mt.float64, requires_grad=True)
    loss = mt.nn.MultiMarginLoss()(x, mt.tensor([0, 1]))
    loss.backward()
    # closed form, per row sum_{i != y} max(0, 1 - x[y] + x[i]) / 3, averaged over 2 rows: row 0 has
    # terms 0 (at the hinge: inactive) and 1; row 1 has 1 - 2 + 0.5 < 0 and 1 - 2 - 1 < 0
    assert loss.item() == pytest.approx(1 / 6, abs=1e-15)
    np.testing.assert_allclose(x.grad.numpy(), [[-1 / 6, 0.0, 1 / 6], [0.0, 0.0, 0.0]], atol=1e-15)
    # finite differences one step off the hinge agree with the side it is taken from
    h = 1e-6
    below = mt.nn.MultiMarginLoss()(mt.tensor([[1.0, -h, 1.0]], dtype=mt.float64), mt.tensor([0]))
    assert below.item() == pytest.approx(1 / 3, abs=1e-15)  # the term at 0 stays 0 below the hinge


def test_state_dict_lists_modules_depth_first_with_tied_parameters_under_each_name():
    class Tied(mt.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.emb = mt.nn.Embedding(5, 3)
            self.body = mt.nn.Sequential(mt.nn.Linear(3, 4), mt.nn.BatchNorm1d(4), mt.nn.Linear(4, 3))
            self.dec = mt.nn.Linear(3, 5)
            self.dec.weight = self.emb.weight

    model = Tied()
    assert list(model.state_dict()) == [
        "emb.weight",
        "body.0.weight",
        "body.0.bias",
        "body.1.weight",
        "body.1.bias",
        "body.1.running_mean",
        "body.1.running_var",
        "body.1.num_batches_tracked",
        "body.2.weight",
        "body.2.bias",
        "dec.weight",
        "dec.bias",
    ]
    assert len(list(model.parameters())) == 8  # the tied weight once
    state = {k: v.numpy() + 1.0 for k, v in model.state_dict().items()}
    state["dec.weight"] = state["emb.weight"]
    Tied().load_state_dict(state)  # every name, the tied one too: no unexpected key
    with pytest.raises(KeyError, match="missing keys \\['dec.weight'\\]"):
        Tied().load_state_dict({k: v for k, v in state.items() if k != "dec.weight"})


def test_state_dict_keys_and_order_are_pytorchs():
    torch = pytest.importorskip("torch")
    for lib in (torch, mt):
        stack = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4), lib.nn.ReLU(), lib.nn.Linear(4, 2))
        if lib is torch:
            theirs = stack.state_dict()
        else:
            stack.load_state_dict({k: v.numpy() for k, v in theirs.items()})
            ours = stack.state_dict()
    assert list(ours) == list(theirs)
    for (key, a), b in zip(ours.items(), theirs.values()):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=key)


def test_nanmedian_and_mode():
    # torch.nanmedian and Tensor.mode were NotInMyTorchError
    nan = float("nan")
    y = mt.tensor([[1.0, nan, 3.0, 2.0], [4.0, nan, nan, 0.0]], requires_grad=True)
    values, indices = y.nanmedian(1)
    assert values.tolist() == [2.0, 0.0] and indices.tolist() == [3, 3]  # lower middle of the non-NaN
    values.sum().backward()
    assert y.grad.tolist() == [[0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 1.0]]
    assert mt.nanmedian(mt.tensor([nan, 2.0, 1.0])).item() == 1.0
    assert np.isnan(mt.nanmedian(mt.tensor([nan, nan])).item())
    assert mt.nanmedian(mt.tensor([3, 1, 2])).item() == 2  # integers: median
    x = mt.tensor([[1.0, 2.0, 2.0, 1.0, 3.0], [5.0, 5.0, 4.0, 4.0, 4.0]], requires_grad=True)
    values, indices = x.mode(1)  # a tie goes to the smaller value; the index is its last occurrence
    assert values.tolist() == [1.0, 4.0] and indices.tolist() == [3, 4]
    values.sum().backward()
    assert x.grad.tolist() == [[0, 0, 0, 1, 0], [0, 0, 0, 0, 1]]
    assert mt.mode(mt.tensor([[3, 1], [3, 2]]), dim=0, keepdim=True).indices.tolist() == [[1, 0]]


def test_mode_counts_each_nan_as_a_value_of_its_own():
    """NaNs were counted together: [1, 1, nan, nan, nan] had the mode NaN (index 4), where PyTorch's
    (NaN != NaN, as in unique) is 1 at index 1; a NaN is the mode only of a slice of NaNs."""
    nan = float("nan")
    x = mt.tensor([[1.0, 1.0, nan, nan, nan], [nan, nan, nan, 1.0, 1.0], [1.0, 2.0, nan, nan, 0.5]], requires_grad=True)
    values, indices = x.mode(1)
    assert values.tolist() == [1.0, 1.0, 0.5] and indices.tolist() == [1, 4, 4]
    values.sum().backward()
    assert x.grad.tolist() == [[0, 1, 0, 0, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1]]
    assert np.isnan(mt.tensor([nan, nan]).mode().values.item())
    torch = pytest.importorskip("torch")
    theirs = torch.tensor(x.detach().numpy()[:2]).mode(1)
    assert theirs.values.tolist() == [1.0, 1.0] and theirs.indices.tolist() == [1, 4]


def test_nanmedian_and_mode_match_pytorch():
    torch = pytest.importorskip("torch")
    r = np.random.default_rng(0)
    data = r.integers(0, 4, size=(3, 7)).astype(np.float64)
    data[r.random((3, 7)) < 0.3] = np.nan
    for lib in (mt, torch):
        t = lib.tensor(data)
        got = (lib.nanmedian(t).item(), t.nanmedian(dim=1).values.tolist(), t.nanmedian(dim=0).indices.tolist())
        counts = lib.tensor(np.nan_to_num(data, nan=9.0)).mode(dim=1)
        got += (counts.values.tolist(), counts.indices.tolist())
        if lib is mt:
            mine = got
    assert repr(mine) == repr(got)


def test_fill_diagonal_trapezoid_broadcast_shapes_and_decomposition_methods():
    # t.fill_diagonal_ (contrastive losses mask a similarity matrix's diagonal), trapezoid / trapz /
    # cumulative_trapezoid, broadcast_shapes and the methods t.svd / t.qr / t.pinverse were missing
    sim = mt.tensor(np.arange(12.0).reshape(4, 3))
    assert sim.fill_diagonal_(-1.0) is sim and sim.diagonal().tolist() == [-1.0, -1.0, -1.0]
    tall = mt.tensor(np.ones((7, 3)))
    assert tall.fill_diagonal_(0.0, wrap=True)[:, 0].tolist() == [0, 1, 1, 1, 0, 1, 1]  # starts again after a gap row
    with pytest.raises(ValueError, match="one length"):
        mt.ones(2, 3, 4).fill_diagonal_(0.0)
    y = mt.tensor([0.0, 1.0, 4.0, 9.0], dtype=mt.float64, requires_grad=True)
    assert mt.trapezoid(y).item() == 0.5 + 2.5 + 6.5 and mt.trapz(y, dx=2.0).item() == 19.0
    x = mt.tensor([0.0, 1.0, 3.0, 4.0], dtype=mt.float64)
    assert mt.trapezoid(y, x).item() == 0.5 + 5.0 + 6.5
    assert mt.cumulative_trapezoid(y, x).tolist() == [0.5, 5.5, 12.0]
    mt.trapezoid(y, x).backward()  # the end points weigh half their interval, the inner ones half of both
    assert y.grad.tolist() == [0.5, 1.5, 1.5, 0.5]
    grid = mt.tensor(np.arange(12.0).reshape(3, 4))
    np.testing.assert_allclose(
        mt.trapezoid(grid, dim=0).numpy(), grid.numpy()[:-1].sum(0) / 2 + grid.numpy()[1:].sum(0) / 2
    )
    assert mt.broadcast_shapes((2, 1), (3,), 1) == (2, 3)
    with pytest.raises(RuntimeError, match="do not broadcast"):
        mt.broadcast_shapes((2,), (3,))
    m = mt.tensor([[2.0, 1.0], [1.0, 3.0]], dtype=mt.float64)
    np.testing.assert_allclose(m.svd()[1].numpy(), np.linalg.svd(m.numpy(), compute_uv=False))
    np.testing.assert_allclose(m.pinverse().numpy(), np.linalg.inv(m.numpy()), rtol=1e-12)
    q, r = m.qr()
    np.testing.assert_allclose((q @ r).numpy(), m.numpy(), rtol=1e-12)


def test_renorm_and_unique_consecutive_method():
    # renorm / t.renorm_ (TransE keeps its embeddings in the unit ball: weight.data.renorm_(2, 0, 1))
    # and t.unique_consecutive were missing
    x = mt.tensor([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]], dtype=mt.float64, requires_grad=True)
    y = x.renorm(2, 0, 1.0)  # rows of norm 5 and 10 scaled to 1 / (1 + 1e-7 / norm); the small one kept
    np.testing.assert_allclose(y.detach().numpy(), [[0.6, 0.8], [0.3, 0.4], [0.6, 0.8]], rtol=1e-6)
    y.sum().backward()  # the scale is differentiated: d/dx of x / |x| summed
    row = np.array([3.0, 4.0])
    want = 1 / (5 + 1e-7) - row * row.sum() / (5 * (5 + 1e-7) ** 2)
    np.testing.assert_allclose(x.grad.numpy()[0], want, rtol=1e-6)
    assert x.grad.numpy()[1].tolist() == [1.0, 1.0]
    table = mt.nn.Embedding(3, 2)
    with mt.no_grad():
        table.weight.copy_(x.detach())
    table.weight.data.renorm_(p=2, dim=0, maxnorm=1)
    np.testing.assert_allclose(table.weight.detach().numpy().max(), 0.8, rtol=1e-6)
    column = mt.renorm(x.detach(), 1, 1, 5.0).numpy()[:, 0]  # a column's 1-norm, 9.3, brought to 5
    np.testing.assert_allclose(column, np.array([3.0, 0.3, 6.0]) * 5 / (9.3 + 1e-7), rtol=1e-12)
    values, counts = mt.tensor([1, 1, 2, 2, 1]).unique_consecutive(return_counts=True)
    assert values.tolist() == [1, 2, 1] and counts.tolist() == [2, 2, 1]

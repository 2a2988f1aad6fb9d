"""``F.layer_norm`` / ``nn.LayerNorm`` and ``F.batch_norm`` / ``nn.BatchNorm1d``.

Closed forms and central differences run without PyTorch; where it is installed, the modules
run beside PyTorch's for several training steps (float32 and float64) and must agree.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_inplace import central_differences

import mytorch as mt
import mytorch.nn as nn
import mytorch.nn.functional as F
from mytorch.replay import Replay, ReplayError


def _norm(x: np.ndarray, axes: tuple[int, ...], eps: float = 1e-5) -> np.ndarray:
    centre = x.mean(axis=axes, keepdims=True)
    return (x - centre) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)


def _grads(f, arrays: list[np.ndarray]) -> list[np.ndarray]:
    leaves = [mt.tensor(a, requires_grad=True) for a in arrays]
    f(*leaves).backward()
    return [t.grad.numpy() for t in leaves]


# --------------------------------------------------------------------------- layer norm
def test_layer_norm_values_and_gradients():
    rng = np.random.default_rng(0)
    x0, w0, b0, v = (
        rng.standard_normal((2, 3, 4)),
        rng.standard_normal(4),
        rng.standard_normal(4),
        rng.standard_normal((2, 3, 4)),
    )
    out = F.layer_norm(mt.tensor(x0), (4,), mt.tensor(w0), mt.tensor(b0))
    np.testing.assert_allclose(out.numpy(), _norm(x0, (2,)) * w0 + b0, rtol=1e-12)

    def loss(x, w, b):
        return float(np.sum((_norm(x, (2,)) * w + b) * v))

    grads = _grads(lambda x, w, b: (F.layer_norm(x, 4, w, b) * mt.tensor(v)).sum(), [x0, w0, b0])
    expected = central_differences(loss, [x0, w0, b0])
    for g, e in zip(grads, expected):
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-8)


def test_layer_norm_over_several_axes_and_without_affine():
    x0 = np.random.default_rng(1).standard_normal((2, 3, 4))
    np.testing.assert_allclose(F.layer_norm(mt.tensor(x0), (3, 4), eps=1e-3).numpy(), _norm(x0, (1, 2), 1e-3))
    layer = nn.LayerNorm([3, 4], elementwise_affine=False)
    assert list(layer.parameters()) == []
    np.testing.assert_allclose(layer(mt.tensor(x0)).numpy(), _norm(x0, (1, 2)), rtol=1e-12)


def test_layer_norm_module_parameters_and_state_dict():
    layer = nn.LayerNorm(5)
    assert layer.weight.dtype == np.float32 and layer.weight.shape == (5,)
    np.testing.assert_array_equal(layer.weight.numpy(), 1.0)
    np.testing.assert_array_equal(layer.bias.numpy(), 0.0)
    assert sorted(layer.state_dict()) == ["bias", "weight"]
    assert nn.LayerNorm(5, bias=False).bias is None
    assert repr(layer) == "LayerNorm((5,), eps=1e-05, elementwise_affine=True, bias=True)"


def test_layer_norm_bad_input_names_the_shapes():
    with pytest.raises(ValueError, match=r"layer_norm: normalized_shape \(4,\) must be the last axes .* \(2, 3\)"):
        F.layer_norm(mt.zeros(2, 3), 4)
    with pytest.raises(ValueError, match=r"layer_norm: weight must have shape \(3,\), got \(4,\)"):
        F.layer_norm(mt.zeros(2, 3), 3, mt.ones(4))
    with pytest.raises(TypeError, match="layer_norm: input must be a mytorch Tensor"):
        F.layer_norm(np.zeros((2, 3)), 3)


# --------------------------------------------------------------------------- batch norm
@pytest.mark.parametrize("shape", [(5, 3), (4, 3, 2)])
def test_batch_norm_training_gradients_go_through_the_batch_statistics(shape):
    rng = np.random.default_rng(2)
    x0, w0, b0, v = (
        rng.standard_normal(shape),
        rng.standard_normal(3),
        rng.standard_normal(3),
        rng.standard_normal(shape),
    )
    axes = (0,) + tuple(range(2, len(shape)))
    view = (1, 3) + (1,) * (len(shape) - 2)

    def loss(x, w, b):
        return float(np.sum((_norm(x, axes) * w.reshape(view) + b.reshape(view)) * v))

    def f(x, w, b):
        return (F.batch_norm(x, None, None, w, b, training=True) * mt.tensor(v)).sum()

    for g, e in zip(_grads(f, [x0, w0, b0]), central_differences(loss, [x0, w0, b0])):
        np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-8)


def test_running_statistics_follow_momentum_and_are_used_in_eval():
    rng = np.random.default_rng(3)
    layer = nn.BatchNorm1d(3, momentum=0.25, dtype=mt.float64)
    mean, variance = np.zeros(3), np.ones(3)
    for _ in range(3):
        x0 = rng.standard_normal((6, 3, 2)) * 2 + 1
        out = layer(mt.tensor(x0))
        np.testing.assert_allclose(out.detach().numpy(), _norm(x0, (0, 2)), rtol=1e-10, atol=1e-12)
        mean = 0.75 * mean + 0.25 * x0.mean(axis=(0, 2))
        variance = 0.75 * variance + 0.25 * x0.var(axis=(0, 2), ddof=1)  # unbiased, as PyTorch
    np.testing.assert_allclose(layer.running_mean.numpy(), mean, rtol=1e-12)
    np.testing.assert_allclose(layer.running_var.numpy(), variance, rtol=1e-12)
    assert layer.num_batches_tracked.item() == 3 and layer.num_batches_tracked.dtype == np.int64
    layer.eval()
    x0 = rng.standard_normal((2, 3, 2))
    expected = (x0 - mean.reshape(1, 3, 1)) / np.sqrt(variance.reshape(1, 3, 1) + 1e-5)
    np.testing.assert_allclose(layer(mt.tensor(x0)).detach().numpy(), expected, rtol=1e-12)
    assert layer.num_batches_tracked.item() == 3  # not counted in eval mode


def test_momentum_none_is_a_cumulative_average():
    rng = np.random.default_rng(4)
    layer = nn.BatchNorm1d(2, momentum=None, dtype=mt.float64)
    batches = [rng.standard_normal((4, 2)) for _ in range(3)]
    for x0 in batches:
        layer(mt.tensor(x0))
    np.testing.assert_allclose(layer.running_mean.numpy(), np.mean([b.mean(axis=0) for b in batches], axis=0))


def test_without_running_statistics_the_batch_is_used_in_both_modes():
    layer = nn.BatchNorm1d(3, affine=False, track_running_stats=False)
    assert layer.running_mean is None and list(layer.parameters()) == [] and layer.state_dict() == {}
    x0 = np.random.default_rng(5).standard_normal((4, 3))
    layer.eval()
    np.testing.assert_allclose(layer(mt.tensor(x0)).numpy(), _norm(x0, (0,)), rtol=1e-12)


def test_batch_norm_state_dict_holds_the_buffers_as_arrays_and_loads_back():
    layer = nn.BatchNorm1d(3)
    layer(mt.randn(8, 3) * 3 + 1)
    state = layer.state_dict()
    assert sorted(state) == ["bias", "num_batches_tracked", "running_mean", "running_var", "weight"]
    arrays = {name: t.numpy() for name, t in state.items()}
    assert all(isinstance(a, np.ndarray) and a.dtype != object for a in arrays.values())
    fresh = nn.BatchNorm1d(3)
    fresh.load_state_dict(arrays)
    np.testing.assert_array_equal(fresh.running_mean.numpy(), layer.running_mean.numpy())
    assert fresh.num_batches_tracked.item() == 1
    fresh.reset_running_stats()
    np.testing.assert_array_equal(fresh.running_var.numpy(), 1.0)
    assert fresh.num_batches_tracked.item() == 0


def test_batch_norm_bad_input():
    layer = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match=r"BatchNorm1d\(3\): expected input of shape \(N, 3\) .* got \(4, 2\)"):
        layer(mt.zeros(4, 2))
    with pytest.raises(ValueError, match="more than 1 value per channel when training, got input of shape"):
        layer(mt.zeros(1, 3))
    with pytest.raises(ValueError, match="num_features must be a positive integer"):
        nn.BatchNorm1d(0)
    with pytest.raises(ValueError, match="running_mean and running_var are needed"):
        F.batch_norm(mt.zeros(4, 3), None, None)


def _replays(forward, parameters, refusal):
    """A Replay of an SGD step of ``forward(x).square().mean()`` is refused, naming ``refusal``."""
    opt = mt.optim.SGD(parameters, lr=0.1)

    def step(x):
        opt.zero_grad()
        loss = forward(x).square().mean()
        loss.backward()
        opt.step()
        return loss

    replay = Replay(step, optimizer=opt)
    with pytest.raises(ReplayError, match=f"{refusal}'s running statistics outside the tape"):
        for _ in range(3):
            replay(mt.randn(5, 4))


def test_a_replay_refuses_a_step_that_updates_running_statistics():
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))
    _replays(model, model.parameters(), "BatchNorm1d")
    # F.batch_norm updates the tensors it is given off the tape too: a replay did not repeat
    # that (after the capture the running mean stayed where it was)
    mean, variance, layer = mt.zeros(3), mt.ones(3), nn.Linear(4, 3)
    _replays(lambda x: F.batch_norm(layer(x), mean, variance, training=True), layer.parameters(), "batch_norm")


def test_float16_is_normalized_in_float32():
    # (x - mean) of [-400, 400, 0, 0] has variance 80000, beyond float16's 65504: computed in
    # float16 it was inf and every output 0 (and the gradient 0); PyTorch computes in float32
    x0 = np.array([600.0, 1400.0, 1000.0, 1000.0])
    v = np.array([1.0, -2.0, 0.5, 3.0])
    cases = ((lambda x: F.layer_norm(x, 4), (4,)), (lambda x: F.batch_norm(x, None, None, training=True), (4, 1)))
    for f, shape in cases:
        values, grads = [], []
        for dtype in (np.float16, np.float64):
            x = mt.tensor(x0.reshape(shape).astype(dtype), requires_grad=True)
            out = f(x)
            (out * mt.tensor(v.reshape(shape).astype(dtype))).sum().backward()
            assert out.dtype == x.grad.dtype == dtype
            values.append(out.numpy().astype(np.float64))
            grads.append(x.grad.numpy().astype(np.float64))
        np.testing.assert_allclose(values[0], values[1], rtol=2e-3, atol=1e-3)
        np.testing.assert_allclose(grads[0], grads[1], rtol=2e-2, atol=1e-5)
    layer = nn.BatchNorm1d(1, dtype=mt.float16)
    layer(mt.tensor(x0.reshape(4, 1).astype(np.float16)))
    assert layer.running_var.dtype == np.float16  # the statistics keep their dtype
    np.testing.assert_allclose(layer.running_var.numpy(), [0.9 + 0.1 * 320000 / 3], rtol=1e-3)


# --------------------------------------------------------------------------- against PyTorch
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batch_norm_module_trains_as_torchs(dtype, momentum):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-12}
    mine = nn.BatchNorm1d(3, momentum=momentum, dtype=dtype)
    theirs = torch.nn.BatchNorm1d(3, momentum=momentum, dtype=getattr(torch, np.dtype(dtype).name))
    w0, b0 = rng.standard_normal(3).astype(dtype), rng.standard_normal(3).astype(dtype)
    mine.load_state_dict({"weight": w0, "bias": b0}, strict=False)
    theirs.load_state_dict({"weight": torch.tensor(w0), "bias": torch.tensor(b0)}, strict=False)
    for step in range(3):
        if step == 2:
            mine.eval()
            theirs.eval()
        x0 = (rng.standard_normal((5, 3, 4)) * 2 + 0.5).astype(dtype)
        v = rng.standard_normal((5, 3, 4)).astype(dtype)
        results = []
        for lib, module in ((mt, mine), (torch, theirs)):
            module.zero_grad()
            x = lib.tensor(x0, requires_grad=True)
            out = module(x)
            (out * lib.tensor(v)).sum().backward()
            results.append([out.detach().numpy(), x.grad.numpy(), module.weight.grad.numpy(), module.bias.grad.numpy()])
            results[-1] += [module.running_mean.numpy(), module.running_var.numpy()]
        for a, b in zip(*results):
            assert a.dtype == b.dtype
            np.testing.assert_allclose(a, b, **tol)
    assert mine.num_batches_tracked.item() == theirs.num_batches_tracked.item() == 2


def test_float16_norms_match_torchs():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(9)
    x0 = (rng.standard_normal((4, 3, 2)) * 300 + 1000).astype(np.float16)
    v = rng.standard_normal((4, 3, 2)).astype(np.float16)
    for call in (lambda lib, x: lib.nn.functional.layer_norm(x, (3, 2)), lambda lib, x: lib.nn.BatchNorm1d(3)(x)):
        results = []
        for lib in (mt, torch):
            x = lib.tensor(x0, requires_grad=True)
            out = call(lib, x)
            (out * lib.tensor(v)).sum().backward()
            results.append([out.detach().numpy(), x.grad.numpy()])
        for a, b in zip(*results):
            assert a.dtype == b.dtype == np.float16
            np.testing.assert_allclose(a.astype(np.float64), b.astype(np.float64), rtol=5e-3, atol=5e-3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_layer_norm_module_matches_torchs(dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    tol = {"rtol": 1e-4, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-10, "atol": 1e-12}
    x0, v = rng.standard_normal((2, 3, 4)).astype(dtype), rng.standard_normal((2, 3, 4)).astype(dtype)
    w0, b0 = rng.standard_normal((3, 4)).astype(dtype), rng.standard_normal((3, 4)).astype(dtype)
    results = []
    for lib in (mt, torch):
        layer = lib.nn.LayerNorm((3, 4), eps=1e-4, dtype=getattr(lib, np.dtype(dtype).name))
        with lib.no_grad():
            layer.weight.copy_(lib.tensor(w0))
            layer.bias.copy_(lib.tensor(b0))
        x = lib.tensor(x0, requires_grad=True)
        (layer(x) * lib.tensor(v)).sum().backward()
        results.append([layer(x).detach().numpy(), x.grad.numpy(), layer.weight.grad.numpy(), layer.bias.grad.numpy()])
    for a, b in zip(*results):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a, b, **tol)


def test_forward_mode_and_second_derivatives_come_with_the_composed_kernels():
    from mytorch import func

    rng = np.random.default_rng(8)
    x0, t0 = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))

    def reference(a):
        return _norm(a, (1,)) * 1.5 + _norm(a, (0,))

    def f(x):
        return F.layer_norm(x, 3) * 1.5 + F.batch_norm(x, None, None, training=True)

    _, tangent = func.jvp(f, (mt.tensor(x0),), (mt.tensor(t0),))
    eps = 1e-6
    numeric = (reference(x0 + eps * t0) - reference(x0 - eps * t0)) / (2 * eps)
    np.testing.assert_allclose(tangent.numpy(), numeric, rtol=1e-6, atol=1e-8)
    # a Hessian-vector product (forward over reverse) against differences of the gradient
    _, (hv,) = func.hvp(lambda x: (f(x) ** 3).sum(), (mt.tensor(x0),), (mt.tensor(t0),))

    def gradient(a):
        return func.grad(lambda x: (f(x) ** 3).sum())(mt.tensor(a)).numpy()

    np.testing.assert_allclose(
        hv.numpy(), (gradient(x0 + eps * t0) - gradient(x0 - eps * t0)) / (2 * eps), rtol=1e-5, atol=1e-6
    )


@pytest.mark.parametrize("shape", [(4, 3, 1), (2, 3, 1, 1), (3, 1)])
def test_instance_norm_of_one_spatial_element_is_refused(shape):
    # each value would be its own mean: the output all zeros, the gradient zero; PyTorch refuses it
    x = mt.tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)
    with pytest.raises(ValueError, match="more than 1 spatial element"):
        (nn.InstanceNorm1d(3) if len(shape) < 4 else nn.InstanceNorm2d(3))(x)
    two = F.instance_norm(mt.tensor(np.arange(6.0).reshape(1, 3, 2)), eps=0.0)  # two elements: +-1
    np.testing.assert_allclose(two.numpy().ravel(), [-1, 1] * 3, rtol=1e-12)


@pytest.mark.parametrize(
    "make", [lambda nn: nn.BatchNorm1d(3, bias=False), lambda nn: nn.InstanceNorm1d(3, affine=True, bias=False),
             lambda nn: nn.GroupNorm(1, 3, bias=False), lambda nn: nn.LayerNorm(4, bias=False)],
)  # fmt: skip
def test_bias_false_keeps_the_weight_only_as_pytorch_2_13(make):
    layer = make(mt.nn)
    assert layer.bias is None and layer.weight is not None and "bias=False" in repr(layer)
    assert [name for name, _ in layer.named_parameters()] == ["weight"]
    x = mt.tensor(np.random.default_rng(0).standard_normal((2, 3, 4)))
    with mt.no_grad():
        layer.weight.fill_(2.0)
    y = layer(x)
    torch = pytest.importorskip("torch")
    theirs = make(torch.nn).double()
    with torch.no_grad():
        theirs.weight.fill_(2.0)
    assert repr(layer) == repr(theirs) and list(layer.state_dict()) == list(theirs.state_dict())
    expected = theirs(torch.tensor(x.numpy())).detach().numpy()
    np.testing.assert_allclose(y.detach().numpy(), expected, rtol=1e-5, atol=1e-6)


def test_batch_norm_refuses_an_eps_that_is_not_positive_in_training():
    """eps=0 in training gave numbers (NaN for a channel of equal values, 0 / 0); PyTorch raises,
    and raises for a negative eps in eval mode too, where 0 is allowed."""
    x = mt.tensor([[1.0, 2.0, 3.0], [1.0, 4.0, 5.0]])
    for eps in (0.0, -1e-5):
        with pytest.raises(ValueError, match="batch_norm: eps must be positive in training"):
            mt.nn.functional.batch_norm(x, None, None, training=True, eps=eps)
        with pytest.raises(ValueError, match="eps must be positive in training"):
            mt.nn.BatchNorm1d(3, eps=eps)(x)
    with pytest.raises(ValueError, match="eps must be at least 0"):
        mt.nn.functional.batch_norm(x, mt.zeros(3), mt.ones(3), eps=-1e-5)
    out = mt.nn.functional.batch_norm(x, mt.zeros(3), mt.ones(3), eps=0.0)
    np.testing.assert_array_equal(out.numpy(), x.numpy())


def test_an_eval_output_keeps_the_running_statistics_it_read():
    """``ye = bn(x)`` in ``eval()``, then ``y = bn(x)`` in ``train()`` (which updates the running
    statistics in place): the gradient of (y * ye).sum() is the finite differences' of the
    function with ye's statistics fixed at those it read (PyTorch's backward reads the updated
    ones and gives another number)."""
    rng = np.random.default_rng(0)
    xv = rng.standard_normal((4, 3))
    bn = mt.nn.BatchNorm1d(3, momentum=0.3).double()
    x = mt.tensor(xv, requires_grad=True)
    bn(x * 2)
    mean, var = bn.running_mean.numpy().copy(), bn.running_var.numpy().copy()
    bn.eval()
    ye = bn(x)
    bn.train()
    y = bn(x)
    (y * ye).sum().backward()

    def loss(a):
        fixed = (a - mean) / np.sqrt(var + 1e-5)
        return float(((a - a.mean(0)) / np.sqrt(a.var(0) + 1e-5) * fixed).sum())

    fd = np.zeros_like(xv)
    for i in np.ndindex(xv.shape):
        d = np.zeros_like(xv)
        d[i] = 1e-6
        fd[i] = (loss(xv + d) - loss(xv - d)) / 2e-6
    np.testing.assert_allclose(x.grad.numpy(), fd, rtol=1e-6, atol=1e-8)


def _versioned_loads(lib):
    """What load_state_dict reports, and num_batches_tracked after it, for state dicts lacking
    num_batches_tracked: with state_dict's versions, as a plain dict, marked version 1."""
    lib.manual_seed(0)
    nn_ = lib.nn
    model = nn_.Sequential(nn_.Linear(2, 3), nn_.BatchNorm1d(3), nn_.BatchNorm1d(3, track_running_stats=False))
    model(lib.randn(4, 2))
    seen = [list(model.state_dict()._metadata.items())]
    for make in (lambda s: s, dict):
        state = make(model.state_dict())
        del state["1.num_batches_tracked"]
        found = model.load_state_dict(state, strict=False)
        seen.append((found.missing_keys, found.unexpected_keys, int(model[1].num_batches_tracked)))
    state = model.state_dict()
    state._metadata["1"]["version"] = 1
    del state["1.num_batches_tracked"]
    seen.append(tuple(model.load_state_dict(state, strict=True)))  # not missing: no error
    state = dict(model.state_dict())
    del state["1.running_mean"], state["1.num_batches_tracked"]
    seen.append(tuple(model.load_state_dict(state, strict=False)))
    return seen


def test_num_batches_tracked_is_missing_only_from_a_versioned_state_dict():
    seen = _versioned_loads(mt)
    assert seen[0] == [("", {"version": 1}), ("0", {"version": 1}), ("1", {"version": 2}), ("2", {"version": 2})]
    assert seen[1] == (["1.num_batches_tracked"], [], 1)
    assert seen[2] == ([], [], 1)  # a plain dict has no versions: the value is kept, as an old checkpoint's
    assert seen[3] == ([], [])
    assert seen[4] == (["1.running_mean"], [])


def test_num_batches_tracked_missing_keys_match_pytorch():
    torch = pytest.importorskip("torch")
    assert _versioned_loads(mt) == _versioned_loads(torch)

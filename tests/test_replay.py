"""Record once, replay (``mytorch.replay``): the same numbers as the dynamic step, and guards.

Every comparison here is against a second model run dynamically from the same weights: the
replay must give the same parameters, gradients, optimizer state, loss and output, bit for bit
(``np.array_equal``; see ``mytorch.replay`` for the one exception, the sign of a zero).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest

from hw_bonus.mlp import MLP, train_epoch
from mytorch import NO_GRAD, Autograd, detect_anomaly, no_grad
from mytorch.nn import functional as F
from mytorch.nn.modules import Linear, ReLU, Tanh
from mytorch.nn.modules import MSELoss as F_MSE
from mytorch.optim import SGD, Adam
from mytorch.replay import Replay, ReplayError
from mytorch.replay import rules as R


def make_mlp(
    replay: bool,
    activations=("tanh", "identity"),
    criterion="cross_entropy",
    optimizer="sgd",
    momentum=0.0,
    dtype=np.float64,
    sizes=(5, 6, 3),
) -> MLP:
    return MLP(
        sizes[0],
        sizes[-1],
        list(sizes[1:-1]),
        list(activations),
        criterion,
        0.05,
        Autograd(),
        momentum,
        optimizer=optimizer,
        seed=0,
        dtype=dtype,
        replay=replay,
    )


def batch(rng: np.random.Generator, n: int, criterion: str, dtype=np.float64, width=5, classes=3):
    x = rng.standard_normal((n, width)).astype(dtype)
    if criterion == "cross_entropy":
        return x, np.eye(classes, dtype=dtype)[rng.integers(0, classes, n)]
    return x, rng.random((n, classes)).astype(dtype)


def assert_same_state(a: MLP, b: MLP) -> None:
    for i, ((p, g), (q, h)) in enumerate(zip(a.parameters(), b.parameters())):
        assert np.array_equal(p, q), f"parameter {i} differs by {np.abs(p - q).max()}"
        assert np.array_equal(g, h), f"gradient {i} differs by {np.abs(g - h).max()}"
    for (k, u), (_, v) in zip(a.optimizer.flat_state_dict().items(), b.optimizer.flat_state_dict().items()):
        assert np.array_equal(u, v), f"optimizer state {k} differs"


CASES = [
    (("tanh", "sigmoid", "identity"), "cross_entropy", "sgd", 0.0),
    (("relu", "relu", "identity"), "cross_entropy", "sgd", 0.9),
    (("sigmoid", "tanh", "sigmoid"), "mse", "nesterov", 0.9),
    (("gelu", "leaky_relu", "identity"), "mse", "adam", 0.0),  # rows without an out= form: generic
    (("softplus", "relu", "sigmoid"), "bce_with_logits", "sgd", 0.5),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("activations", "criterion", "optimizer", "momentum"), CASES)
def test_replay_matches_the_dynamic_step_bit_for_bit(activations, criterion, optimizer, momentum, dtype):
    rng = np.random.default_rng(1)
    dynamic = make_mlp(False, activations, criterion, optimizer, momentum, dtype, (5, 7, 6, 3))
    replayed = make_mlp(True, activations, criterion, optimizer, momentum, dtype, (5, 7, 6, 3))
    for step, n in enumerate([4, 4, 4, 1, 4, 1, 4]):  # batch shapes change: one program each
        x, y = batch(rng, n, criterion if criterion != "bce_with_logits" else "mse", dtype)
        expected = dynamic.train_step(x, y)
        got = replayed.train_step(x, y)
        assert np.array_equal(expected, got), f"step {step}: loss {got} != {expected}"
        assert np.array_equal(dynamic.output, replayed.output)
        assert_same_state(dynamic, replayed)
    replayer = replayed._replayer
    assert replayer.captures == 2 and replayer.replays == 5
    assert got.dtype == dtype


def test_a_replayed_epoch_equals_a_dynamic_one():
    rng = np.random.default_rng(2)
    x, labels = rng.standard_normal((50, 5)), rng.integers(0, 3, 50)
    results = []
    for replay in (False, True):
        mlp = make_mlp(replay, momentum=0.9)
        results.append((train_epoch(mlp, x, labels, 8, np.random.default_rng(3)), mlp))
    (stats_d, dynamic), (stats_r, replayed) = results
    assert stats_d == stats_r
    assert_same_state(dynamic, replayed)
    assert replayed._replayer.replays == 5  # 7 batches: 6 of 8 examples and one of 2, each shape captured once


def test_the_returned_loss_is_a_new_array_each_step():
    rng = np.random.default_rng(0)
    mlp = make_mlp(True)
    losses = [mlp.train_step(*batch(rng, 4, "cross_entropy")) for _ in range(4)]
    assert len({id(loss) for loss in losses}) == 4
    assert len({float(loss[0]) for loss in losses}) == 4


# ---------------------------------------------------------------------------- guards
@pytest.mark.parametrize("pair", ["given to the optimizer", "left to MLP.step"])
def test_a_replaced_parameter_array_is_seen_and_the_step_captured_again(pair):
    """A layer's ``W`` replaced between steps: captured again, then replayed (``MLP.step`` handing
    the optimizer the new pair inside the captured step is not a change of the weights outside the
    update: such a step ran dynamically from then on)."""
    rng = np.random.default_rng(4)
    dynamic, replayed = make_mlp(False), make_mlp(True)
    x, y = batch(rng, 4, "cross_entropy")
    for _ in range(3):
        dynamic.train_step(x, y)
        replayed.train_step(x, y)
    for mlp in (dynamic, replayed):
        layer = mlp.linear_layers[0]
        layer.W = layer.W * 0.5  # a new array: the captured program reads the old one
        if pair == "given to the optimizer":
            mlp.optimizer.params[0] = (layer.W, layer.dW)
    for _ in range(3):
        assert np.array_equal(dynamic.train_step(x, y), replayed.train_step(x, y))
    assert_same_state(dynamic, replayed)
    assert replayed._replayer.captures == 2 and replayed._replayer.replays == 4


def test_a_new_learning_rate_is_seen():
    rng = np.random.default_rng(5)
    dynamic, replayed = make_mlp(False, momentum=0.5), make_mlp(True, momentum=0.5)
    x, y = batch(rng, 4, "cross_entropy")
    for step in range(6):
        if step == 3:
            dynamic.optimizer.lr = replayed.optimizer.lr = 0.2
        dynamic.train_step(x, y)
        replayed.train_step(x, y)
    assert_same_state(dynamic, replayed)
    assert replayed._replayer.captures == 2


def test_parameter_groups_keep_their_own_learning_rates_and_schedules():
    """SGD with two groups (different lr and momentum): each parameter is updated with its own
    group's settings, and a change to the second group's lr is seen."""
    rng = np.random.default_rng(13)
    mlps = [make_mlp(False), make_mlp(True)]
    for mlp in mlps:
        first, second = mlp.linear_layers
        mlp.optimizer = SGD(
            [{"params": first.parameters(), "lr": 0.1, "momentum": 0.9}, {"params": second.parameters(), "lr": 0.01}],
            lr=0.05,
        )
    x, y = batch(rng, 4, "cross_entropy")
    for step in range(6):
        if step == 3:
            for mlp in mlps:
                mlp.optimizer.param_groups[1]["lr"] = 0.2
        assert np.array_equal(mlps[0].train_step(x, y), mlps[1].train_step(x, y))
    assert_same_state(*mlps)
    assert mlps[1]._replayer.captures == 2


def test_an_engine_with_a_tensor_level_optimizer_is_refused_with_a_reason():
    from mytorch import Tensor

    w = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(TypeError, match="leave engine out"):
        Replay(lambda x: x, Autograd(), SGD([w], lr=0.1))
    with pytest.raises(TypeError, match="Autograd engine"):
        Replay(lambda x: x, None, SGD([(np.ones(3), np.zeros(3))], lr=0.1))


def test_under_no_grad_or_detect_anomaly_the_step_runs_dynamically():
    rng = np.random.default_rng(6)
    mlp = make_mlp(True)
    x, y = batch(rng, 4, "cross_entropy")
    mlp.train_step(x, y)
    mlp.train_step(x, y)
    with detect_anomaly():
        mlp.train_step(x, y)
    assert mlp._replayer.replays == 1
    with no_grad(), pytest.raises(ValueError, match="tape is empty"):
        mlp.train_step(x, y)  # nothing recorded: the dynamic step's own error


def test_a_subclass_with_its_own_step_is_not_replayed():
    class Clipped(MLP):
        def step(self) -> None:
            for _, g in self.parameters():
                np.clip(g, -0.01, 0.01, out=g)
            super().step()

    mlp = Clipped(5, 3, [6], ["tanh", "identity"], "cross_entropy", 0.05, Autograd(), replay=True)
    x, y = batch(np.random.default_rng(7), 4, "cross_entropy")
    for _ in range(3):
        mlp.train_step(x, y)
    assert mlp._replayer is None


def test_inputs_must_be_arrays():
    mlp = make_mlp(False)
    replay = Replay(mlp._dynamic_step, mlp.autograd_engine, mlp.optimizer)
    with pytest.raises(TypeError, match="input 0 must be a numpy.ndarray, got list"):
        replay([[1.0] * 5], np.eye(3)[:1])


# ---------------------------------------------------------------------------- data-dependent steps
def _engine_step(engine, layer, opt, make_constant):
    """A hand-written step: Linear, tanh, times a constant made by ``make_constant(x)``, MSE."""

    def step(x, y):
        engine.zero_grad()
        opt.zero_grad()
        h = Tanh(engine)(layer(x))
        c = make_constant(x)
        out = F.apply(engine, "mul", h, c, gradients_to_update=[None, NO_GRAD])
        loss = F.apply(engine, "mse_loss", y, out, gradients_to_update=[NO_GRAD, None])
        engine.backward(1.0, output=loss)
        opt.step()
        return loss

    return step


def test_a_constant_made_once_outside_the_step_is_confirmed_and_replayed():
    engine = Autograd()
    layer = Linear(3, 2, engine, rng=0)
    opt = SGD(layer.parameters(), 0.1)
    constant = np.full((4, 2), 0.5)
    replay = Replay(_engine_step(engine, layer, opt, lambda x: constant), engine, opt, verify=3)
    x, y = np.ones((4, 3)), np.zeros((4, 2))
    for _ in range(6):
        replay(x, y)
    assert replay.captures == 1 and replay.replays == 4  # two dynamic runs: capture and confirmation


def test_a_constant_made_from_the_data_inside_the_step_is_refused():
    engine = Autograd()
    layer = Linear(3, 2, engine, rng=0)
    opt = SGD(layer.parameters(), 0.1)
    replay = Replay(_engine_step(engine, layer, opt, lambda x: np.abs(x[:, :2])), engine, opt)
    x, y = np.ones((4, 3)), np.zeros((4, 2))
    replay(x, y)
    with pytest.raises(ReplayError, match="makes anew each run"):
        replay(x, y)


def test_verify_catches_a_step_whose_operations_depend_on_the_data():
    engine = Autograd()
    layer = Linear(3, 2, engine, rng=0)
    opt = SGD(layer.parameters(), 0.1)

    def step(x, y):
        engine.zero_grad()
        opt.zero_grad()
        h = layer(x)
        if x.sum() > 0:  # a branch on the data: the recorded operations change
            h = Tanh(engine)(h)
        loss = F.apply(engine, "mse_loss", y, h, gradients_to_update=[NO_GRAD, None])
        engine.backward(1.0, output=loss)
        opt.step()
        return loss

    replay = Replay(step, engine, opt, verify=2)
    y = np.zeros((4, 2))
    replay(np.ones((4, 3)), y)
    with pytest.raises(ReplayError, match="recorded different operations"):
        replay(-np.ones((4, 3)), y)


def test_verify_catches_a_forward_that_differs_from_the_kernel_tables():
    class Halved(Tanh):
        """Computes tanh(x) / 2 but records the tanh row: the replay recomputes tanh(x)."""

        def forward(self, x):
            y = np.tanh(x) / 2
            self.autograd_engine.add_operation([x], y, [None], F.tanh_backward, {"out": y})
            return y

    engine = Autograd()
    layer = Linear(3, 2, engine, rng=0)
    opt = SGD(layer.parameters(), 0.1)
    act = Halved(engine)

    def step(x, y):
        engine.zero_grad()
        opt.zero_grad()
        loss = F.apply(engine, "mse_loss", y, act(layer(x)), gradients_to_update=[NO_GRAD, None])
        engine.backward(1.0, output=loss)
        opt.step()
        return loss

    replay = Replay(step, engine, opt, verify=1)
    x, y = np.ones((4, 3)), np.zeros((4, 2))
    replay(x, y)
    with pytest.raises(ReplayError, match="differs from the dynamic step"):
        replay(x, y)


def test_a_kernel_outside_the_table_cannot_be_replayed():
    engine = Autograd()
    layer = Linear(3, 2, engine, rng=0)
    opt = SGD(layer.parameters(), 0.1)

    def double_backward(g, x):
        return (2 * g,)

    def step(x, y):
        engine.zero_grad()
        opt.zero_grad()
        h = layer(x)
        h2 = 2 * h
        engine.add_operation([h], h2, [None], double_backward)
        loss = F.apply(engine, "mse_loss", y, h2, gradients_to_update=[NO_GRAD, None])
        engine.backward(1.0, output=loss)
        opt.step()
        return loss

    with pytest.raises(ReplayError, match="not in the kernel table"):
        Replay(step, engine, opt)(np.ones((4, 3)), np.zeros((4, 2)))


def test_a_shared_weight_gets_both_contributions():
    """One Linear used twice: its dW receives two contributions (written, then added)."""
    engine = Autograd()
    layer = Linear(3, 3, engine, rng=0)
    opt = SGD(layer.parameters(), 0.1)

    def step(x, y):
        engine.zero_grad()
        opt.zero_grad()
        h = Tanh(engine)(layer(Tanh(engine)(layer(x))))
        loss = F.apply(engine, "mse_loss", y, h, gradients_to_update=[NO_GRAD, None])
        engine.backward(1.0, output=loss)
        opt.step()
        return loss

    replay = Replay(step, engine, opt, verify=5)
    rng = np.random.default_rng(8)
    for _ in range(6):
        replay(rng.standard_normal((4, 3)), rng.standard_normal((4, 3)))
    assert replay.replays == 5


# ---------------------------------------------------------------------------- the out= forms
def _run(code):
    for fn, args in code:
        fn(*args)


@pytest.mark.parametrize("by_number", [False, True])  # (False: relu of (64, 64) against a row of zeros)
@pytest.mark.parametrize("shape", [(5, 4), (64, 64)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", ["tanh", "sigmoid", "relu", "identity"])
def test_each_activation_rule_matches_its_row_bit_for_bit(name, dtype, shape, by_number, monkeypatch):
    monkeypatch.setattr(F, "MAXIMUM_BY_NUMBER", by_number)  # (the CPU's choice, F's and the replay's: both)
    rng = np.random.default_rng(9)
    x = (rng.standard_normal(shape) * 3).astype(dtype)
    x[0, :3] = [0.0, -0.0, np.nan]  # relu's mask is taken from its output: the same at 0, -0 and NaN
    x[1, :3] = [np.inf, -np.inf, np.finfo(dtype).smallest_subnormal * -1]
    g = rng.standard_normal(shape).astype(dtype)
    row = F.KERNELS[name]
    forward, backward = R.RULES[name]
    y = np.empty_like(x)
    _run(forward([x], y, {}))
    expected = row.forward(x)
    assert np.array_equal(y, expected, equal_nan=True) and y.dtype == expected.dtype
    params = {"out": y} if row.saves_output else {}
    (recipe,) = backward(g, [x], y, params, [True])
    dx = np.empty_like(x)
    _run([(np.copyto, (dx, recipe.array))] if isinstance(recipe, R.Pass) else recipe.emit(dx))
    (expected_dx,) = row.backward(g, x, **params)
    assert np.array_equal(dx, expected_dx, equal_nan=True)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fortran", [False, True])
def test_the_matmul_rule_matches_its_row_for_both_weight_layouts(fortran, dtype):
    rng = np.random.default_rng(10)
    a = rng.standard_normal((4, 5)).astype(dtype)
    W = rng.standard_normal((3, 5)).astype(dtype)
    W = np.asfortranarray(W) if fortran else W
    b = W.T
    g = rng.standard_normal((4, 3)).astype(dtype)
    forward, backward = R.RULES["matmul"]
    y = np.empty((4, 3), dtype=dtype)
    _run(forward([a, b], y, {}))
    assert np.array_equal(y, a @ b)
    da, db = np.empty_like(a), np.empty_like(b)
    recipes = backward(g, [a, b], y, {}, [True, True])
    _run(recipes[0].emit(da) + recipes[1].emit(db))
    expected_a, expected_b = F.matmul_backward(g, a, b)
    assert np.array_equal(da, expected_a) and np.array_equal(db, expected_b)


@pytest.mark.parametrize("shape", [(6, 4), (40, 10)])  # (40, 10): the row maximum through the transpose
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_loss_rules_match_their_rows_bit_for_bit(dtype, masked, shape):
    rng = np.random.default_rng(11)
    n, width = shape
    x = rng.standard_normal(shape).astype(dtype)
    y = np.eye(width, dtype=dtype)[rng.integers(1, width, n)]
    if masked:  # class 0 masked by a logit of -inf that y gives 0 (its term counts as 0), a row of ties at 0.0 and -0.0
        x[:, 0] = -np.inf
        x[1] = -1.0
        x[1, 1:3] = [-0.0, 0.0]
    seed = np.ones(1, dtype=dtype)
    for name, saved, both in [
        ("softmax_cross_entropy", "log_probs", F.softmax_cross_entropy_and_log_probs),
        ("mse_loss", "diff", F.mse_loss_and_diff),
    ]:
        forward, backward = R.RULES[name]
        loss, params = np.empty(1, dtype=dtype), {saved: np.empty_like(x)}
        with np.errstate(invalid="ignore"):  # (0 * -inf, in both)
            _run(forward([y, x], loss, params))
            expected_loss, expected_saved = both(y, x)
        assert np.isfinite(loss).all() or name == "mse_loss"
        assert np.array_equal(loss, expected_loss) and np.array_equal(params[saved], expected_saved)
        (_, recipe) = backward(seed, [y, x], loss, params, [False, True])
        dx = np.empty_like(x)
        _run(recipe.emit(dx))
        assert np.array_equal(dx, F.KERNELS[name].backward(seed, y, x, **{saved: expected_saved})[1])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_np_dot_and_matmul_give_the_same_bits_for_linear_shapes(dtype):
    """Linear and the replay compute x W^T with np.dot, the kernel table's row with @."""
    rng = np.random.default_rng(12)
    for n in (1, 2, 32, 128):
        for k, m in ((2, 25), (25, 1), (784, 32), (32, 10), (256, 128)):
            x = rng.standard_normal((n, k)).astype(dtype)
            W = rng.standard_normal((m, k)).astype(dtype)
            assert np.array_equal(np.dot(x, W.T), x @ W.T), (n, k, m)


@pytest.mark.parametrize(("optimizer", "momentum"), [("sgd", 0.0), ("sgd", 0.9), ("nesterov", 0.9)])
def test_a_large_parameter_updated_piece_by_piece_gives_the_same_numbers(monkeypatch, optimizer, momentum):
    """The SGD update cuts a parameter larger than PIECE_BYTES into pieces (here 64 bytes)."""
    from mytorch.optim import optimizer as optimizer_base

    monkeypatch.setattr(optimizer_base, "PIECE_BYTES", 64)
    rng = np.random.default_rng(14)
    acts = ("tanh", "relu", "identity")
    dynamic = make_mlp(False, acts, optimizer=optimizer, momentum=momentum, sizes=(5, 7, 6, 3))
    replayed = make_mlp(True, acts, optimizer=optimizer, momentum=momentum, sizes=(5, 7, 6, 3))
    for mlp in (dynamic, replayed):
        for group in mlp.optimizer.param_groups:
            group["weight_decay"] = 0.01
    for _ in range(4):
        x, y = batch(rng, 4, "cross_entropy")
        assert np.array_equal(dynamic.train_step(x, y), replayed.train_step(x, y))
    assert_same_state(dynamic, replayed)
    program = next(iter(replayed._replayer.programs.values()))
    assert len(program.code) > 60  # the 7x5 and 6x7 weights went in pieces of 8 elements


# ---------------------------------------------------------------------------- found by a differential fuzz
def _in_step(dynamic: MLP, replayed: MLP, rng: np.random.Generator, n: int, criterion="cross_entropy", **kw) -> None:
    x, y = batch(rng, n, criterion, **kw)
    assert np.array_equal(dynamic.train_step(x, y), replayed.train_step(x, y))
    assert np.array_equal(dynamic.output, replayed.output)
    assert_same_state(dynamic, replayed)


def test_a_change_drops_the_programs_of_every_batch_shape():
    """A module swapped after batches of 2, then a first batch of 3: its capture must not let the
    program of 2, compiled with the old module, be replayed (it was: the new watch vouched for it)."""
    rng = np.random.default_rng(20)
    dynamic, replayed = make_mlp(False), make_mlp(True)
    for n in (2, 2):
        _in_step(dynamic, replayed, rng, n)
    for mlp in (dynamic, replayed):
        mlp.activations[0] = ReLU(mlp.autograd_engine)
    for n in (3, 2, 2, 3):
        _in_step(dynamic, replayed, rng, n)


def test_a_gradient_array_the_optimizer_does_not_hold_runs_dynamically():
    """``layer.dW`` replaced after the MLP was made: ``MLP.step`` hands the optimizer the new
    pair (it read the old one, so the layer stopped training), and the replay, recaptured,
    agrees with the dynamic step and replays it. An optimizer over some layers only: the replay
    cannot know what the step zeroes, so the MLP runs those steps dynamically."""
    rng = np.random.default_rng(21)
    dynamic, replayed = make_mlp(False), make_mlp(True)
    for _ in range(2):
        _in_step(dynamic, replayed, rng, 2)
    before = dynamic.linear_layers[0].W.copy()
    for mlp in (dynamic, replayed):
        mlp.linear_layers[0].dW = np.zeros_like(mlp.linear_layers[0].dW)
    for _ in range(3):
        _in_step(dynamic, replayed, rng, 2)
    assert not np.array_equal(dynamic.linear_layers[0].W, before)  # the layer still trains
    assert replayed._replayer.replays > 1 and not replayed._replayer.dynamic
    dynamic, replayed = make_mlp(False), make_mlp(True)
    for mlp in (dynamic, replayed):
        mlp.optimizer = SGD(mlp.linear_layers[1].parameters(), 0.1)  # the first layer frozen
    for _ in range(3):
        _in_step(dynamic, replayed, rng, 2)
    for mlp in (dynamic, replayed):  # what the step zeroes, the user reads
        assert mlp.linear_layers[0].dW.any()


@pytest.mark.parametrize("targets", [np.float64, np.int64])
def test_targets_of_another_dtype_than_a_float32_network_are_cast_and_replayed(targets):
    """MLP.train_step casts them to float32 before the step (the loss refuses wider targets,
    which made every gradient down the layers float64): the dynamic and the replayed steps are
    both float32, and equal. A replay of the bare step, fed them, sees MLP.backward's cast made
    inside the step, and refuses it."""
    rng = np.random.default_rng(22)
    dynamic, replayed = make_mlp(False, dtype=np.float32), make_mlp(True, dtype=np.float32)
    for _ in range(3):
        x, y = batch(rng, 4, "cross_entropy", np.float32)
        y = y.astype(targets)
        loss = dynamic.train_step(x, y)
        assert loss.dtype == np.float32 and np.array_equal(loss, replayed.train_step(x, y))
        assert_same_state(dynamic, replayed)
    assert replayed._replayer.replays == 2
    mlp = make_mlp(True, dtype=np.float32)
    bare = Replay(mlp._dynamic_step, mlp.autograd_engine, mlp.optimizer)
    bare(x, y)  # (the first call runs dynamically; the second captures)
    with pytest.raises(ReplayError, match="an array the step makes anew each run"):
        bare(x, y)


def test_a_float64_bias_in_a_float32_network_is_summed_in_float32():
    """The bias gradient is a float32 sum cast into the float64 ``db`` (NumPy's reduce into a
    float64 ``out`` summed in float64)."""
    rng = np.random.default_rng(23)
    dynamic, replayed = make_mlp(False, dtype=np.float32), make_mlp(True, dtype=np.float32)
    for mlp in (dynamic, replayed):
        layer = mlp.linear_layers[1]
        layer.db = layer.db.astype(np.float64)
        mlp.optimizer.params[3] = (layer.b, layer.db)
    for _ in range(3):
        _in_step(dynamic, replayed, rng, 8, dtype=np.float32)


def test_backward_after_a_replayed_step_raises():
    """The dynamic step leaves its tape, and a second backward adds to the gradients; a replay
    leaves none: the second backward gave no gradient (and the next step a different update)."""
    rng = np.random.default_rng(24)
    mlp = make_mlp(True)
    x, y = batch(rng, 4, "cross_entropy")
    mlp.train_step(x, y)
    mlp.train_step(x, y)
    with pytest.raises(ValueError, match="replayed"):
        mlp.backward(y)
    mlp.forward(x)
    mlp.backward(y)  # after a forward: the handout's own order


def test_outputs_kept_from_several_replayed_steps_hold_each_steps_values():
    """``outputs.append(mlp.output)`` over an epoch: the replay handed out its output buffer, so
    every kept output held the last step's values."""
    rng = np.random.default_rng(26)
    dynamic, replayed = make_mlp(False), make_mlp(True)
    kept_dynamic, kept_replayed, losses = [], [], []
    for _ in range(4):
        x, y = batch(rng, 4, "cross_entropy")
        dynamic.train_step(x, y)
        losses.append(replayed.train_step(x, y))
        kept_dynamic.append(dynamic.output)
        kept_replayed.append(replayed.output)
    assert replayed._replayer.replays == 3
    for expected, got in zip(kept_dynamic, kept_replayed):
        assert np.array_equal(expected, got)
    assert not np.array_equal(kept_replayed[-2], kept_replayed[-1])
    assert len({id(loss) for loss in losses}) == len(losses)


@pytest.mark.parametrize("watched", [False, True])
def test_a_module_swapped_in_a_handout_step_is_seen_through_watch(watched):
    """A handout-style step over a list of activations, one swapped between steps: the replay
    knows the optimizer's arrays only, so without ``watch`` it repeats the old activation (the
    documented limit, asserted here); with the modules in ``watch`` it captures again."""

    def world():
        engine = Autograd()
        layers = [
            Linear(3, 4, engine, rng=np.random.default_rng(0)),
            Linear(4, 2, engine, rng=np.random.default_rng(1)),
        ]
        acts, criterion = [Tanh(engine), Tanh(engine)], F_MSE(engine)
        opt = SGD([p for layer in layers for p in layer.parameters()], 0.1)

        def step(x, y):
            engine.zero_grad()
            opt.zero_grad()
            h = x
            for layer, act in zip(layers, acts):
                h = act(layer(h))
            loss = criterion(y, h)
            criterion.backward()
            opt.step()
            return loss

        return engine, acts, step, opt

    (engine_d, acts_d, dynamic, _), (engine, acts, step, opt) = world(), world()
    replay = Replay(step, engine, opt, watch=(lambda: [*acts, *opt.params]) if watched else None)
    rng = np.random.default_rng(30)
    for k in range(6):
        if k == 3:
            acts_d[1], acts[1] = ReLU(engine_d), ReLU(engine)
        x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 2))
        assert np.array_equal(dynamic(x, y), replay(x, y)) == (watched or k < 3)
    assert replay.captures == (2 if watched else 1)


def test_a_new_engine_is_followed():
    """``mlp.autograd_engine`` replaced (with the modules'): the replay read the old engine's tape
    and raised after the step had run."""
    rng = np.random.default_rng(25)
    dynamic, replayed = make_mlp(False), make_mlp(True)
    for _ in range(2):
        _in_step(dynamic, replayed, rng, 4)
    for mlp in (dynamic, replayed):
        engine = mlp.autograd_engine = Autograd()
        for module in (*mlp.linear_layers, *mlp.activations, mlp.criterion):
            module.autograd_engine = engine
    for _ in range(3):
        _in_step(dynamic, replayed, rng, 4)


@pytest.mark.parametrize(
    ("activation", "setting", "value"),
    [("leaky_relu", "slope", 0.3), ("gelu", "approximate", "none"), ("softplus", "threshold", 0.5)],
)
def test_a_changed_activation_setting_is_seen(activation, setting, value):
    """The settings are kept in the module's params, read by each dynamic step: a change makes
    the replay capture again. It replayed the old slope; a GELU's or Softplus's params, empty
    until then (so not recorded with the operation), are compared by MLP's replay too."""
    rng = np.random.default_rng(26)
    acts = (activation, "identity")
    dynamic, replayed = make_mlp(False, acts), make_mlp(True, acts)
    for _ in range(3):
        _in_step(dynamic, replayed, rng, 4)
    for mlp in (dynamic, replayed):
        mlp.activations[0].params[setting] = value
    for _ in range(3):
        _in_step(dynamic, replayed, rng, 4)
    assert replayed._replayer.captures == 2


@pytest.mark.parametrize(
    ("optimizer", "momentum", "decay"), [("sgd", 0.0, 0.0), ("sgd", 0.9, 0.01), ("nesterov", 0.9, 0.0)]
)
def test_a_float32_weight_in_a_float64_network_is_updated_as_sgd_does(optimizer, momentum, decay):
    """``lr * d`` is float64 in ``SGD.step`` (a float64 gradient), cast by ``W -= ...`` only; the
    replay computed it into a float32 temporary first."""
    rng = np.random.default_rng(27)
    dynamic = make_mlp(False, optimizer=optimizer, momentum=momentum)
    replayed = make_mlp(True, optimizer=optimizer, momentum=momentum)
    for mlp in (dynamic, replayed):
        layer = mlp.linear_layers[0]
        layer.W = layer.W.astype(np.float32)
        mlp.optimizer.params[0] = (layer.W, layer.dW)
        mlp.optimizer.param_groups[0]["weight_decay"] = decay
    for _ in range(4):
        _in_step(dynamic, replayed, rng, 4)


@pytest.mark.parametrize(("optimizer", "setting"), [("sgd", "lr"), ("sgd", "weight_decay"), ("nesterov", "momentum")])
def test_a_numpy_float64_setting_of_a_float32_mlp_is_followed(optimizer, setting):
    """The MLP's flat update (``SGD._step_flat``) computes into temporaries of the values' dtype
    whatever the settings' types: so does its replay (``tests/test_replay_tensor.py`` has the
    per-parameter update, where a NumPy float64 setting makes them float64)."""
    rng = np.random.default_rng(29)
    dynamic, replayed = (make_mlp(r, optimizer=optimizer, momentum=0.9, dtype=np.float32) for r in (False, True))
    for k in range(5):
        if k == 2:
            for mlp in (dynamic, replayed):
                group = mlp.optimizer.param_groups[0]
                group[setting] = np.float64(group[setting] or 0.01)
        _in_step(dynamic, replayed, rng, 4, dtype=np.float32)
    assert replayed._replayer.replays == 3


def test_a_step_in_evaluation_mode_leaves_no_gradient_marked_blank():
    """``train_step`` in evaluation mode records no forward, so its backward does not reach the
    layers, which stayed marked "zeroed, to be written"; after a replayed step (which does not
    go through the layers) a backward run by hand then wrote the gradients instead of adding.
    (Such a backward now raises, before the layers: the marks are cleared all the same.)"""
    rng = np.random.default_rng(28)
    dynamic, replayed = make_mlp(False), make_mlp(True)
    x, y = batch(rng, 4, "cross_entropy")
    for mlp in (dynamic, replayed):
        mlp.train_step(x, y)
        mlp.eval()
        with pytest.raises(ValueError, match="evaluation mode"):
            mlp.train_step(x, y)  # no tape (the dynamic step either way)
        mlp.train()
        mlp.train_step(x, y)  # replayed
        mlp.forward(x)
        mlp.backward(y)  # adds to the step's gradients
    assert_same_state(dynamic, replayed)


def test_the_last_output_fed_back_as_the_next_input_gives_the_dynamic_numbers():
    """``train_step(mlp.output, y)``: were ``mlp.output`` the replay's buffer, the replay would
    write the step's output into it before its backward reads the input again (the first
    layer's dW); the dynamic step makes a new output array, and so does the replay."""
    rng = np.random.default_rng(29)
    dynamic, replayed = make_mlp(False, sizes=(3, 4, 3)), make_mlp(True, sizes=(3, 4, 3))
    x, y = rng.standard_normal((2, 3)), np.eye(3)[[0, 2]]
    for _ in range(2):
        _in_step_on(dynamic, replayed, x, y)
    for _ in range(4):
        _in_step_on(dynamic, replayed, dynamic.output.copy(), y, replayed.output)
        _in_step_on(dynamic, replayed, dynamic.output[:, ::-1].copy(), y, replayed.output[:, ::-1])


def _in_step_on(dynamic: MLP, replayed: MLP, x: np.ndarray, y: np.ndarray, x_replayed=None) -> None:
    expected = dynamic.train_step(x, y)
    got = replayed.train_step(x if x_replayed is None else x_replayed, y)
    assert np.array_equal(expected, got)
    assert_same_state(dynamic, replayed)


def test_bce_targets_outside_0_1_are_refused_by_a_replay_too():
    """BCELoss checks its targets at every step; the replay skipped the check and trained on a
    target of 2, silently."""
    rng = np.random.default_rng(33)
    dynamic, replayed = make_mlp(False, ("tanh", "sigmoid"), "bce"), make_mlp(True, ("tanh", "sigmoid"), "bce")
    x, y = batch(rng, 4, "mse")
    for _ in range(3):
        _in_step_on(dynamic, replayed, x, y)
    assert replayed._replayer.replays == 2
    for mlp in (dynamic, replayed):  # the dynamic step's error, from the dynamic step's state
        with pytest.raises(ValueError, match="targets y must be probabilities"):
            mlp.train_step(x, y * 3)
    assert np.array_equal(dynamic.output, replayed.output)
    assert_same_state(dynamic, replayed)


@functools.cache
def _first_training_rows(preset: str) -> tuple[Any, np.ndarray, np.ndarray]:
    """A preset's data set and its first 100 training rows, loaded once for the six tests that
    train on them (mnist-5k takes 0.2 s to load)."""
    from hw_bonus.datasets import load_dataset

    data = load_dataset(preset)
    x, labels = data.train
    return data, x[:100].copy(), labels[:100].copy()


@pytest.mark.parametrize("preset", ["mnist-5k", "disc", "gaussians", "and"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("optimizer", ["sgd", "nesterov", "adam"])
def test_the_runners_networks_replay_every_batch_after_their_first(preset, dtype, optimizer):
    # MLP.train_step falls back to dynamic steps where a capture is refused (the numbers stay
    # right): the runner's own configurations must not, or training is silently slow
    from hw_bonus.mlp_runner import PRESETS

    config, (data, x, labels) = PRESETS[preset], _first_training_rows(preset)
    x = x.astype(dtype)
    hidden = config["hidden"]
    mlp = MLP(
        data.n_features, data.n_classes, hidden, [config["activation"]] * len(hidden) + ["identity"],
        "cross_entropy", config["lr"], Autograd(), config["momentum"],
        optimizer=optimizer, init=config["init"], seed=0, dtype=np.dtype(dtype), replay=True,
    )  # fmt: skip
    batch = config["batch_size"]
    train_epoch(mlp, x, labels, batch, np.random.default_rng(0))
    batches, shapes = -(-len(x) // batch), len({batch, len(x) % batch or batch})
    assert (mlp._replayer.captures, mlp._replayer.replays) == (shapes, batches - shapes)


def _clipped_step(mlp: MLP):
    def step() -> None:  # gradient clipping, as a notebook patches it in
        for layer in mlp.linear_layers:
            np.clip(layer.dW, -0.01, 0.01, out=layer.dW)
        MLP.step(mlp)

    return step


def _doubled_forward(module):
    forward = type(module).forward
    return lambda x: forward(module, x * 2)


@pytest.mark.parametrize(
    "change",
    [
        lambda mlp: setattr(mlp, "step", _clipped_step(mlp)),
        lambda mlp: setattr(mlp, "forward", _doubled_forward(mlp)),
        lambda mlp: setattr(mlp.activations[1], "params", {"slope": 0.5}),
        lambda mlp: setattr(
            mlp.optimizer, "step", lambda: SGD.step(mlp.optimizer) or mlp.optimizer.velocity[0].fill(0)
        ),
    ],
    ids=["mlp.step", "mlp.forward", "leaky_relu.params", "optimizer.step"],
)
def test_a_method_or_setting_replaced_on_an_instance_between_steps_is_seen(change):
    """Set on the object itself, not its class: the replay went on repeating the captured step
    (no clipping, the old slope, the forward or update as captured), silently."""
    rng = np.random.default_rng(40)
    dynamic, replayed = (
        make_mlp(r, ("tanh", "leaky_relu", "identity"), momentum=0.9, sizes=(5, 7, 6, 3)) for r in (False, True)
    )
    for _ in range(2):
        _in_step(dynamic, replayed, rng, 4)
    for mlp in (dynamic, replayed):
        change(mlp)
    for _ in range(3):
        _in_step(dynamic, replayed, rng, 4)


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("module", ["layer", "activation", "loss"])
def test_a_forward_set_on_a_module_runs_the_step_dynamically(module, when):
    """A module's forward (a loss's backward) set on the module itself, before the first step or
    after the capture: the replay repeated the recorded operations only (after the capture,
    silently: other weights from the next step on). Taken off again, the step is replayed."""
    rng = np.random.default_rng(43)
    dynamic, replayed = make_mlp(False), make_mlp(True)
    for _ in range(3 if when == "after" else 0):
        _in_step(dynamic, replayed, rng, 4)
    name = "backward" if module == "loss" else "forward"
    targets = [
        {"layer": m.linear_layers[0], "activation": m.activations[0], "loss": m.criterion}[module]
        for m in (dynamic, replayed)
    ]
    for target in targets:  # (the loss's backward from a divergence of 2: twice the gradients)
        doubled = lambda c=target: c.autograd_engine.backward(2.0, output=c.loss)  # noqa: E731
        setattr(target, name, doubled if module == "loss" else _doubled_forward(target))
    replays = replayed._replayer.replays if replayed._replayer else 0
    for _ in range(3):
        _in_step(dynamic, replayed, rng, 4)
    assert replayed._replayer.replays == replays and "set on the module itself" in next(
        iter(replayed._replayer.dynamic.values())
    )
    for target in targets:
        delattr(target, name)
    for _ in range(3):
        _in_step(dynamic, replayed, rng, 4)
    assert replayed._replayer.replays > replays


def test_a_module_subclass_with_its_own_forward_runs_dynamically():
    """An activation whose forward writes into its result after recording it: the replay repeats
    the recorded tanh only, and gave other numbers from its first replay on."""

    class Doubled(Tanh):
        def forward(self, x):
            y = super().forward(x)
            y *= 2
            return y

    rng = np.random.default_rng(41)
    engines = Autograd(), Autograd()
    dynamic, replayed = (
        MLP(5, 3, [6], [Doubled(e), "identity"], "cross_entropy", 0.05, e, seed=0, replay=r)
        for e, r in zip(engines, (False, True))
    )
    for _ in range(3):
        _in_step(dynamic, replayed, rng, 4)
    assert replayed._replayer.replays == 0 and "Doubled has methods of its own" in next(
        iter(replayed._replayer.dynamic.values())
    )


STEPPING = ["no update", "two updates", "another optimizer", "update first"]


@pytest.mark.parametrize("kind", ["clipped", "divergence", "twice", *STEPPING])
def test_a_handout_step_that_does_more_around_its_backward_is_refused(kind):
    """A ``Replay(step, engine, optimizer)`` step that clips its gradients before the update, starts
    the backward with 2, or runs it twice: the replay ran one backward from 1 and no clipping. One
    that steps another optimizer (a new one swapped in), none, or the given one twice or before
    its backward: the program ran the given optimizer's update once, after it (silently, before)."""

    def build():
        engine = Autograd()
        layer, loss_fn = Linear(4, 2, engine, rng=0), F_MSE(engine)
        opt, other = SGD(layer.parameters(), 0.1, momentum=0.9), SGD(layer.parameters(), 0.05)

        def step(x, y):
            engine.zero_grad()
            opt.zero_grad()
            if kind == "update first":
                opt.step()
            loss = loss_fn(y, layer(x))
            engine.backward(2.0 if kind == "divergence" else 1.0, output=loss)
            if kind == "twice":
                engine.backward(1.0, output=loss)
            if kind == "clipped":
                np.clip(layer.dW, -0.01, 0.01, out=layer.dW)
            for _ in range({"no update": 0, "update first": 0, "two updates": 2}.get(kind, 1)):
                (other if kind == "another optimizer" else opt).step()
            return loss

        return layer, step, engine, opt

    expected = "optimizer" if kind in STEPPING else "clipping" if kind == "clipped" else "backward"
    _refused_then_run_dynamically(build, expected, np.random.default_rng(42))


def _refused_then_run_dynamically(build, expected, rng):
    """A handout step ``build()`` makes is refused (``expected`` in the message); with ``fallback``
    it runs dynamically, as a second copy run by hand does."""
    (layer_d, dynamic, _, _), (layer_r, step, engine, opt) = build(), build()
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 2))
    with pytest.raises(ReplayError, match=expected):
        Replay(step, engine, opt)(x, y)
    replay = Replay(step, engine, opt, fallback=True)
    dynamic(x, y)  # (the refused capture above ran one step)
    for _ in range(3):
        assert np.array_equal(dynamic(x, y), replay(x, y))
        assert np.array_equal(layer_d.W, layer_r.W) and np.array_equal(layer_d.b, layer_r.b)
    assert replay.replays == 0


def test_a_step_set_on_an_adam_optimizer_between_steps_is_called():
    """Adam's update is the optimizer's own step, which the program held bound at the capture: a
    step set on the optimizer afterwards (gradient clipping there) was not called."""
    rng = np.random.default_rng(44)
    dynamic, replayed = make_mlp(False, optimizer="adam"), make_mlp(True, optimizer="adam")
    for _ in range(2):
        _in_step(dynamic, replayed, rng, 4)
    for mlp in (dynamic, replayed):
        opt = mlp.optimizer
        opt.step = lambda opt=opt: [np.clip(g, -0.01, 0.01, out=g) for _, g in opt.params] and Adam.step(opt)
    for _ in range(3):
        _in_step(dynamic, replayed, rng, 4)


@pytest.mark.parametrize("kind", ["max-norm", "lr", "velocity"])
def test_a_handout_step_that_changes_weights_settings_or_state_after_its_update_is_refused(kind):
    """A ``Replay(step, engine, optimizer)`` step that clips its weights after the update, decays
    its learning rate or resets its momentum there: the replay skipped it (other weights from the
    first replay on, silently); refused, and with ``fallback`` run dynamically."""

    def build():
        engine = Autograd()
        layer, loss_fn = Linear(4, 2, engine, rng=0), F_MSE(engine)
        opt = SGD(layer.parameters(), 0.1, momentum=0.9)

        def step(x, y):
            engine.zero_grad()
            opt.zero_grad()
            loss = loss_fn(y, layer(x))
            engine.backward(1.0, output=loss)
            opt.step()
            if kind == "max-norm":
                np.clip(layer.W, -0.05, 0.05, out=layer.W)
            elif kind == "lr":
                opt.lr *= 0.5
            else:
                for v in opt.velocity:
                    v.fill(0)
            return loss

        return layer, step, engine, opt

    _refused_then_run_dynamically(build, "after its optimizer's step", np.random.default_rng(43))

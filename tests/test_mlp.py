"""The handout's MLP: its methods, any batch size, and learning AND and the disc."""

from __future__ import annotations

import numpy as np
import pytest

from hw_bonus.datasets import load_dataset
from hw_bonus.mlp import MLP, evaluate, get_training_stats, one_hot, train_epoch
from mytorch import Autograd
from mytorch.nn.modules import Identity, ReLU, Sigmoid, SoftmaxCrossEntropy


def small_mlp(engine=None, seed=0):
    """2 -> 8 (tanh) -> 2, SGD with lr 0.5 and momentum 0.9."""
    engine = Autograd() if engine is None else engine
    return MLP(2, 2, [8], ["tanh", "identity"], "cross_entropy", 0.5, engine, 0.9, seed=seed)


def test_handout_construction_with_module_objects():
    engine = Autograd()
    mlp = MLP(3, 2, [5, 4], [ReLU(engine), Sigmoid(engine), Identity(engine)], SoftmaxCrossEntropy(engine), 0.1, engine)
    assert [(lin.in_features, lin.out_features) for lin in mlp.linear_layers] == [(3, 5), (5, 4), (4, 2)]
    assert len(mlp.parameters()) == 6
    assert mlp.linear_layers[0].input_grad is False and mlp.linear_layers[1].input_grad is True


def test_one_training_step_records_the_expected_tape_and_updates_weights():
    engine = Autograd()
    mlp = small_mlp(engine)
    x = np.array([[0.0, 1.0], [1.0, 1.0]])
    y = one_hot(np.array([0, 1]), 2)
    before = mlp.linear_layers[0].W.copy()
    mlp.zero_grads()
    out = mlp(x)
    assert out is mlp.output and out.shape == (2, 2)
    loss = mlp.backward(y)
    assert loss.shape == (1,)
    # Linear (2 ops), tanh, Linear (2 ops), identity, loss
    assert len(engine.operation_list) == 7
    with pytest.raises(KeyError):  # the data's gradient is never computed
        engine.gradient_buffer.get_param(x)
    grad = mlp.linear_layers[0].dW.copy()
    mlp.step()
    np.testing.assert_allclose(mlp.linear_layers[0].W, before - 0.5 * grad)  # first momentum step
    assert np.isclose(mlp.total_loss(y), float(loss[0]) * 2)
    assert 0 <= mlp.error(y) <= 2


def test_eval_mode_records_nothing_and_train_mode_records_again():
    engine = Autograd()
    mlp = small_mlp(engine)
    mlp.eval()
    mlp(np.ones((3, 2)))
    assert len(engine.operation_list) == 0
    mlp.train()
    mlp(np.ones((3, 2)))
    assert len(engine.operation_list) == 6


def test_error_counts_misclassified_rows():
    mlp = small_mlp()
    mlp.output = np.array([[2.0, 1.0], [0.0, 3.0], [5.0, -1.0]])
    assert mlp.error(one_hot(np.array([0, 1, 1]), 2)) == 1
    assert mlp.error(np.array([1, 1, 1])) == 2


@pytest.mark.parametrize("batch_size", [1, 3, 4])
def test_mlp_learns_the_and_gate_with_any_batch_size(batch_size):
    data = load_dataset("and", dtype=np.float64)
    mlp = small_mlp()
    stats = get_training_stats(mlp, (data.train, data.val), nepochs=100, batch_size=batch_size)
    assert all(len(s) == 100 for s in stats)
    assert stats[3][-1] == 0.0  # validation error
    assert evaluate(mlp, *data.test)[1] == 0.0
    assert stats[0][-1] < stats[0][0]


def test_mlp_learns_the_disc_to_95_percent():
    data = load_dataset("disc")
    engine = Autograd()
    mlp = MLP(2, 2, [25, 25, 25], ["relu"] * 3 + ["identity"], "cross_entropy", 0.05, engine, 0.9,
              init="xavier", seed=0, dtype=np.float32)  # fmt: skip
    get_training_stats(mlp, (data.train, data.val), nepochs=3, batch_size=32)
    _, test_error = evaluate(mlp, *data.test)
    assert 1 - test_error >= 0.95


def test_state_dict_round_trip_is_exact():
    a, b = small_mlp(seed=1), small_mlp(seed=2)
    data = load_dataset("and", dtype=np.float64)
    get_training_stats(a, (data.train, data.val), nepochs=3, batch_size=2)
    b.load_state_dict(a.state_dict())
    for la, lb in zip(a.linear_layers, b.linear_layers):
        np.testing.assert_array_equal(la.W, lb.W)
    np.testing.assert_array_equal(a.optimizer.velocity[0], b.optimizer.velocity[0])


def test_mlp_rejects_bad_configurations():
    engine = Autograd()
    with pytest.raises(ValueError, match="2 layers.*need 2 activations, got 1"):
        MLP(2, 2, [4], ["relu"], "cross_entropy", 0.1, engine)
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        MLP(2, 2, [4], ["swish", "identity"], "cross_entropy", 0.1, engine)
    with pytest.raises(ValueError, match="unknown criterion"):
        MLP(2, 2, [4], ["relu", "identity"], "hinge", 0.1, engine)
    with pytest.raises(ValueError, match="another engine"):
        MLP(2, 2, [4], [ReLU(Autograd()), "identity"], "cross_entropy", 0.1, engine)
    with pytest.raises(ValueError, match="unknown optimizer"):
        MLP(2, 2, [4], ["relu", "identity"], "cross_entropy", 0.1, engine, optimizer="rmsprop")
    with pytest.raises(ValueError, match="W.0 has shape"):
        small_mlp().load_state_dict({"W.0": np.zeros((3, 3))})
    with pytest.raises(ValueError, match="nepochs"):
        get_training_stats(small_mlp(), [(np.zeros((1, 2)), np.zeros(1, int))] * 2, 0)


@pytest.mark.parametrize("replay", [False, True])
def test_setting_lr_and_momentum_changes_the_steps_after(replay):
    # the handout's mlp.lr and mlp.momentum: a learning-rate decay between epochs must take effect
    def make(**kwargs):
        mlp = MLP(4, 3, [5], ["tanh", "identity"], "cross_entropy", 0.1, Autograd(), seed=0, **kwargs)
        mlp.replay = replay
        return mlp

    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((8, 4)), one_hot(rng.integers(0, 3, 8), 3)
    mlp = make()
    mlp.lr = 0.025
    before = mlp.linear_layers[0].W.copy()
    mlp.train_step(x, y)
    assert mlp.lr == mlp.optimizer.lr == 0.025
    np.testing.assert_array_equal(mlp.linear_layers[0].W, before - 0.025 * mlp.linear_layers[0].dW)
    late, early = make(), make(momentum=0.9)
    late.momentum = 0.9
    for _ in range(3):
        late.train_step(x, y)
        early.train_step(x, y)
    for a, b in zip(late.linear_layers, early.linear_layers):
        np.testing.assert_array_equal(a.W, b.W)
    with pytest.raises(ValueError, match="momentum"):
        late.momentum = -0.5
    adam = make(optimizer="adam")
    assert adam.momentum == 0.0
    with pytest.raises(ValueError, match=r"MLP.momentum: the optimizer \(Adam\) has no momentum"):
        adam.momentum = 0.9


@pytest.mark.parametrize("replay", [False, True], ids=["dynamic", "replay"])
@pytest.mark.parametrize("replaced", ["dW", "db", "W"])
def test_a_layer_array_replaced_after_construction_is_the_one_the_step_uses(replay, replaced):
    """The optimizer took the layers' (W, dW) pairs when the MLP was made; a layer whose dW (or
    W) was then replaced by a new array (``layer.dW = np.clip(layer.dW, -1, 1)``, as handout
    code does) was updated from the old, zero gradient (or its old W was), so it silently stopped
    training. Its steps must equal those of a twin whose arrays were left alone. (Replaced after
    a step: the step then compares what it found in agreement last time.)"""

    def make():
        return MLP(3, 2, [4], ["relu", "identity"], "mse", 0.1, Autograd(), momentum=0.9, seed=0, replay=replay)

    mlp, twin = make(), make()
    layer = mlp.linear_layers[0]
    rng = np.random.default_rng(0)
    for step in range(3):
        if step == 1:
            setattr(layer, replaced, getattr(layer, replaced).copy())
        x, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 2))
        mlp.train_step(x, y)
        twin.train_step(x, y)
    for ours, theirs in zip(mlp.linear_layers, twin.linear_layers):
        np.testing.assert_array_equal(ours.W, theirs.W)
        np.testing.assert_array_equal(ours.b, theirs.b)


def test_a_criterion_with_its_own_call_is_called_by_backward():
    """MLP.backward calls a loss's forward directly when its ``__call__`` is LossFN's; a loss
    class with a ``__call__`` of its own is still called as written."""
    from mytorch.nn.modules import MSELoss

    calls = []

    class CountedMSE(MSELoss):
        def __call__(self, y, y_hat):
            calls.append(y_hat.shape)
            return super().__call__(y, y_hat)

    engine = Autograd()
    mlp = MLP(2, 1, [3], ["tanh", "identity"], CountedMSE(engine), 0.1, engine, seed=0)
    x, y = np.ones((4, 2)), np.zeros((4, 1))
    loss = mlp.train_step(x, y)
    assert calls == [(4, 1)]
    plain = MLP(2, 1, [3], ["tanh", "identity"], "mse", 0.1, Autograd(), seed=0)
    np.testing.assert_array_equal(plain.train_step(x, y), loss)
    for a, b in zip(plain.parameters(), mlp.parameters()):
        np.testing.assert_array_equal(a[0], b[0])


def test_one_logit_output_is_class_1_above_0():
    # a single output trained with bce_with_logits is a logit: class 1 where it is above 0
    # (probability above 0.5); error, train_epoch and evaluate counted it above 0.5
    net = MLP(2, 1, [], ["identity"], "bce_with_logits", 0.1, Autograd(), seed=0)
    net.linear_layers[0].W[...] = [[1.0, 0.0]]
    net.linear_layers[0].b[...] = 0.0
    x = np.array([[-1.0, 0.0], [0.2, 0.0], [0.4, 0.0], [2.0, 0.0]])
    labels = np.array([0, 1, 1, 1])
    net.forward(x)
    assert net.error(labels) == 0  # logits -1, 0.2, 0.4, 2: classes 0, 1, 1, 1
    assert evaluate(net, x, labels)[1] == 0.0
    mse = MLP(2, 1, [], ["identity"], "mse", 0.1, Autograd(), seed=0)  # a regression on 0/1: above 0.5
    mse.linear_layers[0].W[...] = [[1.0, 0.0]]
    mse.linear_layers[0].b[...] = 0.0
    mse.forward(x)
    assert mse.error(labels) == 2
    stats = train_epoch(net, x, labels[:, None].astype(float), batch_size=4)  # measured before its update
    assert stats[1] == 0.0

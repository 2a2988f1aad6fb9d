"""The modules' lean training step: the MLP's flat parameter memory, SGD's update over it, and
the engine's trusted operations. Each gives the numbers of the plain per-parameter path."""

from __future__ import annotations

import numpy as np
import pytest

from hw_bonus.mlp import MLP
from mytorch import Autograd, detect_anomaly
from mytorch.nn import functional as F
from mytorch.nn.modules import Linear
from mytorch.optim import SGD, optimizer
from mytorch.optim.optimizer import flat_memory


def make_mlp(momentum: float = 0.0, optimizer: str = "sgd", dtype=np.float64) -> MLP:
    return MLP(4, 3, [5, 6], ["tanh", "sigmoid", "identity"], "cross_entropy", 0.1, Autograd(), momentum,
               optimizer=optimizer, seed=0, dtype=dtype)  # fmt: skip


def data(rng: np.random.Generator, dtype=np.float64) -> tuple[np.ndarray, np.ndarray]:
    return rng.standard_normal((8, 4)).astype(dtype), np.eye(3, dtype=dtype)[rng.integers(0, 3, 8)]


def test_the_mlp_keeps_parameters_and_gradients_in_two_flat_arrays():
    mlp = make_mlp()
    tiles = flat_memory(mlp.parameters())
    assert tiles is not None
    values, grads = tiles
    assert values.size == sum(p.size for p, _ in mlp.parameters())
    layer = mlp.linear_layers[1]
    assert np.shares_memory(layer.W, values) and np.shares_memory(layer.db, grads)
    # a pair list that does not tile one array, or is out of order, is not flat
    assert flat_memory(mlp.parameters()[::-1]) is None
    assert flat_memory([(p.copy(), g) for p, g in mlp.parameters()]) is None


SETTINGS = [(0.0, False, 0.0), (0.9, False, 0.0), (0.9, True, 0.01), (0.0, False, 0.1)]


@pytest.mark.parametrize("piece_bytes", [None, 64])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("momentum", "nesterov", "weight_decay"), SETTINGS)
def test_sgd_over_flat_memory_equals_sgd_per_parameter_bit_for_bit(
    monkeypatch, momentum, nesterov, weight_decay, dtype, piece_bytes
):
    """The flat update runs piece by piece (PIECE_BYTES; 64 here cuts the flat arrays into
    pieces of 8 or 16 numbers and a shorter last one): the same numbers either way."""
    if piece_bytes is not None:
        monkeypatch.setattr(optimizer, "PIECE_BYTES", piece_bytes)
    mlp = make_mlp(dtype=dtype)
    flat = SGD(mlp.parameters(), 0.1, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay)
    copies = [(p.copy(), g.copy()) for p, g in mlp.parameters()]
    plain = SGD(copies, 0.1, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay)
    assert flat._flat is not None and plain._flat is None
    rng = np.random.default_rng(0)
    for _ in range(4):
        mlp.zero_grads()
        mlp.forward(data(rng, dtype)[0])
        mlp.backward(data(rng, dtype)[1])
        for (_, g), (_, h) in zip(mlp.parameters(), copies):
            h[...] = g
        flat.step()
        plain.step()
        for (p, _), (q, _) in zip(mlp.parameters(), copies):
            assert np.array_equal(p, q) and p.dtype == dtype
        states = flat.flat_state_dict(), plain.flat_state_dict()
        assert states[0].keys() == states[1].keys()
        assert sum(key.startswith("velocity.") for key in states[0]) == (6 if momentum else 0)  # W, b of 3 layers
        for u, v in zip(states[0].values(), states[1].values()):
            assert np.array_equal(u, v)


def test_a_replaced_parameter_is_updated_per_parameter():
    """The autograder and users replace a layer's arrays: the flat update must notice."""
    mlp = make_mlp(momentum=0.9)
    reference = make_mlp(momentum=0.9)
    rng = np.random.default_rng(1)
    for model in (mlp, reference):
        layer = model.linear_layers[0]
        layer.W = layer.W * 0.5  # a new array, outside the flat memory
        layer.dW = np.zeros_like(layer.dW)
        model.optimizer.params[0] = (layer.W, layer.dW)
    reference.optimizer._flat = None  # the per-parameter path, for comparison
    for _ in range(3):
        x, y = data(rng)
        for model in (mlp, reference):
            model.train_step(x, y)
    for (p, g), (q, h) in zip(mlp.parameters(), reference.parameters()):
        assert np.array_equal(p, q) and np.array_equal(g, h)
    assert not np.array_equal(mlp.linear_layers[0].W, make_mlp().linear_layers[0].W * 0.5)  # it trained


def test_zero_grads_clears_a_replaced_gradient_too():
    mlp = make_mlp()
    mlp.linear_layers[2].db = np.ones(3)
    mlp.linear_layers[0].dW[...] = 1.0
    mlp.zero_grads()
    assert all(not g.any() for _, g in mlp.parameters())


def test_detect_anomaly_still_checks_the_modules_gradients():
    """Trusted operations skip the gradient checks only outside detect_anomaly."""
    mlp = make_mlp()
    x, y = data(np.random.default_rng(2))
    mlp.forward(x)
    mlp.linear_layers[2].W[0, 0] = np.inf  # the gradient flowing back through it becomes non-finite
    with detect_anomaly(), pytest.raises(FloatingPointError, match="matmul_backward"):
        mlp.backward(y)


def zero_as_train_step_does(mlp: MLP) -> None:
    """What ``train_step`` does before its forward: zero_grads, then the layers told that their
    gradients are blank (the next backward writes them)."""
    mlp.zero_grads()
    for layer in mlp.linear_layers:
        layer.gradients_zeroed()


def manual_zero(mlp: MLP) -> None:
    """zero_grads without telling the layers: every gradient is then added to zeros."""
    mlp.autograd_engine.zero_grad()
    for _, g in mlp.parameters():
        g.fill(0)


def one_output_mlp(dtype) -> MLP:
    """The bench's tiny shape: a last layer of one output, whose W.T is both row- and column-major."""
    return MLP(2, 1, [5, 5], ["tanh", "tanh", "sigmoid"], "mse", 0.1, Autograd(), seed=0, dtype=dtype)


@pytest.mark.parametrize("outputs", [3, 1])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [1, 3, 64])
def test_gradients_written_after_zero_grads_equal_gradients_added_to_zeros(n, dtype, outputs):
    build = make_mlp if outputs == 3 else one_output_mlp
    written, added = build(dtype=dtype), build(dtype=dtype)
    rng = np.random.default_rng(n)
    x = rng.standard_normal((n, written.input_size)).astype(dtype)
    y = np.eye(3, dtype=dtype)[rng.integers(0, 3, n)] if outputs == 3 else rng.random((n, 1)).astype(dtype)
    zero_as_train_step_does(written)
    manual_zero(added)
    for mlp in (written, added):
        mlp.forward(x)
        mlp.backward(y)
    for (_, g), (_, h) in zip(written.parameters(), added.parameters()):
        assert np.array_equal(g, h) and g.dtype == dtype and g.any()
    # a second backward adds to what the first wrote, as the handout's += does
    for mlp in (written, added):
        mlp.backward(y)
    for (_, g), (_, h) in zip(written.parameters(), added.parameters()):
        assert np.array_equal(g, h)


def test_a_gradient_replaced_after_zero_grads_is_added_to_not_overwritten():
    mlp, reference = make_mlp(), make_mlp()
    x, y = data(np.random.default_rng(3))
    zero_as_train_step_does(mlp)
    manual_zero(reference)
    for model in (mlp, reference):
        model.linear_layers[1].dW = np.ones_like(model.linear_layers[1].dW)  # not blank: add to it
        model.forward(x)
        model.backward(y)
    assert np.array_equal(mlp.linear_layers[1].dW, reference.linear_layers[1].dW)


def test_detect_anomaly_checks_a_weight_gradient_written_after_zero_grads():
    mlp = make_mlp()
    x, y = data(np.random.default_rng(4))
    x[0, 0] = np.inf  # only the first layer's weight gradient (x^T g) becomes non-finite
    zero_as_train_step_does(mlp)
    with detect_anomaly(), np.errstate(invalid="ignore"), pytest.raises(FloatingPointError, match="matmul"):
        mlp.forward(x)
        mlp.backward(y)


def test_a_gradient_added_between_zero_grads_and_backward_is_kept():
    """The handout's loop: what a user adds into dW after zero_grads (a penalty's gradient)
    is added to, never overwritten, by the backward that follows."""
    mlp, reference = make_mlp(), make_mlp()
    x, y = data(np.random.default_rng(5))
    mlp.zero_grads()
    manual_zero(reference)
    for model in (mlp, reference):
        model.linear_layers[0].dW += 0.5 * model.linear_layers[0].W  # an L2 penalty's gradient
        model.forward(x)
        model.backward(y)
    assert np.array_equal(mlp.linear_layers[0].dW, reference.linear_layers[0].dW)
    assert not np.array_equal(mlp.linear_layers[0].dW, make_mlp().linear_layers[0].dW)


def test_train_step_writes_the_same_gradients_as_the_handouts_loop():
    stepped, looped = make_mlp(), make_mlp()
    rng = np.random.default_rng(6)
    for _ in range(3):
        x, y = data(rng)
        stepped.train_step(x, y)
        handout_step(looped, x, y)
        for (w, g), (v, h) in zip(stepped.parameters(), looped.parameters()):
            assert np.array_equal(g, h) and np.array_equal(w, v)


def test_train_step_calls_a_subclasss_own_zero_grads():
    """The step writes the gradients without zeroing them first, unless a subclass has its own
    zero_grads: that one runs, once a step, and the numbers stay the handout loop's."""

    class Counting(MLP):
        calls = 0

        def zero_grads(self) -> None:
            Counting.calls += 1
            super().zero_grads()

    stepped = Counting(4, 3, [5, 6], ["tanh", "sigmoid", "identity"], "cross_entropy", 0.1, Autograd(), seed=0)
    looped = make_mlp()
    rng = np.random.default_rng(8)
    for _ in range(3):
        x, y = data(rng)
        stepped.train_step(x, y)
        handout_step(looped, x, y)
    assert Counting.calls == 3
    for (w, g), (v, h) in zip(stepped.parameters(), looped.parameters()):
        assert np.array_equal(g, h) and np.array_equal(w, v)


def test_a_trusted_operation_on_a_0d_array_leaves_an_array_gradient():
    """NumPy returns a scalar for arithmetic on 0-d arrays; the buffer still holds arrays."""
    engine = Autograd()
    x = np.array(2.0)
    engine.record([x], np.asarray(np.sin(x)), [None], F.sin_backward)
    engine.backward(1.0)
    gradient = engine.gradient_buffer.get_param(x)
    assert type(gradient) is np.ndarray and gradient.shape == () and gradient == np.cos(2.0)


# --------------------------------------------------------------------------- unzeroed gradients
def large_mlp(dtype=np.float64) -> MLP:
    """A network whose gradients train_step leaves unzeroed (as every network's), large enough
    for its products to go by np.matmul."""
    return MLP(300, 10, [256], ["relu", "identity"], "cross_entropy", 0.1, Autograd(), 0.9, seed=0, dtype=dtype)


def large_batch(rng: np.random.Generator, dtype) -> tuple[np.ndarray, np.ndarray]:
    return rng.standard_normal((16, 300)).astype(dtype), np.eye(10, dtype=dtype)[rng.integers(0, 10, 16)]


def handout_step(mlp: MLP, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    mlp.zero_grads()
    mlp.forward(x)
    loss = mlp.backward(y)
    mlp.step()
    return loss


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_large_networks_unzeroed_gradients_are_written_whole(dtype):
    """The gradients are not zeroed before the backward writes them: the same numbers as the
    handout's loop (zero, then add), step after step, not the old gradient plus the new."""
    stepped, handout = large_mlp(dtype), large_mlp(dtype)
    rng = np.random.default_rng(7)
    for _ in range(3):
        x, y = large_batch(rng, dtype)
        assert np.array_equal(stepped.train_step(x, y), handout_step(handout, x, y))
        for (p, g), (q, h) in zip(stepped.parameters(), handout.parameters()):
            np.testing.assert_array_equal(g, h)
            np.testing.assert_array_equal(p, q)


def test_under_detect_anomaly_unzeroed_gradients_are_zeroed_before_the_engine_adds():
    stepped, handout = large_mlp(), large_mlp()
    rng = np.random.default_rng(8)
    for _ in range(2):
        x, y = large_batch(rng, np.float64)
        with detect_anomaly():
            loss = stepped.train_step(x, y)
        assert np.array_equal(loss, handout_step(handout, x, y))
        for (_, g), (_, h) in zip(stepped.parameters(), handout.parameters()):
            np.testing.assert_array_equal(g, h)


def test_a_step_that_raises_leaves_zeroed_gradients_not_old_ones():
    mlp = large_mlp()
    rng = np.random.default_rng(9)
    mlp.train_step(*large_batch(rng, np.float64))
    assert all(g.any() for _, g in mlp.parameters())
    x, _ = large_batch(rng, np.float64)
    with pytest.raises(ValueError, match="shape"):
        mlp.train_step(x, np.zeros((16, 3)))  # wrong labels: the loss raises before any backward
    assert not any(g.any() for _, g in mlp.parameters())


def test_a_replaced_column_major_gradient_is_zeroed_and_added_into():
    stepped, handout = large_mlp(), large_mlp()
    layer = stepped.linear_layers[0]
    layer.dW = np.asfortranarray(np.full_like(layer.dW, 5.0))  # not written whole: zeroed at once
    rng = np.random.default_rng(10)
    x, y = large_batch(rng, np.float64)
    stepped.train_step(x, y)
    handout_step(handout, x, y)
    np.testing.assert_allclose(layer.dW, handout.linear_layers[0].dW, rtol=1e-12, atol=1e-15)


def test_a_written_bias_gradient_keeps_the_sign_of_zero_of_the_handouts_loop():
    """A batch of one's bias gradient, written blank, is bit for bit the handout loop's, the sign
    of a zero included: ReLU's backward gives -0.0 where a negative upstream gradient meets an
    inactive unit; adding it to zeros (or summing it) makes 0.0, and a plain copy kept -0.0."""
    stepped = MLP(4, 3, [16], ["relu", "identity"], "cross_entropy", 0.1, Autograd(), seed=0)
    looped = MLP(4, 3, [16], ["relu", "identity"], "cross_entropy", 0.1, Autograd(), seed=0)
    rng = np.random.default_rng(2)
    signed_zeros = 0
    for _ in range(5):
        x, y = rng.standard_normal((1, 4)), np.eye(3)[rng.integers(0, 3, 1)]
        stepped.train_step(x, y)
        handout_step(looped, x, y)
        for (_, g), (_, h) in zip(stepped.parameters(), looped.parameters()):
            assert g.tobytes() == h.tobytes()
        signed_zeros += int(np.count_nonzero(stepped.linear_layers[0].db == 0))
    assert signed_zeros  # (inactive units were met: the case the test is about)


class PenaltyInBackward(MLP):
    """Adds an L2 term into every dW before the loss's backward, as the handout's loop allows."""

    def backward(self, labels):
        for layer in self.linear_layers:
            layer.dW += 0.01 * layer.W
        return super().backward(labels)


class AccumulatingZeroGrads(MLP):
    """Keeps the gradients of two steps: zeroes them every second call."""

    calls = 0

    def zero_grads(self) -> None:
        self.calls += 1
        if self.calls % 2:
            super().zero_grads()
        else:
            self.autograd_engine.zero_grad()


def tie_the_last_two_layers(mlp: MLP) -> MLP:
    """Two layers sharing one weight and one gradient array (tied weights)."""
    first, second = mlp.linear_layers[1], mlp.linear_layers[2]
    second.W, second.dW = first.W, first.dW
    return mlp


@pytest.mark.parametrize(
    "build",
    [
        lambda: PenaltyInBackward(4, 4, [4, 4], ["relu", "tanh", "identity"], "cross_entropy", 0.1, Autograd(), seed=0),
        lambda: AccumulatingZeroGrads(
            4, 4, [4, 4], ["relu", "tanh", "identity"], "cross_entropy", 0.1, Autograd(), seed=0
        ),
        lambda: tie_the_last_two_layers(
            MLP(4, 4, [4, 4], ["relu", "tanh", "identity"], "cross_entropy", 0.1, Autograd(), 0.9, seed=0)
        ),
    ],
    ids=["penalty added in backward", "gradients kept over two steps", "tied weights"],
)
@pytest.mark.parametrize("x_dtype", [np.float64, np.float32])
def test_train_step_is_the_handouts_loop_for_subclasses_and_shared_gradients(build, x_dtype):
    """Only MLP's own step over its own gradient arrays writes the gradients instead of adding
    them: a subclass's penalty added into dW before the backward was wiped (float32 data), a
    subclass keeping gradients over two steps lost them, and tied layers overwrote each other's."""
    stepped, looped = build(), build()
    rng = np.random.default_rng(1)
    for _ in range(4):
        x, y = rng.standard_normal((8, 4)).astype(x_dtype), np.eye(4)[rng.integers(0, 4, 8)]
        stepped.train_step(x, y)
        handout_step(looped, x, y)
        for (w, g), (v, h) in zip(stepped.parameters(), looped.parameters()):
            assert w.tobytes() == v.tobytes() and g.tobytes() == h.tobytes()


# Numbers where the arithmetic's corners are: signed zeros, subnormals, the ends of float32's and
# float64's ranges, infinities, NaN, sigmoid's overflow (e^710, e^90 in float32), 1 - 2^-53.
CORNERS = [0.0, -0.0, 1.0, -1.0, 0.5, 1e-300, -1e-300, 1e300, 3e38, -3e38, 1e-45, -1e-45, np.inf, -np.inf,
           np.nan, 700.0, -710.0, -90.0, 89.0, 1 - 2**-53]  # fmt: skip


def corners(rng: np.random.Generator, dtype, rows: int) -> np.ndarray:
    """The corners, then values of every magnitude from 1e-8 to 1e8, in rows of 16."""
    spread = rng.standard_normal(16 * rows - len(CORNERS)) * 10.0 ** rng.integers(-8, 9, 16 * rows - len(CORNERS))
    with np.errstate(over="ignore", under="ignore"):
        return np.concatenate([CORNERS, spread]).astype(dtype).reshape(rows, 16)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_modules_0d_operands_give_the_python_numbers_bits(dtype):
    """The modules' tanh and sigmoid slopes, sigmoid's 1 + e^-x, a batch of one's bias gradient
    (g + 0) and SGD's lr * g take their number as a 0-d array of the arrays' dtype
    (``mytorch.dtypes.operand``) where the kernels take a Python float: the same bits and dtype."""
    from mytorch.dtypes import ONE32, ONE64, ZERO32, ZERO64, operand_for
    from mytorch.nn.modules.activation import _sigmoid_vjp, _tanh_vjp

    assert not any(c.flags.writeable for c in (ONE32, ONE64, ZERO32, ZERO64))
    rng = np.random.default_rng(3)
    x, g = corners(rng, dtype, 4), corners(rng, dtype, 4)[::-1].copy()
    with np.errstate(all="ignore"):
        rules = ((_tanh_vjp, F.tanh_backward, np.tanh), (_sigmoid_vjp, F.sigmoid_backward, F.sigmoid))
        for vjp, kernel, forward in rules:
            y = forward(x)
            (got,), (expected,) = vjp(g, x, y), kernel(g, x, out=y)
            assert got.dtype == expected.dtype == dtype and got.tobytes() == expected.tobytes()
        y, expected = F.sigmoid(x), np.reciprocal(np.exp(-x) + 1.0)
        assert y.dtype == expected.dtype == dtype and y.tobytes() == expected.tobytes()
    for row in g:  # a batch of one's bias gradient, written into a blank db
        engine = Autograd()
        layer = Linear(16, 16, engine, rng=0, dtype=dtype)
        layer(np.ones((1, 16), dtype))
        layer.gradients_zeroed()
        add = engine.operation_list[1]
        assert add.vjp(row[None], *add.inputs)[1] is None  # (written into db)
        assert layer.db.tobytes() == np.add(row, 0.0).tobytes()
    mlp = make_mlp(dtype=dtype)
    opt = SGD(mlp.parameters(), 0.1)
    assert opt._flat is not None  # the flat update, over one piece
    for lr in (0.1, 1e-3, 3.0, 1e-40, 0.1):  # (a new lr: a new operand; 1e-40 is a float32 subnormal)
        opt.lr = lr
        values, grads = flat_memory(mlp.parameters())
        grads[...] = corners(rng, dtype, 6).ravel()[: grads.size]
        with np.errstate(all="ignore"):
            expected = values - np.multiply(lr, grads)
            opt.step()
        assert values.tobytes() == expected.tobytes()
    assert type(operand_for(1e39, np.dtype(np.float32))) is float  # (beyond float32: left to NumPy)
    assert operand_for(0.5, np.dtype(np.float16)) == 0.5 and operand_for(np.float64(0.5), np.dtype(np.float64)) == 0.5

"""The short paths of the ``nn`` training step (``Sequential`` running its modules' ``forward``
directly, the mean MSE and cross-entropy of the common operands, SGD's learning rate as an
operand of the gradients' dtype): each gives what the general path gives, bit for bit, and
steps aside for the cases it does not cover (a module's own ``__call__``, hooks, a replay
capturing the step, other operands)."""

from __future__ import annotations

import numpy as np
import pytest

import mytorch
import mytorch.nn as nn
import mytorch.optim as optim
from mytorch.nn import functional as F
from mytorch.nn.module import called

DTYPES = [np.float64, np.float32]


def _tensor(rng: np.random.Generator, shape: tuple[int, ...], dtype: type, grad: bool = False) -> mytorch.Tensor:
    return mytorch.tensor(rng.standard_normal(shape).astype(dtype), requires_grad=grad)


class _Counting(nn.Module):
    """A module with a ``__call__`` of its own: a Sequential must go through it."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def __call__(self, *inputs: object, **kwargs: object) -> object:
        self.calls += 1
        return super().__call__(*inputs, **kwargs)

    def forward(self, x: mytorch.Tensor) -> mytorch.Tensor:
        return x * 2.0


def test_sequential_gives_the_composition_and_calls_a_modules_own_call() -> None:
    rng = np.random.default_rng(0)
    counting = _Counting()
    model = nn.Sequential(nn.Linear(3, 4, dtype=np.float64), nn.Tanh(), counting, nn.Linear(4, 2, dtype=np.float64))
    x = _tensor(rng, (5, 3), np.float64)
    out = model(x)
    first, last = model[0], model[3]
    h = np.tanh(x.numpy() @ first.weight.numpy().T + first.bias.numpy()) * 2.0
    np.testing.assert_allclose(out.numpy(), h @ last.weight.numpy().T + last.bias.numpy(), rtol=1e-14)
    assert counting.calls == 1
    assert out.grad_fn.name() == "AddmmBackward0"


def test_sequential_runs_an_inner_modules_hooks() -> None:
    rng = np.random.default_rng(1)
    model = nn.Sequential(nn.Linear(3, 4, dtype=np.float64), nn.ReLU(), nn.Linear(4, 1, dtype=np.float64))
    seen: list[tuple[int, ...]] = []
    with model[1].register_forward_hook(lambda module, args, output: seen.append(output.shape)):
        model(_tensor(rng, (2, 3), np.float64))
    model(_tensor(rng, (2, 3), np.float64))  # (the hook removed: not called again)
    assert seen == [(2, 4)]


def test_sequential_names_its_modules_to_a_capturing_replay() -> None:
    model = nn.Sequential(nn.Linear(3, 4, dtype=np.float64), nn.Sigmoid(), nn.Linear(4, 1, dtype=np.float64))
    with called() as modules:
        model(_tensor(np.random.default_rng(2), (2, 3), np.float64))
    assert set(modules) == {id(model), *(id(m) for m in model)}


@pytest.mark.parametrize("dtype", DTYPES)
def test_mean_mse_of_two_tensors_matches_the_general_path_and_the_closed_form(dtype: type) -> None:
    rng = np.random.default_rng(3)
    x = _tensor(rng, (4, 3), dtype, grad=True)
    target = rng.standard_normal((4, 3)).astype(dtype)
    short = F.mse_loss(x, mytorch.tensor(target))
    name = short.grad_fn.name()
    short.backward()
    short_grad = x.grad.numpy().copy()
    x.grad = None
    general = F.mse_loss(x, target)  # (an array target: the general path)
    assert name == general.grad_fn.name() == "MseLossBackward0"
    general.backward()
    assert short.dtype == dtype and short.shape == ()
    assert short.item() == general.item() and np.array_equal(short_grad, x.grad.numpy())
    diff = x.numpy().astype(np.float64) - target
    tol = 1e-14 if dtype == np.float64 else 1e-6
    np.testing.assert_allclose(short.item(), (diff**2).mean(), rtol=tol)
    np.testing.assert_allclose(short_grad, 2 * diff / diff.size, rtol=tol, atol=tol)


def test_mean_mse_short_path_steps_aside() -> None:
    x = mytorch.tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match="must match"):
        F.mse_loss(x, mytorch.tensor(np.ones((3, 2))))
    wide = F.mse_loss(mytorch.tensor(np.ones((2, 3), np.float32), requires_grad=True), mytorch.tensor(np.zeros((2, 3))))
    assert wide.dtype == np.float64  # (a wider target widens the prediction, as PyTorch promotes)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("labels_as", ["array", "tensor"])
def test_mean_cross_entropy_of_labels_matches_the_general_path_and_the_closed_form(dtype: type, labels_as: str) -> None:
    rng = np.random.default_rng(4)
    x = _tensor(rng, (5, 4), dtype, grad=True)
    labels = np.array([3, 0, 1, 3, 2])
    given = labels if labels_as == "array" else mytorch.tensor(labels)
    short = F.cross_entropy(x, given)
    name = short.grad_fn.name()
    short.backward()
    short_grad = x.grad.numpy().copy()
    x.grad = None
    general = F.cross_entropy(x, labels.tolist())  # (a list: the general path)
    assert name == general.grad_fn.name()
    general.backward()
    assert short.dtype == dtype and short.shape == ()
    assert short.item() == general.item() and np.array_equal(short_grad, x.grad.numpy())
    logits = x.numpy().astype(np.float64)
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    tol = 1e-13 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(short.item(), -np.log(p[np.arange(5), labels]).mean(), rtol=tol)
    np.testing.assert_allclose(short_grad, (p - np.eye(4)[labels]) / 5, rtol=tol, atol=tol)


def test_cross_entropy_short_path_steps_aside_for_ignored_and_bad_labels() -> None:
    x = mytorch.tensor(np.zeros((2, 3)), requires_grad=True)
    nothing = F.cross_entropy(x, np.array([-100, -100]))  # (no label counts: NaN, zero gradients)
    nothing.backward()
    assert np.isnan(nothing.item()) and not x.grad.numpy().any()
    with pytest.raises((ValueError, IndexError)):
        F.cross_entropy(x, np.array([0, 3]))
    with pytest.raises(TypeError):
        F.cross_entropy(x, np.array([0.0, 1.0]))
    smoothed = F.cross_entropy(x, np.array([0, 1]), label_smoothing=0.3)
    np.testing.assert_allclose(smoothed.item(), np.log(3), rtol=1e-14)  # (uniform logits: log C whatever the targets)


@pytest.mark.parametrize("dtype", DTYPES)
def test_plain_sgd_step_is_p_minus_lr_times_g_bit_for_bit(dtype: type) -> None:
    rng = np.random.default_rng(5)
    model = nn.Sequential(nn.Linear(3, 4, dtype=dtype), nn.Tanh(), nn.Linear(4, 1, dtype=dtype))
    optimizer = optim.SGD(model.parameters(), lr=0.01)
    x, y = _tensor(rng, (6, 3), dtype), _tensor(rng, (6, 1), dtype)
    for lr in (0.01, 0.3, 0.3, 1e-3):
        optimizer.param_groups[0]["lr"] = lr
        optimizer.zero_grad()
        nn.MSELoss()(model(x), y).backward()
        expected = [p.numpy() - lr * p.grad.numpy() for p in model.parameters()]  # (NumPy's own promotion)
        optimizer.step()
        for p, e in zip(model.parameters(), expected):
            assert p.dtype == dtype and np.array_equal(p.numpy(), e)


def test_plain_sgd_step_of_mixed_dtypes_and_a_learning_rate_beyond_float32() -> None:
    a = nn.Parameter(np.array([1.0, 2.0], np.float32))
    b = nn.Parameter(np.array([1.0, 2.0]))
    optimizer = optim.SGD([a, b], lr=0.5)
    a.grad, b.grad = mytorch.tensor(np.array([1.0, -1.0], np.float32)), mytorch.tensor(np.array([1.0, -1.0]))
    optimizer.step()
    assert a.numpy().tolist() == [0.5, 2.5] and b.numpy().tolist() == [0.5, 2.5] and a.dtype == np.float32
    optimizer.param_groups[0]["lr"] = 1e300  # (not an operand of float32: the Python float, as before)
    with np.errstate(over="ignore"):
        expected = [p.numpy().copy() for p in (a, b)]
        for e, p in zip(expected, (a, b)):
            e -= 1e300 * p.grad.numpy()  # (in place: NumPy 1's float64 product cast into float32)
        optimizer.step()
    assert np.array_equal(a.numpy(), expected[0]) and np.array_equal(b.numpy(), expected[1])


class _Smoothed(nn.CrossEntropyLoss):
    """A loss that adds its own keyword argument (``options``): the module's call must pass it."""

    def options(self) -> dict[str, object]:
        return {**super().options(), "label_smoothing": 0.25}


class _Summed(nn.MSELoss):
    """A loss with a function of its own (``function``): the module's call must use it."""

    function = staticmethod(lambda y_hat, target, reduction="mean": F.mse_loss(y_hat, target, reduction="sum"))


def test_loss_modules_pass_their_options_and_use_their_function() -> None:
    rng = np.random.default_rng(6)
    x = _tensor(rng, (4, 3), np.float64, grad=True)
    labels = np.array([0, 2, 1, 2])
    weight = mytorch.tensor(np.array([0.5, 1.0, 2.0]))
    module = nn.CrossEntropyLoss(weight=weight, ignore_index=1, label_smoothing=0.1)(x, labels).item()
    assert module == F.cross_entropy(x, labels, weight=weight, ignore_index=1, label_smoothing=0.1).item()
    assert _Smoothed()(x, labels).item() == F.cross_entropy(x, labels, label_smoothing=0.25).item()
    assert nn.CrossEntropyLoss()(x, labels).item() == F.cross_entropy(x, labels).item()
    assert nn.NLLLoss(ignore_index=2)(x, labels).item() == F.nll_loss(x, labels, ignore_index=2).item()
    target = _tensor(rng, (4, 3), np.float64)
    assert _Summed()(x, target).item() == F.mse_loss(x, target, reduction="sum").item()
    assert nn.MSELoss(reduction="sum")(x, target).item() == F.mse_loss(x, target, reduction="sum").item()
    with pytest.raises(TypeError, match="mytorch Tensor"):
        nn.CrossEntropyLoss()(x.numpy(), labels)

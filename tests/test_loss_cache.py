"""Losses hand their backward what the forward computed on the way, on every path.

``softmax_cross_entropy``'s backward needs the softmax of the logits, which its forward has
already computed as ``log_probs``; ``mse_loss``'s needs ``y_hat - y`` (``diff``). Their rows
declare it (``Kernel.caches``), and every way of recording them passes the value: the
handout's modules, ``F.apply`` / ``run_kernel`` (the tape), the Tensor functions
``mytorch.tensor.softmax_cross_entropy`` / ``mse_loss`` and PyTorch-style ``F.cross_entropy``.
The gradients are then the same bits on every path, the backward computes no softmax, and a
recorded backward (``create_graph``) still differentiates through the recomputed value.
"""

from __future__ import annotations

import numpy as np
import pytest

import mytorch as mt
from mytorch import NO_GRAD, Autograd, Tensor
from mytorch.nn import functional as F
from mytorch.nn.modules.loss import MSELoss, SoftmaxCrossEntropy
from mytorch.tensor import mse_loss, softmax_cross_entropy

CACHING = sorted(name for name, row in F.KERNELS.items() if row.caches is not None)


def _labels(n: int = 4, c: int = 5, dtype: type = np.float64) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    return np.eye(c, dtype=dtype)[rng.integers(0, c, n)], rng.standard_normal((n, c)).astype(dtype)


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_the_caching_rows_are_the_losses() -> None:
    assert CACHING == ["mse_loss", "softmax_cross_entropy"]


@pytest.mark.parametrize("name", CACHING)
def test_a_rows_cached_value_is_what_its_backward_would_compute(name: str) -> None:
    row = F.KERNELS[name]
    assert row.caches in F.CACHED_PARAMS  # a recorded backward recomputes it (to differentiate it)
    y, x = _labels()
    out, params = row.run((y, x), None)
    np.testing.assert_array_equal(out, row.forward(y, x))
    expected = F.log_softmax(x) if name == "softmax_cross_entropy" else x - y
    np.testing.assert_array_equal(params[row.caches], expected)
    g = np.array([0.7])
    for got, plain in zip(row.backward(g, y, x, **params), row.backward(g, y, x)):
        np.testing.assert_allclose(got, plain, rtol=1e-14, atol=1e-16)


def test_run_leaves_the_callers_params_alone() -> None:
    params = {"axis": -1}
    _, recorded = F.KERNELS["softmax"].run((np.zeros(3),), params)
    assert recorded is params  # a row without a cache records its params as given
    y, x = _labels()
    empty: dict = {}
    _, recorded = F.KERNELS["mse_loss"].run((y, x), empty)
    assert empty == {} and set(recorded) == {"diff"}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_every_path_gives_the_modules_bits_for_cross_entropy(dtype: type) -> None:
    y, x = _labels(dtype=dtype)
    engine = Autograd()
    SoftmaxCrossEntropy(engine)(y, x)
    engine.backward()
    reference = engine.gradient_buffer.get_param(x)
    np.testing.assert_allclose(reference, (_softmax(x) - y) / len(x), rtol=1e-5 if dtype == np.float32 else 1e-12)

    tape = Autograd()
    F.apply(tape, "softmax_cross_entropy", y, x, gradients_to_update=[NO_GRAD, None])
    assert set(tape.operation_list[-1].params) == {"log_probs"}
    tape.backward()
    np.testing.assert_array_equal(tape.gradient_buffer.get_param(x), reference)

    t = Tensor(x, requires_grad=True)
    softmax_cross_entropy(y, t).backward()
    np.testing.assert_array_equal(t.grad.data, reference)

    t = Tensor(x, requires_grad=True)
    mt.nn.functional.cross_entropy(t, y.argmax(axis=1)).backward()
    np.testing.assert_array_equal(t.grad.data, reference)


def test_every_path_gives_the_modules_bits_for_mse() -> None:
    y, x = _labels()
    engine = Autograd()
    MSELoss(engine)(y, x)
    engine.backward()
    reference = engine.gradient_buffer.get_param(x)
    np.testing.assert_allclose(reference, 2 * (x - y) / x.size, rtol=1e-14)
    tape = Autograd()
    F.apply(tape, "mse_loss", y, x, gradients_to_update=[NO_GRAD, None])
    tape.backward()
    np.testing.assert_array_equal(tape.gradient_buffer.get_param(x), reference)
    t = Tensor(x, requires_grad=True)
    mse_loss(y, t).backward()
    np.testing.assert_array_equal(t.grad.data, reference)


def _no_softmax(*args: object, **kwargs: object) -> None:
    raise AssertionError("the backward computed a softmax again")


def test_the_backward_computes_no_second_softmax(monkeypatch: pytest.MonkeyPatch) -> None:
    y, x = _labels()
    tape = Autograd()
    F.apply(tape, "softmax_cross_entropy", y, x)
    t = Tensor(x, requires_grad=True)
    loss = softmax_cross_entropy(y, t)
    monkeypatch.setitem(vars(F), "softmax", _no_softmax)  # the rules' own global (F.softmax dispatches)
    monkeypatch.setitem(vars(F), "log_softmax", _no_softmax)
    tape.backward()
    loss.backward()
    np.testing.assert_array_equal(t.grad.data, tape.gradient_buffer.get_param(x))


def test_the_check_above_sees_a_recomputed_softmax(monkeypatch: pytest.MonkeyPatch) -> None:
    y, x = _labels()
    monkeypatch.setitem(vars(F), "softmax", _no_softmax)
    with pytest.raises(AssertionError, match="computed a softmax again"):
        F.softmax_cross_entropy_backward(np.ones(1), y, x)  # no log_probs: it must recompute


def test_second_derivatives_go_through_the_recomputed_softmax() -> None:
    """d/dx <grad_x CE, w> = H w, H = (diag(p) - p p^T) / N per row (the cached log_probs are
    left out of a recorded backward, which recomputes them from x)."""
    y, x = _labels()
    t = Tensor(x, requires_grad=True)
    (g,) = mt.grad(softmax_cross_entropy(y, t).sum(), t, create_graph=True)
    w = np.random.default_rng(5).standard_normal(x.shape)
    (hw,) = mt.grad((g * w).sum(), t)
    p = _softmax(x)
    expected = (p * w - p * (p * w).sum(axis=1, keepdims=True)) / len(x)
    np.testing.assert_allclose(hw.data, expected, rtol=1e-10, atol=1e-14)


def test_forward_mode_uses_the_cached_value() -> None:
    y, x = _labels()
    tape = Autograd()
    F.apply(tape, "softmax_cross_entropy", y, x)
    u = np.random.default_rng(6).standard_normal(x.shape)
    (tangent,) = tape.jvp([x], [u])
    np.testing.assert_allclose(tangent, [np.vdot((_softmax(x) - y) / len(x), u)], rtol=1e-12)


def test_cross_entropy_rows_made_again_from_equal_labels_only_and_never_shared() -> None:
    """``F.cross_entropy`` reuses the rows it made for the last labels when the labels (by their
    bytes, dtype and shape) and the options are the same again; labels changed in place, another
    dtype, smoothing or weights make them anew; each call's rows are its own array."""
    from mytorch.nn import functional_tensor as TF

    logits = np.random.default_rng(5).standard_normal((3, 4))

    def grads(labels: np.ndarray, **options: object) -> np.ndarray:
        x = Tensor(logits.copy(), requires_grad=True)
        TF.cross_entropy(x, labels, **options).backward()
        return x.grad.numpy()

    def expected(labels: np.ndarray, smoothing: float = 0.0) -> np.ndarray:  # (softmax - targets) / N
        p = np.exp(logits - logits.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        targets = np.eye(4)[labels] * (1 - smoothing) + smoothing / 4
        return (p - targets) / 3

    labels = np.array([0, 3, 1])
    for _ in range(2):
        np.testing.assert_allclose(grads(labels), expected(labels), rtol=1e-12)
    labels[1] = 2  # the same array, changed in place
    np.testing.assert_allclose(grads(labels), expected(labels), rtol=1e-12)
    np.testing.assert_allclose(grads(labels.astype(np.int32)), expected(labels), rtol=1e-12)
    np.testing.assert_allclose(grads(labels, label_smoothing=0.1), expected(labels, 0.1), rtol=1e-12)
    np.testing.assert_allclose(grads(labels), expected(labels), rtol=1e-12)
    first = TF._class_rows_again((labels, 4, np.dtype(np.float64), 0.0, None, -100, True))
    second = TF._class_rows_again((labels, 4, np.dtype(np.float64), 0.0, None, -100, True))
    assert not np.shares_memory(first, second)
    np.testing.assert_array_equal(first, np.eye(4)[labels])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(4, 5), (128, 10), (40, 17), (1, 3)])
def test_the_modules_cross_entropy_of_rows_gives_the_kernels_bits(dtype: type, shape: tuple[int, int]) -> None:
    """SoftmaxCrossEntropy computes 2-D float64 / float32 logits without the kernels' helper calls
    (``_cross_entropy_of_rows``, ``_cross_entropy_vjp``): the kernels' loss, log-probabilities and
    gradient, bit for bit, for one-hot and soft labels, labels of a narrower dtype, column-major
    logits, and a row holding -inf or NaN (128 x 10 takes the row maximum from the transpose)."""
    rng = np.random.default_rng(11)
    for case in range(6):
        x = (rng.standard_normal(shape) * 10.0 ** rng.integers(-2, 3)).astype(dtype)
        y = np.eye(shape[1], dtype=dtype)[rng.integers(0, shape[1], shape[0])]
        if case == 1:
            y = rng.random(shape).astype(dtype)  # soft labels: sum(y) per row is not 1
        elif case == 2:
            x = np.asfortranarray(x)
        elif case == 3:
            x[0, 0] = -np.inf  # a masked class: its term is 0 where y gives it 0
            y[0] = np.eye(shape[1], dtype=dtype)[-1]
        elif case == 4:
            x[-1, -1] = np.nan
        elif case == 5:
            y = y.astype(bool if dtype == np.float32 else np.float32)
        engine = Autograd()
        loss_fn = SoftmaxCrossEntropy(engine)
        with np.errstate(all="ignore"):
            loss = loss_fn(y, x)
            engine.backward()
            expected, log_probs = F.softmax_cross_entropy_and_log_probs(y, x)
            grad = F.softmax_cross_entropy_grad_x(np.ones(1, dtype), y, x, log_probs)
        saved = engine.operation_list[-1].params["log_probs"]
        assert engine.operation_list[-1].vjp.__name__ == "_cross_entropy_vjp"  # (the modules' own)
        assert loss.dtype == expected.dtype == dtype and loss.tobytes() == expected.tobytes(), case
        assert saved.tobytes() == log_probs.tobytes(), case
        got = engine.gradient_buffer.get_param(x)
        assert got.dtype == grad.dtype and got.tobytes() == grad.tobytes(), case

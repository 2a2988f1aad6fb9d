"""Linear and the activations: closed forms, finite differences, and the primitive chains."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mytorch import NO_GRAD, Autograd
from mytorch.gradcheck import gradcheck
from mytorch.nn import functional as F
from mytorch.nn.modules import ACTIVATIONS, GELU, Identity, LeakyReLU, Linear, ReLU, Sigmoid, Softplus, Tanh


def away_from_zero(rng: np.random.Generator, shape: tuple[int, ...], dtype) -> np.ndarray:
    """Values in +-[0.1, 2.1]: no finite-difference step crosses a kink at 0."""
    return (rng.choice([-1.0, 1.0], size=shape) * (0.1 + 2 * rng.random(shape))).astype(dtype)


# ---------------------------------------------------------------------------- Linear
def test_linear_5x5_forward_and_backward_match_closed_form():
    engine = Autograd()
    layer = Linear(5, 5, engine, rng=0)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 5))
    G = rng.standard_normal((3, 5))
    W, b = layer.W.copy(), layer.b.copy()

    y = layer(x)
    np.testing.assert_allclose(y, x @ W.T + b, rtol=1e-12)
    engine.backward(G)
    np.testing.assert_allclose(layer.dW, G.T @ x, rtol=1e-12)
    np.testing.assert_allclose(layer.db, G.sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(engine.gradient_buffer.get_param(x), G @ W, rtol=1e-12)


def test_linear_records_the_handouts_two_operations():
    engine = Autograd()
    layer = Linear(4, 3, engine, rng=0)
    x = np.ones((2, 4))
    layer(x)
    matmul, add = engine.operation_list
    assert matmul.backward_operation is F.matmul_backward
    assert matmul.inputs[0] is x and matmul.inputs[1].base is layer.W
    assert matmul.gradients_to_update[1].base is layer.dW  # the view dW.T
    assert add.backward_operation is F.add_backward
    assert add.inputs[1] is layer.b and add.gradients_to_update[1] is layer.db


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch", [1, 3])
@pytest.mark.parametrize("fortran", [False, True])
def test_linears_own_vjps_give_the_general_kernels_bits(fortran, batch, dtype):
    """Linear differentiates its matmul and add with specialisations of the kernels it records."""
    rng = np.random.default_rng(5)
    for input_grad in (True, False):
        engine = Autograd()
        layer = Linear(4, 3, engine, rng=0, dtype=dtype, input_grad=input_grad)
        if fortran:  # a W replaced by the user (the autograder does) in another layout
            layer.W = np.asfortranarray(layer.W)
        x = rng.standard_normal((batch, 4)).astype(dtype)
        layer(x)
        g = rng.standard_normal((batch, 3)).astype(dtype)
        matmul, add = engine.operation_list
        assert matmul.vjp is not F.matmul_backward and add.vjp is not F.add_backward
        got = matmul.vjp(g, *matmul.inputs)
        expected = F.matmul_backward(g, *matmul.inputs)
        assert np.array_equal(got[1], expected[1])
        assert got[0] is None if not input_grad else np.array_equal(got[0], expected[0])
        for got_i, expected_i in zip(add.vjp(g, *add.inputs), F.add_backward(g, *add.inputs)):
            assert np.array_equal(got_i, expected_i) and got_i.dtype == dtype


def test_linear_without_input_grad_skips_the_data_gradient():
    engine = Autograd()
    layer = Linear(4, 3, engine, rng=0, input_grad=False)
    x = np.random.default_rng(0).standard_normal((2, 4))
    layer(x)
    assert engine.operation_list[0].gradients_to_update[0] is NO_GRAD
    G = np.ones((2, 3))
    engine.backward(G)
    np.testing.assert_allclose(layer.dW, G.T @ x)
    with pytest.raises(KeyError):
        engine.gradient_buffer.get_param(x)


def test_linear_input_grad_set_after_construction_takes_effect():
    engine = Autograd()
    layer = Linear(4, 3, engine, rng=0, input_grad=False)
    layer.input_grad = True  # e.g. a layer that was first, now behind another
    x = np.random.default_rng(0).standard_normal((2, 4))
    layer(x)
    engine.backward(np.ones((2, 3)))
    np.testing.assert_allclose(engine.gradient_buffer.get_param(x), np.ones((2, 3)) @ layer.W)
    layer.input_grad = False
    engine.zero_grad()
    layer(x)
    assert engine.operation_list[0].gradients_to_update[0] is NO_GRAD and not layer.input_grad


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch", [1, 64])
def test_linear_gradients_match_finite_differences(batch, dtype):
    engine = Autograd()
    layer = Linear(5, 3, engine, rng=2, dtype=dtype)
    x = np.random.default_rng(3).standard_normal((batch, 5)).astype(dtype)
    assert layer(x).dtype == dtype
    gradcheck(layer, [x], engine, params=layer.parameters())


@pytest.mark.parametrize("init", ["uniform", "xavier", "he"])
def test_initialisations_have_their_documented_scale(init):
    layer = Linear(400, 300, Autograd(), init=init, rng=0)
    if init == "uniform":
        bound = math.sqrt(1 / 400)
        assert np.abs(layer.W).max() <= bound and np.abs(layer.b).max() <= bound
        assert np.abs(layer.W).max() > 0.99 * bound
    elif init == "xavier":
        bound = math.sqrt(6 / 700)
        assert np.abs(layer.W).max() <= bound and np.abs(layer.W).max() > 0.99 * bound
        assert not layer.b.any()
    else:
        assert abs(layer.W.std() - math.sqrt(2 / 400)) < 0.02 * math.sqrt(2 / 400)
        assert not layer.b.any()


def test_same_seed_same_weights_and_float32_parameters():
    a = Linear(6, 4, Autograd(), rng=7, dtype=np.float32)
    b = Linear(6, 4, Autograd(), rng=7, dtype=np.float32)
    assert a.W.dtype == np.float32 and a.dW.dtype == np.float32
    np.testing.assert_array_equal(a.W, b.W)


def test_linear_rejects_bad_sizes_and_inputs():
    engine = Autograd()
    with pytest.raises(ValueError, match="in_features"):
        Linear(0, 3, engine)
    with pytest.raises(ValueError, match="out_features"):
        Linear(3, -1, engine)
    with pytest.raises(ValueError, match="init"):
        Linear(3, 2, engine, init="zeros")
    with pytest.raises(ValueError, match=r"Linear\(3, 2\).*\(N, 3\).*\(4, 5\)"):
        Linear(3, 2, engine)(np.ones((4, 5)))


# ---------------------------------------------------------------------------- activations
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("batch", [1, 64])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_gradients_match_finite_differences(name, batch, dtype):
    engine = Autograd()
    act = ACTIVATIONS[name](engine)
    x = away_from_zero(np.random.default_rng(4), (batch, 5), dtype)
    y = act(x)
    assert y.dtype == dtype and y.shape == x.shape
    assert len(engine.operation_list) == 1  # one fused kernel
    gradcheck(act, [x], engine)


def _const(value, like):
    return np.full_like(like, value)


def _op(engine, name, *inputs, const=(), **params):
    """Apply a primitive kernel; the inputs whose position is in ``const`` are NO_GRAD."""
    grads = [NO_GRAD if i in const else None for i in range(len(inputs))]
    return F.apply(engine, name, *inputs, gradients_to_update=grads, **params)


def chain_identity(e, x):
    return _op(e, "mul", x, _const(1.0, x), const=(1,))


def chain_sigmoid(e, x):  # 1 / (1 + exp(-x)): neg, exp, add, div
    denominator = _op(e, "add", _const(1.0, x), _op(e, "exp", _op(e, "neg", x)), const=(0,))
    return _op(e, "div", _const(1.0, x), denominator, const=(0,))


def chain_tanh(e, x):  # (e^x - e^-x) / (e^x + e^-x)
    up, down = _op(e, "exp", x), _op(e, "exp", _op(e, "neg", x))
    return _op(e, "div", _op(e, "sub", up, down), _op(e, "add", up, down))


def chain_relu(e, x):
    return _op(e, "maximum", x, _const(0.0, x), const=(1,))


def chain_leaky_relu(e, x):
    return _op(e, "maximum", x, _op(e, "mul", x, _const(0.01, x), const=(1,)))


def chain_softplus(e, x):  # log(1 + exp(x))
    return _op(e, "log", _op(e, "add", _const(1.0, x), _op(e, "exp", x), const=(0,)))


def chain_gelu(e, x):  # x/2 (1 + tanh(c (x + k x^3)))
    inner = _op(e, "add", x, _op(e, "mul", _op(e, "pow", x, exponent=3), _const(0.044715, x), const=(1,)))
    t = _op(e, "tanh", _op(e, "mul", inner, _const(math.sqrt(2 / math.pi), x), const=(1,)))
    half_x = _op(e, "mul", x, _const(0.5, x), const=(1,))
    return _op(e, "mul", half_x, _op(e, "add", t, _const(1.0, x), const=(1,)))


CHAINS = {
    Identity: chain_identity,
    Sigmoid: chain_sigmoid,
    Tanh: chain_tanh,
    ReLU: chain_relu,
    LeakyReLU: chain_leaky_relu,
    Softplus: chain_softplus,
    GELU: chain_gelu,
}


@pytest.mark.parametrize("cls", list(CHAINS), ids=lambda c: c.__name__)
def test_fused_activation_equals_its_chain_of_primitive_ops(cls):
    rng = np.random.default_rng(5)
    x = away_from_zero(rng, (8, 6), np.float64)
    G = rng.standard_normal(x.shape)

    fused_engine = Autograd()
    y_fused = cls(fused_engine)(x)
    assert len(fused_engine.operation_list) == 1
    fused_engine.backward(G)

    chain_engine = Autograd()
    y_chain = CHAINS[cls](chain_engine, x)
    chain_engine.backward(G)

    np.testing.assert_allclose(y_fused, y_chain, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        fused_engine.gradient_buffer.get_param(x), chain_engine.gradient_buffer.get_param(x), rtol=1e-10, atol=1e-12
    )


def test_sigmoid_is_finite_for_huge_inputs_and_keeps_its_state():
    engine = Autograd()
    act = Sigmoid(engine)
    y = act(np.array([[-1000.0, 0.0, 1000.0]]))
    np.testing.assert_array_equal(y, [[0.0, 0.5, 1.0]])
    assert act.state is y


def test_activation_rejects_non_arrays():
    with pytest.raises(TypeError, match="ReLU.forward"):
        ReLU(Autograd())([1.0, 2.0])


def test_a_broken_loss_file_does_not_break_the_kernel_table_linear_or_activations(tmp_path):
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    import mytorch

    copy = tmp_path / "mytorch"
    shutil.copytree(Path(mytorch.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    with open(copy / "nn" / "modules" / "loss.py", "a") as f:
        f.write("\nthis is not python (\n")
    code = (
        "import mytorch.nn.functional, mytorch.nn as nn, mytorch.nn.modules as M\n"
        "from mytorch.nn.modules.linear import Linear\n"
        "print(M.Linear is Linear, M.Tanh.__name__, nn.MSELoss.__module__)\n"
        "try:\n    M.MSELoss\nexcept SyntaxError:\n    print('loss.py broken')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["True", "Tanh", "mytorch.nn.losses", "loss.py", "broken"], done.stderr


def test_linear_copied_or_given_new_weights_computes_with_them() -> None:
    """Linear keeps W.T and dW.T from one forward to the next: a deep copy, a pickled copy and a
    layer whose W or dW was replaced compute (and accumulate) with their own arrays."""
    import copy
    import pickle

    from mytorch import Autograd
    from mytorch.nn.modules import Linear

    x = np.random.default_rng(0).standard_normal((2, 3))
    layer = Linear(3, 2, Autograd(), rng=0)
    layer(x)
    for clone in (copy.deepcopy(layer), pickle.loads(pickle.dumps(layer))):
        clone.W *= 2.0
        np.testing.assert_array_equal(clone(x), x @ clone.W.T + clone.b)
        clone.autograd_engine.backward(np.ones((2, 2)))
        np.testing.assert_array_equal(clone.dW, np.ones((2, 2)).T @ x)
        assert not layer.dW.any()
    layer.W = layer.W * 3.0
    layer.dW = np.zeros_like(layer.W)
    engine = layer.autograd_engine
    engine.zero_grad()
    np.testing.assert_array_equal(layer(x), x @ layer.W.T + layer.b)
    engine.backward(np.ones((2, 2)))
    np.testing.assert_array_equal(layer.dW, np.ones((2, 2)).T @ x)

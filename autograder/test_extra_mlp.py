"""Extra section ``mlp``: a network of ``Linear`` layers and activations on one engine.

The network is Linear -> Tanh -> Linear -> SoftmaxCrossEntropy, built from the modules under
test (``compute/layers.py``). Its parameters' gradients are compared with central differences
of the same network written here in NumPy; then it is trained with plain gradient descent on a
small task, and the runner measures the trained weights on held-out points itself.
"""

import numpy as np

from .checks import make_rng, numeric_vjp, one_hot, softmax
from .compute import layers
from .grading import graded


def _weights(sizes, seed) -> dict:
    """W1, b1, W2, b2 for layers of the given sizes, from a seeded generator."""
    rng = make_rng(seed)
    weights = {}
    for index, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        weights[f"W{index}"] = rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_out, n_in))
        weights[f"b{index}"] = rng.normal(0.0, 0.1, size=n_out)
    return weights


def numpy_loss(W1, b1, W2, b2, x, y):
    """The same network and loss, written here: the reference."""
    logits = np.tanh(x @ W1.T + b1) @ W2.T + b2
    return -(y * np.log(softmax(logits))).sum() / len(x)


def _gradient_data() -> dict:
    rng = make_rng(81)
    return {**_weights([4, 8, 3], 80), "x": rng.standard_normal((5, 4)), "y": one_hot(rng.integers(0, 3, size=5), 3)}


@graded("mlp", 2, "gradients of a two-layer network", inputs=_gradient_data, computes=layers.mlp_gradients,
        rtol=1e-5, atol=1e-8)  # fmt: skip
def test_mlp_gradients(W1, b1, W2, b2, x, y):
    params = [W1, b1, W2, b2, x, y]
    return {f"{name}'s gradient": numeric_vjp(numpy_loss, params, index, 1.0)
            for index, name in enumerate(["W1", "b1", "W2", "b2"])}  # fmt: skip


def _disc(n: int, seed: int):
    """Points in the square [-1, 1]^2, labelled 1 inside the disc of area 2 (half the square)."""
    x = make_rng(seed).uniform(-1.0, 1.0, size=(n, 2))
    labels = ((x**2).sum(axis=1) < 2.0 / np.pi).astype(int)
    return x, labels


def _disc_data() -> dict:
    x, labels = _disc(256, 83)
    return {**_weights([2, 16, 2], 82), "x": x, "y": one_hot(labels, 2)}


@graded("mlp", 3, "learns the disc task", inputs=_disc_data, computes=layers.mlp_train, steps=400, lr=1.0)
def test_mlp_learns_disc(W1, b1, W2, b2, x, y, computed):
    """Full-batch gradient descent: the trained weights (measured here, not by the code under
    test), of the shapes they started with, must halve the training loss and classify
    held-out points. (The shapes are checked first: weights of other shapes would be another
    network, and ones that broadcast would make this process compute arrays hundreds of times
    larger than the result it received.)"""
    trained = {name: np.asarray(computed[name]) for name in ["W1", "b1", "W2", "b2"] if name in computed}
    if len(trained) < 4:
        raise AssertionError(f"the trained weights W1, b1, W2, b2 were not all returned (got {sorted(trained)})")
    for name, initial in {"W1": W1, "b1": b1, "W2": W2, "b2": b2}.items():  # before any conversion or arithmetic
        if trained[name].shape != initial.shape:
            raise AssertionError(f"trained {name}: got shape {trained[name].shape}, expected shape {initial.shape}")
    trained = {name: array.astype(float) for name, array in trained.items()}
    before, after = numpy_loss(W1, b1, W2, b2, x, y), numpy_loss(**trained, x=x, y=y)
    if not after < 0.5 * before:  # (raised, not asserted: under python -O an assert passed any weights)
        raise AssertionError(f"the loss went from {before:.4f} to only {after:.4f}")
    x_test, labels_test = _disc(500, 84)
    logits = np.tanh(x_test @ trained["W1"].T + trained["b1"]) @ trained["W2"].T + trained["b2"]
    accuracy = float((np.argmax(logits, axis=1) == labels_test).mean())
    if not accuracy >= 0.9:
        raise AssertionError(f"held-out accuracy {accuracy:.3f} after training; expected at least 0.9")
    return {}

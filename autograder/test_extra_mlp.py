"""Extra section ``mlp``: a network of ``Linear`` layers and activations on one engine.

The network is Linear -> Tanh -> Linear -> SoftmaxCrossEntropy, built from the modules under
test. Its parameters' gradients are compared with central differences of the same network
written here in NumPy; then it is trained with plain gradient descent on a small task.
"""

import numpy as np

from .checks import assert_close, make_rng, numeric_vjp, one_hot, softmax
from .grading import graded


def _network(sizes, seed):
    """Two Linear layers with seeded weights, a Tanh and a SoftmaxCrossEntropy on one engine."""
    from mytorch.autograd_engine import Autograd
    from mytorch.nn.modules.activation import Tanh
    from mytorch.nn.modules.linear import Linear
    from mytorch.nn.modules.loss import SoftmaxCrossEntropy

    rng = make_rng(seed)
    autograd = Autograd()
    layers = [Linear(n_in, n_out, autograd) for n_in, n_out in zip(sizes[:-1], sizes[1:])]
    for layer, n_in, n_out in zip(layers, sizes[:-1], sizes[1:]):
        layer.W = rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_out, n_in))
        layer.b = rng.normal(0.0, 0.1, size=n_out)
    return autograd, layers, Tanh(autograd), SoftmaxCrossEntropy(autograd)


def _loss(autograd, layers, tanh, criterion, x, y):
    """Forward through the network, recording onto ``autograd``; returns the loss and logits."""
    logits = layers[1].forward(tanh.forward(layers[0].forward(x)))
    return criterion.forward(y, logits), logits


def _numpy_loss(W1, b1, W2, b2, x, y):
    """The same network and loss, written here: the reference."""
    logits = np.tanh(x @ W1.T + b1) @ W2.T + b2
    return -(y * np.log(softmax(logits))).sum() / len(x)


@graded("mlp", 2, "gradients of a two-layer network")
def test_mlp_gradients():
    autograd, layers, tanh, criterion = _network([4, 8, 3], 80)
    rng = make_rng(81)
    x, y = rng.standard_normal((5, 4)), one_hot(rng.integers(0, 3, size=5), 3)
    _loss(autograd, layers, tanh, criterion, x, y)
    autograd.backward(1)
    params = [layers[0].W, layers[0].b, layers[1].W, layers[1].b, x, y]
    grads = {"W1": layers[0].dW, "b1": layers[0].db, "W2": layers[1].dW, "b2": layers[1].db}
    for index, (name, grad) in enumerate(grads.items()):
        assert_close(f"{name}'s gradient", grad, numeric_vjp(_numpy_loss, params, index, 1.0), rtol=1e-5, atol=1e-8)


def _disc(n: int, seed: int):
    """Points in the square [-1, 1]^2, labelled 1 inside the disc of area 2 (half the square)."""
    x = make_rng(seed).uniform(-1.0, 1.0, size=(n, 2))
    labels = ((x**2).sum(axis=1) < 2.0 / np.pi).astype(int)
    return x, labels


@graded("mlp", 3, "learns the disc task")
def test_mlp_learns_disc():
    """Full-batch gradient descent; the trained network must classify held-out points."""
    autograd, layers, tanh, criterion = _network([2, 16, 2], 82)
    x, labels = _disc(256, 83)
    y = one_hot(labels, 2)
    losses = []
    for _ in range(400):
        autograd.zero_grad()
        for layer in layers:
            layer.dW.fill(0.0)
            layer.db.fill(0.0)
        loss, _ = _loss(autograd, layers, tanh, criterion, x, y)
        losses.append(float(np.reshape(loss, -1)[0]))
        autograd.backward(1)
        for layer in layers:
            layer.W -= 1.0 * layer.dW
            layer.b -= 1.0 * layer.db
    assert losses[-1] < 0.5 * losses[0], f"the loss went from {losses[0]:.4f} to only {losses[-1]:.4f}"
    x_test, labels_test = _disc(500, 84)
    _, logits = _loss(autograd, layers, tanh, criterion, x_test, one_hot(labels_test, 2))
    accuracy = float((np.argmax(logits, axis=1) == labels_test).mean())
    assert accuracy >= 0.9, f"held-out accuracy {accuracy:.3f} after training; expected at least 0.9"

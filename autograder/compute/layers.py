"""What the student's modules compute: ``Linear``, the activations, the losses and an MLP
(sections ``linear``, ``activation``, ``loss`` and their extras, ``mlp``)."""

from __future__ import annotations

import numpy as np

__all__ = [
    "activation",
    "linear",
    "linear_backward",
    "linear_skip",
    "loss",
    "mlp_gradients",
    "mlp_train",
]


def _arrays(result: dict) -> dict[str, np.ndarray]:
    """The computed values as float arrays (a value the code did not produce is left out)."""
    return {key: np.asarray(value, dtype=float) for key, value in result.items() if value is not None}


def _layer(autograd, W: np.ndarray, b: np.ndarray):
    """``Linear(in, out, autograd)`` holding copies of the given weights."""
    from mytorch.nn.modules.linear import Linear

    layer = Linear(W.shape[1], W.shape[0], autograd)
    layer.W, layer.b = W.copy(), b.copy()
    return layer


def linear(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``Linear.forward(x)``, and x itself afterwards (which must not change)."""
    from mytorch.autograd_engine import Autograd

    x = arrays["x"].copy()
    y = _layer(Autograd(), arrays["W"], arrays["b"]).forward(x)
    return _arrays({"x after Linear.forward(x)": x, "Linear.forward(x)": y})


def linear_backward(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """dW, db and the gradient of x (from the gradient buffer) after ``autograd.backward(1)``
    (the handout's convention), and, on a second layer, after ``autograd.backward(G)``."""
    from mytorch.autograd_engine import Autograd

    result = {}
    for suffix, key in (("after backward(1)", ""), ("after backward(G)", "2")):
        autograd = Autograd()
        layer, x = _layer(autograd, arrays["W" + key], arrays["b" + key]), arrays["x" + key]
        layer.forward(x)
        autograd.backward(arrays["G"] if key else 1)
        result.update({f"dW {suffix}": layer.dW, f"db {suffix}": layer.db,
                       f"gradient of x {suffix}": autograd.gradient_buffer.get_param(x)})  # fmt: skip
    return _arrays(result)


def linear_skip(arrays: dict[str, np.ndarray], backward: bool = False) -> dict[str, np.ndarray]:
    """y = Linear(x) + x, the sum recorded with the handout's ``add_backward``; with ``backward``,
    the gradients after ``autograd.backward(G)``. Also x itself after the forward pass."""
    from mytorch.autograd_engine import Autograd
    from mytorch.nn.functional import add_backward

    autograd = Autograd()
    layer, x = _layer(autograd, arrays["W"], arrays["b"]), arrays["x"].copy()
    out = layer.forward(x)
    y = out + x
    autograd.add_operation([out, x], y, [None, None], add_backward)
    result = {"x after the forward pass": x.copy()}
    if not backward:
        return _arrays({**result, "Linear(x) + x": y})
    autograd.backward(arrays["G"])
    return _arrays({**result, "dW": layer.dW, "db": layer.db, "gradient of x": autograd.gradient_buffer.get_param(x)})


def activation(arrays: dict[str, np.ndarray], cls: str, backward: bool = False, **kwargs) -> dict[str, np.ndarray]:
    """``<cls>(autograd).forward(x)``; with ``backward``, after ``autograd.backward(G)``: the
    gradient of x, and x itself (which must not change); and the gradient of c in
    ``<cls>(x) + c`` (the sum recorded with ``add_backward``) after ``autograd.backward(G)``."""
    from mytorch.autograd_engine import Autograd
    from mytorch.nn.modules import activation as activations

    autograd = Autograd()
    act, x = getattr(activations, cls)(autograd, **kwargs), arrays["x"].copy()
    out = act.forward(x)
    if not backward:
        return _arrays({f"{cls}.forward(x)": out})
    autograd.backward(arrays["G"])
    result = {f"gradient of x through {cls}": autograd.gradient_buffer.get_param(x),
              f"x after {cls}'s forward and backward": x}  # fmt: skip
    # The output feeds a sum with another array c: the sum's backward (the given add_backward)
    # hands the same upstream gradient array to both terms, so a kernel that writes into its
    # grad_output changes c's gradient where the engine keeps that array as it is. (Only c's
    # is reported: it asks nothing more of the engine than one operation after another.)
    from mytorch.nn.functional import add_backward

    autograd = Autograd()
    act, x, c = getattr(activations, cls)(autograd, **kwargs), arrays["x"].copy(), np.zeros_like(arrays["x"])
    out = act.forward(x)
    autograd.add_operation([out, c], out + c, [None, None], add_backward)
    autograd.backward(arrays["G"])
    result[f"gradient of c in {cls}(x) + c (the upstream gradient both terms share)"] = np.array(
        autograd.gradient_buffer.get_param(c)
    )
    return _arrays(result)


def loss(
    arrays: dict[str, np.ndarray], cls: str, backward: bool = False, cases: list[dict] | None = None
) -> dict[str, np.ndarray]:
    """``<cls>(autograd).forward(y, y_hat)`` (one value); with ``backward``, after
    ``autograd.backward(1)``: the gradient of y_hat. Also y_hat itself after the forward pass.

    ``cases`` lists further inputs, each ``{"suffix": s, "label": ...}``: the same on
    ``y<s>``, ``y_hat<s>``, the values named with ``label`` appended. With backward, a case's
    ``"scale"`` k records ``k * loss`` after the loss, by a rule written here, so that the
    loss's kernel receives ``grad_output`` k from ``backward(1)`` (whatever the engine does with
    a divergence other than 1). The loss it scales is the output of the last operation on the
    tape: the one ``backward(1)`` would have started from, whatever object ``forward`` returned.
    """
    from mytorch.autograd_engine import Autograd
    from mytorch.nn.modules import loss as losses

    result = {}
    for case in [{"suffix": "", "label": ""}, *(cases or [])]:
        suffix, label = case["suffix"], case["label"]
        autograd = Autograd()
        y, y_hat = arrays["y" + suffix], arrays["y_hat" + suffix].copy()
        value = getattr(losses, cls)(autograd).forward(y, y_hat)
        if np.size(value) != 1:
            raise ValueError(f"{cls} returned {np.size(value)} values; expected one (shape (1,))")
        if not suffix:
            result["y_hat after the forward pass"] = y_hat.copy()
        if not backward:
            result[f"{cls}(y, y_hat){label}"] = np.reshape(value, 1)
            continue
        if "scale" in case:
            factor = float(case["scale"])

            def scale_rule(grad_output, loss_value, factor=factor):
                return (grad_output * factor,)

            recorded = autograd.operation_list[-1].output
            autograd.add_operation([recorded], recorded * factor, [None], scale_rule)
        autograd.backward(1)
        result[f"gradient of y_hat{label}"] = autograd.gradient_buffer.get_param(y_hat)
    return _arrays(result)


def _network(arrays: dict[str, np.ndarray]):
    """Linear -> Tanh -> Linear -> SoftmaxCrossEntropy on one engine, with the given weights."""
    from mytorch.autograd_engine import Autograd
    from mytorch.nn.modules.activation import Tanh
    from mytorch.nn.modules.loss import SoftmaxCrossEntropy

    autograd = Autograd()
    layers = [_layer(autograd, arrays["W1"], arrays["b1"]), _layer(autograd, arrays["W2"], arrays["b2"])]
    tanh, criterion = Tanh(autograd), SoftmaxCrossEntropy(autograd)

    def forward(x, y):
        return criterion.forward(y, layers[1].forward(tanh.forward(layers[0].forward(x))))

    return autograd, layers, forward


def mlp_gradients(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The network's parameter gradients after ``backward(1)`` on the loss of (x, y)."""
    autograd, layers, forward = _network(arrays)
    forward(arrays["x"], arrays["y"])
    autograd.backward(1)
    return _arrays({"W1's gradient": layers[0].dW, "b1's gradient": layers[0].db,
                    "W2's gradient": layers[1].dW, "b2's gradient": layers[1].db})  # fmt: skip


def mlp_train(arrays: dict[str, np.ndarray], steps: int, lr: float) -> dict[str, np.ndarray]:
    """Full-batch gradient descent on (x, y) for ``steps`` steps; returns the trained weights."""
    autograd, layers, forward = _network(arrays)
    for _ in range(steps):
        autograd.zero_grad()
        for layer in layers:
            layer.dW.fill(0.0)
            layer.db.fill(0.0)
        forward(arrays["x"], arrays["y"])
        autograd.backward(1)
        for layer in layers:
            layer.W -= lr * layer.dW
            layer.b -= lr * layer.db
    return _arrays({"W1": layers[0].W, "b1": layers[0].b, "W2": layers[1].W, "b2": layers[1].b})

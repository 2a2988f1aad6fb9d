"""Section ``loss`` (5 points): ``SoftmaxCrossEntropy``, forward 1 + backward 4.

The handout's convention: a one-hot ``y`` of shape (1, 5), ``loss = criterion(y, y_hat)``,
then ``autograd.backward(1)`` (``compute.layers.loss`` runs it in the worker). Closed forms:
loss = -sum(y * log softmax(y_hat)) and d loss / d y_hat = softmax(y_hat) - y (one example).

What the starter asks of the loss is checked on further inputs too (``CASES``): a batch of 3
(the mean over the batch), logits near +-1000 (stable for any logits: e**1000 overflows unless
the softmax is shifted by the row maximum), and for the backward 2.5 times the loss, so that
its kernel receives a ``grad_output`` of 2.5 (which it multiplies by). The loss must leave
``y_hat`` as it was.
"""

import numpy as np

from .checks import make_rng, one_hot, softmax
from .compute import layers
from .grading import graded


def labelled_batch(seed: int, batch: int = 1, classes: int = 5):
    """One-hot labels y and logits y_hat for ``batch`` examples."""

    def make() -> dict:
        rng = make_rng(seed)
        return {"y": one_hot(rng.integers(0, classes, size=batch), classes),
                "y_hat": rng.normal(0.0, 2.0, size=(batch, classes))}  # fmt: skip

    return make


def cross_entropy(y, y_hat):
    """The mean over the examples of -sum(y * log softmax(y_hat))."""
    return [-(y * np.log(softmax(y_hat))).sum() / len(y)]


def _cases(backward: bool) -> list[dict]:
    """The further inputs of the course's tests (see the module's docstring)."""
    cases = [{"suffix": "_batch", "label": " on a batch of 3 examples (the mean over the batch)"},
             {"suffix": "_large", "label": " with logits near +-1000 (stable for any logits)"}]  # fmt: skip
    if backward:
        cases.append({"suffix": "_scaled", "label": " of 2.5 * loss (times the upstream gradient)", "scale": 2.5})
    return cases


def _course_inputs(seed: int, backward: bool):
    """The handout's example and the further cases' inputs, from their own seeds."""

    def make() -> dict:
        inputs = labelled_batch(seed)()
        for offset, case in enumerate(_cases(backward), start=1):
            suffix = case["suffix"]
            extra = labelled_batch(seed + 100 * offset, batch=3 if suffix == "_batch" else 2)()
            if suffix == "_large":  # multiples of 1/64 near +-1000: exact in float32 too, whose rounding
                # of 1000 + x (6e-5) would otherwise fail a float32 solution here, and for the wrong reason
                extra["y_hat"] = np.round(extra["y_hat"] * 64) / 64 + np.array([[1000.0], [-1000.0]])
            inputs.update({"y" + suffix: extra["y"], "y_hat" + suffix: extra["y_hat"]})
        return inputs

    return make


def _labelled(backward: bool, reference, inputs: dict) -> dict:
    """``reference(y, y_hat)`` of the handout's example and of each further case, by name."""
    expected = {"y_hat after the forward pass": inputs["y_hat"]}
    for case in [{"suffix": "", "label": ""}, *_cases(backward)]:
        suffix = case["suffix"]
        value = reference(inputs["y" + suffix], inputs["y_hat" + suffix])
        scale = case.get("scale", 1.0)
        name = "gradient of y_hat" if backward else "SoftmaxCrossEntropy(y, y_hat)"
        expected[name + case["label"]] = value if not backward else scale * np.asarray(value)
    return expected


@graded("loss", 1, "SoftmaxCrossEntropy forward", inputs=_course_inputs(30, False), computes=layers.loss,
        cls="SoftmaxCrossEntropy", cases=_cases(False))  # fmt: skip
def test_softmax_cross_entropy_forward(y, y_hat, **further):
    return _labelled(False, cross_entropy, {"y": y, "y_hat": y_hat, **further})


@graded("loss", 4, "SoftmaxCrossEntropy backward", inputs=_course_inputs(31, True), computes=layers.loss,
        cls="SoftmaxCrossEntropy", backward=True, cases=_cases(True))  # fmt: skip
def test_softmax_cross_entropy_backward(y, y_hat, **further):
    return _labelled(True, lambda y, y_hat: (softmax(y_hat) - y) / len(y), {"y": y, "y_hat": y_hat, **further})

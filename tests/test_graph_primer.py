"""The graph primer's exact gradients equal central finite differences of its own loss, for
every form an expression can take.

Each case builds a graph, picks data and targets, and compares the gradient that
``loss_and_gradients`` leaves in each parameter's ``dparam`` array with
``(loss(p + eps) - loss(p - eps)) / 2 eps`` computed by the same function on fresh tapes.
"""

import numpy as np
import pytest

from hw_bonus.demos import graph_primer
from mytorch import Autograd

FORMS = {
    "bare parameter beside a bare variable": ["xb=bc+xa"],
    "bare parameter beside a product": ["xb=ab*xa+bc"],
    "parameter times variable": ["xb=ab*xa"],
    "parameter times a product of variables": ["xb=ab*xa", "xc=ac*xa*xb"],
    "powers of parameters and variables": ["xb=ab^2*xa^3+ac^3"],
    "several terms": ["xb=ab*xa+ac*xa^2+bc+cd*xa"],
    "one parameter in several factors and terms": ["xb=ab*ab*xa+ab"],
    "bare variable and bare intermediate": ["xb=xa", "xc=ab*xb", "xd=xc"],
    "several outputs": ["xb=ab*xa+bc", "xc=cd*xb^2+xa", "xd=ac*xb"],
    "a bare-parameter variable used downstream": ["xb=bc", "xc=xb*xa+bc", "xd=ab*xb^2*xa"],
    "the primer's example": graph_primer.EXPRESSIONS,
}


def _loss(graph, inputs, targets, values: dict[str, float]) -> float:
    return graph_primer.loss_and_gradients(graph, Autograd(), inputs, targets, graph_primer.make_params(values))


@pytest.mark.parametrize("expressions", list(FORMS.values()), ids=list(FORMS))
def test_every_parameter_gradient_equals_central_differences(expressions):
    rng = np.random.default_rng(7)
    graph = graph_primer.ComputationalGraph(expressions)
    inputs = {v: rng.uniform(-1.0, 1.0, 12) for v in graph.input_vars}
    targets = {v: rng.uniform(-1.0, 1.0, 12) for v in graph.output_vars}
    start = {name: float(v) for name, v in zip(graph.params, rng.uniform(0.5, 1.5, len(graph.params)))}

    params = graph_primer.make_params(start)
    graph_primer.loss_and_gradients(graph, Autograd(), inputs, targets, params)
    eps = 1e-6
    for name, (_, grad) in params.items():
        up = _loss(graph, inputs, targets, start | {name: start[name] + eps})
        down = _loss(graph, inputs, targets, start | {name: start[name] - eps})
        numeric = (up - down) / (2 * eps)
        assert abs(numeric) > 1e-3, f"{name}: the case should give every parameter a visible gradient"
        assert grad[0] == pytest.approx(numeric, rel=1e-5, abs=1e-8), name


def test_a_bare_parameter_term_trains():
    """'xb=ab*xa+bc': bc used to get a gradient of 0 and never moved from its guess."""
    graph = graph_primer.ComputationalGraph(["xb=ab*xa+bc"])
    inputs, targets = graph_primer.gen_gt_dataset(graph, {"ab": 1.0, "bc": 2.0}, 200, np.random.default_rng(1))
    params = graph_primer.make_params({"ab": 0.2, "bc": 0.1})
    graph_primer.train(graph, inputs, targets, params, steps=400, lr=0.05)
    assert params["ab"][0][0] == pytest.approx(1.0, abs=1e-3)
    assert params["bc"][0][0] == pytest.approx(2.0, abs=1e-3)


def test_forward_leaves_the_parameters_arrays_alone():
    """A bare-parameter variable is a view recorded through identity, never the parameter's own array."""
    graph = graph_primer.ComputationalGraph(["xb=bc"])
    params = graph_primer.make_params({"bc": 3.0})
    values = graph.forward(Autograd(), {}, params)
    assert values["xb"] is not params["bc"][0] and values["xb"][0] == 3.0

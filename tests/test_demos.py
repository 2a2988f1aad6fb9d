"""The source documents' demos reproduce the documents' numbers (each demo's ``main`` run in-process)."""

import math
import re

import numpy as np
import pytest

import mytorch
from hw_bonus.demos import custom_op, disc_cv, functions, graph_primer, lab_trace, newton
from mytorch import Autograd


# ------------------------------------------------------------------ the CMU lab: its traces
@pytest.fixture(scope="module")
def lab() -> dict:
    return lab_trace.main([])


def test_lab_values_to_three_decimals(lab):
    assert round(lab["y"], 3) == 11.652
    assert round(lab["dy_dx1"], 3) == 5.5
    assert round(lab["dy_dx2"], 3) == 1.716
    assert round(lab["dy_dx2_forward"], 3) == 1.716
    assert lab["agrees"]


def test_lab_traces_match_calculus(lab):
    x1, x2 = 2.0, 5.0
    assert lab["primal"][2:] == pytest.approx(
        [math.log(x1), x1 * x2, math.sin(x2), math.log(x1) + x1 * x2, math.log(x1) + x1 * x2 - math.sin(x2)]
    )
    assert lab["tangent"] == pytest.approx([1, 0, 1 / x1, x2, 0, 1 / x1 + x2, 1 / x1 + x2])
    assert lab["adjoint"] == pytest.approx([x2 + 1 / x1, x1 - math.cos(x2), 1, 1, -1, 1, 1])


def test_lab_epsilon_study_shows_truncation_and_round_off(lab):
    # the central difference is best near 1e-5; both a large and a tiny epsilon are far worse
    assert 1e-7 <= lab["best_eps_central"] <= 1e-3
    assert lab["best_error_central"] < 1e-9
    assert lab["error_central_large_eps"] > 1e3 * lab["best_error_central"]
    assert lab["error_central_tiny_eps"] > 1e3 * lab["best_error_central"]
    assert lab["best_eps_forward"] > 1e-10 and lab["best_error_forward"] > lab["best_error_central"]


def test_lab_at_another_point_matches_calculus():
    out = lab_trace.main(["--x1", "0.5", "--x2", "-1.25"])
    assert out["dy_dx1"] == pytest.approx(1 / 0.5 - 1.25)
    assert out["dy_dx2"] == pytest.approx(0.5 - math.cos(-1.25))


@pytest.mark.parametrize(("x1", "x2"), [(2.0, 5.0), (0.5, -1.25)])
def test_lab_second_order_matches_the_closed_form(x1, x2):
    out = lab_trace.main(["--x1", str(x1), "--x2", str(x2), "--second-order"])
    closed = [[-1 / x1**2, 1.0], [1.0, math.sin(x2)]]
    assert out["agrees"] is ((x1, x2) == (2.0, 5.0))  # the lab's slides hold the numbers at (2, 5)
    assert out["hessian"] == [pytest.approx(row, rel=1e-12) for row in closed]
    assert out["hessian_func"] == [pytest.approx(row, rel=1e-12) for row in closed]


def test_newton_converges_in_a_handful_of_steps_where_gradient_descent_needs_thousands():
    out = newton.main(["--per-class", "200", "--gd-steps", "2000", "--seed", "1"])
    assert out["newton_steps"] <= 10
    assert out["gradient_norms"][-1] < 1e-10
    norms = out["gradient_norms"]
    assert norms[-2] < 1e-3 and norms[-1] < norms[-2] ** 1.5  # quadratic convergence at the end
    assert out["accuracy"] > 0.85
    assert out["gd_steps"] > 100 * out["newton_steps"]
    assert min(out["hessian_eigenvalues"]) > 0  # a minimum


# ------------------------------------------------------------------ the Purdue lecture: the graph primer
@pytest.fixture(scope="module")
def primer(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("primer")
    return graph_primer.main(["--steps", "1000", "--size", "500", "--seed", "3", "--out", str(out)]) | {"out": out}


def test_primer_graph_structure(primer):
    assert primer["depends_on"] == {"xx": ["xa"], "xy": ["xa", "xx"], "xz": ["xx", "xy"], "xw": ["xx", "xz"]}
    assert primer["leads_to"] == {"xa": ["xx", "xy"], "xx": ["xy", "xz", "xw"], "xy": ["xz"], "xz": ["xw"]}
    assert primer["input_vars"] == ["xa"] and primer["output_vars"] == ["xw"]
    assert primer["params"] == ["ab", "ac", "bc", "cd"]


def test_primer_loss_falls_and_identifiable_params_recovered(primer):
    losses = primer["losses"]
    assert losses[0] / losses[-1] >= 100
    found = primer["identifiable"]
    assert found["ab + bc"] == pytest.approx(3.0, abs=1e-2)
    assert found["ac"] == pytest.approx(4.0, abs=1e-2)
    assert found["cd"] == pytest.approx(3.0, abs=1e-2)
    # ab and bc always get equal gradients: their difference never moves
    learned, guess = primer["learned"], primer["guess"]
    assert learned["ab"] - learned["bc"] == pytest.approx(guess["ab"] - guess["bc"], abs=1e-9)


def test_primer_graphs(primer):
    dot = graph_primer.ComputationalGraph(graph_primer.EXPRESSIONS).to_dot()
    assert dot.startswith("digraph") and dot.count("->") == 7 and 'xx -> xy [label="ab"]' in dot
    assert primer["graph"].is_file() and primer["tape_graph"].is_file()
    if primer["tape_graph"].suffix == ".dot":  # no Graphviz: the DOT text itself, 9 ops with their arrows
        text = primer["tape_graph"].read_text()
        assert text.count("shape=box") == 9 and text.count("-> op") == 16


def unnamed_leaves(dot: str) -> list[str]:
    """The labels of the value nodes no operation produces (the graph's leaves) that carry no
    name: neither ``v1 = xa`` nor a constant shown by its value."""
    labels = dict(re.findall(r'^  (value\d+) \[label="([^"]*)"', dot, flags=re.M))
    produced = set(re.findall(r"-> (value\d+);", dot))
    leaves = [labels[node].split("\\n")[0] for node in labels if node not in produced]
    return [label for label in leaves if not re.fullmatch(r"v\d+ = \w+|-?[\d.e+-]+", label)]


def test_every_leaf_of_the_demos_graphs_is_named(primer, tmp_path):
    assert primer["tape_dot"].count("shape=box") == 9
    assert unnamed_leaves(primer["tape_dot"]) == []
    named = set(re.findall(r'"(v\d+ = \w+)', primer["tape_dot"]))
    assert {"v1 = xa", "v2 = ab", "v3 = ac", "v4 = bc", "v5 = cd"} <= named
    x1, x2 = mytorch.Tensor([1.0], requires_grad=True), mytorch.Tensor([2.0], requires_grad=True)
    z = functions.EXAMPLES[0].fn(mytorch, x1, x2)
    assert unnamed_leaves(mytorch.viz.to_dot(z)) != []  # the check sees an unnamed leaf
    drawn = functions.draw_f(tmp_path)
    if drawn.suffix == ".dot":
        assert unnamed_leaves(drawn.read_text()) == []


def test_primer_gradients_match_finite_differences(rng):
    graph = graph_primer.ComputationalGraph(graph_primer.EXPRESSIONS)
    inputs, targets = graph_primer.gen_gt_dataset(graph, graph_primer.TRUE_PARAMS, 20, rng)
    start = {"ab": 0.3, "ac": 1.1, "bc": 0.7, "cd": 2.0}

    def loss(values: dict) -> float:
        out = graph.forward(None, inputs, graph_primer.make_params(values))
        return float(np.mean((out["xw"] - targets["xw"]) ** 2))

    params = graph_primer.make_params(start)
    graph_primer.loss_and_gradients(graph, Autograd(), inputs, targets, params)
    for name, (_, grad) in params.items():
        eps = 1e-6
        numeric = (loss(start | {name: start[name] + eps}) - loss(start | {name: start[name] - eps})) / (2 * eps)
        assert grad[0] == pytest.approx(numeric, rel=1e-5)


@pytest.mark.parametrize("bad", ["xy", "y=ab*xa", "xy=ab*+xa", "xy=2ab*xa"])
def test_primer_rejects_malformed_expressions(bad):
    with pytest.raises(ValueError, match="graph_primer"):
        graph_primer.ComputationalGraph([bad])


def test_primer_rejects_a_cycle():
    with pytest.raises(ValueError, match="cycle"):
        graph_primer.ComputationalGraph(["xa=xb^2", "xb=ab*xa", "xc=xa"])


# ------------------------------------------------------------------ the EPFL report: the disc data, Table I
def test_disc_quick_tanh_reaches_95_percent():
    out = disc_cv.main(["--quick", "--models", "tanh", "relu-clipped"])
    results = out["results"]
    assert set(results) == {"tanh", "relu clipped"}
    assert results["tanh"]["test_acc"] >= 0.95
    assert results["relu clipped"]["test_acc"] >= 0.9


def test_disc_cross_validation_statistics_over_folds():
    (x, y), _ = disc_cv.load_disc()
    assert len(x) == 8000 and x.shape[1] == 2
    train_acc, test_acc = disc_cv.cross_validate(disc_cv.MODELS[0], 0.003, x[:600], y[:600], 3, 2, 1, 0)
    assert train_acc.shape == test_acc.shape == (6,)
    assert ((0 <= test_acc) & (test_acc <= 1)).all() and len(set(test_acc)) > 1


# ------------------------------------------------------------------ the Graduating Autograd brief: f, g, h, AND
@pytest.fixture(scope="module")
def brief(tmp_path_factory) -> dict:
    return functions.main(["--out", str(tmp_path_factory.mktemp("brief"))])


@pytest.mark.parametrize("example", functions.EXAMPLES, ids=lambda e: e.name.split("(")[0])
def test_brief_gradients_match_calculus_at_several_points(example):
    assert len(example.points) >= 2
    for point in example.points:
        ours = functions.engine_gradients(example, point)
        for a, c, n in zip(ours, example.calculus(*point), functions.finite_differences(example, point)):
            np.testing.assert_allclose(a, np.broadcast_to(c, a.shape), rtol=1e-12, atol=1e-12)
            np.testing.assert_allclose(a, n, rtol=1e-6, atol=1e-7)


def test_brief_f_at_the_snippets_point():
    # the brief's own calculus lines: dz/dx1 = sin(x2)/x1, dz/dx2 = cos(x2) log(x1 x2) + sin(x2)/x2 at (1, 2)
    d1, d2 = functions.engine_gradients(functions.EXAMPLES[0], (np.array([1.0]), np.array([2.0])))
    assert d1[0] == pytest.approx(math.sin(2.0)) and round(d1[0], 4) == 0.9093
    assert d2[0] == pytest.approx(math.cos(2.0) * math.log(2.0) + math.sin(2.0) / 2) and round(d2[0], 4) == 0.1662


def test_brief_draws_f_as_the_brief_pictures_it(brief):
    assert brief["graph"].is_file()
    if brief["graph"].suffix == ".dot":  # no Graphviz: check the DOT text
        text = brief["graph"].read_text()
        assert text.count("fillcolor=orange") == 6 and text.count("fillcolor=lightgray") == 4
        assert "grad 0.909" in text and "grad 0.166" in text


def test_brief_demo_reports_tiny_errors_and_trains(brief):
    for name, err in brief["errors"].items():
        assert err["calculus"] < 1e-12, name
        assert err["finite_difference"] < 1e-6, name
    assert brief["and_accuracy"] == 1.0
    assert brief["and_losses"][-1] < 0.1 * brief["and_losses"][0]
    assert brief["xor_test_accuracy"] >= 0.95


# ------------------------------------------------------------------ the Purdue lecture: extending autograd
def test_custom_op_gradient_is_analytic_plus_saved_error(rng):
    x = rng.uniform(-3.0, 300.0, size=(5, 3))
    leaf = mytorch.Tensor(x, requires_grad=True)
    q = custom_op.Quantize.apply(leaf)
    expected_q = np.clip(np.trunc(x), 0, 255)
    np.testing.assert_array_equal(q.data, expected_q)
    mytorch.tanh(q).sum().backward()
    analytic = 1.0 - np.tanh(expected_q) ** 2
    np.testing.assert_allclose(leaf.grad, analytic + (x - expected_q), rtol=1e-12, atol=1e-12)


def test_custom_op_records_on_an_engine_like_a_kernel(engine, rng):
    x = rng.uniform(0.0, 10.0, size=(4, 2))
    q = custom_op.Quantize.record(engine, x)
    engine.backward(np.ones_like(q))
    np.testing.assert_allclose(engine.gradient_buffer.get_param(x), 1.0 + (x - np.trunc(x)))


def test_custom_op_demo_trains_the_two_gaussian_classifier():
    out = custom_op.main(["--epochs", "2"])
    assert out["gradient_gap"] == 0.0
    assert out["quantized"]["accuracy"] >= 0.85 and out["float"]["accuracy"] >= 0.85
    assert out["quantized"]["losses"][-1] < out["quantized"]["losses"][0]


# ------------------------------------------------------------------ command lines
@pytest.mark.parametrize(
    ("demo", "argv"),
    [
        (disc_cv, ["--epochs", "0"]),
        (disc_cv, ["--lrs", "0.01", "-1"]),
        (graph_primer, ["--steps", "-5"]),
        (graph_primer, ["--lr", "0"]),
        (custom_op, ["--batch-size", "0"]),
    ],
)
def test_demos_refuse_bad_arguments(demo, argv, capsys):
    with pytest.raises(SystemExit):
        demo.main(argv)
    assert "must be a positive" in capsys.readouterr().err


def test_demos_take_small_odd_settings(tmp_path):
    out = graph_primer.main(["--steps", "3", "--size", "10", "--out", str(tmp_path)])
    assert len(out["losses"]) == 3
    out = custom_op.main(["--epochs", "1", "--batch-size", "300"])
    assert len(out["float"]["losses"]) >= 6

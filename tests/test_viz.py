"""The trace table and the DOT graph, on the CMU lab's y = ln(x1) + x1 x2 - sin(x2) at (2, 5)."""

import re

import numpy as np
import pytest

import mytorch as mt
from mytorch import viz
from mytorch.nn import functional as F


def lab_graph():
    """The lab's seven values, recorded in the lab's order (v3 = ln v1, ..., v7 = v6 - v5)."""
    x1, x2 = mt.Tensor(2.0, requires_grad=True), mt.Tensor(5.0, requires_grad=True)
    v3 = mt.log(x1)
    v4 = x1 * x2
    v5 = mt.sin(x2)
    v6 = v3 + v4
    y = v6 - v5
    return x1, x2, y


def column(rows, attribute):
    return [round(float(getattr(r, attribute)), 3) for r in rows]


def test_trace_primal_tangent_and_adjoint_values():
    x1, x2, y = lab_graph()
    mt.jvp(y, [x1, x2], [1.0, 0.0])
    y.backward(keep_grads=True)
    rows = viz.trace_rows(y, names={"x1": x1, "x2": x2, "y": y})
    assert [r.name for r in rows] == ["v1", "v2", "v3", "v4", "v5", "v6", "v7 (y)"]
    assert [r.op for r in rows] == ["input", "input", "log", "mul", "sin", "add", "sub"]
    assert rows[3].inputs == ["v1", "v2"] and rows[6].inputs == ["v6", "v5"]
    assert column(rows, "value") == [2.0, 5.0, 0.693, 10.0, -0.959, 10.693, 11.652]
    assert column(rows, "tangent") == [1.0, 0.0, 0.5, 5.0, 0.0, 5.5, 5.5]
    assert column(rows, "adjoint") == [5.5, 1.716, 1.0, 1.0, -1.0, 1.0, 1.0]
    # the lab's closed forms: dy/dx1 = 1/x1 + x2, dy/dx2 = x1 - cos(x2)
    assert rows[0].adjoint == pytest.approx(0.5 + 5.0)
    assert rows[1].adjoint == pytest.approx(2.0 - np.cos(5.0))


def test_trace_text_has_the_lab_numbers():
    x1, x2, y = lab_graph()
    before = viz.trace(y, names={"x1": x1, "x2": x2})
    assert "tangent" not in before and "adjoint" not in before
    mt.jvp(y, [x1, x2], [1.0, 0.0])
    y.backward(keep_grads=True)
    text = viz.trace(y, names={"x1": x1, "x2": x2})
    lines = text.splitlines()
    assert lines[0].split()[:5] == ["index", "output", "op", "inputs", "primal"]
    assert "tangent (v̇)" in lines[0] and "adjoint (v̄)" in lines[0]
    assert lines[1].split() == ["-", "v1", "input", "x1", "2.000", "1.000", "5.500"]
    assert lines[2].split() == ["-", "v2", "input", "x2", "5.000", "0.000", "1.716"]
    assert lines[7].split() == ["4", "v7", "sub", "v6,", "v5", "11.652", "5.500", "1.000"]


def test_trace_of_an_engine_shows_constants_params_and_shapes(engine):
    x = np.ones((2, 3))
    h = F.apply(engine, "mul", x, np.asarray(2.0), gradients_to_update=[None, mt.NO_GRAD])
    s = F.apply(engine, "sum", h, axis=0)
    F.apply(engine, "add", s, np.ones(3), gradients_to_update=[None, mt.NO_GRAD])
    rows = viz.trace_rows(engine)
    assert [(r.name, r.op) for r in rows] == [
        ("v1", "input"),
        ("2", "constant"),
        ("c1", "constant"),
        ("v2", "mul"),
        ("v3", "sum"),
        ("v4", "add"),
    ]
    assert rows[4].inputs == ["v2", "axis=0"] and rows[5].inputs == ["v3", "c1"]
    text = viz.trace(engine)
    assert "<2x3>" in text and "<3>" in text
    assert s.shape == (3,)


def count_dot(dot):
    nodes = re.findall(r"^\s*(\w+) \[label=\"[^\"]*\", shape=(\w+), style=filled, fillcolor=(\w+)\];$", dot, re.M)
    edges = re.findall(r"^\s*(\w+) -> (\w+);$", dot, re.M)
    return nodes, edges


def test_dot_has_value_and_operation_nodes_and_their_edges():
    x1, x2, y = lab_graph()
    dot = viz.to_dot(y)
    assert dot.startswith("digraph tape {") and dot.rstrip().endswith("}")
    nodes, edges = count_dot(dot)
    values = [n for n, shape, color in nodes if shape == "ellipse" and color == viz.VALUE_COLOR]
    ops = [n for n, shape, color in nodes if shape == "box" and color == viz.OPERATION_COLOR]
    assert len(values) == 7 and len(ops) == 5 and len(nodes) == 12
    assert len(edges) == 8 + 5  # one per operation input (1+2+1+2+2), one per output
    names = {n for n, _, _ in nodes}
    assert all(a in names and b in names for a, b in edges)
    assert all((a in ops) != (b in ops) for a, b in edges)  # the graph is bipartite
    assert "grad" not in dot
    y.backward(keep_grads=True)
    assert 'grad 5.500"' in viz.to_dot(y).replace("\\n", " ")


def test_render_writes_dot_text_without_graphviz(tmp_path, monkeypatch):
    _, _, y = lab_graph()
    dot = viz.to_dot(y)
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    written = viz.render(dot, tmp_path / "lab.svg")
    assert written == tmp_path / "lab.dot"
    assert written.read_text() == dot
    assert list(tmp_path.iterdir()) == [written]  # no temporary file left behind


def test_render_files_are_0644_like_every_other_output(tmp_path, monkeypatch):
    _, _, y = lab_graph()
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    assert viz.render(viz.to_dot(y), tmp_path / "lab.svg").stat().st_mode & 0o777 == 0o644
    fake_dot = tmp_path / "bin" / "dot"  # stands in for Graphviz: prints a tiny SVG
    fake_dot.parent.mkdir()
    fake_dot.write_text("#!/bin/sh\ncat > /dev/null\necho '<svg/>'\n")
    fake_dot.chmod(0o755)
    monkeypatch.setattr(viz.shutil, "which", lambda name: str(fake_dot))
    drawn = viz.render(viz.to_dot(y), tmp_path / "drawn.svg")
    assert drawn.read_text() == "<svg/>\n" and drawn.stat().st_mode & 0o777 == 0o644


def test_missing_graphviz_is_told_once_with_the_way_to_the_picture(tmp_path, monkeypatch, capsys):
    _, _, y = lab_graph()
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    monkeypatch.setattr(viz, "_told_graphviz_missing", False)
    first = viz.render(viz.to_dot(y), tmp_path / "one.svg")
    viz.render(viz.to_dot(y), tmp_path / "two.png")
    viz.render(viz.to_dot(y), tmp_path / "three.dot")  # DOT asked for: nothing to tell
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "Graphviz" in err and str(first) in err and f"dot -Tsvg {first} -o {tmp_path / 'one.svg'}" in err


def test_render_with_graphviz_when_installed(tmp_path):
    if viz.shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed")
    _, _, y = lab_graph()
    written = viz.render(viz.to_dot(y), tmp_path / "lab.svg")
    assert written.suffix == ".svg" and "<svg" in written.read_text()


def test_bad_sources_are_refused():
    x = mt.Tensor(1.0, requires_grad=True)
    with pytest.raises(ValueError, match="leaf"):
        viz.trace(x)
    with pytest.raises(TypeError, match="Autograd engine or a Tensor"):
        viz.to_dot(np.ones(2))
    y = x * 2.0
    y.backward()
    with pytest.raises(ValueError, match="empty"):
        viz.trace(y)

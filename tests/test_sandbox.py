"""The sandbox tour runs and prints the numbers it promises."""

from mytorch import sandbox


def test_sandbox_tour_prints_its_results(capsys):
    sandbox.main()
    out = capsys.readouterr().out
    assert "dW = [[1.0, 2.0], [1.0, 2.0]]" in out
    assert "dx = [[2.5, -0.75]]" in out
    assert "W = 3.0000 (3), b = -1.0000 (-1)" in out
    assert "y = 11.652, dy/dx1 = 5.500, dy/dx2 = 1.716" in out
    assert "equals reverse-mode rows: True" in out
    assert "11.652" in out.split("evaluation trace:")[1]

"""The benchmark's smallest cases run end to end, so that ``python -m bench`` cannot rot."""

import dataclasses

import numpy as np
import pytest

from bench.cli import main
from bench.problems import CONFIGS, make_problem
from bench.timing import Budget, measure
from bench.trainers import build_all, check_gradients

TINY_BUDGET = Budget(seconds=0.05, warmup=1, min_steps=3, max_steps=50)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tiny_b1_every_installed_implementation_agrees_and_is_timed(dtype):
    problem = make_problem(CONFIGS["tiny-b1"], dtype)
    trainers, _ = build_all(problem, ["numpy", "mytorch", "tensor", "tape"])
    assert {"numpy", "tape"} <= set(trainers)
    check_gradients(trainers)
    seconds = measure(trainers, TINY_BUDGET)
    assert set(seconds) == set(trainers)
    assert all(0 < s < 1 for s in seconds.values())


def test_a_short_chain_agrees_with_numpy():
    config = dataclasses.replace(CONFIGS["chain"], chain_ops=200)
    trainers, skipped = build_all(make_problem(config), ["numpy", "mytorch", "tape"])
    assert skipped.get("mytorch") == "not applicable"
    check_gradients(trainers)
    # 100 sines of 0.5 (times 1.0001 between): the gradient is a product of cosines below 1.
    assert 0 < trainers["tape"].gradients()[0][0] < 1


def test_a_wrong_gradient_is_caught():
    trainers, _ = build_all(make_problem(CONFIGS["tiny-b1"]), ["numpy", "tape"])
    check_gradients(trainers)
    for trainer in trainers.values():
        trainer.step = lambda: None  # keep the gradients of the step just checked
    check_gradients(trainers)
    trainers["tape"].grads[0][0][0, 0] += 1e-3
    with pytest.raises(AssertionError, match="tape: gradient 0"):
        check_gradients(trainers)


def test_the_command_writes_its_table(tmp_path, capsys):
    out = tmp_path / "results.md"
    args = ["--quick", "--cases", "tiny-b1", "--dtypes", "float64", "--impls", "numpy", "tape",
            "--long-chain", "0", "--output", str(out)]
    assert main(args) == 0
    text = out.read_text(encoding="utf-8")
    assert "| tiny-b1 | float64 |" in text and "NumPy" in text
    assert "| tiny-b1 | float64 |" in capsys.readouterr().out

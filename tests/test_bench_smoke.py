"""The benchmark's smallest cases run end to end, so that ``python -m bench`` cannot rot."""

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench.cli import main
from bench.problems import CONFIGS, make_problem
from bench.timing import Budget, measure
from bench.trainers import build_all, check_gradients

ROOT = Path(__file__).resolve().parent.parent
TINY_BUDGET = Budget(seconds=0.05, warmup=1, min_steps=3, max_steps=50)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_tiny_b1_every_installed_implementation_agrees_and_is_timed(dtype):
    problem = make_problem(CONFIGS["tiny-b1"], dtype)
    trainers, _ = build_all(problem, ["numpy", "numpy-reuse", "mytorch", "replay", "tensor", "tape"])
    assert {"numpy", "numpy-reuse", "replay", "tape"} <= set(trainers)
    check_gradients(trainers)
    timings = measure(trainers, TINY_BUDGET)
    assert set(timings) == set(trainers)
    assert all(0 < t.seconds < 1 for t in timings.values())
    assert all(0 < t.ratio_to(timings["numpy"]) < 100 for t in timings.values())


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


def test_the_benchmark_re_executes_itself_with_the_malloc_thresholds_pinned(tmp_path):
    """``python -m bench`` starts again with glibc's thresholds in its environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    env["PYTHONPATH"] = str(ROOT)
    out = tmp_path / "r.md"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench",
            "--quick",
            "--cases",
            "tiny-b1",
            "--dtypes",
            "float64",
            "--impls",
            "numpy",
            "--long-chain",
            "0",
            "--output",
            str(out),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "(set at start-up, for every implementation alike)" in out.read_text(encoding="utf-8")


def test_the_command_writes_its_table(tmp_path, capsys):
    out = tmp_path / "results.md"
    args = [
        "--quick",
        "--cases",
        "tiny-b1",
        "--dtypes",
        "float64",
        "--impls",
        "numpy",
        "mytorch",
        "replay",
        "tensor",
        "--long-chain",
        "300",
        "--branches",
        "50",
        "--output",
        str(out),
    ]
    assert main(args) == 0
    text = out.read_text(encoding="utf-8")
    assert "| tiny-b1 | float64 |" in text and "NumPy" in text
    assert "mytorch ≤ 1.5×" in text and "replay ≤ 0.95×" in text and "MALLOC_MMAP_THRESHOLD_" in text
    assert "µs per branch" in text and "300-op chain" in text
    assert "| tiny-b1 | float64 |" in capsys.readouterr().out


def test_the_main_job_measurement_times_replay_and_the_dynamic_step():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "bench.main_job", "--rounds", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"measuring {ROOT}"
    rates = {line.split()[0]: float(line.split()[1].replace(",", "")) for line in lines[1:]}
    assert set(rates) == {"replay", "dynamic"} and all(rate > 100 for rate in rates.values())

"""Long runs: 20,000 training steps keep the tape bounded and the resident memory flat.

Each front-end trains a small network for 20,000 steps in a fresh subprocess, so that the
resident set size (VmRSS from /proc/self/status) measures that loop alone:

* ``modules``: ``Linear`` -> ``Tanh`` -> ``Linear`` with ``SoftmaxCrossEntropy`` and SGD with
  momentum, on one ``Autograd`` engine cleared by ``zero_grad`` each step;
* ``mlp``: the handout's ``MLP`` (hw_bonus) with Adam, through its ``zero_grads`` /
  ``forward`` / ``backward`` / ``step``;
* ``tensor``: the same network written with ``Tensor`` operations and ``param_pairs``; each
  step also records an op that is not an ancestor of the loss, every tenth an evaluation pass
  that is never differentiated (those graphs must die with their tensors), and ``backward``
  must release the tape.

The tape's length is recorded at every step and must be the same every time; the RSS is
sampled every 2,000 steps and may not grow by more than 5 MB after the first 2,000 (the
warm-up, where NumPy and the allocator settle).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

STEPS = 20_000
WARM_UP = 2_000
LIMIT_KB = 5 * 1024

HARNESS = textwrap.dedent(
    r"""
    import gc, json, re, sys
    import numpy as np
    from mytorch import Autograd
    from mytorch.nn import modules as M
    from mytorch.optim import SGD

    def rss_kb():  # the resident set size, in kB
        return int(re.search(r"VmRSS:\s*(\d+)", open("/proc/self/status").read()).group(1))

    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 4))
    labels = (x[:, 0] * x[:, 1] > 0).astype(int)
    y = np.eye(2)[labels]

    def modules_step_fn():
        engine = Autograd()
        l1, act, l2 = M.Linear(4, 8, engine, rng=1), M.Tanh(engine), M.Linear(8, 2, engine, rng=2)
        loss_fn = M.SoftmaxCrossEntropy(engine)
        opt = SGD(l1.parameters() + l2.parameters(), 0.05, momentum=0.9)
        def step():
            engine.zero_grad()
            opt.zero_grad()
            loss = loss_fn(y, l2(act(l1(x))))
            tape = len(engine.operation_list)
            loss_fn.backward()
            opt.step()
            return tape, float(loss[0])
        return step

    def mlp_step_fn():
        from hw_bonus.mlp import MLP
        mlp = MLP(4, 2, [8], ["tanh", "identity"], "cross_entropy", 0.01, Autograd(), optimizer="adam", seed=1)
        def step():
            mlp.zero_grads()
            mlp.forward(x)
            loss = mlp.backward(y)  # records the loss, then back-propagates
            tape = len(mlp.autograd_engine.operation_list)
            mlp.step()
            return tape, float(loss[0])
        return step

    def tensor_step_fn():
        import mytorch.tensor as T
        W1 = T.Tensor(rng.standard_normal((4, 8)) * 0.5, requires_grad=True)
        b1 = T.Tensor(np.zeros(8), requires_grad=True)
        W2 = T.Tensor(rng.standard_normal((8, 2)) * 0.5, requires_grad=True)
        b2 = T.Tensor(np.zeros(2), requires_grad=True)
        opt = SGD(T.param_pairs([W1, b1, W2, b2]), 0.05, momentum=0.9)
        steps = [0]
        def step():
            opt.zero_grad()
            logits = T.tanh(x @ W1 + b1) @ W2 + b2
            loss = T.softmax_cross_entropy(y, logits)
            logits.mean()  # recorded on the loss's tape, not one of its ancestors
            tape = len(loss.tape.operation_list)
            loss.backward()
            released = len(loss.tape.operation_list)
            opt.step()
            steps[0] += 1
            if steps[0] % 10 == 0:  # an evaluation pass with gradients on, never differentiated
                T.tanh(x @ W1 + b1) @ W2 + b2
            return (tape, released), loss.item()
        return step

    def leaky_step_fn():  # the control: keeps 1 kB per step alive, as a leaking tape would
        inner, kept = modules_step_fn(), []
        def step():
            kept.append(np.ones(128))
            return inner()
        return step

    front_ends = {"modules": modules_step_fn, "mlp": mlp_step_fn, "tensor": tensor_step_fn, "leaky": leaky_step_fn}
    step = front_ends[sys.argv[1]]()
    steps, warm_up = int(sys.argv[2]), int(sys.argv[3])
    tapes, samples, losses = set(), {}, []
    for i in range(1, steps + 1):
        tape, loss = step()
        tapes.add(tape)
        if i == 1 or i == steps:
            losses.append(loss)
        if i % warm_up == 0:
            gc.collect()
            samples[i] = rss_kb()
    print(json.dumps({"tapes": sorted(tapes), "rss_kb": samples, "losses": losses}))
    """
)

EXPECTED_TAPE = {"modules": 6, "mlp": 7, "tensor": [7, 0]}
"""Operations per step: two per Linear (matmul, add), one activation, one loss; the MLP also
records its output activation (identity); the Tensor step also a mean of the logits, which is
not an ancestor of the loss, and its tape is empty after backward (released)."""


def run_front_end(name: str, steps: int = STEPS, warm_up: int = WARM_UP) -> dict:
    """Train with front-end ``name`` in a fresh interpreter; its report as a dict."""
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-c", HARNESS, name, str(steps), str(warm_up)],
        capture_output=True, text=True, timeout=240, cwd=root,
        env={"PYTHONPATH": str(root), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "PATH": ""},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def growth_kb(report: dict) -> int:
    """The largest RSS sampled after the warm-up, minus the RSS at the end of the warm-up."""
    rss = {int(k): v for k, v in report["rss_kb"].items()}
    return max(v for k, v in rss.items() if k > WARM_UP) - rss[WARM_UP]


needs_proc = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the RSS from Linux's /proc")


@needs_proc
@pytest.mark.parametrize("front_end", list(EXPECTED_TAPE))
def test_twenty_thousand_steps_keep_tape_and_memory_flat(front_end: str) -> None:
    report = run_front_end(front_end)
    assert report["tapes"] == [EXPECTED_TAPE[front_end]], "the tape grew (or shrank) between steps"
    growth = growth_kb(report)
    rss = report["rss_kb"]
    print(f"{front_end}: RSS after warm-up {rss[str(WARM_UP)]} kB, growth over {STEPS} steps {growth} kB")
    assert growth < LIMIT_KB, f"{front_end}: resident memory grew by {growth} kB: {rss}"
    first, last = report["losses"]
    assert last < first, "the network did not learn: the loop may not be training at all"


@needs_proc
def test_the_measurement_sees_a_leak() -> None:
    """The control: 1 kB kept per step (18 MB after the warm-up) is caught by the same limit."""
    assert growth_kb(run_front_end("leaky")) > LIMIT_KB

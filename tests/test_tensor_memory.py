"""Memory stays flat: 20,000 training steps written with Tensors grow neither the tape nor the process.

The loop runs in a fresh subprocess so that the resident set size (VmRSS in /proc/self/status)
measures only it. Every step also records an op that is not an ancestor of the loss, and every
tenth step an evaluation pass that is never differentiated: those graphs must die with their
tensors.
"""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

LOOP = textwrap.dedent(
    """
    import gc, json
    import numpy as np
    import mytorch as mt
    from mytorch.optim import SGD

    def rss_kb():
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])

    rng = np.random.default_rng(0)
    X = rng.standard_normal((16, 2))
    y = (X[:, :1] * X[:, 1:] > 0).astype(float)
    W1 = mt.Tensor(rng.standard_normal((2, 8)) * 0.5, requires_grad=True)
    b1 = mt.Tensor(np.zeros(8), requires_grad=True)
    W2 = mt.Tensor(rng.standard_normal((8, 1)) * 0.5, requires_grad=True)
    b2 = mt.Tensor(np.zeros(1), requires_grad=True)
    opt = SGD(mt.param_pairs([W1, b1, W2, b2]), lr=0.05)
    samples, tape_sizes = {}, set()
    for step in range(1, 20001):
        opt.zero_grad()
        out = ((X @ W1 + b1).tanh() @ W2 + b2).sigmoid()
        loss = mt.mse_loss(y, out)
        mean_output = out.mean()  # recorded on the loss's tape, not one of its ancestors
        loss.backward()
        opt.step()
        tape_sizes.add(len(loss.tape))
        if step % 10 == 0:  # an evaluation pass with gradients on, never differentiated
            scores = ((X @ W1 + b1).tanh() @ W2 + b2).sigmoid()
            accuracy = ((scores > 0.5) == y).data.mean()
        if step in (5000, 20000):
            gc.collect()
            samples[step] = rss_kb()
    print(json.dumps({"rss": samples, "tape_sizes": sorted(tape_sizes), "loss": loss.item(),
                      "accuracy": accuracy, "mean_output": mean_output.item(),
                      "gc_objects": len(gc.get_objects())}))
    """
)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc to read the RSS")
def test_twenty_thousand_tensor_steps_keep_memory_flat():
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", LOOP], capture_output=True, text=True, timeout=120, cwd=root, check=True
    )
    report = json.loads(result.stdout)
    growth_kb = report["rss"]["20000"] - report["rss"]["5000"]
    assert growth_kb < 5 * 1024, f"RSS grew by {growth_kb} kB over 15,000 steps"
    assert report["tape_sizes"] == [0], "backward must release every step's tape"
    assert report["loss"] < 0.05 and report["accuracy"] > 0.9  # it did train

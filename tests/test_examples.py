"""The port test: ``examples/`` are PyTorch scripts that import MyTorch.

Each script runs briefly (``--quick``) on MyTorch; the MNIST one also runs in full and must
reach 93 % test accuracy. Where PyTorch is installed, the same file with only its import
lines turned back into ``torch`` runs from the same initial weights (an ``.npz``) and the
same data order (a seeded NumPy generator), in float64, and every training step's loss must
match MyTorch's to 1e-10.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ["mnist_mlp", "disc_sequential", "custom_function"]
IMPORT = re.compile(r"^import mytorch(\.\w+)*( as \w+)?$", re.M)


def source(name: str) -> str:
    return (ROOT / "examples" / f"{name}.py").read_text()


def ported(text: str) -> str:
    """The script with ``import mytorch...`` lines turned into ``import torch...``."""
    text = re.sub(r"^import mytorch as torch$", "import torch", text, flags=re.M)
    return re.sub(r"^import mytorch\.", "import torch.", text, flags=re.M)


def run_source(text: str, name: str, argv: list[str]) -> dict[str, Any]:
    """Execute a script's source as a fresh module and call its ``main(argv)``."""
    namespace: dict[str, Any] = {"__name__": f"ported_{name}"}
    exec(compile(text, f"examples/{name}.py (ported)", "exec"), namespace)
    return namespace["main"](argv)


def initial_weights(name: str, module: Any, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Float64 weights for the script's model, drawn by NumPy (both libraries load them)."""
    if name == "custom_function":
        shapes = {"w1": (2, 10), "w2": (10, 2)}
    else:
        model = module.MLP() if name == "mnist_mlp" else module.make_model()
        shapes = {key: value.shape for key, value in model.state_dict().items()}
    return {key: rng.uniform(-0.3, 0.3, shape) for key, shape in shapes.items()}


@pytest.mark.parametrize("name", EXAMPLES)
def test_only_the_imports_name_mytorch(name):
    original = source(name).splitlines()
    changed = [(a, b) for a, b in zip(original, ported(source(name)).splitlines()) if a != b]
    assert changed and all(IMPORT.match(a) for a, _ in changed), changed
    code = [
        node
        for node in ast.parse(source(name)).body[1:]  # after the docstring
        if not (isinstance(node, ast.Import) and node.names[0].name.split(".")[0] == "mytorch")
    ]
    assert not any("mytorch" in ast.unparse(node) for node in code), "the code names mytorch beyond its imports"


@pytest.mark.parametrize("name", EXAMPLES)
def test_each_example_runs_quickly_on_mytorch(name, capsys):
    module = importlib.import_module(f"examples.{name}")
    result = module.main(["--quick"])
    assert result["losses"] and all(np.isfinite(result["losses"]))
    assert "accuracy" in capsys.readouterr().out


def test_the_mnist_classifier_reaches_93_percent():
    from examples import mnist_mlp

    result = mnist_mlp.main([])
    assert result["test_accuracy"] >= 0.93, result["test_accuracy"]


@pytest.mark.parametrize("name", EXAMPLES)
def test_pytorch_runs_the_same_script_to_the_same_losses(name, tmp_path, capsys):
    pytest.importorskip("torch")
    module = importlib.import_module(f"examples.{name}")
    np.savez(tmp_path / "init.npz", **initial_weights(name, module, np.random.default_rng(7)))
    argv = ["--quick", "--double", "--init", str(tmp_path / "init.npz")]
    if name != "custom_function":  # its data order is NumPy's already
        argv += ["--numpy-order", "3"]
    ours = module.main([*argv, "--losses", str(tmp_path / "ours.npy")])["losses"]
    theirs = run_source(ported(source(name)), name, [*argv, "--losses", str(tmp_path / "theirs.npy")])["losses"]
    assert len(ours) == len(theirs) > 10
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(np.load(tmp_path / "ours.npy"), ours)
    capsys.readouterr()

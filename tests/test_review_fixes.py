"""Regression tests for what the acceptance review of issues 2, 3 and 5 found broken."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hw_bonus.mlp_runner import build_parser
from hw_bonus.npz import load_npz
from mytorch import Autograd
from mytorch.gradcheck import check_kernel
from mytorch.nn import SoftmaxCrossEntropy
from mytorch.nn import functional as F


@pytest.mark.parametrize("shapes", [((), (3,)), ((3,), ()), ((), ()), ((2, 3), (4,)), ((2,), (3, 4)), ((2, 2), (2, 2))])
def test_outer_of_any_rank_matches_finite_differences(shapes: tuple[tuple[int, ...], tuple[int, ...]]) -> None:
    """outer_backward used g @ b and g.T @ a, right only for 1-D inputs; 0-d and 2-D inputs raised late."""
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal(s) for s in shapes)
    assert check_kernel("outer", a, b) == []


def test_outer_keeps_float32() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((2, 3)).astype(np.float32), rng.standard_normal(4).astype(np.float32)
    grads = F.outer_backward(np.ones((2, 3, 4), np.float32), a, b)
    assert [g.dtype for g in grads] == [np.float32, np.float32]
    np.testing.assert_allclose(grads[0], np.full((2, 3), b.sum()), rtol=1e-6)
    np.testing.assert_allclose(grads[1], np.full(4, a.sum()), rtol=1e-5)


@pytest.mark.parametrize("content", ["npy", "text"])
def test_load_npz_refuses_a_file_that_is_not_a_zip(tmp_path: Path, content: str) -> None:
    """A .npy renamed to .npz raised TypeError (context manager), a text file talked about pickles."""
    path = tmp_path / "checkpoint.npz"
    if content == "npy":
        with open(path, "wb") as f:
            np.save(f, np.ones(3))
    else:
        path.write_text("garbage\n")
    with pytest.raises(ValueError, match="not a readable .npz file") as err:
        load_npz(path)
    assert str(path) in str(err.value) and "pickle" not in str(err.value)


def test_integer_labels_into_softmax_cross_entropy_say_one_hot() -> None:
    loss = SoftmaxCrossEntropy(Autograd())
    logits = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"SoftmaxCrossEntropy: .*\(4,\).*\(4, 3\).*one-hot"):
        loss(np.array([0, 1, 2, 1]), logits)


def test_runner_parser_rejects_a_negative_seed(capsys: pytest.CaptureFixture[str]) -> None:
    """--seed -1 reached NumPy's default_rng and failed with 'expected non-negative integer'."""
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["--seed", "-1"])
    assert exit_info.value.code == 2
    assert "argument --seed: '-1' must be a non-negative integer" in capsys.readouterr().err

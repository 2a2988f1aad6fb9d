"""PyTorch's module names under ``torch.distributions`` (``from torch.distributions.normal import
Normal``, ``torch.distributions.kl.register_kl``) and ``distributions.utils``, each as PyTorch's."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import mytorch as mt
from mytorch.distributions.utils import (
    broadcast_all,
    clamp_probs,
    lazy_property,
    logits_to_probs,
    probs_to_logits,
    tril_matrix_to_vec,
    vec_to_tril_matrix,
)

MODULES = {
    "normal": "Normal",
    "categorical": "Categorical",
    "one_hot_categorical": "OneHotCategoricalStraightThrough",
    "studentT": "StudentT",
    "transformed_distribution": "TransformedDistribution",
    "kl": "register_kl",
    "exp_family": "ExponentialFamily",
    "relaxed_bernoulli": "LogitRelaxedBernoulli",
    "fishersnedecor": "FisherSnedecor",
}


def test_family_modules_import_as_pytorchs():
    for module, name in MODULES.items():
        found = getattr(importlib.import_module(f"mytorch.distributions.{module}"), name)
        assert found is getattr(mt.distributions, name), module
    from mytorch.distributions.normal import Normal

    assert Normal is mt.distributions.Normal and mt.distributions.uniform.Uniform is mt.distributions.Uniform
    torch = pytest.importorskip("torch")
    mine = {n for n in dir(mt.distributions) if not n.startswith("_")}
    assert {n for n in dir(torch.distributions) if not n.startswith("_")} <= mine


def test_utils():
    a, b = broadcast_all(mt.zeros(3, dtype=mt.float64), 2.0)
    assert a.shape == b.shape == (3,) and b.dtype == mt.float64 and b.tolist() == [2.0] * 3
    assert broadcast_all(1.0, 2)[0].dtype == mt.get_default_dtype()
    with pytest.raises(ValueError, match="must be a Tensor or a number"):
        broadcast_all(mt.zeros(2), "x")
    p = mt.tensor([0.0, 0.25, 1.0], dtype=mt.float64)
    assert clamp_probs(p).tolist() == [np.finfo(np.float64).eps, 0.25, 1 - np.finfo(np.float64).eps]
    np.testing.assert_allclose(logits_to_probs(probs_to_logits(p[1:2], True), True).numpy(), [0.25], rtol=1e-15)
    logits = probs_to_logits(mt.tensor([0.2, 0.3, 0.5], dtype=mt.float64))
    np.testing.assert_allclose(logits_to_probs(logits).numpy(), [0.2, 0.3, 0.5], rtol=1e-15)
    vec = mt.arange(1.0, 7.0)
    mat = vec_to_tril_matrix(vec)
    assert mat.tolist() == [[1.0, 0.0, 0.0], [2.0, 3.0, 0.0], [4.0, 5.0, 6.0]]
    assert tril_matrix_to_vec(mat).tolist() == vec.tolist()
    assert vec_to_tril_matrix(mt.arange(1.0, 4.0), -1).tolist() == [[0, 0, 0], [1, 0, 0], [2, 3, 0]]
    with pytest.raises(ValueError, match="not the lower triangle"):
        vec_to_tril_matrix(mt.zeros(4))

    class Once:
        calls = 0

        @lazy_property
        def value(self):
            Once.calls += 1
            return 42

    once = Once()
    assert (once.value, once.value, Once.calls) == (42, 42, 1)


def test_utils_as_pytorchs():
    torch = pytest.importorskip("torch")

    def numbers(lib):
        U = lib.distributions.utils
        v = lib.tensor(np.linspace(-1, 1, 20).reshape(2, 10), requires_grad=True)
        out = [
            U.vec_to_tril_matrix(v),
            U.vec_to_tril_matrix(v[:, :6], -1),
            U.tril_matrix_to_vec(U.vec_to_tril_matrix(v)),
        ]
        out += [U.probs_to_logits(v.sigmoid()), U.probs_to_logits(v.sigmoid(), True), U.logits_to_probs(v)]
        (grad,) = lib.autograd.grad(sum((o * (i + 1)).sum() for i, o in enumerate(out)), [v])
        return [o.detach().numpy() for o in out] + [grad.numpy()]

    for i, (a, b) in enumerate(zip(numbers(mt), numbers(torch))):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15, err_msg=str(i))

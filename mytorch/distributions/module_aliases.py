"""PyTorch's one-module-per-family names under ``torch.distributions`` (``from
torch.distributions.normal import Normal``, ``torch.distributions.kl.register_kl``), made here as
small modules holding the classes MyTorch keeps in its own files (``continuous.py``, ``tails.py``,
...), so such imports run with the import swapped. Modules MyTorch already has under PyTorch's
name (``kl``, ``constraints``, ``transforms``, ``wishart``, ...) are left as they are."""

from __future__ import annotations

import sys
import types
from typing import Any

_FAMILIES = {
    "bernoulli": ["Bernoulli"],
    "beta": ["Beta"],
    "binomial": ["Binomial"],
    "categorical": ["Categorical"],
    "cauchy": ["Cauchy"],
    "chi2": ["Chi2"],
    "continuous_bernoulli": ["ContinuousBernoulli"],
    "dirichlet": ["Dirichlet"],
    "distribution": ["Distribution"],
    "exponential": ["Exponential"],
    "fishersnedecor": ["FisherSnedecor"],
    "gamma": ["Gamma"],
    "geometric": ["Geometric"],
    "gumbel": ["Gumbel"],
    "half_cauchy": ["HalfCauchy"],
    "half_normal": ["HalfNormal"],
    "independent": ["Independent"],
    "inverse_gamma": ["InverseGamma"],
    "laplace": ["Laplace"],
    "log_normal": ["LogNormal"],
    "lowrank_multivariate_normal": ["LowRankMultivariateNormal"],
    "mixture_same_family": ["MixtureSameFamily"],
    "multinomial": ["Multinomial"],
    "negative_binomial": ["NegativeBinomial"],
    "normal": ["Normal"],
    "one_hot_categorical": ["OneHotCategorical", "OneHotCategoricalStraightThrough"],
    "pareto": ["Pareto"],
    "poisson": ["Poisson"],
    "relaxed_bernoulli": ["LogitRelaxedBernoulli", "RelaxedBernoulli"],
    "relaxed_categorical": ["ExpRelaxedCategorical", "RelaxedOneHotCategorical"],
    "studentT": ["StudentT"],
    "transformed_distribution": ["TransformedDistribution"],
    "uniform": ["Uniform"],
    "weibull": ["Weibull"],
}


def install(package: Any) -> None:
    """Make ``package.<name>`` and ``sys.modules["<package>.<name>"]`` for each family module of
    PyTorch's that ``package`` (``mytorch.distributions``) has no file for."""
    for name, classes in _FAMILIES.items():
        full = f"{package.__name__}.{name}"
        module = types.ModuleType(full, f"PyTorch's torch.distributions.{name}: {', '.join(classes)} (MyTorch's).")
        module.__file__ = __file__  # (where it is made; nothing loads from there)
        for cls in classes:
            setattr(module, cls, getattr(package, cls))
        module.__all__ = list(classes)  # type: ignore[attr-defined]
        sys.modules[full] = module
        setattr(package, name, module)

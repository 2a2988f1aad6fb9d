"""``torch.distributions`` (``mytorch.distributions``), the part a policy gradient or a VAE uses:
``Categorical``, ``OneHotCategorical``, ``Bernoulli``, ``Normal``, ``MultivariateNormal``,
``LowRankMultivariateNormal`` (``low_rank.py``), ``RelaxedOneHotCategorical``, ``RelaxedBernoulli``
and ``ContinuousBernoulli`` (``relaxed.py``), ``HalfCauchy``, ``Weibull``, ``Pareto`` and ``Chi2``
(``positive.py``),
``LogNormal``, ``Laplace``, ``Exponential``, ``Gamma``, ``Beta``, ``Dirichlet``, ``Uniform`` and
``MixtureSameFamily`` (``mixture.py``), ``Poisson``, ``Geometric``, ``Binomial``, ``NegativeBinomial``, ``Multinomial``,
``StudentT``, ``Cauchy``, ``Gumbel`` and ``HalfNormal`` (``tails.py``), ``VonMises`` (``von_mises.py``),
``FisherSnedecor``, ``Kumaraswamy``, ``GeneralizedPareto``, ``LogisticNormal``, ``LKJCholesky`` and ``Wishart``
(each in a file of its name) with
``sample``, ``log_prob``, ``entropy``, ``mean``, ``stddev``, ``variance``; ``rsample`` (the
reparameterised sample a gradient flows through; for Gamma, Chi2, Beta, Dirichlet and StudentT by
implicit differentiation of the Gamma draw, ``implicit.py``), ``cdf`` / ``icdf`` of Normal, Laplace
and Exponential, and ``kl_divergence`` of two of a kind.

Every density is recorded from Tensor operations, so ``log_prob(action) * reward`` and
``kl_divergence(q, p)`` have gradients in the parameters. Samples come from
``mytorch.default_generator`` (seeded by ``manual_seed``), so they differ from PyTorch's for the
same seed, as all of MyTorch's random numbers do. Arguments are validated as PyTorch's are
(``validate_args``, on unless ``Distribution.set_default_validate_args(False)``): a parameter
outside its constraint (a scale of 0, a probability of 1.2, negative class weights) and a value
outside the support given to ``log_prob`` or ``cdf`` (a Bernoulli value of 0.5, a Uniform value
beyond its ends, a class index of -1 or 0.5, NaN) raise ``ValueError`` instead of giving a number.

``constraints`` holds PyTorch's sets (``positive``, ``simplex``, ...); every distribution names its
``support`` and ``arg_constraints`` with them, as PyTorch's do; ``biject_to`` and ``transform_to``
(``constraint_registry.py``) map the real numbers onto the sets of numbers.

The package: ``base.py`` (``Distribution``), ``discrete.py``, ``continuous.py``,
``multivariate_normal.py``, ``wrappers.py`` (``Independent``, ``TransformedDistribution``),
``transforms.py`` (with ``shape_transforms.py``: ``ReshapeTransform``, ``CatTransform``,
``StackTransform``; ``transform_wrappers.py``: ``IndependentTransform``,
``CumulativeDistributionTransform``; ``corr_cholesky_transform.py``) and ``kl.py``
(``kl_divergence``). Distributions print as PyTorch's (``Normal(loc: 0.0, scale: 1.0)``).
"""

import sys

from mytorch.distributions import constraints, transforms, utils
from mytorch.distributions import kl_continuous_bernoulli as _kl_continuous_bernoulli  # noqa: F401 - its rules
from mytorch.distributions.base import Distribution
from mytorch.distributions.constraint_registry import biject_to, transform_to
from mytorch.distributions.continuous import Beta, Dirichlet, Exponential, Gamma, Laplace, LogNormal, Normal, Uniform
from mytorch.distributions.discrete import Bernoulli, Categorical, OneHotCategorical, OneHotCategoricalStraightThrough
from mytorch.distributions.exp_family import ExponentialFamily
from mytorch.distributions.fisher_snedecor import FisherSnedecor
from mytorch.distributions.generalized_pareto import GeneralizedPareto
from mytorch.distributions.kl import kl_divergence
from mytorch.distributions.kl_pairs import register_kl
from mytorch.distributions.kumaraswamy import Kumaraswamy
from mytorch.distributions.lkj_cholesky import LKJCholesky
from mytorch.distributions.logistic_normal import LogisticNormal
from mytorch.distributions.low_rank import LowRankMultivariateNormal
from mytorch.distributions.mixture import MixtureSameFamily
from mytorch.distributions.multivariate_normal import MultivariateNormal
from mytorch.distributions.positive import Chi2, HalfCauchy, InverseGamma, Pareto, Weibull
from mytorch.distributions.relaxed import (
    ContinuousBernoulli,
    ExpRelaxedCategorical,
    LogitRelaxedBernoulli,
    RelaxedBernoulli,
    RelaxedOneHotCategorical,
)
from mytorch.distributions.tails import (
    Binomial,
    Cauchy,
    Geometric,
    Gumbel,
    HalfNormal,
    Multinomial,
    NegativeBinomial,
    Poisson,
    StudentT,
)
from mytorch.distributions.transforms import (
    AbsTransform,
    AffineTransform,
    CatTransform,
    ComposeTransform,
    CorrCholeskyTransform,
    CumulativeDistributionTransform,
    ExpTransform,
    IndependentTransform,
    LowerCholeskyTransform,
    PositiveDefiniteTransform,
    PowerTransform,
    ReshapeTransform,
    SigmoidTransform,
    SoftmaxTransform,
    SoftplusTransform,
    StackTransform,
    StickBreakingTransform,
    TanhTransform,
    Transform,
    identity_transform,
)
from mytorch.distributions.von_mises import VonMises
from mytorch.distributions.wishart import Wishart
from mytorch.distributions.wrappers import Independent, TransformedDistribution

__all__ = [
    "AffineTransform",
    "CatTransform",
    "ComposeTransform",
    "CorrCholeskyTransform",
    "CumulativeDistributionTransform",
    "IndependentTransform",
    "AbsTransform",
    "ExpTransform",
    "LowerCholeskyTransform",
    "PowerTransform",
    "ReshapeTransform",
    "SoftplusTransform",
    "StackTransform",
    "PositiveDefiniteTransform",
    "SigmoidTransform",
    "SoftmaxTransform",
    "StickBreakingTransform",
    "TanhTransform",
    "Transform",
    "Bernoulli",
    "Beta",
    "Binomial",
    "Categorical",
    "Chi2",
    "Cauchy",
    "ContinuousBernoulli",
    "Dirichlet",
    "Distribution",
    "ExpRelaxedCategorical",
    "Exponential",
    "ExponentialFamily",
    "FisherSnedecor",
    "Gamma",
    "GeneralizedPareto",
    "Geometric",
    "Gumbel",
    "HalfCauchy",
    "HalfNormal",
    "InverseGamma",
    "Independent",
    "Kumaraswamy",
    "LKJCholesky",
    "Laplace",
    "LogNormal",
    "LogisticNormal",
    "LogitRelaxedBernoulli",
    "LowRankMultivariateNormal",
    "MixtureSameFamily",
    "Multinomial",
    "MultivariateNormal",
    "NegativeBinomial",
    "Normal",
    "OneHotCategorical",
    "OneHotCategoricalStraightThrough",
    "Pareto",
    "Poisson",
    "RelaxedBernoulli",
    "RelaxedOneHotCategorical",
    "StudentT",
    "TransformedDistribution",
    "Uniform",
    "VonMises",
    "Weibull",
    "Wishart",
    "biject_to",
    "constraints",
    "kl_divergence",
    "register_kl",
    "identity_transform",
    "transform_to",
    "transforms",
    "utils",
]

# PyTorch's per-family module names (``from torch.distributions.normal import Normal``)
from mytorch.distributions import module_aliases as _module_aliases  # noqa: E402

_module_aliases.install(sys.modules[__name__])

"""``kl_divergence`` of two distributions of one kind, by closed forms."""

from __future__ import annotations

from typing import Any

from mytorch.distributions.base import Distribution
from mytorch.distributions.continuous import Beta, Dirichlet, Exponential, Gamma, Laplace, LogNormal, Normal
from mytorch.distributions.discrete import Bernoulli, Categorical, OneHotCategorical
from mytorch.distributions.exp_family import ExponentialFamily, kl_exponential_family
from mytorch.distributions.kl_pairs import bernoulli_kl, register_kl, registered, weighted_log_ratio
from mytorch.distributions.multivariate_normal import _Gaussian, _kl_multivariate_normal
from mytorch.distributions.wrappers import Independent
from mytorch.tensor import Tensor, log

__all__ = ["kl_divergence", "register_kl"]


def _kl_more(p: Any, q: Any) -> Tensor:
    """KL(p || q) of two Laplace, Exponential, Gamma, Beta, Dirichlet, LogNormal or OneHotCategorical
    distributions of one kind, by PyTorch's closed forms."""
    from mytorch import digamma, lgamma

    if isinstance(p, Laplace):
        ratio, gap = p.scale / q.scale, (p.loc - q.loc).abs()
        return -log(ratio) + gap / q.scale + ratio * (-gap / p.scale).exp() - 1
    if isinstance(p, Exponential):
        ratio = q.rate / p.rate
        return -log(ratio) + ratio - 1
    if isinstance(p, Gamma):
        a, b = p.concentration, q.concentration
        return (
            b * log(p.rate / q.rate) + lgamma(b) - lgamma(a) + (a - b) * digamma(a) + (q.rate - p.rate) * (a / p.rate)
        )
    if isinstance(p, Beta):
        total_p, total_q = p.concentration1 + p.concentration0, q.concentration1 + q.concentration0
        t1 = lgamma(q.concentration1) + lgamma(q.concentration0) + lgamma(total_p)
        t2 = lgamma(p.concentration1) + lgamma(p.concentration0) + lgamma(total_q)
        t3 = (p.concentration1 - q.concentration1) * digamma(p.concentration1)
        t4 = (p.concentration0 - q.concentration0) * digamma(p.concentration0)
        return t1 - t2 + t3 + t4 + (total_q - total_p) * digamma(total_p)
    if isinstance(p, Dirichlet):
        a, b = p.concentration, q.concentration
        total_p, total_q = a.sum(-1), b.sum(-1)
        spread = (a - b) * (digamma(a) - digamma(total_p).unsqueeze(-1))
        return lgamma(total_p) - lgamma(total_q) - (lgamma(a) - lgamma(b)).sum(-1) + spread.sum(-1)
    if isinstance(p, LogNormal):
        return kl_divergence(p.base_dist, q.base_dist)
    return kl_divergence(p._categorical, q._categorical)


def kl_divergence(p: Distribution, q: Distribution) -> Tensor:
    """KL(p || q), recorded: a rule given to ``register_kl`` for their classes, or two distributions
    of one kind (``kl_pairs.py`` adds Uniform, Poisson, Geometric, Binomial, HalfNormal, Gumbel and
    the pairs Uniform-Normal, Exponential-Gamma, Gamma-Exponential), or two ``Independent`` of such
    bases with the same number of event axes."""
    rule = registered(p, q)
    if rule is not None:
        return rule(p, q)
    if isinstance(p, Independent) and isinstance(q, Independent):
        if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
            raise NotImplementedError("kl_divergence: two Independent with different reinterpreted_batch_ndims")
        return p._summed(kl_divergence(p.base_dist, q.base_dist))
    if isinstance(p, _Gaussian) and isinstance(q, _Gaussian):  # (MultivariateNormal, LowRank...: any two)
        return _kl_multivariate_normal(p, q)
    for kind in (Laplace, Exponential, Gamma, Beta, Dirichlet, LogNormal, OneHotCategorical):
        if isinstance(p, kind) and isinstance(q, kind):
            return _kl_more(p, q)
    if isinstance(p, Normal) and isinstance(q, Normal):
        ratio = (p.scale / q.scale) ** 2
        return 0.5 * (ratio + ((p.loc - q.loc) / q.scale) ** 2 - 1 - log(ratio))
    if isinstance(p, Categorical) and isinstance(q, Categorical):
        return weighted_log_ratio(p.probs, q.probs, p.logits - q.logits).sum(-1)
    if isinstance(p, Bernoulli) and isinstance(q, Bernoulli):
        return bernoulli_kl(p.probs, p.logits, q.probs, q.logits)
    if isinstance(p, ExponentialFamily) and type(p) is type(q):  # (Wishart's: PyTorch's fallback too)
        return kl_exponential_family(p, q)
    raise NotImplementedError(
        f"kl_divergence: MyTorch has no rule for {type(p).__name__} and {type(q).__name__}; it has two of a kind "
        "(Normal, MultivariateNormal or LowRankMultivariateNormal, Categorical, Bernoulli, Uniform, Poisson, "
        "Geometric, Binomial, HalfNormal, Gumbel, Laplace, Exponential, Gamma, Beta, Dirichlet, LogNormal, "
        "OneHotCategorical), Uniform-Normal, Exponential-Gamma and Gamma-Exponential; register_kl adds a pair"
    )

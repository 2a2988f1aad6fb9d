"""Small PyTorch habits that ported programs met (``tests/port_programs/`` and probes of everyday
calls): each checked on MyTorch alone, and against PyTorch 2.13 where it is installed."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import mytorch
import mytorch.nn as nn
from mytorch.data import DataLoader


def _torch():
    torch = pytest.importorskip("torch")
    warnings.filterwarnings("ignore", message="The reduce argument of torch.scatter")
    return torch


X = np.arange(12.0).reshape(3, 4) ** 1.5


def test_var_mean_and_std_mean_take_unbiased_by_position_and_name():
    # var_mean(x, 0, unbiased=False) was a TypeError (unexpected keyword 'unbiased')
    x = mytorch.tensor(X)
    var, mean = mytorch.var_mean(x, 0, unbiased=False)
    np.testing.assert_allclose(var.numpy(), X.var(0), rtol=1e-12)
    np.testing.assert_allclose(mean.numpy(), X.mean(0), rtol=1e-12)
    std, mean = mytorch.std_mean(x, 1, True, True)
    assert std.shape == mean.shape == (3, 1)
    np.testing.assert_allclose(std.numpy()[:, 0], X.std(1, ddof=1), rtol=1e-12)
    var, _ = mytorch.var_mean(x, False)  # a bool in dim's place: unbiased, over everything
    np.testing.assert_allclose(var.item(), X.var(), rtol=1e-12)
    with pytest.raises(TypeError, match="not both"):
        mytorch.var_mean(x, 0, True, correction=0)


def test_var_mean_matches_torch():
    torch = _torch()
    for args, kwargs in [((0,), {"unbiased": False}), ((1, True, True), {}), ((False,), {}), ((1,), {"correction": 0})]:
        for name in ("var_mean", "std_mean"):
            mine = getattr(mytorch, name)(mytorch.tensor(X), *args, **kwargs)
            theirs = getattr(torch, name)(torch.tensor(X), *args, **kwargs)
            for a, b in zip(mine, theirs):
                np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)


def test_sequential_insert_returns_the_container():
    # it returned None, so nn.Sequential(...).insert(0, m) gave None to whoever kept it
    net = nn.Sequential(nn.Linear(2, 2)).insert(0, nn.ReLU())
    assert isinstance(net, nn.Sequential) and [type(m).__name__ for m in net] == ["ReLU", "Linear"]


def test_scatter_with_reduce_adds_or_multiplies_at_repeated_places():
    # scatter_(dim, index, src, reduce="add") was a TypeError (unexpected keyword 'reduce')
    index = mytorch.tensor([1, 1, 0])
    added = mytorch.zeros(3).scatter_(0, index, mytorch.tensor([1.0, 2.0, 5.0]), reduce="add")
    assert added.tolist() == [5.0, 3.0, 0.0]
    multiplied = mytorch.ones(3).scatter(0, index, mytorch.tensor([2.0, 5.0, 3.0]), reduce="multiply")
    assert multiplied.tolist() == [3.0, 10.0, 1.0]
    rows = mytorch.ones(2, 3).scatter(1, mytorch.tensor([[0], [2]]), value=4.0, reduce="add")
    assert rows.tolist() == [[5.0, 1.0, 1.0], [1.0, 1.0, 5.0]]
    with pytest.raises(ValueError, match="'add' or 'multiply'"):
        mytorch.zeros(3).scatter(0, index, 1.0, reduce="mean")


def test_scatter_add_reduction_has_scatter_adds_gradient_and_multiply_refuses_one():
    x = mytorch.zeros(3, requires_grad=True)
    src = mytorch.tensor([1.0, 2.0, 5.0], requires_grad=True)
    (x.scatter(0, mytorch.tensor([1, 1, 0]), src, reduce="add") * mytorch.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [1.0, 2.0, 3.0] and src.grad.tolist() == [2.0, 2.0, 1.0]
    with pytest.raises(RuntimeError, match="no gradient"):
        x.scatter(0, mytorch.tensor([1, 1, 0]), src, reduce="multiply")
    with mytorch.no_grad():
        assert x.scatter(0, mytorch.tensor([1, 1, 0]), src, reduce="multiply").tolist() == [0.0, 0.0, 0.0]


def test_scatter_reduce_matches_torch():
    torch = _torch()
    index, src = [[1, 1, 0], [2, 0, 2]], [[1.5, 2.0, 5.0], [3.0, -1.0, 0.5]]

    def results(library, reduce):
        out = library.full((2, 3), 2.0).scatter_(1, library.tensor(index), library.tensor(src), reduce=reduce)
        number = library.full((2, 3), 2.0).scatter(1, library.tensor(index), 3.0, reduce=reduce)
        return out.tolist(), number.tolist()

    for reduce in ("add", "multiply"):
        assert results(mytorch, reduce) == results(torch, reduce)


def test_a_batch_of_tuples_keeps_a_tuple_of_strings():
    # [(1, "a"), (2, "b")] gave [tensor([1, 2]), ['a', 'b']] where PyTorch gives ('a', 'b')
    batch = next(iter(DataLoader([(1, "a", (3, "z")), (2, "b", (4, "w"))], batch_size=2)))
    assert batch[0].tolist() == [1, 2] and batch[1] == ("a", "b") and batch[2][1] == ("z", "w")
    assert next(iter(DataLoader(["x", "y"], batch_size=2))) == ["x", "y"]
    assert next(iter(DataLoader([{"s": "a"}, {"s": "b"}], batch_size=2)))["s"] == ["a", "b"]


def test_slogdet_and_cholesky_ex_give_their_fields_by_name():
    # linalg.slogdet(A).logabsdet and cholesky_ex(A).info were AttributeErrors (plain tuples)
    a = mytorch.tensor([[4.0, 1.0], [1.0, 3.0]], dtype=mytorch.float64)
    for result in (mytorch.linalg.slogdet(a), mytorch.slogdet(a)):
        sign, logabsdet = result
        assert result.sign is sign and result.logabsdet is logabsdet
        assert sign.item() == 1.0 and abs(logabsdet.item() - np.log(11.0)) < 1e-14
    factor = mytorch.linalg.cholesky_ex(a)
    assert factor.info.item() == 0 and factor.L is factor[0]
    np.testing.assert_allclose((factor.L @ factor.L.T).numpy(), a.numpy(), rtol=1e-14)
    assert mytorch.linalg.cholesky_ex(-a).info.item() == 1


def test_version_names_no_cuda_build():
    # torch.version.cuda, printed by setup checks, raised NotInMyTorchError
    assert mytorch.version.cuda is None and mytorch.version.__version__ == mytorch.__version__


def test_asarray_shares_memory_unless_asked_to_copy():
    a = np.zeros(3)
    shared, copied = mytorch.asarray(a), mytorch.asarray(a, copy=True)
    a[0] = 1.0
    assert shared.tolist() == [1.0, 0.0, 0.0] and copied.tolist() == [0.0, 0.0, 0.0]
    assert mytorch.asarray([1, 2]).dtype == mytorch.int64 and mytorch.asarray(3.0).dtype == mytorch.float32
    leaf = mytorch.asarray([1.0, 2.0], dtype=mytorch.float64, requires_grad=True)
    assert leaf.requires_grad and leaf.is_leaf and leaf.dtype == mytorch.float64
    t = mytorch.ones(2)
    assert mytorch.asarray(t) is t and mytorch.asarray(t, copy=True) is not t


def test_combinations_pick_rows_with_their_gradient():
    x = mytorch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    pairs = mytorch.combinations(x)
    assert pairs.tolist() == [[1.0, 2.0], [1.0, 3.0], [2.0, 3.0]]
    pairs.prod(1).sum().backward()  # d/dx_i of x1x2 + x1x3 + x2x3: the sum of the others
    assert x.grad.tolist() == [5.0, 4.0, 3.0]
    assert mytorch.combinations(mytorch.arange(3), with_replacement=True).shape == (6, 2)
    assert mytorch.combinations(mytorch.arange(3), r=4).shape == (0, 4)
    assert mytorch.combinations(mytorch.arange(3), r=0).shape == (0,)
    with pytest.raises(ValueError, match="vector"):
        mytorch.combinations(mytorch.zeros(2, 2))


def test_heaviside_is_a_step_with_the_given_value_at_zero():
    x = mytorch.tensor([-1.5, 0.0, 2.0])
    assert mytorch.heaviside(x, mytorch.tensor(0.5)).tolist() == [0.0, 0.5, 1.0]
    assert x.heaviside(mytorch.tensor([7.0, 8.0, 9.0])).tolist() == [0.0, 8.0, 1.0]
    assert mytorch.heaviside(mytorch.tensor([-1, 0, 2]), mytorch.tensor([5])).tolist() == [0, 5, 1]
    with pytest.raises(TypeError, match="one dtype"):
        mytorch.heaviside(x, mytorch.tensor(1))


def test_asarray_combinations_and_heaviside_match_torch():
    torch = _torch()
    for library in (mytorch, torch):
        assert library.asarray([[1.0, 2.0]], dtype=library.float64).tolist() == [[1.0, 2.0]]
    for r, again in [(1, False), (2, False), (3, True), (5, False)]:
        mine = mytorch.combinations(mytorch.arange(4), r=r, with_replacement=again)
        theirs = torch.combinations(torch.arange(4), r=r, with_replacement=again)
        assert mine.tolist() == theirs.tolist() and tuple(mine.shape) == tuple(theirs.shape)
    values = [-2.0, 0.0, 0.0, 3.0]
    mine = mytorch.heaviside(mytorch.tensor(values), mytorch.tensor([1.0, 2.0, 3.0, 4.0]))
    assert mine.tolist() == torch.heaviside(torch.tensor(values), torch.tensor([1.0, 2.0, 3.0, 4.0])).tolist()


def test_histogram_counts_weights_and_densities():
    x = mytorch.tensor([1.0, 2.0, 1.0, 4.0, 2.5])
    hist, edges = mytorch.histogram(x, bins=3)
    assert hist.tolist() == [2.0, 2.0, 1.0] and edges.tolist() == [1.0, 2.0, 3.0, 4.0]  # (the last bin holds 4)
    assert x.histogram(bins=mytorch.tensor([0.0, 1.5, 3.0, 5.0])).hist.tolist() == [2.0, 2.0, 1.0]
    dense = mytorch.histogram(x, 2, range=(0.0, 2.0), weight=mytorch.full((5,), 2.0), density=True)
    assert dense.hist.tolist() == [0.0, 1.0] and dense.bin_edges.dtype == mytorch.float32
    with pytest.raises(TypeError, match="floating-point"):
        mytorch.histogram(mytorch.tensor([1, 2]), 2)


def test_histogram_matches_torch():
    torch = _torch()
    data = np.random.default_rng(0).normal(size=50)
    for args, kwargs in [((7,), {}), ((4,), {"range": (-1.0, 1.0), "density": True}), ((3,), {"weight": data**2})]:
        options = {k: (mytorch.tensor(v) if k == "weight" else v) for k, v in kwargs.items()}
        mine = mytorch.histogram(mytorch.tensor(data), *args, **options)
        options = {k: (torch.tensor(v) if k == "weight" else v) for k, v in kwargs.items()}
        theirs = torch.histogram(torch.tensor(data), *args, **options)
        for a, b in zip(mine, theirs):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)


def test_distributed_guards_see_one_process():
    # `if dist.is_available() and dist.is_initialized()` raised NotInMyTorchError at torch.distributed
    import mytorch.distributed as dist

    assert dist.is_available() is False and mytorch.distributed.is_initialized() is False
    with pytest.raises(AttributeError, match="does not have PyTorch's torch.distributed.get_rank"):
        dist.get_rank()


def test_bernoulli_and_multinomial_are_tensor_methods():
    # probs.multinomial(1), sampling a character-level model's next token, raised NotInMyTorchError
    g = mytorch.Generator().manual_seed(0)
    picks = mytorch.tensor([[0.0, 1.0, 0.0], [2.0, 0.0, 0.0]]).multinomial(1, generator=g)
    assert picks.tolist() == [[1], [0]] and picks.dtype == mytorch.int64
    assert mytorch.tensor([0.0, 0.0, 5.0]).multinomial(3, replacement=True).tolist() == [2, 2, 2]
    assert mytorch.ones(3).bernoulli().tolist() == [1.0, 1.0, 1.0]
    assert mytorch.ones(3).bernoulli(0.0).tolist() == [0.0, 0.0, 0.0]
    draws = mytorch.full((4000,), 0.25, dtype=mytorch.float64).bernoulli(generator=g)
    assert draws.dtype == mytorch.float64 and 0.2 < draws.mean().item() < 0.3


def _expanded_cases(L):
    """Distributions of ``L`` (mytorch or torch) and the batch shapes they are expanded to."""
    D, r = L.distributions, np.random.default_rng(0)

    def t(*s):
        return L.tensor(r.normal(size=s))

    def p(*s):
        return L.tensor(r.uniform(0.2, 0.8, size=s))

    return [
        (D.Normal(t(2), p(2)), (3, 2)),
        (D.Normal(0.0, 1.0), (4,)),
        (D.Categorical(probs=p(2, 3)), (5, 2)),
        (D.Categorical(logits=t(1, 3)), (4, 2)),
        (D.Bernoulli(probs=p(2)), (3, 2)),
        (D.Beta(p(2) + 1, p(2) + 1), (2, 2)),
        (D.Dirichlet(p(3) + 1), (2,)),
        (D.StudentT(p(2) + 2, t(2), p(2)), (2, 2)),
        (D.Uniform(t(2) - 2, t(2) + 2), (3, 2)),
        (D.MultivariateNormal(t(2), L.eye(2, dtype=L.float64) * 2), (3,)),
        (D.Independent(D.Normal(t(2, 3), p(2, 3)), 1), (4, 2)),
        (D.OneHotCategorical(probs=p(3)), (2,)),
    ]


def test_a_distribution_expands_over_a_batch_with_its_gradient():
    # dist.expand(batch_shape) was an AttributeError
    loc = mytorch.zeros(2, dtype=mytorch.float64, requires_grad=True)
    wide = mytorch.distributions.Normal(loc, 1.0).expand((3, 2))
    assert wide.batch_shape == (3, 2) and wide.sample().shape == (3, 2)
    wide.log_prob(mytorch.ones(3, 2, dtype=mytorch.float64)).sum().backward()
    assert loc.grad.tolist() == [3.0, 3.0]  # d/dloc of -(1 - loc)^2 / 2, three rows each
    with pytest.raises(ValueError, match="does not broadcast"):
        mytorch.distributions.Normal(mytorch.zeros(3), 1.0).expand((2,))
    D = mytorch.distributions
    mixture = D.MixtureSameFamily(D.Categorical(mytorch.tensor([0.5, 0.5])), D.Normal(mytorch.zeros(2), 1.0))
    assert mixture.expand((3,)).log_prob(mytorch.zeros(3)).shape == (3,)  # (a mixture expands too, as PyTorch's)


def test_expanded_distributions_match_torch():
    torch = _torch()
    for (mine, shape), (theirs, _) in zip(_expanded_cases(mytorch), _expanded_cases(torch)):
        a, b = mine.expand(shape), theirs.expand(shape)
        assert (type(a).__name__, a.batch_shape, a.event_shape) == (type(b).__name__, b.batch_shape, b.event_shape)
        np.testing.assert_allclose(a.entropy().numpy(), b.entropy().numpy(), rtol=1e-12)
        value = b.sample()
        np.testing.assert_allclose(
            a.log_prob(mytorch.tensor(value.numpy())).numpy(), b.log_prob(value).numpy(), rtol=1e-12
        )


def _nb_log_prob(k: float, r: float, p: float) -> float:
    return math.lgamma(k + r) - math.lgamma(r) - math.lgamma(k + 1) + r * math.log1p(-p) + k * math.log(p)


def test_negative_binomial_log_prob_moments_and_gradient():
    # torch.distributions.NegativeBinomial was missing (an AttributeError)
    NB = mytorch.distributions.NegativeBinomial
    k = mytorch.tensor([0.0, 1.0, 4.0, 12.0], dtype=mytorch.float64)
    d = NB(mytorch.tensor(2.5, dtype=mytorch.float64), probs=mytorch.tensor(0.35, dtype=mytorch.float64))
    expected = [_nb_log_prob(v, 2.5, 0.35) for v in k.tolist()]
    np.testing.assert_allclose(d.log_prob(k).numpy(), expected, rtol=1e-13)
    assert d.mean.item() == pytest.approx(2.5 * 0.35 / 0.65) and d.variance.item() == pytest.approx(
        2.5 * 0.35 / 0.65**2
    )
    assert d.mode.item() == math.floor(1.5 * 0.35 / 0.65) and d.sample((3, 2)).shape == (3, 2)
    draws = NB(mytorch.tensor(4.0), probs=mytorch.tensor(0.3)).sample((20000,))
    assert abs(draws.mean().item() - 4 * 0.3 / 0.7) < 0.06
    assert NB(mytorch.tensor(0.0), logits=mytorch.tensor(1.0)).log_prob(mytorch.tensor(0.0)).item() == 0.0

    def loss(r, z):
        return NB(mytorch.tensor(r, dtype=mytorch.float64), logits=mytorch.tensor(z, dtype=mytorch.float64)).log_prob(k)

    r = mytorch.tensor(3.0, dtype=mytorch.float64, requires_grad=True)
    z = mytorch.tensor(0.3, dtype=mytorch.float64, requires_grad=True)
    NB(r, logits=z).log_prob(k).sum().backward()
    h = 1e-6
    assert r.grad.item() == pytest.approx((loss(3 + h, 0.3) - loss(3 - h, 0.3)).sum().item() / (2 * h), rel=1e-7)
    assert z.grad.item() == pytest.approx((loss(3, 0.3 + h) - loss(3, 0.3 - h)).sum().item() / (2 * h), rel=1e-7)
    with pytest.raises(ValueError, match="probs"):
        NB(1.0, probs=mytorch.tensor(1.0))
    with pytest.raises(ValueError, match="either probs or logits"):
        NB(1.0)
    assert NB(mytorch.tensor([1.0, 2.0]), logits=mytorch.zeros(2)).expand((3, 2)).batch_shape == (3, 2)


def test_negative_binomial_matches_torch():
    torch = _torch()
    k = [0.0, 1.0, 2.0, 5.0, 30.0]
    counts, logits = [0.5, 2.0, 7.0, 1.0, 0.0], [-1.0, 0.0, 2.0, 25.0, -3.0]
    results = []
    for L in (mytorch, torch):
        r = L.tensor(counts, dtype=L.float64, requires_grad=True)
        z = L.tensor(logits, dtype=L.float64, requires_grad=True)
        d = L.distributions.NegativeBinomial(r, logits=z)
        d.log_prob(L.tensor(k, dtype=L.float64))[:4].sum().backward()
        results.append([d.log_prob(L.tensor(k, dtype=L.float64)).detach(), d.mean, d.variance, d.mode, r.grad, z.grad])
    for a, b in zip(*results):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12)


def test_einsum_takes_the_sublist_form():
    # einsum(a, [0, 1], b, [2, 1], [0, 2]) raised "the equation must be a string"
    a = mytorch.tensor(X, requires_grad=True)
    b = mytorch.tensor(X[:2] * 0.5)
    out = mytorch.einsum(a, [0, 1], b, [2, 1], [0, 2])
    np.testing.assert_allclose(out.numpy(), X @ (X[:2] * 0.5).T, rtol=1e-12)
    out.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.broadcast_to((X[:2] * 0.5).sum(0), X.shape), rtol=1e-12)
    assert mytorch.einsum(a, [0, 51]).shape == (3, 4)  # (implicit output by number: 0 before 51)
    assert mytorch.einsum(a, [51, 0]).shape == (4, 3)
    np.testing.assert_allclose(mytorch.einsum(a, [..., 1], [...]).detach().numpy(), X.sum(1), rtol=1e-12)
    with pytest.raises(ValueError, match=r"\[0, 52\)"):
        mytorch.einsum(a, [0, 52])
    with pytest.raises(TypeError, match="list of axis numbers"):
        mytorch.einsum(a, 5)


def test_einsum_sublists_match_torch():
    torch = _torch()
    Y = X.T.copy()  # (4, 3)
    forms = [
        (X, [0, 1], X[:2], [2, 1], [0, 2]),
        (X, [0, 1], Y, [1, 2]),
        (X, [0, 51]),
        (X, [..., 1]),
        (X, [1, 0], [...]),
    ]
    for form in forms:
        mine = mytorch.einsum(*(mytorch.tensor(a) if isinstance(a, np.ndarray) else a for a in form))
        theirs = torch.einsum(*(torch.tensor(a) if isinstance(a, np.ndarray) else a for a in form))
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-12)


def _bn_model(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 3, 1), nn.BatchNorm2d(3, momentum=0.2), nn.Flatten(), nn.BatchNorm1d(12, affine=False)
    )


def test_sync_batch_norm_on_one_process():
    # nn.SyncBatchNorm and convert_sync_batchnorm were missing (NotInMyTorchError)
    model = _bn_model(mytorch)
    weight, stats = model[1].weight, model[3].running_mean
    model[1].eval()
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    assert isinstance(converted[1], nn.SyncBatchNorm) and isinstance(converted[3], nn.SyncBatchNorm)
    assert (
        converted[1].weight is weight and converted[3].running_mean is stats
    )  # (an optimizer made before still works)
    assert not converted[1].training and converted[3].training and converted[3].weight is None
    norm = nn.SyncBatchNorm(3, dtype=mytorch.float64)
    plain = nn.BatchNorm1d(3, dtype=mytorch.float64)
    x = mytorch.tensor(np.arange(30.0).reshape(2, 3, 5) ** 1.3)
    np.testing.assert_allclose(norm(x).detach().numpy(), plain(x).detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(norm.running_var.numpy(), plain.running_var.numpy(), rtol=1e-12)
    assert norm(mytorch.tensor(np.ones((2, 3, 2, 2, 2)))).shape == (2, 3, 2, 2, 2)  # (any rank from 2)
    with pytest.raises(ValueError, match="SyncBatchNorm"):
        norm(mytorch.ones(3))


def test_sync_batch_norm_prints_and_runs_as_torchs():
    torch = _torch()
    mine, theirs = _bn_model(mytorch), _bn_model(torch)
    mine.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    mine, theirs = (lib.nn.SyncBatchNorm.convert_sync_batchnorm(m) for lib, m in ((mytorch, mine), (torch, theirs)))
    assert repr(mine) == repr(theirs)
    x = np.arange(8.0).reshape(2, 1, 2, 2) ** 1.5
    out_m, out_t = mine(mytorch.tensor(x).float()), theirs(torch.tensor(x).float())
    np.testing.assert_allclose(out_m.detach().numpy(), out_t.detach().numpy(), atol=1e-5)
    np.testing.assert_allclose(mine[1].running_var.numpy(), theirs[1].running_var.numpy(), rtol=1e-5)


def test_bfloat16_says_numpy_has_none():
    with pytest.raises(AttributeError, match="NumPy has no bfloat16 dtype; use torch.float32"):
        mytorch.bfloat16  # noqa: B018


def _shares(library, **options):
    sampler = library.utils.data.distributed.DistributedSampler
    return [list(sampler(list(range(10)), rank=r, **options)) for r in range(options["num_replicas"])]


def test_distributed_sampler_splits_among_replicas():
    # torch.utils.data.DistributedSampler was missing (NotInMyTorchError)
    assert _shares(mytorch, num_replicas=3, shuffle=False) == [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]]
    assert _shares(mytorch, num_replicas=3, shuffle=False, drop_last=True) == [[0, 3, 6], [1, 4, 7], [2, 5, 8]]
    first, second = _shares(mytorch, num_replicas=2)
    assert sorted(first + second) == list(range(10))  # (one permutation shared by the replicas)
    sampler = mytorch.utils.data.DistributedSampler(list(range(10)))  # (one process: replica 0 of 1)
    before = list(sampler)
    sampler.set_epoch(1)
    assert len(sampler) == 10 and sorted(before) == sorted(sampler) and before != list(sampler)
    with pytest.raises(ValueError, match="rank"):
        mytorch.utils.data.DistributedSampler(list(range(10)), num_replicas=2, rank=2)


def test_distributed_sampler_shares_as_torchs():
    torch = _torch()
    for options in ({"num_replicas": 4}, {"num_replicas": 4, "drop_last": True}, {"num_replicas": 15}):
        assert _shares(mytorch, shuffle=False, **options) == _shares(torch, shuffle=False, **options)


def test_distributions_export_transforms_and_the_straight_through_one_hot():
    # torch.distributions.TanhTransform (...) and OneHotCategoricalStraightThrough were missing
    D = mytorch.distributions
    assert D.TanhTransform is D.transforms.TanhTransform and D.ComposeTransform is D.transforms.ComposeTransform
    logits = mytorch.tensor([[0.5, -1.0, 2.0]], requires_grad=True)
    d = D.OneHotCategoricalStraightThrough(logits=logits)
    draw = d.rsample()
    assert d.has_rsample and draw.sum().item() == 1.0 and set(draw.detach().numpy().ravel()) == {0.0, 1.0}
    weights = np.array([1.0, 2.0, 3.0])
    (draw * mytorch.tensor(weights)).sum().backward()
    p = np.exp([0.5, -1.0, 2.0]) / np.exp([0.5, -1.0, 2.0]).sum()
    np.testing.assert_allclose(logits.grad.numpy()[0], p * (weights - p @ weights), rtol=1e-6)  # (softmax's J^T w)


def test_sigmoid_transform_clips_as_torchs():
    # SigmoidTransform's inverse of 1.0 was inf (a bounded likelihood's log_prob at the bound NaN,
    # and a ValueError past it), where PyTorch's clips y to [tiny, 1 - eps] both ways
    t = mytorch.distributions.SigmoidTransform()
    info = np.finfo(np.float64)
    y = mytorch.tensor([1.1, 1.0, 0.0, -0.1, 0.25], dtype=mytorch.float64)
    expected = np.log(np.clip(y.numpy(), info.tiny, 1 - info.eps)) - np.log1p(
        -np.clip(y.numpy(), info.tiny, 1 - info.eps)
    )
    np.testing.assert_allclose(t.inv(y).numpy(), expected, rtol=1e-12)
    assert t(mytorch.tensor([800.0, -800.0], dtype=mytorch.float64)).tolist() == [1 - info.eps, info.tiny]
    d = mytorch.distributions.TransformedDistribution(
        mytorch.distributions.Normal(mytorch.tensor(0.0), mytorch.tensor(1.0)), [t]
    )
    assert np.isfinite(d.log_prob(mytorch.tensor(1.0)).item())


def test_sigmoid_transform_as_torchs():
    torch = _torch()
    y = [1.1, 1.0, 0.0, -0.1, 0.25, 1e-320]
    for dtype in ("float32", "float64"):
        mine = mytorch.distributions.SigmoidTransform()
        theirs = torch.distributions.SigmoidTransform()
        a, b = mytorch.tensor(y, dtype=getattr(mytorch, dtype)), torch.tensor(y, dtype=getattr(torch, dtype))
        np.testing.assert_allclose(mine.inv(a).numpy(), theirs.inv(b).numpy(), rtol=1e-6)
        np.testing.assert_allclose(mine(a * 900).numpy(), theirs(b * 900).numpy(), rtol=1e-6)

"""What the ported programs of 2026-12-04 found missing: cholesky_solve, cholesky_inverse,
linalg.cond, TripletMarginWithDistanceLoss, Adadelta's step count. Values against NumPy or closed
forms, gradients against central differences, and against PyTorch where it is installed."""

from __future__ import annotations

import numpy as np
import pytest
from test_inplace import central_differences

import mytorch as mt
import mytorch.nn as nn
import mytorch.nn.functional as F


def _spd(rng, n=3, batch=()):
    a = rng.normal(size=(*batch, n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_and_inverse(upper):
    rng = np.random.default_rng(0)
    A, B = _spd(rng, batch=(2,)), rng.normal(size=(2, 3, 2))
    factor = np.linalg.cholesky(A)
    factor = np.swapaxes(factor, -1, -2) if upper else factor
    X = mt.cholesky_solve(mt.tensor(B), mt.tensor(factor), upper=upper)
    np.testing.assert_allclose(X.numpy(), np.linalg.solve(A, B), rtol=1e-12)
    inverse = mt.cholesky_inverse(mt.tensor(factor[0]), upper=upper)
    np.testing.assert_allclose(inverse.numpy(), np.linalg.inv(A[0]), rtol=1e-12)
    w = rng.normal(size=(2, 3, 2))

    def f(b, factor_):
        return float((mt.cholesky_solve(mt.tensor(b), mt.tensor(factor_), upper=upper).numpy() * w).sum())

    b, lo = mt.tensor(B, requires_grad=True), mt.tensor(factor, requires_grad=True)
    (mt.cholesky_solve(b, lo, upper=upper) * mt.tensor(w)).sum().backward()
    gb, gl = central_differences(f, [B.copy(), factor.copy()])
    np.testing.assert_allclose(b.grad.numpy(), gb, rtol=1e-6, atol=1e-8)
    triangle = np.triu if upper else np.tril  # only the factor's triangle is read
    np.testing.assert_allclose(lo.grad.numpy(), triangle(gl), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("p", [None, 2, -2, 1, -1, np.inf, -np.inf, "fro", "nuc"])
def test_cond(p):
    rng = np.random.default_rng(1)
    A = rng.normal(size=(2, 3, 3))
    x = mt.tensor(A, requires_grad=True)
    c = mt.linalg.cond(x, p)
    np.testing.assert_allclose(c.detach().numpy(), np.linalg.cond(A, p), rtol=1e-10)
    c.sum().backward()
    (expected,) = central_differences(lambda a: float(np.linalg.cond(a, p).sum()), [A.copy()])
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-5, atol=1e-7)
    with pytest.raises(ValueError, match="p must be"):
        mt.linalg.cond(x, 3)


def test_triplet_margin_with_distance_loss():
    rng = np.random.default_rng(2)
    a0, p0, n0 = (rng.normal(size=(6, 4)) for _ in range(3))
    a, p, n = (mt.tensor(v, requires_grad=True) for v in (a0, p0, n0))
    default = nn.TripletMarginWithDistanceLoss(margin=0.7)(a, p, n)
    np.testing.assert_allclose(default.item(), F.triplet_margin_loss(a, p, n, margin=0.7).item(), rtol=1e-12)

    def cosine(x, y):
        return 1 - F.cosine_similarity(x, y)

    loss = F.triplet_margin_with_distance_loss(a, p, n, distance_function=cosine, margin=1.2, swap=True)
    loss.backward()

    def f(x, y, z):
        t = [mt.tensor(v) for v in (x, y, z)]
        return F.triplet_margin_with_distance_loss(*t, distance_function=cosine, margin=1.2, swap=True).item()

    for got, expected in zip((a.grad, p.grad, n.grad), central_differences(f, [a0.copy(), p0.copy(), n0.copy()])):
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6, atol=1e-8)
    with pytest.raises(ValueError, match="margin"):
        F.triplet_margin_with_distance_loss(a, p, n, margin=0.0)


def test_adadelta_counts_its_steps():
    w = nn.Parameter(mt.ones(2))
    opt = mt.optim.Adadelta([w])
    for _ in range(3):
        w.grad = mt.ones(2)
        opt.step()
    assert int(np.asarray(opt.state_dict()["state"][0]["step"]).reshape(())) == 3


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    A, B = _spd(rng), rng.normal(size=(3, 2))
    M = rng.normal(size=(3, 3))
    a0, p0, n0 = (rng.normal(size=(5, 4)) for _ in range(3))
    results = []
    for lib in (torch, mt):
        factor = lib.linalg.cholesky(lib.tensor(A))
        b = lib.tensor(B, requires_grad=True)
        x = lib.cholesky_solve(b, factor)
        x.pow(2).sum().backward()
        m = lib.tensor(M, requires_grad=True)
        lib.linalg.cond(m).backward()
        trip = [lib.tensor(v, requires_grad=True) for v in (a0, p0, n0)]
        loss = lib.nn.TripletMarginWithDistanceLoss(distance_function=lib.nn.PairwiseDistance(p=1.0), swap=True)(*trip)
        loss.backward()
        got = [x, b.grad, lib.cholesky_inverse(factor), m.grad, loss, *(t.grad for t in trip)]
        results.append([t.detach().numpy() for t in got])
    for theirs, mine in zip(*results):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-12)


def test_kl_div_mean_warns_as_pytorch():
    x, t = mt.zeros(2, 3), mt.ones(2, 3) / 3
    with pytest.warns(UserWarning, match="batchmean"):
        F.kl_div(x, t)
    with pytest.warns(UserWarning, match="batchmean"):
        nn.KLDivLoss()(x, t)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.kl_div(x, t, reduction="batchmean")


def test_custom_scheduler_on_the_older_base_class():
    class Warmup(mt.optim.lr_scheduler._LRScheduler):
        def __init__(self, optimizer, warmup, last_epoch=-1, verbose=False):
            self.warmup = warmup
            super().__init__(optimizer, last_epoch, verbose)  # (PyTorch's older code passes verbose)

        def get_lr(self):
            return [b * min(1.0, (self.last_epoch + 1) / self.warmup) for b in self.base_lrs]

    opt = mt.optim.SGD([nn.Parameter(mt.zeros(2))], lr=0.1)
    scheduler = Warmup(opt, 4)
    rates = [scheduler.get_last_lr()[0]]
    for _ in range(4):
        opt.step()
        scheduler.step()
        rates.append(scheduler.get_last_lr()[0])
    assert rates == pytest.approx([0.025, 0.05, 0.075, 0.1, 0.1])
    assert isinstance(scheduler, mt.optim.lr_scheduler.LRScheduler)


def test_linalg_matrix_power_and_diagonal():
    rng = np.random.default_rng(4)
    A = rng.normal(size=(2, 3, 3))
    for n in (0, 1, 3, -2):
        expected = np.linalg.matrix_power(A, n)
        np.testing.assert_allclose(mt.linalg.matrix_power(mt.tensor(A), n).numpy(), expected, rtol=1e-10, atol=1e-12)
    x = mt.tensor(A, requires_grad=True)
    mt.linalg.matrix_power(x, 3).sum().backward()
    (expected,) = central_differences(lambda a: float(np.linalg.matrix_power(a, 3).sum()), [A.copy()])
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(mt.linalg.diagonal(mt.tensor(A), offset=1).numpy(), np.diagonal(A, 1, -2, -1))


def test_jit_returns_what_it_is_given():
    model = nn.Sequential(nn.Linear(3, 2), nn.Tanh())
    assert mt.jit.script(model) is model and mt.jit.trace(model, mt.zeros(1, 3)) is model

    @mt.jit.script
    def double(x):
        return 2 * x

    @mt.jit.ignore(drop=True)
    def helper(x):
        return x

    assert double(mt.ones(2)).tolist() == [2.0, 2.0] and helper(3) == 3 and not mt.jit.is_scripting()
    assert mt.jit.annotate(list, [1]) == [1] and not isinstance(model, mt.jit.ScriptModule)
    with pytest.raises(NotImplementedError, match="state_dict"):
        mt.jit.save(model, "model.pt")


def test_cholesky_ex_reports_instead_of_raising():
    rng = np.random.default_rng(5)
    A = _spd(rng, n=4, batch=(3,))
    A[1, 2, 2] = -50.0  # its third leading minor is not positive-definite
    x = mt.tensor(A, requires_grad=True)
    factor, info = mt.linalg.cholesky_ex(x)
    assert info.dtype == np.int32 and info.tolist() == [0, 3, 0]
    assert np.isnan(factor.detach().numpy()[1]).all()
    np.testing.assert_allclose(factor.detach().numpy()[[0, 2]], np.linalg.cholesky(A[[0, 2]]), rtol=1e-12)
    factor[0].sum().backward()
    (expected,) = central_differences(
        lambda a: float(np.linalg.cholesky(np.tril(a) + np.tril(a, -1).T).sum()), [A[0].copy()]
    )
    np.testing.assert_allclose(x.grad.numpy()[0], (expected + expected.T) / 2, rtol=1e-6, atol=1e-8)
    assert not x.grad.numpy()[1:].any()
    with pytest.raises(mt.linalg.LinAlgError, match="positive-definite"):
        mt.linalg.cholesky_ex(x, check_errors=True)
    ok, info_ok = mt.linalg.cholesky_ex(mt.tensor(A[0]), upper=True)
    assert info_ok.item() == 0
    np.testing.assert_allclose(ok.numpy(), np.linalg.cholesky(A[0]).T, rtol=1e-12)


def test_cholesky_ex_finds_the_failing_minor_in_few_factorisations(monkeypatch):
    # one factorisation per leading order made a 64 x 64 matrix cost about 16 of its own; now one where it is
    # positive-definite, and about log2(64) = 6 more where it is not (the failing order found by bisection)
    from mytorch import linalg

    rng = np.random.default_rng(6)
    A = _spd(rng, n=64)
    sizes = []
    factorise = np.linalg.cholesky

    def counted(a):
        sizes.append(a.shape[-1])
        return factorise(a)

    monkeypatch.setattr(linalg.np.linalg, "cholesky", counted)
    assert linalg._failed_minor(A) == 0 and sizes == [64]
    for k in (1, 2, 37, 64):
        B = A.copy()
        B[k - 1, k - 1] = -1e6  # the leading minor of order k is the first that is not positive-definite
        sizes.clear()
        assert linalg._failed_minor(B) == k
        assert len(sizes) <= 7, sizes


def test_asgd_by_hand_and_against_pytorch():
    rng = np.random.default_rng(6)
    w0, grads = rng.normal(size=3), rng.normal(size=(5, 3))
    lr, lambd, alpha, t0 = 0.05, 1e-3, 0.75, 2
    w = nn.Parameter(mt.tensor(w0))
    opt = mt.optim.ASGD([w], lr=lr, lambd=lambd, alpha=alpha, t0=t0)
    p, ax, eta, mu = w0.copy(), np.zeros(3), float(np.float32(lr)), 1.0
    for t, g in enumerate(grads, start=1):
        w.grad = mt.tensor(g)
        opt.step()
        p = p * (1 - lambd * eta) - eta * g
        ax = ax + mu * (p - ax) if mu != 1 else p.copy()
        # (kept in the default dtype, float32 here, as PyTorch keeps them)
        eta, mu = float(np.float32(lr / (1 + lambd * lr * t) ** alpha)), float(np.float32(1 / max(1, t - t0)))
    np.testing.assert_allclose(w.detach().numpy(), p, rtol=1e-12)
    np.testing.assert_allclose(opt.state[w]["ax"].numpy(), ax, rtol=1e-12)
    assert sorted(opt.state_dict()["state"][0]) == ["ax", "eta", "mu", "step"]
    torch = pytest.importorskip("torch")
    tw = torch.nn.Parameter(torch.tensor(w0))
    topt = torch.optim.ASGD([tw], lr=lr, lambd=lambd, alpha=alpha, t0=t0)
    for g in grads:
        tw.grad = torch.tensor(g)
        topt.step()
    np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(opt.state[w]["ax"].numpy(), topt.state[tw]["ax"].numpy(), rtol=1e-12)


@pytest.mark.parametrize("edge_order", [1, 2])
def test_gradient_is_numpys_and_differentiable(edge_order):
    rng = np.random.default_rng(7)
    a = rng.normal(size=(5, 6))
    xs, ys = np.sort(rng.uniform(0, 3, 6)), np.sort(rng.uniform(0, 2, 5))
    for kw, numpy_args in (
        ({}, ()),
        ({"spacing": [0.5, 2.0]}, (0.5, 2.0)),
        ({"spacing": (mt.tensor(ys), mt.tensor(xs))}, (ys, xs)),
    ):
        got = mt.gradient(mt.tensor(a), edge_order=edge_order, **kw)
        for mine, theirs in zip(got, np.gradient(a, *numpy_args, edge_order=edge_order)):
            np.testing.assert_allclose(mine.numpy(), theirs, rtol=1e-12, atol=1e-12)
    (along,) = mt.gradient(mt.tensor(a), dim=1, edge_order=edge_order)
    np.testing.assert_allclose(along.numpy(), np.gradient(a, axis=1, edge_order=edge_order), rtol=1e-12)
    x = mt.tensor(a, requires_grad=True)
    w = rng.normal(size=(5, 6))
    (mt.gradient(x, spacing=(mt.tensor(ys),), dim=0, edge_order=edge_order)[0] ** 2 * mt.tensor(w)).sum().backward()

    def f(v):
        return float((np.gradient(v, ys, axis=0, edge_order=edge_order) ** 2 * w).sum())

    np.testing.assert_allclose(x.grad.numpy(), central_differences(f, [a.copy()])[0], rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match="edge_order"):
        mt.gradient(x, edge_order=3)
    torch = pytest.importorskip("torch")
    theirs = torch.gradient(torch.tensor(a), spacing=(torch.tensor(ys), torch.tensor(xs)), edge_order=edge_order)
    mine = mt.gradient(mt.tensor(a), spacing=(mt.tensor(ys), mt.tensor(xs)), edge_order=edge_order)
    for m, t in zip(mine, theirs):
        np.testing.assert_allclose(m.numpy(), t.numpy(), rtol=1e-12, atol=1e-12)

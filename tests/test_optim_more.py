"""Adamax, Adadelta, NAdam, RAdam (mytorch/optim/adaptive.py) and MultiplicativeLR, PolynomialLR,
CosineAnnealingWarmRestarts, ChainedScheduler: parameters and rates step by step against PyTorch
(skipped without it), and closed forms without it."""

import numpy as np
import pytest
from replay_compare import assert_replay_trains_like_the_dynamic_step

import mytorch as mt
import mytorch.optim


def trained(L, make, steps):
    """Two parameters of a small tanh model after ``steps`` steps of ``make(L.optim, params)``."""
    rng = np.random.default_rng(0)
    w = L.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    b = L.tensor(rng.standard_normal(2), requires_grad=True)
    x = L.tensor(rng.standard_normal((5, 3)))
    opt = make(L.optim, [w, b])
    for _ in range(steps):
        opt.zero_grad()
        ((x @ w + b).tanh() ** 2).sum().backward()
        opt.step()
    return np.concatenate([w.detach().numpy().ravel(), b.detach().numpy().ravel()])


OPTIMIZERS = {
    "Adamax": lambda optim, p: optim.Adamax(p, lr=0.01, weight_decay=0.1),
    "Adadelta": lambda optim, p: optim.Adadelta(p, lr=0.5, rho=0.8, weight_decay=0.01),
    "NAdam": lambda optim, p: optim.NAdam(p, lr=0.01, weight_decay=0.05),
    "NAdam decoupled": lambda optim, p: optim.NAdam(p, lr=0.01, weight_decay=0.05, decoupled_weight_decay=True),
    "RAdam": lambda optim, p: optim.RAdam(p, lr=0.01, weight_decay=0.05),
    "RAdam decoupled": lambda optim, p: optim.RAdam(
        p, lr=0.01, betas=(0.8, 0.9), weight_decay=0.05, decoupled_weight_decay=True
    ),
    # maximize=True in every optimizer (foreach=False taken and ignored, as code written for PyTorch passes it)
    "SGD maximize": lambda optim, p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, maximize=True, foreach=False),
    "SGD plain maximize": lambda optim, p: optim.SGD(p, lr=0.05, maximize=True),
    "Adam maximize": lambda optim, p: optim.Adam(p, lr=0.01, weight_decay=0.1, maximize=True),
    "AdamW maximize": lambda optim, p: optim.AdamW(p, lr=0.01, amsgrad=True, maximize=True),
    "RMSprop maximize": lambda optim, p: optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True, maximize=True),
    "Adagrad maximize": lambda optim, p: optim.Adagrad(p, lr=0.1, weight_decay=0.1, maximize=True),
    "Adamax maximize": lambda optim, p: optim.Adamax(p, lr=0.01, maximize=True),
    "Adadelta maximize": lambda optim, p: optim.Adadelta(p, lr=0.5, maximize=True),
    "NAdam maximize": lambda optim, p: optim.NAdam(p, lr=0.01, maximize=True),
    "RAdam maximize": lambda optim, p: optim.RAdam(p, lr=0.01, maximize=True),
    "Rprop": lambda optim, p: optim.Rprop(p, lr=0.05),
    "Rprop etas": lambda optim, p: optim.Rprop(p, lr=0.2, etas=(0.3, 1.5), step_sizes=(0.01, 0.3), maximize=True),
}


def rates(L, make, n=14):
    """The two groups' rates after each of ``n`` epochs."""
    p, q = L.nn.Parameter(L.ones(2)), L.nn.Parameter(L.ones(2))
    o = L.optim.SGD([{"params": [p]}, {"params": [q], "lr": 0.5}], lr=0.1, momentum=0.9)
    s = make(L.optim.lr_scheduler, o)
    out = []
    for _ in range(n):
        o.step()
        s.step()
        out.append(s.get_last_lr())
    return np.array(out)


SCHEDULERS = {
    "MultiplicativeLR": lambda S, o: S.MultiplicativeLR(o, lambda e: 0.9 if e % 2 else 0.95),
    "PolynomialLR": lambda S, o: S.PolynomialLR(o, total_iters=6, power=2.0),
    "CosineAnnealingWarmRestarts": lambda S, o: S.CosineAnnealingWarmRestarts(o, 3, T_mult=2, eta_min=0.01),
    "CosineAnnealingWarmRestarts T_mult 1": lambda S, o: S.CosineAnnealingWarmRestarts(o, 4),
    "ChainedScheduler": lambda S, o: S.ChainedScheduler(
        [S.ConstantLR(o, factor=0.5, total_iters=3), S.ExponentialLR(o, 0.9)]
    ),
    "CyclicLR": lambda S, o: S.CyclicLR(o, base_lr=[0.01, 0.02], max_lr=0.1, step_size_up=3, step_size_down=2),
    "CyclicLR triangular2": lambda S, o: S.CyclicLR(o, 0.01, 0.1, step_size_up=2, mode="triangular2"),
    "CyclicLR exp_range": lambda S, o: S.CyclicLR(o, 0.01, 0.1, step_size_up=2, mode="exp_range", gamma=0.9),
    "CyclicLR scale_fn": lambda S, o: S.CyclicLR(o, 0.01, 0.1, 3, scale_fn=lambda k: 0.95**k, scale_mode="iterations"),
    "SequentialLR warm-up": lambda S, o: S.SequentialLR(
        o, [S.LinearLR(o, start_factor=0.1, total_iters=4), S.CosineAnnealingLR(o, T_max=6)], milestones=[4]
    ),
    "SequentialLR three": lambda S, o: S.SequentialLR(
        o,
        [S.ConstantLR(o, factor=0.5, total_iters=2), S.ExponentialLR(o, 0.8), S.StepLR(o, 2, 0.5)],
        milestones=[3, 7],
    ),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_against_pytorch(name):
    torch = pytest.importorskip("torch")
    for steps in (3, 12):
        np.testing.assert_allclose(
            trained(mt, OPTIMIZERS[name], steps), trained(torch, OPTIMIZERS[name], steps), atol=1e-13
        )


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_scheduler_against_pytorch(name):
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(rates(mt, SCHEDULERS[name]), rates(torch, SCHEDULERS[name]), rtol=1e-14)


def test_closed_forms():
    # Adamax moves each parameter by lr at its first step (m / (1 - b1) = g, u = |g| + eps)
    w = mt.tensor([1.0, -2.0], dtype=mt.float64, requires_grad=True)
    opt = mt.optim.Adamax([w], lr=0.1)
    (w * mt.tensor([3.0, -0.5], dtype=mt.float64)).sum().backward()
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [0.9, -1.9], rtol=1e-7)
    # RAdam's first steps (rho_t <= 5) are plain bias-corrected momentum: lr * g
    v = mt.tensor([1.0], dtype=mt.float64, requires_grad=True)
    radam = mt.optim.RAdam([v], lr=0.1)
    (2 * v).sum().backward()
    radam.step()
    np.testing.assert_allclose(v.detach().numpy(), [0.8])
    restarts = rates(mt, lambda S, o: S.CosineAnnealingWarmRestarts(o, 2), 4)[:, 0]
    np.testing.assert_allclose(restarts, [0.05, 0.1, 0.05, 0.1])
    with pytest.raises(ValueError, match="rho"):
        mt.optim.Adadelta([v], rho=1.5)
    # a negative momentum_decay was taken: 0.96 ** (t psi) in mu_t then grows without bound
    with pytest.raises(ValueError, match="momentum_decay"):
        mt.optim.NAdam([v], momentum_decay=-1.0)


def test_warm_restarts_stepped_to_an_epoch():
    # step(epoch), fractional per batch as PyTorch's documentation shows, was a TypeError
    def rates_at(L, epochs):
        o = L.optim.SGD([L.nn.Parameter(L.ones(2))], lr=0.1)
        s = L.optim.lr_scheduler.CosineAnnealingWarmRestarts(o, 2, T_mult=2, eta_min=0.01)
        out = []
        for e in epochs:
            o.step()
            s.step(e)
            out.append((o.param_groups[0]["lr"], s.last_epoch))
        return np.array(out)

    epochs = [e + i / 4 for e in range(9) for i in range(4)] + [5.99, 6.0, 14.0, 0.5]
    got = rates_at(mt, epochs)
    # epoch 2.5 lies in the second period, [2, 6): 0.5 into a period of 4
    assert got[10, 1] == 2 and got[10, 0] == pytest.approx(0.01 + 0.09 * (1 + np.cos(np.pi * 0.5 / 4)) / 2, rel=1e-15)
    assert got[-3, 0] == pytest.approx(0.1, rel=1e-15) and got[-2, 0] == pytest.approx(0.1, rel=1e-15)  # restarts
    sgd = mt.optim.SGD([mt.nn.Parameter(mt.ones(1))], lr=0.1)
    with pytest.raises(ValueError, match="epoch"):
        mt.optim.lr_scheduler.CosineAnnealingWarmRestarts(sgd, 2).step(-1)
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(got, rates_at(torch, epochs), rtol=1e-14)


def test_cyclic_momentum_moves_against_the_rate_as_in_pytorch():
    torch = pytest.importorskip("torch")

    def momenta(L, make):
        p = L.nn.Parameter(L.ones(2))
        o = make(L.optim, p)
        s = L.optim.lr_scheduler.CyclicLR(o, 0.01, 0.1, step_size_up=2)
        out = []
        for _ in range(7):
            o.step()
            s.step()
            group = o.param_groups[0]
            out.append((group["lr"], group["betas"][0] if "betas" in group else group["momentum"]))
        return np.array(out)

    for make in (lambda optim, p: optim.SGD([p], lr=0.1, momentum=0.9), lambda optim, p: optim.Adam([p])):
        np.testing.assert_allclose(momenta(mt, make), momenta(torch, make), rtol=1e-14)


def test_maximize_flips_only_its_groups_and_leaves_the_gradients_as_they_were():
    w, v = mt.tensor([1.0, 2.0], requires_grad=True), mt.tensor([3.0], requires_grad=True)
    value, grad = np.array([1.0]), np.array([0.5])  # a handout pair
    opt = mt.optim.SGD([{"params": [w, (value, grad)], "maximize": True}, {"params": [v]}], lr=0.1)
    (w.square().sum() + v.square().sum()).backward()
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [1.2, 2.4])  # ascends: w + 0.1 * 2w
    np.testing.assert_allclose(v.detach().numpy(), [2.4])  # descends
    np.testing.assert_allclose(value, [1.05])
    assert w.grad.tolist() == [2.0, 4.0] and grad.tolist() == [0.5]  # the gradients back as they were
    opt.maximize = False  # in every group, and back to the class's own step
    assert opt.param_groups[0]["maximize"] is False
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [1.0, 2.0])
    saved = mt.optim.SGD([w], lr=0.1, maximize=True).state_dict()
    again = mt.optim.SGD([w], lr=0.1)
    again.load_state_dict(saved)
    assert again.maximize is True
    again.step()  # ascends (w's gradient is still 2w at [1, 2])
    np.testing.assert_allclose(w.detach().numpy(), [1.2, 2.4])
    with pytest.raises(NotImplementedError, match="differentiable"):
        mt.optim.Adam([w], differentiable=True)


@pytest.mark.parametrize("options", [{}, {"lr": 0.5, "max_iter": 5, "history_size": 3}, {"lr": 0.1}])
def test_lbfgs_against_pytorch(options):
    torch = pytest.importorskip("torch")

    def run(L):
        r = np.random.default_rng(0)
        w = L.tensor(r.standard_normal((3, 2)), requires_grad=True)
        b = L.tensor(r.standard_normal(2), requires_grad=True)
        x = L.tensor(r.standard_normal((6, 3)))
        opt = L.optim.LBFGS([w, b], **options)

        def closure():
            opt.zero_grad()
            loss = ((x @ w + b).tanh() ** 2).sum() + (w * w).sum() * 0.1
            loss.backward()
            return loss

        losses = [opt.step(closure).item() for _ in range(4)]
        return np.array(losses + w.detach().numpy().ravel().tolist() + b.detach().numpy().ravel().tolist())

    np.testing.assert_allclose(run(mt), run(torch), rtol=1e-10, atol=1e-12)


def test_lbfgs_refuses_what_it_does_not_do():
    w = mt.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="line_search_fn"):
        mt.optim.LBFGS([w], line_search_fn="backtracking")
    with pytest.raises(NotImplementedError, match="maximize"):
        mt.optim.LBFGS([w], maximize=True).step(lambda: (w * w).sum())


def _rosenbrock_run(L, start, **options):
    xy = L.tensor(start, dtype=L.float64, requires_grad=True)
    opt = L.optim.LBFGS([xy], line_search_fn="strong_wolfe", **options)
    calls = []

    def closure():
        opt.zero_grad()
        loss = (1 - xy[0]) ** 2 + 100 * (xy[1] - xy[0] ** 2) ** 2
        loss.backward()
        calls.append(loss.item())
        return loss

    for _ in range(3):
        opt.step(closure)
    return calls, xy.detach().numpy()


@pytest.mark.parametrize("start", [[-1.5, 2.0], [1.2, 1.2], [0.0, 0.0]])
@pytest.mark.parametrize("options", [{"max_iter": 8}, {"lr": 0.5, "history_size": 2, "max_iter": 6}])
def test_lbfgs_strong_wolfe_against_pytorch(start, options):
    # line_search_fn="strong_wolfe" raised NotImplementedError before; the Rosenbrock valley makes
    # the search bracket and zoom: every evaluation's loss (so their number) and the end point
    torch = pytest.importorskip("torch")
    mine, theirs = _rosenbrock_run(mt, start, **options), _rosenbrock_run(torch, start, **options)
    assert len(mine[0]) == len(theirs[0])
    np.testing.assert_allclose(mine[0], theirs[0], rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(mine[1], theirs[1], rtol=1e-9)


def test_lbfgs_strong_wolfe_finds_the_minimum_and_meets_the_conditions():
    calls, end = _rosenbrock_run(mt, [-1.5, 2.0], max_iter=30)
    np.testing.assert_allclose(end, [1.0, 1.0], atol=1e-4)  # the Rosenbrock minimum (to tolerance_grad)
    # a quadratic: the first search direction is -g, and the accepted step meets both strong-Wolfe
    # conditions (sufficient decrease with c1 = 1e-4, |slope| <= 0.9 |initial slope|)
    a = mt.tensor([[3.0, 0.5], [0.5, 1.0]], dtype=mt.float64)
    w = mt.tensor([4.0, -3.0], dtype=mt.float64, requires_grad=True)
    opt = mt.optim.LBFGS([w], line_search_fn="strong_wolfe", max_iter=1)

    def f(v):
        return 0.5 * v @ a @ v

    def closure():
        opt.zero_grad()
        loss = f(w)
        loss.backward()
        return loss

    w0 = w.detach().clone()
    g0 = (a @ w0).numpy()
    opt.step(closure)
    moved = w.detach().numpy() - w0.numpy()
    t = moved[0] / -g0[0]  # the step along d = -g0
    np.testing.assert_allclose(moved, -t * g0, rtol=1e-12)
    slope0, slope = float(g0 @ -g0), float((a @ w.detach()).numpy() @ -g0)
    assert f(w).item() <= f(w0).item() + 1e-4 * t * slope0
    assert abs(slope) <= 0.9 * abs(slope0)


def test_lbfgs_history_is_the_first_parameters_state():
    # optimizer.state[first parameter] was {} (KeyError: 'func_evals'); PyTorch keeps the search there
    w = mt.tensor([1.5, -0.5], dtype=mt.float64, requires_grad=True)
    b = mt.tensor([0.2], dtype=mt.float64, requires_grad=True)
    opt = mt.optim.LBFGS([w, b], history_size=3, max_iter=5)
    assert len(opt.state) == 0 and w not in opt.state
    state = opt.state[w]

    def closure():
        opt.zero_grad()
        loss = ((w - 1) ** 4).sum() + (w**2).sum() + (b**2).sum()
        loss.backward()
        return loss

    for _ in range(2):
        opt.step(closure)
    assert state is opt.state[w] and state["func_evals"] == state["n_iter"] == 10  # live; PyTorch: 10, 10
    assert len(state["old_dirs"]) == 3 and isinstance(state["d"], mt.Tensor) and state["d"].shape == (3,)
    assert list(opt.state) == [w] and opt.state[b] == {} and opt.state_dict()["state"] == {}
    opt.state.clear()
    assert len(opt.state) == 0 and opt.state[w] == {}
    opt.step(closure)  # starts afresh
    assert opt.state[w]["n_iter"] == 3  # (PyTorch: 3 too)


def test_the_line_search_cubic_step_in_closed_form():
    from mytorch.optim.lbfgs import _cubic_minimum

    # f(x) = x^3 - 3x: f(0) = 0, f'(0) = -3, f(2) = 2, f'(2) = 9; its minimum is at 1
    assert _cubic_minimum(0.0, 0.0, -3.0, 2.0, 2.0, 9.0) == pytest.approx(1.0, rel=1e-14)
    assert _cubic_minimum(2.0, 2.0, 9.0, 0.0, 0.0, -3.0) == pytest.approx(1.0, rel=1e-14)
    assert _cubic_minimum(0.0, 0.0, -3.0, 2.0, 2.0, 9.0, bounds=(1.5, 3.0)) == 1.5  # clipped to the bounds
    # no stationary point (slope 1 at 0 and at 1, f rising by 2/3: the cubic 2x^3/3 - x^2 + x, whose
    # slope 2(x - 1/2)^2 + 1/2 is positive; d1 = 0 < g1 g2): the middle of the bounds
    assert _cubic_minimum(0.0, 0.0, 1.0, 1.0, 2.0 / 3.0, 1.0, bounds=(0.0, 4.0)) == 2.0


def test_rprop_in_closed_form():
    # 'module mytorch.optim has no attribute Rprop' before: sign-based steps whose sizes grow by
    # etaplus while the gradient keeps its sign, shrink by etaminus when it flips (that step is 0)
    w = mt.tensor([1.0, -2.0], dtype=mt.float64, requires_grad=True)
    opt = mt.optim.Rprop([w], lr=0.1, etas=(0.5, 2.0), step_sizes=(1e-3, 0.3))
    path = []
    for _ in range(5):
        opt.zero_grad()
        (w**2).sum().backward()  # the gradient 2 w: its sign is w's
        opt.step()
        path.append(w.detach().numpy().copy())
    # w0: 1.0 -> 0.9 (0.1) -> 0.7 (0.2) -> 0.4 (0.3, clamped) -> 0.1 (0.3) -> -0.2 (0.3)
    np.testing.assert_allclose([q[0] for q in path], [0.9, 0.7, 0.4, 0.1, -0.2], rtol=1e-12)
    np.testing.assert_allclose([q[1] for q in path], [-1.9, -1.7, -1.4, -1.1, -0.8], rtol=1e-12)
    w.grad = mt.tensor([-1.0, -1.0], dtype=mt.float64)  # w0's gradient flips sign: its size halves, no step
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [-0.2, -0.5], rtol=1e-12)
    np.testing.assert_allclose(opt.state[w]["step_size"].numpy(), [0.15, 0.3])
    with pytest.raises(ValueError, match="etaminus"):
        mt.optim.Rprop([w], etas=(1.5, 1.2))


def test_a_replayed_rprop_step_gives_the_dynamic_weights():
    assert_replay_trains_like_the_dynamic_step(
        np.array([[0.1, -0.2, 0.3]]),
        np.random.default_rng(0).standard_normal((4, 3)),
        lambda w: mt.optim.Rprop([w], lr=0.05),
        lambda x, w: ((x @ w.t() - 1) ** 2).mean(),
        steps=8,
        verify=2,
    )

"""The optimizers against updates worked out by hand (closed forms), and their state."""

from __future__ import annotations

import copy
import math
import re

import numpy as np
import pytest

import mytorch as mt
from mytorch.optim import SGD, Adagrad, Adam, RMSprop
from mytorch.optim import lr_scheduler as schedules

P0 = np.array([1.0, -2.0, 0.5])
G = np.array([0.5, -1.0, 2.0])  # a constant gradient


def run(opt_cls, steps, grad=G, **kw):
    p = P0.copy()
    g = grad.copy()
    opt = opt_cls([(p, g)], **kw)
    for _ in range(steps):
        g[...] = grad
        opt.step()
    return p, opt


def test_plain_sgd_moves_lr_times_gradient_per_step():
    p, _ = run(SGD, 3, lr=0.1)
    np.testing.assert_allclose(p, P0 - 3 * 0.1 * G)


def test_a_learning_rate_of_zero_moves_nothing_but_keeps_the_state_as_pytorch():
    """PyTorch allows lr=0 (a frozen group, a warm-up's first step): the parameters stay, the
    running averages still learn the gradients (so a later rate > 0 starts from them)."""
    from mytorch.optim import AdamW

    settings = [(SGD, {"momentum": 0.9, "weight_decay": 0.1}), (Adam, {}), (AdamW, {}), (RMSprop, {}), (Adagrad, {})]
    for cls, kw in settings:
        p, opt = run(cls, 2, lr=0.0, **kw)
        assert np.array_equal(p, P0), cls.__name__
        assert any(np.any(a) for _, a in opt._state_slots()), cls.__name__
        opt.lr = 0.1  # and back up
        opt.step()
        assert not np.array_equal(p, P0), cls.__name__


def test_sgd_momentum_is_a_geometric_sum():
    # v_t = g (1 + mu + ... + mu^(t-1)) = g (1 - mu^t) / (1 - mu); p_T = p0 - lr * sum_t v_t
    lr, mu, T = 0.1, 0.9, 4
    p, _ = run(SGD, T, lr=lr, momentum=mu)
    velocities = sum((1 - mu**t) / (1 - mu) for t in range(1, T + 1))
    np.testing.assert_allclose(p, P0 - lr * velocities * G)
    # by hand for T = 4: 1 + 1.9 + 2.71 + 3.439 = 9.049
    np.testing.assert_allclose(velocities, 9.049)


def test_nesterov_adds_momentum_times_velocity():
    # d_t = g + mu v_t = g (1 + mu (1 - mu^t) / (1 - mu))
    lr, mu, T = 0.05, 0.5, 3
    p, _ = run(SGD, T, lr=lr, momentum=mu, nesterov=True)
    steps = sum(1 + mu * (1 - mu**t) / (1 - mu) for t in range(1, T + 1))
    np.testing.assert_allclose(steps, 1.5 + 1.75 + 1.875)
    np.testing.assert_allclose(p, P0 - lr * steps * G)


def test_sgd_dampening_keeps_a_share_of_each_gradient_after_the_first_step():
    """SGD(dampening=d), as PyTorch's: v_1 = g, then v_t = mu v + (1 - d) g. It was refused
    (TypeError), so a ported script passing dampening did not run. mu = 0.5, d = 0.5, three
    steps of g: v = 1, 1, 1 (0.5 + 0.5) g, the first step undamped; and the state resumes."""
    p, opt = run(SGD, 3, lr=0.1, momentum=0.5, dampening=0.5)
    np.testing.assert_allclose(p, P0 - 0.1 * 3 * G)
    resumed, again = run(SGD, 0, lr=0.1, momentum=0.5, dampening=0.5)
    again.load_state_dict(opt.state_dict())
    resumed[...] = p
    again.step()
    np.testing.assert_allclose(resumed, p - 0.1 * (0.5 + 0.5) * G)
    with pytest.raises(ValueError, match="dampening 0"):
        SGD([(P0.copy(), G.copy())], lr=0.1, momentum=0.9, nesterov=True, dampening=0.1)


def test_weight_decay_alone_shrinks_geometrically():
    p, _ = run(SGD, 5, grad=np.zeros(3), lr=0.1, weight_decay=0.2)
    np.testing.assert_allclose(p, P0 * (1 - 0.1 * 0.2) ** 5)


def test_adam_with_a_constant_gradient_moves_lr_per_step():
    # bias correction makes m_hat = g and v_hat = g^2 exactly, so each step is lr * g / (|g| + eps)
    lr, eps = 0.01, 1e-8
    p, opt = run(Adam, 5, lr=lr, eps=eps)
    np.testing.assert_allclose(p, P0 - 5 * lr * G / (np.abs(G) + eps), rtol=1e-12)
    assert [int(steps) for steps in opt.t] == [5]  # one step count per parameter (0-d, as PyTorch's)


def test_adam_first_two_steps_by_hand():
    # step 1 with g1 = 1: m = 0.1, v = 0.001 -> m_hat = 1, v_hat = 1: p = 1 - 0.1
    # step 2 with g2 = 3: m = 0.09 + 0.3 = 0.39, v = 0.000999 + 0.009 = 0.009999
    #   m_hat = 0.39 / 0.19, v_hat = 0.009999 / 0.001999: p = 0.9 - 0.1 * m_hat / sqrt(v_hat)
    p, g = np.array([1.0]), np.array([1.0])
    opt = Adam([(p, g)], lr=0.1, eps=1e-300)  # eps negligible
    opt.step()
    np.testing.assert_allclose(p, [0.9])
    g[...] = 3.0
    opt.step()
    np.testing.assert_allclose(p, [0.9 - 0.1 * (0.39 / 0.19) / np.sqrt(0.009999 / 0.001999)], rtol=1e-12)


def test_adam_amsgrad_divides_by_the_largest_second_moment_seen():
    # g = 2 then 1 (betas 0.5, 0.5, eps negligible): v = 2, then 1.5 -> v_max stays 2; m = 1, then 1
    p, g = np.array([0.0]), np.array([2.0])
    opt = Adam([(p, g)], lr=0.1, betas=(0.5, 0.5), eps=1e-300, amsgrad=True)
    opt.step()
    np.testing.assert_allclose(p, [-0.1])  # m_hat = 2, v_hat = 4
    g[...] = 1.0
    opt.step()  # m_hat = 1 / 0.75, v_max_hat = 2 / 0.75 (the current v_hat would be 1.5 / 0.75)
    np.testing.assert_allclose(p, [-0.1 - 0.1 * (4 / 3) / np.sqrt(8 / 3)], rtol=1e-12)
    assert opt.v_max[0].tolist() == [2.0] and "v_max.0" in opt.flat_state_dict()
    assert Adam([(np.zeros(1), np.zeros(1))]).v_max == [None]  # kept only with amsgrad


def test_rmsprop_and_adagrad_first_steps_by_hand():
    # RMSprop, constant g: s_k = (1 - alpha^k) g^2, so step k moves lr * sign(g) / sqrt(1 - alpha^k)
    p, opt = run(RMSprop, 2, lr=0.01, alpha=0.9, eps=0.0)
    np.testing.assert_allclose(p, P0 - 0.01 * np.sign(G) * (1 / np.sqrt(0.1) + 1 / np.sqrt(0.19)), rtol=1e-12)
    assert opt.grad_avg == [None] and opt.momentum_buffer == [None]  # kept only when asked for
    # centered: a = (1 - alpha) g, scale sqrt(s - a^2) = sqrt(0.1 - 0.01) |g|; momentum 0.5 adds half the last
    p, opt = run(RMSprop, 2, lr=0.01, alpha=0.9, eps=0.0, centered=True, momentum=0.5)
    first = 1 / np.sqrt(0.09)
    second = 1 / np.sqrt(0.19 - 0.19**2)
    np.testing.assert_allclose(p, P0 - 0.01 * np.sign(G) * (first + (0.5 * first + second)), rtol=1e-12)
    # Adagrad: s_k = s_0 + k g^2; lr_decay divides step k's rate by 1 + (k - 1) lr_decay
    p, opt = run(Adagrad, 2, lr=0.1, lr_decay=0.5, initial_accumulator_value=0.25, eps=0.0)
    steps = [G / np.sqrt(0.25 + G**2), (1 / 1.5) * G / np.sqrt(0.25 + 2 * G**2)]
    np.testing.assert_allclose(p, P0 - 0.1 * (steps[0] + steps[1]), rtol=1e-12)
    assert [int(t) for t in opt.t] == [2]
    with pytest.raises(ValueError, match="alpha"):
        RMSprop([(P0.copy(), G.copy())], alpha=-0.1)
    with pytest.raises(ValueError, match="lr_decay"):
        Adagrad([(P0.copy(), G.copy())], lr_decay=-1.0)


@pytest.mark.parametrize("dtype, huge", [(np.float32, 1e30), (np.float64, 1e200)])
def test_centered_rmsprop_keeps_a_parameter_finite_when_the_mean_square_overflows(dtype, huge):
    # g^2 overflows the mean square to inf, and a^2 (a ~ 0.01 g) overflows too: inf - inf is not the
    # variance, which is +inf exactly, so the step is 0 (PyTorch 2.13: 1, 1 and the ordinary third entry)
    def steps(grad):
        p, g = P0.astype(dtype), np.empty(3, dtype)
        opt = RMSprop([(p, g)], lr=0.01, centered=True)
        for _ in range(3):
            g[...] = grad
            opt.step()
        return p

    p = steps([huge, -huge, 1.0])
    assert p.dtype == dtype
    np.testing.assert_array_equal(p[:2], P0[:2].astype(dtype))
    assert p[2] == steps([1.0, 1.0, 1.0])[2] != P0[2]


def test_exponential_multistep_lambda_and_plateau_schedules_by_hand():
    def rates(make, epochs=7, metrics=None):
        opt = SGD([(P0.copy(), G.copy())], lr=0.1)
        schedule, seen = make(opt), []
        for epoch in range(epochs):
            seen.append(schedule.get_last_lr()[0])
            opt.step()
            schedule.step(*([metrics[epoch]] if metrics else []))
        return seen

    assert rates(lambda o: schedules.ExponentialLR(o, 0.5)) == pytest.approx([0.1 * 0.5**k for k in range(7)])
    multi = rates(lambda o: schedules.MultiStepLR(o, [2, 4, 4]))
    assert multi == pytest.approx([0.1, 0.1, 0.01, 0.01, 1e-4, 1e-4, 1e-4])
    harmonic = rates(lambda o: schedules.LambdaLR(o, lambda e: 1 / (e + 1)))
    assert harmonic == pytest.approx([0.1 / (k + 1) for k in range(7)])
    # a loss stuck at 1.0 after improving: after patience=1 bad epoch too many, times factor; cooldown 1
    losses = [2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    plateau = rates(lambda o: schedules.ReduceLROnPlateau(o, factor=0.5, patience=1, cooldown=1), metrics=losses)
    assert plateau == pytest.approx([0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05])
    warm = rates(lambda o: schedules.LinearLR(o, start_factor=0.5, total_iters=2), epochs=4)
    assert warm == pytest.approx([0.05, 0.075, 0.1, 0.1])
    assert rates(lambda o: schedules.ConstantLR(o, factor=0.5, total_iters=2), epochs=3) == pytest.approx(
        [0.05, 0.05, 0.1]
    )
    cycle = rates(lambda o: schedules.OneCycleLR(o, 1.0, total_steps=10, pct_start=0.5, anneal_strategy="linear"), 10)
    assert cycle[0] == pytest.approx(1 / 25) and max(cycle) == pytest.approx(1.0) and cycle.index(1.0) == 4
    opt = SGD([(P0.copy(), G.copy())], lr=0.1)
    with pytest.raises(ValueError, match="momentum or betas"):
        schedules.OneCycleLR(Adagrad([(P0.copy(), G.copy())]), 1.0, total_steps=5)
    assert "lr_lambdas" not in schedules.LambdaLR(opt, lambda e: 1.0).state_dict()
    with pytest.raises(ValueError, match="factor must be < 1.0"):
        schedules.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(ValueError, match="expected 1 lr_lambdas"):
        schedules.LambdaLR(opt, [lambda e: 1.0] * 2)


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: SGD(ps, 0.1, momentum=0.9),
        lambda ps: Adam(ps, 0.01),
        lambda ps: RMSprop(ps, 0.01, momentum=0.9, centered=True),
        lambda ps: Adagrad(ps, 0.1, lr_decay=0.1),
    ],
    ids=["sgd", "adam", "rmsprop", "adagrad"],
)
def test_state_dict_restores_an_optimizer_exactly(make):
    rng = np.random.default_rng(0)
    grads = rng.standard_normal((6, 3))
    p1, g1 = P0.copy(), np.zeros(3)
    first = make([(p1, g1)])
    for k in range(6):
        g1[...] = grads[k]
        first.step()
    p2, g2 = P0.copy(), np.zeros(3)
    second = make([(p2, g2)])
    for k in range(3):
        g2[...] = grads[k]
        second.step()
    state, saved_p = second.state_dict(), p2.copy()
    p3, g3 = saved_p.copy(), np.zeros(3)
    third = make([(p3, g3)])
    third.load_state_dict(state)
    for k in range(3, 6):
        g3[...] = grads[k]
        third.step()
    np.testing.assert_array_equal(p3, p1)


def test_zero_grad_and_in_place_updates_keep_the_arrays():
    p, g = P0.copy(), G.copy()
    opt = SGD([(p, g)], lr=0.1)
    opt.step()
    assert opt.params[0][0] is p
    opt.zero_grad()
    assert not g.any()


def test_optimizers_reject_bad_arguments():
    pair = (np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match="lr"):
        SGD([pair], lr=-0.1)
    with pytest.raises(ValueError, match="momentum"):
        SGD([pair], lr=0.1, momentum=-0.5)
    with pytest.raises(ValueError, match="nesterov"):
        SGD([pair], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="betas"):
        Adam([pair], betas=(1.0, 0.9))
    with pytest.raises(ValueError, match=r"shapes \(2,\) and \(3,\)"):
        SGD([(np.zeros(2), np.zeros(3))], lr=0.1)
    with pytest.raises(TypeError, match="pair"):
        SGD([np.zeros(2)], lr=0.1)
    with pytest.raises(ValueError, match="no parameters"):
        Adam([])
    with pytest.raises(ValueError, match="velocity.0"):
        SGD([pair], lr=0.1, momentum=0.9).load_state_dict({})


def test_hyper_parameters_read_as_attributes_while_the_groups_agree():
    a, b = (np.zeros(2), np.zeros(2)), (np.zeros(1), np.zeros(1))
    opt = SGD([a, b], lr=0.1, momentum=0.9)
    assert (opt.lr, opt.momentum, opt.nesterov, opt.weight_decay) == (0.1, 0.9, False, 0.0)
    assert [v.shape for v in opt._buffers()["velocity"]] == [(2,), (1,)]
    grouped = SGD([{"params": [a]}, {"params": [b], "momentum": 0.5}], lr=0.1)
    with pytest.raises(AttributeError, match=r"groups differ; read param_groups\[i\]\['momentum'\]"):
        grouped.momentum
    assert grouped.param_groups[1]["momentum"] == 0.5 and grouped.param_groups[0]["momentum"] == 0.0
    assert grouped._buffers()["velocity"][0].shape == (1,)  # only the group with momentum keeps velocities


class _Decaying(mt.optim.Optimizer):
    """An optimizer of the user's, with a hyper-parameter of its own (``decay``)."""

    state_names = ()

    def __init__(self, params, lr=0.1, decay=0.5):
        super().__init__(params, {"lr": lr, "decay": decay})

    def step(self):
        for group in self.param_groups:
            for value, grad in group["params"]:
                value -= group["lr"] * group["decay"] * grad


def test_a_users_hyper_parameter_reads_as_an_attribute_also_after_unpickling():
    """Hyper-parameters are attributes through descriptors the optimizer puts on its class (no
    ``__getattr__``, which slows every attribute read): a user's own, and in a process where the
    class never made one (simulated by taking the descriptor off before unpickling)."""
    import pickle

    opt = _Decaying([(np.ones(2), np.ones(2))], decay=0.25)
    assert (opt.decay, opt.lr) == (0.25, 0.1)
    assert opt.defaults == {"lr": 0.1, "decay": 0.25}  # (PyTorch's: the subclass's own, no maximize)
    opt.decay = 0.75  # (every group, checked)
    assert opt.param_groups[0]["decay"] == 0.75
    opt.note = "kept"  # not a hyper-parameter: a plain attribute
    assert opt.note == "kept" and "note" in vars(opt)
    with pytest.raises(AttributeError, match="'_Decaying' object has no attribute 'momentum'"):
        opt.momentum
    data = pickle.dumps(opt)
    del _Decaying.decay
    again = pickle.loads(data)
    assert again.decay == 0.75 and again.note == "kept"
    assert "__getattr__" not in vars(mt.optim.Optimizer)
    opt.step()
    np.testing.assert_allclose(opt.params[0][0], 1 - 0.1 * 0.75)


def test_state_dict_carries_each_groups_hyper_parameters():
    # A checkpoint taken after a schedule (or the user) changed the rate resumes at that rate, as
    # PyTorch's optimizer state_dict (param_groups) does: it used to resume at the constructor's.
    pair = (P0.copy(), G.copy())
    opt = SGD([pair], lr=0.1, momentum=0.9)
    opt.step()
    opt.param_groups[0]["lr"] = 0.025
    state = copy.deepcopy(opt.state_dict())  # (a snapshot: state_dict() holds opt's own state)
    resumed_pair = (pair[0].copy(), G.copy())
    resumed = SGD([resumed_pair], lr=0.1, momentum=0.9)
    resumed.load_state_dict(state)
    assert resumed.param_groups[0]["lr"] == 0.025
    opt.step()
    resumed.step()
    np.testing.assert_array_equal(resumed_pair[0], pair[0])
    adam = Adam([(P0.copy(), G.copy())], lr=0.01, betas=(0.5, 0.6), eps=1e-6)
    other = Adam([(P0.copy(), G.copy())])
    other.load_state_dict(adam.state_dict())
    group = other.param_groups[0]
    assert (group["lr"], group["betas"], group["eps"]) == (0.01, (0.5, 0.6), 1e-6)


def test_a_loaded_momentum_brings_its_velocity_into_an_sgd_made_without_one():
    pair = (P0.copy(), G.copy())
    opt = SGD([pair], lr=0.1, momentum=0.9)
    opt.step()
    resumed_pair = (pair[0].copy(), G.copy())
    resumed = SGD([resumed_pair], lr=0.5)  # no momentum, so no velocity of its own
    resumed.load_state_dict(copy.deepcopy(opt.state_dict()))
    opt.step()
    resumed.step()
    np.testing.assert_array_equal(resumed_pair[0], pair[0])
    by_hand = SGD([(P0.copy(), G.copy())], lr=0.1)
    by_hand.param_groups[0]["momentum"] = 0.9  # set after construction: the velocity starts at 0
    by_hand.step()
    by_hand.step()
    np.testing.assert_allclose(by_hand.params[0][0], P0 - 0.1 * G * (1 + 1.9))


def test_a_state_without_groups_still_loads_and_a_wrong_group_is_refused():
    pair = (P0.copy(), G.copy())
    opt = SGD([pair], lr=0.1, momentum=0.9)
    arrays = {k: v for k, v in opt.flat_state_dict().items() if not k.startswith("group.")}
    opt.load_state_dict(arrays)  # a checkpoint saved before the groups were kept
    assert opt.param_groups[0]["lr"] == 0.1
    with pytest.raises(ValueError, match="group.1.lr.*does not have"):
        opt.load_state_dict({**opt.flat_state_dict(), "group.1.lr": np.array(0.1)})
    with pytest.raises(ValueError, match="momentum"):
        opt.load_state_dict({**opt.flat_state_dict(), "group.0.momentum": np.array(-1.0)})
    opt.param_groups[0]["lr"] = 0.0  # the end of a cosine schedule with eta_min=0
    SGD([pair], lr=0.1, momentum=0.9).load_state_dict(opt.state_dict())


def test_a_scheduler_refuses_a_group_added_after_it():
    # The new group had no initial rate: StepLR decayed it, CosineAnnealingLR's restart left it
    # out. PyTorch's StepLR raises (its zip is strict); every MyTorch scheduler now does.
    from mytorch.optim.lr_scheduler import CosineAnnealingLR, StepLR

    for make in (lambda o: StepLR(o, step_size=1), lambda o: CosineAnnealingLR(o, T_max=2)):
        opt = SGD([(P0.copy(), G.copy())], lr=0.1)
        scheduler = make(opt)
        opt.add_param_group({"params": [(P0.copy(), G.copy())], "lr": 0.5})
        with pytest.raises(RuntimeError, match="2 parameter groups, the scheduler was made for 1"):
            scheduler.step()


def test_a_hyper_parameter_set_as_an_attribute_is_set_in_every_group():
    # reading opt.momentum reads the groups: setting it must change them, not shadow them
    a, b = (np.zeros(2), np.ones(2)), (np.zeros(1), np.ones(1))
    opt = SGD([{"params": [a]}, {"params": [b], "momentum": 0.5}], lr=0.1)
    opt.momentum = 0.9
    assert [g["momentum"] for g in opt.param_groups] == [0.9, 0.9] and opt.momentum == 0.9
    assert "momentum" not in vars(opt)
    opt.step()
    opt.step()
    np.testing.assert_allclose(a[0], -0.1 * (1 + 1.9))  # the second step carries 0.9 of the first
    with pytest.raises(ValueError, match="momentum"):
        opt.momentum = -1.0
    assert opt.momentum == 0.9
    adam = Adam([(np.zeros(2), np.ones(2))])
    adam.betas = (0.5, 0.9)
    assert adam.param_groups[0]["betas"] == (0.5, 0.9)
    adam.note = "an ordinary attribute"
    assert vars(adam)["note"] == "an ordinary attribute"


def test_cosine_annealing_resumed_at_an_epoch_keeps_the_rate_it_is_given():
    """Made with ``last_epoch=3`` (resuming), the scheduler's own first step moved the rate one
    epoch along the cosine at once; PyTorch's keeps the optimizer's rate as epoch 4's and goes
    on from there (its initial step changes no rate), so every later rate differed."""
    p = mt.tensor([1.0], requires_grad=True)
    opt = mt.optim.SGD([p], lr=0.05)
    opt.param_groups[0]["initial_lr"] = 0.1
    schedule = mt.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.01, last_epoch=3)
    assert schedule.last_epoch == 4 and opt.param_groups[0]["lr"] == 0.05
    schedule.step()
    ratio = (1 + math.cos(math.pi * 5 / 10)) / (1 + math.cos(math.pi * 4 / 10))  # PyTorch's recursive step
    assert math.isclose(opt.param_groups[0]["lr"], ratio * (0.05 - 0.01) + 0.01, rel_tol=1e-12)


def test_optimizers_that_square_gradients_refuse_complex_parameters():
    # g * g of a complex gradient: Adam moved 1+1j to 0.9+1j for a gradient of 1j (PyTorch,
    # stepping the two parts as reals: 1+0.9j); SGD is linear and steps complex values as PyTorch
    for optimizer in (Adam, RMSprop, Adagrad):
        with pytest.raises(TypeError, match=f"{optimizer.__name__}: parameter 0 is complex128.*squares gradients"):
            optimizer([(np.array([1 + 1j]), np.array([1j]))], lr=0.1)
    value = np.array([1 + 1j])
    SGD([(value, np.array([1j]))], lr=0.1).step()
    assert value.tolist() == [1 + 0.9j]


@pytest.mark.parametrize(
    ("optimizer", "key", "bad", "error", "message"),
    [
        (SGD, "velocity.0", np.array(["x"] * 3), TypeError, "'velocity.0' must hold real numbers, got dtype <U1"),
        (SGD, "velocity.0", np.full(3, np.nan), ValueError, "'velocity.0' holds NaN or infinite values"),
        (SGD, "group.0.nesterov", np.array(0.5), TypeError, "'group.0.nesterov' holds float64, which nesterov"),
        (Adam, "v.0", -np.ones(3), ValueError, "'v.0' holds negative values"),
        (Adam, "t.0", np.array([2.5]), ValueError, "'t.0' holds values a step count cannot have"),
        (Adam, "group.0.lr", np.array("0.1"), TypeError, "'group.0.lr' holds <U3, which lr cannot be"),
    ],
)
def test_load_state_dict_refuses_state_that_is_not_what_the_step_reads(optimizer, key, bad, error, message):
    # each was NumPy's conversion error (after part of the state went in), a ComplexWarning, a
    # NaN or a negative mean of squares taken in (NaN steps), or a step count cut to a whole one
    value, grad = np.ones(3), np.full(3, 0.5)
    kwargs = {"momentum": 0.9} if optimizer is SGD else {}
    opt = optimizer([(value, grad)], 0.1, **kwargs)
    opt.step()
    before = opt.flat_state_dict()
    with pytest.raises(error, match=re.escape(f"{optimizer.__name__}.load_state_dict: {message}")):
        opt.load_state_dict({**{k: v + 1 if v.dtype.kind == "f" and k[0] != "g" else v for k, v in before.items()},
                             key: bad})  # fmt: skip
    for k, v in opt.flat_state_dict().items():
        np.testing.assert_array_equal(v, before[k])


def test_flat_sgd_on_a_read_only_model_raises_and_changes_nothing() -> None:
    """Plain SGD over one flat piece (a small MLP's parameters) refuses read-only parameters as
    the general update does, leaving the values as they were."""
    from hw_bonus.mlp import MLP
    from mytorch import Autograd

    mlp = MLP(2, 1, [3], ["tanh", "sigmoid"], "mse", 0.1, Autograd(), seed=0)
    x, y = np.ones((1, 2)), np.ones((1, 1))
    mlp.train_step(x, y)
    values = mlp.optimizer._flat[2]
    before = values.copy()
    values.setflags(write=False)
    with pytest.raises(RuntimeError, match="read-only"):
        mlp.train_step(x, y)
    np.testing.assert_array_equal(values, before)
    values.setflags(write=True)
    mlp.train_step(x, y)  # and it trains again once writeable
    assert not np.array_equal(values, before)


def _flat_pairs(momentum: float) -> tuple[SGD, list[tuple[np.ndarray, np.ndarray]]]:
    """SGD over two pairs that tile two flat arrays (its one-piece update), with gradients."""
    values, grads = np.arange(1.0, 6.0), np.linspace(-1.0, 1.0, 5)
    pairs = [(values[:2], grads[:2]), (values[2:].reshape(3, 1), grads[2:].reshape(3, 1))]
    opt = SGD(pairs, lr=0.5, momentum=momentum)
    assert opt._flat is not None
    return opt, [(v.copy(), g.copy()) for v, g in pairs]


def test_flat_sgd_reads_the_velocities_only_with_a_momentum() -> None:
    """The flat update checks that no velocity was replaced only when it reads them (a momentum):
    a replaced velocity is then the one used; without a momentum the velocities play no part."""
    opt, start = _flat_pairs(0.9)
    opt.step()  # v = g, p -= lr v (the flat velocity)
    replaced = np.full((3, 1), 10.0)
    opt.velocity[1] = replaced
    opt.step()  # per parameter now: the replaced velocity is the one updated and read
    np.testing.assert_array_equal(replaced, 0.9 * 10.0 + start[1][1])
    np.testing.assert_array_equal(opt.params[1][0], start[1][0] - 0.5 * start[1][1] - 0.5 * replaced)
    plain, start = _flat_pairs(0.0)
    plain.velocity[0] = np.full(2, 7.0)  # no momentum: not read, by either update
    plain.step()
    np.testing.assert_array_equal(plain.params[0][0], start[0][0] - 0.5 * start[0][1])
    np.testing.assert_array_equal(plain.velocity[0], 7.0)
    plain.momentum = 0.9  # a momentum set later: no flat velocity, so per parameter (v = g first)
    plain.velocity[0] = None
    plain.step()
    np.testing.assert_array_equal(plain.velocity[0], start[0][1])
    np.testing.assert_array_equal(plain.params[0][0], start[0][0] - 2 * 0.5 * start[0][1])


def test_plain_sgd_over_pairs_and_tensors_skips_missing_grads_and_counts_a_saved_value() -> None:
    """Plain SGD (one group, no momentum or weight decay) over a pair, a Tensor with a gradient,
    one without (left as it is) and one a live graph saved (updated, its version bumped, so that
    graph's backward raises): p - lr g each, bit for bit as lr * g subtracted."""
    pair = (np.array([1.0, 2.0]), np.array([0.5, -0.25]))
    a, b, c = (mt.Tensor(np.array(v), requires_grad=True) for v in ([1.0, -1.0], [2.0, 3.0], [0.5, 0.25]))
    a.grad, c.grad = mt.Tensor(np.array([0.1, 0.2])), mt.Tensor(np.array([1.0, 1.0]))
    live = (c * c).sum()  # saves c's array
    opt = SGD([pair, a, b, c], lr=0.5)
    opt.step()
    np.testing.assert_array_equal(pair[0], np.array([1.0, 2.0]) - 0.5 * np.array([0.5, -0.25]))
    np.testing.assert_array_equal(a.numpy(), np.array([1.0, -1.0]) - 0.5 * np.array([0.1, 0.2]))
    np.testing.assert_array_equal(b.numpy(), [2.0, 3.0])
    np.testing.assert_array_equal(c.numpy(), [0.0, -0.25])
    with pytest.raises(RuntimeError, match="modified by an in-place"):
        live.backward()


def test_flat_sgd_follows_a_dampening_set_after_it_was_made() -> None:
    """A dampening set in the group (or as ``opt.dampening``) after the flat layout was made is
    used: v = mu v + (1 - dampening) g (the flat update added all of g: a different number)."""
    for set_it in (lambda o: o.param_groups[0].__setitem__("dampening", 0.5), lambda o: setattr(o, "dampening", 0.5)):
        opt, start = _flat_pairs(0.9)
        opt.step()  # v = g, p -= lr v
        set_it(opt)
        opt.step()  # v = 0.9 g + 0.5 g
        g = start[1][1]
        np.testing.assert_array_equal(opt.velocity[1], 0.9 * g + 0.5 * g)
        np.testing.assert_allclose(opt.params[1][0], start[1][0] - 0.5 * g - 0.5 * (0.9 * g + 0.5 * g), rtol=1e-15)


class _TorchStyleSGD(mt.optim.Optimizer):
    """An optimizer written as for PyTorch: its step reads ``maximize`` itself."""

    def __init__(self, params, lr, maximize=False):
        super().__init__(params, {"lr": lr, "maximize": maximize})

    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    g = -p.grad if group["maximize"] else p.grad
                    with mt.no_grad():
                        p.sub_(group["lr"] * g)


@pytest.mark.parametrize("how", ["attribute", "group", "constructor"])
def test_maximize_however_set_ascends_once(how) -> None:
    """``maximize`` set in a group's dict mid-run is followed as ``opt.maximize = True`` is (it was
    ignored: the step descended), and an optimizer of the user's own whose step reads
    ``maximize`` ascends once (the gradients were negated for it too: it descended)."""
    w = mt.Tensor(np.array([1.0, -2.0]), requires_grad=True)
    mine = mt.Tensor(np.array([1.0, -2.0]), requires_grad=True)
    sgd = SGD([w], lr=0.1, maximize=how == "constructor")
    own = _TorchStyleSGD([mine], lr=0.1, maximize=how == "constructor")
    for opt in (sgd, own):
        if how == "attribute":
            opt.maximize = True
        elif how == "group":
            opt.param_groups[0]["maximize"] = True
    for p, opt in ((w, sgd), (mine, own)):
        (p * p).sum().backward()  # gradient 2 p
        opt.step()
        np.testing.assert_allclose(p.numpy(), np.array([1.0, -2.0]) * 1.2, rtol=1e-15)
        np.testing.assert_array_equal(p.grad.numpy(), np.array([2.0, -4.0]))  # (restored after the step)
    sgd.param_groups[0]["maximize"] = False
    w.grad = None
    (w * w).sum().backward()
    sgd.step()  # descends again
    np.testing.assert_allclose(w.numpy(), np.array([1.0, -2.0]) * 1.2 * 0.8, rtol=1e-15)


def test_maximize_set_in_a_group_mid_run_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")

    def run(lib):
        rng = np.random.default_rng(0)
        ws = [lib.tensor(rng.standard_normal((3, 2)), requires_grad=True) for _ in range(3)]
        opts = [
            lib.optim.SGD([ws[0]], lr=0.1, momentum=0.9),
            lib.optim.Adam([ws[1]], lr=0.1),
            lib.optim.RMSprop([ws[2]], lr=0.01),
        ]
        for k in range(5):
            for w, opt in zip(ws, opts):
                opt.zero_grad()
                (w.tanh() * lib.tensor(rng.standard_normal((3, 2)))).sum().backward()
                if k == 2:
                    opt.param_groups[0]["maximize"] = True
                opt.step()
        return [w.detach().numpy() for w in ws]

    for got, want in zip(run(mt), run(torch)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_a_group_added_to_a_maximizing_optimizer_ascends_too() -> None:
    """``maximize=True`` given to the constructor is a default, as in PyTorch: a group added later
    ascends too (it descended: the added parameter moved by -lr g where PyTorch's moves by +lr g)."""
    w, v = mt.tensor([1.0, 2.0], requires_grad=True), mt.tensor([3.0], requires_grad=True)
    for make in (lambda ps: SGD(ps, lr=0.1, maximize=True), lambda ps: Adam(ps, lr=0.1, maximize=True)):
        opt = make([w])
        opt.add_param_group({"params": [v], "lr": 0.5})
        assert opt.defaults["maximize"] and opt.param_groups[1]["maximize"]
        before = v.detach().numpy().copy()
        v.grad = mt.ones(1)
        opt.step()
        assert (v.detach().numpy() > before).all()


def test_state_dict_has_pytorchs_layout_and_round_trips_through_save(tmp_path):
    import mytorch as mt

    mt.manual_seed(0)
    model = mt.nn.Sequential(mt.nn.Linear(3, 4), mt.nn.ReLU(), mt.nn.Linear(4, 1))
    opt = Adam([{"params": model[0].parameters()}, {"params": model[2].parameters(), "lr": 0.5}], lr=0.01)
    for _ in range(2):
        opt.zero_grad()
        (model(mt.ones(5, 3)) ** 2).mean().backward()
        opt.step()
    state = opt.state_dict()
    assert list(state) == ["state", "param_groups"] and list(state["state"]) == [0, 1, 2, 3]
    assert sorted(state["state"][0]) == ["exp_avg", "exp_avg_sq", "step"]
    assert [g["params"] for g in state["param_groups"]] == [[0, 1], [2, 3]]
    assert state["param_groups"][1]["lr"] == 0.5 and state["param_groups"][0]["betas"] == (0.9, 0.999)
    np.testing.assert_array_equal(state["state"][2]["exp_avg"].numpy(), opt.m[2])
    mt.save({"optimizer": state, "epoch": 2}, tmp_path / "ckpt.pt")
    other = Adam([{"params": model[0].parameters()}, {"params": model[2].parameters()}], lr=0.1)
    other.load_state_dict(mt.load(tmp_path / "ckpt.pt")["optimizer"])
    assert other.param_groups[1]["lr"] == 0.5
    for (k, u), (j, v) in zip(opt.flat_state_dict().items(), other.flat_state_dict().items()):
        assert k == j
        np.testing.assert_array_equal(u, v)
    with pytest.raises(ValueError, match=r"hold \[2, 2\] parameters, this optimizer's \[4\]"):
        Adam(model.parameters()).load_state_dict(state)
    with pytest.raises(ValueError, match="'momentum_buffer' of parameter 0 is not Adam's"):
        other.load_state_dict({"state": {0: {"momentum_buffer": np.zeros(3)}}, "param_groups": state["param_groups"]})
    sgd = SGD(model.parameters(), lr=0.1, momentum=0.9)
    assert sgd.state_dict()["state"] == {}  # (as PyTorch's: a parameter has state from its first step)
    sgd.step()
    assert sgd.state_dict()["state"][0].keys() == {"momentum_buffer"}


def test_every_optimizer_step_takes_a_closure_and_returns_its_loss():
    import mytorch as mt

    w = mt.tensor([1.0, -2.0], requires_grad=True)
    for make in (lambda: SGD([w], lr=0.1), lambda: Adam([w], lr=0.1), lambda: Adam([w], lr=0.1, maximize=True)):
        opt = make()

        def closure():
            opt.zero_grad()
            loss = (w * w).sum()
            loss.backward()
            return loss

        before = w.detach().clone()
        with mt.no_grad():  # the closure still records: PyTorch's step enables gradients for it
            loss = opt.step(closure)
        assert loss.item() == pytest.approx(float((before * before).sum()))
        assert not np.array_equal(w.detach().numpy(), before.numpy())


def test_reduce_lr_on_plateau_reduces_a_group_added_later():
    # a group added after the scheduler kept its rate for good (PyTorch reduces it too, floored
    # at the one min_lr given); with a min_lr per group it is a RuntimeError, as PyTorch's
    a, b = (mt.tensor(np.ones(1), requires_grad=True) for _ in range(2))
    opt = SGD([a], lr=0.1)
    plateau = schedules.ReduceLROnPlateau(opt, patience=0, min_lr=1e-3)
    plateau.step(1.0)
    opt.add_param_group({"params": [b], "lr": 0.05})
    for _ in range(2):
        plateau.step(1.0)  # no improvement: each step reduces, by 10
    np.testing.assert_allclose([g["lr"] for g in opt.param_groups], [1e-3, 1e-3])  # 5e-4 floored
    plateau.step(1.0)
    np.testing.assert_allclose([g["lr"] for g in opt.param_groups], [1e-3, 1e-3])
    opt = SGD([a], lr=0.1)
    listed = schedules.ReduceLROnPlateau(opt, patience=0, min_lr=[0.0])
    listed.step(1.0)
    opt.add_param_group({"params": [b]})
    with pytest.raises(RuntimeError, match="min_lr was given for 1"):
        listed.step(1.0)


def test_step_and_cosine_schedules_take_a_float_period():
    # schedules.StepLR(opt, 1.0, gamma=0.95) (PyTorch's language-model tutorial) raised "step_size must be a
    # positive integer"; PyTorch takes any positive number: a decay when epoch % step_size == 0
    p = mt.nn.Parameter(mt.zeros(1))
    step_opt, cos_opt = mt.optim.SGD([p], lr=1.0), mt.optim.SGD([p], lr=1.0)
    steps, cosine = schedules.StepLR(step_opt, 1.5, gamma=0.5), schedules.CosineAnnealingLR(cos_opt, T_max=2.5)
    step_rates, cos_rates = [], []
    for _ in range(6):
        step_opt.step()
        cos_opt.step()
        steps.step()
        cosine.step()
        step_rates.append(steps.get_last_lr()[0])
        cos_rates.append(cosine.get_last_lr()[0])
    assert step_rates == [1.0, 1.0, 0.5, 0.5, 0.5, 0.25]  # epochs 3 and 6 are multiples of 1.5
    # epochs 1, 2: (1 + cos(pi t / 2.5)) / 2 (epochs past T_max climb back along the cosine)
    np.testing.assert_allclose(cos_rates[:2], [(1 + np.cos(np.pi * t / 2.5)) / 2 for t in (1, 2)], rtol=1e-12)
    assert schedules.StepLR(step_opt, 3).step_size == 3  # an int stays an int (state_dict)
    with pytest.raises(ValueError, match="positive number"):
        schedules.StepLR(step_opt, float("inf"))

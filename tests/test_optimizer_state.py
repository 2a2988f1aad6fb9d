"""``optimizer.state`` (``mytorch/optim/optimizer.py``, ``OptimizerState``): an ``Optimizer``
subclass written for PyTorch keeps its state in ``self.state[p]``, and ``state_dict`` /
``load_state_dict`` carry it; MyTorch's own optimizers show their state arrays there. Closed
forms without PyTorch, and PyTorch's numbers where it is installed."""

from __future__ import annotations

import numpy as np
import pytest
from replay_compare import assert_replay_trains_like_the_dynamic_step

import mytorch as mt


def momentum_class(lib):
    """The course exercise's optimizer, as a PyTorch user writes it, on ``lib``'s ``Optimizer``."""

    class MomentumSGD(lib.optim.Optimizer):
        def __init__(self, params, lr=0.01, momentum=0.9, weight_decay=0.0):
            super().__init__(params, dict(lr=lr, momentum=momentum, weight_decay=weight_decay))

        def step(self, closure=None):
            with lib.no_grad():
                for group in self.param_groups:
                    lr, mu, wd = group["lr"], group["momentum"], group["weight_decay"]
                    for p in group["params"]:
                        if p.grad is None:
                            continue
                        g = p.grad + wd * p if wd else p.grad
                        state = self.state[p]
                        if "momentum_buffer" not in state:
                            state["step"] = 0
                            state["momentum_buffer"] = g.clone()
                        else:
                            state["momentum_buffer"].mul_(mu).add_(g)
                        state["step"] += 1
                        p.sub_(lr * state["momentum_buffer"])

    return MomentumSGD


X = np.random.default_rng(0).standard_normal((6, 3))
W0 = np.array([[0.3, -0.2, 0.1]])


def train(lib, steps, opt=None, w=None):
    """``w`` (a (1, 3) leaf) after ``steps`` steps on the loss sum((x w^T)^2) / 2, and the optimizer."""
    w = lib.tensor(W0.copy(), requires_grad=True) if w is None else w
    opt = momentum_class(lib)([w], lr=0.05, momentum=0.9, weight_decay=0.1) if opt is None else opt
    x = lib.tensor(X)
    for _ in range(steps):
        opt.zero_grad()
        ((x @ w.t()) ** 2).sum().div(2).backward()
        opt.step()
    return w, opt


def test_a_subclass_keeps_its_state_in_self_state_and_steps_as_the_closed_form():
    # 'MomentumSGD' object has no attribute 'state' before
    w, opt = train(mt, 4)
    expected, buf = W0.copy(), None
    for _ in range(4):
        g = expected @ X.T @ X + 0.1 * expected
        buf = g.copy() if buf is None else 0.9 * buf + g
        expected = expected - 0.05 * buf
    np.testing.assert_allclose(w.detach().numpy(), expected, rtol=1e-13)
    state = opt.state[w]
    assert state["step"] == 4 and w in opt.state and len(opt.state) == 1
    np.testing.assert_allclose(state["momentum_buffer"].numpy(), buf, rtol=1e-13)
    assert opt.defaults == {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.1}  # its own, as PyTorch's
    assert "maximize" not in opt.param_groups[0]


def test_a_subclass_state_dict_round_trip_continues_the_same_run(tmp_path):
    w, opt = train(mt, 2)
    saved = opt.state_dict()
    assert saved["state"][0]["step"] == 2 and saved["param_groups"][0]["params"] == [0]
    mt.save({"opt": saved, "w": w.detach()}, tmp_path / "ck.pt")
    loaded = mt.load(tmp_path / "ck.pt")
    w2 = loaded["w"].clone().requires_grad_()
    opt2 = momentum_class(mt)([w2], lr=0.5, momentum=0.9, weight_decay=0.1)
    opt2.load_state_dict(loaded["opt"])
    assert opt2.param_groups[0]["lr"] == 0.05 and opt2.state[w2]["step"] == 2
    train(mt, 3, opt, w)
    train(mt, 3, opt2, w2)
    np.testing.assert_array_equal(w2.detach().numpy(), w.detach().numpy())
    assert opt2.state[w2]["momentum_buffer"] is not saved["state"][0]["momentum_buffer"]  # (a copy)


def test_mytorch_optimizers_show_their_state_arrays_in_state():
    w = mt.tensor(W0.copy(), requires_grad=True)
    opt = mt.optim.Adam([w], lr=0.1)
    train(mt, 2, opt, w)
    state = opt.state[w]
    assert sorted(state) == ["exp_avg", "exp_avg_sq", "step"] and list(opt.state) == [w]
    np.testing.assert_array_equal(state["exp_avg"].numpy(), opt.m[0])
    state["exp_avg"].zero_()  # (shares the optimizer's array)
    assert not opt.m[0].any()
    assert mt.tensor(1.0) not in opt.state and opt.state.get(mt.tensor(1.0)) is None


def test_replay_verify_restores_a_subclass_state():
    # the verify mode ran the dynamic step beside the replay without putting the subclass's
    # momentum buffer back: 'differs from the dynamic step's'
    assert_replay_trains_like_the_dynamic_step(
        W0,
        X,
        lambda w: momentum_class(mt)([w], lr=0.05, momentum=0.9),
        lambda x, w: ((x @ w.t()) ** 2).sum().div(2),
        steps=6,
        verify=3,
    )


def test_like_factories_take_memory_format():
    x = mt.ones(2, 3)
    for make in (mt.zeros_like, mt.ones_like, mt.empty_like, mt.rand_like, mt.randn_like):
        assert make(x, memory_format=mt.preserve_format).shape == (2, 3)
    assert mt.full_like(x, 2.0, memory_format=mt.preserve_format).sum().item() == 12.0
    assert mt.randn_like(x, requires_grad=True, device="cpu").requires_grad
    assert mt.randint_like(x, 5, memory_format=mt.preserve_format).shape == (2, 3)


def test_a_subclass_and_the_built_in_state_match_torch():
    torch = pytest.importorskip("torch")
    for lib in (mt, torch):
        lib.set_default_dtype(lib.float64) if lib is torch else None
    try:
        got = [train(lib, 5)[0].detach().numpy() for lib in (mt, torch)]
        np.testing.assert_allclose(got[0], got[1], rtol=1e-12)
        states = []
        for lib in (mt, torch):
            w = lib.tensor(W0.copy(), requires_grad=True)
            opt = lib.optim.Adam([w], lr=0.1)
            train(lib, 3, opt, w)
            states.append({k: v.numpy() for k, v in opt.state[w].items() if k != "step"})
        assert states[0].keys() == states[1].keys()
        for key in states[0]:
            np.testing.assert_allclose(states[0][key], states[1][key], rtol=1e-12)
    finally:
        torch.set_default_dtype(torch.float32)


def _adam_after(reset) -> list[np.ndarray]:
    """Four Adam steps on sum(w^2) from w = [1, -2], ``reset(opt, w)`` before the third."""
    w = mt.tensor([1.0, -2.0], requires_grad=True)
    opt = mt.optim.Adam([w], lr=0.1)
    seen = []
    for k in range(4):
        if k == 2:
            reset(opt, w)
        opt.zero_grad()
        (w**2).sum().backward()
        opt.step()
        seen.append(w.detach().numpy().copy())
    return seen


@pytest.mark.parametrize(
    "reset",
    [
        lambda opt, w: setattr(opt, "state", __import__("collections").defaultdict(dict)),
        lambda opt, w: setattr(opt, "state", {}),
        lambda opt, w: opt.state.clear(),
        lambda opt, w: opt.state.__delitem__(w),
        lambda opt, w: opt.state.pop(w),
        lambda opt, w: opt.state.__setitem__(w, {}),
    ],
    ids=["defaultdict", "empty dict", "clear", "del", "pop", "set empty"],
)
def test_a_reset_state_takes_a_fresh_optimizers_first_step(reset) -> None:
    """PyTorch's ways of restarting an optimizer: ``opt.state = defaultdict(dict)`` set an
    attribute no step read (w[0] 0.70159 at the third step, where a fresh Adam's is 0.70041, and
    ``state_dict`` then raised AttributeError), ``opt.state.clear()`` never returned (its
    ``popitem`` loop found the parameter's arrays again), ``del opt.state[w]`` raised KeyError. A
    first step of Adam moves each coordinate by lr to within eps."""
    kept = _adam_after(lambda opt, w: None)
    fresh = _adam_after(reset)
    np.testing.assert_array_equal(fresh[1], kept[1])
    np.testing.assert_allclose(fresh[2], fresh[1] - 0.1 * np.sign(fresh[1]), rtol=1e-6)
    assert not np.allclose(kept[2], fresh[2], rtol=1e-6)


def test_a_state_entry_set_or_changed_is_what_the_next_step_reads() -> None:
    """``opt.state[w]["momentum_buffer"] = t`` went into a dict the step never read: the velocity
    went on as before. Momentum SGD, v = 0.9 v + g, w -= 0.1 v, on the gradient g = 3."""
    w = mt.tensor([1.0, -2.0], dtype=mt.float64, requires_grad=True)
    opt = mt.optim.SGD([w], lr=0.1, momentum=0.9)
    (w * 3).sum().backward()
    opt.step()  # v = 3
    opt.state[w]["momentum_buffer"] = mt.tensor([10.0, 0.0], dtype=mt.float64)
    opt.step()  # v = [12, 3]
    np.testing.assert_allclose(w.detach().numpy(), [1.0 - 0.3 - 1.2, -2.0 - 0.3 - 0.3])
    held = opt.state[w]["momentum_buffer"]
    held.mul_(0)  # v = 0: the next v is 3
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [-0.5 - 0.3, -2.6 - 0.3])
    opt.state[w] = {"momentum_buffer": mt.tensor([1.0, 1.0], dtype=mt.float64)}  # v = 0.9 + 3
    opt.step()
    np.testing.assert_allclose(w.detach().numpy(), [-0.8 - 0.39, -2.9 - 0.39])
    np.testing.assert_allclose(held.numpy(), [3.0, 3.0])  # (taken out: a reset or a new buffer leaves it)
    while opt.state:  # (ends: a parameter made afresh has no state until its next step)
        opt.state.popitem()
    assert len(opt.state) == 0 and opt.state_dict()["state"] == {}


def test_state_resets_and_writes_match_torch() -> None:
    torch = pytest.importorskip("torch")
    import collections

    def run(lib):
        w = lib.tensor([1.0, -2.0, 0.5], requires_grad=True)
        v = lib.tensor([0.3], requires_grad=True)
        opt = lib.optim.SGD([w, v], lr=0.05, momentum=0.9, nesterov=True)
        seen = []
        for k in range(7):
            if k == 2:
                opt.state = collections.defaultdict(dict)
            if k == 3:
                opt.state[w]["momentum_buffer"].mul_(0.5)
            if k == 4:
                del opt.state[v]
            if k == 5:
                opt.state[w]["momentum_buffer"] = lib.ones(3)
            if k == 6:
                opt.state.clear()
            opt.zero_grad()
            ((w - 1) ** 4 * v).sum().backward()
            opt.step()
            seen.append(np.concatenate([w.detach().numpy(), v.detach().numpy()]))
        return seen

    for ours, theirs in zip(run(mt), run(torch)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5)


def test_state_dict_holds_the_optimizers_own_state_as_pytorchs() -> None:
    """As PyTorch's, ``state_dict()`` holds the optimizer's state Tensors themselves, only of the
    parameters that have stepped, and ``load_state_dict`` keeps the Tensors it is given. It was a
    copy of every parameter's arrays: ``best = opt.state_dict()`` ... ``opt.load_state_dict(best)``
    took the velocity back to 1.0 below, where PyTorch's is 1.9 (``copy.deepcopy`` keeps a
    snapshot, in both)."""
    import copy

    w = mt.tensor([1.0, -2.0], dtype=mt.float64, requires_grad=True)
    v = mt.tensor([0.5], dtype=mt.float64, requires_grad=True)
    opt = mt.optim.SGD([w, v], lr=0.1, momentum=0.9)
    assert opt.state_dict()["state"] == {} and len(opt.state) == 0
    (w * 1).sum().backward()
    opt.step()  # v has no gradient: no state yet
    best, snapshot = opt.state_dict(), copy.deepcopy(opt.state_dict())
    assert list(best["state"]) == [0] and list(opt.state) == [w]
    opt.step()
    np.testing.assert_allclose(best["state"][0]["momentum_buffer"].numpy(), [1.9, 1.9])
    opt.load_state_dict(best)
    np.testing.assert_allclose(opt.state[w]["momentum_buffer"].numpy(), [1.9, 1.9])
    opt.load_state_dict(snapshot)
    np.testing.assert_allclose(opt.state[w]["momentum_buffer"].numpy(), [1.0, 1.0])
    opt.step()  # the loaded Tensor is the state now: v = 0.9 + 1
    np.testing.assert_allclose(snapshot["state"][0]["momentum_buffer"].numpy(), [1.9, 1.9])
    opt.load_state_dict({"state": {}, "param_groups": snapshot["param_groups"]})  # nothing listed: afresh
    assert len(opt.state) == 0
    opt.step()
    np.testing.assert_allclose(opt.state[w]["momentum_buffer"].numpy(), [1.0, 1.0])
    resumed = mt.optim.SGD([w, v], lr=0.1, momentum=0.9)
    resumed.load_state_dict(opt.flat_state_dict())  # (a flat state: every parameter's arrays)
    assert list(resumed.state_dict()["state"]) == [0, 1]
    np.testing.assert_allclose(resumed.state[w]["momentum_buffer"].numpy(), [1.0, 1.0])


def test_state_dicts_kept_loaded_and_shared_match_torch() -> None:
    torch = pytest.importorskip("torch")
    import copy

    def run(lib):
        w = lib.tensor([1.0, -2.0, 0.5], requires_grad=True)
        opt = lib.optim.Adam([w], lr=0.1, amsgrad=True)
        first = opt.state_dict()  # (before any step: no state)
        seen = []
        for k in range(8):
            if k == 2:
                best, kept = opt.state_dict(), copy.deepcopy(opt.state_dict())
            if k == 4:
                opt.load_state_dict(best)
            if k == 5:
                opt.load_state_dict(kept)
            if k == 6:
                other = lib.optim.Adam([w], lr=0.1, amsgrad=True)
                other.load_state_dict(opt.state_dict())  # (shares opt's state, as PyTorch's)
                other.step()
            if k == 7:
                opt.load_state_dict(first)
            opt.zero_grad()
            ((w - 1) ** 4).sum().backward()
            opt.step()
            seen.append(w.detach().numpy().copy())
        return seen

    for ours, theirs in zip(run(mt), run(torch)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5)


def test_adagrad_has_state_from_its_making_as_pytorchs() -> None:
    """PyTorch's ``Adagrad`` makes its state in ``__init__`` (the others at a parameter's first
    step): its ``state_dict`` lists every parameter from the start, so one taken before any step
    holds the live state, and loading it later changes nothing (it started the state afresh:
    the next step moved w by 0.1 again where PyTorch's moves by 0.1 / sqrt(2))."""
    torch = pytest.importorskip("torch")

    def run(lib):
        w = lib.tensor([1.0, -2.0], requires_grad=True)
        opt = lib.optim.Adagrad([w], lr=0.1)
        first = opt.state_dict()
        listed = list(first["state"])
        for _ in range(2):
            opt.zero_grad()
            (w * 3).sum().backward()
            opt.step()
        opt.load_state_dict(first)
        opt.step()
        return listed, w.detach().numpy()

    (ours, w_ours), (theirs, w_theirs) = run(mt), run(torch)
    assert ours == theirs == [0]
    np.testing.assert_allclose(w_ours, w_theirs, rtol=1e-6)


def test_a_loaded_velocity_the_optimizer_had_not_made_is_kept_as_pytorchs() -> None:
    """SGD with dampening makes its velocity at the first step; a loaded one was copied, where
    PyTorch keeps the Tensor it is given (a change through either is seen by both)."""
    w = mt.tensor([1.0, -2.0], dtype=mt.float64, requires_grad=True)
    first = mt.optim.SGD([w], lr=0.1, momentum=0.5, dampening=0.2)
    w.grad = mt.ones(2, dtype=mt.float64)
    first.step()
    saved = first.state_dict()
    second = mt.optim.SGD([w], lr=0.1, momentum=0.5, dampening=0.2)
    second.load_state_dict(saved)
    second.state[w]["momentum_buffer"].mul_(0.5)
    np.testing.assert_array_equal(saved["state"][0]["momentum_buffer"].numpy(), [0.5, 0.5])

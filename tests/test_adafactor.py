"""``optim.Adafactor``: the first step in closed form, bad hyper-parameters refused, the state
saved and loaded (flat too, ``eps=(None, 1e-3)`` in an ``.npz`` without pickle), and six steps
against PyTorch 2.13's where it is installed."""

from __future__ import annotations

import io

import numpy as np
import pytest

import mytorch

RNG = np.random.default_rng(3)
SHAPES = [(4, 3), (3,), (2, 3, 5), ()]
INIT = [RNG.normal(0, 1, s) for s in SHAPES]


def _run(library, dtype, steps=6, **options):
    params = [library.nn.Parameter(library.tensor(a, dtype=dtype)) for a in INIT]
    opt = library.optim.Adafactor(params, **options)
    for _ in range(steps):
        opt.zero_grad()
        loss = sum(((p - 0.3) ** 2 * (k + 1)).sum() + (p**3).sum() * 0.1 for k, p in enumerate(params))
        loss.backward()
        opt.step()
    return opt, [p.detach().numpy().astype(np.float64) for p in params]


def test_first_step_is_the_sign_of_the_gradient_times_the_rms():
    # at step 1 the decay is 1: a vector's variance is g^2, a rank-one g's factored one is g^2 exactly,
    # so the update is sign(g), its RMS 1, and the step max(eps2, RMS(p)) * min(lr, 1)
    a, b = np.array([1.0, -2.0, 0.5]), np.array([0.3, 1.5])
    matrix = mytorch.nn.Parameter(mytorch.tensor(np.full((3, 2), 2.0)))
    vector = mytorch.nn.Parameter(mytorch.tensor(np.array([1e-4, -2e-4])))
    opt = mytorch.optim.Adafactor([matrix, vector], lr=0.1)
    matrix.grad = mytorch.tensor(np.outer(a, b))
    vector.grad = mytorch.tensor(np.array([-1.0, 3.0]))
    opt.step()
    np.testing.assert_allclose(matrix.detach().numpy(), 2.0 - 0.1 * 2.0 * np.sign(np.outer(a, b)), rtol=1e-14)
    np.testing.assert_allclose(vector.detach().numpy(), [1e-4 + 0.1 * 1e-3, -2e-4 - 0.1 * 1e-3], rtol=1e-12)
    state = opt.state[matrix]
    assert sorted(state) == ["col_var", "row_var", "step"] and state["row_var"].shape == (3, 1)
    assert sorted(opt.state[vector]) == ["step", "variance"] and opt.state[vector]["step"].item() == 1.0


@pytest.mark.parametrize(
    "options, match",
    [
        ({"beta2_decay": 0.5}, "beta2_decay"),
        ({"eps": (None,)}, "eps"),
        ({"eps": (-1.0, 1e-3)}, "eps"),
        ({"d": 0.5}, "d"),
    ],
)
def test_bad_hyper_parameters_are_refused(options, match):
    with pytest.raises(ValueError, match=match):
        mytorch.optim.Adafactor([mytorch.nn.Parameter(mytorch.zeros(2))], **options)


@pytest.mark.parametrize("flat", [False, True])
def test_state_saved_and_loaded_takes_the_same_next_steps(flat):
    opt, _ = _run(mytorch, mytorch.float64, steps=3)
    if flat:  # (an .npz without pickle: eps's None is kept as NaN)
        buffer = io.BytesIO()
        np.savez(buffer, **opt.flat_state_dict())
        buffer.seek(0)
        with np.load(buffer, allow_pickle=False) as saved:
            state = dict(saved)
    else:  # (through a file: a state dict's Tensors loaded as they are become the new optimizer's, as in PyTorch)
        buffer = io.BytesIO()
        mytorch.save(opt.state_dict(), buffer)
        buffer.seek(0)
        state = mytorch.load(buffer)
    fresh = mytorch.optim.Adafactor([mytorch.nn.Parameter(mytorch.tensor(p.numpy().copy())) for p in opt.params])
    fresh.load_state_dict(state)
    assert fresh.param_groups[0]["eps"] == (None, 1e-3) and repr(fresh) == repr(opt)
    for o in (opt, fresh):
        for p in o.params:
            p.grad = mytorch.tensor(np.ones(p.shape))
        o.step()
    for a, b in zip(opt.params, fresh.params):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


def test_lbfgs_flat_state_saves_without_pickle():
    # flat_state_dict held line_search_fn None as an object array, which np.savez cannot write without pickle
    opt = mytorch.optim.LBFGS([mytorch.nn.Parameter(mytorch.zeros(2))])
    buffer = io.BytesIO()
    np.savez(buffer, **opt.flat_state_dict())
    buffer.seek(0)
    with np.load(buffer, allow_pickle=False) as saved:
        opt.load_state_dict(dict(saved))
    assert opt.param_groups[0]["line_search_fn"] is None


OPTIONS = [
    {},
    {"weight_decay": 0.1, "lr": 0.05, "maximize": True},
    {"eps": (1e-30, 1e-3), "d": 2.0, "beta2_decay": -0.5},
]


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_six_steps_as_torchs(options, dtype):
    torch = pytest.importorskip("torch")
    mine, mine_params = _run(mytorch, getattr(mytorch, dtype), **options)
    theirs, their_params = _run(torch, getattr(torch, dtype), **options)
    rtol = 1e-12 if dtype == "float64" else 2e-6
    for a, b in zip(mine_params, their_params):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol)
    assert repr(mine) == repr(theirs)
    for a, b in zip(mine.state_dict()["state"].values(), theirs.state_dict()["state"].values()):
        assert sorted(a) == sorted(b)
        for name in a:
            np.testing.assert_allclose(np.asarray(a[name]), b[name].numpy(), rtol=rtol)


def test_loads_torchs_state_and_steps_on_as_torch():
    torch = pytest.importorskip("torch")
    theirs, _ = _run(torch, torch.float64, steps=3)
    mine = mytorch.optim.Adafactor(
        [mytorch.nn.Parameter(mytorch.tensor(p.detach().numpy())) for p in theirs.param_groups[0]["params"]]
    )
    mine.load_state_dict(theirs.state_dict())
    for o, lib in ((mine, mytorch), (theirs, torch)):
        for p in o.param_groups[0]["params"]:
            p.grad = lib.ones(p.shape, dtype=lib.float64)
        o.step()
    for a, b in zip(mine.param_groups[0]["params"], theirs.param_groups[0]["params"]):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12)

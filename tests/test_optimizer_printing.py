"""``print(optimizer)`` and ``state_dict()["param_groups"]`` show PyTorch's kernel flags
(``foreach``, ``fused``, ``capturable``, ``differentiable``), per optimizer as PyTorch 2.13's do,
while the groups themselves (and the ``.npz`` checkpoints made from them) do not hold them."""

import io

import pytest

import mytorch

try:
    import torch
except ImportError:  # (the PyTorch comparisons skip)
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

NAMES = ["SGD", "Adam", "AdamW", "Adagrad", "Adadelta", "Adamax", "ASGD", "NAdam", "RAdam", "RMSprop", "Rprop"]
FLAGS = {"foreach", "fused", "capturable", "differentiable"}


def _make(name: str) -> object:
    """MyTorch's optimizer ``name`` of one zero parameter (SGD's rate given)."""
    options = {"lr": 0.1} if name == "SGD" else {}
    return getattr(mytorch.optim, name)([mytorch.nn.Parameter(mytorch.zeros(2))], **options)


def _pair(name: str, **options: object) -> tuple[object, object]:
    """MyTorch's and PyTorch's optimizer ``name`` of one parameter, made alike."""
    options = {"lr": 0.1, **options} if name == "SGD" else options
    mine = getattr(mytorch.optim, name)([mytorch.nn.Parameter(mytorch.zeros(2))], **options)
    theirs = getattr(torch.optim, name)([torch.nn.Parameter(torch.zeros(2))], **options)
    return mine, theirs


def test_sgd_prints_the_flags_exactly() -> None:
    opt = mytorch.optim.SGD([mytorch.nn.Parameter(mytorch.zeros(2))], lr=0.1, momentum=0.9, dampening=0.5)
    assert repr(opt) == (
        "SGD (\nParameter Group 0\n    dampening: 0.5\n    differentiable: False\n    foreach: None\n"
        "    fused: None\n    lr: 0.1\n    maximize: False\n    momentum: 0.9\n    nesterov: False\n"
        "    weight_decay: 0\n)"  # (PyTorch's default, 0, as given: it printed 0.0 until 2026-12-04)
    )
    group = opt.state_dict()["param_groups"][0]
    assert {k: group[k] for k in FLAGS & set(group)} == {"differentiable": False, "foreach": None, "fused": None}
    assert not FLAGS & set(opt.param_groups[0])  # (the groups the steps read hold hyper-parameters only)


def test_given_flags_are_shown_and_change_nothing() -> None:
    opt = mytorch.optim.Adam([mytorch.nn.Parameter(mytorch.zeros(2))], foreach=True, capturable=True)
    group = opt.state_dict()["param_groups"][0]
    assert (group["foreach"], group["capturable"], group["fused"], group["differentiable"]) == (True, True, None, False)
    assert "    foreach: True\n" in repr(opt)


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_with_flags_saves_and_loads(name: str) -> None:
    opt = _make(name)
    buffer = io.BytesIO()
    mytorch.save({"optimizer": opt.state_dict()}, buffer)
    buffer.seek(0)
    back = mytorch.load(buffer)["optimizer"]
    assert back["param_groups"] == opt.state_dict()["param_groups"]
    fresh = _make(name)
    fresh.load_state_dict(back)
    assert not FLAGS & set(fresh.param_groups[0])
    flat = opt.flat_state_dict()  # (the flat checkpoint: arrays only, no flags)
    assert not any(key.rsplit(".", 1)[-1] in FLAGS for key in flat)
    fresh.load_state_dict(flat)


def test_a_state_dict_saved_without_flags_still_loads() -> None:
    opt = _make("Adam")
    old = opt.state_dict()
    old["param_groups"] = [{k: v for k, v in g.items() if k not in FLAGS} for g in old["param_groups"]]
    opt.load_state_dict(old)
    assert opt.param_groups[0]["lr"] == 0.001


@needs_torch
@pytest.mark.parametrize("name", [*NAMES, "LBFGS", "SparseAdam"])
def test_flags_as_pytorchs(name: str) -> None:
    mine, theirs = _pair(name)
    mine_group, their_group = mine.state_dict()["param_groups"][0], theirs.state_dict()["param_groups"][0]
    assert {k: mine_group[k] for k in FLAGS & set(mine_group)} == {k: their_group[k] for k in FLAGS & set(their_group)}
    flag_lines = [line for line in repr(theirs).splitlines() if line.split(":")[0].strip() in FLAGS]
    assert [line for line in repr(mine).splitlines() if line.split(":")[0].strip() in FLAGS] == flag_lines


@needs_torch
def test_prints_as_pytorchs_with_float_hyper_parameters() -> None:
    mine, theirs = _pair("SGD", momentum=0.9, dampening=0.0, weight_decay=1e-4)
    assert repr(mine) == repr(theirs)
    mine, theirs = _pair("Adam", lr=1e-3, weight_decay=0.0)
    assert repr(mine) == repr(theirs)
    theirs.load_state_dict(mine.state_dict())  # (and each loads the other's groups)
    mine.load_state_dict(theirs.state_dict())


INTS = {  # the hyper-parameters PyTorch's defaults give as ints (MyTorch's printed 0.0 and 1.0)
    "SGD": {"momentum": 0, "dampening": 0, "weight_decay": 0},
    "Adam": {"weight_decay": 0},
    "AdamW": {},
    "Adagrad": {"lr_decay": 0, "weight_decay": 0, "initial_accumulator_value": 0},
    "Adadelta": {"weight_decay": 0},
    "Adamax": {"weight_decay": 0},
    "ASGD": {"weight_decay": 0},
    "NAdam": {"weight_decay": 0},
    "RAdam": {"weight_decay": 0},
    "RMSprop": {"weight_decay": 0, "momentum": 0},
    "Rprop": {"step_sizes": (1e-6, 50)},
    "LBFGS": {"lr": 1},
}


@pytest.mark.parametrize("name", sorted(INTS))
def test_defaults_stay_as_given(name: str) -> None:
    opt = _make(name)
    group = opt.param_groups[0]
    for key, value in INTS[name].items():
        assert group[key] == value and repr(group[key]) == repr(value)
        assert f"    {key}: {value}\n" in repr(opt)
    assert ("maximize" in group) == (name != "LBFGS")  # (PyTorch's LBFGS has none)
    flat = () if name == "Rprop" else (opt.flat_state_dict(),)  # (a flat one's (1e-6, 50) is an array of floats)
    for state in (opt.state_dict(), *flat):  # (an int stays an int through a checkpoint)
        fresh = _make(name)
        fresh.load_state_dict(state)
        assert repr(fresh) == repr(opt)


def test_lbfgs_refuses_maximize_when_made_and_loads_its_state() -> None:
    with pytest.raises(NotImplementedError, match="maximize"):
        mytorch.optim.LBFGS([mytorch.nn.Parameter(mytorch.zeros(2))], maximize=True)
    opt = mytorch.optim.LBFGS([mytorch.nn.Parameter(mytorch.zeros(2))], line_search_fn="strong_wolfe")
    saved = opt.state_dict()  # (loading an LBFGS state raised TypeError: line_search_fn holds <U12)
    opt.load_state_dict(saved)
    saved["param_groups"][0]["line_search_fn"] = "backtracking"
    with pytest.raises(ValueError, match="line_search_fn"):
        opt.load_state_dict(saved)
    assert opt.param_groups[0]["line_search_fn"] == "strong_wolfe"


@needs_torch
@pytest.mark.parametrize("name", [*NAMES, "LBFGS"])
def test_prints_as_pytorchs_with_defaults(name: str) -> None:
    mine, theirs = _pair(name)
    assert repr(mine) == repr(theirs)
    mine, theirs = _pair(name, lr=1)
    assert repr(mine) == repr(theirs)

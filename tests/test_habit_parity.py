"""Small PyTorch habits that MyTorch answered differently, each checked against a closed form and,
where PyTorch 2.13 is installed, against PyTorch itself (those checks skip cleanly without it).

* ``repr(t)`` names a dtype as PyTorch prints it (``dtype=torch.float64``; it printed
  ``dtype=mytorch.float64``), so a ported script's printed tensors compare as text.
* ``x = h.detach(); x.requires_grad = True`` beside ``h`` in one loss: ``backward`` raised (the
  detached tensor held ``h``'s very array, the tape's key for ``h``'s gradient).
* ``h.grad`` of a recorded result without ``retain_grad()``: None, silently; PyTorch warns.
* Optimizers' ``state[p]["step"]`` was a (1,) int64 Tensor (``tensor([2])``, ``.item()`` 2), and
  RMSprop kept none; PyTorch's is ``tensor(2.)``. A state dict of PyTorch's optimizer did not load
  (its groups' ``foreach``, ``fused``, ``differentiable`` were unknown hyper-parameters).
* ``Distribution.expand``, ``F.lp_pool3d`` and ``nn.LPPool3d`` were missing.
* ``t.type()`` was "mytorch.FloatTensor"; ``SGD(params)`` without ``lr`` a TypeError; ``bool()`` of
  several values NumPy's ValueError (PyTorch's is a RuntimeError); ``torch.Size`` printed as
  ``mytorch.Size``; ``type(y.grad_fn).__name__`` was ``Node``; ``default_collate`` made a tuple
  sample's strings a list.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import mytorch

try:
    import torch
except ImportError:  # (the PyTorch comparisons skip)
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def _libs() -> list[Any]:
    return [mytorch] if torch is None else [mytorch, torch]


# --------------------------------------------------------------------------- printing
@pytest.mark.parametrize("dtype", ["float64", "int32", "float16", "complex128", "uint8"])
def test_repr_names_the_dtype_as_pytorch_prints_it(dtype: str) -> None:
    t = mytorch.ones(2, dtype=getattr(mytorch, dtype))
    assert repr(t).endswith(f"dtype=torch.{dtype})")
    if torch is not None:
        assert repr(t) == repr(torch.ones(2, dtype=getattr(torch, dtype)))


# --------------------------------------------------------------------------- detach
def _detached_beside_its_source(lib: Any, how: str) -> tuple[np.ndarray, np.ndarray]:
    w = lib.tensor([1.0, 2.0, -0.5], dtype=lib.float64, requires_grad=True)
    h = w * 3
    if how == "assign":
        x = h.detach()
        x.requires_grad = True
    elif how == "data":
        x = h.data
        x.requires_grad = True
    else:
        x = h.detach().requires_grad_()
    loss = (x * (h * 2)).sum() + h.sum()
    loss.backward()
    return np.array(x.grad.tolist()), np.array(w.grad.tolist())


@pytest.mark.parametrize("how", ["assign", "data", "requires_grad_"])
def test_a_detached_result_made_a_leaf_has_its_own_gradient_beside_its_source(how: str) -> None:
    """loss = sum(x * 2h) + sum(h), h = 3w, x = h's values: dloss/dx = 2h = 6w, and through h
    only, dloss/dw = 3 (2x + 1) = 18w + 3."""
    w = np.array([1.0, 2.0, -0.5])
    results = [_detached_beside_its_source(lib, how) for lib in _libs()]
    x_grad, w_grad = results[0]
    np.testing.assert_allclose(x_grad, 6 * w, rtol=1e-15)
    np.testing.assert_allclose(w_grad, 18 * w + 3, rtol=1e-15)
    for other in results[1:]:
        np.testing.assert_array_equal(x_grad, other[0])
        np.testing.assert_array_equal(w_grad, other[1])


def test_a_detached_result_still_shares_its_memory_and_versions() -> None:
    """The view is of the same memory: a write through it is seen by ``h``, and a backward that
    reads ``h``'s saved values raises, as PyTorch's does."""
    w = mytorch.tensor([1.0, 2.0], requires_grad=True)
    h = w * 3
    loss = (h * h).sum()
    d = h.detach()
    assert np.shares_memory(d.numpy(), h.detach().numpy())
    d.zero_()
    assert h.tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError):
        loss.backward()


# --------------------------------------------------------------------------- .grad of a non-leaf
def test_grad_of_a_non_leaf_warns_as_pytorch_and_is_none() -> None:
    for lib in _libs():
        w = lib.tensor([1.0, 2.0], requires_grad=True)
        h = w * 3
        h.sum().backward()
        with pytest.warns(UserWarning, match="not a leaf Tensor is being accessed") as caught:
            assert h.grad is None
        assert len(caught) == 1 and caught[0].filename == __file__  # (the line that read it)


def test_grad_of_a_leaf_or_a_retaining_result_does_not_warn() -> None:
    w = mytorch.tensor([1.0, 2.0], requires_grad=True)
    h = w * 3
    h.retain_grad()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert w.grad is None and h.grad is None  # (before backward: None, and no warning)
        (h * h).sum().backward()
        assert w.grad.tolist() == [18.0, 36.0] and h.grad.tolist() == [6.0, 12.0]
        assert mytorch.tensor([1.0]).grad is None  # (a constant is a leaf)


# --------------------------------------------------------------------------- optimizers' step count
_COUNTING = ["Adam", "AdamW", "Adamax", "NAdam", "RAdam", "Adagrad", "Adadelta", "RMSprop", "ASGD", "Rprop"]


def _two_steps(lib: Any, name: str) -> tuple[Any, Any]:
    p = lib.nn.Parameter(lib.tensor([1.0, -2.0]))
    opt = getattr(lib.optim, name)([p], lr=0.01)
    for _ in range(2):
        p.grad = lib.tensor([0.5, 0.25])
        opt.step()
    return opt, p


@pytest.mark.parametrize("name", _COUNTING)
def test_the_step_count_is_a_0d_float32_tensor_as_pytorchs(name: str) -> None:
    """``state[p]["step"]`` was a (1,) int64 Tensor: ``tensor([2])``, ``.item()`` 2, ``step + 1``
    of shape (1,); RMSprop kept none. Other 0-d states (NAdam's ``mu_product``, ASGD's ``eta``,
    ``mu``) were (1,) too."""
    opt, p = _two_steps(mytorch, name)
    step = opt.state[p]["step"]
    assert step.shape == () and step.dtype == mytorch.float32 and repr(step) == "tensor(2.)"
    assert step.item() == 2.0 and type(step.item()) is float and (step + 1).shape == ()
    saved = opt.state_dict()["state"][0]
    assert repr(saved["step"]) == "tensor(2.)"
    if torch is not None:
        theirs, q = _two_steps(torch, name)
        assert sorted(opt.state[p]) == sorted(theirs.state[q])
        for key, value in opt.state[p].items():
            assert value.shape == tuple(theirs.state[q][key].shape), key
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize("name", ["Adam", "NAdam", "ASGD", "Adagrad"])
def test_a_state_saved_with_a_1_element_int64_count_still_loads(name: str) -> None:
    """State dicts saved before the count became 0-d: PyTorch's layout and the flat one."""
    opt, p = _two_steps(mytorch, name)
    saved = opt.state_dict()
    old = {
        "state": {0: {k: mytorch.Tensor(v.numpy().reshape(1)) for k, v in saved["state"][0].items() if v.numel() == 1}},
        "param_groups": saved["param_groups"],
    }
    old["state"][0].update({k: v for k, v in saved["state"][0].items() if v.numel() > 1})
    old["state"][0]["step"] = mytorch.Tensor(np.array([2], dtype=np.int64))
    flat = {k: (v.reshape(1).astype(np.int64) if k.startswith("t.") else v) for k, v in opt.flat_state_dict().items()}
    for state in (old, flat):
        fresh, q = _two_steps(mytorch, name)
        fresh.load_state_dict(state)
        assert repr(fresh.state[q]["step"]) == "tensor(2.)"
        q.grad = mytorch.tensor([0.5, 0.25])
        fresh.step()
        assert fresh.state[q]["step"].item() == 3.0


def test_an_rmsprop_state_saved_without_its_count_loads_and_counts_on() -> None:
    opt, p = _two_steps(mytorch, "RMSprop")
    flat = {k: v for k, v in opt.flat_state_dict().items() if not k.startswith("t.")}
    fresh, q = _two_steps(mytorch, "RMSprop")
    fresh.load_state_dict(flat)
    np.testing.assert_array_equal(fresh.state[q]["square_avg"].numpy(), opt.state[p]["square_avg"].numpy())
    assert fresh.state[q]["step"].item() == 2.0
    with pytest.raises(ValueError, match="missing state array 't.0'"):
        adam, _ = _two_steps(mytorch, "Adam")
        adam.load_state_dict({k: v for k, v in adam.flat_state_dict().items() if not k.startswith("t.")})


# --------------------------------------------------------------------------- Distribution.expand
def _f64(lib: Any, *shape: int, low: float = 0.2) -> Any:
    rng = np.random.default_rng(sum(shape) + len(shape))
    return lib.tensor(rng.uniform(low, 1.0, size=shape), dtype=lib.float64, requires_grad=True)


_DISTRIBUTIONS = {  # name: (batch shape, make(lib, params)), params drawn by _params
    "Normal": ((3,), lambda D, a, b, c: D.Normal(a - 0.5, b)),
    "Categorical": ((3,), lambda D, a, b, c: D.Categorical(probs=c / c.sum(-1, keepdim=True))),
    "Bernoulli": ((3,), lambda D, a, b, c: D.Bernoulli(logits=a)),
    "Uniform": ((3,), lambda D, a, b, c: D.Uniform(a - 1, b + 1)),
    "MultivariateNormal": ((3,), lambda D, a, b, c: D.MultivariateNormal(c, scale_tril=(c[0] + 1).diag())),
    "Laplace": ((3,), lambda D, a, b, c: D.Laplace(a, b)),
    "Exponential": ((3,), lambda D, a, b, c: D.Exponential(a)),
    "LogNormal": ((3,), lambda D, a, b, c: D.LogNormal(a, b)),
    "Gamma": ((3,), lambda D, a, b, c: D.Gamma(a + 1, b)),
    "Beta": ((3,), lambda D, a, b, c: D.Beta(a + 1, b + 1)),
    "Dirichlet": ((3,), lambda D, a, b, c: D.Dirichlet(c + 1)),
    "OneHotCategorical": ((3,), lambda D, a, b, c: D.OneHotCategorical(logits=c)),
    "Poisson": ((3,), lambda D, a, b, c: D.Poisson(a * 4)),
    "Geometric": ((3,), lambda D, a, b, c: D.Geometric(probs=a * 0.9)),
    "Binomial": ((3,), lambda D, a, b, c: D.Binomial(5, probs=a * 0.9)),
    "Multinomial": ((3,), lambda D, a, b, c: D.Multinomial(5, logits=c)),
    "StudentT": ((3,), lambda D, a, b, c: D.StudentT(a + 2, b, b)),
    "VonMises": ((3,), lambda D, a, b, c: D.VonMises(a, b)),
    "Cauchy": ((3,), lambda D, a, b, c: D.Cauchy(a, b)),
    "Gumbel": ((3,), lambda D, a, b, c: D.Gumbel(a, b)),
    "HalfNormal": ((3,), lambda D, a, b, c: D.HalfNormal(b)),
    "HalfCauchy": ((3,), lambda D, a, b, c: D.HalfCauchy(b)),
    "Weibull": ((3,), lambda D, a, b, c: D.Weibull(b, a + 1)),
    "Pareto": ((3,), lambda D, a, b, c: D.Pareto(b, a + 2)),
    "Chi2": ((3,), lambda D, a, b, c: D.Chi2(a + 1)),
    "LowRankMultivariateNormal": ((3,), lambda D, a, b, c: D.LowRankMultivariateNormal(c, c[..., None], c + 1)),
    "RelaxedOneHotCategorical": ((3,), lambda D, a, b, c: D.RelaxedOneHotCategorical(b[0], logits=c)),
    "RelaxedBernoulli": ((3,), lambda D, a, b, c: D.RelaxedBernoulli(b[0], logits=a)),
    "ContinuousBernoulli": ((3,), lambda D, a, b, c: D.ContinuousBernoulli(probs=a * 0.9)),
    "Independent": ((), lambda D, a, b, c: D.Independent(D.Normal(a, b), 1)),
    "MixtureSameFamily": ((), lambda D, a, b, c: D.MixtureSameFamily(D.Categorical(logits=a), D.Normal(b, a))),
    "TransformedDistribution": ((3,), lambda D, a, b, c: D.TransformedDistribution(D.Normal(a, b), [D.ExpTransform()])),
    "Normal of one number": ((), lambda D, a, b, c: D.Normal(a[0], b[0])),
}


def _expanded_numbers(lib: Any, name: str, values: Any) -> tuple[Any, dict[str, np.ndarray]]:
    """The distribution ``name`` expanded to (2,) + its batch shape: its shapes, the log density of
    ``values`` (drawn from MyTorch's when None), its moments and entropy where defined, and the
    gradient of the summed log density in the parameters."""
    batch, make = _DISTRIBUTIONS[name]
    D = lib.distributions
    if not hasattr(D, "ExpTransform"):
        D.ExpTransform = D.transforms.ExpTransform
    params = (_f64(lib, 3), _f64(lib, 3), _f64(lib, 3, 4))
    d = make(D, *params).expand((2, *batch))
    if values is None:
        lib.manual_seed(0)  # (the same draw whatever ran before: PyTorch's VonMises is good to 1e-6 only)
        values = d.sample().numpy()
    found = {"shapes": np.array([*d.batch_shape, -1, *d.event_shape])}
    logp = d.log_prob(lib.tensor(values))
    found["log_prob"] = logp.detach().numpy()
    for moment in ("mean", "variance", "entropy"):
        try:
            found[moment] = (d.entropy() if moment == "entropy" else getattr(d, moment)).detach().numpy()
        except (NotImplementedError, AttributeError):
            pass
    grads = lib.autograd.grad(logp.sum(), params, allow_unused=True)
    found.update({f"grad{i}": np.zeros(3) if g is None else g.detach().numpy() for i, g in enumerate(grads)})
    return values, found


@pytest.mark.parametrize("name", list(_DISTRIBUTIONS))
def test_expand_repeats_a_distribution_over_a_larger_batch(name: str) -> None:
    values, ours = _expanded_numbers(mytorch, name, None)
    batch = _DISTRIBUTIONS[name][0]
    assert tuple(ours["shapes"][: len(batch) + 1]) == (2, *batch) and ours["log_prob"].shape == (2, *batch)
    np.testing.assert_array_equal(ours["log_prob"][0], _expanded_numbers(mytorch, name, values[:1])[1]["log_prob"][0])
    if torch is not None:
        _, theirs = _expanded_numbers(torch, name, values)
        assert sorted(ours) == sorted(theirs)
        # (PyTorch's Bessel functions are polynomial fits: a gradient near 0 is off by 1e-7 absolute)
        rtol, atol = (1e-6, 1e-6) if name == "VonMises" else (1e-9, 1e-12)
        for key, value in theirs.items():
            np.testing.assert_allclose(ours[key], value, rtol=rtol, atol=atol, err_msg=key)


def test_expand_refuses_a_batch_it_does_not_broadcast_to() -> None:
    d = mytorch.distributions.Normal(mytorch.zeros(3), 1.0)
    with pytest.raises(RuntimeError, match=r"Normal.expand: its batch_shape \(3,\) does not broadcast to \(2, 4\)"):
        d.expand((2, 4))
    assert d.expand([2, 3]).sample((5,)).shape == (5, 2, 3) and d.batch_shape == (3,)


# --------------------------------------------------------------------------- smaller habits
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"])
def test_type_names_the_tensor_type_as_pytorch(dtype: str) -> None:
    """``x.type() == "torch.FloatTensor"`` was False: the name was "mytorch.FloatTensor"."""
    t = mytorch.ones(2, dtype=getattr(mytorch, dtype))
    name = t.type()
    assert name.startswith("torch.") and t.type(name).dtype == t.dtype
    assert mytorch.ones(2).type("mytorch.DoubleTensor").dtype == mytorch.float64
    with pytest.raises(ValueError, match="'DoubleTensor' names no tensor type"):
        mytorch.ones(2).type("DoubleTensor")
    if torch is not None:
        assert name == torch.ones(2, dtype=getattr(torch, dtype)).type()


def test_sgd_takes_pytorchs_default_learning_rate() -> None:
    """``SGD(model.parameters())`` was a TypeError (lr was required); PyTorch's default is 1e-3."""
    for lib in _libs():
        p = lib.nn.Parameter(lib.tensor([1.0, 2.0]))
        opt = lib.optim.SGD([p])
        p.grad = lib.tensor([10.0, -10.0])
        opt.step()
        assert opt.param_groups[0]["lr"] == 1e-3
        np.testing.assert_allclose(p.detach().numpy(), [0.99, 2.01], rtol=1e-6)


def test_the_truth_of_a_tensor_of_several_values_is_pytorchs_runtime_error() -> None:
    """NumPy's ValueError came through; PyTorch's ``except RuntimeError`` missed it."""
    for lib in _libs():
        with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
            bool(lib.tensor([1.0, 2.0]) > 0)
    with pytest.raises(ValueError):  # (MyTorch's other bad input is a ValueError: either except catches it)
        bool(mytorch.tensor([1.0, 2.0]))
    assert bool(mytorch.tensor([0.5])) and not mytorch.tensor(0.0)


def test_size_prints_as_pytorchs() -> None:
    assert repr(mytorch.Size([2, 3])) == "torch.Size([2, 3])" == str(mytorch.Size((2, 3)))
    if torch is not None:
        assert repr(mytorch.Size([2, 3])) == repr(torch.Size([2, 3]))


@needs_torch
@pytest.mark.parametrize("name", ["SGD", *_COUNTING])
def test_a_state_dict_of_pytorchs_optimizer_loads_and_steps_on_as_pytorchs(name: str) -> None:
    """PyTorch's groups hold ``foreach``, ``fused``, ``differentiable`` (``capturable``): each was an
    "unknown hyper-parameter"; and ASGD's lacked the ``eps`` MyTorch's kept (unused)."""
    grad = [1.0, -0.5]
    p = torch.nn.Parameter(torch.ones(2))
    theirs = getattr(torch.optim, name)([p], lr=0.05)
    p.grad = torch.tensor(grad)
    theirs.step()
    saved = theirs.state_dict()
    state = {i: {k: mytorch.tensor(v.numpy()) for k, v in entry.items()} for i, entry in saved["state"].items()}
    q = mytorch.nn.Parameter(mytorch.tensor(p.detach().numpy()))
    ours = getattr(mytorch.optim, name)([q], lr=0.01)
    ours.load_state_dict({"state": state, "param_groups": saved["param_groups"]})
    assert ours.param_groups[0]["lr"] == 0.05
    for _ in range(2):
        q.grad, p.grad = mytorch.tensor(grad), torch.tensor(grad)
        ours.step()
        theirs.step()
    np.testing.assert_allclose(q.detach().numpy(), p.detach().numpy(), rtol=1e-6)


def test_an_asgd_state_saved_with_its_old_unused_eps_loads() -> None:
    q = mytorch.nn.Parameter(mytorch.ones(2))
    opt = mytorch.optim.ASGD([q], lr=0.02)
    group = {"lr": 0.03, "lambd": 1e-4, "alpha": 0.75, "t0": 1e6, "weight_decay": 0.0, "eps": 1.0, "maximize": False}
    opt.load_state_dict({"state": {}, "param_groups": [{**group, "params": [0]}]})
    assert opt.param_groups[0]["lr"] == 0.03 and "eps" not in opt.param_groups[0]
    with pytest.raises(ValueError, match="differentiable=True is not supported"):
        opt.load_state_dict({"state": {}, "param_groups": [{**group, "differentiable": True, "params": [0]}]})


def test_default_collate_keeps_a_tuple_fields_strings_a_tuple() -> None:
    batch = [("a", 1, {"n": "x"}), ("b", 2, {"n": "y"})]
    names, numbers, fields = mytorch.utils.data.default_collate(batch)
    assert names == ("a", "b") and numbers.tolist() == [1, 2] and fields == {"n": ["x", "y"]}
    if torch is not None:
        theirs = torch.utils.data.default_collate(batch)
        assert theirs[0] == names and theirs[2] == fields


def test_a_grad_fn_type_is_named_as_pytorchs() -> None:
    """``type(y.grad_fn).__name__`` was ``Node`` for every operation."""
    names = []
    for lib in _libs():
        w = lib.ones(2, requires_grad=True)
        y = (w * 2).exp().sum()
        fn = y.grad_fn
        names.append([type(fn).__name__, type(fn.next_functions[0][0]).__name__])
    assert names[0] == ["SumBackward0", "ExpBackward0"]
    assert all(n == names[0] for n in names)
    assert isinstance(fn, type(y.grad_fn)) and y.grad_fn == fn

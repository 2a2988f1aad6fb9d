"""Higher-order gradients against PyTorch (float64, 1e-9 relative; skipped without torch).

Double backward of every kernel, Hessians of random programs from the fuzz suite's op pool,
the Hessian-vector product of an MLP's loss with respect to its weights, third derivatives.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from test_fuzz_kernels import CASES  # noqa: E402
from test_fuzz_programs import Program, programs, tensor_op  # noqa: E402
from test_higher_order import double_backward  # noqa: E402
from test_torch_crosscheck import TORCH  # noqa: E402

import mytorch as mt  # noqa: E402
from mytorch import Tensor, func  # noqa: E402
from mytorch.nn import functional as F  # noqa: E402

TOL = {"rtol": 1e-9, "atol": 1e-9}


def _numpy(t: Any, like: np.ndarray) -> np.ndarray:
    """A PyTorch gradient as an array (None: zeros; PyTorch's lazy zero tensors too)."""
    return np.zeros_like(like) if t is None else t.detach().numpy(force=True)


@pytest.mark.parametrize("name", sorted(F.KERNELS))
@settings(max_examples=4)
@given(data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_double_backward_of_every_kernel_matches_torch(name: str, data: st.DataObject, seed: int) -> None:
    """d/dx <v, d<w, f(x)²>/dx> for random w and v, and the first derivative on the way."""
    arrays, params = data.draw(CASES[name](np.float64))
    w, vs, first, second = double_backward(name, arrays, params, np.random.default_rng(seed))

    tt = [torch.tensor(x, requires_grad=True) for x in arrays]
    tout = TORCH[name](*tt, **params)
    tgrads = torch.autograd.grad((tout * tout * torch.from_numpy(w)).sum(), tt, create_graph=True, allow_unused=True)
    ts_ = sum((g * torch.from_numpy(v)).sum() for g, v in zip(tgrads, vs) if g is not None and g.requires_grad)
    tsecond = torch.autograd.grad(ts_, tt, allow_unused=True) if torch.is_tensor(ts_) else [None] * len(tt)
    for i, x in enumerate(arrays):
        np.testing.assert_allclose(first[i], _numpy(tgrads[i], x), **TOL, err_msg=f"{name}: first derivative {i}")
        np.testing.assert_allclose(second[i], _numpy(tsecond[i], x), **TOL, err_msg=f"{name}: second derivative {i}")


def _torch_op(name: str, *inputs: Any, constants: tuple[int, ...] = (), **params: Any) -> Any:
    """A program step in PyTorch (arrays among the inputs are constants)."""
    operands = (torch.from_numpy(np.asarray(x, np.float64)) if isinstance(x, np.ndarray) else x for x in inputs)
    return TORCH[name](*operands, **params)


@settings(max_examples=8)
@given(program=programs(), seed=st.integers(0, 2**32 - 1))
def test_hessians_of_random_programs_match_torch(program: Program, seed: int) -> None:
    """The Hessian of <w, program(x)> with respect to one of its inputs."""
    inputs = [x.astype(np.float64) for x in program.inputs]
    i = program.used[0]
    out_shape = program.run(lambda name, *xs, constants=(), **p: F.KERNELS[name].forward(*xs, **p), inputs).shape
    w = np.random.default_rng(seed).standard_normal(out_shape)

    def mine(x: Tensor) -> Tensor:
        return (program.run(tensor_op, [x if k == i else Tensor(a) for k, a in enumerate(inputs)]) * w).sum()

    def theirs(x: Any) -> Any:
        pool = [x if k == i else torch.from_numpy(a) for k, a in enumerate(inputs)]
        return (program.run(_torch_op, pool) * torch.from_numpy(w)).sum()

    expected = torch.autograd.functional.hessian(theirs, torch.from_numpy(inputs[i])).numpy()
    np.testing.assert_allclose(func.hessian(mine)(inputs[i]), expected, **TOL)


def _mlp_loss(weights: list[Any], x: Any, y: Any, tanh: Any) -> Any:
    """A two-layer tanh MLP's mean squared error, in whichever library's operations."""
    W1, b1, W2, b2 = weights
    return (((tanh(x @ W1 + b1) @ W2 + b2) - y) ** 2).mean()


def test_hvp_of_an_mlp_loss_with_respect_to_its_weights_matches_torch(rng: np.random.Generator) -> None:
    x, y = rng.standard_normal((8, 3)), rng.standard_normal((8, 2))
    weights = [rng.standard_normal(s) * 0.7 for s in [(3, 5), (5,), (5, 2), (2,)]]
    v = [rng.standard_normal(w.shape) for w in weights]

    value, product = func.hvp(lambda *ws: _mlp_loss(list(ws), x, y, np.tanh), tuple(weights), tuple(v))
    t_value, t_product = torch.autograd.functional.hvp(
        lambda *ws: _mlp_loss(list(ws), torch.from_numpy(x), torch.from_numpy(y), torch.tanh),
        tuple(torch.from_numpy(w) for w in weights),
        tuple(torch.from_numpy(t) for t in v),
    )
    assert float(value) == pytest.approx(t_value.item(), rel=1e-12)
    for mine, theirs in zip(product, t_product):
        np.testing.assert_allclose(mine, theirs.numpy(), **TOL)


@pytest.mark.parametrize(
    ("mine", "theirs", "x0"),
    [
        *((f, t, [-1.3, -0.2, 0.4, 1.7]) for f, t in [(np.sin, torch.sin), (np.exp, torch.exp), (np.tanh, torch.tanh)]),
        (lambda t: t**3, lambda t: t**3, [-1.3, -0.2, 0.4, 1.7]),
        (lambda t: t.prod(), lambda t: t.prod(), [-1.3, 0.0, 0.4, 0.0]),  # (two zeros: products of the others)
    ],
    ids=["sin", "exp", "tanh", "cube", "prod at zeros"],
)
def test_third_derivatives_match_torch(mine: Any, theirs: Any, x0: list[float]) -> None:
    x = Tensor(np.array(x0), requires_grad=True)
    t = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    g, tg = mine(x), theirs(t)
    for _ in range(3):
        (g,) = mt.grad(g.sum(), x, create_graph=True)
        (tg,) = torch.autograd.grad(tg.sum(), t, create_graph=True)
    np.testing.assert_allclose(g.data, tg.detach().numpy(), **TOL)


@pytest.mark.parametrize("p", [2, 3])
def test_hessian_of_a_norm_at_zero_matches_torch_func(p: int) -> None:
    # The gradient of a zero norm is 0 (a choice, as PyTorch's); its derivative there was the
    # identity (x / 1, the ratio the gradient computes), where torch.func.hessian gives 0 (the
    # chosen 0 is a constant). Rows of zeros beside rows that are not, as a batch of norms.
    x0 = np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 0.5]])
    mine = func.hessian(lambda t: t.norm(p=p, dim=1).sum())(Tensor(x0))
    theirs = torch.func.hessian(lambda t: t.norm(p=p, dim=1).sum())(torch.from_numpy(x0))
    np.testing.assert_allclose(mine.data, theirs.numpy(), **TOL)
    assert not mine.data[0, :, 0, :].any()


def test_jacobians_match_torch(rng: np.random.Generator) -> None:
    A = rng.standard_normal((3, 4))

    def f(x: Any, lib: Any) -> Any:
        return lib.tanh(lib_matmul(lib, A, x)) * x[:3] ** 2

    def lib_matmul(lib: Any, a: np.ndarray, x: Any) -> Any:
        return (torch.from_numpy(a) if lib is torch else a) @ x

    x = rng.standard_normal(4)
    expected = torch.func.jacrev(lambda t: f(t, torch))(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(func.jacrev(lambda t: f(t, np))(x), expected, **TOL)
    np.testing.assert_allclose(func.jacfwd(lambda t: f(t, np))(x), expected, **TOL)


def test_hessian_over_several_arguments_and_jacobians_of_tuples_match_torch(rng: np.random.Generator) -> None:
    """hessian(f, argnums=(0, 1)) is the nested tuple of blocks H[i][j] (it was all zeros: jacfwd
    wrapped jacrev's tuple into one constant Tensor); jacrev/jacfwd of a function returning a
    tuple give one Jacobian per output; grad_and_value(has_aux=True) gives (grad, (value, aux))."""
    x, y = rng.standard_normal(3), rng.standard_normal(3)

    def f(a: Any, b: Any) -> Any:
        return (a * b.sin()).sum() + (a**3 * b).sum()

    def pair(a: Any) -> Any:
        return a.sin() * a, (a * a).sum()

    X, Y = torch.from_numpy(x), torch.from_numpy(y)
    for ours, theirs in [
        (func.hessian(f, argnums=(0, 1))(Tensor(x), Tensor(y)), torch.func.hessian(f, argnums=(0, 1))(X, Y)),
        (func.jacrev(pair)(Tensor(x)), torch.func.jacrev(pair)(X)),
        (func.jacfwd(pair)(Tensor(x)), torch.func.jacfwd(pair)(X)),
        (func.jacrev(f, argnums=(0, 1))(Tensor(x), Tensor(y)), torch.func.jacrev(f, argnums=(0, 1))(X, Y)),
    ]:
        flat_ours, flat_theirs = torch.utils._pytree.tree_leaves(ours), torch.utils._pytree.tree_leaves(theirs)
        assert len(flat_ours) == len(flat_theirs)
        for a, b in zip(flat_ours, flat_theirs):
            np.testing.assert_allclose(a.numpy(), b.numpy(), **TOL)
    g, (value, aux) = func.grad_and_value(lambda a: ((a**2).sum(), a.max()), has_aux=True)(Tensor(x))
    tg, (tvalue, taux) = torch.func.grad_and_value(lambda a: ((a**2).sum(), a.max()), has_aux=True)(X)
    np.testing.assert_allclose(g.numpy(), tg.numpy(), **TOL)
    np.testing.assert_allclose([value.item(), aux.item()], [tvalue.item(), taux.item()], **TOL)


def test_reverse_over_forward_matches_torch(rng: np.random.Generator) -> None:
    """grad of a jvp with respect to the primal, the tangent and captured weights, and jacrev
    of jacfwd: ``torch.func`` composes them; MyTorch computes the jvp by recorded reverse passes."""
    x, v, W = rng.standard_normal(4), rng.standard_normal(4), rng.standard_normal((4, 3))

    def f(y: Any, w: Any) -> Any:
        return ((y @ w).tanh() ** 2).sum() + (y.sin() * y).sum()

    X, V, TW = torch.from_numpy(x), torch.from_numpy(v), torch.from_numpy(W)
    cases = [
        (
            func.grad(lambda p, t, w: func.jvp(lambda y: f(y, w), (p,), (t,))[1], argnums=(0, 1, 2)),
            torch.func.grad(lambda p, t, w: torch.func.jvp(lambda y: f(y, w), (p,), (t,))[1], argnums=(0, 1, 2)),
        ),
        (
            lambda p, t, w: (func.jacrev(lambda q: func.jacfwd(lambda y: (y @ w).tanh())(q).sum(0))(p),),
            lambda p, t, w: (torch.func.jacrev(lambda q: torch.func.jacfwd(lambda y: (y @ w).tanh())(q).sum(0))(p),),
        ),
    ]
    for ours, theirs in cases:
        for a, b in zip(ours(Tensor(x), Tensor(v), Tensor(W)), theirs(X, V, TW)):
            np.testing.assert_allclose(a.numpy(), b.numpy(), **TOL)


RECORDED = ("abs", "relu", "leaky_relu", "hardtanh", "hardshrink", "softshrink", "threshold", "norm1", "norm_inf")


@pytest.mark.parametrize("name", [*RECORDED, "clamp", "sign", "floor", "maximum", "where"])
def test_second_derivatives_through_piecewise_linear_ops_match_torch(name: str) -> None:
    """Differentiating a gradient that came through abs, relu, leaky_relu, hardtanh, the shrinks,
    threshold or a 1- or inf-norm alone gives zeros in both libraries (PyTorch records these
    slopes); through clamp, sign, floor, maximum or where the gradient is a constant in both, and
    differentiating it raises in both. Mixed with a smooth factor, the second derivatives are the same."""
    ops = {
        "hardshrink": lambda lib, t: lib.nn.functional.hardshrink(t, 0.5),
        "softshrink": lambda lib, t: lib.nn.functional.softshrink(t, 0.5),
        "threshold": lambda lib, t: lib.nn.functional.threshold(t, 0.1, -2.0),
        "norm1": lambda lib, t: t.norm(p=1),
        "norm_inf": lambda lib, t: t.norm(p=float("inf")),
        "abs": lambda lib, t: abs(t),
        "relu": lambda lib, t: t.relu(),
        "leaky_relu": lambda lib, t: (lib.nn.functional.leaky_relu if lib is torch else lib.leaky_relu)(t, 0.2),
        "hardtanh": lambda lib, t: lib.nn.functional.hardtanh(t, -1.0, 2.5),
        "clamp": lambda lib, t: t.clamp(-0.5, 1.0),
        "sign": lambda lib, t: t.sign(),
        "floor": lambda lib, t: t.floor(),
        "maximum": lambda lib, t: lib.maximum(t, lib.zeros(5, dtype=lib.float64)),
        "where": lambda lib, t: lib.where(t > 0, t, 2 * t),
    }
    data = np.array([-1.5, 2.0, 0.25, -0.75, 3.0])
    recorded = name in RECORDED
    results = []
    for lib in (mt, torch):
        x = lib.tensor(data, requires_grad=True)
        (g,) = lib.autograd.grad(ops[name](lib, x).sum(), x, create_graph=True)
        assert g.requires_grad == recorded
        if recorded:
            (h,) = lib.autograd.grad((g * g).sum(), x)
        else:
            with pytest.raises(RuntimeError):
                lib.autograd.grad(g.sum(), x)
            h = lib.zeros(5, dtype=lib.float64)
        (g2,) = lib.autograd.grad((ops[name](lib, x) * x.sin()).sum(), x, create_graph=True)
        (h2,) = lib.autograd.grad(g2.sum(), x)
        force = {"force": True} if lib is torch else {}  # (PyTorch's abs gives a lazy zero tensor)
        results.append([t.detach().numpy(**force) for t in (g, h, g2, h2)])
    for mine, theirs in zip(*results):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-15)


def test_hessian_of_a_relu_mlp_loss_matches_torch_func(rng: np.random.Generator) -> None:
    """func.hessian of a ReLU MLP's loss with respect to its input and weights, block by block,
    as torch.func.hessian's (float64)."""
    x, y = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    W1, b1, W2 = rng.standard_normal((3, 4)), rng.standard_normal(4) * 0.3, rng.standard_normal((4, 2))

    def loss(lib: Any) -> Any:
        return lambda x, W1, b1, W2: (((x @ W1 + b1).relu() @ W2 - lib.tensor(y)) ** 2).mean()

    args = (x, W1, b1, W2)
    for argnums in (0, 1, (0, 1, 2, 3)):
        mine = func.hessian(loss(mt), argnums)(*(mt.tensor(a) for a in args))
        theirs = torch.func.hessian(loss(torch), argnums)(*(torch.tensor(a) for a in args))
        if not isinstance(theirs, tuple):
            mine, theirs = ((mine,),), ((theirs,),)
        for mine_row, their_row in zip(mine, theirs, strict=True):
            for m, t in zip(mine_row, their_row, strict=True):
                np.testing.assert_allclose(m.numpy(), t.numpy(), rtol=1e-10, atol=1e-10)


def _critic(lib: Any) -> Any:
    return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 1)).double()


def test_training_with_a_gradient_penalty_matches_torch_step_by_step(rng: np.random.Generator) -> None:
    """A critic Linear-Tanh-Linear trained by SGD with momentum on MSE + ||d critic / dx||²
    (WGAN-GP's penalty, a double backward through both layers each step): the loss and every
    parameter as PyTorch's after each of four steps (float64)."""
    x, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 1))
    nets = {lib: _critic(lib) for lib in (mt, torch)}
    with torch.no_grad():
        for mine, theirs in zip(nets[mt].parameters(), nets[torch].parameters()):
            theirs.copy_(torch.from_numpy(mine.detach().numpy()))
    optimizers = {lib: lib.optim.SGD(net.parameters(), lr=0.1, momentum=0.9) for lib, net in nets.items()}
    for _ in range(4):
        states = []
        for lib, net in nets.items():
            xs = lib.tensor(x, requires_grad=True)
            out = net(xs)
            (gx,) = lib.autograd.grad(out.sum(), xs, create_graph=True)
            loss = ((out - lib.tensor(y)) ** 2).mean() + 0.5 * (gx**2).sum()
            optimizers[lib].zero_grad()
            loss.backward()
            optimizers[lib].step()
            states.append([loss.item()] + [p.detach().numpy() for p in net.parameters()])
        for mine, theirs in zip(*states):
            np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-10)


def _weights_loss(lib: Any, net: Any) -> Any:
    """loss(weights, x, y): the mean squared error of ``net`` run with ``weights`` (a dict)."""
    call = func.functional_call if lib is mt else torch.func.functional_call
    return lambda weights, x, y: ((call(net, weights, (lib.tensor(x),)) - lib.tensor(y)) ** 2).mean()


def _leaves(tree: Any, path: str = "") -> list[tuple[str, np.ndarray]]:
    """(path, array) for each Tensor of nested dicts and tuples, in order (a dict's keys in the path)."""
    if isinstance(tree, dict):
        return [leaf for k, v in tree.items() for leaf in _leaves(v, f"{path}[{k}]")]
    if isinstance(tree, (tuple, list)):
        return [leaf for i, v in enumerate(tree) for leaf in _leaves(v, f"{path}({i})")]
    return [(path, tree.detach().numpy())]


def test_functional_call_and_transforms_of_weight_dicts_match_torch_func(rng: np.random.Generator) -> None:
    """func.functional_call and the transforms on a dict of weights, as torch.func's: a MAML step
    (inner SGD step with create_graph, the outer loss of the adapted weights differentiated back
    to the originals), grad (a dict), hessian (a dict of dicts), jvp of grad and vjp with dict
    tangents and results, and per-example gradients (vmap of grad over the batch, float64)."""
    xt, yt, xv, yv = (rng.standard_normal(s) for s in [(5, 3), (5, 1), (4, 3), (4, 1)])
    nets = {mt: _critic(mt), torch: _critic(torch)}
    with torch.no_grad():
        for a, b in zip(nets[mt].parameters(), nets[torch].parameters()):
            b.copy_(torch.from_numpy(a.detach().numpy()))
    tangent = {name: rng.standard_normal(p.shape) for name, p in nets[mt].named_parameters()}
    results = []
    for lib, net in nets.items():
        f = func if lib is mt else torch.func
        loss, weights = _weights_loss(lib, net), dict(net.named_parameters())
        inner = lib.autograd.grad(loss(weights, xt, yt), list(weights.values()), create_graph=True)
        adapted = {n: w - 0.1 * g for (n, w), g in zip(weights.items(), inner)}
        meta = lib.autograd.grad(loss(adapted, xv, yv), list(weights.values()))
        plain = {n: w.detach() for n, w in weights.items()}
        train = lambda w, loss=loss: loss(w, xt, yt)  # noqa: E731
        v = {n: lib.tensor(t) for n, t in tangent.items()}
        _, pullback = f.vjp(train, plain)
        call = f.functional_call
        one = lambda w, x, y, call=call, net=net: ((call(net, w, (x[None],)) - y[None]) ** 2).sum()  # noqa: E731
        per_example = f.vmap(f.grad(one), in_dims=(None, 0, 0))(plain, lib.tensor(xt), lib.tensor(yt))
        results.append(
            _leaves(meta)
            + _leaves(f.grad(train)(plain))
            + _leaves(f.hessian(train)(plain))
            + _leaves(f.jvp(f.grad(train), (plain,), (v,)))
            + _leaves(pullback(lib.tensor(2.0, dtype=lib.float64)))
            + _leaves(per_example)
        )
    assert len(results[0]) == 4 + 4 + 16 + 8 + 4 + 4
    for (path, a), (their_path, b) in zip(*results, strict=True):
        assert path == their_path
        np.testing.assert_allclose(a, b, **TOL, err_msg=path)
    assert all(type(p).__name__ == "Parameter" for p in nets[mt].parameters())  # the weights are back


def _flat(tree: Any) -> list[np.ndarray]:
    """The arrays of nested tuples or lists of Tensors (PyTorch's forward-mode jacobian gives lists)."""
    if isinstance(tree, (tuple, list)):
        return [a for t in tree for a in _flat(t)]
    return [tree.detach().numpy()]


def test_autograd_functional_matches_torch(rng: np.random.Generator) -> None:
    """mytorch.autograd.functional's jacobian (both strategies), hessian, vjp, jvp, hvp and vhp:
    PyTorch's values and structures (a Tensor per Tensor input, tuples for tuples, v None for one
    element), and create_graph's results in the graph of the inputs (float64)."""
    from mytorch.autograd.functional import hessian

    x0, y0, v0, w0 = (rng.standard_normal(3) for _ in range(4))
    ours, theirs = mt.autograd.functional, torch.autograd.functional

    def calls(lib: Any, fn: Any) -> list[Any]:
        x, y, v, w = (lib.tensor(a) for a in (x0, y0, v0, w0))
        scalar = lambda a, b: (a.sin() * b).sum() + (a**3 * b.exp()).sum()  # noqa: E731
        pair = lambda a, b: (a.tanh() * b, (a * b).sum())  # noqa: E731
        one = lambda a: (a**3).sum() + a.sin().prod()  # noqa: E731
        forward = {"strategy": "forward-mode"} if lib is mt else {"strategy": "forward-mode", "vectorize": True}
        return [
            fn.jacobian(pair, (x, y)),
            fn.jacobian(lambda a: a.tanh(), x),
            fn.jacobian(pair, (x, y), **forward),
            fn.hessian(scalar, (x, y)),
            (hessian if lib is mt else fn.hessian)(one, x),
            fn.vjp(pair, (x, y), (v, lib.tensor(1.5, dtype=lib.float64))),
            fn.vjp(one, x),
            fn.jvp(pair, (x, y), (v, w)),
            fn.hvp(scalar, (x, y), (v, w)),
            fn.hvp(one, x, v),
            fn.vhp(scalar, (x, y), (v, w)),
        ]

    for i, (a, b) in enumerate(zip(calls(mt, ours), calls(torch, theirs), strict=True)):
        assert isinstance(a, tuple) == isinstance(b, (tuple, list)), i
        for p, q in zip(_flat(a), _flat(b), strict=True):
            np.testing.assert_allclose(p, q, **TOL, err_msg=f"call {i}")
    second = []
    for lib, fn in ((mt, ours), (torch, theirs)):
        x = lib.tensor(x0, requires_grad=True)
        h = fn.hessian(lambda a: (a**3).sum() + a.sin().prod(), x, create_graph=True)
        assert h.requires_grad and not fn.hessian(lambda a: (a**3).sum(), x).requires_grad
        second.append(lib.autograd.grad(h.sum(), x)[0].detach().numpy())
    np.testing.assert_allclose(*second, **TOL)


def test_forward_mode_differentiates_the_padding_rows_of_an_embedding_as_torch() -> None:
    """``padding_idx`` keeps the gradient from the padding row, but the result reads that row: its
    tangent is the row's tangent (PyTorch's JVP, and central differences). The rows were taken as a
    constant, so ``func.jvp`` gave them 0 (and ``jacfwd`` differed from PyTorch's)."""
    w0 = np.arange(15.0).reshape(5, 3) / 7
    t0 = np.cos(np.arange(15.0)).reshape(5, 3)
    idx = np.array([[1, 3, 0], [2, 2, 4]])

    def f(lib: Any, w: Any) -> Any:
        return lib.nn.functional.embedding(lib.tensor(idx), w, padding_idx=2).sin()

    _, ours = func.jvp(lambda w: f(mt, w), (mt.tensor(w0),), (mt.tensor(t0),))
    _, theirs = torch.func.jvp(lambda w: f(torch, w), (torch.tensor(w0),), (torch.tensor(t0),))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), **TOL)
    eps = 1e-6
    numeric = (f(mt, mt.tensor(w0 + eps * t0)).numpy() - f(mt, mt.tensor(w0 - eps * t0)).numpy()) / (2 * eps)
    np.testing.assert_allclose(ours.numpy(), numeric, rtol=1e-7, atol=1e-9)
    w = mt.tensor(w0, requires_grad=True)
    (g,) = mt.grad((f(mt, w) ** 2).sum(), w)
    assert not g.numpy()[2].any() and g.numpy()[1].any()  # (the backward still skips the padding row)

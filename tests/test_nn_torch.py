"""``mytorch.nn``, ``mytorch.optim`` and ``lr_scheduler`` against PyTorch (float64, 1e-10):
the same module or loss on the same values gives the same output and gradients; the same
optimizer from the same weights and gradients takes the same steps; a scheduler sets the
same rates."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import mytorch  # noqa: E402
import mytorch.nn as nn  # noqa: E402
import mytorch.optim as optim  # noqa: E402
from mytorch import Tensor  # noqa: E402
from mytorch.nn import functional as F  # noqa: E402

TOL = {"rtol": 1e-10, "atol": 1e-12}
RNG = np.random.default_rng(0)
X = RNG.standard_normal((6, 4)) * 2


def compare(ours: Callable[[Tensor], Tensor], theirs: Callable[[Any], Any], x: np.ndarray = X) -> None:
    """Output and input gradient (of a random weighting of the output) agree."""
    t = Tensor(x.copy(), requires_grad=True)
    tt = torch.tensor(x, requires_grad=True)
    out, tout = ours(t), theirs(tt)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), **TOL)
    v = RNG.standard_normal(tout.shape)
    (out * v).sum().backward()
    (tout * torch.from_numpy(v)).sum().backward()
    np.testing.assert_allclose(np.asarray(t.grad), tt.grad.numpy(), **TOL)


MODULES = [
    (nn.ReLU(), torch.nn.ReLU()),
    (nn.Sigmoid(), torch.nn.Sigmoid()),
    (nn.Tanh(), torch.nn.Tanh()),
    (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)),
    (nn.GELU(), torch.nn.GELU()),
    (nn.GELU("tanh"), torch.nn.GELU("tanh")),
    (nn.Softplus(), torch.nn.Softplus()),
    (nn.Softplus(beta=2.0), torch.nn.Softplus(beta=2.0)),
    (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)),
    (nn.LogSoftmax(dim=0), torch.nn.LogSoftmax(dim=0)),
    (nn.Identity(), torch.nn.Identity()),
    (nn.Flatten(0), torch.nn.Flatten(0)),
    (nn.Unflatten(1, (2, -1)), torch.nn.Unflatten(1, (2, -1))),
    (nn.ELU(0.5), torch.nn.ELU(0.5)),
    (nn.SELU(), torch.nn.SELU()),
    (nn.SiLU(), torch.nn.SiLU()),
    (nn.Mish(), torch.nn.Mish()),
    (nn.Hardtanh(-2.0, 1.5), torch.nn.Hardtanh(-2.0, 1.5)),
    (nn.ReLU6(), torch.nn.ReLU6()),
]


@pytest.mark.parametrize(("ours", "theirs"), MODULES, ids=[type(m).__name__ for m, _ in MODULES])
def test_activation_modules_match_torch(ours, theirs):
    compare(ours, theirs)


def test_l1_smooth_l1_and_huber_losses_match_torch_to_second_order():
    """Every reduction, beta and delta, weights; errors at the kinks (0, beta, delta) included."""
    x = RNG.standard_normal((4, 3)) * 2
    x[0] = [0.0, 1.0, -0.5]
    target, weight = np.where(np.arange(12).reshape(4, 3) % 5 == 1, 0.3, 0.0), RNG.uniform(0.1, 2, (4, 3))
    cases = [("l1_loss", {}), ("smooth_l1_loss", {"beta": 0.5}), ("smooth_l1_loss", {"beta": 0.0})]
    cases += [("huber_loss", {}), ("l1_loss", {"weight": weight}), ("huber_loss", {"weight": weight, "delta": 0.5})]
    for (name, options), reduction in itertools.product(cases, ["mean", "sum", "none"]):
        results = []
        for lib, functional in ((mytorch, F), (torch, torch.nn.functional)):
            a, b = lib.tensor(x, requires_grad=True), lib.tensor(target, requires_grad=True)
            given = {k: lib.tensor(v) if k == "weight" else v for k, v in options.items()}
            y = getattr(functional, name)(a, b, reduction=reduction, **given)
            scale = lib.tensor(np.arange(1.0, 13.0)[: y.numel()].reshape(tuple(y.shape)))
            ga, gb = lib.autograd.grad((y * scale).sum(), (a, b), create_graph=True)
            (h,) = lib.autograd.grad((ga * ga).sum(), a)
            force = {"force": True} if lib is torch else {}
            results.append([t.detach().numpy(**force) for t in (y, ga, gb, h)])
        for mine, theirs in zip(*results):
            np.testing.assert_allclose(mine, theirs, **TOL, err_msg=f"{name} {options} {reduction}")
    assert repr(nn.SmoothL1Loss(beta=0.5)) == repr(torch.nn.SmoothL1Loss(beta=0.5)) == "SmoothL1Loss()"


def test_hardsigmoid_hardswish_celu_softmin_glu_threshold_and_shrinks_match_torch():
    """Values, gradients and second derivatives (where PyTorch records them), in place too, with
    the kinks (-3, 3, the threshold, lambd) among the inputs; reprs."""
    x = np.array([[-3.0, 3.0, 0.5, -0.5, 0.0, 1.7], [-4.0, 5.0, 0.2, -1.2, 2.5, -2.0]])
    cases = [("Hardsigmoid", (True,)), ("Hardswish", ()), ("CELU", (0.7, True)), ("Softmin", (1,)), ("GLU", (0,))]
    cases += [("Threshold", (0.5, -1.0, True)), ("Tanhshrink", ()), ("Softshrink", ()), ("Hardshrink", (1.2,))]
    for name, args in cases:
        results = []
        for lib in (mytorch, torch):
            module, a = getattr(lib.nn, name)(*args), lib.tensor(x, requires_grad=True)
            out = module(a * 1.0)
            v = lib.tensor(np.cos(np.arange(out.numel())).reshape(tuple(out.shape)))
            (g,) = lib.autograd.grad((out * v).sum(), a, create_graph=True)
            second = lib.zeros(x.shape, dtype=lib.float64)
            if g.requires_grad and name not in ("Hardsigmoid", "Hardswish"):  # (PyTorch: not implemented)
                (second,) = lib.autograd.grad((g * g).sum(), a, allow_unused=True, materialize_grads=True)
            results.append([t.detach().numpy() for t in (out, g, second)] + [repr(module)])
        for mine, theirs in zip(*results):
            if isinstance(mine, str):
                assert mine == theirs
            else:  # (PyTorch's hardsigmoid slope is the float32 1/6 even in float64)
                np.testing.assert_allclose(mine, theirs, rtol=1e-7, atol=1e-9, err_msg=name)


def test_prelu_logsigmoid_softsign_normalize_cosine_and_kl_div_match_torch_to_second_order():
    x = RNG.standard_normal((4, 3, 2))
    x[0, 0, 0] = 0.0  # (prelu's kink: the weight's slope)
    probabilities = RNG.dirichlet(np.ones(3), 4)
    probabilities[0, 1] = 0.0  # (a zero target adds 0)
    cases = {
        "prelu": lambda lib, a, w: lib.nn.functional.prelu(a, w) * w.sum(),
        "logsigmoid": lambda lib, a, w: lib.nn.functional.logsigmoid(a * 10),
        "softsign": lambda lib, a, w: lib.nn.functional.softsign(a),
        "normalize": lambda lib, a, w: lib.nn.functional.normalize(a, p=1, dim=-1),
        "cosine": lambda lib, a, w: lib.nn.functional.cosine_similarity(a, a * lib.tensor([1.0, -2.0]) + 1, dim=1),
    }
    for reduction, log_target in itertools.product(["batchmean", "sum", "mean", "none"], [False, True]):
        target = np.log(probabilities + 1e-3) if log_target else probabilities
        cases[f"kl_div {reduction} {log_target}"] = lambda lib, a, w, r=reduction, t=target, lt=log_target: (
            lib.nn.functional.kl_div(lib.log_softmax(a[:, :, 0], dim=1), lib.tensor(t), reduction=r, log_target=lt)
        )
    for name, f in cases.items():
        results = []
        for lib in (mytorch, torch):
            a, w = lib.tensor(x, requires_grad=True), lib.tensor(np.array([0.1, 0.2, 0.3]), requires_grad=True)
            out = f(lib, a, w)
            v = lib.tensor(np.cos(np.arange(out.numel())).reshape(tuple(out.shape)))
            ga, gw = lib.autograd.grad(
                (out * v).sum(), (a, w), create_graph=True, allow_unused=True, materialize_grads=True
            )
            (h,) = lib.autograd.grad((ga * ga).sum(), a, allow_unused=True, materialize_grads=True)
            results.append([t.detach().numpy() for t in (out, ga, gw, h)])
        for mine, theirs in zip(*results):
            np.testing.assert_allclose(mine, theirs, **TOL, err_msg=name)


def test_binary_cross_entropies_with_weight_and_pos_weight_match_torch():
    """Every reduction with ``weight`` (whole or one per class) and ``pos_weight``; logits of
    +-40 and 0/1 targets included; the logits' second derivatives too."""
    z = RNG.standard_normal((4, 3)) * 3
    z[0, :2] = [40.0, -40.0]
    y = RNG.uniform(0, 1, (4, 3))
    y[1] = y[1] > 0.5
    weight, per_class, pos_weight = RNG.uniform(0.1, 2, (4, 3)), RNG.uniform(0.1, 2, 3), np.array([0.5, 2.0, 3.0])
    cases = [{"weight": weight}, {"pos_weight": pos_weight}, {"weight": per_class, "pos_weight": pos_weight}]
    for options, reduction in itertools.product(cases, ["mean", "sum", "none"]):
        results = []
        for lib, functional in ((mytorch, F), (torch, torch.nn.functional)):
            given = {k: lib.tensor(v) for k, v in options.items()}
            a, b = lib.tensor(z, requires_grad=True), lib.tensor(y, requires_grad=True)
            out = functional.binary_cross_entropy_with_logits(a, b, reduction=reduction, **given)
            ga, gb = lib.autograd.grad(out.sum(), (a, b), create_graph=True)
            (h,) = lib.autograd.grad((ga * ga).sum(), a)
            computed = [out, ga, gb, h]
            if "pos_weight" not in options:
                p = lib.tensor(1 / (1 + np.exp(-np.clip(z, -5, 5))), requires_grad=True)
                probabilities = functional.binary_cross_entropy(p, lib.tensor(y), reduction=reduction, **given)
                computed += [probabilities, *lib.autograd.grad(probabilities.sum(), p)]
            results.append([t.detach().numpy() for t in computed])
        for mine, theirs in zip(*results):
            np.testing.assert_allclose(mine, theirs, **TOL, err_msg=f"{options} {reduction}")


def test_elu_silu_mish_hardtanh_at_their_kinks_and_in_place_match_torch_to_second_order():
    data = np.array([-1.0, 0.0, 1.0, 6.0, -2.0, 1.5, 2.5, -1e-3])
    functions = ["elu", "selu", "silu", "mish", "hardtanh", "relu6"]
    for name, inplace in itertools.product(functions, [False, True]):
        results = []
        for lib, functional in ((mytorch, F), (torch, torch.nn.functional)):
            x = lib.tensor(data, requires_grad=True)
            f = getattr(functional, name)
            y = f(x * 1.0, inplace=inplace) if name != "hardtanh" else f(x * 1.0, -1.0, 2.5, inplace=inplace)
            (g,) = lib.autograd.grad((y * x.sin()).sum(), x, create_graph=True)
            (h,) = lib.autograd.grad(g.sum(), x)
            results.append([t.detach().numpy() for t in (y, g, h)])
        for mine, theirs in zip(*results):
            np.testing.assert_allclose(mine, theirs, **TOL, err_msg=f"{name} inplace={inplace}")


@pytest.mark.parametrize("shape", [(6, 4), (4,), (2, 3, 4)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch_with_the_same_weights(shape, bias):
    ours, theirs = nn.Linear(4, 3, bias=bias).double(), torch.nn.Linear(4, 3, bias=bias).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = RNG.standard_normal(shape)
    compare(ours, theirs, x)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(np.asarray(p.grad), q.grad.numpy(), **TOL, err_msg=name)


LABELS = RNG.integers(0, 4, 6)
PROBS = RNG.dirichlet(np.ones(4), 6)
TARGET = RNG.standard_normal((6, 4))
BINARY = RNG.uniform(0, 1, (6, 4))


def _losses() -> list[tuple[str, Callable, Callable]]:
    cases = []
    for reduction in ("mean", "sum", "none"):
        kw = {"reduction": reduction}
        cases += [
            (
                f"cross_entropy-{reduction}",
                lambda x, kw=kw: nn.CrossEntropyLoss(**kw)(x, LABELS),
                lambda x, kw=kw: torch.nn.CrossEntropyLoss(**kw)(x, torch.tensor(LABELS)),
            ),
            (
                f"cross_entropy-probs-{reduction}",
                lambda x, kw=kw: F.cross_entropy(x, PROBS, **kw),
                lambda x, kw=kw: torch.nn.functional.cross_entropy(x, torch.tensor(PROBS), **kw),
            ),
            (
                f"cross_entropy-smoothed-{reduction}",
                lambda x, kw=kw: F.cross_entropy(x, LABELS, label_smoothing=0.1, **kw),
                lambda x, kw=kw: torch.nn.functional.cross_entropy(x, torch.tensor(LABELS), label_smoothing=0.1, **kw),
            ),
            (
                f"nll-{reduction}",
                lambda x, kw=kw: nn.NLLLoss(**kw)(F.log_softmax(x, dim=1), LABELS),
                lambda x, kw=kw: torch.nn.NLLLoss(**kw)(torch.log_softmax(x, 1), torch.tensor(LABELS)),
            ),
            (
                f"mse-{reduction}",
                lambda x, kw=kw: nn.MSELoss(**kw)(x, TARGET),
                lambda x, kw=kw: torch.nn.MSELoss(**kw)(x, torch.tensor(TARGET)),
            ),
            (
                f"bce-{reduction}",
                lambda x, kw=kw: nn.BCELoss(**kw)(F.sigmoid(x), BINARY),
                lambda x, kw=kw: torch.nn.BCELoss(**kw)(torch.sigmoid(x), torch.tensor(BINARY)),
            ),
            (
                f"bce_logits-{reduction}",
                lambda x, kw=kw: nn.BCEWithLogitsLoss(**kw)(x, BINARY),
                lambda x, kw=kw: torch.nn.BCEWithLogitsLoss(**kw)(x, torch.tensor(BINARY)),
            ),
        ]
    return cases


@pytest.mark.parametrize(("name", "ours", "theirs"), _losses(), ids=[c[0] for c in _losses()])
def test_losses_match_torch(name, ours, theirs):
    compare(ours, theirs)
    if not name.endswith("none"):
        assert ours(Tensor(X)).shape == ()  # a reduced loss is 0-d, as in PyTorch


# Class weights, ignored labels (PyTorch's -100 and a padding class 0), smoothing, each reduction,
# and the shapes (N, C), (C,) and (N, C, d1, d2), in float64 and float32.
CE_LABELS = {
    "2d": np.array([0, 3, -100, 1, 3, 0]),
    "1d": np.array(2),
    "kdim": np.array([[[0, 1, 0], [3, -100, 2]], [[0, 0, 0], [1, 2, 3]]]),
}
CE_SHAPES = {"2d": (6, 4), "1d": (4,), "kdim": (2, 4, 2, 3)}
CE_WEIGHT = np.array([0.5, 2.0, 1.0, 3.0])


@pytest.mark.parametrize("form", list(CE_SHAPES))
@pytest.mark.parametrize(
    "options",
    [{}, {"weight": True}, {"ignore_index": 0}, {"weight": True, "ignore_index": 0, "label_smoothing": 0.2}],
    ids=["plain", "weight", "ignore 0", "weight ignore smoothing"],
)
def test_cross_entropy_and_nll_weights_ignore_index_and_shapes_match_torch(form, options):
    labels = CE_LABELS[form]
    if "ignore_index" in options:  # -100 is then a label like any other: out of range (PyTorch refuses it too)
        labels = np.where(labels == -100, 2, labels)
    for dtype, reduction, fn in itertools.product(
        (np.float64, np.float32), ("mean", "sum", "none"), ("cross_entropy", "nll_loss")
    ):
        x = RNG.standard_normal(CE_SHAPES[form]).astype(dtype) * 2
        v = RNG.standard_normal(np.shape(labels) if reduction == "none" else ()).astype(dtype)
        tol = TOL if dtype == np.float64 else {"rtol": 2e-5, "atol": 2e-6}
        kw = {**options, "reduction": reduction}
        if fn == "nll_loss":
            kw.pop("label_smoothing", None)
        results = []
        for lib, make in ((nn, Tensor), (torch.nn, torch.tensor)):
            t = make(x.copy(), requires_grad=True)
            args = {**kw, "weight": make(CE_WEIGHT.astype(dtype))} if kw.get("weight") else kw
            logits = t if fn == "cross_entropy" else lib.functional.log_softmax(t, dim=0 if form == "1d" else 1)
            module = nn.CrossEntropyLoss if fn == "cross_entropy" else nn.NLLLoss
            if lib is torch.nn:
                module = getattr(torch.nn, module.__name__)
            out = module(**args)(logits, make(labels))
            (out * make(v)).sum().backward()
            results.append((out.detach().numpy() if lib is torch.nn else out.data, np.asarray(t.grad)))
        (ours, ours_grad), (theirs, theirs_grad) = results
        what = f"{fn} {reduction} {np.dtype(dtype)}"
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype, what
        np.testing.assert_allclose(ours, theirs, **tol, err_msg=f"{what}: value")
        np.testing.assert_allclose(ours_grad, theirs_grad, **tol, err_msg=f"{what}: gradient")


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_with_probabilities_weights_and_smoothing_matches_torch(reduction):
    kw = {"reduction": reduction, "label_smoothing": 0.1}
    compare(
        lambda x: F.cross_entropy(x, PROBS, weight=Tensor(CE_WEIGHT), **kw),
        lambda x: torch.nn.functional.cross_entropy(x, torch.tensor(PROBS), weight=torch.tensor(CE_WEIGHT), **kw),
    )
    probs = RNG.dirichlet(np.ones(4), (2, 3)).transpose(0, 2, 1)  # (N, C, d): the class axis second
    compare(
        lambda x: F.cross_entropy(x, probs, **kw),
        lambda x: torch.nn.functional.cross_entropy(x, torch.tensor(probs), **kw),
        RNG.standard_normal((2, 4, 3)),
    )


def test_cross_entropy_with_every_label_ignored_is_nan_as_in_torch():
    """NaN, with zero gradients (MyTorch's were NaN); and NaN only on the rows of labels that
    count but weigh 0, an ignored row keeping its 0."""
    ignored = np.full(6, -100)
    some = np.where(np.arange(6) % 2, ignored, 0)
    grads = []
    for lib, make in ((nn, Tensor), (torch.nn, torch.tensor)):
        mean = lib.functional.cross_entropy(make(X), make(ignored))
        total = lib.functional.nll_loss(make(X), make(ignored), reduction="sum")
        assert np.isnan(float(mean)) and float(total) == 0.0
        for labels, weight in ((ignored, None), (some, make(np.array([0.0, 1.0, 2.0, 1.0])))):
            x = make(X.copy(), requires_grad=True)
            lib.functional.cross_entropy(x, make(labels), weight=weight, label_smoothing=0.1).backward()
            grads.append(np.asarray(x.grad))
    for ours, theirs in zip(grads[:2], grads[2:]):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("padding_idx", [None, 1, -1])
def test_embedding_matches_torch_with_the_same_weights(padding_idx):
    ours = nn.Embedding(5, 3, padding_idx=padding_idx, dtype=np.float64)
    theirs = torch.nn.Embedding(5, 3, padding_idx=padding_idx).double()
    assert repr(ours) == repr(theirs)
    assert not ours.weight.data[ours.padding_idx].any() if padding_idx is not None else True  # zeros at first
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    indices = np.array([[1, 4, 1], [0, 1, 3]])
    out, tout = ours(Tensor(indices)), theirs(torch.tensor(indices))
    np.testing.assert_allclose(out.data, tout.detach().numpy(), **TOL)
    v = RNG.standard_normal(tout.shape)
    (out * v).sum().backward()
    (tout * torch.from_numpy(v)).sum().backward()
    np.testing.assert_allclose(np.asarray(ours.weight.grad), theirs.weight.grad.numpy(), **TOL)  # repeats add up
    frozen = nn.Embedding.from_pretrained(Tensor(theirs.weight.detach().numpy()), padding_idx=padding_idx)
    twin = torch.nn.Embedding.from_pretrained(theirs.weight.detach(), padding_idx=padding_idx)
    assert frozen.weight.requires_grad is twin.weight.requires_grad is False
    np.testing.assert_allclose(frozen(indices).data, twin(torch.tensor(indices)).detach().numpy(), **TOL)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gradient_clipping_matches_torch(dtype):
    """clip_grad_norm_ for p = 2, 1, 3, inf, clipping or not, a parameter without a gradient;
    clip_grad_value_; the same gradients after, and the same norm returned."""
    shapes = [(3, 4), (4,), (2,)]
    values = [RNG.standard_normal(s).astype(dtype) for s in shapes]
    grads = [RNG.standard_normal(s).astype(dtype) * 3 for s in shapes[:2]]  # the last has none
    tol = TOL if dtype == np.float64 else {"rtol": 1e-6, "atol": 1e-7}
    for norm_type, max_norm in [(2.0, 1.0), (1, 2.5), (3.0, 0.5), ("inf", 1.0), (2.0, 1e3)]:
        results = []
        for lib, make in ((mytorch, Tensor), (torch, torch.tensor)):
            params = [lib.nn.Parameter(make(v.copy())) for v in values]
            for p, g in zip(params, grads):
                p.grad = make(g.copy())
            norm = lib.nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
            after = [np.asarray(p.grad.detach() if lib is torch else p.grad) for p in params[:2]]
            assert params[2].grad is None
            results.append((np.asarray(norm.detach() if lib is torch else norm.data), after))
        (norm, after), (expected, expected_after) = results
        assert norm.dtype == expected.dtype and norm.shape == ()
        np.testing.assert_allclose(norm, expected, **tol, err_msg=str(norm_type))
        for g, e in zip(after, expected_after):
            assert g.dtype == e.dtype
            np.testing.assert_allclose(g, e, **tol, err_msg=str(norm_type))
    for lib, make in ((mytorch, Tensor), (torch, torch.tensor)):
        p = lib.nn.Parameter(make(values[0].copy()))
        p.grad = make(grads[0].copy())
        lib.nn.utils.clip_grad_value_(p, 0.5)
        results.append(np.asarray(p.grad.detach() if lib is torch else p.grad))
    np.testing.assert_array_equal(results[-2], results[-1])


@pytest.mark.parametrize("scale", [1.0, 300.0, 1e4])
def test_gradient_clipping_of_float16_matches_torch(scale):
    """float16 gradients: the norm is summed in float32 (in float16, 300**2 overflowed to inf)."""
    grads = [RNG.standard_normal(s).astype(np.float16) * np.float16(scale) for s in [(3, 4), (5,)]]
    results = []
    for lib, make in ((mytorch, Tensor), (torch, torch.tensor)):
        params = [lib.nn.Parameter(make(np.zeros_like(g))) for g in grads]
        for p, g in zip(params, grads):
            p.grad = make(g.copy())
        norm = lib.nn.utils.clip_grad_norm_(params, 1.0, norm_type=2.0)
        norm = np.asarray(norm.detach() if lib is torch else norm.data)
        results.append([norm] + [np.asarray(p.grad) for p in params])
    for mine, theirs in zip(*results):
        assert mine.dtype == theirs.dtype == np.float16
        np.testing.assert_allclose(mine.astype(np.float64), theirs.astype(np.float64), rtol=2e-3)


def test_functional_dropout_in_eval_and_linear_without_bias_match_torch():
    w = RNG.standard_normal((3, 4))
    compare(
        lambda x: F.linear(F.dropout(x, 0.5, training=False), Tensor(w)),
        lambda x: torch.nn.functional.linear(x, torch.tensor(w)),
    )


# --------------------------------------------------------------------------- optimizers
def _train(make: Callable, params: list, grads: list[np.ndarray], is_torch: bool, sched: Callable | None = None):
    """Run ``len(grads)`` steps with the given gradients; return the parameters after each."""
    opt = make(params)
    scheduler = sched(opt) if sched else None
    history = []
    for g in grads:
        opt.zero_grad()
        for p, gp in zip(params, g):
            if gp is not None:
                p.grad = torch.from_numpy(gp.copy()) if is_torch else Tensor(gp.copy())
        opt.step()
        if scheduler:
            scheduler.step()
        history.append([(p.detach().numpy() if is_torch else p.numpy()).copy() for p in params])
    return history


OPTIMIZERS = {
    "sgd": (lambda ps: optim.SGD(ps, lr=0.1), lambda ps: torch.optim.SGD(ps, lr=0.1)),
    "momentum": (
        lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
        lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01),
    ),
    "nesterov": (
        lambda ps: optim.SGD(ps, lr=0.05, momentum=0.8, nesterov=True),
        lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.8, nesterov=True),
    ),
    "adam": (
        lambda ps: optim.Adam(ps, lr=0.01, weight_decay=0.1),
        lambda ps: torch.optim.Adam(ps, lr=0.01, weight_decay=0.1),
    ),
    "adamw amsgrad": (
        lambda ps: optim.AdamW(ps, lr=0.01, betas=(0.8, 0.99), amsgrad=True),
        lambda ps: torch.optim.AdamW(ps, lr=0.01, betas=(0.8, 0.99), amsgrad=True),
    ),
    "rmsprop": (
        lambda ps: optim.RMSprop(ps, lr=0.02, alpha=0.9, weight_decay=0.1, momentum=0.8, centered=True),
        lambda ps: torch.optim.RMSprop(ps, lr=0.02, alpha=0.9, weight_decay=0.1, momentum=0.8, centered=True),
    ),
    "adagrad": (
        lambda ps: optim.Adagrad(ps, lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.2),
        lambda ps: torch.optim.Adagrad(ps, lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.2),
    ),
    "groups": (
        lambda ps: optim.SGD([{"params": ps[:1]}, {"params": ps[1:], "lr": 0.01}], lr=0.1, momentum=0.5),
        lambda ps: torch.optim.SGD([{"params": ps[:1]}, {"params": ps[1:], "lr": 0.01}], lr=0.1, momentum=0.5),
    ),
}
SCHEDULERS = {
    "step": (
        lambda o: optim.lr_scheduler.StepLR(o, 3, gamma=0.5),
        lambda o: torch.optim.lr_scheduler.StepLR(o, 3, 0.5),
    ),
    "cosine": (
        lambda o: optim.lr_scheduler.CosineAnnealingLR(o, 4, eta_min=0.001),
        lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 4, eta_min=0.001),
    ),
}


@pytest.mark.parametrize("schedule", [None, "step", "cosine"])
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizers_take_torchs_steps(name, schedule):
    shapes = [(3, 2), (2,), (4,)]
    start = [RNG.standard_normal(s) for s in shapes]
    # 12 steps; the third parameter has no gradient on some steps (it is then skipped)
    grads = [
        [RNG.standard_normal(s) if (k != 2 or step % 3) else None for k, s in enumerate(shapes)] for step in range(12)
    ]
    ours_make, theirs_make = OPTIMIZERS[name]
    ours_sched, theirs_sched = SCHEDULERS[schedule] if schedule else (None, None)
    ours = _train(ours_make, [nn.Parameter(p.copy()) for p in start], grads, False, ours_sched)
    theirs = _train(
        theirs_make, [torch.nn.Parameter(torch.from_numpy(p.copy())) for p in start], grads, True, theirs_sched
    )
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for k, (pa, pb) in enumerate(zip(a, b)):
            np.testing.assert_allclose(pa, pb, **TOL, err_msg=f"{name} step {step} parameter {k}")


@pytest.mark.parametrize("schedule", ["step", "cosine"])
@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_a_run_resumed_from_state_dicts_takes_torchs_steps(name, schedule):
    """Six steps, then the optimizer's and the scheduler's state_dict into new ones, six more:
    the rates a schedule reached come back with the optimizer's groups, as in PyTorch."""
    shapes = [(3, 2), (2,)]
    start = [RNG.standard_normal(s) for s in shapes]
    grads = [[RNG.standard_normal(s) for s in shapes] for _ in range(12)]
    runs = []
    for is_torch in (False, True):
        make, sched = OPTIMIZERS[name][is_torch], SCHEDULERS[schedule][is_torch]
        params = (
            [torch.nn.Parameter(torch.from_numpy(p.copy())) for p in start]
            if is_torch
            else [nn.Parameter(p.copy()) for p in start]
        )
        opt = make(params)
        scheduler = sched(opt)
        history = []
        for step, g in enumerate(grads):
            if step == 6:
                saved, saved_schedule = opt.state_dict(), scheduler.state_dict()
                opt = make(params)
                opt.load_state_dict(saved)
                scheduler = sched(opt)
                scheduler.load_state_dict(saved_schedule)
            opt.zero_grad()
            for p, gp in zip(params, g):
                p.grad = torch.from_numpy(gp.copy()) if is_torch else Tensor(gp.copy())
            opt.step()
            scheduler.step()
            history.append([(p.detach().numpy() if is_torch else p.numpy()).copy() for p in params])
        runs.append(history)
    for step, (a, b) in enumerate(zip(*runs)):
        for k, (pa, pb) in enumerate(zip(a, b)):
            np.testing.assert_allclose(pa, pb, **TOL, err_msg=f"{name} {schedule} step {step} parameter {k}")


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_schedulers_set_torchs_rates_past_the_period(name):
    ours_make, theirs_make = SCHEDULERS[name]
    ours = ours_make(optim.SGD([nn.Parameter(np.zeros(1))], lr=0.1))
    theirs = theirs_make(torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1))
    for _ in range(20):
        assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-12, abs=1e-15)
        ours.optimizer.step()
        theirs.optimizer.step()
        ours.step()
        theirs.step()


def test_multistep_exponential_lambda_and_plateau_schedules_set_torchs_rates():
    def groups(lib):
        zero = (lambda: nn.Parameter(np.zeros(1))) if lib is mytorch else (lambda: torch.nn.Parameter(torch.zeros(1)))
        return lib.optim.SGD([{"params": [zero()]}, {"params": [zero()], "lr": 0.3}], lr=0.1)

    schedules = [
        ("MultiStepLR", ([2, 5, 5, 9],), {"gamma": 0.5}),
        ("ExponentialLR", (0.9,), {}),
        ("LambdaLR", ([lambda e: 1 / (1 + e), lambda e: 0.95**e],), {}),
        ("ReduceLROnPlateau", (), {"patience": 2}),
        ("ReduceLROnPlateau", ("max",), {"patience": 1, "cooldown": 2, "factor": 0.5}),
        ("ReduceLROnPlateau", (), {"patience": 1, "threshold": 0.05, "threshold_mode": "abs", "min_lr": [0.02, 0]}),
        ("ReduceLROnPlateau", (), {"patience": 0, "factor": 0.5, "eps": 0.02}),
        ("LinearLR", (), {"start_factor": 0.25, "total_iters": 4}),
        ("ConstantLR", (), {"factor": 0.5, "total_iters": 3}),
        ("OneCycleLR", (1.0,), {"total_steps": 16}),
        (
            "OneCycleLR",
            ([1.0, 2.0],),
            {"epochs": 4, "steps_per_epoch": 4, "anneal_strategy": "linear", "three_phase": True},
        ),
    ]
    metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.89, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.5, 0.6, 0.6, 0.6]
    for name, args, options in schedules:
        ours = getattr(optim.lr_scheduler, name)(groups(mytorch), *args, **options)
        theirs = getattr(torch.optim.lr_scheduler, name)(groups(torch), *args, **options)
        for metric in metrics:
            assert ours.get_last_lr() == pytest.approx(theirs.get_last_lr(), rel=1e-12, abs=0), (name, options)
            momenta = [[g["momentum"] for g in o.optimizer.param_groups] for o in (ours, theirs)]
            assert momenta[0] == pytest.approx(momenta[1], rel=1e-12), (name, options)  # (OneCycleLR cycles it)
            ours.optimizer.step()
            theirs.optimizer.step()
            given = (metric,) if name == "ReduceLROnPlateau" else ()
            ours.step(*given)
            theirs.step(*given)


def test_module_training_loop_matches_torch_step_by_step():
    """A whole step: Sequential forward, CrossEntropyLoss, backward, SGD with momentum."""
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 4)).double()
    ours = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 4)).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    opt = optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    topt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    for step in range(5):
        rows = RNG.permutation(6)
        opt.zero_grad()
        topt.zero_grad()
        loss = nn.CrossEntropyLoss()(ours(Tensor(X[rows])), LABELS[rows])
        tloss = torch.nn.CrossEntropyLoss()(theirs(torch.from_numpy(X[rows])), torch.from_numpy(LABELS[rows]))
        loss.backward()
        tloss.backward()
        opt.step()
        topt.step()
        assert loss.item() == pytest.approx(tloss.item(), rel=1e-10, abs=1e-12), f"step {step}"


@pytest.mark.parametrize("name", ["cross_entropy-mean", "mse-mean", "bce-mean", "bce_logits-mean"])
def test_reduced_losses_differentiate_twice_like_torch(name):
    """A 0-d loss is one recorded op whose backward rule also runs on Tensors (create_graph)."""
    import mytorch

    ours_fn, theirs_fn = next((o, t) for n, o, t in _losses() if n == name)
    t, tt = Tensor(X * 0.3, requires_grad=True), torch.tensor(X * 0.3, requires_grad=True)
    (g,) = mytorch.grad(ours_fn(t * t), [t], create_graph=True)
    (tg,) = torch.autograd.grad(theirs_fn(tt * tt), [tt], create_graph=True)
    (g * g).sum().backward()
    (tg * tg).sum().backward()
    np.testing.assert_allclose(np.asarray(t.grad), tt.grad.numpy(), **TOL)


def test_celu_and_softplus_edge_parameters_match_torch():
    data = np.array([-30.0, -2.0, -0.5, 0.0, 1.0, 30.0, np.inf, -np.inf, np.nan])
    calls = [("celu", dict(alpha=a)) for a in (-2.0, -1.0, 0.5, 1.0, 3.0)]  # (at NaN the slope is NaN, PyTorch's 1)
    calls += [("softplus", dict(beta=b, threshold=t)) for b in (0, -1.0, 2.0) for t in (20.0, -1.0, 0.0)]
    for name, kwargs in calls:
        for dtype in ("float32", "float64"):
            values = data[:-1] if name == "celu" else data
            x = mytorch.tensor(values.astype(dtype), requires_grad=True)
            t = torch.tensor(values.astype(dtype), requires_grad=True)
            y, yt = getattr(F, name)(x, **kwargs), getattr(torch.nn.functional, name)(t, **kwargs)
            y.sum().backward()
            yt.sum().backward()
            np.testing.assert_allclose(y.detach().numpy(), yt.detach().numpy(), rtol=1e-6, err_msg=f"{name} {kwargs}")
            np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-6, err_msg=f"{name} {kwargs}")

"""Higher-order habits of PyTorch users, run in MyTorch and PyTorch side by side (float64).

Each habit is a function of the library L (``mytorch`` or ``torch``) giving a list of arrays;
the two lists must agree. Prints one line per habit.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

import mytorch as mt

R = np.random.default_rng(0)
X = R.standard_normal((3, 4))
W1 = R.standard_normal((4, 5)) * 0.5
W2 = R.standard_normal((5, 1)) * 0.5
V = R.standard_normal((3, 4))
HABITS: dict[str, Callable[[Any], list[Any]]] = {}


def habit(f: Callable[[Any], list[Any]]) -> Callable[[Any], list[Any]]:
    HABITS[f.__name__] = f
    return f


def T(L: Any, a: Any, grad: bool = False) -> Any:  # noqa: N802
    return L.tensor(np.array(a, dtype=np.float64), requires_grad=grad)


def A(t: Any) -> Any:  # noqa: N802
    if t is None:
        return None
    if isinstance(t, (list, tuple)):
        return [A(x) for x in t]
    return np.array(t.detach().numpy()) if hasattr(t, "detach") else np.asarray(t)


@habit
def inplace_mul_add_under_create_graph(L):
    x = T(L, X, True)
    y = x * 1.0
    y.mul_(x)
    y.add_(x.sin())
    y.sub_(x.exp() * 0.1)
    (g,) = L.autograd.grad(y.pow(2).sum(), x, create_graph=True)
    (h,) = L.autograd.grad((g * T(L, V)).sum(), x)
    return [g, h]


@habit
def inplace_activations_under_create_graph(L):
    x = T(L, X, True)
    y = x * 2.0
    y.sigmoid_()
    z = x * 1.5
    z.tanh_()
    u = x * 1.0
    u.exp_()
    q = x + 3.0
    q.sqrt_()
    out = (y * z * u * q).sum()
    (g,) = L.autograd.grad(out, x, create_graph=True)
    (h,) = L.autograd.grad((g * T(L, V)).sum(), x)
    return [g, h]


@habit
def inplace_relu_clamp_under_create_graph(L):
    x = T(L, X, True)
    y = x**3
    y.relu_()
    z = x**2
    z.clamp_(0.1, 2.0)
    out = (y * z).sum() + (y * y).sum()
    (g,) = L.autograd.grad(out, x, create_graph=True)
    (h,) = L.autograd.grad((g * T(L, V)).sum(), x)
    return [g, h]


@habit
def setitem_and_index_put_under_create_graph(L):
    x = T(L, X, True)
    y = x.clone()
    y[0] = x[1] ** 2
    y[:, 2] = y[:, 2] * x[:, 3]
    y[y > 1.0] = 0.0
    (g,) = L.autograd.grad((y**3).sum(), x, create_graph=True)
    (h,) = L.autograd.grad((g * T(L, V)).sum(), x)
    return [g, h]


@habit
def inplace_index_ops_under_create_graph(L):
    x = T(L, X, True)
    y = (x * 1.0).index_add_(0, L.tensor([0, 0, 2]), x**2)
    z = (x * 1.0).masked_fill_(x < 0, 0.3)
    u = (x * 1.0).scatter_add_(1, L.tensor([[0, 0], [1, 3], [2, 2]]), x[:, :2] ** 2)
    w = (x * 1.0).index_copy_(1, L.tensor([3, 0]), (x[:, 1:3] ** 2))
    out = (y**2).sum() + (z**3).sum() + (u**2).sum() + (w.sin()).sum()
    (g,) = L.autograd.grad(out, x, create_graph=True)
    (h,) = L.autograd.grad((g * T(L, V)).sum(), x)
    return [g, h]


@habit
def inplace_on_the_gradient_then_differentiate(L):
    x = T(L, X, True)
    (g,) = L.autograd.grad((x**3).sum(), x, create_graph=True)
    g = g * 1.0
    g.mul_(x)
    g.add_(1.0)
    (h,) = L.autograd.grad((g**2).sum(), x)
    return [g, h]


@habit
def retain_graph_reuse_of_a_recorded_gradient(L):
    x = T(L, X, True)
    (g,) = L.autograd.grad((x.sin() * x).sum(), x, create_graph=True)
    s = (g**2).sum()
    (h1,) = L.autograd.grad(s, x, retain_graph=True)
    (h2,) = L.autograd.grad(s, x, retain_graph=True)
    s.backward(retain_graph=True)
    s.backward()
    return [h1, h2, x.grad]


@habit
def grad_accumulates_a_graph_over_two_create_graph_backwards(L):
    x = T(L, X, True)
    y = (x**3).sum()
    y.backward(create_graph=True)
    first = x.grad.detach().clone()
    (x.sin().sum()).backward(create_graph=True)
    acc = x.grad
    req = acc.requires_grad
    (h,) = L.autograd.grad((acc * T(L, V)).sum(), x)
    return [first, acc, h, np.array(req)]


@habit
def backward_of_the_gradient_accumulates_into_the_same_grad(L):
    x = T(L, X, True)
    (x**3).sum().backward(create_graph=True)
    g = x.grad
    (g * T(L, V)).sum().backward()
    return [x.grad]


@habit
def plain_grad_then_create_graph_backward(L):
    x = T(L, X, True)
    (x**2).sum().backward()
    (x**3).sum().backward(create_graph=True)
    req = x.grad.requires_grad
    (h,) = L.autograd.grad((x.grad * T(L, V)).sum(), x)
    return [x.grad, h, np.array(req)]


@habit
def no_grad_inside_the_function_being_differentiated_twice(L):
    x = T(L, X, True)
    with L.no_grad():
        scale = x.norm()
    y = (x * scale).sin().sum()
    (g,) = L.autograd.grad(y, x, create_graph=True)
    (h,) = L.autograd.grad((g * T(L, V)).sum(), x)
    return [g, h]


@habit
def no_grad_between_the_two_backwards(L):
    x = T(L, X, True)
    (g,) = L.autograd.grad((x.tanh() ** 2).sum(), x, create_graph=True)
    with L.no_grad():
        ref = g * 2.0
    (h,) = L.autograd.grad(((g - ref) ** 2).sum(), x)
    return [ref, h]


@habit
def create_graph_backward_inside_no_grad(L):
    x = T(L, X, True)
    y = (x**3).sum()
    with L.no_grad():
        (g,) = L.autograd.grad(y, x, create_graph=True)
    req = g.requires_grad
    return [g, np.array(req)]


@habit
def enable_grad_inside_no_grad(L):
    x = T(L, X, True)
    with L.no_grad():
        with L.enable_grad():
            y = (x**3).sum()
            (g,) = L.autograd.grad(y, x, create_graph=True)
            (h,) = L.autograd.grad((g * T(L, V)).sum(), x)
    return [g, h]


@habit
def detach_in_the_middle(L):
    x = T(L, X, True)
    y = x.sin()
    z = y.detach() * x**2 + y
    (g,) = L.autograd.grad((z**2).sum(), x, create_graph=True)
    d = g.detach()
    (h,) = L.autograd.grad((g * d).sum() + (g * T(L, V)).sum(), x)
    return [g, h]


@habit
def hook_on_a_leaf_under_create_graph(L):
    x = T(L, X, True)
    calls = []
    x.register_hook(lambda gr: calls.append(1) or gr * x)
    y = (x**3).sum()
    (g,) = L.autograd.grad(y, x, create_graph=True)
    (h,) = L.autograd.grad((g * T(L, V)).sum(), x)
    return [g, h, np.array(len(calls))]


@habit
def hook_on_an_intermediate_fires_on_both_passes(L):
    x = T(L, X, True)
    calls = []
    y = x.sin()
    y.register_hook(lambda gr: calls.append(tuple(gr.shape)) or gr * 2.0)
    (g,) = L.autograd.grad((y**3).sum(), x, create_graph=True)
    (h,) = L.autograd.grad((g * T(L, V)).sum(), x)
    return [g, h, np.array(len(calls))]


@habit
def hook_on_the_gradient_itself(L):
    x = T(L, X, True)
    (g,) = L.autograd.grad((x**3).sum(), x, create_graph=True)
    seen = []
    g.register_hook(lambda gr: seen.append(A(gr)) or gr * 3.0)
    (g**2).sum().backward()
    return [x.grad, seen[0] if seen else None]


@habit
def retain_grad_on_an_intermediate_in_a_recorded_backward(L):
    x = T(L, X, True)
    y = x.sin()
    y.retain_grad()
    (y**3).sum().backward(create_graph=True)
    gy = y.grad
    req = gy.requires_grad
    (h,) = L.autograd.grad((gy * T(L, V[:, :4])).sum(), x)
    return [gy, h, np.array(req)]


@habit
def grad_outputs_that_require_grad(L):
    x = T(L, X, True)
    u = T(L, V, True)
    y = x.exp() * x
    (g,) = L.autograd.grad(y, x, grad_outputs=u, create_graph=True)
    hx, hu = L.autograd.grad((g**2).sum(), [x, u])
    return [g, hx, hu]


@habit
def backward_with_inputs_and_create_graph(L):
    x = T(L, X, True)
    w = T(L, V, True)
    y = ((x * w).sin() ** 2).sum()
    y.backward(inputs=[x], create_graph=True)
    wg = w.grad
    (h,) = L.autograd.grad(x.grad.sum(), w)
    return [x.grad, h, np.array(wg is None)]


@habit
def third_derivative_through_a_mlp(L):
    x = T(L, X, True)
    w1, w2 = T(L, W1), T(L, W2)
    y = ((x @ w1).tanh() @ w2).sum()
    (g,) = L.autograd.grad(y, x, create_graph=True)
    (h,) = L.autograd.grad((g * T(L, V)).sum(), x, create_graph=True)
    (t,) = L.autograd.grad((h * h).sum(), x)
    return [g, h, t]


@habit
def fourth_derivative_of_sin_times_exp(L):
    x = T(L, X[0], True)
    y = (x.sin() * x.exp()).sum()
    out = []
    for _ in range(4):
        (y,) = L.autograd.grad(y, x, create_graph=True)
        out.append(y)
        y = y.sum()
    return out


def _mlp(L, seed):
    L.manual_seed(seed)
    torch.manual_seed(seed)
    net = L.nn.Sequential(L.nn.Linear(4, 8), L.nn.Tanh(), L.nn.Linear(8, 1)).double()
    r = np.random.default_rng(seed)
    with L.no_grad():
        for p in net.parameters():
            p.copy_(L.tensor(r.standard_normal(tuple(p.shape)) * 0.5))
    return net


def _wgan_gp(L, opt_name):
    disc = _mlp(L, 1)
    opt = getattr(L.optim, opt_name)(disc.parameters(), lr=0.05)
    r = np.random.default_rng(5)
    for _ in range(3):
        real, fake = T(L, r.standard_normal((6, 4))), T(L, r.standard_normal((6, 4)) + 1.0)
        eps = T(L, r.uniform(size=(6, 1)))
        mix = (eps * real + (1 - eps) * fake).requires_grad_(True)
        (g,) = L.autograd.grad(disc(mix).sum(), mix, create_graph=True)
        penalty = ((g.norm(2, dim=1) - 1) ** 2).mean()
        loss = disc(fake).mean() - disc(real).mean() + 10 * penalty
        opt.zero_grad()
        loss.backward()
        opt.step()
    return [p for p in disc.parameters()] + [loss]


@habit
def wgan_gp_with_adam(L):
    return _wgan_gp(L, "Adam")


@habit
def wgan_gp_with_sgd(L):
    return _wgan_gp(L, "SGD")


@habit
def wgan_gp_with_rmsprop(L):
    return _wgan_gp(L, "RMSprop")


@habit
def maml_inner_step_functional_call(L):
    net = _mlp(L, 2)
    meta = L.optim.Adam(net.parameters(), lr=0.01)
    r = np.random.default_rng(6)
    call = L.func.functional_call
    for _ in range(2):
        xs, ys = T(L, r.standard_normal((5, 4))), T(L, r.standard_normal((5, 1)))
        xq, yq = T(L, r.standard_normal((5, 4))), T(L, r.standard_normal((5, 1)))
        params = dict(net.named_parameters())
        inner = ((call(net, params, (xs,)) - ys) ** 2).mean()
        grads = L.autograd.grad(inner, list(params.values()), create_graph=True)
        fast = {k: v - 0.1 * g for (k, v), g in zip(params.items(), grads)}
        inner2 = ((call(net, fast, (xs,)) - ys) ** 2).mean()
        grads2 = L.autograd.grad(inner2, list(fast.values()), create_graph=True)
        fast2 = {k: v - 0.1 * g for (k, v), g in zip(fast.items(), grads2)}
        outer = ((call(net, fast2, (xq,)) - yq) ** 2).mean()
        meta.zero_grad()
        outer.backward()
        meta.step()
    return [p for p in net.parameters()] + [outer]


@habit
def maml_by_hand_with_weights_as_tensors(L):
    r = np.random.default_rng(7)
    w = T(L, r.standard_normal((4, 1)), True)
    b = T(L, np.zeros(1), True)
    opt = L.optim.SGD([w, b], lr=0.1, momentum=0.9)
    for _ in range(3):
        xs, ys = T(L, r.standard_normal((5, 4))), T(L, r.standard_normal((5, 1)))
        loss = ((xs @ w + b).tanh() - ys).pow(2).mean()
        gw, gb = L.autograd.grad(loss, [w, b], create_graph=True)
        w2, b2 = w - 0.5 * gw, b - 0.5 * gb
        outer = ((xs @ w2 + b2).tanh() - ys).pow(2).mean()
        opt.zero_grad()
        outer.backward()
        opt.step()
    return [w, b, outer]


@habit
def gradient_penalty_via_backward_create_graph_then_step(L):
    net = _mlp(L, 3)
    opt = L.optim.SGD(net.parameters(), lr=0.1)
    x = T(L, X, True)
    for _ in range(2):
        opt.zero_grad()
        x.grad = None
        out = net(x).sum()
        out.backward(create_graph=True)
        pen = (x.grad**2).sum()
        for p in net.parameters():
            p.grad = None
        pen.backward()
        opt.step()
    return [p for p in net.parameters()]


@habit
def double_backward_through_conv_bn_train(L):
    r = np.random.default_rng(8)
    x = T(L, r.standard_normal((2, 2, 5, 5)), True)
    w = T(L, r.standard_normal((3, 2, 3, 3)) * 0.3, True)
    gamma, beta = T(L, [1.0, 0.5, 2.0], True), T(L, [0.1, 0.0, -0.2], True)
    y = L.nn.functional.conv2d(x, w, padding=1)
    y = L.nn.functional.batch_norm(y, None, None, gamma, beta, training=True)
    y = L.nn.functional.softplus(y)
    (gx,) = L.autograd.grad((y**2).sum(), x, create_graph=True)
    hs = L.autograd.grad((gx**2).sum(), [x, w, gamma, beta])
    return [gx, *hs]


@habit
def double_backward_through_lstm(L):
    L.manual_seed(0)
    r = np.random.default_rng(9)
    lstm = L.nn.LSTM(3, 4, batch_first=True).double()
    with L.no_grad():
        for p in lstm.parameters():
            p.copy_(T(L, r.standard_normal(tuple(p.shape)) * 0.4))
    x = T(L, r.standard_normal((2, 5, 3)), True)
    out, _ = lstm(x)
    (gx,) = L.autograd.grad((out**2).sum(), x, create_graph=True)
    hs = L.autograd.grad((gx**2).sum(), [x, *lstm.parameters()])
    return [gx, *hs]


@habit
def double_backward_through_embedding_and_layernorm(L):
    r = np.random.default_rng(10)
    emb = T(L, r.standard_normal((6, 4)), True)
    idx = L.tensor([[0, 2, 2], [5, 0, 1]])
    e = L.nn.functional.embedding(idx, emb)
    y = L.nn.functional.layer_norm(e, (4,))
    y = L.nn.functional.gelu(y)
    (g,) = L.autograd.grad((y**3).sum(), emb, create_graph=True)
    (h,) = L.autograd.grad((g * T(L, r.standard_normal((6, 4)))).sum(), emb)
    return [g, h]


@habit
def double_backward_through_attention(L):
    r = np.random.default_rng(11)
    q = T(L, r.standard_normal((2, 3, 4)), True)
    k = T(L, r.standard_normal((2, 5, 4)), True)
    v = T(L, r.standard_normal((2, 5, 4)), True)
    mask = L.tensor(r.uniform(size=(3, 5)) > 0.3)
    y = L.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    gs = L.autograd.grad((y**2).sum(), [q, k, v], create_graph=True)
    hs = L.autograd.grad(sum((g**2).sum() for g in gs), [q, k, v])
    return [*gs, *hs]


@habit
def autograd_functional_hessian_create_graph(L):
    x = T(L, X[0], True)

    def f(z):
        return (z.sin() * z.cumsum(0)).sum()

    H = L.autograd.functional.hessian(f, x, create_graph=True)
    (g,) = L.autograd.grad(H.sum(), x)
    return [H, g]


@habit
def autograd_functional_jacobian_hvp_vhp(L):
    x = T(L, X[0])
    v = T(L, V[0])

    def f(z):
        return (z.exp() * z.flip(0)).sum()

    J = L.autograd.functional.jacobian(lambda z: z.sin() * z.roll(1), x)
    _, hv = L.autograd.functional.hvp(f, x, v)
    _, vh = L.autograd.functional.vhp(f, x, v)
    Jf = L.autograd.functional.jacobian(lambda z: z.sin() * z.roll(1), x, strategy="forward-mode", vectorize=True)
    return [J, hv, vh, Jf]


@habit
def func_jacrev_jacfwd_hessian_two_args(L):
    x, y = T(L, X[0]), T(L, V[0])

    def f(a, b):
        return ((a * b).sin() + a.cumprod(0) * b.exp()).sum()

    H = L.func.hessian(f, argnums=(0, 1))(x, y)
    Jrr = L.func.jacrev(L.func.jacrev(f, argnums=1), argnums=0)(x, y)
    Jfr = L.func.jacfwd(L.func.jacrev(f))(x, y)
    return [H[0][0], H[0][1], H[1][1], Jrr, Jfr]


@habit
def vmap_of_grad_per_sample_gradients(L):
    w = T(L, W1)
    xs = T(L, X)

    def loss(wt, x):
        return ((x @ wt).tanh() ** 2).sum()

    per = L.func.vmap(L.func.grad(loss), in_dims=(None, 0))(w, xs)
    hv = L.func.vmap(lambda x: L.func.jvp(L.func.grad(lambda z: loss(w, z)), (x,), (x * 0.5,))[1])(xs)
    return [per, hv]


@habit
def vmap_of_hessian(L):
    xs = T(L, X)

    def f(z):
        return (z.sin() * z.roll(1)).sum() + z.norm() ** 3

    return [L.func.vmap(L.func.hessian(f))(xs)]


@habit
def checkpoint_under_create_graph(L):
    x = T(L, X, True)

    def block(z):
        return (z @ T(L, W1)).tanh()

    y = L.utils.checkpoint.checkpoint(block, x, use_reentrant=False)
    (g,) = L.autograd.grad((y**2).sum(), x, create_graph=True)
    (h,) = L.autograd.grad((g * T(L, V)).sum(), x)
    return [g, h]


@habit
def grad_of_grad_norm_clipped(L):
    x = T(L, X, True)
    (g,) = L.autograd.grad((x.sigmoid() * x).sum(), x, create_graph=True)
    n = g.norm()
    clipped = g * (1.0 / L.clamp(n, min=1.0))
    (h,) = L.autograd.grad(clipped.pow(2).sum(), x)
    return [g, h]


@habit
def custom_function_double_backward(L):
    class Cube(L.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * 3 * x**2

    x = T(L, X, True)
    (g,) = L.autograd.grad(Cube.apply(x).sin().sum(), x, create_graph=True)
    (h,) = L.autograd.grad((g * T(L, V)).sum(), x)
    return [g, h]


@habit
def sum_of_two_grads_with_shared_subgraph(L):
    x = T(L, X, True)
    y = x.exp()
    g1, g2 = L.autograd.grad([(y**2).sum(), (y * x).sum()], [x, x], create_graph=True)
    (h,) = L.autograd.grad((g1 * g2).sum(), x)
    return [g1, g2, h]


@habit
def grad_wrt_an_intermediate_then_its_leaf(L):
    x = T(L, X, True)
    y = x.sin() * 2
    z = (y**3).sum()
    (gy,) = L.autograd.grad(z, y, create_graph=True)
    (h,) = L.autograd.grad(gy.sum(), x)
    return [gy, h]


@habit
def zero_grad_set_to_none_false_between_create_graph_steps(L):
    x = T(L, X, True)
    opt = L.optim.SGD([x], lr=0.1)
    for _ in range(2):
        opt.zero_grad(set_to_none=False)
        (x**3).sum().backward(create_graph=True)
        pen = (x.grad**2).sum()
        g = x.grad
        opt.zero_grad(set_to_none=False)
        pen.backward()
        opt.step()
    return [x, g]


@habit
def expanded_and_transposed_inputs_double_backward(L):
    x = T(L, X, True)
    a = x[:1].expand(3, 4)
    b = x.t()
    y = (a * b.t()).cumsum(1) + (b @ a).sum()
    (g,) = L.autograd.grad((y.sin()).sum(), x, create_graph=True)
    (h,) = L.autograd.grad((g * T(L, V)).sum(), x)
    return [g, h]


@habit
def ties_in_max_sort_topk_second_order(L):
    x = T(L, [[1.0, 3.0, 3.0, -1.0], [2.0, 2.0, 2.0, 0.5]], True)
    a = x.max(dim=1).values
    b = x.sort(dim=1).values
    c = x.topk(2, dim=1).values
    d = x.amax(dim=1)
    e = x.max()
    y = (a**2).sum() + (b**3 * T(L, V[:2])).sum() + (c**2).sum() + (d**3).sum() + e**2
    (g,) = L.autograd.grad(y, x, create_graph=True)
    (h,) = L.autograd.grad((g * T(L, V[:2])).sum(), x)
    return [g, h]


@habit
def zeros_for_abs_relu_norm_second_order(L):
    x = T(L, [[0.0, 1.0, -2.0], [0.0, 0.0, 0.0]], True)
    y = (x.abs() ** 3).sum() + (x.relu() ** 2).sum() + (x.norm(dim=1) ** 3).sum() + x.norm() ** 4
    (g,) = L.autograd.grad(y, x, create_graph=True)
    (h,) = L.autograd.grad((g * T(L, V[:2, :3])).sum(), x)
    return [g, h]


@habit
def integer_index_ops_second_order(L):
    x = T(L, X, True)
    idx = L.tensor([[0, 1, 1], [3, 3, 0], [2, 0, 2]])
    a = x.gather(1, idx)
    b = x.index_select(0, L.tensor([2, 2, 0]))
    c = L.nn.functional.embedding(L.tensor([1, 1, 0]), x)
    d = x.take(L.tensor([0, 5, 5, 11]))
    e = L.take_along_dim(x, idx, dim=1)
    f = x.scatter_reduce(1, idx, x[:, :3] ** 2, reduce="sum")
    y = (a**3).sum() + (b**2 * T(L, V[:, :4])).sum() + (c**3).sum() + (d**2).sum() + (e * a).sum() + (f**2).sum()
    (g,) = L.autograd.grad(y, x, create_graph=True)
    (h,) = L.autograd.grad((g * T(L, V)).sum(), x)
    return [g, h]


@habit
def scatter_reduce_amax_prod_mean_second_order(L):
    x = T(L, X + 3.0, True)
    src = T(L, V + 2.0, True)
    idx = L.tensor([[0, 1, 1, 2], [3, 3, 0, 1], [2, 0, 2, 2]])
    outs = []
    for red in ("prod", "mean", "amax", "amin"):
        outs.append(x.scatter_reduce(1, idx, src, reduce=red, include_self=True))
    y = sum((o**2 * T(L, V)).sum() for o in outs)
    gs = L.autograd.grad(y, [x, src], create_graph=True)
    hs = L.autograd.grad(sum((g * T(L, V)).sum() for g in gs), [x, src])
    return [*gs, *hs]


@habit
def index_put_accumulate_second_order(L):
    x = T(L, X, True)
    vals = T(L, V[0, :3], True)
    y = x.index_put((L.tensor([0, 0, 2]), L.tensor([1, 1, 3])), vals**2, accumulate=True)
    gs = L.autograd.grad((y**3).sum(), [x, vals], create_graph=True)
    hs = L.autograd.grad(sum((g**2).sum() for g in gs), [x, vals])
    return [*gs, *hs]


@habit
def masked_scatter_and_where_second_order(L):
    x = T(L, X, True)
    src = T(L, V, True)
    m = L.tensor(X > 0)
    y = x.masked_scatter(m, src**2) + L.where(m, x**2, src * x)
    gs = L.autograd.grad((y**2).sum(), [x, src], create_graph=True)
    hs = L.autograd.grad(sum((g**2).sum() for g in gs), [x, src])
    return [*gs, *hs]


def _step_on_graph_carrying_grads(L, opt_name, **kw):
    net = _mlp(L, 4)
    opt = getattr(L.optim, opt_name)(net.parameters(), lr=0.05, **kw)
    x = T(L, X)
    for _ in range(3):
        opt.zero_grad()
        loss = (net(x) ** 2).mean()
        loss.backward(create_graph=True)
        opt.step()
    flags = [np.array([p.is_leaf, p.grad_fn is None, p.requires_grad, p.grad.requires_grad]) for p in net.parameters()]
    return [p for p in net.parameters()] + flags


@habit
def step_sgd_momentum_on_create_graph_grads(L):
    return _step_on_graph_carrying_grads(L, "SGD", momentum=0.9, nesterov=True)


@habit
def step_adam_on_create_graph_grads(L):
    return _step_on_graph_carrying_grads(L, "Adam", amsgrad=True)


@habit
def step_adamw_on_create_graph_grads(L):
    return _step_on_graph_carrying_grads(L, "AdamW", weight_decay=0.1)


@habit
def step_adagrad_on_create_graph_grads(L):
    return _step_on_graph_carrying_grads(L, "Adagrad")


@habit
def step_rmsprop_on_create_graph_grads(L):
    return _step_on_graph_carrying_grads(L, "RMSprop", momentum=0.5, centered=True)


@habit
def autograd_backward_function_form_create_graph(L):
    x = T(L, X, True)
    y1, y2 = x.sin(), x.exp()
    L.autograd.backward([y1, y2], [T(L, V), T(L, V * 2)], create_graph=True, inputs=[x])
    (h,) = L.autograd.grad(x.grad.pow(2).sum(), x)
    return [x.grad, h]


@habit
def grad_is_grads_batched_create_graph(L):
    x = T(L, X[0], True)
    y = x.sin() * x.sum()
    (J,) = L.autograd.grad(y, x, L.eye(4, dtype=L.float64), create_graph=True, is_grads_batched=True)
    (h,) = L.autograd.grad((J * T(L, np.arange(16.0).reshape(4, 4))).sum(), x)
    return [J, h]


@habit
def third_order_by_func_transforms(L):
    def f(z):
        return (z.sin() * z.roll(1) * z.exp()).sum() + z.norm() ** 3

    x = T(L, X[0])
    a = L.func.jacfwd(L.func.hessian(f))(x)
    b = L.func.jacrev(L.func.jacrev(L.func.grad(f)))(x)
    c = L.func.jacfwd(L.func.jacfwd(L.func.jacrev(f)))(x)
    return [a, b, c]


@habit
def hessian_of_a_module_loss_wrt_its_weights(L):
    net = _mlp(L, 5)
    params = {k: v.detach() for k, v in net.named_parameters()}
    x, y = T(L, X), T(L, V[:, :1])

    def loss(p):
        return ((L.func.functional_call(net, p, (x,)) - y) ** 2).mean()

    H = L.func.hessian(loss)(params)
    return [H[a][b] for a in params for b in params]


@habit
def anomaly_mode_with_create_graph(L):
    x = T(L, X, True)
    with L.autograd.detect_anomaly():
        (g,) = L.autograd.grad((x.tanh() * x).sum(), x, create_graph=True)
        (h,) = L.autograd.grad(g.sum(), x)
    return [g, h]


@habit
def grad_then_zero_grad_of_the_graph_carrying_grad(L):
    x = T(L, X, True)
    (x**3).sum().backward(create_graph=True)
    g = x.grad
    x.grad = None
    (x**2).sum().backward()
    (h,) = L.autograd.grad(g.sum(), x)
    return [x.grad, h]


@habit
def double_backward_through_gru_and_rnn(L):
    r = np.random.default_rng(12)
    L.manual_seed(0)
    gru = L.nn.GRU(3, 4).double()
    rnn = L.nn.RNN(4, 2, nonlinearity="relu").double()
    with L.no_grad():
        for p in list(gru.parameters()) + list(rnn.parameters()):
            p.copy_(T(L, r.standard_normal(tuple(p.shape)) * 0.4))
    x = T(L, r.standard_normal((5, 2, 3)), True)
    out, _ = rnn(gru(x)[0])
    (gx,) = L.autograd.grad((out**2).sum(), x, create_graph=True)
    hs = L.autograd.grad((gx**2).sum(), [x, *gru.parameters(), *rnn.parameters()])
    return [gx, *hs]


@habit
def double_backward_through_transformer_layer(L):
    r = np.random.default_rng(13)
    L.manual_seed(0)
    layer = L.nn.TransformerEncoderLayer(4, 2, dim_feedforward=6, dropout=0.0, batch_first=True).double()
    with L.no_grad():
        for p in layer.parameters():
            p.copy_(T(L, r.standard_normal(tuple(p.shape)) * 0.4))
    x = T(L, r.standard_normal((2, 3, 4)), True)
    (gx,) = L.autograd.grad((layer(x) ** 2).sum(), x, create_graph=True)
    hs = L.autograd.grad((gx**2).sum(), [x, *layer.parameters()])
    return [gx, *hs]


@habit
def double_backward_through_conv_transpose_group_norm_pool(L):
    r = np.random.default_rng(14)
    x = T(L, r.standard_normal((2, 4, 4, 4)), True)
    w = T(L, r.standard_normal((4, 2, 3, 3)) * 0.3, True)
    y = L.nn.functional.conv_transpose2d(x, w, stride=2, padding=1, groups=2)
    y = L.nn.functional.group_norm(y, 2)
    y = L.nn.functional.max_pool2d(L.nn.functional.silu(y), 2)
    y = L.nn.functional.adaptive_avg_pool2d(y, 2)
    gs = L.autograd.grad((y**2).sum(), [x, w], create_graph=True)
    hs = L.autograd.grad(sum((g**2).sum() for g in gs), [x, w])
    return [*gs, *hs]


@habit
def post_accumulate_grad_hook_under_create_graph(L):
    x = T(L, X, True)
    seen = []
    x.register_post_accumulate_grad_hook(lambda p: seen.append(A(p.grad)))
    (x.sin() ** 2).sum().backward(create_graph=True)
    g = x.grad
    x.grad = None
    (g * T(L, V)).sum().backward()
    return [seen[0], seen[1], x.grad, np.array(len(seen))]


@habit
def module_full_backward_hook_under_create_graph(L):
    net = _mlp(L, 6)
    seen = []
    net[0].register_full_backward_hook(lambda m, gi, go: seen.append(A(go[0])))
    x = T(L, X, True)
    (g,) = L.autograd.grad((net(x) ** 2).sum(), x, create_graph=True)
    (h,) = L.autograd.grad((g * T(L, V)).sum(), x)
    return [g, h, seen[0], np.array(len(seen))]


@habit
def hook_returning_none_and_removed_between_passes(L):
    x = T(L, X, True)
    calls = []
    handle = x.register_hook(lambda gr: calls.append(1))
    (g,) = L.autograd.grad((x**3).sum(), x, create_graph=True)
    handle.remove()
    (h,) = L.autograd.grad((g * T(L, V)).sum(), x)
    return [g, h, np.array(len(calls))]


@habit
def double_backward_float32_against_float64_dtype(L):
    x = L.tensor(X.astype(np.float32), requires_grad=True)
    (g,) = L.autograd.grad((x.tanh() * x.exp()).sum(), x, create_graph=True)
    (h,) = L.autograd.grad((g * L.tensor(V.astype(np.float32))).sum(), x)
    return [np.array(str(g.dtype).split(".")[-1]), np.array(str(h.dtype).split(".")[-1]), g.double(), h.double()]


def main() -> None:
    only = set(sys.argv[1:])
    bad = 0
    for name, f in HABITS.items():
        if only and name not in only:
            continue
        try:
            theirs = A(f(torch))
        except Exception as e:  # noqa: BLE001
            print(f"SKIP {name}: torch raises {type(e).__name__}: {str(e)[:150]}")
            continue
        try:
            mine = A(f(mt))
        except Exception as e:  # noqa: BLE001
            bad += 1
            tb = traceback.format_exc().strip().splitlines()
            print(f"CRASH {name}: {type(e).__name__}: {str(e)[:200]} | {tb[-3][:150]}")
            continue
        msgs = []
        for i, (a, b) in enumerate(zip(theirs, mine)):
            if a is None or b is None:
                if (a is None) != (b is None):
                    which = ["None" if r is None else "a value" for r in (a, b)]
                    msgs.append(f"result {i}: torch gives {which[0]}, mytorch {which[1]}")
                continue
            if np.asarray(a).dtype.kind in "US" or np.asarray(b).dtype.kind in "US":  # (dtype names)
                if not np.array_equal(a, b):
                    msgs.append(f"result {i}: {a} vs {b}")
                continue
            a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
            if a.shape == b.shape and (~np.isfinite(a) & np.isfinite(b)).any():  # PyTorch's NaN, MyTorch's number
                print(f"note {name}: result {i} is NaN or inf in PyTorch where MyTorch gives a number")
                a, b = np.where(np.isfinite(a), a, b), b
            if a.shape != b.shape:
                msgs.append(f"result {i}: shapes {a.shape} vs {b.shape}")
            elif not np.allclose(a, b, rtol=1e-5, atol=1e-9, equal_nan=True) or (
                "float32" not in name and not np.allclose(a, b, rtol=1e-7, atol=1e-9, equal_nan=True)
            ):
                msgs.append(f"result {i}: max err {np.nanmax(np.abs(a - b)):.3g}")
        if len(theirs) != len(mine):
            msgs.append(f"{len(theirs)} results vs {len(mine)}")
        bad += bool(msgs)
        print(("DIFF " if msgs else "ok   ") + name + (": " + "; ".join(msgs) if msgs else ""))
    print(f"== {len(HABITS)} habits, {bad} problems")


if __name__ == "__main__":
    main()

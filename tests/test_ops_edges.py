"""Single operations at edge inputs, against closed forms (and PyTorch where installed): bool
subtraction refused, maximum / minimum and fractional powers at NaN and -inf, norm(0), the
class constructor's dtypes (tests/test_tensor.py), ndtri's tails (tests/test_special.py)."""

import math

import numpy as np
import pytest

import mytorch as mt

try:
    import torch
except ImportError:  # pragma: no cover - PyTorch is optional
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def test_subtracting_a_bool_tensor_is_refused_as_in_pytorch():
    # 1 - mask gave [0, 1] (NumPy's arithmetic) where PyTorch raises and asks for ~mask
    mask, x, f = mt.tensor([True, False]), mt.tensor([1, 2]), mt.tensor([1.0, 2.0])
    for make in (lambda: 1 - mask, lambda: mask - 1, lambda: f - mask, lambda: mask - f, lambda: x - True,
                 lambda: True - x, lambda: mt.sub(mask, 1), lambda: x.__isub__(mask)):  # fmt: skip
        with pytest.raises(RuntimeError, match="~mask"):
            make()
    with pytest.raises(TypeError):
        mask - mask  # noqa: B018
    assert (~mask).tolist() == [False, True] and (1 - mask.long()).tolist() == [0, 1]
    assert (x - 1).tolist() == [0, 1] and (1.0 - f).tolist() == [0.0, -1.0] and (mask + mask).tolist() == [True, False]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_maximum_and_minimum_send_a_nan_its_gradient(dtype):
    # the NaN operand got 0 and the other operand all of the gradient; PyTorch gives both all of it
    x = mt.tensor([math.nan, 2.0, 1.0, -1.0], dtype=dtype, requires_grad=True)
    y = mt.tensor([0.0, math.nan, 1.0, 3.0], dtype=dtype, requires_grad=True)
    for op, last in ((mt.maximum, (0.0, 1.0)), (mt.minimum, (1.0, 0.0))):  # (x's, y's) at -1 against 3
        x.grad = y.grad = None
        op(x, y).sum().backward()
        assert x.grad.tolist() == [1.0, 1.0, 0.5, last[0]] and y.grad.tolist() == [1.0, 1.0, 0.5, last[1]]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_a_fractional_power_has_a_nan_slope_at_minus_infinity(dtype):
    # (-inf) ** 0.5 is NaN, but its slope 0.5 (-inf) ** -0.5 was 0: the gradient hid the NaN
    x = mt.tensor([-math.inf, -1.0, 4.0, -math.inf, math.inf], dtype=dtype, requires_grad=True)
    (x**0.5).sum().backward()
    grad = x.grad.numpy()
    assert np.isnan(grad[[0, 1, 3]]).all() and grad[2] == 0.25 and grad[4] == 0.0
    z = mt.tensor([-math.inf, 2.0], dtype=dtype, requires_grad=True)
    (z**3.0).sum().backward()  # an integral power stays finite: 3 x² = inf, 12
    assert z.grad.tolist() == [math.inf, 12.0]


@needs_torch
def test_edge_gradients_match_pytorch():
    values = [math.nan, math.inf, -math.inf, 0.0, 1.0, -1.0, 2.5]

    def run(lib):
        x = lib.tensor(values, dtype=lib.float64, requires_grad=True)
        outs = [lib.maximum(x, x.flip(0)), lib.minimum(x, lib.zeros_like(x)), x**0.5, x**-1.5]
        sum(o.nan_to_num(0.0, 7.0, -7.0).sum() for o in outs).backward()
        return [o.detach().numpy() for o in outs] + [x.grad.numpy()]

    for ours, theirs in zip(run(mt), run(torch), strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_where_passes_the_branch_not_taken_zero_times_its_slope():
    """docs/tensor.md's where row: the branch not taken gets 0, and 0 times an infinite slope is
    NaN (log at 0), as in PyTorch; a finite slope gives 0 (log at -1); a safe input keeps it 0."""
    x = mt.tensor([0.0, -1.0, 4.0], dtype=mt.float64, requires_grad=True)
    mt.where(x > 0, x.log(), 0.0).sum().backward()
    assert np.isnan(x.grad[0].item()) and x.grad.tolist()[1:] == [0.0, 0.25]
    x.grad = None
    mt.where(x > 0, mt.where(x > 0, x, 1.0).log(), 0.0).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.25]
    if torch is not None:
        t = torch.tensor([0.0, -1.0, 4.0], dtype=torch.float64, requires_grad=True)
        torch.where(t > 0, t.log(), 0.0).sum().backward()
        np.testing.assert_array_equal(t.grad.numpy(), [np.nan, 0.0, 0.25])


def test_norm_zero_counts_the_nonzero_elements():
    # t.norm(0) was refused; PyTorch counts the nonzero elements (its gradient is 0)
    x = mt.tensor([[0.0, 1.5, 0.0], [2.0, 0.0, -3.0]], dtype=mt.float64)
    assert x.norm(0).item() == 3.0 and x.norm(0, dim=1).tolist() == [1.0, 2.0]
    assert x.norm(0, dim=0, keepdim=True).shape == (1, 3) and x.norm(0).dtype == mt.float64
    with pytest.raises(ValueError, match="p must be"):
        x.norm("max")
    assert x.norm(-1).item() == 0.0  # (a negative p was refused; of a tensor holding a zero it is 0, as PyTorch's)
    # recorded with a zero gradient, as PyTorch's (backward() raised on the constant), also for
    # cdist and pdist (norms of differences), and 0 at inf and NaN
    y = mt.tensor([[0.0, math.inf, math.nan], [1.0, 0.0, 2.0]], requires_grad=True)
    y.norm(0, dim=1).sum().backward()
    assert y.grad.tolist() == [[0.0] * 3] * 2
    a, b = mt.tensor([[1.0, 0.0], [2.0, 2.0]], requires_grad=True), mt.tensor([[1.0, 1.0]], requires_grad=True)
    d = mt.cdist(a, b, p=0)
    d.sum().backward()
    assert d.tolist() == [[1.0], [2.0]] and a.grad.tolist() == [[0.0, 0.0]] * 2 and b.grad.tolist() == [[0.0, 0.0]]
    exact = mt.cdist(a, b, compute_mode="donot_use_mm_for_euclid_dist")
    assert exact.tolist() == mt.cdist(a, b).tolist()
    with pytest.raises(ValueError, match="compute_mode"):
        mt.cdist(a, b, compute_mode="fast")


def test_unflatten_names_itself_and_the_sizes():
    x = mt.ones(2, 6)
    assert x.unflatten(1, (2, -1)).shape == (2, 2, 3) and x.unflatten(-1, (-1, 6)).shape == (2, 1, 6)
    for sizes in ((4, 2), (-1, -1), (0, -1), (5, -1)):
        with pytest.raises(ValueError, match=r"unflatten: sizes .* dim 1 \(6\)"):
            x.unflatten(1, sizes)


def test_a_tensor_learning_rate_is_refused_with_the_spelling_to_use():
    p = mt.nn.Parameter(mt.tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"lr=lr.item\(\)"):
        mt.optim.Adam([p], lr=mt.tensor(0.1))


def test_topk_picks_pytorchs_indices_among_ties():
    # the earliest tied elements were taken (and got the gradient); PyTorch 2.13's CPU kernel
    # reports these (nth_element then sort for 64 k > n, partial_sort otherwise)
    x = mt.tensor([1.0, 3.0, 3.0, 2.0, 3.0], requires_grad=True)
    values, indices = x.topk(2)
    values.sum().backward()
    assert indices.tolist() == [2, 4] and x.grad.tolist() == [0.0, 0.0, 1.0, 0.0, 1.0]
    assert mt.tensor([3.0, 3.0, 3.0, 3.0, 3.0, 1.0]).topk(3, largest=False).indices.tolist() == [5, 3, 4]
    row = mt.tensor([0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0] * 3)
    assert row.topk(4).indices.tolist() == [15, 8, 13, 10]
    assert row.topk(4, largest=False).indices.tolist() == [0, 11, 12, 9]
    wide = mt.tensor(np.tile([2.0, 5.0, 5.0, 1.0], 40))  # 160 elements, k = 2: partial_sort
    assert wide.topk(2).indices.tolist() == [2, 1] and wide.topk(1, largest=False).indices.tolist() == [3]
    nan = mt.tensor([math.nan, 1.0, math.nan, 1.0, 0.0])
    assert nan.topk(3).indices.tolist() == [0, 2, 1]


@needs_torch
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_topk_ties_match_pytorch(dtype):
    rng = np.random.default_rng(3)
    for _ in range(60):
        n = int(rng.integers(1, 150))
        x = rng.integers(0, int(rng.integers(1, 5)), n).astype(dtype)
        if dtype == "float64":
            x[rng.random(n) < 0.1] = np.nan
        k, largest = int(rng.integers(0, n + 1)), bool(rng.integers(0, 2))
        ours = mt.topk(mt.tensor(x), k, largest=largest).indices.numpy()
        np.testing.assert_array_equal(ours, torch.topk(torch.tensor(x), k, largest=largest).indices.numpy())
    x = rng.integers(0, 3, (4, 70, 5)).astype(dtype)
    for d in (0, 1, -1):
        ours, theirs = mt.tensor(x).topk(3, d).indices, torch.tensor(x).topk(3, d).indices
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_polygamma_just_below_zero_is_infinite_not_nan():
    # the reflection's cot polynomial was evaluated by NumPy's polyval, which adds c * 0 first:
    # NaN where cot(pi x) is infinite (x within 1e-308 of 0 or a negative integer)
    x = mt.tensor([-1e-310, -5e-324, -1e-300, -2.5], dtype=mt.float64)
    for n in (1, 2, 3):
        values = mt.polygamma(n, x).numpy()
        assert (values[:3] == math.inf).all()
    assert mt.polygamma(1, x).numpy()[3] == pytest.approx(9.539246644989, rel=1e-12)  # pi^2 / sin^2 - psi1(3.5)
    assert mt.digamma(mt.tensor([-1e-310], dtype=mt.float64)).item() == math.inf


def test_attention_refuses_a_mask_with_is_causal():
    # the two were combined; PyTorch refuses them together
    q = mt.ones(1, 3, 4)
    with pytest.raises(ValueError, match="not both"):
        mt.nn.functional.scaled_dot_product_attention(q, q, q, attn_mask=mt.ones(3, 3, dtype=mt.bool), is_causal=True)
    assert mt.nn.functional.scaled_dot_product_attention(q, q, q, is_causal=True).shape == (1, 3, 4)


def test_init_dirac_and_sparse():
    # they were missing (AttributeError); dirac_ is PyTorch's identity convolution
    w = mt.empty(6, 3, 3, 3)
    mt.nn.init.dirac_(w, groups=2)
    x = mt.tensor(np.random.default_rng(0).standard_normal((1, 3, 5, 5)), dtype=mt.float32)
    y = mt.nn.functional.conv2d(x, w, padding=1)
    np.testing.assert_allclose(y.numpy()[0, :3], x.numpy()[0], rtol=1e-6)  # out channels 0..2 copy in 0..2
    np.testing.assert_allclose(y.numpy()[0, 3:], x.numpy()[0], rtol=1e-6)  # and the second group's again
    assert w.numpy().sum() == 6.0
    with pytest.raises(ValueError, match="divisible by groups"):
        mt.nn.init.dirac_(mt.empty(5, 2, 3), 2)
    mt.manual_seed(0)
    s = mt.empty(40, 30, dtype=mt.float64)
    mt.nn.init.sparse_(s, 0.25, std=2.0)
    zeros = (s.numpy() == 0).sum(0)
    assert (zeros == 10).all()  # ceil(0.25 * 40) per column
    assert 1.7 < s.numpy()[s.numpy() != 0].std() < 2.3
    with pytest.raises(ValueError, match="2-D"):
        mt.nn.init.sparse_(mt.empty(3, 4, 5), 0.5)


@needs_torch
def test_init_dirac_matches_pytorch():
    for shape, groups in (((4, 2, 3), 1), ((6, 3, 3, 3), 2), ((2, 4, 1, 2, 2), 1), ((6, 2, 3), 3)):
        ours, theirs = mt.empty(*shape), torch.empty(*shape)
        mt.nn.init.dirac_(ours, groups)
        torch.nn.init.dirac_(theirs, groups)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_float32_cumsum_accumulates_in_float64():
    # a float32 running sum drifted by about n ulps: 1000 times 0.1 gave 99.99905 (PyTorch: 100.0)
    x = mt.full((1000,), 0.1, requires_grad=True)
    y = x.cumsum(0)
    assert y.dtype == mt.float32 and y[-1].item() == 100.0
    (y * mt.full((1000,), 0.1)).sum().backward()  # the backward's reversed cumsum too
    assert x.grad[0].item() == np.float32(100.0)
    r = np.random.default_rng(0).standard_normal((3, 3000)).astype(np.float32) + 2
    exact = np.cumsum(r.astype(np.float64), axis=1).astype(np.float32)
    np.testing.assert_array_equal(mt.tensor(r).cumsum(1).numpy(), exact)
    if torch is not None:
        np.testing.assert_array_equal(mt.tensor(r).cumsum(1).numpy(), torch.tensor(r).cumsum(1).numpy())


def test_adam_takes_decoupled_weight_decay():
    # PyTorch's Adam(decoupled_weight_decay=True) is AdamW's step (it was a TypeError)
    def run(cls, **options):
        p = mt.nn.Parameter(mt.tensor([1.0, -2.0], dtype=mt.float64))
        opt = cls([p], lr=0.1, weight_decay=0.3, **options)
        for _ in range(3):
            opt.zero_grad()
            (p**2).sum().backward()
            opt.step()
        return p.detach().numpy(), opt.param_groups[0]["decoupled_weight_decay"]

    (adam_w, flag), (adamw, flag_w) = run(mt.optim.Adam, decoupled_weight_decay=True), run(mt.optim.AdamW)
    np.testing.assert_array_equal(adam_w, adamw)
    assert flag and flag_w and not run(mt.optim.Adam)[1]
    assert not np.array_equal(run(mt.optim.Adam)[0], adamw)  # (the L2 form differs)


def test_cumprod_gradient_beside_zeros_and_infinities():
    # a term with a zero factor counted as 0 * inf = NaN: (2, 0, inf) gave dx0 NaN where PyTorch
    # gives 1 (the terms past the first zero are 0 to the elements before it), and (inf, 0, 2)
    # gave dx1 NaN where PyTorch gives inf * (-0.5 + 2 * 2)
    weights = [1.0, -0.5, 2.0]
    cases = {
        (2.0, 0.0, math.inf): [1.0, math.inf, 0.0],
        (0.0, 0.0, math.inf): [1.0, 0.0, 0.0],
        (math.inf, 0.0, 2.0): [math.nan, math.inf, 0.0],
        (2.0, math.inf, 0.0): [-math.inf, math.nan, math.inf],
        (0.0, math.inf, 0.0): [math.nan, 0.0, 0.0],  # (the second zero's own term counts: inf * 0)
        (2.0, 3.0, 0.5): [1.0 - 1.5 + 3.0, -1.0 + 2.0, 12.0],
    }
    for values, expected in cases.items():
        x = mt.tensor(list(values), dtype=mt.float64, requires_grad=True)
        (x.cumprod(0) * mt.tensor(weights, dtype=mt.float64)).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), expected)


@needs_torch
def test_cumprod_gradient_at_edges_matches_pytorch():
    import itertools

    values = [0.0, 2.0, -1.5, math.inf, -math.inf, math.nan]
    rows = np.array(list(itertools.product(values, repeat=4)))
    weights = np.array([1.0, -0.5, 2.0, 0.25])
    grads = []
    for lib in (torch, mt):
        x = lib.tensor(rows, requires_grad=True)
        (x.cumprod(1) * lib.tensor(weights)).sum().backward()
        grads.append(x.grad.numpy())
    # equal, except that along a slice without zeros MyTorch's exact rule has a number where
    # PyTorch's division has inf / inf = NaN (never the other way round)
    exact = ~np.isnan(grads[1]) & np.isnan(grads[0])
    assert exact.any() and not (exact & (rows == 0).any(1, keepdims=True)).any()
    np.testing.assert_array_equal(np.where(exact, np.nan, grads[1]), grads[0])


@pytest.mark.parametrize("dtype", [mt.float32, mt.float64])
def test_cumprod_gradient_is_exact_at_inf_and_past_overflow_and_underflow(dtype):
    # d/dx_k sum(w_i y_i) = sum over i >= k of w_i times the product of x_j, j <= i, j != k;
    # dividing sum(w_i y_i) by x_k gave NaN at an inf, inf past an overflow (1e200 expected) and
    # 1 past an underflow (2 expected)
    big = 1e30 if dtype == mt.float32 else 1e200
    cases = {
        (2.0, math.inf, 3.0): [math.inf, 2.0 + 2.0 * 3.0, math.inf],
        (big, big, 1 / big): [1.0 + big + 1.0, big + 1.0, math.inf],
        (1 / big, 1 / big, big): [1.0 + 1 / big + 1.0, 1 / big + 1.0, 0.0],
    }
    for values, expected in cases.items():
        x = mt.tensor(list(values), dtype=dtype, requires_grad=True)
        x.cumprod(0).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6)
        f = lambda t: t.cumprod(0)  # noqa: E731
        forward, reverse = (mt.func.jacfwd(f)(x.detach()).numpy(), mt.func.jacrev(f)(x.detach()).numpy())
        np.testing.assert_array_equal(forward, reverse)
        np.testing.assert_array_equal(forward.sum(0), x.grad.numpy())
    # the other rows of a batch keep the ordinary rule, bit for bit
    rows = np.array([[0.5, 1.25, 3.0], [2.0, np.inf, 3.0]])
    x = mt.tensor(rows, dtype=dtype, requires_grad=True)
    x.cumprod(1).sum().backward()
    alone = mt.tensor(rows[:1], dtype=dtype, requires_grad=True)
    alone.cumprod(1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[:1], alone.grad.numpy())
    assert x.grad.numpy()[1, 1] == 8.0


def test_hypot_gradient_at_an_infinite_operand():
    # the value there is the constant inf, so both gradients were 0; PyTorch's are a / r and
    # b / r: NaN for the infinite (or NaN) operand, 0 for a finite one
    a = mt.tensor([math.inf, 3.0, math.nan], dtype=mt.float64, requires_grad=True)
    b = mt.tensor([2.0, 4.0, -math.inf], dtype=mt.float64, requires_grad=True)
    y = mt.hypot(a, b)
    y.sum().backward()
    assert y.tolist() == [math.inf, 5.0, math.inf]
    assert (
        math.isnan(a.grad[0].item())
        and b.grad[0].item() == 0.0
        and np.isnan([a.grad[2].item(), b.grad[2].item()]).all()
    )
    assert a.grad[1].item() == pytest.approx(0.6) and b.grad[1].item() == pytest.approx(0.8)
    c = mt.tensor([[math.inf], [1.0]], dtype=mt.float64, requires_grad=True)  # broadcast: summed back
    d = mt.tensor([3.0, 4.0], dtype=mt.float64, requires_grad=True)
    mt.hypot(c, d).sum().backward()
    assert math.isnan(c.grad[0, 0].item()) and c.grad[1, 0].item() == pytest.approx(
        1 / math.sqrt(10) + 1 / math.sqrt(17)
    )
    assert d.grad.tolist() == pytest.approx([3 / math.sqrt(10), 4 / math.sqrt(17)])


@pytest.mark.parametrize(
    "call",
    [
        lambda L, x: x.median(1.7),
        lambda L, x: x.cumprod(0.5),
        lambda L, x: x.mode(1.0),
        lambda L, x: L.unique(x, dim=0.0),
        lambda L, x: x.renorm(2, 0.5, 1.0),
        lambda L, x: x.index_select(0.5, L.tensor([0])),
    ],
)
def test_a_float_dim_is_refused_as_in_pytorch(call):
    """These took int(dim): median(x, 1.7) reduced axis 1 and cumprod(0.5) axis 0, silently."""
    x = mt.tensor([[3.0, 1.0, 2.0], [1.0, 2.0, 3.0]])
    with pytest.raises(TypeError, match="dim must be an int, got float"):
        call(mt, x)
    assert x.median(np.int64(1)).values.tolist() == [2.0, 2.0]
    if torch is not None:
        with pytest.raises(TypeError):
            call(torch, torch.tensor(x.numpy()))

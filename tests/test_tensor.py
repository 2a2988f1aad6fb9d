"""The Tensor front-end: values against the kernel table, gradients against finite differences,
broadcasting with constants on either side, and the tape's lifetime (ancestors only, release)."""

import operator
import re
from pathlib import Path

import numpy as np
import pytest

import mytorch as mt
from mytorch import Tensor
from mytorch.gradcheck import numerical_vjp
from mytorch.nn import functional as F
from mytorch.optim import SGD


def check_grads(fn, *arrays, rng=None, eps=1e-6, atol=1e-6):
    """Compare the gradients backward gives with central differences of <w, fn(*tensors)>."""
    rng = rng or np.random.default_rng(1)
    leaves = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    out = fn(*leaves)
    w = rng.standard_normal(out.shape)
    (out * w).sum().backward()
    work = [a.copy() for a in arrays]
    for leaf, x in zip(leaves, work):
        numeric = numerical_vjp(lambda: fn(*[Tensor(a) for a in work]).numpy(), x, w, eps)
        np.testing.assert_allclose(leaf.grad, numeric, atol=atol, rtol=1e-5)
    return out


UNARY = ["exp", "log", "sqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "softplus", "gelu"]
UNARY += ["log1p", "log2", "log10", "expm1", "square", "rsqrt", "reciprocal", "erf", "erfc", "asin", "acos", "atan"]


@pytest.mark.parametrize("name", UNARY)
def test_unary_ops_match_the_kernel_table_and_finite_differences(name, rng):
    x = rng.uniform(0.2, 2.0, (3, 4)) * rng.choice([-1, 1], (3, 4))
    if name in ("log", "log2", "log10", "sqrt", "rsqrt", "log1p"):
        x = np.abs(x)
    if name in ("asin", "acos"):
        x = x / 2.5
    out = check_grads(getattr(mt, name), x)
    np.testing.assert_array_equal(out.numpy(), F.KERNELS[name].forward(x))
    method = getattr(Tensor(x), name)()
    np.testing.assert_array_equal(method.numpy(), out.numpy())


PARAMETRIZED = {
    "sum axis 0": lambda t: t.sum(axis=0),
    "sum keepdims": lambda t: t.sum(axis=1, keepdims=True),
    "mean all": lambda t: t.mean(),
    "mean axes": lambda t: mt.mean(t, axis=(0, 1)),
    "max axis 1": lambda t: t.max(axis=1).values,
    "min keepdims": lambda t: t.min(axis=0, keepdims=True).values,
    "softmax": lambda t: t.softmax(axis=0),
    "log_softmax": lambda t: mt.log_softmax(t),
    "leaky_relu": lambda t: t.leaky_relu(0.1),
    "reshape": lambda t: t.reshape(4, 3) * np.arange(12.0).reshape(4, 3),
    "reshape tuple": lambda t: t.reshape((2, -1)),
    ".T": lambda t: t.T @ np.ones((3, 2)),
    "transpose": lambda t: t.transpose(1, 0),
    "index basic": lambda t: t[1:, ::2],
    "index int": lambda t: t[0],
    "index repeated": lambda t: t[[0, 0, 2]],
    "index mask": lambda t: t[t.numpy() > 0],
    "pow": lambda t: (t * t + 1.0) ** 1.5,
    "pow int": lambda t: t**3,
    "rpow": lambda t: 2.0**t,
    "clamp": lambda t: t.clamp(min=-0.5, max=0.5),
    "flatten": lambda t: t.flatten(),
    "clone": lambda t: t.clone() * t,
    "abs()": lambda t: abs(t),
    "neg": lambda t: -t,
}


@pytest.mark.parametrize("name", PARAMETRIZED)
def test_parametrized_ops_against_finite_differences(name, rng):
    x = rng.standard_normal((3, 4))
    check_grads(PARAMETRIZED[name], x)


BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "maximum": mt.maximum,
    "minimum": lambda a, b: a.minimum(b),
    "pow tensor exponent": lambda a, b: a.abs() ** b,
}
SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((4,), (3, 1)), ((3, 1), (1, 4)), ((), (2, 3))]


@pytest.mark.parametrize("shapes", SHAPES, ids=str)
@pytest.mark.parametrize("name", BINARY)
def test_binary_ops_broadcast_against_finite_differences(name, shapes, rng):
    a = rng.uniform(0.5, 2.0, shapes[0])
    b = rng.uniform(0.5, 2.0, shapes[1]) * rng.choice([-1, 1], shapes[1])
    check_grads(BINARY[name], a, b)


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "matmul"])
def test_constants_on_either_side(op, rng):
    """Numbers and arrays on the left or right: values as NumPy's, gradients as the calculus'."""
    fn = {
        "add": operator.add,
        "sub": operator.sub,
        "mul": operator.mul,
        "div": operator.truediv,
        "matmul": operator.matmul,
    }[op]
    x = rng.uniform(0.5, 2.0, (3, 3))
    constants = [np.full((3, 3), 1.5)]
    constants += [rng.uniform(0.5, 2.0, 3)] if op == "matmul" else [rng.uniform(0.5, 2.0, (3, 1)), 2.5, 3]
    for c in constants:
        for left in (True, False):
            t = Tensor(x, requires_grad=True)
            y = fn(c, t) if left else fn(t, c)  # ndarray (op) Tensor defers to the reflected method
            assert isinstance(y, Tensor)
            np.testing.assert_allclose(y.numpy(), fn(c, x) if left else fn(x, c))
            w = rng.standard_normal(y.shape)
            (y * w).sum().backward()
            ref = x.copy()
            numeric = numerical_vjp(lambda c=c, left=left: fn(c, ref) if left else fn(ref, c), ref, w, 1e-6)
            np.testing.assert_allclose(t.grad, numeric, atol=1e-6)


def test_matmul_outer_concatenate_stack_and_losses(rng):
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    check_grads(lambda p, q: p @ q, a, b)
    check_grads(lambda p, q: mt.matmul(p, q), a[0], b)
    check_grads(lambda p, q: mt.outer(p, q), a[0], b[0])
    check_grads(lambda p, q: mt.concatenate([p, q.T], axis=0), a, b[:, :2])
    check_grads(lambda p, q: mt.stack([p, q, p], axis=1), a[0], a[1])
    y = rng.uniform(0, 1, (2, 3))
    onehot = np.eye(3)[[0, 2]]
    check_grads(lambda p: mt.mse_loss(y, p), a)
    check_grads(lambda p: mt.softmax_cross_entropy(onehot, p), a)
    check_grads(lambda p: mt.bce_with_logits_loss(y, p), a)
    check_grads(lambda p: mt.bce_loss(y, p.sigmoid()), a)


def test_lab_function_values_and_gradients():
    """y = ln(x1) + x1 x2 - sin(x2) at (2, 5): the CMU lab's numbers."""
    x1, x2 = Tensor(2.0, requires_grad=True), Tensor(5.0, requires_grad=True)
    y = mt.log(x1) + x1 * x2 - mt.sin(x2)
    y.backward()
    assert round(y.item(), 3) == 11.652
    assert x1.grad == pytest.approx(1 / 2 + 5)
    assert x2.grad == pytest.approx(2 - np.cos(5.0))
    assert round(float(x2.grad), 3) == 1.716


def test_float32_stays_float32_with_python_numbers(rng):
    x = Tensor(rng.standard_normal((2, 3)).astype(np.float32), requires_grad=True)
    y = (2.0 * x + 1 - x / 3.0) ** 2
    y = (np.float32(0.5) * y.tanh()).sum()
    assert y.dtype == np.float32
    y.backward()
    assert x.grad.dtype == np.float32


def test_float32_stays_float32_next_to_a_0d_float64_tensor_that_needs_a_gradient():
    # PyTorch: a 0-d tensor does not widen a dimensioned one of its category, whether or not it
    # requires a gradient; MyTorch demoted only constants, so x * scale was float64.
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    scale = mt.tensor(3.0, dtype=mt.float64, requires_grad=True)
    outs = [x * scale, scale - x, mt.maximum(x, scale), x**scale, scale / x]
    assert [o.dtype for o in outs] == [np.float32] * 5
    sum(o.sum() for o in outs).backward()
    assert x.grad.dtype == np.float32 and scale.grad.dtype == np.float64
    # d/dx: s - 1 + 0 (x < s) + s x^(s-1) - s/x^2; d/ds: the sum of x + 1 + 1 + x^s log x + 1/x
    xs = np.array([1.0, 2.0])
    np.testing.assert_allclose(x.grad.numpy(), 3 - 1 + 3 * xs**2 - 3 / xs**2, rtol=1e-6)
    np.testing.assert_allclose(scale.grad.item(), np.sum(xs + 2 + xs**3 * np.log(xs) + 1 / xs), rtol=1e-6)


def test_only_ancestors_get_gradients():
    x = Tensor([1.0, 2.0], requires_grad=True)
    w = Tensor([3.0, 4.0], requires_grad=True)
    h = x * 2.0
    c = (h * w).sum()  # on h's tape, not an ancestor of d
    d = (h * h).sum()
    d.backward(retain_graph=True)
    np.testing.assert_allclose(x.grad, 8 * x.numpy())  # d = sum(4 x^2)
    assert w.grad is None  # w fed only c: no backward reached it (PyTorch: None)
    c.backward()
    np.testing.assert_allclose(w.grad, h.numpy())
    np.testing.assert_allclose(x.grad, 8 * x.numpy() + 2 * w.numpy())


def test_backward_from_one_output_leaves_another_graph_alone():
    x = Tensor(3.0, requires_grad=True)
    a = x * x
    b = x * 10.0  # a separate graph: x is a leaf, it holds no tape
    a.backward()
    assert x.grad == pytest.approx(6.0)
    b.backward()
    assert x.grad == pytest.approx(16.0)  # leaves accumulate across backward calls


def test_released_graph_raises_and_retain_graph_allows_a_second_backward():
    x = Tensor(2.0, requires_grad=True)
    y = x * x * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad == pytest.approx(2 * 12.0)
    with pytest.raises(RuntimeError, match="released"):
        y.backward()
    z = y + 1.0  # computing on a released graph still works, but cannot be differentiated
    assert z.item() == pytest.approx(9.0)
    with pytest.raises(RuntimeError, match="released"):
        z.backward()


def test_backward_seed_rules():
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    with pytest.raises(ValueError, match=r"one-element.*\(3,\)"):
        (x * 2.0).backward()
    with pytest.raises(ValueError, match="gradient has shape"):
        (x * 2.0).backward(np.ones(2))
    (x * 2.0).backward(np.array([1.0, 0.0, -1.0]))
    np.testing.assert_allclose(x.grad, [2.0, 0.0, -2.0])
    x.zero_grad()
    (x.sum(keepdims=True) * 3.0).backward()  # shape (1,): seeded with 1
    np.testing.assert_allclose(x.grad, [3.0, 3.0, 3.0])
    with pytest.raises(RuntimeError, match="does not require"):
        Tensor([1.0]).backward()


def test_no_grad_detach_and_constants_record_nothing():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with mt.no_grad():
        y = x * 2.0
    assert not y.requires_grad and y.is_leaf
    d = (x * 3.0).detach()
    assert not d.requires_grad and d.is_leaf
    c = Tensor([1.0, 2.0]) * 5.0
    assert not c.requires_grad and c.is_leaf
    z = (d * x).sum()
    z.backward()
    np.testing.assert_allclose(x.grad, d.numpy())
    assert len(z.tape) == 0  # released


def test_graphs_from_two_forward_passes_merge():
    """loss1 + loss2 built on two separate tapes: one backward reaches both."""
    W = Tensor(np.array([[1.0, -1.0], [0.5, 2.0]]), requires_grad=True)
    x1, x2 = np.array([1.0, 2.0]), np.array([-1.0, 3.0])
    l1 = ((x1 @ W).tanh()).sum()
    l2 = ((x2 @ W) ** 2).sum()
    assert l1.tape is not l2.tape
    total = l1 + l2
    assert l1.tape is total.tape and l2.tape is total.tape
    total.backward()
    ref = W.numpy().copy()
    numeric = numerical_vjp(lambda: np.tanh(x1 @ ref).sum() + ((x2 @ ref) ** 2).sum(), ref, np.ones(()), 1e-6)
    np.testing.assert_allclose(W.grad, numeric, atol=1e-6)


def test_leaf_gradients_accumulate_and_reset():
    x = Tensor(1.5, requires_grad=True)
    for _ in range(3):
        (x * x).backward()
    assert x.grad == pytest.approx(9.0)
    x.zero_grad()
    assert x.grad == 0.0
    x.grad = None
    (x * 4.0).backward()
    assert x.grad == pytest.approx(4.0)


def test_param_pairs_train_with_the_optimizer(rng):
    X = rng.standard_normal((32, 3))
    y = X @ np.array([[1.0], [-2.0], [0.5]]) + 0.3
    W = Tensor(np.zeros((3, 1)), requires_grad=True)
    b = Tensor(np.zeros(1), requires_grad=True)
    opt = SGD(mt.param_pairs([W, b]), lr=0.1)
    losses = []
    for _ in range(200):
        opt.zero_grad()
        loss = mt.mse_loss(y, X @ W + b)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 1e-4 * losses[0]
    np.testing.assert_allclose(b.numpy(), [0.3], atol=1e-2)
    with pytest.raises(ValueError, match="item 0"):
        mt.param_pairs([Tensor(1.0)])


def test_conversions_comparisons_and_repr():
    t = Tensor([[1.0, 5.0], [3.0, 2.0]], requires_grad=True)
    assert t.shape == (2, 2) and t.ndim == 2 and t.numel() == 4 and t.dtype == np.float32
    assert (t > 2.0).tolist() == [[False, True], [True, False]]
    assert (t == 2.0).numpy().sum() == 1
    assert t.argmax(axis=1).tolist() == [1, 0]
    assert float(t[0, 1]) == 5.0 and len(t) == 2
    assert np.asarray(t) is t.numpy()
    assert "requires_grad=True" in repr(t)
    assert Tensor(np.array(3), requires_grad=True).dtype == np.float64  # integers become float for gradients
    assert Tensor(np.array([1, 2])).dtype.kind == "i"
    import mytorch.tensor as module  # the submodule, not shadowed by an export of the same name

    assert module.Tensor is Tensor


def test_bad_input_is_refused():
    with pytest.raises(TypeError, match="Tensor"):
        Tensor("abc", requires_grad=True)
    with pytest.raises(TypeError, match="operand"):
        Tensor([1.0]) + {"a": 1}
    with pytest.raises(TypeError, match=r"str \(dtype <U1\) as an operand"):
        "a" * Tensor([1.0])
    with pytest.raises(ValueError, match=r"matmul: operands of shapes \(2, 3\), \(2, 3\)"):
        Tensor(np.ones((2, 3))) @ np.ones((2, 3))
    with pytest.raises(ValueError, match="leaf"):
        (Tensor(1.0, requires_grad=True) * 2.0).requires_grad_(False)
    y = Tensor(1.0, requires_grad=True) * 2.0
    assert y.requires_grad_() is y  # a recorded result requires a gradient already: PyTorch's no-op
    with pytest.raises(ValueError, match="clamp"):
        mt.clamp(Tensor(1.0))


def test_the_class_constructor_gives_python_data_the_default_float_dtype():
    # as PyTorch's legacy torch.Tensor(data): Tensor([1, 2]) kept int64, so y[0] = 0.7 stored 0
    y = Tensor([1, 2])
    y[0] = 0.7
    assert y.dtype == np.float32 and y.tolist() == [pytest.approx(0.7), 2.0]
    for data in (3, 2.5, True, [True, False], [], [[1, 2], [3, 4]], [np.float64(0.5), 1]):
        assert Tensor(data).dtype == np.float32
    assert Tensor([1j]).dtype == np.complex64 and Tensor([1, 2], requires_grad=True).dtype == np.float32
    mt.set_default_dtype(mt.float64)
    try:
        assert Tensor([1, 2]).dtype == np.float64 and Tensor([1j]).dtype == np.complex128
    finally:
        mt.set_default_dtype(mt.float32)
    # NumPy arrays and scalars and tensors keep their dtype (and arrays their memory)
    a = np.array([1, 2])
    assert Tensor(a).dtype == np.int64 and Tensor(a).numpy() is a and Tensor(np.float64(2.5)).dtype == np.float64
    assert Tensor(np.zeros(2)).dtype == np.float64 and Tensor(mt.tensor([1, 2])).dtype == np.int64
    assert Tensor(a, requires_grad=True).dtype == np.float64


def test_number_constants_keep_their_sign_and_dtype():
    x = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    assert np.signbit((x * -0.0).numpy()).all() and not np.signbit((x * 0.0).numpy()).any()
    assert (x * 3.5).dtype == np.float32 and (Tensor(np.array([1.0, 2.0])) * 3.5).dtype == np.float64
    y = (x * 3.5).sum()
    y.backward()
    np.testing.assert_allclose(x.grad, [3.5, 3.5])


def test_cached_numbers_are_kept_per_dtype():
    # the cache of numbers is looked up by the float alone for float64 and float32 tensors
    # (one dictionary per dtype), and 2 and 2.0 share an entry: each product keeps its dtype and value
    for number in (0.1, 2, 2.0, 0.1, 1e-30, 2.0, 0.1):
        for dtype in (np.float64, np.float32, np.float64, np.float16):
            x = Tensor(np.array([1.0, 3.0], dtype=dtype))
            for y in (x * number, x / number, x + number, x - number):
                assert y.dtype == dtype
            if dtype != np.float16:  # (float16 times a number is computed in float32, as PyTorch's)
                np.testing.assert_array_equal((x * number).numpy(), x.numpy() * np.asarray(number, dtype))


def test_readme_tensor_example_runs(capsys):
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = text[text.index("## A first example") :]
    block = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    namespace = {}
    exec(compile(block, "README.md", "exec"), namespace)
    assert round(namespace["y"].item(), 3) == 11.652
    assert namespace["x1"].grad == pytest.approx(5.5)
    assert capsys.readouterr().out.startswith("11.652 5.5 1.716\ntensor(12.)")


def test_rpow_takes_numpys_values_for_non_positive_bases():
    # exp(x * log b) gave NaN for b <= 0: 0 ** 0 is 1 and (-2) ** 2 is 4, as in NumPy and PyTorch;
    # the gradient is PyTorch's b ** x log b: NaN for b < 0 (no real log), 0 ** x's is 0 for x >= 0
    # and inf * log 0 = -inf for x < 0 (it was 0 for b < 0: a number where the derivative has none)
    exponents = np.array([-2.0, 0.0, 1.5, 2.0])
    for base, slopes in ((-2.0, [np.nan] * 4), (0.0, [-np.inf, 0.0, 0.0, 0.0])):
        x = mt.Tensor(exponents.copy(), requires_grad=True)
        y = base**x
        with np.errstate(divide="ignore", invalid="ignore"):  # (NumPy's own 0 ** -2 and (-2) ** 1.5)
            np.testing.assert_array_equal(y.numpy(), np.power(base, exponents))
        y.sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), slopes)


def test_rpow_mixed_bases_keep_the_positive_bases_gradient():
    bases = np.array([3.0, 0.0, -2.0])
    x = mt.Tensor(np.array([1.5, 0.0, 2.0]), requires_grad=True)
    y = bases**x
    np.testing.assert_allclose(y.numpy(), [3.0**1.5, 1.0, 4.0])
    y.sum().backward()
    h = 1e-6  # central difference of 3 ** x at 1.5, against the recorded gradient
    np.testing.assert_allclose(x.grad, [(3.0 ** (1.5 + h) - 3.0 ** (1.5 - h)) / (2 * h), 0.0, np.nan], rtol=1e-8)


def test_summing_many_separate_branches_merges_without_resorting_each_time():
    """sum() of per-leaf results merges one tape per term; the tape is sorted back into the
    order the operations ran only when it is looked at, once."""
    leaves = [Tensor(np.array([0.1 * i]), requires_grad=True) for i in range(300)]
    total = sum([leaf.sin() for leaf in leaves])
    tape = total._tape.resolve()
    assert tape.unsorted  # merges appended the later sines after the earlier adds
    assert total.tape.unsorted is False
    order = total.tape.order
    assert list(order) == sorted(order)
    assert len(order) == len(total.tape.operation_list) == 2 * 300  # 300 sines, 300 adds (sum starts from 0)
    total.backward()
    np.testing.assert_allclose([leaf.grad[0] for leaf in leaves], np.cos(0.1 * np.arange(300)), rtol=1e-15)


def test_repr_shows_the_dtype_and_grad_fn_as_pytorch_does():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<MulBackward0>)"
    assert repr(mt.tensor([1, 2])) == "tensor([1, 2])" and repr(mt.tensor([True])) == "tensor([True])"
    assert repr(mt.tensor([1, 2], dtype=mt.int32)) == "tensor([1, 2], dtype=torch.int32)"
    assert repr(mt.tensor(3.0, dtype=mt.float64)) == "tensor(3., dtype=torch.float64)"
    with mt.no_grad():
        assert repr(x * 2) == "tensor([2., 4.])"
    mt.set_default_dtype(mt.float64)
    try:
        assert repr(mt.tensor([1.0])) == "tensor([1.])"
        assert repr(mt.tensor([1.0], dtype=mt.float32)) == "tensor([1.], dtype=torch.float32)"
    finally:
        mt.set_default_dtype(mt.float32)


def test_errors_pytorch_raises_as_runtime_error_are_runtime_errors_and_keep_their_old_types():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    for call, old in [
        (lambda: (x * 3).backward(), ValueError),
        (lambda: mt.autograd.grad(x * 3, [x]), ValueError),
        (lambda: mt.tensor([1, 2], requires_grad=True), TypeError),
        (lambda: mt.tensor([1, 2]).requires_grad_(), TypeError),
        (lambda: mt.nn.Parameter(mt.tensor([1, 2])), TypeError),
        (lambda: F.cross_entropy(mt.zeros(3, 4), mt.zeros(3, 3)), ValueError),
    ]:
        with pytest.raises(RuntimeError) as caught:
            call()
        assert isinstance(caught.value, old)


def test_repr_of_the_default_complex_dtype_and_of_empty_tensors_is_pytorchs():
    """PyTorch leaves out the default float dtype's complex counterpart (it was shown), and shows an
    empty tensor's shape unless it is 1-D, and its dtype unless it is the default float dtype."""
    assert repr(mt.tensor([1 + 1j])) == "tensor([1.+1.j])"
    assert repr(mt.zeros(0, 3)) == "tensor([], size=(0, 3))"
    assert repr(mt.zeros(0, dtype=mt.int64)) == "tensor([], dtype=torch.int64)"
    assert repr(mt.zeros(2, 0, dtype=mt.bool) * 1) == "tensor([], size=(2, 0), dtype=torch.int64)"
    assert repr(mt.zeros(0, requires_grad=True)) == "tensor([], requires_grad=True)"
    mt.set_default_dtype(mt.float64)
    try:
        assert repr(mt.tensor([1 + 1j])) == "tensor([1.+1.j])"
        assert repr(mt.tensor([1 + 1j], dtype=mt.complex64)) == "tensor([1.+1.j], dtype=torch.complex64)"
    finally:
        mt.set_default_dtype(mt.float32)


@pytest.mark.parametrize("create_graph", [False, True], ids=["plain", "create_graph"])
def test_a_gradient_the_cast_would_change_is_refused_naming_it(create_graph):
    # a complex gradient for a real output lost its imaginary part (a ComplexWarning), 1e300 for
    # float32 became inf ("the divergence holds NaN or inf"), strings NumPy's conversion error
    w = mt.ones(3, requires_grad=True)
    cases = [
        (
            mt.tensor(np.ones(3) + 1j),
            TypeError,
            "backward: gradient holds complex numbers (complex128); float32 cannot",
        ),
        (mt.tensor(np.full(3, 1e300)), ValueError, "backward: gradient holds 1e+300, beyond float32's range"),
        (np.array(["a", "b", "c"]), TypeError, "backward: gradient must hold numbers, got dtype <U1"),
    ]
    for gradient, error, message in cases:
        with pytest.raises(error, match=re.escape(message)):
            (w * 2).backward(gradient, create_graph=create_graph)
    assert w.grad is None
    with pytest.raises(TypeError, match=re.escape("grad: grad_outputs[0] holds complex numbers (complex128)")):
        mt.autograd.grad(w * 2, w, grad_outputs=mt.tensor(np.ones(3) + 1j), create_graph=create_graph)
    (w * 2).backward(mt.tensor([1, 2, 3]), create_graph=create_graph)  # integers are taken, cast
    assert w.grad.tolist() == [2.0, 4.0, 6.0]


def test_outer_takes_vectors_only():
    """The kernel's np.multiply.outer made a 4-D tensor of two matrices; PyTorch's outer raises."""
    with pytest.raises(ValueError, match=r"outer: expects two vectors \(1-D\), the first operand has shape \(2, 2\)"):
        mt.outer(mt.ones(2, 2), mt.ones(2))
    with pytest.raises(ValueError, match="the second operand has shape"):
        mt.ones(2).outer(mt.tensor(3.0))
    assert mt.outer(mt.ones(2), mt.arange(3.0)).tolist() == [[0.0, 1.0, 2.0]] * 2

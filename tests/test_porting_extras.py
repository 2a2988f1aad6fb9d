"""Small PyTorch names for ported scripts (mytorch/porting.py) and autograd.backward / gradcheck."""

import numpy as np
import pytest

import mytorch as mt
import mytorch.autograd


def test_no_op_settings_and_compile():
    mt.set_num_threads(3)
    assert mt.get_num_threads() == 3
    mt.set_num_threads(1)
    mt.use_deterministic_algorithms(True)
    assert mt.are_deterministic_algorithms_enabled()
    mt.use_deterministic_algorithms(False)
    model = mt.nn.Linear(2, 2)
    assert mt.compile(model) is model and mt.compile()(len) is len
    assert mt.ones(2).get_device() == -1


def test_random_functions_are_seeded_and_shaped():
    mt.manual_seed(5)
    first = (mt.multinomial(mt.tensor([[0.1, 0.9, 0.0], [1.0, 1.0, 1.0]]), 2), mt.bernoulli(mt.full((4,), 0.5)))
    mt.manual_seed(5)
    again = (mt.multinomial(mt.tensor([[0.1, 0.9, 0.0], [1.0, 1.0, 1.0]]), 2), mt.bernoulli(mt.full((4,), 0.5)))
    assert [t.tolist() for t in first] == [t.tolist() for t in again]
    picks = first[0].numpy()
    assert picks.dtype == np.int64 and picks.shape == (2, 2) and 2 not in picks[0] and len(set(picks[1])) == 2
    assert set(mt.bernoulli(mt.full((50,), 0.5)).tolist()) <= {0.0, 1.0}
    assert mt.normal(0.0, 1.0, size=(3, 2)).shape == (3, 2) and mt.normal(mt.zeros(4), 2.0).dtype == mt.float32
    assert mt.poisson(mt.full((3,), 2.0)).dtype == mt.float32
    with pytest.raises(ValueError, match="without replacement"):
        mt.multinomial(mt.tensor([1.0, 1.0]), 3)
    with pytest.raises(ValueError, match="non-negative"):
        mt.multinomial(mt.tensor([1.0, -1.0]), 1)
    x = mt.ones(1000)
    assert 0.35 < x.bernoulli_(0.4).mean().item() < 0.45
    assert x.random_(0, 3).max().item() <= 2 and x.exponential_(2.0).min().item() >= 0


def test_in_place_compositions_against_pytorch():
    torch = pytest.importorskip("torch")
    grads = []
    for lib in (mt, torch):
        x = lib.tensor([0.5, -1.0, 2.0], dtype=lib.float64, requires_grad=True)
        y = x * 1
        y.addcmul_(x, x, value=0.5).lerp_(x * 3, 0.25).addcdiv_(x, x * x + 1, value=2.0)
        y.sum().backward()
        grads.append((y.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-14)
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-14)
    z = mt.ones(2, requires_grad=True) * 2
    assert z.detach_() is z and not z.requires_grad and z.grad_fn is None


def test_autograd_backward_and_gradcheck():
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    mt.autograd.backward([(a * 2).sum(), a * 3], [None, mt.tensor([1.0, 10.0])])
    assert a.grad.tolist() == [5.0, 32.0]
    x = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    assert mt.autograd.gradcheck(lambda t: (t**3, t.sin().sum()), (x,))

    class Wrong(mt.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            return t * 2

        @staticmethod
        def backward(ctx, g):
            return g * 3

    with pytest.raises(mt.autograd.GradcheckError, match="analytic 3, numeric 2"):
        mt.autograd.gradcheck(Wrong.apply, (x,))
    assert mt.autograd.gradcheck(Wrong.apply, (x,), raise_exception=False) is False
    with pytest.raises(RuntimeError, match="one element"):
        mt.autograd.backward(a * 2)


def test_module_lookups_by_dotted_name():
    model = mt.nn.Sequential(mt.nn.Linear(2, 3), mt.nn.BatchNorm1d(3))
    assert model.get_parameter("0.weight") is model[0].weight
    assert model.get_submodule("1") is model[1] and model.get_submodule("") is model
    assert model.get_buffer("1.running_mean") is model[1].running_mean
    with pytest.raises(AttributeError, match="no parameter '0.nope'"):
        model.get_parameter("0.nope")
    with pytest.raises(AttributeError, match="no sub-module '5'"):
        model.get_submodule("5")


def test_half_modules_and_memory_formats():
    model = mt.nn.Linear(2, 2).half()
    assert model.weight.dtype == mt.float16 and model.bias.dtype == mt.float16
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x.clone(memory_format=mt.contiguous_format)
    y.sum().backward()
    assert y.tolist() == [1.0, 2.0] and x.grad.tolist() == [1.0, 1.0]


def test_autograd_backward_gives_weights_no_gradient():
    # the weighted sum put a gradient into a grad_tensors entry that requires grad (w.grad was [2, 4]; PyTorch: None)
    a = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    w = mt.tensor([3.0, 5.0], dtype=mt.float64, requires_grad=True)
    mt.autograd.backward([a * 2, (a * a).sum()], [w, None])
    assert a.grad.tolist() == [8.0, 14.0] and w.grad is None
    a.grad = None
    mt.autograd.backward([a * a], [w], create_graph=True)  # the gradient 2 a w depends on w
    assert a.grad.tolist() == [6.0, 20.0] and w.grad is None
    a.grad.sum().backward()
    assert w.grad.tolist() == [2.0, 4.0]


def test_autograd_backward_fills_only_the_inputs_given_and_records_with_create_graph():
    # torch.autograd.backward(tensors, grad_tensors, create_graph=True, inputs=[x]) was a TypeError
    x = mt.tensor([0.5, -1.0, 2.0], dtype=mt.float64, requires_grad=True)
    w = mt.tensor([1.0, 2.0, 3.0], dtype=mt.float64, requires_grad=True)
    v = mt.tensor([0.3, 1.0, -2.0], dtype=mt.float64)
    mt.autograd.backward([(x * w).sin(), (x * w).exp()], [v, 2 * v], create_graph=True, inputs=[x])
    assert w.grad is None and x.grad.requires_grad
    s, e = np.sin(x.detach().numpy() * w.detach().numpy()), np.exp(x.detach().numpy() * w.detach().numpy())
    c = np.cos(x.detach().numpy() * w.detach().numpy())
    np.testing.assert_allclose(x.grad.detach().numpy(), (c * v.numpy() + 2 * v.numpy() * e) * w.detach().numpy())
    (second,) = mt.autograd.grad(x.grad.sum(), x)
    np.testing.assert_allclose(second.numpy(), (-s * v.numpy() + 2 * v.numpy() * e) * w.detach().numpy() ** 2)
    before = x.grad
    mt.autograd.backward([(x * w).sum(), (x * x * w).sum()], inputs=[w])  # w's .grad only
    np.testing.assert_allclose(w.grad.numpy(), x.detach().numpy() + x.detach().numpy() ** 2)
    assert x.grad is before


def test_gradcheck_refuses_checks_it_does_not_make():
    # check_forward_ad=True and any misspelt option were taken silently: a pass claimed a check never made
    x = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    assert mt.autograd.gradcheck(lambda t: t**2, (x,), fast_mode=True, nondet_tol=0.0, check_forward_ad=False)
    with pytest.raises(NotImplementedError, match="check_forward_ad"):
        mt.autograd.gradcheck(lambda t: t**2, (x,), check_forward_ad=True)
    with pytest.raises(TypeError, match="atoll"):
        mt.autograd.gradcheck(lambda t: t**2, (x,), atoll=1e-3)


@pytest.mark.parametrize(
    ("module", "name", "pytorch"),
    [
        ("mytorch", "kaiser_window", "torch.kaiser_window"),
        ("mytorch.nn", "FractionalMaxPool2d", "torch.nn.FractionalMaxPool2d"),
        ("mytorch.nn.functional", "multi_head_attention_forward", "torch.nn.functional.multi_head_attention_forward"),
        ("mytorch.linalg", "ldl_factor", "torch.linalg.ldl_factor"),
        ("mytorch.optim", "Muon", "torch.optim.Muon"),
        ("mytorch.optim.lr_scheduler", "SWALR", "torch.optim.lr_scheduler.SWALR"),
        ("mytorch.utils.data", "IterDataPipe", "torch.utils.data.IterDataPipe"),
    ],
)
def test_a_missing_pytorch_name_says_mytorch_does_not_have_it(module, name, pytorch):
    import importlib

    from mytorch.arguments import NotInMyTorchError

    home = importlib.import_module(module)
    with pytest.raises(NotInMyTorchError, match=f"MyTorch does not have PyTorch's {pytorch} "):
        getattr(home, name)
    assert not hasattr(home, name) and getattr(home, name, 7) == 7  # still an AttributeError
    with pytest.raises(AttributeError) as private:  # Python's own probes get the plain error
        getattr(home, "__wrapped__")
    assert type(private.value) is AttributeError


def test_dtype_questions_finfo_and_view_as_another_dtype():
    assert mt.is_floating_point(mt.ones(2)) and not mt.is_floating_point(mt.arange(3)) and not mt.is_complex(mt.ones(1))
    eps = mt.finfo(mt.float32).eps
    assert type(eps) is float and eps == 2.0**-23 and mt.finfo(mt.float16).resolution == 0.001
    assert mt.finfo().max == float(np.finfo(np.float32).max) and mt.iinfo(mt.int64).max == 2**63 - 1
    x = mt.tensor([1.0, -2.0])
    bits = x.view(mt.int32)
    assert bits.dtype == mt.int32 and bits.tolist() == [1065353216, -1073741824]
    assert bits.view(mt.float32).tolist() == [1.0, -2.0] and mt.zeros(2, 4, dtype=mt.float64).view(mt.int8).shape == (
        2,
        32,
    )
    with pytest.raises(RuntimeError, match="cannot read"):
        mt.zeros(3, dtype=mt.int8).view(mt.int32)


def test_backward_with_inputs_fills_only_their_grad():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    w = mt.tensor([3.0, 4.0], requires_grad=True)
    h = x * w
    (h * x).sum().backward(inputs=[x], retain_graph=True)
    assert x.grad.tolist() == [6.0, 16.0] and w.grad is None  # d/dx of w x^2
    (h * x).sum().backward(inputs=[h, w])  # a non-leaf too, as PyTorch; x's .grad untouched
    assert h.grad.tolist() == [1.0, 2.0] and w.grad.tolist() == [1.0, 4.0] and x.grad.tolist() == [6.0, 16.0]
    y = x * 2.0
    y.backward(mt.ones(2), inputs=x)
    assert x.grad.tolist() == [8.0, 18.0]
    with pytest.raises(RuntimeError, match="inputs must be"):
        (x * 1.0).sum().backward(inputs=[])


def test_out_writes_into_the_given_tensor():
    out = mt.empty(2, 2, dtype=mt.float64)
    assert mt.add(mt.ones(2, 2, dtype=mt.float64), 1.0, out=out) is out and out.tolist() == [[2.0, 2.0], [2.0, 2.0]]
    grown = mt.empty(0)
    mt.cumsum(mt.tensor([1.0, 2.0, 3.0]), 0, out=grown)
    assert grown.tolist() == [1.0, 3.0, 6.0]  # resized, as PyTorch's
    mt.matmul(mt.eye(2), mt.tensor([[1.0, 2.0], [3.0, 4.0]]), out=out)
    assert out.tolist() == [[1.0, 2.0], [3.0, 4.0]] and out.dtype == mt.float64
    x = mt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        mt.mul(x, 2.0, out=mt.empty(2))
    with mt.no_grad():
        assert mt.mul(x, 2.0, out=mt.empty(2)).tolist() == [2.0, 2.0]


def test_backward_into_inputs_adds_once_in_place_and_in_the_grads_dtype():
    """backward(inputs=...) gives a retained non-leaf its gradient once (grad's retained .grad
    was added to again: twice the number), adds into a leaf's .grad in place (a reference to it
    the user holds follows, as in PyTorch) keeping its dtype, and a tensor given twice once."""
    a, b = mt.tensor([1.0, 2.0], requires_grad=True), mt.tensor([3.0, 4.0], requires_grad=True)
    h = a * b
    h.retain_grad()
    (h * a).sum().backward(inputs=[a, h])  # d/da (a^2 b) = 2ab, d/dh = a
    np.testing.assert_array_equal(h.grad.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(a.grad.numpy(), [6.0, 16.0])
    assert b.grad is None
    held = a.grad
    (a * a).sum().backward(inputs=[a, a])  # + 2a, once
    assert a.grad is held
    np.testing.assert_array_equal(held.numpy(), [8.0, 20.0])
    c = mt.tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    for _ in range(2):
        (c.double() ** 2).sum().backward(inputs=c)
    assert c.grad.dtype == mt.float32
    np.testing.assert_array_equal(c.grad.numpy(), [4.0, 8.0])


def test_out_refuses_a_dtype_that_would_truncate_the_result():
    """out= of an integer (or bool) tensor for a float result, or of a real one for a complex result,
    is refused, as PyTorch's canCast refuses it (1.5 + 2.0 was written as 3); a float result into a
    narrower float, or an integer one into a float, is written."""
    ints = mt.zeros(1, dtype=mt.int64)
    with pytest.raises(RuntimeError, match="can't be cast"):
        mt.add(mt.tensor([1.5]), mt.tensor([2.0]), out=ints)
    assert ints.tolist() == [0]
    with pytest.raises(RuntimeError, match="can't be cast"):
        mt.mul(mt.tensor([1, 2]), mt.tensor([3, 4]), out=mt.zeros(2, dtype=mt.bool))
    singles = mt.zeros(1, dtype=mt.float32)
    mt.add(mt.tensor([1.5]), mt.tensor([2.0]), out=singles)
    assert singles.tolist() == [3.5] and singles.dtype == mt.float32
    doubles = mt.zeros(2)
    mt.add(mt.tensor([1, 2]), mt.tensor([3, 4]), out=doubles)
    assert doubles.tolist() == [4.0, 6.0]


@pytest.mark.parametrize(
    "call",
    [
        lambda t: t.clip_(0.5, 2.5),
        lambda t: t.lerp_(t + 1, 0.5),
        lambda t: t.lerp_(t + 1, mt.tensor(0.5)),
        lambda t: t.addcdiv_(t, t + 1, value=0.5),
    ],
)
def test_an_in_place_method_refuses_a_float_result_into_an_integer_tensor(call):
    """clip_, lerp_ and addcdiv_ of an int64 tensor copied their float result in, truncated:
    [1, 2, 3].clip_(0.5, 2.5) gave [1, 2, 2] and lerp_ toward [2, 3, 4] by 0.5 gave [1, 2, 3]
    (PyTorch refuses both, as clamp_ and += 0.5 here already did)."""
    t = mt.tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match="result type float32 can't be cast to the desired output type int64"):
        call(t)
    assert t.tolist() == [1, 2, 3]
    floats = mt.tensor([1.0, 2.0, 3.0])
    assert call(floats) is floats and floats.dtype == mt.float32


def test_exponential_refuses_an_integer_tensor():
    """exponential_() of an int64 tensor truncated its draws (mostly to 0); PyTorch refuses, as
    uniform_ and normal_ here do."""
    with pytest.raises(TypeError, match="exponential_: fills floating-point tensors, this one is int64"):
        mt.tensor([1, 2, 3]).exponential_()
    assert mt.tensor([1.0, 2.0]).exponential_().dtype == mt.float32


def test_a_pytorch_tensor_name_mytorch_lacks_says_so_and_a_misspelt_one_stays_plain():
    from mytorch.arguments import NotInMyTorchError
    from mytorch.tensor_missing import MISSING

    t = mt.ones(2)
    with pytest.raises(NotInMyTorchError, match="MyTorch does not have PyTorch's Tensor.bitwise_and"):
        t.bitwise_and(t)
    assert not hasattr(t, "lcm") and getattr(t, "lcm", 5) == 5 and not hasattr(mt.Tensor, "lcm")
    assert "lcm" not in dir(t) and "view" in dir(t)
    with pytest.raises(AttributeError) as caught:
        t.veiw  # noqa: B018 - a typo: Python's own error
    assert type(caught.value) is AttributeError
    assert not {"view", "sum", "multiply", "is_cpu", "nbytes"} & MISSING


def test_every_public_pytorch_tensor_name_is_in_mytorch_or_refused_by_name():
    torch = pytest.importorskip("torch")
    from mytorch.arguments import NotInMyTorchError

    t = mt.ones(2)
    unexplained = []
    for name in dir(torch.Tensor):
        if name.startswith("_"):
            continue
        try:
            getattr(t, name)
        except NotInMyTorchError:
            pass
        except AttributeError:
            unexplained.append(name)
        except Exception:  # noqa: S110 - a property MyTorch has, refusing a 1-D tensor (t.mT)
            pass
    assert not unexplained, f"plain AttributeError for PyTorch's {unexplained}: add them to tensor_missing.MISSING"


def test_pytorchs_other_spellings_and_storage_questions_agree_with_pytorch():
    torch = pytest.importorskip("torch")
    a = np.array([[0.3, -1.2], [2.0, 0.5]], dtype=np.float32)
    pairs = [(torch.tensor(a), mt.tensor(a))]
    for tt, mm in pairs:
        for call in [
            lambda x: x.multiply(3),
            lambda x: x.divide(0.7, rounding_mode="floor"),
            lambda x: x.subtract(x * 2, alpha=3),
            lambda x: x.where(x > 0, -x),
            lambda x: x.histc(bins=4, min=-2, max=2),
            lambda x: x[0].ger(x[1]),
            lambda x: x.clone().multiply_(2).divide_(4).subtract_(1),
        ]:
            np.testing.assert_allclose(call(mm).numpy(), call(tt).numpy(), rtol=1e-6)
        assert (mm.is_cpu, mm.is_sparse, mm.is_quantized, mm.nbytes, mm.itemsize) == (
            tt.is_cpu,
            tt.is_sparse,
            tt.is_quantized,
            tt.nbytes,
            tt.itemsize,
        )
        assert mm.is_signed() and not mt.tensor([1], dtype=mt.uint8).is_signed()
        assert mm.data_ptr() == mm.numpy().ctypes.data and mm.pin_memory() is mm


@pytest.mark.parametrize(
    "call",
    ["sinh_()", "cumsum_(0)", "cumsum_(dim=1)", "gt_(0.4)", "logical_and_(x)", "clamp_min_(0.4)", "tril_()", "eq_(x)",
     "addmm_(x, x, beta=0.5)", "polygamma_(1)", "true_divide_(2)", "negative_()", "logit_()", "logical_not_()"],
)  # fmt: skip
def test_in_place_spellings_write_what_pytorch_writes(call):
    torch = pytest.importorskip("torch")
    a = np.array([[0.3, -1.2], [2.0, 0.5]], dtype=np.float32)
    results = []
    for lib in (torch, mt):
        t, x = lib.tensor(a.copy()), lib.tensor(a.copy())
        assert eval(f"t.{call}", {"t": t, "x": x}) is t  # noqa: S307 - the call's text, for the test id
        results.append(np.asarray(t.numpy(), dtype=np.float64))
    np.testing.assert_allclose(results[1], results[0], rtol=1e-6, equal_nan=True)


def test_small_top_level_names_of_modern_scripts():
    x = mt.tensor([1.0, 4.0])
    assert mt.divide(x, 2).tolist() == [0.5, 2.0] and mt.divide(x, 3, rounding_mode="floor").tolist() == [0.0, 1.0]
    assert mt.multiply(x, x).tolist() == [1.0, 16.0] and mt.subtract(x, 1, alpha=2).tolist() == [-1.0, 2.0]
    assert isinstance(x.dtype, mt.dtype) and not isinstance("float32", mt.dtype)
    assert mt.get_float32_matmul_precision() == "highest"
    mt.set_float32_matmul_precision("high")
    try:
        assert mt.get_float32_matmul_precision() == "high"
        with pytest.raises(RuntimeError, match="highest"):
            mt.set_float32_matmul_precision("fast")
    finally:
        mt.set_float32_matmul_precision("highest")
    with mt.autocast(device_type="cpu", dtype=mt.float16):
        assert (x @ x).dtype == mt.float32  # computed in the tensors' dtype

    @mt.autocast("cpu")
    def double(t):
        return t * 2

    assert double(x).tolist() == [2.0, 8.0]
    assert not mt.is_inference_mode_enabled()
    with mt.inference_mode():
        assert mt.is_inference_mode_enabled()
        with mt.inference_mode(False):
            assert not mt.is_inference_mode_enabled()
        assert mt.is_inference_mode_enabled() and not mt.is_grad_enabled()
    assert not mt.is_inference_mode_enabled()
    image = mt.ones(1, 2, 3, 3)
    assert image.contiguous(memory_format=mt.channels_last) is image


def test_testing_assert_close_vmap_checkpoint_and_nn_utils_names():
    from mytorch.utils.checkpoint import checkpoint, checkpoint_sequential

    from mytorch.arguments import NotInMyTorchError

    x = mt.tensor([1.0, 2.0])
    mt.testing.assert_close(x, mt.tensor([1.0, 2.000001]))  # float32: rtol 1.3e-6, atol 1e-5
    mt.testing.assert_close({"a": [x]}, {"a": [x.clone()]})
    for other, fragment in [
        (mt.tensor([1.0, 2.001]), "1 of 2 elements are not close"),
        (mt.tensor([1.0, 2.0], dtype=mt.float64), "dtypes differ"),
        (mt.tensor([1.0]), "shapes differ"),
    ]:
        with pytest.raises(AssertionError, match=fragment):
            mt.testing.assert_close(x, other)
    mt.testing.assert_close(mt.tensor([1, 2]), mt.tensor([1, 2]))
    with pytest.raises(AssertionError):
        mt.testing.assert_close(mt.tensor([1, 2]), mt.tensor([1, 3]))
    assert mt.vmap(lambda row: row.sum())(mt.ones(3, 2)).tolist() == [2.0, 2.0, 2.0]
    model = mt.nn.Sequential(mt.nn.Linear(2, 3), mt.nn.Tanh(), mt.nn.Linear(3, 1))
    a = mt.tensor([[0.5, -1.0]], requires_grad=True)
    checkpoint(model, a, use_reentrant=False).sum().backward()
    through_checkpoint = a.grad.clone()
    a.grad = None
    model(a).sum().backward()
    assert a.grad.tolist() == through_checkpoint.tolist()
    assert checkpoint_sequential(model, 2, a).tolist() == model(a).tolist()
    block = mt.nn.Linear(2, 2)
    twice = mt.nn.Sequential(block, block)  # one child (as PyTorch's), run twice
    assert checkpoint_sequential(twice, 1, a).tolist() == twice(a).tolist() == block(block(a)).tolist()
    assert mt.utils.checkpoint.checkpoint is checkpoint
    with pytest.raises(NotInMyTorchError, match="torch.nn.utils.fusion"):
        mt.nn.utils.fusion  # noqa: B018


def test_div_and_divide_in_place_take_a_rounding_mode():
    """``t.div_(2, rounding_mode="floor")`` (PyTorch's) was a TypeError, and so was ``divide_``'s."""
    for method in ("div_", "divide_"):
        for dtype, mode, expected in [
            (mt.float64, "floor", [3.0, -4.0]),
            (mt.float64, "trunc", [3.0, -3.0]),
            (mt.int64, "floor", [3, -4]),
            (mt.int64, "trunc", [3, -3]),
            (mt.float64, None, [3.5, -3.5]),
        ]:
            t = mt.tensor([7, -7], dtype=dtype)
            assert getattr(t, method)(2, rounding_mode=mode) is t
            assert t.tolist() == expected and t.dtype == dtype
    x = mt.tensor([7.0, -7.0], dtype=mt.float64, requires_grad=True)
    y = x * 1.0
    y.div_(2, rounding_mode="floor")
    (y * x).sum().backward()  # the rounded quotient's gradient is 0, as PyTorch's
    assert x.grad.tolist() == [3.0, -4.0]

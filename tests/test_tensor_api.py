"""The PyTorch-named Tensor API without PyTorch: factories and their dtypes, the seed,
conversions, argument spellings (dim/axis, keepdim/keepdims) and the errors for bad input.
Values and gradients against PyTorch itself are in tests/test_torch_crosscheck.py."""

import math
import operator
import re
import warnings

import numpy as np
import pytest

import mytorch as mt
from mytorch import Tensor
from mytorch.gradcheck import numerical_vjp


# --------------------------------------------------------------------------- factories and dtypes
@pytest.mark.parametrize(
    ("data", "dtype"),
    [
        ([1.0, 2.0], np.float32),
        (1.5, np.float32),
        ([1, 2], np.int64),
        (3, np.int64),
        ([True, False], np.bool_),
        ([1, 2.5], np.float32),
        (np.zeros(2), np.float64),
        (np.zeros(2, np.float32), np.float32),
        (np.float64(1.0), np.float64),
        (np.arange(3, dtype=np.int32), np.int32),
        ([np.float64(0.1), 2.0], np.float64),  # NumPy values and tensors in a list keep their dtype
        ([np.zeros(2), np.ones(2)], np.float64),
        ([[np.float32(1.0)], [2]], np.float32),
        ([np.int32(1), 2], np.int64),
        ([np.float16(1.0), 2], np.float16),
        ([np.float16(1.0), 2.5], np.float32),
        ([np.uint8(1), True], np.uint8),
    ],
)
def test_tensor_gives_pytorchs_dtypes(data, dtype):
    """Python floats become float32 (the default), ints int64; arrays keep their dtype, also
    inside lists (promoted with the Python numbers as PyTorch does)."""
    assert mt.tensor(data).dtype == dtype


def test_tensor_copies_and_detaches():
    a = np.zeros(3)
    t = mt.tensor(a)
    a[0] = 5.0
    assert t.tolist() == [0.0, 0.0, 0.0]
    leaf = mt.tensor([1.0], requires_grad=True)
    copy = mt.tensor(leaf * 2)
    assert not copy.requires_grad and copy.is_leaf and copy.tolist() == [2.0]


def test_from_numpy_shares_memory_and_as_tensor_avoids_copies():
    a = np.zeros(3)
    t = mt.from_numpy(a)
    a[1] = 7.0
    assert t.tolist() == [0.0, 7.0, 0.0] and t.dtype == mt.float64
    assert mt.as_tensor(a).numpy() is a and mt.as_tensor(t) is t
    assert mt.as_tensor(a, dtype=mt.float32).dtype == mt.float32


def test_default_dtype_can_be_float64():
    try:
        mt.set_default_dtype(mt.float64)
        assert mt.tensor([1.0]).dtype == mt.float64 and mt.zeros(2).dtype == mt.float64
        assert mt.randn(2).dtype == mt.float64
    finally:
        mt.set_default_dtype(mt.float32)
    assert mt.get_default_dtype() == mt.float32
    with pytest.raises(TypeError, match="float32 and float64"):
        mt.set_default_dtype(mt.int64)


def test_dtype_names_are_numpys():
    assert mt.float32 is np.dtype("float32") and mt.float is mt.float32 and mt.double is mt.float64
    assert mt.long is mt.int64 and mt.bool == np.bool_ and mt.half == np.float16


def test_filled_factories():
    assert mt.zeros(2, 3).shape == (2, 3) and mt.zeros((2, 3)).shape == (2, 3) and mt.zeros([4]).shape == (4,)
    assert mt.ones(2).tolist() == [1.0, 1.0] and mt.ones(2).dtype == mt.float32
    assert mt.zeros(2, dtype=mt.int64).dtype == mt.int64
    assert mt.empty(3, 1).shape == (3, 1)
    assert mt.full((2,), 7).dtype == mt.int64 and mt.full((2,), 0.5).tolist() == [0.5, 0.5]
    assert mt.full((2,), np.float64(0.5)).dtype == mt.float32  # a NumPy number as a Python one (was float64)
    like = mt.tensor(np.ones((2, 2), np.float64))
    assert mt.zeros_like(like).dtype == mt.float64 and mt.ones_like(like).tolist() == [[1, 1], [1, 1]]
    assert mt.full_like(like, 3.0).tolist() == [[3, 3], [3, 3]]
    assert mt.eye(2, 3).tolist() == [[1, 0, 0], [0, 1, 0]]
    w = mt.zeros(3, requires_grad=True)
    assert w.requires_grad and w.is_leaf


def test_ranges():
    assert mt.arange(4).tolist() == [0, 1, 2, 3] and mt.arange(4).dtype == mt.int64
    assert mt.arange(1, 7, 2).tolist() == [1, 3, 5]
    assert mt.arange(0, 1, 0.25).dtype == mt.float32 and mt.arange(0, 1, 0.25).numel() == 4
    assert mt.linspace(0, 1, 5).tolist() == [0, 0.25, 0.5, 0.75, 1.0]
    with pytest.raises(ValueError, match="step"):
        mt.arange(0, 3, 0)


def test_arange_of_0d_tensors_takes_their_numbers_and_dtype_kind():
    """arange(n) for a 0-d integer tensor n (a count: mask.sum(), len as a tensor) was float32, as if
    n were a float: indices made of it were floats. PyTorch: int64, and a Tensor of more
    dimensions is refused."""
    n = mt.tensor([True, False, True, True]).sum()
    assert mt.arange(n).dtype == mt.int64 and mt.arange(n).tolist() == [0, 1, 2]
    assert mt.arange(1, mt.tensor(7), mt.tensor(2)).tolist() == [1, 3, 5]
    assert mt.arange(1, mt.tensor(7), mt.tensor(2)).dtype == mt.int64
    assert mt.arange(np.array(3)).dtype == mt.int64
    assert mt.arange(mt.tensor(2.0)).dtype == mt.float32 and mt.arange(mt.tensor(2.0)).tolist() == [0.0, 1.0]
    with pytest.raises(TypeError, match=r"arange: end must be a number or a 0-d tensor, got a Tensor of shape \(2,\)"):
        mt.arange(mt.tensor([3, 4]))


def test_device_cuda_and_backends_for_scripts_that_ask():
    """``device = torch.device("cuda" if torch.cuda.is_available() else "cpu")`` and the
    reproducibility switches run; tensors and modules are on the CPU and stay there."""
    import mytorch.backends.cudnn as cudnn

    mt.backends.cudnn.deterministic = True
    assert cudnn.deterministic and not mt.backends.cudnn.is_available() and not mt.backends.mps.is_available()
    assert not mt.cuda.is_available() and mt.cuda.device_count() == 0 and mt.cuda.manual_seed_all(0) is None
    device = mt.device("cuda" if mt.cuda.is_available() else "cpu")
    assert device == mt.device(device) == mt.device("cpu") and str(device) == "cpu"
    assert repr(device) == "device(type='cpu')"
    assert repr(mt.device("cuda", 1)) == "device(type='cuda', index=1)" and str(mt.device("cuda:1")) == "cuda:1"
    x = mt.randn(3).to(device)
    assert x.device == device and not x.is_cuda and mt.zeros(2, device=x.device).device == device
    assert x.type_as(mt.zeros(1, dtype=mt.float64)).dtype == np.float64
    model = mt.nn.Linear(2, 2)
    assert model.to(device).cpu() is model
    with pytest.raises(ValueError, match="only device is 'cpu'"):
        x.to(mt.device("cuda"))
    with pytest.raises(RuntimeError, match="device type at start of device string: gpu"):
        mt.device("gpu")
    with pytest.raises(RuntimeError, match="index was passed explicitly"):
        mt.device("cuda:0", 1)


def test_repeat_contiguous_random_fills_new_tensors_and_typed_constructors():
    x = mt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    y = x.repeat(2, 2)
    np.testing.assert_array_equal(y.detach().numpy(), np.tile(x.detach().numpy(), (2, 2)))
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 4.0))  # each element in 4 tiles
    assert x.repeat(3, 1, 1).shape == (3, 2, 3) and mt.tile(x, (2,)).shape == (2, 6)
    with pytest.raises(RuntimeError, match="at least one per axis"):
        x.repeat(2)
    assert not x.t().is_contiguous() and x.t().contiguous().is_contiguous() and x.contiguous() is x
    mt.manual_seed(3)
    first = mt.empty(1000).uniform_(-2, 3)
    mt.manual_seed(3)
    assert mt.empty(1000).uniform_(-2, 3).tolist() == first.tolist() and -2 <= first.min().item() < 3
    normal = mt.empty(4000, dtype=mt.float64).normal_(mean=1.0, std=0.5, generator=mt.Generator().manual_seed(0))
    assert normal.dtype == np.float64 and abs(normal.mean().item() - 1.0) < 0.05
    assert abs(normal.std().item() - 0.5) < 0.05
    with pytest.raises(RuntimeError, match="leaf"):
        mt.zeros(2, requires_grad=True).normal_()
    with mt.no_grad():
        mt.zeros(2, requires_grad=True).uniform_()
    d = mt.ones(2, dtype=mt.float64)
    assert d.new_zeros(3).dtype == d.new_tensor([1, 2]).dtype == d.new_ones(2, 2).dtype == np.float64
    assert mt.ones(2).new_full((2,), 3).tolist() == [3.0, 3.0] and d.new_empty(1).shape == (1,)
    assert mt.FloatTensor([1, 2]).dtype == np.float32 and mt.LongTensor([1.7, -2.5]).tolist() == [1, -2]
    assert mt.FloatTensor(2, 3).shape == (2, 3) and mt.FloatTensor().shape == (0,)
    assert isinstance(mt.ones(2), mt.FloatTensor) and not isinstance(mt.ones(2), mt.LongTensor)
    assert mt.Size([2, 3]) == mt.ones(2, 3).shape and mt.Size([2, 3]).numel() == 6
    assert mt.finfo(mt.float32).eps == np.finfo(np.float32).eps == mt.finfo().eps
    assert mt.iinfo(mt.int64).max == 2**63 - 1
    assert mt.ones(2).type(mt.LongTensor).dtype == np.int64  # (np.dtype reads the class's dtype)
    assert f"{mt.tensor(0.123456, requires_grad=True) * 2:.4f}" == "0.2469" and f"{mt.tensor(3):>3}" == "  3"
    with pytest.raises(TypeError, match="unsupported format string"):
        f"{mt.ones(2):.2f}"
    v = mt.autograd.Variable(x, requires_grad=True)
    assert v.requires_grad and v.is_leaf and v is not x and np.shares_memory(v.numpy(), x.numpy())


def test_manual_seed_makes_random_factories_reproducible():
    def draw():
        return [mt.rand(2, 3).numpy(), mt.randn(4).numpy(), mt.randint(0, 10, (5,)).numpy(), mt.randperm(6).numpy()]

    mt.manual_seed(123)
    first = draw()
    generator = mt.default_generator
    mt.manual_seed(123)
    second = draw()
    assert mt.default_generator is generator and mt.initial_seed() == 123
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert sorted(second[3].tolist()) == list(range(6)) and second[3].dtype == np.int64
    assert ((second[2] >= 0) & (second[2] < 10)).all()
    assert first[0].dtype == np.float32 and mt.randn(2, dtype=mt.float64).dtype == mt.float64
    assert mt.randint(3, (2, 2)).shape == (2, 2)
    own = np.random.default_rng(0)
    assert mt.rand(2, generator=own).tolist() == np.random.default_rng(0).random(2, dtype=np.float32).tolist()


@pytest.mark.parametrize(
    ("call", "error", "words"),
    [
        (lambda: mt.tensor([1, 2], requires_grad=True), TypeError, "floating-point"),
        (lambda: mt.tensor(["a"]), TypeError, "must be numbers"),
        (lambda: mt.zeros(2, device="cuda"), ValueError, "only device is 'cpu'"),
        (lambda: mt.zeros(2, dtype="nonsense"), TypeError, "not a dtype"),
        (lambda: mt.randint(5), TypeError, "randint(high, size)"),
        (lambda: mt.randint(5, 2, (3,)), ValueError, "greater than low"),
        (lambda: mt.from_numpy([1.0]), TypeError, "numpy.ndarray"),
    ],
)
def test_factories_reject_bad_input(call, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        call()


def test_mytorch_tensor_is_the_module_and_the_factory():
    from mytorch.tensor import Tensor as FromModule

    assert FromModule is Tensor and mt.tensor.Tensor is Tensor
    assert isinstance(mt.tensor([1.0]), Tensor)


# --------------------------------------------------------------------------- conversions
def test_conversions_keep_the_graph_between_floats():
    x = mt.tensor([1.5, -2.0], requires_grad=True)
    y = x.double()
    assert y.dtype == mt.float64 and y.requires_grad
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad, [3.0, -4.0])
    assert x.float() is x and x.to(mt.float32) is x and x.to("cpu") is x and x.cpu() is x


def test_integer_conversions_leave_the_graph():
    x = mt.tensor([1.7, -2.2], requires_grad=True)
    i = x.long()
    assert i.dtype == mt.int64 and not i.requires_grad and i.tolist() == [1, -2]
    assert x.int().dtype == mt.int32 and x.bool().tolist() == [True, True]
    assert (x > 0).float().tolist() == [1.0, 0.0]


def test_to_and_type_spellings():
    x = mt.tensor([1.0])
    other = mt.zeros(1, dtype=mt.float64)
    assert x.to(other).dtype == mt.float64 and x.to("cpu", mt.float64).dtype == mt.float64
    assert x.to(dtype=mt.float16).dtype == mt.float16 and x.to("float64").dtype == mt.float64
    assert x.type() == "torch.FloatTensor" and x.type(mt.int64).type() == "torch.LongTensor"
    with pytest.raises(ValueError, match="cpu"):
        x.to("cuda")


def test_clone_copies_and_passes_the_gradient():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert c.numpy() is not x.numpy() and not np.shares_memory(c.numpy(), x.numpy())
    (c * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_detach_item_tolist_numpy():
    x = mt.tensor([[2.5]], requires_grad=True)
    assert x.item() == 2.5 and x.tolist() == [[2.5]] and x.numpy() is x.numpy()
    d = (x * 2).detach()
    assert not d.requires_grad and d.is_leaf


def test_a_0d_integer_tensor_is_an_index_as_in_pytorch():
    """``names[t.argmax()]``, ``range(n)``, ``names[np.argmax(t)]`` (a 0-d Tensor since 58389ba): a
    TypeError ('list indices must be integers') before. A float tensor, or one of more dimensions,
    is refused: NumPy would take a (1,) tensor as one integer, not as an array of indices."""
    t = mt.tensor([1.5, 2.0, -0.5])
    names = ["a", "b", "c"]
    assert names[t.argmax()] == names[np.argmax(t)] == "b" and names[mt.tensor(True)] == "b"
    assert list(range(mt.tensor(3))) == [0, 1, 2] and names[mt.tensor(1, dtype=mt.uint8) :] == ["b", "c"]
    assert np.arange(10)[mt.tensor([3])].shape == (1,) and mt.zeros(mt.tensor(2)).shape == (2,)
    for bad, what in (
        (mt.tensor(1.0), r"float32 tensor of shape \(\)"),
        (mt.tensor([1]), r"int64 tensor of shape \(1,\)"),
    ):
        with pytest.raises(TypeError, match="only 0-d integer tensors can be used as an index, got a " + what):
            names[bad]


def test_sizes():
    x = mt.zeros(2, 3, 4)
    assert x.size() == (2, 3, 4) and x.size(1) == 3 and x.size(-1) == 4 and x.shape == (2, 3, 4)
    assert x.dim() == 3 and x.numel() == 24 and mt.numel(x) == 24 and x.is_floating_point()


# --------------------------------------------------------------------------- argument spellings
def test_dim_and_axis_spellings_agree(rng):
    x = mt.tensor(rng.standard_normal((2, 3, 4)))
    for name in ["sum", "mean", "amax", "amin", "var", "std", "norm"]:
        a = getattr(x, name)(dim=1, keepdim=True)
        b = getattr(x, name)(axis=1, keepdims=True)
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=name)
        assert a.shape == (2, 1, 4), name
    assert x.sum(1).shape == (2, 4) and x.sum((0, 2)).shape == (3,) and x.sum([0, 2]).shape == (3,)
    with pytest.raises(TypeError, match="dim or axis"):
        x.sum(dim=0, axis=1)
    with pytest.raises(TypeError, match="keepdim or keepdims"):
        x.sum(0, keepdim=True, keepdims=True)


def test_max_and_min_with_dim_give_values_and_indices():
    x = mt.tensor([[1.0, 5.0, 5.0], [4.0, 2.0, 0.0]], requires_grad=True)
    values, indices = x.max(dim=1)
    assert values.tolist() == [5.0, 4.0] and indices.tolist() == [1, 0] and indices.dtype == mt.int64
    values.sum().backward()
    assert x.grad.tolist() == [[0, 1, 0], [1, 0, 0]]  # the tie: the gradient goes to the index returned
    low = mt.min(x, 0, keepdim=True)
    assert low.values.shape == (1, 3) and low.indices.tolist() == [[0, 1, 1]]
    assert x.max().item() == 5.0 and mt.max(x, mt.zeros(2, 3)).shape == (2, 3)
    assert x.argmax().item() == 1 and x.argmax(dim=0).tolist() == [1, 0, 0]
    assert x.argmin(1, keepdim=True).tolist() == [[0], [2]]


def test_max_and_min_of_everything_send_the_gradient_to_the_nans_as_pytorch():
    """x.max() / x.min() of a tensor holding NaN is NaN, and PyTorch shares the gradient among the
    NaNs (MyTorch gave NaN everywhere, with a divide warning); amax keeps NaN everywhere in both."""
    for reduce in (mt.Tensor.max, mt.Tensor.min):
        x = mt.tensor([[1.0, float("nan"), 3.0, float("nan")], [0.0, 2.0, 2.0, 1.0]], requires_grad=True)
        y = reduce(x)
        y.backward()
        assert np.isnan(y.item()) and x.grad.tolist() == [[0, 0.5, 0, 0.5], [0, 0, 0, 0]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (g,) = mt.grad(x.amax(), x)
    assert np.isnan(g.numpy()).all()


def test_where_needs_a_bool_condition_and_finds_indices():
    x = mt.tensor([1.0, -2.0, 3.0])
    assert mt.where(x > 0, x, 0.0).tolist() == [1.0, 0.0, 3.0]
    # two numbers: the dtype tensor([a, b]) has, as PyTorch's (2.5, 0.5 gave float64)
    for a, b, dtype in ((2.5, 0.5, np.float32), (2, 0.5, np.float32), (2, 3, np.int64), (True, False, np.bool_)):
        assert mt.where(x > 0, a, b).dtype == dtype
    (idx,) = mt.where(x > 0)
    assert idx.tolist() == [0, 2]
    with pytest.raises(TypeError, match="bool"):
        mt.where(x, x, x)


def test_shape_errors_name_the_op():
    x = mt.zeros(2, 3)
    with pytest.raises(IndexError, match="unsqueeze: dimension 3"):
        x.unsqueeze(3)
    with pytest.raises(ValueError, match="permute"):
        x.permute(0, 0)
    with pytest.raises(ValueError, match="expand: cannot expand shape"):
        x.expand(4, 3)
    with pytest.raises(ValueError, match="split: sections"):
        x.split([1, 1], dim=1)
    with pytest.raises(ValueError, match="mm: input must have 2 axes"):
        mt.mm(mt.zeros(3), x)
    with pytest.raises(ValueError, match="stack: the tensors must have one shape"):
        mt.stack([x, mt.zeros(3)])
    with pytest.raises(ValueError, match="clamp: give min, max or both"):
        x.clamp()


def test_split_chunk_unbind_pieces():
    x = mt.arange(10.0)
    assert [p.numel() for p in x.split(4)] == [4, 4, 2]
    assert [p.numel() for p in x.split([3, 7])] == [3, 7]
    assert [p.numel() for p in mt.chunk(x, 3)] == [4, 4, 2]
    assert [p.numel() for p in mt.chunk(mt.arange(6.0), 4)] == [2, 2, 2]  # fewer pieces, as in PyTorch
    assert [p.tolist() for p in mt.tensor([[1, 2], [3, 4]]).unbind(1)] == [[1, 3], [2, 4]]


def test_grads_of_composed_ops_match_finite_differences(rng):
    """A chain of the new methods, its gradient against central differences."""
    a = rng.standard_normal((2, 3, 4))

    def f(t):
        u = t.permute(2, 0, 1).flatten(1).unsqueeze(0).squeeze(0)  # (4, 6)
        v = mt.cat(u.chunk(2, dim=1), dim=0).transpose(0, 1)  # (3, 8)
        return (v.norm(dim=0) * v.std(dim=0) + v.prod(dim=0) + v.cumsum(1).var(1).sum()).clamp(-5, 5).sum()

    leaf = Tensor(a, requires_grad=True)
    f(leaf).backward()
    numeric = numerical_vjp(lambda: f(Tensor(a)).numpy(), a, np.ones(()), 1e-6)
    np.testing.assert_allclose(leaf.grad, numeric, rtol=1e-5, atol=1e-7)


def test_var_of_one_element_is_nan_with_a_nan_gradient_as_in_pytorch():
    # n - correction = 0: PyTorch divides by zero (NaN), it does not raise
    x = mt.tensor([3.0], requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        y = x.var()
        y.backward()
    assert np.isnan(y.item()) and np.isnan(x.grad.item())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_std_of_a_constant_row_has_a_zero_gradient_not_nan(dtype):
    """PyTorch's std gradient, (x - mean) / ((n - 1) std), is 0 where std is 0 (a constant row
    in a normalisation), not sqrt's infinite slope times 0; the other rows are unchanged."""
    a = np.array([[1.0, 2.0, 4.0], [3.0, 3.0, 3.0]], dtype=dtype)
    x = mt.tensor(a, requires_grad=True)
    s = x.std(dim=1)
    s.sum().backward()
    expected = (a - a.mean(1, keepdims=True)) / (2 * np.std(a, axis=1, ddof=1, keepdims=True).clip(1e-30))
    assert s.dtype == dtype and x.grad.dtype == dtype
    np.testing.assert_allclose(s.numpy(), np.std(a, axis=1, ddof=1), rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6, atol=0)
    assert x.grad.numpy()[1].tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "var", "std", "norm"])
def test_an_empty_dim_reduces_every_axis_and_an_empty_numpy_axis_none(name):
    """PyTorch's x.sum(dim=()) (or dim=[]) reduces every axis; NumPy's axis=() reduces none,
    and NumPy's functions on a Tensor (np.sum(t, axis=())) keep NumPy's meaning."""
    a = np.array([[1.0, -2.0, 4.0], [3.0, 0.5, -1.0]])
    x = mt.tensor(a)
    whole = getattr(x, name)()
    assert getattr(x, name)(dim=()).shape == getattr(x, name)(dim=[]).shape == ()
    np.testing.assert_allclose(getattr(x, name)(dim=()).item(), whole.item())
    if name != "norm":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # var of one element per slice: NaN
            assert getattr(x, name)(axis=()).shape == (2, 3)
    assert np.sum(x, axis=()).shape == np.add.reduce(x, axis=()).shape == np.max(x, axis=()).shape == (2, 3)


def test_an_infinite_gradient_stays_where_clamp_max_and_maximum_send_it():
    """d/dx sqrt(clamp(x, min=0)) is 0 where x < 0, not inf * 0 = NaN (PyTorch's rules select
    the gradient, they do not multiply it by a 0/1 mask); the same for maximum, minimum and
    the max/min reductions. (relu still multiplies: see docs/tensor.md.)"""
    x = mt.tensor([-1.0, 0.0, 2.0, -0.5], requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        (x.clamp(min=0.0).sqrt() + mt.maximum(x, mt.zeros(4)).sqrt()).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, np.inf, 1 / np.sqrt(2.0), 0.0], rtol=1e-6)
    m = mt.tensor([[1.0, 3.0, 2.0], [0.0, 0.0, 5.0]], requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        ((m.amax(dim=1) - mt.tensor([3.0, 4.0])).sqrt().sum() + (m.max() - 5.0).sqrt()).backward()
    np.testing.assert_array_equal(m.grad.numpy(), [[0.0, np.inf, 0.0], [0.0, 0.0, np.inf]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_learnable_exponent_takes_any_base(dtype):
    """x ** p with p requiring a gradient: the power's value for any x ((-2) ** 3 = -8, not the
    NaN of exp(3 log -2)); d/dx = p x^(p-1) everywhere, d/dp = x^p log x where x > 0, 0 at x = 0
    (for p >= 0) and NaN below, as PyTorch's (it was 0 there: a number where none exists)."""
    x = mt.tensor(np.array([-2.0, 0.0, 0.0, 2.0], dtype=dtype), requires_grad=True)
    p = mt.tensor(np.array([3.0, 2.0, 0.0, 0.5], dtype=dtype), requires_grad=True)
    y = x**p
    y.sum().backward()
    assert y.dtype == x.grad.dtype == p.grad.dtype == dtype
    np.testing.assert_allclose(y.numpy(), [-8.0, 0.0, 1.0, np.sqrt(2.0)], rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), [12.0, 0.0, 0.0, 0.5 / np.sqrt(2.0)], rtol=1e-6)
    np.testing.assert_allclose(p.grad.numpy(), [np.nan, 0.0, 0.0, np.sqrt(2.0) * np.log(2.0)], rtol=1e-6)


def test_clamp_with_tensor_bounds_gives_a_tie_to_x():
    """At x == min (or max) the whole gradient goes to x, as PyTorch's clamp gives it (not
    half and half, as maximum/minimum split a tie); a bound gets it where it is the result."""
    x = mt.tensor([-1.0, 0.0, 0.5, 1.0, 2.0], requires_grad=True)
    lo = mt.tensor([0.0] * 5, requires_grad=True)
    hi = mt.tensor([1.0] * 5, requires_grad=True)
    y = x.clamp(lo, hi)
    y.sum().backward()
    assert y.tolist() == [0.0, 0.0, 0.5, 1.0, 1.0]
    assert x.grad.tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]
    assert lo.grad.tolist() == [1.0, 0.0, 0.0, 0.0, 0.0]
    assert hi.grad.tolist() == [0.0, 0.0, 0.0, 0.0, 1.0]
    crossed = mt.tensor([-1.0, 0.5, 2.0], requires_grad=True).clamp(mt.tensor([1.0] * 3), mt.tensor([0.0] * 3))
    assert crossed.tolist() == [0.0, 0.0, 0.0]  # min > max: max wins, as in PyTorch


@pytest.mark.parametrize("dtype", [np.uint8, np.int32, np.bool_, np.int64])
def test_sums_and_products_of_integers_are_int64_as_in_pytorch(dtype):
    # NumPy adds uint8 up in uint64, where s - 50 wrapped around to 18446744073709551595.
    t = mt.tensor(np.array([4, 9, 16]).astype(dtype))
    for value in (t.sum(), t.sum(0, keepdim=True), mt.sum(t), t.prod(), t.cumsum(0)):
        assert value.dtype == np.int64
    expected = np.array([4, 9, 16]).astype(dtype).astype(np.int64).sum() - 50
    assert (t.sum() - 50).item() == expected < 0
    assert t.sum(dtype=mt.float32).dtype == np.float32


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "bool"])
def test_sums_and_products_given_an_integer_dtype_are_of_that_dtype(dtype):
    """sum / prod / nansum / cumsum / cumprod(dtype=...) of a narrower integer or bool came back
    int64 (uint8: uint64): NumPy adds them up in 64 bits. PyTorch's result is of the dtype asked,
    wrapping around where the number does not fit (uint8: 200 + 100 is 44) and bool where it asks
    bool (PyTorch 2.13's values, cumsum / cumprod to bool being MyTorch's own)."""
    asked = getattr(mt, dtype)
    t = mt.tensor([[200.0, 100.0, 3.0]])
    as_numpy = np.array([[200, 100, 3]]).astype(np.dtype(asked))  # the cast alone wraps (int8: -56)
    results = [t.sum(dtype=asked), t.sum(1, dtype=asked), mt.nansum(t, dtype=asked), t.prod(dtype=asked)]
    results += [t.prod(1, keepdim=True, dtype=asked), t.cumsum(1, dtype=asked), t.cumprod(1, dtype=asked)]
    for result in results:
        assert result.dtype == np.dtype(asked)
    wide = as_numpy.astype(np.int64)
    for result, expected in zip(
        results, [wide.sum(), wide.sum(1), wide.sum(), wide.prod(), wide.prod(1, keepdims=True)]
    ):
        assert result.tolist() == np.asarray(expected).astype(np.dtype(asked)).tolist()
    assert results[5].tolist() == np.cumsum(wide, 1).astype(np.dtype(asked)).tolist()
    if dtype == "uint8":
        assert results[0].item() == 303 % 256 == 47
    torch = pytest.importorskip("torch")
    tt = torch.tensor([[200.0, 100.0, 3.0]])
    tasked = getattr(torch, dtype)
    assert results[0].tolist() == tt.sum(dtype=tasked).tolist()
    assert results[3].tolist() == tt.prod(dtype=tasked).tolist()
    if dtype != "bool":  # (PyTorch has no cumsum to bool)
        assert results[5].tolist() == tt.cumsum(1, dtype=tasked).tolist()


@pytest.mark.parametrize("narrow, wide", [("float16", "float32"), ("float16", "float64"), ("float32", "float64")])
def test_comparing_floats_with_a_0d_tensor_of_another_width_is_done_in_the_dimensioned_ones_dtype(narrow, wide):
    """x16 == tensor(0.1) was False on NumPy 2 (0.1 compared in float32) and True on NumPy 1.26
    (value-based casting), where x16 - tensor(0.1) is 0 and x16 == 0.1 True on both; PyTorch
    compares in the dimensioned tensor's dtype, as its promotion computes."""
    x = mt.tensor([0.1, 0.2, 3.0], dtype=getattr(mt, narrow))
    s = mt.tensor(0.1, dtype=getattr(mt, wide))
    assert (x - s).tolist()[0] == 0.0
    expected = {"==": [True, False, False], "<": [False, False, False], ">=": [True, True, True]}
    for got in (x == s, s == x, mt.eq(x, s)):
        assert got.tolist() == expected["=="]
    assert (x < s).tolist() == (s > x).tolist() == expected["<"]
    assert (x >= s).tolist() == (s <= x).tolist() == expected[">="]
    wide_row = mt.tensor([0.1, 0.2], dtype=getattr(mt, wide))  # two dimensioned tensors: the wider dtype
    assert (mt.tensor([0.1, 0.2], dtype=getattr(mt, narrow)) == wide_row).tolist() == [False, False]
    torch = pytest.importorskip("torch")
    tx, ts = torch.tensor(x.tolist(), dtype=getattr(torch, narrow)), torch.tensor(0.1, dtype=getattr(torch, wide))
    assert (tx == ts).tolist() == expected["=="] and (ts > tx).tolist() == expected["<"]


def test_clamp_of_a_bool_tensor_follows_pytorchs_dtypes():
    # Between integer bounds a bool tensor clamps to int64, with a float bound to the default
    # float dtype; NumPy's clip gave float64 for both.
    b = mt.tensor([True, False])
    assert b.clamp(0, 2).dtype == np.int64 and b.clamp(0, 2).tolist() == [1, 0]
    assert b.clamp(0.5).dtype == np.float32 and b.clamp(0.5).tolist() == [1.0, 0.5]


def test_integer_clamp_keeps_the_dtype_with_bounds_beyond_its_range_on_numpy_1_too():
    """A bound past the dtype's range changes nothing on its own side and is refused on the other.
    NumPy 1.26's value-based casting gave clamp(uint8, min=-3) int16, a 0-d int32's clamp(1, 3)
    int64, and uint8.clamp_(min=300) wrote 300 modulo 256 = 44."""
    u = mt.tensor([1, 2, 250], dtype=mt.uint8)
    for same in (u.clamp(min=-3), u.clamp(-300, 400), u.clone().clamp_(min=-3), u.clone().clamp_(max=300)):
        assert same.dtype == np.uint8 and same.tolist() == [1, 2, 250]
    assert u.clamp(2, 300).tolist() == [2, 2, 250] and mt.tensor(5, dtype=mt.int32).clamp(1, 3).dtype == np.int32
    for bounds in ({"min": 300}, {"max": -3}, {"min": -3, "max": -3}):
        with pytest.raises(OverflowError, match="out of range for a uint8 tensor"):
            u.clone().clamp_(**bounds)
        with pytest.raises(OverflowError, match="out of range for a uint8 tensor"):
            u.clamp(**bounds)


def test_numbers_a_dtype_cannot_hold_are_refused_where_pytorch_refuses_them():
    """full, full_like, tensor(numbers, dtype), scatter's value and float clamp bounds check a number
    as fill_ does (PyTorch: 'value cannot be converted ... without overflow'). They stored 300 into
    uint8 as 44, NaN as 0, 1e30 into int64 as -2**63 and 70000.0 into float16 as inf."""
    u, half, at0 = mt.tensor([1, 2], dtype=mt.uint8), mt.zeros(2, dtype=mt.float16), mt.tensor([0])
    refused = [
        lambda: mt.full((2,), 300, dtype=mt.uint8),
        lambda: mt.full((2,), 7e4, dtype=mt.float16),
        lambda: mt.full((1,), 1e30, dtype=mt.int64),
        lambda: mt.full_like(u, float("nan")),
        lambda: mt.full_like(half, 7e4),
        lambda: mt.tensor([1, 300], dtype=mt.uint8),
        lambda: mt.tensor([255.9], dtype=mt.uint8),
        lambda: mt.tensor(float("inf"), dtype=mt.int64),
        lambda: u.scatter(0, at0, value=300),
        lambda: half.scatter(0, at0, value=7e4),
        lambda: half.clamp(min=7e4),
        lambda: half.clone().clamp_(max=-7e4),
    ]
    for make in refused:
        with pytest.raises(RuntimeError, match="cannot be stored in a"):
            make()
    for kept in (mt.full((2,), -1, dtype=mt.uint8), mt.full_like(u, -1), mt.tensor([-1, 255], dtype=mt.uint8)):
        assert kept.dtype == np.uint8 and kept.tolist() == [255, 255]  # -1 is 255, as in PyTorch
    assert mt.full_like(u, 2.7).tolist() == [2, 2] and u.scatter(0, at0, value=2.7).tolist() == [2, 2]
    assert mt.tensor([7e4], dtype=mt.float16).tolist() == [float("inf")]  # (PyTorch's tensor() takes it too)


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_results_pytorch_gives_silently_come_without_numpy_warnings():
    """inf from a number beyond float16 or float32 and from 0 ** -1, NaN from (-1) ** 0.5: PyTorch's
    values, without the "overflow encountered in cast" or "divide by zero encountered in power"
    RuntimeWarnings NumPy printed; ``uint8 & 70000.0`` is refused before the cast warned."""
    inf = float("inf")
    half = mt.tensor([1.0, 2.0], dtype=mt.float16)
    h = half.clone()
    h[0] = 7e4
    assert h.tolist() == [inf, 2.0]
    assert (half + 7e4).tolist() == [inf, inf] and (half + mt.tensor(np.float32(7e4))).tolist() == [inf, inf]
    h = half.clone()
    h += mt.tensor(np.float32(7e4))
    h *= 1e39  # (beyond float32 too: its float32 operand was a warning)
    assert h.tolist() == [inf, inf]
    assert mt.add(half, mt.tensor(np.float32(7e4)), alpha=2).tolist() == [inf, inf]
    assert (half // 1e-7).tolist() == [inf, inf]
    assert mt.tensor([1e39]).float().tolist() == [inf]
    x = mt.tensor([0.0, -1.0, 4.0])
    assert (x**-1.0).tolist()[:1] == [inf] and math.isnan((x**0.5).tolist()[1])
    assert (mt.tensor([-2.0]) ** mt.tensor([5001.0])).tolist() == [-inf]
    assert (2.5e-8 ** mt.tensor([-1.0], dtype=mt.float16)).tolist() == [inf]  # (2.5e-8 is 0 in float16)
    with pytest.raises(TypeError, match="needs bool or integer operands"):
        mt.tensor([1, 2], dtype=mt.uint8) & 7e4


def test_an_integer_tensor_to_a_float_tensor_power_takes_the_exponents_dtype():
    a = mt.tensor([1, 2, 3])
    assert (a ** mt.tensor(2.5, dtype=mt.float64)).dtype == np.float64  # was float32
    assert (a ** mt.tensor([0.5, 1.0, 2.0], dtype=mt.float16)).dtype == np.float16
    assert (a**2.5).dtype == np.float32 and (a**2).dtype == np.int64


def test_integers_mixed_with_index_arrays_take_pytorchs_layout():
    """PyTorch applies an index's integers first; NumPy counts them as index arrays, which
    moved the indexed axes to the front when a slice stood between: x[0, :, [1, 2]] was (2, 3)
    instead of (3, 2), and a square result was silently transposed, read and written."""
    x = mt.tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    a = x.detach().numpy()
    y = x[0, :, [1, 2]]
    assert y.shape == (3, 2)
    np.testing.assert_array_equal(y.numpy(), a[0][:, [1, 2]])
    square = x[1, 1:, mt.tensor([3, 3])]  # repeated index: its gradients add up
    np.testing.assert_array_equal(square.numpy(), a[1][1:, [3, 3]])
    (square * mt.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    expected = np.zeros((2, 3, 4))
    expected[1, 1:, 3] = [1.0 + 2.0, 3.0 + 4.0]
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    assert x[1, None, [0, 2]].shape == (1, 2, 4)  # a None between, as in PyTorch
    assert x[mt.tensor(1), 1:, mt.tensor([[0, 3], [1, 1]])].shape == (2, 2, 2)  # a 0-d index tensor is an integer
    assert x[..., 0, [1, 2]].shape == (2, 2)
    huge = Tensor(np.broadcast_to(np.arange(5.0), (10**6, 10**6, 5)))  # 5e12 elements, 40 bytes of memory
    np.testing.assert_array_equal(huge[3, :2, [4, 0]].numpy(), [[4.0, 0.0], [4.0, 0.0]])  # memory for the result only

    h = mt.zeros(2, 3, 4)
    v = mt.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    h[0, :, [1, 2]] = v * 1.0  # v's shape is the (3, 2) PyTorch reads there
    np.testing.assert_array_equal(h.detach().numpy()[0][:, [1, 2]], v.detach().numpy())
    (h * mt.tensor(np.arange(24.0).reshape(2, 3, 4))).sum().backward()
    np.testing.assert_array_equal(v.grad.numpy(), a[0][:, [1, 2]])
    square_h = mt.zeros(3, 2, 2)
    square_h[1, :, [0, 1]] = mt.tensor([[1.0, 2.0], [3.0, 4.0]])  # rows stay rows
    np.testing.assert_array_equal(square_h.numpy()[1], [[1.0, 2.0], [3.0, 4.0]])


def test_list_and_uint8_indices_mean_what_they_mean_to_pytorch():
    """A short list holding a sequence, tensor, slice, None or ... is a tuple of indices to PyTorch
    (NumPy's pre-1.23 rule; NumPy now reads one index array), and a uint8 index is a mask."""
    x = mt.tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    a = x.detach().numpy()
    np.testing.assert_array_equal(x[[[0], [1]]].numpy(), a[[0], [1]])  # was x[array([[0], [1]])]: (2, 1, 3, 4)
    assert x[[mt.tensor(0), 1]].shape == (4,) and x[[[0, 1]]].shape == (2, 3, 4)  # were (2, 3, 4), (1, 2, 3, 4)
    assert x[[0, slice(None)]].shape == (3, 4) and x[[0] * 33].shape == (33, 3, 4)  # a long list stays an array
    mask = mt.tensor([0, 1], dtype=mt.uint8)
    np.testing.assert_array_equal(x[mask].numpy(), a[1:])  # were rows 0 and 1
    x[[[1], [2]]].sum().backward()
    assert x.grad.numpy().sum() == 4 and x.grad.numpy()[1, 2].sum() == 4
    h = mt.zeros(2, 3)
    h[[[0], [2]]] = 5.0  # one element, (0, 2), as in PyTorch
    assert h.numpy().sum() == 5.0 and h.numpy()[0, 2] == 5.0
    flags = mt.tensor([[1.0, 0.0], [2.0, 3.0]])
    assert flags.all(dim=()).tolist() == [[True, False], [True, True]]  # dim=() reduces nothing here (it gave False)
    assert flags.any(dim=(), keepdim=True).shape == (2, 2)


def test_powers_and_integer_operands_promote_as_pytorch_does():
    """``x ** y`` with a Tensor exponent kept the base's dtype (float32 ** float64 was float32,
    float16 ** float32 float16: values rounded to the narrower dtype), a 0-d integer tensor
    widened a dimensioned one (uint8 + int64 0-d was int64: PyTorch keeps uint8, wrapping as
    it does), and ``&``/``|`` and ``np.int32(3) / t`` took NumPy's dtypes. The rule, PyTorch's:
    the highest category (bool < integer < float) wins; within it, dimensioned operands
    decide, 0-d ones only when no dimensioned one has that category."""
    f16, f32, f64 = (np.arange(1.0, 4.0, dtype=d) for d in (np.float16, np.float32, np.float64))
    cases = [
        (mt.tensor(f32) ** mt.tensor(f64), np.float64),
        (mt.tensor(f16) ** mt.tensor(f32), np.float32),
        (mt.tensor(np.float64(2.0)) ** mt.tensor(f32), np.float32),  # a 0-d base does not widen
        (mt.tensor(f32) ** mt.tensor(np.float64(2.0)), np.float32),
        (mt.tensor([1, 2]) ** mt.tensor(np.float64(0.5)), np.float64),  # the float category from the 0-d one
        (mt.tensor([True, False]) ** np.int32(3), np.int64),  # a NumPy number counts as a number
        (mt.tensor(np.array([1, 2], np.uint8)) + mt.tensor(300), np.uint8),
        (mt.tensor(np.array([1, 2], np.int32)) * mt.tensor(2), np.int32),
        (mt.tensor(np.array([1, 2], np.uint8)) | np.int64(2), np.uint8),
        (np.int64(2) & mt.tensor(np.array([3, 1], np.uint8)), np.uint8),
        (mt.tensor(np.int32(5)) | -1, np.int32),
        (np.int32(3) / mt.tensor(np.int32(2)), np.float32),
        (mt.tensor(2) ** mt.tensor(3), np.int64),  # integers to integer powers stay integers
        (mt.tensor(np.array([2, 3], np.int32)) ** mt.tensor(np.array([3, 2], np.int32)), np.int32),
    ]
    for k, (result, dtype) in enumerate(cases):
        assert result.dtype == dtype, k
    np.testing.assert_array_equal((mt.tensor(np.array([1, 2], np.uint8)) + mt.tensor(300)).numpy(), [45, 46])  # wraps
    np.testing.assert_allclose((mt.tensor(f32) ** mt.tensor(np.array([0.5, 1.5, 2.5]))).numpy(), f64 ** [0.5, 1.5, 2.5])
    x = mt.tensor(f32, requires_grad=True)  # the gradient comes back in the base's dtype
    (x ** mt.tensor(np.array([0.5, 1.5, 2.5]))).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.numpy(), np.array([0.5, 1.5, 2.5]) * f64 ** [-0.5, 0.5, 1.5], rtol=1e-6)


def test_cumsum_sums_from_zero_so_a_zero_sum_is_positive_as_in_pytorch():
    """NumPy's running sum starts at the first element: cumsum([-0.0, -0.0]) was [-0.0, -0.0],
    PyTorch's (0 + -0.0 ...) is [0.0, 0.0]; a 0-d tensor is itself (-0.0), as in PyTorch."""
    for dtype in (mt.float16, mt.float32, mt.float64):
        x = mt.tensor([[-0.0, -0.0, 2.0], [-0.0, 1.0, -1.0]], dtype=dtype)
        for dim, expected in ((0, [[0.0, 0.0, 2.0], [0.0, 1.0, 1.0]]), (1, [[0.0, 0.0, 2.0], [0.0, 1.0, 0.0]])):
            y = x.cumsum(dim).numpy()
            assert y.dtype == dtype and not np.signbit(y).any()
            np.testing.assert_array_equal(y, expected)
    assert np.signbit(mt.tensor(-0.0).cumsum(0).item())


def test_float16_sums_inside_cumsum_var_and_norm_do_not_stall_or_overflow():
    """A float16 running sum stalls at 2048 (2048 + 1 rounds to 2048) and a float16 sum of
    squares overflows past 65504 where the result fits: cumsum of 3000 ones was 2048, and
    var(arange(300)), std, norm([300, 400]) were inf. They now add in float32, as PyTorch
    does, and give float16 results."""
    ones = mt.tensor(np.ones(3000, dtype=np.float16), requires_grad=True)
    total = ones.cumsum(0)
    assert total.dtype == np.float16 and total[-1].item() == 3000.0  # representable: float16 steps by 2 there
    total.backward(mt.ones(3000, dtype=mt.float16))  # (their sum, 4.5e6, is beyond float16)
    np.testing.assert_array_equal(ones.grad.numpy()[[0, 1000, 2999]], [3000.0, 2000.0, 1.0])
    assert ones.grad.dtype == np.float16
    ramp = mt.tensor(np.arange(300, dtype=np.float16))
    expected_var = 300 * 301 / 12  # (n^2 - 1) / 12 * n / (n - 1) for 0..n-1, unbiased: 7525
    np.testing.assert_allclose(ramp.var().item(), expected_var, rtol=1e-3)
    np.testing.assert_allclose(ramp.std().item(), np.sqrt(expected_var), rtol=1e-3)
    big = mt.tensor(np.array([300.0, 400.0], dtype=np.float16))
    assert big.norm().item() == 500.0 and big.norm().dtype == np.float16
    np.testing.assert_allclose(big.norm(p=3).item(), (300.0**3 + 400.0**3) ** (1 / 3), rtol=1e-3)


def test_norm_below_p_1_has_a_zero_gradient_at_a_zero_element():
    """|x|**p with p < 1 has an infinite slope at 0, and sign(0) * inf was NaN; PyTorch's
    subgradient there is 0 (the other elements keep theirs)."""
    x = mt.tensor([0.0, 1.0, 4.0], requires_grad=True)
    x.norm(p=0.5).backward()
    y = (1.0 + 2.0) ** 2  # the norm: (sum sqrt|x|)**2
    np.testing.assert_allclose(x.grad.numpy(), [0.0, (1.0 / y) ** -0.5, (4.0 / y) ** -0.5])


def test_chunk_of_an_empty_axis_gives_every_piece_as_pytorch():
    """PyTorch cuts an empty axis into ``chunks`` empty pieces; MyTorch gave one, so code that
    unpacks or zips the pieces (``a, b, c = x.chunk(3)``) failed or silently dropped some."""
    pieces = mt.zeros(0, 2).chunk(3, 0)
    assert [p.shape for p in pieces] == [(0, 2)] * 3
    assert [p.shape for p in mt.zeros(5, 2).chunk(3, 0)] == [(2, 2), (2, 2), (1, 2)]  # unchanged otherwise


def test_float16_std_whose_variance_overflows_float16_is_finite():
    """std of float16 [400, -400, 0, 0] is 326.5, but its variance (1.07e5) is beyond float16's
    65504: std went through a float16 variance and gave inf (gradient 0). It is taken in
    float32 and given back in float16, as PyTorch does."""
    x = mt.tensor(np.array([400.0, -400.0, 0.0, 0.0], dtype=np.float16), requires_grad=True)
    s = x.std()
    assert s.dtype == np.float16 and s.item() == 326.5  # sqrt(320000 / 3) = 326.6, in float16
    s.backward()
    assert x.grad.dtype == np.float16
    np.testing.assert_allclose(x.grad.numpy(), [400 / 3 / 326.6, -400 / 3 / 326.6, 0.0, 0.0], rtol=2e-3)
    rows = mt.tensor(np.array([[400.0, -400.0], [1.0, 2.0]], dtype=np.float16))
    np.testing.assert_allclose(rows.std(dim=1, keepdim=True).numpy(), [[565.5], [0.7071]], rtol=1e-3)


_HUGE_AND_TINY = {  # float32 data whose squared deviations overflow (or underflow) float32
    "2e19": [2e19, -2e19, 1e19, 0.0],
    "1e20": [1e20, 3e20, -1e20, 5e19],
    "3e38": [3e38, -3e38, 1e38, 0.0],
    "1e-25": [1e-25, 3e-25, -2e-25, 0.0],
}


@pytest.mark.parametrize("values", list(_HUGE_AND_TINY.values()), ids=list(_HUGE_AND_TINY))
def test_float32_var_and_std_beyond_float32_squares_are_finite(values):
    """float32 var and std squared the deviations in float32: var of [2e19, -2e19, 1e19, 0] and
    std of anything above about 1.8e19 were inf (std's gradient 0), and std of spreads below about
    1e-19 was 0. Now the variance overflowing float32 is computed in float64 and rounded (inf only
    where the variance itself is beyond float32), and std is taken in float64 where the float32
    variance is inf, 0 or subnormal, as PyTorch accumulates float32. Closed forms in float64."""
    exact = np.asarray(values, np.float32).astype(np.float64)
    centred = exact - exact.mean()
    for correction in (1, 0):
        x = mt.tensor(np.asarray(values, np.float32), requires_grad=True)
        v, s = x.var(correction=correction), x.std(correction=correction)
        true_var = (centred**2).sum() / (4 - correction)
        assert v.dtype == s.dtype == np.float32
        with np.errstate(over="ignore"):
            assert v.item() == np.float32(true_var)  # (inf where the variance is beyond float32)
        np.testing.assert_allclose(s.item(), np.sqrt(true_var), rtol=1e-6)
        (gs,) = mt.grad(s, x)
        (gv,) = mt.grad(x.var(correction=correction), x)
        np.testing.assert_allclose(gs.numpy(), centred / (4 - correction) / np.sqrt(true_var), rtol=1e-6, atol=1e-12)
        np.testing.assert_allclose(gv.numpy(), 2 * centred / (4 - correction), rtol=1e-6)


def test_layer_norm_of_float32_values_whose_squares_overflow_normalizes_them():
    """layer_norm and batch_norm divide by the square root of ``var``: with the variance inf they
    gave 0 for every value of [2e19, -2e19, 1e19, 0] (PyTorch gives 0 there too, and NaN for 1e20,
    from its own overflow); the variance now fits float32, so they give (x - mean) / std."""
    from mytorch.nn import functional as F

    exact = np.asarray(_HUGE_AND_TINY["2e19"], np.float32).astype(np.float64)
    expected = (exact - exact.mean()) / exact.std()
    x = mt.tensor(np.asarray(_HUGE_AND_TINY["2e19"], np.float32))
    np.testing.assert_allclose(F.layer_norm(x.reshape(1, 4), (4,)).numpy().ravel(), expected, rtol=1e-6)
    np.testing.assert_allclose(
        F.batch_norm(x.reshape(4, 1), None, None, training=True).numpy().ravel(), expected, rtol=1e-6
    )


def test_float32_var_and_std_are_unchanged_where_float32_holds_them():
    """Where the float32 variance is a normal number, var and std are computed in float32 as
    before, to the bit: the same as NumPy's float32 var and its square root."""
    data = np.random.default_rng(3).standard_normal((5, 7)).astype(np.float32) * 1e3
    x = mt.tensor(data)
    np.testing.assert_array_equal(x.var(dim=1).numpy(), np.var(data, axis=1, ddof=1))
    np.testing.assert_array_equal(x.std(dim=0).numpy(), np.sqrt(np.var(data, axis=0, ddof=1)))


def test_float32_var_std_and_norms_of_huge_values_against_pytorch():
    """var and std agree with PyTorch's bits on data whose squares overflow float32; PyTorch's 2-norm
    is inf beyond about 1.8e19 (and 0 below 1e-23), MyTorch's rescaled (the float64 norm, rounded:
    inf where it passes float32's largest number, 3e38 * sqrt(2))."""
    torch = pytest.importorskip("torch")
    for values in _HUGE_AND_TINY.values():
        data = np.asarray(values, np.float32)
        mine, theirs = mt.tensor(data), torch.tensor(data)
        for name in ("var", "std"):
            for correction in (0, 1):
                got = getattr(mine, name)(correction=correction).numpy()
                np.testing.assert_array_equal(got, getattr(theirs, name)(correction=correction).numpy())
        np.testing.assert_allclose(mine.norm().numpy(), np.linalg.norm(np.float64(data)).astype(np.float32), rtol=1e-6)
        if np.isfinite(theirs.norm().numpy()) and theirs.norm().numpy() > 0:  # (where PyTorch's fits, the same)
            np.testing.assert_allclose(mine.norm().numpy(), theirs.norm().numpy(), rtol=1e-6)


def test_integer_tensor_to_negative_integer_tensor_powers_gives_pytorchs_integers():
    """PyTorch computes an integer to a negative integer Tensor power as the integer part of
    1 / b**-e (1 for 1, +-1 for -1, 0 otherwise); NumPy's power raised ValueError for it, so
    ``x ** e``, ``2 ** e`` and ``int32 ** int64`` refused what PyTorch computes. A negative
    Python number stays refused, as in PyTorch."""
    base = mt.tensor(np.array([2, 1, -1, -1, 0, 3], np.int64))
    exponent = mt.tensor(np.array([-1, -2, -1, -2, -1, 2], np.int64))
    result = base**exponent
    assert result.dtype == np.int64
    np.testing.assert_array_equal(result.numpy(), [0, 1, -1, 1, 0, 9])
    mixed = mt.tensor(np.array([2, -1], np.int32)) ** mt.tensor(np.array([-3, -3], np.int8))
    assert mixed.dtype == np.int32
    np.testing.assert_array_equal(mixed.numpy(), [0, -1])
    np.testing.assert_array_equal((2 ** mt.tensor([-1, 0, 3])).numpy(), [0, 1, 8])
    with pytest.raises(ValueError, match="negative integer powers"):
        base**-1


def test_remainder_and_floor_divide_follow_python_for_negative_operands():
    """``%`` takes the divisor's sign and ``//`` rounds down (Python's and PyTorch's rules, not
    C's); ``fmod`` takes the dividend's sign. Integers stay integers, an integer division by zero
    raises ZeroDivisionError (as in PyTorch), a float one gives NaN / inf."""
    pairs = [(-7, 2), (7, -2), (-7, -2), (7, 2), (-6, 3)]
    a = mt.tensor([p[0] for p in pairs])
    b = mt.tensor([p[1] for p in pairs])
    assert (a % b).dtype == np.int64 and (a // b).dtype == np.int64
    np.testing.assert_array_equal((a % b).numpy(), [x % y for x, y in pairs])
    np.testing.assert_array_equal((a // b).numpy(), [x // y for x, y in pairs])
    np.testing.assert_array_equal(mt.fmod(a, b).numpy(), [math.fmod(x, y) for x, y in pairs])
    np.testing.assert_array_equal((7 % b).numpy(), [7 % y for _, y in pairs])
    np.testing.assert_array_equal((-7.5 // b).numpy(), [-7.5 // y for _, y in pairs])
    assert (a % 2.5).dtype == mt.get_default_dtype()  # an integer tensor and a float: the default dtype
    for op in (operator.mod, operator.floordiv, mt.fmod, mt.remainder, mt.floor_divide):
        with pytest.raises(ZeroDivisionError):
            op(a, mt.tensor([1, 1, 0, 1, 1]))
    with np.errstate(all="raise"):  # no NumPy warning either
        np.testing.assert_array_equal((mt.tensor([5.0, -5.0]) // 0.0).numpy(), [np.inf, -np.inf])
        assert np.isnan((mt.tensor([5.0]) % 0.0).numpy()).all()


def test_rounding_ops_give_zero_gradients_and_floor_divide_none():
    """floor, ceil, round, trunc and sign are recorded with gradient 0 (PyTorch's: a loss through
    them still reaches x); ``//`` is not differentiable, its result is outside the graph.
    remainder's gradient is 1 for a and -floor(a / b) for b."""
    x = mt.tensor([1.5, -2.5, 0.25, 3.0], requires_grad=True)
    y = x.floor() + mt.ceil(x) + x.round() + mt.trunc(x) + x.sign() + mt.round(x, decimals=1)
    assert y.requires_grad
    np.testing.assert_allclose(
        y.numpy(), [1 + 2 + 2 + 1 + 1 + 1.5, -3 - 2 - 2 - 2 - 1 - 2.5, 1 + 1 + 0.2, 16.0], rtol=1e-6
    )
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(4))
    assert not (x // 2.0).requires_grad and not mt.floor_divide(x, x).requires_grad
    a = mt.tensor([-3.5, 2.0, 5.0], requires_grad=True)
    b = mt.tensor([2.0, -1.5, 3.0], requires_grad=True)
    (a % b).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(b.grad.numpy(), [2.0, 2.0, -1.0])
    ints = mt.tensor([3, -2, 0])
    assert ints.floor().dtype == np.int64 and ints.sign().tolist() == [1, -1, 0] and ints.square().tolist() == [9, 4, 0]
    assert mt.tensor([2, -4]).reciprocal().dtype == mt.get_default_dtype()


def test_isnan_isinf_isfinite_any_all_give_bool_tensors_outside_the_graph():
    x = mt.tensor([[1.0, np.nan], [np.inf, 0.0]], requires_grad=True)
    assert x.isnan().tolist() == [[False, True], [False, False]]
    assert mt.isinf(x).tolist() == [[False, False], [True, False]]
    assert mt.isfinite(x).tolist() == [[True, False], [False, True]]
    for t in (x.isnan(), x.any(), mt.all(x, dim=1)):
        assert t.dtype == np.bool_ and not t.requires_grad
    assert x.any().item() is True and x.all().item() is False
    assert mt.any(x, dim=0).tolist() == [True, True] and x.all(1, keepdim=True).tolist() == [[True], [False]]
    assert x.all(dim=(0, 1)).item() is False and mt.all(mt.tensor([])).item() is True
    assert mt.tensor(np.array([0, 1], np.uint8)).any().dtype == np.uint8  # as in PyTorch


def test_integer_tensors_and_python_integers_outside_their_range_as_pytorch():
    """A Python integer outside an integer tensor's range is taken modulo 2**bits by the arithmetic
    and bitwise operators, as in PyTorch (NumPy 2 raised OverflowError, NumPy 1 widened the dtype);
    stored (fill_, t[i] =, where) it is refused unless PyTorch wraps it too (-1 into uint8 is 255);
    compared, it is compared exactly (PyTorch wraps it there too: uint8 < 300 is uint8 < 44)."""
    u = mt.tensor(np.array([1, 200], np.uint8))
    for result, expected in [
        (u & -2, [0, 200]),
        (u + 300, [45, 244]),
        (-2 * u, [254, 112]),
        (mt.add(u, 300), [45, 244]),
        (mt.where(mt.tensor([True, False]), u, -1), [1, 255]),
        ((-2) ** mt.tensor(np.array([1, 3], np.uint8)), [254, 248]),
    ]:
        assert result.dtype == np.uint8
        np.testing.assert_array_equal(result.numpy(), expected)
    np.testing.assert_array_equal((u < 300).numpy(), [True, True])
    np.testing.assert_array_equal((u > -2).numpy(), [True, True])
    np.testing.assert_array_equal((u / -2).numpy(), [-0.5, -100.0])
    for store in (lambda: u.fill_(300), lambda: u.__setitem__(0, -1.5), lambda: mt.where(u > 0, u, 300)):
        with pytest.raises(RuntimeError, match="overflow"):
            store()
    with pytest.raises(OverflowError):
        mt.tensor([1]) + 2**63
    u[0] = -1
    np.testing.assert_array_equal(u.numpy(), [255, 200])


_REFLECTED = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "//": operator.floordiv,
    "%": operator.mod,
    "**": operator.pow,
    "&": operator.and_,
    "|": operator.or_,
    "^": operator.xor,
}


def _wrapped_uint8(name: str, number: int, values: list[int]) -> list[int]:
    """``number (op) uint8(values)`` as PyTorch computes it: the number taken modulo 256 first."""
    n = number % 256
    results = {
        "+": [n + v for v in values],
        "-": [n - v for v in values],
        "*": [n * v for v in values],
        "//": [n // v for v in values],
        "%": [n % v for v in values],
        "**": [n**v for v in values],
        "&": [n & v for v in values],
        "|": [n | v for v in values],
        "^": [n ^ v for v in values],
    }[name]
    return [r % 256 for r in results]


@pytest.mark.parametrize("number", [np.int64(300), np.int64(-3), np.int32(300), np.int16(-300), 300, -3])
def test_numpy_integers_outside_an_integer_tensors_range_wrap_on_either_side(number):
    """``np.int64(300) - uint8_tensor`` raised OverflowError: NumPy's integer scalars on the left of
    ``+ - *`` reached the kernels through ``__array_ufunc__`` without the operators' wrapping. They
    are now the reflected operators, taken modulo 2**bits as a Python integer is (and as PyTorch does)."""
    values = [1, 7, 200]
    u = mt.tensor(np.array(values, np.uint8))
    for name, op in _REFLECTED.items():
        pairs = [(op(number, u), _wrapped_uint8(name, int(number), values))]
        if name != "**":  # (uint8 ** 300 is refused, as PyTorch refuses it)
            pairs.append((op(u, number), None))
        for result, expected in pairs:
            assert isinstance(result, Tensor) and result.dtype == np.uint8, (name, number)
            if expected is not None:
                np.testing.assert_array_equal(result.numpy(), expected, err_msg=f"{number!r} {name} uint8")
            elif name not in ("//", "%", "**"):  # (commutative, or a - b = -(b - a) modulo 256)
                flipped = _wrapped_uint8(name, int(number), values)
                flipped = [(-r) % 256 for r in flipped] if name == "-" else flipped
                np.testing.assert_array_equal(result.numpy(), flipped, err_msg=f"uint8 {name} {number!r}")


def test_numpy_integers_beside_integer_tensors_against_pytorch():
    """Every operator with a NumPy integer scalar on either side of a uint8 or int32 tensor gives
    PyTorch's values and dtype (or an error where PyTorch's is one)."""
    torch = pytest.importorskip("torch")
    ops = {**_REFLECTED, "/": operator.truediv}
    for number in (np.int64(300), np.int64(-3), np.int32(300), np.uint8(200), np.int16(-300)):
        for dtype, values in ((np.uint8, [1, 7, 200]), (np.int32, [1, 7, 100])):
            mine, theirs = mt.tensor(np.array(values, dtype)), torch.tensor(np.array(values, dtype))
            for name, op in ops.items():
                for swap in (False, True):
                    pair = (lambda t: op(t, number)) if swap else (lambda t: op(number, t))
                    try:
                        expected = pair(theirs).numpy()
                    except RuntimeError:  # (uint8 ** 300: PyTorch refuses the exponent)
                        with pytest.raises((RuntimeError, OverflowError, ValueError)):
                            pair(mine)
                        continue
                    got = pair(mine).numpy()
                    assert got.dtype == expected.dtype, (number, dtype, name, swap)
                    np.testing.assert_allclose(got, expected, rtol=1e-6, err_msg=f"{number!r} {name} {dtype} {swap}")


def test_in_place_results_keep_the_tensors_dtype_as_pytorch():
    """uint8 += int32 stays uint8, wrapping (it was refused); int += float, int /= int and
    bool += int are refused, as in PyTorch; ``**=`` writes into the tensor itself (without
    ``__ipow__`` the name was rebound and another name for the tensor kept the old values);
    add(alpha=) scales in the dtype of the sum (int8 * 2 overflowed where uint8 + int8 is int16)."""
    u = mt.tensor(np.array([1, 2, 250], np.uint8))
    u += mt.tensor(np.array([1, 2, 10], np.int32))
    assert u.dtype == np.uint8
    np.testing.assert_array_equal(u.numpy(), [2, 4, 4])
    for change in ("i += 0.5", "i /= 2", "b += i", "i **= 0.5"):
        names = {"i": mt.tensor([1, 2]), "b": mt.tensor([True, False])}
        with pytest.raises(RuntimeError, match="cannot be stored"):
            exec(change, {}, names)
    a = mt.tensor([1.0, 2.0])
    alias = a
    a **= 2
    assert a is alias
    np.testing.assert_array_equal(alias.numpy(), [1.0, 4.0])
    total = mt.add(mt.tensor(np.array([1, 2], np.uint8)), mt.tensor(np.array([100, -3], np.int8)), alpha=2)
    assert total.dtype == np.int16
    np.testing.assert_array_equal(total.numpy(), [201, -4])
    half = mt.tensor(np.array([1.0], np.float32)).add_(mt.tensor(np.array([100.0], np.float16)), alpha=1000)
    np.testing.assert_array_equal(half.numpy(), [100001.0])
    with pytest.raises(RuntimeError, match="alpha"):
        mt.add(mt.tensor([1, 2]), mt.tensor([1, 2]), alpha=0.5)


def test_a_number_to_a_float16_power_has_the_slope_of_the_number_itself():
    """b ** x16 took log b of b rounded to float16: 70000.0 is inf there, so the gradient was NaN
    (inf * 0) or inf; 1.1 is 1.0996, so the gradient was 0.4 % low. The value keeps the rounded
    base, as PyTorch's does; the slope is log b of the number given, rounded once (PyTorch's rule,
    result * log(b)). Closed forms: g = float16(y * log b)."""
    with np.errstate(over="ignore"):
        for base, points in [(70000.0, [-1.0, -0.5, 0.0]), (1.1, [2.0, 10.0, -3.0]), (70000, [0.0]), (2.5e-8, [0.5])]:
            x = mt.tensor(np.array(points, np.float16), requires_grad=True)
            y = base**x
            (g,) = mt.grad(y.sum(), x)
            rounded = np.float16(base).astype(np.float64)
            np.testing.assert_array_equal(y.detach().numpy(), np.power(rounded, points).astype(np.float16))
            expected = (y.detach().numpy().astype(np.float32) * np.float32(np.log(base))).astype(np.float16)
            np.testing.assert_array_equal(g.numpy(), expected, err_msg=repr(base))
    assert g.dtype == np.float16
    x = mt.tensor(np.array([0.0], np.float16), requires_grad=True)
    (g,) = mt.grad((70000.0**x).sum(), x)
    assert g.item() == 11.15625  # log 70000 = 11.1563 in float16


def test_a_number_at_most_0_to_a_0d_tensor_power_keeps_its_dtype_on_numpy_1_too():
    """NumPy 1.26's value-based casting made (-3) ** x and 0 ** x float64 for a 0-d float16 or
    float32 x (a Python 1 in the kernel's np.where); dimensioned x kept its dtype already. The
    gradient is PyTorch's b ** x log b: 0 at b = 0, NaN for b < 0."""
    for dtype in (mt.float16, mt.float32):
        x = mt.tensor(2.0, dtype=dtype, requires_grad=True)
        for base in (-3, 0, np.int8(-2), -2.5):
            y = base**x
            (g,) = mt.grad(y, x)
            assert y.dtype == g.dtype == dtype and y.item() == float(base) ** 2
            assert g.item() == 0.0 if base == 0 else np.isnan(g.item())


def test_a_number_to_a_tensor_power_against_pytorch():
    """b ** x and its gradient for numbers of every kind: float16 is PyTorch's bits, float32 and
    float64 within 2 ulps of them (NumPy's and PyTorch's powers differ in the last bit)."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for dtype, ulps in ((np.float16, 0), (np.float32, 2), (np.float64, 2)):
        for base in (1.1, 0.3, 3, 70000, 70000.0, 1e-5, np.float32(1.1), np.float64(0.7), np.int64(5), 1e30, 2.5e-8):
            values = rng.uniform(-3, 3, 64).astype(dtype)
            results = []
            for lib in (mt, torch):
                x = lib.tensor(values, requires_grad=True)
                with np.errstate(over="ignore"):
                    y = base**x
                (g,) = lib.autograd.grad(y.sum(), x)
                results.append((y.detach().numpy(), g.numpy()))
            for mine, theirs in zip(*results):
                finite = np.isfinite(theirs)
                np.testing.assert_array_equal(np.isfinite(mine), finite, err_msg=f"{dtype} {base!r}")
                assert np.all(mine[~finite] == theirs[~finite])
                gap = np.abs(mine[finite].astype(np.float64) - theirs[finite]) / np.spacing(np.abs(theirs[finite]))
                assert gap.max(initial=0) <= ulps, (dtype, base, gap.max())


def test_powers_with_a_learnable_exponent_are_correctly_rounded():
    """b ** t and x ** w (w requiring a gradient) went through exp(t log b), whose rounded product
    cost up to ~70 float32 ulps: 2.0 ** 3.0 was 7.999999999999998 in float64, 10.0 ** 10.0 was
    10000012288 in float32. Now NumPy's power, the gradient still b ** t log b."""
    for dtype in (mt.float64, mt.float32):
        t = mt.tensor([3.0, 10.0, -3.0], dtype=dtype, requires_grad=True)
        tens = np.power(10.0, [3.0, 10.0, -3.0], dtype=dtype)
        for y, expected in [(2.0**t, [8.0, 1024.0, 0.125]), (10.0**t, tens)]:
            np.testing.assert_array_equal(y.detach().numpy(), np.asarray(expected, dtype))
        w = mt.tensor([3.0, 10.0], dtype=dtype, requires_grad=True)
        y = mt.tensor([2.0, 10.0], dtype=dtype) ** w
        y.sum().backward()
        np.testing.assert_array_equal(y.detach().numpy(), np.asarray([8.0, 1e10], dtype))
        np.testing.assert_allclose(w.grad.numpy(), [8 * np.log(2.0), 1e10 * np.log(10.0)], rtol=1e-6)


def _half_of(wide: np.ndarray) -> list[float]:
    """float32 values rounded once to float16, as PyTorch's float16 * and / give them."""
    return np.asarray(wide, np.float32).astype(np.float16).tolist()


def test_float16_times_or_over_a_number_is_computed_in_float32_as_pytorch():
    """A float16 tensor multiplied or divided by a number float16 does not hold is computed in
    float32 and rounded once, as PyTorch computes it: the number was rounded to float16 first,
    so x / 70000 was 0 (70000 is inf there), x / 1e-7 was 16% low (1e-7 is 1.19e-7 there) and
    3 * 2049 was 6144. ``+``, ``-``, ``%`` and ``alpha=`` round the number first, as PyTorch does."""
    values = np.array([3.0, 0.5, 30000.0], np.float16)
    wide = values.astype(np.float32)
    x = mt.tensor(values)
    assert (x / 70000.0).dtype == np.float16
    assert (x / 70000.0).tolist() == _half_of(wide / np.float32(70000.0)) != [0.0, 0.0, 0.0]
    assert (x * 1e-7).tolist() == _half_of(wide * np.float32(1e-7))
    assert x.div(1e-7).tolist() == mt.div(x, 1e-7).tolist() == _half_of(wide / np.float32(1e-7))
    assert (2049 * x).tolist() == x.mul(2049).tolist() == _half_of(wide * 2049)  # 3 * 2049 = 6148, not 6144
    assert (70000.0 / x).tolist() == _half_of(np.float32(70000.0) / wide)
    assert (x // 1e-3).tolist() == _half_of(np.floor_divide(wide, np.float32(1e-3)))
    assert (x / mt.tensor(np.float32(70000.0))).tolist() == _half_of(wide / np.float32(70000.0))
    assert (mt.tensor(np.float32(70000.0)) / x).tolist() == [np.inf] * 3  # a 0-d dividend is rounded, as in PyTorch
    assert (mt.tensor(np.float16(1.0)) + 2049).item() == 2048.0  # PyTorch's + rounds 2049 to float16 first
    y = mt.tensor(values)
    y /= 70000.0
    assert y.tolist() == _half_of(wide / np.float32(70000.0))
    leaf = mt.tensor(values, requires_grad=True)
    h = leaf * 1.0
    h /= 70000.0  # recorded in place
    (h * 1e-7).sum().backward()
    assert h.dtype == leaf.grad.dtype == np.float16 and h.tolist() == _half_of(wide / np.float32(70000.0))
    expected = np.float32(1e-7) / np.float32(70000.0)  # 1.4e-12: below float16, as in PyTorch
    assert leaf.grad.tolist() == _half_of(np.full(3, expected))
    leaf.grad = None
    (leaf / 70000.0).sum().backward()
    assert leaf.grad.tolist() == _half_of(np.full(3, np.float32(1.0) / np.float32(70000.0)))  # 1.43e-5, not 0


def test_a_zero_remainder_has_the_dividends_sign_as_in_pytorch():
    """PyTorch's float % keeps fmod's zero, signed as the dividend; NumPy's (and Python's) takes the
    divisor's sign: -4.0 % 2 was 0.0 and 4.0 % -2 was -0.0 (PyTorch: -0.0 and 0.0)."""
    a = mt.tensor([-4.0, 4.0, -0.0, 0.0, -3.0, 3.0])  # (signs checked against torch 2.13)
    np.testing.assert_array_equal(np.signbit((a % 2.0).numpy()), [True, False, True, False, False, False])
    np.testing.assert_array_equal(np.signbit((a % -2.0).numpy()), [True, False, True, False, True, True])
    assert not np.signbit((0.0 % mt.tensor([-2.0, 2.0])).numpy()).any()
    t = mt.tensor([-4.0, 6.0])
    t %= 2.0
    np.testing.assert_array_equal(np.signbit(t.numpy()), [True, False])


def test_python_integers_wrap_in_remainder_and_floor_division_and_overflowing_fills_are_refused():
    """``uint8 % -2`` and ``uint8 // -2`` take -2 modulo 256, as ``+`` does and as PyTorch does
    (they raised OverflowError); a float too large for the tensor's dtype is refused by fill_ and
    masked_fill, as in PyTorch (70000.0 into float16 was stored as inf)."""
    image = mt.tensor(np.array([7, 200, 255], np.uint8))
    assert (image % -2).tolist() == [7 % 254, 200 % 254, 255 % 254] and (image % -2).dtype == np.uint8
    assert (image // -2).tolist() == [0, 0, 1] and (300 % image).tolist() == [44 % 7, 44, 44]
    assert mt.fmod(image, -2).tolist() == [7, 200, 1]
    assert mt.mul(-2, image).tolist() == [242, 112, 2] and mt.mul(-2, image).dtype == np.uint8  # (OverflowError)
    small = mt.tensor(np.array([1, 5], np.int32))
    assert mt.clamp(small, min=np.int64(3)).dtype == np.int32  # a NumPy integer bound widened it to int64
    half = mt.tensor(np.array([1.0, 2.0], np.float16))
    with pytest.raises(RuntimeError, match="70000.0 cannot be stored in a float16 tensor"):
        half.fill_(70000.0)
    with pytest.raises(RuntimeError, match="70000.0 cannot be stored in a float16 tensor"):
        half.masked_fill(mt.tensor([True, False]), 70000.0)
    assert half.fill_(float("inf")).tolist() == [np.inf, np.inf] and half.fill_(65504.0).tolist() == [65504.0] * 2
    # the bound check compared through the Tensor ``abs`` (tensor.py's own name): a float32
    # Tensor against float64's largest number, a RuntimeWarning "overflow encountered in cast"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert mt.tensor([1.0, 3.0], dtype=mt.float64).clamp(0, 2).tolist() == [1.0, 2.0]
        with pytest.raises(RuntimeError, match="1e\\+39 cannot be stored in a float32 tensor"):
            mt.tensor([1.0]).clamp(max=1e39)
        single = mt.tensor([1.0, 2.0])
        with pytest.raises(RuntimeError, match="__setitem__: the value 1e\\+39 cannot be stored in a float32"):
            single[0] = 1e39  # (it stored inf; PyTorch raises for float32, stores inf for float16)
        single[1] = float("inf")
        assert single.tolist() == [1.0, np.inf]
    assert (np.int32(3) // mt.tensor(np.array([1.5], np.float32))).dtype == np.float32  # PyTorch's promotion


def test_round_with_decimals_of_float16_scales_in_float32():
    """float16 1.3496 (the nearest to 1.35) to one decimal is 1.3, as PyTorch gives: scaled in
    float16, 13.496 became 13.5 and then 14 (1.4)."""
    x = mt.tensor(np.array([1.35, 2.675, -0.15], np.float16))
    wide = np.round(x.numpy().astype(np.float32), 1).astype(np.float16)
    assert mt.round(x, decimals=1).dtype == np.float16
    assert mt.round(x, decimals=1).tolist() == wide.tolist() and wide[0] == np.float16(1.3)


def test_integers_rounded_to_tens_are_refused_not_returned_unchanged():
    # mt.tensor([15]).round(decimals=-1) was tensor([15]); PyTorch raises (NotImplementedError)
    for dtype in (np.int64, np.uint8, np.int8):
        with pytest.raises(NotImplementedError, match=r"round: decimals=-1 of an integer tensor"):
            mt.tensor(np.array([15, 25], dtype)).round(decimals=-1)
        assert mt.round(mt.tensor(np.array([15], dtype)), decimals=2).tolist() == [15]  # (whole numbers already)
    assert mt.tensor([15.0, 25.0]).round(decimals=-1).tolist() == [20.0, 20.0]


def test_remainder_and_fmod_of_two_dtypes_keep_the_gradient_of_a_computed_tensor():
    """``h % w`` and ``fmod(h, w)`` with h a computed float32 tensor and w of another float dtype
    (float64, or float16 both 0-d): h was converted to the common dtype outside the graph, so its
    gradient went to the copy and x.grad stayed None (PyTorch: 1 per element)."""
    for op in (lambda a, b: a % b, mt.fmod, mt.remainder):
        x = mt.tensor(np.array([0.5, -3.0, 7.0], np.float32), requires_grad=True)
        w = mt.tensor(np.array([2.5, 1.5, 4.0]), requires_grad=True)
        y = op(x * 1.0, w)
        assert y.dtype == np.float64
        y.sum().backward()
        assert x.grad.dtype == np.float32 and x.grad.tolist() == [1.0, 1.0, 1.0]
        quotient = np.array([0.5 / 2.5, -3.0 / 1.5, 7.0 / 4.0])
        rounded = np.trunc(quotient) if op is mt.fmod else np.floor(quotient)
        assert w.grad.tolist() == (-rounded + 0.0).tolist()
        x.grad = None
        op(x.sum(), mt.tensor(np.float16(2.5))).backward()
        assert x.grad.tolist() == [1.0, 1.0, 1.0]


def test_the_divisors_gradient_does_not_overflow_through_its_square():
    """d(a / b)/db = -(g / b) a / b: with the divisor alone needing a gradient it was -g a / (b * b),
    and b * b overflowed float16 from |b| = 256 (float32 from 1.8e19), so the gradient was 0
    (PyTorch: -2 / x**2 for 2 / x, 2.2e-5 at x = 300); forward mode had the same square."""
    x = mt.tensor(np.array([300.0, 1000.0, 3.0], np.float16), requires_grad=True)
    (2.0 / x).sum().backward()
    expected = -2 / np.array([300.0, 1000.0, 3.0]) ** 2  # (float16's subnormals are 6e-8 apart)
    np.testing.assert_allclose(x.grad.numpy().astype(float), expected, rtol=2e-3, atol=6e-8)
    big = mt.tensor(np.array([1e20], np.float32), requires_grad=True)
    (1.0 / big).sum().backward()
    assert big.grad.item() != 0.0
    from mytorch import func

    _, tangent = func.jvp(
        lambda t: 2.0 / t, (mt.tensor(np.array([300.0], np.float16)),), (mt.tensor(np.ones(1, np.float16)),)
    )
    np.testing.assert_allclose(np.asarray(tangent.numpy(), float), [-2 / 300.0**2], rtol=2e-3, atol=6e-8)


def test_float16_softmax_and_log_softmax_are_computed_in_float32():
    """float16 softmax and log_softmax are computed in float32 and rounded once, as PyTorch
    computes them: within half a float16 ulp of the float64 values (in float16 the terms and
    their sum were rounded each: log_softmax was up to 1.1 ulps off, 795 of 4000 values differed
    from PyTorch's softmax)."""
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((4, 1000)) * 2).astype(np.float16)
    wide = x.astype(np.float64) - x.astype(np.float64).max(axis=1, keepdims=True)
    log_probs = wide - np.log(np.exp(wide).sum(axis=1, keepdims=True))
    for ours, exact in ((mt.tensor(x).softmax(1), np.exp(log_probs)), (mt.log_softmax(mt.tensor(x), 1), log_probs)):
        assert ours.dtype == np.float16
        ulp = np.spacing(np.abs(exact).astype(np.float16)).astype(np.float64)
        assert np.max(np.abs(ours.numpy().astype(np.float64) - exact) / ulp) <= 0.5001


def test_sign_of_a_bool_tensor_is_itself():
    """As in PyTorch (NumPy has no sign for bools: it raised UFuncTypeError)."""
    flags = mt.tensor([True, False])
    assert mt.sign(flags).dtype == np.bool_ and flags.sign().tolist() == [True, False]


def test_a_learnable_float16_power_is_differentiated_in_float32():
    """x ** w with w requiring a gradient, in float16: computed (exp of w log x) in float32 and
    rounded once, as PyTorch computes float16; in float16 the gradient g y w / x overflowed at
    g y w (9 ** 4.5: 19683 * 4.5 > 65504), so x.grad was inf where it is 9841."""
    x = mt.tensor(np.array([9.0, 2.0], np.float16), requires_grad=True)
    w = mt.tensor(np.array([4.5, 3.0], np.float16), requires_grad=True)
    y = x**w
    assert y.dtype == np.float16 and y.tolist() == [19680.0, 8.0]
    y.sum().backward()
    assert x.grad.dtype == w.grad.dtype == np.float16
    np.testing.assert_allclose(x.grad.numpy().astype(float), [4.5 * 9**3.5, 3 * 2**2], rtol=1e-3)
    np.testing.assert_allclose(w.grad.numpy().astype(float), [9**4.5 * np.log(9), 8 * np.log(2)], rtol=1e-3)


def test_integer_reductions_softmax_bools_and_0d_or_empty_shapes_as_in_pytorch():
    n = mt.tensor([[1, 2], [3, 5]])
    for op in ("mean", "var", "std", "norm"):  # PyTorch raises; they gave float64 (norm(p=1) an int64)
        with pytest.raises(RuntimeError, match=f"{op}: needs a floating-point"):
            getattr(n, op)()
    assert n.mean(dtype=mt.float64).item() == 2.75
    s = mt.tensor([[1, 2], [3, 5]], dtype=mt.uint8).softmax(0)  # was float16 NaN: uint8's exp overflowed
    assert s.dtype == np.float32
    np.testing.assert_allclose(s.data[:, 0], [1 / (1 + math.e**2), 1 / (1 + math.e**-2)], rtol=1e-6)
    b = mt.tensor([True, False])
    assert b.square().dtype == np.int64 and (b.square() + b.square()).tolist() == [2, 0]  # was bool: [True, False]
    empty = mt.zeros(0, 3, requires_grad=True)
    (mt.softmax(empty, 0) + empty.log_softmax(0)).sum().backward()  # the maximum of nothing raised
    assert empty.grad.shape == (0, 3)
    z = mt.tensor(2.5, requires_grad=True)
    (z.squeeze(0).squeeze((-1,)).transpose(0, -1) * 3).backward()  # a 0-d tensor's dim 0 and -1 are itself
    assert z.grad.item() == 3.0


def test_complex_data_relu_of_0d_integers_and_integer_tensor_bounds_keep_pytorchs_dtypes():
    assert mt.tensor([1 + 0j, 2]).dtype == np.complex64  # the default complex dtype (it was complex128)
    assert mt.tensor([np.float64(1.0), 1j]).dtype == np.complex128
    for dtype in (mt.uint8, mt.int32):  # NumPy 1.x made these int64 (value-based casting of a 0-d array)
        assert mt.tensor(3, dtype=dtype).relu().dtype == dtype
    a = mt.tensor([0, 1, 200, 255], dtype=mt.uint8)
    a.clamp_(min=mt.tensor(7, dtype=mt.int32))  # NumPy 2 refused the int32 bound (UFuncTypeError)
    assert a.dtype == np.uint8 and a.tolist() == [7, 7, 200, 255]
    with pytest.raises(RuntimeError, match="clamp_: bounds of dtype float32"):
        mt.tensor([0, 1]).clamp_(min=mt.tensor([0.5, 0.5]))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([[1, 2], [3]], "expected a sequence of length 2 at dim 1 (got 1)"),
        ([[[1], [2]], [[3], [4, 5]]], "expected a sequence of length 1 at dim 2 (got 2)"),
        ([1, [2]], "numbers and lists mixed at nesting level 1"),
        ([(1.0, 2.0), (3.0,)], "expected a sequence of length 2 at dim 1 (got 1)"),
    ],
    ids=["rows", "deep", "mixed", "tuples"],
)
def test_ragged_lists_name_the_dimension_not_numpys_inhomogeneous_shape(data, message):
    # NumPy's "setting an array element with a sequence. The requested array has an
    # inhomogeneous shape after 1 dimensions" named neither tensor() nor where; PyTorch's words
    with pytest.raises(ValueError, match=re.escape(f"tensor: {message}; nested lists must be rectangular")):
        mt.tensor(data)
    with pytest.raises(ValueError, match=re.escape(f"Tensor: {message}; nested lists must be rectangular")):
        mt.Tensor(data)
    assert mt.tensor([[1, 2], (3, 4)]).shape == (2, 2)


def test_python_complex_numbers_are_refused_for_a_real_dtype_not_cut_to_their_real_part():
    # tensor([1+1j], dtype=float32) was [1.0] with a ComplexWarning; PyTorch: "can't convert complex to float"
    for data in ([1 + 1j], [[1, 2j]]):
        with pytest.raises(TypeError, match="tensor: complex numbers cannot be stored in a float32 tensor"):
            mt.tensor(data, dtype=mt.float32)
    assert mt.tensor([1.5], dtype=mt.complex64).tolist() == [1.5 + 0j]
    assert mt.tensor([1 + 2j]).tolist() == [1 + 2j]


def test_real_and_imag_parts_are_recorded_with_pytorchs_gradient_convention():
    z0 = np.array([1 + 2j, -0.5 + 0.25j])
    z = mt.tensor(z0, requires_grad=True)
    ((z.real**2).sum() + (z.imag * 3).sum() + (z.real * z.imag).sum()).backward()
    # d/d(re) + 1j d/d(im) of the loss: PyTorch's gradient of a real loss in a complex tensor
    expected = (2 * z0.real + z0.imag) + 1j * (3 + z0.real)
    np.testing.assert_allclose(z.grad.numpy(), expected)
    x = mt.tensor([1.0, 2.0])
    assert x.real is x
    with pytest.raises(RuntimeError, match="non-complex"):
        x.imag  # noqa: B018
    assert repr(mt.tensor([1j])) == "tensor([0.+1.j])"  # complex64, the default float's complex: no dtype shown
    torch = pytest.importorskip("torch")
    t = torch.tensor(z0, requires_grad=True)
    ((t.real**2).sum() + (t.imag * 3).sum() + (t.real * t.imag).sum()).backward()
    np.testing.assert_allclose(z.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize(
    "operand",
    [np.array([1.0, 2.0], dtype=object), np.array(["a", "b"]), np.array(["2020-01-01"] * 2, dtype="M8[D]")],
    ids=["objects", "strings", "dates"],
)
def test_an_array_operand_that_is_not_numbers_is_refused(operand):
    # an object array made an object Tensor (tensor + np.array([1, 2], dtype=object)), strings
    # NumPy's "ufunc 'add' did not contain a loop with signature matching types"
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    for combine in (lambda: a + operand, lambda: operand + a, lambda: a * operand):
        with pytest.raises(
            TypeError, match=re.escape(f"Tensor: cannot use an array of dtype {operand.dtype} as an operand")
        ):
            combine()
    assert (a + np.array([1, 2])).tolist() == [2.0, 4.0]  # numbers of another dtype still combine


@pytest.mark.parametrize("source", [np.uint8, np.int64, np.float32, np.float16])
def test_as_tensor_of_a_tensor_converts_to_float64(source):
    """NumPy's dtype('float64') == None is True, so ``dtype in (None, t.dtype)`` returned the tensor
    unconverted for dtype=float64: as_tensor(uint8 tensor, dtype=float64) stayed uint8."""
    t = mt.tensor(np.array([1, 2], source))
    out = mt.as_tensor(t, dtype=mt.float64)
    assert out.dtype == np.float64 and out.tolist() == [1.0, 2.0]
    assert mt.as_tensor(t) is t and mt.as_tensor(t, dtype=t.dtype) is t


def test_a_complex_number_with_an_imaginary_part_is_not_stored_in_a_real_tensor():
    # t[0] = 1j, fill_(1j), full_like(t, 1j), F.pad(value=1j) kept the real part with a
    # ComplexWarning; PyTorch: "value cannot be converted to type float without overflow"
    t = mt.zeros(3)
    refused = [
        lambda: t.__setitem__(0, 1j),
        lambda: t.__setitem__(slice(None), 2 + 1j),
        lambda: t.fill_(1j),
        lambda: mt.full_like(t, 1j),
        lambda: mt.nn.functional.pad(t, (1, 1), value=1j),
        lambda: mt.zeros(2, dtype=mt.int64).fill_(3j),
    ]
    for make in refused:
        with pytest.raises(
            RuntimeError, match=r"cannot be stored in a (float32|int64) tensor without overflow \(its imag"
        ):
            make()
    assert t.tolist() == [0.0, 0.0, 0.0]
    c = mt.zeros(2, dtype=mt.complex64)
    c[0] = 1j
    assert c.tolist() == [1j, 0j]


def test_arange_against_its_step_and_randperm_of_a_negative_n_raise():
    """NumPy gives an empty array for arange(0, 5, -1) and permutation(-1); PyTorch raises."""
    with pytest.raises(ValueError, match="arange: end 5 lies on the wrong side of start 0 for step -1"):
        mt.arange(0, 5, -1)
    with pytest.raises(ValueError, match="wrong side"):
        mt.arange(5.0, 0.0, 0.5)
    assert mt.arange(3, 3, -1).shape == (0,) and mt.arange(3, 0, -1).tolist() == [3, 2, 1]
    with pytest.raises(ValueError, match="randperm: n must be non-negative"):
        mt.randperm(-1)
    assert mt.randperm(0).shape == (0,)


def test_arrays_in_the_other_byte_order_are_copied_by_tensor_and_refused_where_shared():
    """tensor(np.array(..., '>f4')) kept the byte-swapped dtype: t.dtype == float32 was False and
    nn.Linear refused it beside float32 weights ('got >f4, float32, float32'). PyTorch refuses such
    an array everywhere; tensor() copies, so it takes the values in the native order, and the
    constructors that share the array's memory refuse it, naming the way out."""
    swapped = np.array([[1.5, -2.0, 3.25]], dtype=np.dtype(np.float32).newbyteorder("S"))
    t = mt.tensor(swapped)
    assert t.dtype == mt.float32 and t.tolist() == [[1.5, -2.0, 3.25]]
    assert mt.tensor(swapped, dtype=mt.float64).dtype == mt.float64
    assert mt.nn.Linear(3, 2)(t).dtype == mt.float32
    for shared in (mt.from_numpy, mt.as_tensor, mt.Tensor):
        with pytest.raises(ValueError, match=r"Tensor: the array's bytes are in the other byte order .*mytorch.tensor"):
            shared(swapped)


def test_converting_nan_or_infinity_to_an_integer_dtype_is_refused_naming_where():
    """t.long() of a NaN was -9223372036854775808 and of inf the same (int(): -2147483648, byte(): 0),
    as in PyTorch and NumPy, without a word: an arbitrary number. Finite values convert as before
    (toward 0; out of range as PyTorch)."""
    t = mt.tensor([[1.5, -2.7], [float("nan"), 3.0]])
    for convert in (
        lambda t: t.long(),
        lambda t: t.int(),
        lambda t: t.byte(),
        lambda t: t.to(mt.int16),
        lambda t: t.type(mt.uint8),
        lambda t: t.type_as(mt.tensor([1])),
        lambda t: t.sum(dtype=mt.int64),
    ):
        with pytest.raises(
            ValueError, match=r"a NaN or infinite value cannot be converted to u?int\d+ \(nan at index \(1, 0\)"
        ):
            convert(t)
    with pytest.raises(ValueError, match=r"\(-inf at index \(1,\)"):
        mt.tensor([0.5, -float("inf")], dtype=mt.float16).long()
    values = np.array([[1.5, -2.7], [np.nan, 3.0]])  # the same from an array, and written into an int tensor
    for write in (
        lambda: mt.tensor(values, dtype=mt.int64),
        lambda: mt.as_tensor(values, dtype=mt.int32),
        lambda: mt.zeros(2, 2, dtype=mt.int64).copy_(mt.tensor(values)),
        lambda: mt.zeros(2, 2, dtype=mt.uint8).__setitem__(Ellipsis, mt.tensor(values)),
    ):
        with pytest.raises(ValueError, match=r"a NaN or infinite value cannot be converted to u?int\d+ \(nan at"):
            write()
    kept = mt.zeros(2, 2, dtype=mt.int64)
    kept.copy_(mt.tensor(values[:1]))  # (finite values: toward 0, as before)
    assert kept.tolist() == [[1, -2], [1, -2]]
    assert t[0].long().tolist() == [1, -2] and t.bool().tolist() == [[True, True], [True, True]]
    assert t.nan_to_num(0.0).long().tolist() == [[1, -2], [0, 3]]


@pytest.mark.parametrize("p", [2, "fro", 1, 3, float("inf")])
def test_the_norm_of_a_complex_tensor_is_that_of_its_moduli(p):
    """norm squared the complex numbers themselves: [1+2j, -3+0.5j, 0.5-1j] had the norm 2.236+0j
    (sqrt of their squares' sum, 5) where it is sqrt(|x|^2 summed) = 3.937, real, as PyTorch's."""
    values = np.array([[1 + 2j, -3 + 0.5j], [0.5 - 1j, 2j]], dtype=np.complex64)
    x = mt.tensor(values, requires_grad=True)
    y = x.norm(p=p, dim=1)
    order = 2 if p == "fro" else p
    expected = np.linalg.norm(np.abs(values.astype(np.complex128)), ord=order, axis=1)
    assert y.dtype == np.float32 and np.allclose(y.detach().numpy(), expected, rtol=1e-6)
    y.sum().backward()
    torch = pytest.importorskip("torch")
    tx = torch.tensor(values, requires_grad=True)
    tx.norm(p=p, dim=1).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(
    "dtype, expected",
    [
        ("float32", "complex64"),
        ("float64", "complex128"),
        ("int64", "complex64"),
        ("uint8", "complex64"),
        ("float16", "complex64"),
    ],
)
def test_a_python_complex_beside_a_real_tensor_gives_the_complex_counterpart_of_its_dtype(dtype, expected):
    """float32 + 1j was complex128 (NumPy's dtype of a Python complex); PyTorch gives the complex
    counterpart of the tensor's float dtype, and of the default float dtype for an integer tensor
    (float16's is complex32 there, complex64 here: NumPy has none)."""
    t = mt.tensor([1, 2], dtype=getattr(mt, dtype))
    for result in (t + 1j, 1j * t, t - (1 + 1j), t / 2j, mt.where(t > 1, t, 1j)):
        assert result.dtype == np.dtype(expected)
    assert (t * 1j).tolist() == [1j, 2j]
    mt.set_default_dtype(mt.float64)
    try:
        assert (mt.tensor([1, 2]) + 1j).dtype == np.complex128
    finally:
        mt.set_default_dtype(mt.float32)


def test_functions_that_order_values_refuse_complex_tensors():
    """NumPy orders complex numbers by real part, then imaginary part: relu kept 1+2j and zeroed
    -3+0.5j, clamp(0, 1) gave 1+0j for 1+2j, max, argmax, median, softmax and x < 0 gave
    numbers, all of which PyTorch refuses. Equality and the moduli still work."""
    t = mt.tensor([1 + 2j, -3 + 0.5j])
    for op, call in {
        "relu": lambda: t.relu(),
        "F.relu": lambda: mt.nn.functional.relu(t),
        "clamp": lambda: t.clamp(0, 1),
        "max": lambda: t.max(),
        "amax": lambda: t.amax(),
        "argmax": lambda: t.argmax(),
        "median": lambda: t.median(),
        "softmax": lambda: t.softmax(0),
        "log_softmax": lambda: t.log_softmax(0),
        "<": lambda: t < 0,
        ">=": lambda: t >= t,
        "F.hardtanh": lambda: mt.nn.functional.hardtanh(t),
        "F.elu": lambda: mt.nn.functional.elu(t),
        "F.leaky_relu": lambda: mt.nn.functional.leaky_relu(t),
        "maximum": lambda: mt.maximum(t, t),
        "minimum": lambda: t.minimum(mt.tensor([0.0, 1.0])),
    }.items():
        with pytest.raises(TypeError, match=rf"{re.escape(op)}: complex numbers have no order"):
            call()
    with pytest.raises(TypeError, match="complex numbers have no order"):
        mt.nn.functional.selu(t)  # (selu is elu's kernel, which the message names)
    with pytest.raises(TypeError, match="<: complex numbers have no order"):
        mt.tensor([1.0, -2.0]) < 1j  # (a real tensor beside a Python complex: [False, True] before)
    assert (t == t).tolist() == [True, True] and t.abs().argmax().item() == 1

"""nn.Conv1d/2d/3d, the max, average and adaptive pools and BatchNorm2d (mytorch/nn/convolution.py):
values and gradients against PyTorch where it is installed, central differences, forward mode
and second derivatives everywhere (composed of kernels, so all come from the table)."""

import re

import numpy as np
import pytest

import mytorch as mt
import mytorch.nn as nn
import mytorch.nn.functional as F
from mytorch.autograd import gradcheck
from mytorch.func import jacfwd, jacrev

try:
    import torch
except ImportError:  # pragma: no cover - PyTorch is optional
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def _data(seed, *shape):
    return np.random.default_rng(seed).standard_normal(shape)


def _both(fn_mt, fn_torch, arrays):
    """fn on MyTorch and PyTorch tensors of ``arrays`` (float64): outputs and every input's gradient."""
    ours = [mt.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    y, z = fn_mt(*ours), fn_torch(*theirs)
    weights = _data(99, *z.shape)
    (y * mt.tensor(weights)).sum().backward()
    (z * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), z.detach().numpy(), rtol=1e-10, atol=1e-12)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


CONV = [
    (2, (2, 3, 7, 6), (4, 3, 3, 2), dict(stride=1, padding=0)),
    (2, (2, 4, 8, 8), (6, 2, 3, 3), dict(stride=2, padding=1, groups=2)),
    (2, (1, 2, 9, 7), (3, 2, 3, 3), dict(dilation=(2, 1), padding="same")),
    (2, (3, 5, 5), (2, 3, 2, 2), dict(stride=(2, 1), padding=(1, 0))),  # unbatched
    (1, (2, 3, 10), (4, 3, 3), dict(stride=3, padding=2, dilation=2)),
    (3, (1, 2, 4, 5, 4), (2, 2, 2, 3, 2), dict(padding=1)),
]


@needs_torch
@pytest.mark.parametrize(("nd", "x_shape", "w_shape", "options"), CONV)
def test_conv_matches_pytorch(nd, x_shape, w_shape, options):
    ours, theirs = getattr(F, f"conv{nd}d"), getattr(torch.nn.functional, f"conv{nd}d")
    arrays = [_data(1, *x_shape), _data(2, *w_shape), _data(3, w_shape[0])]
    _both(lambda x, w, b: ours(x, w, b, **options), lambda x, w, b: theirs(x, w, b, **options), arrays)


POOL = [
    ("max_pool2d", (2, 3, 6, 7), dict(kernel_size=2)),
    ("max_pool2d", (2, 2, 7, 7), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("max_pool2d", (1, 2, 8, 8), dict(kernel_size=(2, 3), stride=(2, 1), dilation=2)),
    ("max_pool1d", (2, 3, 9), dict(kernel_size=3, stride=2, padding=1)),
    ("avg_pool2d", (2, 3, 6, 7), dict(kernel_size=2)),
    ("avg_pool2d", (2, 2, 7, 7), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ("avg_pool2d", (2, 2, 7, 7), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ("avg_pool2d", (2, 2, 6, 6), dict(kernel_size=3, padding=1, divisor_override=2)),
    ("avg_pool1d", (2, 3, 9), dict(kernel_size=4, stride=3, padding=2, count_include_pad=False)),
    ("adaptive_avg_pool2d", (2, 3, 7, 5), dict(output_size=(3, 2))),
    ("adaptive_avg_pool2d", (2, 3, 6, 4), dict(output_size=(1, 1))),
    ("adaptive_max_pool2d", (2, 3, 7, 5), dict(output_size=(3, None))),
    ("adaptive_avg_pool1d", (3, 10), dict(output_size=4)),  # unbatched
]


@needs_torch
@pytest.mark.parametrize(("name", "shape", "options"), POOL)
def test_pools_match_pytorch(name, shape, options):
    ours, theirs = getattr(F, name), getattr(torch.nn.functional, name)
    _both(lambda x: ours(x, **options), lambda x: theirs(x, **options), [_data(4, *shape)])


@needs_torch
def test_max_pool_gradient_goes_to_the_first_largest_as_in_pytorch():
    x = np.array([[[[0.0, 0.0, 1.0], [1.0, 0.0, 1.0], [0.0, 0.0, 0.0]]]])  # ties, as after a relu
    _both(lambda t: F.max_pool2d(t, 2, 1), lambda t: torch.nn.functional.max_pool2d(t, 2, 1), [x])


def test_conv_and_pool_gradients_forward_mode_and_second_derivatives():
    x = mt.tensor(_data(5, 1, 2, 5, 4), requires_grad=True)
    w = mt.tensor(_data(6, 2, 2, 3, 2), requires_grad=True)

    def net(x, w):
        return F.max_pool2d(F.conv2d(x, w, padding=1, stride=(1, 2)).tanh(), 2, ceil_mode=True)

    assert gradcheck(net, (x, w))
    np.testing.assert_allclose(jacfwd(net, argnums=1)(x, w).numpy(), jacrev(net, argnums=1)(x, w).numpy(), atol=1e-12)
    v = mt.tensor(_data(8, *x.shape))

    def mixed(w):  # <d/dx of sum(net**2), v>, a function of w
        (gx,) = mt.autograd.grad(net(x, w).square().sum(), x, create_graph=True)
        return (gx * v).sum()

    (second,) = mt.autograd.grad(mixed(w), w)
    step, flat = 1e-6, w.detach().numpy().ravel()
    for i in (0, 5, 11):
        up, down = flat.copy(), flat.copy()
        up[i] += step
        down[i] -= step
        numeric = (mixed(mt.tensor(up.reshape(w.shape))) - mixed(mt.tensor(down.reshape(w.shape)))).item() / (2 * step)
        assert abs(second.numpy().ravel()[i] - numeric) < 1e-6 * max(1.0, abs(numeric))


@needs_torch
def test_modules_draw_like_pytorch_and_a_cnn_step_matches():
    mt.manual_seed(0)
    conv = nn.Conv2d(1, 4, 3, padding=1, dtype=mt.float64)
    assert conv.weight.shape == (4, 1, 3, 3) and conv.bias.shape == (4,)
    assert np.abs(conv.weight.numpy()).max() <= 1 / 3 and np.abs(conv.bias.numpy()).max() <= 1 / 3
    assert repr(conv) == "Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))"
    layers = [nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2), nn.AdaptiveAvgPool2d(1), nn.Flatten()]
    ours = nn.Sequential(*layers, nn.Linear(4, 3)).double()
    theirs = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(4, 3),
    ).double()  # fmt: skip
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    x, y = _data(7, 5, 1, 8, 8), np.array([0, 1, 2, 0, 1])
    a = F.cross_entropy(ours(mt.tensor(x)), mt.tensor(y))
    b = torch.nn.functional.cross_entropy(theirs(torch.tensor(x)), torch.tensor(y))
    a.backward()
    b.backward()
    assert abs(a.item() - b.item()) < 1e-12
    np.testing.assert_allclose(ours[0].weight.grad.numpy(), theirs[0].weight.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours[1].running_var.numpy(), theirs[1].running_var.numpy(), rtol=1e-12)


def test_errors_say_what_is_wrong():
    with pytest.raises(ValueError, match=r"expected input of shape \(N, 3, H, W\)"):
        nn.BatchNorm2d(3)(mt.zeros(2, 3))
    with pytest.raises(ValueError, match="larger than the padded input"):
        F.conv2d(mt.zeros(1, 1, 2, 2), mt.zeros(1, 1, 3, 3))
    with pytest.raises(ValueError, match="in = 3"):
        F.conv2d(mt.zeros(1, 3, 4, 4), mt.zeros(2, 2, 3, 3))
    with pytest.raises(ValueError, match="needs stride 1"):
        nn.Conv2d(1, 1, 3, stride=2, padding="same")
    with pytest.raises(NotImplementedError, match="return_indices"):  # (the adaptive pools only; see test_unpool)
        nn.AdaptiveMaxPool2d(2, return_indices=True)
    with pytest.raises(TypeError, match="mytorch.tensor"):
        F.max_pool2d(np.zeros((1, 1, 2, 2)), 2)


TRANSPOSED = [
    ((2, 4, 5, 5), (4, 3, 3, 3), dict(stride=2, padding=1, output_padding=1)),
    ((1, 4, 4, 3), (4, 2, 2, 3), dict(stride=(1, 2), groups=2, dilation=2)),
    ((3, 5, 5), (3, 2, 3, 3), dict()),  # unbatched
    ((2, 3, 7), (3, 2, 4), dict(stride=3, padding=2)),
    ((2, 2, 3, 4, 3), (2, 3, 2, 3, 2), dict(stride=(2, 1, 2), padding=(1, 0, 0), output_padding=(1, 0, 1))),
    ((1, 4, 3, 3, 2), (4, 1, 2, 2, 3), dict(groups=2, dilation=(1, 2, 1))),
    ((2, 3, 2, 3), (2, 2, 2, 2, 2), dict(stride=2)),  # unbatched
]


@needs_torch
@pytest.mark.parametrize(("x_shape", "w_shape", "options"), TRANSPOSED)
def test_conv_transpose_matches_pytorch(x_shape, w_shape, options):
    name = f"conv_transpose{len(w_shape) - 2}d"
    ours, theirs = getattr(F, name), getattr(torch.nn.functional, name)
    bias = _data(3, w_shape[1] * options.get("groups", 1))
    _both(
        lambda x, w, b: ours(x, w, b, **options),
        lambda x, w, b: theirs(x, w, b, **options),
        [_data(1, *x_shape), _data(2, *w_shape), bias],
    )


def test_transposed_module_and_channel_dropout():
    mt.manual_seed(0)
    up = nn.ConvTranspose2d(4, 2, 3, stride=2, padding=1, output_padding=1)
    assert up.weight.shape == (4, 2, 3, 3) and up(mt.ones(1, 4, 5, 5)).shape == (1, 2, 10, 10)
    assert np.abs(up.bias.numpy()).max() <= 1 / np.sqrt(2 * 9)  # fan_in: the weight's second axis times 3 x 3
    drop = nn.Dropout2d(0.5)
    y = drop(mt.ones(4, 8, 3, 3)).numpy()
    assert set(np.unique(y)) <= {0.0, 2.0} and (y == y[:, :, :1, :1]).all()  # whole channels, scaled by 2
    drop.eval()
    assert (drop(mt.ones(1, 2, 2, 2)).numpy() == 1).all() and F.dropout1d(mt.ones(3, 5), 0.5).shape == (3, 5)


def test_conv_transpose3d_module_output_size_and_second_derivatives_match_pytorch():
    torch = pytest.importorskip("torch")
    results = []
    for lib in (mt, torch):
        lib.manual_seed(0)
        up = lib.nn.ConvTranspose3d(2, 3, (2, 3, 2), stride=2, padding=(0, 1, 0)).double()
        with lib.no_grad():
            up.weight.copy_(lib.tensor(_data(1, *up.weight.shape)))
            up.bias.copy_(lib.tensor(_data(2, 3)))
        x = lib.tensor(_data(3, 1, 2, 3, 2, 3), requires_grad=True)
        y = up(x, output_size=(1, 3, 7, 4, 7))  # (one more than the smallest size along two axes)
        (gx,) = lib.autograd.grad(y.tanh().sum(), x, create_graph=True)
        (gw,) = lib.autograd.grad(gx.square().sum(), up.weight)
        results.append([t.detach().numpy() for t in (y, gx, gw)])
        with pytest.raises(ValueError, match="output.size|output size"):
            up(x, output_size=(9, 4, 7))
    assert results[0][0].shape == (1, 3, 7, 4, 7)
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    lazy = nn.LazyConvTranspose3d(2, 2)
    assert lazy(mt.ones(1, 5, 2, 2, 2)).shape == (1, 2, 3, 3, 3) and lazy.weight.shape == (5, 2, 2, 2, 2)


INTERPOLATE = [
    ((2, 3, 4, 5), dict(scale_factor=2)),
    ((2, 3, 4, 5), dict(size=(7, 3))),
    ((1, 2, 5, 4), dict(scale_factor=1.7, mode="bilinear")),
    ((1, 2, 5, 4), dict(size=(9, 6), mode="bilinear", align_corners=True)),
    ((1, 2, 5, 4), dict(size=(3, 7), mode="bilinear")),
    ((2, 3, 6), dict(scale_factor=2.5, mode="linear")),
    ((2, 3, 6), dict(size=4, mode="nearest-exact")),
    ((1, 1, 5, 5), dict(scale_factor=(0.5, 1.5))),
    # bicubic, trilinear and area were refused ("mode must be one of nearest, ..., bilinear")
    ((1, 2, 5, 4), dict(size=(7, 9), mode="bicubic")),
    ((1, 2, 5, 4), dict(size=(3, 6), mode="bicubic", align_corners=True)),
    ((2, 1, 6, 6), dict(scale_factor=0.75, mode="bicubic")),
    ((1, 2, 3, 4, 3), dict(size=(5, 3, 6), mode="trilinear")),
    ((1, 2, 3, 4, 3), dict(scale_factor=1.5, mode="trilinear", align_corners=True)),
    ((2, 3, 7, 5), dict(size=(3, 4), mode="area")),
    ((2, 3, 9), dict(scale_factor=0.5, mode="area")),
]


@needs_torch
@pytest.mark.parametrize(("shape", "options"), INTERPOLATE)
def test_interpolate_matches_pytorch(shape, options):
    _both(
        lambda x: F.interpolate(x, **options),
        lambda x: torch.nn.functional.interpolate(x, **options),
        [_data(6, *shape)],
    )


def test_upsample_modules():
    x = mt.tensor(np.arange(4.0).reshape(1, 1, 2, 2))
    assert nn.Upsample(scale_factor=2)(x)[0, 0].tolist() == [[0, 0, 1, 1], [0, 0, 1, 1], [2, 2, 3, 3], [2, 2, 3, 3]]
    assert nn.UpsamplingBilinear2d(size=3)(x)[0, 0].tolist() == [[0, 0.5, 1], [1, 1.5, 2], [2, 2.5, 3]]
    with pytest.raises(ValueError, match="bicubic"):
        F.interpolate(mt.zeros(1, 1, 2), scale_factor=2, mode="bicubic")  # bicubic takes 2 spatial axes
    with pytest.raises(ValueError, match="align_corners"):
        F.interpolate(x, scale_factor=2, mode="area", align_corners=True)
    # closed forms: a constant stays constant under bicubic (its edge taps read the edge); area
    # halving is 2x2 average pooling; trilinear with corners aligned reproduces a linear function
    flat = F.interpolate(mt.full((1, 1, 3, 4), 2.5, dtype=mt.float64), size=(7, 5), mode="bicubic")
    np.testing.assert_allclose(flat.numpy(), 2.5, rtol=1e-14)
    x = mt.tensor(np.random.default_rng(0).random((2, 3, 6, 8)))
    np.testing.assert_allclose(F.interpolate(x, scale_factor=0.5, mode="area").numpy(), F.avg_pool2d(x, 2).numpy())
    grid = np.stack(np.meshgrid(np.arange(3.0), np.arange(4.0), np.arange(2.0), indexing="ij"))
    ramp = mt.tensor((grid * np.array([1.0, -2.0, 0.5])[:, None, None, None]).sum(0)[None, None])
    fine = F.interpolate(ramp, size=(5, 7, 3), mode="trilinear", align_corners=True).numpy()[0, 0]
    axes = np.meshgrid(np.linspace(0, 2, 5), np.linspace(0, 3, 7), np.linspace(0, 1, 3), indexing="ij")
    np.testing.assert_allclose(fine, axes[0] - 2 * axes[1] + 0.5 * axes[2], atol=1e-12)


@pytest.mark.parametrize(
    ("options", "output"),
    [
        ({"scale_factor": -1}, "(-2, -2)"),
        ({"scale_factor": 0.4}, "(0, 0)"),
        ({"size": 0}, "(0, 0)"),
        ({"size": 2.7}, "(2, 2)"),
    ],
    ids=["negative factor", "factor to nothing", "zero size", "fractional size"],
)
def test_interpolate_refuses_sizes_below_1_and_fractional_sizes(options, output):
    # a negative or small scale_factor gave an empty tensor and size=2.7 was cut to 2, silently;
    # PyTorch: "Input and output sizes should be greater than 0"
    x = mt.tensor(np.arange(4.0).reshape(1, 1, 2, 2))
    with pytest.raises(
        ValueError, match=rf"interpolate: input and output sizes .* got input \(2, 2\) and output {re.escape(output)}"
    ):
        F.interpolate(x, **options)
    assert F.interpolate(x, scale_factor=0.5).shape == (1, 1, 1, 1) and F.interpolate(x, size=3.0).shape == (1, 1, 3, 3)


@needs_torch
@pytest.mark.parametrize(
    ("name", "shape", "options"),
    [
        ("max_pool3d", (1, 2, 4, 5, 4), dict(kernel_size=2, stride=(1, 2, 2), padding=1)),
        ("avg_pool3d", (1, 2, 4, 5, 4), dict(kernel_size=(2, 3, 2), count_include_pad=False, padding=1)),
        ("adaptive_avg_pool3d", (2, 4, 5, 3), dict(output_size=(2, 2, 3))),
        ("unfold", (2, 3, 5, 6), dict(kernel_size=(2, 3), stride=(1, 2), padding=1, dilation=(2, 1))),
        ("pixel_shuffle", (2, 8, 3, 2), dict(upscale_factor=2)),
        ("pixel_unshuffle", (2, 2, 6, 4), dict(downscale_factor=2)),
        ("instance_norm", (2, 3, 4, 5), dict()),
    ],
)
def test_more_cnn_functions_match_pytorch(name, shape, options):
    ours, theirs = getattr(F, name), getattr(torch.nn.functional, name)
    _both(lambda x: ours(x, **options), lambda x: theirs(x, **options), [_data(8, *shape)])


@needs_torch
def test_instance_norm_and_batchnorm3d_modules_match_pytorch():
    x = _data(9, 2, 3, 4, 5)
    ours, theirs = nn.InstanceNorm2d(3, affine=True, dtype=mt.float64), torch.nn.InstanceNorm2d(3, affine=True).double()
    np.testing.assert_allclose(ours(mt.tensor(x)).numpy(), theirs(torch.tensor(x)).detach().numpy(), atol=1e-12)
    bn, tbn = nn.BatchNorm3d(3).double(), torch.nn.BatchNorm3d(3).double()
    y = _data(10, 2, 3, 2, 3, 2)
    np.testing.assert_allclose(bn(mt.tensor(y)).numpy(), tbn(torch.tensor(y)).detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(bn.running_var.numpy(), tbn.running_var.numpy(), rtol=1e-12)


@needs_torch
@pytest.mark.parametrize(
    ("name", "args", "shape"),
    [
        ("ReflectionPad2d", (1,), (2, 3, 4, 5)),
        ("ReplicationPad2d", ((1, 2, 0, 1),), (2, 3, 4, 5)),
        ("ReflectionPad1d", (2,), (2, 3, 5)),
        ("CircularPad2d", (1,), (1, 2, 3, 3)),
        ("Softmax2d", (), (2, 3, 4, 5)),
        ("ChannelShuffle", (3,), (2, 6, 2, 2)),
    ],
)
def test_padding_and_channel_modules_match_pytorch(name, args, shape):
    _both(lambda x: getattr(nn, name)(*args)(x), lambda x: getattr(torch.nn, name)(*args)(x), [_data(11, *shape)])


def test_gumbel_softmax_is_a_distribution_and_hard_is_one_hot_with_the_soft_gradient():
    mt.manual_seed(0)
    logits = mt.tensor(_data(12, 3, 5), requires_grad=True)
    soft = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.sum(-1).numpy(), 1.0, rtol=1e-12)
    hard = F.gumbel_softmax(logits, hard=True)
    assert set(np.unique(hard.detach().numpy())) == {0.0, 1.0} and hard.sum().item() == 3.0
    (hard * mt.tensor(_data(13, 3, 5))).sum().backward()
    assert np.abs(logits.grad.numpy()).sum() > 0


@needs_torch
@pytest.mark.parametrize(
    ("shape", "options"),
    [
        ((2, 12, 12), dict(output_size=(4, 5), kernel_size=2)),
        ((1, 12, 15), dict(output_size=(5, 6), kernel_size=(2, 3), stride=(1, 2), padding=1, dilation=(2, 1))),
        ((12, 9), dict(output_size=4, kernel_size=2)),  # unbatched
    ],
)
def test_fold_matches_pytorch_and_undoes_unfold_counts(shape, options):
    _both(lambda x: F.fold(x, **options), lambda x: torch.nn.functional.fold(x, **options), [_data(14, *shape)])
    ones = mt.ones(1, 1, 4, 4)
    counts = F.fold(F.unfold(ones, 2), (4, 4), 2)  # each element counted once per window holding it
    assert counts[0, 0].tolist() == [[1, 2, 2, 1], [2, 4, 4, 2], [2, 4, 4, 2], [1, 2, 2, 1]]


def test_max_pool_of_minus_inf_windows_gives_the_gradient_to_the_input():
    """A window of -inf only, next to the -inf padding: the padding came first and took the
    gradient, which was lost (3x3 windows of padding 1 over a 3x3 -inf input passed 4 of 9 on).
    PyTorch's goes to the window's first element inside the input: counts [[4, 2, 0], [2, 1, 0], ...]."""
    x = mt.tensor(np.full((1, 1, 3, 3), -np.inf), requires_grad=True)
    F.max_pool2d(x, 3, 1, 1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [[4, 2, 0], [2, 1, 0], [0, 0, 0]])
    x = mt.tensor(np.full((1, 1, 5), -np.inf), requires_grad=True)
    F.max_pool1d(x, 3, 1, 1).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy()[0, 0], [2, 1, 1, 1, 0])


def test_max_pool_with_minus_inf_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for kwargs in ({"stride": 2, "padding": 1, "ceil_mode": True}, {"stride": 1, "padding": 1, "dilation": 2}):
        data = np.where(rng.random((2, 2, 5, 6)) < 0.7, -np.inf, rng.standard_normal((2, 2, 5, 6)))
        x, t = mt.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
        y, yt = F.max_pool2d(x, 3, **kwargs), torch.nn.functional.max_pool2d(t, 3, **kwargs)
        weights = rng.standard_normal(tuple(y.shape))
        (y * mt.tensor(weights)).sum().backward()
        (yt * torch.tensor(weights)).sum().backward()
        np.testing.assert_array_equal(y.detach().numpy(), yt.detach().numpy())
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())


def test_local_response_norm_and_dropout3d():
    # nn.LocalResponseNorm (AlexNet's) and nn.Dropout3d were NotInMyTorchError
    x = np.random.default_rng(0).normal(size=(2, 5, 3))
    one = F.local_response_norm(mt.tensor(x), 1, alpha=0.3, beta=0.8, k=1.5).numpy()  # a window of 1 channel
    np.testing.assert_allclose(one, x / (1.5 + 0.3 * x * x) ** 0.8, rtol=1e-13)
    three = nn.LocalResponseNorm(3, alpha=0.3, beta=0.8, k=1.5)(mt.tensor(x)).numpy()
    squares = np.pad(x * x, ((0, 0), (1, 1), (0, 0)))
    window = (squares[:, :-2] + squares[:, 1:-1] + squares[:, 2:]) / 3
    np.testing.assert_allclose(three, x / (1.5 + 0.3 * window) ** 0.8, rtol=1e-13)
    a = mt.tensor(x[:1, :4], requires_grad=True)
    assert gradcheck(lambda t: F.local_response_norm(t, 2, alpha=0.5, beta=0.75, k=1.0), (a,))
    with pytest.raises(ValueError, match="3 or more axes"):
        F.local_response_norm(mt.ones(2, 3), 2)
    drop = nn.Dropout3d(0.5)
    y = drop(mt.ones(3, 4, 2, 2, 2)).numpy()
    assert set(np.unique(y)) <= {0.0, 2.0} and (y == y[:, :, :1, :1, :1]).all()  # whole channels
    drop.eval()
    assert (drop(mt.ones(1, 2, 2, 2, 2)).numpy() == 1).all() and F.dropout3d(mt.ones(2, 2, 2, 2), 0.5).shape == (
        2,
        2,
        2,
        2,
    )


@needs_torch
@pytest.mark.parametrize("shape", [(2, 7, 3, 4), (2, 5, 6), (1, 6, 2, 3, 2)])
@pytest.mark.parametrize("size", [2, 5])
def test_local_response_norm_matches_pytorch(shape, size):
    _both(
        lambda x: F.local_response_norm(x, size, alpha=0.3, beta=0.8, k=1.5),
        lambda x: torch.nn.functional.local_response_norm(x, size, alpha=0.3, beta=0.8, k=1.5),
        [_data(3, *shape)],
    )

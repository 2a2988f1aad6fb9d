"""Bilinear, scaled_dot_product_attention, pdist, alpha_dropout, rrelu, constant padding modules,
softmax(dtype=), init.orthogonal_ and init.eye_: against PyTorch (skipped without it) and by
their defining properties."""

import numpy as np
import pytest
from torch_compare import assert_like_torch

import mytorch as mt
import mytorch.nn.functional as F

X = np.random.default_rng(1).standard_normal((2, 3, 4))
W = np.random.default_rng(2).standard_normal((5, 4, 4))
MASK = np.tril(np.ones((3, 3), bool)) | np.eye(3, k=1, dtype=bool)

CALLS = [
    lambda L, t: L.nn.functional.bilinear(t, t.flip(1), L.tensor(W), L.tensor(np.arange(5.0))),
    lambda L, t: L.nn.functional.scaled_dot_product_attention(t, t * 2, t.flip(2)),
    lambda L, t: L.nn.functional.scaled_dot_product_attention(t, t, t, is_causal=True),
    lambda L, t: L.nn.functional.scaled_dot_product_attention(t, t.flip(1), t, attn_mask=L.tensor(MASK), scale=0.3),
    lambda L, t: L.nn.functional.scaled_dot_product_attention(
        t, t, t, attn_mask=L.tensor(np.linspace(-1, 1, 9).reshape(3, 3))
    ),
    lambda L, t: L.nn.functional.pdist(t[0]),
    lambda L, t: L.nn.functional.pdist(t[1], p=1.0),
    lambda L, t: L.nn.functional.rrelu(t, training=False),
    lambda L, t: L.nn.RReLU(0.1, 0.3).eval()(t),
    lambda L, t: L.nn.functional.alpha_dropout(t, 0.3, training=False) * 1,
    lambda L, t: L.nn.ConstantPad1d(2, 3.5)(t),
    lambda L, t: L.nn.ConstantPad2d((1, 0, 2, 1), -1.0)(t),
    lambda L, t: L.nn.ZeroPad2d(1)(t),
    lambda L, t: L.nn.functional.log_softmax(t, dim=1, dtype=L.float64),
]


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    assert_like_torch(torch, X, CALLS, rtol=1e-12, atol=1e-12)
    layer, theirs = mt.nn.Bilinear(4, 3, 2), torch.nn.Bilinear(4, 3, 2)
    assert [tuple(p.shape) for p in layer.parameters()] == [tuple(p.shape) for p in theirs.parameters()]
    assert F.softmax(mt.ones(2, 3), dim=1, dtype=mt.float64).dtype == mt.float64


def test_training_modes_keep_their_promises():
    mt.manual_seed(0)
    x = mt.randn(20000, dtype=mt.float64)
    y = F.alpha_dropout(x, 0.2, training=True)
    assert abs(y.mean().item()) < 0.05 and abs(y.var().item() - 1) < 0.05  # SELU's fixed point kept
    z = mt.tensor(-np.ones(1000), requires_grad=True)
    out = F.rrelu(z, 0.1, 0.3, training=True)
    out.sum().backward()
    slopes = -out.detach().numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.3 and np.allclose(z.grad.numpy(), slopes)


def test_init_orthogonal_and_eye():
    w = mt.empty(3, 5, dtype=mt.float64)
    mt.nn.init.orthogonal_(w, gain=2.0)
    np.testing.assert_allclose(w.numpy() @ w.numpy().T, 4 * np.eye(3), atol=1e-12)
    tall = mt.nn.init.orthogonal_(mt.empty(6, 2, dtype=mt.float64))
    np.testing.assert_allclose(tall.numpy().T @ tall.numpy(), np.eye(2), atol=1e-12)
    assert mt.nn.init.eye_(mt.empty(2, 3)).tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    with pytest.raises(ValueError, match="2-D"):
        mt.nn.init.eye_(mt.empty(2))


def test_attention_with_every_key_masked_gives_zeros():
    # such a query gave NaN, and its NaN reached every gradient; PyTorch 2.13 gives 0 there
    rng = np.random.default_rng(3)
    x = mt.tensor(rng.standard_normal((2, 3, 4)), dtype=mt.float64, requires_grad=True)
    mask = np.array([[False] * 3, [True] * 3, [True, False, False]])
    out = mt.nn.functional.scaled_dot_product_attention(x, x * 2, x.flip(1), attn_mask=mt.tensor(mask))
    assert out[:, 0].tolist() == np.zeros((2, 4)).tolist()
    row2 = out[:, 2].detach().numpy()  # one key kept: its value
    np.testing.assert_allclose(row2, x.flip(1)[:, 0].detach().numpy(), rtol=1e-15)
    out.sum().backward()
    assert np.isfinite(x.grad.numpy()).all()
    torch = pytest.importorskip("torch")
    t = torch.tensor(x.detach().numpy(), requires_grad=True)
    want = torch.nn.functional.scaled_dot_product_attention(t, t * 2, t.flip(1), attn_mask=torch.tensor(mask))
    want.sum().backward()
    np.testing.assert_allclose(out.detach().numpy(), want.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_rrelu_slope_at_zero_and_inplace_for_rrelu_and_alpha_dropout():
    """rrelu's gradient at 0 is the negative slope ((lower + upper) / 2 in eval), as PyTorch's (it
    was 1); inplace=True writes into the input for F.rrelu, F.alpha_dropout and their modules (it
    was ignored: the input kept its values)."""
    x = mt.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    F.rrelu(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [11 / 48, 11 / 48, 1.0])
    x = mt.tensor([-1.0, 0.0, 2.0])
    assert F.rrelu(x, inplace=True) is x
    np.testing.assert_allclose(x.numpy(), [-11 / 48, 0.0, 2.0])
    x = mt.tensor([-1.0, 0.0, 2.0])
    assert mt.nn.RReLU(inplace=True).eval()(x) is x and x.tolist()[0] == pytest.approx(-11 / 48)
    x = mt.tensor([-1.0, 0.5, 2.0])
    y = F.alpha_dropout(x, 0.5, training=True, inplace=True)
    assert y is x and x.tolist() != [-1.0, 0.5, 2.0]
    assert repr(mt.nn.RReLU(inplace=True)).endswith("inplace=True)") and repr(
        mt.nn.AlphaDropout(0.2, inplace=True)
    ) == ("AlphaDropout(p=0.2, inplace=True)")


def test_channel_dropout_inplace_writes_into_the_input():
    """F.dropout1d / F.dropout2d and Dropout1d / Dropout2d took inplace=True and ignored it."""
    mt.manual_seed(0)
    x = mt.ones(4, 6, 3)
    assert F.dropout1d(x, 0.5, True, inplace=True) is x
    channels = x.numpy()[:, :, 0]
    assert set(np.unique(channels)) == {0.0, 2.0} and (x.numpy() == channels[:, :, None]).all()
    x = mt.ones(2, 4, 3, 3)
    assert mt.nn.Dropout2d(0.5, inplace=True)(x) is x and set(np.unique(x.numpy())) <= {0.0, 2.0}
    assert (x.numpy() != 1.0).all()


IN_PLACE_ACTIVATIONS = [
    ("relu_", ()),
    ("elu_", (0.7,)),
    ("leaky_relu_", (0.2,)),
    ("hardtanh_", (-1.0, 1.0)),
    ("threshold_", (0.25, -3.0)),
    ("celu_", (0.5,)),
    ("selu_", ()),
    ("rrelu_", (0.1, 0.3, False)),
]


@pytest.mark.parametrize(("name", "args"), IN_PLACE_ACTIVATIONS)
def test_in_place_activation_spellings(name, args):
    # F.relu_(h) and the other in-place spellings were missing (AttributeError naming F.relu_)
    x = np.array([-1.5, 0.3, 2.0, -0.2, 0.1])
    a = mt.tensor(x, requires_grad=True)
    h = a * 2
    out = getattr(F, name)(h, *args)
    assert out is h  # written into its input and returned, as PyTorch's
    (out * out).sum().backward()
    b = mt.tensor(x, requires_grad=True)
    expected = getattr(F, name[:-1])(b * 2, *args)
    (expected * expected).sum().backward()
    np.testing.assert_array_equal(out.detach().numpy(), expected.detach().numpy())
    np.testing.assert_array_equal(a.grad.numpy(), b.grad.numpy())
    # relu_ by closed form: d/da sum(relu(2a)^2) = 8a where a > 0
    if name == "relu_":
        np.testing.assert_allclose(a.grad.numpy(), np.where(x > 0, 8 * x, 0.0))
    with pytest.raises(RuntimeError, match="leaf"):
        getattr(F, name)(mt.tensor(x, requires_grad=True), *args)


def test_in_place_activation_spellings_like_torch():
    torch = pytest.importorskip("torch")
    import torch.nn.functional as TF

    x = np.array([-1.5, 0.3, 2.0, -0.2, 0.1])
    for name, args in IN_PLACE_ACTIVATIONS:
        a, b = mt.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        mine, theirs = getattr(F, name)(a * 2, *args), getattr(TF, name)(b * 2, *args)
        (mine * mine).sum().backward()
        (theirs * theirs).sum().backward()
        np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), rtol=1e-12, err_msg=name)
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, err_msg=name)

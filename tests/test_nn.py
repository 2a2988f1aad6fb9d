"""The Tensor-level ``mytorch.nn``: module registration, state dicts, containers, modes, init,
and the errors for mixing it with the handout's engine-level modules.

Layer and loss values and gradients against PyTorch are in ``tests/test_nn_torch.py``.
"""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
import pytest

import mytorch
import mytorch.nn as nn
from mytorch import Autograd, Tensor
from mytorch.nn import functional as F
from mytorch.nn import init
from mytorch.nn.modules import linear as handout_linear
from mytorch.nn.modules import loss as handout_loss


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(3, 4), nn.Tanh())
        self.heads = nn.ModuleList([nn.Linear(4, 2), nn.Linear(4, 1)])
        self.scale = nn.Parameter(np.ones(1))
        self.not_registered = [nn.Linear(2, 2)]  # a plain list hides its modules, as in PyTorch
        self.note = "plain attribute"

    def forward(self, x: Tensor) -> Tensor:
        h = self.body(x)
        return self.heads[0](h) * self.scale


def test_assignment_registers_parameters_and_modules_in_order():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == [
        "scale",
        "body.0.weight",
        "body.0.bias",
        "heads.0.weight",
        "heads.0.bias",
        "heads.1.weight",
        "heads.1.bias",
    ]
    assert len(list(net.parameters())) == 7
    assert [n for n, _ in net.named_children()] == ["body", "heads"]
    assert [type(m).__name__ for m in net.modules()] == [
        "Net",
        "Sequential",
        "Linear",
        "Tanh",
        "ModuleList",
        "Linear",
        "Linear",
    ]
    assert net.note == "plain attribute"
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["scale"]


def test_a_shared_parameter_is_listed_once():
    a = nn.Linear(2, 2)
    seq = nn.Sequential(a, nn.ReLU(), a)
    assert len(list(seq.parameters())) == 2
    # remove_duplicate=False (PyTorch's; a TypeError before): the shared module and its parameters
    # under each of their names, as PyTorch lists them for tied weights
    assert [n for n, _ in seq.named_modules(remove_duplicate=False)] == ["", "0", "1", "2"]
    assert [n for n, _ in seq.named_modules()] == ["", "0", "1"]
    names = [n for n, _ in seq.named_parameters(remove_duplicate=False)]
    assert names == ["0.weight", "0.bias", "2.weight", "2.bias"]
    tied = nn.Sequential(nn.Embedding(4, 2), nn.Linear(2, 4, bias=False))
    tied[1].weight = tied[0].weight
    assert [n for n, _ in tied.named_parameters()] == ["0.weight"]
    assert [n for n, _ in tied.named_parameters(prefix="m", remove_duplicate=False)] == ["m.0.weight", "m.1.weight"]
    memo = {a}
    assert [n for n, _ in seq.named_modules(memo, "s")] == ["s", "s.1"] and len(memo) == 3
    seq.register_buffer("b", mytorch.zeros(1))
    assert [n for n, _ in seq.named_buffers(remove_duplicate=False)] == ["b"]


def test_registration_errors_say_what_to_do():
    class Forgot(nn.Module):
        def __init__(self) -> None:
            self.layer = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match=r"call super\(\).__init__\(\)"):
        Forgot()
    net = Net()
    with pytest.raises(TypeError, match=r"Net.scale is a parameter: assign a Parameter or None, not a Tensor"):
        net.scale = Tensor(np.ones(1))
    net.scale = None
    assert [n for n, _ in net.named_parameters()][0] == "body.0.weight"
    del net.heads
    assert [n for n, _ in net.named_children()] == ["body"]


def test_forward_runs_through_call_and_backward_reaches_every_used_parameter():
    net = Net()
    out = net(Tensor(np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)))
    assert out.shape == (5, 2)
    out.sum().backward()
    grads = {n: p.grad for n, p in net.named_parameters()}
    assert all(grads[n] is not None for n in ["scale", "body.0.weight", "heads.0.weight"])
    assert grads["heads.1.weight"] is None  # not used in forward


def test_zero_grad_sets_to_none_or_zeroes():
    net = nn.Linear(3, 2)
    net(Tensor(np.ones((1, 3), dtype=np.float32))).sum().backward()
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not np.any(np.asarray(p.grad)) for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_train_and_eval_reach_every_module_and_switch_dropout():
    net = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
    assert net.eval() is net and not any(m.training for m in net.modules())
    x = Tensor(np.ones((2, 4), dtype=np.float32))
    np.testing.assert_array_equal(net[1](x).numpy(), x.numpy())
    assert net.train() is net and all(m.training for m in net.modules())


def test_dropout_zeroes_a_fraction_p_and_scales_the_rest():
    x = Tensor(np.ones((200, 100)), requires_grad=True)
    y = nn.Dropout(0.3)(x)
    kept = y.numpy() != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(y.numpy()[kept], 1 / 0.7)
    y.sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), np.where(kept, 1 / 0.7, 0.0))
    with pytest.raises(ValueError, match="probability"):
        nn.Dropout(1.5)


def test_state_dict_round_trips_through_an_npz_file(tmp_path):
    a, b = Net(), Net()
    state = a.state_dict()
    assert list(state) == [n for n, _ in a.named_parameters()]
    np.savez(tmp_path / "w.npz", **{k: v.numpy() for k, v in state.items()})
    with np.load(tmp_path / "w.npz") as saved:  # no pickle: allow_pickle stays False
        result = b.load_state_dict(saved)
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (name, p), q in zip(a.named_parameters(), b.parameters()):
        np.testing.assert_array_equal(p.numpy(), q.numpy(), err_msg=name)
        assert q.numpy() is not p.numpy()  # copied into b's own arrays


def test_load_state_dict_checks_names_and_shapes_and_changes_nothing_on_error():
    net = nn.Linear(3, 2)
    before = net.weight.numpy().copy()
    with pytest.raises(KeyError, match=r"missing keys \['bias'\], unexpected keys \['b'\]"):
        net.load_state_dict({"weight": np.zeros((2, 3)), "b": np.zeros(2)})
    with pytest.raises(ValueError, match=r"'bias' has shape \(3,\), the module's is \(2,\)"):
        net.load_state_dict({"weight": np.zeros((2, 3)), "bias": np.zeros(3)})
    np.testing.assert_array_equal(net.weight.numpy(), before)
    # PyTorch raises RuntimeError for both, and PyTorch code catches that (try the strict load,
    # fall back to strict=False): MyTorch's KeyError and ValueError escaped such a clause
    with pytest.raises(RuntimeError, match="missing keys"):
        net.load_state_dict({"weight": np.zeros((2, 3))})
    with pytest.raises(RuntimeError, match="has shape"):
        net.load_state_dict({"weight": np.zeros((2, 3)), "bias": np.zeros(3)}, strict=False)
    result = net.load_state_dict({"weight": np.zeros((2, 3))}, strict=False)
    assert result.missing_keys == ["bias"] and not net.weight.numpy().any()
    assert net.weight.dtype == np.float32  # float64 values cast to the parameter's dtype
    # print(model.load_state_dict(...)) prints PyTorch's words when every key matched (it printed
    # IncompatibleKeys(missing_keys=[], unexpected_keys=[]))
    assert str(net.load_state_dict(net.state_dict())) == "<All keys matched successfully>"
    assert isinstance(net.state_dict(), OrderedDict)  # as PyTorch's (checkpoint code tests for it)
    assert repr(result) == "_IncompatibleKeys(missing_keys=['bias'], unexpected_keys=[])"  # PyTorch's words


def test_to_double_converts_parameters_in_place():
    net = Net()
    params = list(net.parameters())
    net.double()
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert list(net.parameters()) == params  # same Parameter objects (optimizers keep working)
    assert net(Tensor(np.ones((1, 3)))).dtype == np.float64
    assert net.to("cpu", dtype=np.float32) is net and net.body[0].weight.dtype == np.float32
    with pytest.raises(ValueError, match="the only device is 'cpu', got 'cuda'"):
        net.to("cuda")


def test_containers_index_slice_and_grow():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[-1], nn.Linear)
    assert [type(m).__name__ for m in seq[:2]] == ["Linear", "ReLU"]
    named = nn.Sequential(OrderedDict([("hidden", nn.Linear(2, 3)), ("act", nn.ReLU())]))
    assert [n for n, _ in named.named_parameters()] == ["hidden.weight", "hidden.bias"]
    lst = nn.ModuleList()
    lst.append(nn.Linear(1, 1)).extend([nn.ReLU(), nn.Linear(1, 2)])
    lst.insert(0, nn.Identity())
    assert [type(m).__name__ for m in lst] == ["Identity", "Linear", "ReLU", "Linear"]
    assert [n for n, _ in lst.named_parameters()] == ["1.weight", "1.bias", "3.weight", "3.bias"]


def test_repr_reads_like_pytorch():
    net = nn.Sequential(nn.Linear(2, 8), nn.LeakyReLU(0.2), nn.Dropout(0.1), nn.Linear(8, 1, bias=False))
    assert repr(net) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=8, bias=True)\n"
        "  (1): LeakyReLU(negative_slope=0.2)\n"
        "  (2): Dropout(p=0.1, inplace=False)\n"
        "  (3): Linear(in_features=8, out_features=1, bias=False)\n"
        ")"
    )


def test_linear_draws_pytorchs_initial_distribution():
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    for p in (layer.weight.numpy(), layer.bias.numpy()):
        assert p.dtype == np.float32 and np.abs(p).max() <= bound
    w = layer.weight.numpy().astype(np.float64).ravel()
    assert abs(w.mean()) < 0.01 * bound and abs(w.var() - bound**2 / 3) < 0.02 * bound**2 / 3


def test_init_bounds_and_gains():
    w = Tensor(np.zeros((30, 50)))
    assert init.xavier_uniform_(w) is w and np.abs(w.numpy()).max() <= math.sqrt(6 / 80)
    init.kaiming_uniform_(w, a=math.sqrt(5))
    assert np.abs(w.numpy()).max() <= 1 / math.sqrt(50)
    init.kaiming_normal_(w, nonlinearity="relu")
    assert abs(w.numpy().std() - math.sqrt(2 / 50)) < 0.1 * math.sqrt(2 / 50)
    assert init.constant_(w, 0.5).numpy().min() == 0.5 and not init.zeros_(w).numpy().any()
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("conv2d") == init.calculate_gain("conv_transpose3d") == 1.0  # (PyTorch's names)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.xavier_uniform_(Tensor(np.zeros(3)))


def test_a_tensor_into_a_handout_module_names_the_tensor_level_one():
    engine = Autograd()
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(TypeError, match=r"for Tensors use mytorch.nn.Linear\(in_features, out_features\)"):
        handout_linear.Linear(3, 2, engine)(x)
    with pytest.raises(TypeError, match=r"for Tensors use mytorch.nn.CrossEntropyLoss\(\)"):
        handout_loss.SoftmaxCrossEntropy(engine)(x, x)


def test_an_array_into_a_tensor_module_names_the_handout_one():
    with pytest.raises(TypeError, match=r"mytorch.tensor\(x\), or use the handout's mytorch.nn.modules.linear.Linear"):
        nn.Linear(3, 2)(np.ones((2, 3)))
    with pytest.raises(TypeError, match=r"handout's mytorch.nn.modules.activation.ReLU\(autograd_engine\)"):
        nn.ReLU()(np.ones(3))
    with pytest.raises(TypeError, match="mytorch.nn.modules.linear.Linear"):
        nn.Linear(3, 2, Autograd())  # the handout's signature
    with pytest.raises(TypeError, match="do not mix with mytorch.nn"):
        nn.Sequential(handout_linear.Linear(3, 2, Autograd()))
    with pytest.raises(ValueError, match=r"expected input of shape \(..., 3\), got \(2, 4\)"):
        nn.Linear(3, 2)(Tensor(np.ones((2, 4))))


def test_shared_functional_names_take_arrays_plainly_and_record_tensors():
    x = np.array([[-1.0, 2.0, 0.5]])
    plain = F.relu(x)
    assert type(plain) is np.ndarray and plain.tolist() == [[0.0, 2.0, 0.5]]
    assert type(F.softmax(x, 1)) is np.ndarray
    t = Tensor(x, requires_grad=True)
    F.softmax(t, dim=1)[0, 1].backward()
    p = F.softmax(x, 1)[0]
    np.testing.assert_allclose(np.asarray(t.grad)[0], p[1] * (np.eye(3)[1] - p))  # d softmax_1 / dx
    with pytest.raises(TypeError, match=r"give the dimension"):
        F.log_softmax(t)
    assert F.cross_entropy is mytorch.nn.functional_tensor.cross_entropy


def test_cross_entropy_checks_its_targets():
    logits = Tensor(np.zeros((2, 3)), requires_grad=True)
    with pytest.raises(ValueError, match=r"class labels must be >= 0 and below 3; got 0 .. 3"):
        F.cross_entropy(logits, np.array([0, 3]))
    with pytest.raises(ValueError, match=r"target must be class labels of shape \(2,\)"):
        F.cross_entropy(logits, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="reduction must be one of mean, sum, none"):
        nn.CrossEntropyLoss(reduction="avg")
    loss = nn.CrossEntropyLoss()(logits, np.array([0, 2]))
    assert loss.shape == () and loss.item() == pytest.approx(math.log(3))
    with pytest.raises(ValueError, match=r"input has shape \(2, 3\) but target \(2,\)"):
        nn.MSELoss()(logits, np.zeros(2))


def test_cross_entropy_weight_and_ignore_index_by_hand_and_by_differences():
    """Without PyTorch: the weighted mean over the labels that count, in closed form, and the
    gradient (through the fused kernel, on scaled rows) against central differences."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 3))
    labels, weight = np.array([2, 0, 1, 0, 2]), np.array([0.5, 2.0, 3.0])
    log_p = x - np.log(np.exp(x).sum(1, keepdims=True))
    kept = labels != 0  # ignore_index=0, a padding class
    rows = np.arange(5)[kept]
    expected = -(weight[labels[kept]] * log_p[rows, labels[kept]]).sum() / weight[labels[kept]].sum()

    def loss(a: np.ndarray) -> Tensor:
        return F.cross_entropy(Tensor(a, requires_grad=True), labels, weight=weight, ignore_index=0)

    assert loss(x).item() == pytest.approx(expected, rel=1e-12)
    assert nn.CrossEntropyLoss(Tensor(weight), ignore_index=0)(Tensor(x), labels).item() == pytest.approx(expected)
    assert F.nll_loss(Tensor(log_p), labels, weight=weight, ignore_index=0).item() == pytest.approx(expected)
    t = Tensor(x, requires_grad=True)
    F.cross_entropy(t, labels, weight=weight, ignore_index=0).backward()
    u, eps = rng.standard_normal(x.shape), 1e-6
    numeric = (loss(x + eps * u).item() - loss(x - eps * u).item()) / (2 * eps)
    assert float(np.vdot(np.asarray(t.grad), u)) == pytest.approx(numeric, rel=1e-6)
    assert not np.asarray(t.grad)[~kept].any()  # an ignored example gets no gradient
    assert "weight" in nn.CrossEntropyLoss(weight=Tensor(weight)).state_dict()  # a buffer, as in PyTorch


def test_cross_entropy_mean_gives_ignored_labels_zero_gradients_even_when_nothing_counts():
    """PyTorch's numbers (torch 2.13): with every label ignored the mean is NaN and every logit's
    gradient 0; with the labels that count weighing 0, NaN on their rows and 0 on the ignored
    ones. MyTorch gave NaN gradients to every row (the ignored rows, scaled by N / 0, became NaN)."""
    x = np.array([[0.5, -1.0, 2.0], [0.1, 0.2, 0.3]])
    for smoothing in (0.0, 0.1):
        for values, labels in ((x, np.array([-100, -100])), (x[0], np.array(-100))):  # (N, C) and (C,)
            logits = Tensor(values, requires_grad=True)
            loss = F.cross_entropy(logits, labels, label_smoothing=smoothing)
            loss.backward()
            assert np.isnan(loss.item()) and loss.shape == ()
            assert np.array_equal(np.asarray(logits.grad), np.zeros(logits.shape))
    t = Tensor(x, requires_grad=True)
    loss = F.cross_entropy(t, np.array([-100, 0]), weight=np.array([0.0, 1.0, 1.0]))
    loss.backward()
    assert np.isnan(loss.item())
    assert np.array_equal(np.asarray(t.grad)[0], np.zeros(3)) and np.isnan(np.asarray(t.grad)[1]).all()


def test_cross_entropy_refuses_bad_weights_and_options_naming_them():
    logits = Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"F.cross_entropy: weight must have one entry per class, shape \(3,\), got"):
        F.cross_entropy(logits, np.array([0, 1]), weight=np.ones(2))
    with pytest.raises(ValueError, match=r"below 3 \(or ignore_index=-1\); got 3 .. 3"):
        F.cross_entropy(logits, np.array([-1, 3]), ignore_index=-1)
    with pytest.raises(ValueError, match="ignore_index applies to class labels"):
        F.cross_entropy(logits, np.full((2, 3), 1 / 3), ignore_index=0)
    with pytest.raises(TypeError, match="size_average and reduce are PyTorch's deprecated"):
        nn.CrossEntropyLoss(size_average=False)
    with pytest.raises(ValueError, match=r"target must be class labels of shape \(2, 4\)"):
        F.cross_entropy(Tensor(np.zeros((2, 3, 4))), np.zeros((2, 3), dtype=np.int64))
    with pytest.raises(ValueError, match=r"F.nll_loss: input must be"):
        F.nll_loss(logits, np.zeros(3, dtype=np.int64))


def test_embedding_rows_gradients_padding_and_errors():
    emb = nn.Embedding(4, 2, padding_idx=0, dtype=np.float64)
    assert not emb.weight.numpy()[0].any() and emb.weight.numpy()[1:].any()  # the padding row starts at zeros
    with mytorch.no_grad():
        emb.weight[0] = 5.0
    indices = mytorch.tensor([[0, 2, 2], [3, 0, 1]])
    out = emb(indices)
    assert out.shape == (2, 3, 2) and np.array_equal(out.numpy()[0, 0], [5.0, 5.0])
    out.sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.numpy(), [[0, 0], [1, 1], [2, 2], [1, 1]])  # padding: none
    assert "weight" in emb.state_dict() and repr(emb) == "Embedding(4, 2, padding_idx=0)"
    with pytest.raises(ValueError, match=r"F.embedding: indices must lie in \[0, 4\) .* got -1 .. 3"):
        emb(mytorch.tensor([-1, 3]))
    with pytest.raises(IndexError):
        emb(mytorch.tensor([4]))
    with pytest.raises(TypeError, match="F.embedding: indices must be integers"):
        emb(mytorch.tensor([1.0]))
    with pytest.raises(ValueError, match=r"padding_idx must lie in \[-4, 4\)"):
        nn.Embedding(4, 2, padding_idx=4)
    with pytest.raises(TypeError, match="scale_grad_by_freq .* is not supported"):
        nn.Embedding(4, 2, scale_grad_by_freq=True)


def test_masked_fill_values_gradients_in_place_and_errors():
    x = Tensor(np.array([[1.0, -2.0, 3.0], [0.5, 0.0, -1.0]]), requires_grad=True)
    mask = x.numpy() < 0
    y = x.masked_fill(mytorch.tensor(mask), 0.0)
    np.testing.assert_array_equal(y.numpy(), np.where(mask, 0.0, x.numpy()))
    (y * y).sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), np.where(mask, 0.0, 2 * x.numpy()))  # none where filled
    ints = mytorch.tensor([3, 4]).masked_fill(mytorch.tensor([True, False]), 0.7)
    assert ints.dtype == np.int64 and ints.tolist() == [0, 4]  # the number in the tensor's dtype, as PyTorch
    x.grad = None
    h = x * 1.0
    assert h.masked_fill_(mytorch.tensor([True, False, False]), 9.0) is h  # in place, recorded
    h.sum().backward()
    assert h.numpy()[:, 0].tolist() == [9.0, 9.0] and np.asarray(x.grad)[:, 0].tolist() == [0.0, 0.0]
    with pytest.raises(TypeError, match="masked_fill: the mask must be a bool tensor"):
        x.masked_fill(mytorch.tensor([1, 0, 1]), 0.0)
    with pytest.raises(ValueError, match=r"a mask of shape \(2,\) does not broadcast with the tensor's shape \(2, 3\)"):
        x.masked_fill(mytorch.tensor([True, False]), 0.0)
    with pytest.raises(TypeError, match="0-d tensor"):
        x.masked_fill(mytorch.tensor(mask), mytorch.tensor([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="-inf cannot be stored in a tensor of dtype int64"):
        mytorch.tensor([1]).masked_fill(mytorch.tensor([True]), float("-inf"))


def test_masked_fill_of_integers_keeps_the_dtype_and_refuses_what_it_cannot_hold():
    """An integer the dtype cannot hold is refused, as by fill_ and t[i] = v (300 into uint8 was
    stored as 44); -1 into uint8 is 255, as in PyTorch. A 0-d float tensor filled into integers is
    taken in their dtype (the result was float32 holding 1.7; PyTorch: int64 holding 1)."""
    mask = mytorch.tensor([True, False, True])
    image = mytorch.tensor(np.array([1, 2, 3], np.uint8))
    for fill in (lambda t, v: t.masked_fill(mask, v), lambda t, v: t.clone().masked_fill_(mask, v)):
        with pytest.raises(RuntimeError, match="300 cannot be stored in a uint8 tensor"):
            fill(image, 300)
        with pytest.raises(RuntimeError, match="300 cannot be stored in a uint8 tensor"):
            fill(image, mytorch.tensor(300))
        assert fill(image, -1).tolist() == [255, 2, 255] and fill(image, -1).dtype == np.uint8
        labels = fill(mytorch.tensor([5, 6, 7]), mytorch.tensor(1.7))
        assert labels.dtype == np.int64 and labels.tolist() == [1, 6, 1]
        flags = fill(mytorch.tensor([False, False, False]), mytorch.tensor(2))
        assert flags.dtype == np.bool_ and flags.tolist() == [True, False, True]
    for dtype in (np.float16, np.float32):  # a 0-d x keeps its dtype too (it took the value's float64)
        x = mytorch.tensor(np.array(1.0, dtype), requires_grad=True)
        value = mytorch.tensor(np.float64(0.1), requires_grad=True)
        y = x.masked_fill(mytorch.tensor(True), value)
        assert y.dtype == dtype and y.item() == float(np.asarray(0.1, dtype))
        y.backward()
        assert value.grad.dtype == np.float64 and value.grad.item() == 1.0 and x.grad.item() == 0.0


def test_clip_grad_norm_scales_every_gradient_together_and_says_what_it_refuses():
    w, b, frozen = (nn.Parameter(Tensor(np.array(v))) for v in ([3.0, 4.0], [12.0], [1.0]))
    w.grad, b.grad = Tensor(np.array([3.0, 4.0])), Tensor(np.array([12.0]))
    norm = nn.utils.clip_grad_norm_([w, b, frozen], max_norm=1.0)  # |(3, 4, 12)| = 13
    assert norm.shape == () and norm.item() == 13.0 and frozen.grad is None
    np.testing.assert_allclose(np.asarray(w.grad), np.array([3.0, 4.0]) / (13 + 1e-6), rtol=1e-12)
    assert nn.utils.clip_grad_norm_(w, max_norm=5.0).item() == pytest.approx(5 / (13 + 1e-6))  # below: unchanged
    np.testing.assert_allclose(np.asarray(w.grad), np.array([3.0, 4.0]) / (13 + 1e-6), rtol=1e-12)
    assert nn.utils.clip_grad_norm_([], 1.0).item() == 0.0
    w.grad = Tensor(np.array([np.nan, 1.0]))
    with pytest.raises(RuntimeError, match="total norm of order 2.0 of the gradients is nan"):
        nn.utils.clip_grad_norm_([w], 1.0, error_if_nonfinite=True)
    with pytest.raises(ValueError, match="norm_type must be a positive number or inf"):
        nn.utils.clip_grad_norm_([w], 1.0, norm_type=0)
    with pytest.raises(TypeError, match="expected Tensors"):
        nn.utils.clip_grad_norm_([np.ones(2)], 1.0)
    b.grad = Tensor(np.array([-7.0]))
    nn.utils.clip_grad_value_([b], 2.0)
    assert b.grad.tolist() == [-2.0]
    # PyTorch's split of clip_grad_norm_ (NotInMyTorchError before): the norm, then the scaling
    w.grad = Tensor(np.array([3.0, 4.0]))
    total = nn.utils.get_total_norm([w.grad, None, b.grad], norm_type=1)  # |3| + |4| + |-2|
    assert total.item() == 9.0 and nn.utils.get_total_norm([]).item() == 0.0
    nn.utils.clip_grads_with_norm_([w, b, frozen], 4.5, total)
    np.testing.assert_allclose(np.asarray(w.grad), np.array([3.0, 4.0]) * 4.5 / (9 + 1e-6), rtol=1e-12)
    assert b.grad.item() == pytest.approx(-2.0 * 4.5 / (9 + 1e-6)) and frozen.grad is None
    with pytest.raises(RuntimeError, match="get_total_norm: the total norm"):
        nn.utils.get_total_norm(Tensor(np.array([np.inf])), error_if_nonfinite=True)


def test_clip_grad_norm_of_float16_gradients_sums_in_float32():
    """The norm of float16 gradients is taken in float32 and given back in float16, as PyTorch
    does: squared in float16, (300, 300) and (400,) overflowed to a norm of inf, and every
    gradient was scaled to 0; a max_norm beyond float16's range (1e10) was inf there too,
    and inf / inf made the gradients NaN."""
    w, b = (nn.Parameter(Tensor(np.zeros(n, dtype=np.float16))) for n in (2, 1))
    w.grad, b.grad = Tensor(np.array([300.0, 300.0], np.float16)), Tensor(np.array([400.0], np.float16))
    norm = nn.utils.clip_grad_norm_([w, b], max_norm=1.0)
    assert norm.dtype == np.float16 and norm.item() == pytest.approx(np.sqrt(340000.0), rel=1e-3)
    np.testing.assert_allclose(np.asarray(w.grad, np.float64), [300 / 583.1] * 2, rtol=2e-3)
    np.testing.assert_allclose(np.asarray(b.grad, np.float64), [400 / 583.1], rtol=2e-3)
    w.grad = Tensor(np.array([60000.0, 60000.0], np.float16))  # a norm of 84853: inf in float16
    assert nn.utils.clip_grad_norm_([w], max_norm=1e10).item() == np.inf
    assert w.grad.tolist() == [0.0, 0.0]  # 1e10 / inf, as PyTorch gives


def test_manual_seed_makes_initial_weights_and_dropout_repeat():
    def draw() -> list[np.ndarray]:
        mytorch.manual_seed(3)
        layer = nn.Linear(4, 3)
        mask = nn.Dropout(0.5)(Tensor(np.ones(8))).numpy()
        return [layer.weight.numpy().copy(), layer.bias.numpy().copy(), mask]

    for a, b in zip(draw(), draw()):
        np.testing.assert_array_equal(a, b)


def test_loading_weights_that_a_live_graph_reads_makes_its_backward_refuse():
    layer = nn.Linear(2, 1, dtype=np.float64)
    x = Tensor(np.ones((1, 2)), requires_grad=True)  # d/dx reads the weight
    out = layer(x).sum()
    layer.load_state_dict({"weight": np.zeros((1, 2)), "bias": np.zeros(1)})
    assert not layer.weight.numpy().any()
    with pytest.raises(RuntimeError):
        out.backward()


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: mytorch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
        lambda ps: mytorch.optim.Adam(ps, lr=0.05, weight_decay=0.1),
        lambda ps: mytorch.optim.AdamW(ps, lr=0.05),
    ],
    ids=["SGD", "Adam", "AdamW"],
)
def test_an_optimizer_built_before_double_steps_in_float64(make):
    """``opt = SGD(net.parameters()); net.double()``: the velocities and moments follow the
    parameters to float64 (they were float32 and rounded every step to float32 precision),
    so the run is bit for bit the run of an optimizer built after ``double()``."""
    x = Tensor(np.linspace(-1.0, 1.0, 12).reshape(4, 3))

    def run(build_first: bool) -> list[np.ndarray]:
        mytorch.manual_seed(5)
        net = Net()
        optimizer = make(net.parameters()) if build_first else None
        net.double()
        optimizer = optimizer or make(net.parameters())
        for _ in range(4):
            optimizer.zero_grad()
            (net(x) ** 2).sum().backward()
            optimizer.step()
        return [p.numpy() for p in net.parameters()]

    for late, early in zip(run(False), run(True)):
        assert early.dtype == np.float64
        np.testing.assert_array_equal(early, late)


def test_an_optimizer_keeps_a_frozen_parameter_unchanged():
    """Fine-tuning: a leaf with requires_grad=False goes into the optimizer (as PyTorch allows),
    gets no gradient and is skipped; the rest trains. A non-leaf is still refused."""
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    for p in net[0].parameters():
        p.requires_grad_(False)
    frozen = [p.numpy().copy() for p in net[0].parameters()]
    trained = net[2].weight.numpy().copy()
    optimizer = mytorch.optim.Adam(net.parameters(), lr=0.1)
    for _ in range(2):
        optimizer.zero_grad()
        (net(Tensor(np.ones((2, 3), dtype=np.float32))) ** 2).sum().backward()
        optimizer.step()
    for p, before in zip(net[0].parameters(), frozen):
        np.testing.assert_array_equal(p.numpy(), before)
    assert not np.array_equal(net[2].weight.numpy(), trained)
    w = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match="parameter 0 is not a leaf Tensor"):
        mytorch.optim.SGD([w * 2], lr=0.1)


def test_a_parameter_frozen_between_forward_and_backward_gets_no_gradient():
    """As in PyTorch, a leaf whose requires_grad was turned off after the forward pass is
    skipped when backward delivers: it used to get a .grad, and the optimizer then moved it."""
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    frozen = [p.numpy().copy() for p in net[0].parameters()]
    optimizer = mytorch.optim.SGD(net.parameters(), lr=0.1)
    loss = (net(Tensor(np.ones((2, 3), dtype=np.float32))) ** 2).sum()
    for p in net[0].parameters():
        p.requires_grad_(False)
    loss.backward()
    assert net[0].weight.grad is None and net[0].bias.grad is None
    assert net[2].weight.grad is not None
    optimizer.step()
    for p, before in zip(net[0].parameters(), frozen):
        np.testing.assert_array_equal(p.numpy(), before)


@pytest.mark.parametrize(
    ("apply", "values", "slope"),
    [
        (lambda h: F.relu(h, inplace=True), [2.0, 0.0, 6.0, 0.0], [1.0, 0.0, 1.0, 0.0]),
        (lambda h: nn.ReLU(inplace=True)(h), [2.0, 0.0, 6.0, 0.0], [1.0, 0.0, 1.0, 0.0]),
        (lambda h: F.leaky_relu(h, 0.1, inplace=True), [2.0, -0.4, 6.0, 0.0], [1.0, 0.1, 1.0, 0.1]),
        (lambda h: nn.LeakyReLU(0.1, inplace=True)(h), [2.0, -0.4, 6.0, 0.0], [1.0, 0.1, 1.0, 0.1]),
        (lambda h: F.dropout(h, 1.0, inplace=True), [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]),
        (lambda h: nn.Dropout(1.0, inplace=True)(h), [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]),
    ],
    ids=["F.relu", "ReLU", "F.leaky_relu", "LeakyReLU", "F.dropout", "Dropout"],
)
def test_inplace_activations_write_into_their_input(apply, values, slope):
    """inplace=True changes the input itself, as PyTorch's: `F.relu(h, inplace=True)` with its
    result unused still applies the ReLU (it was ignored), and the gradient is PyTorch's."""
    w = Tensor(np.array([1.0, -2.0, 3.0, 0.0]), requires_grad=True)
    h = w * 2
    out = apply(h)
    assert out is h and h.tolist() == values
    (h * h).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), 2 * 2 * np.array(values) * slope)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        apply(w)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_with_a_masked_class_is_finite(reduction):
    """A class masked by a logit of -inf (action masking) that the label does not pick adds 0 to
    the loss, as in PyTorch (0 * -inf made the loss NaN); its gradient is 0."""
    logits = Tensor(np.array([[1.0, -np.inf, 3.0]]), requires_grad=True)
    loss = F.cross_entropy(logits, np.array([0]), reduction=reduction)
    loss.sum().backward()
    p = np.exp([1.0, 3.0]) / np.exp([1.0, 3.0]).sum()
    np.testing.assert_allclose(loss.sum().item(), -np.log(p[0]))
    np.testing.assert_allclose(logits.grad.numpy(), [[p[0] - 1, 0.0, p[1]]])


def test_a_dtype_conversion_keeps_a_pending_gradient_in_the_new_dtype():
    # PyTorch's module.double() converts .grad with the parameter; MyTorch dropped it, so
    # loss.backward(); model.double(); optimizer.step() silently skipped the step.
    net = nn.Linear(2, 1)
    net(Tensor(np.ones((1, 2), dtype=np.float32))).sum().backward()
    net.double()
    assert net.weight.grad.dtype == np.float64
    np.testing.assert_array_equal(net.weight.grad.numpy(), [[1.0, 1.0]])
    before = net.weight.numpy().copy()
    mytorch.optim.SGD(net.parameters(), lr=0.5).step()
    np.testing.assert_array_equal(net.weight.numpy(), before - 0.5)


def test_an_activations_setting_changed_after_construction_takes_effect():
    # as in PyTorch: the module reads negative_slope (approximate) at each call
    x = mytorch.tensor([-2.0, 3.0], requires_grad=True)
    leaky = nn.LeakyReLU()
    leaky.negative_slope = 0.5
    y = leaky(x)
    y.sum().backward()
    np.testing.assert_array_equal(y.detach().numpy(), [-1.0, 3.0])
    np.testing.assert_array_equal(x.grad.numpy(), [0.5, 1.0])
    gelu = nn.GELU()
    gelu.approximate = "tanh"
    t = np.array([-1.0, 0.5])
    expected = 0.5 * t * (1 + np.tanh(np.sqrt(2 / np.pi) * (t + 0.044715 * t**3)))
    np.testing.assert_allclose(gelu(mytorch.tensor(t)).numpy(), expected, rtol=1e-12)


def test_module_and_parameter_dicts_and_lists_unflatten_and_parameter_vectors():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.heads = nn.ModuleDict({"b": nn.Linear(2, 1), "a": nn.Linear(2, 3)})
            self.scales = nn.ParameterList([nn.Parameter(mytorch.ones(2)), mytorch.zeros(3)])
            self.extra = nn.ParameterDict({"w": mytorch.ones(1)})

    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == [
        "heads.b.weight",
        "heads.b.bias",
        "heads.a.weight",
        "heads.a.bias",
        "scales.0",
        "scales.1",
        "extra.w",
    ]
    assert list(net.state_dict()) == names and isinstance(net.scales[1], nn.Parameter)
    heads = net.heads
    assert heads.keys() == ["b", "a"] and heads["a"] is heads.a and "b" in heads and len(heads) == 2
    heads["c"] = nn.Tanh()
    assert heads.pop("b") is not None and heads.keys() == ["a", "c"] and not hasattr(heads, "b")
    heads.update([("d", nn.ReLU())])
    assert [type(m).__name__ for m in heads.values()] == ["Linear", "Tanh", "ReLU"]
    with pytest.raises(KeyError, match="already exists"):
        heads["train"] = nn.ReLU()
    with pytest.raises(TypeError, match="must be a mytorch.nn.Module"):
        heads["e"] = 3
    net.scales.append(mytorch.ones(4))
    assert [p.shape for p in net.scales] == [(2,), (3,), (4,)]
    unflatten = nn.Unflatten(-1, (2, -1))
    assert (
        unflatten(mytorch.ones(3, 4)).shape == (3, 2, 2)
        and repr(unflatten) == "Unflatten(dim=-1, unflattened_size=(2, -1))"
    )
    with pytest.raises(RuntimeError, match="don't multiply up"):
        nn.Unflatten(1, (3, 3))(mytorch.ones(2, 4))
    layer = nn.Linear(3, 2)
    nn.utils.vector_to_parameters(mytorch.arange(8.0), layer.parameters())
    np.testing.assert_array_equal(layer.weight.numpy(), [[0, 1, 2], [3, 4, 5]])
    vector = nn.utils.parameters_to_vector(layer.parameters())
    assert vector.tolist() == list(range(8))
    (vector**2).sum().backward()  # recorded, as PyTorch's
    np.testing.assert_array_equal(layer.bias.grad.numpy(), [12.0, 14.0])
    with pytest.raises(ValueError, match="8 values"):
        nn.utils.vector_to_parameters(mytorch.zeros(7), layer.parameters())


def test_hardsigmoid_hardswish_celu_softmin_glu_threshold_and_shrinks_closed_forms():
    x = mytorch.tensor([-4.0, -3.0, 0.0, 1.5, 3.0, 4.0], requires_grad=True)
    hs = F.hardsigmoid(x)
    assert hs.tolist() == [0.0, 0.0, 0.5, 0.75, 1.0, 1.0]
    (slope,) = mytorch.grad(hs.sum(), x)
    np.testing.assert_allclose(slope.numpy(), [0, 0, 1 / 6, 1 / 6, 0, 0])  # 0 at -3 and 3, as PyTorch
    assert F.hardswish(x).tolist() == [0.0, 0.0, 0.0, 1.125, 3.0, 4.0]
    assert F.celu(mytorch.tensor([-1.0, 2.0]), alpha=2.0).tolist() == pytest.approx([2 * (math.exp(-0.5) - 1), 2.0])
    np.testing.assert_allclose(nn.Softmin(dim=0)(mytorch.tensor([0.0, math.log(3.0)])).numpy(), [0.75, 0.25])
    assert nn.GLU()(mytorch.tensor([[2.0, 0.0]])).tolist() == [[1.0]]  # 2 sigmoid(0)
    with pytest.raises(RuntimeError, match="halving dimension must be even"):
        F.glu(mytorch.ones(3))
    assert nn.Threshold(0.5, -1.0)(mytorch.tensor([0.5, 0.7])).tolist() == pytest.approx([-1.0, 0.7])
    assert nn.Tanhshrink()(mytorch.tensor([0.0])).tolist() == [0.0]
    assert nn.Softshrink()(mytorch.tensor([-1.0, 0.3, 2.0])).tolist() == [-0.5, 0.0, 1.5]
    assert nn.Hardshrink(1.0)(mytorch.tensor([-1.5, 1.0, 0.2])).tolist() == [-1.5, 0.0, 0.0]
    nan = mytorch.tensor([math.nan])  # a NaN stays NaN, as in PyTorch (both gave 0 / the value)
    assert math.isnan(F.threshold(nan, 0.5, -1.0).item()) and math.isnan(F.hardshrink(nan).item())
    assert (
        repr(nn.Softshrink(0.25)) == "Softshrink(0.25)"
        and repr(nn.CELU(inplace=True)) == "CELU(alpha=1.0, inplace=True)"
    )


def test_prelu_logsigmoid_softsign_normalize_cosine_similarity_and_kl_div_closed_forms():
    prelu = nn.PReLU(2)
    assert prelu.weight.tolist() == [0.25, 0.25] and list(prelu.state_dict()) == ["weight"]
    x = mytorch.tensor([[-2.0, 4.0], [1.0, -8.0]])
    y = prelu(x)
    assert y.tolist() == [[-0.5, 4.0], [1.0, -2.0]]
    y.sum().backward()
    assert prelu.weight.grad.tolist() == [-2.0, -8.0]  # each channel's negative inputs
    with pytest.raises(RuntimeError, match="3 slopes for 2 channel"):
        F.prelu(x, mytorch.ones(3))
    assert nn.LogSigmoid()(mytorch.tensor([0.0, -1000.0])).tolist() == pytest.approx([-math.log(2), -1000.0])
    assert nn.Softsign()(mytorch.tensor([1.0, -3.0])).tolist() == [0.5, -0.75]
    rows = mytorch.tensor([[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(F.normalize(rows, dim=1).numpy(), [[0.6, 0.8], [0.0, 0.0]])  # a zero row stays zero
    assert nn.CosineSimilarity(dim=1)(rows, mytorch.tensor([[4.0, -3.0], [1.0, 1.0]])).tolist() == [0.0, 0.0]
    # a norm below eps divides by eps, but (as in PyTorch) its gradient is the unfloored norm's:
    # d/dx of x . e1 / max(|x|, 1e-8) at x = (3e-9, 4e-9) is (8.2e7, -2.4e7) (it gave (1e8, 0))
    tiny = mytorch.tensor([[3e-9, 4e-9]], dtype=mytorch.float64, requires_grad=True)
    cos = F.cosine_similarity(tiny, mytorch.tensor([[1.0, 0.0]], dtype=mytorch.float64))
    cos.backward()
    assert cos.item() == pytest.approx(0.3, rel=1e-12)
    np.testing.assert_allclose(tiny.grad.numpy(), [[8.2e7, -2.4e7]], rtol=1e-12)
    log_q = mytorch.tensor([[math.log(0.5), math.log(0.5)]], requires_grad=True)
    p = mytorch.tensor([[0.25, 0.75]])
    kl = 0.25 * math.log(0.5) + 0.75 * math.log(1.5)
    assert nn.KLDivLoss(reduction="batchmean")(log_q, p).item() == pytest.approx(kl, rel=1e-6)
    assert F.kl_div(log_q, p.log(), reduction="sum", log_target=True).item() == pytest.approx(kl, rel=1e-6)
    F.kl_div(log_q, p, reduction="sum").backward()
    np.testing.assert_allclose(log_q.grad.numpy(), [[-0.25, -0.75]])  # -target
    with pytest.raises(ValueError, match="batchmean"):
        nn.KLDivLoss(reduction="average")


def test_forward_hooks_and_pre_hooks_run_in_order_change_what_they_return_and_come_off():
    from mytorch.nn.module import edition

    layer, seen = nn.Linear(2, 2), []
    before = edition()
    first = layer.register_forward_pre_hook(lambda m, args: seen.append(("pre", len(args))))
    layer.register_forward_pre_hook(lambda m, args: seen.append("pre, prepended"), prepend=True)
    zeroed = layer.register_forward_pre_hook(lambda m, args: args[0] * 0)  # a non-tuple: the one input
    shifted = layer.register_forward_hook(lambda m, args, out: out + 100)
    assert edition() is not before  # (a replayed step would not run them: it is captured again)
    out = layer(mytorch.ones(1, 2))
    assert seen == ["pre, prepended", ("pre", 1)]
    np.testing.assert_allclose(out.detach().numpy(), layer.bias.numpy()[None] + 100, rtol=1e-6)
    out.sum().backward()
    assert layer.weight.grad.numpy().tolist() == [[0.0, 0.0], [0.0, 0.0]]  # the input was zeroed
    shifted.remove()
    shifted.remove()  # (again: nothing)
    with zeroed:
        pass
    first.remove()
    np.testing.assert_allclose(
        layer(mytorch.ones(1, 2)).detach().numpy(), layer.weight.numpy().sum(1)[None] + layer.bias.numpy()
    )
    activations = {}  # the usual use: collect a layer's outputs
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    handle = net[1].register_forward_hook(lambda m, args, out: activations.setdefault("relu", out.detach()))
    net(mytorch.ones(4, 2))
    assert activations["relu"].shape == (4, 3) and not activations["relu"].requires_grad
    handle.remove()
    assert "_hooks" not in vars(net[1])  # (no hook left: the plain call again)
    with pytest.raises(TypeError, match="a hook must be callable"):
        layer.register_forward_hook(3)


def test_binary_cross_entropy_weight_and_pos_weight_closed_forms():
    """At logit 0 every term is log 2, times 1 + (pos_weight - 1) y and the weight; buffers in
    the state dict; PyTorch's refusals."""
    log2 = math.log(2.0)
    z, y = mytorch.zeros(2, 2, requires_grad=True), mytorch.tensor([[1.0, 0.0], [1.0, 1.0]])
    loss = nn.BCEWithLogitsLoss(weight=[[1.0, 2.0], [0.5, 1.0]], pos_weight=[3.0, 1.0], reduction="none")
    values = loss(z, y)
    np.testing.assert_allclose(values.detach().numpy(), [[3 * log2, 2 * log2], [1.5 * log2, log2]], rtol=1e-6)
    assert list(loss.state_dict()) == ["weight", "pos_weight"] and values.dtype == np.float32
    values.sum().backward()  # d/dz = weight ((1 - y) - (1 + (pw - 1) y) sigmoid(-z)) = weight (1 - y - lw / 2)
    np.testing.assert_allclose(z.grad.numpy(), [[-1.5, 1.0], [-0.75, -0.5]], rtol=1e-6)
    probabilities = mytorch.tensor([0.5, 0.5])
    weighted = F.binary_cross_entropy(probabilities, mytorch.tensor([1.0, 0.0]), weight=mytorch.tensor([1.0, 3.0]))
    assert weighted.item() == pytest.approx(2 * log2)  # the mean of the weighted terms
    with pytest.raises(TypeError, match="size_average and reduce"):
        nn.BCELoss(size_average=True)
    with pytest.raises(ValueError, match="pos_weight of shape"):
        F.binary_cross_entropy_with_logits(z, y, pos_weight=mytorch.ones(3))


def test_l1_smooth_l1_and_huber_losses_closed_forms():
    """d = [0, 0.5, 2, -3]: values, gradients and second derivatives of the three losses (PyTorch's
    pieces: the linear one from |d| = beta on); float32 kept; PyTorch's refusals."""
    x = mytorch.tensor([0.0, 0.5, 2.0, -3.0], requires_grad=True)
    target = mytorch.tensor([0.0, 0.0, 0.0, 0.0])
    expected = {  # loss: (per-element values, d loss_sum / dx, d² loss_sum / dx²)
        nn.L1Loss(reduction="none"): ([0, 0.5, 2, 3], [0, 1, 1, -1], [0, 0, 0, 0]),
        nn.SmoothL1Loss(reduction="none"): ([0, 0.125, 1.5, 2.5], [0, 0.5, 1, -1], [1, 1, 0, 0]),
        nn.SmoothL1Loss(reduction="none", beta=2.0): ([0, 0.0625, 1, 2], [0, 0.25, 1, -1], [0.5, 0.5, 0, 0]),
        nn.HuberLoss(reduction="none", delta=2.0): ([0, 0.125, 2, 4], [0, 0.5, 2, -2], [1, 1, 0, 0]),
    }
    for loss_fn, (values, first, second) in expected.items():
        y = loss_fn(x, target)
        (g,) = mytorch.grad(y.sum(), x, create_graph=True)
        (h,) = mytorch.grad(g.sum(), x)
        for got, want in [(y, values), (g, first), (h, second)]:
            np.testing.assert_allclose(got.detach().numpy(), want, rtol=1e-7, err_msg=repr(loss_fn))
        assert y.dtype == np.float32
    assert nn.L1Loss()(x, target).item() == pytest.approx(5.5 / 4)
    assert nn.HuberLoss(reduction="sum")(x, target).item() == pytest.approx(0.125 + 1.5 + 2.5)
    weight = np.array([1.0, 2.0, 1.0, 0.0])  # l1's mean divides by the weights' sum, huber's by the count
    assert F.l1_loss(x, target, weight=weight).item() == pytest.approx((1.0 + 2.0) / 4.0)
    assert F.huber_loss(x, target, weight=weight).item() == pytest.approx((0.25 + 1.5) / 4)
    far = mytorch.tensor([np.inf, -np.inf, 0.5], requires_grad=True)  # the linear piece's slope, as in PyTorch
    (F.smooth_l1_loss(far, mytorch.zeros(3), reduction="sum") + F.huber_loss(far, mytorch.zeros(3))).backward()
    np.testing.assert_allclose(far.grad.numpy(), [1 + 1 / 3, -1 - 1 / 3, 0.5 + 0.5 / 3], rtol=1e-6)  # (0 inf was NaN)
    with pytest.raises(RuntimeError, match="negative values for beta"):
        F.smooth_l1_loss(x, target, beta=-1.0)
    with pytest.raises(RuntimeError, match="non-positive values for delta"):
        nn.HuberLoss(delta=0.0)(x, target)
    with pytest.raises(ValueError, match="same size"):
        F.l1_loss(x, target, weight=np.ones(3))
    with pytest.raises(ValueError, match="must match"):
        nn.L1Loss()(x, mytorch.zeros(2))


def test_elu_selu_silu_mish_hardtanh_relu6_closed_forms_kinks_and_inplace():
    """Values, first and second derivatives at closed forms, PyTorch's choices at the kinks
    (ELU: slope alpha and second derivative 0 at 0; Hardtanh: slope 0 at its bounds), the
    in-place forms (same results, the same object), dtypes, reprs and refused bounds."""
    e, data = math.exp(-1.0), np.array([-1.0, 0.0, 2.0])
    alpha, scale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
    s = 1 / (1 + e)  # sigmoid(1)
    expected = {  # module: (values, first derivatives, second derivatives) at -1, 0, 2
        nn.ELU(): ([e - 1, 0, 2], [e, 1, 1], [e, 0, 0]),
        nn.ELU(0.5): ([0.5 * (e - 1), 0, 2], [0.5 * e, 0.5, 1], [0.5 * e, 0, 0]),
        nn.SELU(): ([scale * alpha * (e - 1), 0, 2 * scale], [scale * alpha * e, scale * alpha, scale], None),
        nn.SiLU(): ([-(1 - s), 0, 2 / (1 + math.exp(-2))], [(1 - s) * (1 - s), 0.5, None], [None, 0.5, None]),
        nn.Mish(): ([None, 0, None], [None, math.tanh(math.log(2)), None], None),
        nn.Hardtanh(): ([-1, 0, 1], [0, 1, 0], [0, 0, 0]),
        nn.ReLU6(): ([0, 0, 2], [0, 0, 1], [0, 0, 0]),
    }
    for module, (values, first, second) in expected.items():
        x = mytorch.tensor(data, requires_grad=True)
        y = module(x)
        (g,) = mytorch.grad(y.sum(), x, create_graph=True)
        (h,) = mytorch.grad(g.sum(), x)
        for got, want in [(y, values), (g, first), (h, second)]:
            for i, w in enumerate(want or []):
                if w is not None:
                    assert got.numpy()[i] == pytest.approx(w, rel=1e-12, abs=1e-15), (module, want)
        inplace = type(module)(**({"alpha": module.alpha} if type(module) is nn.ELU else {}), inplace=True)
        assert "inplace=True" in repr(inplace)
        h = x * 1.0
        assert inplace(h) is h
        h.sum().backward()
        np.testing.assert_array_equal(h.detach().numpy(), y.detach().numpy())
        np.testing.assert_allclose(x.grad.numpy(), g.detach().numpy(), rtol=1e-15)
        assert module(mytorch.tensor([0.5, -3.0])).dtype == np.float32
    assert repr(nn.Hardtanh(-2, 3)) == "Hardtanh(min_val=-2, max_val=3)" and repr(nn.ELU()) == "ELU(alpha=1.0)"
    with pytest.raises(ValueError, match="must be greater than min_val"):
        nn.Hardtanh(1.0, 1.0)
    with pytest.raises(ValueError, match="cannot be greater"):
        F.hardtanh(mytorch.tensor([0.0]), 2.0, 1.0)
    with pytest.raises(RuntimeError, match="leaf"):
        F.elu(mytorch.tensor([1.0], requires_grad=True), inplace=True)
    np.testing.assert_allclose(F.elu(np.array([-1.0, 2.0]), 0.5), [0.5 * (e - 1), 2.0])  # arrays: the kernel


def test_softplus_threshold_elu_at_inf_and_hardtanh_at_nan_as_pytorch():
    """Softplus is x itself (slope 1) where beta x > threshold: F.softplus(3, beta=2,
    threshold=5) was 3.00124 (slope 0.99752), PyTorch 3 (slope 1); logsigmoid has no threshold.
    ELU's and SELU's slope at x = inf was NaN (inf * 0 in the exponent), PyTorch's is scale;
    Hardtanh passes the gradient of a NaN on, as PyTorch's does (it gave 0)."""
    x = mytorch.tensor([0.5, 3.0, -40.0], dtype=mytorch.float64, requires_grad=True)
    y = F.softplus(x, beta=2, threshold=5)
    y.sum().backward()
    assert y.numpy()[1] == 3.0 and y.numpy()[0] == pytest.approx(math.log1p(math.e) / 2, rel=1e-15)
    assert x.grad.numpy()[1] == 1.0 and x.grad.numpy()[2] == pytest.approx(math.exp(-80), rel=1e-12)
    (slope,) = mytorch.grad(F.softplus(x, beta=2, threshold=5).sum(), x, create_graph=True)
    assert mytorch.grad(slope.sum(), x)[0].numpy()[1] == 0.0  # the linear branch's second derivative
    # the branch is the kernel's own (its threshold a parameter): a replayed step captured on
    # inputs below the threshold takes the linear branch for inputs above it, bit for bit
    from mytorch.replay import Replay

    twins = []
    for replayed in (False, True):
        net = nn.Sequential(nn.Linear(3, 2, dtype=np.float64), nn.Softplus(2, 1.5))
        net[0].weight.numpy()[...], net[0].bias.numpy()[...] = 0.5, 0.0
        opt = mytorch.optim.SGD(net.parameters(), lr=0.1)

        def step(inputs, net=net, opt=opt):
            opt.zero_grad()
            loss = net(inputs).sum()
            loss.backward()
            opt.step()
            return loss

        run = Replay(step, optimizer=opt, verify=1) if replayed else step
        losses = [run(mytorch.tensor(np.full((2, 3), v))).item() for v in (0.1, 0.2, 3.0, 4.0)]
        twins.append((losses, net[0].weight.numpy().copy()))
    assert twins[0][0] == twins[1][0] and np.array_equal(twins[0][1], twins[1][1]) and run.replays == 2
    far = mytorch.tensor([-30.0], dtype=mytorch.float64)
    assert F.logsigmoid(far).item() == pytest.approx(-30 - math.exp(-30), rel=1e-16)
    inf = mytorch.tensor([math.inf, -math.inf], dtype=mytorch.float64, requires_grad=True)
    F.selu(inf).sum().backward()
    assert inf.grad.tolist() == [pytest.approx(1.0507009873554805, rel=1e-15), 0.0]
    nan = mytorch.tensor([math.nan, 0.5], requires_grad=True)
    F.hardtanh(nan).sum().backward()
    assert nan.grad.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
def test_binary_cross_entropy_at_probabilities_0_and_1_has_the_same_finite_gradient_for_every_reduction(reduction):
    """At p = 1 (or 0) the log(1 - p) (or log p) term is floored at -100, a constant: its
    derivative is 0. The "mean" reduction (one kernel) said so, but "sum" and "none" took
    log(1 - p).clamp(min=-100), whose backward gives 0 * (1 / 0) = NaN there, so a sigmoid
    saturated to 1.0 (x = 40 in float32) gave its logit a NaN gradient."""
    p = mytorch.tensor([0.25, 1.0, 0.0], requires_grad=True)
    y = mytorch.tensor([0.5, 0.2, 0.7])
    losses = F.binary_cross_entropy(p, y, reduction=reduction)
    losses.sum().backward()
    scale = 1 / 3 if reduction == "mean" else 1.0
    expected = [-(0.5 * np.log(0.25) + 0.5 * np.log(0.75)), 0.8 * 100, 0.7 * 100]
    np.testing.assert_allclose(losses.detach().numpy(), np.sum(expected) * scale if reduction != "none" else expected)
    # d/dp = -y/p + (1 - y)/(1 - p) where neither log is floored; only the unfloored term at p = 1 and p = 0
    np.testing.assert_allclose(p.grad.numpy(), np.array([-0.5 / 0.25 + 0.5 / 0.75, -0.2 / 1.0, 0.3 / 1.0]) * scale)


def test_integer_inputs_of_float_functions_give_the_default_float_dtype():
    """F's and nn's float functions take a bool or integer tensor into the default float dtype, as
    mytorch.sigmoid does. They computed in NumPy's dtype: F.sigmoid and nn.Sigmoid of int64 were
    float64 (PyTorch float32), F.softplus of [1, 2] was [1, 2], mse_loss of integer predictions
    against [2., 2., 2.] 0 (PyTorch 0.667), cross_entropy of integer logits 1 (1.3133)."""
    x, ints = mytorch.tensor([1, 2, 3]), mytorch.tensor([[1, 2]])
    float_results = [
        F.sigmoid(x), F.tanh(x), F.softplus(x), F.gelu(x), F.elu(x), F.softmax(x, dim=0), nn.Sigmoid()(x), nn.GELU()(x),
        F.mse_loss(x, mytorch.tensor([2.0, 2.0, 2.0])), F.cross_entropy(ints, mytorch.tensor([0])),
        F.binary_cross_entropy_with_logits(mytorch.tensor([1, 0]), mytorch.tensor([1, 0])), F.layer_norm(ints, (2,)),
    ]  # fmt: skip
    assert {r.dtype for r in float_results} == {np.dtype(np.float32)}
    np.testing.assert_allclose(F.softplus(x).numpy(), np.log1p(np.exp([1.0, 2.0, 3.0])), rtol=1e-6)
    assert F.mse_loss(x, mytorch.tensor([2.0, 2.0, 2.0])).item() == pytest.approx(2 / 3)
    assert F.cross_entropy(ints, mytorch.tensor([0])).item() == pytest.approx(np.log1p(np.e))
    assert nn.ReLU()(x).dtype == nn.ReLU6()(x).dtype == np.int64  # (kept, as in PyTorch; ReLU6 was float64)
    assert F.hardtanh(mytorch.tensor([-3, 0, 2, 5]), -0.5, 1.5).tolist() == [0, 0, 1, 1]  # (bounds truncated)
    with pytest.raises(RuntimeError, match="inplace=True cannot store its float result in a int64 tensor"):
        F.leaky_relu(mytorch.tensor([-1, 2]), inplace=True)  # (it gave [0, 2])


def test_a_mean_loss_of_a_narrow_prediction_and_wider_targets_is_computed_in_the_wider_dtype():
    # PyTorch promotes prediction and target; the float16 prediction's dtype rounded the mean to float16
    p16 = np.array([[0.2, 0.7, 0.1], [0.9, 0.3, 0.5]], dtype=np.float16)
    t32 = np.array([[0.25, 0.5, 0.125], [1.0, 0.0, 0.75]], dtype=np.float32)
    x = mytorch.tensor(p16, requires_grad=True)
    loss = F.mse_loss(x, mytorch.tensor(t32))
    assert loss.dtype == np.float32
    np.testing.assert_allclose(loss.item(), np.mean((p16.astype(np.float32) - t32) ** 2), rtol=1e-6)  # (float16: 3e-4)
    loss.backward()
    assert x.grad.dtype == np.float16
    probs = F.cross_entropy(mytorch.tensor(p16.astype(np.float32)), mytorch.tensor(t32.astype(np.float64)))
    assert probs.dtype == np.float64


def test_kl_div_of_a_negative_target_is_nan():
    """A negative "probability" has no log: PyTorch gives NaN there (xlogy); MyTorch gave a finite
    -target * input, a silently wrong loss. A zero target still adds 0."""
    log_q = Tensor(np.array([0.5, -1.0, 2.0]))
    target = Tensor(np.array([-0.5, 0.0, 0.25]))
    pointwise = F.kl_div(log_q, target, reduction="none").numpy()
    assert np.isnan(pointwise[0]) and pointwise[1] == 0.0
    assert pointwise[2] == pytest.approx(0.25 * (math.log(0.25) - 2.0))
    assert np.isnan(F.kl_div(log_q, target, reduction="sum").item())


def test_apply_calls_fn_once_on_a_module_registered_twice():
    # nn.Sequential(block, act, block) and a ModuleList of one layer twice hold the layer under
    # two names: children() lists it once, as PyTorch's, so an in-place initialiser run by
    # apply scales its weight once (it scaled it twice: weight * 4 for a "* 2")
    layer = nn.Linear(2, 2)
    start = layer.weight.detach().numpy().copy()

    def double(module):
        if isinstance(module, nn.Linear):
            with mytorch.no_grad():
                module.weight.mul_(2)

    for container in (nn.Sequential(layer, nn.ReLU(), layer), nn.ModuleList([layer, layer])):
        before = layer.weight.detach().numpy().copy()
        container.apply(double)
        np.testing.assert_array_equal(layer.weight.detach().numpy(), 2 * before)
    np.testing.assert_array_equal(layer.weight.detach().numpy(), 4 * start)
    twice = nn.Sequential(layer)
    twice.add_module("again", layer)
    assert [name for name, _ in twice.named_children()] == ["0"]
    assert len(twice) == 2 and len(twice.state_dict()) == 4  # still two entries, as PyTorch's


def test_celu_of_a_negative_alpha_tests_x_not_x_over_alpha():
    """CELU is x where x > 0, else alpha (e^(x / alpha) - 1), for a negative alpha too (PyTorch's
    rule): alpha * elu(x / alpha) turned the test around, giving -2 for x = -2 (alpha -1), not
    -(e^2 - 1) = -6.389, and slope 1 there, not e^2."""
    x = mytorch.tensor([-2.0, -0.5, 0.0, 1.0], dtype=mytorch.float64, requires_grad=True)
    for alpha in (-1.0, -2.0, 0.7):
        y = F.celu(x, alpha=alpha)
        (slope,) = mytorch.grad(y.sum(), x)
        data = x.detach().numpy()
        np.testing.assert_allclose(y.detach().numpy(), np.where(data > 0, data, alpha * np.expm1(data / alpha)))
        np.testing.assert_allclose(slope.numpy(), np.where(data > 0, 1.0, np.exp(data / alpha)))
    assert nn.CELU(alpha=-1.0)(mytorch.tensor([-2.0])).item() == pytest.approx(-(math.e**2 - 1))


def test_softplus_of_beta_zero_follows_pytorchs_rule():
    """beta = 0: PyTorch gives log(2) / 0 = inf with gradient 1/2 (sigmoid(0)), and x itself where
    0 > threshold; MyTorch's gradient was NaN (0 / 0) and, below a negative threshold, its value
    NaN too. An infinite x gives NaN (beta x is NaN), as PyTorch's."""
    x = mytorch.tensor([-2.0, 0.0, 30.0, math.inf], requires_grad=True)
    y = F.softplus(x, beta=0)
    (slope,) = mytorch.grad(y.sum(), x)
    np.testing.assert_array_equal(y.detach().numpy(), [math.inf, math.inf, math.inf, math.nan])
    np.testing.assert_array_equal(slope.numpy(), [0.5, 0.5, 0.5, math.nan])
    y = F.softplus(x, beta=0, threshold=-1)
    (slope,) = mytorch.grad(y.sum(), x)
    np.testing.assert_array_equal(y.detach().numpy(), [-2.0, 0.0, 30.0, math.nan])
    np.testing.assert_array_equal(slope.numpy(), [1.0, 1.0, 1.0, math.nan])


def test_one_hot_refuses_num_classes_below_minus_one_and_an_empty_tensor_to_infer_from():
    """num_classes=-2 was read as -1 (inferred); PyTorch raises."""
    with pytest.raises(ValueError, match="num_classes must be -1"):
        F.one_hot(mytorch.tensor([0, 1]), -2)
    with pytest.raises(ValueError, match="below 0"):
        F.one_hot(mytorch.tensor([0, 1]), 0)
    with pytest.raises(ValueError, match="cannot infer"):
        F.one_hot(mytorch.tensor([], dtype=mytorch.int64))
    assert F.one_hot(mytorch.tensor([], dtype=mytorch.int64), 3).shape == (0, 3)


def test_a_non_persistent_buffer_is_left_out_of_the_state_dict():
    """``register_buffer(name, t, persistent=False)`` (a causal mask, position ids) is a buffer
    that ``state_dict`` leaves out, as PyTorch's: it was a TypeError."""

    class Masked(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("mask", mytorch.tensor([1.0, 0.0]), persistent=False)
            self.register_buffer("count", mytorch.tensor(0.0))
            self.scale = nn.Parameter(mytorch.tensor([2.0, 3.0]))

        def forward(self, x):
            return x * self.scale * self.mask

    m = Masked()
    assert list(m.state_dict()) == ["scale", "count"] and len(list(m.buffers())) == 2
    m.load_state_dict({"scale": mytorch.tensor([4.0, 5.0]), "count": mytorch.tensor(1.0)})  # strict: no mask wanted
    np.testing.assert_array_equal(m(mytorch.ones(2)).numpy(), [4.0, 0.0])
    m.double()
    assert m.mask.dtype == np.float64
    m.register_buffer("mask", mytorch.tensor([1.0, 1.0]))  # registered again, persistent
    assert list(m.state_dict()) == ["scale", "mask", "count"]  # (its place kept, as in PyTorch)


def test_state_dict_takes_pytorchs_keep_vars_prefix_and_destination():
    """``keep_vars=True`` gives the parameters themselves (they were refused: a TypeError)."""
    m = nn.Linear(2, 1)
    kept = m.state_dict(keep_vars=True)
    assert kept["weight"] is m.weight and kept["weight"].requires_grad
    plain = m.state_dict()
    assert plain["weight"] is not m.weight and not plain["weight"].requires_grad
    plain["weight"].numpy()[0, 0] = 7.0  # (sharing the parameter's array, as PyTorch's)
    assert m.weight.detach().numpy()[0, 0] == 7.0
    into: dict = {"other": 1}
    assert m.state_dict(destination=into, prefix="head.") is into
    assert list(into) == ["other", "head.weight", "head.bias"]

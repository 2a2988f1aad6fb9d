"""``Tensor.data``: PyTorch's detached Tensor sharing the memory, and the MyTorch rule for writes
through it while a graph lives (raised at ``backward`` when the graph reads the values)."""

import numpy as np
import pytest

import mytorch
import mytorch.nn as nn
from mytorch import Tensor


def test_data_is_a_detached_tensor_sharing_the_memory():
    p = nn.Parameter(mytorch.tensor([1.0, 2.0, 3.0]))
    d = p.data
    assert type(d) is Tensor and not d.requires_grad and d.grad_fn is None and d.is_leaf
    assert d.numpy() is p.numpy() and d is not p.data  # a new tensor per access, as in PyTorch
    d.mul_(2).add_(1)  # outside any graph: a plain write, seen by p
    assert p.tolist() == [3.0, 5.0, 7.0] and p.requires_grad
    p.data.normal_(0.0, 0.02)
    assert np.abs(p.numpy()).max() < 0.2 and p.numpy() is d.numpy()
    p.data.copy_(mytorch.ones(3))
    assert p.tolist() == [1.0, 1.0, 1.0]
    y = (p * p).sum()  # a result's .data is detached too
    assert not y.data.requires_grad and y.data.item() == 3.0


def test_assigning_data_takes_the_memory_of_a_tensor_or_an_array():
    p = nn.Parameter(mytorch.zeros(2))
    new = mytorch.tensor([[1.0, 2.0, 3.0]])
    p.data = new  # the shape may change, as in PyTorch
    assert p.shape == (1, 3) and p.numpy() is new.numpy() and p.requires_grad
    array = np.array([4.0, 5.0])
    p.data = array
    assert p.numpy() is array
    with pytest.raises(TypeError, match=r"Tensor\.data: assign a Tensor or a numpy\.ndarray, got a list"):
        p.data = [1.0, 2.0]


def test_the_manual_sgd_loop_through_data_matches_the_closed_form():
    x = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])
    t = np.array([1.0, 0.0, 2.0])
    w = Tensor(np.array([0.1, -0.2]), requires_grad=True)
    expected = w.numpy().copy()
    for _ in range(3):
        loss = ((Tensor(x) @ w - Tensor(t)) ** 2).mean()
        loss.backward()
        w.data -= 0.1 * w.grad.data  # PyTorch's hand-written step, not recorded
        w.grad.data.zero_()
        expected -= 0.1 * 2 * x.T @ (x @ expected - t) / len(t)
        assert not w.grad.numpy().any() and w.grad_fn is None and w.is_leaf
    np.testing.assert_allclose(w.numpy(), expected, rtol=1e-12)


def test_a_write_through_data_into_values_backward_reads_raises_there():
    """PyTorch differentiates with the new values here (x.grad from the doubled w); MyTorch raises."""
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    w = Tensor(np.array([[1.0], [3.0]]), requires_grad=True)
    y = x @ w
    w.data.mul_(2)
    with pytest.raises(RuntimeError, match=r"matmul_backward.*modified by an in-place operation"):
        y.sum().backward()
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([5.0, 7.0]), requires_grad=True)
    z = a + b  # the sum's rule reads no values: the write changes no gradient
    b.data.zero_()
    z.sum().backward()
    assert a.grad.tolist() == [1.0, 1.0] and b.grad.tolist() == [1.0, 1.0] and b.tolist() == [0.0, 0.0]
    with pytest.raises(ValueError, match="read-only"):  # NumPy around the Tensor API: refused at the write
        q = x * x  # saves x
        x.data.numpy()[0] = 5.0
    q.sum().backward()
    assert x.grad.tolist() == [2.0, 4.0]


def test_pytorch_init_idioms_through_data_against_pytorch():
    torch = pytest.importorskip("torch")

    def run(lib, nn_):
        def init(m):
            if isinstance(m, nn_.Linear):
                m.weight.data.fill_(0.25)
                m.bias.data.zero_()
                m.weight.data[0, 1] = -0.5

        net = nn_.Sequential(nn_.Linear(3, 2), nn_.Tanh(), nn_.Linear(2, 1)).double()
        net.apply(init)
        x = lib.tensor([[1.0, -2.0, 0.5], [0.0, 1.0, 2.0]], dtype=lib.float64)
        loss = net(x).pow(2).sum()
        loss.backward()
        for p in net.parameters():
            p.data.sub_(0.1 * p.grad.data)
        return [loss.item()] + [p.detach().numpy().copy() for p in net.parameters()]

    for got, want in zip(run(mytorch, nn), run(torch, torch.nn)):
        np.testing.assert_allclose(got, want, rtol=1e-12)

"""An MLP classifier on the bundled MNIST digits, written as a PyTorch script.

The script is plain PyTorch; only the imports name MyTorch. Replace ``mytorch`` by ``torch``
in the four import lines below and it runs under PyTorch, step for step the same (the
tests do exactly that, comparing every step's loss). It shows the usual pieces: an
``nn.Module`` subclass, mini-batches drawn with ``randperm``, ``CrossEntropyLoss``, ``SGD``
with momentum, evaluation under ``no_grad``, accuracy from ``argmax(dim=1)``.

Data: ``hw_bonus/data/mnist_5k.npz``, 5,000 real digits (``hw_bonus.datasets``: 4,000
training, 500 validation, 500 test; inputs standardised). Training uses the 4,500 training
and validation digits; the 500 test digits are held out.

Run: ``python -m examples.mnist_mlp`` (a few seconds; test accuracy about 95.5 %), ``--quick``
for a one-epoch smoke run. For a run that another library must reproduce exactly:
``--double --init weights.npz --numpy-order 0 --losses losses.npy``.
"""

import argparse

import numpy as np

import mytorch as torch
import mytorch.nn as nn
import mytorch.nn.functional as F
import mytorch.optim as optim
from hw_bonus.datasets import load_dataset


class MLP(nn.Module):
    """784 -> 256 -> 10 with a ReLU: a digit image in, one logit per class out."""

    def __init__(self, hidden=256):
        super().__init__()
        self.fc1 = nn.Linear(784, hidden)
        self.fc2 = nn.Linear(hidden, 10)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m examples.mnist_mlp", description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--seed", type=int, default=0, help="seeds torch.manual_seed (initial weights, randperm)")
    parser.add_argument("--quick", action="store_true", help="one epoch on the first 1,000 training digits")
    parser.add_argument("--double", action="store_true", help="float64 parameters and data (default float32)")
    parser.add_argument("--init", help="load the initial weights from this .npz (keys: the state_dict's)")
    parser.add_argument(
        "--numpy-order",
        type=int,
        metavar="SEED",
        help="shuffle with numpy.random.default_rng(SEED) instead of torch.randperm",
    )
    parser.add_argument("--losses", help="save every step's loss to this .npy file")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    dtype = torch.float64 if args.double else torch.float32

    data = load_dataset("mnist-5k")
    x_train = np.concatenate([data.train[0], data.val[0]])
    y_train = np.concatenate([data.train[1], data.val[1]])
    if args.quick:
        x_train, y_train, args.epochs = x_train[:1000], y_train[:1000], 1
    x_train, y_train = torch.tensor(x_train, dtype=dtype), torch.tensor(y_train)
    x_test, y_test = torch.tensor(data.test[0], dtype=dtype), torch.tensor(data.test[1])

    model = MLP().to(dtype)
    if args.init:
        with np.load(args.init) as weights:
            model.load_state_dict({name: torch.tensor(weights[name]) for name in weights.files})
    loss_fn = nn.CrossEntropyLoss()
    optimizer = optim.SGD(model.parameters(), lr=args.lr, momentum=args.momentum)
    order_rng = None if args.numpy_order is None else np.random.default_rng(args.numpy_order)

    losses = []
    n = len(x_train)
    steps_per_epoch = -(-n // args.batch_size)
    for epoch in range(args.epochs):
        model.train()
        order = torch.randperm(n) if order_rng is None else torch.tensor(order_rng.permutation(n))
        for start in range(0, n, args.batch_size):
            batch = order[start : start + args.batch_size]
            optimizer.zero_grad()
            loss = loss_fn(model(x_train[batch]), y_train[batch])
            loss.backward()
            optimizer.step()
            losses.append(loss.item())

        model.eval()
        with torch.no_grad():
            pred = model(x_test).argmax(dim=1)
            accuracy = (pred == y_test).float().mean().item()
        epoch_loss = np.mean(losses[-steps_per_epoch:])
        print(f"epoch {epoch + 1:2d}  training loss {epoch_loss:.4f}  test accuracy {accuracy:.1%}")

    if args.losses:
        np.save(args.losses, np.array(losses))
    return {"losses": losses, "test_accuracy": accuracy}


if __name__ == "__main__":
    main()

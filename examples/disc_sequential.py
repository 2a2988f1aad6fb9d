"""The EPFL report's disc network as an ``nn.Sequential``, written as a PyTorch script.

The report classifies points of [0, 1]^2 as inside (0) or outside (1) the circle of area 1/2
centred at (0.5, 0.5) with 2 inputs, three hidden layers of 25 units and one output, Xavier
initial weights, the mean squared error, and plain SGD; its best model ("tanh clipped") has
tanh between the layers and a sigmoid on the output, and reaches about 97 % test accuracy
(Table I). This script builds that model with ``nn.Sequential`` and trains it on 8,000
points, testing on 2,000.

The script is plain PyTorch; only the imports name MyTorch (``import torch`` instead, and it
runs under PyTorch, step for step the same). Differences from the report: mini-batches of
16 instead of single samples (the report's framework could feed only one), a fixed number of
epochs, and a learning rate annealed along a cosine (``CosineAnnealingLR``) to settle the end.

Run: ``python -m examples.disc_sequential`` (about 10 s; test accuracy about 99 %), ``--quick`` for a smoke run. For a
run that another library must reproduce exactly: ``--double --init weights.npz --numpy-order 0
--losses losses.npy``.
"""

import argparse
import math

import numpy as np

import mytorch as torch
import mytorch.nn as nn
import mytorch.optim as optim


def disc_data(n, rng):
    """``n`` points uniform in [0, 1]^2, labelled 1 outside the circle of area 1/2 around (0.5, 0.5)."""
    x = rng.uniform(0.0, 1.0, (n, 2))
    y = (((x - 0.5) ** 2).sum(axis=1) > 1 / (2 * math.pi)).astype(np.float64)
    return x, y.reshape(-1, 1)


def make_model():
    """2 -> 25 -> 25 -> 25 -> 1, tanh between the layers, a sigmoid on the output, Xavier weights."""
    model = nn.Sequential(
        nn.Linear(2, 25),
        nn.Tanh(),
        nn.Linear(25, 25),
        nn.Tanh(),
        nn.Linear(25, 25),
        nn.Tanh(),
        nn.Linear(25, 1),
        nn.Sigmoid(),
    )
    for layer in model:
        if isinstance(layer, nn.Linear):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
    return model


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m examples.disc_sequential", description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0, help="seeds the data and torch.manual_seed")
    parser.add_argument("--quick", action="store_true", help="two epochs on 1,000 points")
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


def accuracy(model, x, y):
    """The fraction of points on the right side of 0.5."""
    with torch.no_grad():
        return ((model(x) > 0.5).float() == y).float().mean().item()


def main(argv=None):
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    dtype = torch.float64 if args.double else torch.float32
    x, y = disc_data(10_000, np.random.default_rng(args.seed))
    n_train = 1000 if args.quick else 8000
    if args.quick:
        args.epochs = 2
    x_train, y_train = torch.tensor(x[:n_train], dtype=dtype), torch.tensor(y[:n_train], dtype=dtype)
    x_test, y_test = torch.tensor(x[8000:], dtype=dtype), torch.tensor(y[8000:], dtype=dtype)

    model = make_model().to(dtype)
    if args.init:
        with np.load(args.init) as weights:
            model.load_state_dict({name: torch.tensor(weights[name]) for name in weights.files})
    print(model)
    loss_fn = nn.MSELoss()
    optimizer = optim.SGD(model.parameters(), lr=args.lr)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    order_rng = None if args.numpy_order is None else np.random.default_rng(args.numpy_order)

    losses = []
    steps_per_epoch = -(-n_train // args.batch_size)
    for epoch in range(args.epochs):
        order = torch.randperm(n_train) if order_rng is None else torch.tensor(order_rng.permutation(n_train))
        for start in range(0, n_train, args.batch_size):
            batch = order[start : start + args.batch_size]
            optimizer.zero_grad()
            loss = loss_fn(model(x_train[batch]), y_train[batch])
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
        if (epoch + 1) % 5 == 0 or epoch + 1 == args.epochs:
            print(
                f"epoch {epoch + 1:2d}  training MSE {np.mean(losses[-steps_per_epoch:]):.4f}  "
                f"training accuracy {accuracy(model, x_train, y_train):.1%}  "
                f"test accuracy {accuracy(model, x_test, y_test):.1%}"
            )

    if args.losses:
        np.save(args.losses, np.array(losses))
    return {"losses": losses, "test_accuracy": accuracy(model, x_test, y_test)}


if __name__ == "__main__":
    main()

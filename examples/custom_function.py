"""The Purdue lecture's "extending autograd" loop: a custom ``autograd.Function`` inside the
two-Gaussian classifier, written as a PyTorch script.

The lecture defines an op whose forward casts its input to 8-bit unsigned integers and saves
the quantization error in its context, and whose backward adds that saved error to the
incoming gradient. It feeds each training sample through the op into a one-hidden-layer
network without biases, ``x.view(1, -1).mm(w1).clamp(min=0).mm(w2)``, with the squared
error against the sample's label (1 or 2) and a hand-written update of ``w1`` and ``w2``
under ``no_grad``. Two classes of 1,000 points each around (3, 3) and (5, 5).

The script is plain PyTorch; only the import names MyTorch (``import torch`` instead, and it
runs under PyTorch, step for step the same). Differences from the lecture: the gradients of
``--batch-size`` samples (10) are accumulated before each update, with a learning rate of
3e-4 (the lecture updates once per epoch with 1e-6, which barely moves the weights); the
cast clamps to 0..255 first (a negative float has no uint8 value). As in the lecture, the
loss is printed every 200 samples. The network has no biases, so a draw of ``w1`` whose
hidden units are all zero on these inputs (e.g. ``--seed 4``) has no gradient and never
trains: the printed accuracy says so.

Run: ``python -m examples.custom_function`` (a few seconds), ``--quick`` for a smoke run.
For a run that another library must reproduce exactly: ``--double --init weights.npz
--losses losses.npy``.
"""

import argparse

import numpy as np

import mytorch as torch


class Quantize(torch.autograd.Function):
    """Forward: cast to uint8 (clamped to 0..255) and back; backward: add the saved error."""

    @staticmethod
    def forward(ctx, x):
        quantized = x.clamp(0, 255).to(torch.uint8).to(x.dtype)
        ctx.save_for_backward(x - quantized)
        return quantized

    @staticmethod
    def backward(ctx, grad_output):
        (error,) = ctx.saved_tensors
        return grad_output + error


def gaussian_data(per_class, rng):
    """The lecture's two classes, label 1 around (3, 3) and label 2 around (5, 5), shuffled."""
    x = np.concatenate([rng.multivariate_normal(m, np.eye(2), size=per_class) for m in ([3.0, 3.0], [5.0, 5.0])])
    labels = np.repeat([1.0, 2.0], per_class)
    order = rng.permutation(len(x))
    return x[order], labels[order]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m examples.custom_function", description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=10, help="samples whose gradients make one update")
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--seed", type=int, default=0, help="seeds the data and torch.manual_seed")
    parser.add_argument("--quick", action="store_true", help="one epoch on 400 samples")
    parser.add_argument("--double", action="store_true", help="float64 weights and data (default float32)")
    parser.add_argument("--init", help="load w1 and w2 from this .npz")
    parser.add_argument("--losses", help="save every sample's loss to this .npy file")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    torch.manual_seed(args.seed)
    dtype = torch.float64 if args.double else torch.float32
    data, labels = gaussian_data(1000, np.random.default_rng(args.seed))
    if args.quick:
        data, labels, args.epochs = data[:400], labels[:400], 1

    D_in, H, D_out = 2, 10, 2
    if args.init:
        with np.load(args.init) as weights:
            w1 = torch.tensor(weights["w1"], dtype=dtype, requires_grad=True)
            w2 = torch.tensor(weights["w2"], dtype=dtype, requires_grad=True)
    else:
        w1 = torch.randn(D_in, H, dtype=dtype, requires_grad=True)
        w2 = torch.randn(H, D_out, dtype=dtype, requires_grad=True)

    losses = []
    for epoch in range(args.epochs):
        for i in range(len(data)):
            x = torch.tensor(data[i], dtype=dtype)
            y = torch.tensor(labels[i], dtype=dtype)
            x = Quantize.apply(x)
            y_pred = x.view(1, -1).mm(w1).clamp(min=0).mm(w2)
            loss = (y_pred - y).pow(2).sum()
            if i % 200 == 199:
                print(epoch, i, loss.item())
            loss.backward()
            losses.append(loss.item())
            if i % args.batch_size == args.batch_size - 1:
                with torch.no_grad():
                    w1 -= args.lr * w1.grad
                    w2 -= args.lr * w2.grad
                    w1.grad.zero_()
                    w2.grad.zero_()

    with torch.no_grad():
        outputs = torch.tensor(data, dtype=dtype).mm(w1).clamp(min=0).mm(w2).mean(dim=1)
        accuracy = ((outputs - torch.tensor(labels, dtype=dtype)).abs() < 0.5).float().mean().item()
    print(
        f"mean loss of the last 200 samples {np.mean(losses[-200:]):.3f}; "
        f"training accuracy (mean output within 0.5 of the label) {accuracy:.1%}"
    )
    if args.losses:
        np.save(args.losses, np.array(losses))
    return {"losses": losses, "accuracy": accuracy}


if __name__ == "__main__":
    main()

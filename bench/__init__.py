"""Benchmarks of MyTorch against hand-written NumPy and, when installed, PyTorch and HIPS autograd.

Run ``python -m bench`` (or ``python bench/run.py``); ``--quick`` for a run of under two
minutes. Each implementation runs one full training step (forward, loss, backward, SGD update)
of the same network from the same weights; their gradients are checked against each other
before anything is timed. Results are printed and written to ``bench/results.md``.
"""

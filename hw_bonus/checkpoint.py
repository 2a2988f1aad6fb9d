"""Training checkpoints: everything needed to continue a run exactly where it stopped.

A checkpoint is one ``.npz`` file of plain arrays (no pickle), written atomically:

* ``config``: the run's settings as a JSON string (architecture and training options);
* ``W.i``, ``b.i``, ``optim.*``: the network's weights and its optimizer's state;
* ``rng``: the state of the generator that shuffles the training set (six uint64 numbers);
* ``epoch``: how many epochs are done; ``history``: one row of metrics per epoch done.

Restoring all of them makes a resumed run end with exactly the weights of an uninterrupted
one.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hw_bonus.mlp import MLP
from hw_bonus.npz import load_npz, save_npz

__all__ = ["Checkpoint", "load_checkpoint", "rng_from_array", "rng_to_array", "save_checkpoint"]

_MASK = (1 << 64) - 1


def rng_to_array(rng: np.random.Generator) -> np.ndarray:
    """A PCG64 generator's full state as six uint64 numbers."""
    state = rng.bit_generator.state
    if state["bit_generator"] != "PCG64":
        raise ValueError(f"rng_to_array: only PCG64 generators are supported, got {state['bit_generator']}")
    s, inc = state["state"]["state"], state["state"]["inc"]
    words = [s >> 64, s & _MASK, inc >> 64, inc & _MASK, state["has_uint32"], state["uinteger"]]
    return np.array(words, dtype=np.uint64)


def rng_from_array(words: np.ndarray) -> np.random.Generator:
    """The generator whose state ``rng_to_array`` saved."""
    w = [int(v) for v in np.asarray(words, dtype=np.uint64)]
    if len(w) != 6:
        raise ValueError(f"rng_from_array: expected 6 state words, got {len(w)}")
    bits = np.random.PCG64()
    bits.state = {
        "bit_generator": "PCG64",
        "state": {"state": (w[0] << 64) | w[1], "inc": (w[2] << 64) | w[3]},
        "has_uint32": w[4],
        "uinteger": w[5],
    }
    return np.random.Generator(bits)


@dataclass
class Checkpoint:
    """What a checkpoint file holds, decoded."""

    config: dict[str, Any]
    state: dict[str, np.ndarray]
    rng: np.random.Generator
    epoch: int
    history: np.ndarray


def save_checkpoint(
    path: str | os.PathLike,
    config: dict[str, Any],
    mlp: MLP,
    rng: np.random.Generator,
    epoch: int,
    history: np.ndarray,
) -> Path:
    """Write the run's state to ``path`` atomically."""
    arrays = dict(mlp.state_dict())
    arrays["config"] = np.array(json.dumps(config, sort_keys=True))
    arrays["rng"] = rng_to_array(rng)
    arrays["epoch"] = np.array(epoch, dtype=np.int64)
    arrays["history"] = np.asarray(history, dtype=np.float64)
    return save_npz(path, arrays)


def load_checkpoint(path: str | os.PathLike) -> Checkpoint:
    """Read a checkpoint written by ``save_checkpoint``.

    Raises:
        FileNotFoundError: no file at ``path``.
        ValueError: the file is corrupt, truncated, or not a MyTorch checkpoint.
    """
    arrays = load_npz(path, required=("config", "rng", "epoch", "history"))
    try:
        config = json.loads(str(arrays.pop("config")))
        rng = rng_from_array(arrays.pop("rng"))
    except (ValueError, TypeError) as err:
        raise ValueError(f"{path}: not a MyTorch checkpoint (bad config or rng state): {err}") from None
    epoch = int(arrays.pop("epoch"))
    history = arrays.pop("history")
    return Checkpoint(config, arrays, rng, epoch, history)

"""Training checkpoints: everything needed to continue a run exactly where it stopped.

A checkpoint is one ``.npz`` file of plain arrays (no pickle), written atomically:

* ``config``: the run's settings as a JSON string (architecture and training options);
* ``W.i``, ``b.i``, ``optim.*``: the network's weights and its optimizer's state;
* ``rng``: the state of the generator that shuffles the training set (six uint64 numbers);
* ``epoch``: how many epochs are done; ``history``: one row of metrics per epoch done.

Restoring all of them makes a resumed run end with exactly the weights of an uninterrupted
one. ``load_checkpoint`` checks everything before handing it over: the config is a JSON object
whose every field has its type and range (``CONFIG_FIELDS``), ``epoch`` is a whole number
from 1 to the config's ``epochs`` with that many rows of history, and every stored number is
finite. Anything else is a damaged checkpoint: a ``ValueError`` naming the file and the field.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hw_bonus.datasets import DATASETS
from hw_bonus.metrics import COLUMNS
from hw_bonus.mlp import MLP, OPTIMIZERS
from hw_bonus.npz import load_npz, save_npz
from mytorch.nn.modules import ACTIVATIONS, INITS

__all__ = ["CONFIG_FIELDS", "Checkpoint", "load_checkpoint", "rng_from_array", "rng_to_array", "save_checkpoint"]


def _whole(low: int) -> tuple[str, Callable[[Any], bool]]:
    return f"a whole number >= {low}", lambda v: type(v) is int and v >= low


def _one_of(choices: Any) -> tuple[str, Callable[[Any], bool]]:
    return f"one of {', '.join(choices)}", lambda v: isinstance(v, str) and v in choices


def _number(what: str, test: Callable[[float], bool]) -> tuple[str, Callable[[Any], bool]]:
    return what, lambda v: type(v) in (int, float) and math.isfinite(v) and test(v)


CONFIG_FIELDS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "dataset": _one_of(DATASETS),
    "n_features": _whole(1),
    "n_classes": _whole(2),
    "hidden": ("a list of whole numbers >= 1", lambda v: isinstance(v, list) and all(_whole(1)[1](n) for n in v)),
    "activation": _one_of(ACTIVATIONS),
    "dtype": _one_of(("float32", "float64")),
    "epochs": _whole(1),
    "batch_size": _whole(1),
    "lr": _number("a number > 0", lambda v: v > 0),
    "momentum": _number("a number in [0, 1)", lambda v: 0 <= v < 1),
    "optimizer": _one_of(OPTIMIZERS),
    "init": _one_of(INITS),
    "seed": _whole(0),
}
"""Every field of a checkpoint's config: what it must be, and the test of it."""

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
    """The generator whose state ``rng_to_array`` saved.

    Raises:
        ValueError: ``words`` are not six uint64 numbers (floats or negative numbers would be
            cast into another state, silently: another shuffling order after a resume), or
            their last two are not a PCG64's cached-bits flag (0 or 1) and 32 bits.
    """
    words = np.asarray(words)
    if words.dtype != np.uint64 or words.shape != (6,):
        raise ValueError(f"rng_from_array: expected 6 uint64 state words, got {words.dtype} of shape {words.shape}")
    w = [int(v) for v in words]
    if w[4] not in (0, 1) or w[5] >> 32:
        raise ValueError(f"rng_from_array: words 4 and 5 are {w[4]} and {w[5]}, not a flag (0 or 1) and 32 bits")
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
    """Write the run's state to ``path`` atomically.

    Raises:
        ValueError: a weight, optimizer array or history entry is NaN or infinite: such a file
            would be refused by ``load_checkpoint``, so it is not written (the one at ``path``,
            if any, stays as it was).
    """
    arrays = dict(mlp.state_dict())
    arrays["history"] = np.asarray(history, dtype=np.float64)
    for name, array in arrays.items():
        if not np.isfinite(array).all():
            raise ValueError(f"save_checkpoint: array {name!r} holds NaN or infinite values; {path} is not written")
    arrays["config"] = np.array(json.dumps(config, sort_keys=True))
    arrays["rng"] = rng_to_array(rng)
    arrays["epoch"] = np.array(epoch, dtype=np.int64)
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
    _check_config(config, path)
    epoch, history = arrays.pop("epoch"), arrays.pop("history")
    if epoch.shape != () or epoch.dtype.kind not in "iu" or not 1 <= int(epoch) <= config["epochs"]:
        raise ValueError(
            f"{path}: damaged checkpoint: 'epoch' is {epoch.tolist()!r}, not a whole number from 1 to the config's "
            f"epochs ({config['epochs']})"
        )
    epoch = int(epoch)
    if history.shape != (epoch, len(COLUMNS)):
        raise ValueError(
            f"{path}: damaged checkpoint: 'history' has shape {history.shape}, {epoch} epochs need "
            f"({epoch}, {len(COLUMNS)})"
        )
    for name, array in {"history": history, **arrays}.items():
        if array.dtype.kind not in "biuf":
            raise ValueError(f"{path}: damaged checkpoint: array {name!r} holds {array.dtype}, not numbers")
        if not np.isfinite(array).all():
            raise ValueError(f"{path}: damaged checkpoint: array {name!r} holds NaN or infinite values")
    return Checkpoint(config, arrays, rng, epoch, history)


def _check_config(config: Any, path: str | os.PathLike) -> None:
    """Refuse a config that is not a JSON object with exactly ``CONFIG_FIELDS``, each as it must be."""
    if not isinstance(config, dict):
        raise ValueError(f"{path}: damaged checkpoint: 'config' is {type(config).__name__} JSON, not an object")
    missing = [key for key in CONFIG_FIELDS if key not in config]
    unknown = [key for key in config if key not in CONFIG_FIELDS]
    if missing or unknown:
        what = [f"missing {', '.join(missing)}"] * bool(missing) + [f"unknown {', '.join(unknown)}"] * bool(unknown)
        raise ValueError(f"{path}: damaged checkpoint: config fields {'; '.join(what)}")
    for key, (what, test) in CONFIG_FIELDS.items():
        if not test(config[key]):
            raise ValueError(f"{path}: damaged checkpoint: config field {key!r} is {config[key]!r}; it must be {what}")

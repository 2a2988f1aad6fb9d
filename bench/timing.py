"""Timing and memory measurement: interleaved, warmed-up, medians of per-round ratios;
tracemalloc peaks; page faults."""

from __future__ import annotations

import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

from bench.problems import Problem
from bench.trainers import Trainer

BLOCK_SECONDS = 0.05  # steps of one implementation run back to back for about this long


@dataclass(frozen=True)
class Budget:
    """How long to measure one case (all implementations together)."""

    seconds: float
    warmup: int
    min_steps: int
    max_steps: int


def _time_step(trainer: Trainer) -> float:
    start = time.process_time()
    trainer.step()
    return time.process_time() - start


@dataclass
class Timing:
    """One implementation's measurement in one case.

    Attributes:
        seconds: the median time of one step.
        rounds: its time per step in each round (the median of the round's block).
    """

    seconds: float
    rounds: list[float]

    def ratio_to(self, other: Timing) -> float:
        """The median over rounds of this time per step over ``other``'s in the same round."""
        return statistics.median(a / b for a, b in zip(self.rounds, other.rounds) if b > 0)


def measure(trainers: dict[str, Trainer], budget: Budget) -> dict[str, Timing]:
    """Time every trainer, in rounds.

    After ``budget.warmup`` untimed steps each, the trainers take turns (the first to go
    rotates every round) running a short block of consecutive steps, each step timed on its
    own, until every trainer has ``min_steps`` steps and ``budget.seconds`` have passed, or
    until ``max_steps``. Interleaving spreads the noise of a shared machine over all of them;
    the ratio of two trainers is taken within each round (so a slow spell of the machine
    slows both sides of it) and its median over the rounds reported.
    """
    for trainer in trainers.values():
        for _ in range(budget.warmup):
            trainer.step()
    block = {name: max(1, min(20, int(BLOCK_SECONDS / _time_step(t)))) for name, t in trainers.items()}
    samples: dict[str, list[float]] = {name: [] for name in trainers}
    rounds: dict[str, list[float]] = {name: [] for name in trainers}
    names = list(trainers)
    deadline = time.perf_counter() + budget.seconds
    for turn in range(10**9):
        shift = turn % len(names)
        for name in names[shift:] + names[:shift]:
            times = [_time_step(trainers[name]) for _ in range(block[name])]
            samples[name].extend(times)
            rounds[name].append(statistics.median(times))
        fewest = min(len(s) for s in samples.values())
        if fewest >= budget.max_steps or (fewest >= budget.min_steps and time.perf_counter() > deadline):
            break
    return {name: Timing(statistics.median(samples[name]), rounds[name]) for name in names}


def peak_memory(build: Callable[[Problem], Trainer | None], problem: Problem) -> int | None:
    """Peak bytes held (as NumPy reports them to ``tracemalloc``) during one step.

    The trainer is built and run twice inside the trace, so its parameters, gradients and
    anything it keeps between steps count too; the problem's own data does not. The third
    step is measured: the kind every later step is (a replayed Tensor step is recorded, then
    confirmed, then replayed; a replayed modules step still holds the recorded step's arrays
    during the first replay). Returns None when the implementation is not applicable.
    """
    tracemalloc.start()
    try:
        trainer = build(problem)
        if trainer is None:
            return None
        for _ in range(2):
            trainer.step()
        tracemalloc.reset_peak()
        trainer.step()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def page_faults(trainer: Trainer, steps: int = 5) -> float:
    """Minor page faults per step (fresh memory the kernel maps in), after one warm-up step."""
    trainer.step()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(steps):
        trainer.step()
    return (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / steps

"""A helper for tests that train one weight by a dynamic step and by a replayed one: the two
runs must end at the same weights, bit for bit."""

from collections.abc import Callable
from typing import Any

import numpy as np

import mytorch as mt
from mytorch.replay import Replay


def assert_replay_trains_like_the_dynamic_step(
    w0: np.ndarray,
    x: np.ndarray,
    make_optimizer: Callable[[Any], Any],
    loss: Callable[[Any, Any], Any],
    steps: int,
    verify: int,
) -> None:
    """Train ``w`` (a leaf of ``w0``) for ``steps`` steps on ``x``: zero_grad, ``loss(x, w)``,
    backward, the step of ``make_optimizer(w)``; once dynamically and once through
    ``Replay(step, optimizer=..., verify=verify)``. The final weights must be equal."""
    weights = []
    for replay in (False, True):
        w = mt.tensor(w0.copy(), requires_grad=True)
        opt = make_optimizer(w)
        data = mt.tensor(x)

        def step(data: Any) -> Any:
            opt.zero_grad()  # noqa: B023 (each run's own optimizer and weight)
            value = loss(data, w)  # noqa: B023
            value.backward()
            opt.step()  # noqa: B023
            return value

        run = Replay(step, optimizer=opt, verify=verify) if replay else step
        for _ in range(steps):
            run(data)
        weights.append(w.detach().numpy())
    np.testing.assert_array_equal(weights[0], weights[1])

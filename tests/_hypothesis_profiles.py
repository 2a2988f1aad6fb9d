"""Hypothesis profiles for the fuzz tests: ``ci`` (the default) and ``long``.

``ci`` runs few examples, derandomized, so the whole fuzz suite stays deterministic and
under a minute. ``long`` runs many random examples; select it with
``HYPOTHESIS_PROFILE=long python -m pytest tests/test_fuzz_kernels.py tests/test_fuzz_programs.py``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

CI_EXAMPLES = 12
"""Examples per fuzz test in the ``ci`` profile (one test per kernel and check)."""
LONG_EXAMPLES = 400
"""Examples per fuzz test in the ``long`` profile."""

_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much]}

settings.register_profile("ci", max_examples=CI_EXAMPLES, derandomize=True, database=None, print_blob=True, **_COMMON)
settings.register_profile("long", max_examples=LONG_EXAMPLES, print_blob=True, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

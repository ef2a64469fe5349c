"""Hypothesis budget for the fuzz tests: bounded for CI, raised with ``EAS_FUZZ_EXAMPLES``.

The long, unbounded run is ``benchmarks/fuzz_long.py``; here each target gets a few hundred
inputs so the whole folder stays well inside a CI minute.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

FUZZ_EXAMPLES = int(os.environ.get("EAS_FUZZ_EXAMPLES", "200"))

settings.register_profile(
    "eas-fuzz",
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    # CI replays the same inputs every run (a red build must be reproducible); a developer's
    # run explores fresh ones and hypothesis's database keeps any failure it finds.
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
)
FUZZ = settings(settings.get_profile("eas-fuzz"))
"""Decorator applying the fuzz profile to one test without changing the global profile."""

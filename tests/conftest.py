"""Test configuration: Hypothesis profiles.

The default profile keeps the suite fast. Run more examples on demand with
``HYPOTHESIS_PROFILE=thorough python -m pytest``. tools/mutation.py uses the
``mutation`` profile: the same examples on every run (so that scores repeat), no example
database, no shrinking (any failing example kills a mutant), and tests may run more than
once in one process, as mutmut runs them. Under CI
(``CI`` set, as ``.ci/run`` is run) the ``ci`` profile runs the same examples on every
run, so that a green run on a developer's machine is the run CI makes.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

settings.register_profile("default", max_examples=60, deadline=None)
settings.register_profile(
    "thorough",
    max_examples=2_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "mutation",
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.differing_executors],
    # A mutant is killed by any failing example: shrinking it only costs time.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True, database=None)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default")
)

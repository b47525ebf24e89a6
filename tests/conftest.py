"""Test configuration: Hypothesis profiles, and the Dask cluster the tests share.

The default profile keeps the suite fast. Run more examples on demand with
``HYPOTHESIS_PROFILE=thorough python -m pytest``. tools/mutation.py uses the
``mutation`` profile: the same examples on every run (so that scores repeat), no example
database, no shrinking (any failing example kills a mutant), and tests may run more than
once in one process, as mutmut runs them. Under CI
(``CI`` set, as ``.ci/run`` is run) the ``ci`` profile runs the same examples on every
run, so that a green run on a developer's machine is the run CI makes.

``dask_client`` is one local Dask cluster of two worker processes for the whole session,
started by the first test that asks for it and closed at the end, so that the tests of
``softstaking.dask`` and of ``softstaking run --scheduler`` share its start-up.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
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


@pytest.fixture(scope="session")
def dask_client() -> Iterator[Any]:
    """A client of a local cluster of two worker processes, one thread each.

    Not the default scheduler: a test computes on it explicitly (``client.compute``,
    ``client.as_current()``, or the cluster's address), so that no other test's Dask
    work lands on it by accident.
    """
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
    ):
        yield client

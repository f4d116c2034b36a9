"""Eight clients creating, updating, stopping, deleting and listing at once (a bounded number of
rounds; ``bench/soak_concurrency.py`` runs the same workload for a minute or more).

No 5xx; no acknowledged update lost (two clients of one user add label keys to the same job);
every job listed exactly once across pages, during the run and after it.
"""

from __future__ import annotations

import os

import pytest

from tests.helpers.server import ServerHandle
from tests.reliability.concurrent_workload import final_check, run_workload

pytestmark = pytest.mark.slow

ROUNDS = int(os.environ.get("PFCTL_CONCURRENCY_ROUNDS", "12"))


def test_eight_clients_at_once_lose_nothing(fuzz_server: ServerHandle) -> None:
    shared = run_workload(fuzz_server.url, clients=8, rounds=ROUNDS)
    assert shared.server_errors == []
    assert shared.list_problems == []
    assert len(shared.created) == 8 * ROUNDS, shared.statuses
    assert shared.list_walks == 8 * ROUNDS
    assert sum(len(keys) for keys in shared.shared_keys.values()) == 8 * ROUNDS
    assert final_check(fuzz_server.url, shared) == []

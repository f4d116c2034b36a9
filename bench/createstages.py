"""Where a create's time goes inside the server: each stage of `POST /job/single` timed in this
process, on the server's own code and a database of its own (used by `bench/creates.py`)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from localserver import USER, dumps, single_job_body

#: the stages in the order the server runs them, with what each one covers
STAGES = {
    "parse the body (JSON)": "`parse_json` of the request bytes, as `Call.json_body` does",
    "authenticate": "the token's user (`Accounts.user_for_token`), the caller's `userName` claim",
    "decode (Go semantics, JSON types)": "`decode_job_body`: canonical keys, the schema's types",
    "create rules, queue, flavour": "`build_new_job`: the rules, the queue and flavour lookups",
    "store (one transaction, committed)": "`Store.create_job`: the insert, its event, the commit",
    "encode the answer": "`json_bytes` of `{'id': ...}`",
}


def _per_call_seconds(action: Callable[[int], object], count: int) -> float:
    """Median of 5 rounds of the mean time of `action(n)` over `count` calls."""
    rounds = []
    offset = 0
    for _ in range(5):
        start = time.perf_counter()
        for n in range(offset, offset + count):
            action(n)
        rounds.append((time.perf_counter() - start) / count)
        offset += count
    return statistics.median(rounds)


def stage_seconds(data_dir: Path, count: int) -> dict[str, float]:
    """Seconds per create of each stage (`STAGES`), `count` creates per round."""
    from pfctl.server.endpoint import Call, authenticate
    from pfctl.server.gojson import json_bytes, parse_json
    from pfctl.server.jobs.create import build_new_job
    from pfctl.server.jobs.decode import decode_job_body
    from pfctl.server.state import ServerState
    from pfctl.server.store.storage import Store

    store = Store(data_dir)
    token = store.accounts.issue_token(USER, lifetime_seconds=None)
    bodies = [
        dumps(single_job_body(f"stage-{n}", {"team": "t"})).encode() for n in range(count * 5)
    ]
    parsed: list[Any] = [parse_json(body) for body in bodies]
    decoded = [decode_job_body("single", body) for body in parsed]
    built = [build_new_job(store, "single", body, USER) for body in decoded]
    state: Any = ServerState.__new__(ServerState)
    state.store = store

    def auth(n: int) -> None:
        call = Call(state, "", "POST", "", {}, {}, bodies[n])
        authenticate(call, token)

    seconds = {
        "parse the body (JSON)": _per_call_seconds(lambda n: parse_json(bodies[n]), count),
        "authenticate": _per_call_seconds(auth, count),
        "decode (Go semantics, JSON types)": _per_call_seconds(
            lambda n: decode_job_body("single", parsed[n]), count
        ),
        "create rules, queue, flavour": _per_call_seconds(
            lambda n: build_new_job(store, "single", decoded[n], USER), count
        ),
        "store (one transaction, committed)": _per_call_seconds(
            lambda n: store.create_job(built[n]), count
        ),
        "encode the answer": _per_call_seconds(lambda n: json_bytes({"id": built[n].id}), count),
    }
    store.close()
    return seconds

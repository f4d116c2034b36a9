"""Workflows are bounded: no recursion, a cap on nodes, on nodes running at once and on the room
they take in their queue; and stopping a wide one is quick and leaves nothing running."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pfctl.server.runtime.processes import LaunchSpec, ReplicaProcess
from pfctl.server.runtime.workflow import WorkflowRun
from pfctl.server.runtime.workflow_nodes import DEFAULT_PARALLELISM, NodeLaunch, WorkflowLimits
from tests.server.conftest import Api

from .helpers import FINAL, RuntimeServer, process_running

StartServer = Callable[..., RuntimeServer]


def counting(name: str, directory: Path, seconds: float) -> dict[str, Any]:
    """A leaf that notes how many leaves of its kind run while it starts, then sleeps."""
    script = (
        f'touch {directory}/run.$$; ls {directory} | grep -c "^run\\." >> {directory}/counts; '
        f"sleep {seconds}; rm {directory}/run.$$"
    )
    return {"name": name, "container": {"image": "busybox", "command": ["sh", "-c", script]}}


def wide_dag(width: int, leaf: dict[str, Any], **spec: Any) -> dict[str, Any]:
    tasks = [{"name": f"t{index}", "template": leaf["name"]} for index in range(width)]
    return {
        "kind": "Workflow",
        "spec": {
            "entrypoint": "main",
            "templates": [{"name": "main", "dag": {"tasks": tasks}}, leaf],
            **spec,
        },
    }


def counts(directory: Path) -> list[int]:
    return [int(line) for line in (directory / "counts").read_text().split()]


def run_locally(
    tmp_path: Path, template: dict[str, Any], limits: WorkflowLimits
) -> tuple[bool, str, WorkflowRun, list[ReplicaProcess]]:
    launched: list[ReplicaProcess] = []

    def launcher(launch: NodeLaunch) -> ReplicaProcess:
        log = tmp_path / "logs" / f"{launch.node_name}.log"
        launched.append(ReplicaProcess(LaunchSpec(launch.argv, tmp_path, launch.env, log)))
        return launched[-1]

    engine = WorkflowRun(
        template,
        "wf",
        launcher,
        scripts_dir=tmp_path / "scripts",
        stop_event=threading.Event(),
        grace_seconds=1.0,
        limits=limits,
    )
    succeeded, message = engine.run()
    return succeeded, message, engine, launched


def test_a_run_that_reaches_the_node_limit_fails_and_stops_its_nodes(tmp_path: Path) -> None:
    """The server refuses such a workflow at create (``argo_calls``); a run still enforces the
    limit, here a lower one."""
    template = wide_dag(30, {"name": "slow", "container": {"command": ["sleep", "300"]}})
    succeeded, message, engine, launched = run_locally(
        tmp_path, template, WorkflowLimits(max_nodes=20, parallelism=50)
    )
    assert not succeeded
    assert message == "workflow reached the local executor's limit of 20 nodes"
    assert len(engine.nodes) == 20
    assert len(launched) <= 19
    assert not any(process_running(process.pid) for process in launched)


def test_no_more_leaves_run_at_once_than_the_parallelism(tmp_path: Path) -> None:
    (tmp_path / "marks").mkdir()
    template = wide_dag(24, counting("leaf", tmp_path / "marks", 0.2))
    succeeded, message, _, launched = run_locally(tmp_path, template, WorkflowLimits(parallelism=4))
    assert succeeded, message
    assert len(launched) == 24
    assert 2 <= max(counts(tmp_path / "marks")) <= 4


def test_spec_parallelism_lowers_the_bound(tmp_path: Path) -> None:
    (tmp_path / "marks").mkdir()
    template = wide_dag(8, counting("leaf", tmp_path / "marks", 0.2), parallelism=1)
    succeeded, message, _, _ = run_locally(tmp_path, template, WorkflowLimits(parallelism=4))
    assert succeeded, message
    assert counts(tmp_path / "marks") == [1] * 8


def workflow_body(template: dict[str, Any], queue: str = "default-queue") -> dict[str, Any]:
    return {"schedulingPolicy": {"queue": queue}, "extensionTemplate": template}


def test_a_wide_workflow_never_runs_more_than_the_bound_at_once(
    runtime_server: StartServer, tmp_path: Path
) -> None:
    server = runtime_server()
    template = wide_dag(300, counting("leaf", tmp_path, 0.6))
    job_id = server.create("workflow", workflow_body(template))
    job = server.wait_status(job_id, FINAL, timeout=300)
    assert job["status"] == "succeeded", job["message"]
    seen = counts(tmp_path)
    assert len(seen) == 300
    assert 2 <= max(seen) <= DEFAULT_PARALLELISM


def test_stop_of_a_wide_workflow_is_quick_and_leaves_no_process(
    runtime_server: StartServer,
) -> None:
    server = runtime_server(grace_seconds=5.0)
    leaf = {"name": "slow", "container": {"command": ["sleep", SLEEP_MARK]}}
    job_id = server.create("workflow", workflow_body(wide_dag(300, leaf)))
    deadline = time.monotonic() + 120
    while len(node_pids(server, job_id, running=True)) < DEFAULT_PARALLELISM:
        assert time.monotonic() < deadline, server.job(job_id)
        time.sleep(0.2)
    assert len(marked_processes()) == DEFAULT_PARALLELISM
    started = time.monotonic()
    response = server.call("PUT", f"/job/{job_id}", params={"action": "stop"})
    assert response.status_code == 200, response.text
    job = server.wait_status(job_id, FINAL, timeout=60)
    took = time.monotonic() - started
    assert job["status"] == "terminated", job["message"]
    # No node started once the stop was asked for, and none is left running.
    launched = node_pids(server, job_id, running=False)
    assert len(launched) == DEFAULT_PARALLELISM
    assert not [pid for pid in launched if process_running(pid)]
    assert not marked_processes()
    print(f"stop of a 300-node workflow running {len(launched)} nodes took {took:.2f} s")


SLEEP_MARK = "617"  # the leaves' `sleep` argument, to find any left behind


def marked_processes() -> list[int]:
    """Live processes running ``sleep SLEEP_MARK``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv[:2] == [b"sleep", SLEEP_MARK.encode()] and process_running(int(entry.name)):
            found.append(int(entry.name))
    return found


def node_pids(server: RuntimeServer, job_id: str, *, running: bool) -> list[int]:
    """The pids of the job's leaf nodes (only those the server shows running, or all)."""
    nodes = server.job(job_id).get("workflowRuntime", {}).get("nodes") or []
    pids = []
    for node in nodes:
        for runtime in node.get("runtimes") or []:
            status = json.loads(runtime.get("status") or "{}")
            if status.get("pid") and (not running or status.get("phase") == "Running"):
                pids.append(int(status["pid"]))
    return pids


def make_queue(server: RuntimeServer, name: str, cpu: str, mem: str) -> None:
    body = {"name": name, "namespace": "default", "maxResources": {"cpu": cpu, "mem": mem}}
    response = server.call("POST", "/queue", json=body)
    assert response.status_code == 200, response.text


def test_parallel_steps_stay_within_the_queue(runtime_server: StartServer, tmp_path: Path) -> None:
    server = runtime_server()
    make_queue(server, "small", "2", "2Gi")
    leaf = counting("sized", tmp_path, 0.5)
    leaf["container"]["resources"] = {"requests": {"cpu": "1", "memory": "1Gi"}}
    job_id = server.create("workflow", workflow_body(wide_dag(6, leaf), "small"))
    peak = 0
    deadline = time.monotonic() + 120
    while server.job(job_id)["status"] not in FINAL and time.monotonic() < deadline:
        used = server.call("GET", "/queue/small").json()["usedResources"]
        peak = max(peak, int(used["cpu"]))
        assert int(used["cpu"]) <= 2, used
        time.sleep(0.05)
    job = server.wait_status(job_id, FINAL)
    assert job["status"] == "succeeded", job["message"]
    assert max(counts(tmp_path)) <= 2
    assert peak >= 1
    assert server.call("GET", "/queue/small").json()["usedResources"]["cpu"] == "0"


def test_a_node_larger_than_its_queue_fails_the_workflow(runtime_server: StartServer) -> None:
    server = runtime_server()
    make_queue(server, "tiny", "1", "1Gi")
    leaf = {
        "name": "big",
        "container": {"command": ["true"], "resources": {"requests": {"cpu": 3}}},
    }
    job_id = server.create("workflow", workflow_body(wide_dag(1, leaf), "tiny"))
    job = server.wait_status(job_id, FINAL)
    assert job["status"] == "failed"
    assert "the node requests [cpu: 3, ], more than queue tiny's maximum" in job["message"]


LEAF = {"name": "leaf", "container": {"image": "busybox", "command": ["true"]}}


@pytest.mark.parametrize(
    ("templates", "message"),
    [
        (
            [{"name": "main", "steps": [[{"name": "again", "template": "main"}]]}],
            "spec.templates[0].steps[0][0].template: template main calls itself",
        ),
        (
            [
                {"name": "main", "steps": [[{"name": "a", "template": "a"}]]},
                {"name": "a", "steps": [[{"name": "back", "template": "main"}]]},
            ],
            "spec.templates[1].steps[0][0].template: templates main -> a -> main form a cycle",
        ),
        (
            [{"name": "main", "dag": {"tasks": [{"name": "again", "template": "main"}]}}],
            "spec.templates[0].dag.tasks[0].template: template main calls itself",
        ),
        (
            [
                {"name": "main", "dag": {"tasks": [{"name": "a", "template": "a"}]}},
                {"name": "a", "dag": {"tasks": [{"name": "b", "template": "b"}]}},
                {"name": "b", "dag": {"tasks": [{"name": "back", "template": "main"}]}},
            ],
            "spec.templates[2].dag.tasks[0].template: templates main -> a -> b -> main "
            "form a cycle",
        ),
    ],
    ids=["steps-direct", "steps-indirect", "dag-direct", "dag-indirect"],
)
def test_the_server_refuses_recursion_naming_the_cycle(
    root_api: Api, templates: list[dict[str, Any]], message: str
) -> None:
    template = {"kind": "Workflow", "spec": {"entrypoint": "main", "templates": [*templates, LEAF]}}
    response = root_api.post("/job/workflow", json=workflow_body(template))
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "JobCreateFailed"
    assert response.json()["message"] == message

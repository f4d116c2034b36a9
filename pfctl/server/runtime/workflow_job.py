"""A workflow job's run: its Argo template through ``workflow.WorkflowRun``, shown as
``workflowRuntime`` while it runs and recorded when it ends.

``execution.JobExecution`` calls ``run_workflow_job`` in the job's thread; the nodes' processes
start through the execution (``launch_node``), which records and ends them like a replica's. The
run is bounded by the execution's ``workflow_limits`` and its ``node_gate`` (the queue's room).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pfctl.server.runtime import frameworks, runtime_info
from pfctl.server.runtime.workflow import WorkflowRun
from pfctl.spec import statuses
from pfctl.spec.argo_subset import validate_workflow

if TYPE_CHECKING:
    from pfctl.server.runtime.execution import JobExecution

__all__ = ["run_workflow_job"]


def run_workflow_job(execution: JobExecution) -> None:
    """Run the job's ``extensionTemplate`` until it ends, is stopped, or the server stops."""
    job = execution.job
    execution.prepare_dirs()
    template = job.spec.get("extensionTemplate")
    problems = validate_workflow(template)
    if problems:
        execution.write_final(statuses.FAILED, "job is failed: " + "; ".join(problems))
        return
    assert isinstance(template, Mapping)
    metadata = template.get("metadata") or {}
    workflow_name = str(metadata.get("name") or job.id)
    work_dir = execution.work_dir(job.spec)
    base_env = {
        **{str(k): str(v) for k, v in (job.spec.get("env") or {}).items()},
        **frameworks.paddleflow_env(execution.facts([]), str(work_dir), ""),
    }
    started_at = time.time()
    engine = WorkflowRun(
        template,
        workflow_name,
        functools.partial(execution.launch_node, work_dir, base_env),
        scripts_dir=execution.job_dir() / "scripts",
        stop_event=execution.stop_event,
        grace_seconds=execution.grace_seconds,
        on_change=lambda: execution.write_running(runtime("Running", "", None)),
        limits=execution.workflow_limits,
        gate=execution.node_gate,
    )

    def runtime(phase: str, message: str, finished_at: float | None) -> dict[str, Any]:
        return runtime_info.workflow_runtime(
            job.id,
            execution.namespace,
            workflow_name,
            engine.nodes,
            cluster_name=execution.cluster_name,
            phase=phase,
            message=message,
            times=(started_at, finished_at),
        )

    execution.write_running(runtime("Running", "", None))
    succeeded, failure = engine.run()
    status, message = execution.final_status(None if succeeded else f"job is failed, {failure}")
    phase = {"succeeded": "Succeeded", "terminated": "Terminated"}.get(status, "Failed")
    execution.write_final(status, message, runtime(phase, message, time.time()))

"""The server preflight: plans checked against queues and flavours given as the server's JSON
objects (``check_plan``, no server), what ``preflight`` reads through a client that answers from
memory, errors included (the client's real error classes), and its request count against the
real local server."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from pfctl.apply.applier import read_live_jobs
from pfctl.apply.model import Action, DesiredJob, JobAction, Plan, PlanOptions
from pfctl.apply.planner import create_body, plan_changes
from pfctl.apply.preflight import ServerCatalog, check_plan, preflight
from pfctl.apply.steps import plan_against_server
from pfctl.client.api import PaddleFlowClient
from pfctl.client.errors import PaddleFlowError, error_from_response

from .helpers import desired

GPU = "nvidia.com/gpu"


def queue(
    name: str,
    cpu: str = "20",
    mem: str = "20Gi",
    *,
    used: tuple[str, str] = ("0", "0"),
    status: str = "open",
    scalars: dict[str, str] | None = None,
    quota_type: str = "elasticQuota",
) -> dict[str, Any]:
    """A queue object as ``GET /queue`` shows it (PADDLEFLOW_API.md §10)."""
    maximum: dict[str, Any] = {"cpu": cpu, "memory": mem}
    if scalars:
        maximum["scalarResources"] = scalars
    return {
        "name": name,
        "status": status,
        "quotaType": quota_type,
        "maxResources": maximum,
        "usedResources": {"cpu": used[0], "memory": used[1]},
    }


#: The flavours every PaddleFlow server is seeded with, as ``GET /flavour`` shows them.
SEEDED = {
    "flavour1": {"name": "flavour1", "cpu": "1", "mem": "1Gi", "scalarResources": None},
    "flavour2": {"name": "flavour2", "cpu": "4", "mem": "8Gi", "scalarResources": {GPU: "1"}},
    "flavour3": {"name": "flavour3", "cpu": "4", "mem": "8Gi", "scalarResources": {GPU: "2"}},
}
CATALOG = ServerCatalog({"default-queue": queue("default-queue")}, SEEDED)


def single(job_id: str, **fields: Any) -> DesiredJob:
    body = {"id": job_id, "image": "python:3.11", "command": "true", **fields}
    return DesiredJob(job_id, "single", body)


def distributed(job_id: str, *members: dict[str, Any], **fields: Any) -> DesiredJob:
    body = {"id": job_id, "framework": "paddle", "members": list(members), **fields}
    return DesiredJob(job_id, "distributed", body)


def member(role: str, replicas: int | None, flavour: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {"role": role, "image": "paddle:2.4", "flavour": flavour}
    if replicas is not None:
        found["replicas"] = replicas
    return found


def checked(*jobs: DesiredJob, catalog: ServerCatalog = CATALOG) -> dict[str, JobAction]:
    plan = check_plan(plan_changes(list(jobs), [], PlanOptions()), catalog)
    return {action.id: action for action in plan.actions}


def test_a_job_that_can_run_has_no_error_and_a_note() -> None:
    (action,) = checked(single("a", flavour={"name": "flavour1"})).values()
    assert action.error is None
    assert action.notes == (
        "fits queue default-queue's free capacity now: requests cpu: 1, mem: 1Gi of "
        "cpu: 20, mem: 20Gi free",
    )


def test_a_missing_queue_is_a_plan_error() -> None:
    action = checked(single("a", schedulingPolicy={"queue": "gpu-queue"}))["a"]
    assert action.error == (
        "queue[gpu-queue] does not exist: get queue failed when creating job, err=record not found"
    )
    assert action.notes == ()


def test_a_closed_queue_is_a_plan_error_in_the_servers_words() -> None:
    catalog = ServerCatalog({"q": queue("q", status="closed")}, SEEDED)
    action = checked(single("a", schedulingPolicy={"queue": "q"}), catalog=catalog)["a"]
    assert action.error == (
        "queue[q] status is closed, and only queue with open status can submit jobs"
    )


def test_an_unknown_flavour_in_any_member_is_a_plan_error() -> None:
    job = distributed(
        "a",
        member("pserver", 1, {"name": "flavour1"}),
        member("worker", 2, {"name": "huge"}),
    )
    assert checked(job)["a"].error == "get flavour[huge] failed, err:record not found"


def test_custom_flavours_carry_their_own_resources() -> None:
    own = {"name": "customFlavour", "cpu": "8", "mem": "16Gi"}
    job = distributed("a", member("pserver", 1, own), member("worker", 2, {"cpu": "2"}))
    action = checked(job)["a"]
    assert action.error is None
    # 8 + 2 x the fallback of a custom flavour without mem (cpu 1, mem 1Gi)
    assert action.notes[0].startswith(
        "fits queue default-queue's free capacity now: requests cpu: 10, mem: 18Gi of"
    )


@pytest.mark.parametrize(
    ("flavour", "replicas", "over"),
    [
        ({"name": "", "cpu": "21", "mem": "1Gi"}, 1, "cpu 21 > 20"),
        ({"name": "", "cpu": "1", "mem": "16Gi"}, 2, "mem 32Gi > 20Gi"),
        ({"name": "flavour2"}, 1, f"{GPU} 1 > 0"),
    ],
)
def test_a_request_larger_than_the_queue_is_a_plan_error(
    flavour: dict[str, Any], replicas: int, over: str
) -> None:
    job = distributed("a", member("worker", replicas, flavour))
    error = checked(job)["a"].error
    assert error is not None
    assert error.startswith("the flavour[cpu: ")
    assert "] is larger than queue's [cpu: 20, mem: 20Gi, ] (queue default-queue: " in error
    assert error.endswith(f"{over})")


def test_the_request_is_described_as_the_server_describes_it() -> None:
    job = single("a", flavour={"name": "flavour3"})
    catalog = ServerCatalog({"default-queue": queue("default-queue", scalars={GPU: "1"})}, SEEDED)
    assert checked(job, catalog=catalog)["a"].error == (
        f"the flavour[cpu: 4, mem: 8Gi, {GPU}: 2, ] is larger than queue's "
        f"[cpu: 20, mem: 20Gi, {GPU}: 1, ] (queue default-queue: {GPU} 2 > 1)"
    )


def test_a_gpu_job_fits_a_queue_with_gpus() -> None:
    catalog = ServerCatalog({"default-queue": queue("default-queue", scalars={GPU: "8"})}, SEEDED)
    action = checked(single("a", flavour={"name": "flavour3"}), catalog=catalog)["a"]
    assert action.error is None
    assert f"{GPU}: 2" in action.notes[0]


def test_a_member_without_replicas_requests_nothing() -> None:
    """As the server counts it (a template job's member may lack ``replicas``)."""
    big = {"name": "", "cpu": "64", "mem": "1Gi"}
    job = distributed(
        "a",
        member("worker", 2, {"name": "flavour1"}),
        member("worker", None, big),
        extensionTemplate={"apiVersion": "batch.paddlepaddle.org/v1", "kind": "PaddleJob"},
    )
    action = checked(job)["a"]
    assert action.error is None
    assert "requests cpu: 2, mem: 2Gi of" in action.notes[0]


def test_workflows_and_template_jobs_without_members_get_only_the_queue_checks() -> None:
    template = {"apiVersion": "batch.paddlepaddle.org/v1", "kind": "PaddleJob"}
    workflow = DesiredJob("w", "workflow", {"id": "w", "extensionTemplate": {"kind": "Workflow"}})
    bare = distributed("t", extensionTemplate=template)
    actions = checked(workflow, bare)
    assert [(a.error, a.notes) for a in actions.values()] == [(None, ()), (None, ())]
    elsewhere = {"queue": "nowhere"}
    workflow = DesiredJob("w", "workflow", {"id": "w", "schedulingPolicy": elsewhere})
    assert checked(workflow)["w"].error is not None


def test_a_single_template_job_is_not_measured_against_the_queue_but_its_flavour_is() -> None:
    # The server resolves a single job's flavour even with an extensionTemplate, but skips the
    # queue-size check (no members): a flavour over the queue is no plan error, an unknown one is.
    template = {"apiVersion": "v1", "kind": "Pod"}
    big = {"name": "customFlavour", "cpu": "40", "mem": "1Gi"}
    assert checked(single("t", flavour=big, extensionTemplate=template))["t"].error is None
    assert checked(single("p", flavour=big))["p"].error is not None
    unknown = single("u", flavour={"name": "nope"}, extensionTemplate=template)
    assert checked(unknown)["u"].error == "get flavour[nope] failed, err:record not found"


def test_a_capability_quota_of_zeros_sets_no_limit() -> None:
    unlimited = queue("q", "0", "0", quota_type="volcanoCapabilityQuota")
    catalog = ServerCatalog({"q": unlimited}, SEEDED)
    job = single("a", schedulingPolicy={"queue": "q"}, flavour={"name": "flavour2"})
    action = checked(job, catalog=catalog)["a"]
    assert (action.error, action.notes) == (None, ())


def test_jobs_that_fit_later_wait_with_a_note_saying_for_what() -> None:
    busy = queue("q", "10", "10Gi", used=("6", "2Gi"))
    catalog = ServerCatalog({"q": busy}, SEEDED)
    flavour = {"name": "", "cpu": "3", "mem": "1Gi"}
    jobs = [single(job_id, schedulingPolicy={"queue": "q"}, flavour=flavour) for job_id in "abc"]
    big = single("d", schedulingPolicy={"queue": "q"}, flavour={"name": "", "cpu": "5", "mem": "1"})
    actions = checked(*jobs, big, catalog=catalog)
    assert actions["a"].notes == (
        "fits queue q's free capacity now: requests cpu: 3, mem: 1Gi of cpu: 4, mem: 8Gi free",
    )
    assert actions["b"].notes == (
        "will wait: the jobs before it in this plan take queue q's free capacity "
        "(cpu: 1, mem: 7Gi left of cpu: 4, mem: 8Gi; requests cpu: 3, mem: 1Gi)",
    )
    assert actions["c"].notes == actions["b"].notes
    assert actions["d"].notes == (
        "will wait for running jobs: queue q has cpu: 4, mem: 8Gi free now; "
        "requests cpu: 5, mem: 1",
    )
    assert all(action.error is None for action in actions.values())


def test_a_queue_shown_without_used_resources_gets_no_note() -> None:
    shown = {k: v for k, v in queue("default-queue").items() if k != "usedResources"}
    action = checked(single("a"), catalog=ServerCatalog({"default-queue": shown}))["a"]
    assert (action.error, action.notes) == (None, ())


def test_replaces_are_checked_and_other_actions_left_alone() -> None:
    job = desired("a")
    body = {**create_body(job, None), "schedulingPolicy": {"queue": "gone"}}
    replace = JobAction("a", Action.REPLACE, "single", create_body=body, live_status="running")
    refused = JobAction(
        "b", Action.REPLACE, "single", create_body=body, refusal="use --force-replace"
    )
    update = JobAction("c", Action.UPDATE, "single", create_body=None)
    plan = check_plan(Plan((replace, refused, update)), CATALOG)
    assert [action.error is not None for action in plan.actions] == [True, True, False]
    assert plan.actions[2] is update
    running = JobAction("a", Action.REPLACE, "single", create_body=create_body(job, None))
    fits = check_plan(Plan((running,)), CATALOG).actions[0]
    assert fits.notes and fits.error is None
    holding = check_plan(Plan((dataclasses.replace(running, live_status="running"),)), CATALOG)
    assert holding.actions[0].notes == ()  # its job frees its room first


class CatalogReader:
    """A client of queues and flavours answering from memory, counting its requests; an
    ``errors`` entry makes that request fail as the real client fails."""

    def __init__(
        self,
        queues: list[dict[str, Any]],
        flavours: list[dict[str, Any]],
        errors: dict[str, PaddleFlowError] | None = None,
        hidden: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.queues = queues
        self.flavours = flavours
        self.errors = errors or {}
        self.hidden = hidden or {}
        self.requests: list[str] = []

    def _answer(self, request: str) -> None:
        self.requests.append(request)
        if request in self.errors:
            raise self.errors[request]

    def list_queues(self) -> list[dict[str, Any]]:
        self._answer("GET /queue")
        return self.queues

    def get_queue(self, name: str) -> dict[str, Any]:
        self._answer(f"GET /queue/{name}")
        if name in self.hidden:
            return self.hidden[name]
        for found in self.queues:
            if found["name"] == name:
                return found
        raise error_from_response(
            400, {"code": "QueueNameNotFound", "message": f"queueName[{name}] is not found.\n"}
        )

    def list_flavours(self) -> list[dict[str, Any]]:
        self._answer("GET /flavour")
        return self.flavours


#: PaddleFlow's answer to a user who may not read a queue (``ActionNotAllowed``, 403, with the
#: code's default text, which the client classifies as a state conflict, not as a permission).
NOT_ALLOWED = error_from_response(
    403, {"code": "ActionNotAllowed", "message": "The operation cannot be executed at this phase"}
)
NO_ACCESS = error_from_response(
    403, {"code": "ActionNotAllowed", "message": "user[ana] has no access to resource[queue]"}
)


def reader(**kwargs: Any) -> CatalogReader:
    return CatalogReader([queue("default-queue")], list(SEEDED.values()), **kwargs)


def test_a_plan_of_many_creates_reads_the_queues_and_flavours_once() -> None:
    jobs = [single(f"j{n}", flavour={"name": "flavour1"}) for n in range(1000)]
    client = reader()
    plan = preflight(client, plan_changes(jobs, [], PlanOptions()))
    assert client.requests == ["GET /queue", "GET /flavour"]
    assert not plan.errors
    assert sum(1 for a in plan.actions if a.notes[0].startswith("fits")) == 20


def test_custom_flavours_need_no_flavour_list_and_no_creates_need_nothing() -> None:
    client = reader()
    preflight(client, plan_changes([single("a")], [], PlanOptions()))
    assert client.requests == ["GET /queue"]
    client = reader()
    nothing = plan_changes([], [], PlanOptions())
    assert preflight(client, nothing) is nothing
    assert client.requests == []


def test_a_queue_the_listing_lacks_is_read_once() -> None:
    hidden = {"granted-elsewhere": queue("granted-elsewhere")}
    jobs = [
        single(f"j{n}", schedulingPolicy={"queue": name})
        for n, name in enumerate(["granted-elsewhere", "gone", "gone", "granted-elsewhere"])
    ]
    client = reader(hidden=hidden)
    plan = preflight(client, plan_changes(jobs, [], PlanOptions()))
    assert sorted(client.requests) == [
        "GET /queue",
        "GET /queue/gone",
        "GET /queue/granted-elsewhere",
    ]
    assert [action.error is not None for action in plan.actions] == [False, True, True, False]


@pytest.mark.parametrize("refusal", [NOT_ALLOWED, NO_ACCESS])
def test_a_user_who_may_not_read_the_queues_gets_a_warning(refusal: PaddleFlowError) -> None:
    client = reader(errors={"GET /queue": refusal})
    plan = preflight(client, plan_changes([single("a", flavour={"name": "no"})], [], PlanOptions()))
    assert not plan.errors
    (warning,) = plan.warnings
    assert warning.job_id == ""
    assert warning.message.startswith("server preflight skipped: the queues could not be read (")
    assert client.requests == ["GET /queue"]


def test_a_queue_the_user_may_not_read_is_skipped_and_flavours_still_checked() -> None:
    client = reader(errors={"GET /queue/theirs": NOT_ALLOWED})
    elsewhere = {"queue": "theirs"}
    jobs = [
        single("a", schedulingPolicy=elsewhere),
        single("b", schedulingPolicy=elsewhere, flavour={"name": "no-such"}),
    ]
    plan = preflight(client, plan_changes(jobs, [], PlanOptions()))
    assert [action.error for action in plan.actions] == [
        None,
        "get flavour[no-such] failed, err:record not found",
    ]
    assert [w.job_id for w in plan.warnings] == [""]
    assert "queue theirs could not be read" in plan.warnings[0].message


def test_flavours_the_user_may_not_read_leave_named_flavours_unchecked() -> None:
    client = reader(errors={"GET /flavour": NO_ACCESS})
    jobs = [single("a", flavour={"name": "whatever"}), single("b", flavour={"cpu": "99"})]
    plan = preflight(client, plan_changes(jobs, [], PlanOptions()))
    assert [action.error is not None for action in plan.actions] == [False, False]
    (warning,) = plan.warnings
    assert warning.job_id == ""
    assert "the flavours could not be read" in warning.message
    big = {"name": "", "cpu": "99", "mem": "1Gi"}
    plan = preflight(client, plan_changes([single("c", flavour=big)], [], PlanOptions()))
    assert plan.errors and "cpu 99 > 20" in str(plan.errors[0].error)


def test_a_server_failure_is_not_hidden() -> None:
    failure = error_from_response(500, {"code": "InternalError", "message": "boom"})
    client = reader(errors={"GET /queue": failure})
    with pytest.raises(PaddleFlowError, match="boom"):
        preflight(client, plan_changes([single("a")], [], PlanOptions()))


def test_against_the_local_server_a_thousand_creates_cost_two_requests(
    client: PaddleFlowClient, prefix: str
) -> None:
    jobs = [single(f"{prefix}-{n}", flavour={"name": "flavour1"}) for n in range(1000)]
    options = PlanOptions(apply_set=prefix)
    plan = plan_changes(jobs, read_live_jobs(client, prefix), options)
    before = client.request_count
    checked_plan = preflight(client, plan)
    assert client.request_count - before == 2  # GET /queue, GET /flavour
    assert not checked_plan.errors
    assert all(len(action.notes) == 1 for action in checked_plan.actions)

    before = client.request_count
    whole = plan_against_server(client, jobs, options)
    assert client.request_count - before == 3  # the job list, then the preflight's two
    assert whole == checked_plan

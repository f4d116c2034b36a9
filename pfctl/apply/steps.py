"""The steps of `pfctl diff` and `pfctl apply`: check the options, load the manifests, read the
server, plan, and (``--wait``) wait for the applied jobs.

Kept apart from the CLI so that the commands only turn options into settings, call these and
render, and so that the steps can be driven from Python.
"""

from __future__ import annotations

import contextlib
import gc
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

from pfctl.apply.applier import (
    ApplySettings,
    JobClient,
    confirm_absent,
    read_live_jobs,
)
from pfctl.apply.model import DesiredJob, Plan, PlanOptions, SourceLocation
from pfctl.apply.planner import plan_changes
from pfctl.apply.preflight import CatalogClient, preflight
from pfctl.errors import ExitCode, PfctlError, UsageError

if TYPE_CHECKING:
    from pfctl.manifests import LoadResult, Manifest

# A Kubernetes label value: a real PaddleFlow server copies labels onto Kubernetes objects.
_LABEL_VALUE = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?\Z")
_LABEL_VALUE_MAX = 63
#: How long a replaced job may take to stop when ``--timeout`` is not given.
DEFAULT_STOP_TIMEOUT = 300.0


class InvalidManifestsError(PfctlError):
    """Some manifest is invalid, so nothing was sent to the server: the answer is "no" (exit
    1), as for validate."""

    exit_code = ExitCode.FAILURE


def check_plan_options(options: PlanOptions) -> None:
    """Reject option combinations that cannot be planned (``--prune`` needs ``--apply-set``)."""
    if options.prune and not options.apply_set:
        raise UsageError("--prune needs --apply-set NAME: prune only stops jobs of a named set")
    name = options.apply_set
    if name is not None and (len(name) > _LABEL_VALUE_MAX or not _LABEL_VALUE.match(name)):
        raise UsageError(
            f"invalid apply-set name {name!r}: use at most 63 letters, digits, '-', '_' or '.', "
            "starting and ending with a letter or digit"
        )


def apply_settings(parallelism: int, timeout: float | None) -> ApplySettings:
    """The applier's settings for ``--parallelism`` and ``--timeout``; ``timeout`` also bounds
    the wait for a replaced job to stop (``DEFAULT_STOP_TIMEOUT`` without it)."""
    if parallelism < 1:
        raise UsageError("--parallelism must be at least 1")
    if timeout is not None and timeout <= 0:
        raise UsageError("--timeout must be a positive number of seconds")
    return ApplySettings(parallelism=parallelism, stop_timeout=timeout or DEFAULT_STOP_TIMEOUT)


@contextlib.contextmanager
def collection_deferred() -> Iterator[None]:
    """No cyclic garbage collection while the block builds large, acyclic data; the data is
    then exempt from later collections (``gc.freeze``).

    Decoding a list of 1,000 jobs allocates about a million containers: the collector, left
    on, runs hundreds of times meanwhile and costs a third of the decode; paused and then
    resumed, the first collections afterwards scan everything instead.
    """
    from pfctl.manifests import gc_paused

    with gc_paused():
        try:
            yield
        finally:
            gc.freeze()  # before the collector is back on


def load_manifest_files(paths: Sequence[str], recursive: bool) -> LoadResult:
    """Load and validate every manifest (raises ``InputError`` for unusable input)."""
    from pfctl.manifests import start_loading

    pending = start_loading(list(paths), recursive=recursive)
    # Many files are parsed by worker processes; meanwhile this one imports the HTTP client
    # that reading the server needs next (a tenth of a second), instead of waiting idle.
    import pfctl.client.api  # noqa: F401

    return pending.result()


def desired_jobs(manifests: Sequence[Manifest]) -> list[DesiredJob]:
    """The planner's view of valid manifests."""
    return [
        DesiredJob(
            id=manifest.id,
            type=manifest.type,
            body=manifest.body,
            stopped=manifest.stopped,
            location=SourceLocation(manifest.source, manifest.line, manifest.column),
            record=manifest.record,
        )
        for manifest in manifests
    ]


def check_prune_input(result: LoadResult, options: PlanOptions) -> None:
    """Refuse to prune on input that was not fully read, or that holds no manifest unless
    ``allow_empty`` (DESIGN.md §4.13): prune would stop the jobs whose manifests are missing."""
    if not options.prune:
        return
    if result.unread:
        first = result.unread[0]
        more = len(result.unread) - 1
        also = f" (and {more} more input{'s' if more != 1 else ''} not read)" if more else ""
        raise UsageError(
            f"--prune refused: {first.source} was not read: {first.message}{also}; "
            "prune would stop the jobs whose manifests it may hold"
        )
    if not result.manifests and not options.allow_empty:
        raise UsageError(
            "--prune refused: the input holds no manifest, so prune would stop every job of "
            f"apply-set {options.apply_set}; pass --allow-empty to do that"
        )


def require_valid(result: LoadResult) -> list[DesiredJob]:
    """The desired jobs, or ``InvalidManifestsError`` if any manifest has an error."""
    if not result.ok:
        errors = sum(1 for problem in result.problems if problem.severity == "error")
        raise InvalidManifestsError(
            f"{errors} problem{'s' if errors != 1 else ''} in the manifests; nothing was sent "
            "to the server"
        )
    return desired_jobs(result.manifests)


class ServerClient(JobClient, CatalogClient, Protocol):
    """What planning against a server reads: jobs, then (the preflight) queues and flavours."""


def plan_against_server(
    client: ServerClient,
    desired: Sequence[DesiredJob],
    options: PlanOptions,
    *,
    confirm_creates: bool = False,
    parallelism: int = 10,
) -> Plan:
    """Read the live jobs (one list request per 1,000 jobs), plan, and check the plan's creates
    and replaces against the server's queues and flavours (``pfctl.apply.preflight``: one queue
    list and at most one flavour list; nothing when the plan creates nothing).

    With ``confirm_creates`` every planned create is checked with one read, so that a job the
    listing did not show (not pfctl's) is planned as what it is; apply skips this and relies on
    re-reading when a create fails.
    """
    plan = plan_changes(desired, read_live_jobs(client, options.apply_set), options)
    if confirm_creates:
        plan = confirm_absent(client, plan, desired, options, parallelism)
    return preflight(client, plan)

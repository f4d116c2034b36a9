"""`pfctl queue`: see a queue's capacity and waiting jobs, and PaddleFlow CLI's imperative queue
commands (create, update, delete, grant, ungrant, grantlist) with its arguments and flags."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from pfctl.cli.cluster_options import (
    AllPagesOption,
    ChangeOutputOption,
    QueryOption,
    parse_pairs,
    parse_policy,
    report_change,
    show_query,
)
from pfctl.cli.completion import resource_name_completer
from pfctl.cli.connection import (
    PasswordOption,
    PfConfigOption,
    RequestTimeoutOption,
    ServerOption,
    UserOption,
    open_client,
)
from pfctl.cli.help import examples
from pfctl.cli.job_options import ActionFormat
from pfctl.cli.output import resolve_format
from pfctl.errors import UsageError

queue_app = typer.Typer(
    name="queue",
    help="See queues (capacity, use, waiting and running jobs) and manage them and their grants.",
    no_args_is_help=True,
    rich_markup_mode=None,
)

QueueNameArgument = Annotated[
    str,
    typer.Argument(
        metavar="QUEUENAME",
        help="The queue's name.",
        autocompletion=resource_name_completer("queue"),
    ),
]
UserNameArgument = Annotated[str, typer.Argument(metavar="USERNAME", help="The user's name.")]
MaxSizeOption = Annotated[
    int, typer.Option("-m", "--maxsize", min=1, help="Most entries on the page.")
]


@queue_app.command(
    "list",
    epilog=examples(
        "pfctl queue list",
        "pfctl queue list -o wide",
        "pfctl queue list --all -o json",
        "pfctl queue list -o jsonpath='{.queueList[*].name}'",
    ),
)
def list_queues(
    *,
    maxsize: MaxSizeOption = 100,
    marker: Annotated[
        str | None, typer.Option("-mk", "--marker", help="Start at this page marker.")
    ] = None,
    all_pages: AllPagesOption = False,
    output: QueryOption = None,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
    request_timeout: RequestTimeoutOption = None,
) -> None:
    """List queues: max, used and free resources, pending and running jobs (of the jobs you
    may see: all of them for root)."""
    from pfctl.cli.cluster_views import render_queue_list
    from pfctl.cli.queue_status import queues_report

    with open_client(server, user, password, pf_config, request_timeout) as client:
        if all_pages:
            queues, next_marker, truncated = client.list_queues(page_size=maxsize), None, False
        else:
            page = client.queue_page(max_keys=maxsize, marker=marker)
            queues, next_marker, truncated = page.items, page.next_marker, page.truncated
        reports = queues_report(client, queues)
    if output is not None and output.format is None:
        envelope = {"queueList": reports, "nextMarker": next_marker, "isTruncated": truncated}
        show_query(output, envelope, [str(queue.get("name")) for queue in reports])
        return
    chosen = resolve_format(output.format if output is not None else None)
    text = render_queue_list(
        reports, chosen, next_marker=next_marker, truncated=truncated, all_pages=all_pages
    )
    typer.echo(text)
    if truncated and next_marker and sys.stdout.isatty():
        typer.echo(f"More queues: add -mk {next_marker} for the next page, or --all.", err=True)


@queue_app.command(
    epilog=examples(
        "pfctl queue show default-queue",
        "pfctl queue show default-queue -o yaml",
        "pfctl queue show default-queue -o jsonpath='{.pendingOrder[*].id}'",
    )
)
def show(
    *,
    queuename: QueueNameArgument,
    output: QueryOption = None,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
    request_timeout: RequestTimeoutOption = None,
) -> None:
    """Show a queue: its resources (max, min, used, free), its pending and running jobs, and
    its pending jobs in the order the queue considers them (by priority when its scheduling
    policy lists priority, then by creation time). JSON and YAML add pendingJobs, runningJobs
    and pendingOrder to the queue object."""
    from pfctl.cli.cluster_views import render_queue
    from pfctl.cli.queue_status import queue_report

    with open_client(server, user, password, pf_config, request_timeout) as client:
        report = queue_report(client, queuename)
    if output is not None and output.format is None:
        show_query(output, report, [queuename])
        return
    typer.echo(render_queue(report, resolve_format(output.format if output else None)))


def _resources(cpu: str | None, mem: str | None, scalar: str | None, prefix: str) -> Any:
    scalars = parse_pairs(scalar, f"--{prefix}scalar")
    if cpu is None and mem is None:
        if scalars:
            raise UsageError(f"--{prefix}scalar needs --{prefix}cpu and --{prefix}mem")
        return None
    if cpu is None or mem is None:
        raise UsageError(f"--{prefix}cpu and --{prefix}mem go together")
    resources: dict[str, Any] = {"cpu": cpu, "mem": mem}
    if scalars:
        resources["scalarResources"] = scalars
    return resources


ScalarOption = Annotated[str | None, typer.Option(help="Scalar resources, e.g. a=1,b=2.")]
PolicyOption = Annotated[
    str | None,
    typer.Option("--policy", help="Scheduling policies, in order, e.g. priority."),
]
LocationOption = Annotated[
    str | None, typer.Option("--location", help="Node labels, e.g. label1=value1,label2=value2.")
]


@queue_app.command(
    epilog=examples(
        "pfctl queue create train default 16 64Gi",
        "pfctl queue create gpu default 32 128Gi --maxscalar nvidia.com/gpu=8 --policy priority",
        "pfctl queue create small default 4 8Gi --mincpu 2 --minmem 4Gi --quota elasticQuota",
    )
)
def create(
    *,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The queue's name.")],
    namespace: Annotated[str, typer.Argument(metavar="NAMESPACE", help="Its namespace.")],
    maxcpu: Annotated[str, typer.Argument(metavar="MAXCPU", help="Most CPU, e.g. 16.")],
    maxmem: Annotated[str, typer.Argument(metavar="MAXMEM", help="Most memory, e.g. 64Gi.")],
    maxscalar: ScalarOption = None,
    mincpu: Annotated[str | None, typer.Option(help="Least CPU (with --minmem).")] = None,
    minmem: Annotated[str | None, typer.Option(help="Least memory (with --mincpu).")] = None,
    minscalar: ScalarOption = None,
    policy: PolicyOption = None,
    location: LocationOption = None,
    quota: Annotated[
        str | None,
        typer.Option(help="Quota type: elasticQuota (the default) or volcanoCapabilityQuota."),
    ] = None,
    clustername: Annotated[
        str | None, typer.Option(help="The queue's cluster (default: default-cluster).")
    ] = None,
    output: ChangeOutputOption = ActionFormat.TEXT,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
    request_timeout: RequestTimeoutOption = None,
) -> None:
    """Create a queue (root only)."""
    maximum = _resources(maxcpu, maxmem, maxscalar, "max")
    minimum = _resources(mincpu, minmem, minscalar, "min")
    locations = parse_pairs(location, "--location")
    with open_client(server, user, password, pf_config, request_timeout) as client:
        client.create_queue(
            name,
            namespace=namespace,
            cluster_name=clustername,
            max_resources=maximum,
            min_resources=minimum,
            scheduling_policy=parse_policy(policy),
            location=locations,
            quota_type=quota,
        )
    report_change(name, f"queue[{name}] create success", output)


def _merged(current: Any, cpu: str | None, mem: str | None, scalar: str | None, prefix: str) -> Any:
    """The queue's current resources with the given ones changed (None: nothing given)."""
    from pfctl.cli.cluster_views import resource_amounts

    scalars = parse_pairs(scalar, f"--{prefix}scalar")
    if cpu is None and mem is None and scalars is None:
        return None
    amounts = resource_amounts(current)
    resources: dict[str, Any] = {
        "cpu": cpu if cpu is not None else amounts.pop("cpu", ""),
        "mem": mem if mem is not None else amounts.pop("mem", ""),
    }
    amounts.pop("cpu", None)
    amounts.pop("mem", None)
    merged = {**amounts, **(scalars or {})}
    if merged:
        resources["scalarResources"] = merged
    return resources


@queue_app.command(
    epilog=examples(
        "pfctl queue update train --maxcpu 32",
        "pfctl queue update train --maxmem 128Gi --policy priority",
        "pfctl queue update gpu --maxscalar nvidia.com/gpu=16 --location zone=a",
    )
)
def update(
    *,
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME",
            help="The queue's name.",
            autocompletion=resource_name_completer("queue"),
        ),
    ],
    maxcpu: Annotated[str | None, typer.Option(help="Most CPU.")] = None,
    maxmem: Annotated[str | None, typer.Option(help="Most memory.")] = None,
    maxscalar: ScalarOption = None,
    mincpu: Annotated[str | None, typer.Option(help="Least CPU.")] = None,
    minmem: Annotated[str | None, typer.Option(help="Least memory.")] = None,
    minscalar: ScalarOption = None,
    policy: PolicyOption = None,
    location: LocationOption = None,
    output: ChangeOutputOption = ActionFormat.TEXT,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
    request_timeout: RequestTimeoutOption = None,
) -> None:
    """Change a queue's resources, scheduling policy or location (root only). A resource not
    given keeps its value: the queue is read first and the change merged into it."""
    given = (maxcpu, maxmem, maxscalar, mincpu, minmem, minscalar, policy, location)
    if all(value is None for value in given):
        raise UsageError("nothing to update: give --maxcpu, --maxmem, --policy, ...")
    policies, locations = parse_policy(policy), parse_pairs(location, "--location")
    with open_client(server, user, password, pf_config, request_timeout) as client:
        current = client.get_queue(name)
        client.update_queue(
            name,
            max_resources=_merged(current.get("maxResources"), maxcpu, maxmem, maxscalar, "max"),
            min_resources=_merged(current.get("minResources"), mincpu, minmem, minscalar, "min"),
            scheduling_policy=policies,
            location=locations,
        )
    report_change(name, f"queue[{name}] update success", output)


@queue_app.command(epilog=examples("pfctl queue delete train"))
def delete(
    *,
    queuename: QueueNameArgument,
    output: ChangeOutputOption = ActionFormat.TEXT,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
    request_timeout: RequestTimeoutOption = None,
) -> None:
    """Delete a queue that has no unfinished jobs (root only)."""
    with open_client(server, user, password, pf_config, request_timeout) as client:
        client.delete_queue(queuename)
    report_change(queuename, f"queue[{queuename}] delete success", output)


@queue_app.command(epilog=examples("pfctl queue grant alice train"))
def grant(
    *,
    username: UserNameArgument,
    queuename: QueueNameArgument,
    output: ChangeOutputOption = ActionFormat.TEXT,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
    request_timeout: RequestTimeoutOption = None,
) -> None:
    """Grant a queue to a user, who may then list and show it (root only)."""
    with open_client(server, user, password, pf_config, request_timeout) as client:
        client.create_grant(username, queuename)
    report_change(queuename, f"queue[{queuename}] add username[{username}] success", output)


@queue_app.command(epilog=examples("pfctl queue ungrant alice train"))
def ungrant(
    *,
    username: UserNameArgument,
    queuename: QueueNameArgument,
    output: ChangeOutputOption = ActionFormat.TEXT,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
    request_timeout: RequestTimeoutOption = None,
) -> None:
    """Take a user's grant of a queue back (root only)."""
    with open_client(server, user, password, pf_config, request_timeout) as client:
        client.delete_grant(username, queuename)
    report_change(queuename, f"queue[{queuename}] delete username[{username}] success", output)


@queue_app.command(
    epilog=examples("pfctl queue grantlist", "pfctl queue grantlist -u alice -o json")
)
def grantlist(
    *,
    username: Annotated[
        str | None, typer.Option("-u", "--username", help="Only this user's grants.")
    ] = None,
    maxsize: MaxSizeOption = 100,
    output: QueryOption = None,
    server: ServerOption = None,
    user: UserOption = None,
    password: PasswordOption = None,
    pf_config: PfConfigOption = None,
    request_timeout: RequestTimeoutOption = None,
) -> None:
    """List the queue grants (root only)."""
    from pfctl.cli.cluster_views import render_grants
    from pfctl.client.cluster_api import QUEUE_RESOURCE

    with open_client(server, user, password, pf_config, request_timeout) as client:
        page = client.grant_page(user_name=username, max_keys=maxsize)
    grants = [item for item in page.items if item.get("resourceType") == QUEUE_RESOURCE]
    if output is not None and output.format is None:
        data = {"grantList": grants, "nextMarker": page.next_marker}
        show_query(output, data, [str(item.get("resourceID")) for item in grants])
        return
    chosen = resolve_format(output.format if output else None)
    typer.echo(render_grants(grants, chosen, next_marker=page.next_marker))


def register(app: typer.Typer) -> None:
    """Add ``pfctl queue`` to the root application."""
    app.add_typer(queue_app, name="queue")

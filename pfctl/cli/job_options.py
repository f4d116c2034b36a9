"""The arguments and options the `pfctl job` commands share (job ids, ``-o``, ``-fl``)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

from pfctl.cli.completion import job_id_completer
from pfctl.cli.output import OUTPUT_HELP, OutputFormat
from pfctl.cli.query_output import QUERY_OUTPUT_HELP, OutputRequest, parse_output

OutputOption = Annotated[
    OutputFormat | None, typer.Option("-o", "--output", help=OUTPUT_HELP, show_default=False)
]
JobIdArgument = Annotated[
    str,
    typer.Argument(metavar="JOBID", help="The job's id.", autocompletion=job_id_completer()),
]
UnfinishedJobIdArgument = Annotated[
    str,
    typer.Argument(
        metavar="JOBID", help="The job's id.", autocompletion=job_id_completer(only_final=False)
    ),
]
FinishedJobIdArgument = Annotated[
    str,
    typer.Argument(
        metavar="JOBID", help="The job's id.", autocompletion=job_id_completer(only_final=True)
    ),
]
JobIdsArgument = Annotated[
    list[str],
    typer.Argument(
        metavar="JOBID...", help="One or more job ids.", autocompletion=job_id_completer()
    ),
]
UnfinishedJobIdsArgument = Annotated[
    list[str],
    typer.Argument(
        metavar="JOBID...",
        help="One or more job ids.",
        autocompletion=job_id_completer(only_final=False),
    ),
]
FinishedJobIdsArgument = Annotated[
    list[str],
    typer.Argument(
        metavar="JOBID...",
        help="One or more job ids.",
        autocompletion=job_id_completer(only_final=True),
    ),
]
QueryOutputOption = Annotated[
    OutputRequest | None,
    typer.Option(
        "-o",
        "--output",
        help=QUERY_OUTPUT_HELP,
        metavar="FORMAT",
        parser=parse_output,
        show_default=False,
    ),
]


class ActionFormat(str, Enum):
    """Values of ``-o`` for the job commands that change something."""

    TEXT = "text"
    JSON = "json"
    YAML = "yaml"
    NAME = "name"


ActionOutputOption = Annotated[
    ActionFormat,
    typer.Option(
        "-o",
        "--output",
        help="text: one line per job, as PaddleFlow's CLI prints; json or yaml: a list of "
        '{"id", "ok", "message"}; name: the ids done, one per line.',
        case_sensitive=False,
    ),
]
FieldListOption = Annotated[
    str | None,
    typer.Option("-fl", "--fieldlist", help="Show only these fields, e.g. id,status,priority."),
]

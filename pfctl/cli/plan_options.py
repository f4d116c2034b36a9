"""The options `pfctl diff` and `pfctl apply` share: inputs, the apply-set, the selection."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer

_SELECTION = "Selection"


class PlanFormat(str, Enum):
    """Values of ``-o/--output`` for diff and apply."""

    TEXT = "text"
    JSON = "json"


FilesOption = Annotated[
    list[str] | None,
    typer.Option(
        "-f",
        "--filename",
        metavar="PATH",
        help="Manifest file or directory, '-' for stdin; repeat for more.",
    ),
]
RecursiveOption = Annotated[
    bool, typer.Option("-R", "--recursive", help="Descend into sub-directories.")
]
PruneOption = Annotated[
    bool,
    typer.Option("--prune", help="Stop jobs of the apply-set that are gone from the manifests."),
]
ApplySetOption = Annotated[
    str | None,
    typer.Option(
        "--apply-set",
        metavar="NAME",
        help="Label the jobs as members of this set (needed by --prune).",
    ),
]
AllowEmptyOption = Annotated[
    bool,
    typer.Option(
        "--allow-empty",
        help="With --prune, accept input that holds no manifest (prune then stops every job "
        "of the set).",
    ),
]
OutputOption = Annotated[
    PlanFormat, typer.Option("-o", "--output", help="Output format: text or json.")
]
SelectorOption = Annotated[
    str | None,
    typer.Option(
        "-l",
        "--selector",
        metavar="SELECTOR",
        help="Only manifests whose labels match: k=v, k!=v, k, !k, comma-separated "
        "(kubectl's equality syntax).",
        rich_help_panel=_SELECTION,
    ),
]
TargetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--target",
        metavar="JOBID",
        help="Only this job; repeat for more.",
        rich_help_panel=_SELECTION,
    ),
]
ExcludeOption = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude",
        metavar="JOBID",
        help="Leave this job out; repeat for more.",
        rich_help_panel=_SELECTION,
    ),
]
OutOption = Annotated[
    str | None,
    typer.Option(
        "--out",
        metavar="FILE",
        help="Also save the plan to FILE, for `pfctl apply FILE` to carry out exactly.",
    ),
]

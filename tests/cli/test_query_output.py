"""``-o name`` and ``-o jsonpath=TEMPLATE`` on `job show` and `job list`, against the real
local server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers.cli import run_pfctl

from .job_helpers import job_document, write_job


def create(server: Any, tmp_path: Path, **fields: Any) -> str:
    fields.setdefault("command", "true")
    result = run_pfctl(
        "job", "create", "single", write_job(tmp_path, job_document(**fields)), server=server
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().removeprefix("job create success, id[").removesuffix("]")


def test_name_and_jsonpath(pf_server: Any, tmp_path: Path) -> None:
    from tests.helpers.jobs import unique_id

    team = unique_id("team")
    first = create(pf_server, tmp_path, labels={"team": team})
    second = create(pf_server, tmp_path, labels={"team": team})
    listed = ["job", "list", "-l", f"team={team}", "-m", "100"]
    names = run_pfctl(*listed, "-o", "name", server=pf_server)
    assert names.returncode == 0, names.stderr
    assert sorted(names.stdout.split()) == sorted([first, second])

    ids = run_pfctl(*listed, "-o", "jsonpath={.jobList[*].id}", server=pf_server)
    assert sorted(ids.stdout.split()) == sorted([first, second])
    one = run_pfctl(
        "job", "show", first, "-o", 'jsonpath=id={.id} team={.labels.team}{"\\n"}',
        server=pf_server,
    )  # fmt: skip
    assert one.stdout == f"id={first} team={team}\n\n"
    labels = run_pfctl("job", "show", first, "-o", "jsonpath={.labels}", server=pf_server)
    assert f'"team":"{team}"' in labels.stdout


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("jsonpath=", "jsonpath= needs a template"),
        ("jsonpath={.jobList[}", "invalid JSONPath"),
        ("jsonpath={range .jobList[*]}{.id}{end}", "range, end and if are not supported"),
        ("jsonpath={.id", "unbalanced braces"),
        ("xml", "'xml' is not one of table, wide, json, yaml, name"),
    ],
)
def test_a_bad_output_is_a_usage_error(pf_server: Any, value: str, message: str) -> None:
    result = run_pfctl("job", "list", "-o", value, server=pf_server)
    assert result.returncode == 2
    assert message in result.stderr

"""Table, JSON and YAML rendering shared by the commands."""

from __future__ import annotations

import pytest

from pfctl.cli.job_views import LogSections
from pfctl.cli.output import OutputFormat, cell_text, parse_key_values, render_data, render_table
from pfctl.errors import UsageError


def test_grid_table_layout() -> None:
    table = render_table(["job id", "status"], [["job-1", "init"], ["job-22", None]])
    assert table.splitlines() == [
        "+--------+--------+",
        "| job id | status |",
        "+========+========+",
        "| job-1  | init   |",
        "+--------+--------+",
        "| job-22 |        |",
        "+--------+--------+",
    ]


def test_empty_table_keeps_its_header() -> None:
    assert render_table(["a"], []).splitlines() == ["+---+", "| a |", "+===+"]


def test_multiline_cells() -> None:
    lines = render_table(["x"], [["one\ntwo"]]).splitlines()
    assert lines[3:5] == ["| one |", "| two |"]


def test_cells_and_data() -> None:
    assert cell_text({"a": 1}) == '{"a":1}'
    assert cell_text(0) == "0"
    assert render_data({"b": 1, "a": [1]}, OutputFormat.YAML) == "b: 1\na:\n- 1"
    assert render_data({"b": 1}, OutputFormat.JSON) == '{\n  "b": 1\n}'


def test_key_values() -> None:
    assert parse_key_values("a=1, b=2,c=", "--labels") == {"a": "1", "b": "2", "c": ""}
    assert parse_key_values(None, "--labels") is None
    with pytest.raises(UsageError, match="--labels"):
        parse_key_values("novalue", "--labels")


def test_log_sections() -> None:
    single = LogSections()
    single.start(["worker-0"])
    assert single.render("worker-0", "a") + single.render("worker-0", "b\n") == "a\nb\n"
    several = LogSections()
    several.start(["worker-0", "worker-1"])
    assert several.render("worker-0", "a\n") == "==> worker-0 <==\na\n"
    assert several.render("worker-0", "b\n") == "b\n"
    assert several.render("worker-1", "x\n") == "==> worker-1 <==\nx\n"

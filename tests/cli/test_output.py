"""Table, JSON and YAML rendering shared by the commands."""

from __future__ import annotations

import pytest

from pfctl.cli.job_views import LogSections
from pfctl.cli.output import (
    Column,
    OutputFormat,
    cell_text,
    display_width,
    fit_table,
    parse_key_values,
    render_data,
    render_table,
)
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


def test_a_cell_stays_on_its_line_with_its_control_characters_escaped() -> None:
    lines = render_table(["x"], [["one\ntwo\x1b[2J"]]).splitlines()
    assert lines[3:5] == ["| one\\ntwo\\u001b[2J |", "+" + "-" * 19 + "+"]


def test_cjk_cells_are_aligned_by_display_width() -> None:
    lines = render_table(["job name", "n"], [["训练作业", 1], ["ab", 22]]).splitlines()
    assert lines[3] == "| 训练作业 | 1  |"  # eight columns: no padding after four characters
    assert lines[5] == "| ab       | 22 |"
    assert lines[0] == "+----------+----+"


def test_fitted_table_cuts_the_widest_cells_with_an_ellipsis() -> None:
    columns = [Column("job id", cut=False), Column("job name")]
    table = fit_table(columns, [["job-1", "图像分类训练作业很长很长很长"]], 30)
    lines = table.text.splitlines()
    assert {display_width(line) for line in lines} == {30}
    assert lines[3] == "| job-1  | 图像分类训练作业… |"
    assert table.hidden == () and table.note() is None
    assert render_table(["job name"], [["图像分类训练作业很长很长很长"]]).count("…") == 0


def test_fitted_table_leaves_out_columns_by_rank_and_says_so() -> None:
    columns = [Column("id", cut=False), Column("time", cut=False, drop=1)]
    table = fit_table(columns, [["job-123456", "2024-01-01 00:00:00"]], 20)
    assert table.text.splitlines()[1] == "| id         |"
    assert table.note() == "left out to fit 20 columns: time (-o wide shows every column)"


def test_cells_and_data() -> None:
    assert cell_text({"a": 1}) == '{"a":1}'
    assert cell_text(0) == "0"
    assert render_data({"b": 1, "a": [1]}, OutputFormat.YAML) == "b: 1\na:\n- 1"
    assert render_data({"b": 1}, OutputFormat.JSON) == '{\n  "b": 1\n}'


def test_json_output_escapes_what_a_terminal_would_act_on() -> None:
    import json

    value = {"name": "训练\x9b31m\u202e\U000e0001", "n": "a\nb\x1b"}
    text = render_data(value, OutputFormat.JSON)
    assert json.loads(text) == value  # the same JSON value
    assert text.isascii() is False and "训练" in text  # readable, not \u-escaped
    assert all(line.isprintable() for line in text.splitlines())
    assert "\\u009b31m\\u202e\\udb40\\udc01" in text


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

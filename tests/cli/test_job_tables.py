"""`pfctl job list/show` tables as a person sees them: aligned by display width (CJK names take two
columns), fitted to the terminal, control characters escaped, and a hint for the next page; the
real CLI in a subprocess against the real local server."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
from wcwidth import wcswidth

from tests.helpers.cli import run_pfctl
from tests.helpers.jobs import fresh_single, unique_id
from tests.helpers.terminal import run_on_terminal

LONG_CJK_NAME = "图像分类训练作业-中文名称-" + "很长" * 20
HINT = "More jobs: add --marker "


def _width(line: str) -> int:
    width = int(wcswidth(line))
    assert width >= 0, repr(line)  # no control character reached the terminal
    return width


def _rows(table: str) -> list[str]:
    """The lines of a grid table that hold cells (the header line first)."""
    return [line for line in table.splitlines() if line.startswith("|")]


def _cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip("|").split("|")]


@pytest.fixture
def batch(client: Any) -> str:
    """Three finished-at-once jobs sharing a fresh ``batch`` label: a long Chinese name, a short
    one, and a name holding a newline and an escape sequence."""
    label = unique_id("batch")
    for name in (LONG_CJK_NAME, "短名", "line one\nline two\x1b[31m"):
        body = fresh_single("true", name=name, labels={"batch": label}, id_prefix="tbl")
        client.create_job("single", body)
    return label


def test_cjk_names_keep_the_grid_and_fit_80_columns(pf_server: Any, batch: str) -> None:
    listed = run_pfctl(
        "job",
        "list",
        "-l",
        f"batch={batch}",
        "-o",
        "table",
        server=pf_server,
        env={"COLUMNS": "80"},
    )
    assert listed.returncode == 0, listed.stderr
    table, marker = listed.stdout.rstrip("\n").rsplit("\n", 1)
    assert marker == "marker: None"  # PaddleFlow's last line, kept
    lines = table.splitlines()
    assert len({_width(line) for line in lines}) == 1  # every border lines up with every row
    assert _width(lines[0]) <= 80
    rows = _rows(table)
    assert len(rows) == 1 + 3  # the header, then exactly one line per job
    names = {_cells(row)[1] for row in rows[1:]}
    assert "短名" in names
    (cut,) = [name for name in names if name.startswith("图像分类")]
    assert cut.endswith("…") and LONG_CJK_NAME.startswith(cut[:-1]) and cut != LONG_CJK_NAME
    assert any(name.startswith("line one\\") for name in names), listed.stdout
    assert "\x1b" not in listed.stdout
    assert listed.stderr == (
        "left out to fit 80 columns: accept time, finish time (-o wide shows every column)\n"
    )


def test_a_newline_in_a_cell_is_escaped_not_a_new_line(pf_server: Any, batch: str) -> None:
    shown = run_pfctl(
        "job", "list", "-l", f"batch={batch}", "-o", "wide", server=pf_server, env={"COLUMNS": "80"}
    )
    assert shown.returncode == 0, shown.stderr
    names = {_cells(row)[1] for row in _rows(shown.stdout)[1:]}
    assert r"line one\nline two\u001b[31m" in names
    assert not any(line.lstrip("| ").startswith("line two") for line in shown.stdout.splitlines())


def test_wide_shows_every_character(pf_server: Any, batch: str) -> None:
    wide = run_pfctl(
        "job", "list", "-l", f"batch={batch}", "-o", "wide", server=pf_server, env={"COLUMNS": "80"}
    )
    assert wide.returncode == 0, wide.stderr
    rows = _rows(wide.stdout)
    assert _cells(rows[0])[:3] == ["job id", "job name", "user"]
    assert len(rows) == 1 + 3
    assert LONG_CJK_NAME in {_cells(row)[1] for row in rows[1:]}
    assert "…" not in wide.stdout
    assert len({_width(line) for line in wide.stdout.splitlines()[:-1]}) == 1
    assert _width(wide.stdout.splitlines()[0]) > 80  # not cut to the terminal


def test_job_show_table_fits_too(pf_server: Any, client: Any) -> None:
    job_id = client.create_job("single", fresh_single("true", name=LONG_CJK_NAME, id_prefix="tbl"))
    shown = run_pfctl("job", "show", job_id, "-o", "table", server=pf_server, env={"COLUMNS": "60"})
    assert shown.returncode == 0, shown.stderr
    summary = shown.stdout.split("job config and runtime info:", 1)[0].splitlines()
    assert len({_width(line) for line in summary}) == 1 and _width(summary[0]) <= 60
    assert "…" in summary[3]  # the name, cut
    assert len(_rows("\n".join(summary))) == 2
    config = json.loads(shown.stdout.split("job config and runtime info: \n", 1)[1])
    assert config[0]["image"]  # the detail JSON is whole


def test_all_lists_every_page_as_a_table(pf_server: Any, batch: str) -> None:
    every = run_pfctl(
        "job", "list", "-l", f"batch={batch}", "-m", "1", "--all", "-o", "table", server=pf_server
    )
    assert every.returncode == 0, every.stderr
    assert len(_rows(every.stdout)) == 1 + 3  # three pages of one job, followed
    assert "marker:" not in every.stdout and HINT not in every.stderr

    one_page = run_pfctl(
        "job", "list", "-l", f"batch={batch}", "-m", "1", "-o", "table", server=pf_server
    )
    assert len(_rows(one_page.stdout)) == 1 + 1
    assert one_page.stdout.rstrip().splitlines()[-1] != "marker: None"
    assert HINT not in one_page.stderr  # not a terminal: the output stays PaddleFlow's


def _on_a_terminal(args: list[str], server: Any, columns: int) -> tuple[int, str]:
    """``pfctl ARGS`` with stdout and stderr on a terminal ``columns`` wide (no ``COLUMNS``):
    its exit code and everything it showed."""
    run = run_on_terminal(args, server, on_terminal=("stdout", "stderr"), columns=columns)
    return run.code, run.shown


def test_a_terminal_is_told_how_to_get_the_next_page(pf_server: Any, batch: str) -> None:
    code, shown = _on_a_terminal(["job", "list", "-l", f"batch={batch}", "-m", "2"], pf_server, 70)
    assert code == 0, shown
    lines = shown.rstrip("\n").splitlines()
    marker = next(line for line in lines if line.startswith("marker: ")).removeprefix("marker: ")
    assert marker != "None"
    assert lines[-1] == (
        f"More jobs: add --marker {marker} for the next page, or --all to list every page."
    )
    table = [line for line in lines if line.startswith(("+", "|"))]
    assert len(_rows("\n".join(table))) == 1 + 2
    assert max(map(_width, table)) <= 70  # the terminal's own width

    code, shown = _on_a_terminal(
        ["job", "list", "-l", f"batch={batch}", "-m", "2", "--marker", marker], pf_server, 70
    )
    assert code == 0, shown
    assert HINT not in shown and "marker: None" in shown  # the last page


def test_help_does_not_import_the_width_library() -> None:
    probe = (
        "import sys\nfrom pfctl.cli.main import main\n"
        "try:\n    main(['job', 'list', '--help'])\nexcept SystemExit:\n    pass\n"
        "print('wcwidth' in sys.modules, file=sys.stderr)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert completed.stderr.strip().splitlines()[-1] == "False"

"""`pfctl flavour ...` end to end: the real CLI entry point against the real local server."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from pfctl.client import PaddleFlowClient
from tests.helpers.cli import in_process_pfctl
from tests.helpers.jobs import unique_id


@pytest.fixture
def pfctl(
    pf_server: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Any:
    return in_process_pfctl(pf_server, capsys, monkeypatch)


def _rows(text: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith("|")
    ]


def test_list_and_show(pfctl: Any) -> None:
    table = pfctl("flavour", "list", "--all", "-o", "table")
    assert table.code == 0, table.err
    rows = _rows(table.out)
    assert rows[0] == ["name", "cpu", "mem", "scalarResources"]
    assert ["flavour1", "1", "1Gi", ""] in rows
    assert ["flavour2", "4", "8Gi", "nvidia.com/gpu=1"] in rows
    assert "marker:" not in table.out

    page = json.loads(pfctl("flavour", "list", "-m", "1", "-o", "json").out)
    assert len(page["flavourList"]) == 1 and page["isTruncated"] is True
    after = json.loads(
        pfctl("flavour", "list", "-m", "1", "--marker", page["nextMarker"], "-o", "json").out
    )
    assert after["flavourList"][0]["name"] != page["flavourList"][0]["name"]
    one_page = pfctl("flavour", "list", "-m", "1", "-o", "table")
    assert one_page.out.rstrip().endswith(f"marker: {page['nextMarker']}")

    filtered = pfctl("flavour", "list", "--name", "flavour2", "-o", "name")
    assert filtered.out.split() == ["flavour2"]
    names = pfctl("flavour", "list", "--all", "-o", "jsonpath={.flavourList[*].name}")
    assert {"flavour1", "flavour2"} <= set(names.out.split())

    shown = pfctl("flavour", "show", "flavour2", "-o", "yaml")
    assert shown.code == 0
    flavour = yaml.safe_load(shown.out)
    assert (flavour["name"], flavour["cpu"], flavour["mem"]) == ("flavour2", "4", "8Gi")
    assert flavour["scalarResources"] == {"nvidia.com/gpu": "1"}
    wide = _rows(pfctl("flavour", "show", "flavour2", "-o", "wide").out)
    assert wide[0] == ["name", "cpu", "mem", "scalarResources", "create time", "update time"]
    assert wide[1][:4] == ["flavour2", "4", "8Gi", "nvidia.com/gpu=1"]


def test_create_update_delete(pfctl: Any, client: PaddleFlowClient) -> None:
    name = unique_id("f")
    created = pfctl("flavour", "create", name, "-c", "2", "-m", "4Gi", "-s", "nvidia.com/gpu=1")
    assert created.code == 0, created.err
    assert created.out.strip() == f"flavour[{name}] create success"
    stored = client.get_flavour(name)
    assert (stored["cpu"], stored["mem"]) == ("2", "4Gi")
    assert stored["scalarResources"] == {"nvidia.com/gpu": "1"}

    again = pfctl("flavour", "create", name, "--cpu", "1", "--memory", "1Gi")
    assert again.code == 1 and "Traceback" not in again.err

    updated = pfctl("flavour", "update", name, "--cpu", "3")
    assert (updated.code, updated.out.strip()) == (0, f"update [{name}] success")
    stored = client.get_flavour(name)
    assert (stored["cpu"], stored["mem"]) == ("3", "4Gi")
    as_yaml = yaml.safe_load(pfctl("flavour", "update", name, "-m", "8Gi", "-o", "yaml").out)
    assert as_yaml == [{"name": name, "ok": True, "message": f"update [{name}] success"}]

    invalid = pfctl("flavour", "update", name, "--cpu", "-1")
    assert invalid.code == 1 and "cpu" in invalid.err

    deleted = pfctl("flavour", "delete", name)
    assert (deleted.code, deleted.out.strip()) == (0, f"flavour[{name}] delete success")
    assert pfctl("flavour", "show", name).code == 1


@pytest.mark.parametrize(
    "args",
    [
        ["flavour", "create", "f-x", "-c", "1"],
        ["flavour", "create", "f-x", "-c", "1", "-m", "1Gi", "-s", "gpu"],
        ["flavour", "update", "flavour1"],
        ["flavour", "list", "-m", "0"],
    ],
)
def test_usage_errors_send_nothing(pfctl: Any, client: PaddleFlowClient, args: list[str]) -> None:
    result = pfctl(*args)
    assert result.code == 2, (result.out, result.err)
    assert "Traceback" not in result.err
    assert "f-x" not in {flavour["name"] for flavour in client.list_flavours()}


@pytest.mark.parametrize(
    "args",
    [
        ["flavour", "show", "no-such-flavour"],
        ["flavour", "update", "no-such-flavour", "-c", "1"],
        ["flavour", "delete", "no-such-flavour"],
    ],
)
def test_a_missing_flavour_is_exit_1(pfctl: Any, args: list[str]) -> None:
    result = pfctl(*args)
    assert result.code == 1
    assert "no-such-flavour" in result.err and "Traceback" not in result.err


def test_a_user_who_is_not_root_reads_flavours_and_changes_none(
    pfctl: Any, client: PaddleFlowClient
) -> None:
    name = unique_id("u").replace("-", "")
    client.create_user(name, "secret123")
    as_user = ("--user", name, "--password", "secret123")
    try:
        listed = pfctl("flavour", "list", "-o", "name", *as_user)
        assert listed.code == 0 and "flavour1" in listed.out.split()
        for args in (
            ["flavour", "create", unique_id("f"), "-c", "1", "-m", "1Gi"],
            ["flavour", "update", "flavour1", "-c", "9"],
            ["flavour", "delete", "flavour1"],
        ):
            result = pfctl(*args, *as_user)
            assert result.code == 1, (args, result.err)
            assert result.err.startswith("error: ") and "Traceback" not in result.err
        assert client.get_flavour("flavour1")["cpu"] == "1"
    finally:
        client.delete_user(name)

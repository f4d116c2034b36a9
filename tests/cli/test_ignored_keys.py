"""Keys PaddleFlow ignores: a field of one of its job request structs written where the struct
decoded there lacks it (``image`` at the top of a distributed job, as in PaddleFlow's spark
example) is accepted with a located warning by validate, diff, apply and job create, and the
local server accepts and ignores it as PaddleFlow's decoder does; a key of no struct (a typo)
stays an error. Against the real local server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.api import assert_error, login
from tests.helpers.cli import in_process_pfctl
from tests.helpers.jobs import unique_id

WORKERS = "members:\n- {role: worker, replicas: 2, image: busybox, command: 'true'}\n"
IMAGE_AT_TOP = f"framework: paddle\nimage: busybox\n{WORKERS}"
IMAGE_WARNING = (
    "4:1: warning: $.image: `image` is ignored by PaddleFlow: CreateDisJobRequest has no such "
    "field; set it in each member"
)


@pytest.fixture
def pfctl(
    pf_server: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Any:
    return in_process_pfctl(pf_server, capsys, monkeypatch)


def manifest(tmp_path: Path, job_type: str, body: str, job_id: str = "") -> Path:
    path = tmp_path / "job.yaml"
    path.write_text(f"type: {job_type}\nid: {job_id or unique_id('ign')}\n{body}")
    return path


def test_validate_warns_at_each_ignored_key_and_exits_0(pfctl: Any, tmp_path: Path) -> None:
    path = manifest(
        tmp_path,
        "distributed",
        "framework: paddle\nimage: busybox\nUserName: bob\nmembers:\n"
        "- {role: worker, replicas: 2, image: busybox, framework: paddle}\n",
    )
    result = pfctl("validate", str(path))
    assert result.code == 0, result.out + result.err
    assert result.err.splitlines() == [
        f"{path}:{IMAGE_WARNING}",
        f"{path}:5:1: warning: $.UserName: `UserName` is ignored by PaddleFlow: the server sets "
        "the job's user to the caller",
        f"{path}:7:47: warning: $.members[0].framework: `framework` is ignored by PaddleFlow: "
        "MemberSpec has no such field; set it on the job",
    ]
    as_json = json.loads(pfctl("validate", str(path), "-o", "json").out)
    assert as_json["summary"]["invalid"] == 0
    assert {problem["severity"] for problem in as_json["problems"]} == {"warning"}


def test_a_single_job_with_members_warns_and_does_not_check_them(
    pfctl: Any, tmp_path: Path
) -> None:
    # PaddleFlow's single route never reads `members`: a member it would refuse is no error.
    path = manifest(
        tmp_path, "single", "image: busybox\nframework: paddle\nmembers: [{role: x, replicas: 0}]\n"
    )
    result = pfctl("validate", str(path))
    assert result.code == 0, result.err
    assert [line.split(": warning: ")[1].split(":")[0] for line in result.err.splitlines()] == [
        "$.framework",
        "$.members",
    ]
    assert "use `type: distributed` for members" in result.err


def test_top_level_spec_keys_of_a_distributed_job_are_not_checked(
    pfctl: Any, tmp_path: Path
) -> None:
    path = manifest(tmp_path, "distributed", f"env: {{'A=B': x}}\nport: 70000\n{IMAGE_AT_TOP}")
    result = pfctl("validate", str(path))
    assert result.code == 0, result.err
    assert "error" not in result.err
    assert result.err.count("is ignored by PaddleFlow") == 3


def test_a_typo_stays_an_error_with_did_you_mean(pfctl: Any, tmp_path: Path) -> None:
    path = manifest(tmp_path, "distributed", f"imagee: busybox\n{WORKERS}framework: paddle\n")
    result = pfctl("validate", str(path))
    assert result.code == 1
    assert f"{path}:3:1: error: $.imagee: unknown key `imagee`; did you mean `image`?" in (
        result.out + result.err
    )


def test_job_create_warns_and_sends_the_job(pfctl: Any, pf_server: Any, tmp_path: Path) -> None:
    job_file = tmp_path / "job.yaml"
    job_file.write_text(f"name: ignored-image\n{IMAGE_AT_TOP}")
    result = pfctl("job", "create", "distributed", str(job_file), "-o", "name")
    assert result.code == 0, result.err
    assert result.err.splitlines() == [f"{job_file}:{IMAGE_WARNING.replace('4:1', '3:1', 1)}"]
    job = login(pf_server.url).job(result.out.strip())
    assert job["image"] == ""  # PaddleFlow's view of a distributed job: no top-level image
    assert [member["image"] for member in job["members"]] == ["busybox"]


def test_diff_and_apply_warn_and_converge(pfctl: Any, tmp_path: Path) -> None:
    path = manifest(tmp_path, "distributed", IMAGE_AT_TOP)
    warning = f"{path}:{IMAGE_WARNING}"
    diff = pfctl("diff", "-f", str(path))
    assert diff.code == 1, diff.err  # changes: the job is to be created
    assert warning in diff.err.splitlines()
    applied = pfctl("apply", "-f", str(path))
    assert applied.code == 0, applied.err
    assert warning in applied.err.splitlines()
    again = pfctl("diff", "-f", str(path))
    assert again.code == 0, again.out
    assert warning in again.err.splitlines()


@pytest.mark.parametrize(
    ("job_type", "body"),
    [
        (
            "single",
            {
                "image": "busybox",
                "command": "true",
                "framework": "paddle",
                "members": [{"role": "nobody", "replicas": 0}],
                "role": "master",
                "replicas": 3,
                "UserName": "someone-else",
            },
        ),
        (
            "distributed",
            {
                "framework": "paddle",
                "image": "busybox",
                "command": "false",
                "port": 70000,
                "env": {"A=B": "x"},
                "members": [
                    {
                        "role": "worker",
                        "replicas": 2,
                        "image": "busybox",
                        "command": "true",
                        "framework": "x",
                        "members": [],
                    }
                ],
            },
        ),
    ],
    ids=["single", "distributed"],
)
def test_the_server_accepts_and_ignores_them(
    pf_server: Any, job_type: str, body: dict[str, Any]
) -> None:
    api = login(pf_server.url)
    job = api.job(api.create(job_type, {"id": unique_id("ign"), **body}))
    assert job["UserName"] == "root"
    if job_type == "single":
        assert job["framework"] == "standalone"  # not the body's "paddle"
        assert [(m["role"], m["replicas"]) for m in job["members"]] == [("worker", 1)]
    else:
        assert (job["image"], job["command"], job["port"], job["env"]) == ("", "", 0, None)
        assert [(m["role"], m["replicas"]) for m in job["members"]] == [("worker", 2)]


def test_user_name_of_the_wrong_type_fails_the_decoder_as_on_paddleflow(pf_server: Any) -> None:
    # UserName is a string field of CommonJobInfo: Go's decoder refuses a number there.
    response = login(pf_server.url).post(
        "/job/single", json={"image": "busybox", "command": "true", "UserName": 5}
    )
    assert_error(
        response,
        400,
        "MalformedJSON",
        "json: cannot unmarshal number into Go struct field CreateSingleJobRequest.UserName "
        "of type string",
    )

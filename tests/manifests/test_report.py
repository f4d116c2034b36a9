"""Reports of ``pfctl validate``: a report streamed file by file prints what the whole one does."""

from __future__ import annotations

from pathlib import Path

import pytest

from pfctl.manifests import ReportStream, iter_outcomes, load_manifests
from pfctl.manifests.report import FORMATS, render

SINGLE = "type: single\nid: {id}\nimage: busybox\n"


@pytest.mark.parametrize("output", sorted(FORMATS))
@pytest.mark.parametrize("quiet", [False, True])
def test_a_streamed_report_prints_what_the_whole_report_does(
    tmp_path: Path, output: str, quiet: bool
) -> None:
    (tmp_path / "a.yaml").write_text(SINGLE.format(id="a") + "---\n---\n" + SINGLE.format(id="b"))
    (tmp_path / "b.yaml").write_text("type: single\nid: a\nimage: [x]\nenv: {N: 3}\n")
    (tmp_path / "c.yaml").write_text("")
    (tmp_path / "d.yaml").write_text("type: single\nid: d\nimage: x\n  bad: [\n")
    (tmp_path / "e.json").write_text('{"type": "single", "id": "e", "image": "x"}')
    whole = render(load_manifests([str(tmp_path)], keep_manifests=False), output, quiet=quiet)
    out: list[str] = []
    err: list[str] = []
    stream = ReportStream(output, quiet=quiet, out=out.append, err=err.append)
    for outcome in iter_outcomes([str(tmp_path)], keep_manifests=False):
        stream.add(outcome)
    assert stream.finish() is False
    assert (out, err) == (whole.stdout, whole.stderr)
    assert any("duplicate id `a`" in line for line in out)


def test_a_streamed_report_of_valid_files_is_ok(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(SINGLE.format(id="a"))
    out: list[str] = []
    stream = ReportStream("text", out=out.append, err=out.append)
    for outcome in iter_outcomes([str(tmp_path)]):
        stream.add(outcome)
    assert stream.finish() is True
    assert out[-1] == "1 manifest, 1 valid, 0 invalid"

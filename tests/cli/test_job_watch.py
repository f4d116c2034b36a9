"""`pfctl job list -w` and `pfctl job show -w`: the jobs, then one line per job as it changes,
against the real local server: through its watch stream (also across a restart of the server),
by polling when asked to or when a server has no stream; Ctrl-C ends them with 130."""

from __future__ import annotations

import queue
import signal
import subprocess
import threading
from pathlib import Path
from typing import Any

from tests.helpers.cli import run_pfctl, start_pfctl
from tests.helpers.jobs import unique_id

from .job_helpers import job_document, write_job


def test_watch_prints_each_change(pf_server: Any, tmp_path: Path) -> None:
    team = unique_id("watch")
    process = start_pfctl(
        "job", "list", "-l", f"team={team}", "-w", "--interval", "0.2", "-o", "table",
        server=pf_server, env={"PFCTL_WATCH": "poll"},
    )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        document = job_document(command="true", labels={"team": team})
        created = run_pfctl(
            "job", "create", "single", write_job(tmp_path, document), server=pf_server
        )
        assert created.returncode == 0, created.stderr
        job_id = document["id"]
        statuses: list[str] = []
        while "succeeded" not in statuses:
            line = lines.get(timeout=60)
            if line.startswith(f"{job_id}  "):
                statuses.append(line.split("  ")[1])
        assert statuses[0] in {"init", "pending", "running", "succeeded"}
        assert len(statuses) == len(set(statuses))  # a line per change, not per poll
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        reader.join(timeout=30)
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()
        stderr = process.stderr.read()
        process.stderr.close()
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr


class Lines:
    """The lines a running `pfctl` prints on stdout, as they come."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.queue: queue.Queue[str] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.queue.put(line.rstrip("\n"))

    def statuses_of(self, job_id: str, until: str) -> list[str]:
        """The statuses the lines give ``job_id`` (``ID  STATUS  NAME``), up to ``until``."""
        seen: list[str] = []
        while until not in seen:
            line = self.queue.get(timeout=60)
            if line.startswith(f"{job_id}  "):
                seen.append(line.split("  ")[1])
        return seen

    def interrupt(self) -> str:
        """Ctrl-C; the stderr it printed (the exit code must be 130)."""
        self.process.send_signal(signal.SIGINT)
        self.process.wait(timeout=30)
        self.reader.join(timeout=30)
        assert self.process.stdout is not None and self.process.stderr is not None
        self.process.stdout.close()
        err = self.process.stderr.read()
        self.process.stderr.close()
        assert self.process.returncode == 130, err
        assert "Traceback" not in err
        return err


def create_job(server: Any, tmp_path: Path, **overrides: Any) -> str:
    document = job_document(**overrides)
    created = run_pfctl("job", "create", "single", write_job(tmp_path, document), server=server)
    assert created.returncode == 0, created.stderr
    return str(document["id"])


def test_list_watch_reads_the_stream(pf_server: Any, tmp_path: Path) -> None:
    team = unique_id("stream")
    lines = Lines(
        start_pfctl("job", "list", "-l", f"team={team}", "-w", "-o", "table", server=pf_server)
    )
    job_id = create_job(pf_server, tmp_path, command="sleep 1", labels={"team": team})
    statuses = lines.statuses_of(job_id, "succeeded")
    assert len(statuses) == len(set(statuses))
    err = lines.interrupt()
    assert "polling" not in err and "watch stream" not in err  # the stream, uncut


def test_list_watch_polls_when_asked(pf_server: Any, tmp_path: Path) -> None:
    team = unique_id("poll")
    process = start_pfctl(
        "job", "list", "-l", f"team={team}", "-w", "--interval", "0.2", "-o", "table",
        server=pf_server, env={"PFCTL_WATCH": "poll"},
    )  # fmt: skip
    lines = Lines(process)
    job_id = create_job(pf_server, tmp_path, command="true", labels={"team": team})
    assert lines.statuses_of(job_id, "succeeded")[-1] == "succeeded"
    assert lines.interrupt() == ""


def test_show_watch_prints_each_change_until_the_job_ends(pf_server: Any, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    job_id = create_job(pf_server, tmp_path, command=f"while [ ! -e {gate} ]; do sleep 0.05; done")
    process = start_pfctl(
        "job", "show", job_id, "-w", "-o", "jsonpath={.status}", server=pf_server
    )  # fmt: skip
    assert process.stdout is not None
    first = process.stdout.readline().strip()  # the job as `show` prints it
    assert first in {"init", "pending", "running"}
    gate.touch()
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    statuses = [first, *out.split()]
    assert statuses[-1] == "succeeded" and "running" in statuses
    assert len(statuses) == len(set(statuses))  # a line per change


def test_show_watch_of_a_finished_job_ends_at_once(pf_server: Any, tmp_path: Path) -> None:
    job_id = create_job(pf_server, tmp_path, command="true")
    waited = run_pfctl("job", "wait", job_id, server=pf_server)
    assert waited.returncode == 0, waited.stderr
    shown = run_pfctl("job", "show", job_id, "-w", "-o", "name", server=pf_server)
    assert (shown.returncode, shown.stdout) == (0, f"{job_id}\n")


def test_show_watch_ends_at_ctrl_c_with_130(pf_server: Any, tmp_path: Path) -> None:
    job_id = create_job(pf_server, tmp_path)
    process = start_pfctl("job", "show", job_id, "-w", "-o", "name", server=pf_server)
    assert process.stdout is not None
    assert process.stdout.readline() == f"{job_id}\n"
    lines = Lines(process)
    lines.interrupt()
    assert run_pfctl("job", "stop", job_id, server=pf_server).returncode == 0


def test_list_watch_reconnects_after_a_server_restart(start_pf_server: Any, tmp_path: Path) -> None:
    server = start_pf_server()
    team = unique_id("restart")
    lines = Lines(
        start_pfctl("job", "list", "-l", f"team={team}", "-w", "-o", "table", server=server)
    )
    first = create_job(server, tmp_path, command="true", labels={"team": team})
    lines.statuses_of(first, "succeeded")
    server.stop()
    again = start_pf_server(server.data_dir, server.port)
    second = create_job(again, tmp_path, command="true", labels={"team": team})
    assert lines.statuses_of(second, "succeeded")[-1] == "succeeded"
    err = lines.interrupt()
    assert "pfctl: the watch stream was cut (" in err
    assert "; reconnecting in 0.5 s" in err
    assert err.rstrip().endswith("pfctl: watch stream reconnected")


def test_list_watch_polls_a_server_without_the_stream(scripted_server: Any) -> None:
    """A PaddleFlow-like server without /wsjob: the upgrade fails, one list per poll follows."""
    job = {"id": "job-1", "name": "a", "status": "pending"}
    listing = {"jobList": [job], "nextMarker": "", "isTruncated": False}
    url, received = scripted_server(
        [
            (200, listing),  # the list
            (404, None),  # the stream's upgrade
            (200, {**listing, "jobList": [{**job, "status": "running"}]}),  # the first poll
        ]
    )
    result = run_pfctl("job", "list", "-w", "--interval", "0.1", "-o", "table", server=url)
    assert result.returncode == 1  # the scripted server fails the second poll (500)
    assert "job-1  running  a" in result.stdout.splitlines()
    assert "pfctl: the server offers no watch stream (" in result.stderr
    assert "; polling every 0.1 s instead" in result.stderr
    assert received[2] == "GET /api/paddleflow/v1/wsjob"


def test_job_wait_reads_the_stream_across_a_server_restart(
    start_pf_server: Any, tmp_path: Path
) -> None:
    """`job wait` on a server without executor (the job stays `init`): the server restarts
    while it waits, the wait reconnects and reads the job again, and sees it stopped."""
    server = start_pf_server(args=["--no-executor"])
    job_id = create_job(server, tmp_path)
    process = start_pfctl("job", "wait", job_id, "-o", "json", server=server)
    assert process.stderr is not None
    # The stream opens before the first read, which prints the job's status on stderr.
    assert process.stderr.readline() == f"{job_id}: init\n"
    server.stop()
    again = start_pf_server(server.data_dir, server.port, args=["--no-executor"])
    assert run_pfctl("job", "stop", job_id, server=again).returncode == 0
    out, err = process.communicate(timeout=120)
    assert process.returncode == 1, err  # terminated: the answer is no
    assert '"status": "terminated"' in out
    assert "pfctl: the watch stream was cut (" in err
    assert "pfctl: watch stream reconnected" in err
    assert "Traceback" not in err

import signal
import time
from pathlib import Path

from pfctl.server.runtime.processes import (
    GroupRecord,
    LaunchSpec,
    ReplicaProcess,
    allocate_loopback_ports,
    group_alive,
    kill_recorded_groups,
    replica_argv,
    wrap_command,
)


def wait_for(condition, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.05)


def process_running(pid: int) -> bool:
    """Alive and not a zombie (an orphan may wait for a reaper that never comes)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2] not in "ZX"


def launch(tmp_path: Path, command: str, args: tuple[str, ...] = ()) -> ReplicaProcess:
    spec = LaunchSpec(
        argv=replica_argv(command, list(args), str(tmp_path / "work")),
        cwd=tmp_path / "work",
        env={"GREETING": "hello"},
        log_path=tmp_path / "logs" / "worker-0.log",
    )
    return ReplicaProcess(spec)


def test_wrap_command_trims_a_leading_shell_and_changes_directory() -> None:
    assert wrap_command("bash -c echo hi", "/w") == ["sh", "-c", "cd /w;  echo hi"]
    assert wrap_command("sh -c echo hi", "") == ["sh", "-c", " echo hi"]
    assert wrap_command("python train.py", "/w") == ["sh", "-c", "cd /w; python train.py"]
    assert wrap_command("", "/w") == ["sh", "-c", "cd /w"]


def test_args_follow_the_command_as_in_a_pod() -> None:
    assert replica_argv("echo $0 $1", ["a", "b"], "") == ["sh", "-c", "echo $0 $1", "a", "b"]
    assert replica_argv("", ["python", "x.py"], "/w") == ["python", "x.py"]


def test_replica_runs_in_workdir_with_env_and_logs_output(tmp_path: Path) -> None:
    process = launch(tmp_path, "echo $GREETING from $(pwd); echo oops >&2; exit 3")
    wait_for(lambda: process.poll() is not None)
    assert process.poll() == 3
    log = (tmp_path / "logs" / "worker-0.log").read_text()
    assert f"hello from {tmp_path / 'work'}" in log
    assert "oops" in log


def test_stop_kills_a_process_that_ignores_term_and_its_children(tmp_path: Path) -> None:
    process = launch(
        tmp_path,
        "trap '' TERM; (trap '' TERM; sleep 300) & echo started; while true; do sleep 0.1; done",
    )
    wait_for(lambda: "started" in (tmp_path / "logs" / "worker-0.log").read_text())
    assert group_alive(process.pgid)
    code = process.stop(grace_seconds=0.5)
    assert code == -signal.SIGKILL
    assert not group_alive(process.pgid)


def test_stop_of_a_process_that_honours_term_needs_no_kill(tmp_path: Path) -> None:
    process = launch(tmp_path, "sleep 300")
    code = process.stop(grace_seconds=30.0)
    assert code in (-signal.SIGTERM, 128 + signal.SIGTERM)
    assert not group_alive(process.pgid)


def test_leftover_background_processes_are_ended(tmp_path: Path) -> None:
    process = launch(tmp_path, "sleep 300 & echo $! > child.pid; exit 0")
    wait_for(lambda: process.poll() is not None)
    child = int((tmp_path / "work" / "child.pid").read_text())
    assert group_alive(process.pgid)
    process.end_leftovers()
    assert not group_alive(process.pgid)
    assert not process_running(child)


def test_recorded_groups_are_killed_after_a_crash(tmp_path: Path) -> None:
    process = launch(tmp_path, "sleep 300")
    record_dir = tmp_path / "groups"
    GroupRecord(record_dir, "job-1").add(process)
    assert kill_recorded_groups(record_dir) == 1
    wait_for(lambda: process.poll() is not None)
    assert not group_alive(process.pgid)
    assert list(record_dir.glob("*.json")) == []


def test_allocated_ports_are_distinct() -> None:
    ports = allocate_loopback_ports(5)
    assert len(set(ports)) == 5
    assert all(1024 <= port <= 65535 for port in ports)

"""Apply benchmark: a no-op `pfctl apply` of many jobs against a PaddleFlow-SDK-style script
(one `show_job` per manifest, through pfctl's compatible facade), and `pfctl apply` of new jobs
at parallelism 1, 4 and 10.

Run: `.venv/bin/python bench/apply.py [--count 1000] [--no-write]`
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from localserver import PASSWORD, USER, Session, isolated_env, running_server
from manifests import manifest_texts
from measure import Run, run_measured
from report import PYTHON, stamp, table, write_section

PARALLELISM = (1, 4, 10)

# What a PaddleFlow SDK user writes to bring jobs up to date: read each manifest, ask the server
# for the job, create it when missing. With every job present it is the no-op apply's baseline.
SDK_SCRIPT = f"""
import sys, pathlib, yaml
from pfctl.client.sdk import Client, JobRequest

host, port, directory = sys.argv[1], int(sys.argv[2]), pathlib.Path(sys.argv[3])
client = Client(host, "{USER}", "{PASSWORD}", port)
ok, message = client.login()
assert ok, message
missing = 0
for path in sorted(directory.glob("*.yaml")):
    manifest = yaml.safe_load(path.read_text())
    found, job = client.show_job(manifest["id"])
    if not found:
        missing += 1
        body = {{k: v for k, v in manifest.items() if k != "type"}}
        client.create_job(manifest["type"], JobRequest.from_dict(body))
print("missing", missing)
"""


def write_manifests(directory: Path, count: int) -> None:
    """`count` valid generated manifests, one per file."""
    directory.mkdir(parents=True, exist_ok=True)
    n = 0
    for text in manifest_texts(count + count // 49 + 1):
        if 'stopped: "no"' in text:
            continue
        (directory / f"job-{n:06d}.yaml").write_text(text, encoding="utf-8")
        n += 1
        if n == count:
            return


def pfctl_apply(
    url: str, directory: Path, home: Path, parallelism: int, *, first: bool = False
) -> Run:
    """One `pfctl apply -f directory` as a user runs it; `first`: as the first run on these
    files, with no manifest cache (the login token stays cached)."""
    argv = [PYTHON, "-m", "pfctl", "apply", "-f", str(directory), "--server", url]
    argv += ["--user", USER, "--password", PASSWORD, "--parallelism", str(parallelism)]
    env = isolated_env(home)
    if first:
        shutil.rmtree(Path(env["XDG_CACHE_HOME"]) / "pfctl" / "manifests", ignore_errors=True)
    run = run_measured(argv, env=env)
    if run.returncode != 0:
        raise RuntimeError(f"pfctl apply failed ({run.returncode}): {run.stderr[-2000:]}")
    return run


def sdk_script(url: str, directory: Path, home: Path) -> Run:
    """The SDK-style script over the same manifests."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    argv = [PYTHON, "-c", SDK_SCRIPT, host, port, str(directory)]
    run = run_measured(argv, env=isolated_env(home))
    if run.returncode != 0:
        raise RuntimeError(f"SDK script failed ({run.returncode}): {run.stderr[-2000:]}")
    return run


def _served(session: Session, action: Callable[[], Run]) -> tuple[Run, int]:
    """Run `action`; its run and the requests the server served meanwhile."""
    before = session.requests_served()
    run = action()
    return run, session.requests_served() - before


def _median_run(runs: list[tuple[Run, int]]) -> tuple[Run, int]:
    return sorted(runs, key=lambda item: item[0].seconds)[len(runs) // 2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=1000, help="jobs per apply")
    parser.add_argument("--runs", type=int, default=3, help="no-op runs of each (median)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    opts = parser.parse_args()
    count = opts.count

    with tempfile.TemporaryDirectory(prefix="pfbench-apply-") as tmp_name:
        tmp = Path(tmp_name)
        manifests = tmp / "manifests"
        write_manifests(manifests, count)

        new_rows = []
        for parallelism in PARALLELISM:
            home = tmp / f"home-new-{parallelism}"
            with running_server(tmp / f"new-{parallelism}", executor=False, home=home) as server:
                session = Session(server.url)
                before = session.requests_served()
                run = pfctl_apply(server.url, manifests, home, parallelism)
                served = session.requests_served() - before
                session.close()
            new_rows.append(
                (parallelism, f"{run.seconds:.2f} s", f"{count / run.seconds:.0f}/s", served)
            )

        home = tmp / "home-noop"
        noop_rows = []
        with running_server(tmp / "noop", executor=False, home=home) as server:
            session = Session(server.url)
            pfctl_apply(server.url, manifests, home, 10)  # create them all first
            pfctl_runs: list[tuple[Run, int]] = []
            cold_runs: list[tuple[Run, int]] = []
            sdk_runs: list[tuple[Run, int]] = []
            for _ in range(opts.runs):  # the three take turns: a busy moment hits them all
                pfctl_runs.append(
                    _served(session, lambda s=server: pfctl_apply(s.url, manifests, home, 10))
                )
                cold_runs.append(
                    _served(
                        session,
                        lambda s=server: pfctl_apply(s.url, manifests, home, 10, first=True),
                    )
                )
                sdk_runs.append(
                    _served(session, lambda s=server: sdk_script(s.url, manifests, home))
                )
            session.close()
        sdk = _median_run(sdk_runs)
        for name, (run, served) in (
            ("SDK script (show_job per manifest)", sdk),
            ("pfctl apply (files unchanged since the last run)", _median_run(pfctl_runs)),
            ("pfctl apply, first run on these files", _median_run(cold_runs)),
        ):
            noop_rows.append(
                (name, f"{run.seconds:.2f} s", f"{sdk[0].seconds / run.seconds:.1f}x", served)
            )

    body = stamp(f"python bench/apply.py --count {count} --runs {opts.runs}")
    body += (
        f"\n{count:,} generated valid manifests (the examples/ mix), one per file, against a "
        "local server with `--no-executor` (jobs stay `init`: the API and pfctl are measured, "
        "not the jobs). Wall times are whole processes, start-up included; `requests` is the "
        "server's own count of what it served during the run.\n\n"
        f"### No-op apply of {count:,} jobs\n\n"
        f"Every job already exists and matches. Baseline: a PaddleFlow SDK user's script (pfctl's "
        "compatible facade `Client(host, user, password, port)`: `login()`, then `yaml.safe_load` "
        f"and `show_job(id)` per manifest). Median of {opts.runs} runs each; `speed-up` is the "
        "script's wall time over each one's. pfctl runs twice: as it runs again on files it "
        "checked before (its manifest cache skips checking them again, every file is still "
        "read), and as the first run on these files (an empty manifest cache, as on a fresh "
        "clone in CI: every file is checked, and the cache written).\n\n"
    )
    body += table(["client", "wall", "speed-up", "requests"], noop_rows)
    body += (
        f"\n### Apply of {count:,} new jobs\n\nA fresh server for each parallelism "
        f"(`--parallelism N`); expected requests: 1 login + 1 list + {count:,} creates.\n\n"
    )
    body += table(["parallelism", "wall", "jobs per second", "requests"], new_rows)
    print(body)
    if not opts.no_write:
        write_section("apply", "Apply", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())

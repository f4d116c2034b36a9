"""Apply benchmark: a no-op `pfctl apply` of many jobs against a PaddleFlow-SDK-style script
(one `show_job` per manifest, through pfctl's compatible facade), `pfctl apply` of new jobs
at parallelism 1, 4 and 10, and what the server preflight (queues and flavours checked for every
create) adds to a plan of new jobs.

Run: `.venv/bin/python bench/apply.py [--count 1000] [--runs 3] [--no-write]`; a count other than
1,000 writes its own sections (e.g. `--count 10000`: "Apply of 10,000 manifests").
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
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


# Planning `count` new jobs in one process, as `pfctl diff` and `pfctl apply` plan them: read the
# live jobs and plan (without the preflight), then the preflight (`pfctl.apply.preflight`) on that
# plan; the wall time and the client's request count of each stage, for every run.
PREFLIGHT_SCRIPT = f"""
import json, sys, time
from pfctl.apply.applier import read_live_jobs
from pfctl.apply.model import PlanOptions
from pfctl.apply.planner import plan_changes
from pfctl.apply.preflight import preflight
from pfctl.apply.steps import collection_deferred, load_manifest_files, require_valid
from pfctl.client import ClientSettings, PaddleFlowClient, TokenCache

url, directory, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
desired = require_valid(load_manifest_files([directory], recursive=False))
settings = ClientSettings.for_server(url, "{USER}", "{PASSWORD}")
samples = []
with PaddleFlowClient(settings, token_cache=TokenCache.in_memory()) as client:
    client.login()
    for _ in range(runs + 1):  # the first is a warm-up
        with collection_deferred():  # as the commands plan
            counted, start = client.request_count, time.perf_counter()
            plan = plan_changes(desired, read_live_jobs(client, None), PlanOptions())
            planned, planned_at = client.request_count, time.perf_counter()
            checked = preflight(client, plan)
            done, done_at = client.request_count, time.perf_counter()
        samples.append({{
            "plan_seconds": planned_at - start, "preflight_seconds": done_at - planned_at,
            "plan_requests": planned - counted, "preflight_requests": done - planned,
            "creates": sum(1 for a in plan.actions if a.action.value == "create"),
            "errors": len(checked.errors),
            "notes": sum(1 for a in checked.actions if a.notes),
        }})
print(json.dumps(samples[1:]))
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


def preflight_samples(url: str, directory: Path, home: Path, runs: int) -> list[dict[str, float]]:
    """`runs` in-process plans of the manifests (all new on this server), each timed and counted
    without and then with the preflight."""
    argv = [PYTHON, "-c", PREFLIGHT_SCRIPT, url, str(directory), str(runs)]
    run = run_measured(argv, env=isolated_env(home))
    if run.returncode != 0:
        raise RuntimeError(f"preflight planning failed ({run.returncode}): {run.stderr[-2000:]}")
    samples: list[dict[str, float]] = json.loads(run.stdout)
    return samples


def pfctl_diff(url: str, directory: Path, home: Path) -> Run:
    """`pfctl diff -f directory` (exit 1: there are changes)."""
    argv = [PYTHON, "-m", "pfctl", "diff", "-f", str(directory), "--server", url]
    argv += ["--user", USER, "--password", PASSWORD]
    run = run_measured(argv, env=isolated_env(home))
    if run.returncode != 1:
        raise RuntimeError(f"pfctl diff failed ({run.returncode}): {run.stderr[-2000:]}")
    return run


def preflight_section(samples: list[dict[str, float]], diff: tuple[Run, int], count: int) -> str:
    """The Preflight section: in-process planning with and without it, and `pfctl diff`."""

    def median(key: str) -> float:
        return statistics.median(sample[key] for sample in samples)

    plan, check = median("plan_seconds"), median("preflight_seconds")
    rows = [
        (
            "read the jobs and plan (no preflight)",
            f"{plan * 1000:.0f} ms",
            "1.00x",
            f"{median('plan_requests'):.0f}",
        ),
        (
            "the same, then the preflight",
            f"{(plan + check) * 1000:.0f} ms",
            f"{(plan + check) / plan:.2f}x",
            f"{median('plan_requests') + median('preflight_requests'):.0f}",
        ),
        (
            "the preflight alone",
            f"{check * 1000:.1f} ms",
            f"{check / plan:.2f}x",
            f"{median('preflight_requests'):.0f}",
        ),
    ]
    run, served = diff
    body = (
        f"\n### Preflight on a plan of {count:,} new jobs\n\n"
        f"The same {count:,} manifests against a fresh server (`--no-executor`), so that every "
        f"job is a create ({median('creates'):.0f} planned, {median('errors'):.0f} plan errors, "
        f"{median('notes'):.0f} with a note on their queue's room). Planned in one process as "
        "`pfctl diff` and `pfctl apply` plan (`read_live_jobs`, `plan_changes`), then checked by "
        f"`pfctl.apply.preflight.preflight`; median of {len(samples)} runs after a warm-up, "
        "the login before them; `requests` is the client's own count. `ratio` is the wall time "
        "over planning without the preflight.\n\n"
    )
    body += table(["stage", "wall", "ratio", "requests"], rows)
    body += (
        f"\n`pfctl diff` of the same files, the whole process: {run.seconds:.2f} s, {served:,} "
        f"requests served (1 login, 1 job list, {count:,} reads confirming that the new ids are "
        "free, 2 for the preflight: `GET /queue` and `GET /flavour`); the preflight is "
        f"{check / run.seconds:.1%} of its wall time.\n"
    )
    return body


def _served(session: Session, action: Callable[[], Run]) -> tuple[Run, int]:
    """Run `action`; its run and the requests the server served meanwhile."""
    before = session.requests_served()
    run = action()
    return run, session.requests_served() - before


def _mib(size: int) -> str:
    return f"{size / 2**20:.0f} MiB"


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

        home = tmp / "home-preflight"
        with running_server(tmp / "preflight", executor=False, home=home) as server:
            session = Session(server.url)
            samples = preflight_samples(server.url, manifests, home, opts.runs)
            diff = _served(session, lambda s=server: pfctl_diff(s.url, manifests, home))
            session.close()

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
                (
                    parallelism,
                    f"{run.seconds:.2f} s",
                    f"{count / run.seconds:.0f}/s",
                    served,
                    _mib(run.peak_pss_bytes),
                )
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
                (
                    name,
                    f"{run.seconds:.2f} s",
                    f"{sdk[0].seconds / run.seconds:.1f}x",
                    served,
                    _mib(run.peak_pss_bytes),
                )
            )

    body = stamp(f"python bench/apply.py --count {count} --runs {opts.runs}")
    body += (
        f"\n{count:,} generated valid manifests (the examples/ mix), one per file, against a "
        "local server with `--no-executor` (jobs stay `init`: the API and pfctl are measured, "
        "not the jobs). Wall times are whole processes, start-up included; `requests` is the "
        "server's own count of what it served during the run; `peak memory` the highest sum of "
        "the proportional set sizes (PSS) of the client's process tree (its checking workers "
        "included; the server not).\n\n"
        f"### No-op apply of {count:,} jobs\n\n"
        f"Every job already exists and matches. Baseline: a PaddleFlow SDK user's script (pfctl's "
        "compatible facade `Client(host, user, password, port)`: `login()`, then `yaml.safe_load` "
        f"and `show_job(id)` per manifest). Median of {opts.runs} runs each; `speed-up` is the "
        "script's wall time over each one's. pfctl runs twice: as it runs again on files it "
        "checked before (its manifest cache skips checking them again, every file is still "
        "read), and as the first run on these files (an empty manifest cache, as on a fresh "
        "clone in CI: every file is checked, and the cache written).\n\n"
    )
    body += table(["client", "wall", "speed-up", "requests", "peak memory"], noop_rows)
    body += (
        f"\n### Apply of {count:,} new jobs\n\nA fresh server for each parallelism "
        f"(`--parallelism N`); expected requests: 1 login + 1 list + 2 for the preflight (the "
        f"queue and flavour lists) + {count:,} creates.\n\n"
    )
    body += table(["parallelism", "wall", "jobs per second", "requests", "peak memory"], new_rows)
    print(body)
    preflight_body = stamp(f"python bench/apply.py --count {count} --runs {opts.runs}")
    noop_served = _median_run(pfctl_runs)[1]
    preflight_body += (
        "\nWhat the server preflight (docs/apply.md, Server preflight) costs. A plan without "
        f"creates or replaces sends no preflight request: the no-op apply of {count:,} jobs "
        f"(section Apply) served {noop_served} request{'s' if noop_served != 1 else ''} (the job "
        f"list; the token is cached). `pfctl apply` of {count:,} new jobs at parallelism "
        f"{PARALLELISM[-1]} served {new_rows[-1][3]:,}: 1 login, 1 job list, 2 for the "
        f"preflight, {count:,} creates.\n"
    )
    preflight_body += preflight_section(samples, diff, count)
    print(preflight_body)
    if not opts.no_write:
        if count == 1000:
            write_section("apply", "Apply", body)
            write_section("preflight", "Preflight", preflight_body)
        else:
            write_section(f"apply-{count}", f"Apply of {count:,} manifests", body)
            write_section(f"preflight-{count}", f"Preflight of {count:,} new jobs", preflight_body)
    return 0


if __name__ == "__main__":
    sys.exit(main())

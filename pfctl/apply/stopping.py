"""Stopping a job and waiting until it is final: what a replace and `pfctl delete --stop` do
before they delete it, narrated while it takes."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from pfctl.apply.model import STOPPING_STATUS
from pfctl.errors import PfctlError
from pfctl.spec.statuses import FINAL_STATUSES

if TYPE_CHECKING:
    from pfctl.apply.applier import ApplySettings, JobClient


def stop_until_final(
    client: JobClient, job_id: str, status: str | None, settings: ApplySettings
) -> str:
    """Stop ``job_id`` (last seen in ``status``) unless it is final or already stopping, and
    poll until it is final; what happened (``""`` when it was final already).

    Narrates through ``settings.on_note`` every ``note_interval`` seconds, and raises
    :class:`PfctlError` after ``stop_timeout`` seconds (the job is then left as it is).
    """
    status = status or ""
    if status in FINAL_STATUSES:
        return ""
    if status != STOPPING_STATUS:
        client.stop_job(job_id)
    started = time.monotonic()
    next_note = started + settings.note_interval
    while True:
        now_status = str(client.get_job(job_id).get("status") or "")
        now = time.monotonic()
        elapsed = now - started
        if now_status in FINAL_STATUSES:
            return f"stopped after {elapsed:.0f} s (was {status}, ended {now_status})"
        if settings.stop_timeout is not None and elapsed >= settings.stop_timeout:
            raise PfctlError(
                f"the job did not reach a final status within {settings.stop_timeout:g} s "
                f"of being stopped (still {now_status}); it was left as it is"
            )
        if settings.on_note is not None and now >= next_note:
            limit = (
                f" (giving up after {settings.stop_timeout:g} s)"
                if settings.stop_timeout is not None
                else ""
            )
            settings.on_note(
                f"still stopping {job_id} ({now_status}), {elapsed:.0f} s elapsed{limit}"
            )
            next_note = now + settings.note_interval
        time.sleep(settings.poll_interval)

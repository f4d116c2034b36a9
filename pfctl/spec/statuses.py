"""PaddleFlow's job statuses, which of them are final, and its status-transition rule
(``JobStatusTransition``). The one home of these for the client, the planner and the server."""

from __future__ import annotations

INIT = "init"
PENDING = "pending"
RUNNING = "running"
FAILED = "failed"
SUCCEEDED = "succeeded"
TERMINATING = "terminating"
TERMINATED = "terminated"
CANCELLED = "cancelled"
SKIPPED = "skipped"
PREEMPTING = "preempting"
PREEMPTED = "preempted"

ALL_STATUSES = (
    INIT,
    PENDING,
    RUNNING,
    FAILED,
    SUCCEEDED,
    TERMINATING,
    TERMINATED,
    CANCELLED,
    SKIPPED,
    PREEMPTING,
    PREEMPTED,
)
#: Statuses a job never leaves (PaddleFlow's ``IsImmutableJobStatus``).
FINAL_STATUSES = frozenset({SUCCEEDED, FAILED, TERMINATED, SKIPPED, CANCELLED, PREEMPTED})
#: Final statuses that mean the job did not do its work.
UNSUCCESSFUL_STATUSES = frozenset({FAILED, TERMINATED, CANCELLED, PREEMPTED})
#: Statuses in which PaddleFlow accepts a priority change (the job is not scheduled yet).
PRIORITY_MUTABLE_STATUSES = frozenset({INIT, PENDING})


def is_final(status: str) -> bool:
    """True for the statuses a job never leaves (PaddleFlow's ``IsImmutableJobStatus``)."""
    return status in FINAL_STATUSES


def transition(current: str, incoming: str, message: str) -> tuple[str, str]:
    """The (status, message) a job in ``current`` ends up in when ``incoming`` is written.

    A final status never changes; a ``terminating`` job stays terminating on ``running`` and
    becomes ``terminated`` on anything else; a ``preempting`` job becomes ``preempted`` on a final
    status and stays preempting otherwise.
    """
    if is_final(current):
        return current, ""
    if current == TERMINATING:
        if incoming == RUNNING:
            return TERMINATING, "job is terminating"
        return TERMINATED, "job is terminated"
    if current == PREEMPTING:
        if is_final(incoming):
            return PREEMPTED, message
        return PREEMPTING, message
    return incoming, message

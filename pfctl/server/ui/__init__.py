"""The web view of the local server: read-only pages under ``/ui/``, served by the same process.

Pages (``pages``): the overview (queues with capacity bars, job counts, recent failures), the job
list (the filters of ``pfctl job list`` plus a text search, marker paging), a job (its spec as
YAML with secrets masked, replicas, events, pending reason, logs) and a queue's timeline (a Gantt
chart of the last hour, drawn server-side as SVG). Stopping a job is the only write.

Sign-in uses the API's login (``routes.users.login``); the token lives in an HttpOnly,
SameSite=Strict cookie checked on every request (``session``). Templates are Jinja2 with
autoescaping (``templating``); the little JavaScript there is ships as static files under a
strict Content-Security-Policy. docs/ui.md tells the whole design.
"""

from __future__ import annotations

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    """The web view's routes, added to the app after the API's."""
    from pfctl.server.ui.pages import ui_routes

    return ui_routes()

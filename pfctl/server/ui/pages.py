"""The web view's endpoints: sign-in, the four pages, a log's continuation and the stop action.

Every page but the sign-in form and the static files needs a valid session (``session``): a page
request without one is sent to the sign-in form, a script's request gets 401. Handlers run in
Starlette's thread pool (SQLite is synchronous). A job the caller may not see is answered exactly
as a missing job: the same 404 page.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from pfctl.server.apierrors import ApiError
from pfctl.server.endpoint import Call
from pfctl.server.state import ServerState
from pfctl.server.ui import jobpage, queries, session
from pfctl.server.ui.templating import STATIC, page
from pfctl.server.ui.timeline import timeline
from pfctl.spec import statuses
from pfctl.spec.rules import DEFAULT_QUEUE

#: A script's request for the live parts of a page (the page skips what scripts do not replace).
LIVE_HEADER = "x-pfctl-live"
#: Seconds between two refreshes of a page's live parts (data-refresh of the page).
REFRESH_SECONDS = 2


@dataclass
class Visit:
    """A signed-in request."""

    request: Request
    state: ServerState
    user: str
    token: str
    form: Mapping[str, str]

    @property
    def live(self) -> bool:
        """The page's script asks only for the live parts."""
        return self.request.headers.get(LIVE_HEADER) == "1"

    def context(self, **values: Any) -> dict[str, Any]:
        """The template context every page has, plus ``values``."""
        return {
            "user": self.user,
            "csrf": session.csrf_token(self.state, self.token),
            "live": self.live,
            "refresh": REFRESH_SECONDS,
            "path": self.request.url.path,
            **values,
        }


PageHandler = Callable[[Visit], Response]


def _form(body: bytes) -> dict[str, str]:
    fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {key: values[0] for key, values in fields.items()}


def _signed_in(handler: PageHandler) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        state: ServerState = request.app.state.pf
        token = session.session_token(request)
        form = _form(await request.body()) if request.method == "POST" else {}

        def work() -> Response:
            user = session.user_for(state, token)
            if user is None:
                return _sign_in_first(request)
            if request.method == "POST" and not (
                session.same_origin(request) and session.csrf_ok(state, token, form.get("csrf", ""))
            ):
                return _message_page(403, "Refused", "This form has expired: reload the page.")
            return handler(Visit(request, state, user, token, form))

        return await run_in_threadpool(work)

    run.__name__ = handler.__name__
    return run


def _sign_in_first(request: Request) -> Response:
    if (
        request.method != "GET"
        or request.headers.get(LIVE_HEADER)
        or request.url.path.endswith("/log")
    ):
        return session.secure(Response("signed out", status_code=401, media_type="text/plain"))
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return _redirect(f"/ui/login?{urlencode({'next': target})}")


def _redirect(location: str) -> Response:
    return session.secure(RedirectResponse(location, status_code=303))


def _bare(**values: Any) -> dict[str, Any]:
    """The context of a page shown to someone not signed in."""
    return {"user": "", "csrf": "", "live": False, "path": "", **values}


def _message_page(status: int, title: str, message: str) -> Response:
    return page("message.html", _bare(title=title, message=message), status)


def _not_found(visit: Visit) -> Response:
    return page(
        "message.html",
        visit.context(title="Not found", message="There is no such page or job."),
        404,
    )


def _safe_next(target: str) -> str:
    """Only a path of the web view (never another site) to go to after signing in."""
    if target.startswith("/ui/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/ui/"


# -- sign-in -------------------------------------------------------------------------------------


async def login_form(request: Request) -> Response:
    """The sign-in form."""
    target = _safe_next(request.query_params.get("next", "/ui/"))
    return page("login.html", _bare(title="Sign in", next=target, error="", name=""))


async def login_submit(request: Request) -> Response:
    """Sign in with the API's login rule; the token goes into the session cookie."""
    from pfctl.server.routes.users import login

    state: ServerState = request.app.state.pf
    form = _form(await request.body())
    target = _safe_next(form.get("next", "/ui/"))
    name = form.get("username", "")
    if not session.same_origin(request):
        return _message_page(403, "Refused", "Sign in from this server's own page.")
    call = Call(
        state=state,
        request_id=request.scope.get("pf_request_id", ""),
        method="POST",
        user_name="",
        path_params={},
        query={},
        body=json.dumps({"username": name, "password": form.get("password", "")}).encode(),
    )
    try:
        answer = await run_in_threadpool(login, call)
    except ApiError as exc:
        reason = (
            "wrong user name or password"
            if exc.code in ("UserNotExist", "AuthFailed")
            else (exc.message or exc.code)
        )
        context = _bare(title="Sign in", next=target, error=reason, name=name)
        return page("login.html", context, 401)
    response = _redirect(target)
    session.set_session(response, answer["authorization"], state.config.token_lifetime_seconds)
    return response


def logout(visit: Visit) -> Response:
    """Sign out: the session's token is forgotten by this browser."""
    response = _redirect("/ui/login")
    session.clear_session(response)
    return response


# -- the pages -----------------------------------------------------------------------------------


def overview(visit: Visit) -> Response:
    """Queues with their capacity bars and job counts; the most recent failures."""
    cards = queries.queue_cards(visit.state, visit.user)
    failures = queries.recent_failures(visit.state, visit.user)
    context = visit.context(
        title="Overview", cards=cards, failures=failures, counted=queries.COUNTED
    )
    return page("overview.html", context)


def jobs(visit: Visit) -> Response:
    """The job list: filters, a text search, marker paging."""
    query = queries.JobQuery.from_params(visit.request.query_params)
    error = ""
    try:
        found = queries.job_page(visit.state, visit.user, query)
    except queries.QueryRefused as exc:
        found, error = queries.JobPage([], None), str(exc)
    next_url = ""
    if found.next_marker:
        next_url = "/ui/jobs?" + urlencode(query.params(marker=found.next_marker))
    first_url = "/ui/jobs?" + urlencode(query.params(marker="")) if query.marker else ""
    queues = queries.queue_names(visit.state, visit.user)
    context = visit.context(
        title="Jobs",
        query=query,
        jobs=found.jobs,
        error=error,
        next_url=next_url,
        first_url=first_url,
        all_statuses=statuses.ALL_STATUSES,
        queues=queues,
        show_owner=queries.owner_filter(visit.user) is None,
    )
    return page("jobs.html", context)


def job(visit: Visit) -> Response:
    """One job: status, pending reason, replicas, events, logs and spec."""
    record = jobpage.visible_job(visit.state, visit.user, visit.request.path_params["job_id"])
    if record is None:
        return _not_found(visit)
    context = visit.context(
        title=record.name or record.id,
        job=record,
        final=statuses.is_final(record.status),
        reason=jobpage.pending_reason(record),
        replicas=jobpage.replicas(record),
        events=jobpage.job_events(visit.state, record),
        logs=[] if visit.live else jobpage.log_tails(visit.state, record),
        spec="" if visit.live else jobpage.spec_yaml(record),
        log_url=f"/ui/jobs/{quote(record.id, safe='')}/log",
    )
    return page("job.html", context)


def job_log(visit: Visit) -> Response:
    """A log's continuation from a byte offset, as JSON, for the job page's script."""
    record = jobpage.visible_job(visit.state, visit.user, visit.request.path_params["job_id"])
    params = visit.request.query_params
    try:
        offset = int(params.get("offset", "0"))
    except ValueError:
        offset = 0
    if record is None:
        return session.secure(Response("not found", status_code=404, media_type="text/plain"))
    answer = jobpage.log_after(visit.state, record, params.get("task", ""), offset)
    body = json.dumps(answer).encode()
    return session.secure(Response(body, media_type="application/json"))


def stop_confirm(visit: Visit) -> Response:
    """Ask before stopping (the only write of the web view)."""
    record = jobpage.visible_job(visit.state, visit.user, visit.request.path_params["job_id"])
    if record is None:
        return _not_found(visit)
    return page("stop.html", visit.context(title=f"Stop {record.id}", job=record, error=""))


def stop(visit: Visit) -> Response:
    """Stop the job as ``PUT /job/{id}?action=stop`` does, then show it."""
    from pfctl.server.routes.jobs import put_job

    job_id = visit.request.path_params["job_id"]
    record = jobpage.visible_job(visit.state, visit.user, job_id)
    if record is None:
        return _not_found(visit)
    call = Call(
        state=visit.state,
        request_id=visit.request.scope.get("pf_request_id", ""),
        method="PUT",
        user_name=visit.user,
        path_params={"jobID": job_id},
        query={"action": "stop"},
        body=b"",
    )
    try:
        put_job(call)
    except ApiError as exc:
        context = visit.context(title=f"Stop {job_id}", job=record, error=exc.message or exc.code)
        return page("stop.html", context, 409)
    return _redirect(f"/ui/jobs/{quote(job_id, safe='')}")


def timeline_page(visit: Visit) -> Response:
    """A queue's last hour as a Gantt chart."""
    names = queries.queue_names(visit.state, visit.user)
    if not names:
        message = "No queue to show: none is granted to you and none holds a job of yours."
        return page("message.html", visit.context(title="Timeline", message=message))
    queue = visit.request.query_params.get("queue") or (
        DEFAULT_QUEUE if DEFAULT_QUEUE in names else names[0]
    )
    if queue not in names:
        return _not_found(visit)
    chart = timeline(visit.state, visit.user, queue)
    return page(
        "timeline.html", visit.context(title=f"Timeline of {queue}", chart=chart, queues=names)
    )


def not_found(visit: Visit) -> Response:
    """Any other path under /ui/."""
    return _not_found(visit)


class _Static(StaticFiles):
    """The static files, with the security headers."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(session.SECURITY_HEADERS)
        response.headers["cache-control"] = "no-cache"
        return response


async def _to_overview(request: Request) -> Response:
    return _redirect("/ui/")


def ui_routes() -> list[BaseRoute]:
    """The routes of the web view (all under ``/ui``)."""
    return [
        Route("/ui", _to_overview, methods=["GET"]),
        Route("/ui/", _signed_in(overview), methods=["GET"]),
        Route("/ui/login", login_form, methods=["GET"]),
        Route("/ui/login", login_submit, methods=["POST"]),
        Route("/ui/logout", _signed_in(logout), methods=["POST"]),
        Route("/ui/jobs", _signed_in(jobs), methods=["GET"]),
        Route("/ui/jobs/{job_id}", _signed_in(job), methods=["GET"]),
        Route("/ui/jobs/{job_id}/log", _signed_in(job_log), methods=["GET"]),
        Route("/ui/jobs/{job_id}/stop", _signed_in(stop_confirm), methods=["GET"]),
        Route("/ui/jobs/{job_id}/stop", _signed_in(stop), methods=["POST"]),
        Route("/ui/timeline", _signed_in(timeline_page), methods=["GET"]),
        Mount("/ui/static", app=_Static(directory=STATIC), name="ui-static"),
        Route("/ui/{rest:path}", _signed_in(not_found), methods=["GET"]),
    ]

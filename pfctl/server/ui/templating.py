"""Rendering the web view's pages: one Jinja2 environment with autoescaping for every template.

Every value a template shows is escaped (job names, labels, messages and log lines are user
input), so a job named ``<script>`` shows as text. Templates and static files live beside this
module and ship inside the wheel.
"""

from __future__ import annotations

import functools
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.responses import HTMLResponse, Response

from pfctl.server.ui.session import secure

if TYPE_CHECKING:
    import jinja2

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def clock(epoch_seconds: float | None) -> str:
    """A stored time as the CLI shows it (``YYYY-MM-DD HH:MM:SS``, local), "" when unset."""
    if epoch_seconds is None:
        return ""
    return datetime.fromtimestamp(epoch_seconds).strftime("%Y-%m-%d %H:%M:%S")


def short_clock(epoch_seconds: float | None) -> str:
    """A stored time without the year and the zone (``12-04 21:10:03``), for narrow tables."""
    if epoch_seconds is None:
        return ""
    return datetime.fromtimestamp(epoch_seconds).strftime("%m-%d %H:%M:%S")


def duration(seconds: float | None) -> str:
    """``1h02m``, ``3m05s``, ``12s`` ("" when unknown)."""
    if seconds is None:
        return ""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The templates' environment (built once: Jinja2 compiles each template once)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # every template, whatever its name: values are always escaped
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["clock"] = clock
    env.filters["short_clock"] = short_clock
    env.filters["duration"] = duration
    return env


def render(template: str, context: dict[str, Any]) -> str:
    """``template`` rendered with ``context``."""
    return environment().get_template(template).render(**context)


def page(template: str, context: dict[str, Any], status: int = 200) -> Response:
    """An HTML answer of ``template``, with the security headers."""
    return secure(HTMLResponse(render(template, context), status_code=status))

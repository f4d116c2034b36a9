"""``pfctl server run``: serve in this process until SIGINT/SIGTERM.

In order: the log (``serverlog``), the data directory and database checks (a damaged database
fails here, as one line), the listening socket (bound before uvicorn starts, so that a busy port is
reported as such instead of as a uvicorn traceback), the pid file, then uvicorn with the bounds
of ``connections`` on every connection.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from pathlib import Path

from pfctl.errors import PfctlError
from pfctl.server.daemon.process import DEFAULT_OPTIONS, PID_FILE, ServeOptions, ServerInfo, bind


def run_foreground(
    host: str,
    port: int,
    data_dir: Path,
    options: ServeOptions = DEFAULT_OPTIONS,
    *,
    log_file: Path | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM; records the pid file while running.

    ``options.executor=False`` serves the API only (jobs stay ``init``); ``log_file`` takes the
    process's output (bounded, see ``serverlog``); ``on_ready`` is called with the base URL once
    the socket listens.
    """
    import uvicorn

    from pfctl.server.app import create_app, default_runtime_factory, no_executor_factory
    from pfctl.server.daemon.connections import (
        DEFAULT_REQUEST_TIMEOUT_SECONDS,
        ConnectionLimits,
        ListeningServer,
        accept_batch,
        default_max_connections,
        guarded_protocol,
    )
    from pfctl.server.daemon.serverlog import configure_logging
    from pfctl.server.state import ServerConfig
    from pfctl.server.store.database import Database

    repeats = configure_logging(log_file)
    Database(data_dir).close()  # a database this pfctl cannot use fails here, cleanly
    limits = ConnectionLimits(
        request_timeout=options.request_timeout_seconds or DEFAULT_REQUEST_TIMEOUT_SECONDS,
        max_connections=options.max_connections or default_max_connections(),
    )
    sock = bind(host, port)
    actual_port = sock.getsockname()[1]
    config = ServerConfig(
        data_dir=data_dir,
        token_lifetime_seconds=options.token_lifetime_seconds,
        require_queue_grants=options.require_queue_grants,
    )
    app = create_app(config, default_runtime_factory if options.executor else no_executor_factory)
    pid_path = data_dir / PID_FILE
    info = {"pid": os.getpid(), "host": host, "port": actual_port}
    try:
        pid_path.write_text(json.dumps(info))
    except OSError as exc:
        sock.close()
        raise PfctlError(f"cannot write the pid file {pid_path}: {exc.strerror}") from exc

    def shut_down() -> None:
        repeats.flush()
        with contextlib.suppress(OSError, ValueError):
            if json.loads(pid_path.read_text()).get("pid") == os.getpid():
                pid_path.unlink()

    try:
        server = ListeningServer(
            uvicorn.Config(
                app,
                http=guarded_protocol(limits),
                backlog=accept_batch(limits),
                log_config=None,  # serverlog's handler, not uvicorn's
                log_level="warning",
                lifespan="on",
                access_log=False,
            ),
            on_shutdown=shut_down,
        )
        if on_ready is not None:
            on_ready(ServerInfo(0, host, actual_port).url)
        server.run(sockets=[sock])
    finally:
        sock.close()
        shut_down()

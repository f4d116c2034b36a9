"""Runs the real server with the local runtime plugged in, for tests of the runtime.

``python tests/server/runtime/serve.py DATA_DIR GRACE_SECONDS RESERVE_AFTER_SECONDS`` serves on a
free loopback port and writes ``{"pid", "port"}`` to ``DATA_DIR/runtime-test-server.json`` once it
listens. (Independent of how ``pfctl server run`` chooses its runtime.)
"""

from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path


def main() -> None:
    import uvicorn

    from pfctl.server.app import create_app
    from pfctl.server.runtime.runner import LocalRuntime
    from pfctl.server.state import ServerConfig

    data_dir = Path(sys.argv[1])
    grace_seconds = float(sys.argv[2])
    reserve_after_seconds = float(sys.argv[3])
    data_dir.mkdir(parents=True, exist_ok=True)

    def factory(store, directory):  # type: ignore[no-untyped-def]
        return LocalRuntime(
            store,
            directory,
            grace_seconds=grace_seconds,
            reserve_after_seconds=reserve_after_seconds,
            tick_seconds=0.2,
        )

    app = create_app(ServerConfig(data_dir=data_dir), runtime_factory=factory)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    info = {"pid": os.getpid(), "port": sock.getsockname()[1]}
    (data_dir / "runtime-test-server.json").write_text(json.dumps(info))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()

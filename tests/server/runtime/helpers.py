"""The runtime tests' names for shared helpers (their home is ``tests.helpers``):
``RuntimeServer`` and ``launch_runtime_server`` (``tests/server/runtime/serve.py`` as a subprocess
with a root session: ``create``, ``job``, ``wait_status``, ``call``, ``kill()`` = SIGKILL,
``stop()`` = SIGTERM and wait; the ``runtime_server`` fixture of ``tests/server/conftest.py`` wraps
it), ``process_running``, ``FINAL``, ``PREFIX``, and ``single(command, **extra)``: a single-job
body on the default queue with flavour1 (``tests.helpers.jobs.single_body``).
"""

from __future__ import annotations

from tests.helpers.api import FINAL, PREFIX
from tests.helpers.jobs import single_body as single
from tests.helpers.server import RuntimeServer, launch_runtime_server, process_running

__all__ = [
    "FINAL",
    "PREFIX",
    "RuntimeServer",
    "launch_runtime_server",
    "process_running",
    "single",
]

"""The list of command modules; each exposes ``register(app)`` and imports only light modules."""

from __future__ import annotations

from collections.abc import Callable

import typer

from pfctl.cli import (
    apply_cmd,
    config_cmd,
    delete_cmd,
    diff_cmd,
    flavour_cmd,
    job_cmd,
    queue_cmd,
    schema_cmd,
    server_cmd,
    validate_cmd,
    version_cmd,
)

REGISTRARS: list[Callable[[typer.Typer], None]] = [
    validate_cmd.register,
    diff_cmd.register,
    apply_cmd.register,
    delete_cmd.register,
    job_cmd.register,
    queue_cmd.register,
    flavour_cmd.register,
    server_cmd.register,
    config_cmd.register,
    schema_cmd.register,
    version_cmd.register,
]

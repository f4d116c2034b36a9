"""Where the runtime keeps things under the server's data directory.

::

    <data_dir>/runtime/groups/<job-id>.json     process groups of running jobs (crash cleanup)
    <data_dir>/jobs/<pk>-<job-id>/work/         the working directory of a job with no fs
    <data_dir>/jobs/<pk>-<job-id>/logs/*.log    one log per replica or workflow node
    <data_dir>/fs/<fs-id>/<subPath>/            a PaddleFlow file system (fs, extraFS)

The store's row number (``pk``) is part of a job's folder so that a job deleted and created
again under the same id starts with empty logs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-\[\]]")


def groups_dir(data_dir: Path) -> Path:
    """The folder of per-job process-group records."""
    return data_dir / "runtime" / "groups"


def job_dir(data_dir: Path, pk: int, job_id: str) -> Path:
    """The folder of one job (one incarnation of its id)."""
    return data_dir / "jobs" / f"{pk}-{safe_name(job_id)}"


def logs_dir(data_dir: Path, pk: int, job_id: str) -> Path:
    """The folder of a job's log files."""
    return job_dir(data_dir, pk, job_id) / "logs"


def log_file(data_dir: Path, pk: int, job_id: str, task_name: str) -> Path:
    """The log of one replica (``worker-0``) or workflow node (``wf[0].step``)."""
    return logs_dir(data_dir, pk, job_id) / f"{safe_name(task_name)}.log"


def safe_name(name: str) -> str:
    """``name`` usable as one path component."""
    cleaned = _UNSAFE.sub("_", name).lstrip(".")
    return cleaned or "_"


def fs_id(fs: Mapping[str, Any], user_name: str) -> str:
    """PaddleFlow's file-system id: the given ``id``, else ``fs-<user>-<name>``."""
    return str(fs.get("id") or f"fs-{user_name}-{fs.get('name', '')}")


def fs_root(data_dir: Path, fs: Mapping[str, Any], user_name: str) -> Path:
    """The host folder of a whole file system (``<data_dir>/fs/<fs-id>``)."""
    return data_dir / "fs" / safe_name(fs_id(fs, user_name))


def sub_path_parts(fs: Mapping[str, Any]) -> list[str]:
    """The folders of a file system's ``subPath``, each one safe path component."""
    parts = Path(str(fs.get("subPath") or "")).parts
    return [safe_name(part) for part in parts if part not in ("/", "..", ".")]


def fs_folder(data_dir: Path, fs: Mapping[str, Any], user_name: str) -> Path:
    """The host folder standing for a file system, ``subPath`` included."""
    return fs_root(data_dir, fs, user_name).joinpath(*sub_path_parts(fs))


def file_systems(spec: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """``fs`` (when named) then every ``extraFS`` entry, as PaddleFlow's GetAllFileSystem."""
    found: list[Mapping[str, Any]] = []
    fs = spec.get("fs")
    if isinstance(fs, Mapping) and fs.get("name"):
        found.append(fs)
    found.extend(item for item in spec.get("extraFS") or [] if isinstance(item, Mapping))
    return found

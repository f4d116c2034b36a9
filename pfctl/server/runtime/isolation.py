"""Which OS user runs a job, and the file modes that keep one user's jobs from another's data.

A server running as root runs the jobs of every PaddleFlow user but ``root`` as a dedicated
unprivileged OS user: uid = gid = ``JOB_UID_BASE`` + the user's number in the database, with no
supplementary groups. Then:

- the data directory is ``0711`` (others may pass through, not list it); its files (the
  database, the pid file, the server's log) are ``0600`` and its other folders ``0700``;
  ``jobs/`` and ``fs/`` are ``0711``;
- a job's folder ``jobs/<pk>-<id>/`` is ``0750`` owned by root with the job's group: its
  ``logs/`` stay ``0700`` root's (the server opens the log files and hands them to the
  processes), ``work/`` (its working directory and ``HOME``) is ``0700`` and the job's own,
  ``scripts/`` is readable by the job and written only by the server;
- a file system folder ``fs/<fs-id>`` belongs to the user whose job made it first (``0700``);
  another user's job naming it is refused, and a user names only ``fs-<own name>-...`` ids.

Root's jobs run as the server's own user, as before. When the server cannot run jobs as other
users (it does not run as root, or others cannot reach the data directory), only root's jobs
run, unless it was started with ``--allow-shared-jobs`` (``PFCTL_ALLOW_SHARED_JOBS=1``): then
every job runs as the server's user, without isolation.
"""

from __future__ import annotations

import contextlib
import grp
import logging
import os
import pwd
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pfctl.server.runtime import layout
from pfctl.server.store.accounts import is_root

logger = logging.getLogger("pfctl.server")

JOB_UID_BASE = 200_000
ALLOW_SHARED_ENV = "PFCTL_ALLOW_SHARED_JOBS"
SEPARATE_USERS = "separate-users"
ROOT_ONLY = "root-only"
SHARED = "shared"
_PASSABLE = ("jobs", "fs")
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


class JobRefused(Exception):
    """The server will not run this job; the message says why."""


@dataclass(frozen=True)
class JobUser:
    """The OS user a job's processes run as (other than the server's own)."""

    uid: int
    gid: int
    home: Path


def allow_shared_from_environment() -> bool:
    """Whether ``PFCTL_ALLOW_SHARED_JOBS`` asks to run every user's jobs without isolation."""
    return os.environ.get(ALLOW_SHARED_ENV, "").strip().lower() in ("1", "true", "yes")


class IsolationPolicy:
    """How a server keeps users' jobs apart (see the module's docstring)."""

    def __init__(
        self,
        data_dir: Path,
        user_number: Callable[[str], int | None],
        *,
        allow_shared: bool = False,
        server_uid: int | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.server_uid = os.geteuid() if server_uid is None else server_uid
        self._user_number = user_number
        self.obstacle = self._obstacle()
        if not self.obstacle:
            self.mode = SEPARATE_USERS
        else:
            self.mode = SHARED if allow_shared else ROOT_ONLY

    @classmethod
    def disabled(cls, data_dir: Path) -> IsolationPolicy:
        """Every job runs as the server's user, as when started with ``--allow-shared-jobs``."""
        policy = cls(data_dir, lambda _name: None, allow_shared=True)
        policy.mode = SHARED
        policy.obstacle = policy.obstacle or "isolation was not asked for"
        return policy

    def _obstacle(self) -> str:
        """Why jobs cannot run as separate OS users here, or "" when they can."""
        if self.server_uid != 0:
            return (
                f"the server runs as uid {self.server_uid}, not as root, so it cannot run "
                "jobs as other OS users"
            )
        for parent in self.data_dir.parents:
            try:
                mode = parent.stat().st_mode
            except OSError:
                continue
            if not mode & stat.S_IXOTH:
                return (
                    f"{parent} (above the data directory) is closed to other users (mode "
                    f"{stat.S_IMODE(mode):04o}), so jobs running as their own OS users could "
                    "not reach their folders; use a --data-dir others may pass through"
                )
        return ""

    def describe(self) -> str:
        """One line for the server's start: how jobs are kept apart, or why they are not."""
        if self.mode == SEPARATE_USERS:
            return (
                "jobs of users other than root run as their own OS users "
                f"(uid {JOB_UID_BASE} + the user's number); root's jobs run as the server's"
            )
        if self.mode == SHARED:
            return (
                "every user's jobs run as the server's OS user, without isolation "
                f"(--allow-shared-jobs): {self.obstacle}"
            )
        return (
            f"only root's jobs run: {self.obstacle}. Other users' jobs would run as the "
            "server's OS user and could read each other's and the server's files; start the "
            "server with --allow-shared-jobs to run them anyway"
        )

    def start(self) -> None:
        """Set the data directory's modes and say how jobs are isolated."""
        layout.groups_dir(self.data_dir).mkdir(parents=True, exist_ok=True)
        self._secure_top()
        for name in _PASSABLE:
            with contextlib.suppress(OSError):
                for entry in os.scandir(self.data_dir / name):
                    if entry.is_dir(follow_symlinks=False) and _owner(entry) == self.server_uid:
                        _chmod(Path(entry.path), 0o700)  # old jobs' folders, root's file systems
        level = logging.INFO if self.mode == SEPARATE_USERS else logging.WARNING
        logger.log(level, "pfctl server: %s", self.describe())

    def _secure_top(self) -> None:
        separate = self.mode == SEPARATE_USERS
        _chmod(self.data_dir, 0o711 if separate else 0o700)
        with contextlib.suppress(OSError):
            for entry in os.scandir(self.data_dir):
                path = Path(entry.path)
                if entry.is_symlink():
                    continue
                if entry.is_dir():
                    _chmod(path, 0o711 if separate and entry.name in _PASSABLE else 0o700)
                else:
                    _chmod(path, 0o600)

    # -- per job -------------------------------------------------------------------------------

    def job_user(self, user_name: str, job_dir: Path) -> JobUser | None:
        """Who runs a job of ``user_name``: None for the server's own user; JobRefused when the
        job may not run here."""
        if is_root(user_name) or self.mode == SHARED:
            return None
        if self.mode == ROOT_ONLY:
            raise JobRefused(
                f"this server runs only root's jobs: {self.obstacle} (start it with "
                "--allow-shared-jobs to run every user's jobs without isolation)"
            )
        number = self._user_number(user_name)
        if number is None:
            raise JobRefused(f"its user {user_name} no longer exists")
        uid = JOB_UID_BASE + number
        for taken, kind in ((_account(uid), "user"), (_group(uid), "group")):
            if taken:
                raise JobRefused(
                    f"uid {uid} for user {user_name} is already the host's {kind} {taken}"
                )
        return JobUser(uid, uid, job_dir / "work")

    def prepare_job_dir(self, job_dir: Path, user: JobUser | None) -> None:
        """Modes and owners of a job's folder (its ``logs/`` exists) before it runs."""
        self._secure_top()
        if user is None:
            _chmod(job_dir, 0o700)
            return
        os.chown(job_dir, -1, user.gid, follow_symlinks=False)
        _chmod(job_dir, 0o750)
        _chmod(job_dir / "logs", 0o700)
        work = job_dir / "work"
        work.mkdir(exist_ok=True)
        os.chown(work, user.uid, user.gid, follow_symlinks=False)
        _chmod(work, 0o700)
        scripts = job_dir / "scripts"
        scripts.mkdir(exist_ok=True)
        os.chown(scripts, -1, user.gid, follow_symlinks=False)
        _chmod(scripts, 0o750)

    def fs_folder(self, fs: Mapping[str, Any], user_name: str, user: JobUser | None) -> Path:
        """Make the folder of a file system (``subPath`` included) for a job; its path.

        For a job running as its own user the folder must be that user's: it is made theirs
        when new, and a folder of another user (or a link) refuses the job.
        """
        root = layout.fs_root(self.data_dir, fs, user_name)
        parts = layout.sub_path_parts(fs)
        root.parent.mkdir(parents=True, exist_ok=True)
        if user is None:
            new = not root.exists()
            root.joinpath(*parts).mkdir(parents=True, exist_ok=True)
            if new:
                _chmod(root, 0o700)
            return root.joinpath(*parts)
        fs_id = layout.fs_id(fs, user_name)
        if not fs_id.lower().startswith(f"fs-{user_name.lower()}-"):
            raise JobRefused(
                f"file system {fs_id} is not one of {user_name}'s (its id must start with "
                f"fs-{user_name}-)"
            )
        _make_owned(root, parts, user, fs_id)
        return root.joinpath(*parts)


def _make_owned(root: Path, parts: list[str], user: JobUser, fs_id: str) -> None:
    """Create or enter ``root``/``parts`` one folder at a time without following links, owned
    by ``user`` (folders are opened, checked and changed through descriptors)."""
    handle = os.open(root.parent, _DIR_FLAGS)
    try:
        path = root.parent
        for name in [root.name, *parts]:
            path = path / name
            created = False
            with contextlib.suppress(FileExistsError):
                os.mkdir(name, 0o700, dir_fd=handle)
                created = True
            try:
                child = os.open(name, _DIR_FLAGS, dir_fd=handle)
            except OSError as error:
                raise JobRefused(f"{path} is not a folder ({error.strerror})") from error
            os.close(handle)
            handle = child
            owner = os.fstat(handle).st_uid
            if created and owner != user.uid:
                os.fchown(handle, user.uid, user.gid)
            elif not created and owner != user.uid:
                raise JobRefused(f"file system {fs_id} belongs to another user ({path})")
    finally:
        os.close(handle)


def _owner(entry: os.DirEntry[str]) -> int:
    try:
        return entry.stat(follow_symlinks=False).st_uid
    except OSError:
        return -1


def _chmod(path: Path, mode: int) -> None:
    """Set ``path``'s mode (never through a link: links are left alone)."""
    with contextlib.suppress(OSError):
        current = path.lstat().st_mode
        if not stat.S_ISLNK(current) and stat.S_IMODE(current) != mode:
            os.chmod(path, mode)


def _account(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return ""


def _group(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return ""

"""PaddleFlow's job-create rules that need no database (PADDLEFLOW_API.md §7).

``check_create_body`` returns every violation, in the order PaddleFlow checks them, so that the
first one is the error a real server would return. Messages are PaddleFlow's own words,
misspellings included, because a compatible server returns them verbatim. The body is the wire
body as the SDK sends it; values of the wrong JSON type are skipped here (the schema reports them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeGuard

from pfctl.spec import limits
from pfctl.spec.fields import COMMON_KEYS, JOBSPEC_KEYS, ignored_keys
from pfctl.spec.limits import GO_INT_MAX, MAX_REPLICAS, Finding
from pfctl.spec.paths import Path
from pfctl.spec.quantity import parse_quantity

__all__ = [
    "COMMON_KEYS",
    "CREATE_PRIORITIES",
    "CUSTOM_FLAVOURS",
    "DEFAULT_PRIORITY",
    "DEFAULT_QUEUE",
    "FRAMEWORKS",
    "FRAMEWORK_ROLES",
    "JOBSPEC_KEYS",
    "JOB_ID_MAX_LENGTH",
    "JOB_NAME_MAX_BYTES",
    "JOB_TYPES",
    "MAX_REPLICAS",
    "UPDATE_PRIORITIES",
    "RuleViolation",
    "check_create_body",
    "check_job_id",
    "job_mode",
    "priority_rank",
]

# What counts as a JSON object: dict first, as checking the Mapping ABC is much slower.
_MAPPINGS = (dict, Mapping)


@dataclass(frozen=True)
class RuleViolation:
    """One broken rule: where in the create body, and PaddleFlow's error text."""

    path: Path
    message: str
    at_key: bool = False
    """True when the key at ``path`` is at fault (an env name), not its value."""


#: The frameworks of distributed jobs.
FRAMEWORKS: frozenset[str] = frozenset(
    {"paddle", "tensorflow", "pytorch", "mxnet", "spark", "mpi", "ray", "aitj"}
)
_PS_FRAMEWORKS = frozenset({"paddle", "tensorflow", "pytorch", "mxnet", "aitj"})
#: The member roles each framework accepts ("standalone" is the single job's framework).
FRAMEWORK_ROLES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        **{name: frozenset({"pserver", "master", "worker"}) for name in sorted(_PS_FRAMEWORKS)},
        "spark": frozenset({"driver", "executor"}),
        "mpi": frozenset({"master", "worker"}),
        "ray": frozenset({"master", "worker"}),
        "standalone": frozenset({"worker"}),
    }
)
#: The job types, each created through its own route (``POST /job/{type}``).
JOB_TYPES = ("single", "distributed", "workflow")
CREATE_PRIORITIES = ("LOW", "NORMAL", "HIGH")
UPDATE_PRIORITIES = ("VERY_LOW", "LOW", "NORMAL", "HIGH", "VERY_HIGH")
#: pfctl's id limit: DNS-1123 allows 63 characters, PaddleFlow's database column holds 60.
JOB_ID_MAX_LENGTH = 60
JOB_NAME_MAX_BYTES = 512
DEFAULT_QUEUE = "default-queue"
#: The priority of a job that names none.
DEFAULT_PRIORITY = "NORMAL"


def priority_rank(priority: str | None) -> int:
    """0 for VERY_HIGH .. 4 for VERY_LOW (case-insensitive; unknown or empty is NORMAL): a
    queue ordered by priority serves the lowest rank first."""
    normalized = (priority or DEFAULT_PRIORITY).upper()
    if normalized not in UPDATE_PRIORITIES:
        normalized = DEFAULT_PRIORITY
    # UPDATE_PRIORITIES runs from the lowest.
    return len(UPDATE_PRIORITIES) - 1 - UPDATE_PRIORITIES.index(normalized)


_PORT_LIMIT = 65535
#: Flavour names that mean "the cpu and mem given here", not a flavour stored on the server.
CUSTOM_FLAVOURS = ("", "customFlavour")
_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_DNS1123_MESSAGE = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character "
    "(regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
_QUANTITY_FORMAT_MESSAGE = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)


def check_job_id(job_id: str) -> str | None:
    """PaddleFlow's error text for an invalid job id, or None when the id is valid."""
    problems = []
    if len(job_id) > JOB_ID_MAX_LENGTH:
        problems.append(f"must be no more than {JOB_ID_MAX_LENGTH} characters")
    if not _DNS1123_LABEL.fullmatch(job_id):
        if _DNS1123_SUBDOMAIN.fullmatch(job_id):
            problems.append("must not contain dots")
        else:
            problems.append(_DNS1123_MESSAGE)
    if not problems:
        return None
    return f"ID[{job_id}] of Job is invalid, err: {','.join(problems)}"


def job_mode(framework: str, members: Sequence[Mapping[str, Any]]) -> str:
    """PaddleFlow's ``PF_JOB_MODE`` for these members: ``"PS"``, ``"Collective"`` or ``""``."""
    if framework == "spark":
        return "PS"
    if framework not in _PS_FRAMEWORKS:
        return ""
    counts = _role_counts(members, alias_pworker=True)
    if counts.get("pserver", 0) > 0 or counts.get("master", 0) > 0:
        return "PS"
    return "Collective"


def check_create_body(job_type: str, body: Mapping[str, Any]) -> list[RuleViolation]:
    """Every create rule of PaddleFlow that ``body`` breaks, first the one PaddleFlow reports.

    ``job_type`` is ``single``, ``distributed`` or ``workflow``. A single job's body is flat and is
    checked as one worker member of framework ``standalone``. Top-level keys PaddleFlow ignores
    for this type (``pfctl.spec.fields.ignored_keys``) are not checked, as PaddleFlow skips them.
    """
    ignored = ignored_keys(job_type) if job_type in JOB_TYPES else {}
    if any(key in ignored for key in body):
        body = {key: value for key, value in body.items() if key not in ignored}
    checker = _BodyChecker(job_type, body)
    checker.run()
    return checker.violations


def _role_counts(members: Sequence[object], *, alias_pworker: bool) -> dict[str, int]:
    counts: dict[str, int] = {}
    for member in members:
        if not isinstance(member, _MAPPINGS):
            continue
        role = member.get("role")
        replicas = member.get("replicas", 0)
        if not isinstance(role, str) or not _is_int(replicas):
            continue
        if alias_pworker and role == "pworker":
            role = "worker"
        counts[role] = counts.get(role, 0) + replicas
    return counts


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(mapping: Mapping[str, Any], key: str) -> str:
    """A string field, "" when unset or of another type (the schema reports wrong types)."""
    value = mapping.get(key)
    return value if isinstance(value, str) else ""


def _mapping(mapping: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = mapping.get(key)
    return value if isinstance(value, _MAPPINGS) else {}


class _BodyChecker:
    """Walks one create body in PaddleFlow's order, collecting violations."""

    def __init__(self, job_type: str, body: Mapping[str, Any]) -> None:
        self.job_type = job_type
        self.body = body
        self.violations: list[RuleViolation] = []
        policy = _mapping(body, "schedulingPolicy")
        self.queue = _text(policy, "queue") or DEFAULT_QUEUE
        self.priority = _text(policy, "priority").upper() or DEFAULT_PRIORITY

    def add(self, path: Path, message: str) -> None:
        self.violations.append(RuleViolation(path, message))

    def run(self) -> None:
        self.check_limits(limits.go_int_findings)
        self.check_common()
        if self.job_type == "workflow":
            if self.body.get("extensionTemplate") is None:
                self.add(
                    ("extensionTemplate",),
                    "ExtensionTemplate for workflow job is needed, and now is empty",
                )
            return
        if self.job_type == "single":
            framework = "standalone"
            # The single route turns the flat body into one worker member carrying the spec.
            members: list[tuple[Path, Mapping[str, Any]]] = [
                ((), {**self.body, "role": "worker", "replicas": 1})
            ]
        else:
            framework = _text(self.body, "framework")
            if framework not in FRAMEWORKS:
                self.add(("framework",), f"invalid framework {framework} for distributed job")
                return
            raw_members = self.body.get("members")
            members = (
                [
                    (("members", index), m if isinstance(m, _MAPPINGS) else {})
                    for index, m in enumerate(raw_members)
                ]
                if isinstance(raw_members, list)
                else []
            )
        if self.body.get("extensionTemplate"):
            if not members:
                return
            self.check_members_template_path(framework, members)
        else:
            self.check_members_normal_path(framework, members)

    def members(self) -> list[tuple[Path, Mapping[str, Any]]]:
        """The body itself (a single job) or each member that is a mapping, with its path."""
        raw = self.body.get("members")
        listed = raw if isinstance(raw, list) else []
        found: list[tuple[Path, Mapping[str, Any]]] = [((), self.body)]
        found.extend(
            (("members", index), member)
            for index, member in enumerate(listed)
            if isinstance(member, _MAPPINGS)
        )
        return found

    def check_limits(self, check: Callable[[Path, Mapping[str, Any]], Iterator[Finding]]) -> None:
        """Add what ``check`` (of ``pfctl.spec.limits``) finds in the body and each member."""
        for path, spec in self.members():
            for where, message, at_key in check(path, spec):
                self.violations.append(RuleViolation(where, message, at_key))

    def check_common(self) -> None:
        job_id = self.body.get("id")
        if isinstance(job_id, str) and job_id:
            message = check_job_id(job_id)
            if message:
                self.add(("id",), message)
        name = _text(self.body, "name")
        if len(name.encode("utf-8")) > JOB_NAME_MAX_BYTES:
            self.add(
                ("name",),
                f"length of jobName[{name}] must be no more than {JOB_NAME_MAX_BYTES} characters",
            )
        self.check_priority(("schedulingPolicy", "priority"), self.priority)
        self.check_limits(limits.process_field_findings)

    def check_priority(self, path: Path, priority: str) -> None:
        if priority not in CREATE_PRIORITIES:
            allowed = ", ".join(CREATE_PRIORITIES)
            self.add(path, f"invalid job priority {priority}, should be in [{allowed}]")

    def check_members_template_path(
        self, framework: str, members: list[tuple[Path, Mapping[str, Any]]]
    ) -> None:
        roles = FRAMEWORK_ROLES[framework]
        for path, member in members:
            role = _text(member, "role")
            if role not in roles:
                self.add((*path, "role"), self.unsupported_role(role, framework))
        self.check_role_counts(framework, [m for _, m in members], alias_pworker=False)
        for path, member in members:
            self.check_member_scheduling(path, member)
        for path, member in members:
            self.check_flavour(path, member)

    def check_members_normal_path(
        self, framework: str, members: list[tuple[Path, Mapping[str, Any]]]
    ) -> None:
        if not members:
            self.add(("members",), "request.Members is empty")
            return
        for path, member in members:
            self.check_flavour(path, member)
        roles = FRAMEWORK_ROLES[framework]
        for path, member in members:
            role = _text(member, "role")
            if role not in roles and not (role == "pworker" and "worker" in roles):
                self.add((*path, "role"), self.unsupported_role(role, framework))
            replicas = member.get("replicas", 0)  # Go's zero value when the key is absent
            if _is_int(replicas) and replicas < 1:
                self.add((*path, "replicas"), "the repilcas of member is less than 1")
            elif _is_int(replicas) and MAX_REPLICAS < replicas <= GO_INT_MAX:
                self.add((*path, "replicas"), f"replicas must be at most {MAX_REPLICAS}")
            port = member.get("port", 0)
            if _is_int(port) and port != 0 and not 0 < port < _PORT_LIMIT:
                self.add(
                    (*path, "port"), f"port must be in range [0, {_PORT_LIMIT}], but got {port}"
                )
            if not _text(member, "image"):
                self.add((*path, "image"), "required fields in {image} are empty, please fill it")
            self.check_member_scheduling(path, member)
        self.check_role_counts(framework, [m for _, m in members], alias_pworker=True)

    def unsupported_role(self, role: str, framework: str) -> str:
        return f"the role[{role}] for framework {framework} is not supported"

    def check_member_scheduling(self, path: Path, member: Mapping[str, Any]) -> None:
        if not path:  # a single job's only member shares the job's policy
            return
        policy = _mapping(member, "schedulingPolicy")
        queue = _text(policy, "queue")
        if queue and queue != self.queue:
            self.add(
                (*path, "schedulingPolicy", "queue"),
                f"schedulingPolicy.Queue should be the same, there are {self.queue} and {queue}",
            )
        priority = _text(policy, "priority").upper()
        if priority:
            self.check_priority((*path, "schedulingPolicy", "priority"), priority)

    def check_role_counts(
        self, framework: str, members: Sequence[Mapping[str, Any]], *, alias_pworker: bool
    ) -> None:
        counts = _role_counts(members, alias_pworker=alias_pworker)
        workers = counts.get("worker", 0)
        message = ""
        if framework in _PS_FRAMEWORKS:
            if counts.get("pserver", 0) > 0 or counts.get("master", 0) > 0:
                if workers < 1:
                    message = (
                        f"framework {framework} in parameter server mode, role work must be set"
                    )
            elif workers < 2:
                message = f"framework {framework} in collective mode, only setting role work"
        elif framework == "spark":
            if counts.get("driver", 0) < 1:
                message = "spark application must be set role driver"
        elif framework in ("mpi", "ray"):
            if counts.get("master", 0) < 1 or workers < 1:
                message = f"{framework} job must be set a master role and a worker role"
        elif framework == "standalone" and workers != 1:
            message = "replicas for single job must be 1"
        if message:
            self.add(("members",), message)

    def check_flavour(self, path: Path, member: Mapping[str, Any]) -> None:
        flavour = _mapping(member, "flavour")
        if _text(flavour, "name") not in CUSTOM_FLAVOURS:
            return  # a registered flavour: the server replaces the values by its own
        cpu, mem = _text(flavour, "cpu"), _text(flavour, "mem")
        if not cpu or not mem:
            return  # PaddleFlow falls back to cpu 1, mem 1Gi and drops scalarResources
        for key, text in (("cpu", cpu), ("mem", mem)):
            error = _quantity_error(text, allow_zero=False)
            if error:
                self.add((*path, "flavour", key), f"validate {key} failed,err: {error}")
        scalars = _mapping(flavour, "scalarResources")
        for name, text in scalars.items():
            if isinstance(text, str):
                error = _quantity_error(text, allow_zero=True)
                if error:
                    self.add((*path, "flavour", "scalarResources", name), f"{name} {error}")


def _quantity_error(text: str, *, allow_zero: bool) -> str | None:
    try:
        value = parse_quantity(text)
    except ValueError:
        return _QUANTITY_FORMAT_MESSAGE
    if value < 0 or (value == 0 and not allow_zero):
        return "resource cannot be negative" if allow_zero else "cpu cannot be negative"
    return None

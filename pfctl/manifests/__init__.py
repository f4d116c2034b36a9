"""Manifest loading: YAML/JSON files, directories and stdin to checked, located manifests.

``load_manifests`` reads everything, checks it against the manifest schema and PaddleFlow's
create rules, and returns the valid manifests with every problem found; bad manifests are
values in the result, never exceptions. ``start_loading`` starts the same in worker processes
(``pfctl apply`` and ``pfctl diff``); ``iter_outcomes`` yields it file by file for a
``ReportStream`` (``pfctl validate``). Each valid manifest carries its last-applied record text
(``record_text`` of ``applied_record``), which the planner compares with a live job's.

The modules, in the order a file goes through them: ``inputs`` (which files), ``filecheck``
(one file's bytes), ``parse`` with ``nodes``, ``fastconvert`` and ``convert`` (text to located
documents), ``checks`` with ``fastcheck`` (schema and rules), ``record``, ``outcomes`` (into one
``LoadResult``) and ``report`` (what ``pfctl validate`` prints); ``loader`` drives them, with
``batches`` (worker processes) and ``cache`` (files checked before).
"""

from __future__ import annotations

from pfctl.manifests.batches import gc_paused
from pfctl.manifests.loader import PendingLoad, iter_outcomes, load_manifests, start_loading
from pfctl.manifests.model import (
    DOCUMENT_PATH,
    TARGETS,
    DocumentSummary,
    FileOutcome,
    LoadResult,
    Manifest,
    Problem,
)
from pfctl.manifests.record import applied_record, plain_record_text, record_text
from pfctl.manifests.report import ReportStream

__all__ = [
    "DOCUMENT_PATH",
    "TARGETS",
    "DocumentSummary",
    "FileOutcome",
    "LoadResult",
    "Manifest",
    "PendingLoad",
    "Problem",
    "ReportStream",
    "applied_record",
    "gc_paused",
    "iter_outcomes",
    "load_manifests",
    "plain_record_text",
    "record_text",
    "start_loading",
]

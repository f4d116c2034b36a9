"""Manifest loading: YAML/JSON files, directories and stdin to checked, located manifests.

``load_manifests`` reads everything, checks it against the manifest schema and PaddleFlow's
create rules, and returns the valid manifests with every problem found; bad manifests are
values in the result, never exceptions.
"""

from __future__ import annotations

from pfctl.manifests.loader import load_manifests
from pfctl.manifests.model import DocumentSummary, LoadResult, Manifest, Problem

__all__ = ["DocumentSummary", "LoadResult", "Manifest", "Problem", "load_manifests"]

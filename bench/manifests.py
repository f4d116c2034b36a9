"""Generated manifests for the benchmarks: a realistic mix of the three job types.

Every manifest is one of the files in examples/ (single, distributed of each framework, workflow)
with its own id, name and labels; one in `INVALID_EVERY` carries a schema error (`stopped` given
as a string), so the error path is measured too.
"""

from __future__ import annotations

import re
from pathlib import Path

from report import ROOT

INVALID_EVERY = 50

# How often each example appears in a generated set: mostly single jobs, then distributed jobs
# of the common frameworks, a few workflows.
MIX = {
    "single.yaml": 10,
    "paddle-collective.yaml": 2,
    "paddle-ps.yaml": 2,
    "pytorch.yaml": 2,
    "mpi.yaml": 1,
    "ray.yaml": 1,
    "spark.yaml": 1,
    "workflow-dag.yaml": 1,
    "workflow-steps.yaml": 1,
}

_ID_LINE = re.compile(r"^id: .*$", re.MULTILINE)
_NAME_LINE = re.compile(r"^name: .*$", re.MULTILINE)


def _templates() -> list[str]:
    texts = []
    for name, weight in MIX.items():
        text = (ROOT / "examples" / name).read_text(encoding="utf-8")
        texts += [text] * weight
    return texts


def manifest_texts(count: int) -> list[str]:
    """`count` manifests as YAML text, each with a unique id."""
    templates = _templates()
    texts = []
    for n in range(count):
        text = templates[n % len(templates)]
        extra = f"id: bench-{n:06d}\nlabels:\n  batch: b{n % 7}\n  index: i{n}"
        if n % INVALID_EVERY == INVALID_EVERY - 1:
            extra += '\nstopped: "no"'
        text = re.sub(r"^labels:\n(  .*\n)*", "", text, flags=re.MULTILINE)
        text = _ID_LINE.sub(lambda _, e=extra: e, text, count=1)
        text = _NAME_LINE.sub(f"name: generated job {n}", text, count=1)
        texts.append(text)
    return texts


def invalid_count(count: int) -> int:
    """How many of `manifest_texts(count)` are invalid."""
    return count // INVALID_EVERY


def write_single_documents(directory: Path, count: int) -> list[Path]:
    """One manifest per file; the files, in order."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, text in enumerate(manifest_texts(count)):
        path = directory / f"job-{n:06d}.yaml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def write_multi_documents(directory: Path, count: int, per_file: int) -> list[Path]:
    """The same manifests, `per_file` documents per file (`---` between them)."""
    directory.mkdir(parents=True, exist_ok=True)
    texts = manifest_texts(count)
    paths = []
    for start in range(0, count, per_file):
        path = directory / f"jobs-{start // per_file:05d}.yaml"
        path.write_text("---\n".join(texts[start : start + per_file]), encoding="utf-8")
        paths.append(path)
    return paths

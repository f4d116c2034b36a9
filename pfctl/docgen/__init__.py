"""Generators of the reference pages in ``docs/reference/``, so that the docs cannot drift.

``docs/reference/manifest.md`` is written from the JSON Schemas in ``schemas/`` and
``docs/reference/commands.md`` from the Typer application. Regenerate both with::

    python -m pfctl.docgen            # write the pages
    python -m pfctl.docgen --check    # exit 1 if a page is stale (what tests/test_docs.py runs)

This package is not imported by the CLI: it loads the whole command tree.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["generated_pages", "stale_pages", "write_pages"]

#: Where the pages go, relative to the repository root.
MANIFEST_PAGE = Path("docs/reference/manifest.md")
COMMANDS_PAGE = Path("docs/reference/commands.md")


def generated_pages() -> dict[Path, str]:
    """Every generated page, by path relative to the repository root, with its text."""
    from pfctl.docgen.commands_page import render_commands_page
    from pfctl.docgen.manifest_page import render_manifest_page

    return {MANIFEST_PAGE: render_manifest_page(), COMMANDS_PAGE: render_commands_page()}


def stale_pages(root: Path) -> list[Path]:
    """The generated pages under ``root`` that are missing or differ from what would be written."""
    stale = []
    for relative, text in generated_pages().items():
        target = root / relative
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            stale.append(relative)
    return stale


def write_pages(root: Path) -> list[Path]:
    """Write every generated page under ``root``; return the paths written."""
    written = []
    for relative, text in generated_pages().items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(relative)
    return written

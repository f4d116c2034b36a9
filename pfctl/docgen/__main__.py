"""``python -m pfctl.docgen [--check] [--root DIR]``: write or check the generated pages."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pfctl.docgen import stale_pages, write_pages


def main(argv: list[str] | None = None) -> int:
    """Write the pages (exit 0), or with ``--check`` report stale ones (exit 1 if any)."""
    parser = argparse.ArgumentParser(prog="python -m pfctl.docgen", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if stale")
    parser.add_argument(
        "--root",
        type=Path,
        default=Path(__file__).resolve().parents[2],
        help="repository root (default: this checkout)",
    )
    options = parser.parse_args(argv)
    if options.check:
        stale = stale_pages(options.root)
        for path in stale:
            print(f"stale: {path} (regenerate with `python -m pfctl.docgen`)", file=sys.stderr)
        return 1 if stale else 0
    for path in write_pages(options.root):
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

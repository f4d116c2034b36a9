"""The documentation cannot drift: generated pages are current, links resolve, the examples carry
a working editor schema line and validate, and the pages name what the code defines."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from pfctl.docgen import COMMANDS_PAGE, MANIFEST_PAGE, generated_pages, stale_pages, write_pages
from pfctl.errors import ExitCode
from pfctl.spec.schemas import REQUEST_SCHEMA_NAMES, SCHEMA_NAMES, load_schema
from tests.helpers.cli import run_pfctl

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
MODELINE = "# yaml-language-server: $schema=../schemas/manifest.schema.json"
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]


def test_generated_pages_are_current() -> None:
    stale = stale_pages(ROOT)
    assert stale == [], f"regenerate with `python -m pfctl.docgen`: {stale}"


def test_check_command_exits_1_for_a_stale_page_and_0_after_writing(tmp_path: Path) -> None:
    write_pages(tmp_path)
    command = [sys.executable, "-m", "pfctl.docgen", "--check", "--root", str(tmp_path)]
    assert subprocess.run(command, capture_output=True, check=False).returncode == 0
    page = tmp_path / COMMANDS_PAGE
    page.write_text(page.read_text().replace("pfctl job show", "pfctl job shw", 1))
    stale = subprocess.run(command, capture_output=True, text=True, check=False)
    assert stale.returncode == 1
    assert str(COMMANDS_PAGE) in stale.stderr


def _properties(node: Any) -> set[str]:
    """Every key named under a `properties` anywhere in a schema."""
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                found |= set(value)
            found |= _properties(value)
    elif isinstance(node, list):
        for item in node:
            found |= _properties(item)
    return found


def test_manifest_reference_names_every_key_and_schema_file() -> None:
    page = generated_pages()[MANIFEST_PAGE]
    for name in SCHEMA_NAMES:
        assert f"`schemas/{name}.schema.json`" in page
    for name in REQUEST_SCHEMA_NAMES:  # the plan file's keys are in docs/apply.md
        schema = load_schema(name)
        for key in _properties(schema) - {"type"}:  # `type` of an if-condition is not a key
            assert f"`{key}`" in page, f"{key} of {name}"


def _command_tree() -> list[tuple[str, Any]]:
    import typer
    import typer.main

    from pfctl.cli.main import app

    found = []
    pending = [typer.Context(typer.main.get_command(app), info_name="pfctl")]
    while pending:
        context = pending.pop()
        found.append((context.command_path, context.command))
        command: Any = context.command
        for name in getattr(command, "list_commands", lambda _: [])(context):
            sub = command.get_command(context, name)
            pending.append(typer.Context(sub, info_name=name, parent=context))
    return found


def test_commands_reference_has_every_command_and_option() -> None:
    page = generated_pages()[COMMANDS_PAGE]
    tree = _command_tree()
    assert {"pfctl diff", "pfctl apply", "pfctl job logs", "pfctl server start"} <= {
        path for path, _ in tree
    }
    for path, command in tree:
        section = page.split(f"## `{path}`\n", 1)[1].split("\n## ", 1)[0]
        first_help_line = (command.help or "").strip().splitlines()[0]
        assert first_help_line in section, path
        for param in command.params:
            for name in param.opts if param.param_type_name == "option" else ():
                assert f"`{name}`" in section, f"{path} {name}"


def test_every_relative_link_in_the_docs_resolves() -> None:
    broken = []
    for page in _markdown_files():
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            parts = urlsplit(target)
            if parts.scheme or target.startswith("#") or not parts.path:
                continue
            if not (page.parent / unquote(parts.path)).exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert broken == []


def _anchor(heading: str) -> str:
    kept = "".join(c for c in heading.strip().lower() if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")


@pytest.mark.parametrize("relative", [MANIFEST_PAGE, COMMANDS_PAGE])
def test_in_page_links_of_generated_pages_reach_a_heading(relative: Path) -> None:
    text = (ROOT / relative).read_text(encoding="utf-8")
    anchors = {_anchor(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}
    targets = {link[1:] for link in LINK.findall(text) if link.startswith("#")}
    assert targets, "the page links its sections"
    assert targets <= anchors, targets - anchors


def test_index_links_every_page_of_docs() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    linked = {str((DOCS / unquote(link)).resolve()) for link in LINK.findall(index)}
    pages = {str(path.resolve()) for path in DOCS.rglob("*.md") if path.name != "index.md"}
    assert pages - linked == set()


def test_exit_codes_page_lists_every_exit_code() -> None:
    page = (DOCS / "exit-codes.md").read_text(encoding="utf-8")
    for code in ExitCode:
        assert f"| {code.value} | `{code.name}` |" in page
    for command in ("pfctl validate", "pfctl diff", "pfctl apply", "pfctl job wait"):
        assert f"`{command}" in page


def test_configuration_page_names_every_environment_variable() -> None:
    from pfctl.cache_dir import ENV_CACHE_DIR
    from pfctl.client import config

    page = (DOCS / "configuration.md").read_text(encoding="utf-8")
    names = [
        config.ENV_SERVER,
        config.ENV_USER,
        config.ENV_PASSWORD,
        config.ENV_PF_CONFIG,
        config.ENV_REQUEST_TIMEOUT,
    ]
    for name in [*names, ENV_CACHE_DIR, "NO_COLOR"]:
        assert f"`{name}`" in page
    assert "paddleflow.ini" in page


def test_readme_test_command_is_what_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("**Run the tests**", 1)[1]
    command = re.search(r"```sh\n(.+?)\n```", section, re.DOTALL)
    assert command is not None
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert command.group(1) in ci_lines


def _yaml_examples() -> list[Path]:
    return sorted((ROOT / "examples").glob("*.yaml"))


def _editor_validator(schema_path: Path) -> Any:
    """A validator that resolves schemas as the YAML language server does: from the schema
    file's location, each relative `$ref` against the referring file, ignoring `$id`."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    def retrieve(uri: str) -> Resource[Any]:
        contents = json.loads(Path(unquote(urlsplit(uri).path)).read_text(encoding="utf-8"))
        contents.pop("$id", None)
        return Resource.from_contents(contents, default_specification=DRAFT202012)

    registry: Registry[Any] = Registry(retrieve=retrieve)
    return Draft202012Validator({"$ref": schema_path.resolve().as_uri()}, registry=registry)


@pytest.mark.parametrize("example", _yaml_examples(), ids=lambda path: path.name)
def test_example_modeline_schema_resolves_and_accepts_the_example(example: Path) -> None:
    first_line = example.read_text(encoding="utf-8").splitlines()[0]
    assert first_line == MODELINE
    schema_path = example.parent / first_line.split("$schema=", 1)[1]
    assert schema_path.is_file()
    validator = _editor_validator(schema_path)
    for document in yaml.safe_load_all(example.read_text(encoding="utf-8")):
        problems = [error.message for error in validator.iter_errors(document)]
        assert problems == []


def test_editor_resolution_rejects_a_misspelt_key() -> None:
    validator = _editor_validator(ROOT / "schemas" / "manifest.schema.json")
    document = {"type": "single", "id": "x", "imagee": "python:3.11"}
    assert not validator.is_valid(document)


def test_schemas_written_by_pfctl_schema_work_from_another_directory(tmp_path: Path) -> None:
    out = tmp_path / "editor-schemas"
    written = run_pfctl("schema", "--out", str(out))
    assert written.returncode == 0, written.stderr
    example = ROOT / "examples" / "paddle-ps.yaml"
    validator = _editor_validator(out / "manifest.schema.json")
    assert validator.is_valid(yaml.safe_load(example.read_text(encoding="utf-8")))


def test_examples_validate_with_pfctl() -> None:
    result = run_pfctl("validate", str(ROOT / "examples"))
    assert result.returncode == 0, result.stdout + result.stderr


def test_usage_lines_agree_with_help_in_one_style() -> None:
    """docs/reference/commands.md shows each usage line exactly as `--help` prints it:
    ``PATH...``, ``JOBID...``, ``[NAME]``; never typer's ``{PATH}``."""
    page = generated_pages()[COMMANDS_PAGE]
    for path, _ in _command_tree():
        args = path.split()[1:]
        shown = subprocess.run(
            [sys.executable, "-m", "pfctl", *args, "--help"],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "COLUMNS": "200"},
        ).stdout
        usage = next(line for line in shown.splitlines() if line.startswith("Usage: "))
        line = usage.removeprefix("Usage: ")
        assert f"```text\n{line}\n```" in page, path
        assert "{" not in line and "[[" not in line, line
        for word in line.split()[len(path.split()) :]:
            assert word.strip("[].").isupper() or word == "COMMAND", (path, word)

"""The built wheel carries the schemas: install it into a fresh venv and validate the examples."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def bin_path(environment: Path, name: str) -> Path:
    scripts = "Scripts" if sys.platform == "win32" else "bin"
    return environment / scripts / name


@pytest.mark.slow
def test_installed_wheel_validates_the_examples(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(dist),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    # The distribution is pfctl-paddleflow (PyPI's "pfctl" is another project); the command and
    # the import package keep the name pfctl.
    [wheel] = dist.glob("pfctl_paddleflow-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        [metadata] = [name for name in archive.namelist() if name.endswith(".dist-info/METADATA")]
        assert "\nName: pfctl-paddleflow\n" in archive.read(metadata).decode()
        assert {name.split("/")[0] for name in archive.namelist()} >= {"pfctl"}
        # The web view's templates and static files ship inside the wheel (no build step).
        for shipped in ("templates/base.html", "static/ui.js", "static/ui.css"):
            assert f"pfctl/server/ui/{shipped}" in archive.namelist(), shipped

    environment = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(environment)
    python = bin_path(environment, "python")
    subprocess.run(
        [str(python), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    # The dependencies come from this environment; pfctl itself only from the wheel (a plain
    # path entry does not run this environment's editable-install hook).
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    (site / "dev-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    examples = tmp_path / "examples"
    shutil.copytree(ROOT / "examples", examples)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    completed = subprocess.run(
        [str(bin_path(environment, "pfctl")), "validate", str(examples)],
        cwd=outside,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.splitlines()[-1].endswith("valid, 0 invalid")

    where = subprocess.run(
        [str(python), "-c", "import pfctl.spec.schemas as s; print(s.schema_dir())"],
        cwd=outside,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where).resolve() == (site / "pfctl" / "schemas").resolve()

"""The universe lock and its cut: every bake ships a uv.lock that uv accepts as its own.

The static layer runs `uv lock --locked` on every variant (tests/test_static_matrix.py); here are
the pruner's own rules, the refusal of a bake the universe was not resolved for, and the check
that the shipped universe lock still fits the template.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
import universe_lock  # scripts/ is on the test path (pyproject: pythonpath)
from harness.baking import TEMPLATE_COPY_IGNORE, TEMPLATE_ROOT, Baked, run
from packaging.version import Version

from hooks import lock_pruner

BakeFn = Callable[..., Baked]


@pytest.mark.parametrize(
    "version", ["0.1.0", "1.0", "v1.2", "1.0.0-beta", "1.0.0RC2", "1.0-3", "1.0.post1", "1.0.dev3",
                "1!2.0", "1.0+Local-7", "01.002", "2026.11.0", "1.0alpha1", "1.0c1", "1.0-r4"],
)  # fmt: skip
def test_versions_are_recorded_in_their_normal_form(version: str) -> None:
    assert lock_pruner.normalize_version(version) == str(Version(version))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fastapi>=0.115.6", ("fastapi", (), ">=0.115.6")),
        ("uvicorn[standard]>=0.32", ("uvicorn", ("standard",), ">=0.32")),
        ("sentry-sdk[fastapi,celery]>=2.20", ("sentry-sdk", ("celery", "fastapi"), ">=2.20")),
        ("Pydantic_Settings >= 2.7, <3", ("pydantic-settings", (), "<3,>=2.7")),
        ("ruff", ("ruff", (), "")),
    ],
)
def test_requirements_are_read_as_uv_records_them(text: str, expected: tuple[object, ...]) -> None:
    requirement = lock_pruner.Requirement.parse(text)
    assert (requirement.name, requirement.extras, requirement.specifier) == expected


@pytest.mark.parametrize("text", ["requests; python_version < '3.12'", "pkg @ https://x/y.whl", "bad name"])
def test_requirements_the_pruner_cannot_record_are_refused(text: str) -> None:
    with pytest.raises(lock_pruner.LockError, match="cannot read the requirement"):
        lock_pruner.Requirement.parse(text)


def test_a_bake_ships_the_lock_uv_would_write(bake: BakeFn, tmp_path: Path) -> None:
    """Byte for byte: `uv lock` on the bake (offline, preferring the shipped versions) changes nothing."""
    baked = bake()
    project = tmp_path / "project"
    shutil.copytree(baked.path, project, ignore=shutil.ignore_patterns(".venv"))
    shipped = (project / "uv.lock").read_text()
    run(["uv", "lock", "--offline"], cwd=project)
    assert (project / "uv.lock").read_text() == shipped
    data = tomllib.loads(shipped)
    root = next(p for p in data["package"] if p["source"] == {"editable": "."})
    assert root["name"] == baked.answers["project_slug"]
    universe = tomllib.loads((TEMPLATE_ROOT / "{{cookiecutter.project_slug}}/uv.lock").read_text())
    assert len(data["package"]) < len(universe["package"]), "the default bake is a strict subset"


def test_a_tampered_lock_is_refused_by_uv(bake: BakeFn, tmp_path: Path) -> None:
    """The gate can fail: a lock missing one package is not what uv would write."""
    baked = bake(worker="none", cache="none")
    project = tmp_path / "project"
    shutil.copytree(baked.path, project, ignore=shutil.ignore_patterns(".venv"))
    lock = project / "uv.lock"
    header, *blocks = lock.read_text().split(lock_pruner.BLOCK_SEPARATOR)
    kept = [b for b in blocks if not b.startswith('name = "structlog"\n')]
    assert len(kept) == len(blocks) - 1
    lock.write_text(header + "".join(lock_pruner.BLOCK_SEPARATOR + b for b in kept))
    checked = subprocess.run(
        ["uv", "lock", "--locked", "--offline"], cwd=project, capture_output=True, text=True, check=False
    )
    assert checked.returncode != 0, checked.stdout + checked.stderr


def test_a_bake_the_universe_does_not_cover_fails_with_one_line(tmp_path: Path) -> None:
    """A dependency added to the template without refreshing the universe lock: no stale lock ships."""
    copy = tmp_path / "template"
    shutil.copytree(TEMPLATE_ROOT, copy, ignore=TEMPLATE_COPY_IGNORE)
    pyproject = copy / "{{cookiecutter.project_slug}}/pyproject.toml"
    text = pyproject.read_text()
    anchor = '    "orjson>=3.10",\n'
    assert anchor in text
    pyproject.write_text(text.replace(anchor, anchor + '    "tenacity>=9.0",\n'))
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "cookiecutter", str(copy), "--no-input", "-o", str(out)],
        cwd=tmp_path, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert proc.returncode != 0
    errors = [line for line in proc.stderr.splitlines() if line.startswith("ERROR:")]
    assert errors == [
        "ERROR: uv.lock: the universe lock was not resolved for tenacity>=9.0; "
        "refresh it: uv run python scripts/universe_lock.py --write"
    ], proc.stderr[-2000:]
    assert not (out / "my-service").exists(), "a failed bake leaves no half-baked directory"


def test_the_universe_lock_is_current() -> None:
    """It was resolved for exactly the union of what the bakes declare (re-lock: --write)."""
    assert universe_lock.main(["--check"]) == 0


def test_the_universe_is_the_union_of_the_bakes() -> None:
    _, dependencies, groups = universe_lock.universe_requirements()
    names = {r.name for r in dependencies}
    assert {"asyncpg", "aiosqlite", "celery", "flower", "sentry-sdk", "aiosmtplib", "redis"} <= names
    celery = next(r for r in dependencies if r.name == "celery")
    assert celery.extras == ("redis",)
    assert {r.name for r in groups["dev"]} >= {"pytest", "mypy", "ruff", "celery-types", "aiosmtpd"}
    shipped = json.dumps(tomllib.loads((TEMPLATE_ROOT / "{{cookiecutter.project_slug}}/uv.lock").read_text()))
    assert '"name": "my-service"' in shipped

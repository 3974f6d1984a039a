"""Switching an option of a baked project on: `cruft update --variables-to-update`.

A project baked with `object_storage=none` and committed, with a local change (an endpoint, its
include in `main.py`, a Makefile target), turns `object_storage` to `s3` with no template change
in between. The new option's files must arrive, its dependency must reach `pyproject.toml`, and the
local change must stay; what cruft leaves to the user (the lock, `.env`, the new migration, which
the bake's `[tool.cruft] skip` keeps out) is what docs/updating.md tells them to do by hand.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from harness import summary
from harness.updating import (
    LOCAL_MAKE_TARGET,
    PING_MODULE,
    bake_with_local_work,
    cruft,
    cruft_home,
    git,
    template_repo,
)

ANSWERS = {"project_name": "Drill Update", "use_kubernetes": False, "cache": "none"}
PACKAGE = "drill_update"
# What object_storage=s3 adds to this bake (with the examples and a database: attachments too).
NEW_FILES = (
    "compose/minio.yaml",
    "docs/storage.md",
    f"src/{PACKAGE}/core/storage.py",
    f"src/{PACKAGE}/core/features/storage.py",
    f"src/{PACKAGE}/core/settings/storage.py",
    f"src/{PACKAGE}/items/attachments.py",
    f"src/{PACKAGE}/items/attachments_router.py",
    "tests/fixtures/storage.py",
    "tests/test_storage.py",
)
NEW_MIGRATION = "migrations/versions/0005_attachments.py"


@dataclass
class Switched:
    project: Path
    dotenv_before: str
    lock_before: str
    context_after: dict[str, object]


@pytest.fixture(scope="module")
def switched(tmp_path_factory: pytest.TempPathFactory) -> Switched:
    root = tmp_path_factory.mktemp("cruft-switch")
    home = cruft_home(root)
    repo = template_repo(root, "template")
    project = bake_with_local_work(
        repo, home, ANSWERS, slug="drill-update", package=PACKAGE, name="cruft-switch"
    )
    dotenv_before = (project / ".env").read_text()
    lock_before = (project / "uv.lock").read_text()

    with summary.timed("cruft-switch", "update"):
        cruft(
            "update", "--skip-apply-ask", "--variables-to-update", '{"object_storage": "s3"}',
            cwd=project, home=home,
        )  # fmt: skip
    context_after = json.loads((project / ".cruft.json").read_text())["context"]["cookiecutter"]
    return Switched(project, dotenv_before, lock_before, context_after)


@pytest.mark.xdist_group("cruft-switch")
def test_switching_an_option_on_brings_its_files(switched: Switched) -> None:
    project = switched.project
    assert switched.context_after["object_storage"] == "s3"
    missing = [path for path in NEW_FILES if not (project / path).is_file()]
    assert missing == []
    assert '"aiobotocore>=' in (project / "pyproject.toml").read_text()
    main = (project / f"src/{PACKAGE}/main.py").read_text()
    assert f"{PACKAGE}.core.features.storage.FEATURE" in main
    assert "S3_BUCKET=" in (project / ".env.example").read_text()


@pytest.mark.xdist_group("cruft-switch")
def test_switching_an_option_on_keeps_local_work(switched: Switched) -> None:
    project = switched.project
    assert (project / f"src/{PACKAGE}/ping.py").read_text() == PING_MODULE
    assert "api.include_router(ping_router)" in (project / f"src/{PACKAGE}/main.py").read_text()
    assert LOCAL_MAKE_TARGET in (project / "Makefile").read_text()
    assert git("diff", "--name-only", "--diff-filter=U", cwd=project) == ""
    leftovers = [
        p.name for p in project.rglob("*") if p.suffix in {".rej", ".orig"} and ".git" not in p.parts
    ]
    assert leftovers == []


@pytest.mark.xdist_group("cruft-switch")
def test_switching_an_option_on_leaves_the_skipped_paths_to_the_user(switched: Switched) -> None:
    project = switched.project
    # [tool.cruft] skip: the secrets, the lock and the applied migrations are the project's own.
    assert (project / ".env").read_text() == switched.dotenv_before
    assert (project / "uv.lock").read_text() == switched.lock_before
    # So the new table's revision does not arrive: docs/updating.md says how to add it.
    assert not (project / NEW_MIGRATION).exists()

"""What a team on the last release does next: `cruft update` its project to this checkout.

The project is baked with `cruft create --checkout <last release tag>` from a clone of this
repository, with this checkout's uncommitted work committed on top. The update must apply without
a conflict or a question, and the updated project must re-lock, lint and pass its own tests against
the real services. This is the path `tests/test_update.py` cannot cover: there the old and new
templates share this checkout's hooks, so a change that only breaks an update from older hooks
(a Jinja filter the old extension's cached code lacks, say) would pass there and fail here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import Services
from harness import summary
from harness.baking import TEMPLATE_ROOT, run, sync
from harness.updating import GIT_ENV, cruft, cruft_home, git, template_files

ANSWERS = {"project_name": "Drill Release", "use_kubernetes": False}
SLUG = "drill-release"


def last_release() -> str:
    """The newest release tag this checkout's history holds."""
    found = subprocess.run(
        ["git", "describe", "--tags", "--abbrev=0", "HEAD"],
        cwd=TEMPLATE_ROOT, env={**os.environ, **GIT_ENV}, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if found.returncode != 0:
        # An unpacked archive has no history to update from; CI and every clone have it.
        pytest.skip(f"no release tag in this checkout's history: {found.stderr.strip()}")
    return found.stdout.strip()


@pytest.mark.runtime
@pytest.mark.xdist_group("cruft-update")
def test_a_project_baked_from_the_last_release_updates_to_this_checkout(
    tmp_path: Path, services: Services
) -> None:
    release = last_release()
    home = cruft_home(tmp_path)
    repo = tmp_path / "template"
    run(["git", "clone", "--quiet", str(TEMPLATE_ROOT), str(repo)], cwd=tmp_path, env=GIT_ENV)
    # This checkout as it is, uncommitted work included, as one commit on a branch of the clone.
    git("switch", "--quiet", "--create", "this-checkout", cwd=repo)
    for tracked in git("ls-files", "-z", cwd=repo).split("\0"):
        if tracked:
            (repo / tracked).unlink(missing_ok=True)
    for relative in template_files():
        target = repo / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(TEMPLATE_ROOT / relative, target)
    git("add", "--all", cwd=repo)
    git("commit", "--quiet", "--allow-empty", "--message", "this checkout", cwd=repo)

    out = tmp_path / "projects"
    out.mkdir()
    with summary.timed("cruft-update", "release: create"):
        cruft(
            "create", "--no-input", "--checkout", release, "--output-dir", str(out),
            "--extra-context", json.dumps(ANSWERS), str(repo), cwd=tmp_path, home=home,
        )  # fmt: skip
    project = out / SLUG
    env = services.app_env("cruft_release")
    # The project is deployed: its database holds the release's schema.
    run(["uv", "run", "alembic", "upgrade", "head"], cwd=project, env=env)
    # As CHANGELOG.md tells a project baked before the skip existed: cruft must leave the applied
    # migrations alone (the template split its first revision since that release).
    state_file = project / ".cruft.json"
    state = json.loads(state_file.read_text())
    state["skip"] = [*state.get("skip", []), "migrations/versions"]
    state_file.write_text(json.dumps(state, indent=2) + "\n")
    git("init", "--quiet", cwd=project)
    git("add", "--all", cwd=project)
    git("commit", "--quiet", "--message", f"baked from {release}", cwd=project)

    with summary.timed("cruft-update", "release: update"):
        update = cruft("update", "--skip-apply-ask", "--checkout", "this-checkout", cwd=project, home=home)
        check = cruft("check", "--checkout", "this-checkout", cwd=project, home=home, check=False)
    assert check.returncode == 0, check.stdout + check.stderr
    rejected = sorted(str(path.relative_to(project)) for path in project.rglob("*.rej"))
    assert rejected == [], f"hunks the update could not apply: {rejected}\n{update.stdout}"

    with summary.timed("cruft-update", "release: tests"):
        run(["uv", "lock"], cwd=project, env=env)  # cruft leaves the lock alone; the docs re-lock
        sync(project, env)
        # The deployed database upgrades with the updated code, and matches its models.
        run(["uv", "run", "--no-sync", "alembic", "upgrade", "head"], cwd=project, env=env)
        run(["uv", "run", "--no-sync", "alembic", "check"], cwd=project, env=env)
        run(["uv", "run", "--no-sync", "ruff", "check", "."], cwd=project, env=env)
        run(["uv", "run", "--no-sync", "ruff", "format", "--check", "."], cwd=project, env=env)
        run(["uv", "run", "--no-sync", "mypy"], cwd=project, env=env)
        proc = run(
            ["uv", "run", "--no-sync", "pytest", "-q", "-rfE", "-p", "no:cacheprovider"],
            cwd=project, env=env,
        )  # fmt: skip
    assert " passed" in proc.stdout.splitlines()[-1], proc.stdout[-3000:]

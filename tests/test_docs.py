"""The docs site builds strictly, and what it says about options and errors matches the code."""

from __future__ import annotations

import ast
import re
import shlex
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docs_tables  # scripts/ is on the test path (pyproject: pythonpath)
import pytest
from harness.baking import TEMPLATE_ROOT, Baked, rules, run

DOCS = TEMPLATE_ROOT / "docs"
BakeFn = Callable[..., Baked]


def test_mkdocs_build_strict(tmp_path: Path) -> None:
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent))
    assert mkdocs, "mkdocs-material is in the template's dev group; run uv sync"
    site = tmp_path / "site"
    run(
        [mkdocs, "build", "--strict", "--site-dir", str(site)],
        cwd=TEMPLATE_ROOT,
        env={"NO_MKDOCS_2_WARNING": "1"},
    )
    architecture = (site / "architecture/index.html").read_text()
    assert architecture.count('class="mermaid"') == 4, "dependency, request, task and deploy diagrams"
    reliability = (site / "reliability/index.html").read_text()
    # The figures are included from the files the drills and the benchmark write.
    assert "<td>pg outage</td>" in reliability
    first_line = (TEMPLATE_ROOT / "benchmarks/results/latest.md").read_text().splitlines()[0]
    assert first_line.split(",")[0] in reliability
    assert "--8&lt;--" not in reliability, "a snippet was not resolved"


def test_option_tables_are_generated_from_the_rule_set() -> None:
    page = docs_tables.OPTIONS_PAGE.read_text()
    assert docs_tables.blocks(page) == set(docs_tables.GENERATORS)
    assert docs_tables.render(page) == page, "run: uv run python scripts/docs_tables.py --write"
    assert docs_tables.main(["--check"]) == 0


def test_the_generated_tables_name_every_option_and_path() -> None:
    options = docs_tables.options_table()
    for option in rules.DEFAULTS:
        assert f"| `{option}` |" in options
    manifest = docs_tables.manifest_table()
    for path in rules.MANIFEST:
        assert f"| `{path}` |" in manifest
    effects = docs_tables.effects_table()
    assert "| `worker=none` | - | `beat`, `broker_redis`, `celery`, `jobs` |" in effects
    assert "`database=none` alone | refused: `ERROR: auth=bearer needs a database" in effects


def test_every_option_is_described_by_hand() -> None:
    headings = re.findall(r"^### (.+)$", (DOCS / "options.md").read_text(), re.MULTILINE)
    described = {name.strip() for heading in headings for name in heading.split(",")}
    assert set(rules.DEFAULTS) - described == set()


def _cli_answers(text: str) -> dict[str, Any]:
    answers: dict[str, Any] = {**rules.DEFAULTS, "project_slug": "my-service", "package_name": "my_service"}
    for pair in shlex.split(text):
        key, _, value = pair.partition("=")
        answers[key] = {"true": True, "false": False}.get(value, value)
    return answers


def test_troubleshooting_quotes_what_the_hook_prints() -> None:
    rows = re.findall(
        r"^\| `([^`]+)` \| `(ERROR: [^`]+)` \|$", (DOCS / "troubleshooting.md").read_text(), re.M
    )
    assert len(rows) >= 10
    for answers, line in rows:
        printed = [f"ERROR: {message}" for message in rules.validate(_cli_answers(answers))]
        assert line in printed, f"{answers}: the hook prints {printed}"


def _message_patterns(source: str) -> list[re.Pattern[str]]:
    """The error messages in a settings module: implicit string concatenations, f-string fields as
    wildcards."""
    patterns = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "ValueError" and node.args:
            parts = []
            message = node.args[0]
            for piece in message.values if isinstance(message, ast.JoinedStr) else [message]:
                if isinstance(piece, ast.Constant):
                    parts.append(re.escape(str(piece.value)))
                else:
                    parts.append(".+")
            patterns.append(re.compile("".join(parts)))
    return patterns


def test_troubleshooting_quotes_the_production_refusals(bake: BakeFn) -> None:
    baked = bake()  # the default answers
    settings_modules = (baked.path / f"src/{baked.package}/core/settings").glob("*.py")
    patterns = [pattern for module in settings_modules for pattern in _message_patterns(module.read_text())]
    assert patterns
    section = (DOCS / "troubleshooting.md").read_text().split("## Production settings refusals")[1]
    quoted = re.findall(r"^\| `([^`]+)` \|", section, re.M)
    assert len(quoted) >= 5
    for message in quoted:
        assert any(p.fullmatch(message) for p in patterns), f"no settings module raises {message!r}"


def test_readme_links_the_docs_and_keeps_its_two_commands() -> None:
    readme = (TEMPLATE_ROOT / "README.md").read_text()
    assert "(docs/index.md)" in readme
    assert "(docs/updating.md)" in readme
    assert "make bake     # bakes the default project" in readme
    assert "make test     # runs the whole test suite" in readme


# The baked docs site (docs=mkdocs), built for real as `make docs` does: the default bake, and a
# bake with no database, auth or worker (its runbook has no migrations, its reference no /auth).
BAKED_SITES = {
    "default": {},
    "bare": {"database": "none", "auth": "none", "worker": "none", "ci": "gitlab"},
}


@pytest.mark.parametrize("name", list(BAKED_SITES))
def test_baked_docs_site_builds_strict(bake: BakeFn, name: str, tmp_path: Path) -> None:
    baked = bake(**BAKED_SITES[name])
    # The service and the docs group only: the site needs no test tools.
    run(["uv", "sync", "--locked", "--no-default-groups", "--group", "docs"], cwd=baked.path)
    site = tmp_path / "site"
    run(
        ["uv", "run", "--no-sync", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=baked.path,
        env={"NO_MKDOCS_2_WARNING": "1"},
    )
    api = (site / "api/index.html").read_text()
    assert "GET /health/ready" in api
    assert ("/api/v1/auth/login" in api) is ("auth" in baked.features)
    configuration = (site / "configuration/index.html").read_text()
    assert "SECRET_KEY" in configuration
    assert ("DATABASE_URL" in configuration) is ("db" in baked.features)
    architecture = (site / "architecture/index.html").read_text()
    assert f"{baked.package}.core.health" in architecture
    runbook = (site / "runbook/index.html").read_text()
    assert ('id="migrate"' in runbook) is ("db" in baked.features)
    assert ('id="create-a-superuser"' in runbook) is ("auth" in baked.features)
    assert (site / "openapi.json").is_file()
    overview = (site / "index.html").read_text()
    assert baked.answers["project_name"] in overview
    # Every guide the bake keeps is a page of the site.
    for guide in (baked.path / "docs").rglob("*.md"):
        page = guide.relative_to(baked.path / "docs").with_suffix("")
        assert (site / page / "index.html").is_file(), page

"""The default bake: complete, clean, pruned as the rules say, with fresh local secrets."""

from __future__ import annotations

import datetime
import re
import shutil
import stat
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from harness import checks
from harness.baking import Baked, rules, run

BakeFn = Callable[..., Baked]


@pytest.fixture(scope="module")
def default(bake: BakeFn) -> Baked:
    return bake()


def test_default_bake_has_the_designed_layout(default: Baked) -> None:
    pkg = default.path / "src" / default.package
    for relative in ("main.py", "core/config.py", "core/db.py", "core/logging.py", "core/security.py",
                     "core/errors.py", "core/health.py", "auth/router.py", "users/router.py",
                     "items/router.py", "cli.py"):  # fmt: skip
        assert (pkg / relative).is_file(), f"missing src/{default.package}/{relative}"
    project_files = ["migrations/env.py", "alembic.ini", "Makefile", "pyproject.toml", "README.md"]
    project_files += [".env.example", ".gitignore", ".pre-commit-config.yaml", "tests/conftest.py"]
    for relative in project_files:
        assert (default.path / relative).is_file(), f"missing {relative}"
    assert list((default.path / "migrations" / "versions").glob("*.py")), "no initial revision"


def test_no_template_syntax_is_left(default: Baked) -> None:
    assert checks.leftover_jinja(default.path) == []


def test_data_files_parse(default: Baked) -> None:
    assert checks.unparseable_data_files(default.path) == []


def test_ruff_check_and_format(default: Baked) -> None:
    ruff = shutil.which("ruff")
    assert ruff, "ruff is a dev dependency of the template"
    run([ruff, "check", "--no-cache", "."], cwd=default.path)
    run([ruff, "format", "--check", "--no-cache", "."], cwd=default.path)


def test_paths_of_unchosen_options_are_absent_and_chosen_ones_present(default: Baked) -> None:
    pruned = set(rules.paths_to_prune(default.answers))
    for path in rules.manifest_paths(default.answers):
        assert (default.path / path).exists() is (path not in pruned), path


def test_makefile_has_the_contract_targets(default: Baked) -> None:
    makefile = (default.path / "Makefile").read_text()
    for target in ("install", "migrate", "test", "lint", "format", "api", "shell"):
        assert f"\n{target}:" in f"\n{makefile}", f"Makefile lacks `{target}`"


def test_env_has_fresh_secrets_and_is_ignored(default: Baked, bake: BakeFn) -> None:
    env_file = default.path / ".env"
    example = checks.dotenv(default.path / ".env.example")
    env = checks.dotenv(env_file)
    assert set(env) == set(example), ".env and .env.example must list the same variables"
    secrets = [key for key, value in example.items() if value == "change-me"]
    assert "SECRET_KEY" in secrets
    for key in secrets:
        assert env[key] != "change-me", f"{key} was not generated"
        assert len(env[key]) >= 64, f"{key} was not generated"
    # The host's DATABASE_URL reaches the compose db service (`make services`) as the user and
    # password that service creates.
    package = default.answers["package_name"]
    expected = f"postgresql+asyncpg://{package}:{env['POSTGRES_PASSWORD']}@localhost:5432/{package}"
    assert env["DATABASE_URL"] == expected
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert ".env" in (default.path / ".gitignore").read_text().split()
    other = bake(project_name="Other Service")
    assert checks.dotenv(other.path / ".env")["SECRET_KEY"] != env["SECRET_KEY"], "secrets must be fresh"


def test_answers_render_into_the_project(bake: BakeFn) -> None:
    baked = bake(project_name="Billing API", version="2.0.0rc1", author_email="team@billing.io")
    assert baked.path.name == "billing-api"
    pyproject = (baked.path / "pyproject.toml").read_text()
    assert 'name = "billing-api"' in pyproject
    assert 'version = "2.0.0rc1"' in pyproject
    assert "team@billing.io" in pyproject
    assert (baked.path / "src" / "billing_api" / "main.py").is_file()


@pytest.mark.parametrize("choice", list(rules.LICENSE_EXPRESSIONS))
def test_license_file_and_pyproject_agree_with_the_choice(bake: BakeFn, choice: str) -> None:
    baked = bake(license=choice, author_name="Ada Lovelace")
    source = rules.TEMPLATE_ROOT / "{{cookiecutter.project_slug}}" / rules.license_text_path(baked.answers)
    license_text = (baked.path / "LICENSE").read_text()
    year = datetime.datetime.now(datetime.UTC).year
    holder_line = re.compile(r"^Copyright \(c\) <year> <[^>]+>", re.MULTILINE)
    if holder_line.search(source.read_text()):
        # The licensor's copyright line is filled in; every other character is the license's.
        assert f"Copyright (c) {year} Ada Lovelace" in license_text
        assert license_text == holder_line.sub(f"Copyright (c) {year} Ada Lovelace", source.read_text())
    else:
        assert license_text == source.read_text(), "Apache-2.0 and the GPL are copied unchanged"
    assert not (baked.path / rules.LICENSE_TEXTS_DIR).exists(), "the other license texts are gone"

    project = tomllib.loads((baked.path / "pyproject.toml").read_text())["project"]
    assert project["license"] == rules.LICENSE_EXPRESSIONS[choice]
    assert project["license-files"] == ["LICENSE"]
    classifiers = project.get("classifiers", [])
    assert not [c for c in classifiers if c.startswith("License ::")], "PEP 639: the expression only"
    assert ("Private :: Do Not Upload" in classifiers) is (choice == "Proprietary")


@pytest.mark.parametrize("python_version", rules.CHOICE_OPTIONS["python_version"])
@pytest.mark.parametrize("ci", ["github", "gitlab"])
def test_python_version_reaches_the_image_and_ci(bake: BakeFn, python_version: str, ci: str) -> None:
    baked = bake(python_version=python_version, ci=ci)
    dockerfile = (baked.path / "Dockerfile").read_text()
    assert f"\nARG PYTHON_VERSION={python_version}\n" in dockerfile
    assert "FROM python:${PYTHON_VERSION}-slim" in dockerfile
    if ci == "github":
        workflow = yaml.safe_load((baked.path / ".github/workflows/ci.yml").read_text())
        assert workflow["env"]["UV_PYTHON"] == python_version
    else:
        pipeline = yaml.safe_load((baked.path / ".gitlab-ci.yml").read_text())
        assert pipeline["variables"]["UV_PYTHON"] == python_version
        assert f"-python{python_version}-" in pipeline["default"]["image"]
    # The code itself targets the oldest supported Python, whatever the image runs.
    pyproject = tomllib.loads((baked.path / "pyproject.toml").read_text())
    assert pyproject["project"]["requires-python"] == ">=3.11"
    assert pyproject["tool"]["ruff"]["target-version"] == "py311"
    assert pyproject["tool"]["mypy"]["python_version"] == "3.11"


def dependencies(baked: Baked) -> set[str]:
    """The distribution names in the bake's [project] dependencies."""
    data = tomllib.loads((baked.path / "pyproject.toml").read_text())
    return {re.split(r"[\[<>=!~; ]", spec, maxsplit=1)[0].lower() for spec in data["project"]["dependencies"]}


def revisions(project: Path) -> str:
    """The text of every Alembic revision of a bake (one per feature that has tables)."""
    return "".join(path.read_text() for path in sorted(project.glob("migrations/versions/*.py")))


def test_sqlite_bake_uses_a_file_not_a_server(bake: BakeFn) -> None:
    baked = bake(database="sqlite")
    deps = dependencies(baked)
    assert "aiosqlite" in deps
    assert "asyncpg" not in deps
    compose = yaml.safe_load((baked.path / "compose.yaml").read_text())
    assert "db" not in compose["services"]
    assert "postgres" not in (baked.path / "compose.yaml").read_text()
    assert "sqlite-data" in compose["volumes"]
    example = checks.dotenv(baked.path / ".env.example")
    assert example["DATABASE_URL"] == f"sqlite+aiosqlite:///./data/{baked.package}.db"
    assert "POSTGRES_PASSWORD" not in example
    env_py = (baked.path / "migrations" / "env.py").read_text()
    assert '"render_as_batch": True' in env_py, "SQLite migrations must run in batch mode"


def test_auth_none_items_are_public(bake: BakeFn) -> None:
    baked = bake(auth="none")
    items = baked.path / "src" / baked.package / "items"
    for module in ("router.py", "dependencies.py", "service.py", "models.py"):
        source = (items / module).read_text()
        for auth_word in ("CurrentUser", ".auth", "owner"):
            assert auth_word not in source, module
    migration = revisions(baked.path)
    assert '"users"' not in migration
    assert "owner_id" not in migration
    assert {"pyjwt", "pwdlib"}.isdisjoint(dependencies(baked))
    example = checks.dotenv(baked.path / ".env.example")
    assert "ACCESS_TOKEN_EXPIRE_MINUTES" not in example
    assert "SECRET_KEY" in example


def test_database_none_bake_has_no_database_parts(bake: BakeFn) -> None:
    baked = bake(database="none", auth="none")
    assert not (baked.path / "migrations").exists()
    assert not (baked.path / "alembic.ini").exists()
    assert {"sqlalchemy", "alembic", "asyncpg", "aiosqlite"}.isdisjoint(dependencies(baked))
    assert "DATABASE_URL" not in checks.dotenv(baked.path / ".env.example")
    assert "\nmigrate:" not in (baked.path / "Makefile").read_text()
    fixtures = "".join(path.read_text() for path in (baked.path / "tests").rglob("*.py"))
    assert "sqlalchemy" not in fixtures
    assert "alembic" not in fixtures


@pytest.mark.parametrize("auth", ["bearer", "none"])
def test_examples_off_leaves_an_empty_domain(bake: BakeFn, auth: str) -> None:
    baked = bake(include_examples=False, auth=auth)
    pkg = baked.path / "src" / baked.package
    assert not (pkg / "items").exists()
    assert not (pkg / "jobs").exists()
    migration = revisions(baked.path)
    assert '"items"' not in migration
    assert '"jobs"' not in migration
    assert ('"users"' in migration) is (auth != "none")


REVISION_RE = re.compile(r'^(down_revision|revision): str(?: \| None)? = (?:"(\w+)"|None)$', re.MULTILINE)


@pytest.mark.parametrize(
    "overrides",
    [{}, {"auth": "none"}, {"email": "none"}, {"worker": "none"}, {"include_examples": False},
     {"auth": "none", "worker": "none"}, {"database": "sqlite", "email": "none"}],
    ids=lambda overrides: ",".join(f"{k}={v}" for k, v in overrides.items()) or "default",
)  # fmt: skip
def test_the_first_revisions_form_one_chain(bake: BakeFn, overrides: dict[str, object]) -> None:
    """Each feature with tables brings its own revision; the ones a bake keeps revise each other."""
    baked = bake(**overrides)
    parents: dict[str, str | None] = {}
    for path in sorted((baked.path / "migrations" / "versions").glob("*.py")):
        found = dict(REVISION_RE.findall(path.read_text()))
        assert path.name.startswith(found["revision"] + "_"), path.name
        parents[found["revision"]] = found["down_revision"] or None
    pruned = rules.paths_to_prune(baked.answers)
    kept = [rev for rev, (name, _) in rules.REVISIONS.items()
            if f"migrations/versions/{rev}_{name}.py" not in pruned]  # fmt: skip
    assert list(parents) == kept
    assert list(parents.values()) == [None, *kept[:-1]]

"""The docs site's generated pages (scripts/docs_gen.py) say what the code does: every setting with
its default and whether production requires it, every route, every module and import layer."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest
from pydantic import ValidationError
from scripts import docs_gen

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.main import app
from tests.helpers import production

ROOT = Path(__file__).resolve().parent.parent
ROW_RE = re.compile(r"^\| `([A-Z][A-Z0-9_]*)` \| (.*?) \| (\S+) \| .*\|$", re.MULTILINE)


def configuration_rows() -> dict[str, tuple[str, str]]:
    """Variable -> (default cell, production cell) of the configuration page."""
    rows = ROW_RE.findall(docs_gen.configuration_page())
    assert len(rows) == len({name for name, _, _ in rows}), "a variable is listed twice"
    return {name: (default, required) for name, default, required in rows}


def test_every_setting_is_documented_once() -> None:
    assert set(configuration_rows()) == {name.upper() for name in Settings.model_fields}


def test_the_documented_defaults_are_the_code_defaults() -> None:
    rows = configuration_rows()
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        cell = rows[name.upper()][0]
        if default in ("", []):
            assert cell == "empty", name
        elif isinstance(default, bool):
            assert cell == f"`{str(default).lower()}`", name
        elif isinstance(default, str | int | float):
            assert cell == f"`{default}`", name


def test_required_in_production_is_what_production_refuses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A setting is marked required exactly when production refuses its default, naming it."""
    rows = configuration_rows()
    # The page speaks of the defaults: the tests' own environment (servers, ports) steps aside.
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        try:
            production(**{name: default})
        except ValidationError as error:
            refused = name.upper() in str(error)
        else:
            refused = False
        assert (rows[name.upper()][1] == "**required**") is refused, name
    assert rows["SECRET_KEY"][1] == "**required**"


def test_every_route_is_in_the_api_reference() -> None:
    document = docs_gen.openapi()
    page = docs_gen.api_page(document)
    documented = set(re.findall(r"^### `([A-Z]+ \S+)`$", page, re.MULTILINE))
    # The app the service runs (main.app), not the one the generator builds.
    served = app.openapi()["paths"]
    routes = {f"{method.upper()} {path}" for path, item in served.items() for method in item}
    assert {"GET /health/live", "GET /health/ready"} <= routes
    assert documented == routes
    for schema in document["components"]["schemas"]:
        assert f"\n### {schema}\n" in page


def test_the_architecture_page_names_every_layer_and_module() -> None:
    page = docs_gen.architecture_page()
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (contract,) = config["tool"]["importlinter"]["contracts"]
    package = config["tool"]["importlinter"]["root_package"]
    for number, layer in enumerate(contract["layers"], 1):
        names = [name.strip().removeprefix(f"{package}.") for name in layer.split("|")]
        assert re.search(rf"^\| {number} \| `{'`, `'.join(names)}` \|", page, re.MULTILINE), layer
    for path in (ROOT / "src" / package).rglob("*.py"):
        parts = path.relative_to(ROOT / "src").with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        assert f"| `{module}` |" in page, module


def test_the_overview_is_the_readme_and_the_guides_link_to_it() -> None:
    readme = (ROOT / "README.md").read_text()
    overview = docs_gen.overview_page()
    assert overview.splitlines()[0] == readme.splitlines()[0]
    assert "](docs/" not in overview
    guide = SimpleNamespace(file=SimpleNamespace(src_uri="deploy/guide.md"))
    text = "See [the table](../../README.md#environment-variables)."
    linked = docs_gen.on_page_markdown(text, guide, None, None)
    assert linked == "See [the table](../index.md#environment-variables)."

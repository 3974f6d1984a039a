"""The docs site's generated pages, read from the code at build time so that they cannot drift.

MkDocs loads this file as a hook (`hooks:` in mkdocs.yml). `on_files` adds files that are never
committed: `index.md` (the README), `architecture.md` (the import layers of pyproject.toml and the
modules under src/), `configuration.md` (every field of `Settings`), `api.md` and `openapi.json`
(the app's own OpenAPI document). tests/test_docs_site.py holds the pages to the code.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import pkgutil
import re
import secrets
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import ValidationError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from {{ cookiecutter.package_name }}.core.config import Settings

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "{{ cookiecutter.package_name }}"
PACKAGE_DIR = ROOT / "src" / PACKAGE

# Values the production probe tries for a string setting whose default production refuses: a
# random key, then an https address (a setting that must be a public URL refuses the key).
PROBE_VALUES = (secrets.token_hex(32), "https://app.example.com")


# --- Architecture ---------------------------------------------------------------------------------


def import_layers() -> list[list[str]]:
    """The layers of the import-linter contract in pyproject.toml, top first (`make lint`)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    layers: list[list[str]] = []
    for contract in config["tool"]["importlinter"]["contracts"]:
        if contract["type"] == "layers":
            layers += [[name.strip() for name in layer.split("|")] for layer in contract["layers"]]
    return layers


def summary(module: str) -> str:
    """The first paragraph of a module's docstring, on one line."""
    doc = inspect.getdoc(importlib.import_module(module)) or ""
    return " ".join(doc.split("\n\n")[0].split())


def modules() -> Iterator[str]:
    """Every module of the package, in the order a tree lists them."""
    yield PACKAGE
    for info in pkgutil.walk_packages([str(PACKAGE_DIR)], prefix=f"{PACKAGE}."):
        yield info.name


def app_parts() -> list[str]:
    """The modules whose `FEATURE` main.py composes, in the order of `FEATURES`."""
    tree = ast.parse((PACKAGE_DIR / "main.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and ast.unparse(node.target) == "FEATURES":
            if not isinstance(node.value, ast.List):
                raise TypeError("main.py: FEATURES should be a list literal")
            return [ast.unparse(item).removesuffix(".FEATURE") for item in node.value.elts]
    return []


def architecture_page() -> str:
    """How this service is put together: its layers, its parts and its modules."""
    lines = [
        "# Architecture",
        "",
        "Generated from the code when the site is built: the import layers come from",
        "`pyproject.toml` (checked by `make lint`), the parts from `FEATURES` in `main.py`, the",
        "modules and their descriptions from `src/`.",
        "",
        "## Layers",
        "",
        "A module may import the layers below its own, never one above; the modules of one layer",
        "are independent of each other.",
        "",
        "| Layer | Modules | What they are |",
        "|---|---|---|",
    ]
    for number, layer in enumerate(import_layers(), 1):
        names = ", ".join(f"`{name.removeprefix(PACKAGE + '.')}`" for name in layer)
        what = "; ".join(summary(name) for name in layer)
        lines.append(f"| {number} | {names} | {escape(what)} |")
    lines += [
        "",
        "## The app's parts",
        "",
        "`create_app()` starts these in this order (and stops them in reverse), runs their",
        "readiness checks under `/health/ready`, and includes their routes under `/api/v1`.",
        "",
        "| Part | What it is |",
        "|---|---|",
    ]
    for part in app_parts():
        lines.append(f"| `{part.removeprefix(PACKAGE + '.')}` | {escape(summary(part))} |")
    lines += ["", "## Modules", "", "| Module | What it is |", "|---|---|"]
    for module in modules():
        lines.append(f"| `{module}` | {escape(summary(module))} |")
    return "\n".join(lines) + "\n"


# --- Configuration --------------------------------------------------------------------------------


class _InitOnly(Settings):
    """`Settings` that read nothing but their arguments: the probe must not see the environment."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def _refusal(values: dict[str, object]) -> str | None:
    try:
        _InitOnly(**values)  # type: ignore[arg-type]
    except ValidationError as error:
        return "; ".join(str(item["msg"]) for item in error.errors())
    return None


def production_required() -> list[str]:
    """The settings whose default production refuses, so a deployment must set them.

    Found by asking `Settings` itself: start from every default with ENVIRONMENT=production; a
    refusal names the variable to set; give it a value production accepts and ask again.
    """
    values: dict[str, object] = {"environment": "production"}
    required: list[str] = []
    while (refusal := _refusal(values)) is not None:
        named = [
            name
            for name in Settings.model_fields
            if name not in values and re.search(rf"\b{name.upper()}\b", refusal)
        ]
        for name in named:
            accepted = next(
                (
                    value
                    for value in PROBE_VALUES
                    if _names(_refusal({**values, name: value}), name)
                ),
                None,
            )
            if accepted is not None:
                values[name] = accepted
                required.append(name)
                break
        else:
            raise RuntimeError(
                f"production refuses the defaults ({refusal}) and no value in PROBE_VALUES of "
                "scripts/docs_gen.py is accepted; add one that is"
            )
    return required


def _names(refusal: str | None, name: str) -> bool:
    """Whether this value got past the refusal of `name` (the next refusal names another)."""
    return refusal is None or not re.search(rf"\b{name.upper()}\b", refusal)


def field_comment(name: str) -> str:
    """The comment above a field where its class declares it, on one line."""
    for cls in Settings.__mro__:
        if name not in vars(cls).get("__annotations__", {}):
            continue
        source = inspect.getsource(cls).splitlines()
        at = next(i for i, line in enumerate(source) if re.match(rf"\s+{name}\s*:", line))
        comment: list[str] = []
        for line in reversed(source[:at]):
            if not line.strip().startswith("#"):
                break
            comment.insert(0, line.strip().removeprefix("#").strip())
        return " ".join(comment)
    return ""


def declared_in(name: str) -> type:
    """The settings class that declares the field (its part of the service)."""
    return next(cls for cls in Settings.__mro__ if name in vars(cls).get("__annotations__", {}))


def default_text(name: str) -> str:
    """A field's default as the environment variable would spell it."""
    field = Settings.model_fields[name]
    value = field.get_default(call_default_factory=True)
    if value == "" or value == []:
        return "empty"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, list):
        return f"`{json.dumps(value)}`"
    return f"`{value}`"


def type_text(name: str) -> str:
    """A field's type as the variable takes it, with its bounds: `int >= 1`, `one of a, b`."""
    field = Settings.model_fields[name]
    annotation = field.annotation
    if get_origin(annotation) is Literal:
        return "one of " + ", ".join(f"`{choice}`" for choice in get_args(annotation))
    kind = getattr(annotation, "__name__", str(annotation))
    if get_origin(annotation) is list:
        kind = "comma-separated list"
    bounds = [
        f"{symbol} {getattr(rule, attribute)}"
        for rule in field.metadata
        for attribute, symbol in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<"))
        if hasattr(rule, attribute)
    ]
    return " ".join([kind, ", ".join(bounds)]).strip()


def configuration_page() -> str:
    """Every setting: its variable, default, whether production requires it, and what it does."""
    required = set(production_required())
    lines = [
        "# Configuration",
        "",
        "Generated from `Settings` (`core/config.py`) when the site is built. Every field is read",
        "from the upper-case environment variable, or from `.env`. **required** marks a setting",
        "whose default production refuses (`ENVIRONMENT=production`): set it, or the service",
        "refuses to start and names the variable.",
    ]
    by_class: dict[type, list[str]] = {}
    for name in Settings.model_fields:
        by_class.setdefault(declared_in(name), []).append(name)
    for cls, names in by_class.items():
        doc = (inspect.getdoc(inspect.getmodule(cls)) or cls.__name__).split("\n\n")[0]
        lines += [
            "",
            f"## {cls.__name__}",
            "",
            " ".join(doc.split()),
            "",
            "| Variable | Default | Production | Type | What it does |",
            "|---|---|---|---|---|",
        ]
        for name in names:
            production = "**required**" if name in required else "optional"
            comment = escape(field_comment(name))
            kind = escape(type_text(name))
            lines.append(
                f"| `{name.upper()}` | {default_text(name)} | {production} | {kind} | {comment} |"
            )
    return "\n".join(lines) + "\n"


# --- API reference --------------------------------------------------------------------------------


def openapi() -> dict[str, Any]:
    """The app's OpenAPI document, as `/openapi.json` serves it."""
    # Imported here: importing main builds the module-level app from the environment.
    from {{ cookiecutter.package_name }}.main import create_app

    document: dict[str, Any] = create_app(_InitOnly()).openapi()
    return document


def schema_text(schema: dict[str, Any]) -> str:
    """A JSON schema as a short type: `Item`, `array of Item`, `string (uuid)`, `A or null`."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(schema_text(option) for option in schema["anyOf"])
    if schema.get("type") == "array":
        return f"array of {schema_text(schema.get('items', {}))}"
    kind = str(schema.get("type", "any"))
    return f"{kind} ({schema['format']})" if "format" in schema else kind


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) of every route the document has."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def api_page(document: dict[str, Any]) -> str:
    """Every route, with its parameters, body and answers, then every schema."""
    info = document["info"]
    lines = [
        "# API reference",
        "",
        f"{escape(info['title'])} {info['version']}. Generated from the app's OpenAPI document",
        "when the site is built; the document itself is [openapi.json](openapi.json). A running",
        "service serves it at `/openapi.json` and the interactive docs at `/docs`.",
    ]
    tags: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for method, path, operation in operations(document):
        tags.setdefault(operation.get("tags", ["health"])[0], []).append((method, path, operation))
    for tag, routes in tags.items():
        lines += ["", f"## {tag}"]
        for method, path, operation in routes:
            lines += ["", f"### `{method} {path}`", "", escape(operation.get("summary", ""))]
            if operation.get("description"):
                lines += ["", operation["description"]]
            parameters = operation.get("parameters", [])
            if parameters:
                lines += ["", "| Parameter | In | Required | Type |", "|---|---|---|---|"]
                for parameter in parameters:
                    required = "yes" if parameter.get("required") else "no"
                    kind = escape(schema_text(parameter.get("schema", {})))
                    lines.append(
                        f"| `{parameter['name']}` | {parameter['in']} | {required} | {kind} |"
                    )
            for content_type, body in operation.get("requestBody", {}).get("content", {}).items():
                kind = escape(schema_text(body.get("schema", {})))
                lines += ["", f"Body (`{content_type}`): {kind}"]
            lines += ["", "| Answer | Meaning | Body |", "|---|---|---|"]
            for status, answer in operation.get("responses", {}).items():
                content = answer.get("content", {})
                kind = "; ".join(schema_text(body.get("schema", {})) for body in content.values())
                lines.append(f"| {status} | {escape(answer['description'])} | {escape(kind)} |")
    schemas = document.get("components", {}).get("schemas", {})
    if schemas:
        lines += ["", "## Schemas"]
    for name, schema in schemas.items():
        lines += ["", f"### {name}"]
        properties = schema.get("properties", {})
        if properties:
            lines += ["", "| Field | Type | Required |", "|---|---|---|"]
            needed = set(schema.get("required", []))
            for field, spec in properties.items():
                required = "yes" if field in needed else "no"
                lines.append(f"| `{field}` | {escape(schema_text(spec))} | {required} |")
        elif "enum" in schema:
            lines += ["", "One of: " + ", ".join(f"`{value}`" for value in schema["enum"])]
    return "\n".join(lines) + "\n"


# --- The MkDocs hook ------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Text that stays inside one Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def overview_page() -> str:
    """The README, its links into docs/ made relative to the site."""
    return (ROOT / "README.md").read_text().replace("](docs/", "](")


def generated_pages() -> dict[str, str]:
    """Path under docs/ -> content, for every generated file."""
    document = openapi()
    return {
        "index.md": overview_page(),
        "architecture.md": architecture_page(),
        "configuration.md": configuration_page(),
        "api.md": api_page(document),
        "openapi.json": json.dumps(document, indent=2) + "\n",
    }


def on_files(files: Any, config: Any) -> Any:
    """MkDocs event: add the generated pages to the site's files."""
    # mkdocs is in the `docs` dependency group only, so the tests import this file without it.
    file_class = importlib.import_module("mkdocs.structure.files").File
    for path, content in generated_pages().items():
        files.append(file_class.generated(config, path, content=content))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """MkDocs event: a guide's link to the README goes to the overview page, which is the README."""
    depth = str(page.file.src_uri).count("/")
    readme = "](" + "../" * (depth + 1) + "README.md"
    return markdown.replace(readme, "](" + "../" * depth + "index.md")

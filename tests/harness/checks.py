"""Static checks on a baked tree, shared by the default-bake tests and the variant matrix."""

from __future__ import annotations

import ast
import json
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

import yaml

from harness.baking import Baked, rules

# A leftover is template syntax, or a reference to a template variable. `${{ }}` is GitHub
# Actions syntax, not Jinja, and `.cookiecutterrc` is documentation for forks.
LEFTOVER_RE = re.compile(r"(?<!\$)\{\{|\{%|%\}|\bcookiecutter\.(?!json)|_cookiecutter")
SKIP_DIRS = {".venv", ".git", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}


def text_files(root: Path) -> list[Path]:
    files = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not SKIP_DIRS & set(path.relative_to(root).parts):
            try:
                path.read_text()
            except UnicodeDecodeError:
                continue
            files.append(path)
    return files


def leftover_jinja(root: Path) -> list[str]:
    """`file:line: text` for every line that still looks like template syntax."""
    found = []
    for path in text_files(root):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if LEFTOVER_RE.search(line):
                found.append(f"{path.relative_to(root)}:{number}: {line.strip()[:120]}")
    return found


def unparseable_data_files(root: Path) -> list[str]:
    """YAML, TOML and JSON files that their parser rejects, with the reason."""
    bad = []
    for path in text_files(root):
        try:
            if path.suffix in {".yaml", ".yml"}:
                list(yaml.safe_load_all(path.read_text()))
            elif path.suffix == ".toml":
                tomllib.loads(path.read_text())
            elif path.suffix == ".json":
                json.loads(path.read_text())
        except (yaml.YAMLError, tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
            bad.append(f"{path.relative_to(root)}: {exc}")
    return bad


def dotenv(path: Path) -> dict[str, str]:
    pairs = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            pairs[key.strip()] = value
    return pairs


# --- The baked README tells the truth about its bake ---------------------------------------------

FENCE_RE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
CODE_SPAN_RE = re.compile(r"`([^`\n]+)`")
MAKE_RE = re.compile(r"(?<![\w-])make ([a-z][a-z0-9_-]*)")
TARGET_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9_-]*):", re.MULTILINE)
LINK_RE = re.compile(r"\]\((?!https?:|#|mailto:)([^)\s]+)\)")
# A repository path in backticks: a known top-level entry, or a relative path to a file with one
# of these suffixes (checked from the project root, then from the package, as the README writes
# `core/db.py`). URLs, routes (/api/..., /health/...) and container paths (/app/...) are not paths.
TOP_LEVEL = ("src/", "tests/", "migrations/", "deploy/", "scripts/", ".github/", ".devcontainer/", "docs/")
FILE_RE = re.compile(r"^[\w.-]+(?:/[\w.-]+)*\.(?:py|ya?ml|toml|ini|json|lock|sh|cfg|conf|template)$")
ROOT_FILES = ("Dockerfile", "Makefile", "Procfile", ".env.example", "LICENSE", ".dockerignore")
# A line that names an answer (`cache=redis`) advises baking another variant: it may name what
# this bake lacks.
ANSWER_RE = re.compile(r"`(?:" + "|".join(rules.DEFAULTS) + r")=[^`]+`")


def _code(readme: str) -> list[str]:
    """Every fenced block and inline code span."""
    spans = FENCE_RE.findall(readme)
    spans += CODE_SPAN_RE.findall(FENCE_RE.sub("", readme))
    return spans


# Paths a tool writes later, which a README may name before they exist.
WRITTEN_LATER = {".cruft.json", ".tools", ".venv", "production.env"}


def _path_exists(baked: Baked, token: str) -> bool:
    token = token.rstrip("/").split("::")[0]
    if token in WRITTEN_LATER:
        return True
    if "/" not in token:  # a bare file name: anywhere in the bake (`router.py` of each domain)
        return (baked.path / token).exists() or any(baked.path.rglob(token))
    roots = [baked.path, baked.path / "src" / baked.package]
    return any((root / token).exists() for root in roots)


def _page_problems(baked: Baked, page: Path, targets: set[str]) -> list[str]:
    """What one Markdown page of the bake names that the bake does not have."""
    text = page.read_text()
    problems = []
    for span in _code(text):
        for target in MAKE_RE.findall(span):
            if target not in targets:
                problems.append(f"`make {target}`: the Makefile has no such target")
        for token in re.split(r"[\s,()=\"']+", span):
            looks_like_path = token.startswith(TOP_LEVEL) or FILE_RE.match(token) or token in ROOT_FILES
            plain = looks_like_path and "{" not in token and not token.startswith(("/", "~"))
            if plain and not _path_exists(baked, token):
                problems.append(f"`{token}`: no such path in the bake")
    for target in LINK_RE.findall(text):
        # A link is relative to its page (the guides in docs/ link back to ../README.md).
        linked = (page.parent / target.split("#")[0]).resolve()
        if not linked.exists() or not linked.is_relative_to(baked.path.resolve()):
            problems.append(f"link to {target}: no such path in the bake")
    lacking = {
        feature for feature in {*rules.FEATURE_WORDS, *rules.OWNED_IMPORTS} if feature not in baked.features
    }
    for number, line in enumerate(text.splitlines(), 1):
        if ANSWER_RE.search(line):
            continue
        for feature in sorted(lacking):
            for word in rules.FEATURE_WORDS.get(feature, ()):
                if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", line):
                    problems.append(f"line {number}: names {word!r}, but the bake has no {feature}")
            for name in rules.OWNED_IMPORTS.get(feature, ()):
                if re.search(rf"(?<![\w.-]){re.escape(name)}(?![\w-])", line, re.IGNORECASE):
                    problems.append(f"line {number}: names {name!r}, but the bake has no {feature}")
    return problems


def readme_problems(baked: Baked) -> list[str]:
    """What the bake's README and its guides (docs/) say that the bake does not have: make
    targets, paths, links, libraries; and variables the README's table gets wrong."""
    targets = set(TARGET_RE.findall((baked.path / "Makefile").read_text()))
    pages = [baked.path / "README.md", *sorted((baked.path / "docs").rglob("*.md"))]
    problems = [
        f"{page.relative_to(baked.path)}: {problem}"
        for page in pages
        for problem in _page_problems(baked, page, targets)
    ]
    return problems + [f"README.md: {problem}" for problem in env_table_problems(baked)]


# --- The README's variable table agrees with the bake's settings ---------------------------------

ENV_ROW_RE = re.compile(r"^\| (`[A-Z][A-Z0-9_]*`(?: / `[A-Z][A-Z0-9_]*`)*) \| (.*?) \| .* \|$", re.MULTILINE)
# Default cells that state no literal value.
NO_LITERAL = {"derived", "generated"}


def _env_table(readme: str) -> dict[str, str]:
    """Variable -> its default cell, from the table under `## Environment variables`."""
    section = readme.partition("\n## Environment variables\n")[2].partition("\n## ")[0]
    table: dict[str, str] = {}
    for names, default in ENV_ROW_RE.findall(section):
        names_list = [name.strip("`") for name in names.split(" / ")]
        defaults = default.split(" / ")
        for index, name in enumerate(names_list):
            table[name] = defaults[index] if len(defaults) == len(names_list) else default
    return table


def _constant(node: ast.expr | None, constants: Mapping[str, object]) -> object:
    """The value of a field's default when the source states it plainly, else `...`."""
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Field":
        node = next((kw.value for kw in node.keywords if kw.arg == "default"), None)
    if isinstance(node, ast.Name):
        return constants.get(node.id, ...)
    if node is None or not all(
        isinstance(part, (ast.Constant, ast.BinOp, ast.operator, ast.List)) for part in ast.walk(node)
    ):
        return ...
    return eval(compile(ast.Expression(node), "<default>", "eval"), {"__builtins__": {}})  # noqa: S307  (constants only)


def settings_fields(baked: Baked) -> dict[str, object]:
    """Every field of the bake's settings classes, upper-cased, with its plainly stated default."""
    fields: dict[str, object] = {}
    for module in sorted((baked.path / "src" / baked.package / "core" / "settings").glob("*.py")):
        tree = ast.parse(module.read_text())
        constants = {
            target.id: node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for cls in (node for node in tree.body if isinstance(node, ast.ClassDef)):
            for field in cls.body:
                if (
                    isinstance(field, ast.AnnAssign)
                    and isinstance(field.target, ast.Name)
                    and not field.target.id.startswith("_")
                    and "ClassVar" not in ast.unparse(field.annotation)
                ):
                    fields[field.target.id.upper()] = _constant(field.value, constants)
    fields.pop("MODEL_CONFIG", None)
    return fields


def _states(cell: str, value: object) -> bool:
    """Whether a default cell of the README says `value` (cells in words pass)."""
    if value is ... or value is None or value == "" or cell in NO_LITERAL:
        return True  # no plain default in the source, or one the code derives at start-up
    if cell == "empty":
        return value in ("", [])
    literal = re.fullmatch(r"`([^`]*)`", cell)
    if literal is None:
        return True
    text = literal.group(1)
    if isinstance(value, bool):
        return text == str(value).lower()
    if isinstance(value, (int, float)):
        try:
            return float(text) == value
        except ValueError:
            return False
    return text == value


def env_table_problems(baked: Baked) -> list[str]:
    """Rows naming no setting of the bake (nor a variable its files read), settings without a row,
    and defaults that disagree with the settings classes."""
    table = _env_table((baked.path / "README.md").read_text())
    fields = settings_fields(baked)
    elsewhere = "\n".join(
        path.read_text()
        for path in text_files(baked.path)
        if path.suffix != ".md" and path.name not in {".env", ".env.example", "uv.lock"}
    )
    problems = [f"no row for the setting {name}" for name in sorted(set(fields) - set(table))]
    for name, cell in sorted(table.items()):
        if name in fields:
            if not _states(cell, fields[name]):
                problems.append(f"{name}: the table says {cell}, the settings {fields[name]!r}")
        elif not re.search(rf"\b{name}\b", elsewhere):
            problems.append(f"{name}: in the table, but no setting or file of the bake reads it")
    return problems


# --- The environment lists set only what the bake reads, and no secret in the open --------------


def env_lists(baked: Baked) -> dict[str, dict[str, object]]:
    """Variable -> value (as the file states it) of each list hooks/env_data.py renders."""
    root = baked.path
    lists: dict[str, dict[str, object]] = {".env.example": dict(dotenv(root / ".env.example"))}
    for name in ("compose/app.yaml", "compose/app.prod.yaml"):
        lists[name] = yaml.safe_load((root / name).read_text())["services"]["app"]["environment"]
    kustomization = root / "deploy/k8s/base/kustomization.yaml"
    if kustomization.exists():
        literals = yaml.safe_load(kustomization.read_text())["configMapGenerator"][0]["literals"]
        lists[str(kustomization.relative_to(root))] = dict(item.split("=", 1) for item in literals)
    if (root / "render.yaml").exists():
        group = yaml.safe_load((root / "render.yaml").read_text())["envVarGroups"][0]["envVars"]
        lists["render.yaml"] = {var["key"]: var for var in group}
    if (root / "app.json").exists():
        lists["app.json"] = json.loads((root / "app.json").read_text())["env"]
    return lists


def env_list_problems(baked: Baked) -> list[str]:
    """Variables a list sets that no setting of the bake, nor another of its files, reads; and
    secrets (`change-me` in .env.example) that a deploy file spells out instead of a Secret or a
    generated value."""
    fields = settings_fields(baked)
    lists = env_lists(baked)
    secrets = {name for name, value in lists[".env.example"].items() if "change-me" in str(value)}
    files = [
        path
        for path in text_files(baked.path)
        if path.suffix != ".md" and path.name not in {".env", ".env.example", "uv.lock"}
    ]
    problems = []
    for name, variables in lists.items():
        elsewhere = "\n".join(path.read_text() for path in files if path != baked.path / name)
        for variable in sorted(set(variables) - set(fields)):
            if not re.search(rf"\b{variable}\b", elsewhere):
                problems.append(f"{name}: sets {variable}, which no setting or other file of the bake reads")
        if name in ("render.yaml", "app.json", "deploy/k8s/base/kustomization.yaml"):
            for variable in sorted(secrets & set(variables)):
                value = variables[variable]
                generated = isinstance(value, dict) and (
                    value.get("generateValue") is True or value.get("generator") == "secret"
                )
                if not generated:
                    problems.append(f"{name}: sets the secret {variable} in the open: {value!r}")
    return problems

"""Static checks on a baked tree, shared by the default-bake tests and the variant matrix."""

from __future__ import annotations

import json
import re
import tomllib
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


def readme_problems(baked: Baked) -> list[str]:
    """What the bake's README says that the bake does not have: make targets, paths, libraries."""
    readme = (baked.path / "README.md").read_text()
    targets = set(TARGET_RE.findall((baked.path / "Makefile").read_text()))
    problems = []
    for span in _code(readme):
        for target in MAKE_RE.findall(span):
            if target not in targets:
                problems.append(f"`make {target}`: the Makefile has no such target")
        for token in re.split(r"[\s,()=\"']+", span):
            looks_like_path = token.startswith(TOP_LEVEL) or FILE_RE.match(token) or token in ROOT_FILES
            plain = looks_like_path and "{" not in token and not token.startswith(("/", "~"))
            if plain and not _path_exists(baked, token):
                problems.append(f"`{token}`: no such path in the bake")
    for target in LINK_RE.findall(readme):
        if not _path_exists(baked, target):
            problems.append(f"link to {target}: no such path in the bake")
    lacking = {
        feature for feature in {*rules.FEATURE_WORDS, *rules.OWNED_IMPORTS} if feature not in baked.features
    }
    for number, line in enumerate(readme.splitlines(), 1):
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

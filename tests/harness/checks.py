"""Static checks on a baked tree, shared by the default-bake tests and the variant matrix."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import yaml

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

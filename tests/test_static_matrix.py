"""Static layer: every variant of the strength-3 covering set and the core product bakes clean.

Each variant: the bake, no leftover Jinja, ruff check + format, the import-linter contracts,
YAML/TOML/JSON parse, the paths of unchosen options absent, and no import or dependency of an
unchosen option.
"""

from __future__ import annotations

import re
import shutil
import tomllib
from collections.abc import Callable
from typing import Any

import pytest
from harness import checks, matrix, summary
from harness.baking import Baked, rules, run, variant_id

BakeFn = Callable[..., Baked]


def _static_variants() -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for row in [*matrix.covering_set(matrix.AXES, 3), *matrix.core_product()]:
        over = matrix.overrides({**rules.DEFAULTS, **row})
        seen.setdefault(variant_id(over), over)
    return list(seen.values())


def _param(overrides: dict[str, Any]) -> Any:
    return pytest.param(overrides, id=variant_id(overrides))


STATIC_VARIANTS = _static_variants()
IMPORT_RE = re.compile(r"^\s*(?:from|import)\s+([A-Za-z_][\w]*)", re.MULTILINE)


def imported_modules(baked: Baked) -> set[str]:
    found: set[str] = set()
    for path in baked.path.rglob("*.py"):
        if ".venv" not in path.parts:
            found.update(IMPORT_RE.findall(path.read_text()))
    return found


def declared_dependencies(baked: Baked) -> set[str]:
    data = tomllib.loads((baked.path / "pyproject.toml").read_text())
    specs = list(data["project"].get("dependencies", []))
    for group in data.get("dependency-groups", {}).values():
        specs.extend(s for s in group if isinstance(s, str))
    return {re.split(r"[\[<>=!~; ]", spec, maxsplit=1)[0].lower().replace("-", "_") for spec in specs}


@pytest.mark.parametrize("overrides", [_param(v) for v in STATIC_VARIANTS])
def test_variant_bakes_clean(bake: BakeFn, overrides: dict[str, Any]) -> None:
    baked = bake(**overrides)
    name = variant_id(overrides)
    with summary.timed(name, "static"):
        assert checks.leftover_jinja(baked.path) == []
        assert checks.unparseable_data_files(baked.path) == []
        ruff = shutil.which("ruff")
        assert ruff
        run([ruff, "check", "--no-cache", "--quiet", "."], cwd=baked.path)
        run([ruff, "format", "--check", "--no-cache", "--quiet", "."], cwd=baked.path)
        # The import layers of the bake's pyproject.toml; grimp reads the sources, no install needed.
        lint_imports = shutil.which("lint-imports")
        assert lint_imports
        source = {"PYTHONPATH": str(baked.path / "src")}
        run([lint_imports, "--no-cache"], cwd=baked.path, env=source)

        pruned = rules.paths_to_prune(baked.answers)
        assert [p for p in pruned if (baked.path / p).exists()] == [], "pruned paths remain"
        kept = [p for p in rules.manifest_paths(baked.answers) if p not in pruned]
        assert [p for p in kept if not (baked.path / p).exists()] == [], "chosen paths are missing"

        off = {feature for feature in rules.OWNED_IMPORTS if feature not in baked.features}
        forbidden = {name for feature in off for name in rules.OWNED_IMPORTS[feature]}
        forbidden -= {name for feature in baked.features for name in rules.OWNED_IMPORTS.get(feature, ())}
        assert imported_modules(baked) & forbidden == set()
        # A distribution belongs to an owned name when it is that name or one of its family
        # (`opentelemetry` owns opentelemetry-sdk, opentelemetry-instrumentation-redis...).
        declared = declared_dependencies(baked)
        assert {d for d in declared for name in forbidden if d == name or d.startswith(f"{name}_")} == set()
        # The shipped lock is the bake's own: uv accepts it as up to date, with no network.
        run(["uv", "lock", "--locked", "--offline"], cwd=baked.path)
        # The README promises only what this bake has.
        assert checks.readme_problems(baked) == []

"""Write or check the universe lock: one uv.lock resolved for every dependency any bake declares.

    uv run python scripts/universe_lock.py --write            # re-lock after a dependency change
    uv run python scripts/universe_lock.py --write --upgrade  # and move every package to its latest
    uv run python scripts/universe_lock.py --check            # exit 1 if the lock is stale

The template ships the lock as `{{cookiecutter.project_slug}}/uv.lock` (copied without rendering);
the post-gen hook cuts it down to each bake (hooks/lock_pruner.py), so a bake needs no network to
get a lock that `uv sync --locked` accepts.

The universe's requirements are the union of the baked `pyproject.toml` over the static matrix (a
strength-3 covering set, and no dependency line depends on more than three options), rendered with
the template's own Jinja extension. `--check` re-derives them and asks `uv lock --locked` whether
the lock still fits; that needs no network while it does.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import jinja2
from harness import matrix  # the static matrix, built from the rule set

from hooks import rules
from hooks.filters_extension import TemplateFilters
from hooks.lock_pruner import Requirement, normalize_name

TEMPLATE_ROOT = Path(__file__).resolve().parent.parent
BAKED = TEMPLATE_ROOT / "{{cookiecutter.project_slug}}"
UNIVERSE_LOCK = BAKED / "uv.lock"
NAMES = {"project_slug": "my-service", "package_name": "my_service"}


def variants() -> list[dict[str, Any]]:
    """Full answer sets: the static layer's rows (covering set and core product)."""
    rows = [*matrix.covering_set(matrix.AXES, 3), *matrix.core_product()]
    return [{**rules.DEFAULTS, **row, **NAMES} for row in rows]


def render_pyproject(answers: dict[str, Any]) -> dict[str, Any]:
    # TOML, not HTML: escaping would corrupt it.
    env = jinja2.Environment(extensions=[TemplateFilters], keep_trailing_newline=True, autoescape=False)  # noqa: S701
    text = env.from_string((BAKED / "pyproject.toml").read_text()).render(cookiecutter=answers)
    return tomllib.loads(text)


def _merge(into: dict[str, Requirement], requirements: Iterable[str], where: str) -> None:
    for text in requirements:
        new = Requirement.parse(text)
        old = into.get(new.name)
        if old and old.specifier != new.specifier:
            sys.exit(
                f"ERROR: {new.name} is pinned {old.specifier} in one bake and {new.specifier} in {where}"
            )
        extras = tuple(sorted(set(old.extras if old else ()) | set(new.extras)))
        into[new.name] = Requirement(new.name, extras, new.specifier)


def universe_requirements() -> tuple[str, list[Requirement], dict[str, list[Requirement]]]:
    """requires-python, the union of the dependencies, and of each dependency group."""
    dependencies: dict[str, Requirement] = {}
    groups: dict[str, dict[str, Requirement]] = {}
    requires_python = set()
    for answers in variants():
        pyproject = render_pyproject(answers)
        requires_python.add(pyproject["project"]["requires-python"])
        _merge(dependencies, pyproject["project"]["dependencies"], str(answers))
        for group, entries in pyproject.get("dependency-groups", {}).items():
            _merge(groups.setdefault(normalize_name(group), {}), entries, str(answers))
    if len(requires_python) != 1:
        sys.exit(f"ERROR: bakes disagree on requires-python: {sorted(requires_python)}")
    return (
        requires_python.pop(),
        sorted(dependencies.values(), key=lambda r: r.name),
        {group: sorted(reqs.values(), key=lambda r: r.name) for group, reqs in groups.items()},
    )


def _pep508(requirement: Requirement) -> str:
    extras = f"[{','.join(requirement.extras)}]" if requirement.extras else ""
    return f'"{requirement.name}{extras}{requirement.specifier}"'


def universe_project(into: Path) -> None:
    """A pyproject.toml that declares the universe, beside a copy of the current lock."""
    requires_python, dependencies, groups = universe_requirements()
    lines = [
        "[project]",
        f'name = "{NAMES["project_slug"]}"',
        'version = "0.1.0"',
        f'requires-python = "{requires_python}"',
        "dependencies = [",
        *(f"    {_pep508(r)}," for r in dependencies),
        "]",
        "",
        "[dependency-groups]",
    ]
    for group, entries in groups.items():
        lines += [f"{group} = [", *(f"    {_pep508(r)}," for r in entries), "]"]
    # A build backend makes the root an editable package, as in every bake.
    lines += ["", "[build-system]", 'requires = ["hatchling"]', 'build-backend = "hatchling.build"']
    (into / "pyproject.toml").write_text("\n".join(lines) + "\n")
    if UNIVERSE_LOCK.exists():
        shutil.copy2(UNIVERSE_LOCK, into / "uv.lock")


def uv_lock(project: Path, *flags: str) -> subprocess.CompletedProcess[str]:
    uv = shutil.which("uv") or sys.exit("ERROR: uv is not on PATH")
    return subprocess.run([uv, "lock", *flags], cwd=project, capture_output=True, text=True, check=False)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="re-lock the universe and store the lock")
    mode.add_argument("--check", action="store_true", help="exit 1 if the lock does not fit the template")
    parser.add_argument("--upgrade", action="store_true", help="with --write: latest versions of everything")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="universe-") as tmp:
        project = Path(tmp)
        universe_project(project)
        if args.check:
            if not UNIVERSE_LOCK.exists():
                print(f"{UNIVERSE_LOCK.relative_to(TEMPLATE_ROOT)} is missing; run --write")
                return 1
            checked = uv_lock(project, "--locked", "--offline")
            if checked.returncode != 0:
                checked = uv_lock(project, "--locked")  # the cache may lack a new requirement
            if checked.returncode != 0:
                print(checked.stderr.strip())
                print("The universe lock is stale: uv run python scripts/universe_lock.py --write")
                return 1
            print("The universe lock fits every bake's requirements.")
            return 0
        locked = uv_lock(project, *(["--upgrade"] if args.upgrade else []))
        if locked.returncode != 0:
            print(locked.stderr.strip())
            return 1
        shutil.copy2(project / "uv.lock", UNIVERSE_LOCK)
        print(locked.stderr.strip())
        print(f"Wrote {UNIVERSE_LOCK.relative_to(TEMPLATE_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

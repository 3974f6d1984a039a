"""The Jinja filters that expose the rule set to the templates and the hooks.

Templates write `{% if 'redis' in cookiecutter | features %}` instead of restating the rules, and
the hooks receive the rule set's verdicts as rendered data (`cookiecutter | validation_errors`,
`cookiecutter | prune_plan`), so they need no import path back to the template.

`hooks/filters_extension.py` (the extension cookiecutter loads) executes this file afresh for
every render, and this file loads `rules.py`, `readme_data.py` and `env_data.py` afresh in turn.
`cruft update` renders the old and the new template in one process, from one checkout that it
resets between the two renders, so anything imported the usual way would be answered from Python's
module cache: the new render would prune with the old rules, or miss a filter the new templates
use. Add and change filters here, never in the extension.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

HOOKS = Path(__file__).resolve().parent
RULES_PATH = HOOKS / "rules.py"
README_DATA_PATH = HOOKS / "readme_data.py"
ENV_DATA_PATH = HOOKS / "env_data.py"

# The baked project's import layers, top first (docs/architecture.md): each may import only the
# layers below it, and the modules on one layer are independent siblings. A bake's import-linter
# contract lists the ones it keeps (`import_layers`).
IMPORT_LAYERS = (
    ("main", "cli"),
    ("items", "jobs"),
    # The live channel: the domains publish into it; it authenticates with auth and users.
    ("live",),
    ("account",),
    ("auth",),
    ("users",),
    ("mail",),
    ("worker",),
    ("core",),
)


# A class statement with `Base` (the declarative base) among its bases.
MAPPED_CLASS = re.compile(r"^class \w+\((?:[^)]*, )?Base[,)]", re.MULTILINE)


def load_fresh(path: Path, name: str) -> ModuleType:
    """Execute a file from disk as a new module object, bypassing `sys.modules`."""
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_rules(path: Path = RULES_PATH) -> ModuleType:
    """The rule set, as this checkout has it now."""
    return load_fresh(path, "_cookiecutter_template_rules")


def jinja_filters() -> dict[str, Callable[..., Any]]:
    """Every filter the templates and hooks use, by name."""
    rules = load_rules()
    filters: dict[str, Callable[..., Any]] = {}

    def features(answers: Mapping[str, Any]) -> list[str]:
        return sorted(rules.features(answers))

    def validation_errors(answers: Mapping[str, Any]) -> list[str]:
        errors: list[str] = rules.validate(answers)
        return errors

    def prune_plan(answers: Mapping[str, Any]) -> dict[str, Any]:
        if rules.validate(answers):
            return {"manifest": [], "prune": [], "license_text": None}
        return {
            "manifest": rules.manifest_paths(answers),
            "prune": rules.paths_to_prune(answers),
            "license_text": rules.license_text_path(answers),
            "licenses_dir": rules.LICENSE_TEXTS_DIR,
            "license_holder": answers["author_name"],
            # The post-gen hook imports hooks/lock_pruner.py from this checkout.
            "template_root": str(HOOKS.parent),
        }

    def license_expression(answers: Mapping[str, Any]) -> str:
        expression: str = rules.LICENSE_EXPRESSIONS[answers["license"]]
        return expression

    filters["features"] = features
    filters["validation_errors"] = validation_errors
    filters["prune_plan"] = prune_plan

    def settings_classes(answers: Mapping[str, Any]) -> list[tuple[str, str]]:
        classes: list[tuple[str, str]] = rules.settings_classes(answers)
        return classes

    filters["license_expression"] = license_expression
    filters["settings_classes"] = settings_classes

    def compose_files(answers: Mapping[str, Any], stack: str) -> list[str]:
        # The service files under compose/ that the bake keeps, in manifest order: `prod` ones
        # (*.prod.yaml) for compose.prod.yaml, `dev` ones for compose.yaml to include.
        pruned = set(rules.paths_to_prune(answers))
        return [
            path
            for path in rules.manifest_paths(answers)
            if path.startswith("compose/")
            and path not in pruned
            and path.endswith(".prod.yaml") == (stack == "prod")
        ]

    filters["compose_files"] = compose_files

    def app_features(answers: Mapping[str, Any]) -> list[str]:
        # The modules whose `FEATURE` main.py composes, in the order rules.APP_FEATURES gives.
        modules: list[str] = rules.app_features(answers)
        return modules

    filters["app_features"] = app_features

    def down_revision(answers: Mapping[str, Any], revision: str) -> str | None:
        # The kept revision before `revision` in rules.REVISIONS, so the kept ones form one chain.
        parent: str | None = rules.down_revision(answers, revision)
        return parent

    filters["down_revision"] = down_revision

    def kept_modules(modules: list[str], answers: Mapping[str, Any]) -> list[str]:
        # Of these dotted modules of the baked package, the ones the bake keeps: neither the module
        # (or package) nor a package above it is pruned by the manifest.
        package = answers["package_name"]
        pruned = set(rules.paths_to_prune(answers))

        def kept(module: str) -> bool:
            parts = module.split(".")
            return not any(
                {f"src/{package}/{'/'.join(parts[:end])}", f"src/{package}/{'/'.join(parts[:end])}.py"}
                & pruned
                for end in range(1, len(parts) + 1)
            )

        return [module for module in modules if kept(module)]

    def import_layers(answers: Mapping[str, Any]) -> list[list[str]]:
        # The import-linter layers of the baked pyproject, top first: the modules of IMPORT_LAYERS
        # that the bake keeps, each named in full.
        package = answers["package_name"]
        layers = [kept_modules(list(layer), answers) for layer in IMPORT_LAYERS]
        return [[f"{package}.{name}" for name in layer] for layer in layers if layer]

    def task_modules(answers: Mapping[str, Any]) -> list[str]:
        return kept_modules(list(rules.TASK_MODULES), answers)

    def model_modules(answers: Mapping[str, Any]) -> list[str]:
        # Every module of the baked package that maps a table (a class with `Base` among its
        # bases), found in the template and kept by the bake, so a part's tables reach Alembic's
        # metadata without a list to keep up to date.
        package_dir = HOOKS.parent / "{{cookiecutter.project_slug}}" / "src" / "{{cookiecutter.package_name}}"
        found = sorted(
            ".".join(path.relative_to(package_dir).with_suffix("").parts)
            for path in package_dir.rglob("*.py")
            if MAPPED_CLASS.search(path.read_text())
        )
        return kept_modules(found, answers)

    filters["kept_modules"] = kept_modules
    filters["model_modules"] = model_modules
    filters["task_modules"] = task_modules
    filters["import_layers"] = import_layers

    # The baked README's lists and tables (hooks/readme_data.py).
    filters.update(load_fresh(README_DATA_PATH, "_cookiecutter_readme_data").jinja_filters(rules))

    # The variable lists of .env.example and the deployment files (hooks/env_data.py). Which
    # variables a bake has is the README table's answer, so env_data reads readme_data's.
    env_data = load_fresh(ENV_DATA_PATH, "_cookiecutter_env_data")
    readme_data = load_fresh(README_DATA_PATH, "_cookiecutter_readme_data")
    filters.update(env_data.jinja_filters(rules, readme_data))

    def k8s_resources(answers: Mapping[str, Any]) -> list[str]:
        # The manifests in deploy/k8s/base that the bake keeps (the manifest prunes the others),
        # for the resources of its kustomization.
        base = "deploy/k8s/base"
        pruned = set(rules.paths_to_prune(answers))
        return [
            path.name
            for path in sorted((HOOKS.parent / "{{cookiecutter.project_slug}}" / base).glob("*.yaml"))
            if path.name != "kustomization.yaml" and f"{base}/{path.name}" not in pruned
        ]

    filters["k8s_resources"] = k8s_resources
    return filters

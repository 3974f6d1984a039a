"""Jinja extension that exposes the rule set to the templates and hooks as filters.

Templates write `{% if 'redis' in cookiecutter | features %}` instead of restating the rules, and
the hooks receive the rule set's verdicts as rendered data (`cookiecutter | validation_errors`,
`cookiecutter | prune_plan`), so they need no import path back to the template.

`cruft update` renders the old and the new template in one process, from one checkout that it
resets between the two renders. A plain `from hooks import rules` would be answered from Python's
module cache, so the new render would prune with the old rules. Each environment therefore loads
`rules.py` afresh from the checkout it is rendering (keep this module a thin loader for the same
reason: Python caches it too).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from jinja2 import Environment
from jinja2.ext import Extension

RULES_PATH = Path(__file__).resolve().with_name("rules.py")
README_DATA_PATH = RULES_PATH.with_name("readme_data.py")


def load_rules(path: Path = RULES_PATH) -> ModuleType:
    """Execute rules.py from disk as a new module object, bypassing `sys.modules`."""
    spec = importlib.util.spec_from_file_location("_cookiecutter_template_rules", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the rule set from {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FeaturesExtension(Extension):
    """Adds the `features`, `validation_errors`, `prune_plan`, `license_expression`,
    `settings_classes` and `compose_files` filters, and the baked README's (see
    `hooks/readme_data.py`)."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        rules = load_rules()

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
                "template_root": str(RULES_PATH.parent.parent),
            }

        def license_expression(answers: Mapping[str, Any]) -> str:
            expression: str = rules.LICENSE_EXPRESSIONS[answers["license"]]
            return expression

        environment.filters["features"] = features
        environment.filters["validation_errors"] = validation_errors
        environment.filters["prune_plan"] = prune_plan

        def settings_classes(answers: Mapping[str, Any]) -> list[tuple[str, str]]:
            classes: list[tuple[str, str]] = rules.settings_classes(answers)
            return classes

        environment.filters["license_expression"] = license_expression
        environment.filters["settings_classes"] = settings_classes

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

        environment.filters["compose_files"] = compose_files

        # The baked README's filters live in hooks/readme_data.py, loaded afresh like the rules, so
        # a later change to them reaches `cruft update` too. A checkout without that file (one
        # older than it) has templates that never ask for them.
        if README_DATA_PATH.exists():
            environment.filters.update(load_rules(README_DATA_PATH).jinja_filters(rules))

"""Jinja extension that exposes the rule set to the templates and hooks as filters.

Templates write `{% if 'redis' in cookiecutter | features %}` instead of restating the rules, and
the hooks receive the rule set's verdicts as rendered data (`cookiecutter | validation_errors`,
`cookiecutter | prune_plan`), so they need no import path back to the template.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Environment
from jinja2.ext import Extension

from hooks import rules


class FeaturesExtension(Extension):
    """Adds the `features`, `validation_errors`, `prune_plan` and `license_expression` filters."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)

        def features(answers: Mapping[str, Any]) -> list[str]:
            return sorted(rules.features(answers))

        def validation_errors(answers: Mapping[str, Any]) -> list[str]:
            return rules.validate(answers)

        def prune_plan(answers: Mapping[str, Any]) -> dict[str, Any]:
            if rules.validate(answers):
                return {"manifest": [], "prune": [], "license_text": None}
            return {
                "manifest": rules.manifest_paths(answers),
                "prune": rules.paths_to_prune(answers),
                "license_text": rules.license_text_path(answers),
                "licenses_dir": rules.LICENSE_TEXTS_DIR,
                "license_holder": answers["author_name"],
            }

        def license_expression(answers: Mapping[str, Any]) -> str:
            return rules.LICENSE_EXPRESSIONS[answers["license"]]

        environment.filters["features"] = features
        environment.filters["validation_errors"] = validation_errors
        environment.filters["prune_plan"] = prune_plan
        environment.filters["license_expression"] = license_expression

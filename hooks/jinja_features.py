"""Jinja extension that exposes the rule set to the templates as the `features` filter.

Templates write `{% if 'redis' in cookiecutter | features %}` instead of restating the rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Environment
from jinja2.ext import Extension

from hooks.rules import features


class FeaturesExtension(Extension):
    """Adds the `features` filter: the set of feature names the answers switch on."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)

        def features_filter(answers: Mapping[str, Any]) -> frozenset[str]:
            return features(answers)

        environment.filters["features"] = features_filter

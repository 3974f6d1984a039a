"""The Jinja extension cookiecutter loads (`_extensions` in cookiecutter.json): a loader, nothing else.

`cruft update` renders the old and the new template in one process. Python keeps this module from
the first render, so it must never need to change: it executes `hooks/filters.py` afresh from the
checkout being rendered and registers whatever filters that file defines. (Its name is new on
purpose: releases up to 2026.11.0 loaded `hooks/jinja_features.py`, whose cached code could not
know the filters added since, so an update from them loads this module fresh.)
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from jinja2 import Environment
from jinja2.ext import Extension

FILTERS_PATH = Path(__file__).resolve().with_name("filters.py")


class TemplateFilters(Extension):
    """Registers the filters of `hooks/filters.py`, read from disk for this environment."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        spec = importlib.util.spec_from_file_location("_cookiecutter_template_filters", FILTERS_PATH)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load the template's filters from {FILTERS_PATH}")
        filters = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(filters)
        environment.filters.update(filters.jinja_filters())

"""Errors of the items domain."""

from __future__ import annotations

from {{ cookiecutter.package_name }}.core.errors import NotFoundError


class ItemNotFound(NotFoundError):
    code = "item_not_found"
    message = "Item not found"

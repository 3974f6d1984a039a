"""Errors of the account-email flows."""

from __future__ import annotations

from {{ cookiecutter.package_name }}.core.errors import AppError


class InvalidEmailToken(AppError):
    code = "invalid_email_token"
    message = "This link is invalid, has expired or was already used; request a new one"

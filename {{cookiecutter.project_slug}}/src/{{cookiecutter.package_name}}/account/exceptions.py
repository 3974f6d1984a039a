"""Errors of the account-email flows."""

from __future__ import annotations

from {{ cookiecutter.package_name }}.core.errors import AppError, ForbiddenError


class InvalidEmailToken(AppError):
    code = "invalid_email_token"
    message = "This link is invalid, has expired or was already used; request a new one"


class EmailNotVerified(ForbiddenError):
    code = "email_not_verified"
    message = "Verify your email address first: follow the link we sent, or request a new one"

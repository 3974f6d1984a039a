"""Errors of the users domain."""

from __future__ import annotations

from {{ cookiecutter.package_name }}.core.errors import ConflictError, NotFoundError


class UserNotFound(NotFoundError):
    code = "user_not_found"
    message = "User not found"


class EmailAlreadyRegistered(ConflictError):
    code = "email_already_registered"
    message = "A user with this email already exists"

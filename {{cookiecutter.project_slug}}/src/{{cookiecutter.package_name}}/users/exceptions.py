"""Errors of the users domain."""

from __future__ import annotations

from {{ cookiecutter.package_name }}.core.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    UnauthorizedError,
)


class UserNotFound(NotFoundError):
    code = "user_not_found"
    message = "User not found"


class EmailAlreadyRegistered(ConflictError):
    code = "email_already_registered"
    message = "A user with this email already exists"


class InvalidToken(UnauthorizedError):
    code = "invalid_token"
    message = "The token is invalid or expired"


class InactiveUser(ForbiddenError):
    code = "inactive_user"
    message = "This account is disabled"


class NotSuperuser(ForbiddenError):
    code = "not_superuser"
    message = "This action needs an administrator"

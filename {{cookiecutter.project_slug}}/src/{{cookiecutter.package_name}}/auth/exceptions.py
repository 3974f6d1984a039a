"""Errors of the auth domain."""

from __future__ import annotations

from {{ cookiecutter.package_name }}.core.errors import ForbiddenError, UnauthorizedError


class InvalidCredentials(UnauthorizedError):
    code = "invalid_credentials"
    message = "Incorrect email or password"


class InvalidToken(UnauthorizedError):
    code = "invalid_token"
    message = "The token is invalid or expired"


class RefreshTokenReused(UnauthorizedError):
    code = "refresh_token_reused"
    message = "This refresh token was already used; the session has been revoked, log in again"


class InactiveUser(ForbiddenError):
    code = "inactive_user"
    message = "This account is disabled"


class NotSuperuser(ForbiddenError):
    code = "not_superuser"
    message = "This action needs an administrator"

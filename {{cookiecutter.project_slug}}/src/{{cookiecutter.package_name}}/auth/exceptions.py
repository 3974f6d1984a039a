"""Errors of the auth domain. The errors about the caller's access token and status are in
`users/exceptions.py`."""

from __future__ import annotations

from {{ cookiecutter.package_name }}.core.errors import {% if 'email' in cookiecutter | features %}ForbiddenError, {% endif %}UnauthorizedError


class InvalidCredentials(UnauthorizedError):
    code = "invalid_credentials"
    message = "Incorrect email or password"


class RefreshTokenReused(UnauthorizedError):
    code = "refresh_token_reused"
    message = "This refresh token was already used; the session has been revoked, log in again"
{%- if 'email' in cookiecutter | features %}


class EmailNotVerified(ForbiddenError):
    """Login refused while REQUIRE_VERIFIED_EMAIL is on and the address is unverified."""

    code = "email_not_verified"
    message = "Verify your email address first: follow the link we sent, or request a new one"
{%- endif %}

"""Request and response bodies of the account-email flows."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from {{ cookiecutter.package_name }}.users.schemas import Email, Password

# Tokens are 43 characters (32 random bytes, URL-safe base64); the limit only bounds the input.
LinkToken = Annotated[
    str, Field(min_length=1, max_length=256, description="The token from the emailed link")
]


class EmailAddress(BaseModel):
    """An address to send a link to."""

    model_config = ConfigDict(extra="forbid")

    email: Email


class VerifyEmail(BaseModel):
    """The token from a verification link."""

    model_config = ConfigDict(extra="forbid")

    token: LinkToken


class ResetPassword(BaseModel):
    """The token from a password-reset link, and the new password."""

    model_config = ConfigDict(extra="forbid")

    token: LinkToken
    new_password: Password


class Accepted(BaseModel):
    """The answer to a request for a link: the same whether or not the address has an account."""

    message: str

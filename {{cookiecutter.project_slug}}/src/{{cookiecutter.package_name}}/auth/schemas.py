"""Request and response bodies for authentication."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, {% if 'cookie' not in cookiecutter | features %}ConfigDict, {% endif %}Field


class TokenPair(BaseModel):
    """An access and a refresh token, as the auth service issues them{% if 'bearer' in cookiecutter | features %} (and login answers){% endif %}."""

    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (not a secret)
{%- if 'cookie' in cookiecutter | features %}


class CookieSession(BaseModel):
    """What login and refresh answer: the tokens themselves are in HttpOnly cookies."""

    token_type: Literal["cookie"] = "cookie"  # noqa: S105 (not a secret)
    expires_in: int = Field(description="Seconds until the access cookie expires")
    refresh_expires_in: int = Field(description="Seconds until the refresh cookie expires")


class CSRFToken(BaseModel):
    """The token to repeat in the `X-CSRF-Token` header of every unsafe request."""

    csrf_token: str
{%- else %}


class RefreshRequest(BaseModel):
    """A refresh token, for `/auth/refresh` and `/auth/logout`."""

    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=1, max_length=4096)
{%- endif %}

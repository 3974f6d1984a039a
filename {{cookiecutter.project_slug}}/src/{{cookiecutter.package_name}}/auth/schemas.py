"""Request and response bodies for authentication."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class TokenPair(BaseModel):
    """What login and refresh answer."""

    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (not a secret)


class RefreshRequest(BaseModel):
    """A refresh token, for `/auth/refresh` and `/auth/logout`."""

    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=1, max_length=4096)

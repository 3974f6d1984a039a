"""Request and response bodies for users."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 128

Password = Annotated[
    str,
    Field(
        min_length=PASSWORD_MIN_LENGTH,
        max_length=PASSWORD_MAX_LENGTH,
        description=f"{PASSWORD_MIN_LENGTH} to {PASSWORD_MAX_LENGTH} characters",
    ),
]
Email = Annotated[EmailStr, Field(max_length=320), AfterValidator(str.lower)]


class UserCreate(BaseModel):
    """Sign-up data."""

    model_config = ConfigDict(extra="forbid")

    email: Email
    password: Password


class UserRead(BaseModel):
    """A user as the API shows it: never the password hash."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    is_active: bool
    is_superuser: bool
{%- if 'email' in cookiecutter | features %}
    email_verified_at: datetime | None
{%- endif %}
    created_at: datetime


class UserUpdateMe(BaseModel):
    """What users may change about themselves; anything else (is_superuser, ...) is a 422."""

    model_config = ConfigDict(extra="forbid")

    email: Email | None = None
    password: Password | None = None


class UserAdminUpdate(UserUpdateMe):
    """What an admin may change about any user."""

    is_active: bool | None = None
    is_superuser: bool | None = None

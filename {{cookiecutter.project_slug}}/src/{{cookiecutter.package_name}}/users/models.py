"""The `users` table."""

from __future__ import annotations

{% if 'email' in cookiecutter | features -%}
from datetime import datetime

{% endif -%}
from sqlalchemy import String, false, true
from sqlalchemy.orm import Mapped, mapped_column

from {{ cookiecutter.package_name }}.core.db import Base, TimestampMixin, UUIDPrimaryKeyMixin

EMAIL_MAX_LENGTH = 320


class User(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """An account. Emails are stored lower-cased, so uniqueness ignores case."""

    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), unique=True)
    hashed_password: Mapped[str] = mapped_column(String(255))
    # true()/false() render as each database spells a boolean (SQLite: 1 and 0).
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())
    is_superuser: Mapped[bool] = mapped_column(default=False, server_default=false())
{%- if 'email' in cookiecutter | features %}
    # Set when the user follows a verification (or password reset) link; cleared on email change.
    email_verified_at: Mapped[datetime | None]
{%- endif %}

"""The `email_tokens` table: the tokens sent in verification and password-reset links.

Only a SHA-256 hash of each token is stored: the token itself exists in the email alone, so a
leaked table or backup opens no account. A token is spent by setting `used_at`, once.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column

from {{ cookiecutter.package_name }}.core.db import Base, UUIDPrimaryKeyMixin, utcnow
from {{ cookiecutter.package_name }}.users.models import EMAIL_MAX_LENGTH


class TokenPurpose(StrEnum):
    """What a token lets its holder do."""

    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"  # noqa: S105 (a name, not a password)


class EmailToken(UUIDPrimaryKeyMixin, Base):
    """A token emailed to `email` for one purpose; valid until `expires_at`, and only once."""

    __tablename__ = "email_tokens"
    __table_args__ = (
        CheckConstraint("purpose IN ('verify_email', 'reset_password')", name="purpose_is_known"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The address the link went to: a token does not verify an address the user changed to later.
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, server_default=func.now()
    )

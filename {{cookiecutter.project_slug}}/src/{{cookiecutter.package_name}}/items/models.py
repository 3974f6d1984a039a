"""The `items` table."""

from __future__ import annotations

import uuid

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from {{ cookiecutter.package_name }}.core.db import Base, TimestampMixin, UUIDPrimaryKeyMixin

TITLE_MAX_LENGTH = 200


class Item(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """Something a user owns."""

    __tablename__ = "items"

    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH))
    description: Mapped[str | None] = mapped_column(Text)

"""The `items` table."""

from __future__ import annotations
{% if 'auth' in cookiecutter | features %}
import uuid

from sqlalchemy import ForeignKey, String, Text
{%- else %}
from sqlalchemy import String, Text
{%- endif %}
from sqlalchemy.orm import Mapped, mapped_column

from {{ cookiecutter.package_name }}.core.db import Base, TimestampMixin, UUIDPrimaryKeyMixin

TITLE_MAX_LENGTH = 200


class Item(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """{% if 'auth' in cookiecutter | features %}Something a user owns.{% else %}Something anyone can create, read, change and delete.{% endif %}"""

    __tablename__ = "items"
{% if 'auth' in cookiecutter | features %}
    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
{%- endif %}
    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH))
    description: Mapped[str | None] = mapped_column(Text)

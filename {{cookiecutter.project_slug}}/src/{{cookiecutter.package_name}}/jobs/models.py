"""The `jobs` table: one row per requested piece of background work, and its outcome."""

from __future__ import annotations

{% if 'auth' in cookiecutter | features -%}
import uuid
{% endif -%}
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, {% if 'auth' in cookiecutter | features %}ForeignKey, {% endif %}String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from {{ cookiecutter.package_name }}.core.db import Base, TimestampMixin, UUIDPrimaryKeyMixin

IDEMPOTENCY_KEY_MAX_LENGTH = 255


class JobState(StrEnum):
    """queued -> running -> succeeded | failed (running -> queued again before a retry)."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


FINISHED_STATES = frozenset({JobState.SUCCEEDED, JobState.FAILED})


class Job(UUIDPrimaryKeyMixin, TimestampMixin, Base):
{%- if 'auth' in cookiecutter | features %}
    """A job. `(owner_id, idempotency_key)` is unique: a key names one request per user."""

    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("owner_id", "idempotency_key"),
{%- else %}
    """A job. `idempotency_key` is unique: a key names one request."""

    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("idempotency_key"),
{%- endif %}
        CheckConstraint(
            "state IN ('queued', 'running', 'succeeded', 'failed')", name="state_is_known"
        ),
    )

{%- if 'auth' in cookiecutter | features %}

    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
{%- else %}
{% endif %}
    type: Mapped[str] = mapped_column(String(50))
    state: Mapped[str] = mapped_column(String(16), default=JobState.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str] = mapped_column(String(IDEMPOTENCY_KEY_MAX_LENGTH))
    # SHA-256 of the canonical request body: the same key with another body is a conflict.
    request_hash: Mapped[str] = mapped_column(String(64))
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

"""Request and response bodies for jobs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

TEXT_MAX_LENGTH = 100_000
EXAMPLE_TEXT = (
    "The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs on into the woods."
)


class JobCreate(BaseModel):
    """What to run. An empty object `{}` runs the example job on a sample text."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["text_stats"] = "text_stats"
    text: str = Field(default=EXAMPLE_TEXT, min_length=1, max_length=TEXT_MAX_LENGTH)


class JobRead(BaseModel):
    """A job and, once it has succeeded, its result."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    type: str
    state: Literal["queued", "running", "succeeded", "failed"]
    attempts: int
    result: dict[str, Any] | None
    error: str | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

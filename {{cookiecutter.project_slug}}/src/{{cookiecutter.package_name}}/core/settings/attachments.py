"""Attachments of items: how large a file may be, and of which content types."""

from __future__ import annotations

import json
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from {{ cookiecutter.package_name }}.core.settings.service import ServiceSettings


class AttachmentSettings(ServiceSettings):
    # The upload policy and the confirm step hold every file to these.
    attachment_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    attachment_content_types: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["image/png", "image/jpeg", "application/pdf", "text/plain"]
    )

    @field_validator("attachment_content_types", mode="before")
    @classmethod
    def _split_content_types(cls, value: object) -> object:
        """Accept a comma-separated list (`image/png,text/plain`) as well as a JSON list."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

"""What travels on the live channel: an event, its audience, and its two encodings."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import orjson


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened to a user's data; `owner=None` makes it public (every client)."""

    type: str
    data: dict[str, Any]
    owner: uuid.UUID | None = None

    def message(self) -> str:
        """What a client receives: `{"type": ..., "data": {...}}` (never the audience)."""
        return orjson.dumps({"type": self.type, "data": self.data}).decode()

    def wire(self) -> bytes:
        """The encoding between processes (Redis pub/sub)."""
        owner = None if self.owner is None else str(self.owner)
        return orjson.dumps({"type": self.type, "data": self.data, "owner": owner})

    @classmethod
    def from_wire(cls, raw: bytes | str) -> Event:
        """Decode `wire()`; `ValueError` (or `KeyError`) if it is not one."""
        body = orjson.loads(raw)
        owner = body["owner"]
        return cls(
            type=str(body["type"]),
            data=dict(body["data"]),
            owner=None if owner is None else uuid.UUID(owner),
        )

"""Item changes on the live channel: `{"type": "item", "data": {"id", "action"}}`, sent to the
item's owner (public where items have no owner) once the change is committed.

SQLAlchemy's session events find the changes, so the items code publishes nothing itself: what a
flush wrote is noted, sent after the commit, and forgotten on a rollback.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.features import Feature
from {{ cookiecutter.package_name }}.items.models import Item
from {{ cookiecutter.package_name }}.live.bus import publish_soon
from {{ cookiecutter.package_name }}.live.events import Event

PENDING = "live_item_events"  # key of the session's notes in `Session.info`


def _event(item: Item, action: str) -> Event:
    data = {"id": str(item.id), "action": action}
    return Event(type="item", data=data, owner=getattr(item, "owner_id", None))


def _note(session: Session, _: UOWTransaction) -> None:
    # After a flush `new`, `dirty` and `deleted` still show what it wrote.
    pending: list[Event] = session.info.setdefault(PENDING, [])
    for action, objects in (
        ("created", session.new),
        ("updated", [obj for obj in session.dirty if session.is_modified(obj)]),
        ("deleted", session.deleted),
    ):
        pending += [_event(obj, action) for obj in objects if isinstance(obj, Item)]


def _send(session: Session) -> None:
    for item_event in session.info.pop(PENDING, []):
        publish_soon(item_event)


def _forget(session: Session, *_: Any) -> None:
    session.info.pop(PENDING, None)


LISTENERS = (("after_flush", _note), ("after_commit", _send), ("after_rollback", _forget))


def listen(_: Settings) -> None:
    """Attach the listeners to every session (once per process)."""
    for name, listener in LISTENERS:
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


FEATURE = Feature(prepare=listen)

"""Files attached to items: the `attachments` table, its bodies, and what the routes do with it.

An attachment is born `pending` with a presigned upload; the client uploads straight to the store
and confirms, and the API then checks what the store holds before marking it `stored`. Its object
key is built from ids only (`items/<item id>/attachments/<attachment id>`), never from the file
name the client sent, so a name cannot reach another key or a path.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import CheckConstraint, ForeignKey, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.db import Base, TimestampMixin, UUIDPrimaryKeyMixin, utcnow
from {{ cookiecutter.package_name }}.core.errors import AppError, ConflictError, NotFoundError
from {{ cookiecutter.package_name }}.core.pagination import PageParams
from {{ cookiecutter.package_name }}.core.storage import Storage
from {{ cookiecutter.package_name }}.items.models import Item

FILENAME_MAX_LENGTH = 255
CONTENT_TYPE_MAX_LENGTH = 255
# A file name is shown and offered as the download's name, never used as a key: any printable
# text will do, no control characters.
FILENAME_PATTERN = r"^[^\x00-\x1f\x7f]+$"


class AttachmentStatus(StrEnum):
    """pending (upload URL handed out) -> stored (the upload was checked)."""

    PENDING = "pending"
    STORED = "stored"


class Attachment(UUIDPrimaryKeyMixin, TimestampMixin, Base):
    """A file of an item, kept in object storage under `object_key(...)`."""

    __tablename__ = "attachments"
    __table_args__ = (CheckConstraint("status IN ('pending', 'stored')", name="status_is_known"),)

    item_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(FILENAME_MAX_LENGTH))
    content_type: Mapped[str] = mapped_column(String(CONTENT_TYPE_MAX_LENGTH))
    status: Mapped[str] = mapped_column(String(16), default=AttachmentStatus.PENDING)
    # Set once the upload is checked.
    size: Mapped[int | None]
    upload_expires_at: Mapped[datetime]


class AttachmentNotFound(NotFoundError):
    code = "attachment_not_found"
    message = "Attachment not found"


class ContentTypeNotAllowed(AppError):
    status_code = 422
    code = "content_type_not_allowed"


class UploadMissing(ConflictError):
    code = "upload_missing"
    message = "Nothing was uploaded for this attachment yet; upload the file, then confirm"


class UploadRejected(AppError):
    """The stored file breaks the limits the upload policy set: it is deleted with its row."""

    status_code = 422
    code = "upload_rejected"


class UploadExpired(AppError):
    status_code = 410
    code = "upload_expired"
    message = "The upload window closed; create the attachment again"


class AttachmentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filename: str = Field(min_length=1, max_length=FILENAME_MAX_LENGTH, pattern=FILENAME_PATTERN)
    content_type: str = Field(min_length=1, max_length=CONTENT_TYPE_MAX_LENGTH)


class AttachmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    filename: str
    content_type: str
    status: AttachmentStatus
    size: int | None
    created_at: datetime
    # A presigned GET, valid for S3_PRESIGN_SECONDS; only once the file is stored.
    download_url: str | None = None


class PresignedPost(BaseModel):
    """Send these `fields` and then the file (as the form field `file`, last) in a
    multipart/form-data POST to `url`, before `expires_at`."""

    url: str
    fields: dict[str, str]
    expires_at: datetime
    max_bytes: int


class AttachmentUpload(BaseModel):
    attachment: AttachmentRead
    upload: PresignedPost


def object_key(item_id: uuid.UUID, attachment_id: uuid.UUID) -> str:
    """Where the attachment's file lives: ids only."""
    return f"{item_prefix(item_id)}attachments/{attachment_id}"


def item_prefix(item_id: uuid.UUID) -> str:
    """The key prefix of every object of the item (what deleting the item removes)."""
    return f"items/{item_id}/"


async def create_attachment(
    session: AsyncSession, storage: Storage, settings: Settings, item: Item, data: AttachmentCreate
) -> AttachmentUpload:
    """A `pending` attachment and the presigned POST that uploads its file."""
    content_type = data.content_type.strip().lower()
    if content_type not in settings.attachment_content_types:
        allowed = ", ".join(settings.attachment_content_types)
        raise ContentTypeNotAllowed(f"{data.content_type!r} is not allowed; use one of: {allowed}")
    await storage.check()  # signing needs no round trip: fail now, not at the client's upload
    attachment = Attachment(
        id=uuid.uuid4(),
        item_id=item.id,
        filename=data.filename,
        content_type=content_type,
        upload_expires_at=utcnow() + timedelta(seconds=settings.s3_presign_seconds),
    )
    upload = await storage.presigned_upload(
        object_key(item.id, attachment.id),
        content_type,
        settings.attachment_max_bytes,
        settings.s3_presign_seconds,
    )
    session.add(attachment)
    await session.commit()
    return AttachmentUpload(
        attachment=AttachmentRead.model_validate(attachment),
        upload=PresignedPost(
            url=upload.url,
            fields=upload.fields,
            expires_at=attachment.upload_expires_at,
            max_bytes=settings.attachment_max_bytes,
        ),
    )


async def get_attachment(session: AsyncSession, item: Item, attachment_id: uuid.UUID) -> Attachment:
    """The item's attachment; `AttachmentNotFound` if the item has no such attachment."""
    attachment = await session.scalar(
        select(Attachment).where(Attachment.id == attachment_id, Attachment.item_id == item.id)
    )
    if attachment is None:
        raise AttachmentNotFound
    return attachment


async def read_attachment(
    storage: Storage, settings: Settings, attachment: Attachment
) -> AttachmentRead:
    """The attachment as the API shows it, with a download URL once it is stored."""
    read = AttachmentRead.model_validate(attachment)
    if attachment.status == AttachmentStatus.STORED:
        key = object_key(attachment.item_id, attachment.id)
        read.download_url = await storage.presigned_download(
            key, attachment.filename, settings.s3_presign_seconds
        )
    return read


async def list_attachments(
    session: AsyncSession, storage: Storage, settings: Settings, item: Item, page: PageParams
) -> tuple[list[AttachmentRead], int]:
    """One page of the item's attachments, oldest first, and their total count."""
    await storage.check()  # download URLs to a store that is down would only fail later
    of_item = Attachment.item_id == item.id
    rows = await session.scalars(
        select(Attachment)
        .where(of_item)
        .order_by(Attachment.created_at, Attachment.id)
        .limit(page.limit)
        .offset(page.offset)
    )
    total = await session.scalar(select(func.count()).select_from(Attachment).where(of_item))
    return [await read_attachment(storage, settings, row) for row in rows], total or 0


async def _discard(session: AsyncSession, storage: Storage, attachment: Attachment) -> None:
    await storage.delete(object_key(attachment.item_id, attachment.id))
    await session.delete(attachment)
    await session.commit()


async def confirm_upload(
    session: AsyncSession, storage: Storage, settings: Settings, attachment: Attachment
) -> AttachmentRead:
    """Check the uploaded file against the limits and mark the attachment `stored`.

    The upload policy already bounds size and type at the store; this is the second line, for a
    store that does not enforce policies. A file that breaks a limit is deleted with its row.
    """
    if attachment.status == AttachmentStatus.STORED:
        return await read_attachment(storage, settings, attachment)
    key = object_key(attachment.item_id, attachment.id)
    stored = await storage.head(key)
    # The window to confirm is the upload URL's lifetime, twice over: long enough for an upload
    # that started just before its URL expired, short enough that a stale one is refused.
    window = timedelta(seconds=settings.s3_presign_seconds)
    if utcnow() > attachment.upload_expires_at + window:
        await _discard(session, storage, attachment)
        raise UploadExpired
    if stored is None:
        raise UploadMissing
    problem = None
    if stored.size > settings.attachment_max_bytes:
        problem = f"the file has {stored.size} bytes; the limit is {settings.attachment_max_bytes}"
    elif stored.content_type.lower() != attachment.content_type:
        problem = (
            f"the file was sent as {stored.content_type!r}, not as the declared "
            f"{attachment.content_type!r}"
        )
    if problem:
        await _discard(session, storage, attachment)
        raise UploadRejected(f"Upload rejected and deleted: {problem}")
    attachment.status = AttachmentStatus.STORED
    attachment.size = stored.size
    await session.commit()
    return await read_attachment(storage, settings, attachment)


async def delete_attachment(
    session: AsyncSession, storage: Storage, attachment: Attachment
) -> None:
    """Delete the file, then the row: if the store is down, nothing changes and a retry works."""
    await _discard(session, storage, attachment)

"""`/api/v1/items/{item_id}/attachments`: files of an item, uploaded and downloaded through
presigned URLs, straight to and from the object store."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from {{ cookiecutter.package_name }}.core.config import SettingsDep
from {{ cookiecutter.package_name }}.core.db import SessionDep
from {{ cookiecutter.package_name }}.core.errors import error_responses
from {{ cookiecutter.package_name }}.core.pagination import Page, PageParamsDep
from {{ cookiecutter.package_name }}.core.responses import JSONModelResponse, model_response
from {{ cookiecutter.package_name }}.core.storage import Storage
from {{ cookiecutter.package_name }}.items import attachments
from {{ cookiecutter.package_name }}.items.attachments import (
    AttachmentCreate,
    AttachmentRead,
    AttachmentUpload,
)
from {{ cookiecutter.package_name }}.items.dependencies import {% if 'auth' in cookiecutter | features %}OwnedItem{% else %}PathItem{% endif %} as ItemInPath


async def get_storage(request: Request) -> Storage:
    """The app's object store (`core/features/storage.py` opens it)."""
    storage: Storage = request.app.state.storage
    return storage


StorageDep = Annotated[Storage, Depends(get_storage)]

router = APIRouter(prefix="/items/{item_id}/attachments", tags=["attachments"])
# 401/403 come from the item's owner check when the service has users.
ERRORS = error_responses({% if 'auth' in cookiecutter | features %}401, 403, {% endif %}404, 422, 503)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=AttachmentUpload,
    responses=ERRORS,
)
async def create_attachment(
    item: ItemInPath,
    body: AttachmentCreate,
    session: SessionDep,
    storage: StorageDep,
    settings: SettingsDep,
) -> JSONModelResponse:
    """Start an upload: a `pending` attachment and a presigned POST for its file.

    The POST policy lets through only `content_type` and at most ATTACHMENT_MAX_BYTES bytes, to
    this attachment's key only, until `expires_at`. Then confirm.
    """
    upload = await attachments.create_attachment(session, storage, settings, item, body)
    return model_response(upload, status.HTTP_201_CREATED)


@router.get("", response_model=Page[AttachmentRead], responses=ERRORS)
async def list_attachments(
    item: ItemInPath,
    session: SessionDep,
    storage: StorageDep,
    settings: SettingsDep,
    page: PageParamsDep,
) -> JSONModelResponse:
    """The item's attachments, oldest first; stored ones carry a presigned `download_url`."""
    rows, total = await attachments.list_attachments(session, storage, settings, item, page)
    return model_response(
        Page[AttachmentRead](items=rows, total=total, limit=page.limit, offset=page.offset)
    )


@router.post(
    "/{attachment_id}/confirm",
    response_model=AttachmentRead,
    responses={**ERRORS, **error_responses(409, 410)},
)
async def confirm_attachment(
    item: ItemInPath,
    attachment_id: uuid.UUID,
    session: SessionDep,
    storage: StorageDep,
    settings: SettingsDep,
) -> JSONModelResponse:
    """Check the uploaded file and mark the attachment `stored`.

    409 if nothing was uploaded yet; 422 (the file and its row deleted) if the file is too large
    or not of the declared type; 410 (likewise) if the upload window closed long ago.
    """
    attachment = await attachments.get_attachment(session, item, attachment_id)
    return model_response(await attachments.confirm_upload(session, storage, settings, attachment))


@router.delete("/{attachment_id}", status_code=status.HTTP_204_NO_CONTENT, responses=ERRORS)
async def delete_attachment(
    item: ItemInPath, attachment_id: uuid.UUID, session: SessionDep, storage: StorageDep
) -> None:
    """Delete the attachment's file and row."""
    attachment = await attachments.get_attachment(session, item, attachment_id)
    await attachments.delete_attachment(session, storage, attachment)

"""Object storage: one S3 client per process, presigned URLs, and "the store is unreachable".

Clients upload and download through presigned URLs, straight to the store: file bytes never pass
through the API. The API signs the URLs, checks what arrived, and deletes.

aiobotocore is botocore (the AWS SDK's core) on asyncio: the same request signing, presigned POST
policies and retry rules as boto3, against AWS S3 or any S3-compatible store such as MinIO.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import structlog
from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError
from starlette.datastructures import State

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.errors import ServiceUnavailableError

if TYPE_CHECKING:  # the stubs are a development dependency
    from types_aiobotocore_s3 import S3Client

logger = structlog.get_logger(__name__)

# S3's answers for "no such object" to a HEAD.
MISSING_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
# delete_objects takes at most this many keys per call.
DELETE_BATCH = 1000


class StorageUnavailable(ServiceUnavailableError):
    code = "storage_unavailable"
    message = "File storage is unavailable; retry later"


@dataclass(frozen=True)
class PresignedUpload:
    """An HTML-form upload: POST the fields, then the file as the last field `file`, to `url`."""

    url: str
    fields: dict[str, str]


@dataclass(frozen=True)
class StoredObject:
    """What the store says about an object (HEAD)."""

    size: int
    content_type: str
    last_modified: datetime


def _unavailable(exc: Exception) -> StorageUnavailable:
    logger.warning("storage_unavailable", error_type=type(exc).__name__, error=str(exc))
    return StorageUnavailable()


def client_config(settings: Settings) -> AioConfig:
    """Bounded waits and no retry inside a request: a store that is down answers the client 503
    at once, and the client (or the Celery task) retries."""
    return AioConfig(
        connect_timeout=settings.s3_timeout,
        read_timeout=settings.s3_timeout,
        retries={"total_max_attempts": 1, "mode": "standard"},
        signature_version="s3v4",
        s3={"addressing_style": "path" if settings.s3_path_style else "auto"},
    )


class Storage:
    """The bucket S3_BUCKET, through one client. Failures to reach it raise `StorageUnavailable`.

    `signer` signs the presigned URLs: the same client, or one for S3_PUBLIC_ENDPOINT_URL when
    browsers reach the store at another address (signing makes no request).
    """

    def __init__(
        self, client: S3Client, settings: Settings, signer: S3Client | None = None
    ) -> None:
        self.client = client
        self.signer = signer or client
        self.bucket = settings.s3_bucket

    async def check(self) -> None:
        """HEAD the bucket: it exists and these credentials may use it."""
        try:
            await self.client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as exc:
            raise _unavailable(exc) from exc

    async def presigned_upload(
        self, key: str, content_type: str, max_bytes: int, expires_in: int
    ) -> PresignedUpload:
        """A POST policy for exactly `key`, of `content_type`, of 1 to `max_bytes` bytes, valid
        for `expires_in` seconds.

        The store refuses an upload that breaks the policy: a bigger file, another content type,
        another key, or a form sent after the URL expired.
        """
        post: dict[str, Any] = await self.signer.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[
                {"Content-Type": content_type},
                ["content-length-range", 1, max_bytes],
            ],
            ExpiresIn=expires_in,
        )
        return PresignedUpload(url=post["url"], fields=dict(post["fields"]))

    async def presigned_download(self, key: str, filename: str, expires_in: int) -> str:
        """A GET URL that downloads the object as `filename` (never shown inline, so an uploaded
        HTML or SVG file cannot run in the store's origin)."""
        disposition = f"attachment; filename*=UTF-8''{quote(filename, safe='')}"
        return await self.signer.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": key, "ResponseContentDisposition": disposition},
            ExpiresIn=expires_in,
        )

    async def head(self, key: str) -> StoredObject | None:
        """The object's size, type and upload time; None if there is no such object."""
        try:
            answer = await self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in MISSING_CODES:
                return None
            raise _unavailable(exc) from exc
        except BotoCoreError as exc:
            raise _unavailable(exc) from exc
        return StoredObject(
            size=answer["ContentLength"],
            content_type=answer.get("ContentType", ""),
            last_modified=answer["LastModified"],
        )

    async def delete(self, key: str) -> None:
        """Delete the object (deleting a missing one is not an error)."""
        try:
            await self.client.delete_object(Bucket=self.bucket, Key=key)
        except (BotoCoreError, ClientError) as exc:
            raise _unavailable(exc) from exc

    async def delete_prefix(self, prefix: str) -> int:
        """Delete every object whose key starts with `prefix`; how many there were."""
        deleted = 0
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=prefix
            )
            async for page in pages:
                keys = [entry["Key"] for entry in page.get("Contents", [])]
                for start in range(0, len(keys), DELETE_BATCH):
                    batch = keys[start : start + DELETE_BATCH]
                    await self.client.delete_objects(
                        Bucket=self.bucket,
                        Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
                    )
                    deleted += len(batch)
        except (BotoCoreError, ClientError) as exc:
            raise _unavailable(exc) from exc
        return deleted


def _client(settings: Settings, endpoint_url: str) -> AbstractAsyncContextManager[S3Client]:
    return get_session().create_client(
        "s3",
        endpoint_url=endpoint_url or None,
        region_name=settings.s3_region,
        aws_access_key_id=settings.s3_access_key_id,
        aws_secret_access_key=settings.s3_secret_access_key,
        config=client_config(settings),
    )


@asynccontextmanager
async def open_storage(settings: Settings) -> AsyncIterator[Storage]:
    """A `Storage` with its own client (and connection pool), closed on exit. Opening it does
    not contact the store, so the service starts while the store is down."""
    public = settings.s3_public_endpoint_url
    async with AsyncExitStack() as clients:
        client = await clients.enter_async_context(_client(settings, settings.s3_endpoint_url))
        signer = None
        if public and public != settings.s3_endpoint_url:
            signer = await clients.enter_async_context(_client(settings, public))
        yield Storage(client, settings, signer)


async def check_storage(state: State) -> None:
    """Readiness: the bucket answers a HEAD (the caller bounds the wait)."""
    storage: Storage = state.storage
    await storage.check()

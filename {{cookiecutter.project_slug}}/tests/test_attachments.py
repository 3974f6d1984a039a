"""Attachments against a real S3 server (moto's), uploaded and downloaded through presigned URLs
with httpx, as a browser would.

moto checks neither the POST policy's conditions (size range, content type) nor the expiry of a
presigned URL: it stores whatever arrives. So these tests read the policy the API signs, and show
that the confirm step, the second line of defence, refuses and deletes what breaks the limits.
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
import uuid

from fastapi import FastAPI
from httpx import AsyncClient

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.storage import Storage
from tests.fixtures import items
from tests.fixtures.attachments import (
    attachments_of,
    confirm,
    key_of,
    send_file,
    start_upload,
    stored_attachment,
)
from tests.fixtures.storage import S3Server, download
from tests.helpers import assert_error_shape, production


async def test_upload_confirm_list_download_delete(
    client: AsyncClient, headers: dict[str, str], storage: Storage
) -> None:
    item = await items.create(client, headers, "with a file")
    attachment = await stored_attachment(client, headers, item, b"hello, file")
    assert attachment["status"] == "stored"
    assert attachment["size"] == len(b"hello, file")

    listed = await client.get(attachments_of(item), headers=headers)
    assert listed.status_code == 200
    body = listed.json()
    assert body["total"] == 1
    [entry] = body["items"]
    assert entry["id"] == attachment["id"]
    downloaded = await download(entry["download_url"])
    assert downloaded.status_code == 200
    assert downloaded.content == b"hello, file"
    assert downloaded.headers["content-disposition"].startswith("attachment;")

    path = f"{attachments_of(item)}/{attachment['id']}"
    assert (await client.delete(path, headers=headers)).status_code == 204
    assert await storage.head(key_of(item, attachment)) is None
    assert (await client.get(attachments_of(item), headers=headers)).json()["total"] == 0
    assert (await client.delete(path, headers=headers)).status_code == 404


async def test_the_signed_policy_bounds_key_size_type_and_time(
    client: AsyncClient, headers: dict[str, str], settings: Settings
) -> None:
    item = await items.create(client, headers, "policy")
    started = await start_upload(client, headers, item, filename="../../etc/passwd")
    fields = started["upload"]["fields"]
    policy = json.loads(base64.b64decode(fields["policy"]))
    conditions = policy["conditions"]
    # The key is built from ids; the file name never reaches it.
    assert fields["key"] == key_of(item, started["attachment"])
    assert {"key": fields["key"]} in conditions
    assert ["content-length-range", 1, settings.attachment_max_bytes] in conditions
    assert {"Content-Type": "text/plain"} in conditions
    assert started["upload"]["max_bytes"] == settings.attachment_max_bytes
    assert policy["expiration"]


async def test_a_type_off_the_allow_list_gets_no_upload_url(
    client: AsyncClient, headers: dict[str, str]
) -> None:
    item = await items.create(client, headers, "html")
    response = await client.post(
        attachments_of(item),
        headers=headers,
        json={"filename": "page.html", "content_type": "text/html"},
    )
    assert response.status_code == 422
    assert_error_shape(response.json(), "content_type_not_allowed")


async def test_invalid_bodies_are_422(client: AsyncClient, headers: dict[str, str]) -> None:
    item = await items.create(client, headers, "bodies")
    for body in (
        {},
        {"filename": "", "content_type": "text/plain"},
        {"filename": "a\nb.txt", "content_type": "text/plain"},
        {"filename": "a.txt", "content_type": "text/plain", "extra": 1},
    ):
        response = await client.post(attachments_of(item), headers=headers, json=body)
        assert response.status_code == 422, body


async def test_a_file_larger_than_the_limit_is_deleted_at_confirm(
    app: FastAPI, client: AsyncClient, headers: dict[str, str], storage: Storage
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"attachment_max_bytes": 10})
    item = await items.create(client, headers, "big")
    started = await start_upload(client, headers, item)
    # moto stores it although the policy allows 10 bytes (S3 and MinIO answer 400 EntityTooLarge).
    assert (await send_file(started, b"x" * 50, "text/plain")).status_code == 204

    response = await confirm(client, headers, item, started)
    assert response.status_code == 422
    assert_error_shape(response.json(), "upload_rejected")
    assert "50 bytes" in response.json()["error"]["message"]
    assert await storage.head(key_of(item, started["attachment"])) is None
    assert (await client.get(attachments_of(item), headers=headers)).json()["total"] == 0


async def test_a_file_of_another_type_is_deleted_at_confirm(
    client: AsyncClient, headers: dict[str, str], storage: Storage
) -> None:
    item = await items.create(client, headers, "type")
    started = await start_upload(client, headers, item, content_type="text/plain")
    # The browser sends another type than declared (S3 refuses it: the policy pins the type).
    started["upload"]["fields"]["Content-Type"] = "text/html"
    assert (await send_file(started, b"<script>", "text/html")).status_code == 204

    response = await confirm(client, headers, item, started)
    assert response.status_code == 422
    assert_error_shape(response.json(), "upload_rejected")
    assert await storage.head(key_of(item, started["attachment"])) is None


async def test_an_upload_after_the_window_closed_is_refused(
    app: FastAPI, client: AsyncClient, headers: dict[str, str], storage: Storage
) -> None:
    app.state.settings = app.state.settings.model_copy(update={"s3_presign_seconds": 1})
    item = await items.create(client, headers, "late")
    started = await start_upload(client, headers, item)
    fields = started["upload"]["fields"]
    assert json.loads(base64.b64decode(fields["policy"]))["expiration"]
    await asyncio.sleep(2.2)  # the URL expired 1 s ago, and the confirm window with it
    # moto takes the expired form (S3 and MinIO answer 403); the confirm step refuses it.
    assert (await send_file(started, b"late", "text/plain")).status_code == 204

    response = await confirm(client, headers, item, started)
    assert response.status_code == 410
    assert_error_shape(response.json(), "upload_expired")
    assert await storage.head(key_of(item, started["attachment"])) is None


async def test_download_urls_expire_after_the_presign_lifetime(
    app: FastAPI, client: AsyncClient, headers: dict[str, str]
) -> None:
    item = await items.create(client, headers, "expiring")
    await stored_attachment(client, headers, item, b"short-lived")
    app.state.settings = app.state.settings.model_copy(update={"s3_presign_seconds": 7})
    [entry] = (await client.get(attachments_of(item), headers=headers)).json()["items"]
    # moto serves expired URLs too; the signed lifetime is what S3 enforces.
    assert "X-Amz-Expires=7&" in entry["download_url"] + "&"


async def test_confirm_before_the_upload_is_409(
    client: AsyncClient, headers: dict[str, str]
) -> None:
    item = await items.create(client, headers, "early")
    started = await start_upload(client, headers, item)
    response = await confirm(client, headers, item, started)
    assert response.status_code == 409
    assert_error_shape(response.json(), "upload_missing")


async def test_attachments_of_a_missing_item_or_attachment_are_404(
    client: AsyncClient, headers: dict[str, str]
) -> None:
    missing = {"id": str(uuid.uuid4())}
    assert (await client.get(attachments_of(missing), headers=headers)).status_code == 404
    item = await items.create(client, headers, "one")
    other = await items.create(client, headers, "two")
    attachment = await stored_attachment(client, headers, other, b"x")
    # An attachment of another item, under this item's path, is not found.
    path = f"{attachments_of(item)}/{attachment['id']}"
    assert (await client.delete(path, headers=headers)).status_code == 404
    assert (await client.post(f"{path}/confirm", headers=headers)).status_code == 404


async def test_storage_outage_drill(
    client: AsyncClient, headers: dict[str, str], s3_server: S3Server
) -> None:
    item = await items.create(client, headers, "through an outage")
    attachment = await stored_attachment(client, headers, item, b"before")
    pending = await start_upload(client, headers, item)
    path = attachments_of(item)
    s3_server.stop()

    ready = await client.get("/health/ready")
    assert ready.status_code == 503
    assert ready.json()["checks"]["storage"]["status"] == "fail"
    started = time.monotonic()
    for response in (
        await client.post(
            path, headers=headers, json={"filename": "a", "content_type": "text/plain"}
        ),
        await client.get(path, headers=headers),
        await client.post(f"{path}/{pending['attachment']['id']}/confirm", headers=headers),
        await client.delete(f"{path}/{attachment['id']}", headers=headers),
    ):
        assert response.status_code == 503
        assert_error_shape(response.json(), "storage_unavailable")
    assert time.monotonic() - started < 10  # refused at once, not after long waits
    # The rest of the API works on.
    other = await items.create(client, headers, "made during the outage")
    assert (await client.get(f"/api/v1/items/{other['id']}", headers=headers)).status_code == 200
    assert (await client.get("/api/v1/items", headers=headers)).status_code == 200

    s3_server.start()  # same port, same app: no restart
    assert (await client.get("/health/ready")).status_code == 200
    listed = (await client.get(path, headers=headers)).json()
    # The failed delete changed nothing: the attachment is still there, and can go now.
    assert [entry["id"] for entry in listed["items"]] == [
        attachment["id"],
        pending["attachment"]["id"],
    ]
    assert (await client.delete(f"{path}/{attachment['id']}", headers=headers)).status_code == 204
    await start_upload(client, headers, other)


def test_allowed_content_types_read_a_comma_separated_list() -> None:
    settings = production(attachment_content_types=" image/png, text/plain ,")
    assert settings.attachment_content_types == ["image/png", "text/plain"]
    settings = production(attachment_content_types='["application/pdf"]')
    assert settings.attachment_content_types == ["application/pdf"]

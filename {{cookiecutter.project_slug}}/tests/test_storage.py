"""Object storage against a real S3 server (moto's): readiness, the outage drill, the client's
operations, and the settings production refuses."""

from __future__ import annotations

import uuid

import pytest
from httpx import AsyncClient
from pydantic import ValidationError

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.core.storage import Storage, StorageUnavailable, open_storage
from tests.fixtures.storage import S3Server, download, upload
from tests.helpers import production


async def test_ready_reports_storage(client: AsyncClient) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["checks"]["storage"]["status"] == "ok"


async def test_ready_follows_a_storage_outage_and_recovers_without_restart(
    client: AsyncClient, s3_server: S3Server
) -> None:
    s3_server.stop()
    response = await client.get("/health/ready")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["storage"]["status"] == "fail"
    assert checks["storage"]["error"]
    # Only the store is down.
    assert [name for name, check in checks.items() if check["status"] == "fail"] == ["storage"]

    s3_server.start()  # same port: the app's client finds it again by itself
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["checks"]["storage"]["status"] == "ok"


async def test_presigned_post_uploads_and_presigned_get_downloads(storage: Storage) -> None:
    key = f"probe/{uuid.uuid4()}"
    post = await storage.presigned_upload(key, "text/plain", 100, 60)
    assert post.fields["key"] == key
    stored = await upload(post.url, post.fields, b"hello", "text/plain")
    assert stored.status_code == 204
    found = await storage.head(key)
    assert found is not None
    assert (found.size, found.content_type) == (5, "text/plain")

    url = await storage.presigned_download(key, "h\u00e9llo world.txt", 60)
    got = await download(url)
    assert got.status_code == 200
    assert got.content == b"hello"
    assert got.headers["content-disposition"] == (
        "attachment; filename*=UTF-8''h%C3%A9llo%20world.txt"
    )


async def test_delete_prefix_removes_only_that_prefix(storage: Storage) -> None:
    prefix = f"probe/{uuid.uuid4()}/"
    for name in ("a", "b", "c"):
        post = await storage.presigned_upload(prefix + name, "text/plain", 100, 60)
        assert (await upload(post.url, post.fields, b"x", "text/plain")).status_code == 204
    other = f"probe/{uuid.uuid4()}/a"
    post = await storage.presigned_upload(other, "text/plain", 100, 60)
    assert (await upload(post.url, post.fields, b"x", "text/plain")).status_code == 204

    assert await storage.delete_prefix(prefix) == 3
    assert await storage.head(prefix + "a") is None
    assert await storage.head(other) is not None
    await storage.delete(other)
    await storage.delete(other)  # deleting what is gone is not an error
    assert await storage.head(other) is None


async def test_unreachable_store_raises_storage_unavailable(
    storage: Storage, s3_server: S3Server
) -> None:
    s3_server.stop()
    with pytest.raises(StorageUnavailable):
        await storage.check()
    with pytest.raises(StorageUnavailable):
        await storage.head("k")
    with pytest.raises(StorageUnavailable):
        await storage.delete("k")
    with pytest.raises(StorageUnavailable):
        await storage.delete_prefix("k")


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"s3_bucket": ""}, "S3_BUCKET"),
        ({"s3_access_key_id": ""}, "S3_ACCESS_KEY_ID"),
        ({"s3_secret_access_key": ""}, "S3_SECRET_ACCESS_KEY"),
        ({"s3_access_key_id": "minioadmin"}, "S3_ACCESS_KEY_ID"),
    ],
)
def test_production_refuses_missing_storage_settings(overrides: dict[str, str], named: str) -> None:
    with pytest.raises(ValidationError, match=named):
        production(**overrides)


def test_production_accepts_aws_s3_with_keys() -> None:
    settings = production(s3_endpoint_url="")  # empty: AWS S3 itself
    assert settings.s3_bucket


async def test_presigned_urls_name_the_public_endpoint(settings: Settings) -> None:
    public = settings.model_copy(update={"s3_public_endpoint_url": "http://files.example.test"})
    async with open_storage(public) as store:
        post = await store.presigned_upload("k", "text/plain", 10, 60)
        url = await store.presigned_download("k", "k.txt", 60)
        await store.check()  # requests still go to S3_ENDPOINT_URL
    assert post.url.startswith("http://files.example.test/")
    assert url.startswith("http://files.example.test/")

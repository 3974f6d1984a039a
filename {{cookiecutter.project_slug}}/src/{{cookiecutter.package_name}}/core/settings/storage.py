"""Object storage: an S3-compatible bucket (AWS S3, MinIO, ...), and what production refuses."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from {{ cookiecutter.package_name }}.core.settings.service import ServiceSettings

# MinIO's out-of-the-box root login (compose/minio.yaml): production refuses it.
DEVELOPMENT_ACCESS_KEY = "minioadmin"


class StorageSettings(ServiceSettings):
    # Empty: AWS S3 itself (the endpoint follows S3_REGION). Otherwise the S3 API of another
    # store, for example MinIO at http://localhost:9000 (compose.yaml).
    s3_endpoint_url: str = "http://localhost:9000"
    # Where browsers reach the store, if not at S3_ENDPOINT_URL: presigned URLs name this host
    # (in compose the api reaches MinIO at http://minio:9000, a browser at http://localhost:9000).
    s3_public_endpoint_url: str = ""
    s3_bucket: str = "{{ cookiecutter.project_slug }}"
    s3_region: str = "us-east-1"
    s3_access_key_id: str = DEVELOPMENT_ACCESS_KEY
    s3_secret_access_key: str = "minioadmin"  # noqa: S105 (MinIO's development default)
    # Path-style URLs (endpoint/bucket/key): MinIO and most S3-compatible stores need them.
    s3_path_style: bool = True
    # Seconds a presigned upload or download URL stays valid.
    s3_presign_seconds: int = Field(default=300, ge=1, le=7 * 24 * 3600)
    # Seconds to connect to, and then to hear from, the store before the call fails.
    s3_timeout: float = Field(default=3.0, gt=0)

    @model_validator(mode="after")
    def _refuse_unusable_storage_settings(self) -> Self:
        if not self.is_production:
            return self
        for name, value in (
            ("S3_BUCKET", self.s3_bucket),
            ("S3_ACCESS_KEY_ID", self.s3_access_key_id),
            ("S3_SECRET_ACCESS_KEY", self.s3_secret_access_key),
        ):
            if not value:
                raise ValueError(f"{name} is empty; set {name} (see docs/storage.md)")
        if self.s3_access_key_id == DEVELOPMENT_ACCESS_KEY:
            raise ValueError(
                "S3_ACCESS_KEY_ID is MinIO's default root login; set S3_ACCESS_KEY_ID and "
                "S3_SECRET_ACCESS_KEY to the keys of an account that may use only S3_BUCKET"
            )
        return self

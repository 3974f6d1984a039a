"""The settings every service has, and the refusals that keep production safe.

The base of the settings classes of the other modules here."""

from __future__ import annotations

import json
from typing import Annotated, Literal, Self

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_SECRET_KEY = "change-me"  # noqa: S105 (the placeholder production refuses)
MIN_SECRET_KEY_LENGTH = 32

Environment = Literal["development", "test", "production"]


class ServiceSettings(BaseSettings):
    """The base of every settings class: each field maps to the upper-case environment variable."""

    # hide_input_in_errors: a refusal must not print the other settings (secrets) with it.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", hide_input_in_errors=True
    )

    project_name: str = "{{ cookiecutter.project_name }}"
    environment: Environment = "development"
    debug: bool = False
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    root_path: str = ""
    # The key of whatever the service signs; production refuses a weak one from the start.
    secret_key: str = DEFAULT_SECRET_KEY

    cors_origins: Annotated[list[str], NoDecode] = []
    cors_allow_credentials: bool = True

    health_check_timeout: float = Field(default=1.0, gt=0)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        """Accept a comma-separated list (`a,b`) as well as a JSON list."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [origin.strip() for origin in text.split(",") if origin.strip()]
        return value

    # Runs before the checks of the feature classes (pydantic runs a base's validators first).
    @model_validator(mode="after")
    def _refuse_unsafe_production_values(self) -> Self:
        if not self.is_production:
            return self
        if not self.secret_key:
            raise ValueError(
                "SECRET_KEY is empty; set SECRET_KEY to 32+ random bytes (openssl rand -hex 32)"
            )
        if self.secret_key == DEFAULT_SECRET_KEY:
            raise ValueError(
                "SECRET_KEY is the default value; "
                "set SECRET_KEY to 32+ random bytes (openssl rand -hex 32)"
            )
        if len(self.secret_key) < MIN_SECRET_KEY_LENGTH:
            raise ValueError(
                f"SECRET_KEY is {len(self.secret_key)} characters long; set SECRET_KEY to "
                f"{MIN_SECRET_KEY_LENGTH}+ random characters (openssl rand -hex 32)"
            )
        if self.debug:
            raise ValueError("DEBUG=true is refused in production; set DEBUG=false")
        if "*" in self.cors_origins and self.cors_allow_credentials:
            raise ValueError(
                "CORS_ORIGINS='*' with CORS_ALLOW_CREDENTIALS=true is refused in production; "
                "list the allowed origins in CORS_ORIGINS or set CORS_ALLOW_CREDENTIALS=false"
            )
        return self

    @property
    def is_production(self) -> bool:
        """True when ENVIRONMENT=production."""
        return self.environment == "production"

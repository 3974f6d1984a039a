"""Outgoing mail: the SMTP server, the sender, the links, and what production refuses."""

from __future__ import annotations

from typing import Literal, Self
from urllib.parse import urlsplit

from pydantic import EmailStr, Field, model_validator

from {{ cookiecutter.package_name }}.core.settings.service import ServiceSettings

# Mailpit, the development mail catcher: production refuses it.
DEVELOPMENT_SMTP_HOSTS = frozenset({"localhost", "127.0.0.1", "mailpit"})
DEVELOPMENT_SMTP_PORT = 1025


class MailSettings(ServiceSettings):
    # The defaults reach Mailpit, the development mail catcher (compose.yaml).
    smtp_host: str = "localhost"
    smtp_port: int = Field(default=1025, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: str = ""
    # none: plain SMTP (Mailpit); starttls: upgrade on port 587; tls: implicit TLS on port 465.
    smtp_tls: Literal["none", "starttls", "tls"] = "none"
    smtp_timeout: float = Field(default=10.0, gt=0)
    email_from: EmailStr = "noreply@{{ cookiecutter.domain_name }}"
    email_from_name: str = "{{ cookiecutter.project_name }}"
    # Where the links in emails point: the web app that shows the verify and reset pages.
    frontend_url: str = "http://localhost:3000"
    require_verified_email: bool = False
    email_verification_token_expire_hours: int = Field(default=48, ge=1)
    password_reset_token_expire_minutes: int = Field(default=30, ge=1)
    # At most one link per user and purpose in this many seconds (0 = no limit): a form cannot
    # be used to flood someone's inbox.
    email_resend_interval_seconds: int = Field(default=60, ge=0)
{%- if 'celery' in cookiecutter | features %}
    email_max_retries: int = Field(default=8, ge=0)
    email_retry_backoff_seconds: float = Field(default=10.0, gt=0)
    email_retry_backoff_max_seconds: float = Field(default=600.0, gt=0)
{%- endif %}

    @model_validator(mode="after")
    def _refuse_unusable_mail_settings(self) -> Self:
        if not self.is_production:
            return self
        if not self.smtp_host:
            raise ValueError("SMTP_HOST is empty; set SMTP_HOST to your mail server's host name")
        if self.smtp_host in DEVELOPMENT_SMTP_HOSTS and self.smtp_port == DEVELOPMENT_SMTP_PORT:
            raise ValueError(
                f"SMTP_HOST={self.smtp_host} SMTP_PORT={self.smtp_port} is Mailpit, the "
                "development mail catcher; set SMTP_HOST and SMTP_PORT to your mail server"
            )
        if bool(self.smtp_user) != bool(self.smtp_password):
            missing = "SMTP_PASSWORD" if self.smtp_user else "SMTP_USER"
            raise ValueError(
                f"{missing} is empty but its partner is set; set both SMTP_USER and SMTP_PASSWORD, "
                "or neither"
            )
        if self.smtp_password and self.smtp_tls == "none":
            raise ValueError(
                "SMTP_TLS=none would send SMTP_PASSWORD in clear text; "
                "set SMTP_TLS=starttls (port 587) or SMTP_TLS=tls (port 465)"
            )
        frontend = urlsplit(self.frontend_url)
        if frontend.scheme != "https" or not frontend.hostname:
            raise ValueError(
                f"FRONTEND_URL={self.frontend_url!r} is not an https URL; set FRONTEND_URL to the "
                "address of the web app that the links in emails open"
            )
        if frontend.hostname in {"localhost", "127.0.0.1"}:
            raise ValueError(
                f"FRONTEND_URL={self.frontend_url!r} points at this machine; set FRONTEND_URL to "
                "the public address of the web app"
            )
        return self

"""Cookie authentication: the cookies' Secure and SameSite attributes."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import model_validator

from {{ cookiecutter.package_name }}.core.settings.service import ServiceSettings


class CookieSettings(ServiceSettings):
    # Unset: Secure cookies in production only (tests and local development speak plain HTTP).
    cookie_secure: bool | None = None
    # lax: cookies go with top-level navigations from other sites but not with their POSTs.
    cookie_samesite: Literal["lax", "strict", "none"] = "lax"

    @model_validator(mode="after")
    def _check_cookies(self) -> Self:
        if self.cookie_samesite == "none" and not self.secure_cookies:
            raise ValueError(
                "COOKIE_SAMESITE=none needs Secure cookies (browsers drop them otherwise); "
                "set COOKIE_SECURE=true or COOKIE_SAMESITE=lax"
            )
        if self.is_production and self.cookie_secure is False:
            raise ValueError(
                "COOKIE_SECURE=false is refused in production: the auth cookies would travel "
                "over plain HTTP; serve HTTPS and unset COOKIE_SECURE (or set it to true)"
            )
        return self

    @property
    def secure_cookies(self) -> bool:
        """Whether cookies carry the Secure flag: COOKIE_SECURE, else only in production."""
        return self.is_production if self.cookie_secure is None else self.cookie_secure

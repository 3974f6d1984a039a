"""The emails of the account flows, built from small templates in code.

Each email is a few paragraphs and one link, rendered twice: as plain text and as simple HTML.
The links open the web app (FRONTEND_URL), which posts the token back to this API.
"""

from __future__ import annotations

from datetime import timedelta
from html import escape
from urllib.parse import urlencode

from {{ cookiecutter.package_name }}.core.config import Settings
from {{ cookiecutter.package_name }}.mail.sender import OutgoingEmail

VERIFY_EMAIL_PATH = "/verify-email"
RESET_PASSWORD_PATH = "/reset-password"  # noqa: S105 (a path, not a password)


def frontend_link(settings: Settings, path: str, token: str) -> str:
    """`FRONTEND_URL` + `path`, with the token as the `token` query parameter."""
    return f"{settings.frontend_url.rstrip('/')}{path}?{urlencode({'token': token})}"


def describe_duration(duration: timedelta) -> str:
    """A lifetime in words: "30 minutes", "48 hours", "1 hour"."""
    minutes = int(duration.total_seconds() // 60)
    count, unit = (minutes // 60, "hour") if minutes % 60 == 0 else (minutes, "minute")
    return f"{count} {unit}{'' if count == 1 else 's'}"


def _render(to: str, subject: str, intro: str, action: str, link: str, outro: str) -> OutgoingEmail:
    text = f"Hello,\n\n{intro}\n\n{link}\n\n{outro}\n"
    html = (
        "<!doctype html>\n"
        f"<html><body>\n<p>Hello,</p>\n<p>{escape(intro)}</p>\n"
        f'<p><a href="{escape(link)}">{escape(action)}</a></p>\n'
        f"<p>{escape(outro)}</p>\n</body></html>\n"
    )
    return OutgoingEmail(to=to, subject=subject, text=text, html=html)


def verification_email(
    to: str, token: str, valid_for: timedelta, settings: Settings
) -> OutgoingEmail:
    """The email that confirms `to` belongs to the user who signed up."""
    return _render(
        to,
        subject=f"Confirm your email address for {settings.project_name}",
        intro=f"Please confirm your email address for {settings.project_name} with this link:",
        action="Confirm my email address",
        link=frontend_link(settings, VERIFY_EMAIL_PATH, token),
        outro=(
            f"The link works once and expires in {describe_duration(valid_for)}. "
            "If you did not create an account, ignore this email."
        ),
    )


def password_reset_email(
    to: str, token: str, valid_for: timedelta, settings: Settings
) -> OutgoingEmail:
    """The email with a link that sets a new password."""
    return _render(
        to,
        subject=f"Reset your {settings.project_name} password",
        intro=f"Someone asked to reset the password of your {settings.project_name} account. "
        "Choose a new password with this link:",
        action="Choose a new password",
        link=frontend_link(settings, RESET_PASSWORD_PATH, token),
        outro=(
            f"The link works once and expires in {describe_duration(valid_for)}. "
            "If you did not ask for it, ignore this email: your password stays the same."
        ),
    )

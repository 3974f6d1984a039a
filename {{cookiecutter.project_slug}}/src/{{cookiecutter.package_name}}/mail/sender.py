"""Build an email and send it over SMTP with aiosmtplib, as the SMTP_* settings say."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

import aiosmtplib

from {{ cookiecutter.package_name }}.core.config import Settings

# What a failed send raises: an SMTP error reply or a broken connection (timeouts included).
SendError = (aiosmtplib.SMTPException, OSError)


@dataclass(frozen=True)
class OutgoingEmail:
    """One email to one recipient: a plain-text body and, optionally, an HTML alternative."""

    to: str
    subject: str
    text: str
    html: str | None = None


def build_message(email: OutgoingEmail, settings: Settings) -> EmailMessage:
    """The MIME message: text/plain, or multipart/alternative when there is an HTML body."""
    message = EmailMessage()
    message["From"] = formataddr((settings.email_from_name, settings.email_from))
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=settings.email_from.rpartition("@")[2])
    message.set_content(email.text)
    if email.html is not None:
        message.add_alternative(email.html, subtype="html")
    return message


async def send_email(email: OutgoingEmail, settings: Settings) -> None:
    """Hand `email` to the SMTP server; raises one of `SendError` when it is not accepted."""
    await aiosmtplib.send(
        build_message(email, settings),
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_user or None,
        password=settings.smtp_password or None,
        use_tls=settings.smtp_tls == "tls",
        # False, not None, for "none": aiosmtplib would otherwise upgrade whenever it is offered.
        start_tls=settings.smtp_tls == "starttls",
        timeout=settings.smtp_timeout,
    )


def is_permanent_failure(exc: BaseException) -> bool:
    """True when the server answered 5xx (unknown mailbox, bad credentials...): a retry won't help.

    4xx replies, timeouts and dropped connections are temporary.
    """
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return all(refusal.code >= 500 for refusal in exc.recipients)
    return isinstance(exc, aiosmtplib.SMTPResponseException) and exc.code >= 500

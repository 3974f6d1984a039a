"""Outgoing email: the message, SMTP delivery against a real server, failures, and the settings."""

from __future__ import annotations

{% if 'celery' not in cookiecutter | features -%}
import logging
{% endif -%}
from datetime import timedelta

import aiosmtplib
import pytest
from pydantic import ValidationError

from {{ cookiecutter.package_name }}.account.emails import describe_duration, verification_email
from {{ cookiecutter.package_name }}.core.config import Settings, get_settings
{%- if 'celery' not in cookiecutter | features %}
from {{ cookiecutter.package_name }}.mail.outbox import deliver
{%- endif %}
from {{ cookiecutter.package_name }}.mail.sender import (
    OutgoingEmail,
    build_message,
    is_permanent_failure,
    send_email,
)
from tests.fixtures.mail import EMAIL, PERMANENT, TEMPORARY
from tests.helpers import PRODUCTION_PASSWORD_HASHING{% if 'celery' not in cookiecutter | features %}, logged_events{% endif %}
from tests.smtp_sink import Mailbox, SmtpSink, bind_local_socket, password_authenticator

GOOD_KEY = "k" * 32


def test_message_has_sender_recipient_and_both_bodies(settings: Settings) -> None:
    message = build_message(EMAIL, settings)
    assert message["From"] == f"{settings.email_from_name} <{settings.email_from}>"
    assert message["To"] == "someone@example.com"
    assert message["Subject"] == "Hello"
    assert message["Message-ID"].endswith(f"@{settings.email_from.rpartition('@')[2]}>")
    assert message["Date"]
    assert message.get_content_type() == "multipart/alternative"
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None
    assert html is not None
    assert text.get_content() == "Plain words.\n"
    assert html.get_content() == "<p>Plain words.</p>\n"


def test_message_without_html_is_plain_text(settings: Settings) -> None:
    message = build_message(OutgoingEmail(to="a@example.com", subject="S", text="T"), settings)
    assert message.get_content_type() == "text/plain"


def test_templates_escape_html_and_state_the_lifetime(settings: Settings) -> None:
    settings = settings.model_copy(update={"project_name": "Tom & Jerry <Inc>"})
    email = verification_email("a@example.com", "tok", timedelta(hours=48), settings)
    assert "Tom & Jerry <Inc>" in email.text
    assert email.html is not None
    assert "Tom &amp; Jerry &lt;Inc&gt;" in email.html
    assert "<Inc>" not in email.html
    assert "expires in 48 hours" in email.text


@pytest.mark.parametrize(
    ("duration", "words"),
    [
        (timedelta(minutes=30), "30 minutes"),
        (timedelta(minutes=1), "1 minute"),
        (timedelta(hours=1), "1 hour"),
        (timedelta(hours=48), "48 hours"),
        (timedelta(minutes=90), "90 minutes"),
    ],
)
def test_durations_read_naturally(duration: timedelta, words: str) -> None:
    assert describe_duration(duration) == words


async def test_send_delivers_over_smtp(mailbox: Mailbox, settings: Settings) -> None:
    await send_email(EMAIL, settings)
    (received,) = await mailbox.receive(to="someone@example.com")
    assert received.mail_from == settings.email_from
    assert received.message["Subject"] == "Hello"


async def test_send_logs_in_with_the_configured_credentials(settings: Settings) -> None:
    sink = SmtpSink(bind_local_socket(), password_authenticator("mailer", "s3cret")).start()
    try:
        settings = settings.model_copy(
            update={"smtp_port": sink.port, "smtp_user": "mailer", "smtp_password": "s3cret"}
        )
        await send_email(EMAIL, settings)
        assert len(await sink.mailbox.receive()) == 1
        wrong = settings.model_copy(update={"smtp_password": "wrong"})
        with pytest.raises(aiosmtplib.SMTPAuthenticationError) as refused:
            await send_email(EMAIL, wrong)
        assert is_permanent_failure(refused.value)
    finally:
        sink.stop()


async def test_starttls_mode_insists_on_tls(settings: Settings) -> None:
    # The test server offers no STARTTLS: with SMTP_TLS=starttls nothing is sent in clear text.
    with pytest.raises(aiosmtplib.SMTPException, match="STARTTLS"):
        await send_email(EMAIL, settings.model_copy(update={"smtp_tls": "starttls"}))


@pytest.mark.parametrize(("reply", "permanent"), [(TEMPORARY, False), (PERMANENT, True)])
async def test_smtp_replies_are_told_apart(
    mailbox: Mailbox, settings: Settings, reply: str, permanent: bool
) -> None:
    mailbox.refuse_next(reply)
    with pytest.raises(aiosmtplib.SMTPResponseException) as refused:
        await send_email(EMAIL, settings)
    assert refused.value.code == int(reply[:3])
    assert is_permanent_failure(refused.value) is permanent
    assert mailbox.received() == []


async def test_an_unreachable_server_is_a_temporary_failure(settings: Settings) -> None:
    closed = bind_local_socket()
    port = closed.getsockname()[1]
    closed.close()
    with pytest.raises((aiosmtplib.SMTPException, OSError)) as failed:
        await send_email(EMAIL, settings.model_copy(update={"smtp_port": port}))
    assert not is_permanent_failure(failed.value)


{% if 'celery' not in cookiecutter | features -%}
# --- Without a worker: sent from this process after the response ---------------------------------
# (With one, test_mail_worker.py tests the delivery through it.)


async def test_delivery_sends_now(
    mailbox: Mailbox, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        await deliver(EMAIL, settings)
    assert len(mailbox.received("someone@example.com")) == 1
    assert "email_sent" in logged_events(caplog)


async def test_a_failed_delivery_is_logged_not_raised(
    mailbox: Mailbox, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    mailbox.refuse_next(TEMPORARY)
    await deliver(EMAIL, settings)
    assert mailbox.received() == []
    assert logged_events(caplog, logging.ERROR) == ["email_not_sent"]


{% endif -%}
# --- Settings ------------------------------------------------------------------------------------


def production(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "environment": "production",
        "secret_key": GOOD_KEY,
        "smtp_host": "smtp.example.net",
        "smtp_port": 587,
        "smtp_tls": "starttls",
        "smtp_user": "mailer",
        "smtp_password": "s3cret",
        "frontend_url": "https://app.example.com",
        **PRODUCTION_PASSWORD_HASHING,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_production_accepts_a_real_mail_server() -> None:
    assert production().smtp_host == "smtp.example.net"
    assert production(smtp_user="", smtp_password="", smtp_tls="none").smtp_tls == "none"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"smtp_host": ""}, "SMTP_HOST is empty"),
        ({"smtp_host": "mailpit", "smtp_port": 1025}, "SMTP_PORT=1025 is Mailpit"),
        ({"smtp_host": "localhost", "smtp_port": 1025}, "is Mailpit"),
        ({"smtp_password": ""}, "SMTP_PASSWORD is empty"),
        ({"smtp_user": ""}, "SMTP_USER is empty"),
        ({"smtp_tls": "none"}, "SMTP_TLS=none would send SMTP_PASSWORD in clear text"),
        ({"frontend_url": "http://app.example.com"}, "is not an https URL"),
        ({"frontend_url": ""}, "FRONTEND_URL='' is not an https URL"),
        ({"frontend_url": "https://localhost:3000"}, "points at this machine"),
    ],
)
def test_production_refuses_an_unusable_mail_setup(
    overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        production(**overrides)


def test_development_defaults_reach_mailpit(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SMTP_HOST", "SMTP_PORT", "SMTP_TLS", "SMTP_USER", "SMTP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=None)
    assert settings.smtp_host == "localhost"
    assert settings.smtp_port == 1025
    assert settings.smtp_tls == "none"


def test_email_from_must_be_an_address() -> None:
    with pytest.raises(ValidationError, match="email_from"):
        Settings(_env_file=None, email_from="not an address")


def test_the_tests_send_to_their_own_server(smtp_sink: SmtpSink) -> None:
    settings = get_settings()
    assert (settings.smtp_host, settings.smtp_port) == ("127.0.0.1", smtp_sink.port)

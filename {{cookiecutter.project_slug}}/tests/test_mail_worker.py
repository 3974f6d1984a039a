"""Outgoing email through the worker: queued, retried, given up, and sent anyway when the broker
is down."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from dataclasses import asdict

import aiosmtplib
import pytest

from {{ cookiecutter.package_name }}.core.config import Settings, get_settings
from {{ cookiecutter.package_name }}.mail.outbox import deliver
from {{ cookiecutter.package_name }}.mail.tasks import retry_countdown, send_email_task
from tests.fixtures.mail import EMAIL, PERMANENT, TEMPORARY
from tests.helpers import logged_events
from tests.smtp_sink import Mailbox, bind_local_socket


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = get_settings()  # what the task reads
    monkeypatch.setattr(settings, "email_retry_backoff_seconds", 0.05)
    monkeypatch.setattr(settings, "email_retry_backoff_max_seconds", 0.1)
    monkeypatch.setattr(settings, "email_max_retries", 2)


@pytest.mark.usefixtures("email_delivery", "fast_retries")
async def test_the_worker_sends_queued_email_and_retries_a_temporary_refusal(
    mailbox: Mailbox, settings: Settings
) -> None:
    mailbox.refuse_next(TEMPORARY)
    await deliver(EMAIL, settings)
    (received,) = await mailbox.receive(to="someone@example.com")
    assert received.message["Subject"] == "Hello"
    assert mailbox.attempts == 2


@pytest.mark.usefixtures("fast_retries")
def test_the_task_gives_up_at_once_on_a_permanent_refusal(
    mailbox: Mailbox, caplog: pytest.LogCaptureFixture
) -> None:
    mailbox.refuse_next(PERMANENT, times=5)
    result = send_email_task.apply(args=(asdict(EMAIL),))
    assert isinstance(result.result, aiosmtplib.SMTPResponseException)
    assert mailbox.attempts == 1
    assert "email_failed" in logged_events(caplog, logging.ERROR)
    assert "email_retrying" not in logged_events(caplog)


@pytest.mark.usefixtures("fast_retries")
def test_the_task_stops_retrying_after_email_max_retries(mailbox: Mailbox) -> None:
    mailbox.refuse_next(TEMPORARY, times=5)
    result = send_email_task.apply(args=(asdict(EMAIL),))
    assert isinstance(result.result, aiosmtplib.SMTPResponseException)
    assert mailbox.attempts == 3  # the first try and EMAIL_MAX_RETRIES=2 retries
    assert mailbox.received() == []


# What the API process runs after a response: deliver() with its own settings and Celery app,
# twice: once with the SMTP server up, then (after a marker line) with SMTP down as well.
DELIVER_TWO_EMAILS = """
import asyncio, sys
from {{ cookiecutter.package_name }}.core.config import get_settings
from {{ cookiecutter.package_name }}.mail.outbox import deliver
from {{ cookiecutter.package_name }}.mail.sender import OutgoingEmail
settings = get_settings()
email = OutgoingEmail(to=sys.argv[1], subject="Broker down", text="Still here.")
asyncio.run(deliver(email, settings))
print(sys.argv[3], flush=True)
email = OutgoingEmail(to=sys.argv[2], subject="Broker and SMTP down", text="Lost.")
asyncio.run(deliver(email, settings.model_copy(update={"smtp_port": int(sys.argv[4])})))
"""
SMTP_DOWN_MARKER = "--- SMTP down from here ---"


def deliver_with_the_broker_down(
    broker_url: str, to: str, then_to: str, closed_smtp_port: int
) -> tuple[str, str]:
    """In a fresh process whose broker (`broker_url`) is down, deliver() to `to`, then to
    `then_to` with SMTP on a closed port too; return what each delivery logged."""
    command = [sys.executable, "-c", DELIVER_TWO_EMAILS, to, then_to, SMTP_DOWN_MARKER]
    command.append(str(closed_smtp_port))
    finished = subprocess.run(  # noqa: S603 (our own interpreter and code)
        command,
        env={**os.environ, "CELERY_BROKER_URL": broker_url},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # one stream, in order: the marker splits it
        text=True,
        timeout=60,
        check=False,
    )
    assert finished.returncode == 0, finished.stdout
    first, marker, second = finished.stdout.partition(SMTP_DOWN_MARKER)
    assert marker, finished.stdout
    return first, second


def test_with_the_broker_down_the_api_process_sends_the_email_or_logs_the_loss(
    mailbox: Mailbox, dead_broker_url: str
) -> None:
    # One process for both cases: starting one costs more than the rest of the test.
    closed = bind_local_socket()
    closed_smtp_port = closed.getsockname()[1]
    closed.close()
    sent, lost = deliver_with_the_broker_down(
        dead_broker_url, "broker-down@example.com", "nowhere@example.com", closed_smtp_port
    )
    # With the SMTP server up, the API process sends the email itself.
    (received,) = mailbox.received()
    assert received.rcpt_tos == ["broker-down@example.com"]
    assert received.message["Subject"] == "Broker down"
    assert "email_not_queued" in sent
    assert "email_sent" in sent
    # With SMTP down too, the email is lost, and the loss is logged as an error.
    assert "email_not_queued" in lost
    assert "email_not_sent" in lost
    assert "email_sent" not in lost


def test_retry_back_off_grows_and_is_capped(settings: Settings) -> None:
    for retries in range(12):
        ceiling = min(
            settings.email_retry_backoff_max_seconds,
            settings.email_retry_backoff_seconds * 2**retries,
        )
        assert ceiling / 2 <= retry_countdown(retries, settings) <= ceiling

